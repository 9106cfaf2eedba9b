r"""GPU path of the sampling package (imported lazily, never at ``import graphsample``).

JDM/DCM construction on a device, written with array-API operations so that the same code runs on
CuPy and PyTorch (CUDA or CPU, which is how it is tested without a GPU) and on NumPy (the
``on_infeasible="multigraph"`` fallback):

1. :func:`configuration_arcs` -- block-wise configuration matching. The out-stubs of each out-degree
   class are shuffled (one segmented sort by ``(class, uniform)``) and cut into consecutive runs, one per
   JDM cell of that row, of length :math:`J'[k,l]`; the in-stubs of each in-degree class likewise per
   column; the :math:`i`-th out-stub of a cell is joined to its :math:`i`-th in-stub. The result has
   exactly the degrees and the JDM, but may contain self-loops and multi-arcs.
2. :func:`repair_arcs` -- rounds of JDM-preserving moves for every bad arc :math:`(a,b)` (a loop or a
   repeated arc): target swaps with a partner :math:`(c,d)` whose target has the same in-degree, or whose
   source has the same out-degree, giving :math:`(a,d),(c,b)`; and source rotations of three arcs,
   :math:`(a,b),(c,x),(y,b') \to (y,b),(a,x),(c,b')` with :math:`c` of :math:`a`'s out-degree and
   :math:`b'` of :math:`b`'s in-degree, which free multi-arcs between hubs whose degree classes are too
   small for a swap. A move is applied when it creates neither a loop nor an existing or concurrently
   created arc; conflicts between proposals are settled by the lowest proposal id.
3. :func:`swaps_gpu` -- the optional randomisation, as rounds of disjoint random pairs (alternately
   within target in-degree classes and source out-degree classes).

Random numbers are :func:`graphsample._random.uniform_array` of ``(seed key, stream, counter)``, so the
three backends give the same graph for the same seed. The walk-style samplers' numba.cuda kernels live
here as well (:func:`walk_chunk_cuda`, :func:`frontier_cuda`).
"""

from __future__ import annotations

from typing import Any

import numpy as np


from .._backend import asarray_like, device_kwargs, namespace
from .._ops import arange_like, bincount, repeat_ids
from .._random import uniform_array
from ._kernels import JDM_STREAM_GPU_SWAPS, JDM_STREAM_IN_STUBS, JDM_STREAM_OUT_STUBS, JDM_STREAM_REPAIR

#: the repair gives up after _MAX_REPAIR_ROUNDS rounds, or once the count of bad arcs has not fallen for
#: _STALL_ROUNDS rounds
_MAX_REPAIR_ROUNDS, _STALL_ROUNDS = 1000, 400
#: candidate moves per bad arc and round; _TAIL_CANDIDATES each once at most _TAIL bad arcs are left (more
#: candidates while many are bad made R-MAT worse: the proposals block each other's arcs)
_CANDIDATES, _TAIL, _TAIL_CANDIDATES = 8, 8, 32


def _counts_ptr(xp: Any, counts: Any) -> Any:
    """The int64 CSR pointer ``[0, c_0, c_0 + c_1, ...]`` of ``counts``."""
    zero = xp.zeros(1, dtype=xp.int64, **device_kwargs(counts))
    return xp.concat([zero, xp.cumulative_sum(xp.astype(counts, xp.int64))])


def _ids_by_count(xp: Any, counts: Any) -> Any:
    """``repeat(arange(len(counts)), counts)``: id ``i`` listed ``counts[i]`` times, int64, by
    :func:`graphsample._ops.repeat_ids` (CuPy's ``repeat`` takes an array of counts only from CuPy 14.1 on)."""
    return repeat_ids(_counts_ptr(xp, counts))


def _shuffle_within(xp: Any, group: Any, key: Any, stream: int) -> Any:
    """A permutation that sorts by ``group`` and shuffles uniformly inside each group."""
    n = group.shape[0]
    idx = arange_like(n, group)
    u = uniform_array(key, xp.full((n,), stream, dtype=xp.int64, **device_kwargs(group)), idx)
    order = xp.argsort(u, stable=True)
    return order[xp.argsort(group[order], stable=True)]


