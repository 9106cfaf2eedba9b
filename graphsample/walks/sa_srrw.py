r"""SA-SRRW: distributed stochastic optimisation by a token that moves as a self-repellent random walk.

Hu, Doshi & Eun, "Accelerating Distributed Stochastic Optimization via Self-Repellent Random Walks",
ICLR 2024. Agents are the nodes of a graph; node :math:`i` holds a loss :math:`f_i(\theta)` and the task is
:math:`\min_\theta \sum_i \mu_i f_i(\theta)`. A token walks by the SRRW kernel and updates

.. math::
   X_{n+1} \sim K[x_n](X_n, \cdot), \qquad x_{n+1} = x_n + \gamma_{n+1}(\delta_{X_{n+1}} - x_n), \qquad
   \theta_{n+1} = \theta_n - \beta_{n+1} \nabla f_{X_{n+1}}(\theta_n),

with :math:`\gamma_n = (n+1)^{-a}` and :math:`\beta_n = (n+1)^{-b}`, :math:`a, b \in (0.5, 1]`. The paper's
three regimes and what its CLT says about the asymptotic covariance of :math:`(\theta_n - \theta^*)/\sqrt{\beta_n}`:
(i) :math:`\beta_n = o(\gamma_n)` (:math:`b > a`, ``"walk_faster"``: the walk's measure on the faster time-scale),
:math:`O(1/\alpha^2)`; (ii) :math:`\gamma_n = \beta_n` (``"equal"``, the default), decreasing in :math:`\alpha`,
:math:`O(1/\alpha)`; (iii) :math:`\gamma_n = o(\beta_n)` (:math:`a > b`, ``"theta_faster"``), the same for
every :math:`\alpha` as for the base chain. Default exponents (ours): :math:`b = 0.9` and :math:`a = 0.8, 0.9, 1.0`
for (i), (ii), (iii); the step-size constants are 1.

The walk does not depend on :math:`\theta`, so the SRRW paths of all runs are generated first by the SRRW
kernel (:func:`graphsample.walks.srrw`) and the :math:`\theta` recursion then runs vectorised over runs:
``grad(nodes, theta)`` receives the current node of every run (shape ``(runs,)``) and the iterates
(``(runs, d)``, NumPy or torch) and returns the stacked gradients. :class:`NodeRegression` is that function for
node-wise linear or logistic regression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

import numpy as np

from .._backend import arg_backend, asarray_like, backend_of, namespace, to_numpy
from .._random import SeedLike
from ..errors import check_number, check_positive
from ..graph import Graph
from .srrw import Base, check_exponent, srrw

Regime = Literal["walk_faster", "equal", "theta_faster"]

#: (a, b) exponents of gamma_n = (n+1)^-a and beta_n = (n+1)^-b per regime
REGIMES: dict[str, tuple[float, float]] = {"walk_faster": (0.8, 0.9), "equal": (0.9, 0.9), "theta_faster": (1.0, 0.9)}


@dataclass(frozen=True)
class SASRRWResult:
    """Output of :func:`sa_srrw`: ``thetas[r, k]`` is run ``r``'s iterate after ``checkpoints[k]`` steps."""

    checkpoints: np.ndarray
    thetas: Any
    theta: Any
    mu: Any


class NodeRegression:
    r"""Node-wise regression losses, vectorised over runs: node :math:`i` holds samples
    :math:`(X_{i1}, y_{i1}), \dots, (X_{ik}, y_{ik})` and

    .. math::
       f_i(\theta) = \frac1k \sum_{s} \ell(X_{is}^T\theta, y_{is}) + \frac{\lambda}{2}\|\theta\|^2, \qquad
       \ell = \tfrac12(t - y)^2 \ \text{(linear)} \ \text{or} \ \log(1 + e^t) - y t \ \text{(logistic, } y \in \{0,1\}).

    ``X`` has shape (nodes, k, d) and ``y`` (nodes, k), NumPy or torch (CPU or CUDA).
    """

    def __init__(self, X: Any, y: Any, *, loss: Literal["linear", "logistic"] = "linear", l2: float = 0.0):
        if loss not in ("linear", "logistic"):
            raise ValueError(f"loss must be 'linear' or 'logistic', not {loss!r}")
        if not (hasattr(X, "ndim") and hasattr(y, "ndim")):
            raise TypeError(f"X and y must be NumPy or torch arrays, got {type(X).__name__} and {type(y).__name__}")
        if X.ndim != 3 or y.shape != X.shape[:2]:
            raise ValueError(f"X must have shape (nodes, k, d) and y (nodes, k); got {tuple(X.shape)} and "
                             f"{tuple(y.shape)}")
        xp = namespace(X, y)
        if not (bool(xp.all(xp.isfinite(X))) and bool(xp.all(xp.isfinite(y)))):
            raise ValueError("X and y must be finite")
        if loss == "logistic" and not bool(xp.all((y == 0) | (y == 1))):
            raise ValueError("logistic regression needs labels y in {0, 1}")
        self.X, self.y, self.loss, self.l2 = X, y, loss, check_number("l2", l2, 0.0)

    def __call__(self, nodes: Any, theta: Any) -> Any:
        """Gradients :math:`\\nabla f_{nodes[r]}(\\theta_r)`, shape (runs, d)."""
        xp = namespace(theta)
        nodes = nodes if backend_of(nodes) == backend_of(theta) else asarray_like(nodes, theta)
        Xi, yi = self.X[nodes], self.y[nodes]  # (R, k, d), (R, k)
        t = xp.sum(Xi * theta[:, None, :], axis=2)
        r = t - yi if self.loss == "linear" else 1.0 / (1.0 + xp.exp(-t)) - yi
        return xp.sum(Xi * r[:, :, None], axis=1) / Xi.shape[1] + self.l2 * theta

    def solution(self, mu: Any, iterations: int = 50) -> np.ndarray:
        """The minimiser of :math:`\\sum_i \\mu_i f_i(\\theta)` (host; normal equations or Newton)."""
        X, y, w = to_numpy(self.X), to_numpy(self.y), to_numpy(mu)
        k, d = X.shape[1], X.shape[2]
        Xw = X * (w[:, None, None] / k)
        theta = np.zeros(d)
        for _ in range(1 if self.loss == "linear" else iterations):
            t = X @ theta
            p = t if self.loss == "linear" else 1 / (1 + np.exp(-t))
            curv = np.ones_like(t) if self.loss == "linear" else p * (1 - p)
            g = np.einsum("nkd,nk->d", Xw, p - y) + self.l2 * theta
            H = np.einsum("nkd,nk,nke->de", Xw, curv, X) + self.l2 * np.eye(d)
            theta = theta - np.linalg.solve(H, g)
        return theta


