"""Indexing: x[index] (basic and advanced) with gradient, x[index] = v, gather, one_hot.

# NOTE: the backward of x[index] adds the gradient into a zero tensor at the same places;
# with advanced indexing an element can be picked twice, so it must add (scatter-add), not
# assign.
"""

from __future__ import annotations

import math
import re
import warnings
from functools import partial

import numpy as np

from minigrad import dtypes
from minigrad._warn import warn_once
from minigrad.autograd.function import Function, check_same_device
from minigrad.autograd.grad_mode import state
from minigrad.ops._util import (
    array_of,
    as_fill,
    broadcast_error,
    check_fill,
    normalize_dim,
    quiet,
    strided_view,
)
from minigrad.ops.nograd import NoGrad
from minigrad.ops.shape import _named, reshape_if_needed, sum_to
from minigrad.tensor import Tensor, _check_writable, _overlaps, _replay, fill_target

_BASIC = frozenset({int, slice, type(None), type(Ellipsis)})
# PyTorch indexes with these dtypes only: an int8 or int16 tensor is refused
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.uint8), np.dtype(np.bool_))


def _sequence_as_tuple(index: list) -> bool:
    """PyTorch's legacy reading of x[[a, b]]: a short list holding a list, a tensor, an array,
    a slice, None or ... is the tuple x[a, b] (with a warning); one of numbers is one index."""
    if len(index) >= 32:
        return False
    kinds = (Tensor, list, tuple, np.ndarray, slice, type(None), type(Ellipsis))
    if not any(isinstance(p, kinds) for p in index):
        return False
    warnings.warn(
        "Using a non-tuple sequence for multidimensional indexing is deprecated; use "
        "x[tuple(seq)] instead of x[seq]",
        UserWarning,
        stacklevel=5,  # the line with x[seq]
    )
    return True


def _to_index(index, x: Tensor):
    """A NumPy/CuPy index from what users write: ints, slices, None, ..., lists, tensors."""
    if isinstance(index, list) and _sequence_as_tuple(index):
        index = tuple(index)
    parts = index if isinstance(index, tuple) else (index,)
    out, advanced, ellipses, empty_mask = [], False, 0, False
    for part in parts:
        if type(part) in _BASIC:  # NOTE: x[i], x[:, a:b]: the common parts, checked first
            if type(part) is slice and part.step is not None and part.step < 0:
                raise ValueError(
                    f"step must be greater than zero (got {part.step}); use flip() to reverse"
                )
            ellipses += part is Ellipsis
            out.append(part)
            continue
        if isinstance(part, Tensor):
            if part._device is not x._device:
                raise RuntimeError(
                    f"index: indices are on {part.device} but the tensor is on {x.device}; "
                    "move them with .to()"
                )
            if part.array.dtype not in _INDEX_DTYPES:
                raise IndexError(
                    "tensors used as indices must be long, int, byte or bool tensors, got "
                    f"{part.dtype}"
                )
            part = part.array
            if part.ndim == 0 and part.dtype.kind == "i" and state.tracer is None:
                # PyTorch reads a 0-d integer tensor as the integer: x[i] is a view of x.
                # (Traced, it stays an index array: a loop counter's value is not a constant.)
                out.append(int(part))
                continue
            if part.dtype == np.uint8:  # PyTorch's old byte masks: a mask, with its warning
                warnings.warn(
                    "indexing with dtype minigrad.uint8 is now deprecated, please use a dtype "
                    "minigrad.bool instead.",
                    UserWarning,
                    stacklevel=4,  # the line with x[mask]
                )
                part = part.astype(bool)
        elif isinstance(part, (list, tuple)):
            values = [p.item() if isinstance(p, Tensor) else p for p in part]
            # NOTE: an empty list picks nothing; NumPy would read it as floats and refuse it
            part = x.device.xp.asarray(values, dtype=None if values else np.int64)
            if part.dtype.kind == "f":  # PyTorch makes a list holding a float a long index
                part = part.astype(np.int64)
        elif isinstance(part, str):  # x["a"]: PyTorch's TypeError (a dict's key, perhaps?)
            raise TypeError(
                f"new(): invalid data type 'str': {part!r} is not an index (tensor of shape "
                f"{tuple(x.shape)})"
            )
        if hasattr(part, "ndim"):
            advanced = True
            empty_mask = empty_mask or (part.size == 0 and part.dtype.kind == "b")
        out.append(part)
    if empty_mask:
        _check_empty_masks(out, x)
    if ellipses > 1:
        out = _single_ellipsis(out, x)
    return tuple(out), advanced


def _dims_taken(part) -> int:
    """How many of the indexed tensor's dims an index part consumes (PyTorch's count)."""
    if part is None or part is Ellipsis or type(part) is bool:
        return 0
    return part.ndim if getattr(part, "dtype", None) == np.bool_ else 1


def _check_empty_masks(parts: list, x: Tensor) -> None:
    """PyTorch's IndexError for a mask of no elements whose shape is not the dims it covers;
    NumPy reads an empty mask as an empty integer index and picks nothing."""
    dim = 0
    for part in parts:
        if part is Ellipsis:
            dim += x.ndim - sum(_dims_taken(p) for p in parts)
        elif getattr(part, "dtype", None) == np.bool_ and part.size == 0 and part.ndim:
            covered = x.shape[dim : dim + part.ndim]
            if tuple(part.shape) != tuple(covered):
                raise IndexError(
                    f"The shape of the mask {list(part.shape)} at index {dim} does not match "
                    f"the shape of the indexed tensor {list(x.shape)} at index {dim}"
                )
        dim += _dims_taken(part)


def _single_ellipsis(parts: list, x: Tensor) -> list:
    """parts with one `...`: PyTorch lets each `...` skip the dims the other parts leave, so
    the first takes them all and a later one skips past the last dim: only at the end, or
    with no dim left over, is it harmless. NumPy refuses a second `...`."""
    first, second, *_ = [k for k, p in enumerate(parts) if p is Ellipsis]
    rest = parts[first + 1 :]
    spare = x.ndim - sum(_dims_taken(p) for p in parts)
    if spare and any(p is not Ellipsis for p in parts[second:]):
        raise IndexError(
            f"index: a second ... skips {spare} dims past the last of a tensor of shape "
            f"{tuple(x.shape)}, so nothing can follow it"
        )
    return [*parts[: first + 1], *(p for p in rest if p is not Ellipsis)]


