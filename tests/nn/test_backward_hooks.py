"""Module.register_full_backward_hook / register_full_backward_pre_hook, compared with PyTorch:
what the hooks see, what their results change, removal, and the error cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad


def _pair(lib):
    class Two(lib.nn.Module):
        def forward(self, a, scale, b):
            return a * b * scale, (a + b).sum(1)

    return Two()


def _linear_pair():
    m, t = minigrad.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(m.weight.detach().numpy()))
        t.bias.copy_(torch.tensor(m.bias.detach().numpy()))
    return m, t


def _np(seq):
    return [None if g is None else g.detach().numpy() for g in seq]


def _assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(_np(got), _np(want)):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w, rtol=1e-6)


def _run_linear(lib, module, x, hook, pre_hook=None):
    calls = []
    h1 = module.register_full_backward_hook(lambda m, gi, go: calls.append((gi, go)) or hook(gi))
    h2 = None if pre_hook is None else module.register_full_backward_pre_hook(pre_hook)
    xt = lib.tensor(x, requires_grad=True)
    out = module(xt)
    (out * lib.tensor(np.arange(8.0).reshape(4, 2), dtype=lib.float32)).sum().backward()
    h1.remove()
    if h2 is not None:
        h2.remove()
    return calls, xt.grad, module.weight.grad


@pytest.mark.parametrize("replace", [False, True])
def test_linear_hook_sees_and_replaces_grads_as_torch(replace):
    m, t = _linear_pair()
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)

    def hook(gi):
        return (gi[0] * 3,) if replace else None

    got = _run_linear(minigrad, m, x, hook)
    want = _run_linear(torch, t, x, hook)
    assert len(got[0]) == len(want[0]) == 1
    _assert_same(got[0][0][0], want[0][0][0])  # grad_input
    _assert_same(got[0][0][1], want[0][0][1])  # grad_output
    np.testing.assert_allclose(got[1].numpy(), want[1].numpy(), rtol=1e-6)
    np.testing.assert_allclose(got[2].numpy(), want[2].numpy(), rtol=1e-6)


def test_pre_hook_replaces_grad_output_as_torch():
    m, t = _linear_pair()
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    got = _run_linear(minigrad, m, x, lambda gi: None, lambda mod, go: (go[0] * -2,))
    want = _run_linear(torch, t, x, lambda gi: None, lambda mod, go: (go[0] * -2,))
    _assert_same(got[0][0][1], want[0][0][1])
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)


def test_several_inputs_and_outputs_non_tensor_args_and_no_grad_inputs():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    results = []
    for lib in (minigrad, torch):
        module = _pair(lib)
        seen = []
        module.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append((gi, go)))
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b)  # b needs no gradient
        y, s = module(ta, 2.0, tb)
        (y.sum() + (s * s).sum()).backward()
        results.append((seen, ta.grad))
    (got, ga), (want, wa) = results
    assert len(got) == len(want) == 1
    _assert_same(got[0][0], want[0][0])  # (grad a, None for 2.0, zeros for b)
    _assert_same(got[0][1], want[0][1])
    assert got[0][0][1] is None and not got[0][0][2].numpy().any()
    np.testing.assert_allclose(ga.numpy(), wa.numpy())


def test_unused_output_gets_a_zero_grad_output_as_torch():
    results = []
    for lib in (minigrad, torch):
        module = _pair(lib)
        seen = []
        module.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append(go))
        a = lib.ones(2, 3, requires_grad=True)
        y, _ = module(a, 1.0, lib.ones(2, 3, requires_grad=True))
        y.sum().backward()
        results.append(seen[0])
    _assert_same(*results)


def test_no_input_needs_grad_fires_with_none_and_warns():
    for lib in (minigrad, torch):
        m = lib.nn.Linear(3, 2)
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go, seen=seen: seen.append((gi, go)))
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            m(lib.ones(1, 3)).sum().backward()
        assert seen[0][0] == (None,) and seen[0][1][0].shape == (1, 2)
        m.register_full_backward_hook(lambda mod, gi, go, lib=lib: (lib.ones(1, 3),))
        with pytest.raises(RuntimeError, match="should always return None"):
            m(lib.ones(1, 3)).sum().backward()


def test_wrong_lengths_raise_as_torch():
    for lib in (minigrad, torch):
        m = lib.nn.Linear(3, 2)
        h = m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="number of grad_input, got 2, but expected 1"):
            m(lib.ones(1, 3, requires_grad=True)).sum().backward()
        h.remove()
        m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2"):
            m(lib.ones(1, 3, requires_grad=True)).sum().backward()


def test_remove_and_nested_modules_order():
    order = []
    net = minigrad.nn.Sequential(minigrad.nn.Linear(3, 4), minigrad.nn.Tanh())
    handles = [
        mod.register_full_backward_hook(lambda m, gi, go, i=i: order.append(i))
        for i, mod in enumerate(net)
    ]
    x = minigrad.ones(2, 3, requires_grad=True)
    net(x).sum().backward()
    assert order == [1, 0]  # the later module's gradients are computed first
    for h in handles:
        h.remove()
    net(x).sum().backward()
    assert order == [1, 0]
    assert not net[0]._backward_hooks


def _kwargs_prepend_always_call(lib):
    class Scale(lib.nn.Module):
        def forward(self, x, scale=1.0):
            if scale == 0:
                raise ValueError("scale 0")
            return x * scale

    m, calls = Scale(), []
    m.register_forward_pre_hook(
        lambda mod, args, kwargs: ((args[0] + 1,), {"scale": kwargs.get("scale", 1.0) * 2}),
        with_kwargs=True,
    )
    m.register_forward_hook(
        lambda mod, args, kwargs, out: calls.append(("kw", kwargs["scale"])), with_kwargs=True
    )
    m.register_forward_hook(lambda mod, args, out: out * 10)
    m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    m.register_full_backward_hook(lambda mod, gi, go: calls.append("bw last"))
    m.register_full_backward_hook(lambda mod, gi, go: calls.append("bw first"), prepend=True)
    x = lib.ones(2, requires_grad=True)
    out = m(x, scale=3.0)
    out.sum().backward()
    bad = Scale()
    bad.register_forward_hook(
        lambda mod, args, out: calls.append(("always", out)), always_call=True
    )
    bad.register_forward_hook(lambda mod, args, out: calls.append("not after an error"))
    with pytest.raises(ValueError):
        bad(x, scale=0)
    wrong = Scale()
    wrong.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="new_args, new_kwargs"):
        wrong(x)
    return [out.tolist(), x.grad.tolist(), calls]


def test_forward_hooks_with_kwargs_prepend_and_always_call_as_torch():
    """register_forward_pre_hook(with_kwargs=True) may rewrite args and kwargs;
    register_forward_hook(with_kwargs=True) sees them; prepend puts a hook first (forward and
    backward hooks); always_call hooks run (with output None) when forward raises."""
    ours, theirs = _kwargs_prepend_always_call(minigrad), _kwargs_prepend_always_call(torch)
    assert ours == theirs
    assert ours[2][:3] == ["first", ("kw", 6.0), "bw first"]


def _always_call_after_other_errors(lib):
    calls = []

    def run(*, pre=None, hooks=()):
        m = lib.nn.Linear(2, 1)
        if pre is not None:
            m.register_forward_pre_hook(pre)
        for hook in hooks:
            m.register_forward_hook(hook, always_call=True)
        try:
            m(lib.ones(1, 2))
        except ValueError as error:
            calls.append(f"raised {error}")

    def boom(*args):
        raise ValueError("boom")

    def seen(name):
        return lambda mod, args, out: calls.append((name, None if out is None else out.shape))

    run(pre=boom, hooks=[seen("after a pre-hook")])
    run(hooks=[seen("first"), boom, seen("after a hook")])  # first is not run twice
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(pre=boom, hooks=[boom, seen("after a silenced one")])
    calls.append([str(w.message).split(":")[0] for w in caught])
    return calls


def test_always_call_hooks_run_when_a_pre_hook_or_a_hook_raises_as_torch():
    """always_call forward hooks also run when a forward pre-hook or another forward hook
    raises, each once, on the output so far; their own errors then only warn and the first
    error is the one raised."""
    assert _always_call_after_other_errors(minigrad) == _always_call_after_other_errors(torch)
