"""Normalisation: batch_norm (training), layer_norm and group_norm share one op, `Normalize`:
y = xhat * weight + bias, xhat = (x - mean) / sqrt(var + eps) over `dims` (biased variance,
as PyTorch), weight and bias optional.
# NOTE: the gradient is the classic fused formula, with g' = g * weight,
#   gx = invstd * (g' - mean(g') - xhat * mean(g' xhat)),
# as one op on arrays (NormalizeGrad); a backward that builds a graph (create_graph) writes
# it with Tensor ops instead, so that it is itself differentiable.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import FirstOrderGrad, Function, check_same_device
from minigrad.autograd.grad_mode import state
from minigrad.ops._util import (
    _MATMUL_SUM_MAX_ROW,
    cast_to,
    half_as_float32,
    require_floating,
    sum_array,
)
from minigrad.ops.reduce import mean, var
from minigrad.ops.selection import cast
from minigrad.ops.shape import reshape_if_needed, sum_to, sum_to_axes
from minigrad.ops.unary import rsqrt
from minigrad.tensor import Tensor


class Normalize(Function):
    """y = xhat * weight + bias over dims, weight and bias (optional) viewed as `shape`.
    (*) -> (*)"""

    op_name = "normalize"

    def name(self):
        # batch_norm's dims are (0, 2, ...); group_norm's (2, 3) of (N, groups, C / groups, *),
        # its weight viewed over all four; layer_norm's the last
        ndim = len(self._edges[0][2])
        if ndim >= 2 and 0 in self.dims and 1 not in self.dims:
            return "NativeBatchNormBackward0"
        if 0 not in self.dims and len(self.shape) == ndim:
            return "NativeGroupNormBackward0"
        return "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, dims, eps, shape, stats=None):
        xp, dtype = x.device.xp, x.array.dtype
        ctx.save_for_backward(x, weight, bias)
        ctx.dims, ctx.eps, ctx.shape = dims, eps, shape
        w = None if weight is None else weight.array.reshape(shape)
        b = None if bias is None else bias.array.reshape(shape)
        rows = _rows(xp, x.array, dims, shape) if stats is None else None
        if rows is not None:  # a layer norm's rows
            ctx.centred = False
            xhat, invstd = _normalize_rows(rows, eps)
            xhat = ctx.xhat = xhat.reshape(x.array.shape)
            ctx.invstd = invstd.reshape(x.array.shape[: dims[0]] + (1,) * len(dims))
        else:
            m, v, centred = stats if stats is not None else _moments(xp, x.array, dims)
            invstd = 1.0 / xp.sqrt(v + eps)
            ctx.invstd = invstd.astype(dtype, copy=False)
            ctx.centred = (
                w is not None and dtype.char in "fd" and _per_channel(x.array, dims, shape)
            )
            if ctx.centred:
                # NOTE: a batch norm's or group norm's invstd and weight are one scale per
                # channel: y = (x - mean) * scale + bias, one pass fewer; backward reads
                # x - mean, and xhat is never made
                ctx.xhat = centred
                y = _broadcast_op(xp, xp.multiply, centred, invstd * w)
                return y if b is None else _broadcast_op(xp, xp.add, y, b, out=y)
            centred *= invstd
            xhat = ctx.xhat = centred.astype(dtype, copy=False)
        if w is not None:
            y = _broadcast_op(xp, xp.multiply, xhat, w)
            if b is not None:
                _broadcast_op(xp, xp.add, y, b, out=y)
        elif b is not None:
            y = _broadcast_op(xp, xp.add, xhat, b)
        else:
            y = xhat.copy()  # NOTE: backward reads xhat: the output must not share its memory
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, bias = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if state.enabled:  # create_graph: a backward that can be differentiated in turn
            return (*_normalize_graph(ctx, g, x, weight, bias, needs), None, None, None, None)
        xhat, invstd = Tensor._make(ctx.xhat), Tensor._make(ctx.invstd)
        bias_shape = None if bias is None else bias.array.shape
        grads = NormalizeGrad.apply(
            g, xhat, invstd, weight, ctx.dims, ctx.shape, needs[:3], bias_shape, ctx.centred
        )
        grads = iter(grads if type(grads) is tuple else (grads,))
        return (*(next(grads) if need else None for need in needs[:3]), None, None, None, None)


class NormalizeGrad(FirstOrderGrad):
    """Normalize's gradients as one op, from the gradient g of y, the saved xhat (or, where
    `centred`, x - mean, whose xhat is (x - mean) invstd) and invstd, and the weight: those of
    x, weight and bias that `needs` asks for, in that order (one alone: not in a tuple).
    float16 is computed in float32.

    # NOTE: not differentiable: a backward with create_graph=True writes Normalize's gradient
    # with Tensor ops instead (_normalize_graph)."""

    op_name = "normalize_grad"
    twice = "batch_norm, layer_norm or group_norm"

    @staticmethod
    def forward(ctx, g, xhat, invstd, weight, dims, shape, needs, bias_shape, centred=False):
        xp, dtype = g.device.xp, g.array.dtype
        given = g.array
        g, xhat, invstd = (half_as_float32(t.array) for t in (g, xhat, invstd))
        # NOTE: a broadcast gradient (of a sum, say) made contiguous once, so that the sums
        # below take their matrix-product paths rather than NumPy's strided loops; a copy is
        # this op's own, and x's gradient is then written into it
        g = xp.ascontiguousarray(g)
        owned = g is not given and not xp.may_share_memory(g, given)
        w = None if weight is None else half_as_float32(weight.array).reshape(shape)
        params = sum_to_axes(g.shape, shape)  # the axes the weight and bias broadcast over
        out = []
        # NOTE: the sums of g and g xhat that the weight's and bias's gradients need serve x's
        # too: over the same axes for a batch norm, summed once more over the batch for a group
        # norm's (N, groups, C / groups, positions) (PyTorch's kernels do the same)
        grouped, sums = dims == (2, 3) and params == (0, 3), None
        if grouped or params == dims:
            axes = (3,) if grouped else dims
            sums = _sums(xp, g, axes), _dot_sums(xp, g, xhat, axes)
            if centred:  # sums of g (x - mean): times invstd, those of g xhat
                sums = sums[0], sums[1] * invstd
        count = math.prod(g.shape[d] for d in dims)
        if sums is not None:
            gw, gb = (s.sum(0) if grouped else s for s in sums[::-1])
            if needs[0]:
                args = (invstd, w, *sums, count, grouped, centred, owned)
                out.append(_channel_gx(xp, g, xhat, *args))
        elif _rows(xp, g, dims, shape) is not None and xhat.flags.c_contiguous:  # a layer norm's
            gx, gw, gb = _row_grads(g, xhat, invstd, w, count, needs, owned)
            if needs[0]:
                out.append(gx)
        else:
            # NOTE: the weight's and bias's sums first, so that x's gradient can be written
            # over g where g is this op's own
            gb = _sums(xp, g, params) if needs[2] else None
            gw = _dot_sums(xp, g, xhat, params) if needs[1] else None
            if needs[0]:
                g_w = g if w is None else _broadcast_op(xp, xp.multiply, g, w, g if owned else None)
                g_sum, g_dot = _sums(xp, g_w, dims), _dot_sums(xp, g_w, xhat, dims)
                out.append(_gx(g_w, xhat, invstd, g_sum, g_dot, count))
        # NOTE: a result of the right shape is not reshaped: a view is checked against the
        # inputs' memory as this op's output
        if needs[1]:
            w_shape = weight.array.shape
            out.append(gw if gw.shape == w_shape else gw.reshape(w_shape))
        if needs[2]:
            out.append(gb if gb.shape == bias_shape else gb.reshape(bias_shape))
        out = [cast_to(a, dtype) for a in out]
        return tuple(out) if len(out) > 1 else out[0]


