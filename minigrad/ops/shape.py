"""Shape ops: reshape, transpose, expand, cat, split... The values do not change, only where
they sit, so each backward puts the gradient back where the value came from."""

from __future__ import annotations

import math
import operator

import numpy as np

from minigrad import dtypes
from minigrad._warn import warn_once
from minigrad.autograd.function import Function
from minigrad.ops._util import normalize_dim, normalize_dims, strided_view, sum_array, write_out
from minigrad.ops.nograd import NoGrad
from minigrad.tensor import Tensor


class SumTo(Function):
    """Sum a broadcast gradient back to `shape`; its backward expands again. (*) -> shape"""

    op_name = "sum_to"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = array_shape = x.array.shape
        axes = sum_to_axes(array_shape, shape)
        out = sum_array(x.device.xp, x.array, axes, True) if axes else x.array
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return expand(gy, ctx.shape), None


def sum_to_axes(shape: tuple, target: tuple) -> tuple:
    """The axes of `shape` to sum (keeping dims) so that it reshapes to `target`."""
    lead = len(shape) - len(target)
    return tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(target) if s == 1 and shape[lead + i] != 1
    )


def sum_to(x: Tensor, shape) -> Tensor:
    """# NOTE: the unbroadcast step of every binary op's backward: a no-op when shapes agree."""
    if shape is None or x.array.shape == tuple(shape):
        return x
    return SumTo.apply(x, tuple(shape))


def _grad_for(ctx, i, g, shape):
    """The gradient for input i, summed to its shape, or None if it needs none."""
    return sum_to(g, shape) if ctx.needs_input_grad[i] else None


class Expand(Function):
    """Broadcast x to `shape` without copying; backward sums back. (*) -> shape"""

    op_name = "expand"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.array.shape
        try:
            out = x.device.xp.broadcast_to(x.array, shape)
        except ValueError:
            raise RuntimeError(
                f"expand: the expanded size of the tensor must match the existing size at "
                f"non-singleton dimensions; cannot expand {tuple(x.shape)} to {tuple(shape)}"
            ) from None
        if 1 not in shape:  # NOTE: the common case: no dim of size 1, nothing to change
            return out
        strides = _expand_strides(x.array, shape)
        if strides == out.strides:
            return out
        # NOTE: broadcast_to gives every dim of size 1 stride 0; PyTorch keeps a kept dim's
        # stride and lays a new one out as contiguous, so `stride()` reports what PyTorch's does
        view = x.device.xp.lib.stride_tricks.as_strided(x.array, shape, strides)
        if 0 not in strides or not hasattr(view.flags, "writeable"):  # CuPy: no such flag
            return view  # no element repeats: writable, as PyTorch's x.expand(1, 3)
        # read-only as broadcast_to's, but a view of a writable view, so that fill_target can
        # still write one value through it
        out = view.view()
        out.flags.writeable = False
        return out

    @staticmethod
    def backward(ctx, gy):
        return sum_to(gy, ctx.shape), None


def _expand_strides(array, shape) -> tuple[int, ...]:
    """PyTorch's strides (in bytes) of array expanded to shape: a broadcast dim gets 0, a kept
    dim its own stride, a new dim of size 1 its next dim's size times stride (0 when last)."""
    lead = len(shape) - array.ndim
    strides = [0] * len(shape)
    for i in reversed(range(len(shape))):
        if i >= lead and array.shape[i - lead] == shape[i]:
            strides[i] = array.strides[i - lead]
        elif i < lead and shape[i] == 1 and i + 1 < len(shape):
            strides[i] = shape[i + 1] * strides[i + 1]
    return tuple(strides)


