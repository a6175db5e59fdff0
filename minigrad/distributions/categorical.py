"""The categorical distribution over classes 0 .. K-1, and its one-hot form."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution, param_shape
from minigrad.distributions.utils import (
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)
from minigrad.nn.functional import one_hot
from minigrad.tensor import Size, Tensor


class Categorical(Distribution):
    """Class k with probability probs[..., k]; give exactly one of `probs` (non-negative, any
    total: normalised over the last dim) or `logits` (normalised with logsumexp). The last dim
    is the classes, the others are batch dims. Samples are int64 class indices.

    REINFORCE: `dist = Categorical(logits=policy(state)); action = dist.sample();
    loss = -dist.log_prob(action) * reward` sends gradients to the logits.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    param_shape = param_shape

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def _param(self) -> Tensor:
        """The parameter given (or one computed from it: same shape), for shapes and dtype."""
        if "probs" in self.__dict__:
            return self.probs
        return self.logits

    @property
    def _num_events(self) -> int:
        return self._param.shape[-1]

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        param_shape = (*shape, self._num_events)
        params = {
            k: self.__dict__[k].expand(param_shape)
            for k in ("probs", "logits")
            if k in self.__dict__
        }
        return self._new_expanded(shape, params)

    @property
    def mean(self) -> Tensor:
        return self._undefined()

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return self._undefined()

    def _undefined(self) -> Tensor:
        """nan for each batch element: class labels have no mean or variance (PyTorch's)."""
        param = self._param
        return minigrad.full(
            self._extended_shape(), math.nan, dtype=param.dtype, device=param.device
        )

    def sample(self, sample_shape=()) -> Tensor:
        """Class indices (int64) of shape sample_shape + batch_shape."""
        n = math.prod(sample_shape)
        with minigrad.no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            samples_2d = minigrad.multinomial(probs_2d, n, replacement=True).t()
            return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value) -> Tensor:
        """logits[..., value]: value (class indices) broadcasts against batch_shape."""
        if self._validate_args:
            self._validate_sample(value)
        value, log_pmf = broadcast_all(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        """-sum_k p_k log p_k; logits of -inf (p = 0) count as 0, not nan."""
        min_real = minigrad.finfo(self.logits.dtype).min
        p_log_p = self.logits.clamp(min=min_real) * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = minigrad.arange(self._num_events, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1, *self._batch_shape)) if expand else values


class OverCategorical(Distribution):
    """A distribution whose parameters are those of the Categorical it holds: its batch
    shape, its classes as the one event dim, its probs and logits (OneHotCategorical,
    Multinomial, ExpRelaxedCategorical)."""

    param_shape = param_shape

    def __init__(self, categorical: Categorical, validate_args=None):
        self._categorical = categorical
        event_shape = categorical._param.shape[-1:]
        super().__init__(categorical.batch_shape, event_shape, validate_args=validate_args)

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        return self._new_expanded(shape, {"_categorical": self._categorical.expand(shape)})


class OneHotCategorical(OverCategorical):
    """Categorical with one-hot samples: a draw of class k is the vector e_k (in the
    parameter's dtype); log_prob takes one-hot vectors. Parameters as Categorical's."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(categorical, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        return self._one_hot(self.probs.argmax(-1))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        return self._one_hot(self._categorical.sample(sample_shape))

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._event_shape[0]
        values = minigrad.eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.view((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n, *self._batch_shape, n)) if expand else values

    def _one_hot(self, indices: Tensor) -> Tensor:
        return one_hot(indices, self._event_shape[0]).type_as(self._param)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical with the straight-through gradient (Bengio et al., 2013): rsample's
    value is a one-hot draw, its gradient that of probs, as if d(draw)/d(probs) were 1."""

    has_rsample = True

    def rsample(self, sample_shape=()) -> Tensor:
        draws = self.sample(sample_shape)
        probs = self._categorical.probs
        return draws + (probs - probs.detach())
