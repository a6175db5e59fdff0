"""Selection, copies and casts: where, clamp, maximum and minimum, masked_fill, clone,
copy (`copy_`), cast. Each picks or copies values; the gradient goes where the value came from.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function, check_same_device, listed_edge
from minigrad.ops._util import (
    array_of,
    as_fill,
    broadcast_error,
    cast_to,
    common_arrays,
    number_arg,
    quiet,
    require_tensors,
    result_dtype,
    shape_of,
    tensor_arg,
    write_out,
)
from minigrad.ops.indexing import nonzero
from minigrad.ops.nograd import NoGrad, isnan
from minigrad.ops.shape import _grad_for, _named, sum_to
from minigrad.tensor import Tensor


class Where(Function):
    """y = a where cond else b; the gradient flows to the side that was chosen."""

    op_name = "where"
    index_operands = (0,)  # the condition

    @property
    def next_functions(self) -> tuple:
        # NOTE: PyTorch makes a number operand a tensor in its place: where(c, 0.0, x) lists
        # (None, 0) first, where a product's number comes last (see Function.next_functions)
        return tuple(listed_edge(e) for e in self._edges[1:])

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond.array
        ctx.shapes = (shape_of(a), shape_of(b))
        xp = cond.device.xp
        try:
            y = xp.where(ctx.cond, array_of(a), array_of(b))
        except ValueError:
            raise broadcast_error("where", a, b) from None
        return cast_to(y, result_dtype(a, b))

    @staticmethod
    def backward(ctx, gy):
        cond = Tensor._make(ctx.cond)
        sa, sb = ctx.shapes
        ga = sum_to(where(cond, gy, 0.0), sa) if ctx.needs_input_grad[1] else None
        gb = sum_to(where(cond, 0.0, gy), sb) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def where(condition, input=None, other=None):
    if not isinstance(condition, Tensor):  # PyTorch's where takes no number or list for it
        raise TypeError(
            f"where(): argument 'condition' (position 1) must be Tensor, not "
            f"{type(condition).__name__} (a bool tensor: compare first, x > 0)"
        )
    if input is None and other is None:  # where(cond) is nonzero(cond, as_tuple=True)
        return nonzero(condition, as_tuple=True)
    cond = condition
    if cond.array.dtype == np.uint8:  # PyTorch's old byte masks
        cond = Cast.apply(cond, dtypes.bool_)
    elif cond.array.dtype != np.bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{dtypes.legacy_name(cond.dtype)[: -len('Tensor')]} (compare it first: x > 0)"
        )
    return Where.apply(cond, tensor_arg(input, cond), tensor_arg(other, cond))


class Clamp(Function):
    """y = min(max(x, lo), hi); dy/dx = 1 where lo <= x <= hi (bounds included, as PyTorch)."""

    op_name = "clamp"

    def name(self):
        return "ClampBackward1"  # number bounds (tensor bounds are where ops)

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        # NOTE: x is saved, as PyTorch does (changing it in place breaks backward there too),
        # and backward finds where it was kept (with ops, which a static graph replays), so
        # inference does not pay for the mask
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        array = x.array
        bounds = [b for b in (lo, hi) if b is not None]
        dtype = dtypes.result_type(array, *bounds).np
        # PyTorch's RuntimeError for a bound the result's dtype cannot hold; -1 wraps into a
        # uint8 bound of 255, as there. NOTE: a float result's bound within float16's range
        # fits it: checked only past that (the check is +19% on a (64, 128) clamp)
        if (
            dtype.kind != "f"
            or (lo is not None and not -65504.0 <= lo <= 65504.0)
            or (hi is not None and not -65504.0 <= hi <= 65504.0)
        ):
            lo, hi = (None if b is None else as_fill(b, dtype) for b in (lo, hi))
        if array.dtype.kind == "f":
            # clip with both bounds is one vectorised kernel; with one left out NumPy runs
            # maximum or minimum instead, about 3x slower on large arrays
            lo, hi = -math.inf if lo is None else lo, math.inf if hi is None else hi
        y = x.device.xp.clip(array, lo, hi)
        return cast_to(y, dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        if hi is None:
            keep = x >= lo
        else:
            keep = x <= hi if lo is None else (x >= lo) & (x <= hi)
        return gy * keep, None, None


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if min is not None and max is not None and isinstance(min, Tensor) != isinstance(max, Tensor):
        # a number with a tensor: PyTorch's overload of number bounds, which takes a 0-d
        # tensor as its number (clamp(x, 0, t.tensor(2.5)) of int64 x is float32, not float64)
        min, max = number_arg("clamp", "min", min), number_arg("clamp", "max", max)
    tensor_bounds = isinstance(min, Tensor) or isinstance(max, Tensor)
    y = (_clamp_by_tensors if tensor_bounds else _clamp_by_numbers)(input, min, max)
    # PyTorch's overload of tensor bounds casts into out, its overload of numbers does not
    return y if out is None else write_out("clamp", y, out, same_dtype=not tensor_bounds)


def _clamp_by_tensors(input, min, max):
    """Tensor bounds get gradients too: each place takes it from the value it chose."""
    check_same_device("clamp", input, min, max)
    if all(x is not None and x.dtype is dtypes.bool_ for x in (input, min, max)):
        raise NotImplementedError("\"clamp_cpu\" not implemented for 'Bool'")
    y = input if min is None else where(input >= min, input, min)
    y = y if max is None else where(y <= max, y, max)
    return _nan_where_any_is_nan(y, input, min, max)


def _clamp_by_numbers(input, min, max):
    bounds = [b for b in (min, max) if b is not None]
    # NOTE: a bool result only from bools all round; checked so, not by result_type (+40% on
    # an 8x8 clamp)
    if input.array.dtype.kind == "b" and all(isinstance(b, (bool, np.bool_)) for b in bounds):
        kernel = "clamp_min" if max is None else "clamp_max" if min is None else "clamp"
        raise NotImplementedError(f"\"{kernel}_scalar_cpu\" not implemented for 'Bool'")
    return Clamp.apply(input, min, max)


def _nan_where_any_is_nan(y, *operands):
    """nan (with no gradient) where an operand is nan, as PyTorch's clamp with tensor bounds:
    the comparisons that pick a value are False at nan, so they would pick the other one."""
    floats = [x for x in operands if x is not None and x.dtype.is_floating_point]
    if not floats:
        return y
    nan = isnan(floats[0])
    for x in floats[1:]:
        nan = nan | isnan(x)
    return where(nan, math.nan, y)


clip = clamp


def clamp_min(input, min, *, out=None):
    return clamp(input, min=min, out=out)


def clamp_max(input, max, *, out=None):
    return clamp(input, max=max, out=out)


class Maximum(Function):
    """y = max(a, b) elementwise; ties split the gradient in half, as PyTorch."""

    op_name = "maximum"

    @staticmethod
    def forward(ctx, a, b):
        op = type(ctx).op_name  # "maximum", or "minimum" for the subclass
        # compared in the result's dtype: int8 against a 0-d uint8 200 meets -56, as PyTorch's
        x, z = common_arrays(a, b)
        try:
            y = getattr(a.device.xp, op)(x, z)
        except ValueError:
            raise broadcast_error(op, a, b) from None
        ctx.save_for_backward(a, b)
        ctx.shapes = (x.shape, z.shape)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        share = GradientShare.apply(a, b, type(ctx).op_name)
        sa, sb = ctx.shapes
        return _grad_for(ctx, 0, gy * share, sa), _grad_for(ctx, 1, gy * (1 - share), sb)


class GradientShare(NoGrad):
    """a's part of maximum's (minimum's) gradient: 1 where a wins, 0 where b does, 1/2 at
    ties, in the result's dtype.

    # NOTE: found when backward runs, so that a forward alone makes no mask (512x512 float32:
    6.6x -> 1.0x PyTorch's time); a bool plus a float is a slow mixed loop, so the halves are
    added only when there are ties."""

    op_name = "maximum_share"

    @staticmethod
    def forward(ctx, a, b, op):
        x, z = common_arrays(a, b)
        share = (x > z if op == "maximum" else x < z).astype(result_dtype(a, b))
        tie = x == z
        if tie.any():
            share += tie * share.dtype.type(0.5)
        return share


def maximum(input, other):
    require_tensors("maximum", input, other)
    return Maximum.apply(input, other)


class Minimum(Maximum):
    """y = min(a, b) elementwise; ties split the gradient in half, as PyTorch."""

    op_name = "minimum"


def minimum(input, other):
    require_tensors("minimum", input, other)
    return Minimum.apply(input, other)


# NOTE: fmax and fmin skip a NaN when the other value is a number; their gradient goes to the
# value picked, to the first input on a tie (PyTorch's rule, not maximum's halves)
def fmax(input, other):
    from minigrad.ops.nograd import isnan

    require_tensors("fmax", input, other)

    return where((input >= other) | isnan(other), input, other)


def fmin(input, other):
    from minigrad.ops.nograd import isnan

    require_tensors("fmin", input, other)

    return where((input <= other) | isnan(other), input, other)


class MaskedFill(Function):
    """y = value where mask else x; no gradient reaches x's filled places. A 0-d tensor
    value (a learned mask token) gets the sum of the filled places' gradients, as PyTorch's."""

    op_name = "masked_fill"
    index_operands = (1,)  # the mask

    def name(self):
        return "MaskedFillBackward0" if self.value_shape is None else "MaskedFillBackward1"

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask.array
        ctx.value_shape = value.array.shape if isinstance(value, Tensor) else None
        xp = x.device.xp
        try:
            return xp.where(ctx.mask, array_of(value), x.array).astype(x.array.dtype)
        except ValueError:
            raise broadcast_error("masked_fill", x, mask) from None

    @staticmethod
    def backward(ctx, gy):
        mask = Tensor._make(ctx.mask)
        gx = sum_to(where(mask, 0.0, gy), gy.shape)
        gv = None
        if ctx.needs_input_grad[2]:
            gv = sum_to(where(mask, gy, 0.0), ctx.value_shape)
        return gx, None, gv


def masked_fill(input, mask, value):
    if mask.array.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got {mask.dtype}")
    if isinstance(value, str):
        raise TypeError("masked_fill: value must be a number or a Tensor, got str")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    return MaskedFill.apply(input, mask, as_fill(value, input.array.dtype))


class Clone(Function):
    """y = a copy of x. (*) -> (*)"""

    op_name = "clone"

    @staticmethod
    def forward(ctx, x):
        return x.array.copy()

    @staticmethod
    def backward(ctx, gy):
        return gy


def clone(input):
    return Clone.apply(input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, inf and -inf replaced by numbers (by default 0 and the dtype's largest and
    smallest finite values); the replaced elements get no gradient. Integers are copied."""
    if input.array.dtype.kind != "f":
        return clone(input)
    info = dtypes.finfo(input.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = where(input == float("inf"), posinf, input)
    out = where(input == float("-inf"), neginf, out)
    # nan is the one value not equal to itself
    return _named(where(input != input, nan, out), input, "NanToNumBackward0")


def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):
    return input.nan_to_num_(nan, posinf, neginf)


class Copy(Function):
    """y = src broadcast to dst's shape and cast to dst's dtype (`dst.copy_(src)`); the gradient
    goes to src, summed back to its shape; dst's old values get none."""

    op_name = "copy"

    def name(self):
        return "FillBackward2" if self.src_shape is None else "CopyBackwards"  # fill_, copy_

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_shape = shape_of(src)
        try:
            y = dst.device.xp.broadcast_to(array_of(src), dst.array.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: the source of shape {ctx.src_shape} cannot be broadcast to the "
                f"destination's shape {tuple(dst.shape)}"
            ) from None
        return y.astype(dst.array.dtype)

    @staticmethod
    def backward(ctx, gy):
        gdst = Tensor._make(gy.device.xp.zeros_like(gy.array)) if ctx.needs_input_grad[0] else None
        return gdst, sum_to(gy, ctx.src_shape) if ctx.needs_input_grad[1] else None


def copy(dst, src):
    """dst's shape and dtype with src's values (the op behind `dst.copy_(src)`)."""
    return Copy.apply(dst, tensor_arg(src, dst))


def fill(input, value):
    """A new tensor of input's shape and dtype filled with value (torch.fill; a 0-d tensor
    value gets the gradient)."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions."
        )
    return copy(input, value)


class Cast(Function):
    """y = x as another dtype; the gradient is cast back to x's dtype."""

    op_name = "cast"

    def name(self):
        return "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        if x.array.dtype.kind == "f" and dtype.np.kind in "iu":
            with quiet():  # nan and inf to an integer: PyTorch casts them without a word
                return x.array.astype(dtype.np)
        return x.array.astype(dtype.np)

    @staticmethod
    def backward(ctx, gy):
        return gy.to(dtype=ctx.dtype), None


def cast(input, dtype):
    dtype = dtypes.to_dtype(dtype)
    return Cast.apply(input, dtype)
