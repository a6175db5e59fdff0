"""A SIMULATED GPU for CPU-only machines: NumPy arrays dressed up as CuPy arrays.

It exists so that minigrad's CUDA code paths (device propagation, `.get()` copies, the `xp` of
a CUDA device, no silent host/device mixing) run in the test suite and in the course's
device-agnostic exercises on machines without a GPU. It checks how code *talks to* CuPy, never
how CuPy computes or how fast: it does not replace running on a real GPU (`pytest -m gpu`).

    with simulated_gpu():            # minigrad now sees "cuda:0", a SIMULATED device
        x = minigrad.ones(3, device="cuda")

What it imitates, because CuPy does it and NumPy does not:
- a `FakeArray` is not a `numpy.ndarray`, and turning it into one implicitly (`np.asarray`,
  `float()` on a big array) raises TypeError, as CuPy does; `.get()` copies to the host;
- functions and ufuncs refuse NumPy arrays mixed with device arrays (CuPy raises TypeError);
- reductions return 0-d arrays, never NumPy scalars;
- the API gaps minigrad must work around: `indices(..., sparse=True)` and
  `random.Generator.permutation` do not exist.
"""

from __future__ import annotations

import contextlib
import math
import sys
import types

import numpy as np

_HOST_ONLY = TypeError(
    "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
    "a NumPy array explicitly."
)


class FakeArray:
    """A device array: a NumPy array that must be copied out with `.get()`."""

    __slots__ = ("_a", "_device_id", "__weakref__")
    __array_priority__ = 100

    def __init__(self, array: np.ndarray):
        self._a = array
        self._device_id = FakeDevice.current  # CuPy allocates on the current GPU

    def get(self) -> np.ndarray:
        return self._a.copy()

    @property
    def device(self):
        return FakeDevice(self._device_id)

    def __array__(self, *args, **kwargs):
        raise _HOST_ONLY

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        return _call(func, args, kwargs)

    def __getattr__(self, name):
        value = getattr(self._a, name)
        if callable(value):
            return lambda *a, **k: _call(value, a, k)
        return wrap(value)

    def __getitem__(self, index):
        return wrap(self._a[unwrap(index, strict=True)])

    def __setitem__(self, index, value):
        self._a[unwrap(index, strict=True)] = unwrap(value, strict=True)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (wrap(row) for row in self._a)

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __repr__(self):
        return f"FakeArray({self._a!r})"


def _operator(name):
    def op(self, *args):
        return _call(getattr(self._a, name), args, {})

    op.__name__ = name
    return op


_OPERATORS = (
    "add",
    "sub",
    "mul",
    "truediv",
    "floordiv",
    "mod",
    "pow",
    "matmul",
    "and",
    "or",
    "xor",
    "lshift",
    "rshift",
    "radd",
    "rsub",
    "rmul",
    "rtruediv",
    "rfloordiv",
    "rmod",
    "rpow",
    "rmatmul",
    "rand",
    "ror",
    "rxor",
    "iadd",
    "isub",
    "imul",
    "itruediv",
    "ipow",
    "iand",
    "ior",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "neg",
    "pos",
    "abs",
    "invert",
)
for _name in _OPERATORS:
    setattr(FakeArray, f"__{_name}__", _operator(f"__{_name}__"))


def wrap(value):
    """NumPy results become device arrays; NumPy scalars become 0-d arrays, as in CuPy."""
    if isinstance(value, np.ndarray):
        return FakeArray(value)
    if isinstance(value, np.generic):
        return FakeArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(wrap(v) for v in value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def unwrap(value, strict: bool = False):
    """Device arrays to NumPy for the computation; a host array here is a mixing mistake."""
    if isinstance(value, FakeArray):
        return value._a
    if strict and isinstance(value, np.ndarray) and value.ndim > 0:
        raise TypeError(f"Unsupported type {type(value)}: a host array mixed with device arrays")
    if isinstance(value, (tuple, list)):
        return type(value)(unwrap(v, strict) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v, strict) for k, v in value.items()}
    return value


def _call(fn, args, kwargs):
    return wrap(fn(*unwrap(args, strict=True), **unwrap(kwargs, strict=True)))


class _Ufunc:
    """A NumPy ufunc on device arrays, with `at` (CuPy has `add.at` since v12)."""

    def __init__(self, ufunc):
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return _call(self._ufunc, args, kwargs)

    def at(self, a, indices, b=None):
        self._ufunc.at(unwrap(a), unwrap(indices, strict=True), unwrap(b, strict=True))

    def __getattr__(self, name):
        return getattr(self._ufunc, name)


class _Namespace(types.ModuleType):
    """NumPy's functions (and submodules) taking and giving device arrays."""

    def __init__(self, name, source):
        super().__init__(name)
        self._source = source

    def __getattr__(self, name):
        value = getattr(self._source, name)
        if isinstance(value, types.ModuleType):
            return _Namespace(f"{self.__name__}.{name}", value)
        if isinstance(value, np.ufunc):
            return _Ufunc(value)
        if callable(value) and not isinstance(value, type):
            return lambda *a, **k: _call(value, a, k)
        return value


