"""Graph construction, validation, policies, derived graphs and converters."""

from __future__ import annotations

import io
import re

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import graphsample as gs
from graphsample._backend import to_numpy
from graphsample.errors import ArgumentTypeError, GraphValidationError


def arcs(G):
    s, d, w = (to_numpy(a) for a in G.edges())
    return list(zip(s.tolist(), d.tolist())), (None if w is None else w.tolist())


def test_csr_layout_exact(to_b):
    G = gs.from_edges(to_b([2, 0, 1, 0]), to_b([0, 2, 2, 1]), to_b([4.0, 2.0, 3.0, 1.0]))
    assert to_numpy(G.indptr).tolist() == [0, 2, 3, 4]
    assert to_numpy(G.indices).tolist() == [1, 2, 2, 0]
    assert to_numpy(G.weights).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert to_numpy(G.out_degree()).tolist() == [2, 1, 1]
    assert to_numpy(G.in_degree()).tolist() == [1, 1, 2]
    assert to_numpy(G.in_degree(weighted=True)).tolist() == [4.0, 1.0, 5.0]
    assert G.n_nodes == 3 and G.n_arcs == 4 and G.directed


def test_degree_is_in_plus_out_when_directed_and_the_neighbour_count_when_undirected():
    # arcs 0->1, 0->2, 2->0 and the loop 1->1 (an out- and an in-arc of node 1); undirected, the loop is one entry
    D = gs.from_edges(np.array([0, 0, 2, 1]), np.array([1, 2, 0, 1]))
    assert to_numpy(D.degree()).tolist() == [3, 3, 2]
    U = gs.from_edges(np.array([0, 0, 1]), np.array([1, 2, 1]), directed=False)
    assert to_numpy(U.degree()).tolist() == [2, 2, 1] == to_numpy(U.out_degree()).tolist()


def test_weighted_degrees_are_float64_sums_on_every_backend(to_b):
    # 2**24 + 3 is not a float32: a float32 sum of 2**24 and three ones cannot give it, a float64 sum does
    big = float(2**24)
    w = np.array([big, 1, 1, 1, 1, 1, 1], dtype=np.float32)
    G = gs.from_edges(to_b([0, 0, 0, 0, 2, 3, 4]), to_b([1, 2, 3, 4, 1, 1, 1]), to_b(w))
    for degree in (G.out_degree(weighted=True), G.in_degree(weighted=True)):
        assert str(degree.dtype).endswith("float64")
        assert to_numpy(degree).max() == 2**24 + 3


def test_subgraph_of_a_list_is_made_on_the_graphs_device():
    # a default device of "meta" stands in for CUDA: a list turned into a tensor without the graph's device
    # lands there, and the subgraph's arrays would mix devices
    torch = pytest.importorskip("torch")
    G = gs.from_edges(torch.tensor([0, 1, 2]), torch.tensor([1, 2, 0]))
    with torch.device("meta"):
        S = G.subgraph([2, 0, 1])
    assert S.device == "cpu" and arcs(S)[0] == [(0, 1), (1, 2), (2, 0)]


def test_label_of_checks_its_ids(to_b):
    G = gs.from_edges(to_b([0, 1, 2]), to_b([1, 2, 0]), node_ids=np.array([10, 20, 30]))
    assert G.label_of(to_b([2, 0])).tolist() == [30, 10] and G.label_of(range(3)).tolist() == [10, 20, 30]
    assert G.label_of(1) == 20 and G.label_of(np.int64(1)) == 20 and G.label_of([]).shape == (0,)
    for bad, message in [(-1, "internal node id -1 is outside 0..2"), ([0, 3], "internal node id 3 is outside"),
                         ([0.5], "must be integers")]:
        with pytest.raises(GraphValidationError, match=message):  # -1 used to give the last label, 30
            G.label_of(bad)


def test_results_follow_backend(backend, to_b):
    G = gs.from_edges(to_b([0, 1]), to_b([1, 2]))
    assert G.backend == backend[0]
    assert G.transpose.backend == backend[0]


def test_duplicate_policies():
    src, dst, w = np.array([0, 0, 1]), np.array([1, 1, 2]), np.array([1.0, 2.5, 1.0])
    assert arcs(gs.from_edges(src, dst, w, duplicates="sum")) == ([(0, 1), (1, 2)], [3.5, 1.0])
    assert arcs(gs.from_edges(src, dst, w, duplicates="first")) == ([(0, 1), (1, 2)], [1.0, 1.0])
    assert gs.from_edges(src, dst).meta["duplicates_merged"] == 1
    with pytest.raises(GraphValidationError, match="duplicate arc 0 -> 1"):
        gs.from_edges(src, dst, duplicates="error")


@pytest.mark.parametrize("directed", [True, False])
def test_summed_duplicate_weights_must_stay_finite(directed):
    # two finite weights of 1e308 summed to inf: the graph kept an infinite weight that every weight check had
    # passed (PageRank, walks and FastRP then gave NaN or a confusing 'weight of arc 0 is inf' much later)
    with pytest.raises(GraphValidationError, match=re.escape("the weights of the duplicate arcs 0 -> 1 sum to inf")):
        gs.from_edges([0, 2, 0], [1, 0, 1], [1e308, 1.0, 1e308], directed=directed)
    assert arcs(gs.from_edges([0, 0], [1, 1], [1e308, 1e308], duplicates="first"))[1] == [1e308]


