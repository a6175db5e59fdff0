"""CUDA through CuPy, loaded lazily. Detection never raises: it records why CUDA is unusable.

`import minigrad` never imports CuPy; the first `is_available()` or `.to("cuda")` does. The
probe tells apart the situations students meet, each with the command that fixes it:

- `not-installed`: no CuPy (a laptop without a GPU: expected, CPU works as always);
- `broken-install`: CuPy is there but fails to import;
- `several-wheels`: two CuPy wheels (say cupy-cuda12x and cupy-cuda13x) overwrite each other;
- `no-driver`: CuPy imports but cannot load the NVIDIA driver (libcuda), or the driver is
  older than the CUDA version of the CuPy wheel;
- `no-device`: a driver, but no GPU visible to this process.

Tests simulate each one at this boundary: `_import_cupy` and `_cupy_wheels` are the seams.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass

INSTALL = 'pip install -e ".[cuda12]" (in the course folder)'
INSTALL_HINT = f'{INSTALL}  (".[cuda13]" when nvidia-smi shows CUDA 13)'
COLAB_GPU = "in Colab: Runtime > Change runtime type > a GPU"


@dataclass(frozen=True)
class Probe:
    """What detection found: the CuPy module (None when unusable), a kind and a reason."""

    cupy: object | None
    kind: str  # "ok", "not-installed", "broken-install", "several-wheels", "no-driver", ...
    reason: str = ""
    device_count: int = 0


_probed: Probe | None = None


def _import_cupy():
    return importlib.import_module("cupy")


def _cupy_wheels() -> list[str]:
    """Installed distributions that provide the `cupy` package (cupy, cupy-cudaNNx, ...)."""
    names = set()
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name in ("cupy", "amd-cupy") or name.startswith(("cupy-cuda", "cupy-rocm")):
            names.add(name)
    return sorted(names)


def _probe() -> Probe:
    wheels = _cupy_wheels()
    if len(wheels) > 1:
        return Probe(
            None,
            "several-wheels",
            f"several CuPy packages are installed ({', '.join(wheels)}) and overwrite each "
            f"other. Keep one: pip uninstall -y {' '.join(wheels)} && {INSTALL_HINT}",
        )
    try:
        cupy = _import_cupy()
    except ModuleNotFoundError as exc:
        if exc.name not in (None, "cupy"):  # cupy is there, one of its dependencies is not
            return _import_failed(exc)
        return Probe(None, "not-installed", f"CuPy is not installed. Install it: {INSTALL_HINT}")
    except Exception as exc:  # a broken CuPy raises ImportError, RuntimeError, OSError...
        return _import_failed(exc)
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:
        return _count_failed(exc)
    if count == 0:
        return _no_device("the driver reports 0 devices")
    return Probe(cupy, "ok", "", count)


def _import_failed(exc: Exception) -> Probe:
    if _mentions_driver(str(exc)):
        return _no_driver(exc)
    return Probe(
        None,
        "broken-install",
        f"CuPy is installed but fails to import ({type(exc).__name__}: {exc}). Reinstall it: "
        f"pip uninstall -y cupy cupy-cuda12x cupy-cuda13x && {INSTALL_HINT}",
    )


def _count_failed(exc: Exception) -> Probe:
    text = str(exc)
    if "NoDevice" in text or "no CUDA-capable device" in text:
        return _no_device(text)
    if _mentions_driver(text):
        return _no_driver(exc)
    return Probe(
        None,
        "no-device",
        f"CuPy cannot list the CUDA devices ({type(exc).__name__}: {text}). Check the GPU "
        "with: nvidia-smi",
    )


def _mentions_driver(text: str) -> bool:
    lowered = text.lower()
    return "libcuda" in lowered or "nvcuda" in lowered or "driver" in lowered


def _no_driver(exc: Exception) -> Probe:
    return Probe(
        None,
        "no-driver",
        f"CuPy is installed but the NVIDIA driver cannot be used ({type(exc).__name__}: "
        f"{exc}). This machine has no GPU driver, or one too old for this CuPy wheel. Check "
        f"with: nvidia-smi; install or update the NVIDIA driver ({COLAB_GPU}); with a CUDA 12 "
        f"driver use the cuda12 wheel: pip uninstall -y cupy-cuda13x && {INSTALL}",
    )


def _no_device(detail: str) -> Probe:
    return Probe(
        None,
        "no-device",
        f"CuPy and the NVIDIA driver are installed but no CUDA device is visible ({detail}). "
        "Check with: nvidia-smi; if it lists a GPU, unset CUDA_VISIBLE_DEVICES "
        f"(unset CUDA_VISIBLE_DEVICES); {COLAB_GPU}",
    )


def probe(refresh: bool = False) -> Probe:
    """The detection result, cached: it runs once unless `refresh` is True."""
    global _probed
    if _probed is None or refresh:
        _probed = _probe()
    return _probed


def is_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    return probe().cupy is not None


class CudaUnavailableError(RuntimeError, AssertionError):
    """CUDA asked for where it cannot be used. PyTorch raises a RuntimeError for this in its
    CUDA builds (no driver, no GPU) and an AssertionError ('Torch not compiled with CUDA
    enabled') in its CPU builds: this error is both, so either `except` clause catches it."""


def load(index: int):
    """The CuPy module for device `index`; RuntimeError saying what is missing otherwise."""
    found = probe()
    if found.cupy is None:
        raise CudaUnavailableError(f"CUDA is not available: {found.reason}")
    if index >= found.device_count:
        raise RuntimeError(
            f"cuda:{index} does not exist: {found.device_count} CUDA device(s) are visible "
            f"(cuda:0 to cuda:{found.device_count - 1})"
        )
    track_peak(found.cupy)
    return found.cupy


peak_bytes: dict[int, int] = {}  # GPU index -> most bytes in use (minigrad.cuda's statistics)
_tracking: list = []  # the CuPy module whose allocator is wrapped, once


def track_peak(cupy) -> None:
    """Wrap the default memory pool's malloc, once, to record the peak bytes in use per GPU.

    Left alone when the user has set another allocator (the peak is then only sampled when
    asked for). Costs one Python call per allocation; the pool reuses blocks, so few happen.
    """
    if _tracking:
        return
    _tracking.append(cupy)
    pool = cupy.get_default_memory_pool()
    if cupy.cuda.get_allocator() != pool.malloc:
        return

    def malloc(size):
        memory = pool.malloc(size)
        used = pool.used_bytes()
        if used > peak_bytes.get(memory.device_id, 0):
            peak_bytes[memory.device_id] = used
        return memory

    cupy.cuda.set_allocator(malloc)
