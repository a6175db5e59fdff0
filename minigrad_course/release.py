"""Releasing the course: checks of one chapter, and the student course as a whole.

``minigrad-course verify CHAPTER`` runs the release checks, both ways, for one chapter:

1. The solution notebook runs top to bottom without an error: every test passes.
2. The built exercise, with the hidden tests put back and the stubs as answers, fails every
   graded test only at its stub (NotImplementedError), and contains no hidden-test text.
3. The built exercise as students get it (no hidden tests) fails every graded test at its stub
   too: a test whose visible part never calls the answer would let an untouched stub pass
   ``check``.

``minigrad-course release OUT [--wheel]`` writes the course a student receives (see
release_course below) and scans it for every answer and hidden-test line of solutions/.

Call verify from a test::

    from minigrad_course.release import verify
    report = verify("04")            # or "04_autograd", or a path; solutions_dir=... to override
    assert report.ok, report.text()
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from minigrad.serialization import MAX_MEMBERS, Gunzip, open_zip, read_member

from . import notebook as nbf
from .assemble import NOT_DONE, assemble, questions, score
from .build import build, release, validate
from .chapters import DEFAULT_EXERCISES, DEFAULT_SOLUTIONS, all_chapters, resolve_chapter
from .notebook import ANSWER, MANUAL, TEST
from .sandbox import Limits, execute


@dataclass
class VerifyReport:
    """Problems found for one chapter (none: fine to release)."""

    chapter: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        if self.ok:
            return f"{self.chapter}: OK"
        return "\n".join(f"{self.chapter}: {p}" for p in self.problems)


def _where(nb, index: int) -> str:
    gid = nbf.grade_id(nb.cells[index])
    return f"cell {index + 1}" + (f" ({gid!r})" if gid else "")


def _hidden_text_problems(solution, released) -> list[str]:
    """Hidden-test lines (or any marker) that survived into the student version."""
    problems = []
    text = nbf.dumps_notebook(released)
    for word in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
        if word in text:
            problems.append(f"the exercise still contains {word!r}")
    for index, cell in enumerate(solution.cells):
        if nbf.role(cell) != TEST:
            continue
        regions, _ = nbf.find_regions(cell.source, nbf.BEGIN_HIDDEN, nbf.END_HIDDEN, "HIDDEN")
        lines = cell.source.splitlines()
        visible = {line.strip() for line in released.cells[index].source.splitlines()}
        for start, stop in regions:
            for line in lines[start + 1 : stop]:
                if line.strip() and line.strip() in visible:
                    problems.append(
                        f"{_where(solution, index)}: hidden-test line also visible "
                        f"to students: {line.strip()!r}"
                    )
    return problems


def _solution_problems(solution, limits: Limits, cwd: Path) -> list[str]:
    run = execute(solution, limits, cwd)
    problems = [
        f"solution {_where(solution, r['index'])} raised {r.get('ename')}: {r.get('evalue')}"
        for r in run.cells
        if r["status"] != "ok"
    ]
    return problems + [f"solution run stopped early ({f})" for f in run.flags]


def _exercise_problems(solution, chapter: str, released, limits, cwd: Path) -> list[str]:
    asm = assemble(solution, chapter, released)
    run = execute(asm.notebook, limits, cwd)
    problems = [f"exercise run stopped early ({f})" for f in run.flags]
    for gid, outcome in score(questions(solution), asm.positions, run.cells).items():
        if outcome["status"] != NOT_DONE:
            problems.append(
                f"test {gid!r} with the stub answers is {outcome['status']!r}, "
                f"not 'not yet done': {outcome['message']}"
            )
    graded_tests = {asm.positions[q.grade_id] for q in questions(solution)}
    stub_failed = False  # after a top-level stub fails, later cells may miss its names
    for r in run.cells:
        if r["status"] == "ok" or r["index"] in graded_tests:
            continue
        stub_failed |= nbf.role(asm.notebook.cells[r["index"]]) == ANSWER
        if r.get("ename") == "NotImplementedError" or (
            stub_failed and r.get("ename") == "NameError"
        ):
            continue  # caused by a stub, as it should be
        problems.append(
            f"exercise {_where(asm.notebook, r['index'])} raised "
            f"{r.get('ename')}: {r.get('evalue')} (only the stubs may make cells fail)"
        )
    return problems


def _visible_test_problems(solution, released, limits, cwd: Path) -> list[str]:
    run = execute(released, limits, cwd)
    positions = {nbf.grade_id(c): i for i, c in enumerate(released.cells) if nbf.grade_id(c)}
    return [
        f"test {gid!r} without its hidden tests is {outcome['status']!r} with the stub answers, "
        "not 'not yet done': its visible part must call the answer, or an untouched stub "
        "passes `check`"
        for gid, outcome in score(questions(solution), positions, run.cells).items()
        if outcome["status"] != NOT_DONE
    ]


def verify(
    chapter: str, solutions_dir: Path = DEFAULT_SOLUTIONS, limits: Limits | None = None
) -> VerifyReport:
    """Run both release checks for a chapter (``04``, ``04_autograd`` or a path)."""
    path = resolve_chapter(chapter, Path(solutions_dir))
    report = VerifyReport(path.stem)
    solution = nbf.read_notebook(path)
    report.problems = [str(p) for p in validate(solution, str(path))]
    if report.problems:
        return report
    released = release(solution, path.stem)
    limits = limits or Limits(timeout=600, cell_timeout=300, memory_mb=None)
    report.problems += _hidden_text_problems(solution, released)
    cwd = path.resolve().parent  # chapters may read files next to them
    report.problems += _solution_problems(solution, limits, cwd)
    report.problems += _exercise_problems(solution, path.stem, released, limits, cwd)
    report.problems += _visible_test_problems(solution, released, limits, cwd)
    return report


# ---------------------------------------------------------------------------------------------
# The student release (``minigrad-course release OUT [--wheel]``): the course a student receives,
# with nothing of solutions/ in it, checked by scanning every file and archive written.

COURSE_PARTS = (
    "LICENSE",
    "pyproject.toml",
    "environment.yml",
    "minigrad",
    "minigrad_course",
    "notebooks",
    "exercises",
    "docs/gpu.md",
    "docs/static.md",
    ".jupyter/labconfig/default_setting_overrides.json",  # widgets saved with the notebook
)
_NOT_COPIED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*")
# Answer lines shorter than this ("return x", "pass", "out = []") occur in any program: finding
# one proves nothing, and the engine the students read is full of them.
MIN_SECRET_CHARS = 16
MAX_SCANNED_BYTES = 200_000_000  # an archive member bigger than this is reported, not read
MAX_ARCHIVE_DEPTH = 4  # archives inside archives inside ...: deeper ones are reported
ARCHIVES = (".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".gz")

STUDENT_README = """\
# minigrad: the course

