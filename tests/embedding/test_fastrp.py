"""FastRP against a dense NumPy reference, the statistics of R, backends, and bad input."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphsample as gs
from graphsample._backend import to_numpy
from graphsample._random import seed_key
from graphsample.embedding import PRESETS, FastRP, fastrp
from graphsample.embedding.fastrp import _SPARSE_FIRST_PRODUCT, sparse_projection
from graphsample.errors import GraphsampleError, GraphValidationError


def random_graph(n: int = 30, m: int = 90, directed: bool = False, weighted: bool = False, seed: int = 0) -> gs.Graph:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.uniform(0.5, 2.0, m) if weighted else None
    return gs.from_edges(src, dst, w, n_nodes=n, directed=directed, self_loops="drop")


def dense_R(n: int, dim: int, s: float, seed: int) -> np.ndarray:
    r, c, v = sparse_projection(seed_key(seed), n, range(dim), s, np.zeros(1))
    R = np.zeros((n, dim))
    R[r, c] = v
    return R


def rownorm(X: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, norm, out=np.zeros_like(X), where=norm > 0)


def standardize(X: np.ndarray) -> np.ndarray:
    std = X.std(axis=0)
    return np.divide(X - X.mean(axis=0), std, out=np.zeros_like(X), where=std > 0)


def reference(S: np.ndarray, dim: int, weights, beta: float, s: float, seed: int, *, transition=True,
              normalized_propagation=False, standardized=True, self_influence=0.0, first_columns=None) -> np.ndarray:
    """The explicit sum_i alpha_i A^i L R with dense matrices (row-normalised powers); ``first_columns``
    replace the first columns of L R (the projected node features)."""
    n = S.shape[0]
    d = S.sum(axis=1)
    A = S / np.where(d > 0, d, 1.0)[:, None] if transition else S
    L = np.diag(np.where(d > 0, np.where(d > 0, d, 1.0) ** beta, 1.0))
    N0 = L @ dense_R(n, dim, s, seed)
    if first_columns is not None:
        N0[:, :first_columns.shape[1]] = first_columns
    out = self_influence * rownorm(N0)
    X = N0
    for i, a in enumerate(weights, start=1):
        if normalized_propagation:
            X = rownorm(A @ X)
            out = out + a * X
        else:
            X = np.linalg.matrix_power(A, i) @ N0
            out = out + a * rownorm(X)
    return standardize(out) if standardized else out


def dense_adjacency(G: gs.Graph) -> np.ndarray:
    return G.to_scipy().toarray()


@pytest.mark.parametrize("seed", [0, 1])
def test_paper_preset_equals_dense_reference(seed):
    G = random_graph(seed=seed)
    p = PRESETS["paper"]
    got = fastrp(G, 16, dtype="float64", seed=seed)
    want = reference(dense_adjacency(G), 16, p.weights, p.beta, math.sqrt(G.n_nodes), seed)
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_paper_preset_dense_first_product_path():
    """s small enough that the first product goes through the dense R block."""
    G = random_graph(seed=3)
    got = fastrp(G, 12, s=2.0, weights=[1.0, 0.5, 2.0], beta=-0.5, dtype="float64", seed=5)
    want = reference(dense_adjacency(G), 12, [1.0, 0.5, 2.0], -0.5, 2.0, 5)
    np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.filterwarnings("ignore:.*-arcs but no .*-arcs:UserWarning")  # sinks are part of the case
@pytest.mark.parametrize("direction", ["out", "in"])
def test_sparse_first_product_equals_dense_reference(direction):
    """With n = 150 the paper's s = sqrt(n) makes R sparse enough (1/s < 0.1) that the first product A (L R) runs
    as sparse times sparse through A^T; on a directed weighted graph A^T is no symmetric matrix."""
    n = 150
    assert 1 / math.sqrt(n) <= _SPARSE_FIRST_PRODUCT
    G = random_graph(n=n, m=600, directed=True, weighted=True, seed=10)
    S = dense_adjacency(G)
    p = PRESETS["paper"]
    got = fastrp(G, 8, direction=direction, dtype="float64", seed=3)
    want = reference(S if direction == "out" else S.T, 8, p.weights, p.beta, math.sqrt(n), 3)
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_self_influence_counts_when_r_is_very_sparse():
    """n = 150 with the paper's s = sqrt(n): R is sparse enough for the sparse first product, which skips N_0.
    With a self influence gamma the embedding still holds gamma * rownorm(L R); it must not silently drop it."""
    n = 150
    assert 1 / math.sqrt(n) <= _SPARSE_FIRST_PRODUCT
    G = random_graph(n=n, m=600, seed=11)
    p = PRESETS["paper"]
    got = fastrp(G, 8, self_influence=0.5, dtype="float64", seed=6)
    want = reference(dense_adjacency(G), 8, p.weights, p.beta, math.sqrt(n), 6, self_influence=0.5)
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_gds_preset_equals_dense_reference():
    G = random_graph(seed=2)
    got = fastrp(G, 10, preset="gds", self_influence=0.7, beta=-0.3, dtype="float64", seed=4)
    want = reference(dense_adjacency(G), 10, PRESETS["gds"].weights, -0.3, 3.0, 4,
                     normalized_propagation=True, standardized=False, self_influence=0.7)
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_adjacency_input_matrix():
    G = random_graph(seed=6)
    got = fastrp(G, 8, input_matrix="adjacency", weights=[1.0, 0.1], beta=0.0, dtype="float64", seed=1)
    want = reference(dense_adjacency(G), 8, [1.0, 0.1], 0.0, math.sqrt(G.n_nodes), 1, transition=False)
    np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.filterwarnings("ignore:.*-arcs but no .*-arcs:UserWarning")  # sinks are part of the case
@pytest.mark.parametrize("direction", ["out", "in", "both"])
@pytest.mark.parametrize("weighted", [False, True])
def test_directed_and_weighted_graphs(direction, weighted):
    G = random_graph(n=25, m=80, directed=True, weighted=weighted, seed=7)
    S = dense_adjacency(G) if weighted else (dense_adjacency(G) > 0).astype(float)
    both = S + S.T if weighted else ((S + S.T) > 0).astype(float)  # unweighted: one edge per linked pair
    S = {"out": S, "in": S.T, "both": both}[direction]
    got = fastrp(G, 8, direction=direction, weights=[1.0, 2.0, 3.0], dtype="float64", seed=2)
    want = reference(S, 8, [1.0, 2.0, 3.0], PRESETS["paper"].beta, 5.0, 2)
    np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.filterwarnings("ignore:.*-arcs but no .*-arcs:UserWarning")  # sinks are part of the case
def test_weighted_flag_off_ignores_weights():
    G = random_graph(directed=True, weighted=True, seed=8)
    H = gs.from_edges(*[to_numpy(a) for a in G.edges()[:2]], n_nodes=G.n_nodes)
    np.testing.assert_allclose(fastrp(G, 8, weighted=False, seed=1), fastrp(H, 8, seed=1), atol=1e-6)


def test_isolated_and_sink_nodes_are_handled():
    G = gs.from_edges(np.array([0, 1]), np.array([1, 2]), n_nodes=5, directed=True)
    # sink 2 (an in-arc, no out-arc) gets the row of the isolated nodes 3 and 4, and the user is told; isolated
    # nodes are not counted (no direction would embed them)
    with pytest.warns(UserWarning, match="^1 of 5 nodes have in-arcs but no out-arcs: with direction='out'"):
        E = fastrp(G, 6, preset="gds", dtype="float64", seed=0)
    assert np.all(np.isfinite(E)) and np.all(E[2:] == 0)  # sink 2 and isolated 3, 4: no out-neighbours
    with pytest.warns(UserWarning, match="1 of 5 nodes have in-arcs"):
        assert np.all(np.isfinite(fastrp(G, 6, seed=0)))
    with pytest.warns(UserWarning, match="^1 of 5 nodes have out-arcs but no in-arcs: with direction='in'"):
        fastrp(G, 6, direction="in", seed=0)  # node 0 has no in-arc
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fastrp(G, 6, direction="both", seed=0)
        fastrp(G, 6, self_influence=0.5, seed=0)  # N_0 keeps the rows apart
        fastrp(G.to_undirected(), 6, seed=0)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("weight, dtype, input_matrix", [
    (1e20, "float32", "adjacency"), (1e39, "float32", "transition"), (1e160, "float64", "adjacency")])
def test_an_embedding_that_overflows_its_dtype_is_refused(weight, dtype, input_matrix):
    # valid finite weights beyond what the propagation can hold in dtype (1e39 > float32's max; 1e20 squared in a
    # row norm of the adjacency powers) gave an embedding of NaN and inf without a word
    G = gs.from_edges([0, 1, 2, 0], [1, 2, 0, 2], [weight, weight, weight, 1.0])
    with pytest.raises(ValueError, match=f"the embedding is not finite: the propagation overflowed {dtype}"):
        fastrp(G, 8, dtype=dtype, input_matrix=input_matrix, seed=0)
    assert np.all(np.isfinite(fastrp(G, 8, dtype="float64", seed=0)))  # the transition matrix in float64 holds it


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("weight, dtype, hint", [(1e20, "float32", "pass dtype='float64' or "), (1e160, "float64", "")])
def test_an_embedding_that_overflows_in_one_component_is_refused(weight, dtype, hint):
    # unstandardised, the rows of the second triangle (weights 1) stay finite: one row of NaN and inf is enough for
    # the refusal; the message suggests float64 only to a float32 run
    G = gs.from_edges([0, 1, 2, 0, 3, 4, 5], [1, 2, 0, 2, 4, 5, 3], [weight] * 3 + [1.0] * 4)
    message = f"the propagation overflowed {dtype}; {hint}rescale the arc weights or features"
    with pytest.raises(ValueError, match=f"^the embedding is not finite: {re.escape(message)}$"):
        fastrp(G, 8, dtype=dtype, input_matrix="adjacency", standardize=False, seed=0)


def test_features_are_mixed_in_like_gds():
    G = random_graph(seed=9)
    X = np.random.default_rng(0).normal(size=(G.n_nodes, 5))
    E = fastrp(G, 8, preset="gds", features=X, property_ratio=0.5, dtype="float64", seed=3)
    r, c, v = sparse_projection(seed_key(3), 5, range(4), 3.0, np.zeros(1), 1 << 40)
    RX = np.zeros((5, 4))
    RX[r, c] = v
    S = dense_adjacency(G)
    A = S / S.sum(axis=1, keepdims=True).clip(1e-300)
    N0 = np.concatenate([X @ RX, dense_R(G.n_nodes, 8, 3.0, 3)[:, 4:]], axis=1)
    X1 = rownorm(A @ N0)
    X2 = rownorm(A @ X1)
    X3 = rownorm(A @ X2)
    np.testing.assert_allclose(E, 0 * X1 + X2 + X3, atol=1e-10)


def test_features_project_with_density_one_over_sqrt_f_when_s_is_not_given():
    """The paper preset leaves s unset: the random columns use s = sqrt(n), the feature projection R_X its own
    s = sqrt(f) (here 2 against sqrt(30)); beta = 0, so L = I."""
    G = random_graph(seed=9)
    X = np.random.default_rng(1).normal(size=(G.n_nodes, 4))
    p = PRESETS["paper"]
    got = fastrp(G, 8, features=X, property_ratio=0.5, beta=0.0, dtype="float64", seed=3)
    r, c, v = sparse_projection(seed_key(3), 4, range(4), 2.0, np.zeros(1), 1 << 40)
    RX = np.zeros((4, 4))
    RX[r, c] = v
    want = reference(dense_adjacency(G), 8, p.weights, 0.0, math.sqrt(G.n_nodes), 3, first_columns=X @ RX)
    np.testing.assert_allclose(got, want, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(block=st.integers(1, 9), preset=st.sampled_from(["paper", "gds"]), seed=st.integers(0, 2**20))
def test_column_blocks_give_the_same_embedding(block, preset, seed):
    G = random_graph(n=20, m=50, seed=seed % 7)
    whole = fastrp(G, 9, preset=preset, self_influence=0.5, dtype="float64", seed=seed)
    np.testing.assert_allclose(fastrp(G, 9, preset=preset, self_influence=0.5, block_size=block,
                                      dtype="float64", seed=seed), whole, atol=1e-10)


def test_paper_output_is_standardized_and_seeded():
    G = random_graph(n=60, m=240, seed=1)
    E = fastrp(G, 32, seed=11)
    np.testing.assert_allclose(E.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(E.std(axis=0), 1, atol=1e-4)
    np.testing.assert_array_equal(E, fastrp(G, 32, seed=11))
    assert not np.allclose(E, fastrp(G, 32, seed=12))


def test_estimator_matches_function():
    G = random_graph(seed=4)
    model = FastRP(16, preset="gds", seed=3, self_influence=1.0)
    np.testing.assert_array_equal(model.fit(G).embedding_, fastrp(G, 16, preset="gds", seed=3, self_influence=1.0))
    assert "gds" in repr(model)


# ---------------------------------------------------------------------------- R


def test_projection_statistics():
    """Non-zeros ~ Binomial(n d, 1/s); values +-sqrt(s) with balanced signs; E[R^2] = 1; rows uniform."""
    n, d, s = 20000, 64, 16.0
    r, c, v = sparse_projection(seed_key(123), n, range(d), s, np.zeros(1))
    p = 1 / s
    nnz, mean = r.size, n * d * p
    assert abs(nnz - mean) < 4 * math.sqrt(mean * (1 - p))
    np.testing.assert_allclose(np.abs(v), math.sqrt(s))
    assert abs((v > 0).sum() - nnz / 2) < 4 * math.sqrt(nnz / 4)
    # signs independent of positions: balanced also among the entries that follow a short gap
    order = np.lexsort((r, c))
    rs, cs, vs = r[order], c[order], v[order]
    prev = np.concatenate([[-1], np.where(cs[1:] == cs[:-1], rs[:-1], -1)])
    gap = rs - prev - 1
    short = gap < np.median(gap)
    assert abs((vs[short] > 0).sum() - short.sum() / 2) < 4 * math.sqrt(short.sum() / 4)
    second = (v ** 2).sum() / (n * d)  # E[R^2] = 1, sd sqrt(n d p (1-p)) s / (n d)
    assert abs(second - 1) < 4 * math.sqrt(mean * (1 - p)) * s / (n * d)
    # no duplicates, rows in range, positions uniform: chi-square over 20 row bins (df 19, 99.9%: 43.8)
    assert np.unique(c * n + r).size == nnz and r.min() >= 0 and r.max() < n
    counts = np.bincount(r * 20 // n, minlength=20)
    assert ((counts - nnz / 20) ** 2 / (nnz / 20)).sum() < 43.8
    # per-column counts: chi-square against the binomial mean (df 63, 99.9%: 103.4)
    per_col = np.bincount(c, minlength=d)
    assert ((per_col - n * p) ** 2 / (n * p * (1 - p))).sum() < 103.4


def test_projection_is_blocking_independent_and_dense_at_s1():
    key = seed_key(9)
    r, c, v = sparse_projection(key, 500, range(0, 10), 4.0, np.zeros(1))
    r2, c2, v2 = sparse_projection(key, 500, range(6, 10), 4.0, np.zeros(1))
    first = {(a, b + 0): x for a, b, x in zip(r, c, v) if b >= 6}
    assert first == {(a, b + 6): x for a, b, x in zip(r2, c2, v2)}
    r, c, v = sparse_projection(key, 50, range(3), 1.0, np.zeros(1))
    assert r.size == 150 and np.all(np.abs(v) == 1)


def test_same_r_and_embedding_on_every_backend(backend, to_b):
    b, dev = backend
    G = random_graph(n=200, m=900, seed=5)
    key = seed_key(77)
    want = sparse_projection(key, 1000, range(20), 7.0, np.zeros(1))
    got = sparse_projection(key, 1000, range(20), 7.0, to_b(np.zeros(1)))
    for x, y in zip(got, want):
        np.testing.assert_array_equal(to_numpy(x), y)
    Gb = G.to(b, dev)
    for preset in ("paper", "gds"):
        E = fastrp(Gb, 24, preset=preset, seed=77)
        assert gs._backend.backend_of(E) == b and gs._backend.device_of(E) == dev
        np.testing.assert_allclose(to_numpy(E), fastrp(G, 24, preset=preset, seed=77), atol=2e-4)
    np.testing.assert_allclose(to_numpy(fastrp(Gb, 24, block_size=10, seed=77)), fastrp(G, 24, seed=77), atol=2e-4)


def test_features_on_backend(backend, to_b):
    b, dev = backend
    G = random_graph(seed=2)
    X = np.random.default_rng(1).normal(size=(G.n_nodes, 3))
    E = fastrp(G.to(b, dev), 8, preset="gds", features=to_b(X), property_ratio=0.25, seed=1)
    np.testing.assert_allclose(to_numpy(E), fastrp(G, 8, preset="gds", features=X, property_ratio=0.25, seed=1),
                               atol=1e-5)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, message", [
    ({"dim": 0}, "dim must be a positive integer"),
    ({"dim": -3}, "dim must be a positive integer"),
    ({"dim": 2.5}, "dim must be a positive integer"),
    ({"weights": []}, "weights must be a non-empty"),
    ({"weights": [1.0, float("nan")]}, "weights must be a non-empty"),
    ({"beta": float("inf")}, "beta must be a finite number"),
    ({"s": 0.5}, "s must be a finite number >= 1"),
    ({"preset": "node2vec"}, "unknown preset"),
    ({"direction": "sideways"}, "direction must be"),
    ({"input_matrix": "laplacian"}, "input_matrix must be"),
    ({"dtype": "float16"}, "dtype must be"),
    ({"block_size": 0}, "block_size must be a positive integer"),
    ({"property_ratio": 1.5}, "property_ratio must be a number in"),
    ({"property_ratio": 0.5}, "needs a features matrix"),
    ({"property_ratio": 0.5, "features": np.ones((3, 2))}, "features must have shape"),
    ({"property_ratio": 0.5, "features": np.full((30, 2), np.nan)}, "NaN"),
    ({"property_ratio": 0.5, "features": np.full((30, 2), 1e200), "dtype": "float64"},
     "features has entries up to 1e.200"),  # the embedding came out all zeros
    ({"property_ratio": 0.5, "features": np.full((30, 2), 1e39)}, "features has entries up to inf .* float32"),
    ({"features": np.ones((30, 2))}, "property_ratio is 0"),
    # strings went through float() and were accepted ('2' as 2.0), or failed with NumPy's conversion message
    ({"beta": "-0.5"}, "beta must be a finite number, got '-0.5'"),
    ({"s": "3"}, "s must be a finite number >= 1"),
    ({"self_influence": "1"}, "self_influence must be a finite number"),
    ({"property_ratio": "0.5"}, r"property_ratio must be a number in \[0, 1\], got '0.5'"),
    ({"weights": "x"}, "weights must be a non-empty sequence of finite numbers, got 'x'"),
    ({"weights": ["1", "2"]}, "weights must be a non-empty sequence of finite numbers"),
    ({"property_ratio": 0.5, "features": "x"}, r"features must be a numeric matrix \(n_nodes x f\), got 'x'"),
    ({"property_ratio": 0.5, "features": {"a": 1}}, r"features must be a numeric matrix .*, got \{'a': 1\}"),  # float()
])
def test_bad_arguments(kwargs, message):
    G = random_graph()
    kwargs = {"dim": 8, **kwargs}
    with pytest.raises(ValueError, match=message):
        fastrp(G, **kwargs)


def test_numpy_dtypes_are_taken_and_standardize_is_a_bool():
    G = random_graph()
    # np.float64 was refused ("dtype must be 'float32' or 'float64'"), and standardize="no" meant True
    assert fastrp(G, 8, dtype=np.float64, seed=1).dtype == np.float64
    assert np.array_equal(fastrp(G, 8, dtype=np.float32, seed=1), fastrp(G, 8, dtype="float32", seed=1))
    with pytest.raises(TypeError, match="standardize must be True, False or None .the preset's., got 'no'"):
        fastrp(G, 8, standardize="no")


@pytest.mark.parametrize("n_rows, s, message", [
    (-4, 3.0, "n_rows must be a non-negative integer, got -4"),  # was 'math domain error'
    (10, float("inf"), "s must be a finite number >= 1"),  # was 30 entries of value inf
    (10, float("nan"), "s must be a finite number >= 1"),  # was 'cannot convert float NaN to integer'
])
def test_sparse_projection_checks_its_arguments(n_rows, s, message):
    with pytest.raises(ValueError, match=message):
        sparse_projection(seed_key(0), n_rows, range(3), s, np.zeros(1))
    for columns in ([0, 1], range(0, 6, 2)):  # a list was an AttributeError ('list' object has no attribute 'start')
        with pytest.raises(TypeError, match="columns must be a range of consecutive column ids"):
            sparse_projection(seed_key(0), 10, columns, 3.0, np.zeros(1))


def test_features_on_another_device_are_refused():
    torch = pytest.importorskip("torch")
    G = random_graph().to("torch")
    X = torch.ones((G.n_nodes, 2), device="meta")  # stands in for features on a GPU next to a CPU graph
    with pytest.raises(GraphsampleError, match="on meta but the graph is a torch graph on cpu; move one to the other"):
        fastrp(G, 8, features=X, property_ratio=0.5)


def test_bad_graphs():
    with pytest.raises(GraphValidationError, match="empty graph"):
        fastrp(gs.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=0), 8)
    with pytest.raises(TypeError, match="graphsample Graph"):
        fastrp(np.eye(3), 8)
