"""The Wishart distribution over positive-definite p x p matrices: the scatter matrix
sum_k x_k x_k^T of df draws x_k ~ N(0, Sigma) (df real here, > p - 1)."""

from __future__ import annotations

import math
import numbers
import warnings

import minigrad
from minigrad import linalg
from minigrad.distributions import constraints
from minigrad.distributions.gamma import Chi2
from minigrad.distributions.multivariate_normal import (
    ScaleTrilMatrices,
    _half_log_det,
    _scale_tril_from,
)
from minigrad.distributions.utils import show
from minigrad.ops.special import digamma, mvlgamma
from minigrad.tensor import Size, Tensor


def _mvdigamma(x: Tensor, p: int) -> Tensor:
    """The multivariate digamma: sum_i digamma(x - i / 2), i = 0 .. p - 1."""
    halves = minigrad.arange(p, dtype=x.dtype, device=x.device) / 2
    return digamma(x.unsqueeze(-1) - halves).sum(-1)


class Wishart(ScaleTrilMatrices):
    """Wishart(df, covariance_matrix | precision_matrix | scale_tril: give exactly one).
    rsample is Bartlett's decomposition, L A A^T L^T with A lower triangular, sqrt(chi2(df - i))
    on its diagonal and standard normals below, reparameterized in df (through the gamma
    draws) and the scale. A draw that is not positive definite (likely for df < p) is drawn
    again, up to max_try_correction times, with a warning (as PyTorch's)."""

    support = constraints.positive_definite
    has_rsample = True

    def __init__(
        self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None
    ):
        given = [
            (name, m)
            for name, m in (
                ("covariance_matrix", covariance_matrix),
                ("precision_matrix", precision_matrix),
                ("scale_tril", scale_tril),
            )
            if m is not None
        ]
        if len(given) != 1:
            raise AssertionError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
            )
        name, param = given[0]
        if param.ndim < 2:
            raise ValueError(
                "scale_tril must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        if isinstance(df, numbers.Number):
            batch_shape = Size(param.shape[:-2])
            self.df = minigrad.tensor(df, dtype=param.dtype, device=param.device)
        else:
            batch_shape = minigrad.broadcast_shapes(param.shape[:-2], df.shape)
            self.df = df.expand(batch_shape)
        event_shape = Size(param.shape[-2:])
        p = event_shape[-1]
        if bool((self.df <= p - 1).any()):
            raise ValueError(
                f"Value of df={show(df)} expected to be greater than ndim - 1 = {p - 1}."
            )
        setattr(self, name, param.expand(*batch_shape, -1, -1))
        self._unbroadcasted_scale_tril = _scale_tril_from(name, param)
        if bool((self.df < p).any()):
            warnings.warn(
                "Low df values detected. Singular samples are highly likely to occur for "
                "ndim - 1 < df < ndim.",
                stacklevel=2,
            )
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict:
        return {
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
            "df": constraints.greater_than(self._event_shape[-1] - 1),
        }

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {
            "df": self.df.expand(shape),
            "_unbroadcasted_scale_tril": self._unbroadcasted_scale_tril.expand(
                (*shape, *self._event_shape)
            ),
            **self._expanded_matrices(shape),
        }
        return self._new_expanded(shape, params)

    def _df_matrix(self) -> Tensor:
        """df as (batch..., 1, 1); a number df is 0-d (as PyTorch's), so expanded first
        (PyTorch's mean and mode fail there for a batch of matrices)."""
        return self.df.expand(self._batch_shape).reshape((*self._batch_shape, 1, 1))

    @property
    def mean(self) -> Tensor:
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        """(df - p - 1) Sigma; nan where df <= p + 1 (the density has no interior maximum)."""
        factor = self._df_matrix() - self._event_shape[-1] - 1
        return minigrad.where(factor <= 0, math.nan, factor) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        """Var(W_ij) = df (S_ij^2 + S_ii S_jj)."""
        cov = self.covariance_matrix
        diag = cov.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (cov.pow(2) + diag.unsqueeze(-1) * diag.unsqueeze(-2))

    def _bartlett(self, sample_shape) -> Tensor:
        p = self._event_shape[-1]
        low = self._unbroadcasted_scale_tril
        dfs = self.df.unsqueeze(-1) - minigrad.arange(p, dtype=low.dtype, device=low.device)
        chi = Chi2(dfs, validate_args=False).rsample(sample_shape).sqrt()
        chi = chi.clamp(min=minigrad.finfo(chi.dtype).eps)
        below = minigrad.randn(
            (*sample_shape, *self._batch_shape, p, p), dtype=low.dtype, device=low.device
        ).tril(-1)
        a = below + chi.diag_embed()
        chol = low @ a
        return chol @ chol.mT

    def rsample(self, sample_shape=(), max_try_correction=None) -> Tensor:
        sample_shape = Size(sample_shape)
        sample = self._bartlett(sample_shape)
        with minigrad.no_grad():
            singular = ~self.support.check(sample)
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(10 if max_try_correction is None else max_try_correction):
                # NOTE: whole new draws, kept where the old one was singular
                sample = minigrad.where(
                    singular[..., None, None], self._bartlett(sample_shape), sample
                )
                with minigrad.no_grad():
                    singular = ~self.support.check(sample)
                if not bool(singular.any()):
                    break
        return sample

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        trace = (self._precision() @ value).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (
            -nu * (p * math.log(2) / 2 + half_log_det)
            - mvlgamma(nu / 2, p)
            + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet
            - trace / 2
        )

    def entropy(self) -> Tensor:
        nu, p = self.df, self._event_shape[-1]
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        return (
            (p + 1) * (p * math.log(2) / 2 + half_log_det)
            + mvlgamma(nu / 2, p)
            - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p)
            + nu * p / 2
        )