You build **minigrad**, a small but real autograd engine with PyTorch's API, chapter by chapter,
in Jupyter notebooks. It runs on NumPy on the CPU and on CuPy on an NVIDIA GPU.

## Setup (once)

Python 3.10 to 3.13. In this folder, run:

```bash
python -m venv .venv && .venv/bin/python -m pip install -e ".[lab]"
```

(On Windows: `py -m venv .venv` then `.venv\\Scripts\\python -m pip install -e ".[lab]"`.)
With `make` installed, `make lab` does the same, registers the Jupyter kernel
**Python (minigrad)** and opens JupyterLab. Conda users: `conda env create -f environment.yml`.
Then open `notebooks/00_setup.ipynb`. If something is off, `.venv/bin/minigrad-course doctor`
says what and how to fix it. On a GPU machine add CuPy: `pip install -e ".[cuda12]"`.

## What is here

| folder | what |
|---|---|
| `notebooks/` | the chapters: read them, run them, play with them |
| `exercises/` | your exercise sheets: fill in the answer cells |
| `minigrad/` | the reference engine your answers are tested against |
| `minigrad_course/` | the `minigrad-course` command (`check`, `progress`, `doctor`) |

## Check your work

```bash
.venv/bin/minigrad-course check exercises/04_autograd.ipynb   # one line per question
.venv/bin/minigrad-course progress                            # every chapter, and milestones
```

