"""numba.cuda kernels of the walk engine and of SRRW (imported lazily, only for GPU graphs).

One thread per walker (or per SRRW chain), running the same step functions as the CPU kernels
(:mod:`._step`, compiled as device functions) with the same counter-based RNG, so a seed gives the same
walks on both. Arrays of CuPy or torch-CUDA reach the kernels zero-copy through
``__cuda_array_interface__``; on Numba's CUDA simulator the launchers also accept NumPy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import asarray_like, backend_of, cuda_array, device_kwargs, namespace, native, numba_cuda, on_device
from .._random import cuda_functions
from ..graph import Graph
from ._step import (F_RESTART, I_DEAD_END_RESTART, I_MH, I_N2V, I_NONBACK, I_WEIGHTED,
                    make_step_functions)
from .alias import _build_row, cuda_alias_draw

THREADS_PER_BLOCK = 256


cuda = numba_cuda()  # this module is imported only when a GPU kernel is needed
_rng = cuda_functions()
_f = make_step_functions(cuda.jit(device=True), _rng, cuda_alias_draw())
advance, config, srrw_chain, stream_key = _f.advance, _f.config, _f.srrw_chain, _rng.stream_key
cdf_row, uniform_step = _f.cdf_row, _f.uniform_step
arc_position = _f.arc_position  # also used by the GraphVite sampler
build_alias_row = cuda.jit(device=True)(_build_row)


@cuda.jit(device=True)
def record(mode, paths, counts, w, i, x):
    """Node ``x`` reached at position ``i`` of walk ``w``: its path entry (mode 0) or a visit count (mode 2)."""
    if mode == 0:
        paths[w, i] = x
    elif mode == 2:
        cuda.atomic.add(counts, x, 1)


# The kernels live at module level: Numba's CUDA simulator swaps the ``cuda`` global for its own.
@cuda.jit
def walk_kernel(indptr, indices, cdf, aprob, aalias, h, fp, ip, key, starts, length, mode, paths, lens, counts):
    w = cuda.grid(1)
    if w >= starts.shape[0]:
        return
    cfg = config(fp, ip)
    skey = stream_key(key, w)
    cur = starts[w]
    prev = np.int64(-1)
    n = length + 1
    record(mode, paths, counts, w, 0, cur)
    for s in range(length):
        x, new_prev = advance(indptr, indices, cdf, aprob, aalias, h, cfg, skey, s, cur, prev, starts[w])
        if x < 0:
            n = s + 1
            break
        prev = new_prev
        cur = x
        record(mode, paths, counts, w, s + 1, x)
    lens[w] = n if mode != 1 else cur


@cuda.jit
def uniform_walk_kernel(indptr, indices, key, starts, length, mode, paths, lens, counts):
    """``walk_kernel`` for uniform first-order walks without restarts (the same draws): the generic step's
    registers (node2vec, weights, Metropolis-Hastings) cut the GPU's occupancy, and with it the random reads
    in flight that bound a walk's speed (76 registers a thread against 32 here, ``ptxas`` for sm_90)."""
    w = cuda.grid(1)
    if w >= starts.shape[0]:
        return
    skey = stream_key(key, w)
    cur = np.int64(starts[w])
    n = length + 1
    record(mode, paths, counts, w, 0, cur)
    for s in range(length):
        x = uniform_step(indptr, indices, skey, s, cur)
        if x < 0:
            n = s + 1
            break
        cur = x
        record(mode, paths, counts, w, s + 1, x)
    lens[w] = n if mode != 1 else cur


@cuda.jit
def tables_kernel(indptr, weights, cdf, prob, alias, small, large, scaled):
    u = cuda.grid(1)
    if u >= indptr.shape[0] - 1:
        return
    cdf_row(indptr, weights, cdf, u)
    build_alias_row(indptr, weights, prob, alias, u, small, large, scaled, indptr[u])


@cuda.jit
def alias_kernel(indptr, weights, prob, alias, small, large, scaled, totals):
    u = cuda.grid(1)
    if u >= indptr.shape[0] - 1:
        return
    totals[u] = build_alias_row(indptr, weights, prob, alias, u, small, large, scaled, indptr[u])


@cuda.jit
def srrw_kernel(indptr, indices, logp, logp_self, logmu, mu, f, alpha, log_gamma, log_keep, key, cur, z, keys,
                log_scale, checkpoints, tvd, fsum, path):
    c = cuda.grid(1)
    if c >= cur.shape[0]:
        return
    x, ls = srrw_chain(indptr, indices, logp, logp_self, logmu, mu, f, alpha, log_gamma, log_keep,
                       stream_key(key, c), cur[c], z[c], keys[c], log_scale[c], checkpoints, tvd[c], fsum[c],
                       path[c])
    cur[c] = x
    log_scale[c] = ls


