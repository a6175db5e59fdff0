"""Differential checks of tensor semantics against PyTorch, the way a PyTorch program run with
`import minigrad as torch` meets them: indexing and writes through it, reductions over 0-d
and empty tensors, shape ops at their edges, and the layout (strides, contiguity) a result
reports. Each case runs the same code under both libraries (`t` is the library) and compares
the outcome: values, dtype and shape, or the type of the exception raised.

Python scalars, in-place casts and creation dtypes are swept in tests/ops/test_dtype_semantics.py;
wrong calls' messages in tests/test_errors4.py. Property tests draw indices, dims and shapes
with hypothesis and compare each drawn call the same way.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_same_as_torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad

# -- indexing ---------------------------------------------------------------------------------
X3 = "x = t.arange(24).reshape(2, 3, 4)\n"
INDEXING = {
    # a short list holding a list, a tensor, a slice, None or ... is a tuple of indices
    # (PyTorch's legacy rule, with its warning); a list of numbers is one index tensor
    "nested list": X3 + "out = x[[[0, 1], [1, 0]]]",
    "list of one list": X3 + "out = x[[[0, 1]]]",
    "list of a list and an int": X3 + "out = x[[[0, 1], 1]]",
    "list with a slice": X3 + "out = x[[slice(None), 1]]",
    "list with None": X3 + "out = x[[None, 1]]",
    "list with ...": X3 + "out = x[[Ellipsis, 1]]",
    "list of tensors": X3 + "out = x[[t.tensor([0, 1]), t.tensor([1, 0])]]",
    "list of a 0-d tensor": X3 + "out = x[[t.tensor(1)]]",
    "list of an array": X3 + "out = x[[np.array([0, 1]), 2]]",
    "list of numbers": X3 + "out = x[[0, 1, 1]], x[[True, False]], x[[1, -1]]",
    "empty list": X3 + "out = x[[]], x[:, []], x[[], 1]",
    "set through a nested list": "x = t.zeros(2, 3)\nx[[[0, 1], [1, 2]]] = 5\nout = x",
    "set through an empty list": "x = t.zeros(2, 3)\nx[[]] = 5\nout = x",
    "integers between advanced indices": X3 + "out = x[[0, 1], :, [1, 2]], x[0, :, [1, 2]]",
    "advanced after a slice": X3 + "out = x[:, [0, 1], [1, 2]], x[:, 0, [1, 2]]",
    "broadcast index tensors": X3 + "out = x[t.tensor([[0], [1]]), :, t.tensor([1, 2, 3])]",
    "masks": X3 + "out = x[x > 20], x[:, t.tensor([True, False, True])], x[t.tensor(True)]",
    "byte mask": X3 + "out = x[t.tensor([1, 0], dtype=t.uint8)]",
    "int32 index": X3 + "out = x[t.tensor([1, 0], dtype=t.int32)]",
    "negative step": X3 + "out = x[::-1]",
    "index out of range": X3 + "out = x[2]",
    "tensor index out of range": X3 + "out = x[t.tensor([0, 2])]",
    "float index tensor": X3 + "out = x[t.tensor([0.0])]",
    "0-d tensor's index": "x = t.tensor(5)\nout = x[None], x[...], x[()], x[True]",
    # a copy made by an advanced index is a fresh row-major tensor, whatever the input's layout
    "advanced copies are contiguous": X3
    + "out = [y.is_contiguous() for y in (x[:, [0, 2]], x[1:, [0, 2], 1:], x[:, :, [0, 2]], "
    "x[x > 3], x[[0, 1], :, [1, 2]], x.transpose(0, 1)[:, [0, 1]], x[0, 1:, [0, 2]], "
    "x[0].t()[:, [1, 2]])]",
    "views write through": X3 + "v = x[:, 1]\nv += 100\nw = x[[0]]\nw += 100\nout = x",
    "setitem casts": "x = t.zeros(3, dtype=t.int64)\nx[0] = 2.7\nx[1:] = t.tensor([1.5, -3.5])\n"
    "out = x",
    "setitem broadcasts": "x = t.zeros(2, 3)\nx[:, None, 1] = t.tensor([[7.0], [8.0]])\n"
    "x[...] = x + t.tensor([1.0, 2.0, 3.0])\nout = x",
    "setitem of a wrong shape": "x = t.zeros(2, 3)\nx[0] = t.zeros(2)\nout = x",
    "mask setitem": "x = t.zeros(2, 3)\nx[x == 0] = t.arange(6.0)\nout = x",
    "a negative int wraps into uint8": "x = t.zeros(3, dtype=t.uint8)\nx[1] = -1\nx[2] = -255\n"
    "out = x, x.fill_(-2), x.masked_fill(x > 0, -3)",
    "an int uint8 cannot hold": "x = t.zeros(3, dtype=t.uint8)\nx[1] = 300\nout = x",
    "an int int8 cannot hold": "x = t.zeros(3, dtype=t.int8)\nx[1:] = -200\nout = x",
    "a complex number": "x = t.zeros(3)\nx[1] = 1 + 2j\nout = x",
    "index tensor, value of another dtype": "x = t.zeros(3)\n"
    "x[t.tensor([1])] = t.tensor([2], dtype=t.float64)\nout = x",
    "index list, 0-d value of another dtype": "x = t.zeros(3)\nx[[0, 1]] = t.tensor(2)\nout = x",
    "mask, one value of another dtype": "x = t.zeros(3, 2)\n"
    "x[:, t.tensor([True, False])] = t.tensor(2, dtype=t.float64)\n"
    "x[t.tensor([[True, False]] * 3)] = t.tensor([3.0], dtype=t.float64)\nout = x",
    "mask, values of another dtype": "x = t.zeros(3, 2)\n"
    "x[t.tensor([True, False, True])] = t.tensor([2, 3], dtype=t.float64)\nout = x",
    "slices, values of another dtype": "x = t.zeros(3, dtype=t.int64)\n"
    "x[0:2] = t.tensor([2.5, 3.5])\nx[t.tensor(2)] = t.tensor(7.9)\nout = x",
    "a value's leading 1s are dropped": "x = t.zeros(3, 2)\nx[1] = t.ones(1, 1, 2)\n"
    "x[2, 0] = t.tensor([5.0])\nx[[0]] = t.full((1, 1, 1, 2), 7.0)\nout = x",
    "a value with too many elements": "x = t.zeros(3)\nx[0] = t.ones(2, 1)\nout = x",
    "gradient through dropped 1s": "v = t.ones(1, 1, requires_grad=True)\ny = t.zeros(3, 2) * 1\n"
    "y[1, 1] = v * 3\n(y * t.arange(6.0).reshape(3, 2)).sum().backward()\nout = y, v.grad",
    "gradient with integers between index arrays": "v = t.arange(8.0).reshape(4, 2)\n"
    "v.requires_grad_()\ny = t.zeros(3, 4, 5) * 1\ny[1, :, [0, 3]] = v * 1\n"
    "(y * t.arange(60.0).reshape(3, 4, 5)).sum().backward()\nout = y, v.grad",
    # a Python bool is a 0-d index array, applied after the integers, as PyTorch does
    "bools with integers": X3
    + "out = x[0, :, False], x[0, :, True], x[t.tensor([0, 1]), True, 1], "
    "x[[0, 1], :, True], x[True, 1], x[False, True]",
    "set through bools with integers": "x = t.zeros(3, 4, 5)\nx[0, :, True] = t.ones(4, 1, 5)\n"
    "x[1, True, [0, 1]] = t.tensor([[[1.0], [2.0]]])\ny = t.zeros(5)\ny[0, True] = 7\nout = x, y",
    "a 0-d integer tensor is an integer": "x = t.arange(6.0).reshape(2, 3)\ny = x[t.tensor(1)]\n"
    "y[0] = 100\nz = x[t.tensor(0), :, False]\nout = x, z, x[t.tensor(1, dtype=t.int32), 1:]",
    "bools pick as index arrays, alone they unsqueeze": "x = t.zeros(3, 4)\nx[True] = t.tensor(3)\n"
    "x[False] = t.tensor(4)\nx[t.tensor([True, False, True])] = t.tensor(5)\nout = x",
    "a bool among other parts, value of another dtype": "x = t.zeros(3, 4)\n"
    "x[0, True] = t.tensor(3)\nout = x",
    "a 0-d mask, value of another dtype": "x = t.zeros(3, 4)\nx[t.tensor(True)] = t.tensor(3)\n"
    "out = x",
    "NumPy integers": "x = t.zeros(3, 4, 5)\nx[np.int64(1)] = 5\nx[0, np.int32(1)] = 3\n"
    "x[np.int64(2), :, [0, 1]] = t.ones(4, 2)\nout = x, x[np.int64(1), :, [0, 1]]",
    "index_put_ accumulates": "x = t.zeros(5)\n"
    "x.index_put_((t.tensor([0, 0, 2]),), t.tensor([1.0, 2.0, 3.0]), accumulate=True)\nout = x",
}


@pytest.mark.parametrize("name", list(INDEXING))
def test_indexing_as_pytorch(name):
    assert_same_as_torch(INDEXING[name])


def test_sequence_read_as_a_tuple_warns_at_the_callers_line():
    x = minigrad.arange(6).reshape(2, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x[[[0, 1], [1, 2]]]
    assert [w.filename for w in caught] == [__file__]
    assert "non-tuple sequence" in str(caught[0].message)


# -- reductions and dims of a 0-d tensor: dim 0 and -1 name its one element --------------------
ZERO_D = [
    "x.sum(0)",
    "x.sum((0,))",
    "x.sum(-1, keepdim=True)",
    "x.mean(0)",
    "x.prod(0)",
    "x.amax(0)",
    "x.amin(-1)",
    "x.std(0)",
    "x.var(0)",
    "x.logsumexp(0)",
    "x.norm(dim=0)",
    "x.all(0)",
    "x.any(0)",
    "x.count_nonzero(0)",
    "x.nansum(0)",
    "x.nanmean(0)",
    "x.max(0)",
    "x.argmax(0)",
    "x.cumsum(0)",
    "x.cumprod(-1)",
    "t.tensor(True).cumsum(0)",
    "t.tensor(3).cumprod(0)",
    "x.topk(1)",
    "x.softmax(0)",
    "x.log_softmax(-1)",
    "x.flip(0)",
    "x.movedim(0, -1)",
    "x.gather(0, t.tensor(0))",
    "x.index_select(0, t.tensor([0]))",
    "x.index_select(0, t.tensor([0, 0]))",
    "x.narrow(0, 0, 1)",
    "x.chunk(1, 0)",
    "x.split(1, 0)",
    "t.cat((x, x))",
    "x.sum(1)",
    "x.sort(1)",
    "x.argsort(-2)",
    "x.median(1)",
    "x.mode(-2)",
    "x.kthvalue(1, 1)",
    "x.quantile(0.5, 0)",
    "x.quantile(0.5, -1, keepdim=True)",
    "x.tensor_split(2)",
    "x.unflatten(0, (1, -1))",
    "x.flatten(1)",
    "x.logcumsumexp(1)",
]


@pytest.mark.parametrize("call", ZERO_D)
def test_dims_of_a_0d_tensor(call):
    assert_same_as_torch(f"x = t.tensor(5.0)\nout = {call}")


@pytest.mark.parametrize(
    "call",
    ["x.sum(0).backward()", "x.cumprod(0).backward()", "x.softmax(0).backward()", "x.topk(1)"],
)
def test_gradients_through_a_0d_tensor_dim(call):
    assert_same_as_torch(
        f"x = t.tensor(5.0, requires_grad=True)\nr = {call}\n"
        "out = x.grad if x.grad is not None else r"
    )


EMPTY = [
    "x.sum(0), x.mean(0), x.sum(1), x.mean(1), x.prod(0)",
    "x.amax(1)",
    "x.amax(0)",
    "x.max()",
    "x.max(1)",
    "x.max(0)",
    "x.logsumexp(0), x.logsumexp(1), x.logsumexp((0, 1))",
    "x.all(), x.any(), x.all(0), x.any(1)",
    "x.std(0)",
    "x.cumsum(0), x.cumsum(1)",
    "x.chunk(2), x.chunk(3, 1), x.t().chunk(2, 1)",
    "x.split(2)",
    "x.stride(), t.zeros(2, 0, 3).stride(), t.empty(0).stride(), t.zeros(3, 0).stride(-1)",
    "x.kthvalue(1, 0)",
    "x.softmax(0), x.log_softmax(1)",
]


@pytest.mark.parametrize("call", EMPTY)
def test_empty_tensors(call):
    assert_same_as_torch(f"x = t.zeros(0, 3)\nout = {call}")


OTHER = {
    "index_select with a 0-d index keeps the dim": "x = t.arange(12.0).reshape(3, 4)\n"
    "out = x.index_select(1, t.tensor(2)), x.index_select(-1, t.tensor([3, 0]))",
    "maximum of a number": "out = t.maximum(t.tensor([1, 2]), 1)",
    "minimum of a number first": "out = t.minimum(1.5, t.tensor([1.0]))",
    "fmax of a number": "out = t.fmax(t.tensor([1.0]), 2.0)",
    "method maximum of a number": "out = t.tensor([1]).maximum(2)",
    "argmax ties": "out = t.tensor([1, 3, 3, 2, 3]).argmax(), t.tensor([[1, 1], [1, 1]]).argmax(1)",
    "median of an even count": "out = t.tensor([1.0, 4, 2, 3]).median(), "
    "t.tensor([[1.0, 4, 2, 3], [3, 3, 1, 1]]).median(1)",
    "mode": "out = t.tensor([[2.0, 2, 1, 1, 3], [0, 5, 5, 0, 5]]).mode(1)",
    "var with correction": "x = t.arange(24.0).reshape(2, 3, 4)\n"
    "out = x.var((0, 2), correction=0), x.std(1, unbiased=False), x.std(correction=2)",
    "full of -1 in uint8 wraps": "out = t.full((2,), -1, dtype=t.uint8), "
    "t.full_like(t.zeros(2, dtype=t.uint8), -255), t.zeros(2, dtype=t.uint8).new_full((1,), -3)",
    "full of an int uint8 cannot hold": "out = t.full((2,), 300, dtype=t.uint8)",
    "full of a float into int64": "out = t.full((2,), -2.5, dtype=t.int64), "
    "t.full_like(t.zeros(2, dtype=t.int64), 2.7)",
    "view of a transposed tensor": "out = t.arange(6.0).reshape(2, 3).t().view(6)",
    "view that splits a dim of a transposed tensor": "x = t.arange(24.0).reshape(2, 3, 4)\n"
    "out = x.transpose(0, 1).view(3, 2, 2, 2)",
}


@pytest.mark.parametrize("name", list(OTHER))
def test_other_calls(name):
    assert_same_as_torch(OTHER[name])


# -- property tests ---------------------------------------------------------------------------
SHAPE = (3, 4, 5)


def _part(draw, size: int) -> tuple[str, bool]:
    """One part of an index for a dim of `size`, and whether it raises."""
    kind = draw(
        st.sampled_from(["int", "slice", "list", "tensor", "mask", "full", "0-d", "bool", "wild"])
    )
    # NOTE: positions valid in every dim: a bool takes no dim, so the parts after it shift
    if kind == "int":
        return repr(draw(st.integers(-3, 2))), False
    if kind == "0-d":
        return f"t.tensor({draw(st.integers(-3, 2))})", False
    if kind == "bool":
        return repr(draw(st.booleans())), False
    if kind == "wild":  # out of range, a negative step, a byte mask of the wrong length
        wild = [
            repr(size),
            repr(-size - 1),
            "slice(None, None, -1)",
            "t.tensor([1, 0], dtype=t.uint8)",
        ]
        return draw(st.sampled_from(wild)), True
    if kind == "slice":
        start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
        stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
        step = draw(st.one_of(st.none(), st.integers(1, 3)))
        return f"slice({start}, {stop}, {step})", False
    if kind in ("list", "tensor"):
        values = draw(st.lists(st.integers(-3, 2), min_size=1, max_size=3))
        dtype = draw(st.sampled_from(["t.int64", "t.int32"]))
        return (repr(values) if kind == "list" else f"t.tensor({values}, dtype={dtype})"), False
    if kind == "mask":
        values = draw(st.lists(st.booleans(), min_size=size, max_size=size))
        return f"t.tensor({values})", False
    return "slice(None)", False


@st.composite
def _indices(draw):
    """An index of up to three parts for a (3, 4, 5) tensor, with None and ... mixed in, and
    at most one part that raises: which of two errors comes first is not compared here (a
    value of another dtype, which raises where index arrays pick, is in INDEXING)."""
    drawn = [_part(draw, n) for n in SHAPE[: draw(st.integers(1, 3))]]
    raising = [k for k, (_, raises) in enumerate(drawn) if raises]
    parts = [p if k not in raising[1:] else "slice(None)" for k, (p, _) in enumerate(drawn)]
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), "None")
    if len(parts) < 3 and draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), "...")
    return "(" + ", ".join(parts) + ",)"


@settings(max_examples=150, deadline=None)
@given(
    index=_indices(),
    value=st.sampled_from(
        [
            "-1.0",
            "7",
            "True",
            "t.tensor(-2.0)",
            "t.tensor([[-4.0]])",
        ]
    ),
)
def test_getitem_and_setitem_match_pytorch(index, value):
    base = "x = t.arange(60.0).reshape(3, 4, 5)\n"
    assert_same_as_torch(base + f"out = x[{index}]")
    assert_same_as_torch(base + f"x[{index}] = {value}\nout = x")
    assert_same_as_torch(base + f"x[{index}] = -t.ones_like(x[{index}][:1])\nout = x")


@st.composite
def _dims(draw):
    dims = draw(st.lists(st.integers(-3, 2), min_size=0, max_size=3, unique=True))
    return tuple(d for k, d in enumerate(dims) if d % 3 not in [e % 3 for e in dims[:k]])


@settings(max_examples=60, deadline=None)
@given(
    dims=_dims(),
    keepdim=st.booleans(),
    op=st.sampled_from(["sum", "mean", "amax", "amin", "std", "var", "logsumexp", "nansum"]),
    empty=st.booleans(),
)
def test_reductions_over_dim_tuples(dims, keepdim, op, empty):
    shape = (2, 0, 4) if empty else (2, 3, 4)
    if op == "logsumexp" and not dims:
        dims = (0,)
    assert_same_as_torch(
        f"x = t.arange({int(np.prod(shape))}.0).reshape{shape}\n"
        f"out = x.{op}({dims}, keepdim={keepdim})"
    )


# what minigrad does differently on a 0-d tensor, and why: PyTorch's repeat_interleave with a
# dim refuses a 0-d tensor (it flattens it to 1-d and then checks the dim against 0 dims)
ZERO_D_DIFFERENT = {"x.repeat_interleave(2, {d})"}
# PyTorch's cummax and roll of an empty tensor return before they check the dim; minigrad
# checks it
EMPTY_DIFFERENT = {"x.cummax({d})", "x.roll(1, {d})"}


@settings(max_examples=60, deadline=None)
@given(
    call=st.sampled_from(
        [
            "x.squeeze({d})",
            "x.unsqueeze({d})",
            "x.flatten({d})",
            "x.movedim({d}, 0)",
            "x.chunk(3, {d})",
            "x.split([1, 1], {d})",
            "x.split(2, {d})",
            "x.narrow({d}, 1, 1)",
            "x.select({d}, -1)",
            "t.cat((x, x), {d})",
            "t.stack((x, x.int()), {d})",
            "x.repeat_interleave(2, {d})",
            "x.cumsum({d})",
            "x.argmax({d}, keepdim=True)",
            "x.median({d})",
            "x.sort({d})",
            "x.transpose({d}, -1).reshape(-1)",
            "x.transpose({d}, -1).view(-1)",
            "x.expand(2, -1, -1, -1)",
            "x.var({d}, correction=0)",
            "x.std({d}, keepdim=True)",
            "x.prod({d})",
            "x.amax({d})",
            "x.max({d})",
            "x.min({d}, True)",
            "x.all({d})",
            "x.count_nonzero({d})",
            "x.norm(dim={d})",
            "x.mode({d})",
            "x.kthvalue(1, {d})",
            "x.topk(1, {d})",
            "x.cummax({d})",
            "x.logcumsumexp({d})",
            "x.softmax({d})",
            "x.unbind({d})",
            "x.flip({d})",
            "x.roll(1, {d})",
            "x.diff(dim={d})",
            "x.nanmean({d})",
            "x.tensor_split(2, {d})",
            "x.unflatten({d}, (1, -1))",
        ]
    ),
    d=st.integers(-4, 3),
    shape=st.sampled_from([(1, 2, 3), (2, 1, 2), (0, 2, 1), (3, 2, 2), ()]),
)
def test_shape_ops_at_every_dim(call, d, shape):
    if shape == () and call in ZERO_D_DIFFERENT or 0 in shape and call in EMPTY_DIFFERENT:
        return
    assert_same_as_torch(
        f"x = t.arange({int(np.prod(shape))}.0).reshape({shape})\nout = {call.format(d=d)}"
    )


@pytest.mark.parametrize("op", ["stack", "cat"])
def test_joining_a_non_tensor_is_pytorchs_type_error(op):
    for lib in (torch, minigrad):
        with pytest.raises(TypeError, match="expected Tensor as element 1 in argument 0"):
            getattr(lib, op)([lib.ones(2), np.ones(2)])
