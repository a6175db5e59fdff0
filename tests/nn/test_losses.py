"""Loss modules against PyTorch (values and gradients), with their options."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 4))
CLASSES = np.array([0, 3, 1, 1, 2, -100])
PROBS = rng.dirichlet(np.ones(4), 6)
SIGMOIDS = rng.uniform(0.05, 0.95, (6, 4))
BINARY = (rng.uniform(size=(6, 4)) > 0.5).astype(np.float64)
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])

CASES = [
    ("ce", lambda m: m.CrossEntropyLoss(), LOGITS, CLASSES),
    (
        "ce_sum_smooth",
        lambda m: m.CrossEntropyLoss(reduction="sum", label_smoothing=0.1),
        LOGITS,
        CLASSES,
    ),
    (
        "ce_weight_none",
        lambda m, w=None: m.CrossEntropyLoss(weight=w, reduction="none"),
        LOGITS,
        CLASSES,
    ),
    ("ce_probs", lambda m: m.CrossEntropyLoss(label_smoothing=0.2), LOGITS, PROBS),
    ("ce_ignore", lambda m: m.CrossEntropyLoss(ignore_index=1), LOGITS, np.abs(CLASSES) % 4),
    ("ce_every_target_a_class", lambda m: m.CrossEntropyLoss(), LOGITS, np.abs(CLASSES) % 4),
    (
        "ce_every_target_a_class_none",
        lambda m: m.CrossEntropyLoss(reduction="none"),
        LOGITS,
        np.abs(CLASSES) % 4,
    ),
    ("nll", lambda m: m.NLLLoss(), LOGITS, CLASSES),
    ("nll_every_target_a_class", lambda m: m.NLLLoss(), LOGITS, np.abs(CLASSES) % 4),
    ("mse", lambda m: m.MSELoss(), LOGITS, PROBS),
    ("l1_sum", lambda m: m.L1Loss(reduction="sum"), LOGITS, PROBS),
    ("bce", lambda m: m.BCELoss(), SIGMOIDS, BINARY),
    ("bce_logits", lambda m: m.BCEWithLogitsLoss(), LOGITS, BINARY),
    ("mse_none", lambda m: m.MSELoss(reduction="none"), LOGITS, PROBS),
    ("bce_sum", lambda m: m.BCELoss(reduction="sum"), SIGMOIDS, BINARY),
    ("bce_logits_none", lambda m: m.BCEWithLogitsLoss(reduction="none"), LOGITS * 40, PROBS),
    ("smooth_l1", lambda m: m.SmoothL1Loss(beta=0.5), LOGITS, PROBS),
    ("huber_sum", lambda m: m.HuberLoss(reduction="sum", delta=0.5), LOGITS, PROBS),
]


@pytest.mark.parametrize("name, make, x, t", CASES, ids=[c[0] for c in CASES])
def test_loss_matches_pytorch(name, make, x, t):
    if name == "ce_weight_none":
        ours, theirs = make(nn, minigrad.tensor(WEIGHT)), make(torch.nn, torch.tensor(WEIGHT))
    else:
        ours, theirs = make(nn), make(torch.nn)
    xm, xt = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    loss, tloss = ours(xm, minigrad.tensor(t)), theirs(xt, torch.tensor(t))
    np.testing.assert_allclose(loss.detach().numpy(), tloss.detach().numpy(), rtol=1e-10)
    loss.sum().backward()
    tloss.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("bad", [4, -1, -100])
def test_a_target_out_of_range_names_the_loss_and_the_target(loss, bad):
    fn = getattr(nn.functional, loss)
    targets = minigrad.tensor([0, bad, 1])
    # -100 is the default ignore_index: ignored, not an error, unless another is chosen
    if bad == -100:
        assert fn(minigrad.tensor(LOGITS[:3]), targets).item() == pytest.approx(
            getattr(torch.nn.functional, loss)(torch.tensor(LOGITS[:3]), torch.tensor([0, bad, 1]))
        )
        kwargs = {"ignore_index": 2}
    else:
        kwargs = {}
    with pytest.raises(IndexError, match=f"{loss}: target {bad} is out of bounds for 4 classes"):
        fn(minigrad.tensor(LOGITS[:3]), targets, **kwargs)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, [1.0, 2.0, 3.0]])
@pytest.mark.parametrize("n, ignore_index", [(0, -100), (3, 1)], ids=["empty", "all_ignored"])
def test_no_target_left_gives_pytorchs_nan_and_zero_gradient_silently(
    loss, reduction, weight, n, ignore_index
):
    def run(lib):
        x = lib.zeros(n, 3, requires_grad=True)
        w = None if weight is None else lib.tensor(weight)
        fn = getattr(lib.nn.functional, loss)
        value = fn(
            x, lib.ones(n, dtype=lib.long), w, ignore_index=ignore_index, reduction=reduction
        )
        value.sum().backward()
        return value.detach().numpy(), x.grad.numpy()

    for ours, theirs in zip(run(minigrad), run(torch)):
        np.testing.assert_array_equal(ours, theirs)


def test_a_compiled_loss_checks_the_targets_of_every_batch():
    w = minigrad.tensor(LOGITS[:4].T, requires_grad=True)
    step = minigrad.compile(lambda x, y: nn.functional.cross_entropy(x @ w, y))
    x = minigrad.tensor(LOGITS[:3, :4])
    step(x, minigrad.tensor([0, 1, 2])).backward()
    for bad in (4, -1):
        with pytest.raises(IndexError, match=f"cross_entropy: target {bad} is out of bounds"):
            step(x, minigrad.tensor([0, bad, 2]))


def test_functional_names_exist():
    F = nn.functional
    for name in (
        "relu",
        "gelu",
        "softmax",
        "log_softmax",
        "cross_entropy",
        "nll_loss",
        "mse_loss",
        "l1_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "linear",
        "one_hot",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "conv2d",
        "max_pool2d",
        "avg_pool2d",
        "batch_norm",
        "layer_norm",
        "dropout",
        "embedding",
    ):
        assert callable(getattr(F, name)), name
    assert F.relu(minigrad.tensor([-1.0, 2.0]), inplace=False).tolist() == [0.0, 2.0]


def _both(fn):
    """fn(library) for PyTorch and minigrad, with its input's gradient."""
    out = []
    for lib in (torch, minigrad):
        x, loss = fn(lib)
        loss.sum().backward()
        out.append((loss.detach().numpy(), x.grad.numpy()))
    return out


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_weights_as_pytorch(reduction):
    def run(lib):
        x = lib.tensor(LOGITS, requires_grad=True)
        w, pw = lib.tensor(WEIGHT), lib.tensor(WEIGHT[::-1].copy())
        F = lib.nn.functional
        loss = F.binary_cross_entropy_with_logits(x, lib.tensor(PROBS), w, reduction=reduction)
        loss = loss + F.binary_cross_entropy_with_logits(
            x, lib.tensor(BINARY), w, reduction=reduction, pos_weight=pw
        )
        return x, loss + F.binary_cross_entropy(
            x.sigmoid(), lib.tensor(PROBS), w, reduction=reduction
        )

    (loss_t, grad_t), (loss_m, grad_m) = _both(run)
    np.testing.assert_allclose(loss_m, loss_t, rtol=1e-10)
    np.testing.assert_allclose(grad_m, grad_t, rtol=1e-10, atol=1e-14)


