"""unique(dim=), view(dtype) and as_strided against PyTorch: values, shapes, errors, and
as_strided's gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "shape, dim",
    [((6, 3), 0), ((6, 3), 1), ((2, 5, 3), 1), ((4, 2, 2), -1), ((0, 3), 0), ((5,), 0)],
)
def test_unique_dim_equals_torch(shape, dim):
    a = RNG.integers(0, 2, shape).astype(np.float32)
    ours = minigrad.unique(minigrad.tensor(a), dim=dim, return_inverse=True, return_counts=True)
    theirs = torch.unique(torch.tensor(a), dim=dim, return_inverse=True, return_counts=True)
    for x, y in zip(ours, theirs):
        assert x.shape == tuple(y.shape) and str(x.dtype)[9:] == str(y.dtype)[6:]
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    np.testing.assert_array_equal(
        minigrad.tensor(a).unique(dim=dim).numpy(), torch.tensor(a).unique(dim=dim).numpy()
    )


def test_unique_dim_errors_as_torch():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="0 sized dimensions"):
            lib.unique(lib.zeros(3, 0), dim=0)
        with pytest.raises(IndexError, match="Dimension out of range"):
            lib.unique(lib.zeros(3, 2), dim=2)
