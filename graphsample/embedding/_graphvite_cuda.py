r"""numba.cuda kernels of the GraphVite-style trainer: training, one warp per positive sample, lanes over
dimensions; and the pools made on the GPU (:func:`device_pools`).

The update is the one of :func:`graphsample.embedding._graphvite_cpu.train_block` (same learning-rate
schedule, same negatives from the same counter-based RNG streams); warps take samples ``warp, warp +
n_warps, ...`` and update the embedding rows Hogwild (no locks), as GraphVite does on the GPU. Lane ``l``
holds dimensions ``l, l + 32, ...``; dot products are summed across the warp by a butterfly of
``shfl_xor_sync`` (five register exchanges, no barrier). Numba's CUDA simulator has no warp shuffles: there
the sum goes through shared memory (one slot per lane, between two block barriers), the one part of the
kernel that differs. With one warp the result equals the CPU kernel to float rounding.

Imported lazily: nothing here loads at ``import graphsample``.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from .._backend import numba_cuda
from .._random import cuda_functions
from ..errors import BackendUnavailableError
from ..walks._cuda import arc_position
from ..walks.alias import cuda_alias_draw
from ._augmentation import make_augmentation_functions
from ._sgd import make_sgd_functions

WARP = 32
WARPS_PER_BLOCK = 4
#: Largest embedding dimension of the CUDA kernel (each lane holds ``d / 32`` dimensions of a row, :func:`_train`).
MAX_DIM = 1024
#: Most warps of a default launch (65,536: 2M threads, about 8 times what an H100 or H200 holds at once).
MAX_WARPS = 65536


cuda = numba_cuda()  # a module global, so that the CUDA simulator can stand in for it
stream_key = cuda_functions().stream_key
_aug = make_augmentation_functions(cuda.jit(device=True), cuda_functions(), cuda_alias_draw(), arc_position)
augment_walk, pair_of, line_source, line_slot = _aug.walk, _aug.pair_of, _aug.line_source, _aug.line_slot
# the rate only: with _sgd's negative draw and logistic terms too, ptxas gives the d = 128 training kernel 96-102
# registers a thread instead of 80 (20 resident warps a multiprocessor instead of 24), so it keeps its own forms
learning_rate = make_sgd_functions(cuda.jit(device=True), cuda_functions(), cuda_alias_draw(), math.exp).learning_rate
uniform = cuda_functions().random_uniform
#: threads per block of the sampling kernels
SAMPLER_THREADS = 256
float32 = np.float32
_FULL_MASK = 0xFFFFFFFF


def select_device(device: str) -> None:
    """Make ``device`` (``"cuda"`` or ``"cuda:N"``) numba.cuda's current device; a machine without a usable
    CUDA driver, or without GPU ``N``, is one :class:`~graphsample.errors.BackendUnavailableError`."""
    if not cuda.is_available():
        raise BackendUnavailableError(f"device {device!r}: no CUDA GPU is usable here (numba.cuda finds no driver "
                                      "or device); train on the CPU instead")
    if ":" in device:
        index, count = int(device.split(":")[1]), len(cuda.gpus)
        if index >= count:
            raise BackendUnavailableError(f"device {device!r}: this machine has {count} CUDA device(s), "
                                          f"cuda:0..cuda:{count - 1}")
        cuda.select_device(index)


@cuda.jit(device=True)
def alias_pick(prob, alias, n, u1, u2):
    j = int(u1 * n)
    if j >= n:
        j = n - 1
    return j if u2 < prob[j] else alias[j]


if numba.config.ENABLE_CUDASIM:
    @cuda.jit(device=True)
    def warp_sum(shared, w, lane, value):
        shared[w, lane] = value
        cuda.syncthreads()
        total = float32(0.0)
        for i in range(WARP):
            total += shared[w, i]
        cuda.syncthreads()
        return total
else:
    @cuda.jit(device=True)
    def warp_sum(shared, w, lane, value):
        # butterfly: after the step with offset o, lanes that differ only in bits below 2o hold the same partial
        # sum (float addition commutes), so all 32 lanes end with the same bits
        value += cuda.shfl_xor_sync(_FULL_MASK, value, 16)
        value += cuda.shfl_xor_sync(_FULL_MASK, value, 8)
        value += cuda.shfl_xor_sync(_FULL_MASK, value, 4)
        value += cuda.shfl_xor_sync(_FULL_MASK, value, 2)
        value += cuda.shfl_xor_sync(_FULL_MASK, value, 1)
        return value


_train_kernels: dict[int, Any] = {}


def _train(slots: int = 4) -> Any:
    """The training kernel for embeddings of ``32 (slots - 1) < d <= 32 slots`` dimensions (built once per
    ``slots``; the default is ``d = 128``'s). Lane ``l`` holds dimensions ``l + 32 s`` for ``s < slots``: with
    ``slots`` a constant the loops over them unroll, so the vertex row and its gradient stay in registers (with
    loops up to a run-time ``d`` they were a 128-byte local-memory array, and the row was read again from the
    embedding at each use)."""
    if slots in _train_kernels:
        return _train_kernels[slots]

    @cuda.jit
    def _train(V, C, heads, tails, nprob, nalias, skey, K, wneg, decay, lr0, done, stride, total, batch_size,
               losses):
        shared = cuda.shared.array((WARPS_PER_BLOCK, WARP), np.float32)  # for warp_sum on the simulator only
        vu = cuda.local.array(slots, np.float32)
        grad = cuda.local.array(slots, np.float32)
        lane = cuda.threadIdx.x % WARP
        w = cuda.threadIdx.x // WARP
        warp = cuda.blockIdx.x * (cuda.blockDim.x // WARP) + w
        n_warps = cuda.gridDim.x * (cuda.blockDim.x // WARP)
        d = V.shape[1]
        nt = C.shape[0]
        n = heads.shape[0]
        n_batches = max(total / batch_size, 1.0)
        loss = 0.0
        for it in range((n + n_warps - 1) // n_warps):  # uniform trip count: every thread reaches syncthreads
            k = it * n_warps + warp
            active = k < n
            kk = k if active else 0
            u = heads[kk]
            lr = learning_rate(lr0, done, kk, stride, batch_size, n_batches)
            for s in range(slots):
                i = lane + s * WARP
                vu[s] = V[u, i] if i < d else float32(0.0)
                grad[s] = 0.0
            for m in range(K + 1):
                if m == 0:
                    c = tails[kk]
                    wt = float32(1.0)
                    label = float32(1.0)
                else:
                    cnt = 2 * (kk * K + m - 1)
                    c = alias_pick(nprob, nalias, nt, uniform(skey, cnt), uniform(skey, cnt + 1))
                    wt = float32(wneg)
                    label = float32(0.0)
                part = float32(0.0)
                for s in range(slots):
                    i = lane + s * WARP
                    if i < d:
                        part += vu[s] * C[c, i]
                logit = warp_sum(shared, w, lane, part)
                if active:
                    x = logit if m == 0 else -logit
                    if lane == 0:
                        loss -= wt * (-math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x)))
                    g = wt * (float32(1.0) / (float32(1.0) + math.exp(-logit)) - label)
                    for s in range(slots):
                        i = lane + s * WARP
                        if i < d:
                            y = C[c, i]
                            grad[s] += g * y
                            C[c, i] = y - lr * (g * vu[s] + decay * y)
            if active:
                for s in range(slots):
                    i = lane + s * WARP
                    if i < d:
                        V[u, i] = vu[s] - lr * (grad[s] + decay * vu[s])
        if lane == 0:
            losses[warp] += loss  # summed over the blocks of a pool: fit zeroes the slots once per pool

    _train_kernels[slots] = _train
    return _train


@cuda.jit
def _walk_kernel(indptr, indices, prob, alias, arc_src, arc_prob, arc_alias, weighted, stop, key, walk0, inv_p,
                 inv_q, second_order, walks):
    w = cuda.grid(1)
    if w < walks.shape[0]:
        augment_walk(indptr, indices, prob, alias, arc_src, arc_prob, arc_alias, weighted, stop,
                     stream_key(key, walk0 + w), inv_p, inv_q, second_order, walks[w])


@cuda.jit
def _pair_kernel(walks, s, spw, shuffle, heads, tails):
    r = cuda.grid(1)
    n = heads.shape[0]
    if r < n:
        o = line_source(r, n, shuffle) if shuffle > 1 else r
        w = o // spw
        j, k = pair_of(o - w * spw, walks.shape[1] - 1, s)
        heads[r] = walks[w, j]
        tails[r] = walks[w, j + k]


#: pairs per thread of the GPU binning (:func:`_bin_count`, :func:`_bin_scatter`)
BIN_CHUNK = 256


@cuda.jit
def _bin_count(heads, tails, part, P, size, counts):
    """Thread ``c`` counts the pairs of chunk ``c`` (``size`` pairs) per block ``part[head] * P + part[tail]``
    into row ``c`` of ``counts``, its own."""
    c = cuda.grid(1)
    if c < counts.shape[0]:
        for b in range(counts.shape[1]):
            counts[c, b] = 0
        for o in range(c * size, min(heads.shape[0], (c + 1) * size)):
            counts[c, part[heads[o]] * P + part[tails[o]]] += 1


@cuda.jit
def _bin_scatter(heads, tails, part, local, P, size, shuffle, first, block_ptr, out_heads, out_tails):
    """Thread ``c`` writes the pairs of chunk ``c`` in order to their blocks, from ``first[c, b]``, the rank in
    block ``b`` of the chunk's first pair there (LINE: to the pseudo-shuffled slot), with partition-local ids."""
    c = cuda.grid(1)
    if c < first.shape[0]:
        for o in range(c * size, min(heads.shape[0], (c + 1) * size)):
            h = heads[o]
            t = tails[o]
            b = part[h] * P + part[t]
            r = first[c, b]
            first[c, b] = r + 1
            if shuffle > 1:
                r = line_slot(r, block_ptr[b + 1] - block_ptr[b], shuffle)
            out_heads[block_ptr[b] + r] = local[h]
            out_tails[block_ptr[b] + r] = local[t]


def _grid(n: int) -> tuple[int, int]:
    return max(1, -(-int(n) // SAMPLER_THREADS)), SAMPLER_THREADS  # numba-cuda's launch wants Python ints


def samples_on_device(sampler: Any) -> bool:
    """Whether the GPU can make the pools itself (:func:`device_pools`): where no walk can stop early
    (``sampler.walks_can_stop``), a pool has no empty slots for extra walks to fill."""
    return not sampler.walks_can_stop


def _recorded(stream: Any) -> Any:
    """A new event recorded on ``stream`` now: it completes when the work queued there so far has."""
    event = cuda.event()
    event.record(stream)
    return event


def _pool_buffers(sampler: Any) -> tuple[list, list]:
    """Two device buffers each for the heads and the tails of a pool (the double buffer)."""
    n = sampler.pool_capacity
    return ([cuda.device_array(n, np.int32) for _ in range(2)], [cuda.device_array(n, np.int32) for _ in range(2)])


class DeviceSampler:
    """The GPU side of the sampler: the graph's tables uploaded once (on ``stream``, default: the default stream),
    and :meth:`pool` to make any pool on the GPU where :func:`samples_on_device` holds: the walks of pool ``t``
    (one thread per walk, the CPU sampler's walks from the same RNG streams) and then their pairs (one thread per
    pair). With one partition the pool is one block in walk order, and the pair kernel applies LINE's
    pseudo-shuffle slot by slot (``line_source`` of :mod:`._augmentation`); with several, a counting sort bins the
    pairs into the ``P x P`` blocks as the host's :func:`graphsample.embedding._graphvite_cpu.bin_samples` does:
    each thread counts a chunk of :data:`BIN_CHUNK` pairs per block, the host turns the counts (a few hundred KB)
    into every chunk's first rank in each block and the block offsets, and each thread writes its chunk in order.
    The pools equal the host sampler's (:meth:`graphsample.embedding.graphvite.Sampler.pool`); nothing crosses
    the PCIe bus but the graph and its tables, once, and the binning counts. Pools are made one at a time (the
    walk and binning buffers are the object's own)."""

    def __init__(self, sampler: Any, stream: Any = None):
        self.sampler = sampler
        self.stream = stream = cuda.default_stream() if stream is None else stream
        self.tables = [cuda.to_device(a, stream=stream) for a in (sampler.indptr, sampler.indices, sampler.prob,
                                                                  sampler.alias, sampler.arc_src, sampler.arc_prob,
                                                                  sampler.arc_alias, sampler.stop)]
        self.walks = cuda.device_array((sampler.walks_per_pool, sampler.walk_length + 1), np.int64)
        if sampler.P > 1:
            P, n = sampler.P, sampler.pool_capacity
            self.part = cuda.to_device(sampler.part, stream=stream)
            self.local = cuda.to_device(sampler.local, stream=stream)
            self.pairs = [cuda.device_array(n, np.int32) for _ in range(2)]
            self.max_chunks = min(-(-n // BIN_CHUNK), max((1 << 22) // (P * P), 1))
            self.counts = cuda.device_array((self.max_chunks, P * P), np.int64)
            self.block_ptr = cuda.device_array(P * P + 1, np.int64)  # kept: a freed array would sync the device

    def pool(self, t: int, heads: Any, tails: Any) -> np.ndarray:
        """Queue pool ``t`` into ``heads``/``tails`` (device arrays of at least ``walks_per_pool *
        samples_per_walk`` entries) on the stream; return its block offsets (``P * P + 1``, on the host)."""
        S, stream = self.sampler, self.stream
        h, spw = S.hyper, S.samples_per_walk
        n_walks = S.pool_walks(t)
        n = n_walks * spw
        shuffle = h.augmentation_step if S.method == "line" else 0
        _walk_kernel[_grid(n_walks) + (stream,)](*self.tables[:7], S.weighted, self.tables[7], S.walk_key,
                                                 np.int64(t) * S.walks_per_pool, 1.0 / h.p, 1.0 / h.q,
                                                 S.method == "node2vec", self.walks[:n_walks])
        if S.P == 1:
            _pair_kernel[_grid(n) + (stream,)](self.walks[:n_walks], h.augmentation_step, spw, shuffle, heads[:n],
                                               tails[:n])
            return np.array([0, n], np.int64)
        _pair_kernel[_grid(n) + (stream,)](self.walks[:n_walks], h.augmentation_step, spw, 0, self.pairs[0][:n],
                                           self.pairs[1][:n])
        return self._bin(n, shuffle, heads, tails)

    def _bin(self, n: int, shuffle: int, out_heads: Any, out_tails: Any) -> np.ndarray:
        P, stream = self.sampler.P, self.stream
        n_chunks = min(-(-n // BIN_CHUNK), self.max_chunks)
        size, counts = -(-n // n_chunks), self.counts[:n_chunks]
        pairs = (self.pairs[0][:n], self.pairs[1][:n], self.part)
        _bin_count[_grid(n_chunks) + (stream,)](*pairs, P, size, counts)
        found = counts.copy_to_host(stream=stream)
        stream.synchronize()
        block_ptr = np.concatenate([[0], np.cumsum(found.sum(axis=0))]).astype(np.int64)
        counts.copy_to_device(np.cumsum(found, axis=0) - found, stream=stream)  # rank of each chunk's first pair
        self.block_ptr.copy_to_device(block_ptr, stream=stream)
        _bin_scatter[_grid(n_chunks) + (stream,)](*pairs, self.local, P, size, shuffle, counts, self.block_ptr,
                                                  out_heads, out_tails)
        return block_ptr


def _double_buffered(sampler: Any, stream: Any, released: tuple, fill: Any):
    """Yield ``(t, heads, tails, block_ptr, ready)`` for every pool, ``fill(t, heads, tails)`` queueing pool ``t``
    on ``stream`` into buffer ``t % 2`` and returning its block offsets.

    Double buffer: pool ``t`` is written to buffer ``t % 2`` once ``stream`` has waited for the event
    ``released[t % 2]`` (which the trainer records when it is done with pool ``t - 2``; ``None``: no wait), and
    ``ready`` is recorded on ``stream`` when the pool is complete. A pool stays valid until pool ``t + 2`` is
    asked for."""
    heads, tails = _pool_buffers(sampler)
    for t in range(sampler.n_pools):
        b = t % 2
        if released[b] is not None:
            released[b].wait(stream)
        block_ptr = fill(t, heads[b], tails[b])
        n = int(block_ptr[-1])
        yield t, heads[b][:n], tails[b][:n], block_ptr, _recorded(stream)


def device_pools(sampler: Any, stream: Any = None, released: tuple = (None, None)):
    """The pools made on the GPU by a :class:`DeviceSampler` on ``stream``, double-buffered
    (:func:`_double_buffered`)."""
    maker = DeviceSampler(sampler, stream)
    return _double_buffered(sampler, maker.stream, released, maker.pool)


def _host_pools(sampler: Any, stream: Any, released: tuple):
    """The host sampler's pools (double-buffered on the host too), copied to the device buffers on ``stream``
    (:func:`_double_buffered`)."""
    from .graphvite import pools

    made = pools(sampler)

    def fill(t: int, heads: Any, tails: Any) -> np.ndarray:
        _, (h, tl, block_ptr) = next(made)
        heads[:h.shape[0]].copy_to_device(h, stream=stream)
        tails[:h.shape[0]].copy_to_device(tl, stream=stream)
        return block_ptr

    return _double_buffered(sampler, stream, released, fill)


@cuda.jit
def _zero(a):
    i = cuda.grid(1)
    if i < a.shape[0]:
        a[i] = 0.0


def _warps(n: int, n_warps: int | None) -> tuple[int, int]:
    """(blocks, warps per block) of a launch over ``n`` samples: ``n_warps`` defaults to one per 32 samples, at
    most :data:`MAX_WARPS`."""
    n_warps = min(max(int(n) // WARP, 1), MAX_WARPS) if n_warps is None else int(n_warps)  # launches take ints
    per_block = min(WARPS_PER_BLOCK, n_warps)
    return -(-n_warps // per_block), per_block


def launch_block(V: Any, C: Any, heads: Any, tails: Any, nprob: Any, nalias: Any, skey: np.uint64,
                 num_negative: int, negative_weight: float, weight_decay: float, lr0: float, done: int, stride: int,
                 total: int, batch_size: int, losses: Any, stream: Any = 0, n_warps: int | None = None) -> None:
    """Queue one block on ``stream`` of the current CUDA device (arguments as the CPU ``train_block``; arrays are
    device arrays, or host arrays on the simulator); warp ``w`` adds its loss to ``losses[w]``, which must have
    a slot for every warp of the launch (:func:`_warps`)."""
    if V.shape[1] > MAX_DIM:
        raise ValueError(f"the CUDA kernel supports dim <= {MAX_DIM}, got {V.shape[1]}")
    n = heads.shape[0]
    if n == 0:
        return
    blocks, per_block = _warps(n, n_warps)
    # the kernel's shared array has WARPS_PER_BLOCK rows; fewer warps per block just leave rows unused
    kernel = _train(-(-V.shape[1] // WARP))
    kernel[blocks, per_block * WARP, stream](V, C, heads, tails, nprob, nalias, np.uint64(skey), num_negative,
                                             negative_weight, np.float32(weight_decay), lr0, np.int64(done),
                                             np.int64(stride), np.int64(total), np.int64(batch_size), losses)


def train_block(V: Any, C: Any, heads: Any, tails: Any, nprob: Any, nalias: Any, skey: np.uint64,
                num_negative: int, negative_weight: float, weight_decay: float, lr0: float, done: int,
                stride: int, total: int, batch_size: int, n_warps: int | None = None) -> float:
    """Run one block on the current CUDA device and wait for it (:func:`launch_block` on the default stream).
    ``n_warps`` defaults to one per 32 samples, at most :data:`MAX_WARPS`. Returns the summed loss."""
    blocks, per_block = _warps(heads.shape[0], n_warps)
    losses = cuda.to_device(np.zeros(blocks * per_block))
    launch_block(V, C, heads, tails, nprob, nalias, skey, num_negative, negative_weight, weight_decay, lr0, done,
                 stride, total, batch_size, losses, 0, n_warps)
    return float(losses.copy_to_host().sum())


def fit(sampler: Any, V: np.ndarray, C: np.ndarray, device: str, callback: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Train on one GPU: the GPU makes the pools itself where :func:`samples_on_device` holds, else the host
    sampler fills them (double-buffered) and they are copied over; the GPU trains each block.

    The blocks run one after another, in the CPU trainer's order and with its learning-rate counters: a
    pool's episodes are the diagonals :math:`\{(i, (i + r) \bmod P)\}` (``block_schedule(P, P)``), and
    sample ``k`` of the block of worker slot ``w`` in an episode that starts at sample count ``done`` and
    has ``a`` blocks counts as sample ``done + w + k a`` (as in
    :func:`graphsample.embedding._graphvite_cpu.train_episodes`). The blocks of an episode share no
    vertex and no context row, so running them in sequence equals running them in parallel; with one
    warp per block the embeddings equal the CPU trainer's to float rounding.

    Training and sampling overlap, as GraphVite's double buffer has them: the blocks of pool ``t`` run on one
    stream while pool ``t + 1`` is made (or copied) on a second one of higher priority
    (:func:`graphsample._backend.priority_stream`), each stream waiting on the other only through events (pool
    ready, buffer released). The host queues pool ``t``'s blocks before it waits for pool ``t - 1``'s loss
    (copied to pinned memory), so ``callback`` runs one pool behind the GPU.
    """
    from .._backend import priority_stream
    from .graphvite import block_counters, block_schedule

    h = sampler.hyper
    P, pp = sampler.P, sampler.part_ptr
    train_stream, sample_stream = cuda.stream(), priority_stream()
    dV, dC = cuda.to_device(V, stream=train_stream), cuda.to_device(C, stream=train_stream)
    dprob, dalias = (cuda.to_device(a, stream=train_stream) for a in (sampler.nprob, sampler.nalias))
    losses = [cuda.device_array(MAX_WARPS) for _ in range(2)]
    host_losses = [cuda.pinned_array(MAX_WARPS) for _ in range(2)]
    released = [cuda.event(), cuda.event()]
    episodes = block_schedule(P, P)
    done, pending = 0, None
    source = device_pools if samples_on_device(sampler) else _host_pools
    for t, dh, dt, block_ptr, ready in source(sampler, sample_stream, released):
        b = t % 2
        ready.wait(train_stream)
        used = max(math.prod(_warps(n, None)) for n in np.diff(block_ptr))  # loss slots the pool's blocks use
        _zero[_grid(used) + (train_stream,)](losses[b][:used])
        start = block_counters(block_ptr, P, done)
        for i, j in episodes.reshape(-1, 2):  # diagonal after diagonal, as the CPU trainer
            k = i * P + j
            lo, hi = block_ptr[k], block_ptr[k + 1]
            launch_block(dV[pp[i]:pp[i + 1]], dC[pp[j]:pp[j + 1]], dh[lo:hi], dt[lo:hi], dprob[pp[j]:pp[j + 1]],
                         dalias[pp[j]:pp[j + 1]], sampler.block_key(t, k), h.num_negative,
                         h.negative_weight, h.weight_decay, h.lr, int(start[k]), P, sampler.total, h.batch_size,
                         losses[b], train_stream)
        released[b].record(train_stream)
        losses[b][:used].copy_to_host(host_losses[b][:used], stream=train_stream)
        done += int(block_ptr[-1])
        if pending is not None:
            _report(pending, callback)
        pending = (_recorded(train_stream), host_losses[b][:used], done, sampler.total, int(block_ptr[-1]))
    _report(pending, callback)
    V, C = dV.copy_to_host(stream=train_stream), dC.copy_to_host(stream=train_stream)
    train_stream.synchronize()
    return V, C


def _report(pending: tuple, callback: Any) -> None:
    """Wait for a pool's blocks (its event) and give ``callback`` its mean loss."""
    finished, host_losses, done, total, n = pending
    finished.synchronize()
    if callback is not None:
        callback(done, total, float(host_losses.sum()) / max(n, 1))
