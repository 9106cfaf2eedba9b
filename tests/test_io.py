"""Edge-list reading/writing and binary CSR save/load."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphsample as gs
from graphsample.errors import InputFormatError


def read(text: str, **kw):
    return gs.read_edgelist(io.BytesIO(text.encode()), **kw)


def pairs(G):
    s, d, _ = G.edges()
    labels = G.node_ids if G.node_ids is not None else np.arange(G.n_nodes)
    return sorted(zip(labels[s].tolist(), labels[d].tolist()))


def test_snap_style_with_comments_and_blank_lines():
    G = read("# Nodes: 3\n# FromNodeId\tToNodeId\n10\t20\n\n20\t30\n% other comment\n30\t10\n")
    assert pairs(G) == [(10, 20), (20, 30), (30, 10)]
    assert G.node_ids.tolist() == [10, 20, 30]


@pytest.mark.parametrize("text, expected, weights", [
    ("0 1", [(0, 1)], None),
    ("0 1\n1 2", [(0, 1), (1, 2)], None),
    ("0 1 2.5\n1 2 3.5", [(0, 1), (1, 2)], [2.5, 3.5]),
    ("a b\nb c", [("a", "b"), ("b", "c")], None),
])
def test_a_last_line_without_a_newline_is_read(text, expected, weights):
    """The output arrays are sized by counting newlines, plus one for an unterminated last line: without that
    one, the last arc of a file that does not end in a newline was dropped (a one-line file read as empty)."""
    G = read(text)
    assert pairs(G) == expected
    assert (None if G.weights is None else G.weights.tolist()) == weights


@pytest.mark.parametrize("text, expected, weights", [
    ("1 2\r\n2 3\r\n", [(1, 2), (2, 3)], None),
    ("1 2 0.5\r\n2 3 1.5\r\n", [(1, 2), (2, 3)], [0.5, 1.5]),
    ("a b\r\nb c\r\n", [("a", "b"), ("b", "c")], None),
    ("a,b\r\nb,c\r\n", [("a", "b"), ("b", "c")], None),
])
def test_windows_line_breaks(text, expected, weights):
    """A carriage return before the newline is blank space, not part of the last column: without it integer labels
    became strings ('2\\r'), and the last label of a line was another node than the same label elsewhere."""
    G = read(text, delimiter="," if "," in text else None)
    assert pairs(G) == expected and G.n_nodes == 3
    assert (None if G.weights is None else G.weights.tolist()) == weights


@pytest.mark.parametrize("text", ["a b\n  # an indented comment\nb c\n", "  # comment of four words\na b\nb c\n",
                                  "  # comment of four words\n1 2\n2 3\n"])
def test_an_indented_comment_is_a_comment(text):
    """Comment lines are recognised after leading blanks in every pass: counting string-label lines, splitting them,
    and reading the first data line's columns (a comment of four words taken for it made the file weighted)."""
    G = read(text)
    assert G.n_arcs == 2 and G.weights is None and G.n_nodes == 3


def test_contiguous_ids_need_no_labels():
    G = read("0 1\n1 2\n")
    assert G.node_ids is None and G.n_nodes == 3


def test_csv_with_header_weights_and_spaces():
    G = read("source,target,weight\n a , b , 0.1\nb,c,2e3\nc,a,7\n", delimiter=",", skip_rows=1)
    assert pairs(G) == [("a", "b"), ("b", "c"), ("c", "a")]
    assert G.weights.tolist() == [0.1, 2000.0, 7.0]


def test_weighted_inference_and_override():
    assert read("0 1 2.5\n1 0 1\n").is_weighted
    assert not read("0 1 2.5\n1 0 1\n", weighted=False).is_weighted
    assert not read("0 1\n").is_weighted


def test_weights_parse_exactly_like_python_float():
    texts = ["0.1", "1e-300", "123456789012345678", "3.141592653589793238", "7", "-0", "1E5", "2.5e+3", ".5", "5."]
    G = read("".join(f"{i} {i + 1} {t.lstrip('-')}\n" for i, t in enumerate(texts)))
    assert G.weights.tolist() == [float(t.lstrip("-")) for t in texts]


def test_relabel_false_uses_ids_directly():
    G = read("5 7\n", relabel=False)
    assert G.n_nodes == 8 and G.node_ids is None
    assert read("5 7\n", relabel=False, n_nodes=10).n_nodes == 10


def test_reverse_columns_and_undirected():
    assert pairs(read("1 2\n", reverse=True)) == [(2, 1)]
    U = read("1 2\n2 1\n", directed=False)
    assert U.n_edges == 1 and U.n_arcs == 2


def test_reverse_columns_with_string_labels_and_weights():
    """String labels take their own parsing path (spans, not integers): ``reverse`` must swap the columns there
    too, and each weight must stay with its arc."""
    G = read("a b 2.5\nb c 1\nc c 4\n", reverse=True)
    assert pairs(G) == [("b", "a"), ("c", "b"), ("c", "c")]
    s, d, w = G.edges()
    got = {(G.node_ids[u], G.node_ids[v]): x for u, v, x in zip(s.tolist(), d.tolist(), w.tolist())}
    assert got == {("b", "a"): 2.5, ("c", "b"): 1.0, ("c", "c"): 4.0}


