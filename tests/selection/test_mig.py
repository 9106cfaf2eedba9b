"""MIG: exact agreement with a float64 dense reference of the selection loop, properties, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsample._random import random_below, seed_key, stream_key
from graphsample.selection.mig import (MIGSelector, build_problem, label_graph, label_matrix, labels_from_embeddings,
                                       make_phi, mig_run, mig_select, propagation_matrix, stochastic_sample_size)
from tests.conftest import skip_unless_on_gpu


def pool(n: int, K: int, seed: int, density: float = 0.03, dim: int = 8, threshold: float = 0.6):
    rng = np.random.default_rng(seed)
    V = sp.random(n, K, density=density, random_state=seed, format="csr")
    V.data = rng.random(V.nnz) + 0.05
    s = rng.random(n)
    E = rng.normal(size=(K, dim))
    return build_problem(V, s, label_embeddings=E, threshold=threshold)


def dense_reference(problem, phi, budget, gain, initial=(), candidates=None, with_gains=False):
    """The selection loop written literally in dense float64: D[i] = s_i A v_i, argmax, x += D[i]; the picks, and
    their gains too when ``with_gains``."""
    A = problem.A.toarray()
    D = (problem.V.toarray() * problem.scores[:, None]) @ A.T
    x = D[list(initial)].sum(0) if len(initial) else np.zeros(A.shape[0])
    sel = np.zeros(problem.n, dtype=bool)
    sel[list(initial)] = True
    picks, gains = [], []
    for t in range(budget):
        if gain == "linear":
            g = D @ phi.derivative(x)
        else:
            g = (phi(x[None, :] + D) - phi(x[None, :])).sum(1)
        allowed = ~sel if candidates is None else candidates(t, sel)
        g = np.where(allowed, g, -np.inf)
        i = int(np.argmax(g))
        picks.append(i)
        gains.append(g[i])
        sel[i] = True
        x = x + D[i]
    return (np.asarray(picks), np.asarray(gains)) if with_gains else np.asarray(picks)


def stochastic_mask(seed, n, m):
    """The candidate set of step t (see _mig_cpu.stochastic_greedy), rebuilt with the public RNG functions."""
    key = seed_key(seed)

    def candidates(t, sel):
        skey = np.uint64(stream_key(key, np.int64(t)))
        mask = np.zeros(n, dtype=bool)
        c = 0
        while c < m or not mask.any():
            i = random_below(skey, np.int64(c), np.int64(n))
            c += 1
            if not sel[i]:
                mask[i] = True
        return mask
    return candidates


@pytest.fixture(scope="module")
def small():
    return pool(1200, 90, seed=3)


@pytest.mark.parametrize("gain", ["linear", "exact"])
@pytest.mark.parametrize("optimizer", ["lazy", "sweep"])
def test_matches_dense_reference(small, gain, optimizer):
    phi = make_phi()
    ref = dense_reference(small, phi, 60, gain)
    res = mig_run(small, 60, gain=gain, optimizer=optimizer)
    np.testing.assert_array_equal(res.indices, ref)
    assert res.objective == pytest.approx(small.objective(ref, phi), rel=1e-12)


@pytest.mark.parametrize("gain", ["linear", "exact"])
def test_sweep_on_torch_matches(small, gain):
    pytest.importorskip("torch")
    a = mig_run(small, 30, gain=gain, optimizer="sweep", backend="torch")
    b = mig_run(small, 30, gain=gain, optimizer="lazy")
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.gains, b.gains, rtol=1e-10)


@pytest.mark.parametrize("gain", ["linear", "exact"])
def test_stochastic_matches_reference_with_same_candidates(small, gain):
    m = 40
    ref = dense_reference(small, make_phi(), 50, gain, candidates=stochastic_mask(7, small.n, m))
    res = mig_run(small, 50, gain=gain, optimizer="stochastic", sample_size=m, seed=7)
    np.testing.assert_array_equal(res.indices, ref)


def test_large_pool_lazy_equals_reference():
    prob = pool(5000, 500, seed=11, density=0.01, threshold=0.5)
    for gain in ("linear", "exact"):
        ref = dense_reference(prob, make_phi(), 40, gain)
        np.testing.assert_array_equal(mig_run(prob, 40, gain=gain).indices, ref)


@pytest.mark.parametrize("name,param", [("log1p", None), ("exp", 2.0), ("sqrt", None), ("power", 0.5)])
def test_other_phis_match_reference(small, name, param):
    phi = make_phi(name, param)
    for gain in ("linear", "exact"):
        ref = dense_reference(small, phi, 25, gain)
        np.testing.assert_array_equal(mig_run(small, 25, phi=phi, gain=gain).indices, ref)


@pytest.mark.parametrize("name,param", [("power", None), ("log1p", None), ("exp", 2.5)])
@pytest.mark.parametrize("optimizer", ["lazy", "sweep"])
def test_picks_and_gains_match_reference_on_a_directed_label_graph(name, param, optimizer):
    """A user's label graph may be directed: then A and A^T differ in pattern too, and the linear gains' cache
    g = A^T phi'(x) must be refreshed along the rows of A. The reported gains are the reference's own values (a
    phi or phi' off by a constant factor picks the same items)."""
    rng = np.random.default_rng(21)
    K = 25
    W = sp.random(K, K, density=0.12, random_state=21, format="lil")
    W.setdiag(0)
    V = sp.random(300, K, density=0.08, random_state=22, format="csr")
    prob = build_problem(V, rng.random(300) + 0.1, graph=W.tocsr())
    pattern = prob.A.toarray() != 0
    assert not np.array_equal(pattern, pattern.T)
    phi = make_phi(name, param)
    for gain in ("linear", "exact"):
        ref, ref_gains = dense_reference(prob, phi, 40, gain, with_gains=True)
        res = mig_run(prob, 40, phi=phi, gain=gain, optimizer=optimizer)
        np.testing.assert_array_equal(res.indices, ref)
        np.testing.assert_allclose(res.gains, ref_gains, rtol=1e-10)


def test_callable_phi_runs_on_sweep(small):
    f = make_phi(lambda x: x ** 0.8, grad=lambda x: 0.8 * np.maximum(x, 1e-6) ** -0.2)
    res = mig_run(small, 20, phi=f, gain="linear")
    np.testing.assert_array_equal(res.indices, mig_run(small, 20, gain="linear").indices)
    with pytest.raises(ValueError, match="optimizer='sweep'"):
        mig_run(small, 5, phi=f, optimizer="lazy")
    with pytest.raises(ValueError, match="derivative"):
        mig_run(small, 5, phi=make_phi(np.sqrt), gain="linear")


def test_warm_start(small):
    init = [5, 17, 300]
    for gain in ("linear", "exact"):
        ref = dense_reference(small, make_phi(), 30, gain, initial=init)
        res = mig_run(small, 30, gain=gain, initial=init)
        np.testing.assert_array_equal(res.indices, ref)
        assert not set(res.indices) & set(init)
        np.testing.assert_allclose(res.x, small.information(np.concatenate([init, res.indices])), rtol=1e-12)


def test_ties_go_to_lower_index():
    # identical samples tie: greedy must take the lowest index of each group
    labels = [[0], [1], [0], [1], [0], [1]]
    for gain in ("linear", "exact"):
        for opt in ("lazy", "sweep"):
            res = mig_select(labels, budget=2, gain=gain, optimizer=opt)
            assert sorted(res.indices.tolist()) == [0, 1]


def test_transpose_matters_for_linear_gain():
    # A is row-normalised, hence not symmetric: the gradient is A^T phi'(x), not A phi'(x)
    W = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float))
    A = propagation_matrix(W, 3).toarray()
    assert not np.allclose(A, A.T)
    np.testing.assert_allclose(A, [[1 / 3, 1 / 3, 1 / 3], [1 / 2, 1 / 2, 0], [1 / 2, 0, 1 / 2]])  # D^-1 (I + W)
    half = propagation_matrix(W, 3, alpha=0.5).toarray()
    np.testing.assert_allclose(half, [[1 / 2, 1 / 4, 1 / 4], [1 / 3, 2 / 3, 0], [1 / 3, 0, 2 / 3]])
    prob = build_problem([[0], [1], [2], [1, 2]], scores=[1.0, 0.9, 0.8, 0.5], graph=W)
    phi = make_phi()
    ref = dense_reference(prob, phi, 3, "linear", initial=[0])
    np.testing.assert_array_equal(mig_run(prob, 3, initial=[0]).indices, ref)