def _gx(g_w, xhat, invstd, g_sum, g_dot, count):
    """The gradient of x: invstd (g' - g_sum / count - xhat g_dot / count), from g' = g w
    and its sums over the dims normalised (a layer norm's rows), g_sum of g' and g_dot of
    g' xhat."""
    gx = xhat * (g_dot / count)
    gx -= g_w
    gx += g_sum / count
    gx *= -invstd
    return gx


def _row_grads(g, xhat, invstd, w, n, needs, owned) -> tuple:
    """A layer norm's gradients of x, the weight and the bias (None where `needs` asks for
    none), from g and xhat (C-contiguous, rows of n values at the end), invstd (one per row,
    dims kept) and w (n values, as the rows' trailing dims) or None; x's written over g where
    `owned`, the weight's and bias's as n values.

    # NOTE: every sum is a matrix-vector product with g or g xhat, made once: over the rows
    # with ones for the weight and the bias, and along them with w, since sum(g') = g w and
    # sum(g' xhat) = (g xhat) w for g' = g w; g' is then made for x's gradient alone (the sums
    # of g' and of g' xhat took a product of each row and a pass more)"""
    g_xhat = g * xhat
    rows, xhat_rows = g.reshape(-1, n), g_xhat.reshape(-1, n)
    gw = sum_array(np, xhat_rows, (0,)) if needs[1] else None
    gb = sum_array(np, rows, (0,)) if needs[2] else None
    if not needs[0]:
        return None, gw, gb
    if w is None:
        g_w, g_sum, g_dot = g, sum_array(np, rows, (1,)), sum_array(np, xhat_rows, (1,))
    else:
        w_row = w.reshape(n)
        g_sum, g_dot = rows @ w_row, xhat_rows @ w_row
        g_w = _broadcast_op(np, np.multiply, g, w, out=g if owned else None)
    kept = invstd.shape
    return _gx(g_w, xhat, invstd, g_sum.reshape(kept), g_dot.reshape(kept), n), gw, gb


