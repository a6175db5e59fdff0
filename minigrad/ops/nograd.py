"""Ops without a gradient: comparisons, logic, checks for nan and inf, integer division.

Each is a Function (a `NoGrad` subclass) rather than a bare computation, so that
`minigrad.static` records it and recomputes it at each replay: a mask computed outside any
Function would be frozen into a graph as a constant, silently wrong on the next input.
Their results are integers or booleans, so nothing flows back through them.
"""

from __future__ import annotations

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function, check_same_device
from minigrad.ops._util import (
    array_of,
    broadcast_error,
    cast_to,
    common_arrays,
    kernel_type,
    quiet,
    require_tensor_input,
    require_tensors,
    result_dtype,
    tensor_arg,
    write_out,
)
from minigrad.tensor import Tensor

_INTEGRAL = {np.dtype(t) for t in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64)}


def _trunc_divide(x, z):
    return np.trunc(x / z)


def _division(op, fn):
    """`fn(x, z)` as PyTorch divides: integers by zero raise, floats give inf or nan quietly."""

    def divide(x, z):
        integral = [isinstance(v, int) or getattr(v, "dtype", None) in _INTEGRAL for v in (x, z)]
        if all(integral) and bool((z == 0).any() if hasattr(z, "any") else z == 0):
            raise RuntimeError(f"{op}: integer division by zero (ZeroDivisionError)")
        with quiet():
            return fn(x, z)

    return divide


_DIVISION_KERNELS = {
    "floor_divide": "div_floor_cpu",
    "trunc_divide": "div_trunc_cpu",
    "remainder": "remainder_cpu",
    "fmod": "fmod_cpu",
}


def no_bools(op: str, dtype) -> None:
    """NotImplementedError, as PyTorch's, for an integer division of bools."""
    if dtype.kind == "b":
        raise NotImplementedError(f"\"{_DIVISION_KERNELS[op]}\" not implemented for 'Bool'")


def _no_grad_binary(cls, a, b):
    """`cls` (a NoGrad op) of a and b, numbers made tensors; no graph."""
    a, b = tensor_arg(a, b), tensor_arg(b, a)
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(cls.op_name, a, b) from None


class NoGrad(Function):
    """Base of the ops without a gradient (comparisons, logic, argmax, one_hot): by default
    y = xp.<ufunc>(*inputs), the subclass naming the ufunc; others define their forward.

    # NOTE: these go through Function.apply (not a bare Tensor._make) so that
    # minigrad.static.trace sees them. A result computed from a traced tensor outside any
    # Function would be frozen into the graph as a constant, silently wrong on the next input.
    """

    @staticmethod
    def forward(ctx, a, b=None):
        xp = (a if isinstance(a, Tensor) else b).device.xp
        ufunc = getattr(xp, type(ctx).ufunc)
        return ufunc(a.array) if b is None else ufunc(*common_arrays(a, b))

    @staticmethod
    def backward(ctx, *grads):
        return (None,) * len(ctx.needs_input_grad)

    @classmethod
    def apply(cls, *args):
        out = super().apply(*args)
        for t in out if type(out) is tuple else (out,):
            t._requires_grad, t.grad_fn = False, None  # an integral or boolean answer
        return out


def _compared(cls, input, other, out):
    # NOTE: an integer or bool tensor meets a Python float in the default float, as PyTorch's
    # (int64 3 == 3.0000001 is True in float32), where NumPy would compare both in float64.
    # Cast here, as an op of its own, so that a traced graph's bare ufunc compares the same.
    require_tensor_input(cls.op_name, input)
    if type(other) is float and _not_floating(input):
        input = input.to(dtypes.get_default_dtype())
    if _FLOAT64_AGAINST_0D:
        input, other = _in_dtype_of(input, other), _in_dtype_of(other, input)
    y = _no_grad_binary(cls, input, other)
    return y if out is None else write_out(cls.op_name, y, out)


# NOTE: NumPy 1.26 compares a 0-d array with a Python float in float64 (value-based casting),
# where PyTorch, as NumPy 2, rounds the float to the tensor's dtype first
_FLOAT64_AGAINST_0D = np.lib.NumpyVersion(np.__version__) < "2.0.0"


def _in_dtype_of(number, t):
    """A Python float as a scalar of t's dtype where t is a 0-d floating Tensor."""
    if type(number) is not float or not isinstance(t, Tensor):
        return number
    array = t.array
    if array.ndim or array.dtype.kind != "f":
        return number
    with np.errstate(over="ignore"):  # 1e40 against float32 is inf, as PyTorch's cast
        return array.dtype.type(number)


