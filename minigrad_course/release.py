"""Release checks, both ways, for one chapter (``minigrad-course verify CHAPTER``).

1. The solution notebook runs top to bottom without an error: every test passes.
2. The built exercise, with the hidden tests put back and the stubs as answers, fails every
   graded test only at its stub (NotImplementedError), and contains no hidden-test text.
3. The built exercise as students get it (no hidden tests) fails every graded test at its stub
   too: a test whose visible part never calls the answer would let an untouched stub pass
   ``check``.

Call it from a test::

    from minigrad_course.release import verify
    report = verify("04")            # or "04_autograd", or a path; solutions_dir=... to override
    assert report.ok, report.text()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import notebook as nbf
from .assemble import NOT_DONE, assemble, questions, score
from .build import release, validate
from .chapters import DEFAULT_SOLUTIONS, resolve_chapter
from .notebook import ANSWER, TEST
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
