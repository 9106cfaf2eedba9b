"""CLI: graphsample pagerank / ppr via click's CliRunner."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from graphsample.cli import cli
from graphsample.ranking import fully_personalized_pagerank, pagerank
from tests.ranking._graphs import random_graph

EDGES = "a\tb\nb\tc\nc\ta\nc\td\n"


@pytest.fixture
def edgefile(tmp_path):
    p = tmp_path / "g.tsv"
    p.write_text(EDGES)
    return str(p)


def _scores(text: str) -> dict:
    return {line.split("\t")[0]: float(line.split("\t")[1]) for line in text.strip().splitlines()}


def test_pagerank_stdout(edgefile):
    r = CliRunner().invoke(cli, ["pagerank", edgefile, "-q"])
    assert r.exit_code == 0, r.output
    s = _scores(r.stdout)
    assert set(s) == {"a", "b", "c", "d"} and abs(sum(s.values()) - 1) < 1e-9


def test_pagerank_personalized_file(edgefile, tmp_path):
    out = tmp_path / "s.tsv"
    r = CliRunner().invoke(cli, ["pagerank", edgefile, "--personalize", "a,c", "--damping", "0.5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    s = _scores(out.read_text())
    from graphsample.io import read_graph

    G = read_graph(edgefile)
    x = pagerank(G, 0.5, ["a", "c"])
    assert np.allclose([s[k] for k in G.node_ids.tolist()], x, atol=1e-10)


def test_pagerank_solver_options_reach_the_library(tmp_path):
    """--dangling, --tol, --max-iter and --method reach pagerank(): the scores are the library's for the same options
    and differ from those of the defaults (a loose --tol stops early; a dangling node's mass goes uniformly, not to
    the --personalize nodes), so a dropped option shows."""
    from graphsample.io import read_graph

    rng = np.random.default_rng(1)
    path = tmp_path / "g.tsv"
    path.write_text("".join(f"n{u}\tn{v}\n" for u, v in zip(rng.integers(0, 20, 40), rng.integers(0, 25, 40))))
    r = CliRunner().invoke(cli, ["pagerank", str(path), "--personalize", "n1,n2", "--dangling", "uniform", "--tol",
                                 "1e-3", "--max-iter", "500", "--method", "power", "-q"])
    assert r.exit_code == 0, r.output
    s = _scores(r.stdout)
    G = read_graph(str(path))
    got = np.array([s[k] for k in G.node_ids.tolist()])
    x = pagerank(G, 0.85, ["n1", "n2"], dangling="uniform", tol=1e-3, max_iter=500, method="power")
    np.testing.assert_allclose(got, x, rtol=1e-11)
    for other in (dict(dangling="uniform", tol=1e-10), dict(dangling="personalization", tol=1e-3)):
        assert np.abs(pagerank(G, 0.85, ["n1", "n2"], max_iter=500, method="power", **other) - x).max() > 1e-6

def test_pagerank_csv_output_is_comma_separated(tmp_path):
    """-o scores.csv held tab-separated lines, unlike every other command's .csv; a label holding a comma is
    quoted, so a CSV reader gets the label and the score back."""
    import csv

    edges = tmp_path / "g.tsv"
    edges.write_text("a\tx,y\nx,y\tc\nc\ta\n")
    out = tmp_path / "s.csv"
    r = CliRunner().invoke(cli, ["pagerank", str(edges), "--delimiter", "\\t", "-q", "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(out.open()))
    tsv = CliRunner().invoke(cli, ["pagerank", str(edges), "--delimiter", "\\t", "-q"])
    assert {label: float(v) for label, v in rows} == _scores(tsv.stdout)
    assert [label for label, _ in rows] == ["a", "c", "x,y"] and '"x,y",' in out.read_text()


@pytest.mark.parametrize("args, status, msg", [
    (["--damping", "1.5"], 2, "Error: Invalid value for '--damping': must be a number in [0, 1), got 1.5"),
    (["--personalize", "zz"], 1, "Error: --personalize: unknown node id 'zz'"),
    (["--personalize", ","], 2, "Error: Invalid value for '--personalize': give comma-separated node labels"),
    (["--personalize", ""], 2, "Error: Invalid value for '--personalize': give comma-separated"),  # was global PageRank
])
def test_pagerank_errors(edgefile, args, status, msg):
    r = CliRunner().invoke(cli, ["pagerank", edgefile, *args])
    assert r.exit_code == status and msg in r.output and "Traceback" not in r.output, r.output


def test_pagerank_missing_file():
    r = CliRunner().invoke(cli, ["pagerank", "/nonexistent/graph.tsv"])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_ppr_npz_and_tsv(tmp_path):
    G = random_graph(20, 60, weighted=False, seed=1)
    p = tmp_path / "g.txt"
    src, dst, _ = G.edges()
    p.write_text("".join(f"{a} {b}\n" for a, b in zip(src.tolist(), dst.tolist())))
    out = tmp_path / "r.npz"
    r = CliRunner().invoke(cli, ["ppr", str(p), "--walks-per-node", "40", "--top-k", "3", "--seed", "5",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "walks/s" in r.output
    z = np.load(out)
    from graphsample.io import read_graph

    H = read_graph(str(p))
    ref = fully_personalized_pagerank(H, omega=40, top_k=3, seed=5)
    assert np.array_equal(z["values"], ref.values) and np.array_equal(z["indices"], ref.indices)
    r = CliRunner().invoke(cli, ["ppr", str(p), "--walks-per-node", "40", "--top-k", "3", "--seed", "5", "-q",
                                 "-o", "-"])
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == ref.values.shape[0]


def test_ppr_rate_says_when_it_includes_compiling(tmp_path, edgefile, monkeypatch):
    """A first run compiles the Numba kernels (seconds) inside the timed work: the walks/s line says so then, and
    only then. jit_compilations counts the compilations of graphsample's kernels (their cache misses)."""
    from graphsample.cli import pagerank as ppr_cli
    from graphsample.cli._common import jit_compilations

    assert jit_compilations() >= 0
    args = ["ppr", edgefile, "--walks-per-node", "10", "--seed", "1", "-o", str(tmp_path / "r.npz")]
    for counts, said in (([0, 3], True), ([3, 3], False)):
        monkeypatch.setattr(ppr_cli, "jit_compilations", iter(counts).__next__)
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 0, r.output
        assert ("includes compiling the kernels" in r.stderr) == said and "walks/s" in r.stderr


