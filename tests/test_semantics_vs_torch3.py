"""Differential checks against PyTorch, the third sweep: reductions with dim tuples, negative
dims and keepdim over 0-d and empty tensors, and the dtypes they return for integer and bool
inputs; creation functions; type promotion of Python scalars and 0-d tensors through
arithmetic, bitwise and comparison ops; clamp with tensor bounds; the type rules of in-place
ops; and torch.result_type, can_cast and promote_types. Each case runs the same code under
both libraries (`t` is the library) and compares values, dtype and shape, or the exception
type (helpers.assert_same_as_torch).
"""

from __future__ import annotations

import pytest
from helpers import assert_same_as_torch

import minigrad

# -- reductions over 0-d, empty and integer tensors ----------------------------------------
REDUCTIONS = [
    "x.sum((0, -1))",
    "x.sum((-1, 0), keepdim=True)",
    "x.sum(())",
    "x.mean((-2,), keepdim=True)",
    "x.prod(-1, keepdim=True)",
    "x.amax((0, 1))",
    "x.amin((), keepdim=True)",
    "x.amax(-3)",
    "x.max(-1)",
    "x.max(-1, keepdim=True)",
    "x.min(0, keepdim=True)",
    "x.max(dim=1)",
    "x.argmax()",
    "x.argmax(-1, keepdim=True)",
    "x.argmin(0)",
    "x.logsumexp((0, -1), keepdim=True)",
    "x.logsumexp((), keepdim=True)",
    "x.std(-1, correction=0)",
    "x.var((0, 1), correction=2, keepdim=True)",
    "x.var(correction=0)",
    "x.std(0, unbiased=True)",
    "x.nansum((0, -1))",
    "x.nanmean(-1, keepdim=True)",
    "x.all((0, 1))",
    "x.any(-1, keepdim=True)",
    "x.all()",
    "x.count_nonzero((0, -1))",
    "x.count_nonzero()",
    "x.cumsum(-1)",
    "x.cumprod(0)",
    "x.cummax(-1)",
    "x.cummin(0)",
    "x.diff()",
    "x.diff(dim=0)",
    "x.diff(n=2, dim=-1)",
    "x.diff(n=0)",
    "x.sum(dim=(0, 0))",
    "x.sum(2)",
    "x.mean(dtype=t.float64)",
    "x.sum(dtype=t.int32)",
    "x.sum(None, keepdim=True)",
    "x.nansum(dtype=t.float64)",
    "x.max()",
    "x.min(-1)[1]",
    "x.amax(-1, keepdim=True)",
    "x.cumsum(0, dtype=t.int32)",
    "x.cumprod(-1, dtype=t.int8)",
    "x.prod(dtype=t.int8), x.prod(0, dtype=t.bool)",
    "x.cumsum(0, dtype=t.bool)",
    "x.cumsum(-1, dtype=t.float16)",
    "x.count_nonzero(-1)",
    "x.any((), keepdim=True)",
    "x.std(correction=5)",
]
INPUTS = {
    "0-d float": "x = t.tensor(3.5)",
    "0-d int": "x = t.tensor(3)",
    "0-d bool": "x = t.tensor(True)",
    "empty float": "x = t.zeros(0, 3)",
    "empty int": "x = t.zeros(3, 0, dtype=t.int64)",
    "int": "x = t.tensor([[1, -2, 3], [4, 0, -6]])",
    "int32": "x = t.tensor([[1, -2, 3], [4, 0, -6]], dtype=t.int32)",
    "uint8": "x = t.tensor([[1, 2, 250], [4, 0, 6]], dtype=t.uint8)",
    "bool": "x = t.tensor([[True, False, True], [True, True, False]])",
    "float with nan": "x = t.tensor([[1.0, float('nan'), 3.0], [4.0, 5.0, -1.0]])",
}


@pytest.mark.parametrize("call", REDUCTIONS)
@pytest.mark.parametrize("x", list(INPUTS))
def test_reductions_as_pytorch(x, call):
    assert_same_as_torch(f"{INPUTS[x]}\nout = {call}")


