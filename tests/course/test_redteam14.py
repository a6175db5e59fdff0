"""Attacks on the grader found by a fourteenth look.

- A process that forks and exits in a loop (its child goes on, under a new pid, a thousand
  times a second) is never where a scan of the process table saw it: every scan that killed a
  sandbox uid's processes (after each notebook, when a grading stops, when one starts) found
  nothing alive, or a pid already gone. Started by one notebook, it outlived it: it killed the
  kernel of every later student graded as the same uid (their row said `error`, 0 points), and
  it would have read their scratch folders, connection files included (a kernel's key), since
  the next kernel runs as its uid. It outlived the grading too, and waited for the next one.
"""

from __future__ import annotations

import os
import subprocess
import time

import nbformat
import pytest
from conftest import CHAPTER, write
from students import save
from test_grade import LIMITS
from test_redteam11 import frame_chapter

from minigrad_course.build import release
from minigrad_course.grade import GradeOptions, grade

# Started by the notebook's answer cell: it hops from pid to pid (a new session, so no process
# group holds it), and once the kernel that started it is gone it kills every process of its uid
# (the next notebook's kernel) at each hop. It writes its uid to `beat` 20 times a second, so that
# the test sees it alive, and stops by itself after 120 s (the test machine is shared).
HOPPER = """\
import os, signal, sys, time

kernel, beat, stop = int(sys.argv[1]), sys.argv[2], time.monotonic() + 120
os.setsid()
next_beat = 0.0
while time.monotonic() < stop:
    if time.monotonic() > next_beat:
        next_beat = time.monotonic() + 0.05
        fd = os.open(beat, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, f"{os.getuid()} {next_beat}".encode())
        os.close(fd)
    try:
        if os.fork():
            os._exit(0)
    except OSError:  # the uid's process limit (zombies not reaped yet): try again
        time.sleep(0.001)
        continue
    time.sleep(0.002)  # (fewer zombies for the worker to reap: the uid's process limit holds)
    try:
        os.kill(kernel, 0)
    except ProcessLookupError:  # its notebook is done: the next one's kernel is this uid's too
        os.kill(-1, signal.SIGKILL)
"""
HOP = """\
import os
import subprocess
import sys

subprocess.Popen([sys.executable, "-S", "-c", HOPPER, str(os.getpid()), BEAT])


def relu(x):
    return np.maximum(x, 0)
"""
RELU = "def relu(x):\n    return np.maximum(x, 0)\n"


def _beat(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _hopping(path: str) -> bool:
    """Whether the hopper still writes its beat (twice in a second)."""
    first = _beat(path)
    time.sleep(1.0)
    return _beat(path) not in (first, None)


@pytest.mark.grading
@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are used as root only")
def test_a_process_that_changes_its_pid_does_not_outlive_its_notebook(tmp_path):
    beat = f"/tmp/hopper-{os.urandom(4).hex()}"
    solution = frame_chapter()
    path = write(solution, tmp_path / "solutions" / f"{CHAPTER}.ipynb")
    # graded in this order, as one sandbox uid (one job at a time)
    answers = {"a_hops": f"HOPPER = {HOPPER!r}\nBEAT = {beat!r}\n{HOP}", "b_honest": RELU}
    for name, source in answers.items():
        nb = nbformat.from_dict(release(solution, CHAPTER))
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu")
        cell.source = source
        save(nb, tmp_path / "submissions" / name)
    options = GradeOptions(out=tmp_path / "grades.csv", jobs=1, limits=LIMITS)
    try:
        rows = grade(path, tmp_path / "submissions", options)
        found = {r["student"]: (r["total"], r["status"]) for r in rows}
        # (the hopper's source names `signal`: flagged for a person to read)
        assert found == {"a_hops": (3, "review"), "b_honest": (3, "ok")}, rows
        assert not _hopping(beat), "a process of the notebook outlived the grading"
    finally:
        # (a hopper left by a failure: killed as its uid, the only way that reaches it)
        found = _beat(beat)
        if found:
            uid = int(found.split()[0])
            command = ["/bin/sh", "-c", "kill -KILL -1"]
            subprocess.run(command, user=uid, group=uid, extra_groups=[], check=False)
        time.sleep(0.2)
        if os.path.lexists(beat):
            os.unlink(beat)
