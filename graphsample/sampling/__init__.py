"""Graph sampling: the JDM/DCM rescaled sampler, the classic samplers and the metrics that judge them."""

from .degree_matrices import degree_correlation_matrix, joint_degree_matrix
from .jdm import InfeasibleSampleError, JDMReport, jdm_sample
from .metrics import Comparison, compare, profile, reciprocity

__all__ = ["joint_degree_matrix", "degree_correlation_matrix", "jdm_sample", "JDMReport", "InfeasibleSampleError",
           "compare", "Comparison", "profile", "reciprocity"]
