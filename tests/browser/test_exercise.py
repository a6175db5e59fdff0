"""A student's sheet, filled in through JupyterLab's editor: every test cell passes in the page."""

from __future__ import annotations

import pytest
from labpage import ROOT, open_notebook, run_all

from minigrad_course import notebook as nbf

pytestmark = pytest.mark.browser
SHEET = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))[0].stem  # the first chapter's

# Per cell (all types, in order): its nbgrader grade_id, whether it ran, and its error if any.
RESULTS_JS = (
    "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => ({"
    " gid: ((c.model.getMetadata('nbgrader') || {}).grade_id) || null,"
    " source: c.model.sharedModel.getSource(),"
    " ran: c.model.type !== 'code' || c.model.executionCount !== null,"
    " errors: c.model.type === 'code' ? c.model.outputs.toJSON()"
    "  .filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue) : []}))"
)


def reference_answers(chapter: str) -> dict[str, str]:
    """grade_id -> the solution's answer, as a student would type it (no markers)."""
    solution = nbf.read_notebook(ROOT / "solutions" / f"{chapter}.ipynb")
    return {
        nbf.grade_id(c): nbf.strip_marker_lines(c.source, nbf.BEGIN_SOLUTION, nbf.END_SOLUTION)
        for c in solution.cells
        if nbf.role(c) == nbf.ANSWER
    }


def test_exercise_filled_in_the_editor_passes(lab, page):
    base, token = lab
    sheet = nbf.read_notebook(ROOT / "exercises" / f"{SHEET}.ipynb")
    answers = reference_answers(SHEET)
    open_notebook(page, base, token, f"exercises/{SHEET}.ipynb")
    for index, cell in enumerate(sheet.cells):
        if nbf.role(cell) != nbf.ANSWER:
            continue
        editor = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(answers[nbf.grade_id(cell)])
    page.keyboard.press("Escape")  # leave edit mode, as a student does before Run All

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
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
