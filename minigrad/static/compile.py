"""`static.compile(fn_or_module)`: trace on the first call, replay afterwards.

A new input shape, dtype, device or requires_grad pattern retraces (one cache entry each).
When gradients are needed, the whole compiled region is ONE node of the eager autograd
graph (`_CompiledCall`): its forward replays the forward graph (keeping the values the
backward graph reads) and its backward replays the backward graph derived once from it, so
`loss.backward()` flows through the compiled part into the inputs and the parameters.
"""

from __future__ import annotations

import copy
import warnings
import weakref

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import state
from minigrad.nn.modules.module import REGISTRY_EDITS
from minigrad.static.autodiff import _xp_of, derive_backward
from minigrad.static.executor import Runner
from minigrad.static.passes import DEFAULT_PASSES, optimize
from minigrad.static.pending import PendingOutput, Region, _pending, loss_parts
from minigrad.static.trace import TracingError, _modules_used, trace
from minigrad.tensor import Tensor


class _CompiledCall(Function):
    """The compiled region as one autograd node: forward and backward are graph replays."""

    def name(self):
        return "CompiledFunctionBackward"

    @staticmethod
    def forward(ctx, plan, *tensors):
        arrays, plan.ready = plan.ready, None  # a pending result's replay, run at its call
        if arrays is None:
            arrays = plan.forward.run(*[t.array for t in tensors[: plan.n_inputs]])
        # NOTE: the replayed values backward reads are kept where saved tensors are, as one
        # entry (a tuple of arrays, not version-checked tensors: no one else holds them), so
        # the engine frees them after backward unless retain_graph=True, as any node's
        ctx.plan = plan
        saved = arrays[plan.n_outputs :]
        ctx._saved = (saved,) if saved else ()
        outs = arrays[: plan.n_outputs]
        return outs if plan.structure is not None else outs[0]

    @staticmethod
    def backward(ctx, *grads):
        plan = ctx.plan
        if ctx._saved is None:  # freed by an earlier backward
            ctx.saved_tensors  # noqa: B018 - raises the usual "a second time" error
        saved = ctx._saved[0] if ctx._saved else ()
        found = plan.backward.run(*[grads[k].array for k in plan.grad_outputs], *saved)
        out = [None] * plan.n_args
        for slot, g in zip(plan.grad_slots, found):
            if g is not None:
                out[slot] = Tensor._make(g)
        return tuple(out)


def _members(modules) -> list:
    """Every parameter, buffer and child the modules hold, in order (the objects themselves)."""
    return [
        member
        for m in modules
        for registry in (m._parameters, m._buffers, m._modules)
        for member in (*registry, *registry.values())
    ]


def _same(members: list, seen: list) -> bool:
    return len(members) == len(seen) and all(a is b for a, b in zip(members, seen))


