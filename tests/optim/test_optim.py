"""Optimizers and schedulers against PyTorch: the same weights and gradients give the same
updates over several steps; state dicts round-trip."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad import optim

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99))),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
]


def _params(lib, n=2):
    rng = np.random.default_rng(0)
    return [lib.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4,)][:n]]


def _loss(lib, params, step):
    w, b = params
    x = lib.tensor(np.random.default_rng(step).standard_normal((5, 3)))
    return ((x @ w + b).tanh() ** 2).sum() + (w * w).sum() * 0.1


@pytest.mark.parametrize(
    "name, kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)]
)
def test_optimizer_matches_pytorch(name, kwargs):
    ours, theirs = _params(minigrad), _params(torch)
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(5):
        for lib, o, ps in ((minigrad, opt, ours), (torch, topt, theirs)):
            o.zero_grad()
            _loss(lib, ps, step).backward()
            o.step()
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name",
    ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"],
)
def test_default_settings_print_as_pytorchs(name):
    """print(optimizer) and print(optimizer.state_dict()) with the default settings show
    PyTorch's text: its defaults are ints where PyTorch's are (`weight_decay: 0`, not 0.0),
    and the group's keys come in PyTorch's order."""
    kwargs = {"lr": 0.1} if name == "SGD" else {}
    ours = getattr(optim, name)([minigrad.zeros(2, requires_grad=True)], **kwargs)
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    assert repr(ours) == repr(theirs)
    assert repr(ours.state_dict()) == repr(theirs.state_dict())


def test_param_groups_and_state_dict_round_trip():
    w, b = _params(minigrad)
    opt = optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.01)
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[0]["betas"] == (0.9, 0.999)
    _loss(minigrad, [w, b], 0).backward()
    opt.step()
    state = opt.state_dict()
    assert set(state["state"]) == {0, 1} and state["param_groups"][1]["params"] == [1]
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    w2, b2 = _params(minigrad)
    w2.data, b2.data = w.detach().clone(), b.detach().clone()
    opt2 = optim.Adam([{"params": [w2]}, {"params": [b2]}], lr=0.3)
    opt2.load_state_dict(copy.deepcopy(state))  # the copy a checkpoint on disk would be
    assert opt2.param_groups[1]["lr"] == 0.5
    for o, ps in ((opt, (w, b)), (opt2, (w2, b2))):
        o.zero_grad()
        _loss(minigrad, list(ps), 1).backward()
        o.step()
    np.testing.assert_allclose(w2.detach().numpy(), w.detach().numpy())


def test_loaded_optimizer_state_is_the_loaded_tensors_as_in_pytorch():
    """load_state_dict takes the state tensors as they are (PyTorch casts them with .to(),
    which returns the tensor itself when nothing changes): the optimizer's state_dict and a
    second optimizer loaded from it share them, so steps of either advance both."""
    results = []
    for lib in (torch, minigrad):
        w = lib.tensor([0.5, -1.0], requires_grad=True)
        opt = lib.optim.Adam([w], lr=0.1)
        w.grad = lib.tensor([1.0, 2.0])
        opt.step()
        state = opt.state_dict()
        w2 = lib.tensor([0.5, -1.0], requires_grad=True)
        opt2 = lib.optim.Adam([w2], lr=0.1)
        opt2.load_state_dict(state)
        w2.grad = lib.tensor([3.0, 1.0])
        opt2.step()
        shared = state["state"][0]["exp_avg"]
        assert shared is opt2.state[w2]["exp_avg"] and shared is opt.state[w]["exp_avg"]
        results.append([float(state["state"][0]["step"]), shared.tolist(), w2.tolist()])
    assert results[1][0] == results[0][0] == 2.0
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)
    np.testing.assert_allclose(results[1][2], results[0][2], rtol=1e-6)


def test_named_parameters_are_kept_as_param_names():
    """optim.AdamW(model.named_parameters()) (PyTorch 2.6): the tensors are optimized, their
    names kept in the group as "param_names" (in the state_dict, its key order and the
    repr as PyTorch's); names on some parameters only, or on some groups only, raise."""

    def build(lib):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 1))
        groups = [
            {"params": model[0].named_parameters(), "lr": 0.1},
            {"params": model[1].named_parameters(prefix="1")},
        ]
        return model, lib.optim.AdamW(groups, lr=0.01)

    (model, opt), (_, topt) = build(minigrad), build(torch)
    assert [p is q for p, q in zip(opt.param_groups[0]["params"], model[0].parameters())] == [
        True,
        True,
    ]
    ours, theirs = opt.state_dict()["param_groups"], topt.state_dict()["param_groups"]
    assert [list(g) for g in ours] == [list(g) for g in theirs]
    assert [g["param_names"] for g in ours] == [["weight", "bias"], ["1.weight", "1.bias"]]
    assert "param_names: ['weight', 'bias']" in repr(opt)
    with pytest.raises(ValueError, match="Some param names are missing"):
        optim.SGD([("w", model[0].weight), model[0].bias], lr=0.1)
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": model[1].parameters()})


