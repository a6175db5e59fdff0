"""The jail and the watchdog on their own: limits hold, fork bombs end, nothing is left over."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import code

from minigrad_course.sandbox import Jail, Limits, execute

# Real gradings (sandbox uids, kernels, machine-wide limits): `make test` runs them after
# the rest, in two workers only as root (see the Makefile).
pytestmark = pytest.mark.grading

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")
FORK_BOMB = """\
import os, time

children = 0
for _ in range(8):  # bounded: at most 2**8 processes, each gone within 5 s
    try:
        if os.fork() == 0:
            children = 0
        else:
            children += 1
    except OSError:
        print("fork refused")
time.sleep(5)
os._exit(0)
"""


def notebook(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [code(s) for s in sources]
    return nb


def living_in_group(pgid: int) -> list[psutil.Process]:
    """Processes (not zombies) of process group pgid."""
    found = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (OSError, psutil.Error):
            pass
    return found


def test_fork_bomb_is_stopped_by_the_watchdog(tmp_path):
    started = time.monotonic()
    result = execute(
        notebook("import os\nraise ValueError(os.getpgid(0))", FORK_BOMB, "y = 2"),
        Limits(timeout=30, cell_timeout=20, memory_mb=None, max_procs=8),
        tmp_path,
        jail=Jail(),
    )
    assert "process-limit" in result.flags
    assert time.monotonic() - started < 20
    kernel_group = int(result.cells[0]["evalue"])
    # NOTE: in-process runs (check, verify) kill the kernel's tree and process group; grading
    # runs in a worker that is also a child subreaper, which catches processes that setsid.
    deadline = time.monotonic() + 10
    while living_in_group(kernel_group) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not living_in_group(kernel_group)


def test_memory_limit_raises_memory_error_in_the_kernel(tmp_path):
    result = execute(
        notebook("big = bytearray(3 * 2**30)", "small = 1"),
        Limits(timeout=30, memory_mb=1024),
        tmp_path,
        jail=Jail(),
    )
    assert [r.get("ename") for r in result.cells] == ["MemoryError", None]


def test_wall_clock_limit_kills_a_loop_that_ignores_interrupts(tmp_path):
    stubborn = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass"
    started = time.monotonic()
    result = execute(
        notebook(stubborn, "z = 3"),
        Limits(timeout=6, cell_timeout=2, memory_mb=None),
        tmp_path,
        jail=Jail(),
    )
    assert "timeout" in result.flags and time.monotonic() - started < 20


@pytest.mark.skipif(
    os.geteuid() != 0 or SYSTEM_PYTHON is None,
    reason="needs root (to switch uid) and a system python3",
)
def test_jail_switches_uid_and_nproc_holds_for_a_real_fork_bomb():
    """As root, RLIMIT_NPROC is ignored; the jail's uid switch makes it hold."""
    markers = Path(tempfile.mkdtemp(prefix="minigrad-nproc-"))  # /tmp: the uid can reach it
    os.chmod(markers, 0o777)
    source = FORK_BOMB.replace(
        'print("fork refused")', f'open("{markers}/refused-%d" % os.getpid(), "w")'
    )
    config = json.dumps({"uid": 60123, "gid": 60123, "nproc": 16})
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "minigrad_course.jail", config, SYSTEM_PYTHON, "-c", source],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30
    refused = list(markers.iterdir())
    assert refused, "the process limit never refused a fork"
    assert all(path.stat().st_uid == 60123 for path in refused)
    shutil.rmtree(markers)
    deadline = time.monotonic() + 15  # the bomb's children end themselves after 5 s
    while time.monotonic() < deadline and any(
        p.info["uids"].real == 60123 for p in psutil.process_iter(["uids"])
    ):
        time.sleep(0.2)
    assert not [p for p in psutil.process_iter(["uids"]) if p.info["uids"].real == 60123]
