r"""The SGD step of the GraphVite trainer, written once for Numba CPU and numba.cuda.

GraphVite (Zhu et al., WWW 2019) trains LINE's model: the score of a pair is :math:`z = x_u \cdot y_c`, the
loss of a positive sample is :math:`\operatorname{softplus}(-z)` and that of each of its ``K`` negatives,
weighted by ``negative_weight``, :math:`\operatorname{softplus}(z)`. Three scalar pieces of the update are
the same in the CPU kernel (:func:`graphsample.embedding._graphvite_cpu.train_block`) and the GPU one
(:mod:`graphsample.embedding._graphvite_cuda`), and live here:

* :func:`negative` -- negative ``n`` of sample ``k``, an alias draw over the tail partition's
  :math:`\deg^{0.75}` table with the counters ``2 (k K + n)`` and ``2 (k K + n) + 1`` of the block's stream;
* :func:`learning_rate` -- sample ``k`` of a block counts as sample ``done + k * stride`` of the run; its
  rate is ``lr0`` times :math:`1 - b / B` (``b`` its batch of ``batch_size`` samples, ``B`` the run's
  batches), at least ``1e-4 * lr0``;
* :func:`logistic` -- the loss term and the gradient factor :math:`g = w (\sigma(z) - \text{label})` from
  one exponential: with :math:`e = \exp(-|z|)`, :math:`\operatorname{softplus}(z) = \log(1 + e) + \max(z,
  0)`, and :math:`\sigma(z) = 1 / (1 + e)` for :math:`z \ge 0`, :math:`e / (1 + e)` below; neither
  overflows.

:func:`make_sgd_functions` compiles them with ``numba.njit(inline="always")`` for the CPU and with
``cuda.jit(device=True)`` for the GPU. After editing this file, clear the Numba cache of the CPU kernels
(``make clean-cache``).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np


def make_sgd_functions(jit: Callable, rng: Any, alias_draw: Callable, exp: Callable) -> SimpleNamespace:
    """Compile :func:`negative`, :func:`learning_rate` and :func:`logistic` with ``jit``, against the RNG
    namespace ``rng`` (``random_uniform``), the walk engine's alias draw and a float32 exponential ``exp``."""
    random_uniform = rng.random_uniform

    def negative(nprob, nalias, skey, k, K, n):
        cnt = 2 * (k * K + n)
        return alias_draw(nprob, nalias, 0, nprob.shape[0], random_uniform(skey, cnt), random_uniform(skey, cnt + 1))

    def learning_rate(lr0, done, k, stride, batch_size, n_batches):
        frac = 1.0 - ((done + k * stride) // batch_size) / n_batches
        return np.float32(lr0 * (frac if frac > 1e-4 else 1e-4))

    def logistic(z, label, weight):
        e = exp(-abs(z))
        loss = weight * (math.log1p(e) + max(-z if label > 0 else z, np.float32(0.0)))
        g = weight * ((np.float32(1.0) if z >= 0 else e) / (np.float32(1.0) + e) - label)
        return loss, g

    return SimpleNamespace(negative=jit(negative), learning_rate=jit(learning_rate), logistic=jit(logistic))
