"""Run a notebook in a fresh kernel, cell by cell, under limits; record each cell's outcome.

``execute`` drives nbclient in this process (used by ``check`` and release verification).
For grading, ``python -m minigrad_course.sandbox`` is a worker process that runs ``execute``
for each job file named on its stdin, with the kernel started through
:mod:`minigrad_course.jail` (memory, process and file-size limits; an unprivileged uid when we
are root) and a watchdog (:mod:`minigrad_course.watchdog`) that enforces the wall-clock limit
and kills fork bombs. Cell outcomes go to a JSON-lines file as they happen, so whatever
finished before a crash is kept.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import psutil
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from .watchdog import Watchdog, set_child_subreaper

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TRACEBACK_CHARS = 6000

# Runs first in every kernel: caps what the student's code can print (the rest is dropped,
# never stored), so gigabytes of output cost time, not memory or disk. IPython 9 also keeps
# every printed string in its history (InteractiveShell._tee, which wraps stream.write per
# cell); we turn that off, patch the stream class, and drop instance-level wrappers per cell.
_CAP_NOTICE = "minigrad-course: output limit reached; the rest is dropped"
_SETUP_CELL = """\
def _minigrad_cap_output(limit):
    import contextlib, sys
    from ipykernel.iostream import OutStream
    shell = get_ipython()
    if hasattr(shell, "_tee"):
        shell._tee = lambda channel: contextlib.nullcontext()
    written = [0]
    original = OutStream.write
    def write(self, text):
        written[0] += len(text)
        if written[0] <= limit:
            return original(self, text)
        if written[0] - len(text) <= limit:
            original(self, "\\n[{notice}]\\n")
        return len(text)
    OutStream.write = write
    def use_class_write(*args, **kwargs):
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, OutStream) and "write" in vars(stream):
                del stream.write
    shell.events.register("pre_run_cell", use_class_write)
_minigrad_cap_output({limit})
del _minigrad_cap_output
"""


@dataclass
class Limits:
    """Resource limits for one notebook run (None: no limit)."""

    timeout: float = 600.0  # wall-clock seconds for the whole notebook
    cell_timeout: float | None = 120.0  # a cell running longer is interrupted
    memory_mb: int | None = 2048  # address space of each kernel process
    max_procs: int = 32  # processes the student's code may have at once
    output_kb: int = 1024  # printed output kept per notebook
    file_mb: int | None = 256  # largest file the student's code may write


@dataclass
class RunResult:
    """Outcome of a notebook run: one record per executed code cell, plus run-level flags."""

    cells: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # timeout, kernel-died, process-limit, ...
    error: str | None = None
    kernel_log: str = ""


def clean_traceback(lines: list[str]) -> str:
    """A traceback as plain text (no colour codes), cut to its last TRACEBACK_CHARS."""
    text = _ANSI.sub("", "\n".join(lines or []))
    return text if len(text) <= TRACEBACK_CHARS else "...\n" + text[-TRACEBACK_CHARS:]


def cell_record(index: int, reply: dict[str, Any]) -> dict[str, Any]:
    """A JSON-able summary of one cell's execute_reply."""
    content = reply.get("content", {})
    record = {"index": index, "status": content.get("status", "error")}
    if record["status"] != "ok":
        record["ename"] = str(content.get("ename", "Error"))
        record["evalue"] = str(content.get("evalue", ""))[:TRACEBACK_CHARS]
        record["traceback"] = clean_traceback(content.get("traceback", []))
    return record


class _Client(NotebookClient):
    """nbclient that keeps no outputs (only counts them): replies carry what grading needs."""

    output_bytes = 0
    output_capped = False

    def output(self, outs, msg, display_id, cell_index):  # noqa: D102 (nbclient's hook)
        content = msg.get("content", {})
        self.output_bytes += len(json.dumps(content, default=str))
        if _CAP_NOTICE in str(content.get("text", "")):
            self.output_capped = True
        return None


class _SandboxKernelManager(AsyncKernelManager):
    """Starts this interpreter's ipykernel, behind an optional command prefix (the jail)."""

    prefix: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file]
        return list(self.prefix) + command + list(extra_arguments or [])


def _kernel_pid(km: AsyncKernelManager) -> int | None:
    process = getattr(km.provisioner, "process", None) if km.provisioner else None
    return getattr(process, "pid", None)


@dataclass
class Jail:
    """How to confine the kernel: limits always; a uid/gid (when root) and a private scratch
    directory (HOME, connection file, a minimal environment) when grading."""

    uid: int | None = None
    gid: int | None = None
    scratch: Path | None = None

    def prefix(self, limits: Limits, connection_file: str) -> list[str]:
        config: dict[str, Any] = {"memory_mb": limits.memory_mb, "file_mb": limits.file_mb}
        if self.uid is not None:
            config.update(uid=self.uid, gid=self.gid, chown=[connection_file, str(self.scratch)])
            config["nproc"] = limits.max_procs + 96  # threads count too
        else:
            config["nproc"] = _tasks_of_uid(os.getuid()) + limits.max_procs + 96
        return [sys.executable, "-m", "minigrad_course.jail", json.dumps(config)]


def _tasks_of_uid(uid: int) -> int:
    """Threads owned by uid now (RLIMIT_NPROC counts all of a user's threads)."""
    total = 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        uids = process.info.get("uids")
        if uids is not None and uids.real == uid:
            total += process.info.get("num_threads") or 1
    return total


