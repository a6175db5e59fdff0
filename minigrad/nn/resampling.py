"""F.pad, F.interpolate, F.affine_grid and F.grid_sample as compositions: an index array picks
the source of each output element (reflect, replicate, circular, nearest; linear blends two
picks; grid_sample gathers the neighbours of each grid point), and constant padding
concatenates constant blocks. Gradients come from index_select, gather, cat and mul."""

from __future__ import annotations

import itertools
import math
import warnings
from functools import partial

import numpy as np

from minigrad import dtypes
from minigrad.creation import _linspace_values, full, tensor
from minigrad.ops._util import require_floating
from minigrad.ops.indexing import BlendAlong
from minigrad.ops.selection import where
from minigrad.ops.shape import cat
from minigrad.tensor import Tensor


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
        out = input
        for k, (before, after) in enumerate(pairs):
            out = _pad_constant(out, out.ndim - 1 - k, before, after, value or 0.0)
        return input.clone() if out is input else out  # a new tensor, as PyTorch's, always
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
        source = _INDEXED[mode](before, after, n)
        input = input.index_select(dim, tensor(source, device=input.device))
    return input


def _circular_source(before: int, after: int, n: int) -> np.ndarray:
    """Circular padding's source indices: as PyTorch's, a negative amount crops first and the
    wrap goes around what is left (m elements), at most once."""
    start, m = max(-before, 0), n - max(-before, 0) - max(-after, 0)
    if max(before, after) > m:
        raise RuntimeError(
            f"pad: circular padding ({before}, {after}) can wrap at most once around size {m}"
        )
    return start + np.arange(-max(before, 0), m + max(after, 0)) % m


