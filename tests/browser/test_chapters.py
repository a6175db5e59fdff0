"""Every chapter of notebooks/ in JupyterLab in Chromium, as a student sees it.

Open, Run All, wait for the kernel to go idle; no error, traceback or text on stderr; every
widget drawn as a control, tqdm bars drawn as bars, an image wherever a cell plots; markdown
rendered, its math typeset, its links and images leading somewhere; the chapter's first slider
moved and its output changed; a screenshot per chapter in build/browser/. Then Restart Kernel
and Run All, with the same checks; and nothing on the browser's console all along. Chapters
are found on disk, so a new chapter is covered without editing this file.
"""

from __future__ import annotations

import platform

import pytest
from labpage import (
    MARKDOWN_JS,
    REPORTS,
    ROOT,
    SCREENSHOTS,
    ChapterReport,
    cells,
    markdown_problems,
    move_first_slider,
    notebook_state,
    open_notebook,
    output_problems,
    restart_and_run_all,
    run_all,
    watch_console,
)

from minigrad_course import notebook as nbf

pytestmark = pytest.mark.browser
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RUN_LIMIT_S = 300  # generous: the 60 s budget per chapter is checked by make test (nbval)


def expected_metadata() -> dict:
    """What JupyterLab writes here: the committed metadata, on this Python's version."""
    expected = {key: dict(value) for key, value in nbf.KERNEL_METADATA.items()}
    expected["language_info"]["version"] = platform.python_version()
    return expected


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_in_the_browser(chapter, lab, page):
    base, token = lab
    report = REPORTS[chapter] = ChapterReport(chapter)
    console = watch_console(page)
    open_notebook(page, base, token, f"notebooks/{chapter}.ipynb")

    state = notebook_state(page)
    metadata = {key: state[key] for key in nbf.KERNEL_METADATA}
    assert metadata == expected_metadata(), f"JupyterLab rewrote the kernel metadata: {metadata}"
    if platform.python_version() == nbf.KERNEL_METADATA["language_info"]["version"]:
        assert not state["dirty"], f"{chapter} opens as modified"

    report.run_s = run_all(page, RUN_LIMIT_S)
    output_problems(cells(page), report)
    markdown_problems(page.evaluate(MARKDOWN_JS), ROOT / "notebooks" / f"{chapter}.ipynb", report)
    move_first_slider(page, report)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{chapter}.png"))

    # A student's second run: whatever the first one left behind (files, widgets, figures
    # kept by matplotlib) must not change what a fresh kernel shows.
    again = ChapterReport(chapter)
    report.restart_run_s = restart_and_run_all(page, RUN_LIMIT_S)
    output_problems(cells(page), again)
    report.problems += [f"after Restart Kernel and Run All, {p}" for p in again.problems]
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    report.problems += [f"browser {message[:500]}" for message in console]
    assert not report.problems, f"{chapter}:\n" + "\n".join(report.problems)


def test_the_kernel_the_notebooks_ask_for_exists(lab, page):
    """Every notebook of the course asks for a kernel that `make lab`'s JupyterLab has, and
    `make lab` registered the kernel the README names (Python (minigrad), for other
    frontends)."""
    base, token = lab
    page.goto(f"{base}/lab?token={token}&reset")
    page.wait_for_function("() => !!window.jupyterapp && window.jupyterapp.serviceManager")
    specs = page.evaluate(
        "async () => { const m = window.jupyterapp.serviceManager.kernelspecs;"
        " await m.ready; await m.refreshSpecs(); return Object.fromEntries(Object.entries("
        " m.specs.kernelspecs).map(([k, v]) => [k, v.display_name])); }"
    )
    assert specs.get("minigrad") == "Python (minigrad)", specs
    for folder in ("notebooks", "solutions", "exercises"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            asked = nbf.read_notebook(path).metadata["kernelspec"]["name"]
            assert asked in specs, f"{folder}/{path.name} asks for kernel {asked!r}: {specs}"
