"""pow with a Python-number exponent follows PyTorch's CPU kernel: its special exponents (0,
1, 2, 3, -1, -2, -0.5: a fill, a copy, x * x, x * x * x, 1 / x, 1 / (x * x), 1 / sqrt(x))
give its values bit for bit, 0.5 is sqrt, float16 has pow alone, integer tensors keep their
semantics; values at the edges (zeros of both signs, tiny and huge, infinities, nan), every
spelling (x ** 3, x.pow, torch.pow, pow_, **=), and first and second derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops.arithmetic import PYTORCH_POW

pytestmark = pytest.mark.skipif(
    not PYTORCH_POW, reason="NumPy 1.26: pow by a number stays NumPy's power (ops/arithmetic.py)"
)

_EDGES = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 1e30, -1e30]
_EDGES += [3.4e38, -3.4e38, 1e-45, -1e-45, 1e-40, 65504.0, 6e-8, 2.0, -2.0, 0.5]
SPECIAL = [0, 1, 2, 3, -1, -2, -0.5, 0.0, 1.0, 2.0, 3.0, -1.0, -2.0, True, False]
OTHER = [4, -3, 5.0, -4, 7, 1.5, 2.5, 0.25, -1.5]  # integers: pow of |x|, signed


def _inputs(dtype):
    """Random values of both signs with the edges at both ends: PyTorch's vectorised loop
    takes the first ones, its scalar loop the last few."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(2000) * 10, rng.standard_normal(2000)])
    with np.errstate(over="ignore"):  # the huge edges are inf in float16
        return np.concatenate([_EDGES, x, _EDGES]).astype(dtype)


def _assert_same(got, want, ulp=0):
    """Equal dtypes, nans where PyTorch's, signs of zero, and values (or `ulp` units apart)."""
    assert got.dtype == want.dtype
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    if ulp == 0:
        np.testing.assert_array_equal(got[~nan], want[~nan])
    else:
        np.testing.assert_array_max_ulp(got[~nan], want[~nan], maxulp=ulp)
    zeros = want == 0
    np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))


def _pow(lib, x, exponent):
    with np.errstate(all="ignore"):
        return (lib.tensor(x) ** exponent).numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("exponent", SPECIAL, ids=repr)
def test_special_exponents_match_pytorch_bit_for_bit(exponent, dtype):
    x = _inputs(dtype)
    _assert_same(_pow(minigrad, x, exponent), _pow(torch, x, exponent))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_half_is_sqrt(dtype):
    # NOTE: PyTorch's x ** 0.5 is its sqrt, which on AVX512 is not correctly rounded: an ulp
    # off NumPy's for about a fifth of float32s. minigrad's is its own (exact) sqrt
    x = _inputs(dtype)
    got = _pow(minigrad, x, 0.5)
    _assert_same(got, minigrad.tensor(x).sqrt().numpy())
    _assert_same(got, _pow(torch, x, 0.5), ulp=1)
    zeros = np.array([-0.0, 0.0, -np.inf], dtype)  # sqrt's -0.0 and nan, where pow gives 0, inf
    _assert_same(_pow(minigrad, zeros, 0.5), np.array([-0.0, 0.0, np.nan], dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("exponent", OTHER, ids=repr)
def test_other_exponents_within_an_ulp_of_pytorch(exponent, dtype):
    x = _inputs(dtype)
    _assert_same(_pow(minigrad, x, exponent), _pow(torch, x, exponent), ulp=1)


@pytest.mark.parametrize("exponent", [*SPECIAL, 0.5, *OTHER], ids=repr)
def test_float16_is_pow_in_float32_as_pytorch(exponent):
    x = _inputs(np.float16)
    _assert_same(_pow(minigrad, x, exponent), _pow(torch, x, exponent))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_])
@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 5, True, 2.0, 3.0, -1.0, -2.0, -0.5, 1.5])
def test_integer_tensors(exponent, dtype):
    x = np.random.default_rng(0).integers(-60, 60, 500).astype(dtype)
    got, want = _pow(minigrad, x, exponent), _pow(torch, x, exponent)
    _assert_same(got, want, ulp=1 if exponent == 1.5 else 0)  # pow itself: as above


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_])
def test_integer_tensors_to_the_half_are_float32_sqrt(dtype):
    x = np.arange(0, 100).astype(dtype)
    got = _pow(minigrad, x, 0.5)
    _assert_same(got, np.sqrt(x.astype(np.float32)))
    _assert_same(got, _pow(torch, x, 0.5), ulp=1)


def test_integer_tensors_to_negative_integers_raise_as_pytorch():
    with pytest.raises(RuntimeError, match=r"negative integer powers .*int64 tensor \*\* -1"):
        minigrad.tensor([1, 2]) ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        torch.tensor([1, 2]) ** -1


@pytest.mark.parametrize("exponent", [1, 2, 3, -1, -2, 0.5, -0.5, 0])
def test_every_spelling(exponent):
    x = np.random.default_rng(1).random((5, 6)).astype(np.float32) + 0.5
    want = (torch.tensor(x) ** exponent).numpy()
    ulp = 1 if exponent == 0.5 else 0  # PyTorch's sqrt: see test_half_is_sqrt
    t = minigrad.tensor(x)
    for y in [t**exponent, t.pow(exponent), minigrad.pow(t, exponent)]:
        _assert_same(y.numpy(), want, ulp)
    for inplace in [lambda u: u.pow_(exponent), lambda u: u.__ipow__(exponent)]:
        u = minigrad.tensor(x)
        assert inplace(u) is u
        _assert_same(u.numpy(), want, ulp)


def test_results_are_new_arrays_of_any_input():
    a = minigrad.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4)).t()  # not contiguous
    for exponent in [1, 0, 2, -2, -0.5]:
        y = a**exponent
        y += 1
        np.testing.assert_array_equal(a.numpy(), np.arange(12.0).reshape(3, 4).T)
    for exponent, want in [(-0.5, 0.5), (-2, 0.0625), (5, 1024.0), (-3, 0.015625)]:
        y0 = minigrad.tensor(4.0) ** exponent  # 0-d: NumPy's scalars, with no buffer to reuse
        assert y0.shape == () and y0.item() == want
    assert (minigrad.tensor(-2.0) ** 5).item() == -32.0


@pytest.mark.parametrize("exponent", [2, 3, -1, -2, 0.5, -0.5, 0, 1])
def test_gradients_match_pytorch(exponent):
    # NOTE: the slope's power, x ** (exponent - 1), is special for these but -2 and -0.5,
    # whose x ** -3 and x ** -1.5 are pow: an ulp apart, and one more for the products
    x = np.random.default_rng(2).random((7, 9)).astype(np.float32) + 0.25
    gy = np.random.default_rng(3).standard_normal(x.shape).astype(np.float32)
    grads = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        (t**exponent).backward(lib.tensor(gy))
        grads.append(t.grad.numpy())
    _assert_same(*grads, ulp=2 if exponent in (-2, -0.5) else 0)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, -2, 0.5, -0.5, 1.5, -3])
def test_first_and_second_derivatives(exponent):
    x = minigrad.tensor(
        np.random.default_rng(4).random((3, 4)) + 0.5, dtype=minigrad.float64, requires_grad=True
    )
    assert gradcheck(lambda t: t**exponent, (x,))
    if exponent != 0:  # x ** 0's gradient is zeros, a constant: no second derivative to take
        assert gradgradcheck(lambda t: t**exponent, (x,))