def configuration_arcs(out_deg: Any, in_deg: Any, row_deg: Any, col_deg: Any, ri: Any, ci: Any,
                       jv: Any, key: Any) -> tuple[Any, Any]:
    """Block-wise configuration matching: ``(src, dst)`` with out/in-degrees ``out_deg``/``in_deg`` and
    ``jv[e]`` arcs from out-class ``row_deg[ri[e]]`` to in-class ``col_deg[ci[e]]`` (loops and
    multi-arcs possible), on the backend and device of ``out_deg`` (NumPy, CuPy or torch). Nodes must be
    numbered so that equal out-degrees are contiguous and ascending (as :func:`.jdm.node_classes` does);
    the class-level arrays may be host arrays (they are small and are copied over)."""
    xp = namespace(out_deg)
    dev = out_deg
    ri, ci, jv = (asarray_like(np.asarray(a, dtype=np.int64), dev) for a in (ri, ci, jv))
    n_rows = len(row_deg)
    # out-stubs grouped by node; nodes are already grouped by ascending out-degree, so by row
    out_stub = _ids_by_count(xp, out_deg)
    out_stub = out_stub[_shuffle_within(xp, out_deg[out_stub], key, JDM_STREAM_OUT_STUBS)]
    # in-stubs grouped by in-degree class, shuffled inside
    in_stub = _ids_by_count(xp, in_deg)
    in_stub = in_stub[_shuffle_within(xp, in_deg[in_stub], key, JDM_STREAM_IN_STUBS)]
    # cells are sorted by (row, col): arc t of the row-major listing takes out-stub t
    n_cells = jv.shape[0]
    cell_ptr = _counts_ptr(xp, jv)
    cell_of_arc = repeat_ids(cell_ptr)
    m = cell_of_arc.shape[0]
    pos_in_cell = arange_like(m, dev) - cell_ptr[:-1][cell_of_arc]
    src = out_stub
    # column-major offsets of the cells: where each cell's run of in-stubs starts
    corder = xp.argsort(ci * max(n_rows, 1) + ri, stable=True)
    start = xp.zeros(n_cells, dtype=xp.int64, **device_kwargs(dev))
    start[corder] = _counts_ptr(xp, jv[corder])[:-1]
    dst = in_stub[start[cell_of_arc] + pos_in_cell]
    return src, dst


def _repeats(xp: Any, keys: Any) -> Any:
    """Boolean mask of every repeat of a key after its first occurrence in array order."""
    order = xp.argsort(keys, stable=True)
    ks = keys[order]
    rep = xp.zeros(keys.shape[0], dtype=xp.bool, **device_kwargs(keys))
    if keys.shape[0] > 1:
        rep[order[1:]] = ks[1:] == ks[:-1]
    return rep


def _bad_arcs(xp: Any, src: Any, dst: Any, n: int) -> Any:
    """Boolean mask of loops and of every repeat (after the first, in arc order) of an arc."""
    return _repeats(xp, src * n + dst) | (src == dst)


def _group_partner(xp: Any, group: Any, who: Any, key: Any, stream: int, counter: Any) -> Any:
    """For arcs ``who``, a uniformly drawn arc with the same ``group`` value (possibly itself), drawn with
    the uniforms ``(key, stream, counter)``."""
    m = group.shape[0]
    order = xp.argsort(group, stable=True)
    gs = group[order]
    lo = xp.searchsorted(gs, group[who], side="left")
    hi = xp.searchsorted(gs, group[who], side="right")
    u = uniform_array(key, xp.full(who.shape, stream, dtype=xp.int64, **device_kwargs(group)), counter)
    off = xp.astype(xp.floor(u * xp.astype(hi - lo, xp.float64)), xp.int64)
    return order[xp.clip(lo + off, 0, m - 1)]


