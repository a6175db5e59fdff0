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


@pytest.mark.parametrize(
    "size, stride, offset",
    [((3, 2), (1, 1), None), ((2, 2, 2), (4, 1, 2), 1), ((4,), (0,), 3), ((0, 3), (1, 1), None)],
)
def test_as_strided_values_and_gradients_equal_torch(size, stride, offset):
    a = RNG.standard_normal(12)
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(a, requires_grad=True)
        y = lib.as_strided(x, size, stride, offset)
        w = lib.tensor(np.arange(float(np.prod(size))).reshape(size))
        (y * w).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_as_strided_is_a_view():
    x = minigrad.zeros(6)
    x.as_strided((3,), (2,)).add_(1.0)
    assert x.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    tail = minigrad.arange(6.0)[2:]  # storage offset 2: the default reads from there
    assert tail.as_strided((2,), (1,)).tolist() == [2.0, 3.0]
    assert tail.as_strided((2,), (1,), 3).tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    "size, stride, message",
    [
        ((3, 2), (1, 4), "requiring a storage size of 28 are out of bounds for storage of size"),
        ((3, 2), (-1, 1), "Negative strides are not supported"),
        ((3, 2), (1,), "mismatch in length of strides and shape"),
    ],
)
def test_as_strided_errors_as_torch(size, stride, message):
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match=message):
            lib.arange(6.0).as_strided(size, stride)


def test_as_strided_outside_the_tensor_is_refused():
    """PyTorch reads the storage behind a view; minigrad reads the tensor's own elements."""
    with pytest.raises(NotImplementedError, match="contiguous tensor's own elements"):
        minigrad.arange(6.0)[2:].as_strided((2,), (1,), 0)
    with pytest.raises(NotImplementedError, match="contiguous tensor's own elements"):
        minigrad.zeros(2, 3).t().as_strided((2,), (1,))
