"""The user documentation runs: README.md and docs/*.md (their ```python blocks and `graphsample` commands) and
the multi-GPU scripts of docs/examples. Marking: words after ```python say what a block needs (`gpu`: a CUDA
device; `dask`: a Dask cluster; `slow`: minutes of work); such a block is skipped here, with that reason, unless
its need is met (only `gpu` can be).

The python blocks of a page run in order in one namespace, in a scratch folder that holds the small input files the
docs name (edges.txt, features.npy, ...); blocks that load a dataset are skipped when it is not available locally.
The values the docs show in comments are checked by the functions registered with ``@shows(page, block)``. Every
`graphsample ...` line of the other fenced blocks is parsed by the CLI (its options and values must exist and be
valid); those not listed in ``NOT_RUN`` are also run there, and must succeed and write their ``-o`` file.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gzip
import importlib
import importlib.util
import inspect
import io
import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import click
import numpy as np
import pytest
from click.testing import CliRunner

from graphsample._backend import available_backends
from graphsample.cli import cli

from .conftest import have_dataset

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md"] + sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")
                               if p.name != "cli.md")  # cli.md is generated from the CLI (test_cli.py)
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))
NEEDS = {"gpu": "needs a CUDA GPU", "dask": "needs a Dask cluster", "slow": "runs for minutes"}
HAVE_GPU = any(str(device).startswith("cuda") for _, device in available_backends())

#: commands shown in the docs that are parsed but not run here: a part of the command line -> why
NOT_RUN = {
    "--devices cuda": NEEDS["gpu"],
    "--workers": "starts a Dask cluster",
    "embed deepwalk dataset:blogcatalog": "trains DeepWalk on BlogCatalog for minutes",
    "ppr dataset:wiki-vote --walks-per-node 1000": "a million walks per 1,000 sources: several seconds",
    "evaluate node-classification": "fits 390 logistic regressions on 512-d embeddings: minutes",
    "--budget 5000 --n-clusters 1000": "1,000-means of 6,000 points: several seconds",
}


@dataclass
class Block:
    page: str
    line: int  # line of the opening fence
    lang: str
    needs: list[str]
    code: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


@functools.cache
def fenced_blocks(page: str) -> tuple[Block, ...]:
    """Every fenced block of a page: language, the words after it, and its text (the page is read once)."""
    blocks, lines, i = [], (ROOT / page).read_text().splitlines(), 0
    while i < len(lines):
        m = re.match(r"\s*```(\w*)(.*)$", lines[i])
        if m:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```"))
            blocks.append(Block(page, i + 1, m.group(1), m.group(2).split(), "\n".join(lines[i + 1:end]) + "\n"))
            i = end
        i += 1
    return tuple(blocks)


def python_blocks(page: str) -> list[Block]:
    return [b for b in fenced_blocks(page) if b.lang == "python"]


PYTHON = [b for page in PAGES for b in python_blocks(page)]
COMMANDS = [(b, line) for page in PAGES for b in fenced_blocks(page) if b.lang != "python"
            for line in b.code.splitlines() if line.startswith("graphsample ")]


def datasets_named(text: str) -> set[str]:
    return set(re.findall(r'datasets\.load\("([\w-]+)"', text)) | set(re.findall(r"dataset:([\w-]+)", text))


def skip_unless_runnable(needs: list[str], text: str) -> None:
    unknown = set(needs) - set(NEEDS)
    assert not unknown, f"unknown marks {sorted(unknown)}: use {sorted(NEEDS)}"
    for need in needs:
        if not (need == "gpu" and HAVE_GPU):
            pytest.skip(NEEDS[need])
    for name in sorted(datasets_named(text)):
        if not have_dataset(name):
            pytest.skip(f"dataset {name} not available locally")


# ------------------------------------------------------------------ the input files the docs name
def write_inputs(folder: Path) -> None:
    """Small stand-ins for the files the examples read: graphs, feature matrices, a MIG pool."""
    rng = np.random.default_rng(0)
    n = 120  # README walks from nodes range(100)
    src = np.r_[np.arange(n), np.arange(n)]
    dst = np.r_[(np.arange(n) + 1) % n, (7 * np.arange(n) + 3) % n]
    text = "# a ring with chords\n" + "".join(f"{u} {v}\n" for u, v in zip(src, dst) if u != v)
    (folder / "edges.txt").write_text(text)
    (folder / "edges.txt.gz").write_bytes(gzip.compress(text.encode()))
    (folder / "graph.tsv").write_text(text.replace(" ", "\t"))
    (folder / "edges.tsv").write_text("a\tb\nb\tc\nc\ta\nc\td\nd\ta\ne\ta\n")  # labels for --personalize a,b
    import graphsample as gs

    gs.save(gs.read_edgelist(folder / "edges.txt"), folder / "graph.npz")
    np.save(folder / "features.npy", rng.standard_normal((300, 60)))
    centres = np.repeat(np.array([[0.0] * 4, [6.0] * 4, [0, 6.0, 0, 6.0]]), 400, axis=0)
    np.save(folder / "data.npy", centres + rng.standard_normal(centres.shape))
    np.save(folder / "embeddings.npy", rng.standard_normal((6000, 8)))
    pool = [{"id": i, "score": round(float(s), 3), "labels": sorted(set(rng.integers(0, 12, 2).tolist()))}
            for i, s in enumerate(rng.uniform(0.1, 1.0, 200))]
    (folder / "pool.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pool))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Callable[[str], Path]:
    """A fresh folder of input files per name (a page or a shell block)."""

    def make(name: str) -> Path:
        folder = tmp_path_factory.mktemp(re.sub(r"\W", "_", name))
        write_inputs(folder)
        return folder

    return make


# ------------------------------------------------------------------ python blocks
@dataclass
class PageRun:
    """The state of one page's blocks: they share a namespace and a folder, and run in order."""

    folder: Path
    namespace: dict = field(default_factory=lambda: {"__name__": "__doc_example__"})
    done: int = 0
    skipped: dict = field(default_factory=dict)  # line of an earlier block that could not run -> why