def test_bce_of_probabilities_0_and_1_is_finite_as_pytorch():
    # each log is clamped at -100, and the gradient's denominator p (1 - p) at 1e-12
    def run(lib):
        p = lib.tensor([0.0, 1.0, 0.0, 1.0, 0.5], requires_grad=True)
        return p, lib.nn.functional.binary_cross_entropy(
            p, lib.tensor([1.0, 0.0, 0.0, 1.0, 0.3]), reduction="none"
        )

    (loss_t, grad_t), (loss_m, grad_m) = _both(run)
    np.testing.assert_array_equal(loss_m, loss_t)
    assert loss_m.tolist()[:4] == [100.0, 100.0, 0.0, 0.0]
    np.testing.assert_allclose(grad_m, grad_t, rtol=1e-12)


def test_bce_with_logits_is_stable_for_large_logits():
    def run(lib):
        x = lib.tensor([-800.0, -40.0, 0.0, 40.0, 800.0], dtype=lib.float64, requires_grad=True)
        t = lib.tensor([1.0, 0.0, 0.5, 1.0, 0.0], dtype=lib.float64)
        return x, lib.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")

    (loss_t, grad_t), (loss_m, grad_m) = _both(run)
    assert np.isfinite(loss_m).all() and loss_m[0] == 800.0 and loss_m[-1] == 800.0
    np.testing.assert_allclose(loss_m, loss_t, rtol=1e-12)
    np.testing.assert_allclose(grad_m, grad_t, rtol=1e-12)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_bce_weights_that_want_a_gradient_are_refused_as_in_pytorch(loss):
    args = (minigrad.tensor(SIGMOIDS), minigrad.tensor(BINARY))
    weight = minigrad.tensor(WEIGHT, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"{loss}: not differentiable .* 'weight'"):
        getattr(nn.functional, loss)(*args, weight)
    with torch.no_grad():
        torch_weight = torch.tensor(WEIGHT, requires_grad=True)
        getattr(torch.nn.functional, loss)(
            torch.tensor(SIGMOIDS), torch.tensor(BINARY), torch_weight
        )
    with minigrad.no_grad():  # no graph: nothing to refuse, as in PyTorch
        getattr(nn.functional, loss)(*args, weight)


