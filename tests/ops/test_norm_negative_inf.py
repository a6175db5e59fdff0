"""The -inf vector norm is the smallest |x| (it was the power form's 1), with PyTorch's
gradient: sign(x) shared among the ties, 0 at a zero."""

import numpy as np
import torch

import minigrad


def _norms(lib):
    x = lib.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0], [0.5, -4.0, 2.0], [-1.0, 1.0, 2.0]])
    x.requires_grad_()
    rows = lib.linalg.vector_norm(x, ord=float("-inf"), dim=1)
    rows.sum().backward()
    whole = [
        lib.norm(x, p=float("-inf")),
        x.norm(float("-inf"), dim=0),
        lib.linalg.norm(x[0], -np.inf),
    ]
    return [rows.detach().numpy(), x.grad.numpy()] + [t.detach().numpy() for t in whole]


def test_negative_inf_norm_as_pytorch():
    for ours, theirs in zip(_norms(minigrad), _norms(torch)):
        np.testing.assert_allclose(ours, theirs)
    assert _norms(minigrad)[0].tolist() == [1.0, 0.0, 0.5, 1.0]
