"""What tutorials print (`print(model)`) is PyTorch's text, and the normalisation layers take
PyTorch's `bias=` (False: a weight and no bias)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _models(lib):
    nn = lib.nn
    return [
        nn.ModuleList(
            [nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.ModuleList([nn.Tanh()] * 3)]
        ),
        nn.ModuleList(),
        nn.Sequential(nn.BatchNorm2d(3), nn.BatchNorm1d(4, affine=False), nn.GroupNorm(1, 2)),
        nn.Sequential(
            nn.LayerNorm(4), nn.LayerNorm((2, 3), bias=False), nn.LayerNorm(4, 1e-6, False)
        ),
        nn.Sequential(nn.BatchNorm2d(3, bias=False), nn.GroupNorm(1, 2, affine=False, bias=False)),
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3, enable_nested_tensor=False),
    ]


@pytest.mark.parametrize("k", range(6))
def test_print_model_as_pytorch(k):
    assert str(_models(minigrad)[k]) == str(_models(torch)[k])


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda nn: nn.BatchNorm2d(3, bias=False), (4, 3, 2, 2)),
        (lambda nn: nn.BatchNorm1d(3, affine=False, bias=True), (4, 3)),
        (lambda nn: nn.GroupNorm(2, 4, bias=False), (2, 4, 3)),
        (lambda nn: nn.LayerNorm(5, bias=False), (2, 5)),
    ],
)
def test_norm_without_bias_as_pytorch(make, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    results = []
    for lib in (torch, minigrad):
        layer = make(lib.nn).double()
        if layer.weight is not None:
            with lib.no_grad():
                layer.weight.copy_(lib.tensor(np.linspace(0.5, 1.5, layer.weight.numel())))
        results.append(
            (
                [n for n, _ in layer.named_parameters()],
                list(layer.state_dict()),
                layer(lib.tensor(x)).detach().numpy(),
            )
        )
    (names, keys, ours), (their_names, their_keys, theirs) = results
    assert names == their_names and keys == their_keys
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
