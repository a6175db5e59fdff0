"""The tracer: run a function once on example inputs and record every op as a graph node.

Every op goes through `Function.apply`; while tracing, `apply` hands the call to the tracer
(`state.tracer`, one attribute check on the hot path). For a built-in op the tracer runs the
Function's forward once, eagerly, and records a node: the op's name, its tensor arguments as
inputs, its other arguments as attributes (checked to be plain data), the values forward
kept for backward as extra outputs, and its ctx (for static autodiff, which runs the same
Function's backward). A user's `autograd.Function` whose forward uses tensor ops is traced
through: its ops become ordinary nodes, and a `custom` node marks its results, so that its
own backward gives their gradient.

`detach` and in-place updates on traced tensors go through `_Traced`'s methods, and a
Python `if` on a traced value raises `TracingError`, because the graph cannot see it.
"""

from __future__ import annotations

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function, _wrap
from minigrad.autograd.grad_mode import no_grad, state
from minigrad.backend import device as Device
from minigrad.ops import indexing as indexing_ops
from minigrad.ops import selection as selection_ops
from minigrad.ops.conv import Geometry
from minigrad.static.builder import Builder
from minigrad.static.graph import Const, Graph, Node, Ref
from minigrad.static.kernels import parameters
from minigrad.tensor import Tensor


class TracingError(RuntimeError):
    """A traced function did something a static graph cannot record."""

    # False where torch.compile compiles what minigrad cannot trace (an optimizer step): the
    # warning of a compiled function that runs eagerly then does not speak of a graph break
    graph_break = True


def _control_flow_error(what: str) -> TracingError:
    return TracingError(
        f"{what} of a traced tensor: a static graph records tensor ops only, so it cannot see "
        "which way a Python `if` or `while` on tensor values goes (the values are not known "
        "when the graph is built, and a replay would silently take the traced branch). Use "
        "minigrad.static.cond(pred, true_fn, false_fn, operands) for a branch and "
        "minigrad.static.while_loop(cond_fn, body_fn, init) for a loop, or leave this "
        "function dynamic (do not compile it)."
    )


class _Traced(Tensor):
    """A tensor under tracing: the same data, plus methods that record what Functions miss."""

    __slots__ = ()

    def __bool__(self):
        raise _control_flow_error("bool()")

    def item(self):
        raise _control_flow_error(".item()")

    def __int__(self):
        raise _control_flow_error("int()")

    def __float__(self):
        raise _control_flow_error("float()")

    def __index__(self):
        raise _control_flow_error("using as an index")

    def tolist(self):
        raise _control_flow_error(".tolist()")

    def numpy(self, *, force=False):
        raise _control_flow_error(".numpy()")

    def __array__(self, dtype=None, copy=None):
        raise _control_flow_error("converting to a NumPy array")

    def detach(self):
        return _record_plain("detach", Tensor._make(self.array), self)

    @property
    def data(self):
        return self.detach()

    def _inplace(self, op, *args):
        # NOTE: the op gets an alias of the value before the change: a backward that saved its
        # input must read that value, not this tensor, which takes the op's result
        if self._view is not None:
            raise TracingError(
                "an in-place change through a view (y[:2].mul_(3)) is not recorded in a static "
                "graph: the tensor it views would keep its traced value. Write the change out "
                "of place (torch.cat, torch.where), or leave this function dynamic."
            )
        tracer = _tracer()
        before = tracer.bind(Tensor._make(self.array, self._requires_grad), tracer.value(self))
        out = op(before, *args)
        self.array = out.array
        tracer.rebind(self, out)
        return self

    def __setitem__(self, index, value):
        self._inplace(lambda s, v: _index_put(s, index, v), value)

    def fill_(self, value):
        # Tensor.fill_ writes the array directly when no gradient is needed (fast, eager);
        # under tracing it must be an op, or the replay would keep the traced values.
        return self._inplace(selection_ops.copy, value)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        raise TracingError(
            "backward() inside a compiled function: minigrad.compile records the forward "
            "computation (its backward is derived from it), not a whole training step. Compile "
            "the model or the loss and call backward() and optimizer.step() outside: "
            "loss = compiled_loss(x, y); optimizer.zero_grad(); loss.backward(); optimizer.step()"
        )

    def _fill_random(self, sample, a, b, generator):
        raise TracingError(
            "an in-place random fill (normal_, uniform_) cannot be recorded in a static graph: "
            "a replay would repeat the numbers drawn while tracing. Draw outside the compiled "
            "function and pass the tensor in, or use nn.Dropout / F.dropout."
        )


