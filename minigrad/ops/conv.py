"""Convolution and pooling over (N, C, H, W) images, vectorised with strided views.

A window view of the padded, channels-last input holds, without a copy, every kh x kw window
at every output pixel. im2col copies it into a matrix so a convolution is one matmul; col2im,
its adjoint, adds the columns back one kernel offset at a time. With few channels on wide
rows, im2planes copies the same values channels first instead, one plane of output pixels per
channel and kernel offset. Max pooling keeps a running pick over the padded input shifted by
each kernel offset.
# NOTE: Python loops over kernel offsets only, never over pixels.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

from minigrad._warn import warn_once
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import state
from minigrad.creation import full
from minigrad.ops._util import strided_view
from minigrad.ops.matmul import _op_dtype
from minigrad.ops.nograd import NoGrad
from minigrad.ops.shape import _row_major, cat, contiguous, permute, reshape_if_needed, unsqueeze
from minigrad.tensor import Tensor


def _tuple(value, name: str, op: str, dims: int = 2) -> tuple:
    """value as one int per spatial dim: an int or a single value is repeated, as PyTorch.
    Integers are anything with __index__ (NumPy's ints, a 0-d integer tensor), as PyTorch."""
    if isinstance(value, int):
        return (value,) * dims
    if _index(value) is not None:
        values = (_index(value),)
    elif isinstance(value, (tuple, list)):
        values = tuple(_index(v) for v in value)
    else:
        raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got {value!r}")
    if len(values) == 1:
        values *= dims
    if len(values) != dims or None in values:
        error = TypeError if None in values else RuntimeError
        ints = "a pair of ints" if dims == 2 else f"{dims} ints"
        raise error(f"{op}: {name} must be an int or {ints}, got {value!r}")
    return values


def default_stride(stride) -> bool:
    """Whether a pooling's stride is PyTorch's default, the kernel size: None or empty."""
    return stride is None or (isinstance(stride, (list, tuple)) and not stride)


def _index(value) -> int | None:
    """value as an int where it is one (operator.index), else None."""
    if isinstance(value, int):
        return value
    try:
        return operator.index(value)
    except TypeError:
        return None


@dataclass(frozen=True)
class Geometry:
    """Where the kernel sits: sizes, stride, padding and dilation, each one int per spatial
    dim ((h, w) for images, (d, h, w) for volumes)."""

    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple

    @staticmethod
    def make(op, kernel, stride, padding, dilation, dims: int = 2) -> Geometry:
        kernel = _tuple(kernel, "kernel_size", op, dims)
        stride = kernel if default_stride(stride) else _tuple(stride, "stride", op, dims)
        padding = _tuple(padding, "padding", op, dims)
        dilation = _tuple(dilation, "dilation", op, dims)
        # checked here, before they reach a division or a slice that would fail obscurely
        for name, values, least in (
            ("kernel_size", kernel, 1),
            ("stride", stride, 1),
            ("padding", padding, 0),
            ("dilation", dilation, 1),
        ):
            if min(values) < least:
                sign = "positive" if least else "non-negative"
                raise RuntimeError(f"{op}: {name} must be {sign}, got {values}")
        return Geometry(kernel, stride, padding, dilation)

    def out_size(self, *size: int, ceil_mode: bool = False) -> tuple:
        """The output's size per dim: floor((S + 2p - d (k - 1) - 1) / s) + 1; with ceil_mode
        (pooling), ceil instead, less one if the last window would start past the input."""
        out = []
        for n, p, d, k, s in zip(size, self.padding, self.dilation, self.kernel, self.stride):
            span = n + 2 * p - d * (k - 1) - 1
            count = (-(-span // s) if ceil_mode else span // s) + 1
            out.append(count - 1 if ceil_mode and (count - 1) * s >= n + p else count)
        return tuple(out)

    def ceil_extra(self, *size: int) -> tuple:
        """How far ceil_mode's last window runs past the padded input, per dim (0 or more)."""
        return tuple(
            max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
            for n, o, p, d, k, s in zip(
                size,
                self.out_size(*size, ceil_mode=True),
                self.padding,
                self.dilation,
                self.kernel,
                self.stride,
            )
        )


def _pad(xp, array, padding, value=0.0):
    ph, pw = padding
    if not (ph or pw):
        return array
    return xp.pad(array, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _channels_last(xp, array, padding):
    """(N, C, H, W) -> zero-padded, contiguous (N, H + 2 ph, W + 2 pw, C)."""
    n, c, h, w = array.shape
    ph, pw = padding
    out = xp.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=array.dtype)
    out[:, ph : ph + h, pw : pw + w] = array.transpose(0, 2, 3, 1)
    return out


def _windows(xp, padded, geom: Geometry, ho: int, wo: int):
    """The (N, Ho, Wo, kh, kw, C) view of every window of a contiguous channels-last array.

    # NOTE: windows overlap, so the view aliases itself: only read it, or write one kernel
    # offset [:, :, :, i, j] at a time (each of those is a plain strided slice).
    """
    n, _, _, c = padded.shape
    sn, sy, sx, sc = padded.strides
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    shape, strides = (n, ho, wo, *geom.kernel, c), (sn, sh * sy, sw * sx, dh * sy, dw * sx, sc)
    return strided_view(xp, padded, shape, strides, "conv2d")


def _im2col(xp, array, geom: Geometry, blocks: bool = False):
    """(N, C, H, W) -> (N * Ho * Wo, kh * kw * C): one row per output pixel, channels last;
    with `blocks`, (N, kh * kw, Ho * Wo, C): one block per image and kernel offset.

    # NOTE: one copy of the window view of a channels-last copy: the kw * C values of a window
    # row are contiguous on both sides, so the copy runs long inner loops (two to three times
    # faster than one strided copy per kernel offset, whose inner loops run over C values).
    # With one channel, a copy by kernel offset runs over rows of Wo pixels instead: faster.
    """
    n, c, h, w = array.shape
    ho, wo = geom.out_size(h, w)
    windows = _windows(xp, _channels_last(xp, array, geom.padding), geom, ho, wo)
    k = math.prod(geom.kernel)  # the sizes, not -1: an empty batch (N = 0) has them too
    if blocks:
        return xp.ascontiguousarray(windows.transpose(0, 3, 4, 1, 2, 5)).reshape(n, k, ho * wo, c)
    if c > 1:
        return xp.ascontiguousarray(windows).reshape(n * ho * wo, k * c)
    # NOTE: with one channel the rows layout is the transpose of the kernel offsets' planes: a
    # view, no second copy (the matmuls take either memory order)
    return xp.ascontiguousarray(windows.transpose(3, 4, 0, 1, 2, 5)).reshape(k, n * ho * wo).T


def _col2im(xp, cols, shape, geom: Geometry, blocks: bool = False):
    """The adjoint of im2col (either layout): add each value back onto the pixel it came from.

    # NOTE: the adds read, per kernel offset, runs of Ho Wo C contiguous values; the row
    # layout's blocks are copied out of it first (adding its strided blocks directly is slower
    # than that copy plus adds), on NumPy one at a time into one buffer (`_row_blocks`),
    # elsewhere all at once.
    """
    n, c, h, w = shape
    ph, pw = geom.padding
    ho, wo = geom.out_size(h, w)
    out = xp.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=cols.dtype)
    if blocks:
        each = (cols[:, k] for k in range(cols.shape[1]))
    elif xp is np and cols.flags.c_contiguous:
        each = _row_blocks(cols, n * ho * wo, c)
    else:
        cols = xp.ascontiguousarray(
            cols.reshape(n * ho * wo, math.prod(geom.kernel), c).transpose(1, 0, 2)
        )
        each = (cols[k] for k in range(cols.shape[0]))
    pixels = _plane_slices(geom, 0, 0, ho, wo)
    blocks = (block.reshape(n, ho, wo, c) for block in each)
    shifts = _offset_shifts(geom, (out.shape[2] * c, c))
    _add_shifted(xp, out, (slice(None), *pixels), blocks, shifts)
    return out[:, ph : ph + h, pw : pw + w, :].transpose(0, 3, 1, 2)


def _offset_shifts(geom: Geometry, steps: tuple):
    """How far each kernel offset, in row-major order, moves a value in the flat form of a
    padded array whose spatial dims are `steps` values apart: sum(offset * dilation * step)
    (2-D: (i dh Wp + j dw) C for channels-last rows of Wp pixels)."""
    shifts = [0]
    for k, d, step in zip(geom.kernel, geom.dilation, steps):
        shifts = [shift + i * d * step for shift in shifts for i in range(k)]
    return shifts


def _add_shifted(xp, out, corner: tuple, blocks, shifts) -> None:
    """out += each block moved by its shift: the block is copied into `corner` (the pixels
    that kernel offset (0, 0) meets) of a staging array shaped like out, whose flat form,
    shifted, lands every value on its pixel (out contiguous).

    # NOTE: the adds run over two contiguous 1-D arrays. NumPy (2.3 on) buffers an add into a
    # strided view, such as one kernel offset's windows, about 4x slower per value than a
    # strided copy plus a contiguous add (col2im of (64, 16, 8, 8), 3x3: 420-500 -> 280 us;
    # planes2im of (16, 3, 32, 32): 377 -> 183 us)
    """
    staging = xp.zeros_like(out)
    window, flat, staged = staging[corner], out.reshape(-1), staging.reshape(-1)
    for block, shift in zip(blocks, shifts):
        window[...] = block
        flat[shift:] += staged[: flat.size - shift]


def _row_blocks(cols, rows: int, c: int):
    """The blocks (rows, C) of im2col's row layout (rows, kh * kw * C), one per kernel offset,
    each copied into the same buffer (NumPy; use each before taking the next).

    # NOTE: a run of C values moves as one opaque item (a void dtype), not value by value,
    and one buffer serves every block: a new array of all of them (19 MB for conv_transpose2d
    to (16, 32, 32, 32)) paid its page faults on every call. conv_transpose2d (16, C, 32, 32)
    3x3 to O channels: C 16 O 32 4.1 -> 3.1 ms, C 32 O 16 2.5 -> 1.9, C 64 O 64 17.1 -> 13.5
    (PyTorch 1.0 / 0.8 / -; load 1.4)."""
    offsets = cols.shape[1] // c  # not -1: an empty batch (rows = 0) has it too
    runs = cols.reshape(rows, offsets, c).view(np.dtype((np.void, c * cols.itemsize)))[..., 0]
    buffer = np.empty(rows, runs.dtype)
    block = buffer.view(cols.dtype).reshape(rows, c)
    for k in range(runs.shape[1]):
        np.copyto(buffer, runs[:, k])
        yield block


def _plane_slices(geom: Geometry, i: int, j: int, ho: int, wo: int) -> tuple:
    """The rows and columns of the padded input that kernel offset (i, j) reads, one per
    output pixel."""
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    return slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(
        j * dw, j * dw + sw * (wo - 1) + 1, sw
    )


def _im2planes(xp, array, geom: Geometry):
    """(N, C, H, W) -> (C * kh * kw, N * Ho * Wo): for each channel and kernel offset, the
    plane of input pixels it meets at every output pixel (im2col's transpose, channels first).

    # NOTE: each copy runs over rows of Wo pixels, contiguous in the input: faster than
    # im2col's window rows of kw * C values when Wo is the longer one (wide images with few
    # channels, the first layer on RGB or grayscale; see `_use_planes`).
    """
    n, c, h, w = array.shape
    ho, wo = geom.out_size(h, w)
    padded = _pad(xp, array, geom.padding)
    kh, kw = geom.kernel
    planes = xp.empty((c, kh, kw, n, ho, wo), dtype=array.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = _plane_slices(geom, i, j, ho, wo)
            planes[:, i, j] = padded[:, :, rows, cols].transpose(1, 0, 2, 3)
    return planes.reshape(c * kh * kw, n * ho * wo)


def _planes2im(xp, planes, shape, geom: Geometry):
    """The adjoint of im2planes: add each plane back onto the input pixels it came from."""
    n, c, h, w = shape
    ph, pw = geom.padding
    ho, wo = geom.out_size(h, w)
    kh, kw = geom.kernel
    out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=planes.dtype)
    planes = planes.reshape(c, kh * kw, n, ho, wo)
    blocks = (planes[:, k].transpose(1, 0, 2, 3) for k in range(kh * kw))
    corner = (slice(None), slice(None), *_plane_slices(geom, 0, 0, ho, wo))
    _add_shifted(xp, out, corner, blocks, _offset_shifts(geom, (out.shape[3], 1)))
    return out[:, :, ph : ph + h, pw : pw + w]


def _use_planes(shape, geom: Geometry) -> bool:
    """Whether a convolution copies planes (channels first) rather than im2col's windows:
    when an output row is at least as long as a window row (Wo >= kw * C)."""
    _, c, h, w = shape
    return geom.out_size(h, w)[1] >= geom.kernel[1] * c


class Im2Col(Function):
    """cols = im2col(x): (N, C, H, W) -> (N * Ho * Wo, kh * kw * C), or (N, kh * kw, Ho * Wo,
    C) with `blocks`; backward is col2im."""

    op_name = "im2col"

    @staticmethod
    def forward(ctx, x, geom, blocks=False):
        ctx.shape, ctx.geom, ctx.blocks = x.array.shape, geom, blocks
        return _im2col(x.device.xp, x.array, geom, blocks)

    @staticmethod
    def backward(ctx, gy):
        return Col2Im.apply(gy, ctx.shape, ctx.geom, ctx.blocks), None, None


class Col2Im(Function):
    """x = col2im(cols), the adjoint of im2col (same layouts); backward is im2col."""

    op_name = "col2im"

    @staticmethod
    def forward(ctx, cols, shape, geom, blocks=False):
        ctx.geom, ctx.blocks = geom, blocks
        return _col2im(cols.device.xp, cols.array, shape, geom, blocks)

    @staticmethod
    def backward(ctx, gy):
        return Im2Col.apply(gy, ctx.geom, ctx.blocks), None, None, None


class Im2Planes(Function):
    """planes = im2planes(x): (N, C, H, W) -> (C * kh * kw, N * Ho * Wo); backward is
    planes2im."""

    op_name = "im2planes"

    @staticmethod
    def forward(ctx, x, geom):
        ctx.shape, ctx.geom = x.array.shape, geom
        return _im2planes(x.device.xp, x.array, geom)

    @staticmethod
    def backward(ctx, gy):
        return Planes2Im.apply(gy, ctx.shape, ctx.geom), None


class Planes2Im(Function):
    """x = planes2im(planes), the adjoint of im2planes; backward is im2planes."""

    op_name = "planes2im"

    @staticmethod
    def forward(ctx, planes, shape, geom):
        ctx.geom = geom
        return _planes2im(planes.device.xp, planes.array, shape, geom)

    @staticmethod
    def backward(ctx, gy):
        return Im2Planes.apply(gy, ctx.geom), None, None


class Conv2d(Function):
    """y = im2col(x) @ w^T + b, w as (O, kh * kw * C) to match the columns, or, with few
    channels on wide rows, w @ im2planes(x) + b, w as (O, C * kh * kw).
    x (N, C, H, W), w (O, C, kh, kw), b (O,) -> (N, O, Ho, Wo)"""

    op_name = "conv2d"

    def name(self):
        return "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, geom):
        xp = x.device.xp
        n, _, h, width = x.array.shape
        out_channels = w.array.shape[0]
        ho, wo = geom.out_size(h, width)
        ctx.save_for_backward(x, w)
        ctx.geom, ctx.planes = geom, _use_planes(x.array.shape, geom)
        if ctx.planes:
            # NOTE: one product per image, w @ its (C kh kw, Ho Wo) planes (a strided view of
            # the columns), gives NCHW directly: the (O, N Ho Wo) product of all the columns
            # at once needed a reordering copy (1.7x slower together, same values)
            ctx.cols = _im2planes(xp, x.array, geom)
            planes = ctx.cols.reshape(ctx.cols.shape[0], n, ho * wo).transpose(1, 0, 2)
            y = xp.matmul(w.array.reshape(out_channels, -1), planes)
            if b is not None:
                y += b.array[:, None]
            return y.reshape(n, out_channels, ho, wo)
        filters = w.array.transpose(0, 2, 3, 1).reshape(out_channels, -1)
        if _chunked(xp, n * ho * wo * filters.shape[1] * filters.itemsize):
            # NOTE: the columns are not kept: the weight's gradient takes them again, as
            # forward does, a few images at a time (ConvWeightGrad)
            ctx.cols = None
            y = xp.empty((n, out_channels, ho * wo), xp.result_type(x.array, filters))
            for start, cols in _column_chunks(x.array, geom, ho, wo):
                np.matmul(filters, cols.swapaxes(-1, -2), out=y[start : start + len(cols)])
            if b is not None:
                y += b.array[:, None]
            return y.reshape(n, out_channels, ho, wo)
        ctx.cols = _im2col(xp, x.array, geom)
        y = ctx.cols @ filters.T
        if b is not None:
            y += b.array
        # NOTE: the (N, Ho Wo, O) product to NCHW is a transpose of its last two axes, which
        # _row_major copies in strips: on (16, 32, 32, 32) that copy 288 -> 162 us (one
        # process, alternated), out of a forward of about 1.6 ms
        y = _row_major(xp, y.reshape(n, ho * wo, out_channels).transpose(0, 2, 1))
        return y.reshape(n, out_channels, ho, wo)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        if ctx.planes:
            return _conv_backward_planes(ctx, x, w, _dense(gy))
        out_channels, c, kh, kw = w.shape
        n, _, ho, wo = gy.shape
        # NOTE: gy per image as it is, (O, Ho Wo) rows: the products below are batched over
        # the images (a transposed operand is BLAS's own), so gy is never copied to (N Ho Wo,
        # O) (0.16 ms on (32, 32, 16, 16)). The sizes, not -1: an empty batch has them too.
        rows = reshape_if_needed(_dense(gy), (n, out_channels, ho * wo))
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            # NOTE: one matmul per image and kernel offset gives the columns' gradient as
            # contiguous blocks, which col2im adds without first copying a transpose of them
            # ((32, 16, 16, 16) -> 32 channels, 3x3: 1.4 -> 0.7 ms with the reordering).
            # The filters are copied contiguous: as a view their (O, C) blocks have no unit
            # stride, which NumPy's matmul runs outside BLAS ((64, 16, 8, 8): 490 -> 345 us)
            w_blocks = reshape_if_needed(
                contiguous(permute(w, (2, 3, 0, 1))), (kh * kw, out_channels, c)
            )
            gx = ConvInputGrad.apply(rows, w_blocks, x.array.shape, ctx.geom)
        if ctx.needs_input_grad[1] and ctx.cols is None:
            per_image = ConvWeightGrad.apply(rows, x, ctx.geom)
        elif ctx.needs_input_grad[1]:
            # NOTE: with create_graph, im2col is recorded so a second backward reaches x
            cols = Im2Col.apply(x, ctx.geom) if state.enabled else Tensor._make(ctx.cols)
            per_image = (rows @ reshape_if_needed(cols, (n, ho * wo, kh * kw * c))).sum(0)
        if ctx.needs_input_grad[1]:
            gw = permute(reshape_if_needed(per_image, (out_channels, kh, kw, c)), (0, 3, 1, 2))
        if ctx.needs_input_grad[2]:
            gb = rows.sum(2).sum(0)
        return gx, gw, gb, None


# NOTE: a large convolution's columns and their gradient are taken a few images at a time
# (NumPy), about a core's L2 cache of them each, once all of them would outgrow the caches
# (LeNet's and the small CNN's 2.4 MB in two chunks ran 1% slower)
_CACHED_BYTES, _CHUNKED_BYTES = 1 << 21, 1 << 23


def _chunked(xp, nbytes: int) -> bool:
    """Whether an array of nbytes of columns (or their gradient) is taken in chunks."""
    return xp is np and nbytes > _CHUNKED_BYTES


def _column_chunks(x, geom: Geometry, ho: int, wo: int):
    """(start, cols): im2col's columns of x (N, C, H, W), a few images at a time, as (images,
    Ho Wo, kh kw C), each copied into the same buffer (NumPy; use each before the next).

    # NOTE: all the columns at once are a new array (42 MB for the 32 -> 64 channels layer of
    # PyTorch's MNIST example) whose fresh pages the kernel zeroes on every call (5.4 ms of
    # copy, against 1.9 into a buffer), and the matmul then reads them back from memory."""
    n, c = x.shape[:2]
    windows = _windows(np, _channels_last(np, x, geom.padding), geom, ho, wo)
    step = max(1, _CACHED_BYTES // (windows[0].size * x.itemsize))
    buffer = np.empty((min(step, n), *windows.shape[1:]), x.dtype)
    for start in range(0, n, step):
        part = buffer[: len(windows[start : start + step])]
        np.copyto(part, windows[start : start + step])
        yield start, part.reshape(len(part), ho * wo, -1)


class ConvWeightGrad(Function):
    """gw = sum over images of gy @ im2col(x), Conv2d's weight gradient when forward kept no
    columns. rows (N, O, Ho Wo), x (N, C, H, W) -> (O, kh kw C); backward: the products'
    gradients, im2col recorded so that they reach x."""

    op_name = "conv2d_weight_grad"

    @staticmethod
    def forward(ctx, rows, x, geom):
        ctx.save_for_backward(rows, x)
        ctx.geom = geom
        xp, (n, c, h, w), out_channels = x.device.xp, x.array.shape, rows.array.shape[1]
        ho, wo = geom.out_size(h, w)
        if xp is not np:  # only NumPy's columns are taken a few images at a time
            cols = _im2col(xp, x.array, geom).reshape(n, ho * wo, -1)
            return xp.matmul(rows.array, cols).sum(0)
        # NOTE: the per-image products, summed over the batch at the end as the unchunked
        # path sums them: the same values. As many as x's images, so that none is left
        # unwritten: rows of other images fail in the matmul.
        size = (n, out_channels, math.prod(geom.kernel) * c)
        products = np.empty(size, np.result_type(rows.array, x.array))
        for start, cols in _column_chunks(x.array, geom, ho, wo):
            np.matmul(
                rows.array[start : start + len(cols)], cols, out=products[start : start + len(cols)]
            )
        return products.sum(0)

    @staticmethod
    def backward(ctx, g):
        rows, x = ctx.saved_tensors
        n, _, howo = rows.shape
        cols = reshape_if_needed(Im2Col.apply(x, ctx.geom), (n, howo, g.shape[1]))
        g_rows = g @ cols.mT if ctx.needs_input_grad[0] else None
        g_x = None
        if ctx.needs_input_grad[1]:
            g_cols = reshape_if_needed(rows.mT @ g, (n * howo, g.shape[1]))
            g_x = Col2Im.apply(g_cols, x.array.shape, ctx.geom)
        return g_rows, g_x, None


class ConvInputGrad(Function):
    """gx = col2im(gy^T @ w), Conv2d's input gradient, the columns' gradient as blocks.
    rows (N, O, Ho Wo), w_blocks (kh kw, O, C) -> (N, C, H, W); backward: the blocks'
    gradient im2col(g), then the two products' own gradients."""

    op_name = "conv2d_input_grad"

    @staticmethod
    def forward(ctx, rows, w_blocks, shape, geom):
        ctx.save_for_backward(rows, w_blocks)
        ctx.geom = geom
        return _input_grad(rows.device.xp, rows.array, w_blocks.array, shape, geom)

    @staticmethod
    def backward(ctx, g):
        rows, w_blocks = ctx.saved_tensors
        blocks = Im2Col.apply(g, ctx.geom, True)  # (N, kh kw, Ho Wo, C)
        g_rows = g_w = None
        if ctx.needs_input_grad[0]:
            g_rows = (w_blocks @ blocks.mT).sum(1)
        if ctx.needs_input_grad[1]:
            g_w = (unsqueeze(rows, 1) @ blocks).sum(0)
        return g_rows, g_w, None, None


def _input_grad(xp, rows, w_blocks, shape, geom: Geometry):
    """ConvInputGrad's forward on arrays.

    # NOTE: all the images' blocks at once are a new array (42 MB for the 32 -> 64 channels
    # layer of PyTorch's MNIST example), whose fresh pages the kernel zeroes on every call,
    # and col2im then reads them back from memory. A few images at a time reuse one buffer,
    # still in cache when col2im adds it: 26 -> 15.5 ms on that layer, same values."""
    # NOTE: as many images as the result has, so that none is left unwritten: blocks of
    # other images fail in the matmul or col2im
    n, k, howo, c = shape[0], w_blocks.shape[0], rows.shape[2], w_blocks.shape[2]
    dtype = xp.result_type(rows, w_blocks)
    per_image = k * howo * c * dtype.itemsize
    step = max(1, _CACHED_BYTES // per_image)
    if not _chunked(xp, n * per_image):
        return _col2im(xp, xp.matmul(rows.transpose(0, 2, 1)[:, None], w_blocks), shape, geom, True)
    out = np.empty(shape, dtype)
    buffer = np.empty((min(step, n), k, howo, c), dtype)
    for start in range(0, n, step):
        part = rows[start : start + step]
        blocks = np.matmul(part.transpose(0, 2, 1)[:, None], w_blocks, out=buffer[: len(part)])
        out[start : start + step] = _col2im(np, blocks, (len(part), *shape[1:]), geom, True)
    return out


def _dense(g: Tensor) -> Tensor:
    """g, copied when it is a broadcast view (the gradient of y.sum() is one).

    # NOTE: NumPy's matmul leaves BLAS for an operand with a stride 0 (its own loop, 2.1x
    slower): copying it first makes the input's gradient of a convolution on (16, 16, 32, 32)
    about 1 ms faster."""
    return contiguous(g) if 0 in g.array.strides else g


def _conv_backward_planes(ctx, x, w, gy):
    """Conv2d's backward when forward copied planes: the same three products, channels first.

    # NOTE: the weight's and the bias's gradients read gy per image as it is, (O, Ho Wo) rows
    # (the products summed over the batch), without reordering it to (O, N Ho Wo): a first
    # layer, whose input needs no gradient, copies nothing (685 -> 234 us on the course CNN's
    # first layer)."""
    n, out_channels, ho, wo = gy.shape  # the sizes, not -1: an empty batch has them too
    gx = gw = gb = None
    if ctx.needs_input_grad[0]:
        # (O, N Ho Wo)
        g = reshape_if_needed(permute(gy, (1, 0, 2, 3)), (out_channels, n * ho * wo))
        gx = Planes2Im.apply(
            reshape_if_needed(w, (out_channels, -1)).mT @ g, x.array.shape, ctx.geom
        )
    rows = reshape_if_needed(gy, (n, out_channels, ho * wo))  # (N, O, Ho Wo)
    if ctx.needs_input_grad[1]:
        # NOTE: with create_graph, im2planes is recorded so a second backward reaches x
        planes = Im2Planes.apply(x, ctx.geom) if state.enabled else Tensor._make(ctx.cols)
        per_image = permute(reshape_if_needed(planes, (planes.shape[0], n, ho * wo)), (1, 2, 0))
        gw = reshape_if_needed((rows @ per_image).sum(0), w.shape)
    if ctx.needs_input_grad[2]:
        gb = rows.sum(2).sum(0)
    return gx, gw, gb, None


def _batched(input: Tensor, op: str, dims: int = 2):
    """(C, H, W) inputs (for 3-D ops (C, D, H, W)) get a batch dim of 1, as PyTorch allows;
    any other number of dims fails."""
    if input.ndim == dims + 2:
        return input, False
    if input.ndim == dims + 1:
        return reshape_if_needed(input, (1, *input.shape)), True
    letters = ", ".join("DHW"[-dims:])
    raise RuntimeError(
        f"{op}: expected a {dims + 1}-D (C, {letters}) or {dims + 2}-D (N, C, {letters}) "
        f"input, got shape {tuple(input.shape)}"
    )


def _check_groups(op: str, channels: int, out_channels: int, groups: int) -> None:
    if groups < 1 or channels % groups or out_channels % groups:
        raise RuntimeError(
            f"{op}: in_channels ({channels}) and out_channels ({out_channels}) must both be "
            f"divisible by groups ({groups})"
        )


def check_conv_arguments(op: str, input: Tensor, x: Tensor, weight: Tensor, bias, groups=1):
    """PyTorch's checks of a convolution's weight and bias against its (batched) input x: the
    groups, the channels, one dtype for all, a bias of one value per output channel."""
    _check_groups(op, x.shape[1], weight.shape[0], groups)
    if weight.ndim != x.ndim or x.shape[1] != weight.shape[1] * groups:
        kernel = ", ".join(("kd", "kh", "kw")[2 - x.ndim :])
        grouped, per_group = (
            ("", "in") if groups == 1 else (f" with groups={groups}", "in / groups")
        )
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} has {x.shape[1]} channels but weight "
            f"of shape {tuple(weight.shape)}{grouped} expects {weight.shape[1] * groups} "
            f"(weight is (out, {per_group}, {kernel}))"
        )
    if _op_dtype(x) != _op_dtype(weight) or (bias is not None and _op_dtype(bias) != _op_dtype(x)):
        raise RuntimeError(
            f"{op}: input is {x.dtype} but weight is {weight.dtype}"
            + ("" if bias is None else f" and bias {bias.dtype}")
            + "; convert them to one dtype with .to(dtype), as PyTorch requires"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(
            f"{op}: weight of shape {tuple(weight.shape)} expects a bias of shape "
            f"({weight.shape[0]},), got {tuple(bias.shape)}"
        )


def _same_padding(op, kernel, stride, dilation, dims: int) -> tuple[tuple, tuple]:
    """The padding that keeps the size, d (k - 1) in all per dim: (each side's, the one more
    on the right where that total is odd, as PyTorch pads it)."""
    if any(s != 1 for s in _tuple(stride, "stride", op, dims)):
        raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for k, d in zip(kernel, _tuple(dilation, "dilation", op, dims))]
    return tuple(t // 2 for t in totals), tuple(t % 2 for t in totals)


def _pad_right(x: Tensor, extra: tuple) -> Tensor:
    """x (N, C, *spatial) with extra[i] zeros after spatial dim i."""
    for i, n in enumerate(extra):
        if n:
            shape = (*x.shape[: 2 + i], n, *x.shape[3 + i :])
            x = cat([x, full(shape, 0, dtype=x.dtype, device=x.device)], 2 + i)
    return x


def conv_arguments(op, input, weight, bias, stride, padding, dilation, groups, dims: int = 2):
    """PyTorch's checks of a convolution's arguments, for 1 to 3 spatial dims. -> the input
    with a batch dim, whether it came without one, and the Geometry ('valid' padding is 0,
    'same' keeps the size)."""
    x, unbatched = _batched(input, op, dims=dims)
    check_conv_arguments(op, input, x, weight, bias, groups)
    kernel = tuple(weight.shape[2:])
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding, extra = _same_padding(op, kernel, stride, dilation, dims)
        if any(extra):
            warn_once(
                "Using padding='same' with even kernel lengths and odd dilation may require a "
                "zero-padded copy of the input be created",
                stacklevel=4,  # the line with conv(...) or the module's call
            )
        x = _pad_right(x, extra)
    geom = Geometry.make(op, kernel, stride, padding, dilation, dims)
    if min(geom.out_size(*x.shape[2:])) < 1:
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} is smaller than the kernel {kernel} "
            f"(with padding {geom.padding}, dilation {geom.dilation})"
        )
    return x, unbatched, geom


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch); `groups` splits the channels (groups ==
    C is depthwise). (N, C, H, W), weight (O, C / groups, kh, kw) -> (N, O, Ho, Wo)"""
    x, unbatched, geom = conv_arguments(
        "conv2d", input, weight, bias, stride, padding, dilation, groups
    )
    if groups == 1:
        y = Conv2d.apply(x, weight, bias, geom)
    else:
        y = _grouped_conv2d(x, weight, bias, geom, groups)
    return reshape_if_needed(y, y.shape[1:]) if unbatched else y


def _grouped_conv2d(x, weight, bias, geom: Geometry, groups: int) -> Tensor:
    """Each group's columns (im2col of its C / groups channels) meet its own O / groups
    filters in one batched matmul: (N, g, Ho Wo, K) @ (g, K, O / g)."""
    n, c, h, w = x.shape
    out_channels, per_group = weight.shape[0], weight.shape[1]
    ho, wo = geom.out_size(h, w)
    cols = Im2Col.apply(reshape_if_needed(x, (n * groups, per_group, h, w)), geom)
    kh, kw = geom.kernel
    cols = reshape_if_needed(cols, (n, groups, ho * wo, kh * kw * per_group))
    og = out_channels // groups
    # im2col's columns are (kh, kw, C) with channels last: order the filters the same way
    filters = permute(reshape_if_needed(weight, (groups, og, per_group, kh, kw)), (0, 3, 4, 2, 1))
    y = cols @ reshape_if_needed(filters, (groups, kh * kw * per_group, og))  # (N, g, Ho Wo, O / g)
    y = reshape_if_needed(permute(y, (0, 1, 3, 2)), (n, out_channels, ho, wo))
    if bias is not None:
        y = y + reshape_if_needed(bias, (out_channels, 1, 1))
    return y


# -- pooling ---------------------------------------------------------------------------------
def _pick_shift(xp, padded, geom: Geometry):
    """For each flat position p of `padded`: the shift s (kernel row i, column j: s = i dh Wp +
    j dw) of the maximum PyTorch picks in the window that starts at p: its last nan, if any,
    else its first maximum, in row-major window order. 1-D; only positions whose whole
    window lies inside are meaningful.

    # NOTE: PyTorch scans the window and takes a value when `value > best or isnan(value)`.
    # That rule is separable: pick in each window row, then among the rows' picks, so
    # kh + kw - 2 steps instead of kh kw - 1. Each step is whole-array ops on shifted
    # contiguous 1-D views: strided window slices run short inner loops and where/putmask
    # branch on random masks, both many times slower.
    """
    (kh, kw), (dh, dw), wp = geom.kernel, geom.dilation, padded.shape[3]
    dtype = xp.min_scalar_type((kh - 1) * dh * wp + (kw - 1) * dw)
    # NOTE: None stands for shifts that are all 0 (before the first step): the window row's
    # first pick then needs no add and no max (2x2 pooling on (64, 32, 8, 8): 11 whole-array
    # ops instead of 14, and no array of zeros)
    y, best = padded.ravel(), None
    for step, count in ((dw, kw), (dh * wp, kh)):
        values, shifts = y, best
        size = values.size - step * (count - 1)
        y, best = values[:size], None if shifts is None else shifts[:size]
        for s in range(step, step * count, step):
            cand = values[s : s + size]
            better = (cand > y) | (cand != cand)
            y = xp.maximum(y, cand)
            shift = dtype.type(s) if shifts is None else shifts[s : s + size] + dtype.type(s)
            # NOTE: a later step's shift exceeds every earlier one, so a max keeps the latest
            # better shift without a branch
            best = better * shift if best is None else xp.maximum(best, better * shift)
    return xp.zeros(y.size, dtype) if best is None else best


def _window_starts(xp, padded_shape, stride, ho, wo):
    """Flat index of each window's first element in the padded array. -> (N, C, Ho, Wo)"""
    n, c, hp, wp = padded_shape
    sh, sw = stride
    planes = xp.arange(0, n * c * hp * wp, hp * wp).reshape(n, c, 1, 1)
    return planes + (xp.arange(0, ho * sh * wp, sh * wp)[:, None] + xp.arange(0, wo * sw, sw))


