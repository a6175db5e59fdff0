"""Unary math: exp and log, sqrt, abs and sign, trigonometry, erf, rounding. (*) -> (*)"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops._util import as_float_array, quiet
from minigrad.tensor import Tensor


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


def tan(input):
    return Sin.apply(input) / Cos.apply(input)


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


def _numpy_erf(array):
    """# NOTE: NumPy has no erf. SciPy's (vectorised) when SciPy is installed, as it is with the
    lab extras (scikit-learn needs it); otherwise math.erf element by element: exact, but about
    60x slower, which shows in gelu on big activations."""
    try:
        from scipy.special import erf as scipy_erf
    except ImportError:
        return np.asarray(np.frompyfunc(math.erf, 1, 1)(array), dtype=array.dtype)
    return scipy_erf(array)


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
