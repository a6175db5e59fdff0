"""conv2d's columns and their gradient taken a few images at a time (ops/conv.py
`_column_chunks`, `_input_grad`, for batches whose columns outgrow the caches): the same
values and gradients as PyTorch, with a last chunk shorter than the others, their own
gradients (double backward), and a compiled step's backward graph saved and loaded."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.ops import conv
from minigrad.testing import gradcheck
from minigrad.testing.simulated_gpu import simulated_gpu


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "dilation": (1, 2)}])
def test_chunked_convolution_matches_pytorch(monkeypatch, kwargs):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((7, 3, 9, 10)), rng.standard_normal((4, 3, 3, 3)), rng.random(4)
    chunks = []

    def counted(*args, **kw):
        chunks.append(args[2][0])  # the chunk's number of images
        return col2im(*args, **kw)

    col2im = conv._col2im
    ho, wo = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), **kwargs).shape[2:]
    # NOTE: room for three images' columns' gradient (3 x 3 kernel, 3 channels, float64) a
    # chunk, and every batch chunked
    monkeypatch.setattr(conv, "_CACHED_BYTES", 3 * 9 * ho * wo * 3 * 8)
    monkeypatch.setattr(conv, "_CHUNKED_BYTES", 0)
    monkeypatch.setattr(conv, "_col2im", counted)
    grads = []
    for lib in (minigrad, torch):
        X, W, B = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        y = lib.nn.functional.conv2d(X, W, B, **kwargs)
        (y * lib.tensor(np.linspace(-1, 1, y.numel()).reshape(y.shape))).sum().backward()
        grads.append([t.detach().numpy() for t in (y, X.grad, W.grad, B.grad)])
    assert chunks == [3, 3, 1]
    for name, ours, theirs in zip(("y", "x.grad", "w.grad", "b.grad"), *grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=name)


def test_chunked_gradients_have_gradients(monkeypatch):
    """Both first gradients, differentiated again with respect to x, w and the upstream
    gradient g (gradgradcheck's upstream is a constant)."""
    rng = np.random.default_rng(1)
    monkeypatch.setattr(conv, "_CACHED_BYTES", 2 * 9 * 4 * 4 * 2 * 8)  # two images a chunk
    monkeypatch.setattr(conv, "_CHUNKED_BYTES", 0)
    x, w, g = (
        minigrad.tensor(rng.standard_normal(shape), requires_grad=True)
        for shape in ((3, 2, 6, 6), (3, 2, 3, 3), (3, 3, 4, 4))
    )

    def first_gradients(x, w, g):
        y = minigrad.nn.functional.conv2d(x, w)
        return minigrad.autograd.grad(y, (x, w), g, create_graph=True)

    assert gradcheck(first_gradients, (x, w, g))


def test_a_chunked_step_compiles_saves_and_loads(monkeypatch, tmp_path):
    """A compiled conv2d whose columns were taken in chunks: its backward graph holds
    conv2d_weight_grad and conv2d_input_grad, gives PyTorch's gradients, and saved, loads
    within the file bounds (more images' windows, N Ho Wo = 64, than the weight gradient's
    O kh kw C = 54 elements) and computes the same."""
    monkeypatch.setattr(conv, "_CACHED_BYTES", 2 * 9 * 4 * 4 * 2 * 8)  # two images a chunk
    monkeypatch.setattr(conv, "_CHUNKED_BYTES", 0)
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((4, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    weights = np.linspace(-1, 1, 4 * 3 * 4 * 4).reshape(4, 3, 4, 4)
    grads, compiled = [], None
    for lib in (minigrad, torch):
        X, W = (lib.tensor(a, requires_grad=True) for a in (x, w))

        def step(X, W, lib=lib):
            return (lib.nn.functional.conv2d(X, W) * lib.tensor(weights)).sum()

        if lib is minigrad:
            step = compiled = minigrad.static.compile(step)
        step(X, W).backward()
        grads.append([X.grad.numpy(), W.grad.numpy()])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    graph = compiled.backward_graph
    assert {"conv2d_weight_grad", "conv2d_input_grad"} <= {node.op for node in graph.nodes}
    graph.save(tmp_path / "g.mgraph")
    loaded = minigrad.static.load(tmp_path / "g.mgraph")
    inputs = [
        minigrad.tensor(rng.standard_normal(graph.values[v].shape), dtype=graph.values[v].dtype)
        for v in graph.inputs
    ]
    for ours, theirs in zip(loaded(*inputs), graph(*inputs)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_the_weight_gradient_op_on_a_gpu_takes_all_the_columns_at_once():
    """ConvWeightGrad on the (simulated) GPU, as where a graph traced on the CPU with its
    columns in chunks replays there: all the columns at once (only NumPy's come in chunks),
    the same values as on the CPU, and its backward too."""
    rng = np.random.default_rng(3)
    rows, x = rng.standard_normal((3, 4, 18)), rng.standard_normal((3, 2, 5, 6))
    geom = conv.Geometry.make("conv2d", (3, 2), (2, 1), 1, (1, 2))
    results = []
    for device in ("cpu", "cuda"):
        with simulated_gpu():
            R, X = (minigrad.tensor(a, device=device, requires_grad=True) for a in (rows, x))
            gw = conv.ConvWeightGrad.apply(R, X, geom)
            assert gw.shape == (4, 3 * 2 * 2) and str(gw.device).startswith(device)
            (gw * gw).sum().backward()
            results.append([t.detach().cpu().numpy() for t in (gw, R.grad, X.grad)])
    for cpu, gpu in zip(*results):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-12, atol=1e-12)
