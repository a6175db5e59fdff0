"""Indexing: x[index] (basic and advanced) with gradient, x[index] = v, gather, one_hot.

# NOTE: the backward of x[index] adds the gradient into a zero tensor at the same places;
# with advanced indexing an element can be picked twice, so it must add (scatter-add), not
# assign.
"""

from __future__ import annotations

from minigrad import dtypes
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import state
from minigrad.ops._util import array_of, check_same_device, normalize_dim
from minigrad.ops.elementwise import no_grad_op
from minigrad.ops.shape import sum_to
from minigrad.tensor import Tensor


def _to_index(index, x: Tensor):
    """A NumPy/CuPy index from what users write: ints, slices, None, ..., lists, tensors."""
    parts = index if isinstance(index, tuple) else (index,)
    out, advanced = [], False
    for part in parts:
        if isinstance(part, Tensor):
            if part._device is not x._device:
                raise RuntimeError(
                    f"index: indices are on {part.device} but the tensor is on {x.device}; "
                    "move them with .to()"
                )
            if part.array.dtype.kind not in "iub":
                raise IndexError(
                    "tensors used as indices must be long, int, byte or bool tensors, got "
                    f"{part.dtype}"
                )
            part = part.array
        elif isinstance(part, (list, tuple)):
            part = x.device.xp.asarray([p.item() if isinstance(p, Tensor) else p for p in part])
        if hasattr(part, "ndim"):
            advanced = True
        out.append(part)
    return tuple(out), advanced


def _index_error(x: Tensor, exc: Exception) -> IndexError:
    return IndexError(f"index: {exc} (tensor of shape {tuple(x.shape)})")


class GetItem(Function):
    """y = x[index]; backward adds gy into zeros at the same places."""

    @staticmethod
    def forward(ctx, x, index, advanced):
        ctx.shape, ctx.index, ctx.advanced = x.array.shape, index, advanced
        try:
            return x.array[index]
        except IndexError as exc:
            raise _index_error(x, exc) from None

    @staticmethod
    def backward(ctx, gy):
        return IndexAdd.apply(gy, ctx.shape, ctx.index, ctx.advanced), None, None


class IndexAdd(Function):
    """y = zeros(shape) with g added at index (the scatter-add); backward gathers."""

    @staticmethod
    def forward(ctx, g, shape, index, advanced):
        ctx.index, ctx.advanced = index, advanced
        xp = g.device.xp
        out = xp.zeros(shape, dtype=g.array.dtype)
        if advanced:
            xp.add.at(out, index, g.array)
        else:
            out[index] = g.array
        return out

    @staticmethod
    def backward(ctx, gy):
        return GetItem.apply(gy, ctx.index, ctx.advanced), None, None, None


def getitem(x: Tensor, index) -> Tensor:
    idx, advanced = _to_index(index, x)
    return GetItem.apply(x, idx, advanced)


class IndexPut(Function):
    """y = x with y[index] = v; gradient: gy with zeros at index to x, gy[index] to v."""

    @staticmethod
    def forward(ctx, x, index, value):
        ctx.index = index
        ctx.value_shape = value.array.shape if isinstance(value, Tensor) else None
        y = x.array.copy()
        try:
            y[index] = array_of(value)
        except (IndexError, ValueError) as exc:
            raise _index_error(x, exc) from None
        return y

    @staticmethod
    def backward(ctx, gy):
        gx = IndexPut.apply(gy, ctx.index, 0.0) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[2]:
            gv = sum_to(GetItem.apply(gy, ctx.index, True), ctx.value_shape)
        return gx, None, gv


def setitem(x: Tensor, index, value) -> None:
    """x[index] = value: in place without a graph, recorded when gradients are needed."""
    idx, _ = _to_index(index, x)
    if isinstance(value, Tensor) and value._device is not x._device:
        raise RuntimeError(
            f"index_put: value is on {value.device} but the tensor is on {x.device}; move it "
            "with .to()"
        )
    graph = state.enabled and (
        x._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
    )
    if not graph:
        try:
            x.array[idx] = array_of(value)
        except (IndexError, ValueError) as exc:
            raise _index_error(x, exc) from None
        x._version += 1
        return
    x._inplace(lambda s, v: IndexPut.apply(s, idx, v), value)


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
    check_same_device("gather", input, index)  # a host index would be copied silently
    if index.ndim != input.ndim:
        raise RuntimeError(
            f"gather: index tensor must have the same number of dimensions as input tensor "
            f"({index.ndim} != {input.ndim})"
        )
    return GetItem.apply(input, _along_dim(index, d), True)


def scatter_to(g: Tensor, dim: int, index_array, shape) -> Tensor:
    """Zeros of `shape` with g added at index along dim (the backward of gather-like ops)."""
    return IndexAdd.apply(g, shape, _along_dim(Tensor._make(index_array), dim), True)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    d = normalize_dim(dim, input.ndim, "index_select")
    return getitem(input, (slice(None),) * d + (index,))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a trailing dim of size num_classes: 1 at each class index."""
    if tensor.array.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor (int64)")
    xp = tensor.device.xp
    labels = tensor.array
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise RuntimeError(
            f"one_hot: class values must be in [0, num_classes={num_classes}); got values in "
            f"[{int(labels.min())}, {int(labels.max())}]"
        )
    classes = xp.arange(num_classes)

    def encode(labels):
        return (labels[..., None] == classes).astype(dtypes.int64.np)

    return no_grad_op("one_hot", encode, tensor, num_classes=num_classes)
