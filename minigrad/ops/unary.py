"""Unary math: exp and log, sqrt, abs and sign, trigonometry and its inverses, erf and erfinv,
rounding. (*) -> (*)"""

from __future__ import annotations

import functools
import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.creation import zeros_like
from minigrad.ops._util import (
    as_float_array,
    cast_to,
    half_as_float32,
    quiet,
    require_floating,
    require_tensors,
)
from minigrad.tensor import Tensor


class Exp(Function):
    """y = exp(x); saves y; dy/dx = y. (*) -> (*)"""

    op_name = "exp"
    saved_names = ("result",)
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


class Exp2(Function):
    """y = 2 ** x (a float for integer input too); saves y; dy/dx = y ln 2. (*) -> (*)

    # NOTE: NumPy's exp2, not exp(x ln 2): x ln 2 rounded to float16 made 2 ** 3 come out as
    # 8.0078; PyTorch's, as this, is exact at integers"""

    op_name = "exp2"
    saved_names = ("result",)
    ufunc, cuda = "exp2", "exp2({a})"

    @staticmethod
    def forward(ctx, x):
        y = Tensor._make(x.device.xp.exp2(as_float_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y * math.log(2)


def exp2(input):
    return Exp2.apply(input)


class Expm1(Function):
    """y = exp(x) - 1, exact near 0; saves y; dy/dx = y + 1. (*) -> (*)"""

    op_name = "expm1"
    saved_names = ("result",)

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
    saved_names = ("self",)
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
    saved_names = ("self",)
    quiet_domain = True  # inf and nan out of its domain come silently

    def name(self):
        return "Log1PBackward0"

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
    saved_names = ("result",)
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
    saved_names = ("self",)
    ufunc, cuda = "abs", "abs({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.abs(x.array)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * sign(x)


def _no_bool_kernel(kernel: str, x: Tensor) -> None:
    """NotImplementedError, as PyTorch's, for the rounding ops and abs of bools (integers are
    fine: their floor is themselves)."""
    if x.array.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def abs(input):
    _no_bool_kernel("abs_cpu", input)
    return Abs.apply(input)


absolute = abs


class Sign(Function):
    """y = sign(x) in {-1, 0, 1}; the gradient is zero everywhere. (*) -> (*)"""

    op_name = "sign"

    @staticmethod
    def forward(ctx, x):
        array = x.array
        if array.dtype.kind == "b":  # NumPy has no sign of bools; PyTorch's is the identity
            return array.copy()
        if array.dtype.kind == "f":  # PyTorch's (x > 0) - (x < 0): 0 for nan (NumPy's: nan)
            return (array > 0).astype(array.dtype) - (array < 0).astype(array.dtype)
        return x.device.xp.sign(array)

    @staticmethod
    def backward(ctx, gy):
        return zeros_like(gy)  # (not gy * 0: an infinite or nan gy gives 0, as PyTorch)


def sign(input):
    return Sign.apply(input)


class Sin(Function):
    """y = sin(x); dy/dx = cos(x). (*) -> (*)"""

    op_name = "sin"
    saved_names = ("self",)
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
    saved_names = ("self",)
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
    saved_names = ("self",)
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


class Cosh(Function):
    """y = cosh(x); dy/dx = sinh(x). (*) -> (*)"""

    op_name = "cosh"
    saved_names = ("self",)
    ufunc, cuda = "cosh", "cosh({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.cosh(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * sinh(x)


def cosh(input):
    return Cosh.apply(input)


# -- inverse trigonometric and hyperbolic functions: nan out of their domain, silently ------
class Asin(Function):
    """y = asin(x); dy/dx = 1 / sqrt(1 - x^2). (*) -> (*)"""

    op_name = "asin"
    saved_names = ("self",)
    quiet_domain = True
    ufunc, cuda = "arcsin", "asin({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return x.device.xp.arcsin(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / sqrt(1 - x * x)


def asin(input):
    return Asin.apply(input)


class Acos(Function):
    """y = acos(x); dy/dx = -1 / sqrt(1 - x^2). (*) -> (*)"""

    op_name = "acos"
    saved_names = ("self",)
    quiet_domain = True
    ufunc, cuda = "arccos", "acos({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return x.device.xp.arccos(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy / sqrt(1 - x * x)


def acos(input):
    return Acos.apply(input)


class Atan(Function):
    """y = atan(x); dy/dx = 1 / (1 + x^2). (*) -> (*)"""

    op_name = "atan"
    saved_names = ("self",)
    ufunc, cuda = "arctan", "atan({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.arctan(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (1 + x * x)


def atan(input):
    return Atan.apply(input)


class Asinh(Function):
    """y = asinh(x); dy/dx = 1 / sqrt(x^2 + 1). (*) -> (*)"""

    op_name = "asinh"
    ufunc, cuda = "arcsinh", "asinh({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.xp.arcsinh(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / sqrt(x * x + 1)


def asinh(input):
    return Asinh.apply(input)


class Acosh(Function):
    """y = acosh(x) for x >= 1; dy/dx = 1 / sqrt(x^2 - 1). (*) -> (*)"""

    op_name = "acosh"
    quiet_domain = True
    ufunc, cuda = "arccosh", "acosh({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return x.device.xp.arccosh(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / sqrt(x * x - 1)


def acosh(input):
    return Acosh.apply(input)


class Atanh(Function):
    """y = atanh(x) for |x| < 1; dy/dx = 1 / (1 - x^2). (*) -> (*)"""

    op_name = "atanh"
    quiet_domain = True
    ufunc, cuda = "arctanh", "atanh({a})"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return x.device.xp.arctanh(as_float_array(x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (1 - x * x)


def atanh(input):
    return Atanh.apply(input)


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def deg2rad(input):
    return input * (math.pi / 180)


def rad2deg(input):
    return input * (180 / math.pi)


@functools.cache
def _scipy_special():
    """scipy.special, or None where SciPy is not installed.

    # NOTE: looked up once per process: erf, erfc, erfinv and the small sigmoid, silu and gelu
    calls ask on every call, and a failed import searches sys.path again (27 us a call where
    SciPy is missing, five times a small op)."""
    try:
        import scipy.special
    except ImportError:
        return None
    return scipy.special


def _numpy_erf(array):
    """# NOTE: NumPy has no erf. SciPy's (vectorised) when SciPy is installed, as it is with the
    lab extras (scikit-learn needs it); otherwise math.erf element by element: exact, but about
    60x slower, which shows in gelu on big activations."""
    special = _scipy_special()
    if special is None:
        return np.asarray(np.frompyfunc(math.erf, 1, 1)(array), dtype=array.dtype)
    return special.erf(array)


# erf(x) = tanh(x R(x^2)) for |x| <= 4, where x R(x^2) ~ atanh(erf(x)): fit up to 3.95 (from
# 3.92 float32's erf is 1; at 4 the tanh is 1), by least squares weighted by erf's relative
# error per unit of atanh(erf) ((1 - erf^2) / erf), then reweighted by the error towards
# minimax; R's coefficients lowest power first. Evaluated in float32, erf is within 3.3 ulps
# (0.45 on average) from the smallest subnormal up, monotone, and never beyond +-1.
_ERF_ATANH = (
    1.1283792501345618,
    0.1027696681283731,
    -0.0001944294025331434,
    -0.0006160073934827893,
    8.526228714793825e-05,
    -4.969073046687256e-06,
    4.814241205686187e-08,
    4.550971419159389e-09,
)


def _erf_float32(array):
    """erf of a float32 array from the fit above: 18 passes over two buffers.

    # NOTE: SciPy's erf takes 11 ns an element in float32 (512x512: 2.9 ms, PyTorch 0.25);
    NumPy's tanh is a fast vectorised kernel (0.15 ns an element), so the fit is of atanh(erf)
    rather than of erf itself (27 passes for a rational fit as accurate)."""
    x = np.clip(array.reshape(-1), np.float32(-4), np.float32(4))  # (0-d: same path)
    y = _horner_float32(_ERF_ATANH, x * x)
    y *= x
    np.tanh(y, out=y)
    return y.reshape(array.shape)


def _horner_float32(coefficients, t):
    """sum(c_k t^k) of a float32 array t (lowest power first), in one new buffer."""
    total = t * np.float32(coefficients[-1])
    for c in coefficients[-2:0:-1]:
        total += np.float32(c)
        total *= t
    total += np.float32(coefficients[0])
    return total


def erf_array(array, device):
    """erf of a float array, in its dtype."""
    if device.type != "cpu":
        import cupyx.scipy.special

        return cupyx.scipy.special.erf(array)
    if array.dtype == np.float32:
        return _erf_float32(array)
    return _numpy_erf(array).astype(array.dtype, copy=False)


class Erf(Function):
    """y = erf(x); dy/dx = 2 / sqrt(pi) * exp(-x^2). (*) -> (*)"""

    op_name = "erf"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(as_float_array(x), x.device)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (2 / math.sqrt(math.pi)) * exp(-x * x)


def erf(input):
    return Erf.apply(input)


def erfc_array(array, device):
    """erfc of a float array, in its dtype: SciPy's or math.erfc on the CPU, as erf_array."""
    if device.type != "cpu":
        import cupyx.scipy.special

        return cupyx.scipy.special.erfc(array)
    special = _scipy_special()
    if special is None:
        return np.asarray(np.frompyfunc(math.erfc, 1, 1)(array), dtype=array.dtype)
    return special.erfc(array).astype(array.dtype, copy=False)


class Erfc(Function):
    """y = erfc(x) = 1 - erf(x), computed directly so that its tail (x > 4, where 1 - erf(x)
    rounds to 0) keeps its digits; dy/dx = -2 / sqrt(pi) * exp(-x^2). (*) -> (*)"""

    op_name = "erfc"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erfc_array(as_float_array(x), x.device)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (-2 / math.sqrt(math.pi)) * exp(-x * x)


def erfc(input):
    return Erfc.apply(input)


def _numpy_erfinv(array):
    """# NOTE: SciPy's erfinv when SciPy is installed. Otherwise Winitzki's closed form
    (relative error about 2e-3) refined by three Newton steps on erf(y) = x, which brings it
    to the float64 rounding level; +-1 give +-inf and |x| > 1 nan, as PyTorch."""
    special = _scipy_special()
    if special is not None:
        return special.erfinv(array)
    a = 0.147
    with quiet():
        log_term = np.log1p(-array * array)
        first = 2 / (math.pi * a) + log_term / 2
        y = np.sign(array) * np.sqrt(np.sqrt(first * first - log_term / a) - first)
        for _ in range(3):
            inside = np.isfinite(y)
            step = (_numpy_erf(y) - array) / (2 / math.sqrt(math.pi) * np.exp(-y * y))
            y = np.where(inside, y - step, y)
    return y


# erfinv(y) = y P(w) for a float32 y, w = -log((1 - y)(1 + y)): P a polynomial in w - 2.5 for
# w < 5 (|y| < 0.9966; written below in L + 2.5, L = -w = log((1 - y)(1 + y))), in sqrt(w) - 3
# above (up to w = 16.6, at the float32 next to 1). Both fit by least squares weighted by the
# relative error and reweighted towards minimax (float64), lowest power first: erfinv within
# 3.2 float32 ulps (0.75 on average).
_ERFINV_CENTRAL = (
    1.5014093543745959,
    -0.24664026629917807,
    -0.004177357322960203,
    0.0012526911493890504,
    0.00021831785585377803,
    4.996688070478365e-06,
    -3.45520877155156e-06,
    -4.740521464333125e-07,
    2.2582688524730443e-08,
    9.400238892842694e-09,
)
_ERFINV_TAIL = (
    2.8329769595050487,
    1.0016747574155112,
    0.009436793959121337,
    -0.0076325901709269894,
    0.005757052745833602,
    -0.0036360844298793382,
    0.001299781213326523,
    6.254208881198431e-05,
    -0.0001551617403879879,
)


def _erfinv_float32(array):
    """erfinv of a float32 array from the fits above (+-inf at +-1, nan beyond): about 26
    passes; the tail's fit only on the elements beyond |y| = 0.9966.

    # NOTE: SciPy's float32 erfinv takes 16 ns an element (512x512: 4.3 ms, PyTorch 0.9)."""
    y = array.reshape(-1)  # (a 0-d array takes the same path)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        log = np.subtract(1, y)
        log *= 1 + y
        np.log(log, out=log)  # nan where |y| > 1, and then in x too
        x = _horner_float32(_ERFINV_CENTRAL, log + np.float32(2.5))
        x *= y
        far = np.flatnonzero(log <= -5)
        if far.size:
            ends = y[far]
            tail = _horner_float32(_ERFINV_TAIL, np.sqrt(-log[far]) - np.float32(3)) * ends
            x[far] = np.where(np.abs(ends) == 1, ends * np.float32(np.inf), tail)
    return x.reshape(array.shape)


class Erfinv(Function):
    """y = erfinv(x), the inverse of erf on (-1, 1); dy/dx = sqrt(pi) / 2 * exp(y^2).
    (*) -> (*)"""

    op_name = "erfinv"
    quiet_domain = True

    @staticmethod
    def forward(ctx, x):
        array = as_float_array(x)
        if x.device.type != "cpu":
            import cupyx.scipy.special

            y = cupyx.scipy.special.erfinv(array)
        elif array.dtype == np.float32:
            y = _erfinv_float32(array)
        else:
            y = _numpy_erfinv(array).astype(array.dtype, copy=False)
        y = Tensor._make(y)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (math.sqrt(math.pi) / 2) * exp(y * y)


def erfinv(input):
    return Erfinv.apply(input)


class Floor(Function):
    """y = floor(x); the gradient is zero everywhere. (*) -> (*)"""

    op_name = "floor"

    @staticmethod
    def forward(ctx, x):
        return _whole(x.device.xp.floor, x.array)

    @staticmethod
    def backward(ctx, gy):
        return zeros_like(gy)  # (not gy * 0: an infinite or nan gy gives 0, as PyTorch)


def _whole(rounding, array):
    """rounding(array); an integer array is whole already: a copy in its dtype, as PyTorch
    gives (NumPy 1.26's floor, ceil and trunc turn integers into floats)."""
    return array.copy() if array.dtype.kind in "iu" else rounding(array)


def floor(input):
    _no_bool_kernel("floor_vml_cpu", input)
    return Floor.apply(input)


class Ceil(Floor):
    """y = ceil(x); the gradient is zero everywhere. (*) -> (*)"""

    op_name = "ceil"

    @staticmethod
    def forward(ctx, x):
        return _whole(x.device.xp.ceil, x.array)


def ceil(input):
    _no_bool_kernel("ceil_vml_cpu", input)
    return Ceil.apply(input)


class Round(Floor):
    """y = round(x) (half to even), or to `decimals` decimal places as PyTorch computes it
    (round(x * 10^d) / 10^d, float16 in float32); the gradient is zero everywhere."""

    op_name = "round"

    @staticmethod
    def forward(ctx, x, decimals=0):
        xp, array = x.device.xp, x.array
        if decimals == 0:
            return xp.round(array)
        work = half_as_float32(array)
        scale = work.dtype.type(10.0 ** max(decimals, -decimals))  # (abs is the op here)
        y = xp.round(work * scale) / scale if decimals > 0 else xp.round(work / scale) * scale
        return cast_to(y, array.dtype)

    @staticmethod
    def backward(ctx, gy):
        return zeros_like(gy), None


def round(input, *, decimals=0):
    if decimals == 0:
        _no_bool_kernel("round_vml_cpu", input)
        return Round.apply(input)
    require_floating("round_cpu", input)
    return Round.apply(input, decimals)


class Trunc(Floor):
    """y = trunc(x) (rounds toward zero); the gradient is zero everywhere. (*) -> (*)"""

    op_name = "trunc"

    @staticmethod
    def forward(ctx, x):
        return _whole(x.device.xp.trunc, x.array)


def trunc(input):
    _no_bool_kernel("trunc_vml_cpu", input)
    return Trunc.apply(input)


fix = trunc


def frac(input):
    """x - trunc(x): the fractional part, with the sign of x."""
    require_floating("frac_cpu", input)
    return input - Trunc.apply(input)


class FrexpMantissa(Function):
    """m of frexp (x = m * 2**e, 0.5 <= |m| < 1, 0 for 0), in x's dtype; saves 2**-e;
    dm/dx = 2**-e. (*) -> (*)

    # NOTE: the kernel's own mantissa, exact in every dtype: x * exp2(-e) went through
    # float32 (exp2 of an int32 exponent), so a float64 x below 2**-126 gave inf, and a
    # replay, whose kernel promoted differently, made float64 where the trace said float32."""

    op_name = "frexp_mantissa"

    @staticmethod
    def forward(ctx, x):
        xp = x.device.xp
        mantissa, exponent = xp.frexp(x.array)
        with quiet():  # 2**-e of a subnormal x overflows to inf, as PyTorch's grad / 2**e
            scale = xp.ldexp(xp.ones_like(mantissa), -exponent)
        ctx.save_for_backward(Tensor._make(scale))
        return Tensor._make(mantissa)

    @staticmethod
    def backward(ctx, gy):
        (scale,) = ctx.saved_tensors
        return gy * scale


def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2**exponent, 0.5 <= |mantissa| < 1 (0 for
    0), the mantissa in input's dtype, the exponent int32 (as PyTorch's)."""
    from minigrad.ops.nograd import FrexpExponent
    from minigrad.ops.reduce import RETURN_TYPES

    if input.array.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes, got {input.dtype}")
    return RETURN_TYPES["frexp"](FrexpMantissa.apply(input), FrexpExponent.apply(input))


def ldexp(input, other):
    """input * 2**other (a float result: the default float dtype for integers), 2**other
    computed in the result's dtype."""
    from minigrad import dtypes
    from minigrad.ops.arithmetic import mul

    require_tensors("ldexp", input, other)
    if input.dtype.is_floating_point and other.dtype is dtypes.bool_:  # PyTorch's exp2 kernel
        raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
    dt = dtypes.result_type(input, other)
    dt = dt if dt.is_floating_point else dtypes.get_default_dtype()
    return mul(input, exp2(other.to(dt)))
