r"""Orthonormal feature maps :math:`\varphi = (\varphi_1..\varphi_m)` of :math:`V_m \subset L^2_\mu` for weighted least squares.

Every basis is orthonormal in :math:`L^2_\mu` (:math:`\int \varphi_i \varphi_j d\mu = \delta_{ij}`) and offers
what the designs of Nouy & Michel (2023) need:

* ``basis(x)``: the ``(n, m)`` matrix :math:`\varphi_j(x_i)`;
* ``sample_measure(n, rng)``: i.i.d. points from :math:`\mu`;
* ``sample_component(j, rng)``: exact draws from :math:`\varphi_j^2\,d\mu` (one per entry of the index
  array ``j``), from which the optimal density :math:`k_m/m = \frac1m\sum_j \varphi_j^2` is a mixture;
* ``extend(n)``: the nested basis of :math:`V_n \supseteq V_m` (first ``n`` functions), where it exists.

Bases: :class:`Legendre` (uniform measure on [-1, 1]), :class:`Hermite` (standard Gaussian), :class:`Tensor` (products of a univariate family on
total-degree or hyperbolic-cross index sets in d dimensions) and :class:`Discrete` (any user features on a
finite candidate set with weights :math:`\mu_i`; points are candidate indices).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from ..errors import is_integer

#: The most multi-indices :func:`index_set` builds: a basis this large is far beyond any design or fit here.
MAX_INDICES = 1_000_000


@numba.njit(cache=True, nogil=True)
def _legendre_matrix(x, m):
    """phi_j(x_i) = sqrt(2j+1) P_j(x_i), j < m, by the three-term recurrence."""
    out = np.empty((x.shape[0], m))
    for i in range(x.shape[0]):
        p0, p1 = 1.0, x[i]
        for j in range(m):
            if j == 0:
                p = 1.0
            elif j == 1:
                p = x[i]
            else:
                p = ((2 * j - 1) * x[i] * p1 - (j - 1) * p0) / j
                p0, p1 = p1, p
            out[i, j] = np.sqrt(2.0 * j + 1.0) * p
    return out


@numba.njit(cache=True, nogil=True)
def _legendre_single(x, j):
    """P_j(x_i) (standard normalisation, P_j(1) = 1) for one degree j per point."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        p0, p1 = 1.0, x[i]
        if j[i] == 0:
            out[i] = 1.0
            continue
        for k in range(2, j[i] + 1):
            p0, p1 = p1, ((2 * k - 1) * x[i] * p1 - (k - 1) * p0) / k
        out[i] = p1
    return out


@numba.njit(cache=True, nogil=True)
def _hermite_log_ratio(x, j):
    """log of the Mehler-envelope acceptance ratio of :meth:`Hermite.sample_component` (see there)."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        p0, p1 = 0.0, 1.0
        logs = 0.0  # phi_k(x) = p1 * exp(logs): rescaled so that far-tail proposals (phi_j > 1e308) do not overflow
        for k in range(j[i]):
            p0, p1 = p1, (x[i] * p1 - np.sqrt(k) * p0) / np.sqrt(k + 1.0)
            a = abs(p1)
            if a > 1e100:
                p0 /= a
                p1 /= a
                logs += np.log(a)
        t = j[i] / (j[i] + 1.0)
        logt = np.log(t) if j[i] > 0 else 0.0
        out[i] = (2.0 * (np.log(abs(p1) + 1e-300) + logs) + j[i] * logt + 0.5 * np.log1p(-t * t)
                  - t * x[i] ** 2 / (1.0 + t))
    return out


@numba.njit(cache=True, nogil=True)
def _hermite_matrix(x, m):
    """phi_j = He_j / sqrt(j!), orthonormal for the standard Gaussian: phi_{j+1} = (x phi_j - sqrt(j) phi_{j-1}) / sqrt(j+1)."""
    out = np.empty((x.shape[0], m))
    for i in range(x.shape[0]):
        p0, p1 = 0.0, 1.0
        for j in range(m):
            out[i, j] = p1
            p0, p1 = p1, (x[i] * p1 - np.sqrt(j) * p0) / np.sqrt(j + 1.0)
    return out


def _rejection(j: np.ndarray, rng: np.random.Generator, propose, accept) -> np.ndarray:
    """Exact rejection sampling, one point per entry of ``j``: ``propose(jj)`` draws from the envelope,
    ``accept(x, jj)`` is the probability (<= 1) of keeping each proposal."""
    j = np.asarray(j, dtype=np.int64)
    out = np.empty(j.shape[0])
    todo = np.arange(j.shape[0])
    while todo.size:
        jj = j[todo]
        x = propose(jj)
        keep = rng.random(todo.size) < accept(x, jj)
        out[todo[keep]] = x[keep]
        todo = todo[~keep]
    return out


class Basis:
    """Interface of an orthonormal basis of :math:`V_m \\subset L^2_\\mu` (see the module docstring)."""

    m: int
    dim: int

    def __call__(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def sample_measure(self, n: int, rng: np.random.Generator) -> np.ndarray:
        r"""``n`` independent points of the reference measure :math:`\mu`."""
        raise NotImplementedError

    def sample_component(self, j: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        r"""One point of the density :math:`\varphi_j^2\,d\mu` for each index in ``j``, independently (the
        mixture :math:`\frac1m\sum_j \varphi_j^2\,d\mu` is the optimal sampling measure of least squares)."""
        raise NotImplementedError(f"{type(self).__name__} cannot sample phi_j^2 dmu exactly; "
                                  "evaluate it on a candidate set and use Discrete(...) instead")

    def extend(self, n: int) -> Basis:
        """The same family with ``n`` functions, whose first ``m`` are this basis's (nested spaces)."""
        raise NotImplementedError(f"{type(self).__name__} has no nested extension to {n} functions")

    def _check_points(self, x: Any) -> np.ndarray:
        x = _float_array(x, "points")
        if self.dim == 1:
            if x.ndim == 2 and x.shape[1] == 1:
                x = x[:, 0]
            if x.ndim != 1:
                raise ValueError(f"points of a 1-D basis must have shape (n,), got {x.shape}")
        elif x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"points must have shape (n, {self.dim}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("points contain NaN or infinite values")
        return x


