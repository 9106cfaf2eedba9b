"""``graphsample select sensitivity DATA --p 1 --size 1000``: l_p sensitivity sampling of the rows of a matrix."""

from __future__ import annotations

import click
import numpy as np

from ._common import (BINARY_SUFFIXES, backend_options, format_suffix, load_matrix, move, nonempty_path, open_text,
                      option_error, output_option, save_array, save_npz, seed_option, text_separator, user_errors)

_SCORES = {"lewis": "lewis", "root-leverage": "root-leverage", "leverage": "leverage", "exact": "sensitivity",
           "mixture": "mixture", "uniform": "uniform"}


def write_sample(path: str, idx: np.ndarray, scale: np.ndarray) -> None:
    """``.npz``: arrays ``indices`` and ``scale``; ``.npy``: an (m, 2) float array; ``.csv``: comma-separated
    lines; otherwise TSV lines (text is compressed by a ``.gz``, ``.bz2`` or ``.xz`` suffix,
    :func:`._common.open_text`)."""
    suffix = format_suffix(path)
    if suffix == ".npz":
        save_npz(path, indices=idx, scale=scale)
    elif suffix in BINARY_SUFFIXES:
        save_array(path, np.column_stack([idx.astype(np.float64), scale]))
    else:
        sep = text_separator(path) or "\t"
        with open_text(path) as target:
            target.writelines(f"{i}{sep}{s:.10g}\n" for i, s in zip(idx.tolist(), scale.tolist()))


@click.command()
@click.argument("data", metavar="DATA", callback=nonempty_path)
@click.option("--p", "p", type=float, default=1.0, show_default=True,
              help="The l_p norm to preserve: p >= 1, and p < 4 with --scores lewis (the default).")
@click.option("--size", type=click.IntRange(min=1), required=True, help="Target (expected) number of rows.")
@click.option("--scores", type=click.Choice(list(_SCORES)), default="lewis", show_default=True,
              help="Sampling scores: Lewis weights, root leverage, leverage, exact sensitivities, "
                   "their mixture with leverage, or uniform.")
@click.option("--replace", is_flag=True, help="Draw SIZE rows i.i.d. with replacement instead of independent "
                                               "Bernoulli keeps.")
@click.option("--leverage", type=click.Choice(["exact", "approx"]), default="exact", show_default=True,
              help="Exact (QR) or sketched leverage scores inside the scores.")
@backend_options(backend_help="Array backend to run on (dense DATA only).")
@seed_option
@output_option(binary=(".npz", ".npy"),
               help="Output: NAME.npz (indices, scale), NAME.npy ((m, 2) array), '-' / .tsv (index<TAB>scale) or .csv "
                    "(index,scale); text is compressed as NAME.tsv.gz, .bz2 or .xz.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@user_errors(names={"Lewis weights": "--scores lewis", "'root-leverage' scores": "--scores root-leverage"})
def sensitivity(data: str, p: float, size: int, scores: str, replace: bool, leverage: str, backend: str,
                device: str | None, seed: int | None, output: str, quiet: bool) -> None:
    """Sample about SIZE rows of the matrix DATA so that ||S A x||_p ~ ||A x||_p for all x
    (Woodruff & Yasuda, ICML 2023). Each kept row i comes with its scale pi_i^(-1/p)."""
    from graphsample._backend import to_numpy
    from graphsample.selection.sensitivity import lp_sample

    A = load_matrix(data, sparse=True)
    if backend != "numpy" or device not in (None, "cpu"):
        if not isinstance(A, np.ndarray):
            raise click.ClickException("--backend other than numpy needs a dense .npy or text DATA")
        A = move(A, backend, device)
    if size > A.shape[0] and not replace:  # the library's message names replace=True
        raise option_error("--size", f"{size} exceeds the number of rows {A.shape[0]} (use --replace to draw more)")
    idx, scale = lp_sample(A, size, p, _SCORES[scores], replace=replace, leverage=leverage, seed=seed)
    idx, scale = to_numpy(idx), to_numpy(scale)
    write_sample(output, idx, scale)
    if not quiet:
        click.echo(f"kept {idx.shape[0]} of {A.shape[0]} rows (target {size}, scores {scores}, p={p:g})", err=True)
