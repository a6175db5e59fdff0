"""Grade a class (``minigrad-course grade CHAPTER SUBMISSIONS --out grades.csv``).

SUBMISSIONS holds one folder per student with the returned notebook under its exercise file
name, or one notebook per student (``alice.ipynb``, the shape of an LMS bulk download: the file
name without ``.ipynb`` is the student). Every folder and notebook gets a row, whatever is in it.
Each notebook runs in a worker process of its own (see sandbox.py) with a wall-clock, memory and
process limit; ``--jobs`` workers run at once. Finished students are saved one JSON file each in
``<out>_work/results/`` as they complete and the CSV is rewritten atomically after each, so an
interrupted run, restarted, grades only what is missing.

As root, student code runs as sandbox uids claimed under a lock (two gradings never share
one), with an interpreter those uids can execute (this one, or the grading runtime: see
runtime.py), and only once a probe as that uid showed it cannot read the solution or the
submissions; otherwise grading refuses, unless told ``unsafe_as_root``.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import pwd
import queue
import re
import select
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from . import notebook as nbf
from .assemble import Question, assemble, questions, run_flags, score
from .build import release
from .report import number, scrub, write_csv, write_feedback, write_summary
from .runtime import default_runtime, library_env, runtime_python
from .sandbox import GuardPlan, Limits
from .watchdog import kill_descendants, kill_uid

RESULT_VERSION = 1
SANDBOX_UID_BASE = 60000  # sandbox uids are claimed from here up (only when root)
# Statuses that mean the notebook could not be graded at all (every question scores 0).
UNGRADABLE = ("missing", "empty", "corrupt", "wrong-chapter", "invalid")
# The grader's own failures: a resumed run grades these again.
RETRY = ("grader-crash", "error")
MAX_NOTEBOOK_BYTES = nbf.MAX_NOTEBOOK_BYTES  # a returned notebook is kilobytes
MAX_RECORDS_BYTES = 64 * 2**20  # a worker's records: one short line per cell
# Folders in SUBMISSIONS that are tools' leftovers, not students.
IGNORED_FOLDERS = (".ipynb_checkpoints", ".git", "__MACOSX")
# How much of a student's folder is searched for a misplaced notebook: a folder nested 1,500 deep
# (an unpacked archive) stopped the whole grading (RecursionError, or a path too long).
MAX_SEARCH_ENTRIES, MAX_SEARCH_DEPTH = 10_000, 16
# A grading worker runs sandbox.serve. NOTE: not `-m minigrad_course.sandbox`: nbformat's
# jsonschema imports rfc3987_syntax where it is installed (jupyter-events brings it), which
# builds an IRI grammar at import, 2 s of CPU at each worker start for a format check that
# nbformat never makes. Marked absent, jsonschema leaves that one check out.
WORKER_ARGS = [
    "-c",
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from minigrad_course.sandbox import serve; sys.exit(serve())",
]


class GradingRefused(RuntimeError):
    """Grading would not keep student code in its box: says why and what to do."""


@dataclass
class GradeOptions:
    """Everything a grading run needs besides the chapter and the submissions."""

    out: Path
    jobs: int = 2
    limits: Limits = field(default_factory=Limits)
    force: bool = False
    unsafe_as_root: bool = False  # when root and no sandbox uid works: run students as root
    uid_base: int = SANDBOX_UID_BASE
    only: list[str] | None = None  # grade these students again; keep everyone else's row
    # Exercise notebooks (or folders holding them) handed out earlier: their locked cells are
    # accepted as they are, so editing a released test does not make old submissions tampered.
    accept_releases: list[Path] = field(default_factory=list)
    runtime: Path | None = None  # the grading runtime (default: runtime.default_runtime())


class SubmissionsError(ValueError):
    """A submissions folder (or --only) that names nobody to grade."""


def student_label(name: str) -> str:
    """A folder name as text: undecodable bytes and control characters escaped (\\xe9, \\n),
    and a backslash doubled, so that no two names share a label (a row of grades.csv)."""
    return "".join(map(_label_char, os.fsencode(name).decode("utf-8", "surrogateescape")))


def _label_char(c: str) -> str:
    if "\udc80" <= c <= "\udcff":  # an undecodable byte
        return f"\\x{ord(c) - 0xDC00:02x}"
    if c == "\\":
        return "\\\\"
    return c if c.isprintable() else repr(c)[1:-1]


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")
_DIGESTED = re.compile(r".*-[0-9a-f]{16}")


def file_key(name: str) -> str:
    """The name of a student's results and feedback files: the folder name when it is plain,
    else a readable part and a digest (names can be 255 bytes, undecodable, or '-rf'). A plain
    name that looks like a digested one is digested too: a folder named as another student's
    key shared that student's results file and row (one of the two rows was lost)."""
    if _PLAIN_NAME.fullmatch(name) and not _DIGESTED.fullmatch(name):
        return name
    raw = os.fsencode(name)
    slug = re.sub(r"[^A-Za-z0-9_.@+-]+", "_", raw.decode("utf-8", "replace"))[:40]
    return f"{slug.strip('._-') or 'student'}-{hashlib.sha256(raw).hexdigest()[:16]}"


