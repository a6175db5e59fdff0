"""The generalized Pareto distribution, the limit law of exceedances over a high threshold:
survival function (1 + c z)^(-1 / c) with z = (x - loc) / scale (exp(-z) at c = 0)."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.utils import broadcast_all
from minigrad.tensor import Size, Tensor


class GeneralizedPareto(Distribution):
    """GeneralizedPareto(loc, scale, concentration): exponential for concentration 0 (within
    isclose's 1e-8, where the c != 0 formulas divide by 0), heavy-tailed above, bounded above
    by loc - scale / c below. rsample is the closed-form quantile of a uniform draw."""

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "concentration": constraints.real,
    }
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {k: getattr(self, k).expand(shape) for k in ("loc", "scale", "concentration")}
        return self._new_expanded(shape, params)

    @property
    def support(self) -> constraints.Constraint:
        upper = minigrad.where(
            self.concentration < 0, self.loc - self.scale / self.concentration, math.inf
        )
        return constraints.interval(self.loc, upper)

    def _zero_and_safe(self) -> tuple[Tensor, Tensor]:
        """Where concentration is 0, and concentration with those entries set to 1 (so the
        unused branch of each where stays finite)."""
        c = self.concentration
        zero = minigrad.isclose(c, minigrad.zeros_like(c))
        return zero, minigrad.where(zero, 1.0, c)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = minigrad.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._zero_and_safe()
        y = 1 / c + minigrad.ones_like(z)
        nonzero = minigrad.where(y == 0, y, y * (c * z).log1p())
        return -self.scale.log() - minigrad.where(zero, z, nonzero)

    def log_survival_function(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, c = self._zero_and_safe()
        return minigrad.where(zero, -z, -(c * z).log1p() / c)

    def log_cdf(self, value) -> Tensor:
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value) -> Tensor:
        return self.log_cdf(value).exp()

    def icdf(self, value) -> Tensor:
        zero, c = self._zero_and_safe()
        log_u = (-value).log1p()
        nonzero = self.loc + self.scale / c * (-c * log_u).expm1()
        return minigrad.where(zero, self.loc - self.scale * log_u, nonzero)

    @property
    def mean(self) -> Tensor:
        """nan for concentration >= 1 (no mean)."""
        valid = self.concentration < 1
        c = minigrad.where(valid, self.concentration, 0.5)
        return minigrad.where(valid, self.loc + self.scale / (1 - c), math.nan)

    @property
    def variance(self) -> Tensor:
        """nan for concentration >= 1/2 (no variance)."""
        valid = self.concentration < 0.5
        c = minigrad.where(valid, self.concentration, 0.25)
        return minigrad.where(valid, self.scale**2 / ((1 - c) ** 2 * (1 - 2 * c)), math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    def entropy(self) -> Tensor:
        return (self.scale.log() + self.concentration + 1).expand(self._batch_shape)
