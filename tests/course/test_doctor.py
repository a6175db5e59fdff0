"""minigrad-course doctor: every check reports OK/WARN/FAIL with a fix, and never crashes."""

from __future__ import annotations

import builtins
import subprocess
import sys

from minigrad_course import doctor
from minigrad_course.cli import main

NAMES = [
    "Python",
    "NumPy",
    "minigrad",
    "Jupyter kernel",
    "ipywidgets",
    "CuPy",
    "CUDA driver",
    "CUDA device",
]


def test_doctor_reports_every_component(capsys):
    code = main(["doctor"])
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out
    assert code in (0, 1)
    checks = {c.name: c for c in doctor.run_checks()}
    assert checks["Python"].status == doctor.OK and checks["NumPy"].status == doctor.OK
    assert checks["Jupyter kernel"].status in (doctor.OK, doctor.WARN)
    for check in checks.values():
        assert check.status in (doctor.OK, doctor.WARN, doctor.FAIL)
        if check.status == doctor.FAIL:
            assert check.fix


def test_missing_cupy_is_a_warning_with_the_install_command(monkeypatch):
    real_import = builtins.__import__

    def no_cupy(name, *args, **kwargs):
        if name == "cupy" or name.startswith("cupy."):
            raise ImportError("No module named 'cupy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(builtins, "__import__", no_cupy)
    check = doctor.check_cupy()
    assert check.status == doctor.WARN and 'pip install -e ".[cuda12]"' in check.fix
    assert all(c.status in (doctor.OK, doctor.WARN) for c in doctor.check_cuda())


def test_a_crashing_check_is_reported_not_raised(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(doctor, "CHECKS", [broken])
    [check] = doctor.run_checks()
    assert check.status == doctor.FAIL and "boom" in check.detail


def test_old_numpy_is_refused(monkeypatch):
    monkeypatch.setattr(doctor, "_version", lambda module: "1.21.0")
    check = doctor.check_numpy()
    assert check.status == doctor.FAIL and "numpy>=1.26" in check.fix


def test_doctor_keeps_stderr_quiet():
    """The kernel's start-up warnings stay out of the student's terminal (stderr is empty)."""
    done = subprocess.run(
        [sys.executable, "-m", "minigrad_course.cli", "doctor"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "Jupyter kernel" in done.stdout, done.stdout
    assert done.stderr == "", done.stderr


def test_ipywidgets_7_under_jupyterlab_4_is_a_warning(monkeypatch):
    """JupyterLab 4 draws only ipywidgets 8 (7.7's widgets fail in the page); Colab, without
    JupyterLab, draws 7.7."""
    installed = {"ipywidgets": "7.7.1", "jupyterlab": "4.2.5"}
    monkeypatch.setattr(doctor, "_version", installed.get)
    monkeypatch.setattr(doctor, "_distribution_version", installed.get)
    check = doctor.check_widgets()
    assert check.status == doctor.WARN and check.fix == 'pip install "ipywidgets>=8"'
    assert "7.7.1" in check.detail and "JupyterLab 4.2.5" in check.detail
    for versions in ({"ipywidgets": "8.1.5", "jupyterlab": "4.2.5"}, {"ipywidgets": "7.7.1"}):
        installed.clear()
        installed.update(versions)
        assert doctor.check_widgets().status == doctor.OK, versions


def test_a_minigrad_kernel_whose_python_is_gone_is_a_warning(monkeypatch, tmp_path):
    """`make lab` registers the kernel with the venv's Python by its path: after the course
    folder moved, "Python (minigrad)" is still listed but cannot start."""
    from jupyter_client import kernelspec

    gone = str(tmp_path / "moved" / ".venv" / "bin" / "python")

    class Spec:
        argv = [gone, "-m", "ipykernel_launcher", "-f", "{connection_file}"]

    monkeypatch.setattr(kernelspec.KernelSpecManager, "get_kernel_spec", lambda self, name: Spec)
    assert doctor._missing_interpreter("minigrad") == gone
    Spec.argv = [sys.executable, *Spec.argv[1:]]
    assert doctor._missing_interpreter("minigrad") is None
    Spec.argv = ["python", *Spec.argv[1:]]  # found on PATH when the kernel starts
    assert doctor._missing_interpreter("minigrad") is None
