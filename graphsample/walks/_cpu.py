"""Numba CPU kernels of the walk engine and of SRRW.

The walk kernel uses **step interleaving**: each thread owns a block of :data:`BLOCK` walkers and advances
all of them by one step before any takes the next, so the core has ``BLOCK`` independent neighbour-list
gathers in flight instead of one dependent chain of cache misses. Threads take contiguous ranges of blocks
(``prange`` over ``nchunks`` chunks); results never depend on the split because every random number is
keyed by (seed, walker id, step) (see :mod:`._step`).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from .. import _random
from ._step import make_step_functions
from .alias import alias_draw

_f = make_step_functions(numba.njit(inline="always"), _random, alias_draw, cold_jit=numba.njit)
advance = _f.advance
cdf_row = _f.cdf_row
uniform_step = _f.uniform_step
config = _f.config
srrw_chain = _f.srrw_chain
arc_position = _f.arc_position  # also used by the GraphVite sampler
stream_key = _random.stream_key

#: walkers advanced together by one thread
BLOCK = 64

MODE_PATHS, MODE_ENDS, MODE_COUNTS = 0, 1, 2


@numba.njit(parallel=True, nogil=True, cache=True)
def walk_kernel(indptr, indices, cdf, aprob, aalias, h, fp, ip, key, starts, length, mode, nchunks,
                paths, lens, counts):
    """Walk from every ``starts[w]`` for up to ``length`` steps.

    mode 0 writes ``paths[w, :lens[w]]`` and pads the row with -1, mode 1 writes the end node of walk ``w``
    to ``lens[w]``, mode 2 adds every visited node (start included) to ``counts[chunk]``.
    """
    cfg = config(fp, ip)
    plain = cfg[10] and cfg[0] == 0.0 and not cfg[9]
    n_walkers = starts.shape[0]
    nblocks = (n_walkers + BLOCK - 1) // BLOCK
    for ch in prange(nchunks):
        cur = np.empty(BLOCK, np.int64)
        prev = np.empty(BLOCK, np.int64)
        skeys = np.empty(BLOCK, np.uint64)
        alive = np.empty(BLOCK, np.bool_)
        nlen = np.empty(BLOCK, np.int64)
        nxt = np.empty(BLOCK, np.int64)
        nprev = np.empty(BLOCK, np.int64)
        for bi in range(ch * nblocks // nchunks, (ch + 1) * nblocks // nchunks):
            lo = bi * BLOCK
            nb = min(BLOCK, n_walkers - lo)
            for b in range(nb):
                cur[b] = starts[lo + b]
                prev[b] = -1
                skeys[b] = stream_key(key, lo + b)
                alive[b] = True
                nlen[b] = length + 1
                if mode == MODE_PATHS:
                    paths[lo + b, 0] = cur[b]
                elif mode == MODE_COUNTS:
                    counts[ch, cur[b]] += 1
            n_alive = nb
            for s in range(length):
                if n_alive == 0:
                    break
                # two passes: the gathers of all walkers first (nothing else in the loop, so the core
                # overlaps their cache misses), then the bookkeeping
                if plain:  # uniform, no restart coin, sinks stop: the gather loop is just the step
                    for b in range(nb):
                        if alive[b]:
                            nxt[b] = uniform_step(indptr, indices, skeys[b], s, cur[b])
                            nprev[b] = cur[b]
                else:
                    for b in range(nb):
                        if alive[b]:
                            nxt[b], nprev[b] = advance(indptr, indices, cdf, aprob, aalias, h, cfg, skeys[b], s, cur[b],
                                                       prev[b], starts[lo + b])
                for b in range(nb):
                    if not alive[b]:
                        continue
                    x = nxt[b]
                    if x < 0:
                        alive[b] = False
                        nlen[b] = s + 1
                        n_alive -= 1
                        continue
                    prev[b] = nprev[b]
                    cur[b] = x
                    if mode == MODE_PATHS:
                        paths[lo + b, s + 1] = x
                    elif mode == MODE_COUNTS:
                        counts[ch, x] += 1
            for b in range(nb):
                lens[lo + b] = nlen[b] if mode != MODE_ENDS else cur[b]
                if mode == MODE_PATHS:
                    paths[lo + b, nlen[b]:] = -1


@numba.njit(parallel=True, nogil=True, cache=True)
def srrw_kernel(indptr, indices, logp, logp_self, logmu, mu, f, alpha, log_gamma, log_keep, key,
                cur, z, keys, log_scale, checkpoints, tvd, fsum, path):
    """Advance SRRW chain ``c`` (RNG stream ``c``) for every ``c`` in parallel; see ``_step.srrw_chain``."""
    for c in prange(cur.shape[0]):
        cur[c], log_scale[c] = srrw_chain(indptr, indices, logp, logp_self, logmu, mu, f, alpha, log_gamma,
                                          log_keep, stream_key(key, c), cur[c], z[c], keys[c], log_scale[c],
                                          checkpoints, tvd[c], fsum[c], path[c])


@numba.njit(parallel=True, nogil=True, cache=True)
def build_cdf(indptr, weights, cdf):
    """Per-node cumulative distributions of the out-arc weights (``_step.cdf_row`` for every node)."""
    for u in prange(indptr.shape[0] - 1):
        cdf_row(indptr, weights, cdf, u)
