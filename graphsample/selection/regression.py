r"""Overdetermined :math:`\ell_p` regression by iteratively reweighted least squares (IRLS).

Solves

.. math::  \min_x \; F(x) = \sum_{i=1}^n w_i\,|a_i^\top x - b_i|^p, \qquad 1 \le p < \infty,

for a tall matrix :math:`A` (dense NumPy / CuPy / torch, or scipy.sparse) with optional row weights
:math:`w_i \ge 0` (a sensitivity sample passes ``weights = scale**p``, see
:func:`graphsample.selection.sensitivity.lp_sample`). It is the check of the samplers of
:mod:`graphsample.selection.sensitivity`: the full objective at the sampled solution over the optimum.

Each iteration solves the weighted least-squares problem with weights
:math:`D_i = w_i\,|r_i|^{p-2}` (:math:`r = Ax - b`), whose solution :math:`x^{\mathrm{wls}}` gives the search
direction :math:`x^{\mathrm{wls}} - x` (for :math:`p > 2` the Newton direction up to the step
:math:`1/(p-1)`; for :math:`p < 2` the minimiser of the quadratic majoriser of :math:`F`). Safeguards:

* for :math:`p < 2` the weights are smoothed, :math:`D_i = w_i \max(|r_i|, \epsilon)^{p-2}`, and
  :math:`\epsilon` shrinks by 10 whenever the relative decrease stalls (Daubechies, DeVore, Fornasier &
  Güntürk, "Iteratively reweighted least squares minimization for sparse recovery", CPAM 2010);
* every step is followed by an exact line search on the *true* convex objective :math:`F(x + \alpha\,\delta)`
  (a weighted median for :math:`p = 1`, the root of the monotone derivative otherwise), so :math:`F` never
  increases (plain IRLS may oscillate for :math:`p > 2`: Rios & Burrus, "Iterative reweighted least squares
  design of :math:`L_p` FIR filters", 1991, damp the step to :math:`1/(p-1)`); the regula falsi bisects
  whenever its bracket fails to halve (at large p the slope spans dozens of orders of magnitude);
* for :math:`p > 4`, a homotopy in p: IRLS at :math:`p = 4, 8, 16, \dots < p`, then p, each warm-started
  from the previous solution; and the problem is solved for :math:`b/s` (:math:`s` the largest least-squares
  residual), which it is homogeneous in, so :math:`|r|^p` does not overflow;
* the least-squares solves run in an orthonormal basis :math:`B = AM` of range(A) (:func:`orthonormal_basis`:
  CholeskyQR2, Householder QR + SVD fallback), through the pseudo-inverse of the :math:`k\times k` matrix
  :math:`B^\top D B` and one refinement step, so A's conditioning does not enter and rank-deficient A gets the
  minimum-norm solution.

The iteration stops when the relative decrease of :math:`F` falls under ``tol`` at the finest smoothing.
Everything runs with array-API operations on the input's namespace and device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._backend import arg_backend, asarray_like, device_kwargs, device_of, namespace
from ..errors import check_iterations, check_magnitude, check_number

__all__ = ["LpRegressionResult", "lp_regression", "lp_objective"]


@dataclass(frozen=True)
class LpRegressionResult:
    """Solution of :func:`lp_regression`.

    ``x``: the minimiser (in A's namespace); ``objective``: :math:`(\\sum_i w_i|a_i^\\top x-b_i|^p)^{1/p}`,
    the weighted :math:`\\ell_p` norm of the residual (a Python float); ``iterations``; ``converged``.
    """

    x: Any
    objective: float
    iterations: int
    converged: bool


def _is_sparse(A: Any) -> bool:
    mod = type(A).__module__
    return mod.startswith("scipy.sparse") or mod.startswith("cupyx.scipy.sparse")


def matrix_namespace(A: Any):
    """Array-API namespace of a dense array or of a scipy / cupyx sparse matrix's data."""
    return namespace(A.data if _is_sparse(A) else A)


def check_matrix(A: Any, name: str = "A") -> Any:
    """Validate a 2-D, non-empty, finite, real matrix; returns it (sparse as CSR, ints as float64, half precision
    as float32)."""
    if isinstance(A, list | tuple):
        A = np.asarray(A, dtype=np.float64)
    if _is_sparse(A):
        A = A.tocsr()
        if A.dtype.kind not in "fiub":
            raise ValueError(f"{name} must hold real numbers, got dtype {A.dtype}")
        if A.dtype.kind != "f":
            A = A.astype(np.float64)
        data = A.data
    else:
        arg_backend(A, name, lists=False, also=("a scipy sparse matrix",))
        xp = namespace(A)
        if A.ndim != 2:
            raise ValueError(f"{name} must be a 2-D matrix (n rows, d columns), got {A.ndim} dimension(s)")
        if not xp.isdtype(A.dtype, "real floating"):
            if not xp.isdtype(A.dtype, ("integral", "bool")):
                raise ValueError(f"{name} must hold real numbers, got dtype {A.dtype}")
            A = xp.astype(A, xp.float64)
        elif xp.finfo(A.dtype).bits < 32:  # float16 / bfloat16: no LAPACK kernels, compute in float32
            A = xp.astype(A, xp.float32)
        data = A
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(A.shape)}); it needs at least one row and one column")
    xp = matrix_namespace(A)
    if not bool(xp.all(xp.isfinite(data))):
        raise ValueError(f"{name} contains NaN or infinite values")
    check_magnitude(name, data, A.shape)
    return A


