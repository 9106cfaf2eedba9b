r"""Per-node alias tables over the out-arcs of a CSR graph (Walker 1977; Vose 1991).

For node ``u`` with out-arcs ``indptr[u]:indptr[u+1]`` of weights :math:`w_1..w_d`, the table holds, in the
same CSR slots, a probability ``prob[j]`` and an ``alias[j]`` (a local index in ``0..d-1``) such that
drawing ``j`` uniformly and keeping it with probability ``prob[j]`` (else taking ``alias[j]``) selects
arc ``k`` with probability :math:`w_k / \sum_i w_i`. Building is O(d) per node (parallel over nodes);
a draw is O(1) with two uniforms. Nodes whose weights are all zero get uniform tables. Each row's total
:math:`\sum_i w_i` is summed in float64, in arc order, so CPU and GPU builds agree bit for bit.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numba import prange

from .._backend import arg_backend, host_view
from ..errors import GraphValidationError
from ..graph import _check_weights, indptr_problem


def _build_row(indptr, weights, prob, alias, u, small, large, scaled, off):
    """Vose's method for the row of node ``u``, with scratch ``small``, ``large``, ``scaled`` from ``off``;
    returns the row's weight total (0 for an empty row).

    Plain Python over scalars: compiled by ``numba.njit`` (per-row scratch) and ``cuda.jit(device=True)``
    (scratch in CSR slots, ``off`` = the row start), so CPU and GPU build bit-identical tables.
    """
    s, e = indptr[u], indptr[u + 1]
    d = e - s
    if d == 0:
        return 0.0
    total = 0.0
    for j in range(s, e):
        total += np.float64(weights[j])  # float64 sums also for float32 weights (NumPy 2 on the simulator)
    ns = 0
    nl = 0
    for j in range(d):
        scaled[off + j] = np.float64(weights[s + j]) * d / total if total > 0 else 1.0
        if scaled[off + j] < 1.0:
            small[off + ns] = j
            ns += 1
        else:
            large[off + nl] = j
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        a = small[off + ns]
        g = large[off + nl - 1]
        prob[s + a] = scaled[off + a]
        alias[s + a] = g
        scaled[off + g] = (scaled[off + g] + scaled[off + a]) - 1.0
        if scaled[off + g] < 1.0:
            nl -= 1
            small[off + ns] = g
            ns += 1
    for k in range(nl):
        prob[s + large[off + k]] = 1.0
        alias[s + large[off + k]] = large[off + k]
    for k in range(ns):  # leftovers from rounding
        prob[s + small[off + k]] = 1.0
        alias[s + small[off + k]] = small[off + k]
    return total


_build_row_cpu = numba.njit(inline="always")(_build_row)


@numba.njit(parallel=True, cache=True)
def _build(indptr, weights, prob, alias, totals):
    n = indptr.shape[0] - 1
    for u in prange(n):
        d = indptr[u + 1] - indptr[u]
        totals[u] = _build_row_cpu(indptr, weights, prob, alias, u, np.empty(d, np.int64), np.empty(d, np.int64),
                                   np.empty(d, np.float64), 0)


def alias_dtype(indptr: np.ndarray) -> np.dtype:
    """The dtype of the alias entries, local indices within a row: int32, or int64 for a row of 2**31 entries or
    more (a single row over every arc, as GraphVite's start-arc table, on a graph of over 2**31 arcs)."""
    longest = int(np.max(np.diff(indptr), initial=0))
    return np.dtype(np.int32 if longest <= np.iinfo(np.int32).max else np.int64)


def build_alias_totals(indptr: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alias tables ``(prob, alias)`` aligned with the CSR arcs, and each row's weight total (host arrays)."""
    indptr = np.ascontiguousarray(host_view(indptr), dtype=np.int64)
    weights = np.ascontiguousarray(host_view(weights), dtype=np.float64)
    prob = np.ones(weights.shape[0], np.float64)
    alias = np.zeros(weights.shape[0], alias_dtype(indptr))
    totals = np.zeros(indptr.shape[0] - 1, np.float64)
    _build(indptr, weights, prob, alias, totals)
    return prob, alias, totals


def build_alias(indptr: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """Alias tables ``(prob, alias)`` aligned with the CSR arcs (host arrays).

    ``indptr`` must run from 0 to ``len(weights)`` without decreasing, and the weights be finite and >= 0; anything
    else is a :class:`~graphsample.errors.GraphValidationError` (the kernel read past the weights, or built tables
    of no distribution, without a word)."""
    for name, a in (("indptr", indptr), ("weights", weights)):
        arg_backend(a, name, lists=False)  # a list was host_view's "unsupported array type builtins.list"
    indptr, weights = np.asarray(host_view(indptr)), np.asarray(host_view(weights))
    if indptr.ndim != 1 or indptr.shape[0] == 0 or indptr.dtype.kind not in "iu":
        raise GraphValidationError(f"indptr must be a non-empty 1-D integer array, got {indptr.dtype} of shape "
                                   f"{indptr.shape}")
    if weights.ndim != 1 or weights.dtype.kind not in "iuf":
        raise GraphValidationError(f"weights must be a 1-D array of real numbers, got {weights.dtype} of shape "
                                   f"{weights.shape}")
    if indptr_problem(indptr, weights.shape[0]):
        raise GraphValidationError(f"indptr does not run from 0 to the number of weights ({weights.shape[0]}) "
                                   "without decreasing")
    _check_weights(weights.astype(np.float64, copy=False))
    return build_alias_totals(indptr, weights)[:2]


def _alias_draw(prob, alias, start, degree, u1, u2):
    """Local index (0..degree-1) of the arc drawn with uniforms u1, u2 from the table at ``start``."""
    j = np.int64(u1 * degree)
    if j >= degree:
        j = degree - 1
    return j if u2 < prob[start + j] else np.int64(alias[start + j])


#: ``alias_draw(prob, alias, start, degree, u1, u2)`` for Numba CPU code (inlined).
alias_draw = numba.njit(inline="always")(_alias_draw)
_cuda_alias_draw = None


def cuda_alias_draw():
    """The same draw compiled as a numba.cuda device function (imported lazily)."""
    global _cuda_alias_draw
    if _cuda_alias_draw is None:
        from .._backend import numba_cuda

        _cuda_alias_draw = numba_cuda().jit(device=True)(_alias_draw)
    return _cuda_alias_draw
