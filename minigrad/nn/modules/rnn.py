"""Recurrent layers: RNNCell, LSTMCell, GRUCell, and RNN / LSTM / GRU over whole sequences
(several layers, either direction).

Parameter names (`weight_ih_l0`, `..._l0_reverse`) and the gate orders (LSTM: input, forget,
cell, output; GRU: reset, update, new) follow PyTorch, so a PyTorch state dict loads unchanged.
Every weight starts as U(-1/sqrt(hidden), 1/sqrt(hidden)).
# NOTE: the input-to-hidden product is done for all time steps in one matmul before the loop;
# only the hidden-to-hidden product has to wait for the previous step.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from minigrad.creation import empty, tensor, zeros
from minigrad.nn import init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.nn.utils.rnn import PackedSequence, _pack, _unpack
from minigrad.ops.activations import relu, sigmoid, tanh
from minigrad.ops.indexing import index_select
from minigrad.ops.matmul import linear
from minigrad.ops.nn import dropout
from minigrad.ops.selection import where
from minigrad.ops.shape import cat, transpose, unsqueeze


def _init_uniform(module: Module, hidden_size: int) -> None:
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


def _make_weights(module, suffix, input_size, hidden_size, gates, bias, device, dtype, proj=0):
    """weight_ih (gates*H, in), weight_hh (gates*H, H) [, bias_ih, bias_hh (gates*H,)]; with
    a projection to size P (LSTM's proj_size): weight_hh (gates*H, P), weight_hr (P, H)."""
    rows = gates * hidden_size
    kw = {"device": device, "dtype": dtype}
    setattr(module, f"weight_ih{suffix}", Parameter(empty(rows, input_size, **kw)))
    setattr(module, f"weight_hh{suffix}", Parameter(empty(rows, proj or hidden_size, **kw)))
    for name in (f"bias_ih{suffix}", f"bias_hh{suffix}"):
        if bias:
            setattr(module, name, Parameter(empty(rows, **kw)))
        else:
            module.register_parameter(name, None)
    if proj:
        setattr(module, f"weight_hr{suffix}", Parameter(empty(proj, hidden_size, **kw)))


def _rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    pre = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    return tanh(pre) if nonlinearity == "tanh" else relu(pre)


def _lstm_gates(gates, c):
    """(i, f, g, o) from the 4H pre-activations; c' = f c + i g, h' = o tanh(c')."""
    i, f, g, o = gates.chunk(4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def _gru_gates(input_gates, hidden_gates, h):
    """r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z); n = tanh(x_n + r h_n);
    h' = (1 - z) n + z h, computed as n + z (h - n) (as PyTorch's kernel)."""
    size = h.shape[-1]
    x_rz, x_n = input_gates.split([2 * size, size], -1)
    h_rz, h_n = hidden_gates.split([2 * size, size], -1)
    r, z = sigmoid(x_rz + h_rz).chunk(2, -1)  # one sigmoid for both gates
    n = tanh(x_n + r * h_n)
    return n + z * (h - n)


def _map_states(states, fn, *others):
    """fn over a state (h) or each part of one ((h, c)), with the parts of `others` beside."""
    if isinstance(states, tuple):
        return tuple(fn(*parts) for parts in zip(states, *others))
    return fn(states, *others)


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


class GRUCell(RNNCell):
    """One GRU step (gates: reset, update, new). (N, in), (N, H) -> (N, H)"""

    _gates = 3

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "tanh", device, dtype)

    def forward(self, input, hx=None):
        _check_cell_input(self, input, None if hx is None else hx.shape)
        h = self._zeros(input) if hx is None else hx
        return _gru_gates(
            linear(input, self.weight_ih, self.bias_ih), linear(h, self.weight_hh, self.bias_hh), h
        )


class RNN(Module):
    """Multi-layer Elman RNN over a sequence, one or two directions. (L, N, in) or batch_first
    (N, L, in) -> (output (L, N, D*H) of the last layer, h_n (num_layers*D, N, H)), D = 2 if
    bidirectional (the reverse direction's outputs follow the forward one's)."""

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
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size and self._mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size > 0:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.nonlinearity, self.bias, self.batch_first = nonlinearity, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            size = input_size if layer == 0 else (proj_size or hidden_size) * directions
            for suffix in self._suffixes(layer):
                _make_weights(
                    self, suffix, size, hidden_size, self._gates, bias, device, dtype, proj_size
                )
        self.reset_parameters()

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN here; minigrad
        keeps them as they are (kept so that programs calling it run)."""

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction: [weight_ih, weight_hh, bias_ih,
        bias_hh(, weight_hr)], without the biases when bias=False."""
        return [
            [w for w in self._weights(suffix) if w is not None]
            for layer in range(self.num_layers)
            for suffix in self._suffixes(layer)
        ]

    def _suffixes(self, layer: int) -> list:
        """`_l{layer}`, and `_l{layer}_reverse` for the backward direction."""
        return [f"_l{layer}"] + ([f"_l{layer}_reverse"] if self.bidirectional else [])

    def reset_parameters(self) -> None:
        _init_uniform(self, self.hidden_size)

    def _weights(self, suffix: str) -> tuple:
        """(weight_ih, weight_hh, bias_ih, bias_hh[, weight_hr])."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(
            getattr(self, name + suffix) for name in names + ("weight_hr",) * (self.proj_size > 0)
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

    def _initial(self, x, hx, size):
        """Initial states (num_layers * directions, N, size), zeros unless given."""
        states = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            return zeros(states, x.shape[1], size, dtype=x.dtype, device=x.device)
        expected = (states, x.shape[1], size)
        h = hx if hx.ndim == 3 else unsqueeze(hx, 1)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{self!r}: expected hidden size {expected}, got {tuple(hx.shape)}")
        return h

    def _initial_states(self, x, hx) -> list:
        """One (1, N, H) state per layer and direction (the time steps keep a leading 1)."""
        return list(self._initial(x, hx, self.hidden_size).split(1, 0))

    def _step(self, input_gates, state, w_hh, b_hh):
        """One time step from the input's projection: (output h, new state)."""
        pre = input_gates + linear(state, w_hh, b_hh)
        h = tanh(pre) if self.nonlinearity == "tanh" else relu(pre)
        return h, h

    def _final_states(self, states, unbatched):
        h_n = cat(states, 0)
        return h_n[:, 0] if unbatched else h_n

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x, unbatched = self._prepare(input)
        x, finals = self._layers(x, self._initial_states(x, hx), None)
        return self._finish(x, unbatched), self._final_states(finals, unbatched)

    def _layers(self, x, initial, active):
        """All layers over x (L, N, in): (last layer's outputs, final states)."""
        initial, finals = iter(initial), []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                w_ih, w_hh, b_ih, b_hh, *w_hr = self._weights(suffix)
                projected = linear(x, w_ih, b_ih)  # all time steps at once
                output, state = self._scan(
                    projected, next(initial), (w_hh, b_hh, *w_hr), direction == 1, active
                )
                outputs.append(output)
                finals.append(state)
            x = self._between_layers(outputs[0] if len(outputs) == 1 else cat(outputs, -1), layer)
        return x, finals

    def _forward_packed(self, packed, hx):
        """A PackedSequence: the padded batch, in which a sequence's state stops changing after
        its last step (the reverse direction starts at it); output packed the same way."""
        if packed.data.ndim != 2 or packed.data.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: expected packed data of shape (*, {self.input_size}), got "
                f"{tuple(packed.data.shape)}"
            )
        sizes = np.asarray(packed.batch_sizes.tolist(), dtype=np.int64)
        x = _unpack(packed.data, sizes, 0.0, len(sizes))  # (T, B, in), longest first
        if hx is not None and packed.sorted_indices is not None:
            hx = _map_states(hx, lambda h: index_select(h, 1, packed.sorted_indices))
        steps = np.arange(x.shape[1])[None, :, None] < sizes[:, None, None]
        active = [tensor(step, device=x.device) for step in steps[:, None]]  # (1, B, 1) each
        x, finals = self._layers(x, self._initial_states(x, hx), active)
        states = self._final_states(finals, False)
        if packed.unsorted_indices is not None:
            states = _map_states(states, lambda h: index_select(h, 1, packed.unsorted_indices))
        output = PackedSequence(_pack(x, sizes), packed.batch_sizes, *packed[2:])
        return output, states

    def _scan(self, projected, state, recurrent, reverse: bool, active=None):
        """Run the steps over time (backwards if `reverse`): outputs (L, N, H), final state.
        active[t] (1, N, 1): whether step t is in each sequence (packed input), else all are."""
        # NOTE: one split, whose backward joins the steps' gradients (indexing each step would
        # add a full-size zero-padded gradient per step); steps keep their leading 1 so that no
        # squeeze or unsqueeze per step is needed
        inputs = projected.split(1, 0)
        outputs = [None] * len(inputs)
        for t in reversed(range(len(inputs))) if reverse else range(len(inputs)):
            outputs[t], new = self._step(inputs[t], state, *recurrent)
            if active is None:
                state = new
            else:  # past a sequence's end its state stays: the last step's, or the initial
                state = _map_states(new, partial(where, active[t]), state)
        return cat(outputs, 0), state

    def _finish(self, output, unbatched):
        if unbatched:
            return output[:, 0]
        return transpose(output, 0, 1) if self.batch_first else output

    def _between_layers(self, x, layer):
        if self.dropout and layer < self.num_layers - 1:
            return dropout(x, self.dropout, self.training)
        return x

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class LSTM(RNN):
    """Multi-layer LSTM over a sequence, one or two directions. (L, N, in) or batch_first
    (N, L, in) -> (output (L, N, D*H), (h_n, c_n) each (num_layers*D, N, H))."""

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

    def _initial_states(self, x, hx) -> list:
        h0, c0 = (None, None) if hx is None else hx
        h0 = self._initial(x, h0, self.proj_size or self.hidden_size)
        c0 = self._initial(x, c0, self.hidden_size)
        return list(zip(h0.split(1, 0), c0.split(1, 0)))

    def _step(self, input_gates, state, w_hh, b_hh, w_hr=None):
        h, c = _lstm_gates(input_gates + linear(state[0], w_hh, b_hh), state[1])
        if w_hr is not None:  # proj_size: h' = W_hr (o tanh(c'))
            h = linear(h, w_hr)
        return h, (h, c)

    def _final_states(self, states, unbatched):
        h_n, c_n = cat([h for h, _ in states], 0), cat([c for _, c in states], 0)
        return (h_n[:, 0], c_n[:, 0]) if unbatched else (h_n, c_n)


class GRU(RNN):
    """Multi-layer GRU over a sequence, one or two directions (gates: reset, update, new).
    (L, N, in) or batch_first (N, L, in) -> (output (L, N, D*H), h_n (num_layers*D, N, H))."""

    _gates = 3
    _mode = "GRU"

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
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
            0,
            device,
            dtype,
        )

    def _step(self, input_gates, state, w_hh, b_hh):
        h = _gru_gates(input_gates, linear(state, w_hh, b_hh), state)
        return h, h
