"""Conv1d, Conv2d, Conv3d and the transposed convolutions (the ops: minigrad.nn.functional)."""

from __future__ import annotations

import math

from minigrad.creation import empty
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.convolution import _single
from minigrad.nn.modules.lazy import LazyModuleMixin
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter, UninitializedParameter
from minigrad.ops.conv import _same_padding, _tuple


def check_input(layer: Module, input, dims: int = 2, channels: int | None = None) -> None:
    """Raise a RuntimeError naming the layer unless input is (N, C, *spatial) or (C,
    *spatial), spatial (L), (H, W) or (D, H, W) for 1 to 3 dims."""
    c = "C" if channels is None else channels
    if input.ndim in (dims + 1, dims + 2) and channels in (None, input.shape[-dims - 1]):
        return
    spatial = ("L", "H, W", "D, H, W")[dims - 1]
    raise RuntimeError(
        f"{layer!r}: expected input of shape (N, {c}, {spatial}) or ({c}, {spatial}), got "
        f"{tuple(input.shape)}"
    )


def layer_tuple(layer: Module, value, name: str) -> tuple:
    """A layer's size argument as one int per dim (`layer._dims`), checked as its function
    checks it."""
    if layer._dims == 1:
        return (_single(value, name, type(layer).__name__),)
    return _tuple(value, name, type(layer).__name__, layer._dims)


