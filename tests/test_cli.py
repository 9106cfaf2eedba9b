"""The CLI: real results on datasets, and one clear line + non-zero exit for every user mistake."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

import graphsample as gs
from graphsample.cli import cli

from .conftest import needs_dataset


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def assert_one_line_error(result, message):
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


def assert_usage_error(result, option, message):
    """click's usage error about ``option``: the usage line, a hint, and 'Error: Invalid value for ...', status 2."""
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Usage: ") and "Traceback" not in result.output, result.output
    assert f"\nError: Invalid value for {option}: {message}" in result.output, result.output


@needs_dataset("wiki-vote")
def test_info_wiki_vote():
    r = run("info", "dataset:wiki-vote")
    assert r.exit_code == 0, r.output
    assert "7,115" in r.output and "103,689" in r.output
    s = json.loads(run("info", "dataset:wiki-vote", "--json").output)
    assert (s["nodes"], s["arcs"], s["jdm_nonzeros"], s["dcm_nonzeros"]) == (7115, 103689, 32687, 1434)


@needs_dataset("email-eu-core")
def test_info_email_reports_self_loops():
    s = json.loads(run("info", "dataset:email-eu-core", "--json").output)
    assert (s["nodes"], s["arcs"], s["self_loops"]) == (1005, 25571, 642)


def test_info_from_stdin_and_options():
    s = json.loads(run("info", "-", "--json", "--undirected", input="a b\nb c\nc a\na b\n").output)
    assert (s["nodes"], s["arcs"], s["edges"], s["directed"], s["duplicates_dropped"]) == (3, 6, 3, False, 1)
    s = json.loads(run("info", "-", "--json", "--delimiter", ",", input="1,2,0.5\n2,1,1\n").output)
    assert s["weighted"] and s["reciprocity"] == 1.0


def test_info_keeps_zero_padded_labels_apart(tmp_path):
    # '007 7' was read as a self-loop on node 7: two nodes where the file names three
    path = tmp_path / "zips.txt"
    path.write_text("007 7\n7 8\n")
    s = json.loads(run("info", str(path), "--json").output)
    assert (s["nodes"], s["arcs"], s["self_loops"]) == (3, 2, 0)


@pytest.mark.parametrize("name", ["g.npz", "g_dir"])
def test_weighted_options_apply_to_saved_graphs(tmp_path, name):
    """--unweighted drops the weights of a saved weighted graph (.npz or folder); --weighted on a saved graph
    without weights is a one-line error. Before, both options were ignored for saved graphs."""
    G = gs.from_edges(np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0.5, 2.0, 1.0]))
    path = str(tmp_path / name)
    gs.io.save(G, path)
    s = json.loads(run("info", path, "--json").output)
    assert s["weighted"]
    s = json.loads(run("info", path, "--json", "--weighted").output)
    assert s["weighted"]
    s = json.loads(run("info", path, "--json", "--unweighted").output)
    assert not s["weighted"] and (s["nodes"], s["arcs"]) == (3, 3)
    out = str(tmp_path / "plain.npz")
    assert run("convert", path, "--unweighted", "-o", out, "-q").exit_code == 0
    assert gs.io.load(out).weights is None
    bare = str(tmp_path / ("bare.npz" if name.endswith(".npz") else "bare_dir"))
    gs.io.save(gs.from_edges(np.array([0, 1]), np.array([1, 2])), bare)
    assert not json.loads(run("info", bare, "--json", "--unweighted").output)["weighted"]
    assert_one_line_error(run("info", bare, "--weighted"), "--weighted")


@needs_dataset("email-eu-core")
def test_weighted_option_on_an_unweighted_dataset_is_an_error():
    assert_one_line_error(run("info", "dataset:email-eu-core", "--weighted"), "has no weights")
    s = json.loads(run("info", "dataset:email-eu-core", "--json", "--unweighted").output)
    assert not s["weighted"] and s["arcs"] == 25571


def test_skip_rows_drops_a_csv_header():
    """--skip-rows 1 skips a CSV header. Without it, a header over a weight column is a one-line error at line 1,
    and a two-column header is read as an edge between the nodes 'source' and 'target', with a warning on stderr."""
    csv = "source,target,weight\n1,2,0.5\n2,3,1\n3,1,2\n"
    s = json.loads(run("info", "-", "--json", "--delimiter", ",", "--skip-rows", "1", input=csv).output)
    assert (s["nodes"], s["arcs"], s["weighted"]) == (3, 3, True)
    assert_one_line_error(run("info", "-", "--delimiter", ",", input=csv), "line 1")
    csv2 = "source,target\n1,2\n2,3\n3,1\n"
    for skip, nodes in (("0", 5), ("1", 3)):
        r = run("info", "-", "--json", "--delimiter", ",", "--skip-rows", skip, input=csv2)
        assert json.loads(r.stdout)["nodes"] == nodes and ("looks like a header" in r.stderr) == (skip == "0")
    r = run("info", "-", "--skip-rows", "-1", input=csv)  # click's usage error: exit 2, no traceback
    assert r.exit_code == 2 and "--skip-rows" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("name", ["out.txt", "g.tsv", "edges.csv.gz"])
def test_convert_refuses_a_text_file_name(tmp_path, name):
    # it used to write a folder of .npy files named like an edge list
    result = run("convert", "-", "-o", str(tmp_path / name), input="0 1\n")
    assert_usage_error(result, "'-o' / '--output'", "convert writes binary CSR to a .npz file or a folder, and")
    assert "names a text file; use NAME.npz" in result.output
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["g.npy", "g.NPY"])
def test_convert_refuses_a_npy_name(tmp_path, name):
    # -o g.npy wrote a folder named g.npy
    result = run("convert", "-", "-o", str(tmp_path / name), input="0 1\n")
    assert_usage_error(result, "'-o' / '--output'", "convert writes binary CSR to a .npz file or a folder, and")
    assert "names a .npy array; use NAME.npz" in result.output
    assert not (tmp_path / name).exists()


def test_convert_to_an_npz_name_in_capitals_writes_one_file(tmp_path):
    # save compared suffixes case-sensitively: G.NPZ became a folder
    r = run("convert", "-", "-o", str(tmp_path / "G.NPZ"), "-q", input="0 1\n1 2\n")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "G.NPZ").is_file()
    assert json.loads(run("info", str(tmp_path / "G.NPZ"), "--json").output)["arcs"] == 2


def test_convert_then_info(tmp_path):
    src = tmp_path / "g.txt"
    src.write_text("0 1\n1 2\n2 0\n")
    for target in ("g.npz", "gfolder"):
        r = run("convert", str(src), "-o", str(tmp_path / target))
        assert r.exit_code == 0, r.output
        assert json.loads(run("info", str(tmp_path / target), "--json").output)["arcs"] == 3
    G = gs.load(tmp_path / "g.npz")
    assert np.array_equal(G.indices, [1, 2, 0])


def test_datasets_commands():
    r = run("datasets", "list")
    assert r.exit_code == 0 and "wiki-vote" in r.output and "blogcatalog" in r.output
    assert_one_line_error(run("datasets", "path", "nope"), "unknown dataset 'nope'")


@pytest.mark.parametrize("content, message", [
    ("", "no edges found"),
    ("0 1\n1\n", "line 2: expected 2 columns"),
    ("0 1 -1\n", "line 1: weight -1.0 is negative"),
    ("0 1 nan\n", "line 1: weight nan is not finite"),
    ("0 1\n\x00\n", "bad.txt: binary data (a NUL byte at byte 4), not a text edge list"),
])
def test_bad_files_give_one_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    assert_one_line_error(run("info", str(path)), message)


