"""``graphsample evaluate``: score node embeddings (node classification, link prediction)."""

from __future__ import annotations

import itertools
import json
import re
import warnings

import click
import numpy as np

from graphsample.errors import InputFormatError

from ._common import (float_list, format_suffix, graph_options, input_argument, load_graph, load_matrix, load_npy,
                      node_labels, nonempty_path, option_error, row_body, seed_option, text_lines, user_errors)
from ._embedding_files import load_embedding


def _dataset_rows(E: np.ndarray, nodes: list[str] | None, source: str, path: str) -> tuple[np.ndarray, object]:
    """The rows of EMB (read from ``path``) in the order of dataset:NAME's nodes, and the dataset's node classes. An
    embedding that
    labels its rows (word2vec text, a 'node' table) is matched by label, so it may list the nodes in any order;
    a plain matrix is taken to be in the dataset's node order, as ``graphsample embed`` writes it."""
    from graphsample import datasets

    G, Y = datasets.load(source.split(":", 1)[1], return_labels=True)
    if nodes is None:
        return E, Y
    row = {label: i for i, label in enumerate(nodes)}
    wanted = node_labels(G).astype(str).tolist()
    missing = next((label for label in wanted if label not in row), None)
    if missing is not None:
        raise click.ClickException(f"{path}: the embedding has no row for node {missing} of {source}")
    return E[[row[label] for label in wanted]], Y


def _load_labels(source: str, n_nodes: int):
    """LABELS: .npz (scipy sparse), .npy (matrix or class ids), or text 'row label' pairs, streamed (also
    compressed: ``labels.txt.gz``, :func:`._common.text_lines`)."""
    import scipy.sparse as sp

    suffix = format_suffix(source)
    if suffix == ".npz":
        return load_matrix(source, sparse=True)
    if suffix == ".npy":
        return load_npy(source)
    with text_lines(source) as lines, warnings.catch_warnings():  # an empty file: reported below, not as a warning
        warnings.simplefilter("ignore", UserWarning)
        # comma-separated when the first data line has a comma: a comma anywhere fails whitespace-separated integers,
        # and a line without one fails comma-separated pairs unless it is a lone integer, as all would then be
        head = []  # up to the first data line
        for line in lines:
            head.append(line)
            if row_body(line):
                break
        delimiter = "," if head and "," in row_body(head[-1]) else None
        try:
            pairs = np.loadtxt(itertools.chain(head, lines), delimiter=delimiter, ndmin=2, dtype=np.int64, comments="#")
        except InputFormatError:  # the file itself (not UTF-8, not decompressible), met while parsing
            raise
        except ValueError as exc:
            # NumPy's wording (which NumPy versions say for which lines varies): the row it names, when it does
            ragged = re.search(r"columns changed from (\d+) to (\d+) at row (\d+)", str(exc))
            where = "" if ragged is None else (f" (data row {ragged[3]} has {ragged[2]} column"
                                               f"{'s' * (ragged[2] != '1')}, the rows before it {ragged[1]})")
            raise click.ClickException(f"{source}: expected integer 'row label' pairs{where}") from None
    if pairs.size == 0:
        raise click.ClickException(f"{source}: no 'row label' pairs")
    if pairs.shape[1] != 2:
        raise click.ClickException(f"{source}: expected two columns 'row label', got {pairs.shape[1]}")
    rows, labels = pairs[:, 0], pairs[:, 1]
    if rows.min() < 0 or rows.max() >= n_nodes:
        raise click.ClickException(f"{source}: row {rows.max() if rows.max() >= n_nodes else rows.min()} "
                                   f"is outside the embedding's 0..{n_nodes - 1}")
    classes, idx = np.unique(labels, return_inverse=True)
    return sp.csr_array((np.ones(rows.size), (rows, idx)), shape=(n_nodes, classes.size))


@click.group()
def evaluate() -> None:
    """Score node embeddings with the standard protocols."""


