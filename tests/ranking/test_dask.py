"""Dask: Mode A identical for 1/2/4 workers, Mode B equals Mode A, distributed power iteration."""

from __future__ import annotations

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from graphsample.ranking import fully_personalized_pagerank, pagerank  # noqa: E402
from graphsample.ranking import _pipeline as pl  # noqa: E402
from graphsample.ranking import dask as rd  # noqa: E402
from graphsample.ranking.dask import fully_personalized_pagerank_dask, pagerank_dask  # noqa: E402
from tests.ranking._graphs import random_graph  # noqa: E402

pytestmark = pytest.mark.distributed


@pytest.fixture(scope="module", params=[1, 2, 4])
def client(request):
    with distributed.LocalCluster(processes=False, n_workers=request.param, threads_per_worker=1,
                                  dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as c:
        yield c


def _triple(r):
    return r.indptr, r.indices, r.values


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(_triple(a), _triple(b)))


G = random_graph(48, 150, seed=11)
KW = dict(omega=40, top_k=5, seed=4, hub_degree=2)


def test_mode_a_identical_to_single_machine(client):
    ref = fully_personalized_pagerank(G, **KW)
    assert _same(fully_personalized_pagerank_dask(client, G, mode="A", block_size=7, **KW), ref)


@pytest.mark.parametrize("mode", ["A", "B"])
def test_results_follow_a_torch_graph_as_the_single_machine_s_do(client, mode):
    torch = pytest.importorskip("torch")
    Gt = G.to("torch")
    ref = fully_personalized_pagerank(Gt, **KW)
    got = fully_personalized_pagerank_dask(client, Gt, mode=mode, short_walks=False, **KW)  # B: the same walks
    assert all(isinstance(a, torch.Tensor) for a in (*_triple(got), got.sources))  # they came back as NumPy
    assert all(torch.equal(a, b) for a, b in zip(_triple(got), _triple(ref)))


def test_mode_b_equals_mode_a(client):
    src = np.random.default_rng(0).permutation(48)[:20]
    ref = fully_personalized_pagerank(G, sources=src, **KW)
    b = fully_personalized_pagerank_dask(client, G, mode="B", short_walks=False, segment_block=8,
                                         memory_budget=1 << 24, sources=src, **KW)
    assert _same(b, ref) and b.walk_steps == ref.walk_steps


_WAVES = {"built": 0, "finished": 0, "ahead": []}  # the supersteps a Mode B run has injected and finished
_REAL_INJECT, _REAL_STEP = pl.inject, rd._b_step


def _counting_inject(*args):
    _WAVES["built"] += 1
    _WAVES["ahead"].append(_WAVES["built"] - _WAVES["finished"])
    return _REAL_INJECT(*args)


def _counting_step(*args):  # pickled by reference: the in-process workers share _WAVES with the driver
    out = _REAL_STEP(*args)
    _WAVES["finished"] += 1
    return out


def test_mode_b_keeps_few_waves_in_flight(client, monkeypatch):
    """memory_budget sizes a wave of walkers; the driver built and submitted every wave before the first superstep
    ran (64 waves within 0.06 s of a 2 s run: 16x the budget on the driver and scheduler). Now at most
    _WAVES_IN_FLIGHT supersteps run ahead of the last finished one, and the result is the same."""
    _WAVES.update(built=0, finished=0, ahead=[])
    monkeypatch.setattr(pl, "inject", _counting_inject)
    monkeypatch.setattr(rd, "_b_step", _counting_step)
    # a wave of floor(B alpha / (48 sources x 32 bytes)) = 4 walkers a source (alpha = 0.15): 16 waves
    kw = dict(KW, omega=64, memory_budget=41_000)
    got = fully_personalized_pagerank_dask(client, G, mode="B", short_walks=False, segment_block=8, **kw)
    assert _same(got, fully_personalized_pagerank(G, **kw))
    shards = rd._shard_bounds(G.n_nodes, len(client.nthreads()), 8).shape[0] - 1
    assert _WAVES["built"] >= 16 * shards and max(_WAVES["ahead"]) <= 4 * shards  # a few waves, not all 16


_SEGMENT_RESULTS: set = set()  # Mode B outputs with segments, one per worker count of the fixture


def test_mode_b_segments_same_for_any_workers(client):
    b = fully_personalized_pagerank_dask(client, G, 0.6, mode="B", segment_block=8, memory_budget=1 << 24, **KW)
    _SEGMENT_RESULTS.add(tuple(a.tobytes() for a in _triple(b)))
    assert len(_SEGMENT_RESULTS) == 1


def test_mode_a_writes_files(client, tmp_path):
    paths = fully_personalized_pagerank_dask(client, G, mode="A", block_size=20, output_dir=tmp_path, **KW)
    assert len(paths) == 3
    ref = fully_personalized_pagerank(G, **KW)
    got = [np.load(p) for p in paths]
    assert np.array_equal(np.concatenate([g["values"] for g in got]), ref.values)


def test_mode_a_writes_parquet(client, tmp_path):
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pyarrow missing, or built for another NumPy
        pytest.skip(f"pyarrow unusable here: {exc}")
    paths = fully_personalized_pagerank_dask(client, G, mode="A", block_size=20, output_dir=tmp_path,
                                             output_format="parquet", **KW)
    ref = fully_personalized_pagerank(G, **KW)
    vals = np.concatenate([pq.read_table(p).column("ppr").to_numpy() for p in paths])
    assert np.array_equal(vals, ref.values)


def test_pagerank_dask(client):
    v = np.arange(1.0, 49.0)
    one_worker = len(client.nthreads()) == 1
    for dangling in ("personalization", "uniform", "self") if one_worker else ("uniform",):
        x = pagerank_dask(client, G, 0.5, v, dangling=dangling, tol=1e-12)
        assert np.abs(x - pagerank(G, 0.5, v, dangling=dangling, tol=1e-13)).max() < 1e-10


def test_bad_input(client):
    with pytest.raises(TypeError, match="Client"):
        fully_personalized_pagerank_dask(object(), G, omega=5)
    with pytest.raises(ValueError, match="mode"):
        fully_personalized_pagerank_dask(client, G, omega=5, mode="C")
    with pytest.raises(ValueError, match="output_format"):
        fully_personalized_pagerank_dask(client, G, omega=5, output_format="csv")
    with pytest.raises(ValueError, match="block_size"):
        fully_personalized_pagerank_dask(client, G, omega=5, block_size=0)
    with pytest.raises(ValueError, match="segment_length"):
        fully_personalized_pagerank_dask(client, G, omega=5, mode="B", segment_length=0)
    with pytest.raises(ValueError, match="memory_budget must be a positive integer, got 0"):
        fully_personalized_pagerank_dask(client, G, omega=5, memory_budget=0)
    # Mode A runs the fused kernel: one source's walk ends must fit (omega = 10**12 died in a worker's kernel)
    with pytest.raises(ValueError, match=r"omega = 1000000000000 walks per source need .* more than "
                                         r"memory_budget=268435456: raise memory_budget or use Mode B"):
        fully_personalized_pagerank_dask(client, G, omega=10**12)


def test_pagerank_dask_checks_parts_and_warns(client):
    for bad in (-1, 2.5):
        with pytest.raises(ValueError, match="n_parts"):
            pagerank_dask(client, G, n_parts=bad)
    with pytest.warns(RuntimeWarning, match="did not converge"):  # as pagerank does
        _, info = pagerank_dask(client, G, max_iter=2, return_info=True)
    assert not info.converged and info.iterations == 2
