"""Every scheduler against PyTorch over 40 steps: the learning rates (two groups), momentum
where it cycles, get_last_lr, last_epoch and the state dict's keys; chained schedules (whose
factors must multiply), the deprecated step(epoch), resuming from last_epoch, and the new
ConstantLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR and
ChainedScheduler."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from test_new_schedulers import _optimizers

import minigrad
from minigrad import optim


def _halve_every_third(epoch):
    return 0.5 if epoch % 3 == 0 else 1.0


class _Decay:
    """A callable object: its attributes go into the state dict (a plain function's cannot)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate**epoch


SCHEDULES = {
    "StepLR": dict(step_size=4, gamma=0.5),
    "MultiStepLR": dict(milestones=[3, 7, 7, 20], gamma=0.3),
    "ExponentialLR": dict(gamma=0.9),
    "CosineAnnealingLR": dict(T_max=7, eta_min=0.001),
    "LambdaLR": dict(lr_lambda=lambda e: 1 / (1 + e)),
    "MultiplicativeLR": dict(lr_lambda=_halve_every_third),
    "ConstantLR": dict(factor=0.25, total_iters=6),
    "LinearLR": dict(start_factor=0.2, end_factor=0.9, total_iters=9),
    "PolynomialLR": dict(total_iters=25, power=2.0),
    "CosineAnnealingWarmRestarts": dict(T_0=3, T_mult=2, eta_min=0.005),
    "CyclicLR": dict(base_lr=0.01, max_lr=[0.1, 0.05], step_size_up=4, step_size_down=6),
    "CyclicLR-triangular2": dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2"),
    "CyclicLR-exp_range": dict(
        base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.95
    ),
    "CyclicLR-scale_fn": dict(
        base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=_Decay(0.9), scale_mode="iterations"
    ),
    "OneCycleLR": dict(max_lr=0.5, total_steps=41),
}


def _make(lib, opt, key, kwargs=None):
    name = key.split("-")[0]
    return getattr(lib.optim.lr_scheduler, name)(
        opt, **(SCHEDULES[key] if kwargs is None else kwargs)
    )


def _compare(sched, tsched, opt, topt, step):
    where = f"step {step}"
    np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12, err_msg=where)
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        assert group["lr"] == pytest.approx(tgroup["lr"], rel=1e-12), where
        assert group["momentum"] == pytest.approx(tgroup["momentum"], rel=1e-12), where
    assert sched.last_epoch == tsched.last_epoch, where


@pytest.mark.parametrize("key", list(SCHEDULES))
def test_schedule_matches_pytorch_over_40_steps(key):
    opt, topt = _optimizers()
    sched, tsched = _make(minigrad, opt, key), _make(torch, topt, key)
    _compare(sched, tsched, opt, topt, 0)
    for step in range(1, 41):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        _compare(sched, tsched, opt, topt, step)
    state, tstate = sched.state_dict(), tsched.state_dict()
    assert state.keys() == tstate.keys() - {"_scale_fn_ref"}
    for name in ("last_epoch", "_step_count", "base_lrs", "_last_lr"):
        if name in tstate:
            assert state[name] == pytest.approx(tstate[name], rel=1e-12), name


@pytest.mark.parametrize("key", list(SCHEDULES))
def test_state_dict_round_trip_resumes_the_schedule(key):
    opt, _ = _optimizers()
    sched = _make(minigrad, opt, key)
    for _ in range(9):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2, _ = _optimizers()
    resumed = _make(minigrad, opt2, key)  # made first, then both loaded: PyTorch's order
    opt2.load_state_dict(opt.state_dict())
    resumed.load_state_dict(state)
    for _ in range(9):
        for o, s in ((opt, sched), (opt2, resumed)):
            o.step()
            s.step()
        assert resumed.get_last_lr() == pytest.approx(sched.get_last_lr(), rel=1e-12)
        assert resumed.last_epoch == sched.last_epoch