def test_same_picks_as_the_authors_formulation():
    # MIG as the paper's authors compute it, written independently of propagation_matrix: M = I + W with
    # W the cosine similarities >= threshold, normalised by its column sums and applied on the right
    # (x = u M / colsum), gain = (s_i v_i M / colsum) . phi'(x) with phi'(x) = 0.8 (x + 1e-6)^-0.2
    rng = np.random.default_rng(3)
    n, K, thr = 300, 28, 0.8
    labels = [list(rng.choice(K, size=rng.integers(1, 4), replace=False)) for _ in range(n)]
    s = rng.random(n)
    group = np.repeat(np.arange(7), np.arange(1, 8))  # 7 groups of 1..7 similar labels: unequal degrees
    E = rng.normal(size=(7, 8))[group] + 0.15 * rng.normal(size=(K, 8))
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    C = En @ En.T
    M = np.where(C >= thr, C, 0.0)
    M[np.diag_indices(K)] = 1.0
    P = M / M.sum(0)
    V = np.zeros((n, K))
    for i, ls in enumerate(labels):
        V[i, ls] = s[i]
    VP = V @ P
    x, free, picks = np.zeros(K), np.ones(n, dtype=bool), []
    for _ in range(25):
        i = int(np.argmax(np.where(free, VP @ (0.8 * (x + 1e-6) ** -0.2), -np.inf)))
        picks.append(i)
        free[i] = False
        x += VP[i]
    for opt in ("lazy", "sweep"):
        res = mig_select(labels, s, budget=25, label_embeddings=E, threshold=thr, optimizer=opt)
        np.testing.assert_array_equal(res.indices, picks)
        np.testing.assert_allclose(res.x, x, rtol=1e-12, atol=1e-12)


