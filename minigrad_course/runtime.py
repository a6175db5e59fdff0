"""The grading runtime: a copy of this Python that the sandbox user can execute.

When the grader runs as root, student code runs as an unprivileged uid. That uid must be able
to start the kernel's interpreter, which it cannot when Python or the project's virtual
environment lives in a private home directory (pyenv or ``.venv`` under ``/root``). Create the
runtime once, as root::

    make grading-runtime            # or: python -m minigrad_course.runtime [DIR]

It copies this interpreter's installation (``sys.base_prefix``) and its packages
(``site-packages`` of this environment) into DIR (default ``/opt/minigrad-grading``, or
``$MINIGRAD_GRADING_RUNTIME``), hard-linking files where it can, readable and executable by
every user but writable only by root. Grading finds it there; nothing in it is secret.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import site
import stat
import sys
import sysconfig
from pathlib import Path

DEFAULT_RUNTIME = Path("/opt/minigrad-grading")
_STAMP = "minigrad-runtime.json"
# Parts of the standard library a kernel never imports: skipped to keep the copy small.
_SKIP_STDLIB = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "__phello__"}


def default_runtime() -> Path:
    """Where grading looks for the runtime: $MINIGRAD_GRADING_RUNTIME or DEFAULT_RUNTIME."""
    return Path(os.environ.get("MINIGRAD_GRADING_RUNTIME") or DEFAULT_RUNTIME)


def _source() -> dict[str, str]:
    """What a runtime is a copy of: a runtime made from another Python is stale."""
    # layout 2: without the base installation's packages (a runtime made before is stale)
    return {
        "base_prefix": sys.base_prefix,
        "prefix": sys.prefix,
        "version": sys.version,
        "layout": "2",
    }


def runtime_python(target: Path) -> Path | None:
    """The runtime's interpreter when target holds a root-owned runtime of this Python."""
    try:
        info = os.lstat(target)
        with open(target / _STAMP, encoding="utf-8") as f:
            fresh = json.load(f) == _source()
    except (OSError, ValueError):
        return None
    safe = stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o022
    python = target / "python" / "bin" / f"python{sys.version_info[0]}"
    return python if fresh and safe and python.exists() else None


def library_env(python: str) -> dict[str, str]:
    """The environment a runtime's interpreter needs as the sandbox user: a Python built with a
    shared libpython (pyenv's) looks for it in its original installation, which that user
    cannot read; the runtime holds a copy beside it. (pyenv's 3.10, 3.12 and 3.13 did not start;
    3.11.7 started on the system's libpython 3.11.2.)"""
    home = Path(python).parent.parent  # (target/python of a runtime)
    if not (home.parent / _STAMP).is_file() or not any(home.glob("lib/libpython*.so*")):
        return {}  # not a runtime
    return {"LD_LIBRARY_PATH": str(home / "lib")}


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link a file that everyone may read already; copy (then open up) anything else."""
    if os.stat(src).st_mode & 0o004:
        try:
            os.link(src, dst)
            return
        except OSError:  # another file system, or links not allowed
            pass
    shutil.copy2(src, dst)
    os.chmod(dst, os.stat(dst).st_mode | 0o444 | (0o111 if os.access(src, os.X_OK) else 0))


def _copy_tree(src: Path, dst: Path, skip: set[str] = frozenset()) -> None:
    shutil.copytree(
        src,
        dst,
        symlinks=True,
        copy_function=_link_or_copy,
        ignore=lambda folder, names: [n for n in names if n in skip],
    )


def ensure_runtime(target: Path) -> Path:
    """The runtime's interpreter in target, created first unless a fresh one is there (one
    process at a time: parallel test workers share it)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
    lock = os.open(target.with_name(target.name + ".lock"), flags, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return runtime_python(target) or create_runtime(target)
    finally:
        os.close(lock)


def create_runtime(target: Path = DEFAULT_RUNTIME) -> Path:
    """(Re)create the grading runtime in target; returns its interpreter. Needs root."""
    target = Path(target)
    work = target.with_name(target.name + ".new")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, mode=0o755)
    stdlib = Path(sysconfig.get_paths()["stdlib"]).name  # python3.11
    packages = [Path(p) for p in site.getsitepackages() if Path(p).is_dir()]
    base_packages = Path(sysconfig.get_paths(vars={"base": sys.base_prefix})["purelib"])
    # NOTE: a virtual environment does not see its base installation's packages: copied, they
    # came first on the kernel's path (pyenv's 3.11 had its own IPython and NumPy, which the
    # kernel ran instead of the environment's)
    skip = _SKIP_STDLIB | ({base_packages.name} if base_packages not in packages else set())
    _copy_tree(Path(sys.base_prefix), work / "python", skip=skip)
    extra = []
    for index, folder in enumerate(packages):
        if folder.resolve().is_relative_to(Path(sys.base_prefix).resolve()):
            continue  # already in the copy of the base installation
        _copy_tree(folder, work / f"site-packages-{index}")
        extra.append(target / f"site-packages-{index}")
    # site imports sitecustomize from the standard library folder whatever site-packages is
    # called in this build; addsitedir processes the packages' own .pth files too.
    custom = work / "python" / "lib" / stdlib / "sitecustomize.py"
    lines = "".join(f"site.addsitedir({str(p)!r})\n" for p in extra)
    previous = custom.read_text() if custom.exists() else ""
    custom.unlink(missing_ok=True)  # a hard link: never write through it
    custom.write_text(previous + "\nimport site\n\n" + lines)
    (work / _STAMP).write_text(json.dumps(_source()))
    for folder, dirs, _ in os.walk(work):
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755)
    os.chmod(work, 0o755)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(work, target)
    return target / "python" / "bin" / f"python{sys.version_info[0]}"


def main(argv: list[str] | None = None) -> int:
    """``python -m minigrad_course.runtime [DIR]``: create the runtime, print its python."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else default_runtime()
    if os.geteuid() != 0:
        print("the grading runtime is only needed (and made) as root", file=sys.stderr)
        return 1
    print(f"grading runtime: {create_runtime(target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
