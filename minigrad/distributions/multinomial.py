"""The multinomial distribution: the class counts of total_count independent categorical
draws."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.binomial import Binomial
from minigrad.distributions.categorical import Categorical, OverCategorical
from minigrad.distributions.utils import broadcast_all
from minigrad.nn.functional import one_hot
from minigrad.ops.special import lgamma
from minigrad.tensor import Tensor


class Multinomial(OverCategorical):
    """Multinomial(total_count: int, probs or logits as Categorical's): a draw is a vector of
    counts (in the parameter's dtype) over the last dim, summing to total_count. log_prob
    takes any counts (their sum is the number of trials, as PyTorch's), so total_count only
    matters for sample and entropy."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        super().__init__(Categorical(probs=probs, logits=logits), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape)
        new.total_count = self.total_count
        return new

    @property
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """total_count categorical draws per batch element, counted per class."""
        with minigrad.no_grad():
            draws = self._categorical.sample((self.total_count, *sample_shape))
            counts = one_hot(draws, self._event_shape[0]).sum(0)
            return counts.type_as(self.probs).reshape(self._extended_shape(sample_shape))

    def log_prob(self, value) -> Tensor:
        """log n! - sum log x_k! + sum x_k log p_k (a count of 0 of a class of logit -inf
        adds 0, not nan)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = minigrad.where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        """n H(categorical) - log n! + sum_k E[log x_k!], each x_k ~ Binomial(n, p_k)."""
        n = self.total_count
        probs = self.probs
        binomial = Binomial(n, probs=probs, validate_args=False)
        counts = minigrad.arange(1, n + 1, dtype=probs.dtype, device=probs.device)
        counts = counts.view((-1,) + (1,) * probs.ndim)
        weights = lgamma(counts + 1)
        expected = (binomial.log_prob(counts).exp() * weights).sum(0).sum(-1)
        return n * self._categorical.entropy() - math.lgamma(n + 1) + expected
