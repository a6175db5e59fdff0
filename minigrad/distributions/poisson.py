"""The Poisson distribution: P(k) = rate^k e^(-rate) / k! on k = 0, 1, 2, ..."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.exp_family import ExponentialFamily
from minigrad.distributions.utils import broadcast_all
from minigrad.ops.sampling import poisson
from minigrad.ops.special import lgamma
from minigrad.tensor import Size, Tensor


class Poisson(ExponentialFamily):
    """Poisson(rate), batched over rate's shape; no rsample (the draws are integers)."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        return self._new_expanded(shape, {"rate": self.rate.expand(shape)})

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=()) -> Tensor:
        with minigrad.no_grad():
            return poisson(self.rate.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, rate = broadcast_all(value, self.rate)
        return value.xlogy(rate) - rate - lgamma(value + 1)

    # theta = log(rate), F = e^theta; E[k(x)] = -E[log x!] has no closed form, so the
    # exponential-family entropy raises NotImplementedError, as PyTorch's
    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.rate.log(),)

    def _log_normalizer(self, x) -> Tensor:
        return x.exp()
