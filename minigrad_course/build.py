"""Build student exercises from instructor solutions (``minigrad-course build``).

Answers between ``# BEGIN SOLUTION`` / ``# END SOLUTION`` become a stub, hidden tests are
removed, outputs cleared, locked cells get checksums. The output depends only on the solution
notebook, so building twice gives the same bytes and ``--check`` can tell when exercises/ is
stale.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from . import notebook as nbf
from .chapters import all_chapters
from .notebook import ANSWER, GIVEN, MANUAL, PLAIN, TEST, NotebookError, Problem

FORMAT_VERSION = 2  # 2: locked cells carry their original source
_DROPPED_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
_DROPPED_NOTEBOOK_METADATA = ("widgets",)


def _meta_problems(cell: NotebookNode) -> list[str]:
    """What is wrong with a cell's nbgrader metadata (empty when fine)."""
    meta = nbf.nbgrader_meta(cell)
    if meta is None:
        return []
    problems = []
    extra = sorted(set(meta) - set(nbf.NBGRADER_KEYS) - set(nbf.NBGRADER_TOLERATED))
    if extra:
        problems.append(
            f"metadata.nbgrader has keys nbgrader does not allow: {extra}; "
            "put minigrad's own data under metadata.minigrad"
        )
    if meta.get("schema_version") != 3:
        problems.append(
            f"metadata.nbgrader.schema_version must be 3, not {meta.get('schema_version')!r}"
        )
    kind = nbf.role(cell)
    problems += nbf.graded_problems(cell)
    if kind == TEST and cell.cell_type != "code":
        problems.append("a test cell (grade=true, solution=false) must be a code cell")
    return problems


def _cell_problems(nb_name: str, index: int, cell: NotebookNode) -> list[Problem]:
    """Every problem of one source cell: metadata, markers in the wrong place, balance."""
    gid, kind, source = nbf.grade_id(cell), nbf.role(cell), cell.source

    def problem(message: str, line: int | None = None) -> Problem:
        return Problem(nb_name, index + 1, line, gid, message)

    found = [problem(m) for m in _meta_problems(cell)]
    near_misses = nbf.marker_problems(source)
    found += [problem(m, line) for line, m in near_misses]
    has_solution = nbf.has_marker(source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION)
    has_hidden = nbf.has_marker(source, nbf.BEGIN_HIDDEN, nbf.END_HIDDEN)
    if has_solution and kind not in (ANSWER, MANUAL):
        first = _first_marker_line(source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION)
        found.append(
            problem(
                "solution marker in a cell not marked as a solution "
                "(set metadata.nbgrader.solution=true)",
                first,
            )
        )
    if has_hidden and kind != TEST:
        first = _first_marker_line(source, nbf.BEGIN_HIDDEN, nbf.END_HIDDEN)
        found.append(
            problem(
                "hidden-test marker in a cell that is not a test cell "
                "(grade=true, solution=false, locked=true)",
                first,
            )
        )
    regions, errors = nbf.find_regions(source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION, "SOLUTION")
    found += [problem(m, line) for line, m in errors]
    _, hidden_errors = nbf.find_regions(source, nbf.BEGIN_HIDDEN, nbf.END_HIDDEN, "HIDDEN TESTS")
    found += [problem(m, line) for line, m in hidden_errors]
    # A marker already reported (misspelt, unmatched) must not also read as "no region".
    if kind == ANSWER and cell.cell_type == "code" and not (has_solution or near_misses):
        found.append(
            problem(
                "a code answer cell needs a # BEGIN SOLUTION / # END SOLUTION "
                "region around the answer (otherwise students would get the answer)"
            )
        )
    return found


def _first_marker_line(source: str, begin, end) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if begin.match(line) or end.match(line):
            return number
    return 1


def validate(nb: NotebookNode, nb_name: str) -> list[Problem]:
    """Every problem of a solution notebook; empty when it can be released."""
    found: list[Problem] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        found += _cell_problems(nb_name, index, cell)
        gid = nbf.grade_id(cell)
        if gid is not None and nbf.role(cell) != PLAIN:
            if gid in seen:
                found.append(
                    Problem(
                        nb_name,
                        index + 1,
                        None,
                        gid,
                        f"duplicate grade_id (first used in cell {seen[gid]})",
                    )
                )
            else:
                seen[gid] = index + 1
    return found


