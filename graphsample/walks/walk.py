r"""Random walks from many start nodes at once: uniform, weighted, node2vec, non-backtracking,
Metropolis–Hastings and restart (PPR) walks, on CPU (Numba) and GPU (numba.cuda).

A walker at node :math:`v` (arrived from :math:`t`) moves to an out-neighbour :math:`x` with probability

* uniform: :math:`1/d_v`; weighted: :math:`w_{vx} / \sum_y w_{vy}` (alias table when :math:`d_v \ge 64`,
  binary search in the row's CDF otherwise; Walker 1977, Vose 1991);
* node2vec (Grover & Leskovec, KDD 2016): :math:`\propto \pi_{vx}\,b(t, x)` with :math:`b = 1/p` if
  :math:`x = t`, 1 if :math:`x` is a neighbour of :math:`t` (on a directed graph: the arc :math:`x \to t`, as in
  the authors' reference code, torch_cluster and GraphVite), :math:`1/q` otherwise, drawn by **rejection sampling**
  (KnightKing, Yang et al., SOSP 2019): propose :math:`x \sim \pi_{v\cdot}`, accept with probability
  :math:`b / \max(1, 1/q)`, and when :math:`1/p > \max(1, 1/q)` first take :math:`t` outright with the
  probability of the "outlier" box :math:`\pi_{vt}(1/p - \max(1, 1/q))` (over the envelope's total mass);
  the neighbour test is a binary search in the sorted row of :math:`t` (of :math:`x` on a directed graph), so
  no per-edge alias table of size :math:`\sum_v d_v^2` is built; after 4096 rejected proposals (a tiny
  acceptance rate) the step is an exact draw by inversion over the row;
* non-backtracking: as above but never back to :math:`t` unless :math:`t` is the only neighbour;
* Metropolis–Hastings to a target :math:`\mu` (undirected graphs): propose as above, accept with
  probability :math:`\min(1, \frac{\mu_x / s_x}{\mu_v / s_v})` where :math:`s` is the (weighted) degree,
  otherwise stay at :math:`v` (the stay is a step of the walk).

Stop rules: ``length`` steps; before every step the walk stops with probability ``restart_prob`` (its
length is then geometric, :math:`P(L = k) = (1-r)^k r`, capped at ``length``; the end node of such a walk is
a sample of personalized PageRank with teleport probability ``r``); a node without out-arcs (a sink) ends
the walk (``dead_end="stop"``) or sends the walker back to its start node (``dead_end="restart"``, counted
as a step). A weighted walk treats a node whose out-arcs all weigh 0 as a sink: its row of the transition
matrix :math:`D^{-1}W` is zero, as in :func:`graphsample.ranking.pagerank` and the GraphVite samplers.

Every random number comes from the counter-based RNG keyed by (seed, walker id, step), so a seed gives the
same walks for any thread count and on the GPU.
"""

from __future__ import annotations

import weakref
from typing import Any, Literal, NamedTuple

import numba
import numpy as np

from .._backend import arg_backend, asarray_like, backend_of, host_view, is_gpu, namespace, native
from .._random import SeedLike, seed_key
from ..errors import GraphValidationError, check_integer, check_number, is_integer
from ..graph import Graph, check_graph
from . import _cpu
from ._step import F_ENV, F_INV_P, F_INV_Q, F_RESTART, I_ALIAS_MIN_DEG, I_DEAD_END_RESTART, I_MH, I_N2V, \
    I_NONBACK, I_WEIGHTED, N2V_DIRECTED, N2V_OFF, N2V_SYMMETRIC
from .alias import build_alias

#: rows with at least this many arcs draw from alias tables, shorter ones by binary search in their CDF
ALIAS_MIN_DEGREE = 64

ReturnKind = Literal["paths", "ends", "counts"]


class WalkPaths(NamedTuple):
    """Walks as a padded array: walk ``w`` is ``paths[w, :lengths[w]]`` (node ids), padded with -1."""

    paths: Any
    lengths: Any


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _weight_tables(G: Graph) -> tuple[Any, Any, Any]:
    """(cdf, alias prob, alias index) of ``G``'s out-arc weights, built once per graph and cached."""
    tables = _TABLES.get(G)
    if tables is None:
        if is_gpu(G.indptr):
            from . import _cuda

            tables = _cuda.weight_tables(G)
        else:
            indptr, weights = host_view(G.indptr), host_view(G.weights)
            cdf = np.empty(weights.shape[0], np.float64)
            _cpu.build_cdf(indptr, weights, cdf)
            tables = (cdf, *build_alias(indptr, weights))
        _TABLES[G] = tables
    return tables


