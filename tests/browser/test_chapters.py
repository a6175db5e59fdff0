"""Every chapter of notebooks/ in JupyterLab in Chromium, as a student sees it.

Open, Run All, wait for the kernel to go idle; no error or traceback; every widget drawn as a
control, tqdm bars drawn as bars, an image wherever a cell plots; the chapter's first slider
moved and its output changed; a screenshot per chapter in build/browser/. Chapters are found on
disk, so a new chapter is covered without editing this file.
"""

from __future__ import annotations

import platform

import pytest
from labpage import (
    REPORTS,
    ROOT,
    SCREENSHOTS,
    ChapterReport,
    cells,
    move_first_slider,
    notebook_state,
    open_notebook,
    output_problems,
    run_all,
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
    open_notebook(page, base, token, f"notebooks/{chapter}.ipynb")

    state = notebook_state(page)
    metadata = {key: state[key] for key in nbf.KERNEL_METADATA}
    assert metadata == expected_metadata(), f"JupyterLab rewrote the kernel metadata: {metadata}"
    if platform.python_version() == nbf.KERNEL_METADATA["language_info"]["version"]:
        assert not state["dirty"], f"{chapter} opens as modified"

    report.run_s = run_all(page, RUN_LIMIT_S)
    output_problems(cells(page), report)
    move_first_slider(page, report)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{chapter}.png"))
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    assert not report.problems, f"{chapter}:\n" + "\n".join(report.problems)
