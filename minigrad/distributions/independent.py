"""Independent: reinterpret some batch dims of a distribution as event dims."""

from __future__ import annotations

from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.utils import sum_rightmost
from minigrad.tensor import Size, Tensor


class Independent(Distribution):
    """base_distribution with its `reinterpreted_batch_ndims` rightmost batch dims made event
    dims: log_prob and entropy sum over them. A VAE's diagonal Gaussian:
    `Independent(Normal(mu, sigma), 1)` has batch_shape (B,), event_shape (D,), and
    log_prob(x) gives one number per example."""

    arg_constraints: dict = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims: int, validate_args=None):
        n, base_batch = reinterpreted_batch_ndims, base_distribution.batch_shape
        if n > len(base_batch):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {n} vs {len(base_batch)}"
            )
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        cut = len(base_batch) - n
        event_shape = Size(tuple(base_batch[cut:]) + tuple(base_distribution.event_shape))
        super().__init__(base_batch[:cut], event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        base_shape = Size(tuple(shape) + tuple(self._event_shape[: self.reinterpreted_batch_ndims]))
        params = {
            "base_dist": self.base_dist.expand(base_shape),
            "reinterpreted_batch_ndims": self.reinterpreted_batch_ndims,
        }
        return self._new_expanded(shape, params)

    @property
    def has_rsample(self) -> bool:
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape=()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value) -> Tensor:
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
