"""Data sampling: DPPs, volume sampling, weighted least squares, sensitivity sampling, MIG, kNN."""

from .bases import Discrete, Hermite, Legendre, Tensor, index_set
from .dpp import dpp, k_dpp, projection_dpp
from .leastsquares import (WLSResult, adaptive_dpp_points, approximate, christoffel, design, optimal_density,
                           optimal_weights, projection_dpp_design, projection_dpp_points, repeated_dpp_points,
                           sample_optimal, volume_rescaled_points, wls_fit)
from .volume import column_basis, leverage_sampling, volume_sampling
from .volume import leverage_scores as exact_leverage_scores

__all__ = [
    "Discrete", "Hermite", "Legendre", "Tensor", "index_set",
    "dpp", "k_dpp", "projection_dpp",
    "WLSResult", "adaptive_dpp_points", "approximate", "christoffel", "design", "optimal_density",
    "optimal_weights", "projection_dpp_design", "projection_dpp_points", "repeated_dpp_points",
    "sample_optimal", "volume_rescaled_points", "wls_fit",
    "column_basis", "leverage_sampling", "volume_sampling", "exact_leverage_scores",
]
