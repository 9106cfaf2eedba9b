"""Node embeddings: FastRP, GraphVite-style LINE / DeepWalk / node2vec, and their evaluation."""