@pytest.mark.parametrize("src, dst", [([0, 2, 2], [1, 3, 3]), ([0, 0, 2, 2, 2], [1, 2, 0, 3, 3])])
def test_summed_duplicate_weights_name_the_row_of_the_arc(src, dst):
    # the infinite sum is the first arc of row 2, which follows an empty row (CSR position 1), or its second arc
    # (position 3, after 2 -> 0): both times the message names the source 2, not the position nor a row before
    weights = [1.0] * (len(src) - 2) + [1e308, 1e308]
    with pytest.raises(GraphValidationError, match=re.escape("the weights of the duplicate arcs 2 -> 3 sum to inf")):
        gs.from_edges(src, dst, weights, n_nodes=4)


def test_duplicate_first_keeps_the_first_arc_of_a_long_row():
    # a row of 200 arcs (merge-sorted, not insertion-sorted) to 5 targets: "first" keeps each target's weight
    # from its first arc in input order, so the row sort must be stable
    dst = np.random.default_rng(2).integers(0, 5, 200) + 1
    w = np.arange(200.0)
    G = gs.from_edges(np.zeros(200, np.int64), dst, w, duplicates="first")
    targets, first = np.unique(dst, return_index=True)
    assert arcs(G) == ([(0, int(t)) for t in targets], w[first].tolist())


def test_self_loop_policies():
    src, dst = np.array([0, 1, 1]), np.array([0, 1, 0])
    G = gs.from_edges(src, dst)
    assert G.n_self_loops == 2 and G.n_arcs == 3
    D = gs.from_edges(src, dst, self_loops="drop")
    assert arcs(D)[0] == [(1, 0)] and D.meta["self_loops_dropped"] == 2
    with pytest.raises(ValueError, match="self_loops"):
        gs.from_edges(src, dst, self_loops="maybe")


def test_undirected_stores_both_arcs_and_merges_reversed_duplicates():
    G = gs.from_edges(np.array([0, 1, 2, 2]), np.array([1, 0, 2, 0]), directed=False)
    assert arcs(G)[0] == [(0, 1), (0, 2), (1, 0), (2, 0), (2, 2)]
    assert G.n_edges == 3 and G.meta["duplicates_merged"] == 1
    assert G.transpose is G


@pytest.mark.parametrize("kwargs, message", [
    ({"src": [0, 5], "dst": [1, 1], "n_nodes": 3}, "source id 5 is out of range"),
    ({"src": [0, 1], "dst": [-1, 1]}, "target id -1 is out of range"),
    ({"src": [0, 1], "dst": [1, 0], "weights": [1.0, np.nan]}, "weight of arc 1 is nan"),
    ({"src": [0, 1], "dst": [1, 0], "weights": [1.0, -2.0]}, "negative"),
    ({"src": [0, 1], "dst": [1, 0], "weights": [1.0]}, "one entry per arc"),
    ({"src": [0.5, 1.0], "dst": [1.0, 0.0]}, "integers"),
])
def test_validation_errors(kwargs, message):
    src = np.asarray(kwargs.pop("src"))
    dst = np.asarray(kwargs.pop("dst"))
    if "weights" in kwargs:
        kwargs["weights"] = np.asarray(kwargs["weights"], dtype=float)
    with pytest.raises(GraphValidationError, match=message):
        gs.from_edges(src, dst, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"src": [0.5, 1], "dst": [1, 0]}, "node ids must be integers, got float64 and int64"),
    ({"src": [0, 1], "dst": ["1", 0]}, "node ids must be integers, got int64 and <U21"),
    ({"src": [[0], [1, 2]], "dst": [1, 0]}, "src must be a flat sequence of numbers"),
    ({"src": (0, 1), "dst": (1, 0), "weights": ("1", "2")}, "weights must be floating point, got <U1"),
])
def test_validation_errors_of_python_lists(kwargs, message):
    # lists were cast with dtype=int64 / float64: [0.5, 1] became the ids [0, 1] without a word, and a string
    # weight was NumPy's 'could not convert string to float', naming no parameter
    with pytest.raises(GraphValidationError, match=re.escape(message)):
        gs.from_edges(**kwargs)


@pytest.mark.parametrize("build, message", [
    (lambda: gs.from_edges(None, None), "src must be a NumPy, CuPy or PyTorch array, a list or a tuple, not NoneType"),
    (lambda: gs.from_edges(0, 1), "src must be a NumPy, CuPy or PyTorch array, a list or a tuple, not int"),
    (lambda: gs.from_edges([0], {0: 1}), "dst must be a NumPy, CuPy or PyTorch array, a list or a tuple, not dict"),
    (lambda: gs.from_edges([0], [1], 1.0), "weights must be a NumPy, CuPy or PyTorch array, a list or a tuple, "
                                           "not float"),
    (lambda: gs.from_csr([0, 1], [0]), "indptr must be a NumPy, CuPy or PyTorch array, not list"),
    (lambda: gs.from_csr(np.array([0, 1]), np.array([0]), [1.0]), "weights must be a NumPy, CuPy or PyTorch array, "
                                                                  "not list"),
    (lambda: gs.from_edge_index([[0], [1]]), "edge_index must be a NumPy, CuPy or PyTorch array, not list"),
])
def test_constructors_name_an_argument_that_is_not_an_array(build, message):
    # array-api-compat's 'array_namespace requires at least one non-scalar array input' / 'list is not a supported
    # array type', or AttributeError ('list' object has no attribute 'ndim'), named no parameter
    with pytest.raises(ArgumentTypeError, match=f"^{re.escape(message)}$"):
        build()