def _channel_gx(xp, g, x, invstd, w, g_sums, g_dots, count, grouped, centred, owned):
    """A batch norm's or group norm's gradient of x, from the sums of g and of g xhat over the
    positions per channel (a group norm's also per sample: (n, groups, C / groups, 1)): the
    classic formula regrouped as g (w invstd) - xhat (invstd / count) sum(g' xhat)
    - (invstd / count) sum(g'), g' = g w, summed over the group's channels for a group norm;
    x is xhat, or x - mean where `centred` (its factor then takes invstd once more), and the
    result written over g where `owned`. Three passes over the input and a product (the
    formula's g' and its sums took eight)."""
    if w is not None:
        g_sums, g_dots = g_sums * w, g_dots * w
    if grouped:
        g_sums, g_dots = g_sums.sum(2, keepdims=True), g_dots.sum(2, keepdims=True)
    per_element = invstd / count
    scale = invstd if w is None else w * invstd
    x_scale = g_dots * (per_element * invstd if centred else per_element)
    gx = _broadcast_op(xp, xp.multiply, g, scale, out=g if owned else None)
    gx -= _broadcast_op(xp, xp.multiply, x, x_scale)
    return _broadcast_op(xp, xp.subtract, gx, g_sums * per_element, out=gx)


def _per_channel(array, dims, shape) -> bool:
    """Whether the weight, viewed as shape, is constant over the dims normalised, as invstd is
    over the others: a batch norm's channels, a group norm's (not a layer norm's)."""
    params = sum_to_axes(array.shape, shape)
    return params == dims or (dims == (2, 3) and params == (0, 3))


# NOTE: NumPy's buffer size: rows of this many values or more run without its buffering
_TILE = 8192


def _broadcast_op(xp, op, a, v, out=None):
    """op(a, v) for a C-contiguous array a and a smaller array v that broadcasts to a's shape,
    into out (a new array if None).

    # NOTE: NumPy runs a broadcast operand through its buffers in inner loops of one row (the
    # dims v varies over), at half the speed of a plain pass: x * w on 512x512 float32, w a
    # row, 50 us against 26 for x * y. When v varies along a's trailing dims only (a layer
    # norm's weight, a batch norm's of (N, C)), k copies of it end to end make rows of at
    # least _TILE values, which run as a plain pass with two inputs (41 us); shorter tiles
    # gain nothing (measured from 1024 on)."""
    tiled = _tiles(xp, a, v)
    if tiled is None:
        if a.size < 4 * _TILE or not _unbuffered(xp, a, v):
            return op(a, v) if out is None else op(a, v, out=out)
        previous = np.setbufsize(_RUN_MIN)
        try:
            return op(a, v) if out is None else op(a, v, out=out)
        finally:
            np.setbufsize(previous)
    if out is None:
        out = xp.empty(a.shape, xp.result_type(a, v))
    rows, row = tiled
    op(rows, row, out=out.reshape(rows.shape))
    return out


# NOTE: runs of a this long or longer, over which v is constant, go unbuffered (see below)
_RUN_MIN = 256


