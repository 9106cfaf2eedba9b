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

import csv
import string
from itertools import chain
from pathlib import Path
from typing import Any, Callable

import click
import numpy as np

from graphsample.errors import InputFormatError

from ._common import (BINARY_SUFFIXES, check_matrix, format_suffix, label_texts, load_matrix, node_labels, output_path,
                      read_text, save_array, text_matrix, text_separator, write_rows)

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
    :func:`~graphsample.cli._common.load_matrix` reads (labels None).

    Word2vec text is recognised by its content: a first line of two integers ``n d`` followed by ``n`` lines of
    ``d + 1`` fields (a plain 2-column matrix whose first row is ``n 1`` followed by ``n`` rows reads as one)."""
    if path != "-" and (format_suffix(path) in BINARY_SUFFIXES or not Path(path).is_file()):
        return load_matrix(path), None
    lines = read_text(path).splitlines()
    head = lines[0].split() if lines else []
    if len(head) == 2 and all(h.isdigit() for h in head):
        n, d = int(head[0]), int(head[1])
        body = [line.split(maxsplit=1) for line in lines[1:] if line.strip()]
        if len(body) == n and body and len(body[0][-1].split()) == d:
            E = text_matrix([row[1] if len(row) == 2 else "" for row in body], path)
            if E.shape != (n, d):
                raise InputFormatError(f"{path}: word2vec text of {n} x {d}, but its rows have {E.shape[1]} values")
            return E, [row[0] for row in body]
    if format_suffix(path) in TABLE_SUFFIXES and head:
        rows = list(csv.reader(lines, delimiter=text_separator(path)))
        if rows[0][0] == "node":
            try:
                E = np.array([row[1:] for row in rows[1:] if row], dtype=np.float64)
            except ValueError:
                raise InputFormatError(f"{path}: a 'node' table needs a label and {len(rows[0]) - 1} numbers "
                                       "per row") from None
            return check_matrix(E, path), [row[0] for row in rows[1:] if row]
    return text_matrix(lines, path), None
