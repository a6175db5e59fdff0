"""A compiled plan replays each layer's form fixed to the traced shapes and dtypes
(`Function.fixed_kernel`): its training step gives eager mode's results, and every change that
would leave those forms wrong (an input's shape or dtype, a parameter's shape, dtype or
requires_grad, an in-place change before backward) is caught after they were fixed."""

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim


def _model(seed=0):
    minigrad.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def _batch(n=64, seed=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = minigrad.tensor(rng.normal(size=(n, 64)).astype(dtype))
    return x, minigrad.tensor(rng.integers(0, 10, size=n))


def _step(forward, x, y):
    F.cross_entropy(forward(x), y).backward()


def _grads(model) -> list:
    return [None if p.grad is None else p.grad.array.copy() for p in model.parameters()]


def _assert_same_grads(model, eager):
    for c, e in zip(_grads(model), _grads(eager), strict=True):
        assert (c is None) == (e is None)
        if c is not None:
            assert c.dtype == e.dtype
            np.testing.assert_allclose(c, e, rtol=1e-5, atol=1e-7)


def _compiled_after_steps(steps=3):
    """A compiled model and its eager twin after `steps` steps of SGD with momentum."""
    model, eager = _model(), _model()
    compiled = minigrad.compile(model)
    opts = [optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in (model, eager)]
    for k in range(steps):
        for forward, opt in zip((compiled, eager), opts):
            opt.zero_grad()
            _step(forward, *_batch(seed=k))
            opt.step()
    return compiled, model, eager


def _fixed(runner) -> list:
    """The names of the fixed forms a runner's generated code calls."""
    kernels = [v for k, v in runner.run.__globals__.items() if k[0] == "k"]
    names = [getattr(f, "__qualname__", "") for f in kernels]  # a ufunc has none
    return sorted(name for name in names if ".fixed_kernel." in name)


def test_the_layers_replay_their_fixed_forms_as_eager():
    compiled, model, eager = _compiled_after_steps()
    plan = compiled.last
    assert _fixed(plan.forward) == ["Linear.fixed_kernel.<locals>.linear_2d"] * 2
    assert _fixed(plan.backward) == [
        "LinearGrad.fixed_kernel.<locals>.input_weight_bias",
        "LinearGrad.fixed_kernel.<locals>.weight_bias",
    ]
    assert compiled.traces == 1
    _assert_same_grads(model, eager)
    for p, q in zip(model.parameters(), eager.parameters()):
        np.testing.assert_allclose(p.array, q.array, rtol=1e-5, atol=1e-7)


def _new_batch_size(model, eager):
    return _batch(n=32)


def _new_dtype(model, eager):
    model.double(), eager.double()
    return _batch(dtype=np.float64)


def _new_hidden_width(model, eager):
    other = nn.Sequential(nn.Linear(64, 96), nn.ReLU(), nn.Linear(96, 10))
    for m in (model, eager):
        m[0].weight.data = other[0].weight.detach().clone()
        m[0].bias.data = other[0].bias.detach().clone()
        m[2].weight.data = other[2].weight.detach().clone()
    return _batch()


def _frozen_bias(model, eager):
    for m in (model, eager):
        m[2].bias.requires_grad_(False)
    return _batch()


def _frozen_first_weight(model, eager):
    for m in (model, eager):
        m[0].weight.requires_grad_(False)
    return _batch()


@pytest.mark.parametrize(
    "change", [_new_batch_size, _new_dtype, _new_hidden_width, _frozen_bias, _frozen_first_weight]
)
def test_a_change_after_the_forms_were_fixed_traces_again(change):
    compiled, model, eager = _compiled_after_steps()
    x, y = change(model, eager)
    model.zero_grad(), eager.zero_grad()
    _step(compiled, x, y)
    _step(eager, x, y)
    assert compiled.traces == 2  # the cache key or the guards: fixed for the old types
    _assert_same_grads(model, eager)
    model.zero_grad(), eager.zero_grad()
    _step(compiled, *_batch(seed=7, n=x.shape[0], dtype=x.array.dtype))
    _step(eager, *_batch(seed=7, n=x.shape[0], dtype=x.array.dtype))
    assert compiled.traces == 2  # the new forms replay
    _assert_same_grads(model, eager)


def test_values_changed_in_place_replay_without_a_trace():
    # the fixed forms hold for new values of the same types: read at every call
    compiled, model, eager = _compiled_after_steps()
    with minigrad.no_grad():
        for m in (model, eager):
            m[0].bias.mul_(2.0)
            m[2].weight.add_(0.5)
    model.zero_grad(), eager.zero_grad()
    _step(compiled, *_batch(seed=9))
    _step(eager, *_batch(seed=9))
    assert compiled.traces == 1
    _assert_same_grads(model, eager)


def test_an_in_place_change_between_forward_and_backward_is_refused():
    compiled, model, _ = _compiled_after_steps()
    x, y = _batch(seed=9)
    loss = F.cross_entropy(compiled(x), y)
    with minigrad.no_grad():
        model[0].bias.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# -- the loss: cross-entropy's parts fixed to the logits' and targets' types -----------------
def _loss_plans(compiled) -> list:
    return [plan for plan in compiled.last.losses.values() if plan is not None]


def test_the_loss_replays_its_fixed_parts_and_its_value_is_eagers():
    compiled, model, eager = _compiled_after_steps()
    (loss_plan,) = _loss_plans(compiled)
    assert loss_plan.parts.on_parts.__qualname__ == "CrossEntropy.fixed_parts.<locals>.parts"
    losses = []
    for forward in (compiled, eager):
        x, y = _batch(seed=11)
        losses.append(F.cross_entropy(forward(x), y))
        losses[-1].backward()
        _step(forward, *_batch(seed=12))  # the value read after a later step is its own
    assert losses[0].item() == pytest.approx(losses[1].item(), rel=1e-6)


@pytest.mark.parametrize("target", ["ignored", "out of range", "uint8"])
def test_targets_the_fixed_parts_were_not_made_for(target):
    compiled, model, eager = _compiled_after_steps()
    x, y = _batch(seed=13)
    if target == "uint8":  # another dtype: the loss plan's key traces the loss again
        y = y.to(minigrad.uint8)
    else:  # values: checked at every call, an ignored one taking the general form
        y.array[:5] = -100 if target == "ignored" else 10
    model.zero_grad(), eager.zero_grad()
    if target == "out of range":
        for forward in (compiled, eager):
            with pytest.raises(IndexError, match="target 10 is out of bounds for 10 classes"):
                _step(forward, x, y)
        return
    losses = [F.cross_entropy(forward(x), y) for forward in (compiled, eager)]
    for loss in losses:
        loss.backward()
    assert losses[0].item() == pytest.approx(losses[1].item(), rel=1e-6)
    _assert_same_grads(model, eager)
    assert len(_loss_plans(compiled)) == (2 if target == "uint8" else 1)


@pytest.mark.parametrize("ignored", [False, True])
def test_a_loss_inside_the_compiled_function_replays_its_fixed_form_as_eager(ignored):
    # the loss as a node of the region's graph (kept values for backward): `fixed_kernel`
    model, eager = _model(), _model()
    compiled = minigrad.compile(lambda x, y: F.cross_entropy(model(x), y))
    losses = []
    for fn in (compiled, lambda x, y: F.cross_entropy(eager(x), y)):
        for seed in (0, 1):
            x, y = _batch(seed=seed)
            if ignored and seed:  # after the form was fixed: the general form, for that call
                y.array[:5] = -100
            loss = fn(x, y)
            loss.backward()
            losses.append(loss.item())
    assert _fixed(compiled.last.forward)[0] == "CrossEntropy.fixed_kernel.<locals>.loss_kept"
    assert compiled.traces == 1
    np.testing.assert_allclose(losses[:2], losses[2:], rtol=1e-6)
    _assert_same_grads(model, eager)
