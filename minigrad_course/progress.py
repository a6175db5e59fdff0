"""How far a student has come (``minigrad-course progress``): questions passed per chapter,
by the visible tests of the student's own sheets, and the milestones of chapter 11 run.

Fast on purpose: ``check`` remembers its result for each sheet, keyed by a hash of the sheet's
bytes, in a small JSON file in the user's cache folder; ``progress`` reuses the result of a
sheet that has not changed since and checks only the others. A sheet whose every answer cell
still holds its stub is reported as not started without running it (the release checks make
sure that every graded test fails at a stub).

The cache folder is ``$MINIGRAD_COURSE_CACHE``, else ``$XDG_CACHE_HOME/minigrad-course``, else
``~/.cache/minigrad-course``.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minigrad.serialization import loads_json, open_regular

from . import __version__
from . import notebook as nbf
from .assemble import PASSED, questions
from .chapters import all_chapters
from .report import number

MILESTONES = {
    "perceptron": "the perceptron (1958)",
    "xor": "XOR and backpropagation (1969/1986)",
    "lenet": "a LeNet-style CNN on digits (1989/1998)",
    "lstm": "an LSTM remembers across 100 steps (1997)",
    "transformer": "a character-level Transformer (2017)",
}
MAX_CHECKS = 500  # remembered sheet results; the oldest go first
MAX_CACHE_BYTES = 1_000_000  # a bigger cache file is not ours: start afresh
MAX_CACHE_NESTING = 16  # nor is one nested deeper (ours: 4 levels)
BAR_WIDTH = 20
NOT_STARTED, CACHED, CHECKED = "not started", "unchanged since the last check", "checked now"


def cache_file() -> Path:
    """Where progress keeps its state (see the module docstring)."""
    if os.environ.get("MINIGRAD_COURSE_CACHE"):
        root = Path(os.environ["MINIGRAD_COURSE_CACHE"])
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(base) / "minigrad-course"
    return root / "progress.json"


def _load() -> dict[str, Any]:
    """The saved state, or an empty one when the file is missing, too big or not ours."""
    empty: dict[str, Any] = {"checks": {}, "milestones": {}}
    path = cache_file()
    try:
        # a FIFO or a device in its place is not ours either (open() blocked on a FIFO)
        with open_regular(path, ValueError) as f:
            data = f.read(MAX_CACHE_BYTES + 1)
        if len(data) > MAX_CACHE_BYTES:
            return empty
        # nested deeper than ours (a few levels), json.loads raised RecursionError
        state = loads_json(data, str(path), ValueError, MAX_CACHE_NESTING)
    except (OSError, ValueError):
        return empty
    if not isinstance(state, dict):
        return empty
    checks, milestones = state.get("checks"), state.get("milestones")
    checks = checks if isinstance(checks, dict) else {}
    milestones = milestones if isinstance(milestones, dict) else {}
    # entries that are not what _save writes are dropped: _save sorts the checks by "when",
    # and format_progress prints the milestones' times to the terminal
    return {
        "checks": {k: v for k, v in checks.items() if isinstance(v, dict)},
        "milestones": {k: v for k, v in milestones.items() if isinstance(v, str) and _printable(v)},
    }


def _printable(text: str) -> bool:
    return len(text) <= 64 and text.isprintable()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _save(state: dict[str, Any]) -> None:
    checks = state["checks"]
    if len(checks) > MAX_CHECKS:
        newest = sorted(checks, key=lambda k: str(checks[k].get("when", "")))[-MAX_CHECKS:]
        state["checks"] = {k: checks[k] for k in newest}
    with contextlib.suppress(OSError):  # a read-only home costs speed next time, nothing else
        nbf.write_json_atomic(cache_file(), state)


def sheet_key(path: Path) -> str:
    """The sheet's content hash, with the tool's version (a new release may test differently)."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return f"{__version__}:{digest}"


def remember_check(path: Path, outcomes: dict[str, dict[str, Any]]) -> None:
    """Store a check's per-question results for the sheet as it is now."""
    state = _load()
    state["checks"][sheet_key(path)] = {
        "when": _now(),
        "outcomes": {
            gid: {"status": o["status"], "points": o["points"], "max": o["max"]}
            for gid, o in outcomes.items()
        },
    }
    _save(state)


def record_milestone(name: str) -> None:
    """Note that a milestone of chapter 11 ran to the end (called by that notebook)."""
    if name not in MILESTONES:
        raise ValueError(f"unknown milestone {name!r}; known: {', '.join(MILESTONES)}")
    state = _load()
    state["milestones"][name] = _now()
    _save(state)