def _index_put(x, index, value):
    idx, _ = indexing_ops._to_index(index, x)
    return indexing_ops.IndexPut.apply(x, idx, value)


def _tracer() -> Tracer:
    return state.tracer


def _record_plain(op, out, *args, **attrs):
    """Record an op that is not a Function (detach) as node `op`."""
    tracer = _tracer()
    if tracer is None:  # a _Traced tensor that escaped its trace behaves as a plain one
        return out
    vids = [tracer.value(a) for a in args]
    vid = tracer.b.emit(op, *vids, **attrs)
    return tracer.bind(out, vid)


class Tracer:
    def __init__(self, xp, names: dict | None = None):
        self.graph = Graph()
        self.b = Builder(self.graph, self.graph.examples, xp)
        self.vid_of: dict[int, int] = {}  # id(tensor) -> value id
        self.vid_of_array: dict[int, int] = {}  # id(array) -> value id (for detached views)
        self.alive: list = []  # keeps traced objects alive, so their ids stay unique
        self.names = names or {}
        self._from_constants: set[int] = set()
        self.refusal: TracingError | None = None  # raised once the function has returned

    def refuse(self, error: TracingError) -> None:
        """Refuse this trace when the function returns (an effect that is harmless to repeat,
        such as zero_grad, lets a clearer error later in the function come first)."""
        if self.refusal is None:
            self.refusal = error

    # -- values -------------------------------------------------------------------------
    def add_input(self, t: Tensor, name: str) -> Tensor:
        traced = Tensor._make(t.array, t._requires_grad)
        vid = self.graph.add_input(t.array.shape, t.array.dtype, name)
        self.graph.examples[vid] = t.array
        return self.bind(traced, vid)

    def bind(self, t: Tensor, vid: int) -> Tensor:
        t.__class__ = _Traced
        self.vid_of[id(t)] = vid
        self.vid_of_array.setdefault(id(t.array), vid)
        self.alive.append(t)
        return t

    def rebind(self, t: Tensor, new: Tensor) -> None:
        self.vid_of[id(t)] = self.vid_of[id(new)]

    def value(self, t: Tensor) -> int:
        """The value id of a tensor; a tensor not made by the trace becomes a constant."""
        vid = self.vid_of.get(id(t))
        if vid is not None:
            return vid
        vid = self.vid_of_array.get(id(t.array))
        if vid is not None:  # a detached alias of a traced value (detach(), .data)
            self.bind(t, self.b.emit("detach", vid))
            return self.vid_of[id(t)]
        return self.constant(t)

    def constant(self, t: Tensor) -> int:
        const = Const(tensor=t, name=self.names.get(id(t), ""), requires_grad=t._requires_grad)
        vid = self.graph.add_const(const, t.array.shape, t.array.dtype)
        self.graph.examples[vid] = t.array
        self.vid_of[id(t)] = vid
        self.alive.append(t)
        return vid

    def array_value(self, array) -> int:
        """The value id of a raw array argument (an index): a traced value, or a constant."""
        vid = self.vid_of_array.get(id(array))
        if vid is not None:
            return vid
        vid = self.graph.add_const(Const(array=array), array.shape, array.dtype)
        self.graph.examples[vid] = array
        self.vid_of_array[id(array)] = vid
        self.alive.append(array)
        return vid

    def knows(self, t: Tensor) -> bool:
        return id(t) in self.vid_of

    def constant_derived(self, vid: int) -> bool:
        """Whether a value is a constant or computed from constants alone."""
        return vid in self.graph.constants or vid in self._from_constants

    def knows_array(self, array) -> bool:
        return id(array) in self.vid_of_array

    def knows_value(self, t) -> bool:
        """Whether a forward result is a traced value (made by recorded ops)."""
        if isinstance(t, Tensor):
            return id(t) in self.vid_of or id(t.array) in self.vid_of_array
        return _is_array(t) and id(t) in self.vid_of_array

    # -- ops ----------------------------------------------------------------------------
    def __call__(self, cls, args):
        if cls.op_name is None:
            return self._user_function(cls, args)
        inputs, attrs, slots = self.split(cls, args)
        _check_static_shape(self, cls, args, inputs)
        ctx = _context(cls, args)
        state.tracer = None  # a built-in forward computes on arrays: nothing inside to record
        try:
            out = cls.forward(ctx, *args)
        finally:
            state.tracer = self
        return self.record(cls.op_name, ctx, out, args, inputs, attrs, slots)

    def record(self, op, ctx, out, args, inputs, attrs, slots, keeps=True):
        """Append the node of one Function call; return its results as traced tensors."""
        results = _wrap(out, _device_of(args), None, args, type(ctx))  # views know their base
        results_tuple = results if type(results) is tuple else (results,)
        outputs = []
        fresh = []
        for t in results_tuple:
            if t is None:
                raise TracingError(f"static.trace: {type(ctx).__name__} returned None")
            if any(t is a for a in args):  # an input returned as it is: a value of its own
                t = Tensor._make(t.array)
            outputs.append(self._new_value(t.array))
            fresh.append(t)
        for t, vid in zip(fresh, outputs):
            self.bind(t, vid)
        # NOTE: a `custom` node replays nothing, so it keeps nothing beyond the traced values
        saves = self._saved_extras(ctx) if keeps else []
        extras = [self._new_value(_saved_array(ctx, s)) for s in saves]
        for s, vid in zip(saves, extras):
            self.vid_of_array.setdefault(id(_saved_array(ctx, s)), vid)
        node = Node(op, inputs, outputs + extras, attrs, tuple(saves))
        self.graph.nodes.append(node)
        if inputs and all(v is None or self.constant_derived(v) for v in inputs):
            self._from_constants.update(node.outputs)
        self.graph.contexts[outputs[0]] = (ctx, slots)
        return tuple(fresh) if type(results) is tuple else fresh[0]

    def _new_value(self, array) -> int:
        vid = self.graph.new_value(array.shape, array.dtype)
        self.graph.examples[vid] = array
        return vid

    def _saved_extras(self, ctx) -> list:
        """What backward will read that is not already a value: ctx arrays, saved tensors."""
        saves = [k for k, v in vars(ctx).items() if _is_array(v) and id(v) not in self.vid_of_array]
        for k, entry in enumerate(ctx._saved or ()):
            t = None if entry is None else entry[0]
            if isinstance(t, Tensor) and not self.knows_value(t):
                saves.append(k)
        return saves

    def split(self, cls, args) -> tuple[list, dict, list]:
        """(input value ids, attributes by parameter name, argument slot -> input index)."""
        positional, star = parameters(cls)
        inputs, attrs, slots, refs = [], {}, [], []
        for k, a in enumerate(args):
            if isinstance(a, Tensor):
                slots.append(len(inputs))
                inputs.append(self.value(a))
                continue
            slots.append(None)
            if k >= len(positional):
                raise TracingError(
                    f"static.trace: {cls.__name__} got a {type(a).__name__} among its *{star} "
                    "arguments; only tensors can be recorded there"
                )
            attrs[positional[k]] = self._attribute(cls, a, refs)
        _drop_trailing_defaults(cls, args, attrs)
        first_ref = len(inputs)
        inputs += [vid for vid, _ in refs]
        attrs = {k: _offset_refs(v, first_ref) for k, v in attrs.items()}
        return inputs, attrs, slots

    def _attribute(self, cls, a, refs):
        """A non-tensor argument as plain data; arrays and tensors inside become Refs."""
        if a is None or isinstance(a, (bool, int, float, str, slice, dtypes.dtype, Geometry)):
            return a
        if a is Ellipsis:
            return a
        if isinstance(a, (np.generic,)):
            return a.item()
        if isinstance(a, np.dtype):
            return dtypes.to_dtype(a)
        if isinstance(a, Device):
            return str(a)
        if isinstance(a, Tensor):
            refs.append((self.value(a), True))
            return Ref(len(refs) - 1, tensor=True)
        if _is_array(a):
            refs.append((self.array_value(a), False))
            return Ref(len(refs) - 1)
        if isinstance(a, (tuple, list)):
            return type(a)(self._attribute(cls, x, refs) for x in a)
        raise TracingError(
            f"static.trace: {cls.__name__} got an argument of type {type(a).__name__}, which a "
            "graph cannot hold (attributes are numbers, strings, tuples, slices and dtypes). "
            "Pass it as a tensor, or leave this function dynamic."
        )

    def _user_function(self, cls, args):
        """A user's Function: trace its forward's ops; mark the results with a `custom` node
        whose gradient is the Function's own backward. A forward on raw arrays (no ops to
        trace) becomes one `python` node instead, which runs it at each replay."""
        if cls.setup_context is not Function.setup_context:
            raise TracingError(
                f"static.trace: {cls.__name__} defines setup_context (forward without ctx), "
                "which static graphs do not record; write forward(ctx, ...) instead, or leave "
                "this function dynamic"
            )
        inputs, attrs, slots = self.split(cls, args)
        ctx = _context(cls, args)
        out = cls.forward(ctx, *args)
        outs = out if type(out) is tuple else (out,)
        if not all(self.knows_value(o) for o in outs):
            attrs = dict(attrs, function=cls)
            return self.record("python", ctx, out, args, inputs, attrs, slots)
        results = [o if isinstance(o, Tensor) else Tensor._make(o) for o in outs]
        vids = [self.value(o) for o in results]
        attrs = dict(function=cls.__qualname__, n_results=len(vids))
        slots = [None if s is None else s + len(vids) for s in slots]
        out = tuple(results) if len(outs) > 1 else results[0]
        return self.record("custom", ctx, out, args, vids + inputs, attrs, slots, keeps=False)


