"""The recurrent layers on the fused cells (minigrad/ops/rnn.py): one op a time step, second
derivatives through whole layers as PyTorch's, unbatched cells, the cell functions' errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn
from minigrad.autograd.grad_mode import state

LAYERS = [
    ("LSTM", dict(num_layers=2, bidirectional=True), True),
    ("LSTM", dict(proj_size=3, batch_first=True), True),
    ("GRU", dict(num_layers=2, bias=False), False),
    ("RNN", dict(nonlinearity="relu", bidirectional=True), False),
    ("RNN", dict(num_layers=2), False),
]


def _initial(lib, name, kwargs, rng, batch):
    states = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h = lib.tensor(rng.standard_normal((states, batch, kwargs.get("proj_size") or 5)))
    if name != "LSTM":
        return h.requires_grad_()
    c = lib.tensor(rng.standard_normal((states, batch, 5)))
    return h.requires_grad_(), c.requires_grad_()


@pytest.mark.parametrize("name, kwargs, cell_state", LAYERS, ids=lambda v: str(v))
def test_second_derivatives_through_layers_match_pytorch(name, kwargs, cell_state):
    """A gradient penalty: the gradients of the output by input, states and weights, taken
    with create_graph, squared and summed, differentiated again."""
    results = []
    for lib in (torch, minigrad):
        torch.manual_seed(0)
        layer = getattr(torch.nn, name)(4, 5, **kwargs).double()
        if lib is minigrad:
            theirs = layer
            layer = getattr(nn, name)(4, 5, **kwargs).double()
            layer.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
        hx = _initial(lib, name, kwargs, rng, 3 if kwargs.get("batch_first") else 2)
        out, _ = layer(x, hx)
        w = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
        inputs = [x, *(hx if cell_state else (hx,)), *layer.parameters()]
        grads = lib.autograd.grad((out * w).sum(), inputs, create_graph=True, allow_unused=True)
        penalty = sum((g * g).sum() for g in grads if g is not None)
        second = lib.autograd.grad(penalty, inputs, allow_unused=True)
        results.append(
            [None if g is None else g.detach().numpy() for g in list(grads) + list(second)]
        )
    for k, (theirs, ours) in enumerate(zip(*results)):
        if theirs is None or ours is None:
            assert not np.any(theirs if ours is None else ours), f"gradient {k}: expected 0"
            continue
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-10, err_msg=f"gradient {k}")


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_one_op_a_time_step(name):
    """Forward: the projection, one cut, one op a step, one join (and the state's reshapes),
    not the ~15 ops of a cell written with tensor ops."""
    layer = getattr(nn, name)(4, 5)
    x = minigrad.randn(20, 3, 4, requires_grad=True)
    state.tape = tape = []
    try:
        layer(x)
    finally:
        state.tape = None
    assert len(tape) <= 20 + 15, [cls.__name__ for cls, _ in tape]


@pytest.mark.parametrize("name, op", [("LSTM", "Lstm"), ("GRU", "Gru")])
def test_steps_run_in_one_op_unless_packed_of_several_lengths(name, op):
    """20 steps of each direction: one LstmSequence (GruSequence) op each; a PackedSequence
    whose sequences end at different steps runs a cell a step."""
    layer = getattr(nn, name)(4, 5, bidirectional=True)
    x = minigrad.randn(20, 3, 4, requires_grad=True)
    packed = nn.utils.rnn.pack_padded_sequence(x, minigrad.tensor([20, 12, 5]))
    for inputs, sequences, cells in ((x, 2, 0), (packed, 0, 2 * 20)):
        state.tape = tape = []
        try:
            layer(inputs)
        finally:
            state.tape = None
        names = [cls.__name__ for cls, _ in tape]
        assert names.count(f"{op}Sequence") == sequences and names.count(f"{op}Cell") == cells


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_take_unbatched_input_as_pytorch(name):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(3, 4).double()
    ours = getattr(nn, name)(3, 4).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x, h, c = (rng.standard_normal(s) for s in ((3,), (4,), (4,)))
    for lib, cell in ((torch, theirs), (minigrad, ours)):
        hx = (lib.tensor(h), lib.tensor(c)) if name == "LSTMCell" else lib.tensor(h)
        out = cell(lib.tensor(x, requires_grad=True), hx)
        outs = out if isinstance(out, tuple) else (out,)
        if lib is torch:
            want = [o.detach().numpy() for o in outs]
        else:
            assert [tuple(o.shape) for o in outs] == [w.shape for w in want]
            for o, w in zip(outs, want):
                np.testing.assert_allclose(o.detach().numpy(), w, rtol=1e-10)


@pytest.mark.parametrize("lib", [torch, minigrad], ids=["torch", "minigrad"])
def test_cell_functions_check_the_hidden_size(lib):
    x, h = lib.zeros(2, 3), lib.zeros(2, 4)
    with pytest.raises(RuntimeError):
        lib.lstm_cell(x, (h[:, :3], h), lib.zeros(16, 3), lib.zeros(16, 4))
    with pytest.raises(RuntimeError, match="gru_cell" if lib is minigrad else None):
        lib.gru_cell(x, h, lib.zeros(12, 3), lib.zeros(8, 4))


@pytest.mark.parametrize(
    "call",
    [
        lambda: nn.LSTM(3, 4)(minigrad.zeros(5, 2, 3), (_h64(1, 2, 4), minigrad.zeros(1, 2, 4))),
        lambda: nn.GRU(3, 4)(minigrad.zeros(5, 2, 3), _h64(1, 2, 4)),
        lambda: nn.LSTMCell(3, 4)(minigrad.zeros(2, 3), (_h64(2, 4), minigrad.zeros(2, 4))),
        lambda: nn.GRUCell(3, 4)(minigrad.zeros(2, 3), _h64(2, 4)),
        lambda: nn.RNNCell(3, 4)(minigrad.zeros(2, 3), _h64(2, 4)),
    ],
    ids=["LSTM", "GRU", "LSTMCell", "GRUCell", "RNNCell"],
)
def test_a_state_of_another_dtype_is_an_error(call):
    """PyTorch raises RuntimeError; the fused cells would otherwise promote to float64."""
    with pytest.raises(RuntimeError, match="dtype"):
        call()


def _h64(*shape):
    return minigrad.zeros(*shape, dtype=minigrad.float64)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_layers_under_autocast_keep_the_states_dtype(name):
    """Under float16 autocast the input's projection is float16 and the states float32: the
    outputs are float32, as PyTorch's GRU gives (its CPU LSTM refuses float16 autocast)."""
    results = []
    for lib in (torch, minigrad):
        torch.manual_seed(0)
        layer = getattr(torch.nn, name)(8, 16)
        if lib is minigrad:
            theirs, layer = layer, getattr(nn, name)(8, 16)
            layer.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        x = lib.tensor(np.random.default_rng(0).standard_normal((5, 3, 8)), dtype=lib.float32)
        if lib is torch and name == "LSTM":
            continue
        with lib.autocast("cpu", dtype=lib.float16):
            out, _ = layer(x)
        assert out.dtype == lib.float32
        results.append(out.detach().numpy())
    if len(results) == 2:
        np.testing.assert_allclose(results[1], results[0], atol=2e-3)