def milestones_run() -> dict[str, str]:
    """Milestone name -> when it last ran (UTC), for the known milestones."""
    found = _load()["milestones"]
    return {name: str(found[name]) for name in MILESTONES if name in found}


@dataclass
class ChapterProgress:
    """One sheet: questions passed by its visible tests, and where the figure came from."""

    chapter: str
    passed: int
    total: int
    points: float
    max_points: float
    source: str  # NOT_STARTED, CACHED, CHECKED or why the sheet could not be read


def _untouched(sheet) -> bool:
    """Whether every code answer cell still holds the stub (# YOUR CODE HERE, raise ...)."""
    stub = [line.strip() for line in nbf.CODE_STUB]
    answers = [c for c in sheet.cells if nbf.role(c) == nbf.ANSWER and c.cell_type == "code"]
    for cell in answers:
        lines = [line.strip() for line in cell.source.splitlines()]
        if not any(lines[i : i + 2] == stub for i in range(len(lines))):
            return False
    return bool(answers)


def _cached_outcomes(state, key: str) -> dict[str, dict[str, Any]] | None:
    entry = state["checks"].get(key)
    outcomes = entry.get("outcomes") if isinstance(entry, dict) else None
    if not isinstance(outcomes, dict):
        return None
    for o in outcomes.values():
        if not (isinstance(o, dict) and isinstance(o.get("status"), str)):
            return None  # not what remember_check writes: check again
        if not nbf.is_points(o.get("points")):  # float(10**400) raised OverflowError
            return None
    return outcomes


def chapter_progress(path: Path, limits=None) -> ChapterProgress:
    """Progress on one sheet: from the cache, from its stubs, or by running check now."""
    from .check import check, read_sheet

    path = Path(path)
    sheet = read_sheet(path)
    qs = questions(sheet)
    max_points = sum(q.points for q in qs)
    outcomes = _cached_outcomes(_load(), sheet_key(path))
    if outcomes is not None and set(outcomes) == {q.grade_id for q in qs}:
        source = CACHED
    elif _untouched(sheet):
        return ChapterProgress(path.stem, 0, len(qs), 0.0, max_points, NOT_STARTED)
    else:
        outcomes = check(path, limits).outcomes
        remember_check(path, outcomes)
        source = CHECKED
    passed = sum(o["status"] == PASSED for o in outcomes.values())
    points = sum(float(o["points"]) for o in outcomes.values())
    return ChapterProgress(path.stem, passed, len(qs), points, max_points, source)


def course_progress(exercises_dir: Path, limits=None) -> list[ChapterProgress]:
    """chapter_progress for every NN_name.ipynb in exercises_dir, in order."""
    found = []
    for path in all_chapters(Path(exercises_dir)):
        try:
            found.append(chapter_progress(path, limits))
        except (OSError, ValueError) as exc:  # a damaged sheet must not hide the others
            found.append(ChapterProgress(path.stem, 0, 0, 0.0, 0.0, f"unreadable: {exc}"))
    return found


def bar(done: float, total: float, width: int = BAR_WIDTH) -> str:
    """A text bar: '#' for the done share, '.' for the rest."""
    filled = round(width * done / total) if total else 0
    return "#" * filled + "." * (width - filled)


def format_progress(chapters: list[ChapterProgress], milestones: dict[str, str]) -> str:
    """The table students read: a bar per chapter, then the milestones."""
    lines = [
        "Questions passed per chapter, by the VISIBLE tests of your own sheets only:",
        "hidden tests run when your instructor grades, so a full bar is not a promised score.",
        "",
    ]
    width = max([len(c.chapter) for c in chapters] + [7])
    for c in chapters:
        points = f"{number(c.points)}/{number(c.max_points)} points"
        lines.append(
            f"{c.chapter:<{width}}  [{bar(c.passed, c.total)}]  {c.passed}/{c.total} questions"
            f"  {points:<14}  ({c.source})"
        )
    if not chapters:
        lines.append("(no exercise sheets found: run this from your course folder)")
    passed, total = sum(c.passed for c in chapters), sum(c.total for c in chapters)
    lines += [f"{'total':<{width}}  [{bar(passed, total)}]  {passed}/{total} questions", ""]
    lines.append(
        f"Milestones run (notebooks/11_milestones.ipynb): {len(milestones)}/{len(MILESTONES)}"
    )
    for name, title in MILESTONES.items():
        when = milestones.get(name)
        lines.append(
            f"  [{'x' if when else ' '}] {title}" + (f"  (last run {when})" if when else "")
        )
    return "\n".join(lines)
