"""``graphsample select mig``: JSONL / NPY pools, outputs, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from graphsample.cli import cli
from graphsample.selection.mig import mig_select


@pytest.fixture
def pool_jsonl(tmp_path):
    rng = np.random.default_rng(0)
    tags = ["math", "code", "chat", "poetry", "science"]
    rows = [{"id": f"s{i}", "labels": list(rng.choice(tags, size=rng.integers(1, 3), replace=False)),
             "score": float(rng.random())} for i in range(60)]
    path = tmp_path / "pool.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path, rows


def test_jsonl_to_jsonl_matches_api(pool_jsonl, tmp_path):
    path, rows = pool_jsonl
    out = tmp_path / "picks.jsonl"
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "6", "--score-field", "score",
                                 "--id-field", "id", "-o", str(out)])
    assert r.exit_code == 0, r.output
    picks = [json.loads(line) for line in out.read_text().splitlines()]
    names = sorted({t for row in rows for t in row["labels"]})
    labels = [[names.index(t) for t in row["labels"]] for row in rows]
    ref = mig_select(labels, [row["score"] for row in rows], budget=6)
    assert [p["index"] for p in picks] == ref.indices.tolist()
    assert [p["id"] for p in picks] == [rows[i]["id"] for i in ref.indices]
    assert "label coverage" in r.output


def test_npy_embeddings_fraction_budget(tmp_path):
    X = np.random.default_rng(1).normal(size=(80, 4))
    np.save(tmp_path / "emb.npy", X)
    r = CliRunner().invoke(cli, ["select", "mig", str(tmp_path / "emb.npy"), "--budget", "0.1", "--n-clusters", "6",
                                 "-q", "-o", str(tmp_path / "idx.npy")])
    assert r.exit_code == 0, r.output
    assert np.load(tmp_path / "idx.npy").shape == (8,)


def test_parquet_pool(pool_jsonl, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    _, rows = pool_jsonl
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "pool.parquet")
    r = CliRunner().invoke(cli, ["select", "mig", str(tmp_path / "pool.parquet"), "--budget", "3", "-q", "-o", "-"])
    assert r.exit_code == 0, r.output
    assert len(r.output.strip().splitlines()) == 3


@pytest.mark.parametrize("content,args,msg", [
    ("{bad json\n", [], "not valid JSON"),
    ('{"x": 1}\n', [], "need a 'labels' field"),
    ('{"labels": ["a"]}\n{"labels": ["b"]}\n', ["--budget", "5"],
     "Invalid value for '--budget': 5 exceeds the 2 selectable samples"),
    ('{"labels": ["a"]}\n', ["--budget", "0"], "Invalid value for '--budget': must be at least 1, got 0"),
    ('{"labels": ["a"]}\n', ["--budget", "1", "--phi-param", "2"],
     "Invalid value for '--phi': power needs 0 < --phi-param <= 1"),
    ('{"labels": ["a"]}\n', ["--budget", "1", "--phi", "exp", "--phi-param", "0"],
     "Invalid value for '--phi': exp needs a positive scale tau (--phi-param), got 0.0"),
    ('{"labels": ["a"]}\n', ["--budget", "1", "--phi", "sqrt", "--phi-param", "0.3"],  # was silently ignored
     "Invalid value for '--phi': sqrt takes no --phi-param, got 0.3 (power and exp take one)"),
    ('{"labels": ["a"]}\n', ["--budget", "lots"],
     "Invalid value for '--budget': 'lots' is neither a count nor a fraction"),
    ('{"labels": ["a"], "s": -1}\n', ["--budget", "1", "--score-field", "s"], "non-negative"),
    ("", [], "no records"),
    (b'{"labels": ["a"]}\n{"labels": ["\xff"]}\n', [], "pool.jsonl:2: not UTF-8 text"),
    ('{"labels": ["a"]}\n[1, 2]\n', [], "pool.jsonl:2: each line must be a JSON object"),
    ('{"labels": ["a"]}\n{"x": 1}\n', ["--budget", "1"], "pool.jsonl: record 2 has no field 'labels'"),
    ('{"labels": ["a"], "s": 1}\n{"labels": ["b"]}\n', ["--budget", "1", "--score-field", "s"],
     "pool.jsonl: record 2 has no field 's'"),
    ('{"labels": [{"a": 1}]}\n', ["--budget", "1"], "labels must be integers or strings"),
    ('{"labels": 1.5}\n', ["--budget", "1"], "labels must be integers or strings"),
    ('{"labels": [[1]]}\n', ["--budget", "1"], "labels must be integers or strings"),
    ('{"labels": [true]}\n', ["--budget", "1"], "labels must be integers or strings"),
    ('{"labels": ["a"], "s": "high"}\n', ["--budget", "1", "--score-field", "s"], "field 's' must hold numbers"),
    ('{"e": [1, 2]}\n{"e": [1]}\n', ["--budget", "1", "--embedding-field", "e"],
     "field 'e' must hold numeric vectors of one length"),
    ('{"e": [1, 0]}\n{"e": [0, 1]}\n{"e": [1, 1]}\n', ["--budget", "1", "--embedding-field", "e", "--threshold", "2"],
     "Invalid value for '--threshold': 2.0 is not in the range -1<=x<=1."),  # click's check, as the library's
])
def test_errors_are_one_line(tmp_path, content, args, msg):
    path = tmp_path / "pool.jsonl"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    r = CliRunner().invoke(cli, ["select", "mig", str(path), *args])
    assert r.exit_code == (2 if "Invalid value" in msg else 1), r.output  # a bad option value is a usage error
    assert msg in r.output
    assert "Traceback" not in r.output


def test_missing_file(tmp_path):
    r = CliRunner().invoke(cli, ["select", "mig", str(tmp_path / "nope.jsonl")])
    assert r.exit_code == 1 and "nope.jsonl: no such file" in r.output


def test_npy_pool_that_is_not_npy(tmp_path):
    path = tmp_path / "pool.npy"
    path.write_bytes(b"not an array")
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "1"])
    assert r.exit_code == 1 and (r.exception is None or isinstance(r.exception, SystemExit))
    assert "not a NumPy .npy array" in r.output


def test_scores_npy_applies_to_a_jsonl_pool(pool_jsonl, tmp_path):
    # --scores was read only for an .npy POOL and silently ignored for JSONL / Parquet
    path, rows = pool_jsonl
    s = np.array([row["score"] for row in rows])
    np.save(tmp_path / "s.npy", s)
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "6", "--scores", str(tmp_path / "s.npy"),
                                 "-q", "-o", "-"])
    assert r.exit_code == 0, r.output
    names = sorted({t for row in rows for t in row["labels"]})
    ref = mig_select([[names.index(t) for t in row["labels"]] for row in rows], s, budget=6)
    assert [json.loads(line)["index"] for line in r.output.splitlines()] == ref.indices.tolist()
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "6", "--scores", str(tmp_path / "s.npy"),
                                 "--score-field", "score"])
    assert r.exit_code != 0 and "not both" in r.output


@pytest.mark.parametrize("budget", ["1.0", "1.5", "2.0", "1e3", "0.0", "-0.5"])
def test_budget_fractions_outside_0_1_are_refused(pool_jsonl, budget):
    # '--budget 1' was one pick and '--budget 1.0' the whole pool: a fraction must now be below 1
    path, _ = pool_jsonl
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", budget, "-o", "-"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert (f"Invalid value for '--budget': '{budget}': a fraction must be strictly between 0 and 1 (a count is a "
            "whole number: 1 is one pick, the pool's size is all of it)") in r.output


@pytest.mark.parametrize("budget, picks", [("1", 1), ("60", 60), ("0.5", 30), ("0.05", 3)])
def test_budget_counts_and_fractions(pool_jsonl, budget, picks):
    path, _ = pool_jsonl
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", budget, "-q", "-o", "-"])
    assert r.exit_code == 0, r.output
    assert len(r.output.splitlines()) == picks


@pytest.mark.parametrize("name, array, args, message", [
    # the library's checks named its parameter ("scores contain NaN ..."), not the file at fault; the row count
    # of --label-embeddings was a usage error, though the option is fine and the file's contents are not
    ("q.npy", np.r_[np.ones(5), np.nan, np.ones(54)], ["--scores"], "scores contain NaN or infinite values"),
    ("q.npy", np.ones(7), ["--scores"], "scores has 7 entries but the pool has 60 samples"),
    ("q.npy", -np.ones(60), ["--scores"], "scores (quality) must be non-negative"),
    ("e.npy", np.ones((7, 3)), ["--label-embeddings"], "--label-embeddings has 7 rows but there are 5 labels"),
    ("e.npy", np.r_[np.ones((4, 3)), [[0, np.nan, 1]]], ["--label-embeddings"],
     "--label-embeddings contain NaN or infinite values"),
    ("e.npy", np.ones(5), ["--label-embeddings"], "--label-embeddings must be a non-empty 2-D array, got shape (5,)"),
])
def test_a_bad_secondary_file_is_named(pool_jsonl, tmp_path, name, array, args, message):
    path, _ = pool_jsonl
    np.save(tmp_path / name, array)
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "3", *args, str(tmp_path / name)])
    assert r.exit_code == 1 and (r.exception is None or isinstance(r.exception, SystemExit)), r.output
    assert r.output == f"Error: {tmp_path / name}: {message}\n"


def test_large_integer_label_ids(tmp_path):
    # '{"labels": [1000000000000]}' made 10**12 labels: "Error: out of memory"; they are numbered densely unless
    # --label-embeddings gives them rows, and then an id beyond its last row is one line naming the file
    path = tmp_path / "pool.jsonl"
    path.write_text("".join(json.dumps({"labels": [10**12 + i % 3]}) + "\n" for i in range(6)))
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "3", "-o", "-"])
    assert r.exit_code == 0, r.output
    assert [json.loads(line)["index"] for line in r.stdout.splitlines()] == [0, 1, 2]
    assert "label coverage = 1.0000" in r.output
    np.save(tmp_path / "e.npy", np.eye(3))
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "3", "--label-embeddings",
                                 str(tmp_path / "e.npy")])
    assert r.exit_code == 1 and r.output == (f"Error: {tmp_path / 'e.npy'}: --label-embeddings has 3 rows, one per "
                                             f"label id, but the labels use id {10**12 + 2}\n")


def test_a_score_field_with_nan_names_the_pool(tmp_path):
    path = tmp_path / "pool.jsonl"
    path.write_text('{"labels": ["a"], "s": NaN}\n{"labels": ["b"], "s": 1}\n')  # Python's json reads NaN
    r = CliRunner().invoke(cli, ["select", "mig", str(path), "--budget", "1", "--score-field", "s"])
    assert r.exit_code == 1 and r.output == f"Error: {path}: scores contain NaN or infinite values\n"


@pytest.mark.parametrize("option", ["--scores", "--label-embeddings"])
def test_an_empty_secondary_path_is_a_usage_error(pool_jsonl, option):
    # --scores '' was taken for no --scores at all, and the selection ran without the scores
    r = CliRunner().invoke(cli, ["select", "mig", str(pool_jsonl[0]), option, ""])
    assert r.exit_code == 2 and r.output.startswith("Usage: ")
    assert f"\nError: Invalid value for '{option}': an empty path; give a file name\n" in r.output
