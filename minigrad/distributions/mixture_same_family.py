"""MixtureSameFamily: a mixture of k components of one family (a Gaussian mixture model),
picked by a Categorical over the last batch dim of the components."""

from __future__ import annotations

from minigrad.autograd.grad_mode import no_grad
from minigrad.distributions import constraints
from minigrad.distributions.categorical import Categorical
from minigrad.distributions.distribution import Distribution
from minigrad.ops.reduce import logsumexp
from minigrad.tensor import Size, Tensor


class MixtureSameFamily(Distribution):
    """p(x) = sum_k pi_k p_k(x): mixture_distribution is a Categorical over k (its batch
    shape that of the mixture, or none: one set of weights for all), component_distribution
    has batch shape (*batch, k). log_prob is a logsumexp over k of the components'
    log-densities plus log pi; sampling picks a component, then draws from it (no rsample).
    The batch shape is the components' without k; the event shape is theirs."""

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(
                "The Mixture distribution needs to be an instance of torch.distributions."
                "Categorical"
            )
        if not isinstance(component_distribution, Distribution):
            raise ValueError(
                "The Component distribution need to be an instance of "
                "torch.distributions.Distribution"
            )
        mixture_batch = mixture_distribution.batch_shape
        component_batch = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mixture_batch), reversed(component_batch)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(
                    f"`mixture_distribution.batch_shape` ({mixture_batch}) is not compatible "
                    f"with `component_distribution.batch_shape`({component_batch})"
                )
        k_mixture = mixture_distribution.logits.shape[-1]
        k_component = component_distribution.batch_shape[-1]
        if k_mixture != k_component:
            raise ValueError(
                f"`mixture_distribution component` ({k_mixture}) does not equal "
                f"`component_distribution.batch_shape[-1]` ({k_component})"
            )
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = k_mixture
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(
            Size(component_batch), component_distribution.event_shape, validate_args=validate_args
        )

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    @property
    def support(self) -> constraints.Constraint:
        return self._component_distribution.support

    @property
    def mean(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(dim=-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """The law of total variance: the mean of the components' variances plus the
        variance of their means."""
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        dim = -1 - self._event_ndims
        mean_cond_var = (probs * self._component_distribution.variance).sum(dim=dim)
        spread = (self._component_distribution.mean - self._pad(self.mean)) ** 2
        return mean_cond_var + (probs * spread).sum(dim=dim)

    def log_prob(self, value) -> Tensor:
        log_prob_x = self._component_distribution.log_prob(self._pad(value))  # (S, B, k)
        log_mix_prob = self._mixture_distribution.logits.log_softmax(dim=-1)  # (B, k)
        return logsumexp(log_prob_x + log_mix_prob, dim=-1)

    def cdf(self, value) -> Tensor:
        cdf_x = self._component_distribution.cdf(self._pad(value))
        return (cdf_x * self._mixture_distribution.probs).sum(dim=-1)

    def sample(self, sample_shape=()) -> Tensor:
        with no_grad():
            gather_dim = len(tuple(sample_shape)) + len(self.batch_shape)
            event = tuple(self.event_shape)
            picks = self._mixture_distribution.sample(sample_shape)  # (S, B)
            samples = self._component_distribution.sample(sample_shape)  # (S, B, k, E)
            index = picks.reshape(*picks.shape, *(1,) * (len(event) + 1))
            index = index.repeat(*(1,) * picks.ndim, 1, *event)
            return samples.gather(gather_dim, index).squeeze(gather_dim)

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        """The mixture's probabilities (*mixture batch, k) shaped to broadcast against the
        components' (*batch, k, *event)."""
        batch_ndims = len(self.batch_shape)
        mixture_ndims = len(self._mixture_distribution.batch_shape)
        pad_ndims = 0 if mixture_ndims == 1 else batch_ndims - mixture_ndims
        shape = tuple(x.shape)
        return x.reshape(*shape[:-1], *(1,) * pad_ndims, shape[-1], *(1,) * self._event_ndims)

    def __repr__(self) -> str:
        return (
            f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n"
            f"  {self._component_distribution!r})"
        )
