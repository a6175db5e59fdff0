"""Small helpers shared by the op files: operands, result dtypes and dims."""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

try:  # NumPy 2
    from numpy._core import umath as _umath
except ImportError:  # NumPy 1.26
    from numpy.core import umath as _umath

from minigrad import dtypes
from minigrad.tensor import Tensor


def array_of(x):
    """The array of a Tensor, or a Python number as it is."""
    return x.array if isinstance(x, Tensor) else x


def needs_grads(ctx, n: int = 2) -> tuple:
    """ctx.needs_input_grad, or all True for a ctx made outside Function.apply (a static
    graph's replay, whose gradient may read any tensor the trace saved)."""
    return ctx.needs_input_grad or (True,) * n


def cast_to(y, dtype):
    """The array y as dtype (y itself when it already is)."""
    return y if y.dtype == dtype else y.astype(dtype)


def number_arg(op: str, name: str, value):
    """An argument PyTorch takes as a number (a Scalar): a 0-d tensor that needs no gradient
    passes as its number; any other tensor is PyTorch's TypeError."""
    if not isinstance(value, Tensor):
        return value
    if value.ndim or value.requires_grad:
        raise TypeError(f"{op}(): argument '{name}' must be Number, not Tensor")
    return value.item()


def tensor_arg(x, like, wrap=True):
    """An op's operand: Python numbers stay numbers (cheap); arrays and lists become tensors
    on `like`'s device. With wrap, a Python int beyond the range of `like`'s integer dtype
    wraps into it, as PyTorch casts it (uint8 tensor - 3 is x + 253, modulo 256)."""
    if type(x) is Tensor:  # NOTE: first: the common case, on every binary op's hot path
        return x
    if wrap and type(x) is int and isinstance(like, Tensor):
        bounds = _INT_BOUNDS.get(like.array.dtype)
        if bounds is not None and not bounds[0] <= x <= bounds[1]:
            return _wrapped(x, bounds)
        return x
    if isinstance(x, (Tensor, int, float, bool)):
        return x
    if x is None:  # x + None: PyTorch's TypeError (a function that forgot to return?)
        raise TypeError("unsupported operand type(s): 'Tensor' and 'NoneType'")
    from minigrad.creation import tensor

    return tensor(x, device=like.device if isinstance(like, Tensor) else None)


def deferred_loss(fn, input, tensors: tuple, options: tuple):
    """`fn(input, *tensors, *options)` as a pending loss that joins the compiled region whose
    pending result `input` is (see minigrad/static/pending.py); None for any other input, and
    where the loss cannot join (the caller computes it then)."""
    defer = getattr(input, "_defer_loss", None)
    return None if defer is None else defer(fn, tensors, options)


# the (min, max) of each integer dtype (np.iinfo costs a microsecond a call)
_INT_BOUNDS = {
    np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
    for t in (np.uint8, np.int8, np.int16, np.int32, np.int64)
}


def _wrapped(value: int, bounds: tuple) -> int:
    low, high = bounds
    span = high - low + 1
    value %= span
    return value - span if value > high else value


def check_int_size(value) -> None:
    """OverflowError for an int PyTorch cannot unpack as a fill value: one past 64 bits."""
    if type(value) is int and not -(2**63) <= value < 2**64:
        raise OverflowError(f"int too big to convert (an int of {value.bit_length()} bits)")


def check_fill(value, dtype) -> None:
    """RuntimeError, as PyTorch's, for a fill value dtype cannot hold: numbers must lie in an
    integer dtype's range (for unsigned dtypes down to -max, which wraps: -1 is 255), finite
    ones in a float dtype's range (inf and nan are kept); OverflowError for an int PyTorch
    cannot unpack (past 64 bits), whatever the dtype. A 0-d tensor of another dtype is
    checked as its number, as PyTorch reads it (one of the same dtype always fits)."""
    if isinstance(value, Tensor) and value.array.dtype != dtype and value.array.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    check_int_size(value)
    if dtype.kind == "f" and math.isfinite(value):
        if abs(value) > float(np.finfo(dtype).max):
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
        return
    if dtype.kind not in "iu":
        return
    info = np.iinfo(dtype)
    low = -info.max if dtype.kind == "u" and isinstance(value, int) else info.min
    if not low <= value <= info.max:
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