FUNCTIONAL_REDUCTIONS = [
    "t.sum(x, (0, -1))",
    "t.max(x, -1)",
    "t.max(x)",
    "t.min(x, 0, True)",
    "t.std(x, 0, correction=0)",
    "t.var_mean(x, -1, correction=0)",
    "t.std_mean(x, keepdim=True)",
    "t.cumsum(x, 0, dtype=t.float64)",
    "t.cummax(x, 0)",
    "t.diff(x, prepend=t.zeros(2, 1), append=t.ones(2, 2))",
    "t.diff(x, dim=0, prepend=t.zeros(1, 3))",
    "t.logsumexp(x, -1)",
    "t.nanmean(x)",
    "t.aminmax(x)",
    "t.aminmax(x, dim=-1, keepdim=True)",
    "t.all(x, dim=(0, 1))",
    "t.prod(x, 1, dtype=t.float64)",
]


@pytest.mark.parametrize("call", FUNCTIONAL_REDUCTIONS)
@pytest.mark.parametrize("x", ["float with nan", "int", "empty float", "0-d float"])
def test_functional_reductions_as_pytorch(x, call):
    assert_same_as_torch(f"{INPUTS[x]}\nout = {call}")


# -- creation ------------------------------------------------------------------------------
CREATION = [
    "t.arange(0, 1, 0.1)",
    "t.arange(1, 2.5, 0.5)",
    "t.arange(10, 0, -3)",
    "t.arange(0.5)",
    "t.arange(0, 5, dtype=t.float64)",
    "t.arange(0, 1, 0.3, dtype=t.int64)",
    "t.arange(2, 2)",
    "t.arange(3, 1)",
    "t.arange(0, 1, 0)",
    "t.arange(t.tensor(2.0), 5)",
    "t.arange(True, 3)",
    "t.arange(-1.5, 1.5, 0.5, dtype=t.int32)",
    "t.arange(-1.5, 1.5, 0.5, dtype=t.uint8)",
    "t.arange(0.5, 3, 1.5, dtype=t.int64), t.arange(0.5, 3, 1.5, dtype=t.int16)",
    "t.arange(-0.5, 2.5, 1, dtype=t.int64), t.arange(-0.5, 2.5, 1, dtype=t.int32)",
    "t.arange(3, -0.5, -1.5, dtype=t.int64), t.arange(3, -0.5, -1.5, dtype=t.int8)",
    "t.arange(-2.5, dtype=t.int64)",
    "t.arange(0, 1, 0.0, dtype=t.int32)",
    "t.arange(2, dtype=t.bool)",
    "t.linspace(0, 10, 5)",
    "t.linspace(0, 1, 1)",
    "t.linspace(0, 1, 0)",
    "t.linspace(3, -3, 4, dtype=t.int64)",
    "t.linspace(0, 1, -1)",
    "t.linspace(t.tensor(0.0), t.tensor(2.0), 3)",
    "t.linspace(0, 1, 3, dtype=t.float64)",
    "t.logspace(0, 3, 4, base=2)",
    "t.logspace(0, 2, 3, dtype=t.int64)",
    "t.logspace(-1, 1, 3, base=10.0, dtype=t.float64)",
    "t.full((2, 2), 3)",
    "t.full((2,), True)",
    "t.full((2,), 1.5, dtype=t.int32)",
    "t.full((), 2.5)",
    "t.zeros_like(t.ones(2, dtype=t.int32))",
    "t.zeros_like(t.ones(2), dtype=t.int64)",
    "t.ones_like(t.ones(2, dtype=t.bool), dtype=t.float64)",
    "t.full_like(t.ones(2, dtype=t.int64), 2.9)",
    "t.full_like(t.ones(2), 7, dtype=t.int32)",
    "t.empty_like(t.ones(2, 3, dtype=t.int32)).shape, t.empty_like(t.ones(2, 3)).dtype",
    "t.empty_like(t.ones(2), dtype=t.float64).dtype",
    "t.eye(3)",
    "t.eye(2, 4)",
    "t.eye(0)",
    "t.eye(3, dtype=t.int64)",
    "t.eye(3, 0)",
    "t.eye(-1)",
    "t.tril(t.ones(3, 4), 1)",
    "t.tril(t.ones(3, 4), -1)",
    "t.triu(t.ones(3, 4), 2)",
    "t.triu(t.ones(3, 4), -5)",
    "t.tril(t.ones(2, 3, 3, dtype=t.int64), diagonal=0)",
    "t.triu(t.ones(4), 1)",
    "t.tril(t.ones(0, 3))",
    "t.ones(3, 3).tril_(1)",
    "t.ones(3, 3).triu(diagonal=-1)",
    "t.tril(t.tensor([[True, True], [True, True]]))",
    "t.zeros(2, 3, dtype=t.bool)",
    "t.ones((2, 0))",
    "t.zeros(-1)",
    "t.tensor([1, 2.5]), t.tensor([True, 1]), t.tensor([])",
    "t.tensor(2).logsumexp(()), t.zeros(0, 3).logsumexp(())",
    "t.eye(2.0)",
    "t.eye(2, dtype=t.bool)",
    "t.tril(t.ones(3, 3), 10), t.triu(t.ones(3, 3), -10), t.triu(t.ones(3, 3), 10)",
    "t.tril(t.ones(3, 3), diagonal=t.tensor(1))",
    "t.linspace(-5, 5, 4, dtype=t.int32), t.linspace(5, 0, 3, dtype=t.uint8)",
    "t.linspace(0, 1, 2.0)",
    "t.logspace(0, 1, 3, base=-2)",
    "t.logspace(2, 0, 3, base=0.5, dtype=t.float64)",
    "t.full((2,), 3, dtype=t.bool), t.full((2,), 0.0, dtype=t.bool)",
    "t.full((2, 3), t.tensor(1.5))",
    "t.full([2], 7).dtype, t.full([2], 7.0).dtype, t.full([2], False).dtype",
    "t.zeros_like(t.ones(2, 3), dtype=t.bool), t.ones_like(t.tensor(3))",
    "t.full_like(t.ones(2, dtype=t.uint8), 255), t.full_like(t.ones(2, dtype=t.bool), 2)",
    "t.arange(5)[t.arange(5) > 2].dtype, t.arange(5.0, dtype=t.float16)",
    "t.arange(1e20, 1e20 + 1)",
]


