"""Making tensors: from data (`tensor`, `from_numpy`), filled (`zeros`, `full`, `arange`...),
random (`rand`, `randn`, `randint`...) and `*_like`. Signatures follow PyTorch's."""

from __future__ import annotations

import functools
import math
import reprlib
import warnings

import numpy as np

from minigrad import dtypes, layout, random
from minigrad.backend import cpu, device_of, get_device, use
from minigrad.ops._util import as_fill, check_fill, check_int_size, number_arg, write_out
from minigrad.tensor import Tensor, _host, _shape_args


def _finish(array, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad = True
    return t


def _infer_dtype(data, array: np.ndarray) -> dtypes.dtype:
    """PyTorch's rule: NumPy arrays keep their dtype; Python numbers map to the defaults."""
    if isinstance(data, (np.ndarray, np.generic)) or _is_device_array(data):
        return dtypes.from_numpy_dtype(array.dtype)
    if isinstance(data, (list, tuple)) and array.dtype.kind in "biuf":
        found = _items_dtype(data)
        if found is not None:
            return found
    kind = array.dtype.kind
    if kind == "b":
        return dtypes.bool_
    if kind in "iu":
        return dtypes.int64
    if kind == "f":
        return dtypes.get_default_dtype()
    if kind == "O" and _is_big_int_data(data):  # ints past int64 beside floats: a float tensor
        if float not in _python_types(data):
            raise ValueError("tensor(): Overflow when unpacking long long (an int past int64)")
        return dtypes.get_default_dtype()
    if kind == "O":  # None, a set, any object: PyTorch's RuntimeError
        raise RuntimeError(
            f"tensor: could not infer the dtype of {reprlib.repr(data)} (numbers, bools, or "
            "nested lists of them)"
        )
    raise TypeError(f"tensor: cannot make a tensor from data of type {type(data).__name__}")


def _items_dtype(data) -> dtypes.dtype | None:
    """A list holding NumPy scalars or arrays: every item's type promoted together, as
    PyTorch's (a Python bool, int or float counts as bool, int64 or the default float);
    None when it holds none (NumPy's float64 for Python floats is then not PyTorch's)."""
    types, arrays = _item_types(data)
    numpy_types = arrays | {np.dtype(t) for t in types if issubclass(t, np.generic)}
    if not numpy_types:
        return None
    defaults = {bool: dtypes.bool_, int: dtypes.int64, float: dtypes.get_default_dtype()}
    found = [dtypes.from_numpy_dtype(d) for d in numpy_types]
    found += [defaults[t] for t in types if t in defaults]
    return functools.reduce(dtypes.promote_types, found)


def _item_types(data) -> tuple[set, set]:
    """(the types of the items of nested lists `data`, the dtypes of the arrays among them)."""
    # NOTE: the item types of each level at once (map(type) runs in C): a list of a million
    # Python floats costs 20 ms here, not the 300 ms of a loop over the items
    types, arrays, stack = set(), set(), [data]
    while stack:
        level = stack.pop()
        kinds = set(map(type, level))
        if list in kinds or tuple in kinds:
            stack.extend(x for x in level if type(x) in (list, tuple))
        if np.ndarray in kinds:
            arrays.update(x.dtype for x in level if type(x) is np.ndarray)
            if any(x.ndim == 0 for x in level if type(x) is np.ndarray):
                raise TypeError("tensor(): len() of unsized object (a 0-d array in a list)")
        types |= kinds
    return types, arrays


def _python_types(data) -> set:
    """The types of the numbers in `data` (a number or nested lists of them)."""
    return _item_types(data)[0] if isinstance(data, (list, tuple)) else {type(data)}


def _is_big_int_data(data) -> bool:
    """Python numbers (NumPy keeps them as objects when an int does not fit 64 bits)."""
    return _python_types(data) <= {bool, int, float, list, tuple}


def _check_python_data(data, source: np.ndarray, dt: dtypes.dtype) -> None:
    """PyTorch's errors for numbers (not an array) that dtype dt cannot take as it reads
    them: None, complex or str (TypeError); an int past int64 (ValueError); a NumPy or tensor
    float, or a NumPy bool, made an integer (TypeError: PyTorch asks them for an index, which
    it does not of a Python float); a value dt cannot hold (RuntimeError)."""
    big_ints = source.dtype.kind == "O" and _is_big_int_data(data)
    if big_ints and dt.np.kind in "iu":
        raise ValueError("tensor(): Overflow when unpacking long long (an int past int64)")
    if source.dtype.kind in "OcSU" and not big_ints:  # None, a complex number, a str
        raise TypeError(f"tensor(): an element of {reprlib.repr(data)} is not a real number")
    if dt.np.kind not in "biu":
        return
    if source.dtype == np.uint64 and dt.np.kind != "b":  # ints past int64 (NumPy's uint64)
        raise ValueError("tensor(): Overflow when unpacking long long (an int past int64)")
    types = _python_types(data)
    # np.float64 is a Python float, which PyTorch truncates; a NumPy bool is an index only
    # under NumPy 1 (which gives it __index__), and a bool may always be made a bool
    for t in (t for t in types if issubclass(t, np.generic) and t is not np.float64):
        if np.dtype(t).kind == "f" or (dt.np.kind != "b" and not hasattr(t, "__index__")):
            raise TypeError(f"tensor(): '{t.__name__}' object cannot be interpreted as an integer")
    if source.size and source.dtype.kind in "iuf" and dt.np.kind in "iu":
        for value in (source.min().item(), source.max().item()):  # as PyTorch: no silent wrap
            check_fill(value, np.dtype(dt.np))


def _checked_array(array: np.ndarray) -> np.ndarray:
    """array, if PyTorch makes a tensor of it: a dtype minigrad has (TypeError) and no
    negative strides (ValueError)."""
    dtypes.from_numpy_dtype(array.dtype)
    if any(s < 0 for s in array.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with "
            "negative strides are not currently supported. (You can probably work around "
            "this by making a copy of your array with array.copy().)"
        )
    return array


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (a number, nested lists, an array or a tensor).

    A tensor or a CuPy array keeps its device unless `device=` names another, as in PyTorch:
    data never moves between devices unless asked."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
            "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).",
            stacklevel=2,
        )
        source = data.array
    elif _is_device_array(data):
        source = data
    elif isinstance(data, np.ndarray):
        source = _checked_array(data)
    elif isinstance(data, (list, tuple)) and Tensor in _item_types(data)[0]:
        data = _as_scalars(data, None if dtype is None else dtypes.to_dtype(dtype))
        source = np.asarray(data)
    else:
        try:
            source = np.asarray(data)
        except ValueError:  # nested lists that are no block
            _check_no_str_first(data)
            shape = _first_items_shape(data)
            if 0 not in shape:
                raise _ragged_error(data, shape) from None
            # NOTE: as PyTorch, whose data has no elements when its first items say so: the
            # other lists' lengths are never checked (the types of their items are, when
            # they are read to infer the dtype)
            if dtype is None:
                _check_item_types(data)
            source = np.empty(shape)
        if source.dtype.kind in "SU" and isinstance(data, (list, tuple)):
            _check_no_str_first(data)
    keeps_device = device is None and (isinstance(data, Tensor) or _is_device_array(data))
    dev = device_of(source) if keeps_device else get_device(device)
    if dev.type == "cpu":
        source = _host(source)
    dt = (
        dtypes.to_dtype(dtype)
        if dtype is not None
        else (data.dtype if isinstance(data, Tensor) else _infer_dtype(data, source))
    )
    if not isinstance(data, (Tensor, np.ndarray)) and keeps_device is False:
        _check_python_data(data, source, dt)
    with use(dev):
        return _finish(dev.xp.array(source, dtype=dt.np), requires_grad)


