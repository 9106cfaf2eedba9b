"""The files ``graphsample embed`` writes and ``graphsample evaluate`` reads, each telling which row is which node.

* word2vec text, for ``-`` (stdout), ``.txt``, ``.vec`` and ``.emb``: a line ``n_nodes dim``, then one line
  ``label v1 ... vd`` per node, separated by single spaces: the format of the word2vec, fastText and node2vec
  tools, which gensim's ``KeyedVectors.load_word2vec_format`` reads;
* a table, for ``.tsv`` (tab-separated) and ``.csv``: a header row ``node, 0, ..., dim-1``, then one row
  ``label, v1, ..., vd`` per node (``pandas.read_csv(path, index_col="node")``);
* ``.npy``, for any other name: the plain ``n_nodes x dim`` matrix, row ``i`` the graph's node ``i`` (the labels'
  sorted order for an edge list); ``--row-labels PATH`` writes the label of each row.

The format is named by the suffix before a compression suffix: ``emb.txt.gz`` is word2vec text and
``emb.csv.xz`` a table, compressed (``.gz``, ``.bz2``, ``.xz``); ``.npy`` is never compressed.

Values are written with as many digits as their type needs to be read back exactly (9 for float32).
"""

from __future__ import annotations

import contextlib
import csv
import shutil
import string
import tempfile
from itertools import chain, islice, tee
from typing import Any, Callable, ContextManager, Iterator

import click
import numpy as np

from graphsample.errors import InputFormatError
from graphsample.io import open_decompressed

from ._common import (BINARY_SUFFIXES, check_matrix, format_suffix, label_texts, load_matrix, node_labels, output_path,
                      read_lines, save_array, text_lines, text_matrix, text_separator, write_rows)

#: names written as word2vec text (besides '-')
WORD2VEC_SUFFIXES = (".txt", ".vec", ".emb")
TABLE_SUFFIXES = (".tsv", ".csv")


#: the help of an embedding command's --output
OUTPUT_HELP = ("Output: '-' (stdout), .txt, .vec or .emb (word2vec text), .tsv or .csv (a table with a 'node' column), "
               "text compressed as e.g. NAME.txt.gz (.gz, .bz2, .xz), or .npy for any other name (rows in node order).")


def embedding_format(path: str) -> str:
    """``"word2vec"``, ``"table"`` or ``"npy"``: what :func:`save_embedding` writes to ``path``."""
    suffix = format_suffix(path)
    return "word2vec" if path == "-" or suffix in WORD2VEC_SUFFIXES else "table" if suffix in TABLE_SUFFIXES else "npy"


def row_labels_option(f: Callable) -> Callable:
    """--row-labels PATH: the node label of each row of the embedding."""
    return click.option("--row-labels", "row_labels", default=None, metavar="PATH", callback=output_path,
                        help="Also write the node label of each row: .npy, or text with one label per line.")(f)


def save_embedding(path: str, G: Any, E: Any) -> None:
    """Write the embedding ``E`` of ``G``'s nodes (rows in node order) to ``path`` in :func:`embedding_format`."""
    from graphsample._backend import to_numpy

    E = to_numpy(E)
    kind = embedding_format(path)
    if kind == "npy":
        save_array(path, E)
        return
    fmt = "%.9g" if E.dtype == np.float32 else "%r"
    word2vec = kind == "word2vec"
    labels = label_texts(G, path, breaks=string.whitespace if word2vec else "\t\n\r")
    rows = ([label, *(fmt % v for v in row)] for label, row in zip(labels.tolist(), E.tolist()))
    header = [str(n) for n in E.shape] if word2vec else ["node", *map(str, range(E.shape[1]))]
    write_rows(path, chain([header], rows), sep=" " if word2vec else None)


def save_row_labels(path: str, G: Any) -> None:
    """The label of every row (node) of an embedding of ``G``: ``.npy``, or text with one label per line."""
    if format_suffix(path) == ".npy":
        save_array(path, node_labels(G))
    else:
        write_rows(path, ([label] for label in label_texts(G, path).tolist()), sep=text_separator(path) or "\t")


def write_embedding(path: str, G: Any, E: Any, row_labels: str | None, quiet: bool) -> None:
    """Save ``E`` (and with ``row_labels`` the label of each row), then say on stderr, unless ``quiet`` or the
    embedding went to stdout, where it went and which row is which node."""
    save_embedding(path, G, E)
    if row_labels is not None:
        save_row_labels(row_labels, G)
    if quiet or path == "-":
        return
    kind = embedding_format(path)
    if kind == "word2vec":
        rows = "word2vec text, each line starts with its node label"
    elif kind == "table":
        rows = "a table whose 'node' column holds the labels"
    elif row_labels is not None:
        rows = f"row i is node i of the graph, labelled by line or entry i of {row_labels}"
    elif G.node_ids is None:
        rows = "row i is node i"
    else:
        rows = "row i is node i of the graph (an edge list's labels in sorted order); --row-labels PATH writes them"
    click.echo(f"wrote {path}: {G.n_nodes:,} x {E.shape[1]} embedding; {rows}", err=True)


