r"""The JDM/DCM linearly rescaled sampler of directed graphs.

Given a directed graph :math:`G` with :math:`n` nodes, :math:`m` arcs, out-degrees :math:`d^+` and
in-degrees :math:`d^-`, its

* **Joint Degree Matrix** :math:`J[k,l] = |\{(u,v)\in E : d^+(u)=k,\ d^-(v)=l\}|` (:math:`\sum J = m`),
* **Degree Correlation Matrix** :math:`D[k,l] = |\{u : d^+(u)=k,\ d^-(u)=l\}|` (:math:`\sum D = n`),

the sampler builds a simple digraph :math:`S` whose matrices are linear rescalings of them,
:math:`J_S \approx pJ` and :math:`D_S \approx pD`, degrees themselves *not* rescaled. Because the
in- and out-degree distributions are margins of :math:`D`, they are preserved (Yan, "Constructing and
sampling directed graphs with linearly rescaled degree matrices", KDD 2022 / arXiv 2507.23025).

The steps (what is the paper's and what is ours is said in ``docs/sampling.md``):

1. :math:`J` and :math:`D` as sparse triplets on the graph's backend (:mod:`.degree_matrices`).
2. :math:`D' =` rounding of :math:`pD`. ``rounding="systematic"`` (default): classes sorted by
   :math:`(k,l)`, cumulative sums :math:`S_i = p\sum_{j\le i} D_j`, one uniform :math:`U`, and
   :math:`D'_i = \lfloor S_i + U\rfloor - \lfloor S_{i-1} + U\rfloor`. Each entry is
   :math:`\lfloor pD_i\rfloor` or :math:`\lceil pD_i\rceil` with :math:`E[D'_i] = pD_i`, :math:`|n'-pn|<1`,
   and every out-degree margin :math:`N'^+(k)=\sum_l D'[k,l]` (a contiguous run of classes) is within 1
   of :math:`pN^+(k)`. ``rounding="controlled"``: every entry and every cumulative out- and in-degree count
   within 1 and unbiased, by Cox's rounding of the circulation they form (:func:`_round_prefix_table`), so
   both degree CDFs are within one node (step 3 keeps them there where it can). ``rounding="independent"``: each entry
   independently :math:`\lfloor pD_i\rfloor + \mathrm{Bernoulli}(\{pD_i\})`. ``rounding="nearest"``: plain rounding of
   every entry, as the public reference code does (biased: it drops every class with :math:`pD_i < 1/2`),
   for comparison.
3. Stub balance: the rounding errors leave :math:`\sum_k kN'^+(k) \ne \sum_l lN'^-(l)`. First, unit
   exchanges between two classes of one out-degree, one rounded up and one rounded down
   (:func:`exchange_stubs`; ``report.exchanges``), close the gap while every entry stays a rounding of
   :math:`pD_i` and :math:`n'` and the out-degree margins stay as they are. An exchange moves the cumulative
   in-degree counts between its two in-degrees, so after controlled rounding closed walks in the residual graph
   of its circulation take their place (:func:`walk_stubs`; ``report.exchanges`` counts the walks): every
   entry, every cumulative count of either degree and :math:`n'` stay roundings of their own (where no such
   table balances, the cumulative counts short of :math:`n'` may go one unit further). Then, while a gap is
   left (after controlled rounding: only where even that cannot balance), add one
   node of the class :math:`(k, 0)` (more out-stubs needed) or :math:`(0, l)` (more in-stubs) with the
   largest degree not exceeding the gap (an existing class when there is one); ``report.repairs`` counts
   them, and each moves every cumulative count by at most 1.
4. JDM fit: iterative proportional fitting of :math:`pJ` (on its support) to the margins
   :math:`R_k = kN'^+(k)`, :math:`C_l = lN'^-(l)` under the caps
   :math:`J'[k,l] \le N'^+(k)N'^-(l) - D'[k,l]` (distinct non-loop pairs), giving a fractional
   :math:`X`; then controlled rounding: :math:`\lfloor X\rfloor` plus a unit-capacity max-flow over the
   fractional cells (:func:`._kernels.augment_flow`), so every margin is met exactly and every cell is
   :math:`\lfloor X\rfloor` or :math:`\lceil X\rceil`. Only when the caps make that impossible does a
   second flow over all cells :math:`0 \le J' \le \mathrm{cap}` run.
5. Realizability: integer, exact margins, caps (Tillman et al. 2017, Theorem 1). Otherwise
   :class:`InfeasibleSampleError` names the classes that cannot be placed and the smallest feasible
   :math:`p`, unless ``on_infeasible`` is ``"clip"`` (the degrees of the classes that cannot be placed
   are lowered, round by round, until the sample can hold them; listed in the report) or
   ``"multigraph"`` (caps dropped; multi-arcs and self-loops allowed, the
   result's ``weights`` are arc multiplicities).
6. Construction of a simple digraph with exactly :math:`D'` and :math:`J'`: the directed 2K algorithm
   of Tillman, Markopoulou, Butts & Gjoka (KDD 2017) as a Numba kernel (:func:`._kernels.construct_2k`);
   on a GPU, block-wise configuration matching and JDM-preserving swap repair (:mod:`._cuda`).
7. ``n_swaps`` JDM-preserving double-edge swaps (:func:`._kernels.jdm_swaps`).

``p = 1`` reproduces :math:`J` and :math:`D` exactly. Self-loops of the input are ignored (a simple
digraph has none): :math:`J` and :math:`D` are those of :math:`G` without its loops.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._backend import device_kwargs, is_gpu, move_like, namespace
from .._random import SeedLike, seed_key, uniform_array
from ..errors import GraphsampleError, check_integer, check_number
from ..graph import Graph, check_graph, from_edges
from . import _kernels
from .degree_matrices import jdm_and_dcm
from .metrics import _host_triplets, ks_statistic, triplet_diff, triplet_l1

Rounding = Literal["systematic", "controlled", "independent", "nearest"]
ROUNDINGS = ("systematic", "controlled", "independent", "nearest")
OnInfeasible = Literal["raise", "clip", "multigraph"]

_IPF_MAX_ITER = 500
_IPF_TOL = 1e-9
_MAX_CLIP_ROUNDS = 50
_WALK_STATES = 1 << 21  # the stub walks (step 3 after controlled rounding): (node, progress) states of a search,
_WALK_WORK = 1 << 26  # and states visited by all of them


class InfeasibleSampleError(GraphsampleError):
    """The rescaled degree matrices cannot be realized as a simple digraph.

    Attributes: ``classes`` -- the offending degree classes as ``("out" | "in", degree, deficit)``, largest
    degree first, where ``deficit`` is the number of arc ends the class cannot place; ``min_p`` -- the
    smallest sampling fraction for which the same seed gives a feasible sample (``None`` if none <= 1).
    """

    def __init__(self, message: str, classes: list[tuple[str, int, int]], min_p: float | None):
        super().__init__(message)
        self.classes = classes
        self.min_p = min_p


@dataclass
class JDMReport:
    """What the sampler did and how close the sample is to the rescaled original.

    ``dcm_target``/``jdm_target`` are the integer targets :math:`D'`, :math:`J'` as ``(k, l, count)``
    triplets (the sample's own matrices equal them exactly unless ``fallback == "multigraph"``);
    ``jdm_fit`` is the fractional IPF fit :math:`X` on the same cells. ``dcm_max_dev`` is
    :math:`\\max|D' - pD|` (< 1 + repairs on a class) and ``jdm_max_round`` is :math:`\\max|J' - X|`
    (< 1 unless the caps forced the second flow). L1 deviations are normalised:
    :math:`\\sum|D'-pD|/(pn)` and :math:`\\sum|J'-pJ|/(pm)`. ``exchanges`` counts the unit exchanges of step 3
    (after controlled rounding: its closed walks), ``repairs`` the nodes it added.
    """

    p: float
    n_original: int
    m_original: int
    n: int = 0
    m: int = 0
    rounding: str = "systematic"
    exchanges: int = 0
    repairs: int = 0
    fallback: str = "none"
    construction: str = "cpu"
    clipped: list = field(default_factory=list)
    second_flow: bool = False
    swaps_accepted: int = 0
    dcm_max_dev: float = 0.0
    jdm_max_round: float = 0.0
    dcm_l1: float = 0.0
    jdm_l1: float = 0.0
    ks_in: float = 0.0
    ks_out: float = 0.0
    seconds: float = 0.0
    dcm_target: tuple = ()
    jdm_target: tuple = ()
    jdm_fit: Any = None

    def summary(self) -> dict:
        """The scalar fields, for printing."""
        keys = ("p", "n_original", "m_original", "n", "m", "rounding", "exchanges", "repairs", "fallback",
                "construction", "second_flow", "swaps_accepted", "dcm_max_dev", "jdm_max_round", "dcm_l1", "jdm_l1",
                "ks_in", "ks_out", "seconds")
        out = {k: getattr(self, k) for k in keys}
        out["clipped"] = ", ".join(f"{s} {d}->{c}" for s, d, c in self.clipped) or "none"
        return out


# ----------------------------------------------------------------------------- step 2: rescale D

def rescale_counts(counts: np.ndarray, p: float, key: np.uint64, rounding: Rounding = "systematic",
                   rows: np.ndarray | None = None, cols: np.ndarray | None = None) -> np.ndarray:
    r"""Round :math:`p\cdot` ``counts`` to integers, unbiased (step 2).

    ``"systematic"``: :math:`\lfloor S_i + U\rfloor - \lfloor S_{i-1}+U\rfloor` with cumulative sums
    :math:`S_i` of :math:`p\,c_i` and one uniform :math:`U` (Madow 1949's systematic sampling); any
    contiguous run of entries then sums to within 1 of :math:`p` times its sum. ``"controlled"``: the entries
    are the cells (``rows[i]``, ``cols[i]``) of a table (the out- and in-degrees of the DCM's classes; by
    default one row, a column per entry), and every cell, every sum over the rows up to a row and every sum over
    the columns up to a column is rounded within 1 of :math:`p` times its own, unbiased
    (:func:`_round_prefix_table`): both cumulative margins, the CDFs of the out- and the in-degrees, are kept
    within one node, and the stub balance keeps them so where it can (:func:`walk_stubs`). ``"independent"``:
    :math:`\lfloor pc_i\rfloor` plus an independent Bernoulli of the fractional part per entry. The uniforms
    come from the counter RNG under ``key``, stream ``_kernels.JDM_STREAM_ROUNDING``. ``"nearest"``:
    :math:`pc_i` rounded to the nearest integer (halves to even, as Python's ``round``), deterministic and
    biased: every entry with :math:`pc_i < 1/2` becomes 0. It is the plain rounding of the public reference code,
    kept to compare with.
    """
    _check_rounding(rounding)
    x = p * np.asarray(counts, dtype=np.float64)
    if rounding == "systematic":
        u = float(uniform_array(key, np.full(1, _kernels.JDM_STREAM_ROUNDING, np.int64), np.zeros(1, np.int64))[0])
        c = np.floor(np.concatenate([[0.0], np.cumsum(x)]) + u)
        out = np.diff(c)
        # p = 1: S_i is an integer; exact float sums make this exact, round() guards accumulated error.
        return np.rint(out).astype(np.int64)
    if rounding == "controlled":
        return _round_prefix_table(np.zeros(len(x), np.int64) if rows is None else rows,
                                   np.arange(len(x)) if cols is None else cols, x, key)
    if rounding == "independent":
        u = uniform_array(key, np.full(len(x), _kernels.JDM_STREAM_ROUNDING, np.int64),
                          np.arange(len(x), dtype=np.int64))
        base = np.floor(x)
        return (base + (u < x - base)).astype(np.int64)
    return np.rint(x).astype(np.int64)  # "nearest"


def _round_prefix_table(rows: np.ndarray, cols: np.ndarray, x: np.ndarray, key: np.uint64) -> np.ndarray:
    r"""Round the cells ``x`` of a table (cell ``i`` in row ``rows[i]``, column ``cols[i]``) so that every cell,
    every prefix sum of the rows :math:`S_K = \sum_{k \le K} r_k` and every prefix sum of the columns
    :math:`T_L = \sum_{l \le L} c_l` (rows and columns in increasing order) become their floor or ceiling,
    each with expectation its own value.

    These values form a circulation (:func:`_prefix_network`). Prefix sums are a laminar family on each side, so
    this network is the whole constraint system, and Cox's unbiased rounding of a circulation
    (:func:`._kernels.round_circulation`) rounds every arc at once. The systematic rounding keeps the prefix
    sums of one order (classes by :math:`(k, l)`: the out-degree CDF); this keeps those of both degrees.
    """
    if len(x) == 0:
        return np.zeros(0, np.int64)
    ends, (val,), pot = _prefix_network(rows, cols, x)
    _kernels.round_circulation(ends, val, len(pot), key)
    return np.rint(val[:len(x)]).astype(np.int64)


def _prefix_network(rows: np.ndarray, cols: np.ndarray,
                    *tables: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    r"""The circulation of a table's cells and its row and column prefix sums: ``(ends, values, pot)``, with one
    array of arc values for each of ``tables`` (the cells' values; the arcs are the same for all).

    A chain of column nodes :math:`c_L \to c_{L-1}` carrying :math:`T_{L-1}`, the cells as arcs
    :math:`c_l \to r_k` (the first ``len(rows)`` arcs, in order), a chain of row nodes :math:`r_K \to r_{K+1}`
    carrying :math:`S_K`, closed by the total through one more node (node 0; then the columns, then the rows).
    ``pot`` is each node's row or column value (the closing node's: the largest column), the potential of
    :func:`._kernels.balance_circulation`.
    """
    rv, ri = np.unique(rows, return_inverse=True)
    cv, ci = np.unique(cols, return_inverse=True)
    n_r, n_c = len(rv), len(cv)
    hub, col0, row0 = 0, 1, 1 + n_c  # node ids: the closing node, the column chain, the row chain
    r, c = np.arange(n_r), np.arange(n_c)
    ends = np.concatenate([np.stack([col0 + ci, row0 + ri], 1),  # the cells
                           np.stack([row0 + r[:-1], row0 + r[1:]], 1), [[row0 + n_r - 1, hub]],  # S_0..S_{R-1}
                           [[hub, col0 + n_c - 1]], np.stack([col0 + c[1:], col0 + c[:-1]], 1)])  # T_{C-1}, T_0..
    values = []
    for x in tables:
        S = np.cumsum(np.bincount(ri, weights=x, minlength=n_r))
        T = np.cumsum(np.bincount(ci, weights=x, minlength=n_c))
        values.append(np.concatenate([x, S, T[-1:], T[:-1]]))
    pot = np.concatenate([cv[-1:], cv, rv]).astype(np.int64)
    return ends.astype(np.int64), values, pot


def _check_rounding(rounding: str) -> None:
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}; got {rounding!r}")


# ----------------------------------------------------------------------------- step 3: stub balance

def exchange_stubs(k: np.ndarray, l: np.ndarray, x: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, int]:
    r"""Close the stub gap of the rounded counts ``c`` of ``x = pD`` by unit exchanges inside out-degree rows
    (step 3, first part, except after controlled rounding: :func:`walk_stubs`). Returns the new counts and the
    number of exchanges.

    The gap :math:`g = \sum_i (l_i - k_i)\,c_i` (in-stubs minus out-stubs) is a weighted sum of the rounding
    errors :math:`e_i = c_i - x_i`, since :math:`\sum_i (l_i - k_i) D_i = 0`. Systematic rounding in
    :math:`(k, l)` order makes each error a difference of consecutive fractional parts, so :math:`|g|` grows
    with the spread of :math:`l` inside the rows, not with :math:`l - k`: on email-eu-core at p = 0.5 it
    averages 238 stubs over seeds 0-199, which whole nodes then had to fill (n' 7 % above pn). An *exchange*
    takes one unit from a class rounded up and gives it to a class of the same out-degree :math:`k` rounded
    down: every entry stays :math:`\lfloor x_i\rfloor` or :math:`\lceil x_i\rceil` (each class moves at most
    once), :math:`n'` and every out-degree margin :math:`N'^+(k)` are unchanged, and :math:`g` moves by the
    difference of the two in-degrees. In each row the up-rounded classes (largest :math:`l` first when
    :math:`g > 0`, smallest when :math:`g < 0`) are paired with the down-rounded ones (the other way round)
    while the pair moves :math:`g` towards 0; the pairs of all rows are then taken greedily by decreasing size,
    each one that does not overshoot. What is left (often nothing) goes to :func:`balance_stubs`. The exchanges
    are a deterministic function of the rounding, so :math:`E[D'] = pD` no longer holds exactly; but the nodes
    added by :func:`balance_stubs` were a larger bias. Over seeds 0-999 on email-eu-core at p = 0.37,
    :math:`\sum|E[D'] - pD|` is 7.5 nodes with exchanges (largest class 0.26) against 30.6 without (one class
    23.6 nodes over; ``docs/sampling.md``).
    """
    c = np.array(c, dtype=np.int64)
    gap = int(np.sum((l - k) * c))
    if gap == 0:
        return c, 0
    sign = 1 if gap > 0 else -1
    give = np.flatnonzero(c > np.floor(x))  # rounded up: may lose a unit
    take = np.flatnonzero(c < np.ceil(x))  # rounded down: may gain one
    give = give[np.lexsort((-sign * l[give], k[give]))]  # by row, the largest moves first
    take = take[np.lexsort((sign * l[take], k[take]))]
    # the i-th class of a row in give pairs with the i-th of that row in take (if any): O(N log N) for all rows
    kg, kt = k[give], k[take]
    rank = np.arange(len(give)) - np.searchsorted(kg, kg)
    partner = np.searchsorted(kt, kg) + rank
    has = partner < np.searchsorted(kt, kg, side="right")
    a, b = give[has], take[partner[has]]
    size = sign * (l[a] - l[b])
    useful = size > 0
    a, b, size = a[useful], b[useful], size[useful]
    left, done = abs(gap), 0
    order = np.argsort(-size, kind="stable")  # by decreasing size, each that does not overshoot
    for size_i, a_i, b_i in zip(size[order].tolist(), a[order].tolist(), b[order].tolist()):
        if size_i <= left:
            c[a_i] -= 1
            c[b_i] += 1
            left -= size_i
            done += 1
            if left == 0:
                break
    return c, done


def walk_stubs(k: np.ndarray, l: np.ndarray, x: np.ndarray, c: np.ndarray,
               key: np.uint64) -> tuple[np.ndarray, int]:
    r"""Close the stub gap of a controlled rounding ``c`` of ``x = pD`` without leaving its bounds (step 3, first
    part, after ``rounding="controlled"``). Returns the new counts and the number of closed walks applied.

    That rounding is an integer point of the circulation of :func:`_prefix_network` (classes, cumulative
    out-degree counts :math:`S'_K`, cumulative in-degree counts :math:`T'_L`), each arc at the floor or the
    ceiling of its value under :math:`pD`. The unit exchanges of :func:`exchange_stubs` keep the classes and the
    :math:`S'_K` there, but move every :math:`T'_L` between the two in-degrees exchanged by one, and exchanges
    add up (wiki-vote, p = 0.5, seed 5: two of them left an in-degree count 2.5 nodes off). Here the gap
    :math:`g = \sum_i (l_i - k_i)\,c_i` is closed by closed walks in the residual graph of the circulation
    (:func:`._kernels.balance_circulation`; its first start drawn from stream ``JDM_STREAM_WALKS`` of ``key``).
    A walk moves each arc it runs, a class or a cumulative count, from the floor of its value to the ceiling or
    back, and keeps the circulation. So every class stays :math:`\lfloor pD_i\rfloor` or
    :math:`\lceil pD_i\rceil`, every :math:`S'_K` and :math:`T'_L` within 1 of :math:`p` times the original's
    (both degree CDFs within one node), and :math:`|n' - pn| < 1`; a single margin :math:`N'^\pm(d)`, the
    difference of two cumulative counts, within 2. With node potentials equal to the degrees a class costs
    nothing and a cumulative count the distance to the next degree, so the walks' running costs stay small.

    A balanced table within these bounds need not exist: on cora at :math:`p = 1/2`, where :math:`pn` and the
    cumulative counts of even counts are integers and cannot move, none does. The walks then go on with every
    cumulative count short of :math:`n'` allowed one unit further (CDFs within 2 nodes), and what they leave goes
    to :func:`balance_stubs`, whose nodes move each cumulative count by at most 1 (CDFs within
    ``2 + report.repairs`` nodes). That happens where the classes alone cannot balance: for a single arc
    (classes (1, 0) and (0, 1)) at :math:`p = 1/2`, :math:`n' = 1` is forced and one node has an out-stub or an
    in-stub. Over seeds 0-15 and p = 0.3, 0.5, 0.7 on email-eu-core, p2p-gnutella08 and wiki-vote the walks closed
    every gap within the bounds, every cumulative count within 0.9 (after the exchanges: up to 3.1 in-degree
    nodes off), in at most 12 walks (13 ms median on wiki-vote); on 1,478 random digraphs of 5 to 60 nodes with a
    gap, every gap but the 5 where an exact integer program finds no balanced table either (one of them closed
    with the wider bounds, 4 by added nodes). The walks depend on the rounding, so :math:`E[D'] = pD` no longer
    holds exactly: over seeds 0-999 at p = 0.37, :math:`\sum|E[D'] - pD|` is 10.5 nodes on email-eu-core (largest
    class 0.19) against 7.0 (0.08) with the exchanges and 11.8 (3.6) with added nodes alone, 5.2 (0.43) against
    3.1 (0.07) and 4.2 (0.85) on p2p-gnutella08: a class whose :math:`l - k` closes a common gap in one move is
    moved more often one way than the other.
    """
    c = np.array(c, dtype=np.int64)
    if np.sum((l - k) * c) == 0:
        return c, 0
    ends, (val, at_c), pot = _prefix_network(k, l, x, c.astype(np.float64))
    y = np.rint(at_c).astype(np.int64)
    weight = np.zeros(len(y), np.int64)
    weight[:len(c)] = l - k
    lo = np.floor(val + _kernels._FRAC_EPS).astype(np.int64)
    hi = np.ceil(val - _kernels._FRAC_EPS).astype(np.int64)
    inner = (np.arange(len(y)) >= len(c)) & (ends != 0).all(axis=1)  # the cumulative counts short of n'
    first = int(uniform_array(key, np.full(1, _kernels.JDM_STREAM_WALKS, np.int64), np.zeros(1, np.int64))[0]
                * len(pot))
    walks = 0
    for slack in (0, 1):
        walks += _kernels.balance_circulation(ends, lo - slack * inner, hi + slack * inner, y, weight, pot, first,
                                              _WALK_STATES, _WALK_WORK)
        if np.sum(weight * y) == 0:
            break
    return y[:len(c)], int(walks)


def balance_stubs(k: np.ndarray, l: np.ndarray, c: np.ndarray, orig_k: np.ndarray,
                  orig_l: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Add nodes of class ``(k, 0)`` or ``(0, l)`` until out-stubs equal in-stubs (step 3).

    The class chosen has the largest degree not above the gap among the original classes of that form,
    or is ``(gap, 0)`` / ``(0, gap)`` itself when none fits. Returns the new triplets (sorted by
    ``(k, l)``) and the number of nodes added.
    """
    counts: dict[tuple[int, int], int] = {(int(a), int(b)): int(v) for a, b, v in zip(k, l, c)}
    out_only = np.sort(orig_k[(orig_l == 0) & (orig_k > 0)])
    in_only = np.sort(orig_l[(orig_k == 0) & (orig_l > 0)])
    gap = int(np.sum(l * c) - np.sum(k * c))  # > 0: more in-stubs than out-stubs
    repairs = 0
    while gap != 0:
        pool = out_only if gap > 0 else in_only
        i = np.searchsorted(pool, abs(gap), side="right")
        d = int(pool[i - 1]) if i > 0 else abs(gap)
        cls = (d, 0) if gap > 0 else (0, d)
        counts[cls] = counts.get(cls, 0) + 1
        gap -= d if gap > 0 else -d
        repairs += 1
    keys = sorted(counts)
    ka = np.array([a for a, _ in keys], dtype=np.int64)
    la = np.array([b for _, b in keys], dtype=np.int64)
    ca = np.array([counts[t] for t in keys], dtype=np.int64)
    keep = ca > 0
    return ka[keep], la[keep], ca[keep], repairs


# ----------------------------------------------------------------------------- step 4: fit J

@dataclass
class _Margins:
    """Out-classes (rows) and in-classes (columns) of D' with their node counts and stub totals."""

    row_deg: np.ndarray
    row_nodes: np.ndarray
    col_deg: np.ndarray
    col_nodes: np.ndarray
    dk: np.ndarray
    dl: np.ndarray
    dc: np.ndarray

    @classmethod
    def of(cls, dk: np.ndarray, dl: np.ndarray, dc: np.ndarray) -> _Margins:
        def margin(deg):
            pos = (deg > 0) & (dc > 0)
            vals, inv = np.unique(deg[pos], return_inverse=True)
            return vals.astype(np.int64), np.bincount(inv, weights=dc[pos], minlength=len(vals)).astype(np.int64)

        rd, rn = margin(dk)
        cd, cn = margin(dl)
        return cls(rd, rn, cd, cn, dk, dl, dc)

    @property
    def R(self) -> np.ndarray:
        return self.row_deg * self.row_nodes

    @property
    def C(self) -> np.ndarray:
        return self.col_deg * self.col_nodes

    def caps(self, ri: np.ndarray, ci: np.ndarray) -> np.ndarray:
        """N'out(k) N'in(l) - D'[k, l] for cells given by row/column indices."""
        width = int(max(self.dl.max(initial=0), self.col_deg.max(initial=0))) + 1
        dkeys = self.dk * width + self.dl
        q = self.row_deg[ri] * width + self.col_deg[ci]
        pos = np.clip(np.searchsorted(dkeys, q), 0, max(len(dkeys) - 1, 0))
        diag = np.where((len(dkeys) > 0) & (dkeys[pos] == q), self.dc[pos], 0) if len(dkeys) else 0
        return self.row_nodes[ri] * self.col_nodes[ci] - diag


def _ipf(ri: np.ndarray, ci: np.ndarray, x: np.ndarray, R: np.ndarray, C: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Capped iterative proportional fitting of cell values ``x`` to row sums R and column sums C,
    finished by scaling down any row/column still above its target (so floors never exceed margins)."""
    nr, nc = len(R), len(C)
    x = np.minimum(x, cap)
    for _ in range(_IPF_MAX_ITER):
        rs = np.bincount(ri, weights=x, minlength=nr)
        x = np.minimum(x * np.divide(R, rs, out=np.zeros(nr), where=rs > 0)[ri], cap)
        cs = np.bincount(ci, weights=x, minlength=nc)
        x = np.minimum(x * np.divide(C, cs, out=np.zeros(nc), where=cs > 0)[ci], cap)
        rs = np.bincount(ri, weights=x, minlength=nr)
        if np.max(np.abs(rs - R), initial=0.0) <= _IPF_TOL * max(1.0, float(R.max(initial=1))):
            break
    rs = np.bincount(ri, weights=x, minlength=nr)
    x = x * np.minimum(1.0, np.divide(R, rs, out=np.ones(nr), where=rs > 0))[ri]
    cs = np.bincount(ci, weights=x, minlength=nc)
    return x * np.minimum(1.0, np.divide(C, cs, out=np.ones(nc), where=cs > 0))[ci]


def fit_jdm(jk: np.ndarray, jl: np.ndarray, jc: np.ndarray, p: float, mg: _Margins,
            capped: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Fit an integer JDM to the margins of ``mg`` starting from :math:`p\,J` (step 4).

    Returns ``(row_index, col_index, J', X, r_def, c_def, second_flow)``: the cells (indices into
    ``mg.row_deg`` / ``mg.col_deg``), their integer values, the fractional IPF fit, the remaining row /
    column deficits (all zero when the margins are met; non-zero means the caps make the targets
    infeasible), and whether the second flow over all cells was needed. ``capped=False`` drops the caps.
    """
    R, C = mg.R, mg.C
    nr, nc = len(R), len(C)
    ri = np.searchsorted(mg.row_deg, jk)
    ci = np.searchsorted(mg.col_deg, jl)
    ok = (ri < nr) & (ci < nc)
    ok[ok] &= (mg.row_deg[ri[ok]] == jk[ok]) & (mg.col_deg[ci[ok]] == jl[ok])
    ri, ci, x0 = ri[ok], ci[ok], p * jc[ok].astype(np.float64)
    # rows / columns without support (new classes from the stub balance) get the independence seed
    bare_r = np.flatnonzero(np.bincount(ri, minlength=nr) == 0)
    bare_c = np.flatnonzero(np.bincount(ci, minlength=nc) == 0)
    total = max(float(R.sum()), 1.0)
    for rows, cols in ((bare_r, np.arange(nc)), (np.arange(nr), bare_c)):
        if len(rows) and len(cols):
            rr, cc = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
            ri, ci = np.concatenate([ri, rr]), np.concatenate([ci, cc])
            x0 = np.concatenate([x0, R[rr] * C[cc] / total])
    cell = ri * nc + ci
    cell, first = np.unique(cell, return_index=True)
    ri, ci, x0 = cell // nc, cell % nc, x0[first]
    cap = mg.caps(ri, ci).astype(np.float64) if capped else np.full(len(ri), np.inf)
    X = _ipf(ri, ci, x0, R.astype(np.float64), C.astype(np.float64), cap)
    lo = np.floor(X + 1e-9).astype(np.int64)
    hi = np.where(X - lo > 1e-9, lo + 1, lo)
    xi = lo.copy()
    r_def = R - np.bincount(ri, weights=xi, minlength=nr).astype(np.int64)
    c_def = C - np.bincount(ci, weights=xi, minlength=nc).astype(np.int64)
    _kernels.augment_flow(nr, nc, ri, ci, xi, lo, hi, r_def, c_def, np.argsort(lo - X, kind="stable"))
    second = False
    if r_def.any() or c_def.any():  # caps bind: any integer table 0 <= J' <= cap with the margins
        second = True
        full = np.arange(nr * nc, dtype=np.int64)
        fr, fc = full // nc, full % nc
        fx = np.zeros(nr * nc, np.int64)
        fx[cell] = xi
        fcap = mg.caps(fr, fc) if capped else np.full(nr * nc, np.iinfo(np.int64).max // 4)
        keep = fcap > 0
        fr, fc, fx, fcap = fr[keep], fc[keep], fx[keep], fcap[keep]
        _kernels.augment_flow(nr, nc, fr, fc, fx, np.zeros_like(fx), fcap, r_def, c_def, np.zeros(0, np.int64))
        Xf = np.zeros(nr * nc)
        Xf[cell] = X
        ri, ci, xi, X = fr, fc, fx, Xf[keep]
    return ri, ci, xi, X, r_def, c_def, second


# ----------------------------------------------------------------------------- step 5: feasibility

def _class_deficits(mg: _Margins, r_def: np.ndarray, c_def: np.ndarray) -> list[tuple[str, int, int]]:
    out = [("out", int(mg.row_deg[i]), int(r_def[i])) for i in np.flatnonzero(r_def)]
    out += [("in", int(mg.col_deg[j]), int(c_def[j])) for j in np.flatnonzero(c_def)]
    return sorted(out, key=lambda t: -t[1])


def _clip_hubs(dk: np.ndarray, dl: np.ndarray, dc: np.ndarray, mg: _Margins, r_def: np.ndarray,
               c_def: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    r"""Lower the degrees of the classes that cannot be placed: every out-degree to at most (nodes with
    in-degree > 0) - 1 (and symmetrically), and each class with a deficit of :math:`\delta` arc ends over
    :math:`N` nodes by :math:`\lceil\delta/N\rceil`. Returns the new degrees and ``(side, from, to)``."""
    kmax = max(int(dc[dl > 0].sum()) - 1, 0)
    lmax = max(int(dc[dk > 0].sum()) - 1, 0)
    new_k, new_l = np.minimum(dk, kmax), np.minimum(dl, lmax)
    for deg, new, degs, nodes, deficit in ((dk, new_k, mg.row_deg, mg.row_nodes, r_def),
                                           (dl, new_l, mg.col_deg, mg.col_nodes, c_def)):
        for i in np.flatnonzero(deficit):
            sel = deg == degs[i]
            new[sel] = np.minimum(new[sel], degs[i] - -(-deficit[i] // nodes[i]))
    clipped = [("out", int(a), int(b)) for a, b in sorted(set(zip(dk[new_k != dk], new_k[new_k != dk])))]
    clipped += [("in", int(a), int(b)) for a, b in sorted(set(zip(dl[new_l != dl], new_l[new_l != dl])))]
    return new_k, new_l, clipped


def _merge_classes(dk: np.ndarray, dl: np.ndarray, dc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    width = int(dl.max(initial=0)) + 1
    keys, inv = np.unique(dk * width + dl, return_inverse=True)
    return keys // width, keys % width, np.bincount(inv, weights=dc, minlength=len(keys)).astype(np.int64)


@dataclass
class Targets:
    """The integer targets D' (triplets) and J' (cells over the margins' row/column classes)."""

    mg: _Margins
    ri: np.ndarray
    ci: np.ndarray
    jv: np.ndarray
    X: np.ndarray
    exchanges: int
    repairs: int
    clipped: list
    second_flow: bool
    r_def: np.ndarray
    c_def: np.ndarray
    multigraph: bool = False

    @property
    def feasible(self) -> bool:
        return not (self.r_def.any() or self.c_def.any())


def plan_targets(J: tuple, D: tuple, p: float, key: np.uint64, rounding: Rounding = "systematic",
                 on_infeasible: OnInfeasible = "raise") -> Targets:
    """Steps 2-5 on host triplets ``J = (k, l, count)``, ``D = (k, l, count)``."""
    jk, jl, jc = J
    ok, ol, oc = D
    x = p * np.asarray(oc, dtype=np.float64)
    dc = rescale_counts(oc, p, key, rounding, ok, ol)
    dc, exchanges = walk_stubs(ok, ol, x, dc, key) if rounding == "controlled" else exchange_stubs(ok, ol, x, dc)
    dk, dl, dc, repairs = balance_stubs(ok, ol, dc, ok, ol)
    clipped: list = []
    multigraph = False
    for _ in range(_MAX_CLIP_ROUNDS):
        mg = _Margins.of(dk, dl, dc)
        ri, ci, jv, X, r_def, c_def, second = fit_jdm(jk, jl, jc, p, mg)
        if not (r_def.any() or c_def.any()) or on_infeasible == "raise":
            break
        if on_infeasible == "multigraph":
            multigraph = True
            ri, ci, jv, X, r_def, c_def, second = fit_jdm(jk, jl, jc, p, mg, capped=False)
            break
        dk, dl, more = _clip_hubs(dk, dl, dc, mg, r_def, c_def)
        clipped += more
        dk, dl, dc = _merge_classes(dk, dl, dc)
        dk, dl, dc, extra = balance_stubs(dk, dl, dc, ok, ol)
        repairs += extra
    nz = jv > 0
    return Targets(mg, ri[nz], ci[nz], jv[nz], X[nz], exchanges, repairs, clipped, second, r_def, c_def, multigraph)


def smallest_feasible_p(J: tuple, D: tuple, p: float, key: np.uint64, rounding: Rounding) -> float | None:
    r"""The smallest sampling fraction above ``p`` whose targets are feasible for this seed.

    Starts from the per-class bound :math:`p \ge \max_k (k + f_k)/N^-_{>0}` (and its mirror for
    in-degrees), where :math:`f_k` is the share of out-class :math:`k` nodes that also receive arcs: in
    expectation a node of out-degree :math:`k` needs :math:`k` distinct targets among the
    :math:`pN^-_{>0}` nodes of positive in-degree. From there, bisection (to 0.5%) between that bound
    and 1 on :func:`plan_targets`'s verdict; the value returned is one that was verified feasible
    (``None`` if even ``p = 1`` is not).
    """
    ok, ol, oc = D
    n_in_pos, n_out_pos = oc[ol > 0].sum(), oc[ok > 0].sum()
    bound = p
    for deg, other, npos in ((ok, ol, n_in_pos), (ol, ok, n_out_pos)):
        for d in np.unique(deg[deg > 0]):
            sel = deg == d
            share = oc[sel & (other > 0)].sum() / oc[sel].sum()
            bound = max(bound, (d + share) / max(npos, 1))
    feasible = lambda q: plan_targets(J, D, q, key, rounding).feasible  # noqa: E731
    lo = min(bound, 1.0)
    if feasible(lo):
        return float(lo)
    if not feasible(1.0):
        return None
    hi = 1.0
    while hi - lo > 0.005 * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if feasible(mid) else (mid, hi)
    return float(hi)


# ----------------------------------------------------------------------------- the sampler

def _check_args(G: Graph, p: float, rounding: str, on_infeasible: str, n_swaps: int, progress: Any) -> None:
    check_graph(G)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable progress(message) or None, got {type(progress).__name__}")
    if not G.directed:
        raise GraphsampleError("the JDM/DCM sampler needs a directed graph (its matrices count arcs by out- and "
                               "in-degree); this one is undirected: the classic samplers take it")
    check_number("fraction p", p, 0.0, 1.0, low_open=True)
    if 0 < G.n_nodes and p * G.n_nodes < 1:  # the rescaled class counts round to an empty sample, or to one node
        raise ValueError(f"fraction p = {p:g} keeps p * n = {p * G.n_nodes:.3g} of the {G.n_nodes:,} nodes: the "
                         f"sample would be empty; use p >= 1/n = {1 / G.n_nodes:.3g}")
    _check_rounding(rounding)
    if on_infeasible not in ("raise", "clip", "multigraph"):
        raise ValueError(f"on_infeasible must be 'raise', 'clip' or 'multigraph', not {on_infeasible!r}")
    check_integer("n_swaps", n_swaps)


def _quiet(message: str) -> None:
    """The progress callback of a silent run."""


def _without_loops(G: Graph) -> Graph:
    if G.n_self_loops == 0:
        return G
    src, dst, _ = G.edges()
    keep = src != dst
    return from_edges(src[keep], dst[keep], n_nodes=G.n_nodes, directed=True)


def node_classes(tg: Targets) -> tuple[np.ndarray, np.ndarray]:
    """Out- and in-degree of every node of the sample, nodes numbered class by class."""
    return np.repeat(tg.mg.dk, tg.mg.dc), np.repeat(tg.mg.dl, tg.mg.dc)


def construct_cpu(tg: Targets, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """Step 6 on the host: the Numba directed 2K construction of the targets."""
    out_deg, in_deg = node_classes(tg)
    mg = tg.mg
    n = len(out_deg)
    ocls = np.where(out_deg > 0, np.searchsorted(mg.row_deg, out_deg), -1).astype(np.int64)
    icls = np.where(in_deg > 0, np.searchsorted(mg.col_deg, in_deg), -1).astype(np.int64)
    optr = np.concatenate([[0], np.cumsum(mg.row_nodes)]).astype(np.int64)
    iptr = np.concatenate([[0], np.cumsum(mg.col_nodes)]).astype(np.int64)
    src, dst, status = _kernels.construct_2k(n, out_deg, in_deg, ocls, icls, optr, iptr, tg.ri.astype(np.int64),
                                             tg.ci.astype(np.int64), tg.jv.astype(np.int64), key)
    if status != 0:
        raise GraphsampleError(f"directed 2K construction failed (status {status}); the targets violate "
                               "the realizability conditions, which is a bug: please report it")
    return src, dst


def _multigraph_arcs(tg: Targets, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    from ._cuda import configuration_arcs

    out_deg, in_deg = node_classes(tg)
    return configuration_arcs(out_deg, in_deg, tg.mg.row_deg, tg.mg.col_deg, tg.ri, tg.ci, tg.jv, key)


def _relabel(n: int, src: Any, dst: Any, key: np.uint64, xp: Any) -> tuple[Any, Any]:
    """Random node ids (classes would otherwise be visible in the numbering)."""
    dev = device_kwargs(src)
    u = uniform_array(key, xp.full((n,), _kernels.JDM_STREAM_RELABEL, dtype=xp.int64, **dev),
                      xp.arange(n, dtype=xp.int64, **dev))
    perm = xp.argsort(u, stable=True)
    new = xp.empty_like(perm)
    new[perm] = xp.arange(n, dtype=perm.dtype, **dev)
    return new[src], new[dst]


def jdm_sample(G: Graph, p: float, *, seed: SeedLike = None, rounding: Rounding = "systematic",
               on_infeasible: OnInfeasible = "raise", n_swaps: int = 0,
               progress: Callable[[str], None] | None = None) -> tuple[Graph, JDMReport]:
    r"""Sample a directed graph whose JDM and DCM are linear rescalings (factor ``p``) of ``G``'s.

    Parameters
    ----------
    G : directed :class:`~graphsample.Graph` (NumPy, torch or CuPy; the sample comes back on the same
        backend and device). Self-loops are ignored, weights too.
    p : sampling fraction in [1/n, 1] (a smaller one is a ValueError: the sample would be empty): the sample
        has about ``p * n`` nodes and ``p * m`` arcs, the same degrees, and class counts :math:`D' \approx pD`,
        :math:`J' \approx pJ`. ``"nearest"`` and ``"independent"`` rounding can still round every class to 0 at a
        small p: that is a :class:`~graphsample.errors.GraphsampleError` too.
    seed : int, Generator or None; the same int gives the same graph on every backend of a given
        construction path (CPU kernel or GPU configuration-repair path).
    rounding : ``"systematic"`` (default, out-degree CDF within 1 node), ``"controlled"`` (out- and in-degree
        CDFs within 1 node; within 2 where no table within 1 balances the stubs, 2 + ``report.repairs`` where
        none within 2 does: :func:`walk_stubs`), ``"independent"`` (each class on its own, unbiased) or
        ``"nearest"`` (plain rounding, biased: drops the classes with :math:`pD < 1/2`).
    on_infeasible : ``"raise"`` (:class:`InfeasibleSampleError`), ``"clip"`` or ``"multigraph"``.
    n_swaps : JDM-preserving double-edge swaps attempted after construction (step 7).
    progress : called with a line naming each step as it starts (counting, rounding and fitting, construction,
        swaps, measuring), for a user watching a long run; None for none.

    Returns
    -------
    (S, report): the sample and a :class:`JDMReport`. ``S.node_ids`` is None: the nodes are new.

    References: Y. Yan, KDD 2022 / arXiv 2507.23025 (rescaling); B. Tillman, A. Markopoulou, C. T. Butts,
    M. Gjoka, "Construction of directed 2K graphs", KDD 2017 (construction, realizability).
    """
    _check_args(G, p, rounding, on_infeasible, n_swaps, progress)
    say = _quiet if progress is None else progress
    t0 = time.perf_counter()
    key = seed_key(seed)
    G0 = _without_loops(G)
    say(f"counting the JDM and DCM of {G0.n_nodes:,} nodes, {G0.n_arcs:,} arcs")
    degrees = (G0.out_degree(), G0.in_degree())  # counted once: the two matrices and the report's KS
    J, D = (_host_triplets(t) for t in jdm_and_dcm(G0, *degrees))
    say(f"rounding p*D ({len(D[2]):,} classes) and fitting the JDM ({len(J[2]):,} cells) to it")
    tg = plan_targets(J, D, float(p), key, rounding, on_infeasible)
    report = JDMReport(p=float(p), n_original=G.n_nodes, m_original=G0.n_arcs, rounding=rounding,
                       exchanges=tg.exchanges, repairs=tg.repairs, clipped=tg.clipped, second_flow=tg.second_flow)
    if not tg.feasible:
        classes = _class_deficits(tg.mg, tg.r_def, tg.c_def)
        min_p = smallest_feasible_p(J, D, float(p), key, rounding)
        shown = ", ".join(f"{side}-degree {d} ({miss} arc ends unplaced)" for side, d, miss in classes[:8])
        more = f" and {len(classes) - 8} more" if len(classes) > 8 else ""
        hint = f"smallest feasible p for this seed: {min_p:.4g}" if min_p is not None else "no p <= 1 is feasible"
        raise InfeasibleSampleError(
            f"p={p:g} is too small for the hubs of this graph: the classes {shown}{more} need more distinct "
            f"neighbours than the sample has; {hint}, or pass on_infeasible='clip' or 'multigraph'", classes, min_p)
    if tg.clipped:
        report.fallback = "clip"
    if tg.multigraph:
        report.fallback = "multigraph"
    n = int(tg.mg.dc.sum())
    if n == 0 and G.n_nodes > 0:  # systematic and controlled rounding keep n' within 1 of p n >= 1: never here
        raise GraphsampleError(f"the {rounding} rounding of p * D (p = {p:g}, p * n = {p * G.n_nodes:.3g}) left no "
                               "node: the sample would be empty; use a larger p, or rounding='systematic'")
    say(f"building {n:,} nodes, {int(tg.jv.sum()):,} arcs")
    if report.fallback == "multigraph":
        src, dst = _multigraph_arcs(tg, key)
    else:
        arcs = None
        if is_gpu(G.indptr):
            from ._cuda import construct_gpu

            arcs = construct_gpu(tg, key, G.indptr)
            report.construction = "gpu" if arcs is not None else "cpu (gpu repair stalled)"
        src, dst = construct_cpu(tg, key) if arcs is None else arcs
    if n_swaps and report.fallback != "multigraph":
        say(f"randomising by {n_swaps:,} JDM-preserving swaps")
        if is_gpu(G.indptr):
            from ._cuda import swaps_gpu

            src, dst, report.swaps_accepted = swaps_gpu(n, src, dst, int(n_swaps), key)
        else:
            out_deg, in_deg = node_classes(tg)
            report.swaps_accepted = int(_kernels.jdm_swaps(n, src, dst, out_deg, in_deg, int(n_swaps), key))
    if isinstance(src, np.ndarray):  # host kernel output: to the graph's backend (a device copy only in
        src, dst = move_like(src, G.indptr), move_like(dst, G.indptr)  # the reported GPU fallback)
    xp = namespace(src)
    src, dst = _relabel(n, src, dst, key, xp)
    ones = xp.ones(src.shape[0], dtype=xp.float64, **device_kwargs(src)) if report.fallback == "multigraph" else None
    S = from_edges(src, dst, ones, n_nodes=n, directed=True,
                   duplicates="sum" if report.fallback == "multigraph" else "error")
    say("measuring the sample against its targets")
    _fill_report(report, tg, S, J, D, degrees)
    report.seconds = time.perf_counter() - t0
    return S, report


def _fill_report(report: JDMReport, tg: Targets, S: Graph, J: tuple, D: tuple, degrees: tuple[Any, Any]) -> None:
    p = report.p
    mg = tg.mg
    report.n, report.m = S.n_nodes, int(tg.jv.sum())
    report.dcm_target = (mg.dk, mg.dl, mg.dc)
    report.jdm_target = (mg.row_deg[tg.ri], mg.col_deg[tg.ci], tg.jv)
    report.jdm_fit = tg.X
    report.dcm_max_dev = float(np.abs(triplet_diff(report.dcm_target, D, p)).max(initial=0.0))
    report.jdm_max_round = float(np.abs(tg.jv - tg.X).max(initial=0.0))
    report.dcm_l1 = triplet_l1(report.dcm_target, D, p) / max(p * D[2].sum(), 1e-300)
    report.jdm_l1 = triplet_l1(report.jdm_target, J, p) / max(p * J[2].sum(), 1e-300)
    report.ks_in = ks_statistic(degrees[1], S.in_degree())
    report.ks_out = ks_statistic(degrees[0], S.out_degree())
