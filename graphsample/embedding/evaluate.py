r"""The standard protocols that score node embeddings: multi-label node classification and link prediction.

**Node classification** (Perozzi et al., DeepWalk, KDD 2014; Chen et al., FastRP, CIKM 2019; Zhu et al.,
GraphVite, WWW 2019). For each training ratio :math:`r` and each of ``repeats`` random shuffles, the
first :math:`\lfloor r n \rfloor` labelled nodes train one binary logistic regression per label
(scikit-learn, one-vs-rest) on the embedding rows; the other nodes are predicted. Scores are micro-F1
(F1 of all (node, label) decisions pooled) and macro-F1 (mean of the per-label F1), averaged over the
shuffles, under two decision rules:

* ``"topk"``: each test node gets its *true number* :math:`k_v` of labels, the :math:`k_v` most
  probable ones. This is the rule of the published tables, but it uses the test labels' count;
  L.-C. Lin et al. ("On the Use of Unrealistic Predictions in Hundreds of Papers Evaluating Graph
  Representations", AAAI 2022; see also Tsoumakas & Katakis) show that it inflates scores.
* ``"threshold"``: a label is predicted when its probability is at least 0.5; a node with none
  gets its single most probable label (argmax). It needs nothing from the test labels.

**Link prediction.** :func:`split_edges` holds out a fraction of the edges of an undirected graph; the
edges of a random spanning forest are never held out, so every connected component stays connected.
Negatives are node pairs with no edge, drawn uniformly. :func:`link_prediction` scores a pair by
the dot product of its two embeddings, or by a logistic regression on their Hadamard product fitted
on the training edges and training negatives, and reports the ROC-AUC on the held-out pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._backend import optional_import, to_numpy
from .._random import SeedLike, check_seed
from ..errors import GraphValidationError, check_number, check_positive, is_integer
from ..graph import Graph, from_edges, with_distinct_labels

Rule = Literal["topk", "threshold"]
Scoring = Literal["hadamard", "dot"]

DEFAULT_RATIOS = tuple(round(0.1 * i, 1) for i in range(1, 10))


# ---------------------------------------------------------------------------- inputs
def _sklearn(module: str) -> Any:
    """A scikit-learn submodule, or a clear error naming the package when it is missing."""
    return optional_import(f"sklearn.{module}")


def as_label_matrix(labels: Any, n_nodes: int | None = None) -> Any:
    """Labels as a binary ``scipy.sparse.csr_array`` of shape (n_nodes, n_labels).

    Accepts a (sparse or dense) 0/1 matrix, or a 1-D array of class ids (single-label; negative means
    unlabelled), on any backend.
    """
    import scipy.sparse as sp

    if sp.issparse(labels):
        Y = sp.csr_array(labels)
    else:
        try:
            y = np.asarray(to_numpy(labels) if not isinstance(labels, list | tuple) else labels)
        except ValueError:  # ragged lists
            raise ValueError("labels must be a 1-D class vector or a 2-D 0/1 matrix, got a ragged list") from None
        if y.ndim == 1:
            if y.dtype.kind not in "iu":
                raise ValueError(f"labels must be integer class ids when 1-D, got dtype {y.dtype}")
            known = y >= 0
            classes, idx = np.unique(y[known], return_inverse=True)
            Y = sp.csr_array((np.ones(idx.size), (np.flatnonzero(known), idx)), shape=(y.size, classes.size))
        elif y.ndim == 2:
            if not np.all(np.isfinite(y.astype(np.float64))):
                raise ValueError("labels contain NaN or infinite values")
            Y = sp.csr_array(y)
        else:
            raise ValueError(f"labels must be a 1-D class vector or a 2-D 0/1 matrix, got {y.ndim} dimensions")
    Y.sum_duplicates()
    if Y.nnz and not np.all((Y.data == 0) | (Y.data == 1)):
        raise ValueError("labels must contain only 0 and 1 (a label matrix)")
    Y.eliminate_zeros()
    if n_nodes is not None and Y.shape[0] != n_nodes:
        raise ValueError(f"labels have {Y.shape[0]} rows but the embedding has {n_nodes}")
    if Y.shape[1] == 0:
        raise ValueError("labels have no classes")
    return Y.astype(np.int8)


def _as_embedding(embedding: Any) -> np.ndarray:
    E = np.asarray(to_numpy(embedding) if not isinstance(embedding, list | tuple) else embedding)
    if E.ndim != 2 or E.shape[0] == 0 or E.shape[1] == 0:
        raise ValueError(f"an embedding must be a non-empty 2-D array (nodes x dimensions), got shape {E.shape}")
    if E.dtype.kind not in "fiu":
        raise ValueError(f"an embedding must be numeric, got dtype {E.dtype}")
    if not np.all(np.isfinite(E)):
        raise ValueError("the embedding contains NaN or infinite values")
    return E


def _check_classifier(C: float, max_iter: int, n_jobs: int | None = None) -> None:
    """The logistic regressions' ``C`` (> 0, finite), ``max_iter`` (a positive integer) and ``n_jobs`` (None, or
    an integer other than 0: joblib's -1 is every core)."""
    check_number("C", C, 0.0, low_open=True)
    check_positive("max_iter", max_iter)
    if n_jobs is not None and (not is_integer(n_jobs) or n_jobs == 0):
        raise ValueError(f"n_jobs must be None or an integer other than 0 (joblib's: -1 is every core), got {n_jobs!r}")


