"""Normalisation: batch_norm and layer_norm share one op, `Standardize`, plus an affine step.

Standardize: xhat = (x - mean) / sqrt(var + eps) over `dims` (biased variance, as PyTorch).
# NOTE: its backward is the classic fused formula
#   gx = invstd * (g - mean(g) - xhat * mean(g * xhat)),
# written with Tensor ops on the saved output xhat, so it is itself differentiable.
"""

from __future__ import annotations

from minigrad import dtypes
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import state
from minigrad.ops._util import half_as_float32, require_floating
from minigrad.ops.reduce import mean, var
from minigrad.ops.selection import cast
from minigrad.ops.shape import reshape
from minigrad.ops.unary import rsqrt
from minigrad.tensor import Tensor


class Standardize(Function):
    """xhat = (x - mean) * rsqrt(var + eps) over dims; saves xhat. (*) -> (*)"""

    op_name = "standardize"

    def name(self):
        ndim = len(self._edges[0][2])  # batch_norm's dims are (0, 2, ...), layer_norm's the last
        batch = ndim >= 2 and 0 in self.dims and 1 not in self.dims
        return "NativeBatchNormBackward0" if batch else "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, dims, eps, stats=None):
        xp, dtype = x.device.xp, x.array.dtype
        work = half_as_float32(x.array)
        m, v = stats if stats is not None else _moments(work, dims)
        invstd = 1.0 / xp.sqrt(v + eps)
        xhat = Tensor._make(((work - m) * invstd).astype(dtype, copy=False))
        ctx.save_for_backward(x, xhat)
        ctx.dims, ctx.eps, ctx.invstd = dims, eps, invstd.astype(dtype, copy=False)
        return xhat

    @staticmethod
    def backward(ctx, g):
        x, xhat = ctx.saved_tensors
        dims = ctx.dims
        if state.enabled:  # create_graph: invstd as an op of x, so second derivatives see it
            invstd = rsqrt(var(x, dims, correction=0, keepdim=True) + ctx.eps)
        else:
            invstd = Tensor._make(ctx.invstd)
        gx = g - mean(g, dims, keepdim=True) - xhat * mean(g * xhat, dims, keepdim=True)
        return invstd * gx, None, None, None


def _moments(array, dims):
    """Mean and biased variance over dims, kept for broadcasting."""
    m = array.mean(axis=dims, keepdims=True)
    centered = array - m
    return m, (centered * centered).mean(axis=dims, keepdims=True)


def checked_input(input: Tensor, *params) -> Tensor:
    """The input to normalise, after PyTorch's CPU rule for a norm's parameters (weight, bias,
    running statistics): of the input's dtype, or float32 for a float16 input, which is then
    normalised in float32 (and its result rounded to float16 once)."""
    mixed = False
    for p in params:
        if p is None or p.dtype is input.dtype:
            continue
        if not (input.dtype is dtypes.float16 and p.dtype is dtypes.float32):
            raise RuntimeError(
                f"mixed dtype (CPU): all inputs must share same datatype (input {input.dtype}, "
                f"parameter {p.dtype})"
            )
        mixed = True
    return cast(input, dtypes.float32) if mixed else input


def _as_input(y: Tensor, input: Tensor) -> Tensor:
    """y in input's dtype: float16 normalised with float32 parameters stays float16."""
    return y if y.dtype is input.dtype else cast(y, input.dtype)


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
    x = checked_input(input, weight, bias, running_mean, running_var)
    shape = _channel_shape(input)
    dims = (0, *range(2, input.ndim))
    if training:
        count = input.array.size // input.shape[1]
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {tuple(input.shape)}"
            )
        stats = _moments(x.array, dims)
        if running_mean is not None:
            _update_running(running_mean, running_var, stats, momentum, count)
        # NOTE: the batch's moments are raw arrays; in a static graph they would be frozen at
        # the traced batch, so there Standardize computes them itself at each replay
        y = Standardize.apply(x, dims, eps, stats if state.tracer is None else None)
    else:
        y = (x - reshape(running_mean, shape)) * reshape(rsqrt(running_var + eps), shape)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return _as_input(y, input)


def _update_running(running_mean, running_var, stats, momentum, count):
    """running = (1 - momentum) * running + momentum * batch (unbiased variance), in place."""
    m, v = stats
    for running, batch in ((running_mean, m), (running_var, v * (count / (count - 1)))):
        running.array *= 1 - momentum
        running.array += momentum * batch.reshape(-1)
        running._version += 1


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) dims, then scale and shift. (*, D) -> (*, D)"""
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k :]) != normalized_shape or input.ndim < k:
        raise RuntimeError(
            f"layer_norm: expected input with shape (*, {', '.join(map(str, normalized_shape))}), "
            f"got {tuple(input.shape)}"
        )
    require_floating("LayerNormKernelImpl", input)
    x = checked_input(input, weight, bias)
    y = Standardize.apply(x, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return _as_input(y, input)
