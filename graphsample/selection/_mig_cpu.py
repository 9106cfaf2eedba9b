r"""Numba CPU kernels of MIG (Chen et al., ACL 2025 Findings, arXiv 2504.13835): lazy and stochastic greedy.

Data layout (all CSR, float64 values): the label matrix :math:`V` (n x K), the propagation matrix
:math:`A` (K x K) and its transpose :math:`A^\top`. Picking item :math:`i` adds
:math:`\delta^{(i)} = s_i A v_i` to the information vector :math:`x`; coordinate :math:`k` of
:math:`\delta^{(i)}` is :math:`s_i \sum_j v_{ij} A_{kj}`, read from the rows :math:`j \in v_i` of
:math:`A^\top`. Gains:

* exact: :math:`\sum_k \varphi(x_k + \delta^{(i)}_k) - \varphi(x_k)`;
* linear: :math:`\delta^{(i)} \cdot \varphi'(x) = s_i\, v_i \cdot g` with :math:`g = A^\top \varphi'(x)`,
  kept up to date by recomputing :math:`g_j` for every :math:`j` whose column of :math:`A` meets a
  changed coordinate of :math:`x` (rows of :math:`A`).

Both gains are non-increasing in :math:`x` (:math:`\varphi` concave, all entries non-negative), so a
stale gain is an upper bound and lazy greedy (Minoux 1978) returns exactly the sequence of the full
sweep: a popped item whose fresh gain beats the best stale bound, with ties to the lower index, is the
full sweep's lexicographic argmax.

``phi`` codes: 0 power :math:`x^p`, 1 ``log1p``, 2 exp-saturating :math:`\tau(1-e^{-x/\tau})`.
The derivative of the power is taken at :math:`\max(x, \epsilon)` so that the linear gain is finite
at :math:`x = 0` (ours; :math:`\varphi'(0)=\infty` for :math:`p<1`).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from .._random import random_below, stream_key

PHI_POWER, PHI_LOG1P, PHI_EXP = 0, 1, 2
GAIN_LINEAR, GAIN_EXACT = 0, 1


@numba.njit(inline="always", cache=True)
def phi(code, p, x):
    if code == PHI_POWER:
        return x ** p
    if code == PHI_LOG1P:
        return math.log1p(x)
    return p * (1.0 - math.exp(-x / p))


@numba.njit(inline="always", cache=True)
def dphi(code, p, eps, x):
    if code == PHI_POWER:
        return p * max(x, eps) ** (p - 1.0)
    if code == PHI_LOG1P:
        return 1.0 / (1.0 + x)
    return math.exp(-x / p)


@numba.njit(inline="always", cache=True)
def _better(g1, i1, g2, i2):
    """Order of the greedy choice: larger gain, then lower index."""
    return g1 > g2 or (g1 == g2 and i1 < i2)


@numba.njit(cache=True)
def _delta(i, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched, seen):
    r"""Scatter :math:`s_i A v_i` into ``acc``; returns ``m``, the number of distinct coordinates touched.

    On entry ``acc`` is zero and ``seen`` is False everywhere; on exit ``touched[:m]`` lists each coordinate
    :math:`k` with a product :math:`s_i v_{ij} A_{kj}` exactly once and ``seen[k]`` is True for them. The
    caller resets ``acc[k] = 0`` and ``seen[k] = False`` for ``k`` in ``touched[:m]``. The flag, not
    ``acc[k] == 0``, marks a visit: a product of positive numbers can underflow to 0 (``1e-200 * 1e-200``),
    which would list ``k`` again and let ``m`` exceed the K slots of ``touched``.
    """
    m = 0
    for a in range(v_ptr[i], v_ptr[i + 1]):
        j = v_idx[a]
        w = s[i] * v_val[a]
        if w == 0.0:
            continue
        for b in range(at_ptr[j], at_ptr[j + 1]):
            k = at_idx[b]
            if not seen[k]:
                seen[k] = True
                touched[m] = k
                m += 1
            acc[k] += w * at_val[b]
    return m


@numba.njit(cache=True)
def _gain(i, kind, code, p, x, px, g, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched, seen):
    r"""Gain of item ``i``; ``px`` caches :math:`\varphi(x)` (exact gains), ``g`` is :math:`A^\top\varphi'(x)`."""
    if kind == GAIN_LINEAR:
        t = 0.0
        for a in range(v_ptr[i], v_ptr[i + 1]):
            t += v_val[a] * g[v_idx[a]]
        return s[i] * t
    m = _delta(i, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched, seen)
    t = 0.0
    for c in range(m):
        k = touched[c]
        t += phi(code, p, x[k] + acc[k]) - px[k]
        acc[k] = 0.0
        seen[k] = False
    return t


@numba.njit(inline="always", cache=True)
def _g_entry(j, dpx, at_ptr, at_idx, at_val):
    t = 0.0
    for b in range(at_ptr[j], at_ptr[j + 1]):
        t += at_val[b] * dpx[at_idx[b]]
    return t


@numba.njit(parallel=True, nogil=True, cache=True)
def state(code, p, eps, x, at_ptr, at_idx, at_val):
    r"""The cached state of ``x``: :math:`\varphi(x)`, :math:`\varphi'(x)` and :math:`g = A^\top \varphi'(x)`."""
    K = x.shape[0]
    px = np.empty(K)
    dpx = np.empty(K)
    for k in prange(K):
        px[k] = phi(code, p, x[k])
        dpx[k] = dphi(code, p, eps, x[k])
    g = np.empty(K)
    for j in prange(K):
        g[j] = _g_entry(j, dpx, at_ptr, at_idx, at_val)
    return px, dpx, g


@numba.njit(cache=True)
def _apply(i, kind, code, p, eps, x, px, dpx, g, s, v_ptr, v_idx, v_val, a_ptr, a_idx, at_ptr, at_idx, at_val,
           acc, touched, seen, mark, stamp):
    """Add item ``i`` to the state: ``x += s_i A v_i``; refresh the touched entries of the caches."""
    m = _delta(i, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched, seen)
    for c in range(m):
        k = touched[c]
        x[k] = x[k] + acc[k]
        acc[k] = 0.0
        seen[k] = False
        px[k] = phi(code, p, x[k])
        dpx[k] = dphi(code, p, eps, x[k])
    if kind == GAIN_LINEAR:
        for c in range(m):
            k = touched[c]
            for b in range(a_ptr[k], a_ptr[k + 1]):
                j = a_idx[b]
                if mark[j] != stamp:
                    mark[j] = stamp
                    g[j] = _g_entry(j, dpx, at_ptr, at_idx, at_val)


@numba.njit(parallel=True, nogil=True, cache=True)
def all_gains(kind, code, p, x, px, g, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val):
    """Gain of every item for the cached state, in parallel blocks (one scratch per block)."""
    n = v_ptr.shape[0] - 1
    K = x.shape[0]
    out = np.empty(n)
    blk = 8192
    nb = (n + blk - 1) // blk
    for b in prange(nb):
        acc = np.zeros(K)
        touched = np.empty(K, np.int64)
        seen = np.zeros(K, np.bool_)
        for i in range(b * blk, min(n, (b + 1) * blk)):
            out[i] = _gain(i, kind, code, p, x, px, g, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched,
                           seen)
    return out


@numba.njit(inline="always", cache=True)
def _sift_down(heap, pos, size):
    """4-ary max-heap of (gain, id) rows under :func:`_better`; the 4 children share a cache line."""
    while True:
        first = 4 * pos + 1
        if first >= size:
            return
        best = first
        for c in range(first + 1, min(first + 4, size)):
            if _better(heap[c, 0], heap[c, 1], heap[best, 0], heap[best, 1]):
                best = c
        if not _better(heap[best, 0], heap[best, 1], heap[pos, 0], heap[pos, 1]):
            return
        k, d = heap[pos, 0], heap[pos, 1]
        heap[pos, 0], heap[pos, 1] = heap[best, 0], heap[best, 1]
        heap[best, 0], heap[best, 1] = k, d
        pos = best


@numba.njit(nogil=True, cache=True)
def lazy_greedy(budget, kind, code, p, eps, x, selected, s, v_ptr, v_idx, v_val, a_ptr, a_idx,
                at_ptr, at_idx, at_val):
    """Lazy greedy from state ``x`` (modified in place); ``selected`` marks the warm-start items.

    Returns (picks, gains, number of gain evaluations after the initial pass). Equals the full sweep:
    see the module doc. Item ids are stored as float64 in the heap (exact below 2**53).
    """
    n = v_ptr.shape[0] - 1
    K = x.shape[0]
    px, dpx, g = state(code, p, eps, x, at_ptr, at_idx, at_val)
    init = all_gains(kind, code, p, x, px, g, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val)
    size = 0
    heap = np.empty((n, 2))
    for i in range(n):
        if not selected[i]:
            heap[size, 0] = init[i]
            heap[size, 1] = i
            size += 1
    for pos in range((size - 2) // 4, -1, -1):
        _sift_down(heap, pos, size)
    fresh = np.ones(n, np.int64)  # 1 + the step at which the stored key was computed
    picks = np.empty(budget, np.int64)
    gains = np.empty(budget)
    acc = np.zeros(K)
    touched = np.empty(K, np.int64)
    seen = np.zeros(K, np.bool_)
    mark = np.full(K, -1, np.int64)
    t = np.int64(0)  # not a literal 0: _apply is compiled for int64 only, not also for Literal[int](0)
    evals = 0
    while t < budget and size > 0:
        i = np.int64(heap[0, 1])
        if fresh[i] == t + 1:
            gi = heap[0, 0]
        else:
            evals += 1
            gi = _gain(i, kind, code, p, x, px, g, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched, seen)
            fresh[i] = t + 1
            heap[0, 0] = gi
            # accept only if it still beats its children, the best bounds of everything else
            _sift_down(heap, 0, size)
            if np.int64(heap[0, 1]) != i:
                continue
        picks[t] = i
        gains[t] = gi
        size -= 1
        heap[0, 0] = heap[size, 0]
        heap[0, 1] = heap[size, 1]
        _sift_down(heap, 0, size)
        _apply(i, kind, code, p, eps, x, px, dpx, g, s, v_ptr, v_idx, v_val, a_ptr, a_idx, at_ptr, at_idx, at_val,
               acc, touched, seen, mark, t)
        t += 1
    return picks[:t], gains[:t], evals


@numba.njit(nogil=True, cache=True)
def stochastic_greedy(budget, sample_size, key, kind, code, p, eps, x, selected, s, v_ptr, v_idx, v_val,
                      a_ptr, a_idx, at_ptr, at_idx, at_val):
    """Stochastic greedy (Mirzasoleiman et al., AAAI 2015) with counter-based candidate sets.

    Step ``t`` draws ``random_below(stream_key(key, t), c, n)`` for ``c = 0, 1, ...``; the candidates
    are the unselected items among the first ``sample_size`` draws (more draws are taken only while
    none is unselected). The best candidate (ties to the lower index) is picked.
    """
    n = v_ptr.shape[0] - 1
    K = x.shape[0]
    px, dpx, g = state(code, p, eps, x, at_ptr, at_idx, at_val)
    picks = np.empty(budget, np.int64)
    gains = np.empty(budget)
    acc = np.zeros(K)
    touched = np.empty(K, np.int64)
    seen = np.zeros(K, np.bool_)
    mark = np.full(K, -1, np.int64)
    sel = selected.copy()
    remaining = n - np.sum(sel)
    t = np.int64(0)  # not a literal 0: _apply is compiled for int64 only, not also for Literal[int](0)
    while t < budget and remaining > 0:
        skey = stream_key(key, t)
        best_i = -1
        best_g = -np.inf
        c = 0
        while c < sample_size or best_i < 0:
            i = random_below(skey, c, n)
            c += 1
            if sel[i]:
                continue
            gi = _gain(i, kind, code, p, x, px, g, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched, seen)
            if best_i < 0 or _better(gi, i, best_g, best_i):
                best_i = i
                best_g = gi
        picks[t] = best_i
        gains[t] = best_g
        sel[best_i] = True
        remaining -= 1
        _apply(best_i, kind, code, p, eps, x, px, dpx, g, s, v_ptr, v_idx, v_val, a_ptr, a_idx, at_ptr, at_idx, at_val,
               acc, touched, seen, mark, t)
        t += 1
    return picks[:t], gains[:t]
