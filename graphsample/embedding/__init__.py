"""Node embeddings: FastRP, GraphVite-style LINE / DeepWalk / node2vec, and their evaluation."""

from .evaluate import (ClassificationReport, EdgeSplit, LinkPredictionReport, link_prediction,
                       node_classification, split_edges)
from .fastrp import PRESETS, FastRP, fastrp, sparse_projection
from .graphvite import deepwalk, line, node2vec

__all__ = [
    "FastRP", "fastrp", "sparse_projection", "PRESETS",
    "node_classification", "ClassificationReport", "split_edges", "EdgeSplit", "link_prediction",
    "LinkPredictionReport", "line", "deepwalk", "node2vec",
]