def _apply_moves(xp: Any, src: Any, dst: Any, n: int, arcs: Any, new_src: Any, new_dst: Any) -> tuple[Any, Any, int]:
    """Apply the valid, conflict-free moves among proposals: proposal ``i`` rewrites arc ``arcs[j, i]`` as
    ``(new_src[j, i], new_dst[j, i])`` for ``j < k`` (arrays of shape ``(k, P)``).

    A proposal is valid when its arcs are distinct and its new arcs are distinct, are not loops and do not
    exist. Among the valid proposals, each arc goes to the lowest proposal that touches it (so of several
    candidates for one bad arc, the lowest-numbered valid one is tried); a proposal is applied when it
    wins all its arcs and no lower proposal that wins all its own creates one of its new arcs. Returns the new
    ``(src, dst)`` and the number applied."""
    m = src.shape[0]
    k, P = arcs.shape
    if P == 0:
        return src, dst, 0
    pid = arange_like(P, arcs)
    new = new_src * n + new_dst
    sk = xp.sort(src * n + dst)
    valid = xp.all(new_src != new_dst, axis=0)
    for j in range(k):
        pos = xp.clip(xp.searchsorted(sk, new[j]), 0, m - 1)
        valid = valid & (sk[pos] != new[j])
        for i in range(j):
            valid = valid & (arcs[i] != arcs[j]) & (new[i] != new[j])
    # each arc keeps the lowest valid proposal that touches it (arcs listed proposal by proposal)
    vid = xp.nonzero(valid)[0]
    touched = xp.reshape(arcs[:, vid].T, (-1,))
    first = ~_repeats(xp, touched)
    winner = xp.full((m,), P, dtype=xp.int64, **device_kwargs(src))
    winner[touched[first]] = xp.repeat(vid, k)[first]
    ok = valid
    for j in range(k):
        ok = ok & (winner[arcs[j]] == pid)
    # two applied proposals must not create the same arc: of those that would, the lowest keeps it (with
    # symmetric bad arcs, e.g. two repeats of one arc, rejecting all of them stalled the repair for good);
    # a proposal already refused gets unique negative keys
    refused = -1 - (pid[:, None] * k + arange_like(k, pid)[None, :])
    made = xp.reshape(xp.where(ok[:, None], new.T, refused), (-1,))
    ok = ok & ~xp.any(xp.reshape(_repeats(xp, made), (P, k)), axis=1)
    acc = xp.nonzero(ok)[0]
    src, dst = xp.asarray(src, copy=True), xp.asarray(dst, copy=True)
    changed = xp.reshape(arcs[:, acc], (-1,))
    src[changed] = xp.reshape(new_src[:, acc], (-1,))
    dst[changed] = xp.reshape(new_dst[:, acc], (-1,))
    return src, dst, int(acc.shape[0])


def _try_swaps(xp: Any, src: Any, dst: Any, n: int, e1: Any, e2: Any) -> tuple[Any, int]:
    """Target swaps ``(a,b),(c,d) -> (a,d),(c,b)`` of the arc pairs ``e1[i], e2[i]`` (see :func:`_apply_moves`);
    the sources stay. Returns the new targets and the number of swaps applied."""
    a, b, c, d = src[e1], dst[e1], src[e2], dst[e2]
    _, dst, done = _apply_moves(xp, src, dst, n, xp.stack([e1, e2]), xp.stack([a, c]), xp.stack([d, b]))
    return dst, done


def _try_rotations(xp: Any, src: Any, dst: Any, n: int, e: Any, f: Any, g: Any) -> tuple[Any, Any, int]:
    """Source rotations of arc triples: ``e = (a,b)``, ``f = (c,x)`` with ``c`` of ``a``'s out-degree and
    ``g = (y,b')`` with ``b'`` of ``b``'s in-degree become ``(y,b), (a,x), (c,b')``. Every node keeps its
    degrees and the cells (A,B), (A,X), (Y,B) of the JDM lose and gain one arc each. This frees a multi-arc
    between hubs whose classes are too small for either swap: ``(c,b')`` is the free pair of the class
    block, ``(a,x)`` and ``(y,b)`` move the other ends (see :func:`_apply_moves`)."""
    arcs = xp.stack([e, f, g])
    return _apply_moves(xp, src, dst, n, arcs, xp.stack([src[g], src[e], src[f]]), xp.stack([dst[e], dst[f], dst[g]]))


