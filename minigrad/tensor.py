"""Tensor: an array of its device's module, plus what autograd needs.

A Tensor holds `array` (a NumPy array on the CPU, a CuPy array on a GPU), `requires_grad`,
`grad` and `grad_fn` (the node that made it; None for leaves). Every computation goes through
an op in `minigrad.ops`; the methods here only forward to those ops, so each op's code lives in
one place, next to its backward.

Differences from PyTorch: `Tensor.data` is a detached Tensor sharing storage (as in PyTorch);
the raw array is `Tensor.array`. Views (slicing, transpose, view, expand...) share memory and
the version counter with their base, as in PyTorch, and an in-place change through a view is
recorded on the base too (see `_View` and docs/autograd.md).
"""

from __future__ import annotations

import builtins
import functools
import mmap
import warnings
import weakref

import numpy as np

from minigrad import dtypes, layout, random
from minigrad._warn import warn_once
from minigrad.backend import cpu, device, device_of, get_device


class Size(tuple):
    """The shape of a tensor: a tuple of ints (PyTorch's `torch.Size`)."""

    def __repr__(self) -> str:
        return f"minigrad.Size({list(self)})"

    # a slice, a concatenation or a repetition of a shape is a shape, as in PyTorch
    # (print(x.shape[1:]) shows minigrad.Size([...]))
    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _numpy_axis(fn):
    """Also accept NumPy's `axis=` for `dim=` and `keepdims=` for `keepdim=`, as PyTorch's
    native functions and methods do (x.sum(axis=0, keepdims=True), torch.cat(ts, axis=1))."""

    @functools.wraps(fn)
    def with_axis(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return with_axis


# NOTE: dim not given is not dim=None: PyTorch's sum(input, *, dtype) takes no out=, and
# its prod and median take no dim=None
DIM_NOT_GIVEN = object()


def _dim_error(op: str, dim: int, ndim: int) -> IndexError:
    """PyTorch's IndexError for a dim out of [-ndim, ndim) of x.size(dim) and x.stride(dim)
    (normalize_dim lets a 0-d tensor have dim 0 and -1, as reductions do; size does not)."""
    if ndim == 0:
        return IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    try:
        normalize_dim(dim, ndim, op)
    except IndexError as error:
        return error
    raise AssertionError(f"{op}: dim {dim} is in range for {ndim} dims")  # the caller's bug


class Tensor:
    """A multi-dimensional array that records the operations on it for automatic gradients."""

    __slots__ = (
        "array",
        "_requires_grad",
        "_grad",
        "_grad_fn",
        "_view",
        "_output_nr",
        "_version_counter",
        "_device",
        "_hooks",
        "_accum",
        "_retains_grad",
        "__weakref__",
    )
    __array_priority__ = 1000  # so ndarray + Tensor calls Tensor.__radd__

    def __init__(self, *args, device=None):
        """`Tensor(data)` copies data as float32; `Tensor(2, 3)` or `Tensor(Size([2, 3]))` is an
        uninitialized 2x3; `Tensor()` is empty."""
        dev = get_device(device)
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            array = dev.xp.asarray(_to_numpy_input(args[0]), dtype=dtypes.get_default_dtype().np)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], Size) else args or (0,)
            shape = random.check_shape(shape)
            array = dev.xp.empty(shape, dtype=dtypes.get_default_dtype().np)
        _init(self, array)

    @staticmethod
    def _make(array, requires_grad: bool = False, grad_fn=None) -> Tensor:
        """Wrap an array without copying it (the fast path every op uses)."""
        t = _new_tensor(Tensor)
        if type(array) is np.ndarray:  # NOTE: the common case, spelled out: ops call this a lot
            t.array, t._device = array, cpu
            t._grad = t._hooks = t._accum = None
            t._output_nr = 0
            t._version_counter = [0]
            t._retains_grad = False
            t._view = None
        else:
            _init(t, array)
        t._requires_grad = requires_grad
        t._grad_fn = grad_fn
        return t

    # -- attributes --------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self.array.shape)
        try:  # NOTE: a tuple's valid indices are PyTorch's valid dims
            return self.array.shape[dim]
        except IndexError:
            raise _dim_error("size", dim, self.ndim) from None

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self.array.dtype)

    @property
    def device(self) -> device:
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    ndimension = dim

    def stride(self, dim: int | None = None):
        """Elements to step over per index of each dim, as laid out in memory (a transposed
        tensor's strides are swapped; an expanded dim has stride 0)."""
        itemsize = self.array.dtype.itemsize
        steps = tuple(s // itemsize for s in self.array.strides)
        if not self.array.size and not any(steps):
            # NumPy makes an empty array with strides of 0; PyTorch lays it out row-major, each
            # dim counted as at least 1: zeros(2, 0, 3).stride() is (3, 3, 1). (An empty view,
            # as x[:, :0] or an unfold, keeps its own strides in both.)
            steps, n = (), 1
            for size in reversed(self.array.shape):
                steps, n = (n, *steps), n * max(size, 1)
        if dim is None:
            return steps
        try:
            return steps[dim]
        except IndexError:
            raise _dim_error("stride", dim, self.ndim) from None

    def data_ptr(self) -> int:
        """The address of the first element (0 for an empty tensor, as PyTorch): a view's is
        its first element's, inside the memory of the tensor it views."""
        return layout.data_ptr(self.array) if self.array.size else 0

    def untyped_storage(self) -> layout.UntypedStorage:
        """The memory block this tensor's values live in, shared with its views and the
        tensor they view (equal storages: shared memory)."""
        return layout.storage_of(self.array, self._device)

    def storage_offset(self) -> int:
        """Where the first element sits in the storage, in elements."""
        start = layout.storage_of(self.array, self._device)._ptr
        return (layout.data_ptr(self.array) - start) // self.array.dtype.itemsize if start else 0

    @property
    def _version(self) -> int:
        """How often this tensor's memory was changed in place.

        # NOTE: the counter is one list shared by a tensor, its views and its detach()es, as
        # in PyTorch, so a change made through any of them is caught by the backward of an op
        # that saved another one.
        """
        return self._version_counter[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._version_counter[0] = value

    def numel(self) -> int:
        return int(self.array.size)

    nelement = numel

    def element_size(self) -> int:
        return self.array.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.array.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.array.nbytes

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    def get_device(self) -> int:
        """The CUDA device's index, or -1 on the CPU (PyTorch's answer)."""
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    @property
    def is_meta(self) -> bool:
        return False  # minigrad has no meta device

    @property
    def is_sparse(self) -> bool:
        return False  # minigrad's tensors are all dense (optimizers copied from PyTorch ask)

    @property
    def is_quantized(self) -> bool:
        return False  # minigrad has no quantized dtypes

    def is_inference(self) -> bool:
        """False: minigrad has no inference tensors (inference_mode is no_grad)."""
        return False

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is (0 for a leaf)."""
        return self._output_nr

    def storage(self) -> layout.TypedStorage:
        """The legacy typed view of `untyped_storage()`, with PyTorch's deprecation (once)."""
        warn_once(
            "TypedStorage is deprecated. It will be removed in the future and UntypedStorage "
            "will be the only storage class. This should only matter to you if you are using "
            "storages directly.  To access UntypedStorage directly, use "
            "tensor.untyped_storage() instead of tensor.storage()",
            UserWarning,
            stacklevel=2,
        )
        return layout.TypedStorage(self.untyped_storage(), self.dtype)

    def is_pinned(self, device=None) -> bool:
        return False  # NumPy's memory is never page-locked

    def pin_memory(self, device=None) -> Tensor:
        """A copy (page-locked in PyTorch; minigrad's CPU memory is plain NumPy memory);
        RuntimeError without a GPU, as PyTorch raises without an accelerator."""
        from minigrad import cuda

        if not cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if self._device.type != "cpu":
            raise RuntimeError(f"cannot pin '{self._device}' memory: only CPU memory can be pinned")
        return self.clone()

    def share_memory_(self) -> Tensor:
        """Move the values into shared memory (an anonymous shared mapping), so processes
        forked afterwards (DataLoader workers, Hogwild training) see each other's writes; a
        no-op on the GPU and for memory already shared, as PyTorch's. Views taken before keep
        the old memory."""
        if self._device.type != "cpu" or self.is_shared():
            return self
        block = mmap.mmap(-1, builtins.max(self.array.nbytes, 1))
        shared = np.frombuffer(block, self.array.dtype, self.array.size).reshape(self.shape)
        shared[...] = self.array
        self.array = shared
        return self

    def is_shared(self) -> bool:
        node = self.array
        while node is not None and not isinstance(node, mmap.mmap):
            node = node.obj if isinstance(node, memoryview) else getattr(node, "base", None)
        return node is not None

    def is_signed(self) -> bool:
        return self.array.dtype.kind in "if"

    def is_same_size(self, other) -> bool:
        return self.array.shape == other.array.shape

    def is_floating_point(self) -> bool:
        return self.array.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False  # minigrad has no complex dtypes

    @property
    def real(self) -> Tensor:
        """The real part: a real tensor is its own (x.real is x, as PyTorch's)."""
        return self

    @property
    def imag(self) -> Tensor:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor, as bool(tensor) (RuntimeError otherwise)."""
        if self.numel() == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        return bool(self)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf). A view whose base, or another view
        of it, was changed in place since is read from the base again (`_refresh_view`)."""
        view = self._view
        if view is not None and view.version != self._version_counter[0]:
            _refresh_view(self, view, strict=True)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node) -> None:
        self._grad_fn = node

    @property
    def _base(self) -> Tensor | None:
        """The tensor whose memory this view reads (None if this tensor is not a view)."""
        return None if self._view is None else self._view.base

    def _is_view(self) -> bool:
        return self._view is not None

    @property
    def requires_grad(self) -> bool:
        view = self._view
        if view is not None and view.version != self._version_counter[0]:
            _refresh_view(self, view, strict=False)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and not self.dtype.is_floating_point:  # (an UninitializedParameter has no array)
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients "
                f"(this one is {self.dtype})"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor | None:
        # PyTorch warns only while there is none (backward(inputs=[it]) gives it one)
        if self._grad is None and self.grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during backward(). Call .retain_grad() "
                "on it before backward() if you need its gradient.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None and not isinstance(value, Tensor):
            cls = type(value)
            name = (
                cls.__qualname__
                if cls.__module__ == "builtins"
                else cls.__module__ + "." + cls.__qualname__
            )
            raise TypeError(
                f"assigned grad expected to be a Tensor or None but got grad of type {name}"
            )
        if value is not None and tuple(value.shape) != self.array.shape:
            raise RuntimeError(
                f"assigned grad has data of a different size: {tuple(value.shape)} for a "
                f"tensor of shape {self.array.shape}"
            )
        if value is not None and value.dtype is not self.dtype:
            raise RuntimeError(
                f"assigned grad has dtype {value.dtype} but the tensor is {self.dtype}; "
                f"convert it with .to({self.dtype})"
            )
        self._grad = value

    @property
    def data(self) -> Tensor:
        """This tensor's values as a new leaf that shares memory and records no history.

        Unlike detach(), in-place changes through .data are not seen by autograd (PyTorch's
        rule: .data has a version counter of its own)."""
        return self._same_values(Tensor._make(self.array))

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and value.array.dtype.kind not in "fc":
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or "
                f"complex dtype (got {value.dtype})"
            )
        self.array = value.array
        self._device = value._device
        self._version += 1

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        n = self.array.ndim
        if n == 0:  # (PyTorch warns once per process, as for other n but 2)
            warn_once(
                "Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
                "cases.",
                stacklevel=2,
            )
        elif n != 2:  # PyTorch's deprecation (a vector too): a batch of matrices wants .mT
            warn_once(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                "to reverse the dimensions of a tensor.",
                stacklevel=2,
            )
        # NOTE: a reversal of the dims is a valid order: Permute directly, without permute()'s
        # checks of the dims (2 of a 2-D .T's 5 us)
        return shape_ops.Permute.apply(self, tuple(range(n - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        n = self.array.ndim
        if n == 0:
            return self._deprecated_0d_identity(
                "Tensor.mT", "This function is the identity in these cases."
            )
        if n < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. Got {n}-D tensor."
            )
        # NOTE: one permute, without transpose()'s argument checks: every linear backward runs this
        y = shape_ops.Permute.apply(self, (*range(n - 2), n - 1, n - 2))
        return shape_ops._named(y, self, "TransposeBackward0")

    @property
    def H(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix: its transpose (minigrad has no complex dtypes)."""
        if self.array.ndim == 0:
            return self._deprecated_0d_identity("Tensor.H")
        if self.array.ndim != 2:
            raise RuntimeError(
                "tensor.H is only supported on matrices (2-D tensors). Got "
                f"{self.array.ndim}-D tensor."
            )
        return self.mT

    @property
    def mH(self) -> Tensor:  # noqa: N802
        if self.array.ndim == 0:
            return self._deprecated_0d_identity("Tensor.mH")
        if self.array.ndim < 2:
            raise RuntimeError(
                "tensor.mH is only supported on matrices or batches of matrices. Got "
                f"{self.array.ndim}-D tensor."
            )
        return self.mT

    def adjoint(self) -> Tensor:
        if self.array.ndim == 0:
            return self._deprecated_0d_identity("adjoint()")
        return self.mH

    def _deprecated_0d_identity(
        self, what: str, hint: str = "A real tensor is its own conjugate (no complex dtypes here)."
    ) -> Tensor:
        """A 0-D tensor has no matrix to transpose: PyTorch gives it back itself (the same
        object), with a deprecation warning once per process."""
        warn_once(f"{what} is deprecated on 0-D tensors. {hint}", stacklevel=3)
        return self

    # -- conversion --------------------------------------------------------------------------
    def item(self):
        if state.vmap is not None:
            state.vmap.refuse(self, "item")
        if self.array.size != 1:
            raise RuntimeError(
                f"item(): a Tensor with {self.array.size} elements cannot be converted to "
                f"Scalar (shape {tuple(self.shape)})"
            )
        return self.array.reshape(()).item()

    def tolist(self):
        if state.vmap is not None:
            state.vmap.refuse(self, "data")
        return _host(self.array).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array behind a CPU tensor (shared memory, as PyTorch). A tensor that
        requires grad is refused while gradients are recorded (not under no_grad, nor in a
        Function's forward), as PyTorch does."""
        if self._requires_grad and state.enabled and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if state.vmap is not None:
            state.vmap.refuse(self, "data")
        if self._device is not cpu:
            if not force:
                raise TypeError(
                    f"can't convert {self._device} device type tensor to numpy. Use "
                    "Tensor.cpu() to copy the tensor to host memory first."
                )
            return _host(self.array)
        return self.array

    def __dlpack__(self, *args, **kwargs):
        """DLPack export (np.from_dlpack(t), torch.from_dlpack(t)): the array's own."""
        return self.array.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def to(self, *args, **kwargs) -> Tensor:
        """`to(device)`, `to(dtype)`, `to(device, dtype)` or `to(other)`; a copy only if needed.
        `memory_format=channels_last` copies where PyTorch would, into a row-major array."""
        fmt = kwargs.pop("memory_format", layout.preserve_format)
        layout.check_format(fmt, "to", self.ndim)
        dev, dtype, copy = _parse_to(self, args, kwargs)
        out = self
        if dev is not None and dev is not self._device:
            out = creation.to_device(out, dev)
        if dtype is not None and dtype.np != out.array.dtype:
            out = selection_ops.cast(out, dtype)
        if fmt is not layout.preserve_format and fmt is not layout.suggested(self.array):
            copy = True  # PyTorch would copy into the layout: minigrad copies, row-major
        if copy and out is self:
            out = selection_ops.cast(self, self.dtype)  # a copy, named ToCopyBackward0 as PyTorch's
        return out

    def cpu(self) -> Tensor:
        return self.to(cpu)

    def cuda(self, device=None) -> Tensor:
        return self.to("cuda" if device is None else device)

    def type(self, dtype=None):
        """`type()` names the old tensor type ('minigrad.FloatTensor'); `type(dtype)` casts."""
        if dtype is None:
            return f"minigrad.{dtypes.legacy_name(self.dtype)}"
        return self.to(dtype=dtypes.to_dtype(dtype))

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(dtype=other.dtype)

    def float(self) -> Tensor:
        return self.to(dtype=dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtype=dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtype=dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtype=dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtype=dtypes.int32)

    def byte(self) -> Tensor:
        return self.to(dtypes.uint8)

    def char(self) -> Tensor:
        return self.to(dtypes.int8)

    def short(self) -> Tensor:
        return self.to(dtypes.int16)

    def bool(self) -> Tensor:
        return self.to(dtype=dtypes.bool_)

    def __float__(self) -> float:
        return float(self._only_element())

    def __int__(self) -> int:
        return int(self._only_element())

    def _only_element(self):
        if self.array.size != 1:  # PyTorch's type and words (item() raises a RuntimeError)
            raise ValueError(
                "only one element tensors can be converted to Python scalars (this tensor has "
                f"shape {tuple(self.shape)})"
            )
        return self.item()

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if state.vmap is not None:
            state.vmap.refuse(self, "bool")
        if self.array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self.array.size} elements is ambiguous; use "
                ".any() or .all()"
            )
        return bool(self.item())

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __contains__(self, element) -> bool:
        if not isinstance(element, (Tensor, int, float, bool)):
            raise RuntimeError(
                "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                f"{type(element)}."
            )
        return builtins.bool((self == element).any().item())

    __hash__ = object.__hash__

    def __deepcopy__(self, memo):
        """A copy of a leaf's values, requires_grad and grad (copy.deepcopy of a model)."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol; use .detach().clone() on a computed tensor"
            )
        if id(self) not in memo:
            new = Tensor.__new__(type(self))
            _init(new, self.array.copy())
            new._requires_grad = self._requires_grad
            if self._grad is not None:
                new._grad = Tensor._make(self._grad.array.copy())
            memo[id(self)] = new
        return memo[id(self)]

    def __reduce__(self):
        """Pickled as values, device and requires_grad (no graph, no .grad), as in PyTorch."""
        return (_unpickle, (_host(self.array), str(self._device), self._requires_grad))

    def __repr__(self) -> str:
        return printing.format_tensor(self)

    def __format__(self, spec: str) -> str:
        # NOTE: PyTorch formats a 0-d plain Tensor as its number, f"{loss}" too ("0.25", not
        # "tensor(0.25, grad_fn=...)"); anything else as object.__format__ does (a Parameter)
        if self.array.ndim == 0 and type(self) is Tensor:
            return format(self.item(), spec)
        if spec:  # f"{acc:.2f}" of a one-element vector too
            raise TypeError(f"unsupported format string passed to {type(self).__name__}.__format__")
        return str(self)

    # -- autograd ----------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Add d(self)/d(leaf) into `.grad` of every leaf that requires grad."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """The same values (shared memory and version counter), cut from the graph."""
        t = Tensor._make(self.array)
        t._version_counter = self._version_counter
        return self._same_values(t)

    def _same_values(self, t: Tensor) -> Tensor:
        """t, made from this tensor's array outside an op: inside vmap it holds a mapped
        sample's values where this tensor does (see func._Mapped)."""
        mapped = state.vmap
        if mapped is not None and mapped.holds(self):
            mapped.mark(t)
        return t

    def detach_(self) -> Tensor:
        if self._view is not None:  # its history is its base's: it cannot leave it alone
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` of this non-leaf tensor after backward (a leaf that requires grad
        keeps it anyway; one that does not cannot: RuntimeError, as PyTorch's)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        if not self._retains_grad:
            # NOTE: the node's id, not the node: the hook sits on the node (no cycle); while
            # the node runs its hooks it is alive, so the id is its own
            ref, node = weakref.ref(self), id(self._grad_fn)

            def keep(g):
                t = ref()
                if t is not None and id(t._grad_fn) == node:  # else changed in place since:
                    # the hook on its new history keeps the gradient (`_take_history`)
                    g = Tensor._make(g.array.copy())  # its own, writable (see engine)
                    t._grad = g if t._grad is None else t._grad + g

            keep.runs_last = True  # PyTorch: .grad shows the gradient after the other hooks
            self._add_hook(keep)
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        return self._add_hook(hook)

    def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
        """Call `hook(tensor)` each time backward has added into this leaf's `.grad` (to step
        an optimizer inside backward, say); it must return None. Leaves only, as PyTorch."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        acc = self._accumulator()
        if acc._post_hooks is None:
            acc._post_hooks = {}
        return RemovableHandle(acc._post_hooks, hook)

    def _add_hook(self, hook) -> RemovableHandle:
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._pre_hooks is None:
                node._pre_hooks = {}
            hooks = node._pre_hooks.setdefault(self._output_nr, {})
        return RemovableHandle(hooks, hook)

    def _accumulator(self):
        """The AccumulateGrad node of this leaf, made once and kept for the leaf's life.

        # NOTE: the leaf holds its node and the node only a weak reference back, so there is
        # no cycle, and a training loop does not build a new node per parameter per step.
        """
        acc = self._accum
        if acc is None:
            acc = self._accum = AccumulateGrad(self)
        return acc

    # -- operators ---------------------------------------------------------------------------
    def __getitem__(self, index):
        return indexing_ops.getitem(self, index)

    def __add__(self, other):
        return arithmetic_ops.add(self, other)

    def __radd__(self, other):
        return arithmetic_ops.add(other, self)

    def __sub__(self, other):
        return arithmetic_ops.sub(self, other)

    def __rsub__(self, other):
        return arithmetic_ops.sub(other, self)

    def __mul__(self, other):
        return arithmetic_ops.mul(self, other)

    def __rmul__(self, other):
        return arithmetic_ops.mul(other, self)

    def __truediv__(self, other):
        return arithmetic_ops.div(self, other)

    def __rtruediv__(self, other):
        return arithmetic_ops.div(other, self)

    def __floordiv__(self, other):
        return nograd_ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return nograd_ops.floor_divide(other, self)

    def __mod__(self, other):
        return arithmetic_ops.remainder(self, other)

    def __rmod__(self, other):
        return arithmetic_ops.remainder(other, self)

    def __pow__(self, other):
        return arithmetic_ops.pow(self, other)

    def __rpow__(self, other):
        return arithmetic_ops.pow(other, self)

    # NOTE: as PyTorch's, `@` takes a tensor (or, on the right, a NumPy array), not a number
    # or a list: anything else is a TypeError
    def __matmul__(self, other):
        if type(other) is np.ndarray:
            other = creation.as_tensor(other)
        if not isinstance(other, Tensor):
            return NotImplemented
        return matmul_ops.matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return matmul_ops.matmul(other, self)

    def __neg__(self):
        return arithmetic_ops.neg(self)

    def __pos__(self):
        if self.array.dtype == np.bool_:
            raise RuntimeError(
                "The `+` operator, on a bool tensor is not supported. Use .int() or .float() first."
            )
        return self

    def __abs__(self):
        return unary_ops.abs(self)

    # NOTE: a string, None or another object is simply not equal (False), as in PyTorch
    def __eq__(self, other):
        # NOTE: as PyTorch's `==`, a string, None, a list or a tuple is compared as an object
        # (t == [1, 2] is False), never elementwise
        if isinstance(other, (str, type(None), list, tuple)):
            return NotImplemented
        return nograd_ops.eq(self, other)

    def __ne__(self, other):
        if isinstance(other, (str, type(None), list, tuple)):
            return NotImplemented
        return nograd_ops.ne(self, other)

    def __lt__(self, other):
        return nograd_ops.lt(self, other)

    def __le__(self, other):
        return nograd_ops.le(self, other)

    def __gt__(self, other):
        return nograd_ops.gt(self, other)

    def __ge__(self, other):
        return nograd_ops.ge(self, other)

    # NOTE: bit by bit, as PyTorch's: on bools the same as logical_and..., on integers not
    def __and__(self, other):
        return nograd_ops.bitwise_and(self, other)

    def __rand__(self, other):
        return nograd_ops.bitwise_and(other, self)

    def __or__(self, other):
        return nograd_ops.bitwise_or(self, other)

    def __ror__(self, other):
        return nograd_ops.bitwise_or(other, self)

    def __xor__(self, other):
        return nograd_ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return nograd_ops.bitwise_xor(other, self)

    def __lshift__(self, other):
        return nograd_ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return nograd_ops.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return nograd_ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return nograd_ops.bitwise_right_shift(other, self)

    def __invert__(self):
        kind = self.array.dtype.kind
        if kind == "b":
            return nograd_ops.logical_not(self)
        if kind == "f":
            raise TypeError(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
            )
        return nograd_ops.bitwise_not(self)

    # -- methods that forward to ops (see minigrad/ops/ for each op and its backward) --------
    # arithmetic (ops/arithmetic.py)
    def add(self, other, *, alpha=1):
        return arithmetic_ops.add(self, other, alpha)

    def sub(self, other, *, alpha=1):
        return arithmetic_ops.sub(self, other, alpha)

    def mul(self, other):
        return arithmetic_ops.mul(self, other)

    def square(self):
        return arithmetic_ops.square(self)

    def div(self, other, *, rounding_mode=None):
        return arithmetic_ops.div(self, other, rounding_mode=rounding_mode)

    def true_divide(self, other):
        return arithmetic_ops.div(self, other)

    def floor_divide(self, other):
        return nograd_ops.floor_divide(self, other)

    def pow(self, exponent):
        return arithmetic_ops.pow(self, exponent)

    def neg(self):
        return arithmetic_ops.neg(self)

    # PyTorch's longer names for the same ops
    multiply, subtract, divide, negative = mul, sub, div, neg

    def atan2(self, other):
        return arithmetic_ops.atan2(self, other)

    arctan2 = atan2

    def fmod(self, other):
        return arithmetic_ops.fmod(self, other)

    def reciprocal(self):
        return arithmetic_ops.reciprocal(self)

    def lerp(self, end, weight):
        return arithmetic_ops.lerp(self, end, weight)

    def hypot(self, other):
        return arithmetic_ops.hypot(self, other)

    def logaddexp(self, other):
        return arithmetic_ops.logaddexp(self, other)

    def logaddexp2(self, other):
        return arithmetic_ops.logaddexp2(self, other)

    def copysign(self, other):
        return arithmetic_ops.copysign(self, other)

    def xlogy(self, other):
        return arithmetic_ops.xlogy(self, other)

    def float_power(self, exponent):
        return arithmetic_ops.float_power(self, exponent)

    def float_power_(self, exponent):
        if self.array.dtype != np.float64:  # float_power computes in float64
            raise RuntimeError(
                f"the base given to float_power_ has dtype {dtypes.legacy_name(self.dtype)[:-6]}"
                " but the operation's result requires dtype Double"
            )
        return self._inplace(arithmetic_ops.float_power, exponent)

    # unary math (ops/unary.py)
    def exp(self):
        return unary_ops.exp(self)

    def exp2(self):
        return unary_ops.exp2(self)

    def expm1(self):
        return unary_ops.expm1(self)

    def log(self):
        return unary_ops.log(self)

    def log2(self):
        return unary_ops.log2(self)

    def log10(self):
        return unary_ops.log10(self)

    def log1p(self):
        return unary_ops.log1p(self)

    def sqrt(self):
        return unary_ops.sqrt(self)

    def rsqrt(self):
        return unary_ops.rsqrt(self)

    def abs(self):
        return unary_ops.abs(self)

    absolute = abs

    def sign(self):
        return unary_ops.sign(self)

    sgn = sign  # the same for real tensors

    def positive(self):
        return self.__pos__()

    def logit(self, eps=None):
        from minigrad.special import logit

        return logit(self, eps)

    def sin(self):
        return unary_ops.sin(self)

    def cos(self):
        return unary_ops.cos(self)

    def tan(self):
        return unary_ops.tan(self)

    def sinh(self):
        return unary_ops.sinh(self)

    def cosh(self):
        return unary_ops.cosh(self)

    def asin(self):
        return unary_ops.asin(self)

    def acos(self):
        return unary_ops.acos(self)

    def atan(self):
        return unary_ops.atan(self)

    def asinh(self):
        return unary_ops.asinh(self)

    def acosh(self):
        return unary_ops.acosh(self)

    def atanh(self):
        return unary_ops.atanh(self)

    arcsin, arccos, arctan = asin, acos, atan
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def deg2rad(self):
        return unary_ops.deg2rad(self)

    def rad2deg(self):
        return unary_ops.rad2deg(self)

    def erf(self):
        return unary_ops.erf(self)

    def erfinv(self):
        return unary_ops.erfinv(self)

    def erfc(self):
        return unary_ops.erfc(self)

    def lgamma(self):
        return special_ops.lgamma(self)

    def digamma(self):
        return special_ops.digamma(self)

    def polygamma(self, n):
        return special_ops.polygamma(n, self)

    def mvlgamma(self, p):
        return special_ops.mvlgamma(self, p)

    def i0(self):
        return special_ops.i0(self)

    def floor(self):
        return unary_ops.floor(self)

    def ceil(self):
        return unary_ops.ceil(self)

    def round(self, *, decimals=0):
        return unary_ops.round(self, decimals=decimals)

    def trunc(self):
        return unary_ops.trunc(self)

    fix = trunc

    def frac(self):
        return unary_ops.frac(self)

    # activations (ops/activations.py; softmax and log_softmax in ops/nn.py)
    def sigmoid(self):
        return activations_ops.sigmoid(self)

    def tanh(self):
        return activations_ops.tanh(self)

    def relu(self):
        return activations_ops.relu(self)

    @_numpy_axis
    def softmax(self, dim, dtype=None):
        return nn_ops.softmax(self, dim, dtype)

    @_numpy_axis
    def log_softmax(self, dim, dtype=None):
        return nn_ops.log_softmax(self, dim, dtype)

    # selection, copies (ops/selection.py)
    def where(self, condition, other):
        return selection_ops.where(condition, self, other)

    def clamp(self, min=None, max=None):
        return selection_ops.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        return selection_ops.clamp(self, min=min)

    def clamp_max(self, max):
        return selection_ops.clamp(self, max=max)

    def maximum(self, other):
        return selection_ops.maximum(self, other)

    def minimum(self, other):
        return selection_ops.minimum(self, other)

    def masked_fill(self, mask, value):
        return selection_ops.masked_fill(self, mask, value)

    def clone(self, *, memory_format=layout.preserve_format):
        layout.check_format(memory_format, "clone", self.ndim)
        return selection_ops.clone(self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return selection_ops.nan_to_num(self, nan, posinf, neginf)

    # reductions (ops/reduce.py)
    @_numpy_axis
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return reduce_ops.sum(self, dim, keepdim, dtype=dtype)

    @_numpy_axis
    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return reduce_ops.mean(self, dim, keepdim, dtype=dtype)

    @_numpy_axis
    def prod(self, dim=DIM_NOT_GIVEN, keepdim=False, *, dtype=None):
        return reduce_ops.prod(self, dim, keepdim, dtype=dtype)

    @_numpy_axis
    def max(self, dim=None, keepdim=False):
        return reduce_ops.max(self, dim, keepdim)

    @_numpy_axis
    def min(self, dim=None, keepdim=False):
        return reduce_ops.min(self, dim, keepdim)

    @_numpy_axis
    def amax(self, dim=(), keepdim=False):
        return reduce_ops.amax(self, dim, keepdim)

    @_numpy_axis
    def amin(self, dim=(), keepdim=False):
        return reduce_ops.amin(self, dim, keepdim)

    @_numpy_axis
    def argmax(self, dim=None, keepdim=False):
        return reduce_ops.argmax(self, dim, keepdim)

    @_numpy_axis
    def argmin(self, dim=None, keepdim=False):
        return reduce_ops.argmin(self, dim, keepdim)

    @_numpy_axis
    def var(self, dim=None, *args, **kwargs):
        return reduce_ops.var(self, dim, *args, **kwargs)

    @_numpy_axis
    def std(self, dim=None, *args, **kwargs):
        return reduce_ops.std(self, dim, *args, **kwargs)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return reduce_ops.norm(self, p, dim, keepdim, dtype=dtype)

    @_numpy_axis
    def cumsum_(self, dim, *, dtype=None):
        return self._inplace(functools.partial(reduce_ops.cumsum, dim=dim, dtype=dtype))

    def cumprod_(self, dim, *, dtype=None):
        return self._inplace(functools.partial(reduce_ops.cumprod, dim=dim, dtype=dtype))

    def cumsum(self, dim, *, dtype=None):
        return reduce_ops.cumsum(self, dim, dtype=dtype)

    @_numpy_axis
    def cumprod(self, dim, *, dtype=None):
        return reduce_ops.cumprod(self, dim, dtype=dtype)

    def cummax(self, dim):
        return reduce_ops.cummax(self, dim)

    def cummin(self, dim):
        return reduce_ops.cummin(self, dim)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        return reduce_ops.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        return reduce_ops.corrcoef(self)

    @_numpy_axis
    def logsumexp(self, dim, keepdim=False):
        return reduce_ops.logsumexp(self, dim, keepdim)

    @_numpy_axis
    def all(self, dim=None, keepdim=False):
        return reduce_ops.all(self, dim, keepdim)

    @_numpy_axis
    def any(self, dim=None, keepdim=False):
        return reduce_ops.any(self, dim, keepdim)

    def sort(self, *positional, dim=-1, descending=False, stable=None):
        return reduce_ops.sort(self, *positional, dim=dim, descending=descending, stable=stable)

    def msort(self):
        return reduce_ops.sort(self, 0).values

    def argsort(self, *positional, dim=-1, descending=False, stable=None):
        return reduce_ops.argsort(self, *positional, dim=dim, descending=descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return reduce_ops.topk(self, k, dim, largest, sorted)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return reduce_ops.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return reduce_ops.unique_consecutive(self, return_inverse, return_counts, dim)

    def histogram(self, bins=100, *, range=None, weight=None, density=False):
        return reduce_ops.histogram(self, bins, range=range, weight=weight, density=density)

    def bincount(self, weights=None, minlength=0):
        return reduce_ops.bincount(self, weights, minlength)

    def histc(self, bins=100, min=0, max=0):
        return reduce_ops.histc(self, bins, min, max)

    def count_nonzero(self, dim=None):
        return reduce_ops.count_nonzero(self, dim)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return reduce_ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return reduce_ops.nanmean(self, dim, keepdim, dtype=dtype)

    def aminmax(self, *, dim=None, keepdim=False):
        return reduce_ops.aminmax(self, dim=dim, keepdim=keepdim)

    def logcumsumexp(self, dim):
        return reduce_ops.logcumsumexp(self, dim)

    def median(self, dim=DIM_NOT_GIVEN, keepdim=False):
        return reduce_ops.median(self, dim, keepdim)

    def nanmedian(self, dim=DIM_NOT_GIVEN, keepdim=False):
        return reduce_ops.nanmedian(self, dim, keepdim)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return reduce_ops.kthvalue(self, k, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return reduce_ops.mode(self, dim, keepdim)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return reduce_ops.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return reduce_ops.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    # shape (ops/shape.py)
    def expand(self, *sizes, size=None):
        sizes = _required_shape("expand", "size", sizes, size)
        return shape_ops.expand(self, sizes, new_view=True)

    def expand_as(self, other):
        return shape_ops.expand(self, tuple(other.shape), new_view=True)

    def broadcast_to(self, shape):
        return shape_ops.expand(self, tuple(shape), new_view=True)

    def reshape(self, *args, shape=None):
        return shape_ops.reshape(self, _required_shape("reshape", "shape", args, shape))

    def reshape_as(self, other):
        return shape_ops.reshape(self, tuple(other.shape))

    def view(self, *args, size=None, dtype=None):
        if dtype is not None and not args and size is None:  # x.view(dtype=torch.int32)
            args = (dtype,)
        elif dtype is not None:
            raise TypeError("view() takes either a dtype or a size (tuple of ints), not both")
        if len(args) == 1 and isinstance(args[0], dtypes.dtype):  # x.view(torch.int32)
            return shape_ops.view_dtype(self, args[0])
        return shape_ops.view(self, _required_shape("view", "size", args, size))

    def as_strided(self, size, stride, storage_offset=None):
        return shape_ops.as_strided(self, size, stride, storage_offset)

    def view_as(self, other):
        return shape_ops.view(self, tuple(other.shape))

    def contiguous(self, *, memory_format=layout.contiguous_format):
        """This tensor if its memory is row-major already, else a row-major copy. minigrad
        keeps row-major arrays only: `channels_last` gives a row-major copy where PyTorch
        would copy (the array is not laid out so), the same values."""
        layout.check_format(memory_format, "contiguous", self.ndim)
        if self.is_contiguous(memory_format=memory_format):
            return self
        if memory_format is layout.contiguous_format:
            return shape_ops.contiguous(self)
        if memory_format is layout.preserve_format:
            raise RuntimeError(
                "contiguous: preserve memory format is unsupported by the contiguous operator"
            )
        return self.clone()

    def is_contiguous(self, *, memory_format=layout.contiguous_format) -> bool:
        """Whether the array minigrad holds is laid out as memory_format says (row-major for
        contiguous_format): minigrad's tensors are row-major, not channels-last."""
        if memory_format is not layout.contiguous_format:
            layout.check_format(memory_format, "is_contiguous")
        return layout.is_laid_out(self.array, memory_format)

    def permute(self, *args, dims=None):
        return shape_ops.permute(self, _required_shape("permute", "dims", args, dims))

    def transpose(self, dim0, dim1):
        return shape_ops.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def t(self):
        ndim = self.array.ndim
        if ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
        # a view even of a vector or a scalar (grad_fn=<TBackward0>), as PyTorch's; Permute
        # directly, as mT: these dims need none of permute()'s checks
        dims = (1, 0) if ndim == 2 else tuple(range(ndim))
        return shape_ops._named(shape_ops.Permute.apply(self, dims), self, "TBackward0")

    @_numpy_axis
    def squeeze(self, dim=None):
        return shape_ops.squeeze(self, dim)

    @_numpy_axis
    def unsqueeze(self, dim):
        return shape_ops.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return shape_ops.flatten(self, start_dim, end_dim)

    def ravel(self):
        return shape_ops.flatten(self)

    def unflatten(self, dim, sizes):
        return shape_ops.unflatten(self, dim, sizes)

    def split(self, split_size_or_sections, dim=0):
        return shape_ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return shape_ops.chunk(self, chunks, dim)

    def unsafe_chunk(self, chunks, dim=0):
        """chunk, whose pieces autograd does not count as views (PyTorch's unsafe variant): they
        may be changed in place with grad mode on, and this tensor's history does not see it."""
        return _not_views(shape_ops.chunk(self, chunks, dim))

    def unsafe_split(self, split_size, dim=0):
        """split, as unsafe_chunk."""
        return _not_views(shape_ops.split(self, split_size, dim))

    def unbind(self, dim=0):
        return shape_ops.unbind(self, dim)

    def repeat(self, *sizes, repeats=None):
        return shape_ops.repeat(self, _required_shape("repeat", "repeats", sizes, repeats))

    def flip(self, *args, dims=None):
        return shape_ops.flip(self, _required_shape("flip", "dims", args, dims))

    def unfold(self, dimension, size, step):
        return shape_ops.unfold(self, dimension, size, step)

    def tril(self, diagonal=0):
        return shape_ops.tril(self, diagonal)

    def moveaxis(self, source, destination):
        return shape_ops.moveaxis(self, source, destination)

    movedim = moveaxis

    def fliplr(self):
        return shape_ops.fliplr(self)

    def flipud(self):
        return shape_ops.flipud(self)

    def rot90(self, k=1, dims=(0, 1)):
        return shape_ops.rot90(self, k, dims)

    def tile(self, *args, dims=None):
        return shape_ops.tile(self, _required_shape("tile", "dims", args, dims))

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return shape_ops.diff(self, n, dim, prepend, append)

    def tensor_split(self, indices_or_sections, dim=0):
        return shape_ops.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections):
        return shape_ops.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return shape_ops.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return shape_ops.dsplit(self, indices_or_sections)

    def triu(self, diagonal=0):
        return shape_ops.triu(self, diagonal)

    # indexing (ops/indexing.py)
    def gather(self, dim, index):
        return indexing_ops.gather(self, dim, index)

    def index_select(self, dim, index):
        return indexing_ops.index_select(self, dim, index)

    def narrow(self, dim, start, length):
        return indexing_ops.narrow(self, dim, start, length)

    def select_scatter(self, src, dim, index):
        return indexing_ops.select_scatter(self, src, dim, index)

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        return indexing_ops.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        return indexing_ops.diagonal_scatter(self, src, offset, dim1, dim2)

    def narrow_copy(self, dim, start, length):
        return indexing_ops.narrow(self, dim, start, length).clone()

    def roll(self, shifts, dims=None):
        return indexing_ops.roll(self, shifts, dims)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return indexing_ops.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return indexing_ops.diag(self, diagonal)

    def diagflat(self, offset=0):
        return indexing_ops.diag(shape_ops.flatten(self), offset)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return indexing_ops.diag_embed(self, offset, dim1, dim2)

    def trace(self):
        return indexing_ops.trace(self)

    def nonzero(self, *, as_tuple=False):
        return indexing_ops.nonzero(self, as_tuple=as_tuple)

    def nonzero_static(self, *, size, fill_value=-1):
        """nonzero() cut or padded with fill_value to `size` rows (a fixed shape)."""
        return indexing_ops.nonzero_static(self, size=size, fill_value=fill_value)

    def argwhere(self):
        return indexing_ops.nonzero(self)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return indexing_ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return indexing_ops.scatter_add(self, dim, index, src)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return indexing_ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def index_add(self, dim, index, source, *, alpha=1):
        return indexing_ops.index_add(self, dim, index, source, alpha=alpha)

    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        return indexing_ops.index_reduce(
            self, dim, index, source, reduce, include_self=include_self
        )

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        index_reduce = functools.partial(indexing_ops.index_reduce, include_self=include_self)
        return self._inplace(index_reduce, dim, index, source, reduce)

    def index_fill(self, dim, index, value):
        return indexing_ops.index_fill(self, dim, index, value)

    def masked_select(self, mask):
        return indexing_ops.masked_select(self, mask)

    def select(self, dim, index):
        return indexing_ops.select(self, dim, index)

    def take(self, index):
        return indexing_ops.take(self, index)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        return indexing_ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def take_along_dim(self, indices, dim=None):
        return indexing_ops.take_along_dim(self, indices, dim)

    def index_copy(self, dim, index, source):
        return indexing_ops.index_copy(self, dim, index, source)

    def index_put(self, indices, values, accumulate=False):
        return indexing_ops.index_put(self, indices, values, accumulate)

    def put(self, index, source, accumulate=False):
        return indexing_ops.put(self, index, source, accumulate)

    def masked_scatter(self, mask, source):
        return indexing_ops.masked_scatter(self, mask, source)

    # matrix products (ops/matmul.py)
    def matmul(self, other):
        return matmul_ops.matmul(self, other)

    def mm(self, other):
        return matmul_ops.mm(self, other)

    def bmm(self, other):
        return matmul_ops.bmm(self, other)

    def dot(self, other):
        return matmul_ops.dot(self, other)

    def vdot(self, other):
        return linalg_ops.vdot(self, other)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return arithmetic_ops.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return arithmetic_ops.addcdiv(self, tensor1, tensor2, value=value)

    def dist(self, other, p=2):
        return reduce_ops.dist(self, other, p)

    def renorm(self, p, dim, maxnorm):
        return reduce_ops.renorm(self, p, dim, maxnorm)

    def outer(self, vec2):
        return matmul_ops.outer(self, vec2)

    ger = outer  # PyTorch's older name

    def qr(self, some=True):
        return linalg_ops.torch_qr(self, some)

    def cholesky(self, upper=False):
        return linalg_ops.torch_cholesky(self, upper)

    def mv(self, vec):
        return matmul_ops.mv(self, vec)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return matmul_ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return self._inplace(
            functools.partial(matmul_ops.addmm, beta=beta, alpha=alpha), mat1, mat2
        )

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return matmul_ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return self._inplace(functools.partial(matmul_ops.addmv, beta=beta, alpha=alpha), mat, vec)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return matmul_ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        return self._inplace(functools.partial(matmul_ops.addr, beta=beta, alpha=alpha), vec1, vec2)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return matmul_ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        scaled = functools.partial(matmul_ops.baddbmm, beta=beta, alpha=alpha)
        return self._inplace(scaled, batch1, batch2)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return matmul_ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        scaled = functools.partial(matmul_ops.addbmm, beta=beta, alpha=alpha)
        return self._inplace(scaled, batch1, batch2)

    def cross(self, other, dim=None):
        return matmul_ops.cross(self, other, dim)

    def inner(self, other):
        return matmul_ops.inner(self, other)

    def kron(self, other):
        return matmul_ops.kron(self, other)

    # linear algebra (ops/linalg.py)
    def inverse(self):
        return linalg_ops.inv(self)

    def det(self):
        return linalg_ops.det(self)

    def logdet(self):
        return linalg_ops.logdet(self)

    def slogdet(self):
        return linalg_ops.torch_slogdet(self)

    def svd(self, some=True, compute_uv=True):
        return linalg_ops.torch_svd(self, some, compute_uv)

    def matrix_power(self, n):
        return linalg_ops.matrix_power(self, n)

    def cholesky_solve(self, input2, upper=False):
        return linalg_ops.cholesky_solve(self, input2, upper)

    def matrix_exp(self):
        return linalg_ops.matrix_exp(self)

    def frexp(self):
        return unary_ops.frexp(self)

    def ldexp(self, other):
        return unary_ops.ldexp(self, other)

    def nextafter(self, other):
        return nograd_ops.nextafter(self, other)

    def pinverse(self, rcond=1e-15):
        return linalg_ops.pinverse(self, rcond)

    # comparison and logic, no gradient (ops/nograd.py)
    def eq(self, other):
        return nograd_ops.eq(self, other)

    def ne(self, other):
        return nograd_ops.ne(self, other)

    def lt(self, other):
        return nograd_ops.lt(self, other)

    def le(self, other):
        return nograd_ops.le(self, other)

    def gt(self, other):
        return nograd_ops.gt(self, other)

    def ge(self, other):
        return nograd_ops.ge(self, other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def logical_not(self):
        return nograd_ops.logical_not(self)

    def logical_and(self, other):
        return nograd_ops.logical_and(self, other)

    def logical_or(self, other):
        return nograd_ops.logical_or(self, other)

    def logical_xor(self, other):
        return nograd_ops.logical_xor(self, other)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return nograd_ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return nograd_ops.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other) -> bool:
        return nograd_ops.equal(self, other)

    def bitwise_and(self, other):
        return nograd_ops.bitwise_and(self, other)

    def bitwise_or(self, other):
        return nograd_ops.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return nograd_ops.bitwise_xor(self, other)

    def bitwise_left_shift(self, other):
        return nograd_ops.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        return nograd_ops.bitwise_right_shift(self, other)

    def bitwise_not(self):
        return nograd_ops.bitwise_not(self)

    def isposinf(self):
        return nograd_ops.isposinf(self)

    def isneginf(self):
        return nograd_ops.isneginf(self)

    def fmax(self, other):
        return selection_ops.fmax(self, other)

    def fmin(self, other):
        return selection_ops.fmin(self, other)

    def gcd(self, other):
        return nograd_ops.gcd(self, other)

    def lcm(self, other):
        return nograd_ops.lcm(self, other)

    def sinc(self):
        from minigrad.special import sinc

        return sinc(self)

    def sinc_(self):
        from minigrad.special import sinc

        return self._inplace(sinc)

    def logit_(self, eps=None):
        from minigrad.special import logit

        return self._inplace(logit, eps)

    def sgn_(self):
        return self.sign_()

    def prelu(self, weight):
        from minigrad.nn.functional import prelu

        return prelu(self, weight)

    def hardshrink(self, lambd=0.5):
        from minigrad.nn.functional import hardshrink

        return hardshrink(self, lambd)

    def split_with_sizes(self, split_sizes, dim=0):
        return self.split(list(split_sizes), dim)

    def sum_to_size(self, *size):
        size = tuple(_shape_args(size))
        tail = self.array.shape[self.ndim - len(size) :] if len(size) <= self.ndim else None
        if tail is None or any(s not in (t, 1) for s, t in zip(size, tail)):
            raise RuntimeError(
                f"sum_to_size: size {list(size)} is not expandable to size {list(self.shape)}"
            )
        return shape_ops.sum_to(self, size)

    def isnan(self):
        return nograd_ops.isnan(self)

    def isinf(self):
        return nograd_ops.isinf(self)

    def isfinite(self):
        return nograd_ops.isfinite(self)

    def signbit(self):
        return nograd_ops.signbit(self)

    def heaviside(self, values):
        return nograd_ops.heaviside(self, values)

    def remainder(self, other):
        return arithmetic_ops.remainder(self, other)

    # sampling (ops/sampling.py)
    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return sampling_ops.multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        return sampling_ops.bernoulli(self, p, generator=generator)

    # -- in-place (under no_grad, or recorded on non-leaf tensors) --------------------------
    def _in_graph(self) -> bool:
        """Whether an in-place change of this tensor is to be recorded (with grad mode on): it
        requires grad, or it views a tensor that does (made under no_grad: the change raises)."""
        view = self._view
        return self.requires_grad or (view is not None and view.base._requires_grad)

    def _inplace(self, op, *args) -> Tensor:
        """Run `op(self, *args)` and write the result into this tensor's memory."""
        view = self._view
        grad_on = state.enabled and (
            self._in_graph() or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if grad_on and view is not None:
            _check_view_write(self, view)
        elif grad_on and self._requires_grad and self._grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Update weights inside a `minigrad.no_grad()` block, or use an out-of-place "
                "operation."
            )
        if not grad_on:
            out = op(self, *args)
            _copy_into(self, out.array, op)
            return self
        # NOTE: the op sees a copy, so what it saves for backward is the value before the
        # change; this tensor then takes the result and the op's node as its history.
        before = Tensor._make(self.array.copy(), self._requires_grad, self.grad_fn)
        before._output_nr = self._output_nr
        out = op(before, *args)
        _copy_into(self, out.array, op)
        if view is None:
            _take_history(self, out.grad_fn, out._output_nr)
        else:
            _rebase_history(self, view, out)
        return self

    def _inplace_ufunc(self, name: str, op, other) -> Tensor:
        """`op(self, other)` written into this tensor, as `_inplace`; when nothing is recorded
        (no gradient, no static trace) and `other` is a Python number or a tensor of this
        dtype, the ufunc (add, subtract, multiply) writes its result here directly.

        # NOTE: NumPy then computes the op's values (one dtype, nothing to promote) without a
        # result array and its copy (x.add_(y) on 1000x1000: 2x faster); what NumPy refuses (a
        # cast, a broadcast) goes to `_inplace`, which raises PyTorch's error. Not division:
        # it must silence NumPy's warnings, which costs as much as it saves on small tensors.
        """
        array = self.array
        if isinstance(other, Tensor):
            fits = other.array.dtype == array.dtype and other._device is self._device
            recorded = state.enabled and (self._in_graph() or other._requires_grad)
            operand = other.array
        else:
            fits, operand = type(other) in (int, float), other
            recorded = state.enabled and self._in_graph()
        if fits and not recorded and state.tracer is None and array.dtype.kind in "fiu":
            try:
                getattr(self._device.xp, name)(array, operand, out=array)
            except (TypeError, ValueError, OverflowError):
                pass
            else:
                self._version_counter[0] += 1
                return self
        return self._inplace(op, other)

    def __iadd__(self, other):
        return self._inplace_ufunc("add", arithmetic_ops.add, other)

    def __isub__(self, other):
        return self._inplace_ufunc("subtract", arithmetic_ops.sub, other)

    def __imul__(self, other):
        return self._inplace_ufunc("multiply", arithmetic_ops.mul, other)

    def __itruediv__(self, other):
        return self._inplace(arithmetic_ops.div, other)

    def __ipow__(self, other):
        return self._inplace(arithmetic_ops.pow, other)

    # NOTE: without these Python would run x = x // y, a new tensor of the promoted dtype;
    # PyTorch writes into x and refuses a result x's dtype cannot hold (int //= float)
    def __ifloordiv__(self, other):
        return self._inplace(nograd_ops.floor_divide, other)

    def __imod__(self, other):
        return self._inplace(arithmetic_ops.remainder, other)

    def __iand__(self, other):
        # before bitwise_and's own error for floats
        _check_result_fits(self, other, nograd_ops.bitwise_and)
        return self._inplace(nograd_ops.bitwise_and, other)

    def __ior__(self, other):
        _check_result_fits(self, other, nograd_ops.bitwise_or)
        return self._inplace(nograd_ops.bitwise_or, other)

    def __ixor__(self, other):
        _check_result_fits(self, other, nograd_ops.bitwise_xor)
        return self._inplace(nograd_ops.bitwise_xor, other)

    def __ilshift__(self, other):
        return self._inplace(nograd_ops.bitwise_left_shift, other)

    def __irshift__(self, other):
        return self._inplace(nograd_ops.bitwise_right_shift, other)

    def add_(self, other, *, alpha=1):
        if alpha != 1 or type(alpha) is bool:
            return self._inplace(arithmetic_ops.add, other, alpha)
        return self._inplace_ufunc("add", arithmetic_ops.add, other)

    def sub_(self, other, *, alpha=1):
        if alpha != 1 or type(alpha) is bool:
            return self._inplace(arithmetic_ops.sub, other, alpha)
        return self._inplace_ufunc("subtract", arithmetic_ops.sub, other)

    def mul_(self, other):
        return self._inplace_ufunc("multiply", arithmetic_ops.mul, other)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return self._inplace(arithmetic_ops.div, other)
        return self._inplace(
            functools.partial(arithmetic_ops.div, rounding_mode=rounding_mode), other
        )

    def pow_(self, other):
        return self._inplace(arithmetic_ops.pow, other)

    def clamp_(self, min=None, max=None):
        return self._inplace(selection_ops.clamp, min, max)

    def relu_(self):
        return self._inplace(activations_ops.relu)

    def neg_(self):
        return self._inplace(arithmetic_ops.neg)

    def exp_(self):
        return self._inplace(unary_ops.exp)

    def sqrt_(self):
        return self._inplace(unary_ops.sqrt)

    # NOTE: t1 and t2 are passed to _inplace (not bound in the partial), so it sees that
    # they require grad and records the op
    def addcmul_(self, t1, t2, *, value=1):
        return self._inplace(functools.partial(arithmetic_ops.addcmul, value=value), t1, t2)

    def addcdiv_(self, t1, t2, *, value=1):
        return self._inplace(functools.partial(arithmetic_ops.addcdiv, value=value), t1, t2)

    def lerp_(self, end, weight):
        return self._inplace(arithmetic_ops.lerp, end, weight)

    def abs_(self):
        return self._inplace(unary_ops.abs)

    def sigmoid_(self):
        return self._inplace(activations_ops.sigmoid)

    def tanh_(self):
        return self._inplace(activations_ops.tanh)

    def log_(self):
        return self._inplace(unary_ops.log)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return self._inplace(selection_ops.nan_to_num, nan, posinf, neginf)

    clip_ = clamp_

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        scatter = functools.partial(indexing_ops.scatter, value=value, reduce=reduce)
        return self._inplace(scatter, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return self._inplace(indexing_ops.scatter_add, dim, index, src)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        scatter_reduce = functools.partial(indexing_ops.scatter_reduce, include_self=include_self)
        return self._inplace(scatter_reduce, dim, index, src, reduce)

    def index_add_(self, dim, index, source, *, alpha=1):
        return indexing_ops.index_add_(self, dim, index, source, alpha=alpha)

    def index_copy_(self, dim, index, source):
        return self._inplace(indexing_ops.index_copy, dim, index, source)

    def index_put_(self, indices, values, accumulate=False):
        index_put = functools.partial(indexing_ops.index_put, accumulate=accumulate)
        return self._inplace(index_put, indices, values)

    def put_(self, index, source, accumulate=False):
        put = functools.partial(indexing_ops.put, accumulate=accumulate)
        return self._inplace(put, index, source)

    def masked_scatter_(self, mask, source):
        return self._inplace(indexing_ops.masked_scatter, mask, source)

    def index_fill_(self, dim, index, value):
        return self._inplace(indexing_ops.index_fill, dim, index, value)

    # NOTE: PyTorch's in-place overloads name their nodes apart: UnsqueezeBackward1 for
    # unsqueeze_, SqueezeBackward3/4/5 for squeeze_ (no dim, a dim, dims)
    def unsqueeze_(self, dim):
        return self._reshape_in_place("UnsqueezeBackward1", shape_ops.unsqueeze, dim)

    def squeeze_(self, dim=None):
        overload = 3 if dim is None else 4 if isinstance(dim, int) else 5
        return self._reshape_in_place(f"SqueezeBackward{overload}", shape_ops.squeeze, dim)

    def t_(self):
        return self._reshape_in_place("TBackward1", Tensor.t)

    def transpose_(self, dim0, dim1):
        return self._reshape_in_place("TransposeBackward1", shape_ops.transpose, dim0, dim1)

    swapaxes_ = swapdims_ = transpose_

    def resize_(self, *sizes, memory_format=layout.contiguous_format) -> Tensor:
        """This tensor takes the shape `sizes`, keeping its first elements in row-major
        order: shrinking keeps a view of its memory, growing adds elements (zeros here;
        PyTorch leaves them uninitialised)."""
        if self._requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        shape = _shape_args(sizes)
        if any(n < 0 for n in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
        xp, n = self._device.xp, builtins.int(np.prod(shape, dtype=np.int64))
        flat = self.array.reshape(-1)  # a view when contiguous: shrinking keeps the memory
        if n > flat.size:
            flat = xp.concatenate([flat, xp.zeros(n - flat.size, flat.dtype)])
        self.array = flat[:n].reshape(shape)
        self._version += 1
        return self

    def resize_as_(self, the_template, *, memory_format=layout.contiguous_format) -> Tensor:
        return self.resize_(the_template.shape)

    def fill_diagonal_(self, fill_value, wrap=False) -> Tensor:
        """Write fill_value on the main diagonal (all indices equal); a tall 2-d matrix with
        wrap=True starts again every ncols + 1 rows, as NumPy's fill_diagonal."""
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        if self.ndim > 2 and len(set(self.shape)) > 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        index = functools.partial(_fill_diagonal, wrap=wrap, value=fill_value)
        return self._inplace(index)

    def apply_(self, callable) -> Tensor:
        """callable(value) for every element, written back (slow: Python per element; CPU
        only, never recorded, as PyTorch's)."""
        return self._map_elements(callable)

    def map_(self, tensor, callable) -> Tensor:
        """callable(a, b) for the elements of this tensor and `tensor` (broadcast to it)."""
        return self._map_elements(callable, tensor)

    def _map_elements(self, fn, other=None) -> Tensor:
        name = "apply_" if other is None else "map_"
        if self._device.type != "cpu":
            raise TypeError(f"{name} is only implemented on CPU tensors")
        if self._requires_grad:
            raise RuntimeError(
                f"Can't call {name}() on Variable that requires grad. Use "
                f"var.detach().{name}() instead."
            )
        _check_writable(self)
        values = self.array.tolist() if self.ndim else [self.array.item()]
        flat = np.asarray(values).reshape(-1).tolist()
        if other is None:
            out = [fn(v) for v in flat]
        else:
            others = np.broadcast_to(_host(other.array), self.array.shape).reshape(-1).tolist()
            out = [fn(a, b) for a, b in zip(flat, others)]
        self.array[...] = np.asarray(out, dtype=self.array.dtype).reshape(self.array.shape)
        self._version += 1
        return self

    def _reshape_in_place(self, name: str, op, *args) -> Tensor:
        """This tensor takes the shape (and, when recorded, the history, its node called
        name) of op(self, *args)."""
        if state.enabled and self._view is not None and self._in_graph():
            _check_view_write(self, self._view)  # PyTorch's errors, as for any in-place op
        if state.enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        out = op(self, *args)
        self.array = out.array
        if out.grad_fn is not None and out is not self:
            out.grad_fn._name = name
            self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        if self._view is not None:  # still a view of the same base, now through one op more
            self._view = out._view
        self._version += 1
        return self

    def masked_fill_(self, mask, value):
        needs_grad = self._in_graph() or isinstance(value, Tensor) and value._requires_grad
        if _overlaps(self.array) and not (state.enabled and needs_grad):
            # one value written through an expanded tensor, as PyTorch lets it (fill_target)
            selection_ops.masked_fill(self.detach(), mask, value)  # PyTorch's argument checks
            target = fill_target(self)
            target[self._device.xp.broadcast_to(mask.array, target.shape)] = (
                value.item() if isinstance(value, Tensor) else value
            )
            self._version += 1
            return self
        return self._inplace(selection_ops.masked_fill, mask, value)

    def copy_(self, src) -> Tensor:
        """Copy src's values into this tensor (broadcast, cast to this dtype)."""
        if isinstance(src, Tensor) and src._device is not self._device:
            src = src.to(self._device)
        return self._inplace(selection_ops.copy, src)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        if state.enabled and self._in_graph():
            return self._inplace(selection_ops.copy, value)
        if isinstance(value, Tensor):  # PyTorch copies a tensor's value: no write through
            _check_writable(self)
            self.array[...] = value.item()
        else:
            fill_target(self)[...] = as_fill(value, self.array.dtype)
        self._version += 1
        return self

    # in-place random fills: the samplers are in ops/sampling.py
    def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
        return sampling_ops.normal_(self, mean, std, generator=generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None) -> Tensor:
        return sampling_ops.uniform_(self, a, b, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
        return sampling_ops.bernoulli_(self, p, generator=generator)

    def random_(self, from_=0, to=None, *, generator=None) -> Tensor:
        return sampling_ops.random_(self, from_, to, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
        return sampling_ops.exponential_(self, lambd, generator=generator)

    def cauchy_(self, median=0, sigma=1, *, generator=None) -> Tensor:
        return sampling_ops.cauchy_(self, median, sigma, generator=generator)

    def log_normal_(self, mean=1, std=2, *, generator=None) -> Tensor:
        return sampling_ops.log_normal_(self, mean, std, generator=generator)

    def geometric_(self, p, *, generator=None) -> Tensor:
        return sampling_ops.geometric_(self, p, generator=generator)

    def _fill_random(self, sample, a, b, generator) -> Tensor:
        if state.enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        _check_writable(self)
        values = sample(self.array.shape, self._device, a, b, generator)
        if state.enabled and self._in_graph():  # its new values do not depend on its history
            return self._inplace(selection_ops.copy, Tensor._make(values))
        self.array[...] = values
        self._version += 1
        return self

    def __setitem__(self, index, value) -> None:
        indexing_ops.setitem(self, index, value)

    # -- new tensors with this one's dtype and device --------------------------------------
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return creation.tensor(
            data,
            dtype=dtype or self.dtype,
            device=device or self._device,
            requires_grad=requires_grad,
        )

    def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        return creation.zeros(
            _required_shape("new_zeros", "size", args, size),
            dtype=dtype or self.dtype,
            device=device or self._device,
            requires_grad=requires_grad,
        )

    def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        return creation.ones(
            _required_shape("new_ones", "size", args, size),
            dtype=dtype or self.dtype,
            device=device or self._device,
            requires_grad=requires_grad,
        )

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return creation.full(
            size,
            fill_value,
            dtype=dtype or self.dtype,
            device=device or self._device,
            requires_grad=requires_grad,
        )

    def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        shape = _required_shape("new_empty", "size", args, size)
        return self.new_zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)

    def new(self, *args, device=None) -> Tensor:
        """The legacy constructor with this tensor's dtype: x.new(2, 3) (uninitialised in
        PyTorch, zeros here), x.new([1, 2]) (the data), x.new() (empty)."""
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype != self.dtype:
                raise TypeError(
                    f"new(): expected a tensor of dtype {self.dtype}, got {args[0].dtype}"
                )
            return args[0].detach()
        if len(args) == 1 and not isinstance(args[0], (builtins.int, Size)):
            return self.new_tensor(args[0], device=device)
        return self.new_zeros(*(args or (0,)), device=device)


class RemovableHandle:
    """Returned by `register_hook`; `.remove()` takes the hook off again."""

    _next_id = 0

    def __init__(self, hooks: dict, hook):
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id
        self._hooks = hooks
        hooks[self.id] = hook

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_new_tensor = object.__new__


def _init(t: Tensor, array) -> None:
    if type(array) is np.ndarray:
        dev = cpu
    elif isinstance(array, (np.generic, np.ndarray)):
        # NumPy returns scalars, not 0-d arrays, from many ops on 0-d arrays
        array, dev = np.asarray(array), cpu
    else:
        dev = device_of(array)
    t.array = array
    t._requires_grad = False
    t._grad = None
    t._grad_fn = None
    t._view = None
    t._output_nr = 0
    t._version_counter = [0]
    t._device = dev
    t._hooks = None
    t._accum = None
    t._retains_grad = False


def _inplace_name(op) -> str:
    """The in-place op's name for an error (`add_` for add), from the function it runs (or
    the one a functools.partial wraps)."""
    name = getattr(getattr(op, "func", op), "__name__", "")
    return f"{name.lstrip('_')}_" if name.lstrip("_").isidentifier() else "in-place op"


def _check_cast(result_dtype, t: Tensor, op=None) -> None:
    """RuntimeError, as PyTorch's, when an in-place result cannot be written into t (float
    into int, int into bool)."""
    if result_dtype != t.array.dtype and not dtypes.can_cast(result_dtype, t.array.dtype):
        raise RuntimeError(
            f"{_inplace_name(op)}: result type {dtypes.to_dtype(result_dtype).name} can't be "
            f"cast to the desired output type {dtypes.from_numpy_dtype(t.array.dtype).name}"
        )


def _not_resized(t: Tensor, shape, op) -> RuntimeError:
    return RuntimeError(
        f"{_inplace_name(op)}: output with shape {list(t.array.shape)} doesn't match the "
        f"broadcast shape {list(shape)} (an in-place op never resizes its tensor)"
    )


def _copy_into(t: Tensor, array, op=None) -> None:
    _check_cast(array.dtype, t, op)
    _check_writable(t)
    if array.shape != t.array.shape:
        try:
            array = t._device.xp.broadcast_to(array, t.array.shape)
        except ValueError:
            raise _not_resized(t, array.shape, op) from None
    t.array[...] = array
    t._version += 1


class _View:
    """What a view remembers (PyTorch's view metadata): `base`, the tensor that owns the
    memory (never itself a view); `ops`, the view ops that read this view from the base, as
    (Function class, the position of the viewed tensor among its arguments, its other
    arguments, the output's number or None when it is the only one); `made`, how it was made:
    "grad", "no_grad" (with recording off) or "multi" (one of the outputs of split, chunk or
    unbind); `version`, the memory's version when this view's history was last recorded."""

    __slots__ = ("base", "ops", "made", "version")

    def __init__(self, base, ops, made, version):
        self.base, self.ops, self.made, self.version = base, ops, made, version


def _record_view(t: Tensor, args: tuple, at: int, cls, nr) -> None:
    """Make t, the result of the view op `cls.apply(*args)` (output `nr` of several), a view
    of the base of args[at]."""
    source = args[at]
    step = (cls, at, args[:at] + args[at + 1 :], nr)
    parent = source._view
    made = "no_grad" if not state.enabled else "multi" if nr is not None else "grad"
    if parent is None:
        t._view = _View(source, (step,), made, t._version_counter[0])
        return
    if made == "grad":  # a view of a view inherits how the first one was made
        made = parent.made
    t._view = _View(parent.base, (*parent.ops, step), made, t._version_counter[0])


def _not_views(pieces: tuple) -> tuple:
    for piece in pieces:
        piece._view = None
    return pieces


def _replay(t: Tensor, ops) -> Tensor:
    """The view ops `ops` applied to t (a base, or a tensor of its shape). # NOTE: never ops
    with several outputs: their views are "multi", which are not changed nor read again."""
    for cls, at, rest, _ in ops:
        t = cls.apply(*rest[:at], t, *rest[at:])
    return t


def _refresh_view(t: Tensor, view: _View, strict: bool) -> None:
    """t's base (or another view of it) was changed in place: t's history is read from the
    base again, so that a gradient through t reaches the base's new history."""
    base = view.base
    if t._grad_fn is None and not base._requires_grad:
        return  # no history to follow
    if view.made != "grad":
        if strict:
            _raise_view_error(view, "its base or another view of its base has been")
        return
    view.version = t._version_counter[0]
    prev, state.enabled = state.enabled, True
    try:
        again = _replay(base, view.ops)
    finally:
        state.enabled = prev
    _take_history(t, again._grad_fn, again._output_nr)


def _take_history(t: Tensor, node, nr: int) -> None:
    """t, changed in place (or a view of a tensor that was), now comes from output nr of node;
    retain_grad() follows it, as in PyTorch: .grad is the gradient of the latest value."""
    t._grad_fn, t._output_nr, t._requires_grad = node, nr, True
    if t._retains_grad:
        t._retains_grad = False
        t.retain_grad()


def _check_view_write(t: Tensor, view: _View) -> None:
    """PyTorch's errors for an in-place op on a view that autograd cannot follow."""
    if view.made != "grad":
        _raise_view_error(view, "is being")
    base = view.base
    if base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation. Write into the leaf inside a `minigrad.no_grad()` block, or clone() "
            "the view first."
        )


def _raise_view_error(view: _View, changed: str):
    if view.made == "no_grad":
        raise RuntimeError(
            f"A view was created in no_grad mode and {changed} modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. "
            "You can clarify your code by moving both the view and the inplace either both "
            "inside the no_grad block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked)."
        )
    cls, _, _, nr = view.ops[-1]
    raise RuntimeError(
        f"Output {nr or 0} of {cls.__name__} is a view and {changed} modified inplace. This "
        "view is the output of a function that returns multiple views. Such functions do not "
        "allow the output views to be modified inplace. You should replace the inplace "
        "operation by an out-of-place one."
    )


def _rebase_history(t: Tensor, view: _View, out: Tensor) -> None:
    """After `out` was written into the view t: the base's new history is "the old base with
    t's elements replaced by out" (PyTorch's CopySlices), and t is read from the base again."""
    base = view.base
    old = Tensor._make(base.array, base._requires_grad, base._grad_fn)
    old._output_nr = base._output_nr
    _take_history(base, indexing_ops.copy_slices(old, view.ops, out).grad_fn, 0)
    view.version = -1  # stale: _refresh_view reads t from the base's new history
    _refresh_view(t, view, strict=True)


def fill_target(t: Tensor):
    """t's array, to write one value into: fill_ and `x[i] = 2.0` may write through an
    expanded tensor as PyTorch lets them (its copies share memory, and all get the value); the
    other in-place ops read what they overwrite, and raise (_check_writable)."""
    array = t.array
    if not getattr(array.flags, "writeable", True) and _overlaps(array):
        alias = array.view()
        try:
            alias.flags.writeable = True  # NumPy allows it when the expanded array is writable
            return alias
        except ValueError:  # expanded from a read-only array
            pass
    _check_writable(t)
    return array


def _overlaps(array) -> bool:
    """Whether elements share memory (a stride of 0: an expanded, broadcast dimension)."""
    return any(s == 0 and n > 1 for s, n in zip(array.strides, array.shape))


def _fill_diagonal(x: Tensor, wrap: bool, value) -> Tensor:
    mask = np.zeros(x.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return x.masked_fill(Tensor._make(x._device.xp.asarray(mask)), value)


def _check_writable(t: Tensor) -> None:
    if getattr(t.array.flags, "writeable", True):  # CuPy's arrays have no such flag
        return
    if _overlaps(t.array):
        raise RuntimeError(  # PyTorch's words, for an expanded tensor
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    raise RuntimeError(
        f"cannot write into this tensor of shape {tuple(t.shape)}: its memory is read-only "
        "(a read-only NumPy array, or a view of one). clone() it first."
    )


def zero_grad_in_place(grad: Tensor) -> None:
    """`zero_grad(set_to_none=False)` of one gradient, as PyTorch's Module and Optimizer do it:
    cut from its history (one made with create_graph has one), then zeroed in place."""
    if grad.grad_fn is not None:
        grad.detach_()
    else:
        grad.requires_grad_(False)
    grad.zero_()


def _unpickle(array: np.ndarray, device_name: str, requires_grad: bool) -> Tensor:
    return Tensor._make(get_device(device_name).xp.asarray(array), requires_grad)


def _host(array) -> np.ndarray:
    return array if isinstance(array, np.ndarray) else array.get()


def _to_numpy_input(data):
    if isinstance(data, Tensor):
        return _host(data.array)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        return [_to_numpy_input(x) for x in data]
    return data


def _shape_args(args) -> tuple:
    """Accept both f(2, 3) and f((2, 3)), as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        return tuple(args[0])
    return tuple(args)


def _required_shape(op: str, what: str, args, keyword=None) -> tuple:
    """_shape_args of a method that needs some, given as PyTorch allows: x.view(2, 3),
    x.view((2, 3)) or by its keyword, x.view(size=(2, 3)). x.view() is PyTorch's TypeError,
    x.view(()) a shape of no dims."""
    if keyword is not None:
        if args:
            raise TypeError(f"{op}() got multiple values for argument '{what}'")
        if not isinstance(keyword, (tuple, list, Size)):
            kind = type(keyword).__name__
            raise TypeError(f"{op}(): argument '{what}' must be tuple of ints, not {kind}")
        return tuple(keyword)
    if not args:
        raise TypeError(f'{op}() missing 1 required positional arguments: "{what}"')
    return _shape_args(args)


def _parse_to(t, args, kwargs):
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    for a in args:
        if a is None:  # x.to(device) with device = None, as PyTorch: nothing to change
            continue
        if isinstance(a, Tensor):
            dev, dtype = a._device, a.dtype
        elif isinstance(a, dtypes.dtype) or a in (float, int, bool):
            dtype = a
        elif isinstance(a, (str, device, int)):
            dev = a
        else:
            raise TypeError(f"to(): unexpected argument {a!r}")
    if kwargs:
        raise TypeError(f"to(): unexpected keyword arguments {sorted(kwargs)}")
    if dev is not None:
        # NOTE: tensors are on the plain cpu, and PyTorch copies to "cpu:0", another device
        requested = device(dev)
        copy = copy or (requested.type == "cpu" and requested.index is not None)
        dev = get_device(requested)
    return dev, None if dtype is None else dtypes.to_dtype(dtype), copy


# The ops need Tensor, so they are imported after it is defined.
from minigrad import creation, printing  # noqa: E402
from minigrad.autograd import engine  # noqa: E402
from minigrad.autograd.function import AccumulateGrad  # noqa: E402
from minigrad.autograd.grad_mode import state  # noqa: E402
from minigrad.ops import activations as activations_ops  # noqa: E402
from minigrad.ops import arithmetic as arithmetic_ops  # noqa: E402
from minigrad.ops import indexing as indexing_ops  # noqa: E402
from minigrad.ops import linalg as linalg_ops  # noqa: E402
from minigrad.ops import matmul as matmul_ops  # noqa: E402
from minigrad.ops import nn as nn_ops  # noqa: E402
from minigrad.ops import nograd as nograd_ops  # noqa: E402
from minigrad.ops import reduce as reduce_ops  # noqa: E402
from minigrad.ops import sampling as sampling_ops  # noqa: E402
from minigrad.ops import selection as selection_ops  # noqa: E402
from minigrad.ops import shape as shape_ops  # noqa: E402
from minigrad.ops import special as special_ops  # noqa: E402
from minigrad.ops import unary as unary_ops  # noqa: E402
from minigrad.ops._util import as_fill, normalize_dim  # noqa: E402


def _inplace_method(name: str):
    out_of_place = getattr(Tensor, name)
    cast_first = name in _CAST_CHECKED_FIRST

    def method(self, *args, **kwargs):
        if cast_first:
            _check_result_fits(self, args[0], out_of_place)
        op = functools.partial(out_of_place, **kwargs) if kwargs else out_of_place
        return self._inplace(op, *args)  # args pass through, so a tensor argument is recorded

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"`{name}` written into this tensor, as PyTorch's `Tensor.{name}_`."
    return method


# ops whose kernels refuse some dtypes (bitwise ops floats, hypot integers): PyTorch checks
# first that the promoted result can be written into the tensor (x_int.bitwise_and_(1.5), as
# x_int &= 1.5, is that RuntimeError, not the kernel's NotImplementedError)
_CAST_CHECKED_FIRST = ("bitwise_and", "bitwise_or", "bitwise_xor", "hypot")


def _check_result_fits(t: Tensor, other, op) -> None:
    """PyTorch's checks of an in-place op before its kernel runs: the broadcast shape is t's,
    and the promoted dtype casts into t's (an operand that does not broadcast is left to
    the op's own error)."""
    other_shape = other.array.shape if isinstance(other, Tensor) else ()
    try:
        shape = np.broadcast_shapes(t.array.shape, other_shape)
    except ValueError:
        return
    if shape != t.array.shape:
        raise _not_resized(t, shape, op)
    _check_cast(dtypes.result_type(t, other), t, op)


# In-place forms of elementwise ops (`x.sin_()`; `torch.sin_(x)` in minigrad/__init__.py), as
# PyTorch's: the result is cast to this tensor's dtype where PyTorch allows it.
INPLACE_FORMS = (
    *("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh"),
    *("arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg"),
    *("ceil", "floor", "round", "trunc", "fix", "frac", "sign", "reciprocal", "square"),
    *("exp2", "expm1", "log2", "log10", "log1p", "rsqrt", "erf", "erfc", "erfinv"),
    *("absolute", "clamp_min", "clamp_max", "atan2", "arctan2", "fmod", "remainder"),
    *("hypot", "copysign", "xlogy", "true_divide", "floor_divide", "eq", "ne", "lt", "le"),
    *("gt", "ge", "logical_not", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor"),
    *("tril", "triu", "multiply", "subtract", "divide", "negative", "logical_and"),
    *("logical_or", "logical_xor", "bitwise_left_shift", "bitwise_right_shift"),
    *("lgamma", "digamma", "polygamma", "mvlgamma", "i0"),
    *("greater", "greater_equal", "less", "less_equal", "not_equal", "gcd", "lcm"),
    *("heaviside", "ldexp", "nextafter"),
)
for _name in INPLACE_FORMS:
    setattr(Tensor, f"{_name}_", _inplace_method(_name))
Tensor.renorm_ = _inplace_method("renorm")  # w.renorm_(2, 0, max_norm): a max-norm constraint

# the other methods with a dim that PyTorch defines natively (its Python-level ones, split,
# unique, norm and unflatten, take no axis=)
for _name in (
    *("aminmax", "argsort", "chunk", "count_nonzero", "cross", "cummax", "cummin", "cumprod_"),
    *("cumsum", "diff", "gather", "index_add", "index_add_", "index_copy", "index_copy_"),
    *("index_fill", "index_fill_", "index_select", "kthvalue", "logcumsumexp", "median"),
    *("mode", "nanmean", "nanmedian", "nanquantile", "nansum", "narrow", "quantile"),
    *("repeat_interleave", "scatter", "scatter_", "scatter_add", "scatter_add_"),
    *("scatter_reduce", "scatter_reduce_", "select", "sort", "split_with_sizes", "squeeze_"),
    *("take_along_dim", "tensor_split", "topk", "unbind", "unsqueeze_"),
):
    setattr(Tensor, _name, _numpy_axis(getattr(Tensor, _name)))
