"""The older Tensor methods ger, qr and cholesky (PyTorch still has them, with deprecation
warnings for the last two): the same results as minigrad's torch-level functions and
PyTorch's."""

import warnings

import numpy as np
import torch

import minigrad


def _results(lib):
    A = lib.tensor([[4.0, 1.0], [1.0, 3.0], [0.5, -1.0]])
    S = A.T @ A
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation of torch.qr and torch.cholesky
        q, r = A.qr()
        return [lib.tensor([1.0, 2.0]).ger(lib.tensor([3.0, 4.0, 5.0])), q @ r, r.abs(),
                S.cholesky(), S.cholesky(upper=True)]  # fmt: skip


def test_older_linalg_methods_as_pytorch():
    for ours, theirs in zip(_results(minigrad), _results(torch)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