def _not_floating(x) -> bool:
    return isinstance(x, Tensor) and x.array.dtype.kind != "f"


class Eq(NoGrad):
    op_name, ufunc = "eq", "equal"


def eq(input, other, *, out=None):
    return _compared(Eq, input, other, out)


class Ne(NoGrad):
    op_name, ufunc = "ne", "not_equal"


def ne(input, other, *, out=None):
    return _compared(Ne, input, other, out)


class Lt(NoGrad):
    op_name, ufunc = "lt", "less"


def lt(input, other, *, out=None):
    return _compared(Lt, input, other, out)


class Le(NoGrad):
    op_name, ufunc = "le", "less_equal"


def le(input, other, *, out=None):
    return _compared(Le, input, other, out)


class Gt(NoGrad):
    op_name, ufunc = "gt", "greater"


def gt(input, other, *, out=None):
    return _compared(Gt, input, other, out)


class Ge(NoGrad):
    op_name, ufunc = "ge", "greater_equal"


def ge(input, other, *, out=None):
    return _compared(Ge, input, other, out)


class LogicalAnd(NoGrad):
    op_name = ufunc = "logical_and"


def logical_and(input, other):
    require_tensors("logical_and", input, other)
    return _no_grad_binary(LogicalAnd, input, other)


class LogicalOr(NoGrad):
    op_name = ufunc = "logical_or"


def logical_or(input, other):
    require_tensors("logical_or", input, other)
    return _no_grad_binary(LogicalOr, input, other)


class LogicalXor(NoGrad):
    op_name = ufunc = "logical_xor"


def logical_xor(input, other):
    require_tensors("logical_xor", input, other)
    return _no_grad_binary(LogicalXor, input, other)


class LogicalNot(NoGrad):
    op_name = ufunc = "logical_not"


def logical_not(input):
    return LogicalNot.apply(input)


class BitwiseAnd(NoGrad):
    """a & b bit by bit, in PyTorch's promoted dtype (bools stay bools); floats raise."""

    op_name, ufunc = "bitwise_and", "bitwise_and"

    @staticmethod
    def forward(ctx, a, b):
        dtype = result_dtype(a, b)
        name = type(ctx).op_name
        if dtype.kind == "f":
            raise NotImplementedError(f'"{name}_cpu" not implemented for {kernel_type(dtype)}')
        xp = (a if isinstance(a, Tensor) else b).device.xp
        # NOTE: Python ints take the tensor's dtype first, wrapping as PyTorch's (uint8 & -1)
        x, z = (cast_to(xp.asarray(array_of(v)), dtype) for v in (a, b))
        return getattr(xp, type(ctx).ufunc)(x, z)


def bitwise_and(input, other):
    return _no_grad_binary(LogicalAnd if _bools(input, other) else BitwiseAnd, input, other)


class BitwiseOr(BitwiseAnd):
    op_name, ufunc = "bitwise_or", "bitwise_or"


def bitwise_or(input, other):
    return _no_grad_binary(LogicalOr if _bools(input, other) else BitwiseOr, input, other)


class BitwiseXor(BitwiseAnd):
    op_name, ufunc = "bitwise_xor", "bitwise_xor"


def bitwise_xor(input, other):
    return _no_grad_binary(LogicalXor if _bools(input, other) else BitwiseXor, input, other)


class BitwiseLeftShift(NoGrad):
    """a << b on integers, in PyTorch's promoted dtype; floats raise.

    # NOTE: a shift by the width or more, or by a negative count, gives what PyTorch gives
    # (0 to the left; to the right 0, or -1 for a negative value): the CPU's own shift would
    # wrap the count (1 << 70 == 64).
    """

    op_name = "bitwise_left_shift"
    shift = "left_shift"

    @staticmethod
    def forward(ctx, a, b):
        dtype = result_dtype(a, b)
        if dtype.kind not in "iu":
            name = type(ctx).shift[0] + "shift"  # PyTorch's kernel: lshift, rshift
            raise NotImplementedError(f'"{name}_cpu" not implemented for {kernel_type(dtype)}')
        xp = (a if isinstance(a, Tensor) else b).device.xp
        x, s = (cast_to(xp.asarray(array_of(v)), dtype) for v in (a, b))
        inside = (s >= 0) & (s < dtype.itemsize * 8)
        shifted = getattr(xp, type(ctx).shift)(x, xp.where(inside, s, 0))
        # negated, not times -1: NumPy refuses the Python int -1 for an unsigned x
        beyond = -(x < 0).astype(dtype) if type(ctx).shift == "right_shift" else 0
        return xp.where(inside, shifted, beyond).astype(dtype, copy=False)


