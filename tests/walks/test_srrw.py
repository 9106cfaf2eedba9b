"""SRRW: asymptotic variance against the closed form V(alpha), x_n -> mu, reproducibility, bad inputs."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest

import graphsample as gs
from graphsample._backend import to_numpy
from graphsample.errors import GraphsampleError
from graphsample.walks import asymptotic_covariance, asymptotic_variance, srrw


def barbell(weighted: bool = False) -> gs.Graph:
    """10 nodes, slow mixing between the bells; ``weighted``: edge weights 1, 2, 3, 1, 2, 3, ..."""
    Gx = nx.barbell_graph(4, 2)
    if weighted:
        nx.set_edge_attributes(Gx, {e: 1.0 + i % 3 for i, e in enumerate(Gx.edges())}, "weight")
    return gs.from_networkx(Gx)


@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_is_the_mcmc_variance_at_alpha_zero(weighted):
    """V(0) f.f equals the integrated autocorrelation sum of the base chain (dense computation). Weighted, the
    simple walk P = W / s has mu = s / sum(s), the strengths (srrw's mu too): mu from the unweighted degrees would
    symmetrise P with the wrong D and drive the chains to the wrong target."""
    G = barbell(weighted)
    f = np.arange(G.n_nodes, dtype=float)
    V = asymptotic_covariance(G, 0.0, base="srw")
    P = G.to_scipy().toarray()
    mu = P.sum(1) / P.sum()
    P /= P.sum(1, keepdims=True)
    np.testing.assert_allclose(srrw(G, 1, base="srw", seed=0).mu, mu, rtol=1e-12)
    fc = f - mu @ f
    Z = np.linalg.inv(np.eye(G.n_nodes) - P + np.outer(np.ones(G.n_nodes), mu))  # fundamental matrix
    expected = 2 * mu @ (fc * (Z @ fc)) - mu @ fc**2
    assert f @ V @ f == pytest.approx(expected, rel=1e-9)
    assert np.allclose(V @ np.ones(G.n_nodes), 0, atol=1e-10)


@pytest.mark.parametrize("alpha", [0.0, 5.0])
def test_asymptotic_variance_matches_closed_form(alpha):
    """n Var(mean of f over the chain) over 800 chains of 4000 steps vs f^T V(alpha) f.

    The sample variance of 800 chains has relative standard error sqrt(2/799) = 5%; we allow 4 standard
    errors plus 5% for the finite-n bias.
    """
    G = barbell()
    f = (np.arange(G.n_nodes) < 5).astype(float)
    n = 4000
    r = srrw(G, n, repel_alpha=alpha, n_chains=800, f=f, checkpoints=[n], seed=17)
    measured = n * np.var(r.estimates[:, -1])
    predicted = f @ asymptotic_covariance(G, alpha) @ f
    assert abs(measured / predicted - 1) < 4 * np.sqrt(2 / 799) + 0.05
    assert abs(np.mean(r.estimates[:, -1]) - r.mu @ f) < 5 * np.sqrt(predicted / n / 800)


@pytest.mark.parametrize("alpha", [0.0, 2.0])
def test_asymptotic_variance_below_a_equal_1(alpha):
    """gamma_exp = a < 1: Var(f^T x_n) / gamma_n over 800 chains of 20,000 steps vs f^T V f with the shift 2, which
    is half the a = 1 form's at alpha = 0. Tolerance: 4 relative standard errors of a variance over 800 chains,
    4 sqrt(2/799) = 20%, plus 5% for the finite-n bias (measured: +1.4% at alpha = 0, +1.2% at alpha = 2)."""
    G = barbell()
    f = (np.arange(G.n_nodes) < 5).astype(float)
    n, a = 20_000, 0.8
    r = srrw(G, n, repel_alpha=alpha, gamma_exp=a, n_chains=800, seed=17)
    measured = np.var(np.asarray(r.x) @ f) / (n + 1) ** -a
    predicted = asymptotic_variance(G, f, alpha, gamma_exp=a)
    assert abs(measured / predicted - 1) < 4 * np.sqrt(2 / 799) + 0.05
    assert predicted == pytest.approx(f @ asymptotic_covariance(G, alpha, gamma_exp=a) @ f, rel=1e-12)
    if alpha == 0.0:
        assert asymptotic_variance(G, f, 0.0) == pytest.approx(2 * predicted, rel=1e-12)  # shift 1 against 2


def test_repellence_shrinks_the_variance_like_one_over_alpha():
    G = barbell()
    f = np.arange(G.n_nodes, dtype=float)
    v = [f @ asymptotic_covariance(G, a) @ f for a in (0, 1, 5, 20)]
    assert v[0] > v[1] > v[2] > v[3]
    assert v[3] * 20 == pytest.approx(v[2] * 5, rel=0.3)
    np.testing.assert_allclose(asymptotic_variance(G, f, [0, 1, 5, 20]), v, rtol=1e-10)
    assert asymptotic_variance(G, f, 5) == pytest.approx(v[2], rel=1e-10)


@pytest.mark.parametrize("base, gamma_exp", [("mh", 1.0), ("srw", 1.0), ("mh", 0.7)])
def test_empirical_measure_converges_to_target(base, gamma_exp):
    G = gs.from_networkx(nx.karate_club_graph(), weight=None)
    r = srrw(G, 20000, repel_alpha=2.0, n_chains=4, base=base, gamma_exp=gamma_exp, checkpoints=[100, 20000],
             seed=3)
    assert np.all(r.tvd[:, 1] < r.tvd[:, 0])
    assert np.all(r.tvd[:, 1] < (0.05 if gamma_exp == 1.0 else 0.1))  # x_n fluctuates like gamma_n^(1/2)
    assert np.allclose(r.x.sum(axis=1), 1.0)
    tvd = 0.5 * np.abs(r.x - r.mu[None, :]).sum(axis=1)
    np.testing.assert_allclose(tvd, r.tvd[:, 1], rtol=1e-9)
    expected_mu = np.ones(34) / 34 if base == "mh" else G.out_degree() / G.n_arcs
    np.testing.assert_allclose(r.mu, expected_mu)


def test_visit_counts_with_gamma_one():
    """a = 1 and x_0 = mu: x_n = (mu + visit counts) / (n + 1), exactly."""
    G = barbell()
    r = srrw(G, 500, repel_alpha=3.0, n_chains=3, return_paths=True, checkpoints=[500], seed=2)
    for c in range(3):
        counts = np.bincount(r.paths[c], minlength=G.n_nodes)
        np.testing.assert_allclose(r.x[c], (r.mu + counts) / 501, rtol=1e-10)


def test_estimates_are_running_averages_of_f_along_the_path():
    """estimates[c, i] = (1/n) sum_{k <= n} f(X_k) at checkpoint n, X_1..X_n the recorded path: n visits, not the
    n + 1 terms of x_n (a division by n + 1 biased every estimate down by a factor n / (n + 1))."""
    G = barbell()
    f = np.arange(G.n_nodes, dtype=float) ** 2
    cps = [1, 7, 300]
    r = srrw(G, 300, repel_alpha=1.0, n_chains=3, f=f, return_paths=True, checkpoints=cps, seed=5)
    expected = np.array([[f[path[:n]].mean() for n in cps] for path in r.paths])
    np.testing.assert_allclose(r.estimates, expected, rtol=1e-12)


@pytest.mark.parametrize("base, gamma_exp", [("mh", 1.0), ("mh", 0.8), ("srw", 1.0)])
def test_second_step_follows_the_repellent_kernel(base, gamma_exp):
    """Exact law of (X_1, X_2) from a fixed start on a star with a pendant path: X_1 ~ P(s, .) since K[mu] = P,
    then x_1 = (1 - g) mu + g delta_{X_1} with g = 2^-a and X_2 ~ K[x_1](X_1, j) ∝ P(X_1, j) (x_1(j) / mu_j)^-alpha
    (the lazy MH self-loop included; srw: mu ∝ degree, so dropping mu from the ratio would show)."""
    G = gs.from_edges([0, 0, 0, 3], [1, 2, 3, 4], directed=False)
    alpha, s, n = 1.5, 3, 200_000
    r = srrw(G, 2, repel_alpha=alpha, n_chains=n, starts=np.full(n, s), base=base, gamma_exp=gamma_exp,
             return_paths=True, seed=4)
    A = G.to_scipy().toarray() > 0
    deg = A.sum(axis=1)
    if base == "mh":  # Metropolis-Hastings to the uniform target
        mu = np.full(5, 0.2)
        P = np.where(A, 1.0 / np.maximum(deg[:, None], deg[None, :]), 0.0)
        P[np.diag_indices(5)] = 1 - P.sum(axis=1)
    else:
        mu = deg / deg.sum()
        P = A / deg[:, None]
    np.testing.assert_allclose(r.mu, mu)
    g = 2.0**-gamma_exp
    expected = np.zeros((5, 5))
    for x1 in range(5):
        x = (1 - g) * mu + g * np.eye(5)[x1]
        w = P[x1] * (x / mu) ** -alpha
        expected[x1] = P[s, x1] * w / w.sum()
    got = np.zeros((5, 5))
    np.add.at(got, (r.paths[:, 0], r.paths[:, 1]), 1.0 / n)
    tol = 5 * np.sqrt(expected * (1 - expected) / n) + 1e-12  # 5 binomial standard errors per cell
    assert np.all(np.abs(got - expected) <= tol), (got, expected)


@pytest.mark.parametrize("alpha", [0.0, 2.0])
def test_zero_weight_arc_is_skipped_not_poisoning_the_kernel(alpha):
    """Node 0's first arc has weight 0 (log P = -inf) and, with the srw base, no self-loop either: the
    running-max normaliser must skip that arc. X_1 from 0 follows P(0, .) = (0, 0, 1/2, 1/2) (K[mu] = P)."""
    G = gs.from_edges([0, 0, 0, 1, 2, 3], [1, 2, 3, 2, 3, 1], np.array([0.0, 1, 1, 1, 1, 1]), directed=False)
    n = 20_000
    r = srrw(G, 1, repel_alpha=alpha, n_chains=n, starts=np.zeros(n, np.int64), base="srw", return_paths=True,
             seed=1)
    freq = np.bincount(r.paths[:, 0], minlength=4) / n
    assert freq[0] == 0 and freq[1] == 0
    assert abs(freq[2] - 0.5) < 5 * np.sqrt(0.25 / n)


def test_default_starts_are_drawn_from_the_target():
    """On a star (centre 0, four leaves) the srw target puts 1/2 on the centre, so chains started from mu move to
    the centre (from a leaf) w.p. 1/2 at the first step (K[mu] = P); 5 binomial standard errors."""
    G = gs.from_edges([0, 0, 0, 0], [1, 2, 3, 4], directed=False)
    n = 20_000
    r = srrw(G, 1, repel_alpha=1.0, n_chains=n, base="srw", return_paths=True, seed=6)
    assert abs(np.mean(r.paths[:, 0] == 0) - 0.5) < 5 * np.sqrt(0.25 / n)


def test_huge_alpha_does_not_overflow():
    G = barbell()
    r = srrw(G, 3000, repel_alpha=200.0, n_chains=2, checkpoints=[3000], seed=1)
    assert np.all(np.isfinite(r.x)) and np.all(r.tvd[:, -1] < 0.05)


def test_alpha_schedule_and_paths_follow_edges():
    G = barbell()
    alpha = np.linspace(0, 10, 300)
    r = srrw(G, 300, repel_alpha=alpha, n_chains=5, return_paths=True, starts=[0, 1, 2, 3, 4], seed=1)
    A = G.to_scipy().toarray() > 0
    P = np.concatenate([np.arange(5)[:, None], r.paths], axis=1)
    stay = P[:, 1:] == P[:, :-1]
    assert np.all(A[P[:, :-1], P[:, 1:]] | stay)
    np.testing.assert_array_equal(r.nodes, r.paths[:, -1])


@pytest.mark.parametrize("gamma_exp", [1.0, 0.75])
def test_sparse_state_equals_dense(gamma_exp):
    G = gs.from_networkx(nx.karate_club_graph(), weight=None)
    kw = dict(repel_alpha=3.0, n_chains=6, gamma_exp=gamma_exp, f=np.arange(34.0), return_paths=True,
              checkpoints=[10, 300], seed=8)
    dense, sparse = srrw(G, 300, state="dense", **kw), srrw(G, 300, state="sparse", **kw)
    np.testing.assert_array_equal(sparse.paths, dense.paths)
    np.testing.assert_allclose(sparse.tvd, dense.tvd, rtol=1e-9)
    np.testing.assert_allclose(sparse.estimates, dense.estimates, rtol=1e-12)
    assert sparse.x is None


def test_same_chains_for_one_and_two_threads():
    G = barbell()
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = srrw(G, 400, repel_alpha=4.0, n_chains=9, return_paths=True, seed=5)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = srrw(G, 400, repel_alpha=4.0, n_chains=9, return_paths=True, seed=5)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(one.paths, two.paths)


def test_backends_agree(backend, to_b):
    G = barbell()
    ref = srrw(G, 200, repel_alpha=2.0, n_chains=3, starts=[0, 4, 9], return_paths=True, seed=4)
    got = srrw(G.to(*backend), 200, repel_alpha=2.0, n_chains=3, starts=to_b(np.array([0, 4, 9])),
               return_paths=True, seed=4)
    np.testing.assert_array_equal(to_numpy(got.paths), ref.paths)
    np.testing.assert_allclose(to_numpy(got.tvd), ref.tvd, rtol=1e-12)
    drawn = srrw(G.to(*backend), 50, n_chains=20, return_paths=True, seed=6)  # starts drawn from mu
    np.testing.assert_array_equal(to_numpy(drawn.paths), srrw(G, 50, n_chains=20, return_paths=True, seed=6).paths)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_steps": 0}, "n_steps must be a positive integer"),
    ({"n_chains": 0}, "n_chains must be a positive integer"),
    ({"repel_alpha": -1.0}, "repel_alpha must be"),
    ({"repel_alpha": np.ones(3)}, "repel_alpha must be"),
    ({"gamma_exp": 0.4}, r"gamma_exp must be a number in \(0.5, 1\]"),
    ({"base": "rw"}, "base must be"),
    ({"base": "srw", "target": np.ones(10)}, "only used with base='mh'"),
    ({"f": np.ones(3)}, "one finite value per node"),
    ({"f": np.full(10, np.nan)}, "one finite value per node; it holds NaN"),  # it showed the (right) shape
    ({"checkpoints": [0]}, "checkpoints must be step numbers"),
    # strings and bools were read as numbers, fractional steps truncated, inf / None / NaN bare int() errors
    ({"gamma_exp": "1"}, r"gamma_exp must be a number in \(0.5, 1\], got '1'"),
    ({"repel_alpha": "1"}, "repel_alpha must be a number >= 0"),
    ({"repel_alpha": True}, "repel_alpha must be a number >= 0"),
    ({"checkpoints": [2.5]}, r"checkpoints must be step numbers in 1..10 \(a 1-D integer array\) or a count >= 1"),
    ({"checkpoints": [[1, 2]]}, "checkpoints must be step numbers"),
    ({"checkpoints": float("inf")}, "checkpoints must be step numbers"),
    ({"checkpoints": None}, "checkpoints must be step numbers"),
    ({"starts": [11]}, "unknown start node 11"),
    ({"starts": [1, 2]}, "one node per chain"),
    ({"state": "hash"}, "state must be"),
    ({"weighted": True}, "graph has no weights"),
])
def test_bad_inputs(kwargs, message):
    args = {"n_steps": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        srrw(barbell(), args.pop("n_steps"), **args)


def test_a_checkpoint_count_beyond_the_steps_records_every_step():
    # the count was handed to np.geomspace as is: checkpoints=10**12 for 10 steps was a MemoryError (7 TiB),
    # 10**9 an 8 GB array and minutes of work, for the ten step numbers that any count >= 18 gives
    assert srrw(barbell(), 10, checkpoints=10**12, seed=0).checkpoints.tolist() == list(range(1, 11))
    for count in (5, 17, 18, 25, 26, 27, 1000):  # the log-spaced counts are unchanged
        expected = np.unique(np.geomspace(1, 10, count).round().astype(np.int64))
        assert srrw(barbell(), 10, checkpoints=count, seed=0).checkpoints.tolist() == expected.tolist()


@pytest.mark.parametrize("name", ["target", "f"])
@pytest.mark.parametrize("bad", ["abc", {0: 1.0}])
def test_non_arrays_are_named(name, bad):
    # was the backend layer's 'unsupported array type builtins.str', which names no argument
    kwargs = {"base": "mh"} if name == "target" else {}
    with pytest.raises(TypeError, match=f"^{name} must be a NumPy, CuPy or PyTorch array, a list or a tuple, not "
                                        f"{type(bad).__name__}$"):
        srrw(barbell(), 10, **kwargs, **{name: bad})


@pytest.mark.parametrize("f", [np.ones(3), np.full(10, np.nan), np.ones((10, 2))])
def test_asymptotic_variance_checks_f(f):
    # a wrong length was numpy's matmul error, NaN values a silent NaN variance
    with pytest.raises(ValueError, match="one finite value per node"):
        asymptotic_variance(barbell(), f, 1.0)


@pytest.mark.parametrize("alpha", [float("nan"), -1.0, "1", np.array([0.0, -1.0])])
def test_closed_forms_check_repel_alpha(alpha):
    # NaN or negative alphas gave a silent NaN/inf covariance, a string a NumPy ufunc error
    with pytest.raises(ValueError, match="repel_alpha must be a number >= 0"):
        asymptotic_covariance(barbell(), alpha)
    with pytest.raises(ValueError, match="repel_alpha must be a number >= 0"):
        asymptotic_variance(barbell(), np.ones(10), alpha)


@pytest.mark.parametrize("a", [0.5, 1.2, "1", None])
def test_closed_forms_check_gamma_exp(a):
    message = rf"gamma_exp must be a number in \(0.5, 1\], got {a!r}"
    with pytest.raises(ValueError, match=message):
        asymptotic_covariance(barbell(), 1.0, gamma_exp=a)
    with pytest.raises(ValueError, match=message):
        asymptotic_variance(barbell(), np.ones(10), 1.0, gamma_exp=a)


def test_closed_forms_refuse_weighted_without_weights():
    with pytest.raises(ValueError, match="graph has no weights"):
        asymptotic_covariance(barbell(), 1.0, weighted=True)


def test_graph_requirements():
    with pytest.raises(ValueError, match="undirected"):
        srrw(gs.from_edges([0, 1], [1, 0]), 10)
    with pytest.raises(GraphsampleError, match="isolated"):
        srrw(gs.from_edges([0], [1], n_nodes=3, directed=False), 10)


@pytest.mark.parametrize("base", ["mh", "srw"])
def test_closed_forms_refuse_a_directed_graph_as_srrw_does(base):
    """The closed forms symmetrise D^1/2 P D^-1/2, whose spectrum is P's only for a reversible (undirected) chain.
    On the weakly connected digraph 0 -> 1 -> 2 -> 0, 0 -> 2 they used to return a covariance anyway, though
    neither base chain keeps its target (MH's uniform one: mass 2/3 flows into node 2 per step; srw's out-degree one
    (2, 1, 1) / 4: mass 1/4 flows into node 0) and srrw refuses the graph."""
    G = gs.from_edges([0, 0, 1, 2], [1, 2, 2, 0])
    with pytest.raises(ValueError, match="undirected"):
        srrw(G, 10, base=base)
    with pytest.raises(ValueError, match="undirected"):
        asymptotic_covariance(G, 1.0, base=base)
    with pytest.raises(ValueError, match="undirected"):
        asymptotic_variance(G, np.arange(3.0), [0.0, 1.0], base=base)


def test_weighted_base_chain_must_be_irreducible_on_positive_weights():
    """A weighted base chain never crosses a zero-weight edge: node 3, whose only edge has weight 0, is never
    entered (srw: mu_3 = 0) or never left (mh: a chain started there stayed for ever), and two triangles
    joined by a zero-weight edge are two chains. Both are refused; unweighted, the same graphs are fine."""
    leaf = gs.from_edges([0, 1, 2, 2], [1, 2, 0, 3], np.array([1.0, 1, 1, 0]), directed=False)
    for base in ("srw", "mh"):
        with pytest.raises(GraphsampleError, match="weight 0"):
            srrw(leaf, 10, base=base, n_chains=2, starts=[3, 0])
    bridge = gs.from_edges([0, 1, 2, 3, 4, 5, 2], [1, 2, 0, 4, 5, 3, 3], np.array([1.0, 1, 1, 1, 1, 1, 0]),
                           directed=False)
    with pytest.raises(GraphsampleError, match="2 connected components"):
        srrw(bridge, 10)
    for G in (leaf, bridge):
        with pytest.raises(GraphsampleError):
            asymptotic_covariance(G, 1.0, base="srw")
        assert srrw(G, 10, weighted=False, checkpoints=[10], seed=0).tvd.shape == (1, 1)
        assert np.isfinite(asymptotic_covariance(G, 1.0, weighted=False)).all()


@pytest.mark.parametrize("src, dst", [([0, 1, 3], [1, 2, 4]),  # a path and an edge
                                      ([0, 1, 2, 4], [1, 2, 3, 4])])  # node 4 has only a self-loop
def test_disconnected_graph_is_refused(src, dst):
    """A chain never leaves its component: x_n cannot reach mu (the email-eu-core experiment had a chain
    stuck on a self-loop node, which set one NMSE for every alpha), so the graph is refused."""
    G = gs.from_edges(src, dst, directed=False)
    assert G.n_nodes == 5 and int(np.min(np.diff(to_numpy(G.indptr)))) >= 1  # no isolated node
    with pytest.raises(GraphsampleError, match="2 connected components"):
        srrw(G, 10)
    with pytest.raises(GraphsampleError, match="connected"):
        asymptotic_covariance(G, 1.0)


def test_connectivity_is_checked_once_per_graph(monkeypatch):
    """check_connected (run by every srrw / sa_srrw call) computes the components once per Graph object and
    weight flag; later calls, refusals included, reuse the cached answer."""
    import graphsample.sampling.metrics as metrics
    from graphsample.walks import NodeRegression, sa_srrw
    from graphsample.walks.srrw import check_connected

    calls = []
    real = metrics.component_sizes

    def counting(G, connection="weak"):
        calls.append(G.n_nodes)
        return real(G, connection)

    monkeypatch.setattr(metrics, "component_sizes", counting)
    G = barbell()
    check_connected(G)
    check_connected(G)
    assert len(calls) == 1
    srrw(G, 10, checkpoints=[10], seed=0)
    rng = np.random.default_rng(0)
    model = NodeRegression(rng.normal(size=(G.n_nodes, 2, 3)), rng.normal(size=(G.n_nodes, 2)))
    sa_srrw(G, model, np.zeros(3), 10, checkpoints=[10], seed=0)
    assert len(calls) == 1
    H = gs.from_networkx(nx.barbell_graph(4, 2))  # an equal but distinct Graph object is checked anew
    check_connected(H)
    assert len(calls) == 2
    bridge = gs.from_edges([0, 1, 2, 3, 4, 5, 2], [1, 2, 0, 4, 5, 3, 3], np.array([1.0, 1, 1, 1, 1, 1, 0]),
                           directed=False)
    for _ in range(2):
        with pytest.raises(GraphsampleError, match="2 connected components"):
            check_connected(bridge, weighted=True)
        check_connected(bridge, weighted=False)
    assert len(calls) == 4
