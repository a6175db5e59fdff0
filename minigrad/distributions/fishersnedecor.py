"""The Fisher-Snedecor (F) distribution: the ratio (X1 / df1) / (X2 / df2) of two
chi-squared variables."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.gamma import Gamma
from minigrad.distributions.utils import broadcast_all
from minigrad.ops.special import lgamma
from minigrad.tensor import Size, Tensor


class FisherSnedecor(Distribution):
    """FisherSnedecor(df1, df2); rsample is the ratio of two reparameterized gamma draws
    Gamma(df / 2, rate = df), so gradients reach both. mean, mode and variance are nan where
    they do not exist (df2 <= 2, df1 <= 2, df2 <= 4), as PyTorch's."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        # NOTE: made (and so validated) first, as PyTorch's: a bad df is reported as Gamma's
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        super().__init__(self.df1.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {
            "df1": self.df1.expand(shape),
            "df2": self.df2.expand(shape),
            "_gamma1": self._gamma1.expand(shape),
            "_gamma2": self._gamma2.expand(shape),
        }
        return self._new_expanded(shape, params)

    @property
    def mean(self) -> Tensor:
        df2 = minigrad.where(self.df2 <= 2, math.nan, self.df2)
        return df2 / (df2 - 2)

    @property
    def mode(self) -> Tensor:
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return minigrad.where(self.df1 <= 2, math.nan, mode)

    @property
    def variance(self) -> Tensor:
        df1, df2 = self.df1, minigrad.where(self.df2 <= 4, math.nan, self.df2)
        return 2 * df2.pow(2) * (df1 + df2 - 2) / (df1 * (df2 - 2).pow(2) * (df2 - 4))

    def rsample(self, sample_shape=()) -> Tensor:
        x1 = self._gamma1.rsample(sample_shape)
        x2 = self._gamma2.rsample(sample_shape)
        tiny = minigrad.finfo(x2.dtype).tiny
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        ct1, ct2 = self.df1 * 0.5, self.df2 * 0.5
        ratio = self.df1 / self.df2
        t1 = lgamma(ct1 + ct2) - lgamma(ct1) - lgamma(ct2)
        t2 = ct1 * ratio.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ratio * value).log1p()
        return t1 + t2 - t3
