"""minigrad-course check (students) and pytest --nbval-lax on an exercise."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from conftest import CHAPTER, code
from students import answered, cell_of

from minigrad_course import notebook as nbf
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
    released(test)
    path = course["root"] / "grad.ipynb"
    nbformat.write(nb, str(path))
    report = check(path)
    assert report.outcomes["relu_test"]["message"] == GRADCHECK_MESSAGE
    assert "input 0, shape (2, 3)" in report.table()


def released(cell) -> None:
    """Make an edited locked cell what the release says (as if the instructor wrote it)."""
    cell.metadata["minigrad"].update(checksum=nbf.checksum(cell), original=cell.source)


WRONG_BACKWARD = """\
class Double(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2.0

    @staticmethod
    def backward(ctx, gy):
        return gy * 3.0  # the student's mistake: d(2x)/dx is 2"""


def test_a_wrong_gradient_is_a_failed_test_not_an_error(course, exercise):
    """minigrad.testing.gradcheck raises GradcheckError (a RuntimeError, as in PyTorch)."""
    nb = answered(exercise, relu=WRONG_BACKWARD)
    setup = cell_of(nb, "setup")
    setup.source += (
        "\nfrom minigrad.autograd import Function\nfrom minigrad.testing import gradcheck"
    )
    released(setup)
    test = cell_of(nb, "relu_test")
    test.source = (
        "import minigrad\nx = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)"
    )
    test.source += "\ngradcheck(Double.apply, (x,))"
    released(test)
    path = course["root"] / "gradient.ipynb"
    nbformat.write(nb, str(path))
    outcome = check(path).outcomes["relu_test"]
    assert outcome["status"] == "failed", outcome
    assert "gradcheck" in outcome["message"]


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


def test_total_says_hidden_tests_run_at_grading(course, exercise, capsys):
    """A full score in `check` is the visible tests only: it must not read as the grade."""
    path = course["root"] / "done.ipynb"
    nbformat.write(answered(exercise), str(path))
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "total        6/6  (these are the visible tests only: grading also runs hidden tests" in out
    )


def test_an_edited_locked_cell_runs_as_released_and_is_named(course, exercise):
    nb = answered(exercise, relu="def relu(x):\n    return x")  # wrong answer
    cell_of(nb, "relu_test").source = "assert True  # trust me"
    path = course["root"] / "edited.ipynb"
    nbformat.write(nb, str(path))
    report = check(path)
    assert report.outcomes["relu_test"]["status"] == "failed"  # the original test ran
    assert report.changed == [
        "cell 4 ('relu_test') is locked and was changed: grading runs the original, "
        "so this check ran the original"
    ]
    assert report.changed[0] in report.table()


def test_an_edited_locked_cell_without_its_original_is_still_named(course, exercise):
    nb = answered(exercise)
    test = cell_of(nb, "square_test")
    test.source = "assert True"
    del test.metadata["minigrad"]["original"]  # an exercise built before originals were kept
    path = course["root"] / "old.ipynb"
    nbformat.write(nb, str(path))
    report = check(path)
    assert "cell 6 ('square_test') is locked and was changed: grading runs the original, " in (
        report.table()
    )
    assert "this check ran yours" in report.changed[0]


def test_a_kernel_that_never_starts_leaves_nothing_to_fail_at_exit(tmp_path):
    """nbclient kept its exit-time cleanup registered for a kernel that never started (it was
    tried twice) and it failed with an AssertionError when the process ended."""
    script = tmp_path / "run.py"
    script.write_text(
        "import tempfile\n"
        "from pathlib import Path\n"
        "import nbformat\n"
        "from minigrad_course.sandbox import Limits, execute\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "r = execute(nb, Limits(timeout=20), Path(tempfile.mkdtemp()), python='/bin/false')\n"
        "print('error:', r.error)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert "error: RuntimeError: Kernel died" in done.stdout, done.stdout + done.stderr
    assert "Exception ignored" not in done.stderr, done.stderr
