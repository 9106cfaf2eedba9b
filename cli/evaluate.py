"""``graphsample evaluate``: score node embeddings (node classification, link prediction)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import click
import numpy as np

from ._common import graph_options, input_argument, load_graph, load_matrix, load_npy, seed_option, user_errors


def _ratios(value: str) -> list[float]:
    try:
        return [float(x) for x in value.replace(" ", "").split(",") if x]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated fractions, got {value!r}") from None


def _load_labels(source: str, n_nodes: int):
    """LABELS: dataset:NAME, .npz (scipy sparse), .npy (matrix or class ids), or text 'row label' pairs."""
    import scipy.sparse as sp

    if source.startswith("dataset:"):
        from graphsample import datasets

        _, Y = datasets.load(source.split(":", 1)[1], return_labels=True)
        return Y
    p = Path(source)
    if p.suffix == ".npz":
        return sp.load_npz(p)
    if p.suffix == ".npy":
        return load_npy(source)
    with warnings.catch_warnings():  # an empty file: reported below, not as a loadtxt warning
        warnings.simplefilter("ignore", UserWarning)
        try:
            pairs = np.loadtxt(p, delimiter=None, ndmin=2, dtype=np.int64, comments="#")
        except ValueError:
            try:
                pairs = np.loadtxt(p, delimiter=",", ndmin=2, dtype=np.int64, comments="#")
            except ValueError:
                raise click.ClickException(f"{source}: expected integer 'row label' pairs") from None
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
@click.argument("embedding", metavar="EMB")
@click.argument("labels", metavar="LABELS")
@click.option("--ratios", default="0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9", show_default=True,
              help="Comma-separated training fractions.")
@click.option("--repeats", type=click.IntRange(min=1), default=10, show_default=True, help="Shuffles per ratio.")
@click.option("--C", "C", type=float, default=1.0, show_default=True, help="Inverse L2 regularisation strength.")
@click.option("--jobs", type=int, default=None, help="Labels fitted in parallel.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON rows instead of a table.")
@seed_option
@user_errors
def node_classification(embedding: str, labels: str, ratios: str, repeats: int, C: float, jobs: int | None,
                        as_json: bool, seed: int | None) -> None:
    """Multi-label node classification (one-vs-rest logistic regression) of the rows of EMB.

    EMB is a .npy or text matrix; LABELS is dataset:NAME, a .npz sparse or .npy 0/1 matrix, a .npy
    vector of class ids, or a text file of 'row label' pairs (rows 0-based). Prints micro/macro-F1
    under the top-k and the threshold rules.
    """
    from graphsample.embedding.evaluate import node_classification as run

    E = load_matrix(embedding)
    report = run(E, _load_labels(labels, E.shape[0]), ratios=_ratios(ratios), repeats=repeats, C=C,
                 n_jobs=jobs, seed=seed)
    click.echo(json.dumps(report.rows, indent=2) if as_json else report.table())


@evaluate.command("link-prediction")
@input_argument
@graph_options
@click.option("--test-fraction", type=float, default=0.5, show_default=True, help="Fraction of edges held out.")
@click.option("--scoring", type=click.Choice(["hadamard", "dot"]), default="hadamard", show_default=True)
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
