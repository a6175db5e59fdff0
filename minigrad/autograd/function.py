"""`Function`: one differentiable operation, its forward and backward side by side.

Every op in minigrad is a Function, built-in or written by a student:

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.array * b.array          # an array (or a Tensor) of the result

        @staticmethod
        def backward(ctx, gy):
            a, b = ctx.saved_tensors
            return gy * b, gy * a             # one gradient per forward input

`Mul.apply(x, y)` runs forward with recording off and, when an input requires grad, makes the
Function instance the result's `grad_fn`: the instance is both the `ctx` and the graph node.
Backward formulas are written with Tensor ops, so they are themselves differentiable and
`create_graph=True` gives higher-order gradients.
"""

from __future__ import annotations

import traceback
import weakref
from collections.abc import Callable

import numpy as np

from minigrad.autograd.grad_mode import state
from minigrad.tensor import RemovableHandle, Tensor, _record_view

# NOTE: a NumPy reduction to one number gives a scalar, not a 0-d array (a loss's forward):
# made an array at once, it takes apply's short path instead of `_wrap`'s general one
_FLOAT_SCALARS = frozenset({np.float16, np.float32, np.float64})
# NOTE: how many minigrad.func.vmap calls run, in any thread: apply reads the thread's
# state.vmap only when some do, as a thread-local read costs every op call (about 1% of x * y)
vmaps_running = 0

OPS: dict[str, type] = {}  # op_name -> the built-in Function class (filled as classes are made)


