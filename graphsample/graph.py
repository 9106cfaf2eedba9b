"""The :class:`Graph`: an immutable CSR struct of arrays on one backend and device.

A graph with ``n`` nodes and ``m`` arcs is stored as

* ``indptr`` (int64, length ``n + 1``) and ``indices`` (int32 or int64, length ``m``): the out-arcs of
  node ``u`` are ``indices[indptr[u]:indptr[u+1]]``, sorted by target;
* ``weights`` (float32/float64, length ``m``) or ``None`` for an unweighted graph;
* ``directed``; an undirected graph stores every edge as both arcs (a self-loop once);
* ``node_ids``: original labels of nodes ``0..n-1`` on the host, or ``None`` when they are ``0..n-1``.

Validation happens once, in the constructors (:meth:`Graph.from_edges`, :meth:`Graph.from_csr`,
the converters): ids in range, weights finite and non-negative, and explicit policies for
self-loops (``"keep"``/``"drop"``) and duplicate arcs (``"sum"``/``"first"``/``"error"``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from . import _ops
from ._backend import (_is_array, arg_backend, backend_of, device_kwargs, device_of, host_view, kernel_threads,
                       move_like, namespace, native, to_backend, to_numpy)
from .errors import GraphValidationError, is_integer

SelfLoops = Literal["keep", "drop"]
Duplicates = Literal["sum", "first", "error"]


@dataclass(frozen=True, eq=False)
class Graph:
    """A directed or undirected graph in CSR form. Build it with :meth:`from_edges` or a converter."""

    indptr: Any
    indices: Any
    weights: Any | None
    n_nodes: int
    directed: bool = True
    node_ids: np.ndarray | None = None
    #: How the graph was built (self-loops dropped, duplicates merged, ...); informational.
    meta: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        b = backend_of(self.indptr)
        for name in ("indices", "weights"):
            arr = getattr(self, name)
            if arr is not None and backend_of(arr) != b:
                raise GraphValidationError(f"{name} is a {backend_of(arr)} array but indptr is {b}")
        if self.indptr.ndim != 1 or self.indptr.shape[0] != self.n_nodes + 1:
            raise GraphValidationError(f"indptr must have n_nodes + 1 = {self.n_nodes + 1} entries, "
                                       f"got shape {tuple(self.indptr.shape)}")
        if self.weights is not None and self.weights.shape != self.indices.shape:
            raise GraphValidationError(f"weights has {self.weights.shape[0]} entries for {self.indices.shape[0]} arcs")
        if self.node_ids is not None:
            _check_label_count(self.node_ids, self.n_nodes)
            problem = label_problem(np.asarray(self.node_ids))
            if problem:
                raise GraphValidationError(problem)

    # ------------------------------------------------------------------ basic facts
    @property
    def n_arcs(self) -> int:
        """Number of stored arcs (an undirected edge counts twice, a self-loop once)."""
        return int(self.indices.shape[0])

    @property
    def n_edges(self) -> int:
        """Arcs of a directed graph; edges (self-loops included once) of an undirected one."""
        if self.directed:
            return self.n_arcs
        return (self.n_arcs + self.n_self_loops) // 2

    @property
    def is_weighted(self) -> bool:
        return self.weights is not None

    @property
    def backend(self) -> str:
        """``"numpy"``, ``"cupy"`` or ``"torch"``."""
        return backend_of(self.indptr)

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda:N"``."""
        return device_of(self.indptr)

    @property
    def xp(self) -> Any:
        """The array-API namespace of the graph's arrays."""
        return namespace(self.indptr)

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        w = ", weighted" if self.is_weighted else ""
        return f"Graph({self.n_nodes} nodes, {self.n_arcs} arcs, {kind}{w}, {self.backend} on {self.device})"

    def out_degree(self, weighted: bool = False) -> Any:
        """Out-degree of every node (sum of out-arc weights when ``weighted``)."""
        if weighted and self.weights is not None:
            return _ops.segment_sum(self.weights, self.indptr)
        return self.indptr[1:] - self.indptr[:-1]

    def in_degree(self, weighted: bool = False) -> Any:
        """In-degree of every node (sum of in-arc weights when ``weighted``)."""
        if weighted and self.weights is not None:
            return _ops.bincount(self.indices, self.n_nodes, weights=self.weights)
        return _ops.bincount(self.indices, self.n_nodes)

    def degree(self) -> Any:
        """Number of neighbours of an undirected graph; in + out degree of a directed one."""
        if self.directed:
            return self.out_degree() + self.in_degree()
        return self.out_degree()

    @cached_property
    def sources(self) -> Any:
        """Source node of every stored arc (the row ids of the CSR), computed once."""
        return _ops.repeat_ids(self.indptr)

    @cached_property
    def n_self_loops(self) -> int:
        return int((self.sources == self.indices).sum())

    def edges(self) -> tuple[Any, Any, Any | None]:
        """The arcs as ``(src, dst, weights)`` arrays in CSR order."""
        return self.sources, self.indices, self.weights

    @cached_property
    def transpose(self) -> Graph:
        """The reverse graph (in-arcs as out-arcs), built on first use and cached."""
        if not self.directed:
            return self
        if device_of(self.indptr) == "cpu":  # one counting sort: the rows come out sorted
            from ._csr import transpose_csr

            w = None if self.weights is None else host_view(self.weights)
            ptr, idx, tw = transpose_csr(host_view(self.indptr), host_view(self.indices),
                                         np.empty(0) if w is None else w, np.empty(0, _index_dtype(self.n_nodes, np)))
            return _host_built(self, ptr, idx, None if w is None else tw, self.n_nodes, True, self.node_ids)
        src, dst, w = self.edges()
        return _from_sorted_pairs(dst, src, w, self.n_nodes, True, self.node_ids)

    # ------------------------------------------------------------------ labels
    def index_of(self, labels: Any) -> np.ndarray:
        """Internal ids (0..n-1) of original node labels; raises on an unknown label.

        Labels are matched by value. When the graph's labels are integers (``node_ids`` of an integer
        dtype, or ``None`` for labels ``0..n-1``), a float label equal to an integer (``2.0``) stands for
        that integer, and a float with a fractional part, NaN or an infinity raises
        :class:`GraphValidationError` ("not an integer"). Float labels of a float-labelled graph are
        compared as they are.
        """
        labels = np.atleast_1d(np.asarray(labels))
        if labels.dtype.kind == "f" and (self.node_ids is None or self.node_ids.dtype.kind in "iu"):
            labels = _integral_labels(labels)
        if self.node_ids is None:
            if labels.dtype.kind not in "iu":
                raise GraphValidationError(f"unknown node id {_scalar(labels.ravel()[0])!r}: this graph's nodes are "
                                           f"0..{self.n_nodes - 1}")
            bad = (labels < 0) | (labels >= self.n_nodes)
            if bad.any():
                raise GraphValidationError(f"unknown node id {labels[bad][0].item()}: this graph's nodes are 0..{self.n_nodes - 1}")
            return labels.astype(np.int64)
        order = np.argsort(self.node_ids, kind="stable")
        sorted_ids = self.node_ids[order]
        try:
            pos = np.searchsorted(sorted_ids, labels)
        except TypeError:
            raise GraphValidationError(f"unknown node id {_scalar(labels.ravel()[0])!r}") from None
        pos = np.minimum(pos, len(sorted_ids) - 1)
        found = sorted_ids[pos] == labels
        if not np.all(found):
            raise GraphValidationError(f"unknown node id {_scalar(labels[~found][0])!r}")
        return order[pos].astype(np.int64)

    def label_of(self, ids: Any) -> np.ndarray:
        """Original labels of internal ids (host array; a scalar id gives a 0-d array). Ids are integers in
        0..n-1 (a list, range, NumPy/CuPy/torch array or an integer); anything else raises
        :class:`GraphValidationError`."""
        ids = np.asarray(to_numpy(ids) if _is_array(ids) else ids)  # lists, ranges and ints as they are
        if ids.size and ids.dtype.kind not in "iu":
            raise GraphValidationError(f"internal node ids must be integers, got {ids.dtype} values")
        bad = (ids < 0) | (ids >= self.n_nodes)
        if bad.any():
            raise GraphValidationError(f"internal node id {ids[bad].ravel()[0].item()} is outside 0..{self.n_nodes - 1}")
        ids = ids.astype(np.int64)
        return ids if self.node_ids is None else self.node_ids[ids]

    # ------------------------------------------------------------------ moving
    def to(self, backend: str, device: str | None = None) -> Graph:
        """The same graph with its arrays on ``backend`` (``"numpy"``, ``"cupy"``, ``"torch"``) and ``device``.

        This is the explicit host/device transfer; ``node_ids`` stay on the host.
        """
        move = lambda a: to_backend(a, backend, device)  # noqa: E731
        G = Graph(move(self.indptr), move(self.indices), move(self.weights), self.n_nodes, self.directed,
                  None, dict(self.meta))
        return with_distinct_labels(G, self.node_ids)

    # ------------------------------------------------------------------ derived graphs
    def subgraph(self, nodes: Any) -> Graph:
        """The subgraph induced by internal node ids ``nodes`` (relabelled 0..k-1 in the given order).

        ``node_ids`` of the result are the original labels of the kept nodes.
        """
        xp = self.xp
        try:
            nodes = xp.asarray(nodes, **device_kwargs(self.indptr))
        except (TypeError, ValueError):  # torch takes no strings, nor ragged lists
            raise GraphValidationError(f"subgraph nodes must be a 1-D array of node ids, got {nodes!r}") from None
        if nodes.ndim != 1:
            raise GraphValidationError(f"subgraph nodes must be a 1-D array of node ids, got shape {tuple(nodes.shape)}")
        if int(nodes.shape[0]) and not xp.isdtype(nodes.dtype, "integral"):
            raise GraphValidationError(f"subgraph nodes must be integer node ids, got dtype {nodes.dtype}")
        if not int(nodes.shape[0]):  # [] is float64, which cannot index
            nodes = xp.astype(nodes, xp.int64)
        if int(nodes.shape[0]) and (int(xp.min(nodes)) < 0 or int(xp.max(nodes)) >= self.n_nodes):
            raise GraphValidationError("subgraph nodes must be ids in 0..n_nodes-1")
        new_id = xp.full((self.n_nodes,), -1, dtype=xp.int64, **device_kwargs(self.indptr))
        new_id[nodes] = xp.arange(nodes.shape[0], dtype=xp.int64, **device_kwargs(self.indptr))
        if int(xp.sum(xp.astype(new_id >= 0, xp.int64))) != int(nodes.shape[0]):
            raise GraphValidationError("subgraph nodes must be distinct")
        labels = self.label_of(nodes)
        if device_of(self.indptr) == "cpu":
            return _induced_host(self, nodes, new_id, labels)
        src, dst, w = self.edges()
        keep = (new_id[src] >= 0) & (new_id[dst] >= 0)
        return _from_sorted_pairs(new_id[src][keep], new_id[dst][keep], None if w is None else w[keep],
                                  int(nodes.shape[0]), self.directed, labels)

    def to_undirected(self) -> Graph:
        """The undirected graph on the same nodes: an edge wherever an arc exists in either direction.

        Weights of opposite arcs are summed into the edge weight.
        """
        if not self.directed:
            return self
        if device_of(self.indptr) == "cpu":  # merge each row with its transpose's (both sorted): no sort
            from ._csr import union_csr

            T = self.transpose
            w = [None if a is None else host_view(a) for a in (self.weights, T.weights)]
            with kernel_threads(self.n_arcs):
                parts = union_csr(host_view(self.indptr), host_view(self.indices), w[0], host_view(T.indptr),
                                  host_view(T.indices), w[1], np.dtype(_index_dtype(self.n_nodes, np)))
            return _host_built(self, *parts, self.n_nodes, False, self.node_ids)
        src, dst, w = self.edges()
        G = from_edges(src, dst, w, n_nodes=self.n_nodes, directed=False, duplicates="sum")
        return with_distinct_labels(G, self.node_ids)

    # ------------------------------------------------------------------ converters
    def to_scipy(self) -> Any:
        """A ``scipy.sparse.csr_array`` of the adjacency (weights, or 1s); host arrays only."""
        import scipy.sparse as sp

        data = np.ones(self.n_arcs) if self.weights is None else to_numpy(self.weights)
        return sp.csr_array((data, to_numpy(self.indices), to_numpy(self.indptr)), shape=(self.n_nodes, self.n_nodes))

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` (or ``Graph``) with the original labels and a ``weight`` attribute."""
        import networkx as nx

        H = nx.DiGraph() if self.directed else nx.Graph()
        labels = np.arange(self.n_nodes) if self.node_ids is None else self.node_ids
        H.add_nodes_from(labels.tolist())
        src, dst, w = (to_numpy(a) for a in self.edges())
        s, d = labels[src].tolist(), labels[dst].tolist()
        if w is None:
            H.add_edges_from(zip(s, d))
        else:
            H.add_weighted_edges_from(zip(s, d, w.tolist()))
        return H

    def to_edge_index(self) -> tuple[Any, Any | None]:
        """PyG form: ``(edge_index, edge_weight)`` with ``edge_index`` of shape (2, m), int64."""
        src, dst, w = self.edges()
        xp = self.xp
        return xp.stack([xp.astype(src, xp.int64), xp.astype(dst, xp.int64)]), w

    from_edges = staticmethod(lambda *a, **k: from_edges(*a, **k))
    from_csr = staticmethod(lambda *a, **k: from_csr(*a, **k))
    from_scipy = staticmethod(lambda *a, **k: from_scipy(*a, **k))
    from_networkx = staticmethod(lambda *a, **k: from_networkx(*a, **k))
    from_edge_index = staticmethod(lambda *a, **k: from_edge_index(*a, **k))


def check_graph(G: Any, name: str = "G") -> None:
    """Raise ``TypeError`` unless ``G`` is a :class:`Graph`: the check every entry point taking a graph starts with."""
    if not isinstance(G, Graph):
        kind = type(G)  # a networkx graph is named as one (its class is just "Graph"), with the converter
        what = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
        hint = "; convert it with graphsample.from_networkx" if kind.__module__.startswith("networkx") else ""
        raise TypeError(f"{name} must be a graphsample Graph, got {what}{hint}")


def label_problem(labels: np.ndarray) -> str | None:
    """What keeps ``labels`` (one per node) from naming each node once, as :meth:`Graph.index_of` needs, or None.

    Labels must be distinct, and so comparable: the answer names the first repeated label in node order, as
    ``label 'b' names nodes 1 and 2``, the label of the smallest node whose label an earlier node already has.
    One sort, O(n log n), unless the labels already increase (as ``relabel=True`` numbers them: O(n)); a stable
    argsort for the message only when a label repeats.
    """
    if labels.shape[0] < 2:
        return None
    if labels.dtype.kind in "iuU" and bool(np.all(labels[1:] > labels[:-1])):  # sorted, so distinct: no sort
        return None
    try:
        ranked = np.sort(labels)
    except TypeError:  # an object array mixing kinds (ints and strings) has no order, and no index_of
        return "node labels must be all integers or all strings, not a mix that cannot be compared"
    if not (ranked[1:] == ranked[:-1]).any():
        return None
    order = np.argsort(labels, kind="stable")
    again = labels[order[1:]] == labels[order[:-1]]
    later = int(order[1:][again].min())  # the stable sort keeps equal labels in node order
    first = int(np.flatnonzero(labels[:later] == labels[later])[0])
    return f"node labels must be distinct: label {_scalar(labels[later])!r} names nodes {first} and {later}"


def _scalar(x: Any) -> Any:
    """A label as Python shows it in a message: NumPy scalars as Python ones, objects (``None``, a dict) as they are."""
    return x.item() if isinstance(x, np.generic) else x


def with_distinct_labels(G: Graph, labels: np.ndarray | None) -> Graph:
    """``G``, just built without labels and not yet handed out, labelled with ``labels``: labels distinct by
    construction (a graph's own labels, those the edge-list reader collects), so that Graph's O(n log n) check
    of distinct labels is not paid again."""
    if labels is not None:
        _check_label_count(labels, G.n_nodes)
    object.__setattr__(G, "node_ids", labels)  # frozen: this is its constructor's last step
    return G


def _check_label_count(labels: Any, n: int) -> None:
    if len(labels) != n:
        raise GraphValidationError(f"node_ids has {len(labels)} labels for {n} nodes")


def _integral_labels(labels: np.ndarray) -> np.ndarray:
    """Float labels that stand for integers, as int64 (see :meth:`Graph.index_of`).

    A label with a fractional part, NaN or an infinity raises; a whole number beyond the int64 range
    cannot be a label of an integer-labelled graph and raises as unknown.
    """
    bad = ~np.isfinite(labels) | (labels != np.trunc(labels))
    if bad.any():
        raise GraphValidationError(f"node id {labels[bad][0].item()!r} is not an integer: "
                                   "this graph's node labels are integers")
    huge = np.abs(labels) >= 2.0 ** 63
    if huge.any():
        raise GraphValidationError(f"unknown node id {labels[huge][0].item()!r}")
    return labels.astype(np.int64)


def _index_dtype(n: int, xp: Any) -> Any:
    return xp.int32 if n < 2**31 - 1 else xp.int64


def _builder(src: Any):
    return _build_host if device_of(src) == "cpu" else _build_device


def _induced_host(G: Graph, nodes: Any, new_id: Any, labels: Any) -> Graph:
    """:meth:`Graph.subgraph` of a host graph from the rows of ``nodes`` alone (:func:`._csr.induced_csr`),
    in time proportional to their degrees instead of a pass over every arc."""
    from ._csr import induced_csr

    k = int(nodes.shape[0])
    ptr, col, arcs = induced_csr(host_view(G.indptr), host_view(G.indices), host_view(nodes).astype(np.int64),
                                 host_view(new_id), not G.directed)
    w = None if G.weights is None else host_view(G.weights)[arcs]
    return _host_built(G, ptr, col.astype(_index_dtype(k, np)), w, k, G.directed, labels)


def _host_built(G: Graph, indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray | None, n: int,
                directed: bool, labels: Any) -> Graph:
    """A graph that a host kernel built from ``G`` (its transpose, a subgraph, its undirected view), on ``G``'s
    backend and device, labelled with the distinct ``labels``."""
    parts = [None if a is None else move_like(a, G.indptr) for a in (indptr, indices, weights)]
    return with_distinct_labels(Graph(*parts, n, directed), labels)


def _from_sorted_pairs(src: Any, dst: Any, w: Any, n: int, directed: bool, node_ids: Any) -> Graph:
    """CSR from arcs already validated and free of duplicates (any order), labelled with distinct ``node_ids``."""
    xp = namespace(src)
    indptr, indices, weights, _ = _builder(src)(xp.astype(src, xp.int64), xp.astype(dst, xp.int64), w, n, "first")
    return with_distinct_labels(Graph(indptr, indices, weights, n, directed), node_ids)


def _scan_arcs(src: Any, dst: Any) -> tuple[int, int, int]:
    """(smallest id, largest id, number of self-loops); one Numba pass on the host."""
    if device_of(src) == "cpu":
        from ._csr import scan_arcs

        lo, hi, loops = scan_arcs(host_view(src), host_view(dst))
        return int(lo), int(hi), int(loops)
    xp = namespace(src)
    if src.shape[0] == 0:
        return 0, -1, 0
    lo = min(int(xp.min(src)), int(xp.min(dst)))
    hi = max(int(xp.max(src)), int(xp.max(dst)))
    return lo, hi, int(xp.sum(xp.astype(src == dst, xp.int64)))


def _first_bad_id(src: Any, dst: Any, n: int) -> tuple[int, str]:
    for a, what in ((src, "source"), (dst, "target")):
        if a.shape[0] and (int(a.min()) < 0 or int(a.max()) >= n):
            return (int(a.min()) if int(a.min()) < 0 else int(a.max())), what
    raise AssertionError("no out-of-range id")


def indptr_problem(indptr: Any, m: int) -> bool:
    """Whether the row pointer ``indptr`` fails to run from 0 to ``m`` (the number of arcs) without decreasing: a
    kernel walking its rows would read outside the ``m`` arc slots."""
    xp = namespace(indptr)
    return int(indptr[0]) != 0 or int(indptr[-1]) != m or bool(xp.any(indptr[1:] < indptr[:-1]))


def native_byte_order(a: Any) -> Any:
    """``a`` in the machine's byte order: a NumPy array read from a file written elsewhere (``'>i8'``) is converted
    once here, where arrays become a graph, since Numba's kernels take native arrays only; other arrays as they are
    (``None`` too)."""
    if isinstance(a, np.ndarray) and not a.dtype.isnative:
        return a.astype(a.dtype.newbyteorder("="))
    return a


def _csr_problem(indptr: Any, indices: Any, n: int) -> str | None:
    """What would make kernels read out of bounds in the CSR ``indptr`` (n + 1) / ``indices`` of ``n`` nodes, or None.

    ``indptr`` must run from 0 to the number of arcs without decreasing and every target id lie in ``0..n-1``:
    the checks of :func:`from_csr` and of :func:`graphsample.io.load` (which words the answer as a damaged file).
    """
    xp = namespace(indptr, indices)
    m = int(indices.shape[0])
    if indptr_problem(indptr, m):
        return "indptr does not run from 0 to the number of arcs without decreasing"
    if m:
        lo, hi = int(xp.min(indices)), int(xp.max(indices))
        if lo < 0 or hi >= n:
            return f"target ids outside 0..{n - 1} (found {lo if lo < 0 else hi})"
    return None


def weight_problem(w: Any) -> str | None:
    """What is wrong with arc weights ``w`` (any backend), or None: they must be float32 or float64, finite and
    non-negative (the first bad arc is named)."""
    xp = namespace(w)
    if not xp.isdtype(w.dtype, "real floating"):
        return f"weights must be floating point, got {w.dtype}"
    if w.dtype not in (xp.float32, xp.float64):  # float16, bfloat16: the Numba and CUDA kernels have no such type
        return f"weights must be float32 or float64, got {str(w.dtype).removeprefix('torch.')}"
    if (i := _first_true(~xp.isfinite(w))) is not None:
        return f"weight of arc {i} is {float(w[i])}: weights must be finite"
    if (i := _first_true(w < 0)) is not None:
        return f"weight of arc {i} is negative ({float(w[i])}): weights must be >= 0"
    return None


def _check_weights(w: Any) -> None:
    if problem := weight_problem(w):
        raise GraphValidationError(problem)


def _first_true(mask: Any) -> int | None:
    """Position of the first True of a boolean array (any backend), None when it has none."""
    xp = namespace(mask)
    return int(xp.argmax(xp.astype(mask, xp.int8))) if bool(xp.any(mask)) else None


def _from_sequence(a: Any, name: str, dtype: type, kinds: str) -> Any:
    """A Python list or tuple (the parameter ``name``) as a NumPy array of ``dtype`` when its values are of the
    ``kinds`` (integers for node ids; integers or floats for weights); other values keep the dtype NumPy gives
    them, which the checks of :func:`from_edges` refuse (``[0.5, 1]`` as node ids was truncated to ``[0, 1]``).
    Anything else is returned as it is."""
    if not isinstance(a, list | tuple):
        return a
    try:
        arr = np.asarray(a)
    except ValueError:  # nested sequences of different lengths
        raise GraphValidationError(f"{name} must be a flat sequence of numbers") from None
    return arr.astype(dtype) if arr.size == 0 or arr.dtype.kind in kinds else arr


def from_edges(src: Any, dst: Any, weights: Any = None, *, n_nodes: int | None = None, directed: bool = True,
               self_loops: SelfLoops = "keep", duplicates: Duplicates = "sum", node_ids: Any = None) -> Graph:
    """Build a :class:`Graph` from arc arrays ``src -> dst`` (node ids ``0..n_nodes-1``).

    Parameters
    ----------
    src, dst : int arrays of equal length (NumPy, CuPy or torch; the graph lives where they live), or Python
        lists of ints (host).
    weights : float array of the same length, or None. Must be finite and non-negative.
    n_nodes : number of nodes; default ``max id + 1``.
    directed : if False each pair is an undirected edge, stored as both arcs; ``(u, v)`` and ``(v, u)``
        are then the same edge (a duplicate).
    self_loops : ``"keep"`` or ``"drop"`` arcs ``u -> u``.
    duplicates : repeated arcs are merged with summed weights (``"sum"``, unweighted: one arc), the first
        kept (``"first"``), or rejected (``"error"``).
    node_ids : original labels of the nodes (host array of length ``n_nodes``), kept for output.
    """
    if self_loops not in ("keep", "drop"):
        raise ValueError(f"self_loops must be 'keep' or 'drop', not {self_loops!r}")
    if duplicates not in ("sum", "first", "error"):
        raise ValueError(f"duplicates must be 'sum', 'first' or 'error', not {duplicates!r}")
    arg_backend(src, "src")
    arg_backend(dst, "dst")
    if weights is not None:
        arg_backend(weights, "weights")
    src, dst = (_from_sequence(a, name, np.int64, "iu") for a, name in ((src, "src"), (dst, "dst")))
    weights = _from_sequence(weights, "weights", np.float64, "fiu")
    places = {name: f"{backend_of(a)} {device_of(a)}" for name, a in (("src", src), ("dst", dst), ("weights", weights))
              if a is not None}
    if len(set(places.values())) > 1:  # array-api-compat's 'Multiple namespaces for array inputs: [<module ...>]'
        raise GraphValidationError("src, dst and weights must be arrays of one library on one device (lists count "
                                   "as NumPy); got " + ", ".join(f"{k} on {v}" for k, v in places.items()) +
                                   "; build the graph from one library, then move it with G.to(backend, device)")
    xp = namespace(src, dst, weights)
    if src.ndim != 1 or dst.ndim != 1 or src.shape != dst.shape:
        raise GraphValidationError(f"src and dst must be 1-D of equal length, got shapes {tuple(src.shape)} and {tuple(dst.shape)}")
    if not (xp.isdtype(src.dtype, "integral") and xp.isdtype(dst.dtype, "integral")):
        raise GraphValidationError(f"node ids must be integers, got {src.dtype} and {dst.dtype}")
    if weights is not None and weights.shape != src.shape:
        raise GraphValidationError(f"weights must have one entry per arc: {weights.shape[0]} for {src.shape[0]} arcs")
    m = int(src.shape[0])
    src = xp.astype(src, xp.int64, copy=False)
    dst = xp.astype(dst, xp.int64, copy=False)
    lo, hi, n_loops = _scan_arcs(src, dst)
    if n_nodes is None:
        n_nodes = hi + 1
    if not is_integer(n_nodes) or n_nodes < 0:
        raise GraphValidationError(f"n_nodes must be an integer >= 0 or None, got {n_nodes!r}")
    n_nodes = int(n_nodes)
    _check_node_count(n_nodes)
    if m and (lo < 0 or hi >= n_nodes):
        bad, what = _first_bad_id(src, dst, n_nodes)
        raise GraphValidationError(f"{what} id {bad} is out of range for a graph of {n_nodes} nodes "
                                   f"(ids 0..{n_nodes - 1})")
    if weights is not None:
        _check_weights(weights)
    meta = {"input_arcs": m, "self_loops": n_loops}
    if self_loops == "drop" and n_loops:
        keep = src != dst
        src, dst = src[keep], dst[keep]
        weights = None if weights is None else weights[keep]
        meta["self_loops_dropped"] = n_loops
    if not directed:  # canonical (min, max) so both listings of an edge collide
        src, dst = xp.minimum(src, dst), xp.maximum(src, dst)
    if node_ids is not None:
        node_ids = np.asarray(node_ids)
        if len(node_ids) != n_nodes:
            raise GraphValidationError(f"node_ids has {len(node_ids)} labels for {n_nodes} nodes")
    build = _builder(src)
    indptr, indices, weights, n_dup = build(src, dst, weights, n_nodes, duplicates)
    if n_dup and weights is not None and duplicates == "sum":
        _check_summed_weights(indptr, indices, weights)
    meta["duplicates"] = n_dup
    if n_dup:
        meta["duplicates_merged"] = n_dup
    if not directed:  # mirror the canonical edges: (u, v) and (v, u), a self-loop once
        s, d = _ops.repeat_ids(indptr), indices
        off = s != d
        src = xp.concat([s, xp.astype(d[off], xp.int64)])
        dst = xp.concat([xp.astype(d, xp.int64), s[off]])
        weights = None if weights is None else xp.concat([weights, weights[off]])
        indptr, indices, weights, _ = build(src, dst, weights, n_nodes, "first")
    G = Graph(indptr, indices, weights, n_nodes, directed, node_ids)
    G.meta.update(meta)
    return G


def _check_summed_weights(indptr: Any, indices: Any, w: Any) -> None:
    """Raise unless the merged weights of a CSR built with ``duplicates="sum"`` are finite: finite weights checked
    by :func:`_check_weights` can still sum to inf (two arcs of 1e308)."""
    if (i := _first_true(~namespace(w).isfinite(w))) is not None:
        u = int(np.searchsorted(to_numpy(indptr), i, side="right")) - 1
        raise GraphValidationError(f"the weights of the duplicate arcs {u} -> {int(indices[i])} sum to {float(w[i])}: "
                                   "weights must be finite; rescale them or pass duplicates='first'")


def _first_duplicate(src: Any, dst: Any, n: int) -> tuple[int, int]:
    xp = namespace(src)
    key = src * max(n, 1) + dst
    k = key[xp.argsort(key, stable=True)]
    i = int(xp.argmax(xp.astype(k[1:] == k[:-1], xp.int8)))
    return int(k[i]) // max(n, 1), int(k[i]) % max(n, 1)


def _build_host(src: Any, dst: Any, w: Any, n: int, duplicates: str) -> tuple[Any, Any, Any, int]:
    """CSR on the host by counting sort + per-row sort (Numba), O(m) plus small row sorts."""
    from ._csr import DUP_FIRST, DUP_SUM, build_csr

    b = backend_of(src)
    s, d = host_view(src), host_view(dst)
    x = None if w is None else host_view(w)
    mode = DUP_SUM if duplicates == "sum" else DUP_FIRST
    with kernel_threads(s.shape[0]):
        indptr, indices, weights, n_dup = build_csr(s, d, x, n, mode, np.dtype(np.int32 if n < 2**31 - 1 else np.int64))
    if n_dup and duplicates == "error":
        u, v = _first_duplicate(s, d, n)
        raise GraphValidationError(f"duplicate arc {u} -> {v} (duplicates='error')")
    if b == "torch":
        return tuple(to_backend(a, "torch") for a in (indptr, indices, weights)) + (n_dup,)
    return indptr, indices, weights, n_dup


def _build_device(src: Any, dst: Any, w: Any, n: int, duplicates: str) -> tuple[Any, Any, Any, int]:
    """CSR with array-API operations (sort by packed key, merge duplicates): the GPU path."""
    xp = namespace(src)
    key = src * max(n, 1) + dst
    order = xp.argsort(key, stable=True)
    key, src, dst = key[order], src[order], dst[order]
    w = None if w is None else w[order]
    if key.shape[0] > 1:
        new = xp.concat([xp.ones(1, dtype=xp.bool, **device_kwargs(key)), key[1:] != key[:-1]])
    else:
        new = xp.ones(key.shape, dtype=xp.bool, **device_kwargs(key))
    n_dup = int(key.shape[0] - int(xp.sum(xp.astype(new, xp.int64))))
    if n_dup:
        if duplicates == "error":
            i = int(xp.argmin(xp.astype(new, xp.int8)))
            raise GraphValidationError(f"duplicate arc {int(src[i])} -> {int(dst[i])} (duplicates='error')")
        if w is not None and duplicates == "sum":
            group = xp.cumulative_sum(xp.astype(new, xp.int64)) - 1
            w = xp.astype(_ops.bincount(group, int(group[-1]) + 1, weights=w), w.dtype)
        elif w is not None:
            w = w[new]
        src, dst = src[new], dst[new]
    indptr = xp.searchsorted(src, xp.arange(n + 1, dtype=xp.int64, **device_kwargs(src)))
    return xp.astype(indptr, xp.int64), xp.astype(dst, _index_dtype(n, xp)), w, n_dup


def _physical_memory() -> int | None:
    """Bytes of physical memory of this machine, or None where the OS does not tell."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def memory_problem(what: str, nbytes: int) -> str | None:
    """What to say when ``what`` needs ``nbytes`` bytes, more than this machine's physical memory, or None: said
    before the allocation, instead of a MemoryError or the OOM killer."""
    memory = _physical_memory()
    if memory is not None and nbytes > memory:
        return f"{what} need {nbytes / 2**30:,.0f} GiB, more than this machine's {memory / 2**30:,.0f} GiB"
    return None


def _check_node_count(n: int) -> None:
    """Refuse a node count whose CSR row pointers alone (8 bytes a node) would not fit in memory: a node id of
    10**12 (a hash, a timestamp) asked for 8 TB."""
    if problem := memory_problem(f"the row pointers of {n} nodes", 8 * (n + 1)):
        raise GraphValidationError(f"{problem}: node ids are used as row numbers, so renumber them densely "
                                   "(read_edgelist's relabel=True, the default, does; or np.unique(..., "
                                   "return_inverse=True) and node_ids=)")


def from_csr(indptr: Any, indices: Any, weights: Any = None, *, directed: bool = True,
             node_ids: Any = None, validate: bool = True) -> Graph:
    """Wrap existing CSR arrays as a :class:`Graph` (checked unless ``validate=False``).

    Rows must be sorted by target and free of duplicates; undirected graphs must be symmetric.
    """
    for name, a in (("indptr", indptr), ("indices", indices), ("weights", weights)):
        if a is not None:
            arg_backend(a, name, lists=False)
    indptr, indices, weights = (native_byte_order(a) for a in (indptr, indices, weights))
    xp = namespace(indptr, indices, weights)
    for name, a in (("indptr", indptr), ("indices", indices)):
        if a.ndim != 1 or not xp.isdtype(a.dtype, "integral"):
            raise GraphValidationError(f"{name} must be a 1-D integer array, got {a.dtype} of shape {tuple(a.shape)}")
    n = int(indptr.shape[0]) - 1
    if n < 0:
        raise GraphValidationError("indptr must have at least one entry")
    if validate:
        problem = _csr_problem(indptr, indices, n)
        if problem:
            raise GraphValidationError(problem)
        if weights is not None:
            _check_weights(weights)
    G = Graph(xp.astype(indptr, xp.int64), indices, weights, n, directed,
              None if node_ids is None else np.asarray(node_ids))
    if validate and (problem := order_problem(G)):
        raise GraphValidationError(problem)
    return G


def order_problem(G: Graph) -> str | None:
    """What breaks the order of ``G``'s CSR that every method relies on, or None: each row sorted by target with no
    arc twice, and an undirected graph symmetric (arcs and weights). On the host by one parallel pass and one
    transpose (:func:`graphsample._csr.order_breaks`); on a GPU by sorted keys and a rebuild from the edges.
    Checked by :func:`from_csr` and :func:`graphsample.io.load`; ``G``'s arrays must already be in bounds
    (:func:`_csr_problem`)."""
    unsorted = "CSR rows must be sorted by target with no duplicate arcs"
    asymmetric = "an undirected graph's CSR must be symmetric (arcs and weights)"
    if device_of(G.indptr) == "cpu":
        from ._csr import ORDER_ASYMMETRIC, ORDER_UNSORTED, order_breaks

        code = order_breaks(host_view(G.indptr), host_view(G.indices),
                            None if G.weights is None else host_view(G.weights), not G.directed)
        return {ORDER_UNSORTED: unsorted, ORDER_ASYMMETRIC: asymmetric}.get(code)
    xp = namespace(G.indptr, G.indices)
    n = G.n_nodes
    if G.indices.shape[0] > 1:
        key = _ops.repeat_ids(xp.astype(G.indptr, xp.int64)) * max(n, 1) + xp.astype(G.indices, xp.int64)
        if not bool(xp.all(key[1:] > key[:-1])):
            return unsorted
    if not G.directed:
        T = G.edges()
        back = _from_sorted_pairs(T[1], T[0], T[2], n, True, None)
        if not bool(xp.all(back.indices == G.indices)) or not bool(xp.all(back.indptr == G.indptr)) or \
                (G.weights is not None and not bool(xp.all(back.weights == G.weights))):
            return asymmetric
    return None


def from_scipy(A: Any, *, directed: bool = True, weighted: bool | None = None, node_ids: Any = None,
               self_loops: SelfLoops = "keep") -> Graph:
    """From a square scipy.sparse matrix/array (or cupyx sparse): entry ``A[u, v]`` is arc ``u -> v``.

    With ``weighted=True`` every stored entry is an arc and its value the weight, an explicit zero too (an arc of
    weight 0, as ``G.to_scipy()`` stores it): ``from_scipy(G.to_scipy(), weighted=True)`` is ``G``. With
    ``weighted=False`` an explicit zero is no arc (``A[u, v] = 0`` on a CSR matrix stores a zero). ``weighted=None``
    is ``True`` unless every nonzero value is 1, and then ``False``. ``A.eliminate_zeros()`` first drops them all.
    With ``directed=False`` entry ``A[u, v]`` is the edge ``{u, v}``: the matrix may be symmetric or hold
    each edge in one triangle only; ``A[u, v]`` and ``A[v, u]`` both present must be equal.
    """
    if not hasattr(A, "tocoo"):
        raise TypeError(f"A must be a scipy.sparse (or cupyx.scipy.sparse) matrix or array, got {type(A).__name__}")
    if A.shape[0] != A.shape[1]:
        raise GraphValidationError(f"adjacency matrix must be square, got shape {A.shape}")
    if A.dtype.kind not in "biuf":
        raise GraphValidationError(f"adjacency values must be real numbers, got {A.dtype}")
    C = A.tocoo(copy=True)  # sum_duplicates works in place: never on the caller's matrix
    C.sum_duplicates()  # and leaves the canonical format: sorted by row, then column, as _edges_of_arcs needs
    nonzero = C.data != 0
    if weighted is None:
        weighted = not bool((C.data[nonzero] == 1).all())
    keep = slice(None) if weighted else nonzero  # stored entries are arcs; without weights, a zero is no arc
    src, dst, data = C.row[keep].astype(np.int64), C.col[keep].astype(np.int64), C.data[keep].astype(np.float64)
    if not directed:
        src, dst, data = _edges_of_arcs(src, dst, data, int(A.shape[0]), "A[u, v] and A[v, u]")
    return from_edges(src, dst, data if weighted else None, n_nodes=A.shape[0],
                      directed=directed, self_loops=self_loops, duplicates="sum", node_ids=node_ids)


def _edges_of_arcs(src: Any, dst: Any, w: Any, n: int, what: str) -> tuple[Any, Any, Any]:
    """Undirected edges ``(min, max, weight)`` of arcs listing each edge once or as both arcs.

    The arcs come sorted by ``(source, target)`` with no arc twice (a CSR's arcs, a summed COO), so the mirror
    ``v -> u`` of an arc ``u -> v`` with ``u > v`` is found by binary search, not by sorting the arcs again:
    when it is there the two arcs are one edge, kept once, and their weights must agree.
    """
    xp = namespace(src)
    src, dst = xp.astype(src, xp.int64), xp.astype(dst, xp.int64)
    if src.shape[0] == 0:
        return src, dst, w
    key = src * max(n, 1) + dst
    mirror = dst * max(n, 1) + src
    at = xp.clip(xp.searchsorted(key, mirror), max=key.shape[0] - 1)
    twin = (src > dst) & (xp.take(key, at) == mirror)
    if w is not None and bool(xp.any(twin & (xp.take(w, at) != w))):
        raise GraphValidationError(f"undirected input must be symmetric: {what} have different weights "
                                   "for some edge")
    keep = ~twin
    return xp.minimum(src, dst)[keep], xp.maximum(src, dst)[keep], None if w is None else w[keep]


def from_networkx(H: Any, *, weight: str | None = "weight", self_loops: SelfLoops = "keep") -> Graph:
    """From a networkx (Di)Graph; node labels become ``node_ids`` (in ``H.nodes`` order).

    ``weight`` names the edge attribute to read (``None``: unweighted; missing values count as 1).
    The graph is weighted only when some edge carries the attribute, whose values must be numbers.
    """
    if not (hasattr(H, "nodes") and hasattr(H, "is_directed")):
        raise TypeError(f"H must be a networkx Graph or DiGraph, got {type(H).__name__}")
    if H.is_multigraph():  # from_edges' duplicates='error' named an option from_networkx does not have
        raise GraphValidationError(f"H is a networkx {type(H).__name__}: parallel edges have no place in a Graph; "
                                   "merge them first (nx.DiGraph(H) or nx.Graph(H) keeps one of each)")
    nodes = list(H.nodes)
    index = {u: i for i, u in enumerate(nodes)}
    m = H.number_of_edges()
    src = np.fromiter((index[u] for u, _ in H.edges()), dtype=np.int64, count=m)
    dst = np.fromiter((index[v] for _, v in H.edges()), dtype=np.int64, count=m)
    w = None
    if weight is not None and any(weight in d for _, _, d in H.edges(data=True)):
        try:
            w = np.fromiter((d.get(weight, 1.0) for _, _, d in H.edges(data=True)), dtype=np.float64, count=m)
        except (TypeError, ValueError) as e:
            raise GraphValidationError(f"edge attribute {weight!r} must hold numbers ({e})") from None
    mixed = GraphValidationError("node labels must be all integers or all strings")
    try:
        ids = np.asarray(nodes) if nodes else None
    except ValueError:  # ragged tuples
        raise mixed from None
    if ids is not None and (ids.ndim != 1 or ids.dtype == object or (ids.dtype.kind == "U" and not all(
            isinstance(u, str) for u in nodes))):  # tuples give a 2-D array, mixed int/str a str array
        raise mixed
    if ids is not None and ids.dtype.kind in "iu" and np.array_equal(ids, np.arange(len(ids))):
        ids = None
    G = from_edges(src, dst, w, n_nodes=len(nodes), directed=H.is_directed(), self_loops=self_loops,
                   duplicates="error")
    return with_distinct_labels(G, ids)  # networkx node keys are distinct


def from_edge_index(edge_index: Any, edge_weight: Any = None, *, n_nodes: int | None = None,
                    directed: bool = True, duplicates: Duplicates = "sum") -> Graph:
    """From PyG's ``edge_index`` (2 x m int tensor) and optional ``edge_weight``, on their device.

    PyG stores undirected graphs as both arcs; pass ``directed=False`` to read them as edges: the arcs
    ``u -> v`` and ``v -> u`` are then one edge (their weights must agree), and ``duplicates`` applies to
    an arc listed more than once.
    """
    arg_backend(edge_index, "edge_index", lists=False)
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise GraphValidationError(f"edge_index must have shape (2, m), got {tuple(edge_index.shape)}")
    G = from_edges(edge_index[0], edge_index[1], edge_weight, n_nodes=n_nodes, directed=True, duplicates=duplicates)
    if directed:
        return G
    # each edge listed once or as both arcs (PyG's convention): the two arcs are one edge, not duplicates
    src, dst, w = _edges_of_arcs(*G.edges(), G.n_nodes, "the arcs u -> v and v -> u")
    return from_edges(src, dst, w, n_nodes=G.n_nodes, directed=False, duplicates="first")


def empty_like_backend(n: int, backend: str = "numpy") -> Graph:
    """A graph with ``n`` nodes and no arcs on ``backend`` (host)."""
    xp = native(backend)
    return from_edges(xp.zeros(0, dtype=xp.int64), xp.zeros(0, dtype=xp.int64), n_nodes=n)
