"""PyTorch 0.3-era names that old code (and the lecture's examples) still use, kept as PyTorch
keeps them: `Variable(x, requires_grad=True)` gives a Tensor, and `FloatTensor`, `LongTensor`...
make tensors of their dtype, pass as a dtype to `.type()`, and work with `isinstance`."""

from __future__ import annotations

from minigrad import creation, dtypes
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
