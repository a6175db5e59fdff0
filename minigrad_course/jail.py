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
    """Set memory (address space), process, file size and core dump limits from config."""
    pairs = {
        resource.RLIMIT_AS: config.get("memory_mb") and config["memory_mb"] * MIB,
        resource.RLIMIT_NPROC: config.get("nproc"),
        resource.RLIMIT_FSIZE: config.get("file_mb") and config["file_mb"] * MIB,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in pairs.items():
        if value is not None:
            resource.setrlimit(which, (int(value), int(value)))


def leave_the_network() -> None:
    """Put this process in a network namespace of its own, whose loopback is down: a kernel's
    TCP ports on 127.0.0.1 (ipykernel's pipe for its subprocesses' output takes one) were open to
    the kernel of any other student graded at the same time, which could flood it. The kernel's
    own sockets are files in its scratch directory. Where the system refuses (no CAP_SYS_ADMIN in
    a container), the kernel keeps the machine's network."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).unshare(0x40000000)  # CLONE_NEWNET
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
        leave_the_network()
        drop_privileges(config["uid"], config["gid"], config.get("chown", []))
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
