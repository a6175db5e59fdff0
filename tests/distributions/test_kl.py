"""kl_divergence against PyTorch (values and gradients, with broadcasting and with zero
probabilities), and register_kl's dispatch and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.distributions import (
    Bernoulli,
    Cauchy,
    Normal,
    Uniform,
    kl,
    kl_divergence,
    register_kl,
)

rng = np.random.default_rng(99)

# name: (build(D, *params) -> (p, q), params)
PAIRS = {
    "normal_broadcast": (
        lambda D, m1, s1, m2, s2: (D.Normal(m1, s1), D.Normal(m2, s2)),
        [rng.standard_normal((2, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal(3), 1.3],
    ),
    "categorical": (
        lambda D, a, b: (D.Categorical(logits=a), D.Categorical(logits=b)),
        [rng.standard_normal((2, 5)), rng.standard_normal(5)],
    ),
    "categorical_probs": (
        lambda D, a, b: (D.Categorical(probs=a), D.Categorical(probs=b)),
        [rng.uniform(0.1, 1, (3, 4)), rng.uniform(0.1, 1, (3, 4))],
    ),
    "one_hot_categorical": (
        lambda D, a, b: (D.OneHotCategorical(logits=a), D.OneHotCategorical(logits=b)),
        [rng.standard_normal((2, 4)), rng.standard_normal((2, 4))],
    ),
    "bernoulli": (
        lambda D, a, b: (D.Bernoulli(logits=a), D.Bernoulli(probs=b)),
        # NOTE: same shapes: PyTorch's Bernoulli KL fails on parameters that broadcast
        [rng.standard_normal((2, 3)) * 2, rng.uniform(0.05, 0.95, (2, 3))],
    ),
    "uniform": (
        lambda D, lo, w: (D.Uniform(lo, lo + w), D.Uniform(lo - 1.0, lo + 2 * w)),
        [rng.standard_normal(4), rng.uniform(0.5, 2, 4)],
    ),
    "exponential": (
        lambda D, a, b: (D.Exponential(a), D.Exponential(b)),
        [rng.uniform(0.5, 2, (2, 3)), rng.uniform(0.5, 2, 3)],
    ),
    "laplace": (
        lambda D, m1, s1, m2, s2: (D.Laplace(m1, s1), D.Laplace(m2, s2)),
        [rng.standard_normal((2, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal(3), 1.3],
    ),
    "log_normal": (
        lambda D, m1, s1, m2, s2: (D.LogNormal(m1, s1), D.LogNormal(m2, s2)),
        [rng.standard_normal((2, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal(3), 1.3],
    ),
    "half_normal": (
        lambda D, a, b: (D.HalfNormal(a), D.HalfNormal(b)),
        [rng.uniform(0.5, 2, (2, 3)), rng.uniform(0.5, 2, 3)],
    ),
    "independent_normal": (
        lambda D, m1, m2: (
            D.Independent(D.Normal(m1, 1.0), 1),
            D.Independent(D.Normal(m2, 2.0), 1),
        ),
        [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))],
    ),
}


def _kl(lib, case):
    build, params = PAIRS[case]
    leaves = [
        lib.tensor(p, dtype=lib.float64, requires_grad=True) if isinstance(p, np.ndarray) else p
        for p in params
    ]
    kl = lib.distributions.kl_divergence(*build(lib.distributions, *leaves))
    tensors = [t for t in leaves if not isinstance(t, float)]
    w = lib.tensor(np.random.default_rng(0).standard_normal(tuple(kl.shape)))
    grads = lib.autograd.grad((kl * w).sum(), tensors)
    return kl.detach().numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("case", list(PAIRS))
def test_kl_matches_pytorch_with_gradients(case):
    ours, our_grads = _kl(minigrad, case)
    theirs, their_grads = _kl(torch, case)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for g, tg in zip(our_grads, their_grads):
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-12)


def test_kl_with_zero_probabilities_matches_pytorch():
    """p_k = 0 terms count 0, q_k = 0 < p_k gives inf (Categorical and Bernoulli); Uniform p
    outside q's support gives inf."""
    cat_p = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5], [0.5, 0.5, 0.0]])
    cat_q = np.array([[0.3, 0.7, 0.0], [0.2, 0.3, 0.5], [0.5, 0.5, 0.0]])
    bern_p, bern_q = np.array([0.0, 1.0, 0.3, 0.0, 1.0]), np.array([0.5, 0.5, 0.0, 0.0, 1.0])
    for lib_p, lib_q, cls in [(cat_p, cat_q, "Categorical"), (bern_p, bern_q, "Bernoulli")]:
        ours = kl_divergence(
            getattr(minigrad.distributions, cls)(probs=minigrad.tensor(lib_p)),
            getattr(minigrad.distributions, cls)(probs=minigrad.tensor(lib_q)),
        )
        theirs = torch.distributions.kl_divergence(
            getattr(torch.distributions, cls)(probs=torch.tensor(lib_p)),
            getattr(torch.distributions, cls)(probs=torch.tensor(lib_q)),
        )
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
        assert np.isinf(ours.numpy()).any()
    outside = kl_divergence(Uniform(0.0, 2.0), Uniform(0.5, 3.0))
    assert outside.item() == np.inf


