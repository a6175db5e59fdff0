"""torch.utils.checkpoint: gradients equal those without it (and PyTorch's), intermediates are
freed after forward, dropout replays its masks, checkpoint_sequential, argument handling."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch
import torch.utils.checkpoint

import minigrad
from minigrad.utils.checkpoint import checkpoint, checkpoint_sequential


def _nets():
    m = minigrad.nn.Sequential(
        minigrad.nn.Linear(4, 8), minigrad.nn.Tanh(), minigrad.nn.Linear(8, 8),
        minigrad.nn.ReLU(), minigrad.nn.Linear(8, 3),
    )  # fmt: skip
    t = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
        torch.nn.ReLU(), torch.nn.Linear(8, 3),
    )  # fmt: skip
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    return m, t


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


def _grads(lib, net, run):
    x = lib.tensor(X, requires_grad=True)
    out = run(net, x)
    (out * lib.arange(15.0).reshape(5, 3)).sum().backward()
    return [x.grad.numpy()] + [p.grad.numpy() for p in net.parameters()], out.detach().numpy()


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_gradients_equal_torch_and_no_checkpoint(use_reentrant):
    m, t = _nets()

    def plain(net, x):
        return net(x)

    def ckpt(lib):
        def run(net, x):
            h = lib.utils.checkpoint.checkpoint(net[:3], x, use_reentrant=use_reentrant)
            return net[3:](h)

        return run

    got, out = _grads(minigrad, m, ckpt(minigrad))
    want, want_out = _grads(torch, t, ckpt(torch))
    m.zero_grad()
    ref, _ = _grads(minigrad, m, plain)
    np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-6)
    for g, w, r in zip(got, want, ref):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(g, r)


def test_intermediates_are_not_kept():
    w = minigrad.randn(4, 4, requires_grad=True)
    refs = []

    def segment(x):
        h = x @ w
        refs.append(weakref.ref(h))
        return (h * h).sum(1)  # mul saves h for backward: without checkpoint, h stays alive

    x = minigrad.randn(3, 4, requires_grad=True)
    kept = segment(x)
    gc.collect()
    assert refs[0]() is not None
    del kept
    out = checkpoint(segment, x, use_reentrant=False)
    gc.collect()
    assert refs[1]() is None  # freed right after forward
    out.sum().backward()  # recomputes segment (refs[2])
    assert len(refs) == 3
    gc.collect()
    assert refs[2]() is None  # and the recomputed graph is freed after backward
    np.testing.assert_allclose(x.grad.numpy(), (2 * (x @ w) @ w.t()).detach().numpy(), rtol=1e-5)


def test_dropout_replays_the_same_masks():
    net = minigrad.nn.Sequential(minigrad.nn.Linear(6, 16), minigrad.nn.Dropout(0.5))
    x = minigrad.randn(8, 6, requires_grad=True)
    minigrad.manual_seed(3)
    net(x).pow(2).sum().backward()
    want = x.grad.numpy().copy(), net[0].weight.grad.numpy().copy()
    x.grad, net[0].weight.grad = None, None
    minigrad.manual_seed(3)
    checkpoint(net, x, use_reentrant=False).pow(2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), want[0])
    np.testing.assert_array_equal(net[0].weight.grad.numpy(), want[1])
    # the draw after the checkpoint is the one the forward left behind, not the replay's
    minigrad.manual_seed(3)
    checkpoint(net, x, use_reentrant=False)
    after = minigrad.rand(3)
    minigrad.manual_seed(3)
    checkpoint(net, x, use_reentrant=False).sum().backward()
    np.testing.assert_array_equal(minigrad.rand(3).numpy(), after.numpy())


def test_checkpoint_sequential_equals_torch():
    m, t = _nets()
    got, _ = _grads(minigrad, m, lambda n, x: checkpoint_sequential(n, 2, x, use_reentrant=False))
    want, _ = _grads(
        torch, t, lambda n, x: torch.utils.checkpoint.checkpoint_sequential(
            n, 2, x, use_reentrant=False)
    )  # fmt: skip
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_inputs_without_grad_and_several_outputs_and_kwargs():
    lin = minigrad.nn.Linear(3, 2)
    x = minigrad.randn(4, 3)  # needs no gradient: the weights still get theirs
    out = checkpoint(lin, x, use_reentrant=False)
    out.sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.tile(x.numpy().sum(0), (2, 1)), 1e-5)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        assert not checkpoint(lin, x, use_reentrant=True).requires_grad

    def two(a, b, scale=1.0):
        return a * b * scale, a + b

    a, b = minigrad.randn(3, requires_grad=True), minigrad.randn(3, requires_grad=True)
    p, s = checkpoint(two, a, b, use_reentrant=False, scale=3.0)
    (p.sum() + s.sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), 3 * b.detach().numpy() + 1, rtol=1e-6)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(two, a, b, use_reentrant=True, scale=3.0)


def test_use_reentrant_must_be_given_or_it_warns_and_in_place_changes_are_caught():
    x = minigrad.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda v: v * 2, x)
    y = x * 1
    out = checkpoint(lambda v: v.sin(), y, use_reentrant=False)
    with minigrad.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_autograd_grad_gives_the_inputs_gradient_and_touches_no_grad():
    m, t = _nets()
    results = []
    for lib, net in ((minigrad, m), (torch, t)):
        x = lib.tensor(X, requires_grad=True)
        out = lib.utils.checkpoint.checkpoint(net, x, use_reentrant=False)
        (gx,) = lib.autograd.grad(out.pow(2).sum(), x)
        results.append(gx.numpy())
        assert all(p.grad is None for p in net.parameters())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
    # the parameters inside are no inputs of the checkpoint: asking for them is an error
    x = minigrad.tensor(X, requires_grad=True)
    out = checkpoint(m, x, use_reentrant=False)
    with pytest.raises(RuntimeError, match="was not used"):
        minigrad.autograd.grad(out.sum(), m[0].weight)
