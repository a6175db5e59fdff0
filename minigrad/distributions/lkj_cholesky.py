"""The LKJ distribution over Cholesky factors of correlation matrices (Lewandowski, Kurowicka
and Joe, 2009): density of the correlation matrix proportional to det^(concentration - 1)."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.dirichlet import Beta
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.utils import broadcast_all
from minigrad.ops.special import lgamma, mvlgamma
from minigrad.tensor import Size, Tensor


class LKJCholesky(Distribution):
    """LKJCholesky(dim, concentration=1): the lower Cholesky factor L of a dim x dim
    correlation matrix L L^T. concentration 1 is uniform over correlation matrices, larger
    favours the identity. Draws use the onion method (a Beta-distributed squared length
    per row, a uniform direction), as PyTorch's, with the Beta of the paper (PyTorch 2.13's
    is off from the third row on); no rsample."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(
                f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}."
            )
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        c = self.concentration
        marginal = c + 0.5 * (dim - 2)
        offset = minigrad.arange(dim - 1, dtype=c.dtype, device=c.device)
        offset = minigrad.cat([offset.new_zeros((1,)), offset])
        # row i's squared length below the diagonal is Beta(i / 2, marginal - (i - 1) / 2)
        # (the onion method). NOTE: PyTorch 2.13 takes offset + 0.5 as the first parameter,
        # i + 1/2 for i >= 2: its rows past the second come out too spread (not exchangeable)
        self._beta = Beta(0.5 * offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        super().__init__(c.shape, (dim, dim), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {
            "dim": self.dim,
            "concentration": self.concentration.expand(shape),
            "_beta": self._beta.expand((*shape, self.dim)),
        }
        return self._new_expanded(shape, params)

    def sample(self, sample_shape=()) -> Tensor:
        """Row i: sqrt(y_i) times a uniform direction in its first i coordinates, y_i ~ Beta,
        then the diagonal entry that makes the row's length 1."""
        with minigrad.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            shape = self._extended_shape(sample_shape)
            u = minigrad.randn(shape, dtype=y.dtype, device=y.device).tril(-1)
            norms = u.norm(dim=-1, keepdim=True)
            first_row = minigrad.arange(self.dim, device=y.device).unsqueeze(-1) == 0
            # the first row has no entries below the diagonal (its norm is 0)
            direction = minigrad.where(first_row, 0.0, u / minigrad.where(first_row, 1.0, norms))
            w = y.sqrt() * direction
            tiny = minigrad.finfo(w.dtype).tiny
            diag = (1 - w.pow(2).sum(-1)).clamp(min=tiny).sqrt()
            return w + diag.diag_embed()

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c, dim = self.concentration, self.dim
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = minigrad.arange(2, dim + 1, dtype=c.dtype, device=c.device)
        order = 2 * (c - 1).unsqueeze(-1) + dim - order
        unnormalized = (order * diag.log()).sum(-1)
        dm1 = dim - 1
        alpha = c + 0.5 * dm1
        normalizer = (
            0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1) - lgamma(alpha) * dm1
        )
        return unnormalized - normalizer