@evaluate.command("node-classification")
@click.argument("embedding", metavar="EMB", callback=nonempty_path)
@click.argument("labels", metavar="LABELS", callback=nonempty_path)
@click.option("--ratios", default="0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9", show_default=True, callback=float_list,
              help="Comma-separated training fractions.")
@click.option("--repeats", type=click.IntRange(min=1), default=10, show_default=True, help="Shuffles per ratio.")
@click.option("--C", "C", type=float, default=1.0, show_default=True, help="Inverse L2 regularisation strength.")
@click.option("--jobs", type=int, default=None,
              help="Labels fitted in parallel (-1: one per CPU) [default: one at a time].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON rows instead of a table.")
@seed_option
@user_errors(names={"training ratios": "--ratios"}, files={"labels": "labels"})  # the library's name of ratios
def node_classification(embedding: str, labels: str, ratios: list[float], repeats: int, C: float, jobs: int | None,
                        as_json: bool, seed: int | None) -> None:
    """Multi-label node classification (one-vs-rest logistic regression) of the rows of EMB.

    EMB is what 'graphsample embed' writes (word2vec text, a table with a 'node' column, .npy) or any
    .npy or text matrix. LABELS is dataset:NAME (rows of a labelled EMB matched by node label, those of a
    matrix taken in the dataset's node order), a .npz sparse or .npy 0/1 matrix, a .npy vector of class
    ids, or a text file of 'row label' pairs (rows 0-based), all by row of EMB. Prints micro/macro-F1
    under the top-k and the threshold rules.
    """
    from graphsample.embedding.evaluate import node_classification as run

    if jobs == 0:  # joblib's n_jobs: a count, or -1 for every CPU, -2 for all but one, ...
        raise option_error("--jobs", "must not be 0: give a number of jobs, or -1 for every CPU")
    E, nodes = load_embedding(embedding)
    if labels.startswith("dataset:"):
        E, Y = _dataset_rows(E, nodes, labels, embedding)
    else:
        Y = _load_labels(labels, E.shape[0])
    report = run(E, Y, ratios=ratios, repeats=repeats, C=C, n_jobs=jobs, seed=seed)
    click.echo(json.dumps(report.rows, indent=2) if as_json else report.table())


@evaluate.command("link-prediction")
@input_argument
@graph_options
@click.option("--test-fraction", type=float, default=0.5, show_default=True, help="Fraction of edges held out.")
@click.option("--scoring", type=click.Choice(["hadamard", "dot"]), default="hadamard", show_default=True,
              help="Score of a node pair: a logistic regression on the product of their embeddings entry by entry "
                   "(trained on the edges and non-edges kept for training), or the dot product of their embeddings.")
@click.option("--method", type=click.Choice(["fastrp"]), default="fastrp", show_default=True,
              help="Embedding method run on the training graph.")
@click.option("--dim", type=int, default=128, show_default=True, help="Embedding dimension.")
@click.option("--preset", type=click.Choice(["paper", "gds"]), default="paper", show_default=True,
              help="FastRP settings: the paper's or Neo4j GDS's (see graphsample embed fastrp --help).")
@seed_option
@user_errors
def link_prediction(input: str, test_fraction: float, scoring: str, method: str, dim: int, preset: str,
                    seed: int | None, **opts) -> None:
    """Hold out edges of INPUT, embed the rest, print the ROC-AUC of the held-out edges vs non-edges."""
    from graphsample.embedding import fastrp
    from graphsample.embedding.evaluate import link_prediction as run
    from graphsample.embedding.evaluate import split_edges

    G = load_graph(input, **opts)
    split = split_edges(G.to("numpy"), test_fraction, seed=seed)
    train = split.train_graph.to(G.backend, G.device) if G.backend != "numpy" else split.train_graph
    E = fastrp(train, dim, preset=preset, seed=seed)
    report = run(E, split, scoring=scoring)
    click.echo(f"ROC-AUC {report.auc:.4f} ({report.scoring}, {method}, {report.n_test:,} held-out edges)")
