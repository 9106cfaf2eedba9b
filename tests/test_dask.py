"""The shared Dask client checks: a cluster that is still starting, one with no workers, a wrong client."""

from __future__ import annotations

import pytest

distributed = pytest.importorskip("distributed")

from graphsample import _dask  # noqa: E402
from graphsample.embedding import graphvite_dask  # noqa: E402
from graphsample.generators import rmat  # noqa: E402
from graphsample.ranking.dask import fully_personalized_pagerank_dask, pagerank_dask  # noqa: E402

pytestmark = pytest.mark.distributed


@pytest.fixture
def empty_cluster():
    with distributed.LocalCluster(processes=False, n_workers=0, dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster) as client:
        yield cluster, client


def test_no_workers_is_a_clear_error(empty_cluster, monkeypatch):
    monkeypatch.setattr(_dask, "WORKER_WAIT", 0.2)
    _, client = empty_cluster
    with pytest.raises(ValueError, match="no workers"):
        _dask.client_workers(client)
    with pytest.raises(ValueError, match="no workers"):
        pagerank_dask(client, rmat(5, 4, seed=0))
    with pytest.raises(ValueError, match="no workers"):  # Mode A: distributed's TimeoutError after 30 s
        fully_personalized_pagerank_dask(client, rmat(5, 4, seed=0), omega=10)


def test_waits_for_a_worker_that_is_starting(empty_cluster):
    cluster, client = empty_cluster
    cluster.scale(1)  # returns at once; the worker registers while client_workers waits
    assert len(_dask.client_workers(client)) == 1


def test_wrong_client_type():
    with pytest.raises(TypeError, match="distributed.Client"):
        graphvite_dask.train(object(), rmat(5, 4, seed=0))


def test_a_closed_client_is_a_clear_error():
    # it failed deep inside distributed: "'NoneType' object has no attribute 'ncores'"
    with distributed.LocalCluster(processes=False, n_workers=1, dashboard_address="127.0.0.1:0") as cluster:
        client = distributed.Client(cluster)
        client.close()
        with pytest.raises(ValueError, match="client is closed"):
            pagerank_dask(client, rmat(5, 4, seed=0))


_WORKQUEUE_RUN = """
import numpy as np, distributed
from graphsample.embedding import graphvite, graphvite_dask
from graphsample.generators import rmat
from graphsample.ranking import fully_personalized_pagerank
from graphsample.ranking.dask import fully_personalized_pagerank_dask
G = rmat(7, 4, directed=False, seed=1)
ref = fully_personalized_pagerank(G, omega=20, top_k=5, seed=4)
V = graphvite.deepwalk(G, 8, num_epoch=2, num_partition=2, seed=3)
with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=2,
                              dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as client:
    for mode in ("A", "B"):
        r = fully_personalized_pagerank_dask(client, G, omega=20, top_k=5, seed=4, mode=mode, block_size=16,
                                             segment_block=32, short_walks=False)
        assert np.array_equal(r.values, ref.values), mode
    assert np.allclose(graphvite_dask.deepwalk(client, G, 8, num_epoch=2, num_partition=2, seed=3), V, atol=1e-6)
import numba
print(numba.threading_layer())
"""


def test_workers_in_one_process_take_turns_under_numba_s_workqueue_layer():
    """Numba's workqueue layer (its fallback without OpenMP or TBB, common on macOS) aborts the process when two
    threads enter parallel kernels at once; an in-process cluster's workers did (SIGABRT). Under it, the tasks now
    take turns, and the results stay those of one process."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    run = subprocess.run([sys.executable, "-c", _WORKQUEUE_RUN], env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[-1] == "workqueue"


def _scheduler_empty(cluster, timeout: float = 5.0) -> bool:
    import time

    end = time.monotonic() + timeout
    while cluster.scheduler.tasks and time.monotonic() < end:
        time.sleep(0.05)
    return not cluster.scheduler.tasks


class Boom(Exception):
    pass


def _raise(*args, **kwargs):
    raise Boom("a task failed")


@pytest.mark.parametrize("task, call", [
    ("graphsample.ranking.dask._rows_product", lambda c, G: pagerank_dask(c, G, n_parts=3)),
    ("graphsample.ranking.dask._block_task", lambda c, G: fully_personalized_pagerank_dask(c, G, omega=10,
                                                                                          block_size=8)),
    ("graphsample.embedding.graphvite_dask._train_block_task",
     lambda c, G: graphvite_dask.deepwalk(c, G.to_undirected(), 8, num_epoch=1, num_partition=2, seed=0)),
])
def test_a_failed_call_leaves_nothing_on_the_workers(monkeypatch, task, call):
    """A task's error comes back as itself, and the call's scattered data and finished blocks are released: the
    error's traceback held the futures, and 13 to 29 tasks stayed on the scheduler until the client closed."""
    module, name = task.rsplit(".", 1)
    monkeypatch.setattr(module + "." + name, _raise)
    G = rmat(6, 4, seed=0)
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as client:
        with pytest.raises(Boom, match="a task failed"):
            call(client, G)
        assert _scheduler_empty(cluster), sorted(cluster.scheduler.tasks)[:5]


def test_a_client_closed_by_the_failure_leaves_the_call_s_own_error():
    # cancelling the failed call's futures on a closed client raised ClosedClientError, which hid the error
    G = rmat(6, 4, directed=False, seed=0)
    with distributed.LocalCluster(processes=False, n_workers=1, dashboard_address="127.0.0.1:0") as cluster:
        client = distributed.Client(cluster)

        def close_and_fail(*args):
            client.close()
            raise Boom("closed inside")

        with pytest.raises(Boom, match="closed inside"):
            graphvite_dask.deepwalk(client, G, 8, num_epoch=2, num_partition=1, seed=0, callback=close_and_fail)


def test_kernels_need_no_lock_without_the_jit(monkeypatch):
    # under NUMBA_DISABLE_JIT no threading layer is ever set up: asking for it raised in worker processes
    import numba

    monkeypatch.setattr(numba.config, "DISABLE_JIT", True)
    assert _dask.threadsafe_kernels()
