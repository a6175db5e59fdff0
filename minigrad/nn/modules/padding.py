"""Padding layers: F.pad with a fixed padding and mode, as PyTorch's ConstantPad*, ZeroPad*,
ReflectionPad*, ReplicationPad* and CircularPad* (1d, 2d, 3d: the last 1, 2 or 3 dims)."""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.modules.module import Module


def _padding(padding, dims: int) -> tuple:
    """An int pads every side; a tuple is (left, right[, top, bottom[, front, back]])."""
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    padding = tuple(padding)
    if len(padding) != 2 * dims:
        raise ValueError(f"padding: expected an int or {2 * dims} values, got {padding}")
    return padding


class _Pad(Module):
    """F.pad(input, padding, mode); subclasses set the mode and the number of padded dims."""

    mode = "constant"
    dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self.dims)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last dim with `value`."""


class ConstantPad2d(_ConstantPad):
    """Pad the last 2 dims with `value`."""

    dims = 2


class ConstantPad3d(_ConstantPad):
    """Pad the last 3 dims with `value`."""

    dims = 3


class _ZeroPad(_ConstantPad):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad):
    """Pad the last dim with zeros."""


class ZeroPad2d(_ZeroPad):
    """Pad the last 2 dims with zeros."""

    dims = 2


class ZeroPad3d(_ZeroPad):
    """Pad the last 3 dims with zeros."""

    dims = 3


class ReflectionPad1d(_Pad):
    """Mirror the last dim at its ends (without repeating the edge). (C, L) or (N, C, L)"""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Mirror the last 2 dims. (C, H, W) or (N, C, H, W)"""

    dims = 2


class ReflectionPad3d(ReflectionPad1d):
    """Mirror the last 3 dims. (C, D, H, W) or (N, C, D, H, W)"""

    dims = 3


class ReplicationPad1d(_Pad):
    """Repeat the edge values of the last dim. (C, L) or (N, C, L)"""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Repeat the edge values of the last 2 dims. (C, H, W) or (N, C, H, W)"""

    dims = 2


class ReplicationPad3d(ReplicationPad1d):
    """Repeat the edge values of the last 3 dims. (C, D, H, W) or (N, C, D, H, W)"""

    dims = 3


class CircularPad1d(_Pad):
    """Wrap the last dim around. (C, L) or (N, C, L)"""

    mode = "circular"

    def forward(self, input):
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(
                f"{type(self).__name__}: expected {self.dims + 1}D or {self.dims + 2}D input "
                f"(got {input.ndim}D input)"
            )
        return super().forward(input)


class CircularPad2d(CircularPad1d):
    """Wrap the last 2 dims around. (C, H, W) or (N, C, H, W)"""

    dims = 2


class CircularPad3d(CircularPad1d):
    """Wrap the last 3 dims around. (C, D, H, W) or (N, C, D, H, W)"""

    dims = 3
