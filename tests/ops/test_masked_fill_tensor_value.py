"""masked_fill with a 0-d tensor value that requires grad (a learned mask token): the value
gets the sum of the filled places' gradients, as PyTorch's; a value with dims raises its
error."""

import numpy as np
import pytest
import torch

import minigrad


def _filled(lib):
    token = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x.masked_fill(lib.tensor([True, False, True]), token)
    (y * lib.arange(6.0).view(2, 3)).sum().backward()
    return y.detach().numpy(), token.grad.numpy(), x.grad.numpy(), str(token.grad.dtype)[-7:]


def test_a_tensor_value_gets_its_gradient_as_pytorch():
    for ours, theirs in zip(_filled(minigrad), _filled(torch)):
        np.testing.assert_array_equal(ours, theirs)


def test_a_value_with_dims_raises_pytorchs_error():
    x = minigrad.ones(2, 3)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        x.masked_fill(minigrad.tensor([True, False, True]), minigrad.ones(3))
