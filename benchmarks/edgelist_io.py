"""Edge-list parsing (file named edgelist_io.py so it cannot shadow the stdlib `io`): graphsample's reader vs pandas (C engine), numpy.loadtxt and networkx; .npz load time.

Data: a generated 10M-arc R-MAT edge list (Graph500 parameters, scale 20, tab separated, written once under
benchmarks/data/) and the wiki-vote dataset. Every reader produces the (src, dst) integer columns; ours also
builds the CSR graph (relabelling, sorting), so its time includes more work than the others'.
networkx.read_edgelist is timed on the first 1M lines of the big file (the full file would need many GB of
RAM as Python objects) and its rate is extrapolated linearly, which favours networkx.

Run: python benchmarks/edgelist_io.py   (threads: 2 for every peer, BLAS pinned; pandas/numpy/networkx are single-threaded)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import DATA, command, pin_threads, timeit, write_results  # noqa: E402

THREADS = pin_threads(2)

import numpy as np  # noqa: E402

import graphsample as gs  # noqa: E402
from graphsample import _random  # noqa: E402
from graphsample.generators import _rmat_arcs  # noqa: E402

N_ARCS = 10_000_000
NX_LINES = 1_000_000


def big_edge_list() -> Path:
    path = DATA / "rmat-10M.tsv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        src, dst = _rmat_arcs(_random.seed_key(1), 20, N_ARCS, 0.57, 0.19, 0.19)
        from graphsample import _parse

        path.write_bytes(_parse.format_int_pairs(src, dst, ord("\t")).tobytes())
    return path


def bench_file(label: str, path: Path, lines: int, skip: int = 0) -> list[dict]:
    import networkx as nx
    import pandas as pd

    rows = []
    t_ours, G = timeit(lambda: gs.read_edgelist(path), repeat=3)
    rows.append({"data": label, "reader": "graphsample.read_edgelist (-> CSR)", "seconds": t_ours})
    t_pd, df = timeit(lambda: pd.read_csv(path, sep="\t", header=None, comment="#", engine="c",
                                          dtype=np.int64), repeat=3)
    assert len(df) == lines
    rows.append({"data": label, "reader": "pandas.read_csv (C engine)", "seconds": t_pd})
    t_np, arr = timeit(lambda: np.loadtxt(path, dtype=np.int64, comments="#"), repeat=1, warmup=0)
    assert arr.shape[0] == lines
    rows.append({"data": label, "reader": "numpy.loadtxt", "seconds": t_np})
    if lines > NX_LINES:
        head = DATA / "rmat-1M-head.tsv"
        with open(path, "rb") as f:
            head.write_bytes(b"".join(f.readline() for _ in range(NX_LINES)))
        t_nx1, _ = timeit(lambda: nx.read_edgelist(head, create_using=nx.DiGraph, nodetype=int), repeat=1, warmup=0)
        t_nx = t_nx1 * lines / NX_LINES
        nx_note = f"networkx.read_edgelist (1M lines, x{lines // NX_LINES} extrapolated)"
    else:
        t_nx, _ = timeit(lambda: nx.read_edgelist(path, create_using=nx.DiGraph, nodetype=int), repeat=1, warmup=0)
        nx_note = "networkx.read_edgelist"
    rows.append({"data": label, "reader": nx_note, "seconds": t_nx})
    for r in rows:
        r["lines/s"] = lines / r["seconds"]
        r["ours_faster_x"] = r["seconds"] / t_ours
    return rows


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # no options; --help runs nothing
    rows = []
    big = big_edge_list()
    rows += bench_file("R-MAT 10M arcs", big, N_ARCS)
    wiki = gs.datasets.fetch("wiki-vote")
    rows += bench_file("wiki-vote", wiki, 103_689)
    G = gs.read_edgelist(big)
    npz = DATA / "rmat-10M.npz"
    gs.save(G, npz)
    folder = DATA / "rmat-10M-csr"
    gs.save(G, folder)
    t_npz, _ = timeit(lambda: gs.load(npz), repeat=3)
    t_mm, _ = timeit(lambda: gs.load(folder), repeat=3)
    t_trusted, _ = timeit(lambda: gs.load(folder, check=False), repeat=3)
    for reader, t in (("graphsample.load (.npz)", t_npz), ("graphsample.load (folder, memory-mapped)", t_mm),
                      ("graphsample.load (folder, memory-mapped, check=False)", t_trusted)):
        rows.append({"data": "R-MAT 10M arcs", "reader": reader, "seconds": t, "ours_faster_x": float("nan")})
    write_results("io", rows, ["data", "reader", "seconds", "lines/s", "ours_faster_x"],
                  notes=f"`{command()}`. "
                        f"Edge-list parsing, best of 3 (loadtxt and networkx: 1 run), {THREADS} threads. "
                        "`ours_faster_x` = reader's time / graphsample's time.")


if __name__ == "__main__":
    main()
