"""MultivariateNormal against torch.distributions: each parameterization (covariance,
precision, scale_tril), broadcast batches, log_prob, entropy, mean, variance, the matrices
computed from one another and KL(MVN || MVN), with gradients; draws (statistics, shapes, the
reparameterization gradient), validation errors, expand, and the simulated GPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.distributions import MultivariateNormal, kl_divergence
from minigrad.testing import assert_close
from minigrad.testing.gradcheck import gradcheck
from minigrad.testing.simulated_gpu import simulated_gpu

rng = np.random.default_rng(7)


def _spd(*batch, n=3):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# name: (parameter given, loc, matrix, value): batches of loc and matrix broadcast
CASES = {
    "covariance": ("covariance_matrix", rng.standard_normal(3), _spd(), (4, 3)),
    "precision_batched": ("precision_matrix", rng.standard_normal((2, 3)), _spd(2), (5, 2, 3)),
    "scale_tril_broadcast": (
        "scale_tril",
        rng.standard_normal((2, 1, 3)),
        np.linalg.cholesky(_spd(4)),
        (2, 4, 3),
    ),
}
QUANTITIES = [
    "log_prob",
    "entropy",
    "mean",
    "mode",
    "variance",
    "stddev",
    "covariance_matrix",
    "precision_matrix",
    "scale_tril",
]


def _build(lib, name, dtype=None):
    param, loc, matrix, value_shape = CASES[name]
    dt = getattr(lib, dtype or "float64")
    loc_t = lib.tensor(loc, dtype=dt, requires_grad=True)
    mat_t = lib.tensor(matrix, dtype=dt, requires_grad=True)
    dist = lib.distributions.MultivariateNormal(loc_t, **{param: mat_t})
    value = lib.tensor(np.random.default_rng(1).standard_normal(value_shape), dtype=dt)
    return dist, value, (loc_t, mat_t)


def _quantity(dist, value, quantity):
    if quantity == "log_prob":
        return dist.log_prob(value)
    if quantity == "entropy":
        return dist.entropy()
    return getattr(dist, quantity)


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch_with_gradients(name, quantity):
    results = []
    for lib in (minigrad, torch):
        dist, value, params = _build(lib, name)
        out = _quantity(dist, value, quantity)
        w = lib.tensor(np.random.default_rng(2).standard_normal(tuple(out.shape)))
        grads = lib.autograd.grad(out, params, w, allow_unused=True)
        results.append((out, grads))
    (out, grads), (tout, tgrads) = results
    assert tuple(out.shape) == tuple(tout.shape), quantity
    assert_close(out, tout, rtol=1e-10, atol=1e-12, msg=f"{name} {quantity}")
    for i, (g, h) in enumerate(zip(grads, tgrads)):
        if h is None:
            assert g is None or not np.any(g.numpy()), f"{name} {quantity}: gradient {i}"
        else:
            assert_close(g, h, rtol=1e-8, atol=1e-10, msg=f"{name} {quantity}: gradient {i}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_shapes_and_float32_match_pytorch(name):
    mine, _, _ = _build(minigrad, name, "float32")
    theirs, value, _ = _build(torch, name, "float32")
    assert tuple(mine.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(mine.event_shape) == tuple(theirs.event_shape)
    assert tuple(mine.sample((2,)).shape) == tuple(theirs.sample((2,)).shape)
    lp = mine.log_prob(minigrad.tensor(value.numpy()))
    assert lp.dtype == minigrad.float32
    assert_close(lp, theirs.log_prob(value), rtol=1e-4, atol=1e-4)


KL_PAIRS = {  # (p, q)
    "same_batch": ("covariance", "precision_batched"),
    "broadcast": ("scale_tril_broadcast", "covariance"),
}


@pytest.mark.parametrize("pair", sorted(KL_PAIRS))
def test_kl_matches_pytorch_with_gradients(pair):
    p_name, q_name = KL_PAIRS[pair]
    results = []
    for lib in (minigrad, torch):
        p, _, p_params = _build(lib, p_name)
        q, _, q_params = _build(lib, q_name)
        kl = lib.distributions.kl_divergence(p, q)
        w = lib.tensor(np.random.default_rng(3).standard_normal(tuple(kl.shape)))
        results.append((kl, lib.autograd.grad(kl, p_params + q_params, w)))
    (kl, grads), (tkl, tgrads) = results
    assert_close(kl, tkl, rtol=1e-10, atol=1e-12)
    for i, (g, h) in enumerate(zip(grads, tgrads)):
        assert_close(g, h, rtol=1e-8, atol=1e-10, msg=f"{pair}: gradient {i}")


def test_kl_of_a_distribution_with_itself_is_zero_and_event_shapes_must_match():
    p = MultivariateNormal(minigrad.zeros(3), covariance_matrix=minigrad.tensor(_spd()))
    assert_close(kl_divergence(p, p), minigrad.tensor(0.0), atol=1e-6)
    q = MultivariateNormal(minigrad.zeros(2), covariance_matrix=minigrad.eye(2))
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(p, q)


def test_draws_have_its_mean_and_covariance():
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.4], [0.0, -0.4, 0.5]])
    m = MultivariateNormal(
        minigrad.tensor([1.0, -2.0, 0.5]),
        covariance_matrix=minigrad.tensor(cov, dtype=minigrad.float32),
    )
    x = m.sample((20000,)).numpy()
    assert x.shape == (20000, 3)
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0, 0.5], atol=0.05)
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.06)


def test_draws_come_from_minigrads_generator():
    m = MultivariateNormal(minigrad.zeros(2), scale_tril=minigrad.eye(2))
    minigrad.manual_seed(4)
    first = m.sample((3,)).numpy()
    minigrad.manual_seed(4)
    np.testing.assert_array_equal(m.sample((3,)).numpy(), first)


def test_rsample_passes_gradcheck_with_fixed_noise():
    """loc + L eps, with the same eps each call: a smooth function of loc and the matrix."""
    loc = minigrad.tensor([0.3, -0.2, 1.0], dtype=minigrad.float64, requires_grad=True)
    a = minigrad.tensor(rng.standard_normal((3, 3)), dtype=minigrad.float64, requires_grad=True)

    def draw(loc, a):
        minigrad.manual_seed(3)
        cov = a @ a.mT + 3 * minigrad.eye(3, dtype=minigrad.float64)
        return MultivariateNormal(loc, covariance_matrix=cov).rsample((4,))

    assert gradcheck(draw, (loc, a))
    eye = minigrad.eye(3, dtype=minigrad.float64)
    assert not MultivariateNormal(loc, scale_tril=eye).sample().requires_grad


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, ValueError, "Exactly one of covariance_matrix"),
        ({"covariance_matrix": np.eye(3), "scale_tril": np.eye(3)}, ValueError, "Exactly one"),
        ({"covariance_matrix": np.ones(3)}, ValueError, "at least two-dimensional"),
        ({"covariance_matrix": -np.eye(3)}, ValueError, "covariance_matrix"),
        ({"covariance_matrix": np.triu(np.ones((3, 3)))}, ValueError, "PositiveDefinite"),
        ({"precision_matrix": np.diag([1.0, 0.0, 1.0])}, ValueError, "precision_matrix"),
        ({"scale_tril": np.ones((3, 3))}, ValueError, "LowerCholesky"),
        ({"scale_tril": np.diag([1.0, -1.0, 1.0])}, ValueError, "scale_tril"),
        (
            {"scale_tril": np.eye(3)[None].repeat(2, 0), "loc": np.zeros((3, 3))},
            RuntimeError,
            "broadcast",
        ),
    ],
)
def test_bad_parameters_raise_as_pytorch(kwargs, error, match):
    kwargs = dict(kwargs)
    loc = kwargs.pop("loc", np.zeros(3))
    for lib in (minigrad, torch):
        params = {k: lib.tensor(v, dtype=lib.float64) for k, v in kwargs.items()}
        with pytest.raises(error, match=match):
            lib.distributions.MultivariateNormal(lib.tensor(loc, dtype=lib.float64), **params)


def test_log_prob_validates_the_value_and_validate_args_false_skips_the_checks():
    m = MultivariateNormal(minigrad.zeros(3), covariance_matrix=minigrad.eye(3))
    with pytest.raises(ValueError, match="event_shape"):
        m.log_prob(minigrad.zeros(2))
    # unchecked, a covariance that is not positive-definite fails in its Cholesky factorization
    for lib, error in ((minigrad, minigrad.linalg.LinAlgError), (torch, torch.linalg.LinAlgError)):
        with pytest.raises(error, match="linalg.cholesky"):
            lib.distributions.MultivariateNormal(
                lib.zeros(3), covariance_matrix=-lib.eye(3), validate_args=False
            )


def test_expand_matches_pytorch():
    results = []
    for lib in (minigrad, torch):
        dist, value, _ = _build(lib, "covariance")
        big = dist.expand((2, 4))
        results.append((big.batch_shape, big.log_prob(value.expand(2, 4, 3)), big.variance))
        _ = dist.precision_matrix
        assert tuple(dist.expand((5,)).precision_matrix.shape) == (5, 3, 3)
    (shape, lp, var), (tshape, tlp, tvar) = results
    assert tuple(shape) == tuple(tshape)
    assert_close(lp, tlp, rtol=1e-10)
    assert_close(var, tvar, rtol=1e-10)


def _on(device):
    loc = minigrad.tensor([0.5, -1.0, 2.0], dtype=minigrad.float64, device=device)
    loc.requires_grad_()
    cov = minigrad.tensor(_SPD, device=device)
    p = MultivariateNormal(loc, covariance_matrix=cov)
    q = MultivariateNormal(loc * 0.0, precision_matrix=cov)
    value = minigrad.tensor(np.ones((2, 3)), device=device)
    out = [p.log_prob(value), p.entropy(), kl_divergence(p, q), p.variance, q.scale_tril]
    (out[0].sum() + out[2]).backward()
    return out, loc.grad, p.rsample((2,))


_SPD = _spd()


def test_on_the_simulated_gpu():
    expected, expected_grad, _ = _on("cpu")
    with simulated_gpu():
        out, grad, draw = _on("cuda")
        assert draw.device.type == "cuda" and grad.device.type == "cuda"
        for t, e in zip(out, expected):
            assert t.device.type == "cuda"
            np.testing.assert_allclose(t.detach().cpu().numpy(), e.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(grad.cpu().numpy(), expected_grad.numpy(), rtol=1e-12)


def _gaussian_process_fit(torch):
    """A PyTorch program: fit a Gaussian process's length scale and noise by maximizing the
    marginal likelihood (Cholesky, solve, MultivariateNormal.log_prob, Adam)."""
    x = torch.linspace(-3, 3, 12, dtype=torch.float64)
    y = torch.sin(x) + 0.1 * torch.cos(3 * x)
    log_ell = torch.zeros((), dtype=torch.float64, requires_grad=True)
    log_noise = torch.full((), -2.0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([log_ell, log_noise], lr=0.1)
    for _ in range(15):
        opt.zero_grad()
        d2 = (x[:, None] - x[None, :]) ** 2
        k = torch.exp(-0.5 * d2 / log_ell.exp() ** 2) + log_noise.exp() * torch.eye(12)
        gp = torch.distributions.MultivariateNormal(torch.zeros(12, dtype=torch.float64), k)
        loss = -gp.log_prob(y)
        loss.backward()
        opt.step()
    alpha = torch.cholesky_solve(y[:, None], torch.linalg.cholesky(k.detach()))
    return loss.item(), log_ell.item(), log_noise.item(), alpha.squeeze(1).tolist()


def test_a_gaussian_process_program_gives_pytorchs_numbers():
    mine, theirs = _gaussian_process_fit(minigrad), _gaussian_process_fit(torch)
    # 15 Adam steps on the rounding of two LAPACKs: equal to about 1e-9
    np.testing.assert_allclose(mine[:3], theirs[:3], rtol=1e-7)
    np.testing.assert_allclose(mine[3], theirs[3], rtol=1e-6)
