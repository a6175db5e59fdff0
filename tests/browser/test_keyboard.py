"""The course driven from the keyboard alone: Shift+Enter from the top of a chapter to its end,
and through a student's sheet before any answer is written."""

from __future__ import annotations

import re

import pytest
from labpage import (
    ROOT,
    ChapterReport,
    cells,
    open_notebook,
    output_problems,
    run_by_keyboard,
    watch_console,
)

from minigrad_course import notebook as nbf

pytestmark = pytest.mark.browser
LIMIT_S = 300
# Chapters with sliders, tqdm bars and plots, quick to run.
KEYBOARD_CHAPTERS = ["00_setup", "04_autograd"]


class TracebackWall(AssertionError):
    """A stub's NotImplementedError shown under more frames than a student should read."""


# The engine's and gradcheck's own frames set __tracebackhide__, so a backward() stub reached
# through them is shown under the student's call only.
SHEETS = [p.stem for p in sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))]
# A frame of IPython's traceback: "Cell In[3], line 5" or "File /path/x.py:12, in f()".
FRAME = re.compile(r"^(Cell In\[\d+\], line \d+|File [^\n]*:\d+)", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MAX_STUB_FRAMES = 4  # the check cell, a helper it defines, an answer calling another, the stub


@pytest.mark.parametrize("chapter", KEYBOARD_CHAPTERS)
def test_chapter_run_with_shift_enter(chapter, lab, page):
    base, token = lab
    report = ChapterReport(chapter)
    console = watch_console(page)
    open_notebook(page, base, token, f"notebooks/{chapter}.ipynb")
    report.problems += run_by_keyboard(page, LIMIT_S)
    output_problems(cells(page), report)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    report.problems += [f"browser {message[:500]}" for message in console]
    assert not report.problems, f"{chapter}:\n" + "\n".join(report.problems)


ERRORS_JS = (
    "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => ({"
    " ran: c.model.type !== 'code' || c.model.executionCount !== null,"
    " errors: c.model.type === 'code' ? c.model.outputs.toJSON()"
    "  .filter(o => o.output_type === 'error')"
    "  .map(o => ({ename: o.ename, traceback: o.traceback.join('\\n')})) : [],"
    " shown: c.model.type === 'code' ? c.outputArea.node.textContent : ''}))"
)


@pytest.mark.parametrize("sheet", SHEETS)
def test_unanswered_sheet_with_shift_enter(sheet, lab, page):
    """Before a student writes anything: every cell runs, and each check fails only because
    its answer is still the stub: NotImplementedError, a short traceback that ends at the
    stub's `# YOUR CODE HERE`, shown in the page; nothing else fails."""
    base, token = lab
    notebook = nbf.read_notebook(ROOT / "exercises" / f"{sheet}.ipynb")
    console = watch_console(page)
    open_notebook(page, base, token, f"exercises/{sheet}.ipynb")
    problems = run_by_keyboard(page, LIMIT_S)
    walls = []
    results = page.evaluate(ERRORS_JS)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    # (Shift+Enter on the last cell adds an empty one below it, as in every JupyterLab)
    for cell, result in zip(notebook.cells, results[: len(notebook.cells)], strict=True):
        where = f"{sheet} cell {nbf.grade_id(cell) or '(ungraded)'}"
        if not result["ran"]:
            problems.append(f"{where} did not run")
        for error in result["errors"]:
            traceback = ANSI.sub("", error["traceback"])
            frames = len(FRAME.findall(traceback))
            if error["ename"] != "NotImplementedError":
                problems.append(f"{where} raised {error['ename']}, not the stub's error")
            elif nbf.CODE_STUB[0] not in traceback or nbf.CODE_STUB[0] not in result["shown"]:
                problems.append(f"{where}: the traceback does not show the stub: {traceback!r}")
            elif frames > MAX_STUB_FRAMES:
                walls.append(f"{where}: {frames} frames of traceback for a stub")
        if nbf.role(cell) == nbf.TEST and not result["errors"]:
            problems.append(f"{where}: a check passed before any answer was written")
    problems += [f"browser {message[:500]}" for message in console]
    assert not problems, "\n".join(problems)
    if walls:
        raise TracebackWall("\n".join(walls))
