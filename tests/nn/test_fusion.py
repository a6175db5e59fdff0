"""nn.utils.fusion (BatchNorm folded into the layer before it, for inference) and
nn.utils.stateless.functional_call against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _load(lib, module, seed):
    rng = np.random.default_rng(seed)
    state = {
        k: lib.tensor(rng.random(tuple(v.shape)) + 0.5) for k, v in module.state_dict().items()
    }
    state = {k: v.long() if k.endswith("num_batches_tracked") else v for k, v in state.items()}
    module.load_state_dict(state)
    return module.double().eval()


def _fused(lib, make_layer, make_bn, fuse, shape):
    layer, bn = _load(lib, make_layer(lib), 0), _load(lib, make_bn(lib), 1)
    fused = fuse(lib, layer, bn)
    x = lib.tensor(np.random.default_rng(2).standard_normal(shape))
    return [
        fused(x).tolist(),
        bn(layer(x)).tolist(),
        type(fused.weight).__name__,
        fused.weight.requires_grad,
        layer.weight.tolist(),
    ]


CASES = [
    (lambda lib: lib.nn.Conv2d(2, 3, 3), lambda lib: lib.nn.BatchNorm2d(3), False, (2, 2, 5, 5)),
    (
        lambda lib: lib.nn.Conv2d(2, 3, 3, bias=False),
        lambda lib: lib.nn.BatchNorm2d(3),
        False,
        (1, 2, 4, 4),
    ),
    (
        lambda lib: lib.nn.ConvTranspose2d(2, 3, 3),
        lambda lib: lib.nn.BatchNorm2d(3),
        True,
        (1, 2, 3, 3),
    ),
    (lambda lib: lib.nn.Conv1d(2, 4, 2), lambda lib: lib.nn.BatchNorm1d(4), False, (2, 2, 6)),
]


@pytest.mark.parametrize("make_layer, make_bn, transpose, shape", CASES)
def test_fuse_conv_bn_eval_as_pytorch(make_layer, make_bn, transpose, shape):
    def fuse(lib, conv, bn):
        return lib.nn.utils.fusion.fuse_conv_bn_eval(conv, bn, transpose=transpose)

    ours = _fused(minigrad, make_layer, make_bn, fuse, shape)
    theirs = _fused(torch, make_layer, make_bn, fuse, shape)
    np.testing.assert_allclose(ours[0], ours[1], rtol=1e-12)  # the fused layer is bn(conv(x))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[2:4] == theirs[2:4] and ours[4] == theirs[4]  # the original layer is unchanged


def test_fuse_linear_bn_eval_and_training_refused_as_pytorch():
    def fuse(lib, linear, bn):
        return lib.nn.utils.fusion.fuse_linear_bn_eval(linear, bn)

    def linear(lib):
        return lib.nn.Linear(3, 4)

    def bn(lib):
        return lib.nn.BatchNorm1d(4)

    ours, theirs = (_fused(lib, linear, bn, fuse, (5, 3)) for lib in (minigrad, torch))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[0], ours[1], rtol=1e-12)
    for lib in (minigrad, torch):
        with pytest.raises(AssertionError, match="Fusion only for eval"):
            lib.nn.utils.fusion.fuse_conv_bn_eval(lib.nn.Conv2d(1, 1, 1), lib.nn.BatchNorm2d(1))


def test_stateless_functional_call_warns_and_calls_as_pytorch():
    outs = []
    for lib in (minigrad, torch):
        model = lib.nn.Linear(2, 2)
        weights = {"weight": lib.eye(2) * 3, "bias": lib.ones(2)}
        with pytest.warns(FutureWarning, match="torch.func.functional_call"):
            outs.append(
                lib.nn.utils.stateless.functional_call(model, weights, lib.ones(1, 2)).tolist()
            )
    assert outs[0] == outs[1] == [[4.0, 4.0]]


def test_the_fusion_helpers_are_attributes_of_nn_utils_as_in_pytorch():
    names = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval"]
    names.append("fuse_linear_bn_weights")
    for lib in (minigrad, torch):
        for name in names:
            assert getattr(lib.nn.utils, name) is getattr(lib.nn.utils.fusion, name)
