"""Attacks on the grader found by a fifteenth look.

- The course folder stays readable by every user (the kernel imports minigrad from it), and so
  did its git folder: with `solutions/` made private as the grader asks (`chmod -R go-rwx`), an
  answer cell that ran `git -c safe.directory=* show HEAD:solutions/...` as the sandbox uid read
  the solution notebook, answers and hidden tests included, and ran the answer (full marks for
  a question it never answered). A worktree of the same repository holds another copy. Grading
  now refuses to start while the sandbox uid can read either, or only search it (a folder that
  cannot be listed was taken for private: git reads `.git` made 0711 all the same), and names
  the chmod that fixes it.
- A feedback file's notes quote the notebook: the `chapter` a notebook of another chapter names
  in its metadata went into its note as it was, line breaks included, and a chapter named
  `"x\n\n**Score: 6 / 6**"` gave a feedback file of 0 points a second score line, as Markdown
  of its own. Notes are one line each now.
- The process that kills a sandbox uid's processes after each notebook (kill(-1) sent as that
  uid) is the uid's for a moment, and a process of the uid can stop it then (SIGSTOP): the
  grader waited for it to end, forever. The worker then hung until the grader's limit for the
  job, and the grader itself, which kills the uid's processes in the same way when it stops a
  worker, with no limit: the batch never ended. (A race: a process that sent SIGSTOP to the
  next pids in a loop did not win it in 30 tries here; the test stops the sender itself.) A
  sender that stops is killed now and sent again.
- Memory that no process's size shows (files of memfd_create written with write, a tmpfs
  mounted in a user namespace of the notebook's own) escaped the watchdog, which sums the sizes
  of the notebook's processes: 1.6 GB held against a limit of 1 GB went unseen, status ok. Each
  notebook now runs in a memory cgroup of its own where the system has cgroup v1's memory
  controller: past its limit the kernel kills there (`memory-limit`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

import psutil
import pytest
from conftest import CHAPTER, solution_notebook, write
from students import answered, other_chapter, save
from test_grade import LIMITS
from test_grade_attacks import exercise

from minigrad_course.grade import GradeOptions, grade, work_paths
from minigrad_course.watchdog import kill_uid

pytestmark = [
    pytest.mark.grading,
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox uid exists only as root"),
]
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

# The answer reads the solution from the course's git history and runs its relu.
FROM_GIT = """\
import json, subprocess

shown = subprocess.run(
    ["git", "-c", "safe.directory=*", "-C", COURSE, "show", "HEAD:solutions/03_tiny.ipynb"],
    capture_output=True, text=True,
).stdout
for cell in json.loads(shown or '{"cells": []}')["cells"]:
    if cell["metadata"].get("nbgrader", {}).get("grade_id") == "relu":
        exec("".join(cell["source"]))
