"""grid_sample(mode='bicubic') against PyTorch: values and the gradients of the input and the
grid, for every padding mode and align_corners, on random points inside and far outside the
image and on points that sit exactly on pixel centres and on the corners."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import minigrad


def _sample(lib, x, grid, gy, padding_mode, align_corners):
    """grid_sample in library lib -> (output, input's gradient, grid's gradient) as arrays."""
    xt = lib.tensor(x, requires_grad=True)
    gt = lib.tensor(grid, requires_grad=True)
    y = lib.nn.functional.grid_sample(xt, gt, "bicubic", padding_mode, align_corners)
    y.backward(lib.tensor(gy))
    return [a.detach().numpy() for a in (y, xt.grad, gt.grad)]


@pytest.mark.parametrize(
    "padding_mode, align_corners, dtype",
    list(itertools.product(["zeros", "border", "reflection"], [False, True], ["f4", "f8"])),
)
def test_bicubic_values_and_gradients_as_pytorch(padding_mode, align_corners, dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    grid = rng.uniform(-2.5, 2.5, (2, 4, 6, 2)).astype(dtype)
    # the corners, the centre and a pixel centre (x = 0.5 is column 3 of 5 when unaligned)
    grid[0, 0, :4] = [[-1, -1], [1, 1], [0, 0], [0.4 if align_corners else 0.2, -0.5]]
    gy = rng.standard_normal((2, 3, 4, 6)).astype(dtype)
    theirs = _sample(torch, x, grid, gy, padding_mode, align_corners)
    mine = _sample(minigrad, x, grid, gy, padding_mode, align_corners)
    tol = 1e-5 if dtype == "f4" else 1e-12
    for what, a, b in zip(("output", "input's grad", "grid's grad"), mine, theirs):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


def test_bicubic_reaches_past_the_edge_as_pytorch():
    """A point half a pixel inside the corner blends pixels the padding mode puts at -1 and
    -2: zeros reads 0 there, border repeats the edge, reflection mirrors it."""
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    grid = np.full((1, 1, 1, 2), -0.8, dtype=np.float32)
    for padding_mode in ("zeros", "border", "reflection"):
        mine = minigrad.nn.functional.grid_sample(
            minigrad.tensor(x), minigrad.tensor(grid), "bicubic", padding_mode, False
        )
        theirs = torch.nn.functional.grid_sample(
            torch.tensor(x), torch.tensor(grid), "bicubic", padding_mode, False
        )
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6, err_msg=padding_mode)


def test_bicubic_of_a_volume_raises_as_pytorch():
    x, grid = minigrad.zeros(1, 1, 2, 2, 2), minigrad.zeros(1, 1, 1, 1, 3)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        minigrad.nn.functional.grid_sample(x, grid, "bicubic", align_corners=False)
