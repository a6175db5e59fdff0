"""Release checks both ways: solutions pass; exercises fail only at their stubs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHAPTER, solution_notebook, write

from minigrad_course.chapters import all_chapters
from minigrad_course.cli import main
from minigrad_course.release import verify

REPO = Path(__file__).resolve().parents[2]


def test_good_chapter_verifies(course, monkeypatch, capsys):
    report = verify("03", solutions_dir=course["solutions"])
    assert report.ok, report.text()
    monkeypatch.chdir(course["root"])
    assert main(["verify", "03"]) == 0
    assert "03_tiny: OK" in capsys.readouterr().out


def test_verify_finds_problems_in_both_directions(course):
    nb = solution_notebook()
    nb.cells[7].source = "assert True  # passes even with the stub"  # mean_test
    nb.cells[4].source = nb.cells[4].source.replace("x * x", "x + x")
    hidden = 'assert relu(np.array([-5.0]))[0] == 0, "hidden: relu(-5) should be 0"'
    nb.cells[3].source = hidden + "\n" + nb.cells[3].source
    write(nb, course["solutions"] / f"{CHAPTER}.ipynb")
    report = verify(CHAPTER, solutions_dir=course["solutions"])
    text = report.text()
    assert "solution cell 6 ('square_test') raised AssertionError" in text
    assert "test 'mean_test' with the stub answers is 'passed'" in text
    assert "hidden-test line also visible to students" in text


@pytest.mark.parametrize("chapter", [p.stem for p in all_chapters(REPO / "solutions")])
def test_repository_chapter_releases_cleanly(chapter):
    report = verify(chapter, solutions_dir=REPO / "solutions")
    assert report.ok, report.text()
