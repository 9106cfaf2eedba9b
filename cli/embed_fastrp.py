"""``graphsample embed fastrp INPUT -o emb.npy``: FastRP node embeddings (Chen et al., CIKM 2019)."""

from __future__ import annotations

import click

from ._common import float_list, graph_options, input_argument, load_graph, output_option, seed_option, user_errors
from ._embedding_files import OUTPUT_HELP, row_labels_option, write_embedding


@click.command()
@input_argument
@graph_options
@output_option(help=OUTPUT_HELP)
@row_labels_option
@click.option("--dim", type=int, default=128, show_default=True, help="Embedding dimension.")
@click.option("--preset", type=click.Choice(["paper", "gds"]), default="paper", show_default=True,
              help="Chen et al.'s setting, or Neo4j GDS's variant.")
@click.option("--weights", default=None, callback=float_list,
              help="Comma-separated power weights alpha_1..alpha_k [preset's].")
@click.option("--beta", type=float, default=None, help="Degree normalisation strength [preset's].")
@click.option("--s", "s", type=float, default=None, help="Sparsity of R: entries non-zero w.p. 1/s [sqrt(n) or 3].")
@click.option("--input-matrix", type=click.Choice(["transition", "adjacency"]), default=None,
              help="Propagate with D^-1 S or with S [transition].")
@click.option("--self-influence", type=float, default=None, help="Weight of the node's own initial vector [0].")
@click.option("--direction", type=click.Choice(["out", "in", "both"]), default="out", show_default=True,
              help="Arcs to propagate along in a directed graph.")
@click.option("--block-size", type=int, default=None,
              help="Process the columns in blocks of this many [default: all at once].")
@click.option("--float64", "use_float64", is_flag=True, help="Compute in float64 instead of float32.")
@seed_option
@user_errors
def fastrp(input: str, output: str, dim: int, preset: str, weights: list[float] | None, beta: float | None,
           s: float | None, input_matrix: str | None, self_influence: float | None, direction: str,
           block_size: int | None, use_float64: bool, seed: int | None, row_labels: str | None, **opts) -> None:
    """Embed the nodes of INPUT with FastRP; text outputs label every row with its node."""
    from graphsample.embedding import fastrp as run

    G = load_graph(input, **opts)
    E = run(G, dim, preset=preset, weights=weights, beta=beta, s=s, input_matrix=input_matrix,
            self_influence=self_influence, direction=direction, weighted=G.is_weighted, block_size=block_size,
            dtype="float64" if use_float64 else "float32", seed=seed)
    write_embedding(output, G, E, row_labels, opts.get("quiet"))
