"""F.ctc_loss and nn.CTCLoss against PyTorch: losses and gradients (through log_softmax and
with respect to log_probs directly) for padded and concatenated targets, lengths as tensors
or tuples, every reduction, zero_infinity, impossible and empty targets; PyTorch's errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import minigrad

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((8, 4, 5))
UPSTREAM = RNG.standard_normal(4)
PADDED = [[1, 2, 2], [3, 0, 0], [1, 1, 4], [4, 3, 9]]  # 0 and 9: padding, never read


def _lengths(lib, lengths):
    return lengths if isinstance(lengths, tuple) else lib.tensor(lengths)


def _run(lib, dtype, targets, il, tl, **kwargs):
    """(loss, the logits' gradient, log_probs' gradient) with an uneven upstream gradient."""
    x = lib.tensor(LOGITS.astype(dtype), requires_grad=True)
    log_probs = x.log_softmax(-1)
    direct = log_probs.detach().requires_grad_()
    out = []
    for inp, wrt in ((log_probs, x), (direct, direct)):
        loss = lib.nn.functional.ctc_loss(
            inp, lib.tensor(targets), _lengths(lib, il), _lengths(lib, tl), **kwargs
        )
        w = lib.tensor(UPSTREAM[: loss.numel()].reshape(tuple(loss.shape)).astype(dtype))
        out.append(lib.autograd.grad(loss, wrt, w)[0].numpy())
    return (loss.detach().numpy(), *out)


CASES = [
    (PADDED, [8, 7, 4, 8], [3, 1, 3, 2], {}),
    (PADDED, (8, 7, 4, 8), (3, 1, 3, 2), {"reduction": "sum"}),
    # item 2 is impossible (a repeat needs a blank between: 4 steps), item 3 has no steps
    (PADDED, [8, 7, 3, 0], [3, 1, 3, 0], {"reduction": "none"}),
    (PADDED, [8, 7, 3, 0], [3, 0, 3, 0], {"reduction": "none", "zero_infinity": True}),
    (PADDED, [8, 7, 3, 5], [3, 1, 3, 2], {"zero_infinity": True}),
    (PADDED, [8, 7, 4, 5], [3, 1, 3, 2], {"blank": 0, "reduction": "sum"}),
    ([1, 2, 2, 3, 1, 1, 4, 4, 3], [8, 7, 4, 5], [3, 1, 3, 2], {"reduction": "none"}),
    ([1, 2, 2, 3, 1, 4, 3], (8, 7, 1, 5), (3, 1, 1, 2), {"blank": 0}),
    ([[2, 3, 1], [1, 0, 0], [3, 1, 1], [1, 3, 0]], [8, 8, 8, 8], [3, 2, 3, 2], {"blank": 4}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("targets, il, tl, kwargs", CASES)
def test_losses_and_gradients_as_pytorch(targets, il, tl, kwargs, dtype):
    ours = _run(minigrad, dtype, targets, il, tl, **kwargs)
    theirs = _run(torch, dtype, targets, il, tl, **kwargs)
    tol = 1e-10 if dtype == "float64" else 1e-5
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        # nan where PyTorch's gradient is nan (an impossible target without zero_infinity)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


def test_one_item_without_a_batch_dim():
    for reduction in ("none", "mean", "sum"):
        values = []
        for lib in (torch, minigrad):
            x = lib.tensor(LOGITS[:, 0], requires_grad=True)
            loss = lib.nn.functional.ctc_loss(
                x.log_softmax(1), lib.tensor([1, 2, 2]), (8,), (3,), reduction=reduction
            )
            loss.backward()
            values.append((tuple(loss.shape), loss.item(), x.grad.numpy()))
        assert values[1][0] == values[0][0] == ()
        assert values[1][1] == pytest.approx(values[0][1], rel=1e-12)
        np.testing.assert_allclose(values[1][2], values[0][2], rtol=1e-10, atol=1e-12)


def test_the_module_holds_its_options():
    x = LOGITS.astype("float32")
    losses = []
    for lib in (torch, minigrad):
        module = lib.nn.CTCLoss(blank=2, reduction="sum", zero_infinity=True)
        loss = module(lib.tensor(x).log_softmax(2), lib.tensor(PADDED), (8, 7, 3, 5), (3, 1, 3, 2))
        losses.append(loss.item())
        assert (module.blank, module.reduction, module.zero_infinity) == (2, "sum", True)
    assert losses[1] == pytest.approx(losses[0], rel=1e-6)


def test_a_label_equal_to_blank_gives_pytorchs_loss():
    """The loss agrees; the gradient at the last step does not (docs/nn.md: PyTorch's kernel
    keeps one of the last two places' terms when both are of the blank's class)."""
    for targets in ([[1, 2, 2], [3, 0, 0], [2, 2, 4], [4, 3, 9]],):
        losses = [
            lib.nn.functional.ctc_loss(
                lib.tensor(LOGITS).log_softmax(2),
                lib.tensor(targets),
                (8, 7, 5, 6),
                (3, 1, 3, 2),
                blank=2,
                reduction="none",
            ).numpy()
            for lib in (torch, minigrad)
        ]
        np.testing.assert_allclose(losses[1], losses[0], rtol=1e-12)


def test_no_second_derivative():
    for lib in (torch, minigrad):
        lp = lib.tensor(LOGITS).log_softmax(2).detach().requires_grad_()
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor(PADDED), (8, 7, 4, 8), (3, 1, 3, 2))
        (g,) = lib.autograd.grad(loss, lp, create_graph=True)
        with pytest.raises(RuntimeError, match="not (implemented|differentiable)"):
            g.sum().backward()


def test_a_long_batch_is_one_recursion_over_time():
    """100 steps of 32 items, 20 labels each out of 30 classes: the recursions run over time
    only (the batch and the labels are array dims), so this takes well under a second."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((100, 32, 30)).astype("float32")
    targets = rng.integers(1, 30, (32, 20))
    il = tuple(int(n) for n in rng.integers(60, 101, 32))
    tl = tuple(int(n) for n in rng.integers(5, 21, 32))
    out = []
    for lib in (torch, minigrad):
        logits = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.ctc_loss(logits.log_softmax(2), lib.tensor(targets), il, tl)
        loss.backward()
        out.append((loss.item(), logits.grad.numpy()))
    assert out[1][0] == pytest.approx(out[0][0], rel=1e-5)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-4, atol=1e-6)