def test_propagation_matrix_of_a_directed_graph_normalises_rows():
    """A = D^-1 (I + alpha W) with D the row sums, by hand on a directed W (whose column sums differ)."""
    W = sp.csr_matrix(np.array([[0, 2, 0], [0, 0, 1], [0, 0, 0]], dtype=float))
    np.testing.assert_allclose(propagation_matrix(W, 3).toarray(), [[1 / 3, 2 / 3, 0], [0, 1 / 2, 1 / 2], [0, 0, 1]])
    np.testing.assert_allclose(propagation_matrix(W, 3, alpha=0.5).toarray(),
                               [[1 / 2, 1 / 2, 0], [0, 2 / 3, 1 / 3], [0, 0, 1]])


def test_result_fields(small):
    res = mig_select(small.V, small.scores, budget=0.02, graph=None)
    assert res.indices.size == round(0.02 * small.n)
    assert res.gains.shape == res.indices.shape
    assert np.all(np.diff(res.gains) <= 1e-12)
    assert 0 < res.coverage <= 1
    assert res.support.sum() == res.indices.size


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), gain=st.sampled_from(["linear", "exact"]),
       phi=st.sampled_from(["power", "log1p", "exp", "sqrt"]))
def test_greedy_gains_non_increasing(seed, gain, phi):
    prob = pool(150, 20, seed=seed, density=0.15)
    res = mig_run(prob, 40, phi=make_phi(phi), gain=gain)
    assert np.all(np.diff(res.gains) <= 1e-12 * max(1.0, abs(res.gains[0])))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), phi=st.sampled_from(["power", "log1p", "exp", "sqrt"]))
