"""optim.swa_utils against PyTorch: AveragedModel (SWA running mean, EMA by avg_fn and by
multi_avg_fn, use_buffers), SWALR's lrs (cos, linear, no annealing), update_bn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _model(lib):
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Linear(4, 1))
    rng = np.random.default_rng(0)
    model.load_state_dict(
        {
            k: lib.tensor(rng.standard_normal(tuple(v.shape)).astype(np.float32))
            if v.is_floating_point()
            else v
            for k, v in model.state_dict().items()
        }
    )
    return model


def _averaging(lib, kind):
    swa = lib.optim.swa_utils
    model = _model(lib)
    kwargs = {
        "swa": {},
        "ema": {"avg_fn": swa.get_ema_avg_fn(0.9)},
        "ema_multi": {"multi_avg_fn": swa.get_ema_multi_avg_fn(0.9)},
        "swa_multi": {"multi_avg_fn": swa.get_swa_multi_avg_fn()},
        "buffers": {"use_buffers": True},
    }[kind]
    averaged = swa.AveragedModel(model, **kwargs)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    x = lib.tensor(np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32))
    for _ in range(4):
        optimizer.zero_grad()
        model(x).square().mean().backward()
        optimizer.step()
        averaged.update_parameters(model)
    return {k: v.tolist() for k, v in averaged.state_dict().items()} | {"out": averaged(x).tolist()}


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_multi", "swa_multi", "buffers"])
def test_averaged_model_as_pytorch(kind):
    ours, theirs = _averaging(minigrad, kind), _averaging(torch, kind)
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"swa_lr": 0.05},
        {"swa_lr": 0.05, "anneal_epochs": 3, "anneal_strategy": "linear"},
        {"swa_lr": [0.05, 0.2], "anneal_epochs": 0},
    ],
)
def test_swalr_as_pytorch(kwargs):
    lrs = []
    for lib in (minigrad, torch):
        params = [lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(2))]
        optimizer = lib.optim.SGD(
            [{"params": params[:1]}, {"params": params[1:], "lr": 0.3}], lr=1.0
        )
        scheduler = lib.optim.swa_utils.SWALR(optimizer, **kwargs)
        seen = []
        for _ in range(12):
            optimizer.step()
            scheduler.step()
            seen.append(scheduler.get_last_lr())
        lrs.append(seen)
    np.testing.assert_allclose(lrs[0], lrs[1], rtol=1e-12)
    with pytest.raises(ValueError, match="anneal_strategy"):
        minigrad.optim.swa_utils.SWALR(optimizer, swa_lr=0.1, anneal_strategy="step")


def test_update_bn_as_pytorch():
    stats = []
    for lib in (minigrad, torch):
        model = _model(lib).eval()
        data = lib.tensor(np.random.default_rng(2).standard_normal((12, 3)).astype(np.float32))
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(data, data), batch_size=5)
        lib.optim.swa_utils.update_bn(loader, model)
        bn = model[1]
        stats.append(
            [bn.running_mean.tolist(), bn.running_var.tolist(), bn.momentum, model.training]
        )
    np.testing.assert_allclose(stats[0][0], stats[1][0], rtol=1e-5)
    np.testing.assert_allclose(stats[0][1], stats[1][1], rtol=1e-5)
    assert stats[0][2:] == stats[1][2:]