def _index_error(x: Tensor, exc: Exception, index=()) -> IndexError:
    """NumPy's IndexError for x[index], in PyTorch's words."""
    text = str(exc)
    bounds = re.match(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", text)
    mask = re.match(r"boolean index did not match indexed array along axis (\d+)", text)
    if bounds:
        text = "index {} is out of bounds for dimension {} with size {}".format(*bounds.groups())
    elif text.startswith("too many indices") and x.ndim == 0:
        text = (
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
        )
    elif text.startswith("too many indices"):
        text = f"too many indices for tensor of dimension {x.ndim}"
    elif mask:
        parts = index if isinstance(index, tuple) else (index,)
        shapes = [list(p.shape) for p in parts if getattr(p, "dtype", None) == np.bool_]
        text = (
            f"The shape of the mask {shapes[0] if shapes else ''} at index {mask[1]} does not "
            f"match the shape of the indexed tensor {list(x.shape)} at index {mask[1]}"
        )
    return IndexError(f"{text} (indexing a tensor of shape {tuple(x.shape)})")


def _basic_index_name(index: tuple, shape: tuple) -> str:
    """PyTorch's node for x[index] without tensor indices: one per part of the index, the
    last of which is the result's grad_fn; a slice over a whole dim makes none, and an index
    that makes none (x[...], x[:, :], x[()]) gives an alias of x."""
    name, dim = "AliasBackward0", 0
    for part in index:
        if part is Ellipsis:
            dim += len(shape) - sum(p is not None and p is not Ellipsis for p in index)
        elif part is None:
            name = "UnsqueezeBackward0"
        elif isinstance(part, slice):
            if part.indices(shape[dim]) != (0, shape[dim], 1):
                name = "SliceBackward0"
            dim += 1
        else:
            name, dim = "SelectBackward0", dim + 1
    return name


class GetItem(Function):
    """y = x[index]; backward adds gy into zeros at the same places."""

    op_name = "getitem"
    is_view = True  # a basic index reads x's memory; an advanced one copies

    def name(self):
        if "_name" in self.__dict__:  # x[a:b], whole or not (see getitem)
            return self._name
        if self.advanced == ALONG_DIM:
            return "GatherBackward0"  # gather and take_along_dim
        return "IndexBackward0" if self.advanced else _basic_index_name(self.index, self.shape)

    @staticmethod
    def forward(ctx, x, index, advanced):
        ctx.shape, ctx.index, ctx.advanced = x.array.shape, index, advanced
        if advanced == ALONG_DIM and _flat_path(x.device.xp, index):
            a = x.array
            if 0 in a.strides and not a.flags.c_contiguous:
                # NOTE: a broadcast gradient (`.sum()`'s): a copy is one sequential write, NumPy's
                # indexing of it with one array a dim is slow (512x64 of 512x512: 80 -> 142 us)
                a = np.ascontiguousarray(a)
            if a.flags.c_contiguous:
                # NOTE: _check_index checked the range: take's "clip" skips a second check
                # (512x64 of 512x512: 46 -> 38 us; indexing with [] takes 46)
                return np.take(a.reshape(-1), _flat_index(index, a.shape), mode="clip")
        d = _single_array_dim(x.device.xp, index) if advanced else None
        try:
            if d is not None:
                # NOTE: NumPy's indexing with one array after slices is slow past the first dim
                # (x[:, idx] of 512x512 by 4096 columns: 5.6 ms); take is not (1.3 ms)
                y = np.take(x.array, index[d], axis=d)
            else:
                y = x.array[index]
        except IndexError as exc:
            raise _index_error(x, exc, index) from None
        if isinstance(y, np.generic):
            # NOTE: NumPy gives a scalar for a single element, which would be a copy; with a
            # trailing ... it is a 0-d view, as PyTorch's x[i] is (x[i] += 1 changes x)
            y = x.array[(*index, Ellipsis)]
        if advanced and not y.flags.c_contiguous:
            # an advanced index copies into a new, row-major tensor in PyTorch; NumPy lays the
            # copy out in the order of a transposed or sliced input's memory
            y = x.device.xp.ascontiguousarray(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        return IndexAdd.apply(gy, ctx.shape, ctx.index, ctx.advanced), None, None


class IndexAdd(Function):
    """y = zeros(shape) with g added at index (the scatter-add); backward gathers."""

    op_name = "index_add"

    @staticmethod
    def forward(ctx, g, shape, index, advanced):
        ctx.index, ctx.advanced = index, advanced
        xp = g.device.xp
        if advanced == ALONG_DIM and xp is np:
            out = np.zeros(shape, g.array.dtype)
            _fold_at_flat(np.add, out, index, g.array)
            return out
        d = _single_array_dim(xp, index) if advanced else None
        if d is not None and g.array.size >= _FLAT_MIN_SIZE:
            if d:
                return _add_along(g.array, shape, index[d], d)
            if len(shape) == 1 and g.array.dtype.char in "fd":  # take's, x1d[idx]'s gradient
                rows = index[0].reshape(-1)
                rows = np.where(rows < 0, rows + shape[0], rows)  # -1 and n - 1: one place
                out = np.bincount(rows, g.array.reshape(-1), shape[0])
                return out.astype(g.array.dtype, copy=False)
            if not _many_rows(xp, index, g.array):  # x[rows]'s: add.at's sums, faster
                out = np.zeros(shape, g.array.dtype)
                _add_rows(out, index[0], g.array, in_order=True)
                return out
        out = xp.zeros(shape, dtype=g.array.dtype)
        if advanced and _many_rows(xp, index, g.array):
            _add_rows(out, index[0], g.array)
        elif advanced:
            xp.add.at(out, index, g.array)
        else:
            out[index] = g.array
        return out

    @staticmethod
    def backward(ctx, gy):
        return GetItem.apply(gy, ctx.index, ctx.advanced), None, None, None


def _single_array_dim(xp, index):
    """d for a NumPy index (:, ..., :, idx) with one integer array idx at d; None for others."""
    if xp is not np or not index:
        return None
    *before, last = index
    if not (isinstance(last, np.ndarray) and last.dtype.kind in "iu"):
        return None
    whole = all(type(part) is slice and part == slice(None) for part in before)
    return len(before) if whole else None


# NOTE: up to this many (source size x picked count) entries, a one-hot matrix product sums
# index_select's gradient (interpolate's, 64 -> 128 columns: add.at 85 ms, the product 7 ms)
_ONE_HOT_MAX = 1 << 16


def _add_along(g, shape, rows, d: int):
    """zeros(shape) with g's slices along dim d > 0 added at `rows` (repeats add up)."""
    n, k = shape[d], rows.size
    g = g.reshape(shape[:d] + (k,) + shape[d + 1 :])
    if n * k <= _ONE_HOT_MAX and g.dtype.char in "fd":
        one_hot = np.zeros((n, k), g.dtype)
        one_hot[rows.reshape(-1), np.arange(k)] = 1
        out = _matrix_along(one_hot, g, d)
        # NOTE: a product adds 0 * g for every place a slice is not picked for: an inf or nan
        # in g would spread over its whole line; those few take the exact path below
        if np.isfinite(out).all():
            return out
    moved = np.zeros((n, *shape[:d], *shape[d + 1 :]), g.dtype)
    _add_rows(moved, rows, np.moveaxis(g, d, 0))
    return np.ascontiguousarray(np.moveaxis(moved, 0, d))


def _matrix_along(matrix, a, d: int):
    """`matrix` (m, n) applied to every line of `a` along dim d (of size n): one product."""
    after = math.prod(a.shape[d + 1 :])
    shape = a.shape[:d] + (matrix.shape[0],) + a.shape[d + 1 :]
    with quiet():  # 0 * inf: nan, which the callers check for
        if after == 1:
            return (a.reshape(-1, a.shape[d]) @ matrix.T).reshape(shape)
        return (matrix @ a.reshape(-1, a.shape[d], after)).reshape(shape)


class BlendAlong(Function):
    """y[..., o, ...] = sum of weights[e] * x[..., cols[e], ...] over the entries e with rows[e]
    = o, along dim: a sparse (size, n) matrix applied along one dim (linear interpolation's two
    neighbours); backward applies its transpose. float32 and float64.

    # NOTE: index_select's picks, scaled and added, cost a scatter-add in the gradient
    (bilinear x2 of 16x32x64x64 with backward: 10x PyTorch's time); a small dense matrix is
    one product each way (0.8x). A product
    adds 0 * x for the entries off the matrix's support: a result with an inf or nan is
    recomputed from the entries alone, as PyTorch's kernels compute it."""

    op_name = "blend_along"
    max_entries = _ONE_HOT_MAX  # size x n: callers past it pick and add instead

    @staticmethod
    def forward(ctx, x, rows, cols, weights, size, dim):
        xp, a = x.device.xp, x.array
        ctx.transposed = cols, rows, weights, a.shape[dim], dim
        n = a.shape[dim]
        matrix = np.bincount(rows * n + cols, weights, size * n).reshape(size, n).astype(a.dtype)
        out = _matrix_along(xp.asarray(matrix), a, dim)
        if bool(xp.isfinite(out).all()):
            return out
        shape = [1] * a.ndim
        shape[dim] = weights.size
        out = xp.zeros(a.shape[:dim] + (size,) + a.shape[dim + 1 :], a.dtype)
        with quiet():  # 0 * inf: nan, silently, as PyTorch
            picked = xp.take(a, xp.asarray(cols), axis=dim) * xp.asarray(weights, a.dtype).reshape(
                shape
            )
            xp.add.at(out, ((slice(None),) * dim + (xp.asarray(rows),)), picked)
        return out

    @staticmethod
    def backward(ctx, gy):
        return BlendAlong.apply(gy, *ctx.transposed), None, None, None, None, None


# NOTE: below this many rows `_add_rows` does not sort them (see there)
_MANY_ROWS = 256


def _many_rows(xp, index, g) -> bool:
    """Whether out[index] += g adds many rows picked by one integer array (an embedding's
    gradient, x[idx]'s), which `_add_rows` does faster than add.at on NumPy."""
    rows = index[0] if len(index) == 1 else None
    return (
        xp is np
        and isinstance(rows, np.ndarray)
        and rows.dtype.kind in "iu"
        and rows.size >= _MANY_ROWS
        and g.ndim > rows.ndim
    )


# NOTE: a round costs a few microseconds of Python; below this many elements a round, the
# sorted groups' reduceat is faster
_ELEMENTS_PER_ROUND = 4096


def _add_rows(out, rows, g, in_order=False):
    """out[rows] += g for integer row indices (repeats added).

    # NOTE: add.at adds one element at a time (4096 rows of 512 into 512: 29 ms). After a
    stable sort, either each round adds, with one vectorised `+=`, the k-th occurrence of every
    row (a round repeats no row, so `+=` loses nothing; the sums are add.at's, bit for bit:
    1.2 ms), or, when some row repeats too often for that, each sorted group of repeats is
    summed by one reduceat (pairwise: it rounds differently; 640 rows of 32 into 50: 31 us),
    or, `in_order`, added element by element through flat positions (NumPy's fast 1-D add.at),
    as also for fewer than _MANY_ROWS rows, where the sort costs more than it saves (128 rows
    of 64 into 512: add.at 57 us, the rounds 27, the flat positions 20).
    """
    rows = rows.reshape(-1)
    g = g.reshape(rows.shape[0], -1)
    rows = np.where(rows < 0, rows + out.shape[0], rows)  # -1 and n - 1 are the same row
    flat = out.reshape(out.shape[0], -1)
    if in_order and rows.size < _MANY_ROWS:
        _add_in_order(flat, rows, g)
        return
    order, ranked, starts, rank = _repeats(np, rows)
    rounds = int(rank.max(initial=-1)) + 1
    if rounds * _ELEMENTS_PER_ROUND > g.size and in_order:
        _add_in_order(flat, rows, g)
        return
    if rounds * _ELEMENTS_PER_ROUND > g.size:
        flat[ranked[starts]] += np.add.reduceat(g[order], starts, 0)
        return
    for k in range(rounds):
        # NOTE: flat[places] += g[picked], spelled out: `take` gathers rows faster than
        # NumPy's fancy indexing (512 rows of 512 in 5 rounds: 250 -> 185 us)
        picked = np.flatnonzero(rank == k)
        places = rows[picked]
        total = flat.take(places, 0)
        total += g.take(picked, 0)
        flat[places] = total


def _add_in_order(flat, rows, g) -> None:
    """flat[rows] += g, each element in the index's order (add.at's sums), for non-negative
    rows of a C-contiguous (n, width) view and g (rows, width): through flat positions."""
    places = rows[:, None] * flat.shape[1] + np.arange(flat.shape[1])
    np.add.at(flat.reshape(-1), places.reshape(-1), g.reshape(-1))


def _repeats(xp, rows):
    """For 1-d integer `rows`: the stable sort order, the sorted rows, where each run of equal
    rows starts in them, and each entry's rank among the entries naming its row (0, 1, ...)."""
    order = xp.argsort(rows, kind="stable")
    ranked = rows[order]
    first = xp.empty(ranked.shape[0], bool)
    first[:1] = True
    xp.not_equal(ranked[1:], ranked[:-1], out=first[1:])
    starts = xp.flatnonzero(first)
    run = xp.cumsum(first) - 1  # the run each sorted entry is in
    rank = xp.empty_like(order)
    rank[order] = xp.arange(ranked.shape[0]) - starts[run]
    return order, ranked, starts, rank


def getitem(x: Tensor, index) -> Tensor:
    if type(index) is int:  # NOTE: x[i], as a Dataset's __getitem__ or a loop does: no parsing
        return GetItem.apply(x, (index,), False)
    idx, advanced = _to_index(index, x)
    if type(index) is slice:  # NOTE: PyTorch slices even over the whole dim (x[:]), not in a tuple
        return _named(GetItem.apply(x, idx, advanced), x, "SliceBackward0")
    integers, idx = _integers_first(idx, advanced)
    if integers is not None:
        x = GetItem.apply(x, integers, False)
    return GetItem.apply(x, idx, advanced)


def _integers_first(idx: tuple, advanced: bool) -> tuple:
    """(a basic index of idx's integers, the rest of idx) when idx mixes integers with index
    arrays, else (None, idx).

    # NOTE: PyTorch selects with the integers first and indexes the rest after; NumPy counts
    # an integer as one more advanced index, which moves the result's dims when a slice
    # sits between them: x[0, :, [0, 1]] is (n, 2) in PyTorch, (2, n) in NumPy. A Python bool
    # is a 0-d index array to both, so x[0, :, False] is one such mix."""
    mixed = advanced or any(type(p) is bool for p in idx)
    if not (mixed and any(_is_int(p) for p in idx)):
        return None, idx
    rest = tuple(slice(None) if p is None else p for p in idx if not _is_int(p))
    return _integers_only(idx), rest


def _is_int(part) -> bool:
    return isinstance(part, (int, np.integer)) and not isinstance(part, bool)


def _integers_only(index: tuple) -> tuple:
    """The basic index that applies only the integers of `index`; other parts keep their dims."""
    out = []
    for part in index:
        if _is_int(part) or part is None or part is Ellipsis:
            out.append(part)
        elif type(part) is bool:  # a new dim, made by the rest of the index
            continue
        elif getattr(part, "dtype", None) == np.bool_:
            out.extend([slice(None)] * part.ndim)  # a mask covers as many dims as it has
        else:
            out.append(slice(None))
    # with a trailing ..., an index of integers only picks a 0-d view, never a NumPy scalar
    return tuple(out) if Ellipsis in out else (*out, Ellipsis)


def _has_arrays(index: tuple) -> bool:
    """Whether index holds an index array of 1 or more dims (0-d ones act as integers)."""
    return any(getattr(i, "ndim", 0) for i in index)


def _shape_mismatch(value, shape) -> RuntimeError:
    value_shape = list(value.shape) if isinstance(value, Tensor) else list(np.shape(value))
    return RuntimeError(
        f"index_put: shape mismatch: value tensor of shape {value_shape} cannot be "
        f"broadcast to indexing result of shape {list(shape)}"
    )


class IndexPut(Function):
    """y = x with y[index] = v; gradient: gy with zeros at index to x, gy[index] to v."""

    op_name = "index_put"

    def name(self):
        advanced = any(hasattr(i, "shape") for i in self.index)
        return "IndexPutBackward0" if advanced else "CopySlices"  # x[...] = v

    @staticmethod
    def forward(ctx, x, index, value):
        ctx.index = index
        ctx.value_shape = value.array.shape if isinstance(value, Tensor) else None
        y = x.array.copy()
        integers, rest = _integers_first(index, _has_arrays(index))
        try:
            target = y if integers is None else y[integers]
            target[rest] = array_of(value)
        except IndexError as exc:
            raise _index_error(x, exc, index) from None
        except (ValueError, TypeError):  # a value that does not broadcast (TypeError: to
            # a mask's elements, NumPy's): PyTorch's RuntimeError
            raise _shape_mismatch(value, target[rest].shape) from None
        return y

    @staticmethod
    def backward(ctx, gy):
        gx = IndexPut.apply(gy, ctx.index, 0.0) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[2]:
            integers, rest = _integers_first(ctx.index, _has_arrays(ctx.index))
            picked = gy if integers is None else GetItem.apply(gy, integers, False)
            gv = sum_to(GetItem.apply(picked, rest, True), ctx.value_shape)
        return gx, None, gv


class CopySlices(IndexPut):
    """The history a base takes when one of its views is changed in place: the old base with
    the view's elements replaced by the new values (PyTorch's node of this name)."""

    def name(self):
        return "CopySlices"


def copy_slices(base: Tensor, ops, src: Tensor) -> Tensor:
    """base with the elements that the view ops `ops` read from it replaced by src.

    # NOTE: which elements? The view ops, replayed on the positions 0, 1, ... laid out in
    # base's shape, read the positions of those elements, whatever mix of slicing,
    # transposing and reshaping made the view."""
    xp = base.device.xp
    shape = base.array.shape
    positions = Tensor._make(xp.arange(base.array.size).reshape(shape))
    picked = _replay(positions, ops).array
    if not shape:  # a 0-d base has no dim to index: its one element, through a 1-d view
        return reshape_if_needed(
            CopySlices.apply(reshape_if_needed(base, (1,)), (picked,), src), ()
        )
    return CopySlices.apply(base, xp.unravel_index(picked, shape), src)


def setitem(x: Tensor, index, value) -> None:
    """x[index] = value: in place without a graph, recorded when gradients are needed."""
    idx, _ = _to_index(index, x)
    if isinstance(value, Tensor) and value._device is not x._device:
        raise RuntimeError(
            f"index_put: value is on {value.device} but the tensor is on {x.device}; move it "
            "with .to()"
        )
    value = _put_value(x, index, idx, value)
    graph = state.enabled and (
        x._in_graph() or (isinstance(value, Tensor) and value._requires_grad)
    )
    if not graph:
        integers, rest = _integers_first(idx, _has_arrays(idx))
        if isinstance(value, Tensor) and not any(p is Ellipsis for p in rest):
            # NOTE: a trailing ... writes a tensor into a 0-d view, which checks its shape;
            # NumPy 1.26 sets one bool element to bool(an empty array) silently
            rest = (*rest, Ellipsis)
        try:
            target = _write_target(x, idx, value)
            (target if integers is None else target[integers])[rest] = array_of(value)
        except IndexError as exc:
            raise _index_error(x, exc, idx) from None
        except (ValueError, TypeError) as exc:  # a value of the wrong shape (TypeError: to
            # a mask's elements, NumPy's): PyTorch's RuntimeError
            shape = tuple(value.shape) if hasattr(value, "shape") else None
            raise RuntimeError(
                f"index_put: {exc} (tensor of shape {tuple(x.shape)}, value of shape {shape})"
            ) from None
        x._version += 1
        return
    if x._requires_grad and x.grad_fn is None:  # PyTorch writes into the view x[index]
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation. Write into it inside a `minigrad.no_grad()` block."
        )
    x._inplace(lambda s, v: IndexPut.apply(s, idx, v), value)


def _put_value(x: Tensor, index, idx: tuple, value):
    """value as `x[index] = value` takes it (idx: index for NumPy), or PyTorch's error: a
    number x's dtype can hold, or a tensor; one of another dtype only where no index array
    picks the places."""
    if isinstance(value, complex):
        raise RuntimeError(f"index_put: can't assign a complex number to a {x.dtype} tensor")
    if not isinstance(value, (Tensor, int, float, np.generic)) or isinstance(value, np.str_):
        # a list, a tuple, an array, None or a str: PyTorch takes a tensor or a number only
        kind = type(value).__name__
        raise TypeError(f"index_put: can't assign a {kind} to a {x.dtype} tensor; make it a tensor")
    if not isinstance(value, Tensor):
        if type(value) is int and not -(2**63) <= value < 2**63:
            raise ValueError(
                f"index_put: Overflow when unpacking long long ({value.bit_length()} bits)"
            )
        # NOTE: PyTorch makes a number float32 (float64 for float64) before its cast to x's
        # dtype: float16 takes 1e6 as inf, float32 refuses 1e39
        dtype = x.array.dtype
        return as_fill(value, np.promote_types(dtype, np.float32) if dtype.kind == "f" else dtype)
    # a bool alone is an unsqueeze; other bools, as index arrays, pick
    picks = type(index) is not bool and any(_picks(p, value.numel()) for p in idx)
    _check_put_dtype(x, value, not picks)
    shape = value.array.shape
    ones = next((k for k, n in enumerate(shape) if n != 1), len(shape))
    # PyTorch drops a value's leading 1s: x[i] = t.tensor([v]) fills the one element
    return reshape_if_needed(value, shape[ones:]) if ones else value


def _picks(part, values: int) -> bool:
    """Whether PyTorch writes through index_put (which takes only x's dtype) for this part of
    an index: an index array, a 0-d mask, a bool; a mask of 1 or more dims filled with one
    value is a masked_fill, which takes any dtype."""
    if type(part) is bool:
        return True
    if getattr(part, "dtype", None) == np.bool_:
        return part.ndim == 0 or values != 1
    return bool(getattr(part, "ndim", 0))


def _check_put_dtype(x: Tensor, values, any_dtype: bool) -> None:
    if isinstance(values, Tensor) and values.dtype is not x.dtype and not any_dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{x.dtype} for the destination and {values.dtype} for the source."
        )