@pytest.mark.parametrize("suffix, pack", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_compressed_files(tmp_path, suffix, pack):
    path = tmp_path / f"g.txt{suffix}"
    path.write_bytes(pack(b"0 1\n1 2\n"))
    assert pairs(gs.read_edgelist(path)) == [(0, 1), (1, 2)]


def test_many_chunks_parse_like_one(tmp_path):
    rng = np.random.default_rng(0)
    src, dst = rng.integers(0, 10**6, 300_000), rng.integers(0, 10**6, 300_000)
    text = "".join(f"{a}\t{b}\n" for a, b in zip(src[:1000], dst[:1000]))
    path = tmp_path / "big.txt"
    path.write_bytes(("\n".join(f"{a} {b}" for a, b in zip(src, dst)) + "\n").encode())
    G = gs.read_edgelist(path, duplicates="first")
    small = read(text, duplicates="first")
    assert G.n_arcs == len(set(zip(src.tolist(), dst.tolist())))
    assert set(pairs(small)) <= set(pairs(G))


@pytest.mark.parametrize("text, message", [
    ("", "no edges found"),
    ("# only a comment\n\n", "no edges found"),
    ("0 1\n2\n", "line 2: expected 2 columns, got '2'"),
    ("0 1 1.0\n1 2\n", "line 2: expected 3 columns"),
    ("0 1 x\n", "line 1: weight 'x' is not a number"),
    ("0 1 1\n1 2 nan\n", "line 2: weight nan is not finite"),
    ("0 1 1\n# c\n1 2 -3\n", "line 3: weight -3.0 is negative"),
    ("-1 2\n", "negative node id -1"),
])
def test_bad_input_messages(text, message):
    kw = {"relabel": False} if text.startswith("-1") else {}
    with pytest.raises(InputFormatError, match=message):
        read(text, **kw)


@pytest.mark.parametrize("kwargs, message", [
    # each used to escape as a bare TypeError / AttributeError, or (skip_rows=-1) to be taken as 0
    ({"skip_rows": 1.5}, "skip_rows must be an integer >= 0, got 1.5"),
    ({"skip_rows": "1"}, "skip_rows must be an integer >= 0, got '1'"),
    ({"skip_rows": -1}, "skip_rows must be an integer >= 0, got -1"),
    ({"delimiter": 1}, "delimiter must be one character or None, got 1"),
    ({"comments": None}, "comments must be a string of comment characters, got None"),
    ({"weighted": 2}, r"weighted must be True, False or None \(detect from the first line\), got 2"),  # was True
    ({"weighted": "no"}, "weighted must be True, False or None"),
    # n_nodes with relabel=True raised or not depending on whether the file's labels were already 0..n-1
    ({"n_nodes": 10}, "n_nodes can only be given with relabel=False"),
    ({"n_nodes": 2.5, "relabel": False}, "n_nodes must be an integer"),
])
def test_bad_reader_options(kwargs, message):
    with pytest.raises(gs.GraphsampleError, match=message):
        read("0 1\n1 2\n", **kwargs)


def test_n_nodes_with_string_labels_is_refused():
    # relabel=False becomes relabelling when the labels are not integers; n_nodes was then dropped silently
    with pytest.raises(gs.GraphsampleError, match="n_nodes can only be given for integer node ids"):
        read("a b\nb c\n", relabel=False, n_nodes=10)


@pytest.mark.parametrize("text, kw, line", [
    ("source target\n1 2\n2 3\n", {}, 1),
    ("# exported\nsrc,dst\n10,20\n20,-30\n", {"delimiter": ","}, 2),
])
def test_a_header_read_as_an_arc_is_warned_about(text, kw, line):
    # 'source,target' (pandas' and Gephi's CSV exports) became an arc between two extra nodes, and every integer
    # label a string, without a word
    with pytest.warns(UserWarning, match=rf"<stream>, line {line}: '[a-z,  ]+' looks like a header .* "
                                         rf"skip_rows={line} \(CLI: --skip-rows {line}\)"):
        G = read(text, **kw)
    assert G.n_arcs == 3 and G.node_ids.dtype.kind == "U"  # what was read: the warning does not change it
    H = read(text, skip_rows=line, **kw)
    assert H.n_arcs == 2 and H.node_ids.dtype.kind == "i"


@pytest.mark.parametrize("text", ["a b\nb c\n", "src dst\nsrc 2\n2 3\n", "x y\n1 2\nz 3\n", "a b\n"])
def test_string_labels_that_are_no_header_are_read_without_a_warning(text):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read(text)


@pytest.mark.parametrize("delimiter", ["", "ab", None])
def test_writer_checks_its_delimiter(delimiter):
    # a bare TypeError from ord() on unlabelled graphs, while labelled ones joined with any string
    G = read("0 1\n1 2\n")
    with pytest.raises(gs.GraphsampleError, match=f"delimiter must be one character, got {delimiter!r}"):
        gs.write_edgelist(G, io.BytesIO(), delimiter=delimiter)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputFormatError, match="no such file"):
        gs.read_edgelist(tmp_path / "nope.txt")
    with pytest.raises(InputFormatError, match="is a directory"):
        gs.read_edgelist(tmp_path)
    (tmp_path / "bad.gz").write_bytes(b"not gzip")
    with pytest.raises(InputFormatError, match="cannot decompress"):
        gs.read_edgelist(tmp_path / "bad.gz")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50),
                          st.floats(0, 1e12, allow_nan=False, allow_infinity=False)), min_size=1, max_size=30),
       st.booleans())
