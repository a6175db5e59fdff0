"""Grade a class (``minigrad-course grade CHAPTER SUBMISSIONS --out grades.csv``).

SUBMISSIONS holds one folder per student with the returned notebook under its exercise file
name, or one notebook per student (``alice.ipynb``, the shape of an LMS bulk download: the file
name without ``.ipynb`` is the student). Every folder and notebook gets a row, whatever is in it.
Each notebook runs in a worker process of its own (see sandbox.py) with a wall-clock, memory and
process limit; ``--jobs`` workers run at once. Finished students are saved one JSON file each in
``<out>_work/results/`` as they complete and the CSV is rewritten atomically after each, so an
interrupted run, restarted, grades only what is missing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import queue
import select
import signal
import subprocess
import sys
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
from .report import number, write_csv, write_feedback, write_summary
from .sandbox import Limits
from .watchdog import kill_descendants, kill_uid

RESULT_VERSION = 1
SANDBOX_UID_BASE = 60000  # slot k runs student code as uid/gid 60000 + k (only when root)
# Statuses that mean the notebook could not be graded at all (every question scores 0).
UNGRADABLE = ("missing", "empty", "corrupt", "wrong-chapter")
MAX_NOTEBOOK_BYTES = 64 * 2**20  # a returned notebook is kilobytes; this is not one


@dataclass
class GradeOptions:
    """Everything a grading run needs besides the chapter and the submissions."""

    out: Path
    jobs: int = 2
    limits: Limits = field(default_factory=Limits)
    force: bool = False
    sandbox_user: bool = True  # when root: run student code as an unprivileged uid
    uid_base: int = SANDBOX_UID_BASE
    only: list[str] | None = None  # grade these students again; keep everyone else's row
    # Exercise notebooks (or folders holding them) handed out earlier: their locked cells are
    # accepted as they are, so editing a released test does not make old submissions tampered.
    accept_releases: list[Path] = field(default_factory=list)


class SubmissionsError(ValueError):
    """A submissions folder (or --only) that names nobody to grade."""


@dataclass
class Submission:
    """A student folder and the notebook found in it (None when there is none)."""

    student: str
    folder: Path
    path: Path | None
    flags: list[str]
    raw: bytes | None = None

    def snapshot(self) -> Submission:
        """Read the notebook's bytes now, before any student code runs.

        # NOTE: student code runs with the grader's file permissions (unless a sandbox uid
        # works), so it could rewrite another student's file on disk; every submission is
        # graded from the bytes read at the start of the run.
        """
        if self.path is not None and self.raw is None:
            with open(self.path, "rb") as f:
                self.raw = f.read(MAX_NOTEBOOK_BYTES + 1)
        return self

    def fingerprint(self, solution_digest: str) -> str:
        digest = hashlib.sha256(solution_digest.encode())
        if self.raw is not None:
            digest.update(self.raw)
        return digest.hexdigest()


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
    """The notebook to grade in a student's folder, flagging renamed or misplaced files."""
    exact = folder / exercise_name
    if exact.is_file():
        return Submission(folder.name, folder, exact, [])
    notebooks = sorted(
        p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()
    )
    same_name = [p for p in notebooks if p.name == exercise_name]
    if same_name:
        return Submission(folder.name, folder, same_name[0], ["renamed"])
    prefix = exercise_name[:3]  # "04_"
    likely = [p for p in notebooks if p.name.startswith(prefix)] or notebooks
    if len(likely) == 1:
        return Submission(folder.name, folder, likely[0], ["renamed"])
    return Submission(folder.name, folder, None, ["missing"])


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
    if sub.path is None:
        return None, ["missing"], "no notebook was found in the folder"
    raw = sub.raw if sub.raw is not None else b""
    if not raw.strip():
        return None, ["empty"], f"{sub.path.name} is empty"
    if len(raw) > MAX_NOTEBOOK_BYTES:
        size = MAX_NOTEBOOK_BYTES // 2**20
        return None, ["corrupt"], f"{sub.path.name} is larger than {size} MB: not a notebook"
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as exc:  # any way a file can fail to be a notebook
        return None, ["corrupt"], f"{sub.path.name} is not a readable notebook ({exc})"[:500]
    return nb, [], ""


