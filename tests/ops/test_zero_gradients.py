"""Ops whose gradient is zero everywhere (sign, round, floor, ceil, trunc) give exactly 0,
whatever the upstream gradient holds (inf, nan), as PyTorch: a product with 0 would give nan
there. (relu's backward is such a product, for speed: a known difference, tested in
tests/nn/test_pool_ceil_and_lp.py and told in docs/autograd.md.)"""

import numpy as np
import pytest
import torch

import minigrad

UPSTREAM = [np.inf, np.nan, -np.inf, 1.5]


@pytest.mark.parametrize("name", ["sign", "round", "floor", "ceil", "trunc"])
def test_a_zero_gradient_stays_zero_under_inf_and_nan(name):
    x = [1.25, 0.0, -2.5, 3.0]
    grads = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        getattr(lib, name)(t).backward(lib.tensor(UPSTREAM, dtype=lib.float64))
        grads.append(np.asarray(t.grad.tolist()))
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize(
    "fn",
    [
        pytest.param(lambda lib, x, e: x**0, id="x**0"),
        pytest.param(lambda lib, x, e: x**0.0, id="x**0.0"),
        pytest.param(lambda lib, x, e: x.pow(e), id="x.pow(tensor with 0s)"),
        pytest.param(lambda lib, x, e: lib.atan2(x, x * 0), id="atan2 at the origin"),
        pytest.param(lambda lib, x, e: lib.atan2(x * 0, x), id="atan2 at the origin (other)"),
    ],
)
def test_pow_by_zero_and_atan2_at_the_origin_give_pytorchs_gradients(fn):
    """d(x ** 0)/dx is 0 even at x == 0 (not 0 * 0 ** -1 = nan), and atan2's gradients at the
    origin are 0, as PyTorch's: polynomial features with a power 0 and polar angles of a grid
    holding the origin (tutorials8)."""
    x, e = [0.0, 2.0, -1.0, 0.0], [0.0, 2.0, 0.0, 1.0]
    grads = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        fn(lib, t, lib.tensor(e, dtype=lib.float64)).sum().backward()
        grads.append(np.asarray(t.grad.tolist()))
    np.testing.assert_array_equal(grads[0], grads[1])
