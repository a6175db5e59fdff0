"""The exponential-family base class: densities exp(<t(x), theta> - F(theta) + k(x)), with
natural parameters theta, sufficient statistic t, log normalizer F and carrier measure k."""

from __future__ import annotations

import minigrad
from minigrad.distributions.distribution import Distribution
from minigrad.tensor import Tensor


class ExponentialFamily(Distribution):
    """A distribution that gives its natural parameters (`_natural_params`), its log normalizer
    as a function of them (`_log_normalizer`) and E[k(x)] (`_mean_carrier_measure`) gets its
    entropy, and a KL divergence to another of its own type, from autograd: grad F(theta) is
    E[t(x)], so both are Bregman divergences of F (Nielsen and Nock). Subclasses with a closed
    form override them, as PyTorch's do."""

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def _log_normalizer(self, *natural_params) -> Tensor:
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """H = F(theta) - <theta, grad F(theta)> - E[k(x)]."""
        # NOTE: as PyTorch, the parameters are detached first: this entropy carries no
        # gradient back to them (a closed-form entropy of a subclass does)
        thetas = [p.detach().requires_grad_() for p in self._natural_params]
        f = self._log_normalizer(*thetas)
        grads = minigrad.autograd.grad(f.sum(), thetas, create_graph=True)
        result = f - self._mean_carrier_measure
        for theta, g in zip(thetas, grads):
            result = result - (theta * g).reshape(*self._batch_shape, -1).sum(-1)
        return result