@functools.cache
def _uid_works(uid: int) -> bool:
    """Whether an unprivileged uid can start this interpreter and import the kernel."""
    config = json.dumps({"uid": uid, "gid": uid})
    command = [
        sys.executable,
        "-m",
        "minigrad_course.jail",
        config,
        sys.executable,
        "-c",
        "import ipykernel, nbformat, minigrad_course",
    ]
    try:
        done = subprocess.run(command, cwd="/", capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


class SandboxUsers:
    """Hands out worker slots; as root, each slot has its own unprivileged uid."""

    def __init__(self, jobs: int, enabled: bool, base: int):
        self.slots: queue.Queue[int] = queue.Queue()
        for slot in range(jobs):
            self.slots.put(slot)
        self.base = base
        self.workers: dict[int, Worker] = {}
        self.enabled = enabled and hasattr(os, "geteuid") and os.geteuid() == 0
        if self.enabled and not _uid_works(base):
            print(
                f"warning: cannot run Python as uid {base}; student code runs as root, "
                "guarded by the watchdog only",
                file=sys.stderr,
            )
            self.enabled = False

    def uid(self, slot: int) -> int | None:
        return self.base + slot if self.enabled else None

    def worker(self, slot: int, log_path: Path) -> Worker:
        if slot not in self.workers:
            self.workers[slot] = Worker(log_path)
        return self.workers[slot]

    def stop(self) -> None:
        for slot, worker in self.workers.items():
            worker.stop(self.uid(slot))


class Worker:
    """A grading worker process (sandbox.serve) for one slot, restarted when it must be killed."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "minigrad_course.sandbox"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
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


def run_job(worker: Worker, job_dir: Path, nb: NotebookNode, limits: Limits, uid: int | None):
    """Run one assembled notebook on a worker; return its cell records and flags."""
    job_dir.mkdir(parents=True, exist_ok=True)
    records_path = job_dir / "records.jsonl"
    records_path.unlink(missing_ok=True)
    nbf.write_text_atomic(job_dir / "graded.ipynb", nbf.dumps_notebook(nb))
    job = {
        "notebook": str(job_dir / "graded.ipynb"),
        "records": str(records_path),
        "limits": asdict(limits),
        "uid": uid,
        "gid": uid,
    }
    nbf.write_json_atomic(job_dir / "job.json", job)
    flags = worker.run(job_dir / "job.json", limits.timeout + 90, uid)
    return _read_records(records_path, flags)


def _read_records(path: Path, flags: list[str]) -> dict:
    """Cell records and the end record from a worker's JSON-lines file."""
    cells, end = [], None
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
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
    }


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
        self.results: dict[str, dict] = {}

    def students(self) -> list[Submission]:
        """A submission per student folder and per notebook lying directly in submissions."""
        exercise = f"{self.chapter}.ipynb"
        entries = [p for p in self.submissions.iterdir() if not p.name.startswith(".")]
        folders = sorted(p for p in entries if p.is_dir())
        files = sorted(p for p in entries if p.suffix == ".ipynb" and p.is_file())
        both = sorted({f.stem for f in files} & {d.name for d in folders})
        if both:
            raise SubmissionsError(
                f"{', '.join(both)}: both a folder and a notebook in {self.submissions}; "
                "keep one of the two for each student"
            )
        subs = [find_submission(f, exercise) for f in folders]
        subs += [Submission(f.stem, f.parent, f, []) for f in files]
        if not subs:
            raise SubmissionsError(
                f"nothing to grade in {self.submissions}: expected one folder per student "
                f"(SUBMISSIONS/alice/{exercise}) or one notebook per student "
                "(SUBMISSIONS/alice.ipynb)"
            )
        return [s.snapshot() for s in sorted(subs, key=lambda s: s.student)]

    def saved_result(self, sub: Submission, fresh: bool = True) -> dict | None:
        """The saved row of a student; with fresh, only if nothing it depends on changed."""
        path = self.paths["results"] / f"{sub.student}.json"
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
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
        nbf.write_json_atomic(self.paths["results"] / f"{sub.student}.json", result)
        with self.lock:
            self.results[sub.student] = result
            self.write_outputs(final=False)
        write_feedback(self.paths["feedback"] / f"{sub.student}.md", result, self.chapter)
        return result

    def _grade(self, sub: Submission, slots: SandboxUsers) -> dict:
        nb, flags, note = load_submission(sub)
        if nb is None:
            return self._empty_result(sub, sub.flags + flags, [note])
        theirs = _question_ids(nb)
        if theirs and not theirs & _question_ids(self.solution):  # not one question of ours
            chapter = _minigrad_meta(nb.metadata).get("chapter") or "another chapter"
            note = f"this is the notebook of {chapter}, not {self.chapter}"
            return self._empty_result(sub, sub.flags + ["wrong-chapter"], [note])
        asm = assemble(self.solution, self.chapter, nb, self.accepted)
        slot = slots.slots.get()
        try:
            job_dir = self.paths["jobs"] / sub.student
            worker = slots.worker(slot, self.paths["work"] / f"worker-{slot}.log")
            run = run_job(worker, job_dir, asm.notebook, self.options.limits, slots.uid(slot))
        finally:
            slots.slots.put(slot)
        outcomes = score(self.questions, asm.positions, run["cells"])
        flags = sub.flags + asm.flags + run["flags"] + run_flags(run["cells"], run["kernel_log"])
        notes = asm.notes + ([run["error"]] if run["error"] else [])
        result = self._result(sub, outcomes, flags, notes)
        result["release"] = self.release_of(nb)
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

    def _empty_result(self, sub: Submission, flags: list[str], notes: list[str]) -> dict:
        message = "; ".join(n for n in notes if n) or "not graded"
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
            "notes": [n for n in notes if n],
        }

    def write_outputs(self, final: bool) -> None:
        rows = [self.results[s] for s in sorted(self.results)]
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
            grader.results[sub.student] = saved
        elif not only or sub.student in only:
            todo.append(sub)
    say(f"{len(grader.results)} already graded, {len(todo)} to grade with {options.jobs} jobs")
    if todo:
        slots = SandboxUsers(options.jobs, options.sandbox_user, options.uid_base)
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
    return [grader.results[s] for s in sorted(grader.results)]
