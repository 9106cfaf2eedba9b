"""``graphsample embed line|deepwalk|node2vec INPUT -o emb.npy``: GraphVite-style node embeddings.

``--devices`` picks where training runs: ``cpu`` (Numba threads, the default), ``cuda`` or ``cuda:N``
(one GPU), or a comma list ``cuda:0,cuda:1`` (one Dask worker per GPU via ``dask_cuda``). A progress
bar on stderr shows samples per second and the loss of the last pool.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

import click

from ._common import (graph_options, input_argument, load_graph, option_error, output_option, output_path,
                      progress_enabled, seed_option, user_errors)
from ._embedding_files import OUTPUT_HELP, row_labels_option, save_embedding, write_embedding


def _options(f: Callable) -> Callable:
    decorators = [
        input_argument,
        graph_options(directed_default="undirected, as DeepWalk and LINE walk; a dataset's own"),
        seed_option,
        output_option(required=True, help=OUTPUT_HELP),
        row_labels_option,
        click.option("--dim", type=int, default=128, show_default=True, help="Embedding dimension."),
        click.option("--epochs", type=float, default=100.0, show_default=True,
                     help="Training length in epochs of |E| positive samples."),
        click.option("--walk-length", type=int, default=40, show_default=True, help="Steps per augmentation walk."),
        click.option("--augmentation-step", default="auto", show_default=True, callback=_int_or_auto,
                     help="Largest walk distance of a positive pair, or 'auto'."),
        click.option("--negatives", type=int, default=1, show_default=True, help="Negative samples per pair."),
        click.option("--negative-weight", type=float, default=5.0, show_default=True, help="Weight of each negative."),
        click.option("--lr", type=float, default=0.025, show_default=True, help="Initial learning rate."),
        click.option("--weight-decay", type=float, default=0.005, show_default=True, help="L2 weight decay."),
        click.option("--partitions", default="auto", show_default=True, callback=_int_or_auto,
                     help="Vertex partitions P (P x P sample blocks), or 'auto' (one per worker)."),
        click.option("--devices", default="cpu", show_default=True,
                     help="cpu, cuda, cuda:N, or a list cuda:0,cuda:1 (one Dask worker per GPU)."),
        click.option("--context", "context_path", default=None, callback=output_path,
                     help="Also save the context embeddings here (formats as for --output)."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def _int_or_auto(ctx: click.Context, param: click.Parameter, value: str) -> int | str:
    """Callback of --partitions and --augmentation-step: an integer or 'auto' (a usage error otherwise)."""
    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter(f"must be an integer or 'auto', got {value!r}", ctx, param) from None


class _Progress:
    """A click progress bar over samples with samples/s and loss in its label (stderr, terminals only)."""

    def __init__(self, enabled: bool):
        self.enabled, self.bar, self.last, self.start = enabled, None, 0, time.perf_counter()

    def __call__(self, done: int, total: int, loss: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="training", file=sys.stderr)
            self.bar.__enter__()
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        self.bar.label = f"{rate:,.0f} samples/s  loss {loss:.4f}"
        self.bar.update(min(done, total) - self.last)
        self.last = min(done, total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


#: the trainer's parameter names (GraphVite's) that are not the options' (the others are: walk_length, lr, ...);
#: its device is --devices, not the --device of --backend, and so is the 'bad device' its check names
OPTION_OF = {"num_epoch": "--epochs", "num_negative": "--negatives", "num_partition": "--partitions",
             "device": "--devices", "bad device": "--devices"}


def _run(method: str, input: str, output: str, context_path: str | None, row_labels: str | None, devices: str,
         partitions: int | str, augmentation_step: int | str, seed: int | None, quiet: bool, extra: dict[str, Any],
         opts: dict[str, Any]) -> None:
    G = load_graph(input, **opts)
    if G.directed and opts.get("directed") is None and not input.startswith("dataset:"):
        G = G.to_undirected()  # embeddings default to undirected walks, as DeepWalk/LINE do
    kwargs = dict(num_partition=partitions, augmentation_step=augmentation_step,
                  seed=seed, return_context=context_path is not None, **extra)
    progress = _Progress(progress_enabled(quiet))
    try:
        if "," in devices:
            out = _run_dask(G, method, devices, kwargs, progress)
        else:
            from graphsample.embedding.graphvite import train

            out = train(G, method, device=devices, callback=progress, **kwargs)
    finally:
        progress.close()
    V, C = out if context_path is not None else (out, None)
    if C is not None:
        save_embedding(context_path, G, C)
    write_embedding(output, G, V, row_labels, quiet)


def _run_dask(G: Any, method: str, devices: str, kwargs: dict[str, Any], progress: _Progress) -> Any:
    from graphsample._backend import optional_import
    from graphsample.embedding.graphvite_dask import train

    ids = []
    for d in devices.split(","):
        d = d.strip()
        if not (d.startswith("cuda:") and d[5:].isdigit()):
            raise option_error("--devices", f"a list must name GPUs as cuda:N, got {d!r}")
        ids.append(d[5:])
    dask_cuda = optional_import("dask_cuda")
    distributed = optional_import("distributed")
    with dask_cuda.LocalCUDACluster(CUDA_VISIBLE_DEVICES=",".join(ids)) as cluster, \
            distributed.Client(cluster) as client:
        return train(client, G, method, device="cuda", callback=progress, **kwargs)


def _command(method: str, doc: str, with_pq: bool = False) -> click.Command:
    def cmd(input, output, context_path, row_labels, devices, partitions, augmentation_step, seed, quiet, dim, epochs,
            walk_length, negatives, negative_weight, lr, weight_decay, p=1.0, q=1.0, **opts):
        extra = dict(dim=dim, num_epoch=epochs, walk_length=walk_length, num_negative=negatives,
                     negative_weight=negative_weight, lr=lr, weight_decay=weight_decay)
        if with_pq:
            extra.update(p=p, q=q)
        _run(method, input, output, context_path, row_labels, devices, partitions, augmentation_step, seed, quiet,
             extra, opts)

    cmd.__doc__ = doc
    f = user_errors(cmd, names=OPTION_OF)
    if with_pq:
        f = click.option("--q", type=float, default=1.0, show_default=True, help="In-out parameter q.")(f)
        f = click.option("--p", type=float, default=1.0, show_default=True, help="Return parameter p.")(f)
    return click.command(name=method)(_options(f))


line = _command("line", "LINE embeddings of INPUT (augmented, pseudo-shuffled edge samples; GraphVite).")
deepwalk = _command("deepwalk", "DeepWalk embeddings of INPUT (walk-order augmented samples; GraphVite).")
node2vec = _command("node2vec", "node2vec embeddings of INPUT (second-order walks with --p, --q; GraphVite).",
                    with_pq=True)
