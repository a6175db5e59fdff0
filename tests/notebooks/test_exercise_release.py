"""Release checks of the exercise sheets for chapters 00-05 (see minigrad_course.release).

verify() runs each solution notebook top to bottom (every test passes), then the built exercise
with the stubs as answers and the hidden tests put back (each graded cell fails only at its
stub), and looks for hidden-test text left in the exercise.
"""

from __future__ import annotations

import pytest
from nbrun import ROOT, SHEETS

from minigrad_course import notebook as nbf
from minigrad_course.build import build
from minigrad_course.release import verify


@pytest.mark.parametrize("chapter", SHEETS)
def test_solution_passes_and_stubs_fail_only_at_stubs(chapter):
    report = verify(chapter, ROOT / "solutions")
    assert report.ok, report.text()


@pytest.mark.parametrize("chapter", SHEETS)
def test_exercise_is_built_and_up_to_date(chapter):
    solution = ROOT / "solutions" / f"{chapter}.ipynb"
    report = build([solution], ROOT / "exercises", check=True)
    assert report.ok, "; ".join(report.errors + report.stale) + " (run `minigrad-course build`)"


@pytest.mark.parametrize("chapter", SHEETS)
def test_exercise_has_stubs_and_no_answers(chapter):
    exercise = nbf.read_notebook(ROOT / "exercises" / f"{chapter}.ipynb")
    text = nbf.dumps_notebook(exercise)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"exercises/{chapter}.ipynb still contains {marker!r}"
    answers = [c for c in exercise.cells if nbf.role(c) == nbf.ANSWER]
    tests = [c for c in exercise.cells if nbf.role(c) == nbf.TEST]
    assert len(tests) >= 3, f"{chapter}: {len(tests)} graded questions, the course asks for 3+"
    for cell in answers:
        assert "raise NotImplementedError()" in cell.source, (
            f"{chapter}: answer cell {nbf.grade_id(cell)!r} has no stub"
        )
    for cell in exercise.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{chapter}: outputs left"
