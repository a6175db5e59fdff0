"""`minigrad.nn.functional` (PyTorch's `torch.nn.functional`): the ops behind the layers.

Everything here is an op defined once in `minigrad.ops` (re-exported), a thin wrapper, or a
composition of those ops (convolution.py, resampling.py, attention.py and the losses and
normalisations below), which therefore needs no backward of its own.
"""

from __future__ import annotations

import warnings

import numpy as np

from minigrad.creation import rand
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
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "embedding",
    "flatten",
    "gelu",
    "group_norm",
    "hardtanh",
    "huber_loss",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "relu",
    "relu6",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "smooth_l1_loss",
    "softplus",
    "softsign",
    "tanh",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); `inplace` is accepted for PyTorch code and gives a new tensor."""
    return activations_ops.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return activations_ops.leaky_relu(input, negative_slope)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """clamp(x, min_val, max_val). NOTE: as PyTorch, the gradient is 1 strictly inside
    (min_val, max_val) and 0 at the ends (clamp's gradient is 1 at the ends)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    inside = (input > min_val) & (input < max_val)
    return where(inside, input, input.clamp(min_val, max_val).detach())


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-input)


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim."""
    if dtype is not None:
        input = input.to(dtype=dtype)
    return softmax(-input, dim)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return where(input > 0, input, alpha * (exp(input.clamp(max=0.0)) - 1))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """x / max(||x||_p along dim, eps). Same shape as the input."""
    return input / input.norm(p=p, dim=dim, keepdim=True).clamp_min(eps)


def _feature_dropout(input: Tensor, p: float, training: bool) -> Tensor:
    """Zero whole channels: one Bernoulli(1 - p) draw per (sample, channel) of an (N, C, *)
    input, kept channels scaled by 1 / (1 - p) (PyTorch's feature dropout)."""
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 1.0:
        return input * 0.0
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    keep = rand(shape, device=input.device, dtype=input.dtype) >= p
    return input * (keep.to(input.dtype) / (1.0 - p))


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _warn_channel_dims(name: str, input: Tensor, dims: tuple) -> None:
    if input.ndim not in dims:
        warnings.warn(
            f"{name}: Received a {input.ndim}-D input to {name}, which is deprecated (PyTorch "
            f"will raise in a future release); {name} is channel-wise dropout for "
            f"{dims[0]}-D or {dims[1]}-D inputs. Use dropout for other inputs.",
            UserWarning,
            stacklevel=3,
        )


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scale the rest by
    1 / (1 - p) (training only). `inplace` is accepted and gives a new tensor."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    if input.ndim == 2:
        return _feature_dropout(input.unsqueeze(0), p, training).squeeze(0)
    return _feature_dropout(input, p, training)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, H, W) with probability p, scale the rest by 1 / (1 - p).
    NOTE: as PyTorch, a 3-D input is taken as (N, C, L), not (C, H, W) (with a warning)."""
    _check_p(p)
    _warn_channel_dims("dropout2d", input, (3, 4))
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. To maintain the 1D channel-wise dropout behavior, please switch "
            "to using dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    return _feature_dropout(input, p, training)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p, scale the
    rest by 1 / (1 - p) (training only)."""
    _check_p(p)
    _warn_channel_dims("dropout3d", input, (4, 5))
    if input.ndim != 5:
        return _feature_dropout(input.unsqueeze(0), p, training).squeeze(0)
    return _feature_dropout(input, p, training)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim, norms of the broadcast
    inputs.
    NOTE: as PyTorch, the clamp to eps changes the value only: the gradient flows through the
    norm as if unclamped (the clamp is detached)."""
    if not (x1.is_floating_point() or x2.is_floating_point()):
        raise RuntimeError(
            f"cosine_similarity: expected common dtype to be floating point, got {x1.dtype} "
            f"and {x2.dtype}"
        )
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity: shapes {tuple(x1.shape)} and {tuple(x2.shape)} do not broadcast"
        ) from None

    dtype = x1.dtype if x1.is_floating_point() else x2.dtype

    def unit(x):  # the norm of the broadcast input, as PyTorch; an integer input is converted
        x = x.expand(shape) if x.is_floating_point() else x.expand(shape).to(dtype)
        norm = x.norm(dim=dim, keepdim=True)
        return x / (norm + (norm.clamp_min(eps) - norm).detach())

    return (unit(x1) * unit(x2)).sum(dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p along the last dim, after broadcasting. (*, D) -> (*)"""
    return (x1 - x2 + eps).norm(p=p, dim=-1, keepdim=keepdim)


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
