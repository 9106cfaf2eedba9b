"""Data sampling: DPPs, volume sampling, weighted least squares, sensitivity sampling, MIG, kNN."""
