"""Arithmetic with broadcasting: add, sub, mul, div, pow, neg, atan2, fmod, hypot, logaddexp,
copysign, xlogy.
(Floor and trunc division, which have no gradient, are in `nograd.py`.)

Binary ops broadcast as NumPy does; # NOTE: their backward sums the gradient back to each
input's shape (`sum_to`), because an input that was broadcast was used many times.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function, check_same_device
from minigrad.creation import zeros_like
from minigrad.ops._util import (
    array_of,
    broadcast_error,
    cast_to,
    common_arrays,
    float_result,
    needs_grads,
    number_arg,
    quiet,
    require_floating,
    require_tensor_input,
    result_dtype,
    shape_of,
    tensor_arg,
    write_out,
)
from minigrad.ops.nograd import TruncDivide, _division, _no_grad_binary, floor_divide, no_bools
from minigrad.ops.selection import where
from minigrad.ops.shape import _grad_for, sum_to
from minigrad.ops.unary import floor, log, trunc
from minigrad.tensor import Tensor


def _save_operands(ctx, a, b, keep_a=True, keep_b=True):
    """Save a binary op's operands for backward: tensors as saved tensors, numbers as they are.
    keep_a / keep_b False: the gradients to compute do not need that operand, and PyTorch does
    not save it, so changing it in place afterwards (`y[0] = y[0] * 2`) breaks no backward.
    NOTE: b first, as PyTorch saves `other` before `self` (the order saved_tensors_hooks see)."""
    ctx.save_for_backward(
        b if keep_b and isinstance(b, Tensor) else None,
        a if keep_a and isinstance(a, Tensor) else None,
    )
    ctx.scalars = (a, b)


def _saved_operands(ctx) -> tuple:
    b, a = ctx.saved_tensors
    return (ctx.scalars[0] if a is None else a), (ctx.scalars[1] if b is None else b)


class Add(Function):
    """y = a + alpha * b, broadcast. (*), (*) -> (*)"""

    op_name = "add"
    wrapped_operands = (0, 1)
    ufunc, cuda = "add", "{a} + {b}"

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes, ctx.alpha = (shape_of(a), shape_of(b)), alpha
        x, z = array_of(a), array_of(b)
        try:
            y = x + z if alpha == 1 else x + alpha * z
        except ValueError:
            raise broadcast_error("add", a, b) from None
        return cast_to(y, result_dtype(a, b))

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        gb = gy if ctx.alpha == 1 else gy * ctx.alpha
        return _grad_for(ctx, 0, gy, sa), _grad_for(ctx, 1, gb, sb), None


def _check_alpha(op: str, alpha, *operands) -> None:
    if type(alpha) is bool and dtypes.result_type(*operands) is not dtypes.bool_:
        raise RuntimeError(
            f"{op}: Boolean alpha only supported for Boolean results (alpha={alpha}, a "
            f"{dtypes.result_type(*operands)} result)"
        )
    if isinstance(alpha, float) and all(
        not isinstance(x, Tensor) or x.array.dtype.kind in "biu" for x in operands
    ):
        raise RuntimeError(
            f"{op}: For integral input tensors, argument alpha must not be a floating point number "
            f"(alpha={alpha}, tensors of dtype "
            f"{', '.join(str(x.dtype) for x in operands if isinstance(x, Tensor))})."
        )


def _in_result_dtype(op: str, input, tensor1, tensor2, value):
    """The three operands in their common dtype, so that value * tensor1 is computed there (as
    PyTorch's kernel does: uint8 tensor1 times -2 must not wrap before a float tensor2), and
    value as a number of that dtype's kind: it takes no part in the promotion, and an integer
    result truncates it (value=2.5 multiplies int64 tensors by 2)."""
    value = number_arg(op, "value", value)
    dtype = dtypes.result_type(input, tensor1, tensor2)
    if dtype is dtypes.bool_:
        raise NotImplementedError(f"\"{op}_cpu_out\" not implemented for 'Bool'")
    if not dtype.is_floating_point:
        value = int(value)
    return [t.to(dtype) if isinstance(t, Tensor) else t for t in (input, tensor1, tensor2)], value


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2, broadcast (as PyTorch's kernel: value * tensor1
    first, in the operands' common dtype)."""
    (input, tensor1, tensor2), value = _in_result_dtype("addcmul", input, tensor1, tensor2, value)
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2, broadcast; integer tensor1 and tensor2 are refused
    with PyTorch's RuntimeError (its integer addcdiv once truncated)."""
    value = number_arg("addcdiv", "value", value)
    if all(isinstance(t, Tensor) and t.array.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported: write "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for the old "
            "truncating result, or (input + value * tensor1 / tensor2) for a true division"
        )
    (input, tensor1, tensor2), value = _in_result_dtype("addcdiv", input, tensor1, tensor2, value)
    return input + value * tensor1 / tensor2


def add(input, other, alpha=1, *, out=None):
    if alpha != 1 or type(alpha) is bool:
        _check_alpha("add", alpha, input, other)
    y = Add.apply(tensor_arg(input, other), tensor_arg(other, input), alpha)
    return y if out is None else write_out("add", y, out)


class Sub(Function):
    """y = a - alpha * b, broadcast. (*), (*) -> (*)"""

    op_name = "sub"
    wrapped_operands = (1,)  # 2 - x is rsub(x, 2): the 2 is no tensor
    ufunc, cuda = "subtract", "{a} - {b}"

    def name(self):
        return "RsubBackward1" if self.shapes[0] is None else "SubBackward0"  # 2 - x: rsub

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes, ctx.alpha = (shape_of(a), shape_of(b)), alpha
        x, z = array_of(a), array_of(b)
        try:
            y = x - z if alpha == 1 else x - alpha * z
        except ValueError:
            raise broadcast_error("sub", a, b) from None
        return cast_to(y, result_dtype(a, b))

    @staticmethod
    def backward(ctx, gy):
        sa, sb = ctx.shapes
        return _grad_for(ctx, 0, gy, sa), _grad_for(ctx, 1, -gy * ctx.alpha, sb), None


def sub(input, other, alpha=1, *, out=None):
    if any(
        type(x) is bool or (isinstance(x, Tensor) and x.array.dtype == np.bool_)
        for x in (input, other)
    ):
        raise RuntimeError(
            "sub: subtraction, the `-` operator, with a bool tensor is not supported. To "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    if alpha != 1 or type(alpha) is bool:
        _check_alpha("sub", alpha, input, other)
    y = Sub.apply(tensor_arg(input, other), tensor_arg(other, input), alpha)
    return y if out is None else write_out("sub", y, out)


def rsub(input, other, alpha=1) -> Tensor:
    """other - alpha * input: sub with the operands swapped (torch.rsub)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub(): argument 'input' must be Tensor, not {type(input).__name__}")
    return sub(other, input, alpha)


subtract = sub


class Mul(Function):
    """y = a * b, broadcast; dy/da = b, dy/db = a. (*), (*) -> (*)"""

    op_name = "mul"
    saved_names = ("other", "self")
    wrapped_operands = (0, 1)
    ufunc, cuda = "multiply", "{a} * {b}"

    @staticmethod
    def forward(ctx, a, b):
        needs = needs_grads(ctx)  # da needs b, db needs a
        _save_operands(ctx, a, b, keep_a=needs[1], keep_b=needs[0])
        try:
            y = array_of(a) * array_of(b)
        except ValueError:
            raise broadcast_error("mul", a, b) from None
        return cast_to(y, result_dtype(a, b))

    @staticmethod
    def backward(ctx, gy):
        a, b = _saved_operands(ctx)
        ga = sum_to(gy * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(gy * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def mul(input, other, *, out=None):
    y = Mul.apply(tensor_arg(input, other), tensor_arg(other, input))
    return y if out is None else write_out("mul", y, out)


multiply = mul


def square(input):
    if input.array.dtype.kind == "b":  # PyTorch's square is pow(x, 2): bools become int64
        input = input.long()
    return Mul.apply(input, input)


class Div(Function):
    """y = a / b, broadcast; dy/da = 1 / b, dy/db = -a / b^2. (*), (*) -> (*)"""

    op_name = "div"
    saved_names = ("other", "self")
    wrapped_operands = (0, 1)
    quiet_domain = True  # inf and nan out of its domain come silently
    ufunc, cuda = "divide", "{a} / {b}"

    def name(self):
        # PyTorch computes `2 / x` as reciprocal(x) * 2: the result's node is a MulBackward0
        return "MulBackward0" if not isinstance(self.scalars[0], Tensor) else "DivBackward0"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b, keep_a=needs_grads(ctx)[1])  # only db needs a
        try:
            with quiet():
                y = array_of(a) / array_of(b)
        except ValueError:
            raise broadcast_error("div", a, b) from None
        return cast_to(y, float_result(result_dtype(a, b)))

    @staticmethod
    def backward(ctx, gy):
        a, b = _saved_operands(ctx)
        ga = sum_to(gy / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(-gy * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        # NOTE: not wrapped into an integer dtype: true division works in floats
        y = Div.apply(tensor_arg(input, other, wrap=False), tensor_arg(other, input, wrap=False))
    elif rounding_mode == "floor":
        y = floor_divide(input, other)
    elif rounding_mode == "trunc":
        y = _no_grad_binary(TruncDivide, input, other)
    else:
        raise RuntimeError(  # PyTorch's type
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )
    return y if out is None else write_out("div", y, out)


true_divide = divide = div


class Pow(Function):
    """y = a ** b; dy/da = b * a^(b-1), dy/db = y * log(a) (0 where a == 0). (*), (*) -> (*)"""

    op_name = "pow"
    saved_names = ("exponent", "self")
    quiet_domain = True  # inf and nan out of its domain come silently
    ufunc, cuda = "power", "pow({a}, {b})"

    @staticmethod
    def fused_cpu(x, z):
        """A fused chain's step: by a number, as forward computes it (not NumPy's slow power)."""
        if type(z) in (int, float) and isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return _power_by_number(np, x, z, x.dtype) if PYTORCH_POW else x**z
        return np.power(x, z)

    def name(self):
        a, b = self.scalars  # PyTorch: 0 tensor ** number, 1 tensor ** tensor, 2 number ** tensor
        if not isinstance(b, Tensor):
            return "PowBackward0"
        return "PowBackward1" if isinstance(a, Tensor) else "PowBackward2"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        dtype = result_dtype(a, b)
        x, z = common_arrays(a, b)
        if dtype.kind == "b" and isinstance(b, Tensor):
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        if dtype.kind in "iu" and not isinstance(b, Tensor) and z < 0:
            raise RuntimeError(
                "pow: Integers to negative integer powers are not allowed "
                f"(a {dtype.name} tensor ** {z})"
            )
        if dtype.kind in "iu" and not isinstance(b, Tensor) and z > np.iinfo(dtype).max:
            raise RuntimeError(
                f"pow: value cannot be converted to type {dtype.name} without overflow "
                f"(a {dtype.name} tensor ** {z})"
            )
        if dtype.kind == "f" and not isinstance(b, Tensor) and PYTORCH_POW:
            with quiet():
                return _power_by_number(a.device.xp, x, z, dtype)
        try:
            with quiet():
                y = x**z if dtype.kind == "f" else _integer_power(x, z, b)
        except ValueError:
            raise broadcast_error("pow", a, b) from None
        return cast_to(y, dtype)

    @staticmethod
    def backward(ctx, gy):
        a, b = _saved_operands(ctx)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # NOTE: a ** 0 is constant: zeros, as PyTorch's, not 0 * 0 ** -1 = nan at a == 0
            if isinstance(b, Tensor):
                slope = b * a ** where(b == 0, 1, b - 1)  # no 0 ** -1 computed (a warning)
                ga = sum_to(where(b == 0, 0.0, gy * slope), a.shape)
            elif b == 0:
                ga = zeros_like(a)
            else:
                # NOTE: the slope first, on a's own array: gy is often a broadcast view (the
                # gradient of a sum), which NumPy multiplies by a number slowly (512x512: 67
                # us), and its power has no fast path for the exponent 1 (62 us): the
                # backward of a ** 2 on 512x512 160 -> 50 us
                ga = sum_to(gy * (a * b if b == 2 else a ** (b - 1) * b), a.shape)
        if ctx.needs_input_grad[1]:
            # NOTE: d(a^b)/db = a^b log a; at a == 0 the limit is 0 for b >= 0, not nan; for
            # b < 0 it is inf * -inf = -inf, as PyTorch's
            a = a if isinstance(a, Tensor) else Tensor._make(b._device.xp.asarray(a))
            limit = (a == 0) & (b >= 0)
            safe = where(limit, 1.0, a)
            gb = sum_to(where(limit, 0.0, gy * safe**b * log(safe)), b.shape)
        return ga, gb


# NOTE: on NumPy 1.26 pow by a number stays NumPy's power: PyTorch's formulas there changed
# the float32 rounding of programs that matched PyTorch before (L-BFGS's iteration counts)
PYTORCH_POW = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _power_by_number(xp, x, z, dtype):
    """x ** z in a float dtype for a Python number z, as PyTorch's CPU kernel computes it: the
    same formulas for the exponents it special-cases, so those match it bit for bit (but 0.5,
    its sqrt).

    # NOTE: NumPy's float32 power calls pow() per element where a base is negative (60 ns
    each: x ** 3 on 512x512 16 ms, x * x * x 0.1 ms)."""
    if z == 0:
        return xp.ones(x.shape, dtype)  # PyTorch fills ones: nan ** 0 is 1
    if z == 1:
        return x.astype(dtype)  # a copy, as PyTorch's
    # NOTE: float16 has none of them: PyTorch takes pow in float32 of the exponent rounded
    # to float16 (-inf ** 0.5 is inf, where sqrt gives nan), which is NumPy's float16 power
    if dtype != np.float16 and z in (0.5, -0.5, -1, 2, 3, -2):
        x = cast_to(x, dtype)  # as PyTorch: an int tensor ** 2.0 is x * x in float32
        inplace = x.ndim > 0  # NumPy gives a 0-d result as a scalar, with no buffer to reuse
        if z == 0.5:
            # NOTE: sqrt(-0.0) is -0.0, pow's +0.0. PyTorch's own float32 sqrt is an ulp off
            # the exact one for a fifth of inputs on AVX512: NumPy's exact one is kept
            return xp.sqrt(x)
        if z == -0.5:
            y = xp.sqrt(x)
            return xp.divide(1, y, out=y if inplace else None)  # 1 / sqrt: -inf gives nan
        if z == -1:
            return xp.divide(1, x)
        y = x * x
        if z == 3:
            y *= x  # (x * x) * x, rounded twice as PyTorch's, where pow rounds once
        return xp.divide(1, y, out=y if inplace else None) if z == -2 else y
    # NOTE: within an ulp of PyTorch's vectorized pow, which rounds the exponent of a float32
    # base to float32 as NumPy does (its scalar loop, on a tensor's last few elements, keeps a
    # double: x ** (1 / 3) differs up to 11 ulp there at 1e-30). NumPy raises ints in float64
    if dtype == np.float16 or x.dtype.kind != "f" or not float(z).is_integer():
        return cast_to(xp.power(x, z), dtype)
    # NOTE: NumPy 2's SIMD power takes nonnegative bases only (x ** 4 on 512x512 float32 with
    # negative bases 17 ms, of |x| 1.5 ms). pow(-x, n) is +-pow(x, n) for an integer n: |x|
    # raised, and x's sign put back for an odd n (-0.0 ** -3 is -inf)
    y = xp.power(xp.abs(x), z)
    return xp.copysign(y, x, out=y if x.ndim else None) if z % 2 else y


def _integer_power(x, z, exponent):
    """x ** z for integers, as PyTorch's: a negative exponent (from a tensor) gives 1 for
    x == 1, +-1 for x == -1 and 0 otherwise (the truncated 1 / x^-z), where NumPy raises."""
    if not isinstance(exponent, Tensor) or not (z < 0).any():
        return x**z
    xp, negative = exponent.device.xp, z < 0
    y = x ** xp.where(negative, 0, z)
    small = xp.where(x == 1, 1, xp.where(x == -1, 1 - 2 * (z & 1), 0))
    return xp.where(negative, small, y)


def pow(input, exponent):
    # NOTE: not wrapped into an integer dtype: a negative int exponent must stay negative
    return Pow.apply(tensor_arg(input, exponent), tensor_arg(exponent, input, wrap=False))


class Neg(Function):
    """y = -x. (*) -> (*)"""

    op_name = "neg"
    ufunc, cuda = "negative", "-{a}"

    @staticmethod
    def forward(ctx, x):
        return -x.array

    @staticmethod
    def backward(ctx, gy):
        return -gy


def neg(input):
    if input.array.dtype == np.bool_:
        raise RuntimeError(
            "neg: negation, the `-` operator, on a bool tensor is not supported. To invert a "
            "mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


negative = neg


class Atan2(Function):
    """y = atan2(a, b), the angle of (b, a); dy/da = b / r^2, dy/db = -a / r^2 with
    r^2 = a^2 + b^2, broadcast. (*), (*) -> (*)"""

    op_name = "atan2"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        dtype = float_result(result_dtype(a, b))
        try:  # in the result's dtype: NumPy takes float16 for uint8 and bools
            y = a.device.xp.arctan2(cast_to(a.array, dtype), cast_to(b.array, dtype))
        except ValueError:
            raise broadcast_error("atan2", a, b) from None
        return cast_to(y, dtype)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        r2 = a * a + b * b
        # NOTE: at the origin PyTorch's gradients are 0 (its 1 / r^2 set to 0 where infinite)
        g = where(r2 == 0, 0.0, gy / where(r2 == 0, 1.0, r2))
        return _grad_for(ctx, 0, g * b, a.shape), _grad_for(ctx, 1, -g * a, b.shape)


def atan2(input, other):
    require_tensor_input("atan2", input)
    return Atan2.apply(input, other)


arctan2 = atan2


def _float_only(op: str, a: Tensor, b: Tensor) -> None:
    """PyTorch has no integer kernel for these ops (NotImplementedError, as it raises)."""
    dtype = result_dtype(a, b)
    if dtype.kind != "f":
        raise NotImplementedError(f'"{op}_cpu" not implemented for {dtypes.to_dtype(dtype)}')


class Hypot(Function):
    """y = sqrt(a^2 + b^2) without overflow in the squares; dy/da = a / y, dy/db = b / y,
    broadcast. (*), (*) -> (*)"""

    op_name = "hypot"

    @staticmethod
    def forward(ctx, a, b):
        _float_only("hypot", a, b)
        ctx.save_for_backward(a, b)
        try:
            y = a.device.xp.hypot(a.array, b.array)
        except ValueError:
            raise broadcast_error("hypot", a, b) from None
        return cast_to(y, result_dtype(a, b))

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        g = gy / Hypot.apply(a, b)  # recomputed, so a second backward sees y(a, b)
        return _grad_for(ctx, 0, g * a, a.shape), _grad_for(ctx, 1, g * b, b.shape)


def hypot(input, other):
    require_tensor_input("hypot", input)
    return Hypot.apply(input, other)


class LogAddExp(Function):
    """y = log(exp(a) + exp(b)) without overflow; dy/da = exp(a - y), dy/db = exp(b - y),
    broadcast. (*), (*) -> (*)"""

    op_name = "logaddexp"

    @staticmethod
    def forward(ctx, a, b):
        _float_only("logaddexp", a, b)
        ctx.save_for_backward(a, b)
        try:
            y = a.device.xp.logaddexp(a.array, b.array)
        except ValueError:
            raise broadcast_error("logaddexp", a, b) from None
        return cast_to(y, result_dtype(a, b))

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.unary import exp

        a, b = ctx.saved_tensors
        y = LogAddExp.apply(a, b)  # recomputed, so a second backward sees y(a, b)
        ga = _grad_for(ctx, 0, gy * exp(a - y), a.shape)
        return ga, _grad_for(ctx, 1, gy * exp(b - y), b.shape)


def logaddexp(input, other):
    require_tensor_input("logaddexp", input)
    return LogAddExp.apply(input, other)


def logaddexp2(input, other):
    """log2(2^a + 2^b), as logaddexp of a ln 2 and b ln 2."""
    _float_only("logaddexp2", input, other)
    ln2 = math.log(2)
    return logaddexp(input * ln2, other * ln2) * (1 / ln2)


def copysign(input, other):
    """|input| with the sign of other (-0.0 counts as negative), a float in the promoted
    dtype; the gradient goes to input only (zero at input == 0), as PyTorch."""
    from minigrad.ops.nograd import signbit
    from minigrad.ops.unary import abs

    require_tensor_input("copysign", input)
    other = tensor_arg(other, input, wrap=False)  # a float result: -1 is no 255 of a uint8
    dtype = dtypes.to_dtype(float_result(result_dtype(input, other)))
    magnitude = abs(input.to(dtype))  # in the float dtype: bools have no abs
    if not isinstance(other, Tensor):
        return -magnitude if math.copysign(1.0, other) < 0 else magnitude
    return where(signbit(other), -magnitude, magnitude)


def _as_tensor_like(value, like: Tensor) -> Tensor:
    """A number as a 0-d tensor on like's device, in like's float dtype."""
    if isinstance(value, Tensor):
        return value
    dtype = float_result(like.array.dtype)
    return Tensor._make(like.device.xp.asarray(value, dtype=dtype))


class XLogY(Function):
    """y = a * log(b + shift) (shift 0: xlogy, 1: xlog1py), 0 where a == 0 unless b is nan;
    PyTorch's gradients: da = log(b + shift), 0 where a == 0 and b + shift <= 0 (inf at
    b = inf), db = a / (b + shift) (nan at a == 0 == b + shift). (*), (*) -> (*)"""

    op_name = "xlogy"

    def name(self):
        a, b = self.scalars
        overload = 1 if not isinstance(a, Tensor) else 2 if not isinstance(b, Tensor) else 0
        return f"{'SpecialXlog1PyBackward' if self.shift else 'XlogyBackward'}{overload}"

    @staticmethod
    def forward(ctx, a, b, shift):
        _save_operands(ctx, a, b)
        ctx.shift = shift
        like = a if isinstance(a, Tensor) else b
        xp, dtype = like.device.xp, float_result(result_dtype(a, b))
        x, y = (xp.asarray(v, dtype=dtype) for v in common_arrays(a, b))
        try:
            with quiet():
                z = x * (xp.log1p(y) if shift else xp.log(y))
        except ValueError:
            raise broadcast_error(ctx.op_name, a, b) from None
        return xp.where((x == 0) & ~xp.isnan(y), dtype.type(0), z)

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.nograd import logical_and

        a, b = _saved_operands(ctx)
        x, y = _as_tensor_like(a, b), _as_tensor_like(b, a)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            undefined = logical_and(x == 0, y <= -ctx.shift)
            ga = sum_to(where(undefined, 0.0, XLogY.apply(gy, y, ctx.shift)), shape_of(a))
        if ctx.needs_input_grad[1]:
            gb = sum_to(gy * x / (y + ctx.shift), shape_of(b))
        return ga, gb, None


def xlogy(input, other):
    """input * log(other), 0 where input == 0 (unless other is nan), as PyTorch."""
    return XLogY.apply(tensor_arg(input, other), tensor_arg(other, input), 0)


def float_power(input, exponent):
    """input ** exponent computed in float64, as PyTorch (whatever the inputs' dtypes)."""
    base = input.double() if isinstance(input, Tensor) else float(input)
    power = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(base, power)


class Fmod(Function):
    """y = a - trunc(a / b) * b (the sign of a, C's fmod); dy/da = 1, dy/db = -trunc(a / b).
    (*), (*) -> (*)"""

    op_name = "fmod"

    @staticmethod
    def forward(ctx, a, b):
        op = type(ctx).op_name  # "fmod", or "remainder" for the subclass
        _save_operands(ctx, a, b)
        dtype = result_dtype(a, b)
        no_bools(op, dtype)
        try:
            y = _division(op, getattr(np, op))(*common_arrays(a, b))
        except ValueError:
            raise broadcast_error(op, a, b) from None
        return cast_to(y, dtype)

    @staticmethod
    def backward(ctx, gy):
        a, b = _saved_operands(ctx)
        ga = _grad_for(ctx, 0, gy, shape_of(a))
        rounding = trunc if type(ctx).op_name == "fmod" else floor
        gb = sum_to(-gy * rounding(a / b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def fmod(input, other):
    require_tensor_input("fmod", input)
    return Fmod.apply(tensor_arg(input, other), tensor_arg(other, input))


class Remainder(Fmod):
    """y = a - floor(a / b) * b (the sign of b, Python's %); dy/da = 1, dy/db = -floor(a / b).
    (*), (*) -> (*)"""

    op_name = "remainder"


def remainder(input, other):
    return Remainder.apply(tensor_arg(input, other), tensor_arg(other, input))


def reciprocal(input):
    return div(1.0, input)


def lerp(input, end, weight):
    """input + weight * (end - input); weight is a number or a tensor."""
    for name, t in (("end", end), ("weight", weight)):
        # a 0-d weight of any dtype is taken as a number of input's dtype, as PyTorch's kernel
        scalar_weight = name == "weight" and not t.ndim if isinstance(t, Tensor) else False
        if isinstance(t, Tensor) and t.dtype is not input.dtype and not scalar_weight:
            raise RuntimeError(
                f"lerp: expected dtype {input.dtype} for `{name}` but got dtype {t.dtype}"
            )
    check_same_device("lerp", input, end, weight)
    kind = "tensor" if isinstance(weight, Tensor) else "scalar"
    require_floating(f"lerp_kernel_{kind}", input)
    return input + weight * (end - input)
