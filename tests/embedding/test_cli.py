"""``graphsample embed fastrp`` and ``graphsample evaluate`` through click's test runner."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from graphsample.cli import cli


@pytest.fixture
def edge_file(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    u, v = rng.integers(0, n, 400), rng.integers(0, n, 400)
    keep = ((u < n // 2) == (v < n // 2)) & (u != v)
    path = tmp_path / "g.txt"
    path.write_text("".join(f"{a} {b}\n" for a, b in zip(u[keep], v[keep])))
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_embed_fastrp_writes_npy(edge_file, tmp_path):
    out = tmp_path / "e.npy"
    res = run("embed", "fastrp", edge_file, "--undirected", "-o", out, "--dim", 16, "--seed", 1, "-q")
    assert res.exit_code == 0, res.output
    E = np.load(out)
    assert E.shape[1] == 16 and E.dtype == np.float32
    again = tmp_path / "f.npy"
    run("embed", "fastrp", edge_file, "--undirected", "-o", again, "--dim", 16, "--seed", 1, "-q")
    np.testing.assert_array_equal(E, np.load(again))


def test_embed_fastrp_options(edge_file, tmp_path):
    out = tmp_path / "e.txt"
    res = run("embed", "fastrp", edge_file, "-o", out, "--dim", 8, "--preset", "gds", "--weights", "0,1,2",
              "--self-influence", "0.5", "--direction", "both", "--block-size", 3, "--float64", "--seed", 2)
    assert res.exit_code == 0, res.output
    assert np.loadtxt(out).shape[1] == 8


@pytest.mark.parametrize("args, message", [
    (["--dim", "0"], "dim must be a positive integer"),
    (["--weights", "1,x"], "comma-separated numbers"),
    (["--s", "0.2"], "s must be a number >= 1"),
])
def test_embed_fastrp_errors_are_one_line(edge_file, tmp_path, args, message):
    res = run("embed", "fastrp", edge_file, "-o", tmp_path / "e.npy", *args)
    assert res.exit_code != 0
    assert message in res.output and "Traceback" not in res.output


def test_embed_missing_input(tmp_path):
    res = run("embed", "fastrp", tmp_path / "nope.txt", "-o", tmp_path / "e.npy")
    assert res.exit_code != 0 and "Traceback" not in res.output


def test_evaluate_node_classification(tmp_path):
    rng = np.random.default_rng(0)
    cls = rng.integers(0, 3, 120)
    E = rng.normal(size=(120, 5)) * 0.2
    E[np.arange(120), cls] += 2
    np.save(tmp_path / "e.npy", E)
    np.save(tmp_path / "y.npy", cls)
    (tmp_path / "y.txt").write_text("".join(f"{i} {c}\n" for i, c in enumerate(cls)))
    for labels in ("y.npy", "y.txt"):
        res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / labels, "--ratios", "0.3,0.6",
                  "--repeats", 1, "--seed", 0)
        assert res.exit_code == 0, res.output
        assert "| 30% |" in res.output and "| 60% |" in res.output
    res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / "y.npy", "--ratios", "0.5",
              "--repeats", 1, "--json")
    assert '"micro_threshold"' in res.output


@pytest.mark.parametrize("args, message", [
    (["--ratios", "1.5"], "strictly between 0 and 1"),
    (["--ratios", "a"], "comma-separated fractions"),
])
def test_evaluate_node_classification_errors(tmp_path, args, message):
    np.save(tmp_path / "e.npy", np.ones((10, 2)))
    np.save(tmp_path / "y.npy", np.arange(10) % 2)
    res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / "y.npy", *args)
    assert res.exit_code != 0 and message in res.output and "Traceback" not in res.output


def test_evaluate_label_rows_out_of_range(tmp_path):
    np.save(tmp_path / "e.npy", np.ones((4, 2)))
    (tmp_path / "y.txt").write_text("0 1\n9 2\n")
    res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / "y.txt")
    assert res.exit_code != 0 and "outside the embedding" in res.output


def test_evaluate_link_prediction(edge_file):
    res = run("evaluate", "link-prediction", edge_file, "--undirected", "--dim", 16, "--seed", 0,
              "--test-fraction", "0.3", "--scoring", "dot")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("ROC-AUC")
    bad = run("evaluate", "link-prediction", edge_file, "--test-fraction", "2")
    assert bad.exit_code != 0 and "strictly between 0 and 1" in bad.output


@pytest.mark.parametrize("content, message", [
    (None, "y.txt not found"),  # was 'Error: None: None' (np.loadtxt's FileNotFoundError has no filename)
    ("", "y.txt: no 'row label' pairs"),  # was a loadtxt warning and 'expected two columns, got 1'
    ("0 a\n", "y.txt: expected integer 'row label' pairs"),
])
def test_evaluate_bad_label_files_give_one_line(tmp_path, content, message):
    np.save(tmp_path / "e.npy", np.ones((4, 2)))
    if content is not None:
        (tmp_path / "y.txt").write_text(content)
    res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / "y.txt")
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit | type(None))
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.output
