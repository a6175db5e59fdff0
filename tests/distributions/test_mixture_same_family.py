"""MixtureSameFamily as PyTorch's: log_prob and its gradients in the mixture logits and the
components' parameters, mean, variance, cdf, shapes of batched mixtures of Independent
Normals, samples drawn from the picked component, and the constructor's errors."""

import numpy as np
import pytest
import torch

import minigrad


def _gmm(lib):
    D = lib.distributions
    logits = lib.tensor([0.2, -0.5, 1.0], requires_grad=True)
    mu = lib.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    sd = lib.tensor([0.5, 1.0, 0.8], requires_grad=True)
    gmm = D.MixtureSameFamily(D.Categorical(logits=logits), D.Normal(mu, sd))
    x = lib.tensor([-1.0, 0.5, 2.5, 10.0])
    lp = gmm.log_prob(x)
    lp.sum().backward()
    batched = D.MixtureSameFamily(
        D.Categorical(lib.ones(4, 3) / 3),
        D.Independent(D.Normal(lib.arange(24.0).view(4, 3, 2) / 10, lib.ones(4, 3, 2)), 1),
    )
    value = lib.full((5, 4, 2), 0.3)
    return [
        lp, logits.grad, mu.grad, sd.grad, gmm.mean, gmm.variance, gmm.cdf(x),
        batched.log_prob(value), batched.mean, batched.variance,
        lib.tensor([len(batched.batch_shape), len(batched.event_shape)]),
    ]  # fmt: skip


def test_values_and_gradients_as_pytorch():
    for ours, theirs in zip(_gmm(minigrad), _gmm(torch)):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5)


def test_samples_come_from_the_picked_components():
    D = minigrad.distributions
    minigrad.manual_seed(0)
    far = D.MixtureSameFamily(
        D.Categorical(minigrad.tensor([0.25, 0.75])),
        D.Normal(minigrad.tensor([-100.0, 100.0]), minigrad.tensor([1.0, 1.0])),
    )
    draws = far.sample((4000,))
    assert draws.shape == (4000,) and not draws.requires_grad
    assert abs((draws > 0).float().mean().item() - 0.75) < 0.03
    assert (draws.abs() - 100).abs().max().item() < 6
    assert far.sample((2, 3)).shape == (2, 3)


def test_constructor_errors():
    D = minigrad.distributions
    normal = D.Normal(minigrad.zeros(3), minigrad.ones(3))
    with pytest.raises(ValueError, match="needs to be an instance of .*Categorical"):
        D.MixtureSameFamily(D.Bernoulli(minigrad.tensor(0.5)), normal)
    with pytest.raises(ValueError, match=r"mixture_distribution component` \(2\) does not equal"):
        D.MixtureSameFamily(D.Categorical(minigrad.ones(2)), normal)