def _as_scalars(data, dtype):
    """A list holding tensors, as PyTorch reads it: each one-element tensor is its number (a
    NumPy scalar of its dtype, so that the dtypes promote as PyTorch's), so
    `tensor([t1, t2])` of shape-(1,) tensors is 1-D; a tensor of more elements raises. For an
    integer or bool `dtype`, each tensor must be an integer (or bool) one, as PyTorch asks."""
    if isinstance(data, Tensor):
        if dtype is not None and dtype.np.kind in "biu":
            if data.numel() != 1 or data.array.dtype.kind not in "biu":
                raise TypeError(
                    "tensor(): only integer tensors of a single element can be converted to an "
                    f"index (a {data.dtype} tensor of shape {tuple(data.shape)} in data for "
                    f"dtype={dtype}); convert it first, e.g. with .long()"
                )
        elif data.numel() != 1:
            raise ValueError(
                "only one element tensors can be converted to Python scalars (got one of shape "
                f"{tuple(data.shape)}); to join tensors into one, use stack()"
            )
        value = _host(data.array).reshape(())[()]
        return value.item() if value.dtype.kind == "b" else value  # a bool is an index too
    if isinstance(data, (list, tuple)):
        return [_as_scalars(x, dtype) for x in data]
    return data


def _is_sequence(x) -> bool:
    """What PyTorch reads as a list in data: a str too (a list of its characters)."""
    return isinstance(x, (list, tuple, str)) or (isinstance(x, np.ndarray) and x.ndim > 0)


