"""The shared Dask client checks: a cluster that is still starting, one with no workers, a wrong client."""

from __future__ import annotations

import pytest

distributed = pytest.importorskip("distributed")

from graphsample import _dask  # noqa: E402
from graphsample.embedding import graphvite_dask  # noqa: E402
from graphsample.generators import rmat  # noqa: E402
from graphsample.ranking.dask import pagerank_dask  # noqa: E402

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


def test_waits_for_a_worker_that_is_starting(empty_cluster):
    cluster, client = empty_cluster
    cluster.scale(1)  # returns at once; the worker registers while client_workers waits
    assert len(_dask.client_workers(client)) == 1


def test_wrong_client_type():
    with pytest.raises(TypeError, match="distributed.Client"):
        graphvite_dask.train(rmat(5, 4, seed=0), object())