@dataclass
class Submission:
    """A student folder and the notebook found in it (None when there is none)."""

    student: str  # the folder name, escaped (student_label)
    folder: Path
    path: Path | None
    flags: list[str]
    raw: bytes | None = None
    key: str = ""  # file_key of the folder name
    base: Path | None = None  # the submissions folder (see snapshot); path's own by default

    def __post_init__(self):
        self.key = self.key or file_key(self.folder.name)

    def snapshot(self) -> Submission:
        """Read the notebook's bytes now, before any student code runs; each folder from base
        down to it is opened in turn.

        # NOTE: the sandbox uid cannot reach the submissions (the probe checks it), but without
        # one student code runs as the grader, so every submission is graded from the bytes
        # read at the start of the run. Never through a link, never from a FIFO or device.
        """
        if self.path is not None and self.raw is None:
            try:
                fd = _open_below(self.base or self.path.parent, self.path)
            except (OSError, ValueError):  # a link (ELOOP, ENOTDIR), or gone
                self.path, self.flags = None, self.flags + ["invalid"]
                return self
            with os.fdopen(fd, "rb") as f:
                info = os.fstat(fd)
                if stat.S_ISREG(info.st_mode):
                    # NOTE: the file's size bounds the buffer (a read of the limit + 1 at once
                    # took 64 MB for every submission); one byte more shows a file that grew
                    self.raw = f.read(min(info.st_size, MAX_NOTEBOOK_BYTES) + 1)
                else:
                    self.path, self.flags = None, self.flags + ["invalid"]
        return self

    def fingerprint(self, solution_digest: str) -> str:
        digest = hashlib.sha256(solution_digest.encode())
        if self.raw is not None:
            digest.update(self.raw)
        return digest.hexdigest()


def _open_below(base: Path, path: Path) -> int:
    """A descriptor of the file path, reached from the folder base one name at a time, none of
    them a link: a student folder swapped for a link after the search (to a folder the grader
    can read) was followed, since O_NOFOLLOW looks at the last name only."""
    *folders, name = path.relative_to(base).parts
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for folder in folders:
            below = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = below
        return os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    finally:
        os.close(fd)


def work_paths(out: Path) -> dict[str, Path]:
    """Where a run keeps its state, next to --out: results, jobs, feedback, summary."""
    stem = out.with_suffix("")
    work = Path(f"{stem}_work")
    return {
        "work": work,
        "results": work / "results",
        "jobs": work / "jobs",
        "feedback": Path(f"{stem}_feedback"),
        "summary": Path(f"{stem}_summary.md"),
    }


def find_submission(folder: Path, exercise_name: str) -> Submission:
    """The notebook to grade in a student's folder, flagging renamed or misplaced files.

    A symbolic link (the folder or the notebook) is an invalid submission: never followed.
    """
    label = student_label(folder.name)
    exact = folder / exercise_name
    if folder.is_symlink() or exact.is_symlink():
        return Submission(label, folder, None, ["invalid"])
    if exact.is_file():
        return Submission(label, folder, exact, [], base=folder.parent)
    notebooks = _notebooks_in(folder)
    same_name = [p for p in notebooks if p.name == exercise_name]
    if same_name:
        return Submission(label, folder, same_name[0], ["renamed"], base=folder.parent)
    prefix = exercise_name[:3]  # "04_"
    likely = [p for p in notebooks if p.name.startswith(prefix)] or notebooks
    if len(likely) == 1:
        return Submission(label, folder, likely[0], ["renamed"], base=folder.parent)
    return Submission(label, folder, None, ["missing"])


def _notebooks_in(folder: Path) -> list[Path]:
    """The notebooks under folder, outside .ipynb_checkpoints and never through a link, among
    its first MAX_SEARCH_ENTRIES entries and MAX_SEARCH_DEPTH folders deep; a folder that cannot
    be read is passed over."""
    found, todo, seen = [], [(folder, 0)], 0
    while todo and seen < MAX_SEARCH_ENTRIES:
        here, depth = todo.pop()
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    seen += 1
                    if seen > MAX_SEARCH_ENTRIES:
                        break
                    if entry.is_dir(follow_symlinks=False):
                        if depth < MAX_SEARCH_DEPTH and entry.name != ".ipynb_checkpoints":
                            todo.append((Path(entry.path), depth + 1))
                    elif entry.name.endswith(".ipynb") and entry.is_file(follow_symlinks=False):
                        found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


def _minigrad_meta(metadata) -> dict:
    """metadata.minigrad of a cell or notebook as a dict (empty when absent or malformed)."""
    meta = metadata.get("minigrad") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _question_ids(nb: NotebookNode) -> set[str]:
    """grade_ids of the answer and test cells: what tells one chapter from another (given
    cells such as `setup` are shared by every chapter)."""
    kinds = (nbf.ANSWER, nbf.MANUAL, nbf.TEST)
    return {g for c in nb.cells if nbf.role(c) in kinds and isinstance(g := nbf.grade_id(c), str)}


