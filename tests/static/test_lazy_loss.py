"""A compiled training step's cross-entropy value is made only when the program first uses
the loss (static/pending.py, `CrossEntropy.on_arrays_parts`): a step that never reads it does
not compute it, and every way of reading it, even steps later, gives eager mode's tensor."""

from __future__ import annotations

import gc
import re
import weakref

import numpy as np
import pytest

import minigrad
from minigrad.nn import functional as F
from minigrad.ops.nn import CrossEntropy
from minigrad.static.pending import _record

# the configurations: dtype, options of cross_entropy, and whether the value waits
CONFIGS = {
    "plain": ("float32", {}, True),
    "float64": ("float64", {}, True),
    "float16": ("float16", {}, True),
    "sum": ("float32", {"reduction": "sum"}, True),
    "ignored_targets": ("float32", {"ignore_index": 1}, True),  # the weighted branch
    "label_smoothing": ("float32", {"label_smoothing": 0.1}, False),  # several nodes
}


@pytest.fixture
def made(monkeypatch):
    """One entry per cross-entropy value made from its parts (patched before any compile)."""
    calls = []
    plain = CrossEntropy.loss_of_parts

    def counted(*parts):
        calls.append(parts[2].shape)  # each row's target pick
        return plain(*parts)

    monkeypatch.setattr(CrossEntropy, "loss_of_parts", staticmethod(counted))
    return calls