class Plan:
    """One traced specialisation: its graphs, their runners, how they map to the call."""

    def __init__(self, traced, tensors, train: bool, passes, modules=()):
        xp = _xp_of(traced)
        self.traced, self.structure = traced, traced.structure
        self.n_inputs, self.n_outputs = len(tensors), len(traced.outputs)
        self.params = [c.tensor for c in traced.constants.values() if c.requires_grad]
        self.n_args = 1 + self.n_inputs + len(self.params)  # _CompiledCall's: plan, tensors
        # NOTE: torch.compile's guards on what the graphs read by reference (parameters,
        # buffers): the trace holds for the array each had, or one of its shape, dtype and
        # device, and for its requires_grad (see `guards_hold`)
        guarded = [c.tensor for c in traced.constants.values() if not c.frozen]
        self.guarded, self.seen = tuple(guarded), [t.array for t in guarded]
        self.seen_requires_grad = tuple(t._requires_grad for t in guarded)
        self.seen_devices = tuple(t._device for t in guarded)
        # a module's mode decides what its forward records (dropout, batch statistics): the
        # modes of the modules the function uses are guarded too, as torch.compile's are
        self.modules, self.modes = tuple(modules), tuple(m.training for m in modules)
        # a parameter, buffer or layer replaced after tracing (`model[2].weight =
        # nn.Parameter(...)`): the graphs would read the old one, as torch.compile's guards
        # do not let happen
        self.edits, self.members = REGISTRY_EDITS[0], _members(modules)
        self.train = train and (bool(self.params) or any(t._requires_grad for t in tensors))
        self.backward_graph = self.backward = None
        # a training call whose result is not a number makes its autograd node only when
        # needed, so that the loss computed from it joins its backward (see pending.py)
        self.deferrable, self.only_tensors, self.losses, self.passes = False, False, {}, passes
        self.parts = None  # a loss plan's forward that leaves its value for later (pending.py)
        self.ready = self.freed = self._seed = None  # see `run`, `freed_node` and `seed`
        self.input_grads = any(t._requires_grad for t in tensors)
        self.xp = xp
        # NOTE: the runners may use each op's form fixed to the traced shapes and dtypes
        # (`kernel_of`'s `fixed`): a call on inputs of other types has another cache key, and
        # `guards_hold` retraces for a parameter or buffer of another shape, dtype or device
        if not self.train:
            traced.contexts.clear()  # no backward to derive: the traced ctxs are not needed
            self.graph, self.summary = optimize(traced, passes)
            self.forward = Runner(self.graph, xp, fixed=True)
            return
        wanted, self.grad_slots = self._wanted(tensors)
        train_graph, bwd, self.grad_outputs = derive_backward(traced, wanted)
        traced.contexts.clear()  # the ctxs (and the traced values they hold) are used up
        self.graph, fwd_summary = optimize(train_graph, passes)
        self.backward_graph, bwd_summary = optimize(bwd, passes)
        self.summary = f"forward:\n{fwd_summary}\nbackward:\n{bwd_summary}"
        self.forward = Runner(self.graph, xp, fixed=True)
        self.backward = Runner(self.backward_graph, xp, fixed=True)

    def _wanted(self, tensors):
        """Graph values whose gradient the call needs, and their slots among _CompiledCall's
        arguments (the plan, the tensors, the parameters)."""
        wanted, slots = [], []
        for k, (vid, t) in enumerate(zip(self.traced.inputs, tensors)):
            if t._requires_grad:
                wanted.append(vid)
                slots.append(1 + k)
        params = [v for v, c in self.traced.constants.items() if c.requires_grad]
        for j, vid in enumerate(params):
            wanted.append(vid)
            slots.append(1 + self.n_inputs + j)
        return wanted, slots

    def guards_hold(self) -> bool:
        """Whether the tensors the graphs read by reference and the modules' modes are still
        as traced. A layer unfrozen after compiling would otherwise get no gradient, a model
        moved to float64 would replay float32 code, and one switched to eval() would keep its
        dropout; such a change makes the call trace again.

        # NOTE: the usual call is one loop of identity tests (specialised attribute reads:
        # faster than `map`/`attrgetter` for a few tensors): an in-place update (an optimizer
        # step) keeps each array; a new one (p.data = ...) is compared once.
        """
        if REGISTRY_EDITS[0] != self.edits:
            if not _same(_members(self.modules), self.members):
                return False
            self.edits = REGISTRY_EDITS[0]
        for t, seen, requires_grad in zip(self.guarded, self.seen, self.seen_requires_grad):
            if t.array is not seen or t._requires_grad is not requires_grad:
                return self._guards_changed()
        for m, mode in zip(self.modules, self.modes):
            if m.training is not mode:
                return self._guards_changed()
        return True

    def _guards_changed(self) -> bool:
        """`guards_hold` for a call where an identity test failed: a new array of the same
        shape, dtype and device holds (and is remembered); any other change does not."""
        for k, t in enumerate(self.guarded):
            array, seen, device = t.array, self.seen[k], self.seen_devices[k]
            if t._requires_grad != self.seen_requires_grad[k] or t._device is not device:
                return False
            if array is not seen and (array.shape != seen.shape or array.dtype != seen.dtype):
                return False
            self.seen[k] = array
        return all(m.training == mode for m, mode in zip(self.modules, self.modes))

    def __call__(self, tensors):
        if self.train and state.enabled:
            return _CompiledCall.apply(self, *tensors, *self.params)
        outs = self.forward.run(*[t.array for t in tensors])
        if self.structure is None:
            return Tensor._make(outs[0])
        return tuple(Tensor._make(a) for a in outs[: self.n_outputs])

    def run(self, tensors, arrays) -> Tensor:
        """The autograd node of a call whose forward replay returned `arrays` (a pending
        result made a tensor), as `_CompiledCall.apply` makes it."""
        self.ready = arrays
        try:
            return _CompiledCall.apply(self, *tensors, *self.params)
        finally:
            self.ready = None

    def freed_node(self) -> _CompiledCall:
        """The node of a call on inputs that do not require grad, its saved values freed by
        a backward (another backward through it says so). # NOTE: one per plan, shared by
        every such call: it holds nothing a call owns, and making one each step costs."""
        if self.freed is None:  # the guards keep the parameters as traced, so their edges too
            node = self.freed = _CompiledCall.__new__(_CompiledCall)
            node.plan, node._saved = self, None
            node._edges = (None,) * (1 + self.n_inputs) + tuple(map(_edge, self.params))
            node.needs_input_grad = tuple(e is not None for e in node._edges)
            node._device = self.params[0]._device
        return self.freed

    def seed(self, value):
        """The gradient 1 of a loss like `value` (this plan's result), made once. # NOTE:
        read-only where the array module allows: no kernel writes into its inputs."""
        seed = self._seed
        if seed is None:
            seed = self._seed = self.xp.ones(value.shape, value.dtype)
            if isinstance(seed, np.ndarray):
                seed.flags.writeable = False
        return seed

    def loss_plan(self, result, fn, loss_tensors, options) -> Plan | None:
        """The plan of the loss `fn(result, *loss_tensors, *options)`, differentiated with
        respect to the result (traced once per signature); None unless it traces to one
        number reading no tensor by reference."""
        key = (fn, *map(_key, loss_tensors), *options)
        plan = self.losses.get(key, False)
        if plan is not False:
            return plan
        plan = None
        z = Tensor._make(result, True)
        try:
            graph = trace(lambda z, *ts: fn(z, *ts, *options), z, *loss_tensors)
        except TracingError:
            graph = None
        if graph is not None and graph.values[graph.outputs[0]].shape == ():
            plan = Plan(graph, [z, *loss_tensors], True, self.passes)
            plan = None if plan.params else plan
            if plan is not None:
                plan.parts = loss_parts(plan)
        self.losses[key] = plan
        return plan