def repair_arcs(xp: Any, src: Any, dst: Any, n: int, out_deg: Any, in_deg: Any,
                key: Any) -> tuple[Any, Any] | None:
    """Remove loops and multi-arcs, in rounds of JDM-preserving moves that involve every bad arc: target
    swaps with a partner arc whose target shares the bad arc's target in-degree (rounds ``r = 0 mod 3``),
    target swaps with a partner whose source shares its source out-degree (``r = 1``; needed when the
    target's in-degree class is a single node), and source rotations of three arcs (``r = 2``,
    :func:`_try_rotations`; needed for multi-arcs between hubs of small saturated classes).

    Returns the repaired ``(src, dst)``, or None when bad arcs remain (no progress in ``_STALL_ROUNDS`` rounds,
    or ``_MAX_REPAIR_ROUNDS`` in all);
    :func:`.jdm.jdm_sample` then builds on the host (neighbour switches of the CPU kernel) and reports it.
    """
    m = src.shape[0]
    fewest, since = m + 1, 0
    for r in range(_MAX_REPAIR_ROUNDS):
        bad = xp.nonzero(_bad_arcs(xp, src, dst, n))[0]
        n_bad = int(bad.shape[0])
        if n_bad == 0:
            return src, dst
        fewest, since = (n_bad, 0) if n_bad < fewest else (fewest, since + 1)
        if since >= _STALL_ROUNDS:
            break
        # several candidates per bad arc; the lowest-numbered valid one wins
        k = _TAIL_CANDIDATES if n_bad <= _TAIL else _CANDIDATES
        cand = xp.concat([bad] * k)
        counter = cand + xp.repeat(arange_like(k, bad), n_bad) * m
        stream = JDM_STREAM_REPAIR + 2 * r
        if r % 3 == 2:
            f = _group_partner(xp, out_deg[src], cand, key, stream, counter)
            g = _group_partner(xp, in_deg[dst], cand, key, stream + 1, counter)
            src, dst, _ = _try_rotations(xp, src, dst, n, cand, f, g)
        else:  # partners by the target's in-degree, or by the source's out-degree
            group = in_deg[dst] if r % 3 == 0 else out_deg[src]
            dst, _ = _try_swaps(xp, src, dst, n, cand, _group_partner(xp, group, cand, key, stream, counter))
    return None


def construct_gpu(tg: Any, key: Any, like: Any) -> tuple[Any, Any] | None:
    """Step 6 on ``like``'s device: configuration matching then swap repair (None if the repair stalls)."""
    from .jdm import node_classes

    out_h, in_h = node_classes(tg)
    out_deg, in_deg = asarray_like(out_h, like), asarray_like(in_h, like)
    xp = namespace(out_deg)
    src, dst = configuration_arcs(out_deg, in_deg, tg.mg.row_deg, tg.mg.col_deg, tg.ri, tg.ci, tg.jv, key)
    return repair_arcs(xp, src, dst, int(out_deg.shape[0]), out_deg, in_deg, key)


def swaps_gpu(n: int, src: Any, dst: Any, n_swaps: int, key: Any) -> tuple[Any, Any, int]:
    """About ``n_swaps`` JDM-preserving swap attempts in rounds of disjoint random pairs of arcs,
    alternately paired within target in-degree classes and within source out-degree classes."""
    xp = namespace(src)
    m = src.shape[0]
    out_deg = xp.astype(bincount(src, n), xp.int64)
    in_deg = xp.astype(bincount(dst, n), xp.int64)
    attempted, accepted, r = 0, 0, 0
    while attempted < n_swaps and m >= 2:
        group = in_deg[dst] if r % 2 == 0 else out_deg[src]
        order = _shuffle_within(xp, group, key, JDM_STREAM_GPU_SWAPS + r)
        e1, e2 = order[0:m - 1:2], order[1:m:2]
        same = group[e1] == group[e2]
        e1, e2 = e1[same], e2[same]
        take = min(int(e1.shape[0]), n_swaps - attempted)
        dst, acc = _try_swaps(xp, src, dst, n, e1[:take], e2[:take])
        attempted += max(take, 1)
        accepted += acc
        r += 1
    return src, dst, accepted


# ----------------------------------------------------------------------------- walk samplers (numba.cuda)

_walk_kernel_cache: list = []
#: numba.cuda, bound on first use: kernels must reach it as a module global, which is what Numba's CUDA
#: simulator swaps for its own implementation.
cuda: Any = None