def _first_items_shape(data) -> list[int]:
    """The shape of nested lists as PyTorch reads it: off the first item at each depth."""
    shape, first = [], data
    while _is_sequence(first):  # (a str is not first here: _check_no_str_first)
        shape.append(len(first))
        if not len(first):
            break
        first = first[0]
    return shape


def _ragged_error(data, shape: list[int]) -> Exception:
    """PyTorch's error for nested lists that are no block, of the shape read off their first
    items: a number where that shape wants a list, or a list where it wants a number, is a
    TypeError; a list of another length a ValueError."""
    stack = [(data, 0)]  # a walk in order, without recursion: nesting depth is the user's
    while stack:
        item, depth = stack.pop()
        if depth == len(shape):
            if _is_sequence(item):
                return TypeError(
                    f"tensor(): a list {reprlib.repr(item)} where a number is expected (data of "
                    f"shape {tuple(shape)}, read off its first items)"
                )
        elif not _is_sequence(item):
            return TypeError(
                f"tensor(): not a sequence: {reprlib.repr(item)} at dim {depth}, where a list "
                f"of length {shape[depth]} is expected (data of shape {tuple(shape)})"
            )
        elif len(item) != shape[depth]:
            return ValueError(
                f"tensor(): expected sequence of length {shape[depth]} at dim {depth} (got "
                f"{len(item)}): the lists of one dim must be of equal length"
            )
        else:
            stack.extend((x, depth + 1) for x in reversed(list(item)))
    return ValueError(f"tensor(): nested lists that are no block: {reprlib.repr(data)}")


def _check_item_types(data) -> None:
    """PyTorch's errors for an item of no number type in data that holds no element: a str
    (TypeError), None or another object (RuntimeError); a complex number, as elsewhere."""
    for kind in _python_types(data):
        if kind is str:
            raise TypeError(f"tensor(): invalid data type 'str' in {reprlib.repr(data)}")
        if kind is complex:
            raise TypeError(f"tensor(): an element of {reprlib.repr(data)} is not a real number")
        if not issubclass(kind, (bool, int, float, list, tuple, np.generic)):
            raise RuntimeError(f"tensor(): could not infer the dtype of {kind.__name__}")


def _check_no_str_first(data) -> None:
    """PyTorch reads a str first in the data as a list of its characters, with no end: the
    ValueError it raises (a str elsewhere is a TypeError, raised as for any non-number)."""
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, str):
        raise ValueError(
            f"tensor(): too many dimensions 'str': {reprlib.repr(data)} starts with a string; "
            "a tensor holds numbers"
        )