def _write_target(x: Tensor, idx, value):
    """x's array for `x[idx] = value`; for an expanded x, the writes PyTorch allows go through:
    a plain index that picks elements with memory of their own (x[0] = row), or an advanced
    index given one value (x[mask] = 0)."""
    array = x.array
    if getattr(array.flags, "writeable", True):
        return array
    parts = idx if isinstance(idx, tuple) else (idx,)
    if all(type(p) in _BASIC for p in parts):
        allowed = not _overlaps(array[idx])
    else:
        allowed = getattr(value, "ndim", 0) == 0 and not isinstance(value, (list, tuple))
    if allowed:
        return fill_target(x)
    _check_writable(x)  # raises, with PyTorch's words for an expanded tensor
    return array


# GetItem's and IndexAdd's `advanced` for an index that `_along_dim` built: one integer array
# a dim, in range and non-negative (checked by _check_index), broadcast to the index's shape
ALONG_DIM = "along_dim"

# NOTE: from this many picked elements the flat positions beat NumPy's indexing with one array
# a dim (a gather of 512x64 from 512x512: 77 -> 32 us; of 64x10, the same)
_FLAT_MIN_SIZE = 1024


def _flat_path(xp, index) -> bool:
    return xp is np and max(part.size for part in index) >= _FLAT_MIN_SIZE


