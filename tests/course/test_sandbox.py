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


def leftovers() -> list[psutil.Process]:
    """Kernels (and their forked copies) started by execute() in this process."""
    return [
        p
        for p in psutil.process_iter(["cmdline"])
        if "minigrad-run-" in " ".join(p.info["cmdline"] or [])
    ]


def test_fork_bomb_is_stopped_by_the_watchdog(tmp_path):
    started = time.monotonic()
    result = execute(
        notebook("x = 1", FORK_BOMB, "y = 2"),
        Limits(timeout=30, cell_timeout=20, memory_mb=None, max_procs=8),
        tmp_path,
        jail=Jail(),
    )
    assert "process-limit" in result.flags
    assert [r["status"] for r in result.cells][:1] == ["ok"]
    assert time.monotonic() - started < 20
    # NOTE: in-process runs (check, verify) kill the kernel's tree and process group; a kernel
    # copy that slips out still ends itself (ipykernel exits when its parent changes).
    # Grading runs in a worker that is a child subreaper, which catches those too.
    deadline = time.monotonic() + 10
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not leftovers()


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
