"""3-D convolution and pooling over (N, C, D, H, W) volumes, as conv2d does it: a strided
view holds every kernel window of the padded input, one copy of it (`windows`) makes the
convolution one matmul per group, and its adjoint (`fold_windows`) adds the gradient of each
window back, one kernel offset at a time (a Python loop over offsets, never over voxels), as
col2im does (`_add_shifted`). Max and average pooling reduce the same windows, so their
gradients come from the tensor ops. The arguments are checked, and the geometry computed, by
conv.py's functions for every dim.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from minigrad.autograd.function import Function
from minigrad.dtypes import float16
from minigrad.ops._util import strided_view
from minigrad.ops.conv import (
    Geometry,
    _add_shifted,
    _batched,
    _check_groups,
    _lowest,
    _offset_shifts,
    _pad_right,
    _tuple,
    ceil_pad,
    conv_arguments,
    pool_arguments,
    pool_divisor,
)
from minigrad.ops.matmul import check_same_dtype
from minigrad.ops.nograd import NoGrad
from minigrad.ops.shape import permute, reshape_if_needed
from minigrad.tensor import Tensor


def _window_view(xp, padded, geom: Geometry):
    """The (N, C, *out, *kernel) strided view of every window of padded (N, C, *S).

    # NOTE: windows overlap, so the view aliases itself: read it, or write one kernel offset
    # at a time (each is a plain strided slice)."""
    steps = padded.strides[2:]
    size = (n - 2 * p for n, p in zip(padded.shape[2:], geom.padding))
    shape = padded.shape[:2] + geom.out_size(*size) + geom.kernel
    strides = (
        padded.strides[:2]
        + tuple(st * s for st, s in zip(steps, geom.stride))
        + tuple(st * d for st, d in zip(steps, geom.dilation))
    )
    return strided_view(xp, padded, shape, strides, "conv3d")


class Windows(Function):
    """u = every kernel window of x, copied: (N, C, *S) -> (N, C, *out, *kernel), the input
    padded with `value` (0 for a convolution, -inf for max pooling); backward is
    fold_windows."""

    op_name = "windows3d"

    @staticmethod
    def forward(ctx, x, geom, value=0.0):
        xp, array = x.device.xp, x.array
        ctx.shape, ctx.geom = array.shape, geom
        pads = ((0, 0), (0, 0)) + tuple((p, p) for p in geom.padding)
        padded = xp.pad(array, pads, constant_values=value) if any(geom.padding) else array
        return xp.ascontiguousarray(_window_view(xp, padded, geom))

    @staticmethod
    def backward(ctx, gu):
        return FoldWindows.apply(gu, ctx.shape, ctx.geom), None, None


class FoldWindows(Function):
    """x = fold_windows(u), the adjoint of windows: each window's values added back onto the
    voxels they came from; backward is windows."""

    op_name = "fold_windows3d"

    @staticmethod
    def forward(ctx, u, shape, geom):
        xp = u.device.xp
        ctx.geom = geom
        size = shape[:2] + tuple(n + 2 * p for n, p in zip(shape[2:], geom.padding))
        padded = xp.zeros(size, dtype=u.array.dtype)
        out = u.array.shape[2:5]
        # the voxels that kernel offset (0, 0, 0) meets, one per output voxel
        corner = (slice(None), slice(None)) + tuple(
            slice(0, s * (n - 1) + 1, s) for s, n in zip(geom.stride, out)
        )
        blocks = _offset_blocks(xp, u.array)
        steps = (size[3] * size[4], size[4], 1)
        _add_shifted(xp, padded, corner, blocks, _offset_shifts(geom, steps))
        inside = tuple(slice(p, p + n) for n, p in zip(shape[2:], geom.padding))
        return padded[(slice(None), slice(None), *inside)]

    @staticmethod
    def backward(ctx, gx):
        return Windows.apply(gx, ctx.geom), None, None


# NOTE: windows of more bytes than about a core's L2 cache are read in chunks of L2's share
_CACHED_BYTES, _CHUNK_BYTES = 1 << 21, 1 << 18