def _drop_trailing_defaults(cls, args, attrs) -> None:
    """Leave out the last arguments that only repeat forward's defaults (add's alpha=1,
    linear's b=None): the graph prints what the call changed, and a replay gets the same."""
    names = parameters(cls)[0]
    defaults = cls.forward.__defaults__ or ()
    default_of = dict(zip(names[len(names) - len(defaults) :], defaults))
    for k in range(min(len(args), len(names)) - 1, -1, -1):
        name, value = names[k], args[k]
        if name not in default_of or isinstance(value, Tensor):
            return
        default = default_of[name]
        if type(value) is not type(default) or value != default:
            return
        del attrs[name]


def _context(cls, args):
    """A fresh ctx for one call; every floating tensor argument may need a gradient (static
    autodiff keeps the ones that are asked for)."""
    ctx = cls.__new__(cls)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.array.dtype.kind == "f" for a in args)
    return ctx


def _device_of(args):
    return next((a._device for a in args if isinstance(a, Tensor)), None)


def _is_array(v) -> bool:
    return hasattr(v, "shape") and hasattr(v, "dtype") and not isinstance(v, (Tensor, np.generic))


def _saved_array(ctx, s):
    return getattr(ctx, s) if type(s) is str else ctx._saved[s][0].array


def _offset_refs(value, first):
    if isinstance(value, Ref):
        return Ref(value.index + first, value.tensor)
    if isinstance(value, (tuple, list)):
        return type(value)(_offset_refs(v, first) for v in value)
    return value


