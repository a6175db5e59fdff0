"""3-D convolution and pooling over (N, C, D, H, W) volumes, as conv2d does it: a strided
view holds every kernel window of the padded input, one copy of it (`windows`) makes the
convolution one matmul, and its adjoint (`fold_windows`) adds the gradient of each window back,
one kernel offset at a time (a Python loop over offsets, never over voxels). Max and average
pooling reduce the same windows, so their gradients come from the tensor ops.
"""

from __future__ import annotations

import itertools
import math

from minigrad.autograd.function import Function
from minigrad.ops.conv import _batched, _lowest, check_conv_arguments
from minigrad.ops.shape import permute, reshape
from minigrad.tensor import Tensor


def _triple(value, name: str, op: str) -> tuple:
    triple = (value,) * 3 if isinstance(value, int) else tuple(value)
    if len(triple) == 1:
        triple = triple * 3
    if len(triple) != 3 or not all(isinstance(v, int) for v in triple):
        raise RuntimeError(f"{op}: {name} must be an int or 3 ints, got {value!r}")
    return triple


def _geometry(op, kernel, stride, padding, dilation) -> tuple:
    kernel = _triple(kernel, "kernel_size", op)
    stride = kernel if stride is None or stride == [] else _triple(stride, "stride", op)
    padding, dilation = _triple(padding, "padding", op), _triple(dilation, "dilation", op)
    for name, values, least in (
        ("kernel_size", kernel, 1),
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
    ):
        if min(values) < least:
            sign = "positive" if least else "non-negative"
            raise RuntimeError(f"{op}: {name} must be {sign}, got {values}")
    return kernel, stride, padding, dilation


def _out_size(size, kernel, stride, padding, dilation) -> tuple:
    """floor((S + 2p - d (k - 1) - 1) / s) + 1 per dim."""
    return tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )


def _window_view(xp, padded, out, kernel, stride, dilation):
    """The (N, C, *out, *kernel) strided view of every window of padded (N, C, *S).

    # NOTE: windows overlap, so the view aliases itself: read it, or write one kernel offset
    # at a time (each is a plain strided slice)."""
    steps = padded.strides
    shape = padded.shape[:2] + tuple(out) + tuple(kernel)
    strides = (
        steps[:2]
        + tuple(st * s for st, s in zip(steps[2:], stride))
        + tuple(st * d for st, d in zip(steps[2:], dilation))
    )
    return xp.lib.stride_tricks.as_strided(padded, shape, strides)


class Windows(Function):
    """u = every kernel window of x, copied: (N, C, *S) -> (N, C, *out, *kernel), the input
    padded with `value` (0 for a convolution, -inf for max pooling); backward is
    fold_windows."""

    op_name = "windows3d"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, value=0.0):
        xp, array = x.device.xp, x.array
        ctx.shape, ctx.geometry = array.shape, (kernel, stride, padding, dilation)
        pads = ((0, 0), (0, 0)) + tuple((p, p) for p in padding)
        padded = xp.pad(array, pads, constant_values=value) if any(padding) else array
        out = _out_size(array.shape[2:], kernel, stride, padding, dilation)
        return xp.ascontiguousarray(_window_view(xp, padded, out, kernel, stride, dilation))

    @staticmethod
    def backward(ctx, gu):
        return FoldWindows.apply(gu, ctx.shape, *ctx.geometry), None, None, None, None, None