def as_fill(value, dtype):
    """value, checked by check_fill, as a fill of dtype takes it: a negative int wraps into an
    unsigned dtype (-1 is 255 in uint8, as PyTorch's; NumPy refuses it)."""
    check_fill(value, dtype)
    if isinstance(value, int) and dtype.kind == "u":
        value %= 1 << (8 * dtype.itemsize)
    return value


def shape_of(x) -> tuple | None:
    return x.array.shape if isinstance(x, Tensor) else None


def result_dtype(a, b):
    """The NumPy dtype PyTorch gives `a op b` (see `dtypes.result_type`), with fast paths."""
    if isinstance(a, Tensor):
        da = a.array.dtype
        if isinstance(b, Tensor):
            db = b.array.dtype
            if da == db or (da.kind == "f" and db.kind == "b"):  # a float times a mask
                return da
        elif da.kind == "f" and isinstance(b, (int, float)):
            return da
    elif isinstance(b, Tensor) and b.array.dtype.kind == "f" and isinstance(a, (int, float)):
        return b.array.dtype
    return dtypes.result_type(array_of(a), array_of(b)).np


def common_arrays(a, b):
    """The arrays of a and b, both in their promoted dtype when they are tensors of different
    dtypes: PyTorch casts a 0-d operand into the result's dtype before the kernel (a 0-d int64
    -7 against uint8 is 249), where NumPy would widen both."""
    x, z = array_of(a), array_of(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and x.dtype != z.dtype:
        dtype = result_dtype(a, b)
        return cast_to(x, dtype), cast_to(z, dtype)
    return x, z


def float_result(dtype):
    """Ops such as exp and true division give floats: ints and bools become the default float."""
    return dtype if dtype.kind == "f" else dtypes.get_default_dtype().np


def as_float_array(x: Tensor):
    array = x.array
    return array if array.dtype.kind == "f" else array.astype(dtypes.get_default_dtype().np)


def kernel_type(np_dtype) -> str:
    """PyTorch's name of a dtype in its kernel errors, quoted: 'Float', 'Long', 'Bool'."""
    name = dtypes.legacy_name(dtypes.from_numpy_dtype(np_dtype))
    return "'" + name[: -len("Tensor")] + "'"


def require_floating(kernel: str, x: Tensor) -> None:
    """NotImplementedError, as PyTorch's CPU kernels, for an integer or bool input: softmax,
    gelu, the norms and the losses have no integer kernels there (they do not promote)."""
    if x.array.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for {kernel_type(x.array.dtype)}')


def expect_floating(op: str, x: Tensor) -> None:
    """RuntimeError, as PyTorch's, for an integer or bool input to a norm or a linalg op."""
    if x.array.dtype.kind != "f":
        name = dtypes.legacy_name(x.dtype)[: -len("Tensor")]
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {name}"
        )


def half_as_float32(array):
    """A float16 array as float32 for the arithmetic, any other array as it is.

    # NOTE: PyTorch's CPU kernels compute half precision in float32 and round the result once;
    # in float16 a sum of squares overflows (above 65504) and an exp underflows early."""
    return array.astype(np.float32) if array.dtype == np.float16 else array


# NOTE: below the first bound NumPy's reduce costs no more than the product; a sum of every
# element is a product and then a sum, which pays off only from the second; rows longer than
# the third keep NumPy's pairwise sum, more accurate there than BLAS's
_MATMUL_SUM_MIN_SIZE, _MATMUL_TOTAL_MIN_SIZE, _MATMUL_SUM_MAX_ROW = 256, 16384, 4096


