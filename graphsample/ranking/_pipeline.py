r"""Lin's parallel pipelines: restart walks advanced one superstep at a time, in waves, over graph shards.

State is an array of live walkers (source, walker id, current node, own step). Every superstep each live
walker makes one move (or stops), ended walkers contribute a (source, end) key, and one new *wave* enters:
the :math:`\omega` walks per source are split into :math:`\lceil\omega/\gamma\rceil` waves of
:math:`\gamma` walks per source, wave :math:`i+1` starting as soon as wave :math:`i` made its first step
(Lin, WWW 2019, Fig. 2).

**Cost model for** :math:`\gamma` (:func:`wave_size`): a wave of :math:`\gamma n` walkers still has
:math:`\gamma n d^t` walkers after :math:`t` supersteps, so with a wave entering each superstep about
:math:`\gamma n \sum_t d^t = \gamma n/\alpha` walkers are alive; each costs :data:`WALKER_BYTES` (state,
its next state and its routing copy), and :math:`\gamma` is the largest value whose live set fits the
memory budget. Supersteps number about :math:`\lceil\omega/\gamma\rceil + \ln(\omega n)/\alpha`.

**Short walk segments ("big moves")**: a node of out-degree :math:`1..` ``segment_degree`` serves segments,
walks of up to ``segment_length`` moves started there. Segment :math:`k` of node :math:`c` is a pure
function of (seed, c, k): the first ``min(gamma, 64)`` per node are precomputed before the walks start,
later ones are generated on demand. Walkers standing on a small node at a superstep take the node's next
unused segments in order of walker id, so every segment is used once (walks stay independent) and the
assignment does not depend on threads or on how walkers were routed. A segment stops early at a dangling
node and at the boundary of its fixed block of ``segment_block`` nodes, so shards made of whole blocks
(:mod:`.dask` Mode B) see the same segments for any number of workers.

**Counting**: ended keys :math:`u n + v` are combined per superstep by sort/unique (combine), merged at the
end, and reduced to the per-source top-k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np
from numba import prange

from .. import _random
from ._sampler import Sampler, next_node, out_degree, walk_degrees

#: bytes of one live walker in the cost model: 4 int64 of state, twice (step output, routing copy)
WALKER_BYTES = 64
#: precomputed segments per small node, at most
MAX_PRECOMPUTED = 64
_SEGMENT_SALT = np.uint64(0x5E65E65E65E65E65)


def wave_size(memory_budget: int, n_sources: int, omega: int, alpha: float) -> int:
    r""":math:`\gamma = \lfloor B\alpha / (n\,\mathrm{WALKER\_BYTES}) \rfloor`, clipped to 1..omega."""
    gamma = int(memory_budget * alpha // (max(n_sources, 1) * WALKER_BYTES))
    return max(1, min(omega, gamma))


@dataclass
class Shard:
    """The rows ``lo:hi`` of the graph with their sampler (targets keep global ids) and segment tables."""

    lo: int
    hi: int
    n: int
    sampler: Sampler
    key: np.uint64
    alpha: float
    dangling: int
    segment_degree: int
    segment_length: int
    segment_block: int
    seg_count: int  # precomputed segments per small node
    seg_end: np.ndarray  # (hi-lo, seg_count) end node, -1 for non-small rows
    seg_moves: np.ndarray
    seg_done: np.ndarray  # walk stopped inside the segment
    small: np.ndarray  # (hi-lo,) rows that serve segments: 1 <= out_degree <= segment_degree


def make_shard(sampler: Sampler, lo: int, hi: int, n: int, key: np.uint64, alpha: float, dangling: int,
               segment_degree: int, segment_length: int, segment_block: int, seg_count: int) -> Shard:
    """Cut rows ``lo:hi`` out of a whole-graph sampler and precompute their segments."""
    s = sampler
    ip = s.indptr[lo:hi + 1]
    sub_indptr = ip - ip[0]
    indices = s.indices[ip[0]:ip[-1]]
    if s.weighted:
        g0, g1 = s.gptr[lo], s.gptr[hi]
        gptr = s.gptr[lo:hi + 1] - g0
        gstart = s.gstart[g0:g1 + 1] - ip[0]
        sub = Sampler(sub_indptr, indices, True, gptr, gstart, s.prob_in[ip[0]:ip[-1]], s.alias_in[ip[0]:ip[-1]],
                      s.prob_top[g0:g1], s.alias_top[g0:g1])
    else:
        sub = Sampler(sub_indptr, indices, False, s.gptr, s.gstart, s.prob_in, s.alias_in, s.prob_top, s.alias_top)
    deg = walk_degrees(sub)
    sh = Shard(lo, hi, n, sub, key, alpha, dangling, segment_degree, segment_length, segment_block, seg_count,
               *(np.zeros((hi - lo, seg_count), np.int64) for _ in range(3)), (deg >= 1) & (deg <= segment_degree))
    if segment_degree > 0 and seg_count > 0:
        _precompute(lo, seg_count, *_kernel_args(sh), sh.small, sh.seg_end, sh.seg_moves, sh.seg_done)
    return sh


def _kernel_args(sh: Shard) -> tuple:
    s = sh.sampler
    return (sh.key ^ _SEGMENT_SALT, sh.alpha, sh.n, sh.dangling, sh.segment_length,
            sh.segment_block, s.indptr, s.indices, s.weighted, s.gptr, s.gstart, s.prob_in, s.alias_in, s.prob_top,
            s.alias_top)


@numba.njit(nogil=True, cache=True)
def _segment(c, lo, k, skey, alpha, n, dangling, seg_length, seg_block, indptr, indices, weighted,
             gptr, gstart, prob_in, alias_in, prob_top, alias_top):
    """Segment ``k`` of node ``c``: (end node, moves, stopped). Stops at dangling nodes and block boundaries."""
    sk = _random.stream_key(_random.stream_key(skey, c), k)
    block = c // seg_block
    cur = c
    for t in range(seg_length):
        row = cur - lo
        if out_degree(row, indptr, weighted, gptr, prob_top) == 0:
            return cur, t, False
        nx = next_node(row, cur, sk, t, alpha, n, dangling, indptr, indices, weighted, gptr, gstart,
                       prob_in, alias_in, prob_top, alias_top)
        if nx < 0:
            return cur, t, True
        cur = nx
        if cur // seg_block != block:
            return cur, t + 1, False
    return cur, seg_length, False


@numba.njit(parallel=True, nogil=True, cache=True)
def _precompute(lo, seg_count, skey, alpha, n, dangling, seg_length, seg_block, indptr, indices,
                weighted, gptr, gstart, prob_in, alias_in, prob_top, alias_top, small, seg_end, seg_moves, seg_done):
    """The first ``seg_count`` segments of every ``small`` row (:attr:`Shard.small`); -1 ends elsewhere."""
    for row in prange(indptr.shape[0] - 1):
        for k in range(seg_count):
            if small[row]:
                e, m, s = _segment(lo + row, lo, k, skey, alpha, n, dangling, seg_length, seg_block,
                                   indptr, indices, weighted, gptr, gstart, prob_in, alias_in, prob_top,
                                   alias_top)
                seg_end[row, k], seg_moves[row, k], seg_done[row, k] = e, m, s
            else:
                seg_end[row, k] = -1


@numba.njit(parallel=True, nogil=True, cache=True)
def _step(w_src, w_id, w_cur, w_step, seg_k, lo, key, seg_end, seg_moves, seg_done, skey, alpha, n, dangling,
          seg_length, seg_block, indptr, indices, weighted, gptr, gstart, prob_in, alias_in,
          prob_top, alias_top, done, moves):
    """One superstep for every walker: a segment where ``seg_k >= 0``, else its own next step."""
    for i in prange(w_cur.shape[0]):
        c = w_cur[i]
        row = c - lo
        k = seg_k[i]
        if k >= 0:
            if k < seg_end.shape[1]:
                e, m, s = seg_end[row, k], seg_moves[row, k], seg_done[row, k]
            else:
                e, m, s = _segment(c, lo, k, skey, alpha, n, dangling, seg_length, seg_block,
                                   indptr, indices, weighted, gptr, gstart, prob_in, alias_in, prob_top, alias_top)
            w_cur[i] = e
            moves[i] = m
            done[i] = s
            continue
        sk = _random.stream_key(key, w_id[i])
        nx = next_node(row, w_src[i], sk, w_step[i], alpha, n, dangling, indptr, indices, weighted, gptr, gstart,
                       prob_in, alias_in, prob_top, alias_top)
        w_step[i] += 1
        if nx < 0:
            done[i] = True
            moves[i] = 0
        else:
            w_cur[i] = nx
            done[i] = False
            moves[i] = 1


def _segment_ranks(cur: np.ndarray, wid: np.ndarray, small: np.ndarray, cursor: np.ndarray,
                   lo: int) -> np.ndarray:
    """Segment index for walkers on small nodes (-1 elsewhere): next unused ones, in walker-id order."""
    k = np.full(cur.shape[0], -1, np.int64)
    idx = np.flatnonzero(small[cur - lo])
    if idx.shape[0] == 0:
        return k
    order = idx[np.lexsort((wid[idx], cur[idx]))]
    c = cur[order]
    first = np.r_[True, c[1:] != c[:-1]]
    start = np.flatnonzero(first)
    rank = np.arange(order.shape[0]) - np.repeat(start, np.diff(np.r_[start, order.shape[0]]))
    k[order] = cursor[c - lo] + rank
    np.add.at(cursor, c[first] - lo, np.diff(np.r_[start, order.shape[0]]))
    return k


def inject(sources: np.ndarray, omega: int, gamma: int, wave: int) -> tuple[np.ndarray, ...]:
    """Walkers of ``wave`` for ``sources``: (source, id, current node, step)."""
    j0, j1 = wave * gamma, min(omega, (wave + 1) * gamma)
    src = np.repeat(sources, j1 - j0)
    wid = src * omega + np.tile(np.arange(j0, j1, dtype=np.int64), sources.shape[0])
    return src, wid, src.copy(), np.zeros(src.shape[0], np.int64)


def superstep(sh: Shard, cursor: np.ndarray, walkers: tuple[np.ndarray, ...]) -> tuple:
    """Advance ``walkers`` (all standing on rows of ``sh``) one superstep.

    Returns (survivors, combined ended (keys, counts), arc moves); ``cursor`` (segments used per row) is updated.
    """
    src, wid, cur, step = (np.ascontiguousarray(a) for a in walkers)
    cur = cur.copy()
    step = step.copy()
    if sh.segment_degree > 0:
        k = _segment_ranks(cur, wid, sh.small, cursor, sh.lo)
    else:
        k = np.full(cur.shape[0], -1, np.int64)
    done = np.zeros(cur.shape[0], np.bool_)
    moves = np.zeros(cur.shape[0], np.int64)
    _step(src, wid, cur, step, k, sh.lo, sh.key, sh.seg_end, sh.seg_moves, sh.seg_done, *_kernel_args(sh),
          done, moves)
    keys, counts = np.unique(src[done] * sh.n + cur[done], return_counts=True)
    live = ~done
    return (src[live], wid[live], cur[live], step[live]), (keys, counts), int(moves.sum())


def merge_counts(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Sum the counts of equal keys over combined (keys, counts) parts."""
    keys = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    counts = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    uk, inv = np.unique(keys, return_inverse=True)
    return uk, np.bincount(inv, weights=counts, minlength=uk.shape[0]).astype(np.int64)


