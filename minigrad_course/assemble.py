"""Put together the notebook that grading runs, and score what it did.

The graded notebook follows the solution's cell order: locked cells (tests with their hidden
tests, given code) come from the solution whatever the student did, answer cells come from the
student's notebook by grade_id (a deleted one becomes its stub), and cells the student added
stay right after the graded cell they followed. Tampering with a locked cell is detected by
checksum and reported; the original is what runs. A locked cell as an earlier published release
had it (the instructor edited a test after handing the chapter out) is not tampering.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nbformat import NotebookNode

from . import notebook as nbf
from .build import release
from .notebook import ANSWER, GIVEN, MANUAL, PLAIN, TEST

# Exceptions that mean "the answer is wrong" (a test's verdict), not "the code broke":
# minigrad.testing's gradient check raises GradcheckError, a RuntimeError as in PyTorch.
FAILED_TESTS = ("AssertionError", "GradcheckError")

PASSED, FAILED, NOT_DONE, ERROR, NOT_RUN, TIMED_OUT = (
    "passed",
    "failed",
    "not yet done",
    "error",
    "not run",
    "timed out",
)


@dataclass
class Question:
    """One autograded test cell: its grade_id, points and the answer cells it checks."""

    grade_id: str
    points: float
    answers: list[str] = field(default_factory=list)


@dataclass
class Assembly:
    """The notebook to run, where each graded cell sits in it, and what we noticed."""

    notebook: NotebookNode
    positions: dict[str, int]  # grade_id -> cell index in notebook
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # locked cells as an earlier release had them


def questions(solution: NotebookNode) -> list[Question]:
    """Autograded questions in order; each checks the answer cells since the previous test."""
    found: list[Question] = []
    pending: list[str] = []
    for cell in solution.cells:
        kind = nbf.role(cell)
        if kind in (ANSWER, MANUAL):
            pending.append(nbf.grade_id(cell))
        elif kind == TEST:
            found.append(Question(nbf.grade_id(cell), nbf.points(cell), pending))
            pending = []
    return found


def _student_cells(student: NotebookNode, known: list[str], asm: Assembly):
    """Index the student's cells by grade_id; anchor their own cells to the graded cell before.

    Returns (by_id, extras) where extras maps an anchor grade_id (None: the very top) to the
    list of plain cells that followed it in the student's notebook.
    """
    by_id: dict[str, NotebookNode] = {}
    extras: dict[str | None, list[NotebookNode]] = {}
    anchor: str | None = None
    for cell in student.cells:
        gid = nbf.grade_id(cell) if nbf.role(cell) != PLAIN else None
        if gid is None:
            extras.setdefault(anchor, []).append(cell)
        elif gid not in set(known):
            asm.notes.append(f"ignored a cell with grade_id {gid!r}, which this chapter has not")
        elif gid in by_id:
            asm.notes.append(f"cell {gid!r} appears twice; graded the first one")
            _flag(asm, "duplicate-cells")
        else:
            by_id[gid] = cell
            anchor = gid
    order = [gid for gid in by_id]
    if order != sorted(order, key=known.index):
        asm.notes.append("graded cells were out of order; they were put back in order")
        _flag(asm, "cells-reordered")
    return by_id, extras


def _flag(asm: Assembly, flag: str) -> None:
    if flag not in asm.flags:
        asm.flags.append(flag)


def _graded_cell(
    original: NotebookNode, released: NotebookNode, theirs, asm: Assembly, accepted: set[str]
):
    """The version of one graded cell that runs, noting deletions and tampering.

    accepted: checksums this locked cell had in earlier published releases.
    """
    gid, kind = nbf.grade_id(original), nbf.role(original)
    if kind in (TEST, GIVEN):
        if theirs is None:
            asm.notes.append(f"locked cell {gid!r} was deleted; graded with the original")
            _flag(asm, "cells-deleted")
        else:
            mine = copy.deepcopy(released)
            mine.source, mine.cell_type = theirs.get("source", ""), theirs.get("cell_type")
            digest = nbf.checksum(mine)
            if digest in accepted and digest != released.metadata["minigrad"]["checksum"]:
                asm.earlier.append(gid)
            elif digest != released.metadata["minigrad"]["checksum"]:
                asm.tampered.append(gid)
        cell = copy.deepcopy(released)
        if kind == TEST:  # hidden tests go back in
            cell.source = nbf.strip_marker_lines(original.source, nbf.BEGIN_HIDDEN, nbf.END_HIDDEN)
        return cell
    cell = copy.deepcopy(released)
    if theirs is None:
        asm.notes.append(f"answer cell {gid!r} was deleted; graded as not attempted")
        _flag(asm, "cells-deleted")
    else:
        cell.source = theirs.get("source", "")
    return cell


def assemble(
    solution: NotebookNode,
    chapter: str,
    student: NotebookNode,
    accepted: dict[str, set[str]] | None = None,
) -> Assembly:
    """The notebook to grade for one student (see the module docstring).

    accepted maps a locked cell's grade_id to its checksums in earlier published releases.
    """
    released = release(solution, chapter)
    graded = [(o, r) for o, r in zip(solution.cells, released.cells) if nbf.role(o) != PLAIN]
    known = [nbf.grade_id(o) for o, _ in graded]
    out = copy.deepcopy(released)
    asm = Assembly(out, {})
    by_id, extras = _student_cells(student, known, asm)
    cells = list(extras.get(None, []))
    for original, released_cell in graded:
        gid = nbf.grade_id(original)
        asm.positions[gid] = len(cells)
        earlier = (accepted or {}).get(gid, set())
        cells.append(_graded_cell(original, released_cell, by_id.get(gid), asm, earlier))
        cells.extend(extras.get(gid, []))
    out.cells = [_as_v4_cell(c) for c in cells]
    if asm.tampered:
        asm.notes.append(
            "locked cells edited (graded with the originals): " + ", ".join(asm.tampered)
        )
        _flag(asm, "tampered")
    if asm.earlier:
        asm.notes.append(
            "locked cells as an earlier release had them (accepted; the current ones ran): "
            + ", ".join(asm.earlier)
        )
    stubs = {nbf.grade_id(o): r.source for o, r in graded if nbf.role(o) == ANSWER}
    if stubs and all(_same_source(by_id.get(g), stub) for g, stub in stubs.items()):
        _flag(asm, "unattempted")
    return asm


def _as_v4_cell(cell: Any) -> NotebookNode:
    """A clean copy that nbformat accepts (students' cells may carry odd fields)."""
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    if not isinstance(cell.get("source"), str):
        cell["source"] = "".join(cell.get("source") or [])
    return cell


def _same_source(cell: NotebookNode | None, stub: str) -> bool:
    """Whether an answer cell is missing or still says exactly what the release said."""
    if cell is None:
        return True
    return nbf.normalise_source(cell.get("source", "")) == nbf.normalise_source(stub)


def score(
    qs: list[Question], position_of: dict[str, int], records: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Outcome per question: status, points earned, and the message a student should read.

    position_of maps each grade_id to its cell's index in the notebook that ran.
    """
    by_index = {r["index"]: r for r in records}
    outcomes: dict[str, dict[str, Any]] = {}
    for q in qs:
        record = by_index.get(position_of.get(q.grade_id, -1))
        answers = [by_index.get(position_of[a]) for a in q.answers if a in position_of]
        status, message = classify(record, answers)
        earned = q.points if status == PASSED else 0.0
        outcomes[q.grade_id] = {
            "status": status,
            "points": earned,
            "max": q.points,
            "message": message,
        }
    return outcomes


def classify(
    record: dict[str, Any] | None, answers: list[dict[str, Any] | None]
) -> tuple[str, str]:
    """(status, message) of a test cell from its own record and its answer cells' records."""
    if record is None:
        return NOT_RUN, "this cell did not run (the notebook stopped before it)"
    if record["status"] == "ok":
        return PASSED, ""
    if any(a and a.get("ename") == "NotImplementedError" for a in answers) or (
        record.get("ename") == "NotImplementedError"
    ):
        return NOT_DONE, "not yet done (NotImplementedError)"
    ename, evalue = record.get("ename", "Error"), record.get("evalue", "")
    if ename == "CellTimeout":
        return TIMED_OUT, evalue
    if ename in FAILED_TESTS:
        return FAILED, evalue or "assertion failed (the test gave no message)"
    failed_answer = next((a for a in answers if a and a["status"] != "ok"), None)
    if failed_answer is not None:
        return ERROR, (
            f"your answer cell raised {failed_answer.get('ename')}: "
            f"{failed_answer.get('evalue')}; then the test raised {ename}: {evalue}"
        )
    return ERROR, f"{ename}: {evalue}"


def run_flags(records: list[dict[str, Any]], kernel_log: str = "") -> list[str]:
    """Status flags that the cells' errors reveal (syntax errors, memory, exits, forks)."""
    flags = []
    names = {r.get("ename") for r in records if r["status"] != "ok"}
    values = " ".join(str(r.get("evalue", "")) for r in records if r["status"] != "ok")
    if names & {"SyntaxError", "IndentationError", "TabError"}:
        flags.append("syntax-error")
    if "MemoryError" in names or "MemoryError" in kernel_log or "bad_alloc" in kernel_log:
        flags.append("memory-limit")
    if "SystemExit" in names:
        flags.append("exit-called")
    if "BlockingIOError" in names and "Resource temporarily unavailable" in values:
        flags.append("process-limit")
    if "CellTimeout" in names:
        flags.append("timeout")
    return flags
