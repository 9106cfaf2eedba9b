"""Clustering: PPP (probabilistic partitive partitioning)."""

from .ppp import PPP, adjusted_rand_index, gmm_fit, repeatability

__all__ = ["PPP", "adjusted_rand_index", "gmm_fit", "repeatability"]
