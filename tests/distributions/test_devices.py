"""Distributions on a CUDA device: every result stays on the parameters' device and the
deterministic ones equal the CPU's. Runs on a real GPU when there is one (`device` fixture)
and always on the simulated GPU, which catches host/device mixing on CPU-only machines."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.backend import cuda as cuda_backend
from minigrad.testing.simulated_gpu import simulated_gpu


def _results(device):
    """Everything the distributions compute, for parameters on `device`, as (name, tensor)."""
    D = minigrad.distributions
    rng = np.random.default_rng(5)
    loc = minigrad.tensor(rng.standard_normal((2, 3)), device=device, requires_grad=True)
    logits = minigrad.tensor(rng.standard_normal((2, 3)), device=device, requires_grad=True)
    value = minigrad.tensor(rng.standard_normal((4, 2, 3)), device=device)
    normal, uniform = D.Normal(loc, 2.0), D.Uniform(loc - 1.0, loc + 1.0)
    categorical, bernoulli = D.Categorical(logits=logits), D.Bernoulli(logits=logits)
    one_hot, joint = D.OneHotCategorical(logits=logits), D.Independent(normal, 1)
    out = [
        ("normal.log_prob", normal.log_prob(value)),
        ("normal.cdf", normal.cdf(value)),
        ("uniform.log_prob", uniform.log_prob(loc.detach())),
        ("categorical.log_prob", categorical.log_prob(value[..., 0].abs().long() % 3)),
        ("categorical.mean", categorical.mean),
        ("bernoulli.log_prob", bernoulli.log_prob((value > 0).double())),
        ("one_hot.mode", one_hot.mode),
        ("joint.log_prob", joint.log_prob(value)),
        ("kl", D.kl_divergence(categorical, D.Categorical(probs=logits.detach().exp()))),
        ("enumerate", bernoulli.enumerate_support()),
    ]
    positive = loc.detach().abs() + 0.5
    gamma, beta = D.Gamma(positive, 2.0), D.Beta(positive, positive + 1)
    dirichlet, student, poisson = (
        D.Dirichlet(positive),
        D.StudentT(positive + 2),
        D.Poisson(positive),
    )
    out += [
        ("gamma.log_prob", gamma.log_prob(value.abs())),
        ("beta.log_prob", beta.log_prob(value.sigmoid())),
        ("dirichlet.log_prob", dirichlet.log_prob(value.softmax(-1))),
        ("student.log_prob", student.log_prob(value)),
        ("poisson.log_prob", poisson.log_prob(value.abs().round())),
        ("binomial.log_prob", D.Binomial(5, logits=logits).log_prob(value.abs().round() % 5)),
        ("kl.gamma", D.kl_divergence(gamma, D.Gamma(positive + 1, 1.0))),
    ]
    for name, dist in [("normal", normal), ("uniform", uniform), ("categorical", categorical)]:
        out += [(f"{name}.entropy", dist.entropy()), (f"{name}.variance", dist.variance)]
    for name, dist in [("gamma", gamma), ("beta", beta), ("dirichlet", dirichlet)]:
        out += [(f"{name}.entropy", dist.entropy()), (f"{name}.variance", dist.variance)]
    draws = [d.sample((5,)) for d in (normal, uniform, categorical, bernoulli, one_hot, joint)]
    binomial = D.Binomial(positive.round() * 20, probs=logits.detach().sigmoid())
    draws += [d.sample((5,)) for d in (gamma, beta, dirichlet, student, poisson, binomial)]
    draws += [normal.rsample((2,)), uniform.rsample()]
    (out[0][1].sum() + out[3][1].sum() + draws[-2].sum()).backward()
    concentration = positive.clone().requires_grad_()
    D.Gamma(concentration, 1.0).rsample().sum().backward()
    return out, draws, [loc.grad, logits.grad, concentration.grad]


def _check_on(device):
    ours, draws, grads = _results(device)
    on_cpu, _, cpu_grads = _results("cpu")
    for (name, t), (_, expected) in zip(ours, on_cpu):
        assert t.device.type == "cuda", name
        np.testing.assert_allclose(
            t.detach().cpu().numpy(), expected.detach().numpy(), rtol=1e-12, err_msg=name
        )
    for t in draws:
        assert t.device.type == "cuda"
    assert all(g.device.type == "cuda" for g in grads)
    # loc's gradient holds rsample's noise, which differs between devices: logits' does not
    np.testing.assert_allclose(grads[1].cpu().numpy(), cpu_grads[1].numpy(), rtol=1e-12)


def test_on_the_simulated_gpu():
    with simulated_gpu():
        _check_on("cuda")


@pytest.mark.gpu
def test_on_a_real_gpu():
    found = cuda_backend.probe()
    if found.cupy is None:
        pytest.skip(f"no CUDA device: {found.reason}")
    _check_on("cuda")
