"""A checkpoint's optimizer or scheduler state is hostile input: each malformed state dict is
loaded into PyTorch and into minigrad. Where PyTorch refuses it at load, minigrad raises the same
exception type (and PyTorch's message where it has one of its own); where PyTorch loads it and
then fails inside step(), minigrad refuses it at load, naming the optimizer, the parameter id and
the shapes; where PyTorch takes it, minigrad gives PyTorch's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minigrad

SHAPES = [(3,), (2, 2)]


def _stepped(lib, name: str):
    """Optimizer `name` over two parameters, stepped once (so each has a state)."""
    params = [lib.tensor(np.full(s, 1.0, np.float32), requires_grad=True) for s in SHAPES]
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    opt = getattr(lib.optim, name)(params, lr=0.1, **kwargs)
    for p in params:
        p.grad = lib.ones_like(p)
    opt.step()
    return params, opt


def _outcome(lib, name: str, edit):
    """("load" or "step", the exception) where it fails, else ("ok", the parameters after one
    more step from the loaded state)."""
    params, opt = _stepped(lib, name)
    state_dict = opt.state_dict()
    edit(lib, state_dict)
    try:
        opt.load_state_dict(state_dict)
    except Exception as exc:  # the exception is the outcome compared
        return "load", exc
    try:
        opt.step()
    except Exception as exc:
        return "step", exc
    return "ok", [p.detach().numpy().copy() for p in params]


def _set(path, value):
    """An edit: state_dict[path[0]][path[1]]... = value(lib) (value a callable of lib)."""

    def edit(lib, state_dict):
        target = state_dict
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value(lib) if callable(value) else value

    return edit


def _pop(*path):
    def edit(lib, state_dict):
        target = state_dict
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return edit


# PyTorch refuses these at load: minigrad raises the same exception type there
REFUSED_AT_LOAD = {
    "no param_groups": ("SGD", _pop("param_groups")),
    "no state": ("SGD", _pop("state")),
    "param_groups an int": ("SGD", _set(["param_groups"], 5)),
    "param_groups a dict": ("SGD", _set(["param_groups"], {"lr": 0.1})),
    "a group an int": ("SGD", _set(["param_groups", 0], 5)),
    "a group a list": ("SGD", _set(["param_groups", 0], [0, 1])),
    "a group without params": ("SGD", _pop("param_groups", 0, "params")),
    "params an int": ("SGD", _set(["param_groups", 0, "params"], 5)),
    "a params id a list": ("SGD", _set(["param_groups", 0, "params"], [[0], [1]])),
    "one group too many": ("SGD", lambda lib, sd: sd["param_groups"].append({"params": []})),
    "one params id too many": ("SGD", _set(["param_groups", 0, "params"], [0, 1, 2])),
    "state a list": ("SGD", _set(["state"], [1])),
    "a string step": ("Adam", _set(["state", 0, "step"], "3")),
    "a step too large for a float": ("Adam", _set(["state", 0, "step"], 10**400)),
    "no step": ("Adam", _pop("state", 0, "step")),
}


@pytest.mark.parametrize("case", REFUSED_AT_LOAD)
def test_refused_at_load_as_pytorch(case):
    name, edit = REFUSED_AT_LOAD[case]
    when, expected = _outcome(torch, name, edit)
    assert when == "load"
    when, exc = _outcome(minigrad, name, edit)
    assert when == "load"
    assert type(exc) is type(expected), (exc, expected)


@pytest.mark.parametrize(
    "case",
    ["one group too many", "one params id too many"],
)
def test_group_mismatch_messages_are_pytorchs(case):
    """PyTorch's own sentence, then the numbers minigrad adds."""
    name, edit = REFUSED_AT_LOAD[case]
    _, expected = _outcome(torch, name, edit)
    _, exc = _outcome(minigrad, name, edit)
    assert str(exc).startswith(str(expected)), (exc, expected)


def _zeros(*shape, dtype="float32"):
    return lambda lib: lib.zeros(shape, dtype=getattr(lib, dtype))


