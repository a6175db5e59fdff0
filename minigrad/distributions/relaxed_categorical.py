"""The relaxed (concrete, Gumbel-softmax) one-hot categorical: a differentiable stand-in for
a one-hot draw, a point of the simplex that approaches a corner as the temperature goes
to 0."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.categorical import Categorical, OverCategorical
from minigrad.distributions.transformed_distribution import TransformedDistribution
from minigrad.distributions.transforms import ExpTransform
from minigrad.distributions.utils import broadcast_all, clamp_probs
from minigrad.ops.special import lgamma
from minigrad.tensor import Tensor


class ExpRelaxedCategorical(OverCategorical):
    """The log of a RelaxedOneHotCategorical draw: log_softmax((logits + g) / temperature)
    with g Gumbel noise. Parameters as Categorical's; temperature is a tensor."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector  # the draws lie on a submanifold of it
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        super().__init__(Categorical(probs, logits), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        logits = self.logits
        u = clamp_probs(minigrad.rand(shape, dtype=logits.dtype, device=logits.device))
        gumbels = -(-u.log()).log()
        scores = (logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value) -> Tensor:
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        t = self.temperature
        log_scale = lgamma(minigrad.full_like(t, float(k))) + (k - 1) * t.log()
        score = logits - value * t
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """RelaxedOneHotCategorical(temperature, probs or logits): exp of an ExpRelaxedCategorical
    draw, on the simplex; rsample is reparameterized (the Gumbel-softmax trick)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