def published_releases(paths: list[Path], exercise: str) -> list[tuple[str, dict[str, str]]]:
    """(path, {grade_id: checksum of each locked cell}) of each earlier release handed out.

    A path is a released exercise notebook, or a folder searched for one named `exercise`.
    """
    found = []
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob(exercise))
        if not files:
            raise FileNotFoundError(f"--accept-release {path}: no {exercise} there")
        for file in files:
            nb = nbf.read_notebook(file)
            chapter = _minigrad_meta(nb.metadata).get("chapter", Path(exercise).stem)
            if f"{chapter}.ipynb" != exercise:
                raise SubmissionsError(f"--accept-release {file}: an exercise of {chapter}")
            found.append(
                (
                    str(file),
                    {nbf.grade_id(c): nbf.checksum(c) for c in nb.cells if nbf.is_locked(c)},
                )
            )
    return found


def load_submission(sub: Submission) -> tuple[NotebookNode | None, list[str], str]:
    """Read the student's notebook: (notebook or None, flags, note for feedback)."""
    if "invalid" in sub.flags:
        return None, [], "the folder or notebook is a symbolic link or not a file: not graded"
    if sub.path is None:
        return None, ["missing"], "no notebook was found in the folder"
    raw = sub.raw if sub.raw is not None else b""
    name = student_label(sub.path.name)  # (a file name's undecodable bytes: see report._CONTROL)
    if not raw.strip():
        return None, ["empty"], f"{name} is empty"
    try:
        # NOTE: the bounds first: parsed by nbformat alone, 60 MB of `{},` took the grader's
        # own process 400 s and 10 GB
        nbf.notebook_json(raw, name)
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except nbf.NotebookError as exc:
        return None, ["corrupt"], str(exc)[:500]
    except Exception as exc:  # any way a file can fail to be a notebook
        return None, ["corrupt"], f"{name} is not a readable notebook ({exc})"[:500]
    return nb, [], ""


def readable_cells(nb: NotebookNode) -> list[str]:
    """Make every cell of a student's notebook one that assembling can read, in place: a
    source that is not text reads as empty, nbgrader metadata without a text grade_id is
    dropped (a plain cell), anything that is not a cell is left out. Returns notes."""
    notes, cells = [], []
    for position, cell in enumerate(nb.cells, start=1):
        if not isinstance(cell, dict):
            notes.append(f"cell {position} is a {type(cell).__name__}, not a cell: left out")
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            notes.append(f"cell {position}: its source is not text; read as empty")
            source = ""
        cell["source"] = source
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = NotebookNode()
        meta = cell["metadata"].get("nbgrader")
        if meta is not None and not (isinstance(meta, dict) and type(meta.get("grade_id")) is str):
            notes.append(f"cell {position}: malformed nbgrader metadata; read as a plain cell")
            del cell["metadata"]["nbgrader"]
        cells.append(cell)
    nb.cells = cells
    return notes


# A folder counts when it can be listed, or only searched: its files are then read by name, and
# git's have known names (.git/HEAD, .git/refs/heads/main...) that lead to all the others.
_PROBE = """\
import json, os, sys
import ipykernel, numpy, minigrad
readable = []
for path in sys.argv[1:]:
    if os.access(path, os.R_OK) or os.path.isdir(path) and os.access(path, os.X_OK):
        readable.append(path)
print(json.dumps(readable))
"""


def git_copies(folder: Path) -> list[Path]:
    """Where git keeps the solutions of a repository that holds folder: its git folders (every
    committed version, hidden tests included) and folder in the repository's other worktrees.

    # NOTE: the course folder stays readable by others (the kernel imports minigrad from it),
    # and with it its .git: with solutions/ made private as told, an answer cell that ran
    # `git -c safe.directory=* show HEAD:solutions/...` as the sandbox uid read the solution and
    # the hidden tests (tests/course/test_redteam15.py).
    """
    for top in [folder, *folder.parents]:
        dot = top / ".git"
        if dot.is_dir():
            own = dot
        elif dot.is_file():  # a worktree's: "gitdir: PATH"
            own = top / dot.read_text(encoding="utf-8").removeprefix("gitdir:").strip()
        else:
            continue
        common = own / "commondir"  # (a worktree's: where the history is)
        common = own / common.read_text(encoding="utf-8").strip() if common.is_file() else own
        own, common = Path(os.path.normpath(own)), Path(os.path.normpath(common))
        trees = [common.parent] if common.name == ".git" else []  # (a bare one has none)
        for record in sorted(common.glob("worktrees/*/gitdir")):
            trees.append(Path(record.read_text(encoding="utf-8").strip()).parent)
        inside = folder.relative_to(top)
        return [own, common] + [tree / inside for tree in trees if tree != top]
    return []


def probe(uid: int, python: str, private: list[Path]) -> tuple[list[str] | None, str]:
    """Run python as uid: (the private paths it could read, or None when it cannot start the
    kernel's imports; the error)."""
    config = json.dumps({"uid": uid, "gid": uid})
    command = [sys.executable, "-m", "minigrad_course.jail", config, python, "-c", _PROBE]
    try:
        done = subprocess.run(
            command + [str(p) for p in private],
            cwd="/",
            capture_output=True,
            timeout=120,
            env={**os.environ, **library_env(python)},
        )
        if done.returncode == 0:
            return json.loads(done.stdout.decode().splitlines()[-1]), ""
        return None, "\n".join(done.stderr.decode("utf-8", "replace").splitlines()[-1:])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        return None, str(exc)