def _check_vector(v: Any, n: int, name: str, xp: Any, like: Any, nonneg: bool = False, per: str = "row") -> Any:
    arg_backend(v, name)
    v = asarray_like(v, like, dtype=np.float64) if not _same_place(v, like) else v
    if v.ndim != 1 or v.shape[0] != n:
        raise ValueError(f"{name} must be a vector of length {n} (one entry per {per} of A), got shape "
                         f"{tuple(v.shape)}")
    v = xp.astype(v, like.dtype)
    if not bool(xp.all(xp.isfinite(v))):
        raise ValueError(f"{name} contains NaN or infinite values")
    if nonneg and bool(xp.any(v < 0)):
        raise ValueError(f"{name} must be non-negative")
    return v


def _same_place(v: Any, like: Any) -> bool:
    """Whether ``v`` is an array of ``like``'s library on ``like``'s device (else it is converted, as a small input)."""
    same_library = type(v).__module__.split(".")[0] == type(like).__module__.split(".")[0] and hasattr(v, "ndim")
    return same_library and device_of(v) == device_of(like)


def check_p(p: float) -> float:
    """``p`` must be a finite real number >= 1; a string or a bool is not one."""
    return check_number("p", p, 1.0)


def range_factor(R: Any, xp: Any) -> tuple[Any, Any, int]:
    """For a factor R (A = Q R, or a sketch S A = Q R): ``M = V_k S_k^{-1}``, ``U_k`` and the numerical rank k
    of the SVD ``R = U S V^T``, so that ``A M = Q U_k`` has orthonormal columns spanning range(A)."""
    U, S, Vt = xp.linalg.svd(R, full_matrices=False)
    tol = float(S[0]) * max(R.shape) * float(xp.finfo(R.dtype).eps) if S.shape[0] else 0.0
    k = int(xp.sum(S > tol)) if tol > 0 else 0
    return xp.matrix_transpose(Vt[:k, :]) / S[:k], U[:, :k], k


