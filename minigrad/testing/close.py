"""`assert_close`: compare tensors, arrays or numbers with dtype-aware tolerances.

# NOTE: the `actual` of a check is often a student's answer, and answers are hostile: an object
# can define `__eq__`, `__sub__`, `__abs__`, `__array__`, `__array_ufunc__`, `shape`, `numpy()`
# ... to pass a comparison without computing anything. So an answer is first turned into a value
# of an exact built-in or NumPy type (`plain_value`: `type(x) is ...`, subclasses refused, no
# method of the answer called, a tensor's array read from its slot), and the comparison then
# calls NumPy ufuncs taken at import, never an operator (NumPy 1.x lets code replace those).
"""

from __future__ import annotations

import sys

import numpy as np

from minigrad.backend import cuda as _cuda_backend
from minigrad.nn.parameter import Buffer, Parameter
from minigrad.tensor import Tensor
from minigrad.testing.simulated_gpu import FakeArray

# PyTorch's defaults (torch.testing.assert_close): (rtol, atol) by dtype. A tuple, not a dict:
# an answer could widen a dict's entries in place, which no check of the module would see.
_TOLERANCES = (
    (np.dtype(np.float16), (1e-3, 1e-5)),
    (np.dtype(np.float32), (1.3e-6, 1e-5)),
    (np.dtype(np.float64), (1e-7, 1e-7)),
)

# Captured when minigrad.testing is imported (the locked setup cell, before any answer runs).
_ndarray, _array, _float64 = np.ndarray, np.array, np.float64
# Ufuncs, taken before any answer ran, and called by name: an ndarray's operators (-, <=, ==,
# abs()) go through NumPy 1.x's table of numeric ops, which np.set_numeric_ops replaces for
# every array (an `<=` that always says True passed every comparison).
_abs, _isfinite, _subtract, _add, _multiply = (
    np.absolute,
    np.isfinite,
    np.subtract,
    np.add,
    np.multiply,
)
_less_equal, _equal, _not_equal = np.less_equal, np.equal, np.not_equal
_and, _or, _not = np.logical_and, np.logical_or, np.logical_not
# Builtins too: an answer may rebind builtins.type or AssertionError while it runs (and put them
# back before the test cell's closing assert_untampered).
_AssertionError, _type, _getattr = AssertionError, type, getattr
_list, _tuple, _dict, _str, _int = list, tuple, dict, str, int
_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float: what a numeric check accepts
# NOTE: types are matched by identity (`is`, or `id` in a set of ints), never with `in` on the
# types themselves: `in` compares with ==, and a class whose metaclass defines __eq__ and
# __hash__ is then "equal" to float, list or Tensor.
_SCALAR_IDS = frozenset(
    map(id, [bool, int, float, str, _type(None), *(np.dtype(c).type for c in "?bBhHiIlLqQefdg")])
)
_MAX_DEPTH = 32
# Items of lists, tuples and dicts, nested ones included, that one value may hold: a list that
# holds the same list twice, 31 levels deep, is 2**31 items, which took the check hours.
_MAX_ITEMS = 1_000_000
_TENSOR_IDS = frozenset(map(id, (Tensor, Parameter, Buffer)))
_ARRAY_SLOT = Tensor.__dict__["array"]  # read directly: a subclass could shadow `array`
_IMMUTABLE_TYPE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: a C type, whose methods no code can replace
# The simulated GPU's host array (chapter 07, the test suite), read from its slot: FakeArray.get
# calls `copy()` of whatever the slot holds, which an answer can fill with an object of its own.
_FAKE_SLOT = FakeArray.__dict__["_a"]


def _type_name(x) -> str:
    cls = _type(x)
    module = _type.__dict__["__module__"].__get__(cls)
    name = _type.__dict__["__qualname__"].__get__(cls)
    return name if module == "builtins" else f"{module}.{name}"


def _refuse(x, what: str) -> _AssertionError:
    return _AssertionError(
        f"{what} is a {_type_name(x)} object: checks accept only numbers, str, None, "
        "numpy.ndarray, minigrad.Tensor and lists, tuples or dicts of these, of exactly those "
        "types (not subclasses), because an object of another type can redefine how it compares"
    )


