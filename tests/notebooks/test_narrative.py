"""Each chapter notebook (notebooks/NN_name.ipynb) runs top to bottom in 60 s."""

from __future__ import annotations

import pytest
from nbrun import NARRATIVES, ROOT, run_notebook

LIMIT_S = 60


@pytest.mark.parametrize("chapter", NARRATIVES)
def test_chapter_runs_in_time(chapter):
    path = ROOT / "notebooks" / f"{chapter}.ipynb"
    assert path.is_file(), f"{path} is missing"
    seconds = run_notebook(path)
    assert seconds < LIMIT_S, f"{chapter} took {seconds:.1f} s (limit {LIMIT_S} s on 2 CPU cores)"
