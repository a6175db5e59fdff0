"""PyTorch 0.3-era names that old code (and the lecture's examples) still use, kept as PyTorch
keeps them: `Variable(x, requires_grad=True)` gives a Tensor, and `FloatTensor`, `LongTensor`...
make tensors of their dtype, pass as a dtype to `.type()`, and work with `isinstance`."""

from __future__ import annotations

import warnings

from minigrad import creation, dtypes
from minigrad.backend import get_default_device, set_default_device
from minigrad.tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """`Variable(t, requires_grad=False)`: a new Tensor sharing t's memory (PyTorch >= 0.4)."""

    def __new__(cls, data: Tensor, requires_grad: bool = False, volatile: bool = False):
        out = data.detach()
        return out.requires_grad_() if requires_grad else out


class _TensorTypeMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'minigrad.{cls.__name__}'>"


def _tensor_type(name: str, dtype: dtypes.dtype) -> type:
    def __new__(cls, *args, device=None):
        """`FloatTensor([1, 2])` copies data; `FloatTensor(2, 3)` is uninitialized."""
        if len(args) == 1 and not isinstance(args[0], int):
            return creation.tensor(args[0], dtype=cls.dtype, device=device)
        return creation.empty(*args, dtype=cls.dtype, device=device)

    return _TensorTypeMeta(name, (), {"dtype": dtype, "__new__": __new__})


FloatTensor = _tensor_type("FloatTensor", dtypes.float32)
DoubleTensor = _tensor_type("DoubleTensor", dtypes.float64)
HalfTensor = _tensor_type("HalfTensor", dtypes.float16)
LongTensor = _tensor_type("LongTensor", dtypes.int64)
IntTensor = _tensor_type("IntTensor", dtypes.int32)
ShortTensor = _tensor_type("ShortTensor", dtypes.int16)
CharTensor = _tensor_type("CharTensor", dtypes.int8)
ByteTensor = _tensor_type("ByteTensor", dtypes.uint8)
BoolTensor = _tensor_type("BoolTensor", dtypes.bool_)


def typename(obj, /) -> str:
    """'torch.FloatTensor' for a tensor (its `type()`), else the object's module and name."""
    if isinstance(obj, Tensor):
        return obj.type()
    if hasattr(obj, "__qualname__") or hasattr(obj, "__name__"):
        module = getattr(obj, "__module__", "") or ""
        name = getattr(obj, "__qualname__", None) or obj.__name__
    else:
        module, name = type(obj).__module__ or "", type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


_by_tensor_type = [False]  # whether set_default_tensor_type moved the default device to cuda


def set_default_tensor_type(t) -> None:
    """The deprecated way to set the default float dtype (and, with a `torch.cuda.*` name,
    the default device), with PyTorch's warning: `'torch.DoubleTensor'`,
    `minigrad.FloatTensor`, `'torch.cuda.FloatTensor'` (TypeError without a GPU, as PyTorch
    built without CUDA)."""
    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    name = t if isinstance(t, str) else getattr(t, "__name__", None)
    if not isinstance(t, str) and not isinstance(getattr(t, "dtype", None), dtypes.dtype):
        raise TypeError(
            "invalid type object: only floating-point types are supported as the default type"
        )
    on_cuda = isinstance(t, str) and t.rsplit(".", 1)[0].endswith("cuda")
    try:
        d = dtypes.to_dtype(name)
    except (TypeError, ValueError):
        raise TypeError(f"invalid type: {t!r}") from None
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    if on_cuda:
        from minigrad import cuda

        if not cuda.is_available():
            raise TypeError(f"type {t} not available: {cuda.unavailable_reason()}")
        set_default_device("cuda")
        _by_tensor_type[0] = True
    elif _by_tensor_type[0] and get_default_device().type == "cuda":
        set_default_device("cpu")  # a CPU type after a CUDA one, as PyTorch
        _by_tensor_type[0] = False
    dtypes.set_default_dtype(d)
