"""GreeDi two-round MIG on a Dask LocalCluster (threads)."""

from __future__ import annotations

import numpy as np
import pytest

from graphsample.selection.mig import build_problem, make_phi, mig_run, mig_select_greedi

from .test_mig import pool

pytestmark = pytest.mark.distributed


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address="127.0.0.1:0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_one_shard_is_central_greedy(client):
    prob = pool(600, 40, seed=5)
    res = mig_select_greedi(client, prob, 30, n_shards=1)
    np.testing.assert_array_equal(res.indices, mig_run(prob, 30).indices)


def test_sharded_quality_close_to_central(client):
    prob = pool(1000, 60, seed=6)
    phi = make_phi()
    central = mig_run(prob, 40, gain="exact")
    res = mig_select_greedi(client, prob, 40, n_shards=4, gain="exact", seed=1)
    assert res.indices.size == 40 and np.unique(res.indices).size == 40
    assert res.objective == pytest.approx(prob.objective(res.indices, phi))
    # GreeDi's guarantee is loose; in practice it is within a few percent of the central greedy
    assert res.objective >= 0.97 * central.objective
    np.testing.assert_allclose(res.gains.sum(), res.objective, rtol=1e-9)


@pytest.mark.parametrize("gain", ["linear", "exact"])
def test_gains_follow_the_gain_option(client, gain):
    r"""With one shard GreeDi picks what central greedy picks, in the same order, so its reported gains must
    be central greedy's for the same ``gain``: the first-order :math:`\delta^{(i)} \cdot \varphi'(x)` for
    ``"linear"``, :math:`E(S \cup i) - E(S)` for ``"exact"`` (both sums of the same few products, equal up
    to float64 reassociation)."""
    prob = pool(300, 20, seed=8)
    central = mig_run(prob, 15, gain=gain)
    res = mig_select_greedi(client, prob, 15, n_shards=1, gain=gain)
    np.testing.assert_array_equal(res.indices, central.indices)
    np.testing.assert_allclose(res.gains, central.gains, rtol=1e-10)


def test_a_better_local_solution_beats_the_merged_one(client):
    r"""Greedy is not optimal: on the label sets {0,1,2,3} (quality 1), {0,1} and {2,3} (quality 2.3 each) with
    no label graph, exact-gain greedy takes item 0 first (:math:`E = 4 > 2 \cdot 2.3^{0.8}`) and ends at
    :math:`4 + 2(3.3^{0.8} - 1) = 7.198`, below :math:`E(\{1, 2\}) = 4 \cdot 2.3^{0.8} = 7.788`. Seed 3 puts items 1
    and 2 in one of the two shards, whose local greedy finds {1, 2}: GreeDi returns the better of the merged and
    the local solutions, so that one."""
    prob = build_problem([[0, 1, 2, 3], [0, 1], [2, 3]], scores=[1.0, 2.3, 2.3])
    assert mig_run(prob, 2, gain="exact").objective == pytest.approx(4 + 2 * (3.3**0.8 - 1), rel=1e-12)
    res = mig_select_greedi(client, prob, 2, n_shards=2, gain="exact", seed=3)
    assert sorted(res.indices.tolist()) == [1, 2]
    assert res.objective == pytest.approx(4 * 2.3**0.8, rel=1e-12)


def test_bad_gain_is_refused_before_any_work():
    with pytest.raises(ValueError, match="unknown gain"):
        mig_select_greedi(None, pool(50, 5, seed=1), 5, n_shards=2, gain="first-order")
    with pytest.raises(ValueError, match="phi_grad"):
        mig_select_greedi(None, pool(50, 5, seed=1), 5, n_shards=2, phi=make_phi(np.sqrt))


def test_client_is_checked():
    with pytest.raises(TypeError, match="client must be a distributed.Client, got NoneType"):  # AttributeError
        mig_select_greedi(None, pool(50, 5, seed=1), 5, n_shards=2)


def test_bad_shards(client):
    with pytest.raises(ValueError, match="n_shards"):
        mig_select_greedi(client, pool(50, 5, seed=1), 5, n_shards=0)
