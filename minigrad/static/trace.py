"""The tracer: run a function once on example inputs and record every op as a graph node.

Every op goes through `Function.apply`; while tracing, `apply` hands the call to the tracer
(`state.tracer`, one attribute check on the hot path), which runs the op eagerly and records
it, lowered to the IR ops of `minigrad.static.ops`. Ops without a static rule are recorded
as `eager` nodes that call the Function itself at replay.

Ops without a gradient (comparisons, logic, argmax, one_hot) are Functions too
(`ops.elementwise.NoGrad`), so they are recorded like the rest. `detach` and in-place
updates on traced tensors go through `_Traced`'s methods, and a Python `if` on a traced
value raises `TracingError`, because the graph cannot see it.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.grad_mode import no_grad, state
from minigrad.ops import elementwise as E
from minigrad.ops import indexing as IX
from minigrad.ops import matmul as MM
from minigrad.ops import nn as NN
from minigrad.ops import norm as NORM
from minigrad.ops import reduce as R
from minigrad.ops import shape as S
from minigrad.static.builder import Builder
from minigrad.static.graph import Const, Graph
from minigrad.static.ops import OPS, Literal
from minigrad.tensor import Tensor


class TracingError(RuntimeError):
    """A traced function did something a static graph cannot record."""


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
        out = op(self, *args)
        self.array = out.array
        _tracer().rebind(self, out)
        return self

    def __setitem__(self, index, value):
        self._inplace(lambda s, v: _index_put(s, index, v), value)

    def fill_(self, value):
        # Tensor.fill_ writes the array directly when no gradient is needed (fast, eager);
        # under tracing it must be an op, or the replay would keep the traced values.
        return self._inplace(E.copy, value)

    def _fill_random(self, sample, a, b, generator):
        raise TracingError(
            "an in-place random fill (normal_, uniform_) cannot be recorded in a static graph: "
            "a replay would repeat the numbers drawn while tracing. Draw outside the compiled "
            "function and pass the tensor in, or use nn.Dropout / F.dropout."
        )

    def bernoulli_(self, p=0.5, *, generator=None):
        return self._fill_random(None, p, None, generator)


def _index_put(x, index, value):
    idx, _ = IX._to_index(index, x)
    return IX.IndexPut.apply(x, idx, value)


def _tracer() -> Tracer:
    return state.tracer


def _record_plain(op, out, *args, **attrs):
    """Record an op that is not a Function (detach) as node `op`."""
    tracer = _tracer()
    if tracer is None:  # a _Traced tensor that escaped its trace behaves as a plain one
        return out
    vids = tracer.operands(*args)
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
        const = Const(tensor=t, name=self.names.get(id(t), ""), requires_grad=t._requires_grad)
        vid = self.graph.add_const(const, t.array.shape, t.array.dtype)
        self.graph.examples[vid] = t.array
        self.vid_of[id(t)] = vid
        self.alive.append(t)
        return vid

    def knows(self, t: Tensor) -> bool:
        return id(t) in self.vid_of

    def operands(self, *args) -> list:
        """Value ids for tensors and Python numbers (numbers take the tensors' dtype)."""
        like = next((self.value(a) for a in args if isinstance(a, Tensor)), None)
        out = []
        for a in args:
            if isinstance(a, Tensor):
                out.append(self.value(a))
            elif a is None:
                out.append(None)
            else:
                out.append(self.b.scalar(a, like))
        return out

    # -- ops ----------------------------------------------------------------------------
    def __call__(self, cls, args):
        state.tracer = None
        try:
            out = cls.apply(*args)
        finally:
            state.tracer = self
        outs = out if type(out) is tuple else (out,)
        lower = LOWERINGS.get(cls)
        vids = lower(self, *args) if lower is not None else None
        vids = vids if type(vids) is tuple or vids is None else (vids,)
        vids = None if vids is None else self._checked(vids, outs)
        if vids is None:
            vids = self._eager(cls, args, len(outs))
        for t, vid in zip(outs, vids):
            if t is not None:
                self.bind(t, vid)
        return out

    def _checked(self, vids, outs):
        """The lowered values, cast to the eager dtypes; None if a shape differs."""
        if len(vids) != len(outs):
            return None
        fixed = []
        for vid, t in zip(vids, outs):
            if t is None or self.graph.values[vid].shape != t.array.shape:
                return None
            if self.graph.values[vid].dtype != t.array.dtype.name:
                vid = self.b.emit("cast", vid, dtype=t.array.dtype.name)
            fixed.append(vid)
        return tuple(fixed)

    def _eager(self, cls, args, n_out):
        if _mentions_traced_array(args, self.vid_of_array):
            raise NotImplementedError(
                f"static.trace: {cls.__name__} gets a raw array computed from traced values; "
                "it has no static rule, so the graph could not replay it. Write it with "
                "tensor ops, or leave this function dynamic."
            )
        template, tensors = [], []
        for a in args:
            if isinstance(a, Tensor):
                template.append(len(tensors))
                tensors.append(self.value(a))
            else:
                template.append(Literal(a))
        outs = self.b.emit("eager", *tensors, n_out=2, function=cls, template=tuple(template))
        return outs[:n_out]


def _mentions_traced_array(args, known) -> bool:
    for a in args:
        if isinstance(a, (tuple, list)) and _mentions_traced_array(a, known):
            return True
        if hasattr(a, "shape") and not isinstance(a, Tensor) and id(a) in known:
            return True
    return False


# -- lowering: Function call -> IR nodes -------------------------------------------------
def _binary(op):
    return lambda t, a, b, *rest: t.b.emit(op, *t.operands(a, b))


def _unary(op):
    return lambda t, x, *rest: t.b.emit(op, t.value(x))


def _add_like(op):
    def lower(t, a, b, alpha=1):
        va, vb = t.operands(a, b)
        if alpha != 1:
            vb = t.b.emit("mul", vb, t.b.scalar(alpha, vb))
        return t.b.emit(op, va, vb)

    return lower


def _lower_matmul(t, a, b):
    if a.ndim < 2 or b.ndim < 2:
        return None  # NumPy's 1-D rules: left to the eager node
    return t.b.emit("matmul", t.value(a), t.value(b))


def _lower_getitem(t, x, index, advanced):
    parts, lifted, arrays = list(index), [], []
    for k, part in enumerate(parts):
        if hasattr(part, "shape") and id(part) in t.vid_of_array:
            if part.dtype == np.bool_:
                raise TracingError(
                    "indexing with a boolean mask computed from traced values gives a "
                    "data-dependent shape, which a static graph cannot have; use "
                    "minigrad.where(mask, x, 0) instead"
                )
            lifted.append(k)
            arrays.append(t.vid_of_array[id(part)])
            parts[k] = None
    attrs = dict(index=tuple(parts), lifted=tuple(lifted), advanced=advanced)
    return t.b.emit("getitem", t.value(x), *arrays, **attrs)


def _lower_index_put(t, x, index, value):
    vx, vv = t.operands(x, value)
    return t.b.emit("index_put", vx, vv, index=index, lifted=(), advanced=True)


def _lower_sum(t, x, dims, keepdim, dtype=None):
    dtype = None if dtype is None else np.dtype(dtype).name
    return t.b.emit("sum", t.value(x), dims=tuple(dims), keepdim=keepdim, dtype=dtype)


def _lower_cross_entropy(t, x, target, weight, ignore_index, reduction):
    vx, vt = t.value(x), t.value(target)
    vw = None if weight is None else t.value(weight)
    loss, _ = t.b.emit("cross_entropy", vx, vt, vw, ignore_index=ignore_index, reduction=reduction)
    return loss


def _lower_split(t, x, sizes, dim):
    out = t.b.emit("split", t.value(x), n_out=len(sizes), sizes=tuple(sizes), dim=dim)
    return out if type(out) is tuple else (out,)


def _lower_no_grad(t, op, attrs, fn, *inputs):
    if op not in OPS:
        return None  # an eager node: it calls fn again at each replay
    return t.b.emit(op, *t.operands(*inputs), **attrs)


def _lower_standardize(t, x, dims, eps, stats=None):
    # NOTE: batch_norm passes the batch's moments as raw arrays; as an attribute they would
    # be frozen at the traced batch. They are the moments of x, so the node recomputes them.
    return t._eager(NORM.Standardize, (x, dims, eps), 1)


LOWERINGS = {
    E.NoGrad: _lower_no_grad,
    NORM.Standardize: _lower_standardize,
    E.Add: _add_like("add"),
    E.Sub: _add_like("sub"),
    E.Mul: _binary("mul"),
    E.Div: _binary("div"),
    E.Pow: _binary("pow"),
    E.Neg: _unary("neg"),
    E.Exp: _unary("exp"),
    E.Log: _unary("log"),
    E.Sqrt: _unary("sqrt"),
    E.Abs: _unary("abs"),
    E.Sign: _unary("sign"),
    E.Sin: _unary("sin"),
    E.Cos: _unary("cos"),
    E.Sigmoid: _unary("sigmoid"),
    E.Tanh: _unary("tanh"),
    E.Relu: _unary("relu"),
    E.Clone: lambda t, x: t.value(x),
    E.Cast: lambda t, x, dtype: t.b.emit("cast", t.value(x), dtype=dtype.np.name),
    E.Where: lambda t, c, a, b: t.b.emit("where", *t.operands(c, a, b)),
    MM.MatMul: _lower_matmul,
    MM.Linear: lambda t, x, w, b=None: t.b.emit("linear", *t.operands(x, w, b)),
    R.Sum: _lower_sum,
    R.Mean: lambda t, x, dims, keepdim: t.b.emit(
        "mean", t.value(x), dims=tuple(dims), keepdim=keepdim
    ),
    S.Reshape: lambda t, x, shape: t.b.reshape(t.value(x), shape),
    S.Permute: lambda t, x, dims: t.b.emit("permute", t.value(x), dims=tuple(dims)),
    S.Expand: lambda t, x, shape: t.b.emit("expand", t.value(x), shape=tuple(shape)),
    S.SumTo: lambda t, x, shape: t.b.sum_to(t.value(x), shape),
    S.Cat: lambda t, dim, *xs: t.b.emit("cat", *(t.value(x) for x in xs), dim=dim),
    S.Split: _lower_split,
    NN.Softmax: lambda t, x, dim: t.b.emit("softmax", t.value(x), dim=dim),
    NN.LogSoftmax: lambda t, x, dim: t.b.emit("log_softmax", t.value(x), dim=dim),
    NN.CrossEntropy: _lower_cross_entropy,
    IX.GetItem: _lower_getitem,
    IX.IndexPut: _lower_index_put,
}


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
    before = _module_state(fn)
    state.tracer = tracer
    try:
        with no_grad():
            result = fn(*args)
    finally:
        state.tracer = None
    _check_unchanged(before)
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


def _check_unchanged(before) -> None:
    """A tensor op writing into a module's buffer is not in the graph: refuse, and undo it."""
    changed = [(n, t, old) for n, t, old in before if not (t.array == old).all()]
    for _, t, old in changed:
        t.array[...] = old
    if changed:
        names = ", ".join(n for n, _, _ in changed)
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
