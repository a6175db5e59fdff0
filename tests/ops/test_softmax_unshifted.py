"""softmax leaves out the shift by the row max while every row's max is within 16 of 0: its
values stay within PyTorch's tolerance (and closer to float64's than the shifted ones), and
rows of nan, infinities or large logits take the shift, giving PyTorch's nan and zeros."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck


def _softmax(lib, x, dim):
    return lib.tensor(x).softmax(dim).numpy()


def test_unshifted_softmax_is_within_4_ulp_of_float64():
    # NOTE: the shift rounds x - max x (to 0.5 ulp of |x - max x|, up to 2e-6 here), which
    # exp turns into a relative error: 19 ulp off; PyTorch's shifted kernel is 18 off
    x = np.random.default_rng(0).uniform(-16, 16, (256, 64)).astype(np.float32)
    x64 = x.astype(np.float64)
    want = np.exp(x64 - x64.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    np.testing.assert_array_max_ulp(_softmax(minigrad, x, 1), want.astype(np.float32), 4)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 5.0, 100.0])  # 100: rows past 16 take the shift
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_values_within_pytorch_tolerance(dim, scale, dtype):
    x = (np.random.default_rng(1).standard_normal((4, 33, 40)) * scale).astype(dtype)
    got, want = _softmax(minigrad, x, dim), _softmax(torch, x, dim)
    assert got.dtype == want.dtype
    torch.testing.assert_close(torch.from_numpy(got), torch.from_numpy(want))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_rows_of_nan_and_infinities_as_pytorch(dtype):
    inf, nan = np.inf, np.nan
    rows = [[-inf, -inf, -inf], [0.5, nan, 1.0], [inf, 0.0, 1.0], [-inf, 0.5, 1.0], [1, 2, 3]]
    for last in range(len(rows)):  # each special row alone with ordinary ones, and all
        x = np.array(rows[: last + 1] + [[0.1, 0.2, 0.3]], dtype)
        got, want = _softmax(minigrad, x, 1), _softmax(torch, x, 1)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(got == 0, want == 0)
        torch.testing.assert_close(torch.from_numpy(got), torch.from_numpy(want), equal_nan=True)


def test_masked_rows_give_exact_zeros_either_way():
    x = np.random.default_rng(2).standard_normal((8, 10)).astype(np.float32)
    x[:, ::3] = -np.inf
    for scale in (1.0, 50.0):
        y = _softmax(minigrad, x * scale, 1)
        assert (y[:, ::3] == 0).all() and not np.isnan(y).any()
        np.testing.assert_allclose(y.sum(1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 40.0])
def test_first_and_second_derivatives(scale):
    x = np.random.default_rng(3).standard_normal((3, 5)) * scale
    t = minigrad.tensor(x, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda u: u.softmax(1), (t,))
    assert gradgradcheck(lambda u: u.softmax(-1), (t,))