def _unbuffered(xp, a, v) -> bool:
    """Whether v is constant along runs of _RUN_MIN to _TILE values at the end of a's rows
    (a batch norm's or group norm's positions), a C-contiguous NumPy array.

    # NOTE: NumPy (2.3 on) copies such a broadcast through its buffers to make inner loops of
    # its buffer size (8192) from the runs; with a buffer size no longer than a run, each run
    # is one inner loop read in place: twice as fast (131,072 float32 in runs of 256: 41 ->
    # 24 us, of 1024: 33 -> 16), worth setting the buffer size (1.4 us) from 32,768 values
    # on (_broadcast_op asks from there). Shorter runs (64: 45 -> 74 us) keep the buffers,
    # and longer ones need none."""
    if xp is not np or not a.flags.c_contiguous:
        return False
    run, v_shape = 1, (1,) * (a.ndim - v.ndim) + v.shape
    for size, v_size in zip(a.shape[::-1], v_shape[::-1]):
        if v_size != 1:
            break
        run *= size
    return _RUN_MIN <= run < _TILE


def _tiles(xp, a, v):
    """(a as rows of k n values, v's n values k times end to end) when v varies along a's
    trailing dims only and that fits; None otherwise."""
    n = v.size
    if xp is not np or n >= _TILE or a.size < 4 * _TILE or not a.flags.c_contiguous:
        return None
    trailing = v.shape
    while trailing and trailing[0] == 1:
        trailing = trailing[1:]
    if not trailing or a.shape[a.ndim - len(trailing) :] != trailing:
        return None
    rows, k = a.size // n, -(-_TILE // n)
    if rows % k:
        k = 1 << (k - 1).bit_length()  # batch sizes are often powers of two
        if rows % k:
            return None
    return a.reshape(-1, k * n), xp.tile(v.reshape(-1), k)


def _normalize_graph(ctx, g, x, weight, bias, needs):
    """Normalize's gradients as Tensor ops (differentiable): those of x, weight and bias."""
    dims, shape = ctx.dims, ctx.shape
    invstd = rsqrt(var(x, dims, correction=0, keepdim=True) + ctx.eps)
    xhat = (x - mean(x, dims, keepdim=True)) * invstd
    g_xhat = g if weight is None else g * reshape_if_needed(weight, shape)
    gx = gw = gb = None
    if needs[0]:
        centred = g_xhat - mean(g_xhat, dims, keepdim=True)
        gx = invstd * (centred - xhat * mean(g_xhat * xhat, dims, keepdim=True))
    if needs[1]:
        gw = reshape_if_needed(sum_to(g * xhat, shape), weight.shape)
    if needs[2]:
        gb = reshape_if_needed(sum_to(g, shape), bias.shape)
    return gx, gw, gb


def _sums(xp, a, axes):
    """a summed over axes, dims kept; over the batch and the trailing positions of a
    C-contiguous array (a batch norm's channels, a group norm's), as one matrix-vector product
    with ones and a sum over the batch.

    # NOTE: NumPy sums those axes about three times slower (its loops run over the batch)."""
    kept = _channel_axes(xp, a, axes)
    if kept:
        n, c, positions = a.shape[0], math.prod(kept), math.prod(a.shape[1 + len(kept) :])
        rows = a.reshape(n * c, positions)
        sums = (rows @ xp.ones(positions, a.dtype)).reshape(n, c).sum(0)
        return sums.reshape((1, *kept) + (1,) * (a.ndim - 1 - len(kept)))
    return sum_array(xp, a, axes, keepdims=True)


def _dot_sums(xp, a, b, axes):
    """(a * b) summed over axes, dims kept; for a batch norm's or group norm's channels, one
    batched dot product a row (no product array)."""
    kept = _channel_axes(xp, a, axes)
    if kept and b.flags.c_contiguous:
        n, c, positions = a.shape[0], math.prod(kept), math.prod(a.shape[1 + len(kept) :])
        dots = a.reshape(n * c, 1, positions) @ b.reshape(n * c, positions, 1)
        return dots.reshape(n, c).sum(0).reshape((1, *kept) + (1,) * (a.ndim - 1 - len(kept)))
    if _trailing_rows(a, b, axes):  # a layer norm's rows, a group norm's groups
        lead = a.shape[: axes[0]]
        rows, positions = math.prod(lead), math.prod(a.shape[axes[0] :])
        dots = a.reshape(rows, 1, positions) @ b.reshape(rows, positions, 1)
        return dots.reshape(lead + (1,) * len(axes))
    return sum_array(xp, a * b, axes, keepdims=True)


