"""Random walks: uniform, weighted, node2vec, restart, self-repellent (SRRW) and the SA-SRRW optimiser."""