def _host_copy(array):
    """The host array behind a CUDA array, or None when its type cannot be trusted to give it.

    # NOTE: the class is not looked up in sys.modules["cupy"] and its `get` is not called as an
    # attribute: an answer can put a module of its own there (a `cupy.py` written to the working
    # folder, imported) or patch CuPy's Python-level `ndarray`, and its `get()` then runs while
    # the check converts the value (and reads `expected` from the check's frame). Only the
    # simulated GPU's array (read from its slot) and a `get` of an immutable (C) type are used.
    """
    cls = _type(array)
    if cls is FakeArray:
        return _FAKE_SLOT.__get__(array)
    found = _cuda_backend._probed  # what minigrad itself uses; never a detection run from here
    cupy = None if found is None else found.cupy
    if cupy is None or cls is not _getattr(cupy, "ndarray", None):
        return None
    for base in _type.__dict__["__mro__"].__get__(cls):
        method = _type.__dict__["__dict__"].__get__(base).get("get")
        if method is not None:
            immutable = _type.__dict__["__flags__"].__get__(base) & _IMMUTABLE_TYPE
            return method(array) if immutable else None
    return None


def _device_array_to_numpy(array, what: str) -> np.ndarray:
    """A host copy of a tensor's array: a NumPy array, or a trusted CUDA array's copy."""
    if _type(array) is _ndarray:
        return array
    host = _host_copy(array)
    if _type(host) is _ndarray:
        return host
    raise _refuse(array, f"the array inside {what}")


def _numeric_copy(array: np.ndarray, what: str) -> np.ndarray:
    """A copy of an exact ndarray of numbers: an array of objects holds answer-made objects whose
    __float__ runs (and can read the test's frames) when the check converts it."""
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise _AssertionError(f"{what} is an array of dtype {array.dtype}, not of numbers")
    return array.copy()


def _tensor_array(t, what: str) -> np.ndarray:
    """A fresh NumPy copy of an exact minigrad tensor's data, read from its `array` slot."""
    array = _ARRAY_SLOT.__get__(t)
    return _numeric_copy(_device_array_to_numpy(array, what), what)


def _foreign_array(x, what: str, reference: bool) -> np.ndarray | None:
    """A NumPy copy of a CUDA array, or of an exact torch.Tensor on the reference side.

    # NOTE: a torch.Tensor is never taken from an answer: its conversion calls methods of
    # torch.Tensor, a Python class an answer can patch (detach() returning an object whose
    # numpy() is the expected value, read from the check's frame). The test suite's references
    # are built by the tests themselves.
    """
    cls = _type(x)
    torch = sys.modules.get("torch")
    if reference and torch is not None and (cls is torch.Tensor or cls is torch.nn.Parameter):
        host = x.detach().cpu().numpy()
        return _numeric_copy(host, what) if _type(host) is _ndarray else None
    host = _host_copy(x)
    return _numeric_copy(host, what) if _type(host) is _ndarray else None


def plain_value(x, what: str = "the answer"):
    """x as a value of an exact built-in or NumPy type, or AssertionError naming what it is.

    Numbers, str and None come back as they are; a numpy.ndarray (numeric dtype) as a copy; a
    minigrad.Tensor / nn.Parameter as a NumPy copy of its data; lists, tuples and dicts with
    each item converted. Anything else, subclasses included, is refused: use this on an answer
    before comparing it with anything.
    """
    return _plain(x, what, 0, False, [0])


def _plain(x, what: str, depth: int, reference: bool, count: list):
    cls = _type(x)
    if id(cls) in _SCALAR_IDS:
        return x
    if cls is _ndarray:
        return _numeric_copy(x, what)
    if id(cls) in _TENSOR_IDS:
        return _tensor_array(x, what)
    if depth < _MAX_DEPTH and (cls is _list or cls is _tuple):
        _count(x, what, count)
        return cls(
            _plain(item, f"{what}[{i}]", depth + 1, reference, count) for i, item in enumerate(x)
        )
    if depth < _MAX_DEPTH and cls is _dict:
        _count(x, what, count)
        out = {}
        for key, value in _dict.items(x):
            if _type(key) is not _str and _type(key) is not _int:
                raise _refuse(key, f"a key of {what}")
            out[key] = _plain(value, f"{what}[{key!r}]", depth + 1, reference, count)
        return out
    foreign = _foreign_array(x, what, reference)
    if foreign is None:
        raise _refuse(x, what)
    return foreign


