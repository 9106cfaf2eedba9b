"""kNN and k-means: exact path equals brute force, faiss agrees, determinism, row-order invariance."""

from __future__ import annotations

import numpy as np
import pytest

from graphsample._backend import to_numpy
from graphsample.selection.knn import kmeans, kmeans_partitive, kmeans_plusplus, knn, knn_graph, principal_direction


def brute_force(X, k, metric):
    if metric == "cosine":
        Y = X / np.linalg.norm(X, axis=1, keepdims=True)
        S = Y @ Y.T
    elif metric == "ip":
        S = X @ X.T
    else:
        S = -((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(S, -np.inf)
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(S, order, 1), order


@pytest.mark.parametrize("metric", ["cosine", "ip", "l2"])
def test_exact_equals_brute_force(backend, to_b, metric):
    X = np.random.default_rng(1).normal(size=(300, 7))
    S, I = knn(to_b(X), 9, metric=metric, method="exact", block_rows=37)
    S0, I0 = brute_force(X, 9, metric)
    np.testing.assert_array_equal(to_numpy(I), I0)
    np.testing.assert_allclose(to_numpy(S), S0, rtol=1e-10, atol=1e-10)


def test_exact_knn_makes_its_arrays_on_the_input_device():
    """torch input: every array the exact engine makes is on X's device. With a default device of "meta"
    standing in for a CUDA input, an array made without X's device lands there and cannot meet X's data (the
    self-exclusion index was made on the default device and copied over, block after block)."""
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(1).normal(size=(60, 5))
    for metric in ("cosine", "l2"):
        S0, I0 = knn(X, 4, metric=metric, method="exact", block_rows=17)
        with torch.device("meta"):
            S, I = knn(torch.from_numpy(X), 4, metric=metric, method="exact", block_rows=17)
        assert S.device == I.device == torch.device("cpu")
        np.testing.assert_array_equal(I.numpy(), I0)
        np.testing.assert_allclose(S.numpy(), S0, rtol=1e-12)


def test_exact_breaks_ties_by_lower_index():
    X = np.array([[0.0], [1.0], [-1.0], [1.0], [-1.0], [2.0]])
    _, I = knn(X, 2, metric="l2", method="exact")
    _, I0 = brute_force(X, 2, "l2")
    np.testing.assert_array_equal(I, I0)
    assert I[0].tolist() == [1, 2]


@pytest.mark.parametrize("metric, score", [("cosine", 1.0), ("ip", 25.0), ("l2", 0.0)])
def test_one_point_is_its_own_nearest_neighbour_without_exclude_self(metric, score):
    # two points are needed only when the point itself is excluded: a single point keeps itself as neighbour
    S, I = knn(np.array([[3.0, 4.0]]), 1, metric=metric, method="exact", exclude_self=False)
    assert I.tolist() == [[0]] and S.tolist() == [[score]]


@pytest.mark.parametrize("metric", ["cosine", "ip", "l2"])
def test_faiss_agrees_with_fallback(metric):
    pytest.importorskip("faiss")
    X = np.random.default_rng(2).normal(size=(500, 12)).astype(np.float32)
    S, I = knn(X, 10, metric=metric, method="faiss")
    S0, I0 = knn(X.astype(np.float64), 10, metric=metric, method="exact")
    assert (I == I0).mean() > 0.999  # float32 rounding may swap near-ties
    np.testing.assert_allclose(S, S0, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("method", ["faiss-hnsw", "faiss-ivf"])
def test_faiss_approximate_recall(method):
    pytest.importorskip("faiss")
    X = np.random.default_rng(3).normal(size=(2000, 8)).astype(np.float32)
    _, I = knn(X, 10, method=method, seed=0)
    _, I0 = knn(X, 10, method="exact")
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(I, I0)])
    assert recall > 0.8


def test_knn_graph_symmetric_threshold():
    X = np.random.default_rng(4).normal(size=(100, 5))
    W = knn_graph(X, 4, method="exact")
    assert (W != W.T).nnz == 0 and W.diagonal().sum() == 0
    assert np.all(np.diff(W.indptr) >= 4 - np.sum(knn(X, 4, method="exact")[0] <= 0, 1))
    Wt = knn_graph(X, 4, method="exact", threshold=0.5)
    assert Wt.data.min() >= 0.5
    with pytest.raises(ValueError, match=r"cosine similarity in \[-1, 1\], got 1.5"):
        knn_graph(X, 4, method="exact", threshold=1.5)
    assert knn_graph(X, 4, metric="ip", method="exact", threshold=1.5).data.min() >= 1.5  # inner products may exceed 1


def test_knn_graph_threshold_keeps_a_similarity_equal_to_it():
    """``threshold`` keeps neighbours with similarity >= threshold: inner products 2 (exact in floating point) stay
    at threshold 2 and go at any threshold above it; node 2's only neighbour has similarity 0 (no edge)."""
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    W = knn_graph(X, 1, metric="ip", method="exact", threshold=2.0)
    np.testing.assert_array_equal(W.toarray(), [[0.0, 2.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert knn_graph(X, 1, metric="ip", method="exact", threshold=np.nextafter(2.0, 3.0)).nnz == 0


def test_kmeans_deterministic_and_row_order_invariant(backend, to_b):
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(c, 1.0, size=(80, 3)) for c in ([0, 0, 0], [4, 0, 0], [0, 4, 1])])
    a = kmeans(to_b(X), 3, seed=3)
    perm = rng.permutation(X.shape[0])
    b = kmeans(to_b(X[perm]), 3, seed=3)
    np.testing.assert_allclose(to_numpy(a.centroids), to_numpy(b.centroids), rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(a.labels)[perm], to_numpy(b.labels))
    assert a.inertia == pytest.approx(b.inertia, rel=1e-12)
    np.testing.assert_array_equal(to_numpy(kmeans_plusplus(to_b(X), 3, seed=9)),
                                  to_numpy(kmeans_plusplus(to_b(X[perm]), 3, seed=9)))


@pytest.mark.parametrize("d", [4, 40])  # NumPy: the fused host passes up to FUSED_MAX_FEATURES (32), BLAS above
def test_kmeans_backends_agree(backend, to_b, d):
    X = np.random.default_rng(6).normal(size=(200, d))
    ref = kmeans(X, 4, seed=1)
    got = kmeans(to_b(X), 4, seed=1)
    np.testing.assert_array_equal(to_numpy(got.labels), ref.labels)


def test_kmeans_plusplus_draws_proportional_to_d2():
    # two points at distance 1 and 3 from the first centre: the second centre is drawn 1:9
    X = np.array([[0.0], [1.0], [3.0]])
    hits = np.zeros(3)
    for s in range(1000):
        C = kmeans_plusplus(X, 2, seed=s)
        if C[0, 0] == 0.0:
            hits[int(np.flatnonzero(X[:, 0] == C[1, 0])[0])] += 1
    p = hits[1:] / hits[1:].sum()
    se = np.sqrt(0.1 * 0.9 / hits[1:].sum())
    assert abs(p[0] - 0.1) < 4 * se


def test_kmeans_plusplus_third_centre_weighs_the_nearest_centre():
    """D_i is the distance to the nearest centre drawn so far, not to the last one: no centre is drawn twice, and
    with centres 0 and 10 drawn, rows 1 and 9 (both at distance 1) are drawn 1:1 as the third. 2 * 1/4 * 100/182 = 27%
    of the seeds draw 0 and 10 first; the count of row 1 is binomial(m, 1/2), |z| < 4 fails with
    probability 6e-5."""
    X = np.array([[0.0], [1.0], [9.0], [10.0]])
    third = []
    for s in range(400):
        C = kmeans_plusplus(X, 3, seed=s)[:, 0]
        assert np.unique(C).size == 3
        if set(C[:2].tolist()) == {0.0, 10.0}:
            third.append(C[2])
    m = len(third)
    assert m > 60 and set(third) <= {1.0, 9.0}
    assert abs(third.count(1.0) - m / 2) < 4 * np.sqrt(m / 4)


def test_principal_direction_cuts_along_the_long_axis():
    X = np.random.default_rng(8).normal(size=(400, 3)) * [1.0, 5.0, 0.5]
    mu, v = principal_direction(X)
    np.testing.assert_allclose(mu, X.mean(0))
    assert abs(v[1]) > 0.99 and v[1] > 0  # sign fixed: the largest component is positive
    _, w = principal_direction(-X)
    np.testing.assert_allclose(w, v, atol=1e-12)


def test_kmeans_partitive_chain(backend, to_b):
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(c, 0.5, size=(60, 2)) for c in ([0, 0], [6, 0], [0, 6], [6, 6])])
    chain = kmeans_partitive(to_b(X), 6)
    assert [r.centroids.shape[0] for r in chain] == [1, 2, 3, 4, 5, 6]
    inertia = [r.inertia for r in chain]
    assert inertia == sorted(inertia, reverse=True)
    truth = np.repeat(np.arange(4), 60)
    lab = to_numpy(chain[3].labels)
    assert np.unique(lab * 4 + truth).size == 4  # the four blobs exactly
    # nothing random: the seed is unused without restarts, and the row order only permutes the labels
    perm = rng.permutation(X.shape[0])
    other = kmeans_partitive(to_b(X[perm]), 6, seed=99)
    for a, b in zip(chain, other):
        assert b.inertia == pytest.approx(a.inertia, rel=1e-9)
        np.testing.assert_array_equal(to_numpy(a.labels)[perm], to_numpy(b.labels))


