"""Recurrent layers: RNNCell, LSTMCell, and RNN / LSTM over whole sequences.

Parameter names and the LSTM gate order (input, forget, cell, output) follow PyTorch, so a
PyTorch state dict loads unchanged. Every weight starts as U(-1/sqrt(hidden), 1/sqrt(hidden)).
# NOTE: the input-to-hidden product is done for all time steps in one matmul before the loop;
# only the hidden-to-hidden product has to wait for the previous step.
"""

from __future__ import annotations

import math

from minigrad.creation import empty, zeros
from minigrad.nn import init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops.elementwise import relu, sigmoid, tanh
from minigrad.ops.matmul import linear
from minigrad.ops.nn import dropout
from minigrad.ops.shape import stack, transpose, unsqueeze


def _init_uniform(module: Module, hidden_size: int) -> None:
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


def _make_weights(module, suffix, input_size, hidden_size, gates, bias, device, dtype):
    """weight_ih (gates*H, in), weight_hh (gates*H, H) [, bias_ih, bias_hh (gates*H,)]."""
    rows = gates * hidden_size
    kw = {"device": device, "dtype": dtype}
    setattr(module, f"weight_ih{suffix}", Parameter(empty(rows, input_size, **kw)))
    setattr(module, f"weight_hh{suffix}", Parameter(empty(rows, hidden_size, **kw)))
    for name in (f"bias_ih{suffix}", f"bias_hh{suffix}"):
        if bias:
            setattr(module, name, Parameter(empty(rows, **kw)))
        else:
            module.register_parameter(name, None)


def _rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    pre = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    return tanh(pre) if nonlinearity == "tanh" else relu(pre)


def _lstm_gates(gates, c):
    """(i, f, g, o) from the 4H pre-activations; c' = f c + i g, h' = o tanh(c')."""
    i, f, g, o = gates.chunk(4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def _check_cell_input(cell, input, hx_shape):
    if input.ndim not in (1, 2) or input.shape[-1] != cell.input_size:
        raise ValueError(
            f"{cell!r}: expected input of shape (N, {cell.input_size}) or ({cell.input_size},), "
            f"got {tuple(input.shape)}"
        )
    if hx_shape is not None and tuple(hx_shape[-1:]) != (cell.hidden_size,):
        raise ValueError(
            f"{cell!r}: expected hidden state of shape (N, {cell.hidden_size}), got "
            f"{tuple(hx_shape)}"
        )


class RNNCell(Module):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh). (N, in) -> (N, H)"""

    _gates = 1

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None
    ):
        super().__init__()
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.nonlinearity = nonlinearity
        _make_weights(self, "", input_size, hidden_size, self._gates, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_uniform(self, self.hidden_size)

    def _zeros(self, input):
        return zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype, device=input.device)

    def forward(self, input, hx=None):
        _check_cell_input(self, input, None if hx is None else hx.shape)
        h = self._zeros(input) if hx is None else hx
        w = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return _rnn_step(input, h, *w, self.nonlinearity)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class LSTMCell(RNNCell):
    """One LSTM step; returns (h', c'). (N, in), ((N, H), (N, H)) -> ((N, H), (N, H))"""

    _gates = 4

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "tanh", device, dtype)

    def forward(self, input, hx=None):
        _check_cell_input(self, input, None if hx is None else hx[0].shape)
        h, c = (self._zeros(input), self._zeros(input)) if hx is None else hx
        gates = linear(input, self.weight_ih, self.bias_ih) + linear(
            h, self.weight_hh, self.bias_hh
        )
        return _lstm_gates(gates, c)


class RNN(Module):
    """Multi-layer Elman RNN over a sequence. (L, N, in) or batch_first (N, L, in) ->
    (output (L, N, H) of the last layer, h_n (num_layers, N, H))."""

    _gates = 1
    _mode = "RNN"

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if bidirectional or proj_size:
            raise NotImplementedError(
                f"{self._mode}: bidirectional and proj_size are not supported"
            )
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.nonlinearity, self.bias, self.batch_first = nonlinearity, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), False
        for layer in range(num_layers):
            size = input_size if layer == 0 else hidden_size
            _make_weights(self, f"_l{layer}", size, hidden_size, self._gates, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_uniform(self, self.hidden_size)

    def _layer_weights(self, layer: int) -> tuple:
        return tuple(
            getattr(self, f"{name}_l{layer}")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    def _prepare(self, input):
        """(L, N, in) view of the input, and whether it was unbatched (L, in)."""
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            layout = "(N, L, {0})" if self.batch_first else "(L, N, {0})"
            raise ValueError(
                f"{self!r}: expected input of shape {layout.format(self.input_size)} or "
                f"(L, {self.input_size}), got {tuple(input.shape)}"
            )
        if input.ndim == 2:
            return unsqueeze(input, 1), True
        return (transpose(input, 0, 1) if self.batch_first else input), False

    def _initial(self, x, hx):
        """Per-layer initial states (num_layers, N, H), zeros unless given."""
        if hx is None:
            return zeros(
                self.num_layers, x.shape[1], self.hidden_size, dtype=x.dtype, device=x.device
            )
        expected = (self.num_layers, x.shape[1], self.hidden_size)
        h = hx if hx.ndim == 3 else unsqueeze(hx, 1)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{self!r}: expected hidden size {expected}, got {tuple(hx.shape)}")
        return h

    def _finish(self, output, unbatched):
        if unbatched:
            return output[:, 0]
        return transpose(output, 0, 1) if self.batch_first else output

    def forward(self, input, hx=None):
        x, unbatched = self._prepare(input)
        h0 = self._initial(x, hx)
        finals = []
        for layer in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer)
            projected = linear(x, w_ih, b_ih)  # all time steps at once
            h, outputs = h0[layer], []
            for t in range(x.shape[0]):
                pre = projected[t] + linear(h, w_hh, b_hh)
                h = tanh(pre) if self.nonlinearity == "tanh" else relu(pre)
                outputs.append(h)
            finals.append(h)
            x = self._between_layers(stack(outputs), layer)
        h_n = stack(finals)
        return self._finish(x, unbatched), (h_n[:, 0] if unbatched else h_n)

    def _between_layers(self, x, layer):
        if self.dropout and layer < self.num_layers - 1:
            return dropout(x, self.dropout, self.training)
        return x

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.batch_first:
            text += ", batch_first=True"
        return text


class LSTM(RNN):
    """Multi-layer LSTM over a sequence. (L, N, in) or batch_first (N, L, in) ->
    (output (L, N, H), (h_n, c_n) each (num_layers, N, H))."""

    _gates = 4
    _mode = "LSTM"

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            "tanh",
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )

    def forward(self, input, hx=None):
        x, unbatched = self._prepare(input)
        h0, c0 = (None, None) if hx is None else hx
        h0, c0 = self._initial(x, h0), self._initial(x, c0)
        h_finals, c_finals = [], []
        for layer in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer)
            projected = linear(x, w_ih, b_ih)
            h, c, outputs = h0[layer], c0[layer], []
            for t in range(x.shape[0]):
                h, c = _lstm_gates(projected[t] + linear(h, w_hh, b_hh), c)
                outputs.append(h)
            h_finals.append(h)
            c_finals.append(c)
            x = self._between_layers(stack(outputs), layer)
        h_n, c_n = stack(h_finals), stack(c_finals)
        if unbatched:
            h_n, c_n = h_n[:, 0], c_n[:, 0]
        return self._finish(x, unbatched), (h_n, c_n)
