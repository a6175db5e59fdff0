"""`pad_sequence`: a batch from sequences of different lengths (PyTorch's nn.utils.rnn)."""

from __future__ import annotations

from minigrad.nn.resampling import pad
from minigrad.ops.shape import stack


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
