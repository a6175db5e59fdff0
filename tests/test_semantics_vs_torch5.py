"""Differential checks against PyTorch, the fifth round: the differences the fourth sweep
(test_semantics_vs_torch4.py) left open. topk(0) and .mT of a 0-d tensor, repeat_interleave
of a 0-d tensor along a dim, view(dtype) of a tensor that does not start on a whole wider
element, tensor() from ragged lists, huge ints, strings and float tensors with an integer
dtype=, sum(out=) without a dim and linspace(out=) of a bool tensor. Each case runs the same
code under both libraries (`t` is the library) and compares values, dtype and shape, or the
exception type (helpers.assert_same_as_torch).
"""

from __future__ import annotations

import warnings

import pytest
from helpers import assert_same_as_torch

import minigrad

# -- 0-d tensors: topk, .mT and its kin, repeat_interleave with a dim -----------------------
ZERO_D_CALLS = [
    *("x.topk(0)", "x.topk(0, largest=False)", "x.topk(1)", "x.topk(2)", "x.topk(0, 0)"),
    *("x.mT", "x.mH", "x.H", "x.adjoint()", "x.T", "x.mT.shape"),
    *("x.repeat_interleave(2, 0)", "x.repeat_interleave(2, -1)", "x.repeat_interleave(0, 0)"),
    *("x.repeat_interleave(t.tensor([2]), 0)", "x.repeat_interleave(1, 0)"),
    *("t.repeat_interleave(x, 2, dim=0)", "x.repeat_interleave(2)", "x.repeat_interleave(2, 1)"),
]


@pytest.mark.parametrize("call", ZERO_D_CALLS)
def test_0d_tensor_as_pytorch(call):
    assert_same_as_torch(f"x = t.tensor(3.0)\nout = {call}")


@pytest.mark.parametrize("call", ["x.mT", "x.mH", "x.adjoint()"])
def test_matrix_transpose_of_a_vector_is_refused(call):
    assert_same_as_torch(f"x = t.tensor([3.0])\nout = {call}")


def test_0d_matrix_transpose_is_the_tensor_itself_with_a_warning():
    x = minigrad.tensor(3.0, requires_grad=True)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert x.mT is x and x.mH is x and x.H is x and x.adjoint() is x


def test_repeat_interleave_of_0d_along_a_dim_says_what_to_do():
    with pytest.raises(IndexError, match="0-d tensor has no dim 0.*leave dim out"):
        minigrad.tensor(3.0).repeat_interleave(2, 0)


# -- view(dtype) to a wider dtype: the start and every stride hold whole elements ----------
VIEW_INPUTS = [
    *("x = t.arange(12.0).reshape(3, 4)[:, 1:3]", "x = t.arange(12.0)[1:11]"),
    *("x = t.arange(12.0).reshape(3, 4)[1:, 1:3]", "x = t.arange(15.0).reshape(5, 3)[:, :2]"),
    *("x = t.arange(30.0).reshape(5, 3, 2)[:, :2]", "x = t.arange(12.0).reshape(3, 4)[:, 2:]"),
    *("x = t.arange(12.0).reshape(3, 4)[::2]", "x = t.arange(12.0).reshape(3, 4).t()"),
    "x = t.arange(12.0).reshape(3, 1, 4).expand(3, 2, 4)",
]
VIEW_CALLS = [
    *("x.view(t.float64)", "x.view(t.int64)", "x.view(t.float64).stride()", "x.view(t.int32)"),
    *("x.view(t.float16)", "x.view(t.int8).shape", "x.view(t.uint8).stride()"),
]


@pytest.mark.parametrize("setup", VIEW_INPUTS)
@pytest.mark.parametrize("call", VIEW_CALLS)
def test_view_dtype_of_strided_tensors_as_pytorch(setup, call):
    assert_same_as_torch(f"{setup}\nout = {call}")


def test_view_dtype_names_what_does_not_divide():
    x = minigrad.arange(15.0).reshape(5, 3)[:, :2]
    with pytest.raises(RuntimeError, match=r"self.stride\(0\) must be divisible by 2 .* got 3"):
        x.view(minigrad.float64)
    with pytest.raises(RuntimeError, match=r"storage_offset\(\) must be divisible by 2 .* got 1"):
        minigrad.arange(12.0)[1:11].view(minigrad.float64)