@pytest.mark.parametrize("call", CREATION)
def test_creation_as_pytorch(call):
    assert_same_as_torch(f"out = {call}")


# -- type promotion of Python scalars and 0-d tensors --------------------------------------
BINARY = [
    "t.add(a, b)",
    "t.mul(a, b)",
    "t.sub(a, b)",
    "t.div(a, b)",
    "t.div(a, b, rounding_mode='floor')",
    "t.div(a, b, rounding_mode='trunc')",
    "t.floor_divide(a, b)",
    "t.remainder(a, b)",
    "t.fmod(a, b)",
    "t.pow(a, b)",
    "t.bitwise_and(a, b)",
    "t.bitwise_or(a, b)",
    "t.bitwise_xor(a, b)",
    "t.bitwise_left_shift(a, b)",
    "t.bitwise_right_shift(a, b)",
    "t.eq(a, b)",
    "t.lt(a, b)",
    "t.ge(a, b)",
    "t.maximum(a, b) if isinstance(b, t.Tensor) else None",
    "a + b, b + a",
    "a * b, b * a",
    "a / b, b / a",
    "a // b, b // a",
    "a % b, b % a",
    "a ** b, b ** a",
    "a & b, b & a",
    "a | b, a ^ b",
    "a << b, a >> b",
    "a == b, b < a, a != b",
]
OPERANDS = {
    "int and float scalar": "a = t.tensor([5, -7, 0])\nb = 2.5",
    "int and int scalar": "a = t.tensor([5, -7, 0])\nb = -3",
    "int and bool scalar": "a = t.tensor([5, -7, 0])\nb = True",
    "int32 and int scalar": "a = t.tensor([5, -7, 0], dtype=t.int32)\nb = 2",
    "uint8 and negative int": "a = t.tensor([5, 7, 0], dtype=t.uint8)\nb = -2",
    "uint8 and 0-d int64": "a = t.tensor([5, 7, 0], dtype=t.uint8)\nb = t.tensor(3)",
    "int32 and 0-d float64": "a = t.tensor([5, -7, 0], dtype=t.int32)\nb = t.tensor(2.0, "
    "dtype=t.float64)",
    "float32 and 0-d float64": "a = t.tensor([1.5, -2.0])\nb = t.tensor(2.0, dtype=t.float64)",
    "float16 and float scalar": "a = t.tensor([1.5, -2.0], dtype=t.float16)\nb = 3.0",
    "float16 and 0-d int": "a = t.tensor([1.5, -2.0], dtype=t.float16)\nb = t.tensor(3)",
    "bool and bool": "a = t.tensor([True, False])\nb = t.tensor([True, True])",
    "bool and int scalar": "a = t.tensor([True, False])\nb = 3",
    "bool and float scalar": "a = t.tensor([True, False])\nb = 0.5",
    "0-d int and 0-d float": "a = t.tensor(7)\nb = t.tensor(2.0)",
    "int and 0-d bool": "a = t.tensor([4, -3])\nb = t.tensor(True)",
    "int and negative int exponent": "a = t.tensor([2, -1, 1])\nb = -2",
    "int and int with zero": "a = t.tensor([5, -7])\nb = t.tensor([0, 0])",
    "int8 and 0-d uint8": "a = t.tensor([5, -7], dtype=t.int8)\nb = t.tensor(200, dtype=t.uint8)",
    "0-d uint8 and 0-d int8": "a = t.tensor(200, dtype=t.uint8)\nb = t.tensor(-3, dtype=t.int8)",
    "int16 and a large int scalar": "a = t.tensor([5, -7], dtype=t.int16)\nb = 70000",
    "bool and 0-d float64": "a = t.tensor([True, False])\nb = t.tensor(0.5, dtype=t.float64)",
    "0-d bool and int8": "a = t.tensor(True)\nb = t.tensor([3, -4], dtype=t.int8)",
    "empty int and float scalar": "a = t.zeros(0, dtype=t.int32)\nb = 1.5",
    "float and zero": "a = t.tensor([5.0, -7.0, 0.0])\nb = 0",
}