ERRORS = [
    "F.ctc_loss(lp, tg, il, tl, blank=5)",
    "F.ctc_loss(lp, tg, il, tl, blank=-1)",
    "F.ctc_loss(lp, tg, t.tensor([9, 5, 3]), tl)",
    "F.ctc_loss(lp, tg, t.tensor([-1, 5, 3]), tl)",
    "F.ctc_loss(lp, tg, il, t.tensor([-1, 1, 3]))",
    "F.ctc_loss(lp, tg, t.tensor([6, 5]), tl)",
    "F.ctc_loss(lp, tg, (6, 5, 3), (3, 1, 3, 4))",
    "F.ctc_loss(lp, tg, il, (3, 1, 3))",
    "F.ctc_loss(lp, tg, il, t.tensor([4, 1, 3]))",
    "F.ctc_loss(lp, tg[:2], il, tl)",
    "F.ctc_loss(lp, t.tensor([1, 2, 2, 3, 1, 1]), il, tl)",
    "F.ctc_loss(lp, t.tensor([1, 2, 2, 3, 1, 1, 4, 4]), il, tl)",
    "F.ctc_loss(lp, tg[None], il, tl)",
    "F.ctc_loss(lp, tg, il.float(), tl)",
    "F.ctc_loss(lp.long(), tg, il, tl)",
    "F.ctc_loss(lp.half(), tg, il, tl)",
    "F.ctc_loss(lp, tg, il, tl, reduction='avg')",
    "F.ctc_loss(lp[:, :0], tg[:0], il[:0], tl[:0])",
    "F.ctc_loss(lp, tg, (6.0, 5, 3), tl)",
    "F.ctc_loss(lp[0], tg, il, tl)",
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_as_pytorch(call):
    def outcome(lib):
        env = {
            "t": lib,
            "F": lib.nn.functional,
            "lp": lib.tensor(LOGITS[:6, :3]).log_softmax(2),
            "tg": lib.tensor([[1, 2, 2], [3, 0, 0], [1, 1, 4]]),
            "il": lib.tensor([6, 5, 3]),
            "tl": lib.tensor([3, 1, 3]),
        }
        try:
            eval(call, env)
        except Exception as exc:  # noqa: BLE001 - the exception is the result compared
            return exc
        raise AssertionError(f"{call} did not raise")

    ours, theirs = outcome(minigrad), outcome(torch)
    assert type(ours) is type(theirs), f"{call}: {ours!r} instead of {theirs!r}"
    if isinstance(theirs, RuntimeError):
        words = re.sub(r" \(while checking arguments for \w+\)$", "", str(theirs).splitlines()[0])
        assert words in str(ours), f"{call}: {ours} does not say {words!r}"


def test_a_label_outside_the_classes_is_an_error():
    """PyTorch reads past the end of log_probs here; minigrad refuses."""
    lp = minigrad.tensor(LOGITS[:6, :3]).log_softmax(2)
    with pytest.raises(RuntimeError, match="ctc_loss: a target label is outside 0..4"):
        minigrad.nn.functional.ctc_loss(lp, minigrad.tensor([[1, 5, 2]] * 3), (6, 5, 3), (3, 1, 3))
    # padding past a target's length is not read, whatever it holds
    loss = minigrad.nn.functional.ctc_loss(
        lp, minigrad.tensor([[1, 2, -1], [3, 99, 99], [1, 1, 4]]), (6, 5, 4), (2, 1, 3)
    )
    assert np.isfinite(loss.item())
