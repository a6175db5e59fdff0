"""baddbmm/addbmm (beyond the op-table rows): broadcasting, beta=0, errors; diag_embed errors;
torch.clamp_."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def test_baddbmm_beta_zero_ignores_nan_in_input_as_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    c = np.full((3, 5), np.nan)
    got = minigrad.baddbmm(minigrad.tensor(c), minigrad.tensor(a), minigrad.tensor(b), beta=0)
    want = torch.baddbmm(torch.tensor(c), torch.tensor(a), torch.tensor(b), beta=0)
    assert not np.isnan(got.numpy()).any()
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "fn, shapes",
    [
        ("baddbmm", ((3, 3, 4), (2, 3, 5), (2, 5, 4))),  # input bigger than the product
        ("baddbmm", ((2, 3, 4), (2, 3, 5), (2, 4, 4))),  # inner sizes differ
        ("addbmm", ((3, 4), (2, 3, 5), (2, 5, 4, 1))),  # not 3-D
        ("addbmm", ((3, 4), (2, 3, 5), (3, 5, 4))),  # batch sizes differ
    ],
)
def test_errors_are_runtime_errors_as_torch(fn, shapes):
    with pytest.raises(RuntimeError):
        getattr(torch, fn)(*(torch.zeros(s) for s in shapes))
    with pytest.raises(RuntimeError, match="bmm"):
        getattr(minigrad, fn)(*(minigrad.zeros(*s) for s in shapes))


def test_diag_embed_errors_and_nan_stays_on_the_diagonal():
    with pytest.raises(RuntimeError, match="cannot be identical"):
        minigrad.diag_embed(minigrad.zeros(2, 3), dim1=1, dim2=1)
    with pytest.raises(IndexError):
        minigrad.diag_embed(minigrad.zeros(2, 3), dim1=5)
    out = minigrad.diag_embed(minigrad.tensor([float("nan"), 1.0]))
    np.testing.assert_array_equal(np.isnan(out.numpy()), [[True, False], [False, False]])


def test_clamp_function_in_place():
    x = minigrad.tensor([-2.0, 0.5, 3.0])
    assert minigrad.clamp_(x, -1, 1) is x
    np.testing.assert_array_equal(x.numpy(), [-1.0, 0.5, 1.0])
    assert minigrad.clip_(x, max=0.0) is x
    np.testing.assert_array_equal(x.numpy(), [-1.0, 0.0, 0.0])
