"""nn.TripletMarginWithDistanceLoss and F.triplet_margin_with_distance_loss as PyTorch's:
the default pairwise distance and a cosine distance, swap, reductions, gradients, the printed
module and the errors."""

import numpy as np
import pytest
import torch

import minigrad


def _losses(lib):
    F = lib.nn.functional
    a = lib.tensor([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]], requires_grad=True)
    p = lib.tensor([[1.5, 2.0], [0.0, -1.0], [2.0, 1.0]])
    n = lib.tensor([[1.0, 1.0], [0.5, 0.0], [-3.0, 0.0]])

    def cos(x, y):
        return 1.0 - F.cosine_similarity(x, y)

    outs = [
        F.triplet_margin_with_distance_loss(a, p, n),
        F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=cos, margin=0.5, swap=True, reduction="none"
        ),
        lib.nn.TripletMarginWithDistanceLoss(margin=2.0, swap=True, reduction="sum")(a, p, n),
    ]
    (grad,) = lib.autograd.grad(sum(o.sum() for o in outs), a)
    return [o.detach().numpy() for o in outs] + [grad.numpy()]


def test_values_and_gradients_as_pytorch():
    for ours, theirs in zip(_losses(minigrad), _losses(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_printed_module_and_errors_as_pytorch():
    for lib in (minigrad, torch):
        printed = repr(lib.nn.TripletMarginWithDistanceLoss(margin=0.5))
        assert (
            printed
            == "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"
        )
    F = minigrad.nn.functional
    a = minigrad.ones(3, 2)
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_with_distance_loss(a, a, a, margin=0)
    with pytest.raises(RuntimeError, match="anchor 2D, positive 1D, and negative 2D"):
        F.triplet_margin_with_distance_loss(a, a[0], a)
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got -1"):
        minigrad.nn.TripletMarginWithDistanceLoss(margin=-1)
