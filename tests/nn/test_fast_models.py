"""The model-step fast paths (benchmarks/bench_models.py): what each computes matches PyTorch,
and each path is the one taken (a speed itself is never asserted: see benchmarks/README.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.ops import conv, rnn
from minigrad.testing import gradcheck, gradgradcheck


def _count_matmuls(monkeypatch):
    calls = []
    real = np.matmul

    def counted(*args, **kwargs):
        calls.append(args[1].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "matmul", counted)
    return calls


@pytest.mark.parametrize(
    "rows, size, gates, blocks",
    [(32, 256, 4, 16), (16, 512, 4, 32), (32, 128, 4, 4), (32, 64, 4, 1), (32, 256, 3, 8)],
)
def test_step_product_splits_w_into_small_products(monkeypatch, rows, size, gates, blocks):
    """Column blocks of w of at most 10^6 multiply-adds each, none under 32 columns; the
    result is the one product's, into `out` or a new array."""
    rng = np.random.default_rng(0)
    h = rng.standard_normal((rows, size)).astype(np.float32)
    w = rng.standard_normal((size, gates * size)).astype(np.float32)
    product = rnn._step_product(np, w, rows)
    calls = _count_matmuls(monkeypatch)
    out = np.empty((rows, gates * size), np.float32)
    assert product(h, out) is out
    fresh = product(h)
    monkeypatch.undo()
    assert len(calls) == 2 * blocks
    assert all(shape[1] >= 32 and rows * size * shape[1] <= 10**6 for shape in calls) or (
        blocks == 1
    )
    expected = h.astype(np.float64) @ w.astype(np.float64)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(fresh, out)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_wide_recurrent_layers_match_pytorch(name):
    """Hidden 256, batch 32: the steps' products run in column blocks; outputs, final states
    and every gradient as PyTorch's, to float32 rounding."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 6, 16)).astype(np.float32)
    results = []
    for lib in (torch, minigrad):
        torch.manual_seed(0)
        layer = getattr(torch.nn, name)(16, 256, batch_first=True)
        if lib is minigrad:
            ours = getattr(minigrad.nn, name)(16, 256, batch_first=True)
            ours.load_state_dict({k: v.detach().numpy() for k, v in layer.state_dict().items()})
            layer = ours
        xt = lib.tensor(x, requires_grad=True)
        out, state = layer(xt)
        h_n = state[0] if isinstance(state, tuple) else state
        (out.square().mean() + h_n.sum()).backward()
        grads = [xt.grad] + [p.grad for p in layer.parameters()]
        results.append([np.asarray(t.detach().numpy()) for t in [out, h_n, *grads]])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5)


def _node_names(t):
    seen, todo = set(), [t.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo.extend(f for f, _ in node.next_functions)
    return {node.name() for node in seen}


@pytest.mark.parametrize("rows, cols", [(7, 7), (9, 5), (4, 6)])
def test_causal_attention_fills_the_scores_once(rows, cols):
    """is_causal: one masked_fill of the scores, no added mask and no dead-row wheres (a
    causal row always sees its first key); values and gradients as PyTorch's."""
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((2, 3, n, 8)) for n in (rows, cols, cols)]
    results = []
    for lib in (torch, minigrad):
        q, k, v = (lib.tensor(a, requires_grad=True) for a in arrays)
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        if lib is minigrad:
            names = _node_names(out)
            assert "MaskedFillBackward0" in names
            assert not {"WhereBackward0", "AddBackward0"} & names
        out.square().sum().backward()
        results.append([t.detach().numpy() for t in (out, q.grad, k.grad, v.grad)])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def _record_col2im(monkeypatch):
    """The shapes of the columns each col2im adds, in order: ops/conv.py's `_col2im`, which
    Col2Im and conv2d's input gradient (ConvInputGrad) call."""
    shapes = []
    col2im = conv._col2im

    def recorded(xp, cols, *args):
        shapes.append(cols.shape)
        return col2im(xp, cols, *args)

    monkeypatch.setattr(conv, "_col2im", recorded)
    return shapes


CONVS = [  # (N, C, H, W), O, kernel, stride, padding, dilation
    ((3, 4, 9, 8), 5, 3, 1, 1, 1),
    ((2, 3, 10, 11), 4, (3, 2), 2, (1, 0), 1),
    ((2, 6, 9, 9), 3, 3, 1, 2, 2),
    ((2, 1, 5, 2), 3, (2, 2), 1, 0, 1),  # one channel on a narrow image: im2col's rows
]


@pytest.mark.parametrize("shape, out, kernel, stride, padding, dilation", CONVS)
def test_conv2d_input_gradient_from_per_image_blocks(
    monkeypatch, shape, out, kernel, stride, padding, dilation
):
    """conv2d's backward reads gy per image, (O, Ho Wo), and col2im adds (N, kh kw, Ho Wo, C)
    blocks; gradients of input, weight and bias as PyTorch's, and gradcheck and gradgradcheck
    in float64."""
    rng = np.random.default_rng(3)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    arrays = [rng.standard_normal(shape), rng.standard_normal((out, shape[1], kh, kw))]
    arrays.append(rng.standard_normal(out))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    results = []
    for lib in (torch, minigrad):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = lib.nn.functional.conv2d(x, w, b, **kwargs)
        gy = lib.tensor(np.random.default_rng(5).standard_normal(tuple(y.shape)))
        shapes = _record_col2im(monkeypatch) if lib is minigrad else []
        y.backward(gy)
        monkeypatch.undo()
        if lib is minigrad:
            ho, wo = y.shape[2:]
            assert shapes == [(shape[0], kh * kw, ho * wo, shape[1])]
        results.append([t.grad.numpy() for t in (x, w, b)])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    x, w, b = (minigrad.tensor(a[:2] if i == 0 else a, requires_grad=True)
               for i, a in enumerate(arrays))  # fmt: skip

    def f(x, w, b):
        return minigrad.nn.functional.conv2d(x, w, b, **kwargs)

    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize(
    "shape, out, kernel, stride, padding, groups, blocks",
    [
        ((2, 4, 16, 16), 3, 3, 1, 1, 1, True),
        ((2, 4, 16, 17), 6, 4, 2, 1, 2, True),
        ((2, 4, 5, 6), 3, 3, 2, 0, 1, False),  # under 256 pixels: the rows layout
    ],
)
def test_conv_transpose2d_products_per_image_on_large_images(
    monkeypatch, shape, out, kernel, stride, padding, groups, blocks
):
    """From 256 input pixels, conv_transpose2d's columns come as col2im's per-image blocks
    (one product per image and kernel offset); values and gradients as PyTorch's."""
    rng = np.random.default_rng(4)
    arrays = [
        rng.standard_normal(shape),
        rng.standard_normal((shape[1], out // groups, kernel, kernel)),
        rng.standard_normal(out),
    ]
    kwargs = dict(stride=stride, padding=padding, groups=groups)
    results = []
    for lib in (torch, minigrad):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        shapes = _record_col2im(monkeypatch) if lib is minigrad else []
        y = lib.nn.functional.conv_transpose2d(x, w, b, **kwargs)
        monkeypatch.undo()
        if lib is minigrad:
            assert len(shapes) == 1 and (len(shapes[0]) == 4) == blocks
        y.square().sum().backward()
        results.append([t.detach().numpy() for t in (y, x.grad, w.grad, b.grad)])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-9)
    x, w, b = (minigrad.tensor(a, requires_grad=True) for a in arrays)

    def f(x, w, b):
        return minigrad.nn.functional.conv_transpose2d(x, w, b, **kwargs)

    assert gradcheck(f, (x, w, b))