def test_write_read_round_trip_is_exact(rows, directed):
    src = np.array([r[0] for r in rows])
    dst = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows])
    G = gs.from_edges(src, dst, w, directed=directed)
    buf = io.BytesIO()
    gs.write_edgelist(G, buf)
    H = gs.read_edgelist(io.BytesIO(buf.getvalue()), directed=directed, relabel=False, n_nodes=G.n_nodes)
    assert np.array_equal(H.indptr, G.indptr) and np.array_equal(H.indices, G.indices)
    assert np.array_equal(H.weights, G.weights)


def test_write_with_string_labels_round_trips():
    G = read("alice bob\nbob carol\n")
    buf = io.BytesIO()
    gs.write_edgelist(G, buf)
    assert buf.getvalue() == b"alice\tbob\nbob\tcarol\n"
    assert pairs(read(buf.getvalue().decode())) == pairs(G)
    text = io.StringIO()  # a text stream, as read_edgelist takes one (it was a TypeError: bytes written to it)
    gs.write_edgelist(G, text)
    assert text.getvalue() == buf.getvalue().decode()
    import tempfile

    with tempfile.NamedTemporaryFile("w+") as f:  # a text file that is no io.TextIOBase
        gs.write_edgelist(G, f)
        f.seek(0)
        assert f.read() == buf.getvalue().decode()


@pytest.mark.parametrize("suffix, magic", [(".gz", b"\x1f\x8b"), (".bz2", b"BZh"), (".xz", b"\xfd7zXZ")])
def test_write_compresses_what_read_decompresses(tmp_path, suffix, magic):
    # write_edgelist wrote plain text under a .gz name, which read_edgelist (and every command) then refused:
    # "cannot decompress (Not a gzipped file)"
    G = read("alice bob 0.5\nbob carol 2\n")
    path = tmp_path / f"g.tsv{suffix}"
    gs.write_edgelist(G, path)
    assert path.read_bytes().startswith(magic)
    H = gs.read_edgelist(path)
    assert pairs(H) == pairs(G) and H.weights.tolist() == [0.5, 2.0]


@pytest.mark.parametrize("name", ["g.npz", "gdir", "new/folder/g.npz", "new/folder/gdir"])
def test_save_load_round_trip(tmp_path, name):
    G = read("a b 1.5\nb c 2\n", directed=False)
    gs.save(G, tmp_path / name)
    H = gs.load(tmp_path / name)
    assert (H.n_nodes, H.directed) == (G.n_nodes, G.directed)
    for attr in ("indptr", "indices", "weights", "node_ids"):
        assert np.array_equal(getattr(H, attr), getattr(G, attr))
    if name.endswith("gdir"):
        assert isinstance(H.indices, np.memmap)


def test_load_errors(tmp_path):
    with pytest.raises(InputFormatError, match="no such file"):
        gs.load(tmp_path / "missing.npz")
    (tmp_path / "x.npz").write_bytes(b"junk")
    with pytest.raises(InputFormatError, match="not a graphsample CSR file"):
        gs.load(tmp_path / "x.npz")
    np.save(tmp_path / "a.npy", np.arange(3))  # NumPy opens it whatever its name: TypeError (no context manager)
    for name in ("a.npy", "a.npz"):
        (tmp_path / name).write_bytes((tmp_path / "a.npy").read_bytes())
        with pytest.raises(InputFormatError, match=r"a\.np[yz]: not a graphsample CSR file \(a NumPy \.npy array, "
                                                   r"not an \.npz archive\)$"):
            gs.load(tmp_path / name)


def test_load_of_a_truncated_or_corrupted_npz_is_a_format_error(tmp_path):
    # an interrupted copy (the archive cut short) or a flipped byte escaped from zipfile as BadZipFile ('File is
    # not a zip file', 'Bad CRC-32 for file ...'), EOFError or NotImplementedError ('That compression method is
    # not supported'): tracebacks naming no path. Every single-byte flip now loads (a byte nothing reads) or is
    # an InputFormatError.
    gs.save(read("0 1\n1 2\n2 0\n"), tmp_path / "g.npz")
    data = (tmp_path / "g.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[:len(data) // 2])
    with pytest.raises(InputFormatError, match=r"cut\.npz: not a graphsample CSR file \(File is not a zip file\)"):
        gs.load(tmp_path / "cut.npz")
    for i in range(len(data)):
        (tmp_path / "flipped.npz").write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:])
        try:
            gs.load(tmp_path / "flipped.npz")
        except InputFormatError:
            pass