def sum_array(xp, array, axes: tuple, keepdims: bool = False):
    """`array.sum(axis=axes, keepdims=keepdims)` (axes sorted), as a matmul with ones where
    NumPy is slow.

    # NOTE: NumPy sums the leading axes of a C-contiguous array one row at a time, and a short
    # last axis with one short loop per row: BLAS's matrix-vector product with ones is two to
    # eight times faster for a bias gradient (4096, 32) or softmax rows (4096, 10), and NumPy's
    # pairwise sum of a whole float32 array runs at a third of that speed (1000 x 1000: 133 ->
    # 45 us, rows first, then their sums pairwise). The leading axes are added in the same
    # order as NumPy's row-by-row sum. The ones are made once per length (`_shared_ones`):
    # making them cost as much as the product on a (64, 128) bias gradient, which is then 2.1 ->
    # 0.95 us, (64, 10) 1.7 -> 0.7. CuPy's reductions are fast.
    """
    if xp is not np:
        return array.sum(axis=axes, keepdims=keepdims)
    if (
        not axes  # a sum over no axes (a layer norm's weight over an input of its shape)
        or array.size < _MATMUL_SUM_MIN_SIZE
        or array.dtype.char not in "fd"
        or not array.flags.c_contiguous
    ):
        # NOTE: the ufunc's reduce is what ndarray.sum calls, without its Python wrapper
        return np.add.reduce(array, axis=axes, keepdims=keepdims)
    shape, k = array.shape, len(axes)
    if k < len(shape) and axes[-1] == k - 1:  # the leading axes
        kept = shape[k:]
        n = math.prod(kept)
        m, dtype = array.size // n, array.dtype
        # NOTE: the shared ones looked up here, `_shared_ones` called only to make them: its
        # call cost more than the lookup (a bias gradient in every step)
        ones = _ONES.get((m, dtype))
        if ones is None:
            ones = _shared_ones(m, dtype)
        out = ones @ array.reshape(-1, n)
        # NOTE: a product of shape `kept` already is returned as it is, not as a view of
        # itself: an op's output that is a view is checked against its inputs' memory
        if keepdims or len(kept) > 1:
            out = out.reshape((1,) * k + kept if keepdims else kept)
        return out
    if k < len(shape) and axes[0] == len(shape) - k:  # the trailing axes
        kept = shape[: len(shape) - k]
        row = array.size // math.prod(kept)
        if row <= _MATMUL_SUM_MAX_ROW:
            ones = _ONES.get((row, array.dtype))  # (as for the leading axes)
            if ones is None:
                ones = _shared_ones(row, array.dtype)
            out = array.reshape(-1, row) @ ones
            if keepdims or len(kept) > 1:
                out = out.reshape(kept + (1,) * k if keepdims else kept)
            return out
    if (  # every axis: by rows first
        k == len(shape) > 1
        and shape[-1] <= _MATMUL_SUM_MAX_ROW
        and array.size >= _MATMUL_TOTAL_MIN_SIZE
    ):
        total = (array.reshape(-1, shape[-1]) @ _shared_ones(shape[-1], array.dtype)).sum()
        return total.reshape((1,) * k) if keepdims else total
    return np.add.reduce(array, axis=axes, keepdims=keepdims)


def sum_2d_kernel(xp, shape: tuple, dtype, axis: int, keepdims: bool = False):
    """`sum_array(xp, array, (axis,), keepdims)` for 2-D arrays of `shape` and `dtype`, as a
    function of the array with its choices made once (a compiled plan's kernel: its guards keep
    the shape and dtype): a bias gradient's sum (axis 0) or the sums of softmax rows (axis 1,
    keepdims) as the product with the ones alone.

    # NOTE: an array of another layout takes NumPy's sum, as `sum_array` does, so the bits are
    # eager mode's
    """
    rows, n = shape
    dtype, axes, reduce = np.dtype(dtype), (axis,), np.add.reduce
    if xp is np and rows * n >= _MATMUL_SUM_MIN_SIZE and dtype.char in "fd":
        if axis == 0 and not keepdims:
            ones = _shared_ones(rows, dtype)

            def sum_rows(array):
                return ones @ array if array.flags.c_contiguous else reduce(array, axis=axes)

            return sum_rows
        if axis == 1 and keepdims and n <= _MATMUL_SUM_MAX_ROW:
            ones, kept = _shared_ones(n, dtype), (rows, 1)

            def sum_each_row(array):
                if array.flags.c_contiguous:
                    return (array @ ones).reshape(kept)
                return reduce(array, axis=axes, keepdims=True)

            return sum_each_row
    return functools.partial(sum_array, xp, axes=axes, keepdims=keepdims)


