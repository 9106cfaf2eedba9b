r"""Seeds and the counter-based random number generator shared by CPU and CUDA kernels.

Two layers:

* :func:`check_seed` turns the ``seed`` argument every random function takes (``int``,
  :class:`numpy.random.Generator` or ``None``) into a Generator, for host-side NumPy code.
  There is no global seeding anywhere in graphsample.
* Kernels draw from a **counter-based hash RNG**: the ``c``-th number of stream ``s`` under
  seed key ``k`` is a pure function of ``(k, s, c)``,

  .. math::  k_s = \mathrm{mix}(k \oplus \mathrm{mix}(s\,\phi + 1)), \qquad
             x_{s,c} = \mathrm{mix}(k_s + (c + 1)\,\phi),

  where :math:`\phi` = ``0x9E3779B97F4A7C15`` and ``mix`` is the SplitMix64 finaliser
  (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014); for a
  fixed stream this is exactly the SplitMix64 sequence started at :math:`k_s`. The functions are
  written once with 64-bit integer arithmetic; Numba compiles the same source for the CPU
  (``@njit``) and for CUDA (``cuda.jit(device=True)``), and :func:`uniform_array` evaluates it on
  whole NumPy / CuPy / PyTorch arrays. Hence the promise in the docs: **the same seed gives the same
  random numbers, walks and samples on every backend, whatever the thread count**, because no number
  depends on which thread drew it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numba
import numpy as np

SeedLike = int | np.random.Generator | None

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def _check_int_seed(seed: int) -> None:
    """One range for every seeded function: the counter RNG's key is 64 bits, and a larger seed would alias
    ``seed mod 2**64`` there."""
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be a non-negative integer below 2**64, got {seed}")


def check_seed(seed: SeedLike) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator`.

    An ``int`` in 0..2**64 - 1 seeds a new PCG64 generator, a Generator is used as is (and advanced), ``None``
    draws fresh OS entropy. Anything else is a ``TypeError``, ``bool`` included: ``True`` is an ``int``
    subclass, but a flag in the seed's slot is a mistake, not the seed 1.
    """
    if isinstance(seed, bool | np.bool_):
        raise TypeError(f"seed must be an int, a numpy.random.Generator or None, not a bool ({seed!r})")
    if seed is None or isinstance(seed, int | np.integer):
        if seed is not None:
            _check_int_seed(seed)
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    raise TypeError(f"seed must be an int, a numpy.random.Generator or None, not {type(seed).__name__}")


def seed_key(seed: SeedLike) -> np.uint64:
    """The 64-bit key of the counter-based RNG for ``seed``.

    An ``int`` in 0..2**64 - 1 maps to a fixed key (so the same int gives the same kernel streams everywhere);
    a Generator yields one draw (advancing it); ``None`` gives a fresh random key. A ``bool`` is a
    ``TypeError`` (through :func:`check_seed`).
    """
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        _check_int_seed(seed)
        with np.errstate(over="ignore"):
            return np.uint64(_mix64_py(np.uint64(int(seed))))
    return np.uint64(check_seed(seed).integers(0, 2**64, dtype=np.uint64))


def spawn(seed: SeedLike, n: int) -> list[np.random.Generator]:
    """``n`` statistically independent Generators derived from ``seed`` (NumPy's SeedSequence spawning)."""
    return list(check_seed(seed).spawn(n))


# --- the scalar kernel functions: one source for @njit and cuda.jit(device=True) ---------------

