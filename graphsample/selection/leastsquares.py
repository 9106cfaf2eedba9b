r"""Optimal weighted least squares with i.i.d., DPP and generalized volume-rescaled designs.

Reproduces A. Nouy & B. Michel, "Weighted least-squares approximation with determinantal point processes
and generalized volume sampling" (2023). Setting: :math:`V_m \subset L^2_\mu` with an orthonormal basis
:math:`\varphi` (:mod:`graphsample.selection.bases`), the Christoffel function
:math:`k_m(x) = \sum_{j} \varphi_j(x)^2`, the optimal density :math:`\rho_m = k_m/m` (w.r.t. :math:`\mu`)
and the weight :math:`w = m/k_m = 1/\rho_m`. Given points :math:`x_i` and weights :math:`w_i`, the
weighted least-squares projection is

.. math:: \hat f = \arg\min_{v \in V_m} \frac1n \sum_i w_i (f(x_i) - v(x_i))^2, \qquad
          G = \frac1n \sum_i w_i \varphi(x_i)\varphi(x_i)^\top,

stable when :math:`\|G - I\|_2 \le \delta` (then :math:`\|f - \hat f\| \lesssim e_m(f)`).

Designs (``strategy`` of :func:`approximate`):

* ``"iid"``: n i.i.d. points from :math:`\rho_m` (Cohen & Migliorati 2017), :func:`sample_optimal`:
  exact, a uniform mixture over :math:`j` of the laws :math:`\varphi_j^2 d\mu`;
* ``"dpp"``: the projection DPP of :math:`V_n \supseteq V_m` (n points), weights :math:`n/k_n`
  (the paper's DPP design, :func:`projection_dpp_points`), sampled by **sequential rejection**: propose
  from :math:`k_n/n`, accept with probability :math:`\|P^\perp_t \varphi(x)\|^2/\|\varphi(x)\|^2` (the
  squared residual after projecting on the features of the points already chosen); about
  :math:`n H_n` proposals;
* ``"volume"``: generalized volume-rescaled sampling (the paper's main design,
  :func:`volume_rescaled_points`): m points from the projection DPP of :math:`V_m` plus n - m i.i.d.
  points from :math:`\rho_m`, all weighted :math:`m/k_m`; the estimator is unbiased,
  :math:`E[\hat a] = a^*`;
* ``"repeated-dpp"``: :math:`p = \lfloor n/m \rfloor` independent DPPs of :math:`V_m` pooled, weights
  :math:`m/k_m` (each DPP point has marginal law :math:`\rho_m`), the :math:`n - pm` points left over
  drawn i.i.d. from :math:`\rho_m` (our completion for n not a multiple of m); ``"adaptive-dpp"``
  adds DPP repetitions until :math:`\|G - I\|_2 \le \delta` (at most n points).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np

from .._random import SeedLike, check_seed
from ..errors import ArgumentTypeError, check_number, check_positive
from ._dpp_cpu import new_direction
from .bases import Basis

STRATEGIES = ("iid", "dpp", "volume", "repeated-dpp", "adaptive-dpp")


def _check_basis(basis: Any) -> Basis:
    """``basis`` when it is a :class:`~graphsample.selection.bases.Basis`; else a TypeError naming the argument.

    Every function here reads ``basis.m`` and calls ``basis(x)``: an int or an array in its place (``design(5, 10)``)
    failed deep inside with "'int' object has no attribute 'm'", which named neither the argument nor its type.
    """
    if not isinstance(basis, Basis):
        raise ArgumentTypeError(f"basis must be a Basis (Legendre, Hermite, Tensor or Discrete), "
                                f"not {type(basis).__name__}")
    return basis


def christoffel(basis: Basis, x: Any) -> np.ndarray:
    r"""Christoffel function :math:`k_m(x) = \sum_j \varphi_j(x)^2` (inverse of the Christoffel number)."""
    Phi = _check_basis(basis)(x)
    return np.sum(Phi * Phi, axis=1)


def optimal_density(basis: Basis, x: Any) -> np.ndarray:
    r"""The optimal sampling density :math:`\rho_m = k_m/m` with respect to :math:`\mu`."""
    return christoffel(basis, x) / basis.m  # christoffel checks the basis first


def optimal_weights(basis: Basis, x: Any) -> np.ndarray:
    r"""The weights :math:`w = m/k_m = 1/\rho_m` that make :math:`E[G] = I` under :math:`\rho_m`."""
    return _check_basis(basis).m / christoffel(basis, x)


def _check_design(basis: Basis, n: int, what: str, name: str = "n") -> int:
    _check_basis(basis)
    n = check_positive(name, n)
    if n < basis.m:
        raise ValueError(f"{what} {name} >= m = {basis.m}, got {name} = {n}")
    return n


def sample_optimal(basis: Basis, n: int, *, seed: SeedLike = None) -> np.ndarray:
    r"""n i.i.d. points from :math:`\rho_m\,d\mu = \frac1m \sum_j \varphi_j^2\,d\mu` (exact mixture over j).

    ``n`` must be a positive integer, as for every other design size here (:func:`design` refuses 0 too).
    """
    return _sample_optimal(_check_basis(basis), check_positive("n", n), check_seed(seed))


def _sample_optimal(basis: Basis, n: int, rng: np.random.Generator) -> np.ndarray:
    """:func:`sample_optimal` unchecked, 0 points included: the i.i.d. completion of a design may be empty."""
    return basis.sample_component(rng.integers(0, basis.m, n), rng)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _sequential_accept(Phi, u, Q, t, m, picked):
    """Scan proposals in order; accept row c when u_c |phi_c|^2 < |phi_c|^2 - |Q_t^T phi_c|^2.

    Extends the orthonormal rows Q[0..t-1] (Gram--Schmidt twice) with each accepted row; returns the new t.
    With ``Phi`` the features of i.i.d. proposals from k_m/m, this is the sequential rejection sampler.
    """
    r = Phi.shape[1]
    for c in range(Phi.shape[0]):
        if t == m:
            break
        nrm = 0.0
        for k in range(r):
            nrm += Phi[c, k] * Phi[c, k]
        res = nrm - np.sum(np.dot(Q[:t], Phi[c]) ** 2) if t > 0 else nrm
        if u[c] * nrm >= res:
            continue
        new_direction(Phi, c, Q, t)
        picked[t] = c
        t += 1
    return t


def projection_dpp_points(basis: Basis, *, seed: SeedLike = None, return_proposals: bool = False) -> Any:
    r"""The m points of the continuous projection DPP of :math:`V_m` (kernel :math:`\sum_j \varphi_j(x)\varphi_j(y)`).

    Joint density :math:`\det(\varphi_j(x_i))^2 / m!` w.r.t. :math:`\mu^{\otimes m}`. Sequential
    rejection (Nouy & Michel 2023, Sec. 4; the chain rule of Hough et al. 2006): the (t+1)-th point has
    density :math:`\|P^\perp_t \varphi(x)\|^2/(m-t)` where :math:`P^\perp_t` projects out the features of
    the t points chosen; it is proposed from :math:`k_m/m` and accepted with probability
    :math:`\|P^\perp_t \varphi(x)\|^2/\|\varphi(x)\|^2`, so :math:`m/(m-t)` proposals on average and
    :math:`m H_m` in all. Proposals are drawn in pools and scanned in order by a Numba kernel.
    Returns the points (in drawing order), and the number of proposals if ``return_proposals``.
    """
    rng = check_seed(seed)
    m = _check_basis(basis).m
    Q = np.zeros((m, m))
    chunks, t, proposals = [], 0, 0
    while t < m:
        size = max(16, int(1.2 * m * (np.log(m - t) + 1.0)))
        x = _sample_optimal(basis, size, rng)
        picked = np.full(m, -1, np.int64)
        t_new = _sequential_accept(np.ascontiguousarray(basis(x)), rng.random(size), Q, t, m, picked)
        chunks.append(x[picked[t:t_new]])
        last = picked[t_new - 1] if t_new > t else -1
        proposals += size if t_new < m else int(last) + 1
        t = t_new
    points = np.concatenate(chunks, axis=0)
    return (points, proposals) if return_proposals else points


def volume_rescaled_points(basis: Basis, n: int, *, seed: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Generalized volume-rescaled sample of size :math:`n \ge m` (Nouy & Michel 2023) and its weights.

    The law :math:`\gamma_n` with density :math:`\frac{n^m (n-m)!}{n!}\det(G(x))\,\prod_i \rho_m(x_i)`
    w.r.t. :math:`\mu^{\otimes n}` (the constant is :math:`1/E[\det G]` under i.i.d. :math:`\rho_m`, by
    Cauchy--Binet), where :math:`G(x) = \frac1n\sum_i w(x_i)\varphi(x_i)\varphi(x_i)^\top`:
    m points of the projection DPP of :math:`V_m` together with n - m i.i.d. points from :math:`\rho_m`,
    in random order; all weighted :math:`w = m/k_m`. Then :math:`E[\hat a] = a^*` (unbiased).
    """
    n = _check_design(basis, n, "volume-rescaled sampling needs")
    rng = check_seed(seed)
    x = np.concatenate([projection_dpp_points(basis, seed=rng), _sample_optimal(basis, n - basis.m, rng)])
    x = x[rng.permutation(n)]
    return x, optimal_weights(basis, x)


