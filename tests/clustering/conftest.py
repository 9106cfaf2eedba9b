"""One BLAS / torch thread for the clustering tests: small matrices, and no spin-waiting on a busy machine."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _single_thread():
    from threadpoolctl import threadpool_limits

    try:
        import torch
    except ImportError:
        torch = None
    old = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    if torch is not None:
        torch.set_num_threads(old)
