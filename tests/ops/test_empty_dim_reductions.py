"""An empty dim list reduces over every dim, as PyTorch's reductions do (`x.sum(dim=())`;
guided-diffusion's mean_flat passes `list(range(1, x.ndim))`, empty for a 1-D x), except any
and all, which reduce over none."""

import numpy as np
import pytest
import torch

import minigrad

NAMES = ["sum", "mean", "nansum", "nanmean", "std", "var", "norm", "count_nonzero", "amax"]


@pytest.mark.parametrize("name", [*NAMES, "amin", "any", "all"])
@pytest.mark.parametrize("dim", [(), []], ids=["tuple", "list"])
def test_an_empty_dim_list_reduces_as_pytorch(name, dim):
    values = np.arange(6.0).reshape(2, 3) - 1.5
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(values, dtype=lib.float64)
        out = getattr(lib, name)(x, dim=dim)
        results.append((list(out.shape), np.asarray(out.tolist(), dtype=float)))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_the_gradient_of_a_mean_over_no_dims_is_the_full_means():
    x = minigrad.arange(6.0, requires_grad=True)
    x.mean(dim=[]).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(6, 1 / 6))