def _walk_kernel() -> Any:
    """The numba.cuda twin of :func:`._kernels.walk_chunk`: one thread per walker, the same step
    function (:func:`._kernels.make_walk_step`) over the CUDA build of the counter RNG."""
    global cuda
    if _walk_kernel_cache:
        return _walk_kernel_cache[0]
    from .._backend import numba_cuda
    from .._random import cuda_functions
    from ._kernels import make_walk_step

    cuda = numba_cuda()
    f = cuda_functions()
    stream_key = f.stream_key  # kernels reach device functions directly: Numba cannot type a namespace
    step = cuda.jit(device=True)(make_walk_step(f.random_below, f.random_uniform))

    @cuda.jit
    def kernel(kind, indptr, indices, cur, prev, start, c, key, t0, visits):
        w = cuda.grid(1)
        if w >= visits.shape[0]:
            return
        n = indptr.shape[0] - 1
        skey = stream_key(key, w)
        u = cur[w]
        p = prev[w]
        for j in range(visits.shape[1]):
            v = step(kind, indptr, indices, n, u, p, start[w], c, skey, 2 * (t0 + j))
            p = u
            u = v
            visits[w, j] = u
        cur[w] = u
        prev[w] = p

    _walk_kernel_cache.append(kernel)
    return kernel


_frontier_kernel_cache: list = []


def _frontier_kernel() -> Any:
    """:func:`._kernels.make_frontier_walk` as a one-thread numba.cuda kernel (the walkers depend on
    each other through the degree-proportional choice, so the chain is sequential)."""
    global cuda
    if _frontier_kernel_cache:
        return _frontier_kernel_cache[0]
    from .._backend import numba_cuda
    from .._random import cuda_functions
    from ._kernels import make_frontier_walk

    cuda = numba_cuda()
    f = cuda_functions()
    stream_key = f.stream_key  # kernels reach device functions directly: Numba cannot type a namespace
    body = cuda.jit(device=True)(make_frontier_walk(f.random_below))

    @cuda.jit
    def kernel(indptr, indices, walkers, t0, key, visits):
        if cuda.grid(1) == 0:
            body(indptr, indices, walkers, t0, stream_key(key, 0), visits)

    _frontier_kernel_cache.append(kernel)
    return kernel


def frontier_cuda(indptr: Any, indices: Any, walkers: Any, t0: int, key: Any, n_steps: int) -> Any:
    """``n_steps`` frontier-sampling steps on the GPU; returns the visited nodes in the arrays' namespace."""
    xp = namespace(walkers)
    visits = xp.empty((n_steps,), dtype=xp.int64, **device_kwargs(walkers))
    _frontier_kernel()[1, 1](_kernel_view(indptr), _kernel_view(xp.astype(indices, xp.int64)), _kernel_view(walkers),
                             np.int64(t0), np.uint64(key), _kernel_view(visits))
    return visits


def _kernel_view(x: Any) -> Any:
    """What a numba.cuda kernel takes: a zero-copy device view of CuPy / torch-CUDA arrays; NumPy arrays
    as they are (only the CUDA simulator of the tests passes those)."""
    from .._backend import backend_of, cuda_array

    return x if backend_of(x) == "numpy" else cuda_array(x)


def walk_chunk_cuda(kind: int, indptr: Any, indices: Any, cur: Any, prev: Any, start: Any, c: float, key: Any,
                    t0: int, n_steps: int) -> Any:
    """``n_steps`` steps of every walker on the GPU; returns ``visits[w, t]`` in the arrays' namespace."""
    xp = namespace(cur)
    W = int(cur.shape[0])
    visits = xp.empty((W, n_steps), dtype=xp.int64, **device_kwargs(cur))
    indices64 = xp.astype(indices, xp.int64)
    threads = 128
    blocks = (W + threads - 1) // threads
    _walk_kernel()[blocks, threads](int(kind), _kernel_view(indptr), _kernel_view(indices64), _kernel_view(cur),
                                    _kernel_view(prev), _kernel_view(start), float(c), np.uint64(key),
                                    np.int64(t0), _kernel_view(visits))
    return visits