def test_a_npy_array_named_npz_gives_one_line(tmp_path):
    # np.load opened it as an array, and 'with' on it was a TypeError traceback
    np.save(tmp_path / "g.npy", np.arange(4))
    (tmp_path / "g.npz").write_bytes((tmp_path / "g.npy").read_bytes())
    assert_one_line_error(run("info", str(tmp_path / "g.npz")),
                          "g.npz: not a graphsample CSR file (a NumPy .npy array, not an .npz archive)")


def test_missing_input_and_unknown_dataset(tmp_path):
    assert_one_line_error(run("info", str(tmp_path / "none.txt")), "no such file")
    assert_one_line_error(run("info", "dataset:nope"), "unknown dataset")
    r = run("info", "-", "--delimiter", ";;", input="0 1\n")  # a malformed option: click's usage error, status 2
    assert r.exit_code == 2 and "Invalid value for '--delimiter': must be one character other than a line break" \
        in r.output
    r = run("info", "-", "--delimiter", "\n", input="0 1\n")  # was 'line 1: expected 2 columns, got '0 1''
    assert r.exit_code == 2 and "Invalid value for '--delimiter': must be one character other than" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("group", [None, "embed"])
def test_a_first_compilation_is_said_once_unless_quiet(monkeypatch, group):
    """A first run compiles the Numba kernels for 10-30 s: one line on stderr says so where progress shows (a
    terminal; patched here), once per run however many kernels compile, also under a nested group (``embed``,
    whose own invoke must not say it a second time), and never with --quiet."""
    import numba

    from graphsample.cli import _common
    from graphsample.cli.embed import embed

    monkeypatch.setattr(_common, "progress_enabled", lambda quiet: not quiet)

    @click.command("compile-twice")
    @click.option("-q", "--quiet", is_flag=True)
    def compile_twice(quiet):
        numba.njit(lambda x: x + 1)(1)  # a new function every run: always compiled, never read from a cache
        numba.njit(lambda x: x + 2)(1)

    monkeypatch.setitem((embed if group else cli).commands, "compile-twice", compile_twice)
    prefix = [group] if group else []
    for flags, said in (([], 1), (["-q"], 0)):
        r = run(*prefix, "compile-twice", *flags)
        assert r.exit_code == 0, r.output
        assert r.stderr.count(_common.COMPILE_NOTICE) == said, r.stderr


def test_a_compilation_in_another_thread_compiles_and_says_nothing(monkeypatch):
    """GraphVite's sample pools compile in threads, where click has no current context: the listener must leave the
    notice unsaid there (the main thread says it) instead of failing the thread's compilation."""
    import threading

    import numba

    from graphsample.cli import _common

    monkeypatch.setattr(_common, "progress_enabled", lambda quiet: not quiet)

    @click.command("compile-in-a-thread")
    def compile_in_a_thread():
        results = []
        thread = threading.Thread(target=lambda: results.append(numba.njit(lambda x: x + 3)(1)))
        thread.start()
        thread.join()
        click.echo(f"results {results}")

    monkeypatch.setitem(cli.commands, "compile-in-a-thread", compile_in_a_thread)
    r = run("compile-in-a-thread")
    assert r.exit_code == 0 and r.stdout == "results [4]\n", r.output
    assert _common.COMPILE_NOTICE not in r.stderr


def test_a_malformed_command_line_is_a_usage_error_with_status_2():
    # docs/cli.md: mistakes in the input are one line and status 1; a malformed command line is click's usage error
    result = run("sample", "-", "--fraction", "abc", input="0 1\n")
    assert result.exit_code == 2 and result.output.startswith("Usage: ") and " sample [OPTIONS] INPUT" in result.output
    assert "Error: Invalid value for '-p' / '--fraction': 'abc' is not a valid float." in result.output
    assert "Traceback" not in result.output


def test_version_and_help():
    assert gs.__version__ in run("--version").output
    out = run("--help").output
    for command in ("info", "convert", "datasets"):
        assert command in out


