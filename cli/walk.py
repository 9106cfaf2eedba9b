"""``graphsample walk INPUT``: random walks (uniform, weighted, node2vec, restart, non-backtracking)."""

from __future__ import annotations

from typing import Any

import click
import numpy as np

from graphsample.errors import GraphsampleError

from ._common import (graph_options, input_argument, label_texts, load_graph, node_ids, node_labels, output_option,
                      save_array, seed_option, text_separator, user_errors, write_rows)


def parse_starts(G, starts: str, walks_per_node: int) -> np.ndarray:
    """Internal ids of the walkers: every node (``all``) or comma-separated labels, each ``walks_per_node`` times.

    Walker ``r * k + i`` is the ``r``-th walk from the ``i``-th start (rounds, as in node2vec)."""
    if starts == "all":
        ids = np.arange(G.n_nodes, dtype=np.int64)
    else:
        ids = node_ids(G, starts, "--starts", what="'all' or comma-separated node labels")
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
              help="At a node without out-arcs (weighted walks: without out-arcs of positive weight): end "
                   "the walk, or jump back to its start.")
@click.option("--return", "return_", type=click.Choice(["paths", "ends", "counts"]), default="paths",
              show_default=True, help="The walks, the end node of each walk, or the visits of every node.")
@seed_option
@output_option(help="Output: '-' (stdout), .txt/.tsv (tab-separated) or .csv text (compressed as e.g. NAME.tsv.gz: "
                    ".gz, .bz2, .xz), or .npy for any other name.")
@user_errors
def walk(input: str, starts: str, length: int, walks_per_node: int, p: float, q: float, restart_prob: float,
         non_backtracking: bool, dead_end: str, return_: str, seed: int | None, output: str, **opts) -> None:
    """Random walks on INPUT, written with the node labels of INPUT (strings included).

    Text (stdout, .txt, .tsv, .csv) has one walk per line, as long as the walk: the walk corpus that
    word2vec tools read; ends are one label per line, counts 'label visits' lines. Any other name is
    .npy: walks are rows padded with -1 for integer labels (refused if a label is negative) or with ''
    for string labels (refused if a label is ''); ends are a vector; counts are an n x 2 array, or for
    string labels a record array with fields 'node' and 'count'.
    """
    from graphsample._backend import to_numpy
    from graphsample.walks import random_walks

    G = load_graph(input, **opts)
    ids = parse_starts(G, starts, walks_per_node)
    result = random_walks(G, ids, length, p=p, q=q, restart_prob=restart_prob, non_backtracking=non_backtracking,
                          dead_end=dead_end, return_=return_, seed=seed)
    if text_separator(output) is None:
        save_array(output, _as_npy(G, result, return_))
        return
    labels = label_texts(G, output)
    if return_ == "paths":
        rows = _walk_rows(labels, to_numpy(result.paths), to_numpy(result.lengths))
    elif return_ == "ends":
        rows = (labels[i:i + 1] for i in to_numpy(result).tolist())
    else:
        rows = zip(labels, map(str, to_numpy(result).tolist()))
    write_rows(output, rows)


def _walk_rows(labels: np.ndarray, paths: np.ndarray, lengths: np.ndarray, chunk: int = 1 << 16):
    """The walks as lists of label texts, as long as each walk; the padded paths are looked up ``chunk`` walks
    at a time (an object array of the texts: a lookup per walk in a unicode array is four times slower)."""
    texts = labels.astype(object)
    for start in range(0, paths.shape[0], chunk):
        rows = texts[paths[start:start + chunk]].tolist()
        yield from (row[:k] for row, k in zip(rows, lengths[start:start + chunk].tolist()))


def _as_npy(G: Any, result: Any, return_: str) -> np.ndarray:
    """The .npy form of a walk result, with the node labels of ``G`` (see the command's help)."""
    from graphsample._backend import to_numpy

    labels = node_labels(G)
    if return_ == "ends":
        return labels[to_numpy(result)]
    if return_ == "counts":
        counts = to_numpy(result)
        if labels.dtype.kind == "U":
            table = np.empty(G.n_nodes, [("node", labels.dtype), ("count", np.int64)])
            table["node"], table["count"] = labels, counts
            return table
        return np.column_stack([labels, counts])
    paths = to_numpy(result.paths)
    if G.node_ids is None:  # the labels are the ids 0..n-1, already padded with -1
        return paths
    if labels.dtype.kind == "U":
        pad, clash = "", "" if np.any(labels == "") else None
    else:
        pad, clash = -1, labels.min().item() if labels.size and labels.min() < 0 else None
    if clash is not None:
        raise GraphsampleError(f"node label {clash!r} would be confused with the padding {pad!r} of walks in .npy: "
                               "write text (.txt, .tsv, .csv or '-'), one walk per line")
    return np.where(paths >= 0, labels[np.maximum(paths, 0)], pad)
