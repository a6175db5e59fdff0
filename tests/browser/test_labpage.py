"""The page checks themselves, on made-up cells: each kind of bad output is reported.
(No browser needed: this runs in `make test`.)"""

from __future__ import annotations

import pytest
from labpage import ChapterReport, output_problems

WIDGET = "application/vnd.jupyter.widget-view+json"


def cell(source="x = 1", executed=1, shown="", **output):
    out = {"type": "display_data", "mimes": [], "plain": "", "ename": "", "name": "", "text": ""}
    out |= {"shown": shown, "widget": False, "bar": False, "images": 0} | output
    return {"source": source, "executionCount": executed, "outputs": [out], "shownText": shown}


GOOD = [
    cell(mimes=[WIDGET], widget=True, shown="lr 1.00"),
    cell(mimes=[WIDGET], widget=True, bar=True, plain="training: 100%|##| 5/5"),
    cell(source="plt.subplots()\nplt.show()", mimes=["image/png"], images=1),
]
BAD = {
    "did not run": cell(executed=None),
    "raised ValueError": cell(type="error", ename="ValueError"),
    "shows: ": cell(shown="ValueError  Traceback (most recent call last)"),
    "not drawn as a control": cell(mimes=[WIDGET], shown="IntSlider(value=3)"),
    "Error displaying widget": cell(mimes=[WIDGET], widget=True, shown="Error displaying widget"),
    "tqdm bar is not drawn": cell(mimes=[WIDGET], widget=True, plain="fit: 40%|#  | 2/5"),
    "tqdm printed text": cell(type="stream", text="fit: 40%|#   | 2/5 [00:01<00:01]"),
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
