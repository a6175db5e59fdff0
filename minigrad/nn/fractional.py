"""Fractional max pooling (Graham, 2014), as PyTorch's `fractional_max_pool2d`: kh x kw
windows whose starts step pseudo-randomly by floor or ceil of (H - kh) / (oh - 1), one random
number per plane and dim (`_random_samples` (N, C, 2): [..., 0] for W, [..., 1] for H).

Composed of gathers, so the gradient goes to each window's pick (its first maximum, or its
last nan, as PyTorch scans), with no backward of its own.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import no_grad
from minigrad.creation import arange, full, rand
from minigrad.dtypes import int64
from minigrad.nn.convolution import window_picks
from minigrad.ops._util import kernel_type, normalize_dim
from minigrad.ops.conv import _tuple
from minigrad.ops.shape import cat
from minigrad.tensor import Tensor


def fractional_max_pool2d(
    input: Tensor,
    kernel_size,
    output_size=None,
    output_ratio=None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
):
    """Max over kernel_size windows at fractional steps. (N, C, H, W) or (C, H, W) ->
    (N, C, *output_size) [, indices into H * W]; output_ratio r gives int(H r), int(W r)."""
    op = "fractional_max_pool2d"
    kh, kw = _tuple(kernel_size, "kernel_size", op)
    if input.ndim < 3 and _random_samples is None:  # PyTorch reads input.size(-3) to draw
        normalize_dim(-3, input.ndim, op)
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"{op}(): Expected 3D or 4D tensor, but got: {list(input.shape)} (N, C, H, W or "
            "C, H, W)"
        )
    x = input if input.ndim == 4 else input.unsqueeze(0)
    n, c, h, w = x.shape
    oh, ow = _output_size(op, h, w, output_size, output_ratio)
    for name, out, k, size in (("height", oh, kh, h), ("width", ow, kw, w)):
        if out + k - 1 > size:
            raise RuntimeError(f"{op}(): pool {name} {k} too large relative to input {name} {size}")
    if x.array.dtype.kind != "f":
        raise NotImplementedError(f'{op}: "{op}" not implemented for {kernel_type(x.array.dtype)}')
    samples = _random_samples
    if samples is None:
        samples = rand(n, c, 2, dtype=x.dtype, device=x.device)
    elif samples.dtype != x.dtype:
        raise RuntimeError(f"{op}(): Expect _random_samples to have the same dtype as input")
    elif samples.ndim != 3 or samples.shape[0] < n or samples.shape[1:] != (c, 2):
        raise RuntimeError(
            f"{op}(): Expect _random_samples of shape (N, C, 2), N no less than the input's "
            f"batch size: input {tuple(input.shape)}, _random_samples {tuple(samples.shape)}"
        )
    index = _picks(x, samples[:n], (oh, ow), (kh, kw))
    y = x.flatten(-2).gather(-1, index.flatten(-2)).reshape(index.shape)
    if input.ndim == 3:
        y, index = y[0], index[0]
    return (y, index) if return_indices else y


def _output_size(op: str, h: int, w: int, output_size, output_ratio) -> tuple:
    if output_size is not None:
        return _tuple(output_size, "output_size", op)
    if output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    ratios = (output_ratio,) * 2 if isinstance(output_ratio, (int, float)) else output_ratio
    return int(h * ratios[0]), int(w * ratios[1])


def intervals(sample: Tensor, size: int, out: int, k: int) -> Tensor:
    """The window starts (..., out) along a dim of `size`, one row per sample (...), computed
    in the samples' dtype as PyTorch: int((i + u) a) - int(u a), a = (size - k) / (out - 1),
    and the last window at the end. int64."""
    last = full((*sample.shape, min(out, 1)), size - k, dtype=int64, device=sample.device)
    if out <= 1:
        return last
    # NOTE: a in the samples' dtype (a float32 a is exact as a Python float, so the product
    # below rounds as PyTorch's float32 one); tensor ops, so a static graph recomputes it
    real = np.dtype(sample.array.dtype).type
    alpha = float(real(size - k) / real(out - 1))
    steps = arange(out - 1, dtype=sample.dtype, device=sample.device)
    u = sample.unsqueeze(-1)
    return cat([((steps + u) * alpha).to(int64) - (u * alpha).to(int64), last], -1)


def _picks(x: Tensor, samples: Tensor, sizes: tuple, kernel: tuple) -> Tensor:
    """The flat position (h * W + w) of each window's pick. int64 (N, C, oh, ow)."""
    (oh, ow), (kh, kw), width = sizes, kernel, x.shape[-1]
    with no_grad():
        rows = intervals(samples[..., 1], x.shape[-2], oh, kh)
        cols = intervals(samples[..., 0], width, ow, kw)
        # (N, C, oh, ow, kh, kw): each window's positions, row-major
        rows = rows[:, :, :, None, None, None] + arange(kh, device=x.device)[:, None]
        cols = cols[:, :, None, :, None, None] + arange(kw, device=x.device)
        table = (rows * width + cols).reshape(*x.shape[:2], oh, ow, kh * kw)
        windows = x.flatten(-2).gather(-1, table.flatten(-3)).reshape(table.shape)
        return table.gather(-1, window_picks(windows).unsqueeze(-1)).squeeze(-1)