def test_utf8_byte_order_mark_is_not_part_of_the_first_label(tmp_path):
    # a BOM (Windows editors, Excel CSV) made the first label '\ufeff1', a node distinct from '1',
    # and turned every integer label into a string
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf1,2,0.5\n2,1,1.5\n")
    G = gs.read_edgelist(path, delimiter=",")
    assert G.n_nodes == 2 and G.node_ids.dtype.kind == "i"
    assert pairs(G) == [(1, 2), (2, 1)] and G.weights.tolist() == [0.5, 1.5]
    assert pairs(gs.read_edgelist(io.BytesIO(b"\xef\xbb\xbf# header\na b\n"))) == [("a", "b")]


def test_a_binary_file_is_not_read_as_an_edge_list(tmp_path):
    # a .npy given as an edge list failed as 'node labels are not valid UTF-8', or as 'line 2: expected 2 columns,
    # got '\x04\x00\x00...'' quoting its bytes; an executable alike
    np.save(tmp_path / "a.npy", np.arange(10, dtype=np.int64).reshape(5, 2))
    with pytest.raises(InputFormatError, match=r"a\.npy: a NumPy \.npy array, not a text edge list$"):
        gs.read_edgelist(tmp_path / "a.npy")
    (tmp_path / "b.txt").write_bytes(b"0 1\n1\x002\n")
    with pytest.raises(InputFormatError, match=r"b\.txt: binary data \(a NUL byte at byte 5\), not a text edge list$"):
        gs.read_edgelist(tmp_path / "b.txt")
    with pytest.raises(InputFormatError, match=r"^<stream>: binary data \(a NUL byte at byte 0\)"):
        gs.read_edgelist(io.BytesIO(b"\x00\x01"))


def test_load_folder_missing_arrays_is_a_format_error(tmp_path):
    # a folder with graph.json but no indptr.npy (an interrupted copy) raised KeyError: 'indptr'
    G = read("0 1\n1 2\n")
    gs.save(G, tmp_path / "g")
    (tmp_path / "g" / "indptr.npy").unlink()
    with pytest.raises(InputFormatError, match="no 'indptr' array"):
        gs.load(tmp_path / "g")


@pytest.mark.parametrize(("array", "damage", "message"), [
    ("indices", lambda a: a.__setitem__(0, 7), "target ids outside 0..2"),
    ("indices", lambda a: a.__setitem__(1, -1), "target ids outside 0..2"),
    ("indptr", lambda a: a.__setitem__(1, 3), "without decreasing"),
    ("indptr", lambda a: a.__setitem__(-1, 2), "without decreasing"),
])
def test_load_refuses_a_damaged_file(tmp_path, array, damage, message):
    """A saved graph whose arrays would make the kernels read out of bounds is an InputFormatError; check=False
    (trusted files) opens it without reading the arrays."""
    gs.save(read("0 1\n1 2\n2 0\n"), tmp_path / "g")
    a = np.load(tmp_path / "g" / f"{array}.npy")
    damage(a)
    np.save(tmp_path / "g" / f"{array}.npy", a)
    with pytest.raises(InputFormatError, match=f"damaged graphsample CSR file.*{message}"):
        gs.load(tmp_path / "g")
    assert gs.load(tmp_path / "g", check=False).n_nodes == 3


@pytest.mark.parametrize(("directed", "array", "value", "message"), [
    (True, "indices", [2, 1, 2], "rows must be sorted by target"),  # row 0 holds 2, 1
    (True, "indices", [1, 1, 2], "no duplicate arcs"),
    (False, "indices", [1, 2, 0, 2, 0, 2], "must be symmetric"),  # 2 -> 1 became a loop 2 -> 2: still sorted
    (False, "weights", [1.0, 2.0, 1.0, 3.0, 2.0, 3.5], "must be symmetric .arcs and weights"),  # w(2->1) != w(1->2)
])
def test_load_checks_the_csr_order_from_csr_checks(tmp_path, directed, array, value, message):
    # an unsorted row or an undirected graph that is not symmetric stays in bounds, so load took it and the methods
    # gave wrong answers (node2vec's neighbour test, the symmetric-transition solvers); from_csr refused both
    G = read("0 1 1\n0 2 2\n1 2 3\n", directed=directed)
    gs.save(G, tmp_path / "g")
    old = np.load(tmp_path / "g" / f"{array}.npy")
    np.save(tmp_path / "g" / f"{array}.npy", np.asarray(value, old.dtype))
    with pytest.raises(InputFormatError, match=f"damaged graphsample CSR file .*{message}"):
        gs.load(tmp_path / "g")
    with pytest.raises(gs.GraphValidationError, match=message):
        gs.from_csr(np.load(tmp_path / "g" / "indptr.npy"), np.load(tmp_path / "g" / "indices.npy"),
                    np.load(tmp_path / "g" / "weights.npy"), directed=directed)
    assert gs.load(tmp_path / "g", check=False).n_arcs == G.n_arcs  # trusted: not read


