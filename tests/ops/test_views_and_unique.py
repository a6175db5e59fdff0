"""unique(dim=), view(dtype) and as_strided against PyTorch: values, shapes, errors, and
as_strided's gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "shape, dim",
    [((6, 3), 0), ((6, 3), 1), ((2, 5, 3), 1), ((4, 2, 2), -1), ((0, 3), 0), ((5,), 0)],
)
def test_unique_dim_equals_torch(shape, dim):
    a = RNG.integers(0, 2, shape).astype(np.float32)
    ours = minigrad.unique(minigrad.tensor(a), dim=dim, return_inverse=True, return_counts=True)
    theirs = torch.unique(torch.tensor(a), dim=dim, return_inverse=True, return_counts=True)
    for x, y in zip(ours, theirs):
        assert x.shape == tuple(y.shape) and str(x.dtype)[9:] == str(y.dtype)[6:]
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    np.testing.assert_array_equal(
        minigrad.tensor(a).unique(dim=dim).numpy(), torch.tensor(a).unique(dim=dim).numpy()
    )


def test_unique_dim_errors_as_torch():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="0 sized dimensions"):
            lib.unique(lib.zeros(3, 0), dim=0)
        with pytest.raises(IndexError, match="Dimension out of range"):
            lib.unique(lib.zeros(3, 2), dim=2)


@pytest.mark.parametrize("dtype", ["float32", "int32", "int16", "uint8", "float64", "bool"])
def test_view_dtype_equals_torch(dtype):
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    if dtype == "bool":
        a = np.zeros_like(a)  # all bytes 0: valid bools
    ours = minigrad.tensor(a).view(getattr(minigrad, dtype))
    theirs = torch.tensor(a).view(getattr(torch, dtype))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_view_dtype_shares_memory_and_has_no_gradient():
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    bits = x.view(minigrad.int32)
    bits[0, 0] = 0
    assert x[0, 0].item() == 0.0
    y = minigrad.tensor([1.0, 2.0], requires_grad=True)
    assert not y.view(minigrad.float16).requires_grad
    assert y.view(minigrad.float32) is y


@pytest.mark.parametrize(
    "make, dtype, message",
    [
        (lambda lib: lib.zeros(2, 3).t(), "int16", "self.stride.-1. must be 1 to view Float as"),
        (lambda lib: lib.tensor(1.0), "int16", "self.dim.. cannot be 0 to view Float as Short"),
        (lambda lib: lib.zeros(3), "float64", "self.size.-1. must be divisible by 2"),
    ],
)
def test_view_dtype_errors_as_torch(make, dtype, message):
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match=message):
            make(lib).view(getattr(lib, dtype))
