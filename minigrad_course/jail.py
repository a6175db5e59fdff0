"""Start a command under resource limits, as another user when we are root, then exec it.

Used as a prefix of the kernel command during grading::

    python -m minigrad_course.jail '{"memory_mb": 2048, ...}' python -m ipykernel_launcher -f F

Limits set here are inherited by everything the student's code starts. Root ignores
RLIMIT_NPROC, so when started as root we switch to an unprivileged uid first (the grader picks
one uid per worker slot, so one student's fork bomb cannot starve another's kernel).
"""

from __future__ import annotations

import json
import os
import resource
import sys

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


CLONE_NEWIPC, CLONE_NEWNET = 0x08000000, 0x40000000


def unshare(flag: int) -> None:
    """Put this process in a new namespace of one kind (CAP_SYS_ADMIN: root, before dropping
    privileges). Where the system refuses (a container without it), the kernel keeps the host's.

    - CLONE_NEWNET, whose loopback is down: a kernel's TCP ports on 127.0.0.1 (ipykernel's pipe
      for its subprocesses' output takes one) were open to the kernel of any other student
      graded at the same time, which could flood it. The kernel's own sockets are files in its
      scratch directory.
    - CLONE_NEWIPC, which the system destroys with its last process: a System V shared memory
      segment that a child of the kernel created, filled and detached outlived the notebook,
      outside every memory limit, until a reboot (semaphores and message queues too).
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).unshare(flag)
    except (OSError, AttributeError):
        pass


def drop_privileges(uid: int, gid: int, chown: list[str]) -> None:
    """Hand the given paths to uid, then become uid/gid with no supplementary groups."""
    for path in chown:
        os.chown(path, uid, gid)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def main(argv: list[str] | None = None) -> None:
    """Apply the JSON config in argv[0], then exec argv[1:]."""
    argv = sys.argv[1:] if argv is None else argv
    config, command = json.loads(argv[0]), argv[1:]
    apply_limits(config)
    if config.get("uid") is not None:
        unshare(CLONE_NEWNET)
        unshare(CLONE_NEWIPC)
        drop_privileges(config["uid"], config["gid"], config.get("chown", []))
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