@pytest.mark.parametrize(("damage", "message"), [
    (lambda w: np.r_[w[:1], np.nan, w[2:]], r"weight of arc 1 is nan: weights must be finite"),
    (lambda w: np.r_[w[:2], -1.0], r"weight of arc 2 is negative \(-1.0\)"),
    (lambda w: w.astype(np.float16), "weights must be float32 or float64, got float16"),
])
def test_load_checks_the_weights(tmp_path, damage, message):
    # a NaN or negative weight in a saved file was loaded unchecked and met the kernels (from_edges refuses both)
    gs.save(read("0 1 1.5\n1 2 2\n2 0 1\n"), tmp_path / "g")
    np.save(tmp_path / "g" / "weights.npy", damage(np.load(tmp_path / "g" / "weights.npy")))
    with pytest.raises(InputFormatError, match=f"damaged graphsample CSR file .{message}"):
        gs.load(tmp_path / "g")


def test_load_refuses_arrays_of_the_wrong_length(tmp_path):
    gs.save(read("a b 1.5\nb c 2\n"), tmp_path / "g")
    np.save(tmp_path / "g" / "weights.npy", np.ones(5))
    with pytest.raises(InputFormatError, match="5 weights for 2 arcs"):
        gs.load(tmp_path / "g")
    gs.save(read("a b 1.5\nb c 2\n"), tmp_path / "h")
    np.save(tmp_path / "h" / "node_ids.npy", np.array(["a", "b"]))
    with pytest.raises(InputFormatError, match="2 node labels for 3 nodes"):
        gs.load(tmp_path / "h")
    np.save(tmp_path / "h" / "node_ids.npy", np.array(["a", "b", "a"]))  # index_of would be ambiguous
    with pytest.raises(InputFormatError,
                       match="damaged graphsample CSR file .node labels must be distinct: "
                             "label 'a' names nodes 0 and 2."):
        gs.load(tmp_path / "h")
    assert gs.load(tmp_path / "h", check=False).node_ids.tolist() == ["a", "b", "a"]  # trusted: not read


@pytest.mark.parametrize("text", ["1 2\n2 3 0.5\n", "a b\nb c 0.5\n", "1,2\n2,3,0.5\n"])
def test_a_later_third_column_is_not_dropped_silently(tmp_path, text):
    # weights are decided from the first data line (2 columns: none); a later line with a weight used to lose it
    path = tmp_path / "mixed.txt"
    path.write_text(text)
    delimiter = "," if "," in text else None
    with pytest.raises(InputFormatError,
                       match=r"line 2: .* has more columns than the first data line's 2.*weighted=True"):
        gs.read_edgelist(path, delimiter=delimiter)
    G = gs.read_edgelist(path, delimiter=delimiter, weighted=False)  # asked for: extra columns are ignored
    assert G.n_arcs == 2 and G.weights is None
    assert gs.read_edgelist(path, delimiter=delimiter, weighted=True, skip_rows=1).weights.tolist() == [0.5]


def test_columns_are_counted_on_the_whole_line():
    # the error for a string-label line was chosen by re-splitting its first 60 characters: a 3-column line
    # with long labels was reported as having too few columns, 'c,,d' (an empty column) as having too many
    text = b"a b\n" + b"x" * 70 + b" y 0.5\n"
    with pytest.raises(InputFormatError, match="line 2: .* has more columns than the first data line's 2"):
        gs.read_edgelist(io.BytesIO(text))
    with pytest.raises(InputFormatError, match="line 2: expected 2 columns, got 'c,,d'"):
        gs.read_edgelist(io.BytesIO(b"a,b\nc,,d\n"), delimiter=",")


def test_a_trailing_comment_is_not_a_column(tmp_path):
    path = tmp_path / "commented.txt"
    path.write_text("1 2\n2 3 # the second edge\n")
    assert gs.read_edgelist(path).n_arcs == 2
    path.write_text("a b\nb c # the second edge\n")  # string labels: split by another pass, the same rule
    assert pairs(gs.read_edgelist(path)) == [("a", "b"), ("b", "c")]
    # on the first data line, whose columns decide the weights, its words were counted: 4 columns, so weighted,
    # and 'line 2: expected 3 columns'
    for text in ("1 2 # the first edge\n2 3\n", "a b #first\nb c\n"):
        G = read(text)
        assert G.weights is None and G.n_arcs == 2
    assert read("1 2 0.5 # weighted\n2 3 1.5\n").weights.tolist() == [0.5, 1.5]


