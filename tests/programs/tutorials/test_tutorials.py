"""The programs of PyTorch's beginner and intermediate tutorials, written in their style, run
with PyTorch and with `import minigrad as torch`: the same numbers."""

from __future__ import annotations

import basics
import intermediate
import pytest

# Engine gaps (minigrad/ops, tensor.py): strict, so a test flips to failing once it is fixed.
ENGINE_GAPS = {
    basics.one_hot_by_scatter: "scatter_ with a 0-d index into a 1-d tensor raises "
    "(PyTorch treats it as a 1-element index)",
}
PROGRAMS = [
    pytest.param(p, id=p.__name__, marks=[pytest.mark.xfail(strict=True, reason=ENGINE_GAPS[p])])
    if p in ENGINE_GAPS
    else pytest.param(p, id=p.__name__)
    for p in basics.PROGRAMS + intermediate.PROGRAMS
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_tutorial_gives_pytorchs_numbers(program, same_numbers):
    same_numbers(program)
