"""What the distributed entry points (:mod:`.ranking.dask`, :mod:`.embedding.graphvite_dask`) share: the Dask
``Client`` checks; :func:`client_first`, the argument order they share; :func:`releases_futures_on_failure`,
which frees a failed call's data on the workers; and :func:`kernel_task`, which keeps a worker's tasks from
launching Numba parallel kernels at once where Numba's threading layer cannot take it
(:func:`threadsafe_kernels`, which the GraphVite trainer's background sampler asks too)."""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import warnings
import weakref
from typing import Any, Callable, TypeVar

import numba
import numpy as np
from numba import prange

from ._backend import optional_import

T = TypeVar("T")

#: seconds a distributed call waits for the first worker of a cluster that is still starting
WORKER_WAIT = 60.0


def check_client(client: Any) -> None:
    """Raise ``TypeError`` unless ``client`` is a ``distributed.Client``, ``ValueError`` when it is closed (it
    failed deep inside distributed: "'NoneType' object has no attribute 'ncores'")."""
    optional_import("distributed")
    from distributed import Client

    if not isinstance(client, Client):
        raise TypeError(f"client must be a distributed.Client, got {type(client).__name__}")
    if client.status in ("closing", "closed"):
        raise ValueError(f"client is {client.status}: connect a new distributed.Client")


#: held while a task launches Numba parallel kernels, where the threading layer is not thread-safe
_KERNEL_LOCK = threading.RLock()


@numba.njit(parallel=True, cache=True)
def _first_parallel_region(x):
    for i in prange(x.shape[0]):
        x[i] += 1.0


def threadsafe_kernels() -> bool:
    """Whether threads of this process may launch Numba parallel kernels at the same time: yes under the ``omp``
    and ``tbb`` threading layers, no under ``workqueue``, Numba's fallback where neither OpenMP nor TBB is found
    (as on many macOS installs), which aborts the whole process when two threads enter a parallel region. The
    layer is chosen at the first parallel region of the process, so one is run (alone) if none has been yet."""
    if numba.config.DISABLE_JIT:  # plain Python: no parallel region, no threading layer
        return True
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel region has run in this process yet
        with _KERNEL_LOCK:
            _first_parallel_region(np.zeros(1))
        layer = numba.threading_layer()
    return layer in ("omp", "tbb")


def kernel_task(fn: Callable[..., T]) -> Callable[..., T]:
    """Wrap a function that Dask workers run and that launches Numba parallel kernels: where the threading layer
    is not thread-safe (:func:`threadsafe_kernels`), the tasks of one process run one at a time under a lock
    (an in-process cluster's workers, and a worker's threads, share the process); elsewhere they run as they are.
    The wrapper keeps ``fn``'s module and name, so Dask pickles it by reference."""
    @functools.wraps(fn)
    def task(*args: Any, **kwargs: Any) -> T:
        if threadsafe_kernels():
            return fn(*args, **kwargs)
        with _KERNEL_LOCK:
            return fn(*args, **kwargs)

    return task


def client_workers(client: Any) -> list[str]:
    """The addresses of the client's workers, sorted, asked of the scheduler now.

    A cluster that is still starting may have none registered yet: then this waits up to :data:`WORKER_WAIT`
    seconds for the first one, and raises ``ValueError`` if none comes.
    """
    workers = sorted(client.nthreads())
    if workers:
        return workers
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise ValueError(f"the Dask cluster has no workers (none registered within {WORKER_WAIT:g} s)") from None
    return sorted(client.nthreads())


class _Tracked:
    """A ``Client`` whose ``submit`` and ``scatter`` remember, weakly, the futures they make (everything else is the
    client's own): a future the call drops is released as usual, one still held can be cancelled."""

    def __init__(self, client: Any):
        self._client, self.futures = client, weakref.WeakSet()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _keep(self, out: Any) -> Any:
        from distributed import Future

        items = out.values() if isinstance(out, dict) else out if isinstance(out, list | tuple) else [out]
        self.futures.update(f for f in items if isinstance(f, Future))
        return out

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        return self._keep(self._client.submit(*args, **kwargs))

    def scatter(self, *args: Any, **kwargs: Any) -> Any:
        return self._keep(self._client.scatter(*args, **kwargs))


def client_first(fn: Callable[..., T]) -> Callable[..., T]:
    """Wrap a distributed entry point that takes ``(client, G, ...)``, the order of every one of them, for the
    callers of the GraphVite trainer's earlier ``(G, client, ...)``: that order still works, with a
    ``DeprecationWarning``, until it is removed. A call is in the old order when its second positional argument
    is a ``distributed.Client`` and its first is not, or when it passes one positional argument and ``client=``."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> T:
        old = (len(args) >= 2 and _is_client(args[1]) and not _is_client(args[0])) or \
            (len(args) == 1 and "client" in kwargs and "G" not in kwargs)
        if old:
            warnings.warn(f"{fn.__name__}(G, client, ...) is now {fn.__name__}(client, G, ...), the order of every "
                          "distributed function; the old order will be removed", DeprecationWarning, stacklevel=2)
            args = (args[1], args[0], *args[2:]) if len(args) >= 2 else (kwargs.pop("client"), args[0])
        return fn(*args, **kwargs)

    return call


def _is_client(x: Any) -> bool:
    distributed = sys.modules.get("distributed")  # not imported: x cannot be a Client
    return distributed is not None and isinstance(x, distributed.Client)


def releases_futures_on_failure(fn: Callable[..., T]) -> Callable[..., T]:
    """Wrap a distributed entry point with a ``client`` parameter: check the client (:func:`check_client`), and
    when the call raises, cancel the futures it made and still holds before the error goes on. Without it, the
    error's traceback held the call's frames, whose locals held the futures, so the scattered graph and the
    finished blocks stayed on the workers until the client closed (a task that raised left 13 to 29 tasks on
    the scheduler)."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> T:
        bound = signature.bind(*args, **kwargs)
        client = bound.arguments["client"]
        check_client(client)
        tracked = bound.arguments["client"] = _Tracked(client)
        try:
            return fn(*bound.args, **bound.kwargs)
        except BaseException:
            try:
                client.cancel(list(tracked.futures))
            except Exception:  # noqa: BLE001 -- a closed or lost client: the call's own error is the one to see
                pass
            raise

    return call