def _check_ratios(ratios: Any) -> tuple[float, ...]:
    r = np.atleast_1d(np.asarray(ratios))
    if r.size == 0 or r.ndim != 1 or r.dtype.kind not in "iuf" or not np.all((r > 0) & (r < 1)):
        raise ValueError(f"training ratios must be numbers strictly between 0 and 1, got {ratios!r}")
    return tuple(float(x) for x in r)


# ---------------------------------------------------------------------------- node classification
def predict_labels(proba: np.ndarray, rule: Rule, k: np.ndarray | None = None) -> np.ndarray:
    """0/1 predictions from label probabilities ``proba`` (nodes x labels) under a decision ``rule``.

    ``"topk"`` marks the ``k[v]`` most probable labels of node v (ties broken by label order);
    ``"threshold"`` marks labels with probability >= 0.5, or the argmax when there is none.
    """
    n, L = proba.shape
    pred = np.zeros((n, L), dtype=np.int8)
    if rule == "topk":
        if k is None:
            raise ValueError("the top-k rule needs the number of labels of every node")
        order = np.argsort(-proba, axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(L)[None, :].repeat(n, 0), axis=1)
        pred[ranks < np.asarray(k)[:, None]] = 1
    elif rule == "threshold":
        pred[proba >= 0.5] = 1
        none = pred.sum(axis=1) == 0
        pred[np.flatnonzero(none), np.argmax(proba[none], axis=1)] = 1
    else:
        raise ValueError(f"unknown decision rule {rule!r}; choose 'topk' or 'threshold'")
    return pred


def f1_scores(Y_true: Any, Y_pred: Any) -> tuple[float, float]:
    """(micro-F1, macro-F1) of 0/1 matrices; a label with no true and no predicted node scores 0."""
    f1_score = _sklearn("metrics").f1_score
    return (float(f1_score(Y_true, Y_pred, average="micro", zero_division=0)),
            float(f1_score(Y_true, Y_pred, average="macro", zero_division=0)))


@dataclass
class ClassificationReport:
    """Scores of :func:`node_classification`: one row per training ratio.

    Each row holds ``ratio``, ``n_train``, and for each rule (``topk``, ``threshold``) the mean and
    the standard deviation over the shuffles of micro- and macro-F1, in percent:
    ``micro_topk``, ``micro_topk_std``, ``macro_topk``, ... ``macro_threshold_std``.
    """

    rows: list[dict]
    repeats: int
    params: dict = field(default_factory=dict)

    def row(self, ratio: float) -> dict:
        """The row of one training ratio."""
        for r in self.rows:
            if abs(r["ratio"] - ratio) < 1e-9:
                return r
        raise KeyError(f"ratio {ratio} was not evaluated")

    def table(self) -> str:
        """A markdown table of the scores."""
        head = "| train ratio | micro-F1 top-k | macro-F1 top-k | micro-F1 threshold | macro-F1 threshold |"
        lines = [head, "|---|---|---|---|---|"]
        for r in self.rows:
            lines.append(f"| {r['ratio']:.0%} | {r['micro_topk']:.2f} ± {r['micro_topk_std']:.2f} "
                         f"| {r['macro_topk']:.2f} ± {r['macro_topk_std']:.2f} "
                         f"| {r['micro_threshold']:.2f} ± {r['micro_threshold_std']:.2f} "
                         f"| {r['macro_threshold']:.2f} ± {r['macro_threshold_std']:.2f} |")
        return "\n".join(lines)