def test_a_parameter_twice_in_a_group_warns_and_steps_twice_as_pytorch():
    """PyTorch warns (a future error) and keeps both entries: the parameter moves twice."""
    results = []
    for lib in (minigrad, torch):
        p = lib.nn.Parameter(lib.ones(1))
        with pytest.warns(UserWarning, match="parameter group with duplicate parameters"):
            opt = lib.optim.SGD([{"params": [p, p]}], lr=0.1)
        p.grad = lib.ones(1)
        opt.step()
        results.append(p.item())
    np.testing.assert_allclose(results[0], results[1])


def _custom_sgd(lib):
    """A momentum SGD written as PyTorch's docs write a custom optimizer: it reads
    `self.state[p]` for a parameter it has not seen yet (a defaultdict in PyTorch)."""

    class MySGD(lib.optim.Optimizer):
        def __init__(self, params, lr=0.1, momentum=0.9):
            super().__init__(params, {"lr": lr, "momentum": momentum})

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = lib.zeros_like(p)
                    state["buf"].mul_(group["momentum"]).add_(p.grad)
                    p.add_(state["buf"], alpha=-group["lr"])

    return MySGD


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_a_custom_optimizer_reads_new_state_entries(lib):
    w = lib.nn.Parameter(lib.ones(3))
    opt = _custom_sgd(lib)([w])
    for _ in range(3):
        opt.zero_grad()
        (w * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.439, -0.122, -0.683], atol=1e-5)
    again = _custom_sgd(lib)([w])
    again.load_state_dict(opt.state_dict())
    np.testing.assert_allclose(again.state[w]["buf"].numpy(), [2.71, 5.42, 8.13], atol=1e-5)
    assert again.state[lib.zeros(1)] == {}  # still a defaultdict after loading


def test_optimizer_errors():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(_params(minigrad), lr=0.1, nesterov=True)
    with pytest.raises(TypeError):
        optim.SGD(minigrad.zeros(2, requires_grad=True), lr=0.1)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5), "SGD"),
    ("MultiStepLR", dict(milestones=[2, 5], gamma=0.3), "SGD"),
    ("ExponentialLR", dict(gamma=0.9), "SGD"),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01), "SGD"),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e)), "SGD"),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=10), "SGD"),
    (
        "OneCycleLR",
        dict(max_lr=0.1, total_steps=10, anneal_strategy="linear", three_phase=True),
        "Adam",
    ),
]


@pytest.mark.parametrize(
    "name, kwargs, opt_name", SCHEDULERS, ids=[f"{s[0]}-{s[2]}" for s in SCHEDULERS]
)
def test_scheduler_matches_pytorch(name, kwargs, opt_name):
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = getattr(optim, opt_name)(_params(minigrad), lr=0.1, **extra)
    topt = getattr(torch.optim, opt_name)(_params(torch), lr=0.1, **extra)
    sched = getattr(optim.lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for _ in range(9):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-9)
        for key in ("momentum", "betas"):
            if key in topt.param_groups[0]:
                assert opt.param_groups[0][key] == pytest.approx(topt.param_groups[0][key])


def test_scheduler_state_dict():
    opt = optim.SGD(_params(minigrad), lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, 2, 0.5)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    fresh = optim.lr_scheduler.StepLR(optim.SGD(_params(minigrad), lr=1.0), 2, 0.5)
    fresh.load_state_dict(state)
    assert fresh.last_epoch == 3 and fresh.get_last_lr() == [0.5]


@pytest.mark.parametrize("order", ["scheduler_first", "optimizer_first", "step_before_scheduler"])
@pytest.mark.parametrize(
    "make",
    [
        lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 1),
        lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=5),
        lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2),
        lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o),
    ],
)
def test_scheduler_stepped_before_the_optimizer_warns_as_pytorch(make, order):
    """The classic slip, `scheduler.step()` before `optimizer.step()` in the first epoch:
    PyTorch's warning, once, from the schedulers that give it (not from those with their own
    step, as PyTorch's); a step() made before the scheduler existed does not count."""

    def program(lib):
        optimizer = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        if order == "step_before_scheduler":
            optimizer.step()
        scheduler = make(lib, optimizer)
        step = (lambda: scheduler.step(1.0)) if "Plateau" in type(scheduler).__name__ else None
        step = step or scheduler.step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                if order == "optimizer_first":
                    optimizer.step()
                step()
                optimizer.step()
        return [str(w.message) for w in caught if "optimizer.step()" in str(w.message)]

    assert program(minigrad) == program(torch)
