"""Dtypes and PyTorch's type promotion for the dtypes minigrad has.

A `dtype` wraps a NumPy dtype (CuPy uses the same ones). Arrays carry the NumPy dtype; the
public `minigrad.float32` objects are what users see and pass around.
"""

from __future__ import annotations

import numpy as np


class dtype:  # noqa: N801 - PyTorch's spelling: minigrad.dtype
    """A tensor element type, such as `minigrad.float32`."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_kind")

    def __init__(self, name: str, np_dtype, kind: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        # kind orders the categories for promotion: bool < integer < floating point
        self._kind = kind
        self.is_floating_point = kind == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"minigrad.{self.name}"

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(float="float32", double="float64", half="float16", long="int64", int="int32")

_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of floating-point tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating-point dtype, as `torch.set_default_dtype`."""
    global _default_float
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are allowed, got {d}")
    _default_float = d


def from_numpy_dtype(np_dtype) -> dtype:
    """The minigrad dtype of a NumPy dtype; TypeError for types minigrad does not have, and
    ValueError, as PyTorch's, for one of them in the other byte order (np.fromfile('>f4'))."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        if isinstance(np_dtype, np.dtype) and np_dtype.newbyteorder("=") in _BY_NP:
            raise ValueError(
                f"arrays of dtype {np_dtype} have byte order different from the native byte "
                "order, which minigrad does not convert: call array.astype(array.dtype."
                "newbyteorder('=')) first"
            ) from None
        raise TypeError(
            f"arrays of dtype {np_dtype} are not supported; supported: "
            + ", ".join(d.name for d in ALL)
        ) from None


_LEGACY = {
    "Float": float32, "Double": float64, "Half": float16, "Long": int64, "Int": int32,
    "Short": int16, "Char": int8, "Byte": uint8, "Bool": bool_,
}  # fmt: skip


def legacy_name(d: dtype) -> str:
    """The old tensor-type name of a dtype, as `Tensor.type()` gives it: 'FloatTensor'."""
    return next(k for k, v in _LEGACY.items() if v is d) + "Tensor"


def to_dtype(d) -> dtype:
    """Accept a minigrad dtype, a NumPy dtype, a Python type or a name; return a minigrad dtype.

    Old-style tensor types also work (`minigrad.FloatTensor`, 'torch.LongTensor')."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, type) and isinstance(getattr(d, "dtype", None), dtype):
        return d.dtype  # minigrad.FloatTensor and friends
    if isinstance(d, str) and d.endswith("Tensor") and d.rsplit(".", 1)[-1][:-6] in _LEGACY:
        return _LEGACY[d.rsplit(".", 1)[-1][:-6]]
    if d is float:
        return float64  # as PyTorch: Python's float is a double, whatever the default dtype
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        found = _BY_NAME[d]
        return found if isinstance(found, dtype) else _BY_NAME[found]
    return from_numpy_dtype(d)


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both fit in, as `torch.promote_types` (float32 + int64 -> float32)."""
    if a is b:
        return a
    try:
        if a._kind != b._kind:
            return a if a._kind > b._kind else b
    except AttributeError:  # checked only here: result_type calls this for every op
        position, d = (1, a) if not isinstance(a, dtype) else (2, b)
        raise TypeError(
            f"promote_types(): argument 'type{position}' (position {position}) must be "
            f"minigrad.dtype, not {type(d).__name__}"
        ) from None
    return _BY_NP[np.promote_types(a.np, b.np)]


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rule allows from_ -> to (in-place ops, out=): never to a lower
    category (bool < integer < float), so float to int and int to bool are not allowed, while
    int64 to uint8 is (it wraps)."""
    return to_dtype(from_)._kind <= to_dtype(to)._kind


def _scalar_kind(value) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return 1
    if isinstance(value, float):
        return 2
    # a complex number would otherwise be promoted as a float, silently dropping its imaginary
    # part; anything else is not an operand at all (PyTorch's TypeError for both)
    kind = "minigrad has no complex dtypes" if isinstance(value, complex) else "not a number"
    raise TypeError(
        f"result_type(): expected a Tensor or a Python number, got {type(value).__name__} ({kind})"
    )


def _default_of_kind(kind: int) -> dtype:
    return (bool_, int64, _default_float)[kind]


def result_type(*operands) -> dtype:
    """PyTorch's promotion over tensors and Python scalars.

    # NOTE: three tiers, as PyTorch: tensors with dimensions decide the dtype; 0-dim tensors and
    # then Python scalars only matter when they are of a higher category (bool < int < float).
    # So float32 tensor * 2.5 stays float32 and int64 tensor * 2.5 becomes the default float.
    """
    tiers: list[dtype | None] = [None, None, None]
    for op in operands:
        if hasattr(op, "ndim") and hasattr(op, "dtype"):
            d = op.dtype if isinstance(op.dtype, dtype) else from_numpy_dtype(op.dtype)
            tier = 0 if op.ndim > 0 else 1
        else:
            d, tier = _default_of_kind(_scalar_kind(op)), 2
        tiers[tier] = d if tiers[tier] is None else promote_types(tiers[tier], d)
    result = None
    for d in tiers:
        if d is None:
            continue
        if result is None or d._kind > result._kind:
            result = d
    return result


class finfo:  # noqa: N801 - PyTorch's spelling
    """Limits of a floating-point dtype, as `torch.finfo`: eps, max, min, tiny, bits..."""

    def __init__(self, type=None):
        d = get_default_dtype() if type is None else to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo: {d} is not a floating point dtype; use iinfo")
        info = np.finfo(d.np)
        self.bits, self.dtype = info.bits, d.name
        # 10**-precision as a Python float (float16's own resolution is 0.0010004)
        self.eps, self.resolution = float(info.eps), float(f"1e-{info.precision}")
        self.max, self.min = float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)

    def __repr__(self) -> str:  # PyTorch's: C's %g, six significant digits
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801
    """Limits of an integer dtype, as `torch.iinfo`: max, min, bits."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"iinfo: {d} is a floating point dtype; use finfo")
        info = np.iinfo(d.np) if d is not bool_ else np.iinfo(np.uint8)
        self.bits, self.dtype = info.bits, d.name
        self.max, self.min = int(info.max), int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
