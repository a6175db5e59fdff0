"""Transforms, biject_to / transform_to and TransformedDistribution against PyTorch: values,
inverses, log|det J| and their gradients, domains and codomains, shapes, caching, equality,
and the errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minigrad
from minigrad.distributions import constraints

rng = np.random.default_rng(77)


def _t(lib):
    return lib.distributions.transforms


# name: (build(lib) -> transform, x in its domain)
TRANSFORMS = {
    "exp": (lambda lib: _t(lib).ExpTransform(), rng.standard_normal((3, 4))),
    "exp_inverse": (lambda lib: _t(lib).ExpTransform().inv, rng.uniform(0.2, 3, (3, 4))),
    "sigmoid": (lambda lib: _t(lib).SigmoidTransform(), rng.standard_normal((3, 4)) * 3),
    "sigmoid_inverse": (lambda lib: _t(lib).SigmoidTransform().inv, rng.uniform(0.05, 0.95, 4)),
    "tanh": (lambda lib: _t(lib).TanhTransform(), rng.standard_normal((3, 4)) * 2),
    "softplus": (lambda lib: _t(lib).SoftplusTransform(), rng.standard_normal((3, 4)) * 2),
    "power": (lambda lib: _t(lib).PowerTransform(lib.tensor(2.5)), rng.uniform(0.2, 3, (3, 4))),
    "power_negative": (
        lambda lib: _t(lib).PowerTransform(lib.tensor([-1.5, 0.5, 2.0, -0.3])),
        rng.uniform(0.2, 3, (3, 4)),
    ),
    "affine_numbers": (lambda lib: _t(lib).AffineTransform(1.5, -2.0), rng.standard_normal(5)),
    "affine_tensors": (
        lambda lib: _t(lib).AffineTransform(lib.tensor([0.5, -1.0]), lib.tensor([2.0, -0.5])),
        rng.standard_normal((3, 2)),
    ),
    "affine_event_dim": (
        lambda lib: _t(lib).AffineTransform(
            lib.tensor([0.5, -1.0, 0.0], dtype=lib.float64),
            lib.tensor([[2.0, -0.5, 1.5]], dtype=lib.float64),
            event_dim=1,
        ),
        rng.standard_normal((4, 3)),
    ),
    "stick_breaking": (lambda lib: _t(lib).StickBreakingTransform(), rng.standard_normal((3, 4))),
    "compose": (
        lambda lib: _t(lib).ComposeTransform(
            [_t(lib).ExpTransform(), _t(lib).AffineTransform(1.0, 3.0), _t(lib).ExpTransform().inv]
        ),
        rng.standard_normal((2, 3)),
    ),
    "compose_event_dims": (
        lambda lib: _t(lib).ComposeTransform(
            [_t(lib).AffineTransform(0.5, 2.0), _t(lib).StickBreakingTransform()]
        ),
        rng.standard_normal((2, 3)),
    ),
    "independent": (
        lambda lib: _t(lib).IndependentTransform(_t(lib).ExpTransform(), 2),
        rng.standard_normal((2, 3, 4)),
    ),
    "lower_cholesky": (
        lambda lib: _t(lib).LowerCholeskyTransform(),
        rng.standard_normal((2, 3, 3)),
    ),
    "positive_definite": (
        lambda lib: _t(lib).PositiveDefiniteTransform(),
        rng.standard_normal((2, 3, 3)),
    ),
}
# no log_abs_det_jacobian (not bijective or no Jacobian of the same dims) in PyTorch either
NO_JACOBIAN = {"lower_cholesky", "positive_definite"}


def _run(lib, name):
    build, x = TRANSFORMS[name]
    t = build(lib)
    x = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    y = t(x)
    back = t.inv(y.detach())
    outs = [y, back]
    if name not in NO_JACOBIAN:
        outs.append(t.log_abs_det_jacobian(x, y))
    w = np.random.default_rng(0)
    total = sum(
        (o * lib.tensor(w.standard_normal(tuple(o.shape)))).sum() for o in (outs[0], outs[-1])
    )
    (grad,) = lib.autograd.grad(total, [x])
    return t, [o.detach().numpy() for o in outs], grad.numpy()


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transform_matches_pytorch(name):
    ours, our_values, our_grad = _run(minigrad, name)
    theirs, their_values, their_grad = _run(torch, name)
    for a, b in zip(our_values, their_values):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-9, atol=1e-12)
    assert repr(ours.domain) == repr(theirs.domain)
    assert repr(ours.codomain) == repr(theirs.codomain)
    assert ours.domain.event_dim == theirs.domain.event_dim
    assert ours.codomain.event_dim == theirs.codomain.event_dim
    assert ours.bijective == theirs.bijective
    shape = TRANSFORMS[name][1].shape
    assert tuple(ours.forward_shape(shape)) == tuple(theirs.forward_shape(shape))
    y_shape = our_values[0].shape
    assert tuple(ours.inverse_shape(y_shape)) == tuple(theirs.inverse_shape(y_shape))


@pytest.mark.parametrize("name", ["exp", "sigmoid", "tanh", "affine_numbers", "compose"])
def test_sign_and_inverse_round_trip(name):
    ours = TRANSFORMS[name][0](minigrad)
    theirs = TRANSFORMS[name][0](torch)
    assert ours.sign == theirs.sign
    assert ours.inv.sign == theirs.inv.sign
    x = minigrad.tensor(TRANSFORMS[name][1])
    np.testing.assert_allclose(ours.inv(ours(x)).numpy(), x.numpy(), rtol=1e-5, atol=1e-6)
    assert ours.inv.inv is ours


def test_reshape_errors_as_pytorch():
    for lib in (minigrad, torch):
        T = lib.distributions.transforms
        with pytest.raises(ValueError, match="different numbers of elements"):
            T.ReshapeTransform((2, 3), (4,))
        with pytest.raises(ValueError, match="Too few dimensions on input"):
            T.ReshapeTransform((2, 3), (6,)).forward_shape((3,))
    theirs, ours = [
        _error(
            lambda lib=lib: lib.distributions.transforms.ReshapeTransform(
                (2, 3), (6,)
            ).forward_shape((3, 3))
        )
        for lib in (torch, minigrad)
    ]
    assert theirs == ours.replace("minigrad.", "torch.")


def _error(call):
    with pytest.raises(ValueError) as error:
        call()
    return str(error.value)


def test_tensor_signs_match_pytorch():
    for name in ("power_negative", "affine_tensors"):
        ours, theirs = TRANSFORMS[name][0](minigrad), TRANSFORMS[name][0](torch)
        np.testing.assert_array_equal(ours.sign.numpy(), theirs.sign.numpy())


def test_softmax_and_abs_are_not_bijective_and_their_inverse_is_one_preimage():
    T = minigrad.distributions.transforms
    x = minigrad.tensor([[0.5, -1.0, 2.0]], dtype=minigrad.float64)
    y = T.SoftmaxTransform()(x)
    np.testing.assert_allclose(y.numpy(), torch.softmax(torch.tensor(x.numpy()), -1).numpy())
    np.testing.assert_allclose(T.SoftmaxTransform()(T.SoftmaxTransform().inv(y)).numpy(), y.numpy())
    assert not T.SoftmaxTransform().bijective and not T.AbsTransform().bijective
    assert T.AbsTransform()(x).numpy().min() > 0
    np.testing.assert_array_equal(T.AbsTransform().inv(x).numpy(), x.numpy())
    with pytest.raises(NotImplementedError):
        T.AbsTransform().log_abs_det_jacobian(x, x.abs())


def test_cache_returns_the_input_itself_where_the_inverse_would_be_inexact():
    """tanh(20) rounds to 1, whose atanh is inf; with cache_size=1 inv(y) is x again, and the
    squashed Gaussian's log_prob of its own rsample stays finite (SAC)."""
    D = minigrad.distributions
    cached = D.transforms.TanhTransform(cache_size=1)
    x = minigrad.tensor([20.0, 0.5], dtype=minigrad.float64)
    y = cached(x)
    assert cached.inv(y) is x
    assert cached(x) is y  # the forward is kept too
    assert math.isinf(D.transforms.TanhTransform().inv(y)[0].item())
    loc = minigrad.tensor([30.0, 0.0], requires_grad=True)
    policy = D.TransformedDistribution(D.Normal(loc, 1.0), [cached])
    action = policy.rsample()
    log_prob = policy.log_prob(action)
    assert np.isfinite(log_prob.detach().numpy()).all()
    log_prob.sum().backward()
    assert np.isfinite(loc.grad.numpy()).all()


