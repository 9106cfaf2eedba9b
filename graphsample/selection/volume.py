r"""Volume sampling of rows and leverage-score (i.i.d.) sampling of a data matrix X (N x d).

*Volume sampling* of size :math:`k \ge d` draws :math:`S` with :math:`P(S) \propto \det(X_S^\top X_S)`
(Avron & Boutsidis 2013). Dereziński, Warmuth & Hsu (2018, 2019) show that it is
exactly: :math:`d` rows from the projection DPP of the column space of :math:`X` (kernel
:math:`UU^\top`, :math:`U` an orthonormal basis of :math:`\operatorname{range}(X)`), plus a uniformly random
:math:`(k-d)`-subset of the other rows. That is how we sample it: :func:`~graphsample.selection.dpp.projection_dpp`
on :math:`U` (stream ``b`` for sample ``b``), then padding by the :math:`k-d` smallest of per-row uniform
keys (stream ``PAD_STREAMS + b``, counter = row), identical on every backend. For :math:`k < d` the
determinant above vanishes and the usual definition is :math:`P(S) \propto \det(X_S X_S^\top)`, the k-DPP
of :math:`L = XX^\top`, which we sample with :func:`~graphsample.selection.dpp.k_dpp`.

*Leverage scores* :math:`\ell_i = \|U_i\|^2 = (X (X^\top X)^{+} X^\top)_{ii}` (the exact row norms of
an orthonormal basis; fast approximate scores live in :mod:`graphsample.selection.sensitivity`), and
i.i.d. sampling with :math:`p_i = \ell_i / d` beside volume sampling: it is the marginal of the DPP
part (each DPP item is distributed as :math:`\ell_i/d`). The weighted least-squares use of both is in
Nouy & Michel (2023) and Dereziński & Warmuth (2017).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._random import SeedLike, seed_key, uniform_array
from .._backend import device_kwargs, namespace
from ..errors import check_integer, check_positive
from .dpp import _check_count, _feature_spectrum, _k_dpp, _projection_features, as_matrix, unit_column_svd
from .sensitivity import inverse_cdf, leverage_scores

#: stream offset of the uniform padding keys of volume sampling (sample b uses PAD_STREAMS + b)
PAD_STREAMS = 1 << 61
_XP_CELLS = 1 << 24


def column_basis(X: Any) -> Any:
    r"""Orthonormal basis :math:`U` (N x rank) of the column space of X, from a thin SVD.

    The columns of X are first scaled to unit norm (the column space does not change), then the rank counts
    singular values above :math:`\max(N, d)\,\varepsilon\,\sigma_{\max}`: both by
    :func:`~graphsample.selection.dpp.unit_column_svd`, the rank rule :func:`~graphsample.selection.dpp.k_dpp`
    applies to its features, so the k-DPP branch of :func:`volume_sampling` sees the same rank.
    """
    return _basis(unit_column_svd(as_matrix(X, "X")))


def _basis(svd: tuple[Any, Any, Any, Any, int]) -> Any:
    """:func:`column_basis` from the :func:`~graphsample.selection.dpp.unit_column_svd` of X."""
    U, _, _, _, rank = svd
    if rank == 0:
        raise ValueError("X is zero: its column space is empty")
    return U[:, :rank]


def leverage_sampling(X: Any, n: int, *, seed: SeedLike = None) -> tuple[Any, Any]:
    r"""``n`` i.i.d. row indices with :math:`P(i) = p_i = \ell_i / \operatorname{rank} X`, and ``p``.

    Draw ``s`` is the inverse CDF of ``p`` at the uniform (stream 0, counter ``s``). Reweight a fit by
    :math:`1/(n p_i)` for an unbiased sketch of :math:`X^\top X`.
    """
    check_positive("n", n)
    lev = leverage_scores(as_matrix(X, "X"))
    xp = namespace(lev)
    total = xp.sum(lev)
    if not float(total) > 0:  # the scores are 0/0 probabilities: every draw was the last row
        raise ValueError("X is zero: its column space is empty, so no row has leverage")
    p = lev / total
    dev = device_kwargs(p)
    u = uniform_array(seed_key(seed), xp.zeros(1, dtype=xp.int64, **dev), xp.arange(n, dtype=xp.int64, **dev))
    return inverse_cdf(p, u), p


def volume_sampling(X: Any, k: int, n_samples: int | None = None, *, seed: SeedLike = None) -> Any:
    r"""Exact volume sampling of ``k`` rows of X: :math:`P(S) \propto \det(X_S^\top X_S)`, :math:`|S| = k`.

    For :math:`k \ge d = \operatorname{rank} X`: projection DPP of the column space (d rows) plus
    :math:`k-d` uniform rows (Dereziński, Warmuth & Hsu 2018); for :math:`k < d`:
    :math:`P(S) \propto \det(X_S X_S^\top)` (k-DPP with :math:`L = XX^\top`). Returns sorted indices,
    ``(k,)`` or ``(n_samples, k)``, on X's backend; the same seed gives the same sets on every backend.
    """
    count = _check_count(n_samples)
    X = as_matrix(X, "X")
    N = X.shape[0]
    check_integer("k", k, 1, N)
    svd = unit_column_svd(X)  # once: the basis below and, for k < d, the k-DPP's spectrum
    U = _basis(svd)
    d = U.shape[1]
    key = seed_key(seed)
    if k < d:
        return _k_dpp(int(k), _feature_spectrum(X, svd), count, key, n_samples is not None)
    xp = namespace(U)
    core = _projection_features(U, count, key, 0)
    if k > d:
        core = xp.concat([core, _uniform_padding(core, N, int(k) - d, key)], axis=1)
    out = xp.sort(core, axis=1)
    return out if n_samples is not None else out[0, ...]


def _uniform_padding(core: Any, N: int, m: int, key: np.uint64) -> Any:
    """Per sample, the m rows outside ``core[b]`` with the smallest uniform keys: a uniform m-subset."""
    xp = namespace(core)
    dev = device_kwargs(core)
    B = core.shape[0]
    per = max(1, _XP_CELLS // N)
    cols = xp.arange(N, dtype=xp.int64, **dev)[None, :]
    parts = []
    for b0 in range(0, B, per):
        nb = min(per, B - b0)
        streams = xp.arange(b0, b0 + nb, dtype=xp.int64, **dev)[:, None] + PAD_STREAMS
        keys = uniform_array(key, streams, cols)
        rows = xp.arange(nb, dtype=xp.int64, **dev)[:, None]
        keys[rows, core[b0:b0 + nb, :]] = 2.0
        parts.append(xp.argsort(keys, axis=1)[:, :m])
    return xp.astype(xp.concat(parts, axis=0), xp.int64)