def _trailing_rows(a, b, axes) -> bool:
    """Whether axes are a's trailing ones, of rows short enough for one dot product each.

    # NOTE: a batched product (rows, 1, n) @ (rows, n, 1) needs no product array: half the
    # passes of sum(a * b) (a group norm's 128 rows of 4096: 340 -> 190 us). Rows longer than
    # _MATMUL_SUM_MAX_ROW keep NumPy's pairwise sum, more accurate there, as sum_array."""
    return (
        bool(axes)  # (none: a layer norm's weight over an input of its shape)
        and axes[0] > 0
        and axes == tuple(range(axes[0], a.ndim))
        and a.dtype.char in "fd"
        and a.dtype == b.dtype
        and a.flags.c_contiguous
        and b.flags.c_contiguous
        and math.prod(a.shape[axes[0] :]) <= _MATMUL_SUM_MAX_ROW
    )


def _channel_axes(xp, a, axes) -> tuple:
    """The kept dims a[1:k] when axes are (0, k, ..., a.ndim - 1), k >= 2 (the batch and the
    positions: a batch norm's channels, a group norm's groups and their channels are kept);
    () otherwise, or when a is not a C-contiguous float32 or float64 array.

    # NOTE: on CuPy too (cuBLAS), so that a model's gradients round alike on both devices"""
    if (
        a.ndim > 2
        and len(axes) >= 2
        and axes[0] == 0
        and axes == (0, *range(axes[1], a.ndim))
        and axes[1] >= 2
        and a.dtype.char in "fd"
        and a.flags.c_contiguous
    ):
        return a.shape[1 : axes[1]]
    return ()


def _rows(xp, array, dims, shape):
    """A layer norm's array (its weight's `shape` that of the trailing dims normalised) as
    rows (r, n) for NumPy's matrix-vector products; None for another norm, an array not
    float32, float64 or C-contiguous, or rows longer than _MATMUL_SUM_MAX_ROW (NumPy's
    pairwise sums are more accurate there)."""
    k = len(dims)
    if (
        xp is not np
        or k != len(shape)
        or dims[-1] != array.ndim - 1
        or array.dtype.char not in "fd"
        or not array.flags.c_contiguous
    ):
        return None
    n = math.prod(array.shape[array.ndim - k :])
    return array.reshape(-1, n) if 0 < n <= _MATMUL_SUM_MAX_ROW else None


def _normalize_rows(rows, eps):
    """(xhat, invstd) of a layer norm's rows (r, n): xhat (r, n), a new array, invstd (r, 1);
    the mean and the biased variance as `_moments`, without its checks for other norms."""
    n = rows.shape[1]
    m = sum_array(np, rows, (1,), True) / n
    centred = _broadcast_op(np, np.subtract, rows, m)
    v = (centred.reshape(-1, 1, n) @ centred.reshape(-1, n, 1)).reshape(-1, 1) / n
    invstd = 1.0 / np.sqrt(v + eps)
    return _broadcast_op(np, np.multiply, centred, invstd, out=centred), invstd


def _moments(xp, array, dims):
    """Mean and biased variance over dims (kept for broadcasting), and array - mean (a new
    array; float16 in float32)."""
    array = half_as_float32(array)
    count = math.prod(array.shape[d] for d in dims)
    m = _sums(xp, array, dims) / count
    centred = _broadcast_op(xp, xp.subtract, array, m)
    return m, _dot_sums(xp, centred, centred, dims) / count, centred


def checked_input(op: str, input: Tensor, *params) -> Tensor:
    """The input to normalise, after PyTorch's CPU rule for a norm's parameters (weight, bias,
    running statistics): of the input's dtype, or float32 for a float16 input, which is then
    normalised in float32 (and its result rounded to float16 once)."""
    mixed, dtype = False, input.array.dtype  # NOTE: arrays' dtypes: a hot path
    for p in params:
        if p is None or p.array.dtype == dtype:
            continue
        if not (input.dtype is dtypes.float16 and p.dtype is dtypes.float32):
            raise RuntimeError(
                f"{op}: mixed dtype (CPU): all inputs must share same datatype (input "
                f"{input.dtype}, parameter {p.dtype})"
            )
        mixed = True
    return cast(input, dtypes.float32) if mixed else input


def _as_input(y: Tensor, input: Tensor) -> Tensor:
    """y in input's dtype: float16 normalised with float32 parameters stays float16."""
    return y if y.array.dtype == input.array.dtype else cast(y, input.dtype)


