"""Tensor.unfold(dimension, size, step) as PyTorch's: a strided view of the windows (shared
memory and version counter, PyTorch's strides), its errors, and its gradient, eager, compiled
and on the simulated GPU. Values and gradients of each shape are in the op table."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import static
from minigrad.testing.simulated_gpu import simulated_gpu


@pytest.mark.parametrize(
    "shape, args",
    [
        ((10,), (0, 3, 2)),
        ((10,), (0, 3, 3)),
        ((10,), (0, 10, 1)),
        ((10,), (-1, 0, 1)),
        ((2, 3, 4), (1, 2, 1)),
        ((2, 3, 4), (2, 4, 2)),
        ((), (0, 1, 1)),
        ((), (0, 0, 1)),
    ],
)
def test_a_view_with_pytorchs_shape_strides_and_contiguity(shape, args):
    values = np.arange(float(np.prod(shape)), dtype=np.float32).reshape(shape)
    ours, theirs = minigrad.tensor(values).unfold(*args), torch.tensor(values).unfold(*args)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_unfold_of_a_transposed_tensor_follows_its_strides():
    values = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    ours = minigrad.tensor(values).transpose(0, 2).unfold(0, 2, 2)
    theirs = torch.tensor(values).transpose(0, 2).unfold(0, 2, 2)
    assert ours.stride() == theirs.stride() and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_shares_memory_and_version_counter_with_its_base():
    x = minigrad.arange(6.0)
    windows = x.unfold(0, 2, 2)
    windows[0, 0] = 100.0
    assert x[0].item() == 100.0
    assert x._version == windows._version == 1
    x.add_(1.0)
    assert windows[0, 0].item() == 101.0 and windows._version == 2


def test_a_change_to_the_base_after_saving_the_windows_is_caught():
    x = minigrad.arange(6.0, requires_grad=True) * 1.0
    y = x.unfold(0, 3, 1).exp()  # exp saves its output, not x; pow saves its input
    z = x.unfold(0, 3, 1) ** 2
    with minigrad.no_grad():
        x.mul_(2)
    y.sum().backward()  # exp's saved output is untouched
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_overlapping_windows_add_their_gradients():
    x = minigrad.arange(6.0, requires_grad=True)
    x.unfold(0, 3, 1).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0, 3.0, 2.0, 1.0]


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    data=st.data(),
)
def test_any_geometry_matches_pytorch_values_and_gradients(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = data.draw(st.integers(0, shape[dim]))
    step = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(len(shape) + size)
    values = rng.standard_normal(shape)
    x, y = minigrad.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    ours, theirs = x.unfold(dim, size, step), y.unfold(dim, size, step)
    assert tuple(ours.shape) == tuple(theirs.shape) and ours.stride() == theirs.stride()
    w = rng.standard_normal(tuple(theirs.shape))
    (ours * minigrad.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        "t.arange(10.0).unfold(0, 11, 1)",
        "t.arange(10.0).unfold(0, 3, 0)",
        "t.arange(10.0).unfold(0, 3, -1)",
        "t.arange(10.0).unfold(0, -1, 1)",
        "t.arange(10.0).unfold(1, 3, 1)",
        "t.tensor(5.0).unfold(0, 2, 1)",
        "t.zeros(0).unfold(0, 1, 1)",
        "t.arange(10.0).unfold(0, 3.0, 1)",
    ],
)
def test_errors_as_pytorch(call):
    with pytest.raises(Exception) as theirs:
        eval(call, {"t": torch})
    with pytest.raises(type(theirs.value)) as ours:
        eval(call, {"t": minigrad})
    if not isinstance(theirs.value, TypeError):
        assert str(theirs.value) in str(ours.value)
    assert "unfold" in str(ours.value)


def _moving_mean(t, durations):
    """The DQN tutorial's 100-episode mean, here over 4 episodes."""
    return t.cat((t.zeros(3, dtype=durations.dtype), durations.unfold(0, 4, 1).mean(1).view(-1)))


def test_compiled_replays_and_differentiates_as_eager():
    compiled = static.compile(lambda d: _moving_mean(minigrad, d))
    for seed in (0, 1):
        values = np.random.default_rng(seed).random(9)
        eager = minigrad.tensor(values, requires_grad=True)
        traced = minigrad.tensor(values, requires_grad=True)
        want, got = _moving_mean(minigrad, eager), compiled(traced)
        np.testing.assert_allclose(got.numpy(force=True), want.numpy(force=True), rtol=1e-12)
        (want * want).sum().backward()
        (got * got).sum().backward()
        np.testing.assert_allclose(traced.grad.numpy(), eager.grad.numpy(), rtol=1e-12)
    assert compiled.traces == 1
    expected = _moving_mean(torch, torch.tensor(values))
    np.testing.assert_allclose(got.numpy(force=True), expected.numpy(), rtol=1e-12)


def test_on_the_simulated_gpu():
    values = np.random.default_rng(2).random((3, 7))
    x = torch.tensor(values, requires_grad=True)
    x.unfold(1, 3, 2).pow(2).sum().backward()
    with simulated_gpu():
        y = minigrad.tensor(values, device="cuda", requires_grad=True)
        windows = y.unfold(1, 3, 2)
        assert str(windows.device) == "cuda:0" and not windows.is_contiguous()
        windows.pow(2).sum().backward()
        assert str(y.grad.device) == "cuda:0"
        np.testing.assert_allclose(y.grad.cpu().numpy(), x.grad.numpy(), rtol=1e-12)