class Function:
    """Base class of differentiable operations (PyTorch's `torch.autograd.Function`).

    Subclasses define two static methods:

    - ``forward(ctx, *args)``: compute the result from Tensors (and any other arguments). It
      runs with recording off and returns an array, a Tensor, or a tuple of them.
    - ``backward(ctx, *grad_outputs)``: one gradient per output in, one gradient (a Tensor or
      None) per forward argument out, in order. ``ctx.needs_input_grad[i]`` says whether
      argument ``i`` needs one.

    Example::

        >>> class Square(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x.array ** 2
        ...     @staticmethod
        ...     def backward(ctx, gy):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * gy
        >>> x = minigrad.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward(); x.grad
        tensor([6.])
    """

    _saved: tuple | None = ()
    _records = True  # False for a call that builds no node: its saves are dropped
    _device = None
    _n_outputs = 1
    _edges: tuple = ()
    _materialize = True
    _dirty: tuple = ()  # ids of the inputs forward changed in place (mark_dirty)
    _setup_style = False  # forward(*args) and setup_context(ctx, ...): set per class below
    _stack: list[str] | None = None
    _pre_hooks: dict | None = None  # tensor hooks of this node's outputs, by output number
    _node_pre_hooks: dict | None = None  # register_prehook: fn(grad_outputs)
    _node_post_hooks: dict | None = None  # register_hook: fn(grad_inputs, grad_outputs)
    _tensor_args = -1  # bit i set: forward argument i was a Tensor (-1: all were)
    wrapped_operands: tuple = ()  # the arguments PyTorch makes tensors of (next_functions)
    # the Tensor arguments PyTorch never differentiates (an index, a mask, a condition, a
    # target): no entry in next_functions or in a node hook's grad_inputs, as PyTorch's
    index_operands: tuple = ()
    # PyTorch's names of the tensors forward saves, in order ("self", "other", "result"):
    # the node reads them as `_saved_<name>` (`y.grad_fn._saved_self`, the autograd notes)
    saved_names: tuple = ()
    _non_differentiable: tuple = ()
    needs_input_grad: tuple = ()
    # A built-in op's name in a static graph ("add"); None for a user's Function. Setting it
    # in a class body registers the class in `OPS`, the table `minigrad.static` records,
    # replays and loads ops from.
    op_name: str | None = None
    # Elementwise ops only, for static fusion: y = xp.<ufunc>(*operands, *ufunc_extra), and
    # the same as a C expression in {a}, {b} and the value type {T} (one CUDA kernel a chain).
    ufunc: str | None = None
    ufunc_extra: tuple = ()
    cuda: str | None = None
    # where the op's own formula is not its ufunc (pow by a number): the CPU chain's step,
    # a function of the operands' arrays and numbers
    fused_cpu: Callable | None = None
    # An op whose forward only saves its inputs and computes from their arrays: the same
    # computation as a function of arrays and attributes, which forward calls (one formula)
    # and a static replay calls directly, without a ctx or Tensor wrappers.
    on_arrays = None
    # `on_arrays` (or a loss's `on_arrays_kept`) fixed to arrays of given shapes and dtypes,
    # for a compiled plan whose guards keep them (its choices made once): `fixed_kernel(xp,
    # inputs, *attributes)`, inputs a list of (shape, dtype), returns a function of the
    # arrays, or None where it has no simpler form for those types
    fixed_kernel = None
    random = False  # draws random numbers: never merged or folded by static passes
    # A view op (slicing, reshape, transpose, expand...): a result that reads an argument's
    # memory is a view of it, which remembers its base and how it was read from it
    # (see `Tensor._base` and the in-place ops in tensor.py).
    is_view = False
    quiet_domain = False  # forward silences NumPy's warnings (log(0), 1 / 0): a replay must too

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # NOTE: decided once per class, not per call: apply is every op's hot path
        cls._setup_style = cls.setup_context is not Function.setup_context
        name = cls.__dict__.get("op_name")
        if name is not None:
            if name in OPS and OPS[name].__qualname__ != cls.__qualname__:
                raise ValueError(f"op name {name!r} is taken by {OPS[name].__qualname__}")
            OPS[name] = cls

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def setup_context(ctx, inputs: tuple, output):
        """PyTorch 2's other style: a subclass that defines setup_context writes
        ``forward(*args)`` without ctx, and this method saves what backward needs from the
        inputs and the output (``ctx.save_for_backward(...)``)."""
        raise NotImplementedError("setup_context is defined by a Function subclass")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @classmethod
    def apply(cls, *args):
        """Run forward on `args` and, if an input requires grad, record the node."""
        # NOTE: every op call runs this: the state and class attributes are read once, the
        # loops are plain for loops, and each output is made a Tensor once, in place
        st = state
        if vmaps_running and st.vmap is not None:  # inside func.vmap: it runs and marks it
            return st.vmap(cls, args)
        if st.autocast is not None:  # inside minigrad.amp.autocast: cast listed ops' inputs
            args = st.autocast(cls, args)
        if st.tracer is not None:  # minigrad.static.trace is recording this call
            return st.tracer(cls, args)
        # NOTE: with grad mode on, the edges are made in the same pass as the device check
        enabled = st.enabled
        device, record, edges, needs, plain = None, False, [], [], 0
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if device is None:
                    device = a._device
                elif a._device is not device:
                    _raise_device_mismatch(cls, args)
                if a._requires_grad:
                    record = True
                elif a._view is not None and a.requires_grad:  # a view whose base took a
                    record = True  # history in place since
                else:
                    if enabled:
                        edges.append(None)
                        needs.append(False)
                    continue
                if enabled:  # NOTE: `_edge_to`, inline
                    node = a._grad_fn if a._view is None else a.grad_fn
                    if node is None:
                        node = a._accumulator()
                    array = a.array
                    edges.append((node, a._output_nr, array.shape, array.dtype))
                    needs.append(True)
            elif enabled:
                edges.append(None)
                needs.append(False)
                plain |= 1 << i
        ctx = cls.__new__(cls)
        if not (record and enabled):
            ctx.needs_input_grad = (False,) * len(args)
            ctx._records = False
            if st.tape is not None:
                st.tape.append((cls, args))
            out = _forward(cls, ctx, args) if cls._setup_style else cls.forward(ctx, *args)
            if ctx._dirty:
                return _dirty_outputs(out, args, ctx._dirty, None, device, cls)
            kind = type(out)
            if kind is Tensor:  # (made in forward, or an input: as it is, as _wrap_one gives it)
                return out
            if kind in _FLOAT_SCALARS:
                out = np.asarray(out)
                kind = np.ndarray
            if kind is np.ndarray:
                t = Tensor._make(out)
                if out.base is not None:
                    _share_version_if_view(t, args, cls)
                return t
            if kind is tuple and not cls.is_view:
                result = _wrap_arrays(out, args, None)
                if result is not None:
                    return result
            return _wrap(out, device, None, args, cls)
        ctx._edges, ctx.needs_input_grad = tuple(edges), tuple(needs)
        if plain:  # NOTE: ints, not a list per node (node hooks read it); all Tensors: -1
            ctx._tensor_args = ~plain
        st.enabled = False
        try:
            out = _forward(cls, ctx, args) if cls._setup_style else cls.forward(ctx, *args)
        finally:
            st.enabled = True
        if st.anomaly:
            ctx._stack = traceback.format_stack()[:-1]
        if st.tape is not None:
            st.tape.append((cls, args))
        ctx._device = device
        if ctx._dirty:
            return _dirty_outputs(out, args, ctx._dirty, ctx, device, cls)
        kind = type(out)
        if kind in _FLOAT_SCALARS:
            out = np.asarray(out)
            kind = np.ndarray
        if kind is np.ndarray and out.dtype.kind == "f":
            t = Tensor._make(out, True, ctx)
            if out.base is not None:
                _share_version_if_view(t, args, cls)
            return t
        if kind is Tensor and not out._requires_grad:
            # made inside forward (saved for backward, maybe): it becomes the output itself
            return _own_output(out, args, ctx)
        if kind is tuple and not cls.is_view:
            result = _wrap_arrays(out, args, ctx)
            if result is not None:
                return result
        result = _wrap(out, device, ctx, args, cls)
        if type(result) is tuple:
            ctx._n_outputs = len(result)
            ctx._out_meta = tuple((o.array.shape, o.array.dtype) for o in result)
        return result

    # -- the ctx side ------------------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; an in-place change to one of them is detected."""
        if not self._records:
            return  # NOTE: no backward will read them (a backward's own ops, under no_grad)
        hooks = state.saved_hooks  # (one read of the thread's state: every node saves)
        hooks = hooks[-1] if hooks else None
        saved = []
        for t in tensors:
            # NOTE: the common case first, spelled out (a Tensor, no saved_tensors_hooks): 370
            # -> 260 ns a call; the counter itself, not the property
            if hooks is None and isinstance(t, Tensor):
                saved.append((t, t._version_counter[0]))
            else:
                saved.append(self._saved_entry(len(saved), t, hooks))
        self._saved = tuple(saved)

    def _saved_entry(self, i: int, t, hooks):
        """What save_for_backward keeps of argument i, where it is None or not a Tensor, or
        saved_tensors_hooks pack it."""
        if t is None:
            return None
        if isinstance(t, Tensor):
            return _Packed(hooks[0](t), hooks[1], t.ndim)
        raise TypeError(
            f"{self.name()}.save_for_backward takes Tensors (or None), but argument {i} "
            f"is a {type(t).__module__}.{type(t).__name__}. Save the tensor itself "
            "(ctx.save_for_backward(x), then x.array in backward if you need the "
            "array), or keep a plain value as an attribute (ctx.name = value)."
        )

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to `save_for_backward`, checked to be unchanged since."""
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                f"tensors after they have already been freed), here through {self.name()}. "
                "The values saved for backward are freed by .backward() and autograd.grad() to "
                "save memory. Pass "
                "retain_graph=True to the first backward if you need to go through the graph "
                "again, or run the forward pass again."
            )
        out = []
        for entry in self._saved:
            if entry is None:
                out.append(None)
            elif type(entry) is _Packed:
                out.append(entry.unpack_hook(entry.packed))
            elif len(entry) == 2:
                t = entry[0]  # NOTE: the counter compared here; the check's call only to raise
                out.append(
                    t if t._version_counter[0] == entry[1] else _check_version(self, t, entry[1])
                )
            else:
                out.append(self._unpack_output(*entry))
        return tuple(out)

    def _unpack_output(self, array, nr, ref, version):
        # NOTE: an output saved for backward is kept as its array and rebuilt here, so the
        # graph holds no reference cycle (node -> output -> node) and frees memory promptly.
        alive = ref()
        if alive is not None:
            _check_version(self, alive, version)
        t = Tensor._make(array, True, self)
        t._output_nr = nr
        return t

    def mark_non_differentiable(self, *tensors) -> None:
        """Outputs that never get a gradient (indices, masks)."""
        self._non_differentiable = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """When False, backward receives None (not zeros) for outputs that got no gradient."""
        self._materialize = value

    def save_for_forward(self, *tensors) -> None:
        """Accepted for PyTorch compatibility: the tensors a `jvp` staticmethod reads, and
        minigrad never calls `jvp` (forward mode runs backward twice, docs/autograd.md)."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise AssertionError(  # PyTorch's type (it asserts)
                    f"{self.name()}: save_for_forward expects all arguments to be tensors; you "
                    f"should save non-tensors as attributes on ctx (argument {i} is a "
                    f"{type(t).__name__})."
                )

    def mark_dirty(self, *tensors) -> None:
        """Inputs that forward changed in place; each must be returned as an output, and is
        that output itself: its version goes up and, when recording, its history becomes
        this node, as PyTorch's in-place ops (a leaf that requires grad raises)."""
        self._dirty = tuple(id(t) for t in tensors)

    # -- the node side -----------------------------------------------------------------------
    def name(self) -> str:
        """The node's name as PyTorch prints it: `grad_fn=<MulBackward0>`.

        A built-in op whose PyTorch node has another name overrides this method, reading
        what forward kept on the ctx when the name depends on it (`MatMul`: MmBackward0 or
        DotBackward0). It runs only when a name is asked for, never in forward or backward.
        """
        named = self.__dict__.get("_name")  # an op built on another's node (see shape._named)
        if named is not None:
            return named
        cls = type(self)
        if OPS.get(cls.op_name) is not cls:  # a user's Function (a subclass of an op's too)
            return f"{cls.__name__}Backward"  # as PyTorch names one, without the 0
        return f"{cls.__name__}Backward0"

    def _input_ndim(self, i: int) -> int | None:
        """For a name: the ndim of forward argument i, a tensor saved as the i-th saved tensor;
        None once backward has freed it if it needs no gradient (its edge has no shape)."""
        edge = self._edges[i]
        if edge is not None:
            return len(edge[2])
        if not self._saved:
            return None
        entry = self._saved[i]
        return entry.ndim if type(entry) is _Packed else entry[0].ndim

    @property
    def metadata(self) -> dict:
        """A dict the node keeps for its user (PyTorch's Node.metadata), empty at first."""
        return self.__dict__.setdefault("_metadata", {})

    def __getattr__(self, name: str):
        # NOTE: only for names not found otherwise: no cost to the attributes ops set
        if name.startswith("_saved_") and name[7:] in type(self).saved_names:
            return self.saved_tensors[type(self).saved_names.index(name[7:])]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradients to, as (node, output_nr), like PyTorch's: one
        entry per Tensor argument ((None, 0) where it needs no gradient), not for options
        such as dim. A Python number operand of `wrapped_operands` (x + 1, 2 * x) is a
        tensor in PyTorch, listed after the tensor as (None, 0): PyTorch calls x.mul(2)."""
        entries = tuple(listed_edge(self._edges[i]) for i in self._listed_inputs())
        tensors = self._tensor_args
        wrapped = sum(1 for i in self.wrapped_operands if not tensors >> i & 1)
        return entries + ((None, 0),) * wrapped

    def _listed_inputs(self) -> list[int]:
        """The positions of the forward arguments PyTorch's node has an edge for: each Tensor
        but the `index_operands`."""
        tensors, skipped = self._tensor_args, self.index_operands
        return [i for i in range(len(self._edges)) if tensors >> i & 1 and i not in skipped]

    def register_hook(self, fn) -> RemovableHandle:
        """Call `fn(grad_inputs, grad_outputs)` after this node's backward (tuples: one
        gradient per Tensor input of forward, None where there is none; one per output); a
        non-None result (a tuple as long as grad_inputs) replaces grad_inputs."""
        if self._node_post_hooks is None:
            self._node_post_hooks = {}
        return RemovableHandle(self._node_post_hooks, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """Call `fn(grad_outputs)` before this node's backward (after the hooks of its output
        tensors); a non-None result (a tuple as long as grad_outputs) replaces them."""
        if self._node_pre_hooks is None:
            self._node_pre_hooks = {}
        return RemovableHandle(self._node_pre_hooks, fn)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"  # as PyTorch prints a node


def listed_edge(edge) -> tuple:
    """An edge as next_functions lists it: (node, output_nr), or (None, 0) for none."""
    return (None, 0) if edge is None else (edge[0], edge[1])


class AccumulateGrad:
    """The node that ends every path at a leaf: adds the incoming gradient into `leaf.grad`."""

    __slots__ = ("_variable", "_post_hooks", "_metadata", "__weakref__")
    _edges = ()
    _n_outputs = 1

    def __init__(self, variable: Tensor):
        self._variable = weakref.ref(variable)
        self._post_hooks = None  # hook(leaf) after each accumulation (see Tensor's method)
        self._metadata = None

    @property
    def variable(self) -> Tensor | None:
        """The leaf (None once nothing else holds it: its gradient has no reader then)."""
        return self._variable()

    @staticmethod
    def name() -> str:
        return "AccumulateGrad"

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    @property
    def next_functions(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def once_differentiable(backward):
    """Mark a backward that is not itself differentiable: it runs with recording off."""

    def wrapper(ctx, *grads):
        prev, state.enabled = state.enabled, False
        try:
            return backward(ctx, *grads)
        finally:
            state.enabled = prev

    wrapper.__name__ = getattr(backward, "__name__", "backward")
    wrapper.__doc__ = backward.__doc__
    return wrapper


def _forward(cls, ctx, args: tuple):
    """A setup_context-style Function: forward(*args), then setup_context(ctx, args, output)."""
    out = cls.forward(*args)
    cls.setup_context(ctx, args, out)
    return out


class FirstOrderGrad(Function):
    """A gradient op that computes on arrays (a fused layer's backward). A backward with
    create_graph=True writes the same gradient with differentiable ops instead, so this op's
    own backward is reached only by differentiating it directly, which it refuses."""

    twice = ""  # what to differentiate twice instead (the error names it)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            f"{ctx.op_name} is not differentiable: differentiate {ctx.twice} twice with "
            "create_graph=True in the first backward"
        )


def _edge_to(arg):
    """Where the gradient of one forward argument goes: (node, output_nr, shape, dtype)."""
    if not (isinstance(arg, Tensor) and arg._requires_grad):
        return None
    node = arg._grad_fn if arg._view is None else arg.grad_fn
    if node is None:
        node = arg._accumulator()
    array = arg.array
    return (node, arg._output_nr, array.shape, array.dtype)


def _wrap(out, device, ctx, args, cls=None):
    if isinstance(out, tuple):  # a named tuple too (x.sort()): its outputs, as a plain tuple
        return tuple(_wrap_one(o, nr, device, ctx, args, cls) for nr, o in enumerate(out))
    return _wrap_one(out, None, device, ctx, args, cls)


def _wrap_one(out, nr, device, ctx, args, cls):
    """Make a forward result a Tensor (output `nr` of several; None if it is the only one);
    when recording, make `ctx` its grad_fn."""
    if isinstance(out, Tensor):
        tensor = out
        # a Tensor made inside forward is reused (it may be saved for backward); an input
        # returned as it is gets a new Tensor, so the caller's input keeps its own history
        if ctx is not None and (out._requires_grad or any(out is a for a in args)):
            tensor = Tensor._make(out.array)
            _share_version_if_view(tensor, args, cls, nr)
    elif type(out) is np.ndarray:
        tensor = Tensor._make(out)
        _share_version_if_view(tensor, args, cls, nr)
    elif out is None:
        return None
    else:
        if isinstance(out, np.generic) or not hasattr(out, "shape"):
            xp = device.xp if device is not None else np
            out = xp.asarray(out)
        tensor = Tensor._make(out)
        _share_version_if_view(tensor, args, cls, nr)
    if ctx is None or tensor.array.dtype.kind != "f" or id(out) in ctx._non_differentiable:
        return tensor
    tensor._requires_grad = True
    tensor._grad_fn = ctx
    tensor._output_nr = nr = nr or 0
    if ctx._saved:
        _unlink_saved_output(ctx, tensor, nr)
    return tensor


def _wrap_arrays(out: tuple, args: tuple, ctx):
    """`_wrap` of a non-view op's tuple of NumPy arrays (None if it is not one), setting the
    node's `_n_outputs` and `_out_meta` when recording."""
    for o in out:
        if type(o) is not np.ndarray:
            return None
    result, meta = [], []
    skip = ctx._non_differentiable if ctx is not None else ()
    inputs = [a for a in args if isinstance(a, Tensor)]
    for nr, o in enumerate(out):
        t = Tensor._make(o)
        if o.base is not None:
            _share_version_if_view(t, args)
        else:  # an input's own array, returned as it is, shares the input's counter too
            for a in inputs:
                if a.array is o:
                    t._version_counter = a._version_counter
                    break
        if ctx is not None:
            meta.append((o.shape, o.dtype))
            if o.dtype.kind == "f" and id(o) not in skip:
                t._requires_grad = True
                t._grad_fn = ctx
                t._output_nr = nr
        result.append(t)
    if ctx is not None:
        ctx._n_outputs = len(result)
        ctx._out_meta = tuple(meta)
    return tuple(result)


def _dirty_outputs(out, args: tuple, ids: tuple, ctx, device, cls):
    """The results of a forward that changed inputs in place (`mark_dirty`): each such input
    is returned as itself, its version bumped, and (recording) this node's output."""
    outs = out if type(out) is tuple else (out,)
    dirty = [a for a in args if isinstance(a, Tensor) and id(a) in ids]
    for a in dirty:
        if not any(o is a for o in outs):
            raise RuntimeError(
                f"{cls.__name__}: some elements marked as dirty during the forward method were "
                "not returned as output. The inputs that are modified inplace must all be "
                "outputs of the Function."
            )
        if ctx is not None and a._grad_fn is None and a._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad has been used in an in-place operation."
            )
        a._version_counter[0] += 1
    if ctx is None:
        return _wrap(out, device, None, args, cls)  # the inputs themselves, as they are
    if ctx._saved:  # a dirty input saved before the change is saved as it is now
        ctx._saved = tuple(
            (e[0], e[0]._version_counter[0])
            if type(e) is tuple and any(e[0] is a for a in dirty)
            else e
            for e in ctx._saved
        )
    result = []
    for nr, o in enumerate(outs):
        number = nr if type(out) is tuple else None
        if not any(o is a for a in dirty):
            result.append(_wrap_one(o, number, device, ctx, args, cls))
            continue
        o._requires_grad, o._grad_fn, o._output_nr = True, ctx, number or 0
        if ctx._saved:
            _unlink_saved_output(ctx, o, number or 0)
        result.append(o)
    if type(out) is not tuple:
        return result[0]
    ctx._n_outputs = len(result)
    ctx._out_meta = tuple((o.array.shape, o.array.dtype) for o in result)
    return tuple(result)