def max_array(xp, array, axis: int, keepdims: bool = False, largest: bool = True):
    """`array.max(axis=axis, keepdims=keepdims)` (or min), read through argmax on the last axis.

    # NOTE: NumPy 2.4's max and min along the last axis are 2-5x slower than its argmax and
    # argmin, which are vectorised: (64, 10) logits 3.3 -> 1.9 us, (512, 512) 47 -> 18 us.
    # argmax finds the first nan, so a row with a nan still gives nan, as max does.
    """
    if axis != array.ndim - 1 or xp is not np or array.dtype.char not in "fd" or not array.size:
        reduce = array.max if largest else array.min
        return reduce(axis=axis, keepdims=keepdims)
    out = pick_last(xp, array, (array.argmax if largest else array.argmin)(axis=-1))
    return out.reshape(out.shape + (1,)) if keepdims else out


def max_rows_kernel(xp, shape: tuple, dtype):
    """`max_array(xp, array, 1, keepdims=True)` for 2-D arrays of `shape` and `dtype`, as a
    function of the array with its choices made once (a compiled plan's kernel): each row's
    argmax picked through one flat index, as `pick_last` does."""
    rows, n = shape
    if xp is not np or np.dtype(dtype).char not in "fd" or not rows * n:
        return functools.partial(max_array, xp, axis=1, keepdims=True)
    starts, kept = shared_arange(xp, rows * n, n), (rows, 1)

    def row_max(array):
        return array.reshape(-1)[array.argmax(axis=-1) + starts].reshape(kept)

    return row_max


def pick_last(xp, array, index):
    """The element of each row (along the last axis) that `index` names: index.shape values,
    through one flat gather (`take_along_axis` costs twice as much on small arrays)."""
    flat = index.reshape(-1) + shared_arange(xp, array.size, array.shape[-1])
    return array.reshape(-1)[flat].reshape(index.shape)


_ARANGES: dict = {}
_ONES: dict = {}


def _shared_ones(n: int, dtype):
    """NumPy ones of length n for `sum_array`'s products: made once per (n, dtype) up to
    65536 elements, shared and read-only (a layer's batch is the same every step)."""
    if n > 65536:
        return np.ones(n, dtype)
    found = _ONES.get((n, dtype))
    if found is None:
        if len(_ONES) >= 256:  # NOTE: bounded, as `_ARANGES`
            _ONES.clear()
        found = _ONES[n, dtype] = np.ones(n, dtype)
        found.flags.writeable = False
    return found


def shared_arange(xp, stop: int, step: int = 1):
    """`xp.arange(0, stop, step)` for indexing: with NumPy made once per (stop, step), shared
    and read-only (a loss's row indices are the same every step)."""
    if xp is not np:
        return xp.arange(0, stop, step)
    found = _ARANGES.get((stop, step))
    if found is None:
        if len(_ARANGES) >= 256:  # NOTE: bounded: a run over many batch sizes keeps no more
            _ARANGES.clear()
        found = _ARANGES[stop, step] = np.arange(0, stop, step)
        found.flags.writeable = False
    return found


def ufunc_of(xp, name: str):
    """The array module's function `name`; for NumPy, the ufunc itself.

    # NOTE: `np.clip` is a Python wrapper around the ufunc `clip` that checks its arguments
    # on every call: a relu replayed through it costs 2.4 us on (64, 128), 1.3 through the ufunc
    """
    if xp is np:
        found = getattr(_umath, name, None)
        if isinstance(found, np.ufunc):
            return found
    return getattr(xp, name)


