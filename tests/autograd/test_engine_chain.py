"""The engine's short way for a graph that is a chain (each node sends gradients to leaves and
to at most one other node, no hooks): the same gradients as the ordered walk, in PyTorch's
numbers, without ordering the graph."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import engine
from minigrad.testing import assert_close


@pytest.fixture
def no_ordering(monkeypatch):
    """Make the ordered walk fail: a test using this runs the chain's way only."""

    def refuse(roots):
        raise AssertionError("the graph was ordered: the chain's short way was not taken")

    monkeypatch.setattr(engine, "_topological_order", refuse)


def _mlp_step(lib, compiled: bool = False):
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    model = lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))
    for p, a in zip(model.parameters(), _arrays(rng)):
        p.data.copy_(lib.tensor(a))
    forward = lib.compile(model) if compiled else model
    x = lib.tensor(rng.normal(size=(5, 6)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 3, size=5))
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        lib.nn.functional.cross_entropy(forward(x), y).backward()
        opt.step()
    return [p.grad for p in model.parameters()] + [p.detach() for p in model.parameters()]


def _arrays(rng):
    shapes = [(8, 6), (8,), (3, 8), (3,)]
    return [rng.normal(size=s).astype(np.float32) for s in shapes]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_a_training_step_is_a_chain_and_gives_pytorchs_gradients(no_ordering, compiled):
    for got, want in zip(_mlp_step(minigrad, compiled), _mlp_step(torch)):
        assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_a_chain_gives_the_ordered_walks_gradients_bit_for_bit():
    def grads(hook: bool):
        x = minigrad.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
        w = minigrad.tensor([[1.5], [-0.5], [0.25]], requires_grad=True)
        y = ((x @ w).tanh() * x).exp().sum()
        if hook:  # a hook on the loss: the engine orders the graph
            y.register_hook(lambda g: None)
        y.backward()
        return x.grad.array, w.grad.array

    for a, b in zip(grads(False), grads(True)):
        np.testing.assert_array_equal(a, b)


def test_a_leaf_reached_twice_adds_both_gradients(no_ordering):
    def program(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        ((x * 2.0).sin() * x).sum().backward()
        ((x * 2.0).sin() * x).sum().backward()  # accumulates onto the first .grad
        return x.grad

    assert_close(program(minigrad), program(torch), rtol=1e-6)


def test_a_node_that_sends_no_gradient_ends_the_chain(no_ordering):
    class Stop(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a.array * 2

        @staticmethod
        def backward(ctx, g):
            return None

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w = minigrad.tensor([3.0, 4.0], requires_grad=True)
    (Stop.apply(x * 3.0) * w).sum().backward()
    assert x.grad is None
    assert w.grad.tolist() == [6.0, 12.0]


def test_a_fresh_gradient_becomes_grad_itself_in_a_chain(no_ordering):
    made = []

    class Double(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a.array * 2

        @staticmethod
        def backward(ctx, g):
            out = g * 2
            made.append(id(out))  # the id only: nothing else holds the gradient
            return out

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    Double.apply(x).sum().backward()
    assert made == [id(x.grad)]


def test_a_chain_frees_its_graph_and_says_so_on_a_second_backward(no_ordering):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == pytest.approx((4 * np.exp([1.0, 2.0])).tolist())
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


@pytest.mark.parametrize("where", ["leaf", "middle", "post_accumulate"])
def test_a_hook_anywhere_takes_the_ordered_walk_and_runs_once(where):
    calls = []
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    if where == "leaf":
        x.register_hook(lambda g: calls.append(g.tolist()))
    elif where == "post_accumulate":
        x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.tolist()))
    h = x * x
    if where == "middle":
        h.register_hook(lambda g: calls.append(g.tolist()))
    (h * 3.0).sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]
    assert calls == [[3.0, 3.0]] if where == "middle" else calls == [[6.0, 12.0]]
