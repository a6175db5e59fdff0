"""The logistic-normal distribution on the simplex: a Normal vector pushed through the
stick-breaking transform."""

from __future__ import annotations

from minigrad.distributions import constraints
from minigrad.distributions.normal import Normal
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import StickBreakingTransform
from minigrad.tensor import Tensor


class LogisticNormal(TransformedDistribution):
    """LogisticNormal(loc, scale): a draw x ~ Normal(loc, scale) over K - 1 dims becomes
    StickBreakingTransform()(x), a point of the K-simplex. The last dim of the broadcast
    loc and scale is the event (one shorter than the draws); rsample is reparameterized."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand([1])
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.base_dist.scale