def _float_array(x: Any, name: str) -> np.ndarray:
    """``x`` as a float64 array; strings and other non-numbers, and complex numbers (which the cast would cut to
    their real parts), are a ValueError naming ``name``."""
    try:
        a = np.asarray(x)
        real = None if a.dtype.kind == "c" else np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers, got {x!r}") from None
    if real is None:
        raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")
    return real


def _check_m(m: int) -> int:
    if not is_integer(m) or m < 1:
        raise ValueError(f"the number of basis functions must be a positive integer, got {m!r}")
    return int(m)


class _Polynomials(Basis):
    """A univariate orthonormal polynomial family: the first ``m`` functions, evaluated by ``_matrix``."""

    dim = 1

    def __init__(self, m: int) -> None:
        self.m = _check_m(m)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.m})"

    def __call__(self, x: Any) -> np.ndarray:
        return type(self)._matrix(np.ascontiguousarray(self._check_points(x)), self.m)

    def extend(self, n: int) -> _Polynomials:
        return type(self)(n)


class Legendre(_Polynomials):
    r"""Orthonormal Legendre polynomials :math:`\varphi_j = \sqrt{2j+1} P_j`, :math:`j < m`, :math:`\mu = dx/2` on [-1, 1].

    Exact draws from :math:`\varphi_j^2 d\mu` by rejection from the arcsine law: Bernstein's inequality
    :math:`\sqrt{\sin\theta}\,|P_j(\cos\theta)| \le \sqrt{2/(\pi j)}` (Szegő 1975, Thm 7.3.3) gives
    :math:`\varphi_j^2/2 \le \frac{2j+1}{j}\,\frac{1}{\pi\sqrt{1-x^2}}`, so a proposal
    :math:`x = \cos(\pi u)` is kept with probability :math:`\frac{\pi j}{2}\sqrt{1-x^2}\,P_j(x)^2 \le 1`
    (acceptance rate :math:`j/(2j+1) \ge 1/3`).
    """

    _matrix = _legendre_matrix

    def sample_measure(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(-1.0, 1.0, n)

    def sample_component(self, j: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        def propose(jj):  # arcsine law; phi_0^2 dmu is the uniform law itself
            return np.where(jj == 0, rng.uniform(-1.0, 1.0, jj.size), np.cos(np.pi * rng.random(jj.size)))

        def accept(x, jj):
            return np.where(jj == 0, 1.0, 0.5 * np.pi * jj * np.sqrt(1.0 - x * x) * _legendre_single(x, jj) ** 2)

        return _rejection(j, rng, propose, accept)


class Hermite(_Polynomials):
    r"""Orthonormal probabilists' Hermite polynomials :math:`\varphi_j = He_j/\sqrt{j!}`, :math:`\mu = N(0, 1)`.

    Exact draws from :math:`\varphi_j^2 d\gamma` by rejection from a Gaussian envelope given by Mehler's
    formula on the diagonal, :math:`\sum_k t^k \varphi_k(x)^2 = (1-t^2)^{-1/2} e^{t x^2/(1+t)}`
    (:math:`0 < t < 1`): every term is below the sum, so
    :math:`\varphi_j^2 \gamma \le t^{-j}(1-t)^{-1}\,N(0, \tfrac{1+t}{1-t})`. With :math:`t = j/(j+1)`
    (the best constant, :math:`\approx e(j+1)`) the envelope is :math:`N(0, 2j+1)` and a proposal is kept
    with probability :math:`t^j \sqrt{1-t^2}\,\varphi_j(x)^2 e^{-t x^2/(1+t)} \le 1`.
    """

    _matrix = _hermite_matrix

    def sample_measure(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal(n)

    def sample_component(self, j: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return _rejection(j, rng, lambda jj: rng.standard_normal(jj.size) * np.sqrt(2.0 * jj + 1.0),
                          lambda x, jj: np.exp(np.minimum(_hermite_log_ratio(x, jj), 0.0)))


def index_set(d: int, degree: int, kind: str = "total-degree") -> np.ndarray:
    r"""Multi-indices :math:`\alpha \in \mathbb N^d`, graded by :math:`|\alpha|_1` then lexicographically.

    ``"total-degree"``: :math:`|\alpha|_1 \le p`; ``"hyperbolic-cross"``: :math:`\prod_k (\alpha_k + 1) \le p + 1`.
    A set of more than :data:`MAX_INDICES` multi-indices is refused (a ValueError) instead of built.
    """
    if kind not in ("total-degree", "hyperbolic-cross"):
        raise ValueError(f"unknown index set {kind!r}; choose 'total-degree' or 'hyperbolic-cross'")
    if not (is_integer(d) and d >= 1 and is_integer(degree) and degree >= 0):
        raise ValueError(f"the dimension must be an integer >= 1 and the degree an integer >= 0, got d={d!r} and "
                         f"degree={degree!r}")
    # depth-first over the coordinates, extending only admissible prefixes (a prefix is admissible iff zeros
    # complete it), so the work is proportional to the set, not to the (degree + 1)**d candidates; each stack
    # entry carries its prefix's sum (total degree) or product of (a_k + 1) (hyperbolic cross)
    total = kind == "total-degree"
    bound = degree if total else degree + 1
    too_many = ValueError(f"the {kind} index set of dimension {d} and degree {degree} has more than "
                          f"{MAX_INDICES} multi-indices: far too many basis functions")
    if total and math.comb(d + degree, d) > MAX_INDICES:  # its size in closed form
        raise too_many
    keep: list[tuple[int, ...]] = []
    stack: list[tuple[tuple[int, ...], int]] = [((), 0 if total else 1)]
    while stack:
        prefix, acc = stack.pop()
        if len(prefix) == d:
            keep.append(prefix)
            if len(keep) > MAX_INDICES:
                raise too_many
            continue
        a = 0
        while (acc + a if total else acc * (a + 1)) <= bound:
            stack.append((prefix + (a,), acc + a if total else acc * (a + 1)))
            a += 1
    keep.sort(key=lambda a: (sum(a), tuple(-v for v in a)))
    return np.array(keep, dtype=np.int64).reshape(-1, d)


class Tensor(Basis):
    r"""Tensor-product basis :math:`\varphi_\alpha(x) = \prod_k \varphi_{\alpha_k}(x_k)` on a multi-index set.

    The component law :math:`\varphi_\alpha^2 d\mu^{\otimes d}` is a product, so it is sampled one
    coordinate at a time with the univariate family's exact sampler. ``extend(n)`` keeps the basis's own
    indices and appends the total-degree indices it lacks, graded, up to ``n`` (so :math:`V_n \supseteq V_m`
    for any index set, hyperbolic cross included).
    """

    def __init__(self, family: type[Basis], d: int, degree: int, kind: str = "total-degree",
                 indices: np.ndarray | None = None) -> None:
        if not (is_integer(d) and d >= 1):
            raise ValueError(f"the dimension must be an integer >= 1, got d={d!r}")
        if not (isinstance(family, type) and issubclass(family, Basis)):  # int made a Tensor, failing on first use
            raise TypeError(f"family must be a univariate Basis class such as Legendre or Hermite, got {family!r}")
        self.family, self.dim, self.kind = family, int(d), kind
        self.indices = index_set(d, degree, kind) if indices is None else np.asarray(indices)
        if self.indices.ndim != 2 or self.indices.shape[0] == 0 or self.indices.shape[1] != d or \
                self.indices.dtype.kind not in "iu" or self.indices.min() < 0:
            raise ValueError(f"indices must be a non-empty (m, d={d}) array of integers >= 0, got "
                             f"{self.indices.dtype} of shape {self.indices.shape}")
        self.indices = self.indices.astype(np.int64)
        self.m = self.indices.shape[0]
        self._uni = family(int(self.indices.max()) + 1)

    def __repr__(self) -> str:
        return f"Tensor({self.family.__name__}, d={self.dim}, m={self.m}, {self.kind})"

    def __call__(self, x: Any) -> np.ndarray:
        x = self._check_points(x)
        out = np.ones((x.shape[0], self.m))
        for k in range(self.dim):
            out *= self._uni(np.ascontiguousarray(x[:, k]))[:, self.indices[:, k]]
        return out

    def sample_measure(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.stack([self._uni.sample_measure(n, rng) for _ in range(self.dim)], axis=1)

    def sample_component(self, j: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        alpha = self.indices[np.asarray(j, dtype=np.int64)]
        return np.stack([self._uni.sample_component(alpha[:, k], rng) for k in range(self.dim)], axis=1)

    def extend(self, n: int) -> Tensor:
        own = [tuple(a) for a in self.indices.tolist()]
        seen = set(own)
        degree, extra = 0, []
        while len(own) + len(extra) < n:  # own indices first, then the total-degree ones they lack
            extra = [a for a in map(tuple, index_set(self.dim, degree).tolist()) if a not in seen]
            degree += 1
        indices = np.array((own + extra)[:n], dtype=np.int64).reshape(-1, self.dim)
        kind = self.kind if n <= self.m or self.kind == "total-degree" else f"{self.kind} + total-degree"
        return Tensor(self.family, self.dim, max(degree - 1, 0), kind, indices)


class Discrete(Basis):
    r"""A user basis on a finite candidate set: :math:`\mu = \sum_i \mu_i \delta_{x_i}`, points are indices.

    ``features`` (M x m) are the values of any m functions at the M candidates; they are orthonormalised
    in :math:`L^2_\mu` (thin QR of :math:`\operatorname{diag}(\sqrt{\mu}) F`), so the fits and designs are
    those of :math:`V_m = \operatorname{span}` of the given functions. ``weights`` default to uniform.
    Component draws are exact (inverse CDF of :math:`\mu_i \varphi_j(x_i)^2`).
    """

    dim = 1

    def __init__(self, features: Any, weights: Any = None) -> None:
        F = _float_array(features, "features")
        if F.ndim != 2 or F.shape[0] == 0 or F.shape[1] == 0:
            raise ValueError(f"features must be a non-empty 2-D array (candidates x functions), got {F.shape}")
        if not np.all(np.isfinite(F)):
            raise ValueError("features contain NaN or infinite values")
        mu = np.full(F.shape[0], 1.0 / F.shape[0]) if weights is None else _float_array(weights, "weights")
        if mu.shape != (F.shape[0],) or np.any(~np.isfinite(mu)) or np.any(mu < 0) or mu.sum() <= 0:
            raise ValueError("weights must be non-negative, finite, one per candidate, not all zero")
        self.mu = mu / mu.sum()
        Q, R = np.linalg.qr(np.sqrt(self.mu)[:, None] * F)
        diag = np.abs(np.diag(R))
        rank = int(np.sum(diag > diag.max() * max(F.shape) * np.finfo(float).eps))
        if rank < F.shape[1]:
            raise ValueError(f"the features are linearly dependent on the candidates (rank {rank} < {F.shape[1]})")
        with np.errstate(divide="ignore", invalid="ignore"):
            self.table = np.where(self.mu[:, None] > 0, Q / np.sqrt(self.mu)[:, None], 0.0)
        self.m = F.shape[1]
        self._cum = np.cumsum(self.mu[:, None] * self.table**2, axis=0)

    def __repr__(self) -> str:
        return f"Discrete(M={self.table.shape[0]}, m={self.m})"

    def __call__(self, x: Any) -> np.ndarray:
        r"""The (n, m) matrix :math:`\varphi_j(x_i)` at candidate indices ``x`` of shape (n,) or (n, 1), like the
        points of any 1-D basis (a single index gives one row); other shapes raise a ValueError."""
        idx = np.asarray(x)
        if idx.ndim == 2 and idx.shape[1] == 1:
            idx = idx[:, 0]
        if idx.ndim > 1:
            raise ValueError("points of a Discrete basis are candidate indices of shape (n,) or (n, 1), "
                             f"got {idx.shape}")
        if idx.dtype.kind not in "iu" and not np.all(idx == np.round(idx)):
            raise ValueError("points of a Discrete basis are candidate indices (integers)")
        idx = idx.astype(np.int64).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= self.table.shape[0]):
            raise ValueError(f"candidate index out of range 0..{self.table.shape[0] - 1}")
        return self.table[idx]

    def sample_measure(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.minimum(np.searchsorted(np.cumsum(self.mu), rng.random(n), side="right"), self.mu.size - 1)

    def sample_component(self, j: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        j = np.asarray(j, dtype=np.int64)
        u = rng.random(j.shape[0]) * self._cum[-1, j]
        return np.array([np.searchsorted(self._cum[:, jj], uu, side="right") for jj, uu in zip(j, u)], dtype=np.int64)
