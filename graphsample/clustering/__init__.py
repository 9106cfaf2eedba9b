"""Clustering: PPP (probabilistic partitive partitioning)."""
