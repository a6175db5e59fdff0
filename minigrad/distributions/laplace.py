"""The Laplace distribution: density exp(-|x - loc| / scale) / (2 scale)."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions.distribution import LocScale
from minigrad.tensor import Tensor


class Laplace(LocScale):
    """Laplace(loc, scale), batched over their broadcast shape; rsample inverts the cdf at
    u ~ U(-1, 1), so gradients flow to loc and scale."""

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        tiny = minigrad.finfo(self.loc.dtype).eps
        u = minigrad.empty(shape, dtype=self.loc.dtype, device=self.loc.device)
        u = u.uniform_(tiny - 1, 1)  # as PyTorch: |u| < 1, so log1p(-|u|) is finite
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value) -> Tensor:
        """-log(2 scale) - |value - loc| / scale."""
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = value - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()
