r"""PageRank for many teleport vectors at once, by block forward substitution over the strongly connected components.

Every host PageRank solve reduces to the *substochastic* system

.. math::  (I - d\,P'^{\top})\,Y = V,

with :math:`P'` the transition matrix whose dangling rows are zero (self-loops kept on the diagonal) and one
column of :math:`V` per teleport vector :math:`v`. Each column :math:`y` then gives the PageRank :math:`x` of
its teleport vector under the dangling policy (:func:`solve`):

* ``"personalization"``: the dangling mass re-enters as :math:`v`, a multiple of the teleport term, so
  :math:`x = y / \lVert y\rVert_1`;
* ``"self"``: the dangling node keeps its mass (a self-loop on the diagonal), :math:`x = y`;
* ``"uniform"``: with :math:`z` the solution for :math:`v = \mathbf{1}/n` (solved first) and :math:`D(\cdot)` the
  dangling mass, :math:`x \propto y + \frac{d\,D(y)}{1 - d\,D(z)}\,z` (substitute into the PageRank equation).

Nodes are numbered in topological order of the strongly connected components (SCCs; :mod:`._transition`),
which makes :math:`I - dP'^{\top}` block lower triangular: a node's in-arcs come from its own SCC or from
earlier ones. So the SCCs are solved one after the other, as PRPACK does for a single vector (Gleich, Gray,
Greif & Lau, SISC 2010; Arasu, Novak, Tomkins & Tomlin, WWW 2002):

* a node outside every cycle is exact in one step, :math:`y_w = (v_w + \sum_{z\to w} dP_{zw}\,y_z)/(1-dP_{ww})`;
* an SCC :math:`C` first gathers what flows in from earlier SCCs, :math:`r_C = v_C + dP_{\cdot C}^{\top} y`, then
  solves :math:`(I - dP_{CC}^{\top})\,y_C = r_C` by *Gauss--Seidel* sweeps restricted to the block until the L1
  change relative to the block's L1 norm falls below ``tol``, or *directly*: an LU factorisation of the
  (column-wise diagonally dominant, so well-conditioned: :math:`\kappa_1 \le (1+d)/(1-d)`) block, applied to
  all columns at once with BLAS-3 triangular solves.

After each sweep the block is rescaled to satisfy the conservation law of its exact solution,
:math:`\sum_{w\in C}(1 - d\,s_w)\,y_w = \sum_{w\in C} r_w`, with :math:`s_w` the probability of staying in
:math:`C` (these are the column sums of :math:`I - dP_{CC}^{\top}`). For a closed SCC this is the
normalisation of the eigenvector formulation: it removes the slowest error mode (rate :math:`d`) and leaves
the rate :math:`d\,|\lambda_2|`. An SCC that leaks mass to later SCCs has a slowest mode of its own; with many columns
its law is weighted by the right Perron vector of :math:`P_{CC}` (:func:`_conservation_weights`), which removes
that mode too (p2p-gnutella08, 64 sources at tol 1e-12: 30 sweeps instead of 129). When ARPACK cannot find
that vector quickly (a long leaking cycle puts every eigenvalue on one circle), the column-sum law stays.

:func:`plan_direct` picks the direct solve for an SCC of at least ``DIRECT_MIN`` nodes when its cost, about
:math:`\tfrac23 k^3` flops for the factorisation plus :math:`2k^2` per column, is below that of the sweeps,
about ``SWEEPS`` passes over the block's arcs per column at a fraction ``SWEEP_EFFICIENCY`` of the BLAS flop
rate, and the block fits ``direct_max``. With one column (global PageRank) that is always the sweeps; with a
thousand sources on wiki-vote (one 1,300-node SCC among 7,115 nodes) it is the direct solve.

Columns are processed in blocks (64 wide, :func:`.pagerank._block_size`), one block per thread; a block's
iterate is row-major so the inner loops over its columns vectorise.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
from numba import prange

from ._transition import HostTransition

#: smallest SCC solved directly (smaller ones take few, cheap sweeps)
DIRECT_MIN = 64
#: sweeps assumed per SCC in the cost model (12-24 measured on the shared datasets at tol 1e-10)
SWEEPS = 24
#: flop rate of the sweeps relative to the BLAS-3 products of the direct solve
SWEEP_EFFICIENCY = 1.0 / 8.0
#: columns from which a leaking SCC's Perron vector (one eigensolve) is worth computing
PERRON_MIN_COLS = 8
#: Arnoldi restarts allowed to ARPACK for a Perron vector; beyond that (eigenvalues crowding the spectral circle,
#: as in a long leaking cycle) the SCC keeps the column-sum law, which is just as exact, only slower to sweep
PERRON_MAXITER = 100
#: sweeps without a new lowest residual after which an SCC's sweeps stop unconverged: a ``tol`` below the
#: rounding floor (about 1e-13 relative on graphs with millions of nodes) cannot be met, and there the residual
#: only fluctuates, while above it every sweep lowers the residual, however slowly (damping near 1)
STALL = 20


def plan_direct(scc_ptr: np.ndarray, indptr_t: np.ndarray, ext_end: np.ndarray, n_cols: int,
                direct_max: int) -> np.ndarray:
    """Indices of the SCCs to solve directly (see the module doc), in topological order."""
    size = np.diff(scc_ptr).astype(np.float64)
    inner = np.add.reduceat(indptr_t[1:] - ext_end, scc_ptr[:-1]).astype(np.float64)
    direct = 2.0 / 3.0 * size ** 3 + 2.0 * size ** 2 * n_cols
    sweeps = 2.0 * SWEEPS * inner * n_cols / SWEEP_EFFICIENCY
    return np.flatnonzero((size >= DIRECT_MIN) & (size <= direct_max) & (direct < sweeps))


def solve(T: HostTransition, damping: float, dangling: str, rhs: tuple[np.ndarray, ...], n_cols: int,
          tol: float, max_iter: int, block: int, direct_max: int) -> tuple[np.ndarray, int, float]:
    """PageRank of each teleport column; ``rhs`` = (node, column, value) entries, nodes in sweep order.

    ``T`` is the graph's :class:`._transition.HostTransition`. Returns the (n_cols, n) PageRank rows in the
    graph's node order, the most sweeps any SCC needed and the largest final relative change.
    """
    n = T.indptr_t.shape[0] - 1
    diag = 1.0 - damping * (T.self_prob + (T.dangling if dangling == "self" else 0.0))
    coef = damping * T.prob_t
    direct = plan_direct(T.scc_ptr, T.indptr_t, T.ext_end, n_cols, direct_max)
    psi, colsum = _conservation_weights(T, damping, diag, n_cols, direct)
    z = np.zeros(n)
    iters, worst = 0, 0.0
    if dangling == "uniform":  # z: the solution for the uniform teleport vector, one column
        uniform = (np.arange(n), np.zeros(n, np.int64), np.full(n, 1.0 / n))
        one = plan_direct(T.scc_ptr, T.indptr_t, T.ext_end, 1, direct_max)
        Z, iters, worst = _substitute_all(T, coef, diag, psi, colsum, uniform, 1, tol, max_iter, 1, one)
        z = np.ascontiguousarray(Z[0, :, 0])
    Xb, it, res = _substitute_all(T, coef, diag, psi, colsum, rhs, n_cols, tol, max_iter, block, direct)
    out = np.empty((n_cols, n))
    _finish(Xb, n_cols, dangling == "uniform", z, T.dangling, float(damping), T.perm, out)
    return out, max(iters, it), max(worst, res)


def _conservation_weights(T: HostTransition, damping: float, diag: np.ndarray, n_cols: int,
                          direct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The law :math:`\sum_w c_w y_w = \sum_w \psi_w r_w` that the sweeps restore in each SCC: ``(psi, c)``.

    By default :math:`\psi = \mathbf 1` and :math:`c` the column sums of :math:`I - dP_{CC}^{\top}`. With at
    least ``PERRON_MIN_COLS`` columns, a swept SCC (not in ``direct``) that leaks (some of its mass leaves it)
    gets the right Perron vector of :math:`P_{CC}` instead, :math:`P_{CC}\psi = \rho\psi`, and
    :math:`c = (I - dP_{CC})\psi`
    (:math:`\approx (1 - d\rho)\psi`). The law holds exactly for any :math:`\psi` (it is :math:`\psi^{\top}` applied
    to both sides of the system); with the Perron vector it fixes the error's component along the slowest mode,
    as :math:`\mathbf 1` does for a closed SCC.
    """
    psi = np.ones(diag.shape[0])
    colsum = diag - damping * T.stay_prob
    if n_cols < PERRON_MIN_COLS:
        return psi, colsum
    size = np.diff(T.scc_ptr)
    swept = np.ones(size.shape[0], bool)
    swept[direct] = False
    leaks = np.add.reduceat(T.stay_prob + T.self_prob, T.scc_ptr[:-1]) < size - 1e-9
    for c in np.flatnonzero(swept & leaks & (size > 1)):
        lo, hi = int(T.scc_ptr[c]), int(T.scc_ptr[c + 1])
        PT = _block(T, T.prob_t, lo, hi, T.self_prob[lo:hi])
        vec = _perron(PT)
        if vec is None:  # not found: keep psi = 1 and the column sums
            continue
        psi[lo:hi] = vec
        colsum[lo:hi] = vec - damping * (PT.T @ vec)  # psi^T (I - d P_CC^T): exact for any psi
    return psi, colsum


