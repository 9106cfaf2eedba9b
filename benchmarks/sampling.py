"""Graph sampling benchmark: quality and speed of our samplers beside Little Ball of Fur (LBoF).

Run: ``python benchmarks/sampling.py [--seeds 10] [--fractions 0.1 0.2 0.3 0.5] [--datasets ...] [--gpu]``

* Quality: on each dataset and fraction p, for every sampler of ours (on the directed graph) and every
  LBoF sampler (on the undirected view, which is all it accepts, relabelled 0..n-1; when it refuses the
  graph -- several components -- on the largest connected component of that view), the mean over seeds of
  the S1-S9 KS D statistics and the JDM / DCM L1 against the directed original. LBoF's node sets are
  evaluated as the directed subgraph they induce (its edge samplers: the directed arcs along the sampled
  edges), so both sides are judged on the same directed metrics.
* Speed: each sampler against its LBoF counterpart on the same graph (the largest connected component of
  wiki-vote's undirected view, p = 0.2), best of 3 after a warm-up (LBoF: best of 2); and the JDM/DCM
  sampler on an R-MAT graph (scale 20, edge factor 16: 1M nodes, 16M arcs) as a ratio to loading its
  ``.npz``.
* Rounding: the JDM/DCM sampler with each ``rounding`` of :math:`pD` (systematic, independent, and the
  reference code's plain rounding) on wiki-vote and p2p-gnutella08: nodes against :math:`pn`, degree classes
  and largest out-degree kept, S1 / S2 KS D and the DCM L1 against :math:`pD`.

Threads: ``pin_threads(2)`` for every tool. Results: ``benchmarks/results/sampling_*.{json,md}``. The quality grid
can be split by dataset (``--datasets wiki-vote --tag wiki-vote``, ...) and merged afterwards with
``--aggregate wiki-vote p2p-gnutella08 email-eu-core cora`` into ``sampling_quality.{json,md}``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _harness import (DATA, RESULTS, command, environment, pin_threads, rmat_graph, timeit,  # noqa: E402
                      write_results)

THREADS = pin_threads(2)

import numpy as np  # noqa: E402

import graphsample as gs  # noqa: E402
from graphsample.sampling import InfeasibleSampleError, compare, jdm_sample, profile  # noqa: E402
from graphsample.sampling.classic import SAMPLERS  # noqa: E402
from graphsample.sampling.jdm import ROUNDINGS  # noqa: E402
from graphsample.sampling.metrics import SCALE_DOWN  # noqa: E402

#: ours -> (LBoF class name, size argument: "nodes" or "edges")
LBOF = {
    "random-node": ("RandomNodeSampler", "nodes"),
    "random-degree-node": ("DegreeBasedSampler", "nodes"),
    "random-pagerank-node": ("PageRankBasedSampler", "nodes"),
    "random-edge": ("RandomEdgeSampler", "edges"),
    "random-node-edge": ("RandomNodeEdgeSampler", "edges"),
    "hybrid": ("HybridNodeEdgeSampler", "edges"),
    "induced-edge": ("RandomEdgeSamplerWithInduction", "edges"),
    "random-walk-restart": ("RandomWalkWithRestartSampler", "nodes"),
    "random-walk-jump": ("RandomWalkWithJumpSampler", "nodes"),
    "metropolis-hastings-walk": ("MetropolisHastingsRandomWalkSampler", "nodes"),
    "non-backtracking-walk": ("NonBackTrackingRandomWalkSampler", "nodes"),
    "frontier": ("FrontierSampler", "nodes"),
    "forest-fire": ("ForestFireSampler", "nodes"),
    "snowball": ("SnowBallSampler", "nodes"),
}
WALKS = ("random-walk-restart", "random-walk-jump", "metropolis-hastings-walk", "non-backtracking-walk", "frontier")


# ----------------------------------------------------------------------------- LBoF plumbing

def undirected_view(G: gs.Graph, largest: bool):
    """networkx Graph of G's undirected view (0..n-1), optionally its largest connected component
    relabelled 0..k-1; returns (H, ids in G of H's nodes)."""
    import networkx as nx

    U = G.to_undirected()
    H = nx.Graph()
    H.add_nodes_from(range(U.n_nodes))
    src, dst, _ = U.edges()
    keep = src < dst
    H.add_edges_from(zip(src[keep].tolist(), dst[keep].tolist()))
    ids = np.arange(U.n_nodes)
    if largest:
        cc = max(nx.connected_components(H), key=len)
        ids = np.array(sorted(cc))
        H = nx.relabel_nodes(H.subgraph(ids).copy(), {int(u): i for i, u in enumerate(ids)})
    return H, ids


class _SetSampleRandom:
    """The ``random`` module, except that ``sample`` takes a set, as it did before Python 3.11.

    LBoF 2.3's ForestFireSampler passes a set of neighbours to ``random.sample``, which Python 3.11 refuses
    (TypeError); the set is sorted first, so the draw stays reproducible. Sorting a few neighbours per burned
    node adds a little to LBoF's time, never to ours.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(random, name)

    @staticmethod
    def sample(population: Any, k: int) -> list:
        return random.sample(sorted(population) if isinstance(population, set | frozenset) else population, k)


@functools.cache
def _lbof():
    """Little Ball of Fur, its forest fire fixed for Python 3.11 (:class:`_SetSampleRandom`); patched once, outside
    every timing."""
    import littleballoffur as lbof
    from littleballoffur.exploration_sampling import forestfiresampler

    forestfiresampler.random = _SetSampleRandom()
    return lbof


def lbof_sampler(name: str, k_nodes: int, k_edges: int, seed: int):
    """LBoF's counterpart of ``name``, a new sampler object (its ``sample(H)`` returns a networkx graph)."""
    lbof = _lbof()
    cls, size = LBOF[name]
    kwargs = {"number_of_nodes": k_nodes} if size == "nodes" else {"number_of_edges": max(k_edges, 1)}
    return getattr(lbof, cls)(seed=seed, **kwargs)


def lbof_sample(name: str, H, ids: np.ndarray, k_nodes: int, k_edges: int, seed: int):
    """Run LBoF's counterpart of ``name``; returns (node ids in G, edge pairs in G or None)."""
    sampler = lbof_sampler(name, k_nodes, k_edges, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        S = sampler.sample(H)
    return lbof_result(name, S, ids)


def lbof_with_edges(sampler, H):
    """LBoF's sample of ``H`` with its edges listed. Its node and walk samplers return a lazy networkx subgraph
    view, whose induced edges are found only when read (on wiki-vote, random-node: 1.1 ms for ``sample``, 17 ms
    with the edges counted); ours return the induced graph built, so the edges are part of the work for both."""
    S = sampler.sample(H)
    list(S.edges())
    return S


def lbof_result(name: str, S, ids: np.ndarray):
    """LBoF's sample ``S`` (a networkx graph on H's nodes) as (node ids in G, edge pairs in G or None)."""
    nodes = ids[np.array(sorted(S.nodes()), dtype=np.int64)]
    edges = None
    if name in ("random-edge", "random-node-edge", "hybrid"):
        e = np.array(list(S.edges()), dtype=np.int64).reshape(-1, 2)
        edges = ids[e]
    return nodes, edges


def directed_restriction(G: gs.Graph, nodes: np.ndarray, edges: np.ndarray | None) -> gs.Graph:
    """The directed sample LBoF's result stands for: induced on ``nodes``, or G's arcs along ``edges``."""
    if edges is None:
        return G.subgraph(nodes)
    src, dst, _ = G.edges()
    n = G.n_nodes
    pairs = np.concatenate([edges[:, 0] * n + edges[:, 1], edges[:, 1] * n + edges[:, 0]])
    keep = np.isin(src.astype(np.int64) * n + dst, pairs)
    new = np.full(n, -1, np.int64)
    new[nodes] = np.arange(len(nodes))
    return gs.from_edges(new[src[keep]], new[dst[keep]], n_nodes=len(nodes), node_ids=G.label_of(nodes))


def scores(c, S: gs.Graph) -> dict:
    d = c.as_dict()
    return {"ks_mean": float(np.mean([d[s] for s in SCALE_DOWN])), "ks_s1s2": (d["S1"] + d["S2"]) / 2,
            "jdm_l1": d["jdm_l1"], "dcm_l1": d["dcm_l1"], **{s: d[s] for s in SCALE_DOWN},
            "nodes": S.n_nodes, "arcs": S.n_arcs}


EDGE_SAMPLERS = ("random-edge", "random-node-edge", "hybrid", "induced-edge")


def lbof_edge_budget(G: gs.Graph, name: str, p: float, seed: int) -> int:
    """LBoF's edge samplers take a number of (undirected) edges instead of a node budget: give them the
    number of distinct node pairs our sampler drew with this seed, so both reach about the same number of
    nodes. For TIES (induced-edge) these are the pairs drawn *before* the induction step, i.e. those of
    ``random_edge`` with the same seed: the arcs of our induced sample (every arc between the chosen
    nodes) would let LBoF draw edges until it touches nearly the whole graph."""
    S, _ = SAMPLERS["random-edge" if name == "induced-edge" else name](G, p, seed=seed)
    src, dst, _ = S.edges()
    src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    pairs = np.minimum(src, dst) * S.n_nodes + np.maximum(src, dst)
    return max(1, len(np.unique(pairs[src != dst])))


def _jdm_over_seeds(G: gs.Graph, p: float, seeds: int, **kwargs: Any) -> tuple[list, list]:
    """``(sample, report)`` of jdm_sample for each feasible seed of ``0..seeds-1``, and the smallest feasible p
    that each of the other seeds reported."""
    done, min_ps = [], []
    for s in range(seeds):
        try:
            done.append(jdm_sample(G, p, seed=s, **kwargs))
        except InfeasibleSampleError as e:
            min_ps.append(e.min_p)
    return done, min_ps


def _jdm_runs(G: gs.Graph, p: float, seeds: int, prof: dict, on_infeasible: str, rounding: str):
    """Scores of jdm_sample over the seeds, the infeasible seeds' smallest feasible p, and the clipped runs."""
    done, min_ps = _jdm_over_seeds(G, p, seeds, on_infeasible=on_infeasible, rounding=rounding)
    acc = [scores(compare(G, S, original=prof), S) for S, _ in done]
    return acc, min_ps, sum(rep.fallback == "clip" for _, rep in done)


# ----------------------------------------------------------------------------- rounding

#: the JDM/DCM sampler's rows of the quality table and their rounding: the default and the controlled one
JDM_ROWS = {"jdm": "systematic", "jdm-controlled": "controlled"}

ROUNDING_CELLS = (("wiki-vote", 0.5), ("p2p-gnutella08", 0.3), ("p2p-gnutella08", 0.5), ("email-eu-core", 0.5))


def rounding_comparison(seeds: int) -> list[dict]:
    """Each rounding of pD in the same cells and seeds: what it keeps of the classes and of the degree tail."""
    rows = []
    for ds, p in ROUNDING_CELLS:
        G = gs.datasets.load(ds)
        k0, _, c0 = (np.asarray(a) for a in gs.sampling.degree_correlation_matrix(G))  # a host graph
        for rounding in ROUNDINGS:
            done, min_ps = _jdm_over_seeds(G, p, seeds, rounding=rounding)
            runs = []
            for _, rep in done:
                k, _, c = rep.dcm_target
                runs.append({"n_over_pn": rep.n / (p * G.n_nodes), "classes": int((c > 0).sum()),
                             "max_out_degree": int(k[c > 0].max()), "ks_out": rep.ks_out, "ks_in": rep.ks_in,
                             "dcm_l1": rep.dcm_l1})
            row = {"dataset": ds, "p": p, "rounding": rounding, "classes_original": int((c0 > 0).sum()),
                   "max_out_degree_original": int(k0[c0 > 0].max()), "runs": len(runs), "infeasible": len(min_ps)}
            if min_ps:
                row["smallest_feasible_p"] = max((m for m in min_ps if m is not None), default=None)
            for key in ("n_over_pn", "classes", "max_out_degree", "ks_out", "ks_in", "dcm_l1"):
                if runs:
                    row[key] = float(np.mean([r[key] for r in runs]))
            rows.append(row)
            print(row, flush=True)
    return rows


# ----------------------------------------------------------------------------- quality

def quality(datasets: list[str], fractions: list[float], seeds: int, with_lbof: bool,
            save: Callable[[list[dict]], Any], samplers: list[str] | None = None) -> list[dict]:
    """The quality table; ``save(rows)`` is called after every (dataset, p) so partial runs keep their rows.
    ``samplers`` restricts it to these names (``"jdm"``, ``"jdm-controlled"`` (``rounding="controlled"``) and
    those of :data:`SAMPLERS`; default: all).

    The JDM/DCM sampler runs with ``on_infeasible="raise"`` (row ``jdm``: its scores over the seeds where
    it is feasible, the others counted in the note); when any seed is infeasible a second row
    ``jdm (clip fallback)`` runs every seed with ``on_infeasible="clip"`` (hub degrees lowered)."""
    rows = []
    for ds in datasets:
        G = gs.datasets.load(ds)
        prof = profile(G)  # the original's side of every metric, once per dataset
        views = {}
        for p in fractions:
            k = max(1, round(p * G.n_nodes))
            for name, rounding in JDM_ROWS.items():
                if samplers is None or name in samplers:
                    rows += _jdm_rows(G, ds, p, seeds, prof, name, rounding)
            for name in sorted(SAMPLERS) if samplers is None else sorted(set(samplers) - set(JDM_ROWS)):
                acc = [scores(compare(G, S, original=prof), S)
                       for S, _ in (SAMPLERS[name](G, p, seed=s) for s in range(seeds))]
                rows.append(_mean_row(ds, p, name, "graphsample", acc, ""))
                if not with_lbof or name not in LBOF:
                    continue
                acc, err, where = [], "", ""
                for s in range(seeds):
                    k_edges = lbof_edge_budget(G, name, p, s) if name in EDGE_SAMPLERS else 0
                    try:
                        if "full" not in views:
                            views["full"] = undirected_view(G, largest=False)
                        H, ids = views["full"]
                        try:
                            nodes, edges = lbof_sample(name, H, ids, k, k_edges, s)
                            where = "undirected view"
                        except Exception:  # noqa: BLE001 - LBoF refuses several components: use its LCC
                            if "lcc" not in views:
                                views["lcc"] = undirected_view(G, largest=True)
                            H, ids = views["lcc"]
                            nodes, edges = lbof_sample(name, H, ids, min(k, len(ids)), k_edges, s)
                            where = "LCC of undirected view"
                        D = directed_restriction(G, nodes, edges)
                        acc.append(scores(compare(G, D, original=prof), D))
                    except Exception as e:  # noqa: BLE001 - report LBoF's failure as a result
                        err = f"LBoF error: {type(e).__name__}: {str(e)[:60]}"
                        break
                rows.append(_mean_row(ds, p, name, f"LBoF ({where})" if where else "LBoF", acc, err))
            print(f"{ds} p={p} done", file=sys.stderr, flush=True)
            save(rows)
    return rows


def _jdm_rows(G: gs.Graph, ds: str, p: float, seeds: int, prof, name: str, rounding: str) -> list[dict]:
    """The JDM/DCM sampler's row ``name`` in a cell, with ``rounding``, and its clip-fallback row when some seed
    is infeasible."""
    acc, min_ps, _ = _jdm_runs(G, p, seeds, prof, "raise", rounding)
    note = ""
    if min_ps:
        known = [m for m in min_ps if m is not None]
        span = f"; smallest feasible p {min(known):.3g}-{max(known):.3g}" if known else ""
        note = f"infeasible (InfeasibleSampleError) for {len(min_ps)} of {seeds} seeds{span}"
    rows = [_mean_row(ds, p, name, "graphsample", acc, note)]
    if min_ps:
        acc, _, clipped = _jdm_runs(G, p, seeds, prof, "clip", rounding)
        rows.append(_mean_row(ds, p, f"{name} (clip fallback)", "graphsample, on_infeasible='clip'", acc,
                              f"hub degrees clipped in {clipped} of {seeds} seeds"))
    return rows


def updated_rows(old: list[dict], new: list[dict]) -> list[dict]:
    """``old`` quality rows with those of the (dataset, p, sampler) cells that ``new`` reran replaced in place
    (a rerun ``jdm`` replaces its clip-fallback row too); rows of new cells go at the end."""
    def key(r: dict) -> tuple:
        return r["dataset"], r["p"], r["sampler"].split(" (")[0]

    fresh = {}
    for r in new:
        fresh.setdefault(key(r), []).append(r)
    out = []
    for r in old:
        k = key(r)
        if k not in fresh:
            out.append(r)
        elif fresh[k]:
            out += fresh[k]
            fresh[k] = []
    return out + [r for rs in fresh.values() for r in rs]


def _mean_row(ds, p, name, tool, acc, note) -> dict:
    """Mean over seeds of every score (plus the standard deviation of the two KS summaries)."""
    row = {"dataset": ds, "p": p, "sampler": name, "tool": tool}
    if acc:
        for key in acc[0]:
            row[key] = float(np.mean([a[key] for a in acc]))
        for key in ("ks_mean", "ks_s1s2"):
            row[key + "_std"] = float(np.std([a[key] for a in acc]))
            row[key + "_seeds"] = [float(a[key]) for a in acc]
        row["runs"] = len(acc)
    row["note"] = note
    return row


# ----------------------------------------------------------------------------- speed

def speed_classic(p: float = 0.2) -> list[dict]:
    G0 = gs.datasets.load("wiki-vote")
    H, ids = undirected_view(G0, largest=True)
    # the same graph for both: the LCC of the undirected view, as a graphsample Graph (directed=False)
    src = np.array([u for u, _ in H.edges()], dtype=np.int64)
    dst = np.array([v for _, v in H.edges()], dtype=np.int64)
    G = gs.from_edges(src, dst, n_nodes=H.number_of_nodes(), directed=False)
    k = round(p * G.n_nodes)
    rows = []
    for name in sorted(SAMPLERS):
        t_ours, _ = timeit(lambda: SAMPLERS[name](G, p, seed=1), repeat=3, warmup=1)
        row = {"sampler": name, "graph": f"wiki-vote LCC undirected ({G.n_nodes} nodes, {G.n_edges} edges)",
               "ours_s": t_ours}
        try:
            k_edges = lbof_edge_budget(G, name, p, 1) if name in EDGE_SAMPLERS else 0
            # LBoF's sampler.sample(H) and the listing of its sample's edges are timed: each call gets a new
            # sampler (built outside the timing, as LBoF reseeds and keeps state per sampler); converting the
            # sample to our ids is not timed
            samplers = iter([lbof_sampler(name, k, k_edges, 1) for _ in range(2)])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_lbof, S = timeit(lambda: lbof_with_edges(next(samplers), H), repeat=2, warmup=0)
            lbof_result(name, S, np.arange(G.n_nodes))  # the sample converts, as in the quality table
            row["lbof_s"] = t_lbof
            row["speedup"] = t_lbof / t_ours
        except Exception as e:  # noqa: BLE001
            row["lbof_s"] = float("nan")
            row["note"] = f"LBoF error: {type(e).__name__}: {str(e)[:60]}"
        rows.append(row)
        print(f"speed {name}: {row}", file=sys.stderr, flush=True)
    return rows


def speed_rmat(scale: int, p: float) -> list[dict]:
    G = rmat_graph(scale, 16)
    path = DATA / f"rmat-s{scale}-e16-seed1.npz"
    t_load, _ = timeit(lambda: gs.load(path), repeat=3, warmup=1)
    jdm_sample(gs.datasets.load("cora"), 0.5, seed=0)  # compile the kernels outside the timing
    t0 = time.perf_counter()
    S, rep = jdm_sample(G, p, seed=1)
    t_jdm = time.perf_counter() - t0
    return [{"graph": f"R-MAT scale {scale} ({G.n_nodes} nodes, {G.n_arcs} arcs)", "p": p, "npz_load_s": t_load,
             "jdm_s": t_jdm, "ratio_to_load": t_jdm / t_load, "sample_nodes": S.n_nodes, "sample_arcs": S.n_arcs,
             "ks_in": rep.ks_in, "ks_out": rep.ks_out, "exchanges": rep.exchanges, "repairs": rep.repairs}]


def speed_gpu(scale: int, p: float) -> list[dict]:
    """The JDM/DCM sampler and the walk samplers on CuPy and torch-CUDA graphs, and CPU==GPU walk samples."""
    from graphsample._backend import available_backends, to_numpy

    G = rmat_graph(scale, 16)
    rows = []
    for b, d in available_backends():
        if not d.startswith("cuda"):
            continue
        Gd = G.to(b, d)
        t_jdm, (S, rep) = timeit(lambda: jdm_sample(Gd, p, seed=1), repeat=1, warmup=1)
        rows.append({"backend": b, "sampler": "jdm", "seconds": t_jdm, "construction": rep.construction,
                     "same_as_cpu": ""})
        small = gs.datasets.load("wiki-vote")
        small_d = small.to(b, d)
        t_jdm, (S, rep) = timeit(lambda: jdm_sample(small_d, 0.5, seed=1), repeat=1, warmup=1)
        rows.append({"backend": b, "sampler": "jdm (wiki-vote, p = 0.5)", "seconds": t_jdm,
                     "construction": rep.construction, "same_as_cpu": ""})
        for name in WALKS[:4]:
            t, (S, nodes) = timeit(lambda: SAMPLERS[name](Gd, 0.2, seed=1, n_walkers=1024), repeat=2, warmup=1)
            _, cpu_nodes = SAMPLERS[name](small, 0.2, seed=2, n_walkers=16)
            _, gpu_nodes = SAMPLERS[name](small.to(b, d), 0.2, seed=2, n_walkers=16)
            rows.append({"backend": b, "sampler": name, "seconds": t, "construction": "",
                         "same_as_cpu": bool(np.array_equal(to_numpy(gpu_nodes), to_numpy(cpu_nodes)))})
    return rows


# ----------------------------------------------------------------------------- aggregate

def _fmt(v: float | None, digits: int = 3) -> str:
    return "--" if v is None else f"{float(v):.{digits}f}"


def _cell(row: dict | None) -> str:
    """``mean S1-S9 KS (mean S1/S2 KS)`` of one row, or why it has none."""
    if row is None:
        return "--"
    if "ks_mean" not in row:
        return "fails" if row["note"].startswith("LBoF error") else "infeasible"
    some = f" [{row['runs']} seeds]" if "infeasible" in row["note"] else ""  # JDM feasible for some seeds only
    return f"{_fmt(row['ks_mean'])} ({_fmt(row['ks_s1s2'])}){some}"


def aggregate(tags: list[str]) -> None:
    """Merge ``sampling_quality_<tag>.json`` into ``sampling_quality.{json,md}``: per dataset and p the JDM/DCM
    sampler's mean S1/S2 KS against the best classic sampler's (ours and LBoF's) and whether it is lower,
    then per dataset every sampler's mean S1-S9 KS (mean S1/S2 KS), ours / LBoF, and the L1 deviations."""
    rows = [r for t in tags for r in json.loads((RESULTS / f"sampling_quality_{t}.json").read_text())["rows"]]
    cells = list(dict.fromkeys((r["dataset"], r["p"]) for r in rows))  # in the order of the files
    summary = []
    for ds, p in cells:
        here = [r for r in rows if r["dataset"] == ds and r["p"] == p]
        jdm = next(r for r in here if r["sampler"] == "jdm")
        clip = next((r for r in here if r["sampler"] == "jdm (clip fallback)"), None)
        controlled = next((r for r in here if r["sampler"] == "jdm-controlled"), None)
        classic = [r for r in here if not r["sampler"].startswith("jdm") and "ks_s1s2" in r]
        best = {tool: min((r for r in classic if r["tool"].startswith(tool)), key=lambda r: r["ks_s1s2"])
                for tool in ("graphsample", "LBoF")}
        rival = min(best.values(), key=lambda r: r["ks_s1s2"])
        feasible = "ks_s1s2" in jdm and jdm["runs"] == max(r.get("runs", 0) for r in here)
        row = {"dataset": ds, "p": p, "runs": jdm.get("runs", 0),
               "jdm_ks_s1s2": jdm.get("ks_s1s2"), "jdm_ks_s1s2_std": jdm.get("ks_s1s2_std"),
               "jdm_ks_mean": jdm.get("ks_mean"), "jdm_l1": jdm.get("jdm_l1"), "dcm_l1": jdm.get("dcm_l1"),
               "clip_ks_s1s2": clip.get("ks_s1s2") if clip else None,
               "clip_ks_s1s2_std": clip.get("ks_s1s2_std") if clip else None,
               "best_ours": best["graphsample"]["sampler"], "best_ours_ks_s1s2": best["graphsample"]["ks_s1s2"],
               "best_ours_ks_s1s2_std": best["graphsample"]["ks_s1s2_std"],
               "best_lbof": best["LBoF"]["sampler"], "best_lbof_ks_s1s2": best["LBoF"]["ks_s1s2"],
               "best_lbof_ks_s1s2_std": best["LBoF"]["ks_s1s2_std"],
               "classic_jdm_l1_range": [min(r["jdm_l1"] for r in classic), max(r["jdm_l1"] for r in classic)],
               "classic_dcm_l1_range": [min(r["dcm_l1"] for r in classic), max(r["dcm_l1"] for r in classic)],
               "feasible": feasible, "note": jdm["note"]}
        if controlled is not None:  # rounding="controlled", the same seeds
            row.update({f"controlled_{k}": controlled.get(k) for k in ("runs", "ks_s1s2", "ks_s1s2_std", "jdm_l1")})
        row["jdm_lowest_s1s2"] = bool(jdm["ks_s1s2"] < rival["ks_s1s2"]) if feasible else None
        if not feasible and "ks_s1s2" in jdm:  # feasible for some seeds only: their mean, labelled as such
            row["jdm_lowest_s1s2_on_feasible_seeds"] = bool(jdm["ks_s1s2"] < rival["ks_s1s2"])
        if clip and "ks_s1s2" in clip:
            row["clip_lowest_s1s2"] = bool(clip["ks_s1s2"] < rival["ks_s1s2"])
        summary.append(row)
    (RESULTS / "sampling_quality.json").write_text(
        json.dumps({"environment": environment(), "sources": [f"sampling_quality_{t}.json" for t in tags],
                    "summary": summary}, indent=2))

    def pm(m: float | None, sd: float | None) -> str:
        return "--" if m is None else f"{_fmt(m, 4)} ± {_fmt(sd, 4) if sd >= 5e-5 else '< 0.0001'}"

    lines = ["# sampling_quality", "", "Aggregated from " + ", ".join(f"`sampling_quality_{t}.md`" for t in tags)
             + " (means over seeds, ± the standard deviation over seeds). Command: python benchmarks/sampling.py"
             " --aggregate " + " ".join(tags), "",
             "## Mean S1/S2 (in-/out-degree) KS D: the JDM/DCM sampler against the best classic sampler", "",
             "| dataset | p | JDM/DCM sampler | best of ours | best of LBoF | JDM/DCM lowest? |",
             "|---|---|---|---|---|---|"]
    for r in summary:
        if r["feasible"]:
            jd, verdict = pm(r["jdm_ks_s1s2"], r["jdm_ks_s1s2_std"]), "yes" if r["jdm_lowest_s1s2"] else "**no**"
        else:
            jd = r["note"].replace("infeasible (InfeasibleSampleError)", "infeasible")
            if r["clip_ks_s1s2"] is not None:
                jd += f"; clip fallback: {pm(r['clip_ks_s1s2'], r['clip_ks_s1s2_std'])}"
            if r["jdm_ks_s1s2"] is not None:
                jd += f"; the {r['runs']} feasible seeds: {pm(r['jdm_ks_s1s2'], r['jdm_ks_s1s2_std'])}"
            verdict = "n/a (infeasible)"
            if "jdm_lowest_s1s2_on_feasible_seeds" in r:
                verdict += f"; feasible seeds {'lower' if r['jdm_lowest_s1s2_on_feasible_seeds'] else 'not lower'}"
            if "clip_lowest_s1s2" in r:
                verdict += f"; clip fallback {'lower' if r['clip_lowest_s1s2'] else 'not lower'}"
        ours = f"{r['best_ours']} {pm(r['best_ours_ks_s1s2'], r['best_ours_ks_s1s2_std'])}"
        lbof = f"{r['best_lbof']} {pm(r['best_lbof_ks_s1s2'], r['best_lbof_ks_s1s2_std'])}"
        lines.append(f"| {r['dataset']} | {r['p']} | {jd} | {ours} | {lbof} | {verdict} |")
    for ds in dict.fromkeys(c[0] for c in cells):
        ps = [p for d, p in cells if d == ds]
        names = list(dict.fromkeys(r["sampler"] for r in rows if r["dataset"] == ds))
        get = lambda name, p, lbof: next((r for r in rows if r["dataset"] == ds and r["p"] == p  # noqa: E731
                                          and r["sampler"] == name and r["tool"].startswith("LBoF") == lbof), None)
        lines += ["", f"## {ds}: mean S1-S9 KS D (mean S1/S2 KS D), ours / LBoF", "",
                  "| sampler | " + " | ".join(f"p = {p}" for p in ps) + " |", "|---|" + "---|" * len(ps)]
        for name in names:
            cols = []
            for p in ps:
                ours, lb = get(name, p, False), get(name, p, True)
                cols.append(_cell(ours) + (f" / {_cell(lb)}" if name in LBOF else ""))
            lines.append(f"| {name} | " + " | ".join(cols) + " |")
        lines += ["", f"## {ds}: JDM L1 / DCM L1, ours / LBoF", "",
                  "| sampler | " + " | ".join(f"p = {p}" for p in ps) + " |", "|---|" + "---|" * len(ps)]
        for name in names:
            cols = []
            for p in ps:
                parts = [get(name, p, False)] + ([get(name, p, True)] if name in LBOF else [])
                cols.append(" / ".join("--" if r is None or "jdm_l1" not in r else
                                       f"{_fmt(r['jdm_l1'], 2)}, {_fmt(r['dcm_l1'], 2)}" for r in parts))
            lines.append(f"| {name} | " + " | ".join(cols) + " |")
    (RESULTS / "sampling_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["wiki-vote", "p2p-gnutella08", "email-eu-core", "cora"])
    ap.add_argument("--fractions", nargs="+", type=float, default=[0.1, 0.2, 0.3, 0.5])
    ap.add_argument("--seeds", type=int, default=3, help="seeds per cell (the issue's protocol: 10)")
    ap.add_argument("--no-lbof", action="store_true", help="skip Little Ball of Fur in the quality table")
    ap.add_argument("--samplers", nargs="+", choices=[*JDM_ROWS, *sorted(SAMPLERS)],
                    help="quality table: only these samplers (default: all)")
    ap.add_argument("--update", action="store_true",
                    help="quality table: replace the rerun samplers' rows in the existing result files of --tag")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-classic-speed", action="store_true",
                    help="speed: only the JDM sampler on R-MAT, not the classic samplers against LBoF")
    ap.add_argument("--skip-rmat-speed", action="store_true",
                    help="speed: only the classic samplers against LBoF, not the JDM sampler on R-MAT")
    ap.add_argument("--skip-rounding", action="store_true")
    ap.add_argument("--rmat-scale", type=int, default=20)
    ap.add_argument("--rmat-p", type=float, default=0.5)
    ap.add_argument("--gpu", action="store_true", help="also time the GPU paths (needs CuPy or torch CUDA)")
    ap.add_argument("--tag", default="", help="suffix of the quality result files (to run datasets in parallel)")
    ap.add_argument("--aggregate", nargs="+", metavar="TAG",
                    help="only merge sampling_quality_<TAG>.json files into sampling_quality.{json,md}")
    args = ap.parse_args()
    if args.aggregate:
        aggregate(args.aggregate)
        return
    os.environ.setdefault("GRAPHSAMPLE_MIRROR", str(Path(__file__).resolve().parents[2] / "shared" / "datasets"))
    ran = command()
    note = f"threads: pin_threads() = {THREADS} for every tool; command: " + ran
    if not args.skip_quality:
        columns = ["dataset", "p", "sampler", "tool", "ks_mean", "ks_mean_std", "ks_s1s2", "ks_s1s2_std", "jdm_l1",
                   "dcm_l1", "nodes", "arcs", "runs", "note"]
        name = "sampling_quality" + (f"_{args.tag}" if args.tag else "")
        save = lambda rows: write_results(name, rows, columns, note)  # noqa: E731
        if args.update:
            old = json.loads((RESULTS / f"{name}.json").read_text())["rows"]
            first = (RESULTS / f"{name}.md").read_text().split("\n")[2]
            rerun = f"{first}; rows of {', '.join(args.samplers or ['every sampler'])} rerun by: {ran}"
            save = lambda rows: write_results(name, updated_rows(old, rows), columns, rerun)  # noqa: E731
        quality(args.datasets, args.fractions, args.seeds, not args.no_lbof, save, args.samplers)
    if not args.skip_speed:
        if not args.skip_classic_speed:
            write_results("sampling_speed", speed_classic(), ["sampler", "ours_s", "lbof_s", "speedup", "note"],
                          note + "; graph: largest connected component of wiki-vote's undirected view, p = 0.2; "
                          "LBoF: its sampler.sample(H) and the listing of the sample's edges (its node and walk "
                          "samplers return a lazy subgraph view; ours build the induced graph), best of 2, the "
                          "conversion to our ids not timed; ours: best of 3 after a warm-up")
        if not args.skip_rmat_speed:
            write_results("sampling_rmat", speed_rmat(args.rmat_scale, args.rmat_p), None, note)
    if not args.skip_rounding:
        columns = ["dataset", "p", "rounding", "runs", "infeasible", "smallest_feasible_p", "n_over_pn", "classes",
                   "classes_original", "max_out_degree", "max_out_degree_original", "ks_out", "ks_in", "dcm_l1"]
        write_results("sampling_rounding", rounding_comparison(args.seeds), columns, note)
    if args.gpu:
        write_results("sampling_gpu", speed_gpu(args.rmat_scale, args.rmat_p), None, note)


if __name__ == "__main__":
    main()
