"""`minigrad.cuda`: PyTorch's `torch.cuda` functions, on CuPy.

Every function here is safe to call on a machine without a GPU: `is_available()` is False,
`device_count()` is 0, `manual_seed` and `empty_cache` do nothing and the memory counters
(`memory_allocated`...) are 0, as in PyTorch. The functions that need a GPU (`synchronize`,
`get_device_name`, `current_device`) raise a RuntimeError that says why CUDA is unavailable and
how to fix it.

    import minigrad as torch
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.randn(1024, 1024, device=device)
    torch.cuda.synchronize()                 # before reading a clock

`Event(enable_timing=True)` times GPU work as PyTorch's tutorials do: `start.record()`, the
work, `end.record()`, `torch.cuda.synchronize()`, then `start.elapsed_time(end)` milliseconds.

Memory statistics come from CuPy's default memory pool: `memory_allocated` is what arrays use,
`memory_reserved` what the pool holds from the driver; the peak is tracked by a thin wrapper
around the pool's allocator, installed when minigrad first uses CUDA (and only if CuPy still
uses its default pool).
"""

from __future__ import annotations

from minigrad import random as _random
from minigrad.backend import cuda as _backend
from minigrad.backend import device as _device

__all__ = [
    "Event",
    "current_device",
    "device",
    "device_count",
    "empty_cache",
    "get_device_capability",
    "get_device_name",
    "initial_seed",
    "is_available",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "memory_allocated",
    "memory_reserved",
    "reset_peak_memory_stats",
    "set_device",
    "synchronize",
    "unavailable_reason",
]


def is_available() -> bool:
    """True when CuPy is installed, the NVIDIA driver loads and a GPU is visible."""
    return _backend.is_available()


def unavailable_reason() -> str:
    """Why CUDA cannot be used here and the command that fixes it ('' when it can)."""
    return _backend.probe().reason


def device_count() -> int:
    """The number of visible GPUs (0 without CUDA; never raises)."""
    return _backend.probe().device_count


def _cupy():
    found = _backend.probe()
    if found.cupy is None:
        raise _backend.CudaUnavailableError(f"CUDA is not available: {found.reason}")
    _backend.track_peak(found.cupy)
    return found.cupy


def _index(dev) -> int:
    """A GPU index from None (the current GPU), an int, 'cuda:1' or a minigrad.device."""
    if dev is None:
        return current_device()
    if isinstance(dev, int):
        return dev
    parsed = _device(dev)
    if parsed.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {parsed}")
    return parsed.index


def current_device() -> int:
    """The index of the GPU that CuPy (and so minigrad) computes on."""
    return int(_cupy().cuda.runtime.getDevice())


def set_device(dev) -> None:
    """Make `dev` (an int, 'cuda:N' or a device) the GPU that new work runs on."""
    _cupy().cuda.Device(_index(dev)).use()


class device:  # noqa: N801 - PyTorch's spelling: `with torch.cuda.device(1):`
    """Context manager that makes a GPU current and restores the previous one on exit."""

    def __init__(self, dev):
        self.index = _index(dev)
        self._previous = None

    def __enter__(self):
        self._previous = current_device()
        set_device(self.index)
        return self

    def __exit__(self, *exc) -> None:
        set_device(self._previous)


def synchronize(dev=None) -> None:
    """Wait until all work queued on the GPU is done (do this before reading a clock)."""
    cupy = _cupy()
    with cupy.cuda.Device(_index(dev)):
        cupy.cuda.runtime.deviceSynchronize()


def get_device_name(dev=None) -> str:
    """The GPU's name, e.g. 'NVIDIA H100 80GB HBM3'."""
    name = _cupy().cuda.runtime.getDeviceProperties(_index(dev))["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def get_device_capability(dev=None) -> tuple[int, int]:
    """The compute capability (major, minor), e.g. (9, 0) for an H100."""
    props = _cupy().cuda.runtime.getDeviceProperties(_index(dev))
    return int(props["major"]), int(props["minor"])


# -- random numbers ---------------------------------------------------------------------------
def manual_seed(seed: int) -> None:
    """Seed the current GPU's generator; silently nothing without CUDA, as PyTorch."""
    if is_available():
        _random.cuda_generator(current_device()).manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seed the generators of all GPUs; silently nothing without CUDA."""
    for index in range(device_count()):
        _random.cuda_generator(index).manual_seed(seed)


def initial_seed() -> int:
    """The seed of the current GPU's generator."""
    return _random.cuda_generator(current_device()).initial_seed()


# -- memory (CuPy's default memory pool) ------------------------------------------------------
def _pool_bytes(dev, what: str) -> int:
    cupy = _cupy()
    index = _index(dev)
    with cupy.cuda.Device(index):
        pool = cupy.get_default_memory_pool()
        return int(pool.used_bytes() if what == "used" else pool.total_bytes())


# NOTE: without CUDA nothing was allocated: the counters are 0 and empty_cache does nothing, as
# PyTorch's, so a training script that logs GPU memory runs on a laptop too
def memory_allocated(dev=None) -> int:
    """Bytes used by arrays on the GPU right now."""
    if not is_available():
        return 0
    return _pool_bytes(dev, "used")


def max_memory_allocated(dev=None) -> int:
    """The most bytes used by arrays since the start or `reset_peak_memory_stats()`."""
    if not is_available():
        return 0
    used = memory_allocated(dev)
    peak = _backend.peak_bytes
    index = _index(dev)
    peak[index] = max(peak.get(index, 0), used)
    return peak[index]


def reset_peak_memory_stats(dev=None) -> None:
    """Start measuring the peak again from what is in use now."""
    _backend.peak_bytes[_index(dev)] = memory_allocated(dev)


def memory_reserved(dev=None) -> int:
    """Bytes the memory pool holds from the driver (in use, or cached for reuse)."""
    if not is_available():
        return 0
    return _pool_bytes(dev, "total")


def empty_cache() -> None:
    """Give the pool's cached, unused blocks back to the driver."""
    if is_available():
        _cupy().get_default_memory_pool().free_all_blocks()


# -- events: timing GPU work where it runs ------------------------------------------------------
class Event:
    """A marker in the GPU's queue of work, as `torch.cuda.Event` (on CuPy's events): record()
    places it after the work queued so far, synchronize() waits until the GPU reaches it,
    query() says whether it has, and `start.elapsed_time(end)` gives the milliseconds the GPU
    spent between two recorded events (both made with enable_timing=True). Without CUDA,
    making one raises RuntimeError with the reason."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess=False):
        if interprocess:
            raise NotImplementedError("Event(interprocess=True): minigrad runs in one process")
        cupy = _cupy()
        self.enable_timing = enable_timing
        self._event = cupy.cuda.Event(block=blocking, disable_timing=not enable_timing)
        self._recorded = False

    def record(self, stream=None) -> None:
        self._event.record(stream)
        self._recorded = True

    def synchronize(self) -> None:
        self._event.synchronize()

    def query(self) -> bool:
        return bool(self._event.done)

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds from this event to end_event (record both, and synchronize first)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return float(_cupy().cuda.get_elapsed_time(self._event, end_event._event))
