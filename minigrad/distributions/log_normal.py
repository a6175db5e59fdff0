"""The log-normal distribution: exp(X) for X ~ N(loc, scale^2)."""

from __future__ import annotations

import math

from minigrad.distributions import constraints
from minigrad.distributions.distribution import LocScale
from minigrad.distributions.normal import Normal
from minigrad.tensor import Tensor


class LogNormal(LocScale):
    """LogNormal(loc, scale): the exponential of Normal(loc, scale), whose `base_dist` it
    keeps. PyTorch builds it as a TransformedDistribution (minigrad has no transforms,
    docs/nn.md); the values, log_prob, entropy and rsample's gradients are the same."""

    support = constraints.positive

    @property
    def base_dist(self) -> Normal:
        return Normal(self.loc, self.scale, validate_args=False)

    def __repr__(self) -> str:
        # PyTorch's parameters live on its base distribution, so print() shows none of them
        return f"{type(self).__name__}()"

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self) -> Tensor:
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def rsample(self, sample_shape=()) -> Tensor:
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value) -> Tensor:
        """Normal's log_prob of log(value), minus log(value) (the change of variables)."""
        if self._validate_args:
            self._validate_sample(value)
        y = value.log()
        return self.base_dist.log_prob(y) - y

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(value.log())

    def icdf(self, value) -> Tensor:
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log() + self.loc
