"""Recurrent layers and cells refuse a wrong input as PyTorch does: ValueError for the number
of dims, RuntimeError for a feature or hidden size, with PyTorch's words first."""

from __future__ import annotations

import pytest
import torch

import minigrad


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda lib: lib.nn.LSTM(3, 4)(lib.ones(5, 2, 2)),
            RuntimeError,
            r"input.size\(-1\) must be equal to input_size. Expected 3, got 2",
        ),
        (
            lambda lib: lib.nn.GRU(3, 4, batch_first=True)(lib.ones(2, 5, 4)),
            RuntimeError,
            r"input.size\(-1\) must be equal to input_size. Expected 3, got 4",
        ),
        (
            lambda lib: lib.nn.RNN(3, 4)(lib.ones(2, 3, 3, 3)),
            ValueError,
            "RNN: Expected input to be 2D or 3D, got 4D tensor instead",
        ),
        (
            lambda lib: lib.nn.LSTM(3, 4)(lib.ones(3)),
            ValueError,
            "LSTM: Expected input to be 2D or 3D, got 1D instead",
        ),
        (
            lambda lib: lib.nn.LSTMCell(3, 4)(lib.ones(2, 2)),
            RuntimeError,
            "input has inconsistent input_size: got 2 expected 3",
        ),
        (
            lambda lib: lib.nn.GRUCell(3, 4)(lib.ones(2, 2, 3)),
            ValueError,
            "GRUCell: Expected input to be 1D or 2D, got 3D instead",
        ),
        (
            lambda lib: lib.nn.LSTMCell(3, 4)(lib.ones(2, 3), (lib.zeros(2, 5), lib.zeros(2, 4))),
            RuntimeError,
            "hidden0 has inconsistent hidden_size: got 5, expected 4",
        ),
        (  # h alone, where (h, c) is expected: a common slip
            lambda lib: lib.nn.LSTMCell(3, 4)(lib.ones(2, 3), lib.zeros(2, 4)),
            TypeError,
            r"lstm_cell\(\): argument 'hx' \(position 2\) must be tuple of Tensors, not Tensor",
        ),
        (
            lambda lib: lib.nn.LSTMCell(3, 4)(lib.ones(2, 3), (lib.zeros(2, 4),)),
            RuntimeError,
            "lstm_cell expects two hidden states",
        ),
    ],
)
@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_wrong_inputs_raise_what_pytorch_raises(call, error, message, lib):
    with pytest.raises(error, match=message):
        call(lib)
