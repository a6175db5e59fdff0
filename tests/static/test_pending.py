"""A compiled module's result in a training step is computed at the call but gets its autograd
node only when needed, and the loss computed from it joins the region: `loss.backward()` runs
without the engine. Every way a program can look at the pending tensors gives eager mode's
(and PyTorch's) numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import engine
from minigrad.nn import functional as F
from minigrad.static.pending import PendingLoss, PendingOutput
from minigrad.testing import assert_close

SHAPES = [(8, 6), (8,), (3, 8), (3,)]


def _setup(lib, dropout=False, seed=0):
    rng = np.random.default_rng(seed)
    layers = [lib.nn.Linear(6, 8), lib.nn.ReLU()]
    layers += [lib.nn.Dropout(0.5)] if dropout else []
    model = lib.nn.Sequential(*layers, lib.nn.Linear(8, 3))
    for p, shape in zip(model.parameters(), SHAPES):
        p.data.copy_(lib.tensor(rng.normal(size=shape).astype(np.float32)))
    x = lib.tensor(rng.normal(size=(5, 6)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 3, size=5))
    return model, x, y


def _steps(lib, compiled, n=3, loss_fn="cross_entropy"):
    model, x, y = _setup(lib)
    forward = minigrad.compile(model) if compiled else model
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(n):
        opt.zero_grad()
        out = forward(x)
        if loss_fn == "cross_entropy":
            loss = lib.nn.functional.cross_entropy(out, y)
        else:
            loss = lib.nn.functional.mse_loss(out, lib.nn.functional.one_hot(y, 3).float())
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach() for p in model.parameters()], out


@pytest.fixture
def no_engine(monkeypatch):
    """The engine refuses to run: a test using this shows backward ran as one program."""

    def refuse(*args, **kwargs):
        raise AssertionError("the engine ran: the loss did not join the compiled region")

    monkeypatch.setattr(engine, "_execute", refuse)


@pytest.mark.parametrize("loss_fn", ["cross_entropy", "mse_loss"])
def test_a_compiled_step_runs_without_the_engine_with_pytorchs_numbers(no_engine, loss_fn):
    losses, params, out = _steps(minigrad, True, loss_fn=loss_fn)
    want_losses, want_params, want_out = _steps(torch, False, loss_fn=loss_fn)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-5)
    for got, want in zip(params, want_params):
        assert_close(got, want, rtol=1e-5, atol=1e-6)
    assert isinstance(out, minigrad.Tensor)  # the logits, after backward
    assert_close(out.detach(), want_out.detach(), rtol=1e-5, atol=1e-6)
    assert type(out) is minigrad.Tensor  # once used: a plain tensor


def test_the_call_and_the_loss_are_pending_until_backward():
    model, x, y = _setup(minigrad)
    compiled = minigrad.compile(model)
    out = compiled(x)
    loss = F.cross_entropy(out, y)
    assert (type(out), type(loss)) == (PendingOutput, PendingLoss)
    loss.backward()
    assert loss.grad_fn.name() == "CompiledFunctionBackward" and out.requires_grad
    assert type(out) is type(loss) is minigrad.Tensor  # made plain by their first use
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        out.sum().backward()  # its graph was freed with the loss's, as PyTorch's


def _grads(model):
    return [p.grad.array.copy() for p in model.parameters()]


def _eager_grads(program):
    """program(model, forward, x, y) run compiled and eagerly: its gradients and results."""
    results = []
    for compiled in (True, False):
        model, x, y = _setup(minigrad)
        forward = minigrad.compile(model) if compiled else model
        got = program(model, forward, x, y)
        results.append((_grads(model), got))
    return results


def _same(results):
    (grads, got), (want_grads, want) = results
    for a, b in zip(grads, want_grads):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)


def test_reading_the_logits_before_backward_makes_them_a_nodes_output():
    def program(model, forward, x, y):
        out = forward(x)
        loss = F.cross_entropy(out, y)
        accuracy = (out.argmax(1) == y).float().mean().item()  # before backward
        print(out)  # and printing it
        loss.backward()
        return [accuracy, loss.item(), out.detach().numpy()]

    _same(_eager_grads(program))


def test_reading_the_loss_before_backward_computes_it():
    def program(model, forward, x, y):
        loss = F.cross_entropy(forward(x), y)
        value = loss.item()
        loss.backward()
        return [value]

    _same(_eager_grads(program))


@pytest.mark.parametrize(
    "use",
    [
        "two_losses",
        "loss_of_a_loss",
        "retain_graph",
        "autograd_grad",
        "none_reduction",
        "class_weight",
        "label_smoothing",
        "accumulate",
    ],
)
def test_every_other_use_gives_eager_modes_gradients(use):
    def program(model, forward, x, y):
        out = forward(x)
        if use == "two_losses":
            loss = F.cross_entropy(out, y) + F.cross_entropy(out, y.flip(0)) * 0.5
        elif use == "loss_of_a_loss":
            loss = F.cross_entropy(out, y) * 2 + out.pow(2).mean()
        elif use == "retain_graph":
            loss = F.cross_entropy(out, y)
            loss.backward(retain_graph=True)
        elif use == "autograd_grad":
            loss = F.cross_entropy(out, y)
            grads = minigrad.autograd.grad(loss, list(model.parameters()))
            for p, g in zip(model.parameters(), grads):
                p.grad = g
            return [loss.item()]
        elif use == "none_reduction":
            loss = F.cross_entropy(out, y, reduction="none").sum()
        elif use == "class_weight":
            loss = F.cross_entropy(out, y, weight=minigrad.tensor([1.0, 2.0, 0.5]))
        elif use == "label_smoothing":
            loss = F.cross_entropy(out, y, label_smoothing=0.1)
        else:  # two steps' gradients accumulated, the second from a new pending call
            F.cross_entropy(out, y).backward()
            loss = F.cross_entropy(forward(x * 2), y)
        loss.backward()
        return [loss.item()]

    _same(_eager_grads(program))


def test_a_hook_on_a_parameter_still_runs():
    def program(model, forward, x, y):
        seen = []
        loss = F.cross_entropy(forward(x), y)
        model[0].weight.register_hook(lambda g: seen.append(g.shape))  # after the call
        loss.backward()
        return [len(seen)]

    results = _eager_grads(program)
    assert results[0][1] == [1]
    _same(results)


def test_an_input_that_requires_grad_gets_its_gradient():
    for compiled in (True, False):
        model, x, y = _setup(minigrad)
        x.requires_grad_()
        forward = minigrad.compile(model) if compiled else model
        F.cross_entropy(forward(x * 1.0), y).backward()
        if compiled:
            got = x.grad.array.copy()
    np.testing.assert_allclose(got, x.grad.array, rtol=1e-6)


@pytest.mark.parametrize("what", ["input", "parameter"])
def test_a_change_in_place_before_backward_raises_as_pytorchs(what):
    def program(lib, compiled):
        model, x, y = _setup(lib)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        lib.nn.functional.cross_entropy(model(x), y).backward()
        forward = minigrad.compile(model) if compiled else model
        loss = lib.nn.functional.cross_entropy(forward(x), y)
        if what == "input":
            x.mul_(2)
        else:
            opt.step()
        loss.backward()

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        program(torch, False)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        program(minigrad, True)


def test_the_forward_runs_at_the_call():
    model, x, y = _setup(minigrad)
    compiled = minigrad.compile(model)
    F.cross_entropy(compiled(x), y).backward()
    before = x.clone()
    out = compiled(x)
    x.mul_(0)  # the values are the call's, as in eager mode
    np.testing.assert_allclose(out.detach().numpy(), model(before).detach().numpy(), rtol=1e-6)


def test_a_model_that_draws_random_numbers_draws_at_the_call():
    def program(compiled):
        model, x, y = _setup(minigrad, dropout=True)
        forward = minigrad.compile(model) if compiled else model
        F.cross_entropy(forward(x), y).backward()  # traced
        minigrad.manual_seed(3)
        loss = F.cross_entropy(forward(x), y)
        after = minigrad.rand(4)  # drawn after the call's dropout mask, as in eager mode
        loss.backward()
        return [loss.item(), after.numpy()]

    _same_values(program(True), program(False))


def _same_values(got, want):
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)


def test_evaluation_and_a_compiled_loss_run_at_once():
    model, x, y = _setup(minigrad)
    compiled = minigrad.compile(model)
    with minigrad.no_grad():
        assert type(compiled(x)) is minigrad.Tensor
    whole = minigrad.compile(lambda x, y: F.cross_entropy(model(x), y))
    assert type(whole(x, y)) is minigrad.Tensor  # one number: nothing to join it


def test_a_class_index_out_of_range_raises_from_backward():
    model, x, y = _setup(minigrad)
    compiled = minigrad.compile(model)
    F.cross_entropy(compiled(x), y).backward()  # traced with good targets
    first = _grads(model)
    loss = F.cross_entropy(compiled(x), minigrad.tensor([0, 1, 2, 3, 0]))
    with pytest.raises(IndexError, match="cross_entropy: target 3 is out of bounds"):
        loss.backward()
    for before, p in zip(first, model.parameters()):
        np.testing.assert_array_equal(before, p.grad.array)  # nothing was added


def test_backward_under_no_grad_still_has_the_graph_it_was_made_with():
    def program(model, forward, x, y):
        out = forward(x)
        loss = F.cross_entropy(out, y)
        with minigrad.no_grad():
            value = loss.item()  # computed here, recorded as when it was made
            loss.backward()
        return [value]

    _same(_eager_grads(program))


def test_two_parameters_given_one_gradient_array_get_their_own_grads(no_engine):
    class Sum(minigrad.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = minigrad.nn.Parameter(minigrad.ones(3))
            self.b = minigrad.nn.Parameter(minigrad.ones(3))

        def forward(self, x):
            return x * (self.a + self.b)  # the backward hands one array to both

    model = Sum()
    compiled = minigrad.compile(model)
    x, y = minigrad.randn(4, 3), minigrad.randn(4, 3)
    for _ in range(2):  # the second call replays
        model.zero_grad()
        F.mse_loss(compiled(x), y).backward()
    a, b = model.a.grad, model.b.grad
    assert a.array is not b.array and not np.shares_memory(a.array, b.array)
    want = a.array.copy()
    a.zero_()
    np.testing.assert_array_equal(b.array, want)


def test_each_gradient_the_backward_made_becomes_grad_without_a_copy(no_engine):
    model, x, y = _setup(minigrad)
    compiled = minigrad.compile(model)
    F.cross_entropy(compiled(x), y).backward()  # traced
    plan = compiled._compiled.last
    made = []
    run = plan.backward.run
    plan.backward.run = lambda *arrays: made.append(run(*arrays)) or made[-1]
    model.zero_grad()
    F.cross_entropy(compiled(x), y).backward()
    (grads,) = made
    assert all(p.grad.array is g for p, g in zip(model.parameters(), grads, strict=True))