@pytest.mark.parametrize("build", [
    lambda w: gs.from_edges(np.array([0, 1]), np.array([1, 0]), w),
    lambda w: gs.from_csr(np.array([0, 1, 2]), np.array([1, 0]), w),
    lambda w: gs.from_edge_index(np.array([[0, 1], [1, 0]]), w),
])
def test_half_precision_weights_are_refused_by_name(build):
    # float16 passed the 'floating point' check and reached the Numba CSR builder (NotImplementedError: float16,
    # from numba's data model), or, through from_csr, made a Graph that every walk and PageRank failed on alike
    with pytest.raises(GraphValidationError, match="^weights must be float32 or float64, got float16$"):
        build(np.array([1.0, 2.0], dtype=np.float16))


def test_python_lists_of_integers_and_mixed_inputs():
    G = gs.from_edges([2, 0], (0, 1), [1, 2.5])
    assert arcs(G) == ([(0, 1), (2, 0)], [2.5, 1.0])
    assert arcs(gs.from_edges([0, 1], np.array([1, 0])))[0] == [(0, 1), (1, 0)]
    assert gs.from_edges([], [], []).n_arcs == 0


def test_arrays_of_two_libraries_are_refused_by_name():
    # array-api-compat's TypeError listed two module objects ('Multiple namespaces for array inputs: [<module ...')
    torch = pytest.importorskip("torch")
    with pytest.raises(GraphValidationError, match=re.escape("one library on one device (lists count as NumPy); got "
                                                             "src on numpy cpu, dst on torch cpu; build the graph")):
        gs.from_edges(np.array([0, 1]), torch.tensor([1, 2]))
    with pytest.raises(GraphValidationError, match="src on numpy cpu, dst on numpy cpu, weights on torch cpu"):
        gs.from_edges([0, 1], [1, 2], torch.tensor([1.0, 2.0]))
    assert gs.from_edges(torch.tensor([0, 1]), torch.tensor([1, 2]), torch.tensor([1.0, 2.0])).backend == "torch"


@pytest.mark.parametrize("n_nodes", [2.0, 2.5, float("nan"), "3", True])
def test_n_nodes_must_be_an_integer(n_nodes):
    # a float reached the Numba CSR builder (TypingError), a string a bare comparison, True counted as 1 node
    with pytest.raises(GraphValidationError, match=f"n_nodes must be an integer >= 0 or None, got {n_nodes!r}"):
        gs.from_edges(np.array([0]), np.array([1]), n_nodes=n_nodes)
    assert gs.from_edges(np.array([0]), np.array([1]), n_nodes=np.int64(3)).n_nodes == 3


@pytest.mark.parametrize("directed", [True, False])
def test_from_csr_takes_arrays_of_either_byte_order(directed):
    # big-endian arrays (a .npy written elsewhere) reached the order check's Numba kernel: a TypingError
    G = gs.from_csr(np.array([0, 1, 2], ">i8"), np.array([1, 0], ">i4"), np.array([2.0, 2.0]), directed=directed)
    assert G.n_arcs == 2 and np.array_equal(G.indices, [1, 0])
    with pytest.raises(GraphValidationError, match="symmetric"):
        gs.from_csr(np.array([0, 1, 2], ">i8"), np.array([1, 0], ">i4"), np.array([2.0, 3.0]), directed=False)


def test_a_big_endian_graph_runs_the_kernels(tmp_path):
    # the byte order was converted only for the order check: a walk on the graph failed in Numba ("Unsupported array
    # dtype: >i4"), and load refused big-endian weights; both now take the arrays in native order once
    from graphsample.io import load, save
    from graphsample.walks import random_walks

    G = gs.from_csr(np.array([0, 1, 2, 3], ">i8"), np.array([1, 2, 0], ">i4"), np.array([1.0, 2.0, 3.0], ">f8"))
    assert all(a.dtype.isnative for a in (G.indptr, G.indices, G.weights))
    assert random_walks(G, [0], 4, seed=0).paths.tolist() == [[0, 1, 2, 0, 1]]
    save(G, tmp_path / "g")
    for f in (tmp_path / "g").glob("*.npy"):
        a = np.load(f)
        np.save(f, a.astype(a.dtype.newbyteorder(">")))
    H = load(tmp_path / "g")
    assert np.array_equal(H.indices, G.indices) and np.array_equal(H.weights, G.weights)
    assert random_walks(H, [0], 4, seed=0).paths.tolist() == [[0, 1, 2, 0, 1]]