def test_objective_submodular_and_item_gains_diminish(seed, phi):
    prob = pool(80, 15, seed=seed, density=0.2)
    f = make_phi(phi)
    rng = np.random.default_rng(seed)
    T = rng.choice(prob.n, size=30, replace=False)
    S = T[: rng.integers(0, 30)]
    i = int(rng.choice(np.setdiff1d(np.arange(prob.n), T)))
    gS = prob.objective(np.append(S, i), f) - prob.objective(S, f)
    gT = prob.objective(np.append(T, i), f) - prob.objective(T, f)
    assert gS >= gT - 1e-9
    # the linear (first-order) gain of item i is non-increasing as well
    D = prob.deltas().toarray()
    assert D[i] @ f.derivative(prob.information(S)) >= D[i] @ f.derivative(prob.information(T)) - 1e-9


def test_labels_free_kmeans_and_samples_modes():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(c, 0.3, size=(100, 5)) for c in 3 * np.eye(5)])
    for gain in ("linear", "exact"):
        res = mig_select(embeddings=X, budget=10, n_clusters=5, threshold=None, label_knn=2, gain=gain)
        assert res.coverage == 1.0  # every cluster (label) is covered
    soft = mig_select(embeddings=X, budget=10, n_clusters=5, soft_top_m=2, gain="exact")
    assert soft.indices.size == 10
    samp = mig_select(embeddings=X, budget=5, label_mode="samples", sample_knn=5, threshold=None)
    assert np.unique(samp.indices).size == 5
    sel = MIGSelector(budget=0.05, n_clusters=5).fit(X)
    assert sel.support_.sum() == 25 and sel.transform(X).shape == (25, 5)


def test_sample_knn_is_named_in_its_error():
    # sample_knn=0 reached knn_graph, whose message named its own k ("k must be an integer in [1, 99]")
    X = np.random.default_rng(0).normal(size=(100, 4))
    for bad in (0, 2.5):
        with pytest.raises(ValueError, match=f"^sample_knn must be a positive integer, got {bad!r}$"):
            mig_select(None, None, X, 10, label_mode="samples", sample_knn=bad)


def test_embeddings_given_with_labels_must_describe_the_same_pool():
    """With labels, embeddings are not used (MIGSelector.fit(X, labels=...) passes X) but were not checked at all:
    7 rows for a pool of 4, or NaN rows, passed silently. Matching, finite embeddings change nothing."""
    labels = [[0], [1], [2], [0, 1]]
    with pytest.raises(ValueError, match="^embeddings has 7 rows but labels has 4: both need one row per sample"):
        mig_select(labels, None, np.ones((7, 3)), 2)
    with pytest.raises(ValueError, match="^embeddings contain NaN or infinite values$"):
        mig_select(labels, None, np.full((4, 3), np.nan), 2)
    with pytest.raises(ValueError, match="^embeddings has 7 rows but labels has 4"):
        MIGSelector(budget=2).fit(np.ones((7, 3)), labels=labels)
    ref = mig_select(labels, None, None, 2, gain="exact")
    res = mig_select(labels, None, np.ones((4, 3)), 2, gain="exact")
    assert res.indices.tolist() == ref.indices.tolist() and res.objective == ref.objective


def test_soft_labels_are_the_normalised_cosines_of_the_top_centroids():
    """soft_top_m = 2: row i of V holds, at its 2 most cosine-similar centroids, max(cos, 0) divided by the sum of
    the two, so every sample carries one unit of label mass (soft labels that do not sum to 1 weigh samples by
    how close they sit to their centroids)."""
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(c, 0.4, size=(30, 3)) for c in 2 * np.eye(3)])
    V, C = labels_from_embeddings(X, 3, soft_top_m=2, seed=0)
    cos = (X / np.linalg.norm(X, axis=1, keepdims=True)) @ (C / np.linalg.norm(C, axis=1, keepdims=True)).T
    top = np.argsort(-cos, axis=1)[:, :2]
    w = np.maximum(np.take_along_axis(cos, top, axis=1), 0.0)
    want = np.zeros((90, 3))
    np.put_along_axis(want, top, w / w.sum(axis=1, keepdims=True), axis=1)
    np.testing.assert_allclose(V.toarray(), want, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(V.sum(axis=1)).ravel(), 1.0, rtol=1e-12)


