"""PyTorch's module path `distributions.one_hot_categorical`: both classes live with
Categorical here, in categorical.py, as one-hot views of it."""

from minigrad.distributions.categorical import OneHotCategorical, OneHotCategoricalStraightThrough

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]