def _channel_shape(x: Tensor) -> tuple:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims. (N, C, *) -> (N, C, *)"""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    require_floating("batch_norm", input)
    channels = input.shape[1]
    given = ("running_mean", running_mean), ("running_var", running_var), ("weight", weight)
    for name, t in (*given, ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(
                f"{name} should contain {channels} elements not {t.numel()} (batch_norm of an "
                f"input of shape {tuple(input.shape)})"
            )
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("batch_norm: running_mean must be defined in evaluation mode")
    check_same_device("batch_norm", input, weight, bias, running_mean, running_var)
    x = checked_input("batch_norm", input, weight, bias, running_mean, running_var)
    shape = _channel_shape(input)
    dims = (0, *range(2, input.ndim))
    if training:
        if input.array.size == 0:  # an empty batch: PyTorch's comes back, the stats untouched
            return input.clone()
        count = input.array.size // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {tuple(input.shape)}"
            )
        stats = _moments(x.device.xp, x.array, dims)
        if running_mean is not None:
            _update_running(running_mean, running_var, stats, momentum, count)
        # NOTE: the batch's moments are raw arrays; in a static graph they would be frozen at
        # the traced batch, so there Normalize computes them itself at each replay
        stats = stats if state.tracer is None else None
        return _as_input(Normalize.apply(x, weight, bias, dims, eps, shape, stats), input)
    # NOTE: x * scale + shift per channel, as PyTorch's CPU kernel: two passes over x, where
    # (x - mean) * invstd * weight + bias made four
    scale = rsqrt(running_var + eps)
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale if bias is None else bias - running_mean * scale
    y, shift = x * reshape_if_needed(scale, shape), reshape_if_needed(shift, shape)
    # NOTE: with no graph recorded (eval under no_grad) the shift is added in place into the
    # product, this op's own array: one full-size array fewer (with a graph, the in-place node
    # cost more in backward than it saved)
    return _as_input(y + shift if y.requires_grad else y.add_(shift), input)


def _update_running(running_mean, running_var, stats, momentum, count):
    """running = (1 - momentum) * running + momentum * batch (unbiased variance), in place."""
    m, v = stats[:2]
    for running, batch in ((running_mean, m), (running_var, v * (count / (count - 1)))):
        running.array *= 1 - momentum
        running.array += momentum * batch.reshape(-1)
        running._version += 1


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) dims, then scale and shift. (*, D) -> (*, D)"""
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    k, shape = len(normalized_shape), input.array.shape  # (arrays' shapes: a hot path)
    if len(shape) < k or shape[len(shape) - k :] != normalized_shape:
        raise RuntimeError(
            f"layer_norm: expected input with shape (*, {', '.join(map(str, normalized_shape))}), "
            f"got {tuple(input.shape)}"
        )
    require_floating("LayerNormKernelImpl", input)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.array.shape != normalized_shape:
            raise RuntimeError(
                f"layer_norm: expected {name} of shape normalized_shape {normalized_shape}, got "
                f"{tuple(t.shape)}"
            )
    x = checked_input("layer_norm", input, weight, bias)
    dims = tuple(range(len(shape) - k, len(shape)))
    return _as_input(Normalize.apply(x, weight, bias, dims, eps, normalized_shape), input)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise each sample's channels in num_groups groups (over the group's channels and all
    positions), then scale and shift per channel. (N, C, *) -> (N, C, *)

    # NOTE: one Normalize over the last two dims of (N, groups, C / groups, positions), the
    # weight and bias viewed as (1, groups, C / groups, 1): a layer norm of the groups followed
    # by a multiply and an add made three nodes and twice the passes over the input"""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(
            f"group_norm: expected an (N, C, *) input with C divisible by num_groups="
            f"{num_groups}, got {tuple(input.shape)}"
        )
    require_floating("GroupNormKernelImpl", input)
    n, c = input.shape[:2]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.shape[0] != c):
            raise RuntimeError(
                f"group_norm: Expected {name} to be a vector of size equal to the number of "
                f"channels in input, but got {name} of shape {list(t.shape)} and input of "
                f"shape {list(input.shape)}"
            )
    x = checked_input("group_norm", input, weight, bias)
    grouped = (n, num_groups, c // num_groups, math.prod(input.shape[2:]))
    shape = (1, *grouped[1:3], 1)
    y = Normalize.apply(reshape_if_needed(x, grouped), weight, bias, (2, 3), eps, shape)
    return _as_input(reshape_if_needed(y, tuple(input.shape)), input)
