r"""Numba CPU kernels of the GraphVite-style trainer: sample generation, block binning, SGD on blocks.

* :func:`generate_samples` -- online augmentation (:mod:`._augmentation`): one walk per stream, and the
  augmented positive pairs ``(walk[j], walk[j+k])``, ``k = 1..s``, written at fixed slots.
* :func:`bin_samples` -- counting sort of a pool into the ``P x P`` blocks (head partition, tail partition),
  with partition-local ids and the optional LINE pseudo-shuffle inside each block, parallel over chunks.
* :func:`train_block` -- SGD on one block (serial, lock-free because the block's head rows and tail rows
  belong to this worker alone); :func:`train_episodes` runs the orthogonal blocks of several episodes in
  parallel threads.

All randomness is the counter-based RNG of :mod:`graphsample._random`: walk ``w`` uses stream ``w``
(global walk number) and block ``b`` of pool ``t`` uses stream ``t * P * P + b`` for its negatives, so
results do not depend on the thread count.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from .. import _random
from .._random import random_uniform, stream_key
from ..walks._cpu import arc_position
from ..walks.alias import alias_draw
from ._augmentation import make_augmentation_functions, samples_per_walk
from ._sgd import make_sgd_functions


_aug = make_augmentation_functions(numba.njit(inline="always"), _random, alias_draw, arc_position)
augment_walk, line_slot = _aug.walk, _aug.line_slot
_sgd = make_sgd_functions(numba.njit(inline="always"), _random, alias_draw, np.exp)
negative, learning_rate, logistic = _sgd.negative, _sgd.learning_rate, _sgd.logistic
#: walks per chunk of :func:`generate_samples` (one walk buffer per chunk, not one allocation per walk)
_WALK_CHUNK = 64


@numba.njit(parallel=True, nogil=True, cache=True)
def generate_samples(indptr, indices, prob, alias, arc_src, arc_prob, arc_alias, weighted, stop, key, walk0,
                     n_walks, walk_length, s, inv_p, inv_q, second_order, heads, tails):
    """Fill ``heads``/``tails`` (length ``n_walks * samples_per_walk``) with the augmented pairs of the walks
    ``walk0 .. walk0 + n_walks - 1`` (:mod:`._augmentation`), walk ``w``'s at slots ``w * spw ..``.

    Walks stop at the nodes marked in ``stop``: those whose out-arcs weigh 0 in all (none, or all of weight 0,
    where a weighted draw is undefined). A slot whose pair does not exist (its walk stopped) holds -1.
    """
    spw = samples_per_walk(walk_length, s)
    n_chunks = -(-n_walks // _WALK_CHUNK)
    for ch in prange(n_chunks):
        walk = np.empty(walk_length + 1, np.int64)
        for w in range(ch * _WALK_CHUNK, min(n_walks, (ch + 1) * _WALK_CHUNK)):
            length = augment_walk(indptr, indices, prob, alias, arc_src, arc_prob, arc_alias, weighted, stop,
                                  stream_key(key, walk0 + w), inv_p, inv_q, second_order, walk)
            o = w * spw
            for j in range(walk_length + 1):
                for k in range(1, s + 1):
                    if j + k <= walk_length:
                        if j + k < length:
                            heads[o] = walk[j]
                            tails[o] = walk[j + k]
                        else:
                            heads[o] = -1
                            tails[o] = -1
                        o += 1


@numba.njit(parallel=True, nogil=True, cache=True)
def init_uniform(skey, out):
    """``out[i, j] = (u - 0.5) / d`` with ``u`` the uniform number ``i d + j`` of stream key ``skey``:
    :math:`U(-0.5/d, 0.5/d)` rows, equal to :func:`graphsample._random.uniform_array` on the same stream."""
    n, d = out.shape
    for i in prange(n):
        for j in range(d):
            out[i, j] = (random_uniform(skey, i * d + j) - 0.5) / d


#: pairs per chunk of the parallel binning (chunks are a function of the pool size, not of the thread count)
_BIN_CHUNK = 16384


@numba.njit(parallel=True, nogil=True, cache=True)
def bin_samples(heads, tails, part, local, P, shuffle, out_heads, out_tails, block_ptr):
    """Counting-sort the valid pairs into blocks ``b = part[head] * P + part[tail]`` (local ids out).

    Within a block, pairs keep generation order (DeepWalk); with ``shuffle = s > 1`` the ``o``-th pair
    goes to slot ``start(o mod s) + o // s`` (the LINE pseudo-shuffle), where ``start(r)`` counts the
    pairs whose residue is below ``r``. Returns the number of pairs binned.

    Parallel in two passes over chunks of the pool: each chunk counts its pairs per block, an exclusive
    scan over (block, chunk) gives every chunk the rank of its first pair in each block, and the chunks
    then scatter in parallel; the result is the one of a serial pass in generation order.
    """
    nb = P * P
    n = heads.shape[0]
    n_chunks = min(max(n // _BIN_CHUNK, 1), 1024, max((1 << 22) // nb, 1))
    size = -(-n // n_chunks)
    counts = np.empty((n_chunks, nb), np.int64)
    for c in prange(n_chunks):
        own = np.zeros(nb, np.int64)  # the thread's own counters: rows of `counts` can share a cache line
        for o in range(c * size, min(n, (c + 1) * size)):
            if heads[o] >= 0:
                own[part[heads[o]] * P + part[tails[o]]] += 1
        counts[c] = own
    block_ptr[0] = 0
    for b in range(nb):
        rank = 0
        for c in range(n_chunks):
            k = counts[c, b]
            counts[c, b] = rank  # now: rank of chunk c's first pair in block b
            rank += k
        block_ptr[b + 1] = block_ptr[b] + rank
    if nb == 1 and shuffle <= 1:  # one block in generation order (one worker, DeepWalk): a compaction, with the
        for c in prange(n_chunks):  # write position in a register rather than in memory (twice as fast)
            r = counts[c, 0]
            for o in range(c * size, min(n, (c + 1) * size)):
                h = heads[o]
                if h >= 0:
                    out_heads[r] = local[h]
                    out_tails[r] = local[tails[o]]
                    r += 1
        return block_ptr[1]
    for c in prange(n_chunks):
        fill = counts[c].copy()
        for o in range(c * size, min(n, (c + 1) * size)):
            h = heads[o]
            if h < 0:
                continue
            t = tails[o]
            b = part[h] * P + part[t]
            r = fill[b]
            fill[b] += 1
            if shuffle > 1:
                r = line_slot(r, block_ptr[b + 1] - block_ptr[b], shuffle)
            out_heads[block_ptr[b] + r] = local[h]
            out_tails[block_ptr[b] + r] = local[t]
    return block_ptr[nb]


@numba.njit(nogil=True, cache=True)
def draw_negatives(nprob, nalias, skey, n_samples, K):
    """The negatives ``train_block`` draws for ``n_samples`` samples (an ``n_samples x K`` array; for tests)."""
    out = np.empty((n_samples, K), np.int64)
    for k in range(n_samples):
        for n in range(K):
            out[k, n] = negative(nprob, nalias, skey, k, K, n)
    return out


@numba.njit(nogil=True, cache=True, fastmath=True)
def train_block(V, C, heads, tails, nprob, nalias, skey, num_negative, negative_weight, weight_decay,
                lr0, done, stride, total, batch_size):
    """SGD on one block: ``V``/``C`` are the head / tail partitions' rows, ids local to them.

    Sample ``k`` (a pair ``(u, v)``) uses the learning rate of batch ``(done + k * stride) // batch_size``
    out of ``total / batch_size``, decayed linearly to ``1e-4 * lr0``, and negatives drawn from the alias
    table ``nprob/nalias`` of the tail partition with counters ``2 (k K + n)``, ``2 (k K + n) + 1``.
    For each context ``c`` (the positive, label 1, weight 1; then each negative, label 0, weight
    ``negative_weight``): ``g = w (sigmoid(x_u . y_c) - label)``, ``grad_u += g y_c`` (old ``y_c``),
    ``y_c -= lr (g x_u + decay y_c)``; finally ``x_u -= lr (grad_u + decay x_u)``. Returns the summed loss,
    ``w softplus(-x_u . y_c)`` for the positive and ``w softplus(x_u . y_c)`` for each negative. The rate,
    the negatives and the logistic terms are :mod:`._sgd`'s, as on the GPU.
    """
    d = V.shape[1]
    grad = np.empty(d, np.float32)
    x = np.empty(d, np.float32)
    n_batches = max(total / batch_size, 1.0)
    wneg = np.float32(negative_weight)
    decay = np.float32(weight_decay)
    loss = 0.0
    for k in range(heads.shape[0]):
        lr = learning_rate(lr0, done, k, stride, batch_size, n_batches)
        xu = V[heads[k]]
        for i in range(d):
            grad[i] = 0.0
            x[i] = xu[i]
        for n in range(num_negative + 1):
            if n == 0:
                y = C[tails[k]]
                w = np.float32(1.0)
                label = np.float32(1.0)
            else:
                y = C[negative(nprob, nalias, skey, k, num_negative, n - 1)]
                w = wneg
                label = np.float32(0.0)
            logit = np.float32(0.0)
            for i in range(d):
                logit += x[i] * y[i]
            term, g = logistic(logit, label, w)
            loss += term
            for i in range(d):
                yi = y[i]
                grad[i] += g * yi
                y[i] = yi - lr * (g * x[i] + decay * yi)
        for i in range(d):
            xu[i] = x[i] - lr * (grad[i] + decay * x[i])
    return loss


@numba.njit(parallel=True, nogil=True, cache=True)
def train_episodes(V, C, part_ptr, heads, tails, block_ptr, episodes, nprob, nalias, key, stream0,
                   num_negative, negative_weight, weight_decay, lr0, done0, total, batch_size, losses):
    """Train the blocks of ``episodes`` (``E x W x 2`` head/tail partitions, -1 = idle worker) in order;
    the blocks of one episode run in parallel threads (they share no row). Per-block losses go to
    ``losses``; returns the number of samples trained."""
    P = part_ptr.shape[0] - 1
    done = done0
    for e in range(episodes.shape[0]):
        W = episodes.shape[1]
        size = np.int64(0)
        active = np.int64(0)
        for w in range(W):
            if episodes[e, w, 0] >= 0:
                b = episodes[e, w, 0] * P + episodes[e, w, 1]
                size += block_ptr[b + 1] - block_ptr[b]
                active += 1
        for w in prange(W):
            i = episodes[e, w, 0]
            if i < 0:
                continue
            j = episodes[e, w, 1]
            b = i * P + j
            hi, hj = part_ptr[i], part_ptr[j]
            losses[b] = train_block(V[hi:part_ptr[i + 1]], C[hj:part_ptr[j + 1]],
                                    heads[block_ptr[b]:block_ptr[b + 1]], tails[block_ptr[b]:block_ptr[b + 1]],
                                    nprob[hj:part_ptr[j + 1]], nalias[hj:part_ptr[j + 1]],
                                    stream_key(key, stream0 + b), num_negative, negative_weight, weight_decay,
                                    lr0, done + w, active, total, batch_size)
        done += size
    return done - done0
