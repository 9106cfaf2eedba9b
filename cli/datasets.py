"""``graphsample datasets list|path NAME``: the registry of real graphs."""

from __future__ import annotations

import click


@click.group()
def datasets() -> None:
    """Registered real datasets (mirror, cache or download with checksums)."""


@datasets.command("list")
def list_() -> None:
    """List the registered datasets."""
    from graphsample.datasets import registry

    for ds in registry().values():
        kind = "directed" if ds.directed else "undirected"
        labels = f", labels: {ds.labels['kind']}" if ds.labels else ""
        click.echo(f"{ds.name:<16} {ds.nodes:>7,} nodes {ds.arcs:>9,} arcs  {kind}{labels}  {ds.title}")


@datasets.command("path")
@click.argument("name")
@click.option("--no-download", is_flag=True, help="Only look in the mirror and the cache.")
def path(name: str, no_download: bool) -> None:
    """Print the local path of dataset NAME's edge file (downloading it if needed)."""
    from graphsample.datasets import fetch

    click.echo(str(fetch(name, "edges", download=not no_download)))
