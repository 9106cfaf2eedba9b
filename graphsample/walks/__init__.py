"""Random walks: uniform, weighted, node2vec, restart, self-repellent (SRRW) and the SA-SRRW optimiser."""

from .walk import WalkPaths, random_walks

__all__ = ["random_walks", "WalkPaths"]
