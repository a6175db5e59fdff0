"""The Dirichlet distribution on the simplex, density
Gamma(sum c) / prod Gamma(c_i) * prod x_i^(c_i - 1), and Beta, its two-category case."""

from __future__ import annotations

import numbers

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.exp_family import ExponentialFamily
from minigrad.distributions.utils import broadcast_all
from minigrad.ops.sampling import _standard_gamma
from minigrad.ops.special import digamma, lgamma
from minigrad.tensor import Size, Tensor


class Dirichlet(ExponentialFamily):
    """Dirichlet(concentration): the last dim of concentration is the event (the categories),
    the others the batch. rsample normalizes standard gamma draws, G / G.sum(-1), and is
    differentiable through them (PyTorch differentiates each category's Beta marginal
    instead: another pathwise gradient with the same expectation)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        full = Size(tuple(shape) + tuple(self.event_shape))
        return self._new_expanded(shape, {"concentration": self.concentration.expand(full)})

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        g = _standard_gamma(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        tiny = minigrad.finfo(x.dtype).tiny
        return x + (x.detach().clamp(min=tiny, max=1 - minigrad.finfo(x.dtype).eps) - x.detach())

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (c - 1).xlogy(value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(c - 1) / sum(c - 1) with c - 1 clamped at 0; where every c < 1 (the density is
        unbounded at every corner), the first corner, (1, 0, ..., 0), as PyTorch gives."""
        c = self.concentration
        excess = (c - 1).clamp(min=0.0)
        all_below = (c < 1).all(-1, keepdim=True)
        mode = excess / minigrad.where(all_below, 1.0, excess.sum(-1, keepdim=True))
        first = minigrad.zeros_like(mode)
        first[..., 0] = 1.0
        return minigrad.where(all_below, first, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        total = c.sum(-1, keepdim=True)
        return c * (total - c) / (total.pow(2) * (total + 1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return (
            lgamma(c).sum(-1)
            - lgamma(total)
            - (k - total) * digamma(total)
            - ((c - 1.0) * digamma(c)).sum(-1)
        )

    # theta = concentration, F = sum lgamma(theta) - lgamma(sum theta)
    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x) -> Tensor:
        return lgamma(x).sum(-1) - lgamma(x.sum(-1))


class Beta(ExponentialFamily):
    """Beta(concentration1, concentration0) on [0, 1], density proportional to
    x^(c1 - 1) (1 - x)^(c0 - 1): the first category of Dirichlet([c1, c0])."""

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if isinstance(concentration1, numbers.Real) and isinstance(concentration0, numbers.Real):
            pair = minigrad.tensor([float(concentration1), float(concentration0)])
        else:
            c1, c0 = broadcast_all(concentration1, concentration0)
            pair = minigrad.stack([c1, c0], -1)
        self._dirichlet = Dirichlet(pair, validate_args=validate_args)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        return self._new_expanded(shape, {"_dirichlet": self._dirichlet.expand(shape)})

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()) -> Tensor:
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(minigrad.stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()

    # theta = (concentration1, concentration0), F = log B(theta1, theta2)
    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return self.concentration1, self.concentration0

    def _log_normalizer(self, x, y) -> Tensor:
        return lgamma(x) + lgamma(y) - lgamma(x + y)