def _flat_index(index, shape):
    """The C-order positions in an array of `shape` that `_along_dim`'s index picks."""
    flat, stride = None, 1
    for part, n in zip(reversed(index), reversed(shape)):
        term = part if stride == 1 else part * stride
        flat = term if flat is None else flat + term
        stride *= n
    return flat


def _fold_at_flat(ufunc, out, index, values) -> None:
    """ufunc.at(out, index, values) for `_along_dim`'s index and a C-contiguous NumPy `out`.

    # NOTE: NumPy's ufunc.at is fast (a vectorised loop) only for one 1-D index and 1-D
    values: through the flat positions, a gather's gradient (512x64 into 512x512) takes 85 us,
    through the index of one array a dim 790. Each place folds its values in the index's C
    order, one at a time in out's dtype, as PyTorch's CPU kernels do."""
    flat = _flat_index(index, out.shape)
    values = np.broadcast_to(values, flat.shape).reshape(-1)  # a number, or src's corner
    ufunc.at(out.reshape(-1), flat.reshape(-1), values)


def _put_along(xp, out, index, values) -> None:
    """out[index] = values for `_along_dim`'s index; repeats keep the last value.

    # NOTE: NumPy's indexing with one array a dim is slow (512x64 into 512x512: 2x the flat
    positions'); out, a fresh copy, is C-contiguous."""
    if xp is not np:
        out[index] = values
        return
    flat = _flat_index(index, out.shape)
    out.reshape(-1)[flat.reshape(-1)] = np.broadcast_to(values, flat.shape).reshape(-1)


def _along_dim(index, dim: int):
    """The full advanced index that picks index[i, j, ...] along `dim` (gather's rule)."""
    xp = index.device.xp
    shape = index.array.shape
    # an open grid, as np.indices(shape, sparse=True) (CuPy's indices has no `sparse`)
    grids = [
        xp.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1))
        for d, n in enumerate(shape)
    ]
    grids[dim] = index.array
    return tuple(grids)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """y[i][j] = input[index[i][j]][j] for dim 0 (and so on), as PyTorch's gather."""
    d = normalize_dim(dim, input.ndim, "gather")
    _check_index("gather", input, d, index)
    if index.ndim == 0 or input.ndim == 0:  # a 0-d input or index counts as 1-d (PyTorch's rule)
        out = gather(_as_1d(input), d, _as_1d(index))
        return reshape_if_needed(out, index.array.shape)
    return GetItem.apply(input, _along_dim(index, d), ALONG_DIM)


def scatter_to(g: Tensor, dim: int, index_array, shape) -> Tensor:
    """Zeros of `shape` with g added at index along dim (the backward of gather-like ops)."""
    return IndexAdd.apply(g, shape, _along_dim(Tensor._make(index_array), dim), ALONG_DIM)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    d = normalize_dim(dim, input.ndim, "index_select")
    if index.array.dtype.kind not in "iu":
        raise RuntimeError(f"index_select(): expected an int32 or int64 index, got {index.dtype}")
    if index.ndim > 1:
        raise IndexError(
            f"index_select(): index is supposed to be a vector, got shape {tuple(index.shape)}"
        )
    if input.ndim == 0:  # a 0-d input counts as 1-d, and its result is 0-d (PyTorch's rule)
        if index.array.size != 1:
            raise RuntimeError(
                "index_select(): Index to scalar can have only 1 value, got "
                f"{index.array.size} value(s)"
            )
        return reshape_if_needed(getitem(_as_1d(input), _as_1d(index)), ())
    return getitem(input, (slice(None),) * d + (_as_1d(index),))


class OneHot(NoGrad):
    """int64 (*, num_classes): 1 at each label's class."""

    op_name = "one_hot"

    @staticmethod
    def forward(ctx, labels, num_classes):
        classes = labels.device.xp.arange(num_classes)
        return (labels.array[..., None] == classes).astype(dtypes.int64.np)


class Nonzero(NoGrad):
    """The indices of the nonzero elements, (n, ndim) int64."""

    op_name = "nonzero"
    data_dependent = True  # the result's shape depends on the values

    @staticmethod
    def forward(ctx, x):
        xp = x.device.xp
        if x.array.ndim == 0:  # NumPy refuses it; PyTorch finds one place of no dims, or none
            return xp.zeros((int(x.array != 0), 0), dtype=np.int64)
        return xp.stack(xp.nonzero(x.array), axis=1)


class RepeatIndex(NoGrad):
    """k repeated counts[k] times, for every k: repeat_interleave(counts)."""

    op_name = "repeat_index"
    data_dependent = True  # the result's shape depends on the values

    @staticmethod
    def forward(ctx, counts):
        xp = counts.device.xp
        return xp.repeat(xp.arange(counts.array.shape[0]), counts.array.tolist())


