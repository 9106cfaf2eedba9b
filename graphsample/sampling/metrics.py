r"""Metrics that compare a graph sample :math:`S` with its original :math:`G`.

The scale-down properties of Leskovec & Faloutsos, "Sampling from large graphs" (KDD 2006), each as a
Kolmogorov-Smirnov D-statistic :math:`D = \max_x |F_G(x) - F_S(x)|` between the two distributions:

* S1 in-degree, S2 out-degree (two-sample KS of the degree sequences);
* S3 weakly, S4 strongly connected component sizes (two-sample KS of the size of each component);
* S5 hop-plot: the fraction of reachable ordered pairs :math:`P(h)` within :math:`h` hops, estimated by
  BFS along arcs from ``n_sources`` random sources; S6 the same inside the largest WCC. :math:`P(h)`
  is already a CDF over :math:`h`;
* S7 the absolute components of the first left singular vector of the adjacency (two-sample KS);
* S8 the top ``k`` (10) singular values against their rank, normalised to a distribution over ranks;
* S9 the mean local clustering coefficient :math:`C(d)` of the undirected view against the degree
  :math:`d`, normalised to a distribution over degrees.

For curves (S8, S9) the curve :math:`y(x)` is turned into a CDF :math:`F(x) = \sum_{x'\le x} y(x') /
\sum y`, as in the paper. Also: JDM and DCM L1 deviation :math:`\sum_{k,l}|J_S/m_S - J_G/m_G|`
(in [0, 2]; the same for :math:`D` with :math:`n`), reciprocity and degree assortativity.

Metrics run on the host (they are evaluation, not sampling): device graphs are copied once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from .._backend import to_numpy
from .._random import SeedLike, check_seed
from ..errors import check_positive
from ..graph import Graph, check_graph
from . import _kernels
from .degree_matrices import degree_correlation_matrix, joint_degree_matrix


def reciprocity(G: Graph) -> float:
    """Fraction of arcs ``u -> v`` (``u != v``) whose reverse ``v -> u`` is also an arc.

    Self-loops are left out of numerator and denominator; an undirected graph gives 1, a graph without arcs
    between distinct nodes (none, or only self-loops) 0.
    """
    xp = G.xp
    src, dst, _ = G.edges()
    src = xp.astype(src, xp.int64)
    dst = xp.astype(dst, xp.int64)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    if src.shape[0] == 0:
        return 0.0
    n = G.n_nodes
    keys = src * n + dst  # CSR order is sorted by (src, dst)
    rev = dst * n + src
    pos = xp.clip(xp.searchsorted(keys, rev), 0, keys.shape[0] - 1)
    return float(xp.mean(xp.astype(keys[pos] == rev, xp.float64)))


# ----------------------------------------------------------------------------- KS statistics

def ks_statistic(a: Any, b: Any) -> float:
    r"""Two-sample Kolmogorov-Smirnov D of the values ``a`` and ``b`` (exact, ties included).

    :math:`D = \max_x |F_a(x) - F_b(x)|` over the points of either sample. Non-negative integers (degrees,
    component sizes) up to a few times the sample sizes are counted (``bincount``, then cumulative sums: the
    CDFs at every integer, O(n + max)); other values are sorted. An empty sample against a non-empty one gives
    1; two empty samples give 0.
    """
    a, b = (np.asarray(x if isinstance(x, list | tuple) else to_numpy(x)) for x in (a, b))
    if len(a) == 0 or len(b) == 0:
        return float(len(a) != len(b))
    if a.dtype.kind in "iu" and b.dtype.kind in "iu" and min(a.min(), b.min()) >= 0 \
            and (top := int(max(a.max(), b.max())) + 1) <= 4 * (len(a) + len(b)) + 2**16:
        fa = np.cumsum(np.bincount(a.astype(np.int64), minlength=top)) / len(a)  # (bincount refuses uint64)
        fb = np.cumsum(np.bincount(b.astype(np.int64), minlength=top)) / len(b)
        return float(np.max(np.abs(fa - fb)))
    a, b = np.sort(a.astype(np.float64)), np.sort(b.astype(np.float64))
    x = np.union1d(a, b)
    fa = np.searchsorted(a, x, side="right") / len(a)
    fb = np.searchsorted(b, x, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def ks_curves(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> float:
    """KS D between two non-negative curves ``y(x)``, each normalised to a distribution over ``x``."""
    x = np.union1d(x1, x2)
    out = []
    for xs, ys in ((x1, y1), (x2, y2)):
        total = float(np.sum(ys))
        if total <= 0:
            out.append(np.zeros(len(x)))
            continue
        order = np.argsort(xs)
        cdf = np.cumsum(np.asarray(ys, dtype=np.float64)[order]) / total
        idx = np.searchsorted(np.asarray(xs)[order], x, side="right") - 1
        out.append(np.where(idx >= 0, cdf[np.maximum(idx, 0)], 0.0))
    return float(np.max(np.abs(out[0] - out[1]), initial=0.0))


def _adjacency(G: Graph) -> sp.csr_array:
    """Binary adjacency (host, int64 indices)."""
    indptr = to_numpy(G.indptr).astype(np.int64)
    indices = to_numpy(G.indices).astype(np.int64)
    return sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(G.n_nodes, G.n_nodes))


def component_sizes(G: Graph, connection: str = "weak") -> np.ndarray:
    """Sizes of the weakly (``"weak"``) or strongly (``"strong"``) connected components."""
    if G.n_nodes == 0:
        return np.zeros(0, np.int64)
    _, labels = csgraph.connected_components(_adjacency(G), directed=True, connection=connection)
    return np.bincount(labels)


def hop_plot(G: Graph, n_sources: int = 64, seed: SeedLike = 0, max_hops: int = 64) -> np.ndarray:
    r""":math:`P(h)` for :math:`h = 0..H`: fraction of pairs (source, reachable node) at distance
    :math:`\le h`, by BFS along arcs from ``n_sources`` uniformly drawn sources (all when fewer nodes)."""
    n = G.n_nodes
    if n == 0:
        return np.zeros(1)
    rng = check_seed(seed)
    srcs = np.arange(n) if n <= n_sources else rng.choice(n, n_sources, replace=False)
    dist = csgraph.shortest_path(_adjacency(G), method="D", unweighted=True, indices=srcs)
    d = dist[np.isfinite(dist)].astype(np.int64)
    counts = np.bincount(np.minimum(d, max_hops))
    return np.cumsum(counts) / counts.sum()


def largest_wcc(G: Graph) -> Graph:
    """The subgraph induced by the largest weakly connected component."""
    if G.n_nodes == 0:
        return G
    _, labels = csgraph.connected_components(_adjacency(G), directed=True, connection="weak")
    big = np.argmax(np.bincount(labels))
    H = G.to("numpy") if G.backend != "numpy" else G
    return H.subgraph(np.flatnonzero(labels == big))


def singular_values(G: Graph, k: int = 20) -> np.ndarray:
    """The top ``k`` singular values of the adjacency matrix, largest first."""
    A = _adjacency(G)
    if k < 1 or A.nnz == 0:
        return np.zeros(0)
    if min(A.shape) <= 200:
        return np.linalg.svd(A.toarray(), compute_uv=False)[:k]
    k = min(k, min(A.shape) - 1)  # ARPACK's limit (the dense SVD above has none: a 1-node graph has one value)
    return np.sort(sp.linalg.svds(A, k=k, return_singular_vectors=False, v0=_start_vector(A)))[::-1]


def _start_vector(A: sp.csr_array) -> np.ndarray:
    """A fixed start vector for ARPACK, so that svds is deterministic."""
    v = np.cos(np.arange(min(A.shape)) + 1.0)
    return v / np.linalg.norm(v)


def first_left_singular_vector(G: Graph) -> np.ndarray:
    """Absolute components of the first left singular vector of the adjacency matrix."""
    A = _adjacency(G)
    if A.nnz == 0:
        return np.zeros(G.n_nodes)
    if min(A.shape) <= 200:
        u = np.linalg.svd(A.toarray())[0][:, 0]
    else:
        u = sp.linalg.svds(A, k=1, v0=_start_vector(A))[0][:, 0]
    return np.abs(u)


def clustering_by_degree(G: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Degrees ``d`` of the undirected view (no loops) and the mean local clustering coefficient at each."""
    A = _adjacency(G)
    A = ((A + A.T) > 0).astype(np.float64)
    A.setdiag(0)
    A.eliminate_zeros()
    A = sp.csr_array(A)
    A.sort_indices()
    deg = np.diff(A.indptr).astype(np.float64)
    tri = _kernels.triangles_per_node(A.indptr.astype(np.int64), A.indices.astype(np.int64)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(deg > 1, 2 * tri / (deg * (deg - 1)), 0.0)
    ds, inv = np.unique(deg.astype(np.int64), return_inverse=True)
    return ds, np.bincount(inv, weights=c) / np.bincount(inv)


# ----------------------------------------------------------------------------- matrices, correlations

def _host_triplets(t: tuple) -> tuple[np.ndarray, ...]:
    return tuple(to_numpy(a).astype(np.int64) for a in t)


def triplet_diff(t1: tuple, t2: tuple, scale: float = 1.0) -> np.ndarray:
    r""":math:`t_1 - s\,t_2` on the union of the cells of two ``(k, l, count)`` triplet sets."""
    k1, l1, c1 = _host_triplets(t1)
    k2, l2, c2 = _host_triplets(t2)
    width = int(max(l1.max(initial=0), l2.max(initial=0))) + 1
    keys = np.concatenate([k1 * width + l1, k2 * width + l2])
    vals = np.concatenate([c1.astype(np.float64), -scale * c2.astype(np.float64)])
    _, inv = np.unique(keys, return_inverse=True)
    return np.bincount(inv, weights=vals, minlength=0)


def triplet_l1(t1: tuple, t2: tuple, scale: float = 1.0) -> float:
    r""":math:`\sum |t_1 - s\,t_2|` over the union of cells of two ``(k, l, count)`` triplet sets."""
    return float(np.abs(triplet_diff(t1, t2, scale)).sum())


def jdm_l1(G: Graph, S: Graph) -> float:
    r"""Normalised JDM deviation :math:`\sum_{k,l} |J_S[k,l]/m_S - J_G[k,l]/m_G|` (0 = same shape, max 2)."""
    return _normalised_l1(joint_degree_matrix(S), joint_degree_matrix(G), S.n_arcs, G.n_arcs)


def dcm_l1(G: Graph, S: Graph) -> float:
    r"""Normalised DCM deviation :math:`\sum_{k,l} |D_S[k,l]/n_S - D_G[k,l]/n_G|` (max 2)."""
    return _normalised_l1(degree_correlation_matrix(S), degree_correlation_matrix(G), S.n_nodes, G.n_nodes)


def assortativity(G: Graph, x: str = "out", y: str = "in") -> float:
    r"""Directed degree assortativity :math:`r(x, y)`: the Pearson correlation, over arcs
    :math:`u \to v`, of the ``x``-degree of :math:`u` and the ``y``-degree of :math:`v`
    (Foster, Foster, Grassberger & Paczuski, PNAS 2010). NaN when either side is constant."""
    deg = {"out": to_numpy(G.out_degree()), "in": to_numpy(G.in_degree())}
    if x not in deg or y not in deg:
        raise ValueError(f"x and y must be 'out' or 'in', got {x!r}, {y!r}")
    src, dst = (to_numpy(a) for a in G.edges()[:2])
    a, b = deg[x][src].astype(np.float64), deg[y][dst].astype(np.float64)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


# ----------------------------------------------------------------------------- compare

@dataclass
class Comparison:
    """Rows ``(name, description, value)`` of :func:`compare`; ``str()`` prints the table."""

    rows: list[tuple[str, str, float]]

    def as_dict(self) -> dict[str, float]:
        """``{name: value}`` for every row (``"S1"`` ... ``"S9"``, ``"jdm_l1"``, ...)."""
        return {name: value for name, _, value in self.rows}

    def __getitem__(self, name: str) -> float:
        return self.as_dict()[name]

    def __str__(self) -> str:
        w = max(len(n) for n, _, _ in self.rows)
        wd = max(len(d) for _, d, _ in self.rows)
        return "\n".join(f"{n:<{w}}  {d:<{wd}}  {v:.4f}" for n, d, v in self.rows)


def profile(G: Graph, *, n_sources: int = 64, k: int = 10, seed: SeedLike = 0) -> dict:
    """The distributions :func:`compare` needs from one graph (compute it once for an original that is
    compared with many samples)."""
    check_graph(G)
    check_positive("n_sources", n_sources)
    check_positive("k", k)
    G = G.to("numpy") if G.backend != "numpy" else G
    sv = singular_values(G, k)
    return {
        "in": to_numpy(G.in_degree()), "out": to_numpy(G.out_degree()),
        "wcc": component_sizes(G, "weak"), "scc": component_sizes(G, "strong"),
        "hop": hop_plot(G, n_sources, seed), "hop_wcc": hop_plot(largest_wcc(G), n_sources, seed),
        "sv1": first_left_singular_vector(G), "sv": (np.arange(len(sv)), sv),
        "clustering": clustering_by_degree(G),
        "jdm": _host_triplets(joint_degree_matrix(G)), "dcm": _host_triplets(degree_correlation_matrix(G)),
        "n": G.n_nodes, "m": G.n_arcs, "reciprocity": reciprocity(G), "assortativity": assortativity(G),
    }


def _normalised_l1(t_s: tuple, t_g: tuple, size_s: int, size_g: int) -> float:
    if size_s == 0 or size_g == 0:
        return 2.0 * float(size_s != size_g)
    return triplet_l1(t_s, t_g, size_s / size_g) / size_s


def compare(G: Graph, S: Graph, *, n_sources: int = 64, k: int = 10, seed: SeedLike = 0,
            original: dict | None = None) -> Comparison:
    """All the metrics between an original ``G`` and a sample ``S``: S1-S9 KS D (lower is better),
    JDM/DCM L1 (lower is better), and reciprocity / assortativity of both graphs.

    ``original``: ``profile(G)`` computed beforehand (same ``n_sources``, ``k``, ``seed``)."""
    check_graph(G)
    check_graph(S, "S")
    s = profile(S, n_sources=n_sources, k=k, seed=seed)
    if original is not None and not (isinstance(original, dict) and original.keys() >= s.keys()):
        raise ValueError("original must be the dict profile(G) returns")  # a partial dict was a KeyError
    g = original if original is not None else profile(G, n_sources=n_sources, k=k, seed=seed)
    rows = [
        ("S1", "in-degree KS D", ks_statistic(g["in"], s["in"])),
        ("S2", "out-degree KS D", ks_statistic(g["out"], s["out"])),
        ("S3", "WCC size KS D", ks_statistic(g["wcc"], s["wcc"])),
        ("S4", "SCC size KS D", ks_statistic(g["scc"], s["scc"])),
        ("S5", "hop-plot KS D", _ks_cdf(g["hop"], s["hop"])),
        ("S6", "hop-plot (largest WCC) KS D", _ks_cdf(g["hop_wcc"], s["hop_wcc"])),
        ("S7", "first left singular vector KS D", ks_statistic(g["sv1"], s["sv1"])),
        ("S8", "singular values KS D", ks_curves(*g["sv"], *s["sv"])),
        ("S9", "clustering by degree KS D", ks_curves(*g["clustering"], *s["clustering"])),
        ("jdm_l1", "JDM L1 (normalised)", _normalised_l1(s["jdm"], g["jdm"], s["m"], g["m"])),
        ("dcm_l1", "DCM L1 (normalised)", _normalised_l1(s["dcm"], g["dcm"], s["n"], g["n"])),
        ("reciprocity_G", "reciprocity of G", g["reciprocity"]),
        ("reciprocity_S", "reciprocity of S", s["reciprocity"]),
        ("assortativity_G", "out-in assortativity of G", g["assortativity"]),
        ("assortativity_S", "out-in assortativity of S", s["assortativity"]),
    ]
    return Comparison(rows)


def _ks_cdf(f1: np.ndarray, f2: np.ndarray) -> float:
    """KS D between two CDFs tabulated on 0, 1, 2, ... (the shorter one is extended by its last value)."""
    h = max(len(f1), len(f2))
    pad = lambda f: np.concatenate([f, np.full(h - len(f), f[-1] if len(f) else 0.0)])  # noqa: E731
    return float(np.max(np.abs(pad(f1) - pad(f2)), initial=0.0))


SCALE_DOWN = ("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9")
