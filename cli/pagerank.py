"""``graphsample pagerank`` (global / personalized scores) and ``graphsample ppr`` (Monte Carlo fully PPR)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from ._common import (FloatRange, graph_options, input_argument, jit_compilations, load_graph, node_ids, node_labels,
                      nonempty_path, output_option, progress_enabled, read_text, save_npz, seed_option,
                      text_separator, user_errors, write_rows)


@click.command()
@input_argument
@graph_options
@click.option("--personalize", default=None, metavar="NODES",
              help="Comma-separated node labels to teleport to (personalized PageRank).")
@click.option("--damping", type=float, default=0.85, show_default=True, help="Probability of following an arc.")
@click.option("--dangling", type=click.Choice(["personalization", "uniform", "self"]), default="personalization",
              show_default=True, help="Where the surfer goes from a node without out-arcs.")
@click.option("--tol", type=float, default=1e-10, show_default=True, help="Stop when the relative L1 change is below this.")
@click.option("--max-iter", type=int, default=1000, show_default=True, help="Most sweeps.")
@click.option("--method", type=click.Choice(["auto", "power", "gauss-seidel"]), default="auto", show_default=True,
              help="Solver: power iteration, or Gauss-Seidel sweeps per strongly connected component (host); "
                   "auto picks Gauss-Seidel on the host and power iteration on a GPU.")
@output_option(binary=(), help="Scores as 'label<TAB>score' lines ('label,score' for .csv): a path (compressed for "
                                ".gz, .bz2, .xz, e.g. NAME.tsv.gz), or '-' for stdout.")
@user_errors
def pagerank(input: str, personalize: str | None, damping: float, dangling: str, tol: float, max_iter: int,
             method: str, output: str, quiet: bool, **opts) -> None:
    """PageRank scores of every node of INPUT (personalized with --personalize)."""
    from graphsample._backend import to_numpy
    from graphsample.ranking import pagerank as run

    G = load_graph(input, **opts)
    pers = None  # uniform teleports; else uniform over the --personalize nodes
    if personalize is not None:
        pers = np.bincount(node_ids(G, personalize, "--personalize"), minlength=G.n_nodes).astype(np.float64)
    t = time.perf_counter()
    x, info = run(G, damping, pers, dangling=dangling, tol=tol, max_iter=max_iter, method=method, return_info=True)
    if not quiet:
        click.echo(f"{info.method}: {info.iterations} sweeps, residual {info.residual:.2e}, "
                   f"{time.perf_counter() - t:.3f} s", err=True)
    rows = ((str(lab), f"{v:.12g}") for lab, v in zip(node_labels(G).tolist(), to_numpy(x).tolist()))
    write_rows(output, rows, text_separator(output) or "\t")


class _Progress:
    """Walks done and walks/s on stderr."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.t0 = total, enabled, time.perf_counter()

    def __call__(self, walks: int, steps: int) -> None:
        if self.enabled:
            dt = max(time.perf_counter() - self.t0, 1e-9)
            click.echo(f"\r{walks:,}/{self.total:,} walks, {walks / dt:,.0f} walks/s, {steps / dt:,.0f} steps/s",
                       err=True, nl=False)


def _save_ppr(path: str, G: Any, res: Any) -> None:
    from graphsample._backend import to_numpy

    indptr, indices, values, sources = (to_numpy(a) for a in (res.indptr, res.indices, res.values, res.sources))
    if text_separator(path) is not None:  # as pagerank's scores: write_rows (a .csv field is quoted if need be)
        src = G.label_of(np.repeat(sources, np.diff(indptr)))
        write_rows(path, ((str(s), str(t), f"{v:.6g}")
                          for s, t, v in zip(src.tolist(), G.label_of(indices).tolist(), values.tolist())))
        return
    extra = {} if G.node_ids is None else {"node_ids": G.node_ids}
    save_npz(path, sources=sources, indptr=indptr, indices=indices, values=values, omega=res.omega, **extra)


