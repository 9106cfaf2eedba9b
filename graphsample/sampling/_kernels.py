r"""Numba kernels of the sampling package.

* :func:`construct_2k` -- the directed 2K construction (Tillman, Markopoulou, Butts & Gjoka, KDD 2017):
  a simple digraph with exactly the given degrees and Joint Degree Matrix;
* :func:`jdm_swaps` -- JDM-preserving double-edge swaps (the Markov chain of step 7);
* :func:`augment_flow` -- the unit augmenting-path max-flow of the controlled rounding (step 4);
* :func:`round_circulation` and :func:`balance_circulation` -- the controlled rounding of :math:`pD` (step 2) and
  its stub balance (step 3);
* the walk-style samplers' kernels (:func:`walk_until`, :func:`walk_chunk`, :func:`frontier_walk`,
  :func:`forest_fire`, :func:`snowball`), the induced-subgraph kernel and the triangle counter of the
  metrics.

Every random number comes from the counter-based RNG of :mod:`graphsample._random` keyed by
``(seed key, stream, counter)``. The construction and the swaps are Markov chains (each step depends on
the previous one), so they run on one thread; the walk kernels run one stream per start.

Arc sets are open-addressing hash tables of ``int64`` keys ``u * n + v`` (``-1`` empty, ``-2`` deleted,
linear probing, multiplicative hashing), with per-slot values for the arc's positions in the dynamic
out- and in-adjacency lists, so that adding, removing and testing an arc are O(1) expected.
"""

from __future__ import annotations

import numba
import numpy as np

from .._random import random_below, random_uniform, stream_key

#: Counter-RNG streams of one JDM/DCM sample, all under the seed's key. Every random step has its own, so no
#: two steps share a uniform: the host 2K construction, its swap chain, the node relabelling, the rounding of
#: D and the first start of its stub walks, and on GPUs the configuration model's out- and in-stub shuffles,
#: repair round r (+ r) and swap round r (+ r).
JDM_STREAM_CONSTRUCT, JDM_STREAM_SWAPS, JDM_STREAM_RELABEL, JDM_STREAM_ROUNDING, JDM_STREAM_WALKS = 0, 1, 2, 6, 7
JDM_STREAM_OUT_STUBS, JDM_STREAM_IN_STUBS, JDM_STREAM_REPAIR, JDM_STREAM_GPU_SWAPS = 3, 4, 1000, 5000


@numba.njit(cache=True)
def _below(skey, counter, n):
    """random_below behind a plain call boundary: Numba's IR-level inlining of the shared RNG into
    every call site of the big kernels multiplies their compile time; LLVM still inlines this."""
    return random_below(skey, counter, n)


@numba.njit(cache=True)
def _uniform(skey, counter):
    return random_uniform(skey, counter)

_EMPTY = -1
_TOMB = -2
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True)
def _slot0(key, mask):
    return np.int64((np.uint64(key) * _HASH_MUL) >> np.uint64(20)) & mask


@numba.njit(cache=True)
def table_size(n_keys):
    """Power of two >= 2 * n_keys + 16 (load factor <= 1/2)."""
    size = 16
    while size < 2 * n_keys + 16:
        size *= 2
    return size


@numba.njit(cache=True)
def h_find(keys, key):
    """Slot of ``key`` in the table, or -1."""
    mask = keys.shape[0] - 1
    s = _slot0(key, mask)
    while True:
        k = keys[s]
        if k == key:
            return s
        if k == _EMPTY:
            return -1
        s = (s + 1) & mask


@numba.njit(cache=True)
def h_insert(keys, key):
    """Insert ``key`` (absent) and return its slot; reuses the first deleted slot on the probe path."""
    mask = keys.shape[0] - 1
    s = _slot0(key, mask)
    free = -1
    while True:
        k = keys[s]
        if k == _EMPTY:
            break
        if k == _TOMB and free < 0:
            free = s
        s = (s + 1) & mask
    if free >= 0:
        s = free
    keys[s] = key
    return s


# ----------------------------------------------------------------------------- dynamic digraph
# State arrays (one simple digraph under construction):
#   out_ptr/in_ptr  fixed CSR offsets (target degrees), out_nb/in_nb neighbour slots,
#   cur_out/cur_in  current degrees, akeys/apos_o/apos_i the arc hash table and positions.

@numba.njit(cache=True)
def _add_arc(u, v, n, out_ptr, in_ptr, out_nb, in_nb, cur_out, cur_in, akeys, apos_o, apos_i):
    s = h_insert(akeys, u * n + v)
    out_nb[out_ptr[u] + cur_out[u]] = v
    apos_o[s] = cur_out[u]
    cur_out[u] += 1
    in_nb[in_ptr[v] + cur_in[v]] = u
    apos_i[s] = cur_in[v]
    cur_in[v] += 1


@numba.njit(cache=True)
def _unlink(row, pos, ptr, nb, cur, apos, akeys, n, out_side):
    """Empty slot ``pos`` of ``row``'s neighbour list by moving its last entry there (and updating that
    arc's stored position); ``out_side`` says whether the lists hold successors or predecessors."""
    last = cur[row] - 1
    y = nb[ptr[row] + last]
    nb[ptr[row] + pos] = y
    if last != pos:
        apos[h_find(akeys, row * n + y if out_side else y * n + row)] = pos
    cur[row] = last


@numba.njit(cache=True)
def _remove_arc(u, v, n, out_ptr, in_ptr, out_nb, in_nb, cur_out, cur_in, akeys, apos_o, apos_i):
    s = h_find(akeys, u * n + v)
    po, pi = apos_o[s], apos_i[s]
    akeys[s] = _TOMB
    _unlink(u, po, out_ptr, out_nb, cur_out, apos_o, akeys, n, True)
    _unlink(v, pi, in_ptr, in_nb, cur_in, apos_i, akeys, n, False)


# ----------------------------------------------------------------------------- class member lists
# Per degree class c: members[ptr[c]:ptr[c+1]], the first n_unsat[c] of them unsaturated; pos[u] is
# u's index inside that slice.

