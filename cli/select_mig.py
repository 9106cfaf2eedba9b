"""``graphsample select mig POOL --budget 0.05 -o picks.jsonl``: MIG data selection (Chen et al., ACL 2025)."""

from __future__ import annotations

import json
from typing import Any

import click
import numpy as np

from graphsample.errors import InputFormatError
from graphsample.io import open_decompressed

from ._common import (FloatRange, check_matrix, format_suffix, load_npy, nonempty_path, open_text, output_option,
                      save_array, seed_option, user_errors)


def _records(path: str) -> list[dict]:
    """Rows of a JSONL file (``-``: stdin; also compressed: ``pool.jsonl.gz``,
    :func:`graphsample.io.open_decompressed`) or a Parquet table as dicts."""
    if format_suffix(path) == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise InputFormatError("reading Parquet needs pyarrow (pip install pyarrow)") from None
        return pq.read_table(path).to_pylist()
    rows = []
    with open_decompressed(path) as f:  # streamed, cut at b"\n" only: an undecodable line names its number
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputFormatError(f"{path}:{lineno}: not UTF-8 text") from None
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputFormatError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise InputFormatError(f"{path}:{lineno}: each line must be a JSON object")
            rows.append(rec)
    if not rows:
        raise InputFormatError(f"{path}: no records")
    return rows


def _column(rows: list[dict], field: str, path: str) -> list[Any]:
    missing = next((i for i, r in enumerate(rows) if field not in r), None)
    if missing is not None:
        raise InputFormatError(f"{path}: record {missing + 1} has no field {field!r}")
    return [r[field] for r in rows]


def _numeric(values: list[Any], field: str, path: str, what: str = "numbers") -> np.ndarray:
    """A JSONL/Parquet column as a float64 array, or a one-line error naming the field."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputFormatError(f"{path}: field {field!r} must hold {what}") from None


def _label_ids(raw: list[Any], path: str) -> tuple[list[list[int]], list[Any]]:
    """Label lists (ints or strings) as integer ids; string labels are numbered in sorted order."""
    is_label = lambda x: isinstance(x, str | int) and not isinstance(x, bool)  # noqa: E731
    lists = [[v] if is_label(v) else v or [] for v in raw]
    if not all(isinstance(ls, list) and all(is_label(x) for x in ls) for ls in lists):
        raise InputFormatError(f"{path}: labels must be integers or strings (one, or a list per record)")
    names = sorted({x for ls in lists for x in ls}, key=lambda x: (isinstance(x, str), x))
    if all(isinstance(x, int) and x >= 0 for x in names):
        return lists, names
    index = {x: i for i, x in enumerate(names)}
    return [[index[x] for x in ls] for ls in lists], names


def _write(path: str, picks: np.ndarray, gains: np.ndarray, ids: list | None) -> None:
    if format_suffix(path) == ".npy":
        save_array(path, picks)
        return
    with open_text(path) as out:
        for rank, (i, g) in enumerate(zip(picks.tolist(), gains.tolist())):
            rec = {"rank": rank, "index": i, "gain": g}
            if ids is not None:
                rec["id"] = ids[i]
            out.write(json.dumps(rec) + "\n")


def _budget(ctx: click.Context, param: click.Parameter, value: str) -> int | float:
    """--budget: a count (a whole number, e.g. 5000) or a fraction strictly between 0 and 1 (e.g. 0.05).

    ``1.0`` is refused rather than read as the whole pool: it would be one keystroke from ``1``, one pick."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        fraction = float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither a count nor a fraction", ctx, param) from None
    if not 0 < fraction < 1:
        raise click.BadParameter(f"{value!r}: a fraction must be strictly between 0 and 1 (a count is a whole number: "
                                 "1 is one pick, the pool's size is all of it)", ctx, param)
    return fraction


#: mig_select's messages about phi's parameter, in the CLI's terms
_PHI_NAMES = {"the power phi needs 0 < p <= 1": "--phi power needs 0 < --phi-param <= 1",
              "the exp phi needs a positive scale tau": "--phi exp needs a positive scale tau (--phi-param)",
              "the sqrt phi takes no param": "--phi sqrt takes no --phi-param",
              "the log1p phi takes no param": "--phi log1p takes no --phi-param"}


@click.command()
@click.argument("pool", metavar="POOL", callback=nonempty_path)
@click.option("--budget", default="0.05", show_default=True, callback=_budget,
              help="Picks: a count (a whole number, e.g. 5000) or a fraction of the pool strictly between 0 and 1 "
                   "(e.g. 0.05).")
@click.option("--labels-field", default="labels", show_default=True, help="JSONL/Parquet field with label lists.")
@click.option("--score-field", default=None, help="JSONL/Parquet field with the quality score [default: all 1].")
@click.option("--embedding-field", default=None,
              help="Field with an embedding vector; used for labels-free MIG when --labels-field is absent.")
