"""Students check their own notebook (``minigrad-course check exercises/NN_name.ipynb``).

Runs the notebook in a fresh kernel and prints one line per question: passed, failing (with
the test's assertion message, e.g. minigrad.testing's gradient-check report naming the op and
shapes), not yet done (NotImplementedError) or error. Output on stderr (warnings) never counts.
Only the visible tests run here (the student version has no hidden tests), and a locked cell a
student changed runs as released, as it will at grading.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from . import notebook as nbf
from .assemble import PASSED, questions, score
from .report import number
from .sandbox import Jail, Limits, execute

LABELS = {"failed": "failing"}
VISIBLE_ONLY = (
    "these are the visible tests only: grading also runs hidden tests, "
    "so this total is not your grade"
)


@dataclass
class CheckReport:
    """Outcome per question (see assemble.score), plus errors outside any question."""

    outcomes: dict[str, dict[str, Any]]
    other_errors: list[str]
    flags: list[str]
    changed: list[str] = field(default_factory=list)  # locked cells the student edited

    @property
    def all_passed(self) -> bool:
        return all(o["status"] == PASSED for o in self.outcomes.values())

    def table(self) -> str:
        """The per-question table students read."""
        width = max([len(g) for g in self.outcomes] + [8])
        lines = [f"{'question':<{width}}  points  result"]
        for gid, o in self.outcomes.items():
            points = f"{number(o['points'])}/{number(o['max'])}"
            label = LABELS.get(o["status"], o["status"])
            message = o["message"].strip()
            if message and o["status"] != "not yet done":
                label += ": " + message.replace("\n", "\n" + " " * (width + 10))
            lines.append(f"{gid:<{width}}  {points:<6}  {label}")
        earned = sum(o["points"] for o in self.outcomes.values())
        total = sum(o["max"] for o in self.outcomes.values())
        lines.append(f"{'total':<{width}}  {number(earned)}/{number(total)}  ({VISIBLE_ONLY})")
        lines += [f"note: {c}" for c in self.changed]
        lines += [f"note: {e}" for e in self.other_errors]
        lines += [f"note: the run stopped early ({f})" for f in self.flags]
        return "\n".join(lines)


def read_sheet(path: Path) -> NotebookNode:
    """A student's sheet (read_notebook) whose graded cells can be scored: a grade_id that is
    not text or points that are not a number raise NotebookError naming the file and the cell,
    before anything runs (they failed after the whole notebook had run, with a TypeError)."""
    nb = nbf.read_notebook(path)
    problems = [
        f"cell {index}: {problem}"
        for index, cell in enumerate(nb.cells, start=1)
        for problem in nbf.graded_problems(cell)
    ]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise nbf.NotebookError(
            f"{path}: its nbgrader metadata cannot be graded: {'; '.join(problems[:3])}{more}; "
            "copy the cells back from the released exercise"
        )
    return nb


def check(path: Path, limits: Limits | None = None) -> CheckReport:
    """Run a student's notebook as it is and report each question."""
    nb = read_sheet(path)
    changed = restore_locked_cells(nb)
    limits = limits or Limits(memory_mb=None)
    jail = Jail() if limits.memory_mb else None  # rlimits only; the student's own environment
    result = execute(nb, limits, cwd=path.resolve().parent, jail=jail)
    qs = questions(nb)
    positions = {nbf.grade_id(c): i for i, c in enumerate(nb.cells) if nbf.grade_id(c)}
    outcomes = score(qs, positions, result.cells)
    graded = {positions[q.grade_id] for q in qs}
    answers = {positions[a] for q in qs for a in q.answers if a in positions}
    other = [
        f"cell {r['index'] + 1} raised {r.get('ename')}: {r.get('evalue')}"
        for r in result.cells
        if r["status"] != "ok" and r["index"] not in graded | answers
    ]
    return CheckReport(outcomes, other, result.flags, changed)


def restore_locked_cells(nb: NotebookNode) -> list[str]:
    """Put back the released source of each locked cell a student changed; say which.

    Grading always runs the originals, so running the edited version would promise points
    that grading will not give.
    """
    notes = []
    for index, cell in enumerate(nb.cells):
        ours = cell.get("metadata", {}).get("minigrad")
        recorded = ours.get("checksum") if isinstance(ours, dict) else None
        if not nbf.is_locked(cell) or not recorded or nbf.checksum(cell) == recorded:
            continue
        where = f"cell {index + 1} ({nbf.grade_id(cell)!r}) is locked and was changed"
        original = copy.deepcopy(cell)
        original.source = str(ours.get("original", ""))
        if nbf.checksum(original) == recorded:
            cell.source = original.source
            notes.append(f"{where}: grading runs the original, so this check ran the original")
        else:
            notes.append(
                f"{where}: grading runs the original, not your version (this check ran yours; "
                "copy the cell back from the released exercise)"
            )
    return notes