def check_starts(G: Graph, starts: Any) -> Any:
    """Start nodes as an int64 array on ``G``'s backend and device; raises on an unknown node id."""
    if is_integer(starts):
        starts = [int(starts)]
    xp = namespace(G.indptr)
    if isinstance(starts, list | tuple | range):
        starts = np.asarray(starts)
    if _backend_or_none(starts) is None:
        raise GraphValidationError(f"starts must be node ids (an int, a list or an array), got {starts!r}")
    if backend_of(starts) != backend_of(G.indptr):
        starts = asarray_like(starts, G.indptr)
    if starts.ndim != 1:
        raise GraphValidationError(f"starts must be a 1-D array of node ids, got shape {tuple(starts.shape)}")
    if starts.shape[0] and not xp.isdtype(starts.dtype, "integral"):
        raise GraphValidationError(f"starts must be integer node ids, got dtype {starts.dtype}")
    starts = xp.astype(starts, xp.int64)
    if starts.shape[0]:
        lo, hi = int(xp.min(starts)), int(xp.max(starts))
        if lo < 0 or hi >= G.n_nodes:
            bad = lo if lo < 0 else hi
            raise GraphValidationError(f"unknown start node {bad}: this graph's nodes are 0..{G.n_nodes - 1}")
    return starts


def check_target(G: Graph, target: Any) -> Any:
    """A target distribution: ``n_nodes`` finite positive numbers on ``G``'s backend (not normalised)."""
    target = target if arg_backend(target, "target") == G.backend else asarray_like(target, G.indptr)
    xp = namespace(G.indptr)
    if target.ndim != 1 or int(target.shape[0]) != G.n_nodes:
        raise ValueError(f"target must have one entry per node ({G.n_nodes}), got shape {tuple(target.shape)}")
    if xp.isdtype(target.dtype, "bool"):  # a mask in the target's slot, read as weights 1 and 0
        raise ValueError("target must hold numbers (weights of the nodes), not booleans")
    target = xp.astype(target, xp.float64)
    if not bool(xp.all(xp.isfinite(target))) or not bool(xp.all(target > 0)):
        raise ValueError("target must be finite and positive at every node")
    return target


def _backend_or_none(x: Any) -> str | None:
    """backend_of for arrays, None for lists and scalars."""
    try:
        return backend_of(x)
    except TypeError:
        return None


def _use_weights(G: Graph, weighted: bool | None) -> bool:
    if weighted and not G.is_weighted:
        raise ValueError("weighted=True but the graph has no weights")
    return G.is_weighted if weighted is None else bool(weighted)


def _parameters(G: Graph, *, p: float, q: float, restart_prob: float, weighted: bool, non_backtracking: bool,
                target: Any, dead_end: str) -> tuple:
    """The kernel's inputs ``(cdf, aprob, aalias, h, fparams, iparams)`` on ``G``'s backend."""
    for name, v in (("p", p), ("q", q)):
        check_number(name, v, 0.0, low_open=True)
    if dead_end not in ("stop", "restart"):
        raise ValueError(f"dead_end must be 'stop' or 'restart', not {dead_end!r}")
    node2vec = p != 1.0 or q != 1.0
    if target is not None:
        if node2vec or non_backtracking:
            raise ValueError("target (Metropolis-Hastings) cannot be combined with p, q or non_backtracking")
        if G.directed:
            raise ValueError("target (Metropolis-Hastings) needs an undirected graph; use G.to_undirected()")
    gpu = is_gpu(G.indptr)
    host = np.zeros(1, np.float64)
    cdf, aprob, aalias, h = host, np.ones(1, np.float64), np.zeros(1, np.int32), host
    if gpu:
        from . import _cuda

        cdf, aprob, aalias, h = (_cuda.device_like(a, G.indptr) for a in (cdf, aprob, aalias, h))
    if weighted:
        cdf, aprob, aalias = _weight_tables(G)
    if target is not None:
        xp = namespace(G.indptr)
        strength = xp.astype(G.out_degree(weighted=weighted), xp.float64)
        if weighted and bool(xp.any((strength <= 0) & (G.indptr[1:] > G.indptr[:-1]))):
            raise ValueError("target (Metropolis-Hastings) on a weighted graph needs every node with arcs to have "
                             "arcs of positive weight: a node whose arcs all have weight 0 is never proposed and "
                             "never left; drop those arcs or pass weighted=False")
        # an isolated node is a dead end, its ratio never read
        h = check_target(G, target) / xp.where(strength > 0, strength, 1.0)
        if not gpu:
            h = host_view(h)
    fp = np.empty(4, np.float64)
    fp[F_RESTART] = check_number("restart_prob", restart_prob, 0.0, 1.0, high_open=True)
    fp[F_INV_P], fp[F_INV_Q], fp[F_ENV] = 1.0 / p, 1.0 / q, max(1.0, 1.0 / q)
    ip = np.empty(6, np.int64)
    ip[I_WEIGHTED], ip[I_NONBACK], ip[I_MH] = weighted, non_backtracking, target is not None
    ip[I_N2V] = N2V_OFF if not node2vec else N2V_DIRECTED if G.directed else N2V_SYMMETRIC
    ip[I_ALIAS_MIN_DEG] = ALIAS_MIN_DEGREE
    ip[I_DEAD_END_RESTART] = dead_end == "restart"
    return cdf, aprob, aalias, h, fp, ip