def load_embedding(path: str) -> tuple[np.ndarray, list[str] | None]:
    """An embedding and its row labels: word2vec text or a ``node`` table (labels as strings), or any matrix
    :func:`~graphsample.cli._common.load_matrix` reads (labels None). Text is streamed (:func:`._common.text_lines`).

    Word2vec text is recognised by its content: a first line of two integers ``n d`` followed by ``n`` lines of
    ``d + 1`` fields (a plain 2-column matrix whose first row is ``n 1`` followed by ``n`` rows reads as one). Whether
    there are ``n`` lines is known at the end: when there are not, the text is read again as a plain matrix
    (:func:`_rereadable`)."""
    if path != "-" and format_suffix(path) in BINARY_SUFFIXES:
        return load_matrix(path), None
    with _rereadable(path) as reread:
        with reread() as lines:
            found = _labelled_rows(lines, path)
        if found is None:
            with reread() as lines:
                found = text_matrix(lines, path), None
    return found


@contextlib.contextmanager
def _rereadable(path: str) -> Iterator[Callable[[], ContextManager[Iterator[str]]]]:
    """A function that gives the lines of the text input ``path`` from its start each time it is called: a file is
    opened again; stdin, which cannot be read twice, is first copied to an anonymous temporary file (on disk, not in
    memory)."""
    if path != "-":
        yield lambda: text_lines(path, "a matrix")
        return
    with tempfile.TemporaryFile() as copy:
        with open_decompressed(path) as stdin:
            shutil.copyfileobj(stdin, copy, 1 << 20)

        def from_start() -> ContextManager[Iterator[str]]:
            copy.seek(0)
            return read_lines(copy, path)

        yield from_start


def _labelled_rows(lines: Iterator[str], path: str) -> tuple[np.ndarray, list[str] | None] | None:
    """The embedding of the text ``lines`` (:func:`load_embedding`), or None when they began as word2vec text but are
    not (read them again as a plain matrix)."""
    seen = list(islice(lines, 1))
    head = seen[0].split() if seen else []
    if len(head) == 2 and all(h.isdigit() for h in head):
        n, d = int(head[0]), int(head[1])
        for line in lines:  # up to the first row
            seen.append(line)
            if line.strip():
                break
        if len(seen) > 1 and seen[-1].strip() and len(seen[-1].split(maxsplit=1)[-1].split()) == d:
            return _word2vec_rows(chain(seen[-1:], lines), n, d, path)
    rest = chain(seen, lines)
    if format_suffix(path) in TABLE_SUFFIXES and head:
        after_header, rest = tee(rest)  # the first record, a header or a row, is read again unless it is a header
        sep = text_separator(path)
        header = next(csv.reader(after_header, delimiter=sep))
        if header[0] == "node":
            del rest  # nothing held for a second reading
            labels: list[str] = []

            def numbers() -> Iterator[list[str]]:
                for row in csv.reader(after_header, delimiter=sep):
                    if row:
                        labels.append(row[0])
                        yield row[1:]

            try:
                E = _float_rows(numbers())
            except ValueError:
                raise InputFormatError(f"{path}: a 'node' table needs a label and {len(header) - 1} numbers "
                                       "per row") from None
            return check_matrix(E, path), labels
        del after_header
    return text_matrix(rest, path), None


def _word2vec_rows(lines: Iterator[str], n: int, d: int, path: str) -> tuple[np.ndarray, list[str]] | None:
    """The ``n x d`` matrix and the labels of the word2vec rows ``lines``, or None when there are not ``n`` of them
    (an error in the numbers is raised only when there are)."""
    labels: list[str] = []

    def values() -> Iterator[str]:
        for line in lines:
            if line.strip():
                row = line.split(maxsplit=1)
                labels.append(row[0])
                yield row[1] if len(row) == 2 else ""

    rows = values()
    try:
        E = text_matrix(rows, path)
    except InputFormatError:
        for _ in rows:  # counted to the end
            pass
        if len(labels) != n:
            return None
        raise
    if len(labels) != n:
        return None
    if E.shape != (n, d):
        raise InputFormatError(f"{path}: word2vec text of {n} x {d}, but its rows have {E.shape[1]} values")
    return E, labels


def _float_rows(rows: Iterator[list[str]]) -> np.ndarray:
    """``np.array(list(rows), dtype=np.float64)``, built a row at a time (rows of strings: an array of a row per row,
    or of no dimension for no rows); a ValueError when a row is not numbers or not as long as the first."""
    first = next(rows, None)
    if first is None:
        return np.array([], dtype=np.float64)
    width = len(first)

    def checked() -> Iterator[list[str]]:
        for row in chain([first], rows):
            if len(row) != width:
                raise ValueError("rows of different lengths")
            yield row

    if width == 0:
        return np.empty((sum(1 for _ in checked()), 0))
    return np.fromiter(checked(), dtype=np.dtype((np.float64, (width,))))
