"""torch.utils.data's misuse as PyTorch reports it (the exception type and message) and
ConcatDataset's indexing from the end."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda D, x: D.TensorDataset(x, x[:3]), AssertionError, "Size mismatch between tensors"),
        (lambda D, x: D.ConcatDataset([]), AssertionError, "should not be an empty iterable"),
        (
            lambda D, x: D.ConcatDataset([D.TensorDataset(x)])[-11],
            ValueError,
            "absolute value of index should not exceed dataset length",
        ),
        (
            lambda D, x: D.random_split(range(10), [3, 3]),
            ValueError,
            "Sum of input lengths does not equal the length of the input dataset!",
        ),
        (
            lambda D, x: D.BatchSampler(range(3), 0, False),
            ValueError,
            "batch_size should be a positive integer value, but got batch_size=0",
        ),
        (
            lambda D, x: D.BatchSampler(range(3), 2, 1),
            ValueError,
            "drop_last should be a boolean value, but got drop_last=1",
        ),
        (
            lambda D, x: D.default_collate([x[:2], x[:3]]),
            RuntimeError,
            r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at "
            "entry 1",
        ),
        (
            lambda D, x: D.default_collate([np.ones(2), np.ones(3)]),
            RuntimeError,
            "stack expects each tensor to be equal size",
        ),
    ],
)
@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_misuse_raises_what_pytorch_raises(call, error, message, lib):
    with pytest.raises(error, match=message):
        call(lib.utils.data, lib.arange(10.0))


def test_concat_dataset_indexes_from_the_end_within_its_length():
    for lib in (minigrad, torch):
        data = lib.utils.data
        both = data.ConcatDataset(
            [data.TensorDataset(lib.arange(3.0)), data.TensorDataset(-lib.arange(2.0))]
        )
        assert [both[i][0].item() for i in (-1, -2, -5, 4)] == [-1.0, 0.0, 0.0, -1.0]
