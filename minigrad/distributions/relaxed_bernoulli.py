"""The relaxed (concrete, Gumbel-softmax) Bernoulli: a differentiable stand-in for a
Bernoulli draw, in (0, 1), that approaches 0/1 as the temperature goes to 0."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import BinaryProbsLogits, param_shape
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import SigmoidTransform
from minigrad.distributions.utils import broadcast_all, clamp_probs
from minigrad.tensor import Tensor


class LogitRelaxedBernoulli(BinaryProbsLogits):
    """The logit of a RelaxedBernoulli draw: (logit(u) + logits) / temperature for
    u ~ Uniform(0, 1). Give exactly one of probs or logits; temperature is a tensor.
    (PyTorch's has_rsample is False here, though rsample works; RelaxedBernoulli's is True.)"""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    param_shape = param_shape

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        (param,) = self._set_probs_or_logits(probs, logits)
        super().__init__(param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(minigrad.rand(shape, dtype=probs.dtype, device=probs.device))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """RelaxedBernoulli(temperature, probs or logits): sigmoid of a LogitRelaxedBernoulli
    draw, in (0, 1); rsample is reparameterized (gradients reach probs/logits)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
