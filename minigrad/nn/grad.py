"""The gradients of a convolution with respect to its input and its weight (PyTorch's
`torch.nn.grad`, also `F.grad`), for custom Functions that write a convolution's backward.

A convolution is linear in its input and in its weight, so each gradient is the backward of
the convolution itself, taken at a zero placeholder: one definition of the backward (the
engine's), and the result is differentiable again in grad_output and the other operand
(double backward) whenever gradients are being recorded.
"""

from __future__ import annotations

from minigrad.autograd import engine
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled
from minigrad.creation import zeros
from minigrad.nn.convolution import conv1d, conv2d
from minigrad.ops.conv3d import conv3d
from minigrad.tensor import Tensor

__all__ = [
    "conv1d_input",
    "conv1d_weight",
    "conv2d_input",
    "conv2d_weight",
    "conv3d_input",
    "conv3d_weight",
]


def _backward(conv, grad_output: Tensor, input: Tensor, weight: Tensor, wrt: Tensor, settings):
    """d(sum(grad_output * conv(input, weight, None, *settings))) / d(wrt), recorded if grad
    mode is on."""
    record = is_grad_enabled()
    with enable_grad():
        output = conv(input, weight, None, *settings)
        if tuple(output.shape) != tuple(grad_output.shape):
            raise RuntimeError(
                f"{conv.__name__} backward: grad_output has shape {tuple(grad_output.shape)}, "
                f"but the convolution's output has shape {tuple(output.shape)}"
            )
        (grad,) = engine.grad(output, wrt, grad_output, create_graph=record)
    return grad


def _placeholder(size, like: Tensor) -> Tensor:
    return zeros(tuple(size), dtype=like.dtype, device=like.device, requires_grad=True)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to its input (of shape input_size)."""
    x = _placeholder(input_size, weight)
    return _backward(conv2d, grad_output, x, weight, x, (stride, padding, dilation, groups))


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to its weight (of shape weight_size)."""
    w = _placeholder(weight_size, input)
    return _backward(conv2d, grad_output, input, w, w, (stride, padding, dilation, groups))


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to its input (of shape input_size)."""
    x = _placeholder(input_size, weight)
    return _backward(conv1d, grad_output, x, weight, x, (stride, padding, dilation, groups))


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to its weight (of shape weight_size)."""
    w = _placeholder(weight_size, input)
    return _backward(conv1d, grad_output, input, w, w, (stride, padding, dilation, groups))


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d with respect to its input (of shape input_size)."""
    x = _placeholder(input_size, weight)
    return _backward(conv3d, grad_output, x, weight, x, (stride, padding, dilation, groups))


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d with respect to its weight (of shape weight_size)."""
    w = _placeholder(weight_size, input)
    return _backward(conv3d, grad_output, input, w, w, (stride, padding, dilation, groups))