def test_kmeans_partitive_restarts_are_opt_in_and_lower_the_inertia():
    X = pytest.importorskip("sklearn.datasets").load_wine().data
    X = (X - X.mean(0)) / X.std(0)
    det = kmeans_partitive(X, 4)
    taken = kmeans_partitive(X, 4, n_init=10, seed=1)
    # at k = 2 both halves of seed 1's restarts reach a partition below the deterministic one: taken
    assert taken[1].inertia < det[1].inertia - 0.5
    # seed 0's halves do not agree on one there: the deterministic partition stands. So the restarts
    # make the result depend on the seed, which is why they are off by default.
    kept = kmeans_partitive(X, 4, n_init=10, seed=0)
    assert kept[1].inertia == det[1].inertia
    with pytest.raises(ValueError, match="n_init"):
        kmeans_partitive(X, 3, n_init=1)


def test_kmeans_partitive_stops_when_nothing_splits():
    X = np.array([[0.0, 1.0]] * 3 + [[2.0, 1.0]] * 3)
    chain = kmeans_partitive(X, 5)
    assert len(chain) == 2 and chain[-1].inertia == 0.0


def test_faiss_kmeans_exposes_subsampling():
    pytest.importorskip("faiss")
    X = np.random.default_rng(7).normal(size=(1000, 4)).astype(np.float32)
    kw = {"method": "faiss", "seed": 1, "n_init": 1, "max_iter": 20}
    a = kmeans(X, 5, max_points_per_centroid=10, **kw)
    b = kmeans(X, 5, max_points_per_centroid=10, **kw)
    np.testing.assert_array_equal(a.labels, b.labels)
    full = kmeans(X, 5, max_points_per_centroid=10_000, **kw)
    assert full.inertia <= a.inertia * 1.05