@numba.njit(cache=True)
def _swap_to(u, c, idx, ptr, members, pos):
    """Exchange u with the member at index ``idx`` of class c's slice."""
    w = members[ptr[c] + idx]
    pu = pos[u]
    members[ptr[c] + pu] = w
    pos[w] = pu
    members[ptr[c] + idx] = u
    pos[u] = idx


@numba.njit(cache=True)
def _set_saturated(u, c, ptr, members, pos, n_unsat):
    _swap_to(u, c, n_unsat[c] - 1, ptr, members, pos)
    n_unsat[c] -= 1


@numba.njit(cache=True)
def _set_unsaturated(u, c, ptr, members, pos, n_unsat):
    _swap_to(u, c, n_unsat[c], ptr, members, pos)
    n_unsat[c] += 1


# ----------------------------------------------------------------------------- chord sets
# The "chords" of block (k, l): free positions (u, v), u of out-class k, v of in-class l, u != v, not
# arcs, of which J'[k, l] are to be filled. Dense array ch[0:nch] + hash table key -> dense index.

@numba.njit(cache=True)
def _chord_add(key, ch, nch, ckeys, cval):
    if h_find(ckeys, key) >= 0:
        return nch
    s = h_insert(ckeys, key)
    cval[s] = nch
    ch[nch] = key
    return nch + 1


@numba.njit(cache=True)
def _chord_discard(key, ch, nch, ckeys, cval):
    s = h_find(ckeys, key)
    if s < 0:
        return nch
    i = cval[s]
    ckeys[s] = _TOMB
    last = ch[nch - 1]
    ch[i] = last
    if last != key:
        cval[h_find(ckeys, last)] = i
    return nch - 1


