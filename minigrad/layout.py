"""What PyTorch programs ask about a tensor's memory: memory formats (`channels_last`) and
storage (`data_ptr()`, `untyped_storage()`, `storage_offset()`).

minigrad keeps its arrays in row-major (C) order: it accepts every memory format, so that
programs written for PyTorch run and compute the same values, but asking for `channels_last`
gives a row-major tensor, and `is_contiguous(memory_format=channels_last)` says whether the
array minigrad holds is laid out so (see docs/nn.md, "Memory formats and storage").
"""

from __future__ import annotations


class memory_format:  # noqa: N801 - PyTorch's name
    """A memory layout's name, as `torch.memory_format`."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"minigrad.{self._name}"

    def __reduce__(self):
        return self._name  # pickled and copied as the module's one object of this name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# the rank each channels-last format needs, and its dims from the fastest-changing out
_CHANNELS_LAST = {channels_last: (4, (1, 3, 2, 0)), channels_last_3d: (5, (1, 4, 3, 2, 0))}


def check_format(fmt, op: str, ndim: int | None = None) -> None:
    """TypeError for anything but a memory format; RuntimeError, as PyTorch's, for a
    channels-last format on a tensor of another rank (ndim None: any format is accepted)."""
    if not isinstance(fmt, memory_format):
        raise TypeError(
            f"{op}(): argument 'memory_format' must be minigrad.memory_format, not "
            f"{type(fmt).__name__}"
        )
    if ndim is not None and fmt in _CHANNELS_LAST and ndim != _CHANNELS_LAST[fmt][0]:
        raise RuntimeError(
            f"{op}: required rank {_CHANNELS_LAST[fmt][0]} tensor to use {fmt._name} format "
            f"(got rank {ndim})"
        )


def is_laid_out(array, fmt: memory_format) -> bool:
    """Whether `array`'s strides are those of `fmt` (PyTorch's rule: dims of size 1 may have
    any stride); contiguous_format and preserve_format: row-major."""
    if fmt not in _CHANNELS_LAST:
        return bool(array.flags.c_contiguous)
    rank, order = _CHANNELS_LAST[fmt]
    if array.ndim != rank:
        return False
    expected = array.dtype.itemsize
    for d in order:
        if array.shape[d] != 1:
            if array.strides[d] != expected:
                return False
            expected *= array.shape[d]
    return True


def suggested(array) -> memory_format:
    """The format PyTorch would say an array is in: channels-last only when it is laid out so
    and not row-major as well (a transposed view minigrad made by permute)."""
    for fmt in _CHANNELS_LAST:
        if is_laid_out(array, fmt) and not array.flags.c_contiguous:
            return fmt
    return contiguous_format


class UntypedStorage:
    """The memory block a tensor's array lives in, shared by all its views, as
    `torch.UntypedStorage`: its address, its size in bytes, its device. Two tensors share
    memory when their storages are equal (`a.untyped_storage() == b.untyped_storage()`)."""

    __slots__ = ("_ptr", "_nbytes", "device", "_owner")

    def __init__(self, ptr: int, nbytes: int, device, owner):
        self._ptr, self._nbytes, self.device = (ptr if nbytes else 0), nbytes, device
        self._owner = owner  # keeps the memory alive (and its address unique) while in use

    def data_ptr(self) -> int:
        return self._ptr

    def nbytes(self) -> int:
        return self._nbytes

    def size(self) -> int:
        return self._nbytes

    __len__ = size

    def element_size(self) -> int:
        return 1

    def __eq__(self, other) -> bool:
        if not isinstance(other, UntypedStorage):
            return NotImplemented
        return (self._ptr, self._nbytes, self.device) == (other._ptr, other._nbytes, other.device)

    def __hash__(self) -> int:
        return hash((self._ptr, self._nbytes))

    def __repr__(self) -> str:
        return f"minigrad.UntypedStorage(device={self.device}) of size {self._nbytes}"


class TypedStorage:
    """The legacy `tensor.storage()`: an UntypedStorage seen as elements of one dtype, as
    PyTorch's deprecated `torch.TypedStorage` (its size is in elements)."""

    __slots__ = ("_untyped", "dtype")

    def __init__(self, untyped: UntypedStorage, dtype):
        self._untyped, self.dtype = untyped, dtype

    @property
    def device(self):
        return self._untyped.device

    def untyped(self) -> UntypedStorage:
        return self._untyped

    def data_ptr(self) -> int:
        return self._untyped.data_ptr()

    def element_size(self) -> int:
        return self.dtype.itemsize

    def nbytes(self) -> int:
        return self._untyped.nbytes()

    def size(self) -> int:
        return self._untyped.nbytes() // self.dtype.itemsize

    __len__ = size

    def __eq__(self, other) -> bool:
        if not isinstance(other, TypedStorage):
            return NotImplemented
        return (self._untyped, self.dtype) == (other._untyped, other.dtype)

    def __hash__(self) -> int:
        return hash((self._untyped, self.dtype))

    def __repr__(self) -> str:
        return (
            f"minigrad.TypedStorage(dtype={self.dtype}, device={self.device}) of size {self.size()}"
        )


def data_ptr(array) -> int:
    """The address of an array's first element (NumPy's array interface, CuPy's pointer)."""
    if hasattr(array, "__array_interface__"):
        return array.__array_interface__["data"][0]
    return array.data.ptr


def storage_of(array, device) -> UntypedStorage:
    """The whole block behind `array`: for NumPy the array at the end of its chain of bases
    (through the helper objects of stride tricks), for CuPy the allocation (which CuPy's
    memory pool rounds up to a multiple of 512 bytes)."""
    if not hasattr(array, "__array_interface__"):
        return UntypedStorage(array.data.mem.ptr, array.data.mem.size, device, array.data.mem)
    owner = memory_owner(array)
    return UntypedStorage(data_ptr(owner), owner.nbytes, device, owner)


def memory_owner(array):
    """The NumPy array at the end of `array`'s chain of bases, looking through the helper
    objects of stride tricks (an `as_strided` view's base is one, whose base is the array)."""
    owner = node = array
    while (node := getattr(node, "base", None)) is not None and hasattr(
        node, "__array_interface__"
    ):
        if hasattr(node, "nbytes"):
            owner = node
    return owner
