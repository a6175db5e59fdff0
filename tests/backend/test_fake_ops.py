"""Every op in tests/ops/op_table.py on the SIMULATED GPU (fake_cupy.py), against the CPU:
the same values and gradients, results on the input's device, and no host array sneaking into
device code. What this cannot check: CuPy's own numerics and kernels (run `pytest -m gpu`)."""

from __future__ import annotations

import numpy as np
import pytest
from op_table import CASES, functional, make_inputs

import minigrad


def _run(case, arrays, device):
    xs = [
        minigrad.tensor(a, dtype=minigrad.float64, device=device, requires_grad=case.grad)
        for a in arrays
    ]
    out = case.fn(minigrad, functional(minigrad), *xs)
    grads = []
    if case.grad:
        w = np.random.default_rng(1).standard_normal(tuple(out.shape))
        upstream = minigrad.tensor(w, dtype=out.dtype, device=device)
        grads = minigrad.autograd.grad(out, xs, upstream, allow_unused=True)
    return out, grads


def _host(t):
    return None if t is None else t.detach().cpu().numpy()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_op_on_simulated_cuda_matches_cpu(case, fake_cuda):
    arrays = make_inputs(case)
    out, grads = _run(case, arrays, "cpu")
    dev_out, dev_grads = _run(case, arrays, "cuda")
    assert str(dev_out.device) == "cuda:0", f"{case.name}: result on {dev_out.device}"
    assert dev_out.dtype == out.dtype and dev_out.shape == out.shape
    np.testing.assert_allclose(_host(dev_out), _host(out), rtol=1e-12, atol=1e-12)
    for i, (g, h) in enumerate(zip(dev_grads, grads)):
        assert (g is None) == (h is None), f"{case.name}: gradient {i}"
        if g is not None:
            assert str(g.device) == "cuda:0", f"{case.name}: gradient {i} on {g.device}"
            np.testing.assert_allclose(_host(g), _host(h), rtol=1e-12, atol=1e-12)


def test_gather_refuses_a_host_index(fake_cuda):
    x = minigrad.ones(3, 4, device="cuda")
    index = minigrad.tensor([[0, 1], [2, 3], [1, 1]])
    with pytest.raises(RuntimeError, match="gather: .*cuda:0, cpu"):
        x.gather(1, index)


def test_gradcheck_runs_on_simulated_cuda(fake_cuda):
    """gradcheck keeps its float64 arithmetic on the host, whatever the tensors' device."""
    from minigrad.testing import gradcheck

    x = minigrad.randn(3, 4, dtype=minigrad.float64, device="cuda", requires_grad=True)
    w = minigrad.randn(4, 2, dtype=minigrad.float64, device="cuda", requires_grad=True)
    assert gradcheck(lambda x, w: (x @ w).tanh().sum(0), (x, w))


@pytest.mark.parametrize(
    "op",
    [
        # softplus with inputs on both sides of its threshold: the masked copy of the linear part
        lambda F, x: F.softplus(x * 4, beta=2.0, threshold=3.0),
        lambda F, x: F.softplus(x * 4).tanh(),
        lambda F, x: F.conv_transpose2d(x.reshape(2, 3, 2, 2), x[:18].reshape(3, 2, 1, 3)),
    ],
    ids=["softplus", "tanh", "conv_transpose2d"],
)
def test_in_place_kernels_on_simulated_cuda_match_cpu(op, fake_cuda):
    array = np.random.default_rng(0).standard_normal(24).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        x = minigrad.tensor(array, device=device, requires_grad=True)
        y = op(minigrad.nn.functional, x)
        y.backward(minigrad.ones_like(y))
        assert y.device == x.grad.device == x.device
        results.append((_host(y), _host(x.grad)))
    (y, g), (dev_y, dev_g) = results
    np.testing.assert_allclose(dev_y, y, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dev_g, g, rtol=1e-6, atol=1e-7)
