"""Reading and writing graphs: text edge lists and binary CSR.

* :func:`read_edgelist` parses whitespace / CSV / TSV edge lists (optionally ``.gz``, ``.bz2``, ``.xz``,
  or stdin) with a parallel Numba parser: one pass counts lines, one parses them, no Python loop per
  line. Node labels may be arbitrary integers or strings; they are kept as ``Graph.node_ids``. Labels are
  integers only when every one is written as ``str(int)`` writes it (``007``, ``+7`` or ``-0`` make them all strings).
* :func:`write_edgelist` writes the inverse format.
* :func:`save` / :func:`load` store the CSR arrays as ``.npz`` or as a folder of ``.npy`` files that
  :func:`load` memory-maps, so a large graph is parsed once (``graphsample convert``).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
import sys
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any, Iterator

import numba
import numpy as np

from . import _parse
from ._backend import kernel_threads, to_numpy
from .errors import GraphsampleError, InputFormatError, is_integer
from .graph import (Duplicates, Graph, SelfLoops, _csr_problem, check_graph, from_edges, label_problem,
                    native_byte_order, order_problem, weight_problem, with_distinct_labels)

PathLike = str | os.PathLike
#: the compressions, by suffix, that :func:`read_edgelist` and the CLI's text inputs undo, each a reader over an open
#: binary file (:func:`open_decompressed`)
_DECOMPRESSORS = {".gz": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"), ".bz2": lambda raw: bz2.BZ2File(raw, "rb"),
                  ".xz": lambda raw: lzma.LZMAFile(raw, "rb")}
#: what those readers raise on a file that is not what its suffix says, or is truncated or corrupt (gzip: OSError
#: for a bad header or CRC, zlib.error for a bad deflate block; all: EOFError when the stream ends early)
_CORRUPT = (OSError, EOFError, lzma.LZMAError, zlib.error)
#: the same compressions as writers over an open binary file, which :func:`write_edgelist` (and the CLI's text
#: outputs, with :func:`open_compressed`) applies: gzip without a time stamp or a file name in its header, so
#: the same content gives the same bytes whenever and under whatever name it is written
_COMPRESSORS = {".gz": lambda raw: gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0),
                ".bz2": lambda raw: bz2.BZ2File(raw, "wb"), ".xz": lambda raw: lzma.LZMAFile(raw, "wb")}
_FORMAT_VERSION = 1


def compression_suffix(path: PathLike) -> str | None:
    """The compression suffix of ``path`` (``.gz``, ``.bz2`` or ``.xz``, in any case, lowered), or None."""
    suffix = Path(path).suffix.lower()
    return suffix if suffix in _DECOMPRESSORS else None


def check_input_file(path: PathLike, what: str = "a file") -> None:
    """Raise one :class:`InputFormatError` line when the input ``path`` does not exist (``PATH: no such file``) or
    is a directory (``PATH: is a directory, not WHAT``, ``what`` naming the input: ``an edge list``, ``a matrix``):
    the one check of every input read from a path, before it is opened."""
    if not os.path.exists(path):
        raise InputFormatError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputFormatError(f"{path}: is a directory, not {what}")


class _Decompressing(io.RawIOBase):
    """The bytes of a decompressing reader ``f`` of the file ``path``, where a corrupt block is one
    :class:`InputFormatError` line naming the file, raised where it shows up: on the read that meets it, which may
    come late in the file and inside whatever parses the stream."""

    def __init__(self, f: IO[bytes], path: PathLike) -> None:
        super().__init__()
        self._f, self._path = f, path
        self.failed = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        return self._checked(self._f.readinto, b)

    def readall(self) -> bytes:  # the reader's own, in large blocks (io's default reads 8 KiB at a time)
        return self._checked(self._f.read)

    def _checked(self, read: Any, *args: Any) -> Any:
        try:
            return read(*args)
        except _CORRUPT as exc:
            self.failed = True
            raise InputFormatError(f"{self._path}: cannot decompress ({exc})") from None


@contextlib.contextmanager
def open_decompressed(path: PathLike, what: str = "a file") -> Iterator[IO[bytes]]:
    """The input ``path`` as a binary file object, decompressed on the fly when its name ends in ``.gz``, ``.bz2``
    or ``.xz`` (streamed: the content is never held whole); ``-`` is stdin (left open). A missing file or a
    directory is one :class:`InputFormatError` line (:func:`check_input_file`, ``what`` naming the input).

    A compressed file that does not decompress is one :class:`InputFormatError` line naming it (``PATH: cannot
    decompress (...)``), raised by the read that meets the bad block. When what parses the stream fails first (a
    corrupt block can decompress to garbage before its checksum fails), the rest of the file is read before the
    error leaves: a corrupt file is reported as such, as when it was decompressed whole before parsing."""
    if str(path) == "-":
        yield sys.stdin.buffer
        return
    check_input_file(path, what)
    decompress = _DECOMPRESSORS.get(compression_suffix(path) or "")
    with open(path, "rb") as raw:
        if decompress is None:
            yield raw
            return
        with decompress(raw) as f, io.BufferedReader(_Decompressing(f, path), 1 << 16) as stream:
            try:
                yield stream
            except Exception:
                if not stream.raw.failed:
                    while stream.read(1 << 20):
                        pass
                raise


@contextlib.contextmanager
def open_compressed(path: PathLike) -> Iterator[IO[bytes]]:
    """``path`` opened for writing bytes, compressed by its suffix as :func:`open_decompressed` decompresses it
    (streamed: the content is never held whole); closed after."""
    compress = _COMPRESSORS.get(compression_suffix(path) or "")
    with open(path, "wb") as raw:
        if compress is None:
            yield raw
        else:
            with compress(raw) as f:
                yield f


def _read_bytes(source: PathLike | IO[bytes]) -> tuple[np.ndarray, str]:
    if hasattr(source, "read"):
        data = source.read()
        return np.frombuffer(data.encode() if isinstance(data, str) else data, np.uint8), "<stream>"
    if str(source) == "-":
        return np.frombuffer(sys.stdin.buffer.read(), np.uint8), "<stdin>"
    path = Path(source)
    check_input_file(path, "an edge list")
    # a compressed file, or a named pipe (a shell's <(zcat x.gz)), which has no size and cannot be mapped: read
    # whole into one buffer, as the parser needs it
    if compression_suffix(path) is not None or not path.is_file():
        with open_decompressed(path, "an edge list") as f:
            return np.frombuffer(f.read(), np.uint8), str(path)
    if path.stat().st_size == 0:
        return np.empty(0, np.uint8), str(path)
    return np.memmap(path, np.uint8, mode="r").view(np.ndarray), str(path)  # the parser reads the page cache


def _line_number(buf: np.ndarray, pos: int) -> int:
    return int(np.count_nonzero(buf[:pos] == _parse.NL)) + 1


def _line_text(buf: np.ndarray, pos: int) -> str:
    start = pos
    while start > 0 and buf[start - 1] != _parse.NL:
        start -= 1
    end = int(_parse.token_end(buf, start, _parse.NL))
    return bytes(buf[start:min(end, start + 60)]).decode("utf-8", "replace").rstrip()


def _skip_lines(buf: np.ndarray, k: int) -> int:
    pos = 0
    for _ in range(k):
        nl = np.flatnonzero(buf[pos:] == _parse.NL)
        if nl.size == 0:
            return buf.shape[0]
        pos += int(nl[0]) + 1
    return pos


def read_edgelist(source: PathLike | IO[bytes], *, directed: bool = True, weighted: bool | None = None,
                  delimiter: str | None = None, comments: str = "#%", skip_rows: int = 0, relabel: bool = True,
                  reverse: bool = False, self_loops: SelfLoops = "keep", duplicates: Duplicates = "sum",
                  n_nodes: int | None = None) -> Graph:
    """Read an edge list: one arc ``u v [w]`` per line.

    Parameters
    ----------
    source : path (``.gz``/``.bz2``/``.xz`` decompressed), ``"-"`` for stdin, or a binary file object.
    directed : arcs (True) or undirected edges (False, stored as both arcs).
    weighted : use the third column as weight; ``None`` decides from the first data line (3+ columns), and
        when it has 2, a later line with more is an error (``False`` ignores extra columns).
    delimiter : one character (``","``, ``"\\t"``) or None for any run of spaces/tabs.
    comments : characters that start a comment line (SNAP ``#`` headers, MatrixMarket ``%``).
    skip_rows : lines to skip at the top (a CSV header such as ``source,target``).
    relabel : map the labels that occur to ``0..n-1`` (keeping them as ``node_ids``); with False, integer
        labels are used as ids directly and ``n_nodes`` defaults to ``max + 1``. Labels are integers when every
        one is the canonical decimal text of its value (``7``, ``-7``; not ``007``, ``+7`` or ``-0``); otherwise
        all are strings, kept exactly as written, and relabelled whatever ``relabel`` says.
    reverse : read the columns as ``v u`` (e.g. citation files listing ``cited citing``).
    self_loops, duplicates : policies of :func:`graphsample.graph.from_edges`.
    n_nodes : with ``relabel=False``, the number of nodes (at least ``max + 1``; more adds isolated nodes);
        an error with ``relabel=True``, where the labels that occur are the nodes.

    Raises :class:`~graphsample.errors.InputFormatError` with the line number for malformed input.
    """
    _check_delimiter(delimiter, none_ok=True)
    if not isinstance(comments, str):
        raise GraphsampleError(f"comments must be a string of comment characters, got {comments!r}")
    if not (is_integer(skip_rows) and skip_rows >= 0):
        raise GraphsampleError(f"skip_rows must be an integer >= 0, got {skip_rows!r}")
    if not (weighted is None or isinstance(weighted, bool | np.bool_)):  # 2 or 'no' was taken as True
        raise GraphsampleError(f"weighted must be True, False or None (detect from the first line), got {weighted!r}")
    if relabel and n_nodes is not None:
        raise GraphsampleError("n_nodes can only be given with relabel=False")
    buf, name = _read_bytes(source)
    if buf.shape[0] >= 3 and bytes(buf[:3]) == b"\xef\xbb\xbf":  # UTF-8 byte-order mark: not data
        buf = buf[3:]
    _check_text(buf, name)
    with kernel_threads(buf.shape[0], threshold=4 << 20):  # small files: one thread beats waking a team
        return _parse_edgelist(buf, name, directed, weighted, delimiter, comments, skip_rows, relabel, reverse,
                               self_loops, duplicates, n_nodes)


#: the bytes at the head of an edge list searched for a NUL byte (:func:`_check_text`)
_TEXT_PROBE = 1 << 16


def _check_text(buf: np.ndarray, name: str) -> None:
    """An :class:`~graphsample.errors.InputFormatError` when the head of the edge list ``buf`` holds a NUL byte, which
    no text has: a binary file (a ``.npy`` array, an executable) given as an edge list was parsed as text, and failed
    as 'node labels are not valid UTF-8' or 'expected 2 columns' quoting its bytes. Only the head is searched, so a
    large file is not read twice."""
    nul = np.flatnonzero(buf[:_TEXT_PROBE] == 0)
    if nul.size:
        what = "a NumPy .npy array" if bytes(buf[:6]) == b"\x93NUMPY" else \
            f"binary data (a NUL byte at byte {int(nul[0])})"
        raise InputFormatError(f"{name}: {what}, not a text edge list")


def _check_delimiter(delimiter: Any, none_ok: bool = False) -> None:
    """Raise unless ``delimiter`` is one character (the column separator of an edge list, read or written), or
    None where ``none_ok`` (reading: any run of spaces and tabs)."""
    if not ((isinstance(delimiter, str) and len(delimiter) == 1) or (none_ok and delimiter is None)):
        raise GraphsampleError(f"delimiter must be one character{' or None' if none_ok else ''}, got {delimiter!r}")


def _parse_edgelist(buf: np.ndarray, name: str, directed: bool, weighted: bool | None, delimiter: str | None,
                    comments: str, skip_rows: int, relabel: bool, reverse: bool, self_loops: SelfLoops,
                    duplicates: Duplicates, n_nodes: int | None) -> Graph:
    delim = -1 if delimiter is None else ord(delimiter)
    cmt = np.frombuffer(comments.encode(), np.uint8)
    start = _skip_lines(buf, skip_rows)
    nchunks = max(1, min(4 * numba.get_num_threads(), (buf.shape[0] - start) // (1 << 20) + 1))
    bounds = _parse.chunk_bounds(buf, start, nchunks)
    upper = np.array([_max_lines(buf[bounds[c]:bounds[c + 1]]) for c in range(nchunks)])
    offsets = np.concatenate([[0], np.cumsum(upper)[:-1]]).astype(np.int64)
    # decided from the first data line: then every line must have its 2 columns (a third would be a lost weight)
    exact = weighted is None and _first_line_columns(buf, bounds, cmt, delim) == 2
    weighted = weighted if weighted is not None else not exact
    size = int(upper.sum())
    src = np.empty(size, np.int64)
    dst = np.empty(size, np.int64)
    w = np.empty(size if weighted else 0, np.float64)
    wslow = np.empty(size if weighted else 0, np.int64)
    counts = np.zeros(nchunks, np.int64)
    err_pos = np.full(nchunks, -1, np.int64)
    err_code = np.zeros(nchunks, np.int64)
    _parse.parse_pairs(buf, bounds, offsets, cmt, delim, reverse, weighted, exact, src, dst, w, wslow, counts,
                       err_pos, err_code)
    labels = None
    failed = np.flatnonzero(err_pos >= 0)
    if failed.size:
        pos, code = int(err_pos[failed[0]]), int(err_code[failed[0]])
        if code == _parse.ERR_EXTRA:
            raise _extra_columns(buf, pos, name, cmt, delim)
        if code == _parse.ERR_MISSING:
            raise _missing_columns(buf, pos, name, 3 if weighted else 2, delim)
        counts = _parse.count_data_lines(buf, bounds, cmt)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        m = int(counts.sum())
        src, dst, labels = _string_labels(buf, bounds, offsets, cmt, delim, m, reverse, exact, name)
        if weighted:  # node columns were not integers: parse the weights from their spans
            w, wslow = np.empty(m, np.float64), np.empty(m, np.int64)
            _weights_from_spans(buf, bounds, offsets, cmt, delim, w, wslow, name)
        if n_nodes is not None:  # the labels are not integer ids, so they are relabelled: n_nodes has no meaning
            raise GraphsampleError(f"{name}, line {_line_number(buf, pos)}: n_nodes can only be given for integer "
                                   f"node ids; {_line_text(buf, pos)!r} has a label that is not one (an integer id is "
                                   "written as str(int) writes it: 7, not 007, +7 or -0)")
        relabel = True
    else:
        m = int(counts.sum())
        if m < size:  # comment or blank lines left gaps between the chunks' outputs: close them
            parts = list(zip(offsets, counts))
            src, dst = (np.concatenate([a[o:o + k] for o, k in parts]) for a in (src, dst))
            if weighted:
                w, wslow = (np.concatenate([a[o:o + k] for o, k in parts]) for a in (w, wslow))
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    if m == 0:
        raise InputFormatError(f"{name}: no edges found (the input is empty or holds only comments)")
    if weighted:
        _fix_slow_weights(buf, w, wslow, delim, cmt, name)
        _check_file_weights(buf, w, wslow, bounds, offsets, cmt, delim, name)
    if labels is not None:  # string labels: after the weights, whose error on a header's 'weight' says enough
        _warn_if_header(buf, bounds, cmt, src, dst, labels, name)
    if labels is None and relabel:
        src, dst, labels = _relabel_ints(src, dst)
    elif labels is None:
        lo = min(int(src.min()), int(dst.min()))
        if lo < 0:
            raise InputFormatError(f"{name}: negative node id {lo} (use relabel=True for arbitrary labels)")
    G = from_edges(src, dst, w if weighted else None, n_nodes=len(labels) if labels is not None else n_nodes,
                   directed=directed, self_loops=self_loops, duplicates=duplicates)
    return with_distinct_labels(G, labels)  # the labels that occur, each once: nothing to check


def _max_lines(chunk: np.ndarray) -> int:
    """Upper bound on the data lines of a chunk: its newlines, plus one for an unterminated last line."""
    return int(np.count_nonzero(chunk == _parse.NL)) + int(chunk.shape[0] > 0 and chunk[-1] != _parse.NL)


def _first_line_columns(buf: np.ndarray, bounds: np.ndarray, cmt: np.ndarray, delim: int) -> int:
    """The columns of the first data line (2 to 4): its tokens up to one that starts a comment (``1 2 # c`` has 2);
    2 when there is none."""
    start, end = _parse.first_data_line(buf, bounds[0], cmt)
    if start == end:
        return 2
    for ncols in (4, 3, 2):
        spans = np.zeros((1, 2 * ncols), np.int64)
        if _parse.token_chunk(buf, start, end, 0, cmt, delim, ncols, False, spans)[0] < 0:
            comment = np.flatnonzero(np.isin(buf[spans[0, ::2]], cmt))
            return max(2, int(comment[0])) if comment.size else ncols
    return 2


def _spans(buf, bounds, offsets, cmt, delim, m, ncols, name, exact=False) -> np.ndarray:
    spans = np.zeros((m, 2 * ncols), np.int64)
    err, code = np.full(bounds.shape[0] - 1, -1, np.int64), np.zeros(bounds.shape[0] - 1, np.int64)
    _parse.token_spans(buf, bounds, offsets, cmt, delim, ncols, exact, spans, err, code)
    bad = np.flatnonzero(err >= 0)
    if bad.size:
        pos = int(err[bad[0]])
        if code[bad[0]] == _parse.ERR_EXTRA:
            raise _extra_columns(buf, pos, name, cmt, delim)
        raise _missing_columns(buf, pos, name, ncols, delim)
    return spans


def _missing_columns(buf: np.ndarray, pos: int, name: str, need: int, delim: int) -> InputFormatError:
    """The error for a line with fewer than ``need`` columns; when a delimiter (``delim``, its code; -1 for runs of
    spaces and tabs) was given that the line does not hold while it holds spaces or tabs, it says so: the columns
    of ``1 2`` read with ``delimiter=','`` are one."""
    line = _line_text(buf, pos)
    spaced = delim >= 0 and chr(delim) not in line and (" " in line or "\t" in line)
    hint = f" (columns are split at {chr(delim)!r}, which this line does not hold)" if spaced else ""
    return InputFormatError(f"{name}, line {_line_number(buf, pos)}: expected {need} columns, got {line!r}{hint}")


def _extra_columns(buf: np.ndarray, pos: int, name: str, cmt: np.ndarray, delim: int) -> InputFormatError:
    """The error for a line with more columns than the first data line's two (weights read from line 1). An empty
    third column (``1,2,`` or ``1,2,# c``: a delimiter, ``delim``, after the second) is named as such: the first data
    line may have one, and was then said to have more columns than itself."""
    where = f"{name}, line {_line_number(buf, pos)}: {_line_text(buf, pos)!r}"
    spans = np.zeros((1, 6), np.int64)
    missing = _parse.token_chunk(buf, pos, int(_parse.token_end(buf, pos, _parse.NL)), 0, cmt, delim, 3, False,
                                 spans)[0] >= 0
    if missing or buf[spans[0, 4]] in cmt:
        return InputFormatError(f"{where} has an empty third column (a {chr(delim)!r} after the second); remove the "
                                f"{chr(delim)!r}, or pass weighted=False (CLI: --unweighted) to ignore the columns "
                                "after the second")
    return InputFormatError(f"{where} has more columns than the first data line's 2, whose count decides whether there "
                            "are weights; pass weighted=True (CLI: --weighted) to read the third column as weights, or "
                            "weighted=False (--unweighted) to ignore extra columns")


def _string_labels(buf, bounds, offsets, cmt, delim, m, reverse, exact, name):
    spans = _spans(buf, bounds, offsets, cmt, delim, m, 2, name, exact)
    starts = np.concatenate([spans[:, 0], spans[:, 2]])
    ends = np.concatenate([spans[:, 1], spans[:, 3]])
    width = int((ends - starts).max())
    raw = _parse.gather_tokens(buf, starts, ends, width).view(f"S{width}").ravel()
    uniq, inverse = np.unique(raw, return_inverse=True)
    try:
        labels = np.char.decode(uniq, "utf-8")
    except UnicodeDecodeError:
        raise InputFormatError(f"{name}: node labels are not valid UTF-8") from None
    src, dst = inverse[:m].astype(np.int64), inverse[m:].astype(np.int64)
    return (dst, src, labels) if reverse else (src, dst, labels)


def _warn_if_header(buf, bounds, cmt, src, dst, labels, name) -> None:
    """Warn when the first data line looks like a header (``source target``, ``src,dst``): its labels are the only
    ones that are not integers, and occur nowhere else. Read as data, it was an arc between two extra nodes, and it
    turned every integer label into a string; a weighted file stops at its weight column, an unweighted one did
    not say a word."""
    head = np.unique([src[0], dst[0]])
    if src.shape[0] < 2 or any(labels[i].lstrip("+-").isdigit() for i in head):  # '007', '+7': strings, no header
        return
    if np.count_nonzero(np.isin(src, head)) + np.count_nonzero(np.isin(dst, head)) > 2:
        return
    if not np.all(np.char.isdigit(np.char.lstrip(np.delete(labels, head), "+-"))):
        return
    start, _ = _parse.first_data_line(buf, bounds[0], cmt)
    line = _line_number(buf, start)  # skip_rows counts every line, comments too
    warnings.warn(f"{name}, line {line}: {_line_text(buf, start)!r} looks like a header (its labels are the only "
                  "ones that are not integers), so it was read as an arc and every label as a string; skip it with "
                  f"skip_rows={line} (CLI: --skip-rows {line})", UserWarning, stacklevel=4)


def _weights_from_spans(buf, bounds, offsets, cmt, delim, w, wslow, name) -> None:
    spans = _spans(buf, bounds, offsets, cmt, delim, w.shape[0], 3, name)
    w[:] = np.nan
    wslow[:] = spans[:, 4]


def _fix_slow_weights(buf: np.ndarray, w: np.ndarray, wslow: np.ndarray, delim: int, cmt: np.ndarray,
                      name: str) -> None:
    for k in np.flatnonzero(wslow >= 0):
        s = int(wslow[k])
        e = int(_parse.column_end(buf, s, delim, cmt))
        text = bytes(buf[s:e]).decode("utf-8", "replace")
        try:
            w[k] = float(text)
        except ValueError:
            raise InputFormatError(f"{name}, line {_line_number(buf, s)}: weight {text!r} is not a number") from None


def _check_file_weights(buf, w, wslow, bounds, offsets, cmt, delim, name) -> None:
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size == 0:
        return
    k = int(bad[0])
    spans = _spans(buf, bounds, offsets, cmt, delim, w.shape[0], 3, name)
    why = "negative" if w[k] < 0 else "not finite"
    raise InputFormatError(f"{name}, line {_line_number(buf, int(spans[k, 4]))}: weight {float(w[k])!r} is {why}; "
                           "weights must be finite and >= 0")


def _relabel_ints(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    lo = min(int(src.min()), int(dst.min()))
    hi = max(int(src.max()), int(dst.max()))
    if lo >= 0 and hi <= 8 * src.shape[0] + 1024:
        s2, d2, labels = _parse.relabel_dense(src, dst, hi)
        return (src, dst, None) if labels.shape[0] == hi + 1 else (s2, d2, labels)
    labels, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    m = src.shape[0]
    return inverse[:m].astype(np.int64), inverse[m:].astype(np.int64), labels


def write_edgelist(G: Graph, target: PathLike | IO[bytes] | IO[str], *, delimiter: str = "\t", weights: bool = True,
                   labels: bool = True) -> None:
    """Write ``G`` as an edge list (each arc once; an undirected edge once, as ``u v`` with ``u <= v``) to a path,
    ``"-"`` (stdout), or an open binary or text stream.

    Weights are written with ``repr`` so that :func:`read_edgelist` reads back the same floats.
    ``labels`` writes original node labels when the graph has them. A path ending in ``.gz``, ``.bz2`` or
    ``.xz`` is compressed, as :func:`read_edgelist` decompresses it.
    """
    check_graph(G)
    _check_delimiter(delimiter)
    src, dst, w = (to_numpy(a) for a in G.edges())
    if not G.directed:
        keep = src <= dst
        src, dst, w = src[keep], dst[keep], None if w is None else w[keep]
    use_labels = labels and G.node_ids is not None
    if not use_labels and (w is None or not weights):
        data = _parse.format_int_pairs(src.astype(np.int64), dst.astype(np.int64), ord(delimiter)).tobytes()
    else:
        s = G.node_ids[src] if use_labels else src
        d = G.node_ids[dst] if use_labels else dst
        cols = [s.astype(str), d.astype(str)]
        if w is not None and weights:
            cols.append(np.array([repr(float(x)) for x in w]))
        data = ("\n".join(delimiter.join(row) for row in zip(*cols)) + ("\n" if len(s) else "")).encode()
    mode = getattr(target, "mode", "b")  # tempfile's text files are no TextIOBase; gzip's mode is an int
    if isinstance(target, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode):  # a text stream, as
        # read_edgelist takes one: io.StringIO, sys.stdout, open(..., "w"), tempfile's text files
        target.write(data.decode())
    elif hasattr(target, "write"):
        target.write(data)
    elif str(target) == "-":
        sys.stdout.buffer.write(data)
    else:
        with open_compressed(target) as f:
            f.write(data)


#: the arrays a saved graph may hold besides indptr and indices
_OPTIONAL_ARRAYS = ("weights", "node_ids")


def _is_npz(path: Path) -> bool:
    """Whether ``path`` names an ``.npz`` file (its suffix in any case: ``G.NPZ`` too), not a folder of ``.npy``."""
    return path.suffix.lower() == ".npz"


def save(G: Graph, path: PathLike) -> None:
    """Save the CSR arrays: ``*.npz`` (one file; the suffix in any case) or a folder of ``.npy`` files that
    :func:`load` memory-maps.

    Missing parent folders are created, for both forms. Saving over a saved folder removes the optional arrays
    (weights, node labels) that ``G`` has not: :func:`load` reads every ``.npy`` of the folder, and a stale
    ``weights.npy`` gave an unweighted graph the old weights. A ``.npy`` name is refused: it would have been a
    folder of that name, which ``np.load`` cannot read."""
    check_graph(G)
    if Path(path).suffix.lower() == ".npy":
        raise ValueError(f"{str(path)!r} names a .npy array; save a graph to NAME.npz (one file) or to a folder")
    arrays = {"indptr": to_numpy(G.indptr), "indices": to_numpy(G.indices)}
    if G.weights is not None:
        arrays["weights"] = to_numpy(G.weights)
    if G.node_ids is not None:
        ids = np.asarray(G.node_ids)
        arrays["node_ids"] = ids.astype(str) if ids.dtype == object else ids
    info = {"format": "graphsample-csr", "version": _FORMAT_VERSION, "n_nodes": G.n_nodes, "directed": G.directed}
    path = Path(path)
    if _is_npz(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # np.savez would append .npz to G.NPZ
            np.savez(f, _info=np.array(json.dumps(info)), **arrays)
        return
    path.mkdir(parents=True, exist_ok=True)
    for k in _OPTIONAL_ARRAYS:
        if k not in arrays:
            (path / f"{k}.npy").unlink(missing_ok=True)
    for k, a in arrays.items():
        np.save(path / f"{k}.npy", a)
    (path / "graph.json").write_text(json.dumps(info))


def load(path: PathLike, *, mmap: bool = True, check: bool = True) -> Graph:
    """Load a graph written by :func:`save` (a folder is memory-mapped unless ``mmap=False``).

    ``check`` (default) verifies what the kernels rely on to stay in bounds, in O(nodes + arcs): ``indptr``
    starts at 0, never decreases and ends at the number of arcs, every target id is in ``0..n-1``, the
    weights and node labels have the right lengths, the weights are finite, non-negative float32 or float64 (as
    :func:`~graphsample.from_edges` requires); that the node labels are distinct, as
    :meth:`Graph.index_of` needs (one sort, O(n log n)); and what the methods rely on to be right, as
    :func:`~graphsample.from_csr` checks it: rows sorted by target without an arc twice, and an undirected graph
    symmetric (one pass over the arcs, and for an undirected graph one transpose). A damaged file is then an
    :class:`InputFormatError` instead of an out-of-bounds read or a wrong answer. ``check=False`` skips it for
    trusted files (a memory-mapped folder then opens without reading its arrays). What the headers alone tell is
    checked either way: ``indptr`` and ``indices`` must be 1-D integer arrays (not bool), ``node_ids`` 1-D, and
    the file's header must give an integer ``n_nodes`` and a bool ``directed``.
    """
    path = Path(path)
    if not path.exists():
        raise InputFormatError(f"{path}: no such file or folder")
    try:
        if path.is_dir():
            info = json.loads((path / "graph.json").read_text())
            arrays = {f.stem: np.load(f, mmap_mode="r" if mmap else None) for f in path.glob("*.npy")}
        else:
            z = np.load(path, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):  # a .npy array: it has no files (nor a context manager)
                raise InputFormatError(f"{path}: not a graphsample CSR file (a NumPy .npy array, not an .npz archive)")
            with z:
                arrays = {k: z[k] for k in z.files}
            info = json.loads(str(arrays.pop("_info")))
    except InputFormatError:
        raise
    except (OSError, ValueError, KeyError, EOFError, NotImplementedError, zipfile.BadZipFile) as exc:
        # the last three: zipfile's words for a cut or corrupted .npz (a bad CRC, a garbled header)
        raise InputFormatError(f"{path}: not a graphsample CSR file ({exc})") from None
    if not isinstance(info, dict) or info.get("format") != "graphsample-csr":
        raise InputFormatError(f"{path}: not a graphsample CSR file")
    for name in ("indptr", "indices"):
        if name not in arrays:
            raise InputFormatError(f"{path}: not a complete graphsample CSR file (no {name!r} array)")
    if problem := _layout_problem(info, arrays):
        raise InputFormatError(f"{path}: damaged graphsample CSR file ({problem})")
    arrays = {name: native_byte_order(a) for name, a in arrays.items()}
    n = info["n_nodes"]
    if check:
        _check_saved(path, arrays, n)
    G = Graph(arrays["indptr"], arrays["indices"], arrays.get("weights"), n, info["directed"])
    if check and (problem := order_problem(G)):
        raise _damaged(path, problem)
    return with_distinct_labels(G, arrays.get("node_ids"))  # checked above, or trusted with check=False


def _layout_problem(info: dict, arrays: dict) -> str | None:
    """What keeps the header ``info`` of a saved graph and the types of its ``arrays`` from making a :class:`Graph`,
    or None: ``n_nodes`` an integer >= 0, ``directed`` a bool, ``indptr`` and ``indices`` 1-D integer arrays (a bool
    is none), ``node_ids`` 1-D. Told by the headers alone (a memory-mapped array is not read), so checked whatever
    :func:`load`'s ``check`` says: a float ``indptr`` met the kernels as a Numba typing error, a header without
    ``directed`` was a KeyError."""
    for key, what, fits in (("n_nodes", "an integer >= 0", lambda v: is_integer(v) and v >= 0),
                            ("directed", "true or false", lambda v: isinstance(v, bool))):
        if key not in info:
            return f"its header has no {key!r}"
        if not fits(info[key]):
            return f"{key} must be {what}, got {info[key]!r}"
    for name in ("indptr", "indices"):
        a = arrays[name]
        if a.ndim != 1 or a.dtype.kind not in "iu":
            return f"{name} must be a 1-D integer array, got {a.dtype} of shape {a.shape}"
    labels = arrays.get("node_ids")
    if labels is not None and labels.ndim != 1:
        return f"node_ids must be a 1-D array, got shape {labels.shape}"
    return None


def _check_saved(path: Path, arrays: dict, n: int) -> None:
    """Raise :class:`InputFormatError` unless the saved CSR arrays are consistent (see :func:`load`)."""
    indptr, indices = arrays["indptr"], arrays["indices"]
    weights, labels = arrays.get("weights"), arrays.get("node_ids")
    m = indices.shape[0]
    if indptr.shape[0] != n + 1:
        problem = f"indptr has shape {indptr.shape} for {n} nodes"
    else:
        problem = _csr_problem(indptr, indices, n)
    if problem is None and weights is not None:
        problem = f"{weights.shape[0]} weights for {m} arcs" if weights.shape != (m,) else weight_problem(weights)
    if problem is None and labels is not None and labels.shape[0] != n:
        problem = f"{labels.shape[0]} node labels for {n} nodes"
    if problem is None and labels is not None:
        problem = label_problem(labels)
    if problem:
        raise _damaged(path, problem)


def _damaged(path: Path, problem: str) -> InputFormatError:
    return InputFormatError(f"{path}: damaged graphsample CSR file ({problem}); load(..., check=False) skips this "
                            "check")


def read_graph(source: str, **kwargs: Any) -> Graph:
    """Read a graph from any source the CLI accepts: ``dataset:NAME``, a saved ``.npz``/folder, or an edge list."""
    if isinstance(source, str) and source.startswith("dataset:"):
        from . import datasets

        return datasets.load(source.split(":", 1)[1])
    p = Path(str(source))
    if str(source) != "-" and (_is_npz(p) or (p.is_dir() and (p / "graph.json").exists())):
        return load(p)
    return read_edgelist(source, **kwargs)


__all__ = ["read_edgelist", "write_edgelist", "save", "load", "read_graph"]
