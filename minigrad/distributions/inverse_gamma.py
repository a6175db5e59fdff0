"""The inverse gamma distribution: 1 / X for X ~ Gamma(concentration, rate), density
rate^c x^(-c-1) e^(-rate / x) / Gamma(c) on x > 0."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.gamma import Gamma
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import PowerTransform
from minigrad.ops.special import digamma, lgamma
from minigrad.tensor import Tensor


class InverseGamma(TransformedDistribution):
    """InverseGamma(concentration, rate), as PyTorch's: Gamma(concentration, rate) through
    PowerTransform(-1); rsample is reparameterized in both parameters (through the gamma
    draw). The mean is inf for concentration <= 1, the variance for concentration <= 2."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base.rate.new_ones(())
        super().__init__(base, PowerTransform(neg_one), validate_args=validate_args)

    @property
    def concentration(self) -> Tensor:
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        return self.base_dist.rate

    @property
    def mean(self) -> Tensor:
        c = self.concentration
        return minigrad.where(c > 1, self.rate / (c - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        result = self.rate.pow(2) / ((c - 1).pow(2) * (c - 2))
        return minigrad.where(c > 2, result, math.inf)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c + self.rate.log() + lgamma(c) - (1 + c) * digamma(c)