class _ConvNd(Module):
    """What Conv1d, Conv2d, Conv3d and the transposed convolutions share: options, weight,
    bias, PyTorch's init, the input check and printing; a layer names its dims and function.

    Weight (C_out, C_in / groups, *kernel), or (C_in, C_out / groups, *kernel) when transposed;
    weight and bias start as U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (fan_in from the weight's dim
    1 times the kernel size), PyTorch's default.
    """

    _dims = 2
    _transposed = False

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = type(self).__name__
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        for what, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(
                    f"{what} must be divisible by groups ({name}: {what}={channels}, "
                    f"groups={groups})"
                )
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(
                "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but "
                f"got padding_mode='{padding_mode}' ({name})"
            )
        if padding_mode != "zeros" and self._transposed:
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = layer_tuple(self, kernel_size, "kernel_size")
        self.stride = layer_tuple(self, stride, "stride")
        self.dilation = layer_tuple(self, dilation, "dilation")
        if isinstance(padding, str) and padding not in ("valid", "same"):
            raise ValueError(
                f"{name}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
            )
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        if not isinstance(padding, str):
            padding = layer_tuple(self, padding, "padding")
        self.padding = padding
        self.output_padding = (0,) * self._dims  # the transposed layers set theirs
        self.groups, self.padding_mode, self.transposed = groups, padding_mode, self._transposed
        channels = (in_channels, out_channels // groups)
        if not self._transposed:
            channels = (out_channels, in_channels // groups)
        self.weight = Parameter(empty((*channels, *self.kernel_size), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        # the weight's channels, not in_channels: a lazy layer loaded from a state dict keeps
        # in_channels=0, as PyTorch's, whose check is the weight's too. NOTE: the weight is
        # read once (a parametrized one, as spectral_norm's, is computed at each read)
        weight = self.weight
        check_input(self, input, self._dims, weight.shape[1] * self.groups)
        x, padding = self._padded(input)
        return self._conv(x, weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def _padded(self, input):
        """The input padded by padding_mode (then the convolution pads nothing), as PyTorch."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            amounts = [0] * (2 * self._dims)
        elif self.padding == "same":  # (the functional op's split: an odd one more on the right)
            name = type(self).__name__
            each, extra = _same_padding(
                name, self.kernel_size, self.stride, self.dilation, self._dims
            )
            amounts = [n for p, e in zip(each[::-1], extra[::-1]) for n in (p, p + e)]
        else:
            amounts = [p for p in reversed(self.padding) for _ in range(2)]
        return F.pad(input, amounts, self.padding_mode), 0

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        zero = (0,) * self._dims
        if self.padding != zero:  # 'same' and 'valid' shown too, as PyTorch's
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != zero:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) -> (N, C_out, Lo); `groups` splits the channels."""

    _dims = 1

    def _conv(self, *args):
        return F.conv1d(*args)


class Conv2d(_ConvNd):
    """2-D convolution. (N, C_in, H, W) -> (N, C_out, Ho, Wo); `groups` splits the channels
    (groups == C_in: depthwise)."""

    def _conv(self, *args):
        return F.conv2d(*args)


class Conv3d(_ConvNd):
    """3-D convolution. (N, C_in, D, H, W) -> (N, C_out, Do, Ho, Wo); `groups` splits the
    channels."""

    _dims = 3

    def _conv(self, *args):
        return F.conv3d(*args)


class _LazyConvMixin(LazyModuleMixin):
    """in_channels from the first input's channel dim (PyTorch's LazyConv1d/2d/3d, which d2l's
    CNNs use). Until that call, in_channels is 0 and weight and bias are
    UninitializedParameters; the first call (or loading a state dict) gives them their shapes
    in place and draws them as the Conv layer does (or loads them), and the module becomes
    that layer (`cls_to_become`) at its next call, as LazyLinear does."""

    def __init__(
        self,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        # in_channels=0 until the first call, and no bias drawn (bias=False): the empty weight
        # and the bias become UninitializedParameters below, as PyTorch's
        super().__init__(
            0, out_channels, kernel_size, stride, padding, dilation, groups, False, padding_mode,
            device, dtype,
        )  # fmt: skip
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if self.in_channels != 0:
            super().reset_parameters()

    def _input_size(self, input) -> int:
        batched, unbatched = self._dims + 2, self._dims + 1
        if input.ndim not in (unbatched, batched):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {batched}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {tuple(input.shape)}"
            )
        return input.shape[1] if input.ndim == batched else input.shape[0]

    def _set_size(self, in_channels: int) -> dict:
        if in_channels % self.groups:
            raise ValueError("in_channels must be divisible by groups")
        self.in_channels = in_channels
        weight = (self.out_channels, in_channels // self.groups, *self.kernel_size)
        return {"weight": weight, "bias": (self.out_channels,)}


class LazyConv1d(_LazyConvMixin, Conv1d):
    """A Conv1d whose in_channels is the channel count of its first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvMixin, Conv2d):
    """A Conv2d whose in_channels is the channel count of its first input."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvMixin, Conv3d):
    """A Conv3d whose in_channels is the channel count of its first input."""

    cls_to_become = Conv3d


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the adjoint of Conv2d; "deconvolution" in GAN decoders).
    (N, C_in, H, W) -> (N, C_out, (H-1) s - 2 p + d (k-1) + output_padding + 1, ...)"""

    _transposed = True

    def _conv(self, *args):
        return F.conv_transpose2d(*args)

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )
        self.output_padding = layer_tuple(self, output_padding, "output_padding")

    def forward(self, input, output_size=None):
        weight = self.weight  # read once, as _ConvNd's
        check_input(self, input, self._dims, weight.shape[0])
        return self._conv(
            input,
            weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )

    def _output_padding(self, input, output_size) -> tuple:
        """output_padding, or the one that gives `output_size` (its last `_dims` entries)."""
        if output_size is None:
            return self.output_padding
        wanted = tuple(output_size)[-self._dims :]
        padding = []
        for k, size in enumerate(wanted):
            smallest = (
                (input.shape[k - self._dims] - 1) * self.stride[k]
                - 2 * self.padding[k]
                + self.dilation[k] * (self.kernel_size[k] - 1)
                + 1
            )
            if not smallest <= size < smallest + self.stride[k]:
                raise ValueError(
                    f"{self!r}: requested an output size of {wanted}, but valid sizes range "
                    f"from {smallest} to {smallest + self.stride[k] - 1} in dim {k} (for an "
                    f"input of {tuple(input.shape[-self._dims :])})"
                )
            padding.append(size - smallest)
        return tuple(padding)


class ConvTranspose1d(ConvTranspose2d):
    """Transposed 1-D convolution (the adjoint of Conv1d).
    (N, C_in, L) -> (N, C_out, (L-1) s - 2 p + d (k-1) + output_padding + 1)"""

    _dims = 1

    def _conv(self, *args):
        return F.conv_transpose1d(*args)


class ConvTranspose3d(ConvTranspose2d):
    """Transposed 3-D convolution (the adjoint of Conv3d). (N, C_in, D, H, W) -> (N, C_out,
    (D-1) s - 2 p + d (k-1) + output_padding + 1, ...)"""

    _dims = 3

    def _conv(self, *args):
        return F.conv_transpose3d(*args)


class _LazyConvTransposeMixin(_LazyConvMixin):
    """in_channels from the first input's channel dim (PyTorch's LazyConvTranspose1d/2d/3d), as
    _LazyConvMixin, for a weight of shape (in_channels, out_channels / groups, *kernel_size)."""

    def __init__(
        self,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        # in_channels=0 and no bias drawn until the first call, as _LazyConvMixin
        ConvTranspose2d.__init__(
            self, 0, out_channels, kernel_size, stride, padding, output_padding, groups, False,
            dilation, padding_mode, device, dtype,
        )  # fmt: skip
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def _set_size(self, in_channels: int) -> dict:
        shapes = super()._set_size(in_channels)
        weight = (in_channels, self.out_channels // self.groups, *self.kernel_size)
        return {**shapes, "weight": weight}


class LazyConvTranspose1d(_LazyConvTransposeMixin, ConvTranspose1d):
    """A ConvTranspose1d whose in_channels is the channel count of its first input."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeMixin, ConvTranspose2d):
    """A ConvTranspose2d whose in_channels is the channel count of its first input."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeMixin, ConvTranspose3d):
    """A ConvTranspose3d whose in_channels is the channel count of its first input."""

    cls_to_become = ConvTranspose3d


class Fold(Module):
    """Sum sliding blocks (columns) back into an image, the adjoint of Unfold.
    (N, C kh kw, L) -> (N, C, *output_size)"""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """The sliding blocks of an image as columns. (N, C, H, W) -> (N, C kh kw, L)"""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
