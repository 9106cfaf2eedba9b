"""``graphsample convert INPUT -o graph.npz``: parse once, load fast later."""

from __future__ import annotations

import click

from ._common import graph_options, input_argument, load_graph


@click.command()
@input_argument
@graph_options
@click.option("-o", "--output", required=True,
              help="Target: NAME.npz (one file) or a folder (memory-mapped .npy files).")
def convert(input: str, output: str, **opts) -> None:
    """Save INPUT as binary CSR so that large graphs are parsed once."""
    from graphsample.io import save

    if output == "-":
        raise click.ClickException("convert writes binary CSR to a .npz file or a folder, not to stdout ('-o -')")
    G = load_graph(input, **opts)
    save(G, output)
    if not opts.get("quiet"):
        click.echo(f"wrote {output}: {G.n_nodes:,} nodes, {G.n_arcs:,} arcs", err=True)
