"""Each chapter notebook (notebooks/NN_name.ipynb) runs top to bottom in 60 s (chapter 11,
which trains five models, in 5 minutes)."""

from __future__ import annotations

import pytest
from nbrun import NARRATIVES, ROOT, run_notebook

LIMIT_S = 60
BUDGETS_S = {"11_milestones": 300}  # the milestones train five models; all others: LIMIT_S


@pytest.mark.parametrize("chapter", NARRATIVES)
def test_chapter_runs_in_time(chapter):
    path = ROOT / "notebooks" / f"{chapter}.ipynb"
    assert path.is_file(), f"{path} is missing"
    seconds = run_notebook(path)
    limit = BUDGETS_S.get(chapter, LIMIT_S)
    assert seconds < limit, f"{chapter} took {seconds:.1f} s (limit {limit} s on 2 CPU cores)"
