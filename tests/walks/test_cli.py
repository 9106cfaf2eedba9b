"""``graphsample walk``: outputs, labels, and one-line errors."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

import graphsample as gs
from graphsample.cli import cli
from graphsample.walks import random_walks

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


@pytest.mark.parametrize("args, kwargs", [
    (["--dead-end", "restart", "--restart-prob", "0.2"], dict(dead_end="restart", restart_prob=0.2)),
    (["--non-backtracking"], dict(non_backtracking=True)),
    (["--p", "0.5", "--q", "2"], dict(p=0.5, q=2.0)),
])
def test_walk_options_reach_random_walks(tmp_path, args, kwargs):
    """The walks written are random_walks' for the same options and seed, in the labels of the input (walker
    r * n + i starts at node i); each option set changes the walks (sink 40, leaf 40, a triangle), so a dropped or
    swapped option shows."""
    out = tmp_path / "walks.npy"
    common = ["--directed", "--length", "8", "--walks-per-node", "40", "--seed", "5"]
    res = run([*common, *args, "-o", str(out)], input=EDGES + "20 10\n")
    assert res.exit_code == 0, res.output
    G = gs.from_edges([0, 1, 2, 2, 1], [1, 2, 0, 3, 0])  # labels 10, 20, 30, 40 are nodes 0..3
    labels = np.array([10, 20, 30, 40])
    starts = np.tile(np.arange(4), 40)
    paths = random_walks(G, starts, 8, seed=5, **kwargs).paths
    np.testing.assert_array_equal(np.load(out), np.where(paths >= 0, labels[np.maximum(paths, 0)], -1))
    assert not np.array_equal(paths, random_walks(G, starts, 8, seed=5).paths)

def test_errors_are_one_line():
    # an unknown start node is one line (status 1); a bad option value is click's usage error (status 2)
    for args, status, message in [
        (["--starts", "99"], 1, "Error: --starts: unknown node id 99"),
        (["--starts", "x"], 2, "Error: Invalid value for '--starts': node labels of this graph are integers"),
        (["--p", "0"], 2, "Error: Invalid value for '--p': must be a finite number > 0, got 0.0"),
        (["--q", "nan"], 2, "Error: Invalid value for '--q': must be a finite number > 0, got nan"),
        (["--restart-prob", "1.5"], 2, "Error: Invalid value for '--restart-prob': must be a number in [0, 1), got 1.5"),
        (["--length", "-2"], 2, "Error: Invalid value for '--length': -2 is not in the range x>=0."),
    ]:
        res = run(args)
        assert res.exit_code == status, (args, res.output)
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
    padded = [" ".join(str(v) for v in row if v != -1) for row in np.load(tmp_path / "walks")]
    assert padded == [line.replace("\t", " ") for line in text.splitlines()]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walks", "walks.csv"]


# a directed path through a node labelled -1: every walk from a node goes to the end, 7, a sink
MINUS_ONE = "-1 5\n5 7\n"


def test_a_minus_one_label_is_a_node_in_text_and_refused_as_npy_padding(tmp_path):
    # text used to be the padded matrix, so the walk -1 -> 5 -> 7 and the padding -1 read alike
    args = ["--length", "4", "--seed", "0", "-q"]
    assert run(args, MINUS_ONE).output == "-1\t5\t7\n5\t7\n7\n"  # one walk per line, as long as it is
    assert run([*args, "--return", "ends"], MINUS_ONE).output == "7\n7\n7\n"
    assert run([*args, "--return", "counts"], MINUS_ONE).output == "-1\t1\n5\t2\n7\t3\n"
    res = run([*args, "-o", str(tmp_path / "w.npy")], MINUS_ONE)
    assert res.exit_code == 1 and not (tmp_path / "w.npy").exists()
    assert res.output == ("Error: node label -1 would be confused with the padding -1 of walks in .npy: write text "
                          "(.txt, .tsv, .csv or '-'), one walk per line\n")
    res = run([*args, "--return", "ends", "-o", str(tmp_path / "e.npy")], MINUS_ONE)  # no padding: no clash
    assert res.exit_code == 0 and np.load(tmp_path / "e.npy").tolist() == [7, 7, 7]
    res = run([*args, "--return", "counts", "-o", str(tmp_path / "c.npy")], MINUS_ONE)
    assert res.exit_code == 0 and np.load(tmp_path / "c.npy").tolist() == [[-1, 1], [5, 2], [7, 3]]


def test_non_negative_integer_labels_pad_npy_with_minus_one(tmp_path):
    res = run(["--length", "4", "--seed", "0", "-q", "-o", str(tmp_path / "w.npy")], "3 5\n5 7\n")
    assert res.exit_code == 0, res.output
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), [[3, 5, 7, -1, -1], [5, 7, -1, -1, -1],
                                                                [7, -1, -1, -1, -1]])
    res = run(["--length", "2", "--seed", "0", "-q", "-o", str(tmp_path / "w.npy")], "0 1\n1 2\n")  # ids as labels
    assert res.exit_code == 0, res.output
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), [[0, 1, 2], [1, 2, -1], [2, -1, -1]])


STRINGS = "New York\tBoston\nBoston\tSF\n"  # New York -> Boston -> SF, a sink; internal ids 0, 1, 2 are sorted labels


def test_string_labels_are_written_as_labels(tmp_path):
    # text and .npy used to hold the internal ids 0, 1, 2 of a string-labelled graph
    args = ["--delimiter", "\\t", "--length", "4", "--seed", "0", "-q"]
    assert run(args, STRINGS).output == "Boston\tSF\nNew York\tBoston\tSF\nSF\n"
    assert run([*args, "--starts", "New York", "--return", "ends"], STRINGS).output == "SF\n"
    assert run([*args, "--return", "counts"], STRINGS).output == "Boston\t2\nNew York\t1\nSF\t3\n"
    assert run([*args, "-o", str(tmp_path / "w.csv")], STRINGS).exit_code == 0
    assert (tmp_path / "w.csv").read_text() == "Boston,SF\nNew York,Boston,SF\nSF\n"
    for kind in ("paths", "ends", "counts"):
        res = run([*args, "--return", kind, "-o", str(tmp_path / f"{kind}.npy")], STRINGS)
        assert res.exit_code == 0, res.output
    paths = np.load(tmp_path / "paths.npy", allow_pickle=False)  # a unicode array: no pickle needed
    assert paths.dtype.kind == "U" and paths.tolist() == [["Boston", "SF", "", "", ""],
                                                          ["New York", "Boston", "SF", "", ""],
                                                          ["SF", "", "", "", ""]]
    assert np.load(tmp_path / "ends.npy", allow_pickle=False).tolist() == ["SF", "SF", "SF"]
    counts = np.load(tmp_path / "counts.npy", allow_pickle=False)
    assert counts.dtype.names == ("node", "count")
    assert counts.tolist() == [("Boston", 2), ("New York", 1), ("SF", 3)]


def _saved(tmp_path, labels):
    """A saved path graph labels[0] -> labels[1] -> labels[2] (labels an edge list cannot hold)."""
    path = tmp_path / "g.npz"
    gs.save(gs.from_edges(np.array([0, 1]), np.array([1, 2]), node_ids=np.array(labels)), path)
    return str(path)


def test_labels_that_would_break_a_line_are_quoted_in_csv_and_refused_elsewhere(tmp_path):
    g = _saved(tmp_path, ["a,b", "tab\there", "c"])
    res = CliRunner().invoke(cli, ["walk", g, "--length", "4", "--seed", "0", "-q", "-o", str(tmp_path / "w.csv")])
    assert res.exit_code == 0, res.output
    with open(tmp_path / "w.csv", newline="") as f:
        assert list(csv.reader(f)) == [["a,b", "tab\there", "c"], ["tab\there", "c"], ["c"]]
    res = CliRunner().invoke(cli, ["walk", g, "--length", "4", "-o", str(tmp_path / "w.tsv")])
    assert res.exit_code == 1 and not (tmp_path / "w.tsv").exists()
    assert "node label 'tab\\there' holds '\\t'" in res.output and "write .csv" in res.output


def test_an_empty_string_label_is_refused_as_npy_padding(tmp_path):
    g = _saved(tmp_path, ["", "b", "c"])
    res = CliRunner().invoke(cli, ["walk", g, "--length", "2", "-o", str(tmp_path / "w.npy")])
    assert res.exit_code == 1 and "node label '' would be confused with the padding ''" in res.output
    res = CliRunner().invoke(cli, ["walk", g, "--length", "2", "--seed", "0", "-o", str(tmp_path / "w.csv")])
    assert res.exit_code == 0 and (tmp_path / "w.csv").read_text() == ",b,c\nb,c\nc\n"  # an empty CSV field


def test_seed_beyond_64_bits_is_refused():
    # --seed 18446744073709551617 (2**64 + 1) gave exactly the walks of --seed 1
    res = run(["--length", "3", "--seed", str(2**64 + 1), "-q"])
    assert res.exit_code == 2
    assert "Invalid value for '--seed'" in res.output and "Traceback" not in res.output
    assert run(["--length", "3", "--seed", str(2**64 - 1), "-q"]).exit_code == 0
