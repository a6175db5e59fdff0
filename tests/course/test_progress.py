"""minigrad-course progress: visible tests per chapter, cached check results, milestones."""

from __future__ import annotations

import json

import pytest
from conftest import CHAPTER, write

from minigrad_course import check as check_module
from minigrad_course import notebook as nbf
from minigrad_course import progress
from minigrad_course.build import build
from minigrad_course.cli import main

ANSWERS = {
    "relu": "def relu(x):\n    return np.maximum(x, 0)",
    "square": "def square(x):\n    return x + x  # wrong on purpose",
}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of the test's own, not the user's."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MINIGRAD_COURSE_CACHE", str(folder))
    return folder


@pytest.fixture
def sheets(course, cache):
    """exercises/03_tiny.ipynb, as released (every answer a stub)."""
    report = build([course["solutions"] / f"{CHAPTER}.ipynb"], course["exercises"])
    assert report.ok, report.errors
    return course["exercises"]


def answer(sheet_path, answers=ANSWERS):
    """Fill in some answer cells of a sheet (relu right, square wrong, mean left as a stub)."""
    nb = nbf.read_notebook(sheet_path)
    for cell in nb.cells:
        if nbf.grade_id(cell) in answers:
            cell.source = answers[nbf.grade_id(cell)]
    write(nb, sheet_path)


def forbid_running(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("progress ran check although it should not have")

    monkeypatch.setattr(check_module, "check", refuse)


def test_untouched_sheet_is_not_started_without_running_it(sheets, monkeypatch):
    forbid_running(monkeypatch)
    [chapter] = progress.course_progress(sheets)
    assert (chapter.passed, chapter.total, chapter.max_points) == (0, 3, 6)
    assert chapter.source == progress.NOT_STARTED


def test_changed_sheet_is_checked_then_reused_until_it_changes(sheets, monkeypatch):
    sheet = sheets / f"{CHAPTER}.ipynb"
    answer(sheet)
    first = progress.chapter_progress(sheet)
    assert (first.passed, first.total, first.points, first.source) == (1, 3, 2, progress.CHECKED)

    really_check = check_module.check
    forbid_running(monkeypatch)
    again = progress.chapter_progress(sheet)
    assert (again.passed, again.points, again.source) == (1, 2, progress.CACHED)

    monkeypatch.setattr(check_module, "check", really_check)
    answer(sheet, {"square": "def square(x):\n    return x * x"})
    changed = progress.chapter_progress(sheet)
    assert (changed.passed, changed.points, changed.source) == (2, 3, progress.CHECKED)


def test_progress_reuses_the_result_of_the_check_command(sheets, monkeypatch, capsys):
    sheet = sheets / f"{CHAPTER}.ipynb"
    answer(sheet)
    assert main(["check", str(sheet)]) == 1  # not all passed
    capsys.readouterr()
    forbid_running(monkeypatch)
    assert main(["progress", "--exercises", str(sheets)]) == 0
    out = capsys.readouterr().out
    assert "VISIBLE tests" in out and "hidden tests run when your instructor grades" in out
    assert f"{CHAPTER}  [" in out and "1/3 questions" in out and "2/6 points" in out
    assert progress.CACHED in out
    assert "#" * 7 + "." * 13 in out  # one question of three: a third of the bar


def test_milestones_are_recorded_and_shown(cache):
    assert progress.milestones_run() == {}
    progress.record_milestone("lenet")
    progress.record_milestone("transformer")
    assert set(progress.milestones_run()) == {"lenet", "transformer"}
    text = progress.format_progress([], progress.milestones_run())
    assert "Milestones run (notebooks/11_milestones.ipynb): 2/5" in text
    assert "[x] a LeNet-style CNN" in text and "[ ] the perceptron" in text
    with pytest.raises(ValueError, match="unknown milestone 'resnet'"):
        progress.record_milestone("resnet")


@pytest.mark.parametrize(
    "content",
    [
        "not json {",
        json.dumps([1, 2]),
        json.dumps({"checks": "x", "milestones": 3}),
        "x" * 2_000_000,
    ],
)
def test_a_damaged_cache_is_ignored_and_replaced(sheets, cache, content):
    cache.mkdir()
    (cache / "progress.json").write_text(content)
    sheet = sheets / f"{CHAPTER}.ipynb"
    answer(sheet)
    assert progress.chapter_progress(sheet).source == progress.CHECKED
    progress.record_milestone("xor")
    assert set(progress.milestones_run()) == {"xor"}
    assert progress.chapter_progress(sheet).source == progress.CACHED


def test_a_cached_result_from_another_version_of_the_sheet_is_not_used(sheets, cache):
    sheet = sheets / f"{CHAPTER}.ipynb"
    answer(sheet)
    progress.remember_check(sheet, {"relu_test": {"status": "passed", "points": 2, "max": 2}})
    # the stored questions do not match the sheet's (relu_test only): check again
    assert progress.chapter_progress(sheet).source == progress.CHECKED


def test_the_cache_stays_small(sheets, cache, monkeypatch):
    monkeypatch.setattr(progress, "MAX_CHECKS", 3)
    sheet = sheets / f"{CHAPTER}.ipynb"
    outcome = {"relu_test": {"status": "passed", "points": 2, "max": 2}}
    for n in range(5):
        sheet.write_text(sheet.read_text() + " " * n)
        progress.remember_check(sheet, outcome)
    state = json.loads(progress.cache_file().read_text())
    assert len(state["checks"]) == 3


def test_bar():
    assert progress.bar(0, 4) == "." * 20
    assert progress.bar(4, 4) == "#" * 20
    assert progress.bar(1, 4) == "#" * 5 + "." * 15
    assert progress.bar(0, 0) == "." * 20


def test_a_damaged_sheet_is_reported_and_the_others_still_count(sheets, capsys):
    (sheets / "04_broken.ipynb").write_text("{ this is not a notebook")
    assert main(["progress", "--exercises", str(sheets)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    assert "0/3 questions" in lines[CHAPTER] and "(not started)" in lines[CHAPTER]
    assert "(unreadable: " in lines["04_broken"]
