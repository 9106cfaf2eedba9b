"""``graphsample select dpp|volume DATA.npy -o idx.npy``: exact DPP and volume sampling of rows."""

from __future__ import annotations

import click
import numpy as np

from ._common import (backend_options, load_matrix, move, nonempty_path, output_option, save_array, seed_option,
                      user_errors)


def _load_matrix(path: str, backend: str, device: str | None):
    """Read DATA (:func:`._common.load_matrix`) as float64 and move it to the backend."""
    return move(load_matrix(path).astype(np.float64), backend, device)


def _padded(samples) -> np.ndarray:
    """Stack index sets of different sizes into one array, padded with -1."""
    from graphsample._backend import to_numpy

    rows = [to_numpy(s) for s in samples]
    out = np.full((len(rows), max((r.shape[0] for r in rows), default=0)), -1, np.int64)
    for i, r in enumerate(rows):
        out[i, : r.shape[0]] = r
    return out


def _common(f):
    for d in reversed([
        click.argument("data", metavar="DATA", callback=nonempty_path),
        click.option("-n", "--n-samples", type=click.IntRange(min=1), default=None,
                     help="Draw this many independent samples (one row each) [default: one sample]."),
        seed_option,
        backend_options,
        output_option(),
    ]):
        f = d(f)
    return f


@click.command()
@_common
@click.option("-k", type=click.IntRange(min=1), default=None, help="Sample a k-DPP (exactly k items).")
@click.option("--projection", is_flag=True,
              help="Projection DPP of the column space of DATA (rank-many items) instead of L = DATA DATA^T.")
@user_errors
def dpp(data: str, n_samples: int | None, seed: int | None, backend: str, device: str | None, output: str,
        k: int | None, projection: bool) -> None:
    """Exact DPP sample of the rows of DATA (an items x features matrix, .npy or text).

    Default: the L-ensemble L = DATA DATA^T (random size); -k K: the k-DPP of that L; --projection: the
    projection DPP of the column space. Writes sorted row indices (one row per sample; samples of
    different sizes padded with -1).
    """
    from graphsample.selection.dpp import dpp as sample_dpp
    from graphsample.selection.dpp import k_dpp, projection_dpp
    from graphsample.selection.volume import column_basis

    if projection and k is not None:
        raise click.UsageError("--projection and -k exclude each other")
    X = _load_matrix(data, backend, device)
    if projection:
        out = projection_dpp(column_basis(X), n_samples, seed=seed)
    elif k is not None:
        out = k_dpp(k, features=X, n_samples=n_samples, seed=seed)
    else:
        out = sample_dpp(features=X, n_samples=n_samples, seed=seed)
        out = _padded(out) if n_samples is not None else out
    save_array(output, out)


@click.command()
@_common
@click.option("-k", type=click.IntRange(min=1), required=True, help="Number of rows to select.")
@user_errors
def volume(data: str, n_samples: int | None, seed: int | None, backend: str, device: str | None, output: str,
           k: int) -> None:
    """Volume sampling of K rows of DATA: P(S) proportional to det(X_S^T X_S) (det(X_S X_S^T) if K < rank)."""
    from graphsample.selection.volume import volume_sampling

    save_array(output, volume_sampling(_load_matrix(data, backend, device), k, n_samples, seed=seed))
