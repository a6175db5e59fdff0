"""Every notebook of notebooks/ and solutions/ on the runtimes students meet in the cloud.

A venv per runtime (.venv-runtimes/NAME) with that runtime's Python and exact versions, the
course installed into it as a student installs it, and each notebook executed from a folder
outside the repository (so nothing is imported from the checkout). A Python this machine lacks
is skipped with a reason that names it. Run with `make test-runtimes`.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.runtimes
ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".venv-runtimes"
RUNNER = Path(__file__).with_name("run_notebook.py")
# What gets installed: the course folder until `minigrad-course release --wheel` exists; then
# this one line becomes the wheel's path.
COURSE = ROOT
# What a cloud notebook has besides the pinned versions (Colab ships all of these).
PRESENT = ["ipykernel", "nbclient", "nbformat", "tqdm", "scikit-learn", "psutil"]


@dataclass(frozen=True)
class Runtime:
    name: str
    python: str  # "3.13"
    pins: tuple[str, ...]

    def interpreter(self) -> str | None:
        """This machine's Python of that version (built by pyenv, or on PATH) that really runs:
        a pyenv shim on PATH exists for every version but fails for one not installed."""
        pyenv = os.path.expanduser(f"~/.pyenv/versions/{self.python}.*/bin/python{self.python}")
        candidates = sorted(glob.glob(pyenv), reverse=True) + [shutil.which(f"python{self.python}")]
        for candidate in filter(None, candidates):
            probe = [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
            done = subprocess.run(probe, capture_output=True, text=True, env=_clean_env())
            if done.returncode == 0 and done.stdout.strip() == self.python:
                return candidate
        return None


RUNTIMES = [
    Runtime(
        "colab",  # Colab's current runtime
        "3.13",
        ("numpy==2.1.3", "ipywidgets==7.7.1", "matplotlib==3.10.0"),
    ),
    Runtime(
        "oldest",  # the oldest the course supports
        "3.10",
        ("numpy==1.26.*", "ipywidgets==7.7.*", "matplotlib==3.7.*"),
    ),
]
NOTEBOOKS = [
    p.relative_to(ROOT).as_posix()
    for folder in ("notebooks", "solutions")
    for p in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
]
_ready: dict[str, Path] = {}
TIMES: dict[str, str] = {}  # "runtime notebook" -> seconds, for the terminal summary


def _clean_env() -> dict[str, str]:
    """The environment without anything that would import the checkout instead of the venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MPLBACKEND"] = "Agg"
    return env


def _pip(python: Path, *args: str) -> None:
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=VENVS,
    )
    assert done.returncode == 0, f"pip install {' '.join(args)} failed:\n{done.stderr[-3000:]}"


def _venv(runtime: Runtime) -> Path:
    """The runtime's venv, made once (reused while its requirements stay the same), with the
    course installed afresh from COURSE."""
    if runtime.name in _ready:
        return _ready[runtime.name]
    interpreter = runtime.interpreter()
    if interpreter is None:
        pytest.skip(f"Python {runtime.python} ({runtime.name} runtime) is not installed here")
    venv = VENVS / runtime.name
    python = venv / "bin" / "python"
    wanted = json.dumps([interpreter, *runtime.pins, *PRESENT])
    wanted += hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = venv / ".stamp"
    if not stamp.exists() or stamp.read_text() != wanted:
        shutil.rmtree(venv, ignore_errors=True)
        VENVS.mkdir(exist_ok=True)
        subprocess.run([interpreter, "-m", "venv", str(venv)], check=True, env=_clean_env())
        _pip(python, *runtime.pins, *PRESENT, "numpy>=1.26")
        stamp.write_text(wanted)
    # The course itself, every run (its code changes): no dependency may move a pinned version.
    _pip(python, "--force-reinstall", "--no-deps", str(COURSE))
    _ready[runtime.name] = python
    return python


def _pinned_version(pin: str) -> tuple[str, str]:
    name, version = pin.split("==")
    return name, version.removesuffix(".*")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
@pytest.mark.parametrize("runtime", RUNTIMES, ids=lambda r: f"{r.name}-py{r.python}")
def test_notebook_runs_on_the_runtime(runtime, notebook, tmp_path):
    python = _venv(runtime)
    # Outside the repository: the chapter's folder copied to a temporary one.
    folder = tmp_path / Path(notebook).parent.name
    shutil.copytree(ROOT / Path(notebook).parent, folder)
    done = subprocess.run(
        [str(python), str(RUNNER), str(folder / Path(notebook).name)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=tmp_path,
        timeout=900,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"{notebook}: the runner printed nothing:\n{done.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert "error" not in report, f"{notebook} on {runtime.name}:\n{report.get('error')}"
    versions = report["versions"]
    assert versions["python"].startswith(runtime.python + "."), versions
    for pin in runtime.pins:
        name, version = _pinned_version(pin)
        assert versions[name] == version or versions[name].startswith(version + "."), versions
    assert Path(versions["minigrad"]).is_relative_to(python.parent.parent), (
        f"minigrad came from {versions['minigrad']}, not from the runtime's venv"
    )
    TIMES[f"{runtime.name} (Python {versions['python']}) {notebook}"] = f"{report['seconds']:.1f}"