def test_a_compiled_bce_checks_the_probabilities_of_every_batch():
    step = minigrad.compile(lambda p, t: nn.functional.binary_cross_entropy(p, t))
    target = minigrad.tensor(BINARY[:2])
    step(minigrad.tensor(SIGMOIDS[:2], requires_grad=True), target).backward()
    for bad in (1.5, -0.1, float("nan")):
        p = minigrad.tensor(np.where(BINARY[:2] > 0, bad, 0.5))
        with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
            step(p, target)


@pytest.mark.parametrize("loss", ["mse_loss", "smooth_l1_loss", "huber_loss", "l1_loss"])
def test_a_target_of_another_shape_warns_and_broadcasts_as_pytorch(loss):
    x = LOGITS[:, :1]
    values = []
    for lib in (torch, minigrad):
        with pytest.warns(UserWarning, match=r"target size .* input size"):
            values.append(getattr(lib.nn.functional, loss)(lib.tensor(x), lib.tensor(PROBS)).item())
    assert values[1] == pytest.approx(values[0], rel=1e-12)


def test_smooth_l1_and_huber_refuse_a_negative_beta_or_delta_as_pytorch():
    a, b = minigrad.tensor(LOGITS), minigrad.tensor(PROBS)
    with pytest.raises(RuntimeError, match="negative values for beta"):
        nn.functional.smooth_l1_loss(a, b, beta=-1.0)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        nn.functional.huber_loss(a, b, delta=0.0)


@pytest.mark.parametrize("name", ["weight", "pos_weight"])
def test_a_bce_weight_that_would_grow_the_input_is_refused_as_in_pytorch(name):
    x, t, w = np.zeros(4), np.ones(4), np.ones((3, 4))
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor(x), torch.tensor(t), **{name: torch.tensor(w)}
        )
    with pytest.raises(RuntimeError, match=rf"{name} of shape \(3, 4\) does not broadcast"):
        nn.functional.binary_cross_entropy_with_logits(
            minigrad.tensor(x), minigrad.tensor(t), **{name: minigrad.tensor(w)}
        )
    if name == "weight":
        with pytest.raises(RuntimeError, match=r"weight of shape \(3, 4\) does not broadcast"):
            nn.functional.binary_cross_entropy(
                minigrad.tensor(x), minigrad.tensor(t), minigrad.tensor(w)
            )


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_of_column_major_logits_and_byte_targets_matches_pytorch(compiled, reduction):
    # the gradient's targets are written through a flat view: logits laid out column-major
    # (a transpose) must still get them in the right places; uint8 targets index the same
    rng = np.random.default_rng(3)
    logits = np.asfortranarray(rng.standard_normal((6, 4)))
    targets = np.array([3, 0, 1, 3, 2, 0], np.uint8)
    got = []
    for lib in (minigrad, torch):
        x = lib.tensor(logits, requires_grad=True)
        t = lib.tensor(targets.astype(np.int64) if lib is torch else targets)

        def loss_of(x, t, lib=lib):
            return lib.nn.functional.cross_entropy(x, t, reduction=reduction)

        if lib is minigrad and compiled:
            loss_of = minigrad.compile(loss_of)
        loss = loss_of(x, t)
        (loss.sum() if reduction == "none" else loss).backward()
        got.append((loss.detach().numpy(), x.grad.numpy()))
    (loss, grad), (want_loss, want_grad) = got
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-15)
