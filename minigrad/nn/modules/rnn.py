"""Recurrent layers: RNNCell, LSTMCell, GRUCell, and RNN / LSTM / GRU over whole sequences
(several layers, either direction).

Parameter names (`weight_ih_l0`, `..._l0_reverse`) and the gate orders (LSTM: input, forget,
cell, output; GRU: reset, update, new) follow PyTorch, so a PyTorch state dict loads unchanged.
Every weight starts as U(-1/sqrt(hidden), 1/sqrt(hidden)).
# NOTE: the input-to-hidden product is done for all time steps in one matmul before the loop;
# only the hidden-to-hidden product has to wait for the previous step. An LSTM or GRU layer
# runs all its steps as one op (LstmSequence, GruSequence in minigrad/ops/rnn.py) when every
# sequence has the same length and there is no projection; otherwise (and for RNN) each step
# is one fused cell op, the steps are (N, G*H) rows of one (L*N, G*H) projection, cut by one
# split, and the outputs are joined by one cat.
"""

from __future__ import annotations

import math
import warnings
from functools import partial

from minigrad.creation import empty, zeros
from minigrad.nn import init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.nn.utils.rnn import PackedSequence
from minigrad.ops.indexing import index_select
from minigrad.ops.matmul import linear
from minigrad.ops.nn import dropout
from minigrad.ops.rnn import (
    GruCell,
    GruSequence,
    LstmCell,
    LstmSequence,
    RnnCell,
    gru_cell,
    lstm_cell,
    rnn_relu_cell,
    rnn_tanh_cell,
)
from minigrad.ops.shape import cat, reshape_if_needed, split, squeeze, transpose, unsqueeze


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


def _map_states(states, fn, *others):
    """fn over a state (h) or each part of one ((h, c)), with the parts of `others` beside."""
    if isinstance(states, tuple):
        return tuple(fn(*parts) for parts in zip(states, *others))
    return fn(states, *others)


def _rows(states) -> list:
    """(S, N, H) states as S tensors (N, H), cut by one split."""
    count, batch, size = states.shape
    return list(split(reshape_if_needed(states, (count * batch, size)), [batch] * count, 0))


def _take(state, rows):
    return state[rows]


def _extend(state, initial, rows):
    """state with the initial states of `rows` below it (sequences that start)."""
    return cat([state, initial[rows]], 0)


def _layered(states):
    """S states (N, H) as one (S, N, H)."""
    return reshape_if_needed(cat(states, 0), (len(states), *states[0].shape))


def _check_cell_input(cell, input, hx_shape):
    """PyTorch's checks, with its exception types: ValueError for the number of dims,
    RuntimeError for a size."""
    if input.ndim not in (1, 2):
        raise ValueError(
            f"{type(cell).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead"
        )
    if input.shape[-1] != cell.input_size:
        raise RuntimeError(
            f"input has inconsistent input_size: got {input.shape[-1]} expected "
            f"{cell.input_size} ({cell!r}: input of shape {tuple(input.shape)})"
        )
    if hx_shape is not None and tuple(hx_shape[-1:]) != (cell.hidden_size,):
        raise RuntimeError(
            f"hidden0 has inconsistent hidden_size: got {hx_shape[-1]}, expected "
            f"{cell.hidden_size} ({cell!r}: hidden state of shape {tuple(hx_shape)})"
        )


def _unbatched(input, cell, hx):
    """cell(input, hx) on (N, in) input; an unbatched (in,) input and its state run as a
    batch of one (the fused cells take rows)."""
    if input.ndim == 2:
        return cell(input, hx)
    out = cell(unsqueeze(input, 0), _map_states(hx, partial(unsqueeze, dim=0)))
    return _map_states(out, partial(squeeze, dim=0))


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
        return _unbatched(input, self._cell, h)

    def _cell(self, input, h):
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        return cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class LSTMCell(RNNCell):
    """One LSTM step; returns (h', c'). (N, in), ((N, H), (N, H)) -> ((N, H), (N, H))"""

    _gates = 4

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "tanh", device, dtype)

    def forward(self, input, hx=None):
        if hx is not None:
            _check_two_states(hx)
        _check_cell_input(self, input, None if hx is None else hx[0].shape)
        hx = (self._zeros(input), self._zeros(input)) if hx is None else tuple(hx)
        return _unbatched(input, self._cell, hx)

    def _cell(self, input, hx):
        w = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return lstm_cell(input, hx, *w)


