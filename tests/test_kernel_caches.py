"""The test suite's guard against stale Numba caches (``conftest.drop_stale_kernel_caches``)."""

from __future__ import annotations

import os
from pathlib import Path

import graphsample

from .conftest import KERNEL_HELPERS, drop_stale_kernel_caches


def _tree(tmp_path: Path) -> tuple[Path, list[Path]]:
    for h in KERNEL_HELPERS:
        (tmp_path / h).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / h).write_text("")
        os.utime(tmp_path / h, (1000, 1000))
    caches = [tmp_path / "walks" / "__pycache__" / "_cpu.walk_kernel-36.py311.nbi",
              tmp_path / "walks" / "__pycache__" / "_cpu.walk_kernel-36.py311.1.nbc",
              tmp_path / "selection" / "__pycache__" / "_mig_cpu.stochastic_greedy-244.py311.nbi"]
    for c in caches:
        c.parent.mkdir(parents=True, exist_ok=True)
        c.write_text("")
        os.utime(c, (2000, 2000))
    return tmp_path, caches


def test_caches_newer_than_every_helper_stay(tmp_path):
    root, caches = _tree(tmp_path)
    assert drop_stale_kernel_caches(root) == 0 and all(c.exists() for c in caches)


def test_an_edited_helper_drops_every_cache(tmp_path):
    """After an edit of _random.py (newer than a cache), a cached kernel of another file may have inlined its old
    code, and test_mig crashed on one: every cache goes, as with `make clean-cache`."""
    root, caches = _tree(tmp_path)
    os.utime(root / "_random.py", (3000, 3000))
    assert drop_stale_kernel_caches(root) == 3 and not any(c.exists() for c in caches)
    assert (root / "_random.py").exists()


def test_one_stale_cache_drops_every_cache(tmp_path):
    """One cache older than the edited helper is stale whatever the others' ages: every cache goes, not only when
    all of them are older (the two newer ones here)."""
    root, caches = _tree(tmp_path)
    os.utime(root / "walks" / "_step.py", (3000, 3000))
    for c in caches[1:]:
        os.utime(c, (4000, 4000))
    assert drop_stale_kernel_caches(root) == 3 and not any(c.exists() for c in caches)


def test_a_cache_as_old_as_a_helper_counts_as_stale(tmp_path):
    """A helper edited within the file system's timestamp resolution of a cache write has the cache's mtime: the
    edit may have come after the compile, so the caches go (a needless recompile at worst)."""
    root, caches = _tree(tmp_path)
    os.utime(root / "ranking" / "_sampler.py", (2000, 2000))
    assert drop_stale_kernel_caches(root) == 3


def test_every_helper_exists():
    root = Path(graphsample.__file__).parent
    assert all((root / h).is_file() for h in KERNEL_HELPERS)
