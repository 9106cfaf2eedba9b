"""Slow NumPy reference of one GraphVite SGD block (float64), the oracle of the kernel tests."""

from __future__ import annotations

import numpy as np

from graphsample._random import random_uniform


def alias_pick(prob: np.ndarray, alias: np.ndarray, u1: float, u2: float) -> int:
    n = prob.shape[0]
    j = min(int(u1 * n), n - 1)
    return j if u2 < prob[j] else int(alias[j])


def reference_block(V, C, heads, tails, nprob, nalias, skey, K, negative_weight, decay, lr0, done, stride,
                    total, batch_size):
    """Same update as ``train_block``, written plainly: returns new (V, C, loss)."""
    V, C = V.astype(np.float64), C.astype(np.float64)
    n_batches = max(total / batch_size, 1.0)
    loss = 0.0
    for k in range(len(heads)):
        lr = lr0 * max(1.0 - ((done + k * stride) // batch_size) / n_batches, 1e-4)
        u = heads[k]
        grad = np.zeros(V.shape[1])
        for n in range(K + 1):
            if n == 0:
                c, w, label = tails[k], 1.0, 1.0
            else:
                cnt = 2 * (k * K + n - 1)
                c = alias_pick(nprob, nalias, random_uniform(skey, cnt), random_uniform(skey, cnt + 1))
                w, label = negative_weight, 0.0
            logit = V[u] @ C[c]
            sig = 1.0 / (1.0 + np.exp(-logit))
            loss += w * np.logaddexp(0.0, -logit if label else logit)  # -log sig(±logit), finite at saturation
            g = w * (sig - label)
            grad += g * C[c]
            C[c] = C[c] - lr * (g * V[u] + decay * C[c])
        V[u] = V[u] - lr * (grad + decay * V[u])
    return V, C, loss
