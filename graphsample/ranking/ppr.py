r"""Monte Carlo fully personalized PageRank (W. Lin, "Distributed Algorithms for Fully Personalized PageRank
on Large Graphs", WWW 2019; the estimator is Fogaras, Rácz, Csalogány & Sarlós, Internet Math. 2005).

For every source :math:`u`, :math:`\omega` random walks with restart probability :math:`\alpha = 1 - d` start
at :math:`u`; each walk stops at every step with probability :math:`\alpha` (so its length is geometric) and
otherwise moves along an arc chosen with probability :math:`w_{uv}/W_u`. The stopping node of one walk is
distributed exactly as :math:`\pi(u,\cdot)`, so

.. math::  \hat\pi(u, v) = \frac{\#\{\text{walks from } u \text{ ending at } v\}}{\omega}

is unbiased with variance :math:`\pi(u,v)(1-\pi(u,v))/\omega`. By the Chernoff bound, for
:math:`\pi(u,v) \ge \theta` the relative error exceeds :math:`\varepsilon` with probability at most
:math:`\delta` when :math:`\omega \ge (2 + 2\varepsilon/3)\ln(2/\delta)/(\varepsilon^2 \theta)`
(:func:`walks_for_accuracy`; the bound FORA uses, Wang et al. KDD 2017).

Two engines compute the same estimator:

* ``"fused"`` (default; Lin's walks without the supersteps): one Numba kernel, parallel over sources, runs each
  walker to its end, sorts the source's end nodes (sorting the (source, end) keys of one source),
  counts runs and keeps the top-k -- nothing but the output is ever stored. Walker ``j`` of source ``u`` has
  id :math:`u\omega + j` and draws from the counter RNG keyed by (seed, id, step), so the result does
  not depend on threads, blocks of sources, Dask workers or the device.
* ``"pipeline"`` (Lin's parallel pipelines, :mod:`._pipeline`): walkers advance one step per superstep in
  waves of :math:`\gamma` walks per node, wave :math:`i+1` entering when wave :math:`i` has made its first
  step; low-degree nodes use precomputed short walk segments ("big moves"), each consumed once. This is the
  engine of the distributed Mode B (:mod:`.dask`), where walkers move between graph shards.

Weighted graphs use alias tables, and alias trees for hubs (:mod:`._sampler`). The output is a per-source
top-k (or above a threshold) sparse matrix in CSR form, :class:`PPRResult`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np
from numba import prange

from .. import _random
from .._backend import backend_of, is_gpu, namespace, to_backend
from .._random import SeedLike
from ..errors import GraphsampleError, check_integer, check_number, check_positive
from ..graph import Graph
from ._sampler import DANGLING_CODE, Sampler, build_sampler, next_node
from ._transition import check_common, source_ids, weight_renamed

ENGINES = ("fused", "pipeline")


def walks_for_accuracy(eps_rel: float, delta: float, threshold: float) -> int:
    r"""Walks per source :math:`\omega = \lceil (2 + 2\varepsilon/3)\ln(2/\delta) / (\varepsilon^2\theta) \rceil`.

    With that many walks, every :math:`\pi(u,v) \ge \theta` is estimated within relative error
    :math:`\varepsilon` with probability at least :math:`1 - \delta` (per pair; for a union bound over
    :math:`P` pairs pass :math:`\delta / P`).
    """
    for name, v in (("eps_rel", eps_rel), ("delta", delta), ("threshold", threshold)):
        check_number(name, v, 0.0, 1.0, low_open=True, high_open=True)
    denominator = eps_rel**2 * threshold
    walks = (2 + 2 * eps_rel / 3) * math.log(2 / delta) / denominator if denominator > 0 else math.inf
    if walks >= 2**62:
        raise ValueError(f"eps_rel={eps_rel!r}, delta={delta!r} and threshold={threshold!r} ask for {walks:.3g} walks "
                         "per source, more than any run can make: loosen them")
    return int(math.ceil(walks))


@dataclass(frozen=True)
class PPRResult:
    r"""Per-source sparse estimates: row ``i`` (source ``sources[i]``) holds nodes ``indices[indptr[i]:indptr[i+1]]``
    with estimates ``values[...]``, largest first (ties by node id).

    ``omega`` walks per source were used; ``walk_steps`` counts all arc moves; ``seconds`` is the wall time.
    """

    indptr: Any
    indices: Any
    values: Any
    sources: Any
    n_nodes: int
    omega: int
    walk_steps: int
    seconds: float

    def to_scipy(self) -> Any:
        """A ``scipy.sparse.csr_array`` of shape (n_sources, n_nodes) (host copy)."""
        import scipy.sparse as sp

        from .._backend import to_numpy

        return sp.csr_array((to_numpy(self.values), to_numpy(self.indices), to_numpy(self.indptr)),
                            shape=(int(self.sources.shape[0]), self.n_nodes))

    def dense(self) -> np.ndarray:
        """Dense (n_sources, n_nodes) host array of the kept estimates (zeros elsewhere)."""
        return self.to_scipy().toarray()


@numba.njit(nogil=True, cache=True)
def _walk_to_end(u, omega, j, key, alpha, n, dangling, indptr, indices, weighted, gptr, gstart,
                 prob_in, alias_in, prob_top, alias_top):
    """Run walker ``j`` of source ``u`` to its end; returns (end node, steps)."""
    sk = _random.stream_key(key, np.uint64(u) * np.uint64(omega) + np.uint64(j))
    cur = u
    step = 0
    while True:
        nx = next_node(cur, u, sk, step, alpha, n, dangling, indptr, indices, weighted, gptr, gstart,
                       prob_in, alias_in, prob_top, alias_top)
        if nx < 0:
            return cur, step
        cur = nx
        step += 1


@numba.njit(nogil=True, cache=True)
def select_top(ends, omega, cap, min_count, out_idx, out_val):
    """Sort one source's end nodes, count runs, keep the ``cap`` largest counts >= ``min_count``.

    Writes into ``out_idx``/``out_val`` (length ``cap``) and returns how many were kept.
    """
    ends.sort()
    m = ends.shape[0]
    nodes = np.empty(m, np.int64)
    counts = np.empty(m, np.int64)
    k = 0
    i = 0
    while i < m:
        j = i
        while j < m and ends[j] == ends[i]:
            j += 1
        nodes[k] = ends[i]
        counts[k] = j - i
        k += 1
        i = j
    order = np.argsort(-counts[:k], kind="mergesort")  # stable: ties keep ascending node id
    kept = 0
    for t in range(min(cap, k)):
        c = counts[order[t]]
        if c < min_count:
            break
        out_idx[kept] = nodes[order[t]]
        out_val[kept] = c / omega
        kept += 1
    return kept


@numba.njit(parallel=True, nogil=True, cache=True)
def fused_ppr(sources, omega, key, alpha, n, dangling, cap, min_count, indptr, indices, weighted, gptr, gstart,
              prob_in, alias_in, prob_top, alias_top, out_idx, out_val, out_len, steps):
    """The fused CPU kernel: all walks of each source, then sort/count/top-k, one source per task."""
    for i in prange(sources.shape[0]):
        u = sources[i]
        ends = np.empty(omega, np.int64)
        total = 0
        for j in range(omega):
            e, s = _walk_to_end(u, omega, j, key, alpha, n, dangling, indptr, indices, weighted, gptr, gstart,
                                prob_in, alias_in, prob_top, alias_top)
            ends[j] = e
            total += s
        out_len[i] = select_top(ends, omega, cap, min_count, out_idx[i], out_val[i])
        steps[i] = total


def _to_csr(out_idx: np.ndarray, out_val: np.ndarray, out_len: np.ndarray) -> tuple[np.ndarray, ...]:
    indptr = np.zeros(out_len.shape[0] + 1, np.int64)
    np.cumsum(out_len, out=indptr[1:])
    mask = np.arange(out_idx.shape[1])[None, :] < out_len[:, None]
    return indptr, out_idx[mask], out_val[mask]


def _capacity(omega: int, n: int, top_k: int | None, min_value: float | None) -> int:
    """Entries kept per source: top_k, at most 1/min_value above a threshold, never more than omega or n."""
    cap = min(omega, n)
    if top_k is not None:
        cap = min(cap, top_k)
    if min_value is not None:
        cap = min(cap, int(1.0 / min_value) + 1)
    return int(cap)


def check_ppr_args(G: Any, damping: float, dangling: str, omega: int | None, eps_rel: float | None,
                   delta: float | None, threshold: float | None, top_k: int | None,
                   min_value: float | None) -> int:
    """Validate the fully-PPR arguments; returns the number of walks per source."""
    check_common(G, damping, dangling)
    accuracy = {"eps_rel": eps_rel, "delta": delta, "threshold": threshold}
    if omega is None:
        if None in accuracy.values():
            raise ValueError("give omega (walks per source) or all of eps_rel, delta and threshold")
        omega = walks_for_accuracy(eps_rel, delta, threshold)
    elif given := [k for k, v in accuracy.items() if v is not None]:  # ignored: omega fixes the walks
        raise ValueError(f"give omega (walks per source) or the accuracy (eps_rel, delta, threshold), not both: "
                         f"{', '.join(given)} would be ignored with omega={omega!r}")
    omega = check_positive("omega (walks per source)", omega)
    if omega * G.n_nodes >= 2**63:  # walk ids u * omega + j are 64-bit
        raise ValueError(f"omega = {omega} walks per source times {G.n_nodes} sources does not fit in 64-bit walk ids")
    if top_k is not None:
        check_positive("top_k", top_k)
    if min_value is not None:
        check_number("min_value", min_value, 0.0, 1.0, low_open=True)
    return omega


def check_segments(segment_degree: Any, segment_length: Any) -> None:
    """Raise a ValueError unless the short-walk segment options are usable (a segment makes >= 1 move)."""
    check_integer("segment_degree", segment_degree)
    check_positive("segment_length", segment_length)


def run_setup(G: Graph, sources: Any, seed: SeedLike, damping: float, omega: int, top_k: int | None,
              min_value: float | None) -> tuple[np.ndarray, np.uint64, float, int, int]:
    """Sources, RNG key, stop probability, entries kept per source and the smallest kept count."""
    src = resolve_sources(G, sources)
    min_count = 1 if min_value is None else int(math.ceil(min_value * omega - 1e-9))
    return (src, _random.seed_key(seed), 1.0 - float(damping), _capacity(omega, G.n_nodes, top_k, min_value),
            min_count)


def resolve_sources(G: Graph, sources: Any) -> np.ndarray:
    """Internal ids of the source labels (all nodes when None), host int64."""
    if sources is None:
        return np.arange(G.n_nodes, dtype=np.int64)
    ids = source_ids(G, sources)
    if np.unique(ids).shape[0] != ids.shape[0]:
        raise ValueError("sources must be distinct")
    return ids


def run_fused(sampler: Sampler, sources: np.ndarray, omega: int, key: np.uint64, alpha: float, n: int,
              dangling: int, cap: int, min_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Fused kernel on one block of sources: (indptr, indices, values, walk steps)."""
    k = sources.shape[0]
    out_idx = np.zeros((k, cap), np.int64)
    out_val = np.zeros((k, cap))
    out_len = np.zeros(k, np.int64)
    steps = np.zeros(k, np.int64)
    fused_ppr(np.ascontiguousarray(sources, dtype=np.int64), omega, key, alpha, n, dangling, cap, min_count,
              sampler.indptr, sampler.indices, sampler.weighted, sampler.gptr, sampler.gstart, sampler.prob_in,
              sampler.alias_in, sampler.prob_top, sampler.alias_top, out_idx, out_val, out_len, steps)
    return (*_to_csr(out_idx, out_val, out_len), int(steps.sum()))