def test_a_node_count_beyond_memory_is_refused_before_allocating(monkeypatch):
    # an id of 10**12 (a hash, a timestamp) with relabel=False asked for 8 TB of row pointers: a MemoryError, or the
    # OOM killer on a machine without an address-space limit
    with pytest.raises(GraphValidationError, match=r"the row pointers of 1000000000001 nodes need 7,451 GiB, more "
                                                   r"than this machine's .* renumber them densely"):
        gs.from_edges(np.array([0, 10**12]), np.array([1, 0]))
    with pytest.raises(GraphValidationError, match="row pointers of 1000000000001 nodes"):
        gs.read_edgelist(io.BytesIO(b"0 1000000000000\n"), relabel=False)
    from graphsample import graph

    monkeypatch.setattr(graph, "_physical_memory", lambda: 8 * 1000)  # the bound is the machine's memory
    assert gs.from_edges([0], [1], n_nodes=999).n_nodes == 999
    with pytest.raises(GraphValidationError, match="row pointers of 1000 nodes"):
        gs.from_edges([0], [1], n_nodes=1000)


def test_shape_mismatch_error():
    with pytest.raises(GraphValidationError, match="equal length"):
        gs.from_edges(np.array([0, 1]), np.array([1]))


def test_empty_graph():
    G = gs.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=4)
    assert G.n_arcs == 0 and to_numpy(G.out_degree()).tolist() == [0, 0, 0, 0]


def test_transpose_subgraph_and_undirected_view():
    G = gs.from_edges(np.array([0, 1, 2, 3]), np.array([1, 2, 0, 0]), np.array([1.0, 2.0, 3.0, 4.0]),
                      node_ids=np.array([10, 20, 30, 40]))
    assert arcs(G.transpose) == ([(0, 2), (0, 3), (1, 0), (2, 1)], [3.0, 4.0, 1.0, 2.0])
    S = G.subgraph([2, 0])
    assert arcs(S) == ([(0, 1)], [3.0]) and S.node_ids.tolist() == [30, 10]
    U = G.to_undirected()
    assert not U.directed and U.n_edges == 4
    assert G.index_of([30, 10]).tolist() == [2, 0]
    with pytest.raises(GraphValidationError, match="unknown node id 99"):
        G.index_of([99])
    with pytest.raises(GraphValidationError, match="unknown node id 7"):
        gs.from_edges(np.array([0]), np.array([1])).index_of([7])


def test_index_of_float_labels_follow_one_rule():
    """A float equal to an integer names that integer whether or not the graph has node_ids;
    a float with a fraction (or NaN) is refused the same way in both cases."""
    plain = gs.from_edges(np.array([0, 1]), np.array([1, 2]))
    labelled = gs.from_edges(np.array([0, 1]), np.array([1, 2]), node_ids=np.array([10, 20, 30]))
    assert plain.index_of(2.0).tolist() == [2]
    assert plain.index_of(np.array([2.0, 0.0])).tolist() == [2, 0]
    assert labelled.index_of(20.0).tolist() == [1]
    assert labelled.index_of(np.array([30.0, 10.0])).tolist() == [2, 0]
    for G, x in ((plain, 1.5), (labelled, 20.5), (plain, np.nan), (labelled, np.nan)):
        with pytest.raises(GraphValidationError, match="not an integer"):
            G.index_of(x)
    with pytest.raises(GraphValidationError, match="unknown node id 3"):
        plain.index_of(3.0)
    with pytest.raises(GraphValidationError, match="unknown node id 99"):
        labelled.index_of(99.0)
    # beyond 2**53 a float64 cannot tell neighbouring integers apart: no match by rounding
    big = gs.from_edges(np.array([0]), np.array([1]), node_ids=np.array([2**53 + 1, 2**53 + 3]))
    with pytest.raises(GraphValidationError, match="unknown node id"):
        big.index_of(float(2**53))
    # float labels of a float-labelled graph are matched as they are
    frac = gs.from_edges(np.array([0]), np.array([1]), node_ids=np.array([0.5, 2.0]))
    assert frac.index_of([2.0, 0.5]).tolist() == [1, 0] and frac.index_of(2).tolist() == [1]


def test_duplicate_node_ids_are_refused():
    # index_of was ambiguous: node_ids [10, 20, 20] took 20 for node 1 or 2 as the sort fell
    src, dst = np.array([0, 1, 2]), np.array([1, 2, 0])
    message = "node labels must be distinct: label 20 names nodes 1 and 2"
    with pytest.raises(GraphValidationError, match=message):
        gs.from_edges(src, dst, node_ids=np.array([10, 20, 20]))
    with pytest.raises(GraphValidationError, match=message):
        gs.from_csr(np.array([0, 1, 2, 3]), np.array([1, 2, 0]), node_ids=[10, 20, 20])
    with pytest.raises(GraphValidationError, match=message):
        gs.from_scipy(sp.csr_array(np.eye(3)), node_ids=np.array([10, 20, 20]))
    G = gs.from_edges(src, dst)
    with pytest.raises(GraphValidationError, match=message):
        gs.Graph(G.indptr, G.indices, None, 3, node_ids=np.array([10, 20, 20]))
    # the first repeat in node order: b (node 2, after node 1) comes before a (node 3, after node 0)
    with pytest.raises(GraphValidationError, match="label 'b' names nodes 1 and 2"):
        gs.from_edges(np.array([0, 1, 2]), np.array([1, 2, 3]), node_ids=np.array(["a", "b", "b", "a"]))
    with pytest.raises(GraphValidationError, match="label 'x' names nodes 0 and 2"):
        gs.Graph(G.indptr, G.indices, None, 3, node_ids=np.array(["x", "y", "x"], dtype=object))
    with pytest.raises(GraphValidationError, match="all integers or all strings, not a mix"):  # cannot be sorted
        gs.Graph(G.indptr, G.indices, None, 3, node_ids=np.array(["x", 1, 2], dtype=object))
    # distinct labels pass, and the derived graphs keep them without a second check
    L = gs.from_edges(src, dst, node_ids=np.array([30, 10, 20]))
    assert L.transpose.node_ids.tolist() == [30, 10, 20] and L.to("numpy").index_of([20]).tolist() == [2]
    assert L.to_undirected().node_ids.tolist() == [30, 10, 20] and L.subgraph([2, 0]).node_ids.tolist() == [20, 30]