_RUNS: dict[str, PageRun] = {}
_SHOWS: dict[tuple[str, int], Callable[..., None]] = {}


def shows(page: str, index: int):
    """Register the check of what python block ``index`` (0-based, in page order) of ``page`` shows."""

    def register(check):
        _SHOWS[(page, index)] = check
        return check

    return register


def run_block(block: Block, namespace: dict) -> list[Any]:
    """Execute a block as a script (tracebacks point into the page); return the values of its expression
    statements, the ones a reader sees in a REPL."""
    tree = ast.parse(block.code, block.page)
    values: list[Any] = []
    for node in tree.body:
        if isinstance(node, ast.Expr):
            node.value = ast.Call(ast.Attribute(ast.Name("_doc_values", ast.Load()), "append", ast.Load()),
                                  [node.value], [])
    ast.increment_lineno(tree, block.line)
    namespace["_doc_values"] = values
    exec(compile(ast.fix_missing_locations(tree), block.page, "exec"), namespace)
    return values


@pytest.mark.parametrize("block", PYTHON, ids=[b.id for b in PYTHON])
def test_python_block(block, inputs, monkeypatch):
    skip_unless_runnable(block.needs, block.code)
    blocks = python_blocks(block.page)
    index = next(i for i, b in enumerate(blocks) if b.line == block.line)
    run = _RUNS.setdefault(block.page, PageRun(inputs(block.page)))
    monkeypatch.chdir(run.folder)
    for earlier in blocks[run.done:index]:  # when selected alone, the page's earlier blocks run first
        try:
            skip_unless_runnable(earlier.needs, earlier.code)
            run_block(earlier, run.namespace)
        except pytest.skip.Exception as why:
            run.skipped[earlier.line] = why.msg
    run.done = index + 1
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            values = run_block(block, run.namespace)
    except NameError as error:  # a name the page defined in a block that could not run here
        if not run.skipped:
            raise
        pytest.skip(f"{error}; skipped earlier: " + "; ".join(f"line {k}: {v}" for k, v in run.skipped.items()))
    if (block.page, index) in _SHOWS:
        _SHOWS[(block.page, index)](run.namespace, values, out.getvalue())


def test_every_check_names_a_block():
    for page, index in _SHOWS:
        assert index < len(python_blocks(page)), (page, index)


# ------------------------------------------------------------------ shell commands
def parse(argv: list[str]) -> None:
    """Parse a command line as the CLI would, without running it: raises on an unknown command or option or a
    bad value. The contexts are chained as in a real run, so the subcommands inherit the root's settings."""
    cmd, ctx = cli, click.Context(cli, info_name="graphsample", **cli.context_settings)
    while isinstance(cmd, click.Group):
        sub = cmd.get_command(ctx, argv[0]) if argv else None
        assert sub is not None, f"{ctx.command_path} has no command {argv[:1]}"
        cmd, argv = sub, argv[1:]
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd, info_name=cmd.name, parent=ctx)
    cmd.make_context(cmd.name, list(argv), parent=ctx)


SHELL = list({b.id: b for b, _ in COMMANDS}.values())