def test_callable_objects_keep_their_attributes_in_state_dicts():
    opt, topt = _optimizers()
    sched = minigrad.optim.lr_scheduler.LambdaLR(opt, [_Decay(0.5), lambda e: 1.0])
    tsched = torch.optim.lr_scheduler.LambdaLR(topt, [_Decay(0.5), lambda e: 1.0])
    assert sched.state_dict()["lr_lambdas"] == tsched.state_dict()["lr_lambdas"]
    assert sched.state_dict()["lr_lambdas"] == [{"rate": 0.5}, None]
    other = minigrad.optim.lr_scheduler.LambdaLR(opt, [_Decay(0.1), lambda e: 1.0])
    other.load_state_dict(sched.state_dict())
    assert other.lr_lambdas[0].rate == 0.5
    cyclic = minigrad.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=_Decay(0.7))
    assert cyclic.state_dict()["_scale_fn_custom"] == {"rate": 0.7}


CHAINS = [
    [("ConstantLR", dict(factor=0.1, total_iters=4)), ("ExponentialLR", dict(gamma=0.9))],
    [("LinearLR", dict(start_factor=0.5, total_iters=5)), ("CosineAnnealingLR", dict(T_max=12))],
    [
        ("StepLR", dict(step_size=5, gamma=0.5)),
        ("MultiplicativeLR", dict(lr_lambda=_halve_every_third)),
    ],
    [
        ("MultiStepLR", dict(milestones=[6, 11], gamma=0.2)),
        ("PolynomialLR", dict(total_iters=30, power=0.5)),
        ("ConstantLR", dict(factor=0.5, total_iters=3)),
    ],
]


@pytest.mark.parametrize("chain", CHAINS, ids=["+".join(n for n, _ in c) for c in CHAINS])
def test_chained_scheduler_multiplies_the_factors_as_pytorch(chain):
    made = []
    for lib, opt in zip((minigrad, torch), _optimizers()):
        inner = [getattr(lib.optim.lr_scheduler, n)(opt, **kw) for n, kw in chain]
        made.append((opt, lib.optim.lr_scheduler.ChainedScheduler(inner, optimizer=opt)))
    (opt, sched), (topt, tsched) = made
    for step in range(35):
        _compare_chain(sched, tsched, opt, topt, step)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    state, tstate = sched.state_dict(), tsched.state_dict()
    assert state.keys() == tstate.keys()
    assert [s.keys() for s in state["_schedulers"]] == [s.keys() for s in tstate["_schedulers"]]


def _compare_chain(sched, tsched, opt, topt, step):
    np.testing.assert_allclose(
        sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12, err_msg=f"step {step}"
    )
    np.testing.assert_allclose(
        [g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups], rtol=1e-12
    )


def test_sequential_lr_of_chained_schedules_matches_pytorch():
    made = []
    for lib, opt in zip((minigrad, torch), _optimizers()):
        sched = lib.optim.lr_scheduler
        warmup = sched.ChainedScheduler(
            [
                sched.ConstantLR(opt, factor=0.5, total_iters=2),
                sched.LinearLR(opt, 0.2, total_iters=4),
            ]
        )
        decay = sched.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
        made.append((opt, sched.SequentialLR(opt, [warmup, decay], milestones=[5])))
    (opt, seq), (topt, tseq) = made
    for step in range(30):
        _compare_chain(seq, tseq, opt, topt, step)
        opt.step()
        topt.step()
        seq.step()
        tseq.step()


@pytest.mark.parametrize(
    "key",
    [
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "ConstantLR",
        "LinearLR",
        "PolynomialLR",
        "CosineAnnealingWarmRestarts",
    ],
)
def test_step_with_an_epoch_uses_the_closed_form_and_warns(key):
    opt, topt = _optimizers()
    sched, tsched = _make(minigrad, opt, key), _make(torch, topt, key)
    for epoch in [3, 1, 8, 15, 2, 30]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tsched.step(epoch)
        deprecated = any("epoch parameter" in str(w.message) for w in caught)
        assert deprecated == (key != "CosineAnnealingWarmRestarts")
        _compare(sched, tsched, opt, topt, epoch)