def node_classification(embedding: Any, labels: Any, *, ratios: Any = DEFAULT_RATIOS, repeats: int = 10,
                        C: float = 1.0, max_iter: int = 200, tol: float = 1e-4, n_jobs: int | None = None,
                        seed: SeedLike = None) -> ClassificationReport:
    r"""Multi-label node classification scores of an embedding (DeepWalk / FastRP / GraphVite protocol).

    For every ratio :math:`r` and each of ``repeats`` shuffles of the labelled nodes (nodes with at
    least one label), the first :math:`\lfloor r\,n_\ell \rfloor` train a one-vs-rest L2-regularised
    logistic regression (``sklearn.linear_model.LogisticRegression(C, solver="lbfgs")``) and the rest
    are predicted with both decision rules of :func:`predict_labels`. The shuffles are drawn once from
    ``seed`` and shared by all ratios. Returns a :class:`ClassificationReport` (percent).

    Parameters
    ----------
    embedding : (n, d) array of any backend (copied to the host).
    labels : (n, L) 0/1 matrix (scipy sparse or dense) or 1-D class ids (see :func:`as_label_matrix`).
    ratios : training fractions in (0, 1).
    repeats : shuffles per ratio (>= 1).
    C, max_iter, tol : of the logistic regressions (inverse regularisation strength, solver limits).
    n_jobs : labels fitted in parallel by scikit-learn's ``OneVsRestClassifier``.
    seed : int, Generator or None.
    """
    LogisticRegression = _sklearn("linear_model").LogisticRegression
    OneVsRestClassifier = _sklearn("multiclass").OneVsRestClassifier
    E = _as_embedding(embedding)
    Y = as_label_matrix(labels, E.shape[0])
    if Y.shape[1] < 2:
        raise ValueError("labels have a single class, and node classification needs at least two labels (classes): "
                         "with one, every labelled node carries it and there is nothing to predict")
    ratios = _check_ratios(ratios)
    check_positive("repeats", repeats)
    _check_classifier(C, max_iter, n_jobs)
    labelled = np.flatnonzero(np.diff(Y.indptr) > 0)
    if labelled.size < 2:
        raise ValueError("labels must mark at least two nodes (the others are unlabelled)")
    rng = check_seed(seed)
    shuffles = [rng.permutation(labelled) for _ in range(repeats)]
    rows = []
    for ratio in ratios:
        n_train = math.floor(round(ratio * labelled.size, 6))  # floor(r n) without float error (0.7 * 90)
        if n_train < 1 or n_train >= labelled.size:
            raise ValueError(f"training ratio {ratio} leaves an empty training or test set "
                             f"({labelled.size} labelled nodes)")
        scores: dict[str, list[float]] = {}
        for perm in shuffles:
            train, test = perm[:n_train], perm[n_train:]
            clf = OneVsRestClassifier(LogisticRegression(C=C, solver="lbfgs", max_iter=max_iter, tol=tol),
                                      n_jobs=n_jobs)
            clf.fit(E[train], Y[train].toarray())
            proba = clf.predict_proba(E[test])
            Y_test = Y[test].toarray()
            for rule in ("topk", "threshold"):
                micro, macro = f1_scores(Y_test, predict_labels(proba, rule, Y_test.sum(axis=1)))
                scores.setdefault(f"micro_{rule}", []).append(100 * micro)
                scores.setdefault(f"macro_{rule}", []).append(100 * macro)
        row: dict[str, Any] = {"ratio": ratio, "n_train": n_train}
        for name, vals in scores.items():
            row[name] = float(np.mean(vals))
            row[f"{name}_std"] = float(np.std(vals))
        rows.append(row)
    return ClassificationReport(rows, repeats, {"C": C, "max_iter": max_iter, "tol": tol})


