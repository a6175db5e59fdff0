"""A student's sheet, filled in through JupyterLab's editor: every test cell passes in the page
and says so; a wrong answer is told what is wrong; Ctrl+S saves what was typed."""

from __future__ import annotations

import shutil

import pytest
from labpage import ROOT, SCREENSHOTS, open_notebook, run_all, wait_until_idle

from minigrad_course import notebook as nbf

pytestmark = pytest.mark.browser
SHEET = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))[0].stem  # the first chapter's
PASSED = "passed the checks in this cell"  # what a test cell prints when the answer is right

# Per cell (all types, in order): its nbgrader grade_id, whether it ran, its error if any, and
# the text its outputs show in the page.
RESULTS_JS = (
    "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => ({"
    " gid: ((c.model.getMetadata('nbgrader') || {}).grade_id) || null,"
    " source: c.model.sharedModel.getSource(),"
    " ran: c.model.type !== 'code' || c.model.executionCount !== null,"
    " errors: c.model.type === 'code' ? c.model.outputs.toJSON()"
    "  .filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue) : [],"
    " shown: c.model.type === 'code' ? c.outputArea.node.textContent : ''}))"
)


def reference_answers(chapter: str) -> dict[str, str]:
    """grade_id -> the solution's answer, as a student would type it (no markers)."""
    solution = nbf.read_notebook(ROOT / "solutions" / f"{chapter}.ipynb")
    return {
        nbf.grade_id(c): nbf.strip_marker_lines(c.source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION)
        for c in solution.cells
        if nbf.role(c) == nbf.ANSWER
    }


def type_into_cell(page, index: int, text: str) -> None:
    """Replace cell index's source by typing, as a student does; back to command mode."""
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    page.keyboard.press("Escape")


def run_cell(page, index: int) -> dict:
    """Run cell index with Ctrl+Enter; return what the page shows for it once the kernel idles."""
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(300)
    wait_until_idle(page, 120)
    return page.evaluate(RESULTS_JS)[index]


def test_exercise_filled_in_the_editor_passes(lab, page):
    base, token = lab
    sheet = nbf.read_notebook(ROOT / "exercises" / f"{SHEET}.ipynb")
    answers = reference_answers(SHEET)
    open_notebook(page, base, token, f"exercises/{SHEET}.ipynb")
    for index, cell in enumerate(sheet.cells):
        if nbf.role(cell) == nbf.ANSWER:
            type_into_cell(page, index, answers[nbf.grade_id(cell)])

    typed = {r["gid"]: r["source"] for r in page.evaluate(RESULTS_JS) if r["gid"] in answers}
    assert typed == answers, "the editor did not take the answers as typed"
    run_all(page, timeout_s=300)
    results = page.evaluate(RESULTS_JS)
    tests = [nbf.grade_id(c) for c in sheet.cells if nbf.role(c) == nbf.TEST]
    assert tests, f"{SHEET} has no test cells"
    for result in results:
        where = f"{SHEET} cell {result['gid'] or ''}"
        assert result["ran"], f"{where} did not run"
        assert not result["errors"], f"{where} failed in the page: {result['errors']}"
    passed = {r["gid"] for r in results if r["ran"] and not r["errors"]}
    assert set(tests) <= passed, f"test cells that did not pass: {set(tests) - passed}"
    silent = [r["gid"] for r in results if r["gid"] in tests and PASSED not in r["shown"]]
    assert not silent, f"right answers whose test cell does not say so: {silent}"
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")


# The sheet's first question: a wrong answer, the message its test cell must show for it, and
# where the sheet is copied to be saved (build/ is ignored by git; the course stays as it is).
WRONG = ("make_tensor", "def make_tensor():\n    return minigrad.arange(6).reshape(3, 2)\n")
WRONG_SAYS = "AssertionError: the shape should be (2, 3), got (3, 2)"
SAVED = SCREENSHOTS / "saved" / f"{SHEET}.ipynb"


def test_wrong_then_right_answer_then_save(lab, page):
    """The student's loop on one question: a wrong answer's test cell ends with the test's
    message (what is wrong, in words), a right answer's says it passed, and Ctrl+S writes the
    answer to disk with the sheet's metadata as released."""
    base, token = lab
    SAVED.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "exercises" / f"{SHEET}.ipynb", SAVED)
    sheet = nbf.read_notebook(SAVED)
    gid, wrong_answer = WRONG
    answer = next(i for i, c in enumerate(sheet.cells) if nbf.grade_id(c) == gid)
    test = answer + 1
    assert nbf.role(sheet.cells[test]) == nbf.TEST, f"{gid}'s test cell is not right after it"
    setup = next(i for i, c in enumerate(sheet.cells) if nbf.role(c) == nbf.GIVEN)
    open_notebook(page, base, token, SAVED.relative_to(ROOT).as_posix())
    assert not run_cell(page, setup)["errors"]

    type_into_cell(page, answer, wrong_answer)
    run_cell(page, answer)
    wrong = run_cell(page, test)
    page.locator(".jp-Notebook .jp-Cell").nth(test).locator(
        ".jp-OutputArea"
    ).scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "wrong_answer.png"))
    assert wrong["errors"] == [WRONG_SAYS], wrong["errors"]
    assert wrong["shown"].rstrip().endswith(WRONG_SAYS), wrong["shown"][-500:]
    assert PASSED not in wrong["shown"]

    right = reference_answers(SHEET)[gid]
    type_into_cell(page, answer, right)
    run_cell(page, answer)
    result = run_cell(page, test)
    page.screenshot(path=str(SCREENSHOTS / "right_answer.png"))
    assert not result["errors"], result["errors"]
    assert result["shown"].strip() == f"{gid}: {PASSED}", result["shown"]

    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
    )
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    saved = nbf.read_notebook(SAVED)
    assert saved.cells[answer].source == right
    for key in ("kernelspec", "minigrad"):
        assert saved.metadata[key] == sheet.metadata[key], f"saving changed the {key} metadata"
    shown = [o.get("text", "") for o in saved.cells[test].outputs]
    assert shown == [f"{gid}: {PASSED}\n"], saved.cells[test].outputs
