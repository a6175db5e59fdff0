"""Batches of sequences of different lengths, as PyTorch's nn.utils.rnn: `pad_sequence`, and
`PackedSequence` with pack_padded_sequence / pad_packed_sequence / pack_sequence (and the
inverses unpad_sequence, unpack_sequence). The recurrent layers (nn.RNN, nn.LSTM, nn.GRU)
take a PackedSequence in place of a padded batch.

A PackedSequence keeps only the real steps, time-major: the steps t = 0 of every sequence
(longest first), then the steps t = 1 of those long enough, ...; `batch_sizes[t]` counts them.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from minigrad.creation import full, tensor
from minigrad.dtypes import float32, float64
from minigrad.nn.resampling import pad
from minigrad.ops.indexing import index_select
from minigrad.ops.shape import cat, reshape_if_needed, stack, transpose
from minigrad.tensor import Tensor


class PackedSequence(
    namedtuple("PackedSequence_", "data batch_sizes sorted_indices unsorted_indices")
):
    """data (sum of lengths, *), batch_sizes (T,) int64 on the CPU; sorted_indices: the batch
    order by decreasing length (None if the batch was sorted), unsorted_indices its inverse."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same sequences with data (and the index tensors) moved or cast by Tensor.to."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = [None if i is None else i.to(device=data.device) for i in self[2:]]
        return type(self)(data, self.batch_sizes, *move)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def double(self):
        return self.to(dtype=float64)

    def float(self):
        return self.to(dtype=float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def _invert(permutation: Tensor) -> Tensor:
    order = np.empty(permutation.shape[0], dtype=np.int64)
    order[np.asarray(permutation.tolist(), dtype=np.int64)] = np.arange(len(order))
    return tensor(order, device=permutation.device)


def _lengths(lengths, batch_size: int, steps: int) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1 or lengths.device.type != "cpu":
            raise RuntimeError(
                "'lengths' argument should be a 1D CPU int64 tensor, but got "
                f"{lengths.ndim}D {lengths.device} {lengths.dtype} tensor"
            )
        lengths = lengths.tolist()
    lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
    if len(lengths) != batch_size:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
            f"(batch_size={batch_size})"
        )
    if len(lengths) and lengths.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    if len(lengths) and lengths.max() > steps:
        # NOTE: PyTorch reads past the input here; minigrad says so
        raise RuntimeError(
            f"pack_padded_sequence: a length ({lengths.max()}) is longer than the input's "
            f"{steps} time steps"
        )
    return lengths


def _steps_index(batch_sizes: np.ndarray, batch: int) -> np.ndarray:
    """Where each packed row sits in the (T * B) time-major padded rows."""
    steps = [t * batch + np.arange(n) for t, n in enumerate(batch_sizes)]
    return np.concatenate(steps) if steps else np.zeros(0, dtype=np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the given
    lengths. enforce_sorted: the lengths must be decreasing; otherwise the batch is sorted (and
    `unsorted_indices` restores its order)."""
    if batch_first:
        input = transpose(input, 0, 1)
    steps, batch = input.shape[0], input.shape[1]
    lengths = _lengths(lengths, batch, steps)
    sorted_indices = None
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = tensor(order, device=input.device)
        input = index_select(input, 1, sorted_indices)
    batch_sizes = (lengths[None, :] > np.arange(lengths[0] if len(lengths) else 0)[:, None]).sum(1)
    return PackedSequence(
        _pack(input, batch_sizes), tensor(batch_sizes.astype(np.int64)), sorted_indices
    )


def _pack(padded: Tensor, batch_sizes: np.ndarray) -> Tensor:
    """The packed rows of a time-major padded batch (T, B, *) already in sorted order."""
    rows = reshape_if_needed(padded, (-1, *padded.shape[2:]))
    return rows[tensor(_steps_index(batch_sizes, padded.shape[1]), device=padded.device)]


def _unpack(data: Tensor, batch_sizes: np.ndarray, padding_value, total_length: int) -> Tensor:
    """(total_length, B, *) time-major, in the packed (sorted) order, padding_value after ends."""
    batch = int(batch_sizes[0]) if len(batch_sizes) else 0
    where = np.full(total_length * batch, data.shape[0], dtype=np.int64)  # the padding row
    where[_steps_index(batch_sizes, batch)] = np.arange(data.shape[0])
    filler = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    rows = cat([data, filler], 0)[tensor(where, device=data.device)]
    return reshape_if_needed(rows, (total_length, batch, *data.shape[1:]))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths (B,) int64),
    in the batch's original order; total_length pads to that many steps."""
    batch_sizes = np.asarray(sequence.batch_sizes.tolist(), dtype=np.int64)
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being {steps}"
            )
        steps = total_length
    padded = _unpack(sequence.data, batch_sizes, padding_value, steps)
    lengths = (batch_sizes[:, None] > np.arange(padded.shape[1])[None, :]).sum(0)
    if sequence.unsorted_indices is not None:
        padded = index_select(padded, 1, sequence.unsorted_indices)
        lengths = lengths[np.asarray(sequence.unsorted_indices.tolist(), dtype=np.int64)]
    if batch_first:
        padded = transpose(padded, 0, 1)
    return padded, tensor(lengths.astype(np.int64))


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (decreasing lengths, unless enforce_sorted=False)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of pad_sequence: the list of sequences (L_i, *) cut from a padded batch."""
    if not batch_first:
        padded_sequences = transpose(padded_sequences, 0, 1)
    lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [padded_sequences[k, : int(n)] for k, n in enumerate(lengths)]


def unpack_sequence(packed_sequences):
    """The inverse of pack_sequence: the list of sequences (L_i, *), in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors (L_i, *) into (L_max, B, *), or (B, L_max, *) with batch_first, filling
    with padding_value after each sequence (before it with padding_side='left')."""
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        amounts = [0, 0] * (s.ndim - 1) + ([missing, 0] if padding_side == "left" else [0, missing])
        padded.append(pad(s, amounts, value=padding_value) if missing else s)
    return stack(padded, 0 if batch_first else 1)