def expand(x: Tensor, shape, new_view: bool = False) -> Tensor:
    """x broadcast to shape. x itself where it has that shape already (a backward's
    gradient often has), or with new_view a new view, as the user's `x.expand` is in PyTorch
    (its own node, ExpandBackward0, and a tensor of its own for in-place ops)."""
    shape = tuple(shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({x.ndim})"
        )
    if -1 in shape[:lead]:  # a new dim has no size to keep
        raise RuntimeError(
            f"expand: the expanded size of the tensor (-1) isn't allowed in a leading, "
            f"non-existing dimension {shape.index(-1)}"
        )
    shape = tuple(x.array.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    if shape == x.array.shape:
        # a Reshape to the same shape: a plain writable view, not broadcast_to's read-only one
        return _named(Reshape.apply(x, shape), x, "ExpandBackward0") if new_view else x
    return Expand.apply(x, shape)


class Reshape(Function):
    """The same values in a new shape (row-major order). (*) -> shape"""

    op_name = "reshape"
    is_view = True

    def name(self):
        return self.__dict__.get("_name") or "ViewBackward0"  # unsqueeze's: see _named

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.array.shape
        return x.array.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return reshape_if_needed(gy, ctx.shape), None


def _size_of(s, op: str) -> int:
    """An int from a size that is not one (a NumPy int, an integer tensor); floats refused."""
    try:
        return operator.index(s)
    except TypeError:
        raise TypeError(
            f"{op}(): argument 'shape' must be tuple of ints, but found element of type "
            f"{type(s).__name__}"
        ) from None


def _infer_shape(shape, numel: int, op: str) -> tuple:
    shape = tuple(s if type(s) is int else _size_of(s, op) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(x: Tensor, shape) -> Tensor:
    shape = _infer_shape(shape, x.array.size, "reshape")
    # NOTE: the same shape too gives a new view of x (`_base` is x), as PyTorch's
    return Reshape.apply(x, shape)


def reshape_if_needed(x: Tensor, shape) -> Tensor:
    """`reshape` for the ops' own use: x itself when it has the shape already (no node: a
    backward's gradient often has its input's shape)."""
    shape = _infer_shape(shape, x.array.size, "reshape")
    return x if shape == x.array.shape else Reshape.apply(x, shape)


def view(x: Tensor, shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        return view_dtype(x, shape[0])
    shape = _infer_shape(shape, x.array.size, "view")
    # NOTE: the same shape too gives a new view of x, as PyTorch's (its `_base` is x)
    if not x.array.flags.c_contiguous and not _viewable(x.array, shape):
        raise RuntimeError(
            "view: view size is not compatible with input tensor's size and stride (at least "
            "one dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
            f"(a non-contiguous tensor of shape {tuple(x.shape)} viewed as {list(shape)})"
        )
    return Reshape.apply(x, shape)


class ViewDtype(NoGrad):
    """The same memory read as another dtype (`x.view(dtype)`): with a different element
    size, the last dim grows or shrinks by the ratio. No gradient, as PyTorch's."""

    op_name = "view_dtype"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.array.view(dtypes.to_dtype(dtype).np)


def view_dtype(x: Tensor, dtype) -> Tensor:
    """`x.view(dtype)`, PyTorch's checks first: with element sizes that differ, x must have a
    dim, its last dim must be contiguous and its size must fit whole elements of dtype."""
    dtype = dtypes.to_dtype(dtype)
    if dtype == x.dtype:
        return x
    old, new = x.array.dtype.itemsize, dtype.np.itemsize
    if old != new:
        names = f"{_type_name(x.dtype)} as {_type_name(dtype)} (different element sizes)"
        if x.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to view {names}")
        if x.stride(-1) != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 to view {names}, but got {x.stride(-1)}")
        if new > old:
            _check_grows_whole(x, new // old, names)
    return ViewDtype.apply(x, dtype)


def _check_grows_whole(x: Tensor, ratio: int, names: str) -> None:
    """Each element of the wider dtype must be `ratio` whole elements of x: the last dim's
    size, where x starts in its storage and every other dim's stride divide by `ratio`."""
    places = [("size(-1)", x.shape[-1]), ("storage_offset()", x.storage_offset())]
    places += [(f"stride({d})", s) for d, s in enumerate(x.stride()[:-1])]
    for place, value in places:
        if value % ratio:
            raise RuntimeError(
                f"self.{place} must be divisible by {ratio} to view {names}, but got {value}"
            )


class AsStrided(Function):
    """y[i] = x's memory at offset + sum_k i[k] stride[k] (a view of it); the gradient of
    each element of x sums the gradients of every y element that reads it (windows that
    overlap add up), as PyTorch's as_strided_backward. (*) -> size"""

    op_name = "as_strided"
    is_view = True

    @staticmethod
    def forward(ctx, x, size, stride, offset):
        xp = x.device.xp
        flat = x.array.reshape(-1)  # the caller checked x is contiguous: a view
        steps = tuple(step * flat.dtype.itemsize for step in stride)
        view = strided_view(xp, flat[offset:], size, steps, "as_strided")
        places = xp.full(size, offset, dtype=np.int64)
        for k, (n, step) in enumerate(zip(size, stride)):
            places = places + (xp.arange(n) * step).reshape((n,) + (1,) * (len(size) - k - 1))
        ctx.places, ctx.shape = places, x.shape
        return view

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.indexing import index_add

        places = Tensor._make(ctx.places).reshape(-1)
        numel = math.prod(ctx.shape)
        zeros = Tensor._make(gy.device.xp.zeros(numel, dtype=gy.array.dtype))
        return index_add(zeros, 0, places, gy.reshape(-1)).reshape(ctx.shape), None, None, None


def as_strided(x: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A view of x's memory with the given size, strides and offset (in elements, from the
    start of x's storage), as `torch.as_strided`.

    # NOTE: minigrad reads x's own elements: x must be contiguous, and the window must stay
    # among its elements (PyTorch reads the whole storage behind a view too)."""
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: "
            f"{list(stride)}"
        )
    own = x.storage_offset()
    offset = own if storage_offset is None else int(storage_offset)
    if 0 in size:
        return AsStrided.apply(x, size, stride, 0)
    itemsize = x.array.dtype.itemsize
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    have = x.untyped_storage().nbytes() // itemsize
    if need > have:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {itemsize} requiring a storage size of {need * itemsize} are out of "
            f"bounds for storage of size {have * itemsize}"
        )
    if not x.is_contiguous() or offset < own or need - own > x.numel():
        raise NotImplementedError(
            "as_strided: minigrad reads only a contiguous tensor's own elements; this window "
            "reaches outside them (call .contiguous() or .clone() first, and count the offset "
            "from the tensor's first element)"
        )
    return AsStrided.apply(x, size, stride, offset - own)


def _type_name(dtype) -> str:
    return dtypes.legacy_name(dtype)[: -len("Tensor")]


def _viewable(array, shape) -> bool:
    """Whether `shape` can be read from array's memory without a copy (PyTorch's rule).

    Walk the old dims from the last, in chunks that are contiguous in memory; each chunk
    must be exactly covered by a run of new dims."""
    if array.size == 0:
        return True
    old = [(n, st) for n, st in zip(array.shape, array.strides) if n != 1]
    new = [n for n in shape if n != 1]
    k = len(new) - 1
    chunk = 1
    for i in range(len(old) - 1, -1, -1):
        chunk *= old[i][0]
        if i > 0 and old[i - 1][1] == old[i][1] * old[i][0]:
            continue  # dim i-1 continues the same contiguous chunk
        covered = 1
        while k >= 0 and covered < chunk:
            covered *= new[k]
            k -= 1
        if covered != chunk:
            return False
        chunk = 1
    return k < 0


class Contiguous(Function):
    """The same values copied into row-major memory. (*) -> (*)"""

    op_name = "contiguous"  # a built-in op: a graph file holds it (a user's Function it cannot)

    def name(self):
        return "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return _row_major(x.device.xp, x.array)

    @staticmethod
    def backward(ctx, gy):
        return gy


def contiguous(x: Tensor) -> Tensor:
    return Contiguous.apply(x)


_STRIPS_MIN_SIZE = 65536  # below, a strip's Python call costs more than it saves


def _row_major(xp, array):
    """A C-contiguous copy of array (array itself when it is one); a large array whose last
    two axes are transposed is copied in strips of 128 bytes of its last axis.

    # NOTE: NumPy copies a transpose element by element along the output's rows, reading
    the input down its columns; with a power-of-two row length those reads fall into the same
    few cache sets (x.T of (512, 512) float32: 310 us, PyTorch 116; of (256, 300): 18). A
    strip of 32 float32 columns reads 32 whole input rows, which stay in cache: 310 -> 126
    us, (64, 128, 256) swapping its last two axes 4.0 -> 2.0 ms, and about 3 us more where
    NumPy's copy was fast already.
    """
    if (
        xp is not np
        or array.size < _STRIPS_MIN_SIZE
        or array.ndim < 2
        or array.flags.c_contiguous
        or abs(array.strides[-2]) != array.itemsize
        or abs(array.strides[-1]) <= array.itemsize
    ):
        return xp.ascontiguousarray(array)
    out = xp.empty(array.shape, array.dtype)
    width = 128 // array.itemsize
    for j in range(0, array.shape[-1], width):
        out[..., j : j + width] = array[..., j : j + width]
    return out


class Permute(Function):
    """Reorder the dims: y.shape[i] = x.shape[dims[i]]; backward applies the inverse order."""

    op_name = "permute"
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.array.transpose(dims)  # the method: xp.transpose's Python wrapper costs more

    @staticmethod
    def backward(ctx, gy):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return permute(gy, tuple(inverse)), None


def permute(x: Tensor, dims) -> Tensor:
    if len(dims) != x.ndim:  # checked first, as PyTorch's RuntimeError
        raise RuntimeError(
            f"permute: number of dims don't match in permute: the tensor has {x.ndim} "
            f"(shape {tuple(x.shape)}), the ordering {tuple(dims)} has {len(dims)}"
        )
    order = list(range(x.ndim))
    if type(dims) is tuple and sorted(dims) == order:  # NOTE: no dim to normalise (1.5 us)
        return Permute.apply(x, dims)
    dims = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if sorted(dims) != order:
        raise RuntimeError(
            f"permute: dims {dims} must be a reordering of 0..{x.ndim - 1} for a tensor of "
            f"shape {tuple(x.shape)}"
        )
    return Permute.apply(x, dims)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    dims = list(range(x.ndim))
    d0, d1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _named(Permute.apply(x, tuple(dims)), x, "TransposeBackward0")


swapaxes = transpose


def movedim(x: Tensor, source: int, destination: int) -> Tensor:
    dims = list(range(x.ndim))
    src = normalize_dim(source, x.ndim, "movedim")
    dst = normalize_dim(destination, x.ndim, "movedim")
    if x.ndim:  # a 0-d tensor takes dim 0 (or -1) and stays as it is
        dims.remove(src)
        dims.insert(dst, src)
    return Permute.apply(x, tuple(dims))


def squeeze(x: Tensor, dim=None) -> Tensor:
    if dim is None:
        shape = tuple(s for s in x.array.shape if s != 1)
    else:
        dims = normalize_dims(dim, x.ndim, "squeeze")
        shape = tuple(s for i, s in enumerate(x.array.shape) if not (i in dims and s == 1))
    version = 0 if dim is None else 1 if isinstance(dim, int) else 2  # PyTorch's overloads
    # a new view even where no dim is squeezed, as PyTorch's (`out.squeeze(-1)` is not out)
    return _named(Reshape.apply(x, shape), x, f"SqueezeBackward{version}")


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    shape = x.array.shape
    return _named(Reshape.apply(x, shape[:d] + (1,) + shape[d:]), x, "UnsqueezeBackward0")


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    s = normalize_dim(start_dim, x.ndim, "flatten")
    e = normalize_dim(end_dim, x.ndim, "flatten")
    if x.ndim == 0:
        return reshape_if_needed(x, (1,))
    if s > e:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim "
            f"({end_dim}) for a tensor of shape {tuple(x.shape)}"
        )
    shape = x.array.shape
    middle = 1
    for n in shape[s : e + 1]:
        middle *= n
    return reshape_if_needed(x, shape[:s] + (middle,) + shape[e + 1 :])


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    d = normalize_dim(dim, x.ndim, "unflatten")
    _at_least_1d("unflatten", x)
    shape = x.array.shape
    inner = _infer_shape(sizes, shape[d], "unflatten")
    return Reshape.apply(x, shape[:d] + inner + shape[d + 1 :])  # a new view, as PyTorch's


def _named(y: Tensor, x: Tensor | None, name: str) -> Tensor:
    """y, its node named as PyTorch names the op's (grad_fn=<UnsqueezeBackward0>, where the
    Reshape it is built on says ViewBackward0); x's own node is left alone where y is x."""
    if y is not x and y.grad_fn is not None:
        y.grad_fn._name = name
    return y


class Cat(Function):
    """Join tensors along an existing dim; backward splits the gradient into the pieces."""

    op_name = "cat"

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ctx.sizes = [t.array.shape[dim] for t in tensors]
        return tensors[0].device.xp.concatenate([t.array for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return (None, *split(gy, ctx.sizes, ctx.dim))


def check_tensors(op: str, tensors) -> None:
    """PyTorch's TypeError for an element of tensors that is not a Tensor."""
    for k, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{op}: expected Tensor as element {k} in argument 0, but got {type(t).__name__}"
            )


def _check_same_shapes(op: str, tensors, skip_dim=None) -> None:
    try:  # NOTE: not checked first: one pass over the tensors, not two
        a = tensors[0].array.shape
        # each distinct shape is checked once (a collated batch has one): slicing every
        # shape took 116 us for 1000 tensors
        shapes = {t.array.shape for t in tensors}
    except AttributeError:
        check_tensors(op, tensors)
        raise
    d = len(a) if skip_dim is None else skip_dim
    expected = a[:d] + a[d + 1 :]
    if all(len(b) == len(a) and b[:d] + b[d + 1 :] == expected for b in shapes):
        return
    for i, t in enumerate(tensors[1:], 1):
        b = t.array.shape
        if len(b) != len(a) or b[:d] + b[d + 1 :] != expected:
            what = f"except in dimension {skip_dim}" if skip_dim is not None else "exactly"
            raise RuntimeError(
                f"{op}: sizes of tensors must match {what}; tensor 0 has shape {tuple(a)} and "
                f"tensor {i} has shape {tuple(b)}"
            )


def _same_dtype(tensors):
    first = tensors[0].array.dtype
    if all(t.array.dtype == first for t in tensors):
        return tensors
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = dtypes.promote_types(dtype, t.dtype)
    return [t if t.dtype is dtype else t.to(dtype=dtype) for t in tensors]


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    if isinstance(tensors, Tensor):
        raise TypeError("cat(): expected a tuple or list of Tensors, got a Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of Tensors")
    try:
        tensors = _same_dtype(tensors)
    except AttributeError:
        check_tensors("cat", tensors)
        raise
    # NOTE: PyTorch's legacy rule: a 1-d empty tensor joins any shape (its dtype counts);
    # when all are such, no dim is checked
    joined = [t for t in tensors if not (t.ndim == 1 and t.array.shape[0] == 0)]
    if not joined:
        y = Cat.apply(0, *tensors)
        return y if out is None else write_out("cat", y, out, cast_error=TypeError)
    for i, t in enumerate(joined):
        if t.ndim == 0:
            raise RuntimeError(
                f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; "
                "use stack() to join 0-d tensors"
            )
    d = normalize_dim(dim, joined[0].ndim, "cat")
    _check_same_shapes("cat", joined, skip_dim=d)
    y = Cat.apply(d, *joined)
    return y if out is None else write_out("cat", y, out, cast_error=TypeError)


concat = concatenate = cat


class Stack(Function):
    """Join tensors of one shape along a new dim; backward unbinds the gradient into the
    pieces. # NOTE: one node each way: a cat and a reshape were two forward and three
    backward (the reshape's, the split, the engine's accumulation)."""

    op_name = "stack"

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        xp, arrays = tensors[0].device.xp, [t.array for t in tensors]
        shape = arrays[0].shape
        if dim == len(shape):  # a new last dim: each piece a column
            return xp.stack(arrays, axis=dim)
        # NOTE: joined along dim into the result's memory, seen as (..., n * size, ...):
        # xp.stack indexes every piece first, a third more for a batch of 256 samples
        n, before, after = len(arrays), shape[:dim], shape[dim + 1 :]
        y = xp.empty(before + (n, shape[dim]) + after, arrays[0].dtype)
        xp.concatenate(arrays, axis=dim, out=y.reshape(before + (n * shape[dim],) + after))
        return y

    @staticmethod
    def backward(ctx, gy):
        return (None, *unbind(gy, ctx.dim))


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of Tensors")
    _check_same_shapes("stack", tensors)
    d = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    y = Stack.apply(d, *_same_dtype(tensors))
    return y if out is None else write_out("stack", y, out, cast_error=TypeError)


class Split(Function):
    """Cut x along `dim` into pieces of the given sizes; backward joins the gradients."""

    op_name = "split"
    is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        # NOTE: a basic slice per piece, not xp.split: its Python wrapper took 15 of the 16 us
        # that four pieces of a (64, 256) took
        before, pieces, start = (slice(None),) * dim, [], 0
        for s in sizes:
            pieces.append(x.array[(*before, slice(start, start + s))])
            start += s
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        return Cat.apply(ctx.dim, *grads), None, None


def _at_least_1d(op: str, x: Tensor) -> None:
    if x.ndim == 0:
        raise RuntimeError(f"{op} expects at least a 1-dimensional tensor (got a 0-d tensor)")


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    _at_least_1d("split", x)
    d = normalize_dim(dim, x.ndim, "split")
    n = x.array.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0 or (step == 0 and n):
            raise RuntimeError(
                f"split: split_size must be positive (0 only if the dimension is empty), got "
                f"{step} for dim {d} of size {n}"
            )
        sizes = [min(step, n - i) for i in range(0, n, step or 1)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(
                f"split: split_with_sizes expects split_sizes to sum exactly to {n} (input "
                f"tensor's size at dimension {d}), but got split_sizes={sizes}"
            )
    out = Split.apply(x, sizes, d)
    return out if isinstance(out, tuple) else (out,)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise RuntimeError(f"chunk: expects `chunks` to be greater than 0, got: {chunks}")
    _at_least_1d("chunk", x)
    n = x.array.shape[normalize_dim(dim, x.ndim, "chunk")]
    if n == 0:  # PyTorch's rule: an empty dim gives `chunks` empty pieces, not one
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


class Unbind(Function):
    """The slices of x along `dim`, each without that dim (views); backward stacks the
    gradients. # NOTE: one node for all the slices: a split and a squeeze per slice cost
    3.6 us a slice (an RNN's `x.unbind(0)` over its time steps)."""

    op_name = "unbind"
    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        moved = x.device.xp.moveaxis(x.array, dim, 0)
        return tuple(moved[i, ...] for i in range(moved.shape[0]))  # `...`: 0-d views, no copies

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim), None


def unbind(x: Tensor, dim: int = 0) -> tuple:
    d = normalize_dim(dim, x.ndim, "unbind")
    if x.array.shape[d] == 0:
        return ()
    out = Unbind.apply(x, d)
    return out if isinstance(out, tuple) else (out,)


class Repeat(Function):
    """Tile x `repeats` times along each dim; backward sums the copies."""

    op_name = "repeat"

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.shape = x.array.shape
        ctx.repeats = repeats
        return x.device.xp.tile(x.array, repeats)

    @staticmethod
    def backward(ctx, gy):
        lead = len(ctx.repeats) - len(ctx.shape)
        shape = (1,) * lead + ctx.shape
        # view each dim as (copies, size) and sum over the copies
        split_shape = []
        for r, s in zip(ctx.repeats, shape):
            split_shape += [r, s]
        g = reshape_if_needed(gy, split_shape)
        from minigrad.ops.reduce import sum as reduce_sum

        g = reduce_sum(g, dim=tuple(range(0, 2 * len(shape), 2)))
        return reshape_if_needed(g, ctx.shape), None


def repeat(x: Tensor, repeats) -> Tensor:
    repeats = tuple(repeats)
    if len(repeats) < x.ndim:
        raise RuntimeError(
            "repeat: number of dimensions of repeat dims can not be smaller than number of "
            f"dimensions of tensor (repeats {repeats} for a tensor of shape {tuple(x.shape)})"
        )
    if min(repeats, default=0) < 0:
        raise RuntimeError(f"repeat: repeats can not be negative, got {repeats}")
    return Repeat.apply(x, repeats)


class Flip(Function):
    """Reverse the order along `dims`; backward flips the gradient back."""

    op_name = "flip"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        # NOTE: a copy, as PyTorch's flip: NumPy's is a view, through which an in-place op on
        # the result would change x
        return x.device.xp.flip(x.array, axis=dims).copy()

    @staticmethod
    def backward(ctx, gy):
        return Flip.apply(gy, ctx.dims), None


def flip(x: Tensor, dims) -> Tensor:
    return Flip.apply(x, normalize_dims(dims, x.ndim, "flip"))


class Unfold(Function):
    """Windows of `size` elements every `step` along `dim`, as a view: that dim becomes the
    window count and a new last dim of `size` walks through a window. Windows may overlap,
    so the backward adds each window's gradient back (`UnfoldBackward`)."""

    op_name = "unfold"
    is_view = True

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.args = x.array.shape, (dim, size, step)
        array, shape = x.array, x.array.shape
        count = (shape[dim] - size) // step + 1
        strides = array.strides
        return strided_view(
            x.device.xp,
            array,
            shape[:dim] + (count,) + shape[dim + 1 :] + (size,),
            strides[:dim] + (strides[dim] * step,) + strides[dim + 1 :] + (strides[dim],),
            "unfold",
        )

    @staticmethod
    def backward(ctx, gy):
        return UnfoldBackward.apply(gy, ctx.shape, *ctx.args), None, None, None


class UnfoldBackward(Function):
    """Zeros of `shape` with each window of g added back where it was read (overlapping
    windows add up); its backward unfolds again."""

    op_name = "unfold_backward"

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        xp = g.device.xp
        out = xp.zeros(shape, dtype=g.array.dtype)
        windows = xp.moveaxis(g.array, -1, dim + 1)  # (*, count, size, *)
        count = windows.shape[dim]
        lead = (slice(None),) * dim
        # NOTE: one slice addition per window offset, or per window: whichever is fewer
        if size <= count:
            for j in range(size):
                out[lead + (slice(j, j + step * (count - 1) + 1, step),)] += windows[
                    lead + (slice(None), j)
                ]
        else:
            for k in range(count):
                out[lead + (slice(k * step, k * step + size),)] += windows[lead + (k,)]
        return out

    @staticmethod
    def backward(ctx, gg):
        return Unfold.apply(gg, *ctx.args), None, None, None, None


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """`Tensor.unfold`: all windows of `size` elements, `step` apart, along `dimension`."""
    d = normalize_dim(dimension, x.ndim, "unfold")
    for name, value in (("size", size), ("step", step)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"unfold(): argument '{name}' must be int, not {type(value).__name__}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    n = x.array.shape[d] if x.ndim else 1
    if size > n:
        raise RuntimeError(
            f"unfold: maximum size for tensor at dimension {d} is {n} but size is {size} "
            f"(tensor of shape {tuple(x.shape)})"
        )
    if x.ndim == 0:  # PyTorch's rule: a 0-d tensor gives its one element, or none
        from minigrad.ops.indexing import getitem

        return getitem(reshape_if_needed(x, (1,)), slice(0, size))
    return Unfold.apply(x, d, size, step)


class Triangle(Function):
    """Keep the lower (tril) or upper (triu) triangle of the last two dims; zero the rest."""

    op_name = "triangle"

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        xp = x.device.xp
        rows, cols = x.array.shape[-2:]
        keep = (xp.triu if upper else xp.tril)(xp.ones((rows, cols), dtype=bool), diagonal)
        ctx.keep = keep
        return xp.where(keep, x.array, 0).astype(x.array.dtype)

    @staticmethod
    def backward(ctx, gy):
        return gy * Tensor._make(ctx.keep.astype(gy.array.dtype)), None, None


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(
            f"tril: input tensor must have at least 2 dimensions, got {x.ndim}-D {tuple(x.shape)}"
        )
    return _named(Triangle.apply(x, diagonal, False), x, "TrilBackward0")


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(
            f"triu: input tensor must have at least 2 dimensions, got {x.ndim}-D {tuple(x.shape)}"
        )
    return _named(Triangle.apply(x, diagonal, True), x, "TriuBackward0")


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors: output i varies along dim i ('ij'), or, with 'xy',
    the first two swap places (x along columns), as `torch.meshgrid`."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:  # PyTorch warns (once per process), then uses 'ij'
        warn_once(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors[1:]:
        if t.dtype is not tensors[0].dtype or t.device != tensors[0].device:
            raise RuntimeError(
                "meshgrid expects all tensors to have the same dtype and device, got "
                f"{tensors[0].dtype} on {tensors[0].device} and {t.dtype} on {t.device}"
            )
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        placed = [1] * len(tensors)
        placed[axis] = -1
        grids.append(expand(reshape_if_needed(t, placed), shape))
    return tuple(grids)


def _nonempty(op: str, tensors) -> list:
    """The tensors as a list; none at all: PyTorch's RuntimeError (cat's is a ValueError)."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    return tensors


def vstack(tensors) -> Tensor:
    """cat along dim 0, with 1-D tensors taken as rows (1, n)."""
    return cat(
        [reshape_if_needed(t, (1, -1)) if t.ndim < 2 else t for t in _nonempty("vstack", tensors)],
        0,
    )


row_stack = vstack


def hstack(tensors) -> Tensor:
    """cat along dim 1, or along dim 0 when the tensors are 1-D (0-d ones become 1-D)."""
    tensors = [
        reshape_if_needed(t, (1,)) if t.ndim == 0 else t for t in _nonempty("hstack", tensors)
    ]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def column_stack(tensors) -> Tensor:
    """cat along dim 1, with 0-d and 1-D tensors taken as columns (n, 1)."""
    tensors = _nonempty("column_stack", tensors)
    return cat([reshape_if_needed(t, (-1, 1)) if t.ndim < 2 else t for t in tensors], 1)


def dstack(tensors) -> Tensor:
    """cat along dim 2 (depth) of the tensors made at least 3-D."""
    return cat([atleast_3d(t) for t in _nonempty("dstack", tensors)], 2)


def _atleast(tensors, shape_of):
    out = tuple(
        t if len(shape_of(t)) == t.ndim else reshape_if_needed(t, shape_of(t)) for t in tensors
    )
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes (1,)); one tensor, or a tuple."""
    tensors = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    return _atleast(tensors, lambda t: t.shape if t.ndim >= 1 else (1,))


def atleast_2d(*tensors):
    """At least 2 dims: (n,) becomes (1, n), as NumPy's."""
    tensors = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    return _atleast(tensors, lambda t: t.shape if t.ndim >= 2 else (1,) * (2 - t.ndim) + t.shape)


def atleast_3d(*tensors):
    """At least 3 dims: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1), as NumPy's."""
    tensors = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    shapes = {0: lambda s: (1, 1, 1), 1: lambda s: (1, *s, 1), 2: lambda s: (*s, 1)}
    return _atleast(tensors, lambda t: shapes[t.ndim](t.shape) if t.ndim < 3 else t.shape)


# -- PyTorch's shape helpers, composed of the ops above (their gradients come with them) ------
def moveaxis(x: Tensor, source, destination) -> Tensor:
    """movedim for one dim or matching sequences of dims (the others keep their order)."""
    if isinstance(source, int) and isinstance(destination, int):
        return movedim(x, source, destination)
    src = [normalize_dim(d, x.ndim, "movedim") for d in source]
    dst = [normalize_dim(d, x.ndim, "movedim") for d in destination]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source {tuple(source)} or destination {tuple(destination)}: "
            "they must have the same length and no repeated dims"
        )
    rest = iter(d for d in range(x.ndim) if d not in src)
    placed = dict(zip(dst, src))
    return Permute.apply(x, tuple(placed[i] if i in placed else next(rest) for i in range(x.ndim)))


def fliplr(x: Tensor) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {tuple(x.shape)}.")
    return flip(x, (1,))


def flipud(x: Tensor) -> Tensor:
    if x.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(x, (0,))


def rot90(x: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by k quarter turns in the plane of dims, from dims[0] towards dims[1]."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = (normalize_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(
            f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    k %= 4
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, (d0,)), d0, d1)
    return x.clone()


def tile(x: Tensor, dims) -> Tensor:
    """repeat, with fewer dims than x meaning leading 1s (repeat refuses those)."""
    if isinstance(dims, int):
        raise TypeError("tile(): argument 'dims' must be tuple of ints, not int")
    dims = tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def diff(x: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The n-th forward difference along dim (logical xor for bools), after prepend and
    append are joined to x."""
    from minigrad.ops.indexing import narrow
    from minigrad.ops.nograd import logical_xor

    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = normalize_dim(dim, x.ndim, "diff")
    for name, part in (("prepend", prepend), ("append", append)):
        if part is not None and not isinstance(part, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(part).__name__}")
    parts = [p for p in (prepend, x, append) if p is not None]
    if any(p.ndim != x.ndim for p in parts):
        raise RuntimeError(
            f"diff expects prepend or append to be the same dimension as input: got shapes "
            f"{[tuple(p.shape) for p in parts]}"
        )
    if len(parts) > 1:
        x = cat(parts, d)
    for _ in range(n):
        size = x.array.shape[d]
        if size == 0:
            break
        later, earlier = narrow(x, d, 1, size - 1), narrow(x, d, 0, size - 1)
        x = logical_xor(later, earlier) if x.array.dtype.kind == "b" else later - earlier
    return x


def broadcast_shapes(*shapes) -> tuple:
    """The shape all of shapes broadcast to, as PyTorch (a RuntimeError when they cannot)."""
    from minigrad.tensor import Size

    out: list = []
    for shape in shapes:
        shape = _plain_shape(shape)
        out = [1] * (len(shape) - len(out)) + out
        for i, n in enumerate(shape, start=len(out) - len(shape)):
            if out[i] != n and 1 not in (out[i], n):
                shown = " and ".join(str(_plain_shape(s)) for s in shapes)
                raise RuntimeError(
                    f"The size of tensor a ({out[i]}) must match the size of tensor b ({n}) "
                    f"at non-singleton dimension {i}; shapes {shown} cannot be broadcast"
                )
            out[i] = n if out[i] == 1 else out[i]
    return Size(out)


def _plain_shape(shape) -> tuple:
    return (shape,) if isinstance(shape, int) else tuple(shape)


def broadcast_tensors(*tensors) -> tuple:
    try:
        shape = broadcast_shapes(*(t.shape for t in tensors))
    except RuntimeError as exc:
        raise RuntimeError(f"broadcast_tensors: {exc}") from None
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)


def tensor_split(x: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """x cut along dim into n nearly equal parts (the first n % size one longer), or at the
    given indices (clamped, as Python slices)."""
    from minigrad.ops.indexing import getitem

    _at_least_1d("tensor_split", x)
    d = normalize_dim(dim, x.ndim, "tensor_split")
    size = x.array.shape[d]
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.ndim > 1 or indices_or_sections.array.dtype.kind not in "iu":
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional tensor of integers, got {indices_or_sections.dtype} "
                f"{tuple(indices_or_sections.shape)}"
            )
        found = indices_or_sections.tolist()
        indices_or_sections = found if isinstance(found, list) else int(found)
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(
                f"tensor_split: number of sections must be larger than 0, got {sections}"
            )
        small, extra = divmod(size, sections)
        bounds, start = [], 0
        for i in range(sections - 1):
            start += small + (i < extra)
            bounds.append(start)
    else:
        bounds = [int(i) for i in indices_or_sections]
    starts, ends = [0, *bounds], [*bounds, size]
    lead = (slice(None),) * d
    return tuple(getitem(x, lead + (slice(a, b),)) for a, b in zip(starts, ends))


def _split_along(op: str, x: Tensor, indices_or_sections, dim: int, min_ndim: int) -> tuple:
    """hsplit, vsplit, dsplit: tensor_split, with PyTorch's checks."""
    if x.ndim < min_ndim:
        raise RuntimeError(
            f"torch.{op} requires a tensor with at least {min_ndim} dimension, but got a "
            f"tensor with {x.ndim} dimensions!"
        )
    if isinstance(indices_or_sections, int):
        size = x.array.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(
                f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                f"dimension {size} is not divisible by the split_size {indices_or_sections}!"
            )
    return tensor_split(x, indices_or_sections, dim)


def hsplit(x: Tensor, indices_or_sections) -> tuple:
    return _split_along("hsplit", x, indices_or_sections, 0 if x.ndim == 1 else 1, 1)


def vsplit(x: Tensor, indices_or_sections) -> tuple:
    return _split_along("vsplit", x, indices_or_sections, 0, 2)


def dsplit(x: Tensor, indices_or_sections) -> tuple:
    return _split_along("dsplit", x, indices_or_sections, 2, 3)


def block_diag(*tensors) -> Tensor:
    """The matrices (0-d: 1x1, 1-d: one row) on the diagonal of a zero matrix, in the
    promoted dtype."""
    if not tensors:
        raise RuntimeError("block_diag: expected at least one tensor")
    blocks = []
    for t in _same_dtype(list(tensors)):
        if t.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{len(blocks)} has {t.ndim} dimensions"
            )
        blocks.append(reshape_if_needed(t, (1, -1) if t.ndim < 2 else t.shape))
    width = 0
    for b in blocks:
        width += b.shape[1]
    rows, left = [], 0
    for b in blocks:
        h, w = b.shape
        xp = b.device.xp
        pieces = [
            Tensor._make(xp.zeros((h, left), dtype=b.array.dtype)),
            b,
            Tensor._make(xp.zeros((h, width - left - w), dtype=b.array.dtype)),
        ]
        rows.append(cat(pieces, 1))
        left += w
    return cat(rows, 0)


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (one tensor: itself)."""
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(
                f"Expect a 1D vector, but got shape {list(t.shape)} in cartesian_prod"
            )
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape_if_needed(g, (-1,)) for g in grids], 1)


def combinations(x: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The r-element combinations of a 1-D tensor's elements, in order, as rows (k, r)."""
    import itertools

    from minigrad.ops.indexing import getitem

    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(x.device.xp.zeros((0,), dtype=x.array.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    chosen = list(pick(range(x.array.shape[0]), r))
    index = x.device.xp.asarray(chosen, dtype="int64").reshape(len(chosen), r)
    return getitem(x, Tensor._make(index))
