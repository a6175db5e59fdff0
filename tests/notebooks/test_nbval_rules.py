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


def pytest_nbval(folder, subfolder: str) -> str:
    """What pytest with nbval and the plugin reports (-rA) on the notebooks of a subfolder."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rA"]
        + ["-p", "minigrad_course.nbval_checks", "--nbval-lax", "--nbval-current-env"]
        + [subfolder],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout


def run_nbval(folder) -> dict[str, str]:
    """Cell number -> PASSED, FAILED or XFAIL for the notebook in folder/exercises."""
    return {
        line.split("::Cell ")[1].split()[0]: line.split()[0]
        for line in pytest_nbval(folder, "exercises").splitlines()
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


def test_the_time_budget_counts_the_kernels_cpu_time(tmp_path):
    """A chapter that waits (as one does on a busy machine) is within its budget; one that
    computes past it is not. Wall time failed chapters at 67 s of a 60 s budget under load (a
    load average of 10 on 2 cores): the neighbours' work counted as theirs."""
    (tmp_path / "conftest.py").write_text(
        "from minigrad_course import nbval_checks\nnbval_checks.BUDGET_S['notebooks'] = 3\n"
    )
    (tmp_path / "notebooks").mkdir()
    for name, source in [
        ("waits", "import time\ntime.sleep(4)"),
        (
            "computes",
            "import time\nt = time.process_time()\nwhile time.process_time() - t < 4:\n    pass",
        ),
    ]:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, tmp_path / "notebooks" / f"{name}.ipynb")
    said = pytest_nbval(tmp_path, "notebooks")
    assert "PASSED notebooks/waits.ipynb::Cell 0" in said, said
    assert "FAILED notebooks/computes.ipynb::Cell 0" in said, said
    assert "of CPU time in its kernel" in said and "(limit 3 s" in said
