"""RMSprop, Adagrad and Adadelta: per-element step sizes from running squared-gradient
statistics."""

from __future__ import annotations

from minigrad.optim.optimizer import (
    Optimizer,
    _count,
    _lerp,
    _scalar,
    _weight_decay,
    _zeros_like,
)
from minigrad.tensor import Tensor


def _check_nonnegative(**settings) -> None:
    """PyTorch's ValueError for the first negative setting, checked in PyTorch's order."""
    for name, value in settings.items():
        if value < 0.0:
            what = "learning rate" if name == "lr" else f"{name} value"
            raise ValueError(f"Invalid {what}: {value}")


class RMSprop(Optimizer):
    """s = alpha s + (1 - alpha) g^2; p -= lr g / (sqrt(s [- mean(g)^2 if centered]) + eps),
    through a momentum buffer when momentum > 0."""

    _buffers = ("square_avg", "momentum_buffer", "grad_avg")
    _scalars = ("step",)

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        _check_nonnegative(
            lr=lr, epsilon=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha
        )
        defaults = dict(
            lr=lr,  # PyTorch's order, which print(optimizer.state_dict()) shows
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        xp = p.device.xp
        if not state:
            state["step"] = _scalar()
            state["square_avg"] = _zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = _zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = _zeros_like(p)
        _count(state)
        alpha = group["alpha"]
        g = _weight_decay(group, p, g)
        # NOTE: each formula operation by operation in the order Python evaluates it (the same
        # values), into reused temporaries (two a step instead of six)
        square_avg = state["square_avg"].array
        square_avg *= alpha
        avg = xp.asarray(xp.multiply(g, 1 - alpha))  # NOTE: an array, even 0-d
        avg *= g
        square_avg += avg
        if group["centered"]:
            grad_avg = state["grad_avg"].array
            _lerp(xp, grad_avg, g, 1 - alpha)
            xp.multiply(grad_avg, grad_avg, out=avg)
            xp.subtract(square_avg, avg, out=avg)
            xp.sqrt(avg, out=avg)
        else:
            xp.sqrt(square_avg, out=avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"].array
            buf *= group["momentum"]
            buf += xp.divide(g, avg, out=avg)
            update = buf * group["lr"]
        else:
            update = g * group["lr"]
            update /= avg
        p.array -= update


class Adagrad(Optimizer):
    """s += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)."""

    _buffers = ("sum",)
    _scalars = ("step",)

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        _check_nonnegative(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            epsilon=eps,
        )
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates Adagrad's state up front
            for p in group["params"]:
                self.state[p] = {
                    "step": _scalar(),
                    "sum": Tensor._make(
                        p.device.xp.full_like(p.array, group["initial_accumulator_value"])
                    ),
                }

    def _update(self, group, p, g, state):
        step = _count(state)
        g = _weight_decay(group, p, g)
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total, xp = state["sum"].array, p.device.xp
        denom = xp.asarray(g * g)  # NOTE: an array, even 0-d
        total += denom
        xp.sqrt(total, out=denom)
        denom += group["eps"]
        update = g * clr
        update /= denom
        p.array -= update


class Adadelta(Optimizer):
    """s = rho s + (1 - rho) g^2; d = sqrt(a + eps) / sqrt(s + eps) g; a = rho a + (1 - rho) d^2;
    p -= lr d (a: the running mean square of the updates)."""

    _buffers = ("square_avg", "acc_delta")
    _scalars = ("step",)

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, p, g, state):
        xp = p.device.xp
        if not state:
            state["step"] = _scalar()
            state["square_avg"] = _zeros_like(p)
            state["acc_delta"] = _zeros_like(p)
        _count(state)
        rho, eps = group["rho"], group["eps"]
        g = _weight_decay(group, p, g)
        square_avg, acc_delta = state["square_avg"].array, state["acc_delta"].array
        # NOTE: in place into three buffers, the same operations in the same order as the
        # formulas (PyTorch's too): a new array per operation cost page faults on every step
        # (fc1 of PyTorch's MNIST example holds 1.2 M values). xp.asarray: arrays, even 0-d.
        square = xp.asarray(xp.multiply(g, 1 - rho))
        square *= g
        square_avg *= rho
        square_avg += square
        std = xp.sqrt(square_avg + eps)
        delta = xp.asarray(acc_delta + eps)
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        acc_delta *= rho
        xp.multiply(delta, 1 - rho, out=square)
        square *= delta
        acc_delta += square
        delta *= group["lr"]
        p.array -= delta
