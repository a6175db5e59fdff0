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


_USE_ERROR = (
    "Attempted to use an uninitialized parameter in {}. This error happens when you are using "
    "a `LazyModule` or explicitly manipulating `minigrad.nn.parameter.UninitializedParameter` "
    "objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
    "parameters before calling minigrad functions"
)


class _UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share: `materialize`, and PyTorch's
    refusal of every use of their (empty) values but a few: dtype, device, size(), ndim,
    `.data`, `to`, `half`/`float`/`double`, `cpu`/`cuda` (which give plain empty tensors, so
    that `module.to(dtype)` converts a lazy module), copy and printing."""

    __slots__ = ()

    def __getattribute__(self, name):
        # NOTE: every op reads its inputs' `array`; refusing it here refuses them all, at no
        # cost to other tensors
        if name == "array":
            raise ValueError(_USE_ERROR.format("an operation (it read the tensor's values)"))
        if name in _TENSOR_METHODS and name not in _ALLOWED:
            raise ValueError(_USE_ERROR.format(f"Tensor.{name}"))
        return object.__getattribute__(self, name)

    def _empty(self) -> Tensor:
        """The empty values held until materialize, as a plain tensor."""
        return Tensor._make(Tensor.array.__get__(self), self.requires_grad)

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into "
            "an initialized one. Call `forward` to initialize the parameters before accessing "
            "their attributes."
        )

    @property
    def dtype(self):
        return self._empty().dtype

    @property
    def ndim(self) -> int:
        return 1

    @property
    def data(self) -> Tensor:
        return self._empty().detach()

    @data.setter
    def data(self, value: Tensor) -> None:  # Module._apply's conversion, materialize
        Tensor.array.__set__(self, value.array)
        self._device = value._device

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def size(self, dim=None):
        return self._empty().size(dim)

    def to(self, *args, **kwargs):
        return self._empty().to(*args, **kwargs)

    def half(self):
        return self._empty().half()

    def float(self):
        return self._empty().float()

    def double(self):
        return self._empty().double()

    def cpu(self):
        return self._empty().cpu()

    def cuda(self, *args, **kwargs):
        return self._empty().cuda(*args, **kwargs)

    def __deepcopy__(self, memo):
        copy = type(self)(self.requires_grad, self.device, self.dtype)
        memo[id(self)] = copy
        return copy

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor an uninitialised array of `shape` (its dtype and device unless
        given), in place, and make it a plain `cls_to_become`; the caller fills it (the lazy
        module's reset_parameters)."""
        from minigrad.creation import empty

        self.data = empty(tuple(shape), device=device or self.device, dtype=dtype or self.dtype)
        self.__class__ = self.cls_to_become


# the public Tensor methods an uninitialized tensor refuses: all but PyTorch's few (its
# `_allowed_methods`) and those it overrides above (operators and minigrad's own machinery
# read `array`, refused above)
_ALLOWED = {
    "size", "to", "half", "float", "double", "cpu", "cuda", "is_floating_point",
    "is_complex", "get_device", "materialize",
}  # fmt: skip
_TENSOR_METHODS = {n for n in dir(Tensor) if not n.startswith("_") and callable(getattr(Tensor, n))}


def is_lazy(tensor) -> bool:
    """Whether tensor is an UninitializedParameter or UninitializedBuffer (PyTorch's
    `nn.parameter.is_lazy`)."""
    return isinstance(tensor, _UninitializedTensorMixin)


class UninitializedParameter(_UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (the weights of LazyLinear before its first
    call). `materialize(shape)` gives it values in place, so an optimizer built before the
    first call keeps working, and turns it into a plain Parameter. Until then it holds an
    empty (0,) array that every op refuses to read, as PyTorch's (see the mixin), and
    `state_dict()` lists it as it is."""

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
    Tensor. Until then it refuses every use, as UninitializedParameter."""

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
