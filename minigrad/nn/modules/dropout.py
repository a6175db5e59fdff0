"""Dropout: zero inputs at random while training; the identity in eval mode."""

from __future__ import annotations

from minigrad.nn.modules.module import Module
from minigrad.ops.nn import dropout


class Dropout(Module):
    """y = x * mask / (1 - p) in training (mask ~ Bernoulli(1 - p)); y = x in eval. (*) -> (*)"""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
