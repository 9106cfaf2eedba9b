"""``graphsample walk``: outputs, labels, and one-line errors."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from graphsample.cli import cli

EDGES = "10 20\n20 30\n30 10\n30 40\n"


def run(args, input=EDGES):
    return CliRunner().invoke(cli, ["walk", "-", *args], input=input)


def test_paths_to_stdout_use_labels():
    res = run(["--undirected", "--length", "3", "--walks-per-node", "2", "--seed", "1", "-q"])
    assert res.exit_code == 0, res.output
    paths = np.loadtxt(res.output.splitlines(), dtype=int)
    assert paths.shape == (8, 4)
    assert set(paths.ravel()) <= {10, 20, 30, 40}
    np.testing.assert_array_equal(paths[:4, 0], [10, 20, 30, 40])


def test_npy_output_and_counts(tmp_path):
    out = tmp_path / "walks.npy"
    res = run(["--directed", "--starts", "10,40", "--length", "5", "--seed", "2", "-o", str(out)])
    assert res.exit_code == 0, res.output
    paths = np.load(out)
    np.testing.assert_array_equal(paths[1], [40, -1, -1, -1, -1, -1])  # 40 is a sink
    res = run(["--directed", "--starts", "10", "--length", "6", "--return", "counts", "--seed", "2"])
    counts = np.loadtxt(res.output.splitlines(), dtype=int)
    assert counts[:, 1].sum() >= 1 and counts.shape == (4, 2)


def test_same_seed_same_walks():
    a = run(["--undirected", "--q", "0.5", "--seed", "9"]).output
    assert a == run(["--undirected", "--q", "0.5", "--seed", "9"]).output


def test_errors_are_one_line():
    for args, message in [
        (["--starts", "99"], "unknown node id 99"),
        (["--starts", "x"], "integers"),
        (["--p", "0"], "--p must be a positive finite number"),
        (["--q", "nan"], "--q must be a positive finite number"),
        (["--restart-prob", "1.5"], "--restart-prob must be in [0, 1)"),
        (["--length", "-2"], "-2"),
    ]:
        res = run(args)
        assert res.exit_code != 0
        assert message in res.output, (args, res.output)
        assert "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["walk", "-"], input="")
    assert res.exit_code != 0 and "Traceback" not in res.output


def test_output_names_are_kept(tmp_path):
    # '-o walks.csv' wrote a binary walks.csv.npy and '-o walks' a walks.npy: NumPy appended '.npy' to
    # every other name, so the file asked for never appeared
    args = ["--length", "3", "--seed", "1", "-q"]
    text = run(args).output
    res = run([*args, "-o", str(tmp_path / "walks.csv")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "walks.csv").read_text() == text.replace("\t", ",")
    res = run([*args, "-o", str(tmp_path / "walks")])
    assert res.exit_code == 0, res.output
    np.testing.assert_array_equal(np.load(tmp_path / "walks"), np.loadtxt(text.splitlines(), dtype=int))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walks", "walks.csv"]


def test_seed_beyond_64_bits_is_refused():
    # --seed 18446744073709551617 (2**64 + 1) gave exactly the walks of --seed 1
    res = run(["--length", "3", "--seed", str(2**64 + 1), "-q"])
    assert res.exit_code == 2
    assert "Invalid value for '--seed'" in res.output and "Traceback" not in res.output
    assert run(["--length", "3", "--seed", str(2**64 - 1), "-q"]).exit_code == 0
