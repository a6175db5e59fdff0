"""Averaged SGD (PyTorch's ASGD): SGD with a decaying step size and a running average of the
iterates, kept in the state as 'ax'."""

from __future__ import annotations

import numpy as np

from minigrad.optim.optimizer import Optimizer, _count, _scalar, _weight_decay, _zeros_like


class ASGD(Optimizer):
    """p *= 1 - lambd eta; p -= eta g; ax += mu (p - ax) (ax = p while mu is 1); then
    eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0) for the next step."""

    _buffers = ("ax",)
    _scalars = ("step", "eta", "mu")

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        if not state:
            # NOTE: eta and mu are float32 scalars, as PyTorch's: eta's rounding shows in p
            state["step"], state["eta"], state["mu"] = _scalar(), _scalar(group["lr"]), _scalar(1)
            state["ax"] = _zeros_like(p)
        lr, lambd = group["lr"], group["lambd"]
        step = _count(state)
        g = _weight_decay(group, p, g)
        eta, mu = float(state["eta"].array), float(state["mu"].array)
        p.array *= 1 - lambd * eta
        p.array -= eta * g
        ax = state["ax"].array
        if mu != 1:
            ax += (p.array - ax) * mu
        else:
            ax[...] = p.array
        # NOTE: rounded to float32 even in a float64 state (after load_state_dict), as PyTorch
        state["eta"].array[...] = np.float32(lr / (1 + lambd * lr * step) ** group["alpha"])
        state["mu"].array[...] = np.float32(1 / max(1, step - group["t0"]))
