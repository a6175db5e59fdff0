"""nn.modules.module.register_module_forward_pre_hook / register_module_forward_hook: hooks
on every module's forward, run before each module's own, as PyTorch's; removed by their
handles."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _run(lib):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.tensor(np.random.default_rng(i).standard_normal(tuple(p.shape))).float())
    x = lib.tensor(np.random.default_rng(9).standard_normal((4, 2))).float()
    log = []
    handles = [
        nn.modules.module.register_module_forward_pre_hook(
            lambda m, args: log.append(("global_pre", type(m).__name__))
        ),
        nn.modules.module.register_module_forward_hook(
            lambda m, args, out: log.append(("global", type(m).__name__, list(out.shape)))
        ),
        nn.modules.module.register_module_forward_hook(
            lambda m, args, kwargs, out: out * 2 if isinstance(m, nn.ReLU) else None,
            with_kwargs=True,
        ),
        model[2].register_forward_hook(lambda m, args, out: log.append(("own", "Linear"))),
        model[2].register_forward_pre_hook(lambda m, args: log.append(("own_pre", "Linear"))),
    ]
    try:
        out = model(x)
    finally:
        for handle in handles[:3]:
            handle.remove()
    doubled = out.detach().numpy()
    log.append("removed")
    plain = model(x).detach().numpy()
    failed = []
    handle = nn.modules.module.register_module_forward_hook(
        lambda m, args, out: failed.append(out), always_call=True
    )
    try:
        with pytest.raises(RuntimeError):
            model[0](lib.ones(4, 5))
    finally:
        handle.remove()
    return log, doubled, plain, failed


def test_global_forward_hooks_as_pytorch():
    (log1, doubled1, plain1, failed1), (log2, doubled2, plain2, failed2) = map(
        _run, (minigrad, torch)
    )
    assert log1 == log2
    np.testing.assert_allclose(doubled1, doubled2, rtol=1e-6)
    np.testing.assert_allclose(plain1, plain2, rtol=1e-6)
    assert failed1 == failed2 == [None]
