"""``minigrad-course doctor``: what is wrong with this setup, and the command that fixes it.

Each check returns OK, WARN (optional piece missing: the course still works) or FAIL, with
the fix. Nothing here may crash: every probe runs inside a try.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

OK, WARN, FAIL = "OK", "WARN", "FAIL"
INSTALL = 'pip install -e ".[lab]"   (in the course folder)'
KERNEL_FIX = 'python -m ipykernel install --user --name minigrad --display-name "Python (minigrad)"'
CUDA_FIX = 'pip install -e ".[cuda12]"   (in the course folder; ".[cuda13]" for a CUDA 13 driver)'


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    status: str
    detail: str
    fix: str = ""


def _version(module: str) -> str | None:
    try:
        return getattr(importlib.import_module(module), "__version__", "unknown version")
    except Exception:
        return None


def _distribution_version(name: str) -> str | None:
    """The installed version of a distribution, without importing it (None if absent)."""
    try:
        return importlib.metadata.version(name)
    except Exception:
        return None


def _as_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("Python", OK, f"{version} ({sys.executable})")
    return Check(
        "Python",
        FAIL,
        f"{version} is too old (3.10 or newer needed)",
        "conda create -n minigrad python=3.11, then install minigrad there",
    )


def check_numpy() -> Check:
    version = _version("numpy")
    if version is None:
        return Check("NumPy", FAIL, "not importable", 'pip install "numpy>=1.26"')
    if _as_tuple(version) < (1, 26):
        return Check("NumPy", FAIL, f"{version} is too old", 'pip install -U "numpy>=1.26"')
    return Check("NumPy", OK, version)


def check_minigrad() -> Check:
    version = _version("minigrad")
    if version is None:
        return Check("minigrad", FAIL, "not importable from this Python", INSTALL)
    return Check("minigrad", OK, version)


def check_kernel() -> Check:
    """A kernelspec students can pick, and a kernel that really starts and answers."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager().find_kernel_specs()
    except Exception as exc:
        return Check("Jupyter kernel", FAIL, f"jupyter_client is broken: {exc}", INSTALL)
    if not specs:
        return Check("Jupyter kernel", FAIL, "no Jupyter kernel is installed", KERNEL_FIX)
    # The kernel's stderr goes to a file, not to the student's terminal: ipykernel warns there
    # on every start (plain TCP on localhost), which is noise here. It is shown on a failure.
    with tempfile.TemporaryFile(mode="w+") as kernel_log:
        try:
            from jupyter_client.manager import start_new_kernel

            km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60, stderr=kernel_log)
            try:
                reply = kc.execute_interactive("1 + 1", timeout=30, output_hook=lambda msg: None)
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
            ok = reply["content"]["status"] == "ok"
        except Exception as exc:
            kernel_log.seek(0)
            said = kernel_log.read()[-2000:].strip()
            detail = f"a kernel does not start: {exc}" + (f"\nkernel said: {said}" if said else "")
            return Check("Jupyter kernel", FAIL, detail, KERNEL_FIX)
    named = "minigrad" in specs
    detail = "kernels: " + ", ".join(sorted(specs)) + ("" if named else " (no 'minigrad' kernel)")
    gone = _missing_interpreter("minigrad") if named else None
    if gone:  # registered from a course folder since moved or deleted: it cannot start
        detail += f"; the 'minigrad' kernel runs {gone}, which does not exist any more"
    good = ok and named and not gone
    return Check("Jupyter kernel", OK if good else WARN, detail, "" if good else KERNEL_FIX)


