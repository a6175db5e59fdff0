"""nn.grad (PyTorch's torch.nn.grad): the input and weight gradients of conv1d, conv2d and
conv3d against PyTorch's, their own gradients (double backward), and their use in a custom Function
as PyTorch's tutorials write it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.testing import gradcheck, gradgradcheck

CASES = [
    ("conv2d", (2, 3, 7, 7), (5, 3, 3, 3), {}),
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 3), {"stride": 2, "padding": 1, "groups": 2}),
    ("conv2d", (1, 2, 10, 9), (4, 2, 2, 3), {"stride": (2, 3), "padding": (1, 0), "dilation": 2}),
    ("conv1d", (2, 3, 8), (4, 3, 3), {"stride": 2}),
    ("conv1d", (1, 4, 9), (2, 2, 2), {"padding": 1, "dilation": 2, "groups": 2}),
    ("conv3d", (2, 2, 4, 5, 4), (3, 2, 2, 3, 2), {}),
    ("conv3d", (1, 4, 5, 6, 5), (4, 2, 3, 2, 3), {"stride": (2, 1, 2), "padding": 1, "groups": 2}),
    ("conv3d", (1, 1, 6, 5, 7), (2, 1, 2, 2, 3), {"padding": (1, 0, 2), "dilation": 2}),
]


@pytest.mark.parametrize("conv, input_shape, weight_shape, kwargs", CASES)
def test_conv_gradients_and_their_gradients_match_pytorch(conv, input_shape, weight_shape, kwargs):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(input_shape), rng.standard_normal(weight_shape)
    out_shape = tuple(
        getattr(torch.nn.functional, conv)(torch.tensor(x), torch.tensor(w), **kwargs).shape
    )
    g = rng.standard_normal(out_shape)
    results = []
    for lib in (minigrad, torch):
        X, W, G = (lib.tensor(a, requires_grad=True) for a in (x, w, g))
        grad_input = getattr(lib.nn.grad, f"{conv}_input")(X.shape, W, G, **kwargs)
        grad_weight = getattr(lib.nn.grad, f"{conv}_weight")(X, W.shape, G, **kwargs)
        (grad_input.square().sum() + grad_weight.square().sum()).backward()
        results.append(
            [t.detach().numpy() for t in (grad_input, grad_weight, G.grad, W.grad, X.grad)]
        )
    for k, (ours, theirs) in enumerate(zip(*results)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=f"result {k}")


class Conv2D(minigrad.autograd.Function):
    """A convolution whose backward calls nn.grad, as a custom Function would."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return minigrad.nn.functional.conv2d(x, weight, stride=2, padding=1)

    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved_tensors
        grad_x = minigrad.nn.grad.conv2d_input(x.shape, weight, grad_out, stride=2, padding=1)
        grad_w = minigrad.nn.grad.conv2d_weight(x, weight.shape, grad_out, stride=2, padding=1)
        return grad_x, grad_w


def test_a_custom_function_built_on_them_passes_gradcheck_and_gradgradcheck():
    x = minigrad.randn(2, 3, 5, 6, dtype=minigrad.float64, requires_grad=True)
    w = minigrad.randn(4, 3, 3, 3, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(Conv2D.apply, (x, w))
    assert gradgradcheck(Conv2D.apply, (x, w))
    with minigrad.no_grad():  # nothing recorded when gradients are off
        g = minigrad.nn.grad.conv2d_input(x.shape, w, minigrad.ones(2, 4, 3, 4, dtype=x.dtype))
    assert not g.requires_grad


def test_f_grad_is_nn_grad_and_errors_say_what_is_wrong():
    assert minigrad.nn.functional.grad is minigrad.nn.grad
    w = minigrad.randn(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"grad_output has shape \(2, 4, 4, 4\).*\(2, 4, 3, 3\)"):
        minigrad.nn.grad.conv2d_input((2, 3, 5, 5), w, minigrad.ones(2, 4, 4, 4))
    with pytest.raises(RuntimeError, match=r"conv3d backward: grad_output has shape \(1, 1, 3,"):
        x, g = minigrad.ones(1, 1, 2, 2, 2), minigrad.ones(1, 1, 3, 3, 3)
        minigrad.nn.grad.conv3d_weight(x, (1, 1, 1, 1, 1), g)