`check` runs your sheet in a fresh kernel, top to bottom, and says for each question: passed,
failing (with the test's message) or not yet done. It runs the visible tests only; more tests,
hidden from you, run when your sheet is graded.

## Hand in

Save the notebook and hand in the file `exercises/NN_name.ipynb` itself, under the same name,
as your instructor asks (an upload, a shared folder, a repository). Run `check` one last time
before you do.
"""

STUDENT_MAKEFILE = """\
# `make lab`: create .venv, install the course, register the kernel, open JupyterLab.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stamp-lab

.PHONY: lab progress doctor clean

$(STAMP): pyproject.toml
\t$(PYTHON) -m venv $(VENV)
\t$(PY) -m pip install -e '.[lab]'
\t$(PY) -m ipykernel install --user --name minigrad --display-name "Python (minigrad)"
\ttouch $@

# JupyterLab refuses to start as root (Docker, some cloud images) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# .jupyter/labconfig: the course's default settings (widget state saved with the notebook)
lab: $(STAMP)
\tJUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \\
\t\t$(VENV)/bin/jupyter lab $(ROOT_FLAG) --notebook-dir=. notebooks/00_setup.ipynb

progress: $(STAMP)
\t$(VENV)/bin/minigrad-course progress

doctor: $(STAMP)
\t$(VENV)/bin/minigrad-course doctor

clean:
\trm -rf $(VENV) build *.egg-info
"""


class ReleaseError(RuntimeError):
    """The student release could not be written, or it would have given answers away."""


@dataclass
class ReleaseReport:
    """What a release wrote, and anything of solutions/ found in it (must be nothing)."""

    out: Path
    files: int = 0
    wheel: Path | None = None
    leaks: list[str] = field(default_factory=list)


def secret_lines(solutions_dir: Path) -> dict[str, str]:
    """Every answer line and hidden-test line of the solution notebooks -> where it is.

    A line that the released sheets show anyway (in a given cell, an instruction) is no secret.
    """
    secrets: dict[str, str] = {}
    public = []
    for path in all_chapters(Path(solutions_dir)):
        nb = nbf.read_notebook(path)
        public.append(nbf.dumps_notebook(release(nb, path.stem)).encode("utf-8"))
        for index, cell in enumerate(nb.cells):
            for line in _marked_lines(cell):
                kind = "hidden-test" if nbf.role(cell) == TEST else "answer"
                secrets.setdefault(line, f"{kind} line of {path.name} {_where(nb, index)}")
    return {
        line: where
        for line, where in secrets.items()
        if not any(spelling in sheet for sheet in public for spelling in _spellings(line))
    }


def _marked_lines(cell) -> list[str]:
    """The stripped lines inside a cell's answer or hidden-test regions, long enough to tell."""
    kind = nbf.role(cell)
    if kind in (ANSWER, MANUAL):
        begin, end = nbf.BEGIN_SOLUTION, nbf.END_SOLUTION
    elif kind == TEST:
        begin, end = nbf.BEGIN_HIDDEN, nbf.END_HIDDEN
    else:
        return []
    regions, _ = nbf.find_regions(cell.source, begin, end, "marked")
    lines = cell.source.splitlines()
    inside = [line.strip() for start, stop in regions for line in lines[start + 1 : stop]]
    return [line for line in inside if len(line) >= MIN_SECRET_CHARS]


def _spellings(line: str) -> set[bytes]:
    """The line as it appears in a .py file, and inside JSON strings (notebooks)."""
    escaped = {json.dumps(line, ensure_ascii=ascii)[1:-1] for ascii in (True, False)}
    return {s.encode("utf-8") for s in escaped | {line}}


def _contents(name: str, data: bytes, depth: int = 0):
    """(name, bytes) of a file and, for an archive, of every member inside it, recursively.

    What cannot be read is yielded as (name, None): the caller reports it, as unchecked.
    """
    yield name, data
    lower = name.lower()
    if not lower.endswith(ARCHIVES):
        return
    if depth >= MAX_ARCHIVE_DEPTH:
        yield f"{name} (archives nested too deep)", None
        return
    try:
        if lower.endswith((".whl", ".zip")):
            # open_zip: members that share their data would be read again and again
            with open_zip(io.BytesIO(data), zipfile.BadZipFile) as archive:
                for info in archive.infolist():
                    member = f"{name}!{_printable(info.filename)}"
                    if info.file_size > MAX_SCANNED_BYTES:
                        yield f"{member} (too big)", None
                    elif not info.is_dir():
                        try:  # read_member: an encrypted member or an unknown method is
                            # refused (ZipFile raised RuntimeError, NotImplementedError)
                            inner = read_member(
                                archive, info.filename, MAX_SCANNED_BYTES, zipfile.BadZipFile
                            )
                        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                            yield f"{member} (unreadable: {exc})", None
                            continue
                        yield from _contents(member, inner, depth + 1)
        elif lower.endswith((".tar", ".tar.gz", ".tgz")):
            # inflated here, within MAX_SCANNED_BYTES: tarfile inflates a .tar.gz (or a .tar
            # that is bz2 or xz inside) as far as its headers go, a bomb's terabytes too
            if not lower.endswith(".tar"):
                data = Gunzip(io.BytesIO(data)).read(MAX_SCANNED_BYTES + 1)
                if len(data) > MAX_SCANNED_BYTES:
                    yield f"{name} (too big)", None
                    return
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
                # as zips' (open_zip): tarfile keeps ~1 kB per member, and 200 MB of bare
                # 512-byte headers are 400,000 members
                for count, info in enumerate(archive, 1):
                    if count > MAX_MEMBERS:
                        yield f"{name} (more than {MAX_MEMBERS} members)", None
                        return
                    member = f"{name}!{_printable(info.name)}"
                    if info.size > MAX_SCANNED_BYTES:
                        yield f"{member} (too big)", None
                    elif info.isfile():
                        yield from _contents(member, archive.extractfile(info).read(), depth + 1)
        else:  # every member of the .gz, at most MAX_SCANNED_BYTES (gzip.decompress: all)
            inner = Gunzip(io.BytesIO(data)).read(MAX_SCANNED_BYTES + 1)
            if len(inner) > MAX_SCANNED_BYTES:
                yield f"{name}! (too big)", None
            else:
                yield from _contents(f"{name}!", inner, depth + 1)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        yield f"{name} (unreadable archive: {exc})", None


def _printable(name: str) -> str:
    """A member's name for the report: one holding a control character (a terminal escape,
    a line break) or a bidi mark is shown as ascii() shows it."""
    return name if name.isprintable() else ascii(name)


def scan(out: Path, secrets: dict[str, str]) -> list[str]:
    """Every place under out (files, and members of archives) where a secret line occurs,
    and every archive member that could not be checked."""
    needles = [(spelling, line) for line in secrets for spelling in _spellings(line)]
    found = []
    for path in sorted(p for p in Path(out).rglob("*") if p.is_file()):
        relative = path.relative_to(out).as_posix()
        if "solutions" in path.relative_to(out).parts:
            found.append(f"{relative}: a file from solutions/")
        for name, data in _contents(relative, path.read_bytes()):
            if data is None:
                found.append(f"{name}: could not be scanned")
                continue
            hits = {line for spelling, line in needles if spelling in data}
            found += [f"{name}: {secrets[line]}: {line!r}" for line in sorted(hits)]
    return found


def _copy_course(root: Path, out: Path) -> None:
    for part in COURSE_PARTS:
        source, target = root / part, out / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=_NOT_COPIED)
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        else:
            raise ReleaseError(f"{source} is missing: run the release from the course repository")
    (out / "README.md").write_text(STUDENT_README, encoding="utf-8")
    (out / "Makefile").write_text(STUDENT_MAKEFILE, encoding="utf-8")


