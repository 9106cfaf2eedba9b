"""Several workers through Dask (CPU workers in an in-process LocalCluster)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from graphsample.embedding import graphvite as gv
from graphsample.graph import from_edges

pytestmark = pytest.mark.distributed
distributed = pytest.importorskip("distributed")

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "graphvite_multi_gpu.py"


def _graph():
    rng = np.random.default_rng(0)
    return from_edges(rng.integers(0, 50, 200), rng.integers(0, 50, 200), n_nodes=50, directed=False,
                      self_loops="drop")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.mark.parametrize("P", [2, 3])
def test_dask_workers_equal_single_process(client, P):
    from graphsample.embedding import graphvite_dask as gd

    G = _graph()
    kw = dict(num_epoch=20, pool_size=1500, num_partition=P, seed=4)
    losses = []
    V, C = gd.deepwalk(client, G, 8, return_context=True, callback=lambda d, t, loss: losses.append(loss), **kw)
    V1, C1 = gv.deepwalk(G, 8, return_context=True, **kw)
    np.testing.assert_allclose(V, V1, atol=1e-6)
    np.testing.assert_allclose(C, C1, atol=1e-6)
    assert len(losses) > 2 and losses[-1] < losses[0]


def test_the_old_argument_order_still_works_with_a_warning(client):
    """Every distributed function takes ``(client, G, ...)``; the GraphVite trainer took ``(G, client, ...)``
    before, which still works, with a warning, and gives the same embeddings."""
    from graphsample.embedding import graphvite_dask as gd

    kw = dict(num_epoch=5, pool_size=1500, num_partition=2, seed=4)
    with pytest.warns(DeprecationWarning, match=r"deepwalk\(G, client, ...\) is now deepwalk\(client, G, ...\)"):
        old = gd.deepwalk(_graph(), client, 8, **kw)
    np.testing.assert_array_equal(old, gd.deepwalk(client, _graph(), 8, **kw))
    with pytest.warns(DeprecationWarning, match=r"train\(G, client"):
        gd.train(_graph(), client, "line", dim=8, **kw)
    with pytest.warns(DeprecationWarning, match=r"line\(G, client"):
        gd.line(_graph(), client=client, dim=8, **kw)
    nx = pytest.importorskip("networkx")
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="from_networkx"):
        gd.deepwalk(nx.path_graph(4), client)  # the graph is named as the graph, not as the client


def test_more_partitions_than_workers_keep_the_learning_rates(client):
    """P = 3 partitions on 2 workers with a decaying learning rate (batch_size 100 < |E| * num_epoch): each
    sample must get the learning rate it has in the single-process trainer."""
    from graphsample.embedding import graphvite_dask as gd

    kw = dict(num_epoch=20, pool_size=1500, num_partition=3, batch_size=100, seed=4)
    V = gd.deepwalk(client, _graph(), 8, **kw)
    np.testing.assert_allclose(V, gv.deepwalk(_graph(), 8, **kw), atol=1e-6)


def test_a_cpu_worker_trains_a_block_in_each_of_its_threads():
    """One worker of 2 threads is 2 training slots: 2 partitions by default, both blocks of an episode trained in
    its threads at once from the one pool it makes, the result the single-process trainer's."""
    from graphsample.embedding import graphvite_dask as gd

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as c:
        (worker,) = c.nthreads()
        assert gd.worker_slots(c, "cpu") == [worker, worker] and gd.worker_slots(c, "cuda") == [worker]
        kw = dict(num_epoch=20, pool_size=1500, seed=4)
        V = gd.deepwalk(c, _graph(), 8, **kw)
    np.testing.assert_allclose(V, gv.deepwalk(_graph(), 8, num_partition=2, **kw), atol=1e-6)


def test_a_block_takes_the_previous_block_s_result_on_its_worker():
    """Where a partition stays on its worker, the next block takes the previous block's result as it is: a
    ``getitem`` task between the two would put a round trip through the scheduler between them (it halved the
    workers' idle time on a local cluster). So on one worker the only ``getitem`` tasks are each block's loss
    and, at the end, the 2 vertex and 2 context partitions."""
    from graphsample.embedding import graphvite_dask as gd

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as c:
        with distributed.get_task_stream(c) as ts:
            V = gd.deepwalk(c, _graph(), 8, num_epoch=20, pool_size=1500, seed=4)
    names = [str(d["key"]).split("-")[0] for d in ts.data]
    assert names.count("_train_block_task") == 2 * 2 * names.count("_pool_task") > 0  # 2 episodes of 2 blocks
    assert names.count("getitem") == names.count("_train_block_task") + 2 * 2
    np.testing.assert_allclose(V, gv.deepwalk(_graph(), 8, num_epoch=20, pool_size=1500, seed=4, num_partition=2),
                               atol=1e-6)