def _release_source(cell: NotebookNode) -> str:
    """The student's version of a cell's source."""
    kind, source = nbf.role(cell), cell.source
    if kind in (ANSWER, MANUAL):
        regions, _ = nbf.find_regions(source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION, "SOLUTION")
        is_code = cell.cell_type == "code"
        stub = list(nbf.CODE_STUB) if is_code else [nbf.MARKDOWN_STUB]
        if not regions:  # nbgrader's rule: without markers the whole cell is the answer
            return "\n".join(stub)
        return nbf.replace_regions(source, regions, stub, keep_indent=is_code)
    if kind == TEST:
        regions, _ = nbf.find_regions(source, nbf.BEGIN_HIDDEN, nbf.END_HIDDEN, "HIDDEN TESTS")
        return nbf.replace_regions(source, regions, None, keep_indent=False).rstrip()
    return source


def _normalised_nbgrader(cell: NotebookNode) -> dict:
    """nbgrader metadata with exactly the schema-3 keys (points only on graded cells)."""
    meta = nbf.nbgrader_meta(cell)
    kind = nbf.role(cell)
    out = {
        "grade": kind in (TEST, MANUAL),
        "grade_id": meta["grade_id"],
        "locked": kind in (TEST, GIVEN),
        "schema_version": 3,
        "solution": kind in (ANSWER, MANUAL),
    }
    if out["grade"]:
        out["points"] = meta["points"]
    return out


def release_cell(cell: NotebookNode) -> NotebookNode:
    """The student's version of one (valid) solution cell."""
    out = copy.deepcopy(cell)
    out.source = _release_source(cell)
    for key in _DROPPED_CELL_METADATA:
        out.metadata.pop(key, None)
    if out.cell_type == "code":
        out.outputs = []
        out.execution_count = None
    if nbf.nbgrader_meta(cell) is not None and nbf.role(cell) != PLAIN:
        out.metadata["nbgrader"] = _normalised_nbgrader(cell)
    elif "nbgrader" in out.metadata:
        del out.metadata["nbgrader"]
    if nbf.role(cell) != PLAIN:  # as nbgrader releases them: JupyterLab keeps them in place
        out.metadata["deletable"] = False
    minigrad = dict(out.metadata.get("minigrad", {}))
    minigrad.pop("checksum", None)
    minigrad.pop("original", None)
    if nbf.is_locked(cell):
        out.metadata["editable"] = False
        minigrad["checksum"] = nbf.checksum(out)
        # `check` runs this when a student has changed the cell anyway (grading does the same).
        minigrad["original"] = out.source
    if minigrad:
        out.metadata["minigrad"] = minigrad
    else:
        out.metadata.pop("minigrad", None)
    return out


def release(nb: NotebookNode, chapter: str) -> NotebookNode:
    """The student version of a solution notebook; raises NotebookError if it is malformed."""
    problems = validate(nb, f"{chapter}.ipynb")
    if problems:
        raise NotebookError("\n".join(str(p) for p in problems))
    out = copy.deepcopy(nb)
    out.cells = [release_cell(cell) for cell in nb.cells]
    for key in _DROPPED_NOTEBOOK_METADATA:
        out.metadata.pop(key, None)
    out.metadata.update(copy.deepcopy(nbf.KERNEL_METADATA))
    out.metadata["minigrad"] = {"chapter": chapter, "format": FORMAT_VERSION}
    return out


def release_path(solution: Path) -> NotebookNode:
    """Read a solution notebook and release it, naming the file in any error."""
    nb = nbf.read_notebook(solution)
    problems = validate(nb, str(solution))
    if problems:
        raise NotebookError("\n".join(str(p) for p in problems))
    return release(nb, solution.stem)


@dataclass
class BuildReport:
    """What a build did or, with check=True, what it found out of date."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.stale


def build(
    solutions: list[Path], exercises_dir: Path, check: bool = False, prune: bool = False
) -> BuildReport:
    """Write (or, with check, compare) exercises_dir/NN_name.ipynb for each solution.

    With prune (a build of every chapter), an exercise without a solution counts as stale.
    """
    report = BuildReport()
    for solution in solutions:
        target = exercises_dir / solution.name
        try:
            text = nbf.dumps_notebook(release_path(solution))
        except NotebookError as exc:
            report.errors.append(str(exc))
            continue
        except (OSError, ValueError) as exc:
            report.errors.append(f"{solution}: cannot read notebook: {exc}")
            continue
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            report.unchanged.append(target)
        elif check:
            report.stale.append(f"{target} is {'missing' if current is None else 'out of date'}")
        else:
            nbf.write_text_atomic(target, text)
            report.written.append(target)
    if prune:
        names = {s.name for s in solutions}
        report.stale += [
            f"{p} has no solution notebook"
            for p in all_chapters(exercises_dir)
            if p.name not in names
        ]
    return report
