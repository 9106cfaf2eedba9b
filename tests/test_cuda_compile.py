"""Every numba.cuda kernel compiles to PTX for sm_90 with every argument signature the simulator tests launch,
and the kernels promised to equal the CPU bit for bit hold no fused multiply-add.

The simulator never compiles a kernel; this check does, without a GPU (see :mod:`tests.cuda_compile`).
It needs numba.cuda with NVVM (``pip install -e ".[cuda-check]"``) and is skipped without them, and on a
machine with a GPU, where the suite runs the kernels on the device.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cuda_compile import KERNELS, LEAN_WALK_REGISTERS, SIGNATURES_ENV, declared_kernels

ROOT = Path(__file__).resolve().parents[1]


def run_python(*args: str, simulator: bool, **env: str) -> subprocess.CompletedProcess:
    """``python *args`` in the repository root, with or without the CUDA simulator."""
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1" if simulator else "0", **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def cudasim_test_files() -> list[str]:
    """The test files that use the cudasim marker (collecting only these keeps the recording run short)."""
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py")
                  if p != Path(__file__).resolve() and "mark.cudasim" in p.read_text())


def test_kernel_list_is_complete():
    """:data:`tests.cuda_compile.KERNELS` names as many kernels per module as the sources declare."""
    assert declared_kernels() == {module: len(names) for module, names in KERNELS.items()}


@pytest.fixture(scope="module")
def ptx_compiler() -> None:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("a CUDA GPU is present (no simulator): the tests compile the kernels for it")
    probe = run_python("-m", "tests.cuda_compile", "--probe", simulator=False)
    if probe.returncode:
        pytest.skip(f"numba.cuda cannot compile PTX here ({probe.stdout.strip() or probe.stderr.strip()[-300:]}); "
                    'install numba-cuda and NVVM: pip install -e ".[cuda-check]"')


def test_kernels_compile_to_ptx(ptx_compiler, tmp_path):
    signatures = tmp_path / "signatures.json"
    record = run_python("-m", "pytest", "-q", "-m", "cudasim", "-p", "tests.cuda_compile", "-p", "no:cacheprovider",
                        *cudasim_test_files(), simulator=True, **{SIGNATURES_ENV: str(signatures)})
    assert record.returncode == 0, f"the simulator tests failed, so their signatures may be incomplete:\n" \
                                   f"{record.stdout[-3000:]}{record.stderr[-3000:]}"
    result = run_python("-m", "tests.cuda_compile", str(signatures), simulator=False,
                        NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING="1")
    assert result.returncode == 0, result.stderr[-5000:]
    report = json.loads(result.stdout)
    assert not report["not_launched"], f"no simulator test (marker cudasim) launches {report['not_launched']}"
    assert not report["not_listed"], f"kernels missing from tests.cuda_compile.KERNELS: {report['not_listed']}"
    assert not report["errors"], "kernels that do not compile for sm_90:\n" + "\n\n".join(
        f"{k}\n{v}" for k, v in report["errors"].items())
    assert not report["fused_multiply_adds"], ("kernels promised to equal the CPU bit for bit hold fused "
                                               f"multiply-adds: {report['fused_multiply_adds']}")
    if report["registers"] is None:
        pytest.skip("no ptxas here (the cuda-check extra's nvidia-cuda-nvcc): registers not checked")
    spilling = {k: v for k, v in report["spill_bytes"].items() if v}
    assert not spilling, f"kernels that spill registers to local memory on sm_90 (bytes): {spilling}"
    train = report["stack_bytes"]["graphsample.embedding._graphvite_cuda:_train.<locals>._train"]
    assert train == 0, f"the GraphVite training kernel (d = 128) keeps {train} bytes of a row in local memory"
    lean = report["registers"]["graphsample.walks._cuda:uniform_walk_kernel"]
    assert lean <= LEAN_WALK_REGISTERS, (f"the lean walk kernel uses {lean} registers a thread (at most "
                                         f"{LEAN_WALK_REGISTERS}); all kernels: {report['registers']}")
