"""Convolutions of an empty batch (N = 0), as PyTorch: an empty output of the right shape, an
empty input gradient, and zero weight and bias gradients (nothing was summed)."""

import numpy as np
import pytest
import torch

import minigrad
import minigrad.nn.functional as F

# (function, input shape without N, weight shape, keywords)
CASES = {
    "conv1d": ("conv1d", (4, 9), (6, 4, 3), {}),
    "conv1d_strided_padded": ("conv1d", (4, 9), (6, 4, 3), {"stride": 2, "padding": 1}),
    "conv1d_grouped": ("conv1d", (4, 9), (6, 2, 3), {"groups": 2}),
    "conv2d": ("conv2d", (3, 7, 6), (5, 3, 3, 2), {}),
    "conv2d_1x1": ("conv2d", (3, 7, 6), (5, 3, 1, 1), {}),  # planes (Wo >= kw C)
    "conv2d_strided_dilated": ("conv2d", (3, 7, 6), (5, 3, 2, 2), {"stride": 2, "dilation": 2}),
    "conv2d_grouped": ("conv2d", (4, 7, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    "conv2d_depthwise": ("conv2d", (4, 7, 6), (4, 1, 3, 3), {"groups": 4}),
    "conv3d": ("conv3d", (2, 5, 4, 6), (3, 2, 2, 3, 2), {}),
    "conv3d_grouped": ("conv3d", (4, 5, 4, 6), (6, 2, 2, 2, 2), {"groups": 2, "padding": 1}),
    "conv_transpose1d": ("conv_transpose1d", (4, 9), (4, 3, 3), {"stride": 2}),
    "conv_transpose2d": ("conv_transpose2d", (4, 5, 6), (4, 3, 3, 2), {}),
    # 16 x 16 pixels: the product per kernel offset (col2im's blocks layout)
    "conv_transpose2d_wide": ("conv_transpose2d", (2, 16, 16), (2, 3, 3, 3), {"padding": 1}),
    "conv_transpose2d_grouped": (
        "conv_transpose2d",
        (4, 5, 6),
        (4, 2, 3, 3),
        {"groups": 2, "stride": 2, "padding": 1, "output_padding": 1},
    ),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_empty_batch_equals_torch(name, bias):
    op, shape, weight_shape, kwargs = CASES[name]
    rng = np.random.default_rng(0)
    x = np.zeros((0, *shape))
    w = rng.normal(size=weight_shape)
    out_channels = (
        weight_shape[1] * kwargs.get("groups", 1) if "transpose" in op else weight_shape[0]
    )
    b = rng.normal(size=out_channels)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    mx, mw, mb = (minigrad.tensor(a, requires_grad=True) for a in (x, w, b))
    want = getattr(torch.nn.functional, op)(tx, tw, tb if bias else None, **kwargs)
    got = getattr(F, op)(mx, mw, mb if bias else None, **kwargs)
    assert got.shape == tuple(want.shape) and want.shape[0] == 0
    assert got.dtype == minigrad.float64
    # a gradient of ones on the (empty) output; the module test below takes .sum().backward()
    want.backward(torch.ones_like(want))
    got.backward(minigrad.ones(*got.shape, dtype=got.dtype))
    assert mx.grad.shape == tuple(tx.grad.shape) == x.shape
    np.testing.assert_array_equal(mw.grad.numpy(), tw.grad.numpy())
    assert not tw.grad.any() and mw.grad.shape == weight_shape and mw.grad.dtype == got.dtype
    if bias:
        np.testing.assert_array_equal(mb.grad.numpy(), tb.grad.numpy())
        assert mb.grad.shape == (out_channels,) and not tb.grad.any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_empty_batch_conv2d_module_forward_and_backward(dtype):
    layer = minigrad.nn.Conv2d(3, 4, 3, padding=1).to(getattr(minigrad, dtype))
    y = layer(minigrad.zeros(0, 3, 8, 8, dtype=getattr(minigrad, dtype)))
    assert y.shape == (0, 4, 8, 8) and y.dtype == getattr(minigrad, dtype)
    y.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), np.zeros((4, 3, 3, 3)))
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.zeros(4))
