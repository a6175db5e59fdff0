"""Elementwise ops: arithmetic with broadcasting, unary math, activations, selection.
(Comparisons and logic, which have no gradient, are in `nograd.py`.)

Binary ops broadcast as NumPy does; # NOTE: their backward sums the gradient back to each
input's shape (`sum_to`), because an input that was broadcast was used many times.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function
from minigrad.ops._util import (
    array_of,
    as_float_array,
    broadcast_error,
    cast_to,
    float_result,
    quiet,
    result_dtype,
    shape_of,
    tensor_arg,
)
from minigrad.ops.nograd import TruncDivide, _division, _no_grad_binary, floor_divide
from minigrad.ops.shape import sum_to
from minigrad.tensor import Tensor


def _save_operands(ctx, a, b):
    """Save a binary op's operands for backward: tensors as saved tensors, numbers as they are."""
    ctx.save_for_backward(
        a if isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None
    )
    ctx.scalars = (a, b)


def _saved_operands(ctx) -> tuple:
    a, b = ctx.saved_tensors
    return (ctx.scalars[0] if a is None else a), (ctx.scalars[1] if b is None else b)


def _grad_for(ctx, i, g, shape):
    """The gradient for input i, summed to its shape, or None if it needs none."""
    return sum_to(g, shape) if ctx.needs_input_grad[i] else None


# -- arithmetic with broadcasting ------------------------------------------------------------


class Add(Function):
    """y = a + alpha * b, broadcast. (*), (*) -> (*)"""

    op_name = "add"
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


def add(input, other, alpha=1):
    return Add.apply(input, tensor_arg(other, input), alpha)


class Sub(Function):
    """y = a - alpha * b, broadcast. (*), (*) -> (*)"""

    op_name = "sub"
    ufunc, cuda = "subtract", "{a} - {b}"

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


