"""``graphsample walk INPUT``: random walks (uniform, weighted, node2vec, restart, non-backtracking)."""

from __future__ import annotations

import click
import numpy as np

from ._common import graph_options, input_argument, load_graph, output_option, save_array, seed_option, user_errors


def parse_starts(G, starts: str, walks_per_node: int) -> np.ndarray:
    """Internal ids of the walkers: every node (``all``) or comma-separated labels, each ``walks_per_node`` times.

    Walker ``r * k + i`` is the ``r``-th walk from the ``i``-th start (rounds, as in node2vec)."""
    if starts == "all":
        ids = np.arange(G.n_nodes, dtype=np.int64)
    else:
        parts = [s.strip() for s in starts.split(",") if s.strip()]
        if not parts:
            raise click.BadParameter("give 'all' or comma-separated node labels", param_hint="--starts")
        labels = np.array(parts) if G.node_ids is not None and G.node_ids.dtype.kind in "UO" else None
        if labels is None:
            try:
                labels = np.array([int(s) for s in parts])
            except ValueError:
                raise click.BadParameter(f"node labels of this graph are integers, got {starts!r}",
                                         param_hint="--starts") from None
        ids = G.index_of(labels)
    return np.tile(ids, walks_per_node)


@click.command()
@input_argument
@graph_options
@click.option("--starts", default="all", show_default=True, help="'all' or comma-separated start node labels.")
@click.option("--length", type=click.IntRange(min=0), default=80, show_default=True, help="Steps per walk.")
@click.option("--walks-per-node", type=click.IntRange(min=1), default=1, show_default=True,
              help="Walks from every start node.")
@click.option("--p", "p", type=float, default=1.0, show_default=True, help="node2vec return parameter.")
@click.option("--q", "q", type=float, default=1.0, show_default=True, help="node2vec in-out parameter.")
@click.option("--restart-prob", type=float, default=0.0, show_default=True,
              help="Probability of ending the walk before each step (PPR walks).")
@click.option("--non-backtracking", is_flag=True, help="Never step straight back (unless at a leaf).")
@click.option("--dead-end", type=click.Choice(["stop", "restart"]), default="stop", show_default=True,
              help="At a node without out-arcs: end the walk, or jump back to its start.")
@click.option("--return", "return_", type=click.Choice(["paths", "ends", "counts"]), default="paths",
              show_default=True, help="Paths (padded with -1), end nodes, or visit counts per node.")
@seed_option
@output_option()
@user_errors
def walk(input: str, starts: str, length: int, walks_per_node: int, p: float, q: float, restart_prob: float,
         non_backtracking: bool, dead_end: str, return_: str, seed: int | None, output: str, **opts) -> None:
    """Random walks on INPUT, written as .npy (or text to stdout / .txt / .tsv / .csv).

    Paths are one walk per row, padded with -1; counts are rows of (node, visits). Node labels are
    the input's (internal ids for string-labelled graphs).
    """
    from graphsample._backend import to_numpy
    from graphsample.walks import random_walks
    from graphsample.walks.walk import node_labels

    G = load_graph(input, **opts)
    ids = parse_starts(G, starts, walks_per_node)
    result = random_walks(G, ids, length, p=p, q=q, restart_prob=restart_prob, non_backtracking=non_backtracking,
                          dead_end=dead_end, return_=return_, seed=seed)
    numeric = G.node_ids is None or G.node_ids.dtype.kind in "iu"
    relabel = (lambda a: node_labels(G, a)) if numeric else to_numpy
    if return_ == "paths":
        out = relabel(result.paths)
    elif return_ == "ends":
        out = relabel(result)
    else:
        out = np.column_stack([relabel(np.arange(G.n_nodes)), to_numpy(result)])
    save_array(output, out)