"""


def git(folder: Path, *args: str) -> None:
    identity = ["-c", "user.name=Instructor", "-c", "user.email=instructor@example.org"]
    subprocess.run(["git", *identity, "-C", str(folder), *args], check=True, capture_output=True)


def private(path: Path) -> None:
    """chmod -R go-rwx path, as the grader tells an instructor to."""
    for folder, _, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.chmod(name, os.stat(name).st_mode & 0o700)


@pytest.fixture
def course():
    """A course repository that every user can reach (in /tmp, 0755), solutions committed."""
    shared = Path(tempfile.mkdtemp(prefix="minigrad-course-"))
    try:
        os.chmod(shared, 0o755)
        folder = shared / "course"
        write(solution_notebook(), folder / "solutions" / f"{CHAPTER}.ipynb")
        git(folder, "init", "-q")
        git(folder, "add", "solutions")
        git(folder, "commit", "-q", "-m", "solutions")
        private(folder / "solutions")
        yield folder
    finally:
        shutil.rmtree(shared)


@needs_git
def test_the_sandbox_uid_cannot_read_the_solutions_from_git(course, tmp_path):
    cheat = answered(exercise(), relu=f"COURSE = {str(course)!r}\n{FROM_GIT}")
    save(cheat, tmp_path / "submissions" / "cheat")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    solution = course / "solutions" / f"{CHAPTER}.ipynb"
    with pytest.raises(RuntimeError, match=f"can read '{course}/.git'.*chmod -R go-rwx"):
        grade(solution, tmp_path / "submissions", options)
    private(course / ".git")  # the fix the message names: the answer reads nothing now
    (row,) = grade(solution, tmp_path / "submissions", options)
    assert row["questions"]["relu_test"]["points"] == 0, row
    assert row["questions"]["relu_test"]["status"] == "error", row  # (relu is undefined)


@needs_git
def test_a_git_folder_that_can_only_be_searched_counts_as_readable(course, tmp_path):
    """`.git` made 0711 cannot be listed, and git still read the solution through it (HEAD and
    refs have known names, and lead to the rest)."""
    os.chmod(course / ".git", 0o711)
    save(answered(exercise()), tmp_path / "submissions" / "alice")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    with pytest.raises(RuntimeError, match=f"can read '{course}/.git'.*chmod -R go-rwx"):
        grade(course / "solutions" / f"{CHAPTER}.ipynb", tmp_path / "submissions", options)


@needs_git
def test_the_sandbox_uid_cannot_read_the_solutions_in_another_worktree(course, tmp_path):
    copy = course.parent / "copy"
    git(course, "worktree", "add", "-q", str(copy))
    private(course / ".git")
    save(answered(exercise()), tmp_path / "submissions" / "alice")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    with pytest.raises(RuntimeError, match=f"can read '{copy}/solutions'.*chmod -R go-rwx"):
        grade(course / "solutions" / f"{CHAPTER}.ipynb", tmp_path / "submissions", options)


def test_a_note_adds_no_markdown_to_the_feedback(tmp_path):
    solution = write(solution_notebook(), tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    private(tmp_path / "solutions")
    nb = other_chapter(exercise())
    nb.metadata["minigrad"]["chapter"] = "09_other\n\n**Score: 6 / 6**\n\n# Notes"
    save(nb, tmp_path / "submissions" / "mallory")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    (row,) = grade(solution, tmp_path / "submissions", options)
    assert (row["total"], row["status"]) == (0, "wrong-chapter"), row
    feedback = (work_paths(options.out)["feedback"] / "mallory.md").read_text()
    lines = re.sub(r"\n```\n.*?\n```\n", "\n", feedback, flags=re.S).splitlines()  # (code)
    assert [line for line in lines if line.startswith("**Score")] == ["**Score: 0 / 6**"], feedback
    assert "- this is the notebook of 09_other **Score: 6 / 6** # Notes, not 03_tiny" in lines


def test_a_stopped_killer_does_not_hang_the_grader(monkeypatch):
    """Each process that sends kill(-1) as the uid stops itself the moment it is the uid's, as
    a process of the uid that stops every process it can reach would have it."""
    setuid = os.setuid

    def stopped_once_uid(uid):
        setuid(uid)
        os.kill(os.getpid(), signal.SIGSTOP)

    monkeypatch.setattr(os, "setuid", stopped_once_uid)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (kill_uid(65124), done.set()), daemon=True)
    thread.start()
    try:
        assert done.wait(30), "kill_uid waited for a stopped process"
        stopped = [p for p in psutil.Process().children() if p.status() == psutil.STATUS_STOPPED]
        assert not stopped, stopped
    finally:
        for child in psutil.Process().children():  # (what a failure left: let the thread end)
            if child.status() == psutil.STATUS_STOPPED:
                child.kill()
        thread.join(10)


# Eight files of 200 MB (the file size limit is 256 MB) that only a descriptor holds: no process
# shows them in its size.
MEMFD = """\
import os

HELD, CHUNK = [], bytes(8 * 2**20)
for _ in range(8):
    HELD.append(os.memfd_create("held"))
    for _ in range(25):
        os.write(HELD[-1], CHUNK)


def relu(x):
    return np.maximum(x, 0)
"""


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/memory"), reason="needs cgroup v1 memory")
def test_memory_that_no_process_shows_is_limited(tmp_path):
    solution = write(solution_notebook(), tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    private(tmp_path / "solutions")
    save(answered(exercise(), relu=MEMFD), tmp_path / "submissions" / "hoarder")
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)  # (1024 MB)
    (row,) = grade(solution, tmp_path / "submissions", options)
    assert "memory-limit" in row["status"].split(";"), row
    assert row["questions"]["relu_test"]["points"] == 0, row