def test_with_cache_and_its_errors():
    T = minigrad.distributions.transforms
    assert T.ExpTransform().with_cache()._cache_size == 1
    compose = T.ComposeTransform([T.ExpTransform()], cache_size=1)
    assert compose.parts[0]._cache_size == 1
    assert T.AffineTransform(0.0, 2.0).with_cache()._cache_size == 1
    for lib in (minigrad, torch):
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            lib.distributions.transforms.ExpTransform(cache_size=2)

        class _Widening(lib.distributions.transforms.Transform):  # one event dim more
            domain = lib.distributions.constraints.real
            codomain = lib.distributions.constraints.simplex

        with pytest.raises(ValueError, match="Please use either .domain.event_dim"):
            _Widening().event_dim


def test_equality_as_pytorch():
    T = minigrad.distributions.transforms
    assert T.ExpTransform() == T.ExpTransform()
    assert T.ExpTransform().inv == T.ExpTransform().inv
    assert T.ExpTransform() != T.SigmoidTransform()
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    assert T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)
    scale = minigrad.tensor([1.0, 2.0])
    assert T.AffineTransform(0.0, scale) != T.AffineTransform(0.0, 2.0)
    assert T.ComposeTransform([T.ExpTransform()]) == T.ComposeTransform([T.ExpTransform()])
    assert T.PowerTransform(minigrad.tensor(2.0)) != T.PowerTransform(minigrad.tensor(3.0))


