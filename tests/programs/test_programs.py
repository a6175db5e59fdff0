"""Each tutorial-style program in programs.py, run with PyTorch and with minigrad in its
place (only the import differs), from the same initial weights and data: the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from programs import PROGRAMS

import minigrad


def _run_both(program):
    saved = []

    def save(model):  # PyTorch's run: remember each model's initial weights
        saved.append({k: v.detach().numpy().copy() for k, v in model.state_dict().items()})
        return model

    loaded = iter(saved)

    def load(model):  # minigrad's run: start from them (same keys, or load_state_dict raises)
        model.load_state_dict(next(loaded))
        return model

    torch.manual_seed(0)
    theirs = program(torch, save)
    minigrad.manual_seed(0)
    ours = program(minigrad, load)
    return ours, theirs


def _compare(ours, theirs, path="result"):
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), path
        for key in theirs:
            _compare(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (list, tuple)) and theirs and isinstance(theirs[0], (list, tuple)):
        assert len(ours) == len(theirs), path
        for k, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, f"{path}[{k}]")
    else:
        # NOTE: float32 programs of several training steps: rounding differs a little
        np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5, err_msg=path)


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_pytorchs_numbers(program):
    ours, theirs = _run_both(program)
    _compare(ours, theirs)
