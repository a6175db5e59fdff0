"""FractionalMaxPool2d and F.fractional_max_pool2d against PyTorch: windows, picks (indices)
and gradients for drawn sizes, kernels, dtypes and random samples; the module's checks and
fresh windows per call. The op table (tests/ops/op_table.py, FRACTIONAL) runs gradcheck,
second derivatives and static replays on fixed rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.testing import assert_close


@st.composite
def _pooling(draw):
    h, w = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    kh, kw = draw(st.integers(1, min(h, 4))), draw(st.integers(1, min(w, 4)))
    oh, ow = draw(st.integers(0, h - kh + 1)), draw(st.integers(0, w - kw + 1))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    return (*batch, draw(st.integers(1, 3)), h, w), (kh, kw), (oh, ow)


@settings(max_examples=60, deadline=None)
@given(
    call=_pooling(),
    dtype=st.sampled_from(["float32", "float64"]),
    ties=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_matches_torch(call, dtype, ties, seed):
    shape, kernel, size = call
    rng = np.random.default_rng(seed)
    # ties: small integers, so windows hold equal maxima (the first one is picked)
    a = rng.integers(0, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    planes = (shape[0] if len(shape) == 4 else 1, shape[-3], 2)
    samples = rng.random(planes)
    results = []
    for lib in (minigrad, torch):
        dt = getattr(lib, dtype)
        x = lib.tensor(a, dtype=dt, requires_grad=True)
        y, index = lib.nn.functional.fractional_max_pool2d(
            x, kernel, size, return_indices=True, _random_samples=lib.tensor(samples, dtype=dt)
        )
        y.backward(lib.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)), dtype=dt))
        results.append((y, index, x.grad))
    (y, index, grad), (ty, tindex, tgrad) = results
    assert tuple(y.shape) == tuple(ty.shape) and y.dtype == getattr(minigrad, dtype)
    np.testing.assert_array_equal(index.numpy(), tindex.numpy())
    assert_close(y, ty, rtol=0, atol=0)
    assert_close(grad, tgrad, rtol=1e-6, atol=1e-6)


def test_module_draws_new_windows_each_call_and_follows_the_seed():
    x = minigrad.arange(2 * 3 * 20 * 20.0).reshape(2, 3, 20, 20)
    pool = minigrad.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5), return_indices=True)
    minigrad.manual_seed(0)
    first = pool(x)[1]
    second = pool(x)[1]
    assert first.shape == (2, 3, 10, 10)
    assert not minigrad.equal(first, second)
    minigrad.manual_seed(0)
    assert minigrad.equal(pool(x)[1], first)
    fixed = minigrad.nn.FractionalMaxPool2d(3, 10, _random_samples=minigrad.rand(2, 3, 2))
    assert minigrad.equal(fixed(x), fixed(x))
    assert "_random_samples" in dict(fixed.named_buffers())


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.nn.FractionalMaxPool2d(2),
        lambda t: t.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
        lambda t: t.nn.FractionalMaxPool2d(2, output_ratio=(0.5, 1.0)),
        lambda t: t.nn.functional.fractional_max_pool2d(t.ones(2, 3, 8, 8), 2),
        lambda t: t.nn.functional.fractional_max_pool2d(t.ones(2, 3, 7, 9), 2, output_size=7),
        lambda t: t.nn.functional.fractional_max_pool2d(t.ones(8), 2, output_size=3),
        lambda t: t.nn.functional.fractional_max_pool2d(t.ones(1, 2, 2, 8, 8), 2, output_size=3),
        lambda t: t.nn.functional.fractional_max_pool2d(
            t.ones(2, 3, 8, 8), 2, output_size=3, _random_samples=t.rand(2, 3, 2).double()
        ),
        lambda t: t.nn.functional.fractional_max_pool2d(
            t.ones(2, 3, 8, 8), 2, output_size=3, _random_samples=t.rand(1, 3, 2)
        ),
        lambda t: t.nn.functional.fractional_max_pool2d(
            t.ones(2, 3, 8, 8, dtype=t.int64), 2, output_size=3
        ),
    ],
)
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(minigrad)
    if isinstance(theirs.value, ValueError):
        assert str(ours.value) == str(theirs.value)
