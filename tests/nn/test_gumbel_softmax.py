"""F.gumbel_softmax: PyTorch's formula on the same Gumbel noise, straight-through hard samples,
and the Gumbel-max distribution."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
import minigrad.nn.functional as F


def _same_noise_in_torch(logits, seed, tau, hard, dim):
    minigrad.manual_seed(seed)
    gumbels = -minigrad.empty_like(minigrad.tensor(logits)).exponential_().log()
    x = torch.tensor(logits, requires_grad=True)
    y_soft = ((x + torch.tensor(gumbels.numpy())) / tau).softmax(dim)
    if not hard:
        return x, y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = torch.zeros_like(x).scatter_(dim, index, 1.0)
    return x, y_hard - y_soft.detach() + y_soft


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("dim", [-1, 0])
def test_equals_torch_on_the_same_noise(hard, dim):
    logits = np.random.default_rng(0).standard_normal((4, 5))
    x, want = _same_noise_in_torch(logits, 7, 0.5, hard, dim)
    minigrad.manual_seed(7)
    a = minigrad.tensor(logits, requires_grad=True)
    got = F.gumbel_softmax(a, tau=0.5, hard=hard, dim=dim)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    up = np.arange(20.0).reshape(4, 5)
    (got * minigrad.tensor(up)).sum().backward()
    (want * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), x.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_hard_is_one_hot_with_the_soft_gradient():
    minigrad.manual_seed(0)
    a = minigrad.randn(6, 3, requires_grad=True)
    y = F.gumbel_softmax(a, hard=True)
    assert set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
    np.testing.assert_array_equal(y.detach().numpy().sum(1), np.ones(6))
    y.sum().backward()  # the soft sample's rows sum to 1: the gradient of their sum is 0
    np.testing.assert_allclose(a.grad.numpy(), 0, atol=1e-6)


def test_argmax_follows_softmax_of_the_logits():
    minigrad.manual_seed(1)
    logits = minigrad.tensor([[1.0, 0.0, -1.0, 2.0]]).expand(20000, 4)
    picks = F.gumbel_softmax(logits, tau=1.0, hard=True).numpy().sum(0)
    p = np.exp([1.0, 0.0, -1.0, 2.0])
    p /= p.sum()
    chi2 = (((picks - p * 20000) ** 2) / (p * 20000)).sum()
    assert chi2 < 16.27  # chi-square, 3 degrees of freedom, p = 0.001


def test_eps_is_deprecated_as_torch():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(minigrad.zeros(2, 3), eps=1e-5)
