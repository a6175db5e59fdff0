"""nn.Conv3d, nn.MaxPool3d, nn.AvgPool3d and their functions against PyTorch: outputs and
gradients with the same weights, unbatched inputs, printing, and the refusals (the op table
checks the functions' gradients, double gradients, static graphs and the simulated GPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

RNG = np.random.default_rng(0)


def _same_conv(kwargs):
    ours = minigrad.nn.Conv3d(3, 4, **kwargs).double()
    theirs = torch.nn.Conv3d(3, 4, **kwargs).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        if theirs.bias is not None:
            theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    return ours, theirs


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3},
        {"kernel_size": (1, 3, 2), "stride": 2, "padding": (0, 1, 1), "bias": False},
        {"kernel_size": 3, "padding": "same", "dilation": (2, 1, 1)},
    ],
)
def test_conv3d_module_equals_torch(kwargs):
    ours, theirs = _same_conv(kwargs)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((2, 3, 5, 6, 6))
    a, b = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    ya.square().sum().backward()
    yb.square().sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-12
    )
    unbatched = ours(minigrad.tensor(x[0])).detach().numpy()
    np.testing.assert_allclose(unbatched, yb[0].detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("MaxPool3d", {"kernel_size": 2}),
        ("MaxPool3d", {"kernel_size": 3, "stride": (1, 2, 2), "padding": 1, "dilation": 1}),
        ("AvgPool3d", {"kernel_size": 2, "stride": 1}),
        ("AvgPool3d", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ],
)
def test_pool3d_modules_equal_torch(name, kwargs):
    ours, theirs = getattr(minigrad.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((2, 3, 5, 6, 7))
    for shaped in (x, x[0]):  # batched and unbatched
        a, b = minigrad.tensor(shaped, requires_grad=True), torch.tensor(shaped, requires_grad=True)
        ya, yb = ours(a), theirs(b)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12)
        w = RNG.standard_normal(tuple(yb.shape))
        (ya * minigrad.tensor(w)).sum().backward()
        (yb * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda F, x: F.max_pool3d(x, 2, padding=2), RuntimeError, "at most half"),
        (lambda F, x: F.conv3d(x, x.new_zeros(2, 3, 2, 2, 2)[:, :2]), RuntimeError, "channels"),
        (lambda F, x: F.conv3d(x[0, 0], x.new_zeros(2, 3, 2, 2, 2)), RuntimeError, "4-D"),
    ],
)
def test_errors_as_torch(call, error, message):
    x = minigrad.zeros(1, 3, 4, 4, 4)
    with pytest.raises(error, match=message):
        call(minigrad.nn.functional, x)
    with pytest.raises(error):
        call(torch.nn.functional, torch.zeros(1, 3, 4, 4, 4))


def test_what_minigrad_leaves_out_is_refused():
    x = minigrad.zeros(1, 2, 4, 4, 4)
    F = minigrad.nn.functional
    with pytest.raises(NotImplementedError, match="groups"):
        F.conv3d(x, minigrad.zeros(2, 1, 2, 2, 2), groups=2)
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        F.max_pool3d(x, 3, ceil_mode=True)
    with pytest.raises(NotImplementedError, match="return_indices"):
        F.max_pool3d(x, 2, return_indices=True)