@pytest.mark.parametrize("call", BINARY)
@pytest.mark.parametrize("operands", list(OPERANDS))
def test_promotion_as_pytorch(operands, call):
    assert_same_as_torch(f"{OPERANDS[operands]}\nout = {call}")


OTHER = {
    "pow of an int tensor to a negative int tensor": "out = t.tensor([2, 3]) ** t.tensor([-1, 2])",
    "pow of an int to a negative int tensor": "out = 2 ** t.tensor([-1, 2])",
    "pow of an int tensor to a float": "out = t.tensor([4, 9]) ** 0.5",
    "pow of a bool tensor": "out = t.tensor([True, False]) ** 2",
    "float pow of an int": "out = t.float_power(t.tensor([2, 3]), -1)",
    "div of ints is float": "out = t.tensor([7, -7]) / t.tensor([2, 2])",
    "true_divide": "out = t.true_divide(t.tensor([7]), 2)",
    "div with a bogus rounding mode": "out = t.div(t.tensor([7]), 2, rounding_mode='round')",
    "floor division of a bool": "out = t.tensor([True]) // t.tensor([True])",
    "remainder by a negative float": "out = t.remainder(t.tensor([5.0, -5.0]), -3.0)",
    "fmod of ints by zero": "out = t.fmod(t.tensor([5]), 0)",
    "remainder of ints by zero": "out = t.remainder(t.tensor([5]), t.tensor([0]))",
    "floor division of ints by zero": "out = t.tensor([5]) // 0",
    "bitwise of a float": "out = t.tensor([1.0]) & 1",
    "bitwise not": "out = ~t.tensor([1, -2]), ~t.tensor([True, False]), t.bitwise_not("
    "t.tensor([0], dtype=t.uint8))",
    "bitwise not of a float": "out = ~t.tensor([1.0])",
    "shift by a negative": "out = t.tensor([8]) >> -1",
    "scalar on the left of a comparison": "out = 1 < t.tensor([0, 2]), 1.5 == t.tensor([1.5])",
    "logical ops": "out = t.logical_and(t.tensor([1, 0]), t.tensor([2.0, 3.0])), "
    "t.logical_xor(t.tensor([1, 0]), 1)",
    "clamp with tensor bounds": "x = t.arange(6.0)\nout = t.clamp(x, t.tensor([1.0]), "
    "t.full((6,), 4.0))",
    "clamp int with tensor bounds": "x = t.arange(6)\nout = x.clamp(min=t.tensor(2), "
    "max=t.tensor([3, 3, 3, 3, 3, 3]))",
    "clamp int with a float tensor bound": "out = t.arange(6).clamp(t.tensor(2.5))",
    "clamp int with a float bound": "out = t.arange(6).clamp(2.5)",
    "clamp int with a float max": "out = t.arange(6).clamp(max=2.5)",
    "clamp with min above max": "out = t.arange(6.0).clamp(4, 2), t.arange(6.0).clamp("
    "t.tensor(4.0), t.tensor(2.0))",
    "clamp with only a tensor max": "out = t.arange(4.0).clamp(max=t.tensor([0.0, 1, 1, 9]))",
    "clamp with no bounds": "out = t.arange(3.0).clamp()",
    "clamp with a broadcasting bound": "out = t.zeros(2, 3).clamp(t.tensor([[1.0], [2.0]]))",
    "clamp with a bound that grows the shape": "out = t.zeros(3).clamp(t.ones(2, 3))",
    "clamp_ with tensor bounds": "x = t.arange(4.0)\nx.clamp_(t.tensor(1.0), t.tensor(2.0))\n"
    "out = x",
    "clamp_ of an int with a float tensor": "x = t.arange(4)\nx.clamp_(t.tensor(1.5))\nout = x",
    "clip with tensors": "out = t.clip(t.arange(4.0), t.tensor(1.0), t.tensor(2.0))",
    "clamp_min with a tensor": "out = t.arange(4.0).clamp_min(t.tensor(2.0))",
    "clamp of bool": "out = t.tensor([True, False]).clamp(0, 1)",
    "nan in clamp": "out = t.tensor([float('nan'), 1.0]).clamp(0, 0.5), t.tensor([1.0]).clamp("
    "float('nan'))",
    "where with two scalars": "out = t.where(t.tensor([True, False]), 1, 2.5), t.where("
    "t.tensor([True, False]), 1, 2)",
    "where of an int tensor and a float scalar": "out = t.where(t.tensor([True, False]), "
    "t.tensor([1, 2]), 0.5)",
    "where of a float16 tensor and a 0-d float64": "out = t.where(t.tensor([True, False]), "
    "t.tensor([1.0, 2.0], dtype=t.float16), t.tensor(0.5, dtype=t.float64))",
    "add with alpha of a float into ints": "out = t.add(t.tensor([1, 2]), t.tensor([1, 1]), "
    "alpha=0.5)",
    "add with an int alpha": "out = t.add(t.tensor([1, 2]), 3, alpha=2), t.sub(t.tensor([1.0])"
    ", 2, alpha=3)",
    "number first in add": "out = t.add(2, t.tensor([1]))",
    "number first in mul": "out = t.mul(2.5, t.tensor([1]))",
    "rsub of a number": "out = 3 - t.tensor([1, 2]), 3.5 - t.tensor([1, 2])",
    "max of two tensors": "out = t.max(t.tensor([1, 5]), t.tensor([3.0, 2.0])), t.min("
    "t.tensor([1, 5]), t.tensor([3, 2], dtype=t.int32))",
    "max of a tensor and a number": "out = t.max(t.tensor([1, 5]), 3)",
    "max with dim and a tensor": "out = t.tensor([[1, 5], [6, 0]]).max(t.tensor(1))",
    "int floor division by a negative float": "out = t.tensor([7, -7]) // -2.0",
    "int remainder by a float": "out = t.tensor([7, -7]) % 2.5, t.fmod(t.tensor([7, -7]), 2.5)",
    "int pow of a 0-d negative int": "out = t.tensor([2, 3]) ** t.tensor(-1)",
    "0-d int pow of a negative int": "out = t.tensor(2) ** -1",
    "uint8 to a power past its range": "out = t.tensor([2], dtype=t.uint8) ** 300",
    "uint8 to a power inside its range": "out = t.tensor([2], dtype=t.uint8) ** 255",
    "maximum of int8 and a 0-d uint8": "out = t.maximum(t.tensor([5, -7], dtype=t.int8), "
    "t.tensor(200, dtype=t.uint8)), t.minimum(t.tensor([5, -7], dtype=t.int8), t.tensor(200, "
    "dtype=t.uint8))",
    "out of a float result into ints": "out = t.add(t.tensor([1, 2]), 0.5, out=t.empty(2, "
    "dtype=t.int64))",
    "out of an int result into floats": "o = t.empty(2)\nt.add(t.tensor([1, 2]), 1, out=o)\n"
    "out = o",
    "out of a comparison into floats": "o = t.empty(2)\nt.eq(t.tensor([1, 2]), 1, out=o)\nout = o",
    "out of a sum into float64": "o = t.empty(3, dtype=t.float64)\nt.sum(t.ones(2, 3), 0, "
    "out=o)\nout = o",
    "out of a sum into ints": "out = t.sum(t.ones(2, 3), 0, out=t.empty(3, dtype=t.int64))",
    "out of the wrong shape is resized": "o = t.empty(0)\nt.mul(t.ones(2, 2), 2, out=o)\nout = o",
    "out of a floor division into ints": "o = t.empty(2, dtype=t.int64)\nt.div(t.tensor([7, -7]"
    "), 2, rounding_mode='floor', out=o)\nout = o",
    "uint8 compared with a number past its range": "out = t.tensor([1, 255], dtype=t.uint8) == "
    "257, t.tensor([1], dtype=t.uint8) < 300, t.tensor([1], dtype=t.int8) > -129",
    "int compared with a float that rounds": "out = t.tensor([3]) == 3.0000001, t.tensor([3]) "
    "< 3.5, t.tensor([True]) >= 1.0000001, 3.0000001 != t.tensor(3), t.tensor([3]).ge(3.0000001)",
    "0-d float compared with a float that rounds": "out = t.tensor(3.0) == 3.0000001, "
    "3.0000001 > t.tensor(3.0, dtype=t.float16), t.tensor(3.0, dtype=t.float64) == 3.0000001, "
    "t.tensor(3.0) < 1e40",
    "comparisons into out": "o = t.empty(2, dtype=t.int32)\nt.lt(t.tensor([1.0, 3.0]), 2, out=o)"
    "\nt.ne(t.tensor([1, 2]), 1, out=t.empty(2, dtype=t.bool))\nout = o",
    "zero to a negative int power": "out = t.tensor([0, 1]) ** -1",
    "float pow of ints": "out = t.pow(2.5, t.tensor([1, 2])), t.pow(2, t.tensor([1.0, 2.0]))",
    "div of a uint8 by a negative int": "out = t.tensor([200], dtype=t.uint8) / -2, "
    "t.tensor([200], dtype=t.uint8) // -2",
    "bool arithmetic": "out = t.tensor([True]) + t.tensor([True]), t.tensor([True]) * True",
    "bool subtraction": "out = t.tensor([True]) - t.tensor([True])",
    "bool negation": "out = -t.tensor([True])",
    "comparison of uint8 with a negative int": "out = t.tensor([0, 200], dtype=t.uint8) > -1",
    "comparison of an int with a large float": "out = t.tensor([2**62]) < 2.0**62 + 1",
    "var with a float correction": "out = t.arange(6.0).var(correction=1.5), t.arange(6.0).std("
    "0, correction=0.5)",
    "var with a correction past the count": "out = t.arange(3.0).var(correction=3), t.arange("
    "3.0).std(correction=5)",
    "var with unbiased and correction both": "out = t.arange(3.0).var(unbiased=True, correction=1)",
    "reduction dims as a list": "x = t.arange(24.0).reshape(2, 3, 4)\nout = x.sum([0, -1]), "
    "x.mean([1]), x.amax([-1, 0], keepdim=True), x.std([0, 2])",
    "a repeated dim": "out = t.ones(2, 3).sum((0, -2))",
    "a repeated dim in amax": "out = t.ones(2, 3).amax((1, -1))",
    "nanmean of all nan": "out = t.tensor([float('nan')] * 3).nanmean(), t.tensor([[float('nan'"
    ")], [1.0]]).nanmean(1)",
    "nansum of an int": "out = t.tensor([1, 2]).nansum(), t.tensor([True]).nansum()",
    "diff longer than the dim": "out = t.arange(3.0).diff(n=5), t.arange(3.0).diff(n=3)",
    "diff of bools": "out = t.tensor([True, False, False, True]).diff()",
    "diff of uint8": "out = t.tensor([1, 5, 2], dtype=t.uint8).diff()",
    "diff with a 0-d prepend": "out = t.arange(3.0).diff(prepend=t.tensor(1.0))",
    "diff with a mixed dtype prepend": "out = t.arange(3).diff(prepend=t.tensor([0.5]))",
    "cummax of bools and ties": "out = t.tensor([False, True, True, False]).cummax(0), "
    "t.tensor([2, 1, 2, 2]).cummin(0)",
    "cummax with nan": "out = t.tensor([1.0, float('nan'), 3.0]).cummax(0)",
    "count_nonzero with nan": "out = t.tensor([0.0, float('nan'), -0.0]).count_nonzero()",
    "argmax of an empty tensor": "out = t.zeros(0).argmax()",
    "argmax over the non-empty dim of an empty tensor": "out = t.zeros(0, 3).argmax(1)",
    "max with dim of bools": "out = t.tensor([[True, False], [False, False]]).max(1)",
    "max with dim and nan": "out = t.tensor([[1.0, float('nan'), 3.0]]).max(1), t.tensor([[1.0,"
    " float('nan')]]).argmin(1)",
    "prod of an empty int tensor": "out = t.zeros(0, dtype=t.int32).prod(), t.zeros(2, 0).prod(1)",
    "all and any of floats": "out = t.tensor([0.5, float('nan')]).all(), t.tensor([0.0, -0.0])"
    ".any()",
    "logsumexp of -inf": "out = t.tensor([float('-inf'), float('-inf')]).logsumexp(0), t.tensor("
    "[float('inf'), 1.0]).logsumexp(0)",
    "std_mean and var_mean with correction": "x = t.arange(6.0).reshape(2, 3)\nout = "
    "t.std_mean(x, 1, correction=0), t.var_mean(x, (0, 1), keepdim=True)",
    "sum of an int into float": "out = t.tensor([1, 2]).sum(dtype=t.float16), t.tensor([True, "
    "True]).sum(dtype=t.uint8)",
    "mean of an int with a float dtype": "out = t.tensor([1, 2]).mean(dtype=t.float64), t.mean("
    "t.tensor([1, 2]), 0, dtype=t.float32)",
}


