"""`minigrad.nn.functional` (PyTorch's `torch.nn.functional`): the ops behind the layers.

Everything here is an op defined once in `minigrad.ops` (re-exported), a thin wrapper, or a
composition of those ops (convolution.py, resampling.py, attention.py and the losses and
normalisations below), which therefore needs no backward of its own.
"""

from __future__ import annotations

import warnings

from minigrad.nn.attention import scaled_dot_product_attention
from minigrad.nn.convolution import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    conv1d,
    conv2d,
    conv_transpose2d,
    max_pool1d,
)
from minigrad.nn.resampling import interpolate, pad
from minigrad.ops import activations as activations_ops
from minigrad.ops.activations import gelu, sigmoid, silu, softplus, tanh
from minigrad.ops.conv import avg_pool2d, max_pool2d
from minigrad.ops.indexing import one_hot
from minigrad.ops.matmul import linear
from minigrad.ops.nn import (
    _reduce,
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
from minigrad.ops.selection import where
from minigrad.ops.shape import flatten
from minigrad.ops.unary import exp
from minigrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "flatten",
    "gelu",
    "group_norm",
    "huber_loss",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "relu6",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "softmax",
    "smooth_l1_loss",
    "softplus",
    "tanh",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); `inplace` is accepted for PyTorch code and gives a new tensor."""
    return activations_ops.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return activations_ops.leaky_relu(input, negative_slope)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return input.clamp(0.0, 6.0)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return where(input > 0, input, alpha * (exp(input.clamp(max=0.0)) - 1))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """x / max(||x||_p along dim, eps). Same shape as the input."""
    return input / input.norm(p=p, dim=dim, keepdim=True).clamp_min(eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise each sample's channels in num_groups groups (over the group's channels and all
    positions), then scale and shift per channel. (N, C, *) -> (N, C, *)"""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(
            f"group_norm: expected an (N, C, *) input with C divisible by num_groups="
            f"{num_groups}, got {tuple(input.shape)}"
        )
    n, c = input.shape[:2]
    grouped = input.reshape(n, num_groups, -1)
    y = layer_norm(grouped, grouped.shape[-1:], eps=eps).reshape(input.shape)
    channel = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(channel)
    if bias is not None:
        y = y + bias.reshape(channel)
    return y


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta=0: L1."""
    d = (input - target).abs()
    loss = d if beta == 0 else where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    d = (input - target).abs()
    loss = where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "huber_loss")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input); input holds
    log-probabilities. reduction='batchmean' divides the sum by the batch size (the true KL);
    'mean' (the default, as PyTorch) divides by the number of elements."""
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # NOTE: 0 log 0 = 0; log of 1 where target is 0 keeps nan out of the gradient
        safe = where(target > 0, target, 1.0)
        loss = target * safe.log() - target * input
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by both the batch size and the "
            "support size; 'batchmean' divides only by the batch size and gives the KL "
            "divergence. 'mean' is kept as PyTorch's default.",
            UserWarning,
            stacklevel=2,
        )
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction, "kl_div")
