"""Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop and LBFGS against PyTorch, more settings of the older
optimizers over more steps, float32 parameters, and state dicts in PyTorch's format."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import optim

SETTINGS = [
    ("Adadelta", {}),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("Adamax", {}),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", {}),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", {}),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.5), weight_decay=0.1)),  # rectified from step 6
    ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", {}),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1, maximize=True)),
    ("Rprop", {}),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, eps=1e-6, maximize=True)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(SETTINGS)]


def _params(lib, dtype=np.float64):
    rng = np.random.default_rng(0)
    return [
        lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in [(3, 4), (4,)]
    ]


def _loss(lib, params, step):
    w, b = params
    x = lib.tensor(
        np.random.default_rng(step).standard_normal((5, 3)).astype(w.detach().numpy().dtype)
    )
    return ((x @ w + b).tanh() ** 2).sum() + (w * w).sum() * 0.1


def _train(lib, opt, params, steps, first=0):
    for step in range(first, first + steps):
        opt.zero_grad()
        _loss(lib, params, step).backward()
        opt.step()


def _both(name, kwargs, dtype=np.float64):
    ours, theirs = _params(minigrad, dtype), _params(torch, dtype)
    return (
        (getattr(optim, name)(ours, **kwargs), ours),
        (getattr(torch.optim, name)(theirs, **kwargs), theirs),
    )


def _assert_same(ours, theirs, **tolerance):
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), **tolerance)


@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=IDS)
def test_optimizer_matches_pytorch_over_30_steps(name, kwargs):
    (opt, ours), (topt, theirs) = _both(name, kwargs)
    _train(minigrad, opt, ours, 30)
    _train(torch, topt, theirs, 30)
    _assert_same(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=IDS)
def test_float32_parameters_and_float32_state_scalars(name, kwargs):
    """NAdam's mu_product and ASGD's eta and mu are float32 in PyTorch, whatever the
    parameters' dtype: their rounding shows in the updates, so minigrad keeps them so too."""
    (opt, ours), (topt, theirs) = _both(name, kwargs, np.float32)
    _train(minigrad, opt, ours, 5)
    _train(torch, topt, theirs, 5)
    assert all(p.dtype == minigrad.float32 for p in ours)
    _assert_same(ours, theirs, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", SETTINGS, ids=IDS)
def test_state_dict_has_pytorchs_layout_and_resumes(name, kwargs):
    (opt, ours), (topt, theirs) = _both(name, kwargs)
    _train(minigrad, opt, ours, 3)
    _train(torch, topt, theirs, 3)
    state, tstate = opt.state_dict(), topt.state_dict()
    assert state["param_groups"][0].keys() == tstate["param_groups"][0].keys()
    assert state["param_groups"][0]["params"] == tstate["param_groups"][0]["params"] == [0, 1]
    assert state["state"].keys() == tstate["state"].keys()
    for index, values in tstate["state"].items():
        assert state["state"][index].keys() == values.keys()
        for key, value in values.items():
            ours_value = state["state"][index][key]
            assert ours_value.shape == tuple(value.shape), key
            assert str(ours_value.dtype).split(".")[-1] == str(value.dtype).split(".")[-1], key
            np.testing.assert_allclose(ours_value.numpy(), value.numpy(), rtol=1e-10, atol=1e-12)
    # fresh optimizers loaded from the state dicts go on alike (loading casts the state to the
    # parameters' dtype, float32 scalars included, in both libraries)
    fresh, tfresh = ([p.detach().clone().requires_grad_() for p in ps] for ps in (ours, theirs))
    resumed = getattr(optim, name)(fresh, lr=123.0)
    resumed.load_state_dict(state)
    tresumed = getattr(torch.optim, name)(tfresh, lr=123.0)
    tresumed.load_state_dict(tstate)
    assert resumed.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    _train(minigrad, resumed, fresh, 3, first=3)
    _train(torch, tresumed, tfresh, 3, first=3)
    _assert_same(fresh, tfresh, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("Adadelta", dict(rho=1.5), "Invalid rho value"),
        ("Adamax", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
        ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value"),
        ("RAdam", dict(eps=-1.0), "Invalid epsilon value"),
        ("ASGD", dict(lr=-1.0), "Invalid learning rate"),
        ("LBFGS", dict(lr=-1.0), "Invalid learning rate"),
        ("Rprop", dict(etas=(0.5, 0.9)), "Invalid eta values"),
    ],
)
def test_invalid_settings_raise_like_pytorch(name, kwargs, message):
    for lib in (optim, torch.optim):
        with pytest.raises(ValueError, match=message):
            getattr(lib, name)(_params(minigrad if lib is optim else torch), **kwargs)


def _rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


LBFGS_SETTINGS = [
    {},
    dict(line_search_fn="strong_wolfe"),
    dict(lr=0.5, history_size=3, max_iter=7),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5, max_eval=9),
]