@pytest.mark.parametrize("args,msg", [
    ((np.ones(3), 1), "2-D"),
    ((np.ones((0, 3)), 1), "empty"),
    ((np.array([[np.nan, 1.0], [1.0, 1.0]]), 1), "NaN"),
    ((np.ones((4, 2), dtype=np.int64), 1), "float32 or float64"),
    ((np.ones((4, 2)), 4), "k must be"),
    ((np.ones((4, 2)), 0), "k must be"),
    ((np.ones((1, 2)), 1), "other than the point itself need at least 2 points, got 1"),  # was 'k ... in [1, 0]'
])
def test_knn_bad_inputs(args, msg):
    with pytest.raises(ValueError, match=msg):
        knn(*args)


@pytest.mark.parametrize("k", [0, 6, 2.0, True])
def test_kmeans_needs_an_integer_k_up_to_the_number_of_points(k):
    with pytest.raises(ValueError, match=rf"k must be an integer in \[1, 5\], got {k!r}"):
        kmeans(np.ones((5, 2)), k)


def test_bad_options():
    X = np.ones((5, 2))
    with pytest.raises(ValueError, match="unknown metric"):
        knn(X, 1, metric="manhattan")
    with pytest.raises(ValueError, match="unknown method"):
        knn(X, 1, method="annoy")
    with pytest.raises(ValueError, match="k must be"):
        kmeans(X, 6)
    with pytest.raises(ValueError, match="unknown k-means method"):
        kmeans(X, 2, method="elkan")
    with pytest.raises(TypeError, match="X must be a NumPy, CuPy or PyTorch array, not list"):
        knn([[1.0, 2.0]], 1)
    with pytest.raises(TypeError, match="X must be a NumPy, CuPy or PyTorch array, not str"):
        kmeans("abc", 2)


@pytest.mark.parametrize("call, message", [
    # each was a bare TypeError ('float' object cannot be interpreted as an integer, '<' not supported), or
    # (a bool, a negative or NaN tolerance, a zero block) accepted
    (lambda X: kmeans(X, 2, n_init=2.5), "n_init must be a positive integer, got 2.5"),
    (lambda X: kmeans(X, 2, n_init=True), "n_init must be a positive integer, got True"),
    (lambda X: kmeans(X, 2, max_iter=float("nan")), "max_iter must be a positive integer, got nan"),
    (lambda X: kmeans(X, 2, tol=-1.0), "tol must be a finite number >= 0, got -1.0"),
    (lambda X: kmeans(X, 2, tol="0"), "tol must be a finite number >= 0"),
    (lambda X: kmeans(X, True), "k must be an integer"),
    (lambda X: kmeans_partitive(X, 3, max_iter=0), "max_iter must be a positive integer"),
    (lambda X: kmeans_partitive(X, 3, n_init=2.0), "n_init must be 0 .* or at least 2"),
    (lambda X: knn(X, 2, block_rows=0), "block_rows must be a positive integer, got 0"),
    (lambda X: knn(X, True), "k must be an integer"),
    (lambda X: knn_graph(X, 2, threshold="0.5"), "threshold must be a finite number, got '0.5'"),
])
def test_bad_counts_and_tolerances(call, message):
    with pytest.raises(ValueError, match=message):
        call(np.random.default_rng(0).normal(size=(10, 3)))
