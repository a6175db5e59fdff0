"""`torch.special`, as far as minigrad has the functions: most are its existing ops under
SciPy's names (`expit` is `sigmoid`, `gammaln` is `lgamma`, `psi` is `digamma`), and the rest
are short compositions of them, so gradients, static graphs and the GPU come with the ops.

gammainc and gammaincc, the regularized incomplete gamma functions, have their own kernel here
(one op, `special_gammainc`).

Not here: the Bessel functions other than i0/i0e/i1/i1e, erfcx, airy_ai
and the orthogonal-polynomial families.
"""

from __future__ import annotations

import math

from minigrad import dtypes
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import state
from minigrad.ops._util import cast_to, kernel_type, quiet, require_floating
from minigrad.ops.activations import sigmoid as expit
from minigrad.ops.arithmetic import xlogy
from minigrad.ops.nn import log_softmax as _log_softmax
from minigrad.ops.nn import softmax as _softmax
from minigrad.ops.reduce import logsumexp
from minigrad.ops.selection import where
from minigrad.ops.shape import broadcast_shapes
from minigrad.ops.special import (
    _STIRLING,
    Logit,
    SpecialEntr,
    _horner,
    digamma,
    i0,
    i0e,
    i1,
    i1e,
    lgamma_array,
    log_ndtr,
    ndtri,
    polygamma,
    xlog1py,
    zeta,
)
from minigrad.ops.special import lgamma as gammaln
from minigrad.ops.special import mvlgamma as _mvlgamma
from minigrad.ops.unary import (
    erf,
    erfc,
    erfc_array,
    erfinv,
    exp,
    exp2,
    expm1,
    log,
    log1p,
    sin,
)
from minigrad.ops.unary import round as _round
from minigrad.tensor import Tensor

__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
    "zeta",
]

psi = digamma


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """torch.round of a float tensor: PyTorch's special.round has no integer or bool kernel
    (torch.round passes integers through)."""
    require_floating("round_vml_cpu", input)
    return _round(input, decimals=decimals)


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _log_softmax(input, dim, dtype)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), the inverse of expit; with eps, p is first clamped to [eps, 1 - eps]
    (gradient 0 outside, as PyTorch)."""
    return Logit.apply(input, None if eps is None else float(eps))


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, as erfc(-x / sqrt(2)) / 2: accurate far into the lower tail."""
    return erfc(input * (-1 / math.sqrt(2))) * 0.5


def entr(input: Tensor) -> Tensor:
    """-x log(x) elementwise: 0 at x = 0, -inf for x < 0."""
    return SpecialEntr.apply(input)