# PyTorch loads these and fails inside step() (a broadcast error, "'str' object has no
# attribute 'mul_'"): minigrad refuses them at load, saying which entry of which parameter
STEP_FAILS = {
    "momentum buffer too long": ("SGD", _set(["state", 0, "momentum_buffer"], _zeros(4))),
    "momentum buffer of one": ("SGD", _set(["state", 0, "momentum_buffer"], _zeros(1))),
    "momentum buffer broadcasting": ("SGD", _set(["state", 0, "momentum_buffer"], _zeros(2, 3))),
    "momentum buffer 0-d": ("SGD", _set(["state", 0, "momentum_buffer"], _zeros())),
    "exp_avg of another shape": ("Adam", _set(["state", 1, "exp_avg"], _zeros(4))),
    "ids swapped": ("SGD", _set(["param_groups", 0, "params"], [1, 0])),
    "ids repeated": ("SGD", _set(["param_groups", 0, "params"], [0, 0])),
    "momentum buffer a string": ("SGD", _set(["state", 0, "momentum_buffer"], "abc")),
    "momentum buffer a dict": ("SGD", _set(["state", 0, "momentum_buffer"], {"a": 1})),
    "momentum buffer a huge list": ("SGD", _set(["state", 0, "momentum_buffer"], [0.0] * 10**6)),
    "exp_avg None": ("Adam", _set(["state", 0, "exp_avg"], None)),
    "a state a list": ("SGD", _set(["state", 0], [1])),
    "a state a tensor": ("SGD", _set(["state", 0], _zeros(3))),
    "a step of 3 elements": ("Adam", _set(["state", 0, "step"], _zeros(3))),
    "a string lr": ("SGD", _set(["param_groups", 0, "lr"], "0.1")),
}


@pytest.mark.parametrize("case", STEP_FAILS)
def test_what_pytorch_fails_on_at_step_is_refused_at_load(case):
    name, edit = STEP_FAILS[case]
    when, expected = _outcome(torch, name, edit)
    assert when == "step"
    when, exc = _outcome(minigrad, name, edit)
    assert when == "load"
    assert isinstance(exc, (RuntimeError, TypeError)), exc


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("momentum buffer too long", ["SGD", "id 0", "'momentum_buffer'", "(4,)", "(3,)"]),
        ("momentum buffer broadcasting", ["SGD", "id 0", "(2, 3)", "(3,)"]),
        ("exp_avg of another shape", ["Adam", "id 1", "'exp_avg'", "(4,)", "(2, 2)"]),
        ("ids swapped", ["SGD", "id 0", "parameter 1", "(3,)", "(2, 2)"]),
        ("momentum buffer a string", ["SGD", "id 0", "'momentum_buffer'", "str"]),
        ("a string lr", ["parameter group 0", "lr", "str"]),
    ],
)
def test_refusals_name_the_optimizer_the_parameter_and_the_shapes(case, words):
    name, edit = STEP_FAILS[case]
    _, exc = _outcome(minigrad, name, edit)
    expected_type = TypeError if "str" in words else RuntimeError
    assert type(exc) is expected_type
    for word in words:
        assert word in str(exc), (word, str(exc))


# PyTorch takes these: minigrad too, with PyTorch's numbers after one more step
ACCEPTED = {
    "ids of another type": ("SGD", _set(["param_groups", 0, "params"], ["a", "b"])),
    "state under an id no group lists": ("SGD", _set(["state", 5], {"momentum_buffer": 1})),
    "float ids": ("SGD", _set(["param_groups", 0, "params"], [0.0, 1.0])),
    "momentum buffer None": ("SGD", _set(["state", 0, "momentum_buffer"], None)),
    "momentum buffer of integers": (
        "SGD",
        _set(["state", 0, "momentum_buffer"], _zeros(3, dtype="int64")),
    ),
    "a float step": ("Adam", _set(["state", 0, "step"], 3.0)),
    "an absurd int step": ("Adam", _set(["state", 0, "step"], 10**30)),
    "an absurd step tensor": ("Adam", _set(["state", 0, "step"], lambda lib: lib.tensor(1e30))),
    "a NaN step": ("Adam", _set(["state", 0, "step"], lambda lib: lib.tensor(math.nan))),
    "a NaN lr": ("SGD", _set(["param_groups", 0, "lr"], math.nan)),
    "a NumPy lr": ("SGD", _set(["param_groups", 0, "lr"], np.float32(0.05))),
    "a NumPy step": ("Adam", _set(["state", 0, "step"], np.int64(7))),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_as_pytorch(case):
    name, edit = ACCEPTED[case]
    when, expected = _outcome(torch, name, edit)
    assert when == "ok"
    when, got = _outcome(minigrad, name, edit)
    assert when == "ok", got
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)