@pytest.mark.parametrize("text, ids, weights", [
    ("a,b # c\nb,c\n", ["a", "b", "c"], None),  # the label was 'b # c'
    ("a,b,1.5 # c\nb,c,2\n", ["a", "b", "c"], [1.5, 2.0]),  # "weight '1.5 # c' is not a number"
    ("1,2,1.5 # c\n2,3,2\n", [1, 2, 3], [1.5, 2.0]),  # the same, integer labels
    ("a,b # x,y\nb,c\n", ["a", "b", "c"], None),  # a delimiter inside the comment is the comment's
    ("a,C#\nb,c#d\n", ["C#", "a", "b", "c#d"], None),  # inside a label, not after a blank: the label's
])
def test_with_a_delimiter_a_comment_after_a_blank_ends_the_line(text, ids, weights):
    """As between blank-separated columns, a comment character that starts a column or follows a blank starts a
    comment when a delimiter separates the columns."""
    G = gs.read_edgelist(io.BytesIO(text.encode()), delimiter=",")
    assert G.node_ids.tolist() == ids
    assert (None if G.weights is None else G.weights.tolist()) == weights


@pytest.mark.parametrize("text, delimiter, line", [
    ("1,2,\n2,3,\n", ",", 1), ("a,b,\nb,c,\n", ",", 1), ("1,2\n2,3,\n", ",", 2), ("1,2,# c\n2,3\n", ",", 1),
    ("1\t2\t\n2\t3\t\n", "\t", 1),
])
def test_a_delimiter_after_the_second_column_is_an_empty_third(text, delimiter, line):
    # '1,2,' was 'line 1: '1,2,' has more columns than the first data line's 2': the first line blamed for differing
    # from itself (and 'a,b,' was read as two columns, while '1,2,' was refused)
    d = re.escape(repr(delimiter))
    with pytest.raises(InputFormatError, match=rf"line {line}: .* has an empty third column \(a {d} after the "
                                               rf"second\); remove the {d}, or pass weighted=False"):
        read(text, delimiter=delimiter)
    assert read(text, delimiter=delimiter, weighted=False).n_arcs == 2


@pytest.mark.parametrize("text, labels", [
    # each was read as integers, merging distinct labels: '007 7' became a self-loop on node 7
    ("007 7\n7 8\n", ["007", "7", "8"]),
    ("+7 7\n7 8\n", ["+7", "7", "8"]),
    ("-0 0\n0 1\n", ["-0", "0", "1"]),
    ("00 0\n0 1\n", ["0", "00", "1"]),
    ("1,2\n2,-05\n-5,1\n", ["-05", "-5", "1", "2"]),
])
@pytest.mark.parametrize("weighted", [False, True])
def test_labels_that_are_not_canonical_integers_are_strings(text, labels, weighted):
    delimiter = "," if "," in text else None
    if weighted:
        text = "".join(f"{line}{delimiter or ' '}1.5\n" for line in text.splitlines())
    G = read(text, delimiter=delimiter)
    assert G.node_ids.tolist() == labels and G.n_self_loops == 0
    assert G.is_weighted == weighted
    expected = [tuple(line.split(delimiter)[:2]) for line in text.splitlines()]
    assert pairs(G) == sorted(expected)


def test_canonical_integer_labels_stay_integers():
    G = read("7 -7\n0 1\n-10 7\n")
    assert G.node_ids.dtype.kind == "i" and G.node_ids.tolist() == [-10, -7, 0, 1, 7]


@pytest.mark.parametrize("weighted", [False, True])
def test_a_padded_label_in_a_later_chunk_makes_every_label_a_string(tmp_path, weighted, monkeypatch):
    from graphsample import _parse

    n = 250_000
    lines = [f"{i} {i + 1}" + (" 2.5" if weighted else "") for i in range(n)]
    middle = n // 2
    lines[middle] = f"0{middle} {middle + 1}" + (" 2.5" if weighted else "")
    path = tmp_path / "edges.txt"
    path.write_text("\n".join(lines) + "\n")
    bounds_seen = []
    parse_pairs = _parse.parse_pairs

    def spy(buf, bounds, *args):
        bounds_seen.append(bounds.copy())
        return parse_pairs(buf, bounds, *args)

    monkeypatch.setattr(_parse, "parse_pairs", spy)
    G = gs.read_edgelist(path)
    offset = sum(len(line) + 1 for line in lines[:middle])
    assert bounds_seen and bounds_seen[0][1] <= offset < bounds_seen[0][-1]  # the line is past the first chunk
    assert G.n_nodes == n + 2 and G.node_ids.dtype.kind == "U"  # 0..n, and '0<middle>' besides '<middle>'
    assert G.index_of(np.array([f"0{middle}"])).tolist() != G.index_of(np.array([str(middle)])).tolist()
    assert G.n_arcs == n and G.is_weighted == weighted