def _edge(p: Tensor):
    return (p._accumulator(), 0, p.array.shape, p.array.dtype)


_LIVE: weakref.WeakSet = weakref.WeakSet()  # for minigrad._dynamo.reset()


class CompiledFunction:
    """What `static.compile` returns: call it like the function it wraps.

    `.graph` / `.backward_graph` / `.code` / `.summary` describe the latest specialisation;
    `.traces` counts how many times the function was traced.
    """

    def __init__(self, fn, passes=DEFAULT_PASSES, fullgraph=False):
        self.fn, self.passes, self.fullgraph = fn, passes, fullgraph
        self.cache: dict = {}
        self.traces = 0
        self.last: Plan | None = None
        self.eager_reason: str | None = None
        named = getattr(fn, "named_parameters", None)
        self.names = dict(named()) if callable(named) else {}
        _LIVE.add(self)

    def reset(self) -> None:
        """Forget every traced specialisation: the next call traces again."""
        self.cache.clear()
        self.last, self.eager_reason = None, None

    def __call__(self, *args):
        # NOTE: an autocast block changes the graph (it adds casts): one specialisation each
        st = state
        key = (*map(_key, args), st.enabled, st.autocast_dtype)
        plan = self.cache.get(key)
        if plan is None or (plan is not _EAGER and not plan.guards_hold()):
            try:
                plan = self.cache[key] = self._build(args)
            except TracingError as error:
                if self.fullgraph:
                    raise
                plan = self.cache[key] = _EAGER
                self._warn_eager(error)
        if plan is _EAGER:
            return self.fn(*args)
        self.last = plan
        # a training call's node waits (see pending.py) unless something watches the ops as
        # they run: a tracer, autocast, an op tape, saved-tensor hooks or anomaly mode
        if (
            plan.deferrable
            and st.tracer is None
            and st.autocast is None
            and st.tape is None
            and not st.saved_hooks
            and not st.anomaly
        ):
            arrays = plan.forward.run(*[t.array for t in args])
            return _pending(PendingOutput, Region(plan, args, arrays))
        return plan(args if plan.only_tensors else [a for a in args if isinstance(a, Tensor)])

    def _warn_eager(self, error: TracingError) -> None:
        """Say once why this function runs eagerly (PyTorch breaks the graph silently)."""
        first = self.eager_reason is None
        self.eager_reason = str(error)
        if first:
            name = getattr(self.fn, "__qualname__", type(self.fn).__name__)
            torch = "torch.compile would break the graph there; " if error.graph_break else ""
            warnings.warn(
                f"minigrad.compile: {name} runs eagerly, not compiled, for these inputs: "
                f"{self.eager_reason.splitlines()[0]} ({torch}pass fullgraph=True to raise "
                "instead)",
                stacklevel=3,
            )

    def _build(self, args) -> Plan:
        self.traces += 1
        graph = trace(self.fn, *args, names=self.names)
        tensors = [a for a in args if isinstance(a, Tensor)]
        modules = {id(m): m for top in _modules_used(self.fn) for m in top.modules()}
        plan = Plan(graph, tensors, state.enabled, self.passes, list(modules.values()))
        plan.only_tensors = len(tensors) == len(args)
        plan.deferrable = (
            plan.train
            and plan.structure is None
            and len(tensors) == len(args)
            and graph.values[graph.outputs[0]].shape != ()
        )
        return plan

    @property
    def graph(self):
        return self.last.graph if self.last else None

    @property
    def backward_graph(self):
        return self.last.backward_graph if self.last else None

    @property
    def code(self) -> str:
        code = self.last.forward.code
        if self.last.backward is not None:
            code += "\n" + self.last.backward.code
        return code

    @property
    def summary(self) -> str:
        return self.last.summary

    def __deepcopy__(self, memo):
        # NOTE: a copy traces afresh: a copied plan would replay the parameters it captured,
        # not the copied module's (copy.deepcopy(compiled_model), as EMA and best-model code do)
        return type(self)(copy.deepcopy(self.fn, memo), self.passes, self.fullgraph)

    def __getattr__(self, name):  # a compiled module still has its parameters, train()...
        fn = self.__dict__.get("fn")  # none yet while copy.deepcopy rebuilds this object
        if fn is None:
            raise AttributeError(name)
        return getattr(fn, name)