def top_per_source(keys: np.ndarray, counts: np.ndarray, sources: np.ndarray, n: int, omega: int, cap: int,
                   min_count: int) -> tuple[np.ndarray, ...]:
    """Per-source top-``cap`` CSR (rows in the order of ``sources``) from unique (source*n + end) keys."""
    src, end = keys // n, keys % n
    order = np.lexsort((end, -counts, src))
    src, end, cnt = src[order], end[order], counts[order]
    first = np.r_[True, src[1:] != src[:-1]] if src.shape[0] else np.zeros(0, bool)
    start = np.flatnonzero(first)
    rank = np.arange(src.shape[0]) - np.repeat(start, np.diff(np.r_[start, src.shape[0]]))
    keep = (rank < cap) & (cnt >= min_count)
    src, end, cnt = src[keep], end[keep], cnt[keep]
    row_of = np.full(n, -1, np.int64)
    row_of[sources] = np.arange(sources.shape[0])
    rows = row_of[src]
    o = np.argsort(rows, kind="stable")
    indptr = np.zeros(sources.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=sources.shape[0]), out=indptr[1:])
    return indptr, end[o], cnt[o] / omega


def run_pipeline(sampler: Sampler, sources: np.ndarray, omega: int, key: np.uint64, alpha: float, n: int,
                 dangling: int, cap: int, min_count: int, memory_budget: int, segment_degree: int,
                 segment_length: int, progress: Callable[[int, int], None] | None = None,
                 segment_block: int = 1 << 16) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The single-process pipeline engine (one shard holding the whole graph)."""
    gamma = wave_size(memory_budget, sources.shape[0], omega, alpha)
    sh = make_shard(sampler, 0, n, n, key, alpha, dangling, segment_degree, segment_length, segment_block,
                    min(gamma, MAX_PRECOMPUTED) if segment_degree > 0 else 0)
    cursor = np.zeros(n, np.int64)
    n_waves = -(-omega // gamma)
    live = tuple(np.zeros(0, np.int64) for _ in range(4))
    ended, total_moves, wave, done_walks = [], 0, 0, 0
    while wave < n_waves or live[0].shape[0]:
        if wave < n_waves:
            live = tuple(np.concatenate([a, b]) for a, b in zip(live, inject(sources, omega, gamma, wave)))
            wave += 1
        before = live[0].shape[0]
        live, counts, moves = superstep(sh, cursor, live)
        ended.append(counts)
        total_moves += moves
        done_walks += before - live[0].shape[0]
        if progress is not None:
            progress(done_walks, total_moves)
    keys, counts = merge_counts(ended)
    return (*top_per_source(keys, counts, sources, n, omega, cap, min_count), total_moves)
