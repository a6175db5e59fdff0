"""The Distribution base class: shapes, validation of parameters and values, and the methods
every distribution has (sample, rsample, log_prob, entropy, mean, ...)."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.utils import (
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
    show,
)
from minigrad.tensor import Size, Tensor


class Distribution:
    """A batch of probability distributions (as `torch.distributions.Distribution`).

    batch_shape: the shape over which parameters are batched (independent distributions);
    event_shape: the shape of one draw. `sample(sample_shape)` has shape
    sample_shape + batch_shape + event_shape; `log_prob(value)` has value's shape without the
    event dims. With `validate_args` (on by default, off under `python -O`, as PyTorch)
    parameters outside their constraints and values outside the support raise ValueError.
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn validation on or off for every distribution made later without validate_args."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self) -> None:
        for param, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                continue  # computed from another parameter, which is checked
            value = getattr(self, param)
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint "
                    f"{constraint!r}, but found invalid values:\n{show(value)}"
                )

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    @property
    def arg_constraints(self) -> dict:
        return {}

    @property
    def support(self) -> constraints.Constraint:
        raise NotImplementedError(f"{type(self).__name__} does not define its support")

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def sample(self, sample_shape=()) -> Tensor:
        """A draw of shape sample_shape + batch_shape + event_shape, without gradient."""
        with minigrad.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """A reparameterized draw: a differentiable function of the parameters."""
        raise NotImplementedError(
            f"{type(self).__name__} has no rsample (has_rsample is False): its draws are not a "
            "differentiable function of its parameters; use sample() and log_prob() (REINFORCE)"
        )

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def expand(self, batch_shape, _instance=None):
        raise NotImplementedError(f"{type(self).__name__} does not implement expand")

    def _extended_shape(self, sample_shape=()) -> Size:
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _new_expanded(self, batch_shape, params: dict):
        """A copy with batch_shape whose parameters are `params` (views, not checked again)."""
        new = type(self).__new__(type(self))
        new.__dict__.update(params)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _validate_sample(self, value) -> None:
        """ValueError as PyTorch's when value's shape or values do not fit this distribution."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape, event = value.shape, self._event_shape
        if tuple(shape[len(shape) - len(event) :]) != tuple(event):
            raise ValueError(
                f"The right-most size of value must match event_shape: {shape} vs {event}."
            )
        expected = self._extended_shape()
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    "Value is not broadcastable with batch_shape+event_shape: "
                    f"{shape} vs {expected}."
                )
        if not bool(self.support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(shape)}) to be "
                f"within the support ({self.support!r}) of the distribution {self!r}, but found "
                f"invalid values:\n{show(value)}"
            )

    def __repr__(self) -> str:
        shown = [
            f"{p}: {show(v) if v.numel() == 1 else v.shape}"
            for p in self.arg_constraints
            if isinstance(v := self.__dict__.get(p), Tensor)
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


class LocScale(Distribution):
    """A real distribution of a location and a positive scale, batched over their broadcast
    shape, whose mean and mode are its location (Normal, Laplace)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {"loc": self.loc.expand(shape), "scale": self.scale.expand(shape)}
        return self._new_expanded(shape, params)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc


class Folded(Distribution):
    """|X| for X from `self.base_dist`, a distribution of scale `self.scale` symmetric about 0
    (HalfNormal, HalfCauchy): the base's density, cdf and icdf folded onto x >= 0."""

    @property
    def mode(self) -> Tensor:
        return minigrad.zeros_like(self.scale)

    def log_prob(self, value) -> Tensor:
        """The base's log_prob plus log 2 on value >= 0, -inf below."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return minigrad.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


def _param_shape(self) -> Size:
    """The shape of the parameter given (probs or logits)."""
    return self._param.shape


# NOTE: one property that the distributions with PyTorch's `param_shape` take as theirs; not
# on BinaryProbsLogits, since PyTorch's Geometric has none
param_shape = property(_param_shape)


class BinaryProbsLogits(Distribution):
    """A distribution of a success probability given as `probs` or as `logits` (exactly one),
    batched over its broadcast shape; the other is computed from it when first asked for
    (Bernoulli, Binomial, Geometric, ...). expand expands the arg_constraints parameters held."""

    def _set_probs_or_logits(self, probs, logits, *others) -> tuple[Tensor, ...]:
        """Keeps the one of probs and logits given; returns `others` and it, broadcast (in that
        order, so that numbers among them take the first tensor's dtype, as PyTorch's)."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        *others, param = broadcast_all(*others, value)
        setattr(self, name, param)
        return (*others, param)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def _param(self) -> Tensor:
        """The parameter given (or one computed from it: same shape), for shapes and dtype."""
        return self.probs if "probs" in self.__dict__ else self.logits

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {k: v.expand(shape) for k, v in self.__dict__.items() if k in self.arg_constraints}
        return self._new_expanded(shape, params)
