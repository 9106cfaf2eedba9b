"""Alias tables reproduce the arc weights exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsample.errors import GraphValidationError
from graphsample.walks.alias import alias_draw, alias_dtype, build_alias


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


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.01, 100), min_size=1, max_size=9))
def test_alias_draw_maps_two_uniforms_to_the_row_law(w):
    """alias_draw(u1, u2) picks column floor(u1 d), then that column or its alias as u2 < prob: over a grid of u2 at
    every column's midpoint, each arc is drawn with its weight's share (up to the grid's 1/M); u1 = 1 stays in the
    last column."""
    w = np.asarray(w)
    d, M = len(w), 2000
    prob, alias = build_alias(np.array([0, d], np.int64), w)
    freq = np.zeros(d)
    for j in range(d):
        for u2 in (np.arange(M) + 0.5) / M:
            freq[alias_draw(prob, alias, 0, d, (j + 0.5) / d, u2)] += 1
    np.testing.assert_allclose(freq / (d * M), w / w.sum(), atol=1 / M)
    assert alias_draw(prob, alias, 0, d, 1.0, 0.0) == d - 1


@pytest.mark.parametrize("indptr, weights, message", [
    ([0, 3], [1.0, 1.0], "indptr does not run from 0 to the number of weights (2) without decreasing"),
    ([0, 2, 1, 2], [1.0, 1.0], "indptr does not run from 0 to the number of weights (2) without decreasing"),
    ([1, 2], [1.0, 1.0], "indptr does not run from 0 to the number of weights (2) without decreasing"),
    ([0, 2], [1.0, -1.0], "weight of arc 1 is negative (-1.0): weights must be >= 0"),
    ([0, 2], [1.0, np.nan], "weight of arc 1 is nan: weights must be finite"),
    ([0.0, 2.0], [1.0, 1.0], "indptr must be a non-empty 1-D integer array, got float64 of shape (2,)"),
    ([0, 2], ["a", "b"], "weights must be a 1-D array of real numbers, got <U1 of shape (2,)"),
])
def test_bad_arrays_are_refused(indptr, weights, message):
    # an indptr beyond the weights had the kernel read past them; negative or NaN weights gave tables of no
    # distribution: both returned without a word
    with pytest.raises(GraphValidationError) as info:
        build_alias(np.array(indptr), np.array(weights))
    assert str(info.value) == message


def test_lists_are_refused_by_name():
    # host_view's "unsupported array type builtins.list" named neither argument
    with pytest.raises(TypeError, match="^indptr must be a NumPy, CuPy or PyTorch array, not list$"):
        build_alias([0, 2, 3], np.array([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="^weights must be a NumPy, CuPy or PyTorch array, not list$"):
        build_alias(np.array([0, 2, 3]), [1.0, 2.0, 3.0])


def test_integer_weights_are_taken_as_numbers():
    prob, alias = build_alias(np.array([0, 2]), np.array([1, 3]))
    assert np.allclose(implied_probabilities(prob, alias, 0, 2), [0.25, 0.75])


def test_alias_entries_widen_to_int64_for_a_row_of_2_31_arcs():
    """A single row over every arc (GraphVite's start-arc table) holds local indices up to m - 1: int32 wrapped
    them negative beyond 2**31 arcs, and walks started on the wrong arc."""
    assert alias_dtype(np.array([0, 2**31 - 1, 2**31 + 5], np.int64)) == np.int32  # rows of 2**31 - 1 and 6
    assert alias_dtype(np.array([0, 2**31], np.int64)) == np.int64
    assert alias_dtype(np.array([0], np.int64)) == np.int32
    assert build_alias(np.array([0, 2, 3]), np.array([1.0, 3.0, 2.0]))[1].dtype == np.int32
