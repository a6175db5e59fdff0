"""Gamma, Chi2, Beta, Dirichlet, StudentT and Poisson beyond test_against_pytorch.py: moments of
seeded draws, the reparameterization gradient (exact, against mpmath, and on average), the KL
pairs against PyTorch, validation errors, constraints."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minigrad
from minigrad.distributions import (
    Beta,
    Binomial,
    Chi2,
    Dirichlet,
    Gamma,
    Poisson,
    StudentT,
    kl_divergence,
)

N = 40000


def _f64(values):
    return minigrad.tensor(values, dtype=minigrad.float64)


def _check_moments(draws, mean, variance, kurtosis_bound=10.0):
    """Sample mean within 5 standard errors; sample variance within 5 of its standard errors
    (from an upper bound on the kurtosis)."""
    n = draws.shape[0]
    mean, variance = np.asarray(mean), np.asarray(variance)
    assert np.all(np.abs(draws.mean(0) - mean) <= 5 * np.sqrt(variance / n))
    spread = 5 * variance * np.sqrt((kurtosis_bound - 1) / n)
    assert np.all(np.abs(draws.var(0) - variance) <= spread)


def test_gamma_and_chi2_draws_have_their_moments():
    minigrad.manual_seed(0)
    c, rate = np.array([0.6, 1.0, 3.0, 40.0]), np.array([2.0, 1.0, 0.5, 4.0])
    x = Gamma(_f64(c), _f64(rate)).sample((N,)).numpy()
    assert (x > 0).all()
    _check_moments(x, c / rate, c / rate**2, kurtosis_bound=3 + 6 / 0.6)
    df = np.array([1.0, 5.0])
    _check_moments(Chi2(_f64(df)).sample((N,)).numpy(), df, 2 * df, kurtosis_bound=15)


def test_tiny_concentrations_stay_positive():
    minigrad.manual_seed(1)
    x = Gamma(_f64([0.01, 0.001]), 1.0).sample((1000,)).numpy()
    assert (x > 0).all() and np.isfinite(np.log(x)).all()
    # P(x < t) = t^c / Gamma(c + 1) for small t: about half the draws of c = 0.01 are < 1e-30
    assert 0.35 < (x[:, 0] < 1e-30).mean() < 0.65


def test_beta_dirichlet_and_student_t_draws_have_their_moments():
    minigrad.manual_seed(2)
    b = Beta(_f64([0.5, 2.0, 8.0]), _f64([0.5, 5.0, 1.0]))
    x = b.sample((N,)).numpy()
    assert ((x > 0) & (x < 1)).all()
    _check_moments(x, b.mean.numpy(), b.variance.numpy(), kurtosis_bound=6)
    d = Dirichlet(_f64([[0.3, 1.0, 4.0], [2.0, 2.0, 2.0]]))
    y = d.sample((N,)).numpy()
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-12)
    _check_moments(y, d.mean.numpy(), d.variance.numpy(), kurtosis_bound=10)
    t = StudentT(_f64([6.0, 30.0]), _f64([1.0, -2.0]), _f64([0.5, 3.0]))
    # kurtosis 3 + 6 / (df - 4): 6 for df = 6
    _check_moments(t.sample((N,)).numpy(), t.mean.numpy(), t.variance.numpy(), kurtosis_bound=6)


def test_poisson_draws_are_integers_with_its_moments():
    minigrad.manual_seed(3)
    rate = np.array([0.0, 0.2, 3.0, 9.99, 10.0, 70.0, 5000.0])
    x = Poisson(_f64(rate)).sample((N,)).numpy()
    assert (x == np.round(x)).all() and (x >= 0).all()
    assert (x[:, 0] == 0).all()
    _check_moments(x[:, 1:], rate[1:], rate[1:], kurtosis_bound=3 + 1 / 0.2)
    # the two samplers meet at rate 10: their frequencies of each count agree with the pmf
    counts = np.bincount(x[:, 4].astype(int), minlength=40)[:25] / N
    pmf = np.exp(Poisson(_f64(10.0)).log_prob(_f64(np.arange(25.0))).numpy())
    assert np.abs(counts - pmf).max() < 5 * np.sqrt(0.125 / N)


def test_binomial_draws_have_their_moments_on_both_samplers():
    minigrad.manual_seed(6)
    n = np.array([0.0, 5.0, 30.0, 30.0, 200.0, 1e5, 12.0])
    p = np.array([0.3, 0.0, 0.2, 0.5, 0.93, 0.01, 1.0])
    x = Binomial(_f64(n), probs=_f64(p)).sample((N,)).numpy()
    assert (x == np.round(x)).all() and (x >= 0).all() and (x <= n).all()
    np.testing.assert_array_equal(x[:, [0, 1, 6]], np.broadcast_to([0.0, 0.0, 12.0], (N, 3)))
    keep = [2, 3, 4, 5]
    _check_moments(x[:, keep], (n * p)[keep], (n * p * (1 - p))[keep], kurtosis_bound=4)
    # the rejection sampler's frequencies against the pmf
    counts = np.bincount(x[:, 3].astype(int), minlength=31) / N
    pmf = np.exp(Binomial(30, probs=_f64(0.5)).log_prob(_f64(np.arange(31.0))).numpy())
    assert np.abs(counts - pmf).max() < 5 * np.sqrt(0.15 / N)


def test_binomial_enumerate_support_and_its_errors_as_torch():
    for lib in (minigrad, torch):
        d = lib.distributions.Binomial(lib.tensor([3.0, 3.0]), probs=lib.tensor([0.2, 0.7]))
        assert tuple(d.enumerate_support().shape) == (4, 2)
        uneven = lib.distributions.Binomial(lib.tensor([3.0, 4.0]), probs=lib.tensor(0.5))
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
            uneven.entropy()
        with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
            lib.distributions.kl_divergence(
                lib.distributions.Binomial(2, probs=lib.tensor(0.5)),
                lib.distributions.Binomial(3, probs=lib.tensor(0.5)),
            )
        with pytest.raises(ValueError, match="Either `probs` or `logits`"):
            lib.distributions.Binomial(3)


def test_draws_repeat_with_the_seed_and_keep_the_dtype():
    for make in (
        lambda: Gamma(minigrad.tensor([0.5, 3.0]), 1.0),
        lambda: Beta(2.0, 3.0),
        lambda: Poisson(minigrad.tensor([4.0, 40.0])),
        lambda: Binomial(minigrad.tensor([4.0, 400.0]), probs=minigrad.tensor(0.3)),
        lambda: StudentT(3.0),
    ):
        minigrad.manual_seed(7)
        a = make().sample((5,))
        minigrad.manual_seed(7)
        b = make().sample((5,))
        assert a.dtype == minigrad.float32
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_standard_gamma_gradient_is_exact():
    """dx/dalpha at a fixed CDF value: -(d/dalpha P(alpha, x)) / p(x), P by mpmath."""
    mpmath = pytest.importorskip("mpmath")
    alpha = np.array([0.01, 0.3, 1.0, 2.5, 7.9, 40.0, 1000.0])
    x = np.array([1e-30, 0.05, 2.7, 0.9, 12.0, 36.0, 1040.0])
    got = minigrad.ops.sampling.StandardGammaGrad.apply(_f64(x), _f64(alpha)).numpy()
    mpmath.mp.dps = 30
    want = []
    for a, v in zip(alpha, x):
        d_cdf = mpmath.diff(lambda s, v=v: mpmath.gammainc(s, 0, v, regularized=True), a)
        density = mpmath.mpf(v) ** (a - 1) * mpmath.exp(-v) / mpmath.gamma(a)
        want.append(float(-d_cdf / density))
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # PyTorch's is an approximation, close to it
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, theirs, rtol=2e-3)


def test_rsample_gradients_are_right_on_average():
    """d/dtheta E[f(x)] estimated by the mean of the pathwise gradients of f(x)."""
    minigrad.manual_seed(4)
    c = _f64([0.4, 2.0, 9.0]).requires_grad_()
    rate = _f64([1.0, 0.5, 3.0]).requires_grad_()
    Gamma(c, rate).rsample((N,)).mean(0).sum().backward()
    # E[x] = c / rate
    np.testing.assert_allclose(c.grad.numpy(), 1 / rate.detach().numpy(), rtol=0.03)
    want = -(c / rate**2).detach().numpy()
    np.testing.assert_allclose(rate.grad.numpy(), want, rtol=0.03)

    c1, c0 = _f64([0.5, 3.0]).requires_grad_(), _f64([2.0, 1.5]).requires_grad_()
    Beta(c1, c0).rsample((N,)).mean(0).sum().backward()
    total = (c1 + c0).detach().numpy()
    np.testing.assert_allclose(c1.grad.numpy(), c0.detach().numpy() / total**2, rtol=0.05)
    np.testing.assert_allclose(c0.grad.numpy(), -c1.detach().numpy() / total**2, rtol=0.05)

    df, scale = _f64([5.0, 12.0]).requires_grad_(), _f64([0.5, 2.0]).requires_grad_()
    x = StudentT(df, 1.0, scale).rsample((N,))
    ((x - 1.0) ** 2).mean(0).sum().backward()
    # E[(x - loc)^2] = scale^2 df / (df - 2)
    d, s = df.detach().numpy(), scale.detach().numpy()
    np.testing.assert_allclose(scale.grad.numpy(), 2 * s * d / (d - 2), rtol=0.1)
    np.testing.assert_allclose(df.grad.numpy(), -2 * s**2 / (d - 2) ** 2, rtol=0.25)


def test_dirichlet_rsample_gradient_on_average():
    minigrad.manual_seed(5)
    c = _f64([0.7, 2.0, 3.3]).requires_grad_()
    x = Dirichlet(c).rsample((N,))
    x[:, 0].mean().backward()
    # E[x_0] = c_0 / sum(c)
    total = c.detach().numpy().sum()
    want = -c.detach().numpy()[0] / total**2 + np.array([1 / total, 0, 0])
    np.testing.assert_allclose(c.grad.numpy(), want, rtol=0.05, atol=2e-3)


def _params(lib, values):
    return [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in values]


rng = np.random.default_rng(5)
POS = rng.uniform(0.5, 3.0, (6, 3))
# name: (build(D, *params) -> (p, q), params)
PAIRS = {
    "gamma_gamma": (lambda D, a, b, c, d: (D.Gamma(a, b), D.Gamma(c, d)), POS[:4]),
    "chi2_gamma": (lambda D, a, c, d: (D.Chi2(a), D.Gamma(c, d)), POS[:3]),
    "beta_beta": (lambda D, a, b, c, d: (D.Beta(a, b), D.Beta(c, d)), POS[:4]),
    "dirichlet": (lambda D, a, b: (D.Dirichlet(a), D.Dirichlet(b)), [POS[:2], POS[2:4]]),
    "poisson": (lambda D, a, b: (D.Poisson(a), D.Poisson(b)), POS[:2]),
    "binomial": (
        lambda D, a, b: (
            D.Binomial(D.Poisson(a).mean.detach().ceil() + 3, probs=b / 4),
            D.Binomial(3, logits=a - 1),
        ),
        POS[:2],
    ),
    "bernoulli_poisson": (
        lambda D, a, b: (D.Bernoulli(probs=a / 4), D.Poisson(b)),
        POS[:2],
    ),
    "beta_exponential": (lambda D, a, b, c: (D.Beta(a, b), D.Exponential(c)), POS[:3]),
    "beta_gamma": (lambda D, a, b, c, d: (D.Beta(a, b), D.Gamma(c, d)), POS[:4]),
    "beta_normal": (lambda D, a, b, c, d: (D.Beta(a, b), D.Normal(c, d)), POS[:4]),
    "beta_uniform": (
        lambda D, a, b, c, d: (D.Beta(a, b), D.Uniform(c - 3.0, d + 1.0)),
        POS[:4],
    ),
    "exponential_gamma": (lambda D, a, b, c: (D.Exponential(a), D.Gamma(b, c)), POS[:3]),
    "gamma_exponential": (lambda D, a, b, c: (D.Gamma(a, b), D.Exponential(c)), POS[:3]),
    "gamma_normal": (lambda D, a, b, c, d: (D.Gamma(a, b), D.Normal(c, d)), POS[:4]),
    "uniform_beta": (
        lambda D, a, b, c, d: (D.Uniform(a / 10, 0.5 + b / 10), D.Beta(c, d)),
        POS[:4],
    ),
    "uniform_gamma": (
        lambda D, a, b, c, d: (D.Uniform(a, a + b), D.Gamma(c, d)),
        POS[:4],
    ),
    # the pairs of Normal, Laplace, Exponential and Uniform (PyTorch's, round 13)
    "exponential_normal": (lambda D, a, b, c: (D.Exponential(a), D.Normal(b - 1, c)), POS[:3]),
    "laplace_normal": (lambda D, a, b, c, d: (D.Laplace(a - 1, b), D.Normal(c, d)), POS[:4]),
    "normal_laplace": (lambda D, a, b, c, d: (D.Normal(a, b), D.Laplace(c - 1, d)), POS[:4]),
    "uniform_normal": (
        lambda D, a, b, c, d: (D.Uniform(a - 1, a + b), D.Normal(c, d)),
        POS[:4],
    ),
    "uniform_exponential": (
        lambda D, a, b, c: (D.Uniform(a, a + b), D.Exponential(c)),
        POS[:3],
    ),
}
INFINITE = {
    "exponential_beta": lambda D, a: (D.Exponential(a), D.Beta(a, a)),
    "gamma_beta": lambda D, a: (D.Gamma(a, a), D.Beta(a, a)),
    "gamma_uniform": lambda D, a: (D.Gamma(a, a), D.Uniform(a, a + 1)),
    "laplace_beta": lambda D, a: (D.Laplace(a, a), D.Beta(a, a)),
    "laplace_gamma": lambda D, a: (D.Laplace(a, a), D.Gamma(a, a)),
    "normal_beta": lambda D, a: (D.Normal(a, a), D.Beta(a, a)),
    "normal_gamma": lambda D, a: (D.Normal(a, a), D.Gamma(a, a)),
    "poisson_bernoulli": lambda D, a: (D.Poisson(a), D.Bernoulli(probs=a / 4)),
    "poisson_binomial": lambda D, a: (D.Poisson(a), D.Binomial(3, probs=a / 4)),
    "uniform_beta_outside": lambda D, a: (D.Uniform(a - 1, a), D.Beta(a, a)),
    "uniform_gamma_outside": lambda D, a: (D.Uniform(-a, a), D.Gamma(a, a)),
    "beta_uniform_inside": lambda D, a: (D.Beta(a, a), D.Uniform(a / 10, 1.0)),
    "exponential_uniform": lambda D, a: (D.Exponential(a), D.Uniform(0.0, a + 1)),
    "laplace_exponential": lambda D, a: (D.Laplace(a, a), D.Exponential(a)),
    "laplace_uniform": lambda D, a: (D.Laplace(a, a), D.Uniform(a - 1, a)),
    "normal_exponential": lambda D, a: (D.Normal(a, a), D.Exponential(a)),
    "normal_uniform": lambda D, a: (D.Normal(a, a), D.Uniform(a - 1, a)),
    "uniform_exponential_below_zero": lambda D, a: (D.Uniform(a - 1, a), D.Exponential(a)),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_kl_values_and_gradients_equal_torch(name):
    build, values = PAIRS[name]
    results = []
    for lib in (minigrad, torch):
        leaves = _params(lib, values)
        kl = lib.distributions.kl_divergence(*build(lib.distributions, *leaves))
        grads = lib.autograd.grad(kl.sum(), leaves, allow_unused=True)
        results.append((kl.detach().numpy(), [None if g is None else g.numpy() for g in grads]))
    (ours, our_grads), (theirs, their_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    for a, b in zip(our_grads, their_grads):
        assert (a is None) == (b is None)
        if a is not None:  # trigamma in some: PyTorch's is accurate to about 1e-9
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", list(INFINITE))
def test_kl_infinite_pairs_as_torch(name):
    a = np.array([0.3, 0.6])
    ours = kl_divergence(*INFINITE[name](minigrad.distributions, _f64(a))).numpy()
    theirs = torch.distributions.kl_divergence(
        *INFINITE[name](torch.distributions, torch.tensor(a))
    ).numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert np.isinf(ours).all()


def test_kl_uniform_beta_at_the_edges_is_finite():
    """x log x is 0 at 0 here; PyTorch's formula gives nan for Uniform(0, b)."""
    ours = kl_divergence(minigrad.distributions.Uniform(0.0, 1.0), Beta(2.0, 3.0))
    assert math.isfinite(ours.item())
    # KL(U(0,1) || Beta(2, 3)) = -E_U[log p_Beta] = -(log 12 + E[log x] + 2 E[log(1-x)])
    np.testing.assert_allclose(ours.item(), -(math.log(12) - 1 - 2), rtol=1e-6)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda D: D.Gamma(-1.0, 1.0), "Expected parameter concentration"),
        (lambda D: D.Gamma(1.0, 0.0), "Expected parameter rate"),
        (lambda D: D.Chi2(-2.0), "Expected parameter df"),
        # Beta's Dirichlet refuses first, in PyTorch too
        (lambda D: D.Beta(0.0, 1.0), r"parameter concentration \(Tensor of shape \(2,\)\)"),
        (lambda D: D.StudentT(1.0, 0.0, -1.0), "Expected parameter scale"),
        (lambda D: D.Poisson(-0.5), "Expected parameter rate"),
        (lambda D: D.Binomial(2.5, probs=0.3), "Expected parameter total_count"),
        (lambda D: D.Binomial(3, probs=D_tensor(D, 1.2)), "Expected parameter probs"),
        (lambda D: D.Binomial(3, probs=0.5).log_prob(D_tensor(D, 4.0)), "within the support"),
        (lambda D: D.Gamma(1.0, 1.0).log_prob(D_tensor(D, -1.0)), "within the support"),
        (lambda D: D.Beta(1.0, 1.0).log_prob(D_tensor(D, 1.5)), "within the support"),
        (lambda D: D.Poisson(1.0).log_prob(D_tensor(D, 0.5)), "within the support"),
    ],
)
def test_validation_errors_as_torch(build, message):
    for D in (minigrad.distributions, torch.distributions):
        with pytest.raises(ValueError, match=message):
            build(D)


