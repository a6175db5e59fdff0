"""Student's t distribution with df degrees of freedom, location loc and scale."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.gamma import Chi2
from minigrad.distributions.utils import broadcast_all
from minigrad.ops.special import digamma, lgamma
from minigrad.tensor import Size, Tensor


class StudentT(Distribution):
    """StudentT(df, loc=0, scale=1), batched over their broadcast shape. rsample is
    loc + scale * Z / sqrt(V / df), Z standard normal and V ~ Chi2(df), differentiable in all
    three parameters."""

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df, validate_args=False)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {name: getattr(self, name).expand(shape) for name in ("df", "loc", "scale")}
        params["_chi2"] = self._chi2.expand(shape)
        return self._new_expanded(shape, params)

    @property
    def mean(self) -> Tensor:
        """loc, nan where df <= 1 (the mean does not exist)."""
        return minigrad.where(self.df > 1, self.loc, float("nan"))

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """scale^2 df / (df - 2) for df > 2; inf for 1 < df <= 2; nan for df <= 1."""
        df = self.df
        finite = self.scale.pow(2) * df / minigrad.where(df > 2, df - 2, 1.0)
        return minigrad.where(df > 2, finite, minigrad.where(df > 1, float("inf"), float("nan")))

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        z = minigrad.empty(shape, dtype=self.df.dtype, device=self.df.device).normal_()
        v = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * z * (v / self.df).rsqrt()

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        norm = (
            self.scale.log()
            + 0.5 * df.log()
            + 0.5 * math.log(math.pi)
            + lgamma(0.5 * df)
            - lgamma(0.5 * (df + 1.0))
        )
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - norm

    def entropy(self) -> Tensor:
        df = self.df
        log_beta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return (
            self.scale.log()
            + 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df))
            + 0.5 * df.log()
            + log_beta
        )