def step_exponents(regime: Regime, gamma_exp: float | None, beta_exp: float | None) -> tuple[float, float]:
    """The (a, b) exponents: the regime's defaults unless given; checks they fit the regime."""
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {', '.join(REGIMES)}, not {regime!r}")
    a, b = REGIMES[regime]
    a = a if gamma_exp is None else check_exponent("gamma_exp", gamma_exp)
    b = b if beta_exp is None else check_exponent("beta_exp", beta_exp)
    ok = {"walk_faster": b > a, "equal": a == b, "theta_faster": a > b}[regime]
    if not ok:
        raise ValueError(f"gamma_exp={a}, beta_exp={b} do not fit regime {regime!r} "
                         "(walk_faster: beta_exp > gamma_exp; equal: equal; theta_faster: gamma_exp > beta_exp)")
    return a, b


def sa_srrw(G: Any, grad: Callable[[Any, Any], Any], theta0: Any, n_steps: int, *, repel_alpha: float | Any = 1.0,
            regime: Regime = "equal", gamma_exp: float | None = None, beta_exp: float | None = None,
            n_runs: int = 1, base: Base = "mh", target: Any = None, weighted: bool | None = None,
            checkpoints: int | Any = 50, seed: SeedLike = None) -> SASRRWResult:
    r"""Run ``n_runs`` independent SA-SRRW token optimisations for ``n_steps`` steps.

    Parameters
    ----------
    G : connected undirected graph of agents (see :func:`~graphsample.walks.srrw` for backends).
    grad : ``grad(nodes, theta) -> (runs, d)`` gradients of the node losses (e.g. a :class:`NodeRegression`).
    theta0 : starting point, shape (d,) or (runs, d), NumPy or torch; the iterates live in its namespace.
    n_steps : token moves (= gradient steps) per run.
    repel_alpha : SRRW repellence (scalar or per-step schedule); 0 gives the base Markov chain.
    regime, gamma_exp, beta_exp : step sizes :math:`\gamma_n = (n+1)^{-a}`, :math:`\beta_n = (n+1)^{-b}`.
    base, target, weighted : the SRRW base chain; :math:`\mu` is the weighting of the objective.
    checkpoints : how many (log-spaced) or which steps to record the iterates at.
    seed : int, Generator or None.

    Reference: Hu, Doshi & Eun, "Accelerating Distributed Stochastic Optimization via Self-Repellent Random
    Walks", ICLR 2024.
    """
    if not callable(grad):
        raise TypeError(f"grad must be a callable grad(nodes, theta), got {type(grad).__name__}")
    a, b = step_exponents(regime, gamma_exp, beta_exp)
    check_positive("n_runs", n_runs)
    arg_backend(theta0, "theta0", lists=False)
    xp = namespace(theta0)
    theta = xp.astype(theta0, xp.float64)
    if not bool(xp.all(xp.isfinite(theta))):
        raise ValueError("theta0 must be finite (it holds NaN or infinite values)")
    if theta.ndim == 1:
        theta = xp.broadcast_to(theta[None, :], (n_runs, theta.shape[0]))
    if theta.ndim != 2 or theta.shape[0] != n_runs:
        raise ValueError(f"theta0 must have shape (d,) or ({n_runs}, d), got {tuple(theta0.shape)}")
    theta = xp.asarray(theta, copy=True)
    if isinstance(grad, NodeRegression):  # a mismatch ran on the first nodes' data, or failed deep inside
        n_data, _, d = grad.X.shape
        if isinstance(G, Graph) and n_data != G.n_nodes:
            raise ValueError(f"grad: the NodeRegression holds data for {n_data} nodes, the graph has {G.n_nodes}")
        if theta.shape[1] != d:
            raise ValueError(f"theta0 must have d = {d} entries a run, as the NodeRegression's X (nodes, k, d), got "
                             f"shape {tuple(theta0.shape)}")
    walk = srrw(G, n_steps, repel_alpha=repel_alpha, n_chains=n_runs, base=base, target=target, weighted=weighted,
                gamma_exp=a, checkpoints=checkpoints, return_paths=True, seed=seed)
    cps = walk.checkpoints
    betas = (np.arange(1, n_steps + 1) + 1.0) ** -b
    thetas = []
    k = 0
    for s in range(n_steps):
        g = grad(walk.paths[:, s], theta)
        if tuple(g.shape) != tuple(theta.shape):
            raise ValueError(f"grad returned shape {tuple(g.shape)}, expected {tuple(theta.shape)}")
        theta = theta - betas[s] * g
        if k < cps.shape[0] and cps[k] == s + 1:
            thetas.append(theta)
            k += 1
    return SASRRWResult(checkpoints=cps, thetas=xp.stack(thetas, axis=1), theta=theta, mu=walk.mu)
