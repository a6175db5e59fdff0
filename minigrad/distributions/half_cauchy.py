"""The half-Cauchy distribution: |X| for X ~ Cauchy(0, scale), a heavy-tailed prior for scale
parameters."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.cauchy import Cauchy
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import AbsTransform
from minigrad.tensor import Tensor


class HalfCauchy(TransformedDistribution):
    """HalfCauchy(scale), as PyTorch's: Cauchy(0, scale) through AbsTransform (so rsample is
    reparameterized); the density, cdf and icdf are the Cauchy's folded onto x >= 0."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        base = Cauchy(0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=type(self).__new__(type(self)))

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        scale = self.scale
        return minigrad.full(
            self._extended_shape(), math.inf, dtype=scale.dtype, device=scale.device
        )

    @property
    def mode(self) -> Tensor:
        return minigrad.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def log_prob(self, value) -> Tensor:
        """Twice the Cauchy density on x >= 0, 0 (log: -inf) below."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return minigrad.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
