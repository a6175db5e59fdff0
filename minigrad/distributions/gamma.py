"""The gamma distribution, density rate^c x^(c-1) e^(-rate x) / Gamma(c) on x > 0, and the
chi-squared distribution, Gamma(df / 2, 1 / 2)."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.exp_family import ExponentialFamily
from minigrad.distributions.utils import broadcast_all
from minigrad.ops.sampling import _standard_gamma
from minigrad.ops.special import digamma, lgamma
from minigrad.special import gammainc
from minigrad.tensor import Size, Tensor


class Gamma(ExponentialFamily):
    """Gamma(concentration, rate), batched over their broadcast shape. rsample is a standard
    gamma draw divided by rate, differentiable in concentration too (implicit
    reparameterization, exact: PyTorch's gradient is an approximation within about 1e-3)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {
            "concentration": self.concentration.expand(shape),
            "rate": self.rate.expand(shape),
        }
        return self._new_expanded(shape, params)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        # as PyTorch: never 0 (log_prob stays finite), the gradient passing unchanged
        tiny = minigrad.finfo(x.dtype).tiny
        return x + (x.detach().clamp(min=tiny) - x.detach())

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c, rate = self.concentration, self.rate
        return c.xlogy(rate) + (c - 1).xlogy(value) - rate * value - lgamma(c)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)

    def cdf(self, value) -> Tensor:
        """P(concentration, rate value), the regularized lower incomplete gamma function."""
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    # theta = (concentration - 1, -rate), F = lgamma(theta1 + 1) - (theta1 + 1) log(-theta2)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return self.concentration - 1, -self.rate

    def _log_normalizer(self, x, y) -> Tensor:
        return lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()


class Chi2(Gamma):
    """The chi-squared distribution with df degrees of freedom: Gamma(df / 2, 1 / 2)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, minigrad.full_like(df, 0.5), validate_args=validate_args)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
