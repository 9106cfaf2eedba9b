"""Forward push: invariant-based error bounds against the exact personalized PageRank."""

from __future__ import annotations

import numpy as np
import pytest

import graphsample as gs
from graphsample.ranking import forward_push, personalized_pagerank
from tests.ranking._graphs import random_graph


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("dangling", ["personalization", "self"])
def test_error_bounds(directed, dangling):
    G = random_graph(120, 500, directed=directed, seed=2)
    exact = personalized_pagerank(G, [5], 0.85, dangling=dangling, tol=1e-14)[0]
    res = forward_push(G, 5, 0.85, r_max=1e-5, dangling=dangling)
    err = exact - res.estimate
    assert err.min() >= -1e-12  # p never exceeds pi
    assert abs(err.sum() - res.l1_error) < 1e-10  # the L1 error is exactly the residual mass
    if directed:
        assert res.node_error_bound is None
    else:
        assert np.all(err <= res.node_error_bound + 1e-14)  # ACL: pi(t) - p(t) <= r_max * W_t
    W = np.maximum(np.bincount(np.repeat(np.arange(G.n_nodes), np.diff(G.indptr)), weights=G.weights,
                               minlength=G.n_nodes), 0)
    assert np.all(res.residual <= 1e-5 * np.where(W > 0, W, 1.0) + 1e-15)


def test_smaller_rmax_is_more_accurate():
    G = random_graph(120, 500, seed=4)
    errs = [forward_push(G, 0, r_max=r).l1_error for r in (1e-3, 1e-5, 1e-7)]
    assert errs[0] > errs[1] > errs[2]


def test_bad_input():
    G = random_graph()
    with pytest.raises(ValueError, match="r_max"):
        forward_push(G, 0, r_max=0)
    with pytest.raises(ValueError, match="uniform"):
        forward_push(G, 0, dangling="uniform")
    with pytest.raises(ValueError, match="one source"):
        forward_push(G, [0, 1])
    with pytest.raises(ValueError, match="one source"):  # a 2-D source was a bare 'only length-1 arrays' error
        forward_push(G, [[0, 1]])
    with pytest.raises(ValueError, match="unknown node"):
        forward_push(G, 99)


@pytest.mark.parametrize("dangling", ["personalization", "self"])
def test_zero_weight_out_arcs_are_dangling(dangling):
    # node 1's out-arcs all weigh 0, so W_1 = 0 and it is dangling (as in pagerank): its mass must not vanish
    G = gs.from_edges([0, 1, 1, 2, 2], [1, 2, 0, 0, 1], [1.0, 0.0, 0.0, 1.0, 2.0], n_nodes=3)
    exact = personalized_pagerank(G, [0], 0.85, dangling=dangling, tol=1e-14)[0]
    res = forward_push(G, 0, 0.85, r_max=1e-9, dangling=dangling)
    assert abs(res.estimate.sum() + res.l1_error - 1.0) < 1e-12  # p + residual keep all the mass
    assert np.abs(exact - res.estimate).sum() <= res.l1_error + 1e-12
    assert res.l1_error < 1e-6