def test_label_graph_threshold_and_knn():
    E = np.array([[1.0, 0], [0.99, 0.1], [0, 1.0], [0.1, 0.99]])
    W = label_graph(E, threshold=0.9)
    assert W.nnz == 4 and W[0, 1] > 0.9 and W[2, 3] > 0.9
    Wk = label_graph(E, threshold=None, k=1)
    assert (Wk != Wk.T).nnz == 0
    A = propagation_matrix(W, 4)
    np.testing.assert_allclose(np.asarray(A.sum(1)).ravel(), 1.0)


def test_label_graph_over_several_row_blocks():
    """K = 4100 labels: label_graph computes the cosines in row blocks of 2**24 // K = 4092 labels, so the second
    block's local row r is label 4092 + r. Against the dense rule (cos >= threshold, no diagonal): a block that
    compared local rows with global columns put self-loops on labels 4092.. and dropped the pair (4095, 3)."""
    rng = np.random.default_rng(2)
    K = 4100
    E = rng.normal(size=(K, 16))
    E[4095] = E[3] + 0.05 * rng.normal(size=16)  # a similar pair across the two blocks
    W = label_graph(E, threshold=0.9)
    Y = E / np.linalg.norm(E, axis=1, keepdims=True)
    cos = Y @ Y.T
    np.fill_diagonal(cos, 0.0)
    r, c = np.nonzero(cos >= 0.9)
    assert cos[4095, 3] > 0.9
    assert W.diagonal().max() == 0 and W.nnz == r.size
    np.testing.assert_allclose(np.asarray(W[r, c]).ravel(), cos[r, c], rtol=1e-12)


def test_stochastic_sample_size():
    assert stochastic_sample_size(1000, 10, 0.01) == int(np.ceil(100 * np.log(100)))
    with pytest.raises(ValueError, match="epsilon"):
        stochastic_sample_size(10, 2, 1.5)