@weight_renamed
def fully_personalized_pagerank(G: Graph, damping: float = 0.85, *, omega: int | None = None,
                                eps_rel: float | None = None, delta: float | None = None,
                                threshold: float | None = None, top_k: int | None = 50,
                                min_value: float | None = None, sources: Any = None, weighted: bool = True,
                                dangling: str = "personalization", hub_degree: int = 1024,
                                engine: str = "fused", memory_budget: int = 1 << 28, short_walks: bool = True,
                                segment_degree: int = 4, segment_length: int = 4, seed: SeedLike = None,
                                progress: Callable[[int, int], None] | None = None) -> PPRResult:
    r"""Monte Carlo personalized PageRank of every node (or of ``sources``), kept as a sparse top-k per source.

    Parameters
    ----------
    G : graph on NumPy / CPU torch (Numba kernel) or CuPy / torch-CUDA (numba.cuda kernel).
    damping : :math:`d`; walks stop with probability :math:`\alpha = 1 - d` at every step.
    omega : walks per source; or give ``eps_rel``, ``delta`` and ``threshold`` (:func:`walks_for_accuracy`).
    top_k : keep the k largest estimates per source (None: all, subject to ``min_value``).
    min_value : keep only estimates >= ``min_value``.
    sources : node labels to compute (default: all nodes, "fully" personalized).
    weighted, dangling : as in :func:`~graphsample.ranking.pagerank`.
    hub_degree : nodes of larger degree get alias trees (weighted graphs).
    engine : ``"fused"`` (each walk run to its end in one kernel) or ``"pipeline"`` (Lin's supersteps and waves;
        host graphs only). The two give the same walks when ``short_walks=False``.
    memory_budget : bytes for live walkers / end keys; sets the sources per kernel call (fused) or the wave
        size :math:`\gamma` (pipeline, :func:`~graphsample.ranking._pipeline.wave_size`).
    short_walks, segment_degree, segment_length : pipeline engine: nodes with out-degree <= ``segment_degree``
        serve precomputed walk segments of ``segment_length`` steps, each used by one walker.
    seed : int, Generator or None. The same int gives the same output for any threads, workers or device.
    progress : called as ``progress(walks_done, walk_steps)`` after each block.
    """
    omega = check_ppr_args(G, damping, dangling, omega, eps_rel, delta, threshold, top_k, min_value)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    check_positive("memory_budget", memory_budget)
    check_segments(segment_degree, segment_length)
    if engine == "fused" and not is_gpu(G.indptr):  # before the sampler is built
        check_walk_ends(omega, memory_budget, "the pipeline engine")
    if progress is not None and not callable(progress):  # was "'int' object is not callable" after the first block
        raise TypeError(f"progress must be a callable progress(walks_done, walk_steps) or None, got "
                        f"{type(progress).__name__}")
    src, key, alpha, cap, min_count = run_setup(G, sources, seed, damping, omega, top_k, min_value)
    t0 = time.perf_counter()
    if is_gpu(G.indptr):
        if engine != "fused":
            raise ValueError(f"engine={engine!r} runs on host graphs; a GPU graph runs the fused engine")
        from ._ppr_cuda import fused_ppr_cuda

        indptr, indices, values, steps = fused_ppr_cuda(G, weighted, hub_degree, src, omega, key, alpha,
                                                        DANGLING_CODE[dangling], cap, min_count, memory_budget)
        return PPRResult(indptr, indices, values, to_backend(src, G.backend, G.device), G.n_nodes, omega,
                         steps, time.perf_counter() - t0)
    sampler = build_sampler(G, weighted, hub_degree)
    if engine == "pipeline":
        from ._pipeline import run_pipeline

        indptr, indices, values, steps = run_pipeline(
            sampler, src, omega, key, alpha, G.n_nodes, DANGLING_CODE[dangling], cap, min_count, memory_budget,
            segment_degree if short_walks else 0, segment_length, progress)
    else:
        block = max(1, min(src.shape[0], memory_budget // (8 * (omega + 2 * cap))))
        parts, steps = [], 0
        for b in range(0, src.shape[0], block):
            ip, ix, vals, st = run_fused(sampler, src[b:b + block], omega, key, alpha, G.n_nodes,
                                         DANGLING_CODE[dangling], cap, min_count)
            parts.append((ip, ix, vals))
            steps += st
            if progress is not None:
                progress(min(b + block, src.shape[0]) * omega, steps)
        indptr, indices, values = concat_csr(parts)
    out = PPRResult(indptr, indices, values, src, G.n_nodes, omega, steps, time.perf_counter() - t0)
    return _like_graph(out, G)


def check_walk_ends(omega: int, memory_budget: int, instead: str) -> None:
    """Raise unless one source's ``omega`` walk ends (8 bytes each) fit in ``memory_budget``: a fused kernel task
    holds all of them (omega = 10**12 died in the kernel with SystemError). ``instead`` names the engine or mode
    that runs any omega, in waves."""
    if 8 * omega > memory_budget:
        raise GraphsampleError(f"omega = {omega} walks per source need {8 * omega} bytes of walk ends per source, "
                               f"more than memory_budget={memory_budget}: raise memory_budget or use {instead}")


def concat_csr(parts: list[tuple[Any, Any, Any]]) -> tuple[Any, ...]:
    """Stack row blocks of CSR (indptr, indices, values) triples where they live (NumPy, CuPy or torch)."""
    if len(parts) == 1:
        return parts[0]
    xp = namespace(parts[0][0])
    offs = np.cumsum([0] + [int(p[0][-1]) for p in parts[:-1]])
    indptr = xp.concat([parts[0][0][:1]] + [p[0][1:] + int(o) for p, o in zip(parts, offs)])
    return indptr, xp.concat([p[1] for p in parts]), xp.concat([p[2] for p in parts])


def _like_graph(res: PPRResult, G: Graph) -> PPRResult:
    """Return host results as torch tensors when the graph is a CPU torch graph."""
    if backend_of(G.indptr) == "numpy":
        return res
    mv = lambda a: to_backend(a, G.backend, G.device)  # noqa: E731
    return PPRResult(mv(res.indptr), mv(res.indices), mv(res.values), mv(res.sources), res.n_nodes, res.omega,
                     res.walk_steps, res.seconds)