def _lock_folder() -> Path:
    """A folder only this user can write, for the sandbox uid locks."""
    base = Path("/run") if os.access("/run", os.W_OK) else Path(tempfile.gettempdir())
    folder = base / f"minigrad-grading-{os.geteuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise GradingRefused(f"{folder} is not a private folder of this user: remove it")
    return folder


def claim_uids(count: int, base: int) -> tuple[list[int], list[int]]:
    """count free sandbox uids from base up, each held by an exclusive lock on a file until
    its descriptor (returned too) is closed; uids of real accounts are skipped."""
    folder, uids, fds = _lock_folder(), [], []
    for uid in range(base, base + 10_000):
        if len(uids) == count:
            break
        with contextlib.suppress(KeyError):
            pwd.getpwuid(uid)
            continue  # a real account: its processes are not ours to kill
        fd = os.open(folder / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another grading holds it
            os.close(fd)
            continue
        kill_uid(uid)  # whatever is left from a grading that died: nobody holds this uid now
        uids.append(uid)
        fds.append(fd)
    if len(uids) < count:
        raise GradingRefused(f"no free sandbox uid from {base} (other gradings hold them)")
    return uids, fds


class SandboxUsers:
    """Hands out worker slots; as root, each slot has its own sandbox uid, claimed under a lock
    so that two gradings at once never share one, and an interpreter that uid can execute."""

    def __init__(self, jobs: int, options: GradeOptions, private: list[Path]):
        self.slots: queue.Queue[int] = queue.Queue()
        for slot in range(jobs):
            self.slots.put(slot)
        self.workers: dict[int, Worker] = {}
        self.uids: list[int] = []
        self.locks: list[int] = []
        self.python = sys.executable
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.uids, self.locks = claim_uids(jobs, options.uid_base)
            try:
                self.python = self._checked_python(options, private)
            except GradingRefused:
                self.stop()
                raise

    def _checked_python(self, options: GradeOptions, private: list[Path]) -> str:
        """The kernel's interpreter, once a probe as a sandbox uid showed that it works and
        that the uid cannot read the private paths; else GradingRefused, with the fix (or,
        with unsafe_as_root and no interpreter the uid can run, this one, as root)."""
        runtime = options.runtime or default_runtime()
        candidates = [sys.executable, runtime_python(runtime)]
        errors = []
        for python in [str(p) for p in candidates if p is not None]:
            readable, error = probe(self.uids[0], python, private)
            if readable:
                paths = " ".join(f"'{p}'" for p in readable)
                raise GradingRefused(
                    f"the sandbox user (uid {self.uids[0]}) can read {paths}: students' code "
                    f"could read the answers. Fix: chmod -R go-rwx {paths}"
                )
            if readable is not None:
                return python
            errors.append(f"{python}: {error}")
        if options.unsafe_as_root:
            print("warning: --unsafe-as-root: student code runs as root", file=sys.stderr)
            self.release()
            return sys.executable
        raise GradingRefused(
            f"student code would run as root: the sandbox user (uid {self.uids[0]}) cannot run "
            f"Python ({'; '.join(errors)}). Create the grading runtime once, as root: "
            f"`make grading-runtime` (python -m minigrad_course.runtime {runtime}), then grade "
            "again; or pass --unsafe-as-root to run student code as root"
        )

    def uid(self, slot: int) -> int | None:
        return self.uids[slot] if self.uids else None

    def worker(self, slot: int, log_path: Path) -> Worker:
        if slot not in self.workers:
            lock = self.locks[slot] if self.locks else None
            self.workers[slot] = Worker(log_path, lock)
        return self.workers[slot]

    def stop(self) -> None:
        for slot, worker in self.workers.items():
            worker.stop(self.uid(slot))
        for uid in self.uids:
            kill_uid(uid)
        self.release()

    def release(self) -> None:
        """Give the sandbox uids back (closing a lock's descriptor unlocks it)."""
        for fd in self.locks:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.locks, self.uids = [], []


class Worker:
    """A grading worker process (sandbox.serve) for one slot, restarted when it must be killed."""

    def __init__(self, log_path: Path, uid_lock: int | None = None):
        self.log_path = log_path
        # The worker inherits its uid's lock: if the grader dies first, the uid stays taken
        # until the worker (which then kills its kernel and exits) is gone too.
        self.uid_lock = uid_lock
        self.process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        with open(os.open(self.log_path, flags, 0o600), "wb") as log:
            return subprocess.Popen(
                [sys.executable, *WORKER_ARGS],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                pass_fds=(self.uid_lock,) if self.uid_lock is not None else (),
            )

    def run(self, job_path: Path, timeout: float, uid: int | None) -> list[str]:
        """Run one job; past timeout kill the worker and all it started. Returns flags."""
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        process = self.process  # stop() may clear self.process from another thread (Ctrl-C)
        try:
            process.stdin.write(f"{job_path}\n".encode())
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], timeout)
            if ready and process.stdout.readline().strip() == b"done":
                return []
        except (OSError, ValueError):  # a closed pipe: the worker is gone
            ready = True
        self.stop(uid)
        return ["grader-crash"] if ready else ["timeout"]

    def stop(self, uid: int | None = None) -> None:
        """Kill the worker, its kernel and anything else they started."""
        process, self.process = self.process, None
        if process is None:
            return
        kill_descendants(process.pid)
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if uid is not None:
            kill_uid(uid)


