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
* every step is followed by a line search on the *true* convex objective :math:`F(x + \alpha\,\delta)`, so
  :math:`F` never increases (plain IRLS may oscillate for :math:`p > 2`: Rios & Burrus, "Iterative
  reweighted least squares design of :math:`L_p` FIR filters", 1991, use the step :math:`1/(p-1)`);
* the least-squares solves go through a thin QR and an SVD of the :math:`d\times d` factor, so rank-deficient
  systems get the minimum-norm solution instead of a singular solve.

The iteration stops when the relative decrease of :math:`F` falls under ``tol`` at the finest smoothing.
Everything runs with array-API operations on the input's namespace and device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._backend import namespace

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
    """Validate a 2-D, non-empty, finite, real matrix; returns it (sparse as CSR, ints as float64)."""
    if isinstance(A, list | tuple):
        A = np.asarray(A, dtype=np.float64)
    if _is_sparse(A):
        A = A.tocsr()
        if A.dtype.kind not in "f":
            A = A.astype(np.float64)
        data = A.data
    else:
        try:
            xp = namespace(A)
        except TypeError:
            raise TypeError(f"{name} must be a NumPy / CuPy / torch array or a scipy sparse matrix, "
                            f"not {type(A).__name__}") from None
        if A.ndim != 2:
            raise ValueError(f"{name} must be a 2-D matrix (n rows, d columns), got {A.ndim} dimension(s)")
        if not xp.isdtype(A.dtype, "real floating"):
            if not xp.isdtype(A.dtype, ("integral", "bool")):
                raise ValueError(f"{name} must hold real numbers, got dtype {A.dtype}")
            A = xp.astype(A, xp.float64)
        data = A
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(A.shape)}); it needs at least one row and one column")
    xp = matrix_namespace(A)
    if not bool(xp.all(xp.isfinite(data))):
        raise ValueError(f"{name} contains NaN or infinite values")
    return A


def _check_vector(v: Any, n: int, name: str, xp: Any, like: Any, nonneg: bool = False) -> Any:
    from .._backend import asarray_like

    v = asarray_like(v, like, dtype=np.float64) if not _same_backend(v, like) else v
    if v.ndim != 1 or v.shape[0] != n:
        raise ValueError(f"{name} must be a vector of length {n} (one entry per row of A), got shape {tuple(v.shape)}")
    v = xp.astype(v, like.dtype)
    if not bool(xp.all(xp.isfinite(v))):
        raise ValueError(f"{name} contains NaN or infinite values")
    if nonneg and bool(xp.any(v < 0)):
        raise ValueError(f"{name} must be non-negative")
    return v


def _same_backend(v: Any, like: Any) -> bool:
    try:
        return type(v).__module__.split(".")[0] == type(like).__module__.split(".")[0] and hasattr(v, "ndim")
    except AttributeError:
        return False


def check_p(p: float, upper: float | None = None) -> float:
    """``p`` must be a finite real number >= 1 (and < ``upper`` when given)."""
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise ValueError(f"p must be a number >= 1, got {p!r}") from None
    if not np.isfinite(p) or p < 1:
        raise ValueError(f"p must be a finite number >= 1, got {p}")
    if upper is not None and p >= upper:
        raise ValueError(f"p must be < {upper:g} here, got {p:g}")
    return p


def lstsq_dense(C: Any, c: Any, xp: Any) -> Any:
    """Minimum-norm least-squares solution of ``C x ≈ c`` via thin QR, then an SVD of the d x d factor."""
    Q, R = xp.linalg.qr(C)
    U, S, Vt = xp.linalg.svd(R, full_matrices=False)
    keep = S > S[0] * max(C.shape) * xp.finfo(C.dtype).eps if S.shape[0] else S > 0
    inv = xp.where(keep, 1.0 / xp.where(keep, S, 1.0), 0.0)
    y = (xp.matrix_transpose(U) @ (xp.matrix_transpose(Q) @ c)) * inv
    return xp.matrix_transpose(Vt) @ y


def _lstsq_sparse(C: Any, c: Any, xp: Any) -> Any:
    """Least squares for sparse ``C`` through the d x d Gram matrix (pseudo-inverse by eigh)."""
    G = C.T @ C
    G = G.toarray() if hasattr(G, "toarray") else G
    lam, V = xp.linalg.eigh(xp.asarray(G))
    keep = lam > lam[-1] * C.shape[1] * 1e-14
    inv = xp.where(keep, 1.0 / xp.where(keep, lam, 1.0), 0.0)
    return V @ ((xp.matrix_transpose(V) @ (C.T @ c)) * inv)


