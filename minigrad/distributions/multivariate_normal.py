"""The multivariate normal distribution N(loc, Sigma), parameterized by Sigma, its inverse (the
precision matrix) or its Cholesky factor L (Sigma = L L^T)."""

from __future__ import annotations

import math

import minigrad
from minigrad import linalg
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.utils import lazy_property
from minigrad.tensor import Size, Tensor


def _mahalanobis(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """|L^-1 diff|^2 over the last dim, batch dims broadcast."""
    z = linalg.solve_triangular(scale_tril, diff.unsqueeze(-1), upper=False).squeeze(-1)
    return (z * z).sum(-1)


def _half_log_det(scale_tril: Tensor) -> Tensor:
    """log det(L) = log sqrt(det Sigma): the sum of the logs of L's diagonal."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _scale_tril_from(name: str, matrix: Tensor) -> Tensor:
    """L (lower triangular, Sigma = L L^T) from the matrix given as `name`: scale_tril is L,
    covariance_matrix is Sigma, precision_matrix is Sigma^-1."""
    if name == "scale_tril":
        return matrix
    if name == "covariance_matrix":
        return linalg.cholesky(matrix)
    return linalg.cholesky(linalg.inv(matrix))


class ScaleTrilMatrices(Distribution):
    """A distribution whose matrix parameter is held as one Cholesky factor L,
    `_unbroadcasted_scale_tril` (MultivariateNormal, Wishart): scale_tril, covariance_matrix
    and precision_matrix are computed from it when first asked for, expanded to batch_shape."""

    _matrices = ("covariance_matrix", "precision_matrix", "scale_tril")

    def _matrix_shape(self) -> tuple:
        return (*self._batch_shape, *self._unbroadcasted_scale_tril.shape[-2:])

    def _expanded_matrices(self, batch_shape) -> dict:
        """The matrices held so far (given or computed), expanded to batch_shape."""
        shape = (*batch_shape, *self._unbroadcasted_scale_tril.shape[-2:])
        return {k: self.__dict__[k].expand(shape) for k in self._matrices if k in self.__dict__}

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        low = self._unbroadcasted_scale_tril
        return (low @ low.mT).expand(self._matrix_shape())

    def _precision(self) -> Tensor:
        """(L L^T)^-1 of the whole of L. NOTE: not cholesky_solve, whose gradient minigrad
        gives only in the triangle it reads (docs/nn.md): a scale_tril given by the user gets
        PyTorch's gradient (cholesky_inverse's) in its upper triangle too."""
        low = self._unbroadcasted_scale_tril
        return linalg.inv(low @ low.mT)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        return self._precision().expand(self._matrix_shape())


class MultivariateNormal(ScaleTrilMatrices):
    """N(loc, Sigma) over vectors of loc's last dim; give exactly one of covariance_matrix
    (Sigma), precision_matrix (Sigma^-1) or scale_tril (lower-triangular L with a positive
    diagonal, Sigma = L L^T). Batch dims of loc and the matrix broadcast.

    rsample is reparameterized: loc + L eps with eps ~ N(0, I), so gradients flow to every
    parameter. Everything is computed from L (one Cholesky factorization at construction).

    >>> m = MultivariateNormal(minigrad.zeros(2), covariance_matrix=minigrad.eye(2))
    >>> m.log_prob(minigrad.zeros(2))      # -1.8379: -log(2 pi)
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc,
        covariance_matrix=None,
        precision_matrix=None,
        scale_tril=None,
        validate_args=None,
    ):
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [
            (name, m)
            for name, m in (
                ("scale_tril", scale_tril),
                ("covariance_matrix", covariance_matrix),
                ("precision_matrix", precision_matrix),
            )
            if m is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
            )
        name, matrix = given[0]
        if matrix.ndim < 2:
            raise ValueError(
                f"{name} matrix must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        batch_shape = minigrad.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(*batch_shape, -1, -1))
        self.loc = loc.expand(*batch_shape, -1)
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        # validated above, so the factorization below sees a positive-definite matrix
        self._unbroadcasted_scale_tril = _scale_tril_from(name, matrix)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {
            "loc": self.loc.expand(*shape, self._event_shape[0]),
            "_unbroadcasted_scale_tril": self._unbroadcasted_scale_tril,
            **self._expanded_matrices(shape),
        }
        return self._new_expanded(shape, params)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """Sigma's diagonal: the squares of L's rows, summed."""
        shape = tuple(self._batch_shape) + tuple(self._event_shape)
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(shape)

    def rsample(self, sample_shape=()) -> Tensor:
        eps = minigrad.randn(
            self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device
        )
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value) -> Tensor:
        """-(k log(2 pi) + |L^-1 (x - loc)|^2) / 2 - log det L."""
        if self._validate_args:
            self._validate_sample(value)
        low = self._unbroadcasted_scale_tril
        m = _mahalanobis(low, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m) - _half_log_det(low)

    def entropy(self) -> Tensor:
        """k (1 + log(2 pi)) / 2 + log det L."""
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi))
        h = h + _half_log_det(self._unbroadcasted_scale_tril)
        return h.expand(self._batch_shape)
