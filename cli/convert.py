"""``graphsample convert INPUT -o graph.npz``: parse once, load fast later."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import (BINARY_SUFFIXES, graph_options, input_argument, load_graph, option_error, output_option,
                      user_errors)

#: suffixes of edge lists and tables: a folder named like this is almost surely a mistake
TEXT_SUFFIXES = (".txt", ".tsv", ".csv", ".edges", ".el")  # and the reader's compressions (io.compression_suffix)


@click.command()
@input_argument
@graph_options
@output_option(required=True, help="Target: NAME.npz (one file) or a folder (memory-mapped .npy files).",
               folder_ok=True, binary=BINARY_SUFFIXES)
@user_errors
def convert(input: str, output: str, **opts) -> None:
    """Save INPUT as binary CSR so that large graphs are parsed once."""
    from graphsample.io import compression_suffix, save

    if output == "-":
        raise option_error("-o", "convert writes binary CSR to a .npz file or a folder, not to stdout ('-o -')")
    target = Path(output)
    suffix = target.suffix.lower()
    if suffix in TEXT_SUFFIXES or compression_suffix(output) or (suffix in BINARY_SUFFIXES and suffix != ".npz"):
        what = f"a {suffix} array" if suffix in BINARY_SUFFIXES else "a text file"  # -o g.npy made a folder g.npy
        raise option_error("-o", f"convert writes binary CSR to a .npz file or a folder, and {output!r} names {what}; "
                                 "use NAME.npz, or a folder name without such a suffix")
    if suffix != ".npz" and target.exists() and not target.is_dir():  # save's mkdir said only 'File exists'
        raise click.ClickException(f"{output}: an existing file, not a folder; convert writes NAME.npz (one file) "
                                   "or a folder")
    if suffix != ".npz" and target.is_dir() and not (target / "graph.json").exists() and any(target.iterdir()):
        raise click.ClickException(f"{output}: a folder that holds other files; convert writes a saved graph into a "
                                   "folder of its own (a new or empty one, or one it wrote before)")
    G = load_graph(input, **opts)
    save(G, output)
    if not opts.get("quiet"):
        click.echo(f"wrote {output}: {G.n_nodes:,} nodes, {G.n_arcs:,} arcs", err=True)
