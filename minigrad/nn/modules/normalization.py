"""BatchNorm1d/2d/3d, LazyBatchNorm1d/2d/3d, LayerNorm, GroupNorm, InstanceNorm1d/2d/3d,
LazyInstanceNorm1d/2d/3d, RMSNorm and LocalResponseNorm
(ops: minigrad.ops.norm, nn.functional)."""

from __future__ import annotations

import warnings

from minigrad import dtypes
from minigrad.creation import ones, tensor, zeros
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.modules.lazy import LazyModuleMixin
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter
from minigrad.ops.norm import batch_norm, layer_norm


def _affine_parameters(module, affine, bias, shape, device, dtype) -> None:
    """weight (ones) when affine, and bias (zeros) when affine and bias, else None (PyTorch)."""
    weight = Parameter(ones(shape, device=device, dtype=dtype)) if affine else None
    module.register_parameter("weight", weight)
    use_bias = affine and bias
    module.register_parameter(
        "bias", Parameter(zeros(shape, device=device, dtype=dtype)) if use_bias else None
    )


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: per-channel statistics, running averages for eval mode."""

    _input_shapes = ()  # allowed input ndims, set by subclasses

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, affine, bias, (num_features,), device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer(
                "num_batches_tracked", tensor(0, dtype=dtypes.int64, device=device)
            )
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    _version = 2  # the layout with num_batches_tracked

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args) -> None:
        """A state dict of layout 1 (from an old PyTorch, or a plain dict: no version) without
        num_batches_tracked loads, the count kept as it is: PyTorch's rule."""
        key = prefix + "num_batches_tracked"
        old = local_metadata.get("version", 1) < 2
        if old and self.track_running_stats and key not in state_dict:
            state_dict[key] = self.num_batches_tracked
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        # the channels need to match only the per-channel tensors (PyTorch checks no more: a
        # lazy layer loaded from a state dict keeps num_features=0, and one with none of them,
        # as LazyBatchNorm2d(affine=False, track_running_stats=False), takes any channels)
        weight = self.weight  # NOTE: read once (a parametrized one is computed at each read)
        per_channel = weight if weight is not None else self.running_mean
        wrong_channels = per_channel is not None and input.shape[1:2] != per_channel.shape
        if input.ndim not in self._input_shapes or wrong_channels:
            shapes = " or ".join(self._shape_text)
            # PyTorch's types: ValueError for the number of dims, RuntimeError for the channels
            raise (ValueError if input.ndim not in self._input_shapes else RuntimeError)(
                f"{self!r}: expected input of shape {shapes.format(c=self.num_features)}, got "
                f"{tuple(input.shape)}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array[...] += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked.array)
        # NOTE: as PyTorch's: buffers kept while track_running_stats was turned off after
        # construction (VAT's _disable_tracking_bn_stats) are left alone in training and
        # still normalise in eval mode; without buffers, eval mode uses the batch's statistics
        running_mean, running_var = self.running_mean, self.running_var
        if self.training and not self.track_running_stats:
            running_mean = running_var = None
        use_batch = self.training or (running_mean is None and running_var is None)
        return batch_norm(
            input,
            running_mean,
            running_var,
            weight,
            self.bias,
            use_batch,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs, per channel C."""

    _input_shapes = (2, 3)
    _shape_text = ("(N, {c})", "(N, {c}, L)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) inputs, per channel C."""

    _input_shapes = (4,)
    _shape_text = ("(N, {c}, H, W)",)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) inputs, per channel C."""

    _input_shapes = (5,)
    _shape_text = ("(N, {c}, D, H, W)",)


class _LazyNormMixin(LazyModuleMixin):
    """num_features from the first input's dim 1 (PyTorch's LazyBatchNorm1d/2d/3d, which d2l's
    ResNet uses, and LazyInstanceNorm1d/2d/3d, which take dim 1 even of an unbatched input and
    default to affine=True and track_running_stats=True, as PyTorch's). Until that call,
    num_features is 0, weight and bias are UninitializedParameters and running_mean and
    running_var UninitializedBuffers (num_batches_tracked is already 0); the first call resets
    them as BatchNorm does. With affine=False and track_running_stats=False nothing is lazy,
    and the layer keeps num_features=0, as PyTorch's."""

    def __init__(
        self,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        # num_features=0 and affine=False: the tensors that need num_features are made below
        super().__init__(0, eps, momentum, False, track_running_stats, device, dtype)
        self.affine = affine
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if self.num_features != 0:
            super().reset_parameters()

    def _input_size(self, input) -> int:
        if input.ndim < 2:  # PyTorch's type (its lazy norms index dim 1)
            raise IndexError(
                f"{type(self).__name__}: expected an input with channels at dim 1, got shape "
                f"{tuple(input.shape)}"
            )
        return input.shape[1]

    def _set_size(self, num_features: int) -> dict:
        self.num_features = num_features
        names = ("weight", "bias", "running_mean", "running_var")
        return dict.fromkeys(names, (num_features,))


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """A BatchNorm1d whose num_features is the channel count (dim 1) of its first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """A BatchNorm2d whose num_features is the channel count (dim 1) of its first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormMixin, BatchNorm3d):
    """A BatchNorm3d whose num_features is the channel count (dim 1) of its first input."""

    cls_to_become = BatchNorm3d


class LayerNorm(Module):
    """Normalise over the trailing normalized_shape dims, then scale and shift. (*, D) -> (*, D)"""

    def __init__(
        self,
        normalized_shape,
        eps=1e-5,
        elementwise_affine=True,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, self.normalized_shape, device, dtype)

    def forward(self, input):
        shape, k = input.array.shape, len(self.normalized_shape)  # NOTE: no Size made: 1 us
        if len(shape) < k or shape[len(shape) - k :] != self.normalized_shape:
            dims = ", ".join(map(str, self.normalized_shape))
            raise RuntimeError(
                f"{self!r}: expected input of shape (*, {dims}), got {tuple(input.shape)}"
            )
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
            f", bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalise each sample's channels in num_groups groups, then scale and shift per channel.
    (N, C, *) -> (N, C, *); weight starts at 1 and bias at 0."""

    def __init__(
        self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True
    ):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine_parameters(self, affine, bias, (num_channels,), device, dtype)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(
                f"{self!r}: expected input of shape (N, {self.num_channels}, *), got "
                f"{tuple(input.shape)}"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(_BatchNorm):
    """Shared by InstanceNorm1d/2d/3d: each sample's channels normalised over their positions.
    PyTorch's defaults: no affine parameters and no running statistics; with
    track_running_stats=True, eval mode normalises with the running averages (num_batches_tracked
    stays 0, as PyTorch)."""

    _spatial = 1  # spatial dims, set by subclasses

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=False,
        track_running_stats=False,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def forward(self, input):
        unbatched = self._spatial + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(
                f"{self._get_name()}: expected {unbatched}D or {unbatched + 1}D input (got "
                f"{input.ndim}D input)"
            )
        feature_dim = input.ndim - unbatched
        if input.shape[feature_dim] != self.num_features:
            message = (
                f"{self._get_name()}: expected input's size at dim={feature_dim} to match "
                f"num_features ({self.num_features}), but got: {input.shape[feature_dim]}."
            )
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + " num_features is not used when affine=False", stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        y = F.instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return y.squeeze(0) if input.ndim == unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) inputs."""


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) inputs."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) inputs."""

    _spatial = 3


class LazyInstanceNorm1d(_LazyNormMixin, InstanceNorm1d):
    """An InstanceNorm1d whose num_features is the size of dim 1 of its first input."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormMixin, InstanceNorm2d):
    """An InstanceNorm2d whose num_features is the size of dim 1 of its first input."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormMixin, InstanceNorm3d):
    """An InstanceNorm3d whose num_features is the size of dim 1 of its first input."""

    cls_to_become = InstanceNorm3d


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the trailing normalized_shape dims, times a weight that
    starts at 1. eps=None: the machine epsilon of the input's dtype. (*, D) -> (*, D)"""

    def __init__(
        self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None
    ):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        weight = ones(self.normalized_shape, device=device, dtype=dtype)
        self.register_parameter("weight", Parameter(weight) if elementwise_affine else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class LocalResponseNorm(Module):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta. (N, C, *)"""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
