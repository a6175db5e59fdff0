"""The normal (Gaussian) distribution N(loc, scale^2)."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions.distribution import LocScale
from minigrad.distributions.exp_family import ExponentialFamily
from minigrad.tensor import Tensor


class Normal(LocScale, ExponentialFamily):
    """N(loc, scale^2), batched over the broadcast shape of loc and scale.

    rsample is reparameterized: loc + scale * eps with eps ~ N(0, 1), so gradients flow to loc
    and scale (VAEs, Gaussian policies).

    >>> m = Normal(minigrad.zeros(3), 1.0)
    >>> m.log_prob(minigrad.zeros(3))      # -0.9189 each: -log(sqrt(2 pi))
    """

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        eps = minigrad.randn(
            self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device
        )
        return self.loc + eps * self.scale

    def log_prob(self, value) -> Tensor:
        """-(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))."""
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale.pow(2)
        log_scale = self.scale.log()
        return -((value - self.loc) ** 2) / (2 * var) - log_scale - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + minigrad.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value) -> Tensor:
        """The quantile: loc + scale sqrt(2) erfinv(2 value - 1)."""
        return self.loc + self.scale * minigrad.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """1/2 + 1/2 log(2 pi) + log(scale)."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    # theta = (loc / scale^2, -1 / (2 scale^2)), F = -theta1^2 / (4 theta2) + log(pi / -theta2) / 2
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return self.loc / self.scale.pow(2), -0.5 / self.scale.pow(2)

    def _log_normalizer(self, x, y) -> Tensor:
        return -0.25 * x.pow(2) / y + 0.5 * (-math.pi / y).log()
