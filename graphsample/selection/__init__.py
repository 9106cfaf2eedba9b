"""Data sampling: DPPs, volume sampling, weighted least squares, sensitivity sampling, MIG, kNN."""

from .bases import Discrete, Hermite, Legendre, Tensor, index_set
from .knn import KMeansResult, kmeans, knn, knn_graph
from .mig import (MIGProblem, MIGResult, MIGSelector, build_problem, label_graph, make_phi, mig_run, mig_select,
                  mig_select_greedi)
from .dpp import dpp, k_dpp, projection_dpp
from .leastsquares import (WLSResult, adaptive_dpp_points, approximate, christoffel, design, optimal_density,
                           optimal_weights, projection_dpp_design, projection_dpp_points, repeated_dpp_points,
                           sample_optimal, volume_rescaled_points, wls_fit)
from .regression import LpRegressionResult, lp_objective, lp_regression
from .sensitivity import (LewisReport, inclusion_probabilities, jl_dimension, leverage_scores, lewis_weights,
                          lp_sample, lp_sensitivities, mixture_scores, sample_by_scores, sampling_scores,
                          sensitivity_upper_bound, sketch_size_bound, total_sensitivity)
from .volume import column_basis, leverage_sampling, volume_sampling

__all__ = [
    "Discrete", "Hermite", "Legendre", "Tensor", "index_set",
    "dpp", "k_dpp", "projection_dpp",
    "WLSResult", "adaptive_dpp_points", "approximate", "christoffel", "design", "optimal_density",
    "optimal_weights", "projection_dpp_design", "projection_dpp_points", "repeated_dpp_points",
    "sample_optimal", "volume_rescaled_points", "wls_fit",
    "column_basis", "leverage_sampling", "volume_sampling",
    "LpRegressionResult", "lp_objective", "lp_regression",
    "LewisReport", "inclusion_probabilities", "jl_dimension", "leverage_scores", "lewis_weights", "lp_sample",
    "lp_sensitivities", "mixture_scores", "sample_by_scores", "sampling_scores", "sensitivity_upper_bound",
    "sketch_size_bound", "total_sensitivity",
    "KMeansResult", "kmeans", "knn", "knn_graph",
    "MIGProblem", "MIGResult", "MIGSelector", "build_problem", "label_graph", "make_phi", "mig_run", "mig_select",
    "mig_select_greedi",
]
