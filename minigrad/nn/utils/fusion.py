"""Fold an eval-mode BatchNorm into the convolution or linear layer before it (PyTorch's
`torch.nn.utils.fusion`): y = bn(conv(x)) becomes one conv with scaled weights and a shifted
bias, for inference only (the running statistics are frozen into the weights)."""

from __future__ import annotations

import copy

from minigrad.autograd.grad_mode import no_grad
from minigrad.creation import ones_like, zeros_like
from minigrad.nn.parameter import Parameter

__all__ = [
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
]


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of conv whose output is bn(conv(x)) for eval-mode conv and bn."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")  # PyTorch's type
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose,
    )  # fmt: skip
    return fused


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """(weight, bias) of the fused convolution: each output channel's filter times
    bn_w / sqrt(bn_rv + eps), its bias (conv_b - bn_rm) times that plus bn_b."""
    bias_dtype = conv_b.dtype if conv_b is not None else conv_w.dtype
    conv_b = zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = zeros_like(bn_rm) if bn_b is None else bn_b
    with no_grad():
        scale = bn_w * (bn_rv + bn_eps).rsqrt()
        channels = [1, -1] if transpose else [-1, 1]  # a transposed conv's outputs are dim 1
        weight = (conv_w * scale.reshape(channels + [1] * (conv_w.ndim - 2))).to(conv_w.dtype)
        bias = ((conv_b - bn_rm) * scale + bn_b).to(bias_dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, conv_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of linear whose output is bn(linear(x)) for eval-mode linear and bn."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")  # PyTorch's type
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features must equal bn.num_features or bn.num_features must "
            "equal 1"
        )
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """(weight, bias) of the fused linear layer (see fuse_conv_bn_weights)."""
    linear_b = zeros_like(bn_rm) if linear_b is None else linear_b
    with no_grad():
        scale = bn_w * (bn_rv + bn_eps).rsqrt()
        weight = linear_w * scale.unsqueeze(-1)
        bias = (linear_b - bn_rm) * scale + bn_b
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, linear_b.requires_grad)
