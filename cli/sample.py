"""``graphsample sample INPUT --method M --fraction P -o OUT``: a smaller graph that keeps the structure."""

from __future__ import annotations

from typing import Any

import click

from ._common import graph_options, input_argument, load_graph, option_error, output_option, seed_option, user_errors

_METHODS = ["jdm", "random-node", "random-degree-node", "random-pagerank-node", "random-edge", "random-node-edge",
            "hybrid", "induced-edge", "random-walk-restart", "random-walk-jump", "metropolis-hastings-walk",
            "non-backtracking-walk", "frontier", "forest-fire", "snowball"]


@click.command()
@input_argument
@click.option("-m", "--method", type=click.Choice(_METHODS), default="jdm", show_default=True,
              help="Sampler: jdm (JDM/DCM linear rescaling, a new graph) or a classic sampler (a subgraph).")
@click.option("-p", "--fraction", type=float, required=True, help="Fraction of the nodes to keep, in (0, 1].")
@output_option(binary=(".npz",),
               help="Edge list path (original labels for subgraph samplers; .gz, .bz2 or .xz compressed), '-' for "
                    "stdout, or NAME.npz.")
@click.option("--report", is_flag=True, help="Print the comparison with the original (S1-S9 KS D, JDM/DCM L1, ...).")
@click.option("--n-swaps", type=click.IntRange(min=0), default=0, show_default=True,
              help="jdm: JDM-preserving swaps after construction.")
@click.option("--rounding", type=click.Choice(["systematic", "controlled", "independent", "nearest"]),
              default="systematic",
              show_default=True,
              help="jdm: how p * DCM is rounded.")
@click.option("--on-infeasible", type=click.Choice(["raise", "clip", "multigraph"]), default="raise",
              show_default=True, help="jdm: what to do when hubs do not fit in a sample this small.")
@seed_option
@graph_options
@user_errors(names={"fraction p": "--fraction"})  # jdm_sample's p
def sample(input: str, method: str, fraction: float, output: str, report: bool, n_swaps: int, rounding: str,
           on_infeasible: str, seed: int | None, **opts) -> None:
    """Sample INPUT down to a fraction of its nodes and write the sample's arcs.

    With --report the quality table goes to stdout, or to stderr when the sample itself goes to stdout.
    """
    from graphsample._backend import to_numpy
    from graphsample.io import save, write_edgelist
    from graphsample.sampling import compare, jdm_sample
    from graphsample.sampling.jdm import InfeasibleSampleError
    from graphsample.sampling.classic import SAMPLERS

    G = load_graph(input, **opts)
    quiet = opts.get("quiet")
    if method == "jdm":
        if not G.directed:  # a contradiction of options with --undirected, else an undirected dataset or file
            error = click.UsageError if opts.get("directed") is False else click.ClickException
            raise error("--method jdm samples directed graphs; --undirected works with the classic samplers")
        try:
            S, jdm_report = jdm_sample(G, fraction, seed=seed, rounding=rounding, on_infeasible=on_infeasible,
                                       n_swaps=n_swaps, progress=None if quiet else _jdm_step)
        except InfeasibleSampleError as exc:
            raise option_error("--fraction", _infeasible(fraction, exc)) from None
    else:
        S, _ = SAMPLERS[method](G, fraction, seed=seed)
        jdm_report = None
    if output.endswith(".npz"):
        save(S, output)
    else:
        write_edgelist(S, output)
    to_err = output == "-"
    if not quiet:
        bare = 0 if output.endswith(".npz") else int(to_numpy(S.degree() == 0).sum())
        note = (f"; {bare:,} of its nodes have no arc, so the edge list leaves them out (NAME.npz keeps them)"
                if bare else "")
        click.echo(f"{method}: {S.n_nodes:,} nodes, {S.n_arcs:,} arcs (from {G.n_nodes:,} nodes, {G.n_arcs:,} arcs)"
                   + note, err=True)
    if report:
        lines = []
        if jdm_report is not None:
            s = jdm_report.summary()
            lines.append("JDM/DCM sampler (dcm_l1, jdm_l1: targets against p*D, p*J; ks_in, ks_out: against the "
                         "original without self-loops; the table below compares with the original as read): "
                         + ", ".join(f"{k}={_fmt(v)}" for k, v in s.items()))
        if not quiet:
            click.echo(f"{method}: measuring S1-S9 against the original", err=True)
        lines.append(str(compare(G, S, seed=0 if seed is None else seed)))
        click.echo("\n".join(lines), err=to_err)


def _infeasible(fraction: float, exc: Any) -> str:
    """The library's InfeasibleSampleError in the CLI's terms (--fraction, --on-infeasible), for a usage error about
    --fraction: the graph is fine, the option's value does not fit it (as -k beyond the rank, --budget beyond the
    pool)."""
    side, degree, missing = exc.classes[0]
    more = f" and {len(exc.classes) - 1} more degree classes" if len(exc.classes) > 1 else ""
    hint = (f"the smallest feasible --fraction for this seed is {exc.min_p:.4g}" if exc.min_p is not None
            else "no --fraction is feasible")
    return (f"{fraction:g} is too small for the hubs of this graph ({side}-degree {degree}: "
            f"{missing} arc ends unplaced{more}); {hint}, or use --on-infeasible clip or multigraph")


def _jdm_step(message: str) -> None:
    """The jdm sampler's progress lines, on stderr."""
    click.echo(f"jdm: {message}", err=True)


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