def _is_device_array(data) -> bool:
    """A CuPy array (it has .get() to copy to the host, and the .device it lives on)."""
    return hasattr(data, "get") and hasattr(data, "device") and hasattr(data, "shape")


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like `tensor`, but shares memory with a tensor or NumPy array when it can."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, Tensor):
        return data.to(device=device or data.device, dtype=dtype or data.dtype)
    if isinstance(data, np.ndarray) and (device is None or get_device(device) is cpu):
        _checked_array(data)
        return from_numpy(data if dtype is None else data.astype(dtypes.to_dtype(dtype).np))
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array (changes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(_checked_array(array))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None) -> Tensor:
    """`obj` as a tensor, sharing memory with a tensor or a NumPy array where it can, as
    `torch.asarray`: copy=None copies only when dtype or device says so, copy=True always,
    copy=False never (ValueError where a copy is needed). A tensor keeps its graph unless
    requires_grad=False; left unset on a tensor that requires grad, it keeps obj's (with
    PyTorch's warning). A buffer (bytes, bytearray) is read as `frombuffer` reads it."""
    want = None if dtype is None else dtypes.to_dtype(dtype)
    if isinstance(obj, Tensor):
        if requires_grad is None:
            requires_grad = obj.requires_grad
            if requires_grad:
                warnings.warn(
                    "torch.asarray: unspecified requires_grad now defaults to "
                    "obj.requires_grad instead of False. Pass requires_grad=False explicitly to "
                    "get the old behavior and silence this warning.",
                    stacklevel=2,
                )
        out = obj if requires_grad or not obj.requires_grad else obj.detach()
        dev = out.device if device is None else get_device(device)
        if copy is False and want not in (None, out.dtype):
            raise ValueError(
                f"can't alias tensor with dtype '{dtypes.legacy_name(out.dtype)[:-6]}' into "
                f"dtype '{dtypes.legacy_name(want)[:-6]}'."
            )
        if copy is False and dev is not out.device:
            raise ValueError(f"can't alias tensor from device '{out.device}' to '{dev}'.")
        moved = out.to(device=dev, dtype=want or out.dtype)
        out = moved.clone() if copy and moved is out else moved
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        out = frombuffer(obj, dtype=want or dtypes.get_default_dtype())
    elif isinstance(obj, np.ndarray) and get_device(device).type == "cpu":
        if copy is False and want not in (None, dtypes.from_numpy_dtype(obj.dtype)):
            raise ValueError(f"can't alias NumPy array with dtype {obj.dtype} into dtype {want}")
        out = from_numpy(obj if want is None else obj.astype(want.np, copy=False))
        if copy and np.shares_memory(out.array, obj):
            out = out.clone()
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        out = tensor(obj, dtype=want, device=device)
    if requires_grad and not out.requires_grad:
        out.requires_grad_()
    return out


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing memory with an array of another library through DLPack (an object
    with `__dlpack__`: a NumPy or CuPy array, a PyTorch or JAX tensor); CPU memory through
    NumPy, GPU memory through CuPy. Bare DLPack capsules (`to_dlpack`) are not taken."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(
            f"from_dlpack: expected an object with __dlpack__ (an array or tensor), got "
            f"{type(ext_tensor).__name__}"
        )
    device_type, _ = ext_tensor.__dlpack_device__()
    if device_type == 1:  # kDLCPU
        array = np.from_dlpack(ext_tensor)
    else:
        array = get_device("cuda").xp.from_dlpack(ext_tensor)
    dtypes.from_numpy_dtype(array.dtype)  # a dtype minigrad has, or TypeError
    return Tensor._make(array)


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad=False):
    """A 1-d CPU tensor over the memory of an object with Python's buffer protocol (bytes,
    bytearray, array.array, mmap): `count` elements of `dtype` from byte `offset`; -1 reads to
    the end. It shares the memory of a writable buffer; one of bytes is read-only (where
    PyTorch warns and writes anyway, minigrad refuses the write)."""
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    dt = dtypes.to_dtype(dtype)
    size, itemsize = view.nbytes, np.dtype(dt.np).itemsize
    if size == 0 or count == 0:
        raise ValueError(f"both buffer length ({size}) and count ({count}) must not be 0")
    if not 0 <= offset < size:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({size} bytes) minus 1"
        )
    if count < 0:
        if (size - offset) % itemsize:
            raise ValueError(
                f"buffer length ({size - offset} bytes) after offset ({offset} bytes) must be a "
                f"multiple of element size ({itemsize})"
            )
        count = (size - offset) // itemsize
    elif offset + count * itemsize > size:
        raise ValueError(
            f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} "
            f"bytes) must not be greater than actual buffer length ({size} bytes)"
        )
    array = np.frombuffer(view.cast("B"), dtype=dt.np, count=count, offset=offset)
    return _finish(array, requires_grad)