def _own_output(out: Tensor, args: tuple, ctx):
    """`_wrap_one` of a recorded node's single Tensor output that needs no gradient."""
    for a in args:
        if out is a:  # an input returned as it is: a new Tensor, see `_wrap_one`
            return _wrap(out, ctx._device, ctx, args, type(ctx))
    if out.array.dtype.kind != "f" or id(out) in ctx._non_differentiable:
        return out
    out._requires_grad = True
    out._grad_fn = ctx
    out._output_nr = 0
    if ctx._saved:
        _unlink_saved_output(ctx, out, 0)
    return out


def _share_version_if_view(tensor, args, cls=None, nr=None):
    """A result that views an input's memory shares that input's version counter, as a view
    does in PyTorch: an in-place change through either is caught where the other was saved.
    A view op's result (output `nr` of several) also becomes a view of that input's base."""
    array = tensor.array
    base = array.base
    for at, a in enumerate(args):
        if not isinstance(a, Tensor):
            continue
        if (
            a.array is array
            or base is a.array
            or (base is not None and tensor._device.xp.may_share_memory(array, a.array))
        ):
            tensor._version_counter = a._version_counter
            if cls is not None and cls.is_view:
                _record_view(tensor, args, at, cls, nr)
            return


class _Packed:
    """A tensor saved inside autograd.graph.saved_tensors_hooks: what pack_hook made of it,
    given to unpack_hook each time backward reads it."""

    __slots__ = ("packed", "unpack_hook", "ndim")

    def __init__(self, packed, unpack_hook, ndim: int):
        self.packed, self.unpack_hook, self.ndim = packed, unpack_hook, ndim


