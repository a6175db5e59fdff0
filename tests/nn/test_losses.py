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
