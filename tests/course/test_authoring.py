"""Authoring mistakes `verify` must catch, and notebooks in the shape of nbgrader's examples."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import CHAPTER, code, meta, solution_notebook, write
from nbformat.v4 import new_markdown_cell, new_notebook

from minigrad_course import notebook as nbf
from minigrad_course.build import build
from minigrad_course.release import verify

REPO = Path(__file__).resolve().parents[2]


def test_verify_refuses_a_test_whose_visible_part_never_calls_the_answer(course):
    """Only the hidden part calls relu: an untouched stub passed `check` and verify said OK."""
    nb = solution_notebook()
    nb.cells[3].source = (
        'assert callable(relu), "define relu"\n'
        "# BEGIN HIDDEN TESTS\n"
        "assert relu(np.array([-5.0]))[0] == 0\n"
        "# END HIDDEN TESTS"
    )
    write(nb, course["solutions"] / f"{CHAPTER}.ipynb")
    report = verify(CHAPTER, solutions_dir=course["solutions"])
    assert report.problems == [
        "test 'relu_test' without its hidden tests is 'passed' with the stub answers, not "
        "'not yet done': its visible part must call the answer, or an untouched stub passes "
        "`check`"
    ], report.text()


def nbgrader_shaped() -> nbformat.NotebookNode:
    """A source notebook in the shape of nbgrader's ps1/problem1.ipynb (our own text): a
    locked markdown cell, `### BEGIN SOLUTION` answers, UNLOCKED test cells, a manually graded
    markdown answer, a manually graded code cell without markers and a task cell."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = solution_notebook().metadata["kernelspec"]
    intro = new_markdown_cell("We work in a notebook.")
    intro.metadata.update(meta("intro", "given"))
    cube = code(
        "def cubes(n):\n    ### BEGIN SOLUTION\n    return [i**3 for i in range(n)]\n"
        "    ### END SOLUTION",
        "cubes",
    )
    test = code("assert cubes(3) == [0, 1, 8]", "cubes_test", "test", 1)
    test.metadata["nbgrader"]["locked"] = False  # as nbgrader's examples have it
    why = new_markdown_cell("Cubes grow fast.")
    why.metadata.update(meta("why", "manual", 1))
    usecase = code("def volume(n):\n    return sum(cubes(n))", "usecase", "manual", 2)
    task = new_markdown_cell("Part C: compare two formulas numerically.")
    task.metadata.update(meta("task", "given"))
    task.metadata["nbgrader"].update(task=True, points=4)
    nb.cells = [intro, cube, test, why, usecase, task]
    return nb


def test_nbgrader_example_shape_builds_and_verifies(course):
    path = write(nbgrader_shaped(), course["solutions"] / "09_nbgrader_shape.ipynb")
    report = build([path], course["exercises"])
    assert report.ok, report.errors
    out = nbformat.read(str(course["exercises"] / path.name), as_version=4)
    test, usecase, task = out.cells[2], out.cells[4], out.cells[5]
    assert test.metadata["nbgrader"]["locked"] is True and test.metadata["editable"] is False
    # nbgrader's rule: a solution cell without markers is replaced by the stub as a whole
    assert usecase.source == "\n".join(nbf.CODE_STUB)
    assert task.source.startswith("Part C") and task.metadata["editable"] is False
    assert "task" not in task.metadata["nbgrader"]
    assert verify(path.stem, solutions_dir=course["solutions"]).ok


PARAMETERS = ", ".join(letter * 20 for letter in "abcde")  # a 116-character def line
LONG_AND_UNSORTED = f"import sys\nimport os\n\n\ndef f({PARAMETERS}):\n    return os, sys\n"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lint_formats_instead_of_stopping_at_the_first_long_line(tmp_path):
    """`make lint` used to run `ruff check --fix` first, which stops at an E501 that the
    formatter would have fixed, so the formatter never ran."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "solution_code.py").write_text(LONG_AND_UNSORTED)
    venv = Path(sys.executable).parent.parent
    stamp = venv / ".stamp-test"  # -o: use this environment as it is, install nothing
    done = subprocess.run(
        ["make", "lint", f"VENV={venv}", "-o", str(stamp)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = (tmp_path / "solution_code.py").read_text()
    assert text.startswith("import os\nimport sys\n")  # fixed by `ruff check --fix`
    assert f"def f(\n    {'a' * 20},\n" in text  # wrapped by `ruff format`
