"""Graph sampling: the JDM/DCM rescaled sampler, the classic samplers and the metrics that judge them."""

from .degree_matrices import degree_correlation_matrix, joint_degree_matrix

__all__ = ["joint_degree_matrix", "degree_correlation_matrix"]
