r"""Self-repellent random walks (SRRW), many independent chains at once, on CPU and GPU.

Doshi, Hu & Eun, "Self-Repellent Random Walks on General Graphs -- Achieving Minimal Sampling Variance
via Nonlinear Markov Chains", ICML 2023. Given a base chain :math:`P` reversible with respect to a target
:math:`\mu` on an undirected graph, the SRRW moves from :math:`i` with the nonlinear kernel

.. math::  K[x](i, j) = \frac{P(i,j)\,(x_j/\mu_j)^{-\alpha}}{\sum_k P(i,k)\,(x_k/\mu_k)^{-\alpha}},

so it avoids nodes it has over-visited relative to :math:`\mu`; the empirical measure follows

.. math::  x_{n+1} = x_n + \gamma_{n+1}\,(\delta_{X_{n+1}} - x_n), \qquad \gamma_n = (n+1)^{-a}.

With :math:`a = 1` and :math:`x_0 = \mu` this is :math:`x_n = (\mu + \sum_{k\le n}\delta_{X_k})/(n+1)`, visit
counts with pseudo-count :math:`\mu`. :math:`x_n \to \mu` almost surely and, for :math:`a = 1`,
:math:`\sqrt{n}(x_n - \mu)` is asymptotically normal with covariance

.. math::  V(\alpha) = \sum_{i \ge 2} \frac{1 + \lambda_i}{(1 - \lambda_i)(2\alpha(1 + \lambda_i) + 1)}\,u_i u_i^T

(:math:`\lambda_i, u_i`: eigenvalues and left eigenvectors of :math:`P`, :func:`asymptotic_covariance`), which
decreases like :math:`1/\alpha`. Base chains: the simple random walk (``base="srw"``, :math:`\mu \propto`
(weighted) degree) or Metropolis–Hastings to ``target`` (``base="mh"``, uniform by default), whose rejection
mass is the lazy self-transition :math:`P(i,i)`.

Ours: the log-space state :math:`z_j = \log(x_j/\mu_j)` plus one log-scale per chain (the update
:math:`y_{X} \mathrel{+}= \gamma_n e^{-\ell_n}` is a log-add), so neither :math:`x^{-\alpha}` nor the rescaling
overflows; weights are normalised with a running max. Chains are independent (RNG stream = chain id), one
Numba thread or one CUDA thread each. The state is dense (chains x nodes float64) or, when that does not fit,
sparse: an open-addressing hash table of the nodes each chain has visited (unvisited nodes keep
:math:`z_j = 0`, so the TVD is still exact: their mass is :math:`(1 - \sum_{visited}\mu_j)|e^{\ell_n} - 1|`).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal

import numpy as np

from .._backend import arg_backend, asarray_like, device_kwargs, host_view, is_gpu, namespace, to_numpy
from .._ops import segment_sum
from .._random import SeedLike, seed_key, uniform_array
from ..errors import GraphsampleError, check_number, check_positive, is_integer
from ..graph import Graph, check_graph
from . import _cpu
from .walk import _use_weights, check_starts, check_target

#: state="auto" keeps the dense state (chains x nodes x 8 bytes) up to this size, the sparse one above
MAX_DENSE_BYTES = 2**30
#: chain state above this many bytes is refused
MAX_STATE_BYTES = 8 * 2**30

Base = Literal["srw", "mh"]


@dataclass(frozen=True)
class SRRWResult:
    """Output of :func:`srrw`; arrays on the graph's backend (``checkpoints`` on the host).

    Attributes
    ----------
    checkpoints : step numbers ``n`` at which ``tvd`` and ``estimates`` were recorded.
    tvd : (chains, checkpoints) total-variation distance :math:`\\frac12\\sum_j|x_n(j) - \\mu_j|`.
    estimates : (chains, checkpoints) running averages :math:`\\frac1n\\sum_{k\\le n} f(X_k)` (zeros without f).
    x : (chains, nodes) final empirical measures :math:`x_n` (None with the sparse state).
    nodes : (chains,) final positions.
    paths : (chains, n_steps) visited nodes :math:`X_1..X_n` when requested, else None.
    mu : (nodes,) the target distribution.
    """

    checkpoints: np.ndarray
    tvd: Any
    estimates: Any
    x: Any
    nodes: Any
    paths: Any
    mu: Any


def stationary_target(G: Graph, base: Base, target: Any, weighted: bool) -> Any:
    """The normalised target :math:`\\mu` of the base chain (degree-proportional for srw, ``target`` for mh)."""
    xp = namespace(G.indptr)
    if base == "srw":
        if target is not None:
            raise ValueError("target is only used with base='mh' (the simple random walk's target is its degree)")
        mu = xp.astype(G.out_degree(weighted=weighted), xp.float64)
    elif base == "mh":
        mu = xp.ones(G.n_nodes, dtype=xp.float64, **device_kwargs(G.indptr)) if target is None else check_target(G, target)
    else:
        raise ValueError(f"base must be 'srw' or 'mh', not {base!r}")
    total = float(xp.sum(mu))
    if not total > 0:
        raise GraphsampleError("the graph has no arcs: the simple random walk has no stationary distribution")
    return mu / total


def base_chain(G: Graph, base: Base, mu: Any, weighted: bool) -> tuple[Any, Any]:
    """``(log P(i,j) per arc, log P(i,i) per node)`` of the base chain, -inf for zero probabilities.

    srw: :math:`P(i,j) = w_{ij}/s_i`; mh: :math:`P(i,j) = \\frac{w_{ij}}{s_i}\\min(1, \\frac{\\mu_j s_i}{\\mu_i s_j})`
    and :math:`P(i,i) = 1 - \\sum_{j \\ne i} P(i,j)` (with :math:`w \\equiv 1` when unweighted).
    """
    xp = namespace(G.indptr)
    src, dst = G.sources, G.indices
    w = xp.ones(G.n_arcs, dtype=xp.float64, **device_kwargs(G.indptr)) if not weighted else xp.astype(G.weights, xp.float64)
    s = xp.astype(G.out_degree(weighted=weighted), xp.float64)
    prob = w / s[src]
    if base == "mh":
        prob = prob * xp.minimum(1.0, mu[dst] * s[src] / (mu[src] * s[dst]))
        stay = 1.0 - segment_sum(prob, G.indptr)
        stay = xp.where(stay > 1e-12, stay, 0.0)
    else:
        stay = xp.zeros(G.n_nodes, dtype=xp.float64, **device_kwargs(G.indptr))
    with np.errstate(divide="ignore"):
        return xp.log(prob), xp.log(stay)


#: Graph -> {weighted: (number of components, size of the largest)}, filled by :func:`check_connected`.
_COMPONENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _count_components(G: Graph, weighted: bool) -> tuple[int, int]:
    """(number of weakly connected components, nodes in the largest) of ``G`` on the host; with
    ``weighted``, arcs of weight 0 do not connect."""
    from ..graph import from_edges
    from ..sampling.metrics import component_sizes

    if weighted:
        keep = to_numpy(G.weights) > 0
        if not keep.all():
            G = from_edges(to_numpy(G.sources)[keep], to_numpy(G.indices)[keep], n_nodes=G.n_nodes)
    sizes = component_sizes(G, "weak")
    return int(sizes.shape[0]), int(sizes.max()) if sizes.shape[0] else 0


def check_undirected(G: Graph) -> None:
    """Refuse a directed graph: the closed forms and the kernel assume a reversible base chain (an undirected
    graph), whose symmetrised :math:`D^{1/2} P D^{-1/2}` has :math:`P`'s spectrum; on a directed graph it has not,
    and the uniform target is not even stationary for the Metropolis-Hastings chain."""
    if G.directed:
        raise ValueError("SRRW needs an undirected graph (a reversible base chain); use G.to_undirected()")


def check_connected(G: Graph, weighted: bool = False) -> None:
    """Refuse a graph with several connected components (a node whose only arc is a self-loop is one).

    The base chain is then reducible: a chain never leaves the component it starts in, so :math:`x_n` cannot
    converge to :math:`\\mu`, and estimates from chains started in a small component are biased for ever.
    With ``weighted``, only arcs of positive weight connect (the base chain never takes an arc of weight 0).
    Checked on the host (scipy), O(arcs), once per graph object and weight flag: the answer is cached
    (a graph is immutable) and dropped with the graph.
    """
    key = bool(weighted and G.is_weighted)
    per_graph = _COMPONENTS.setdefault(G, {})
    if key not in per_graph:
        per_graph[key] = _count_components(G, key)
    n_comp, big = per_graph[key]
    if n_comp > 1:
        raise GraphsampleError(f"SRRW needs a connected graph (an irreducible base chain); this one has {n_comp} "
                               f"connected components, the largest with {big} of {G.n_nodes} nodes. Chains "
                               "never leave the component they start in: restrict the graph to one component, "
                               "e.g. graphsample.sampling.metrics.largest_wcc(G)")


def _chain_inputs(G: Graph, *, base: Base, target: Any, weighted: bool, f: Any, repel_alpha: Any, n_steps: int,
                  gamma_exp: float) -> SimpleNamespace:
    """The read-only kernel inputs ``(logp, logp_self, logmu, mu, f, alpha, log_gamma, log_keep)``."""
    check_undirected(G)
    xp = namespace(G.indptr)
    mu = stationary_target(G, base, target, weighted)
    if bool(xp.any((G.indptr[1:] - G.indptr[:-1]) == 0)):
        raise GraphsampleError("the graph has isolated nodes: SRRW needs every node to have a neighbour")
    if weighted and bool(xp.any(G.out_degree(weighted=True) <= 0)):
        raise GraphsampleError("the graph has nodes whose arcs all have weight 0: the weighted base chain never "
                               "enters or never leaves them; drop them or pass weighted=False")
    check_connected(G, weighted)
    logp, logp_self = base_chain(G, base, mu, weighted)
    gamma_exp = check_exponent("gamma_exp", gamma_exp)
    what = f"a number >= 0 or an array of {n_steps} such numbers (one per step)"
    alpha = check_alpha(repel_alpha, what)
    if alpha.ndim == 0:
        alpha = np.full(n_steps, float(alpha))
    if alpha.shape != (n_steps,):
        raise ValueError(f"repel_alpha must be {what}")
    steps = np.arange(1, n_steps + 1, dtype=np.float64)
    log_gamma = -gamma_exp * np.log(steps + 1.0)
    log_keep = np.log1p(-np.exp(log_gamma))
    if f is None:
        f = xp.zeros(G.n_nodes, dtype=xp.float64, **device_kwargs(G.indptr))
    else:
        arg_backend(f, "f")
        f = _check_f(G, xp.astype(asarray_like(f, G.indptr), xp.float64), xp)
    host = (alpha, log_gamma, log_keep)
    host = tuple(asarray_like(a, G.indptr) for a in host)
    return SimpleNamespace(mu=mu, arrays=(logp, logp_self, xp.log(mu), mu, f, *host))


def check_exponent(name: str, value: Any) -> float:
    r"""A step-size exponent :math:`a` of :math:`\gamma_n = (n+1)^{-a}` in (0.5, 1] (the stochastic-approximation
    range), as a float; raises a ValueError naming the parameter otherwise (a string or a bool too)."""
    return check_number(name, value, 0.5, 1.0, low_open=True)


def check_alpha(repel_alpha: Any, what: str = "a number >= 0") -> np.ndarray:
    """``repel_alpha`` as a float64 array (any shape) of finite numbers >= 0; raises a ValueError saying it must
    be ``what`` otherwise (strings and bools included)."""
    alpha = np.asarray(to_numpy(repel_alpha) if hasattr(repel_alpha, "__dlpack__") else repel_alpha)
    if alpha.dtype.kind not in "iuf" or not np.all(np.isfinite(alpha)) or np.any(alpha < 0):
        raise ValueError(f"repel_alpha must be {what}")
    return alpha.astype(np.float64)


def _initial_state(G: Graph, inputs: SimpleNamespace, starts: Any, n_chains: int, checkpoints: np.ndarray,
                   record_path: bool, sparse: bool = False) -> tuple:
    """The mutable kernel arguments ``(cur, z, keys, log_scale, checkpoints, tvd, fsum, path)`` (x_0 = mu).

    Dense state: ``z`` is (chains, nodes) and ``keys`` (chains, 0). Sparse state: per chain an open-addressing
    table of the visited nodes, ``keys`` (-1 = free) and ``z`` of a power-of-two size at least twice the number
    of nodes a chain can visit.
    """
    xp = namespace(G.indptr)
    dev = device_kwargs(G.indptr)
    n_steps = int(inputs.arrays[5].shape[0])
    k = checkpoints.shape[0]
    width = sparse_capacity(G.n_nodes, n_steps) if sparse else G.n_nodes
    return (xp.astype(starts, xp.int64, copy=True), xp.zeros((n_chains, width), dtype=xp.float64, **dev),
            xp.full((n_chains, width if sparse else 0), -1, dtype=xp.int64, **dev),
            xp.zeros(n_chains, dtype=xp.float64, **dev), asarray_like(checkpoints, G.indptr),
            xp.zeros((n_chains, k), dtype=xp.float64, **dev), xp.zeros((n_chains, k), dtype=xp.float64, **dev),
            xp.zeros((n_chains, n_steps if record_path else 0), dtype=xp.int64, **dev))


def sparse_capacity(n_nodes: int, n_steps: int) -> int:
    """Table size of the sparse state: a power of two >= 2 x (nodes a chain can visit)."""
    return 1 << int(2 * min(n_nodes, n_steps)).bit_length()


def _draw_starts(mu: Any, n_chains: int, key: np.uint64) -> Any:
    """A start node per chain drawn from ``mu`` by inverse CDF, with the counter-based RNG (stream = chain id,
    a counter the chain never uses), so the same seed gives the same starts on every backend."""
    xp = namespace(mu)
    chains = asarray_like(np.arange(n_chains, dtype=np.int64), mu)
    u = uniform_array(key, chains, chains * 0 + 2**62)  # counters as int64 arrays: they must wrap
    cdf = xp.cumulative_sum(mu)
    return xp.minimum(xp.searchsorted(cdf, u * cdf[-1], side="right"), mu.shape[0] - 1)


def _checkpoints(checkpoints: Any, n_steps: int) -> np.ndarray:
    if is_integer(checkpoints):
        if checkpoints < 1:
            raise ValueError(f"checkpoints must be >= 1, got {checkpoints}")
        if checkpoints - 1 > n_steps * math.log(n_steps) + 1:  # geomspace's gaps are then all < 1: every step
            return np.arange(1, n_steps + 1, dtype=np.int64)
        return np.unique(np.geomspace(1, n_steps, int(checkpoints)).round().astype(np.int64))
    c = np.asarray(checkpoints)
    if c.ndim != 1 or c.size == 0 or c.dtype.kind not in "iu" or c.min() < 1 or c.max() > n_steps:
        raise ValueError(f"checkpoints must be step numbers in 1..{n_steps} (a 1-D integer array) or a count >= 1, "
                         f"got {checkpoints!r}")
    return np.unique(c.astype(np.int64))


def srrw(G: Graph, n_steps: int, *, repel_alpha: float | Any = 1.0, n_chains: int = 1, starts: Any = None,
         base: Base = "mh", target: Any = None, weighted: bool | None = None, gamma_exp: float = 1.0,
         f: Any = None, checkpoints: int | Any = 50, return_paths: bool = False, state: str = "auto",
         seed: SeedLike = None) -> SRRWResult:
    r"""Run ``n_chains`` independent self-repellent random walks for ``n_steps`` steps each.

    Parameters
    ----------
    G : connected undirected graph (NumPy / torch-CPU: Numba; CuPy / torch-CUDA: numba.cuda).
    n_steps : steps per chain.
    repel_alpha : the repellence :math:`\alpha \ge 0` (0 is the base chain), or one value per step
        (an :math:`\alpha_n` schedule).
    n_chains : independent chains (chain ``c`` uses RNG stream ``c``: the same seed gives the same chains on
        every backend and thread count).
    starts : start node of every chain (default: drawn from :math:`\mu` with ``seed``, the same on every backend).
    base : ``"mh"`` (Metropolis–Hastings to ``target``, default uniform) or ``"srw"`` (simple random walk,
        :math:`\mu \propto` degree).
    weighted : use arc weights in the base chain (default: when the graph has them).
    gamma_exp : :math:`a` in :math:`\gamma_n = (n+1)^{-a}`, in (0.5, 1]; 1 = visit counts.
    f : a value per node; ``estimates`` are the running averages of :math:`f(X_k)` (estimating :math:`\mu^T f`).
    checkpoints : how many (log-spaced) steps, or which steps, to record ``tvd`` and ``estimates`` at.
    return_paths : also return every chain's path (chains x n_steps).
    state : ``"dense"`` (chains x nodes floats), ``"sparse"`` (a hash table of the visited nodes per chain, for
        graphs where chains x nodes does not fit; ``x`` is then not returned) or ``"auto"`` (dense up to 1 GiB).
    seed : int, Generator or None.

    Reference: Doshi, Hu & Eun, "Self-Repellent Random Walks on General Graphs", ICML 2023.
    """
    check_graph(G)
    check_positive("n_steps", n_steps)
    check_positive("n_chains", n_chains)
    n_steps, n_chains = int(n_steps), int(n_chains)
    if state not in ("auto", "dense", "sparse"):
        raise ValueError(f"state must be 'auto', 'dense' or 'sparse', not {state!r}")
    dense_bytes = n_chains * G.n_nodes * 8
    sparse = state == "sparse" or (state == "auto" and dense_bytes > MAX_DENSE_BYTES)
    need = n_chains * sparse_capacity(G.n_nodes, n_steps) * 16 if sparse else dense_bytes
    if need > MAX_STATE_BYTES:
        raise GraphsampleError(f"{n_chains} chains of {'sparse' if sparse else 'dense'} SRRW state need "
                               f"{need / 2**30:.1f} GiB; run fewer chains or steps per call")
    weighted = _use_weights(G, weighted)
    inputs = _chain_inputs(G, base=base, target=target, weighted=weighted, f=f, repel_alpha=repel_alpha,
                           n_steps=n_steps, gamma_exp=gamma_exp)
    key = seed_key(seed)
    if starts is None:
        starts = _draw_starts(inputs.mu, n_chains, key)
    starts = check_starts(G, starts)
    if int(starts.shape[0]) != n_chains:
        raise ValueError(f"starts must give one node per chain ({n_chains}), got {int(starts.shape[0])}")
    cps = _checkpoints(checkpoints, n_steps)
    chain_state = _initial_state(G, inputs, starts, n_chains, cps, return_paths, sparse)
    if is_gpu(G.indptr):
        from . import _cuda

        _cuda.launch_srrw(*(_cuda.view(a) for a in (G.indptr, G.indices, *inputs.arrays)), key,
                          *(_cuda.view(a) for a in chain_state))
    else:
        _cpu.srrw_kernel(*(host_view(a) for a in (G.indptr, G.indices, *inputs.arrays)), key,
                         *(host_view(a) for a in chain_state))
    cur, z, _, log_scale, _, tvd, fsum, path = chain_state
    xp = namespace(G.indptr)
    x = None if sparse else xp.exp(z + log_scale[:, None] + inputs.arrays[2][None, :])
    steps = asarray_like(cps.astype(np.float64), G.indptr)
    return SRRWResult(checkpoints=cps, tvd=tvd, estimates=fsum / steps[None, :], x=x, nodes=cur,
                      paths=path if return_paths else None, mu=inputs.mu)


def _base_spectrum(G: Graph, base: Base, target: Any, weighted: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """``(lambda_i, u_i)`` for i >= 2 of the base chain: eigenvalues and left eigenvectors (columns), dense.

    :math:`P` is symmetrised as :math:`S = D^{1/2} P D^{-1/2}` (:math:`D = \\mathrm{diag}(\\mu)`), whose
    orthonormal eigenvectors :math:`v_i` give the left eigenvectors :math:`u_i = D^{1/2} v_i` of :math:`P`.
    """
    check_undirected(G)
    G = G.to("numpy") if G.backend != "numpy" else G
    weighted = _use_weights(G, weighted)
    check_connected(G, weighted)
    mu = stationary_target(G, base, target, weighted)
    logp, logp_self = base_chain(G, base, mu, weighted)
    P = np.zeros((G.n_nodes, G.n_nodes))
    np.add.at(P, (G.sources, G.indices), np.exp(logp))
    P[np.diag_indices(G.n_nodes)] += np.exp(logp_self)
    d = np.sqrt(mu)
    S = d[:, None] * P / d[None, :]
    del P
    lam, v = np.linalg.eigh((S + S.T) / 2)
    keep = np.argsort(lam)[:-1]  # drop the eigenvalue 1 (u = mu)
    return lam[keep], d[:, None] * v[:, keep]


def _coefficients(lam: np.ndarray, repel_alpha: float, gamma_exp: float) -> np.ndarray:
    r"""The weights of :math:`u_i u_i^T` in :math:`V(\alpha)`: the shift is 1 for ``gamma_exp = 1``, 2 below."""
    shift = 1.0 if gamma_exp == 1.0 else 2.0
    return (1 + lam) / ((1 - lam) * (2 * repel_alpha * (1 + lam) + shift))


def asymptotic_covariance(G: Graph, repel_alpha: float, *, gamma_exp: float = 1.0, base: Base = "mh",
                          target: Any = None, weighted: bool | None = None) -> np.ndarray:
    r"""The closed-form limit covariance :math:`V(\alpha)` of :math:`(x_n - \mu)/\sqrt{\gamma_n}` (dense, small
    graphs), with :math:`\gamma_n = (n+1)^{-a}`, ``a = gamma_exp``: of :math:`\sqrt n (x_n - \mu)` for a = 1.

    :math:`V(\alpha) = \sum_{i \ge 2} \frac{1 + \lambda_i}{(1 - \lambda_i)(2\alpha(1 + \lambda_i) + c)} u_i u_i^T`
    from the eigenvalues and left eigenvectors of the base chain :math:`P`, with :math:`c = 1` for a = 1 and
    :math:`c = 2` for a < 1. :math:`V` solves the Lyapunov equation of the stochastic-approximation CLT,
    :math:`(J + sI)V + V(J + sI)^T + U = 0`, where the drift :math:`J` at :math:`\mu` is
    :math:`-(\alpha(1+\lambda_i)+1)` along :math:`u_i`, :math:`U = \sum_i \frac{1+\lambda_i}{1-\lambda_i} u_i u_i^T`
    is the base chain's noise covariance, and :math:`s = 1/2` for a = 1, 0 for a < 1 (Doshi, Hu & Eun 2023 for
    a = 1; for a < 1, the :math:`x_n` part of the SA-SRRW CLT of Hu, Doshi & Eun 2024). For a < 1 it describes
    :math:`x_n`, not the plain running averages of ``estimates``.
    """
    alpha = check_alpha(repel_alpha)
    if alpha.ndim:
        raise ValueError("repel_alpha must be a number >= 0 (asymptotic_variance takes several)")
    a = check_exponent("gamma_exp", gamma_exp)
    lam, u = _base_spectrum(G, base, target, weighted)
    return (u * _coefficients(lam, float(alpha), a)) @ u.T


def _check_f(G: Graph, f: Any, xp: Any) -> Any:
    """``f`` (float64, in namespace ``xp``) must hold one finite value per node of ``G``."""
    if f.shape != (G.n_nodes,):
        raise ValueError(f"f must hold one finite value per node ({G.n_nodes}), got shape {tuple(f.shape)}")
    if not bool(xp.all(xp.isfinite(f))):
        raise ValueError("f must hold one finite value per node; it holds NaN or infinite values")
    return f


def asymptotic_variance(G: Graph, f: Any, repel_alpha: float | Any, *, gamma_exp: float = 1.0, base: Base = "mh",
                        target: Any = None, weighted: bool | None = None) -> Any:
    r""":math:`f^T V(\alpha) f` (:func:`asymptotic_covariance`), the limit of :math:`n\,\mathrm{Var}` of the running
    average of :math:`f(X_k)` for ``gamma_exp = 1``, and of :math:`\mathrm{Var}(f^T x_n)/\gamma_n` for a < 1, for one
    :math:`\alpha` (a float) or several (an array). One dense eigendecomposition of :math:`P` serves all of them:
    cubic time and quadratic memory in the number of nodes (minutes for 7,000 nodes).
    """
    f = _check_f(G, np.asarray(f if isinstance(f, list | tuple) else to_numpy(f), dtype=np.float64), np)
    lam, u = _base_spectrum(G, base, target, weighted)
    proj = (f @ u) ** 2
    alphas = check_alpha(repel_alpha, "a number >= 0 or an array of such numbers")
    a = check_exponent("gamma_exp", gamma_exp)
    out = np.array([float(np.sum(proj * _coefficients(lam, al, a))) for al in alphas.ravel()]).reshape(alphas.shape)
    return float(out) if out.ndim == 0 else out
