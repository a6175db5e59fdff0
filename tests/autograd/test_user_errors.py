"""What a student meets when their own Function or call is wrong: errors that say what to do."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import Function


def test_save_for_backward_of_an_array_is_a_type_error_that_says_what_to_do():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.array)
            return x.array**2

    expected = r"takes Tensors.*numpy.ndarray.*ctx.save_for_backward\(x\)"
    with pytest.raises(TypeError, match=expected):
        Square.apply(minigrad.ones(2, requires_grad=True))


def test_an_error_inside_a_users_backward_names_that_backward():
    class MatMul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.array @ b.array

        @staticmethod
        def backward(ctx, gy):
            a, b = ctx.saved_tensors
            return b.T @ gy, gy @ a.T  # transposes swapped: a student's mistake

    a = minigrad.randn(3, 4, requires_grad=True)
    b = minigrad.randn(4, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"(?s)matmul.*raised in MatMul\.backward.*\(3, 2\)"):
        MatMul.apply(a, b).sum().backward()


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    cond = [[0.0, 1.0], [2.0, 0.0]]
    got = minigrad.where(minigrad.tensor(cond))
    expected = torch.where(torch.tensor(cond))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e.numpy())


def test_grad_accepts_only_inputs_as_pytorch():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = minigrad.autograd.grad((x * x).sum(), x, None, None, False, True)  # positional
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        minigrad.autograd.grad((x * x).sum(), x, only_inputs=False)
    assert any(issubclass(w.category, FutureWarning) for w in caught)