def run_job(
    worker: Worker,
    job_dir: Path,
    nb: NotebookNode,
    limits: Limits,
    uid: int | None,
    python: str = sys.executable,
    guard: GuardPlan | None = None,
):
    """Run one assembled notebook on a worker; return its cell records and flags."""
    private_folder(job_dir)
    records_path = job_dir / "records.jsonl"
    records_path.unlink(missing_ok=True)
    nbf.write_text_atomic(job_dir / "graded.ipynb", nbf.dumps_notebook(nb))
    job = {
        "notebook": str(job_dir / "graded.ipynb"),
        "records": str(records_path),
        "limits": asdict(limits),
        "uid": uid,
        "gid": uid,
        "python": python,
        "guard": asdict(guard) if guard else None,
        "run_id": os.getpid(),  # in the kernel's scratch name: whose kernel it is
    }
    nbf.write_json_atomic(job_dir / "job.json", job)
    flags = worker.run(job_dir / "job.json", limits.timeout + 90, uid)
    return _read_records(records_path, flags)


def private_folder(path: Path) -> Path:
    """Create path (and parents) readable by this user only, so that records and feedback
    never are world-readable, and no other user can plant files in them."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _read_own(path: Path, limit: int) -> bytes | None:
    """At most limit bytes of a file only this grader can have written (a regular file, not a
    link, owned by us, not writable by others, in a folder that is the same), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        for info in (os.fstat(fd), os.lstat(path.parent)):
            mode = info.st_mode
            own = info.st_uid == os.geteuid() and not mode & 0o022
            if not own or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                return None
        return f.read(limit)


def _read_records(path: Path, flags: list[str]) -> dict:
    """Cell records and the end record from a worker's JSON-lines file."""
    cells, end = [], None
    data = _read_own(path, MAX_RECORDS_BYTES)
    if data is not None:
        for line in data.decode("utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if entry.get("event") == "end":
                end = entry
            else:
                cells.append(entry)
    if end is None:
        end = {"flags": flags or ["grader-crash"], "error": "the worker process stopped early"}
    return {
        "cells": cells,
        "flags": end.get("flags", []),
        "error": end.get("error"),
        "kernel_log": end.get("kernel_log", ""),
        "evidence": end.get("evidence", []),
    }


def hidden_lines(solution: NotebookNode) -> list[str]:
    """The lines of every hidden test (stripped), which feedback must never show."""
    lines = []
    for cell in solution.cells:
        if nbf.role(cell) != nbf.TEST:
            continue
        inside = False
        for line in cell.source.splitlines():
            if nbf.BEGIN_HIDDEN.match(line) or nbf.END_HIDDEN.match(line):
                inside = not inside
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


# What an answer needs to reach into the tests' machinery rather than compute: the caller's
# frames, builtins, the checks' own module, namespaces, code objects and closures, finalizers,
# the import system (a module of the answer's own imported by a test), NumPy 1.x's numeric ops,
# the notebook's namespace (where a test cell's own inputs are, by value), the kernel and its
# session (which send the replies the worker reads), and names built at run time.
# The in-kernel guards cannot see a patch that puts itself back after its first use (docs/
# instructors.md, "Hostile answers"), so a student cell that names one of these is flagged for
# a person to read; the score is not changed (an honest student may import inspect).
_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if n.isidentifier() and n[:1] != "_")
# A name the tests look up (a builtin, a locked cell's helper) bound in the notebook's namespace
# from inside a function while a test runs, and removed after its first use, is seen by no guard.
_GLOBAL = re.compile(r"^[ \t]*global[ \t]+(\w+(?:[ \t]*,[ \t]*\w+)*)", re.M)
_REACHING = re.compile(
    r"\b(?:_getframe|_current_frames|f_back|f_locals|f_globals|f_code|f_trace|f_lineno|tb_frame|"
    r"gi_frame|inspect|builtins|__builtins__|gc|ctypes|\w*signal\w*|dup2|settrace|setprofile|addaudithook|"
    r"__globals__|__code__|__closure__|cell_contents|__dict__|globals|vars|__import__|importlib|"
    r"__subclasses__|__del__|weakref|sys\s*\.\s*(?:modules|monitoring|path)|meta_path|session|"
    r"set_numeric_ops|user_ns|user_global_ns|user_module|"
    r"minigrad\s*\.\s*testing|from\s+minigrad\s+import\s[^)]{0,300}?\btesting)\b"
    r"|\b__class__\s*=(?!=)|\.\s*kernel\b"
    # names built at run time (getattr(sys, "_get" + "frame"), exec of a string): an attribute
    # reached by getattr, setattr or delattr with a name that is not one plain string literal
    r"|\b(?:get|set|del)attr(?=\s*\((?:[^,()]|\([^()]{0,100}\)){0,100},(?!\s*([\"'])\w*\1\s*[,)]))"
    r"|(?<![\w.])(?:eval|exec)(?=\s*\()"
    # the module whose namespace the notebook's is (see _GLOBAL)
    r"|\bimport\s+__main__\b"
    # a module's attribute set past the class that refuses it while a test runs, and sys's
    # attributes reached by getattr with a plain literal (getattr(sys, "modules"))
    r"|\b(?:object|ModuleType)\s*\.\s*__(?:set|del)attr__\b"
    r"|\bgetattr\s*\(\s*sys\s*,\s*([\"'])(?:modules|monitoring|path|_getframe)\2"
)
# NOTE: the scan runs in the grader's own process, unlimited: past these sizes (its cost grows
# with the text) the rest is not scanned but flagged as it is.
REVIEW_CELL_CHARS, REVIEW_CHARS = 100_000, 1_000_000


