"""The harness shared by tests/programs/: run a program with PyTorch and with minigrad in its
place (only the import differs), from the same initial weights and data, and compare."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _run_both(program):
    """Run program(torch, init) with PyTorch, then with minigrad. `init` takes a model or a
    tensor right after the program creates it: PyTorch's run records its values, minigrad's
    run starts from them, so random initialisation does not make the runs differ."""
    saved = []

    def save(obj):
        if isinstance(obj, torch.Tensor):
            saved.append(obj.detach().numpy().copy())
        else:
            saved.append({k: v.detach().numpy().copy() for k, v in obj.state_dict().items()})
        return obj

    loaded = iter(saved)

    def load(obj):  # same keys, shapes and dtypes, or load_state_dict / copy_ raises
        values = next(loaded)
        if isinstance(obj, minigrad.Tensor):
            with minigrad.no_grad():
                obj.copy_(minigrad.from_numpy(values))
        else:
            obj.load_state_dict(values)
        return obj

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # NOTE: tiny programs: threads only contend on a busy machine
    try:
        torch.manual_seed(0)
        theirs = program(torch, save)
    finally:
        torch.set_num_threads(threads)
    minigrad.manual_seed(0)
    ours = program(minigrad, load)
    return ours, theirs


def _compare(ours, theirs, path="result"):
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), path
        for key in theirs:
            _compare(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (list, tuple)) and any(_is_nested(e) for e in theirs):
        assert len(ours) == len(theirs), path
        for k, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, f"{path}[{k}]")
    elif isinstance(theirs, (str, bool)) or theirs is None:
        assert ours == theirs, path
    else:
        # NOTE: float32 programs of several training steps: rounding differs a little
        np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5, err_msg=path)


def _is_nested(value) -> bool:
    return value is None or isinstance(value, (list, tuple, dict, str))


@pytest.fixture
def same_numbers():
    """same_numbers(program): the program gives PyTorch's numbers under minigrad."""

    def check(program):
        ours, theirs = _run_both(program)
        _compare(ours, theirs)

    return check
