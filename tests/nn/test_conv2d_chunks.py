"""conv2d's columns and their gradient taken a few images at a time (ops/conv.py
`_column_chunks`, `_input_grad`, for batches whose columns outgrow the caches): the same
values and gradients as PyTorch, with a last chunk shorter than the others, and their own
gradients (double backward)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.ops import conv
from minigrad.testing import gradcheck


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
