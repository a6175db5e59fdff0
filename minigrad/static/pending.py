"""A compiled module's result in a training step, whose autograd node is made only when needed,
so that the loss computed from it joins the compiled region's backward.

    out = compiled_model(x)              # the forward replay runs; no node is made yet
    loss = F.cross_entropy(out, y)       # pending: the loss joins the region
    loss.backward()                      # the loss, its gradient and the region's backward

`loss.backward()` then replays the loss's traced program (traced once per signature) and the
region's backward graph one after the other, and adds into the parameters' `.grad`, with no
autograd node made and no graph walked: what a step costs beyond its arrays' arithmetic
shrinks to a few microseconds. Afterwards `loss` and `out` are plain tensors whose graph is
freed, as after any backward. Where the loss program is one Function that can make its value
later from small parts (cross-entropy's `on_arrays_parts`), the value is made only when the
loss is first used: a training step that never reads its loss does not compute it.

Anything else a program does with a pending tensor (read its values or shape, print it, use it
in another op, `backward(retain_graph=True)`, a hook on a parameter) first makes it the usual
tensor, the output of the compiled region's autograd node (from the values the call computed:
nothing runs twice), so every result is the one eager mode gives.

# NOTE: a pending tensor is a `Tensor` subclass whose every slot is a property that makes the
# tensor first and then turns it into a plain `Tensor` (`__class__` assignment): no code can
# see a pending tensor half made, and plain tensors pay nothing.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.engine import _accumulate_arrays
from minigrad.autograd.function import OPS
from minigrad.autograd.grad_mode import enable_grad as _grad_on
from minigrad.autograd.grad_mode import state
from minigrad.static.kernels import kernel_of
from minigrad.tensor import Tensor, _init

_SLOTS = [s for s in Tensor.__slots__ if s != "__weakref__"]
_RECORD = Tensor._grad_fn  # the slot a pending tensor keeps its record in
_PLAIN = frozenset((type(None), bool, int, float, str))


_record = _RECORD.__get__  # NOTE: the slot's own getter (C): a pending tensor's record


def _pending(cls, record):
    t = object.__new__(cls)
    _RECORD.__set__(t, record)
    return t


def _become(t, done: Tensor) -> None:
    """Make the pending t the tensor `done`: its array, node, version counter..."""
    for name in _SLOTS:
        slot = getattr(Tensor, name)
        slot.__set__(t, slot.__get__(done, Tensor))
    t.__class__ = Tensor


class _Pending(Tensor):
    __slots__ = ()


def _slot_property(name):
    slot = getattr(Tensor, name)

    def get(self):
        if type(self) is not Tensor:
            _record(self).compute(self)
        return slot.__get__(self, Tensor)

    def set(self, value):
        if type(self) is not Tensor:
            _record(self).compute(self)
        slot.__set__(self, value)

    return property(get, set)


for _name in _SLOTS:
    setattr(_Pending, _name, _slot_property(_name))


class PendingOutput(_Pending):
    """The result of a compiled call in a training step, its node not made yet (see above)."""

    __slots__ = ()

    def _defer_loss(self, fn, tensors: tuple, options: tuple):
        """The loss `fn(self, *tensors, *options)` as a pending tensor whose backward runs with
        the region's; None when it cannot join the region (an option that is a tensor, a class
        weight): the caller then makes this tensor and computes the loss eagerly."""
        for t in tensors:
            if type(t) is not Tensor or t._requires_grad:
                return None
        for option in options:  # NOTE: a loop: faster than a set test over `map` for six
            if type(option) not in _PLAIN:
                return None
        region = _record(self)
        tail = region.plan.loss_plan(region.arrays[0], fn, tensors, options)
        if tail is None:
            return None
        return _pending(PendingLoss, _Loss(self, tail, tensors, fn, options))


class PendingLoss(_Pending):
    """A loss computed from a `PendingOutput`, not computed yet (see the module)."""

    __slots__ = ()

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """As `Tensor.backward`; the plain call runs the loss and both backwards in one go."""
        plain = gradient is None and not retain_graph and not create_graph and inputs is None
        if not (plain and _record(self).run_with_backward(self)):
            Tensor.backward(self, gradient, retain_graph, create_graph, inputs)


class Region:
    """A compiled call's inputs and what its forward replay returned: the result and the
    values its backward reads."""

    __slots__ = ("plan", "tensors", "arrays", "seen")

    def __init__(self, plan, tensors, arrays):
        self.plan, self.tensors, self.arrays = plan, tensors, arrays
        self.seen = _versions(tensors, plan.params)

    def compute(self, out) -> None:
        with _grad_on():  # made under grad mode: recorded so even if made under no_grad
            _become(out, self.plan.run(self.tensors, self.arrays))


def _versions(tensors, params) -> int:
    """The sum of the version counters: counters only grow, so any in-place change shows.
    # NOTE: plain loops: this runs twice in every step, and for a few tensors a loop's
    # specialised attribute reads are three times faster than `sum(map(attrgetter...))`."""
    total = 0
    for t in tensors:
        total += t._version_counter[0]
    for p in params:
        total += p._version_counter[0]
    return total


