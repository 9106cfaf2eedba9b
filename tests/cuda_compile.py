"""PTX compile check of graphsample's numba.cuda kernels, without a GPU.

Numba's CUDA simulator runs kernel bodies as plain Python, so it never types or compiles them for a
device. This helper closes that gap in two processes (``tests/test_cuda_compile.py`` runs both):

1. **record**, a pytest plugin run under the simulator::

       NUMBA_ENABLE_CUDASIM=1 GRAPHSAMPLE_CUDA_SIGNATURES=sigs.json \\
           python -m pytest -m cudasim -p tests.cuda_compile tests/...  # the files using the marker

   runs the simulator tests and writes, for every graphsample kernel they launch, the argument types
   of each launch: ``numba.typeof`` of every argument, arrays taken as device arrays (writable, with
   their dtype, dimensions and layout);
2. **compile**, without the simulator::

       python -m tests.cuda_compile sigs.json

   compiles every recorded (kernel, signature) to PTX for ``CC`` with ``numba.cuda.compile_ptx``
   (which needs NVVM, e.g. the ``cuda-check`` extra, but no GPU) and prints a JSON report, which also
   counts the fused multiply-adds in the kernels of :data:`EXACT` and, with ``ptxas`` (the extra's
   ``nvidia-cuda-nvcc``), the registers, register spills and stack frame of every kernel.
   ``python -m tests.cuda_compile --probe`` only checks that PTX can be compiled here.

:data:`KERNELS` lists every kernel; :func:`declared_kernels` counts the ``@cuda.jit`` kernel
decorators in the sources, so a kernel missing from the list is noticed.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from collections import Counter
from pathlib import Path
from typing import Any

#: compute capability of the check: sm_90 (H100 / H200)
CC = (9, 0)
#: environment variable naming the file the recording plugin writes
SIGNATURES_ENV = "GRAPHSAMPLE_CUDA_SIGNATURES"
#: kernels whose results the docs promise to equal the CPU's bit for bit (walks, PPR walkers, sampler walks,
#: alias tables): their PTX must hold no fused multiply-add, which NVVM contracts ``a * b + c`` into by default
#: (numba.cuda passes no ``-fma=0``) and which rounds once where the CPU rounds twice
EXACT = ("graphsample.walks._cuda:walk_kernel", "graphsample.walks._cuda:uniform_walk_kernel",
         "graphsample.walks._cuda:tables_kernel",
         "graphsample.walks._cuda:alias_kernel", "graphsample.ranking._ppr_cuda:walk_kernel.<locals>.kernel",
         "graphsample.sampling._cuda:_walk_kernel.<locals>.kernel",
         "graphsample.sampling._cuda:_frontier_kernel.<locals>.kernel")
_FMA = re.compile(r"\bfma\.rn\.f(32|64)\b")
#: the most registers a thread of the lean uniform walk kernel may use (32 with ptxas 13.5): its reason to exist is
#: occupancy (:func:`graphsample.walks._cuda.uniform_walk_kernel`); 40 still leaves 48 warps per multiprocessor
LEAN_WALK_REGISTERS = 40
#: every numba.cuda kernel of graphsample: module -> names of kernels, or of functions building one
KERNELS = {
    "graphsample.walks._cuda": ("walk_kernel", "uniform_walk_kernel", "tables_kernel", "alias_kernel", "srrw_kernel"),
    "graphsample.ranking._ppr_cuda": ("walk_kernel",),
    "graphsample.sampling._cuda": ("_walk_kernel", "_frontier_kernel"),
    "graphsample.embedding._graphvite_cuda": ("_train", "_walk_kernel", "_pair_kernel", "_zero", "_bin_count",
                                              "_bin_scatter"),
}

_PACKAGE = Path(__file__).resolve().parents[1] / "graphsample"
_KERNEL_DECORATOR = re.compile(r"^\s*@cuda\.jit\s*(\((?!device=True\)).*)?$", re.MULTILINE)

#: a recorded argument type: (NumPy dtype name, dimensions, layout); scalars have 0 dimensions
ArgType = tuple[str, int, str]


def kernel_id(fn: Any) -> str:
    """``module:qualname`` of a kernel's Python function."""
    return f"{fn.__module__}:{fn.__qualname__}"


def declared_kernels() -> Counter:
    """Kernel decorators (``@cuda.jit`` without ``device=True``) per graphsample module, from the sources."""
    found = Counter()
    for path in _PACKAGE.rglob("*.py"):
        n = len(_KERNEL_DECORATOR.findall(path.read_text()))
        if n:
            found[".".join(path.relative_to(_PACKAGE.parent).with_suffix("").parts)] = n
    return found


def kernels() -> dict[str, Any]:
    """The kernels of :data:`KERNELS` (dispatchers, or simulator kernels), by :func:`kernel_id`."""
    out = {}
    for module, names in KERNELS.items():
        mod = importlib.import_module(module)
        for name in names:
            k = getattr(mod, name)
            if isinstance(k, types.FunctionType):  # a function that builds the kernel on first use
                k = k()
            out[kernel_id(k.py_func)] = k
    return out


# --- record (under the simulator) -----------------------------------------------------------------

_recorded: dict[str, set[tuple[ArgType, ...]]] = {}


def arg_type(arg: Any) -> ArgType:
    """The type a launch gives ``arg`` on a GPU; simulator device arrays count as their host array."""
    import numba
    from numba.core import types as nt

    t = numba.typeof(getattr(arg, "_ary", arg))
    if isinstance(t, nt.Array):
        return str(t.dtype), t.ndim, t.layout
    if isinstance(t, (nt.Number, nt.Boolean)):
        return str(t), 0, ""
    raise TypeError(f"unsupported kernel argument type {t}")