def _first_inside(xp, geom: Geometry, size: tuple, ho: int, wo: int, wp: int):
    """Per window: the shift of its first pixel inside the (unpadded) image, and whether it
    has one (with dilation a window can see only padding). -> (Ho, Wo), (Ho, Wo)"""
    found = []
    for length, p, k, s, d, count in zip(
        size, geom.padding, geom.kernel, geom.stride, geom.dilation, (ho, wo)
    ):
        start = xp.arange(count) * s
        first = xp.maximum(0, -((start - p) // d))  # ceil((p - start) / d), at least 0
        found.append((first * d, (first < k) & (start + first * d < p + length)))
    (rows, rows_inside), (cols, cols_inside) = found
    return rows[:, None] * wp + cols, rows_inside[:, None] & cols_inside


class MaxPool2d(Function):
    """y = max over each window; the gradient goes to the max PyTorch picks. -> (N, C, Ho, Wo)"""

    op_name = "max_pool2d"

    def name(self):
        return "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, geom):
        xp = x.device.xp
        ho, wo = geom.out_size(*x.array.shape[2:])
        lowest = _lowest(x.array.dtype)
        padded = _pad(xp, x.array, geom.padding, lowest)
        (sh, sw), (kh, kw), (dh, dw) = geom.stride, geom.kernel, geom.dilation
        starts = _window_starts(xp, padded.shape, geom.stride, ho, wo)
        index = starts + _pick_shift(xp, padded, geom)[starts]
        if any(geom.padding):
            # NOTE: a window whose pixels are all -inf (an integer dtype's minimum) ties with
            # the padding; PyTorch then picks the window's first pixel inside the image
            shift, inside = _first_inside(xp, geom, x.array.shape[2:], ho, wo, padded.shape[3])
            stuck = (padded.ravel()[index] == lowest) & inside
            index = xp.where(stuck, starts + shift, index)
        ctx.index = index
        ctx.padded, ctx.padding = padded.shape, geom.padding
        ctx.unique = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1
        return padded.ravel()[ctx.index]

    @staticmethod
    def backward(ctx, gy):
        return PoolScatter.apply(gy, ctx.index, ctx.padded, ctx.padding, ctx.unique), None


def _lowest(dtype):
    """What max pooling pads with: -inf, an integer dtype's minimum (no integer holds -inf),
    or False."""
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min if dtype.kind in "iu" else -np.inf


class PoolScatter(Function):
    """Zeros of the padded input shape with g added at flat `index`, cropped; backward gathers."""

    op_name = "pool_scatter"

    @staticmethod
    def forward(ctx, g, index, padded, padding, unique):
        xp = g.device.xp
        ctx.index, ctx.padding = index, padding
        size = padded[0] * padded[1] * padded[2] * padded[3]
        if unique:  # windows do not overlap: a plain assignment is enough
            out = xp.zeros(size, dtype=g.array.dtype)
            out[index.ravel()] = g.array.ravel()
        else:
            out = xp.bincount(index.ravel(), g.array.ravel(), minlength=size)
            out = out.astype(g.array.dtype, copy=False)
        ph, pw = padding
        out = out.reshape(padded)
        return out[:, :, ph : padded[2] - ph, pw : padded[3] - pw]

    @staticmethod
    def backward(ctx, gy):
        return PoolGather.apply(gy, ctx.index, ctx.padding), None, None, None, None


class PoolGather(Function):
    """y = padded(x).ravel()[index]: the adjoint of PoolScatter (max pooling, replayed)."""

    op_name = "pool_gather"

    @staticmethod
    def forward(ctx, x, index, padding):
        ctx.index, ctx.padding = index, padding
        padded = _pad(x.device.xp, x.array, padding)
        ctx.padded = padded.shape
        return padded.ravel()[index]

    @staticmethod
    def backward(ctx, gy):
        return PoolScatter.apply(gy, ctx.index, ctx.padded, ctx.padding, False), None, None


def pool_arguments(op, input, kernel_size, stride, padding, dilation, ceil_mode, dims=2):
    """PyTorch's checks of a pooling's arguments, for 1 to 3 spatial dims. -> the input with a
    batch dim, whether it came without one, and the Geometry."""
    x, unbatched = _batched(input, op, dims=dims)
    if 0 in x.shape[1:]:  # as PyTorch: only the batch may be empty
        raise RuntimeError(
            f"{op}: expected an input with non-zero channel and spatial sizes (only the batch "
            f"may be empty), got {tuple(input.shape)}"
        )
    geom = Geometry.make(op, kernel_size, stride, padding, dilation, dims)
    if any(2 * p > k for p, k in zip(geom.padding, geom.kernel)):
        raise RuntimeError(
            f"{op}: pad should be at most half of effective kernel size, but got pad="
            f"{geom.padding} and kernel_size={geom.kernel}"
        )
    out = geom.out_size(*x.shape[2:], ceil_mode=ceil_mode)
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: input of shape {tuple(x.shape)} is too small for kernel_size "
            f"{geom.kernel} (output would be {out})"
        )
    return x, unbatched, geom


def ceil_pad(x: Tensor, geom: Geometry, ceil_mode: bool, value) -> Tensor:
    """x, extended on the right of each spatial dim by `value` so that the plain (floor) windows
    of the longer input are ceil_mode's windows of x (the gradient of the extension is dropped).
    """
    if not ceil_mode:
        return x
    for dim, extra in enumerate(geom.ceil_extra(*x.shape[2:]), start=2):
        if extra:
            size = (*x.shape[:dim], extra, *x.shape[dim + 1 :])
            x = cat([x, full(size, value, dtype=x.dtype, device=x.device)], dim)
    return x


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """Max over kh x kw windows. (N, C, H, W) -> (N, C, Ho, Wo) [, indices into H * W]"""
    x, unbatched, geom = pool_arguments(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode
    )
    wide = ceil_pad(x, geom, ceil_mode, _lowest(x.array.dtype))
    y = MaxPool2d.apply(wide, geom)
    if unbatched:
        y = reshape_if_needed(y, y.shape[1:])
    if not return_indices:
        return y
    index = MaxPoolIndices.apply(wide, geom, x.shape[3])
    return y, index[0] if unbatched else index


class MaxPoolIndices(NoGrad):
    """The argmax of each window as an index into its H * W plane (PyTorch's indices), of an
    input W wide (x may be wider: ceil_mode's extension)."""

    op_name = "max_pool2d_indices"

    @staticmethod
    def forward(ctx, x, geom, w):
        pool = MaxPool2d.__new__(MaxPool2d)
        MaxPool2d.forward(pool, x, geom)
        _, _, hp, wp = pool.padded
        ph, pw = geom.padding
        rows, cols = (pool.index % (hp * wp)) // wp - ph, pool.index % wp - pw
        return (rows * w + cols).astype("int64")


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """Mean over kh x kw windows (im2col per channel, then a row sum). -> (N, C, Ho, Wo)"""
    x, unbatched, geom = pool_arguments(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode
    )
    wide = ceil_pad(x, geom, ceil_mode, 0)
    n, c, h, w = wide.shape
    ho, wo = geom.out_size(h, w)
    cols = Im2Col.apply(reshape_if_needed(wide, (n * c, 1, h, w)), geom)
    total = reshape_if_needed(cols.sum(1), (n, c, ho, wo))
    divisor = pool_divisor(
        "avg_pool2d", total, x, geom, ceil_mode, count_include_pad, divisor_override
    )
    y = total / divisor
    return reshape_if_needed(y, y.shape[1:]) if unbatched else y


def pool_divisor(op, total, x, geom: Geometry, ceil_mode, count_include_pad, divisor_override):
    """What average pooling divides each window's sum (`total`) by: divisor_override, or, as
    PyTorch, how many of its pixels lie inside the padded x (count_include_pad), or inside x.
    Only ceil_mode's last windows run past the padded input: the others count the kernel."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero")
        return divisor_override
    size = x.shape[2:]
    if (count_include_pad or not any(geom.padding)) and not any(geom.ceil_extra(*size)):
        return math.prod(geom.kernel)
    # NOTE: a window's count is a product, over dims, of how many of its rows (columns...)
    # are inside: an outer product of one small count per dim. Without dilation (avg pooling
    # has none), a window reads [start, start + k), of which [-p, n + p) or [0, n) counts.
    counts = np.ones(())
    out = geom.out_size(*size, ceil_mode=ceil_mode)
    for n, o, k, s, p in zip(size, out, geom.kernel, geom.stride, geom.padding):
        starts = np.arange(-p, o * s - p, s)
        low, high = (-p, n + p) if count_include_pad else (0, n)
        counts = np.multiply.outer(counts, np.minimum(starts + k, high) - np.maximum(starts, low))
    return Tensor._make(x.device.xp.asarray(counts, dtype=total.array.dtype))
