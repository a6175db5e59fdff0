"""scatter's and scatter_'s deprecated reduce= ("add", "multiply"), with a tensor src and with
a number, as PyTorch's; other names raise its RuntimeError."""

import warnings

import numpy as np
import pytest
import torch

import minigrad


def _scattered(lib):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    src = lib.tensor([[0.5, 2.0, -1.0], [3.0, 0.25, 4.0]])
    idx = lib.tensor([[0, 0, 1], [2, 2, 2]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's deprecation warning for a tensor src
        return [
            x.scatter(1, idx, src, reduce="add"),
            lib.scatter(x, 1, idx, src, reduce="multiply"),
            x.scatter(1, idx, 2.0, reduce="multiply"),
            x.clone().scatter_(1, idx, 2.0, reduce="add"),
            lib.tensor([[1, 2], [3, 4]]).scatter_(1, lib.tensor([[0, 0]]), 3, reduce="add"),
        ]


def test_scatter_reduce_keyword_as_pytorch():
    for ours, theirs in zip(_scattered(minigrad), _scattered(torch)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        minigrad.ones(2).scatter(0, minigrad.tensor([0]), 1.0, reduce="mean")