def bitwise_left_shift(input, other):
    return _no_grad_binary(BitwiseLeftShift, input, other)


class BitwiseRightShift(BitwiseLeftShift):
    op_name = "bitwise_right_shift"
    shift = "right_shift"


def bitwise_right_shift(input, other):
    return _no_grad_binary(BitwiseRightShift, input, other)


class BitwiseNot(NoGrad):
    """~x bit by bit on integers (logical not on bools); floats raise."""

    op_name, ufunc = "bitwise_not", "invert"

    @staticmethod
    def forward(ctx, x):
        if x.array.dtype.kind == "f":
            raise NotImplementedError(
                f'"bitwise_not_cpu" not implemented for {kernel_type(x.array.dtype)}'
            )
        return x.device.xp.invert(x.array)


def bitwise_not(input):
    return (LogicalNot if _bools(input) else BitwiseNot).apply(input)


def _bools(a, b=True) -> bool:
    """Whether a and b are bools or bool tensors: the bitwise ops are then the logical ones,
    recorded as such (a static graph exports them as ONNX's And, Or, Xor, Not)."""
    return _is_bool(a) and _is_bool(b)


def _is_bool(x) -> bool:
    return type(x) is bool or (isinstance(x, Tensor) and x.array.dtype.kind == "b")


class IsNan(NoGrad):
    op_name = ufunc = "isnan"


def isnan(input):
    return IsNan.apply(input)


class IsInf(NoGrad):
    op_name = ufunc = "isinf"


def isinf(input):
    return IsInf.apply(input)


class IsFinite(NoGrad):
    op_name = ufunc = "isfinite"


def isfinite(input):
    return IsFinite.apply(input)


# NOTE: an integer is never infinite: all False, made by an op (ne(x, x)) so a trace records it
def isposinf(input):
    return eq(input, float("inf")) if input.array.dtype.kind == "f" else ne(input, input)


def isneginf(input):
    return eq(input, float("-inf")) if input.array.dtype.kind == "f" else ne(input, input)


class Gcd(NoGrad):
    """The greatest common divisor of integers, element by element (non-negative)."""

    op_name, ufunc = "gcd", "gcd"

    @staticmethod
    def forward(ctx, a, b):
        if a.array.dtype.kind not in "iu" or b.array.dtype.kind not in "iu":
            name = type(ctx).op_name
            found = a.array.dtype if a.array.dtype.kind not in "iu" else b.array.dtype
            raise NotImplementedError(f'"{name}_cpu" not implemented for {kernel_type(found)}')
        return getattr(a.device.xp, type(ctx).ufunc)(a.array, b.array)


def gcd(input, other):
    return _no_grad_binary(Gcd, input, other)


class Lcm(Gcd):
    op_name, ufunc = "lcm", "lcm"


def lcm(input, other):
    return _no_grad_binary(Lcm, input, other)


class Signbit(NoGrad):
    """True where the sign bit is set: negative numbers and -0.0."""

    op_name = ufunc = "signbit"


def signbit(input):
    return Signbit.apply(input)


class Heaviside(NoGrad):
    """The step function: 0 where x < 0, values where x == 0, 1 where x > 0."""

    op_name = ufunc = "heaviside"

    @staticmethod
    def forward(ctx, x, values):
        # NOTE: PyTorch's x == 0 ? values : x > 0, in x's dtype: 0 at nan, where NumPy's
        # heaviside gives nan (and floats for integers and bools)
        y = x.device.xp.where(x.array == 0, values.array, x.array > 0)
        return cast_to(y, x.array.dtype)


def heaviside(input, values):
    require_tensor_input("heaviside", input)
    if input.dtype is not values.dtype:
        raise RuntimeError(
            "heaviside is not yet implemented for tensors with different dtypes "
            f"({input.dtype} and {values.dtype})."
        )
    return _no_grad_binary(Heaviside, input, values)