def sub(input, other, alpha=1):
    if any(isinstance(x, Tensor) and x.array.dtype == np.bool_ for x in (input, other)):
        raise RuntimeError(
            "sub: subtraction, the `-` operator, with a bool tensor is not supported. To "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Sub.apply(tensor_arg(input, other), tensor_arg(other, input), alpha)


subtract = sub


class Mul(Function):
    """y = a * b, broadcast; dy/da = b, dy/db = a. (*), (*) -> (*)"""

    op_name = "mul"
    ufunc, cuda = "multiply", "{a} * {b}"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
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


def mul(input, other):
    return Mul.apply(tensor_arg(input, other), tensor_arg(other, input))


multiply = mul


def square(input):
    return Mul.apply(input, input)


class Div(Function):
    """y = a / b, broadcast; dy/da = 1 / b, dy/db = -a / b^2. (*), (*) -> (*)"""

    op_name = "div"
    quiet_domain = True  # inf and nan out of its domain come silently
    ufunc, cuda = "divide", "{a} / {b}"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
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


def div(input, other, *, rounding_mode=None):
    if rounding_mode is None:
        return Div.apply(tensor_arg(input, other), tensor_arg(other, input))
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        return _no_grad_binary(TruncDivide, input, other)
    raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")


true_divide = divide = div


class Pow(Function):
    """y = a ** b; dy/da = b * a^(b-1), dy/db = y * log(a) (0 where a == 0). (*), (*) -> (*)"""

    op_name = "pow"
    quiet_domain = True  # inf and nan out of its domain come silently
    ufunc, cuda = "power", "pow({a}, {b})"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        dtype = result_dtype(a, b)
        x, z = array_of(a), array_of(b)
        if dtype.kind in "iu" and bool((z < 0).any() if hasattr(z, "any") else z < 0):
            raise RuntimeError("pow: integers to negative integer powers are not allowed")
        try:
            with quiet():
                y = x**z
        except ValueError:
            raise broadcast_error("pow", a, b) from None
        return cast_to(y, dtype)

    @staticmethod
    def backward(ctx, gy):
        a, b = _saved_operands(ctx)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to(gy * b * a ** (b - 1), a.shape)
        if ctx.needs_input_grad[1]:
            # NOTE: d(a^b)/db = a^b log a; at a == 0 the limit is 0 (for b > 0), not nan.
            a = a if isinstance(a, Tensor) else Tensor._make(b._device.xp.asarray(a))
            safe = where(a == 0, 1.0, a)
            gb = sum_to(where(a == 0, 0.0, gy * safe**b * log(safe)), b.shape)
        return ga, gb


def pow(input, exponent):
    return Pow.apply(tensor_arg(input, exponent), tensor_arg(exponent, input))


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
        try:
            y = a.device.xp.arctan2(a.array, b.array)
        except ValueError:
            raise broadcast_error("atan2", a, b) from None
        return cast_to(y, float_result(result_dtype(a, b)))

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        g = gy / (a * a + b * b)
        return _grad_for(ctx, 0, g * b, a.shape), _grad_for(ctx, 1, -g * a, b.shape)


def atan2(input, other):
    return Atan2.apply(input, other)


arctan2 = atan2


class Fmod(Function):
    """y = a - trunc(a / b) * b (the sign of a, C's fmod); dy/da = 1, dy/db = -trunc(a / b).
    (*), (*) -> (*)"""

    op_name = "fmod"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        try:
            y = _division("fmod", np.fmod)(array_of(a), array_of(b))
        except ValueError:
            raise broadcast_error("fmod", a, b) from None
        return cast_to(y, result_dtype(a, b))

    @staticmethod
    def backward(ctx, gy):
        a, b = _saved_operands(ctx)
        ga = _grad_for(ctx, 0, gy, shape_of(a))
        gb = sum_to(-gy * trunc(a / b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def fmod(input, other):
    return Fmod.apply(tensor_arg(input, other), tensor_arg(other, input))


def reciprocal(input):
    return div(1.0, input)


def lerp(input, end, weight):
    """input + weight * (end - input); weight is a number or a tensor."""
    return input + weight * (end - input)


# -- unary math ------------------------------------------------------------------------------


class Exp(Function):
    """y = exp(x); saves y; dy/dx = y. (*) -> (*)"""

    op_name = "exp"
    ufunc, cuda = "exp", "exp({a})"

    @staticmethod
    def forward(ctx, x):
        y = Tensor._make(x.device.xp.exp(as_float_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


def exp(input):
    return Exp.apply(input)


def exp2(input):
    """2 ** x, as exp(x ln 2) (a float for integer input too)."""
    return Exp.apply(input * math.log(2))


class Expm1(Function):
    """y = exp(x) - 1, exact near 0; saves y; dy/dx = y + 1. (*) -> (*)"""

    op_name = "expm1"

    @staticmethod
    def forward(ctx, x):
        y = Tensor._make(x.device.xp.expm1(as_float_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (y + 1)


def expm1(input):
    return Expm1.apply(input)


class Log(Function):
    """y = log(x); dy/dx = 1 / x. (*) -> (*)"""

    op_name = "log"
    quiet_domain = True  # inf and nan out of its domain come silently
    ufunc, cuda = "log", "log({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return x.device.xp.log(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


def log(input):
    return Log.apply(input)


def log2(input):
    return Log.apply(input) * (1 / math.log(2))


def log10(input):
    return Log.apply(input) * (1 / math.log(10))


class Log1p(Function):
    """y = log(1 + x); dy/dx = 1 / (1 + x). (*) -> (*)"""

    op_name = "log1p"
    quiet_domain = True  # inf and nan out of its domain come silently

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return x.device.xp.log1p(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (x + 1)


def log1p(input):
    return Log1p.apply(input)


class Sqrt(Function):
    """y = sqrt(x); saves y; dy/dx = 1 / (2 y). (*) -> (*)"""

    op_name = "sqrt"
    quiet_domain = True  # inf and nan out of its domain come silently
    ufunc, cuda = "sqrt", "sqrt({a})"

    @staticmethod
    def forward(ctx, x):
        with quiet():
            y = Tensor._make(x.device.xp.sqrt(as_float_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy / (2 * y)


def sqrt(input):
    return Sqrt.apply(input)


def rsqrt(input):
    return 1 / Sqrt.apply(input)


class Abs(Function):
    """y = |x|; dy/dx = sign(x) (0 at 0, as PyTorch). (*) -> (*)"""

    op_name = "abs"
    ufunc, cuda = "abs", "abs({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.abs(x.array)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * sign(x)


def abs(input):
    return Abs.apply(input)


class Sign(Function):
    """y = sign(x) in {-1, 0, 1}; the gradient is zero everywhere. (*) -> (*)"""

    op_name = "sign"

    @staticmethod
    def forward(ctx, x):
        return x.device.xp.sign(x.array)

    @staticmethod
    def backward(ctx, gy):
        return gy * 0


def sign(input):
    return Sign.apply(input)


class Sin(Function):
    """y = sin(x); dy/dx = cos(x). (*) -> (*)"""

    op_name = "sin"
    ufunc, cuda = "sin", "sin({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.sin(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * cos(x)


def tan(input):
    return Sin.apply(input) / Cos.apply(input)


def sin(input):
    return Sin.apply(input)


class Cos(Function):
    """y = cos(x); dy/dx = -sin(x). (*) -> (*)"""

    op_name = "cos"
    ufunc, cuda = "cos", "cos({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.cos(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * sin(x)


def cos(input):
    return Cos.apply(input)


class Sinh(Function):
    """y = sinh(x) = (e^x - e^-x) / 2; dy/dx = cosh(x) = (e^x + e^-x) / 2. (*) -> (*)"""

    op_name = "sinh"
    ufunc, cuda = "sinh", "sinh({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.sinh(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (exp(x) + exp(-x)) * 0.5


def sinh(input):
    return Sinh.apply(input)


class Erf(Function):
    """y = erf(x); dy/dx = 2 / sqrt(pi) * exp(-x^2). (*) -> (*)"""

    op_name = "erf"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        array = as_float_array(x)
        if x.device.type != "cpu":
            import cupyx.scipy.special

            return cupyx.scipy.special.erf(array)
        return _numpy_erf(array).astype(array.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (2 / math.sqrt(math.pi)) * exp(-x * x)


def _numpy_erf(array):
    """# NOTE: NumPy has no erf. SciPy's (vectorised) when SciPy is installed, as it is with the
    lab extras (scikit-learn needs it); otherwise math.erf element by element: exact, but about
    60x slower, which shows in gelu on big activations."""
    try:
        from scipy.special import erf as scipy_erf
    except ImportError:
        return np.asarray(np.frompyfunc(math.erf, 1, 1)(array), dtype=array.dtype)
    return scipy_erf(array)


def erf(input):
    return Erf.apply(input)


class Floor(Function):
    """y = floor(x); the gradient is zero everywhere. (*) -> (*)"""

    op_name = "floor"

    @staticmethod
    def forward(ctx, x):
        return x.device.xp.floor(x.array)

    @staticmethod
    def backward(ctx, gy):
        return gy * 0


def floor(input):
    return Floor.apply(input)


class Ceil(Floor):
    """y = ceil(x); the gradient is zero everywhere. (*) -> (*)"""

    op_name = "ceil"

    @staticmethod
    def forward(ctx, x):
        return x.device.xp.ceil(x.array)


def ceil(input):
    return Ceil.apply(input)


class Round(Floor):
    """y = round(x) (half to even); the gradient is zero everywhere. (*) -> (*)"""

    op_name = "round"

    @staticmethod
    def forward(ctx, x):
        return x.device.xp.round(x.array)


def round(input):
    return Round.apply(input)


class Trunc(Floor):
    """y = trunc(x) (rounds toward zero); the gradient is zero everywhere. (*) -> (*)"""

    op_name = "trunc"

    @staticmethod
    def forward(ctx, x):
        return x.device.xp.trunc(x.array)


def trunc(input):
    return Trunc.apply(input)


fix = trunc


def frac(input):
    """x - trunc(x): the fractional part, with the sign of x."""
    return input - Trunc.apply(input)


# -- activations -----------------------------------------------------------------------------


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)); saves y; dy/dx = y * (1 - y). (*) -> (*)"""

    op_name = "sigmoid"

    @staticmethod
    def forward(ctx, x):
        xp = x.device.xp
        array = as_float_array(x)
        # NOTE: exp of a large positive number overflows; this form only exponentiates -|x|.
        e = xp.exp(-xp.abs(array))
        y = Tensor._make(xp.where(array >= 0, 1 / (1 + e), e / (1 + e)).astype(array.dtype))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y * (1 - y)


def sigmoid(input):
    return Sigmoid.apply(input)


def silu(input):
    return input * Sigmoid.apply(input)


class Tanh(Function):
    """y = tanh(x); saves y; dy/dx = 1 - y^2. (*) -> (*)"""

    op_name = "tanh"
    ufunc, cuda = "tanh", "tanh({a})"

    @staticmethod
    def forward(ctx, x):
        y = Tensor._make(x.device.xp.tanh(as_float_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (1 - y * y)


def tanh(input):
    return Tanh.apply(input)


class Relu(Function):
    """y = max(x, 0); saves y; dy/dx = 1 where y > 0. (*) -> (*)"""

    op_name = "relu"
    ufunc, cuda = "maximum", "max({a}, ({T})0)"
    ufunc_extra = (0,)

    @staticmethod
    def forward(ctx, x):
        y = Tensor._make(x.device.xp.maximum(x.array, x.array.dtype.type(0)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (y > 0)


def relu(input):
    return Relu.apply(input)


class LeakyRelu(Function):
    """y = x if x > 0 else slope * x. (*) -> (*)"""

    op_name = "leaky_relu"

    @staticmethod
    def forward(ctx, x, slope=0.01):
        array = x.array
        ctx.scale = x.device.xp.where(array > 0, 1.0, slope).astype(array.dtype)
        return array * ctx.scale

    @staticmethod
    def backward(ctx, gy):
        return gy * Tensor._make(ctx.scale), None


def leaky_relu(input, negative_slope=0.01):
    return LeakyRelu.apply(input, negative_slope)


class Gelu(Function):
    """y = x * Phi(x) (exact, with erf) or its tanh approximation. (*) -> (*)"""

    op_name = "gelu"

    @staticmethod
    def forward(ctx, x, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        return _gelu_terms(x, approximate)[0].array

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * _gelu_terms(x, ctx.approximate)[1], None


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


_GELU_CUBIC = 0.044715  # the tanh approximation: tanh(sqrt(2/pi) (x + 0.044715 x^3))


def _gelu_terms(x, approximate):
    """(gelu(x), d gelu / dx), written with differentiable ops."""
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x)
        t = tanh(inner)
        y = 0.5 * x * (1 + t)
        dinner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
        return y, 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner
    cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
    pdf = exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return x * cdf, cdf + x * pdf


def gelu(input, approximate="none"):
    return Gelu.apply(input, approximate)


class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta (linear above threshold); dy/dx = sigmoid(beta x)."""

    op_name = "softplus"

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        xp = x.device.xp
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        array = as_float_array(x)
        z = array * beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        # NOTE: NumPy 1.26 makes a 0-d float32 array times a Python float a float64 scalar
        return xp.where(z > threshold, array, soft).astype(array.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        return gy * where(z > ctx.threshold, 1.0, sigmoid(z)), None, None


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(input, beta, threshold)


# -- selection, copies and casts -------------------------------------------------------------


class Where(Function):
    """y = a where cond else b; the gradient flows to the side that was chosen."""

    op_name = "where"

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
    if input is None and other is None:  # where(cond) is nonzero(cond, as_tuple=True)
        from minigrad.ops.indexing import nonzero  # indexing imports this module

        return nonzero(tensor_arg(condition, None), as_tuple=True)
    cond = condition if isinstance(condition, Tensor) else tensor_arg(condition, input)
    if cond.array.dtype != np.bool_:
        cond = Cast.apply(cond, dtypes.bool_)
    return Where.apply(cond, tensor_arg(input, cond), tensor_arg(other, cond))


class Clamp(Function):
    """y = min(max(x, lo), hi); dy/dx = 1 where lo <= x <= hi (bounds included, as PyTorch)."""

    op_name = "clamp"

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        xp = x.device.xp
        array = x.array
        keep = xp.ones(array.shape, dtype=bool)
        y = array
        if lo is not None:
            lo_a = array_of(lo)
            keep &= array >= lo_a
            y = xp.maximum(y, lo_a)
        if hi is not None:
            hi_a = array_of(hi)
            keep &= array <= hi_a
            y = xp.minimum(y, hi_a)
        ctx.keep = keep
        bounds = [b for b in (lo, hi) if b is not None]
        return cast_to(y, dtypes.result_type(array, *bounds).np)

    @staticmethod
    def backward(ctx, gy):
        return gy * Tensor._make(ctx.keep), None, None


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # tensor bounds get gradients too: each place takes it from the value it chose
        y = input if min is None else where(input >= min, input, min)
        return y if max is None else where(y <= max, y, max)
    return Clamp.apply(input, min, max)


clip = clamp


class Maximum(Function):
    """y = max(a, b) elementwise; ties split the gradient in half, as PyTorch."""

    op_name = "maximum"

    @staticmethod
    def forward(ctx, a, b):
        x, z = a.array, b.array
        op = type(ctx).op_name  # "maximum", or "minimum" for the subclass
        try:
            y = cast_to(getattr(a.device.xp, op)(x, z), result_dtype(a, b))
        except ValueError:
            raise broadcast_error(op, a, b) from None
        a_wins = x > z if op == "maximum" else x < z
        ctx.shapes = (x.shape, z.shape)
        ctx.share = (a_wins + 0.5 * (x == z)).astype(y.dtype)  # a's part of the gradient
        return y

    @staticmethod
    def backward(ctx, gy):
        share = Tensor._make(ctx.share)
        sa, sb = ctx.shapes
        return _grad_for(ctx, 0, gy * share, sa), _grad_for(ctx, 1, gy * (1 - share), sb)


def maximum(input, other):
    return Maximum.apply(input, other)


class Minimum(Maximum):
    """y = min(a, b) elementwise; ties split the gradient in half, as PyTorch."""

    op_name = "minimum"


def minimum(input, other):
    return Minimum.apply(input, other)


class MaskedFill(Function):
    """y = value where mask else x; no gradient reaches the filled places."""

    op_name = "masked_fill"

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask.array
        xp = x.device.xp
        try:
            return xp.where(ctx.mask, array_of(value), x.array).astype(x.array.dtype)
        except ValueError:
            raise broadcast_error("masked_fill", x, mask) from None

    @staticmethod
    def backward(ctx, gy):
        return sum_to(where(Tensor._make(ctx.mask), 0.0, gy), gy.shape), None, None


def masked_fill(input, mask, value):
    if mask.array.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got {mask.dtype}")
    return MaskedFill.apply(input, mask, value)


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


class Copy(Function):
    """y = src broadcast to dst's shape and cast to dst's dtype (`dst.copy_(src)`); the gradient
    goes to src, summed back to its shape; dst's old values get none."""

    op_name = "copy"

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


class Cast(Function):
    """y = x as another dtype; the gradient is cast back to x's dtype."""

    op_name = "cast"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.array.astype(dtype.np)

    @staticmethod
    def backward(ctx, gy):
        return gy.to(dtype=ctx.dtype), None


def cast(input, dtype):
    dtype = dtypes.to_dtype(dtype)
    return Cast.apply(input, dtype)


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)
