"""A compiled module's result in a training step, computed when it is first needed, so that the
loss computed from it joins the compiled region.

    out = compiled_model(x)              # pending: nothing has run yet
    loss = F.cross_entropy(out, y)       # pending too: the loss joins the region
    loss.backward()                      # forward, loss and backward: one compiled program

`loss.backward()` then replays the program `compile(lambda x, y: F.cross_entropy(model(x), y))`
would trace (traced once per signature) and adds into the parameters' `.grad`, with no autograd
node made and no graph walked: what a step costs beyond its arrays' arithmetic shrinks to a few
microseconds. Afterwards `loss` and `out` hold their values and their graph is freed, as after
any backward.

Anything else a program does with a pending tensor (read its values or shape, print it, use it
in another op, `backward(retain_graph=True)`, a hook on a parameter) first computes it the usual
way, as an autograd node of the compiled region, so every result is the one eager mode gives.
A pending result reads its inputs and parameters when it runs: one changed in place in between
raises (eager mode would have used the old values).

# NOTE: a pending tensor is a `Tensor` subclass whose every slot is a property that computes
# the tensor first and then makes it a plain `Tensor` (`__class__` assignment): no code can read
# a value that is not there yet, and plain tensors pay nothing.
"""

from __future__ import annotations

from minigrad.autograd.engine import _accumulate_into
from minigrad.autograd.grad_mode import enable_grad as _grad_on
from minigrad.autograd.grad_mode import state
from minigrad.tensor import Tensor, _init

_SLOTS = [s for s in Tensor.__slots__ if s != "__weakref__"]
_RECORD = Tensor._grad_fn  # the slot a pending tensor keeps its record in
_PLAIN = (type(None), bool, int, float, str)


def _record(t):
    return _RECORD.__get__(t, Tensor)


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


def _settle(t, array, node) -> None:
    """Make the pending t a tensor of `array` whose grad_fn is `node`."""
    t.__class__ = Tensor
    _init(t, array)
    t._requires_grad, t._grad_fn = True, node


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
    """The result of a compiled call in a training step, not computed yet (see the module)."""

    __slots__ = ()

    def _defer_loss(self, fn, tensors: tuple, options: tuple):
        """The loss `fn(self, *tensors, *options)` as a pending tensor that backward computes
        with the region in one program; None when it cannot join the region (an option that
        is a tensor, a class weight): the caller then computes this tensor and the loss."""
        for t in tensors:
            if type(t) is not Tensor:
                return None
        for option in options:
            if type(option) not in _PLAIN:
                return None
        region = _record(self)
        plan = region.plan.loss_plan(region.tensors, fn, tensors, options)
        if plan is None:
            return None
        return _pending(PendingLoss, _Loss(self, plan, tensors, fn, options))


class PendingLoss(_Pending):
    """A loss computed from a `PendingOutput`, not computed yet (see the module)."""

    __slots__ = ()

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """As `Tensor.backward`; the plain call runs forward, loss and backward as one program."""
        plain = gradient is None and not retain_graph and not create_graph and inputs is None
        if not (plain and _record(self).run_with_backward(self)):
            Tensor.backward(self, gradient, retain_graph, create_graph, inputs)


class Region:
    """What a pending output runs: its plan on its inputs, once they and the parameters are
    checked to be unchanged since the call."""

    __slots__ = ("plan", "tensors", "arrays", "seen")

    def __init__(self, plan, tensors):
        self.plan, self.tensors = plan, tensors
        self.arrays = [t.array for t in tensors]
        self.seen = _versions(tensors, plan.params)

    def check_unchanged(self) -> None:
        changed = self.seen != _versions(self.tensors, self.plan.params)
        for t, array in zip(self.tensors, self.arrays):
            changed |= t.array is not array
        if changed:
            raise RuntimeError(
                "minigrad.compile: an input or a parameter of a compiled call was changed in "
                "place before the call's result was used. In a training step the compiled "
                "module runs when its result is first needed (see docs/static.md): use the "
                "result before changing what it reads, or give the call a clone."
            )

    def compute(self, out) -> None:
        self.check_unchanged()
        with _grad_on():  # made under grad mode: its graph is recorded even if computed later
            _become(out, self.plan.run(self.tensors))


def _versions(tensors, params) -> int:
    """The sum of the version counters: counters only grow, so any in-place change shows."""
    total = 0
    for t in tensors:
        total += t._version_counter[0]
    for p in params:
        total += p._version_counter[0]
    return total


class _Loss:
    __slots__ = ("out", "plan", "tensors", "fn", "options")

    def __init__(self, out, plan, tensors, fn, options):
        self.out, self.plan, self.tensors, self.fn, self.options = out, plan, tensors, fn, options

    def compute(self, loss) -> None:
        """The loss the eager way, from the output computed as an autograd node."""
        out = self.out
        if type(out) is not Tensor:
            _record(out).compute(out)
        with _grad_on():
            _become(loss, self.fn(out, *self.tensors, *self.options))

    def run_with_backward(self, loss) -> bool:
        """`loss.backward()` as one program. False, having done nothing, unless the output is
        still pending and every gradient goes to a parameter without hooks."""
        out, plan = self.out, self.plan
        if type(out) is not PendingOutput or state.anomaly:
            return False
        region = _record(out)
        tensors = region.tensors
        for t in tensors:
            if t._requires_grad:
                return False  # a gradient for an input: the engine carries it on
        for t in self.tensors:
            if t._requires_grad:
                return False
        if not plan.guards_hold():
            return False
        for p in plan.params:
            acc = p._accum
            if p._grad_fn is not None or p._hooks or (acc is not None and acc._post_hooks):
                return False  # a hook sees the gradient: the engine calls it
        region.check_unchanged()
        arrays = plan.forward(*region.arrays, *[t.array for t in self.tensors])
        value, logits = arrays[0], arrays[1]
        seed = plan.params[0]._device.xp.empty(value.shape, value.dtype)
        seed.fill(1)
        seeds = [seed if k == 0 else None for k in plan.grad_outputs]  # the loss's only
        grads = list(plan.backward(*seeds, *arrays[plan.n_outputs :]))
        del arrays
        for k, p in enumerate(plan.params):
            if grads[k] is None:
                continue
            g = Tensor._make(grads[k])
            grads[k] = None  # NOTE: so that the accumulation can take g as .grad, uncopied
            _accumulate_into(p, g, False)
        n = len(tensors)
        _settle(out, logits, region.plan.freed_node(n))
        _settle(loss, value, plan.freed_node(n + len(self.tensors)))
        return True
