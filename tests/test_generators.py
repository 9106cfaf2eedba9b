"""R-MAT generator."""

from __future__ import annotations

import numpy as np
import pytest

from graphsample.generators import rmat


def test_rmat_size_determinism_and_skew():
    G = rmat(10, 8, seed=3)
    H = rmat(10, 8, seed=3)
    assert G.n_nodes == 1024 and G.meta["input_arcs"] == 8192
    assert np.array_equal(G.indices, H.indices) and np.array_equal(G.indptr, H.indptr)
    assert not np.array_equal(G.indices, rmat(10, 8, seed=4).indices)
    assert G.n_self_loops == 0 and 0.8 * 8192 < G.n_arcs <= 8192
    deg = np.sort(np.asarray(G.out_degree()))[::-1]
    assert deg[:10].sum() > 10 * 8  # heavy tail: top nodes far above the mean degree of 8


def test_rmat_quadrant_probabilities():
    """With b = c = d = 0 every arc stays in the top-left quadrant: the single arc 0 -> 0 (a loop)."""
    G = rmat(6, 4, a=1.0, b=0.0, c=0.0, self_loops="keep", seed=0)
    assert G.n_arcs == 1 and G.n_self_loops == 1


@pytest.mark.parametrize("kwargs, message", [({"scale": 0}, "scale"), ({"scale": 4, "edge_factor": 0}, "edge_factor"),
                                             ({"scale": 4, "a": 0.9, "b": 0.2}, "probabilities")])
def test_rmat_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rmat(**kwargs)
