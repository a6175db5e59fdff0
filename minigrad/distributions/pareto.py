"""The Pareto (type I) distribution: density alpha scale^alpha / x^(alpha + 1) on x >= scale."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.exponential import Exponential
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import AffineTransform, ExpTransform
from minigrad.distributions.utils import broadcast_all
from minigrad.tensor import Tensor


class Pareto(TransformedDistribution):
    """Pareto(scale, alpha), as PyTorch's: scale * exp(E) for E ~ Exponential(alpha). The mean
    is inf for alpha <= 1 and the variance inf for alpha <= 2 (alpha clamped, as PyTorch
    does, so that their gradients are 0 there)."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        transforms = [ExpTransform(), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self))
        new.scale, new.alpha = self.scale.expand(batch_shape), self.alpha.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self) -> Tensor:
        a = self._alpha_at_least(1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = self._alpha_at_least(2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    def _alpha_at_least(self, bound: float) -> Tensor:
        """alpha clamped from below. NOTE: a where, not clamp: minigrad's clamp backward
        multiplies the upstream gradient (inf here) by 0, giving nan, where PyTorch's gives 0."""
        return minigrad.where(self.alpha < bound, float(bound), self.alpha)

    def entropy(self) -> Tensor:
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