def _offset_blocks(xp, u):
    """The windows' values of each kernel offset in turn, (N, C, Do, Ho, Wo) each, from u
    (N, C, *out, *kernel).

    # NOTE: one offset's values lie a window apart in u (27 values for 3x3x3), so taking them
    # offset by offset reads all of u once per offset: from cache while u fits there, from
    # memory beyond. There (NumPy) u is first transposed a few windows at a time, each chunk
    # read once from cache (65,536 windows of 27: 5.3 -> 1.8 ms; below 1.5 MB, 0.2 -> 0.27)."""
    offsets = itertools.product(*(range(k) for k in u.shape[5:]))
    if xp is not np or u.nbytes <= _CACHED_BYTES:
        return (u[(..., *offset)] for offset in offsets)
    rows = u.reshape(-1, math.prod(u.shape[5:]))
    out = np.empty(rows.shape[::-1], rows.dtype)
    step = max(1, _CHUNK_BYTES // (rows.shape[1] * rows.itemsize))
    for start in range(0, rows.shape[0], step):
        out[:, start : start + step] = rows[start : start + step].T
    return out.reshape(-1, *u.shape[:5])


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution (cross-correlation, as PyTorch): the windows of each group's channels
    times its filters as one matmul. (N, C, D, H, W), weight (O, C / groups, kd, kh, kw) ->
    (N, O, Do, Ho, Wo)"""
    x, unbatched, geom = conv_arguments(
        "conv3d", input, weight, bias, stride, padding, dilation, groups, dims=3
    )
    (n, c), o, g = x.shape[:2], weight.shape[0], groups
    u = Windows.apply(x, geom)  # (N, C, *out, *kernel)
    out = u.shape[2:5]
    # (g, N Do Ho Wo, C/g kd kh kw): each group's windows, one row per output voxel
    u = permute(reshape_if_needed(u, (n, g, c // g, *u.shape[2:])), (1, 0, 3, 4, 5, 2, 6, 7, 8))
    # the sizes, not -1: an empty batch (N = 0) has them too
    k = c // g * math.prod(geom.kernel)
    y = (
        reshape_if_needed(u, (g, n * math.prod(out), k))
        @ reshape_if_needed(weight, (g, o // g, k)).mT
    )
    if bias is not None:
        y = y + reshape_if_needed(bias, (g, 1, o // g))
    y = permute(reshape_if_needed(y, (g, n, *out, o // g)), (1, 0, 5, 2, 3, 4))
    y = reshape_if_needed(y, (n, o, *out))
    return reshape_if_needed(y, y.shape[1:]) if unbatched else y


def _check_transposed(op: str, input, x: Tensor, weight: Tensor, bias, groups: int) -> None:
    """PyTorch's checks of a transposed convolution's weight (C_in, C_out / g, *kernel) and
    bias against its batched input x."""
    c = x.shape[1]
    if weight.ndim != x.ndim or weight.shape[0] != c:
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} has {c} channels but weight of shape "
            f"{tuple(weight.shape)} expects {weight.shape[0]} (weight is (in, out/groups, "
            "*kernel))"
        )
    out = weight.shape[1] * groups
    _check_groups(op, c, out, groups)
    check_same_dtype(op, input=x, weight=weight, **({} if bias is None else {"bias": bias}))
    if bias is not None and tuple(bias.shape) != (out,):
        raise RuntimeError(
            f"{op}: weight of shape {tuple(weight.shape)} with groups={groups} expects a bias "
            f"of shape ({out},), got {tuple(bias.shape)}"
        )


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """Transposed 3-D convolution, the gradient of conv3d by its input. Weight (C_in, O/g, kd,
    kh, kw). (N, C_in, D, H, W) -> (N, O, (D-1)s - 2p + d(k-1) + output_padding + 1, ...)

    Each input voxel times each group's filters gives an (O/g, kd, kh, kw) block (one matmul);
    fold_windows adds the blocks onto the unpadded output at stride s, and the padding is then
    cut off (output_padding adds rows at the end: what lies there, or zeros)."""
    op = "conv_transpose3d"
    x, unbatched = _batched(input, op, dims=3)
    _check_transposed(op, input, x, weight, bias, groups)
    (n, c), spatial, og = x.shape[:2], tuple(x.shape[2:]), weight.shape[1]
    if x.dtype is float16:
        # NOTE: fold_windows adds kd kh kw products per voxel and in float16 each add rounds:
        # computed in float32 and rounded once, as conv_transpose2d (PyTorch's CPU kernel)
        half = (None if t is None else t.float() for t in (input, weight, bias))
        y = conv_transpose3d(*half, stride, padding, output_padding, groups, dilation)
        return y.half()
    geom = Geometry.make(op, weight.shape[2:], stride, padding, dilation, dims=3)
    extra = _tuple(output_padding, "output_padding", op, 3)
    if any(e >= s and e >= d for e, s, d in zip(extra, geom.stride, geom.dilation)):
        raise RuntimeError(
            f"{op}: output_padding {extra} must be smaller than either stride {geom.stride} or "
            f"dilation {geom.dilation}"
        )
    # the output before its padding is cut: every block whole
    full = [
        (i - 1) * s + d * (k - 1) + 1
        for i, s, d, k in zip(spatial, geom.stride, geom.dilation, geom.kernel)
    ]
    size = [f - 2 * p + e for f, p, e in zip(full, geom.padding, extra)]
    if min(size) < 1:
        raise RuntimeError(f"{op}: output size {tuple(size)} is too small")
    cg, kernel = c // groups, math.prod(geom.kernel)
    rows = permute(reshape_if_needed(x, (n, groups, cg, math.prod(spatial))), (0, 1, 3, 2))
    blocks = rows @ reshape_if_needed(weight, (groups, cg, og * kernel))  # (N, g, DHW, O/g K)
    u = reshape_if_needed(blocks, (n, groups, *spatial, og, *geom.kernel))
    u = reshape_if_needed(
        permute(u, (0, 1, 5, 2, 3, 4, 6, 7, 8)), (n, groups * og, *spatial, *geom.kernel)
    )
    unpadded = Geometry(geom.kernel, geom.stride, (0, 0, 0), geom.dilation)
    y = FoldWindows.apply(u, (n, groups * og, *full), unpadded)
    if any(geom.padding) or any(extra):
        y = y[(..., *(slice(p, p + m) for p, m in zip(geom.padding, size)))]
        y = _pad_right(y, tuple(max(0, m - f + p) for m, f, p in zip(size, full, geom.padding)))
    if bias is not None:
        y = y + reshape_if_needed(bias, (-1, 1, 1, 1))
    return reshape_if_needed(y, y.shape[1:]) if unbatched else y


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
    gradient goes to the first maximum of each window. (N, C, D, H, W) -> (N, C, Do, Ho, Wo)
    [, indices into D * H * W]"""
    x, unbatched, geom = pool_arguments(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, dims=3
    )
    lowest = _lowest(x.array.dtype)
    u = Windows.apply(ceil_pad(x, geom, ceil_mode, lowest), geom, lowest)
    y = reshape_if_needed(u, (*u.shape[:5], math.prod(geom.kernel))).max(-1)[0]
    if unbatched:
        y = reshape_if_needed(y, y.shape[1:])
    if not return_indices:
        return y
    index = MaxPool3dIndices.apply(u, geom, tuple(x.shape[2:]))
    return y, index[0] if unbatched else index


class MaxPool3dIndices(NoGrad):
    """Where each window's max is, as an index into its D * H * W volume (PyTorch's indices),
    from the windows u (N, C, Do, Ho, Wo, kd, kh, kw) of an input of spatial `size` (u may
    come from a wider one: ceil_mode's extension). As PyTorch's loop: the first maximum, the
    last nan, and the window's first voxel inside the input where nothing beats the padding
    (a window of -inf)."""

    op_name = "max_pool3d_indices"

    @staticmethod
    def forward(ctx, u, geom, size):
        xp, array = u.device.xp, u.array
        flat = array.reshape(*array.shape[:5], math.prod(geom.kernel))
        pick = flat.argmax(-1)
        if flat.dtype.kind == "f":
            nan = xp.isnan(flat)
            last = flat.shape[-1] - 1 - nan[..., ::-1].argmax(-1)
            pick = xp.where(nan.any(-1), last, pick)
        best = xp.take_along_axis(flat, pick[..., None], -1)[..., 0]
        stuck = best == _lowest(flat.dtype)
        index = 0
        offsets = xp.unravel_index(pick, geom.kernel)
        for dim, (n, k) in enumerate(zip(size, offsets)):
            o, s = array.shape[2 + dim], geom.stride[dim]
            p, d = geom.padding[dim], geom.dilation[dim]
            start = (xp.arange(o) * s - p).reshape((-1,) + (1,) * (2 - dim))
            # the first kernel offset of each window inside [0, n)
            first = xp.maximum(-start + d - 1, 0) // d
            k = xp.where(stuck, first, k)
            index = index * n + start + k * d
        return index.astype("int64")


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
    x, unbatched, geom = pool_arguments(
        "avg_pool3d", input, kernel_size, stride, padding, 1, ceil_mode, dims=3
    )
    u = Windows.apply(ceil_pad(x, geom, ceil_mode, 0), geom)
    total = reshape_if_needed(u, (*u.shape[:5], math.prod(geom.kernel))).sum(-1)
    divisor = pool_divisor(
        "avg_pool3d", total, x, geom, ceil_mode, count_include_pad, divisor_override
    )
    y = total / divisor
    return reshape_if_needed(y, y.shape[1:]) if unbatched else y