def _cholesky_qr2(C: Any, xp: Any) -> tuple[Any, Any] | None:
    """CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto, 2014): two passes of ``C <- C L^{-T}`` with
    ``L L^T = C^T C``; orthonormal to rounding when cond(C) < ~1e7. None when the second Gram matrix shows the
    first pass lost orthogonality (ill-conditioned or rank-deficient C): the caller falls back to Householder."""
    d = C.shape[1]
    T = None
    for step in range(2):
        G = xp.matrix_transpose(C) @ C
        if step == 1:
            eye = xp.eye(d, dtype=C.dtype, **device_kwargs(C))
            if not float(xp.max(xp.abs(G - eye))) < 0.1:
                return None
        try:
            L = xp.linalg.cholesky(G)
        except Exception:  # noqa: BLE001 - LinAlgError of numpy / torch / cupy: not positive definite
            return None
        Linv_t = xp.matrix_transpose(xp.linalg.inv(L))
        if not bool(xp.all(xp.isfinite(Linv_t))):
            return None
        C = C @ Linv_t
        T = Linv_t if T is None else T @ Linv_t
    return C, T


def orthonormal_basis(A: Any, xp: Any) -> tuple[Any, Any]:
    """``(B, M)`` with ``B = A M`` an (n, k) matrix with orthonormal columns spanning range(A), k = rank(A).

    Dense A: CholeskyQR2 (two Gram-Cholesky passes, BLAS-3 speed), falling back to a Householder thin QR with
    an SVD of the triangular factor when A is ill-conditioned or rank-deficient. scipy.sparse A: columns scaled
    to unit norm, then preconditioned by the inverse square root of the scaled Gram matrix (``eigh``; numerical
    rank from its eigenvalues), then the same on the dense (n, k) product.
    """
    if _is_sparse(A):
        G = xp.asarray((A.T @ A).toarray())
        # equilibrate the columns first (unit norms): badly scaled columns would otherwise fall under the
        # eigenvalue threshold and be dropped from the range
        norms = xp.sqrt(xp.linalg.diagonal(G))
        D = 1.0 / xp.where(norms > 0, norms, 1.0)
        lam, V = xp.linalg.eigh(D[:, None] * G * D[None, :])
        keep = lam > lam[-1] * A.shape[1] * 1e-15
        M0 = D[:, None] * (V[:, keep] / xp.sqrt(lam[keep]))
        if M0.shape[1] == 0:
            return xp.zeros((A.shape[0], 0), dtype=A.dtype), M0
        B, M = orthonormal_basis(A @ M0, xp)
        return B, M0 @ M
    done = _cholesky_qr2(A, xp)
    if done is not None:
        return done
    Q, R = xp.linalg.qr(A)
    M, Uk, k = range_factor(R, xp)
    return (Q if k == Q.shape[1] == R.shape[1] else Q @ Uk), M


def _scale_rows(A: Any, s: Any) -> Any:
    if _is_sparse(A):
        return A.multiply(s.reshape(-1, 1)).tocsr()
    return s[:, None] * A


def _weighted_solve(B: Any, b: Any, D: Any, xp: Any) -> Any:
    """argmin_y sum_i D_i (B_i y - b_i)^2 for B with orthonormal columns: normal equations through the
    pseudo-inverse of ``B^T D B`` (eigh), plus one step of iterative refinement."""
    if B.shape[1] == 0:  # A = 0: range(A) = {0}, nothing to solve
        return xp.zeros(0, dtype=b.dtype, **device_kwargs(b))
    G = xp.matrix_transpose(B) @ (D[:, None] * B)
    lam, V = xp.linalg.eigh(G)
    keep = lam > lam[-1] * 1e-15
    inv = xp.where(keep, 1.0 / xp.where(keep, lam, 1.0), 0.0)

    def solve(rhs: Any) -> Any:
        return V @ ((xp.matrix_transpose(V) @ rhs) * inv)

    y = solve(xp.matrix_transpose(B) @ (D * b))
    return y + solve(xp.matrix_transpose(B) @ (D * (b - B @ y)))


def _objective(r: Any, w: Any, p: float, xp: Any) -> Any:
    t = xp.abs(r) ** p
    return xp.sum(t if w is None else w * t)


