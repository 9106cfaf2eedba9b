r"""Numba Gauss--Seidel solver for :math:`(I - d\,P'^{\top})\,Y = B` with many right-hand sides.

:math:`P'` is the transition matrix with dangling rows zero (or a self-loop for the ``"self"`` policy).
Each sweep updates node :math:`u` in place from its in-neighbours' newest values,

.. math::  y_u \leftarrow \frac{b_u + d \sum_{v \to u,\, v \ne u} P_{vu}\, y_v}{1 - d\,P_{uu}},

visiting nodes in the topological order of the strongly connected components (PRPACK's ordering:
Gleich, Gray, Greif & Lau, "An inner-outer iteration for computing PageRank", SISC 2010), so nodes outside
cycles are exact after one sweep. Nodes that no other node reads (the *tail*: dangling nodes) are
computed once after convergence. Right-hand sides are columns, processed in blocks that fit the cache,
one block per thread; the block's matrix is row-major so the inner loop over columns vectorises.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange


@numba.njit(parallel=True, nogil=True, cache=True)
def gs_solve(indptr_t, src_t, prob_t, self_prob, head, tail, rhs_ptr, rhs_col, rhs_val,
             n_cols, block, damping, tol, max_iter, Y, iters, resid):
    """Fill ``Y`` (n, n_cols) with the solution; ``iters``/``resid`` get per-block sweep counts and residuals."""
    n = Y.shape[0]
    n_blocks = (n_cols + block - 1) // block
    for b in prange(n_blocks):
        c0 = b * block
        c1 = min(c0 + block, n_cols)
        X = np.zeros((n, c1 - c0))
        if c1 - c0 == 1:
            it, worst = _iterate_one(indptr_t, src_t, prob_t, self_prob, head, rhs_ptr, rhs_col, rhs_val,
                                     c0, damping, tol, max_iter, X[:, 0])
        else:
            it, worst = _iterate_block(indptr_t, src_t, prob_t, self_prob, head, rhs_ptr, rhs_col, rhs_val,
                                       c0, c1, damping, tol, max_iter, X)
        acc = np.empty(c1 - c0)
        for ii in range(tail.shape[0]):
            u = tail[ii]
            _gather(u, indptr_t, src_t, prob_t, rhs_ptr, rhs_col, rhs_val, c0, c1, damping, X, acc)
            scale = 1.0 / (1.0 - damping * self_prob[u])
            for j in range(c1 - c0):
                X[u, j] = acc[j] * scale
        Y[:, c0:c1] = X
        iters[b] = it
        resid[b] = worst


@numba.njit(nogil=True, cache=True)
def _iterate_one(indptr_t, src_t, prob_t, self_prob, head, rhs_ptr, rhs_col, rhs_val, c, damping, tol,
                 max_iter, x):
    """Sweeps for a single right-hand side (column ``c``): scalar accumulation, no inner column loop."""
    b = np.zeros(x.shape[0])
    for u in range(x.shape[0]):
        for k in range(rhs_ptr[u], rhs_ptr[u + 1]):
            if rhs_col[k] == c:
                b[u] += rhs_val[k]
    it = 0
    worst = np.inf
    while it < max_iter:
        it += 1
        change = 0.0
        total = 0.0
        for ii in range(head.shape[0]):
            u = head[ii]
            a = b[u]
            for e in range(indptr_t[u], indptr_t[u + 1]):
                a += damping * prob_t[e] * x[src_t[e]]
            a /= 1.0 - damping * self_prob[u]
            change += abs(a - x[u])
            total += a
            x[u] = a
        worst = change / total if total > 0 else 0.0
        if worst < tol:
            break
    return it, worst


@numba.njit(nogil=True, cache=True)
def _iterate_block(indptr_t, src_t, prob_t, self_prob, head, rhs_ptr, rhs_col, rhs_val, c0, c1, damping, tol,
                   max_iter, X):
    """Sweeps for the columns ``c0:c1`` together; the inner loop runs over the block's columns."""
    w = c1 - c0
    acc = np.empty(w)
    change = np.empty(w)
    total = np.empty(w)
    it = 0
    worst = np.inf
    while it < max_iter:
        it += 1
        change[:] = 0.0
        total[:] = 0.0
        for ii in range(head.shape[0]):
            u = head[ii]
            _gather(u, indptr_t, src_t, prob_t, rhs_ptr, rhs_col, rhs_val, c0, c1, damping, X, acc)
            scale = 1.0 / (1.0 - damping * self_prob[u])
            for j in range(w):
                nv = acc[j] * scale
                change[j] += abs(nv - X[u, j])
                total[j] += nv
                X[u, j] = nv
        worst = 0.0
        for j in range(w):
            worst = max(worst, change[j] / total[j] if total[j] > 0 else 0.0)
        if worst < tol:
            break
    return it, worst


@numba.njit(inline="always")
def _gather(u, indptr_t, src_t, prob_t, rhs_ptr, rhs_col, rhs_val, c0, c1, damping, X, acc):
    acc[:] = 0.0
    for k in range(rhs_ptr[u], rhs_ptr[u + 1]):
        c = rhs_col[k]
        if c0 <= c < c1:
            acc[c - c0] += rhs_val[k]
    w = acc.shape[0]
    for a in range(indptr_t[u], indptr_t[u + 1]):
        cf = damping * prob_t[a]
        if cf != 0.0:
            v = src_t[a]
            for j in range(w):
                acc[j] += cf * X[v, j]