@pytest.mark.parametrize("kwargs,msg", [
    ({"labels": [[0], [1]], "scores": [1.0, -1.0], "budget": 1}, "non-negative"),
    ({"labels": [[0], [1]], "scores": [1.0, np.nan], "budget": 1}, "NaN"),
    ({"labels": [[0], [1]], "scores": [1.0], "budget": 1}, "2 samples"),
    ({"labels": [[0], [1]], "budget": 3}, "exceeds"),
    ({"labels": [[0], [1]], "budget": 0}, "at least 1"),
    ({"labels": [[0], [1]], "budget": 1.5}, "fraction"),
    ({"labels": [[0], [1]], "budget": "3"}, "budget"),
    ({"labels": [[0], [-1]], "budget": 1}, "non-negative"),
    ({"labels": [[0], ["a"]], "budget": 1}, "integer label ids"),
    ({"labels": [], "budget": 1}, "empty"),
    ({"labels": np.array([[0.0, np.nan]]), "budget": 1}, "NaN"),
    ({"labels": np.array([[0.0, -1.0]]), "budget": 1}, "non-negative"),
    ({"labels": np.ones(3), "budget": 1}, "2-D"),
    ({"labels": [[0], [1]], "budget": 1, "phi": "cube"}, "unknown phi"),
    ({"labels": [[0], [1]], "budget": 1, "phi_param": 1.5}, "concave"),
    ({"labels": [[0], [1]], "budget": 1, "phi": "sqrt", "phi_param": 0.3}, "the sqrt phi takes no param, got 0.3"),
    ({"labels": [[0], [1]], "budget": 1, "phi": "log1p", "phi_param": 2.0}, "the log1p phi takes no param"),
    ({"labels": [[0], [1]], "budget": 1, "gain": "quadratic"}, "unknown gain"),
    ({"labels": [[0], [1]], "budget": 1, "optimizer": "fast"}, "unknown optimizer"),
    ({"labels": [[0], [1]], "budget": 1, "initial": [5]}, "initial indices"),
    ({"labels": [[0], [1]], "budget": 1, "alpha": -1.0}, "alpha"),
    ({"labels": [[0], [1]], "budget": 1, "label_embeddings": np.ones((3, 2))}, "3 rows"),
    ({"budget": 1}, "give labels"),
    ({"embeddings": np.ones((4, 2)), "budget": 1, "label_mode": "words"}, "label_mode"),
    ({"embeddings": np.full((4, 2), np.nan), "budget": 1}, "NaN"),
    ({"embeddings": np.ones((4, 2)), "budget": 1, "n_clusters": 9}, "n_clusters"),
    ({"embeddings": np.ones((4, 2)), "budget": 1, "n_clusters": 0}, r"n_clusters must be an integer in \[1, 4\], got 0"),  # was sqrt(n)
    ({"embeddings": np.ones((4, 2)), "budget": 1, "n_clusters": "2"}, r"n_clusters must be an integer in \[1, 4\], got '2'"),  # a bare TypeError
    ({"embeddings": np.eye(4), "budget": 1, "n_clusters": 2, "soft_top_m": 3}, r"soft_top_m must be an integer in \[1, 2\], got 3"),
    ({"embeddings": np.eye(4), "budget": 1, "n_clusters": 2, "soft_top_m": 0}, r"soft_top_m must be an integer in \[1, 2\], got 0"),
    # a NaN threshold compared false with every similarity: silently no label graph at all
    ({"labels": [[0], [1]], "budget": 1, "label_embeddings": np.eye(2), "threshold": float("nan")}, "threshold"),
    ({"embeddings": np.eye(4), "budget": 1, "threshold": float("nan")}, "threshold"),
    ({"embeddings": np.eye(4), "budget": 1, "label_mode": "samples", "threshold": float("nan")}, "threshold"),
    # a cosine above 1 kept no pair (an empty label graph), one below -1 kept every pair
    ({"labels": [[0], [1]], "budget": 1, "label_embeddings": np.eye(2), "threshold": 2.0}, r"cosine .* \[-1, 1\]"),
    ({"embeddings": np.eye(4), "budget": 1, "label_mode": "samples", "threshold": -1.5}, r"in \[-1, 1\], got -1.5"),
])
def test_bad_inputs(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        mig_select(**kwargs)


def test_run_arguments_are_checked():
    prob = pool(40, 5, seed=2)
    with pytest.raises(ValueError, match=r"initial must be a sequence of sample indices \(integers\), got \[0.5\]"):
        mig_run(prob, 3, initial=[0.5])  # was truncated to sample 0
    with pytest.raises(TypeError, match="phi must be a Phi"):  # a name was an AttributeError
        mig_run(prob, 3, phi="power")
    with pytest.raises(ValueError, match="the power phi's param must be a number, got '0.5'"):  # read as 0.5
        make_phi("power", "0.5")
    # stochastic greedy's sample_size 0 was replaced by the default size (`sample_size or ...`), 2.5 truncated to 2
    # and '2' a bare TypeError; -1 alone was refused
    for bad in (0, -1, 2.5, "2", True):
        with pytest.raises(ValueError, match=f"sample_size must be a positive integer, got {bad!r}"):
            mig_run(prob, 3, optimizer="stochastic", sample_size=bad)


def test_label_matrix_formats():
    a = label_matrix([[0, 2], [1]])
    b = label_matrix(np.array([[1.0, 0, 1], [0, 1, 0]]))
    c = label_matrix(sp.csr_matrix(b))
    assert (a != b).nnz == 0 and (b != c).nnz == 0
    with pytest.raises(ValueError, match="n_labels"):
        label_matrix([[0, 4]], n_labels=3)


def test_integer_label_ids_index_nothing_without_label_embeddings_graph_or_n_labels():
    # the ids were column indices whatever the inputs: labels [[10**12]] built 10**12 labels (out of memory); with
    # nothing for them to index, they are numbered densely in increasing order, as the CLI numbers string labels
    big, small, s = [[10**12, 7], [5], [10**12]], [[2, 1], [0], [2]], [0.5, 1.0, 2.0]
    res, ref = mig_select(big, s, budget=3, gain="exact"), mig_select(small, s, budget=3, gain="exact")
    assert res.indices.tolist() == ref.indices.tolist() and res.gains.tolist() == ref.gains.tolist()
    assert res.x.tolist() == ref.x.tolist() and res.coverage == ref.coverage == 1.0
    assert build_problem(big).n_labels == 3
    assert label_matrix([[0, 2], [5]], renumber=True).toarray().tolist() == [[1, 1, 0], [0, 0, 1]]


def test_integer_label_ids_index_the_label_embeddings_and_the_graph():
    # ids are rows of the label embeddings or graph: kept as they are (gaps included), an id beyond the last row
    # named (it was "there are 1000000000001 labels", or out of memory with a graph)
    assert build_problem([[0], [2]], label_embeddings=np.eye(3)).n_labels == 3
    assert build_problem([[0], [2]], graph=sp.csr_matrix((3, 3))).n_labels == 3
    with pytest.raises(ValueError, match=r"^label_embeddings has 3 rows, one per label id, but the labels use id "
                                         r"1000000000000$"):
        mig_select([[0], [10**12]], budget=1, label_embeddings=np.eye(3))
    with pytest.raises(ValueError, match="^graph has 3 rows, one per label id, but the labels use id 1000000000000$"):
        mig_select([[0], [10**12]], budget=1, graph=sp.csr_matrix((3, 3)))
    with pytest.raises(ValueError, match="^label id 1000000000000 is out of range for n_labels=3$"):
        mig_select([[0], [10**12]], budget=1, n_labels=3)


def test_unknown_selector_parameter():
    with pytest.raises(TypeError, match="unknown MIG parameter"):
        MIGSelector(budget=3, colour="red")


@pytest.mark.gpu
@pytest.mark.parametrize("backend", ["torch", "cupy"])
def test_sweep_on_gpu_matches_lazy(small, backend):
    skip_unless_on_gpu(backend)
    for gain in ("linear", "exact"):
        a = mig_run(small, 30, gain=gain, optimizer="sweep", backend=backend, device="cuda")
        np.testing.assert_array_equal(a.indices, mig_run(small, 30, gain=gain).indices)



def test_default_cluster_count_fits_a_one_sample_pool():
    # the default sqrt(n) clusters was raised to 2 even for n = 1: an error about n_clusters nobody passed
    res = mig_select(embeddings=np.ones((1, 3)), budget=1)
    assert res.indices.tolist() == [0]


def test_delta_lists_each_coordinate_once_when_products_underflow():
    r"""K = 2; item 0 has labels j = 0, 1 with :math:`v_{0j} = 10^{-200}` and :math:`A_{kj} = 10^{-200}` for all
    k, j: every product :math:`s_0 v_{0j} A_{kj}` underflows to 0. Each coordinate is touched once, so m = 2 = K;
    the old test ``acc[k] == 0`` listed both twice (m = 4, past the K slots of ``touched``)."""
    from graphsample.selection import _mig_cpu

    K = 2
    v_ptr, v_idx, v_val = np.array([0, 2]), np.array([0, 1]), np.full(2, 1e-200)
    at_ptr, at_idx, at_val = np.array([0, 2, 4]), np.array([0, 1, 0, 1]), np.full(4, 1e-200)
    s = np.ones(1)
    acc, seen = np.zeros(K), np.zeros(K, np.bool_)
    touched = np.full(K + 4, -1, np.int64)  # spare slots so that an overflow is seen, not a crash
    m = _mig_cpu._delta(0, s, v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, touched, seen)
    assert m == 2 and sorted(touched[:2]) == [0, 1] and np.all(touched[2:] == -1)
    # _gain resets the scratch (acc zero, no flag left set); the gain of an all-zero delta is 0
    acc[:], seen[:] = 0.0, False
    zeros = np.zeros(K)
    gain = _mig_cpu._gain(0, _mig_cpu.GAIN_EXACT, _mig_cpu.PHI_LOG1P, 1.0, zeros, zeros, zeros, s,
                          v_ptr, v_idx, v_val, at_ptr, at_idx, at_val, acc, np.empty(K, np.int64), seen)
    assert gain == 0.0 and not seen.any() and not acc.any()
