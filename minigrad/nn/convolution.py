"""Convolutions and pooling beyond the engine's 2-D and 3-D ones: 1-D, transposed, power-average
and adaptive.

Each is a composition of differentiable ops that already exist (im2col/col2im, matmul,
reshape, index_select, max, blend_along), so it runs eagerly, compiled, on every device and
under gradcheck with no backward of its own.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd import no_grad
from minigrad.creation import tensor, zeros
from minigrad.dtypes import float16, get_default_dtype, int64
from minigrad.nn.resampling import _blend
from minigrad.ops import conv as conv_ops
from minigrad.ops.conv import (
    Col2Im,
    Geometry,
    Im2Col,
    _check_groups,
    _tuple,
    conv2d,
    default_stride,
)
from minigrad.ops.conv3d import avg_pool3d, max_pool3d
from minigrad.ops.matmul import check_same_dtype
from minigrad.ops.selection import where
from minigrad.ops.shape import reshape_if_needed
from minigrad.tensor import Tensor


def _single(value, name: str, op: str) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise RuntimeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return value


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution, as a conv2d over a height of 1. (N, C, L) -> (N, O, Lo)"""
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise RuntimeError(
            f"conv1d: expected a 2-D (C, L) or 3-D (N, C, L) input and a 3-D weight, got shapes "
            f"{tuple(input.shape)} and {tuple(weight.shape)}"
        )
    if not isinstance(padding, str):
        padding = (0, _single(padding, "padding", "conv1d"))
    y = conv2d(
        input.unsqueeze(-2),
        weight.unsqueeze(2),
        bias,
        (1, _single(stride, "stride", "conv1d")),
        padding,
        (1, _single(dilation, "dilation", "conv1d")),
        groups,
    )
    return y.squeeze(-2)


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """Transposed 1-D convolution, as a conv_transpose2d over a height of 1. Weight
    (C_in, O/g, k). (N, C_in, L) -> (N, O, (L-1)s - 2p + d(k-1) + output_padding + 1)"""
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise RuntimeError(
            f"conv_transpose1d: expected a 2-D (C, L) or 3-D (N, C, L) input and a 3-D weight, "
            f"got shapes {tuple(input.shape)} and {tuple(weight.shape)}"
        )
    op = "conv_transpose1d"
    y = conv_transpose2d(
        input.unsqueeze(-2),
        weight.unsqueeze(2),
        bias,
        (1, _single(stride, "stride", op)),
        (0, _single(padding, "padding", op)),
        (0, _single(output_padding, "output_padding", op)),
        groups,
        (1, _single(dilation, "dilation", op)),
    )
    return y.squeeze(-2)


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """Transposed convolution (the gradient of conv2d by its input). Weight (C_in, O/g, kh, kw).
    (N, C_in, H, W) -> (N, O, (H-1)s - 2p + d(k-1) + output_padding + 1, ...)

    Each input pixel times the filters gives a (kh, kw, O) patch (one matmul); col2im adds the
    patches onto the output at stride s, as conv2d's backward does.
    """
    x, unbatched = conv_ops._batched(input, "conv_transpose2d")
    n, c, h, w = x.shape
    if weight.ndim != 4 or weight.shape[0] != c:
        raise RuntimeError(
            f"conv_transpose2d: input of shape {tuple(input.shape)} has {c} channels but weight "
            f"of shape {tuple(weight.shape)} expects {weight.shape[0]} (weight is (in, out/groups,"
            " kh, kw))"
        )
    og = weight.shape[1]
    _check_groups("conv_transpose2d", c, og * groups, groups)
    if bias is not None:
        check_same_dtype("conv_transpose2d", input=x, weight=weight, bias=bias)
        if tuple(bias.shape) != (og * groups,):
            raise RuntimeError(
                f"conv_transpose2d: weight of shape {tuple(weight.shape)} with groups={groups} "
                f"expects a bias of shape ({og * groups},), got {tuple(bias.shape)}"
            )
    if x.dtype is float16 and weight.dtype is float16:
        # NOTE: col2im adds the kh * kw products each output pixel gets, and in float16 every
        # add rounds (a result near 0.04 came out 56 units in the last place off): computed
        # in float32 and rounded once, as PyTorch's CPU kernel
        y = conv_transpose2d(
            input.float(),
            weight.float(),
            None if bias is None else bias.float(),
            stride,
            padding,
            output_padding,
            groups,
            dilation,
        )
        return y.half()
    geom = Geometry.make("conv_transpose2d", weight.shape[2:], stride, padding, dilation)
    extra = _tuple(output_padding, "output_padding", "conv_transpose2d")
    if any(e >= s and e >= d for e, s, d in zip(extra, geom.stride, geom.dilation)):
        raise RuntimeError(
            f"conv_transpose2d: output_padding {extra} must be smaller than either stride "
            f"{geom.stride} or dilation {geom.dilation}"
        )
    if any(e >= s for e, s in zip(extra, geom.stride)):
        return _past_the_last_window(x, weight, bias, geom, extra, groups, unbatched)
    size = [
        (i - 1) * s - 2 * p + d * (k - 1) + e + 1
        for i, s, p, d, k, e in zip(
            (h, w), geom.stride, geom.padding, geom.dilation, geom.kernel, extra
        )
    ]
    if min(size) < 1:
        raise RuntimeError(f"conv_transpose2d: output size {tuple(size)} is too small")
    kh, kw = geom.kernel
    cg = c // groups
    rows = x.reshape(n, groups, cg, h * w).permute(0, 1, 3, 2)  # (N, g, H*W, C/g)
    shape = (n * groups, og, *size)
    if h * w >= 256:
        # NOTE: one product per image and kernel offset gives col2im's blocks layout, which it
        # adds without first copying each kernel offset's columns out of the rows (one thread,
        # (16, 32, 32, 32) to 16 channels, 3x3: 5.4 -> 3.0 ms); on smaller images the many
        # small products cost more than those copies ((32, 32, 8, 8): 0.95 -> 1.03 ms)
        # NOTE: the filters copied contiguous: as a view their (C/g, O/g) blocks have no unit
        # stride, which NumPy's matmul runs outside BLAS
        filters = weight.reshape(groups, cg, og, kh * kw).permute(0, 3, 1, 2).contiguous()
        cols = rows.unsqueeze(2) @ filters  # (N, g, kh*kw, H*W, O/g)
        y = Col2Im.apply(cols.reshape(n * groups, kh * kw, h * w, og), shape, geom, True)
    else:
        filters = weight.reshape(groups, cg, og, kh, kw).permute(0, 1, 3, 4, 2)
        cols = rows @ filters.reshape(groups, cg, kh * kw * og)  # (N, g, H*W, kh*kw*O/g)
        # the sizes, not -1: an empty batch (N = 0) has them too
        y = Col2Im.apply(cols.reshape(n * groups * h * w, kh * kw * og), shape, geom)
    y = reshape_if_needed(y, (n, groups * og, *size))  # no node when groups == 1
    if bias is not None:
        y = y + bias.reshape(-1, 1, 1)
    return y[0] if unbatched else y


