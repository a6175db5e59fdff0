"""`Parameter`: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from minigrad.tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and that `Module.__setattr__` registers.

    It shares memory with the Tensor it wraps, as PyTorch's does:
    ``w = nn.Parameter(minigrad.zeros(3))``.
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from minigrad.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: expected a Tensor, got {type(data).__name__}")
        param = Tensor.__new__(cls)
        _init(param, data.array)
        param.requires_grad = requires_grad
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass  # everything happens in __new__; Tensor.__init__ must not run

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """Marks a Tensor to be registered as a buffer when assigned to a Module attribute."""

    __slots__ = ("persistent",)

    def __new__(cls, data: Tensor, *, persistent: bool = True):
        buffer = Tensor.__new__(cls)
        _init(buffer, data.array)
        buffer.persistent = persistent
        return buffer

    def __init__(self, data: Tensor, *, persistent: bool = True):
        pass


class _UninitializedTensorMixin:
    """`materialize`, shared by UninitializedParameter and UninitializedBuffer."""

    __slots__ = ()

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor an uninitialised array of `shape` (its dtype and device unless
        given), in place, and make it a plain `cls_to_become`; the caller fills it (the lazy
        module's reset_parameters)."""
        from minigrad.creation import empty

        self.data = empty(tuple(shape), device=device or self.device, dtype=dtype or self.dtype)
        self.__class__ = self.cls_to_become


class UninitializedParameter(_UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (the weights of LazyLinear before its first
    call). `materialize(shape)` gives it values in place, so an optimizer built before the
    first call keeps working, and turns it into a plain Parameter.
    NOTE: unlike PyTorch's, it holds an empty (0,) tensor until then rather than refusing
    every use, and `state_dict()` lists it as that empty tensor."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from minigrad.creation import empty

        return super().__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


class UninitializedBuffer(_UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (the running statistics of LazyBatchNorm2d before
    its first call). `materialize(shape)` gives it values in place and turns it into a plain
    Tensor. NOTE: as UninitializedParameter, it holds an empty (0,) tensor until then."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        from minigrad.creation import empty

        buffer = Tensor.__new__(cls)
        _init(buffer, empty(0, device=device, dtype=dtype).array)
        buffer.requires_grad = requires_grad
        return buffer

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        pass

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"
