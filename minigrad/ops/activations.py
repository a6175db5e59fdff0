"""Activations: sigmoid, silu, tanh, relu, leaky_relu, elu, gelu, softplus, hardtanh, hardswish,
hardsigmoid. (*) -> (*)"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops._util import (
    as_float_array,
    cast_to,
    half_as_float32,
    quiet,
    require_floating,
    ufunc_of,
    zeros_of,
)
from minigrad.ops.selection import where
from minigrad.ops.unary import _scipy_special, erf, erf_array, exp
from minigrad.tensor import Tensor


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)); saves y; dy/dx = y * (1 - y). (*) -> (*)"""

    op_name = "sigmoid"
    saved_names = ("result",)

    @staticmethod
    def forward(ctx, x):
        y = Tensor._make(_sigmoid_array(x.device.xp, as_float_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return SigmoidGrad.apply(gy, y)


class SigmoidGrad(Function):
    """g = gy * y * (1 - y): sigmoid's backward as one op, from its output y.

    # NOTE: one buffer written in place, where three ops made three arrays: sigmoid's forward
    + backward on 512x512 float32 282 -> 244 us (PyTorch 109). (*), (*) -> (*)"""

    op_name = "sigmoid_grad"

    @staticmethod
    def forward(ctx, gy, y):
        ctx.save_for_backward(gy, y)
        g = 1 - y.array
        g *= y.array
        return _times_upstream(g, gy.array)

    @staticmethod
    def backward(ctx, gg):
        gy, y = ctx.saved_tensors
        return SigmoidGrad.apply(gg, y), gg * gy * (1 - 2 * y)


def _times_upstream(g, gy):
    """g * gy, in g's buffer when the product keeps g's dtype (the gradient's dtype wins
    otherwise, as NumPy's promotion gives it)."""
    if gy.dtype != g.dtype or g.ndim == 0:
        return g * gy
    g *= gy
    return g


def _sigmoid_array(xp, array):
    """1 / (1 + exp(-x)) of a float array, in its dtype: sigmoid's and silu's forward."""
    # NOTE: exp(-x) overflows to inf for very negative x, which gives y = 0 as PyTorch
    # does (a stable where() on the sign is 8x slower on large arrays); float16 is
    # computed in float32, or it would overflow already below x = -11
    work = half_as_float32(array)
    special = _small_scipy(xp, work, 1024)
    if special is not None:  # (out=: a 0-d input stays an array)
        return cast_to(special.expit(work, out=xp.empty_like(work)), array.dtype)
    # NOTE: one buffer the chain writes in place (out= keeps a 0-d input an array): on
    # (512, 512) float32 149 -> 137 us warm, and 890 -> 130 us where each new 1 MB array
    # still costs page faults. sigmoid as 0.5 tanh(x / 2) + 0.5 (NumPy's tanh is fast: 80
    # us) was measured and refused: 1 + tanh rounds away the digits of a small sigmoid
    # (relative error 2e-4 at x = -10; 0 from x = -20).
    y = xp.negative(work) if work.ndim else xp.negative(work, out=xp.empty_like(work))
    with np.errstate(over="ignore"):
        xp.exp(y, out=y)
    y += 1
    xp.divide(1, y, out=y)
    return cast_to(y, array.dtype)


def _small_scipy(xp, array, limit):
    """scipy.special for an array of the CPU below `limit` values, where SciPy is installed;
    None otherwise.

    # NOTE: SciPy's expit and ndtr are one ufunc, the formula element by element: on 100
    float32 values sigmoid's four NumPy passes and np.errstate take 2.8 us, expit 0.5; gelu's
    erfc fit 15.6 us, ndtr 0.8 (and exact). Their scalar code costs 3 to 8 ns an element,
    against NumPy's vectorised passes at about 0.1 each, so larger arrays keep those; so does
    a GPU, and a CPU without SciPy (it is not a requirement)."""
    return _scipy_special() if xp is np and array.size < limit else None


def sigmoid(input):
    return Sigmoid.apply(input)


class Silu(Function):
    """y = x sigmoid(x), fused; dy/dx = s (1 + x (1 - s)), s = sigmoid(x). (*) -> (*)"""

    op_name = "silu"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x):
        require_floating("silu_cpu", x)
        array = as_float_array(x)
        s = _sigmoid_array(x.device.xp, array)
        ctx.save_for_backward(x)
        ctx.s = s
        with quiet():  # -inf * sigmoid(-inf) = -inf * 0 is nan, silently as PyTorch
            return array * s

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return SiluGrad.apply(gy, x, Tensor._make(ctx.s))


class SiluGrad(Function):
    """g = gy * s (1 + x (1 - s)), s = sigmoid(x) that silu's forward kept: its backward as
    one op. (*), (*), (*) -> (*)

    # NOTE: one buffer written in place, where five ops made five arrays: silu's forward +
    backward on 512x512 float32 374 -> 304 us (PyTorch 155)."""

    op_name = "silu_grad"

    @staticmethod
    def forward(ctx, gy, x, s):
        ctx.save_for_backward(gy, x)
        g = 1 - s.array
        with quiet():  # inf * 0 at x = +-inf is nan, silently as PyTorch
            g *= x.array
            g += 1
            g *= s.array
            return _times_upstream(g, gy.array)

    @staticmethod
    def backward(ctx, gg):
        # NOTE: sigmoid is an op again here, so the derivatives see that it depends on x
        gy, x = ctx.saved_tensors
        s = sigmoid(x)
        slope = s * (1 + x * (1 - s))
        curve = s * (1 - s) * (2 + x * (1 - 2 * s))
        return gg * slope, gg * gy * curve, None


def silu(input):
    return Silu.apply(input)


class Tanh(Function):
    """y = tanh(x); saves y; dy/dx = 1 - y^2. (*) -> (*)"""

    op_name = "tanh"
    saved_names = ("result",)
    ufunc, cuda = "tanh", "tanh({a})"

    @staticmethod
    def forward(ctx, x):
        y = Tensor._make(x.device.xp.tanh(as_float_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return TanhGrad.apply(gy, y)


class TanhGrad(Function):
    """g = gy * (1 - y^2): tanh's backward as one op, from its output y. (*), (*) -> (*)

    # NOTE: one buffer written in place, where three ops made three arrays, the same roundings
    in the same order: tanh's forward + backward on 512x512 float32 174-209 -> 130 us
    (PyTorch 607-648)."""

    op_name = "tanh_grad"

    @staticmethod
    def forward(ctx, gy, y):
        ctx.save_for_backward(gy, y)
        xp, array = y.device.xp, y.array
        g = xp.multiply(array, array, out=xp.empty_like(array))  # (out=: 0-d stays an array)
        xp.subtract(1, g, out=g)
        return _times_upstream(g, gy.array)

    @staticmethod
    def backward(ctx, gg):
        gy, y = ctx.saved_tensors
        return TanhGrad.apply(gg, y), gg * gy * (-2 * y)


def tanh(input):
    return Tanh.apply(input)


_CLIP_KEEPS_SIGN = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


class Relu(Function):
    """y = max(x, 0); saves y; dy/dx = 1 where y > 0. (*) -> (*)"""

    op_name = "relu"
    saved_names = ("result",)
    # NOTE: a static replay runs clip with both bounds: NumPy's maximum against the number 0
    # takes a strided loop, 1.5x slower on (64, 128) and 3.5x on (1000, 1000). (NumPy 1.26's
    # clip turns -0.0 into +0.0: there a relu alone replays forward, one in a fused chain not)
    ufunc, cuda = "clip", "max({a}, ({T})0)"
    ufunc_extra = (0, math.inf)

    @staticmethod
    def forward(ctx, x):
        array, xp = x.array, x.device.xp
        if array.dtype.kind != "f":
            y = Tensor._make(xp.maximum(array, zeros_of(xp, array)))
        elif _CLIP_KEEPS_SIGN:
            # NOTE: the clip ufunc, as a static replay runs it: one vectorised kernel (2.4x
            # faster than maximum on (1000, 1000)), and -0.0 stays -0.0 as in PyTorch
            y = Tensor._make(ufunc_of(xp, "clip")(array, 0, math.inf))
        else:  # NumPy 1.26: its clip and its float16 maximum make -0.0 +0.0
            y = Tensor._make(xp.where(array < 0, zeros_of(xp, array), array))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return ReluGrad.apply(gy, y)


# NOTE: NumPy makes an array of a Python 0 at every comparison with it (1.4k instructions of
# relu's gradient on (64, 128)); 0 is exact in every float dtype, so a 0-d zero of y's dtype
# gives the same mask. NumPy's only: CuPy takes no NumPy array as an operand.
_NUMPY_ZEROS = {np.dtype(t): np.zeros((), t) for t in (np.float16, np.float32, np.float64)}
for _zero in _NUMPY_ZEROS.values():
    _zero.flags.writeable = False


class ReluGrad(Function):
    """g = gy where y > 0, else 0: relu's backward as one op (PyTorch's threshold_backward),
    one node per relu in every backward instead of a comparison and a product."""

    op_name = "relu_grad"

    @staticmethod
    def forward(ctx, gy, y):
        ctx.save_for_backward(y)
        return ReluGrad.on_arrays(gy.array, y.array)

    @staticmethod
    def on_arrays(gy, y):  # (a compiled graph's replay calls it directly)
        # NOTE: a product with the mask, where PyTorch chooses (where(y > 0, gy, 0)): the same
        # but for an infinite or nan gy where y is 0 (nan here, 0 in PyTorch); np.where costs
        # twice as much, 5 us of the digits MLP's 100 us step (docs/autograd.md)
        zero = _NUMPY_ZEROS.get(y.dtype, 0) if type(y) is np.ndarray else 0
        return gy * (y > zero)

    @staticmethod
    def backward(ctx, gg):
        (y,) = ctx.saved_tensors
        return ReluGrad.apply(gg, y), None  # the mask is constant: nothing flows to y


def relu(input):
    if input.array.dtype.kind == "b":
        raise RuntimeError("relu: Boolean inputs not supported for relu")
    return Relu.apply(input)


class LeakyRelu(Function):
    """y = x if x > 0 else slope * x. (*) -> (*)"""

    op_name = "leaky_relu"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x, slope=0.01):
        require_floating("leaky_relu_cpu", x)
        array = x.array
        ctx.save_for_backward(x)
        ctx.slope = slope
        # NOTE: the larger of x and slope x (the smaller for a slope above 1), two vectorised
        # passes where x times the scale of LeakyReluGrad took four: on 512x512 float32 90 ->
        # 43 us (PyTorch 22)
        if slope == 0:  # x * 0 is nan at x = inf, which max(x, x * 0) would keep
            with quiet():  # -inf * 0 is nan, silently as PyTorch
                return array * (array > 0)
        xp = x.device.xp
        y = xp.multiply(array, array.dtype.type(slope), out=xp.empty_like(array))  # 0-d too
        return (xp.maximum if slope <= 1 else xp.minimum)(array, y, out=y)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return LeakyReluGrad.apply(gy, x, ctx.slope), None


class LeakyReluGrad(Function):
    """g = gy where x > 0, else slope * gy: leaky_relu's backward as one op, which finds the
    mask from x when it runs (a static replay too). (*), (*) -> (*)"""

    op_name = "leaky_relu_grad"

    @staticmethod
    def forward(ctx, gy, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        # slope + (1 - slope) [x > 0] rather than a `where` (see Sigmoid's note), and a cast
        # rather than a bool times a float (a slow mixed-type loop)
        dtype = x.array.dtype.type
        scale = (x.array > 0).astype(x.array.dtype)
        scale *= dtype(1 - slope)
        scale += dtype(slope)
        return _times_upstream(scale, gy.array)

    @staticmethod
    def backward(ctx, gg):
        (x,) = ctx.saved_tensors
        return LeakyReluGrad.apply(gg, x, ctx.slope), None, None  # the mask is constant


def leaky_relu(input, negative_slope=0.01):
    return LeakyRelu.apply(input, negative_slope)


class Elu(Function):
    """y = x if x > 0 else alpha (exp(x) - 1), as relu(x) + alpha expm1(min(x, 0)); saves x;
    dy/dx = 1 where x > 0, else alpha exp(x). (*) -> (*)

    # NOTE: one op with no `where` (NumPy's choice on a mixed mask is slow): on 512x512
    float32, forward 5.0x -> 0.8-0.9x PyTorch's time, with backward 9.9x -> 0.7-1.1x (the
    composite of where, exp and clamp it replaces; measured at load 8-10)."""

    op_name = "elu"

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        array, xp = x.array, x.device.xp
        work = half_as_float32(array).reshape(-1)  # (a 0-d input takes the same in-place path)
        y = xp.clip(work, -math.inf, 0)
        xp.expm1(y, out=y)
        y *= y.dtype.type(alpha)
        y += xp.clip(work, 0, math.inf)
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return cast_to(y, array.dtype).reshape(array.shape)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return EluGrad.apply(gy, x, ctx.alpha), None


class EluGrad(Function):
    """g = gy alpha exp(x) where x <= 0, else gy: elu's backward as one op (from x: y + alpha
    would lose the digits of a small alpha exp(x)). (*), (*) -> (*)"""

    op_name = "elu_grad"

    @staticmethod
    def forward(ctx, gy, x, alpha):
        ctx.save_for_backward(gy, x)
        ctx.alpha = alpha
        xp, array = x.device.xp, x.array
        work = half_as_float32(array).reshape(-1)  # (0-d too: in place on 1-d buffers)
        # c alpha exp(min(x, 0)) + (1 - c), c = [x <= 0] as 0 or 1: exact on both sides, nan
        # at a nan x (as PyTorch)
        c = (work <= 0).astype(work.dtype)
        d = xp.clip(work, -math.inf, 0)
        xp.exp(d, out=d)
        d *= work.dtype.type(alpha)
        d *= c
        xp.subtract(1, c, out=c)
        d += c
        g = _times_upstream(d, gy.array.reshape(-1))
        return cast_to(g, array.dtype).reshape(array.shape)

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        curve = (x <= 0) * (ctx.alpha * exp(x.clamp(max=0.0)))  # d/dx of alpha exp(x)
        return EluGrad.apply(gg, x, ctx.alpha), gg * gy * curve, None


def elu(input, alpha=1.0):
    require_floating("elu_cpu", input)
    return Elu.apply(input, alpha)


class Gelu(Function):
    """y = x * Phi(x) (exact, with erf) or its tanh approximation. (*) -> (*)

    # NOTE: forward keeps Phi(x) (or the tanh), which the gradient reads: one erf a step,
    # not two."""

    op_name = "gelu"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise RuntimeError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        require_floating("GeluKernelImpl", x)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        work = half_as_float32(x.array)  # float16's erf and cube are too coarse
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (work + _GELU_CUBIC * work * work * work)
            ctx.part = x.device.xp.tanh(inner)
            y = 0.5 * work * (1 + ctx.part)
        else:
            ctx.part = _normal_cdf(work, x.device)
            with quiet():  # -inf * Phi(-inf) = -inf * 0 is nan, silently as PyTorch
                y = work * ctx.part
        return cast_to(y, x.array.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return GeluGrad.apply(gy, x, Tensor._make(ctx.part), ctx.approximate), None


# logit Phi(x) = log(Phi(x) / (1 - Phi(x))) = x F(x^2) for |x| <= 3, F a polynomial of degree 6
# in x^2: a weighted least-squares fit (Chebyshev basis, reweighted towards the largest error)
# of logit Phi(x) / x to float64 values of log Phi, rounded to float32. Evaluated in float32 as
# _normal_cdf does, Phi = 1 / (1 + exp(-x F(x^2))) has relative error below 1.3e-6 on [-3, 3]
# (3e-7 for x > 0; the erfc fit below: 2.1e-6 and 4.6e-7). Phi's relative error is about the
# absolute error of logit Phi, so the lower tail keeps its digits.
_LOGIT_CDF_FIT = (
    1.595770955e00,
    7.266262174e-02,
    -6.226471305e-05,
    -1.114729166e-04,
    8.015998901e-06,
    -2.643365633e-07,
    3.224315037e-09,
)
_LOGIT_CDF_EDGE = 9.0  # the fit holds for x^2 up to this

# erfc(a) = t exp(-a^2 + P(t)) with t = 1 / (1 + a / 2), a >= 0: a Chebyshev fit, relative
# error below 1.2e-7 for every a (Press et al., Numerical Recipes, 2nd ed., section 6.2)
_ERFC_FIT = (
    -1.26551223,
    1.00002368,
    0.37409196,
    0.09678418,
    -0.18628806,
    0.27886807,
    -1.13520398,
    1.48851587,
    -0.82215223,
    0.17087277,
)


# NOTE: the fits' constants as float32 once: NumPy makes a scalar in 0.4 us, and the fits run
# 10 to 30 ops on arrays of 100 values that take 0.5 us each
_MINUS_LOGIT_CDF_FIT = tuple(np.float32(-c) for c in _LOGIT_CDF_FIT)
# (the 1/2 of erfc / 2 folded into the constant term)
_ERFC_FIT_FLOAT32 = (np.float32(_ERFC_FIT[0] + math.log(0.5)),) + tuple(
    np.float32(c) for c in _ERFC_FIT[1:]
)
_FLOAT32 = {
    "sqrt(1/2)": np.float32(1 / math.sqrt(2)),
    "1/2": np.float32(0.5),
    "-1/2": np.float32(-0.5),
    "-2^64": np.float32(-(2.0**64)),
}


def _normal_cdf(work, device):
    """Phi(x) = erfc(-x / sqrt 2) / 2 of a float array, in its dtype.

    # NOTE: SciPy's erf takes 10 ns an element (gelu on 512x512: 2.5 ms, PyTorch's 0.09);
    float32 uses vectorised fits instead, with relative errors near float32's own, tails
    included (1 + erf(x) would round to 0 below x = -5.5), and SciPy's exact ndtr only on
    small arrays of the CPU (_tail_normal_cdf). float64 keeps the exact erf. For |x| <= 3
    Phi is the sigmoid of the logit fit above, 18 passes over one buffer; the elements beyond
    (0.3% of normal values) take _tail_normal_cdf, which took every element before: on
    512x512 float32, gelu forward 605-624 -> 418-450 us, forward + backward 850-871 ->
    677-692 (load 7-10). Finding the elements beyond pays from 4096 values where SciPy's
    ndtr gives them (on 8192: 30 us, against 45 for the erfc fit alone and 68-76 for ndtr
    alone; on 2048: 18, ndtr alone 15), from 32768 where the erfc fit does (its 31 passes on
    a few values: 37.8 against 31.5 us for the erfc fit alone on 8192 values)."""
    if work.dtype != np.float32:
        return 0.5 * (1 + erf_array(work * (1 / math.sqrt(2)), device))
    xp = device.xp
    if work.size < (4096 if xp is np and _scipy_special() is not None else 32768):
        if work.ndim == 0:  # NumPy's arithmetic on 0-d arrays gives scalars, not buffers
            return _tail_normal_cdf(work.reshape(1), xp).reshape(())
        return _tail_normal_cdf(work, xp)
    flat = work.reshape(-1)
    # an overflow can only come from |x| > 3, whose Phi the erfc fit gives
    with np.errstate(over="ignore"):
        square = flat * flat
        p = square * _MINUS_LOGIT_CDF_FIT[-1]
        for c in _MINUS_LOGIT_CDF_FIT[-2:0:-1]:
            p += c
            p *= square
        p += _MINUS_LOGIT_CDF_FIT[0]
        p *= flat  # -logit Phi(x)
        xp.exp(p, out=p)
    p += 1
    xp.divide(1, p, out=p)
    far = xp.flatnonzero(square > _LOGIT_CDF_EDGE)  # a nan stays out: its Phi is nan already
    if far.size:
        p[far] = _tail_normal_cdf(flat[far], xp)
    return p.reshape(work.shape)


def _tail_normal_cdf(work, xp):
    """Phi(x) of a float32 array (not 0-d), accurate for every x: SciPy's ndtr (exact) below
    4096 values on the CPU (_small_scipy; 28 against 31 us there, 76 against 45 on 8192), the
    erfc fit otherwise."""
    special = _small_scipy(xp, work, 4096)
    return _far_normal_cdf(work, xp) if special is None else special.ndtr(work)


def _far_normal_cdf(work, xp):
    """Phi(x) of a float32 array (not 0-d) from the erfc fit, accurate for every x.

    # NOTE: in place on three buffers, the 1/2 of erfc / 2 folded into its constant term; the
    sign picks Phi(-|x|) or 1 - Phi(-|x|) by arithmetic (a float times a bool array is a slow
    mixed-type loop, np.where slower still; copysign is not vectorised)."""
    a = xp.abs(work)
    a *= _FLOAT32["sqrt(1/2)"]
    t = a * _FLOAT32["1/2"]
    t += 1
    xp.divide(1, t, out=t)
    p = t * _ERFC_FIT_FLOAT32[-1]
    for c in _ERFC_FIT_FLOAT32[-2:0:-1]:
        p += c
        p *= t
    p += _ERFC_FIT_FLOAT32[0]
    # a^2 = inf gives Phi(-|x|) = exp(-inf) = 0; side is clipped
    with np.errstate(over="ignore", under="ignore"):
        a *= a
        p -= a
        xp.exp(p, out=p)
        # -1 where x > 0, 1 where x < 0 (a fraction only where |x| < 2^-64, where p is 1/2)
        side = work * _FLOAT32["-2^64"]
    p *= t  # Phi(-|x|)
    xp.clip(side, -1, 1, out=side)
    p *= side
    side *= _FLOAT32["-1/2"]
    side += _FLOAT32["1/2"]  # 1 where x > 0, else 0
    side += p  # 1 - Phi(-|x|) where x > 0, else Phi(-|x|) exactly
    return side


class GeluGrad(Function):
    """gelu's gradient gy * gelu'(x), from Phi(x) (or the tanh of the approximation) that
    forward kept. (*), (*), (*) -> (*)"""

    op_name = "gelu_grad"

    @staticmethod
    def forward(ctx, gy, x, part, approximate):
        ctx.save_for_backward(gy, x)
        ctx.approximate = approximate
        work, t = half_as_float32(x.array), part.array
        if approximate == "tanh":
            inner_slope = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * work * work)
            slope = 0.5 * (1 + t) + 0.5 * work * (1 - t * t) * inner_slope
        else:
            # NOTE: in place on one buffer (out= keeps a 0-d input an array): 6 new arrays
            # fewer on every backward
            xp = x.device.xp
            slope = xp.multiply(work, work, out=xp.empty_like(work))
            slope *= -0.5
            xp.exp(slope, out=slope)
            slope *= work
            slope *= 1 / math.sqrt(2 * math.pi)
            slope += t  # Phi(x) + x pdf(x)
        return _times_upstream(cast_to(slope, x.array.dtype), gy.array)  # (in slope's buffer)

    @staticmethod
    def backward(ctx, g):
        gy, x = ctx.saved_tensors
        slope, curve = _gelu_terms(x, ctx.approximate)
        return g * slope, g * gy * curve, None, None


def gelu(input, approximate="none"):
    return Gelu.apply(input, approximate)


# NumPy 2's clip keeps a -0.0 that equals a bound, as PyTorch's clamp does; NumPy 1.26 gives +0.0
_CLIP_KEEPS_NEGATIVE_ZERO = bool(np.signbit(np.clip(np.array([-0.0]), 0.0, 1.0))[0])
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


_GELU_CUBIC = 0.044715  # the tanh approximation: tanh(sqrt(2/pi) (x + 0.044715 x^3))


def _gelu_terms(x, approximate):
    """(gelu'(x), gelu''(x)), written with differentiable ops."""
    if approximate == "tanh":
        t = tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
        u1 = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)  # the inner term's derivatives
        u2 = (6 * _SQRT_2_OVER_PI * _GELU_CUBIC) * x
        sech2 = 1 - t * t
        slope = 0.5 * (1 + t) + 0.5 * x * sech2 * u1
        return slope, sech2 * (u1 + 0.5 * x * (u2 - 2 * t * u1 * u1))
    cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
    pdf = exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return cdf + x * pdf, pdf * (2 - x * x)


class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta (linear above threshold); dy/dx = sigmoid(beta x)."""

    op_name = "softplus"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        require_floating("softplus_cpu", x)
        xp, array = x.device.xp, as_float_array(x)
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        # NOTE: PyTorch's formula, log1p(exp(z)) / beta, in one buffer written in place (float16
        # in float32, as PyTorch); the linear part is copied in only where there is one (a
        # masked copy or np.where over a random mask costs 4x the whole op): on 512x512 float32
        # forward 512 -> 200 us (PyTorch 276-303), forward + backward 980 -> 429 (PyTorch 375)
        work = half_as_float32(array)
        b = work.dtype.type(beta)
        z = xp.multiply(work, b, out=xp.empty_like(work)) if beta != 1 else work
        linear = z > threshold
        # NOTE: exp(z) overflows (a warning) only above 88.7, float32's log(max) (float64's is
        # 709): below that threshold only on linear elements, so np.errstate (0.8 us, most of a
        # small call's arithmetic) is entered only where there are some (or the threshold is
        # higher, or nan)
        some_linear = _any(xp, linear)
        with np.errstate(over="ignore") if some_linear or not threshold < 88 else _NO_CONTEXT:
            z = xp.exp(z, out=xp.empty_like(work) if z is work else z)
        xp.log1p(z, out=z)
        if beta != 1:
            z /= b
        if some_linear:
            xp.copyto(z, work, where=linear)
        return cast_to(z, array.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return SoftplusGrad.apply(gy, x, ctx.beta, ctx.threshold), None, None


class SoftplusGrad(Function):
    """g = gy * sigmoid(beta x), gy where beta x > threshold: softplus's backward as one op.
    (*), (*) -> (*)"""

    op_name = "softplus_grad"

    @staticmethod
    def forward(ctx, gy, x, beta, threshold):
        ctx.save_for_backward(gy, x)
        ctx.beta, ctx.threshold = beta, threshold
        xp, array = x.device.xp, as_float_array(x)
        work = half_as_float32(array)
        # sigmoid(z) = 1 / (1 + exp(-z)) in one buffer, as _sigmoid_array, from -z = x (-beta)
        s = xp.multiply(work, work.dtype.type(-beta), out=xp.empty_like(work))
        linear = s < -threshold
        with np.errstate(over="ignore"):  # (exp(-beta x) = inf far below 0: s = 0 there)
            xp.exp(s, out=s)
        s += 1
        xp.divide(1, s, out=s)
        if _any(xp, linear):
            xp.copyto(s, 1, where=linear)
        g = _times_upstream(s, gy.array)  # (float16 in float32: one rounding, as PyTorch)
        # (promote_types of two dtypes: result_type, which parses any arguments, costs 0.5 us
        # more a call)
        return cast_to(g, xp.promote_types(array.dtype, gy.array.dtype))

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        z = x * ctx.beta
        s = sigmoid(z)
        inside = z <= ctx.threshold
        slope = where(inside, s, 1.0)
        curve = where(inside, s * (1 - s) * ctx.beta, 0.0)
        return gg * slope, gg * gy * curve, None, None


_NO_CONTEXT = contextlib.nullcontext()


def _any(xp, mask) -> bool:
    """Whether a boolean array has a True element.

    # NOTE: NumPy's argmax of a boolean array stops at the first True, without any()'s Python
    wrapper: 0.2 against 0.65 us on 100 values, 3.1 against 4.3 on 262,144."""
    if xp is not np or not mask.size:
        return bool(mask.any())
    return bool(mask.reshape(-1)[mask.argmax()])


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(input, beta, threshold)


class Hardtanh(Function):
    """y = clamp(x, low, high); dy/dx = 1 strictly inside (low, high) and at a nan x, else 0
    (PyTorch's hardtanh_backward, unlike clamp's 1 at the ends). (*) -> (*)

    # NOTE: one clip and, for the gradient, one mask, where a `where` over a comparison and a
    # detached clamp took six passes: relu6 on 512x512 float32 22x -> 1x PyTorch's time"""

    op_name = "hardtanh"
    saved_names = ("self",)

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        xp, array = x.device.xp, x.array
        y = xp.clip(array, low, high)
        if xp is np and not _CLIP_KEEPS_NEGATIVE_ZERO and (low == 0 or high == 0):
            y = np.asarray(y)  # (NumPy 1.26's clip of a 0-d array is a scalar)
            np.copyto(y, array, where=array == 0)  # -0.0 stays -0.0, as PyTorch's
        return y

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return HardtanhGrad.apply(gy, x, ctx.low, ctx.high), None, None


class HardtanhGrad(Function):
    """g = gy where not (x <= low or x >= high), else 0: hardtanh's backward as one op.
    (*), (*) -> (*)"""

    op_name = "hardtanh_grad"

    @staticmethod
    def forward(ctx, gy, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        xp, array = x.device.xp, x.array
        outside = xp.less_equal(array, low)
        outside |= xp.greater_equal(array, high)
        return gy.array * ~outside

    @staticmethod
    def backward(ctx, gg):
        (x,) = ctx.saved_tensors
        return HardtanhGrad.apply(gg, x, ctx.low, ctx.high), None, None, None  # a constant mask


def hardtanh(input, min_val=-1.0, max_val=1.0):
    return Hardtanh.apply(input, min_val, max_val)


class Hardswish(Function):
    """y = x min(max(x + 3, 0), 6) / 6, PyTorch's order of roundings; dy/dx = 0 up to -3,
    x / 3 + 1/2 below 3, 1 from 3 on (and at a nan x). (*) -> (*)"""

    op_name = "hardswish"

    @staticmethod
    def forward(ctx, x):
        require_floating("hardswish_cpu", x)
        ctx.save_for_backward(x)
        xp, array = x.device.xp, x.array
        work = half_as_float32(array)
        y = xp.add(work, 3, out=xp.empty_like(work))  # (out=: a 0-d input stays an array)
        xp.clip(y, 0, 6, out=y)
        with quiet():  # -inf * 0 is nan, silently as PyTorch
            y *= work
        y /= 6
        return cast_to(y, array.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return HardswishGrad.apply(gy, x)


class HardswishGrad(Function):
    """g = gy * hardswish'(x): its backward as one op. (*), (*) -> (*)"""

    op_name = "hardswish_grad"

    @staticmethod
    def forward(ctx, gy, x):
        ctx.save_for_backward(gy, x)
        xp, array = x.device.xp, x.array
        work = half_as_float32(array)
        slope = xp.divide(work, 3, out=xp.empty_like(work))
        slope += 0.5
        # NOTE: the two constant pieces are copied in only where there are any (a masked copy
        # over the whole array costs as much as the slope)
        low = work <= -3
        if low.any():
            xp.copyto(slope, 0, where=low)
        high = ~(work < 3)  # (a nan x too)
        if high.any():
            xp.copyto(slope, 1, where=high)
        g = _times_upstream(slope, gy.array)
        return cast_to(g, xp.promote_types(array.dtype, gy.array.dtype))

    @staticmethod
    def backward(ctx, gg):
        gy, x = ctx.saved_tensors
        curve = ((x > -3) & (x < 3)) * (1 / 3)  # d/dx of x / 3 + 1/2
        return HardswishGrad.apply(gg, x), gg * gy * curve


def hardswish(input):
    return Hardswish.apply(input)


class Hardsigmoid(Function):
    """y = min(max(x + 3, 0), 6) / 6; dy/dx = 1/6 strictly inside (-3, 3), else 0. (*) -> (*)"""

    op_name = "hardsigmoid"

    @staticmethod
    def forward(ctx, x):
        require_floating("hardsigmoid_cpu", x)
        ctx.save_for_backward(x)
        xp, array = x.device.xp, x.array
        work = half_as_float32(array)
        y = xp.add(work, 3, out=xp.empty_like(work))
        xp.clip(y, 0, 6, out=y)
        y /= 6
        return cast_to(y, array.dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return HardsigmoidGrad.apply(gy, x)


class HardsigmoidGrad(Function):
    """g = gy / 6 strictly inside (-3, 3), else 0: hardsigmoid's backward as one op.
    (*), (*) -> (*)

    # NOTE: PyTorch multiplies by a float32 1/6 for float64 too, and so does this"""

    op_name = "hardsigmoid_grad"

    @staticmethod
    def forward(ctx, gy, x):
        ctx.save_for_backward(x)
        xp, array = x.device.xp, x.array
        work = half_as_float32(array)
        inside = xp.greater(work, -3)
        inside &= xp.less(work, 3)
        scale = inside.astype(work.dtype)
        scale *= work.dtype.type(np.float32(1 / 6))
        g = _times_upstream(scale, gy.array)
        return cast_to(g, xp.promote_types(array.dtype, gy.array.dtype))

    @staticmethod
    def backward(ctx, gg):
        (x,) = ctx.saved_tensors
        return HardsigmoidGrad.apply(gg, x), None  # the mask is constant


def hardsigmoid(input):
    return Hardsigmoid.apply(input)
