"""The Adam family, with PyTorch's update rules: Adam and AdamW (bias correction, amsgrad,
decoupled weight decay), Adamax (infinity norm), NAdam (Nesterov momentum) and RAdam
(rectified variance)."""

from __future__ import annotations

import math

from minigrad.optim.optimizer import (
    Optimizer,
    _count,
    _lerp,
    _scalar,
    _weight_decay,
    _zeros_like,
)


def _check(lr, eps, betas, weight_decay) -> None:
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if isinstance(betas, (tuple, list)) and len(betas) < 2:  # PyTorch reads betas[1]
        raise IndexError(f"tuple index out of range: betas must be (beta1, beta2), got {betas}")
    for i in range(2):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""

    _buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _scalars = ("step",)

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
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
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        if not state:
            state["step"] = _scalar()
            state["exp_avg"], state["exp_avg_sq"] = _zeros_like(p), _zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _zeros_like(p)
        lr, (beta1, beta2), xp = group["lr"], group["betas"], p.device.xp
        g = _weight_decay(group, p, g)
        step = _count(state)
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        scratch = _averages(xp, m, v, g, beta1, beta2)
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"].array
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        # NOTE: (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps), operation by operation
        # in the same order (the same values), into two temporaries instead of five
        denom = xp.sqrt(v, out=scratch)
        denom /= math.sqrt(1 - beta2**step)
        denom += group["eps"]
        update = m * (lr / (1 - beta1**step))
        update /= denom
        p.array -= update


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * wd before the Adam step."""

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )


class Adamax(Optimizer):
    """Adam with the infinity norm: u = max(b2 u, |g| + eps); p -= lr / (1 - b1^t) * m / u."""

    _buffers = ("exp_avg", "exp_inf")
    _scalars = ("step",)

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        if not state:
            state["step"] = _scalar()
            state["exp_avg"], state["exp_inf"] = _zeros_like(p), _zeros_like(p)
        (beta1, beta2), xp = group["betas"], p.device.xp
        step = _count(state)
        g = _weight_decay(group, p, g)
        m, u = state["exp_avg"].array, state["exp_inf"].array
        _lerp(xp, m, g, 1 - beta1)
        u *= beta2
        xp.maximum(u, xp.abs(g) + group["eps"], out=u)
        p.array -= (group["lr"] / (1 - beta1**step)) * m / u


class NAdam(Optimizer):
    """Adam with Nesterov momentum: the momentum coefficient mu_t = b1 (1 - 0.96^(t psi) / 2)
    (psi = momentum_decay) warms up; p -= lr ((1 - mu_t) g / (1 - prod mu) + mu_{t+1} m /
    (1 - prod mu * mu_{t+1})) / (sqrt(v / (1 - b2^t)) + eps)."""

    _buffers = ("exp_avg", "exp_avg_sq")
    _scalars = ("step", "mu_product")

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        _check(lr, eps, betas, weight_decay)
        if momentum_decay < 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        if not state:
            state["step"] = _scalar()
            state["mu_product"] = _scalar(1.0)
            state["exp_avg"], state["exp_avg_sq"] = _zeros_like(p), _zeros_like(p)
        lr, (beta1, beta2), psi = group["lr"], group["betas"], group["momentum_decay"]
        step = _count(state)
        g = _weight_decay(group, p, g)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        product = state["mu_product"].array
        product *= product.dtype.type(mu)  # NOTE: in the state's own dtype, as PyTorch
        product = float(product)
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        _averages(p.device.xp, m, v, g, beta1, beta2)
        denom = p.device.xp.sqrt(v / (1 - beta2**step)) + group["eps"]
        p.array += (-lr * (1.0 - mu) / (1.0 - product)) * g / denom
        p.array += (-lr * mu_next / (1.0 - product * mu_next)) * m / denom


class RAdam(Optimizer):
    """Adam with a rectified step: while the variance estimate is unreliable (rho_t <= 5) a
    plain momentum step p -= lr m / (1 - b1^t); after it, Adam's step times the rectification
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))."""

    _buffers = ("exp_avg", "exp_avg_sq")
    _scalars = ("step",)

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        if not state:
            state["step"] = _scalar()
            state["exp_avg"], state["exp_avg_sq"] = _zeros_like(p), _zeros_like(p)
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step = _count(state)
        g = _weight_decay(group, p, g)
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        _averages(p.device.xp, m, v, g, beta1, beta2)
        correction2 = 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / correction2
        scale = lr / (1 - beta1**step)
        if rho_t <= 5.0:
            p.array -= scale * m
            return
        rect = math.sqrt(
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )
        denom = p.device.xp.sqrt(v) + group["eps"]
        p.array -= (scale * math.sqrt(correction2) * rect) * m / denom


def _averages(xp, m, v, g, beta1: float, beta2: float):
    """The running mean and mean square of the gradient, in place; returns a temporary array
    of their shape that the caller may reuse."""
    scratch = _lerp(xp, m, g, 1 - beta1)
    v *= beta2
    # NOTE: (1 - b2) g g as Python computes it, ((1 - b2) g) g, into the temporary
    xp.multiply(g, 1 - beta2, out=scratch)
    scratch *= g
    v += scratch
    return scratch