def _setup(dtype="float32", classes=3, batch=5):
    rng = np.random.default_rng(0)
    model = minigrad.nn.Sequential(
        minigrad.nn.Linear(6, 8), minigrad.nn.ReLU(), minigrad.nn.Linear(8, classes)
    )
    for p in model.parameters():
        p.data.copy_(minigrad.tensor(rng.normal(size=p.shape).astype(np.float32)))
    model.to(getattr(minigrad, dtype))
    x = minigrad.tensor(rng.normal(size=(batch, 6)).astype(dtype))
    y = minigrad.tensor(np.array([0, 1, 2, 1, 0] * (batch // 5))[:batch])
    return model, x, y


def _train(compiled, config="plain", steps=4):
    """The steps' losses and logits, none of them read, and the targets."""
    dtype, options, _ = CONFIGS[config]
    model, x, y = _setup(dtype)
    forward = minigrad.compile(model) if compiled else model
    opt = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses, outs = [], []
    for _ in range(steps):
        opt.zero_grad()
        out = forward(x)
        loss = F.cross_entropy(out, y, **options)
        loss.backward()
        opt.step()  # the parameters change in place: the next step's logits differ
        losses.append(loss)
        outs.append(out)
    return losses, outs, y


@pytest.mark.parametrize("config", list(CONFIGS))
def test_an_unread_loss_is_not_made_and_a_read_one_once(made, config):
    losses, outs, y = _train(True, config, steps=4)
    # the loss's program is traced once, which runs it: one value made then
    waits = CONFIGS[config][2]
    assert len(made) == (1 if waits else 1 + 4)  # unless it waits, each step makes its own
    before = len(made)
    values = [loss.item() for loss in losses]
    assert len(made) == before + (4 if waits else 0)  # each read loss made then, once
    assert [loss.item() for loss in losses] == values
    float(losses[-1]), str(losses[-1]), losses[-1].detach(), losses[-1] * 2
    assert len(made) == before + (4 if waits else 0)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_a_loss_read_steps_later_is_its_own_steps_value(config):
    """The parameters changed in place after each step: the value is still the one computed
    from that step's logits, bit for bit (what the loss's forward returned before it waited),
    and eager mode's."""
    dtype, options, _ = CONFIGS[config]
    losses, outs, y = _train(True, config)
    want, _, _ = _train(False, config)
    for loss, out, eager in zip(losses, outs, want, strict=True):
        value = loss.detach().numpy()
        if not options.get("label_smoothing"):
            at_once = CrossEntropy.on_arrays_kept(
                out.detach().numpy(),
                y.numpy(),
                None,
                options.get("ignore_index", -100),
                options.get("reduction", "mean"),
            )[0]
            np.testing.assert_array_equal(value, at_once)
        assert value.dtype == np.dtype(dtype) and value.shape == ()
        np.testing.assert_allclose(
            value, eager.detach().numpy(), rtol=1e-3 if dtype == "float16" else 1e-6
        )


def _strip_grad_fn(text: str) -> str:
    return re.sub(r"grad_fn=<\w+>", "grad_fn", text)


READS = {
    "item": lambda loss: loss.item(),
    "float": lambda loss: float(loss),
    "print": lambda loss: _strip_grad_fn(str(loss)) + _strip_grad_fn(repr(loss)),
    "format": lambda loss: f"{loss:.6f}",
    "another_op": lambda loss: ((loss * 2 + 1).item(), (loss * 2).requires_grad),
    "detach": lambda loss: loss.detach().numpy(),
    "compare": lambda loss: (bool(loss < 3.0), (loss > 0).item(), loss == loss.item()),
    "numpy_of_detach": lambda loss: np.asarray(loss.detach()),
    "tolist": lambda loss: loss.tolist(),
    "metadata": lambda loss: (
        loss.dtype,
        loss.shape,
        loss.requires_grad,
        loss.is_leaf,
        loss._version,
        loss.grad_fn is not None,
    ),
}


@pytest.mark.parametrize("read", list(READS))
def test_every_read_gives_eager_modes_result(read):
    losses, _, _ = _train(True)
    want, _, _ = _train(False)
    for loss, eager in zip(losses, want, strict=True):
        got, expected = READS[read](loss), READS[read](eager)
        if read in ("detach", "numpy_of_detach"):
            np.testing.assert_allclose(got, expected, rtol=1e-6)
            assert got.dtype == expected.dtype and got.shape == expected.shape
        elif read == "compare":
            assert got[:2] == expected[:2] and bool(got[2]) and bool(expected[2])
        elif read in ("item", "float", "tolist"):
            assert got == pytest.approx(expected, rel=1e-6) and type(got) is type(expected)
        elif read == "another_op":
            assert got == (pytest.approx(expected[0], rel=1e-6), expected[1])
        else:
            assert got == expected


def test_running_loss_accumulates_as_eager_modes():
    totals = []
    for compiled in (True, False):
        running = 0.0
        losses, _, _ = _train(compiled, steps=5)
        for loss in losses:
            running += loss.item()
        totals.append(running)
    assert totals[0] == pytest.approx(totals[1], rel=1e-6)


def test_an_unread_loss_keeps_its_graph_freed_and_takes_hooks_as_eager_modes():
    for compiled in (True, False):
        losses, _, _ = _train(compiled, steps=2)
        loss = losses[0]
        assert loss.grad_fn.name() == (
            "CompiledFunctionBackward" if compiled else "NllLossBackward0"
        )
        with pytest.raises(RuntimeError, match="second time"):
            loss.backward()
        with pytest.raises(RuntimeError, match="second time"):
            losses[1].backward(retain_graph=True)
        with pytest.raises(RuntimeError, match="second time"):
            (losses[1] * 2).backward()  # through the freed graph
        seen = []
        handle = losses[1].register_hook(seen.append)
        handle.remove()
        assert seen == [] and losses[1]._version == 0


def test_an_unread_loss_holds_a_few_values_per_row_not_the_logits():
    model, x, y = _setup(classes=1000, batch=5)
    forward = minigrad.compile(model)
    for _ in range(2):  # the second call replays
        out = forward(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
    logits = weakref.ref(_record(out).array)
    del out
    gc.collect()
    assert logits() is None  # the unread loss does not keep the (5, 1000) logits alive
    parts = [p for p in _record(loss).values if isinstance(p, np.ndarray)]
    assert parts and all((p.base if p.base is not None else p).size <= 5 for p in parts)
    assert loss.item() > 0