def _past_the_last_window(x, weight, bias, geom, extra, groups, unbatched) -> Tensor:
    """conv_transpose2d whose output_padding reaches past the stride (a dilation larger than
    it allows that): col2im only lays whole windows, so the output is made without padding,
    then cut to size, with zeros where output_padding reaches past it, as conv_transpose3d."""
    full = conv_transpose2d(x, weight, None, geom.stride, 0, 0, groups, geom.dilation)
    size = [f - 2 * p + e for f, p, e in zip(full.shape[2:], geom.padding, extra)]
    if min(size) < 1:
        raise RuntimeError(f"conv_transpose2d: output size {tuple(size)} is too small")
    y = full[(..., *(slice(p, p + m) for p, m in zip(geom.padding, size)))]
    y = conv_ops._pad_right(
        y, tuple(max(0, m - f + p) for m, f, p in zip(size, full.shape[2:], geom.padding))
    )
    if bias is not None:
        y = y + bias.reshape(-1, 1, 1)
    return y[0] if unbatched else y


def _pool1d_input(op: str, input) -> Tensor:
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got {tuple(input.shape)}"
        )
    return input.unsqueeze(-2)


def _pool1d_stride(op: str, stride):
    return None if default_stride(stride) else (1, _single(stride, "stride", op))