def test_from_csr_validates():
    # float or bool ids, and 2-D arrays, used to make a Graph (or reach a bare NumPy error)
    for indptr, indices, name in [(np.array([0.0, 1.0]), np.array([0]), "indptr"),
                                  (np.array([0, 1]), np.array([0.0]), "indices"),
                                  (np.array([False, True]), np.array([0]), "indptr"),
                                  (np.array([[0, 1]]), np.array([0]), "indptr"),
                                  (np.array([0, 1]), np.array([[0]]), "indices"),
                                  (np.array(["0", "1"]), np.array(["0"]), "indptr")]:
        with pytest.raises(GraphValidationError, match=f"{name} must be a 1-D integer array"):
            gs.from_csr(indptr, indices)
    with pytest.raises(GraphValidationError, match="sorted"):
        gs.from_csr(np.array([0, 2, 2]), np.array([1, 0]))
    with pytest.raises(GraphValidationError, match="no duplicate arcs"):  # a repeated arc is not a sorted row
        gs.from_csr(np.array([0, 2, 2]), np.array([1, 1]))
    with pytest.raises(GraphValidationError, match="symmetric"):
        gs.from_csr(np.array([0, 1, 1]), np.array([1]), directed=False)
    G = gs.from_csr(np.array([0, 1, 2]), np.array([1, 0]), directed=False)
    assert G.n_edges == 1


edge_lists = st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.0, 10.0)), max_size=40)))


def columns(rows):
    """(src, dst, weights) arrays of a list of (u, v, w) triples."""
    return (np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.int64),
            np.array([r[2] for r in rows], dtype=np.float64))


@settings(max_examples=60, deadline=None)
@given(edge_lists, st.booleans())
def test_csr_invariants(data, directed):
    n, rows = data
    src, dst, w = columns(rows)
    G = gs.from_edges(src, dst, w, n_nodes=n, directed=directed)
    indptr, indices = G.indptr, G.indices
    assert indptr[0] == 0 and indptr[-1] == G.n_arcs and np.all(np.diff(indptr) >= 0)
    for u in range(n):
        row = indices[indptr[u]:indptr[u + 1]]
        assert np.all(np.diff(row) > 0)  # sorted, no duplicates
    expected = {}
    for s, d, x in rows:
        key = (s, d) if directed else (min(s, d), max(s, d))
        expected[key] = expected.get(key, 0.0) + x
    if not directed:
        expected.update({(d, s): x for (s, d), x in list(expected.items())})
    got = dict(zip(arcs(G)[0], G.weights.tolist()))
    assert got.keys() == expected.keys()
    assert all(np.isclose(got[k], expected[k]) for k in got)
    assert int(G.out_degree().sum()) == int(G.in_degree().sum()) == G.n_arcs


@settings(max_examples=40, deadline=None)
@given(edge_lists, st.booleans())
def test_converters_round_trip_exactly(data, directed):
    n, rows = data
    src, dst, w = columns(rows)  # zero weights too: from_scipy(weighted=True) keeps explicit zeros
    G = gs.from_edges(src, dst, w, n_nodes=n, directed=directed)
    for H in (gs.from_networkx(G.to_networkx()), gs.from_scipy(G.to_scipy(), directed=directed, weighted=True),
              gs.from_edge_index(*G.to_edge_index(), n_nodes=n, directed=directed, duplicates="sum")):
        assert H.n_nodes == G.n_nodes and H.directed == G.directed
        assert np.array_equal(H.indptr, G.indptr) and np.array_equal(H.indices, G.indices)
        if G.n_arcs:  # an edgeless graph carries no weight attribute through networkx
            assert np.array_equal(H.weights, G.weights)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 4), min_size=n, max_size=n),
    st.lists(st.integers(0, n - 1), min_size=5 * n, max_size=5 * n),
    st.lists(st.sampled_from([1.0, 2.0]), min_size=5 * n, max_size=5 * n))), st.booleans())