def _check_two_states(hx) -> None:
    """LSTMCell's hx is (h, c): PyTorch's TypeError for one tensor, its RuntimeError for a
    tuple of another length."""
    if not isinstance(hx, (tuple, list)):
        raise TypeError(
            "lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not "
            f"{type(hx).__name__}; pass (h, c)"
        )
    if len(hx) != 2:
        raise RuntimeError(f"lstm_cell expects two hidden states (h, c), got {len(hx)}")


class GRUCell(RNNCell):
    """One GRU step (gates: reset, update, new). (N, in), (N, H) -> (N, H)"""

    _gates = 3

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, "tanh", device, dtype)

    def forward(self, input, hx=None):
        _check_cell_input(self, input, None if hx is None else hx.shape)
        h = self._zeros(input) if hx is None else hx
        return _unbatched(input, self._cell, h)

    def _cell(self, input, h):
        return gru_cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


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
        name = self._mode
        if not 0 <= dropout <= 1:
            raise ValueError(
                f"{name}: dropout should be a number in range [0, 1] representing the "
                f"probability of an element being zeroed, got {dropout}"
            )
        if dropout > 0 and num_layers == 1:  # as PyTorch: the option would do nothing
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        for what, size in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(size, int):
                raise TypeError(f"{what} should be of type int, got: {type(size).__name__}")
            if size <= 0:
                raise ValueError(f"{name}: {what} must be greater than zero, got {size}")
        if num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be greater than zero, got {num_layers}")
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
        weights = tuple(
            getattr(self, name + suffix) for name in names + ("weight_hr",) * (self.proj_size > 0)
        )
        # parameters replaced (by functional_call, say) must still fit
        size = self._gates * self.hidden_size
        for name, b in zip(names[2:], weights[2:4]):
            if b is not None and tuple(b.shape) != (size,):
                raise RuntimeError(
                    f"{self!r}: expected {name}{suffix} of shape ({size},), got {tuple(b.shape)}"
                )
        if any(w is not None and w.dtype is not weights[0].dtype for w in weights[1:]):
            found = ", ".join(str(w.dtype) for w in weights if w is not None)
            raise RuntimeError(f"{self!r}: expected weights of one dtype, got {found}")
        return weights

    def _prepare(self, input):
        """(L, N, in) view of the input, and whether it was unbatched (L, in)."""
        self._check_dtype(input)
        if input.ndim not in (2, 3):
            plain = not isinstance(self, (LSTM, GRU))
            got = f"{input.ndim}D tensor" if plain else f"{input.ndim}D"
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 2D or 3D, got {got} instead"
            )  # PyTorch's words, "tensor" in RNN's only
        if input.shape[-1] != self.input_size:
            layout = "(N, L, {0})" if self.batch_first else "(L, N, {0})"
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{input.shape[-1]} ({self!r}: input of shape {tuple(input.shape)}, expected "
                f"{layout.format(self.input_size)} or (L, {self.input_size}))"
            )
        if input.ndim == 2:
            return unsqueeze(input, 1), True
        return (transpose(input, 0, 1) if self.batch_first else input), False

    def _check_dtype(self, input) -> None:
        """PyTorch's ValueError for an input whose dtype is not the weights' (an int64 batch
        of token ids, a float64 array): the layer never converts it silently."""
        weight = self.weight_ih_l0
        if input.dtype is not weight.dtype:
            raise ValueError(
                f"{self!r}: RNN input dtype ({input.dtype}) does not match weight dtype "
                f"({weight.dtype}). Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        if not weight.dtype.is_floating_point:
            raise RuntimeError(f"{self!r}: expected floating point weights, got {weight.dtype}")

    def _initial(self, x, batch, hx, size):
        """Initial states (num_layers * directions, N, size), zeros unless given (x: any
        tensor of the input's dtype and device)."""
        states = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            return zeros(states, batch, size, dtype=x.dtype, device=x.device)
        expected = (states, batch, size)
        h = hx if hx.ndim == 3 else unsqueeze(hx, 1)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{self!r}: expected hidden size {expected}, got {tuple(hx.shape)}")
        if h.dtype != x.dtype:
            raise RuntimeError(
                f"{self!r}: input and hidden tensors are not the same dtype, found input tensor "
                f"with {x.dtype} and hidden tensor with {h.dtype}"
            )
        return h

    def _initial_states(self, x, batch, hx) -> list:
        """One (N, H) state per layer and direction."""
        return _rows(self._initial(x, batch, hx, self.hidden_size))

    def _input_gates(self, x, w_ih, b_ih, b_hh):
        """x W_ih^T + b_ih + b_hh for all time steps at once (b_hh joins here: one addition
        instead of one a step)."""
        return linear(x, w_ih, None if b_ih is None else b_ih + b_hh)

    def _step(self, gates, state, w_hh, b_hh):
        """One time step from the input's gates: (output h, new state)."""
        h = RnnCell.apply(gates, state, w_hh, None, self.nonlinearity)
        return h, h

    def _final_states(self, states, unbatched):
        h_n = _layered(states)
        return h_n[:, 0] if unbatched else h_n

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x, unbatched = self._prepare(input)
        steps, batch, features = x.shape
        rows = reshape_if_needed(x, (steps * batch, features))  # time steps as blocks of N rows
        rows, finals = self._layers(rows, [batch] * steps, self._initial_states(x, batch, hx))
        output = reshape_if_needed(rows, (steps, batch, rows.shape[-1]))
        return self._finish(output, unbatched), self._final_states(finals, unbatched)

    def _layers(self, x, sizes, initial):
        """All layers over the rows x (sum(sizes), in), sizes[t] rows at step t: (last layer's
        output rows (sum(sizes), D*H), final states)."""
        initial, finals = iter(initial), []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                w_ih, w_hh, b_ih, b_hh, *w_hr = self._weights(suffix)
                gates = self._input_gates(x, w_ih, b_ih, b_hh)
                output, state = self._run(
                    gates, sizes, next(initial), (w_hh, b_hh, *w_hr), direction == 1
                )
                outputs.append(output)
                finals.append(state)
            x = self._between_layers(outputs[0] if len(outputs) == 1 else cat(outputs, -1), layer)
        return x, finals

    def _forward_packed(self, packed, hx):
        """A PackedSequence, as PyTorch runs one: step t takes the batch_sizes[t] sequences
        still running (the longest first), from the packed rows as they are; the output's
        rows are packed the same way."""
        self._check_dtype(packed.data)
        if packed.data.ndim != 2 or packed.data.shape[-1] != self.input_size:
            raise ValueError(
                f"{self!r}: expected packed data of shape (*, {self.input_size}), got "
                f"{tuple(packed.data.shape)}"
            )
        sizes = [int(size) for size in packed.batch_sizes.tolist()]
        if hx is not None and packed.sorted_indices is not None:
            hx = _map_states(hx, lambda h: index_select(h, 1, packed.sorted_indices))
        x = packed.data
        rows, finals = self._layers(x, sizes, self._initial_states(x, sizes[0], hx))
        states = self._final_states(finals, False)
        if packed.unsorted_indices is not None:
            states = _map_states(states, lambda h: index_select(h, 1, packed.unsorted_indices))
        return PackedSequence(rows, packed.batch_sizes, *packed[2:]), states

    def _run(self, gates, sizes, state, recurrent, reverse):
        """One layer and direction from the input's gates (sum(sizes), G*H): output rows,
        final state."""
        return self._scan(split(gates, sizes, 0), state, recurrent, reverse)

    def _scan(self, inputs, state, recurrent, reverse):
        """Run the steps over time (backwards if `reverse`): output rows, final state. A step
        with fewer rows than the last (packed input) ends those sequences: their states are
        final; backwards, a step with more rows starts sequences from their initial states."""
        outputs, initial, finished = [None] * len(inputs), state, []
        rows = (state[0] if isinstance(state, tuple) else state).shape[0]
        for t in reversed(range(len(inputs))) if reverse else range(len(inputs)):
            size = inputs[t].shape[0]
            if size < rows:
                if not reverse:
                    finished.append(_map_states(state, partial(_take, rows=slice(size, None))))
                state = _map_states(state, partial(_take, rows=slice(size)))
            elif size > rows:
                state = _map_states(state, partial(_extend, rows=slice(rows, size)), initial)
            rows = size
            outputs[t], state = self._step(inputs[t], state, *recurrent)
        if finished:  # the rows that ended last come first
            state = _map_states(state, lambda s, *done: cat([s, *done], 0), *finished[::-1])
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

    def _initial_states(self, x, batch, hx) -> list:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            # PyTorch reads hx[1] first (IndexError when there is none), then counts them
            many = isinstance(hx, (tuple, list)) and len(hx) > 2
            got = f"{len(hx)} tensors" if isinstance(hx, (tuple, list)) else "one tensor"
            raise (RuntimeError if many else IndexError)(
                f"{self!r}: lstm expects two hidden states (h_0, c_0), got {got}"
            )
        h0, c0 = (None, None) if hx is None else hx
        h0 = self._initial(x, batch, h0, self.proj_size or self.hidden_size)
        c0 = self._initial(x, batch, c0, self.hidden_size)
        return list(zip(_rows(h0), _rows(c0)))

    def _run(self, gates, sizes, state, recurrent, reverse):
        # NOTE: every sequence as long (not packed, or packed of one length) and no projection:
        # all the steps in one op
        if len(recurrent) > 2 or len(set(sizes)) != 1:
            return super()._run(gates, sizes, state, recurrent, reverse)
        hs, cs, _ = LstmSequence.apply(
            reshape_if_needed(gates, (len(sizes), sizes[0], gates.shape[-1])),
            *state,
            recurrent[0],
            reverse,
        )
        last = 0 if reverse else -1
        return reshape_if_needed(hs, (-1, hs.shape[-1])), (hs[last], cs[last])

    def _step(self, gates, state, w_hh, b_hh, w_hr=None):
        h, c, _ = LstmCell.apply(gates, *state, w_hh)
        if w_hr is not None:  # proj_size: h' = W_hr (o tanh(c'))
            h = linear(h, w_hr)
        return h, (h, c)

    def _final_states(self, states, unbatched):
        h_n, c_n = _layered([h for h, _ in states]), _layered([c for _, c in states])
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

    def _input_gates(self, x, w_ih, b_ih, b_hh):
        return linear(x, w_ih, b_ih)  # b_hh's new-gate part is multiplied by r: the cell adds it

    def _run(self, gates, sizes, state, recurrent, reverse):
        if len(set(sizes)) != 1:  # NOTE: see LSTM._run
            return super()._run(gates, sizes, state, recurrent, reverse)
        shape = (len(sizes), sizes[0], gates.shape[-1])
        hs, _ = GruSequence.apply(reshape_if_needed(gates, shape), state, *recurrent, reverse)
        return reshape_if_needed(hs, (-1, hs.shape[-1])), hs[0 if reverse else -1]

    def _step(self, gates, state, w_hh, b_hh):
        h, _ = GruCell.apply(gates, state, w_hh, b_hh)
        return h, h
