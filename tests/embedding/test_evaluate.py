"""The evaluation protocols: decision rules, node classification, edge splits, link prediction."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

import graphsample as gs
from graphsample.embedding.evaluate import (as_label_matrix, f1_scores, link_prediction, node_classification,
                                            predict_labels, sample_non_edges, split_edges)
from graphsample.errors import GraphValidationError


def test_topk_rule_uses_the_true_label_count():
    proba = np.array([[0.9, 0.8, 0.1], [0.2, 0.3, 0.4], [0.5, 0.5, 0.0]])
    got = predict_labels(proba, "topk", np.array([2, 1, 1]))
    np.testing.assert_array_equal(got, [[1, 1, 0], [0, 0, 1], [1, 0, 0]])  # tie: first label wins


def test_threshold_rule_falls_back_to_argmax():
    proba = np.array([[0.9, 0.6, 0.1], [0.2, 0.3, 0.4], [0.5, 0.49, 0.0], [0.5, 0.6, 0.0]])
    # the last row: a probability of exactly 0.5 is predicted (at least 0.5), next to a label above it
    np.testing.assert_array_equal(predict_labels(proba, "threshold"), [[1, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0]])
    with pytest.raises(ValueError, match="unknown decision rule"):
        predict_labels(proba, "best")
    with pytest.raises(ValueError, match="needs the number of labels"):
        predict_labels(proba, "topk")


def test_f1_scores_by_hand():
    """Label 0: 1 true positive, 1 false negative (F1 2/3); label 1: 1 false negative (F1 0). Pooled: 1 true
    positive, 2 false negatives, micro-F1 2 / (2 + 2) = 0.5; macro-F1 (2/3 + 0) / 2 = 1/3."""
    micro, macro = f1_scores(np.array([[1, 0], [1, 0], [0, 1]]), np.array([[1, 0], [0, 0], [0, 0]]))
    assert micro == pytest.approx(0.5) and macro == pytest.approx(1 / 3)


def planted_labels(n: int = 300, L: int = 4, seed: int = 0):
    """Labels that are a linear function of the embedding, plus a second label for some nodes."""
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, L, n)
    E = rng.normal(size=(n, 8)) * 0.3
    E[np.arange(n), cls] += 3.0
    Y = np.zeros((n, L), dtype=int)
    Y[np.arange(n), cls] = 1
    return E, Y, cls


def test_node_classification_on_separable_labels():
    E, Y, cls = planted_labels()
    report = node_classification(E, sp.csr_array(Y), ratios=[0.2, 0.5], repeats=2, seed=0)
    assert [r["ratio"] for r in report.rows] == [0.2, 0.5]
    for r in report.rows:
        for key in ("micro_topk", "macro_topk", "micro_threshold", "macro_threshold"):
            assert r[key] > 97, (key, r)
    assert report.row(0.5)["n_train"] == 150
    assert "micro-F1 top-k" in report.table()
    same = node_classification(E, cls, ratios=[0.5], repeats=2, seed=0)  # 1-D class ids, same shuffles
    assert same.row(0.5)["micro_topk"] == pytest.approx(report.row(0.5)["micro_topk"])



def test_training_set_size_is_the_exact_floor():
    """0.7 * 90 is 62.99999999999999 in floating point; the protocol trains on floor(0.7 * 90) = 63 nodes."""
    E, Y, _ = planted_labels(n=90)
    report = node_classification(E, Y, ratios=[0.7, 0.1], repeats=1, seed=0)
    assert [r["n_train"] for r in report.rows] == [63, 9]

def test_topk_beats_threshold_on_noise():
    """On random embeddings the top-k rule still scores higher: it is told the label count."""
    rng = np.random.default_rng(1)
    E = rng.normal(size=(400, 4))
    Y = (rng.random((400, 6)) < 0.3).astype(int)
    Y[Y.sum(axis=1) == 0, 0] = 1
    r = node_classification(E, Y, ratios=[0.5], repeats=1, seed=1).rows[0]
    assert r["micro_topk"] > r["micro_threshold"] - 1e-9


def test_unlabelled_nodes_are_left_out():
    E, Y, _ = planted_labels(n=100)
    Y[:10] = 0
    report = node_classification(E, Y, ratios=[0.5], repeats=1, seed=0)
    assert report.rows[0]["n_train"] == 45


@pytest.mark.parametrize("labels, message", [
    (np.ones((5, 2)), "rows but the embedding has"),
    (np.full((10, 2), 2), "only 0 and 1"),
    (np.full((10, 2), np.nan), "NaN"),
    (np.zeros((10, 0)), "no classes"),
    (np.ones(10) * 0.5, "integer class ids"),
    (np.ones((10, 2, 2)), "1-D class vector or a 2-D"),
    (np.ones((10, 1), dtype=int), "at least two labels"),  # was scikit-learn's "mix of binary and multilabel"
    (np.r_[np.zeros(8, int), -np.ones(2, int)], "at least two labels"),
    ([[0], [1, 2]] * 5, "got a ragged list"),  # was NumPy's 'inhomogeneous shape'
])
def test_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        node_classification(np.ones((10, 3)), labels, ratios=[0.5], repeats=1)


@pytest.mark.parametrize("kwargs, message", [
    ({"ratios": [0.0]}, "strictly between 0 and 1"),
    ({"ratios": [1.0]}, "strictly between 0 and 1"),
    ({"ratios": []}, "strictly between 0 and 1"),
    ({"repeats": 0}, "repeats must be a positive integer"),
    ({"C": -1.0}, "C must be a finite number > 0"),
    ({"C": float("nan")}, "C must be a finite number > 0, got nan"),
    ({"max_iter": 0}, "max_iter must be a positive integer, got 0"),  # ran scikit-learn untrained
    ({"ratios": "0.5"}, "strictly between 0 and 1, got '0.5'"),  # was read as 0.5
    ({"ratios": [0.01]}, "leaves an empty training"),
    ({"n_jobs": 0}, "n_jobs must be None or an integer other than 0"),  # joblib's "n_jobs == 0 has no meaning"
    ({"n_jobs": 1.5}, "n_jobs must be None or an integer other than 0"),
])
def test_bad_classification_arguments(kwargs, message):
    E, Y, _ = planted_labels(n=50)
    with pytest.raises(ValueError, match=message):
        node_classification(E, Y, **{"ratios": [0.5], "repeats": 1, **kwargs})


@pytest.mark.parametrize("E, message", [
    (np.zeros((0, 3)), "non-empty 2-D"),
    (np.zeros(5), "non-empty 2-D"),
    (np.full((4, 2), np.inf), "NaN or infinite"),
])
def test_bad_embeddings(E, message):
    with pytest.raises(ValueError, match=message):
        node_classification(E, np.eye(E.shape[0] if E.ndim else 1, 2, dtype=int), ratios=[0.5], repeats=1)


def test_label_matrix_from_class_ids_skips_negatives():
    Y = as_label_matrix(np.array([3, -1, 5, 3]))
    assert Y.shape == (4, 2) and Y.toarray().tolist() == [[1, 0], [0, 0], [0, 1], [1, 0]]


def two_communities(n: int = 80, seed: int = 0) -> gs.Graph:
    rng = np.random.default_rng(seed)
    half = n // 2
    u, v = rng.integers(0, n, 400), rng.integers(0, n, 400)
    same = (u < half) == (v < half)
    keep = same | (rng.random(400) < 0.05)
    return gs.from_edges(u[keep], v[keep], n_nodes=n, directed=False, self_loops="drop")


def test_split_edges_train_graph_follows_the_input_graph(backend):
    """The training graph lives where G lives (the pair arrays are host arrays, as documented): on a GPU graph
    it was built on the host, so an embedding of it silently ran on the CPU."""
    from graphsample._backend import to_numpy

    b, d = backend
    G = two_communities()
    ref = split_edges(G, 0.5, seed=3)
    got = split_edges(G.to(b, d), 0.5, seed=3)
    T = got.train_graph
    assert (T.backend, T.device) == (b, d)
    assert np.array_equal(to_numpy(T.indptr), ref.train_graph.indptr)
    assert np.array_equal(to_numpy(T.indices), ref.train_graph.indices)
    for name in ("train_pos", "train_neg", "test_pos", "test_neg"):
        assert isinstance(getattr(got, name), np.ndarray)
        assert np.array_equal(getattr(got, name), getattr(ref, name))


def test_split_edges_keeps_components_and_separates_sets():
    G = two_communities()
    A = G.to_scipy()
    split = split_edges(G, 0.5, seed=3)
    m = G.n_edges
    assert len(split.test_pos) == round(0.5 * m) and len(split.train_pos) == m - len(split.test_pos)
    assert connected_components(split.train_graph.to_scipy())[0] == connected_components(A)[0]
    assert split.train_graph.n_edges == len(split.train_pos)
    for pairs in (split.test_pos, split.train_pos):
        assert np.all(A[pairs[:, 0], pairs[:, 1]] == 1)
    for pairs in (split.test_neg, split.train_neg):
        assert np.all(A[pairs[:, 0], pairs[:, 1]] == 0) and np.all(pairs[:, 0] < pairs[:, 1])
    keys = lambda p: set((p[:, 0] * G.n_nodes + p[:, 1]).tolist())  # noqa: E731
    assert not keys(split.test_neg) & keys(split.train_neg)
    assert not keys(split.test_pos) & keys(split.train_pos)
    assert len(keys(split.test_neg)) == len(split.test_neg)


def test_split_edges_draws_as_many_negatives_as_positives_in_each_set():
    """Negatives match the positives set by set: with 30 % held out the two sets differ in size, so training and
    test non-edges cannot be exchanged unnoticed."""
    split = split_edges(two_communities(), 0.3, seed=5)
    assert len(split.test_pos) < len(split.train_pos)
    assert len(split.test_neg) == len(split.test_pos) and len(split.train_neg) == len(split.train_pos)


def test_split_of_a_tree_needs_keep_connected_off():
    path = gs.from_edges(np.arange(5), np.arange(1, 6), directed=False)
    with pytest.raises(GraphValidationError, match="forest"):
        split_edges(path, 0.5, seed=0)
    assert len(split_edges(path, 0.4, keep_connected=False, seed=0).test_pos) == 2
    with pytest.raises(ValueError, match="test_fraction must be a number in"):
        split_edges(path, 1.0)
    for bad in ("0.5", None):  # a bare TypeError from round() / float()
        with pytest.raises(ValueError, match=rf"test_fraction must be a number in \(0, 1\), got {bad!r}"):
            split_edges(path, bad)


def test_link_prediction_checks_its_arguments():
    split = split_edges(gs.from_edges(np.arange(30), (np.arange(30) + 1) % 30, directed=False), 0.3, seed=0)
    E = np.random.default_rng(0).normal(size=(30, 4))
    with pytest.raises(TypeError, match="split must be the EdgeSplit of split_edges, got tuple"):  # AttributeError
        link_prediction(E, (1, 2))
    with pytest.raises(ValueError, match="max_iter must be a positive integer, got 0"):  # an untrained model's AUC
        link_prediction(E, split, max_iter=0)
    with pytest.raises(ValueError, match="C must be a finite number > 0, got 0.0"):  # was scikit-learn's message
        link_prediction(E, split, C=0.0)



def test_split_too_small_a_fraction_is_not_called_a_forest():
    """A triangle is no forest: 10% of its 3 edges rounds to none, and the error must say that."""
    triangle = gs.from_edges(np.array([0, 1, 0]), np.array([1, 2, 2]), n_nodes=6, directed=False)
    with pytest.raises(GraphValidationError, match="rounds to 0"):
        split_edges(triangle, 0.1, seed=0)
    assert len(split_edges(triangle, 0.4, seed=0).test_pos) == 1

def test_sample_non_edges_refuses_too_many():
    K4 = gs.from_edges(np.array([0, 0, 0, 1, 1, 2]), np.array([1, 2, 3, 2, 3, 3]), directed=False)
    with pytest.raises(ValueError, match="only 0"):
        sample_non_edges(K4, 1, np.random.default_rng(0))



def test_split_keeps_self_loops_in_training():
    """Self-loops are never held out: they stay in the training graph (and are no positive pairs)."""
    G = gs.from_edges(np.array([0, 0, 1, 2, 3, 0, 1]), np.array([1, 2, 2, 3, 0, 0, 1]),
                      np.array([1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0]), n_nodes=5, directed=False)
    split = split_edges(G, 0.3, seed=0)
    assert split.train_graph.n_self_loops == 2
    assert split.train_graph.n_edges == len(split.train_pos) + 2
    A = split.train_graph.to_scipy()
    assert A[0, 0] == 2.0 and A[1, 1] == 3.0
    assert np.all(split.train_pos[:, 0] < split.train_pos[:, 1])


def test_sample_non_edges_counts_the_excluded_pairs():
    """Only (0, 2) and (1, 2) are non-edges; excluding one leaves one, so asking two must fail, not hang."""
    H = gs.from_edges(np.array([0]), np.array([1]), n_nodes=3, directed=False)
    with pytest.raises(ValueError, match="only 1"):
        sample_non_edges(H, 2, np.random.default_rng(0), exclude=np.array([[0, 2]]))
    got = sample_non_edges(H, 1, np.random.default_rng(0), exclude=np.array([[0, 2], [0, 1]]))
    np.testing.assert_array_equal(got, [[1, 2]])

def test_link_prediction_auc_on_community_embedding():
    G = two_communities()
    split = split_edges(G, 0.3, seed=1)
    E = np.zeros((G.n_nodes, 2))
    E[: G.n_nodes // 2, 0] = 1
    E[G.n_nodes // 2:, 1] = 1
    E += np.random.default_rng(0).normal(scale=0.05, size=E.shape)
    for scoring in ("dot", "hadamard"):
        # half the non-edges lie inside a community and tie with the edges there: AUC about 0.75
        assert link_prediction(E, split, scoring=scoring).auc > 0.7
    with pytest.raises(ValueError, match="rows but the graph has"):
        link_prediction(E[:5], split)
    with pytest.raises(ValueError, match="unknown scoring"):
        link_prediction(E, split, scoring="cosine")


def test_fastrp_link_prediction_beats_chance():
    from graphsample.embedding import fastrp

    G = two_communities(n=120, seed=4)
    split = split_edges(G, 0.3, seed=2)
    E = fastrp(split.train_graph, 32, preset="gds", seed=0)
    assert link_prediction(E, split, scoring="dot").auc > 0.7