def _check_static_shape(tracer, cls, args, inputs):
    """Refuse ops whose result's shape depends on the values of traced inputs (values made
    from constants alone are constants too: a mask built inside the function is fine)."""
    traced = [v for v in inputs if not tracer.constant_derived(v)]
    if getattr(cls, "data_dependent", False) and traced:
        raise TracingError(
            f"static.trace: {cls.op_name} gives a data-dependent shape, which a static graph "
            "cannot have; leave this function dynamic"
        )
    if cls is indexing_ops.GetItem:
        for part in args[1] if isinstance(args[1], tuple) else ():
            vid = tracer.vid_of_array.get(id(part)) if _is_array(part) else None
            if vid is not None and part.dtype == np.bool_ and not tracer.constant_derived(vid):
                raise TracingError(
                    "indexing with a boolean mask computed from traced values gives a "
                    "data-dependent shape, which a static graph cannot have; use "
                    "minigrad.where(mask, x, 0) instead"
                )


def trace(fn, *example_inputs, names: dict | None = None) -> Graph:
    """Run `fn(*example_inputs)` once and return its Graph.

    Tensor arguments become the graph's inputs; other arguments are baked in. Tensors that
    `fn` reads but does not receive (a module's weights) become constants captured by
    reference. Shapes are specialised: a graph is valid for the traced shapes and dtypes.

    Example::

        >>> g = static.trace(lambda x, w: (x @ w).relu().sum(), minigrad.randn(2, 3),
        ...                  minigrad.randn(3, 4))
        >>> print(g)         # graph(%0 x: f32[2, 3], %1 w: f32[3, 4]): ...
    """
    first = next((a for a in example_inputs if isinstance(a, Tensor)), None)
    xp = first.device.xp if first is not None else np
    tracer = Tracer(xp, {id(t): n for n, t in (names or {}).items()})
    args = [
        tracer.add_input(a, f"x{k}") if isinstance(a, Tensor) else a
        for k, a in enumerate(example_inputs)
    ]
    if state.tracer is not None:
        raise TracingError("static.trace: already tracing (a compiled function inside a trace)")
    if state.saved_hooks:
        raise TracingError(
            "static.trace: inside autograd.graph.saved_tensors_hooks (or save_on_cpu): a graph "
            "keeps its saved values itself; trace or compile outside the hooks' block"
        )
    before = _module_state(fn)
    state.tracer = tracer
    try:
        with no_grad():
            result = fn(*args)
    except BaseException:
        _restore(before)  # a trace that stops half-way leaves the modules as it found them
        raise
    finally:
        state.tracer = None
    _check_unchanged(before)
    if tracer.refusal is not None:
        raise tracer.refusal
    for o in _set_outputs(tracer, result):  # what the caller keeps is a plain tensor again
        o.__class__ = Tensor
    return tracer.graph


