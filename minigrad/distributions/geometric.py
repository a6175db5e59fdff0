"""The geometric distribution: the number of failures before the first success in
Bernoulli(probs) trials, P(k) = (1 - p)^k p on k = 0, 1, 2, ..."""

from __future__ import annotations

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import BinaryProbsLogits
from minigrad.distributions.utils import broadcast_all, show
from minigrad.nn.functional import binary_cross_entropy_with_logits
from minigrad.tensor import Tensor


class Geometric(BinaryProbsLogits):
    """Geometric(probs or logits: give exactly one), counting failures (support starts at 0,
    as PyTorch's; `Tensor.geometric_` counts trials, from 1). probs must be > 0."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        (param,) = self._set_probs_or_logits(probs, logits)
        super().__init__(param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            # NOTE: unit_interval admits 0, which has no geometric distribution
            valid = self.probs > 0
            if not bool(valid.all()):
                raise ValueError(
                    f"Expected parameter probs ({type(self.probs).__name__} of shape "
                    f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but "
                    f"found invalid values:\n{show(self.probs[~valid])}"
                )

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return minigrad.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()) -> Tensor:
        """floor(log(u) / log(1 - p)) for u uniform on (0, 1): inversion of the cdf."""
        shape = self._extended_shape(sample_shape)
        with minigrad.no_grad():
            probs = self.probs
            tiny = minigrad.finfo(probs.dtype).tiny
            u = minigrad.rand(shape, dtype=probs.dtype, device=probs.device).clamp(min=tiny)
            return (u.log() / (-probs).log1p()).floor()

    def log_prob(self, value) -> Tensor:
        """k log(1 - p) + log(p); 0 at k = 0 for p = 1 (not 0 * -inf)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = minigrad.where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """The Bernoulli(p) entropy divided by p."""
        bce = binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
        return bce / self.probs