class FoldWindows(Function):
    """x = fold_windows(u), the adjoint of windows: each window's values added back onto the
    voxels they came from; backward is windows."""

    op_name = "fold_windows3d"

    @staticmethod
    def forward(ctx, u, shape, kernel, stride, padding, dilation):
        xp = u.device.xp
        ctx.geometry = (kernel, stride, padding, dilation)
        size = shape[:2] + tuple(n + 2 * p for n, p in zip(shape[2:], padding))
        padded = xp.zeros(size, dtype=u.array.dtype)
        out = u.array.shape[2 : 2 + len(kernel)]
        windows = _window_view(xp, padded, out, kernel, stride, dilation)
        for offset in itertools.product(*(range(k) for k in kernel)):
            # one offset's windows never overlap (stride >= 1): a plain strided add
            windows[(..., *offset)] += u.array[(..., *offset)]
        inside = tuple(slice(p, p + n) for n, p in zip(shape[2:], padding))
        return padded[(slice(None), slice(None), *inside)]

    @staticmethod
    def backward(ctx, gx):
        return Windows.apply(gx, *ctx.geometry), None, None, None, None, None


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution (cross-correlation, as PyTorch): the windows of x times the weight as one
    matmul. (N, C, D, H, W), weight (O, C, kd, kh, kw) -> (N, O, Do, Ho, Wo)"""
    if groups != 1:
        raise NotImplementedError("conv3d: groups != 1 is not supported by minigrad")
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = _same_padding(weight.shape[2:], stride, dilation)
    x, unbatched = _batched(input, "conv3d", dims=3)
    check_conv_arguments("conv3d", input, x, weight, bias)
    kernel, stride, padding, dilation = _geometry(
        "conv3d", tuple(weight.shape[2:]), stride, padding, dilation
    )
    out = _out_size(x.shape[2:], kernel, stride, padding, dilation)
    if min(out) < 1:
        raise RuntimeError(
            f"conv3d: input of shape {tuple(input.shape)} is smaller than the kernel {kernel} "
            f"(with padding {padding}, dilation {dilation})"
        )
    n, o = x.shape[0], weight.shape[0]
    u = Windows.apply(x, kernel, stride, padding, dilation)  # (N, C, *out, *kernel)
    cols = reshape(permute(u, (0, 2, 3, 4, 1, 5, 6, 7)), (n * math.prod(out), -1))
    y = cols @ reshape(weight, (o, -1)).mT
    if bias is not None:
        y = y + bias
    y = permute(reshape(y, (n, *out, o)), (0, 4, 1, 2, 3))
    return reshape(y, y.shape[1:]) if unbatched else y


def _same_padding(kernel, stride, dilation) -> tuple:
    if any(s != 1 for s in _triple(stride, "stride", "conv3d")):
        raise RuntimeError("conv3d: padding='same' is not supported for strided convolutions")
    pads = []
    for k, d in zip(kernel, _triple(dilation, "dilation", "conv3d")):
        if d * (k - 1) % 2:
            raise NotImplementedError(
                "conv3d: padding='same' needs an even d * (k - 1) here (asymmetric padding is "
                "not supported); pad the input explicitly"
            )
        pads.append(d * (k - 1) // 2)
    return tuple(pads)


def _pool_windows(op, input, kernel_size, stride, padding, dilation, ceil_mode, value):
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported by minigrad")
    x, unbatched = _batched(input, op, dims=3)
    kernel, stride, padding, dilation = _geometry(op, kernel_size, stride, padding, dilation)
    if any(2 * p > d * (k - 1) + 1 for p, k, d in zip(padding, kernel, dilation)):
        raise RuntimeError(
            f"{op}: pad should be at most half of effective kernel size, but got pad={padding}, "
            f"kernel_size={kernel} and dilation={dilation}"
        )
    out = _out_size(x.shape[2:], kernel, stride, padding, dilation)
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} is smaller than the window {kernel} "
            f"(with padding {padding})"
        )
    if value is None:  # max pooling: pad with the lowest value of the dtype
        value = _lowest(x.array.dtype)
    u = Windows.apply(x, kernel, stride, padding, dilation, value)
    return reshape(u, (*u.shape[:5], -1)), unbatched, kernel, padding, x


def max_pool3d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """The max of each window (padding counts as -inf, or the integer dtype's minimum); the
    gradient goes to the first maximum of each window. (N, C, D, H, W) -> (N, C, Do, Ho, Wo)"""
    if return_indices:
        raise NotImplementedError("max_pool3d: return_indices=True is not supported by minigrad")
    u, unbatched, *_ = _pool_windows(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, None
    )
    y = u.max(-1)[0]
    return reshape(y, y.shape[1:]) if unbatched else y


def avg_pool3d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """The mean of each window: its sum over kernel voxels (padding included unless
    count_include_pad=False), or over divisor_override. (N, C, D, H, W) -> (N, C, Do, Ho, Wo)"""
    u, unbatched, kernel, padding, x = _pool_windows(
        "avg_pool3d", input, kernel_size, stride, padding, 1, ceil_mode, 0.0
    )
    total = u.sum(-1)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("avg_pool3d: divisor must be not zero")
        y = total / divisor_override
    elif count_include_pad or not any(padding):
        y = total / math.prod(kernel)
    else:  # the real voxels of each window: the windows of a volume of ones
        ones = Tensor._make(x.device.xp.ones((1, 1, *x.shape[2:]), dtype=x.array.dtype))
        stride = _geometry("avg_pool3d", kernel_size, stride, padding, 1)[1]
        counts = Windows.apply(ones, kernel, stride, padding, (1, 1, 1)).sum((-3, -2, -1))
        y = total / counts
    return reshape(y, y.shape[1:]) if unbatched else y
