"""Graph sampling: the JDM/DCM rescaled sampler, the classic samplers and the metrics that judge them."""

from . import classic
from .classic import (SAMPLERS, forest_fire, frontier, hybrid, induced_edge, metropolis_hastings_walk,
                      non_backtracking_walk, random_degree_node, random_edge, random_node, random_node_edge,
                      random_pagerank_node, random_walk_jump, random_walk_restart, snowball)
from .degree_matrices import degree_correlation_matrix, joint_degree_matrix
from .jdm import InfeasibleSampleError, JDMReport, jdm_sample
from .metrics import Comparison, compare, profile, reciprocity

__all__ = ["joint_degree_matrix", "degree_correlation_matrix", "jdm_sample", "JDMReport", "InfeasibleSampleError",
           "compare", "Comparison", "profile", "reciprocity", "classic", "SAMPLERS",
           "random_node", "random_degree_node", "random_pagerank_node", "random_edge", "random_node_edge", "hybrid",
           "induced_edge", "random_walk_restart", "random_walk_jump", "metropolis_hastings_walk",
           "non_backtracking_walk", "frontier", "forest_fire", "snowball"]