def torch_range(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """torch.range (deprecated, with PyTorch's warning): start to end *included* in steps of
    step, in the default float dtype unless dtype says otherwise. Use arange."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    if step == 0:
        raise RuntimeError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    n = math.floor((end - start) / step) + 1
    values = start + step * np.arange(n, dtype=np.float64)
    return _finish(get_device(device).xp.asarray(values.astype(dt.np)), requires_grad)


def empty_strided(
    size, stride, *, dtype=None, device=None, requires_grad=False, pin_memory=False
) -> Tensor:
    """A tensor of `size` laid out with `stride` (in elements) over a new block of memory just
    large enough (zeros here; PyTorch's memory is uninitialised)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"mismatch in length of strides and shape: {len(stride)} strides for {len(size)} dims"
        )
    if any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"empty_strided: negative size or stride: {size}, {stride}")
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    itemsize = np.dtype(dt.np).itemsize
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    block = get_device(device).xp.zeros(max(extent, 1), dt.np)
    strides = tuple(s * itemsize for s in stride)
    xp = get_device(device).xp
    array = xp.lib.stride_tricks.as_strided(block, size, strides)
    return _finish(array, requires_grad)


def _factory(fill, size, dtype, device, requires_grad, default=None) -> Tensor:
    dev = get_device(device)
    dt = dtypes.to_dtype(dtype) if dtype is not None else (default or dtypes.get_default_dtype())
    shape = random.check_shape(_shape_args(size))
    return _finish(fill(dev.xp, shape, dt.np), requires_grad)


def _into(op: str, make, out: Tensor, dtype, requires_grad: bool) -> Tensor:
    """A factory's `out=`, as PyTorch's (the tensors tutorial's `torch.rand(2, 2, out=c)`):
    made in out's dtype (unless dtype says otherwise) on its device, written into out, which
    then requires grad if requires_grad says so. A factory resizes out without a warning."""
    made = make(dtype=out.dtype if dtype is None else dtype, device=out.device)
    if out.shape != made.shape:
        out.array = out.device.xp.empty(made.array.shape, dtype=out.array.dtype)
    write_out(op, made, out)
    return out.requires_grad_() if requires_grad else out


def factory_out(fn, op: str):
    """The factory fn with PyTorch's `out=` (torch.arange(5, out=y)), as _into makes it."""

    @functools.wraps(fn)
    def with_out(*args, out=None, dtype=None, requires_grad=False, **kwargs):
        if out is None:
            return fn(*args, dtype=dtype, requires_grad=requires_grad, **kwargs)
        kwargs.pop("device", None)  # out's device it is
        return _into(op, functools.partial(fn, *args, **kwargs), out, dtype, requires_grad)

    return with_out


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A 0-d tensor of the number s, in the default float dtype unless dtype says otherwise."""
    return tensor(s, dtype=dtype or dtypes.get_default_dtype(), device=device).requires_grad_(
        requires_grad
    )


def _size_arguments(fn: str, args: tuple, size) -> tuple:
    """The shape given as f(2, 3), f((2, 3)) or f(size=(2, 3)), as PyTorch's factories take it."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{fn}() got the shape twice: as positional arguments and as size=")
    return (size,)