def zeros_of(xp, array):
    """Zeros of `array`'s shape and dtype, to clip against.

    # NOTE: NumPy's maximum and minimum with the number 0 as one side take a slow loop (4-5x
    # slower on float32 than with an array of zeros, measured on NumPy 2.4)."""
    return xp.zeros(array.shape, array.dtype)


def strided_view(xp, array, shape, strides, op: str):
    """`as_strided(array, shape, strides)` (strides in bytes, from array's first element),
    refused with a RuntimeError when the view would reach past array's first or last element.

    # NOTE: NumPy and CuPy read whatever address a view gives them. Public functions check
    their arguments, but a loaded graph replays a forward with the file's attributes: a
    diagonal over one dim twice read past its input, an as_strided stride of 10**6 crashed."""
    if 0 not in shape:
        low, high = _reach(shape, strides)
        if array.flags.c_contiguous:  # NOTE: the common case (a padded copy): no second walk
            own_low, own_high = 0, (array.size - 1) * array.itemsize
        else:
            own_low, own_high = _reach(array.shape, array.strides) if array.size else (0, -1)
        if low < own_low or high > own_high:
            itemsize = array.dtype.itemsize
            raise RuntimeError(
                f"{op}: a view of sizes {list(shape)} and strides "
                f"{[s // itemsize for s in strides]} reaches outside the memory of its "
                f"{tuple(array.shape)} input"
            )
    return xp.lib.stride_tricks.as_strided(array, shape, strides)


def _reach(shape, strides) -> tuple[int, int]:
    """The lowest and highest byte offsets, from the first element, that a view reads."""
    low = high = 0
    for n, s in zip(shape, strides):
        if s > 0:
            high += (n - 1) * s
        else:
            low += (n - 1) * s
    return low, high


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dim in [-ndim, ndim) as a non-negative index; IndexError otherwise, as PyTorch."""
    if type(dim) is bool:  # an int to Python, but no dim to PyTorch (x.sum(True) is a slip)
        raise TypeError(f"{op}(): argument 'dim' must be int, not bool")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim})"
        )
    return dim % n


def normalize_dims(dim, ndim: int, op: str) -> tuple:
    """None (all dims), an int or a sequence of ints, as a sorted tuple of indices."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    dims = [normalize_dim(d, ndim, op) for d in dim]
    for k, d in enumerate(dims):
        if d in dims[:k]:  # NOTE: summed twice or once? PyTorch refuses to guess
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
    # a 0-d tensor takes dim 0 or -1 (PyTorch's rule) but has no axis for NumPy to reduce
    return tuple(sorted(dims)) if ndim else ()


def require_tensors(op: str, input, other, name: str = "other") -> None:
    """PyTorch's TypeError for a number where a binary op takes only tensors (clamp and
    logical_not take numbers; maximum, minimum, logical_and and the products do not); name:
    the second argument's name in PyTorch's signature."""
    require_tensor_input(op, input)
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{op}(): argument '{name}' (position 2) must be Tensor, not {type(other).__name__}"
        )


