"""F.pad and F.interpolate as compositions: an index array picks the source of each output
element (reflect, replicate, circular, nearest; linear blends two picks), and constant padding
concatenates constant blocks. Gradients come from index_select, cat and mul."""

from __future__ import annotations

import math

import numpy as np

from minigrad.creation import full, tensor
from minigrad.ops.shape import cat
from minigrad.tensor import Tensor

_INDEXED = {
    "reflect": lambda j, n: (n - 1) - np.abs((n - 1) - np.abs(j)),
    "replicate": lambda j, n: np.clip(j, 0, n - 1),
    "circular": lambda j, n: j % n,
}


def pad(input, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last len(pad) // 2 dims: pad = (left, right) of the last dim, then of the one
    before, ...; negative amounts crop. Modes: constant (value, default 0), reflect (mirror
    without repeating the edge), replicate (repeat the edge), circular (wrap around)."""
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(
            f"pad: padding length must be even and at most 2 * input.ndim ({2 * input.ndim}), "
            f"got {len(pad)}"
        )
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    if mode == "constant":
        for k, (before, after) in enumerate(pairs):
            input = _pad_constant(input, input.ndim - 1 - k, before, after, value or 0.0)
        return input
    if mode not in _INDEXED:
        raise NotImplementedError(
            f"pad: mode '{mode}' is not supported; use constant, reflect, replicate or circular"
        )
    if value:
        raise RuntimeError(f'pad: padding mode "{mode}" doesn\'t take in value argument')
    if input.ndim not in (len(pairs) + 1, len(pairs) + 2):
        raise NotImplementedError(
            f"pad: padding size {len(pad)} is not supported for {input.ndim}D input tensor in "
            f"mode '{mode}' (it pads the last 1, 2 or 3 dims of a batched or unbatched input)"
        )
    for k, (before, after) in enumerate(pairs):
        dim = input.ndim - 1 - k
        n = input.shape[dim]
        if mode == "reflect" and max(before, after) >= n:
            raise RuntimeError(
                f"pad: padding ({before}, {after}) should be smaller than the dimension {n} it "
                f"reflects (input shape {tuple(input.shape)})"
            )
        if mode == "circular" and max(before, after) > n:
            raise RuntimeError(
                f"pad: circular padding ({before}, {after}) can wrap at most once around size {n}"
            )
        source = _INDEXED[mode](np.arange(-before, n + after), n)
        input = input.index_select(dim, tensor(source, device=input.device))
    return input


def _pad_constant(x: Tensor, dim: int, before: int, after: int, value) -> Tensor:
    if before < 0 or after < 0:  # crop first
        x = x.narrow(dim, -min(before, 0), x.shape[dim] + min(before, 0) + min(after, 0))
    parts = []
    for amount in (max(before, 0), max(after, 0)):
        shape = list(x.shape)
        shape[dim] = amount
        parts.append(full(tuple(shape), value, dtype=x.dtype, device=x.device) if amount else None)
    pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
    return cat(pieces, dim) if len(pieces) > 1 else x


# -- interpolate -----------------------------------------------------------------------------
_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims (all dims after N, C) to `size` or floor(in * scale_factor).
    Modes: nearest (PyTorch's floor(dst * scale) rule), nearest-exact, linear, bilinear,
    trilinear (with align_corners)."""
    dims = input.ndim - 2
    if dims < 1:
        raise ValueError(f"interpolate: expected an (N, C, ...) input, got {tuple(input.shape)}")
    if mode in _DIMS and _DIMS[mode] != dims:
        raise NotImplementedError(
            f"interpolate: mode '{mode}' expects a {_DIMS[mode] + 2}-D input, got "
            f"{tuple(input.shape)}"
        )
    if mode not in _DIMS and mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported by minigrad")
    if align_corners is not None and mode not in _DIMS:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | "
            "bilinear | bicubic | trilinear"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by minigrad")
    sizes, scales = _target(input, size, scale_factor, dims, recompute_scale_factor)
    for k in range(dims):
        dim = 2 + k
        n, out = input.shape[dim], sizes[k]
        if mode in _DIMS:
            # NOTE: PyTorch leaves a dim whose size is kept as it is, whatever the scale factor
            if out != n:
                input = _linear_along(input, dim, n, out, scales[k], bool(align_corners))
        else:
            # NOTE: PyTorch's 2-D nearest kernel (only it) copies a kept size and repeats each
            # element of a doubled one, whatever the scale factor
            if mode == "nearest" and dims == 2 and out in (n, 2 * n):
                source = np.arange(out) // (out // n)
            else:
                source = _nearest_source(n, out, scales[k], mode == "nearest-exact")
            input = input.index_select(dim, tensor(source, device=input.device))
    return input


def _target(input, size, scale_factor, dims, recompute):
    """Output sizes and the scale factors PyTorch uses (None: in / out)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        sizes = [size] * dims if isinstance(size, int) else list(size)
        if len(sizes) != dims:
            raise ValueError(f"interpolate: size {size!r} must have {dims} values")
        return sizes, [None] * dims
    factors = (
        [scale_factor] * dims if not isinstance(scale_factor, (tuple, list)) else list(scale_factor)
    )
    if len(factors) != dims:
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} must have {dims} values")
    sizes = [math.floor(n * f) for n, f in zip(input.shape[2:], factors)]
    return sizes, [None] * dims if recompute else factors


def _scale(n: int, out: int, factor, align_corners: bool, dtype):
    """Source step per output step, in the input's float precision (as PyTorch computes it)."""
    if align_corners:
        return dtype(0) if out <= 1 else dtype(n - 1) / dtype(out - 1)
    return dtype(1.0 / factor) if factor else dtype(n) / dtype(out)


def _float(dtype) -> type:
    return np.float64 if str(dtype).endswith("float64") else np.float32


def _nearest_source(n: int, out: int, factor, exact: bool) -> np.ndarray:
    # NOTE: PyTorch computes nearest indices in float32 whatever the input's dtype
    scale = _scale(n, out, factor, False, np.float32)
    dst = np.arange(out, dtype=np.float32)
    src = np.floor((dst + np.float32(0.5)) * scale) if exact else np.floor(dst * scale)
    return np.minimum(src.astype(np.int64), n - 1)


def _linear_along(x: Tensor, dim: int, n: int, out: int, factor, align_corners: bool) -> Tensor:
    """Blend the two neighbours of each source position: x[i0] * (1 - t) + x[i1] * t."""
    ftype = _float(x.dtype)
    scale = _scale(n, out, factor, align_corners, ftype)
    dst = np.arange(out, dtype=ftype)
    src = dst * scale if align_corners else np.maximum((dst + ftype(0.5)) * scale - ftype(0.5), 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    shape = [1] * x.ndim
    shape[dim] = out
    t = tensor((src - i0).reshape(shape), dtype=x.dtype, device=x.device)
    left = x.index_select(dim, tensor(i0, device=x.device))
    right = x.index_select(dim, tensor(i1, device=x.device))
    return left * (1 - t) + right * t
