"""SGD with momentum, dampening, Nesterov momentum and weight decay (PyTorch's update rule)."""

from __future__ import annotations

from minigrad.optim.optimizer import Optimizer, required
from minigrad.tensor import Tensor


class SGD(Optimizer):
    """g += wd p; b = momentum b + (1 - dampening) g (b = g at first); p -= lr (g + momentum b
    if nesterov else b)."""

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

    def _step_group(self, group):
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
