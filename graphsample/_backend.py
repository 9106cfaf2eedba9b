"""Array backends: which array libraries exist, which one an array belongs to, moving between them.

This is the one module that knows the array libraries graphsample supports:

* ``"numpy"`` -- NumPy arrays on the host (always present);
* ``"cupy"`` -- CuPy arrays on a CUDA device (extra ``gpu``);
* ``"torch"`` -- PyTorch tensors on the host or a CUDA device (extra ``torch``).

Rules (see ARCHITECTURE.md): results follow their input's namespace and device; nothing moves
between host and device unless the user asks (:func:`to_backend`, :meth:`Graph.to`); GPU
libraries are imported lazily, never at ``import graphsample`` time.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import warnings
from types import ModuleType
from typing import Any

import numpy as np

from .errors import ArgumentTypeError, BackendUnavailableError

BACKENDS = ("numpy", "cupy", "torch")

_EXTRA_OF = {"cupy": "gpu", "numba.cuda": "gpu", "torch": "torch", "torch_geometric": "torch",
             "dask": "distributed", "distributed": "distributed", "faiss": "faiss", "sklearn": "embedding"}


def optional_import(name: str) -> ModuleType:
    """Import an optional dependency, or raise a clear error naming the extra that installs it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        extra = _EXTRA_OF.get(name.split(".")[0], None)
        hint = f" Install it with `pip install graphsample[{extra}]`." if extra else ""
        raise BackendUnavailableError(f"this needs the optional package {name!r}, which is not installed.{hint}") from exc


def backend_of(x: Any) -> str:
    """Name of the backend an array belongs to: ``"numpy"``, ``"cupy"`` or ``"torch"``."""
    if isinstance(x, np.ndarray | np.generic):
        return "numpy"
    mod = type(x).__module__.split(".")[0]
    if mod == "cupy":
        return "cupy"
    if mod == "torch":
        return "torch"
    raise TypeError(f"unsupported array type {type(x).__module__}.{type(x).__name__}; "
                    "expected a NumPy, CuPy or PyTorch array")


def arg_backend(x: Any, name: str, *, lists: bool = True, also: tuple[str, ...] = ()) -> str | None:
    """:func:`backend_of` for the user's array argument ``name``: the backend of an array, None for a list or a
    tuple (when the caller takes them, ``lists``). Anything else (a string, a dict, None) raises an
    :class:`~graphsample.errors.ArgumentTypeError` (a TypeError and a ValueError) that names the argument and what it may be, with ``also`` listing what else the caller takes (checked before
    this call). :func:`backend_of`'s own error names only a type: it is for internal misuse."""
    if lists and isinstance(x, list | tuple):
        return None
    try:
        return backend_of(x)
    except TypeError:
        kinds = ["a NumPy, CuPy or PyTorch array", *(("a list", "a tuple") if lists else ()), *also]
        kind = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]
        raise ArgumentTypeError(f"{name} must be {kind}, not {type(x).__name__}") from None


def namespace(*arrays: Any) -> ModuleType:
    """The array-API namespace (array-api-compat wrapped) shared by ``arrays``."""
    import array_api_compat

    return array_api_compat.array_namespace(*[a for a in arrays if a is not None])


