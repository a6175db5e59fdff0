"""`torch.special`, as far as minigrad has the functions: most are its existing ops under
SciPy's names (`expit` is `sigmoid`, `gammaln` is `lgamma`, `psi` is `digamma`), and the rest
are short compositions of them, so gradients, static graphs and the GPU come with the ops.

Not here: gammainc/gammaincc, the Bessel functions other than i0/i0e/i1/i1e, erfcx, airy_ai
and the orthogonal-polynomial families.
"""

from __future__ import annotations

import math

from minigrad.ops.activations import sigmoid as expit
from minigrad.ops.arithmetic import xlogy
from minigrad.ops.nn import log_softmax as _log_softmax
from minigrad.ops.nn import softmax as _softmax
from minigrad.ops.reduce import logsumexp
from minigrad.ops.selection import clamp, where
from minigrad.ops.special import (
    digamma,
    i0,
    i0e,
    i1,
    i1e,
    log_ndtr,
    ndtri,
    polygamma,
    xlog1py,
    zeta,
)
from minigrad.ops.special import lgamma as gammaln
from minigrad.ops.special import mvlgamma as _mvlgamma
from minigrad.ops.unary import erf, erfc, erfinv, exp2, expm1, log, log1p, round, sin
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


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _log_softmax(input, dim, dtype)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), the inverse of expit; with eps, p is first clamped to [eps, 1 - eps]
    (gradient 0 outside, as PyTorch)."""
    p = input if eps is None else clamp(input, eps, 1 - eps)
    return log(p / (1 - p))


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, as erfc(-x / sqrt(2)) / 2: accurate far into the lower tail."""
    return erfc(input * (-1 / math.sqrt(2))) * 0.5


def entr(input: Tensor) -> Tensor:
    """-x log(x) elementwise: 0 at x = 0, -inf for x < 0."""
    return where(input < 0, -math.inf, -xlogy(input, input))


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