def test_state_under_an_unlisted_id_comes_back_in_state_dict():
    """PyTorch keeps such state as it is (its backward compatibility) and saves it again."""
    got = []
    for lib in (torch, minigrad):
        _, opt = _stepped(lib, "SGD")
        state_dict = opt.state_dict()
        state_dict["state"][5] = {"note": "kept"}
        opt.load_state_dict(state_dict)
        got.append(opt.state_dict()["state"][5])
    assert got[0] == got[1] == {"note": "kept"}


def test_a_refused_load_changes_nothing():
    """The checks run before anything is replaced: after a refused load the optimizer steps
    on from its own state, as PyTorch's that never loaded it."""
    torch_params, torch_opt = _stepped(torch, "SGD")
    params, opt = _stepped(minigrad, "SGD")
    state_dict = opt.state_dict()
    state_dict["param_groups"][0]["lr"] = 0.5
    state_dict["state"][1]["momentum_buffer"] = minigrad.zeros(4)
    with pytest.raises(RuntimeError, match="has shape"):
        opt.load_state_dict(state_dict)
    assert opt.param_groups[0]["lr"] == 0.1
    for lib_opt in (torch_opt, opt):
        lib_opt.step()
    for p, expected in zip(params, torch_params, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def _scheduler_outcome(lib, make, edit):
    """As `_outcome`, for a scheduler: where loading an edited state_dict fails, else "ok"
    and the lrs after one more step."""
    _, opt = _stepped(lib, "SGD")
    sched = make(lib, opt)
    state_dict = sched.state_dict()
    edit(lib, state_dict)
    try:
        sched.load_state_dict(state_dict)
    except Exception as exc:
        return "load", exc
    try:
        opt.step()
        if isinstance(sched, lib.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(1.0)  # the metric
        else:
            sched.step()
    except Exception as exc:
        return "step", exc
    return "ok", [group["lr"] for group in opt.param_groups]


def _step_lr(lib, opt):
    return lib.optim.lr_scheduler.StepLR(opt, step_size=1)


def _plateau(lib, opt):
    return lib.optim.lr_scheduler.ReduceLROnPlateau(opt)


def _lambda(lib, opt):
    return lib.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.5**epoch)


def test_scheduler_refuses_an_optimizer_entry_pytorch_fails_on_at_step():
    edit = _set(["optimizer"], "not an optimizer")
    when, _ = _scheduler_outcome(torch, _step_lr, edit)
    assert when == "step"
    when, exc = _scheduler_outcome(minigrad, _step_lr, edit)
    assert when == "load" and isinstance(exc, ValueError)
    assert "StepLR" in str(exc) and "'optimizer'" in str(exc)


@pytest.mark.parametrize("key", ["mode", "threshold_mode"])
def test_plateau_checks_its_loaded_modes_as_pytorch(key):
    edit = _set([key], "sideways")
    when, expected = _scheduler_outcome(torch, _plateau, edit)
    assert when == "load"
    when, exc = _scheduler_outcome(minigrad, _plateau, edit)
    assert when == "load"
    assert type(exc) is type(expected) and str(exc) == str(expected)


@pytest.mark.parametrize(
    ("make", "edit"),
    [
        (_lambda, _pop("lr_lambdas")),  # PyTorch's KeyError at load
        (_step_lr, _set(["last_epoch"], "three")),  # PyTorch's TypeError at step (+= 1)
        (_step_lr, _set(["last_epoch"], 10**30)),  # an absurd epoch: a tiny lr, no hang
        (_step_lr, _set(["gamma"], math.nan)),  # NaN: the lr becomes NaN, as PyTorch's
    ],
    ids=["no lr_lambdas", "string last_epoch", "absurd last_epoch", "NaN gamma"],
)
def test_scheduler_state_pytorch_takes_or_refuses_the_same(make, edit):
    when_torch, expected = _scheduler_outcome(torch, make, edit)
    when, got = _scheduler_outcome(minigrad, make, edit)
    assert when == when_torch, (got, expected)
    if when == "ok":
        np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)
    else:
        assert type(got) is type(expected)