def _unlink_saved_output(ctx, tensor, nr):
    """Store a saved output as its array (see `Function._unpack_output`)."""
    saved = ctx._saved
    if len(saved) == 1:  # NOTE: the common case, spelled out (relu, exp, sigmoid save y alone)
        entry = saved[0]
        if entry is not None and type(entry) is not _Packed and entry[0] is tensor:
            ctx._saved = ((tensor.array, nr, weakref.ref(tensor), entry[1]),)
        return
    saved = list(saved)
    for i, entry in enumerate(saved):
        if entry is not None and type(entry) is not _Packed and entry[0] is tensor:
            saved[i] = (tensor.array, nr, weakref.ref(tensor), entry[1])
    ctx._saved = tuple(saved)


def _check_version(node, tensor, version):
    if tensor._version != version:
        raise RuntimeError(  # PyTorch's words first: programs and courses look for them
            f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: a tensor of shape {tuple(tensor.shape)}, saved by "
            f"{node.name()}, is at version {tensor._version}; expected version {version} "
            "instead. Use an out-of-place "
            "operation (y = y + 1 instead of y += 1), or .clone() the tensor before changing "
            "it. autograd.detect_anomaly() shows where the forward op was called."
        )
    return tensor


def _raise_device_mismatch(cls, args):
    check_same_device(cls.op_name or cls.__name__.lower(), *args)


def check_same_device(op: str, *tensors) -> None:
    """RuntimeError naming op and the devices unless the tensors among `tensors` share one
    (Function.apply checks every op; ops that are not Functions call this themselves)."""
    devices = {t._device for t in tensors if isinstance(t, Tensor)}
    if len(devices) > 1:
        names = ", ".join(str(t.device) for t in tensors if isinstance(t, Tensor))
        raise RuntimeError(
            f"{op}: expected all tensors to be on the same device, but found tensors on "
            f"{names}. minigrad never copies between devices silently: move one with .to()."
        )