_EAGER = "eager"  # a specialisation the tracer could not record: the function runs as it is


def _key(a):
    if isinstance(a, Tensor):
        return (a.array.shape, a.array.dtype, a._device, a._requires_grad)
    return a


def compile(
    model=None,
    passes=DEFAULT_PASSES,
    *,
    fullgraph=False,
    dynamic=None,
    backend="inductor",
    mode=None,
    options=None,
    disable=False,
):
    """Compile a function or module (like `torch.compile`): trace once per input signature,
    optimise the graph with `passes`, then replay it on every call.

    Example::

        >>> step = static.compile(lambda x, y: F.cross_entropy(model(x), y))
        >>> loss = step(x, y); loss.backward()     # gradients reach model's parameters

    As `torch.compile`, it also decorates (`@compile`, `@compile(mode=...)`), and
    `disable=True` gives the function back as it is. Where the tracer cannot record the
    function (a data-dependent branch, `backward()` or an optimizer step inside, BatchNorm
    updating its statistics), the function runs eagerly for those inputs, with one warning
    saying why: torch.compile breaks the graph there and runs that part in Python.
    `fullgraph=True` raises the `TracingError` instead, as PyTorch raises at a graph break.
    `dynamic`, `backend`, `mode` and `options` are accepted for PyTorch code and change
    nothing: minigrad has one backend, this graph replay, which traces again for each new
    input shape.
    """
    if model is None:  # @compile(mode="max-autotune")
        return lambda fn: compile(fn, passes, fullgraph=fullgraph, disable=disable)
    if disable:
        return model
    from minigrad.nn import Module

    if isinstance(model, Module):
        from minigrad.static.optimized_module import OptimizedModule

        return OptimizedModule(model, CompiledFunction(model, passes, fullgraph))
    return CompiledFunction(model, passes, fullgraph)
