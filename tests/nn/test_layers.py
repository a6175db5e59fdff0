"""Every layer against PyTorch: same weights and inputs give the same outputs and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn


def _copy_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _compare(ours, theirs, shape, *, input_fn=None, rtol=1e-5, atol=1e-6):
    """Forward and backward of both layers in float64 on the same input."""
    ours.double()
    theirs.double()
    _copy_weights(ours, theirs)
    rng = np.random.default_rng(0)
    x_np = input_fn(rng) if input_fn else rng.standard_normal(shape)
    floating = x_np.dtype.kind == "f"
    x = minigrad.tensor(x_np, requires_grad=floating)
    tx = torch.tensor(x_np, requires_grad=floating)
    y, ty = ours(x), theirs(tx)
    y, ty = (y[0], ty[0]) if isinstance(y, tuple) else (y, ty)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    weights = rng.standard_normal(ty.shape)
    (y * minigrad.tensor(weights)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    if floating:
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )


LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("Linear_3d_nobias", lambda m: m.Linear(5, 3, bias=False), (2, 4, 5)),
    ("Conv2d", lambda m: m.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    (
        "Conv2d_stride_pad_dil",
        lambda m: m.Conv2d(2, 3, (3, 2), stride=2, padding=(1, 2), dilation=(2, 1)),
        (2, 2, 9, 8),
    ),
    ("Conv2d_unbatched", lambda m: m.Conv2d(2, 3, 3, padding=1), (2, 5, 5)),
    ("MaxPool2d", lambda m: m.MaxPool2d(2), (2, 3, 6, 6)),
    ("MaxPool2d_overlap_pad", lambda m: m.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    ("MaxPool2d_dilation", lambda m: m.MaxPool2d(2, stride=1, dilation=2), (1, 2, 6, 6)),
    ("AvgPool2d", lambda m: m.AvgPool2d(2), (2, 3, 6, 6)),
    (
        "AvgPool2d_pad",
        lambda m: m.AvgPool2d(3, 2, padding=1, count_include_pad=False),
        (2, 2, 7, 7),
    ),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(4), (8, 4)),
    ("BatchNorm1d_3d", lambda m: m.BatchNorm1d(3), (4, 3, 5)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3), (4, 3, 5, 5)),
    ("LayerNorm", lambda m: m.LayerNorm(6), (3, 6)),
    ("LayerNorm_2d", lambda m: m.LayerNorm((4, 5)), (2, 4, 5)),
    ("Flatten", lambda m: m.Flatten(), (2, 3, 4)),
    ("ReLU", lambda m: m.ReLU(), (3, 4)),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), (3, 4)),
    ("Sigmoid", lambda m: m.Sigmoid(), (3, 4)),
    ("Tanh", lambda m: m.Tanh(), (3, 4)),
    ("GELU", lambda m: m.GELU(), (3, 4)),
    ("GELU_tanh", lambda m: m.GELU("tanh"), (3, 4)),
    ("Softmax", lambda m: m.Softmax(dim=1), (3, 4)),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1), (3, 4)),
    ("Sequential", lambda m: m.Sequential(m.Linear(4, 8), m.ReLU(), m.Linear(8, 2)), (5, 4)),
    ("RNN", lambda m: m.RNN(3, 4), (5, 2, 3)),
    (
        "RNN_relu_2layer_bf",
        lambda m: m.RNN(3, 4, 2, nonlinearity="relu", batch_first=True),
        (2, 5, 3),
    ),
    ("LSTM", lambda m: m.LSTM(3, 4), (5, 2, 3)),
    ("LSTM_2layer_bf", lambda m: m.LSTM(3, 4, num_layers=2, batch_first=True), (2, 6, 3)),
    ("LSTM_unbatched", lambda m: m.LSTM(3, 4), (5, 3)),
    ("RNNCell", lambda m: m.RNNCell(3, 4), (2, 3)),
    ("LSTMCell", lambda m: m.LSTMCell(3, 4), (2, 3)),
]


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_matches_pytorch(name, make, shape):
    _compare(make(nn), make(torch.nn), shape)


def test_embedding_matches_pytorch():
    index = lambda rng: rng.integers(0, 6, (3, 4))  # noqa: E731
    ours, theirs = nn.Embedding(6, 3, padding_idx=1), torch.nn.Embedding(6, 3, padding_idx=1)
    _compare(ours, theirs, None, input_fn=index)
    assert np.all(ours.weight.grad.numpy()[1] == 0)


def test_batchnorm_running_stats_and_eval_match_pytorch():
    ours, theirs = nn.BatchNorm2d(3, momentum=None), torch.nn.BatchNorm2d(3, momentum=None)
    x = np.random.default_rng(1).standard_normal((4, 3, 5, 5)).astype(np.float32) * 3 + 1
    for _ in range(3):
        ours(minigrad.tensor(x))
        theirs(torch.tensor(x))
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(
        ours(minigrad.tensor(x)).detach().numpy(),
        theirs(torch.tensor(x)).detach().numpy(),
        rtol=1e-4,
        atol=1e-5,
    )


def test_dropout_train_and_eval():
    layer = nn.Dropout(0.25)
    x = minigrad.ones(2000, requires_grad=True)
    y = layer(x)
    kept = y.detach().numpy() != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())
    layer.eval()
    assert layer(x) is x


def test_default_initialisation_bounds_match_pytorch():
    """PyTorch's defaults: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for Linear and Conv2d."""
    lin, conv = nn.Linear(50, 40), nn.Conv2d(3, 8, 5)
    for p, fan_in in ((lin.weight, 50), (lin.bias, 50), (conv.weight, 75), (conv.bias, 75)):
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(p.numpy(force=True)).max() <= bound
        assert np.abs(p.numpy(force=True)).max() > 0.8 * bound
    assert nn.LSTM(3, 16).weight_hh_l0.shape == (64, 16)


