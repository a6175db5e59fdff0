"""nn.LSTM(proj_size=P) against PyTorch (h' = W_hr (o tanh(c')), states h (.., P), c (.., H)),
with its parameter names and order, its errors, and the recurrent layers' repr."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _both(*args, **kwargs):
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(*args, **kwargs).double()
    ours = minigrad.nn.LSTM(*args, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize(
    "kwargs",
    [
        {"proj_size": 2},
        {"proj_size": 2, "num_layers": 2, "bidirectional": True},
        {"proj_size": 1, "num_layers": 2, "batch_first": True, "bias": False},
    ],
)
def test_lstm_with_projections_matches_pytorch(kwargs):
    ours, theirs = _both(3, 4, **kwargs)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == [
        (k, tuple(p.shape)) for k, p in theirs.named_parameters()
    ]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 3))
    states = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h0 = rng.standard_normal((states, 5 if kwargs.get("batch_first") else 3, kwargs["proj_size"]))
    c0 = rng.standard_normal((states, h0.shape[1], 4))
    results = []
    for lib, layer in ((minigrad, ours), (torch, theirs)):
        inputs, h = lib.tensor(x, requires_grad=True), lib.tensor(h0, requires_grad=True)
        output, (h_n, c_n) = layer(inputs, (h, lib.tensor(c0)))
        (output.sin().sum() + 2 * h_n.sum() + 3 * c_n.sum()).backward()
        grads = [p.grad.numpy() for p in layer.parameters()]
        results.append([output.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy()])
        results[-1] += [inputs.grad.numpy(), h.grad.numpy(), *grads]
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert results[0][0].shape[-1] == kwargs["proj_size"] * (1 + kwargs.get("bidirectional", 0))


def test_lstm_projection_errors_are_pytorchs():
    for lib in (minigrad, torch):
        with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
            lib.nn.LSTM(3, 4, proj_size=4)
        with pytest.raises(ValueError, match="positive integer or zero to disable projections"):
            lib.nn.LSTM(3, 4, proj_size=-1)
        with pytest.raises(ValueError, match="only supported for LSTM, not RNN or GRU"):
            lib.nn.RNN(3, 4, proj_size=2)
    with pytest.raises(RuntimeError, match=r"expected hidden size \(1, 2, 2\)"):
        minigrad.nn.LSTM(3, 4, proj_size=2)(minigrad.zeros(5, 2, 3), (minigrad.zeros(1, 2, 4),) * 2)


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True),
        lambda nn: nn.LSTM(3, 4, num_layers=2, dropout=0.25, bias=False, batch_first=True),
        lambda nn: nn.GRU(3, 4, dropout=0.5, num_layers=3),
        lambda nn: nn.RNN(3, 4, bias=False),
    ],
)
def test_recurrent_repr_is_pytorchs(make):
    assert repr(make(minigrad.nn)) == repr(make(torch.nn))


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True),
        lambda nn: nn.GRU(3, 4, bias=False, num_layers=2),
    ],
)
def test_all_weights_and_flatten_parameters_as_pytorch(make):
    ours, theirs = make(minigrad.nn), make(torch.nn)
    assert ours.flatten_parameters() is None and theirs.flatten_parameters() is None
    shapes = [[tuple(w.shape) for w in ws] for ws in ours.all_weights]
    assert shapes == [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]
    assert ours.all_weights[0][0] is ours.weight_ih_l0