def _block(T, values: np.ndarray, lo: int, hi: int, diagonal: np.ndarray) -> scipy.sparse.csr_matrix:
    """The SCC ``lo:hi``'s block of the in-arc matrix (row: target, column: source) with ``diagonal`` added."""
    k = hi - lo
    first = int(T.indptr_t[lo])
    tgt = np.repeat(np.arange(k), np.diff(T.indptr_t[lo:hi + 1]))
    inner = np.flatnonzero(first + np.arange(tgt.shape[0]) >= T.ext_end[lo + tgt])
    arcs = first + inner
    rows = np.concatenate([tgt[inner], np.arange(k)])
    cols = np.concatenate([T.src_t[arcs] - lo, np.arange(k)])
    return scipy.sparse.csr_matrix((np.concatenate([values[arcs], diagonal]), (rows, cols)), shape=(k, k))


def _perron(PT: scipy.sparse.csr_matrix) -> np.ndarray | None:
    r"""Positive right Perron vector of :math:`P` given :math:`P^{\top}` (irreducible, non-negative), max 1;
    None when ARPACK does not converge within ``PERRON_MAXITER`` restarts."""
    P = PT.T.tocsr()
    if P.shape[0] <= 64:
        vals, vecs = np.linalg.eig(P.toarray())
    else:
        try:
            vals, vecs = scipy.sparse.linalg.eigs(P, k=1, which="LR", tol=1e-8, maxiter=PERRON_MAXITER)
        except scipy.sparse.linalg.ArpackNoConvergence:
            return None
    vec = np.abs(vecs[:, int(np.argmax(vals.real))].real)
    return vec / vec.max()


