"""CLI: ``graphsample select dpp`` and ``graphsample select volume``."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from graphsample.cli import cli
from graphsample.selection.dpp import k_dpp
from graphsample.selection.volume import volume_sampling


def run(*args):
    return CliRunner().invoke(cli, ["select", *map(str, args)])


def test_dpp_and_volume_commands(tmp_path):
    X = np.random.default_rng(0).standard_normal((40, 5))
    path = tmp_path / "x.npy"
    np.save(path, X)
    out = tmp_path / "idx.npy"
    r = run("dpp", path, "-k", 3, "--seed", 4, "-o", out)
    assert r.exit_code == 0, r.output
    assert np.array_equal(np.load(out), k_dpp(3, features=X, seed=4))
    r = run("dpp", path, "--projection", "-n", 4, "--seed", 1, "-o", out)
    assert r.exit_code == 0 and np.load(out).shape == (4, 5)
    r = run("dpp", path, "-n", 3, "--seed", 1, "-o", out)
    assert r.exit_code == 0 and np.load(out).shape[0] == 3
    r = run("volume", path, "-k", 8, "--seed", 2, "-o", out)
    assert r.exit_code == 0 and np.array_equal(np.load(out), volume_sampling(X, 8, seed=2))
    txt = tmp_path / "x.txt"
    np.savetxt(txt, X)
    r = run("volume", txt, "-k", 6, "--seed", 2)
    assert r.exit_code == 0 and len(r.output.split()) == 6


def test_cli_errors_are_one_line(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.ones((5, 2)))
    r = run("dpp", tmp_path / "missing.npy")  # a bad file: one line, status 1
    assert r.exit_code == 1 and r.output.startswith("Error") and len(r.output.strip().splitlines()) == 1, r.output
    for args, message in ((["volume", path, "-k", 9], "Invalid value for '-k': must be an integer in [1, 5], got 9"),
                          (["dpp", path, "-k", 3], "Invalid value for '-k': 3 exceeds the rank of L (1)"),
                          (["dpp", path, "-k", 1, "--projection"], "--projection and -k exclude each other")):
        r = run(*args)  # bad option values and contradictions: click's usage error, status 2
        assert r.exit_code == 2 and r.output.startswith("Usage: ") and f"\nError: {message}" in r.output, r.output
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\nx y\n")
    r = run("volume", bad, "-k", 1)
    assert r.exit_code != 0 and "cannot read" in r.output


def test_data_as_csv_stdin_or_empty_file(tmp_path):
    # a .csv was read as whitespace text ("could not convert string '...,...' to float64"), '-' was
    # "-: no such file", and an empty file printed a loadtxt UserWarning with its source line before the error
    X = np.random.default_rng(0).standard_normal((20, 3))
    csv = tmp_path / "x.csv"
    np.savetxt(csv, X, delimiter=",")
    expected = k_dpp(3, features=X, seed=4).tolist()
    r = run("dpp", csv, "-k", 3, "--seed", 4)
    assert r.exit_code == 0, r.output
    assert [int(v) for v in r.output.split()] == expected
    text = tmp_path / "x.txt"
    np.savetxt(text, X)
    r = CliRunner().invoke(cli, ["select", "dpp", "-", "-k", "3", "--seed", "4"], input=text.read_text())
    assert r.exit_code == 0, r.output
    assert [int(v) for v in r.output.split()] == expected
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    for command in (["select", "dpp", str(empty), "-k", "1"], ["select", "sensitivity", str(empty), "--size", "1"],
                    ["cluster", "ppp", str(empty)], ["evaluate", "node-classification", str(empty), str(empty)]):
        r = CliRunner().invoke(cli, command)
        assert r.exit_code == 1, (command, r.output)
        assert r.output.strip().splitlines() == [f"Error: {empty}: the matrix is empty (shape (0, 1))"], r.output