def test_kl_gradient_reaches_encoder_outputs():
    """A VAE's KL term: KL(N(mu, sigma) || N(0, 1)) = (mu^2 + sigma^2 - 1) / 2 - log sigma."""
    mu = minigrad.tensor([0.5, -1.0], requires_grad=True)
    sigma = minigrad.tensor([0.8, 1.5], requires_grad=True)
    kl_divergence(Normal(mu, sigma), Normal(0.0, 1.0)).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), mu.detach().numpy(), rtol=1e-6)
    s = sigma.detach().numpy()
    np.testing.assert_allclose(sigma.grad.numpy(), s - 1 / s, rtol=1e-6)


def test_kl_of_an_unregistered_pair_says_which_and_how():
    # (Normal, Bernoulli), two exponential families, reaches the Bregman rule, as in PyTorch
    with pytest.raises(NotImplementedError, match="p type Normal and q type Cauchy") as err:
        kl_divergence(Normal(0.0, 1.0), Cauchy(0.0, 1.0))
    assert "@register_kl(Normal, Cauchy)" in str(err.value)
    with pytest.raises(NotImplementedError, match="between different exponential families"):
        kl_divergence(Normal(0.0, 1.0), Bernoulli(0.5))


def test_register_kl_refuses_a_non_distribution():
    with pytest.raises(TypeError, match="type_p to be a Distribution subclass"):
        register_kl(int, Normal)
    with pytest.raises(TypeError, match="type_q to be a Distribution subclass"):
        register_kl(Normal, "Normal")


def test_register_kl_for_a_subclass_takes_precedence(monkeypatch):
    """The most specific registered pair wins; subclasses without their own use the parent's."""
    monkeypatch.setattr(kl, "_KL_REGISTRY", dict(kl._KL_REGISTRY))  # this test's own rules
    monkeypatch.setattr(kl, "_KL_MEMOIZE", {})

    class Wide(Normal):
        pass

    class Wider(Wide):
        pass

    p, q = Normal(0.0, 1.0), Wider(1.0, 2.0)
    expected = kl_divergence(p, Normal(1.0, 2.0)).item()
    assert kl_divergence(p, q).item() == pytest.approx(expected)  # the (Normal, Normal) rule

    @register_kl(Normal, Wide)
    def _kl_normal_wide(p, q):
        return minigrad.tensor(-1.0)

    assert kl_divergence(p, q).item() == -1.0
    assert kl_divergence(p, Normal(1.0, 2.0)).item() == pytest.approx(expected)