def test_jit_compilations_counts_a_first_compile(monkeypatch):
    """A new jitted function in a graphsample module adds its compilation to the count once: a second call reuses
    it."""
    import sys
    import types

    import numba

    from graphsample.cli._common import jit_compilations

    module = types.ModuleType("graphsample._jit_probe")
    module.f = numba.njit(lambda x: x + 1)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    before = jit_compilations()
    module.f(1)
    after = jit_compilations()
    module.f(2)
    assert after == before + 1 == jit_compilations()


@pytest.mark.distributed
def test_ppr_workers(tmp_path, edgefile):
    out = tmp_path / "r.npz"
    r = CliRunner().invoke(cli, ["ppr", edgefile, "--walks-per-node", "20", "--workers", "1", "--seed", "1",
                                 "-q", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert np.load(out)["indptr"].shape[0] == 5


@pytest.mark.distributed
@pytest.mark.parametrize("mode", ["A", "B"])
def test_ppr_on_the_cluster_of_a_scheduler_file(tmp_path, mode):
    """``--scheduler-file`` joins a running cluster (here an in-process one, whose address the file holds as
    ``dask scheduler --scheduler-file`` writes it), whose tasks run the walks, and gives the single-process
    command's estimates: Mode A the fused engine's, Mode B the pipeline engine's (the same walk segments). The
    graph has more nodes than one segment block (65,536), so Mode B cuts it into a shard per worker and walkers
    cross between them."""
    import json

    distributed = pytest.importorskip("distributed")
    from graphsample.ranking.dask import _shard_bounds

    n = 70_000
    rng = np.random.default_rng(0)
    src = np.concatenate([np.arange(n), rng.integers(0, n, n)])
    dst = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, n)])
    edgefile = tmp_path / "g.tsv"
    np.savetxt(edgefile, np.column_stack([src, dst]), fmt="%d", delimiter="\t")
    assert len(_shard_bounds(n, 2, 1 << 16)) - 1 == 2
    common = ["--walks-per-node", "3", "--seed", "1", "-q"]
    alone, shared = tmp_path / "alone.npz", tmp_path / "shared.npz"
    engine = ["--engine", "fused" if mode == "A" else "pipeline"]
    assert CliRunner().invoke(cli, ["ppr", str(edgefile), *common, *engine, "-o", str(alone)]).exit_code == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster:
        file = tmp_path / "scheduler.json"
        file.write_text(json.dumps({"type": "Scheduler", "address": cluster.scheduler_address}))
        r = CliRunner().invoke(cli, ["ppr", str(edgefile), *common, "--scheduler-file", str(file), "--mode", mode,
                                     "-o", str(shared)])
        assert r.exit_code == 0, r.output
        assert ("block_task" if mode == "A" else "b_step") in cluster.scheduler.task_prefixes
    a, b = np.load(alone), np.load(shared)
    assert sorted(a.files) == sorted(b.files)
    for name in a.files:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("args, msg", [
    (["--walks-per-node", "0"], "walks-per-node"),
    (["--restart", "1.5"], "restart"),  # the old name of --restart-prob
    (["--restart-prob", "0"], "restart-prob"),
    (["--workers", "1", "--scheduler-file", "x.json"], "not both"),
    (["--scheduler-file", "nope.json"], "no such scheduler file"),
])
def test_ppr_errors(edgefile, tmp_path, args, msg):
    r = CliRunner().invoke(cli, ["ppr", edgefile, *args, "-o", str(tmp_path / "r.npz")])
    assert r.exit_code != 0 and msg in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("content", ["not json\n", '{"type": "Scheduler"}\n', '["tcp://10.0.0.1:8786"]\n',
                                     b'{"address": "tcp://\xff"}\n'])  # not UTF-8
