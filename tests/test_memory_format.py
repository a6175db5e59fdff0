"""Memory formats: minigrad keeps row-major arrays only, but accepts PyTorch's memory formats
everywhere a program passes them (contiguous, to, clone, the *_like creators, empty,
Module.to), with PyTorch's values, aliasing and errors; is_contiguous(memory_format=...) tells
the truth about the array minigrad holds (docs/nn.md, "Memory formats and storage")."""

from __future__ import annotations

import copy
import pickle
import re

import numpy as np
import pytest
import torch

import minigrad

FORMATS = ["contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]


@pytest.mark.parametrize("name", FORMATS)
def test_the_formats_are_named_objects(name):
    fmt = getattr(minigrad, name)
    assert isinstance(fmt, minigrad.memory_format)
    assert (
        repr(fmt) == f"minigrad.{name}" == repr(getattr(torch, name)).replace("torch", "minigrad")
    )
    assert pickle.loads(pickle.dumps(fmt)) is fmt and copy.deepcopy(fmt) is fmt


LAYOUTS = [
    "t.arange(120.0).reshape(2, 3, 4, 5)",  # row-major
    "t.arange(120.0).reshape(2, 4, 5, 3).permute(0, 3, 1, 2)",  # laid out channels-last
    "t.arange(12.0).reshape(1, 3, 1, 4)",
    "t.arange(20.0).reshape(1, 1, 4, 5)",  # both: dims of size 1 take any stride
    "t.arange(3.0).reshape(1, 3, 1, 1)",
    "t.zeros(0, 3, 4, 5)",
    "t.arange(12.0).reshape(3, 4)",
    "t.arange(12.0).reshape(3, 4).t()",
    "t.arange(120.0).reshape(2, 3, 4, 5, 1)",
    "t.arange(120.0).reshape(2, 4, 5, 1, 3).permute(0, 4, 1, 2, 3)",
]


@pytest.mark.parametrize("make", LAYOUTS)
def test_is_contiguous_as_pytorch_for_the_same_layout(make):
    ours, theirs = eval(make, {"t": minigrad}), eval(make, {"t": torch})
    if ours.numel():
        assert ours.stride() == theirs.stride()
    for name in FORMATS:
        kwargs = {"memory_format": getattr(minigrad, name)}
        want = theirs.is_contiguous(memory_format=getattr(torch, name))
        assert ours.is_contiguous(**kwargs) == want, name


@pytest.mark.parametrize("make", LAYOUTS[:2])
@pytest.mark.parametrize("call", ["x.contiguous(memory_format=f)", "x.to(memory_format=f)"])
@pytest.mark.parametrize("name", FORMATS[:2])
def test_values_and_aliasing_as_pytorch(make, call, name):
    """A copy exactly where PyTorch copies (so writing into the result changes the input
    exactly when it does in PyTorch); minigrad's copy is row-major."""

    def run(lib):
        x = eval(make, {"t": lib})
        y = eval(call, {"x": x, "f": getattr(lib, name)})
        aliased = y is x
        y.mul_(2)
        return aliased, y.tolist(), x.tolist()

    assert run(minigrad) == run(torch)


def test_a_copy_into_channels_last_is_row_major_in_minigrad():
    """The one difference: PyTorch's copy is laid out channels-last, minigrad's row-major."""
    x = minigrad.randn(2, 3, 4, 5)
    for y in (
        x.contiguous(memory_format=minigrad.channels_last),
        x.to(memory_format=minigrad.channels_last),
        x.clone(memory_format=minigrad.channels_last),
        minigrad.empty_like(x, memory_format=minigrad.channels_last),
    ):
        assert y.is_contiguous() and not y.is_contiguous(memory_format=minigrad.channels_last)
        assert y.stride() == (60, 20, 5, 1) and y.shape == x.shape


def test_gradients_flow_through_the_conversions():
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor(np.arange(24.0).reshape(1, 2, 3, 4), requires_grad=True)
        y = x.contiguous(memory_format=lib.channels_last) * 2
        z = x.to(lib.float64, memory_format=lib.channels_last) ** 2
        (y.sum() + z.sum()).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


@pytest.mark.parametrize(
    "make",
    [
        "t.zeros_like(x, memory_format=t.channels_last)",
        "t.ones_like(x, memory_format=t.contiguous_format)",
        "t.full_like(x, 3.0, memory_format=t.channels_last)",
        "t.empty_like(x, memory_format=t.preserve_format).shape",
        "t.rand_like(x, memory_format=t.channels_last).shape",
        "t.randn_like(x, memory_format=t.channels_last).shape",
        "t.randint_like(x, 5, memory_format=t.channels_last).shape",
        "t.empty(2, 3, 4, 5, memory_format=t.channels_last).shape",
        "t.empty((2, 3), memory_format=t.contiguous_format).shape",
    ],
)
def test_creators_take_memory_format(make):
    def run(lib):
        out = eval(make, {"t": lib, "x": lib.ones(2, 3, 4, 5)})
        return tuple(out) if isinstance(out, tuple) else out.tolist()

    assert run(minigrad) == run(torch)


ERRORS = [
    "t.ones(3, 4).contiguous(memory_format=t.channels_last)",
    "t.ones(2, 3, 4, 5).contiguous(memory_format=t.channels_last_3d)",
    "t.ones(3, 4).to(memory_format=t.channels_last)",
    "t.ones(3, 4).clone(memory_format=t.channels_last)",
    "t.zeros_like(t.ones(3, 4), memory_format=t.channels_last)",
    "t.empty(3, 4, memory_format=t.channels_last)",
    "t.empty(3, 4, memory_format=t.preserve_format)",
    "t.ones(3, 4).t().contiguous(memory_format=t.preserve_format)",
    "t.ones(3, 4).contiguous(memory_format=None)",
    "t.ones(3, 4).contiguous(t.channels_last)",
    "t.ones(3, 4).is_contiguous(memory_format=5)",
    "t.ones(3, 4).to(memory_format='channels_last')",
    "t.nn.Linear(2, 2).to(memory_format='channels_last')",
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_as_pytorch(call):
    def outcome(lib):
        try:
            eval(call, {"t": lib})
        except Exception as exc:  # noqa: BLE001 - the exception is the result compared
            return exc
        raise AssertionError(f"{call} did not raise")

    ours, theirs = outcome(minigrad), outcome(torch)
    assert type(ours) is type(theirs), f"{call}: {ours!r} instead of {theirs!r}"
    if isinstance(theirs, RuntimeError):
        assert re.sub(r"^\w+: ", "", str(theirs)) in str(ours)


def test_module_to_channels_last_converts_conv_weights_only():
    """Module.to(memory_format=...) applies to 4-d tensors (conv weights), as PyTorch; the
    model computes the same numbers, a channels-last input included."""
    outs = []
    for lib in (minigrad, torch):
        conv = lib.nn.Conv2d(3, 4, 3)
        head = lib.nn.Linear(4, 2)
        model = lib.nn.Sequential(conv, lib.nn.AdaptiveAvgPool2d(1), lib.nn.Flatten(), head)
        with lib.no_grad():  # the same weights in both libraries
            for p in model.parameters():
                p.copy_(lib.arange(float(p.numel())).reshape(p.shape) / 50)
        weight = conv.weight
        assert model.to(memory_format=lib.channels_last) is model
        assert conv.weight is weight  # converted in place: optimizers keep the parameter
        x = lib.tensor(np.linspace(-1, 1, 2 * 3 * 6 * 6, dtype=np.float32).reshape(2, 3, 6, 6))
        y = model(x.to(memory_format=lib.channels_last))
        y.sum().backward()
        outs.append((y.detach().numpy(), conv.weight.grad.numpy(), head.weight.shape))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-5, atol=1e-6)
    assert tuple(outs[0][2]) == tuple(outs[1][2])
