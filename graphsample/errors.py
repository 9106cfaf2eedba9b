"""Exceptions that graphsample raises for things a user can get wrong, and the number tests its parameter checks share.

Every error a user can cause (a bad file, a bad parameter, an unknown node) is a
:class:`GraphsampleError`; the CLI turns these into one line on stderr and a
non-zero exit. Anything else escaping the library is a bug and keeps its traceback.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


class GraphsampleError(ValueError):
    """Base class of the errors caused by user input."""


class InputFormatError(GraphsampleError):
    """A file or stream could not be parsed (empty, malformed line, bad weight)."""


class GraphValidationError(GraphsampleError):
    """Arrays do not describe a valid graph (ids out of range, NaN weights, ...)."""


class BackendUnavailableError(GraphsampleError, ImportError):
    """An optional array library or accelerator is needed but not installed."""


class ArgumentTypeError(GraphsampleError, TypeError):
    """An argument is not of a kind the function takes (a string or a dict where an array is needed): a TypeError,
    and a GraphsampleError like every error a user can cause."""


class DatasetError(GraphsampleError):
    """A registered dataset could not be found, downloaded or verified."""


def is_real(x: object) -> bool:
    """True for a real number, Python or NumPy (``np.float32(0.85)`` included), but not a bool: the test that
    every numeric parameter check starts with."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def is_integer(x: object) -> bool:
    """True for an integer, Python or NumPy (``np.int64(3)`` included), but not a bool nor a float such as ``3.0``:
    the test that every count or size parameter check starts with."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_)


def check_integer(name: str, value: object, low: int = 0, high: int | None = None) -> int:
    """``value`` as an int when it is an integer (Python or NumPy, not a bool nor ``3.0``) in ``[low, high]``
    (``high`` None: no upper end); otherwise a ValueError naming the parameter and the range it must be in: the one
    check of every count or size parameter, as :func:`check_number` is of every real one."""
    if not (is_integer(value) and low <= value and (high is None or value <= high)):
        raise ValueError(f"{name} must be {_integer_range_text(low, high)}, got {_shown(value)}")
    return int(value)


def check_positive(name: str, value: object) -> int:
    """``value`` as an int when it is a positive integer; otherwise a ValueError naming the parameter."""
    return check_integer(name, value, 1)


def _integer_range_text(low: int, high: int | None) -> str:
    """``a positive integer``, ``a non-negative integer``, ``an integer >= 2``, ``an integer in [1, 40]``."""
    if high is not None:
        return f"an integer in [{low}, {high}]"
    return {1: "a positive integer", 0: "a non-negative integer"}.get(low, f"an integer >= {low}")


def check_number(name: str, value: object, low: float = -math.inf, high: float = math.inf, *,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float when it is a finite real number between ``low`` and ``high`` (each end included unless
    ``low_open`` / ``high_open``); otherwise a ValueError naming the parameter and the range it must be in. A
    string, a bool, NaN or an infinity is refused too: the one check of every real-valued parameter."""
    inside = is_real(value) and _finite(value) and (low < value if low_open else low <= value) and \
        (value < high if high_open else value <= high)
    if not inside:
        raise ValueError(f"{name} must be {_range_text(low, high, low_open, high_open)}, got {_shown(value)}")
    return float(value)


def _finite(value: numbers.Real) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        return False


def _range_text(low: float, high: float, low_open: bool, high_open: bool) -> str:
    """``a number in (0, 1]``, ``a finite number >= 1``, ``a finite number``: the range in the words of a message."""
    if math.isfinite(low) and math.isfinite(high):
        return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if math.isfinite(low):
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if math.isfinite(high):
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return "a finite number"


def _shown(value: object) -> str:
    """A value as a message shows it, under NumPy 1 and 2 alike: ``0.5`` for ``np.float64(0.5)``, ``3`` for
    ``np.int64(3)``, ``True`` for ``np.True_``, ``'x'`` for a string."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return repr(float(value)) if is_real(value) else repr(value)


def check_magnitude(name: str, x: Any, shape: tuple[int, ...] | None = None) -> None:
    """A ValueError naming the matrix ``name`` when its finite entries ``x`` (a NumPy, CuPy or torch array; a sparse
    matrix's stored values, with ``shape`` the matrix's) are so large that a sum of squares of them (a squared norm,
    a Gram or covariance entry) can overflow the float type it is computed in: float32 for float32 entries, float64
    otherwise. Entries beyond about 1e150 in float64 gave overflow warnings and then a wrong answer (an empty DPP
    sample, 'X is zero', one cluster) or LAPACK's 'Eigenvalues did not converge'. Likewise when the largest entry
    is non-zero but below the square root of the smallest normal number (1.5e-154 in float64, 1.1e-19 in float32):
    every square then underflows, and a k-DPP of rows near 1e-300 drew from 0/0 probabilities, cosine neighbours
    came out wrong. No temporary array is made."""
    shape = tuple(x.shape) if shape is None else tuple(shape)
    if math.prod(x.shape) == 0:
        return
    largest = max(float(x.max()), -float(x.min()))
    kind = np.dtype(str(x.dtype).removeprefix("torch."))
    kind = kind if kind == np.float32 else np.dtype(np.float64)
    bound = math.sqrt(float(np.finfo(kind).max) / max(math.prod(shape), 1))
    if largest > bound:
        size = " x ".join(map(str, shape))
        raise ValueError(f"{name} has entries up to {largest:.3g} in magnitude, whose sums of squares overflow "
                         f"{kind.name} (a {size} matrix needs entries below {bound:.3g}); rescale it")
    floor = math.sqrt(float(np.finfo(kind).tiny))
    if 0 < largest < floor:
        raise ValueError(f"{name} has entries of at most {largest:.3g} in magnitude, whose squares underflow "
                         f"{kind.name} (below {floor:.3g}); rescale it")


def check_iterations(max_iter: object, tol: object) -> None:
    """The stopping rule of an iterative solver: ``max_iter`` a positive integer, ``tol`` a finite number >= 0."""
    check_positive("max_iter", max_iter)
    check_number("tol", tol, 0.0)
