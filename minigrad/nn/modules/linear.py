"""Linear, LazyLinear, Bilinear, Identity, Flatten and Unflatten."""

from __future__ import annotations

import math

from minigrad.creation import empty
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.modules.lazy import LazyModuleMixin
from minigrad.nn.modules.module import Module, _Registered
from minigrad.nn.parameter import Parameter, UninitializedParameter
from minigrad.ops.matmul import linear
from minigrad.ops.shape import flatten, unflatten


class Identity(Module):
    """y = x (a placeholder layer); any constructor arguments are ignored, as in PyTorch."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b. (*, in_features) -> (*, out_features)

    W and b start as U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default.
    """

    weight, bias = _Registered(), _Registered()  # read by every call: see _Registered

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        try:
            return linear(input, self.weight, self.bias)
        except RuntimeError as exc:
            if input.ndim == 0 or input.shape[-1] != self.in_features:
                raise RuntimeError(
                    f"{self!r}: expected input of shape (*, {self.in_features}), got "
                    f"{tuple(input.shape)}"
                ) from None
            raise RuntimeError(f"{self!r}: {exc}") from None

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose in_features is the size of the last dim of its first input.

    Until that call, weight and bias are UninitializedParameters; the first call (or
    `initialize_parameters`, or loading a state dict) gives them their shapes in place and
    draws them as Linear does (or loads them), and the module becomes a Linear (PyTorch's
    `cls_to_become`) at its next call. An optimizer built before the first call works, since
    the parameter objects stay the same.
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features, self.out_features = 0, out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def _input_size(self, input) -> int:
        if input.ndim == 0:
            raise RuntimeError(f"{self!r}: expected an input of shape (*, in_features), got ()")
        return input.shape[-1]

    def initialize_parameters(self, input) -> None:
        super().initialize_parameters(input)
        if self.in_features == 0:  # loaded from a state dict: PyTorch takes it from the input
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                    f"in_features from self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = input.shape[-1]

    def _set_size(self, in_features: int) -> dict:
        self.in_features = in_features
        return {"weight": (self.out_features, in_features), "bias": (self.out_features,)}


class Bilinear(Module):
    """y = x1^T W x2 + b, one (in1, in2) matrix per output. (*, in1), (*, in2) -> (*, out)

    W and b start as U(-1/sqrt(in1_features), 1/sqrt(in1_features)), PyTorch's default.
    """

    def __init__(
        self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None
    ):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        shape = (out_features, in1_features, in2_features)
        self.weight = Parameter(empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one. (N, *) -> (N, prod(*)) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size. (*, d, *) -> (*, s1, s2, ..., *)"""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                "unflattened_size must be a tuple of ints, but found type "
                f"{type(unflattened_size).__name__}"
            )
        for pos, size in enumerate(unflattened_size):
            if not isinstance(size, int):
                raise TypeError(
                    "unflattened_size must be tuple of ints, but found element of type "
                    f"{type(size).__name__} at pos {pos}"
                )
        # kept as given (a list, a tuple or a Size), which its repr shows, as PyTorch's
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention.out_proj, so that `print(model)`
    of an attention model reads as in PyTorch (the name is about PyTorch's quantization)."""
