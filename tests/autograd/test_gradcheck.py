"""minigrad.testing: gradcheck names the first wrong op; assert_close says where and by how much."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.testing import GradcheckError, assert_close, gradcheck, gradgradcheck


class WrongSquare(Function):
    """y = x^2 with the classic mistake dy/dx = x (the factor 2 forgotten)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array**2

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * x


class SumsInsteadOfWeighting(Function):
    """y = 3 x, with a backward that ignores the upstream gradient's values."""

    @staticmethod
    def forward(ctx, x):
        return x.array * 3

    @staticmethod
    def backward(ctx, gy):
        return minigrad.ones_like(gy) * 3


class FirstOrderOnly(Function):
    """y = x^2 with a right backward computed on arrays: the gradient has no graph itself."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array**2

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return minigrad.Tensor._make(2 * x.array * gy.array)


def test_gradcheck_passes_a_correct_composite():
    x = minigrad.randn(3, 4, requires_grad=True)  # float32 in: checked in float64
    w = minigrad.randn(4, 2, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda x, w: (x @ w).tanh().sum(1), (x, w))


def test_gradcheck_names_the_first_wrong_op_and_its_shapes():
    x = minigrad.randn(2, 3, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: WrongSquare.apply(x.exp() * 2).mean(), (x,))
    message = str(info.value)
    assert "WrongSquare" in message and "(2, 3)" in message
    assert "Exp" not in message.split("The first op")[1].split(":")[0]


def test_gradcheck_catches_a_backward_that_ignores_upstream_values():
    x = minigrad.randn(5, requires_grad=True)
    assert not gradcheck(SumsInsteadOfWeighting.apply, (x,), raise_exception=False)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: x * 2, (minigrad.ones(2),))


def test_gradgradcheck_on_second_derivatives():
    x = minigrad.randn(4, dtype=minigrad.float64, requires_grad=True)
    assert gradgradcheck(lambda x: (x.sigmoid() * x.sin()).sum(), (x,))
    y = minigrad.randn(3, requires_grad=True)
    assert gradcheck(lambda y: FirstOrderOnly.apply(y).sum(), (y,))
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda y: (FirstOrderOnly.apply(y) * y).sum(), (y,))


def test_pytorchs_keywords_as_the_tutorials_pass_them():
    """`gradcheck(fn, (a,), fast_mode=False)` and friends: accepted; fast_mode still runs the
    full check (so it still catches a wrong backward); grad_outputs (positional, as PyTorch)
    is the upstream gradient of the first derivative."""
    x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
    for fast_mode in (False, True):
        assert gradcheck(lambda x: x.sin(), (x,), fast_mode=fast_mode, nondet_tol=1e-12)
        with pytest.raises(GradcheckError):
            gradcheck(WrongSquare.apply, (x,), fast_mode=fast_mode, check_undefined_grad=False)
    assert gradgradcheck(lambda x: x.sin() * x, (x,), None, fast_mode=True)
    # FirstOrderOnly's first derivative has no graph: with a zero upstream gradient its second
    # derivative (0) happens to be right, with a non-zero one it is not
    zeros, ones = minigrad.zeros(3, dtype=minigrad.float64), minigrad.ones(3)
    assert gradgradcheck(lambda y: FirstOrderOnly.apply(y) * y, (x,), zeros)
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda y: FirstOrderOnly.apply(y) * y, (x,), ones)


@pytest.mark.parametrize(
    "call, flag",
    [
        (lambda x: gradcheck(minigrad.sin, (x,), check_forward_ad=True), "check_forward_ad"),
        (lambda x: gradcheck(minigrad.sin, (x,), check_batched_grad=True), "check_batched_grad"),
        (lambda x: gradcheck(minigrad.sin, (x,), check_backward_ad=False), "check_backward_ad"),
        (lambda x: gradgradcheck(minigrad.sin, (x,), check_fwd_over_rev=True), "fwd_over_rev"),
    ],
)
def test_checks_that_need_forward_mode_ad_say_so(call, flag):
    x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match=flag):
        call(x)


def test_assert_close_reports_the_worst_element():
    assert_close(minigrad.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]))
    with pytest.raises(AssertionError, match=r"1 of 3 elements.*index \(2,\).*actual 3\.5"):
        assert_close(minigrad.tensor([1.0, 2.0, 3.5]), [1.0, 2.0, 3.0])
    with pytest.raises(AssertionError, match=r"shapes differ: \(2,\) .* \(3,\)"):
        assert_close(minigrad.ones(2), minigrad.ones(3))
    with pytest.raises(AssertionError, match="dtypes differ"):
        assert_close(minigrad.ones(2), np.ones(2), check_dtype=True)
    assert_close(minigrad.tensor([float("nan")]), [float("nan")])
    # a 0-d value that differs is reported too (it raised a TypeError of its own)
    with pytest.raises(AssertionError, match=r"1 of 1 elements.*index \(\): actual 2\.0"):
        assert_close(minigrad.tensor(2.0), minigrad.tensor(1.0))