def _lbfgs_run(lib, problem, kwargs, steps=4):
    if problem == "rosenbrock":
        params = [lib.tensor(np.array([-1.2, 1.0, 1.5, 0.8]), requires_grad=True)]

        def objective():
            return _rosenbrock(params[0])
    else:
        params = _params(lib)

        def objective():
            return _loss(lib, params, 0)

    opt = lib.optim.LBFGS(params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(steps)]
    return opt, params, losses


@pytest.mark.parametrize("problem", ["rosenbrock", "regression"])
@pytest.mark.parametrize("kwargs", LBFGS_SETTINGS, ids=["fixed", "wolfe", "short", "wolfe-short"])
def test_lbfgs_matches_pytorch(kwargs, problem):
    opt, ours, losses = _lbfgs_run(minigrad, problem, kwargs)
    topt, theirs, tlosses = _lbfgs_run(torch, problem, kwargs)
    np.testing.assert_allclose(losses, tlosses, rtol=1e-8, atol=1e-12)
    _assert_same(ours, theirs, rtol=1e-6, atol=1e-9)
    state, tstate = opt.state[ours[0]], topt.state[theirs[0]]
    assert (state["func_evals"], state["n_iter"]) == (tstate["func_evals"], tstate["n_iter"])
    assert len(state["old_dirs"]) == len(tstate["old_dirs"])
    assert state.keys() == tstate.keys()


def test_lbfgs_state_dict_round_trip_resumes():
    opt, params, _ = _lbfgs_run(minigrad, "rosenbrock", dict(history_size=5), steps=2)
    fresh = [params[0].detach().clone().requires_grad_()]
    resumed = optim.LBFGS(fresh, history_size=5)
    resumed.load_state_dict(opt.state_dict())
    assert len(resumed.state[fresh[0]]["old_dirs"]) == len(opt.state[params[0]]["old_dirs"])
    for o, p in ((opt, params[0]), (resumed, fresh[0])):

        def closure(o=o, p=p):
            o.zero_grad()
            loss = _rosenbrock(p)
            loss.backward()
            return loss

        o.step(closure)
    np.testing.assert_array_equal(fresh[0].detach().numpy(), params[0].detach().numpy())


def test_lbfgs_refuses_groups_other_line_searches_and_no_closure():
    w, b = _params(minigrad)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [w]}, {"params": [b]}])
    opt = optim.LBFGS([w], line_search_fn="backtracking")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(lambda: (w * w).sum())
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([w]).step(None)


def test_lbfgs_stops_at_once_when_the_gradient_is_zero():
    x = minigrad.tensor([1.0, 1.0], requires_grad=True)
    opt = optim.LBFGS([x])

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(x)
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert opt.state[x]["func_evals"] == 1 and opt.state[x]["n_iter"] == 0
    assert x.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_on_float32_parameters(line_search_fn):
    """On float32 parameters PyTorch computes step sizes and line-search tests with float32 0-d
    tensors, minigrad with float32 scalars. Losses summed in another order differ in the last
    bit, and the iterations (the line search's cubic interpolation most) magnify that, so the
    runs agree to about 1e-3, with the same number of evaluations."""
    runs = []
    for lib in (minigrad, torch):
        params = _params(lib, np.float32)
        opt = lib.optim.LBFGS(params, max_iter=4, line_search_fn=line_search_fn)

        def closure(lib=lib, params=params, opt=opt):
            opt.zero_grad()
            loss = _loss(lib, params, 0)
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(2)]
        runs.append((losses, params, opt.state[params[0]]))
    (losses, ours, state), (tlosses, theirs, tstate) = runs
    assert ours[0].dtype == minigrad.float32
    np.testing.assert_allclose(losses, tlosses, rtol=1e-4)
    _assert_same(ours, theirs, rtol=1e-3, atol=1e-3)
    assert (state["func_evals"], state["n_iter"]) == (tstate["func_evals"], tstate["n_iter"])


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS"])
def test_new_optimizers_run_on_device(name, device):
    """State on the parameters' device (step, mu_product, eta and mu stay on the host, as
    PyTorch keeps them); the same numbers as PyTorch on the CPU."""
    ours = [p.detach().to(device).requires_grad_() for p in _params(minigrad)]
    theirs = _params(torch)
    kwargs = {"max_iter": 3} if name == "LBFGS" else {}
    for lib, params in ((minigrad, ours), (torch, theirs)):
        opt = getattr(lib.optim, name)(params, **kwargs)
        for step in range(3):

            def closure(lib=lib, params=params, opt=opt, step=step):
                opt.zero_grad()
                x = lib.tensor(np.random.default_rng(step).standard_normal((5, 3)))
                if lib is minigrad:
                    x = x.to(device)
                w, b = params
                loss = ((x @ w + b).tanh() ** 2).sum() + (w * w).sum() * 0.1
                loss.backward()
                return loss

            opt.step(closure)
    for p, tp in zip(ours, theirs):
        assert str(p.device).startswith(device)
        np.testing.assert_allclose(p.detach().cpu().numpy(), tp.detach().numpy(), rtol=1e-9)
