"""The programs of PyTorch's beginner and intermediate tutorials, written in their style, run
with PyTorch and with `import minigrad as torch`: the same numbers."""

from __future__ import annotations

import importlib
import warnings

import advanced
import basics
import docs_examples
import intermediate
import more_tutorials
import nlp_and_more
import numpy as np
import pytest
import recipes
import spectral_and_lu
import training_tools
import tutorials6
import tutorials7
import tutorials8
import tutorials9
import tutorials10
import tutorials11
import tutorials12
import tutorials13
import tutorials14
import tutorials15
import tutorials16
import tutorials17
import tutorials18
import tutorials19
import user_programs

import minigrad

PROGRAMS = [
    # the module in the id too: `-k tutorials10` runs one round's programs
    pytest.param(p, id=f"{p.__module__}-{p.__name__}")
    for p in basics.PROGRAMS
    + intermediate.PROGRAMS
    + advanced.PROGRAMS
    + training_tools.PROGRAMS
    + nlp_and_more.PROGRAMS
    + more_tutorials.PROGRAMS
    + recipes.PROGRAMS
    + docs_examples.PROGRAMS
    + user_programs.PROGRAMS
    + tutorials6.PROGRAMS
    + tutorials7.PROGRAMS
    + tutorials8.PROGRAMS
    + tutorials9.PROGRAMS
    + spectral_and_lu.PROGRAMS
    + tutorials10.PROGRAMS
    + tutorials11.PROGRAMS
    + tutorials12.PROGRAMS
    + tutorials13.PROGRAMS
    + tutorials14.PROGRAMS
    + tutorials15.PROGRAMS
    + tutorials16.PROGRAMS
    + tutorials17.PROGRAMS
    + tutorials18.PROGRAMS
    + tutorials19.PROGRAMS
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_tutorial_gives_pytorchs_numbers(program, same_numbers):
    same_numbers(program)


def test_the_torch_compile_tutorial_gives_pytorchs_numbers(same_numbers):
    """tutorials8.torch_compile_introduction, run by itself: PyTorch's first torch.compile call
    turns torch.distributions' argument validation off for the whole process (Dynamo's
    TorchPatcher), which the distribution programs and tests run later rely on: put back."""
    import torch

    validate = torch.distributions.Distribution._validate_args
    try:
        same_numbers(tutorials8.torch_compile_introduction)
    finally:
        torch.distributions.Distribution.set_default_validate_args(validate)


def test_saving_a_whole_model_says_why_not_and_what_to_do(tmp_path):
    """The save/load tutorial's `torch.save(model, "model.pth")`: minigrad never pickles, so it
    refuses, says so, and shows the state_dict way; no file is left behind."""
    model = minigrad.nn.Sequential(minigrad.nn.Linear(3, 2))
    path = tmp_path / "model.pth"
    for obj in (model, {"model": model}):
        with pytest.raises(TypeError) as error:
            minigrad.save(obj, path)
        message = str(error.value)
        assert "whole model (Sequential)" in message and "never pickles" in message
        assert "torch.save(model.state_dict(), path)" in message
        assert "model.load_state_dict(torch.load(path))" in message
        assert not path.exists()
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"optimizer object \(SGD\).*optimizer.state_dict\(\)"):
        minigrad.save(optimizer, path)


def test_the_autograd_profiler_is_absent_and_says_so():
    """The autograd tutorial's `torch.autograd.profiler.profile()`: minigrad has no profiler,
    and the AttributeError names it (docs/nn.md lists it among the differences)."""
    with pytest.raises(AttributeError, match="minigrad.autograd' has no attribute 'profiler'"):
        minigrad.autograd.profiler.profile()


def test_tensorboard_is_absent_and_says_so():
    """ "Training with PyTorch" and the TensorBoard video import SummaryWriter from
    torch.utils.tensorboard: minigrad has none, and the import error names it."""
    with pytest.raises(ModuleNotFoundError, match="No module named 'minigrad.utils.tensorboard'"):
        importlib.import_module("minigrad.utils.tensorboard")


def test_compiling_a_data_dependent_branch_says_what_to_use_instead():
    """The torch.compile tutorial's f1 (`if x.sum() < 0`): PyTorch breaks the graph there and
    runs the branch in Python; minigrad runs the function eagerly, warning once with the
    reason, which names static.cond (docs/static.md). With fullgraph=True both raise.
    (The tutorial's basic usage is tutorials8.torch_compile_introduction, run by its own test
    above, which puts back the state PyTorch's first torch.compile call changes.)"""

    def f1(x, y):
        if x.sum() < 0:
            return -y
        return y

    compiled = minigrad.compile(f1)
    with pytest.warns(UserWarning, match=r"f1 runs eagerly.*static\.cond\(pred, true_fn"):
        out = compiled(minigrad.ones(3), minigrad.full((3,), 2.0))
    np.testing.assert_array_equal(out.numpy(), [2.0, 2.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per compiled function, not per call
        out = compiled(-minigrad.ones(3), minigrad.full((3,), 2.0))
    np.testing.assert_array_equal(out.numpy(), [-2.0, -2.0, -2.0])
    strict = minigrad.compile(f1, fullgraph=True)
    with pytest.raises(minigrad.static.TracingError, match=r"static\.cond\(pred, true_fn"):
        strict(minigrad.ones(3), minigrad.ones(3))


def test_the_dynamic_quantization_tutorial_gets_a_clear_error():
    """ "Dynamic Quantization" calls torch.ao.quantization.quantize_dynamic(model, {nn.LSTM,
    nn.Linear}, dtype=torch.qint8): minigrad has no quantization (docs/nn.md), and the first
    name evaluated, torch.ao, says so."""
    model = minigrad.nn.Sequential(minigrad.nn.Linear(4, 2))
    with pytest.raises(AttributeError, match=r"no attribute 'ao': there is no quantization"):
        minigrad.ao.quantization.quantize_dynamic(model, {minigrad.nn.Linear}, dtype=None)
