"""A chapter run, saved, and opened again, as a student comes back to it the next day: its
widgets are drawn again from the state saved with the notebook (the course's default lab
settings, .jupyter/labconfig, which `make lab` reads), not "Error displaying widget: model not
found" in red under every slider, with errors on the console."""

from __future__ import annotations

import shutil

import pytest
from labpage import (
    ROOT,
    SCREENSHOTS,
    WIDGET_MIME,
    ChapterReport,
    cells,
    open_notebook,
    output_problems,
    run_all,
    watch_console,
)

pytestmark = pytest.mark.browser
CHAPTER = "04_autograd"  # sliders and tqdm bars, quick to run
SAVED = SCREENSHOTS / "saved" / f"{CHAPTER}.ipynb"  # a copy: the course's notebook stays clean
# Every widget output drawn, none still waiting for its model.
WIDGETS_SETTLED_JS = (
    "() => Array.from(document.querySelectorAll('.jp-OutputArea-output')).every("
    " o => !/Loading widget/.test(o.textContent))"
)


def widget_outputs(page) -> int:
    return sum(WIDGET_MIME in o["mimes"] for c in cells(page) for o in c["outputs"])


def test_saved_chapter_shows_its_widgets_when_opened_again(lab, page):
    base, token = lab
    SAVED.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "notebooks" / f"{CHAPTER}.ipynb", SAVED)
    path = SAVED.relative_to(ROOT).as_posix()
    open_notebook(page, base, token, path)
    run_all(page, timeout_s=300)
    drawn = widget_outputs(page)
    assert drawn, f"{CHAPTER} shows no widget to save"
    page.locator(".jp-Notebook .jp-InputPrompt").first.click()
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
    )
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")

    console = watch_console(page)  # from the second opening on
    open_notebook(page, base, token, path)
    page.wait_for_function(WIDGETS_SETTLED_JS, timeout=30_000, polling=250)
    page.wait_for_timeout(1000)  # a model that is not found is reported a moment later
    report = ChapterReport(f"{CHAPTER}, saved and opened again")
    output_problems(cells(page), report)
    page.locator(".jp-OutputArea-output .jupyter-widgets").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{CHAPTER}_reopened.png"))
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    report.problems += [f"browser {message[:500]}" for message in console]
    assert report.widgets == drawn, f"{drawn} widgets saved, {report.widgets} opened again"
    assert not report.problems, "\n".join(report.problems)