def _check_problem(A: Any, b: Any, p: float, weights: Any) -> tuple:
    r"""The checked ``(p, A, xp, like, b, w)`` of an :math:`\ell_p` regression problem (see :func:`lp_regression`)."""
    p = check_p(p)
    A = check_matrix(A)
    xp = matrix_namespace(A)
    like = A.data if _is_sparse(A) else A
    b = _check_vector(b, A.shape[0], "b", xp, like)
    w = None if weights is None else _check_vector(weights, A.shape[0], "weights", xp, like, nonneg=True)
    return p, A, xp, like, b, w


def lp_objective(A: Any, b: Any, x: Any, p: float, weights: Any = None) -> float:
    r"""The weighted :math:`\ell_p` residual norm :math:`(\sum_i w_i |a_i^\top x - b_i|^p)^{1/p}` as a float.

    ``A``, ``b``, ``p`` and ``weights`` are checked as by :func:`lp_regression`; ``x`` has one entry per column.
    """
    p, A, xp, like, b, w = _check_problem(A, b, p, weights)
    x = _check_vector(x, A.shape[1], "x", xp, like, per="column")
    return float(_objective(A @ x - b, w, p, xp)) ** (1.0 / p)


def _line_search(r: Any, c: Any, w: Any, p: float, xp: Any, f0: float) -> tuple[float, float]:
    """Exact minimiser of the convex ``g(a) = sum_i w_i |r_i + a c_i|^p`` over the line, and ``g`` there.

    p = 1: a weighted median of ``-r_i/c_i`` with weights ``w_i |c_i|``. p > 1: the root of the monotone
    ``g'(a) = p sum_i w_i sign(y_i)|y_i|^(p-1) c_i`` (bracket by doubling, then Illinois regula falsi).
    Returns ``(0, f0)`` when no decrease is found (the step is then refused).
    """
    ww = xp.ones_like(r) if w is None else w
    if p == 1.0:
        nz = c != 0
        t = xp.where(nz, -r / xp.where(nz, c, 1.0), 0.0)
        order = xp.argsort(t)
        cum = xp.cumulative_sum((ww * xp.abs(c))[order])
        half = cum[-1] / 2.0
        k = int(xp.argmax(xp.astype(cum >= half, xp.int8)))
        alpha = float(t[order][k])
    else:
        def slope(a: float) -> float:
            y = r + a * c
            return float(xp.sum(ww * xp.sign(y) * xp.abs(y) ** (p - 1.0) * c))

        a0, g0 = 0.0, slope(0.0)
        if g0 == 0.0:
            return 0.0, f0
        a1 = 1.0 if g0 < 0 else -1.0
        g1 = slope(a1)
        while (g1 < 0) == (g0 < 0) and abs(a1) < 1e12:
            a0, g0, a1 = a1, g1, 2.0 * a1
            g1 = slope(a1)
        side = 0
        before, last = abs(a1 - a0), abs(a1 - a0)  # bracket widths two steps and one step ago
        for _ in range(200):
            a = a1 - g1 * (a1 - a0) / (g1 - g0) if g1 != g0 else 0.5 * (a0 + a1)
            if abs(a1 - a0) > 0.5 * before:  # regula falsi stalls when |g| spans many orders (large p): bisect
                a = 0.5 * (a0 + a1)
            before, last = last, abs(a1 - a0)
            ga = slope(a)
            if (ga < 0) == (g1 < 0):
                a1, g1 = a, ga
                if side == -1:
                    g0 /= 2.0
                side = -1
            else:
                a0, g0 = a, ga
                if side == 1:
                    g1 /= 2.0
                side = 1
            if ga == 0.0 or abs(a1 - a0) <= 1e-13 * max(1.0, abs(a)):
                break
        alpha = a
    f_new = float(_objective(r + alpha * c, w, p, xp))
    return (alpha, f_new) if f_new < f0 else (0.0, f0)