# A notebook's notes quote what it holds (grade_ids, a chapter name): 2,000 cells with grade_ids
# of 20 kB made a feedback file and a results file of 38 MB each.
MAX_NOTES, NOTE_CHARS = 20, 300


def bounded(notes: list[str]) -> list[str]:
    """The first MAX_NOTES notes, each cut to NOTE_CHARS, and how many more there were."""
    kept = [n if len(n) <= NOTE_CHARS else n[: NOTE_CHARS - 3] + "..." for n in notes if n]
    more = len(kept) - MAX_NOTES
    return kept[:MAX_NOTES] + ([f"... and {more} more notes"] if more > 0 else [])


def reaching_cells(nb: NotebookNode, helpers: frozenset[str] = frozenset()) -> list[str]:
    """One line per code cell of the student's own (not locked) that names something from
    _REACHING, or binds with `global` a builtin's name or one of `helpers` (the names the locked
    cells bind): the cell, and what it names."""
    found, budget = [], REVIEW_CHARS
    for position, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or nbf.is_locked(cell):
            continue
        label = f" ({nbf.grade_id(cell)!r})" if nbf.grade_id(cell) else ""
        budget -= len(cell.source)
        if len(cell.source) > REVIEW_CELL_CHARS or budget < 0:
            found.append(f"cell {position}{label} has {len(cell.source)} characters: not scanned")
            continue
        found_names = {" ".join(m.group(0).split()) for m in _REACHING.finditer(cell.source)}
        for match in _GLOBAL.finditer(cell.source):
            bound = re.split(r"[ \t]*,[ \t]*", match.group(1))
            tests_use = [n for n in bound if n in _BUILTIN_NAMES or n in helpers]
            if tests_use:
                found_names.add("global " + ", ".join(tests_use))
        names = sorted(found_names)
        if names:
            found.append(f"cell {position}{label} names {', '.join(names)[:200]}")
    return found


def cell_bound_names(source: str) -> list[str]:
    """Names a cell binds at top level (imports, definitions, assignments, unpacked ones too)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            todo = list(targets)
            while todo:  # (`x, (y, *z) = ...`; not `obj.attr = ...` nor `table[key] = ...`)
                target = todo.pop()
                if isinstance(target, ast.Name):
                    names.add(target.id)
                elif isinstance(target, (ast.Tuple, ast.List)):
                    todo.extend(target.elts)
                elif isinstance(target, ast.Starred):
                    todo.append(target.value)
    return sorted(names)


def imported_modules(source: str) -> list[str]:
    """Modules a cell uses, as far as its source shows: those it imports at top level (`import
    numpy as np`, `from minigrad.testing import ...`; not relative imports, nor __future__, nor
    an import inside a block, which may not run), and dotted names read from them, which may be
    submodules (`np.random.default_rng`: numpy.random, which NumPy loads on first use). The
    guard imports those that are modules and records them before any student code runs."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    modules, aliases = [], {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
            for alias in node.names:
                name = alias.asname or alias.name.partition(".")[0]
                aliases[name] = alias.name if alias.asname else name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            modules.append(node.module)
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        path = []
        while isinstance(node, ast.Attribute):
            path.append(node.attr)
            node = node.value
        if path and isinstance(node, ast.Name) and node.id in aliases:
            modules.append(".".join([aliases[node.id], *reversed(path)]))
    modules += [name for name in aliases.values() if name.rpartition(".")[2] != "*"]
    return modules


def is_module(name: str) -> bool:
    """Whether name is a module this environment has (its parent packages get imported here)."""
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:  # a parent that is not a package, or fails to import: the cell will say
        return False


def bound_names(released: NotebookNode) -> list[str]:
    """Names the locked cells (given code, visible tests) bind at top level: the helpers and
    data the tests rely on, which the guard puts back if an answer rebinds them."""
    names = set()
    for cell in released.cells:
        if nbf.role(cell) in (nbf.TEST, nbf.GIVEN):
            names.update(cell_bound_names(cell.source))
    return sorted(names)