def _modules_used(fn) -> list:
    """The modules `fn` is, is bound to, or names (closure cells, globals it reads)."""
    from minigrad.nn import Module

    found = [fn, getattr(fn, "__self__", None)]
    code = getattr(fn, "__code__", None)
    if code is not None:
        found += [c.cell_contents for c in fn.__closure__ or () if c.cell_contents is not None]
        found += [fn.__globals__.get(name) for name in code.co_names]
    return list({id(m): m for m in found if isinstance(m, Module)}.values())


def _module_state(fn) -> list:
    """(name, tensor, copy of its values) for every buffer and parameter of those modules."""
    state_ = []
    for module in _modules_used(fn):
        named = list(module.named_buffers()) + list(module.named_parameters())
        state_ += [(f"{type(module).__name__}.{n}", t, t.array.copy()) for n, t in named]
    return state_


def _restore(before) -> list:
    """Undo the writes into module state since `before`; the names of the tensors written."""
    changed = [(n, t, old) for n, t, old in before if not (t.array == old).all()]
    for _, t, old in changed:
        t.array[...] = old
    return [n for n, _, _ in changed]


def _check_unchanged(before) -> None:
    """A tensor op writing into a module's buffer is not in the graph: refuse, and undo it."""
    changed = _restore(before)
    if changed:
        names = ", ".join(changed)
        raise TracingError(
            f"static.trace: the function updated {names} in place (BatchNorm's running "
            "statistics in training mode do that). A graph records the tensor ops that make "
            "its outputs, not writes into module state, so a replay would silently skip the "
            "update. Call model.eval() before compiling, or keep this module dynamic."
        )


