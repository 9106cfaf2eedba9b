"""Exceptions that graphsample raises for things a user can get wrong, and the number tests its parameter checks share.

Every error a user can cause (a bad file, a bad parameter, an unknown node) is a
:class:`GraphsampleError`; the CLI turns these into one line on stderr and a
non-zero exit. Anything else escaping the library is a bug and keeps its traceback.
"""

from __future__ import annotations

import numbers

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


def check_positive(name: str, value: object) -> None:
    """Raise a ValueError naming the parameter unless ``value`` is a positive integer (a bool is not one)."""
    if not (is_integer(value) and value >= 1):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_iterations(max_iter: object, tol: object) -> None:
    """The stopping rule of an iterative solver: ``max_iter`` a positive integer, ``tol`` a number >= 0."""
    check_positive("max_iter", max_iter)
    if not (is_real(tol) and tol >= 0):
        raise ValueError(f"tol must be a number >= 0, got {tol!r}")