def random_walks(G: Graph, starts: Any, length: int, *, p: float = 1.0, q: float = 1.0, restart_prob: float = 0.0,
                 weighted: bool | None = None, non_backtracking: bool = False, target: Any = None,
                 dead_end: Literal["stop", "restart"] = "stop", return_: ReturnKind = "paths",
                 seed: SeedLike = None) -> WalkPaths | Any:
    r"""Random walks of up to ``length`` steps from every node of ``starts`` (one walker per entry).

    Parameters
    ----------
    G : the graph (NumPy / torch-CPU arrays run the Numba kernel, CuPy / torch-CUDA the numba.cuda kernel).
    starts : internal node ids (0..n-1), one walker each; repeat ids for several walks per node.
    length : maximum number of steps; a path has at most ``length + 1`` nodes (start included).
    p, q : node2vec return and in-out parameters (1, 1: first-order walk).
    restart_prob : probability of stopping before each step (PPR walks, geometric lengths).
    weighted : follow arc weights (default: when the graph has them).
    non_backtracking : never step straight back to the previous node unless it is the only neighbour.
    target : Metropolis–Hastings target distribution :math:`\mu` (one positive number per node,
        unnormalised; undirected graphs), e.g. ``np.ones(n)`` for the uniform MHRW.
    dead_end : at a node without out-arcs (weighted: of positive weight), ``"stop"`` the walk or ``"restart"``
        from its start node.
    return_ : ``"paths"`` -> :class:`WalkPaths` ``(paths, lengths)``; ``"ends"`` -> the end node of every
        walk; ``"counts"`` -> visits per node summed over all walks (starts included), without storing paths.
    seed : int, Generator or None. The same int gives the same walks on every backend and thread count.

    Returns arrays in ``G``'s namespace and on its device. See the module docstring for the transition rules.
    """
    check_graph(G)
    if return_ not in ("paths", "ends", "counts"):
        raise ValueError(f"return_ must be 'paths', 'ends' or 'counts', not {return_!r}")
    length = check_integer("length", length)
    starts = check_starts(G, starts)
    weighted = _use_weights(G, weighted)
    params = _parameters(G, p=p, q=q, restart_prob=restart_prob, weighted=weighted,
                         non_backtracking=non_backtracking, target=target, dead_end=dead_end)
    key = seed_key(seed)
    mode = ("paths", "ends", "counts").index(return_)
    idx_dtype = np.int32 if G.n_nodes < 2**31 - 1 else np.int64
    if is_gpu(G.indptr):
        from . import _cuda

        out = _cuda.run_walks(G, starts, length, params, key, mode, idx_dtype)
    else:
        out = _run_cpu(G, host_view(starts), length, params, key, mode, idx_dtype)
        if G.backend == "torch":
            torch = native("torch")
            out = tuple(torch.from_numpy(a) for a in out)
    return WalkPaths(*out) if mode == _cpu.MODE_PATHS else out[0]


def _run_cpu(G: Graph, starts: np.ndarray, length: int, params: tuple, key: np.uint64, mode: int,
             idx_dtype: Any) -> tuple:
    n_walkers = starts.shape[0]
    threads = numba.get_num_threads()
    nblocks = -(-n_walkers // _cpu.BLOCK)
    nchunks = max(1, min(nblocks, threads if mode == _cpu.MODE_COUNTS else 8 * threads))
    paths = np.empty((n_walkers, length + 1) if mode == _cpu.MODE_PATHS else (0, 0), idx_dtype)
    lens = np.empty(n_walkers, np.int64)
    counts = np.zeros((nchunks, G.n_nodes) if mode == _cpu.MODE_COUNTS else (0, 0), np.int64)
    _cpu.walk_kernel(host_view(G.indptr), host_view(G.indices), *params, key, starts, length, mode, nchunks,
                     paths, lens, counts)
    if mode == _cpu.MODE_PATHS:
        return paths, lens
    if mode == _cpu.MODE_ENDS:
        return (lens.astype(idx_dtype),)
    return (counts.sum(axis=0),)