def test_csr_order_check_agrees_with_its_definition(data, weighted):
    """from_csr's order check (one parallel pass and one transpose on the host) on any in-bounds CSR against the
    definition: rows strictly increasing, and undirected, every (u, v, w) has its (v, u, w)."""
    sizes, targets, weights = data
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    indices = np.array(targets[:indptr[-1]], np.int64)
    w = np.array(weights[:indptr[-1]]) if weighted else None
    arcs_ = [(u, int(indices[j]), None if w is None else w[j]) for u in range(len(sizes))
             for j in range(indptr[u], indptr[u + 1])]
    rows_sorted = all(np.all(np.diff(indices[indptr[u]:indptr[u + 1]]) > 0) for u in range(len(sizes)))
    for directed in (True, False):
        if not rows_sorted:
            message = "sorted by target"
        elif not directed and set(arcs_) != {(v, u, x) for u, v, x in arcs_}:
            message = "symmetric"
        else:
            assert gs.from_csr(indptr, indices, w, directed=directed).n_arcs == len(arcs_)
            continue
        with pytest.raises(GraphValidationError, match=message):
            gs.from_csr(indptr, indices, w, directed=directed)


@settings(max_examples=60, deadline=None)
@given(edge_lists, st.booleans())
def test_transpose_reverses_every_arc(data, float32):
    """The host transpose (one counting sort) against the arc list: v -> u with the weight of u -> v, rows sorted,
    weights and index dtype kept."""
    n, rows = data
    src, dst, w = columns(rows)
    G = gs.from_edges(src, dst, w.astype(np.float32) if float32 else w, n_nodes=n, self_loops="keep")
    T = G.transpose
    assert T.directed and T.weights.dtype == G.weights.dtype and T.indices.dtype == G.indices.dtype
    assert all(np.all(np.diff(T.indices[T.indptr[u]:T.indptr[u + 1]]) > 0) for u in range(n))
    assert dict(zip(*arcs(T))) == {(v, u): x for (u, v), x in zip(*arcs(G))}


@settings(max_examples=60, deadline=None)
@given(edge_lists, st.booleans(), st.randoms(use_true_random=False))
def test_subgraph_is_the_induced_graph(data, directed, rnd):
    """The host subgraph (built from the kept nodes' rows by counting sorts) against a filter of the arc list:
    the same arcs, relabelled in the order of ``nodes``, with their weights, rows sorted."""
    n, rows = data
    src, dst, w = columns(rows)
    G = gs.from_edges(src, dst, w, n_nodes=n, directed=directed)
    nodes = rnd.sample(range(n), rnd.randint(0, n))
    S = G.subgraph(np.array(nodes, dtype=np.int64))
    new = {u: i for i, u in enumerate(nodes)}
    expected = {(new[u], new[v]): x for (u, v), x in zip(*arcs(G)) if u in new and v in new}
    assert S.n_nodes == len(nodes) and S.directed == directed
    assert all(np.all(np.diff(S.indices[S.indptr[u]:S.indptr[u + 1]]) > 0) for u in range(S.n_nodes))
    assert dict(zip(*arcs(S))) == expected


@settings(max_examples=60, deadline=None)
@given(edge_lists, st.booleans())
def test_undirected_view_sums_opposite_arcs(data, float32):
    """to_undirected (host: each row merged with its transpose's) against the arc list: an edge {u, v} wherever
    u -> v or v -> u, with the sum of their weights; a loop once, with its own weight; rows sorted."""
    n, rows = data
    src, dst, w = columns(rows)
    G = gs.from_edges(src, dst, w.astype(np.float32) if float32 else w, n_nodes=n, self_loops="keep")
    expected: dict = {}
    for (u, v), x in zip(*arcs(G)):
        for key in {(u, v), (v, u)}:
            expected[key] = expected.get(key, 0.0) + x
    U = G.to_undirected()
    assert not U.directed and U.weights.dtype == G.weights.dtype
    assert all(np.all(np.diff(U.indices[U.indptr[u]:U.indptr[u + 1]]) > 0) for u in range(n))
    got = dict(zip(*arcs(U)))
    assert got.keys() == expected.keys()
    assert all(np.isclose(got[k], expected[k], rtol=1e-6) for k in got)


def test_networkx_labels_kept():
    H = nx.DiGraph([("a", "b"), ("b", "c")])
    G = gs.from_networkx(H)
    assert G.node_ids.tolist() == ["a", "b", "c"]
    assert set(G.to_networkx().edges()) == {("a", "b"), ("b", "c")}


def test_from_scipy_takes_a_real_sparse_matrix():
    # a dense array or a list used to fail with AttributeError ('tocoo', 'shape'); complex values were cast to
    # their real part with only a ComplexWarning
    for A in (np.ones((2, 2)), [[0, 1], [1, 0]]):
        with pytest.raises(TypeError, match="A must be a scipy.sparse"):
            gs.from_scipy(A)
    with pytest.raises(GraphValidationError, match="adjacency values must be real numbers, got complex128"):
        gs.from_scipy(sp.csr_array(np.array([[0, 1j], [0, 0]])))
    assert gs.from_scipy(sp.csr_array(np.array([[False, True], [False, False]]))).n_arcs == 1


