"""Random walks: uniform, weighted, node2vec, restart, self-repellent (SRRW) and the SA-SRRW optimiser."""

from .alias import alias_draw, build_alias
from .sa_srrw import REGIMES, NodeRegression, SASRRWResult, sa_srrw
from .srrw import SRRWResult, asymptotic_covariance, asymptotic_variance, srrw
from .walk import WalkPaths, random_walks

__all__ = ["random_walks", "WalkPaths", "srrw", "SRRWResult", "asymptotic_covariance", "asymptotic_variance",
           "sa_srrw", "SASRRWResult", "NodeRegression", "REGIMES", "build_alias", "alias_draw"]