class Grader:
    """One grading run over a class; see grade()."""

    def __init__(self, solution_path: Path, submissions: Path, options: GradeOptions):
        self.solution_path, self.submissions, self.options = solution_path, submissions, options
        self.chapter = solution_path.stem
        self.solution = nbf.read_notebook(solution_path)
        self.released = release(self.solution, self.chapter)  # refuses a malformed solution
        self.questions: list[Question] = questions(self.solution)
        self.published = published_releases(options.accept_releases, f"{self.chapter}.ipynb")
        self.accepted: dict[str, set[str]] = {}
        for _, checksums in self.published:
            for gid, digest in checksums.items():
                self.accepted.setdefault(gid, set()).add(digest)
        # NOTE: values, not spelling: `--timeout 600` (600.0) and the default (600) are one run.
        limits = {k: float(v) if type(v) is int else v for k, v in asdict(options.limits).items()}
        inputs = [limits, sorted(sorted(c.items()) for _, c in self.published)]
        self.digest = hashlib.sha256(
            solution_path.read_bytes() + json.dumps(inputs, sort_keys=True).encode()
        ).hexdigest()
        self.paths = work_paths(options.out)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.results: dict[str, dict] = {}  # by Submission.key
        self.hidden = hidden_lines(self.solution)
        self.locked_names = bound_names(release(self.solution, self.chapter))
        # (only the names that are modules go to the kernel: the others are names the hidden
        # tests read, which the kernel's code would see)
        used = [
            m
            for c in self.solution.cells
            if nbf.role(c) in (nbf.TEST, nbf.GIVEN)
            for m in imported_modules(c.source)
        ]
        self.modules = [m for m in dict.fromkeys(used) if is_module(m)]

    def students(self) -> list[Submission]:
        """A submission per student folder (a link: invalid) and per notebook lying directly in
        SUBMISSIONS (an LMS bulk download: the file name without .ipynb is the student)."""
        exercise = f"{self.chapter}.ipynb"
        entries = [p for p in self.submissions.iterdir() if p.name not in IGNORED_FOLDERS]
        folders = sorted(p for p in entries if p.is_symlink() or p.is_dir())
        files = sorted(p for p in entries if p.suffix == ".ipynb" and p not in folders)
        both = sorted({f.stem for f in files} & {d.name for d in folders})
        if both:
            raise SubmissionsError(
                f"{', '.join(both)}: both a folder and a notebook in {self.submissions}; "
                "keep one of the two for each student"
            )
        subs = [find_submission(f, exercise) for f in folders]
        subs += [
            Submission(student_label(f.stem), f.parent, f, [], key=file_key(f.stem)) for f in files
        ]
        if not subs:
            raise SubmissionsError(
                f"nothing to grade in {self.submissions}: expected one folder per student "
                f"(SUBMISSIONS/alice/{exercise}) or one notebook per student "
                "(SUBMISSIONS/alice.ipynb)"
            )
        return [s.snapshot() for s in sorted(subs, key=lambda s: s.student)]

    def private_paths(self) -> list[Path]:
        """What the sandbox user must not read: the solution, its folder, the submissions, and
        git's copies of the solution's folder."""
        folder = Path(os.path.abspath(self.solution_path.parent))
        paths = [self.solution_path, folder, self.submissions, *git_copies(folder)]
        return list(dict.fromkeys(Path(os.path.abspath(p)) for p in paths))  # the probe runs in /

    def saved_result(self, sub: Submission, fresh: bool = True) -> dict | None:
        """The result of an earlier run when it is final (not the grader's own failure), in a
        file only the grader can have written, and (with fresh) for these very bytes."""
        data = _read_own(self.paths["results"] / f"{sub.key}.json", MAX_NOTEBOOK_BYTES)
        try:
            saved = json.loads(data) if data is not None else None
        except ValueError:
            return None
        if not isinstance(saved, dict) or set(str(saved.get("status")).split(";")) & set(RETRY):
            return None
        same = not fresh or saved.get("fingerprint") == sub.fingerprint(self.digest)
        return saved if same and saved.get("version") == RESULT_VERSION else None

    def grade_one(self, sub: Submission, slots: SandboxUsers) -> dict | None:
        """Grade one student and save the row; None when the run is being interrupted.

        Never raises: an internal failure becomes the row's status.
        """
        if self.stopping.is_set():
            return None
        started = time.monotonic()
        try:
            result = self._grade(sub, slots)
        except Exception as exc:  # the batch must go on
            result = self._empty_result(sub, ["error"], [f"grader error: {exc!r}"[:500]])
        if self.stopping.is_set():  # its worker was killed by the interruption: not a result
            return None
        result["seconds"] = round(time.monotonic() - started, 2)
        nbf.write_json_atomic(private_folder(self.paths["results"]) / f"{sub.key}.json", result)
        with self.lock:
            self.results[sub.key] = result
            self.write_outputs(final=False)
        feedback = private_folder(self.paths["feedback"]) / f"{sub.key}.md"
        write_feedback(feedback, result, self.chapter)
        return result

    def _grade(self, sub: Submission, slots: SandboxUsers) -> dict:
        nb, flags, note = load_submission(sub)
        if nb is None:
            return self._empty_result(sub, sub.flags + flags, [note])
        cleaned = readable_cells(nb)
        theirs = _question_ids(nb)
        if theirs and not theirs & _question_ids(self.solution):  # not one question of ours
            chapter = _minigrad_meta(nb.metadata).get("chapter") or "another chapter"
            note = f"this is the notebook of {chapter}, not {self.chapter}"
            return self._empty_result(sub, sub.flags + ["wrong-chapter"], [note])
        asm = assemble(self.solution, self.chapter, nb, self.accepted)
        slot = slots.slots.get()
        try:
            job_dir = self.paths["jobs"] / sub.key
            worker = slots.worker(slot, private_folder(self.paths["work"]) / f"worker-{slot}.log")
            guard = self.guard_plan(asm.positions)
            limits, uid = self.options.limits, slots.uid(slot)
            run = run_job(worker, job_dir, asm.notebook, limits, uid, slots.python, guard)
        finally:
            slots.slots.put(slot)
        outcomes = score(self.questions, asm.positions, run["cells"])
        for outcome in outcomes.values():  # what students read: capped, no hidden-test source
            outcome["message"] = scrub(outcome["message"], self.hidden)
        flags = sub.flags + asm.flags + run["flags"] + run_flags(run["cells"], run["kernel_log"])
        if run["evidence"]:
            flags.append("suspicious")
        review = reaching_cells(asm.notebook, frozenset(self.locked_names))
        if review:
            flags.append("review")
        notes = cleaned + asm.notes + ([run["error"]] if run["error"] else [])
        result = self._result(sub, outcomes, flags, notes)
        result["release"] = self.release_of(nb)
        result["evidence"] = run["evidence"]
        result["review"] = review
        return result

    def release_of(self, nb: NotebookNode) -> str:
        """Which release the notebook was built from, by the checksums its locked cells record:
        "current", the path of an --accept-release notebook, or "unknown"."""
        recorded = {
            gid: _minigrad_meta(c.get("metadata", {})).get("checksum")
            for c in nb.cells
            if nbf.is_locked(c) and isinstance(gid := nbf.grade_id(c), str)
        }
        current = {
            nbf.grade_id(c): c.metadata["minigrad"]["checksum"]
            for c in self.released.cells
            if nbf.is_locked(c)
        }
        for name, checksums in [("current", current), *self.published]:
            if recorded and recorded.items() <= checksums.items():
                return name
        return "unknown"

    def guard_plan(self, positions: dict[str, int]) -> GuardPlan:
        """Undo interception before each graded test; record helpers after each locked cell."""
        plan = GuardPlan()
        # (a name an answer binds at top level, `model = ...`, is the answer's, what its test reads)
        answers = {
            n
            for c in self.solution.cells
            if nbf.role(c) == nbf.ANSWER
            for n in cell_bound_names(c.source)
        }
        for cell in self.solution.cells:
            gid, kind = nbf.grade_id(cell), nbf.role(cell)
            if gid in positions and kind == nbf.TEST:
                plan.restore_before.append(positions[gid])
            if gid in positions and kind in (nbf.TEST, nbf.GIVEN):
                plan.snapshot_after.append(positions[gid])
                bound = cell_bound_names(cell.source)  # hidden tests too
                plan.snapshot_names.append([n for n in bound if n not in answers])
        plan.modules = list(self.modules)
        return plan

    def _empty_result(self, sub: Submission, flags: list[str], notes: list[str]) -> dict:
        message = "; ".join(bounded(notes)) or "not graded"
        outcomes = {
            q.grade_id: {"status": "not run", "points": 0.0, "max": q.points, "message": message}
            for q in self.questions
        }
        return self._result(sub, outcomes, flags, notes)

    def _result(self, sub: Submission, outcomes: dict, flags: list[str], notes: list[str]):
        unique = list(dict.fromkeys(flags))
        return {
            "version": RESULT_VERSION,
            "student": sub.student,
            "file": str(sub.path.relative_to(sub.folder)) if sub.path else None,
            "fingerprint": sub.fingerprint(self.digest),
            "questions": outcomes,
            "total": sum(o["points"] for o in outcomes.values()),
            "max": sum(q.points for q in self.questions),
            "status": ";".join(unique) or "ok",
            "notes": bounded(notes),
        }

    def write_outputs(self, final: bool) -> None:
        rows = [self.results[key] for key in sorted(self.results)]
        write_csv(self.options.out, [q.grade_id for q in self.questions], rows)
        if final:
            write_summary(self.paths["summary"], self.chapter, self.questions, rows)