def _missing_interpreter(name: str) -> str | None:
    """The Python a kernelspec starts, when it is a path that does not exist."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        program = KernelSpecManager().get_kernel_spec(name).argv[0]
    except Exception:
        return None
    return program if os.path.isabs(program) and not os.path.exists(program) else None


def check_widgets() -> Check:
    version = _version("ipywidgets")
    if version is None:
        return Check(
            "ipywidgets",
            WARN,
            "not installed: sliders in the chapters will not show",
            'pip install "ipywidgets>=7.7"',
        )
    # NOTE: JupyterLab 4's widget manager registers only ipywidgets 8's models: a 7.x kernel's
    # sliders and bars show "Click to show javascript error" (seen in the browser tests).
    # Colab has a frontend of its own that draws 7.7, and there JupyterLab is not installed.
    lab = _distribution_version("jupyterlab")
    if lab and _as_tuple(lab) >= (4,) and _as_tuple(version) < (8,):
        return Check(
            "ipywidgets",
            WARN,
            f"{version} with JupyterLab {lab}, which draws only ipywidgets 8: sliders and "
            "progress bars show an error instead",
            'pip install "ipywidgets>=8"',
        )
    return Check("ipywidgets", OK, version)


def _cupy():
    try:
        import cupy  # lazily, and only here: a broken CUDA setup must not crash the doctor

        return cupy, None
    except Exception as exc:
        return None, exc


def check_cupy() -> Check:
    cupy, error = _cupy()
    if cupy is None:
        kind = "not installed" if isinstance(error, ImportError) else f"broken ({error})"
        return Check("CuPy", WARN, f"{kind}: GPU cells will be skipped", CUDA_FIX)
    return Check("CuPy", OK, getattr(cupy, "__version__", "unknown version"))


def _nvidia_smi() -> str | None:
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        done = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        return done.stdout.strip() if done.returncode == 0 else None
    except Exception:
        return None


def check_cuda() -> list[Check]:
    """CUDA driver and device, from minigrad.cuda if it is there, else CuPy, else nvidia-smi."""
    try:
        from minigrad import cuda as minigrad_cuda

        available = bool(minigrad_cuda.is_available())
    except Exception:
        available = None
    cupy, _ = _cupy()
    if cupy is not None:
        try:
            driver = cupy.cuda.runtime.driverGetVersion()
            count = cupy.cuda.runtime.getDeviceCount()
            name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode() if count else None
        except Exception as exc:
            return [
                Check(
                    "CUDA driver",
                    FAIL,
                    f"CuPy cannot talk to the driver: {exc}",
                    "install or update the NVIDIA driver; check with nvidia-smi",
                )
            ]
        checks = [Check("CUDA driver", OK, f"{driver // 1000}.{driver % 1000 // 10}")]
        if not count:
            return checks + [Check("CUDA device", WARN, "no GPU found", "")]
        usable = "" if available is not False else " (minigrad.cuda.is_available() is False)"
        return checks + [Check("CUDA device", OK if not usable else WARN, f"{name}{usable}")]
    smi = _nvidia_smi()
    if smi:
        return [
            Check("CUDA driver", OK, f"nvidia-smi: {smi}"),
            Check("CUDA device", WARN, "a GPU is present but CuPy is not installed", CUDA_FIX),
        ]
    return [
        Check(
            "CUDA driver",
            WARN,
            "no NVIDIA driver found (fine without a GPU)",
            "use a cloud GPU notebook for chapter 07, or install the NVIDIA driver",
        ),
        Check("CUDA device", WARN, "no GPU: GPU cells print what they skipped", ""),
    ]


CHECKS: list[Callable[[], Check | list[Check]]] = [
    check_python,
    check_numpy,
    check_minigrad,
    check_kernel,
    check_widgets,
    check_cupy,
    check_cuda,
]


def run_checks() -> list[Check]:
    """Every check, in order; a check that itself crashes is reported, not raised."""
    results: list[Check] = []
    for probe in CHECKS:
        try:
            found = probe()
        except Exception as exc:  # the doctor never crashes
            found = Check(probe.__name__.removeprefix("check_"), FAIL, f"check crashed: {exc}")
        results += found if isinstance(found, list) else [found]
    return results


def format_checks(checks: list[Check]) -> str:
    """The report as aligned text lines, each fix indented under its check."""
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{c.status:<4}  {c.name:<{width}}  {c.detail}")
        if c.fix and c.status != OK:
            lines.append(f"{'':<4}  {'':<{width}}  fix: {c.fix}")
    return "\n".join(lines)
