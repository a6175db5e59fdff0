"""stack as one op (Stack: one concatenate forward, unbind backward) against PyTorch over
drawn shapes, counts, dims and dtypes: values, dtype, a random upstream's gradient, the node."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(0, 3), max_size=3).map(tuple),
    count=st.integers(1, 4),
    where=st.floats(0, 1),
    dtypes=st.lists(st.sampled_from(["float32", "float64"]), min_size=4, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_stack_matches_torch(shape, count, where, dtypes, seed):
    rng = np.random.default_rng(seed)
    ndim = len(shape) + 1
    dim = int(where * (2 * ndim - 1)) - ndim  # any of -ndim .. ndim - 1
    arrays = [rng.standard_normal(shape).astype(dtypes[k]) for k in range(count)]
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, want = minigrad.stack(ours, dim), torch.stack(theirs, dim)
    assert y.shape == tuple(want.shape)
    assert str(y.dtype) == str(want.dtype).replace("torch", "minigrad")
    np.testing.assert_array_equal(y.detach().numpy(), want.detach().numpy())
    assert type(y.grad_fn).__name__ == "Stack" and y.grad_fn.name() == "StackBackward0"
    upstream = rng.standard_normal(y.shape)
    y.backward(minigrad.tensor(upstream, dtype=y.dtype))
    want.backward(torch.tensor(upstream, dtype=want.dtype))
    for x, t in zip(ours, theirs):
        assert x.grad.dtype == x.dtype and x.grad.shape == x.shape
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_stack_records_one_node_and_its_backward_one_unbind():
    a, b = (minigrad.randn(4, 5, requires_grad=True) for _ in range(2))
    y = minigrad.stack([a, b], 1)
    assert [type(f).__name__ for f, _ in y.grad_fn.next_functions] == ["AccumulateGrad"] * 2
    gy = minigrad.ones(4, 2, 5, requires_grad=True)
    ga, gb = minigrad.autograd.grad(y, (a, b), gy, create_graph=True)
    assert ga.grad_fn.name() == gb.grad_fn.name() == "UnbindBackward0"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda t: t.stack([]), RuntimeError, "non-empty"),
        (lambda t: t.stack([t.zeros(2), t.zeros(3)]), RuntimeError, "size"),
        (lambda t: t.stack([t.zeros(2)], 2), IndexError, "out of range"),
        (lambda t: t.stack([t.zeros(2), 1.0]), TypeError, "expected Tensor as element 1"),
    ],
)
def test_stack_errors_as_torch(call, error, message):
    for lib in (minigrad, torch):
        with pytest.raises(error, match=message):
            call(lib)
