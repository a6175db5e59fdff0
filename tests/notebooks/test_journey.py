"""A student's journey: take the released sheet, answer every question with the reference
answer, run `minigrad-course check` on it, and expect every question to pass."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbrun import ROOT, SHEETS

from minigrad_course import notebook as nbf
from minigrad_course.check import check


def answered_sheet(chapter: str) -> nbformat.NotebookNode:
    """exercises/CHAPTER with each answer cell filled in as the solution does."""
    solution = nbf.read_notebook(ROOT / "solutions" / f"{chapter}.ipynb")
    sheet = nbf.read_notebook(ROOT / "exercises" / f"{chapter}.ipynb")
    answers = {
        nbf.grade_id(c): nbf.strip_marker_lines(c.source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION)
        for c in solution.cells
        if nbf.role(c) == nbf.ANSWER
    }
    for cell in sheet.cells:
        if nbf.role(cell) == nbf.ANSWER:
            cell.source = answers.pop(nbf.grade_id(cell))
    assert not answers, f"answer cells missing from the exercise: {sorted(answers)}"
    return sheet


@pytest.mark.parametrize("chapter", SHEETS)
def test_answered_sheet_passes_check(chapter, tmp_path):
    path = tmp_path / f"{chapter}.ipynb"
    nbformat.write(answered_sheet(chapter), str(path))
    report = check(path)
    assert report.all_passed, report.table()
    assert not report.other_errors, report.table()


def test_check_command_line_reports_all_passed(tmp_path):
    """The command students type, on chapter 00: exit status 0 and every question passed."""
    path = tmp_path / "00_setup.ipynb"
    nbformat.write(answered_sheet("00_setup"), str(path))
    done = subprocess.run(
        [sys.executable, "-m", "minigrad_course.cli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failing" not in done.stdout and "not yet done" not in done.stdout, done.stdout
