"""The CLI's text inputs are streamed (graphsample.io.open_decompressed, cli._common.text_lines): the same results and
the same one-line errors as when the whole text was read, decoded and split into lines before parsing."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import graphsample as gs
from graphsample.cli import cli
from graphsample.cli._common import _GROUP, load_matrix, read_lines
from graphsample.cli._embedding_files import load_embedding
from graphsample.errors import InputFormatError
from graphsample.io import check_input_file, open_decompressed

_PACK = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
_UNPACKING = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def _corrupt_middle(data: bytes, suffix: str) -> bytes:
    """``data`` with bytes flipped halfway, checked to decompress to many lines before the stdlib reader fails."""
    bad = bytearray(data)
    mid = len(bad) // 2
    bad[mid:mid + 64] = bytes(b ^ 0xA5 for b in bad[mid:mid + 64])
    lines = 0
    with pytest.raises((OSError, EOFError, lzma.LZMAError)):
        with _UNPACKING[suffix](io.BytesIO(bytes(bad))) as f:
            for _ in f:
                lines += 1
    assert lines > 1000  # the corruption shows up mid-stream, after the parse has started
    return bytes(bad)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_a_compressed_matrix_corrupt_mid_stream_is_one_line(tmp_path, monkeypatch, suffix):
    # gzip: the flipped block still inflates (to garbage, which the parser meets first) and fails its CRC at the end
    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).standard_normal((8000, 4))
    buf = io.StringIO()
    np.savetxt(buf, X)
    name = f"X.txt{suffix}"
    Path(name).write_bytes(_corrupt_middle(_PACK[suffix](buf.getvalue().encode()), suffix))
    Path("y.txt").write_text("0 1\n")
    for command in (["select", "sensitivity", name, "--size", "2"], ["evaluate", "node-classification", name, "y.txt"]):
        assert one_line_error(run(*command)).startswith(f"Error: {name}: cannot decompress (")


def test_a_bad_deflate_block_is_one_line_not_a_traceback(tmp_path):
    # zlib.error, which the whole-file reader did not catch: read_edgelist ended in a traceback
    text = "".join(f"{i} {i * 7 % 1003}\n" for i in range(100000)).encode()
    data = bytearray(gzip.compress(text))
    data[len(data) // 2:len(data) // 2 + 20000] = np.random.default_rng(1).integers(0, 256, 20000, np.uint8).tobytes()
    (tmp_path / "g.txt.gz").write_bytes(bytes(data))
    with pytest.raises(InputFormatError, match=r"g\.txt\.gz: cannot decompress \("):
        gs.read_edgelist(tmp_path / "g.txt.gz")
    assert one_line_error(run("select", "sensitivity", str(tmp_path / "g.txt.gz"), "--size", "2")).startswith(
        f"Error: {tmp_path / 'g.txt.gz'}: cannot decompress (")


@pytest.mark.parametrize("name", ["X.csv.gz", "X.csv", "-"])
def test_a_large_matrix_read_through_the_stream_is_loadtxt_of_its_text(tmp_path, monkeypatch, name):
    # over 1 MiB, so the text is decoded in several blocks; comments, blank lines and every kind of line break
    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(2).standard_normal((30000, 5))
    rows = [",".join(f"{v!r}" for v in row) for row in X.tolist()]
    breaks = ["\n", "\r\n", "\r", "\n# caf\u00e9 \u2028\n", "\n\n"]
    text = "".join(row + breaks[i % len(breaks)] for i, row in enumerate(rows))
    expected = np.loadtxt(text.splitlines(), delimiter=",", ndmin=2)
    assert np.array_equal(expected, X)
    if name == "-":  # stdin has no suffix: whitespace-separated
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.replace(",", " ").encode())))
    else:
        data = text.encode()
        Path(name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert np.array_equal(load_matrix(name), expected)


@pytest.mark.parametrize("text, message", [
    ("".join(f"{i} {i}\n" for i in range(3 * _GROUP + 5)) + "# c\n\n1 x\n2 2\n",
     f"row {3 * _GROUP + 6} ('1 x'): 'x' is not a number"),
    ("# c\n\n" * _GROUP + "1 2\n" * (2 * _GROUP) + "3 4 5\n1 2\n",
     f"row {2 * _GROUP + 1} ('3 4 5') has 3 columns, the first row 2"),
    ("x 1\n" + "1 2\n" * (2 * _GROUP), "row 1 ('x 1'): 'x' is not a number"),
    ("\n" * (3 * _GROUP) + "1 2\n" * _GROUP + "1\n", f"row {_GROUP + 1} ('1') has 1 column, the first row 2"),
])
def test_stdin_names_its_first_bad_row_far_into_the_input(text, message):
    # stdin cannot be read again: the rows kept while NumPy parses are enough to name the row it stopped at
    assert one_line_error(run("select", "sensitivity", "-", "--size", "2", input=text)) == \
        f"Error: -: cannot read a matrix: {message}"


def test_text_that_is_not_utf8_wins_over_a_bad_row_before_it(tmp_path, monkeypatch):
    # the whole text was decoded before parsing: a bad byte anywhere was the error, with its offset in the text
    monkeypatch.chdir(tmp_path)
    head = b"1 2\n3 x\n" + b"1 2\n" * 400000
    Path("X.txt.gz").write_bytes(gzip.compress(head + b"5 \xff\n"))
    assert one_line_error(run("select", "sensitivity", "X.txt.gz", "--size", "1")) == \
        f"Error: X.txt.gz: not a text file (not UTF-8: invalid start byte at byte {len(head) + 2})"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([b"1 2", b"x", b"\n", b"\r\n", b"\r", b"\x0c", b"\xc2\x85", b"\xe2\x80\xa8",
                                 b"\xc3\xa9", b"\xe2\x82", b"\xff", b"#"]), max_size=30))
def test_the_lines_read_are_those_of_the_whole_text(pieces):
    data = b"".join(pieces)
    try:
        expected = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        expected = f"p: not a text file (not UTF-8: {exc.reason} at byte {exc.start})"
    try:
        with read_lines(io.BytesIO(data), "p") as lines:
            got = list(lines)
    except InputFormatError as exc:
        got = str(exc)
    assert got == expected


def test_a_text_embedding_on_stdin_reads_as_from_a_file(tmp_path, monkeypatch):
    # word2vec text, and a 2-column matrix whose first row '2 1' looks like a word2vec header until its row count
    # is known at the end: then the text is read again, from a copy of stdin
    monkeypatch.chdir(tmp_path)
    for text, rows, labels in (("3 2\na 1 2\nb 3 4\nc 5 6\n", [[1, 2], [3, 4], [5, 6]], ["a", "b", "c"]),
                               ("2 1\n3 4\n5 6\n7 8\n", [[2, 1], [3, 4], [5, 6], [7, 8]], None)):
        Path("e.txt").write_text(text)
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        for name in ("e.txt", "-"):
            E, got = load_embedding(name)
            assert E.tolist() == rows and got == labels
    Path("e.tsv").write_text("node\t0\na\t1.5\n")
    E, labels = load_embedding("e.tsv")
    assert E.tolist() == [[1.5]] and labels == ["a"]
    r = run("evaluate", "node-classification", "-", "y.txt", input="node\t0\na\t1.5\n")  # stdin: no table suffix
    assert one_line_error(r) == "Error: -: cannot read a matrix: row 1 ('node\\t0'): 'node' is not a number"


def test_labels_on_stdin_comma_or_whitespace_separated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("emb.txt").write_text("4 2\na 1 0\nb 0 1\nc 1 1\nd 0 0\n")
    outputs = set()
    for labels in ("# row label\n\n0 1\n1 0\n2 1\n3 0\n", "# row,label\n0,1\n1, 0\n2 ,1\n3,0\n"):
        r = run("evaluate", "node-classification", "emb.txt", "-", "--ratios", "0.5", "--repeats", "1", "--seed", "1",
                "--json", input=labels)
        assert r.exit_code == 0, r.output
        outputs.add(r.output)
    assert len(outputs) == 1
    r = run("evaluate", "node-classification", "emb.txt", "-", input="0 1\n1,0\n")
    # NumPy 2.4 reads "1,0" as one column and says so, NumPy 1.26 as a bad integer
    assert one_line_error(r).startswith("Error: -: expected integer 'row label' pairs")


def test_reading_a_compressed_matrix_holds_about_the_result_not_the_text(tmp_path):
    # the text was held as bytes, as str and as a list of lines: over 3 times its size; now the result and a block.
    # NumPy's loadtxt peaks at 1.2x the result (NumPy 1.26 and 2.4) and at 2.14x (NumPy 2.5.2, seen on the GPU
    # machine, where the bound 0.8x the text failed with 2.5x as much text as result). Holding the text costs at
    # least the text: with 24 bytes of text a number (3x the result) the bound is the text itself.
    row = ",".join(["0.123456789012345670000"] * 8) + "\n"
    n = 20_000_000 // len(row)
    text = (row * n).encode()
    (tmp_path / "X.csv.gz").write_bytes(gzip.compress(text, 1))
    tracemalloc.start()
    try:
        X = load_matrix(str(tmp_path / "X.csv.gz"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert X.shape == (n, 8) and X[-1, -1] == 0.12345678901234567
    assert 3 * X.nbytes == len(text) and peak < len(text), (peak, len(text), X.nbytes)


def test_open_decompressed_and_check_input_file(tmp_path):
    with pytest.raises(InputFormatError, match=r"^.*nope\.txt: no such file$"):
        check_input_file(tmp_path / "nope.txt")
    with pytest.raises(InputFormatError, match=r": is a directory, not a matrix$"):
        check_input_file(tmp_path, "a matrix")
    with pytest.raises(InputFormatError, match=r": is a directory, not a file$"):
        with open_decompressed(tmp_path):
            pass
    for suffix, pack in _PACK.items():
        path = tmp_path / f"t.txt{suffix.upper()}"  # the suffix in any case
        path.write_bytes(pack(b"a\nb\n"))
        with open_decompressed(path) as f:
            assert f.read() == b"a\nb\n"
    path = tmp_path / "plain.txt"
    path.write_bytes(b"a\n")
    with open_decompressed(str(path)) as f:
        assert list(f) == [b"a\n"]


@pytest.mark.parametrize("text, read, expected", [
    ("1 2\n3 4\n", lambda path: load_matrix(path).tolist(), [[1, 2], [3, 4]]),
    # an edge list: a pipe has no size, which must not read as an empty file ("no edges found")
    ("0 1\n2 3\n", lambda path: gs.read_edgelist(path).edges()[1].tolist(), [1, 3]),
])
def test_a_fifo_is_read_as_a_stream(tmp_path, text, read, expected):
    # a named pipe (or a shell's <(zcat x.gz)): it exists and is not a folder, and a stream needs no seek
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    import threading

    fifo = tmp_path / "X.txt"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(text), daemon=True)
    writer.start()
    try:
        assert read(str(fifo)) == expected
    finally:
        writer.join(5)