def require_tensor_input(op: str, input) -> None:
    """PyTorch's TypeError for a number as the first operand of a binary op that takes one
    only second (fmod, eq, atan2...; remainder and xlogy take it first too)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )


def broadcast_error(op: str, a, b) -> RuntimeError:
    sa, sb = shape_of(a) or (), shape_of(b) or ()
    for i in range(1, max(len(sa), len(sb)) + 1):
        da = sa[-i] if i <= len(sa) else 1
        db = sb[-i] if i <= len(sb) else 1
        if da != db and 1 not in (da, db):
            return RuntimeError(
                f"{op}: the size of tensor a ({da}) must match the size of tensor b ({db}) at "
                f"non-singleton dimension {max(len(sa), len(sb)) - i}; shapes {tuple(sa)} and "
                f"{tuple(sb)} cannot be broadcast"
            )
    return RuntimeError(f"{op}: shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast")


def quiet():
    """# NOTE: PyTorch gives inf and nan silently (1 / 0, log(0), sqrt(-1)); NumPy would warn.
    Only the ops whose domain makes that common use this: it costs about a microsecond."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def write_out(
    op: str, result: Tensor, out, *, same_dtype=False, cast_error=RuntimeError, stacklevel=3
):
    """`op(..., out=out)` as PyTorch: result's values written into out, which is returned.

    out takes result's shape (PyTorch warns when it had elements) and keeps its dtype, which
    result must cast to (same kind or wider; matmul's family wants the same dtype). No graph:
    PyTorch refuses out= when an input or out requires grad while grad mode is on."""
    from minigrad.autograd.grad_mode import state

    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if state.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if state.tracer is not None:
        from minigrad.static import TracingError

        raise TracingError(
            f"{op}(out=...): a static graph cannot record a write into `out`; use the result "
            f"instead (y = {op}(...)) in a compiled or traced function"
        )
    if out._device is not result._device:
        raise RuntimeError(
            f"{op}(): out is on {out.device} but the result is on {result.device}; make out "
            "on the same device"
        )
    array, target = result.array, out.array
    if same_dtype and array.dtype != target.dtype:
        raise RuntimeError(
            f"{op}(): Expected out tensor to have dtype {result.dtype}, but got {out.dtype} instead"
        )
    if not dtypes.can_cast(array.dtype, target.dtype):
        raise cast_error(
            f"{op}(): result type {result.dtype} can't be cast to the desired output type "
            f"{out.dtype}"
        )
    if target.shape != array.shape:
        if target.size:
            warnings.warn(
                f"{op}(): An output with one or more elements was resized since it had shape "
                f"{list(target.shape)}, which does not match the required output shape "
                f"{list(array.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. Pass an out "
                "of the required shape, or one with zero elements (torch.empty(0)).",
                UserWarning,
                stacklevel=stacklevel,
            )
        out.array = target = out.device.xp.empty(array.shape, dtype=target.dtype)
    target[...] = array
    out._version += 1
    return out


def write_all_out(op: str, result, out, *, same_dtype=False):
    """`op(..., out=(a, b, ...))`: each of result's tensors written into its out tensor."""
    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"{op}(): argument 'out' must be a tuple of {len(result)} Tensors")
    return type(result)(
        *(write_out(op, r, o, same_dtype=same_dtype, stacklevel=5) for r, o in zip(result, out))
    )


def takes_out(fn, op: str, *, in_out_dtype=False, dim_for_out=False, mask_out=False, **rules):
    """fn with PyTorch's `out=` (torch.exp(x, out=y); the methods take none): the result
    written into out by write_out's `rules`, or a tuple result into a tuple of tensors of
    its dtypes (as PyTorch's sort and max(dim) want). With in_out_dtype, fn computes in
    out's dtype unless dtype= says otherwise (torch.cumsum(x, 0, out=y) of int64 y); with
    dim_for_out, out= is a TypeError unless a dim is given (prod, median); with mask_out, out
    is bool or uint8, and takes the result in its dtype (any, all)."""

    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if dim_for_out and len(args) < 2 and not {"dim", "axis"} & kwargs.keys():
            raise TypeError(
                f"{op}(): out= needs a dim (PyTorch's {op} of all elements takes no out=)"
            )
        if in_out_dtype and kwargs.get("dtype") is None and isinstance(out, Tensor):
            kwargs["dtype"] = out.dtype
        result = fn(*args, **kwargs)
        if mask_out and isinstance(out, Tensor):
            if out.dtype not in (dtypes.bool_, dtypes.uint8):
                name = kernel_type(out.array.dtype)[1:-1]
                raise RuntimeError(f"{op} only supports bool tensor for result, got: {name}")
            result = result.to(out.dtype)
        if isinstance(result, Tensor):
            return write_out(op, result, out, **rules)
        return write_all_out(op, result, out, same_dtype=True)

    return with_out
