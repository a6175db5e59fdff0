"""Max pooling's choice of maximum and conv2d's derivatives against PyTorch, on inputs built
to break them: ties, nans and -inf inside windows, odd sizes, float32 and float64, one or
several channels, several geometries."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.testing import gradcheck

POOLS = [
    dict(kernel_size=2),  # non-overlapping windows, as in a small CNN
    dict(kernel_size=3, stride=2, padding=1),  # overlapping, padded
    dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1)),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=2, stride=2, padding=1),
    dict(kernel_size=(1, 3), stride=1, dilation=(1, 2)),  # one window row: no step across rows
    dict(kernel_size=(3, 1), stride=(2, 1)),  # one window column: no step along a row
    dict(kernel_size=1),  # no step at all: every pick is the window's only pixel
]


def _pool(lib, a, upstream, geometry):
    x = lib.tensor(a, requires_grad=True)
    y, index = lib.nn.functional.max_pool2d(x, **geometry, return_indices=True)
    (y * lib.tensor(upstream, dtype=y.dtype)).sum().backward()
    return y.detach().numpy(), index.numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("geometry", POOLS, ids=str)
def test_max_pool_ties_and_nans_match_pytorch(geometry, dtype):
    """Ties go to the first maximum in row-major window order, a nan beats numbers (the last
    nan wins, as in PyTorch's scan), H and W need not divide by the stride; values, indices
    and gradient."""
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, size=(2, 3, 7, 9)).astype(dtype)  # ties in nearly every window
    a[rng.random(a.shape) < 0.05] = np.nan
    a[0, 0, :2, :2] = np.nan  # a window of nans only: its last one wins
    a[0, 1, 1, 1] = np.nan  # a nan after the window's first maximum
    a[1, 2] = 5.0  # a plane of equal values
    a[1, 1, :, ::2] = -np.inf
    shape = torch.nn.functional.max_pool2d(torch.tensor(a), **geometry).shape
    upstream = rng.standard_normal(tuple(shape))
    ours = _pool(minigrad, a, upstream, geometry)
    theirs = _pool(torch, a, upstream, geometry)
    assert ours[0].dtype == np.dtype(dtype)
    np.testing.assert_array_equal(ours[0], theirs[0])  # nan where PyTorch has nan
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("geometry", POOLS[:2], ids=str)
def test_max_pool_gradcheck_on_odd_sizes(geometry):
    a = np.random.default_rng(2).permutation(2 * 7 * 9).reshape(1, 2, 7, 9) / 10.0
    x = minigrad.tensor(a, requires_grad=True)
    assert gradcheck(lambda x: minigrad.nn.functional.max_pool2d(x, **geometry), [x])


CONVS = [
    dict(padding=1),
    dict(padding=(0, 2), dilation=2),
    dict(padding=3),  # beyond the kernel's reach: whole windows of padding
    dict(stride=2, padding=1),
    dict(stride=(1, 2), dilation=(2, 1)),
]


def _conv(lib, arrays, upstream, geometry):
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
    y = lib.nn.functional.conv2d(x, w, b, **geometry)
    grads = lib.autograd.grad(y, [x, w, b], lib.tensor(upstream), create_graph=True)
    # second order: a function of the first gradients, differentiated again
    again = lib.autograd.grad(sum((g**2).sum() for g in grads), [x, w], allow_unused=True)
    return [t.detach().numpy() for t in (y, *grads, *again)]


CHANNELS = [1, 3, 8]  # few channels on wide rows copy planes, many channels copy windows


def test_the_convolutions_below_take_both_layouts():
    from minigrad.ops.conv import Geometry, _use_planes

    def planes(g, c):
        geom = Geometry.make("c", 3, g.get("stride", 1), g.get("padding", 0), g.get("dilation", 1))
        return _use_planes((2, c, 7, 13), geom)

    assert {planes(g, c) for g in CONVS for c in CHANNELS} == {True, False}
    assert planes(CONVS[0], 1) and not planes(CONVS[0], 8)


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("geometry", CONVS, ids=str)
def test_conv2d_first_and_second_derivatives(geometry, channels):
    """Values, first and second derivatives match PyTorch over several geometries, and the
    first derivatives pass central differences."""
    rng = np.random.default_rng(3)
    shapes = ((2, channels, 7, 13), (4, channels, 3, 3), (4,))
    arrays = [rng.standard_normal(s) for s in shapes]
    x, w, b = (minigrad.tensor(a) for a in arrays)
    upstream = rng.standard_normal(minigrad.nn.functional.conv2d(x, w, b, **geometry).shape)
    ours, theirs = (_conv(lib, arrays, upstream, geometry) for lib in (minigrad, torch))
    assert len(ours) == len(theirs) == 6
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12)
    xs = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda x, w, b: minigrad.nn.functional.conv2d(x, w, b, **geometry), xs)
