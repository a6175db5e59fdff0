"""Hostile submissions against `minigrad-course grade`: one test per attack (issue 14).

As root (CI), these run the real sandbox-uid path: student code as an unprivileged uid with
the grading runtime's Python (see the grading_runtime fixture in conftest.py).
"""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from conftest import CHAPTER, code, solution_notebook, write
from students import GOOD, answered, save
from test_grade import LIMITS, make_class

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, Grader, grade, work_paths

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them after
# the rest, in two workers only as root (see the Makefile).
pytestmark = pytest.mark.grading

ROOT = os.geteuid() == 0
as_root = pytest.mark.skipif(not ROOT, reason="the sandbox uid exists only when grading as root")


def exercise():
    return release(solution_notebook(), CHAPTER)


def grade_class(tmp_path: Path, students: dict, jobs: int = 1, **options) -> dict[str, dict]:
    """Grade {folder name: notebook or writer(folder)}; rows by student label."""
    solution, submissions = make_class(tmp_path, [])
    for name, what in students.items():
        folder = submissions / name
        what(folder) if callable(what) else save(what, folder)
    out = tmp_path / "grades.csv"
    opts = GradeOptions(out=out, jobs=jobs, limits=LIMITS, **options)
    return {r["student"]: r for r in grade(solution, submissions, opts)}


def every_file_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]


@as_root
def test_student_code_runs_as_a_sandbox_uid(tmp_path):
    """CI runs as root with Python under /root: the grading runtime makes the uid path work."""
    relu = "import os\ndef relu(x):\n    return np.maximum(x, 0) if os.getuid() != 0 else x"
    rows = grade_class(tmp_path, {"alice": answered(exercise(), relu=relu)})
    assert rows["alice"]["total"] == 6, rows["alice"]


@as_root
def test_refuses_to_run_students_as_root_unless_told(tmp_path, monkeypatch):
    from minigrad_course.grade import probe

    if probe(60999, sys.executable, [])[0] is not None:
        pytest.skip("this Python is executable by a sandbox uid: no runtime is needed")
    monkeypatch.setenv("MINIGRAD_GRADING_RUNTIME", str(tmp_path / "no-runtime"))
    with pytest.raises(RuntimeError, match="would run as root.*make grading-runtime"):
        grade_class(tmp_path / "a", {"alice": answered(exercise())})
    rows = grade_class(tmp_path / "b", {"alice": answered(exercise())}, unsafe_as_root=True)
    assert rows["alice"]["total"] == 6


@as_root
def test_refuses_when_the_sandbox_uid_can_read_the_solutions(tmp_path, monkeypatch):
    shared = Path(tempfile.mkdtemp(prefix="minigrad-shared-"))  # /tmp: every user reaches it
    try:
        os.chmod(shared, 0o755)
        write(solution_notebook(), shared / f"{CHAPTER}.ipynb")
        os.chmod(shared / f"{CHAPTER}.ipynb", 0o644)
        _, submissions = make_class(tmp_path, [])
        save(answered(exercise()), submissions / "alice")
        options = GradeOptions(out=tmp_path / "g.csv", jobs=1, limits=LIMITS)
        monkeypatch.chdir(shared.parent)  # `grade 03 ...` run from the course folder
        with pytest.raises(RuntimeError, match=f"can read .*{shared}.*chmod -R go-rwx"):
            grade(Path(shared.name) / f"{CHAPTER}.ipynb", submissions, options)
    finally:
        for path in shared.iterdir():
            path.unlink()
        shared.rmdir()


@as_root
def test_kernel_log_replaced_by_a_link_leaks_nothing(tmp_path):
    """The kernel's stderr log sat in the student's scratch folder and was read back by path,
    as root: a link to a root-only file put that file into records.jsonl."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42\n")
    os.chmod(secret, 0o600)
    attack = (
        "import os\nfor name in os.listdir('.'):\n    if name.endswith('.log'):\n"
        f"        os.unlink(name)\n        os.symlink({str(secret)!r}, name)\n" + GOOD["mean"]
    )
    rows = grade_class(tmp_path, {"mallory": answered(exercise(), mean=attack)})
    assert rows["mallory"]["total"] == 6
    files = [p for p in every_file_under(tmp_path) if p != secret]
    assert not [p for p in files if b"TOP-SECRET" in p.read_bytes()]


def test_records_and_feedback_are_not_world_readable(tmp_path):
    grade_class(tmp_path, {"alice": answered(exercise())})
    paths = work_paths(tmp_path / "grades.csv")
    for folder in (paths["work"], paths["feedback"]):
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, folder
    for path in every_file_under(paths["work"]) + every_file_under(paths["feedback"]):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


MEMORY_TREE = """\
import subprocess, sys
hog = "x = b'x' * 300_000_000\\nimport time\\ntime.sleep(15)"
children = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(5)]
for child in children:
    child.wait()
