"""Sparse and segmented operations the array-API standard lacks, native on each backend.

Each function takes arrays of one backend and returns arrays of the same backend and device:
scipy.sparse on NumPy, cupyx.scipy.sparse on CuPy, torch.sparse on PyTorch. Nothing moves
between host and device here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numba
import numpy as np
from numba import prange

from ._backend import backend_of, device_kwargs, native


def csr_matrix(indptr: Any, indices: Any, data: Any, shape: tuple[int, int]) -> Any:
    """A native CSR matrix (scipy / cupyx / torch sparse CSR) over the given arrays."""
    b = backend_of(indptr)
    if b == "numpy":
        import scipy.sparse as sp

        return sp.csr_matrix((data, indices, indptr), shape=shape)
    if b == "cupy":
        import cupyx.scipy.sparse as csp

        return csp.csr_matrix((data, indices, indptr), shape=shape)
    torch = native("torch")
    with quiet_torch_sparse():
        return torch.sparse_csr_tensor(indptr, indices.to(indptr.dtype), data, size=shape, check_invariants=False)


@contextmanager
def quiet_torch_sparse() -> Iterator[None]:
    """Silence torch's notes on building sparse tensors: that sparse CSR is in beta, and that the invariant
    checks are skipped (torch 2.13 says it unless ``check_invariants`` is given; torch 2.11, seen on the
    GPU machine, even when it is). Notes for torch's developers, they reached every user of ``--backend
    torch`` as long 'Warning:' lines; the CSR arrays of a Graph are checked once, in its constructors."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state", category=UserWarning)
        warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled",
                                category=UserWarning)
        yield


def spmv(A: Any, x: Any) -> Any:
    """Sparse matrix times dense vector, ``A @ x``."""
    return A @ x


def spmm(A: Any, X: Any) -> Any:
    """Sparse matrix times dense matrix, ``A @ X``.

    On the host, a CSR matrix times a C-contiguous float matrix runs a parallel Numba kernel (rows of
    the result split over threads; scipy's own product is single-threaded); other combinations use the
    backend's ``@``.
    """
    if type(A).__module__.startswith("scipy.sparse") and isinstance(X, np.ndarray) and X.ndim == 2 \
            and A.format == "csr" and X.dtype.kind == "f" and X.flags.c_contiguous:
        out = np.zeros((A.shape[0], X.shape[1]), np.result_type(A.dtype, X.dtype))
        _csr_times_dense(A.indptr, A.indices, A.data, X, out)
        return out
    return A @ X


@numba.njit(parallel=True, nogil=True, cache=True)
def _csr_times_dense(indptr, indices, data, X, out):
    for u in prange(indptr.shape[0] - 1):
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            a = data[j]
            for k in range(X.shape[1]):
                out[u, k] += a * X[v, k]


def arange_like(n: int, like: Any, dtype: str = "int64") -> Any:
    """``arange(n)`` on ``like``'s backend and device."""
    b = backend_of(like)
    if b == "torch":
        torch = native("torch")
        return torch.arange(n, dtype=getattr(torch, dtype), **device_kwargs(like))
    xp = native(b)
    return xp.arange(n, dtype=dtype)


def repeat_ids(indptr: Any) -> Any:
    """Row id of every stored entry of a CSR with row pointer ``indptr`` (length ``indptr[-1]``)."""
    b = backend_of(indptr)
    n = indptr.shape[0] - 1
    if b == "cupy":  # cupy.repeat takes an array of counts only from CuPy 14.1 on
        cp = native("cupy")
        return cp.searchsorted(indptr[1:], cp.arange(int(indptr[-1]), dtype=np.int64), side="right")
    counts = indptr[1:] - indptr[:-1]
    if b == "torch":
        torch = native("torch")
        return torch.repeat_interleave(torch.arange(n, **device_kwargs(indptr)), counts)
    return np.repeat(np.arange(n, dtype=np.int64), counts)


