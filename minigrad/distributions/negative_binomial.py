"""The negative binomial distribution: the number of successes before total_count failures
in Bernoulli(probs) trials, P(k) = C(k + r - 1, k) p^k (1 - p)^r."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import BinaryProbsLogits, param_shape
from minigrad.distributions.gamma import Gamma
from minigrad.nn.functional import logsigmoid
from minigrad.ops.sampling import poisson
from minigrad.ops.special import lgamma
from minigrad.tensor import Tensor


class NegativeBinomial(BinaryProbsLogits):
    """NegativeBinomial(total_count = r > 0, real-valued; probs in [0, 1) or logits: give
    exactly one), batched over their broadcast shape. Draws are a gamma-Poisson mixture:
    Poisson(G) with G ~ Gamma(r, rate = (1 - p) / p)."""

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer
    param_shape = param_shape

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        total_count, param = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.type_as(param)
        super().__init__(param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape=()) -> Tensor:
        with minigrad.no_grad():
            gamma = Gamma(self.total_count, (-self.logits).exp(), validate_args=False)
            return poisson(gamma.sample(sample_shape))

    def log_prob(self, value) -> Tensor:
        """r log(1 - p) + k log(p) - log B-like normalizer; 0 at r = k = 0 (the point mass)."""
        if self._validate_args:
            self._validate_sample(value)
        r = self.total_count
        unnormalized = r * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        normalization = -lgamma(r + value) + lgamma(1.0 + value) + lgamma(r)
        normalization = minigrad.where(r + value == 0.0, 0.0, normalization)
        return unnormalized - normalization
