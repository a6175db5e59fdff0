"""minigrad.func (PyTorch's torch.func) against PyTorch: functional_call (dicts, tied weights,
strict), grad / grad_and_value (argnums, has_aux, dicts, nesting, composing with autograd),
vjp, jacrev, jvp, linearize, jacfwd, hessian, vmap (in_dims, out_dims, of grad),
stack_module_state, and the errors."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

import minigrad


def _func(lib):
    return importlib.import_module(f"{lib.__name__}.func")


def _tensor(lib, shape, seed):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape))


def _same(call):
    """call(lib, func) gives the same nested numbers with minigrad as with PyTorch."""
    ours, theirs = (call(lib, _func(lib)) for lib in (minigrad, torch))
    _compare(ours, theirs)


def _compare(ours, theirs, path="result"):
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), path
        for key in theirs:
            _compare(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), path
        for k, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, f"{path}[{k}]")
    elif isinstance(theirs, torch.Tensor):
        assert ours.requires_grad == theirs.requires_grad, path
        np.testing.assert_allclose(
            ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=path
        )
    else:
        assert ours == theirs, path


def _mlp(lib):
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2)).double()
    model.load_state_dict(
        {k: _tensor(lib, tuple(v.shape), i) for i, (k, v) in enumerate(model.state_dict().items())}
    )
    return model


def test_functional_call_uses_the_given_tensors_and_restores_the_module():
    def run(lib, func):
        model = _mlp(lib)
        x = _tensor(lib, (5, 3), 7)
        weights = {"0.weight": _tensor(lib, (4, 3), 8).requires_grad_()}
        out = func.functional_call(model, weights, (x,))
        out.sum().backward()
        bias = {"2.bias": lib.zeros(2, dtype=lib.float64)}
        both = func.functional_call(model, (weights, bias), x)
        return [out, weights["0.weight"].grad, both, model(x), model[0].weight.grad is None]

    _same(run)


def test_functional_call_ties_weights_and_checks_keys_as_pytorch():
    def run(lib, func):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
        model[1].weight = model[0].weight  # tied
        x = lib.ones(1, 2)
        eye = {"0.weight": lib.eye(2) * 2}
        tied = func.functional_call(model, eye, (x,))
        untied = func.functional_call(model, eye, (x,), tie_weights=False)
        return [tied, untied.shape == (1, 2)]

    _same(run)
    model = minigrad.nn.Linear(2, 2)
    with pytest.raises(
        RuntimeError, match=r"Unexpected key\(s\): 'w'.*\n\tMissing key\(s\): 'weight'"
    ):
        _func(minigrad).functional_call(
            model,
            {"w": minigrad.ones(2, 2), "bias": minigrad.ones(2)},
            minigrad.ones(1, 2),
            strict=True,
        )
    with pytest.raises(ValueError, match="multiple dictionaries"):
        _func(minigrad).functional_call(
            model, ({"bias": minigrad.ones(2)},) * 2, minigrad.ones(1, 2)
        )


def test_grad_and_value_with_argnums_aux_and_dicts():
    def run(lib, func):
        x, y = _tensor(lib, (3,), 1), _tensor(lib, (3,), 2)

        def f(params, a):
            return (params["w"].sin() * a * params["b"]).sum(), a.detach() * 2

        params = {"w": x, "b": y}
        return [
            func.grad(lambda a, b: (a * b.exp()).sum(), argnums=(0, 1))(x, y),
            func.grad_and_value(lambda a: (a**2).sum())(x),
            func.grad(f, has_aux=True)(params, y),
            func.grad(f, argnums=1, has_aux=True)(params, y)[0],
        ]

    _same(run)


def test_grad_nests_and_composes_with_autograd():
    def run(lib, func):
        x = lib.tensor(1.5, dtype=lib.float64)
        third = func.grad(func.grad(func.grad(lambda a: a.sin() * a**4)))(x)
        leaf = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        g = func.grad(lambda a: (a**3).sum())(leaf)
        g.sum().backward()
        return [third, g, leaf.grad]

    _same(run)


def test_vjp_jacrev_and_hessian():
    def run(lib, func):
        x, y = _tensor(lib, (3,), 3), _tensor(lib, (2, 3), 4)
        out, vjp_fn = func.vjp(lambda a, b: a * b, x, y)
        return [
            out,
            vjp_fn(lib.ones_like(out)),
            func.jacrev(lambda a, b: (a * b).tanh(), argnums=(0, 1))(x, y),
            func.hessian(lambda a: (a**3).prod())(x),
        ]

    _same(run)


def test_vmap_in_dims_out_dims_and_of_grad():
    def run(lib, func):
        x, w = _tensor(lib, (4, 3), 5), _tensor(lib, (3, 2), 6)
        return [
            func.vmap(lambda a, b: a @ b, in_dims=(0, None))(x, w),
            func.vmap(lambda a, b: (a * b, a.sum()), in_dims=(1, None), out_dims=(1, 0))(x, 2.0),
            func.vmap(func.vmap(lambda a: a * a))(x),
            func.vmap(func.grad(lambda a, b: (a.sin() * b).sum()), in_dims=(0, None))(x, x[0]),
            func.vmap(lambda d: d["a"] + d["b"], in_dims=({"a": 0, "b": None},))(
                {"a": x, "b": x[0]}
            ),
        ]

    _same(run)


def test_stack_module_state_for_ensembles():
    def run(lib, func):
        models = [_mlp(lib) for _ in range(3)]
        models[1][0].weight.data.mul_(2)
        params, buffers = func.stack_module_state(models)
        base = _mlp(lib)
        x = _tensor(lib, (5, 3), 9)
        out = func.vmap(lambda p, b: func.functional_call(base, (p, b), (x,)))(params, buffers)
        return [out, list(params), buffers, params["0.weight"].requires_grad]

    _same(run)


ERRORS = [
    (lambda f, x: f.grad(lambda a: a * 2)(x), RuntimeError, "scalar Tensor"),
    (lambda f, x: f.grad(lambda a: a.sum(), argnums=3)(x), RuntimeError, "argnums"),
    (lambda f, x: f.grad(lambda a: a.sum(), has_aux=True)(x), RuntimeError, "tuple"),
    (lambda f, x: f.vmap(lambda a, b: a + b)(x, x[:2]), ValueError, "same size"),
    (lambda f, x: f.vmap(lambda a: a, in_dims=None)(x), ValueError, "at least one"),
    (lambda f, x: f.vmap(lambda a: a, in_dims=2)(x), ValueError, "in_dim"),
    (lambda f, x: f.vmap(lambda a: 3)(x), ValueError, "must only return Tensors"),
    # an aux value holds tensors only, as PyTorch unwraps each of them
    (lambda f, x: f.grad(lambda a: (a.sum(), 3), has_aux=True)(x), RuntimeError, "<class 'int'>"),
    (lambda f, x: f.vjp(lambda a: (a, [a, None]), x, has_aux=True), RuntimeError, "NoneType"),
]


@pytest.mark.parametrize("requires_grad", [False, True])
def test_aux_outputs_keep_a_graph_only_where_pytorchs_do(requires_grad):
    """The aux of grad, grad_and_value, jacrev, jacfwd, vjp and jvp: PyTorch unwraps its
    tensors, so printed they show no grad_fn, unless the inputs require grad outside."""

    def run(lib, func):
        x = lib.tensor([1.0, 2.0], requires_grad=requires_grad)

        def scalar(a):
            return (a**2).sum(), {"mean": a.mean(), "rows": [a * 2]}

        def vector(a):
            return a**2, (a.mean(), a * 3)

        auxes = [
            func.grad(scalar, has_aux=True)(x),
            func.grad_and_value(scalar, has_aux=True)(x)[1][1],
            func.jacrev(vector, has_aux=True)(x)[1],
            func.jacfwd(vector, has_aux=True)(x)[1],
            func.vjp(vector, x, has_aux=True)[2],
            func.jvp(vector, (x,), (lib.ones(2),), has_aux=True)[2],
        ]
        leaves = [auxes[0][1]["mean"], auxes[1]["rows"][0], *(t for a in auxes[2:] for t in a)]
        return [[t.tolist(), t.grad_fn is not None] for t in leaves]

    _same(run)


@pytest.mark.parametrize("call, error, words", ERRORS)
def test_errors_as_pytorch(call, error, words):
    with pytest.raises(error):
        call(_func(torch), torch.ones(3, 2))
    with pytest.raises(error, match=words):
        call(_func(minigrad), minigrad.ones(3, 2))


def test_forward_mode_transforms_give_pytorchs_numbers():
    """jvp, linearize and jacfwd (reverse mode in minigrad), and the Jacobians tutorial's hvp:
    jvp of grad."""

    def run(lib, func):
        x, v, w = _tensor(lib, (3,), 10), _tensor(lib, (3,), 11), _tensor(lib, (2, 3), 12)

        def f(a, b):
            return (a.sin() * b).tanh()

        def g(a):
            return (a.exp() * a.cos()).sum()

        output, jvp_fn = func.linearize(lambda a: a.sin() * a, x)
        return [
            func.jvp(f, (x, w), (v, w * 2)),
            func.jvp(lambda a: (a**2, a.sum()), (x,), (v,)),
            output,
            jvp_fn(v),
            func.jacfwd(f, argnums=(0, 1))(x, w),
            func.jvp(func.grad(g), (x,), (v,))[1],  # a Hessian-vector product
            func.vmap(func.jacfwd(lambda a: a.sin() * a.sum()))(w),
            func.hessian(g)(x),
        ]

    _same(run)


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_vmap_randomness_as_pytorch(lib):
    """randomness="error" (the default) refuses random draws; "same" gives every sample the
    same draws; "different" new ones."""
    func, x = _func(lib), lib.ones(3, 4)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        func.vmap(lambda row: lib.nn.functional.dropout(row, 0.5))(x)
    same = func.vmap(lambda row: row * lib.rand(4), randomness="same")(x)
    assert bool((same == same[0]).all())
    different = func.vmap(lambda row: row * lib.rand(4), randomness="different")(x)
    assert bool((different[0] != different[1]).any())
    lib.rand(1)  # drawing works again after vmap
