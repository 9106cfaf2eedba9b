"""``graphsample select METHOD DATA -o idx.npy``: choose a subset of rows/items."""

from __future__ import annotations

import click

from . import SELECT_COMMANDS, LazyGroup


@click.group(cls=LazyGroup, lazy=SELECT_COMMANDS)
def select() -> None:
    """Select items from DATA (DPP, volume, sensitivity, MIG)."""
