"""The page checks themselves, on made-up cells: each kind of bad output is reported.
(No browser needed: this runs in `make test`.)"""

from __future__ import annotations

import pytest
from labpage import ROOT, ChapterReport, markdown_problems, output_problems

WIDGET = "application/vnd.jupyter.widget-view+json"


def cell(source="x = 1", executed=1, shown="", **output):
    out = {"type": "display_data", "mimes": [], "plain": "", "ename": "", "name": "", "text": ""}
    out |= {"shown": shown, "widget": False, "bar": False, "images": 0, "cutLabels": []} | output
    return {"source": source, "executionCount": executed, "outputs": [out], "shownText": shown}


GOOD = [
    cell(mimes=[WIDGET], widget=True, shown="lr 1.00"),
    cell(mimes=[WIDGET], widget=True, bar=True, plain="training: 100%|##| 5/5"),
    cell(source="plt.subplots()\nplt.show()", mimes=["image/png"], images=1),
    cell(type="stream", name="stdout", text="loss 0.1\n"),
    cell(type="stream", name="stderr", text="\n"),  # nothing a student sees
    cell(source="", executed=None),  # the empty cell Shift+Enter adds after the last one
]
BAD = {
    "did not run": cell(executed=None),
    "raised ValueError": cell(type="error", ename="ValueError"),
    "shows: ": cell(shown="ValueError  Traceback (most recent call last)"),
    "not drawn as a control": cell(mimes=[WIDGET], shown="IntSlider(value=3)"),
    "label is cut short: 'num_workers'": cell(
        mimes=[WIDGET], widget=True, cutLabels=["num_workers"]
    ),
    "Error displaying widget": cell(mimes=[WIDGET], widget=True, shown="Error displaying widget"),
    "tqdm bar is not drawn": cell(mimes=[WIDGET], widget=True, plain="fit: 40%|#  | 2/5"),
    "tqdm printed text": cell(type="stream", text="fit: 40%|#   | 2/5 [00:01<00:01]"),
    "wrote to stderr": cell(type="stream", name="stderr", text="DeprecationWarning: old\n"),
    "shows no image": cell(source="fig, ax = plt.subplots()\nplt.show()"),
}


def test_good_outputs_pass():
    report = ChapterReport("good")
    output_problems(GOOD, report)
    assert not report.problems
    assert (report.widgets, report.bars, report.images) == (2, 1, 1)


@pytest.mark.parametrize("problem", BAD)
def test_bad_output_is_reported(problem):
    report = ChapterReport("bad")
    output_problems([BAD[problem]], report)
    assert any(problem in p for p in report.problems), report.problems


NOTEBOOK = ROOT / "notebooks" / "04_autograd.ipynb"


def markdown(ids=("Summary",), **fields):
    one = {"rendered": True, "prose": "The gradient of x·y is y.", "mathErrors": 0}
    return {"ids": list(ids), "cells": [one | {"links": [], "images": []} | fields]}


GOOD_MARKDOWN = [
    markdown(),
    markdown(links=[{"href": "#Summary", "path": None}]),
    markdown(links=[{"href": "https://pytorch.org/docs", "path": None}]),
    # as JupyterLab rewrites a link to a course file: the files/ URL and the path it names
    markdown(links=[{"href": "http://127.0.0.1:8888/files/README.md", "path": "README.md"}]),
    markdown(links=[{"href": "../docs/gpu.md#top", "path": None}]),
    markdown(images=[{"src": "http://h/files/x.png", "path": "x.png", "loaded": True}]),
    markdown(images=[{"src": "data:image/png;base64,iVBO", "path": None, "loaded": True}]),
    markdown(prose="costs $5 and the price"),  # one dollar sign is money, not math
]
BAD_MARKDOWN = [  # (what the report says, the markdown)
    ("is not rendered", markdown(rendered=False)),
    ("MathJax failed", markdown(mathErrors=1)),
    ("shows TeX as text", markdown(prose="the rule \\frac{dy}{dx} = y(1 - y)")),
    ("shows TeX as text: '$x_i$'", markdown(prose="with $x_i$ the input")),
    ("names no heading", markdown(links=[{"href": "#Summry", "path": None}])),
    ("finds no file", markdown(links=[{"href": "http://h/files/nb.ipynb", "path": "nb.ipynb"}])),
    ("05_ops.ipynb' finds no file", markdown(links=[{"href": "05_ops.ipynb", "path": None}])),
    (
        "needs the network",
        markdown(images=[{"src": "https://example.org/a.png", "path": None, "loaded": True}]),
    ),
    (
        "'gone.png' did not load",
        markdown(images=[{"src": "http://h/files/gone.png", "path": "gone.png", "loaded": False}]),
    ),
]


@pytest.mark.parametrize("index", range(len(GOOD_MARKDOWN)))
def test_good_markdown_passes(index):
    report = ChapterReport("good")
    markdown_problems(GOOD_MARKDOWN[index], NOTEBOOK, report)
    assert not report.problems


@pytest.mark.parametrize(("said", "cells"), BAD_MARKDOWN)
def test_bad_markdown_is_reported(said, cells):
    report = ChapterReport("bad")
    markdown_problems(cells, NOTEBOOK, report)
    assert any(said in p for p in report.problems), report.problems
