"""Adam and AdamW (decoupled weight decay), with PyTorch's bias correction and amsgrad."""

from __future__ import annotations

import math

import numpy as np

from minigrad.optim.optimizer import Optimizer
from minigrad.tensor import Tensor


def _check(lr, eps, betas, weight_decay) -> None:
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(p.device.xp.zeros_like(p.array))


class Adam(Optimizer):
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""

    _decoupled = False

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        if not state:
            state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
            state["exp_avg"], state["exp_avg_sq"] = _zeros_like(p), _zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _zeros_like(p)
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if wd and self._decoupled:
            p.array *= 1 - lr * wd
        elif wd:
            g = g + wd * p.array
        state["step"].array += 1
        step = float(state["step"].array)
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        m += (1 - beta1) * (g - m)  # the lerp PyTorch uses
        v *= beta2
        v += (1 - beta2) * g * g
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"].array
            p.device.xp.maximum(v_max, v, out=v_max)
            v = v_max
        denom = p.device.xp.sqrt(v) / math.sqrt(1 - beta2**step) + group["eps"]
        p.array -= (lr / (1 - beta1**step)) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * wd before the Adam step."""

    _decoupled = True

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        **kwargs,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, **kwargs)
