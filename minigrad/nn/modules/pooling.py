"""Pooling layers: max, average and power-average (1-D, 2-D, 3-D), adaptive, max unpooling
(the ops: minigrad.nn.functional)."""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.modules.conv import check_input, layer_tuple
from minigrad.nn.modules.module import Module


class _MaxPoolNd(Module):
    """Max over kernel_size windows (stride: kernel_size); the 1-D, 2-D and 3-D layers differ
    only in the function they call."""

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return self._pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over windows along L. (N, C, L) or (C, L) -> (N, C, Lo)"""

    def _pool(self, *args):
        return F.max_pool1d(*args)


class MaxPool2d(_MaxPoolNd):
    """Max over windows of H and W. (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo)"""

    def _pool(self, input, *args):
        check_input(self, input)
        return F.max_pool2d(input, *args)


class MaxPool3d(_MaxPoolNd):
    """Max over windows of D, H and W. (N, C, D, H, W) or (C, D, H, W) -> (N, C, Do, Ho, Wo)"""

    def _pool(self, *args):
        return F.max_pool3d(*args)


class _AvgPoolNd(Module):
    """Mean over kernel_size windows (stride: kernel_size); the 1-D, 2-D and 3-D layers differ
    only in the function they call (and the 1-D one has no divisor_override)."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return self._pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows along L. (N, C, L) -> (N, C, Lo)"""

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
    ):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        # as PyTorch's AvgPool1d (only it): the sizes kept as 1-tuples, so they print so
        self.kernel_size, self.stride, self.padding = (
            tuple(v) if isinstance(v, (tuple, list)) else (v,)
            for v in (self.kernel_size, self.stride, self.padding)
        )

    def _pool(self, input, kernel_size, stride, padding, ceil_mode, count_include_pad, _divisor):
        return F.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over windows of H and W. (N, C, H, W) -> (N, C, Ho, Wo)"""

    def _pool(self, input, *args):
        check_input(self, input)
        return F.avg_pool2d(input, *args)


class AvgPool3d(_AvgPoolNd):
    """Mean over windows of D, H and W. (N, C, D, H, W) -> (N, C, Do, Ho, Wo)"""

    def _pool(self, *args):
        return F.avg_pool3d(*args)


class _LPPoolNd(Module):
    """(sum of x^p over kernel_size windows)^(1/p) (stride: kernel_size); the 1-D, 2-D and 3-D
    layers differ only in the function they call."""

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):
        return self._pool(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling along L. (N, C, L) or (C, L) -> (N, C, Lo)"""

    def _pool(self, *args):
        return F.lp_pool1d(*args)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over H and W. (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo)"""

    def _pool(self, *args):
        return F.lp_pool2d(*args)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over D, H and W. (N, C, D, H, W) -> (N, C, Do, Ho, Wo)"""

    def _pool(self, *args):
        return F.lp_pool3d(*args)


class _AdaptiveAvgPool(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPool):
    """Mean over PyTorch's adaptive windows: any L -> output_size. (N, C, L) -> (N, C, out)"""

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPool):
    """Mean over PyTorch's adaptive windows: any (H, W) -> output_size (None keeps a size).
    (N, C, H, W) -> (N, C, *output_size); AdaptiveAvgPool2d(1) is global average pooling."""

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptiveAvgPool):
    """Mean over PyTorch's adaptive windows: any (D, H, W) -> output_size (None keeps a size).
    (N, C, D, H, W) -> (N, C, *output_size)"""

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPool(Module):
    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """Max over PyTorch's adaptive windows: any L -> output_size. (N, C, L) -> (N, C, out)"""

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """Max over PyTorch's adaptive windows. (N, C, H, W) -> (N, C, *output_size)"""

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """Max over PyTorch's adaptive windows. (N, C, D, H, W) -> (N, C, *output_size)
    [, indices into D * H * W]"""

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class FractionalMaxPool2d(Module):
    """Max over kernel_size windows at pseudo-random fractional steps (new random steps each
    call, unless _random_samples (N, C, 2) is given). (N, C, H, W) -> (N, C, *output_size)"""

    def __init__(
        self,
        kernel_size,
        output_size=None,
        output_ratio=None,
        return_indices=False,
        _random_samples=None,
    ):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else _pair(output_size)
        self.output_ratio = None if output_ratio is None else _pair(output_ratio)
        if output_size is None and output_ratio is None:
            raise ValueError(
                "FractionalMaxPool2d requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return F.fractional_max_pool2d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


def _pair(value) -> tuple:
    """An int or float repeated for H and W, or the pair as a tuple (PyTorch's _pair)."""
    return (value, value) if isinstance(value, (int, float)) else tuple(value)


class MaxUnpool2d(Module):
    """Put pooled maxima back where max_pool2d found them (zeros elsewhere).
    forward(input, indices, output_size=None): (N, C, H, W) -> (N, C, Ho, Wo)"""

    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = layer_tuple(self, kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else layer_tuple(self, stride, "stride")
        self.padding = layer_tuple(self, padding, "padding")

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """Put pooled maxima back where max_pool1d found them (zeros elsewhere).
    forward(input, indices, output_size=None): (N, C, L) -> (N, C, Lo)"""

    _dims = 1

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class MaxUnpool3d(MaxUnpool2d):
    """Put pooled maxima back where max_pool3d found them (zeros elsewhere).
    forward(input, indices, output_size=None): (N, C, D, H, W) -> (N, C, Do, Ho, Wo)"""

    _dims = 3

    def forward(self, input, indices, output_size=None):
        return F.max_unpool3d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )
