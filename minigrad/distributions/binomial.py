"""The binomial distribution: the number of successes in total_count independent trials of
probability probs, P(k) = C(n, k) p^k (1 - p)^(n - k)."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import BinaryProbsLogits, param_shape
from minigrad.ops.sampling import binomial
from minigrad.ops.special import lgamma
from minigrad.tensor import Tensor


class Binomial(BinaryProbsLogits):
    """Binomial(total_count=1, probs or logits: give exactly one), batched over their broadcast
    shape; total_count takes the parameter's dtype. No rsample (the draws are integers)."""

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True
    param_shape = param_shape

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        total_count, param = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.type_as(param)
        super().__init__(param.shape, validate_args=validate_args)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with minigrad.no_grad():
            return binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value) -> Tensor:
        """log C(n, k) + k logits - n log(1 + e^logits), the last written stably."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        # (max(l, 0) + l - min(l, 0)) / 2 is max(l, 0) with the gradient 1/2 at 0, as PyTorch
        positive_part = (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2
        normalizer = n * positive_part + n * (-logits.abs()).exp().log1p() - lgamma(n + 1)
        return value * logits - lgamma(value + 1) - lgamma(n - value + 1) - normalizer

    def _homogeneous_count(self, method: str) -> int:
        count = int(self.total_count.max())
        if not self.total_count.min() == count:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{method}`.")
        return count

    def entropy(self) -> Tensor:
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        count = self._homogeneous_count("enumerate_support")
        values = minigrad.arange(1 + count, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1, *self._batch_shape)) if expand else values
