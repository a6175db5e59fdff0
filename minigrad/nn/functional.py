"""`minigrad.nn.functional` (PyTorch's `torch.nn.functional`): the ops behind the layers.

Everything here is an op defined once in `minigrad.ops` (re-exported), a thin wrapper, or a
composition of those ops (convolution.py, resampling.py, attention.py, losses.py and the
losses and normalisations below), which therefore needs no backward of its own.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad.creation import empty_like, rand, zeros_like
from minigrad.dtypes import bool_, finfo, float16
from minigrad.nn import grad  # noqa: F401 - PyTorch's F.grad
from minigrad.nn.attention import scaled_dot_product_attention
from minigrad.nn.convolution import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
    unfold,
)
from minigrad.nn.fractional import fractional_max_pool2d
from minigrad.nn.losses import (
    cosine_embedding_loss,
    ctc_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from minigrad.nn.resampling import affine_grid, grid_sample, interpolate, pad
from minigrad.ops import activations as activations_ops
from minigrad.ops._util import normalize_dim, require_floating
from minigrad.ops.activations import gelu, sigmoid, softplus, tanh
from minigrad.ops.conv import avg_pool2d, max_pool2d
from minigrad.ops.conv3d import avg_pool3d, conv3d, conv_transpose3d, max_pool3d
from minigrad.ops.indexing import one_hot, triu_indices
from minigrad.ops.matmul import check_same_dtype, linear
from minigrad.ops.nn import (
    _reduce,
    _softmax_dim,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    broadcast_shape_for,
    check_dropout_dtype,
    cross_entropy,
    dropout,
    embedding,
    embedding_bag,
    huber_loss,
    l1_loss,
    legacy_reduction,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from minigrad.ops.nn import (
    log_softmax as _log_softmax,
)
from minigrad.ops.nn import (
    softmax as _softmax,
)
from minigrad.ops.norm import (
    _update_running,
    batch_norm,
    group_norm,
    layer_norm,
)
from minigrad.ops.selection import where
from minigrad.ops.shape import _named, flatten, movedim
from minigrad.ops.unary import expm1
from minigrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "affine_grid",
    "alpha_dropout",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cosine_embedding_loss",
    "cosine_similarity",
    "cross_entropy",
    "ctc_loss",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "elu_",
    "embedding",
    "embedding_bag",
    "feature_alpha_dropout",
    "flatten",
    "fold",
    "fractional_max_pool2d",
    "gaussian_nll_loss",
    "gelu",
    "glu",
    "grid_sample",
    "group_norm",
    "gumbel_softmax",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "hinge_embedding_loss",
    "huber_loss",
    "instance_norm",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "leaky_relu_",
    "linear",
    "local_response_norm",
    "log_softmax",
    "logsigmoid",
    "margin_ranking_loss",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "mish",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "rrelu",
    "rrelu_",
    "rms_norm",
    "scaled_dot_product_attention",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]


# NOTE: with inplace=True an activation writes its result into its input and returns it, as
# PyTorch's: the op itself sees a copy of the old values (Tensor._inplace), so what its
# backward saved is unchanged, and a backward that saved the input elsewhere says it changed.
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    if inplace:
        return input._inplace(activations_ops.relu)
    return activations_ops.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    if inplace:
        return input._inplace(activations_ops.leaky_relu, negative_slope)
    return activations_ops.leaky_relu(input, negative_slope)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Leaky ReLU with a random negative slope: in training drawn per element from
    U(lower, upper) (minigrad's generator: not PyTorch's numbers), else their mean."""
    if inplace:
        return input._inplace(rrelu, lower, upper, training)
    if training:
        slope = empty_like(input).uniform_(lower, upper)
        out = where(input >= 0, input, input * slope)
    else:
        out = activations_ops.leaky_relu(input, (lower + upper) / 2)
    return _named(out, input, "RreluWithNoiseBackward0")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """clamp(x, min_val, max_val). NOTE: as PyTorch, the gradient is 1 strictly inside
    (min_val, max_val) and 0 at the ends (clamp's gradient is 1 at the ends)."""
    if inplace:
        return input._inplace(hardtanh, min_val, max_val)
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    if input.dtype is bool_:
        raise RuntimeError("hardtanh: Bool inputs not supported for hardtanh")
    if not input.dtype.is_floating_point:  # PyTorch truncates the bounds, keeps the dtype
        min_val, max_val = int(min_val), int(max_val)
        if not input.dtype.is_signed and min_val < 0:
            raise RuntimeError(
                "hardtanh: cannot do hardtanh on an unsigned type with negative limits"
            )
    return activations_ops.hardtanh(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    require_floating("log_sigmoid_cpu", input)
    return -softplus(-input)


# NOTE: PyTorch's third positional argument is _stacklevel, so F.softmax(x, 1, torch.float64)
# keeps x's dtype there; torch.softmax and Tensor.softmax take dtype third
def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _log_softmax(input, dim, dtype)


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim."""
    if dtype is not None:
        input = input.to(dtype=dtype)
    return softmax(-input, _softmax_dim(input, dim, "softmin"))


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim=-1):
    """softmax((logits + g) / tau) with g ~ Gumbel(0, 1) drawn from minigrad's generator (as
    -log of an exponential draw, PyTorch's way). hard=True returns the one-hot of the argmax
    with the soft sample's gradient (straight-through: y_hard - y_soft.detach() + y_soft)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if inplace:
        return input._inplace(elu, alpha)
    return activations_ops.elu(input, alpha)


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
    check_dropout_dtype(input)
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    keep = rand(shape, device=input.device, dtype=input.dtype) >= p
    return input * (keep.to(input.dtype) / (1.0 - p))


_SELU_ALPHA = 1.7580993408473766  # SELU's scale * alpha: minus its limit at -infinity


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for SELU networks (training only): each element is set, with probability p, to
    SELU's negative saturation value, then all are scaled and shifted (a x + b) so that zero
    mean and unit variance are kept. `inplace` is accepted and gives a new tensor."""
    return _alpha_dropout(input, p, training, feature=False)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
):
    """alpha_dropout of whole channels of (N, C, *): one draw per sample and channel."""
    return _alpha_dropout(input, p, training, feature=True)


def _alpha_dropout(input: Tensor, p: float, training: bool, feature: bool) -> Tensor:
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 1.0:
        return input * 0.0
    check_dropout_dtype(input)
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    keep = (rand(shape, device=input.device, dtype=input.dtype) >= p).to(input.dtype)
    a = 1.0 / math.sqrt((_SELU_ALPHA**2 * p + 1) * (1 - p))
    # PyTorch's formula: x * keep * a + (keep - 1) * alpha * a + alpha * a * p
    return input * (keep * a) + ((keep - 1) * (_SELU_ALPHA * a) + _SELU_ALPHA * a * p)


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


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated: interpolate under its old name, with PyTorch's warning."""
    _warn_upsample("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(mode="nearest"), with PyTorch's warning."""
    _warn_upsample("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(mode="bilinear", align_corners=True), with PyTorch's warning."""
    _warn_upsample("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _warn_upsample(name: str) -> None:
    warnings.warn(
        f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=3,
    )


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p along the last dim, after broadcasting. (*, D) -> (*)"""
    return (x1 - x2 + eps).norm(p=p, dim=-1, keepdim=keepdim)


def triplet_margin_with_distance_loss(
    anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False, reduction="mean"
) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with any distance d (pairwise_distance by default;
    metric-learning code passes a cosine distance); swap: d(a, n) is replaced by d(p, n)
    where that is smaller. Reduced as the other losses."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    loss = (margin + d_pos - d_neg).clamp_min(0)
    return _reduce(loss, reduction, "triplet_margin_with_distance_loss")


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distance between rows i < j of an (N, M) input, pair by pair in the order of
    the upper triangle, row by row: (N, M) -> (N (N - 1) / 2,), as PyTorch's."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype}")
    if input.dtype == float16:  # as PyTorch's CPU kernel
        raise NotImplementedError("\"pdist\" not implemented for 'Half'")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    first, second = triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    diff = input[first] - input[second]
    if p == 0:  # how many coordinates differ (gradient 0)
        return diff.norm(p=0, dim=-1)
    size = diff.abs()
    if p == math.inf:
        # NOTE: PyTorch's gradient goes whole to every coordinate at the max (amax would
        # share it among them): the max, plus |diff| - |diff| (0) at those coordinates
        dist = size.amax(-1).detach()
        at_max = size.detach() == dist[:, None]
        return dist + ((size - size.detach()) * at_max).sum(-1)
    # equal rows: distance 0 with gradient 0, as PyTorch's (the p-norm's is nan there)
    same = (size == 0).all(-1, keepdim=True)
    return where(same[:, 0], 0.0, where(same, 1.0, diff).norm(p=p, dim=-1))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input); input holds
    log-probabilities. reduction='batchmean' divides the sum by the batch size (the true KL);
    'mean' (the default, as PyTorch) divides by the number of elements."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    broadcast_shape_for("kl_div", input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # NOTE: 0 log 0 = 0; log of 1 where target is 0 keeps nan out of the gradient (a
        # negative target gives nan, as PyTorch's xlogy)
        safe = where(target == 0, 1.0, target)
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


# -- more activations (compositions; gradients at the kinks as PyTorch's kernels) -------------
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else w * x, with one learnable slope for all channels or one per channel
    (dim 1 of an input of 2 dims or more)."""
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    if weight.numel() == 1:
        slope = weight.reshape(())
    else:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(
                "prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {weight.numel()} and channel size = {channels}."
            )
        slope = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    if weight.dtype != input.dtype:  # as PyTorch's kernel (a float32 slope on float64 input)
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {input.dtype} and {weight.dtype}"
        )
    return where(input > 0, input, slope * input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6; the gradient is 0 up to -3 and 1 from 3 on (PyTorch's kernel)."""
    if inplace:
        return input._inplace(hardswish)
    return activations_ops.hardswish(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; the gradient is 1/6 strictly inside (-3, 3), 0 outside."""
    if inplace:
        return input._inplace(hardsigmoid)
    return activations_ops.hardsigmoid(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)."""
    if inplace:
        return input._inplace(activations_ops.silu)
    return activations_ops.silu(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    if inplace:
        return input._inplace(mish)
    return input * tanh(softplus(input))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of the input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = normalize_dim(dim, input.ndim, "glu")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(
            f"glu: Halving dimension must be even, but dimension {dim} is size {size}"
        )
    a, b = input.chunk(2, dim)
    return a * sigmoid(b)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x / alpha) - 1)."""
    if inplace:
        return input._inplace(celu, alpha)
    # NOTE: relu(x) + alpha expm1(min(x, 0) / alpha), the same values and gradient as a
    # `where` on x > 0, without np.where's slow choice on a mixed mask
    return activations_ops.relu(input) + alpha * expm1(input.clamp(max=0.0) / alpha)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    require_floating("hardshrink_cpu", input)
    return where((input > lambd) | (input < -lambd), input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (gradient 0 at +-lambd, as
    PyTorch)."""
    require_floating("softshrink_check", input)
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - tanh(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    if inplace:
        return input._inplace(_thresholded, threshold, value)
    return _thresholded(input, threshold, value)


def _thresholded(input, threshold, value):
    return where(input > threshold, input, value)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    if inplace:
        return input._inplace(selu)
    # NOTE: PyTorch's constants, to float64 precision
    return 1.0507009873554804934193349852946 * elu(input, 1.6732632423543772848170429916717)


# -- more normalisations ---------------------------------------------------------------------
def instance_norm(
    input: Tensor,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample's channels over their positions (N, C, *) -> (N, C, *), then
    scale and shift per channel. With running stats and use_input_stats, the running averages
    take the mean over the batch of each instance's statistics; without use_input_stats the
    running statistics normalise instead (eval mode of a tracking InstanceNorm)."""
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if input.ndim < 2 or math.prod(input.shape[2:]) == 1:
        raise ValueError(
            "instance_norm: Expected more than 1 spatial element when training, got input size "
            f"{tuple(input.shape)}"
        )
    if running_mean is not None:
        n, c = input.shape[:2]
        if running_mean.numel() != c:
            raise RuntimeError(
                f"instance_norm: running_mean should contain {c} elements (the channels of an "
                f"input of shape {tuple(input.shape)}), not {running_mean.numel()}"
            )
        per_instance = input.array.reshape(n, c, -1)
        stats = (per_instance.mean(axis=(0, 2)), per_instance.var(axis=2).mean(axis=0))
        _update_running(running_mean, running_var, stats, momentum, per_instance.shape[2])
    return group_norm(input, input.shape[1], weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape, weight=None, eps=None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing normalized_shape dims, times weight;
    eps=None is the machine epsilon of the input's dtype (PyTorch 2.4+)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        raise RuntimeError(
            f"rms_norm: Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    work = _half_as_float32(input)
    if eps is None:
        eps = finfo(work.dtype).eps  # PyTorch's: float16 takes float32's epsilon
    dims = tuple(range(input.ndim - k, input.ndim))
    y = work * ((work * work).mean(dims, keepdim=True) + eps).rsqrt()
    return (y if weight is None else y * weight).to(input.dtype)


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta (AlexNet's LRN).
    The window holds channels c - size // 2 .. c + (size - 1) // 2, zeros beyond the edges."""
    if input.ndim < 3:
        raise ValueError(
            f"local_response_norm: Expected 3D or higher dimensionality input (got {input.ndim} "
            "dimensions)"
        )
    if input.numel() == 0:
        return input
    c = input.shape[1]
    # NOTE: as PyTorch's: squares in the input's dtype, their window average (a pooling) added
    # in float32 for float16 and rounded once
    squares = _half_as_float32(movedim(input * input, 1, -1))
    padded = pad(squares, (size // 2, (size - 1) // 2))
    window = padded.narrow(-1, 0, c)
    for j in range(1, size):
        window = window + padded.narrow(-1, j, c)
    window = (movedim(window, -1, 1) / size).to(input.dtype)
    return input / (window * alpha + k) ** beta


def _half_as_float32(input: Tensor) -> Tensor:
    """A float16 tensor as float32 (differentiably), any other as it is: the composed ops whose
    float16 squares overflow work in float32 and round once, as PyTorch's CPU kernels."""
    return input.float() if input.dtype is float16 else input


# -- rearranging channels --------------------------------------------------------------------
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): each channel block of r^2 becomes an r x r tile."""
    r = upscale_factor
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if input.ndim < 3:
        raise RuntimeError(
            "pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of pixel_shuffle."""
    r = downscale_factor
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    if input.ndim < 3:
        raise RuntimeError(
            "pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *batch, c, h, w = input.shape
    for name, dim, size in (("height", -2, h), ("width", -1, w)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                f"input.size({dim})={size} is not divisible by {r}"
            )
    n = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) -> (N, C, *) with the channels of the g groups interleaved (ShuffleNet)."""
    if input.ndim <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes "
            f"{list(input.shape)}"
        )
    n, c, *rest = input.shape
    if groups <= 0 or c % groups:
        raise RuntimeError(
            f"channel_shuffle: Number of channels must be divisible by groups. Got {c} channels "
            f"and {groups} groups."
        )
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(input.shape)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias=None) -> Tensor:
    """y_o = x1^T W_o x2 + b_o. (*, in1), (*, in2), W (out, in1, in2) -> (*, out)"""
    check_same_dtype("bilinear", input1=input1, input2=input2, weight=weight)
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
            f"expected {weight.shape[1] if weight.ndim == 3 else 'a 3-D weight'}"
        )
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
            f"expected {weight.shape[2]}"
        )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} "
            f"and {tuple(input2.shape[:-1])}"
        )
    # (*, 1, 1, in1) @ (out, in1, in2) -> (*, out, 1, in2), then the dot with x2 over in2
    left = (input1.unsqueeze(-2).unsqueeze(-2) @ weight).squeeze(-2)
    y = (left * input2.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias


# -- PyTorch's in-place activation functions ---------------------------------------------------
def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return input._inplace(_thresholded, threshold, value)