class _Generator:
    """CuPy's random.Generator: random, standard_normal, integers; no permutation."""

    def __init__(self, seed):
        self._rng = np.random.default_rng(seed)
        self.bit_generator = types.SimpleNamespace(state=lambda: 0)  # CuPy: a method

    def random(self, size=None, dtype=np.float64):
        return FakeArray(np.asarray(self._rng.random(size, dtype)))

    def standard_normal(self, size=None, dtype=np.float64):
        return FakeArray(np.asarray(self._rng.standard_normal(size, dtype)))

    def integers(self, low, high=None, size=None, dtype=np.int64):
        return FakeArray(np.asarray(self._rng.integers(low, high, size, dtype)))


class FakeDevice:
    """cupy.cuda.Device: a context manager that makes a GPU current."""

    current = 0

    def __init__(self, index=None):
        self.id = FakeDevice.current if index is None else int(index)
        self._previous = []

    def use(self):
        FakeDevice.current = self.id

    def synchronize(self):
        pass

    def __enter__(self):
        self._previous.append(FakeDevice.current)
        FakeDevice.current = self.id
        return self

    def __exit__(self, *exc):
        FakeDevice.current = self._previous.pop()


class FakePool:
    """cupy.get_default_memory_pool(): byte counters the test sets by hand."""

    def __init__(self):
        self.used = 0
        self.total = 0

    def used_bytes(self):
        return self.used

    def total_bytes(self):
        return self.total

    def free_all_blocks(self):
        self.total = self.used

    def malloc(self, size):
        self.used += size
        self.total = max(self.total, self.used)
        return types.SimpleNamespace(device_id=FakeDevice.current, size=size)


SIMULATED_NAME = "Fake GPU (simulated)"


def make(device_count: int = 1, name: str = SIMULATED_NAME):
    """A fresh fake `cupy` module and the fake `cupyx.scipy.special` that Erf, Erfc and
    Erfinv import."""
    from minigrad.ops.unary import _numpy_erfinv

    FakeDevice.current = 0
    cupy = _Namespace("cupy", np)
    pool = FakePool()
    allocator = {"fn": pool.malloc}
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: device_count,
        getDevice=lambda: FakeDevice.current,
        getDeviceProperties=lambda i: {"name": name.encode(), "major": 9, "minor": 0},
        deviceSynchronize=lambda: None,
    )
    cupy.cuda = types.SimpleNamespace(
        runtime=runtime,
        Device=FakeDevice,
        get_allocator=lambda: allocator["fn"],
        set_allocator=lambda fn: allocator.update(fn=fn),
    )
    cupy.get_default_memory_pool = lambda: pool
    cupy.random = types.SimpleNamespace(default_rng=_Generator)
    cupy.ndarray = FakeArray
    cupy.asarray = lambda a, dtype=None: _to_device(a, dtype, copy=False)
    cupy.array = lambda a, dtype=None, copy=True: _to_device(a, dtype, copy)
    cupy.indices = lambda dimensions, dtype=int: FakeArray(np.indices(dimensions, dtype))

    special = types.ModuleType("cupyx.scipy.special")
    erf = np.frompyfunc(math.erf, 1, 1)
    special.erf = lambda x: FakeArray(np.asarray(erf(x._a), dtype=object).astype(x.dtype))
    erfc = np.frompyfunc(math.erfc, 1, 1)
    special.erfc = lambda x: FakeArray(np.asarray(erfc(x._a), dtype=object).astype(x.dtype))
    special.erfinv = lambda x: FakeArray(_numpy_erfinv(x._a).astype(x.dtype))
    cupyx = types.ModuleType("cupyx")
    cupyx.scipy = types.ModuleType("cupyx.scipy")
    cupyx.scipy.special = special
    modules = {
        "cupy": cupy,
        "cupyx": cupyx,
        "cupyx.scipy": cupyx.scipy,
        "cupyx.scipy.special": special,
    }
    return cupy, modules


def _to_device(a, dtype, copy):
    """cupy.asarray / cupy.array: host data (NumPy, lists, scalars) or device arrays in."""
    host = a._a if isinstance(a, FakeArray) else a
    out = np.array(host, dtype=dtype, copy=True) if copy else np.asarray(host, dtype=dtype)
    return FakeArray(out)


@contextlib.contextmanager
def simulated_gpu(device_count: int = 1):
    """Within the block, minigrad's CUDA detection finds a SIMULATED GPU (this module's fake
    CuPy, named "Fake GPU (simulated)"); on exit, detection and `sys.modules` are as before.

    Tensors made on the simulated device are unusable after the block. On a machine with a real
    GPU, leave CUDA tensors made before the block alone too: detection starts afresh after it.
    """
    from minigrad import backend, random
    from minigrad.backend import cuda as cuda_backend

    cupy, modules = make(device_count)
    seams = (cuda_backend._import_cupy, cuda_backend._cupy_wheels)
    before = {name: sys.modules.get(name) for name in modules}

    def forget():
        backend.forget_cuda()
        random._cuda_generators.clear()

    cuda_backend._import_cupy = lambda: cupy
    cuda_backend._cupy_wheels = lambda: ["cupy"]
    sys.modules.update(modules)
    forget()
    try:
        yield cupy
    finally:
        cuda_backend._import_cupy, cuda_backend._cupy_wheels = seams
        for name, module in before.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        forget()
