"""PPP: repeatability, wine k=3, separable set, GMM against scikit-learn, backends, bad inputs."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsample._backend import to_numpy
from graphsample.clustering import PPP, adjusted_rand_index, gmm_fit, repeatability
from graphsample.clustering.ppp import _canonical, _e_step, _m_step, min_component_size
from tests.conftest import skip_unless_on_gpu

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402


def load(name):
    return getattr(datasets, f"load_{name}")(return_X_y=True)


@settings(max_examples=50, deadline=None)
@given(a=st.lists(st.integers(0, 4), min_size=2, max_size=60), seed=st.integers(0, 1000))
def test_ari_equals_sklearn(a, seed):
    b = np.random.default_rng(seed).integers(0, 3, size=len(a))
    assert adjusted_rand_index(np.array(a), b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_ari_bad_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        adjusted_rand_index(np.zeros(3, int), np.zeros(4, int))


def test_ari_takes_lists_and_refuses_what_is_not_one_labeling():
    # lists raised backend_of's 'unsupported array type builtins.list' (meant for internal misuse), empty
    # labelings NumPy's 'zero-size array to reduction operation maximum', and 2-D arrays were flattened: the
    # ARI of [[0, 1]] and [[0], [1]] was 1.0
    assert adjusted_rand_index([0, 0, 1, 1], ("b", "b", "a", "a")) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(adjusted_rand_score([0, 0, 1, 1],
                                                                                                [0, 1, 0, 1]))
    with pytest.raises(TypeError, match="^b must be a NumPy, CuPy or PyTorch array, a list or a tuple, not str$"):
        adjusted_rand_index([0, 1], "ab")
    for a, b, shape in [([], [], "(0,)"), (np.array([[0, 1]]), np.array([[0], [1]]), "(1, 2)")]:
        with pytest.raises(ValueError, match=re.escape(f"a must be a non-empty 1-D labeling, got shape {shape}")):
            adjusted_rand_index(a, b)


@pytest.mark.parametrize("covariance", ["full", "diag"])
def test_gmm_matches_sklearn(covariance):
    from sklearn.mixture import GaussianMixture

    X, _ = load("iris")
    lab = np.repeat(np.arange(3), 50)
    ours = gmm_fit(X, lab, 3, covariance, reg_covar=1e-6, max_iter=500, tol=1e-10)
    ref = GaussianMixture(3, covariance_type=covariance, reg_covar=1e-6, max_iter=500, tol=1e-10,
                          means_init=np.stack([X[lab == c].mean(0) for c in range(3)]), random_state=0).fit(X)
    assert ours.bic == pytest.approx(ref.bic(X), rel=1e-4)
    np.testing.assert_allclose(ours.means[np.argsort(ours.means[:, 0])],
                               ref.means_[np.argsort(ref.means_[:, 0])], atol=1e-3)


def test_wine_diagonal_finds_three():
    X, y = load("wine")
    m = PPP(covariance="diag", k_max=8).fit(X)
    assert m.n_clusters_ == 3
    assert adjusted_rand_index(m.labels_, y) > 0.85


@pytest.mark.parametrize("name,cov,k_max", [("iris", "full", 5), ("wine", "diag", 5), ("breast_cancer", "diag", 4),
                                            ("digits", "diag", 5)])
@pytest.mark.parametrize("mode", ["flat", "divisive"])
def test_repeatable_across_seeds_and_row_orders(name, cov, k_max, mode):
    X, _ = load(name)
    rep = repeatability(X, seeds=(0, 5, 123), n_orders=2, covariance=cov, k_max=k_max, mode=mode)
    assert rep["min_ari"] == 1.0 and len(set(rep["k"])) == 1


def test_no_random_choice_by_default():
    # the default has no k-means++ restarts: the seed changes nothing, bit for bit
    X, _ = load("digits")
    a = PPP(k_max=5, covariance="diag", seed=0).fit(X)
    b = PPP(k_max=5, covariance="diag", seed=2**40).fit(X[::-1])
    np.testing.assert_array_equal(a.labels_, b.labels_[::-1])
    assert a.bic_ == b.bic_ and a.agreement_ == b.agreement_


@pytest.mark.parametrize("cov", ["diag", "full"])
def test_divisive_wine_finds_three(cov):
    X, y = load("wine")
    m = PPP(mode="divisive", covariance=cov, k_max=8).fit(X)
    assert m.n_clusters_ == 3
    assert adjusted_rand_index(m.labels_, y) > 0.85
    assert m.sweep_[0]["accepted"]  # the bisection of the whole 13-D set is accepted


def test_divisive_keeps_one_correlated_gaussian():
    # a diagonal GMM(2) fits a correlated Gaussian better than a diagonal GMM(1); the split test is
    # along the split direction, where one Gaussian stays one
    cov = [[1, 0.8, 0.5], [0.8, 1, 0.3], [0.5, 0.3, 1]]
    X = np.random.default_rng(0).multivariate_normal([0, 0, 0], cov, 500)
    m = PPP(mode="divisive", covariance="diag").fit(X)
    assert m.n_clusters_ == 1


def test_divisive_splits_the_cluster_of_largest_sse_first():
    """Four groups of 40 in 1-D, at 0 and 20 (the k = 2 cluster of large SSE) and at 100 and 103 (small SSE,
    but 10 standard deviations apart, so its bisection is accepted too). With k_max = 3 only one more split is
    made, and it must be the one of the largest SSE: {0}, {20}, {100, 103}."""
    rng = np.random.default_rng(4)
    X = np.concatenate([rng.normal(c, 0.3, size=(40, 1)) for c in (0.0, 20.0, 100.0, 103.0)])
    labels = PPP(mode="divisive", k_max=3).fit(X).labels_
    groups = [np.unique(labels[g * 40:(g + 1) * 40]) for g in range(4)]
    assert all(g.size == 1 for g in groups)
    assert groups[0][0] != groups[1][0] and groups[2][0] == groups[3][0] != groups[0][0]


@pytest.mark.parametrize("small, k", [(20, 2), (3, 1)])
def test_divisive_default_min_size_is_one_percent(small, k):
    """The default min_size is max(2, d + 1, n // 100): 400 points in 1-D, of which ``small`` lie 100 standard
    deviations away. 20 (5%) are split off as their own cluster; 3 (under 1%) are too few for a cluster and stay."""
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(0.0, 1.0, size=(400 - small, 1)), rng.normal(100.0, 1.0, size=(small, 1))])
    m = PPP(mode="divisive").fit(X)
    assert m.n_clusters_ == k
    assert np.unique(m.labels_[-small:]).size == 1 and (k == 1 or m.labels_[0] != m.labels_[-1])


def test_canonical_numbers_clusters_in_the_lexicographic_order_of_their_centroids():
    """Centroids (1, 0), (0, 3), (2, 0), (0, -1) sort as 3, 1, 0, 2 (a 3-cycle, not an involution): cluster c gets
    its rank in that order."""
    C = np.array([[1.0, 0.0], [0.0, 3.0], [2.0, 0.0], [0.0, -1.0]])
    np.testing.assert_array_equal(_canonical(np.array([0, 1, 2, 3, 2, 0]), C), [2, 1, 3, 0, 3, 2])


@pytest.mark.parametrize("name,cov,mode", [("wine", "diag", "flat"), ("breast_cancer", "full", "flat"),
                                           ("digits", "diag", "flat"), ("breast_cancer", "diag", "divisive")])
def test_separable_set_raises_ari(name, cov, mode):
    X, y = load(name)
    m = PPP(covariance=cov, k_max=5, mode=mode).fit(X)
    sep = m.separable_mask_
    assert sep.mean() < 0.95  # the set drops more than 5% of the points here ...
    assert adjusted_rand_index(m.labels_[sep], y[sep]) > adjusted_rand_index(m.labels_, y)  # ... and helps


@pytest.mark.parametrize("mode", ["flat", "divisive"])
def test_blobs_find_k(mode):
    X, y = datasets.make_blobs(600, centers=4, n_features=3, cluster_std=0.6, random_state=2)
    m = PPP(mode=mode, k_max=8).fit(X)
    assert m.n_clusters_ == 4
    assert adjusted_rand_index(m.labels_, y) == 1.0
    assert m.separable_mask_.mean() > 0.95 and m.agreement_ == pytest.approx(1.0)
    assert m.centroids_.shape == (4, 3)


@pytest.mark.parametrize("mode", ["flat", "divisive"])
@pytest.mark.parametrize("n,d", [(200, 2), (500, 1), (500, 5)])
def test_single_gaussian_is_one_cluster(mode, n, d):
    X = np.random.default_rng(0).normal(size=(n, d))
    m = PPP(mode=mode).fit(X)
    assert m.n_clusters_ == 1 and (m.labels_ == 0).all()


def test_flat_keeps_k_when_some_gmm_beats_one_gaussian():
    # wine, full covariance: GMM(2) is 85 BIC below one Gaussian, so the sweep's k* stands. It is 3, the
    # classes' number: k = 7 and 8 agree more (0.906, 0.952) but hold components of 7 and 4 effective points,
    # fewer than the 14 a non-singular 13-D covariance needs, so their fits do not compete
    X, y = load("wine")
    m = PPP(mode="flat", covariance="full", k_max=8).fit(X)
    assert m.n_clusters_ == 3 and adjusted_rand_index(m.labels_, y) > 0.89
    singular = [p.k for p in m.sweep_ if p.min_component_size < 14]
    assert singular == [7, 8] and max(p.agreement for p in m.sweep_) > m.agreement_


def test_flat_agreements_within_the_tolerance_tie():
    # digits, diagonal, k <= 5: k = 5 agrees best (0.216), k = 3 within agreement_tol = 0.05 of it (0.170) with the
    # larger separable fraction (0.61 against 0.57), so the tie goes to k = 3; with no tolerance k = 5 wins
    X, _ = load("digits")
    m = PPP(covariance="diag", k_max=5).fit(X)
    by_k = {p.k: p for p in m.sweep_}
    assert by_k[5].agreement - 0.05 <= by_k[3].agreement < by_k[5].agreement
    assert by_k[3].separable_fraction > by_k[5].separable_fraction
    assert m.n_clusters_ == 3 and m.agreement_ == by_k[3].agreement
    assert PPP(covariance="diag", k_max=5, agreement_tol=0.0).fit(X).n_clusters_ == 5


@pytest.mark.parametrize("d", [5, 13])
def test_small_gaussian_sample_is_one_cluster_with_full_covariance(d):
    # 50 points: a GMM(k) with components below d + 1 points has a singular covariance whose likelihood is
    # bounded only by reg_covar; without the guard such fits won the sweep (k = 10 in 5-D, 9 in 13-D)
    X = np.random.default_rng(0).normal(size=(50, d))
    m = PPP(mode="flat", covariance="full").fit(X)
    assert m.n_clusters_ == 1
    assert any(p.min_component_size < d + 1 for p in m.sweep_)


@pytest.mark.parametrize("d,covariance,size", [(1, "full", 2), (13, "full", 14), (13, "diag", 2), (64, "diag", 2)])
def test_min_component_size(d, covariance, size):
    assert min_component_size(d, covariance) == size


@pytest.mark.parametrize("mode,n_init", [("flat", 0), ("flat", 4), ("divisive", 0)])
def test_torch_backend_matches_numpy(mode, n_init):
    torch = pytest.importorskip("torch")
    X, _ = datasets.make_blobs(300, centers=3, n_features=2, random_state=1)
    a = PPP(k_max=5, n_init=n_init, mode=mode).fit(X)
    b = PPP(k_max=5, n_init=n_init, mode=mode).fit(torch.from_numpy(X))
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.bic_ == pytest.approx(b.bic_, rel=1e-9)


def test_torch_gmm_steps():
    torch = pytest.importorskip("torch")
    X, y = datasets.make_blobs(200, centers=2, n_features=2, random_state=3)
    a = gmm_fit(X, y, 2, "full")
    b = gmm_fit(torch.from_numpy(X), torch.from_numpy(y), 2, "full")
    np.testing.assert_allclose(to_numpy(b.resp), a.resp, atol=1e-10)


@pytest.mark.parametrize("kwargs,msg", [
    ({"mode": "top-down"}, "unknown mode"),
    ({"covariance": "spherical"}, "unknown covariance"),
    ({"k_max": 1}, "k_max"),
    ({"p_min": 0.0}, "p_min"),
    ({"n_init": -1}, "n_init"),
    ({"n_init": 1}, "n_init"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**64}, r"seed must be an integer in \[0, 2\*\*64\)"),  # was accepted here, refused in fit
    # strings went through float() or a bare comparison; NaN, inf and negative tolerances were kept
    ({"p_min": "0.9"}, r"p_min must be a number in \(0, 1\], got '0.9'"),
    ({"agreement_tol": float("nan")}, "agreement_tol must be a finite number >= 0"),
    ({"agreement_tol": -0.1}, "agreement_tol must be a finite number >= 0"),
    ({"min_bic_gain": "10"}, "min_bic_gain must be a finite number"),
    ({"reg_covar": None}, "reg_covar must be a finite number >= 0"),
    ({"min_size": 2.5}, "min_size must be a positive integer, got 2.5"),
    ({"n_init": 2.5}, "n_init"),
])
def test_bad_parameters(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        PPP(**kwargs)


@pytest.mark.parametrize("kwargs,msg", [
    # gmm_fit checked nothing: NaN data or reg_covar gave NaN fits, an empty X a ZeroDivisionError, 2-D labels a
    # broadcasting error, host labels beside a torch X an AttributeError, a float k or max_iter bare TypeErrors
    ({"X": np.full((20, 2), np.nan)}, "X contains NaN"),
    ({"X": np.ones((0, 2)), "labels": np.zeros(0, int)}, "X is empty"),
    ({"labels": np.zeros((20, 2), int)}, r"labels must be 20 integer cluster ids \(one per row of X\)"),
    ({"labels": np.full(20, 0.5)}, "labels must be 20 integer cluster ids"),
    ({"labels": np.arange(20) % 3}, r"labels must be cluster ids in 0..1, got values in 0..2"),
    ({"k": 2.5}, "k must be a positive integer, got 2.5"),
    ({"reg_covar": float("nan")}, "reg_covar must be a finite number >= 0"),
    ({"max_iter": 0}, "max_iter must be a positive integer"),
    ({"tol": None}, "tol must be a finite number >= 0, got None"),
    ({"covariance": "tied"}, "unknown covariance"),
])
def test_gmm_bad_input(kwargs, msg):
    args = {"X": np.random.default_rng(0).normal(size=(20, 2)), "labels": np.arange(20) % 2, "k": 2, **kwargs}
    with pytest.raises(ValueError, match=msg):
        gmm_fit(args.pop("X"), args.pop("labels"), args.pop("k"), **args)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_gmm_with_a_singular_covariance_names_reg_covar(backend):
    # reg_covar=0 is allowed (as in scikit-learn), but a cluster of one point then has a zero covariance:
    # numpy's LinAlgError 'Matrix is not positive definite' (torch's from inside cholesky) escaped from gmm_fit
    # and from PPP(reg_covar=0).fit, naming nothing the caller can change
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(20, 2)), rng.normal(size=(20, 2)) + 6]  # PPP's sweep meets a one-point cluster
    labels = np.r_[0, np.ones(39, dtype=np.int64)]
    if backend == "torch":
        X = pytest.importorskip("torch").from_numpy(X)
    for fit in (lambda: gmm_fit(X, labels, 2, reg_covar=0.0), lambda: PPP(reg_covar=0.0).fit(X),
                lambda: gmm_fit(X, labels, 2, covariance="diag", reg_covar=0.0)):  # diag: was a variance of 3e-17
        with pytest.raises(ValueError, match="covariance of a mixture component is not positive definite.*reg_covar"):
            fit()


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_one_point_component_has_exactly_zero_covariance(backend):
    # the refusal above rests on this: with nk + 10 eps the point's mean was off by 1e-15 relative, its covariance
    # a rank-one 1e-30 matrix, and whether its Cholesky failed depended on the LAPACK's rounding (torch 2.11 on
    # the GPU machine factored it, and the fit went on with a 1e-15 wide component)
    X = np.random.default_rng(1).normal(size=(30, 3)) * 100
    resp = np.zeros((30, 2))
    resp[0, 0] = resp[1:, 1] = 1.0
    if backend == "torch":
        torch = pytest.importorskip("torch")
        X, resp = torch.from_numpy(X), torch.from_numpy(resp)
    for covariance in ("full", "diag"):
        _, means, cov = _m_step(X, resp, covariance, 0.0)
        assert np.array_equal(to_numpy(means[0]), to_numpy(X[0])) and not to_numpy(cov[0]).any()


@pytest.mark.parametrize("covariance", ["full", "diag"])
def test_gmm_with_a_constant_feature_names_reg_covar(covariance):
    # diag gave a NaN log-likelihood (a variance of 0, then 1 / 0) without a word
    X = np.c_[np.random.default_rng(2).normal(size=40), np.full(40, 3.0)]
    labels = np.r_[np.zeros(20, np.int64), np.ones(20, np.int64)]
    with pytest.raises(ValueError, match="not positive definite.*or a constant feature.*raise reg_covar"):
        gmm_fit(X, labels, 2, covariance=covariance, reg_covar=0.0)
    assert np.isfinite(gmm_fit(X, labels, 2, covariance=covariance).log_likelihood)  # the default reg_covar


@pytest.mark.parametrize("covariance", ["full", "diag"])
@pytest.mark.parametrize("d", [3, 40])  # NumPy: the fused host passes up to 32 features, array products above
def test_e_step_on_the_host_equals_the_array_products(covariance, d):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, d))
    labels = rng.integers(0, 3, 300)
    resp0 = np.eye(3)[labels]
    w, means, cov = _m_step(X, resp0, covariance, 1e-6)
    resp, ll = _e_step(X, w, means, cov, covariance)
    Xt = torch.from_numpy(X)
    w_t, means_t, cov_t = _m_step(Xt, torch.from_numpy(resp0), covariance, 1e-6)
    resp_t, ll_t = _e_step(Xt, w_t, means_t, cov_t, covariance)
    np.testing.assert_allclose(resp, resp_t.numpy(), rtol=1e-9, atol=1e-12)
    assert ll == pytest.approx(ll_t, rel=1e-12)
    np.testing.assert_allclose(resp.sum(1), 1.0, rtol=1e-12)


def test_gmm_takes_host_labels_for_a_torch_matrix():
    torch = pytest.importorskip("torch")
    X, y = datasets.make_blobs(60, centers=2, n_features=2, random_state=3)
    assert gmm_fit(torch.from_numpy(X), y, 2).bic == pytest.approx(gmm_fit(X, y, 2).bic, rel=1e-10)


def test_repeatability_checks_n_orders():
    with pytest.raises(ValueError, match="n_orders must be a positive integer, got 2.5"):  # a bare TypeError
        repeatability(np.random.default_rng(0).normal(size=(20, 2)), n_orders=2.5)


@pytest.mark.parametrize("seeds, n_orders", [((), 3), ((0,), 1)])
def test_repeatability_needs_two_runs_to_compare(seeds, n_orders):
    # zero runs or one: no pair, and the report said mean ARI 1.0
    with pytest.raises(ValueError, match=r"seeds \(\d\) times n_orders \(\d\) must be at least 2"):
        repeatability(np.random.default_rng(0).normal(size=(20, 2)), seeds=seeds, n_orders=n_orders)


@pytest.mark.parametrize("X,msg", [
    (np.ones((3, 2)), "at least 4"),
    (np.array([[np.nan, 1.0]] * 5), "NaN"),
    (np.ones(5), "2-D"),
    (np.ones((0, 2)), "empty"),
])
def test_bad_data(X, msg):
    with pytest.raises(ValueError, match=msg):
        PPP().fit(X)


@pytest.mark.gpu
def test_ppp_on_torch_cuda_matches_numpy():
    skip_unless_on_gpu("torch")
    import torch

    X, _ = datasets.make_blobs(500, centers=3, n_features=3, random_state=1)
    a = PPP(k_max=5).fit(X)
    b = PPP(k_max=5).fit(torch.from_numpy(X).cuda())
    np.testing.assert_array_equal(a.labels_, b.labels_)
