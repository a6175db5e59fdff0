"""minigrad_course.nbval_checks on a made-up exercise: a stub may fail (and a NameError it
leaves behind), a test cell that passes on the stubs fails, any other error fails."""

from __future__ import annotations

import subprocess
import sys

import nbformat


def graded(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": source[:8], "schema_version": 3, **nbgrader}
    return cell


def run_nbval(folder) -> dict[str, str]:
    """Cell number -> PASSED, FAILED or XFAIL for the notebook in folder/exercises."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rA"]
        + ["-p", "minigrad_course.nbval_checks", "--nbval-lax", "--nbval-current-env"]
        + ["exercises"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {
        line.split("::Cell ")[1].split()[0]: line.split()[0]
        for line in done.stdout.splitlines()
        if "::Cell " in line and line.split()[0] in ("PASSED", "FAILED", "XFAIL")
    }


def test_exercise_rules(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        graded("# YOUR CODE HERE\nraise NotImplementedError()", solution=True, grade=False),
        nbformat.v4.new_code_cell("print(answer)"),  # NameError left by the stub: allowed
        graded("assert True", solution=False, grade=True, locked=True, points=1),
        nbformat.v4.new_code_cell("1 / 0"),
        graded("assert answer == 42", solution=False, grade=True, locked=True, points=1),
    ]
    (tmp_path / "exercises").mkdir()
    nbformat.write(nb, tmp_path / "exercises" / "99_made_up.ipynb")
    outcomes = run_nbval(tmp_path)
    assert outcomes == {
        "0": "XFAIL",
        "1": "XFAIL",
        "2": "FAILED",  # a test cell passing on the stubs
        "3": "FAILED",  # an error that is not a stub's
        "4": "XFAIL",
    }, outcomes


def test_an_answered_sheet_passes(tmp_path):
    """A student's sheet: answered questions pass, an unanswered one is not done (xfail)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        graded("answer = 42", solution=True, grade=False),
        graded("assert answer == 42", solution=False, grade=True, locked=True, points=1),
        graded("def f():\n    raise NotImplementedError()", solution=True, grade=False),
        graded("assert f() == 1", solution=False, grade=True, locked=True, points=1),
    ]
    (tmp_path / "exercises").mkdir()
    nbformat.write(nb, tmp_path / "exercises" / "99_answered.ipynb")
    assert run_nbval(tmp_path) == {"0": "PASSED", "1": "PASSED", "2": "PASSED", "3": "XFAIL"}
