"""minigrad-course grade: every kind of submission gets a row; outputs; resuming."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import CHAPTER, POINTS, solution_notebook, write
from students import CLASS, answered, other_chapter, save

from minigrad_course.build import release
from minigrad_course.grade import WORKER_ARGS, GradeOptions, grade, work_paths
from minigrad_course.sandbox import Limits

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them after
# the rest, in two workers only as root (see the Makefile).
pytestmark = pytest.mark.grading

LIMITS = Limits(timeout=60, cell_timeout=5, memory_mb=1024, max_procs=16, output_kb=256)


def make_class(root: Path, names=None) -> tuple[Path, Path]:
    """solutions/03_tiny.ipynb and submissions/<student>/ for each student in CLASS."""
    solution = write(solution_notebook(), root / "solutions" / f"{CHAPTER}.ipynb")
    exercise = release(solution_notebook(), CHAPTER)
    for name in CLASS if names is None else names:
        CLASS[name][0](exercise, root / "submissions" / name)
    return solution, root / "submissions"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    solution, submissions = make_class(root)
    before = len(psutil.pids())
    messages: list[str] = []
    started = time.monotonic()
    options = GradeOptions(out=root / "grades.csv", jobs=2, limits=LIMITS)
    rows = grade(solution, submissions, options, progress=messages.append)
    return {
        "root": root,
        "rows": {r["student"]: r for r in rows},
        "options": options,
        "solution": solution,
        "submissions": submissions,
        "messages": messages,
        "seconds": time.monotonic() - started,
        "pids_before": before,
    }


@pytest.mark.parametrize("student", sorted(CLASS))
def test_every_submission_gets_the_right_row(graded, student):
    row = graded["rows"][student]
    _, total, status = CLASS[student]
    assert row["total"] == total, json.dumps(row, indent=1)
    if status == "ok":
        assert row["status"] == "ok", row["status"]
    else:
        assert status in row["status"].split(";"), row["status"]
    assert row["max"] == sum(POINTS.values())
    assert "suspicious" not in row["status"], row.get("evidence")  # none of them cheats


def test_csv_has_one_row_per_student_and_a_column_per_question(graded):
    out = graded["options"].out
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["student", *POINTS, "total", "max", "status"]
    assert [r["student"] for r in rows] == sorted(CLASS)
    perfect = next(r for r in rows if r["student"] == "perfect")
    assert perfect == {
        "student": "perfect",
        "relu_test": "2",
        "square_test": "1",
        "mean_test": "3",
        "total": "6",
        "max": "6",
        "status": "ok",
    }
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_feedback_names_each_question_and_failure(graded):
    feedback = work_paths(graded["options"].out)["feedback"]
    assert sorted(p.stem for p in feedback.iterdir()) == sorted(CLASS)
    partial = (feedback / "partial.md").read_text()
    assert "| square_test | 0 / 1 | failed |" in partial
    assert "square(3) should be 9, got 6" in partial
    assert "| mean_test | 0 / 3 | not yet done |" in partial
    hidden = (feedback / "hidden_fail.md").read_text()
    assert "hidden: relu(-5) should be 0" in hidden
    tampered = (feedback / "tampered.md").read_text()
    assert "locked cells edited (graded with the originals): relu_test" in tampered


def test_summary_has_pass_rates(graded):
    summary = work_paths(graded["options"].out)["summary"].read_text()
    assert f"{len(CLASS)} submissions." in summary
    passed = sum(r["questions"]["relu_test"]["status"] == "passed" for r in graded["rows"].values())
    assert f"| relu_test | 2 | {passed} | {100 * passed / len(CLASS):.0f}% |" in summary


def test_no_student_process_survives(graded):
    """Only this grading's workers and kernels count (kernels' scratch folders carry our pid):
    another grading on the machine, or an earlier test's kernel, is not ours to judge."""
    time.sleep(0.5)
    ours = f"minigrad-grade-{os.getpid()}-"
    workers = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.status() != psutil.STATUS_ZOMBIE and p.cmdline()[1:] == WORKER_ARGS
    ]
    assert not workers
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if "ipykernel_launcher" in " ".join(p.info["cmdline"] or [])
        and ours in " ".join(p.info["cmdline"] or [])
    ]
    assert not leftovers


