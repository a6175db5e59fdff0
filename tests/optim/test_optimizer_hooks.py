"""Optimizer hooks with PyTorch 2.13's names and order: step pre/post hooks (per optimizer and
global), state-dict and load-state-dict hooks; run beside PyTorch."""

from __future__ import annotations

import pytest
import torch

import minigrad


def _model_and_opt(lib, cls="SGD"):
    lib.manual_seed(0)
    model = lib.nn.Linear(2, 1)
    with lib.no_grad():
        model.weight.fill_(0.5)
        model.bias.fill_(0.1)
    opt = getattr(lib.optim, cls)(model.parameters(), lr=0.1)
    return model, opt


def _step_log(lib, cls):
    import importlib

    optimizer_module = importlib.import_module(f"{lib.__name__}.optim.optimizer")
    model, opt = _model_and_opt(lib, cls)
    log = []

    def closure():
        opt.zero_grad()
        loss = model(lib.ones(1, 2)).sum()
        loss.backward()
        return loss

    handles = [
        optimizer_module.register_optimizer_step_pre_hook(
            lambda o, a, k: log.append(("global pre", len(a), sorted(k)))
        ),
        optimizer_module.register_optimizer_step_post_hook(
            lambda o, a, k: log.append(("global post", len(a)))
        ),
        opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", a[0] is o))),
        opt.register_step_post_hook(lambda o, a, k: log.append(("post", a[0] is o))),
    ]
    try:
        loss = opt.step(closure)
        log.append(("loss", round(float(loss), 5), round(float(model.weight[0, 0]), 5)))
        handles[2].remove()
        opt.step(closure)
    finally:
        for h in handles:
            h.remove()
    opt.step(closure)
    log.append(("after removal", round(float(model.weight[0, 0]), 5)))
    return log


@pytest.mark.parametrize("cls", ["SGD", "Adam", "LBFGS"])
def test_step_hooks_run_as_pytorchs(cls):
    assert _step_log(minigrad, cls) == _step_log(torch, cls)


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_step_pre_hook_replaces_the_arguments_or_refuses(lib):
    model, opt = _model_and_opt(lib)
    calls = []

    def closure():
        calls.append(1)
        return lib.tensor(0.0)

    opt.register_step_pre_hook(lambda o, a, k: ((o,), {"closure": closure}))
    opt.step()
    assert calls == [1]
    opt.register_step_pre_hook(lambda o, a, k: 3)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_custom_optimizers_step_runs_the_hooks(lib):
    class Halve(lib.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    with lib.no_grad():
                        p.mul_(0.5)

    model, _ = _model_and_opt(lib)
    opt = Halve(model.parameters())
    log = []
    opt.register_step_post_hook(lambda o, a, k: log.append(float(model.bias)))
    opt.step()
    assert log == [pytest.approx(0.05)]


def _state_dict_log(lib):
    model, opt = _model_and_opt(lib, "Adam")
    model(lib.ones(1, 2)).sum().backward()
    opt.step()
    log = []
    opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: log.append(("post", sorted(sd))) or None)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_state_dict_pre_hook(lambda o: log.append("first"), prepend=True)
    sd = opt.state_dict()
    log.append(("extra", sd.get("extra")))

    def drop_extra(o, sd):
        log.append(("load pre", "extra" in sd))
        return {k: v for k, v in sd.items() if k != "extra"}

    opt.register_load_state_dict_pre_hook(drop_extra)
    opt.register_load_state_dict_post_hook(lambda o: log.append(("load post", len(o.state))))
    opt.load_state_dict(sd)
    return log


def test_state_dict_hooks_as_pytorchs():
    assert _state_dict_log(minigrad) == _state_dict_log(torch)


def _popping_pre_hook_log(lib):
    """A load pre hook that pops a key in place (the epoch a post hook added) works on
    PyTorch's shallow copy: the checkpoint keeps its key, and loads twice."""
    _, opt = _model_and_opt(lib, "Adam")
    log = []
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "epoch": 3})
    opt.register_load_state_dict_pre_hook(lambda o, sd: log.append(sd.pop("epoch")))
    checkpoint = opt.state_dict()
    opt.load_state_dict(checkpoint)
    opt.load_state_dict(checkpoint)
    return log, sorted(checkpoint)


def test_a_load_pre_hook_edits_a_copy_of_the_checkpoint_as_pytorchs():
    assert _popping_pre_hook_log(minigrad) == _popping_pre_hook_log(torch)
