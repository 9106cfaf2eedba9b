"""graphsample: sample graphs and data at GPU speed.

The public API is re-exported here. Importing graphsample imports no GPU library: CuPy, PyTorch and
numba.cuda are loaded only when an array of theirs (or a GPU kernel) is used. The heavier subpackages
(``ranking``, ``embedding``, ``selection``, ``clustering``) are imported on first access
(``graphsample.ranking.pagerank`` after ``import graphsample``), PEP 562.
"""

import importlib
from typing import Any

from . import datasets, errors, generators, io, sampling, walks
from ._random import check_seed
from ._version import __version__
from .errors import GraphsampleError, GraphValidationError, InputFormatError
from .graph import Graph, from_csr, from_edge_index, from_edges, from_networkx, from_scipy
from .io import load, read_edgelist, save, write_edgelist
from .walks import random_walks

__all__ = [
    "Graph", "from_edges", "from_csr", "from_scipy", "from_networkx", "from_edge_index",
    "read_edgelist", "write_edgelist", "save", "load",
    "check_seed", "datasets", "generators", "io", "errors", "sampling", "walks", "random_walks",
    "GraphsampleError", "GraphValidationError", "InputFormatError", "__version__",
]

_LAZY = ("ranking", "embedding", "selection", "clustering")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
