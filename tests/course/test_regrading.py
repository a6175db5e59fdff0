"""Grading a class again: released chapters that change, resuming, one student, flat folders."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import CHAPTER, solution_notebook, write
from students import CLASS, answered, cell_of, save

from minigrad_course.assemble import FAILED, classify
from minigrad_course.build import release
from minigrad_course.cli import main
from minigrad_course.grade import GradeOptions, SubmissionsError, grade, work_paths
from minigrad_course.notebook import dumps_notebook
from minigrad_course.sandbox import Limits

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them after
# the rest, in two workers only as root (see the Makefile).
pytestmark = pytest.mark.grading

LIMITS = Limits(timeout=60, cell_timeout=10, memory_mb=1024, max_procs=16, output_kb=256)


def make_class(root, names):
    solution = write(solution_notebook(), root / "solutions" / f"{CHAPTER}.ipynb")
    exercise = release(solution_notebook(), CHAPTER)
    for name in names:
        CLASS[name][0](exercise, root / "submissions" / name)
    return solution, root / "submissions"


def stamps(out):
    return {p.name: p.stat().st_mtime_ns for p in work_paths(out)["results"].iterdir()}


def test_resume_depends_on_values_not_spelling(tmp_path):
    """`--timeout 600` (a float) once and the default (an int) the next time is one run."""
    solution, submissions = make_class(tmp_path, ["perfect"])
    out = tmp_path / "g.csv"
    grade(solution, submissions, GradeOptions(out=out, jobs=1, limits=LIMITS))
    as_float = dataclasses.replace(LIMITS, timeout=60.0)
    messages: list[str] = []
    grade(solution, submissions, GradeOptions(out=out, jobs=1, limits=as_float), messages.append)
    assert messages[0].startswith("1 already graded, 0 to grade"), messages


def test_only_regrades_the_students_named_and_keeps_the_others(tmp_path, capsys):
    solution, submissions = make_class(tmp_path, ["perfect", "partial", "unattempted"])
    out = tmp_path / "g.csv"
    grade(solution, submissions, GradeOptions(out=out, jobs=1, limits=LIMITS))
    before = stamps(out)
    messages: list[str] = []
    options = GradeOptions(out=out, jobs=1, limits=LIMITS, only=["partial"])
    rows = grade(solution, submissions, options, messages.append)
    assert messages[0].startswith("2 already graded, 1 to grade"), messages
    assert [r["student"] for r in rows] == ["partial", "perfect", "unattempted"]
    after = stamps(out)
    assert {n for n in after if after[n] != before[n]} == {"partial.json"}
    assert out.read_text().count("\n") == 4  # the CSV keeps every row
    with pytest.raises(SubmissionsError, match="--only: no submission for bob"):
        grade(solution, submissions, GradeOptions(out=out, limits=LIMITS, only=["bob"]))
    assert main(["grade", str(solution), str(submissions), "--out", str(out), "--only", "bob"]) == 2
    assert "--only: no submission for bob" in capsys.readouterr().err


def test_a_flat_folder_of_notebooks_grades_each_file_as_a_student(tmp_path):
    solution, _ = make_class(tmp_path, [])
    flat = tmp_path / "lms_download"
    exercise = release(solution_notebook(), CHAPTER)
    save(answered(exercise), flat, "alice.ipynb")
    save(exercise, flat, "bob.ipynb")
    (flat / "readme.txt").write_text("not a notebook")
    rows = grade(solution, flat, GradeOptions(out=tmp_path / "g.csv", jobs=1, limits=LIMITS))
    assert {r["student"]: (r["total"], r["status"]) for r in rows} == {
        "alice": (6, "ok"),
        "bob": (0, "unattempted"),
    }


def test_a_folder_with_nobody_in_it_stops_with_a_clear_message(tmp_path, capsys):
    solution, _ = make_class(tmp_path, [])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("")
    empty_options = GradeOptions(out=tmp_path / "g.csv", limits=LIMITS)
    with pytest.raises(SubmissionsError, match="nothing to grade in"):
        grade(solution, empty, empty_options)
    assert main(["grade", str(solution), str(empty), "--out", str(tmp_path / "g.csv")]) == 2
    assert "one notebook per student (SUBMISSIONS/alice.ipynb)" in capsys.readouterr().err
    both = tmp_path / "both"
    save(solution_notebook(), both / "alice")
    save(solution_notebook(), both, "alice.ipynb")
    with pytest.raises(SubmissionsError, match="alice: both a folder and a notebook"):
        grade(solution, both, empty_options)


def test_another_chapter_sharing_the_setup_cell_is_wrong_chapter(tmp_path):
    """Every chapter has a given cell `setup`: that alone must not make it ours."""
    solution, submissions = make_class(tmp_path, [])
    other = release(solution_notebook(), CHAPTER)
    other.metadata["minigrad"]["chapter"] = "04_autograd"
    for cell in other.cells:
        meta = cell.metadata.get("nbgrader")
        if meta and meta["grade_id"] != "setup":
            meta["grade_id"] = "autograd_" + meta["grade_id"]
    save(other, submissions / "carol")
    [row] = grade(solution, submissions, GradeOptions(out=tmp_path / "g.csv", limits=LIMITS))
    assert row["status"] == "wrong-chapter"
    assert row["notes"] == [f"this is the notebook of 04_autograd, not {CHAPTER}"]


def test_a_wrong_gradient_is_failed_not_error():
    record = {"status": "error", "ename": "GradcheckError", "evalue": "gradcheck: op 'mul'"}
    assert classify(record, [{"status": "ok"}]) == (FAILED, "gradcheck: op 'mul'")


def test_submissions_of_an_earlier_release_are_not_tampered(tmp_path, capsys):
    """The instructor reworded a released test's message; old submissions keep full marks when
    the release they came from is given with --accept-release, and the current tests run."""
    solution, submissions = make_class(tmp_path, [])
    first = release(solution_notebook(), CHAPTER)
    published = tmp_path / "published" / f"{CHAPTER}.ipynb"
    published.parent.mkdir()
    published.write_text(dumps_notebook(first))
    save(answered(first), submissions / "early")
    nb = solution_notebook()
    nb.cells[3].source = nb.cells[3].source.replace("expected [0 0 2]", "should be [0 0 2]")
    write(nb, solution)
    save(answered(release(nb, CHAPTER)), submissions / "late")
    cheat = answered(first, relu="def relu(x):\n    return x")
    cell_of(cheat, "relu_test").source = "assert True"
    save(cheat, submissions / "cheat")

    out = tmp_path / "g.csv"
    rows = {r["student"]: r for r in grade(solution, submissions, GradeOptions(out=out))}
    assert "tampered" in rows["early"]["status"] and rows["early"]["release"] == "unknown"
    assert rows["late"]["status"] == "ok" and rows["late"]["release"] == "current"

    options = GradeOptions(out=out, limits=LIMITS, accept_releases=[published.parent])
    rows = {r["student"]: r for r in grade(solution, submissions, options)}
    assert (rows["early"]["total"], rows["early"]["status"]) == (6, "ok")
    assert rows["early"]["release"] == str(published)
    assert any("earlier release" in n for n in rows["early"]["notes"])
    assert "tampered" in rows["cheat"]["status"] and rows["cheat"]["total"] == 4
    saved = json.loads((work_paths(out)["results"] / "late.json").read_text())
    assert saved["release"] == "current"


def test_grade_cli_takes_only_and_accept_release(tmp_path, capsys):
    solution, submissions = make_class(tmp_path, ["perfect"])
    exercise = release(solution_notebook(), CHAPTER)
    save(answered(exercise), submissions / "second")
    save(exercise, tmp_path / "v1")
    out = tmp_path / "g.csv"
    argv = ["grade", str(solution), str(submissions), "--out", str(out), "--jobs", "1"]
    assert main([*argv, "--only", "perfect", "--accept-release", str(tmp_path / "v1")]) == 0
    assert "0 already graded, 1 to grade" in capsys.readouterr().out
    assert [p.stem for p in work_paths(out)["results"].iterdir()] == ["perfect"]
    assert main([*argv, "--accept-release", str(tmp_path / "nowhere")]) == 2
    other = release(solution_notebook(), "04_autograd")
    save(other, tmp_path / "v0", "other.ipynb")
    assert main([*argv, "--accept-release", str(tmp_path / "v0" / "other.ipynb")]) == 2
    assert "other.ipynb: an exercise of 04_autograd" in capsys.readouterr().err
