"""A small NumPy-only chapter (solution notebook) and helpers to write student versions."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CHAPTER = "03_tiny"

RELU = '''\
def relu(x):
    """max(x, 0), elementwise."""
    # BEGIN SOLUTION
    return np.maximum(x, 0)
    # END SOLUTION'''

RELU_TEST = """\
x = np.array([-1.0, 0.0, 2.0])
assert np.allclose(relu(x), [0, 0, 2]), f"relu({x}) gave {relu(x)}, expected [0 0 2]"
# BEGIN HIDDEN TESTS
assert relu(np.array([-5.0]))[0] == 0, "hidden: relu(-5) should be 0"
# END HIDDEN TESTS"""

SQUARE = """\
def square(x):
    # BEGIN SOLUTION
    return x * x
    # END SOLUTION"""

SQUARE_TEST = """\
import warnings, sys
warnings.warn("a harmless warning on stderr")
print("chatter on stderr", file=sys.stderr)
assert square(3) == 9, f"square(3) should be 9, got {square(3)}"
### BEGIN HIDDEN TESTS
assert square(-2) == 4, "hidden: square(-2) should be 4"
### END HIDDEN TESTS"""

MEAN = """\
data = np.arange(10.0)
# BEGIN SOLUTION
mu = data.mean()
# END SOLUTION"""

MEAN_TEST = 'assert mu == 4.5, f"mu should be 4.5, got {mu}"'

POINTS = {"relu_test": 2, "square_test": 1, "mean_test": 3}


def meta(grade_id: str, kind: str, points: int = 0) -> dict:
    """nbgrader metadata for an answer, test or given cell."""
    flags = {
        "answer": {"grade": False, "solution": True, "locked": False},
        "test": {"grade": True, "solution": False, "locked": True, "points": points},
        "given": {"grade": False, "solution": False, "locked": True},
        "manual": {"grade": True, "solution": True, "locked": False, "points": points},
    }[kind]
    return {"nbgrader": {"schema_version": 3, "grade_id": grade_id, **flags}}


def code(source: str, grade_id: str | None = None, kind: str = "answer", points: int = 0):
    cell = new_code_cell(source)
    if grade_id:
        cell.metadata.update(meta(grade_id, kind, points))
    return cell


def python_notebook(cells) -> nbformat.NotebookNode:
    """A notebook of these cells (ids cell-0, cell-1, ...) for the plain Python 3 kernel, as a
    chapter's."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = list(cells)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    return nb


def solution_notebook() -> nbformat.NotebookNode:
    """Chapter 03_tiny: three questions worth 2 + 1 + 3 points."""
    explain = new_markdown_cell(
        "Relu keeps positives.\n### BEGIN SOLUTION\nIt clips.\n### END SOLUTION"
    )
    explain.metadata.update(meta("explain", "answer"))
    return python_notebook(
        [
            new_markdown_cell("# Tiny chapter\nWrite three small functions."),
            code("import numpy as np", "setup", "given"),
            code(RELU, "relu"),
            code(RELU_TEST, "relu_test", "test", 2),
            code(SQUARE, "square"),
            code(SQUARE_TEST, "square_test", "test", 1),
            code(MEAN, "mean"),
            code(MEAN_TEST, "mean_test", "test", 3),
            explain,
        ]
    )


def write(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def course(tmp_path: Path) -> dict[str, Path]:
    """solutions/03_tiny.ipynb and an empty exercises/ in a temporary folder."""
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    write(solution_notebook(), solutions / f"{CHAPTER}.ipynb")
    exercises.mkdir()
    return {"root": tmp_path, "solutions": solutions, "exercises": exercises}


@pytest.fixture(scope="session", autouse=True)
def grading_runtime():
    """As root (CI), grading runs student code as sandbox uids, which cannot execute a Python
    installed in /root: use the runtime from `make grading-runtime`, or make one for the tests
    (hard links: seconds). Exported so that `minigrad-course grade` subprocesses find it too."""
    if os.geteuid() != 0:
        yield None
        return
    from minigrad_course.runtime import default_runtime, ensure_runtime, runtime_python

    target = default_runtime()
    if runtime_python(target) is None:
        # one per environment: test runs of two checkouts on one machine must not rebuild
        # (and so delete) each other's runtime
        env = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
        target = Path(tempfile.gettempdir()) / f"minigrad-grading-runtime-tests-{env}"
        ensure_runtime(target)
    previous = os.environ.get("MINIGRAD_GRADING_RUNTIME")
    os.environ["MINIGRAD_GRADING_RUNTIME"] = str(target)
    yield target
    if previous is None:
        os.environ.pop("MINIGRAD_GRADING_RUNTIME", None)
    else:
        os.environ["MINIGRAD_GRADING_RUNTIME"] = previous
