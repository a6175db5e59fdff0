"""What PyTorch programs ask about a tensor's memory: memory formats (`channels_last`).

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
