"""CUDA detection on machines without a GPU: every broken setup is simulated at the backend
boundary, and each must give `is_available() == False` and, on `.to("cuda")`, a RuntimeError
that names the situation and the command that fixes it."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import types

import pytest

import minigrad
from minigrad.backend import cuda as cuda_backend


def _cupy_whose_count(result):
    """A CuPy module whose `cuda.runtime.getDeviceCount()` returns or raises `result`."""

    def count():
        if isinstance(result, BaseException):
            raise result
        return result

    cupy = types.ModuleType("cupy")
    cupy.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=count))
    return cupy


_real_wheels = cuda_backend._cupy_wheels  # before any test replaces it


class CUDARuntimeError(RuntimeError):
    """Named as CuPy's error (cupy_backends.cuda.api.runtime.CUDARuntimeError)."""


def _assert_unusable(kind: str, *fragments: str) -> None:
    found = cuda_backend.probe()
    assert found.kind == kind, found.reason
    assert minigrad.cuda.is_available() is False
    assert minigrad.cuda.device_count() == 0
    assert minigrad.cuda.unavailable_reason() == found.reason
    for attempt in (
        lambda: minigrad.tensor([1.0]).to("cuda"),
        lambda: minigrad.tensor([1.0]).cuda(),
        lambda: minigrad.zeros(2, device="cuda:0"),
    ):
        with pytest.raises(RuntimeError) as info:
            attempt()
        message = str(info.value)
        assert message.startswith("CUDA is not available: ")
        for fragment in fragments:
            assert fragment in message, f"{fragment!r} missing from: {message}"


NOT_INSTALLED = ("CuPy is not installed", 'pip install -e ".[cuda12]"', "cuda13")
NO_DRIVER = ("NVIDIA driver", "nvidia-smi", "pip uninstall -y cupy-cuda13x")
NO_DEVICE = ("no CUDA device is visible", "nvidia-smi", "unset CUDA_VISIBLE_DEVICES")


def test_import_minigrad_does_not_import_cupy():
    code = (
        "import sys, minigrad\n"
        "x = minigrad.randn(3, requires_grad=True)\n"
        "(x * x).sum().backward()\n"
        "minigrad.device('cuda:0'); minigrad.manual_seed(1)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cupy', 'cupyx')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_cupy_not_installed(monkeypatch, simulate):
    # the real import machinery: a None entry in sys.modules makes `import cupy` fail
    simulate(cupy=None)
    monkeypatch.setattr(cuda_backend, "_import_cupy", lambda: importlib.import_module("cupy"))
    monkeypatch.setitem(sys.modules, "cupy", None)
    cuda_backend.probe(refresh=True)
    _assert_unusable("not-installed", *NOT_INSTALLED)


def test_cupy_not_installed_on_this_machine_by_name(simulate):
    error = ModuleNotFoundError("No module named 'cupy'", name="cupy")
    simulate(cupy=error, wheels=())
    _assert_unusable("not-installed", *NOT_INSTALLED)


def test_missing_dependency_of_cupy_is_a_broken_install(simulate):
    simulate(cupy=ModuleNotFoundError("No module named 'fastrlock'", name="fastrlock"))
    _assert_unusable("broken-install", "fails to import", "fastrlock", "pip uninstall -y")


def test_cupy_import_error_is_a_broken_install(simulate):
    error = ImportError("libnvrtc.so.12: cannot open shared object file: No such file")
    simulate(cupy=error)
    _assert_unusable("broken-install", "fails to import", "libnvrtc", 'pip install -e ".[cuda12]"')


def test_cupy_installed_without_a_driver_at_import(simulate):
    error = RuntimeError(
        "CuPy failed to load libcuda.so.1: OSError: libcuda.so.1: cannot open shared object "
        "file: No such file or directory"
    )
    simulate(cupy=error)
    _assert_unusable("no-driver", *NO_DRIVER, "libcuda.so.1")


def test_cupy_installed_without_a_driver_at_first_call(simulate):
    error = RuntimeError("CuPy failed to load libcuda.so.1: OSError: libcuda.so.1: cannot open")
    simulate(cupy=_cupy_whose_count(error))
    _assert_unusable("no-driver", *NO_DRIVER, "failed to load libcuda")


def test_driver_too_old_for_the_wheel(simulate):
    error = CUDARuntimeError(
        "cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime version"
    )
    simulate(cupy=_cupy_whose_count(error))
    _assert_unusable("no-driver", *NO_DRIVER, "cudaErrorInsufficientDriver")


def test_driver_without_a_device_raises(simulate):
    error = CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
    simulate(cupy=_cupy_whose_count(error))
    _assert_unusable("no-device", *NO_DEVICE, "cudaErrorNoDevice")


def test_driver_without_a_device_counts_zero(simulate):
    simulate(cupy=_cupy_whose_count(0))
    _assert_unusable("no-device", *NO_DEVICE, "0 devices")


def test_unknown_device_query_error_is_reported_as_it_is(simulate):
    simulate(cupy=_cupy_whose_count(CUDARuntimeError("cudaErrorUnknown: unknown error")))
    _assert_unusable("no-device", "cudaErrorUnknown", "nvidia-smi")


def test_two_cupy_wheels(monkeypatch, simulate):
    simulate(cupy=_cupy_whose_count(1))
    # the real wheel listing, over installed distributions that include two CuPy wheels
    dists = [
        types.SimpleNamespace(metadata={"Name": name})
        for name in ("numpy", "cupy-cuda12x", "cupy_cuda13x", "cupyx-helper")
    ]
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: dists)
    monkeypatch.setattr(cuda_backend, "_cupy_wheels", _real_wheels)
    cuda_backend.probe(refresh=True)
    _assert_unusable(
        "several-wheels",
        "several CuPy packages",
        "pip uninstall -y cupy-cuda12x cupy-cuda13x",
        'pip install -e ".[cuda12]"',
    )