def _set_outputs(tracer: Tracer, result, what="static.trace: the function") -> list:
    single = isinstance(result, Tensor)
    outs = [result] if single else result
    if not isinstance(outs, (tuple, list)) or not all(isinstance(o, Tensor) for o in outs):
        raise TypeError(
            f"{what} must return a Tensor or a tuple/list of Tensors, got {type(result).__name__}"
        )
    tracer.graph.outputs = [tracer.value(o) for o in outs]
    tracer.graph.structure = None if single else len(outs)
    return outs


class SubTracer(Tracer):
    """Traces a branch or a loop body inside a trace (`static.cond`, `static.while_loop`).

    Its graph's inputs are the region's operands, then its captures: every outside tensor
    the region reads (a weight, a value computed before the branch) becomes one more input,
    and `captures` holds its value id in the enclosing graph. So a region is a pure
    function of its inputs, and the enclosing graph sees (and differentiates) every value
    that flows in.
    """

    def __init__(self, parent: Tracer):
        super().__init__(parent.b.xp, parent.names)
        self.parent = parent
        self.captured: dict[int, int] = {}  # value id outside -> input id inside

    @property
    def captures(self) -> list[int]:
        return list(self.captured)

    def value(self, t: Tensor) -> int:
        vid = self.vid_of.get(id(t))
        if vid is not None:
            return vid
        if id(t.array) in self.vid_of_array and not self.parent.knows(t):
            return super().value(t)  # a detached alias of a value inside the region
        outer = self.parent.value(t)
        if outer not in self.captured:
            vid = self.graph.add_input(t.array.shape, t.array.dtype, f"c{len(self.captured)}")
            self.graph.examples[vid] = t.array
            self.captured[outer] = vid
        self.vid_of[id(t)] = self.captured[outer]
        self.alive.append(t)
        return self.captured[outer]

    def knows(self, t: Tensor) -> bool:
        return id(t) in self.vid_of or self.parent.knows(t)

    def refuse(self, error: TracingError) -> None:
        self.parent.refuse(error)  # the whole trace is refused, not only this region

    def array_value(self, array) -> int:
        if id(array) not in self.vid_of_array and self.parent.knows_array(array):
            return self.value(Tensor._make(array))  # a value from outside: captured
        return super().array_value(array)

    def knows_array(self, array) -> bool:
        return id(array) in self.vid_of_array or self.parent.knows_array(array)

    def run(self, fn, tensors, what: str) -> Graph:
        """Trace `fn(*tensors)` into this tracer's graph (inputs first, captures after)."""
        args = [self.add_input(t, f"x{k}") for k, t in enumerate(tensors)]
        previous, state.tracer = state.tracer, self
        try:
            with np.errstate(all="ignore"):  # a branch not taken may see values out of domain
                result = fn(*args)
            _set_outputs(self, result, what)
        finally:
            state.tracer = previous
        return self.graph