@pytest.mark.parametrize("name", list(OTHER))
def test_other_calls_as_pytorch(name):
    assert_same_as_torch(OTHER[name])


# -- in-place type rules -------------------------------------------------------------------
INPLACE = [
    "x += 1.5",
    "x += t.tensor(1.5)",
    "x += t.tensor([1.5, 2.5])",
    "x *= 2",
    "x *= t.tensor(2, dtype=t.int64)",
    "x /= 2",
    "x //= 2",
    "x %= 2",
    "x **= 2",
    "x -= True",
    "x &= 1",
    "x |= t.tensor([True, False])",
    "x <<= 1",
    "x.add_(1.5)",
    "x.add_(t.tensor([1, 2]), alpha=2)",
    "x.mul_(0.5)",
    "x.div_(2)",
    "x.div_(2, rounding_mode='floor')",
    "x.sub_(t.tensor(1.0, dtype=t.float64))",
    "x.pow_(2.0)",
    "x.remainder_(2)",
    "x.fmod_(2.5)",
    "x.floor_divide_(2)",
    "x.clamp_(0.5, 1.5)",
    "x.copy_(t.tensor([1.7, -2.7]))",
    "x.lerp_(t.ones(2), 0.5)",
    "x.bitwise_and_(t.tensor([1, 1]))",
    "x.logical_not_()",
    "x.neg_()",
    "x.abs_()",
    "x.sqrt_()",
    "x.zero_()",
    "x.fill_(2.5)",
    "x += t.zeros(2, 2)",
    "x += t.tensor(1, dtype=t.int32)",
    "x.add_(True)",
    "x.mul_(t.tensor([True, False]))",
    "x.sub_(1, alpha=1.5)",
    "x.addcmul_(t.ones(2), t.ones(2), value=0.5)",
    "x.masked_fill_(t.tensor([True, False]), 1.5)",
    "x.where(t.tensor([True, False]), 1.5)",
    "x.copy_(t.tensor(2.5))",
    "x.t_()",
]
INPLACE_TARGETS = {
    "int64": "x = t.tensor([3, 4])",
    "uint8": "x = t.tensor([3, 4], dtype=t.uint8)",
    "bool": "x = t.tensor([True, False])",
    "float32": "x = t.tensor([3.0, 4.0])",
    "float16": "x = t.tensor([3.0, 4.0], dtype=t.float16)",
    "int32": "x = t.tensor([3, -4], dtype=t.int32)",
    "0-d int64": "x = t.tensor(3)",
}


