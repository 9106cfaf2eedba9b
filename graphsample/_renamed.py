"""Keyword arguments that were renamed: the old name keeps working, with a ``DeprecationWarning``, until it is
removed."""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def renamed_keyword(old: str, new: str, why: str) -> Callable[[F], F]:
    """Decorate a function whose keyword ``old`` is now ``new``: a call with ``old`` warns (``why`` says what the
    new name matches) and passes the value as ``new``; a call with both is a ``TypeError``."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{fn.__name__}() got both {old}= and {new}=, its new name; pass {new}= only")
                warnings.warn(f"{fn.__name__}({old}=...) is now {new}=... ({why}); the old name will be removed",
                              DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return call  # type: ignore[return-value]

    return wrap