def D_tensor(D, value):
    return (minigrad if D is minigrad.distributions else torch).tensor(value)


def test_dirichlet_needs_a_vector():
    for lib in (minigrad, torch):
        with pytest.raises(ValueError, match="must be at least one-dimensional"):
            lib.distributions.Dirichlet(lib.tensor(1.0))


def test_constraints_and_flags_as_torch():
    for name, args in [
        ("Gamma", (1.0, 2.0)),
        ("Chi2", (3.0,)),
        ("Beta", (1.0, 2.0)),
        ("StudentT", (3.0,)),
        ("Poisson", (2.0,)),
        ("Binomial", (3, 0.5)),
    ]:
        ours = getattr(minigrad.distributions, name)(*args)
        theirs = getattr(torch.distributions, name)(*args)
        assert repr(ours.support) == repr(theirs.support)
        assert ours.has_rsample == theirs.has_rsample
        assert {k: repr(v) for k, v in ours.arg_constraints.items()} == {
            k: repr(v) for k, v in theirs.arg_constraints.items()
        }
        assert repr(ours) == repr(theirs)
    d = Dirichlet(minigrad.ones(2, 3))
    assert repr(d.support) == "Simplex()"
    assert (d.batch_shape, d.event_shape) == ((2,), (3,))


def test_expand_gives_the_batch_shape():
    g = Gamma(minigrad.tensor([1.0, 2.0]), 1.0).expand((3, 2))
    assert g.batch_shape == (3, 2) and g.sample().shape == (3, 2)
    d = Dirichlet(minigrad.ones(3)).expand((4,))
    assert d.sample((2,)).shape == (2, 4, 3)
    b = Beta(2.0, 3.0).expand((5,))
    assert b.rsample().shape == (5,)
    t = StudentT(3.0).expand((2,))
    assert t.rsample((3,)).shape == (3, 2)