def test_a_scheduler_file_that_is_not_one_is_named(edgefile, tmp_path, content):
    # distributed read a file that is not JSON as the address None and failed on an assertion: a traceback
    pytest.importorskip("distributed")
    path = tmp_path / "s.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    r = CliRunner().invoke(cli, ["ppr", edgefile, "--scheduler-file", str(path), "-o", str(tmp_path / "r.npz")])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit | type(None)), r.output
    assert r.output == f"Error: {path}: not a Dask scheduler file (JSON with the scheduler's \"address\")\n"


def test_too_many_walks_per_node_is_a_usage_error(edgefile, tmp_path):
    # 2**40 walks per source: the walk ends of one source exceed the memory budget (a SystemError from the kernel
    # before the library checked it, then the library's own parameter names with status 1)
    r = CliRunner().invoke(cli, ["ppr", edgefile, "--walks-per-node", str(2**40), "-o", str(tmp_path / "r.npz")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "Invalid value for '--walks-per-node': 1099511627776 walks per source need" in r.output


def test_warning_is_one_line(edgefile):
    # a PageRank that did not converge printed Python's warning format: the CLI file and line, the
    # category, then the source line of the call
    r = CliRunner().invoke(cli, ["pagerank", edgefile, "--method", "power", "--max-iter", "1", "-q"])
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == [
        "Warning: PageRank did not converge in 1 iterations (residual 0.212 > tol 1e-10); raise max_iter or tol"]
    assert len(_scores(r.stdout)) == 4


def test_ppr_output_names_are_kept(edgefile, tmp_path):
    # '-o ppr.csv' wrote a binary ppr.csv.npz (np.savez appends .npz to another name)
    args = ["ppr", edgefile, "--walks-per-node", "20", "--seed", "1", "-q"]
    text = CliRunner().invoke(cli, [*args, "-o", "-"]).stdout
    r = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "ppr.csv")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "ppr.csv").read_text() == text.replace("\t", ",")
    r = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "ppr")])
    assert r.exit_code == 0, r.output
    assert np.load(tmp_path / "ppr")["values"].size == len(text.splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.tsv", "ppr", "ppr.csv"]


def test_ppr_summary_without_a_terminal_has_no_carriage_return(edgefile):
    # the summary line began with '\r' (to overwrite a progress line) even when stderr was a log file
    r = CliRunner().invoke(cli, ["ppr", edgefile, "--walks-per-node", "10", "--seed", "1", "-o", "-"])
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("40 walks, ") and "\r" not in r.stderr