def grade(
    solution_path: Path,
    submissions: Path,
    options: GradeOptions,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """Grade every student folder in submissions; return the rows, sorted by student."""
    grader = Grader(solution_path, submissions, options)
    say = progress or (lambda message: None)
    students = grader.students()
    only = set(options.only or ())
    unknown = sorted(only - {s.student for s in students})
    if unknown:
        raise SubmissionsError(f"--only: no submission for {', '.join(unknown)} in {submissions}")
    todo = []
    for sub in students:
        if only and sub.student not in only:  # kept as it is, graded or not
            saved = grader.saved_result(sub, fresh=False)
        else:
            saved = None if options.force or only else grader.saved_result(sub)
        if saved is not None:
            grader.results[sub.key] = saved
        elif not only or sub.student in only:
            todo.append(sub)
    say(f"{len(grader.results)} already graded, {len(todo)} to grade with {options.jobs} jobs")
    if todo:
        for folder in (grader.paths["work"], grader.paths["feedback"]):
            private_folder(folder)
        slots = SandboxUsers(options.jobs, options, grader.private_paths())
        pool = ThreadPoolExecutor(max_workers=max(1, options.jobs))
        try:
            futures = [pool.submit(grader.grade_one, sub, slots) for sub in todo]
            for future in as_completed(futures):
                result = future.result()
                total, top = number(result["total"]), number(result["max"])
                say(f"{result['student']}: {total}/{top} {result['status']}")
        except BaseException:  # Ctrl-C: stop now; finished rows are already saved
            grader.stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            slots.stop()
            raise
        finally:
            pool.shutdown(wait=True)
            slots.stop()
    grader.write_outputs(final=True)
    return [grader.results[key] for key in sorted(grader.results)]
