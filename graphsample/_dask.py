"""The Dask ``Client`` checks shared by the distributed entry points (:mod:`.ranking.dask`,
:mod:`.embedding.graphvite_dask`)."""

from __future__ import annotations

from typing import Any

from ._backend import optional_import

#: seconds a distributed call waits for the first worker of a cluster that is still starting
WORKER_WAIT = 60.0


def check_client(client: Any) -> None:
    """Raise ``TypeError`` unless ``client`` is a ``distributed.Client``."""
    optional_import("distributed")
    from distributed import Client

    if not isinstance(client, Client):
        raise TypeError(f"client must be a distributed.Client, got {type(client).__name__}")


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