def test_one_wheel_is_fine(monkeypatch):
    dists = [types.SimpleNamespace(metadata={"Name": n}) for n in ("cupy-cuda12x", "numpy")]
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: dists)
    assert _real_wheels() == ["cupy-cuda12x"]


def test_any_exception_at_import_never_escapes(simulate):
    simulate(cupy=AttributeError("module 'numpy' has no attribute 'bool8'"))
    assert minigrad.cuda.is_available() is False
    assert "AttributeError" in minigrad.cuda.unavailable_reason()


def test_detection_runs_once(monkeypatch, simulate):
    simulate(cupy=_cupy_whose_count(0))
    calls = []
    monkeypatch.setattr(cuda_backend, "_import_cupy", lambda: calls.append(1))
    for _ in range(3):
        minigrad.cuda.is_available()
        with pytest.raises(RuntimeError):
            minigrad.zeros(1, device="cuda")
    assert calls == []  # cached from the simulate() call
    cuda_backend.probe(refresh=True)
    assert calls == [1]


def test_cuda_functions_without_cuda(simulate):
    simulate(cupy=_cupy_whose_count(0))
    minigrad.cuda.manual_seed(3)  # silently nothing, as torch.cuda.manual_seed
    minigrad.cuda.manual_seed_all(3)
    # nothing was allocated: PyTorch's counters say 0 and its empty_cache does nothing
    minigrad.cuda.empty_cache()
    assert minigrad.cuda.memory_allocated() == minigrad.cuda.max_memory_allocated() == 0
    assert minigrad.cuda.memory_reserved() == 0
    for call in (
        minigrad.cuda.synchronize,
        minigrad.cuda.get_device_name,
        minigrad.cuda.current_device,
    ):
        with pytest.raises(RuntimeError, match="CUDA is not available: .*no CUDA device"):
            call()


def test_cpu_keeps_working_when_cuda_is_broken(simulate):
    simulate(cupy=RuntimeError("CuPy failed to load libcuda.so.1"))
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert x.to("cpu") is x and x.cpu() is x
    assert minigrad.device("cuda:1").index == 1  # naming a device needs no GPU
