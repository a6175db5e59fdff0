"""The old names older tutorials still call, as PyTorch keeps them: nn.init's inits without
the underscore and nn.utils.clip_grad_norm (FutureWarning), F.upsample, F.upsample_nearest
and F.upsample_bilinear (UserWarning); the same results as the current names."""

import numpy as np
import pytest
import torch

import minigrad

INITS = ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
         "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"]  # fmt: skip


@pytest.mark.parametrize("name", INITS)
def test_init_without_underscore_warns_and_initializes(name):
    init = minigrad.nn.init
    args = {"constant": (0.3,), "sparse": (0.5,)}.get(name, ())
    shape = (2, 2, 3) if name == "dirac" else (4, 3)
    minigrad.manual_seed(0)
    expected = getattr(init, name + "_")(minigrad.empty(*shape), *args)
    minigrad.manual_seed(0)
    with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor of"):
        got = getattr(init, name)(minigrad.empty(*shape), *args)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    assert hasattr(torch.nn.init, name)


def test_clip_grad_norm_old_name():
    model = minigrad.nn.Linear(3, 2)
    model(minigrad.ones(4, 3) * 10).sum().backward()
    with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
        total = minigrad.nn.utils.clip_grad_norm(model.parameters(), 0.5)
    assert total.item() > 0.5
    norm = minigrad.nn.utils.get_total_norm([p.grad for p in model.parameters()])
    assert abs(norm.item() - 0.5) < 1e-4


def _upsampled(lib):
    F = lib.nn.functional
    img = lib.arange(8.0).view(1, 2, 2, 2)
    with pytest.warns(UserWarning, match="is deprecated. Use `nn.functional.interpolate`"):
        return [
            F.upsample(img, scale_factor=2),
            F.upsample(img, size=3, mode="bilinear"),
            F.upsample_nearest(img, size=(3, 3)),
            F.upsample_bilinear(img, scale_factor=2),
        ]


def test_upsample_old_names_as_pytorch():
    for ours, theirs in zip(_upsampled(minigrad), _upsampled(torch)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