# each mode's source index of every output element along a padded dim of size n
_INDEXED = {
    "reflect": lambda before, after, n: (
        (n - 1) - np.abs((n - 1) - np.abs(np.arange(-before, n + after)))
    ),
    "replicate": lambda before, after, n: np.clip(np.arange(-before, n + after), 0, n - 1),
    "circular": _circular_source,
}


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
_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


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
    bicubic, trilinear (with align_corners), area (adaptive average pooling); antialias=True
    (bilinear and bicubic of 4-D inputs) filters as PyTorch's antialiased kernel."""
    dims = input.ndim - 2
    if not 1 <= dims <= 3:  # PyTorch's exception type and words; an (N, C, ...) input
        raise NotImplementedError(
            f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got "
            f"{input.ndim}D) for the modes: nearest | linear | bilinear | trilinear | "
            f"nearest-exact (got {mode}); input shape {tuple(input.shape)}"
        )
    if mode not in _DIMS and mode not in ("nearest", "nearest-exact", "area"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported by minigrad")
    if align_corners is not None and mode not in _DIMS:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | "
            "bilinear | bicubic | trilinear"
        )
    sizes, scales = _target(input, size, scale_factor, dims, recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError(
            "interpolate: Anti-alias option is restricted to bilinear, bicubic, and lanczos "
            f"modes and requires a 4-D tensor as input, got mode '{mode}' and shape "
            f"{tuple(input.shape)}"
        )
    if antialias and input.dtype != dtypes.uint8:  # PyTorch's integer kernel is uint8's alone
        require_floating("compute_index_ranges_weights", input)
    # after the sizes: PyTorch refuses a size of the wrong length first (ValueError)
    if mode in _DIMS and _DIMS[mode] != dims:
        raise NotImplementedError(
            f"interpolate: mode '{mode}' expects a {_DIMS[mode] + 2}-D input, got "
            f"{tuple(input.shape)}"
        )
    if mode == "area":  # PyTorch's: adaptive average pooling to the output size
        from minigrad.nn import convolution

        return getattr(convolution, f"adaptive_avg_pool{dims}d")(input, sizes)
    if min(sizes) < 1:
        raise RuntimeError(
            f"interpolate: input and output sizes should be greater than 0, but got input "
            f"{tuple(input.shape[2:])} and output {tuple(sizes)}"
        )
    if mode in ("nearest", "nearest-exact"):
        return _nearest(input, sizes, scales, mode == "nearest-exact")
    # NOTE: integers are blended as PyTorch's uint8 kernel does: one dim at a time from the
    # last, each pass in float, rounded and saturated to the dtype (cubic weights overshoot: 0
    # and 255 neighbours give -10 and 260); its fixed-point weights leave a few pixels one apart
    # (antialiased, PyTorch's separable kernel also goes from the last dim, in every dtype)
    integer = np.dtype(input.dtype.np).kind in "iu"
    y = input
    for k in reversed(range(dims)) if integer or antialias else range(dims):
        dim = 2 + k
        n, out = input.shape[dim], sizes[k]
        # NOTE: PyTorch's linear modes leave a dim whose size is kept as it is, whatever the
        # scale factor; bicubic resamples it with that factor (but not in integers, nor
        # antialiased)
        if out != n or (mode == "bicubic" and not integer and not antialias):
            along = _cubic_along if mode == "bicubic" else _linear_along
            if antialias:
                along = partial(_antialias_along, cubic=mode == "bicubic")
            source = y.double() if integer else y
            blended = along(source, dim, n, out, scales[k], bool(align_corners))
            y = _saturated(blended, input.dtype) if integer else blended
    return input.clone() if y is input else y  # a new tensor, as PyTorch's, always


def _saturated(x: Tensor, dtype) -> Tensor:
    """x rounded to the nearest integer and cast to the integer dtype, clamped at its bounds."""
    bounds = np.iinfo(dtype.np)
    return x.round().clamp(float(bounds.min), float(bounds.max)).to(dtype)


def _nearest(input: Tensor, sizes, scales, exact: bool) -> Tensor:
    """Pick each output element's source along each spatial dim in turn."""
    dims = len(sizes)
    for k in range(dims):
        dim = 2 + k
        n, out = input.shape[dim], sizes[k]
        # NOTE: PyTorch's 2-D nearest kernel (only it) copies a kept size and repeats each
        # element of a doubled one, whatever the scale factor
        if not exact and dims == 2 and out in (n, 2 * n):
            source = np.arange(out) // (out // n)
        else:
            source = _nearest_source(n, out, scales[k], exact)
        r = out // n
        if r > 1 and out % n == 0 and np.array_equal(source, np.arange(out) // r):
            input = input.repeat_interleave(r, dim)  # its gradient sums each block
        else:
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
    t = (src - i0).astype(ftype)
    return _blend(x, dim, np.stack([i0, i1], 1), np.stack([1 - t, t], 1))


def _blend(x: Tensor, dim: int, index: np.ndarray, weights: np.ndarray) -> Tensor:
    """Output o along dim is the sum of weights[o, j] * x[index[o, j]] over j: one sparse
    matrix product (BlendAlong), or, past its size limit and for other dtypes, a pick
    (index_select) per column j, scaled and added."""
    out, n = index.shape[0], x.shape[dim]
    if x.dtype in (dtypes.float32, dtypes.float64) and n * out <= BlendAlong.max_entries:
        rows = np.repeat(np.arange(out), index.shape[1])
        return BlendAlong.apply(x, rows, index.ravel(), weights.ravel(), out, dim)
    shape = [1] * x.ndim
    shape[dim] = out
    y = None
    for j in range(index.shape[1]):
        w = tensor(weights[:, j].reshape(shape), dtype=x.dtype, device=x.device)
        term = x.index_select(dim, tensor(index[:, j], device=x.device)) * w
        y = term if y is None else y + term
    return y


def _antialias_along(
    x: Tensor, dim: int, n: int, out: int, factor, align_corners: bool, cubic: bool
) -> Tensor:
    """PyTorch's antialiased resampling (PIL's): output i averages the inputs within `support`
    of its centre scale * (i + 0.5), weighted by the triangle (bilinear) or Keys' cubic with
    A = -0.5 (bicubic) filter stretched by the scale when downsampling, the weights
    normalised to sum to 1 (inputs past an edge are left out, not repeated)."""
    ftype = _float(x.dtype)
    scale = _scale(n, out, factor, align_corners, ftype)
    stretch = max(scale, ftype(1))  # the filter widens only when downsampling
    support = ftype(2 if cubic else 1) * stretch
    centre = scale * (np.arange(out, dtype=ftype) + ftype(0.5))
    # NOTE: C++'s int() truncates towards 0: a start below 0 becomes 0 either way
    start = np.maximum(np.trunc(centre - support + ftype(0.5)).astype(np.int64), 0)
    stop = np.minimum(np.trunc(centre + support + ftype(0.5)).astype(np.int64), n)
    width = int((stop - start).max())
    index = start[:, None] + np.arange(width)
    distance = np.abs((index - centre[:, None] + ftype(0.5)) / stretch).astype(ftype)
    if cubic:
        a = ftype(-0.5)
        near = ((a + 2) * distance - (a + 3)) * distance * distance + 1
        far = (((distance - 5) * distance + 8) * distance - 4) * a
        weights = np.where(distance < 1, near, np.where(distance < 2, far, 0))
    else:
        weights = np.maximum(1 - distance, 0)
    weights = np.where(index < stop[:, None], weights, 0).astype(ftype)
    total = weights.sum(1, keepdims=True)
    weights = np.where(total != 0, weights / np.where(total != 0, total, 1), 0)
    return _blend(x, dim, np.minimum(index, n - 1), weights.astype(ftype))


def _cubic_weights(t, a) -> tuple:
    """Keys' cubic convolution weights of the neighbours at distances 1 + t, t, 1 - t and
    2 - t from a point t in [0, 1) past the second (arrays or tensors)."""

    def near(d):  # weight of a neighbour at distance d <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):  # 1 < d < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _cubic_along(x: Tensor, dim: int, n: int, out: int, factor, align_corners: bool) -> Tensor:
    """Keys' cubic convolution of the four neighbours of each source position, with
    PyTorch's A = -0.75; neighbours past an edge repeat the edge (so does PyTorch)."""
    ftype = _float(x.dtype)
    scale = _scale(n, out, factor, align_corners, ftype)
    dst = np.arange(out, dtype=ftype)
    # NOTE: unlike the linear modes, the source position is not clamped at 0
    src = dst * scale if align_corners else (dst + ftype(0.5)) * scale - ftype(0.5)
    i = np.floor(src).astype(np.int64)
    t = src - i
    shape = [1] * x.ndim
    shape[dim] = out
    y = None
    for k, w in enumerate(_cubic_weights(t, ftype(-0.75))):
        source = tensor(np.clip(i - 1 + k, 0, n - 1), device=x.device)
        term = x.index_select(dim, source) * tensor(
            w.reshape(shape), dtype=x.dtype, device=x.device
        )
        y = term if y is None else y + term
    return y


# -- affine_grid and grid_sample (spatial transformers) ---------------------------------------
_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "PyTorch 1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _align(align_corners, op: str) -> bool:
    if align_corners is None:
        warnings.warn(f"{op}: {_ALIGN_WARNING}", UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def affine_grid(theta: Tensor, size, align_corners=None) -> Tensor:
    """The sampling grid of a batch of affine maps: theta (N, 2, 3) and size (N, C, H, W) ->
    (N, H, W, 2), or theta (N, 3, 4) and size (N, C, D, H, W) -> (N, D, H, W, 3); each entry
    is theta @ (x, y[, z], 1) for the output point's normalised (x, y[, z]) in [-1, 1] (pixel
    centres, or corners with align_corners=True)."""
    align_corners = _align(align_corners, "affine_grid")
    if not theta.is_floating_point():
        raise ValueError(
            f"affine_grid: Expected theta to have floating point type, but got {theta.dtype}"
        )
    size = tuple(size)
    if len(size) not in (4, 5):
        raise NotImplementedError(
            f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    dims = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (dims, dims + 1):
        raise ValueError(
            f"affine_grid: Expected a batch of {dims}D affine matrices of shape "
            f"Nx{dims}x{dims + 1} for size {size}. Got {tuple(theta.shape)}."
        )
    if theta.shape[0] != size[0]:  # PyTorch's type: its batched matmul refuses the batch
        raise RuntimeError(
            f"affine_grid: theta holds {theta.shape[0]} matrices for a size of batch {size[0]} "
            f"{size}"
        )
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "affine_grid: a grid of size 1 is placed at 0 (PyTorch's behaviour since 1.3.0), "
            "not at -1, even with align_corners=True",
            UserWarning,
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"affine_grid: Expected non-zero, positive output size. Got {size}")
    ftype = _float(theta.dtype)
    axes = np.meshgrid(*(_base_coords(n, align_corners, ftype) for n in spatial), indexing="ij")
    # a point is (x, y[, z], 1): the last dim's coordinate first
    base = np.stack([*axes[::-1], np.ones_like(axes[0])], axis=-1)
    base = tensor(base.reshape(1, -1, dims + 1), dtype=theta.dtype, device=theta.device)
    return (base @ theta.transpose(1, 2)).reshape(size[0], *spatial, dims)


def _base_coords(steps: int, align_corners: bool, ftype) -> np.ndarray:
    """Normalised coordinates of `steps` pixels: their centres (corners when aligned).
    NOTE: rounded as PyTorch rounds them, so that an identity theta samples exactly at the
    pixel centres and bilinear sampling takes the same side of each kink as PyTorch."""
    if steps == 1:
        return np.zeros(1, dtype=ftype)
    coords = _linspace_values(-1.0, 1.0, steps, ftype)
    return coords if align_corners else coords * ftype(steps - 1) / ftype(steps)


def grid_sample(
    input: Tensor, grid: Tensor, mode="bilinear", padding_mode="zeros", align_corners=None
) -> Tensor:
    """Sample input (N, C, H, W) at the normalised points grid (N, Ho, Wo, 2) ((x, y) in
    [-1, 1]; outside: zeros, the border or a reflection, as padding_mode says) -> (N, C, Ho,
    Wo); volumes alike: input (N, C, D, H, W), grid (N, Do, Ho, Wo, 3) of (x, y, z). Bilinear
    (trilinear on volumes, PyTorch's name for both): the 4 (8) neighbours blended by their
    distances (differentiable in the input and in the grid); nearest: the closest one;
    bicubic (4-D only): the 4 x 4 neighbours by Keys' cubic weights. Built from gather and
    elementwise ops, with the neighbours' indices detached."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "grid_sample: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: "
            f"'{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "grid_sample: expected padding_mode to be 'zeros', 'border', or 'reflection', but "
            f"got: '{padding_mode}'"
        )
    align_corners = _align(align_corners, "grid_sample")
    dims = input.ndim - 2
    if (
        dims not in (2, 3)
        or grid.ndim != input.ndim
        or grid.shape[-1] != dims
        or grid.shape[0] != input.shape[0]
    ):
        raise RuntimeError(
            "grid_sample: expected a 4-D input (N, C, H, W) and a grid (N, Ho, Wo, 2), or a 5-D "
            "input (N, C, D, H, W) and a grid (N, Do, Ho, Wo, 3), with the same N, got "
            f"{tuple(input.shape)} and {tuple(grid.shape)}"
        )
    if grid.dtype != input.dtype:  # PyTorch's kernel takes one dtype
        raise RuntimeError(
            f"grid_sample: expected a grid of the input's dtype {input.dtype}, got {grid.dtype}"
        )
    if mode == "bicubic" and dims == 3:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    require_floating(
        "grid_sampler_2d_cpu_kernel_impl" if dims == 2 else "grid_sampler3d_cpu", input
    )
    n, c, *size = input.shape
    out = tuple(grid.shape[1:-1])
    # the grid's coordinate of each spatial dim (D, H, W order): it lists x (of W) first
    coords = [grid[..., dims - 1 - k] for k in range(dims)]
    flat = input.reshape(n, c, math.prod(size))

    def pick(corner):
        """The input at integer-valued points (one detached tensor per dim), 0 outside."""
        inside, index = None, 0
        for i, m in zip(corner, size):
            within = (i >= 0) & (i <= m - 1)
            inside = within if inside is None else inside & within
            index = index * m + i.clamp(0, m - 1)
        count = math.prod(out)  # the sizes, not -1: an empty batch (N = 0) has them too
        index = index.to(dtypes.int64).reshape(n, 1, count).expand(n, c, count)
        return flat.gather(2, index).reshape(n, c, *out) * inside.to(input.dtype).unsqueeze(1)

    if mode == "bicubic":
        return _bicubic(pick, coords, size, padding_mode, align_corners)
    points = [
        _pad(_unnormalize(g, m, align_corners), m, padding_mode, align_corners)
        for g, m in zip(coords, size)
    ]
    sources = [
        _pad(_source(g, m, align_corners, dims), m, padding_mode, align_corners)
        for g, m in zip(coords, size)
    ]
    if mode == "nearest":
        return pick([s.round() for s in sources])
    lows = [s.floor() for s in sources]
    far = [(p - low).unsqueeze(1) for p, low in zip(points, lows)]  # far neighbours' weights
    y = None
    for corner in itertools.product((0, 1), repeat=dims):
        weight = None
        for k in reversed(range(dims)):  # x's weight first, as the 2-D formula multiplies
            w = far[k] if corner[k] else 1 - far[k]
            weight = w if weight is None else weight * w
        term = pick([low + b for low, b in zip(lows, corner)]) * weight
        y = term if y is None else y + term
    return y


def _bicubic(pick, coords: list, size: list, padding_mode: str, align_corners: bool) -> Tensor:
    """Keys' cubic convolution (A = -0.75) of the 4 x 4 pixels around each point: along x in
    each of the 4 rows, then along y, as PyTorch's kernel.
    NOTE: PyTorch pads the 16 pixels' integer positions, not the point (a point past the edge
    blends pixels reflected or repeated one by one), so the grid's gradient is the weights'
    alone, with no factor of the padding."""
    lows, weights = [], []
    for g, m in zip(coords, size):
        low = _source(g, m, align_corners, 2).floor()
        lows.append(low)
        weights.append(
            _cubic_weights((_unnormalize(g, m, align_corners) - low).unsqueeze(1), -0.75)
        )
    rows = [_pad(lows[0] + (k - 1), size[0], padding_mode, align_corners) for k in range(4)]
    columns = [_pad(lows[1] + (k - 1), size[1], padding_mode, align_corners) for k in range(4)]
    y = None
    for row, weight in zip(rows, weights[0]):
        along_x = None
        for column, w in zip(columns, weights[1]):
            term = pick([row, column]) * w
            along_x = term if along_x is None else along_x + term
        y = along_x * weight if y is None else y + along_x * weight
    return y


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """[-1, 1] -> pixel index: -1 and 1 are the centres (aligned) or outer edges of the ends."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return (coord + 1) * (size / 2) - 0.5


def _pad(x: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Pixel index x moved inside [0, size - 1] as padding_mode says: 'zeros' leaves it
    (outside reads 0), 'border' clamps it, 'reflection' mirrors it at the edges (the centres
    of the end pixels when aligned, their outer edges else) and then clamps it."""
    if padding_mode == "zeros":
        return x
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
    # NOTE: gradient 0 at the ends themselves, as PyTorch's CPU kernel
    inside = (x > 0) & (x < size - 1)
    return where(inside, x, x.detach().clamp(0, size - 1))


def _reflect(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """x mirrored into [low, high] (the bounds given doubled, so that half-pixels are exact)."""
    if twice_low == twice_high:
        return x * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = where(x < low, low - x, x - low)
    flips = (distance.detach() / span).floor()
    extra = distance - flips * span
    return where(flips % 2 == 0, extra + low, span - extra + low)


def _source(coord: Tensor, size: int, align_corners: bool, dims: int) -> Tensor:
    """The pixel index of coord (detached), rounded as PyTorch's CPU kernel rounds it, so that
    floor and round pick PyTorch's neighbours where a point sits on a pixel centre.
    NOTE: the 2-D kernel fuses the unaligned scale and shift (one rounding); float64
    arithmetic reproduces that for float32 grids, float64 grids are rounded twice. The 3-D
    kernel computes ((coord + 1) * size - 1) / 2, or (coord + 1) / 2 * (size - 1) aligned."""
    coord = coord.detach()
    if dims == 3:
        if align_corners:
            return (coord + 1) / 2 * (size - 1)
        return ((coord + 1) * size - 1) / 2
    if align_corners or coord.dtype == dtypes.float64:
        return _unnormalize(coord, size, align_corners)
    return ((coord + 1).to(dtypes.float64) * (size / 2) - 0.5).to(coord.dtype)