def lp_regression(A: Any, b: Any, p: float, weights: Any = None, *, tol: float = 1e-10,
                  max_iter: int = 500) -> LpRegressionResult:
    r"""Solve :math:`\min_x \sum_i w_i |a_i^\top x - b_i|^p` by safeguarded IRLS (see the module docstring).

    Parameters
    ----------
    A : (n, d) dense array (NumPy, CuPy, torch) or scipy.sparse matrix.
    b : (n,) vector in A's namespace (host lists / NumPy arrays are converted for small inputs).
    p : the norm, ``p >= 1``.
    weights : optional (n,) non-negative row weights :math:`w_i` (e.g. ``scale**p`` of a sensitivity sample).
    tol : relative decrease of the objective at which the iteration stops.
    max_iter : iteration cap; ``converged`` is False when it is reached.

    Returns
    -------
    LpRegressionResult with ``x`` (in A's namespace and device) and ``objective`` =
    :math:`(\sum_i w_i|a_i^\top x - b_i|^p)^{1/p}`.

    The iteration runs in an orthonormal basis ``B = A M`` of range(A) (:func:`orthonormal_basis`), so each
    weighted least-squares step costs two (n, k) x (k, k) products and a k x k eigendecomposition, and A's own
    conditioning does not enter the normal equations; ``x = M y`` at the end.
    """
    p, A, xp, like, b, w = _check_problem(A, b, p, weights)
    check_iterations(max_iter, tol)
    B, M = orthonormal_basis(A, xp)
    y = _weighted_solve(B, b, xp.ones_like(b) if w is None else w, xp)
    r = B @ y - b
    s = float(xp.max(xp.abs(r)))
    if s == 0.0:  # exact fit
        return LpRegressionResult(M @ y, 0.0, 1 if p == 2.0 else 0, True)
    # the problem is homogeneous in (x, b): solve it for b / s, so that |r|^p neither overflows nor underflows
    y, r, b = y / s, r / s, b / s
    if p == 2.0:
        return LpRegressionResult(M @ (s * y), s * float(_objective(r, w, p, xp)) ** 0.5, 1, True)
    # large p: homotopy p = 4, 8, 16, ... < p, each stage warm-started from the last (plain IRLS from the
    # least-squares point stalls: its first steps fit the largest residual alone and the line search keeps ~0)
    stages = []
    q = 4.0
    while p > 4.0 and q < p:
        stages.append(q)
        q *= 2.0
    stages.append(p)
    it = 0
    for q in stages:
        y, r, f, it, converged = _irls(B, b, y, r, w, q, tol, max_iter, it, xp)
    return LpRegressionResult(M @ (s * y), s * f ** (1.0 / p), it, converged)


def _irls(B: Any, b: Any, y: Any, r: Any, w: Any, p: float, tol: float, max_iter: int, it: int,
          xp: Any) -> tuple[Any, Any, float, int, bool]:
    """Safeguarded IRLS for one p from ``y`` (``r = By - b``); iterations counted on from ``it``."""
    f = float(_objective(r, w, p, xp))
    scale = float(xp.max(xp.abs(r)))
    eps = 0.1 * scale
    eps_min = 1e-12 * max(scale, 1e-300)
    converged = f == 0.0
    while not converged and it < max_iter:
        it += 1
        absr = xp.abs(r)
        if p < 2:
            D = xp.maximum(absr, eps) ** (p - 2)
        else:
            D = absr ** (p - 2)
            D = xp.where(D > 0, D, float(xp.max(D)) * 1e-16 + 1e-300)
        D = D if w is None else w * D
        direction = _weighted_solve(B, b, D, xp) - y
        Bd = B @ direction
        alpha, f_new = _line_search(r, Bd, w, p, xp, f)
        if alpha != 0.0:
            y = y + alpha * direction
            r = r + alpha * Bd
        rel = (f - f_new) / max(f_new, 1e-300)
        f = f_new
        finest = p >= 2 or eps <= eps_min
        if rel <= tol and finest:
            converged = True
        elif p < 2 and rel < 1e-3:
            eps = max(eps / 10.0, eps_min)
    return y, r, f, it, converged