class RepeatSlices(Function):
    """Each slice of x along dim repeated r times in place; backward adds the r copies.

    # NOTE: not an index_select, whose gradient scatter-adds (nearest x2 of 16x32x64x64 with
    backward: 4.4x PyTorch's time), nor the reshape of an expand, whose gradient NumPy sums
    slowly from a stride-0 gradient (.sum()'s): r strided views added (0.3x)"""

    op_name = "repeat_slices"

    def name(self):
        return "ViewBackward0"  # PyTorch's: it repeats by a reshape of an expand

    @staticmethod
    def forward(ctx, x, repeats, dim):
        ctx.repeats, ctx.dim = repeats, dim
        return x.device.xp.repeat(x.array, repeats, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        before = (slice(None),) * ctx.dim
        gx = None
        for k in range(ctx.repeats):
            part = getitem(gy, (*before, slice(k, None, ctx.repeats)))
            gx = part if gx is None else gx + part
        return gx, None, None


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a trailing dim of size num_classes: 1 at each class index."""
    if tensor.array.dtype.char not in "lq":  # int64 only, as PyTorch's
        raise RuntimeError(
            f"one_hot is only applicable to index tensor of type LongTensor, got {tensor.dtype}"
        )
    labels = tensor.array
    if num_classes == -1:
        if not labels.size:
            raise RuntimeError(
                f"one_hot: can not infer the number of classes from an empty tensor of shape "
                f"{tuple(tensor.shape)}; pass num_classes"
            )
        num_classes = int(labels.max()) + 1
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise RuntimeError(
            f"one_hot: class values must be in [0, num_classes={num_classes}); got values in "
            f"[{int(labels.min())}, {int(labels.max())}]"
        )
    return OneHot.apply(tensor, num_classes)


# -- selections built from the ops above (their gradients come with them) ---------------------
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The `length` elements from `start` along dim (a view in PyTorch, a slice here)."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, input.ndim, "narrow")
    size = input.array.shape[d]
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    if not -size <= start <= size:
        raise IndexError(
            f"narrow: start out of range (expected to be in range of [{-size}, {size}], but got "
            f"{start}) for dim {d} of a tensor of shape {tuple(input.shape)}"
        )
    start = start + size if start < 0 else start
    if start < 0 or length < 0 or start + length > size:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) of a "
            f"tensor of shape {tuple(input.shape)}"
        )
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements along dims, wrapping around (no dims: over the flattened tensor)."""
    from minigrad.ops.shape import cat, flatten

    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if not shifts:
        raise RuntimeError("roll: `shifts` required (a number, or one per dim)")
    if dims is None:
        return reshape_if_needed(roll(flatten(input), shifts, 0), input.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dims must align, got shifts={shifts} and dims={dims}")
    out = input
    for shift, dim in zip(shifts, dims):
        d = normalize_dim(dim, input.ndim, "roll")
        n = input.array.shape[d]
        shift = shift % n if n else 0
        if shift:
            out = cat([narrow(out, d, n - shift, shift), narrow(out, d, 0, n - shift)], d)
    # a roll by nothing (or by whole turns) is still a copy in PyTorch: writes to it never
    # reach the input
    return input.clone() if out is input else out


def _diagonal_index(rows: int, cols: int, offset: int, xp):
    """The (row, col) index arrays of a matrix's diagonal `offset` (above the main one if > 0)."""
    top, left = max(-offset, 0), max(offset, 0)
    k = max(0, min(rows - top, cols - left))
    steps = xp.arange(k)
    return steps + top, steps + left


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) matrices, as a new last dim. (*, n, m) -> (*, k)"""
    d1, d2 = (
        normalize_dim(dim1, input.ndim, "diagonal"),
        normalize_dim(dim2, input.ndim, "diagonal"),
    )
    if d1 == d2:
        raise RuntimeError(f"diagonal: dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset, d1, d2)


class Diagonal(Function):
    """The diagonal of the (dim1, dim2) matrices as a new last dim, read in place (a view, as
    PyTorch's: one step along the diagonal is one step along both dims); backward writes the
    gradient onto the diagonal of zeros. (*, n, m) -> (*, k)"""

    op_name = "diagonal"
    is_view = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.array.shape, (offset, dim1, dim2)
        array = x.array
        start = [slice(None)] * array.ndim
        start[dim1], start[dim2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
        corner = array[tuple(start)]  # the diagonal's first element is this corner's first
        others = [d for d in range(array.ndim) if d not in (dim1, dim2)]
        shape = [corner.shape[d] for d in others] + [min(corner.shape[dim1], corner.shape[dim2])]
        strides = [array.strides[d] for d in others] + [array.strides[dim1] + array.strides[dim2]]
        return strided_view(x.device.xp, corner, shape, strides, "diagonal")

    @staticmethod
    def backward(ctx, gy):
        zeros = Tensor._make(gy.device.xp.zeros(ctx.shape, gy.array.dtype))
        return diagonal_scatter(zeros, gy, *ctx.args), None, None, None


def _scatter_slice(input: Tensor, src: Tensor, view: Tensor, index: tuple) -> Tensor:
    """input with input[index] = src, where `view` is input[index]: src must have its shape
    (PyTorch's *_scatter ops); differentiable in both."""
    if tuple(src.shape) != tuple(view.shape):
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(view.shape)}"
        )
    return IndexPut.apply(input, index, src)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """input with its `index` slice along dim replaced by src (input.select(dim, index)'s
    shape)."""
    d = normalize_dim(dim, input.ndim, "select_scatter")
    view = select(input, d, index)
    return _scatter_slice(input, src, view, (slice(None),) * d + (index,))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step=1):
    """input with input[start:end:step] along dim replaced by src."""
    d = normalize_dim(dim, input.ndim, "slice_scatter")
    index = (slice(None),) * d + (slice(start, end, step),)
    return _scatter_slice(input, src, GetItem.apply(input, index, True), index)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """input with the diagonal that diagonal(input, offset, dim1, dim2) reads replaced by
    src."""
    from minigrad.ops.shape import permute

    view = diagonal(input, offset, dim1, dim2)
    d1, d2 = (
        normalize_dim(dim1, input.ndim, "diagonal"),
        normalize_dim(dim2, input.ndim, "diagonal"),
    )
    order = [d for d in range(input.ndim) if d not in (d1, d2)] + [d1, d2]
    x = permute(input, order)
    rows, cols = _diagonal_index(*x.array.shape[-2:], offset, input.device.xp)
    y = _scatter_slice(x, src, view, (Ellipsis, rows, cols))
    return permute(y, [order.index(d) for d in range(input.ndim)])


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal as a vector, as `torch.diag`."""
    xp = input.device.xp
    if input.ndim == 2:
        y = GetItem.apply(input, _diagonal_index(*input.array.shape, diagonal, xp), True)
        return _named(y, input, "DiagonalBackward0_copy")  # PyTorch's diagonal_copy node
    if input.ndim != 1:
        raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got {input.ndim}-D")
    n = input.array.shape[0] + abs(diagonal)
    y = IndexAdd.apply(input, (n, n), _diagonal_index(n, n, diagonal, xp), True)
    return _named(y, input, "DiagEmbedBackward0")


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Each vector of input's last dim on the `offset` diagonal of a matrix of zeros, whose
    rows and columns are the result's dims dim1 and dim2. (*, n) -> (*, n + |offset|, ...)"""
    from minigrad.ops.shape import permute

    ndim = input.ndim + 1
    d1, d2 = normalize_dim(dim1, ndim, "diag_embed"), normalize_dim(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.array.shape[-1] + abs(offset)
    index = (Ellipsis, *_diagonal_index(n, n, offset, input.device.xp))
    out = IndexAdd.apply(input, input.array.shape[:-1] + (n, n), index, True)
    batch = iter(range(ndim - 2))
    order = [ndim - 2 if d == d1 else ndim - 1 if d == d2 else next(batch) for d in range(ndim)]
    return _named(permute(out, order), input, "DiagEmbedBackward0")


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, got a {input.ndim}-D tensor")
    return diagonal(input).sum()


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of the nonzero elements: (n, ndim) int64, or one index tensor per dim."""
    if as_tuple and input.ndim == 0:  # as PyTorch: the places of its one element as a 1-D
        input = input.reshape(1)
    found = Nonzero.apply(input)
    if not as_tuple:
        return found
    return tuple(found[:, i] for i in range(input.ndim))


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero(input) cut to `size` rows, or padded with rows of fill_value: a fixed shape."""
    from minigrad.creation import full
    from minigrad.ops.shape import cat

    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, got {size}")
    found = Nonzero.apply(input)
    if found.shape[0] >= size:
        return found[:size]
    pad = full((size - found.shape[0], found.shape[1]), fill_value, dtype=found.dtype)
    return cat([found, pad.to(found.device)])


class UnravelIndex(NoGrad):
    """The coordinates in `shape` of flat row-major indices, one int64 array per dim."""

    op_name = "unravel_index"

    @staticmethod
    def forward(ctx, indices, shape):
        xp = indices.device.xp
        flat = indices.array.astype(np.int64) % max(math.prod(shape), 1)  # -1: the last one
        return tuple(Tensor._make(c.astype(np.int64)) for c in xp.unravel_index(flat, shape))


def unravel_index(indices, shape) -> tuple:
    """The coordinates in `shape` of flat (row-major) indices, one int64 tensor per dim, as
    torch.unravel_index (negative indices count from the end)."""
    if not isinstance(indices, Tensor):
        from minigrad.creation import tensor

        indices = tensor(indices)
    if indices.array.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return UnravelIndex.apply(indices, shape)


# -- gathers and scatters along a dim: PyTorch's checks, then GetItem, IndexPut, IndexAdd -----
def _check_index(op: str, input: Tensor, d: int, index: Tensor, src=None) -> None:
    """PyTorch's checks of gather's and scatter's index (and src): the index is int32/int64;
    it has input's number of dims (a 0-d tensor counts as 1-d) and no dim larger than
    input's except `d`, nor larger than src's; its values are in range along `d`. scatter
    skips the shape checks for an empty index, gather does not."""
    check_same_device(op, input, index, src)
    scatter = op != "gather"
    empty = index.array.size == 0
    if index.array.dtype not in (np.int64, np.int32) and not empty:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {index.dtype}")
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError(
            f"{op}(): Expected self.dtype to be equal to src.dtype ({input.dtype} and {src.dtype})"
        )
    if scatter and empty:
        return
    ishape, xshape = _nonempty_shape(index), _nonempty_shape(input)
    if len(ishape) != len(xshape):
        name = "self" if scatter else "input"
        raise RuntimeError(
            f"{op}: Index tensor must have the same number of dimensions as {name} tensor "
            f"(index {tuple(index.shape)}, {name} {tuple(input.shape)})"
        )
    fits = all(n <= m for k, (n, m) in enumerate(zip(ishape, xshape)) if k != d)
    if isinstance(src, Tensor):
        sshape = _nonempty_shape(src)
        if len(sshape) != len(ishape):
            raise RuntimeError(
                f"{op}: Index tensor must have the same number of dimensions as src tensor "
                f"(index {tuple(index.shape)}, src {tuple(src.shape)})"
            )
        if not (fits and all(n <= m for n, m in zip(ishape, sshape))):
            raise RuntimeError(
                f"{op}: Expected index {list(index.shape)} to be no larger than self "
                f"{list(input.shape)} apart from dimension {d} and to be no larger size than "
                f"src {list(src.shape)}"
            )
    elif not fits:
        where = (
            "Expected"
            if scatter
            else f"Size does not match at dimension {_first_larger(ishape, xshape, d)} expected"
        )
        raise RuntimeError(
            f"{op}: {where} index {list(index.shape)} to be no larger than self "
            f"{list(input.shape)} apart from dimension {d}"
        )
    if not empty:
        # NOTE: NumPy would wrap a negative index and pick from the end; PyTorch refuses it
        n, values = xshape[d], index.array
        # NOTE: two vectorised reductions, not two comparisons and an or (512x64: 9.7 -> 5.3 us)
        if bool(values.min() < 0) or bool(values.max() >= n):
            bad = int(values[(values < 0) | (values >= n)].reshape(-1)[0])
            raise RuntimeError(
                f"{op}: index {bad} is out of bounds for dimension {d} with size {n}"
            )


def _first_larger(ishape: tuple, xshape: tuple, d: int) -> int:
    return next(k for k, (n, m) in enumerate(zip(ishape, xshape)) if k != d and n > m)


def _nonempty_shape(t: Tensor) -> tuple:
    return t.array.shape or (1,)


def _as_1d(t):
    """A 0-d tensor as 1-d (one element); anything else as it is."""
    return reshape_if_needed(t, (1,)) if isinstance(t, Tensor) and t.ndim == 0 else t


def _source_part(src, index: Tensor):
    """The corner of src that index covers (PyTorch reads src[:index.shape] only)."""
    if not isinstance(src, Tensor) or src.shape == index.shape:
        return src
    return getitem(src, tuple(slice(0, n) for n in index.array.shape))


def _scatter(op: str, input: Tensor, dim: int, index: Tensor, src, write) -> Tensor:
    """write(input, full index, src part): scatter's and scatter_add's common path. A 0-d
    input, index or src counts as 1-d, as in PyTorch: zeros(5).scatter_(0, tensor(2), 1.0)."""
    d = normalize_dim(dim, input.ndim, op)
    _check_index(op, input, d, index, src)
    if index.array.size == 0:
        from minigrad.ops.selection import clone  # selection imports this module

        return clone(input)
    if 0 in (input.ndim, index.ndim) or (isinstance(src, Tensor) and src.ndim == 0):
        out = _scatter(op, _as_1d(input), d, _as_1d(index), _as_1d(src), write)
        return reshape_if_needed(out, input.array.shape)
    return write(input, _along_dim(index, d), _source_part(src, index))


class Scatter(Function):
    """y = x with y[index[i][j]][j] = src[i][j] (dim 0; src a tensor or a number), `index`
    from `_along_dim`; repeats keep the last value, as PyTorch's CPU kernel. Gradients: gy
    with zeros at index to x, gy gathered at index to src."""

    op_name = "scatter"

    def name(self):
        return "ScatterBackward1" if self.by_value else "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, index, src):
        ctx.index = index
        ctx.by_value = not isinstance(src, Tensor)
        out = x.array.copy()
        _put_along(x.device.xp, out, index, src if ctx.by_value else src.array)
        return out

    @staticmethod
    def backward(ctx, gy):
        gx = Scatter.apply(gy, ctx.index, 0.0) if ctx.needs_input_grad[0] else None
        gsrc = GetItem.apply(gy, ctx.index, ALONG_DIM) if ctx.needs_input_grad[2] else None
        return gx, None, gsrc


class AddAt(Function):
    """y = x with src added at index, repeats included: scatter_add (`index` from
    `_along_dim`), index_add along dim 0 and index_put with accumulate. Each place adds its
    values one at a time in the index's order onto x's value, as PyTorch's CPU kernels (x +
    the sum of the values rounds differently). Gradients: gy to x, gy at index to src."""

    op_name = "add_at"

    def name(self):
        return _ADD_AT_NAMES[self.kind]

    @staticmethod
    def forward(ctx, x, index, src, kind):
        ctx.index, ctx.kind = index, kind
        out = x.array.copy()
        _add_at(x.device.xp, out, index, src.array, kind)
        return out

    @staticmethod
    def backward(ctx, gy):
        along = ALONG_DIM if ctx.kind == "scatter_add" else True
        gsrc = GetItem.apply(gy, ctx.index, along) if ctx.needs_input_grad[2] else None
        return gy, None, gsrc, None


def _add_at(xp, out, index, g, kind) -> None:
    """AddAt's additions, into out (x's values) in place."""
    if kind == "scatter_add":
        _reduce_at(xp, "add", out, index, g)
    elif xp is np and len(index) == out.ndim and all(_is_int_array(i) for i in index):
        # NOTE: a place for each index (x[i, j] += v): NumPy's ufunc.at is fast only for
        # one 1-D index (4096 places of 512x512, with the copy: 150 -> 74 us); the
        # indices are in range (the caller indexed with them), "wrap" turns -1 into n - 1
        flat = np.ravel_multi_index(index, out.shape, mode="wrap")
        np.add.at(out.reshape(-1), flat.reshape(-1), np.broadcast_to(g, flat.shape).reshape(-1))
    elif xp is np and len(index) == 1 and _is_int_array(index[0]) and g.ndim > index[0].ndim:
        _add_rows(out, index[0], g, in_order=True)  # index_add_(0, ...), x[rows] += v
    else:
        xp.add.at(out, index, g)


_ADD_AT_NAMES = {
    "scatter_add": "ScatterAddBackward0",
    "index_add": "IndexAddBackward0",
    "index_put": "IndexPutBackward0",
}


def _is_int_array(part) -> bool:
    return isinstance(part, np.ndarray) and part.dtype.kind in "iu"


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of input with input[index[i][j]][j] = src[i][j] for dim 0 (and so on); src may be
    a number (`value=`). Repeated indices keep one of the values (which one is unspecified,
    as PyTorch). The deprecated reduce= "add" or "multiply" is scatter_reduce's sum or prod
    with self included (differentiable here; PyTorch's has no gradient)."""
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):  # PyTorch deprecates it for a tensor src, not for a value
            warn_once(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                "reduction options.",
                stacklevel=3,  # the line with x.scatter(...)
            )
        number = src if value is None else value
        if not isinstance(number, Tensor):
            number = Tensor._make(input.device.xp.full(index.shape, number, input.array.dtype))
        how = "sum" if reduce == "add" else "prod"
        return scatter_reduce(input, dim, index, number, how, include_self=True)
    if (src is None) == (value is None):
        raise TypeError("scatter(): pass either src (a tensor) or value (a number), not both")
    if src is None:
        # PyTorch takes value as a number, a 0-d tensor included: it gets no gradient
        src = value.item() if isinstance(value, Tensor) else value
    if not isinstance(src, (Tensor, int, float, bool)):
        raise TypeError(f"scatter(): src must be a Tensor or a number, not {type(src).__name__}")
    return _scatter("scatter", input, dim, index, src, Scatter.apply)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """input with src[i][j] added at input[index[i][j]][j] for dim 0; repeats add up."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    return _scatter(
        "scatter_add",
        input,
        dim,
        index,
        src,
        lambda x, idx, s: AddAt.apply(x, idx, s, "scatter_add"),
    )


# reduce -> the ufunc that folds a value in, and the value a place starts from without self
_REDUCE_UFUNCS = {
    "sum": "add",
    "mean": "add",
    "prod": "multiply",
    "amax": "maximum",
    "amin": "minimum",
}


def _reduce_start(reduce: str, dtype):
    """What a place written to starts from without self: the reduction's identity."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"  # amin of bools starts from True, amax from False
    if dtype.kind == "f":
        low, high = -np.inf, np.inf
    else:
        low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    return high if reduce == "amin" else low


def _reduce_at(xp, ufunc: str, out, index: tuple, values) -> None:
    """ufunc.at(out, index, values): every value folded into its place, repeats included;
    `index` from `_along_dim`, out a fresh C-order copy.

    # NOTE: CuPy's ufunc.at has no multiply; there each round folds in the k-th value of every
    place at once (a round names no place twice, so nothing is lost).
    """
    if xp is np:
        _fold_at_flat(getattr(np, ufunc), out, index, values)
        return
    if ufunc != "multiply":
        getattr(xp, ufunc).at(out, index, values)
        return
    places = xp.ravel_multi_index(xp.broadcast_arrays(*index), out.shape).reshape(-1)
    values = values.reshape(-1)  # index's shape, as the places
    flat = out.reshape(-1)  # out is a fresh C-order copy: this is a view
    *_, rank = _repeats(xp, places)
    for k in range(int(rank.max()) + 1):  # index is not empty (_scatter's early return)
        picked = xp.flatnonzero(rank == k)
        flat[places[picked]] *= values[picked]


class ScatterReduce(Function):
    """y = x with src[i][j] folded into y[index[i][j]][j] (dim 0) by reduce: sum, prod, mean,
    amax or amin; without include_self, x's values at the places written to are left out.

    Gradients as PyTorch's: amax and amin share a place's gradient evenly among the values
    equal to its result (x's value counted even when include_self is False); prod gives a
    single zero the product of the others."""

    op_name = "scatter_reduce"
    quiet_domain = True

    @staticmethod
    def forward(ctx, x, index, src, reduce, include_self):
        ctx.index, ctx.reduce, ctx.include_self = index, reduce, include_self
        xp = x.device.xp
        out = x.array.copy()
        if not include_self:
            _put_along(xp, out, index, _reduce_start(reduce, out.dtype))
        with quiet():  # a nan's maximum, a product's overflow: silently, as PyTorch
            _reduce_at(xp, _REDUCE_UFUNCS[reduce], out, index, src.array)
        if reduce == "mean":
            count = xp.full(out.shape, int(include_self), out.dtype)
            _reduce_at(xp, "add", count, index, count.dtype.type(1))
            count = xp.maximum(count, 1)
            out = out // count if out.dtype.kind in "iu" else out / count
            ctx.count = count
        y = Tensor._make(out)
        ctx.save_for_backward(x, src, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, src, y = ctx.saved_tensors
        index, reduce, include_self = ctx.index, ctx.reduce, ctx.include_self
        if reduce == "sum":
            gx, gsrc = gy, GetItem.apply(gy, index, ALONG_DIM)
        elif reduce == "mean":
            gx = gy / Tensor._make(ctx.count)
            gsrc = GetItem.apply(gx, index, ALONG_DIM)
        elif reduce == "prod":
            gx, gsrc = _prod_grads(gy, x, src, y, index, include_self)
        else:
            x_is = (x == y).to(gy.dtype)
            src_is = (src == GetItem.apply(y, index, ALONG_DIM)).to(gy.dtype)
            shared = gy / (x_is + IndexAdd.apply(src_is, x.shape, index, ALONG_DIM))
            gx, gsrc = x_is * shared, src_is * GetItem.apply(shared, index, ALONG_DIM)
        if not include_self:
            gx = Scatter.apply(gx, index, 0.0)
        return gx, None, gsrc, None, None


def _prod_grads(gy, x, src, y, index, include_self):
    """prod's gradients, as PyTorch computes them: a zero is replaced by 1 to get the product
    of the others; a zero of src that shares its place with another zero gets 0."""
    x_ones = x.masked_fill(x == 0, 1)
    gx = gy * ScatterReduce.apply(x_ones, index, src, "prod", include_self) / x_ones
    src_zero = src == 0
    zeros_there = GetItem.apply(
        IndexAdd.apply(src_zero.to(x.dtype), x.shape, index, ALONG_DIM), index, ALONG_DIM
    )
    single_zero = src_zero & (zeros_there == 1)
    others = ScatterReduce.apply(x, index, src.masked_fill(single_zero, 1), "prod", include_self)
    gsrc = GetItem.apply(gy * others, index, ALONG_DIM).where(
        single_zero, GetItem.apply(gy * y, index, ALONG_DIM) / src.masked_fill(src_zero, 1)
    )
    return gx, gsrc


def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self=True
) -> Tensor:
    """input with src[i][j] folded into input[index[i][j]][j] for dim 0 by `reduce` ("sum",
    "prod", "mean", "amax", "amin"); include_self=False starts the places written to afresh.
    An integer mean rounds down, as PyTorch's."""
    if not isinstance(src, Tensor):
        raise TypeError(
            f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}"
        )
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch takes these too
    if reduce not in _REDUCE_UFUNCS:
        raise RuntimeError(
            "scatter_reduce(): reduce argument must be either sum, prod, mean, amax or amin, "
            f"got {reduce}"
        )
    if reduce == "mean" and input.dtype is dtypes.bool_:
        raise NotImplementedError("scatter_reduce(): reduce='mean' is not implemented for 'Bool'")
    return _scatter(
        "scatter_reduce",
        input,
        dim,
        index,
        src,
        lambda x, idx, s: ScatterReduce.apply(x, idx, s, reduce, bool(include_self)),
    )


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """input with alpha * source's slices added at the places `index` names along dim."""
    d = _checked_index_add(input, dim, index, source)
    added = source if alpha == 1 else source * alpha
    if d == 0 and input.ndim:
        return AddAt.apply(
            input,
            (index.array.reshape(-1),),
            reshape_if_needed(added, (-1,) + tuple(input.shape[1:])),
            "index_add",
        )
    idx = (slice(None),) * d + (index.array,)
    return input + IndexAdd.apply(added, input.array.shape, idx, True)