def test_from_networkx_checks_its_input():
    with pytest.raises(TypeError, match="H must be a networkx Graph or DiGraph, got list"):
        gs.from_networkx([(0, 1)])
    H = nx.Graph()
    H.add_edge(0, 1, weight="heavy")  # used to be NumPy's "could not convert string to float"
    with pytest.raises(GraphValidationError, match="edge attribute 'weight' must hold numbers"):
        gs.from_networkx(H)
    # a multigraph's parallel edges were "duplicate arc 0 -> 1 (duplicates='error')", an option it does not take
    with pytest.raises(GraphValidationError, match="H is a networkx MultiGraph: parallel edges .*nx.Graph"):
        gs.from_networkx(nx.MultiGraph([(0, 1), (0, 1)]))


def test_a_networkx_graph_where_a_graph_is_expected_is_named_with_its_converter():
    from graphsample.sampling import random_node

    with pytest.raises(TypeError, match=r"G must be a graphsample Graph, got networkx.Graph; convert it with "
                                        r"graphsample.from_networkx$"):
        random_node(nx.karate_club_graph(), 0.5)


def test_subgraph_takes_integer_ids(to_b):
    G = gs.from_edges(to_b([0, 1, 2]), to_b([1, 2, 0]))
    for nodes, message in [(to_b([0.0, 1.0]), "must be integer node ids"), (to_b([True, False]), "must be integer"),
                           ("a", "must be a 1-D array"), (to_b([[0, 1]]), r"must be a 1-D array of node ids, got shape \(1, 2\)")]:
        with pytest.raises(GraphValidationError, match=message):  # IndexError (floats, bools, a string) before
            G.subgraph(nodes)
    assert G.subgraph(to_b([2, 0])).n_nodes == 2


def test_subgraph_of_no_nodes_is_the_empty_graph():
    # [] is a float64 array, which raised IndexError ('arrays used as indices must be of integer type')
    G = gs.from_edges([0, 1, 2], [1, 2, 0])
    for nodes in ([], np.array([], np.int32)):
        S = G.subgraph(nodes)
        assert S.n_nodes == 0 and S.n_arcs == 0


def test_from_scipy_rejects_non_square():
    with pytest.raises(GraphValidationError, match="square"):
        gs.from_scipy(sp.csr_array(np.ones((2, 3))))


def test_to_moves_between_backends():
    torch = pytest.importorskip("torch")
    G = gs.from_edges(np.array([0, 1]), np.array([1, 2]), np.array([0.5, 1.5]))
    T = G.to("torch")
    assert isinstance(T.indices, torch.Tensor) and T.backend == "torch" and T.device == "cpu"
    back = T.to("numpy")
    assert np.array_equal(back.indices, G.indices) and np.array_equal(back.weights, G.weights)
    with pytest.raises(ValueError, match="unknown backend"):
        G.to("jax")


@settings(max_examples=40, deadline=None)
@given(edge_lists, st.sampled_from(["sum", "first"]))
def test_host_and_device_builders_agree(data, duplicates):
    """The Numba counting-sort builder (host) and the array-API builder (GPU path) give the same CSR."""
    from graphsample.graph import _build_device, _build_host

    n, rows = data
    src, dst, w = columns(rows)
    a = _build_host(src, dst, w, n, duplicates)
    b = _build_device(src, dst, w, n, duplicates)
    assert a[3] == b[3]
    for x, y in zip(a[:2], b[:2]):
        assert np.array_equal(x, y)
    assert np.allclose(a[2], b[2])


def test_from_scipy_undirected_keeps_triangular_entries():
    # an undirected adjacency given as one triangle: every entry is an edge, whichever triangle it is in
    lower = sp.csr_array(np.array([[0, 0, 0], [2.0, 0, 0], [0, 3.0, 0]]))
    for A in (lower, lower.T.tocsr()):
        G = gs.from_scipy(A, directed=False)
        assert G.n_edges == 2
        assert arcs(G) == ([(0, 1), (1, 0), (1, 2), (2, 1)], [2.0, 2.0, 3.0, 3.0])


def test_from_scipy_leaves_the_callers_matrix_alone():
    # a COO input with repeated entries was summed in place: tocoo() of a COO array is the array itself
    A = sp.coo_array((np.array([1.0, 2.0]), (np.array([0, 0]), np.array([1, 1]))), shape=(2, 2))
    G = gs.from_scipy(A)
    assert A.nnz == 2 and A.data.tolist() == [1.0, 2.0]
    assert arcs(G) == ([(0, 1)], [3.0])


def test_from_scipy_keeps_explicit_zeros_as_arcs_of_weight_0():
    # they were dropped whatever `weighted` said: the arc of weight 0 was lost on the way back from G.to_scipy()
    G = gs.from_edges([0, 1, 2], [1, 2, 0], [1.0, 0.0, 2.0])
    for weighted in (True, None):  # None: the nonzero values are not all ones, so weights, as with True
        assert arcs(gs.from_scipy(G.to_scipy(), weighted=weighted)) == arcs(G)
    assert arcs(gs.from_scipy(G.to_scipy(), weighted=False)) == ([(0, 1), (2, 0)], None)
    U = gs.from_edges([0, 1], [1, 2], [0.0, 3.0], directed=False)
    assert arcs(gs.from_scipy(U.to_scipy(), directed=False, weighted=True)) == arcs(U)
    # ones and stored zeros (an edge deleted as A[u, v] = 0 keeps its entry): unweighted, and a zero is no arc
    A = sp.csr_array(np.array([[0, 1.0], [1.0, 0]]))
    A[0, 1] = 0
    assert A.nnz == 2 and arcs(gs.from_scipy(A)) == ([(1, 0)], None)


