"""``graphsample cluster ppp DATA -o labels.npy``: clustering without a given number of clusters."""

from __future__ import annotations

import json

import click
import numpy as np

from ._common import (FloatRange, load_matrix, nonempty_path, output_option, output_path, save_array, seed_option,
                      user_errors)


@click.group()
def cluster() -> None:
    """Cluster the rows of a data matrix (PPP)."""


@cluster.command()
@click.argument("data", metavar="DATA", callback=nonempty_path)
@click.option("--k-max", type=click.IntRange(min=2), default=10, show_default=True, help="Largest k tried.")
@click.option("--mode", type=click.Choice(["flat", "divisive"]), default="flat", show_default=True,
              help="Partitive sweep over k, or bisection validated by GMM(2).")
@click.option("--covariance", type=click.Choice(["full", "diag"]), default="full", show_default=True,
              help="Covariance of the validating Gaussian mixture: full or diagonal.")
@click.option("--n-init", type=click.IntRange(min=0), default=0, show_default=True,
              help="Extra seeded k-means++ restarts per k (0: none, nothing random; else at least 2).")
@click.option("--p-min", type=FloatRange(0, 1, min_open=True), default=0.9, show_default=True,
              help="Posterior needed to be in the separable set.")
@click.option("--standardize/--no-standardize", default=True, show_default=True, help="z-score features first.")
@seed_option(default=0, help="Seed of the --n-init restarts (unused without them).")
@click.option("--separable", "separable_out", default=None, callback=output_path,
              help="Also write the separable-set mask (.npy).")
@output_option(help="Labels output (.npy, .txt/.tsv, .csv, text compressed as e.g. NAME.tsv.gz, or '-' for stdout).")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@user_errors
def ppp(data: str, k_max: int, mode: str, covariance: str, n_init: int, p_min: float, standardize: bool,
        seed: int, separable_out: str | None, output: str, quiet: bool) -> None:
    """PPP (Sultan 2020, our reconstruction): k-means partitions validated by a Gaussian mixture.

    DATA is a rows x features matrix: .npy, .csv, a whitespace-separated text table, or '-' (text on stdin).
    """
    from graphsample.clustering import PPP

    X = load_matrix(data)
    model = PPP(k_max=k_max, mode=mode, covariance=covariance, n_init=n_init, seed=seed, p_min=p_min,
                standardize=standardize).fit(X.astype(np.float64))
    save_array(output, model.labels_)
    if separable_out:
        save_array(separable_out, model.separable_mask_)
    if not quiet:
        click.echo(json.dumps({"n_clusters": model.n_clusters_, "agreement": round(model.agreement_, 6),
                               "separable_fraction": round(float(model.separable_mask_.mean()), 6),
                               "bic": round(model.bic_, 3)}), err=True)