def index_add_(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """input.index_add_(dim, index, source, alpha=alpha).

    # NOTE: along dim 0 with nothing recorded, the rows are added into input's own memory,
    where the functional op adds them into a copy of it, which `_inplace` then copies back
    (two full passes); the same adds in the same order, so the same bits."""
    array = input.array
    if _writes_directly(input, source) and _checked_index_add(input, dim, index, source) == 0:
        added = source if alpha == 1 else source * alpha
        if added.array.dtype == array.dtype:  # else the functional op raises PyTorch's error
            g = added.array.reshape((-1,) + array.shape[1:])
            _add_at(np, array, (index.array.reshape(-1),), g, "index_add")
            input._version += 1
            return input
    return input._inplace(partial(index_add, alpha=alpha), dim, index, source)


def _writes_directly(input: Tensor, source) -> bool:
    """Whether an in-place op can add source's values into input's own NumPy array: nothing
    is recorded (no graph, no static trace), and the array is writable, row-major, and shares
    no memory with source's."""
    array = input.array
    return (
        state.tracer is None
        and isinstance(source, Tensor)
        and not (state.enabled and (input._in_graph() or source.requires_grad))
        and type(array) is np.ndarray
        and type(source.array) is np.ndarray
        and array.ndim > 0
        and array.flags.c_contiguous
        and array.flags.writeable
        and not np.may_share_memory(array, source.array)
    )


def _checked_index_add(input: Tensor, dim: int, index: Tensor, source: Tensor) -> int:
    """index_add's dim as a non-negative index, after PyTorch's checks of its arguments."""
    d = normalize_dim(dim, input.ndim, "index_add")
    check_same_device("index_add", input, index, source)
    if index.array.dtype.kind not in "iu":
        raise RuntimeError(f"index_add_(): expected an int32 or int64 index, got {index.dtype}")
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"index_add_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
            "scalar type"
        )
    count = source.shape[d] if source.ndim else 1
    if index.array.size != count:
        raise RuntimeError(
            f"index_add_(): number of indices ({index.array.size}) should be equal to "
            f"source.size(dim) ({count}), for dim {d} (source of shape {tuple(source.shape)})"
        )
    # PyTorch's type for an index out of range: IndexError for a 1-D self, else RuntimeError
    error = IndexError if input.ndim <= 1 else RuntimeError
    _check_slices("index_add_()", input, d, index, source, error)
    return d


