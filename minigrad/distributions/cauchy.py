"""The Cauchy distribution: density 1 / (pi scale (1 + ((x - loc) / scale)^2))."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions.distribution import LocScale
from minigrad.tensor import Tensor


class Cauchy(LocScale):
    """Cauchy(loc, scale), batched over their broadcast shape: no mean (nan) and no variance
    (inf), as PyTorch's; rsample inverts the cdf at u ~ U(0, 1), so gradients flow to loc
    and scale (robust regression likelihoods)."""

    @property
    def mean(self) -> Tensor:
        shape = self._extended_shape()
        return minigrad.full(shape, math.nan, dtype=self.loc.dtype, device=self.loc.device)

    @property
    def variance(self) -> Tensor:
        shape = self._extended_shape()
        return minigrad.full(shape, math.inf, dtype=self.loc.dtype, device=self.loc.device)

    def rsample(self, sample_shape=()) -> Tensor:
        u = minigrad.rand(
            self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device
        )
        return self.icdf(u)

    def log_prob(self, value) -> Tensor:
        """-log(pi) - log(scale) - log1p(((value - loc) / scale)^2)."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - (z * z).log1p()

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return minigrad.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value) -> Tensor:
        return minigrad.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()
