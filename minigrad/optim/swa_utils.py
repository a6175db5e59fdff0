"""Stochastic Weight Averaging and exponential moving averages of weights (PyTorch's
`torch.optim.swa_utils`): `AveragedModel` keeps a running average of a model's parameters,
`SWALR` anneals each group's lr to a constant SWA lr, and `update_bn` recomputes BatchNorm
statistics for the averaged weights with one pass over the data."""

from __future__ import annotations

import copy
import itertools
import math

from minigrad.autograd.grad_mode import no_grad
from minigrad.creation import tensor
from minigrad.dtypes import int64
from minigrad.nn.modules.module import Module
from minigrad.nn.modules.normalization import _BatchNorm
from minigrad.optim.lr_scheduler import LRScheduler

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]


def get_swa_avg_fn():
    """avg + (current - avg) / (n + 1): the running mean of the n + 1 models seen."""

    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """decay * avg + (1 - decay) * current: an exponential moving average."""

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_multi_avg_fn():
    """The running mean, in place on lists of tensors (avg.lerp_(current, 1 / (n + 1)))."""

    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        for averaged, current in zip(averaged_param_list, current_param_list):
            if not averaged.is_floating_point():
                raise RuntimeError(  # PyTorch's addcdiv refuses integer tensors here too
                    "get_swa_multi_avg_fn: the running mean of an integer tensor (a BatchNorm's "
                    "num_batches_tracked with use_buffers=True) is not defined; use the "
                    "default average (no multi_avg_fn) instead"
                )
            averaged.lerp_(current, 1 / (num_averaged + 1))

    return swa_update


def get_ema_multi_avg_fn(decay: float = 0.999):
    """The exponential moving average, in place on lists of tensors (avg.lerp_(current,
    1 - decay))."""

    @no_grad()
    def ema_update(ema_param_list, current_param_list, num_averaged):
        for ema, current in zip(ema_param_list, current_param_list):
            ema.lerp_(current, 1 - decay)

    return ema_update


class AveragedModel(Module):
    """A copy of model (`module`) whose parameters are the average of the models given to
    update_parameters (SWA: the running mean; avg_fn / multi_avg_fn: another average, e.g.
    get_ema_multi_avg_fn); `n_averaged` counts them. Buffers follow the last model, or are
    averaged too with use_buffers=True. Calling it calls the averaged module."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=int64, device=device))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, module):
        if self.use_buffers:
            return list(itertools.chain(module.parameters(), module.buffers()))
        return list(module.parameters())

    def update_parameters(self, model) -> None:
        """Fold model's current parameters into the average (the first call copies them)."""
        with no_grad():
            averaged = [p.detach() for p in self._averaged(self.module)]
            current = [p.detach().to(a.device) for p, a in zip(self._averaged(model), averaged)]
            n = int(self.n_averaged.item())
            if n == 0:
                for a, c in zip(averaged, current):
                    a.copy_(c)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(averaged, current, self.n_averaged)
            else:
                avg_fn = self.avg_fn or get_swa_avg_fn()
                for a, c in zip(averaged, current):
                    a.copy_(avg_fn(a, c, self.n_averaged))
            if not self.use_buffers:  # the buffers follow the model being averaged
                for b_averaged, b_model in zip(self.module.buffers(), model.buffers()):
                    b_averaged.detach().copy_(b_model.detach().to(b_averaged.device))
            self.n_averaged += 1


@no_grad()
def update_bn(loader, model, device=None) -> None:
    """Recompute the running mean and variance of model's BatchNorm layers with one pass over
    loader (a batch, or its first entry when it is a list or tuple), as plain averages over
    the batches (momentum None), in train mode; the model's mode is restored after."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (tuple, list)):  # (input, target) batches: the input
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its value to swa_lr over anneal_epochs steps ('cos' or
    'linear'), then hold it there."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else None
        if swa_lrs is not None and len(swa_lrs) != len(optimizer.param_groups):
            raise ValueError(
                f"swa_lr must have the same length as optimizer.param_groups: swa_lr has "
                f"{len(swa_lrs)}, optimizer.param_groups has {len(optimizer.param_groups)}"
            )
        for lr, group in zip(
            swa_lrs or [swa_lr] * len(optimizer.param_groups), optimizer.param_groups
        ):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must by one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self.anneal_func = self._cos_anneal if anneal_strategy == "cos" else self._linear_anneal
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cos_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [
            self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
            for group in self.optimizer.param_groups
        ]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [
            group["swa_lr"] * alpha + lr * (1 - alpha)
            for group, lr in zip(self.optimizer.param_groups, prev_lrs)
        ]
