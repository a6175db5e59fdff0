"""Processes a student's code may start: find them, count them, kill them all.

The Watchdog thread enforces a notebook's wall-clock deadline, process count and the memory
of the whole process tree (RLIMIT_AS bounds each process only). It watches
either a grading worker's whole tree (the worker is a child subreaper, so even processes that
daemonise stay its descendants) or, in-process, the kernel's tree and process group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from .sandbox import Jail


def descendants(pid: int) -> list[psutil.Process]:
    """All living descendants of pid (empty if pid is gone)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def kill_processes(processes: list[psutil.Process]) -> None:
    """SIGKILL each process, ignoring ones already gone."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def living(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes that are not zombies; our own zombie children are reaped on the way.

    # NOTE: a killed process stays listed until its parent waits for it; counting it as alive
    # made every kill loop run all its rounds (a second per notebook, twice as a sandbox uid).
    """
    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
            elif process.ppid() == os.getpid():
                os.waitpid(process.pid, os.WNOHANG)
        except (psutil.Error, ChildProcessError, OSError):
            pass
    return alive


def kill_uid(uid: int, rounds: int = 20) -> None:
    """Kill every process owned by uid (a grading slot's sandbox user), until none is left.

    # NOTE: a process that forks and exits in a loop changes its pid faster than the process
    # table can be read: every scan found its pid gone, and it outlived its notebook (it killed
    # the kernel of each later student graded as its uid). kill(-1) sent as uid reaches all of
    # uid's processes at once; the scan after it kills what that could not and tells when all
    # are gone. Done only once a kill(-1) was sent: the process sending it is uid's too, and a
    # process of uid that kills its own (kill(-1) in a loop) can kill it first.
    """
    for _ in range(rounds):
        sent = kill_all_as(uid)
        victims = []
        for process in psutil.process_iter(["uids"]):
            uids = process.info.get("uids")
            if uids is not None and uid in (uids.real, uids.effective):
                victims.append(process)
        victims = living(victims)
        if sent and not victims:
            return
        kill_processes(victims)
        time.sleep(0.05)


def kill_all_as(uid: int) -> bool:
    """kill(-1, SIGKILL) from a child of ours (root) that becomes uid: every process of uid
    at once (a process with it pending can no longer fork). False when it was not sent.

    # NOTE: once it is uid, a process of uid can stop it (SIGSTOP, which kill(-1, SIGSTOP) in
    # a loop sends it too) before it sends: a wait for it to end never returned, and the
    # grading with it. A child that stops is killed and counts as not sent.
    """
    pid = os.fork()
    if pid == 0:  # (system calls only, then _exit: this process may have other threads)
        code = 1
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            with contextlib.suppress(ProcessLookupError):  # (none to kill)
                os.kill(-1, signal.SIGKILL)
            code = 0
        finally:
            os._exit(code)
    try:
        _, status = os.waitpid(pid, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False
    except ChildProcessError:  # reaped by another thread's scan of uid (an interrupted grading)
        return False
    return os.waitstatus_to_exitcode(status) == 0


def kill_descendants(pid: int, rounds: int = 20) -> None:
    """Kill pid's descendants repeatedly until none are left (a fork bomb keeps forking)."""
    for _ in range(rounds):
        victims = living(descendants(pid))
        if not victims:
            return
        for process in victims:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        kill_processes(victims)
        time.sleep(0.05)


def group_members(pgid: int) -> list[psutil.Process]:
    """Living processes in process group pgid."""
    members = []
    for pid in psutil.pids():
        with contextlib.suppress(OSError, psutil.Error):
            if os.getpgid(pid) == pgid:
                members.append(psutil.Process(pid))
    return members


def set_child_subreaper() -> None:
    """Make orphaned descendants reparent to us (Linux), so daemonised children are found."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def tree_memory(procs: list[psutil.Process], limit: int) -> int:
    """Bytes the processes use together: resident sizes, or (when those pass limit, since
    forked children share pages) proportional set sizes, which count a shared page once."""
    total = 0
    for process in procs:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    if total <= limit:
        return total
    total = 0
    for process in procs:
        with contextlib.suppress(psutil.Error):
            total += process.memory_full_info().pss
    return total


class Watchdog(threading.Thread):
    """Enforces the notebook's deadline, process count and the memory of all its processes
    together; kills the kernel's tree if needed."""

    def __init__(
        self,
        deadline: float,
        max_procs: int,
        root: Callable[[], int | None],
        jail: Jail | None,
        memory_mb: int | None = None,
    ):
        """root() gives the pid whose descendants are the student's processes (None: not yet)."""
        super().__init__(daemon=True)
        self.deadline, self.max_procs, self.root, self.jail = deadline, max_procs, root, jail
        self.memory = memory_mb * 2**20 if memory_mb else None
        self.reason: str | None = None
        self.seen: int | None = None  # the last root seen: the kernel, once nbclient forgot it
        self.done = threading.Event()

    def run(self) -> None:
        parent = os.getppid()
        while not self.done.wait(0.1):
            if os.getppid() != parent:  # whoever started us is gone: stop, leave nothing
                self._trip("orphaned")
                continue
            root = self.root()
            self.seen = root or self.seen
            procs = self.members(root) if root else []
            self._reap(procs)
            living = [p for p in procs if _is_running(p)]
            if time.monotonic() > self.deadline:
                self._trip("timeout")
            elif len(living) > self.max_procs + 1:  # +1: the kernel itself, in worker mode
                self._trip("process-limit")
            elif self.memory and tree_memory(living, self.memory) > self.memory:
                self._trip("memory-limit")

    def _trip(self, reason: str) -> None:
        self.reason = self.reason or reason
        self.kill_all()

    def members(self, root: int) -> list[psutil.Process]:
        """The student's processes: root's descendants and, when root is the kernel, its
        process group too (forked children whose parent died are reparented out of the tree
        but stay in the group, unless they call setsid; a worker is a subreaper instead)."""
        procs = descendants(root)
        if root != os.getpid():
            known = {p.pid for p in procs}
            procs += [p for p in group_members(root) if p.pid not in known and p.pid != root]
        return procs

    def kill_all(self) -> None:
        """Kill every process the student's code may own (kernel included)."""
        root = self.root() or self.seen
        if root == os.getpid():
            kill_descendants(root)
        elif root:
            for _ in range(20):
                with contextlib.suppress(OSError):
                    os.killpg(root, signal.SIGKILL)
                kill_descendants(root)
                kill_processes([psutil.Process(root)] if psutil.pid_exists(root) else [])
                if not living(group_members(root)):
                    break
                time.sleep(0.05)
        if self.jail is not None and self.jail.uid is not None:
            kill_uid(self.jail.uid)

    @staticmethod
    def _reap(procs: list[psutil.Process]) -> None:
        for process in procs:
            try:
                if process.status() == psutil.STATUS_ZOMBIE and process.ppid() == os.getpid():
                    os.waitpid(process.pid, os.WNOHANG)
            except (psutil.Error, ChildProcessError, OSError):
                pass


def _is_running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
