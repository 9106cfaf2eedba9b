"""Options and helpers shared by the commands (ARCHITECTURE.md, CLI section)."""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import itertools
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

import click
import numpy as np

from graphsample.errors import GraphsampleError, InputFormatError, check_magnitude
from graphsample.io import check_input_file, compression_suffix, open_compressed, open_decompressed


def input_argument(f: Callable) -> Callable:
    return click.argument("input", metavar="INPUT", callback=nonempty_path)(f)


def _delimiter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--delimiter '\\t', as typed in a shell (a backslash and a t), means a tab; anything else must be one
    character other than a line break (a usage error otherwise)."""
    value = "\t" if value == "\\t" else value
    if value is not None and (len(value) != 1 or value in "\r\n"):
        raise click.BadParameter(f"must be one character other than a line break (or '\\t' for a tab), got {value!r}")
    return value


_DIRECTED_DEFAULT = "directed; a dataset's or saved graph's own"


def graph_options(f: Callable | None = None, *, directed_default: str = _DIRECTED_DEFAULT) -> Callable:
    """--directed/--undirected, --weighted, --delimiter, --skip-rows, --backend, --device, --quiet.

    ``@graph_options`` as is, or ``@graph_options(directed_default=...)`` for a command that reads its input
    with another default than :func:`load_graph`'s (the help must say what the command does)."""
    if f is None:
        return functools.partial(graph_options, directed_default=directed_default)
    decorators = [
        click.option("--directed/--undirected", default=None,
                     help=f"Read the edge list as arcs or as undirected edges [default: {directed_default}]."),
        click.option("--weighted/--unweighted", default=None,
                     help="Use the third column as weight; --unweighted also drops the weights of a dataset or "
                          "saved graph [default: when the first line has 3 columns; a dataset's or saved graph's own]."),
        click.option("--delimiter", default=None, callback=_delimiter,
                     help="Column separator: one character, or '\\t' for a tab [default: any whitespace]."),
        click.option("--skip-rows", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Lines to skip at the top of an edge list, e.g. 1 for a CSV header such as 'source,target'."),
        backend_options,
        click.option("-q", "--quiet", is_flag=True, help="No progress output."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def backend_options(f: Callable | None = None, *, backend_help: str = "Array backend to run on.") -> Callable:
    """--backend numpy|cupy|torch and --device, the same on every command (``backend_help`` may add what the
    command runs there)."""
    if f is None:
        return functools.partial(backend_options, backend_help=backend_help)
    f = click.option("--device", default=None, help="Device for the backend, e.g. cuda:0 [default: the backend's].")(f)
    return click.option("--backend", type=click.Choice(["numpy", "cupy", "torch"]), default="numpy",
                        show_default=True, help=backend_help)(f)


def seed_option(f: Callable | None = None, *, default: int | None = None,
                help: str = "Random seed (the same seed gives the same result on every backend).") -> Callable:
    """--seed: a 64-bit unsigned integer (the counter-based RNG keeps 64 bits, so a larger seed would
    silently give the walks of ``seed mod 2**64``). ``@seed_option`` as is (no default: a fresh seed), or
    ``@seed_option(default=..., help=...)`` for a command whose seed has a fixed default."""
    if f is None:
        return functools.partial(seed_option, default=default, help=help)
    return click.option("--seed", type=click.IntRange(min=0, max=2**64 - 1), default=default,
                        show_default=default is not None, help=help)(f)


def nonempty_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Callback of the arguments and options that name a file to read or write: an empty path is a usage error (it
    names the current folder: ``convert -o ''`` wrote its arrays there, ``info ''`` read a graph saved there)."""
    if value == "":
        raise click.BadParameter("an empty path; give a file name", ctx, param)
    return value


def output_path(ctx: click.Context, param: click.Parameter, value: str | None,
                folder_ok: bool = False, binary: tuple[str, ...] = (".npy",)) -> str | None:
    """Callback of the options that name a file or folder to write (:func:`nonempty_path`, and the folder that is to
    hold it must exist). No command creates missing folders, as a shell's ``>`` does not: a mistyped folder would
    otherwise become a new tree holding the results where nobody looks. A missing folder is one line naming the path
    (status 1, as a missing input), said before the command reads or computes anything; so is an existing folder
    given for a file (only ``folder_ok`` outputs, convert's, are folders), which failed as 'Is a directory' once
    the results were computed. A name with a binary suffix the output is not written in (``binary``: the binary
    formats it has; the others are text) is a usage error: ``walk -o w.npz`` wrote a .npy file named w.npz,
    ``ppr -o r.npy`` an .npz archive, ``pagerank -o p.npy`` and ``sample -o s.npy`` text."""
    value = nonempty_path(ctx, param, value)
    if value is not None and value != "-":
        if compression_suffix(value) and format_suffix(value) in BINARY_SUFFIXES:
            raise click.BadParameter(f"{value}: {format_suffix(value)} is binary and is written uncompressed; only "
                                     f"text outputs are compressed (e.g. NAME.tsv{compression_suffix(value)})",
                                     ctx, param)
        if not folder_ok and Path(value).is_dir():
            raise click.ClickException(f"{value}: is a folder; give the name of a file to write")
        folder = Path(value).parent
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "is a folder that does not exist (create it first)"
            raise click.ClickException(f"{value}: {str(folder)!r} {what}")
        suffix = format_suffix(value)
        if suffix in BINARY_SUFFIXES and suffix not in binary:
            written = " or ".join([*binary, "text"])
            raise click.BadParameter(f"{value}: this output is written as {written}, not {suffix}; name it "
                                     f"NAME{(binary or ('.tsv',))[0]}", ctx, param)
    _check_distinct_outputs(ctx, param, value)
    return value


def _is_output(param: click.Parameter) -> bool:
    """Whether ``param`` names a file or folder to write (its callback is :func:`output_path`)."""
    callback = param.callback.func if isinstance(param.callback, functools.partial) else param.callback
    return callback is output_path


def _check_distinct_outputs(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Two outputs of a command given the same path (``--row-labels e.npy -o e.npy``, ``--context`` and ``-o``, or
    both stdout) are a usage error: the one written last silently replaced the other. Click runs the callbacks one
    option at a time, so the later of the two compares with the earlier one's value in ``ctx.params``."""
    if value is None:
        return
    for other in ctx.command.params:
        held = ctx.params.get(other.name) if other is not param and _is_output(other) else None
        if held is not None and (held == value == "-" or "-" not in (held, value)
                                 and Path(held).resolve() == Path(value).resolve()):
            where = "stdout" if value == "-" else repr(value)
            raise click.BadParameter(f"{where} is also the output of {max(other.opts, key=len)}; give each output "
                                     "its own file", ctx, param)


def output_option(required: bool = False, help: str = "Output path, or '-' for stdout.",
                  folder_ok: bool = False, binary: tuple[str, ...] = (".npy",)) -> Callable:
    """-o/--output: required, or '-' (stdout) by default, shown in --help as every command's default is; a file,
    or with ``folder_ok`` also a folder, written as text or as one of the ``binary`` formats (:func:`output_path`).

    A required one has no default at all: click >= 8.3 takes an explicit ``default=None`` for a given value and
    no longer reports the missing option (the command then failed on ``Path(None)``)."""
    default = {} if required else {"default": "-", "show_default": True}
    callback = output_path if not folder_ok and binary == (".npy",) else \
        functools.partial(output_path, folder_ok=folder_ok, binary=binary)
    return click.option("-o", "--output", required=required, callback=callback, help=help, **default)


def load_graph(source: str, directed: bool | None = None, weighted: bool | None = None,
               delimiter: str | None = None, skip_rows: int = 0, backend: str = "numpy", device: str | None = None,
               **_: Any):
    """Read INPUT (path, '-', saved CSR, or dataset:NAME) and move it to the requested backend.

    ``weighted`` applies to every source: ``False`` (--unweighted) drops the weights of a weighted dataset
    or saved graph, ``True`` (--weighted) on one without weights is a one-line error; ``None`` keeps the
    graph's own.
    """
    from graphsample.io import read_graph

    kwargs: dict[str, Any] = {}
    if not source.startswith("dataset:"):
        kwargs = {"directed": True if directed is None else directed, "weighted": weighted, "delimiter": delimiter,
                  "skip_rows": skip_rows}
    G = read_graph(source, **kwargs)
    # a dataset or a saved graph has its own weights: the options keep or drop them
    if weighted and G.weights is None:
        raise GraphsampleError(f"--weighted: {source} has no weights (use --unweighted, or leave the option out)")
    if weighted is False and G.weights is not None:
        G = replace(G, weights=None, meta=dict(G.meta))
    # a dataset or a saved graph has its own directedness: the options convert it
    if directed is False and G.directed:
        G = G.to_undirected()
    elif directed and not G.directed:  # an undirected graph already stores both arcs of every edge
        G = replace(G, directed=True, meta=dict(G.meta))
    if backend != "numpy" or device not in (None, "cpu"):
        G = move(G, backend, device)
    return G


def move(x: Any, backend: str, device: str | None) -> Any:
    """A Graph (``G.to``) or an array (``to_backend``) on ``backend``/``device``; a backend that is not
    installed or a device it cannot use is one :class:`GraphsampleError` line (``--backend numpy`` with a
    ``--device`` is refused before a command starts, :func:`user_errors`)."""
    from graphsample._backend import to_backend
    from graphsample.graph import Graph

    try:
        return x.to(backend, device) if isinstance(x, Graph) else to_backend(x, backend, device)
    except ImportError as exc:
        raise GraphsampleError(str(exc)) from None
    except (ValueError, RuntimeError, AssertionError) as exc:  # torch: AssertionError without CUDA
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise GraphsampleError(f"--backend {backend} --device {device}: {reason}") from None


def load_npy(path: str) -> np.ndarray:
    """A ``.npy`` array (no pickles). Anything else, an ``.npz`` archive included (NumPy opens one whatever
    its name), is one :class:`~graphsample.errors.InputFormatError` line; a missing file stays
    ``FileNotFoundError``."""
    try:
        a = np.load(path, allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise InputFormatError(f"{path}: not a NumPy .npy array ({exc})") from None
    if not isinstance(a, np.ndarray):
        a.close()
        raise InputFormatError(f"{path}: not a NumPy .npy array (it is an .npz archive)")
    return a


def load_matrix(path: str, sparse: bool = False) -> Any:
    """A 2-D numeric matrix: ``.npy``, ``.npz`` (a ``scipy.sparse.save_npz`` matrix, only with ``sparse``),
    ``.csv`` (comma-separated), any other text table (whitespace-separated, ``#`` comments; streamed,
    :func:`text_lines`), or ``-`` for a text table on stdin. A missing, empty, malformed or non-2-D input is one
    :class:`~graphsample.errors.InputFormatError` line."""
    suffix = format_suffix(path)
    if path != "-":
        check_input_file(path, "a matrix")
    if suffix == ".npy":
        return check_matrix(load_npy(path), path)
    if suffix == ".npz" and sparse:
        import scipy.sparse as sp

        with open(path, "rb") as f:
            if f.read(6) == b"\x93NUMPY":  # np.load opens it as an array, and scipy's 'with' on it is a TypeError
                raise InputFormatError(f"{path}: not a scipy.sparse .npz matrix (it is a NumPy .npy array)")
        try:
            M = sp.load_npz(path)
        except (ValueError, OSError) as exc:
            raise InputFormatError(f"{path}: not a scipy.sparse .npz matrix ({exc})") from None
        if M.dtype.kind not in "fiub":  # a complex matrix lost its imaginary part (a ComplexWarning at most)
            raise InputFormatError(f"{path}: expected a numeric matrix, got dtype {M.dtype}")
        if 0 in M.shape:
            raise InputFormatError(f"{path}: the matrix is empty (shape {M.shape})")
        if not np.isfinite(M.data).all():
            raise InputFormatError(f"{path}: the matrix holds NaN or infinite values")
        _check_magnitude(M.data, path, M.shape)
        return M
    with text_lines(path, "a matrix") as lines:
        return text_matrix(lines, path)


#: the lines :func:`text_matrix` gives NumPy at a time; it keeps the last two groups, to name the first bad row when
#: the parse fails. NumPy reads a line at a time and stops at the first row it cannot read, in the last group it took
_GROUP = 256


class _TrackedRows:
    """The lines of a text table, given once to ``np.loadtxt`` (:meth:`lines`) a group of :data:`_GROUP` at a time,
    remembering the last two groups, the number of data rows before them (as :func:`check_matrix` counts rows) and
    the first row's number of fields: what :func:`_bad_row` needs when the parse fails, in bounded memory (stdin
    cannot be read again). The work is done once a group, not once a line."""

    def __init__(self, lines: Iterable[str], delimiter: str | None) -> None:
        self._lines = iter(lines)
        self._delimiter = delimiter
        self._previous: list[str] = []
        self._current: list[str] = []
        self._before = 0  # data rows before the previous group
        self.width: int | None = None  # the first row's number of fields

    def lines(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._groups())

    def _groups(self) -> Iterator[list[str]]:
        while group := list(itertools.islice(self._lines, _GROUP)):
            self._before += _count_rows(self._previous)
            self._previous, self._current = self._current, group
            if self.width is None:
                first = next((body for line in group if (body := row_body(line))), None)
                self.width = None if first is None else len(_fields(first, self._delimiter))
            yield group

    def rows_from_recent(self) -> Iterator[tuple[int, str]]:
        """The data rows of the two groups taken last, then those of the lines not yet taken, numbered."""
        lines = itertools.chain(self._previous, self._current, self._lines)
        yield from enumerate((body for line in lines if (body := row_body(line))), self._before + 1)


def _count_rows(lines: list[str]) -> int:
    """The number of data rows in ``lines`` (:func:`row_body`), at once when no line is blank or has a comment."""
    if "#" not in "".join(lines) and "" not in lines and not any(map(str.isspace, lines)):
        return len(lines)
    return sum(1 for line in lines if row_body(line))


def text_matrix(lines: Iterable[str], path: str) -> np.ndarray:
    """The numeric matrix of the lines of a text table read from ``path`` (any iterable of lines: a stream is parsed
    as it is read): comma-separated for ``.csv`` (also compressed, :func:`format_suffix`), whitespace-separated
    otherwise, ``#`` comments; checked as :func:`check_matrix` does. A table that is not a matrix is one
    :class:`~graphsample.errors.InputFormatError` line naming its first bad row (:func:`_bad_row`)."""
    import warnings

    delimiter = "," if format_suffix(path) == ".csv" else None
    rows = _TrackedRows(lines, delimiter)
    with warnings.catch_warnings():  # an empty input is reported below, not as a loadtxt warning
        warnings.simplefilter("ignore", UserWarning)
        try:
            X = np.loadtxt(rows.lines(), ndmin=2, delimiter=delimiter)
        except InputFormatError:  # the input itself (not UTF-8, not decompressible), met while parsing
            raise
        except ValueError as exc:
            bad = _bad_row(rows.rows_from_recent(), delimiter, rows.width)
            raise InputFormatError(f"{path}: cannot read a matrix: {bad or exc}") from None
    return check_matrix(X, path)


def row_body(line: str) -> str:
    """A line of a text table without its ``#`` comment and surrounding blanks: empty for no data row (as NumPy's
    ``loadtxt`` skips lines)."""
    return line.split("#", 1)[0].strip()


def _fields(body: str, delimiter: str | None) -> list[str]:
    return [f.strip() for f in body.split(delimiter)] if delimiter else body.split()


def _bad_row(rows: Iterable[tuple[int, str]], delimiter: str | None, width: int | None) -> str | None:
    """The first of the numbered data ``rows`` of a text table (1-based, comments and blank lines skipped, as
    :func:`check_matrix` counts rows) with a field that is not a number or another number of columns than the first
    row's ``width`` (None: the first of ``rows`` is the first row), quoted. NumPy's own message counted rows from 0
    (``at row 0, column 1`` for a CSV header) and suggested its ``usecols``.

    NumPy fails at the first row it cannot read, and every row this names NumPy cannot read (its numbers are a
    subset of Python's ``float``'s), so the rows from the last few NumPy took on (:class:`_TrackedRows`) hold it."""
    for i, body in rows:
        fields = _fields(body, delimiter)
        for field in fields:
            try:
                float(field)
            except ValueError:
                return f"row {i} ({body[:40]!r}): {field!r} is not a number"
        width = width or len(fields)
        if len(fields) != width:
            return f"row {i} ({body[:40]!r}) has {len(fields)} column{'s' * (len(fields) != 1)}, the first row {width}"
    return None


def check_matrix(X: np.ndarray, path: str) -> np.ndarray:
    """``X`` if it is a non-empty 2-D numeric matrix of finite values small enough for sums of their squares
    (:func:`~graphsample.errors.check_magnitude`), else one :class:`~graphsample.errors.InputFormatError` line naming
    ``path`` (and the first row with a NaN or an infinity: the library's own checks name their parameter,
    ``features`` or ``A``, which the user never typed)."""
    if X.dtype.kind not in "fiu":
        raise InputFormatError(f"{path}: expected a numeric matrix, got dtype {X.dtype}")
    if X.ndim != 2:
        raise InputFormatError(f"{path}: expected a 2-D matrix (rows x columns), got shape {X.shape}")
    if X.size == 0:
        raise InputFormatError(f"{path}: the matrix is empty (shape {X.shape})")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        raise InputFormatError(f"{path}: row {int(bad[0]) + 1} of the matrix holds NaN or infinite values")
    _check_magnitude(X, path)
    return X


def _check_magnitude(values: np.ndarray, path: str, shape: tuple[int, ...] | None = None) -> None:
    """:func:`~graphsample.errors.check_magnitude` of the matrix read from ``path`` (a sparse one's stored ``values``
    and its ``shape``), one :class:`~graphsample.errors.InputFormatError` line naming the file."""
    try:
        check_magnitude("the matrix", values, shape)
    except ValueError as exc:
        raise InputFormatError(f"{path}: {exc}") from None


#: the binary formats the commands write and read; never compressed (:func:`open_binary`)
BINARY_SUFFIXES = (".npy", ".npz")


def format_suffix(path: str) -> str:
    """The suffix that names the format of the file ``path``: its last one, or the one before a compression suffix
    (``x.csv.gz`` is CSV text, gzip-compressed; ``x.gz`` has none); ``""`` for stdout (``-``).

    Every command chooses what it reads or writes by this suffix; text is then decompressed by
    :func:`text_lines` and compressed by :func:`open_text` (``.gz``, ``.bz2``, ``.xz``, as edge lists are)."""
    if path == "-":
        return ""
    return Path(path).with_suffix("").suffix if compression_suffix(path) else Path(path).suffix


def text_separator(path: str) -> str | None:
    """The column separator of a text output: ``,`` for ``.csv``, a tab for stdout (``-``), ``.txt`` and ``.tsv``;
    None for any other name (a binary output). A compression suffix counts as :func:`format_suffix` says."""
    suffix = format_suffix(path)
    return "," if suffix == ".csv" else "\t" if path == "-" or suffix in (".txt", ".tsv") else None


@contextlib.contextmanager
def open_text(path: str):
    """stdout for ``-`` (never compressed), else ``path`` opened for writing UTF-8 text, compressed when its name
    ends in ``.gz`` (without a time stamp: the same output gives the same bytes), ``.bz2`` or ``.xz``; closed after."""
    if path == "-":
        yield sys.stdout
    else:
        with open_compressed(path) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as f:
            yield f


def open_binary(path: str):
    """``path`` opened for writing a binary (NumPy) output, to exactly this name. Binary outputs are not compressed:
    a name with a compression suffix is one :class:`~graphsample.errors.GraphsampleError` line (``x.npy.gz`` is
    refused before any work, by :func:`output_path`; this catches ``x.gz`` where the format is binary)."""
    if compression_suffix(path):
        raise GraphsampleError(f"{path}: this output is binary (.npy/.npz) and is written uncompressed; only text "
                               f"outputs are compressed: give a text name (e.g. NAME.tsv{compression_suffix(path)}) "
                               f"or drop {compression_suffix(path)}")
    return open(path, "wb")


@contextlib.contextmanager
def text_lines(path: str, what: str = "a file") -> Iterator[Iterator[str]]:
    """The lines of the text input ``path``, streamed (:func:`graphsample.io.open_decompressed`: ``-`` is stdin,
    ``.gz``, ``.bz2`` and ``.xz`` files are decompressed as edge lists are; a missing file or a folder is one
    :class:`~graphsample.errors.InputFormatError` line, ``what`` naming the input), as :func:`read_lines` reads
    them."""
    with open_decompressed(path, what) as f, read_lines(f, path) as lines:
        yield lines


@contextlib.contextmanager
def read_lines(f: IO[bytes], path: str) -> Iterator[Iterator[str]]:
    """The lines of the binary stream ``f`` of the input ``path``, read as they are taken: exactly the lines that
    ``str.splitlines`` gives of the whole text. Text that is not UTF-8 is one
    :class:`~graphsample.errors.InputFormatError` line giving the offset of its first bad byte; when what reads the
    lines fails first, the rest is read before the error leaves, so that a bad byte further on is the error, as when
    the text was decoded whole before it was parsed."""
    lines = _decoded_lines(f, path)
    try:
        yield lines
    except Exception:
        for _ in lines:
            pass
        raise


def _decoded_lines(f: IO[bytes], path: str) -> Iterator[str]:
    """The lines of the binary stream ``f`` as UTF-8 text (:func:`_decoded_blocks`), one at a time."""
    return itertools.chain.from_iterable(_decoded_blocks(f, path))


def _decoded_blocks(f: IO[bytes], path: str) -> Iterator[list[str]]:
    """The lines of the binary stream ``f`` as UTF-8 text, decoded a block of whole lines at a time. A block ends at
    a ``\\n`` byte, which no other UTF-8 character holds, so it decodes (or fails, with the same reason) as it does
    within the whole text, and its ``splitlines`` finds the other line breaks (``\\r``, ``\\r\\n``, ...), which are
    never cut between two blocks."""
    offset = 0
    while block := b"".join(f.readlines(1 << 16)):
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(path, exc, offset) from None
        offset += len(block)
        yield text.splitlines()


def _not_utf8(path: str, exc: UnicodeDecodeError, offset: int = 0) -> InputFormatError:
    """The error for text that is not UTF-8, ``exc`` raised decoding the bytes from ``offset`` on."""
    return InputFormatError(f"{path}: not a text file (not UTF-8: {exc.reason} at byte {offset + exc.start})")


def read_text(path: str) -> str:
    """The whole text of the small input ``path`` (a JSON file; tables are read by :func:`text_lines`), read as
    :func:`text_lines` reads it."""
    with open_decompressed(path) as f:
        data = f.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None


def save_array(path: str, array: Any) -> None:
    """Write a dense array: text for stdout (``-``), ``.txt``/``.tsv`` (tab-separated) and ``.csv``
    (comma-separated); ``.npy`` otherwise, to exactly ``path`` (NumPy would append ``.npy`` to another name)."""
    from graphsample._backend import to_numpy

    a = to_numpy(array)
    sep = text_separator(path)
    if sep is not None:
        with open_text(path) as target:
            np.savetxt(target, a, delimiter=sep, fmt="%d" if a.dtype.kind in "iu" else "%.10g")
    else:
        with open_binary(path) as f:
            np.save(f, a)


def save_npz(path: str, **arrays: Any) -> None:
    """Write named arrays as an ``.npz`` archive to exactly ``path`` (``np.savez`` would append ``.npz`` to
    another name)."""
    with open_binary(path) as f:
        np.savez(f, **arrays)


def node_labels(G: Any) -> np.ndarray:
    """The label of every node of ``G`` in node order (host), as NumPy can save without pickles: integers,
    or strings (object arrays of a saved graph become unicode)."""
    labels = np.arange(G.n_nodes, dtype=np.int64) if G.node_ids is None else np.asarray(G.node_ids)
    return labels.astype(str) if labels.dtype == object else labels


def label_texts(G: Any, path: str, *, breaks: str = "\t\n\r") -> np.ndarray:
    """The node labels of ``G`` as a text output at ``path`` writes them, in node order. A ``.csv`` output quotes
    what needs it (:func:`write_rows`); in the others an empty label, or one that holds a character of ``breaks``
    (the separator and line breaks; word2vec text passes all whitespace), would drop or shift fields, and is one
    :class:`~graphsample.errors.GraphsampleError` naming the label."""
    labels = node_labels(G)
    texts = labels.astype(str)
    if labels.dtype.kind == "U" and text_separator(path) != ",":
        bad = next((t for t in texts.tolist() if not t or any(c in t for c in breaks)), None)
        if bad is not None:
            what = "is empty" if not bad else f"holds {next(c for c in bad if c in breaks)!r}"
            raise GraphsampleError(f"node label {bad!r} {what}, which would split or shift the fields of {path}: "
                                   "write .csv (it quotes labels) or .npy")
    return texts


def write_rows(path: str, rows: Any, sep: str | None = None) -> None:
    """Text rows (sequences of strings) to ``path`` or stdout, joined by ``sep`` [default: the path's
    :func:`text_separator`]; a ``.csv`` output goes through :mod:`csv`, which quotes a field holding a comma,
    a quote or a line break (RFC 4180)."""
    sep = sep or text_separator(path)
    with open_text(path) as target:
        if sep == ",":
            csv.writer(target, lineterminator="\n").writerows(rows)
        else:
            target.writelines(sep.join(row) + "\n" for row in rows)


def progress_enabled(quiet: bool) -> bool:
    """Progress bars go to stderr, only when it is a terminal and --quiet is not given."""
    return not quiet and sys.stderr.isatty()


#: said once on stderr when a command first compiles a kernel (progress output only)
COMPILE_NOTICE = ("compiling graphsample's Numba kernels: the first run after an install takes 10-30 s longer; "
                  "later runs load them from Numba's cache")


@contextlib.contextmanager
def compile_notice() -> Iterator[None]:
    """Within the block, the first Numba compilation says :data:`COMPILE_NOTICE` on stderr when the running
    command shows progress (:func:`progress_enabled` with its ``--quiet``), so that a first run does not sit
    silent while its kernels compile; a kernel read from the cache is not a compilation."""
    from numba.core import event

    class Notice(event.Listener):
        said = False

        def on_start(self, ev: event.Event) -> None:
            ctx = click.get_current_context(silent=True)  # None in other threads (GraphVite's sample pools)
            if self.said or ctx is None or not progress_enabled(bool(ctx.params.get("quiet"))):
                return
            self.said = True
            click.echo(COMPILE_NOTICE, err=True)

        def on_end(self, ev: event.Event) -> None:
            pass

    with event.install_listener("numba:compile", Notice()):
        yield


def jit_compilations() -> int:
    """Numba compilations of graphsample's kernels in this process so far (their cache misses: a first run on this
    install, or after an upgrade), so that a reported rate can say it includes them."""
    total = 0
    for name, module in list(sys.modules.items()):
        if name.startswith("graphsample") and module is not None:
            for obj in list(vars(module).values()):
                stats = getattr(obj, "stats", None)
                misses = getattr(stats, "cache_misses", None)
                if misses is not None and hasattr(obj, "py_func"):
                    total += sum(misses.values())
    return total


def user_errors(f: Callable | None = None, *, names: dict[str, str] | None = None,
                files: dict[str, str | tuple[str, ...]] | None = None) -> Callable:
    """Turn ValueError raised by parameter checks (GraphsampleError included) into one-line CLI errors, in the
    CLI's terms (:func:`in_cli_terms`). ``@user_errors`` as is, or ``@user_errors(names={...}, files={...})`` for a
    command whose library spells some parameters otherwise than its options (``names``), or takes some inputs read
    from files (``files``: the library's parameter, ``scores``, to the command's parameter that holds the file's
    path, ``scores_path``, or a tuple of them, the first one given being the file read)."""
    if f is None:
        return functools.partial(user_errors, names=names, files=files)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        _check_int64(ctx)
        try:
            _check_host_device(ctx.params.get("backend"), ctx.params.get("device"))
            return f(*args, **kwargs)
        except ValueError as exc:
            paths = {name: next((kwargs[p] for p in ((held,) if isinstance(held, str) else held) if kwargs.get(p)),
                                None) for name, held in (files or {}).items()}
            raise _cli_error(exc, names, paths) from None

    return wrapper


def _check_host_device(backend: str | None, device: str | None) -> None:
    """``--backend numpy`` with a GPU ``--device``, refused before the command reads or computes anything (the
    library's words would be "use device='cpu' or None")."""
    if backend == "numpy" and device not in (None, "cpu"):
        raise GraphsampleError(f"--backend numpy --device {device}: NumPy runs on the host; leave --device out (or "
                               "give cpu), or use --backend cupy or torch for a GPU")


def _check_int64(ctx: click.Context) -> None:
    """Refuse, as a usage error, an integer option beyond 64 bits (``--length 100000000000000000000``): the kernels
    take int64, and such a value ended in an OverflowError or a Numba typing error traceback. Options with their
    own upper bound (--seed: 64 unsigned bits) keep it."""
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        bounded = isinstance(param.type, click.IntRange) and param.type.max is not None
        if isinstance(value, int) and not isinstance(value, bool) and isinstance(param.type, click.types.IntParamType) \
                and not bounded and not -2**63 <= value < 2**63:
            raise click.BadParameter(f"{value} does not fit in 64 bits", ctx, param)


def _cli_error(exc: ValueError, names: dict[str, str] | None,
               paths: dict[str, str | None] | None = None) -> click.ClickException:
    """The CLI error for a library ``ValueError``: one line naming the file, status 1, when the library checked an
    input that ``paths`` says was read from a file, i.e. its message led with that parameter's name (``scores contain
    NaN`` becomes ``q.npy: scores contain NaN``); a usage error (status 2, ``Invalid value for '--opt': ...``) when
    the library checked a parameter that an option gave, its message led by the parameter's name (``restart_prob
    must be in [0, 1)``, ``k = 9 exceeds the rank``); else one line, status 1 (a bad file, an unknown node, a missing
    backend or GPU, ...)."""
    from graphsample.errors import BackendUnavailableError, DatasetError, InputFormatError

    text = str(exc)
    message = in_cli_terms(text, names)
    lead = re.match(r"(\w+) ", text)
    path = (paths or {}).get(lead.group(1)) if lead else None
    if path is not None:
        return click.ClickException(f"{path}: {message}")
    if not isinstance(exc, InputFormatError | DatasetError | BackendUnavailableError) and not text.startswith("-"):
        ctx = click.get_current_context()
        led = [(opt, p) for p in ctx.command.params if isinstance(p, click.Option) for opt in p.opts
               if message.startswith(opt + " ")]
        if led:
            opt, param = max(led, key=lambda x: len(x[0]))
            rest = message[len(opt):].lstrip()
            return click.BadParameter(rest[2:] if rest.startswith("= ") else rest, ctx, param)
    return click.ClickException(message)


def option_error(opt: str, message: str) -> click.BadParameter:
    """A usage error about option ``opt`` of the running command, in click's own form (``Error: Invalid value for
    '-p' / '--fraction': message``, status 2), for what a command checks itself."""
    ctx = click.get_current_context()
    param = next(p for p in ctx.command.params if opt in p.opts)
    return click.BadParameter(message, ctx, param)


def float_list(ctx: click.Context, param: click.Parameter, value: str | None) -> list[float] | None:
    """Callback of the options that take comma-separated numbers (``--weights 0,1,2``, ``--ratios 0.1,0.5``): the
    list of floats, or None; anything that is not a number is a usage error naming the option."""
    if value is None:
        return None
    try:
        return [float(x) for x in value.replace(" ", "").split(",") if x]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {value!r}", ctx, param) from None


def node_ids(G: Any, text: str, option: str, what: str = "comma-separated node labels") -> np.ndarray:
    """The internal ids of the comma-separated node labels ``text`` given to ``option`` (``--starts``,
    ``--personalize``), read as integers when ``G``'s labels are integers. No label, or one that is not an integer
    where the labels are, is a usage error asking for ``what``; a label that is not a node of ``G`` is one
    :class:`GraphsampleError` line naming the option (an unknown node)."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise option_error(option, f"give {what}")
    if G.node_ids is not None and G.node_ids.dtype.kind in "UO":
        labels = np.array(items)
    else:
        try:
            labels = np.array([int(t) for t in items])
        except ValueError:
            raise option_error(option, f"node labels of this graph are integers, got {text!r}") from None
    try:
        return np.asarray(G.index_of(labels))
    except GraphsampleError as exc:
        raise GraphsampleError(f"{option}: {exc}") from None


class FloatRange(click.FloatRange):
    """click's FloatRange that also refuses NaN, which passes all of click's bounds (every comparison with NaN is
    false): ``--restart nan`` reached the library as ``damping must be ...``, a name the command does not have."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if rv != rv:
            self.fail(f"{value!r} is not a number", param, ctx)
        return rv


#: characters around a name that make it part of something else: a path, a file name, a quoted value, an option
_NOT_A_WORD = r"\w./'\"-"


def in_cli_terms(message: str, names: dict[str, str] | None = None) -> str:
    """A library error message with the parameters named as the running command's options.

    A parameter that the command passes from an option of the same name (``restart_prob`` from
    ``--restart-prob``), or that ``names`` maps to an option (``num_epoch`` to ``--epochs``), is renamed where it
    leads the message (``p must be ...``), and anywhere when it has an underscore or a space (``... or
    non_backtracking``, ``fraction p``), which a plain English word has not. Flags (``--directed``) are renamed
    only anywhere: a message that starts with their word speaks of something else. A name inside a path, a file
    name or a quoted value is left as it is."""
    ctx = click.get_current_context(silent=True)
    options = {p.name: (max(p.opts, key=len), p.is_flag) for p in (ctx.command.params if ctx else ())
               if isinstance(p, click.Option) and p.name}
    options |= {name: (opt, False) for name, opt in (names or {}).items()}
    for name in sorted((n for n in options if "_" in n or " " in n), key=len, reverse=True):
        message = re.sub(rf"(?<![{_NOT_A_WORD}]){re.escape(name)}(?![{_NOT_A_WORD}])",
                         lambda m, opt=options[name][0]: opt, message)
    lead = re.match(r"(\w+) ", message)
    if lead and lead.group(1) in options and not options[lead.group(1)][1]:
        message = options[lead.group(1)][0] + message[lead.end(1):]
    return message
