"""CUDA through CuPy, loaded lazily. Detection never raises: it records why CUDA is unusable.

`import minigrad` never imports CuPy; the first `is_available()` or `.to("cuda")` does.
"""

from __future__ import annotations

import importlib
import importlib.metadata

_INSTALL = 'pip install "minigrad[cuda12]"  (or "minigrad[cuda13]" for a CUDA 13 driver)'
_probed: tuple[object, str] | None = None  # (cupy module or None, reason it is unusable)


def _cupy_wheels() -> list[str]:
    names = set()
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name == "cupy" or name.startswith("cupy-cuda") or name.startswith("cupy-rocm"):
            names.add(name)
    return sorted(names)


def _probe() -> tuple[object, str]:
    wheels = _cupy_wheels()
    if len(wheels) > 1:
        return None, (
            f"several CuPy packages are installed ({', '.join(wheels)}); they overwrite each "
            f"other. Keep one: pip uninstall -y {' '.join(wheels)} && {_INSTALL}"
        )
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as exc:
        return None, f"CuPy is not installed ({exc}). Install it with: {_INSTALL}"
    except Exception as exc:  # a broken CuPy install raises all sorts of errors at import
        return None, f"CuPy failed to import ({type(exc).__name__}: {exc}). Reinstall: {_INSTALL}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        text = str(exc)
        if "libcuda" in text or "driver" in text.lower() or "InsufficientDriver" in text:
            return None, (
                f"CuPy is installed but no NVIDIA driver was found ({text}). Install the NVIDIA "
                "driver, or use a GPU runtime (Colab: Runtime > Change runtime type > GPU)."
            )
        return None, f"CuPy could not query CUDA devices ({type(exc).__name__}: {text})."
    if count == 0:
        return None, (
            "CuPy and a driver are installed but no CUDA device is visible "
            "(check nvidia-smi and CUDA_VISIBLE_DEVICES)."
        )
    return cupy, ""


def probe(refresh: bool = False) -> tuple[object, str]:
    """(cupy or None, reason). Cached: detection runs once unless `refresh` is True."""
    global _probed
    if _probed is None or refresh:
        _probed = _probe()
    return _probed


def is_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    return probe()[0] is not None


def load(index: int):
    """The CuPy module for device `index`; RuntimeError saying what is missing otherwise."""
    cupy, reason = probe()
    if cupy is None:
        raise RuntimeError(f"CUDA is not available: {reason}")
    count = cupy.cuda.runtime.getDeviceCount()
    if index >= count:
        raise RuntimeError(
            f"cuda:{index} does not exist: {count} CUDA device(s) visible (cuda:0..{count - 1})"
        )
    return cupy