def test_from_scipy_undirected_rejects_conflicting_mirror_entries():
    with pytest.raises(GraphValidationError, match="symmetric"):
        gs.from_scipy(sp.csr_array(np.array([[0, 2.0], [3.0, 0]])), directed=False)


def test_from_networkx_rejects_labels_it_cannot_keep():
    # tuple nodes became a 2-D node_ids array (to_networkx then failed); mixed int/str nodes were
    # silently turned into strings
    for H in (nx.grid_2d_graph(2, 2), nx.Graph([(1, "a")]), nx.Graph([((0, 1), (0, 1, 2))])):
        with pytest.raises(GraphValidationError, match="all integers or all strings"):
            gs.from_networkx(H)


def test_from_csr_undirected_checks_weight_symmetry():
    # the structure was checked for symmetry but not the weights: w(0, 1) = 1 and w(1, 0) = 5 passed
    indptr, indices = np.array([0, 1, 2]), np.array([1, 0], dtype=np.int32)
    with pytest.raises(GraphValidationError, match="symmetric"):
        gs.from_csr(indptr, indices, np.array([1.0, 5.0]), directed=False)
    G = gs.from_csr(indptr, indices, np.array([2.0, 2.0]), directed=False)
    assert G.n_edges == 1


def test_from_edge_index_undirected_keeps_edge_weights():
    # PyG lists an undirected edge as both arcs; they were merged as duplicates with summed weights (2w)
    G = gs.from_edges(np.array([0, 1, 2]), np.array([1, 2, 2]), np.array([0.5, 2.0, 3.0]), directed=False)
    ei, w = G.to_edge_index()
    H = gs.from_edge_index(ei, w, directed=False)
    assert arcs(H) == arcs(G) and H.n_edges == 2 + 1
    # one listing per edge works too, and repeated arcs still follow `duplicates`
    H = gs.from_edge_index(np.array([[0, 0, 2], [1, 1, 1]]), np.array([1.0, 2.0, 4.0]), directed=False)
    assert arcs(H) == ([(0, 1), (1, 0), (1, 2), (2, 1)], [3.0, 3.0, 4.0, 4.0])
    with pytest.raises(GraphValidationError, match="symmetric"):
        gs.from_edge_index(np.array([[0, 1], [1, 0]]), np.array([1.0, 2.0]), directed=False)


def _graph_entry_points(tmp_path):
    from graphsample.embedding import fastrp, graphvite
    from graphsample.ranking import fully_personalized_pagerank, pagerank
    from graphsample.sampling import jdm_sample, profile, random_node
    from graphsample.walks import random_walks, srrw

    return {"random_walks": lambda G: random_walks(G, [0], 3), "srrw": lambda G: srrw(G, 5),
            "pagerank": pagerank, "fully_personalized_pagerank": lambda G: fully_personalized_pagerank(G, omega=4),
            "fastrp": lambda G: fastrp(G, 8), "deepwalk": graphvite.deepwalk, "jdm_sample": lambda G: jdm_sample(G, 0.5),
            "random_node": lambda G: random_node(G, 0.5), "profile": profile,
            "write_edgelist": lambda G: gs.write_edgelist(G, tmp_path / "e.txt"),
            "save": lambda G: gs.save(G, tmp_path / "g.npz")}


@pytest.mark.parametrize("name", ["random_walks", "srrw", "pagerank", "fully_personalized_pagerank", "fastrp",
                                  "deepwalk", "jdm_sample", "random_node", "profile", "write_edgelist", "save"])
def test_every_entry_point_refuses_a_non_graph(tmp_path, name):
    # random_walks, srrw, write_edgelist and save raised AttributeError ('dict' object has no attribute ...)
    with pytest.raises(TypeError, match="G must be a graphsample Graph, got dict"):
        _graph_entry_points(tmp_path)[name]({"indptr": [0]})


def test_compare_names_the_sample_that_is_not_a_graph():
    from graphsample.sampling import compare

    with pytest.raises(TypeError, match="S must be a graphsample Graph, got list"):
        compare(gs.from_edges([0], [1]), [])


@pytest.mark.parametrize("bad, shown", [({}, "{}"), (None, "None")])
def test_index_of_a_non_label_is_a_graph_error(bad, shown):
    # an object label (a dict, None) raised AttributeError ('dict' object has no attribute 'item'), e.g. from
    # forward_push(G, None)
    from graphsample.ranking import forward_push

    G = gs.from_edges([0, 1], [1, 2])
    with pytest.raises(GraphValidationError, match=f"unknown node id {shown}: this graph's nodes are 0..2"):
        G.index_of(bad)
    with pytest.raises(GraphValidationError, match=f"unknown node id {shown}"):
        forward_push(G, bad)
    H = gs.from_edges([0, 1], [1, 2], node_ids=np.array(["a", "b", "c"]))
    with pytest.raises(GraphValidationError, match=f"unknown node id {shown}"):
        H.index_of(bad)