def test_identity_transform():
    T = minigrad.distributions.transforms
    x = minigrad.tensor([1.0, -2.0])
    assert T.identity_transform(x) is x
    np.testing.assert_array_equal(T.identity_transform.log_abs_det_jacobian(x, x).numpy(), [0, 0])
    assert T.identity_transform.sign == 1 and T.identity_transform.bijective


# -- biject_to and transform_to -------------------------------------------------------------

CONSTRAINTS = {
    "real": lambda c: c.real,
    "positive": lambda c: c.positive,
    "nonnegative": lambda c: c.nonnegative,
    "greater_than": lambda c: c.greater_than(2.0),
    "greater_than_eq": lambda c: c.greater_than_eq(-1.0),
    "less_than": lambda c: c.less_than(1.5),
    "unit_interval": lambda c: c.unit_interval,
    "interval": lambda c: c.interval(-2.0, 3.0),
    "half_open_interval": lambda c: c.half_open_interval(-2.0, 3.0),
    "simplex": lambda c: c.simplex,
    "real_vector": lambda c: c.real_vector,
    "independent_positive": lambda c: c.independent(c.positive, 1),
    "corr_cholesky": lambda c: c.corr_cholesky,
    "lower_cholesky": lambda c: c.lower_cholesky,
    "positive_definite": lambda c: c.positive_definite,
}
ONLY_TRANSFORM_TO = {"lower_cholesky", "positive_definite"}  # no bijection registered
_X, _MATRICES = rng.standard_normal((2, 3)), rng.standard_normal((2, 3, 3))


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", list(CONSTRAINTS))
def test_registry_gives_pytorchs_transform(registry, name):
    if registry == "biject_to" and name in ONLY_TRANSFORM_TO:
        for lib in (minigrad, torch):
            with pytest.raises(NotImplementedError, match="Cannot transform"):
                getattr(lib.distributions, registry)(
                    CONSTRAINTS[name](lib.distributions.constraints)
                )
        return
    results = []
    for lib in (minigrad, torch):
        constraint = CONSTRAINTS[name](lib.distributions.constraints)
        t = getattr(lib.distributions, registry)(constraint)
        x = _MATRICES if name in ONLY_TRANSFORM_TO else _X
        x = lib.tensor(x[..., :3] if name == "corr_cholesky" else x, dtype=lib.float64)
        y = t(x)
        assert bool(constraint.check(y).all()), (name, y)
        ladj = t.log_abs_det_jacobian(x, y).numpy() if t.bijective else None
        results.append((repr(t), y.numpy(), ladj))
    (our_repr, ours, our_ladj), (their_repr, theirs, their_ladj) = results
    assert our_repr == their_repr
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    if our_ladj is not None:
        np.testing.assert_allclose(our_ladj, their_ladj, rtol=1e-10)


