"""Rprop (resilient backpropagation, PyTorch's update rule): a step size per element that only
the signs of successive gradients change."""

from __future__ import annotations

from minigrad.optim.optimizer import Optimizer, _count, _scalar, _zeros_like
from minigrad.tensor import Tensor


class Rprop(Optimizer):
    """s *= eta_plus where g and the last g agree in sign, eta_minus where they differ (and the
    element skips this step), clipped to step_sizes; p -= sign(g) s."""

    _buffers = ("prev", "step_size")
    _scalars = ("step",)

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(
            lr=lr,
            etas=etas,
            step_sizes=step_sizes,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        xp = p.device.xp
        if not state:
            state["step"] = _scalar()
            state["prev"] = _zeros_like(p)
            state["step_size"] = Tensor._make(xp.full_like(p.array, group["lr"]))
        _count(state)
        (eta_minus, eta_plus), (low, high) = group["etas"], group["step_sizes"]
        prev, step_size = state["prev"].array, state["step_size"].array
        agree = g * prev
        # NOTE: the factors in the parameters' dtype, as PyTorch writes them into a grad-like tensor
        factor = xp.where(agree > 0, eta_plus, xp.where(agree < 0, eta_minus, 1.0))
        step_size *= factor.astype(step_size.dtype)
        xp.clip(step_size, low, high, out=step_size)
        g = xp.where(agree < 0, 0, g)  # no step after a sign change, and nothing to compare next
        p.array -= xp.sign(g) * step_size
        prev[...] = g