def sinc(input: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at x = 0 (gradient 0 there, as PyTorch)."""
    zero = input == 0
    # NOTE: x is replaced by 1 where it is 0 before dividing, so the branch that where()
    # discards never makes the 0/0 that would turn the gradient to nan.
    pix = where(zero, 1.0, input) * math.pi
    return where(zero, 1.0, sin(pix) / pix)


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension p (`torch.mvlgamma`)."""
    return _mvlgamma(input, p)


# NOTE: the series' terms fall as exp(-n^2 / 2a) where x is near a, so a <= 1e5 needs at most
# about 2800 of them; above 1e5 Temme's uniform expansion takes over, and the cap only bounds
# the loops.
_MOST_TERMS = 4000
_TEMME_FROM = 1e5
_EPS = 1e-16


def _log_prefactor(xp, a, x):
    """log(x^a e^-x / Gamma(a)). For a >= 10 it is written with Stirling's series as
    -a (t - log1p(t)) + log(a / 2 pi) / 2 - series(1 / a), t = (x - a) / a: a log x, x and
    lgamma(a) each grow as a, and their difference would lose a digit per factor of 10."""
    big = a >= 10
    b = xp.where(big, a, 10.0)
    t, z = (x - b) / b, 1 / b
    stirling = (
        -b * (t - xp.log1p(t)) + 0.5 * xp.log(b / (2 * math.pi)) - z * _horner(_STIRLING, z * z)
    )
    return xp.where(big, stirling, a * xp.log(x) - x - lgamma_array(xp, a))


def _gamma_series(xp, a, x):
    """(P, Q) for 1-d arrays with x < a + 1: P = x^a e^-x / Gamma(a + 1) * sum_n>=0 t_n, where
    t_0 = 1 and t_n = t_(n-1) x / (a + n)."""
    total, idx = xp.ones_like(a), xp.arange(a.size)
    term, k, xs, live = xp.ones_like(a), a.copy(), x, xp.ones_like(a)
    for _ in range(_MOST_TERMS):
        k = k + 1
        term = term * xs / k
        live = live + term
        done = term <= live * _EPS
        total[idx[done]] = live[done]
        idx, term, k, xs, live = idx[~done], term[~done], k[~done], xs[~done], live[~done]
        if idx.size == 0:
            break
    total[idx] = live  # none is left for a <= 1e5: the sum is complete below the cap
    p = total * xp.exp(_log_prefactor(xp, a, x)) / a
    return p, 1 - p


def _gamma_fraction(xp, a, x):
    """(P, Q) for 1-d arrays with x >= a + 1: Legendre's continued fraction
    Q = x^a e^-x / Gamma(a) / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...)),
    evaluated front to back by the modified Lentz method."""
    tiny = 1e-300  # Lentz's guard: a denominator that reaches 0 becomes tiny instead
    total, idx = xp.empty_like(a), xp.arange(a.size)
    b = x + 1 - a
    c, d = xp.full_like(a, 1 / tiny), 1 / b
    h, aa = d.copy(), a
    for i in range(1, _MOST_TERMS):
        an = -i * (i - aa)
        b = b + 2
        d = an * d + b
        d = 1 / xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        h = h * d * c
        # NOTE: the factors reach 1 only to within rounding, hence 1e-15, not _EPS
        done = xp.abs(d * c - 1) <= 1e-15
        total[idx[done]] = h[done]
        keep = ~done
        idx, b, c, d, h, aa = idx[keep], b[keep], c[keep], d[keep], h[keep], aa[keep]
        if idx.size == 0:
            break
    total[idx] = h
    q = total * xp.exp(_log_prefactor(xp, a, x))
    return 1 - q, q


def _gamma_temme(xp, device, a, x):
    """(P, Q) for 1-d arrays with a > 1e5: Temme's uniform expansion cut after its first term,
    Q = erfc(eta sqrt(a / 2)) / 2 + e^(-a eta^2 / 2) / sqrt(2 pi a) C0, where lambda = x / a,
    eta^2 / 2 = lambda - 1 - log(lambda) (eta with the sign of lambda - 1) and
    C0 = 1 / (lambda - 1) - 1 / eta; the next term is below 1e-3 / a of the second."""
    t = (x - a) / a
    eta = xp.sign(t) * xp.sqrt(2 * (t - xp.log1p(t)))
    # NOTE: both parts of C0 grow as 1 / t near lambda = 1: there its series, -1/3 + eta / 12
    small = xp.abs(t) < 1e-3
    safe_t, safe_eta = xp.where(small, 1.0, t), xp.where(small, 1.0, eta)
    c0 = xp.where(small, -1 / 3 + eta / 12, 1 / safe_t - 1 / safe_eta)
    r = xp.exp(-a * eta**2 / 2) / xp.sqrt(2 * math.pi * a) * c0
    z = eta * xp.sqrt(a / 2)
    return erfc_array(-z, device) / 2 - r, erfc_array(z, device) / 2 + r


def gammainc_array(xp, device, a, x, upper):
    """P(a, x) = gamma(a, x) / Gamma(a), or Q = 1 - P when upper, for float64 arrays of one
    shape, with PyTorch's values at the edges."""
    p = xp.full(a.shape, math.nan)
    inside = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    temme = inside & (a > _TEMME_FROM)
    series = inside & ~temme & (x < a + 1)
    fraction = inside & ~temme & ~series
    q = p.copy()
    for part, kernel in ((series, _gamma_series), (fraction, _gamma_fraction)):
        p[part], q[part] = kernel(xp, a[part], x[part])
    p[temme], q[temme] = _gamma_temme(xp, device, a[temme], x[temme])
    # the edges: P is 0 at x = 0 and for an infinite a, 1 at a = 0 and for an infinite x
    # (nan where both hold, and for a negative or nan argument)
    zero = ((x == 0) & (a > 0)) | (xp.isinf(a) & xp.isfinite(x) & (x >= 0))
    one = ((a == 0) & (x > 0)) | (xp.isinf(x) & xp.isfinite(a) & (a >= 0))
    p, q = xp.where(zero, 0.0, p), xp.where(zero, 1.0, q)
    p, q = xp.where(one, 1.0, p), xp.where(one, 0.0, q)
    return q if upper else p


class SpecialGammainc(Function):
    """y = P(a, x) = 1 / Gamma(a) int_0^x t^(a-1) e^-t dt, or Q(a, x) = 1 - P when upper;
    dP/dx = x^(a-1) e^-x / Gamma(a), and no gradient for a (PyTorch has none either).
    (*), (*) -> (*), the two of one shape."""

    op_name = "special_gammainc"
    quiet_domain = True

    def name(self):
        return "IgammacBackward0" if self.upper else "IgammaBackward0"

    @staticmethod
    def forward(ctx, a, x, upper):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        s, t = a.array.astype("float64"), x.array.astype("float64")
        with quiet():
            y = gammainc_array(a.device.xp, a.device, s, t, upper)
        return cast_to(y, a.array.dtype)

    @staticmethod
    def backward(ctx, gy):
        a, x = ctx.saved_tensors
        # NOTE: as PyTorch, only a pass that computes a's gradient raises: autograd.grad asking
        # for x's alone skips the nodes towards a (the graph task does not run them)
        task = state.graph_task
        if ctx.needs_input_grad[0] and (task is None or task.will_execute(ctx._edges[0][0])):
            name = "igammac" if ctx.upper else "igamma"
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        density = exp((a - 1) * log(x) - x - gammaln(a))
        return None, gy * (-density if ctx.upper else density), None


def _gammainc(name, input, other, upper):
    for position, (argument, value) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{argument}' (position {position}) must be Tensor, "
                f"not {type(value).__name__}"
            )
    a, x = input, other
    dtype = dtypes.result_type(a, x)
    if not dtype.is_floating_point:
        kernel = "igammac" if upper else "igamma"
        raise NotImplementedError(
            f'"{kernel}_{a.device.type}" not implemented for {kernel_type(dtype.np)}'
        )
    # broadcast first, with expand (whose backward sums), so the op itself is elementwise
    shape = broadcast_shapes(a.shape, x.shape)
    a, x = a.to(dtype).expand(shape), x.to(dtype).expand(shape)
    return SpecialGammainc.apply(a, x, upper)


def gammainc(input: Tensor, other: Tensor) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other); other's gradient only."""
    return _gammainc("special_gammainc", input, other, False)


def gammaincc(input: Tensor, other: Tensor) -> Tensor:
    """The regularized upper incomplete gamma function Q = 1 - P, computed as directly as P."""
    return _gammainc("special_gammaincc", input, other, True)
