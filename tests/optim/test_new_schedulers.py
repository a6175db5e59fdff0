"""LinearLR, SequentialLR and ReduceLROnPlateau against PyTorch: the learning rate of every
group after each step, over enough steps to pass every milestone and plateau."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import optim


def _optimizers(lr=(0.1, 0.02)):
    """The same two-group SGD in both libraries."""
    made = []
    for lib, module in ((minigrad, optim), (torch, torch.optim)):
        w, b = lib.zeros(3, requires_grad=True), lib.zeros(1, requires_grad=True)
        groups = [{"params": [w], "lr": lr[0]}, {"params": [b], "lr": lr[1]}]
        made.append(module.SGD(groups, lr=lr[0], momentum=0.9))
    return made


def _lrs(opt):
    return [group["lr"] for group in opt.param_groups]


def _assert_same_lrs(opt, topt, step):
    np.testing.assert_allclose(_lrs(opt), _lrs(topt), rtol=1e-12, err_msg=f"step {step}")


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"start_factor": 0.1, "total_iters": 4}, {"start_factor": 1.0, "end_factor": 0.2}],
)
def test_linear_lr_matches_pytorch(kwargs):
    opt, topt = _optimizers()
    sched = optim.lr_scheduler.LinearLR(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.LinearLR(topt, **kwargs)
    for step in range(10):
        _assert_same_lrs(opt, topt, step)
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


def _warmup_then(lib, opt, second):
    sched = lib.optim.lr_scheduler
    warmup = sched.LinearLR(opt, start_factor=0.25, total_iters=3)
    if second == "exponential":
        after = sched.ExponentialLR(opt, gamma=0.8)
    elif second == "step":
        after = sched.StepLR(opt, step_size=2, gamma=0.5)
    else:
        after = sched.CosineAnnealingLR(opt, T_max=6, eta_min=0.001)
    return sched.SequentialLR(opt, [warmup, after], milestones=[3])


@pytest.mark.parametrize("second", ["exponential", "step", "cosine"])
def test_sequential_lr_warmup_matches_pytorch(second):
    opt, topt = _optimizers()
    sched, tsched = _warmup_then(minigrad, opt, second), _warmup_then(torch, topt, second)
    for step in range(12):
        _assert_same_lrs(opt, topt, step)
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


def test_sequential_lr_with_three_schedules_and_state_dict():
    def make(lib, opt):
        sched = lib.optim.lr_scheduler
        parts = [
            sched.LinearLR(opt, start_factor=0.5, total_iters=2),
            sched.StepLR(opt, step_size=1, gamma=0.9),
            sched.ExponentialLR(opt, gamma=0.5),
        ]
        return sched.SequentialLR(opt, parts, milestones=[2, 5])

    opt, topt = _optimizers()
    sched, tsched = make(minigrad, opt), make(torch, topt)
    for step in range(9):
        _assert_same_lrs(opt, topt, step)
        sched.step()
        tsched.step()
    fresh = make(minigrad, _optimizers()[0])
    fresh.load_state_dict(sched.state_dict())
    assert fresh.last_epoch == sched.last_epoch
    assert [s.last_epoch for s in fresh._schedulers] == [s.last_epoch for s in sched._schedulers]


def test_sequential_lr_checks_its_arguments():
    opt, _ = _optimizers()
    first = optim.lr_scheduler.LinearLR(opt)
    with pytest.raises(ValueError, match="number of milestone"):
        optim.lr_scheduler.SequentialLR(opt, [first], milestones=[2])
    other, _ = _optimizers()
    with pytest.raises(ValueError, match="same optimizer"):
        optim.lr_scheduler.SequentialLR(
            opt, [first, optim.lr_scheduler.LinearLR(other)], milestones=[2]
        )


METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 2},
        {"patience": 1, "cooldown": 2, "factor": 0.5},
        {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.01},
        {"patience": 0, "min_lr": [0.05, 0.001], "factor": 0.3},
        {"patience": 1, "threshold": 0.2, "eps": 0.05},
    ],
)
def test_reduce_lr_on_plateau_matches_pytorch(kwargs):
    opt, topt = _optimizers()
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    for step, metric in enumerate(METRICS):
        opt.step()
        topt.step()
        sched.step(minigrad.tensor(metric))
        tsched.step(torch.tensor(metric))
        _assert_same_lrs(opt, topt, step)
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert (sched.num_bad_epochs, sched.best) == (tsched.num_bad_epochs, tsched.best)


def test_reduce_lr_on_plateau_checks_its_arguments():
    opt, _ = _optimizers()
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        optim.lr_scheduler.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])
