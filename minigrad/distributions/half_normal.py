"""The half-normal distribution: |X| for X ~ N(0, scale^2)."""

from __future__ import annotations

import math

from minigrad.distributions import constraints
from minigrad.distributions.distribution import Folded
from minigrad.distributions.normal import Normal
from minigrad.distributions.utils import broadcast_all
from minigrad.tensor import Size, Tensor


class HalfNormal(Folded):
    """HalfNormal(scale), batched over scale's shape (a prior on scales in Bayesian models).
    PyTorch builds it as a TransformedDistribution of Normal(0, scale) by |x|; this plain
    Distribution gives the same values, log_prob and rsample gradients."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        (self.scale,) = broadcast_all(scale)
        super().__init__(self.scale.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        return self._new_expanded(shape, {"scale": self.scale.expand(shape)})

    @property
    def base_dist(self) -> Normal:
        return Normal(0.0, self.scale, validate_args=False)

    def __repr__(self) -> str:
        # PyTorch's parameters live on its base distribution, so print() shows none of them
        return f"{type(self).__name__}()"

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def rsample(self, sample_shape=()) -> Tensor:
        return self.base_dist.rsample(sample_shape).abs()
