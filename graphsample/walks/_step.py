r"""One walker step and one SRRW step, written once for Numba CPU (``@njit``) and numba.cuda.

The functions here are plain Python over scalars and 1-D arrays (no allocation; ``math`` functions on
scalars, as numba.cuda has no NumPy ufuncs on scalars), so the same source is compiled by
``numba.njit(inline="always")`` for the CPU kernels (:mod:`._cpu`) and by ``cuda.jit(device=True)`` for
the GPU kernels (:mod:`._cuda`). The CPU kernels call the exact draw (taken after :data:`MAX_TRIES`
rejections) instead of inlining it: it held two of the three inlined copies of the node2vec bias, and the
walk kernel compiled in 9 s instead of 23 s, as fast afterwards. Every random number is
``random_uniform(stream_key(key, walker), counter)`` with ``counter = step * 2**20 + j``: a pure function
of (seed, walker id, step, draw index j), so a walk does not depend on which thread or device ran it.

Numba's on-disk cache of the kernels that inline these functions is keyed on the kernels' own files
(``_cpu.py``): after editing this file during development, clear ``walks/__pycache__/*.nb[ic]``.

Draw indices within a step: ``j = 0`` is the restart coin; proposal ``t`` (rejection sampling) uses
``j = 1 + 4t`` and ``2 + 4t`` to pick an arc, ``3 + 4t`` for its acceptance test and ``4 + 4t`` for
node2vec's return box; ``j = 1 + 4 MAX_TRIES`` is the exact draw that follows :data:`MAX_TRIES` rejected
proposals.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

#: bits of the per-step draw index inside the RNG counter (counter = step << STEP_SHIFT | j)
STEP_SHIFT = 20
#: proposals tried (node2vec / non-backtracking rejection sampling) before an exact draw by inversion over
#: the row, so that a tiny acceptance rate (large p and q, or a heavy return arc) costs time, never exactness
MAX_TRIES = 4096
#: a walk ended by the restart coin
STOP = -1
#: a walk reached a node without out-arcs (a weighted walk: without out-arcs of positive weight)
DEAD_END = -2

# iparams slots
I_WEIGHTED, I_N2V, I_NONBACK, I_MH, I_ALIAS_MIN_DEG, I_DEAD_END_RESTART = range(6)
#: values of the I_N2V slot: a first-order walk; node2vec on a symmetric CSR, where the arcs t -> x and
#: x -> t come together and the test searches the row of t (read one step before, so cache-warm: searching
#: the row of x there cost 9% of the steps/s on BlogCatalog); node2vec on a directed graph, where x is t's
#: neighbour through the arc x -> t (node2vec's reference code, torch_cluster and GraphVite) and the test
#: searches the row of x
N2V_OFF, N2V_SYMMETRIC, N2V_DIRECTED = range(3)
# fparams slots
F_RESTART, F_INV_P, F_INV_Q, F_ENV = range(4)


def make_step_functions(jit, rng, alias_draw, cold_jit=None) -> SimpleNamespace:
    """Compile the step functions with ``jit`` against the RNG namespace ``rng`` and ``alias_draw``;
    ``cold_jit`` (default ``jit``) compiles the rarely taken exact draw."""
    cold_jit = cold_jit or jit
    random_uniform = rng.random_uniform

    def _arc_position(indptr, indices, u, v):
        """Position of arc u -> v in the sorted row of u (binary search), -1 when absent."""
        lo = indptr[u]
        hi = indptr[u + 1]
        while lo < hi:
            mid = (lo + hi) >> 1
            w = indices[mid]
            if w == v:
                return mid
            if w < v:
                lo = mid + 1
            else:
                hi = mid
        return -1

    arc_position = jit(_arc_position)

    def _cdf_draw(cdf, start, degree, u):
        """Local index k with cdf[start+k-1] <= u < cdf[start+k] (binary search)."""
        lo = 0
        hi = degree - 1
        while lo < hi:
            mid = (lo + hi) >> 1
            if cdf[start + mid] > u:
                hi = mid
            else:
                lo = mid + 1
        return lo

    cdf_draw = jit(_cdf_draw)

    def _config(fp, ip):
        """The walk parameters as a tuple of scalars (loop-invariant for the compiler)."""
        simple = ip[I_WEIGHTED] == 0 and ip[I_N2V] == 0 and ip[I_NONBACK] == 0 and ip[I_MH] == 0
        return (fp[F_RESTART], fp[F_INV_P], fp[F_INV_Q], fp[F_ENV], ip[I_WEIGHTED] != 0, ip[I_N2V],
                ip[I_NONBACK] != 0, ip[I_MH] != 0, ip[I_ALIAS_MIN_DEG], ip[I_DEAD_END_RESTART] != 0, simple)

    config = jit(_config)

    def _arc_mass(cdf, a, start):
        """Probability of arc ``a`` of the weighted row at ``start``, from the row's CDF."""
        return cdf[a] - (cdf[a - 1] if a > start else 0.0)

    arc_mass = jit(_arc_mass)

    def _bias(indptr, indices, inv_p, inv_q, n2v, nonback, deg, prev, x):
        """The second-order factor :math:`b(t, x)` of a move to ``x`` of a walker that came from ``prev`` (-1 at
        the start): node2vec's 1/p (back), 1 (a neighbour of ``prev``: the arc ``x -> prev``) or 1/q (further),
        1 for first-order walks (``n2v`` is N2V_OFF), and 0 for the return arc of a non-backtracking walk that
        has another way out."""
        if prev < 0:
            return 1.0
        if x == prev:
            if nonback and deg > 1:
                return 0.0
            return inv_p if n2v != N2V_OFF else 1.0
        if n2v == N2V_SYMMETRIC:
            if arc_position(indptr, indices, prev, x) < 0:
                return inv_q
        elif n2v == N2V_DIRECTED:
            if arc_position(indptr, indices, x, prev) < 0:
                return inv_q
        return 1.0

    bias = jit(_bias)

    def _target_mass(indptr, indices, cdf, cfg, a, start, deg, prev):
        r"""Unnormalised probability of arc ``a`` of the row at ``start``: :math:`\pi_{vx}\,b(t, x)`."""
        _, inv_p, inv_q, _, weighted, n2v, nonback, _, _, _, _ = cfg
        mass = arc_mass(cdf, a, start) if weighted else 1.0
        b = bias(indptr, indices, inv_p, inv_q, n2v, nonback, deg, prev, np.int64(indices[a]))
        # the branch keeps NVVM from contracting this product into exact_draw's sums (a fused multiply-add rounds
        # once where the CPU rounds twice; tests/cuda_compile.py counts them)
        return mass if b == 1.0 else mass * b

    target_mass = jit(_target_mass)

    def _exact_draw(indptr, indices, cdf, cfg, u, start, deg, prev, fallback):
        """The arc drawn by inversion of :func:`target_mass` over the row with the uniform ``u``: O(d log d) work,
        after :data:`MAX_TRIES` rejected proposals. ``fallback`` when the row has no mass (every other way out
        of a non-backtracking walk weighs 0)."""
        total = 0.0
        for a in range(start, start + deg):
            total += target_mass(indptr, indices, cdf, cfg, a, start, deg, prev)
        if not total > 0.0:
            return fallback
        thr = u * total
        acc = 0.0
        last = fallback
        for a in range(start, start + deg):
            m = target_mass(indptr, indices, cdf, cfg, a, start, deg, prev)
            if m > 0.0:
                last = np.int64(indices[a])
                acc += m
                if thr < acc:
                    return last
        return last  # rounding: the last arc with positive mass

    exact_draw = cold_jit(_exact_draw)

    def _cdf_row(indptr, weights, cdf, u):
        """Cumulative distribution of node ``u``'s out-arc weights, last entry 1; all 0 for a row whose arcs all
        weigh 0 (its transition row is 0: a weighted walk has no way out)."""
        s = indptr[u]
        e = indptr[u + 1]
        total = 0.0
        for j in range(s, e):
            total += np.float64(weights[j])  # float64 sums also for float32 weights (NumPy 2 on the simulator)
        acc = 0.0
        for j in range(s, e):
            acc += np.float64(weights[j])
            cdf[j] = acc / total if total > 0 else 0.0
        if e > s and total > 0:
            cdf[e - 1] = 1.0

    cdf_row = jit(_cdf_row)

    def _uniform_step(indptr, indices, skey, s, cur):
        """A uniform step (draw j = 1 of step ``s``); :data:`DEAD_END` at a node without out-arcs."""
        start = indptr[cur]
        deg = indptr[cur + 1] - start
        if deg == 0:
            return np.int64(DEAD_END)
        k = np.int64(random_uniform(skey, (np.int64(s) << STEP_SHIFT) + 1) * deg)
        return np.int64(indices[start + (k if k < deg else deg - 1)])

    uniform_step = jit(_uniform_step)

    def _walk_step(indptr, indices, cdf, aprob, aalias, h, cfg, skey, s, cur, prev):
        """Next node of a walker at ``cur`` (coming from ``prev``, -1 at the start) at step ``s``.

        ``cfg`` is :func:`config`'s tuple. Returns the node, :data:`STOP` (restart coin) or
        :data:`DEAD_END` (no out-arcs; weighted, none of positive weight).
        """
        restart, inv_p, inv_q, env, weighted, n2v, nonback, mh, alias_min_deg, _, simple = cfg
        base = np.int64(s) << STEP_SHIFT
        if restart > 0.0 and random_uniform(skey, base) < restart:
            return STOP
        if simple:
            return uniform_step(indptr, indices, skey, s, cur)
        start = indptr[cur]
        deg = indptr[cur + 1] - start
        if deg == 0 or (weighted and cdf[start + deg - 1] == 0.0):
            return DEAD_END  # no out-arc, or (weighted) none of positive weight
        # node2vec envelope: height env = max(1, 1/q) over the proposal, plus (KnightKing's outlier folding)
        # a box of mass pi_t (1/p - env) for the return arc when 1/p > env, taken without a test; a
        # non-backtracking walk with another way out has no return arc to weigh, hence no box
        extra = 0.0
        if n2v != N2V_OFF and prev >= 0 and inv_p > env and not (nonback and deg > 1):
            pos = arc_position(indptr, indices, cur, prev)
            if pos >= 0:
                if not weighted:
                    extra = (inv_p - env) / deg
                else:
                    extra = (inv_p - env) * arc_mass(cdf, pos, start)
        x = np.int64(-1)
        for t in range(MAX_TRIES):
            c = base + 1 + 4 * t
            if extra > 0.0 and random_uniform(skey, c + 3) * (env + extra) < extra:
                return np.int64(prev)
            u1 = random_uniform(skey, c)
            if not weighted:
                k = np.int64(u1 * deg)
                if k >= deg:
                    k = deg - 1
            elif deg >= alias_min_deg:
                k = alias_draw(aprob, aalias, start, deg, u1, random_uniform(skey, c + 1))
            else:
                k = cdf_draw(cdf, start, deg, u1)
            x = np.int64(indices[start + k])
            b = bias(indptr, indices, inv_p, inv_q, n2v, nonback, deg, prev, x)
            if b == 0.0:
                continue
            if n2v != N2V_OFF and prev >= 0 and random_uniform(skey, c + 2) * env >= b:
                continue
            if mh and random_uniform(skey, c + 2) * h[cur] >= h[x]:
                return np.int64(cur)  # Metropolis-Hastings rejection: stay
            return x
        # every proposal rejected (acceptance rate below ~1/1000): draw from the exact law instead
        return exact_draw(indptr, indices, cdf, cfg, random_uniform(skey, base + 1 + 4 * MAX_TRIES), start, deg, prev,
                          x)

    walk_step = jit(_walk_step)

    def _slot(keys, j):
        """Slot of node ``j`` in an open-addressing table ``keys`` (power-of-two size, -1 = free)."""
        mask = keys.shape[0] - 1
        h = (np.int64(j) * np.int64(0x9E3779B1)) & mask
        while keys[h] != j and keys[h] != -1:
            h = (h + 1) & mask
        return h

    slot = jit(_slot)

    def _zval(z, keys, j):
        """``z_j`` from the dense row (``keys`` empty) or the sparse table (0 for a node not yet visited)."""
        if keys.shape[0] == 0:
            return z[j]
        h = slot(keys, j)
        return z[h] if keys[h] == j else 0.0

    zval = jit(_zval)

    def _srrw_step(indptr, indices, logp, logp_self, z, keys, alpha, skey, s, cur):
        r"""Next state of an SRRW chain at ``cur``: j ~ P(cur, j) exp(-alpha z_j), z_j = log(x_j / mu_j).

        ``logp`` holds log P(i, j) per arc and ``logp_self`` log P(i, i) per node (-inf when 0); the
        normaliser is accumulated online in log space (running max), so no weight overflows.
        """
        start = indptr[cur]
        end = indptr[cur + 1]
        m = logp_self[cur] - alpha * zval(z, keys, cur)
        if logp_self[cur] == -np.inf:
            m = -np.inf
        total = 1.0 if m > -np.inf else 0.0
        for a in range(start, end):
            lw = logp[a] - alpha * zval(z, keys, indices[a])
            if lw > m:
                total = total * math.exp(m - lw) + 1.0
                m = lw
            elif lw > -np.inf:  # a zero-probability arc adds nothing (and exp(-inf - -inf) would be NaN)
                total += math.exp(lw - m)
        if m == -np.inf:
            return np.int64(cur)  # no way out (isolated node): stay
        target = random_uniform(skey, np.int64(s)) * total
        acc = 0.0
        nxt = np.int64(cur)
        if logp_self[cur] > -np.inf:
            acc = math.exp(logp_self[cur] - alpha * zval(z, keys, cur) - m)
            if target < acc:
                return np.int64(cur)
        for a in range(start, end):
            lw = logp[a] - alpha * zval(z, keys, indices[a])
            if lw > -np.inf:
                nxt = np.int64(indices[a])
                acc += math.exp(lw - m)
                if target < acc:
                    return nxt
        return nxt  # rounding: the last arc with positive weight

    srrw_step = jit(_srrw_step)

    def _log_add(a, b):
        """log(exp(a) + exp(b)) without overflow."""
        if a < b:
            a, b = b, a
        if b == -np.inf:
            return a
        return a + math.log1p(math.exp(b - a))

    log_add = jit(_log_add)

    def _advance(indptr, indices, cdf, aprob, aalias, h, cfg, skey, s, cur, prev, start_node):
        """``(next, new_prev)`` of a walker; a dead end teleports to ``start_node`` under dead_end="restart"."""
        x = walk_step(indptr, indices, cdf, aprob, aalias, h, cfg, skey, s, cur, prev)
        if x == DEAD_END and cfg[9]:
            return np.int64(start_node), np.int64(-1)
        return x, np.int64(cur)

    advance = jit(_advance)

    def _srrw_chain(indptr, indices, logp, logp_self, logmu, mu, f, alpha, log_gamma, log_keep, skey, x, z, keys, ls,
                    checkpoints, tvd, fsum, path):
        """Run one SRRW chain from node ``x`` for ``alpha.shape[0]`` steps; returns ``(x, log_scale)``.

        ``z[j] = log(y_j / mu_j)`` and ``ls`` (log scale) encode ``x_n = exp(ls) * y``; ``z`` is a dense row
        (``keys`` empty) or the values of an open-addressing table ``keys`` of the visited nodes (sparse state;
        nodes never visited have ``z = 0``). Step ``n``
        (1-based) uses ``alpha[n-1]``, ``log_gamma[n-1] = log gamma_n`` and ``log_keep[n-1] = log(1 - gamma_n)``:
        ``x_n = (1 - gamma_n) x_{n-1} + gamma_n delta_{X_n}`` is ``ls += log(1 - gamma_n)`` and
        ``y_{X_n} += gamma_n exp(-ls)``, done as a log-add, so nothing overflows however small ``x_n`` gets.
        After the steps listed in ``checkpoints`` it writes the TVD ``1/2 sum_j |x_j - mu_j|`` and the
        running sum of ``f(X_k)``; ``path[n-1] = X_n`` when ``path`` is not empty.
        """
        n = mu.shape[0]
        acc = 0.0
        k = 0
        for s in range(alpha.shape[0]):
            x = srrw_step(indptr, indices, logp, logp_self, z, keys, alpha[s], skey, s, x)
            ls += log_keep[s]
            h = x
            if keys.shape[0] > 0:
                h = slot(keys, x)
                if keys[h] == -1:
                    keys[h] = x
                    z[h] = 0.0
            z[h] = log_add(z[h], log_gamma[s] - ls - logmu[x])
            acc += f[x]
            if path.shape[0] > 0:
                path[s] = x
            if k < checkpoints.shape[0] and checkpoints[k] == s + 1:
                d = 0.0
                if keys.shape[0] == 0:
                    for j in range(n):
                        d += abs(math.exp(ls + z[j] + logmu[j]) - mu[j])
                else:  # unvisited nodes keep z = 0, i.e. x_j = exp(ls) mu_j
                    seen = 0.0
                    for h in range(keys.shape[0]):
                        j = keys[h]
                        if j >= 0:
                            d += abs(math.exp(ls + z[h] + logmu[j]) - mu[j])
                            seen += mu[j]
                    d += max(1.0 - seen, 0.0) * abs(math.exp(ls) - 1.0)
                tvd[k] = 0.5 * d
                fsum[k] = acc
                k += 1
        return x, ls

    srrw_chain = jit(_srrw_chain)

    return SimpleNamespace(cdf_row=cdf_row, config=config, uniform_step=uniform_step, arc_position=arc_position, cdf_draw=cdf_draw, walk_step=walk_step, advance=advance,
                           srrw_step=srrw_step, log_add=log_add, srrw_chain=srrw_chain)
