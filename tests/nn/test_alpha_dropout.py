"""nn.AlphaDropout and nn.FeatureAlphaDropout (F.alpha_dropout, F.feature_alpha_dropout):
PyTorch's formula (dropped elements at -alpha a (1 - p), kept ones a x + alpha a p), the
self-normalising property it exists for, whole channels for the feature version, eval mode and
PyTorch's errors and reprs. The draws are minigrad's, so values are checked through the mask."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn
from minigrad.nn import functional as F

ALPHA = 1.7580993408473766


def _scale(p):
    return 1.0 / math.sqrt((ALPHA**2 * p + 1) * (1 - p))


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_is_pytorchs_affine_map_of_the_mask(p):
    x = minigrad.tensor(np.random.default_rng(0).standard_normal((50, 40)), requires_grad=True)
    out = F.alpha_dropout(x, p, training=True)
    a = _scale(p)
    dropped = np.isclose(out.detach().numpy(), -ALPHA * a * (1 - p), rtol=0, atol=1e-12)
    kept = x.detach().numpy() * a + ALPHA * a * p
    np.testing.assert_allclose(out.detach().numpy()[~dropped], kept[~dropped], rtol=1e-12)
    assert abs(dropped.mean() - p) < 0.05
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(dropped, 0.0, a), rtol=1e-12)


def test_alpha_dropout_keeps_zero_mean_and_unit_variance_as_pytorchs():
    x = np.random.default_rng(1).standard_normal(200_000).astype(np.float32)
    for lib in (minigrad, torch):
        lib.manual_seed(0)
        out = lib.nn.AlphaDropout(0.2)(lib.tensor(x))
        assert abs(out.mean().item()) < 0.01 and abs(out.std().item() - 1) < 0.01


def test_feature_alpha_dropout_drops_whole_channels():
    out = nn.FeatureAlphaDropout(0.5)(minigrad.ones(8, 6, 3, 3)).numpy()
    per_channel = out.reshape(8, 6, 9)
    assert (per_channel == per_channel[..., :1]).all()
    values = np.unique(per_channel[..., 0].round(6))
    a = _scale(0.5)
    np.testing.assert_allclose(values, sorted([-ALPHA * a * 0.5, a + ALPHA * a * 0.5]), rtol=1e-6)


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_eval_defaults_and_errors_as_pytorch(lib):
    x = lib.ones(2, 3)
    layer = lib.nn.AlphaDropout(0.3)
    layer.eval()
    assert lib.equal(layer(x), x)
    assert lib.equal(lib.nn.functional.alpha_dropout(x, 0.5), x)  # training=False by default
    assert lib.nn.functional.alpha_dropout(x, 1.0, training=True).abs().sum().item() == 0
    assert repr(lib.nn.FeatureAlphaDropout(0.3)) == "FeatureAlphaDropout(p=0.3, inplace=False)"
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        lib.nn.functional.alpha_dropout(x, 1.5, training=True)
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        lib.nn.functional.feature_alpha_dropout(lib.ones(3), 0.5, training=True)