def kernel_env(scratch: Path, sandboxed: bool) -> dict[str, str]:
    """Environment for a kernel: one BLAS thread; a private HOME when sandboxed."""
    if sandboxed:
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        env.update(
            HOME=str(scratch),
            IPYTHONDIR=str(scratch / ".ipython"),
            MPLCONFIGDIR=str(scratch / ".matplotlib"),
            MPLBACKEND="Agg",
        )
    else:
        env = dict(os.environ)
    env.update(
        MALLOC_ARENA_MAX="2",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def execute(
    nb: NotebookNode,
    limits: Limits,
    cwd: Path,
    on_cell: Callable[[dict[str, Any]], None] | None = None,
    jail: Jail | None = None,
    whole_process: bool = False,
) -> RunResult:
    """Run every code cell of nb in a fresh kernel started in cwd; errors do not stop the run.

    Each record's ``index`` is the cell's position in nb. A cell that runs past
    limits.cell_timeout is interrupted and recorded as a ``CellTimeout`` error; past
    limits.timeout the kernel is killed and the rest is not run. With whole_process (a worker
    process of its own), every descendant of this process counts as the student's and is killed
    at the end; otherwise only the kernel's tree is watched.
    """
    result = RunResult()
    runnable = copy.deepcopy(nb)
    setup = nbformat.v4.new_code_cell(
        _SETUP_CELL.format(limit=limits.output_kb * 1024, notice=_CAP_NOTICE)
    )
    runnable.cells.insert(0, setup)
    deadline = time.monotonic() + limits.timeout

    def record(cell, cell_index, execute_reply):
        if cell_index == 0:
            return
        entry = cell_record(cell_index - 1, execute_reply)
        result.cells.append(entry)
        if on_cell is not None:
            on_cell(entry)

    def cell_timeout(cell) -> int:
        remaining = max(1.0, deadline - time.monotonic() + 5)
        return int(min(limits.cell_timeout or remaining, remaining))

    # The kernel's connection file and raw log: in the sandbox's own scratch directory when
    # jailed (the sandbox user must read it), else in a private temporary directory.
    private = jail is not None and jail.scratch is not None
    state = jail.scratch if private else Path(tempfile.mkdtemp(prefix="minigrad-run-"))
    km = _SandboxKernelManager(kernel_name="python3")
    km.connection_file = str(state / "kernel-connection.json")
    km.prefix = jail.prefix(limits, km.connection_file) if jail else []
    client = _Client(
        runnable,
        km=km,
        allow_errors=True,
        interrupt_on_timeout=True,
        timeout_func=cell_timeout,
        startup_timeout=120,
        iopub_timeout=4,
        error_on_timeout={
            "ename": "CellTimeout",
            "evalue": f"the cell ran longer than {limits.cell_timeout:g} s and was interrupted",
            "traceback": [],
        },
        on_cell_executed=record,
        resources={"metadata": {"path": str(cwd)}},
    )
    watchdog = Watchdog(deadline, limits.max_procs, lambda: os.getpid(), jail)
    if not whole_process:
        watchdog.root = lambda: _kernel_pid(km)
    watchdog.start()
    log_path = state / "kernel.log"
    with open(log_path, "wb") as log:
        try:
            client.execute(env=kernel_env(state, private), stdout=log, stderr=log)
        except DeadKernelError:
            result.flags.append(watchdog.reason or "kernel-died")
        except CellTimeoutError:
            result.flags.append("timeout")
        except Exception as exc:  # the batch must go on: report, never raise
            result.flags.append(watchdog.reason or "error")
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            watchdog.done.set()
            watchdog.join()
            if whole_process:
                watchdog.kill_all()
    if watchdog.reason and watchdog.reason not in result.flags:
        result.flags.append(watchdog.reason)
    if client.output_capped or client.output_bytes > 2 * limits.output_kb * 1024:
        result.flags.append("output-limit")
    result.kernel_log = _tail(log_path, 4000)
    if not private:
        shutil.rmtree(state, ignore_errors=True)
    return result


def _tail(path: Path, chars: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - chars))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def make_scratch(uid: int | None, gid: int | None) -> Path:
    """A private working directory for one kernel, owned by the sandbox user if any."""
    scratch = Path(tempfile.mkdtemp(prefix="minigrad-grade-"))
    if uid is not None:
        os.chown(scratch, uid, gid)
    return scratch


def run_job(job_path: str) -> None:
    """Run one grading job (see grade.py): a JSON file in, JSON lines out; never raises."""
    job = json.loads(Path(job_path).read_text())
    limits = Limits(**job["limits"])
    uid, gid = job.get("uid"), job.get("gid")
    scratch = make_scratch(uid, gid)
    jail = Jail(uid=uid, gid=gid, scratch=scratch)
    with open(job["records"], "a", encoding="utf-8") as out:

        def on_cell(entry: dict[str, Any]) -> None:
            out.write(json.dumps(entry) + "\n")
            out.flush()

        try:
            nb = nbformat.reads(Path(job["notebook"]).read_text(encoding="utf-8"), as_version=4)
            result = execute(nb, limits, scratch, on_cell, jail, whole_process=True)
            end = {"event": "end", **{k: v for k, v in asdict(result).items() if k != "cells"}}
        except Exception as exc:  # never lose the row: report the failure as data
            end = {"event": "end", "flags": ["error"], "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(end) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)


def serve() -> int:
    """A grading worker: run each job path read from stdin, answer "done" on stdout.

    One worker serves many notebooks (each in a fresh kernel), so the imports are paid once.
    It is a child subreaper: whatever a student's code daemonises stays our descendant and
    is killed after each notebook.
    """
    set_child_subreaper()
    for line in sys.stdin:
        if line.strip():
            run_job(line.strip())
            sys.stdout.write("done\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
