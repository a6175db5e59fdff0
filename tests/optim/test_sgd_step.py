"""SGD's foreach-style step against PyTorch's, step for step: float32 and float64 groups, group
edits between steps, parameters without a gradient, state dicts, the flags PyTorch accepts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad import optim

SETTINGS = [
    dict(momentum=0.9),
    dict(momentum=0.9, dampening=0.3, weight_decay=0.01),
    dict(momentum=0.5, nesterov=True, weight_decay=0.1),
    dict(momentum=0.9, maximize=True),
    dict(weight_decay=0.01, maximize=True),
    dict(momentum=0.9, foreach=True),
    dict(momentum=0.9, foreach=False, fused=False),
    dict(momentum=0.9, nesterov=True, fused=True),
]
SHAPES = [(4, 3), (3,), (2, 4)]


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in SHAPES]


def _setup(lib, kwargs, dtypes=("float32", "float64", "float32")):
    params = [lib.tensor(a.astype(d), requires_grad=True) for a, d in zip(_arrays(), dtypes)]
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.05}]
    return params, lib.optim.SGD(groups, lr=0.1, **kwargs)


def _set_grads(lib, params, step):
    """Gradients of a fixed pattern; the second parameter has none on odd steps."""
    rng = np.random.default_rng(100 + step)
    for k, p in enumerate(params):
        if k == 1 and step % 2:
            p.grad = None
            continue
        p.grad = lib.tensor(rng.standard_normal(p.shape).astype(str(p.dtype).split(".")[-1]))


def _run(lib, params, opt, steps, start=0):
    for step in range(start, start + steps):
        _set_grads(lib, params, step)
        if step == 2:  # an edit of a group between steps takes effect at the next one
            opt.param_groups[1]["lr"] = 0.2
            opt.param_groups[0]["momentum"] = opt.param_groups[0]["momentum"] / 2
        opt.step()


def _close(ours, theirs):
    for p, t in zip(ours, theirs):
        assert p.dtype.itemsize == t.dtype.itemsize
        rtol = 1e-6 if p.dtype.itemsize == 4 else 1e-12
        np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("kwargs", SETTINGS, ids=[str(k) for k in SETTINGS])
def test_sgd_matches_pytorch_step_for_step(kwargs):
    ours, opt = _setup(minigrad, kwargs)
    theirs, topt = _setup(torch, kwargs)
    _run(minigrad, ours, opt, 5)
    _run(torch, theirs, topt, 5)
    _close(ours, theirs)
    state, tstate = opt.state_dict(), topt.state_dict()
    assert set(state["state"]) == set(tstate["state"])  # plain SGD keeps no state, as PyTorch
    for k, entry in state["state"].items():
        assert set(entry) == set(tstate["state"][k])
        want = tstate["state"][k]["momentum_buffer"].numpy()
        np.testing.assert_allclose(entry["momentum_buffer"].numpy(), want, rtol=1e-6, atol=1e-6)


def test_a_loaded_state_dict_continues_as_pytorch():
    kwargs = dict(momentum=0.9, nesterov=True)
    ours, opt = _setup(minigrad, kwargs)
    theirs, topt = _setup(torch, kwargs)
    _run(minigrad, ours, opt, 3)
    _run(torch, theirs, topt, 3)
    again, opt2 = _setup(minigrad, kwargs)
    for p, q in zip(again, ours):
        p.data = q.detach().clone()
    opt2.load_state_dict(opt.state_dict())
    assert opt2.param_groups[1]["lr"] == 0.2  # the loaded groups' settings replace ours
    _run(minigrad, again, opt2, 3, start=3)
    _run(torch, theirs, topt, 3, start=3)
    _close(again, theirs)
    # PyTorch's load_state_dict keeps the loaded tensors: both optimizers hold the same buffer
    buffer = opt2.state[again[0]]["momentum_buffer"]
    assert buffer is opt.state[ours[0]]["momentum_buffer"]
    saved = topt.state_dict()["state"][0]["momentum_buffer"]
    assert saved is topt.state[theirs[0]]["momentum_buffer"]


def test_a_tensor_learning_rate_as_pytorch():
    ours = minigrad.ones(3, requires_grad=True)
    theirs = torch.ones(3, requires_grad=True)
    opts = [
        lib.optim.SGD([p], lr=lib.tensor(0.1), momentum=0.9)
        for lib, p in ((minigrad, ours), (torch, theirs))
    ]
    for _ in range(3):
        for lib, p, o in zip((minigrad, torch), (ours, theirs), opts):
            p.grad = lib.ones(3)
            o.step()
    _close([ours], [theirs])


def test_a_step_is_an_in_place_change_of_each_parameter():
    # a value saved for backward before the step is caught as modified, as in PyTorch
    w = minigrad.ones(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    y = (w * w).sum()
    w.grad = minigrad.ones(3)
    before = w._version
    opt.step()
    assert w._version == before + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_the_step_does_not_write_into_the_gradient():
    w = minigrad.ones(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5, maximize=True)
    for _ in range(2):
        w.grad = minigrad.tensor([1.0, 2.0, 3.0])
        grad = w.grad
        opt.step()
        np.testing.assert_array_equal(grad.numpy(), [1.0, 2.0, 3.0])
        assert opt.state[w]["momentum_buffer"].array is not grad.array
