"""Sampling: statistics of many seeded draws (mean, spread, class frequencies), shapes for
sample_shape, repeatability with manual_seed, and the gradients of rsample
(reparameterization) and of log_prob of a sample (REINFORCE), also under no_grad."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.distributions import (
    Bernoulli,
    Categorical,
    Cauchy,
    Exponential,
    Independent,
    Laplace,
    LogNormal,
    Normal,
    OneHotCategorical,
    Uniform,
)
from minigrad.testing.gradcheck import gradcheck

N = 20000  # draws: the standard error of a mean of unit variance is 0.007


def test_normal_draws_have_its_mean_and_spread():
    m = Normal(minigrad.tensor([-2.0, 0.0, 3.0]), minigrad.tensor([0.5, 1.0, 2.0]))
    x = m.sample((N,)).numpy()
    assert x.shape == (N, 3)
    np.testing.assert_allclose(x.mean(0), [-2.0, 0.0, 3.0], atol=0.05)
    np.testing.assert_allclose(x.std(0), [0.5, 1.0, 2.0], rtol=0.03)


def test_uniform_draws_stay_in_low_high_with_its_mean():
    m = Uniform(minigrad.tensor([0.0, -1.0]), minigrad.tensor([1.0, 5.0]))
    x = m.sample((N,)).numpy()
    assert (x >= [0.0, -1.0]).all() and (x < [1.0, 5.0]).all()
    np.testing.assert_allclose(x.mean(0), [0.5, 2.0], atol=0.05)
    np.testing.assert_allclose(x.var(0), m.variance.numpy(), rtol=0.05)


def test_exponential_and_laplace_draws_have_their_moments():
    rate = minigrad.tensor([0.5, 2.0])
    x = Exponential(rate).sample((N,)).numpy()
    assert (x >= 0).all()
    np.testing.assert_allclose(x.mean(0), [2.0, 0.5], rtol=0.05)
    y = Laplace(minigrad.tensor([-1.0, 2.0]), minigrad.tensor([0.5, 1.5])).sample((N,)).numpy()
    np.testing.assert_allclose(y.mean(0), [-1.0, 2.0], atol=0.05)
    np.testing.assert_allclose(y.std(0), np.sqrt(2) * np.array([0.5, 1.5]), rtol=0.05)


def test_bernoulli_frequency_is_probs():
    m = Bernoulli(logits=minigrad.tensor([-2.0, 0.0, 1.5]))
    x = m.sample((N,)).numpy()
    assert set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_allclose(x.mean(0), m.probs.numpy(), atol=0.015)


def test_categorical_frequencies_are_probs_for_each_batch_row():
    probs = minigrad.tensor([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    x = Categorical(probs=probs).sample((N,)).numpy()
    assert x.dtype == np.int64 and x.shape == (N, 2)
    for row in range(2):
        freq = np.bincount(x[:, row], minlength=3) / N
        np.testing.assert_allclose(freq, probs.numpy()[row], atol=0.015)
    assert not (x[:, 1] == 1).any()  # a class of probability 0 is never drawn


def test_one_hot_categorical_draws_are_one_hot_with_its_frequencies():
    m = OneHotCategorical(logits=minigrad.tensor([0.0, 1.0, 2.0]))
    x = m.sample((N,)).numpy()
    assert x.shape == (N, 3) and (x.sum(-1) == 1).all()
    np.testing.assert_allclose(x.mean(0), m.probs.numpy(), atol=0.015)


@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
def test_sample_shape_is_sample_shape_batch_shape_event_shape(sample_shape):
    loc = minigrad.zeros(4, 3)
    dists = {
        Normal(loc, 1.0): (4, 3),
        Independent(Normal(loc, 1.0), 1): (4, 3),
        Categorical(logits=loc): (4,),
        OneHotCategorical(logits=loc): (4, 3),
        Bernoulli(logits=loc): (4, 3),
        Uniform(loc, 1.0): (4, 3),
        Normal(0.0, 1.0): (),
    }
    for dist, shape in dists.items():
        assert tuple(dist.sample(sample_shape).shape) == sample_shape + shape, dist
        if dist.has_rsample:
            assert tuple(dist.rsample(sample_shape).shape) == sample_shape + shape, dist


def test_manual_seed_repeats_the_draws():
    def draws():
        minigrad.manual_seed(7)
        return [
            Normal(minigrad.zeros(3), 1.0).sample((2,)).numpy(),
            Categorical(logits=minigrad.zeros(5)).sample((4,)).numpy(),
            Bernoulli(probs=minigrad.full((3,), 0.5)).sample().numpy(),
            Uniform(0.0, 1.0).rsample((3,)).numpy(),
        ]

    first, second = draws(), draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    minigrad.manual_seed(8)
    assert not np.array_equal(Normal(minigrad.zeros(3), 1.0).sample((2,)).numpy(), first[0])


def test_rsample_is_reparameterized_gradients_reach_loc_and_scale():
    """d/dloc sum(loc + eps scale) = n, d/dscale = sum(eps), with eps = (x - loc) / scale."""
    loc = minigrad.tensor([1.0, -1.0], requires_grad=True)
    scale = minigrad.tensor([0.5, 2.0], requires_grad=True)
    x = Normal(loc, scale).rsample((6,))
    assert x.requires_grad
    x.sum().backward()
    eps = (x.detach().numpy() - [1.0, -1.0]) / [0.5, 2.0]
    np.testing.assert_allclose(loc.grad.numpy(), [6.0, 6.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-5)


@pytest.mark.parametrize("cls", [Normal, Uniform, Laplace, Exponential, Cauchy, LogNormal])
def test_rsample_passes_gradcheck_with_fixed_noise(cls):
    """The same noise on every call (seeded), so central differences see a smooth function."""
    a = minigrad.tensor([0.3, -0.2], dtype=minigrad.float64, requires_grad=True)
    b = minigrad.tensor([1.2, 0.7], dtype=minigrad.float64, requires_grad=True)

    def draw(a, b):
        minigrad.manual_seed(3)
        if cls is Exponential:
            return cls(b).rsample((4,)) * a
        if cls is Uniform:
            return cls(a - 1.0, a + b).rsample((4,))
        return cls(a, b).rsample((4,))

    assert gradcheck(draw, (a, b))


def test_sample_has_no_gradient_even_with_parameters_that_need_one():
    logits = minigrad.zeros(3, requires_grad=True)
    for dist in (Categorical(logits=logits), Bernoulli(logits=logits), Normal(logits, 1.0)):
        assert not dist.sample((2,)).requires_grad


def test_reinforce_gradient_is_score_times_reward():
    """loss = -log_prob(action) * reward; d/dlogits = -(onehot(action) - softmax) * reward."""
    logits = minigrad.tensor([[0.2, -0.5, 1.0], [0.0, 0.3, -0.1]], requires_grad=True)
    dist = Categorical(logits=logits)
    action = dist.sample()
    reward = minigrad.tensor([2.0, -1.0])
    (-dist.log_prob(action) * reward).sum().backward()
    probs = minigrad.softmax(logits.detach(), -1).numpy()
    onehot = np.eye(3)[action.numpy()]
    expected = -(onehot - probs) * reward.numpy()[:, None]
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_everything_works_under_no_grad():
    logits = minigrad.zeros(2, 3, requires_grad=True)
    with minigrad.no_grad():
        dists = [Categorical(logits=logits), Normal(logits, 1.0), Bernoulli(logits=logits)]
        for dist in dists:
            value = dist.sample()
            assert not dist.log_prob(value).requires_grad
            assert not dist.entropy().requires_grad
        assert not Normal(logits, 1.0).rsample().requires_grad
