"""``graphsample embed fastrp`` and ``graphsample evaluate`` through click's test runner."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from graphsample.cli import cli
from graphsample.embedding import fastrp
from graphsample.io import read_graph


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
    lines = out.read_text().splitlines()  # word2vec text: "n_nodes dim", then "label v1 ... v8" lines
    assert lines[0].split()[1] == "8" and {len(line.split()) for line in lines[1:]} == {9}


def test_embed_fastrp_follows_the_weights_of_a_weighted_input(tmp_path):
    """A third column is read as weights, and the command embeds with them, as fastrp(G) does: the same array
    (with weighted=False the embedding of the unweighted graph, another one)."""
    path = tmp_path / "w.txt"
    path.write_text("0 1 5\n1 2 0.5\n2 0 1\n2 3 4\n3 4 0.25\n4 2 2\n")
    out = tmp_path / "e.npy"
    res = run("embed", "fastrp", path, "-o", out, "--dim", 8, "--seed", 1, "-q")
    assert res.exit_code == 0, res.output
    G = read_graph(str(path), directed=True)
    assert G.is_weighted
    np.testing.assert_array_equal(np.load(out), fastrp(G, 8, seed=1))
    assert not np.allclose(np.load(out), fastrp(G, 8, weighted=False, seed=1))

@pytest.mark.parametrize("args, message", [
    (["--dim", "0"], "Invalid value for '--dim': must be a positive integer"),
    (["--weights", "1,x"], "comma-separated numbers"),
    (["--s", "0.2"], "Invalid value for '--s': must be a finite number >= 1"),
])
def test_embed_fastrp_errors_are_one_line(edge_file, tmp_path, args, message):
    res = run("embed", "fastrp", edge_file, "-o", tmp_path / "e.npy", *args)
    assert res.exit_code == 2  # bad option values: click's usage error
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
    (["--ratios", "1.5"], "Invalid value for '--ratios': must be numbers strictly between 0 and 1"),
    (["--ratios", "a"], "Invalid value for '--ratios': expected comma-separated numbers"),  # one parser with --weights
])
def test_evaluate_node_classification_errors(tmp_path, args, message):
    np.save(tmp_path / "e.npy", np.ones((10, 2)))
    np.save(tmp_path / "y.npy", np.arange(10) % 2)
    res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / "y.npy", *args)
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output, res.output


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
    assert bad.exit_code == 2 and "'--test-fraction': must be a number in (0, 1), got 2.0" in bad.output


@pytest.mark.parametrize("content, message", [
    # was 'Error: None: None' (np.loadtxt's FileNotFoundError has no filename), then loadtxt's 'y.txt not found.'
    (None, "y.txt: no such file"),
    ("", "y.txt: no 'row label' pairs"),  # was a loadtxt warning and 'expected two columns, got 1'
    ("0 a\n", "y.txt: expected integer 'row label' pairs"),
    ("0 1 2\n1 0 2\n", "y.txt: expected two columns 'row label', got 3"),
    ("0 1\n# a comment\n1 0 2\n", "y.txt: expected integer 'row label' pairs (data row 2 has 3 columns, the rows "
                                   "before it 2)"),
])
def test_evaluate_bad_label_files_give_one_line(tmp_path, content, message):
    np.save(tmp_path / "e.npy", np.ones((4, 2)))
    if content is not None:
        (tmp_path / "y.txt").write_text(content)
    res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / "y.txt")
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit | type(None))
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.output


@pytest.mark.parametrize("labels, message", [
    # the library's checks named no file ("labels have 5 rows but the embedding has 20")
    (np.arange(5), "labels have 5 rows but the embedding has 10"),
    (np.arange(10) / 2, "labels must be integer class ids when 1-D, got dtype float64"),
    (np.r_[np.eye(2)[np.arange(9) % 2], [[np.nan, 1]]], "labels contain NaN or infinite values"),
    (np.full((10, 2), 2), "labels must contain only 0 and 1 (a label matrix)"),
    (np.zeros(10, int), "labels have a single class, and node classification needs at least two labels (classes)"),
    (np.r_[[[1, 1]], np.zeros((9, 2), int)], "labels must mark at least two nodes (the others are unlabelled)"),
])
def test_evaluate_names_the_labels_file_at_fault(tmp_path, labels, message):
    np.save(tmp_path / "e.npy", np.random.default_rng(0).normal(size=(10, 3)))
    np.save(tmp_path / "y.npy", labels)
    res = run("evaluate", "node-classification", tmp_path / "e.npy", tmp_path / "y.npy", "--ratios", "0.5")
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit | type(None)), res.output
    assert res.output.startswith(f"Error: {tmp_path / 'y.npy'}: {message}") and res.output.count("\n") == 1


# nodes -1, 20, 30, 40: labels that are not the rows 0..3, one of them the old padding value
LABELLED = "-1 20\n20 30\n30 -1\n30 40\n40 20\n"  # every node has an out-arc: no one-row warning


def _fastrp(edges, tmp_path, output, *extra):
    path = tmp_path / "g.txt"
    path.write_text(edges)
    res = run("embed", "fastrp", path, "--dim", 6, "--seed", 3, "-o", output, *extra)
    assert res.exit_code == 0, res.output
    return res


def test_word2vec_text_round_trips_through_gensim(tmp_path):
    # text outputs were bare matrices in the graph's internal order: nothing said which row was node -1
    gensim = pytest.importorskip("gensim.models")
    _fastrp(LABELLED, tmp_path, tmp_path / "e.npy", "-q")
    E = np.load(tmp_path / "e.npy")
    for name in ("e.txt", "e.vec", "e.emb"):
        res = _fastrp(LABELLED, tmp_path, tmp_path / name)
        assert res.stderr == f"wrote {tmp_path / name}: 4 x 6 embedding; word2vec text, each line starts with its " \
                             "node label\n"
        kv = gensim.KeyedVectors.load_word2vec_format(str(tmp_path / name))
        assert kv.index_to_key == ["-1", "20", "30", "40"]
        np.testing.assert_array_equal(kv.vectors, E)  # float32 written with 9 digits reads back exactly
    res = _fastrp(LABELLED, tmp_path, "-")
    assert res.stdout == (tmp_path / "e.txt").read_text() and res.stdout.startswith("4 6\n-1 ")


def test_word2vec_text_is_header_then_label_and_exact_values(tmp_path):
    # the same format checked without gensim (CI does not install it): "n dim", then "label v1 .. vd" per node
    _fastrp(LABELLED, tmp_path, tmp_path / "e.npy", "-q")
    E = np.load(tmp_path / "e.npy")
    _fastrp(LABELLED, tmp_path, tmp_path / "e.vec", "-q")
    header, *rows = (line.split(" ") for line in (tmp_path / "e.vec").read_text().splitlines())
    assert header == ["4", "6"] and [r[0] for r in rows] == ["-1", "20", "30", "40"]
    np.testing.assert_array_equal(np.array([r[1:] for r in rows], dtype=np.float64).astype(np.float32), E)


def test_tables_have_a_node_column(tmp_path):
    _fastrp(LABELLED, tmp_path, tmp_path / "e.npy", "-q", "--float64")
    E = np.load(tmp_path / "e.npy")
    for name, sep in (("e.csv", ","), ("e.tsv", "\t")):
        _fastrp(LABELLED, tmp_path, tmp_path / name, "-q", "--float64")
        lines = (tmp_path / name).read_text().splitlines()
        assert lines[0] == sep.join(["node", "0", "1", "2", "3", "4", "5"])
        rows = [line.split(sep) for line in lines[1:]]
        assert [r[0] for r in rows] == ["-1", "20", "30", "40"]
        np.testing.assert_array_equal(np.array([r[1:] for r in rows], float), E)  # float64: repr, exact


def test_npy_rows_are_discoverable(tmp_path):
    # a .npy embedding is the plain matrix: the message says which row is which node, --row-labels writes them
    res = _fastrp(LABELLED, tmp_path, tmp_path / "e.npy")
    assert res.stderr == (f"wrote {tmp_path / 'e.npy'}: 4 x 6 embedding; row i is node i of the graph (an edge "
                          "list's labels in sorted order); --row-labels PATH writes them\n")
    res = _fastrp(LABELLED, tmp_path, tmp_path / "e.npy", "--row-labels", tmp_path / "rows.npy")
    assert f"labelled by line or entry i of {tmp_path / 'rows.npy'}" in res.stderr
    assert np.load(tmp_path / "rows.npy").tolist() == [-1, 20, 30, 40]
    _fastrp("b a\nc b\n", tmp_path, tmp_path / "e.npy", "-q", "--row-labels", tmp_path / "rows.txt")
    assert (tmp_path / "rows.txt").read_text() == "a\nb\nc\n"
    res = _fastrp("0 1\n1 2\n", tmp_path, tmp_path / "e.npy")
    assert res.stderr.endswith("3 x 6 embedding; row i is node i\n")


def test_a_label_with_a_space_is_refused_as_word2vec_and_quoted_in_csv(tmp_path):
    edges = "New York,Boston\nBoston,Los Angeles\nLos Angeles,New York\n"
    path = tmp_path / "g.csv"
    path.write_text(edges)
    res = run("embed", "fastrp", path, "--delimiter", ",", "--dim", 4, "-o", tmp_path / "e.txt")
    assert res.exit_code == 1 and not (tmp_path / "e.txt").exists()
    assert res.output == (f"Error: node label 'Los Angeles' holds ' ', which would split or shift the fields of "
                          f"{tmp_path / 'e.txt'}: write .csv (it quotes labels) or .npy\n")
    res = run("embed", "fastrp", path, "--delimiter", ",", "--dim", 4, "-q", "-o", tmp_path / "e.csv")
    assert res.exit_code == 0, res.output
    assert [line.split(",")[0] for line in (tmp_path / "e.csv").read_text().splitlines()] == \
        ["node", "Boston", "Los Angeles", "New York"]


def test_evaluate_reads_what_embed_writes(tmp_path):
    # evaluate read text embeddings with np.loadtxt: a label column (or the word2vec header) broke it, or worse,
    # integer labels were read as a feature
    rng = np.random.default_rng(0)
    n = 80
    cls = np.arange(n) % 2
    edges = "".join(f"{u} {v}\n" for u in range(n) for v in rng.choice(np.flatnonzero(cls == cls[u]), 4))
    np.save(tmp_path / "y.npy", cls)
    outputs = {}
    for name in ("e.npy", "e.txt", "e.csv", "e.tsv"):
        _fastrp(edges, tmp_path, tmp_path / name, "-q", "--dim", 8)
        res = run("evaluate", "node-classification", tmp_path / name, tmp_path / "y.npy", "--ratios", "0.5",
                  "--repeats", 2, "--seed", 0, "--json")
        assert res.exit_code == 0, res.output
        outputs[name] = res.output
    piped = CliRunner().invoke(cli, ["evaluate", "node-classification", "-", str(tmp_path / "y.npy"), "--ratios",
                                     "0.5", "--repeats", "2", "--seed", "0", "--json"],
                               input=(tmp_path / "e.txt").read_text())  # embed ... | evaluate ... - LABELS
    outputs["-"] = piped.output
    assert len(set(outputs.values())) == 1, outputs


def test_evaluate_matches_a_labelled_embedding_to_a_dataset_by_node(tmp_path, monkeypatch):
    # rows of word2vec text may come in any order (the node2vec tools write vocabulary order): matched by label
    import graphsample as gs
    import graphsample.datasets as datasets

    G = gs.from_edges(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), node_ids=np.array([10, 20, 30, 40]))
    Y = np.array([0, 1, 0, 1])
    monkeypatch.setattr(datasets, "load", lambda name, return_labels: (G, Y))
    E = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.2], [1.1, 0.0]])
    order = [3, 1, 0, 2]
    (tmp_path / "e.txt").write_text("4 2\n" + "".join(f"{(10, 20, 30, 40)[i]} {E[i, 0]} {E[i, 1]}\n" for i in order))
    np.save(tmp_path / "e.npy", E)
    args = ["--ratios", "0.5", "--repeats", 3, "--seed", 0, "--json"]
    res = run("evaluate", "node-classification", tmp_path / "e.txt", "dataset:toy", *args)
    assert res.exit_code == 0, res.output
    assert res.output == run("evaluate", "node-classification", tmp_path / "e.npy", "dataset:toy", *args).output
    (tmp_path / "e.txt").write_text("3 2\n10 0 1\n20 1 0\n30 0 1\n")
    res = run("evaluate", "node-classification", tmp_path / "e.txt", "dataset:toy", *args)
    # the message named no file
    assert res.exit_code == 1
    assert res.output == f"Error: {tmp_path / 'e.txt'}: the embedding has no row for node 40 of dataset:toy\n"
