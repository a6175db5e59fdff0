"""minigrad-course check (students) and pytest --nbval-lax on an exercise."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from conftest import CHAPTER, code
from students import answered, cell_of

from minigrad_course.build import build
from minigrad_course.check import check
from minigrad_course.cli import main

GRADCHECK_MESSAGE = (
    "gradcheck: the gradient of op 'mul' is wrong\n  input 0, shape (2, 3): max abs difference 1.0"
)


@pytest.fixture
def exercise(course):
    build([course["solutions"] / f"{CHAPTER}.ipynb"], course["exercises"])
    return nbformat.read(str(course["exercises"] / f"{CHAPTER}.ipynb"), as_version=4)


def test_fresh_exercise_is_not_yet_done(course, exercise, capsys):
    path = course["exercises"] / f"{CHAPTER}.ipynb"
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("not yet done") == 3 and "total        0/6" in out


def test_solved_partly_and_failing_messages(course, exercise, capsys):
    nb = answered(exercise, square="def square(x):\n    return x + x", mean=None)
    path = course["root"] / "mine.ipynb"
    nbformat.write(nb, str(path))
    report = check(path)
    status = {gid: o["status"] for gid, o in report.outcomes.items()}
    assert status == {"relu_test": "passed", "square_test": "failed", "mean_test": "not yet done"}
    assert report.outcomes["square_test"]["message"] == "square(3) should be 9, got 6"
    table = report.table()
    assert "square_test  0/1     failing: square(3) should be 9, got 6" in table
    assert not report.all_passed


def test_all_passed_despite_warnings_on_stderr(course, exercise, capsys):
    path = course["root"] / "done.ipynb"
    nbformat.write(answered(exercise), str(path))  # square_test warns and writes to stderr
    assert main(["check", str(path)]) == 0
    assert "total        6/6" in capsys.readouterr().out
    assert not list(course["root"].glob("kernel*"))  # check leaves no files behind


def test_gradient_check_message_is_shown_faithfully(course, exercise):
    nb = answered(exercise)
    test = cell_of(nb, "relu_test")
    test.source = f"raise AssertionError({GRADCHECK_MESSAGE!r})"
    path = course["root"] / "grad.ipynb"
    nbformat.write(nb, str(path))
    report = check(path)
    assert report.outcomes["relu_test"]["message"] == GRADCHECK_MESSAGE
    assert "input 0, shape (2, 3)" in report.table()


def test_errors_outside_questions_are_noted(course, exercise):
    nb = answered(exercise)
    nb.cells.insert(1, code("undefined_name"))
    path = course["root"] / "extra.ipynb"
    nbformat.write(nb, str(path))
    report = check(path)
    assert report.all_passed
    assert any("NameError" in e for e in report.other_errors)


@pytest.mark.parametrize(("solved", "returncode"), [(True, 0), (False, 1)])
def test_pytest_nbval_lax_works_on_exercises(course, exercise, solved, returncode):
    path = course["root"] / "nbval_me.ipynb"
    nbformat.write(answered(exercise) if solved else exercise, str(path))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            str(path),
        ],
        cwd=course["root"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == returncode, done.stdout + done.stderr