def pytest_configure(config: Any) -> None:
    """Wrap the simulator's kernel launch to record the argument types of graphsample kernels."""
    from graphsample._backend import numba_cuda

    numba_cuda()
    from numba.cuda.simulator.kernel import FakeCUDAKernel

    launch = FakeCUDAKernel.__call__

    def recording_launch(self: Any, *args: Any) -> Any:
        if not self._device and self.fn.__module__.startswith("graphsample."):
            _recorded.setdefault(kernel_id(self.fn), set()).add(tuple(arg_type(a) for a in args))
        return launch(self, *args)

    FakeCUDAKernel.__call__ = recording_launch


def pytest_sessionfinish(session: Any) -> None:
    """Write the recorded signatures to the file named by :data:`SIGNATURES_ENV`."""
    Path(os.environ[SIGNATURES_ENV]).write_text(
        json.dumps({k: sorted(v) for k, v in sorted(_recorded.items())}, indent=1))


# --- compile (a real numba.cuda, no simulator) ------------------------------------------------------

def numba_signature(sig: list) -> tuple:
    """Numba types of a recorded signature."""
    import numba
    import numpy as np
    from numba.core import types as nt

    def one(dtype: str, ndim: int, layout: str) -> Any:
        t = numba.from_dtype(np.dtype(dtype))
        return nt.Array(t, ndim, layout) if ndim else t

    return tuple(one(*a) for a in sig)


def ptxas() -> str | None:
    """The PTX assembler: the ``nvidia-cuda-nvcc`` wheel's (the cuda-check extra) or one on the PATH; None without."""
    try:
        import nvidia
    except ImportError:
        nvidia = None
    for base in getattr(nvidia, "__path__", []):
        for path in sorted(Path(base).glob("*/bin/ptxas")):
            return str(path)
    return shutil.which("ptxas")


def resources(ptx: str, assembler: str) -> tuple[int, int, int]:
    """(registers per thread, bytes of register spill stores, bytes of stack frame: local arrays and spills) of one
    kernel's PTX assembled for ``CC``."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "kernel.ptx"
        source.write_text(ptx)
        out = subprocess.run([assembler, f"-arch=sm_{CC[0]}{CC[1]}", "-v", str(source), "-o", str(source) + ".cubin"],
                             capture_output=True, text=True, check=True).stderr
    registers = re.search(r"Used (\d+) registers", out).group(1)
    return (int(registers), int(re.search(r"(\d+) bytes spill stores", out).group(1)),
            int(re.search(r"(\d+) bytes stack frame", out).group(1)))


def compile_all(signatures: dict[str, list]) -> dict[str, Any]:
    """Compile every recorded signature; the report lists errors and kernels not launched or not listed, and, where
    :func:`ptxas` is found, each kernel's most registers per thread and spill-store bytes over its signatures."""
    from graphsample._backend import numba_cuda

    cuda = numba_cuda()
    # device functions compile for the current device's compute capability: stand in a device of CC
    import numba.cuda.dispatcher

    numba.cuda.dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=CC)
    found = kernels()
    errors, fused, registers, spills, stacks = {}, {}, {}, {}, {}
    assembler = ptxas()
    for kid, sigs in signatures.items():
        if kid not in found:  # reported below as not listed
            continue
        for sig in sigs:
            typed = numba_signature(sig)
            try:
                ptx, _ = cuda.compile_ptx(found[kid].py_func, typed, cc=CC)
            except Exception as e:  # noqa: BLE001 -- every failure is reported
                errors[f"{kid}{typed}"] = f"{type(e).__name__}: {e}"
                continue
            n_fused = len(_FMA.findall(ptx)) if kid in EXACT else 0
            if n_fused:
                fused[f"{kid}{typed}"] = n_fused
            if assembler:
                regs, spill, stack = resources(ptx, assembler)
                registers[kid] = max(registers.get(kid, 0), regs)
                spills[kid] = max(spills.get(kid, 0), spill)
                stacks[kid] = max(stacks.get(kid, 0), stack)
    return {"compiled": sum(map(len, signatures.values())), "errors": errors, "fused_multiply_adds": fused,
            "registers": registers if assembler else None, "spill_bytes": spills if assembler else None,
            "stack_bytes": stacks if assembler else None,
            "not_launched": sorted(set(found) - set(signatures)),
            "not_listed": sorted(set(signatures) - set(found))}


def probe() -> None:
    """Compile a trivial kernel to PTX: raises when numba.cuda or NVVM is missing."""
    from graphsample._backend import numba_cuda

    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        raise RuntimeError("the CUDA simulator is enabled (NUMBA_ENABLE_CUDASIM=1)")
    try:
        provider = importlib.metadata.version("numba-cuda")
    except importlib.metadata.PackageNotFoundError:
        provider = None
    if provider is None or not provider.startswith("0.30."):
        # numba's own (deprecated) CUDA target, or another numba-cuda, types some kernels differently; the
        # version is the cuda-check extra's pin in setup.cfg (change both together)
        raise RuntimeError(f"the check needs numba-cuda 0.30 (found {provider or 'none'})")
    cuda = numba_cuda()

    def double(x):
        x[0] *= 2

    cuda.compile_ptx(double, numba_signature([("float64", 1, "C")]), cc=CC)


def main(argv: list[str]) -> int:
    """``--probe``: exit 0 when PTX compiles here, else print why; ``FILE``: print the JSON report."""
    if argv == ["--probe"]:
        try:
            probe()
        except Exception as e:  # noqa: BLE001 -- the reason to skip
            print(f"{type(e).__name__}: {e}".splitlines()[0])
            return 1
        return 0
    report = compile_all(json.loads(Path(argv[0]).read_text()))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
