r"""Numba CPU kernels of the finite DPP samplers (chain rule, elementary symmetric polynomials).

Chain rule for a projection DPP of rank :math:`r` with kernel :math:`K = UU^\top` (Hough et al. 2006):
item :math:`i_{t+1}` is drawn with probability :math:`d_i / (r - t)`, where :math:`d_i` is the squared
distance of the feature row :math:`U_i` to the span of the rows already chosen. We keep an orthonormal
basis :math:`q_1..q_t` of that span *in feature space* (modified Gram--Schmidt, run twice) and update
:math:`d_i \leftarrow d_i - \sum_s (U_i \cdot q_s)^2` *lazily*: the stored residuals :math:`D_i \ge d_i`
are refreshed by one pass over :math:`U` each time the remaining rank halves, and in between an item drawn
from :math:`D` is accepted with probability :math:`d_i / D_i`, :math:`d_i` computed exactly from the
:math:`q_s` added since the refresh (exact rejection sampling; see :func:`projection_batch`). O(N r^2) per
sample, ``log2 r`` passes over :math:`U`, no eigendecomposition. Negative residuals from rounding are clipped
to 0 and chosen items are pinned to 0 so they are never drawn twice.

Proposal ``c`` of sample ``b`` uses the uniforms ``random_uniform(stream_key(key, b), 2c)`` (the item, by the
inverse-CDF rule "first item whose running sum of ``D`` exceeds ``u * sum(D)``") and ``2c + 1`` (the
acceptance), which the array (CuPy / torch) implementation in :mod:`graphsample.selection.dpp` reproduces:
the same seed gives the same index sets on every backend and for any thread count.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from .._random import random_uniform, stream_key

_FAST = {"reassoc", "contract"}
_BLAS_MIN = 1 << 22  # multiply-adds from which a refresh product goes to BLAS
MAX_TRIES = 1 << 16  # proposals of one step before the lazy chain rule gives up (see projection_batch)


@numba.njit(inline="always")
def pick(d, u):
    """First ``j`` whose running sum of ``d`` exceeds ``u * sum(d)``; ``argmax(d)`` if rounding leaves none."""
    n = d.shape[0]
    total = 0.0
    for j in range(n):
        total += d[j]
    thr = u * total
    acc = 0.0
    for j in range(n):
        acc += d[j]
        if acc > thr:
            return j
    return np.argmax(d)


@numba.njit(inline="always")
def new_direction(U, i, Q, t):
    """Q[t] = the unit vector of U[i] orthogonalised against Q[0..t-1] (Gram--Schmidt twice)."""
    r = U.shape[1]
    for k in range(r):
        Q[t, k] = U[i, k]
    for _ in range(2):
        for s in range(t):
            h = 0.0
            for k in range(r):
                h += Q[s, k] * Q[t, k]
            for k in range(r):
                Q[t, k] -= h * Q[s, k]
    nrm = 0.0
    for k in range(r):
        nrm += Q[t, k] * Q[t, k]
    nrm = np.sqrt(nrm)
    if nrm > 0.0:
        for k in range(r):
            Q[t, k] /= nrm


@numba.njit(cache=True, nogil=True)
def row_norms(U):
    """Squared Euclidean norms of the rows of U (the inclusion probabilities K_ii)."""
    n, r = U.shape
    out = np.empty(n)
    for j in range(n):
        s = 0.0
        for k in range(r):
            s += U[j, k] * U[j, k]
        out[j] = s
    return out


@numba.njit(inline="always")
def _refresh(U, Q, D, cum, chosen, t0, t, chunk):
    """Bring the stale residuals D from step t0 to step t: D[b, j] -= sum_{t0<=s<t} (U[j] . Q[b, s])^2.

    One pass over U in row chunks, each a BLAS product with all new directions of the block, then the
    running sums ``cum`` of the inverse-CDF proposals are rebuilt.
    """
    nb, n = D.shape
    r = U.shape[1]
    w = t - t0
    W = np.ascontiguousarray(Q[:, t0:t, :]).reshape(nb * w, r)
    for j0 in range(0, n if w > 0 else 0, chunk):
        j1 = min(n, j0 + chunk)
        if (j1 - j0) * nb * w * r >= _BLAS_MIN:
            P = np.dot(U[j0:j1], W.T)
        else:  # small products: a loop beats a (possibly multi-threaded) BLAS call
            P = np.zeros((j1 - j0, nb * w))
            for j in range(j1 - j0):
                for c in range(nb * w):
                    h = 0.0
                    for k in range(r):
                        h += U[j0 + j, k] * W[c, k]
                    P[j, c] = h
        for j in range(j1 - j0):
            for b in range(nb):
                v = D[b, j0 + j]
                for s in range(w):
                    v -= P[j, b * w + s] ** 2
                D[b, j0 + j] = v if v > 0.0 and not chosen[b, j0 + j] else 0.0
    for b in range(nb):
        acc = 0.0
        for j in range(n):
            acc += D[b, j]
            cum[b, j] = acc


@numba.njit(inline="always")
def _residual(U, Q, j, t0, t):
    """Squared norm of the projection of U[j] on q_{t0..t-1}."""
    r = U.shape[1]
    out = 0.0
    for s in range(t0, t):
        h = 0.0
        for k in range(r):
            h += U[j, k] * Q[s, k]
        out += h * h
    return out


@numba.njit(inline="always")
def _projection_block(U, norms, key, stream0, out, row0, nb, chunk):
    """Samples ``row0 .. row0 + nb - 1`` of :func:`projection_batch`, in lockstep."""
    r = out.shape[1]
    n = U.shape[0]
    D = np.empty((nb, n))
    cum = np.empty((nb, n))
    chosen = np.zeros((nb, n), np.bool_)
    for b in range(nb):
        D[b, :] = norms
    Q = np.zeros((nb, r, r))
    counter = np.zeros(nb, np.int64)
    t0 = 0
    for t in range(r):
        if t == 0 or 2 * (r - t) < r - t0:
            _refresh(U, Q, D, cum, chosen, t0, t, chunk)
            t0 = t
        for b in range(nb):
            skey = stream_key(key, np.uint64(stream0 + row0 + b))
            total = cum[b, n - 1]
            tries = 0
            while True:
                tries += 1
                if tries > MAX_TRIES:  # out[., 0] = -1 tells the caller (projection_batch's docstring)
                    out[row0 + b, 0] = -1
                    return
                u1 = random_uniform(skey, counter[b])
                u2 = random_uniform(skey, counter[b] + 1)
                counter[b] += 2
                j = np.searchsorted(cum[b], u1 * total, side="right")
                if j >= n or chosen[b, j]:
                    continue
                dj = D[b, j] - _residual(U, Q[b], j, t0, t)
                if u2 * D[b, j] < dj:
                    break
            out[row0 + b, t] = j
            chosen[b, j] = True
            new_direction(U, j, Q[b], t)


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=_FAST)
def projection_batch(U, norms, key, stream0, out, block, chunk):
    """``out[b]`` = chain-rule sample of stream ``stream0 + b`` (draw order; callers sort).

    Lazy chain rule: proposals come from stale residuals ``D`` (an upper bound of the true ones, refreshed
    when the remaining rank has halved, ``2 (r - t) < r - t0``) and are accepted with probability
    ``d_j / D_j``, ``d_j`` computed exactly in O(r (t - t0)). This is exact rejection sampling of
    ``d_j / (r - t)``, with at most 2 proposals per step on average and ``log2 r`` passes over U in all.
    A proposal is accepted with probability ``(r - t) / (r - t0) >= 1/2`` when U has orthonormal columns, so
    ``MAX_TRIES`` rejections in a row (probability at most ``2**-MAX_TRIES``) mean residuals that no orthonormal
    U gives: the block stops and marks the sample with ``out[b, 0] = -1``, which the caller turns into an error.
    Proposal ``c`` of a sample uses the uniforms at counters ``2c`` (item) and ``2c + 1`` (acceptance).
    Samples run in lockstep blocks of ``block`` (one pass over U serves the block); blocks in parallel.
    """
    n_samples = out.shape[0]
    n_blocks = (n_samples + block - 1) // block
    for blk in prange(n_blocks):
        _projection_block(U, norms, key, stream0, out, blk * block, min(block, n_samples - blk * block), chunk)


@numba.njit(nogil=True, cache=True, fastmath=_FAST)
def projection_one(U, norms, key, stream0, out, chunk):
    """The same samples as :func:`projection_batch`, all in one lockstep block on the calling thread."""
    _projection_block(U, norms, key, stream0, out, 0, out.shape[0], chunk)


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=_FAST)
def projection_kernel_batch(K, r, key, stream0, out):
    """Chain rule on a projection kernel matrix ``K`` (N x N) with incremental Cholesky columns.

    ``c_t = (K[:, i] - C[:, :t] C[i, :t]) / sqrt(d_i)`` and ``d -= c_t^2``: O(N t) per step.
    """
    n_samples = out.shape[0]
    n = K.shape[0]
    for b in prange(n_samples):
        skey = stream_key(key, np.uint64(stream0 + b))
        d = np.empty(n)
        for j in range(n):
            d[j] = K[j, j] if K[j, j] > 0.0 else 0.0
        C = np.zeros((n, r))
        for t in range(r):
            i = pick(d, random_uniform(skey, t))
            out[b, t] = i
            if t == r - 1:
                break
            di = np.sqrt(d[i]) if d[i] > 0.0 else 1.0
            for j in range(n):
                s = K[i, j]
                for k in range(t):
                    s -= C[j, k] * C[i, k]
                C[j, t] = s / di
                v = d[j] - C[j, t] * C[j, t]
                d[j] = v if v > 0.0 else 0.0
            for s in range(t + 1):
                d[out[b, s]] = 0.0


@numba.njit(inline="always", cache=True)
def _logaddexp(a, b):
    r""":math:`\log(e^a + e^b)`, exact when one side is ``-inf``."""
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    if a < b:
        a, b = b, a
    return a + np.log1p(np.exp(b - a))


@numba.njit(cache=True, nogil=True)
def esp_table(lam, k):
    r"""Log of the elementary symmetric polynomials: ``logE[l, n]`` :math:`= \log e_l(\lambda_1..\lambda_n)`,
    :math:`0 \le l \le k`, :math:`0 \le n \le M` (``-inf`` where :math:`e_l = 0`).

    The recursion of Kulesza & Taskar (2012, Alg. 7), :math:`e_l^n = e_l^{n-1} + \lambda_n e_{l-1}^{n-1}`, taken in
    the log domain: :math:`\log e_l^n = \operatorname{logaddexp}(\log e_l^{n-1}, \log\lambda_n + \log e_{l-1}^{n-1})`
    with :math:`\operatorname{logaddexp}(a, b) = \max(a, b) + \log(1 + e^{-|a-b|})`. Every term is non-negative,
    so each step has a small relative error and no entry can underflow or overflow, whatever the spread
    of the spectrum (a linear table, even divided by each column's maximum, loses :math:`e_l` below
    ~1e-308 times that maximum, e.g. :math:`e_2(10^{-200}, 10^{-200})` beside :math:`e_0 = 1`).
    """
    m = lam.shape[0]
    logE = np.full((k + 1, m + 1), -np.inf)
    logE[0, :] = 0.0
    for n in range(1, m + 1):
        ll = np.log(lam[n - 1]) if lam[n - 1] > 0.0 else -np.inf
        for l in range(1, k + 1):
            logE[l, n] = _logaddexp(logE[l, n - 1], ll + logE[l - 1, n - 1])
    return logE


@numba.njit(parallel=True, nogil=True, cache=True)
def esp_select(lam, logE, k, key, stream0, counter0, out):
    r"""k eigen-indices per sample with :math:`P(J) \propto \prod_{n \in J} \lambda_n` (Kulesza & Taskar 2012, Alg. 8).

    Going down n = M..1, index n is kept with probability
    :math:`\lambda_n e_{l-1}^{n-1} / e_l^{n} = \exp(\log\lambda_n + \log e_{l-1}^{n-1} - \log e_l^n)` (``logE``
    from :func:`esp_table`) where l is the number still to choose; the uniform of index n is
    ``(stream0 + b, counter0 + n - 1)``. When :math:`e_l^{n-1} = 0` the log-sum is exactly the kept term,
    so the probability is exactly 1.
    """
    loglam = np.log(np.maximum(lam, 0.0))  # once for every sample; -inf at 0, never read there
    for b in prange(out.shape[0]):
        skey = stream_key(key, np.uint64(stream0 + b))
        left = k
        for n in range(lam.shape[0], 0, -1):
            if left == 0:
                break
            if n == left:
                p = 1.0
            elif lam[n - 1] > 0.0:
                p = np.exp(loglam[n - 1] + logE[left - 1, n - 1] - logE[left, n])
            else:
                p = 0.0
            if random_uniform(skey, counter0 + n - 1) < p:
                left -= 1
                out[b, left] = n - 1


@numba.njit(cache=True, nogil=True)
def jacobi_left_svd(G):
    r"""Singular values (descending) and left singular vectors of ``G`` (r x d, rank r <= d), by one-sided
    (Hestenes) Jacobi: rotations from the right, :math:`G \leftarrow GJ`, until the columns are orthogonal,
    :math:`GZ = [P\Sigma, 0]`; then :math:`GG^\top = P\Sigma^2P^\top`.

    Pair (i, j) with :math:`a = \|g_i\|^2`, :math:`b = \|g_j\|^2`, :math:`c = g_i\cdot g_j` is rotated while
    :math:`|c| > r\varepsilon\sqrt{ab}`, by :math:`\zeta = (b-a)/2c`, :math:`t = \operatorname{sign}\zeta /
    (|\zeta| + \sqrt{1+\zeta^2})`, :math:`\cos = 1/\sqrt{1+t^2}`, :math:`\sin = t\cos`. For a column-graded
    :math:`G = BD` (D diagonal) every :math:`\sigma_i` comes out with relative error
    :math:`O(\varepsilon\,\kappa(B))` whatever the spread of D (Demmel & Veselić 1992), where an SVD by
    bidiagonalisation only resolves :math:`\sigma_i` down to :math:`\varepsilon\,\sigma_{\max}`.
    """
    r, d = G.shape
    C = np.ascontiguousarray(G.T)  # row j of C is column j of G: contiguous in the inner loops
    tol = max(r, 1) * 2.220446049250313e-16
    for _sweep in range(80):
        rotated = False
        for i in range(d - 1):
            for j in range(i + 1, d):
                a = 0.0
                b = 0.0
                c = 0.0
                for t in range(r):
                    a += C[i, t] * C[i, t]
                    b += C[j, t] * C[j, t]
                    c += C[i, t] * C[j, t]
                if a == 0.0 or b == 0.0 or abs(c) <= tol * np.sqrt(a) * np.sqrt(b):
                    continue
                rotated = True
                zeta = (b - a) / (2.0 * c)
                tt = (1.0 if zeta >= 0.0 else -1.0) / (abs(zeta) + np.sqrt(1.0 + zeta * zeta))
                cs = 1.0 / np.sqrt(1.0 + tt * tt)
                sn = cs * tt
                for t in range(r):
                    ci = C[i, t]
                    cj = C[j, t]
                    C[i, t] = cs * ci - sn * cj
                    C[j, t] = sn * ci + cs * cj
        if not rotated:
            break
    norms = np.empty(d)
    for j in range(d):
        s = 0.0
        for t in range(r):
            s += C[j, t] * C[j, t]
        norms[j] = np.sqrt(s)
    order = np.argsort(-norms)[:r]
    sig = norms[order]
    P = np.zeros((r, r))
    for q in range(r):
        if sig[q] > 0.0:
            for t in range(r):
                P[t, q] = C[order[q], t] / sig[q]
    return sig, P