@pytest.mark.parametrize("block", SHELL, ids=[b.id for b in SHELL])
def test_commands(block, inputs, monkeypatch):
    """Each command is parsed; the cheap ones run in order, as a shell session would, in one folder."""
    folder = inputs(block.id)
    monkeypatch.chdir(folder)
    skipped = []
    for line in (ln for ln in block.code.splitlines() if ln.startswith("graphsample ")):
        argv = shlex.split(line, comments=True)[1:]
        parse(argv)
        reason = next((why for part, why in NOT_RUN.items() if part in line), None)
        reason = reason or next((f"dataset {d} not available locally" for d in sorted(datasets_named(line))
                                 if not have_dataset(d)), None)
        if reason:
            skipped.append(f"{line}: {reason}")
            continue
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        if "-o" in argv:
            assert (folder / argv[argv.index("-o") + 1]).stat().st_size > 0, line
    if skipped and len(skipped) == sum(ln.startswith("graphsample ") for ln in block.code.splitlines()):
        pytest.skip("; ".join(skipped))


def test_not_run_entries_match_a_command():
    lines = [line for _, line in COMMANDS]
    for part in NOT_RUN:
        assert any(part in line for line in lines), f"NOT_RUN entry {part!r} matches no documented command"


# ------------------------------------------------------------------ docs/examples
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_script_imports_and_parses(script, monkeypatch, capsys):
    """The script imports, its --help works, and every graphsample name it imports (also inside functions,
    where they run only on a cluster) exists."""
    spec = importlib.util.spec_from_file_location(f"_doc_example_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", [script.name, "--help"])
    with pytest.raises(SystemExit) as exit_:
        module.main()
    assert exit_.value.code == 0 and "usage:" in capsys.readouterr().out
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module.split(".")[0] == "graphsample":
            imported = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(imported, alias.name), f"{script.name}: {node.module} has no {alias.name}"


# ------------------------------------------------------------------ what the pages show
@shows("docs/concepts.md", 0)
def _concepts(ns, values, out):
    out_degree, in_neighbours = values
    assert out_degree.tolist() == [1, 1, 1] and in_neighbours.tolist() == [2, 0, 1]


@shows("docs/io.md", 2)
def _io_datasets(ns, values, out):
    import scipy.sparse

    assert ns["y"].shape == (2708,) and np.unique(ns["y"]).size == 7  # cora: class per node
    assert scipy.sparse.issparse(ns["Y"]) and ns["Y"].shape == (10312, 39) and set(ns["Y"].data) == {1}


@shows("docs/pagerank.md", 0)
def _pagerank(ns, values, out):
    from graphsample.ranking import personalized_pagerank

    info, rows, push, G = ns["info"], ns["rows"], ns["push"], ns["G"]
    assert info.method == "gauss-seidel" and info.converged
    assert type(rows).__name__ == "TopK" and rows.values.shape == rows.indices.shape == (1000, 50)
    exact = personalized_pagerank(G, G.label_of(np.array([0])), tol=1e-13)[0]
    assert abs(np.abs(exact - push.estimate).sum() - push.l1_error) < 1e-9  # "the exact L1 error"
    assert type(ns["R"]).__name__ == "PPRResult" and values[0].shape == (7115, 7115)


@shows("docs/srrw.md", 1)
def _sa_srrw(ns, values, out):
    res, theta_star = ns["res"], ns["theta_star"]
    assert res.theta.shape == (20, 5) and theta_star.shape == (5,)
    start_error = np.linalg.norm(theta_star)  # every run starts at 0
    assert (np.linalg.norm(res.theta - theta_star, axis=1) < start_error).all()


@shows("docs/dpp.md", 0)
def _dpp(ns, values, out):
    S, batch = ns["S"], ns["batch"]
    assert ns["U"].shape == (2000, 50) and np.allclose(ns["U"].T @ ns["U"], np.eye(50))
    assert S.shape == (50,) and (np.diff(S) > 0).all()
    assert batch.shape == (1000, 50) and (batch[0] == S).all()
    assert isinstance(ns["sets"], list) and len(ns["sets"]) == 5
    assert len(ns["S5"]) == 5 and len(np.unique(ns["V"])) == 30 and len(ns["idx"]) == 500


@shows("docs/srrw.md", 0)
def _srrw(ns, values, out):
    tvd, estimates, x = values
    assert len(ns["r"].checkpoints) == 29 and tvd.shape == estimates.shape == (100, 29)
    assert x.shape == (100, ns["G"].n_nodes) and np.allclose(x.sum(1), 1)


@shows("docs/sensitivity.md", 0)
def _sensitivity(ns, values, out):
    assert round(values[0], 3) == 1.007
    assert ns["report"].converged and ns["report"].residual <= 1e-12
    assert ns["idx"].shape == ns["scale"].shape and ns["tau"].shape == (20_000,)