def _scale_rows(A: Any, s: Any) -> Any:
    if _is_sparse(A):
        return A.multiply(s.reshape(-1, 1)).tocsr()
    return s[:, None] * A


def _weighted_lstsq(A: Any, b: Any, D: Any, xp: Any) -> Any:
    s = xp.sqrt(D)
    C = _scale_rows(A, s)
    return _lstsq_sparse(C, s * b, xp) if _is_sparse(A) else lstsq_dense(C, s * b, xp)


def _objective(r: Any, w: Any, p: float, xp: Any) -> Any:
    t = xp.abs(r) ** p
    return xp.sum(t if w is None else w * t)


def lp_objective(A: Any, b: Any, x: Any, p: float, weights: Any = None) -> float:
    r"""The weighted :math:`\ell_p` residual norm :math:`(\sum_i w_i |a_i^\top x - b_i|^p)^{1/p}` as a float."""
    xp = matrix_namespace(A)
    return float(_objective(A @ x - b, weights, p, xp)) ** (1.0 / p)


def _line_search(r: Any, Ad: Any, w: Any, p: float, xp: Any, f0: float) -> tuple[float, float]:
    """Minimise the convex ``g(a) = sum w |r + a Ad|^p`` over ``a >= 0`` by successive grid refinement."""
    grid = 16
    lo, hi = 0.0, 2.0
    while True:  # grow the bracket until the minimum is inside
        alphas = np.linspace(lo, hi, grid + 1)
        vals = _grid_values(r, Ad, w, p, xp, alphas)
        k = int(np.argmin(vals))
        if k < grid or hi > 1e6:
            break
        lo, hi = hi / 2, hi * 4
    for _ in range(8):
        left, right = alphas[max(k - 1, 0)], alphas[min(k + 1, grid)]
        alphas = np.linspace(left, right, grid + 1)
        vals = _grid_values(r, Ad, w, p, xp, alphas)
        k = int(np.argmin(vals))
    if vals[k] >= f0:
        return 0.0, f0
    return float(alphas[k]), float(vals[k])


def _grid_values(r: Any, Ad: Any, w: Any, p: float, xp: Any, alphas: np.ndarray) -> np.ndarray:
    a = xp.asarray(alphas, dtype=r.dtype, device=r.device if hasattr(r, "device") else None)
    t = xp.abs(r[:, None] + Ad[:, None] * a[None, :]) ** p
    if w is not None:
        t = w[:, None] * t
    out = xp.sum(t, axis=0)
    from .._backend import to_numpy

    return to_numpy(out)


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
    """
    p = check_p(p)
    A = check_matrix(A)
    xp = matrix_namespace(A)
    like = A.data if _is_sparse(A) else A
    n = A.shape[0]
    b = _check_vector(b, n, "b", xp, like)
    w = None if weights is None else _check_vector(weights, n, "weights", xp, like, nonneg=True)
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    ones = xp.ones_like(b) if w is None else w
    x = _weighted_lstsq(A, b, ones, xp)
    if p == 2.0:
        r = A @ x - b
        return LpRegressionResult(x, float(_objective(r, w, p, xp)) ** 0.5, 1, True)
    r = A @ x - b
    f = float(_objective(r, w, p, xp))
    scale = float(xp.max(xp.abs(r))) if n else 0.0
    eps = 0.1 * scale
    eps_min = 1e-13 * max(scale, 1e-300)
    converged = f == 0.0
    it = 0
    while not converged and it < max_iter:
        it += 1
        absr = xp.abs(r)
        if p < 2:
            D = xp.maximum(absr, eps) ** (p - 2)
        else:
            D = absr ** (p - 2)
            D = xp.where(D > 0, D, float(xp.max(D)) * 1e-16 + 1e-300)
        D = D if w is None else w * D
        direction = _weighted_lstsq(A, b, D, xp) - x
        Ad = A @ direction
        alpha, f_new = _line_search(r, Ad, w, p, xp, f)
        if alpha > 0.0:
            x = x + alpha * direction
            r = r + alpha * Ad
        rel = (f - f_new) / max(f_new, 1e-300)
        f = f_new
        finest = p >= 2 or eps <= eps_min
        if rel <= tol and finest:
            converged = True
        elif p < 2 and rel < 1e-3:
            eps = max(eps / 10.0, eps_min)
    return LpRegressionResult(x, f ** (1.0 / p), it, converged)
