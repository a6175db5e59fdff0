"""Names of PyTorch's API that short programs call and the op table does not reach: Tensor
methods (in-place forms, legacy constructors and fills, storage), compared with PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def _both(fn):
    return fn(minigrad), fn(torch)


def _raises_like_torch(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(minigrad)
    return str(ours.value), str(theirs.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.zeros(3, 4).fill_diagonal_(2),
        lambda t: t.zeros(7, 3).fill_diagonal_(2),
        lambda t: t.zeros(7, 3).fill_diagonal_(2, wrap=True),
        lambda t: t.zeros(3, 3, 3).fill_diagonal_(5),
        lambda t: t.arange(6.0).resize_(2, 2),
        lambda t: t.arange(6.0).resize_(2, 3, 1),
        lambda t: t.arange(6.0).resize_as_(t.ones(3, 2)),
        lambda t: t.arange(6.0).reshape(2, 3).transpose_(0, 1),
        lambda t: t.ones(2, 3, 4).swapaxes_(0, 2),
        lambda t: t.ones(2, 3, 4).swapdims_(1, 2),
        lambda t: t.arange(4.0).apply_(lambda v: v * v - 1),
        lambda t: t.arange(6).reshape(2, 3).map_(t.tensor([1, 2, 3]), lambda a, b: a * 10 + b),
        lambda t: t.ones(3).new(2, 3).zero_(),
        lambda t: t.ones(3, dtype=t.float64).new([1, 2]),
        lambda t: t.ones(3).new(),
        lambda t: t.ones(3, dtype=t.float64).float_power_(2.5),
        lambda t: t.ones(2, 3).addbmm_(t.ones(4, 2, 5), t.ones(4, 5, 3), beta=0.5, alpha=2),
        lambda t: t.arange(12.0).reshape(3, 4).narrow_copy(1, 1, 2),
        lambda t: t.tensor([1, 2, 0, 3]).nonzero_static(size=2),
        lambda t: t.tensor([[1, 2], [0, 3]]).nonzero_static(size=5, fill_value=7),
        lambda t: t.tensor([[-1.0, 2.0], [3.0, -4.0]]).prelu(t.tensor([0.25, 0.5])),
        lambda t: t.stack(t.arange(12.0).unsafe_chunk(3)),
        lambda t: t.arange(10.0).unsafe_split(4)[2],
    ],
)
def test_tensor_methods_match_pytorch(call):
    _same(*_both(call))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.zeros(3).fill_diagonal_(1),
        lambda t: t.zeros(3, 4, 5).fill_diagonal_(1),
        lambda t: t.ones(3).float_power_(2),
        lambda t: t.ones(3, requires_grad=True).resize_(2),
        lambda t: t.ones(3, requires_grad=True).apply_(abs),
        lambda t: t.ones(3).geometric_(1.0),
        lambda t: t.ones(3).cauchy_(0, 0),
        lambda t: t.ones(3, dtype=t.int64).cauchy_(),
        lambda t: t.ones(3).log_normal_(1, -1),
        lambda t: t.ones(3, dtype=t.int64).log_normal_(),
    ],
)
def test_tensor_methods_refuse_as_pytorch(call):
    _raises_like_torch(call)


def test_resize_keeps_the_memory_when_shrinking_and_zeros_new_elements():
    x = minigrad.arange(6.0)
    before = x.data_ptr()
    x.resize_(2, 2)
    assert x.data_ptr() == before and x.tolist() == [[0, 1], [2, 3]]
    x.resize_(3, 2)  # PyTorch leaves the new elements uninitialised; minigrad zeros them
    assert x.tolist() == [[0, 1], [2, 3], [0, 0]]


def test_fill_diagonal_is_recorded_on_a_non_leaf():
    for t in (minigrad, torch):
        x = t.ones(3, 3, requires_grad=True)
        y = x * 2
        y.fill_diagonal_(0)
        y.sum().backward()
        assert x.grad.tolist() == [[0, 2, 2], [2, 0, 2], [2, 2, 0]]


def test_inference_meta_output_nr_and_storage():
    x = minigrad.ones(2, 3)
    assert not x.is_inference() and not x.is_meta and x.output_nr == 0
    for t in (minigrad, torch):
        a, b = t.ones(2, requires_grad=True).mul(1).unbind()
        assert (a.output_nr, b.output_nr) == (0, 1)
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        s = x.storage()
    assert s.size() == len(s) == 6 and s.dtype is minigrad.float32 and s.element_size() == 4
    assert s.untyped() == x.untyped_storage() and s.data_ptr() == x.data_ptr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert x[1].storage() == s  # a view: the same storage


def test_pin_memory_without_a_gpu_raises_as_pytorch():
    if minigrad.cuda.is_available():
        pytest.skip("a GPU is here: pin_memory gives a copy")
    ours, theirs = _raises_like_torch(lambda t: t.ones(3).pin_memory())
    assert ours == theirs
    assert not minigrad.ones(3).is_pinned()


def test_random_fills_have_their_distributions():
    minigrad.manual_seed(0)
    n = 200_000
    c = minigrad.empty(n).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.05 and abs(np.percentile(c, 75) - 3.0) < 0.1
    ln = minigrad.empty(n, dtype=minigrad.float64).log_normal_(0.5, 0.25).numpy()
    assert ln.dtype == np.float64
    assert abs(np.log(ln).mean() - 0.5) < 0.01 and abs(np.log(ln).std() - 0.25) < 0.01
    g = minigrad.empty(n, dtype=minigrad.int64).geometric_(0.3).numpy()
    assert g.min() == 1 and abs(g.mean() - 1 / 0.3) < 0.05
    assert abs((g == 1).mean() - 0.3) < 0.01