def max_pool1d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """Max over windows of kernel_size along L (max_pool2d over a height of 1). (N, C, L) ->
    (N, C, Lo) [, indices into L]"""
    x = _pool1d_input("max_pool1d", input)
    stride = _pool1d_stride("max_pool1d", stride)
    out = conv_ops.max_pool2d(
        x,
        (1, _single(kernel_size, "kernel_size", "max_pool1d")),
        stride,
        (0, _single(padding, "padding", "max_pool1d")),
        (1, _single(dilation, "dilation", "max_pool1d")),
        ceil_mode,
        return_indices,
    )
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of kernel_size along L. (N, C, L) -> (N, C, Lo)"""
    x = _pool1d_input("avg_pool1d", input)
    stride = _pool1d_stride("avg_pool1d", stride)
    y = conv_ops.avg_pool2d(
        x,
        (1, _single(kernel_size, "kernel_size", "avg_pool1d")),
        stride,
        (0, _single(padding, "padding", "avg_pool1d")),
        ceil_mode,
        count_include_pad,
    )
    return y.squeeze(-2)


# -- power-average pooling -------------------------------------------------------------------
def _lp_pool(op, avg_pool, max_pool, dims, input, norm_type, kernel_size, stride, ceil_mode):
    """(sum of x^p over each window)^(1/p), computed as PyTorch does: an average pooling of
    x^p (no padding; with ceil_mode a cut last window is averaged over its own size) times the
    kernel's size. p = inf is the max of |x|, -inf its min."""
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    size = math.prod(_tuple(kernel_size, "kernel_size", op, dims))
    out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # NOTE: sign(a) relu(|a|) is a, but PyTorch's gradient is 0 where a is 0 (relu's mask),
    # which stops the infinite gradient of a^(1/p) there. A choice (where) stops it here too: a
    # product with a mask, as minigrad's relu backward, would make it inf * 0 = nan
    return (where(out != 0, out, 0.0) * size).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling along L: (sum of x^p over each window)^(1/p). (N, C, L) -> (N, C,
    Lo)"""
    return _lp_pool(
        "lp_pool1d", avg_pool1d, max_pool1d, 1, input, norm_type, kernel_size, stride, ceil_mode
    )


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling over H and W windows. (N, C, H, W) -> (N, C, Ho, Wo)"""
    return _lp_pool(
        "lp_pool2d",
        conv_ops.avg_pool2d,
        conv_ops.max_pool2d,
        2,
        input,
        norm_type,
        kernel_size,
        stride,
        ceil_mode,
    )


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling over D, H and W windows. (N, C, D, H, W) -> (N, C, Do, Ho, Wo)"""
    return _lp_pool(
        "lp_pool3d", avg_pool3d, max_pool3d, 3, input, norm_type, kernel_size, stride, ceil_mode
    )


# -- adaptive pooling ------------------------------------------------------------------------
def _adaptive_windows(size: int, out: int):
    """PyTorch's windows: output j reads [floor(j * size / out), ceil((j + 1) * size / out))."""
    j = np.arange(out)
    return (j * size) // out, -((-(j + 1) * size) // out)


def _output_sizes(op: str, input, output_size, dims: int) -> list:
    sizes = (
        [output_size] * dims
        if isinstance(output_size, int) or output_size is None
        else list(output_size)
    )
    if dims > 1 and not isinstance(output_size, int) and input.ndim <= len(sizes):
        # PyTorch's Python wrapper of the 2-D and 3-D poolings reads the input's sizes first
        raise ValueError(
            f"{op}: Input dimension should be at least {len(sizes) + 1}, got an input of shape "
            f"{tuple(input.shape)}"
        )
    if len(sizes) != dims:
        raise RuntimeError(f"{op}: output_size must be an int or {dims} ints, got {output_size!r}")
    if any(out is not None and out < 0 for out in sizes):
        raise RuntimeError(f"{op}: elements of output_size must be >= 0, got {output_size!r}")
    if input.ndim not in (dims + 1, dims + 2) or 0 in input.shape[-dims:]:
        raise RuntimeError(
            f"{op}: expected a {dims + 1}-D or {dims + 2}-D input with non-zero sizes, got "
            f"{tuple(input.shape)}"
        )
    trailing = input.shape[-dims:]
    return [size if out is None else out for out, size in zip(sizes, trailing)]