def repeated_dpp_points(basis: Basis, n: int, *, seed: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\lfloor n/m \rfloor` independent projection DPPs of :math:`V_m`, completed i.i.d. from :math:`\rho_m`; weights :math:`m/k_m`."""
    n = _check_design(basis, n, "repeated DPPs need")
    rng = check_seed(seed)
    parts = [projection_dpp_points(basis, seed=rng) for _ in range(n // basis.m)]
    x = np.concatenate(parts + [_sample_optimal(basis, n - basis.m * (n // basis.m), rng)])
    return x, optimal_weights(basis, x)


def adaptive_dpp_points(basis: Basis, delta: float = 0.5, max_points: int | None = None, *,
                        seed: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Repeat projection DPPs of :math:`V_m` until :math:`\|G - I\|_2 \le \delta` (or ``max_points``).

    :math:`G` is the empirical Gram matrix of all points so far with weights :math:`m/k_m` (the
    adaptive variant of Nouy & Michel 2023). ``max_points`` (default 100 m) must be at least m: the
    repetitions stop before exceeding it. Returns the pooled points and weights.
    """
    check_number("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    limit = 100 * _check_basis(basis).m if max_points is None else _check_design(basis, max_points,
                                                                                   "adaptive DPPs need", "max_points")
    rng = check_seed(seed)
    xs: list[np.ndarray] = []
    S = np.zeros((basis.m, basis.m))
    count = 0
    while count + basis.m <= limit:
        x = projection_dpp_points(basis, seed=rng)
        Phi = basis(x)
        S += (Phi * optimal_weights(basis, x)[:, None]).T @ Phi
        xs.append(x)
        count += basis.m
        if np.linalg.norm(S / count - np.eye(basis.m), 2) <= delta:
            break
    x = np.concatenate(xs)
    return x, optimal_weights(basis, x)


def projection_dpp_design(basis: Basis, n: int, *, seed: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
    r"""The paper's DPP design of size :math:`n \ge m`: the projection DPP of :math:`V_n \supseteq V_m`, weights :math:`n/k_n`."""
    n = _check_design(basis, n, "a DPP design needs")
    try:
        big = basis if n == basis.m else basis.extend(n)
    except NotImplementedError:
        others = ", ".join(s for s in STRATEGIES if s != "dpp")
        raise ValueError(f"a DPP design of n = {n} > m = {basis.m} points needs the nested space V_n, which "
                         f"{type(basis).__name__} bases lack; use n = {basis.m} or a strategy of {others}") from None
    x = projection_dpp_points(big, seed=seed)
    return x, optimal_weights(big, x)


@dataclass
class WLSResult:
    """A weighted least-squares fit: coefficients in the basis, the Gram matrix and the design."""

    coefficients: np.ndarray
    gram: np.ndarray
    condition: float
    points: np.ndarray | None = None
    weights: np.ndarray | None = None

    @property
    def gram_deviation(self) -> float:
        r""":math:`\|G - I\|_2`."""
        return float(np.linalg.norm(self.gram - np.eye(self.gram.shape[0]), 2))

    def __call__(self, basis: Basis, x: Any) -> np.ndarray:
        """Evaluate the fitted function at ``x``."""
        return basis(x) @ self.coefficients


def wls_fit(f_values: Any, points: Any, basis: Basis, weights: Any = None) -> WLSResult:
    r"""Weighted least-squares projection :math:`\hat a = \arg\min_a \frac1n\sum_i w_i (y_i - \varphi(x_i)^\top a)^2`.

    Solved by least squares on :math:`\sqrt{w/n}\,\Phi` (no normal equations); returns the coefficients,
    :math:`G = \frac1n \Phi^\top W \Phi` and its 2-norm condition number. ``weights`` default to 1.
    """
    Phi = _check_basis(basis)(points)
    y = np.asarray(f_values, dtype=np.float64)
    n = Phi.shape[0]
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"f_values must have one value per point ({n}), got shape {y.shape}")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per point ({n}), got shape {w.shape}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(w))):
        raise ValueError("f_values and weights must be finite")
    if np.any(w < 0):
        raise ValueError("weights must be non-negative")
    if n < basis.m:
        raise ValueError(f"need at least m = {basis.m} points for a least-squares fit, got {n}")
    s = np.sqrt(w / n)
    A = s[:, None] * Phi
    coef = np.linalg.lstsq(A, s * y, rcond=None)[0]
    G = A.T @ A
    ev = np.linalg.eigvalsh(G)
    cond = float(ev[-1] / ev[0]) if ev[0] > 0 else float("inf")
    return WLSResult(coef, G, cond, np.asarray(points), w)


def design(basis: Basis, n: int, strategy: str = "volume", *, delta: float = 0.5,
           seed: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights of one of the :data:`STRATEGIES` (see the module docstring)."""
    _check_basis(basis)
    if strategy == "iid":
        x = sample_optimal(basis, n, seed=seed)
        return x, optimal_weights(basis, x)
    if strategy == "dpp":
        return projection_dpp_design(basis, n, seed=seed)
    if strategy == "volume":
        return volume_rescaled_points(basis, n, seed=seed)
    if strategy == "repeated-dpp":
        return repeated_dpp_points(basis, n, seed=seed)
    if strategy == "adaptive-dpp":
        return adaptive_dpp_points(basis, delta, _check_design(basis, n, "an adaptive DPP design needs"), seed=seed)
    raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")


def approximate(f: Callable[[np.ndarray], Any], basis: Basis, n: int, strategy: str = "volume", *,
                delta: float = 0.5, seed: SeedLike = None) -> WLSResult:
    r"""Sample a design of size ``n`` by ``strategy``, evaluate ``f`` there and return the WLS fit in :math:`V_m`.

    ``f`` maps an array of points (shape ``(n,)`` in 1-D, ``(n, d)`` otherwise) to ``n`` values.
    """
    if not callable(f):
        raise ValueError("f must be a callable mapping points to values")
    x, w = design(basis, n, strategy, delta=delta, seed=seed)
    return wls_fit(np.asarray(f(x), dtype=np.float64).reshape(-1), x, basis, w)
