"""minigrad.autograd.functional against torch.autograd.functional: the same numbers, nesting
and shapes for jacobian, hessian, vjp, jvp, vhp and hvp (single and tuple inputs and outputs,
create_graph, strict), and the same errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

RNG = np.random.default_rng(0)
X, Y, V3, V2 = (RNG.standard_normal(s) for s in [(3,), (2, 3), (3,), (2, 3)])


def _f_vec(lib, x):
    return x.exp() * x.sum() + x.sin()


def _f_two_in(lib, x, y):
    return (y * x).tanh().sum(0) + x**2


def _f_two_out(lib, x):
    return x.cumsum(0) * x, (x * x).sum()


def _f_two_two(lib, x, y):
    return (x * y).sum(1), y.exp() @ x


def _scalar(lib, x):
    return (x.exp() * x).sum() + x.prod()


def _scalar2(lib, x, y):
    return (x * y.sin()).sum() * x.pow(3).sum() + (y**2).mean()


def _both(fn_name, f, arrays, **kwargs):
    """Run lib.autograd.functional.<fn_name> in both libraries; arrays with a 'v' entry give
    the v argument."""
    results = []
    for lib in (minigrad, torch):
        arrays_ = dict(arrays)
        v = arrays_.pop("v", None)
        args = tuple(lib.tensor(a) for a in arrays_["inputs"])
        inputs = args if len(args) > 1 or arrays_.get("tuple") else args[0]
        call = getattr(lib.autograd.functional, fn_name)
        extra = {}
        if v is not None:
            extra["v"] = tuple(lib.tensor(a) for a in v) if isinstance(v, tuple) else lib.tensor(v)
        results.append(call(lambda *xs, lib=lib: f(lib, *xs), inputs, **extra, **kwargs))
    return results


def _same(ours, theirs, path="result"):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), path
        for k, (a, b) in enumerate(zip(ours, theirs)):
            _same(a, b, f"{path}[{k}]")
        return
    assert isinstance(ours, minigrad.Tensor), path
    assert tuple(ours.shape) == tuple(theirs.shape), path
    assert ours.requires_grad == theirs.requires_grad, path
    np.testing.assert_allclose(
        ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12
    )


CASES = [
    ("jacobian", _f_vec, dict(inputs=[X])),
    ("jacobian", _f_two_in, dict(inputs=[X, V2])),
    ("jacobian", _f_two_out, dict(inputs=[X])),
    ("jacobian", _f_two_two, dict(inputs=[X, V2])),
    ("jacobian", _scalar, dict(inputs=[X], tuple=True)),
    ("hessian", _scalar, dict(inputs=[X])),
    ("hessian", _scalar2, dict(inputs=[X, V2])),
    ("vjp", _f_vec, dict(inputs=[X], v=V3)),
    ("vjp", _f_two_two, dict(inputs=[X, V2], v=(V2[:, 0], V2[:, 1]))),
    ("vjp", _scalar, dict(inputs=[X])),
    ("jvp", _f_vec, dict(inputs=[X], v=V3)),
    ("jvp", _f_two_two, dict(inputs=[X, V2], v=(V3, V2))),
    ("jvp", _f_two_out, dict(inputs=[X], v=V3)),
    ("vhp", _scalar, dict(inputs=[X], v=V3)),
    ("vhp", _scalar2, dict(inputs=[X, V2], v=(V3, V2))),
    ("hvp", _scalar, dict(inputs=[X], v=V3)),
    ("hvp", _scalar2, dict(inputs=[X, V2], v=(V3, V2))),
]
IDS = [f"{name}-{f.__name__}-{len(a['inputs'])}" for name, f, a in CASES]


@pytest.mark.parametrize("name, f, arrays", CASES, ids=IDS)
def test_matches_pytorch(name, f, arrays):
    ours, theirs = _both(name, f, arrays)
    _same(ours, theirs)


@pytest.mark.parametrize("name, f, arrays", CASES, ids=IDS)
def test_create_graph_results_differentiate_like_pytorchs(name, f, arrays):
    """With create_graph=True the results carry a graph back to the inputs: the gradient of
    their sum with respect to the inputs is the same in both libraries."""
    results = []
    for lib in (minigrad, torch):
        xs = tuple(lib.tensor(a, requires_grad=True) for a in arrays["inputs"])
        inputs = xs if len(xs) > 1 or arrays.get("tuple") else xs[0]
        kwargs = {}
        if "v" in arrays:
            v = arrays["v"]
            kwargs["v"] = tuple(lib.tensor(a) for a in v) if isinstance(v, tuple) else lib.tensor(v)
        out = getattr(lib.autograd.functional, name)(
            lambda *z, lib=lib: f(lib, *z), inputs, create_graph=True, **kwargs
        )
        leaves = [t for t in _flatten(out) if t.requires_grad]
        total = sum((t * t).sum() for t in leaves)
        results.append(lib.autograd.grad(total, xs, allow_unused=True, materialize_grads=True))
    _same(*[tuple(g.detach() for g in r) for r in results])


def _flatten(value):
    if isinstance(value, tuple):
        return [t for el in value for t in _flatten(el)]
    return [value]


def test_vectorize_gives_the_same_numbers():
    ours = minigrad.autograd.functional.jacobian(
        lambda x, y: _f_two_in(minigrad, x, y),
        (minigrad.tensor(X), minigrad.tensor(V2)),
        vectorize=True,
    )
    theirs = torch.autograd.functional.jacobian(
        lambda x, y: _f_two_in(torch, x, y), (torch.tensor(X), torch.tensor(V2)), vectorize=True
    )
    _same(ours, theirs)
    ours = minigrad.autograd.functional.hessian(
        lambda x: _scalar(minigrad, x), minigrad.tensor(X), vectorize=True
    )
    _same(ours, torch.autograd.functional.hessian(lambda x: _scalar(torch, x), torch.tensor(X)))


def test_inputs_are_not_touched_and_results_are_detached():
    x = minigrad.tensor(X, requires_grad=True)
    jac = minigrad.autograd.functional.jacobian(lambda z: z * z, x)
    assert not jac.requires_grad and jac.grad_fn is None and x.grad is None
    out, vjp = minigrad.autograd.functional.vjp(lambda z: (z * z).sum(), x)
    assert not out.requires_grad and not vjp.requires_grad and x.grad is None


def test_unused_inputs_give_zeros_or_fail_in_strict_mode():
    for lib in (minigrad, torch):
        F = lib.autograd.functional
        x, y = lib.tensor(X), lib.tensor(V3)
        jac = F.jacobian(lambda a, b: a * 2, (x, y))
        assert jac[1].abs().sum().item() == 0 and tuple(jac[1].shape) == (3, 3)
        with pytest.raises(
            RuntimeError, match="Output 0 of the user-provided function is independent of input 1"
        ):
            F.jacobian(lambda a, b: a * 2, (x, y), strict=True)
        with pytest.raises(RuntimeError, match="does not require gradients"):
            constant = lib.ones(3)
            F.vjp(lambda a, c=constant: c, x, v=lib.ones(3), strict=True)
        _, vjp = F.vjp(lambda a, b: a * 2, (x, y), v=lib.ones(3))
        assert vjp[1].abs().sum().item() == 0
        with pytest.raises(RuntimeError, match="independent of input 1"):
            F.vjp(lambda a, b: a * 2, (x, y), v=lib.ones(3), strict=True)
        with pytest.raises(
            RuntimeError,
            match="the jacobian of the user-provided function with respect to input 0 is indep",
        ):
            F.hessian(lambda a: a.sum() * 2, x, strict=True)
        hess = F.hessian(lambda a: a.sum() * 2, x)
        assert hess.abs().sum().item() == 0
        with pytest.raises(RuntimeError, match="with respect to input 0 is independent"):
            F.vhp(lambda a: a.sum() * 2, x, v=lib.ones(3), strict=True)
        with pytest.raises(RuntimeError, match="with respect to input 0"):
            F.hvp(lambda a: a.sum() * 2, x, v=lib.ones(3), strict=True)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda F, lib: F.jacobian(lambda a: a, [lib.ones(2)]),
            TypeError,
            "must be either a Tensor or a tuple of Tensors",
        ),
        (
            lambda F, lib: F.vjp(lambda a: a, (lib.ones(2), 3.0), v=lib.ones(2)),
            TypeError,
            "value at index 1 has type",
        ),
        (
            lambda F, lib: F.vjp(lambda a: a * 2, lib.ones(2)),
            RuntimeError,
            "v can only be None if the user-provided function returns",
        ),
        (
            lambda F, lib: F.jvp(lambda a: a * 2, lib.ones(2)),
            RuntimeError,
            "v can only be None if the input",
        ),
        (
            lambda F, lib: F.vjp(lambda a: a * 2, lib.ones(2), v=lib.ones(3)),
            RuntimeError,
            "v has invalid size",
        ),
        (
            lambda F, lib: F.jvp(lambda a, b: a * b, (lib.ones(2), lib.ones(2)), v=lib.ones(2)),
            RuntimeError,
            "v is a tuple of invalid length: should be 2 but got 1",
        ),
        (
            lambda F, lib: F.vhp(lambda a: a * 2, lib.ones(2), v=lib.ones(2)),
            RuntimeError,
            "should contain a single element",
        ),
        (
            lambda F, lib: F.hvp(lambda a: (a, a), lib.ones(2), v=lib.ones(2)),
            RuntimeError,
            "should return a single Tensor",
        ),
        (
            lambda F, lib: F.hessian(lambda a: a * 2, lib.ones(2)),
            RuntimeError,
            "should contain a single element",
        ),
        (
            lambda F, lib: F.jacobian(lambda a: a, lib.ones(2), strategy="sideways"),
            AssertionError,
            "Expected strategy",
        ),
        (
            lambda F, lib: F.jacobian(lambda a: a, lib.ones(2), vectorize=True, strict=True),
            RuntimeError,
            "not supported together",
        ),
    ],
)
def test_errors_match_pytorchs(call, error, message):
    for lib in (minigrad, torch):
        with pytest.raises(error, match=message):
            call(lib.autograd.functional, lib)


def test_forward_mode_strategy_gives_pytorchs_jacobians_and_refuses_what_it_refuses():
    """strategy="forward-mode" (a column per input element) for one input, a tuple of inputs
    and outputs, and hessian's outer_jacobian_strategy; without vectorize=True, or with
    create_graph=True, NotImplementedError as in PyTorch."""
    x = RNG.standard_normal((2, 3))
    results = []
    for lib in (torch, minigrad):
        af, t = lib.autograd.functional, lib.from_numpy(x)
        results.append(
            [
                af.jacobian(lambda a: a.exp().sum(1), t, strategy="forward-mode", vectorize=True),
                *af.jacobian(
                    lambda a, b: ((a * b).sum(0), a - b),
                    (t[0].clone(), t[1].clone()),
                    strategy="forward-mode",
                    vectorize=True,
                )[0],
                af.hessian(
                    lambda a: (a**3).sum(),
                    t,
                    outer_jacobian_strategy="forward-mode",
                    vectorize=True,
                ),
            ]
        )
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    af = minigrad.autograd.functional
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        af.jacobian(lambda a: a, minigrad.ones(2), strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        af.jacobian(
            lambda a: a,
            minigrad.ones(2),
            strategy="forward-mode",
            vectorize=True,
            create_graph=True,
        )


def test_newton_step_with_hessian_and_gradient():
    """What hessian is for: one Newton step minimises a quadratic exactly."""
    a = RNG.standard_normal((3, 3))
    a = a @ a.T + 3 * np.eye(3)
    b = RNG.standard_normal(3)
    steps = []
    for lib in (minigrad, torch):
        A, B = lib.tensor(a), lib.tensor(b)

        def f(x, A=A, B=B):
            return 0.5 * (x @ (A @ x)) - B @ x

        x = lib.zeros(3, dtype=lib.float64)
        h = lib.autograd.functional.hessian(f, x)
        _, g = lib.autograd.functional.vjp(f, x)
        steps.append(x.numpy() - np.linalg.solve(h.numpy(), g.numpy()))
    np.testing.assert_allclose(steps[0], np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(steps[0], steps[1], rtol=1e-10)


def test_functional_runs_on_device(device):
    x = minigrad.tensor(X, device=device)
    jac = minigrad.autograd.functional.jacobian(lambda z: _f_vec(minigrad, z), x)
    _, hvp = minigrad.autograd.functional.hvp(lambda z: _scalar(minigrad, z), x, x)
    assert str(jac.device).startswith(device) and str(hvp.device).startswith(device)
    tjac = torch.autograd.functional.jacobian(lambda z: _f_vec(torch, z), torch.tensor(X))
    _, thvp = torch.autograd.functional.hvp(
        lambda z: _scalar(torch, z), torch.tensor(X), torch.tensor(X)
    )
    _same(jac.cpu(), tjac)
    _same(hvp.cpu(), thvp)
