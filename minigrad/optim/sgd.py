"""SGD with momentum, dampening, Nesterov momentum and weight decay (PyTorch's update rule)."""

from __future__ import annotations

from minigrad.nn.parameter import is_lazy
from minigrad.optim.optimizer import Optimizer, required
from minigrad.tensor import Tensor


class SGD(Optimizer):
    """g += wd p; b = momentum b + (1 - dampening) g (b = g at first); p -= lr (g + momentum b
    if nesterov else b)."""

    _buffers = ("momentum_buffer",)
    _none_buffer_ok = True  # a None buffer starts afresh: PyTorch SGD reads it with get

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        # id(group["params"]) -> the group's _FlatMomentum, or None where it has none
        self._flat: dict = {}

    def _step_group(self, group):
        if group["momentum"] and not (
            group["dampening"] or group["weight_decay"] or group["nesterov"] or group["maximize"]
        ):
            params = group["params"]
            flat = self._flat.get(id(params), False)
            if flat is False and any(map(is_lazy, params)):
                flat = None  # a lazy module not called yet: no layout until a later step
            elif flat is False:  # the group's first step: a layout, or None for good
                flat = self._flat[id(params)] = _FlatMomentum.start(params, self.state)
            if flat is not None and flat.step(params, self.state, group["momentum"], group["lr"]):
                return
        self._step_each(group)

    def _step_each(self, group):
        # NOTE: PyTorch's foreach style: the group's settings are read once, then one pass over
        # its parameters with in-place array operations (buf *= momentum; buf += g;
        # p -= lr * buf): no method call, no temporary but lr * buf, per parameter
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        maximize = group["maximize"]
        states = self.state
        dtype = None
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            array = p.array
            if array.dtype is not dtype:
                # NOTE: lr and momentum as scalars of the parameter's dtype: NumPy converts a
                # Python float at every call (0.1 us each); the values are the same, as NumPy
                # rounds a Python float to the array's dtype too
                dtype = array.dtype
                lr_, momentum_ = dtype.type(lr), dtype.type(momentum)
            g = -grad.array if maximize else grad.array
            if weight_decay:
                g = g + weight_decay * array
            if momentum:
                # as PyTorch's: state only with momentum (plain SGD keeps none)
                state = states[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = g.copy()  # PyTorch's first step: the buffer is the gradient itself
                    state["momentum_buffer"] = Tensor._make(buf)
                else:
                    buf = buf.array
                    buf *= momentum_
                    buf += g if dampening == 0 else (1 - dampening) * g
                g = g + momentum_ * buf if nesterov else buf
            array -= lr_ * g
            p._version_counter[0] += 1  # NOTE: the counter itself: no property calls

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self._flat.clear()  # the loaded buffers are arrays of their own (a refused load: as before)

    def __getstate__(self) -> dict:
        # NOTE: a copy (deepcopy, pickle) starts without flat layouts: each copied buffer is an
        # array of its own, no view of a copied flat array, so the loop per parameter runs
        return {**self.__dict__, "_flat": {}}


class _FlatMomentum:
    """The momentum buffers of a group of plain momentum SGD as views of one flat array.

    # NOTE: PyTorch's foreach idea with fewer array operations than a loop per parameter: one
    # `flat *= momentum` and one `scaled = lr * flat` for the whole group, then `buf += g` and
    # `p -= its part of scaled` per parameter (10 operations for 4 parameters instead of 16,
    # and no temporary). Each buffer is still a Tensor of its own in `state` (a view), so
    # state_dict(), in-place edits and PyTorch's results are unchanged; whenever the layout does
    # not hold (a parameter without a gradient this step, a buffer replaced or loaded, the
    # group's parameters changed) the loop per parameter runs instead.
    """

    __slots__ = (
        *("size", "views", "flat", "scaled", "parts", "xp", "started"),
        *("momentum", "lr", "scalars"),
    )

    @classmethod
    def start(cls, params: list, states) -> _FlatMomentum | None:
        """The layout for a group's first momentum step, its buffers put in `states`; None
        unless each parameter appears once, has a gradient of its shape and dtype and no buffer
        yet, and all share one dtype and device."""
        if not params or len({id(p) for p in params}) != len(params):
            return None
        dtype, device = params[0].array.dtype, params[0]._device
        for p in params:
            g = p._grad
            if (
                g is None
                or p.array.dtype != dtype
                or p._device is not device
                or g.array.dtype != dtype
                or g.array.shape != p.array.shape
                or states[p].get("momentum_buffer") is not None
            ):
                return None
        self = cls()
        xp = device.xp
        self.size, self.started, self.xp = len(params), False, xp
        self.momentum = self.lr = None  # see `step`
        self.flat = xp.empty(sum(p.array.size for p in params), dtype)
        self.scaled = xp.empty_like(self.flat)
        self.views, self.parts, at = [], [], 0
        for p in params:
            shape, end = p.array.shape, at + p.array.size
            self.views.append(self.flat[at:end].reshape(shape))
            self.parts.append(self.scaled[at:end].reshape(shape))
            states[p]["momentum_buffer"] = Tensor._make(self.views[-1])
            at = end
        return self

    def step(self, params: list, states, momentum, lr) -> bool:
        """buf = momentum buf + g, p -= lr buf for every parameter; False, having changed
        nothing, unless the layout holds for this step."""
        if len(params) != self.size:
            return False
        try:  # NOTE: a replaced parameter has another buffer (a view of no flat) or none
            for p, view in zip(params, self.views):
                if p._grad is None or states[p]["momentum_buffer"].array is not view:
                    return False
        except (KeyError, AttributeError):  # no buffer, or no Tensor: `_step_each` says so
            return False
        if momentum != self.momentum or lr != self.lr:
            # NOTE: as `_step_each`'s lr_ and momentum_ (the same values), made only when they
            # change: making two scalars costs a quarter of this step. 0-d arrays, not
            # scalars: NumPy makes an array of a scalar operand at every call (1.4k
            # instructions each)
            self.momentum, self.lr = momentum, lr
            dtype, asarray = self.flat.dtype, self.xp.asarray
            self.scalars = asarray(momentum, dtype=dtype), asarray(lr, dtype=dtype)
        momentum, lr = self.scalars
        flat = self.flat
        if self.started:
            flat *= momentum
            for p, view in zip(params, self.views):
                view += p._grad.array
        else:  # PyTorch's first step: each buffer is the gradient itself
            for p, view in zip(params, self.views):
                view[...] = p._grad.array
            self.started = True
        self.xp.multiply(flat, lr, out=self.scaled)
        for p, part in zip(params, self.parts):
            array = p.array
            array -= part
            p._version_counter[0] += 1  # NOTE: the counter itself: no property calls
        return True
