"""The generic l_p row sampler: inclusion probabilities, unbiasedness, expected size, backends, CLI."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsample._backend import to_numpy
from graphsample.cli import cli
from graphsample.selection.regression import lp_objective, lp_regression
from graphsample.selection.sensitivity import (inclusion_probabilities, inverse_cdf, lp_sample, sample_by_scores,
                                               sampling_scores)


def _t(n, d, seed=0, df=1.5):
    return np.random.default_rng(seed).standard_t(df, size=(n, d))


@settings(max_examples=60, deadline=None)
@given(q=st.lists(st.floats(0.0, 1e3, allow_subnormal=False), min_size=1, max_size=60), frac=st.floats(0.01, 1.0))
def test_inclusion_probabilities_sum_to_size(q, frac):
    q = np.array(q)
    n_pos = int((q > 0).sum())
    size = max(frac * len(q), 1e-3)
    if n_pos == 0:
        with pytest.raises(ValueError, match="all scores are zero"):
            inclusion_probabilities(q, size)
        return
    pi = inclusion_probabilities(q, size)
    assert np.all((pi >= 0) & (pi <= 1))
    assert pi.sum() == pytest.approx(min(size, n_pos), rel=1e-9)
    assert np.all(pi[q == 0] == 0)
    order = np.argsort(q, kind="stable")
    assert np.all(np.diff(pi[order]) >= -1e-12)  # monotone in q
    free = (pi < 1) & (q > 0)
    if free.sum() > 1:  # uncapped probabilities are proportional to q
        np.testing.assert_allclose(pi[free] / q[free], (pi[free] / q[free])[0], rtol=1e-9)


def test_expected_sample_size_matches_target(to_b):
    """The mean size over many seeds is within 4 standard errors of the target (Var = sum pi(1 - pi))."""
    q = sampling_scores(_t(600, 4, seed=1), 1, "lewis")
    size, trials = 60, 300
    pi = inclusion_probabilities(q, size)
    assert pi.sum() == pytest.approx(size, rel=1e-12)
    sizes = [int(sample_by_scores(to_b(q), size, 1, seed=s)[0].shape[0]) for s in range(trials)]
    se = math.sqrt(np.sum(pi * (1 - pi)) / trials)
    assert abs(np.mean(sizes) - size) <= 4 * se


@pytest.mark.parametrize("p", [1.0, 3.0])
@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("scores", ["lewis", "root-leverage", "uniform"])
def test_unbiased_lp_norm(p, replace, scores):
    """E ||SAx||_p^p = ||Ax||_p^p for a fixed x: Monte Carlo mean within 4 standard errors."""
    A = _t(300, 3, seed=2)
    x = np.array([1.0, -2.0, 0.5])
    q = sampling_scores(A, p, scores)
    target = np.sum(np.abs(A @ x) ** p)
    vals = []
    for s in range(400):
        idx, scale = sample_by_scores(q, 30, p, replace=replace, seed=s)
        vals.append(np.sum(scale**p * np.abs(A[idx] @ x) ** p))
    vals = np.array(vals)
    assert abs(vals.mean() - target) <= 4 * vals.std(ddof=1) / math.sqrt(len(vals))


def test_exact_unbiasedness_of_the_weights():
    """The Horvitz-Thompson weights make the estimate exactly unbiased. pi = min(1, beta q) with sum(pi) = size,
    checked against the capping that defines it (cap the rows with beta q > 1 at 1, recompute beta on the others,
    until none is left); the sampler keeps row i with frequency pi_i and scales it by pi_i^(-1/p); and with those
    weights E sum_{i in S} |a_i x|^p scale_i^p, summed over all 2^n subsets S, is ||Ax||_p^p."""
    A = _t(8, 2, seed=1)
    x, p, size = np.array([0.3, -1.0]), 1.5, 4
    q = sampling_scores(A, p, "lewis")
    pi = inclusion_probabilities(q, size)
    capped = np.zeros(q.size, dtype=bool)
    while True:
        beta = (size - capped.sum()) / q[~capped].sum()
        over = ~capped & (beta * q > 1)
        if not over.any():
            break
        capped |= over
    assert 0 < capped.sum() < q.size - 1  # both the cap and the proportional rows are exercised
    np.testing.assert_allclose(pi, np.where(capped, 1.0, beta * q), rtol=1e-12)
    assert pi.sum() == pytest.approx(size, rel=1e-12) and np.all((pi > 0) & (pi <= 1))

    trials = 2000
    kept, weight = np.zeros(q.size), np.full(q.size, np.nan)
    for s in range(trials):
        idx, scale = sample_by_scores(q, size, p, seed=s)
        kept[idx] += 1
        weight[idx] = scale**p
    np.testing.assert_allclose(weight, 1 / pi, rtol=1e-12)  # every row was drawn, with its HT weight
    assert np.all(np.abs(kept / trials - pi) <= 4 * np.sqrt(pi * (1 - pi) / trials))

    terms = np.abs(A @ x) ** p
    expectation = sum(np.prod(np.where(S, pi, 1 - pi)) * np.sum(terms[S] * weight[S])
                      for S in map(np.array, itertools.product([False, True], repeat=q.size)))
    assert expectation == pytest.approx(np.sum(terms), rel=1e-12)


def test_with_replacement_size_and_scale():
    q = np.array([1.0, 3.0, 0.0, 4.0])
    idx, scale = sample_by_scores(q, 1000, 2, replace=True, seed=0)
    assert idx.shape == (1000,) and not np.any(idx == 2)
    np.testing.assert_allclose(scale, (1000 * q[idx] / 8.0) ** -0.5)
    counts = np.bincount(idx, minlength=4)
    expected = 1000 * q / 8.0
    chi2 = np.sum((counts[q > 0] - expected[q > 0]) ** 2 / expected[q > 0])
    assert chi2 < 13.8  # chi-square, 2 degrees of freedom, p = 0.001


def test_with_replacement_float32_scores_never_draw_a_zero_score_row():
    """Seed 1528015 has a uniform in [1 - 2^-25, 1) at draw 38: cast to float32 it became 1.0, the inverse CDF
    ran past the end and the last row (score 0) was drawn with scale inf. The CDF must be float64."""
    q = np.ones(50, dtype=np.float32)
    q[-1] = 0.0
    idx, scale = sample_by_scores(q, 40, 1, replace=True, seed=1528015)
    assert np.all(q[idx] > 0) and np.all(np.isfinite(scale))
    assert scale.dtype == np.float32


def test_inverse_cdf_rows_on_the_steps_of_the_cdf(to_b):
    """Row i for F_{i-1} <= u F_{n-1} < F_i, by hand: a scaled uniform on a step of F goes to the next row (so
    u = 0 never draws the leading row of probability 0), and one that rounds onto F's end (u = 1) goes to the
    last row of positive probability, not to the trailing zero row."""
    prob = np.array([0.0, 1.0, 0.0, 2.0, 1.0, 0.0])  # F = 0, 1, 1, 3, 4, 4
    u = np.array([0.0, 0.125, 0.25, 0.5, 0.75, 0.99, 1.0])  # u F_5 = 0, 0.5, 1, 2, 3, 3.96, 4
    rows = inverse_cdf(to_b(prob), to_b(u))
    np.testing.assert_array_equal(to_numpy(rows), [1, 1, 3, 3, 4, 4, 4])


def test_same_seed_same_sample_on_every_backend(to_b):
    q = sampling_scores(_t(500, 3, seed=4), 1, "root-leverage")
    for replace in (False, True):
        i0, s0 = sample_by_scores(q, 50, 1, replace=replace, seed=11)
        i1, s1 = sample_by_scores(to_b(q), 50, 1, replace=replace, seed=11)
        np.testing.assert_array_equal(to_numpy(i1), i0)
        np.testing.assert_allclose(to_numpy(s1), s0, rtol=1e-12)
    i2, _ = sample_by_scores(q, 50, 1, seed=12)
    assert not np.array_equal(i2, i0)


def test_size_covering_all_positive_rows_keeps_them():
    q = np.array([0.0, 1.0, 2.0, 0.0])
    idx, scale = sample_by_scores(q, 3, 1, seed=0)
    np.testing.assert_array_equal(idx, [1, 2])
    np.testing.assert_array_equal(scale, [1.0, 1.0])


@pytest.mark.parametrize("scores", ["uniform", "leverage", "root-leverage", "lewis", "sensitivity", "mixture"])
def test_lp_sample_regression_on_sample(scores):
    A = _t(60, 2, seed=5)
    b = A @ np.array([1.0, -1.0]) + _t(60, 1, seed=6)[:, 0]
    opt = lp_regression(A, b, 1).objective
    idx, scale = lp_sample(A, 30, 1, scores, seed=1)
    x = lp_regression(A[idx], b[idx], 1, weights=scale).x
    assert 1.0 - 1e-9 <= lp_objective(A, b, x, 1) / opt < 2.0


@pytest.mark.parametrize("args, kw, message", [
    ((np.ones(5), 0, 1), {}, "size must be a positive integer"),
    ((np.ones(5), 2.5, 1), {}, "size must be a positive integer"),
    ((np.ones(5), 6, 1), {}, "exceeds the number of rows"),
    ((-np.ones(5), 2, 1), {}, "scores must be non-negative"),
    ((np.array([1.0, np.nan]), 1, 1), {}, "NaN or infinite"),
    ((np.zeros(5), 2, 1), {}, "all scores are zero"),
    ((np.zeros(5), 2, 1), {"replace": True}, "all scores are zero"),
    ((np.ones((2, 2)), 1, 1), {}, "1-D array of scores"),
    ((np.ones(5), 2, 0.5), {}, "p must be a finite number >= 1"),
    ((np.ones(5), 2, True), {}, "p must be a finite number >= 1, got True"),  # was p = 1
])
def test_sampler_bad_input(args, kw, message):
    with pytest.raises(ValueError, match=message):
        sample_by_scores(*args, **kw)


def test_sampler_non_array_scores():
    with pytest.raises(TypeError, match="^scores must be a NumPy, CuPy or PyTorch array, not list$"):
        sample_by_scores([1.0, 2.0], 1, 1)


@pytest.mark.parametrize("size", ["2", None, True])
def test_inclusion_size_must_be_a_number(size):
    # float(size): '2' and True were read as sizes, None a bare TypeError
    with pytest.raises(ValueError, match=rf"size must be a number in \(0, 5\], got {size!r}"):
        inclusion_probabilities(np.ones(5), size)


def test_unknown_scores():
    with pytest.raises(ValueError, match="unknown scores 'best'"):
        sampling_scores(np.ones((4, 2)), 1, "best")


# --- CLI ---------------------------------------------------------------------------------------

@pytest.fixture
def data(tmp_path):
    path = tmp_path / "A.npy"
    np.save(path, _t(200, 3, seed=7))
    return path


def test_cli_writes_npz_and_tsv(data, tmp_path):
    out = tmp_path / "s.npz"
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(data), "--size", "20", "--seed", "3",
                                   "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    z = np.load(out)
    i, s = lp_sample(np.load(data), 20, 1, "lewis", seed=3)
    np.testing.assert_array_equal(z["indices"], i)
    np.testing.assert_allclose(z["scale"], s)
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(data), "--size", "20", "--seed", "3", "--p", "3",
                                   "--scores", "root-leverage", "--replace"])
    assert res.exit_code == 0
    rows = [line.split("\t") for line in res.stdout.strip().splitlines()]
    assert len(rows) == 20 and all(len(r) == 2 for r in rows)


def test_cli_csv_output_is_comma_separated(data, tmp_path):
    # '-o s.csv' wrote tab-separated lines into the .csv file
    args = ["select", "sensitivity", str(data), "--size", "20", "--seed", "3", "-q"]
    tsv = CliRunner().invoke(cli, args).stdout
    res = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "s.csv").read_text() == tsv.replace("\t", ",") and "," in tsv.replace("\t", ",")


def test_cli_npy_output_and_torch_backend(data, tmp_path):
    out = tmp_path / "s.npy"
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(data), "--size", "15", "--seed", "1",
                                   "--scores", "root-leverage", "--backend", "torch", "-o", str(out)])
    assert res.exit_code == 0, res.output
    arr = np.load(out)
    assert arr.ndim == 2 and arr.shape[1] == 2


@pytest.mark.parametrize("extra, message", [
    (["--size", "10", "--p", "0.5"], "Invalid value for '--p': must be a finite number >= 1"),
    (["--size", "500"], "Invalid value for '--size': 500 exceeds the number of rows 200 (use --replace to draw more)"),
    # the help said p >= 1, and the refusal of p = 4 by the default scores named no way out
    (["--size", "10", "--p", "4"], "Error: Invalid value for '--p': must be < 4 for --scores lewis (the Cohen-Peng "
                                   "iteration converges only there), got 4; for p >= 4 use --scores root-leverage\n"),
])
def test_cli_bad_parameters(data, extra, message):
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(data)] + extra)
    assert res.exit_code == 2  # bad option values: click's usage error
    assert message in res.output and "Traceback" not in res.output


def test_cli_p_help_and_large_p(data):
    help_text = " ".join(CliRunner().invoke(cli, ["select", "sensitivity", "--help"]).output.split())
    assert "p >= 1, and p < 4 with --scores lewis (the default)" in help_text
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(data), "--size", "10", "--p", "4", "--scores",
                                   "root-leverage", "-q", "--seed", "0"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() and "Traceback" not in res.output


def test_cli_exact_scores(tmp_path):
    path = tmp_path / "small.npy"
    np.save(path, _t(25, 2, seed=8))
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(path), "--size", "8", "--scores", "exact",
                                   "--seed", "2", "-q"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.strip().splitlines()) == len(lp_sample(np.load(path), 8, 1, "sensitivity", seed=2)[0])


def test_cli_bad_data(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["select", "sensitivity", str(tmp_path / "none.npy"), "--size", "3"])
    assert res.exit_code != 0 and "no such file" in res.output
    bad = tmp_path / "v.npy"
    np.save(bad, np.ones(5))
    res = runner.invoke(cli, ["select", "sensitivity", str(bad), "--size", "3"])
    assert res.exit_code != 0 and "2-D matrix" in res.output
    nan = tmp_path / "nan.npy"
    np.save(nan, np.full((5, 2), np.nan))
    res = runner.invoke(cli, ["select", "sensitivity", str(nan), "--size", "3"])
    assert res.exit_code != 0 and "NaN" in res.output
    txt = tmp_path / "t.txt"
    txt.write_text("1 2\n3 x\n")
    res = runner.invoke(cli, ["select", "sensitivity", str(txt), "--size", "1"])
    assert res.exit_code != 0 and "cannot read a matrix" in res.output


def test_cli_sketched_leverage_and_sparse_data(tmp_path):
    import scipy.sparse as sp

    A = _t(3000, 3, seed=9)
    A[np.abs(A) < 0.5] = 0.0
    path = tmp_path / "A.npz"
    sp.save_npz(path, sp.csr_matrix(A))
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(path), "--size", "50", "--scores", "leverage",
                                   "--leverage", "approx", "--seed", "4", "-q"])
    assert res.exit_code == 0, res.output
    idx, _ = lp_sample(sp.csr_matrix(A), 50, 1, "leverage", leverage="approx", seed=4)
    assert [int(line.split("\t")[0]) for line in res.stdout.strip().splitlines()] == idx.tolist()


def test_cli_complex_sparse_data_is_refused(tmp_path):
    # a complex .npz was cast to float64: "Warning: Casting complex values to real discards the imaginary part"
    import scipy.sparse as sp

    path = tmp_path / "A.npz"
    sp.save_npz(path, sp.csr_matrix(_t(20, 3, seed=2) + 1j))
    res = CliRunner().invoke(cli, ["select", "sensitivity", str(path), "--size", "5"])
    assert res.exit_code == 1 and res.output == f"Error: {path}: expected a numeric matrix, got dtype complex128\n"


def test_inclusion_probabilities_with_subnormal_scores():
    """beta can exceed the float range when a score is subnormal; the sizes must still add up."""
    pi = inclusion_probabilities(np.array([8.0, 2.2250738585072014e-308]), 1.5)
    assert pi.sum() == pytest.approx(1.5, rel=1e-9)
