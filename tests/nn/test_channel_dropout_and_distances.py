"""Dropout1d/2d/3d (whole channels dropped, PyTorch's shapes, warnings and errors) and the
distance layers CosineSimilarity and PairwiseDistance, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn
from minigrad.nn import functional as F


def _channel_factors(x, y, channel_dims):
    """y / x per element, grouped by channel: each group must be all 0 or all 1 / (1 - p)."""
    ratio = (y / x).numpy()
    return ratio.reshape(*ratio.shape[:channel_dims], -1)


@pytest.mark.parametrize(
    ("layer", "shape", "channel_dims"),
    [
        (nn.Dropout1d, (6, 5, 7), 2),
        (nn.Dropout1d, (40, 7), 1),  # unbatched (C, L)
        (nn.Dropout2d, (6, 5, 3, 3), 2),
        (nn.Dropout3d, (6, 5, 2, 3, 3), 2),
        (nn.Dropout3d, (40, 2, 3, 3), 1),  # unbatched (C, D, H, W)
    ],
)
def test_channel_dropout_drops_whole_channels(layer, shape, channel_dims):
    x = minigrad.rand(*shape) + 0.5
    drop = layer(p=0.4)
    y = drop(x)
    factors = _channel_factors(x, y, channel_dims)
    zero, kept = (factors == 0).all(-1), np.isclose(factors, 1 / 0.6).all(-1)
    assert (zero | kept).all()
    assert zero.any() and kept.any()
    drop.eval()
    assert drop(x).tolist() == x.tolist()


def test_channel_dropout_gradient_is_the_mask():
    x = (minigrad.rand(4, 6, 3, 3) + 0.5).requires_grad_()
    y = F.dropout2d(x, 0.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (y / x).detach().numpy(), rtol=1e-6)


def test_channel_dropout_edge_probabilities():
    x = minigrad.rand(2, 3, 4)
    assert F.dropout1d(x, 0.0) is x
    assert (F.dropout1d(x, 1.0) == 0).all().item()
    assert F.dropout1d(x, 0.5, training=False) is x


def test_channel_dropout_errors_and_warnings_as_pytorch():
    for lib in (torch, minigrad):
        with pytest.raises(ValueError, match="between 0 and 1"):
            lib.nn.Dropout2d(1.5)
        with pytest.raises(ValueError, match="between 0 and 1"):
            lib.nn.functional.dropout1d(lib.ones(2, 3), -0.1)
        with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
            lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5), training=False)
        with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
            lib.nn.functional.dropout2d(lib.ones(2, 3, 4))
        with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input"):
            lib.nn.functional.dropout3d(lib.ones(2, 3, 4))
        with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="at least 2 dim"):
            lib.nn.functional.dropout2d(lib.ones(5))
    assert repr(nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))


@pytest.mark.parametrize(
    ("make", "shapes"),
    [
        (lambda lib: lib.nn.CosineSimilarity(), ((4, 5), (4, 5))),
        (lambda lib: lib.nn.CosineSimilarity(dim=0, eps=1e-6), ((4, 5), (1, 5))),
        (lambda lib: lib.nn.PairwiseDistance(), ((4, 5), (4, 5))),
        (lambda lib: lib.nn.PairwiseDistance(p=1.0, keepdim=True), ((2, 4, 5), (5,))),
        (lambda lib: lib.nn.PairwiseDistance(p=float("inf")), ((4, 5), (4, 5))),
    ],
)
def test_distance_layers_match_torch(make, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for lib in (torch, minigrad):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = make(lib)(*xs)
        out.backward(lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape))))
        results.append([out.detach().numpy()] + [x.grad.numpy() for x in xs])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert repr(make(minigrad)) == repr(make(torch))


def test_cosine_similarity_of_a_zero_vector_as_pytorch():
    """The eps clamp changes the value only; the gradient flows as through the norm."""
    grads = []
    for lib in (torch, minigrad):
        a = lib.zeros(2, 3, requires_grad=True)
        b = lib.tensor([[1.0, 2.0, 2.0], [0.0, 0.0, 3.0]], requires_grad=True)
        out = lib.nn.functional.cosine_similarity(a, b)
        out.sum().backward()
        grads.append([out.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    for ours, theirs in zip(grads[1], grads[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_cosine_similarity_of_integers_and_floats_as_pytorch():
    a, b = [[1, 2, 2], [0, 3, 4]], [[1.0, 0.5, -2.0]]
    ours = F.cosine_similarity(minigrad.tensor(a), minigrad.tensor(b))
    theirs = torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == minigrad.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_cosine_similarity_errors_as_pytorch():
    for lib in (torch, minigrad):
        with pytest.raises(RuntimeError, match="floating point"):
            lib.nn.functional.cosine_similarity(lib.tensor([[1, 2]]), lib.tensor([[3, 4]]))
    with pytest.raises(RuntimeError, match=r"cosine_similarity: shapes \(2, 3\) and \(4, 3\)"):
        F.cosine_similarity(minigrad.ones(2, 3), minigrad.ones(4, 3))