def test_conv2d_double_backward_matches_pytorch():
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    x, w = minigrad.tensor(x_np, requires_grad=True), minigrad.tensor(w_np, requires_grad=True)
    tx, tw = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
    (gx,) = minigrad.autograd.grad(
        (nn.functional.conv2d(x, w, padding=1) ** 2).sum(), [x], create_graph=True
    )
    (tgx,) = torch.autograd.grad(
        (torch.nn.functional.conv2d(tx, tw, padding=1) ** 2).sum(), [tx], create_graph=True
    )
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "layer, bad_shape, words",
    [
        (lambda: nn.Linear(64, 10), (8, 32), "Linear(in_features=64"),
        (lambda: nn.Conv2d(1, 8, 3), (8, 3, 8, 8), "(N, 1, H, W)"),
        (lambda: nn.BatchNorm1d(4), (8, 5), "(N, 4)"),
        (lambda: nn.LayerNorm(6), (3, 5), "(*, 6)"),
        (lambda: nn.LSTM(3, 4), (5, 2, 7), "(L, N, 3)"),
    ],
)
def test_wrong_input_shape_names_layer_and_expected_shape(layer, bad_shape, words):
    module = layer()
    with pytest.raises((RuntimeError, ValueError)) as info:
        module(minigrad.randn(*bad_shape))
    assert words in str(info.value) and type(module).__name__ in str(info.value)


def test_layers_run_on_device(device):
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8, 3),
    ).to(device)
    out = model(minigrad.randn(2, 1, 4, 4, device=device))
    out.sum().backward()
    assert out.shape == (2, 3) and str(out.device).startswith(device)
    assert all(p.grad is not None for p in model.parameters())


def test_max_pool_indices_ties_and_nan_match_pytorch():
    """The first maximum of a window wins a tie, and a nan wins over numbers, as in PyTorch."""
    a = np.zeros((1, 2, 4, 6), dtype=np.float32)
    a[0, 0, 0, 1] = np.nan
    a[0, 1, 2:, 2:4] = 5.0
    ours = minigrad.nn.functional.max_pool2d(minigrad.tensor(a), 2, return_indices=True)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(a), 2, return_indices=True)
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
