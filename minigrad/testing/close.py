"""`assert_close`: compare tensors, arrays or numbers with dtype-aware tolerances.

# NOTE: the `actual` of a check is often a student's answer, and answers are hostile: an object
# can define `__eq__`, `__sub__`, `__abs__`, `__array__`, `__array_ufunc__`, `shape`, `numpy()`
# ... to pass a comparison without computing anything. So an answer is first turned into a value
# of an exact built-in or NumPy type (`plain_value`: `type(x) is ...`, subclasses refused, no
# method of the answer called beyond reading a tensor's array), and the comparison then uses
# only operators of `numpy.ndarray` itself, which no Python code can change.
"""

from __future__ import annotations

import sys

import numpy as np

from minigrad.nn.parameter import Buffer, Parameter
from minigrad.tensor import Tensor

# PyTorch's defaults (torch.testing.assert_close): (rtol, atol) by dtype. A tuple, not a dict:
# an answer could widen a dict's entries in place, which no check of the module would see.
_TOLERANCES = (
    (np.dtype(np.float16), (1e-3, 1e-5)),
    (np.dtype(np.float32), (1.3e-6, 1e-5)),
    (np.dtype(np.float64), (1e-7, 1e-7)),
)

# Captured when minigrad.testing is imported (the locked setup cell, before any answer runs).
_ndarray, _array, _float64 = np.ndarray, np.array, np.float64
_abs, _isfinite = np.absolute, np.isfinite  # ufuncs, taken before any answer ran
# Builtins too: an answer may rebind builtins.type or AssertionError while it runs (and put them
# back before the test cell's closing assert_untampered).
_AssertionError, _type = AssertionError, type
_list, _tuple, _dict, _str, _int = list, tuple, dict, str, int
_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float: what a numeric check accepts
# NOTE: types are matched by identity (`is`, or `id` in a set of ints), never with `in` on the
# types themselves: `in` compares with ==, and a class whose metaclass defines __eq__ and
# __hash__ is then "equal" to float, list or Tensor.
_SCALAR_IDS = frozenset(
    map(id, [bool, int, float, str, _type(None), *(np.dtype(c).type for c in "?bBhHiIlLqQefdg")])
)
_MAX_DEPTH = 32
_TENSOR_IDS = frozenset(map(id, (Tensor, Parameter, Buffer)))
_ARRAY_SLOT = Tensor.__dict__["array"]  # read directly: a subclass could shadow `array`


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


def _device_array_to_numpy(array, what: str) -> np.ndarray:
    """A host copy of a tensor's array: a NumPy array, or the `ndarray` of the CuPy module."""
    if _type(array) is _ndarray:
        return array
    cupy = sys.modules.get("cupy")
    if cupy is not None and _type(array) is getattr(cupy, "ndarray", None):
        host = array.get()
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


def _foreign_array(x, what: str) -> np.ndarray | None:
    """A NumPy copy of an exact torch.Tensor or CuPy array (the test suite's references)."""
    cls = _type(x)
    torch = sys.modules.get("torch")
    if torch is not None and (cls is torch.Tensor or cls is torch.nn.Parameter):
        host = x.detach().cpu().numpy()
        return _numeric_copy(host, what) if _type(host) is _ndarray else None
    cupy = sys.modules.get("cupy")
    if cupy is not None and cls is getattr(cupy, "ndarray", None):
        return _numeric_copy(_device_array_to_numpy(x, what), what)
    return None


def plain_value(x, what: str = "the answer", _depth: int = 0):
    """x as a value of an exact built-in or NumPy type, or AssertionError naming what it is.

    Numbers, str and None come back as they are; a numpy.ndarray (numeric dtype) as a copy; a
    minigrad.Tensor / nn.Parameter as a NumPy copy of its data; lists, tuples and dicts with
    each item converted. Anything else, subclasses included, is refused: use this on an answer
    before comparing it with anything.
    """
    cls = _type(x)
    if id(cls) in _SCALAR_IDS:
        return x
    if cls is _ndarray:
        return _numeric_copy(x, what)
    if id(cls) in _TENSOR_IDS:
        return _tensor_array(x, what)
    if _depth < _MAX_DEPTH and (cls is _list or cls is _tuple):
        return cls(plain_value(item, f"{what}[{i}]", _depth + 1) for i, item in enumerate(x))
    if _depth < _MAX_DEPTH and cls is _dict:
        out = {}
        for key, value in _dict.items(x):
            if _type(key) is not _str and _type(key) is not _int:
                raise _refuse(key, f"a key of {what}")
            out[key] = plain_value(value, f"{what}[{key!r}]", _depth + 1)
        return out
    foreign = _foreign_array(x, what)
    if foreign is None:
        raise _refuse(x, what)
    return foreign


def to_numpy(x, what: str = "the value") -> np.ndarray:
    """A fresh numeric NumPy array from a number, array, tensor (any device) or list of them."""
    value = plain_value(x, what)
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

    # NOTE: ndarray operators and ufuncs taken at import, not np.isclose or abs(): a module's
    # attributes and builtins can be replaced by code that runs before the check.
    """
    within = _abs(actual - expected) <= atol + rtol * _abs(expected)
    close = (actual == expected) | (_isfinite(expected) & within)
    if equal_nan:
        close |= (actual != actual) & (expected != expected)
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
    e = to_numpy(expected, f"{prefix}the expected value")
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
    diff = _abs(a64 - e64)
    diff[close] = 0
    worst = np.unravel_index(np.nanargmax(np.where(diff != diff, np.inf, diff)), diff.shape)
    bad = int((~close).sum())
    raise _AssertionError(
        f"{prefix}values are not close: {bad} of {close.size} elements differ "
        f"({100 * bad / close.size:.1f}%); the largest difference is {diff[worst]:.3g} at index "
        f"{tuple(int(i) for i in worst)}: actual {float(a64[worst])!r}, expected "
        f"{float(e64[worst])!r} "
        f"(rtol={rtol:g}, atol={atol:g})"
    )
