r"""Online augmentation of the GraphVite trainer, written once for Numba CPU and numba.cuda.

GraphVite (Zhu et al., WWW 2019, Sec. 3.1) makes its positive samples from random walks: walk ``w`` starts
on an arc drawn with probability proportional to its weight (the alias table over all arcs), then takes
first-order steps (alias draw over the current row) or node2vec's second-order steps (a first-order
proposal ``x`` after ``t -> v`` kept with probability :math:`\alpha(t, x) / \max(1/p, 1, 1/q)`,
:math:`\alpha = 1/p` if ``x = t``, 1 if the arc ``x -> t`` exists, :math:`1/q` otherwise). Every pair
``(walk[j], walk[j + k])``, ``k = 1..s``, is a positive sample; a walk of ``L`` steps gives
:math:`s (L + 1) - s (s + 1) / 2` of them, in ``j``-major order (:func:`pair_of` maps a pair's rank to
``(j, k)``). LINE then pseudo-shuffles a block: its ``o``-th pair goes to slot ``start(o mod s) + o // s``
(:func:`line_slot`; :func:`line_source` is the inverse map).

The functions are plain Python over scalars and 1-D arrays, compiled by ``numba.njit(inline="always")`` for
the CPU sampler (:mod:`._graphvite_cpu`) and by ``cuda.jit(device=True)`` for the GPU sampler
(:mod:`._graphvite_cuda`), against the counter-based RNG of :mod:`graphsample._random`: walk ``w`` uses
the stream ``w`` (its global number) with counters 0, 1 for the start arc, then 2 per first-order step or
3 per second-order proposal, so both give the same walks. After editing this file, clear the Numba
cache of the CPU kernels (``make clean-cache``).
"""

from __future__ import annotations

from types import SimpleNamespace

import numba
import numpy as np


@numba.njit(cache=True)
def samples_per_walk(walk_length: int, s: int) -> int:
    """Positive pairs of one full walk of ``walk_length`` steps with augmentation step ``s``."""
    return s * (walk_length + 1) - s * (s + 1) // 2


def make_augmentation_functions(jit, rng, alias_draw, arc_position) -> SimpleNamespace:
    """Compile the augmentation functions with ``jit`` against the RNG namespace ``rng`` (``random_uniform``),
    the alias draw and the arc search of the walk engine (:mod:`graphsample.walks`)."""
    random_uniform = rng.random_uniform

    def _draw(prob, alias, weighted, start, degree, skey, c):
        """An entry of ``start .. start + degree - 1`` with the uniforms of counters ``c, c + 1``: an alias draw
        when ``weighted``, else ``u1 * degree`` rounded down (what a table of equal weights gives) without
        reading a table, a cache miss a step saved."""
        u1 = random_uniform(skey, c)
        if not weighted:
            j = np.int64(u1 * degree)
            return j if j < degree else degree - 1
        return alias_draw(prob, alias, start, degree, u1, random_uniform(skey, c + 1))

    draw = jit(_draw)

    def _step(indptr, indices, prob, alias, weighted, v, skey, c):
        return indices[indptr[v] + draw(prob, alias, weighted, indptr[v], indptr[v + 1] - indptr[v], skey, c)]

    step = jit(_step)

    def _walk(indptr, indices, prob, alias, arc_src, arc_prob, arc_alias, weighted, stop, skey, inv_p, inv_q,
              second_order, walk):
        """Fill ``walk`` (``L + 1`` entries for ``L`` steps) with the walk of stream key ``skey``; return its
        length, less than ``L + 1`` when it reached a node marked in ``stop`` (no out-arc of positive weight)."""
        last = walk.shape[0] - 1
        amax = max(inv_p, 1.0, inv_q)
        e = draw(arc_prob, arc_alias, weighted, 0, arc_src.shape[0], skey, 0)
        walk[0] = arc_src[e]
        walk[1] = indices[e]
        c = np.int64(2)
        length = 2
        while length <= last:
            v = walk[length - 1]
            if stop[v]:
                break
            if second_order:
                t = walk[length - 2]
                while True:
                    x = step(indptr, indices, prob, alias, weighted, v, skey, c)
                    r = random_uniform(skey, c + 2) * amax
                    c += 3
                    if x == t:
                        a = inv_p
                    elif arc_position(indptr, indices, x, t) >= 0:  # x is t's neighbour: the arc x -> t
                        a = 1.0
                    else:
                        a = inv_q
                    if r < a:
                        break
            else:
                x = step(indptr, indices, prob, alias, weighted, v, skey, c)
                c += 2
            walk[length] = x
            length += 1
        return length

    def _pair_of(q, walk_length, s):
        """``(j, k)`` of the ``q``-th pair of a walk: pairs run ``j``-major, ``k = 1..s`` while ``j + k <= L``."""
        full = (walk_length - s + 1) * s  # j = 0 .. L - s have all s pairs
        if q < full:
            return q // s, q % s + 1
        q -= full
        j = walk_length - s + 1
        width = s - 1
        while q >= width:
            q -= width
            j += 1
            width -= 1
        return j, q + 1

    def _line_source(r, n, s):
        """Rank ``o`` of the pair that LINE's pseudo-shuffle of ``n`` pairs puts in slot ``r``: residue class
        ``o mod s = res`` fills the slots ``start(res) ..`` in order, ``start(res)`` counting the pairs of
        the classes below (class ``q`` has :math:`\\lceil (n - q) / s \\rceil` pairs)."""
        start = 0
        res = 0
        while True:
            size = (n - res + s - 1) // s
            if r < start + size:
                return (r - start) * s + res
            start += size
            res += 1

    def _line_slot(o, n, s):
        """Slot that LINE's pseudo-shuffle of ``n`` pairs gives the ``o``-th: ``start(o mod s) + o // s``. With
        ``n = a s + m`` (``m < s``), residue class ``q`` holds ``a + [q < m]`` pairs, so the classes below
        ``res`` fill ``start(res) = res a + min(res, m)`` slots (the inverse of :func:`_line_source`)."""
        a = n // s
        res = o % s
        return res * a + min(res, n - a * s) + o // s

    return SimpleNamespace(draw=draw, step=step, walk=jit(_walk), pair_of=jit(_pair_of),
                           line_source=jit(_line_source), line_slot=jit(_line_slot))
