"""The Adam family's, RMSprop's and Adagrad's updates, written into reused temporaries, give
PyTorch's parameters and state, 0-d parameters included (NumPy gives 0-d results as
scalars, which cannot be written into)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

CONFIGS = {
    "Adam": ("Adam", dict(lr=1e-2)),
    "Adam amsgrad wd maximize": (
        "Adam",
        dict(lr=1e-2, amsgrad=True, weight_decay=0.1, maximize=True),
    ),
    "AdamW amsgrad": ("AdamW", dict(lr=1e-2, amsgrad=True)),
    "Adamax": ("Adamax", dict()),
    "NAdam": ("NAdam", dict()),
    "RAdam": ("RAdam", dict()),
    "RMSprop": ("RMSprop", dict(lr=1e-2)),
    "RMSprop centered momentum wd": (
        "RMSprop",
        dict(lr=1e-2, centered=True, momentum=0.9, weight_decay=0.01),
    ),
    "RMSprop centered": ("RMSprop", dict(lr=1e-2, centered=True)),
    "RMSprop momentum": ("RMSprop", dict(lr=1e-2, momentum=0.5)),
    "Adagrad": ("Adagrad", dict(lr=1e-1, lr_decay=0.01, weight_decay=0.1)),
}


def _run(lib, name, settings, dtype):
    rng = np.random.default_rng(0)
    shapes = [(7, 5), (5,), ()]
    params = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    opt = getattr(lib.optim, name)(params, **settings)
    for _ in range(12):
        for p in params:
            p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype))
        opt.step()
    state = [
        {k: np.asarray(v.numpy()) for k, v in opt.state[p].items() if k != "step"} for p in params
    ]
    return [p.detach().numpy() for p in params], state


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_update_matches_pytorch_with_a_0d_parameter(config, dtype):
    name, settings = CONFIGS[config]
    ours, our_state = _run(minigrad, name, settings, dtype)
    theirs, their_state = _run(torch, name, settings, dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
    for a, b in zip(our_state, their_state):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=rtol)