@pytest.mark.parametrize("op", INPLACE)
@pytest.mark.parametrize("x", list(INPLACE_TARGETS))
def test_inplace_type_rules_as_pytorch(x, op):
    assert_same_as_torch(f"{INPLACE_TARGETS[x]}\n{op}\nout = x")


# -- result_type, can_cast, promote_types --------------------------------------------------
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("a", DTYPES)
def test_promote_types_and_can_cast_as_pytorch(a):
    for b in DTYPES:
        assert_same_as_torch(f"out = t.promote_types(t.{a}, t.{b}), t.can_cast(t.{a}, t.{b})")


RESULT_TYPE = [
    "t.result_type(t.tensor([1]), 1.5)",
    "t.result_type(t.tensor([1], dtype=t.uint8), -1)",
    "t.result_type(t.tensor([1], dtype=t.int8), t.tensor(1000))",
    "t.result_type(t.tensor([1.0], dtype=t.float16), t.tensor(1.0, dtype=t.float64))",
    "t.result_type(t.tensor(1), t.tensor(1.0))",
    "t.result_type(t.tensor([True]), True)",
    "t.result_type(t.tensor([True]), 2)",
    "t.result_type(2, 3.0)",
    "t.result_type(2, True)",
    "t.result_type(t.tensor(1, dtype=t.int32), t.tensor(1, dtype=t.uint8))",
    "t.result_type(t.tensor([1], dtype=t.int32), t.tensor(1, dtype=t.int64))",
    "t.result_type(t.tensor([1], dtype=t.int32), t.tensor(1.0, dtype=t.float64))",
    "t.result_type(1.0, t.tensor([1], dtype=t.int16))",
    "t.result_type('a', 1)",
    "t.result_type(t.tensor([1]), None)",
    "t.can_cast(t.int64, t.bool)",
    "t.can_cast(t.bool, t.uint8)",
    "t.can_cast(1, t.int64)",
    "t.promote_types(t.float32, 'float64')",
]


@pytest.mark.parametrize("call", RESULT_TYPE)
def test_result_type_as_pytorch(call):
    assert_same_as_torch(f"out = {call}")


@pytest.mark.parametrize("operand", [1j, "a", None])
def test_result_type_of_a_non_real_operand_raises_naming_the_op(operand):
    # minigrad has no complex dtypes: a complex scalar raises rather than promote as a float
    with pytest.raises(TypeError, match=r"result_type\(\): expected a Tensor or a Python number"):
        minigrad.result_type(minigrad.tensor([1.0]), operand)
