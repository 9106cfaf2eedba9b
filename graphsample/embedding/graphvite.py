r"""LINE, DeepWalk and node2vec trained the GraphVite way: online augmentation + parallel negative sampling.

Reproduces Zhu, Xu, Qu & Tang, "GraphVite: A High-Performance CPU-GPU Hybrid System for Node
Embedding", WWW 2019. One model serves the three methods: every vertex ``u`` has a vertex embedding
:math:`x_u` and a context embedding :math:`y_u` (both in :math:`\mathbb{R}^d`), and a positive pair
``(u, v)`` with negatives :math:`n_1..n_K` costs

.. math::  \ell = -\log\sigma(x_u\cdot y_v) - w_-\sum_{k=1}^K \log\sigma(-x_u\cdot y_{n_k}),

minimised by SGD (Hogwild inside a block) with weight decay :math:`\lambda` on every row touched. The
methods differ only in how positive pairs are made (:func:`deepwalk`, :func:`line`, :func:`node2vec`).

**Online augmentation.** Walks of ``walk_length`` steps start on an arc drawn with probability
proportional to its weight; each pair ``(walk[j], walk[j+k])``, :math:`1 \le k \le s`, is a positive
sample, with ``augmentation_step="auto"`` giving :math:`s = \lfloor \ln 1600 / \ln(|E|/|V|) \rfloor`
(clipped to ``1..walk_length``). With :math:`s = 1` the samples are the start arcs alone (no walk), as in
GraphVite.
DeepWalk keeps the walk order; LINE pseudo-shuffles each block (its ``o``-th pair goes to slot
:math:`(o \bmod s)\cdot(c/s) + \lfloor o/s \rfloor`); node2vec walks second-order with return parameter
``p`` and in-out parameter ``q`` by rejection sampling (propose a weighted neighbour ``x`` of ``v``,
accept with :math:`\alpha(t, x)/\max(1/p, 1, 1/q)`), which needs no per-edge alias tables.

**Parallel negative sampling.** Vertices are dealt to ``P`` degree-balanced partitions (sorted by
degree, dealt zig-zag); a pool of samples is binned into ``P x P`` blocks (head partition, tail
partition); each episode hands the workers blocks that share no head and no tail partition
(orthogonal blocks: the diagonals :math:`\{(i, (i + r) \bmod P)\}`), so they update disjoint rows
without locks; negatives, :math:`\propto \deg^{0.75}` (weighted degree; out- plus in-arcs on a directed
graph), come from the worker's own tail partition. The sampler fills the next pool while the workers train
on the current one (double buffering).

**Schedule.** ``num_epoch`` epochs of :math:`|E|` positive samples; the learning rate decays linearly
per batch of ``batch_size`` samples from ``lr`` to ``1e-4 * lr``; vertex rows start
:math:`U(-0.5/d, 0.5/d)`, context rows at 0.

Backends: a Numba parallel kernel on the CPU (one thread per worker block), a numba.cuda kernel (one
warp per sample, lanes over dimensions) on a GPU, and several workers through Dask
(:mod:`graphsample.embedding.graphvite_dask`); the partition and block schedule is the same code for all.
"""

from __future__ import annotations

import inspect
import math
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Literal

import numba
import numpy as np

from .._backend import backend_of, is_gpu, to_backend, to_numpy
from .._dask import threadsafe_kernels
from .._random import SeedLike, seed_key, stream_key
from ..errors import GraphsampleError, check_number, check_positive
from ..graph import Graph, check_graph
from ..walks.alias import build_alias
from . import _graphvite_cpu as _cpu
from ._augmentation import samples_per_walk

Method = Literal["deepwalk", "line", "node2vec"]
#: ``callback(samples_done, samples_total, mean_loss_of_last_pool)`` after every pool.
Callback = Callable[[int, int, float], None]

_WALK_STREAM, _NEG_STREAM, _INIT_STREAM, _EXTRA_WALK_STREAM = 0, 1, 2, 3


