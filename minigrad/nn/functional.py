"""`minigrad.nn.functional` (PyTorch's `torch.nn.functional`): the ops behind the layers.

Everything here is an op defined once in `minigrad.ops` (re-exported), or a thin wrapper.
"""

from __future__ import annotations

from minigrad.ops import elementwise
from minigrad.ops.conv import avg_pool2d, conv2d, max_pool2d
from minigrad.ops.elementwise import exp, gelu, sigmoid, silu, softplus, tanh, where
from minigrad.ops.indexing import one_hot
from minigrad.ops.matmul import linear
from minigrad.ops.nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    dropout,
    embedding,
    l1_loss,
    log_softmax,
    mse_loss,
    nll_loss,
    softmax,
)
from minigrad.ops.norm import batch_norm, layer_norm
from minigrad.ops.shape import flatten
from minigrad.tensor import Tensor

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "flatten",
    "gelu",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); `inplace` is accepted for PyTorch code and gives a new tensor."""
    return elementwise.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return elementwise.leaky_relu(input, negative_slope)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return input.clamp(0.0, 6.0)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return where(input > 0, input, alpha * (exp(input.clamp(max=0.0)) - 1))