def test_relabel_false_reads_padded_labels_as_strings():
    # as for any string label: relabelled, so 007 and 7 are two nodes, not the id 7 twice
    G = read("007 7\n7 8\n", relabel=False)
    assert G.node_ids.tolist() == ["007", "7", "8"] and G.n_self_loops == 0
    with pytest.raises(gs.GraphsampleError, match=r"<stream>, line 2: n_nodes can only be given for integer node "
                                                  r"ids; '\+7 8' has a label that is not one .*not 007, \+7 or -0"):
        read("1 2\n+7 8\n", relabel=False, n_nodes=10)


def test_a_signed_first_line_is_no_header():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = read("+7 3\n1 2\n2 3\n")
    assert G.node_ids.tolist() == ["+7", "1", "2", "3"]


def test_a_first_line_of_signed_numbers_only_is_no_header():
    """Neither '+7' nor '-5' is written as str(int) writes it, but both are numbers once the sign is stripped: a
    line of them is data, not a header (the other test's first line has a plain '3', which decides alone)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = read("+7 -05\n1 2\n2 3\n")
    assert G.node_ids.tolist() == ["+7", "-05", "1", "2", "3"]


_canonical = st.integers(-30, 30).map(str)
_padded = st.tuples(st.integers(0, 30), st.integers(2, 4)).map(lambda vw: str(vw[0]).zfill(vw[1]))
_signed = st.sampled_from(["+3", "-0", "+0", "-05", "00"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.one_of(_canonical, _canonical, _padded, _signed)] * 2), min_size=1, max_size=30))
def test_one_node_per_distinct_label_text(rows):
    G = read("".join(f"{a} {b}\n" for a, b in rows), duplicates="first")
    assert G.n_nodes == len({label for row in rows for label in row})
    assert sorted((str(a), str(b)) for a, b in pairs(G)) == sorted(set(rows))


def test_a_delimiter_the_lines_do_not_hold_is_named(tmp_path):
    """Space-separated lines read with delimiter=',' are one column each: the message says the columns are split at
    ',' (the line holds spaces, not commas); a plain short line gets no such hint."""
    f = tmp_path / "g.txt"
    f.write_text("1 2\n2 3\n")
    with pytest.raises(InputFormatError, match=r"line 1: expected 2 columns, got '1 2' \(columns are split at ','"):
        gs.read_edgelist(f, delimiter=",")
    f.write_text("1,2\n2\n")
    with pytest.raises(InputFormatError, match=r"line 2: expected 2 columns, got '2'$"):
        gs.read_edgelist(f, delimiter=",")
    f.write_text("a,b\nb c\n")  # labels: the string parser's message says it too
    with pytest.raises(InputFormatError, match=r"line 2: expected 2 columns, got 'b c' \(columns are split at ','"):
        gs.read_edgelist(f, delimiter=",")


@pytest.mark.parametrize("delimiter", ["\t", " "])
@pytest.mark.parametrize("weights", [False, True])
def test_a_blank_delimiter_keeps_integer_labels(tmp_path, delimiter, weights):
    # after a label the parser skipped spaces and tabs, the delimiter among them: with delimiter='\t' (or ' ') no
    # line read as integers, and every label became a string ('10' < '2' < '9'; index_of([9]) failed)
    rows = [("9", "10", "0.5"), ("10", "2", "1.5"), ("2", "9", "2.5")]
    path = tmp_path / "g.tsv"
    path.write_text("".join(delimiter.join(row if weights else row[:2]) + "\n" for row in rows))
    G = gs.read_edgelist(path, delimiter=delimiter, relabel=False)
    auto = gs.read_edgelist(path, relabel=False)
    assert G.node_ids is None and G.n_nodes == 11 and G.index_of([9]).tolist() == [9]
    for attr in ("indptr", "indices", "weights"):
        assert np.array_equal(getattr(G, attr), getattr(auto, attr))
    assert gs.read_edgelist(path, delimiter=delimiter).node_ids.tolist() == [2, 9, 10]


def test_a_tab_separated_file_written_reads_back_with_integer_labels():
    G = read("9 10 0.5\n10 2 1.5\n2 9 2.5\n")
    buf = io.BytesIO()
    gs.write_edgelist(G, buf)  # tab-separated
    H = gs.read_edgelist(io.BytesIO(buf.getvalue()), delimiter="\t")
    assert H.node_ids.dtype.kind == "i" and H.node_ids.tolist() == G.node_ids.tolist() == [2, 9, 10]
    assert pairs(H) == pairs(G) and np.array_equal(H.weights, G.weights)


def test_a_delimiter_separates_columns_and_nothing_else():
    # a tab delimiter is one column break: '1\t2\t\t3' has an empty third column (it read 3 as the weight), and with
    # delimiter=',' '2 x' is one label, as the string parser reads it
    with pytest.raises(InputFormatError, match=r"line 1: expected 3 columns, got '1\\t2\\t\\t3'"):
        read("1\t2\t\t3\n", delimiter="\t", weighted=True)
    assert pairs(read("1,2 x\n2 x,3\n", delimiter=",")) == [("1", "2 x"), ("2 x", "3")]
    assert read("1\t2 \t0.5\n", delimiter="\t").weights.tolist() == [0.5]  # spaces around a column are not in it


@pytest.mark.parametrize("labels", [("1", "2", "3", "4"), ("a", "b", "c", "d")])
def test_a_leading_delimiter_is_an_empty_first_column_whatever_the_labels(labels):
    # a line that starts with the tab delimiter has an empty first column for the integer parser as for the string
    # one (the integer parser skipped the tab as a blank and read the line); a line of blanks or a comment after a
    # tab is still no data line
    a, b, c, d = labels
    with pytest.raises(InputFormatError, match=r"line 2: expected 2 columns, got '\\t%s\\t%s'" % (c, d)):
        read(f"{a}\t{b}\n\t{c}\t{d}\n", delimiter="\t")
    assert pairs(read(f"{a}\t{b}\n \t \n\t# note\n{c}\t{d}\n", delimiter="\t")) == pairs(read(f"{a} {b}\n{c} {d}\n"))


def _saved(path, header=lambda h: h, **arrays):
    """A saved graph (0 -> 1 -> 2) at ``path``, its header changed by ``header`` and ``arrays`` replacing those
    written."""
    gs.save(gs.from_edges([0, 1], [1, 2]), path)
    with np.load(path) as z:
        saved = dict(z)
    info = header(json.loads(str(saved.pop("_info"))))
    np.savez(path, _info=np.array(json.dumps(info)), **(saved | arrays))
    return path


@pytest.mark.parametrize("header, arrays, message", [
    (None, {"indptr": np.array([0.0, 1, 2, 2])}, r"indptr must be a 1-D integer array, got float64 of shape \(4,\)"),
    (None, {"indices": np.array([1.0, 2])}, r"indices must be a 1-D integer array, got float64 of shape \(2,\)"),
    (None, {"indices": np.array([True, True])}, r"indices must be a 1-D integer array, got bool of shape \(2,\)"),
    (None, {"indices": np.array([[1, 2]])}, r"indices must be a 1-D integer array, got int64 of shape \(1, 2\)"),
    (None, {"node_ids": np.array([[7], [8], [9]])}, r"node_ids must be a 1-D array, got shape \(3, 1\)"),
    ({"n_nodes": "3"}, {}, "n_nodes must be an integer >= 0, got '3'"),
    ({"n_nodes": 3.7}, {}, "n_nodes must be an integer >= 0, got 3.7"),
    ({"n_nodes": -1}, {}, "n_nodes must be an integer >= 0, got -1"),
    ({"n_nodes": True}, {}, "n_nodes must be an integer >= 0, got True"),
    ({"directed": "yes"}, {}, "directed must be true or false, got 'yes'"),
    ({"directed": None}, {}, "directed must be true or false, got None"),
    ({"directed": ...}, {}, "its header has no 'directed'"),  # ...: the key dropped
])
def test_load_refuses_a_damaged_header_or_array_type(tmp_path, header, arrays, message):
    # each loaded, and failed later in the kernels (a Numba typing error), as an IndexError or a KeyError, or was
    # truncated (n_nodes 3.7); the headers alone tell, so check=False does not skip these
    change = header or {}
    path = _saved(tmp_path / "g.npz", lambda h: {k: v for k, v in (h | change).items() if v is not ...}, **arrays)
    for check in (True, False):
        with pytest.raises(InputFormatError, match=rf"g\.npz: damaged graphsample CSR file \({message}\)$"):
            gs.load(path, check=check)


def test_load_refuses_a_header_that_is_not_an_object(tmp_path):
    # info.get(...) of a JSON list was an AttributeError
    with pytest.raises(InputFormatError, match=r"g\.npz: not a graphsample CSR file$"):
        gs.load(_saved(tmp_path / "g.npz", lambda h: ["graphsample-csr", 3]))


@pytest.mark.parametrize("name", ["G.NPZ", "g.Npz"])
def test_an_npz_suffix_in_any_case_is_one_file(tmp_path, name):
    # save wrote a folder named G.NPZ, and read_graph read G.NPZ as an edge list
    G = read("a b 0.5\nb c 2\n")
    gs.save(G, tmp_path / name)
    assert (tmp_path / name).is_file() and [p.name for p in tmp_path.iterdir()] == [name]
    for H in (gs.load(tmp_path / name), gs.io.read_graph(str(tmp_path / name))):
        assert pairs(H) == pairs(G) and np.array_equal(H.weights, G.weights)


@pytest.mark.parametrize("name", ["g.npy", "G.NPY"])
def test_save_refuses_a_npy_name(tmp_path, name):
    # save wrote a folder named g.npy, which np.load cannot read
    with pytest.raises(ValueError, match=r"names a \.npy array; save a graph to NAME\.npz \(one file\) or to a folder"):
        gs.save(read("a b\n"), tmp_path / name)
    assert not (tmp_path / name).exists()