""" + GOOD["mean"]


def test_memory_is_bounded_for_the_whole_process_tree(tmp_path):
    """Five children of 300 MB each pass a 1024 MB limit per process; not a limit in total."""
    rows = grade_class(tmp_path, {"hog": answered(exercise(), mean=MEMORY_TREE)})
    assert "memory-limit" in rows["hog"]["status"].split(";"), rows["hog"]
    assert rows["hog"]["total"] == 3


WIDGET_FLOOD = """\
from comm import create_comm
channel = create_comm(target_name="jupyter.widget", data={"state": {}})
for i in range(80):
    channel.send(data={"method": "update", "state": {f"k{i}": "x" * 2_000_000}})
""" + GOOD["mean"]


def test_widget_messages_are_counted_and_not_kept(tmp_path):
    """nbclient keeps every widget state it sees: 80 messages of 2 MB stayed in the worker.

    The peak is this worker's own (VmHWM, its address space's high-water mark): ru_maxrss
    starts from the peak of the process that launched it (the pytest worker, often past
    250 MB under xdist), so it measured whoever ran the test, not the worker."""
    script = f"""
import sys, tempfile
from pathlib import Path
import nbformat
from minigrad_course.sandbox import Jail, Limits, execute
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell({WIDGET_FLOOD!r})]
result = execute(nb, Limits(timeout=120, memory_mb=None), Path(tempfile.mkdtemp()), jail=Jail())
[peak_kb] = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print(result.flags, int(peak_kb) // 1024)
"""
    import subprocess

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    flags, peak_mb = done.stdout.strip().rsplit(" ", 1)
    assert "output-limit" in flags
    assert int(peak_mb) < 250, f"the worker peaked at {peak_mb} MB"


@as_root
def test_files_left_in_shared_temporary_folders_are_removed(tmp_path):
    token = os.urandom(4).hex()
    names = [f"/tmp/left-{token}", f"/var/tmp/left-{token}", f"/dev/shm/left-{token}"]
    drop = "".join(f"open({n!r}, 'w').write('x')\n" for n in names)
    drop += f"import os\nos.makedirs('/tmp/dir-{token}/sub')\n"
    rows = grade_class(tmp_path, {"litter": answered(exercise(), mean=drop + GOOD["mean"])})
    assert rows["litter"]["total"] == 6
    assert not [n for n in names + [f"/tmp/dir-{token}"] if os.path.lexists(n)]


AST_ATTACK = """\
import ast, sys

class NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(NoAsserts())
sys.settrace(lambda *args: None)
def relu(x):
    return x"""

EXECUTE_ATTACK = """\
kernel = get_ipython().kernel
real = kernel.do_execute
async def do_execute(code, *args, **kwargs):
    if "assert" in code:
        return {"status": "ok", "execution_count": 1, "payload": [], "user_expressions": {}}
    return await real(code, *args, **kwargs)
kernel.do_execute = do_execute
def relu(x):
    return x"""

FAKE_NUMPY = """\
class _Yes:
    def __getattr__(self, name):
        return lambda *args, **kwargs: True
np = _Yes()
def relu(x):
    return [0]"""


@pytest.mark.parametrize(
    "attack, evidence",
    [
        (AST_ATTACK, "ast_transformers changed"),
        (EXECUTE_ATTACK, "do_execute"),
        (FAKE_NUMPY, "'np' was rebound"),
    ],
    ids=["ast-transformer", "patched-do_execute", "rebound-locked-name"],
)
def test_interception_is_undone_and_flagged(tmp_path, attack, evidence):
    """Each made every later test pass (full marks, status ok): undone before each graded
    test, the submission is flagged suspicious with the evidence in the summary."""
    rows = grade_class(
        tmp_path, {"cheat": answered(exercise(), relu=attack, square=None, mean=None)}
    )
    row = rows["cheat"]
    assert row["questions"]["relu_test"]["points"] == 0, row
    assert "suspicious" in row["status"].split(";")
    summary = work_paths(tmp_path / "grades.csv")["summary"].read_text()
    assert "Suspicious submissions" in summary and evidence in summary
    if attack is AST_ATTACK:
        assert "settrace" in summary


def test_honest_students_are_not_flagged(tmp_path):
    helper = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
    rows = grade_class(
        tmp_path,
        {
            "alice": answered(exercise()),
            "bob": answered(exercise(), relu=helper + GOOD["relu"] + "\nplt.plot([1, 2])"),
        },
    )
    assert {name: (r["total"], r["status"]) for name, r in rows.items()} == {
        "alice": (6, "ok"),
        "bob": (6, "ok"),
    }


LEAK_HIDDEN = """\
def relu(x):
    if x[0] == -5:  # only the hidden test asks this: echo its source back
        raise AssertionError(get_ipython().user_ns["_ih"][-1] + "y" * 5000)
    return np.maximum(x, 0)"""


def test_feedback_never_shows_hidden_test_source(tmp_path):
    grade_class(tmp_path, {"spy": answered(exercise(), relu=LEAK_HIDDEN)})
    feedback = (work_paths(tmp_path / "grades.csv")["feedback"] / "spy.md").read_text()
    assert "| relu_test | 0 / 2 | failed |" in feedback
    assert "relu(np.array([-5.0]))[0] == 0" not in feedback
    assert "y" * 1500 not in feedback  # capped


@as_root
def test_two_gradings_at_once_do_not_share_sandbox_uids(tmp_path):
    """Both used uids 60000 + slot and killed each other's kernels after each notebook."""
    results: dict[str, dict] = {}
    whoami = code("import os\nraise ValueError(os.getuid())")  # a student's own cell

    def student():
        nb = answered(exercise())
        nb.cells.insert(0, whoami)
        return nb

    def run(name):
        results[name] = grade_class(tmp_path / name, {f"s{i}": student() for i in range(3)})

    threads = [threading.Thread(target=run, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    totals = [r["total"] for rows in results.values() for r in rows.values()]
    assert totals == [6] * 6, results
    uids = {}
    for name in results:
        jobs = work_paths(tmp_path / name / "grades.csv")["jobs"]
        lines = [line for p in jobs.glob("*/records.jsonl") for line in p.read_text().splitlines()]
        records = [json.loads(line) for line in lines]
        uids[name] = {int(r["evalue"]) for r in records if r.get("ename") == "ValueError"}
    assert uids["one"] and uids["two"] and not uids["one"] & uids["two"], uids
    assert 0 not in uids["one"] | uids["two"]


def test_resume_grades_again_what_failed_for_the_grader(tmp_path):
    rows = grade_class(tmp_path, {"alice": answered(exercise()), "bob": answered(exercise())})
    results = work_paths(tmp_path / "grades.csv")["results"]
    crashed = dict(rows["bob"], status="grader-crash", total=0)
    (results / "bob.json").write_text(json.dumps(crashed))
    os.chmod(results / "bob.json", 0o600)
    messages: list[str] = []
    solution, submissions = tmp_path / "solutions" / f"{CHAPTER}.ipynb", tmp_path / "submissions"
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    again = grade(solution, submissions, options, progress=messages.append)
    assert messages[0].startswith("1 already graded, 1 to grade")
    assert [r["total"] for r in again] == [6, 6]


def test_forged_results_file_is_not_trusted(tmp_path):
    """A result file that others could have written (world-writable, or another owner) is
    graded again, even when it carries the right fingerprint."""
    solution, submissions = make_class(tmp_path, ["unattempted"])
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    grader = Grader(solution, submissions, options)
    [sub] = grader.students()
    forged = {
        "version": 1,
        "student": "unattempted",
        "fingerprint": sub.fingerprint(grader.digest),
        "questions": {},
        "total": 6,
        "max": 6,
        "status": "ok",
    }
    results = work_paths(options.out)["results"]
    results.mkdir(parents=True)
    (results / "unattempted.json").write_text(json.dumps(forged))
    os.chmod(results / "unattempted.json", 0o666)
    assert grade(solution, submissions, options)[0]["total"] == 0


STRANGE_NAMES = [
    os.fsdecode(b"caf\xe9-latin1"),
    "x" * 250,
    "new\nline",
    ".dotted",
    "-rf",
    "=HYPERLINK(1)",
]


def test_any_folder_name_gets_its_row(tmp_path):
    rows = grade_class(tmp_path, {name: answered(exercise()) for name in STRANGE_NAMES}, jobs=2)
    assert len(rows) == len(STRANGE_NAMES)
    assert all(r["total"] == 6 and r["status"] == "ok" for r in rows.values()), rows
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        students = [r["student"] for r in csv.DictReader(f)]
    assert len(students) == len(STRANGE_NAMES)
    assert "caf\\xe9-latin1" in students and "new\\nline" in students and "x" * 250 in students
    assert "'-rf" in students and "'=HYPERLINK(1)" in students  # never a formula
    feedback = work_paths(tmp_path / "grades.csv")["feedback"]
    assert len(list(feedback.iterdir())) == len(STRANGE_NAMES)


def test_linked_folder_or_notebook_is_invalid_and_not_followed(tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_text('{"cells": "TOP-SECRET-42"}')
    elsewhere = tmp_path / "elsewhere"
    save(answered(exercise()), elsewhere)

    def linked_notebook(folder):
        folder.mkdir(parents=True)
        (folder / f"{CHAPTER}.ipynb").symlink_to(secret)

    def linked_folder(folder):
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.symlink_to(elsewhere)

    rows = grade_class(tmp_path, {"link_nb": linked_notebook, "link_dir": linked_folder})
    for name in ("link_nb", "link_dir"):
        assert rows[name]["status"] == "invalid" and rows[name]["total"] == 0, rows[name]
    out = [p for p in every_file_under(tmp_path) if "grades" in p.name or "_work" in str(p)]
    assert not [p for p in out if b"TOP-SECRET" in p.read_bytes()]