def test_a_worker_starts_without_building_the_iri_grammar():
    """jsonschema's IRI check (rfc3987_syntax) built a grammar at import: 2 s of CPU at each
    worker start. The worker still imports nbformat, and ends when its stdin does."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *WORKER_ARGS],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "nbformat" in imported and "minigrad_course.sandbox" in imported
    assert "rfc3987_syntax.syntax_helpers" not in imported


def test_restart_grades_only_what_is_missing(graded):
    results = work_paths(graded["options"].out)["results"]
    stamps = {p.name: p.stat().st_mtime_ns for p in results.iterdir()}
    (results / "partial.json").unlink()
    messages: list[str] = []
    rows = grade(
        graded["solution"], graded["submissions"], graded["options"], progress=messages.append
    )
    assert messages[0].startswith(f"{len(CLASS) - 1} already graded, 1 to grade")
    assert len(rows) == len(CLASS)
    after = {p.name: p.stat().st_mtime_ns for p in results.iterdir()}
    assert {n for n in after if after[n] != stamps.get(n)} == {"partial.json"}


def test_interrupted_run_resumes_without_losing_rows(tmp_path):
    names = ["perfect", "partial", "unattempted", "tampered"]
    solution, submissions = make_class(tmp_path, names)
    out = tmp_path / "grades.csv"
    command = [
        sys.executable,
        "-m",
        "minigrad_course.cli",
        "grade",
        str(solution),
        str(submissions),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--timeout",
        "60",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    results = work_paths(out)["results"]

    def csv_rows():
        try:
            with open(out, newline="") as f:
                return len(list(csv.DictReader(f)))
        except FileNotFoundError:
            return 0

    # NOTE: killed once a row is in the CSV (a result is saved just before its row is written:
    # killing between the two is the resume's case too, but not a CSV to read)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not csv_rows():
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.name: p.read_bytes() for p in results.iterdir()}
    assert 1 <= len(finished) < len(names)
    assert 1 <= csv_rows() <= len(finished)  # the CSV on disk is whole, never ahead of results
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{len(finished)} already graded, {len(names) - len(finished)} to grade" in done.stdout
    for name, data in finished.items():
        assert (results / name).read_bytes() == data
    with open(out, newline="") as f:
        assert sorted(r["student"] for r in csv.DictReader(f)) == sorted(names)


def test_changed_submission_is_regraded(tmp_path):
    solution, submissions = make_class(tmp_path, ["unattempted"])
    options = GradeOptions(out=tmp_path / "g.csv", jobs=1, limits=LIMITS)
    assert grade(solution, submissions, options)[0]["total"] == 0
    CLASS["perfect"][0](release(solution_notebook(), CHAPTER), submissions / "unattempted")
    assert grade(solution, submissions, options)[0]["total"] == 6


def test_wrong_chapter_and_ignored_entries(tmp_path):
    solution, submissions = make_class(tmp_path, ["perfect"])
    (submissions / "notes.txt").write_text("not a student")
    (submissions / ".ipynb_checkpoints").mkdir()  # a tool's folder; a student's .name counts
    foreign = other_chapter(release(solution_notebook(), CHAPTER))
    del foreign.metadata["minigrad"]  # e.g. a notebook released by nbgrader
    write(foreign, submissions / "foreign" / f"{CHAPTER}.ipynb")
    rows = grade(solution, submissions, GradeOptions(out=tmp_path / "g.csv", limits=LIMITS))
    assert [r["student"] for r in rows] == ["foreign", "perfect"]
    assert rows[0]["status"] == "wrong-chapter" and rows[1]["total"] == 6


def test_a_student_cannot_rewrite_another_submission(tmp_path):
    """Submissions are read before any student code runs: a vandal graded first changes
    nothing for the student graded after. As root the sandbox uid cannot even write there."""
    solution, submissions = make_class(tmp_path, ["perfect"])
    victim = submissions / "perfect" / f"{CHAPTER}.ipynb"
    vandal = (
        f"try:\n    open({str(victim)!r}, 'w').write('garbage')\nexcept OSError:\n    pass\n"
        "data = np.arange(10.0)\nmu = data.mean()"
    )
    save(answered(release(solution_notebook(), CHAPTER), mean=vandal), submissions / "a_vandal")
    rows = grade(solution, submissions, GradeOptions(out=tmp_path / "g.csv", jobs=1, limits=LIMITS))
    sandboxed = os.geteuid() == 0
    assert (victim.read_text() == "garbage") != sandboxed  # the vandal did run
    assert {r["student"]: r["total"] for r in rows} == {"a_vandal": 6, "perfect": 6}


@pytest.mark.slow
def test_time_to_grade_100_submissions(tmp_path):
    """Not a pass/fail bar: prints the time for 100 submissions with --jobs 2."""
    kinds = ["perfect", "partial", "hidden_fail", "unattempted", "syntax"]
    solution, submissions = make_class(tmp_path, [])
    exercise = release(solution_notebook(), CHAPTER)
    for index in range(100):
        kind = kinds[index % len(kinds)]
        CLASS[kind][0](exercise, submissions / f"s{index:03d}_{kind}")
    started = time.monotonic()
    rows = grade(solution, submissions, GradeOptions(out=tmp_path / "g.csv", jobs=2))
    seconds = time.monotonic() - started
    print(f"\n100 submissions, --jobs 2, {os.cpu_count()} CPUs: {seconds:.1f} s")
    assert len(rows) == 100
    assert all(r["total"] == CLASS[r["student"].split("_", 1)[1]][1] for r in rows)
