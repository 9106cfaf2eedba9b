"""Registry of real graphs: where they come from, how to check them, how to read them.

Each dataset is described by a TOML file of the registry (``datasets/`` in the source tree, installed as
``graphsample.registry``): original source and citation, directedness, and per file a name, a SHA-256
and a download URL (a byte-identical copy pinned to a commit, so the checksum is stable).

:func:`load` looks for a file, in order, in

1. the local mirror folder ``$GRAPHSAMPLE_MIRROR/<name>/`` (set by the Makefile and CI to the project's
   shared dataset folder when it exists),
2. the cache ``$GRAPHSAMPLE_DATA/<name>/`` (default ``~/.cache/graphsample``),
3. the download URL, saved into the cache after its checksum is verified.

A mirror copy with the wrong checksum is an error (the mirror is the user's); a cache copy with the wrong
checksum (damaged, or from an older registry) is downloaded again, with a warning.

Every file's SHA-256 is checked before it is parsed. Offline with no copy, one clear error says where
it looked.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DatasetError
from .graph import Graph


@dataclass(frozen=True)
class DatasetInfo:
    """One registry entry (see the TOML files of ``graphsample.registry``)."""

    name: str
    title: str
    description: str
    directed: bool
    source: str
    citation: str
    nodes: int
    arcs: int
    edges: dict
    labels: dict | None = None
    reverse: bool = False


@lru_cache(maxsize=1)
def registry() -> dict[str, DatasetInfo]:
    """All registered datasets by name."""
    out = {}
    for entry in resources.files("graphsample.registry").iterdir():
        if entry.name.endswith(".toml"):
            spec = tomllib.loads(entry.read_text())
            out[spec["name"]] = DatasetInfo(**spec)
    return dict(sorted(out.items()))


def names() -> list[str]:
    """Names of the registered datasets."""
    return list(registry())


def info(name: str) -> DatasetInfo:
    """The registry entry of ``name`` (a clear error for an unknown name)."""
    reg = registry()
    if name not in reg:
        raise DatasetError(f"unknown dataset {name!r}; known datasets: {', '.join(reg)}")
    return reg[name]


def mirror_dir() -> Path | None:
    """The local mirror folder from ``GRAPHSAMPLE_MIRROR``, if set."""
    value = os.environ.get("GRAPHSAMPLE_MIRROR")
    return Path(value) if value else None


def cache_dir() -> Path:
    """The download cache: ``GRAPHSAMPLE_DATA`` or ``~/.cache/graphsample``."""
    return Path(os.environ.get("GRAPHSAMPLE_DATA", Path.home() / ".cache" / "graphsample"))


def sha256(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(name: str, which: str = "edges", *, download: bool = True) -> Path:
    """Path of a verified local copy of a dataset file (``which`` = ``"edges"`` or ``"labels"``)."""
    if which not in ("edges", "labels"):
        raise DatasetError(f"which must be 'edges' or 'labels', got {which!r}")
    ds = info(name)
    spec = ds.edges if which == "edges" else ds.labels
    if spec is None:
        raise DatasetError(f"dataset {name!r} has no {which}")
    looked = []
    mirror = mirror_dir()
    cached = cache_dir() / name / spec["file"]
    for path in ([mirror / name / spec["file"]] if mirror else []) + [cached]:
        looked.append(str(path))
        if not path.is_file():
            continue
        if sha256(path) == spec["sha256"]:
            return path
        mismatch = f"{path}: checksum mismatch for dataset {name!r} (expected sha256 {spec['sha256']})"
        if path != cached or not download:
            raise DatasetError(mismatch)
        warnings.warn(f"{mismatch}; downloading it again", stacklevel=2)  # a stale or damaged cache copy
    if not download:
        raise DatasetError(f"dataset {name!r} is not available locally (looked in {', '.join(looked)})")
    return _download(name, spec, cached, looked)


def _download(name: str, spec: dict, target: Path, looked: list[str]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    try:
        with urllib.request.urlopen(spec["url"], timeout=60) as r, open(tmp, "wb") as f:
            while block := r.read(1 << 20):
                f.write(block)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        tmp.unlink(missing_ok=True)
        raise DatasetError(f"dataset {name!r}: no local copy (looked in {', '.join(looked)}) and the download "
                           f"from {spec['url']} failed ({exc}); set GRAPHSAMPLE_MIRROR to a folder holding "
                           f"{name}/{spec['file']}") from None
    digest = sha256(tmp)
    if digest != spec["sha256"]:
        tmp.unlink(missing_ok=True)
        raise DatasetError(f"dataset {name!r}: downloaded file has sha256 {digest}, expected {spec['sha256']}")
    tmp.replace(target)
    return target


def load(name: str, *, return_labels: bool = False) -> Graph | tuple[Graph, Any]:
    """Load a registered dataset as a :class:`Graph` (node labels of the file kept as ``node_ids``).

    With ``return_labels=True`` also return its node labels aligned with the graph's node order:
    an int array of classes (single-label datasets: email-eu-core, cora) or an ``n x k`` 0/1
    ``scipy.sparse.csr_array`` (multi-label: blogcatalog). Datasets without labels raise.
    """
    from .io import read_edgelist

    ds = info(name)
    G = read_edgelist(fetch(name, "edges"), directed=ds.directed, reverse=ds.reverse)
    if not return_labels:
        return G
    return G, load_labels(name, G)


def load_labels(name: str, G: Graph) -> Any:
    """Node labels of dataset ``name`` aligned with the nodes of ``G`` (see :func:`load`)."""
    import scipy.sparse as sp

    ds = info(name)
    if ds.labels is None:
        raise DatasetError(f"dataset {name!r} has no node labels")
    table = np.loadtxt(fetch(name, "labels"), dtype=np.int64, ndmin=2)
    nodes = G.index_of(table[:, 0])
    if ds.labels["kind"] == "single":
        out = np.full(G.n_nodes, -1, np.int64)
        out[nodes] = table[:, 1]
        return out
    classes, col = np.unique(table[:, 1], return_inverse=True)
    return sp.csr_array((np.ones(len(nodes), np.int8), (nodes, col)), shape=(G.n_nodes, len(classes)))


__all__ = ["DatasetInfo", "registry", "names", "info", "mirror_dir", "cache_dir", "sha256", "fetch", "load",
           "load_labels"]
