"""Devices: where a tensor's array lives and which array module (`xp`) computes on it.

`cpu` uses NumPy; `cuda:N` uses CuPy, imported only when a CUDA device is first asked for. Ops
never import an array library: they ask the tensor's device, `xp = x.device.xp`.
"""

from __future__ import annotations

import contextlib
import re

import numpy as np

from minigrad.backend import cuda as _cuda
from minigrad.backend import memory as _memory

_memory.keep_freed_memory()


class device:  # noqa: N801 - PyTorch's spelling: minigrad.device("cuda:0")
    """A device such as `cpu` or `cuda:0`. Equal devices are the same object."""

    __slots__ = ("type", "index", "xp", "__weakref__")
    _interned: dict[tuple[str, int | None], device] = {}

    def __new__(cls, spec="cpu", index: int | None = None):
        if isinstance(spec, device):
            return spec
        kind, idx = _parse(spec, index)
        key = (kind, idx)
        found = cls._interned.get(key)
        if found is None:
            found = object.__new__(cls)
            found.type, found.index = kind, idx
            found.xp = np if kind == "cpu" else None
            cls._interned[key] = found
        return found

    def __repr__(self) -> str:
        return (
            f"device(type='{self.type}')"
            if self.index is None
            else (f"device(type='{self.type}', index={self.index})")
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    # NOTE: devices are interned, so equal only to themselves, and never to their names:
    # PyTorch's `torch.device("cpu") == "cpu"` is False, so `x.device == "cpu"` takes the
    # same branch as there. The identity hash is computed in C, as every compiled call
    # hashes one in its cache key.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __enter__(self) -> device:
        """`with minigrad.device("cuda"):` makes factories create on this device inside the
        block, as PyTorch's device context manager (`set_default_device` until the block ends)."""
        _entered.append(_default)
        set_default_device(self)
        return self

    def __exit__(self, *exc_info) -> None:
        set_default_device(_entered.pop())

    def __reduce__(self):
        """Unpickle (and copy) through the constructor: the interned object comes back, and the
        shared `cpu` device is never overwritten with another device's state."""
        return (device, (str(self),))


def _parse(spec, index):
    """(type, index) of a device spec, with PyTorch's errors for a malformed one."""
    if index is not None:
        if isinstance(index, bool) or not hasattr(index, "__index__"):
            raise TypeError(
                f"device(): argument 'index' (position 2) must be int, not {type(index).__name__}"
            )
        index = index.__index__()
    if type(spec) is int:
        spec, index = "cuda", spec
    if not isinstance(spec, str):
        raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0', got {spec!r}")
    if not spec:
        raise RuntimeError("Device string must not be empty")
    parsed = re.fullmatch(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?", spec)
    if parsed is None:
        raise RuntimeError(f"Invalid device string: '{spec}'")
    kind, idx = parsed.groups()
    if kind not in ("cpu", "cuda"):
        raise RuntimeError(_NO_SUCH_DEVICE.get(kind, "") + _EXPECTED.format(spec))
    if idx is not None:
        if index is not None:
            raise RuntimeError(
                "type (string) must not include an index because index was passed explicitly: "
                f"{spec}"
            )
        index = int(idx)
    if index is not None and index < 0:
        raise RuntimeError(f"Device index must not be negative (got {index})")
    if kind == "cpu":  # "cpu:0" keeps its index, as PyTorch's; tensors are on the plain cpu
        return "cpu", index
    return "cuda", 0 if index is None else index


_EXPECTED = "Expected one of cpu, cuda device type at start of device string: {}"
_NO_SUCH_DEVICE = {
    "meta": (
        "minigrad has no 'meta' device (tensors with shapes but no data): it computes on cpu "
        "and cuda only. To find a layer's output shapes, run it on a small CPU input, e.g. a "
        "batch of one. "
    ),
    "mps": (
        "minigrad is not linked with support for mps devices (Apple GPUs): it computes on cpu "
        "and cuda only; use 'cpu' on a Mac. "
    ),
}


cpu = device("cpu")
_cuda_by_id: dict[int, device] = {}  # CuPy device id -> device, for `device_of`


def get_device(spec) -> device:
    """The device for `spec`, ready to compute on: a CUDA device loads CuPy (or says why not).

    # NOTE: CuPy computes on its *current* GPU. With several GPUs, a CUDA device must be the
    # current one to be used (`minigrad.cuda.set_device(n)`), so that new arrays are made on
    # it; otherwise they would land on another GPU and the tensor would lie about its device.
    """
    dev = loaded(spec)
    if dev.type == "cuda" and _cuda.probe().device_count > 1:
        current = dev.xp.cuda.runtime.getDevice()
        if current != dev.index:
            raise RuntimeError(
                f"{dev} is not the current CUDA device (cuda:{current}); minigrad computes on "
                f"the current device. Make it current first: minigrad.cuda.set_device"
                f"({dev.index}), or run the code inside `with minigrad.cuda.device({dev.index}):`"
            )
    return dev


def loaded(spec) -> device:
    """The device for `spec` (None: the default device) with its array module loaded (CuPy
    for CUDA, or a RuntimeError)."""
    dev = device(spec) if spec is not None else _default
    if dev.type == "cpu":
        return cpu  # NOTE: PyTorch's tensor made on device("cpu:0") is on device("cpu")
    if dev.xp is None:
        dev.xp = _cuda.load(dev.index)
        _cuda_by_id[dev.index] = dev
    return dev


_default = cpu  # where factories put a tensor when no device is named
_entered: list[device] = []  # the default devices that `with device(...)` blocks replaced


def set_default_device(spec) -> None:
    """Make factories (`zeros`, `randn`, `tensor` of Python data...) create on `spec` when
    no device is named, as PyTorch's `torch.set_default_device`; None means the CPU."""
    global _default
    if spec is None:
        _default = cpu
    else:
        loaded(spec)  # CuPy ready, or its error now
        _default = device(spec)  # "cpu:0" as given, as PyTorch's get_default_device()


def get_default_device() -> device:
    return _default


def device_of(array) -> device:
    """The device an array lives on: NumPy arrays on the CPU, CuPy arrays on their GPU."""
    if isinstance(array, np.ndarray):
        return cpu
    dev = _cuda_by_id.get(array.device.id)
    # None for an array that CuPy made directly, before minigrad used this GPU
    return dev if dev is not None else loaded(device("cuda", array.device.id))


def array_module(array):
    """NumPy or CuPy: the module of an array (a NumPy scalar's too), CuPy never imported."""
    if isinstance(array, (np.ndarray, np.generic)):
        return np
    return device_of(array).xp


def use(dev: device):
    """A context in which `dev` is CuPy's current device (nothing to do for the CPU)."""
    if dev.type == "cpu":
        return contextlib.nullcontext()
    return dev.xp.cuda.Device(dev.index)


def forget_cuda() -> None:
    """Forget what CUDA detection found (tests that simulate a setup call this after)."""
    for dev in device._interned.values():
        if dev.type == "cuda":
            dev.xp = None
    _cuda_by_id.clear()
    _cuda._probed = None
    _cuda._tracking.clear()
    _cuda.peak_bytes.clear()