def index_reduce(
    input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self=True
) -> Tensor:
    """input with source's slices reduced ('prod', 'mean', 'amax', 'amin') into the places
    `index` names along dim: scatter_reduce with the index spread over source's slices."""
    from minigrad.ops.shape import expand, reshape_if_needed

    warn_once("index_reduce() is in beta and the API may change at any time.", stacklevel=3)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    d = normalize_dim(dim, input.ndim, "index_reduce")
    check_same_device("index_reduce", input, index, source)
    if index.array.dtype.kind not in "iu":
        raise RuntimeError(f"index_reduce_(): expected an int32 or int64 index, got {index.dtype}")
    if index.ndim > 1 or index.array.size != (source.shape[d] if source.ndim else 1):
        raise RuntimeError(
            f"index_reduce_(): index of shape {tuple(index.shape)} should be a vector with one "
            f"entry per slice of source along dim {d} (source of shape {tuple(source.shape)})"
        )
    spread = reshape_if_needed(index.long(), tuple(-1 if k == d else 1 for k in range(source.ndim)))
    where = expand(spread, tuple(source.shape))
    return scatter_reduce(input, d, where, source, reduce, include_self=include_self)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of input with the slices `index` names along dim set to value."""
    d = normalize_dim(dim, input.ndim, "index_fill")
    check_same_device("index_fill", input, index)
    if index.ndim > 1:
        raise RuntimeError(
            f"index_fill: index has to be a vector or a scalar, got shape {tuple(index.shape)}"
        )
    check_fill(value, input.array.dtype)
    return IndexPut.apply(input, (slice(None),) * d + (index.array,), value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where mask (broadcast with input) is True, as a 1-D tensor."""
    from minigrad.ops.shape import expand

    if mask.array.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(input.array.shape, mask.array.shape)
    except ValueError:
        raise broadcast_error("masked_select", input, mask) from None
    if mask.array.shape != shape:  # a mask that is already full stays a constant to tracing
        mask = expand(mask, shape)
    return getitem(expand(input, shape), mask)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """input[..., index, ...] at `dim`: that dim is removed."""
    d = normalize_dim(dim, input.ndim, "select")
    return getitem(input, (slice(None),) * d + (index,))