def test_registry_errors_as_pytorch():
    for lib in (minigrad, torch):
        with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
            lib.distributions.biject_to(lib.distributions.constraints.boolean)
        with pytest.raises(TypeError, match="Expected constraint to be either a Constraint"):
            lib.distributions.biject_to.register(int, lambda c: None)


def test_register_a_new_constraint():
    """A project's own constraint gets a transform by registering its class."""
    from minigrad.distributions.constraint_registry import ConstraintRegistry

    class _AboveTen(constraints.Constraint):
        def check(self, value):
            return value > 10

    registry = ConstraintRegistry()
    T = minigrad.distributions.transforms

    @registry.register(_AboveTen)
    def _factory(constraint):
        return T.ComposeTransform([T.ExpTransform(), T.AffineTransform(10.0, 1.0)])

    y = registry(_AboveTen())(minigrad.tensor([-3.0, 0.0, 2.0]))
    assert bool((y > 10).all())


def test_optimize_a_positive_parameter_through_transform_to():
    """The use: an unconstrained leaf u, the parameter transform_to(positive)(u) > 0."""
    D = minigrad.distributions
    u = minigrad.zeros(3, requires_grad=True)
    scale = D.transform_to(D.constraints.positive)(u)
    loss = -D.Normal(0.0, scale).log_prob(minigrad.tensor([0.1, 2.0, 5.0])).sum()
    loss.backward()
    assert u.grad is not None and np.isfinite(u.grad.numpy()).all()
    # d/du of log s + x^2 / (2 s^2) at s = 1 is 1 - x^2: shrink s for 0.1, grow it for 2 and 5
    np.testing.assert_array_equal(np.sign(u.grad.numpy()), [1.0, -1.0, -1.0])


# -- TransformedDistribution ----------------------------------------------------------------


def _build(lib, loc, scale):
    D = lib.distributions
    T = D.transforms
    return {
        "exp": D.TransformedDistribution(D.Normal(loc, scale), T.ExpTransform()),
        "stick": D.TransformedDistribution(D.Normal(loc, scale), [T.StickBreakingTransform()]),
        "affine_event": D.TransformedDistribution(
            D.Normal(loc, scale), T.AffineTransform(loc, 2.0, event_dim=2)
        ),
        "independent_base": D.TransformedDistribution(
            D.Independent(D.Normal(loc, scale), 1), [T.SigmoidTransform()]
        ),
        "no_transforms": D.TransformedDistribution(D.Normal(loc, scale), []),
    }


def test_shapes_support_and_flags_as_pytorch():
    loc, scale = rng.standard_normal((2, 3)), rng.uniform(0.5, 2, 3)
    ours = _build(minigrad, minigrad.tensor(loc), minigrad.tensor(scale))
    theirs = _build(torch, torch.tensor(loc), torch.tensor(scale))
    for name in ours:
        a, b = ours[name], theirs[name]
        assert tuple(a.batch_shape) == tuple(b.batch_shape), name
        assert tuple(a.event_shape) == tuple(b.event_shape), name
        assert repr(a.support) == repr(b.support), name
        assert a.support.event_dim == b.support.event_dim, name
        assert a.has_rsample == b.has_rsample
        x = a.sample((4,))
        assert tuple(x.shape) == tuple(b.sample((4,)).shape), name
        np.testing.assert_allclose(
            a.log_prob(x).numpy(), b.log_prob(torch.tensor(x.numpy())).numpy(), rtol=1e-10
        )
        shape = (5, *a.batch_shape)
        e, f = a.expand(shape), b.expand(shape)
        assert tuple(e.batch_shape) == tuple(f.batch_shape) == shape, name
        assert tuple(e.sample().shape) == tuple(f.sample().shape), name


def test_sample_has_no_gradient_and_rsample_has():
    loc = minigrad.zeros(3, requires_grad=True)
    d = minigrad.distributions.TransformedDistribution(
        minigrad.distributions.Normal(loc, 1.0), minigrad.distributions.transforms.ExpTransform()
    )
    assert not d.sample().requires_grad
    x = d.rsample((2,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), x.detach().numpy().sum(0), rtol=1e-6)