@click.command()
@input_argument
@graph_options
@seed_option
@click.option("--walks-per-node", "omega", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Random walks per source (omega).")
@click.option("--top-k", type=click.IntRange(min=1), default=50, show_default=True, help="Estimates kept per source.")
@click.option("--restart-prob", "--restart", "restart", type=FloatRange(0, 1, min_open=True, max_open=True),
              default=0.15, show_default=True,
              help="Restart (stop) probability per step, 1 - damping (named as walk's; --restart is the old name).")
@click.option("--dangling", type=click.Choice(["personalization", "uniform", "self"]), default="personalization",
              show_default=True, help="Where a walk goes from a node without out-arcs: back to its source, to a "
                                      "uniform node, or it stays there (a self-loop).")
@click.option("--engine", type=click.Choice(["fused", "pipeline"]), default="fused", show_default=True,
              help="fused: each walk run to its end in one kernel; pipeline: Lin's supersteps and waves, for "
                   "memory-bounded runs.")
@click.option("--scheduler-file", default=None, callback=nonempty_path, help="Run on the Dask cluster of this scheduler file.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Run on a local Dask cluster of N workers.")
@click.option("--mode", type=click.Choice(["A", "B"]), default="A", show_default=True,
              help="Dask mode: A (graph on every worker) or B (graph split, walkers exchanged).")
@output_option(required=True, binary=(".npz",),
               help="Result: NAME.npz (CSR arrays) or .tsv / .csv / '-' (source, node, estimate lines; .tsv.gz, .bz2 "
                    "or .xz compressed).")
@user_errors
def ppr(input: str, seed: int | None, omega: int, top_k: int, restart: float, dangling: str, engine: str,
        scheduler_file: str | None, workers: int | None, mode: str, output: str, quiet: bool, **opts) -> None:
    """Monte Carlo fully personalized PageRank of every node of INPUT (top-k per source)."""
    from graphsample.ranking import fully_personalized_pagerank

    if scheduler_file and workers:
        raise click.UsageError("give --scheduler-file or --workers, not both")
    if engine != "fused" and (scheduler_file or workers):  # it was ignored: the Dask modes run their own engines
        raise click.UsageError("--engine is for one process; on a Dask cluster --mode chooses (B runs supersteps)")
    G = load_graph(input, **opts)
    kw = dict(omega=omega, top_k=top_k, dangling=dangling, seed=seed)
    show = progress_enabled(quiet)
    compiled = jit_compilations()
    t = time.perf_counter()
    if scheduler_file or workers:
        res = _run_dask(G, scheduler_file, workers, mode, 1.0 - restart, kw)
    else:
        prog = _Progress(G.n_nodes * omega, show)
        res = fully_personalized_pagerank(G, 1.0 - restart, engine=engine, progress=prog, **kw)
    dt = time.perf_counter() - t
    if not quiet:
        back = "\r" if show else ""  # over the progress line, which only a terminal has
        first = jit_compilations() > compiled
        click.echo(f"{back}{G.n_nodes * omega:,} walks, {res.walk_steps:,} steps in {dt:.2f} s "
                   f"({G.n_nodes * omega / dt:,.0f} walks/s"
                   + ("; this time includes compiling the kernels, cached for the next runs" if first else "") + ")",
                   err=True)
    _save_ppr(output, G, res)


def _scheduler_address(path: str) -> str:
    """The scheduler's address in the Dask scheduler file ``path`` (JSON with an ``address``, as ``dask scheduler
    --scheduler-file`` writes it). Anything else is one line naming the file: distributed read a file that is not
    JSON as an address of None and failed on an assertion, a traceback."""
    from graphsample.errors import InputFormatError

    if not Path(path).exists():
        raise click.ClickException(f"{path}: no such scheduler file")
    try:
        info = json.loads(read_text(path))
    except (json.JSONDecodeError, InputFormatError):
        info = None
    address = info.get("address") if isinstance(info, dict) else None
    if not isinstance(address, str) or not address:
        raise InputFormatError(f"{path}: not a Dask scheduler file (JSON with the scheduler's \"address\")")
    return address


def _run_dask(G: Any, scheduler_file: str | None, workers: int | None, mode: str, damping: float, kw: dict) -> Any:
    from graphsample._backend import optional_import

    distributed = optional_import("distributed")
    from graphsample.ranking.dask import fully_personalized_pagerank_dask

    if scheduler_file:
        with distributed.Client(_scheduler_address(scheduler_file)) as client:
            return fully_personalized_pagerank_dask(client, G, damping, mode=mode, **kw)
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        return fully_personalized_pagerank_dask(client, G, damping, mode=mode, **kw)