def test_worker_slots_take_turns_over_the_workers():
    """Two workers of 2 and 1 threads: their first threads, then the second one's; an episode of 2 blocks then
    trains on both workers rather than on two threads of one."""
    from graphsample.embedding import graphvite_dask as gd

    class Client:  # the two calls worker_slots makes of a dask.distributed.Client
        def nthreads(self):
            return {"tcp://b": 1, "tcp://a": 2}

    assert gd.worker_slots(Client(), "cpu") == ["tcp://a", "tcp://b", "tcp://a"]
    assert gd.worker_slots(Client(), "cuda") == ["tcp://a", "tcp://b"]


def _gpu_cluster(kind: str):
    """Two GPU workers: threads of this process, or two worker processes that both use GPU 0 (what a machine with
    one GPU can do to move CuPy partitions between worker processes, as several GPUs would)."""
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=kind == "processes",
                                    dashboard_address="127.0.0.1:0")


@pytest.mark.gpu
@pytest.mark.parametrize("directed, kind", [(False, "threads"), (True, "threads"), (False, "processes")])
def test_gpu_workers_equal_single_process(directed, kind):
    """GPU workers make their pools themselves: on the GPU where walks cannot stop (binned into 2 x 2 blocks there),
    from the host sampler on a directed graph with a sink; the partitions move between the workers, threads of
    this process or two processes. Blocks under 64 samples run on one warp, so the result is the single-process
    CPU trainer's to float rounding (the bound of ``test_fit_equals_cpu_trainer``)."""
    from graphsample._backend import cuda_available
    from graphsample.embedding import _graphvite_cuda as gpu
    from graphsample.embedding import graphvite_dask as gd

    if not cuda_available():
        pytest.skip("needs a CUDA GPU")
    pytest.importorskip("cupy")
    if directed:  # node 8 has no out-arc
        G = from_edges([0, 1, 2, 3, 4, 5, 6, 7, 0, 2, 4, 6], [1, 2, 3, 4, 5, 6, 7, 8, 4, 6, 8, 1], n_nodes=9)
    else:
        G = from_edges([0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 2, 4, 6, 8], [1, 2, 3, 4, 5, 6, 7, 8, 0, 4, 6, 8, 1, 3],
                       n_nodes=9, directed=False)
    kw = dict(num_epoch=2, walk_length=4, augmentation_step=2, pool_size=7, batch_size=1, lr=0.25, num_partition=2,
              seed=3, return_context=True)
    h = gv.make_hyper(G, 8, 2, 4, 2, 1, 5.0, 0.25, 0.005, 1, 7)
    assert gpu.samples_on_device(gv.Sampler(G, "deepwalk", h, 2, np.uint64(1))) != directed
    with _gpu_cluster(kind) as cluster, distributed.Client(cluster) as c:
        assert len(c.nthreads()) == 2
        V, C = gd.deepwalk(c, G, 8, device="cuda", **kw)
    V1, C1 = gv.deepwalk(G, 8, **kw)
    np.testing.assert_allclose(V, V1, rtol=0, atol=1e-5)
    np.testing.assert_allclose(C, C1, rtol=0, atol=1e-5)


def test_dask_errors(client):
    from graphsample.embedding import graphvite_dask as gd

    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda'"):
        gd.line(client, _graph(), device="tpu")
    with pytest.raises(ValueError, match="unknown method"):
        gd.train(client, _graph(), "sdne")


def _run_example(tmp_path, monkeypatch, *flags: str) -> np.ndarray:
    edges = tmp_path / "g.tsv"
    src, dst, _ = _graph().edges()
    np.savetxt(edges, np.stack([src, dst], 1), fmt="%d", delimiter="\t")
    out = tmp_path / "emb.npy"
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), str(edges), "-o", str(out), "--dim", "8", "--epochs", "5",
                                      *flags])
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    return np.load(out)


def test_example_script_runs_with_cpu_workers(tmp_path, monkeypatch, capsys):
    assert _run_example(tmp_path, monkeypatch, "--force-cpu").shape == (50, 8)
    assert "on 2 cpu worker(s)" in capsys.readouterr().out


@pytest.mark.gpu
def test_example_script_runs_on_the_gpus(tmp_path, monkeypatch, capsys):
    """The batch script's GPU path: a dask_cuda.LocalCUDACluster, one worker per visible GPU, each training with the
    CUDA kernel (the issue asks that it run with one GPU as well as with CPU workers)."""
    from graphsample._backend import cuda_available

    if not cuda_available():
        pytest.skip("needs a CUDA GPU")
    pytest.importorskip("dask_cuda")
    V = _run_example(tmp_path, monkeypatch)
    assert V.shape == (50, 8) and np.isfinite(V).all()
    assert "cuda worker(s)" in capsys.readouterr().out