@shows("docs/sampling.md", 0)
def _sampling(ns, values, out):
    S, F, nodes, G = ns["S"], ns["F"], ns["nodes"], ns["G"]
    assert (S.n_nodes, S.n_arcs) == (3557, 51591)
    assert all(word in out for word in ("exchanges", "repairs", "S1", "S9"))
    assert f"{ns['both'].ks_in:.4f} {ns['both'].ks_out:.4f}" == "0.0003 0.0003"
    assert f"{ns['report'].ks_in:.4f} {ns['report'].ks_out:.4f}" == "0.0027 0.0001"
    assert F.n_nodes == round(0.5 * G.n_nodes) and (F.node_ids == G.label_of(nodes)).all()


@shows("docs/walks.md", 0)
def _walks(ns, values, out):
    paths, lengths = ns["paths"], ns["lengths"]
    assert paths.shape == (103120, 80) and paths.dtype == np.int32
    assert ((paths == -1) == (np.arange(80) >= lengths[:, None])).all()  # padded with -1 after each walk


@shows("docs/fastrp.md", 0)
def _fastrp(ns, values, out):
    assert ns["E"].shape == (ns["G"].n_nodes, 512) and ns["E"].dtype == np.float32


@shows("docs/leastsquares.md", 0)
def _leastsquares(ns, values, out):
    assert len(ns["x"]) == 20 and ns["fit"].gram_deviation == values[0][2]


@shows("docs/ppp.md", 0)
def _ppp(ns, values, out):
    (k, agreement, separable), min_ari, k_divisive = values
    assert k == 3 and round(agreement, 2) == 0.90 and round(separable, 2) == 0.94
    assert min_ari == 1.0 and k_divisive == 3


PUBLIC_MODULES = ["graphsample", "graphsample.sampling", "graphsample.walks", "graphsample.ranking",
                  "graphsample.embedding", "graphsample.selection", "graphsample.clustering", "graphsample.io"]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_name_has_a_docs_home(module):
    """Each name in a public module's ``__all__`` is named on some page a reader reaches from docs/index.md."""
    text = "\n".join((ROOT / page).read_text(encoding="utf-8") for page in PAGES)
    names = importlib.import_module(module).__all__
    missing = [name for name in names if not re.search(rf"(?<!\w){re.escape(name)}\b", text)]
    assert not missing, f"{module}: not named in README.md or docs/*.md: {missing}"


def _public_functions(module: str) -> list[tuple[str, object]]:
    """The functions of a public module's ``__all__`` (without one: the public names it defines) and the public
    methods of its classes."""
    mod, out = importlib.import_module(module), []
    names = getattr(mod, "__all__", None) or [n for n, v in vars(mod).items()
                                              if not n.startswith("_") and getattr(v, "__module__", None) == module]
    for name in names:
        obj = getattr(mod, name)
        if inspect.isfunction(obj):
            out.append((name, obj))
        elif inspect.isclass(obj):
            out += [(f"{name}.{k}", v) for k, v in vars(obj).items() if inspect.isfunction(v) and not k.startswith("_")]
    return out


@pytest.mark.parametrize("module", PUBLIC_MODULES + ["graphsample.datasets", "graphsample.generators"])
def test_every_public_function_has_type_hints(module):
    """Every parameter (but self / cls) and the return value of every public function is annotated."""
    missing = []
    for name, f in _public_functions(module):
        sig = inspect.signature(f)
        bare = [p for p, v in sig.parameters.items() if p not in ("self", "cls") and v.annotation is inspect.Parameter.empty]
        if bare or sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{name}({', '.join(bare)})" + (" -> ?" if sig.return_annotation is inspect.Signature.empty else ""))
    assert not missing, f"{module}: not annotated: {missing}"


@pytest.mark.parametrize("module", PUBLIC_MODULES + ["graphsample.datasets", "graphsample.generators"])
def test_every_public_function_has_a_docstring(module):
    """Every public function and method says what it does (a method may inherit its base class's docstring)."""
    missing = [name for name, f in _public_functions(module) if not inspect.getdoc(f)]
    assert not missing, f"{module}: no docstring: {missing}"


def test_every_page_is_reached_from_the_index():
    """Following the relative links from docs/index.md reaches every page of docs/."""
    seen, todo = set(), ["index.md"]
    while todo:
        page = todo.pop()
        if page in seen or not (ROOT / "docs" / page).is_file():
            continue
        seen.add(page)
        todo += re.findall(r"\]\(([\w.-]+\.md)(?:#[\w-]*)?\)", (ROOT / "docs" / page).read_text(encoding="utf-8"))
    assert sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.name not in seen) == []