def _grid(n: int) -> tuple[int, int]:
    return max(1, -(-int(n) // THREADS_PER_BLOCK)), THREADS_PER_BLOCK


def launch_walks(indptr, indices, cdf, aprob, aalias, h, fp, ip, key, starts, length, mode, paths, lens,
                 counts, uniform: bool = False) -> None:
    """Run the walk kernel on arrays numba.cuda accepts (device arrays; NumPy on the simulator);
    ``uniform``: the walks are uniform, first-order and without restarts (:func:`uniform_walks`), run by the
    lean kernel."""
    if uniform:
        uniform_walk_kernel[_grid(starts.shape[0])](indptr, indices, key, starts, length, mode, paths, lens, counts)
    else:
        walk_kernel[_grid(starts.shape[0])](indptr, indices, cdf, aprob, aalias, h, fp, ip, key, starts,
                                            length, mode, paths, lens, counts)


def uniform_walks(fp: np.ndarray, ip: np.ndarray) -> bool:
    """Whether the walk parameters (host arrays) ask for uniform first-order walks that stop at dead ends."""
    return (fp[F_RESTART] == 0 and not ip[I_WEIGHTED] and not ip[I_N2V] and not ip[I_NONBACK] and not ip[I_MH]
            and not ip[I_DEAD_END_RESTART])


def launch_srrw(indptr, indices, logp, logp_self, logmu, mu, f, alpha, log_gamma, log_keep, key, cur, z, keys,
                log_scale, checkpoints, tvd, fsum, path) -> None:
    """Run the SRRW kernel, one thread per chain (same arguments as ``_cpu.srrw_kernel``)."""
    srrw_kernel[_grid(cur.shape[0])](indptr, indices, logp, logp_self, logmu, mu, f, alpha, log_gamma, log_keep,
                                     key, cur, z, keys, log_scale, checkpoints, tvd, fsum, path)


def device_like(a: np.ndarray, like: Any) -> Any:
    """A small host array (parameters) on ``like``'s backend and device."""
    return asarray_like(a, like, dtype=a.dtype if backend_of(like) == "cupy" else None)


def full(shape: tuple[int, ...], fill: float, dtype: Any, like: Any) -> Any:
    """``full(shape, fill)`` of NumPy dtype ``dtype`` on ``like``'s GPU backend and device."""
    if backend_of(like) == "torch":
        torch = native("torch")
        return torch.full(shape, fill, dtype=getattr(torch, np.dtype(dtype).name), **device_kwargs(like))
    with on_device(like):
        return native("cupy").full(shape, fill, dtype=dtype)


def view(x: Any) -> Any:
    """The numba.cuda view of a CuPy / torch-CUDA array (zero-copy)."""
    return cuda_array(x)


def weight_tables(G: Graph) -> tuple[Any, Any, Any]:
    """``(cdf, alias prob, alias index)`` of ``G``'s arc weights, built on the device by the CPU's row code.

    One thread per node; the alias scratch (24 bytes per arc) lives in CSR slots while building.
    """
    m = G.n_arcs
    cdf = full((m,), 0.0, np.float64, G.indptr)
    prob, alias, *scratch = _alias_arrays(m, G.indptr)
    if m:
        launch_tables(*(view(a) for a in (G.indptr, G.weights, cdf, prob, alias, *scratch)))
    return cdf, prob, alias


def _alias_arrays(m: int, like: Any) -> tuple[Any, ...]:
    """The alias tables of ``m`` arcs as the kernels start them, ``prob`` (1.0) and ``alias`` (0, int32), then
    the build scratch ``small``, ``large`` and ``scaled`` (24 bytes per arc), on ``like``'s device."""
    return (full((m,), 1.0, np.float64, like), full((m,), 0, np.int32, like), full((m,), 0, np.int64, like),
            full((m,), 0, np.int64, like), full((m,), 0.0, np.float64, like))


def launch_tables(indptr, weights, cdf, prob, alias, small, large, scaled) -> None:
    """Run the table-building kernel (device arrays; NumPy on the simulator)."""
    tables_kernel[_grid(indptr.shape[0] - 1)](indptr, weights, cdf, prob, alias, small, large, scaled)


def alias_tables(indptr: Any, weights: Any) -> tuple[Any, Any, Any]:
    """``(prob, alias, totals)`` of the rows ``indptr`` over ``weights``, built on their device (CuPy or
    torch-CUDA) by the CPU's row code (:func:`.alias.build_alias_totals`), so both give the same tables."""
    m, n = int(weights.shape[0]), int(indptr.shape[0]) - 1
    prob, alias, *scratch = _alias_arrays(m, indptr)
    totals = full((n,), 0.0, np.float64, indptr)
    if m:
        launch_alias(*(view(a) for a in (indptr, weights, prob, alias, *scratch, totals)))
    return prob, alias, totals


def launch_alias(indptr, weights, prob, alias, small, large, scaled, totals) -> None:
    """Run the alias-table kernel (device arrays; NumPy on the simulator)."""
    alias_kernel[_grid(indptr.shape[0] - 1)](indptr, weights, prob, alias, small, large, scaled, totals)


def run_walks(G: Graph, starts: Any, length: int, params: tuple, key: np.uint64, mode: int, idx_dtype: Any) -> tuple:
    """Allocate the outputs on ``G``'s device, launch the kernel, return the outputs (see walk._run_cpu)."""
    like = G.indptr
    cdf, aprob, aalias, h, fp, ip = params
    n_walkers = int(starts.shape[0])
    paths = full((n_walkers, length + 1) if mode == 0 else (0, 0), -1, idx_dtype, like)
    lens = full((n_walkers,), 0, np.int64, like)
    counts = full((G.n_nodes,) if mode == 2 else (0,), 0, np.int64, like)
    if n_walkers:
        arrays = (G.indptr, G.indices, cdf, aprob, aalias, h, device_like(fp, like), device_like(ip, like))
        launch_walks(*(view(a) for a in arrays), key, view(starts), length, mode, view(paths), view(lens),
                     view(counts), uniform_walks(fp, ip))
    if mode == 0:
        return paths, lens
    if mode == 1:
        xp = namespace(like)
        return (xp.astype(lens, xp.int32) if idx_dtype == np.int32 else lens,)
    return (counts,)
