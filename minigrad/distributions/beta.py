"""PyTorch's module path `distributions.beta`: Beta lives with Dirichlet here, in dirichlet.py,
since it is Dirichlet's two-category case."""

from minigrad.distributions.dirichlet import Beta

__all__ = ["Beta"]
