"""Shared fixtures: the `backend` fixture runs a test on every array backend present here."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest


def _machine_has_cuda() -> bool:
    return Path("/dev/nvidia0").exists() or Path("/dev/nvidiactl").exists()


# Without a GPU, numba.cuda kernels run on Numba's CUDA simulator (must be set before numba loads).
if not _machine_has_cuda():
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

from graphsample._backend import available_backends, to_backend  # noqa: E402

#: modules whose jitted functions are compiled into kernels of other files. Numba keys a kernel's on-disk cache on
#: the kernel's own file, so after an edit of one of these the cached kernels are stale (a stale one has crashed)
KERNEL_HELPERS = ("_random.py", "walks/_step.py", "walks/alias.py", "walks/_cpu.py", "ranking/_sampler.py",
                  "embedding/_augmentation.py")


def drop_stale_kernel_caches(root: Path) -> int:
    """``make clean-cache`` when it is due: delete every Numba cache file under ``root`` (the package) if one of
    them is not newer than the newest of :data:`KERNEL_HELPERS`. Returns the number of files deleted."""
    caches = [p for p in root.rglob("*.nb[ic]")]
    newest = max((root / h).stat().st_mtime for h in KERNEL_HELPERS)
    if not any(p.stat().st_mtime <= newest for p in caches):  # equal: edited within the clock's resolution
        return 0
    for p in caches:
        p.unlink(missing_ok=True)
    return len(caches)


if "PYTEST_XDIST_WORKER" not in os.environ:  # the controller, before any worker loads a kernel
    import graphsample

    drop_stale_kernel_caches(Path(graphsample.__file__).parent)

_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
if "GRAPHSAMPLE_MIRROR" not in os.environ and _SHARED.is_dir():
    os.environ["GRAPHSAMPLE_MIRROR"] = str(_SHARED)

_BACKENDS = available_backends()


@pytest.fixture(params=_BACKENDS, ids=[f"{b}-{d}" for b, d in _BACKENDS])
def backend(request):
    """(backend, device) pairs: numpy always, torch CPU when installed, cupy / torch-CUDA with a GPU."""
    return request.param


def pytest_collection_modifyitems(items: list) -> None:
    """Mark ``gpu`` the cases of the ``backend`` fixture on a CUDA device, at collection time, so that
    ``-m gpu`` selects them (a marker a fixture adds later is too late for ``-m``)."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if str(params.get("backend", ("", ""))[1]).startswith("cuda"):
            item.add_marker(pytest.mark.gpu)


@pytest.fixture
def to_b(backend):
    """Move a NumPy array to the current backend: ``to_b(np_array)``."""
    b, d = backend
    return lambda a: to_backend(np.asarray(a), b, d)


def skip_unless_on_gpu(lib: str) -> None:
    """Skip the calling test unless ``lib`` (``"cupy"`` or ``"torch"``) can use a CUDA device here
    (a CPU-only torch next to CuPy on a GPU machine cannot)."""
    if (lib, "cuda:0") not in _BACKENDS:
        pytest.skip(f"{lib} cannot use a CUDA device here")


def have_dataset(name: str) -> bool:
    from graphsample.datasets import fetch
    from graphsample.errors import DatasetError

    try:
        fetch(name, download=False)
        return True
    except DatasetError:
        return False


def needs_dataset(name: str):
    """Skip unless the dataset is in the mirror or the cache (tests never download)."""
    return pytest.mark.skipif(not have_dataset(name), reason=f"dataset {name} not available locally")