def _window_weights(size: int, out: int) -> tuple:
    """(out, width) positions and weights of each adaptive window's mean (1 / its length, 0
    for _window_index's repeats): a sparse averaging matrix for resampling's _blend."""
    starts, ends = _adaptive_windows(size, out)
    index = _window_index(size, out)
    inside = starts[:, None] + np.arange(index.shape[1]) < ends[:, None]
    return index, np.where(inside, 1 / (ends - starts)[:, None], 0.0)


def _averaged(input: Tensor) -> Tensor:
    """The input of a mean: integers and bools as the default float dtype, as avg_pool2d's
    division makes them (PyTorch has no integer kernel; weights of 1/k cast to the integer
    dtype would give zeros)."""
    return input if input.is_floating_point() else input.to(get_default_dtype())


def _adaptive_avg(op: str, input, output_size, dims: int) -> Tensor:
    """Mean over PyTorch's adaptive windows of the last `dims` dims, one dim at a time (a nan
    stays in the windows that hold it, as PyTorch's sums keep it)."""
    sizes = _output_sizes(op, input, output_size, dims)
    input = _averaged(input)
    if 0 in sizes:
        return _empty_pooled(input, sizes)
    spatial = input.shape[-dims:]
    if all(n % out == 0 for n, out in zip(spatial, sizes)):
        # NOTE: equal windows (global average pooling above all): the mean over a reshape,
        # whose gradient is a broadcast, where a product per dim took one more each (on
        # (16, 16, 32, 32) to 1x1, forward and backward 2.9x -> 1.0x PyTorch's time)
        split = [part for n, out in zip(spatial, sizes) for part in (out, n // out)]
        x = input.reshape(*input.shape[:-dims], *split)
        return x.mean(tuple(range(-2 * dims + 1, 0, 2)))
    y = input
    for k, (n, out) in enumerate(zip(spatial, sizes)):
        y = _blend(y, input.ndim - dims + k, *_window_weights(n, out))
    return y


def _empty_pooled(x: Tensor, sizes: list) -> Tensor:
    """An adaptive pooling's output of size 0 in some dim, as PyTorch allows: no window."""
    k = len(sizes)
    return x.flatten(-k)[..., :0].reshape(*x.shape[:-k], *sizes)


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Mean over PyTorch's adaptive windows along L. (N, C, L) -> (N, C, output_size)"""
    return _adaptive_avg("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Mean over PyTorch's adaptive windows. (N, C, H, W) -> (N, C, *output_size)"""
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool3d(input, output_size) -> Tensor:
    """Mean over PyTorch's adaptive windows. (N, C, D, H, W) -> (N, C, *output_size)"""
    return _adaptive_avg("adaptive_avg_pool3d", input, output_size, 3)


def _window_index(size: int, out: int) -> np.ndarray:
    """(out, width): the positions of each adaptive window, padded to the widest by repeating
    its last position (which leaves a max, its first position and its gradient unchanged)."""
    starts, ends = _adaptive_windows(size, out)
    width = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(width), ends[:, None] - 1)


def _adaptive_max(x: Tensor, sizes: list, return_indices: bool):
    """Max over PyTorch's adaptive windows of the last len(sizes) dims, read at the picked
    positions, so the gradient goes where PyTorch sends it (also for a window with nans)."""
    if 0 in sizes:
        y = _empty_pooled(x, sizes)
        return (y, zeros(y.shape, dtype=int64, device=x.device)) if return_indices else y
    index = _argmax_positions(x, sizes)
    y = x.flatten(-len(sizes)).gather(-1, index.flatten(-len(sizes))).reshape(index.shape)
    return (y, index) if return_indices else y


def _argmax_positions(x: Tensor, sizes: list) -> Tensor:
    """For adaptive max pooling over the last len(sizes) dims: the flat position (h * W + w in
    2-D) of each window's pick, PyTorch's return_indices: the first maximum, or the last nan
    of a window that has one (PyTorch scans for `value > best or isnan(value)`). int64."""
    with no_grad():
        tables = [_window_index(n, out) for n, out in zip(x.shape[-len(sizes) :], sizes)]
        windows, flat = x, np.zeros((), dtype=np.int64)
        for k, table in enumerate(tables):
            dim = k - len(tables)
            windows = windows.index_select(dim, tensor(table.ravel(), device=x.device))
            windows = windows.unflatten(dim, table.shape)
            # positions of (out, width) in this dim; earlier dims count in units of this size
            flat = flat[..., None, None] * x.shape[dim] + table
        # (..., o1, w1, o2, w2) -> (..., o1, o2, w1 * w2): each window's elements row-major
        lead = windows.ndim - 2 * len(tables)
        order = [*range(lead), *range(lead, windows.ndim, 2), *range(lead + 1, windows.ndim, 2)]
        windows = windows.permute(order).flatten(-len(tables))
        flat = flat.transpose(*range(0, flat.ndim, 2), *range(1, flat.ndim, 2))
        flat = flat.reshape(*sizes, -1)
        table = tensor(flat, device=x.device).expand(*windows.shape)
        return table.gather(-1, window_picks(windows).unsqueeze(-1)).squeeze(-1)


def window_picks(windows: Tensor) -> Tensor:
    """The position along the last dim of each window's pick, as PyTorch's max poolings scan
    for `value > best or isnan(value)`: the first maximum, or the last nan. int64."""
    # NOTE: tensor ops, not array code, so a static graph recomputes the pick per batch
    nan = windows.isnan()
    last_nan = windows.shape[-1] - 1 - nan.flip(-1).to(int64).argmax(-1)
    return last_nan.where(nan.any(-1), windows.argmax(-1))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows along L. (N, C, L) -> (N, C, output_size)
    [, indices into L]"""
    (out,) = _output_sizes("adaptive_max_pool1d", input, output_size, 1)
    return _adaptive_max(input, [out], return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows. (N, C, H, W) -> (N, C, *output_size)
    [, indices into H * W]"""
    oh, ow = _output_sizes("adaptive_max_pool2d", input, output_size, 2)
    return _adaptive_max(input, [oh, ow], return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows. (N, C, D, H, W) -> (N, C, *output_size)
    [, indices into D * H * W]"""
    sizes = _output_sizes("adaptive_max_pool3d", input, output_size, 3)
    return _adaptive_max(input, sizes, return_indices)


# -- unfold and fold: im2col and col2im with PyTorch's (N, C * kh * kw, L) layout -------------
def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The sliding kh x kw blocks of an image as columns, channel-major (PyTorch's layout).
    (N, C, H, W) -> (N, C kh kw, L), L = Ho Wo the number of blocks; (C, H, W) -> (C kh kw, L)"""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"unfold: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got {tuple(input.shape)}"
        )
    x = input.unsqueeze(0) if input.ndim == 3 else input
    n, c, h, w = x.shape
    geom = Geometry.make("unfold", kernel_size, stride, padding, dilation)
    ho, wo = geom.out_size(h, w)
    if ho < 1 or wo < 1:
        raise RuntimeError(
            f"unfold: Given input with spatial size {(h, w)}, kernel_size={geom.kernel}, "
            f"dilation={geom.dilation}, padding={geom.padding}, calculated shape of the array of "
            f"sliding blocks as {(ho, wo)}, but its components must be at least one."
        )
    k = geom.kernel[0] * geom.kernel[1]
    cols = Im2Col.apply(x, geom).reshape(n, ho * wo, k, c)  # channels last in each row
    y = cols.permute(0, 3, 2, 1).reshape(n, c * k, ho * wo)
    return y[0] if input.ndim == 3 else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The adjoint of unfold: add each column's block back onto an output_size image
    (overlapping blocks sum). (N, C kh kw, L) -> (N, C, H, W); (C kh kw, L) -> (C, H, W)"""
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(
            "fold: Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
            f"and non-zero dimensions for input, but got: {list(input.shape)}"
        )
    x = input.unsqueeze(0) if input.ndim == 2 else input
    geom = Geometry.make("fold", kernel_size, stride, padding, dilation)
    h, w = _tuple(output_size, "output_size", "fold")
    k = geom.kernel[0] * geom.kernel[1]
    n, ck, blocks = x.shape
    if ck % k:
        raise RuntimeError(
            "fold: Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={ck} and kernel_size={geom.kernel}."
        )
    ho, wo = geom.out_size(h, w)
    if ho * wo != blocks or ho < 1 or wo < 1:
        raise RuntimeError(
            f"fold: Given output_size={(h, w)}, kernel_size={geom.kernel}, dilation="
            f"{geom.dilation}, padding={geom.padding}, stride={geom.stride}, expected size of "
            f"input's dimension 2 to match the calculated number of sliding blocks {ho} * {wo} "
            f"= {ho * wo}, but got input.size(2)={blocks}."
        )
    c = ck // k
    cols = x.reshape(n, c, k, blocks).permute(0, 3, 2, 1).reshape(n * blocks, k * c)
    y = Col2Im.apply(cols, (n, c, h, w), geom)
    return y[0] if input.ndim == 2 else y


# -- max_unpool: scatter the pooled maxima back to the positions their indices name ------------
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """A zero image with each value of `input` at the flat (H * W) position its index names
    (the indices of max_pool2d(return_indices=True)): a partial inverse of max pooling.
    (N, C, H, W) -> (N, C, Ho, Wo), Ho = (H - 1) s - 2 p + k unless output_size says."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            "max_unpool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"{tuple(input.shape)}"
        )
    geom = Geometry.make("max_unpool2d", kernel_size, stride, padding, 1)
    default = [
        (i - 1) * s - 2 * p + k
        for i, s, p, k in zip(input.shape[-2:], geom.stride, geom.padding, geom.kernel)
    ]
    size = _unpool_size("max_unpool2d", default, geom.stride, output_size)
    return _unpool("max_unpool2d", input, indices, size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_unpool2d over volumes: the indices of max_pool3d(return_indices=True) name flat
    D * H * W positions. (N, C, D, H, W) -> (N, C, Do, Ho, Wo), Do = (D - 1) s - 2 p + k"""
    if input.ndim not in (4, 5):
        raise RuntimeError(
            "max_unpool3d: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got "
            f"{tuple(input.shape)}"
        )
    geom = Geometry.make("max_unpool3d", kernel_size, stride, padding, 1, dims=3)
    default = [
        (i - 1) * s - 2 * p + k
        for i, s, p, k in zip(input.shape[-3:], geom.stride, geom.padding, geom.kernel)
    ]
    size = _unpool_size("max_unpool3d", default, geom.stride, output_size)
    return _unpool("max_unpool3d", input, indices, size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_unpool2d over a height of 1. (N, C, L) -> (N, C, (L - 1) s - 2 p + k)"""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"max_unpool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got {tuple(input.shape)}"
        )
    op = "max_unpool1d"
    k = _single(kernel_size, "kernel_size", op)
    s = k if stride is None else _single(stride, "stride", op)
    size = _unpool_size(
        op, [(input.shape[-1] - 1) * s - 2 * _single(padding, "padding", op) + k], (s,), output_size
    )
    return _unpool(op, input, indices, size)


def _unpool_size(op: str, default: list, stride, output_size) -> tuple:
    """The default size, or output_size (its last entries) when it is less than one stride
    away (PyTorch's check is strict, though its message says "between")."""
    if output_size is None:
        return tuple(default)
    wanted = tuple(output_size)[-len(default) :]
    for d, (size, base, s) in enumerate(zip(wanted, default, stride)):
        if not base - s < size < base + s:
            raise ValueError(
                f'{op}: invalid output_size "{wanted}" (dim {d} must be between {base - s} and '
                f"{base + s})"
            )
    return wanted


def _unpool(op: str, input, indices, size: tuple) -> Tensor:
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{op}: Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    count = int(np.prod(size))
    index = indices.array  # NOTE: the raw values: checked when traced, as one_hot does
    if index.size and (int(index.max()) >= count or int(index.min()) < 0):
        raise RuntimeError(
            f"{op}: Found an invalid max index: {int(index.max())} (output volumes are of size "
            f"{'x'.join(map(str, size))})"
        )
    lead = tuple(input.shape[: input.ndim - len(size)])
    flat = zeros((*lead, count), dtype=input.dtype, device=input.device)
    y = flat.scatter(-1, indices.reshape(*lead, -1), input.reshape(*lead, -1))
    return y.reshape(*lead, *size)
