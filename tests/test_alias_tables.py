"""Alias tables reproduce the arc weights exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsample.walks.alias import build_alias


def implied_probabilities(prob, alias, s, e):
    d = e - s
    p = prob[s:e] / d
    for j in range(d):
        p[alias[s + j]] += (1.0 - prob[s + j]) / d
    return p


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0, 100), min_size=0, max_size=12), min_size=1, max_size=6))
def test_alias_tables_are_exact(rows):
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    weights = np.array([w for r in rows for w in r], dtype=np.float64)
    prob, alias = build_alias(indptr, weights)
    for u, r in enumerate(rows):
        if not r:
            continue
        s, e = indptr[u], indptr[u + 1]
        w = np.asarray(r)
        target = w / w.sum() if w.sum() > 0 else np.full(len(r), 1 / len(r))
        assert np.allclose(implied_probabilities(prob, alias, s, e), target, atol=1e-12)
        assert np.all((alias[s:e] >= 0) & (alias[s:e] < e - s))
