"""``graphsample embed METHOD INPUT -o emb.npy``: node embeddings."""

from __future__ import annotations

import click

from . import EMBED_COMMANDS, LazyGroup


@click.group(cls=LazyGroup, lazy=EMBED_COMMANDS)
def embed() -> None:
    """Embed the nodes of INPUT (FastRP, LINE, DeepWalk, node2vec)."""
