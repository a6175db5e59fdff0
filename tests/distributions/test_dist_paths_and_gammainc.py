"""PyTorch's module paths under torch.distributions, special.gammainc/gammaincc with
Gamma.cdf, and ExponentialFamily (Bregman entropy and KL), each against PyTorch 2.13 on the
CPU: values, gradients and errors."""

from __future__ import annotations

import contextlib
import importlib
import math
import pkgutil

import numpy as np
import pytest
import torch
from pytorch_errors import assert_fails_as_pytorch

import minigrad
from minigrad.distributions import kl_divergence
from minigrad.testing.simulated_gpu import simulated_gpu

rng = np.random.default_rng(14)


# -- module paths -------------------------------------------------------------------------


def _public_classes(module) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if isinstance(value, type) and value.__module__ == module.__name__ and name[0] != "_"
    ]


TORCH_SUBMODULES = sorted(m.name for m in pkgutil.iter_modules(torch.distributions.__path__))
# each (submodule, class) of PyTorch's whose class torch.distributions exports and
# minigrad.distributions has
PATHS = [
    (sub, name)
    for sub in TORCH_SUBMODULES
    for name in _public_classes(importlib.import_module(f"torch.distributions.{sub}"))
    if name in torch.distributions.__all__ and hasattr(minigrad.distributions, name)
]


def test_the_paths_cover_the_submodules_this_task_is_about():
    assert {"beta", "chi2", "one_hot_categorical", "studentT", "exp_family"} <= {
        sub for sub, _ in PATHS
    }
    assert len(PATHS) > 50


@pytest.mark.parametrize(("sub", "name"), PATHS, ids=[f"{s}.{n}" for s, n in PATHS])
def test_a_class_imports_from_pytorchs_submodule(sub, name):
    # `torch.distributions.beta.Beta` after `import minigrad as torch`, and the from-import
    module = getattr(minigrad.distributions, sub)
    assert module is importlib.import_module(f"minigrad.distributions.{sub}")
    assert getattr(module, name) is getattr(minigrad.distributions, name)


# -- gammainc and gammaincc -----------------------------------------------------------------

# a < 20, where PyTorch's kernel (Cephes') is accurate to a few ulp; above, it switches to an
# asymptotic series good to about 1e-9, and a tail of Gamma(3e6) is off by 1e-3 there (the
# references below)
A = np.concatenate([rng.uniform(0, 3, 200), 10 ** rng.uniform(-3, 1.3, 400)])
X = np.concatenate([rng.uniform(0, 6, 200), A[200:] * rng.uniform(0.05, 3, 400)])
EDGES = [  # (a, x): zeros, infinities, nan and negative arguments
    *((0.0, 0.0), (0.0, 1.0), (0.0, math.inf), (1.0, 0.0), (1.0, math.inf), (-1.0, 1.0)),
    *((1.0, -1.0), (math.inf, 1.0), (math.inf, 0.0), (2.0, math.nan), (math.nan, 1.0)),
    *((1e-3, 1e-3), (5.0, 1e-30), (3.0, 100.0), (math.inf, math.inf)),
]
# P(a, x) from the series, summed with mpmath at 40 digits: the fraction and Temme's expansion
# (a > 1e5) take over near them
REFERENCES = [
    (44.305818, 40.34440924, 0.28658934535616411),
    (2e5, 1.99e5, 0.012576006291331174),
    (1e5, 1.0001e5, 0.51303344143627071),
    (3256831.938118437, 3247420.4008553787, 8.9485595896108317e-08),
]


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gammainc_values_match_pytorch_in_float64(name):
    a = np.concatenate([A, [e[0] for e in EDGES]])
    x = np.concatenate([X, [e[1] for e in EDGES]])
    got = getattr(minigrad.special, name)(minigrad.tensor(a), minigrad.tensor(x)).numpy()
    want = getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-300)  # nan where PyTorch's is


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gammainc_in_float32_is_the_float64_value_rounded(name):
    a, x = A.astype(np.float32), X.astype(np.float32)
    got = getattr(minigrad.special, name)(minigrad.tensor(a), minigrad.tensor(x))
    assert got.dtype == minigrad.float32
    exact = getattr(torch.special, name)(torch.tensor(a, dtype=torch.float64), torch.tensor(x))
    np.testing.assert_allclose(got.numpy(), exact.numpy().astype(np.float32), rtol=2e-7)


@pytest.mark.parametrize(("a", "x", "p"), REFERENCES)
def test_gammainc_for_large_a_is_accurate(a, x, p):
    a_, x_ = (minigrad.tensor([v], dtype=minigrad.float64) for v in (a, x))
    assert minigrad.special.gammainc(a_, x_).item() == pytest.approx(p, rel=1e-12)
    assert minigrad.special.gammaincc(a_, x_).item() == pytest.approx(1 - p, rel=1e-10)


