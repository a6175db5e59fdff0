"""PyTorch's module path `distributions.chi2`: Chi2 lives with Gamma here, in gamma.py, since it
is Gamma(df / 2, 1 / 2)."""

from minigrad.distributions.gamma import Chi2

__all__ = ["Chi2"]
