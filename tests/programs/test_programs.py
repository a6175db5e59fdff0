"""Each tutorial-style program in programs.py, run with PyTorch and with minigrad in its
place (only the import differs), from the same initial weights and data: the same numbers."""

from __future__ import annotations

import pytest
from programs import PROGRAMS


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_pytorchs_numbers(program, same_numbers):
    same_numbers(program)