def take(input: Tensor, index: Tensor) -> Tensor:
    """input as if flattened, at the places `index` names; the result has index's shape."""
    if index.array.dtype.kind not in "iu":
        raise RuntimeError(f"take(): expected a long tensor for index, got {index.dtype}")
    return getitem(reshape_if_needed(input, (-1,)), index)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element (or slice along dim) repeated `repeats` times in place: [1, 2] -> [1, 1,
    2, 2]. `repeat_interleave(counts)` alone gives 0 repeated counts[0] times, 1 ..."""
    if repeats is None:
        return _checked_output_size(RepeatIndex.apply(input), 0, output_size)
    if dim is None:
        input, dim = reshape_if_needed(input, (-1,)), 0
    elif input.ndim == 0:  # PyTorch refuses any dim of a 0-d tensor here, 0 and -1 too
        raise IndexError(
            f"repeat_interleave: Dimension out of range: a 0-d tensor has no dim {dim} to repeat "
            "along; leave dim out (the tensor is repeated as 1-d) or reshape it to (1,) first"
        )
    d = normalize_dim(dim, input.ndim, "repeat_interleave")
    xp = input.device.xp
    # NOTE: the result's size depends on the counts, so they are read on the host (CuPy's
    # repeat takes ints and lists only)
    reps = repeats.array.tolist() if isinstance(repeats, Tensor) else repeats
    if isinstance(reps, list) and len(reps) not in (1, input.array.shape[d]):
        raise RuntimeError(
            "repeat_interleave: repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {len(reps)} and input.size({d}) = {input.array.shape[d]}"
        )
    if min(reps if isinstance(reps, list) else [reps], default=0) < 0:
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative, got {reps}")
    if isinstance(repeats, (int, np.integer)) and repeats > 0:
        return _checked_output_size(RepeatSlices.apply(input, int(repeats), d), d, output_size)
    index = xp.repeat(xp.arange(input.array.shape[d]), reps)
    return _checked_output_size(getitem(input, (slice(None),) * d + (index,)), d, output_size)


def _checked_output_size(result: Tensor, d: int, output_size) -> Tensor:
    """repeat_interleave's result, if output_size (a hint PyTorch checks) is None or its size
    along d."""
    if output_size is not None and output_size != result.array.shape[d]:
        raise RuntimeError(
            f"repeat_interleave: Invalid output_size, expected {result.array.shape[d]} but got "
            f"{output_size}"
        )
    return result


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    """gather along dim with input and indices broadcast against each other (but along dim);
    without dim, over the flattened input."""
    from minigrad.ops.shape import broadcast_shapes, expand

    if indices.array.dtype != np.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {indices.dtype}"
        )
    if dim is None:
        return gather(reshape_if_needed(input, (-1,)), 0, reshape_if_needed(indices, (-1,)))
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    d = normalize_dim(dim, input.ndim, "take_along_dim")
    sizes = list(input.shape)
    sizes[d] = indices.shape[d]
    index_shape = broadcast_shapes(sizes, indices.shape)
    sizes = list(indices.shape)
    sizes[d] = input.shape[d]
    input_shape = broadcast_shapes(sizes, input.shape)
    if tuple(index_shape) != tuple(indices.shape):
        indices = expand(indices, index_shape)
    if tuple(input_shape) != tuple(input.shape):
        input = expand(input, input_shape)
    return gather(input, d, indices)


def _triangle_indices(op: str, row: int, col: int, offset: int, dtype, device) -> Tensor:
    from minigrad.backend import get_device

    dtype = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    if dtype.np.kind not in "iu":
        raise RuntimeError(f'"{op}" not implemented for {dtype}')
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row and col must be non-negative, got row={row} col={col}")
    xp = get_device(device).xp
    make = xp.tril_indices if op == "tril_indices" else xp.triu_indices
    return Tensor._make(xp.stack(make(row, offset, col)).astype(dtype.np).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """The (2, n) row and column indices of a row x col matrix's lower triangle (offset
    diagonals above the main one included), row by row."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    return _triangle_indices("triu_indices", row, col, offset, dtype, device)


def _check_slices(op: str, input: Tensor, d: int, index: Tensor, source: Tensor, error) -> None:
    """source's slices fit input's along d (RuntimeError), and every index is in
    [0, input.size(d)) (`error`: PyTorch's type): NumPy would wrap a negative one."""
    if source.ndim and (
        source.ndim != input.ndim
        or any(a != b for k, (a, b) in enumerate(zip(input.shape, source.shape)) if k != d)
    ):
        raise RuntimeError(
            f"{op}: source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = "
            f"{list(source.shape)}"
        )
    n, values = (input.shape[d] if input.ndim else 1), index.array
    if values.size and (bool(values.min() < 0) or bool(values.max() >= n)):
        bad = int(values[(values < 0) | (values >= n)].reshape(-1)[0])
        raise error(f"{op}: index {bad} is out of bounds for dimension {d} with size {n}")


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input whose slices index[i] along dim are source's slices i."""
    d = normalize_dim(dim, input.ndim, "index_copy")
    check_same_device("index_copy", input, index, source)
    if index.array.dtype != np.int64:
        raise RuntimeError(
            f"index_copy_(): Expected a long tensor for index, but got {index.dtype}"
        )
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{input.dtype} and (source) {source.dtype}"
        )
    n = index.array.size
    if (source.shape[d] if source.ndim else 1) != n:
        raise IndexError(
            f"index_copy_(): Number of indices ({n}) should be equal to source.size(dim) "
            f"({source.shape[d] if source.ndim else 1})"
        )
    _check_slices("index_copy_()", input, d, index, source, IndexError)
    return IndexPut.apply(input, (slice(None),) * d + (index.array.reshape(-1),), source)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of input with input[indices] = values (added there, repeats included, with
    accumulate), indices a tuple of index tensors."""
    from minigrad.ops.shape import expand

    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
    # PyTorch fills a single bool mask with one value of any dtype (it is masked_fill then)
    mask_fill = (
        not accumulate
        and len(indices) == 1
        and isinstance(indices[0], Tensor)
        and indices[0].dtype is dtypes.bool_
    )
    if isinstance(values, Tensor):
        check_same_device("index_put", input, values)
        _check_put_dtype(input, values, mask_fill and values.numel() == 1)
    idx, _ = _to_index(tuple(indices), input)
    if not accumulate:
        return IndexPut.apply(input, idx, values)
    try:
        shape = input.array[idx].shape
    except IndexError as exc:
        raise _index_error(input, exc, idx) from None
    if not isinstance(values, Tensor):
        values = Tensor._make(input.device.xp.asarray(values, dtype=input.array.dtype))
    if tuple(values.shape) != shape:
        try:
            values = expand(values, shape)
        except RuntimeError:
            raise _shape_mismatch(values, shape) from None
    return AddAt.apply(input, idx, values, "index_put")


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """index_put on the flattened input: input.flatten()[index] = source (flattened)."""
    if index.numel() != source.numel():
        raise IndexError(
            f"put_(): expected source and index to have the same number of elements, but got "
            f"source of shape {tuple(source.shape)} and index of shape {tuple(index.shape)}"
        )
    flat = index_put(
        reshape_if_needed(input, (-1,)),
        (reshape_if_needed(index, (-1,)),),
        reshape_if_needed(source, (-1,)),
        accumulate,
    )
    return reshape_if_needed(flat, input.array.shape)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """input with the places where mask is True (broadcast) filled, in order, with source's
    first elements. # NOTE: element k of the mask takes source[(number of Trues before it)],
    a cumulative sum: fixed shapes, so gradients flow back to both with gather's rules."""
    from minigrad.ops.reduce import cumsum
    from minigrad.ops.selection import where
    from minigrad.ops.shape import broadcast_shapes, expand

    if mask.array.dtype != np.bool_:
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got "
            f"{input.dtype} and {source.dtype}"
        )
    check_same_device("masked_scatter", input, mask, source)
    shape = tuple(broadcast_shapes(input.shape, mask.shape))
    if tuple(mask.shape) != shape:
        mask = expand(mask, shape)
    if tuple(input.shape) != shape:
        input = expand(input, shape)
    if int(mask.array.sum()) > source.array.size:
        raise RuntimeError(
            "masked_scatter: expected source to have at least as many elements as ones in mask"
        )
    if source.array.size == 0:  # nothing to place (the mask is all False)
        return input.clone()
    place = cumsum(reshape_if_needed(mask, (-1,)), 0) - 1
    place = where(place < 0, 0, place)  # before the first True: any valid index (unused)
    return where(mask, take(source, reshape_if_needed(place, shape)), input)
