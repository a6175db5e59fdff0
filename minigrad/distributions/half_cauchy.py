"""The half-Cauchy distribution: |X| for X ~ Cauchy(0, scale), a heavy-tailed prior for scale
parameters."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.cauchy import Cauchy
from minigrad.distributions.distribution import Folded
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import AbsTransform
from minigrad.tensor import Tensor


class HalfCauchy(Folded, TransformedDistribution):
    """HalfCauchy(scale), as PyTorch's: Cauchy(0, scale) through AbsTransform (so rsample is
    reparameterized); the density, cdf and icdf are the Cauchy's folded onto x >= 0."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        base = Cauchy(0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

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
    def variance(self) -> Tensor:
        return self.base_dist.variance
