"""PageRank: global, personalized, batched, and fully personalized by Monte Carlo; on Dask."""
