"""Start a command under resource limits, as another user when we are root, then exec it.

Used as a prefix of the kernel command during grading::

    python -m minigrad_course.jail '{"memory_mb": 2048, ...}' python -m ipykernel_launcher -f F

Limits set here are inherited by everything the student's code starts. Root ignores
RLIMIT_NPROC, so when started as root we switch to an unprivileged uid first (the grader picks
one uid per worker slot, so one student's fork bomb cannot starve another's kernel).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import stat
import sys
import time

MIB = 1024 * 1024


def apply_limits(config: dict) -> None:
    """Set memory (address space), process, file size, open file and core dump limits from
    config."""
    # (below the hard limit that we have: only root may raise it)
    open_files = config.get("open_files") and min(
        config["open_files"], resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    )
    pairs = {
        resource.RLIMIT_AS: config.get("memory_mb") and config["memory_mb"] * MIB,
        resource.RLIMIT_NPROC: config.get("nproc"),
        resource.RLIMIT_FSIZE: config.get("file_mb") and config["file_mb"] * MIB,
        resource.RLIMIT_NOFILE: open_files,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in pairs.items():
        if value is not None:
            resource.setrlimit(which, (int(value), int(value)))


CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000


def _libc():
    """The C library, or None where ctypes cannot load it."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def unshare(flag: int) -> bool:
    """Put this process in a new namespace of one kind (CAP_SYS_ADMIN: root, before dropping
    privileges). Where the system refuses (a container without it), the kernel keeps the host's.

    - CLONE_NEWNET, whose loopback is down: a kernel's TCP ports on 127.0.0.1 (ipykernel's pipe
      for its subprocesses' output takes one) were open to the kernel of any other student
      graded at the same time, which could flood it. The kernel's own sockets are files in its
      scratch directory.
    - CLONE_NEWIPC, which the system destroys with its last process: a System V shared memory
      segment that a child of the kernel created, filled and detached outlived the notebook,
      outside every memory limit, until a reboot (semaphores and message queues too).
    - CLONE_NEWNS, for folders of the kernel's own (see private_tmpfs).

    Returns whether the system made the namespace.
    """
    call = getattr(_libc(), "unshare", None)  # (Linux only)
    return call is not None and call(flag) == 0


def private_tmpfs(folders: list[str], size_mb: int) -> None:
    """Mount an empty tmpfs of size_mb on each of folders that exists, seen by this process and
    its children only (a mount namespace of their own, gone with its last process).

    /dev/shm is a tmpfs (half the machine's memory by default), writable by every user: a
    notebook's files there are memory that no process's size shows, and files of 256 MB (the
    file size limit), as many as it liked, filled the machine's memory while it ran, for every
    other student's kernel and the grader too. Where the system refuses (a container without
    CAP_SYS_ADMIN), the kernel keeps the host's folders.
    """
    libc = _libc()
    if not folders or libc is None or not unshare(CLONE_NEWNS):
        return
    # NOTE: private first: a mount under a shared one would be made on the host too
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return
    options = f"size={size_mb}m,mode=1777".encode()
    for folder in folders:
        if os.path.isdir(folder):
            libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options)


MEMORY_CGROUPS = "/sys/fs/cgroup/memory"  # (cgroup v1's memory hierarchy)


def memory_cgroup(name: str, limit: int) -> str | None:
    """A memory cgroup called name below this process's own, which holds its processes to
    limit bytes in all (root only), or None where there is none to make. One of that name is
    replaced (its processes killed).

    # NOTE: the watchdog sums the sizes of the notebook's processes, and memory that no
    # process's size shows escaped it: files of memfd_create written with write (256 MB each,
    # 256 of them a process) and of a tmpfs mounted in a user namespace of the notebook's own.
    # The kernel charges those pages to the cgroup, and kills in it past its limit.
    # Only cgroup v1 is used: under v2 a cgroup that holds processes (the grader's) can have no
    # child with a memory limit unless it was delegated to the grader, which is left open.
    """
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            own = next(
                p[2] for p in (line.rstrip("\n").split(":", 2) for line in f) if p[1] == "memory"
            )
        path = os.path.join(MEMORY_CGROUPS + own, name)
        remove_cgroup(path)  # one a worker that was killed left
        os.mkdir(path, 0o700)
    except (OSError, StopIteration, IndexError):
        return None
    try:
        _write(os.path.join(path, "memory.limit_in_bytes"), limit)
        if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):  # (swap too)
            _write(os.path.join(path, "memory.memsw.limit_in_bytes"), limit)
    except OSError:
        os.rmdir(path)
        return None
    return path


def _write(path: str, value: int) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(str(value))


def out_of_memory(cgroup: str) -> bool:
    """Whether the kernel killed a process of the cgroup for its memory limit."""
    try:
        with open(os.path.join(cgroup, "memory.oom_control"), encoding="ascii") as f:
            fields = dict(line.split() for line in f if len(line.split()) == 2)
        return int(fields.get("oom_kill", 0)) > 0
    except (OSError, ValueError):
        return False


def remove_cgroup(cgroup: str) -> None:
    """Kill what is left in the cgroup, then remove it (a cgroup with processes cannot go)."""
    for _ in range(20):
        try:
            with open(os.path.join(cgroup, "cgroup.procs"), encoding="ascii") as f:
                for pid in f.read().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
            os.rmdir(cgroup)
            return
        except FileNotFoundError:
            return
        except OSError:  # (busy: its processes are not gone yet)
            time.sleep(0.05)


def hand_over(path: str, uid: int, gid: int) -> None:
    """Give uid the folder or file at path, never through a link, nor a file linked elsewhere.

    # NOTE: the kernel's scratch folder is its uid's, so a process of that uid left by an earlier
    # notebook (tests/course/test_redteam14.py) swapped the connection file that root wrote
    # there for a link to a file of root's, which os.chown (it follows links) handed to the uid.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISDIR(info.st_mode) and not (
            stat.S_ISREG(info.st_mode) and info.st_nlink == 1
        ):
            raise PermissionError(f"jail: {path} is not a folder or a file of one name")
        os.fchown(fd, uid, gid)
    finally:
        os.close(fd)


def drop_privileges(uid: int, gid: int, chown: list[str]) -> None:
    """Hand the given paths to uid, then become uid/gid with no supplementary groups."""
    for path in chown:
        hand_over(path, uid, gid)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def main(argv: list[str] | None = None) -> None:
    """Apply the JSON config in argv[0], then exec argv[1:]."""
    argv = sys.argv[1:] if argv is None else argv
    config, command = json.loads(argv[0]), argv[1:]
    apply_limits(config)
    if config.get("cgroup"):  # (before dropping privileges: the cgroup is root's)
        _write(os.path.join(config["cgroup"], "cgroup.procs"), os.getpid())
    if config.get("uid") is not None:
        unshare(CLONE_NEWNET)
        unshare(CLONE_NEWIPC)
        private_tmpfs(config.get("tmpfs", []), config.get("tmpfs_mb", 0))
        drop_privileges(config["uid"], config["gid"], config.get("chown", []))
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