# ---------------------------------------------------------------------------- link prediction
@dataclass
class EdgeSplit:
    """A train/test split of an undirected graph's edges for link prediction.

    ``train_graph`` keeps the training edges (all nodes), on the backend and device of the split graph;
    ``*_pos`` / ``*_neg`` are (k, 2) int64 host arrays of node pairs: training edges, held-out edges, and
    sampled non-edges.
    """

    train_graph: Graph
    train_pos: np.ndarray
    train_neg: np.ndarray
    test_pos: np.ndarray
    test_neg: np.ndarray


def _spanning_forest(n: int, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mask of the edges (src[i], dst[i]) in a random spanning forest (minimum tree of random weights)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import minimum_spanning_tree

    w = rng.random(src.size) + 1e-9  # strictly positive: explicit zeros would be dropped
    T = minimum_spanning_tree(sp.csr_array((w, (src, dst)), shape=(n, n))).tocoo()
    tree = np.minimum(T.row, T.col).astype(np.int64) * n + np.maximum(T.row, T.col)
    return np.isin(src * n + dst, tree)


def sample_non_edges(G: Graph, count: int, rng: np.random.Generator, exclude: np.ndarray | None = None) -> np.ndarray:
    """``count`` distinct node pairs (u < v) with no edge in ``G`` (read as undirected; and not in
    ``exclude``, a (k, 2) array of pairs u < v), uniform among such pairs."""
    G = G.to_undirected() if G.directed else G
    n = G.n_nodes
    src, dst = (to_numpy(a).astype(np.int64) for a in G.edges()[:2])
    if exclude is not None and exclude.size:
        pairs = np.asarray(exclude, dtype=np.int64).reshape(-1, 2)
        src, dst = np.concatenate([src, pairs[:, 0]]), np.concatenate([dst, pairs[:, 1]])
    off = src != dst
    src, dst = src[off], dst[off]
    taken = np.unique(np.minimum(src, dst) * n + np.maximum(src, dst))  # unordered pairs, no self-loops
    possible = n * (n - 1) // 2 - taken.size
    if count > possible:
        raise ValueError(f"cannot draw {count} non-edges: the graph has only {possible}"
                         + (" outside the excluded pairs" if exclude is not None and exclude.size else ""))
    found = np.zeros(0, dtype=np.int64)
    while found.size < count:
        need = count - found.size
        u = rng.integers(0, n, size=2 * need + 16)
        v = rng.integers(0, n, size=2 * need + 16)
        ok = u != v
        keys = np.minimum(u, v)[ok] * n + np.maximum(u, v)[ok]
        keys = keys[~np.isin(keys, taken)]
        keys = keys[~np.isin(keys, found)]
        _, first = np.unique(keys, return_index=True)
        found = np.concatenate([found, keys[np.sort(first)][:need]])
    return np.stack([found // n, found % n], axis=1)


def split_edges(G: Graph, test_fraction: float = 0.5, *, keep_connected: bool = True,
                seed: SeedLike = None) -> EdgeSplit:
    """Hold out ``test_fraction`` of the edges of ``G`` (read as undirected) for link prediction.

    With ``keep_connected`` the edges of a random spanning forest stay in training, so no connected
    component falls apart (the held-out fraction is then at most (m - n + c) / m). Negatives: as many
    non-edges of the full graph as positives, for training and for testing, disjoint. Self-loops are
    never held out: they stay in ``train_graph`` (they are not among the positive pairs). ``train_graph`` is on
    ``G``'s backend and device; the pair arrays are host arrays.
    """
    check_number("test_fraction", test_fraction, 0.0, 1.0, low_open=True, high_open=True)
    if G.n_nodes < 2:
        raise GraphValidationError("link prediction needs a graph with at least 2 nodes")
    rng = check_seed(seed)
    H = G.to_undirected() if G.directed else G
    src, dst, w = (to_numpy(a) for a in H.edges())
    loop = src == dst
    loops, loop_w = src[loop].astype(np.int64), None if w is None else w[loop]
    upper = src < dst
    src, dst = src[upper].astype(np.int64), dst[upper].astype(np.int64)
    w = None if w is None else w[upper]
    m = src.size
    if m < 2:
        raise GraphValidationError("link prediction needs a graph with at least 2 edges (self-loops aside)")
    if int(round(test_fraction * m)) == 0:
        raise GraphValidationError(f"test_fraction {test_fraction} of {m} edges rounds to 0 held-out edges")
    fixed = _spanning_forest(G.n_nodes, src, dst, rng) if keep_connected else np.zeros(m, dtype=bool)
    candidates = rng.permutation(np.flatnonzero(~fixed))
    n_test = min(int(round(test_fraction * m)), candidates.size)
    if n_test == 0:
        raise GraphValidationError("no edge can be held out without disconnecting the graph "
                                   "(it is a forest); use keep_connected=False")
    test = np.zeros(m, dtype=bool)
    test[candidates[:n_test]] = True
    train = ~test
    train_graph = from_edges(np.concatenate([src[train], loops]), np.concatenate([dst[train], loops]),
                             None if w is None else np.concatenate([w[train], loop_w]), n_nodes=G.n_nodes,
                             directed=False)
    train_graph = with_distinct_labels(train_graph, G.node_ids).to(G.backend, G.device)
    neg = sample_non_edges(H, int(train.sum()) + n_test, rng)
    return EdgeSplit(train_graph, np.stack([src[train], dst[train]], 1), neg[n_test:],
                     np.stack([src[test], dst[test]], 1), neg[:n_test])


def pair_features(embedding: np.ndarray, pairs: np.ndarray, scoring: Scoring) -> np.ndarray:
    """Edge features of node pairs: the Hadamard product (k, d) or the dot product (k,)."""
    prod = embedding[pairs[:, 0]] * embedding[pairs[:, 1]]
    if scoring == "hadamard":
        return prod
    if scoring == "dot":
        return prod.sum(axis=1)
    raise ValueError(f"unknown scoring {scoring!r}; choose 'hadamard' or 'dot'")


@dataclass
class LinkPredictionReport:
    """ROC-AUC (0..1) of the held-out edges against the held-out non-edges, and how it was scored."""

    auc: float
    scoring: str
    n_test: int


def link_prediction(embedding: Any, split: EdgeSplit, *, scoring: Scoring = "hadamard", C: float = 1.0,
                    max_iter: int = 500) -> LinkPredictionReport:
    r"""ROC-AUC of an embedding of ``split.train_graph`` on the held-out edges of ``split``.

    ``"dot"`` scores a pair :math:`(u, v)` by :math:`e_u \cdot e_v`; ``"hadamard"`` by a logistic
    regression on :math:`e_u \odot e_v` (Grover & Leskovec, node2vec, KDD 2016) trained on the
    training edges versus the training non-edges.
    """
    if not isinstance(split, EdgeSplit):
        raise TypeError(f"split must be the EdgeSplit of split_edges, got {type(split).__name__}")
    _check_classifier(C, max_iter)
    LogisticRegression = _sklearn("linear_model").LogisticRegression
    roc_auc_score = _sklearn("metrics").roc_auc_score
    E = _as_embedding(embedding)
    if E.shape[0] != split.train_graph.n_nodes:
        raise ValueError(f"the embedding has {E.shape[0]} rows but the graph has {split.train_graph.n_nodes} nodes")
    test = np.concatenate([split.test_pos, split.test_neg])
    y_test = np.r_[np.ones(len(split.test_pos)), np.zeros(len(split.test_neg))]
    if scoring == "dot":
        score = pair_features(E, test, "dot")
    else:
        train = np.concatenate([split.train_pos, split.train_neg])
        y_train = np.r_[np.ones(len(split.train_pos)), np.zeros(len(split.train_neg))]
        clf = LogisticRegression(C=C, max_iter=max_iter).fit(pair_features(E, train, scoring), y_train)
        score = clf.decision_function(pair_features(E, test, scoring))
    return LinkPredictionReport(float(roc_auc_score(y_test, score)), scoring, int(len(split.test_pos)))
