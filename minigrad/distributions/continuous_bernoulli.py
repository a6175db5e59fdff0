"""The continuous Bernoulli distribution on [0, 1]: density C(p) p^x (1 - p)^(1 - x), the
proper likelihood for [0, 1]-valued data (Loaiza-Ganem and Cunningham, 2019)."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import BinaryProbsLogits, param_shape
from minigrad.distributions.utils import (
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
)
from minigrad.nn.functional import binary_cross_entropy_with_logits
from minigrad.tensor import Tensor


class ContinuousBernoulli(BinaryProbsLogits):
    """ContinuousBernoulli(probs or logits: give exactly one). Near p = 1/2 (inside `lims`)
    the closed forms divide 0 by 0, so there, as PyTorch, they are replaced by Taylor
    expansions around 1/2. rsample is the closed-form quantile of a uniform draw."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    param_shape = param_shape

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        (param,) = self._set_probs_or_logits(probs, logits)
        if probs is not None:
            # NOTE: checked here, before the clamp below hides values outside [0, 1]
            checked = validate_args is not None
            if checked and not bool(self.arg_constraints["probs"].check(param).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = param = clamp_probs(param)
        self._lims = lims
        super().__init__(param.shape, validate_args=validate_args)

    @lazy_property
    def probs(self) -> Tensor:
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape)
        new._lims = self._lims
        return new

    def _stable(self) -> Tensor:
        """Where p is far enough from 1/2 for the closed forms."""
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        """probs, with the unstable ones moved to lims[0] (so that the unused branch of each
        where stays finite and its gradient is not nan)."""
        return minigrad.where(self._stable(), self.probs, self._lims[0])

    def _log_norm(self) -> Tensor:
        """log C(p) = log(|log(1 - p) - log p| / |1 - 2p|)."""
        p = self._cut_probs()
        below = minigrad.where(p <= 0.5, p, 0.0)
        above = minigrad.where(p >= 0.5, p, 1.0)
        log_norm = ((-p).log1p() - p.log()).abs().log() - minigrad.where(
            p <= 0.5, (-2.0 * below).log1p(), (2.0 * above - 1.0).log()
        )
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return minigrad.where(self._stable(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        p = self._cut_probs()
        mus = p / (2.0 * p - 1.0) + 1.0 / ((-p).log1p() - p.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return minigrad.where(self._stable(), mus, taylor)

    @property
    def variance(self) -> Tensor:
        p = self._cut_probs()
        variances = p * (p - 1.0) / (1.0 - 2.0 * p).pow(2) + 1.0 / ((-p).log1p() - p.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return minigrad.where(self._stable(), variances, taylor)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = minigrad.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u)

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        bce = binary_cross_entropy_with_logits(logits, value, reduction="none")
        return -bce + self._log_norm()

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        p = self._cut_probs()
        cdfs = (p.pow(value) * (1.0 - p).pow(1.0 - value) + p - 1.0) / (2.0 * p - 1.0)
        inside = minigrad.where(self._stable(), cdfs, value)
        return minigrad.where(value <= 0.0, 0.0, minigrad.where(value >= 1.0, 1.0, inside))

    def icdf(self, value) -> Tensor:
        p = self._cut_probs()
        quantile = ((-p + value * (2.0 * p - 1.0)).log1p() - (-p).log1p()) / (
            p.log() - (-p).log1p()
        )
        return minigrad.where(self._stable(), quantile, value)

    def entropy(self) -> Tensor:
        log_p0, log_p1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_p0 - log_p1) - self._log_norm() - log_p0