def _count(container, what: str, count: list) -> None:
    count[0] += _type(container).__len__(container)
    if count[0] > _MAX_ITEMS:
        raise _AssertionError(
            f"{what} holds more than {_MAX_ITEMS:,} items in lists, tuples and dicts (nested ones "
            "counted): return a numpy array or a tensor instead"
        )


def to_numpy(x, what: str = "the value", *, reference: bool = False) -> np.ndarray:
    """A fresh numeric NumPy array from a number, array, tensor (any device) or list of them.

    `reference=True` also takes an exact torch.Tensor: for values the test made itself, never
    for an answer.
    """
    value = _plain(x, what, 0, reference, [0])
    if _type(value) is _ndarray:
        return value
    if _type(value) is _str or value is None or _type(value) is _dict:
        raise _AssertionError(f"{what} is {_type_name(value)}, not a number or an array")
    array = _array(value)
    if _type(array) is not _ndarray or array.dtype.kind not in _NUMERIC_KINDS:
        raise _AssertionError(f"{what} does not make an array of numbers (got dtype {array.dtype})")
    return array


def close_mask(actual: np.ndarray, expected: np.ndarray, rtol, atol, equal_nan=False):
    """Where |actual - expected| <= atol + rtol * |expected|, for a finite expected value; an
    infinite one is close to the same infinity only (the tolerance would be infinite too).

    # NOTE: ufuncs taken at import, not np.isclose, abs() or ndarray operators: a module's
    # attributes, builtins and NumPy 1.x's numeric ops can be replaced by code that runs before
    # the check.
    """
    bound = _add(atol, _multiply(rtol, _abs(expected)))
    within = _less_equal(_abs(_subtract(actual, expected)), bound)
    close = _or(_equal(actual, expected), _and(_isfinite(expected), within))
    if equal_nan:
        both_nan = _and(_not_equal(actual, actual), _not_equal(expected, expected))
        close = _or(close, both_nan)
    return close


def assert_close(
    actual,
    expected,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = False,
    msg: str | None = None,
) -> None:
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| everywhere.

    Shapes must match exactly. Default tolerances depend on the dtype, as in PyTorch. Both
    sides go through `plain_value` first, so an object that only pretends to be a number or an
    array fails with a message naming its type.
    """
    prefix = f"{msg}: " if msg else ""
    a = to_numpy(actual, f"{prefix}the actual value")
    e = to_numpy(expected, f"{prefix}the expected value", reference=True)
    if a.shape != e.shape:
        raise _AssertionError(f"{prefix}shapes differ: {a.shape} (actual) vs {e.shape} (expected)")
    if check_dtype and a.dtype != e.dtype:
        raise _AssertionError(f"{prefix}dtypes differ: {a.dtype} (actual) vs {e.dtype} (expected)")
    dtype = np.result_type(a, e)
    default = next((tol for key, tol in _TOLERANCES if key == dtype), (0.0, 0.0))
    rtol = default[0] if rtol is None else float(plain_value(rtol, "rtol"))
    atol = default[1] if atol is None else float(plain_value(atol, "atol"))
    a64, e64 = a.astype(_float64), e.astype(_float64)
    close = close_mask(a64, e64, rtol, atol, equal_nan=True)
    if close.all():
        return
    diff = _array(_abs(_subtract(a64, e64)))  # an array even for 0-d values (a ufunc's scalar)
    diff[close] = 0
    worst = np.unravel_index(
        np.nanargmax(np.where(_not_equal(diff, diff), np.inf, diff)), diff.shape
    )
    bad = int(_not(close).sum())
    raise _AssertionError(
        f"{prefix}values are not close: {bad} of {close.size} elements differ "
        f"({100 * bad / close.size:.1f}%); the largest difference is {diff[worst]:.3g} at index "
        f"{tuple(int(i) for i in worst)}: actual {float(a64[worst])!r}, expected "
        f"{float(e64[worst])!r} "
        f"(rtol={rtol:g}, atol={atol:g})"
    )