def bincount(x: Any, minlength: int, weights: Any = None) -> Any:
    """Counts (or float64 sums of ``weights``) per value of the non-negative integer array ``x``.

    Sums are float64 on every backend, as NumPy's and CuPy's ``bincount`` give them; ``torch.bincount`` would sum
    float32 weights in float32.
    """
    b = backend_of(x)
    if b == "torch":
        torch = native("torch")
        if weights is not None:
            weights = weights.to(torch.float64)
        return torch.bincount(x, weights=weights, minlength=minlength)
    return native(b).bincount(x, weights=weights, minlength=minlength)


def scatter_add(index: Any, values: Any, size: int) -> Any:
    """``out[index[i]] += values[i]`` into a zero array of ``size`` rows (values 1-D or 2-D)."""
    b = backend_of(values)
    if values.ndim == 1:
        return bincount(index, size, weights=values)
    if b == "torch":
        torch = native("torch")
        out = torch.zeros((size,) + tuple(values.shape[1:]), dtype=values.dtype, **device_kwargs(values))
        return out.index_add_(0, index, values)
    xp = native(b)
    out = xp.zeros((size,) + values.shape[1:], dtype=values.dtype)
    xp.add.at(out, index, values)  # CuPy's ufunc.at (since CuPy 12) replaces the deprecated cupyx.scatter_add
    return out


def segment_sum(values: Any, indptr: Any) -> Any:
    """Sums of ``values`` over the CSR segments ``indptr[i]:indptr[i+1]`` (empty segments give 0)."""
    return scatter_add(repeat_ids(indptr), values, indptr.shape[0] - 1)


def topk(X: Any, k: int) -> tuple[Any, Any]:
    """Per-row top-``k`` (values, column indices) of a dense 2-D array, largest first, ties to the lower column.

    The result equals the first ``k`` columns of a stable sort of each row in decreasing order, on every backend:
    the ``k``-th largest value ``t`` of a row is found by a partial sort, the row keeps every entry above ``t``
    and, of those equal to ``t``, the leftmost ones that make up ``k``; a stable sort of the ``k`` kept entries
    then orders them. Linear time in the row length (a full sort would be ``m log m``), and the same indices on
    NumPy, CuPy and PyTorch even where values tie (Monte Carlo estimates often do). ``k`` above the row length
    keeps the whole row. NaN has no place in a decreasing order (NumPy sorts it last, torch first): a ValueError.
    """
    b = backend_of(X)
    if bool(native(b).isnan(X).any()):
        raise ValueError("cannot rank values that contain NaN (top-k of a score array with NaN)")
    n, m = X.shape
    k = min(k, m)
    if b == "torch":
        torch = native("torch")
        t = torch.topk(X, k, dim=1).values[:, k - 1:k]
        above, tied = X > t, X == t
        need = k - above.sum(1, keepdim=True)
        take = above | (tied & (torch.cumsum(tied.to(torch.int64), 1) <= need))
        cols = torch.nonzero(take)[:, 1].reshape(n, k)
        vals = torch.gather(X, 1, cols)
        order = torch.sort(-vals, dim=1, stable=True).indices
        return torch.gather(vals, 1, order), torch.gather(cols, 1, order)
    xp = native(b)
    t = -xp.partition(-X, k - 1, axis=1)[:, k - 1:k] if k < m else X.min(1, keepdims=True)
    above, tied = X > t, X == t
    need = k - above.sum(1, keepdims=True)
    take = above | (tied & (xp.cumsum(tied, 1) <= need))
    cols = xp.nonzero(take)[1].reshape(n, k)
    vals = xp.take_along_axis(X, cols, 1)
    order = xp.argsort(-vals, axis=1, kind="stable") if b == "numpy" else xp.argsort(-vals, axis=1)
    return xp.take_along_axis(vals, order, 1), xp.take_along_axis(cols, order, 1)
