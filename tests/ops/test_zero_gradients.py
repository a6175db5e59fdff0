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
