"""The ``graphsample`` command line: ``graphsample <command> INPUT [options]``.

Commands are loaded lazily (``graphsample --help`` imports no method), each from its own module of
this package. A command whose module is not part of this installation is simply not listed.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import warnings

import click

from graphsample._version import __version__
from graphsample.errors import GraphsampleError

#: command name -> "module:attribute" (modules relative to graphsample.cli)
COMMANDS = {
    "info": "info:info",
    "convert": "convert:convert",
    "datasets": "datasets:datasets",
    "sample": "sample:sample",
    "walk": "walk:walk",
    "pagerank": "pagerank:pagerank",
    "ppr": "pagerank:ppr",
    "embed": "embed:embed",
    "evaluate": "evaluate:evaluate",
    "select": "select:select",
    "cluster": "cluster:cluster",
}

#: subcommands of the groups ``embed`` and ``select``, one module per method family
EMBED_COMMANDS = {
    "fastrp": "embed_fastrp:fastrp",
    "line": "embed_graphvite:line",
    "deepwalk": "embed_graphvite:deepwalk",
    "node2vec": "embed_graphvite:node2vec",
}
SELECT_COMMANDS = {
    "dpp": "select_dpp:dpp",
    "volume": "select_dpp:volume",
    "sensitivity": "select_sensitivity:sensitivity",
    "mig": "select_mig:mig",
}


def _warn_one_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                   file: object = None, line: str | None = None) -> None:
    """``warnings.showwarning`` for the CLI: the first line of the message, on stderr."""
    text = (str(message).strip().splitlines() or [category.__name__])[0]
    click.echo(f"Warning: {text}", err=True)


class LazyGroup(click.Group):
    """A click group whose subcommands live in modules imported on first use.

    It also turns every :class:`~graphsample.errors.GraphsampleError` (anything a user can get wrong)
    into one line on stderr and exit status 1, instead of a traceback, and every warning into one
    ``Warning:`` line on stderr, without Python's file and source line.
    """

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def _spec(self, name: str) -> tuple[str, str] | None:
        target = self.lazy.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        module = f"graphsample.cli.{module}"
        return (module, attr) if importlib.util.find_spec(module) is not None else None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {n for n in self.lazy if self._spec(n)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = self._spec(name)
        if spec is None:
            return super().get_command(ctx, name)
        return getattr(importlib.import_module(spec[0]), spec[1])

    def invoke(self, ctx: click.Context):
        from ._common import compile_notice  # imported here: `graphsample --help` imports no method

        try:
            # the top group says when kernels compile; the groups within it (embed, select) leave it to that
            with warnings.catch_warnings(), compile_notice() if ctx.parent is None else contextlib.nullcontext():
                warnings.showwarning = _warn_one_line
                return super().invoke(ctx)
        except GraphsampleError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:  # stdout closed by the reader: main() ends quietly
            raise
        except OSError as exc:  # a path that cannot be read or written (missing, a folder, a file as a folder, ...)
            # np.loadtxt and others raise it with a message but no filename
            raise click.ClickException(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror
                                       else str(exc)) from None
        except MemoryError:
            raise click.ClickException("out of memory; try a smaller input or a larger machine") from None
        except OverflowError as exc:  # a count that fits in 64 bits, but whose products do not
            raise click.ClickException(f"a number is too large for this computation ({exc})") from None


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="graphsample")
def cli() -> None:
    """graphsample: sample graphs and data at GPU speed.

    INPUT is an edge-list path, '-' for stdin, a saved graph (.npz or folder from
    'graphsample convert'), or dataset:NAME for a registered dataset.
    """


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="graphsample")
    except BrokenPipeError:  # e.g. `graphsample ... | head`
        sys.stderr.close()
        sys.exit(1)