def _mix64_py(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _make_scalar_functions(jit):
    mix64 = jit(_mix64_py)

    def _stream_key(key, stream):
        return mix64(key ^ mix64(np.uint64(stream) * _GOLDEN + _ONE))

    def _random_u64(skey, counter):
        return mix64(skey + (np.uint64(counter) + _ONE) * _GOLDEN)

    stream_key = jit(_stream_key)
    random_u64 = jit(_random_u64)

    def _random_uniform(skey, counter):
        return np.float64(random_u64(skey, counter) >> _S11) * _INV53

    random_uniform = jit(_random_uniform)

    def _random_below(skey, counter, n):
        r = np.int64(random_uniform(skey, counter) * n)
        return r if r < n else n - 1

    random_below = jit(_random_below)
    return SimpleNamespace(mix64=mix64, stream_key=stream_key, random_u64=random_u64,
                           random_uniform=random_uniform, random_below=random_below)


_cpu = _make_scalar_functions(numba.njit(inline="always"))

#: ``mix64(z)``: the SplitMix64 finaliser on a uint64 (Numba CPU).
mix64 = _cpu.mix64
#: ``stream_key(key, stream)``: the per-stream key :math:`k_s` (Numba CPU).
stream_key = _cpu.stream_key
#: ``random_u64(skey, counter)``: 64 random bits (Numba CPU).
random_u64 = _cpu.random_u64
#: ``random_uniform(skey, counter)``: a float64 uniform on [0, 1) with 53 random bits (Numba CPU).
random_uniform = _cpu.random_uniform
#: ``random_below(skey, counter, n)``: an int64 uniform on {0, ..., n-1} (Numba CPU).
random_below = _cpu.random_below

_cuda_functions: SimpleNamespace | None = None


def cuda_functions() -> SimpleNamespace:
    """The same functions compiled as numba.cuda device functions (imported lazily)."""
    global _cuda_functions
    if _cuda_functions is None:
        from ._backend import numba_cuda

        cuda = numba_cuda()
        _cuda_functions = _make_scalar_functions(lambda f: cuda.jit(device=True)(f))
    return _cuda_functions


# --- whole-array evaluation on NumPy, CuPy and PyTorch ----------------------------------------
# Two's-complement int64 arithmetic gives the same bits as uint64 (products and sums wrap);
# logical right shifts are arithmetic shifts masked to the low 64-k bits. All three backends
# support this on int64, whereas torch lacks uint64 arithmetic.

def _i64(c: int) -> int:
    return c - (1 << 64) if c >= 1 << 63 else c


_GOLDEN_I, _M1_I, _M2_I = _i64(0x9E3779B97F4A7C15), _i64(0xBF58476D1CE4E5B9), _i64(0x94D049BB133111EB)


def _shr(z: Any, k: int) -> Any:
    return (z >> k) & ((1 << (64 - k)) - 1)


def _mix64_i64(z: Any) -> Any:
    z = (z ^ _shr(z, 30)) * _M1_I
    z = (z ^ _shr(z, 27)) * _M2_I
    return z ^ _shr(z, 31)


def _as_i64(key: Any) -> int:
    return _i64(int(key))


def _wide(a: Any) -> Any:
    """An integer array (or int) as int64 on its backend, so that the hash arithmetic wraps in 64 bits."""
    if isinstance(a, int | np.integer):
        return np.int64(_i64(int(a) & 0xFFFFFFFFFFFFFFFF))
    from ._backend import namespace

    xp = namespace(a)
    return xp.astype(a, xp.int64, copy=False)


def uniform_array(key: Any, stream: Any, counter: Any) -> Any:
    """Uniform [0, 1) float64 numbers ``u[s, c]`` for integer arrays ``stream`` and ``counter`` (broadcast;
    any integer dtype, taken as int64).

    Bit-identical to :data:`random_uniform` ``(stream_key(key, s), c)`` in the kernels, on whichever
    backend the arrays live (NumPy, CuPy or torch).
    """
    from ._backend import namespace

    stream, counter = _wide(stream), _wide(counter)
    with np.errstate(over="ignore"):
        skey = _mix64_i64(_mix64_i64(stream * _GOLDEN_I + 1) ^ _as_i64(key))
        z = _mix64_i64(skey + (counter + 1) * _GOLDEN_I)
        xp = namespace(z)
        return xp.astype(_shr(z, 11), xp.float64) * _INV53