class Nextafter(NoGrad):
    """The next float after input towards other, element by element."""

    op_name = ufunc = "nextafter"

    @staticmethod
    def forward(ctx, a, b):
        if a.array.dtype.kind != "f" or b.array.dtype.kind != "f":
            found = a.array.dtype if a.array.dtype.kind != "f" else b.array.dtype
            raise NotImplementedError(f'"nextafter_cpu" not implemented for {kernel_type(found)}')
        xp, dt = a.device.xp, np.promote_types(a.array.dtype, b.array.dtype)
        return xp.nextafter(a.array.astype(dt, copy=False), b.array.astype(dt, copy=False))


def nextafter(input, other):
    require_tensor_input("nextafter", input)
    return _no_grad_binary(Nextafter, input, other)


class FrexpExponent(NoGrad):
    """The exponents e of frexp (x = m * 2**e, 0.5 <= |m| < 1), int32."""

    op_name = "frexp_exponent"

    @staticmethod
    def forward(ctx, x):
        return x.device.xp.frexp(x.array)[1].astype(np.int32)


class IsClose(NoGrad):
    """a == b, or |a - b| finite and <= atol + |rtol * b| (nan equal to nan if equal_nan);
    computed in the inputs' dtype as PyTorch's (bools as the default float)."""

    op_name = "isclose"

    @staticmethod
    def forward(ctx, a, b, rtol, atol, equal_nan):
        xp, x, y = a.device.xp, a.array, b.array
        close = x == y
        if equal_nan and x.dtype.kind == "f":
            close |= xp.isnan(x) & xp.isnan(y)
        if rtol == 0 and atol == 0:
            return close
        if x.dtype.kind == "b":
            x, y = (v.astype(dtypes.get_default_dtype().np) for v in (x, y))
        with np.errstate(all="ignore"):
            # NOTE: an infinite error is never close, whatever atol (inf vs -inf: inf <= inf)
            error = xp.abs(x - y)
            close |= xp.isfinite(error) & (error <= atol + xp.abs(rtol * y))
        return close


def _close_arguments(op: str, input, other, rtol, atol) -> None:
    """PyTorch's isclose and allclose compare only tensors of one dtype ('Long did not match
    Float'), with tolerances of at least zero."""
    require_tensors(op, input, other)
    check_same_device(op, input, other)
    if input.dtype is not other.dtype:
        names = (dtypes.legacy_name(t.dtype)[: -len("Tensor")] for t in (input, other))
        raise RuntimeError(f"{op}: {{}} did not match {{}}".format(*names))
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{op}: {name} must be at least zero, but got {value}")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    _close_arguments("isclose", input, other, rtol, atol)
    return IsClose.apply(input, other, rtol, atol, equal_nan)


class FloorDivide(NoGrad):
    """y = floor(a / b) in PyTorch's promoted dtype; integers divided by zero raise."""

    op_name = ufunc = "floor_divide"

    @staticmethod
    def forward(ctx, a, b):
        op = type(ctx).op_name
        dtype = result_dtype(a, b)
        no_bools(op, dtype)
        divide = _division(op, _trunc_divide if op == "trunc_divide" else getattr(np, op))
        try:
            y = divide(*common_arrays(a, b))
        except ValueError:
            raise broadcast_error(op, a, b) from None
        return cast_to(a.device.xp.asarray(y) if isinstance(a, Tensor) else y, dtype)


def floor_divide(input, other):
    return _no_grad_binary(FloorDivide, input, other)


class TruncDivide(FloorDivide):
    """y = trunc(a / b) (rounds toward zero); integers by zero raise."""

    op_name = "trunc_divide"


class IsIn(NoGrad):
    op_name = "isin"

    @staticmethod
    def forward(ctx, elements, test_elements, invert):
        xp = elements.device.xp
        return xp.isin(elements.array, test_elements.array, invert=invert)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """For each of elements, whether it is among test_elements (with invert, whether not);
    either may be a number, as PyTorch's. A bool tensor of elements' shape."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): expected elements or test_elements to be a tensor")
    like = elements if isinstance(elements, Tensor) else test_elements
    elements, test_elements = (
        t if isinstance(t, Tensor) else Tensor._make(like.device.xp.asarray(t))
        for t in (elements, test_elements)
    )
    check_same_device("isin", elements, test_elements)
    return IsIn.apply(elements, test_elements, invert)


def equal(input, other) -> bool:
    """True if both have the same shape and values."""
    check_same_device("equal", input, other)
    return input.shape == other.shape and bool((input.array == other.array).all())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    _close_arguments("allclose", input, other, rtol, atol)
    return bool(IsClose.apply(input, other, rtol, atol, equal_nan).array.all())