# -- tensor() from data: ragged lists, strings, ints past int64, tensors in lists ----------
TENSOR_DATA = [
    *("[1, [2]]", "[[1], 2]", "[np.array([1.5]), 2]", "[[1], [[2]]]", "[1.5, [2]]"),
    *("[[[1]], [2]]", "[(1,), 2]", "[True, [False]]", "[[1, 2], [3]]", "[[1], []]"),
    *("[np.array([1, 2]), [3]]", "['a', 'b']", "['a']", "[['a']]", "['ab', [1]]", "[1, 'a']"),
    *("[2**64]", "2**64", "[-2**63 - 1]", "[[2**64]]", "[1, 2**70]", "[True, 2**64]"),
    *("[1.5, 2**64]", "[2**64, 1.5]", "-2**63 - 1", "[2**63]", "[None]"),
    *("[t.tensor(1.5)]", "[[t.tensor(1.5)]]", "[[t.tensor([1.5])]]", "[t.tensor([1.5, 2.5])]"),
    *("[[1], [t.tensor(2.5)]]", "[[t.tensor([2])]]", "[t.tensor(True)]", "(t.tensor(1.5),)"),
    *("[t.tensor(1.5, dtype=t.float64)]", "[t.tensor([1.5]), t.tensor([2.5])]"),
]


@pytest.mark.parametrize("data", TENSOR_DATA)
@pytest.mark.parametrize("dtype", ["", ", dtype=t.float32", ", dtype=t.int64", ", dtype=t.uint8"])
def test_tensor_from_data_as_pytorch(data, dtype):
    assert_same_as_torch(f"out = t.tensor({data}{dtype})")


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        ([1, [2]], TypeError, r"a list \[2\] where a number is expected .*shape \(2,\)"),
        ([[1], 2], TypeError, r"not a sequence: 2 at dim 1, where a list of length 1"),
        ([[1, 2], [3]], ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
        (["a", "b"], ValueError, r"too many dimensions 'str'"),
        ([2**64], ValueError, r"Overflow when unpacking long long \(an int past int64\)"),
    ],
)
def test_tensor_from_data_errors_say_where(data, error, words):
    with pytest.raises(error, match=words):
        minigrad.tensor(data)


def test_a_float_tensor_in_a_list_for_an_integer_dtype_names_its_dtype_and_shape():
    with pytest.raises(TypeError, match=r"float32 tensor of shape \(\) in data for dtype="):
        minigrad.tensor([[minigrad.tensor(1.5)]], dtype=minigrad.int64)


# -- sum(out=) needs a dim; linspace and logspace have no bool kernel ----------------------
OUT_CALLS = [
    *("t.sum(x, out=o)", "t.sum(x, dtype=t.float64, out=o)", "t.sum(x, keepdim=True, out=o)"),
    *("t.sum(x, 0, out=o)", "t.sum(x, dim=None, out=o)", "t.sum(x, (), out=o)", "t.sum(x)"),
    *("t.linspace(0, 1, 5, out=t.empty(5, dtype=t.bool))", "t.linspace(0, 1, 5, dtype=t.bool)"),
    *("t.linspace(0, 1, 1, dtype=t.bool)", "t.linspace(0, 1, 0, out=t.empty(0, dtype=t.bool))"),
    *("t.logspace(0, 1, 5, out=t.empty(5, dtype=t.bool))", "t.logspace(0, 1, 1, dtype=t.bool)"),
    *("t.linspace(0, 4, 5, out=t.empty(5, dtype=t.int32))", "t.logspace(0, 1, 2, dtype=t.bool)"),
]


@pytest.mark.parametrize("call", OUT_CALLS)
def test_out_and_dtype_of_sum_and_spaced_values_as_pytorch(call):
    assert_same_as_torch(f"x = t.arange(6.0); o = t.empty(())\nout = {call}")


def test_sum_out_without_dim_says_to_pass_one():
    with pytest.raises(TypeError, match=r"out= needs a dim .*dim=None .*shape \(6,\)"):
        minigrad.sum(minigrad.arange(6.0), out=minigrad.empty(()))