def build_wheel(out: Path) -> Path:
    """Build a wheel of the released engine and student commands into out/dist/.

    Built from a scratch copy of the release, so no build/ or egg-info is left in it.
    """
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "course"
        shutil.copytree(out, source)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
            + ["--wheel-dir", str(Path(scratch) / "dist"), str(source)],
            capture_output=True,
            text=True,
        )
        wheels = sorted((Path(scratch) / "dist").glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise ReleaseError(
                "building the wheel failed (it needs pip and setuptools in this Python):\n"
                + done.stdout[-2000:]
                + done.stderr[-2000:]
            )
        (out / "dist").mkdir()
        return Path(shutil.copy2(wheels[0], out / "dist" / wheels[0].name))


def release_course(
    out: Path, root: Path = Path("."), solutions_dir: Path | None = None, wheel: bool = False
) -> ReleaseReport:
    """Write the student course into out (new or empty) and scan it for answers.

    Raises ReleaseError when exercises/ is stale or when any answer or hidden-test line of
    solutions/ is found anywhere in the output; the output is then left for inspection.
    """
    root, out = Path(root), Path(out)
    solutions_dir = Path(solutions_dir) if solutions_dir else root / DEFAULT_SOLUTIONS
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty: release into a new folder")
    if out.resolve().is_relative_to(root.resolve()):
        raise ReleaseError(f"{out} is inside the course repository: release outside it")
    stale = build(all_chapters(solutions_dir), root / DEFAULT_EXERCISES, check=True, prune=True)
    if not stale.ok:
        raise ReleaseError(
            "exercises/ does not match solutions/ (run `minigrad-course build`): "
            + "; ".join(stale.errors + stale.stale)
        )
    _copy_course(root, out)
    report = ReleaseReport(out)
    if wheel:
        report.wheel = build_wheel(out)
    report.files = sum(1 for p in out.rglob("*") if p.is_file())
    report.leaks = scan(out, secret_lines(solutions_dir))
    if report.leaks:
        raise ReleaseError(
            f"the release in {out} gives answers away; remove it and fix the cause:\n"
            + "\n".join(report.leaks)
        )
    return report
