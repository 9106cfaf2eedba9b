r"""Exact samplers of finite determinantal point processes (DPPs), single or batched, on every backend.

A DPP on :math:`\{0..N-1\}` with correlation kernel :math:`K` (symmetric, :math:`0 \preceq K \preceq I`)
draws a random set :math:`S` with :math:`P(A \subseteq S) = \det K_A`. Three families are covered:

* **Projection DPPs** (:func:`projection_dpp`), :math:`K = UU^\top` with :math:`U^\top U = I_r`: exactly
  :math:`r` items, :math:`P(S) = \det K_S`. Sampled by the chain rule (Hough, Krishnapur, Peres & Virág
  2006): item :math:`t+1` has probability :math:`d_i/(r-t)`, :math:`d_i` the squared distance of
  :math:`U_i` to the span of the chosen rows, kept up to date by Gram--Schmidt in feature space. Ours is
  a *lazy* chain rule: proposals from stale residuals, accepted with probability
  :math:`d_i/D_i` (exact rejection), refreshed with one BLAS pass over :math:`U` each time the remaining
  rank halves; O(N r^2) flops per sample, no eigendecomposition. A projection kernel matrix ``K`` is
  accepted too (Cholesky chain rule, O(N r^2)).
* **General DPPs** (:func:`dpp`): L-ensembles :math:`P(S) \propto \det L_S`, correlation kernels ``K``,
  and low-rank :math:`L = BB^\top` from features :math:`B` (N x d, never forming N x N). Spectral
  algorithm (Hough et al. 2006; Kulesza & Taskar 2012, Alg. 1): eigendecompose once, keep eigenvector
  :math:`n` with probability :math:`\lambda_n/(1+\lambda_n)` (resp. :math:`\lambda_n` for ``K``), then run
  the projection sampler on the kept eigenvectors.
* **k-DPPs** (:func:`k_dpp`), :math:`P(S) \propto \det L_S` on :math:`|S| = k`: eigenvectors chosen with
  the elementary symmetric polynomials (Kulesza & Taskar 2012, Alg. 8), then the projection sampler.

Randomness: sample ``b`` of a call draws from stream ``b`` of the counter-based RNG
(:mod:`graphsample._random`) under the key of ``seed``, so **the same seed gives the same index sets on
NumPy, PyTorch and CuPy**, whatever the thread count or batch split (floating-point sums differ in the
last bits between backends; a sample can only differ if a uniform falls within rounding of a boundary).
NumPy / CPU torch run the Numba kernels of :mod:`._dpp_cpu`; CuPy and CUDA torch run the same algorithm
as batched array code (:func:`_projection_xp`) on the device, all samples of a batch in lockstep.

Samples are returned sorted: an ``(r,)`` integer array, or ``(n_samples, r)`` when ``n_samples`` is given
(a list of arrays for general DPPs, whose sizes vary). This module backs the designs of Nouy & Michel,
"Weighted least-squares approximation with determinantal point processes and generalized volume
sampling" (2023), see :mod:`graphsample.selection.leastsquares`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._backend import arg_backend, device_kwargs, host_view, is_gpu, move_like, namespace, to_backend
from .._random import SeedLike, seed_key, uniform_array
from ..errors import check_magnitude, check_positive
from . import _dpp_cpu

#: stream offset of the spectral (eigenvector) draws; chain-rule draws of sample b use stream b
EIGEN_STREAMS = 1 << 62
_BLOCK = 16  # samples per lockstep block on the CPU
_CHUNK = 2048  # rows of U per BLAS product in a refresh
_XP_CELLS = 1 << 25  # max elements of a (samples x N) work array on a device


# --- validation -------------------------------------------------------------------------------

def as_matrix(x: Any, name: str) -> Any:
    """``x`` as a float64 2-D array of its own backend, non-empty and finite; a clear ValueError if not."""
    if isinstance(x, list | tuple):
        x = np.asarray(x, dtype=np.float64)
    b = arg_backend(x, name)
    xp = namespace(x)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got shape {tuple(x.shape)}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)})")
    if b == "numpy" and x.dtype.kind not in "fiub":
        raise ValueError(f"{name} must hold real numbers, got dtype {x.dtype}")
    x = xp.astype(x, xp.float64)
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name} contains NaN or infinite values")
    check_magnitude(name, x)
    return x


def _kernel_rtol(x: Any, n: int) -> float:
    r"""Relative tolerance of the symmetry and positive-semi-definiteness checks of an n x n kernel given as ``x``:
    :math:`n\,\varepsilon` of x's floating dtype (float64's for integers, booleans and lists), at least 1e-8 and at
    most :math:`\sqrt{\varepsilon}` (without that cap, a float16 kernel of n >= 1024 passed any check).

    Why: forming a kernel, e.g. :math:`FF^\top`, rounds each entry by about (inner size) :math:`\varepsilon\,|L|`
    and so moves its eigenvalues by up to about :math:`n\varepsilon\|L\|`. In float32 (:math:`\varepsilon` =
    1.2e-7) the zero eigenvalues of a low-rank PSD kernel land beyond a fixed -1e-8 relative (-7.6e-7 for a
    30 x 30 :math:`FF^\top` of rank 5), which refused PSD kernels as indefinite. The 1e-8 floor is the former
    float64 tolerance. Multiply by the kernel's scale (largest entry or eigenvalue magnitude), never by a floor of
    1: definiteness does not change with scale, and an absolute 1e-8 accepted tiny indefinite kernels.
    """
    eps = np.finfo(np.float64).eps
    if not isinstance(x, list | tuple):
        xp = namespace(x)
        if xp.isdtype(x.dtype, "real floating"):
            eps = xp.finfo(x.dtype).eps
    return max(min(n * float(eps), math.sqrt(float(eps))), 1e-8)


def _check_orthonormal(U: Any) -> None:
    """U^T U = I, checked on a fixed probe vector z: ||U^T (U z) - z|| small (O(N r), not O(N r^2))."""
    xp = namespace(U)
    r = U.shape[1]
    if U.shape[0] < r:
        raise ValueError(f"U has more columns ({r}) than rows ({U.shape[0]}); a projection needs N >= r")
    z = move_like(np.cos(np.arange(1, r + 1) * 1.7), U)
    err = float(xp.linalg.vector_norm(U.T @ (U @ z) - z)) / float(xp.linalg.vector_norm(z))
    if err > 1e-6:
        raise ValueError(f"U must have orthonormal columns (U^T U = I); the residual is {err:.2e}. "
                         "Orthonormalise it first, e.g. with a thin QR or SVD.")


def _check_count(n_samples: int | None) -> int:
    """The number of samples to draw: 1 for None (one sample, returned bare), else a positive integer."""
    return 1 if n_samples is None else check_positive("n_samples", n_samples)


def numerical_rank(s: Any, shape: tuple[int, ...]) -> int:
    r"""Numerical rank of an ``shape`` (N x d) matrix with singular values ``s``: the number of
    :math:`s_i > \max(N, d)\,\varepsilon\,s_{\max}` (float64 :math:`\varepsilon`; the rule of
    ``numpy.linalg.matrix_rank``). The one rank rule of the spectral samplers here and of
    :func:`~graphsample.selection.volume.column_basis`; the eigenvalues of a PSD kernel are its singular values.
    A zero matrix has rank 0.
    """
    xp = namespace(s)
    smax = float(xp.max(s)) if s.shape[0] else 0.0
    return int(xp.sum(xp.astype(s > max(shape) * float(np.finfo(np.float64).eps) * smax, xp.int64)))


def unit_column_svd(B: Any) -> tuple[Any, Any, Any, Any, int]:
    r"""Thin SVD of B (N x d) with its columns scaled to unit norm, and the numerical rank: the one rank rule
    for feature matrices, shared by :func:`k_dpp`, :func:`dpp` (``features``) and
    :func:`~graphsample.selection.volume.column_basis`.

    With :math:`n_j = \|B_{:,j}\|` (1 for a zero column) and :math:`Y = B\,\mathrm{diag}(n)^{-1} = U\Sigma W^\top`,
    returns ``(U, s, Wt, n, rank)``, ``rank`` by :func:`numerical_rank` on ``s``. :math:`\operatorname{range}(B) =
    \operatorname{range}(Y)` and :math:`\operatorname{rank} B = \operatorname{rank} Y`: scaling columns changes
    neither, but the singular values of B spread with the column scales (columns 1e-9 and 1e9 put
    :math:`\sigma_{\min}/\sigma_{\max}` near 1e-18, under any float64 threshold) while those of Y do not.
    """
    xp = namespace(B)
    n = xp.linalg.vector_norm(B, axis=0)
    n = xp.where(n > 0, n, 1.0)
    U, s, Wt = xp.linalg.svd(B / n[None, :], full_matrices=False)  # descending
    return U, s, Wt, n, numerical_rank(s, B.shape)


# --- projection DPPs --------------------------------------------------------------------------

def projection_dpp(U: Any = None, n_samples: int | None = None, *, K: Any = None, seed: SeedLike = None) -> Any:
    r"""Exact samples of the projection DPP with kernel :math:`K = UU^\top` (or a given projection ``K``).

    :math:`P(S) = \det K_S` for :math:`|S| = r = \operatorname{rank} K`, zero otherwise; in particular
    :math:`P(i \in S) = K_{ii} = \|U_i\|^2` and :math:`P(i, j \in S) = K_{ii}K_{jj} - K_{ij}^2`.

    Algorithm (chain rule, Hough et al. 2006; see the module docstring): O(N r^2) flops per sample,
    float64 throughout, negative residuals clipped to 0. With ``U``, the lazy variant: ``log2 r`` BLAS
    passes over U; with ``K`` (N x N, symmetric idempotent), Cholesky columns ``c_t = (K_{:,i} -
    C_{:, <t} C_{i, <t}) / \sqrt{d_i}``.

    Parameters
    ----------
    U : (N, r) array with orthonormal columns (NumPy, CuPy or torch); or give ``K`` instead.
    n_samples : None for one sample ``(r,)``; an int for a batch ``(n_samples, r)``.
    K : (N, N) projection kernel matrix, used when ``U`` is None.
    seed : int, Generator or None. Sample ``b`` uses stream ``b``: same seed, same sets on every backend.

    Returns
    -------
    Sorted int64 indices in the input's namespace and device.
    """
    B = _check_count(n_samples)
    if (U is None) == (K is None):
        raise ValueError("give exactly one of U (orthonormal features) or K (projection kernel)")
    key = seed_key(seed)
    if U is not None:
        U = as_matrix(U, "U")
        _check_orthonormal(U)
        out = _projection_features(U, B, key, 0)
    else:
        K = _check_projection_kernel(as_matrix(K, "K"), K)
        out = _projection_kernel(K, B, key)
    xp = namespace(out)
    out = xp.sort(out, axis=1)
    return out if n_samples is not None else out[0, ...]


def _projection_features(U: Any, B: int, key: np.uint64, stream0: int) -> Any:
    """Unsorted (B, r) chain-rule samples of streams stream0 .. stream0 + B - 1, on U's backend."""
    if is_gpu(U):
        return _projection_xp(U, B, key, stream0)
    Uh = np.ascontiguousarray(host_view(U))
    out = np.empty((B, Uh.shape[1]), np.int64)
    norms = _dpp_cpu.row_norms(Uh)
    if B <= 2:
        _dpp_cpu.projection_one(Uh, norms, key, stream0, out, _CHUNK)
    else:
        _dpp_cpu.projection_batch(Uh, norms, key, stream0, out, min(_BLOCK, -(-B // 2)), _CHUNK)
    if B and out[:, 0].min() < 0:
        raise _breakdown()
    return move_like(out, U)


def _projection_xp(U: Any, B: int, key: np.uint64, stream0: int) -> Any:
    """The lazy chain rule of :func:`._dpp_cpu.projection_batch` as batched array code (any backend).

    Same refresh schedule, same proposals and counters (``2c``, ``2c + 1``), same acceptance test: the
    same index sets as the Numba kernel. Samples are processed in chunks of at most ``_XP_CELLS / N``.
    """
    xp = namespace(U)
    N = U.shape[0]
    per = max(1, _XP_CELLS // N)
    parts = [_projection_xp_chunk(U, min(per, B - b0), key, stream0 + b0) for b0 in range(0, B, per)]
    return xp.concat(parts, axis=0) if len(parts) > 1 else parts[0]


def _projection_xp_chunk(U: Any, B: int, key: np.uint64, stream0: int) -> Any:
    xp = namespace(U)
    N, r = U.shape
    dev = device_kwargs(U)
    streams = xp.arange(stream0, stream0 + B, dtype=xp.int64, **dev)
    rows = xp.arange(B, dtype=xp.int64, **dev)
    D = xp.ones((B, 1), dtype=xp.float64, **dev) * xp.sum(U * U, axis=1)[None, :]
    chosen = xp.zeros((B, N), dtype=xp.bool, **dev)
    Q = xp.zeros((B, r, r), dtype=xp.float64, **dev)
    counter = xp.zeros(B, dtype=xp.int64, **dev)
    out = xp.zeros((B, r), dtype=xp.int64, **dev)
    cum = xp.cumulative_sum(D, axis=1)
    t0 = 0
    for t in range(r):
        if t > 0 and 2 * (r - t) < r - t0:
            D = _refresh_xp(U, Q[:, t0:t, :], D, chosen)
            cum = xp.cumulative_sum(D, axis=1)
            t0 = t
        total = cum[:, N - 1]
        pending = xp.ones(B, dtype=xp.bool, **dev)
        pick = xp.zeros(B, dtype=xp.int64, **dev)
        tries = 0
        while bool(xp.any(pending)):
            tries += 1
            if tries > _dpp_cpu.MAX_TRIES:
                raise _breakdown()
            u1 = uniform_array(key, streams, counter)
            u2 = uniform_array(key, streams, counter + 1)
            counter = xp.where(pending, counter + 2, counter)
            j = xp.sum(xp.astype(cum <= (u1 * total)[:, None], xp.int64), axis=1)
            jc = xp.clip(j, max=N - 1)
            Uj = xp.take(U, jc, axis=0)
            Dj = D[rows, jc]
            res = xp.sum((Q[:, t0:t, :] @ Uj[:, :, None])[:, :, 0] ** 2, axis=1) if t > t0 else 0.0
            ok = pending & (j < N) & ~chosen[rows, jc] & (u2 * Dj < Dj - res)
            pick = xp.where(ok, jc, pick)
            pending = pending & ~ok
        out[:, t] = pick
        chosen[rows, pick] = True
        v = xp.take(U, pick, axis=0)
        if t > 0:
            Qt = Q[:, :t, :]
            for _ in range(2):
                v = v - (xp.permute_dims(Qt, (0, 2, 1)) @ (Qt @ v[:, :, None]))[:, :, 0]
        Q[:, t, :] = v / xp.linalg.vector_norm(v, axis=1)[:, None]
    return out


def _breakdown() -> RuntimeError:
    """The error of a chain rule whose proposals are all rejected: see :func:`._dpp_cpu.projection_batch`."""
    return RuntimeError(f"the projection DPP sampler rejected {_dpp_cpu.MAX_TRIES} proposals in a row, which "
                        "orthonormal columns make impossible: the residuals of U have broken down (rank-deficient "
                        "or non-finite U?)")


def _refresh_xp(U: Any, W: Any, D: Any, chosen: Any) -> Any:
    """D[b, j] -= sum_s (U_j . W[b, s])^2, in row chunks of U; chosen items and negatives set to 0."""
    xp = namespace(U)
    B, w, r = W.shape
    N = U.shape[0]
    Wf = xp.reshape(W, (B * w, r))
    step = max(1, _XP_CELLS // (B * w))
    drop = [xp.sum(xp.reshape(U[j0:j0 + step, :] @ Wf.T, (-1, B, w)) ** 2, axis=2) for j0 in range(0, N, step)]
    D = D - xp.permute_dims(xp.concat(drop, axis=0), (1, 0))
    return xp.where(chosen | (D <= 0.0), 0.0, D)


def _check_projection_kernel(K: Any, given: Any) -> Any:
    """K (float64, from :func:`as_matrix`) checked as a projection kernel; ``given`` is the user's K, whose dtype
    sets the symmetry tolerance (:func:`_kernel_rtol`)."""
    xp = namespace(K)
    N = K.shape[0]
    if K.shape[1] != N:
        raise ValueError(f"K must be square, got shape {tuple(K.shape)}")
    if float(xp.max(xp.abs(K - K.T))) > _kernel_rtol(given, N) * float(xp.max(xp.abs(K))):
        raise ValueError("K must be symmetric")
    z = move_like(np.cos(np.arange(1, N + 1) * 1.7), K)
    Kz = K @ z
    if float(xp.linalg.vector_norm(K @ Kz - Kz)) > 1e-6 * float(xp.linalg.vector_norm(z)):
        raise ValueError("K must be a projection kernel (K @ K = K); for a general correlation kernel use dpp(K=...)")
    r = float(xp.sum(xp.linalg.diagonal(K)))
    if r < 0.5:
        raise ValueError("K has rank 0: the projection DPP is the empty set")
    return K


def _projection_kernel(K: Any, B: int, key: np.uint64) -> Any:
    xp = namespace(K)
    r = int(round(float(xp.sum(xp.linalg.diagonal(K)))))
    if is_gpu(K):
        return xp.concat([_projection_kernel_xp(K, r, key, b) for b in range(B)], axis=0)
    out = np.empty((B, r), np.int64)
    _dpp_cpu.projection_kernel_batch(np.ascontiguousarray(host_view(K)), r, key, 0, out)
    return move_like(out, K)


def _projection_kernel_xp(K: Any, r: int, key: np.uint64, stream: int) -> Any:
    """One sample of :func:`._dpp_cpu.projection_kernel_batch` (draw t uses counter t) as array code."""
    xp = namespace(K)
    N = K.shape[0]
    dev = device_kwargs(K)
    d = xp.clip(xp.linalg.diagonal(K), min=0.0)
    C = xp.zeros((N, r), dtype=xp.float64, **dev)
    picks = []
    s = xp.asarray([stream], dtype=xp.int64, **dev)
    for t in range(r):
        cum = xp.cumulative_sum(d)
        u = uniform_array(key, s, xp.asarray([t], dtype=xp.int64, **dev))
        i = int(xp.sum(xp.astype(cum <= u * cum[N - 1], xp.int64)))
        i = i if i < N else int(xp.argmax(d))
        picks.append(i)
        if t == r - 1:
            break
        di = float(d[i])  # one device-to-host read per step
        c = (K[i, :] - C[:, :t] @ C[i, :t]) / (di**0.5 if di > 0 else 1.0)
        C[:, t] = c
        d = xp.clip(d - c * c, min=0.0)
        d[xp.asarray(picks, dtype=xp.int64, **dev)] = 0.0
    return xp.asarray([picks], dtype=xp.int64, **dev)


# --- general DPPs and k-DPPs (spectral) -------------------------------------------------------

def _spectrum(L: Any, K: Any, features: Any) -> tuple[Any, Any, str, int]:
    r"""Eigenpairs ``(lam, V)``, ascending, with orthonormal V (N x M), ``kind`` "L" (L-ensemble) or "K", and the
    numerical rank (:func:`numerical_rank`): how many of the largest eigenvalues count. For ``features``:
    :func:`_feature_spectrum`.
    """
    given = [x is not None for x in (L, K, features)]
    if sum(given) != 1:
        raise ValueError("give exactly one of L (L-ensemble), K (correlation kernel) or features (L = B B^T)")
    if features is not None:
        B = as_matrix(features, "features")
        return _feature_spectrum(B, unit_column_svd(B))
    given = L if L is not None else K
    M = as_matrix(given, "L" if L is not None else "K")
    xp = namespace(M)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"the kernel must be square, got shape {tuple(M.shape)}")
    rtol = _kernel_rtol(given, M.shape[0])  # the precision the kernel was given in, not float64's
    if float(xp.max(xp.abs(M - M.T))) > rtol * float(xp.max(xp.abs(M))):
        raise ValueError("the kernel must be symmetric")
    lam, V = xp.linalg.eigh(M)
    tol = rtol * float(xp.max(xp.abs(lam)))
    if float(xp.min(lam)) < -tol:
        raise ValueError(f"the kernel must be positive semi-definite (smallest eigenvalue {float(xp.min(lam)):.3g})")
    if K is not None and float(xp.max(lam)) > 1 + tol:
        raise ValueError(f"a correlation kernel needs eigenvalues <= 1 (largest {float(xp.max(lam)):.6g}); "
                         "for an L-ensemble use dpp(L=...)")
    lam = xp.clip(lam, min=0.0, max=None if L is not None else 1.0)
    return lam, V, "L" if L is not None else "K", numerical_rank(lam, M.shape)


def _feature_spectrum(B: Any, svd: tuple[Any, Any, Any, Any, int]) -> tuple[Any, Any, str, int]:
    r""":func:`_spectrum` of the L-ensemble :math:`L = BB^\top` of ``features`` B (N x d), from ``svd``, the
    :func:`unit_column_svd` of B (passed in, so that a caller holding it does not compute it twice).

    ``svd`` gives :math:`B = U_r G` with :math:`U_r` (N x r) orthonormal,
    :math:`G = \Sigma_r W_r^\top \mathrm{diag}(n)` (r x d, column-graded) and the rank r (one rule with
    :func:`~graphsample.selection.volume.column_basis`). The SVD :math:`G = P\,\mathrm{diag}(\sigma)\,Z^\top` gives
    :math:`L = BB^\top = (U_rP)\,\mathrm{diag}(\sigma^2)(U_rP)^\top`, all r pairs counting; O(N d^2 + r d^2) flops,
    never N x N. LAPACK's SVD of G (on G's backend) resolves :math:`\sigma_i` only to an absolute
    :math:`\varepsilon\sigma_{\max}`, a relative error of :math:`\varepsilon\sigma_{\max}/\sigma_i`; when its
    :math:`\sigma_r/\sigma_1` is below :math:`\sqrt\varepsilon` of G's dtype (columns of very different scales:
    relative errors above :math:`\sqrt\varepsilon`), one-sided Jacobi (:func:`._dpp_cpu.jacobi_left_svd`, in
    float64 on the host) recomputes it with relative accuracy in every :math:`\sigma_i` (Demmel & Veselić 1992).
    """
    xp = namespace(B)
    U, s, Wt, n, r = svd
    G = s[:r, None] * Wt[:r, :] * n[None, :]
    P, sig, _ = xp.linalg.svd(G, full_matrices=False)  # descending
    if r and float(sig[r - 1]) < float(xp.finfo(G.dtype).eps) ** 0.5 * float(sig[0]):
        sig, P = _dpp_cpu.jacobi_left_svd(np.ascontiguousarray(to_backend(G, "numpy"), dtype=np.float64))
        sig, P = xp.astype(move_like(sig, B), G.dtype), xp.astype(move_like(P, B), G.dtype)
    V = U[:, :r] @ P
    return xp.flip(sig) ** 2, xp.flip(V, axis=1), "L", r


def dpp(*, L: Any = None, K: Any = None, features: Any = None, n_samples: int | None = None,
        seed: SeedLike = None) -> Any:
    r"""Exact samples of a general DPP: L-ensemble, correlation kernel, or low-rank :math:`L = BB^\top`.

    * ``L`` (N x N, PSD): :math:`P(S) = \det L_S / \det(L + I)`;
    * ``K`` (N x N, :math:`0 \preceq K \preceq I`): :math:`P(A \subseteq S) = \det K_A`;
    * ``features`` ``B`` (N x d): the L-ensemble :math:`L = BB^\top`, through the thin SVD
      :math:`B = U\Sigma W^\top` (eigenpairs of L: :math:`U`, :math:`\Sigma^2`; computed as in :func:`_feature_spectrum`,
      accurate for columns of any scales), O(N d^2), no N x N.

    Spectral algorithm (Hough et al. 2006; Kulesza & Taskar 2012, Alg. 1): eigendecompose once;
    for each sample keep eigenvector :math:`n` with probability :math:`\lambda_n/(1+\lambda_n)`
    (:math:`\lambda_n` for K), using the uniform at stream ``EIGEN_STREAMS + b``, counter ``n``; then
    the projection chain rule on the kept eigenvectors (stream ``b``). Returns one sorted index array,
    or a list of ``n_samples`` of them (their sizes vary), on the input's backend.
    """
    count = _check_count(n_samples)
    key = seed_key(seed)
    lam, V, kind, _ = _spectrum(L, K, features)
    xp = namespace(V)
    p = lam / (1.0 + lam) if kind == "L" else lam
    M = V.shape[1]
    streams = xp.arange(count, dtype=xp.int64, **device_kwargs(V))[:, None] + EIGEN_STREAMS
    keep = uniform_array(key, streams, xp.arange(M, dtype=xp.int64, **device_kwargs(V))[None, :]) < p[None, :]
    samples = [_from_eigvecs(V, xp.nonzero(keep[b, :])[0], key, b) for b in range(count)]
    return samples if n_samples is not None else samples[0]


def k_dpp(k: int, *, L: Any = None, features: Any = None, n_samples: int | None = None,
          seed: SeedLike = None) -> Any:
    r"""Exact samples of the k-DPP :math:`P(S) \propto \det L_S`, :math:`|S| = k` (Kulesza & Taskar 2011).

    Eigendecompose :math:`L` once (or take the thin SVD of ``features`` ``B``, :math:`L = BB^\top`); only the
    eigenvalues inside the numerical rank (:func:`numerical_rank`) can be chosen, and :math:`k` above that
    rank is an error. Per sample choose :math:`k` eigenvectors with :math:`P(J) \propto \prod_{n \in J}
    \lambda_n` by the elementary symmetric polynomials :math:`e_l(\lambda_1..\lambda_n)` (Kulesza & Taskar
    2012, Alg. 7--8; the table holds :math:`\log e_l`, so no spread of the spectrum under- or overflows it),
    then the projection chain rule. Returns ``(k,)`` or ``(n_samples, k)`` sorted indices on the input's backend.
    """
    count = _check_count(n_samples)
    check_positive("k", k)
    key = seed_key(seed)
    return _k_dpp(int(k), _spectrum(L, None, features), count, key, n_samples is not None)


def _k_dpp(k: int, spectrum: tuple[Any, Any, str, int], count: int, key: np.uint64, batch: bool) -> Any:
    """:func:`k_dpp` on a :func:`_spectrum` ``spectrum``: ``count`` samples, stacked when ``batch``."""
    lam, V, _, rank = spectrum
    xp = namespace(V)
    if k > rank:
        raise ValueError(f"k = {k} exceeds the rank of L ({rank}): every set of size k has probability 0")
    lam_h = np.asarray(to_backend(lam, "numpy"), dtype=np.float64).copy()
    lam_h[: lam_h.shape[0] - rank] = 0.0  # ascending: eigenvalues below the numerical rank are never chosen
    # the k-DPP does not change when L is scaled: divide by the largest eigenvalue (the log-domain table
    # below has no range limit; this keeps its logs <= 0)
    lam_h = np.ascontiguousarray(np.clip(lam_h / lam_h.max(), 0.0, 1.0))
    logE = _dpp_cpu.esp_table(lam_h, k)
    sel = np.empty((count, k), np.int64)
    _dpp_cpu.esp_select(lam_h, logE, k, key, EIGEN_STREAMS, 0, sel)
    samples = [_from_eigvecs(V, move_like(sel[b], V), key, b) for b in range(count)]
    out = xp.stack(samples, axis=0)
    return out if batch else out[0, ...]


def _from_eigvecs(V: Any, cols: Any, key: np.uint64, stream: int) -> Any:
    """Sorted projection-DPP sample of stream ``stream`` on the eigenvectors ``V[:, cols]``."""
    xp = namespace(V)
    if cols.shape[0] == 0:
        return xp.zeros(0, dtype=xp.int64, **device_kwargs(V))
    U = xp.take(V, cols, axis=1)
    return xp.sort(_projection_features(U, 1, key, stream)[0, ...])