@pytest.mark.parametrize(
    "key", ["StepLR", "CosineAnnealingLR", "ExponentialLR", "CosineAnnealingWarmRestarts"]
)
def test_resuming_from_last_epoch_matches_pytorch(key):
    opt, topt = _optimizers()
    for o in (opt, topt):
        for group in o.param_groups:
            group["initial_lr"] = group["lr"]
    kwargs = dict(SCHEDULES[key], last_epoch=6)
    sched, tsched = _make(minigrad, opt, key, kwargs), _make(torch, topt, key, kwargs)
    for step in range(7, 20):
        _compare(sched, tsched, opt, topt, step)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


@pytest.mark.parametrize("key", list(SCHEDULES))
def test_get_lr_outside_step_warns_as_pytorch(key):
    opt, topt = _optimizers()
    sched, tsched = _make(minigrad, opt, key), _make(torch, topt, key)
    for s in (sched, tsched):
        with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
            s.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()  # first, or step() warns of the order (as PyTorch's)
        sched.step()


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda o: optim.lr_scheduler.ConstantLR(o, factor=1.5), ValueError, "between 0 and 1"),
        (
            lambda o: optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
            ValueError,
            "positive integer T_0",
        ),
        (
            lambda o: optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 2, T_mult=0),
            ValueError,
            "T_mult >= 1",
        ),
        (
            lambda o: optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="sawtooth"),
            ValueError,
            "mode is invalid",
        ),
        (
            lambda o: optim.lr_scheduler.MultiplicativeLR(o, lr_lambda=0.5),
            TypeError,
            "should be a function",
        ),
        (lambda o: optim.lr_scheduler.ChainedScheduler([]), ValueError, "at least one scheduler"),
        (
            lambda o: optim.lr_scheduler.ChainedScheduler(
                [optim.lr_scheduler.ReduceLROnPlateau(o)]
            ),
            ValueError,
            "does not support `ReduceLROnPlateau`",
        ),
    ],
)
def test_new_schedulers_check_their_arguments(make, error, message):
    opt, _ = _optimizers()
    with pytest.raises(error, match=message):
        make(opt)


def test_cyclic_lr_needs_momentum_to_cycle_and_cycles_adams_beta1():
    w = minigrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="momentum or beta1"):
        optim.lr_scheduler.CyclicLR(optim.Adagrad([w]), 0.01, 0.1)
    opt = optim.Adam([w])
    topt = torch.optim.Adam([torch.zeros(2, requires_grad=True)])
    sched = optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=3)
    tsched = torch.optim.lr_scheduler.CyclicLR(topt, 0.01, 0.1, step_size_up=3)
    for _ in range(8):
        sched.step()
        tsched.step()
        assert opt.param_groups[0]["betas"] == pytest.approx(topt.param_groups[0]["betas"])


@pytest.mark.parametrize("min_lr", [0.001, [0.001, 0.002]], ids=["one", "per-group"])
def test_reduce_lr_on_plateau_state_and_groups_added_later_as_pytorch(min_lr):
    opt, topt = _optimizers()
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=min_lr)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, patience=0, min_lr=min_lr)
    assert sched.state_dict().keys() == tsched.state_dict().keys()
    opt.add_param_group({"params": [minigrad.zeros(2, requires_grad=True)], "lr": 0.5})
    topt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": 0.5})
    for metric in [1.0, 2.0, 3.0]:
        if isinstance(min_lr, list) and metric > 1.0:
            for s in (sched, tsched):
                with pytest.raises(RuntimeError, match="number of param groups"):
                    s.step(metric)
            return
        sched.step(metric)
        tsched.step(metric)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