def zeros(*args, size=None, out=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    size = _size_arguments("zeros", args, size)
    if out is not None:
        return _into("zeros", functools.partial(zeros, *size), out, dtype, requires_grad)
    return _factory(lambda xp, s, d: xp.zeros(s, d), size, dtype, device, requires_grad)


def ones(*args, size=None, out=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    size = _size_arguments("ones", args, size)
    if out is not None:
        return _into("ones", functools.partial(ones, *size), out, dtype, requires_grad)
    return _factory(lambda xp, s, d: xp.ones(s, d), size, dtype, device, requires_grad)


def empty(
    *args,
    size=None,
    dtype=None,
    device=None,
    requires_grad=False,
    memory_format=layout.contiguous_format,
) -> Tensor:
    """Uninitialised memory; any memory_format gives a row-major tensor (minigrad's only one)."""
    size = _size_arguments("empty", args, size)
    layout.check_format(memory_format, "empty", len(_shape_args(size)))
    if memory_format is layout.preserve_format:
        raise RuntimeError("empty: unsupported memory format Preserve")
    return _factory(lambda xp, s, d: xp.empty(s, d), size, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    fill_value = number_arg("full", "fill_value", fill_value)
    check_int_size(fill_value)  # before its dtype is inferred (PyTorch's error)
    default = _infer_dtype(fill_value, np.asarray(fill_value))
    return _factory(
        lambda xp, s, d: xp.full(s, as_fill(fill_value, np.dtype(d)), d),
        (size,),
        dtype,
        device,
        requires_grad,
        default,
    )


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {size}")
    return _factory(lambda xp, s, d: xp.eye(n, m, dtype=d), (), dtype, device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (0 if omitted) to end, excluded; int64 unless a bound is a float."""
    if end is None:
        start, end = 0, start
    bounds = [b.item() if isinstance(b, Tensor) else b for b in (start, end, step)]  # int stays
    is_float = any(isinstance(b, float) for b in bounds)
    default = dtypes.get_default_dtype() if is_float else dtypes.int64
    dt = dtypes.to_dtype(dtype) if dtype is not None else default
    dev = get_device(device)
    if dt is dtypes.bool_:
        raise NotImplementedError("arange: \"arange_cpu\" not implemented for 'Bool'")
    if bounds[2] == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not all(math.isfinite(b) for b in bounds):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end} (step {step})")
    if is_float and dt is dtypes.int64:
        # NOTE: PyTorch truncates float bounds to int64 before it counts the values
        # (arange(0.5, 3, 1.5, dtype=int64) is 0, 1, 2), so a step under 1 becomes 0
        bounds, is_float = [math.trunc(b) for b in bounds], False
        if bounds[2] == 0:
            raise ValueError(f"arange: step must be nonzero (step {step} truncated to int64)")
    if (bounds[1] - bounds[0]) * bounds[2] < 0:
        raise RuntimeError("arange: upper bound and lower bound inconsistent with step sign")
    values = _arange_values(bounds, is_float, dt).astype(dt.np, copy=False)
    return _finish(dev.xp.asarray(values), requires_grad)


def _arange_values(bounds: list, is_float: bool, dt) -> np.ndarray:
    """arange's values from its checked (start, end, step), before the cast to dt."""
    if not is_float:  # exact in int64, as the float formula would be
        return np.arange(*bounds, dtype=np.int64)
    n = max(0, math.ceil((bounds[1] - bounds[0]) / bounds[2]))
    if dt.is_floating_point:
        return bounds[0] + bounds[2] * np.arange(n, dtype=np.float64)
    # NOTE: into int32, int16, int8 and uint8 PyTorch counts the values with the float bounds,
    # then steps from the truncated start by the truncated step (arange(-1.5, 1.5, 0.5,
    # dtype=int32) is six -1s)
    return math.trunc(bounds[0]) + math.trunc(bounds[2]) * np.arange(n, dtype=np.int64)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from start to end, rounded as PyTorch's kernel rounds them."""
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    dev = get_device(device)
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    _refuse_bool_steps("linspace", dt, steps, dev)
    if dt.is_floating_point:
        values = _linspace_values(start, end, steps, np.dtype(dt.np).type)
    else:
        values = np.linspace(start, end, steps).astype(dt.np)
    return _finish(dev.xp.asarray(values), requires_grad)


def _refuse_bool_steps(op: str, dt: dtypes.dtype, steps: int, dev) -> None:
    """PyTorch has no bool kernel of linspace or logspace: 2 steps or more into a bool tensor
    raise (0 or 1 step are filled without the kernel)."""
    if dt == dtypes.bool_ and steps > 1:
        raise NotImplementedError(
            f"\"{op}_{dev.type}\" not implemented for 'Bool' ({op}() of {steps} steps as bool); "
            "make it in a number dtype and compare it (e.g. > 0)"
        )


def _linspace_values(start, end, steps: int, ftype) -> np.ndarray:
    """PyTorch's CPU linspace: step = (end - start) / (steps - 1) in the dtype; the first half
    is start + step * i, the rest end - step * (steps - 1 - i), each rounded once (a fused
    multiply-add).
    NOTE: the same rounding matters where a program sits on a kink: affine_grid's identity
    grid lands on pixel centres only if its coordinates are PyTorch's to the last bit."""
    start, end = ftype(start), ftype(end)
    if steps == 1:
        return np.array([start], dtype=ftype)
    step = (end - start) / ftype(steps - 1)
    i = np.arange(steps)
    head = _fused_multiply_add(np.full(steps, step), i.astype(ftype), start)
    tail = _fused_multiply_add(np.full(steps, -step), (steps - 1 - i).astype(ftype), end)
    return np.where(i < steps // 2, head, tail)


def _fused_multiply_add(a: np.ndarray, b: np.ndarray, c) -> np.ndarray:
    """a * b + c with one rounding, in a's dtype on any platform: the product's rounding error
    (Dekker's split) and the sum's (Knuth's two-sum) are added back before the last rounding."""
    ftype = a.dtype.type
    splitter = ftype(2 ** ((np.finfo(ftype).nmant + 2) // 2) + 1)

    def halves(x):
        scaled = x * splitter
        high = scaled - (scaled - x)
        return high, x - high

    product = a * b
    (a_high, a_low), (b_high, b_low) = halves(a), halves(b)
    product_error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    total = c + product
    c_part = total - product
    sum_error = (c - c_part) + (product - (total - c_part))
    return total + (sum_error + product_error)


def logspace(
    start, end, steps: int, base=10.0, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """base ** linspace(start, end, steps)."""
    if steps < 0:
        raise RuntimeError(f"logspace(): number of steps must be non-negative, got {steps}")
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    dev = get_device(device)
    _refuse_bool_steps("logspace", dt, steps, dev)
    values = np.logspace(start, end, steps, base=base)
    return _finish(dev.xp.asarray(values.astype(dt.np)), requires_grad)


def rand(
    *args, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Uniform on [0, 1)."""
    size = _size_arguments("rand", args, size)
    if out is not None:
        make = functools.partial(rand, *size, generator=generator)
        return _into("rand", make, out, dtype, requires_grad)
    dev = get_device(device)
    array = random.uniform_array(_shape_args(size), dev, generator=generator, dtype=dtype)
    return _finish(array, requires_grad)


def randn(
    *args, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Standard normal."""
    size = _size_arguments("randn", args, size)
    if out is not None:
        make = functools.partial(randn, *size, generator=generator)
        return _into("randn", make, out, dtype, requires_grad)
    dev = get_device(device)
    array = random.normal_array(_shape_args(size), dev, generator=generator, dtype=dtype)
    return _finish(array, requires_grad)


def randint(
    low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Integers in [low, high): `randint(high, size)` or `randint(low, high, size)`; only a
    float dtype may require grad."""
    if size is None:
        low, high, size = 0, low, high
    dev = get_device(device)
    array = random.integers_array(low, high, tuple(size), dev, generator)
    if dtype is not None:
        array = array.astype(dtypes.to_dtype(dtype).np)
    return _finish(array, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dev = get_device(device)
    array = random.permutation_array(n, dev, generator)
    if dtype is not None:
        array = array.astype(dtypes.to_dtype(dtype).np)
    return _finish(array, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None) -> Tensor:
    """Normal draws: of shape `size` for numbers mean and std, else one per element of the
    tensor(s) mean and std (broadcast), as PyTorch's overloads."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        from minigrad.ops.sampling import normal as normal_of_tensors

        return normal_of_tensors(mean, std, generator=generator)
    if size is None:
        raise TypeError("normal(): with a number mean and std, give the size of the result")
    dev = get_device(device)
    return Tensor._make(random.normal_array(size, dev, mean, std, generator, dtype))


def _like(fn, t: Tensor, dtype, device, requires_grad, memory_format) -> Tensor:
    """fn(t's shape, ...). Every memory_format gives a row-major tensor, the only layout
    minigrad has (the values do not depend on it)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn.__name__}_like(): input must be a Tensor, got {type(t).__name__}")
    layout.check_format(memory_format, fn.__name__ + "_like", t.ndim)
    return fn(
        t.array.shape,
        dtype=dtype or t.dtype,
        device=device or t.device,
        requires_grad=requires_grad,
    )


_PRESERVE = layout.preserve_format


def zeros_like(
    input, *, dtype=None, device=None, requires_grad=False, memory_format=_PRESERVE
) -> Tensor:
    return _like(zeros, input, dtype, device, requires_grad, memory_format)


def ones_like(
    input, *, dtype=None, device=None, requires_grad=False, memory_format=_PRESERVE
) -> Tensor:
    return _like(ones, input, dtype, device, requires_grad, memory_format)


def empty_like(
    input, *, dtype=None, device=None, requires_grad=False, memory_format=_PRESERVE
) -> Tensor:
    return _like(empty, input, dtype, device, requires_grad, memory_format)


def full_like(
    input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=_PRESERVE
) -> Tensor:
    layout.check_format(memory_format, "full_like", input.ndim)
    return full(
        tuple(input.shape),
        fill_value,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def rand_like(
    input, *, dtype=None, device=None, requires_grad=False, memory_format=_PRESERVE
) -> Tensor:
    return _like(rand, input, dtype, device, requires_grad, memory_format)


def randn_like(
    input, *, dtype=None, device=None, requires_grad=False, memory_format=_PRESERVE
) -> Tensor:
    return _like(randn, input, dtype, device, requires_grad, memory_format)


def randint_like(
    input, low, high=None, *, dtype=None, device=None, memory_format=_PRESERVE
) -> Tensor:
    layout.check_format(memory_format, "randint_like", input.ndim)
    if high is None:
        low, high = 0, low
    return randint(
        low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device
    )


def to_device(t: Tensor, device) -> Tensor:
    """Copy to another device, differentiably (the gradient is copied back)."""
    from minigrad.ops.convert import ToDevice

    return ToDevice.apply(t, device)


# -- window functions (signal processing: spectrograms, audio tutorials) ------------------------
# NOTE: a periodic window of length n is the symmetric window of length n + 1 without its last
# value (PyTorch's rule, for windows that tile a signal); NumPy gives the symmetric ones.
def _window(name, make, window_length, periodic, dtype, device, requires_grad) -> Tensor:
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got {window_length}")
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length <= 1:
        values = np.ones(window_length)
    else:
        values = make(window_length + 1)[:-1] if periodic else make(window_length)
    return _finish(get_device(device).xp.asarray(values.astype(dt.np)), requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    return _window("hann_window", np.hanning, window_length, periodic, dtype, device, requires_grad)


def hamming_window(
    window_length,
    periodic=True,
    alpha=0.54,
    beta=0.46,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
):
    def make(n):
        return alpha - beta * np.cos(2 * np.pi * np.arange(n) / (n - 1))

    return _window("hamming_window", make, window_length, periodic, dtype, device, requires_grad)


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    return _window(
        "blackman_window", np.blackman, window_length, periodic, dtype, device, requires_grad
    )


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    return _window(
        "bartlett_window", np.bartlett, window_length, periodic, dtype, device, requires_grad
    )


def kaiser_window(
    window_length, periodic=True, beta=12.0, *, dtype=None, device=None, requires_grad=False
):
    def make(n):
        return np.kaiser(n, beta)

    return _window("kaiser_window", make, window_length, periodic, dtype, device, requires_grad)