def test_gammainc_promotes_and_broadcasts_as_pytorch():
    for lib in (torch, minigrad):
        y = lib.special.gammainc(lib.tensor([[2.0], [3.0]]), lib.tensor(1.0, dtype=lib.float64))
        assert y.dtype == lib.float32 and tuple(y.shape) == (2, 1)
        y = lib.special.gammaincc(lib.tensor([1, 2]), lib.tensor([[0.5], [2.0]]))
        assert y.dtype == lib.float32 and tuple(y.shape) == (2, 2)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match .* \(3\)"):
        minigrad.special.gammainc(minigrad.ones(2), minigrad.ones(3))


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gammainc_gradient_for_x_matches_pytorch(name):
    a, x = A[:50], X[:50] + 0.1
    ours = minigrad.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    w = rng.standard_normal(50)
    (
        getattr(minigrad.special, name)(minigrad.tensor(a), ours) * minigrad.tensor(w)
    ).sum().backward()
    (getattr(torch.special, name)(torch.tensor(a), theirs) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    # the second derivative too: the first is written with differentiable ops
    ours2, theirs2 = (_second_derivative(lib, name, a, x) for lib in (minigrad, torch))
    np.testing.assert_allclose(ours2, theirs2, rtol=1e-10)


def _second_derivative(lib, name, a, x):
    t = lib.tensor(x, requires_grad=True)
    y = getattr(lib.special, name)(lib.tensor(a), t)
    (g,) = lib.autograd.grad(y.sum(), t, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), t)
    return gg.numpy()


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gammainc_has_no_gradient_for_a(name):
    # the forward runs; backward raises, as PyTorch's
    def call(lib):
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        getattr(lib.special, name)(a, lib.tensor([1.0, 1.0])).sum().backward()

    assert_fails_as_pytorch(call)


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gammainc_gradient_for_x_alone_while_a_requires_grad(name):
    # autograd.grad asking for x only never runs the path to a: no error, as PyTorch; the
    # node's name is PyTorch's too (Gamma.cdf's gradient for its value and rate)
    def grads(lib):
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        x = lib.tensor([0.7, 1.5], requires_grad=True)
        y = getattr(lib.special, name)(a, x)
        (g,) = lib.autograd.grad(y.sum(), x)
        return y.grad_fn.name(), g.numpy()

    (ours_name, ours), (theirs_name, theirs) = grads(minigrad), grads(torch)
    assert ours_name == theirs_name
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.special.gammainc(lib.tensor([1, 2]), lib.tensor([2, 3])),
        lambda lib: lib.special.gammaincc(lib.tensor([True]), lib.tensor([False])),
        lambda lib: lib.special.gammainc(lib.tensor(1.0), 2.0),
        lambda lib: lib.special.gammaincc(2, lib.tensor(1.0)),
    ],
    ids=["int64", "bool", "a-number-x", "a-number-a"],
)
def test_gammainc_errors_match_pytorch(call):
    assert_fails_as_pytorch(call)