def test_python_dash_m_runs_the_cli():
    """``python -m graphsample`` is the console script (where its folder is not on PATH)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "graphsample", "--version"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and gs.__version__ in done.stdout
    assert done.stdout.startswith("graphsample")  # the program's name, not '__main__.py'


def test_cli_reference_is_current():
    from graphsample.cli.reference import render

    doc = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    assert doc.read_text() == render(), "regenerate with: python -m graphsample.cli.reference > docs/cli.md"


def test_convert_refuses_stdout(tmp_path, monkeypatch):
    # '-o -' used to create a folder named '-' and report success
    monkeypatch.chdir(tmp_path)
    assert_usage_error(run("convert", "-", "-o", "-", input="0 1\n"), "'-o' / '--output'",
                       "convert writes binary CSR to a .npz file or a folder, not to stdout ('-o -')")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("backend, device", [("torch", "bogus"), ("torch", "cuda:x"), ("torch", "cuda:99"),
                                             ("numpy", "cuda:0")])
def test_bad_backend_device_gives_one_line(backend, device):
    if backend == "torch":
        pytest.importorskip("torch")
    r = run("info", "-", "--backend", backend, "--device", device, input="0 1\n")
    assert_one_line_error(r, f"--device {device}")
    assert "device='cpu'" not in r.output  # the library's words, not the CLI's


def test_numpy_with_a_gpu_device_is_refused_before_the_input_is_read():
    # it was checked only when the parsed graph moved: a bad line of the input was reported first
    r = run("pagerank", "-", "--weighted", "--backend", "numpy", "--device", "cuda:0", input="a b x\n")
    assert_one_line_error(r, "--backend numpy --device cuda:0: NumPy runs on the host")


def test_bad_device_for_matrix_commands_gives_one_line(tmp_path):
    pytest.importorskip("torch")
    np.save(tmp_path / "X.npy", np.random.default_rng(0).normal(size=(6, 3)))
    for args in (["select", "dpp", str(tmp_path / "X.npy"), "-k", "2"],
                 ["select", "sensitivity", str(tmp_path / "X.npy"), "--size", "3"]):
        assert_one_line_error(run(*args, "--backend", "torch", "--device", "bogus", "-o", "-"), "--device bogus")


def test_select_sensitivity_options_reach_lp_sample(tmp_path):
    """The rows and scales written are lp_sample's for the same --p, --size, --scores, --replace, --leverage and
    --seed: approximate leverage scores draw another sample than exact ones, so a dropped --leverage shows (2,500
    rows: the default sketch, 1,800 rows, is shorter than A; a longer one gives the exact scores)."""
    from graphsample.selection.sensitivity import lp_sample

    A = np.random.default_rng(0).standard_t(2, size=(2500, 4))
    np.save(tmp_path / "A.npy", A)
    r = run("select", "sensitivity", str(tmp_path / "A.npy"), "--p", "1.5", "--size", "30", "--scores",
            "root-leverage", "--replace", "--leverage", "approx", "--seed", "4", "-o", str(tmp_path / "s.npz"), "-q")
    assert r.exit_code == 0, r.output
    got = np.load(tmp_path / "s.npz")
    idx, scale = lp_sample(A, 30, 1.5, "root-leverage", replace=True, leverage="approx", seed=4)
    np.testing.assert_array_equal(got["indices"], idx)
    np.testing.assert_array_equal(got["scale"], scale)
    exact = lp_sample(A, 30, 1.5, "root-leverage", replace=True, leverage="exact", seed=4)
    assert not np.array_equal(exact[1], scale)


def test_directedness_options_apply_to_saved_graphs(tmp_path):
    # --undirected / --directed were silently ignored for a saved .npz (and --directed for a dataset)
    src = tmp_path / "g.txt"
    src.write_text("0 1\n1 2\n")
    assert run("convert", str(src), "-o", str(tmp_path / "d.npz")).exit_code == 0
    assert run("convert", str(src), "--undirected", "-o", str(tmp_path / "u.npz")).exit_code == 0
    s = json.loads(run("info", str(tmp_path / "d.npz"), "--json", "--undirected").output)
    assert (s["directed"], s["arcs"], s["edges"]) == (False, 4, 2)
    s = json.loads(run("info", str(tmp_path / "u.npz"), "--json", "--directed").output)
    assert (s["directed"], s["arcs"], s["reciprocity"]) == (True, 4, 1.0)
    s = json.loads(run("info", str(tmp_path / "u.npz"), "--json").output)
    assert (s["directed"], s["arcs"]) == (False, 4)


@pytest.mark.parametrize("command", [["cluster", "ppp"], ["select", "dpp", "-k", "1"], ["select", "volume", "-k", "1"],
                                     ["select", "sensitivity", "--size", "1"], ["select", "mig", "--budget", "1"],
                                     ["evaluate", "node-classification", "LABELS"]])
def test_npy_argument_that_is_an_npz_archive_gives_one_line(tmp_path, command):
    # np.load returns an NpzFile for a zip archive, whatever its name: AttributeError tracebacks followed
    path = tmp_path / "data.npy"
    np.savez(path.with_suffix(".npz"), a=np.ones((6, 2)))
    path.with_suffix(".npz").rename(path)
    np.save(tmp_path / "y.npy", np.arange(6) % 2)
    args = [a if a != "LABELS" else str(tmp_path / "y.npy") for a in command]
    args = args[:2] + [str(path)] + args[2:]
    assert_one_line_error(run(*args, "-o", "-") if command[0] != "evaluate" else run(*args), "not a NumPy .npy array")


@pytest.mark.parametrize("command", [["select", "sensitivity", "DATA", "--size", "1", "-o", "-"],
                                     ["evaluate", "node-classification", "E.npy", "DATA"]])
def test_npz_argument_that_is_a_npy_array_gives_one_line(tmp_path, monkeypatch, command):
    # scipy's load_npz took the array np.load returned for an archive: a TypeError traceback
    monkeypatch.chdir(tmp_path)
    np.save("E.npy", np.random.default_rng(0).normal(size=(6, 2)))
    Path("data.npz").write_bytes(Path("E.npy").read_bytes())
    assert_one_line_error(run(*("data.npz" if a == "DATA" else a for a in command)),
                          "Error: data.npz: not a scipy.sparse .npz matrix (it is a NumPy .npy array)")


def test_backslash_t_delimiter_is_a_tab():
    # --delimiter '\t' (a backslash and a t, as typed in a shell) was refused: "delimiter must be one
    # character or None, got '\\t'"
    tsv = "New York\tBoston\nBoston\tLos Angeles\n"
    for delimiter in ("\\t", "\t"):
        r = run("pagerank", "-", "--delimiter", delimiter, "-q", input=tsv)
        assert r.exit_code == 0, r.output
        assert sorted(line.split("\t")[0] for line in r.output.splitlines()) == ["Boston", "Los Angeles", "New York"]


def test_a_tab_delimiter_reads_integer_labels_as_without_it():
    # --delimiter '\t' read every integer label as a string: node order '10' < '2' < '9', so other rows and ids
    tsv = "9\t10\n10\t2\n2\t9\n2\t10\n"
    for args in (["pagerank", "-", "-q"], ["info", "-", "--json"], ["walk", "-", "--length", "3", "--seed", "1"]):
        plain = run(*args, input=tsv)
        assert plain.exit_code == 0, plain.output
        for delimiter in ("\\t", "\t"):
            assert run(*args, "--delimiter", delimiter, input=tsv).output == plain.output


def test_a_damaged_saved_graph_is_one_line(tmp_path):
    # a float indptr loaded, and 'info' ended in a Numba typing error, 'walk' in an IndexError
    gs.save(gs.from_edges([0, 1], [1, 2]), tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz") as z:
        arrays = dict(z)
    np.savez(tmp_path / "g.npz", **(arrays | {"indptr": arrays["indptr"].astype(float)}))
    for command in ("info", "walk"):
        assert_one_line_error(run(command, str(tmp_path / "g.npz")), "g.npz: damaged graphsample CSR file (indptr "
                              "must be a 1-D integer array, got float64 of shape (4,))")


def _commands(group, ctx, path=()):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, ctx, (*path, name))
        else:
            yield " ".join((*path, name)), cmd


def test_backend_and_device_options_are_the_same_everywhere():
    # select dpp/volume showed '--backend [numpy|cupy|torch]  [default: numpy]' without a help text,
    # select sensitivity listed [numpy|torch|cupy], and their --device help left out the default
    seen = {}
    for name, cmd in _commands(cli, click.Context(cli)):
        params = {p.name: p for p in cmd.params}
        if "backend" in params:
            b, d = params["backend"], params["device"]
            assert b.help and b.help.startswith("Array backend to run on"), name
            seen[name] = (tuple(b.type.choices), b.default, d.help)
    assert {"info", "walk", "select dpp", "select volume", "select sensitivity"} <= set(seen)
    assert len(set(seen.values())) == 1, seen


@pytest.mark.parametrize("args, option, message", [
    (["walk", "-", "--restart-prob", "1"], "'--restart-prob'", "must be a number in [0, 1), got 1.0"),  # was restart_prob
    (["walk", "-", "--q", "0"], "'--q'", "must be a finite number > 0, got 0.0"),
    (["walk", "-", "--non-backtracking", "--p", "-1"], "'--p'", "must be a finite number > 0"),
    (["sample", "-", "--fraction", "2"], "'-p' / '--fraction'", "must be a number in (0, 1], got 2.0"),  # was 'fraction p'
    (["sample", "-", "-m", "forest-fire", "--fraction", "0"], "'-p' / '--fraction'", "must be a number in (0, 1], got 0.0"),
    (["pagerank", "-", "--max-iter", "0"], "'--max-iter'", "must be a positive integer, got 0"),  # was max_iter
    (["pagerank", "-", "--damping", "1"], "'--damping'", "must be a number in [0, 1), got 1.0"),
    (["embed", "fastrp", "-", "--block-size", "0"], "'--block-size'", "must be a positive integer, got 0"),
    (["embed", "fastrp", "-", "--s", "0.5"], "'--s'", "must be a finite number >= 1"),
    (["evaluate", "link-prediction", "-", "--dim", "0"], "'--dim'", "must be a positive integer, got 0"),
    (["evaluate", "link-prediction", "-", "--test-fraction", "nan"], "'--test-fraction'",
     "must be a number in (0, 1), got nan"),
    (["embed", "line", "-", "--epochs", "0", "-o", "-"], "'--epochs'", "must be a finite number > 0, got 0.0"),  # num_epoch
])
def test_library_errors_name_the_cli_options(args, option, message):
    # the library checks these parameters; a bad value was one line with status 1, where click's own range
    # checks (--walks-per-node 0, ppr --restart 1) give the usage error with status 2: now both do
    ring = "".join(f"{i} {(i + 1) % 12}\n{i} {(i + 5) % 12}\n" for i in range(12))
    assert_usage_error(run(*args, input=ring), option, message)


@pytest.mark.parametrize("args, option, message", [
    (["ppr", "-", "--restart-prob", "nan", "-o", "-"], "'--restart-prob' / '--restart'", "'nan' is not a number"),  # was 'damping must be'
    (["cluster", "ppp", "X.npy", "--p-min", "nan"], "'--p-min'", "'nan' is not a number"),
    (["select", "mig", "pool.jsonl", "--threshold", "nan"], "'--threshold'", "'nan' is not a number"),  # ignored
    (["select", "mig", "pool.jsonl", "--threshold", "2"], "'--threshold'", "2.0 is not in the range -1<=x<=1."),
    (["select", "dpp", "X.npy", "-k", "9"], "'-k'", "9 exceeds the rank of L (2)"),  # was '-k = 9 exceeds'
    (["select", "sensitivity", "X.npy", "--size", "9"], "'--size'", "9 exceeds the number of rows 8"),
])
def test_bad_values_are_usage_errors_in_the_options_terms(tmp_path, monkeypatch, args, option, message):
    monkeypatch.chdir(tmp_path)
    np.save("X.npy", np.random.default_rng(0).normal(size=(8, 2)))
    (tmp_path / "pool.jsonl").write_text("".join(f'{{"labels": [{i % 3}]}}\n' for i in range(8)))
    assert_usage_error(run(*args, input="0 1\n1 2\n"), option, message)


@pytest.mark.parametrize("args, message", [
    (["select", "dpp", "X.npy", "--projection", "-k", "2"], "--projection and -k exclude each other"),
    (["ppr", "-", "--workers", "1", "--scheduler-file", "s.json", "-o", "-"],
     "give --scheduler-file or --workers, not both"),
    # --engine pipeline was ignored on a cluster
    (["ppr", "-", "--workers", "1", "--engine", "pipeline", "-o", "-"],
     "--engine is for one process; on a Dask cluster --mode chooses (B runs supersteps)"),
])
def test_options_that_exclude_each_other_are_usage_errors(tmp_path, monkeypatch, args, message):
    # both were one line with status 1, where select mig's --scores with --score-field was a usage error (2)
    monkeypatch.chdir(tmp_path)
    np.save("X.npy", np.ones((3, 2)))
    r = run(*args, input="0 1\n")
    assert r.exit_code == 2 and r.output.startswith("Usage: ") and f"\nError: {message}\n" in r.output, r.output


def test_in_cli_terms_renames_parameters_only():
    from graphsample.cli._common import in_cli_terms

    cmd = click.Command("x", params=[click.Option(["--block-size"]), click.Option(["--dim"]), click.Option(["-k"]),
                                     click.Option(["--directed/--undirected"]), click.Option(["--non-backtracking"],
                                                                                            is_flag=True)])
    with click.Context(cmd):
        assert in_cli_terms("block_size must be positive") == "--block-size must be positive"
        assert in_cli_terms("k = 9 exceeds the rank") == "-k = 9 exceeds the rank"
        assert in_cli_terms("n must divide block_size, got 3") == "n must divide --block-size, got 3"
        assert in_cli_terms("the dim of X is 0") == "the dim of X is 0"  # a plain word: only where it leads
        for kept in ("dim.txt: no such file", "/data/block_size.npy: not an array", "line 2: 'block_size 3' is bad",
                     "dim_x must be 1"):
            assert in_cli_terms(kept) == kept
        assert in_cli_terms("num_epoch must be > 0", {"num_epoch": "--epochs"}) == "--epochs must be > 0"
        assert in_cli_terms("fraction p must be <= 1", {"fraction p": "--fraction"}) == "--fraction must be <= 1"
        assert in_cli_terms("device 'cuda:7': no GPU", {"device": "--devices"}) == "--devices 'cuda:7': no GPU"
        # a flag's word leading a message is not the flag (jdm: 'directed 2K construction failed ...')
        assert in_cli_terms("directed 2K construction failed") == "directed 2K construction failed"
        assert in_cli_terms("no p, q or non_backtracking") == "no p, q or --non-backtracking"


def test_output_defaults_are_shown_in_help():
    # only `sample` said that -o defaults to '-' (stdout); walk, pagerank, embed fastrp, select ... did not
    shown = []
    for name, cmd in _commands(cli, click.Context(cli)):
        output = {p.name: p for p in cmd.params}.get("output")
        if output is not None and not output.required:
            assert output.default == "-" and output.show_default, name
            assert "[default: -]" in " ".join(run(*name.split(), "--help").output.split()), name
            shown.append(name)
    assert {"sample", "walk", "pagerank", "embed fastrp", "select mig", "cluster ppp"} <= set(shown)


@pytest.mark.parametrize("command", [["ppr"], ["embed", "line"], ["embed", "node2vec"], ["convert"]])
def test_a_missing_required_output_is_a_usage_error(command):
    # click >= 8.3 took the explicit default=None of a required -o for a value: ppr and embed line/deepwalk/node2vec
    # ran (embed trained) and then failed with a TypeError traceback on Path(None)
    r = run(*command, "-", "-q", input="0 1\n1 2\n")
    assert r.exit_code == 2 and "Error: Missing option '-o' / '--output'." in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


@pytest.mark.parametrize("args, target", [
    (["convert", "{g}", "-o", "{out}"], "graph_csr"), (["convert", "{g}", "-o", "{out}"], "g.npz"),
    (["sample", "{g}", "-m", "random-node", "-p", "1", "-o", "{out}"], "s.npz"),
    (["walk", "{g}", "-o", "{out}"], "w.txt"), (["pagerank", "{g}", "-o", "{out}"], "p.tsv"),
    (["ppr", "{g}", "-o", "{out}"], "r.npz"), (["embed", "fastrp", "{g}", "-o", "{out}"], "e.npy"),
    (["embed", "fastrp", "{g}", "-o", "-", "--row-labels", "{out}"], "rows.txt"),
    (["embed", "line", "{g}", "-o", "{x}", "--context", "{out}"], "c.npy"),
    (["select", "dpp", "{x}", "-o", "{out}"], "i.npy"),
    (["select", "volume", "{x}", "-k", "1", "-o", "{out}"], "i.npy"),
    (["select", "sensitivity", "{x}", "--size", "1", "-o", "{out}"], "s.npz"),
    (["select", "mig", "{x}", "-o", "{out}"], "m.jsonl"), (["cluster", "ppp", "{x}", "-o", "{out}"], "l.npy"),
    (["cluster", "ppp", "{x}", "--separable", "{out}"], "s.npy"),
])
def test_no_command_creates_missing_folders(tmp_path, args, target):
    # convert -o FOLDER made the missing folders above FOLDER while every other output in a missing folder failed
    # (after the computation); now each output fails alike, first: one line naming the path
    (tmp_path / "g.txt").write_text("0 1\n1 2\n2 0\n")
    np.save(tmp_path / "x.npy", np.eye(3))
    (tmp_path / "file").write_text("")
    for folder, what in [("missing/sub", "is a folder that does not exist (create it first)"),
                         ("file", "is a file, not a folder")]:
        out = str(tmp_path / folder / target)
        r = run(*(a.format(g=tmp_path / "g.txt", x=tmp_path / "x.npy", out=out) for a in args))
        assert r.exit_code == 1 and (r.exception is None or isinstance(r.exception, SystemExit)), r.output
        assert r.output == f"Error: {out}: {str(tmp_path / folder)!r} {what}\n"
    assert not (tmp_path / "missing").exists()


def test_convert_makes_its_folder_in_one_that_exists(tmp_path):
    assert run("convert", "-", "-q", "-o", str(tmp_path / "graph_csr"), input="0 1\n").exit_code == 0
    assert gs.load(tmp_path / "graph_csr").n_arcs == 1


@pytest.mark.parametrize("args, option", [
    (["convert", "-", "-o", ""], "'-o' / '--output'"), (["walk", "-", "-o", ""], "'-o' / '--output'"),
    (["sample", "-", "-p", "1", "-o", ""], "'-o' / '--output'"),
    (["embed", "fastrp", "-", "--dim", "2", "--row-labels", ""], "'--row-labels'"),
    (["cluster", "ppp", "X.npy", "--separable", ""], "'--separable'"),
    (["info", ""], "'INPUT'"), (["cluster", "ppp", ""], "'DATA'"), (["select", "mig", ""], "'POOL'"),
    (["evaluate", "node-classification", "", "X.npy"], "'EMB'"),
])
def test_an_empty_path_is_a_usage_error(tmp_path, monkeypatch, args, option):
    # convert -o '' wrote indptr.npy, indices.npy and graph.json into the current folder and reported success, and
    # info '' read them back; cluster --separable '' was silently skipped; cluster ppp '' said ': is a directory'
    monkeypatch.chdir(tmp_path)
    np.save("X.npy", np.random.default_rng(0).normal(size=(8, 2)))
    r = run(*args, input="0 1\n1 2\n")
    assert r.exit_code == 2, r.output
    assert f"Error: Invalid value for {option}: an empty path; give a file name" in r.output, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npy"]


def test_jdm_with_undirected_is_a_usage_error():
    # the options contradict each other (status 2); an undirected input without --undirected stays status 1
    r = run("sample", "-", "-p", "0.5", "--undirected", input="0 1\n1 2\n")
    assert r.exit_code == 2 and "\nError: --method jdm samples directed graphs" in r.output, r.output


@pytest.mark.parametrize("args", [["walk", "-"], ["sample", "-", "-p", "1"], ["convert", "-"], ["pagerank", "-", "-q"]])
def test_an_output_below_a_file_gives_one_line(tmp_path, args):
    # NotADirectoryError (a file used as a folder) escaped as a traceback: only FileNotFoundError, IsADirectoryError
    # and PermissionError were caught
    (tmp_path / "f").write_text("")
    target = tmp_path / "f" / "out.npz"
    # (the -o callback now says so before the command runs, in its own words rather than the OS's "Not a directory")
    r = run(*args, "-o", str(target), input="0 1\n1 2\n")
    assert r.exit_code == 1 and r.output == f"Error: {target}: {str(tmp_path / 'f')!r} is a file, not a folder\n"
    assert r.exception is None or isinstance(r.exception, SystemExit)


@pytest.mark.parametrize("args, option, message", [
    (["embed", "fastrp", "-", "--weights", "1,x"], "'--weights'", "expected comma-separated numbers, got '1,x'"),
    (["embed", "fastrp", "-", "--weights", ","], "'--weights'", "must be a non-empty sequence of finite numbers"),
    (["evaluate", "node-classification", "E.npy", "y.npy", "--ratios", "0.5,x"], "'--ratios'",
     "expected comma-separated numbers, got '0.5,x'"),  # both were 'Invalid value: ...', naming no option
    (["evaluate", "node-classification", "E.npy", "y.npy", "--ratios", "1.5"], "'--ratios'",
     "must be numbers strictly between 0 and 1, got [1.5]"),  # was 'training ratios must be ...', status 1
    (["evaluate", "node-classification", "E.npy", "y.npy", "--jobs", "0"], "'--jobs'",
     "must not be 0: give a number of jobs, or -1 for every CPU"),  # was scikit-learn's 'n_jobs == 0 in Parallel'
    (["embed", "line", "-", "--partitions", "x", "-o", "-"], "'--partitions'", "must be an integer or 'auto', got 'x'"),
    (["embed", "deepwalk", "-", "--augmentation-step", "1.5", "-o", "-"], "'--augmentation-step'",
     "must be an integer or 'auto', got '1.5'"),
    (["embed", "line", "-", "--devices", "gpu", "-o", "-"], "'--devices'", "'gpu'; expected 'cpu', 'cuda' or 'cuda:N'"),
    (["embed", "line", "-", "--devices", "cuda:0,gpu", "-o", "-"], "'--devices'", "a list must name GPUs as cuda:N"),
])
def test_option_values_the_commands_parse_are_usage_errors(tmp_path, monkeypatch, args, option, message):
    monkeypatch.chdir(tmp_path)
    np.save("E.npy", np.random.default_rng(0).normal(size=(8, 2)))
    np.save("y.npy", np.arange(8) % 2)
    assert_usage_error(run(*args, input="0 1\n1 2\n2 0\n"), option, message)


def test_only_parameter_checks_become_usage_errors():
    # a missing backend or GPU, a bad file or dataset keep their one line and status 1, even where the message
    # leads with a parameter's name (the GraphVite trainer's "device 'cuda': no CUDA GPU is usable here")
    from graphsample.cli._common import _cli_error
    from graphsample.errors import BackendUnavailableError, InputFormatError

    cmd = click.Command("x", params=[click.Option(["--devices"]), click.Option(["--dim"])])
    with click.Context(cmd):
        assert isinstance(_cli_error(ValueError("dim must be > 0, got 0"), None), click.BadParameter)
        assert isinstance(_cli_error(ValueError("device 'gpu' is bad"), {"device": "--devices"}), click.BadParameter)
        for exc in (BackendUnavailableError("device 'cuda': no CUDA GPU is usable here"),
                    InputFormatError("dim: no such file"), ValueError("--dim 3 needs a GPU")):
            error = _cli_error(exc, {"device": "--devices"})
            assert type(error) is click.ClickException and error.exit_code == 1, exc


_MATRIX_COMMANDS = [["select", "dpp", "DATA", "-k", "1"], ["select", "volume", "DATA", "-k", "1"],
                    ["select", "sensitivity", "DATA", "--size", "2"], ["cluster", "ppp", "DATA"],
                    ["evaluate", "node-classification", "DATA", "y.npy"]]


@pytest.mark.parametrize("command, name", [*((c, n) for c in _MATRIX_COMMANDS for n in ("X.npy", "X.txt")),
                                           (["select", "mig", "DATA", "--budget", "1"], "X.npy"),  # JSONL otherwise
                                           (["select", "sensitivity", "DATA", "--size", "2"], "X.npz")])  # sparse
def test_nan_in_a_matrix_names_the_file_and_row(tmp_path, monkeypatch, command, name):
    # was the library's 'features contains NaN or infinite values' (select dpp), 'A contains ...' (sensitivity),
    # 'X contains ...' (volume, ppp): parameter names, and no file
    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).normal(size=(6, 2))
    X[2, 1] = np.inf if name == "X.txt" else np.nan
    if name == "X.npy":
        np.save(name, X)
    elif name == "X.txt":
        np.savetxt(name, X)
    else:
        import scipy.sparse as sp

        sp.save_npz(name, sp.csr_array(X))
    np.save("y.npy", np.arange(6) % 2)
    args = [name if a == "DATA" else a for a in command]
    where = "the matrix holds" if name == "X.npz" else "row 3 of the matrix holds"
    assert_one_line_error(run(*args, "-o", "-") if command[0] != "evaluate" else run(*args),
                          f"Error: {name}: {where} NaN or infinite values")


@pytest.mark.parametrize("command", [*_MATRIX_COMMANDS, ["select", "mig", "DATA", "--budget", "1"]])
def test_a_matrix_too_large_for_sums_of_squares_names_the_file(tmp_path, monkeypatch, command):
    # finite values of 1e200 overflowed in X^T X and norms: select dpp wrote an empty sample with exit status 0,
    # volume said 'X is zero', sensitivity 'Eigenvalues did not converge', ppp found one cluster
    monkeypatch.chdir(tmp_path)
    np.save("X.npy", np.random.default_rng(0).normal(size=(6, 2)) * 1e200)
    np.save("y.npy", np.arange(6) % 2)
    args = ["X.npy" if a == "DATA" else a for a in command]
    r = run(*args, "-o", "-") if command[0] != "evaluate" else run(*args)
    assert_one_line_error(r, "Error: X.npy: the matrix has entries up to ")
    assert "whose sums of squares overflow float64 (a 6 x 2 matrix needs entries below 3.87e+153); rescale it" \
        in r.output


def test_a_sparse_matrix_that_is_empty_or_too_large_names_the_file(tmp_path, monkeypatch):
    # the library said 'A has entries up to ...' (a name the user never typed) and, for no rows, '--size 1 exceeds
    # the number of rows 0'
    import scipy.sparse as sp

    monkeypatch.chdir(tmp_path)
    sp.save_npz("big.npz", sp.csr_array(np.eye(5, 3) * 1e200))
    sp.save_npz("empty.npz", sp.csr_array((0, 3)))
    assert_one_line_error(run("select", "sensitivity", "big.npz", "--size", "1"),
                          "Error: big.npz: the matrix has entries up to 1e+200 in magnitude, whose sums of squares "
                          "overflow float64 (a 5 x 3 matrix needs entries below 3.46e+153); rescale it")
    assert_one_line_error(run("select", "sensitivity", "empty.npz", "--size", "1"),
                          "Error: empty.npz: the matrix is empty (shape (0, 3))")


@pytest.mark.parametrize("name, text, message", [
    # NumPy counted rows from 0 ('at row 0, column 1' for a CSV header) and suggested its own 'usecols'
    ("X.csv", "a,b\n1,2\n", "row 1 ('a,b'): 'a' is not a number"),
    ("X.txt", "# comment\n1 2\n\n3\n", "row 2 ('3') has 1 column, the first row 2"),
    ("X.txt", "1 2\n3 x\n", "row 2 ('3 x'): 'x' is not a number"),
    ("-", "1 2\n3 4 5\n", "row 2 ('3 4 5') has 3 columns, the first row 2"),
])
def test_a_text_table_that_is_not_a_matrix_names_its_first_bad_row(tmp_path, monkeypatch, name, text, message):
    monkeypatch.chdir(tmp_path)
    if name != "-":
        Path(name).write_text(text)
    for command in _MATRIX_COMMANDS[:4]:
        args = [name if a == "DATA" else a for a in command]
        assert_one_line_error(run(*args, input=text), f"Error: {name}: cannot read a matrix: {message}")


def test_select_mig_pool_errors_name_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pool.jsonl").write_bytes(b'{"labels": [1]}\n{"labels": ["caf\xe9"]}\n')  # Latin-1, not UTF-8
    assert_one_line_error(run("select", "mig", "pool.jsonl", "--budget", "1"), "Error: pool.jsonl:2: not UTF-8 text")
    np.save("words.npy", np.array([["a", "b"], ["c", "d"]]))  # was "could not convert string to float: 'a'"
    assert_one_line_error(run("select", "mig", "words.npy", "--budget", "1"),
                          "Error: words.npy: expected a numeric matrix, got dtype <U1")


def test_evaluate_labels_that_are_not_a_sparse_matrix_name_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("E.npy", np.ones((4, 2)))
    np.savez("y.npz", a=np.ones(3))  # was scipy's message alone, naming no file
    assert_one_line_error(run("evaluate", "node-classification", "E.npy", "y.npz"),
                          "Error: y.npz: not a scipy.sparse .npz matrix")


def test_convert_over_a_saved_folder_drops_its_stale_arrays(tmp_path):
    # saving an unweighted graph over a weighted one left weights.npy (and node_ids.npy) behind, and load() read
    # them back: the new graph came back weighted, with the old graph's weights
    weighted, plain, folder = tmp_path / "w.txt", tmp_path / "p.txt", str(tmp_path / "g")
    weighted.write_text("a b 0.5\nb c 2\nc a 1\n")
    plain.write_text("0 1\n1 2\n2 0\n")
    assert run("convert", str(weighted), "-o", folder, "-q").exit_code == 0
    assert run("convert", str(plain), "-o", folder, "-q").exit_code == 0
    G = gs.load(folder)
    assert G.weights is None and G.node_ids is None and G.n_arcs == 3


def test_convert_refuses_a_folder_of_other_files(tmp_path):
    # convert -o FOLDER wrote indptr.npy, indices.npy, graph.json among whatever FOLDER held (e.g. -o .)
    (tmp_path / "notes.txt").write_text("mine")
    assert_one_line_error(run("convert", "-", "-o", str(tmp_path), input="0 1\n"), "a folder that holds other files")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert run("convert", "-", "-o", str(tmp_path / "empty"), "-q", input="0 1\n").exit_code == 0


def test_convert_refuses_an_existing_file_as_its_folder(tmp_path):
    # -o NAME without .npz names a folder; an existing file of that name ended in mkdir's bare 'NAME: File exists',
    # after the input was read
    (tmp_path / "g").write_text("mine")
    assert_one_line_error(run("convert", "-", "-o", str(tmp_path / "g"), input="0 1\n"),
                          f"Error: {tmp_path / 'g'}: an existing file, not a folder; convert writes NAME.npz")
    assert (tmp_path / "g").read_text() == "mine"


@pytest.mark.parametrize("args, option, message", [
    (["walk", "-", "--length", str(10**20)], "'--length'", f"{10**20} does not fit in 64 bits"),  # OverflowError
    (["sample", "-", "-p", "1", "--n-swaps", str(2**64)], "'--n-swaps'", f"{2**64} does not fit in 64 bits"),  # Numba
    (["cluster", "ppp", "X.npy", "--seed", str(2**64)], "'--seed'",
     f"{2**64} is not in the range 0<=x<=18446744073709551615"),
    (["embed", "line", "-", "--epochs", "1e30", "-o", "-"], "'--epochs'", "1e+30 times 3 edges is too many samples"),
    (["ppr", "-", "--walks-per-node", str(2**62), "-o", "-"], "'--walks-per-node'",
     f"{2**62} walks per source times 3 sources does not fit in 64-bit walk ids"),  # SystemError from the kernel
])
def test_numbers_too_large_for_the_kernels_are_usage_errors(tmp_path, monkeypatch, args, option, message):
    monkeypatch.chdir(tmp_path)
    np.save("X.npy", np.random.default_rng(0).normal(size=(8, 2)))
    assert_usage_error(run(*args, input="0 1\n1 2\n2 0\n"), option, message)
    # the seed option keeps its own bound: 64 unsigned bits
    assert "0<=x<=18446744073709551615" in run("walk", "-", "--seed", str(2**64), input="0 1\n").output


def test_an_overflow_in_a_computation_is_one_line(monkeypatch):
    # the last resort for a count that fits in 64 bits but whose products do not (Python's OverflowError)
    import graphsample.cli.info as info

    def overflow(G):
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(info, "graph_summary", overflow)
    assert_one_line_error(run("info", "-", input="0 1\n"), "Error: a number is too large for this computation")


@pytest.mark.parametrize("args", [["pagerank", "-", "--method", "power"], ["embed", "fastrp", "-", "--dim", "4"]])
def test_backend_torch_prints_no_torch_internal_warnings(args):
    # every sparse CSR tensor made torch warn 'Sparse CSR tensor support is in beta state' and 'Sparse invariant
    # checks are implicitly disabled. Memory errors (e.g. SEGFAULT) will occur ...': two long lines on stderr at
    # each --backend torch run, about torch's internals, nothing the user can act on
    pytest.importorskip("torch")
    r = run(*args, "--backend", "torch", "-q", input="a b\nb c\nc a\nc d\nd a\n")
    assert r.exit_code == 0 and "Warning" not in r.output, r.output


def test_every_option_says_what_it_does():
    # evaluate link-prediction --scoring had no help text: '--scoring [hadamard|dot]  [default: hadamard]'
    from graphsample.cli.reference import _walk

    root = click.Context(cli, info_name="graphsample")
    silent = [f"{' '.join(path)} {opt.opts[-1]}" for path, cmd, _ in _walk(cli, [], root)
              for opt in cmd.params if isinstance(opt, click.Option) and not opt.help]
    assert silent == []


@pytest.mark.parametrize("args", [
    ["walk", "-", "-o", "out"],
    ["ppr", "-", "--walks-per-node", "2", "-o", "out"],
    ["pagerank", "-", "-o", "out"],
    ["embed", "fastrp", "-", "--dim", "2", "--row-labels", "out"],
    ["cluster", "ppp", "X.npy", "--separable", "out"],
    ["select", "dpp", "X.npy", "-k", "1", "-o", "out/"],
])
def test_a_folder_given_for_an_output_file_is_refused_before_any_work(tmp_path, monkeypatch, args):
    # ppr ran every walk, printed its summary, and only then failed: 'Error: out: Is a directory'
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    np.save("X.npy", np.random.default_rng(0).normal(size=(8, 2)))
    r = run(*args, input="0 1\n1 2\n2 0\n")
    assert_one_line_error(r, f"Error: {args[-1]}: is a folder; give the name of a file to write")
    assert r.exit_code == 1 and list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("args, option, other", [
    (["embed", "fastrp", "-", "--dim", "2", "--row-labels", "e.npy", "-o", "e.npy"], "'-o' / '--output'",
     "--row-labels"),
    (["embed", "fastrp", "-", "--dim", "2", "-o", "e.npy", "--row-labels", "./e.npy"], "'--row-labels'", "--output"),
    (["embed", "fastrp", "-", "--dim", "2", "--row-labels", "-"], "'-o' / '--output'", "--row-labels"),
    (["embed", "line", "-", "--dim", "2", "--context", "e.txt", "-o", "e.txt"], "'-o' / '--output'", "--context"),
    (["cluster", "ppp", "X.npy", "--separable", "s.npy", "-o", "s.npy"], "'-o' / '--output'", "--separable"),
])
def test_two_outputs_with_one_path_are_a_usage_error(tmp_path, monkeypatch, args, option, other):
    # the output written last silently replaced the other: 'embed fastrp --row-labels e.npy -o e.npy' left the labels
    # in e.npy and said it wrote the embedding there; '--row-labels -' mixed the labels into the embedding on stdout
    monkeypatch.chdir(tmp_path)
    np.save("X.npy", np.random.default_rng(0).normal(size=(8, 2)))
    r = run(*args, input="0 1\n1 2\n2 0\n")
    where = "stdout" if args[-1] == "-" else repr(args[-1])
    assert_usage_error(r, option, f"{where} is also the output of {other}; give each output its own file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npy"]


@pytest.mark.parametrize("args, written", [
    (["walk", "-", "-o", "w.npz"], ".npy or text"), (["pagerank", "-", "-o", "p.npy"], "text"),
    (["ppr", "-", "-o", "r.npy"], ".npz or text"), (["sample", "-", "-p", "1", "-o", "s.npy"], ".npz or text"),
    (["embed", "fastrp", "-", "--dim", "2", "-o", "e.npz"], ".npy or text"),
    (["embed", "fastrp", "-", "--dim", "2", "--row-labels", "r.npz"], ".npy or text"),
    (["select", "dpp", "X.npy", "-o", "d.npz"], ".npy or text"),
    (["cluster", "ppp", "X.npy", "-o", "c.npz"], ".npy or text"),
    (["select", "mig", "X.npy", "-o", "m.npz"], ".npy or text"),
])
def test_a_binary_name_in_another_format_is_a_usage_error(tmp_path, monkeypatch, args, written):
    # each output got the name's suffix and another format: walk wrote .npy bytes to w.npz, ppr an .npz archive to
    # r.npy, pagerank and sample text to p.npy and s.npy
    monkeypatch.chdir(tmp_path)
    np.save("X.npy", np.random.default_rng(0).normal(size=(8, 2)))
    r = run(*args, input="0 1\n1 2\n2 0\n")
    option = "'--row-labels'" if "--row-labels" in args else "'-o' / '--output'"
    name = args[-1]
    first = {".npy or text": ".npy", ".npz or text": ".npz", "text": ".tsv"}[written]
    assert_usage_error(r, option, f"{name}: this output is written as {written}, not {name[-4:]}; name it NAME{first}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npy"]


def test_a_csv_header_is_warned_about_in_one_line():
    r = run("info", "-", "--delimiter", ",", "--json", input="source,target\n1,2\n2,3\n")
    assert r.exit_code == 0, r.output
    warning = [line for line in r.output.splitlines() if line.startswith("Warning:")]
    assert warning == ["Warning: <stdin>, line 1: 'source,target' looks like a header (its labels are the only ones "
                       "that are not integers), so it was read as an arc and every label as a string; skip it with "
                       "skip_rows=1 (CLI: --skip-rows 1)"]
    s = json.loads(run("info", "-", "--delimiter", ",", "--json", "--skip-rows", "1",
                       input="source,target\n1,2\n2,3\n").output)
    assert (s["nodes"], s["arcs"]) == (3, 2)


# -- compressed text files: -o NAME.tsv.gz (.bz2, .xz) writes the text of -o -, compressed; text inputs decompress --

_EDGES = "a b\nb c\nc a\nc d\nd a\nd e\ne b\n"
_UNPACK = {".gz": gzip.decompress, ".bz2": bz2.decompress, ".xz": lzma.decompress}


def _files_for_compression(folder: Path) -> None:
    """The inputs of the commands below: an edge list, a matrix, a JSONL pool."""
    (folder / "g.txt").write_text(_EDGES)
    np.savetxt(folder / "X.txt", np.random.default_rng(0).normal(size=(8, 3)))
    (folder / "pool.jsonl").write_text("".join(json.dumps({"labels": [i % 3, (i + 1) % 4], "id": f"s{i}"}) + "\n"
                                               for i in range(10)))


@pytest.mark.parametrize("args, name", [
    (["pagerank", "g.txt", "-q"], "pr.tsv.gz"),
    (["pagerank", "g.txt", "-q"], "pr.csv.bz2"),
    (["ppr", "g.txt", "-q", "--seed", "1", "--walks-per-node", "20"], "ppr.tsv.xz"),
    (["walk", "g.txt", "-q", "--seed", "1", "--length", "4", "--walks-per-node", "2"], "walks.txt.gz"),
    (["walk", "g.txt", "-q", "--seed", "1", "--return", "counts"], "counts.csv.gz"),
    (["embed", "fastrp", "g.txt", "-q", "--dim", "4", "--seed", "1"], "emb.txt.gz"),
    (["embed", "fastrp", "g.txt", "-q", "--dim", "4", "--seed", "1"], "emb.csv.xz"),
    (["select", "dpp", "X.txt", "-k", "2", "--seed", "1"], "idx.tsv.gz"),
    (["select", "volume", "X.txt", "-k", "2", "--seed", "1"], "idx.csv.bz2"),
    (["select", "sensitivity", "X.txt", "--size", "4", "--seed", "1", "-q"], "rows.tsv.gz"),
    (["select", "mig", "pool.jsonl", "--budget", "3", "--id-field", "id", "-q"], "picks.jsonl.gz"),
    (["select", "mig", "pool.jsonl", "--budget", "3", "-q"], "picks.jsonl.xz"),
    (["cluster", "ppp", "X.txt", "--k-max", "2", "--seed", "1", "-q"], "labels.tsv.gz"),
])
def test_a_text_output_with_a_compression_suffix_is_the_text_of_stdout_compressed(tmp_path, monkeypatch, args, name):
    # pagerank, select mig and select sensitivity wrote plain text under NAME.tsv.gz; walk, ppr, embed, select dpp and
    # cluster wrote .npy/.npz there (the format was chosen by the last suffix only)
    monkeypatch.chdir(tmp_path)
    _files_for_compression(tmp_path)
    suffix = Path(name).suffix
    ext = Path(name).with_suffix("").suffix
    plain = run(*args, "-o", "-")
    assert plain.exit_code == 0 and plain.stdout, plain.output
    if ext == ".csv":  # stdout is tab-separated: the .csv output is compared with a plain .csv file
        assert run(*args, "-o", "plain.csv").exit_code == 0
        expected = Path("plain.csv").read_text()
    else:
        expected = plain.stdout
    r = run(*args, "-o", name)
    assert r.exit_code == 0, r.output
    assert _UNPACK[suffix](Path(name).read_bytes()).decode() == expected


def test_gzip_outputs_are_the_same_bytes_on_every_run(tmp_path, monkeypatch):
    # gzip stores a time stamp and the file name in its header unless told not to: two runs differed
    monkeypatch.chdir(tmp_path)
    _files_for_compression(tmp_path)
    for out in ("a.tsv.gz", "b.tsv.gz"):
        assert run("walk", "g.txt", "-q", "--seed", "3", "-o", out).exit_code == 0
        monkeypatch.setattr("time.time", lambda: 1e9)  # a later run, as gzip sees the clock
    data = Path("a.tsv.gz").read_bytes()
    assert data == Path("b.tsv.gz").read_bytes() and data[4:8] == b"\0\0\0\0"  # MTIME 0
    assert data[3] & 0x08 == 0  # no FNAME field


@pytest.mark.parametrize("args", [["walk", "g.txt", "--seed", "1"], ["select", "dpp", "X.txt", "-k", "1"],
                                  ["ppr", "g.txt"], ["embed", "fastrp", "g.txt", "--dim", "4"]])
@pytest.mark.parametrize("name", ["out.npy.gz", "out.npz.xz"])
def test_a_binary_output_is_never_compressed(tmp_path, monkeypatch, args, name):
    monkeypatch.chdir(tmp_path)
    _files_for_compression(tmp_path)
    assert_usage_error(run(*args, "-o", name), "'-o' / '--output'",
                       f"{name}: {Path(name).with_suffix('').suffix} is binary and is written uncompressed")
    assert not Path(name).exists()


def test_a_compressed_name_whose_format_is_binary_is_one_line(tmp_path, monkeypatch):
    # walk writes .npy for a name without a text suffix: 'walks.gz' is binary, which is not compressed
    monkeypatch.chdir(tmp_path)
    _files_for_compression(tmp_path)
    assert_one_line_error(run("walk", "g.txt", "-q", "-o", "walks.gz"),
                          "Error: walks.gz: this output is binary (.npy/.npz) and is written uncompressed")
    assert not Path("walks.gz").exists()


def _compressed_copy(path: str, suffix: str) -> str:
    pack = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix]
    Path(path + suffix).write_bytes(pack(Path(path).read_bytes()))
    return path + suffix


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_text_inputs_read_as_the_plain_ones(tmp_path, monkeypatch, suffix):
    # matrices, embeddings, evaluate's labels and MIG's pools failed with 'not a text file' / 'not UTF-8 text'
    monkeypatch.chdir(tmp_path)
    _files_for_compression(tmp_path)
    np.savetxt("X.csv", np.loadtxt("X.txt"), delimiter=",")  # .csv.gz is comma-separated
    assert run("embed", "fastrp", "g.txt", "-q", "--dim", "4", "--seed", "1", "-o", "emb.txt").exit_code == 0
    assert run("embed", "fastrp", "g.txt", "-q", "--dim", "4", "--seed", "1", "-o", "emb.csv").exit_code == 0
    Path("y.txt").write_text("".join(f"{i} {i % 2}\n" for i in range(5)))
    commands = [["select", "sensitivity", "X.txt", "--size", "4", "--seed", "1", "-q"],  # load_matrix
                ["select", "dpp", "X.csv", "-k", "2", "--seed", "1"],
                ["select", "mig", "pool.jsonl", "--budget", "3", "--id-field", "id", "-q"],  # MIG's pool
                ["evaluate", "node-classification", "emb.txt", "y.txt", "--ratios", "0.6", "--repeats", "1",
                 "--seed", "1"],  # load_embedding (word2vec) and the labels
                ["evaluate", "node-classification", "emb.csv", "y.txt", "--ratios", "0.6", "--repeats", "1",
                 "--seed", "1", "--json"]]  # load_embedding (a 'node' table)
    for command in commands:
        plain = run(*command)
        assert plain.exit_code == 0, plain.output
        packed = run(*(_compressed_copy(a, suffix) if Path(a).is_file() else a for a in command))
        assert packed.exit_code == 0, packed.output
        assert packed.stdout == plain.stdout, command


@pytest.mark.parametrize("command", [["select", "sensitivity", "DATA", "--size", "2"],
                                     ["select", "mig", "DATA", "--budget", "1"],
                                     ["evaluate", "node-classification", "DATA", "y.txt"],
                                     ["evaluate", "node-classification", "emb.txt", "DATA"]])
def test_a_compressed_input_that_does_not_decompress_is_one_line(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    _files_for_compression(tmp_path)
    Path("bad.txt.gz").write_bytes(b"not gzip")
    Path("y.txt").write_text("0 1\n")
    assert run("embed", "fastrp", "g.txt", "-q", "--dim", "4", "-o", "emb.txt").exit_code == 0
    assert_one_line_error(run(*("bad.txt.gz" if a == "DATA" else a for a in command)),
                          "Error: bad.txt.gz: cannot decompress")


def test_a_binary_text_input_is_one_line(tmp_path, monkeypatch):
    # load_embedding said 'not a text file', load_matrix 'cannot read a matrix ('utf-8' codec can't decode ...)'
    monkeypatch.chdir(tmp_path)
    Path("X.txt.gz").write_bytes(gzip.compress(b"1 2\n\xff\xfe\n"))
    for command in (["select", "sensitivity", "X.txt.gz", "--size", "1"],
                    ["evaluate", "node-classification", "X.txt.gz", "dataset:cora"]):
        assert_one_line_error(run(*command),
                              "Error: X.txt.gz: not a text file (not UTF-8: invalid start byte at byte 4)")