@click.option("--id-field", default=None, help="Field copied into the output records.")
@click.option("--scores", "scores_path", default=None, callback=nonempty_path,
              help="A .npy of quality scores, one per sample (instead of --score-field).")
@click.option("--label-embeddings", default=None, callback=nonempty_path,
              help="A .npy (K x d) of label embeddings, row = label id (string labels: sorted order).")
@click.option("--threshold", type=FloatRange(-1, 1), default=0.9, show_default=True,
              help="Cosine threshold of the label graph.")
@click.option("--label-knn", type=click.IntRange(min=1), default=None, help="Also link each label's k nearest labels.")
@click.option("--alpha", type=float, default=1.0, show_default=True, help="Propagation weight in A = D^-1 (I + alpha W).")
@click.option("--phi", type=click.Choice(["power", "sqrt", "log1p", "exp"]), default="power", show_default=True,
              help="Concave utility of each label's mass: x^p, sqrt(x), log(1 + x) or tau (1 - exp(-x/tau)).")
@click.option("--phi-param", type=float, default=None,
              help="Exponent of 'power' (0.8) or scale of 'exp' (1); sqrt and log1p take none.")
@click.option("--gain", type=click.Choice(["linear", "exact"]), default="linear", show_default=True,
              help="Marginal gain: the paper's first-order score, or the exact difference of utilities.")
@click.option("--optimizer", type=click.Choice(["lazy", "stochastic", "sweep"]), default="lazy", show_default=True,
              help="Lazy greedy (CPU), stochastic greedy, or all gains every step (sparse products; the GPU path).")
@click.option("--n-clusters", type=click.IntRange(min=1), default=None,
              help="Labels-free mode: k-means clusters used as labels [default: sqrt(n)].")
@click.option("--soft-top-m", type=click.IntRange(min=1), default=1, show_default=True,
              help="Labels-free mode: spread each sample over its m nearest centroids (1: hard clusters).")
@seed_option
@output_option(help="Output: .jsonl records (rank, index, gain[, id]; .jsonl.gz, .bz2 or .xz compressed), .npy "
                   "indices, or '-' for stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@user_errors(names=_PHI_NAMES, files={"scores": ("scores_path", "pool"), "label_embeddings": "label_embeddings",
                                     "labels": "pool", "embeddings": "pool"})
def mig(pool: str, budget: int | float, labels_field: str, score_field: str | None, embedding_field: str | None,
        id_field: str | None, scores_path: str | None, label_embeddings: str | None, threshold: float,
        label_knn: int | None, alpha: float, phi: str, phi_param: float | None, gain: str, optimizer: str,
        n_clusters: int | None, soft_top_m: int, seed: int | None, output: str, quiet: bool) -> None:
    """Select a high-information subset of POOL with MIG (Chen et al., ACL 2025 Findings).

    POOL is JSONL (one object per line; .jsonl.gz, .bz2 or .xz compressed), Parquet (needs pyarrow), or .npy
    embeddings (labels-free).
    """
    from graphsample.selection.mig import mig_select

    labels = embeddings = scores = ids = None
    if scores_path and score_field:
        raise click.UsageError("give --scores or --score-field, not both")
    if format_suffix(pool) == ".npy":
        embeddings = check_matrix(load_npy(pool), pool)
    else:
        rows = _records(pool)
        if all(labels_field in r for r in rows):
            labels, _ = _label_ids(_column(rows, labels_field, pool), pool)
        elif embedding_field:
            embeddings = _numeric(_column(rows, embedding_field, pool), embedding_field, pool,
                                  "numeric vectors of one length")
        elif any(labels_field in r for r in rows):
            _column(rows, labels_field, pool)  # raises: names the first record without the field
        else:
            raise InputFormatError(f"{pool}: records need a {labels_field!r} field (or pass --embedding-field)")
        if score_field:
            scores = _numeric(_column(rows, score_field, pool), score_field, pool)
        if id_field:
            ids = _column(rows, id_field, pool)
    if scores_path:
        scores = load_npy(scores_path)
    lab_emb = load_npy(label_embeddings) if label_embeddings else None
    res = mig_select(labels, scores, embeddings, budget, phi=phi, phi_param=phi_param, gain=gain, optimizer=optimizer,
                     label_embeddings=lab_emb, threshold=threshold, label_knn=label_knn, alpha=alpha,
                     n_clusters=n_clusters, soft_top_m=soft_top_m, seed=0 if seed is None else seed)
    _write(output, res.indices, res.gains, ids)
    if not quiet:
        click.echo(f"selected {res.indices.size} of {res.n_pool}: E(S) = {res.objective:.6g}, "
                   f"label coverage = {res.coverage:.4f}", err=True)
