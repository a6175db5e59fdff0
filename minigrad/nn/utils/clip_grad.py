"""Gradient clipping, on raw arrays (no graph), as `torch.nn.utils.clip_grad_norm_`."""

from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad.tensor import Tensor

_NORM_EPS = 1e-6  # added to the total norm before dividing, as PyTorch does


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all tensors together, as if concatenated into one vector."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)  # first, so a bad norm_type raises even with no gradients
    if not tensors:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    xp = tensors[0].device.xp
    if norm_type == math.inf:
        total = max(xp.abs(t.array).max() for t in tensors)
    elif norm_type == -math.inf:
        total = min(xp.abs(t.array).min() for t in tensors)
    elif norm_type == 0:  # PyTorch's norm of the per-tensor norms: the tensors not all zero
        total = sum(bool(xp.any(t.array != 0)) for t in tensors)
    elif norm_type == 2.0:
        total = sum(_squares(xp, t.array) for t in tensors) ** 0.5
    else:
        total = sum((xp.abs(t.array) ** norm_type).sum() for t in tensors) ** (1.0 / norm_type)
    total = xp.asarray(total, dtype=tensors[0].array.dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(total)


def _squares(xp, array):
    """The sum of the squares of array's elements.

    # NOTE: as one BLAS dot product for floating arrays: one pass and no temporary, where
    # abs, power and sum made three (a 4x256 MLP's gradients: 120 -> 13 us). Its float32 sums
    # run in vector lanes, as PyTorch's own norm kernel; float16 is summed in float32, as
    # PyTorch does (in float16 the squares of 1,000 numbers near 10 overflow)."""
    if array.dtype.char in "efd":
        flat = array.reshape(-1)
        if array.dtype.char == "e":
            flat = flat.astype(np.float32)
        return flat @ flat
    return (xp.abs(array) ** 2.0).sum()


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite=False, foreach=None
) -> Tensor:
    """Scale all gradients in place so that their total norm is at most max_norm.

    Returns the total norm before clipping. # NOTE: the scale is max_norm / (norm + 1e-6),
    clamped at 1, exactly as PyTorch, so gradients below the limit are left unchanged.
    """
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    _scale(grads, max_norm, total)
    return total


def clip_grad_norm(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite=False, foreach=None
) -> Tensor:
    """Deprecated: clip_grad_norm_ under its old name, with PyTorch's FutureWarning."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """Scale all gradients in place by max_norm / (total_norm + 1e-6), clamped at 1: the second
    half of clip_grad_norm_, given a total norm (from get_total_norm, say)."""
    _scale(_grads(parameters), max_norm, total_norm)


def _scale(grads: list, max_norm: float, total_norm) -> None:
    scale = min(float(max_norm) / (float(total_norm) + _NORM_EPS), 1.0)
    for g in grads:
        if scale != 1.0:  # NOTE: times 1 leaves every value as it is (nan and inf included)
            with np.errstate(invalid="ignore"):  # an inf gradient times 0 is nan, silently
                g.array *= g.array.dtype.type(scale)
        g._version += 1


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value] in place."""
    for g in _grads(parameters):
        xp = g.device.xp
        xp.clip(g.array, -clip_value, clip_value, out=g.array)
        g._version += 1