@dataclass(frozen=True)
class Hyper:
    """Checked training hyper-parameters (built by :func:`make_hyper`; meanings in :func:`train`)."""

    dim: int
    num_epoch: float
    walk_length: int
    augmentation_step: int
    num_negative: int
    negative_weight: float
    lr: float
    weight_decay: float
    batch_size: int
    pool_size: int
    p: float
    q: float


def subkey(key: np.uint64, stream: int) -> np.uint64:
    """The counter-RNG key of ``stream`` under ``key``, as a NumPy uint64 (kernels take uint64 keys)."""
    return np.uint64(stream_key(np.uint64(key), np.uint64(stream)))


def auto_augmentation_step(n_nodes: int, n_edges: int, walk_length: int) -> int:
    r""":math:`s = \lfloor \ln 1600 / \ln(|E|/|V|) \rfloor`, clipped to ``1..walk_length``."""
    density = n_edges / max(n_nodes, 1)
    if density <= 1.0:
        return walk_length
    return int(min(max(math.floor(math.log(1600.0) / math.log(density)), 1), walk_length))


def degree_partitions(degree: np.ndarray, P: int) -> np.ndarray:
    """Partition id of every vertex: sort by degree (descending) and deal zig-zag to ``P`` partitions.

    Rank ``r`` goes to ``r mod P`` on even rounds ``r // P`` and to ``P - 1 - (r mod P)`` on odd rounds,
    so every partition gets one vertex of every ``P`` consecutive degrees and the degree sums balance.
    """
    n = degree.shape[0]
    if not 1 <= P <= n:
        raise ValueError(f"num_partition must be between 1 and the number of nodes ({n}), got {P}")
    order = np.argsort(-np.asarray(degree, np.float64), kind="stable")
    r = np.arange(n)
    pos = r % P
    part = np.empty(n, np.int64)
    part[order] = np.where((r // P) % 2 == 0, pos, P - 1 - pos)
    return part


def block_schedule(P: int, W: int) -> np.ndarray:
    """Episodes of one pool: an ``E x W x 2`` array of (head, tail) partitions, -1 where a worker idles.

    Diagonal ``r`` holds the blocks :math:`(i, (i + r) \\bmod P)`; it is cut into episodes of ``W``
    blocks. Every one of the ``P^2`` blocks appears exactly once, and within an episode no two workers
    share a head partition or a tail partition.
    """
    if P < 1 or W < 1:
        raise ValueError(f"partitions and workers must be positive, got P={P}, W={W}")
    W = min(W, P)
    per_diag = -(-P // W)
    out = np.full((P * per_diag, W, 2), -1, np.int64)
    for r in range(P):
        for i in range(P):
            e, w = r * per_diag + i // W, i % W
            out[e, w] = (i, (i + r) % P)
    return out


def block_counters(block_ptr: np.ndarray, P: int, done: int) -> np.ndarray:
    r"""Learning-rate counter of the first sample of every block ``(i, j)`` of a pool (flat index ``i P + j``)
    in the single-process trainer, whose episodes are whole diagonals of ``P`` blocks: sample ``k`` of block
    ``(i, j)`` counts as ``done`` + (samples of the earlier diagonals) + ``i + k P``. The GPU and Dask trainers
    use it (stride ``P``) to give every sample the CPU trainer's learning rate."""
    diag = (np.arange(P)[None, :] - np.arange(P)[:, None]) % P  # diagonal of block (i, j)
    diag_size = np.bincount(diag.ravel(), weights=np.diff(block_ptr), minlength=P).astype(np.int64)
    diag_start = done + np.concatenate([[0], np.cumsum(diag_size)[:-1]])
    return (diag_start[diag] + np.arange(P)[:, None]).ravel()


class Sampler:
    """The host side of training: partitions, alias tables, and pools of binned positive samples."""

    def __init__(self, G: Graph, method: Method, hyper: Hyper, P: int, key: np.uint64):
        indptr = np.ascontiguousarray(to_numpy(G.indptr), np.int64)
        indices = np.ascontiguousarray(to_numpy(G.indices))
        w = np.ones(indices.shape[0]) if G.weights is None else np.asarray(to_numpy(G.weights), np.float64)
        self.indptr, self.indices = indptr, indices
        self.arc_src = np.repeat(np.arange(G.n_nodes, dtype=indices.dtype), np.diff(indptr))
        #: False: uniform draws, no alias table read per step (the tables are one-entry placeholders)
        self.weighted = G.weights is not None
        if not self.weighted:
            self.prob = self.arc_prob = np.ones(1)
            self.alias = self.arc_alias = np.zeros(1, np.int64)
        else:
            self.prob, self.alias = build_alias(indptr, w)
            self.arc_prob, self.arc_alias = build_alias(np.array([0, indices.shape[0]], np.int64), w)
        degree = np.bincount(self.arc_src, weights=w, minlength=G.n_nodes)
        #: walks stop at nodes whose out-arcs weigh 0 in all (none, or all of weight 0)
        self.stop = degree == 0
        #: whether some arc leads to such a node, so that a walk can stop early and leave pair slots empty
        self.walks_can_stop = bool(self.stop[indices].any())
        #: nodes with in-arcs but no out-arc of positive weight (directed graphs): no pair has one as its head
        self.tails_only = 0
        if G.directed:
            in_degree = np.bincount(indices, weights=w, minlength=G.n_nodes)
            degree = degree + in_degree
            self.tails_only = int(np.count_nonzero(self.stop & (in_degree > 0)))
        self.part = degree_partitions(degree, P)
        self.perm = np.lexsort((np.arange(G.n_nodes), self.part))  # new row -> vertex
        self.part_ptr = np.searchsorted(self.part[self.perm], np.arange(P + 1)).astype(np.int64)
        self.local = np.empty(G.n_nodes, np.int64)
        self.local[self.perm] = np.arange(G.n_nodes) - self.part_ptr[self.part[self.perm]]
        self.nprob, self.nalias = build_alias(self.part_ptr, degree[self.perm] ** 0.75)
        self.P, self.hyper, self.method = P, hyper, method
        self.key = key
        self.walk_key = subkey(key, _WALK_STREAM)
        #: the walks that fill pool ``t``'s empty slots use the streams 0, 1, ... of ``subkey(extra_walk_key, t)``
        self.extra_walk_key = subkey(key, _EXTRA_WALK_STREAM)
        #: negatives: block ``b`` of pool ``t`` draws from stream ``negative_stream(t) + b`` under this key
        self.negative_key = subkey(key, _NEG_STREAM)
        s = hyper.augmentation_step
        #: steps generated per walk: with s = 1 every sample is a start arc (GraphVite samples arcs then)
        self.walk_length = L = 1 if s == 1 else hyper.walk_length
        self.samples_per_walk = samples_per_walk(L, s)
        self.walks_per_pool = max(1, hyper.pool_size // self.samples_per_walk)
        self.total = int(math.ceil(hyper.num_epoch * G.n_edges))
        #: pairs of a full pool (the last may hold fewer), the size of every pool buffer
        self.pool_capacity = self.walks_per_pool * self.samples_per_walk
        self.n_pools = -(-self.total // self.pool_capacity)
        self._local = threading.local()  # each thread's buffer of pairs before binning

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_local"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def pool(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pool ``t``: (heads, tails, block_ptr), ids local to their partitions, block ``b = i * P + j``.

        It holds the pairs of :meth:`pool_walks` walks, ``pool_walks(t) * samples_per_walk`` of them: where walks
        can stop early, extra walks fill the slots the stopped ones left (:meth:`_fill_gaps`). The walk pairs
        before binning go to buffers of the calling thread, reused from pool to pool; the arrays returned are new
        for every pool. Threads may make pools at the same time (Dask workers in one process)."""
        h = self.hyper
        n = self.pool_walks(t) * self.samples_per_walk
        heads, tails = self._buffer("pairs")[:, :n]
        self._walk_pairs(self.walk_key, np.int64(t) * self.walks_per_pool, heads, tails)
        if self.walks_can_stop:
            self._fill_gaps(t, heads, tails)
        out_h = np.empty(n, np.int32)
        out_t = np.empty_like(out_h)
        block_ptr = np.empty(self.P * self.P + 1, np.int64)
        shuffle = h.augmentation_step if self.method == "line" else 0
        _cpu.bin_samples(heads, tails, self.part, self.local, self.P, shuffle, out_h, out_t, block_ptr)
        return out_h, out_t, block_ptr

    def _buffer(self, name: str) -> np.ndarray:
        """The calling thread's ``2 x pool_capacity`` buffer ``name`` of walk pairs (made on first use)."""
        buf = getattr(self._local, name, None)
        if buf is None:
            buf = np.empty((2, self.pool_capacity), self.indices.dtype)
            setattr(self._local, name, buf)
        return buf

    def _walk_pairs(self, key: np.uint64, walk0: int, heads: np.ndarray, tails: np.ndarray) -> None:
        """The pairs of the walks of streams ``walk0, walk0 + 1, ...`` under ``key``, as many walks as ``heads``
        has room for, into ``heads``/``tails`` (-1: the slot of a pair that a walk which stopped does not have)."""
        h = self.hyper
        _cpu.generate_samples(self.indptr, self.indices, self.prob, self.alias, self.arc_src, self.arc_prob,
                              self.arc_alias, self.weighted, self.stop, key, walk0,
                              heads.shape[0] // self.samples_per_walk, self.walk_length, h.augmentation_step,
                              1.0 / h.p, 1.0 / h.q, self.method == "node2vec", heads, tails)

    def _fill_gaps(self, t: int, heads: np.ndarray, tails: np.ndarray) -> None:
        """Move pool ``t``'s pairs to the front of ``heads``/``tails`` and fill the slots left empty by walks that
        stopped early with the pairs of extra walks, in order: GraphVite's samplers, too, keep walking until
        their pool is full, so that training sees ``num_epoch * |E|`` samples whatever the graph. The extra walks
        of pool ``t`` are the streams 0, 1, ... of ``subkey(extra_walk_key, t)``, drawn in chunks sized by the
        pairs a walk gave so far (at least one: a walk's start arc), so the pool does not depend on threads."""
        keep = heads >= 0
        have, n = int(np.count_nonzero(keep)), heads.shape[0]
        if have == n:
            return
        heads[:have], tails[:have] = heads[keep], tails[keep]
        per_walk = have / (n // self.samples_per_walk)
        key, walk0 = subkey(self.extra_walk_key, t), 0
        extra = self._buffer("extra")
        while have < n:
            m = min(self.walks_per_pool, int((n - have) / per_walk * 1.05) + 1)
            eh, et = extra[:, :m * self.samples_per_walk]
            self._walk_pairs(key, walk0, eh, et)
            keep = eh >= 0
            take = min(int(np.count_nonzero(keep)), n - have)
            heads[have:have + take], tails[have:have + take] = eh[keep][:take], et[keep][:take]
            have, walk0 = have + take, walk0 + m

    def pool_walks(self, t: int) -> int:
        """Walks of pool ``t`` (its first is walk ``t * walks_per_pool``): full pools but the last, which covers
        the samples left of :attr:`total`; pool ``t`` holds their ``samples_per_walk`` pairs each."""
        spw = self.samples_per_walk
        return min(self.walks_per_pool, -(-(self.total - t * self.pool_capacity) // spw))

    def init_vertex(self, n: int) -> np.ndarray:
        """Vertex rows ``U(-0.5/d, 0.5/d)`` (float32, new row order) from the counter-based RNG."""
        V = np.empty((n, self.hyper.dim), np.float32)
        _cpu.init_uniform(subkey(self.key, _INIT_STREAM), V)
        return V

    def negative_stream(self, t: int) -> int:
        """First RNG stream (under the negatives' key) of pool ``t``; block ``b`` uses this + ``b``."""
        return t * self.P * self.P

    def block_key(self, t: int, b: int) -> np.uint64:
        """Key of the negatives of block ``b`` of pool ``t`` (the CPU kernel derives the same inside)."""
        return subkey(self.negative_key, self.negative_stream(t) + b)

    def in_vertex_order(self, X: np.ndarray) -> np.ndarray:
        """Rows of ``X`` (in partition order) put back in vertex order."""
        inv = np.empty_like(self.perm)
        inv[self.perm] = np.arange(self.perm.shape[0])
        return X[inv]


def pools(sampler: Sampler, background: bool = True):
    """Yield ``(t, pool)`` with pool ``t + 1`` generated in a background thread meanwhile (double buffer).

    The kernels release the GIL; the background thread is used only with a thread-safe Numba threading
    layer (omp or tbb), otherwise pools are generated in turn.
    """
    first = sampler.pool(0)
    safe = background and threadsafe_kernels()
    with ThreadPoolExecutor(1) as ex:
        nxt = None
        current = first
        for t in range(sampler.n_pools):
            if t + 1 < sampler.n_pools:
                nxt = ex.submit(sampler.pool, t + 1) if safe else None
            yield t, current
            if t + 1 < sampler.n_pools:
                current = nxt.result() if nxt is not None else sampler.pool(t + 1)


# ---------------------------------------------------------------------------------------- public API
def _check_graph(G: Any) -> None:
    check_graph(G)
    if G.n_nodes < 2 or G.n_arcs == 0:
        raise GraphsampleError(f"cannot embed a graph with {G.n_nodes} nodes and {G.n_arcs} arcs; "
                               "it needs at least 2 nodes and 1 edge")
    if G.weights is not None and float(to_numpy(G.weights).sum()) <= 0:
        raise GraphsampleError("all edge weights are zero; no start arc can be drawn")


def _parse_device(device: str | None, G: Graph) -> str:
    if device is None:
        return G.device
    if isinstance(device, str) and (device in ("cpu", "cuda") or (device.startswith("cuda:") and device[5:].isdigit())):
        if is_gpu(G.indptr) and device == "cpu":
            raise ValueError("the graph is on a GPU; move it to the host (G.to('numpy')) to train on the CPU")
        return device
    raise ValueError(f"bad device {device!r}; expected 'cpu', 'cuda' or 'cuda:N'")


def warn_tails_only(sampler: Sampler, n: int) -> None:
    """Warn when some nodes of a directed graph have in-arcs but no out-arc of positive weight: every walk ends at
    such a node, so no positive pair (nor negative: those are tails too) has one as its head, and its vertex row
    keeps its random initial value. GraphVite reads edge lists as undirected unless told otherwise, and DeepWalk's
    and LINE's experiments are on undirected graphs."""
    if sampler.tails_only:
        warnings.warn(f"{sampler.tails_only} of {n} nodes have in-arcs but no out-arcs: no positive pair starts at "
                      "one, so their vertex embeddings stay at their random initial values; train on "
                      "G.to_undirected() (the CLI's --undirected) to embed them", stacklevel=3)


def make_hyper(G: Graph, dim: int, num_epoch: float, walk_length: int, augmentation_step: int | str,
               num_negative: int, negative_weight: float, lr: float, weight_decay: float, batch_size: int,
               pool_size: int, p: float = 1.0, q: float = 1.0) -> Hyper:
    """Check every hyper-parameter (clear messages) and resolve ``augmentation_step="auto"``."""
    _check_graph(G)
    check_positive("dim", dim)
    check_number("num_epoch", num_epoch, 0.0, low_open=True)
    if num_epoch * G.n_edges >= 2**62:  # the sample counters are int64
        raise ValueError(f"num_epoch {num_epoch:g} times {G.n_edges} edges is too many samples for 64-bit counters")
    check_positive("walk_length", walk_length)
    check_positive("num_negative", num_negative)
    check_number("negative_weight", negative_weight, 0.0, low_open=True)
    check_number("lr", lr, 0.0, low_open=True)
    check_number("weight_decay", weight_decay, 0.0)
    check_positive("batch_size", batch_size)
    check_positive("pool_size", pool_size)
    check_number("p", p, 0.0, low_open=True)
    check_number("q", q, 0.0, low_open=True)
    if augmentation_step == "auto":
        s = auto_augmentation_step(G.n_nodes, G.n_edges, walk_length)
    else:
        check_positive("augmentation_step", augmentation_step)
        if augmentation_step > walk_length:
            raise ValueError(f"augmentation_step ({augmentation_step}) cannot exceed walk_length ({walk_length})")
        s = int(augmentation_step)
    return Hyper(int(dim), float(num_epoch), int(walk_length), s, int(num_negative), float(negative_weight),
                 float(lr), float(weight_decay), int(batch_size), int(pool_size), float(p), float(q))


def resolve_partitions(num_partition: int | str, n_workers: int, n_nodes: int) -> int:
    """``"auto"``: one partition per worker (at most one per node); an int is checked against the node count."""
    P = min(n_workers, n_nodes) if num_partition == "auto" else num_partition
    check_positive("num_partition", P)
    if P > n_nodes:
        raise ValueError(f"num_partition ({P}) cannot exceed the number of nodes ({n_nodes})")
    return int(P)


def train(G: Graph, method: Method, *, dim: int = 128, num_epoch: float = 100.0, walk_length: int = 40,
          augmentation_step: int | str = "auto", num_negative: int = 1, negative_weight: float = 5.0,
          lr: float = 0.025, weight_decay: float = 0.005, batch_size: int = 100_000, pool_size: int = 2_000_000,
          num_partition: int | str = "auto", p: float = 1.0, q: float = 1.0, device: str | None = None,
          return_context: bool = False, seed: SeedLike = None, callback: Callback | None = None) -> Any:
    """Train the GraphVite model with the positive samples of ``method`` (``"deepwalk"``, ``"line"`` or
    ``"node2vec"``; see the module docstring). The embeddings come back in ``G``'s namespace and device
    (on the host when ``device="cuda"`` was asked for a host graph).
    """
    if method not in ("deepwalk", "line", "node2vec"):
        raise ValueError(f"unknown method {method!r}; choose deepwalk, line or node2vec")
    hyper = make_hyper(G, dim, num_epoch, walk_length, augmentation_step, num_negative, negative_weight, lr,
                       weight_decay, batch_size, pool_size, p, q)
    dev = _parse_device(device, G)
    on_gpu = dev.startswith("cuda")
    workers = 1 if on_gpu else numba.get_num_threads()
    P = resolve_partitions(num_partition, workers, G.n_nodes)
    if on_gpu:
        from . import _graphvite_cuda

        _graphvite_cuda.select_device(dev)
    sampler = Sampler(G, method, hyper, P, seed_key(seed))
    warn_tails_only(sampler, G.n_nodes)
    V = sampler.init_vertex(G.n_nodes)
    C = np.zeros_like(V)
    if on_gpu:
        V, C = _graphvite_cuda.fit(sampler, V, C, dev, callback)
    else:
        _fit_cpu(sampler, V, C, callback)
    V, C = sampler.in_vertex_order(V), sampler.in_vertex_order(C)
    if backend_of(G.indptr) != "numpy":
        V, C = (to_backend(X, G.backend, G.device) for X in (V, C))
    return (V, C) if return_context else V


def _fit_cpu(sampler: Sampler, V: np.ndarray, C: np.ndarray, callback: Callback | None) -> None:
    h = sampler.hyper
    P = sampler.P
    episodes = block_schedule(P, P)
    losses = np.zeros(P * P, np.float64)
    done = 0
    for t, (heads, tails, block_ptr) in pools(sampler):
        losses[:] = 0.0
        n = _cpu.train_episodes(V, C, sampler.part_ptr, heads, tails, block_ptr, episodes, sampler.nprob,
                                sampler.nalias, sampler.negative_key, sampler.negative_stream(t), h.num_negative,
                                h.negative_weight, h.weight_decay, h.lr, done, sampler.total, h.batch_size, losses)
        done += int(n)
        if callback is not None:
            callback(done, sampler.total, float(losses.sum()) / max(int(n), 1))


_PARAMS_DOC = """
    Parameters
    ----------
    G : Graph (NumPy, CuPy or torch); undirected graphs are walked both ways, weights bias the walks.
    dim : embedding dimension ``d`` (128).
    num_epoch : training length in epochs of ``|E|`` positive samples.
    walk_length : steps per augmentation walk (40).
    augmentation_step : ``s``, the largest walk distance of a positive pair, or ``"auto"``.
    num_negative : negatives ``K`` per positive pair (1); negative_weight : the weight of each one (5).
    lr : initial learning rate (0.025), decayed linearly per batch to ``1e-4 * lr``.
    weight_decay : L2 decay on every updated row (0.005).
    batch_size : samples per learning-rate step; pool_size : positive samples per pool (double-buffered).
    num_partition : ``P`` vertex partitions; ``"auto"`` = one per worker (CPU threads, or 1 on a GPU), at most
        one per node. The result depends on the seed and ``P``, not on the thread count.
    device : ``None`` (where ``G`` lives), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``; a host graph trained with
        ``device="cuda"`` gets host embeddings back (the GPU holds them only during training).
    return_context : also return the context embeddings.
    seed : int, Generator or None.
    callback : ``callback(samples_done, samples_total, mean_loss)`` after every pool.
"""


def check_keywords(method: str, kwargs: dict, trainer: Callable) -> None:
    """Refuse a keyword that ``trainer`` (the ``train`` behind ``method``) does not take, naming ``method`` and the
    keywords it takes: Python's own error, ``train() got an unexpected keyword argument 'epochs'``, named a function
    the caller never called and did not say that the option is ``num_epoch``."""
    known = [k for k in inspect.signature(trainer).parameters if k not in ("G", "client", "method")]
    unknown = [k for k in kwargs if k not in known]
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}; it takes {', '.join(known)}")


def deepwalk(G: Graph, dim: int = 128, **kwargs: Any) -> Any:
    """DeepWalk (Perozzi, Al-Rfou & Skiena, KDD 2014) trained as GraphVite does: random-walk pairs up to
    ``augmentation_step`` apart, kept in walk order, with negative sampling (Zhu et al., WWW 2019).
    """
    check_keywords("deepwalk", kwargs, train)
    return train(G, "deepwalk", dim=dim, **kwargs)


def line(G: Graph, dim: int = 128, **kwargs: Any) -> Any:
    """LINE (Tang et al., WWW 2015; second-order proximity with vertex/context embeddings) trained as
    GraphVite does: edge samples augmented by short walks and pseudo-shuffled (Zhu et al., WWW 2019).
    """
    check_keywords("line", kwargs, train)
    return train(G, "line", dim=dim, **kwargs)


def node2vec(G: Graph, dim: int = 128, *, p: float = 1.0, q: float = 1.0, **kwargs: Any) -> Any:
    r"""node2vec (Grover & Leskovec, KDD 2016) trained as GraphVite does: second-order walks where the next
    vertex ``x`` after ``t -> v`` has weight :math:`w_{vx}\,\alpha(t, x)`, :math:`\alpha = 1/p` if
    ``x = t``, 1 if the arc ``x -> t`` exists, :math:`1/q` otherwise, drawn by rejection sampling.
    """
    check_keywords("node2vec", kwargs, train)
    return train(G, "node2vec", dim=dim, p=p, q=q, **kwargs)


for _f in (train, deepwalk, line, node2vec):
    _f.__doc__ += _PARAMS_DOC + """
    Returns
    -------
    ``n x dim`` float32 vertex embeddings (and context embeddings with ``return_context=True``).
    """
del _f

__all__ = ["deepwalk", "line", "node2vec", "train", "block_schedule", "degree_partitions",
           "auto_augmentation_step", "Hyper", "Sampler"]