def test_gammainc_runs_on_the_simulated_gpu_as_on_the_cpu():
    # the kernel uses only the device's array module (CuPy on a GPU): no host copies
    a, x = [0.5, 3.0, 2e5, 0.0], [0.2, 7.0, 2.01e5, 1.0]  # series, fraction, Temme, an edge
    results = []
    for device, context in (("cpu", contextlib.nullcontext()), ("cuda", simulated_gpu())):
        with context:
            t = minigrad.tensor(x, device=device, requires_grad=True)
            y = minigrad.special.gammaincc(minigrad.tensor(a, device=device), t)
            y.sum().backward()
            assert y.device.type == device
            results.append((y.detach().cpu().numpy(), t.grad.cpu().numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


# -- Gamma.cdf -----------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["Gamma", "Chi2"])
def test_gamma_cdf_values_and_gradients_match_pytorch(family):
    # the gradients for value and rate: the concentration (or df) gets none, as in PyTorch
    # (and a concentration that requires grad makes any backward through cdf raise here, even
    # one that autograd.grad asks only for value: see docs/nn.md)
    params = [rng.uniform(0.3, 4.0, 6) for _ in range(2 if family == "Gamma" else 1)]
    value = rng.uniform(0.0, 5.0, (3, 6))
    results = []
    for lib in (torch, minigrad):
        ps = [lib.tensor(p) for p in params]
        ps[1:] = [p.requires_grad_() for p in ps[1:]]
        v = lib.tensor(value, requires_grad=True)
        cdf = getattr(lib.distributions, family)(*ps).cdf(v)
        results.append((cdf.detach().numpy(), lib.autograd.grad(cdf.sum(), [v, *ps[1:]])))
    (theirs, their_grads), (ours, our_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    for g, h in zip(our_grads, their_grads, strict=True):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-12)


def test_gamma_cdf_validates_its_value_as_pytorch():
    def call(lib):
        lib.distributions.Gamma(2.0, 3.0).cdf(lib.tensor([0.5, -1.0]))

    with pytest.raises(ValueError, match="Expected value argument .* within the support"):
        call(minigrad)
    with pytest.raises(ValueError):
        call(torch)


# -- ExponentialFamily ---------------------------------------------------------------------

FAMILIES = {  # a pair of parameter sets of each member PyTorch has and minigrad has
    "Normal": ([[0.3, -1.0], [0.5, 2.0]], [[1.0, 0.0], [1.5, 0.3]]),
    "Exponential": ([[0.3, 2.0]], [[1.1, 0.4]]),
    "Gamma": ([[0.3, 2.0], [1.5, 0.7]], [[1.0, 3.0], [0.5, 2.0]]),
    "Chi2": ([[0.3, 5.0]], [[2.0, 1.0]]),
    "Bernoulli": ([[0.3, 0.9]], [[0.6, 0.2]]),
    "Beta": ([[0.3, 2.0], [1.5, 0.7]], [[1.0, 1.0], [2.0, 3.0]]),
    "Dirichlet": ([[[0.3, 2.0, 1.0], [1.0, 1.0, 4.0]]], [[[1.0, 1.0, 1.0], [2.0, 0.5, 3.0]]]),
    "Poisson": ([[0.3, 5.0]], [[1.0, 2.0]]),
}


def test_the_members_are_pytorchs():
    theirs = {
        name
        for name in dir(torch.distributions)
        if isinstance(getattr(torch.distributions, name), type)
        and issubclass(getattr(torch.distributions, name), torch.distributions.ExponentialFamily)
    }
    # ContinuousBernoulli and Wishart keep their closed forms only (see docs/nn.md)
    assert theirs - {"ExponentialFamily", "ContinuousBernoulli", "Wishart"} == set(FAMILIES)
    for name in FAMILIES:
        assert issubclass(
            getattr(minigrad.distributions, name), minigrad.distributions.ExponentialFamily
        )


def _pair(lib, name, requires_grad=False):
    p_params, q_params = FAMILIES[name]
    make = getattr(lib.distributions, name)
    p = make(*[lib.tensor(v, dtype=lib.float64) for v in p_params])
    q_tensors = [lib.tensor(v, dtype=lib.float64, requires_grad=requires_grad) for v in q_params]
    return p, make(*q_tensors), q_tensors


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_bregman_entropy_matches_pytorch(name):
    def entropy(lib):
        p, _, _ = _pair(lib, name)
        return lib.distributions.ExponentialFamily.entropy(p)

    if name in ("Beta", "Dirichlet", "Poisson"):  # no _mean_carrier_measure, in PyTorch too
        assert_fails_as_pytorch(entropy)
        return
    np.testing.assert_allclose(
        entropy(minigrad).detach().numpy(), entropy(torch).detach().numpy(), rtol=1e-12
    )
    # and it agrees with the closed form the class overrides it with
    p, _, _ = _pair(minigrad, name)
    np.testing.assert_allclose(entropy(minigrad).detach().numpy(), p.entropy().numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_bregman_kl_matches_pytorch_in_values_and_gradients(name):
    from torch.distributions.kl import _kl_expfamily_expfamily as their_kl

    from minigrad.distributions.kl import _kl_expfamily_expfamily as our_kl

    results = []
    for lib, kl in ((torch, their_kl), (minigrad, our_kl)):
        p, q, q_tensors = _pair(lib, name, requires_grad=True)
        value = kl(p, q)
        results.append((value.detach().numpy(), lib.autograd.grad(value.sum(), q_tensors)))
    (theirs, their_grads), (ours, our_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-11)
    for g, h in zip(our_grads, their_grads):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-11)


def _user_family(lib):
    """A family defined only by its natural parameters: the exponential distribution, whose
    kl_divergence then comes from the (ExponentialFamily, ExponentialFamily) rule."""

    class Rate(lib.distributions.ExponentialFamily):
        arg_constraints = {}
        _mean_carrier_measure = 0

        def __init__(self, rate):
            self.rate = rate
            super().__init__(rate.shape, validate_args=False)

        @property
        def _natural_params(self):
            return (-self.rate,)

        def _log_normalizer(self, x):
            return -(-x).log()

    return Rate


def test_a_users_family_gets_entropy_and_kl_divergence_as_in_pytorch():
    results = []
    for lib in (torch, minigrad):
        rate = _user_family(lib)
        p, q = rate(lib.tensor([0.5, 2.0])), rate(lib.tensor([1.0, 1.0]))
        results.append((p.entropy().detach().numpy(), kl_divergence_of(lib, p, q)))
    (their_h, their_kl), (our_h, our_kl) = results
    np.testing.assert_allclose(our_h, their_h, rtol=1e-6)
    np.testing.assert_allclose(our_kl, their_kl, rtol=1e-6)
    np.testing.assert_allclose(our_h, 1 - np.log([0.5, 2.0]), rtol=1e-6)


def kl_divergence_of(lib, p, q):
    kl = kl_divergence if lib is minigrad else torch.distributions.kl_divergence
    return kl(p, q).detach().numpy()


def test_kl_between_two_families_raises_as_pytorch():
    def call(lib):
        rate = _user_family(lib)
        lib.distributions.kl_divergence(
            rate(lib.tensor([1.0])), lib.distributions.Poisson(lib.tensor([1.0]))
        )

    with pytest.raises(NotImplementedError, match="between different exponential families"):
        call(minigrad)
    with pytest.raises(NotImplementedError, match="between different exponential families"):
        call(torch)
