"""Every install hint installs the course from its folder or the instructor's wheel.

`minigrad` on the public package index is an unrelated project, and the course's own
distribution name is not published there either: a hint like `pip install "minigrad[cuda12]"`
installs someone else's code. This test reads every hint in the README, docs/, the notebooks
(found on disk, so new chapters are covered) and the package sources, and fails on a
requirement that names either distribution.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
DIST_NAME = re.search(r'^name = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
INDEX_NAMES = {"minigrad", DIST_NAME.lower().replace("_", "-")}
# `pip install`, `pip3 install`, `%pip install`, `python -m pip install`, `uv pip install`,
# up to where the command ends: a backtick, a shell separator, a closing bracket or the line end.
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b([^`\n;&|)]*)")
# A requirement with extras on an index name, even outside a pip command: "or minigrad[cuda13]".
EXTRAS_ON_NAME = re.compile(r"(?<![\w./-])minigrad(?:[-_]course)?\[[\w, -]+\]", re.IGNORECASE)


def hint_files() -> list[Path]:
    """The files students and instructors read hints in, found on disk."""
    found = [ROOT / "README.md", ROOT / "environment.yml"]
    found += sorted((ROOT / "docs").rglob("*.md"))
    for folder in ("notebooks", "solutions", "exercises"):
        found += sorted((ROOT / folder).rglob("*.ipynb"))
    for package in ("minigrad", "minigrad_course"):
        found += sorted((ROOT / package).rglob("*.py"))
    return [p for p in found if p.is_file() and ".ipynb_checkpoints" not in p.parts]


def text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return "\n".join(cell.source for cell in nb.cells)
    return path.read_text(encoding="utf-8")


def index_requirements(text: str) -> list[str]:
    """The pip-install arguments (and extras requirements) in text that name an index project."""
    bad = []
    for match in PIP_INSTALL.finditer(text):
        for token in re.findall(r"[^\s\"'`]+", match.group(1)):
            name = re.match(r"[A-Za-z0-9._-]*", token).group(0).lower().replace("_", "-")
            if not token.startswith("-") and name in INDEX_NAMES:
                bad.append(match.group(0).strip())
    bad += [m.group(0) for m in EXTRAS_ON_NAME.finditer(text)]
    return bad


@pytest.mark.parametrize(
    "hint",
    [
        'pip install "minigrad[cuda12]"',
        "%pip install minigrad",
        "python -m pip install -U minigrad==0.0.6",
        "then `pip install` it, or minigrad[cuda13] for a CUDA 13 driver",
        f"pip install {DIST_NAME}",
        f"pip3 install '{DIST_NAME}[lab]'",
    ],
)
def test_a_bare_name_is_caught(hint):
    assert index_requirements(hint), f"not caught: {hint}"


@pytest.mark.parametrize(
    "hint",
    [
        'pip install -e ".[cuda12]"',
        "pip install -e '.[lab,test]' && minigrad-course doctor",
        '%pip install -q "/content/minigrad-course[cuda12]"',
        "pip install minigrad_course-0.1.0-py3-none-any.whl",
        'pip install "numpy>=1.26" scikit-learn',
        "pip uninstall -y minigrad",
    ],
)
def test_a_folder_or_wheel_hint_passes(hint):
    assert not index_requirements(hint), hint


def test_no_hint_installs_from_the_index():
    files = hint_files()
    bad, hints = [], 0
    for path in files:
        text = text_of(path)
        hints += len(PIP_INSTALL.findall(text))
        bad += [f"{path.relative_to(ROOT)}: {hint}" for hint in index_requirements(text)]
    assert not bad, "install from the course folder or the wheel instead:\n" + "\n".join(bad)
    # The scan really read the hints: the README, the GPU guide, chapter 00 and the CUDA
    # backend all have some.
    names = {p.relative_to(ROOT).as_posix() for p in files}
    assert {"README.md", "docs/gpu.md", "notebooks/00_setup.ipynb"} <= names
    assert {"minigrad/backend/cuda.py", "minigrad_course/doctor.py"} <= names
    assert hints >= 10, f"only {hints} pip-install hints found: is the scan reading the files?"
