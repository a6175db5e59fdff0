"""torch.linalg.vander and torch.linalg.cond: PyTorch's values, gradients and errors."""

import numpy as np
import pytest
import torch

import minigrad

ORDERS = [None, 2, -2, "fro", "nuc", float("inf"), float("-inf"), 1, -1]


def _vander(lib):
    x = lib.tensor([[1.0, 0.0, 3.0], [0.5, -1.0, 2.0]], requires_grad=True)
    v = lib.linalg.vander(x)
    (v * lib.arange(18.0).view(2, 3, 3)).sum().backward()
    return v.detach().numpy(), x.grad.numpy(), lib.linalg.vander(x[0].detach(), N=5).numpy()


def test_vander_as_pytorch():
    for ours, theirs in zip(_vander(minigrad), _vander(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert minigrad.linalg.vander(minigrad.tensor([1, 2])).dtype is minigrad.int64
    with pytest.raises(RuntimeError, match="N must be greater than 1"):
        minigrad.linalg.vander(minigrad.ones(3), N=1)


@pytest.mark.parametrize("p", ORDERS)
def test_cond_values_and_gradients_as_pytorch(p):
    def run(lib, by_definition=False):
        A = lib.tensor([[[1.0, 2.0], [3.0, 4.0]], [[2.0, -1.0], [0.5, 3.0]]], requires_grad=True)
        if by_definition:  # PyTorch's own cond cannot be differentiated for these orders
            LA = lib.linalg
            c = LA.matrix_norm(A, p) * LA.matrix_norm(LA.inv(A), p)
        else:
            c = lib.linalg.cond(A, p)
        c.sum().backward()
        return c.detach().numpy(), A.grad.numpy()

    if p in (None, 2, -2, "nuc"):
        theirs = run(torch)
    else:
        theirs = run(torch, by_definition=True)
        np.testing.assert_allclose(
            torch.linalg.cond(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), p), theirs[0][0], rtol=1e-5
        )

    for ours, expected in zip(run(minigrad), theirs):
        np.testing.assert_allclose(ours, expected, rtol=1e-4)


def test_cond_errors_and_singular_matrices():
    assert minigrad.linalg.cond(minigrad.tensor([[1.0, 0.0], [0.0, 0.0]]), 1).item() == np.inf
    with pytest.raises(RuntimeError, match=r"ord=fro\): A must be batches of square matrices"):
        minigrad.linalg.cond(minigrad.ones(2, 3), "fro")
    with pytest.raises(RuntimeError, match="invalid norm type: 3"):
        minigrad.linalg.cond(minigrad.eye(2), 3)
