"""The Bernoulli distribution: 1 with probability probs, 0 otherwise."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import BinaryProbsLogits, param_shape
from minigrad.distributions.exp_family import ExponentialFamily
from minigrad.distributions.utils import broadcast_all
from minigrad.nn.functional import binary_cross_entropy_with_logits
from minigrad.tensor import Tensor


class Bernoulli(BinaryProbsLogits, ExponentialFamily):
    """1 with probability `probs` (or sigmoid(`logits`): give exactly one), else 0.

    Samples are floats (0. or 1.) in the parameter's dtype, as PyTorch's; log_prob and entropy
    go through binary_cross_entropy_with_logits, stable for large |logits|.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    param_shape = param_shape

    def __init__(self, probs=None, logits=None, validate_args=None):
        (param,) = self._set_probs_or_logits(probs, logits)
        super().__init__(param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where probs > 1/2, 0 where probs < 1/2, nan at 1/2 (no single mode)."""
        mode = (self.probs >= 0.5).type_as(self.probs)
        return minigrad.where(self.probs == 0.5, math.nan, mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with minigrad.no_grad():
            probs = self.probs.expand(shape)
            u = minigrad.rand(shape, dtype=probs.dtype, device=probs.device)
            return (u < probs).type_as(probs)

    def log_prob(self, value) -> Tensor:
        """value log(p) + (1 - value) log(1 - p), from the logits."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    # theta = the logit, F = log(1 + e^theta)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (minigrad.logit(self.probs),)

    def _log_normalizer(self, x) -> Tensor:
        return x.exp().log1p()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = minigrad.arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1, *self._batch_shape)) if expand else values