def native(backend: str) -> ModuleType:
    """The array library itself (``numpy``, ``cupy`` or ``torch``)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return optional_import(backend)


def device_of(x: Any) -> str:
    """Where an array lives, as a string: ``"cpu"`` or ``"cuda:N"``."""
    b = backend_of(x)
    if b == "numpy":
        return "cpu"
    if b == "cupy":
        return f"cuda:{x.device.id}"
    return str(x.device) if x.device.type != "cuda" else f"cuda:{x.device.index or 0}"


def device_kwargs(x: Any) -> dict:
    """``{"device": d}``, ``d`` the device of ``x`` (array API: ``"cpu"`` for NumPy, a ``cupy.cuda.Device``, a
    ``torch.device``): the one way graphsample puts a new array beside ``x``, as
    ``xp.zeros(n, **device_kwargs(x))`` with the array-API namespace of ``x`` (:func:`namespace`), or with
    torch's own constructors. CuPy's own constructors take no ``device=``: they allocate on the current device,
    so call them inside :func:`on_device`. (array-api-compat's CuPy constructors take ``device=`` but, ``asarray``
    excepted, allocate on the current device too: the one holding graphsample's data, one GPU per process, see
    :func:`check_current_device`.)
    """
    import array_api_compat

    return {"device": array_api_compat.device(x)}


def on_device(x: Any) -> contextlib.AbstractContextManager:
    """Context in which CuPy's own constructors allocate on the GPU of the CuPy array ``x``
    (``cupy.cuda.Device``); a no-op for NumPy and torch arrays, whose constructors take :func:`device_kwargs`."""
    if backend_of(x) == "cupy":
        return native("cupy").cuda.Device(x.device.id)
    return contextlib.nullcontext()


def is_gpu(x: Any) -> bool:
    """True when the array lives on a CUDA device."""
    return device_of(x).startswith("cuda")


def to_numpy(x: Any) -> np.ndarray:
    """Copy (or view, on the host) an array of any backend into NumPy. An explicit transfer."""
    if x is None:
        return None
    b = backend_of(x)
    if b == "numpy":
        return np.asarray(x)
    if b == "cupy":
        return x.get()
    return x.detach().cpu().numpy()


def host_view(x: Any) -> np.ndarray:
    """Zero-copy NumPy view of a host array (NumPy or CPU torch) for Numba CPU kernels."""
    b = backend_of(x)
    if b == "numpy":
        return x
    if b == "torch" and x.device.type == "cpu":
        return x.detach().numpy()
    raise TypeError(f"expected a host array, got a {b} array on {device_of(x)}")


def _torch_device(device: str | None) -> str:
    """``device`` for torch, checked against the CUDA devices torch sees (torch itself raises an AssertionError
    "not compiled with CUDA" or a RuntimeError naming every device type it knows)."""
    if device in (None, "cpu"):
        return "cpu"
    index = _cuda_index(device, "'cpu', 'cuda' or 'cuda:N'")
    torch = native("torch")
    _check_available(device, index or 0, torch.cuda.device_count() if torch.cuda.is_available() else 0, "torch")
    return device


def _check_available(device: str, index: int, count: int, library: str) -> None:
    """Refuse CUDA device ``index`` (from ``device``) when ``library`` sees only ``count`` devices."""
    if index >= count:
        raise ValueError(f"device {device!r} is not available: {library} sees {count} CUDA device(s)")


def to_backend(x: Any, backend: str, device: str | None = None) -> Any:
    """Move or convert an array to ``backend`` on ``device`` (explicit; copies when it must).

    ``device`` is ``None`` (the backend's default: host for numpy/torch, the current GPU for cupy),
    ``"cpu"``, ``"cuda"`` or ``"cuda:N"``. A contiguous NumPy array made a torch tensor on the host shares its
    memory, a read-only one (a memory-mapped saved graph's) too: such a tensor must not be written to.
    """
    if x is None:
        return None
    src = backend_of(x)
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise ValueError("numpy arrays live on the host; use device='cpu' or None")
        return to_numpy(x)
    if backend == "cupy":
        cp = native("cupy")
        dev_id = _cuda_index(device)
        if dev_id is not None:
            _check_available(device, dev_id, cp.cuda.runtime.getDeviceCount(), "CuPy")
        with cp.cuda.Device(dev_id):
            if src == "torch" and x.device.type == "cuda":
                x = cp.from_dlpack(x.detach())  # zero-copy, on the tensor's device
            elif src != "cupy":
                return cp.asarray(to_numpy(x))
            # cp.asarray would keep an array on the device it lives on; cp.copy copies it to the current one
            return x if dev_id is None or x.device.id == dev_id else cp.copy(x)
    if backend == "torch":
        torch = native("torch")
        dev = _torch_device(device)
        if src == "torch":
            return x.to(dev)
        if src == "cupy":
            return torch.from_dlpack(x).to(dev)
        with warnings.catch_warnings():
            # a read-only array (those of a saved graph loaded memory-mapped) is shared, not copied, and torch warns
            # at length that writing to the tensor is undefined: graphsample never writes to the tensors it makes of
            # host arrays (a Graph's arrays are immutable, results are new arrays), so the warning is noise
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable", category=UserWarning)
            return torch.from_numpy(np.ascontiguousarray(x)).to(dev)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def move_like(x: Any, like: Any) -> Any:
    """``x`` (a host array the library computed, say) on the backend and device of the array ``like``:
    :func:`to_backend` to where ``like`` lives, explicit, and ``x`` itself when it is already there."""
    return to_backend(x, backend_of(like), device_of(like))


def _cuda_index(device: str | None, expected: str = "'cuda' or 'cuda:N'") -> int | None:
    """N of ``"cuda:N"``, None for ``"cuda"`` (the current device) or None; ``expected`` names the devices a bad
    one is told to be instead."""
    if device in (None, "cuda"):
        return None
    if device == "cpu":
        raise ValueError("cupy arrays live on a CUDA device; device='cpu' is not possible")
    if not (isinstance(device, str) and device.startswith("cuda:") and device[5:].isdigit()):
        raise ValueError(f"bad device {device!r}; expected {expected}")
    return int(device[5:])


def asarray_like(x: Any, like: Any, dtype: Any = None) -> Any:
    """Convert a small user input (seeds, a personalization vector, ids) to ``like``'s backend and device.

    Host inputs (lists, NumPy) are copied to the device of ``like``: this is the documented exception
    to "no silent transfers", for inputs whose size is negligible next to the graph.
    """
    b = backend_of(like)
    if b == "numpy":
        return np.asarray(to_numpy(x) if not isinstance(x, list | tuple | int | float) else x, dtype=dtype)
    if b == "cupy":
        with on_device(like):
            return native("cupy").asarray(x if not _is_torch(x) else to_numpy(x), dtype=dtype)
    torch = native("torch")
    arr = np.asarray(x if not _is_array(x) else to_numpy(x))
    if dtype is not None:
        arr = arr.astype(dtype)
    return torch.as_tensor(arr, **device_kwargs(like))


def _is_torch(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def _is_array(x: Any) -> bool:
    return type(x).__module__.split(".")[0] in ("cupy", "torch")


def dtype_name(x: Any) -> str:
    """NumPy-style dtype name of an array of any backend (``"int64"``, ``"float32"``, ...)."""
    return str(x.dtype).replace("torch.", "")


def cuda_available() -> bool:
    """True when a CUDA device can be used through CuPy or PyTorch."""
    for name in ("cupy", "torch"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        try:
            if name == "cupy" and mod.cuda.runtime.getDeviceCount() > 0:
                return True
            if name == "torch" and mod.cuda.is_available():
                return True
        except Exception:  # noqa: BLE001 - a broken driver means "no GPU"
            continue
    return False


def available_backends() -> list[tuple[str, str]]:
    """(backend, device) pairs usable here: numpy always, torch CPU when installed, GPUs when present."""
    out = [("numpy", "cpu")]
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        torch = None
    if torch is not None:
        out.append(("torch", "cpu"))
    if cuda_available():
        try:
            importlib.import_module("cupy")
            out.append(("cupy", "cuda:0"))
        except ImportError:
            pass
        if torch is not None and torch.cuda.is_available():
            out.append(("torch", "cuda:0"))
    return out


def numba_cuda() -> ModuleType:
    """Import ``numba.cuda``, applying the NumPy 2.5 shim first.

    numba-cuda 0.30 still calls ``numpy.row_stack``, which NumPy 2.5 removed; aliasing it to
    ``numpy.vstack`` (its documented equivalent) lets every kernel compile. The simulator
    (``NUMBA_ENABLE_CUDASIM=1``) is honoured as usual.
    """
    if not hasattr(np, "row_stack"):
        np.row_stack = np.vstack
    if "numba.cuda" in sys.modules:
        return sys.modules["numba.cuda"]
    return optional_import("numba.cuda")


def priority_stream() -> Any:
    """A numba.cuda stream of the current device's highest priority, not synchronising with the default stream.

    The block scheduler hands out the blocks of kernels of equal priority in launch order, so a small kernel
    queued on a second stream behind a large one starts only when the large one's last blocks are dispatched;
    on a stream of higher priority its blocks go first, as soon as the large kernel's blocks retire and free
    the room (CUDA C++ Programming Guide, "Stream Priorities"). numba.cuda makes streams of default priority
    only: this one comes from the driver (``cuStreamCreateWithPriority``, through numba-cuda's own
    ``cuda.bindings``), is wrapped with ``cuda.external_stream`` and destroyed when the wrapper is collected.
    The priority is a scheduling hint, not a matter of results: where the driver bindings cannot make such a
    stream, a :class:`RuntimeWarning` says why and a stream of default priority stands in. On the CUDA simulator,
    where every launch is synchronous, it is a plain simulated stream.
    """
    import weakref

    import numba

    nbcuda = numba_cuda()
    if numba.config.ENABLE_CUDASIM:
        return nbcuda.stream()

    def checked(result: tuple) -> Any:
        if int(result[0]) != 0:
            raise BackendUnavailableError(f"the CUDA driver refused: {result[0]}")
        return result[1:]

    try:
        from cuda.bindings import driver

        nbcuda.current_context()  # the stream belongs to the context numba.cuda launches in
        _, greatest = checked(driver.cuCtxGetStreamPriorityRange())
        (handle,) = checked(driver.cuStreamCreateWithPriority(driver.CUstream_flags.CU_STREAM_NON_BLOCKING,
                                                              int(greatest)))
    except Exception as exc:  # noqa: BLE001 -- any failure costs the hint only, and the warning names it
        warnings.warn(f"no CUDA stream of high priority ({type(exc).__name__}: {exc}); using one of default "
                      "priority", RuntimeWarning, stacklevel=2)
        return nbcuda.stream()
    stream = nbcuda.external_stream(int(handle))
    weakref.finalize(stream, driver.cuStreamDestroy, handle)
    return stream


def cuda_array(x: Any) -> Any:
    """A numba.cuda device array viewing a CuPy or torch-CUDA array, zero-copy; it must be on the current
    device, where numba.cuda launches kernels (:func:`check_current_device`)."""
    cuda = numba_cuda()
    if backend_of(x) == "torch":
        x = x.detach()
    check_current_device(device_of(x), cuda.get_current_device().id)
    return cuda.as_cuda_array(x)


def check_current_device(where: str, current: int) -> None:
    """Raise a clear error when data on ``where`` (``"cuda:N"``) would reach a kernel launched on the current
    device ``current``: graphsample drives one GPU per process (docs: Concepts, "One GPU per process")."""
    if where != f"cuda:{current}":
        raise ValueError(f"the data is on {where} but the current CUDA device is cuda:{current}; graphsample drives "
                         "one GPU per process: select the GPU with CUDA_VISIBLE_DEVICES, or use one Dask-CUDA "
                         "worker per GPU")


class kernel_threads:
    """Context manager: run Numba parallel kernels on one thread when the work is small.

    Waking a thread team costs far more than a small kernel's work (tens of microseconds on an idle
    machine, milliseconds on a busy one), so inputs under ``threshold`` items run serially.
    """

    def __init__(self, size: int, threshold: int = 500_000):
        self.serial = size < threshold

    def __enter__(self) -> "kernel_threads":
        if self.serial:
            import numba

            self._saved = numba.get_num_threads()
            numba.set_num_threads(1)
        return self

    def __exit__(self, *exc) -> None:
        if self.serial:
            import numba

            numba.set_num_threads(self._saved)
