"""``graphsample sample``: output, report, errors as one line."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

import graphsample as gs
from graphsample.cli import cli


def edge_file(tmp_path):
    rng = np.random.default_rng(0)
    src = rng.integers(0, 80, 600)
    dst = (80 * rng.random(600) ** 1.5).astype(int)
    keep = src != dst
    path = tmp_path / "g.txt"
    path.write_text("".join(f"{a}\t{b}\n" for a, b in zip(src[keep], dst[keep])))
    return path


def test_jdm_with_report(tmp_path):
    out = tmp_path / "s.txt"
    r = CliRunner().invoke(cli, ["sample", str(edge_file(tmp_path)), "--method", "jdm", "--fraction", "0.6",
                                 "--seed", "1", "--report", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "S1" in r.output and "JDM L1" in r.output and "repairs=" in r.output
    arcs = np.loadtxt(out, dtype=int, ndmin=2)
    assert len(arcs) > 0 and len({tuple(a) for a in arcs}) == len(arcs)


def test_jdm_steps_on_stderr_unless_quiet(tmp_path):
    """Each step of the jdm sampler is announced on stderr as it starts (on a large graph a step takes seconds, and a
    first run longer while Numba compiles); stdout holds the sample alone; -q silences the steps."""
    args = ["sample", str(edge_file(tmp_path)), "-p", "0.6", "--seed", "1", "--n-swaps", "10", "--report", "-o", "-"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    steps = [line.split()[1] for line in r.stderr.splitlines() if line.startswith("jdm: ")]
    assert steps[:5] == ["counting", "rounding", "building", "randomising", "measuring"] and steps[-1] == "measuring"
    assert np.loadtxt(r.stdout.splitlines(), dtype=int, ndmin=2).shape[1] == 2
    quiet = CliRunner().invoke(cli, [*args, "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == r.stdout and "jdm:" not in quiet.stderr


def test_classic_to_stdout_is_deterministic(tmp_path):
    args = ["sample", str(edge_file(tmp_path)), "--method", "forest-fire", "--fraction", "0.5", "--seed", "3", "-q"]
    a = CliRunner().invoke(cli, args)
    b = CliRunner().invoke(cli, args)
    assert a.exit_code == 0 and a.output == b.output and a.output.strip()


def test_npz_output(tmp_path):
    import graphsample as gs

    out = tmp_path / "s.npz"
    r = CliRunner().invoke(cli, ["sample", str(edge_file(tmp_path)), "-m", "random-node", "-p", "0.5", "--seed", "0",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert gs.load(out).n_nodes == 40


def test_errors_are_one_line(tmp_path):
    f = str(edge_file(tmp_path))
    for args, msg in [(["--fraction", "0"], "fraction"), (["--fraction", "2"], "fraction"),
                      (["--method", "nope", "--fraction", "0.5"], "Invalid value"),
                      (["--fraction", "0.02"], "too small for the hubs")]:
        r = CliRunner().invoke(cli, ["sample", f, *args])
        assert r.exit_code != 0
        assert msg in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["sample", str(tmp_path / "missing.txt"), "--fraction", "0.5"])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_edge_samplers_keep_the_weights(tmp_path):
    # random-edge, random-node-edge and hybrid wrote the arcs of a weighted graph without their weights;
    # an undirected edge drawn as both of its arcs must keep its weight, not twice it
    path = tmp_path / "w.txt"
    path.write_text("a b 0.5\nb c 2.0\nc a 3.0\n")
    weights = {("a", "b"): 0.5, ("b", "c"): 2.0, ("c", "a"): 3.0}
    for direction in ("--directed", "--undirected"):
        for method in ("random-edge", "random-node-edge", "hybrid"):
            r = CliRunner().invoke(cli, ["sample", str(path), "-m", method, "-p", "1", "--seed", "1", "-q", direction])
            assert r.exit_code == 0, r.output
            rows = [line.split("\t") for line in r.output.splitlines()]
            assert rows and all(len(row) == 3 for row in rows), (method, direction, r.output)
            for u, v, w in rows:
                assert float(w) == weights.get((u, v), weights.get((v, u))), (method, direction, r.output)


def test_jdm_errors_name_the_cli_options(tmp_path):
    # the library's messages told CLI users to "pass on_infeasible='clip' or 'multigraph'" and to "use
    # G.to_undirected() only for the classic samplers"
    f = str(edge_file(tmp_path))
    r = CliRunner().invoke(cli, ["sample", f, "--fraction", "0.02", "--seed", "1"])
    # a value of --fraction that does not fit this graph: click's usage error naming the option, as -k beyond the
    # rank or --budget beyond the pool (it was one line with status 1, as a bad file)
    # (after the lines of the steps run so far: counting, rounding)
    lines = [line for line in r.output.strip().splitlines() if not line.startswith("jdm: ")]
    assert r.exit_code == 2 and lines[0].startswith("Usage: ") and "Traceback" not in r.output, r.output
    assert r.output.startswith("jdm: counting") and len(lines) < len(r.output.strip().splitlines()) - 1
    assert lines[-1] == ("Error: Invalid value for '-p' / '--fraction': 0.02 is too small for the hubs of this graph "
                         "(out-degree 7: 6 arc ends unplaced and 2 more degree classes); the smallest feasible "
                         "--fraction for this seed is 0.3375, or use --on-infeasible clip or multigraph")
    assert sum(line.startswith("Error: ") for line in lines) == 1 and "on_infeasible=" not in r.output
    r = CliRunner().invoke(cli, ["sample", f, "--fraction", "0.5", "--undirected"])
    assert r.exit_code == 2  # two options that contradict each other: click's usage error
    assert r.output.strip().splitlines()[-1] == \
        "Error: --method jdm samples directed graphs; --undirected works with the classic samplers"


def test_every_rounding_is_offered_and_each_gives_its_own_sample(tmp_path):
    from graphsample.cli.sample import sample
    from graphsample.sampling import jdm

    options = next(p for p in sample.params if p.name == "rounding")
    assert tuple(options.type.choices) == jdm.ROUNDINGS
    f = str(edge_file(tmp_path))
    outputs = {}
    for rounding in jdm.ROUNDINGS:
        r = CliRunner().invoke(cli, ["sample", f, "-p", "0.6", "--seed", "1", "--rounding", rounding, "-q", "--report"])
        assert r.exit_code == 0, r.output
        assert f"rounding={rounding}" in r.output
        outputs[rounding] = r.output
    assert len(set(outputs.values())) == len(jdm.ROUNDINGS)


def test_gz_output_is_compressed_and_reads_back(tmp_path):
    """-o sample.tsv.gz wrote plain text under the .gz name; 'graphsample info sample.tsv.gz' then failed with
    'cannot decompress'."""
    import gzip

    out = tmp_path / "s.tsv.gz"
    r = CliRunner().invoke(cli, ["sample", str(edge_file(tmp_path)), "-m", "random-node", "-p", "0.5", "--seed", "1",
                                 "-q", "-o", str(out)])
    assert r.exit_code == 0, r.output
    plain = CliRunner().invoke(cli, ["sample", str(edge_file(tmp_path)), "-m", "random-node", "-p", "0.5",
                                     "--seed", "1", "-q"])
    assert gzip.decompress(out.read_bytes()).decode() == plain.output
    info = CliRunner().invoke(cli, ["info", str(out), "--json"])
    assert info.exit_code == 0, info.output


def test_nodes_without_arcs_are_named_when_the_edge_list_cannot_hold_them(tmp_path):
    """A random-node sample of a triangle beside an arc keeps some nodes without arcs: the summary says how many the
    text edge list leaves out; an .npz sample keeps them and needs no such note."""
    f = tmp_path / "g.txt"
    f.write_text("1 2\n2 3\n3 1\n4 5\n")
    r = CliRunner().invoke(cli, ["sample", str(f), "--method", "random-node", "-p", "0.6", "--seed", "3",
                                 "-o", str(tmp_path / "s.txt")])
    assert r.exit_code == 0, r.output
    assert "random-node: 3 nodes, 1 arcs (from 5 nodes, 4 arcs); 1 of its nodes have no arc" in r.output
    r = CliRunner().invoke(cli, ["sample", str(f), "--method", "random-node", "-p", "0.6", "--seed", "3",
                                 "-o", str(tmp_path / "s.npz")])
    assert r.exit_code == 0 and "no arc" not in r.output
    assert gs.load(tmp_path / "s.npz").n_nodes == 3