@numba.njit(cache=True, nogil=True)
def construct_2k(n, out_deg, in_deg, ocls, icls, optr, iptr, blk_o, blk_i, blk_count, key):
    """Directed 2K construction: a simple digraph with out/in-degrees ``out_deg``/``in_deg`` and JDM
    ``blk_count`` over blocks (out-class ``blk_o``, in-class ``blk_i``).

    ``ocls[u]``/``icls[u]`` are u's out-/in-class indices (-1 for degree 0); ``optr``/``iptr`` are the
    CSR offsets of the class member lists, nodes being numbered so that the members of out-class c
    are listed by :func:`_class_members`. Returns ``(src, dst, status)``: status 0 on success, else the
    number of the block that could not be completed (never observed on realizable input; the caller
    raises).
    """
    m = np.int64(0)
    for u in range(n):
        m += out_deg[u]
    out_ptr = np.zeros(n + 1, np.int64)
    in_ptr = np.zeros(n + 1, np.int64)
    for u in range(n):
        out_ptr[u + 1] = out_ptr[u] + out_deg[u]
        in_ptr[u + 1] = in_ptr[u] + in_deg[u]
    out_nb = np.empty(max(m, 1), np.int64)
    in_nb = np.empty(max(m, 1), np.int64)
    cur_out = np.zeros(n, np.int64)
    cur_in = np.zeros(n, np.int64)
    # the arc table: key, out-position and in-position side by side (one cache line per probe), with room for
    # the deleted slots of switches
    atab = np.zeros((table_size(2 * m), 3), np.int64)
    akeys, apos_o, apos_i = atab[:, 0], atab[:, 1], atab[:, 2]
    akeys[:] = _EMPTY

    omem, opos = _class_members(ocls, optr)
    imem, ipos = _class_members(icls, iptr)
    ostat, _ = _class_members(ocls, optr)  # static copies for chord sampling
    istat, _ = _class_members(icls, iptr)
    n_oc = optr.shape[0] - 1
    n_ic = iptr.shape[0] - 1
    o_unsat = np.empty(n_oc, np.int64)
    i_unsat = np.empty(n_ic, np.int64)
    for c in range(n_oc):
        o_unsat[c] = optr[c + 1] - optr[c]
    for c in range(n_ic):
        i_unsat[c] = iptr[c + 1] - iptr[c]
    res_out = out_deg.copy()
    res_in = in_deg.copy()

    skey = stream_key(key, JDM_STREAM_CONSTRUCT)
    ctr = np.int64(0)
    # one chord set's buffers for every block, sized for the largest (a block's own table is a prefix)
    cap_max = np.int64(16)
    for b in range(blk_count.shape[0]):
        cap_max = max(cap_max, 8 * blk_count[b] + 16)
    ch = np.empty(cap_max, np.int64)
    ckeys_buf = np.empty(table_size(cap_max), np.int64)
    cval_buf = np.empty(table_size(cap_max), np.int64)
    for b in range(blk_count.shape[0]):
        a, c, J = blk_o[b], blk_i[b], blk_count[b]
        if J == 0:
            continue
        nk = optr[a + 1] - optr[a]
        nl = iptr[c + 1] - iptr[c]
        cap_ch = 8 * J + 16  # chord insertions: J, plus at most two per step (bounded by the retries)
        ckeys, cval = ckeys_buf[:table_size(cap_ch)], cval_buf[:table_size(cap_ch)]
        ckeys[:] = _EMPTY
        nch = np.int64(0)
        grid = nk * nl
        if 4 * J >= grid:  # dense block: enumerate the free positions, keep a random J of them
            allk = np.empty(grid, np.int64)
            na = 0
            for i in range(nk):
                u = ostat[optr[a] + i]
                for j in range(nl):
                    v = istat[iptr[c] + j]
                    if u != v:
                        allk[na] = u * n + v
                        na += 1
            if na < J:
                return out_nb[:0], in_nb[:0], b + 1
            for t in range(J):
                r = t + _below(skey, ctr, na - t)
                ctr += 1
                tmp = allk[t]
                allk[t] = allk[r]
                allk[r] = tmp
                nch = _chord_add(allk[t], ch, nch, ckeys, cval)
        else:  # sparse block: rejection sampling of distinct off-diagonal positions
            while nch < J:
                g = _below(skey, ctr, grid)
                ctr += 1
                u = ostat[optr[a] + g // nl]
                v = istat[iptr[c] + g % nl]
                if u != v:
                    nch = _chord_add(u * n + v, ch, nch, ckeys, cval)
        remaining = J
        failures = 0
        n_ins = nch
        while remaining > 0:
            kk = ch[_below(skey, ctr, nch)]
            ctr += 1
            v = kk // n
            w = kk % n
            if res_out[v] == 0:  # v saturated: hand one of its arcs to an unsaturated peer, or use the peer
                v, nch, ins = _switch(True, v, a, c, n, optr, omem, opos, o_unsat, res_out, icls, skey, ctr,
                                      out_ptr, in_ptr, out_nb, in_nb, cur_out, cur_in, akeys, apos_o, apos_i,
                                      ch, nch, ckeys, cval)
                ctr += 2
                n_ins += ins
            if res_in[w] == 0:  # the same on the in-side
                w, nch, ins = _switch(False, w, c, a, n, iptr, imem, ipos, i_unsat, res_in, ocls, skey, ctr,
                                      out_ptr, in_ptr, out_nb, in_nb, cur_out, cur_in, akeys, apos_o, apos_i,
                                      ch, nch, ckeys, cval)
                ctr += 2
                n_ins += ins
            if v == w or h_find(akeys, v * n + w) >= 0:
                # a substituted peer can hit a loop or an existing arc; the switches made so far keep the
                # partial graph valid, so draw another chord (bounded, then report the block)
                failures += 1
                if failures > 20 * J + 100 or n_ins + 2 >= cap_ch:
                    return out_nb[:0], in_nb[:0], b + 1
                continue
            _add_arc(v, w, n, out_ptr, in_ptr, out_nb, in_nb, cur_out, cur_in, akeys, apos_o, apos_i)
            res_out[v] -= 1
            if res_out[v] == 0:
                _set_saturated(v, a, optr, omem, opos, o_unsat)
            res_in[w] -= 1
            if res_in[w] == 0:
                _set_saturated(w, c, iptr, imem, ipos, i_unsat)
            nch = _chord_discard(v * n + w, ch, nch, ckeys, cval)
            remaining -= 1
    src = np.empty(m, np.int64)
    dst = np.empty(m, np.int64)
    e = 0
    for u in range(n):
        for q in range(cur_out[u]):
            src[e] = u
            dst[e] = out_nb[out_ptr[u] + q]
            e += 1
    if e != m:
        return src[:0], dst[:0], -1
    return src, dst, 0


@numba.njit(cache=True)
def _switch(out_side, x, xc, yc, n, cptr, cmem, cpos, c_unsat, res, other_cls, skey, ctr, out_ptr, in_ptr, out_nb,
            in_nb, cur_out, cur_in, akeys, apos_o, apos_i, ch, nch, ckeys, cval):
    """Neighbour switch of Tillman et al. for a saturated node x of class xc (out-class when
    ``out_side``, else in-class), inside block (xc, yc): a random unsaturated peer x' of the same class
    takes over one arc x -> t (t -> x on the in-side) whose moved version is new, keeping the JDM and
    freeing a stub of x. Returns (x or x' when no arc can move, chord count, chords inserted)."""
    wp = cmem[cptr[xc] + _below(skey, ctr, c_unsat[xc])]
    d = cur_out[x] if out_side else cur_in[x]
    base = out_ptr[x] if out_side else in_ptr[x]
    off = _below(skey, ctr + 1, d)
    for q in range(d):
        t = out_nb[base + (q + off) % d] if out_side else in_nb[base + (q + off) % d]
        old = x * n + t if out_side else t * n + x
        new = wp * n + t if out_side else t * n + wp
        if t != wp and h_find(akeys, new) < 0:
            _remove_arc(old // n, old % n, n, out_ptr, in_ptr, out_nb, in_nb, cur_out, cur_in, akeys, apos_o, apos_i)
            _add_arc(new // n, new % n, n, out_ptr, in_ptr, out_nb, in_nb, cur_out, cur_in, akeys, apos_o, apos_i)
            res[x] += 1
            _set_unsaturated(x, xc, cptr, cmem, cpos, c_unsat)
            res[wp] -= 1
            if res[wp] == 0:
                _set_saturated(wp, xc, cptr, cmem, cpos, c_unsat)
            if other_cls[t] == yc:  # the freed position belongs to this block: a chord again
                nch = _chord_add(old, ch, nch, ckeys, cval)
                nch = _chord_discard(new, ch, nch, ckeys, cval)
                return x, nch, 1
            return x, nch, 0
    return wp, nch, 0


@numba.njit(cache=True)
def _class_members(cls, ptr):
    """Nodes of each class, grouped by class (CSR ``ptr``), and each node's index within its class."""
    n_cls = ptr.shape[0] - 1
    fill = np.zeros(n_cls, np.int64)
    members = np.empty(ptr[n_cls], np.int64)
    pos = np.full(cls.shape[0], -1, np.int64)
    for u in range(cls.shape[0]):
        c = cls[u]
        if c >= 0:
            members[ptr[c] + fill[c]] = u
            pos[u] = fill[c]
            fill[c] += 1
    return members, pos


# ----------------------------------------------------------------------------- JDM-preserving swaps

def jdm_swaps(n, src, dst, out_deg, in_deg, n_swaps, key):
    """``n_swaps`` attempted double-edge swaps ``(a,b),(c,d) -> (a,d),(c,b)`` that keep the graph simple.

    Even attempts pair arcs whose targets share an in-degree, odd attempts arcs whose sources share an
    out-degree; either way every node keeps its degrees and the JDM is unchanged. ``src``/``dst`` are
    modified in place; returns the number of accepted swaps.
    """
    m = src.shape[0]
    if m < 2 or n_swaps <= 0:
        return 0
    # arcs grouped by target in-degree (by_in) and by source out-degree (by_out); the grouping survives
    # swaps because a swap exchanges targets of equal in-degree (sources of equal out-degree).
    by_in = np.argsort(in_deg[dst], kind="stable")
    by_out = np.argsort(out_deg[src], kind="stable")
    pos_in = np.empty(m, np.int64)
    pos_out = np.empty(m, np.int64)
    pos_in[by_in] = np.arange(m)
    pos_out[by_out] = np.arange(m)
    return _swap_chain(n, src, dst, by_in, by_out, _group_bounds(in_deg[dst][by_in]),
                       _group_bounds(out_deg[src][by_out]), pos_in, pos_out, n_swaps, key)


@numba.njit(cache=True, nogil=True)
def _swap_chain(n, src, dst, by_in, by_out, gin, gout, pos_in, pos_out, n_swaps, key):
    m = src.shape[0]
    akeys = np.full(table_size(2 * m), _EMPTY, np.int64)
    _fill_table(akeys, src, dst, n)
    inserts = 0
    skey = stream_key(key, JDM_STREAM_SWAPS)
    accepted = 0
    for t in range(n_swaps):
        e1 = _below(skey, 3 * t, m)
        if t % 2 == 0:
            lo, hi = gin[pos_in[e1]]
            e2 = by_in[lo + _below(skey, 3 * t + 1, hi - lo)]
        else:
            lo, hi = gout[pos_out[e1]]
            e2 = by_out[lo + _below(skey, 3 * t + 1, hi - lo)]
        a, b, c, d = src[e1], dst[e1], src[e2], dst[e2]
        if e1 == e2 or a == d or c == b or b == d or a == c:
            continue
        if h_find(akeys, a * n + d) >= 0 or h_find(akeys, c * n + b) >= 0:
            continue
        akeys[h_find(akeys, a * n + b)] = _TOMB
        akeys[h_find(akeys, c * n + d)] = _TOMB
        h_insert(akeys, a * n + d)
        h_insert(akeys, c * n + b)
        dst[e1] = d
        dst[e2] = b
        inserts += 2
        if inserts > m // 2:  # drop the deleted slots before they crowd the table
            _fill_table(akeys, src, dst, n)
            inserts = 0
        if t % 2 == 1:  # keep the by-in grouping valid: the arcs exchanged targets, so exchange slots
            p1, p2 = pos_in[e1], pos_in[e2]
            by_in[p1], by_in[p2] = e2, e1
            pos_in[e1], pos_in[e2] = p2, p1
        accepted += 1
    return accepted


@numba.njit(cache=True)
def _fill_table(akeys, src, dst, n):
    akeys[:] = _EMPTY
    for e in range(src.shape[0]):
        h_insert(akeys, src[e] * n + dst[e])


def _group_bounds(sorted_vals):
    """For each position of a sorted array, the ``(lo, hi)`` bounds of its run of equal values."""
    m = len(sorted_vals)
    starts = np.flatnonzero(np.concatenate([[True], sorted_vals[1:] != sorted_vals[:-1]]))
    ends = np.concatenate([starts[1:], [m]])
    run = np.repeat(np.arange(len(starts)), ends - starts)
    return np.stack([starts[run], ends[run]], axis=1).astype(np.int64)


# ----------------------------------------------------------------------------- controlled rounding

@numba.njit(cache=True, nogil=True)
def augment_flow(n_rows, n_cols, cell_row, cell_col, x, lo, hi, r_def, c_def, order):
    """Raise row/column sums of the integer table ``x`` (cells ``cell_row/cell_col``) by the deficits
    ``r_def``/``c_def`` with augmenting paths: source -> row -> (cell forward if x < hi, backward from a
    column if x > lo) -> ... -> column -> sink. Modifies ``x``, ``r_def``, ``c_def``; returns the flow.

    This is the unit-capacity max-flow of controlled rounding (Cox 1987): with ``lo = floor`` and
    ``hi = ceil`` of a fractional table whose margins are the targets, a full flow exists. A greedy pass
    over the cells in ``order`` (largest fractional part first) takes the direct paths first.
    """
    n_cells = cell_row.shape[0]
    flow = 0
    for q in range(order.shape[0]):
        e = order[q]
        i, j = cell_row[e], cell_col[e]
        while x[e] < hi[e] and r_def[i] > 0 and c_def[j] > 0:
            x[e] += 1
            r_def[i] -= 1
            c_def[j] -= 1
            flow += 1
    # cells by row and by column
    rptr = np.zeros(n_rows + 1, np.int64)
    cptr = np.zeros(n_cols + 1, np.int64)
    for e in range(n_cells):
        rptr[cell_row[e] + 1] += 1
        cptr[cell_col[e] + 1] += 1
    for i in range(n_rows):
        rptr[i + 1] += rptr[i]
    for j in range(n_cols):
        cptr[j + 1] += cptr[j]
    rcell = np.empty(n_cells, np.int64)
    ccell = np.empty(n_cells, np.int64)
    rf = rptr[:-1].copy()
    cf = cptr[:-1].copy()
    for e in range(n_cells):
        rcell[rf[cell_row[e]]] = e
        rf[cell_row[e]] += 1
        ccell[cf[cell_col[e]]] = e
        cf[cell_col[e]] += 1
    # the residual graph in row order (forward: cell open while x < hi) and in column order (backward: open while
    # x > lo), so that a search reads each row's and each column's cells in sequence; rpos / cpos find a cell's
    # entries again when an augmenting path changes its x
    r_col = np.empty(n_cells, np.int64)
    r_open = np.empty(n_cells, np.bool_)
    c_row = np.empty(n_cells, np.int64)
    c_open = np.empty(n_cells, np.bool_)
    rpos = np.empty(n_cells, np.int64)
    cpos = np.empty(n_cells, np.int64)
    for q in range(n_cells):
        e = rcell[q]
        r_col[q] = cell_col[e]
        r_open[q] = x[e] < hi[e]
        rpos[e] = q
        e = ccell[q]
        c_row[q] = cell_row[e]
        c_open[q] = x[e] > lo[e]
        cpos[e] = q
    parent_cell_of_col = np.empty(n_cols, np.int64)
    parent_cell_of_row = np.empty(n_rows, np.int64)
    queue = np.empty(n_rows, np.int64)
    while True:
        parent_cell_of_col[:] = -2
        parent_cell_of_row[:] = -2
        head = 0
        tail = 0
        for i in range(n_rows):
            if r_def[i] > 0:
                parent_cell_of_row[i] = -1
                queue[tail] = i
                tail += 1
        sink_col = -1
        while head < tail and sink_col < 0:
            i = queue[head]
            head += 1
            for q in range(rptr[i], rptr[i + 1]):
                j = r_col[q]
                if not r_open[q] or parent_cell_of_col[j] != -2:
                    continue
                e = rcell[q]
                parent_cell_of_col[j] = e
                if c_def[j] > 0:
                    sink_col = j
                    break
                for q2 in range(cptr[j], cptr[j + 1]):  # backward through column j
                    i2 = c_row[q2]
                    if c_open[q2] and parent_cell_of_row[i2] == -2 and ccell[q2] != e:
                        parent_cell_of_row[i2] = ccell[q2]
                        queue[tail] = i2
                        tail += 1
        if sink_col < 0:
            return flow
        j = sink_col
        c_def[j] -= 1
        while True:
            e = parent_cell_of_col[j]
            x[e] += 1
            r_open[rpos[e]] = x[e] < hi[e]
            c_open[cpos[e]] = True
            i = cell_row[e]
            eb = parent_cell_of_row[i]
            if eb == -1:
                r_def[i] -= 1
                break
            x[eb] -= 1
            r_open[rpos[eb]] = True
            c_open[cpos[eb]] = x[eb] > lo[eb]
            j = cell_col[eb]
        flow += 1


_FRAC_EPS = 1e-9  # a rounded value this close to an integer is that integer (float drift along the cycles)


@numba.njit(cache=True, nogil=True)
def round_circulation(ends, val, n_vert, key):
    """Unbiased rounding of a circulation (Cox, "A constructive procedure for unbiased controlled rounding", JASA
    1987): arc ``e`` runs ``ends[e, 0] -> ends[e, 1]`` and carries ``val[e]``, with inflow = outflow at every
    node; the result (``val``, rounded in place) is still a circulation, and every value is
    :math:`\\lfloor v\\rfloor` or :math:`\\lceil v\\rceil` with expectation :math:`v`.

    The fractional arcs form an undirected graph in which no node has exactly one (its net flow would not be an
    integer), so it has a cycle. Going round it, arcs run forwards get :math:`+d` and backwards :math:`-d`, which
    keeps every node balanced: :math:`d = d_1` (the largest step that keeps every value within its floor and
    ceiling) with probability :math:`d_2/(d_1+d_2)`, else :math:`d = -d_2`, so the expected change is 0; each step
    makes at least one value integral. Cycles are found by a walk that never leaves a node by the arc it came
    in by; when it meets a node already on its path, that loop is rounded and the walk resumes from the node.
    Uniforms: stream ``JDM_STREAM_ROUNDING`` of ``key``.
    """
    n_edges = ends.shape[0]
    start = np.zeros(n_vert + 1, np.int64)  # live (fractional) arcs of node v: adj[start[v]:start[v] + live[v]]
    for e in range(n_edges):
        if abs(val[e] - np.round(val[e])) > _FRAC_EPS:
            start[ends[e, 0] + 1] += 1
            start[ends[e, 1] + 1] += 1
        else:
            val[e] = np.round(val[e])
    for v in range(n_vert):
        start[v + 1] += start[v]
    adj = np.empty(start[n_vert], np.int64)
    live = np.zeros(n_vert, np.int64)
    pos = np.empty((n_edges, 2), np.int64)  # pos[e, side]: e's index in adj under its node ends[e, side]
    for e in range(n_edges):
        if val[e] != np.round(val[e]):
            for side in range(2):
                v = ends[e, side]
                pos[e, side] = start[v] + live[v]
                adj[start[v] + live[v]] = e
                live[v] += 1
    path_v = np.empty(n_vert + 1, np.int64)
    path_e = np.empty(n_vert + 1, np.int64)  # the arc by which path_v[t] was reached
    on_path = np.full(n_vert, -1, np.int64)
    cyc = np.empty(n_vert + 1, np.int64)
    sgn = np.empty(n_vert + 1, np.float64)
    skey = stream_key(key, JDM_STREAM_ROUNDING)
    ctr = np.int64(0)
    scan = 0
    top = -1
    # each cycle settles an arc, and between two cycles or restarts the path grows by at most n_vert nodes:
    # more steps than this bound is a broken walk, not a slow one
    steps, max_steps = 0, 3 * (n_edges + n_vert + 1) * (n_vert + 1)
    while True:
        steps += 1
        if steps > max_steps:
            raise RuntimeError("round_circulation made no progress")
        if top < 0:
            while scan < n_vert and live[scan] == 0:
                scan += 1
            if scan == n_vert:
                break
            top = 0
            path_v[0] = scan
            path_e[0] = -1
            on_path[scan] = 0
        v = path_v[top]
        came = path_e[top]
        nxt = -1
        for q in range(start[v], start[v] + live[v]):
            if adj[q] != came:
                nxt = adj[q]
                break
        if nxt < 0:  # only the arc it came by is fractional: float drift; settle it
            on_path[v] = -1
            top -= 1
            if came >= 0:
                val[came] = np.round(val[came])
                _drop(came, ends, adj, start, live, pos)
            continue
        w = ends[nxt, 1] if ends[nxt, 0] == v else ends[nxt, 0]
        if on_path[w] < 0:
            if top + 1 >= n_vert:  # a path of distinct nodes is shorter than n_vert: the walk lost its marks
                raise RuntimeError("round_circulation lost track of its path")
            top += 1
            path_v[top] = w
            path_e[top] = nxt
            on_path[w] = top
            continue
        t0 = on_path[w]  # a cycle: the arcs path_e[t0 + 1 .. top], then nxt
        n_cyc = 0
        for t in range(t0 + 1, top + 1):
            cyc[n_cyc] = path_e[t]
            sgn[n_cyc] = 1.0 if ends[path_e[t], 0] == path_v[t - 1] else -1.0
            n_cyc += 1
        cyc[n_cyc] = nxt
        sgn[n_cyc] = 1.0 if ends[nxt, 0] == v else -1.0
        n_cyc += 1
        d_up = np.inf
        d_down = np.inf
        for i in range(n_cyc):
            f = cyc[i]
            to_floor = val[f] - np.floor(val[f])
            to_ceil = 1.0 - to_floor
            d_up = min(d_up, to_ceil if sgn[i] > 0 else to_floor)
            d_down = min(d_down, to_floor if sgn[i] > 0 else to_ceil)
        d = d_up if _uniform(skey, ctr) * (d_up + d_down) < d_down else -d_down
        ctr += 1
        for i in range(n_cyc):
            f = cyc[i]
            val[f] += sgn[i] * d
            r = np.round(val[f])
            if abs(val[f] - r) <= _FRAC_EPS:
                val[f] = r
                _drop(f, ends, adj, start, live, pos)
        for t in range(t0 + 1, top + 1):  # back to w: the walk goes on from there
            on_path[path_v[t]] = -1
        top = t0
    return val


@numba.njit(cache=True)
def _drop(e, ends, adj, start, live, pos):
    """Remove the now integral arc ``e`` from the live lists of both its nodes (swap with the last live one)."""
    for side in range(2):
        v = ends[e, side]
        last = start[v] + live[v] - 1
        k = pos[e, side]
        f = adj[last]
        adj[k] = f
        pos[f, 0 if ends[f, 0] == v else 1] = k
        adj[last] = e
        pos[e, side] = last
        live[v] -= 1


@numba.njit(cache=True, nogil=True)
def balance_circulation(ends, lo, hi, y, weight, pot, first, max_states, max_work):
    r"""Bring the weighted sum :math:`g = \sum_e w_e y_e` (``weight``) of an integer circulation ``y`` to 0 by
    closed walks of its residual graph, keeping every ``y[e]`` within ``lo[e] .. hi[e]`` (arc ``e`` runs
    ``ends[e, 0] -> ends[e, 1]``). Changes ``y`` in place; returns the number of walks applied.

    Arc ``e`` can be run forwards while :math:`y_e <` ``hi[e]`` (it rises by 1) and backwards while
    :math:`y_e >` ``lo[e]`` (it falls by 1). A closed walk that runs no arc twice keeps every node balanced and
    every arc within its bounds. Its cost, the change of :math:`g`, is counted with the node
    potential :math:`\pi` (``pot``): running ``e`` forwards costs :math:`w_e + \pi(\mathrm{head}) -
    \pi(\mathrm{tail})`, backwards the opposite, and the potentials cancel around a closed walk. From a start
    :math:`s`, a breadth-first search over the states (node, progress :math:`q`), :math:`q` the decrease of
    :math:`|g|` so far, held to :math:`0 \le q \le q_{max}`, reaches :math:`(s, q)` for the closed walks of
    progress :math:`q`. One with :math:`1 \le q \le 2|g| - 1` leaves the gap :math:`|\,|g| - q\,| < |g|`; the
    nearest to :math:`|g|` is applied (exact first, then not overshooting first), unless the walk the search
    recorded runs an arc twice. Every cycle has a node from which its running progress never falls below 0
    (where it is lowest), so a round of the starts (``first``, then the next nodes in turn) reaches every cycle
    whose running progress spans at most :math:`q_{max}`: :math:`2|g| - 1`, or, after a round that found no
    walk, that plus twice the range of :math:`\pi`. Each walk lowers :math:`|g|`. The search stops at
    :math:`g = 0`, after a wide round without a walk, or after ``max_work`` states; :math:`q_{max}` is capped so
    that (nodes) x (:math:`q_{max}` + 1) <= ``max_states``.
    """
    n_vert = pot.shape[0]
    n_arcs = ends.shape[0]
    ptr = np.zeros(n_vert + 1, np.int64)  # every arc under both its nodes
    for e in range(n_arcs):
        ptr[ends[e, 0] + 1] += 1
        ptr[ends[e, 1] + 1] += 1
    for v in range(n_vert):
        ptr[v + 1] += ptr[v]
    adj = np.empty(2 * n_arcs, np.int64)
    fill = ptr[:-1].copy()
    for e in range(n_arcs):
        for side in range(2):
            adj[fill[ends[e, side]]] = e
            fill[ends[e, side]] += 1
    cost = np.empty(n_arcs, np.int64)
    gap = 0
    for e in range(n_arcs):
        cost[e] = weight[e] + pot[ends[e, 1]] - pot[ends[e, 0]]
        gap += weight[e] * y[e]
    span = 2 * (pot.max() - pot.min())
    cap = max(min(2 * abs(gap) + span, max_states // n_vert), 2)
    start = n_arcs + 1
    pred = np.zeros(n_vert * cap, np.int64)  # per state: 0 unseen, e + 1 (came by e forwards), -(e + 1), start
    queue = np.empty(n_vert * cap, np.int64)
    stamp = np.zeros(n_arcs, np.int64)
    walk = np.empty(n_arcs, np.int64)
    walks, s, failed, wide, work, n_stamp = 0, first, 0, False, 0, 0
    while gap != 0 and work < max_work:
        if failed == n_vert:
            if wide:
                break
            wide, failed = True, 0
        g, sg = abs(gap), 1 if gap > 0 else -1
        width = min(2 * g + (span if wide else 0), cap)  # q in 0 .. width - 1
        pred[s * width] = start
        queue[0] = s * width
        qh, qt = 0, 1
        while qh < qt and pred[s * width + min(g, width - 1)] == 0:
            v, q = queue[qh] // width, queue[qh] % width
            qh += 1
            for i in range(ptr[v], ptr[v + 1]):
                e = adj[i]
                if ends[e, 0] == v and y[e] < hi[e]:
                    w, nq, mark = ends[e, 1], q - sg * cost[e], e + 1
                elif ends[e, 1] == v and y[e] > lo[e]:
                    w, nq, mark = ends[e, 0], q + sg * cost[e], -(e + 1)
                else:
                    continue
                if 0 <= nq < width and pred[w * width + nq] == 0:
                    pred[w * width + nq] = mark
                    queue[qt] = w * width + nq
                    qt += 1
        work += qh
        n_walk = 0
        for j in range(2 * g - 1):  # q = g, g - 1, g + 1, g - 2, ...: the gap left |g - q| smallest first
            q = g - (j + 1) // 2 if j % 2 else g + j // 2
            if q >= width or pred[s * width + q] == 0:
                continue
            n_stamp += 1
            st, n_walk = s * width + q, 0
            while pred[st] != start:
                m = pred[st]
                e = abs(m) - 1
                if stamp[e] == n_stamp:  # an arc run twice: its bounds were checked for one unit
                    n_walk = 0
                    break
                stamp[e] = n_stamp
                walk[n_walk] = m
                n_walk += 1
                v = ends[e, 0] if m > 0 else ends[e, 1]
                st = v * width + st % width + (sg * cost[e] if m > 0 else -sg * cost[e])
            if n_walk:
                break
        for i in range(qt):
            pred[queue[i]] = 0
        if n_walk:
            for i in range(n_walk):
                e = abs(walk[i]) - 1
                y[e] += 1 if walk[i] > 0 else -1
                gap += weight[e] if walk[i] > 0 else -weight[e]
            walks += 1
            failed, wide = 0, False
        else:
            failed += 1
            s = (s + 1) % n_vert
    return walks


# ----------------------------------------------------------------------------- walk-style samplers

@numba.njit(cache=True)
def _unvisited_neighbours(ptr, nb, u, seen, cand):
    """Copy the neighbours of ``u`` not yet seen into ``cand``; returns how many."""
    nc = 0
    for q in range(ptr[u], ptr[u + 1]):
        if not seen[nb[q]]:
            cand[nc] = nb[q]
            nc += 1
    return nc


@numba.njit(cache=True)
def _visit(v, seen, order, k, budget):
    """Record ``v`` as the k-th sampled node if it is new and the budget allows; returns the new count."""
    if k < budget and not seen[v]:
        seen[v] = True
        order[k] = v
        return k + 1
    return k


# Kinds of walk_chunk: the walker's next node from u, with c the restart / jump probability.
RWR, RWJ, MHRW, NBRW = 0, 1, 2, 3


def make_walk_step(below, uniform):
    """One walker step, written once over the RNG functions ``below``/``uniform``: compiled with
    ``numba.njit`` here and with ``cuda.jit(device=True)`` in :mod:`._cuda`, so both compute the same
    walk for the same seed. Returns the next node from ``u`` (``prev``: the node before, -1 if none)."""

    def step(kind, indptr, indices, n, u, prev, start, c, skey, ctr):
        s = indptr[u]
        d = indptr[u + 1] - s
        r1 = uniform(skey, ctr)
        if kind == 0:  # random walk with restart: back to the start with probability c or at a dead end
            if r1 < c or d == 0:
                return start
            return indices[s + below(skey, ctr + 1, d)]
        if kind == 1:  # random walk with jump: to a uniform node with probability c or at a dead end
            if r1 < c or d == 0:
                return below(skey, ctr + 1, n)
            return indices[s + below(skey, ctr + 1, d)]
        if d == 0:  # isolated node of the undirected view: jump
            return below(skey, ctr + 1, n)
        if kind == 2:  # Metropolis-Hastings: propose a uniform neighbour, accept with min(1, d(u)/d(v))
            v = indices[s + below(skey, ctr + 1, d)]
            dv = indptr[v + 1] - indptr[v]
            if r1 * dv < d:
                return v
            return u
        # non-backtracking: uniform among the neighbours other than the previous node; a node without
        # neighbours before u means a jump (only those jump), which left nothing to exclude
        if prev < 0 or d == 1 or indptr[prev + 1] == indptr[prev]:
            return indices[s + below(skey, ctr + 1, d)]
        v = indices[s + below(skey, ctr + 1, d - 1)]
        if v == prev:
            v = indices[s + d - 1]
        return v

    return step


_step = numba.njit(make_walk_step(_below, _uniform))


@numba.njit(cache=True, parallel=True, nogil=True)
def walk_chunk(kind, indptr, indices, cur, prev, start, c, key, t0, visits):
    """Advance every walker ``visits.shape[1]`` steps from step ``t0`` (walker w on stream w, step t on
    counters 2t, 2t+1); ``visits[w, j]`` is its node after step ``t0 + j``. Updates ``cur``/``prev``."""
    n = indptr.shape[0] - 1
    W, T = visits.shape
    for w in numba.prange(W):
        skey = stream_key(key, w)
        u, p = cur[w], prev[w]
        for j in range(T):
            v = _step(kind, indptr, indices, n, u, p, start[w], c, skey, 2 * (t0 + j))
            p = u
            u = v
            visits[w, j] = u
        cur[w], prev[w] = u, p


def make_frontier_walk(below):
    """Frontier sampling (Ribeiro & Towsley 2010), written once over the RNG function ``below`` (compiled
    for the host here, as a one-thread numba.cuda kernel body in :mod:`._cuda`): at step t the walker on
    node u is chosen with probability deg(u) / (sum of the walkers' degrees) and moves to a uniform
    neighbour; ``visits[t - t0]`` is the node reached. ``walkers`` (current nodes) is updated."""

    def frontier_walk(indptr, indices, walkers, t0, skey, visits):
        L = walkers.shape[0]
        n = indptr.shape[0] - 1
        for tt in range(visits.shape[0]):
            t = t0 + tt
            total = 0
            for i in range(L):
                total += indptr[walkers[i] + 1] - indptr[walkers[i]]
            if total == 0:  # every walker on an isolated node: one of them jumps
                i = below(skey, 3 * t, L)
                walkers[i] = below(skey, 3 * t + 1, n)
                visits[tt] = walkers[i]
                continue
            r = below(skey, 3 * t, total)
            i = 0
            while r >= indptr[walkers[i] + 1] - indptr[walkers[i]]:
                r -= indptr[walkers[i] + 1] - indptr[walkers[i]]
                i += 1
            u = walkers[i]
            walkers[i] = indices[indptr[u] + below(skey, 3 * t + 1, indptr[u + 1] - indptr[u])]
            visits[tt] = walkers[i]

    return frontier_walk


frontier_walk = numba.njit(nogil=True)(make_frontier_walk(_below))


@numba.njit(cache=True, nogil=True)
def forest_fire(indptr, indices, t_indptr, t_indices, budget, p_forward, p_backward, key):
    """Forest fire (Leskovec, Kleinberg & Faloutsos 2005; as a sampler, Leskovec & Faloutsos 2006).

    From a uniformly drawn ambassador, each burning node u draws x ~ Geometric with mean
    p_f / (1 - p_f) and y with mean p_b / (1 - p_b) (p_b = r p_f, the backward burning probability),
    and sets fire to x of its unburned out-neighbours and y of its unburned in-neighbours, chosen
    uniformly; when the fire dies a new ambassador is drawn. Returns the first ``budget`` burned nodes.
    """
    n = indptr.shape[0] - 1
    skey = stream_key(key, 0)
    ctr = np.int64(0)
    burned = np.zeros(n, np.bool_)
    order = np.empty(budget, np.int64)
    queue = np.empty(n, np.int64)
    cand = np.empty(n, np.int64)
    k = 0
    while k < budget:
        a = _below(skey, ctr, n)
        ctr += 1
        if burned[a]:
            continue
        k = _visit(a, burned, order, k, budget)
        head, tail = 0, 0
        queue[tail] = a
        tail += 1
        while head < tail and k < budget:
            u = queue[head]
            head += 1
            for side in range(2):
                ptr, nb = (indptr, indices) if side == 0 else (t_indptr, t_indices)
                prob = p_forward if side == 0 else p_backward
                if prob <= 0.0:
                    continue
                x = np.int64(np.floor(np.log(1.0 - _uniform(skey, ctr)) / np.log(prob)))
                ctr += 1
                nc = _unvisited_neighbours(ptr, nb, u, burned, cand)
                take = min(x, nc)
                for i in range(take):  # partial Fisher-Yates: a uniform subset of size take
                    r = i + _below(skey, ctr, nc - i)
                    ctr += 1
                    cand[i], cand[r] = cand[r], cand[i]
                    before = k
                    k = _visit(cand[i], burned, order, k, budget)
                    if k > before:
                        queue[tail] = cand[i]
                        tail += 1
    return order


@numba.njit(cache=True, nogil=True)
def snowball(indptr, indices, budget, max_neighbors, key):
    """Breadth-first (snowball) sampling over ``indptr/indices`` from a uniform start; each node adds
    all its unvisited neighbours, or ``max_neighbors`` of them drawn uniformly (> 0). A new uniform
    start is drawn when the queue empties. Returns the first ``budget`` visited nodes."""
    n = indptr.shape[0] - 1
    skey = stream_key(key, 0)
    ctr = np.int64(0)
    seen = np.zeros(n, np.bool_)
    order = np.empty(budget, np.int64)
    cand = np.empty(n, np.int64)
    k = 0
    head = 0
    while k < budget:
        if head == k:
            a = _below(skey, ctr, n)
            ctr += 1
            if seen[a]:
                continue
            seen[a] = True
            order[k] = a
            k += 1
        u = order[head]
        head += 1
        nc = _unvisited_neighbours(indptr, indices, u, seen, cand)
        take = nc if max_neighbors <= 0 else min(nc, max_neighbors)
        for i in range(take):
            if max_neighbors > 0:
                r = i + _below(skey, ctr, nc - i)
                ctr += 1
                cand[i], cand[r] = cand[r], cand[i]
            v = cand[i]
            k = _visit(v, seen, order, k, budget)
    return order


# ----------------------------------------------------------------------------- metrics

@numba.njit(cache=True, nogil=True)
def triangles_per_node(indptr, indices):
    """Triangles through each node of a simple undirected graph in CSR (no loops), by the forward
    algorithm (Schank & Wagner 2005): edges oriented from lower to higher (degree, id) rank, the
    oriented neighbours of u marked, and every oriented path u -> v -> w closing on a mark is a triangle;
    O(m^{3/2}) time."""
    n = indptr.shape[0] - 1
    deg = indptr[1:] - indptr[:-1]
    fwd_ptr = np.zeros(n + 1, np.int64)
    for u in range(n):
        c = 0
        for q in range(indptr[u], indptr[u + 1]):
            v = indices[q]
            if deg[v] > deg[u] or (deg[v] == deg[u] and v > u):
                c += 1
        fwd_ptr[u + 1] = fwd_ptr[u] + c
    fwd = np.empty(fwd_ptr[n], np.int64)
    for u in range(n):
        c = fwd_ptr[u]
        for q in range(indptr[u], indptr[u + 1]):
            v = indices[q]
            if deg[v] > deg[u] or (deg[v] == deg[u] and v > u):
                fwd[c] = v
                c += 1
    mark = np.full(n, -1, np.int64)
    out = np.zeros(n, np.int64)
    for u in range(n):
        for q in range(fwd_ptr[u], fwd_ptr[u + 1]):
            mark[fwd[q]] = u
        for q in range(fwd_ptr[u], fwd_ptr[u + 1]):
            v = fwd[q]
            for r in range(fwd_ptr[v], fwd_ptr[v + 1]):
                w = fwd[r]
                if mark[w] == u:
                    out[u] += 1
                    out[v] += 1
                    out[w] += 1
    return out


@numba.njit(cache=True, nogil=True)
def walk_until(kind, indptr, indices, starts, c, key, budget, chunk, restart_stream):
    """The walk samplers' CPU kernel: the walkers of :func:`walk_chunk` advanced in lockstep until
    ``budget`` distinct nodes are seen, in (step, walker) order after the starts. When a whole chunk of
    ``chunk`` steps finds no new node, every walker restarts at a uniform node (stream
    ``restart_stream + r`` for the r-th restart, counter w). Returns the nodes in order of discovery --
    exactly what the chunked GPU kernel gives after merging."""
    n = indptr.shape[0] - 1
    W = starts.shape[0]
    seen = np.zeros(n, np.bool_)
    order = np.empty(budget, np.int64)
    k = 0
    start = starts.copy()
    cur = starts.copy()
    prev = np.full(W, -1, np.int64)
    skeys = np.empty(W, np.uint64)
    for w in range(W):
        skeys[w] = stream_key(key, w)
        k = _visit(start[w], seen, order, k, budget)
    t = 0
    restarts = 0
    while k < budget:
        before = k
        for j in range(chunk):
            for w in range(W):
                v = _step(kind, indptr, indices, n, cur[w], prev[w], start[w], c, skeys[w], 2 * (t + j))
                prev[w] = cur[w]
                cur[w] = v
                k = _visit(v, seen, order, k, budget)
        t += chunk
        if k == before:
            restarts += 1
            rkey = stream_key(key, restart_stream + restarts)
            for w in range(W):
                s = np.int64(_uniform(rkey, w) * n)
                start[w] = s
                cur[w] = s
                prev[w] = -1
                k = _visit(s, seen, order, k, budget)
    return order
