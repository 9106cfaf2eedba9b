"""The GPU check script's plan names benchmarks and flags that exist (it runs only on a GPU machine, where a
typo would cost a device session)."""

import re

import pytest

from tests import gpu_check


def _flags(name: str) -> set[str]:
    source = (gpu_check.ROOT / "benchmarks" / name).read_text()
    return set(re.findall(r"add_argument\(\s*\"(--[a-z0-9-]+)\"", source))


@pytest.mark.parametrize("name", gpu_check.PRIORITY)
def test_every_gpu_benchmark_takes_gpu_and_its_gpu_only_flags(name):
    flags = _flags(name)
    assert "--gpu" in flags
    assert {a for a in gpu_check.GPU_ONLY.get(name, []) if a.startswith("--")} <= flags  # the rest are values


def test_gpu_only_names_only_planned_benchmarks():
    assert set(gpu_check.GPU_ONLY) <= set(gpu_check.PRIORITY)
