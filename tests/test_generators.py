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
                                             ({"scale": 4, "a": 0.9, "b": 0.2}, "probabilities"),
                                             # a float or a bool count used to reach Numba (TypingError), a bare
                                             # shift, a comparison with a string, or count as 1
                                             ({"scale": 4.0}, r"scale must be an integer in \[1, 40\], got 4.0"),
                                             ({"scale": True}, r"scale must be an integer in \[1, 40\], got True"),
                                             ({"scale": "4"}, "scale must be an integer"),
                                             ({"scale": 4, "edge_factor": 2.5}, "edge_factor must be a positive integer, got 2.5"),
                                             ({"scale": 4, "edge_factor": float("nan")}, "edge_factor must be a positive integer, got nan"),
                                             ({"scale": 4, "a": "0.5"}, "probabilities must be numbers"),
                                             ({"scale": 4, "c": None}, "probabilities must be numbers")])
def test_rmat_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rmat(**kwargs)


def test_rmat_beyond_memory_is_refused_before_drawing():
    # scale 40 passed the range check and ended in a MemoryError (or the OOM killer) while drawing its 2**44 arcs
    with pytest.raises(ValueError, match=r"the 17,592,186,044,416 arcs of R-MAT scale 40 need 262,144 GiB, more "
                                         r"than this machine's"):
        rmat(40)


def test_rmat_each_quadrant_sets_the_right_bits():
    """a: (0, 0), b: (0, 1), c: (1, 0), d: (1, 1) at every level: with one quadrant of probability 1 the
    only arc is between x = perm(0) and y = perm(2**scale - 1), in the quadrant's direction."""
    def arc(**p):
        G = rmat(5, 2, self_loops="keep", seed=9, **p)
        s, d, _ = G.edges()
        assert G.n_arcs == 1
        return int(s[0]), int(d[0])

    (x, x2), (y, y2) = arc(a=1.0, b=0.0, c=0.0), arc(a=0.0, b=0.0, c=0.0)
    assert x == x2 and y == y2 and x != y
    assert arc(a=0.0, b=1.0, c=0.0) == (x, y)
    assert arc(a=0.0, b=0.0, c=1.0) == (y, x)


@pytest.mark.parametrize("p", [{"a": float("nan")}, {"b": float("nan")}, {"c": float("inf")}])
def test_rmat_rejects_non_finite_probabilities(p):
    # NaN compares false, so it passed the range check and every draw fell in quadrant (0, 0)
    with pytest.raises(ValueError, match="probabilities"):
        rmat(4, **p)
