"""Backend helpers and the native sparse/segmented operations, on every backend present."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsample import _ops
from graphsample._backend import (backend_of, check_current_device, device_of, numba_cuda, optional_import,
                                  priority_stream, to_backend, to_numpy)
from graphsample.errors import BackendUnavailableError

A = np.array([[0, 2.0, 0, 1.0], [0, 0, 3.0, 0], [4.0, 0, 0, 0], [0, 0, 0, 0]])


def csr_of(M, to_b):
    import scipy.sparse as sp

    S = sp.csr_matrix(M)
    return _ops.csr_matrix(to_b(S.indptr.astype(np.int64)), to_b(S.indices.astype(np.int64)), to_b(S.data), M.shape)


def test_spmv_spmm_match_dense(to_b):
    S = csr_of(A, to_b)
    x = np.array([1.0, -2.0, 0.5, 3.0])
    X = np.arange(12, dtype=float).reshape(4, 3)
    assert np.allclose(to_numpy(_ops.spmv(S, to_b(x))), A @ x)
    assert np.allclose(to_numpy(_ops.spmm(S, to_b(X))), A @ X)


def test_scatter_and_segment_sums(to_b):
    idx = to_b(np.array([0, 2, 2, 1, 0]))
    vals = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert to_numpy(_ops.scatter_add(idx, to_b(vals), 4)).tolist() == [6.0, 4.0, 5.0, 0.0]
    rows = to_numpy(_ops.scatter_add(idx, to_b(np.stack([vals, -vals], 1)), 3))
    assert rows.tolist() == [[6.0, -6.0], [4.0, -4.0], [5.0, -5.0]]
    indptr = to_b(np.array([0, 2, 2, 5]))
    assert to_numpy(_ops.segment_sum(to_b(vals), indptr)).tolist() == [3.0, 0.0, 12.0]
    assert to_numpy(_ops.repeat_ids(indptr)).tolist() == [0, 0, 2, 2, 2]
    assert to_numpy(_ops.bincount(idx, 5)).tolist() == [2, 1, 2, 0, 0]


def test_topk(to_b):
    X = np.array([[0.1, 0.9, 0.5, 0.7], [3.0, 1.0, 2.0, 0.0]])
    v, i = _ops.topk(to_b(X), 2)
    assert to_numpy(i).tolist() == [[1, 3], [0, 2]]
    assert np.allclose(to_numpy(v), [[0.9, 0.7], [3.0, 2.0]])
    v, i = _ops.topk(to_b(X), 10)
    assert to_numpy(i).tolist() == [[1, 3, 2, 0], [0, 2, 1, 3]]


def test_topk_breaks_ties_by_lower_column(to_b):
    X = np.array([[1.0, 3.0, 3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0], [0.0, 5.0, 1.0, 1.0, 5.0, 1.0]])
    v, i = _ops.topk(to_b(X), 4)
    assert to_numpy(i).tolist() == [[1, 2, 4, 0], [0, 1, 2, 3], [1, 4, 2, 3]]
    assert to_numpy(v).tolist() == [[3.0, 3.0, 3.0, 1.0], [2.0] * 4, [5.0, 5.0, 1.0, 1.0]]


@pytest.mark.parametrize("k", [1, 30, 64, 80])
def test_topk_keeps_the_column_order_of_many_ties(to_b, k):
    """64 columns on three levels, 16+ ties per level: past the sizes where an unstable sort happens to keep
    the order (insertion sort below 16 elements), the top k are still the first k of a stable sort."""
    X = np.tile(np.array([1.0, 2.0, 2.0, 0.0]), (3, 16))
    X[1] = X[1, ::-1]
    X[2] = 5.0
    v, i = _ops.topk(to_b(X), k)
    order = np.argsort(-X, axis=1, kind="stable")[:, :k]
    assert to_numpy(i).tolist() == order.tolist()
    assert to_numpy(v).tolist() == np.take_along_axis(X, order, 1).tolist()


def test_topk_refuses_nan(to_b):
    """NaN has no rank (NumPy sorts it last, torch first): an error on every backend, not a broken reshape."""
    for k in (1, 2, 3):
        with pytest.raises(ValueError, match="cannot rank values that contain NaN"):
            _ops.topk(to_b(np.array([[np.nan, 1.0, 2.0], [3.0, 1.0, 2.0]])), k)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 9), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_topk_equals_a_stable_sort(n, m, k, seed):
    """Whatever the ties (values drawn from three levels), the top k are the first k of a stable decreasing sort."""
    X = np.random.default_rng(seed).integers(0, 3, size=(n, m)).astype(np.float64)
    v, i = _ops.topk(X, k)
    order = np.argsort(-X, axis=1, kind="stable")[:, :k]
    assert np.array_equal(i, order)
    assert np.array_equal(v, np.take_along_axis(X, order, 1))


def test_conversions(backend):
    b, d = backend
    x = np.arange(5, dtype=np.float32)
    y = to_backend(x, b, d)
    assert backend_of(y) == b
    assert np.array_equal(to_numpy(y), x)
    with pytest.raises(TypeError, match="unsupported array type"):
        backend_of([1, 2])


def test_arg_backend_names_the_argument():
    from graphsample._backend import arg_backend

    assert arg_backend(np.ones(2), "x") == "numpy" and arg_backend([1, 2], "x") is None
    from graphsample.errors import GraphsampleError

    with pytest.raises(GraphsampleError, match="^sources must be a NumPy, CuPy or PyTorch array, a list or a tuple, not str$"):
        arg_backend("abc", "sources")
    with pytest.raises(TypeError, match="^X must be a NumPy, CuPy or PyTorch array, not list$"):
        arg_backend([[1.0]], "X", lists=False)
    with pytest.raises(TypeError, match="^A must be a NumPy, CuPy or PyTorch array or a scipy sparse matrix, not dict$"):
        arg_backend({}, "A", lists=False, also=("a scipy sparse matrix",))


@pytest.mark.parametrize("device, message", [
    ("bogus", "bad device 'bogus'; expected 'cpu', 'cuda' or 'cuda:N'"),
    ("cuda:x", "bad device 'cuda:x'"),  # was int()'s "invalid literal for int() with base 10"
    ("cuda:99", r"device 'cuda:99' is not available: torch sees \d+ CUDA device\(s\)"),
])
def test_a_torch_device_it_cannot_use_is_a_value_error(device, message):
    """torch raised an AssertionError ('Torch not compiled with CUDA enabled') or a RuntimeError listing every
    device type it knows; the library names the device, for arrays and graphs alike."""
    pytest.importorskip("torch")
    import graphsample as gs

    with pytest.raises(ValueError, match=message):
        to_backend(np.ones(3), "torch", device)
    with pytest.raises(ValueError, match=message):
        gs.from_edges([0], [1]).to("torch", device)


def test_the_first_cuda_index_torch_does_not_see_is_refused():
    """Device indices run 0..count - 1: 'cuda:count' (and 'cuda', the current device, when torch sees none) is the
    library's ValueError, not torch's; a bound of `index > count` would let the first missing index through."""
    torch = pytest.importorskip("torch")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    missing = [f"cuda:{count}"] + (["cuda"] if count == 0 else [])
    for device in missing:
        with pytest.raises(ValueError, match=rf"^device '{device}' is not available: torch sees {count} CUDA device"):
            to_backend(np.ones(3), "torch", device)


def test_the_first_cuda_index_cupy_does_not_see_is_refused(monkeypatch):
    """CuPy's device indices run 0..count - 1 as torch's: 'cuda:count' is the library's ValueError, raised before
    CuPy selects the device. A stand-in for CuPy that sees two devices runs the check without a GPU."""
    import graphsample._backend as B

    runtime = SimpleNamespace(getDeviceCount=lambda: 2)
    monkeypatch.setattr(B, "native", lambda name: SimpleNamespace(cuda=SimpleNamespace(runtime=runtime)))
    with pytest.raises(ValueError, match="^device 'cuda:2' is not available: CuPy sees 2 CUDA device"):
        to_backend(np.ones(3), "cupy", "cuda:2")


@pytest.mark.gpu
def test_cupy_array_moves_to_the_asked_device():
    cp = pytest.importorskip("cupy")
    if cp.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA devices")
    x = to_backend(np.arange(5.0), "cupy", "cuda:0")
    y = to_backend(x, "cupy", "cuda:1")
    assert device_of(y) == "cuda:1"
    assert np.array_equal(to_numpy(y), np.arange(5.0))
    assert to_backend(y, "cupy", "cuda:1") is y


@pytest.mark.parametrize("module, extra", [("cupy.no_such_submodule", "gpu"), ("sklearn.no_such_submodule", "embedding"),
                                           ("faiss.no_such_submodule", "faiss"), ("dask.no_such_submodule", "distributed")])
def test_optional_import_names_the_extra(module, extra):
    with pytest.raises(BackendUnavailableError, match=rf"graphsample\[{extra}\]"):
        optional_import(module)


def test_numba_cuda_shim():
    cuda = numba_cuda()
    assert hasattr(np, "row_stack") and cuda is not None


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") == "1", reason="needs a real CUDA GPU")
def test_priority_stream_has_the_device_s_highest_priority_and_runs_work():
    cuda = numba_cuda()
    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    from cuda.bindings import driver

    stream = priority_stream()
    _, _, greatest = driver.cuCtxGetStreamPriorityRange()
    err, priority = driver.cuStreamGetPriority(stream.handle)
    assert int(err) == 0 and priority == greatest
    x = np.arange(1000.0)
    back = cuda.to_device(x, stream=stream).copy_to_host(stream=stream)
    stream.synchronize()
    np.testing.assert_array_equal(back, x)


def test_priority_stream_falls_back_to_a_default_stream_with_a_warning(monkeypatch):
    """Where the driver cannot make a stream of high priority (here: no CUDA driver at all, the simulator switched
    off), a warning names the reason and a stream of default priority stands in: the priority is only a hint."""
    import numba

    from graphsample import _backend as B

    def no_context():
        raise RuntimeError("no GPU")

    plain = object()
    fake = SimpleNamespace(stream=lambda: plain, current_context=no_context)
    monkeypatch.setattr(numba.config, "ENABLE_CUDASIM", False)
    monkeypatch.setattr(B, "numba_cuda", lambda: fake)
    with pytest.warns(RuntimeWarning, match=r"no CUDA stream of high priority \(RuntimeError: no GPU\)"):
        assert B.priority_stream() is plain


def test_parallel_host_spmm_matches_scipy():
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    S = sp.random(50, 40, density=0.1, format="csr", random_state=1)
    for dtype in (np.float32, np.float64):
        X = rng.standard_normal((40, 7)).astype(dtype)
        got = _ops.spmm(S, X)
        assert got.dtype == np.result_type(S.dtype, dtype)
        assert np.allclose(got, S @ X, rtol=1e-5)
    Xf = np.asfortranarray(rng.standard_normal((40, 3)))
    assert np.allclose(_ops.spmm(S, Xf), S @ Xf)


def test_import_loads_no_gpu_library():
    import subprocess
    import sys

    code = "import sys, graphsample; print(sorted(m for m in ('cupy', 'torch', 'numba.cuda') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_subpackages_load_on_first_access():
    import subprocess
    import sys

    code = ("import sys, graphsample as gs; print('graphsample.ranking' in sys.modules); "
            "print(gs.ranking.pagerank.__module__, 'clustering' in dir(gs)); gs.nope")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.split() == ["False", "graphsample.ranking.pagerank", "True"]
    assert "AttributeError: module 'graphsample' has no attribute 'nope'" in run.stderr


def test_data_on_another_gpu_than_the_current_one_is_a_clear_error():
    """Kernels launch on the current device: data elsewhere is refused with the way out, not a crash."""
    check_current_device("cuda:1", 1)
    with pytest.raises(ValueError, match=r"cuda:1 but the current CUDA device is cuda:0.*CUDA_VISIBLE_DEVICES"):
        check_current_device("cuda:1", 0)


def test_torch_2_11_invariant_note_is_silenced_too(monkeypatch):
    """torch 2.11 (on the GPU machine) notes the skipped invariant checks even with ``check_invariants=False``."""
    torch = pytest.importorskip("torch")
    import warnings

    from graphsample import _ops

    made = torch.sparse_csr_tensor

    def noisy(*args, **kwargs):
        warnings.warn("Sparse invariant checks are implicitly disabled. Memory errors (e.g. SEGFAULT) will occur "
                      "when operating on a sparse tensor which violates the invariants", UserWarning)
        return made(*args, **kwargs)

    monkeypatch.setattr(torch, "sparse_csr_tensor", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = _ops.csr_matrix(torch.tensor([0, 1, 2]), torch.tensor([1, 0]), torch.ones(2), (2, 2))
    assert A.to_dense().tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_torch_sparse_matrices_raise_no_torch_internal_warnings():
    """Building torch sparse matrices (pagerank's CSR, k-means' COO indicator) made torch warn that its invariant
    checks are 'implicitly disabled. Memory errors (e.g. SEGFAULT) will occur ...' and that sparse CSR is 'in beta
    state'. torch says each once per process, so this runs in a fresh one."""
    import subprocess
    import sys

    pytest.importorskip("torch")
    code = ("import torch; import graphsample as gs; from graphsample.ranking import pagerank; "
            "from graphsample.selection.knn import kmeans; "
            "pagerank(gs.from_edges([0, 1, 2], [1, 2, 0]).to('torch'), method='power'); "
            "kmeans(torch.randn(20, 2, dtype=torch.float64), 2, seed=0)")
    r = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_memory_mapped_graph_moves_to_torch_shared_and_without_a_warning(tmp_path):
    """A saved folder loads memory-mapped, read-only: torch.from_numpy shared it with a long 'The given NumPy array
    is not writable' warning (``graphsample info DIR --backend torch``). The tensors still share the memory (no
    copy of a large graph); torch says it once per process, so this runs in a fresh one."""
    import subprocess
    import sys

    pytest.importorskip("torch")
    import graphsample as gs

    gs.save(gs.from_edges([0, 1, 2], [1, 2, 0], [0.5, 1.0, 2.0]), tmp_path / "g")
    code = ("import sys, numpy as np, graphsample as gs; G = gs.load(sys.argv[1]); T = G.to('torch'); "
            "assert isinstance(G.indices, np.memmap) and not G.indices.flags.writeable; "
            "assert all(np.shares_memory(a, t.numpy()) for a, t in ((G.indptr, T.indptr), (G.indices, T.indices), "
            "(G.weights, T.weights)))")
    r = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code, str(tmp_path / "g")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
