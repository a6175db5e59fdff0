"""optim.LBFGS against PyTorch's: the same iterates, losses and counters, in float64 (where
rounding cannot hide a difference in the algorithm) and float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _run(lib, dtype, steps=3, **options):
    """L-BFGS on a least-squares problem plus a quartic term (the Hessian changes)."""
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.standard_normal((8, 5)).astype(dtype))
    b = lib.tensor(rng.standard_normal(8).astype(dtype))
    x = lib.tensor(np.zeros(5, dtype), requires_grad=True)
    bias = lib.tensor(np.ones(1, dtype), requires_grad=True)
    optimizer = lib.optim.LBFGS([x, bias], **options)
    losses, returned = [], []

    def closure():
        optimizer.zero_grad()
        residual = a @ x + bias - b
        loss = (residual**2).sum() + 0.1 * (x**4).sum()
        loss.backward()
        losses.append(loss.item())
        return loss

    for _ in range(steps):
        returned.append(optimizer.step(closure).item())
    state = optimizer.state[x]
    counters = [state["n_iter"], state["func_evals"], len(state["old_dirs"])]
    return losses, returned, x.tolist() + bias.tolist(), counters


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lr": 0.5, "max_iter": 7, "history_size": 3},
        {"max_iter": 30, "max_eval": 12},
        {"tolerance_grad": 1e-3, "tolerance_change": 1e-6},
    ],
)
def test_lbfgs_follows_pytorch_in_float64(options):
    ours, theirs = _run(minigrad, "float64", **options), _run(torch, "float64", **options)
    assert len(ours[0]) == len(theirs[0]) and ours[3] == theirs[3]
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_lbfgs_follows_pytorch_in_float32():
    # NOTE: four iterations a step, stopped by max_iter while the loss still falls by 1e-4 or
    # more: run to convergence, the last stopping test compares two losses an ulp apart, which
    # PyTorch's float32 kernels round differently on different processors (n_iter 16 on one
    # Intel Xeon, 17 on AMD EPYC and in minigrad)
    options = {"lr": 0.8, "max_iter": 4}
    ours, theirs = _run(minigrad, "float32", **options), _run(torch, "float32", **options)
    assert min(abs(a - b) for a, b in zip(theirs[0], theirs[0][1:])) > 1e-5
    assert ours[3] == theirs[3]
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_lbfgs_stops_at_once_on_a_zero_gradient():
    x = minigrad.zeros(3, requires_grad=True)
    optimizer = minigrad.optim.LBFGS([x])
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = (x**2).sum()
        loss.backward()
        calls.append(1)
        return loss

    assert optimizer.step(closure).item() == 0.0
    assert len(calls) == 1 and x.tolist() == [0.0, 0.0, 0.0]


def test_lbfgs_errors():
    x = minigrad.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        minigrad.optim.LBFGS([{"params": [x]}, {"params": [minigrad.zeros(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        minigrad.optim.LBFGS([x], lr=-1)


def test_lbfgs_on_the_simulated_gpu_equals_the_cpu():
    from minigrad.testing.simulated_gpu import simulated_gpu

    def run(device):
        x = minigrad.tensor([1.0, -2.0, 3.0], device=device, requires_grad=True)
        optimizer = minigrad.optim.LBFGS([x], history_size=2)

        def closure():
            optimizer.zero_grad()
            loss = ((x - 1) ** 2).sum() + 0.1 * (x**4).sum()
            loss.backward()
            return loss

        losses = [optimizer.step(closure).item() for _ in range(2)]
        return losses, x.tolist(), str(x.device)

    cpu = run("cpu")
    with simulated_gpu():
        gpu = run("cuda")
    assert gpu[:2] == cpu[:2] and gpu[2] == "cuda:0"