def _hooked(params) -> bool:
    """Whether a hook would see a parameter's gradient (or a parameter is no leaf): what the
    engine's walk handles."""
    for p in params:
        acc = p._accum
        if p._grad_fn is not None or p._hooks or (acc is not None and acc._post_hooks):
            return True
    return False


class _Loss:
    __slots__ = ("out", "tail", "tensors", "fn", "options")

    def __init__(self, out, tail, tensors, fn, options):
        self.out, self.tail, self.tensors, self.fn, self.options = out, tail, tensors, fn, options

    def compute(self, loss) -> None:
        """The loss the eager way, from the output made an autograd node's."""
        out = self.out
        if type(out) is not Tensor:
            _record(out).compute(out)
        with _grad_on():
            _become(loss, self.fn(out, *self.tensors, *self.options))

    def run_with_backward(self, loss) -> bool:
        """`loss.backward()` without autograd nodes: the loss's program forward and backward,
        then the region's backward. False, having done nothing, unless the output is still
        pending and every gradient goes to a parameter without hooks."""
        out, tail = self.out, self.tail
        if type(out) is not PendingOutput or state.anomaly:
            return False
        region = _record(out)
        plan = region.plan
        params = plan.params
        if plan.input_grads or _hooked(params):
            return False  # a gradient for an input or a hook: the engine carries it on
        if _versions(region.tensors, params) != region.seen:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                "inplace operation: an input or a parameter of a compiled call was changed in "
                "place after the call (an optimizer step before backward?)"
            )
        arrays = region.arrays
        result = arrays[0]
        targets = [t.array for t in self.tensors]
        later = tail.parts
        if later is None:
            found = tail.forward.run(result, *targets)
        else:  # the loss's parts, its value made when first used (see `LossParts`)
            found = later.on_parts(result, *targets, *later.constants)
        seed = tail.seed(found[0] if later is None else later.like)
        (g_out,) = tail.backward.run(seed, *found[tail.n_outputs :])
        grads = plan.backward.run(g_out, *arrays[plan.n_outputs :])
        region.arrays = arrays = g_out = None  # NOTE: saved values freed, as by any backward
        _accumulate_arrays(params, grads)
        node = plan.freed_node()
        # NOTE: both become tensors when first used: most steps never read the logits again,
        # nor the loss, whose value is then never made
        out.__class__ = loss.__class__ = _Made
        _RECORD.__set__(out, _Values(result, node))
        made = _Values(found[0], node) if later is None else _Later(later, found[0], node)
        _RECORD.__set__(loss, made)
        return True


class _Made(_Pending):
    """A pending tensor whose node is known, and its array (a `_Values`) or what makes it (a
    `_Later`): it becomes their tensor when first used."""

    __slots__ = ()


class _Values:
    __slots__ = ("array", "node")

    def __init__(self, array, node):
        self.array, self.node = array, node

    def compute(self, t) -> None:
        t.__class__ = Tensor
        _init(t, self.array)
        t._requires_grad, t._grad_fn = True, self.node


class _Later(_Values):
    """A loss's node and the parts its value is made from when first used (`LossParts`)."""

    __slots__ = ("parts", "values")

    def __init__(self, parts, values, node):
        self.parts, self.values, self.node = parts, values, node

    def compute(self, t) -> None:
        self.array = self.parts.loss_of_parts(*self.values)
        self.values = None
        _Values.compute(self, t)


class LossParts:
    """A loss program that is one Function whose value can be made later from parts (its
    `on_arrays_parts` and `loss_of_parts`, as cross-entropy's): `on_parts(result, *arrays,
    *constants)` returns the parts, then the values backward reads; `like` has the loss's
    shape and dtype (for its gradient's seed)."""

    __slots__ = ("on_parts", "constants", "loss_of_parts", "like")

    def __init__(self, on_parts, constants, loss_of_parts, like):
        self.on_parts, self.constants = on_parts, constants
        self.loss_of_parts, self.like = loss_of_parts, like


def loss_parts(tail) -> LossParts | None:
    """The loss program `tail` (a loss plan) as `LossParts`; None unless its forward graph is
    one such Function's node, replayed as `on_arrays_kept(*inputs, *constants)`."""
    graph = tail.graph
    if len(graph.nodes) != 1:
        return None
    (node,) = graph.nodes
    cls = OPS.get(node.op)
    on_parts = getattr(cls, "on_arrays_parts", None)
    if on_parts is None or node.inputs != graph.inputs or node.outputs != graph.outputs:
        return None
    calls = getattr(kernel_of(node, tail.xp, graph), "calls", None)
    if calls is None or calls[0] is not cls.on_arrays_kept:
        return None
    constants, fixed_parts = calls[1], getattr(cls, "fixed_parts", None)
    if fixed_parts is not None:
        # NOTE: the form fixed to the traced types (see `kernel_of`'s `fixed`): the result's
        # shape is its region plan's, and the targets' types are in the loss plan's key
        info = graph.values
        inputs = [(info[v].shape, np.dtype(info[v].dtype)) for v in node.inputs]
        fixed = fixed_parts(tail.xp, inputs, *constants)
        if fixed is not None:
            on_parts, constants = fixed, ()
    return LossParts(on_parts, constants, cls.loss_of_parts, graph.values[graph.outputs[0]])
