"""Module methods of PyTorch 2.13 beyond layers and hooks on calls: extra state, the state-dict
hooks, set_submodule, to_empty, share_memory, compile(), call_super_init and the legacy
register_backward_hook, each run beside PyTorch."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import torch

import minigrad


def _seq(lib):
    return lib.nn.Sequential(lib.nn.Linear(1, 1), lib.nn.Sequential(lib.nn.Linear(1, 1)))


def _with_extra(lib):
    class WithExtra(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.k = lib.nn.Linear(2, 2), 3

        def get_extra_state(self):
            return {"k": self.k}

        def set_extra_state(self, state):
            self.k = state["k"]

    return WithExtra


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_extra_state_round_trips_through_the_state_dict(lib):
    cls = _with_extra(lib)
    outer = lib.nn.Sequential(cls())
    sd = outer.state_dict()
    assert list(sd) == ["0._extra_state", "0.fc.weight", "0.fc.bias"]
    assert sd["0._extra_state"] == {"k": 3}
    fresh = lib.nn.Sequential(cls())
    fresh[0].k = 0
    assert not any(fresh.load_state_dict(sd))
    assert fresh[0].k == 3
    del sd["0._extra_state"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0._extra_state"'):
        fresh.load_state_dict(sd)
    with pytest.raises(RuntimeError, match="get_extra_state"):
        lib.nn.Linear(1, 1).get_extra_state()


def _hook_calls(lib):
    calls, s = [], _seq(lib)
    for name, mod in s.named_modules():
        mod.register_state_dict_pre_hook(
            lambda m, p, kv, name=name: calls.append(("pre", name, p, kv))
        )
        mod.register_state_dict_post_hook(
            lambda m, sd, p, md, name=name: calls.append(("post", name, p, len(sd)))
        )
        mod.register_load_state_dict_pre_hook(
            lambda m, sd, p, md, strict, mk, uk, em, name=name: calls.append(
                ("lpre", name, p, strict, len(mk), len(uk), len(em))
            )
        )
        mod.register_load_state_dict_post_hook(
            lambda m, keys, name=name: calls.append(("lpost", name, tuple(map(tuple, keys))))
        )
    s.load_state_dict(s.state_dict(keep_vars=True))
    return calls


def test_state_dict_hooks_run_in_pytorchs_order():
    assert _hook_calls(minigrad) == _hook_calls(torch)


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_load_hooks_rename_old_keys_and_edit_the_incompatible_keys(lib):
    model = lib.nn.Linear(2, 1)

    def rename(module, sd, prefix, *rest):
        if prefix + "w" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "w")

    model.register_load_state_dict_pre_hook(rename)
    old = {"w": lib.ones(1, 2), "bias": lib.zeros(1)}
    model.load_state_dict(old)
    assert model.weight.tolist() == [[1.0, 1.0]] and "w" in old  # the caller's dict is kept
    handle = model.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
    model.load_state_dict({"weight": lib.zeros(1, 2)})  # bias missing: the hook forgives it
    handle.remove()
    with pytest.raises(RuntimeError, match="Missing key"):
        model.load_state_dict({"weight": lib.zeros(1, 2)})
    model.register_load_state_dict_post_hook(lambda m, keys: 1)
    with pytest.raises(AssertionError, match="not expected to return new values"):
        model.load_state_dict(model.state_dict())
    model.register_state_dict_post_hook(lambda *a: 1)
    with pytest.raises(RuntimeError, match="post-hook must return None"):
        model.state_dict()


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_set_submodule(lib):
    s = _seq(lib)
    s.set_submodule("1.0", lib.nn.Tanh())
    s.set_submodule("1.new", lib.nn.ReLU())
    assert isinstance(s[1][0], lib.nn.Tanh) and isinstance(s[1].new, lib.nn.ReLU)
    with pytest.raises(AttributeError, match="has no attribute `other`"):
        s.set_submodule("1.other", lib.nn.ReLU(), strict=True)
    with pytest.raises(ValueError, match="Cannot set the submodule without a target name"):
        s.set_submodule("", lib.nn.ReLU())
    with pytest.raises(ValueError, match="is not an nn.Module"):
        s.set_submodule("0", 3)
    s[0].plain = 5
    with pytest.raises(AttributeError, match="`plain` is not an nn.Module"):
        s.set_submodule("0.plain", lib.nn.ReLU())


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_call_super_init_and_dump_patches(lib):
    class Mixin:
        def __init__(self, *args, **kwargs):
            self.seen = (args, kwargs)

    class PassesOn(lib.nn.Module, Mixin):
        call_super_init = True

    class Plain(lib.nn.Module):
        pass

    assert PassesOn(1, a=2).seen == ((1,), {"a": 2})
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        Plain(1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'a'"):
        Plain(a=1)
    assert lib.nn.Module.dump_patches is False and lib.nn.Module.call_super_init is False


def test_to_empty_and_share_memory():
    model = minigrad.nn.Linear(3, 2)
    assert model.to_empty(device="cpu") is model
    assert model.weight.shape == (2, 3) and isinstance(model.weight, minigrad.nn.Parameter)
    assert model.share_memory() is model and all(p.is_shared() for p in model.parameters())
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    pid = os.fork()
    if pid == 0:  # a Hogwild worker: its write is seen by the parent
        with minigrad.no_grad():
            model.weight.fill_(7.0)
        os._exit(0)
    os.waitpid(pid, 0)
    assert model.weight.tolist() == [[7.0] * 3] * 2
    for lib in (minigrad, torch):
        assert lib.ones(2).share_memory_().is_shared() and not lib.ones(2).is_shared()


def test_module_compile_replays_in_place_with_gradients_and_modes():
    minigrad.manual_seed(0)
    model = minigrad.nn.Sequential(
        minigrad.nn.Linear(4, 8), minigrad.nn.Dropout(0.5), minigrad.nn.Linear(8, 2)
    )
    x = minigrad.randn(5, 4)
    model.eval()
    expected = model(x)
    assert model.compile() is None  # in place, as PyTorch's
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    model(x).sum().backward()
    assert model[0].weight.grad is not None
    graphs = model.forward.graphs
    assert graphs[False].traces == 1 and graphs[True].traces == 0  # traced once, replayed
    model.train()
    model(x)
    assert graphs[True].traces == 1  # training mode has its own graph (dropout in it)
    assert "Linear" in repr(model) and list(model.state_dict()) == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]


def _legacy_run(lib, module, x):
    seen = []

    def hook(m, grad_input, grad_output):
        seen.append(
            (
                [None if g is None else tuple(g.shape) for g in grad_input],
                [tuple(g.shape) for g in grad_output],
            )
        )
        return tuple(None if g is None else g * 0 for g in grad_input)

    module.register_backward_hook(hook)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module(x).sum().backward()
    return seen, [str(w.message)[:60] for w in caught if w.category is FutureWarning]


def test_legacy_backward_hook_runs_on_the_last_node_as_pytorch():
    for name in ("ReLU", "Tanh", "Sigmoid"):
        data = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
        results = []
        for lib in (minigrad, torch):
            x = lib.tensor(data, requires_grad=True)
            seen, warned = _legacy_run(lib, getattr(lib.nn, name)(), x)
            results.append((seen, warned, x.grad.tolist()))
        assert results[0] == results[1]
        assert results[0][2] == [[0.0] * 3] * 2  # the hook's grad_input replaced the gradient
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
        relu = minigrad.nn.ReLU()
        relu.register_full_backward_hook(lambda *a: None)
        relu.register_backward_hook(lambda *a: None)
