r"""Numba Gauss--Seidel PageRank for many teleport vectors at once (the columns of a block).

Gauss--Seidel on the eigenproblem :math:`x = \mathcal{G}^{\top} x` of the Google matrix
:math:`\mathcal{G} = d P' + d\,\delta u^{\top} + (1-d)\,\mathbf{1} v^{\top}` (dangling indicator :math:`\delta`),
as PRPACK does (Gleich, Gray, Greif & Lau, SISC 2010; Arasu, Novak, Tomkins & Tomlin, WWW 2002). A sweep
updates node :math:`w` in place from its in-neighbours' newest values,

.. math::  x_w \leftarrow \frac{d \sum_{z \to w,\, z \ne w} P_{zw} x_z + (1-d)\,v_w S + d\,u_w D}
                              {1 - d\,P_{ww}},

where the rank-one terms use running sums :math:`S = \sum x` and :math:`D = \sum_{\delta} x` that are kept
current as nodes change (so they are Gauss--Seidel too); each sweep ends by normalising :math:`x` to sum 1.
Nodes are renumbered in the topological order of the strongly connected components (PRPACK's ordering;
:mod:`._transition`) and swept ``0..n-1``, so nodes outside cycles settle in one sweep and the in-arc CSR is
read sequentially. Columns are processed in blocks that fit the cache, one block per
thread; the block's iterate is row-major so the inner loop over columns vectorises.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

#: dangling policy codes
PERSONALIZATION, UNIFORM, SELF = 0, 1, 2


@numba.njit(parallel=True, nogil=True, cache=True)
def gs_solve(indptr_t, src_t, prob_t, self_prob, dangling, rhs_ptr, rhs_col, rhs_val, n_cols, block,
             damping, policy, tol, max_iter, Y, iters, resid):
    """Fill ``Y`` (n, n_cols) with the PageRank of each teleport column (the rhs CSR, rows = nodes).

    ``iters``/``resid`` receive the sweeps and final relative L1 change of each block.
    """
    n = Y.shape[0]
    n_blocks = (n_cols + block - 1) // block
    for b in prange(n_blocks):
        c0 = b * block
        c1 = min(c0 + block, n_cols)
        X = np.zeros((n, c1 - c0))
        for u in range(n):
            for k in range(rhs_ptr[u], rhs_ptr[u + 1]):
                if c0 <= rhs_col[k] < c1:
                    X[u, rhs_col[k] - c0] += rhs_val[k]
        if c1 - c0 == 1:
            it, worst = _sweeps_one(indptr_t, src_t, prob_t, self_prob, dangling, X[:, 0].copy(),
                                    damping, policy, tol, max_iter, X)
        else:
            it, worst = _sweeps_block(indptr_t, src_t, prob_t, self_prob, dangling, rhs_ptr, rhs_col,
                                      rhs_val, c0, damping, policy, tol, max_iter, X)
        Y[:, c0:c1] = X
        iters[b] = it
        resid[b] = worst


@numba.njit(nogil=True, cache=True)
def _sweeps_one(indptr_t, src_t, prob_t, self_prob, dangling, v, damping, policy, tol, max_iter, X):
    """Sweeps for one teleport vector ``v`` (dense), scalar accumulators; ``X[:, 0]`` starts at ``v``."""
    n = X.shape[0]
    x = X[:, 0]
    S = 1.0
    D = 0.0
    for u in range(n):
        if dangling[u]:
            D += x[u]
    it = 0
    worst = np.inf
    while it < max_iter:
        it += 1
        change = 0.0
        for u in range(n):
            a = 0.0
            for e in range(indptr_t[u], indptr_t[u + 1]):
                a += prob_t[e] * x[src_t[e]]
            a *= damping
            tele = (1.0 - damping) * S
            if policy == PERSONALIZATION:
                tele += damping * D
            a += v[u] * tele
            diag = damping * self_prob[u]
            if dangling[u] and policy == SELF:
                diag += damping
            if policy == UNIFORM:
                a += damping * D / n
            nv = a / (1.0 - diag)
            delta = nv - x[u]
            change += abs(delta)
            S += delta
            if dangling[u]:
                D += delta
            x[u] = nv
        worst = change / S
        x *= 1.0 / S
        D /= S
        S = 1.0
        if worst < tol:
            break
    return it, worst


@numba.njit(nogil=True, cache=True)
def _sweeps_block(indptr_t, src_t, prob_t, self_prob, dangling, rhs_ptr, rhs_col, rhs_val, c0, damping,
                  policy, tol, max_iter, X):
    """Sweeps for the columns ``c0:c0+w`` together; the inner loops run over the block's columns."""
    n, w = X.shape
    S = np.ones(w)
    D = np.zeros(w)
    for u in range(n):
        if dangling[u]:
            for j in range(w):
                D[j] += X[u, j]
    acc = np.empty(w)
    change = np.empty(w)
    it = 0
    worst = np.inf
    while it < max_iter:
        it += 1
        change[:] = 0.0
        for u in range(n):
            acc[:] = 0.0
            for a in range(indptr_t[u], indptr_t[u + 1]):
                cf = damping * prob_t[a]
                if cf != 0.0:
                    v = src_t[a]
                    for j in range(w):
                        acc[j] += cf * X[v, j]
            for k in range(rhs_ptr[u], rhs_ptr[u + 1]):
                j = rhs_col[k] - c0
                if 0 <= j < w:
                    tele = (1.0 - damping) * S[j]
                    if policy == PERSONALIZATION:
                        tele += damping * D[j]
                    acc[j] += rhs_val[k] * tele
            diag = damping * self_prob[u]
            if dangling[u] and policy == SELF:
                diag += damping
            if policy == UNIFORM:
                for j in range(w):
                    acc[j] += damping * D[j] / n
            scale = 1.0 / (1.0 - diag)
            du = dangling[u]
            for j in range(w):
                nv = acc[j] * scale
                delta = nv - X[u, j]
                change[j] += abs(delta)
                S[j] += delta
                if du:
                    D[j] += delta
                X[u, j] = nv
        worst = 0.0
        for j in range(w):
            worst = max(worst, change[j] / S[j])
            inv = 1.0 / S[j]
            for u in range(n):
                X[u, j] *= inv
            D[j] *= inv
            S[j] = 1.0
        if worst < tol:
            break
    return it, worst