def _substitute_all(T, coef, diag, psi, colsum, rhs, n_cols, tol, max_iter, block, direct):
    """Run the substitution, factorising the SCCs in ``direct``; returns the (n_blocks, n, block) solution
    blocks, the sweeps and the residual."""
    n = diag.shape[0]
    n_blocks = -(-n_cols // block)
    Xb = np.empty((n_blocks, n, block))
    Xb.fill(0.0)  # first touch here: page faults taken inside the parallel kernel cost several times more
    nodes, cols, vals = rhs
    np.add.at(Xb, (cols // block, nodes, cols % block), vals)
    iters = np.zeros(n_blocks, np.int64)
    resid = np.zeros(n_blocks)
    first = 0
    for c in [*direct.tolist(), T.scc_ptr.shape[0] - 1]:
        _substitute(T.indptr_t, T.src_t, coef, T.ext_end, diag, psi, colsum, T.scc_ptr, first, c, float(tol),
                    int(max_iter), Xb, iters, resid)
        if c == T.scc_ptr.shape[0] - 1:
            break
        lo, hi = int(T.scc_ptr[c]), int(T.scc_ptr[c + 1])
        R = Xb[:, lo:hi, :].transpose(1, 0, 2).reshape(hi - lo, -1)
        Xb[:, lo:hi, :] = scipy.linalg.lu_solve(_lu(T, coef, diag, lo, hi), R, check_finite=False).reshape(
            hi - lo, n_blocks, block).transpose(1, 0, 2)
        first = c + 1
    return Xb, int(iters.max()), float(resid.max())


def _lu(T, coef, diag, lo, hi):
    r"""LU factors of :math:`I - dP_{CC}^{\top}` for the SCC ``lo:hi``."""
    M = -_block(T, coef, lo, hi, np.zeros(hi - lo)).toarray()
    M[np.arange(hi - lo), np.arange(hi - lo)] += diag[lo:hi]
    return scipy.linalg.lu_factor(M, overwrite_a=True, check_finite=False)


@numba.njit(parallel=True, nogil=True, cache=True)
def _substitute(indptr_t, src_t, coef_t, ext_end, diag, psi, colsum, scc_ptr, first, last, tol, max_iter, Xb, iters,
                resid):
    r"""Solve the SCCs ``first..last-1`` in place in every column block of ``Xb``, then gather SCC ``last``'s inflow.

    ``coef_t`` holds :math:`dP_{zw}` per in-arc (self-loops excluded), ``diag`` :math:`1 - dP_{ww}`, ``psi`` and
    ``colsum`` the conservation law :math:`\sum colsum_w y_w = \sum psi_w r_w` of each SCC, ``ext_end[w]`` the
    end of ``w``'s in-arcs from earlier SCCs (they come first). ``iters``/``resid`` keep, per column block,
    the most sweeps and the largest residual.
    """
    n_scc = scc_ptr.shape[0] - 1
    for b in prange(Xb.shape[0]):
        X = Xb[b]
        acc = np.empty(X.shape[1])  # separate from X, so the gather vectorises
        for c in range(first, min(last + 1, n_scc)):
            lo, hi = scc_ptr[c], scc_ptr[c + 1]
            for u in range(lo, hi):
                acc[:] = 0.0
                _gather(src_t, coef_t, indptr_t[u], ext_end[u], X, acc)
                X[u, :] += acc
            if c == last:
                break
            if hi - lo == 1:
                inv = 1.0 / diag[lo]
                for j in range(X.shape[1]):
                    X[lo, j] *= inv
            else:
                it, res = _sweeps(indptr_t, src_t, coef_t, ext_end, diag, psi, colsum, lo, hi, tol, max_iter, X)
                iters[b] = max(iters[b], it)
                resid[b] = max(resid[b], res)


@numba.njit(nogil=True, cache=True)
def _gather(src_t, coef_t, lo, hi, X, acc):
    """``acc += sum of coef * X[src]`` over the in-arcs ``lo:hi`` (all columns)."""
    w = X.shape[1]
    if w == 1:  # one column (global PageRank): a scalar loop
        s = 0.0
        for a in range(lo, hi):
            s += coef_t[a] * X[src_t[a], 0]
        acc[0] += s
        return
    for a in range(lo, hi):
        cf = coef_t[a]
        if cf != 0.0:
            v = src_t[a]
            for j in range(w):
                acc[j] += cf * X[v, j]


@numba.njit(nogil=True, cache=True)
def _sweeps(indptr_t, src_t, coef_t, ext_end, diag, psi, colsum, lo, hi, tol, max_iter, X):
    """Gauss--Seidel sweeps on the SCC ``lo:hi`` (its rows of ``X`` hold the right-hand side on entry)."""
    w = X.shape[1]
    R = X[lo:hi, :].copy()
    total = np.zeros(w)  # the conserved quantity: psi^T r
    for u in range(hi - lo):
        for j in range(w):
            total[j] += psi[lo + u] * R[u, j]
    acc = np.empty(w)
    change = np.empty(w)
    mass = np.empty(w)
    it = 0
    worst = np.inf
    best, since = np.inf, 0  # stagnation: no new lowest residual for STALL sweeps (rounding floor)
    while it < max_iter:
        it += 1
        for j in range(w):
            change[j] = 0.0
            mass[j] = 0.0
        for u in range(lo, hi):
            for j in range(w):
                acc[j] = R[u - lo, j]
            _gather(src_t, coef_t, ext_end[u], indptr_t[u + 1], X, acc)
            inv = 1.0 / diag[u]
            for j in range(w):
                nv = acc[j] * inv
                change[j] += abs(nv - X[u, j])
                mass[j] += colsum[u] * nv
                X[u, j] = nv
        worst = 0.0
        for j in range(w):
            if mass[j] > 0.0:
                scale = total[j] / mass[j]
                norm = 0.0
                for u in range(lo, hi):
                    X[u, j] *= scale
                    norm += abs(X[u, j])
                worst = max(worst, (change[j] * scale + abs(scale - 1.0) * norm) / norm)
        if worst < tol:
            break
        if worst < best:
            best, since = worst, 0
        else:
            since += 1
            if since >= STALL:
                break
    return it, worst


@numba.njit(parallel=True, nogil=True, cache=True)
def _finish(Xb, n_cols, uniform, z, dangling, damping, perm, out):
    """Apply the dangling policy, normalise, and write column ``j`` as row ``j`` of ``out`` in node order."""
    n, block = Xb.shape[1], Xb.shape[2]
    zd = 0.0
    zs = 0.0
    for u in range(n):
        zs += z[u]
        if dangling[u]:
            zd += z[u]
    for b in prange(Xb.shape[0]):
        X = Xb[b]
        for j in range(min(block, n_cols - b * block)):
            c = 0.0
            if uniform:
                dm = 0.0
                for u in range(n):
                    if dangling[u]:
                        dm += X[u, j]
                c = damping * dm / (1.0 - damping * zd)
            s = c * zs
            for u in range(n):
                s += X[u, j]
            inv = 1.0 / s
            row = out[b * block + j]
            for u in range(n):
                row[perm[u]] = (X[u, j] + c * z[u]) * inv
