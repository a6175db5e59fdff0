"""Plain momentum SGD keeps a group's buffers as views of one flat array (fewer array
operations per step): every way a program can touch the buffers, the gradients or the group
gives PyTorch's results, step for step."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import minigrad

SHAPES = [(4, 3), (3,), (2, 4), ()]


def _setup(lib, dtype="float32", **kwargs):
    rng = np.random.default_rng(0)
    params = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]
    return params, lib.optim.SGD(params, lr=0.1, momentum=0.9, **kwargs)


def _grads(lib, params, step, missing=()):
    rng = np.random.default_rng(100 + step)
    for k, p in enumerate(params):
        array = rng.standard_normal(tuple(p.shape)).astype(str(p.dtype).split(".")[-1])
        p.grad = None if k in missing else lib.tensor(array)


def _close(ours, theirs):
    for p, t in zip(ours, theirs):
        rtol = 1e-6 if p.dtype.itemsize == 4 else 1e-12
        np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=rtol)


def _buffers_close(opt, params, topt, tparams):
    for p, t in zip(params, tparams):
        ours = opt.state[p].get("momentum_buffer")
        theirs = topt.state[t].get("momentum_buffer")
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def _flat(opt, params) -> bool:
    """Whether the buffers are views of one array (the layout this file is about)."""
    bases = {id(opt.state[p]["momentum_buffer"].array.base) for p in params}
    return len(bases) == 1 and opt.state[params[0]]["momentum_buffer"].array.base is not None


def _both(steps, edit=lambda lib, params, opt, step: None, missing=lambda step: ()):
    """Run our SGD and PyTorch's side by side, `edit` before each step; check every step."""
    ours, opt = _setup(minigrad)
    theirs, topt = _setup(torch)
    for step in range(steps):
        for lib, params, o in ((minigrad, ours, opt), (torch, theirs, topt)):
            _grads(lib, params, step, missing(step))
            edit(lib, params, o, step)
            o.step()
        _close(ours, theirs)
        _buffers_close(opt, ours, topt, theirs)
    return ours, opt


def test_the_buffers_are_views_of_one_array_and_the_steps_pytorchs():
    ours, opt = _both(4)
    assert _flat(opt, ours)
    state = opt.state_dict()["state"]  # each buffer is still a tensor of its own
    assert [tuple(state[k]["momentum_buffer"].shape) for k in range(4)] == SHAPES


def test_a_parameter_without_a_gradient_keeps_its_buffer_as_pytorch():
    ours, opt = _both(6, missing=lambda step: (1,) if step in (2, 3) else ())
    assert _flat(opt, ours)


def test_a_parameter_without_a_gradient_at_the_first_step_as_pytorch():
    _both(4, missing=lambda step: (2,) if step == 0 else ())


def test_learning_rate_and_momentum_changed_between_steps_as_pytorch():
    def edit(lib, params, opt, step):
        opt.param_groups[0]["lr"] = 0.1 / (step + 1)
        if step == 2:
            opt.param_groups[0]["momentum"] = 0.5
        if step == 3:  # Nesterov for one step: the loop per parameter, on the same buffers
            opt.param_groups[0]["nesterov"] = True
        if step == 4:
            opt.param_groups[0]["nesterov"] = False

    ours, opt = _both(6, edit)
    assert _flat(opt, ours)


def test_buffers_edited_or_replaced_as_pytorch():
    def edit(lib, params, opt, step):
        if step == 2:  # in place: the view, as PyTorch's tensor
            opt.state[params[0]]["momentum_buffer"].mul_(0.5)
        if step == 3:
            opt.state[params[1]]["momentum_buffer"] = lib.zeros(3)
        if step == 4:
            opt.state[params[2]]["momentum_buffer"].data = lib.ones(2, 4)
        if step == 5:
            del opt.state[params[3]]["momentum_buffer"]

    _both(7, edit)


def test_a_parameter_replaced_in_the_group_and_a_group_added_as_pytorch():
    rng = np.random.default_rng(5)
    extra = rng.standard_normal((2, 2)).astype("float32")

    def edit(lib, params, opt, step):
        if step == 2:
            params[1] = lib.tensor(np.ones(3, "float32"), requires_grad=True)
            opt.param_groups[0]["params"][1] = params[1]
            params[1].grad = lib.ones(3)
        if step == 3:
            params.append(lib.tensor(extra, requires_grad=True))
            opt.add_param_group({"params": [params[-1]], "lr": 0.05})
        if step >= 3:
            params[-1].grad = lib.tensor(extra * step)

    _both(6, edit)


def test_a_loaded_state_dict_continues_as_pytorch():
    ours, opt = _setup(minigrad)
    theirs, topt = _setup(torch)
    for step in range(3):
        for lib, params, o in ((minigrad, ours, opt), (torch, theirs, topt)):
            _grads(lib, params, step)
            o.step()
    again, opt2 = _setup(minigrad)
    for p, q in zip(again, ours):
        p.data = q.detach().clone()
    # NOTE: copies, as a checkpoint read back gives: PyTorch's load_state_dict keeps the very
    # tensors it is handed, so loading the live state_dict() would share the buffers
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    opt.load_state_dict(copy.deepcopy(opt.state_dict()))  # its own state, loaded back
    for step in range(3, 6):
        for lib, params, o in (
            (minigrad, again, opt2),
            (minigrad, ours, opt),
            (torch, theirs, topt),
        ):
            _grads(lib, params, step)
            o.step()
        _close(again, theirs)
        _close(ours, theirs)
        _buffers_close(opt2, again, topt, theirs)


def test_a_live_state_dict_loaded_shares_the_buffers_as_pytorch():
    """PyTorch's load_state_dict keeps the tensors it is handed: two optimizers then step the
    same buffers, one of them through its flat array."""
    runs = {}
    for lib in (minigrad, torch):
        params, opt = _setup(lib)
        for step in range(2):
            _grads(lib, params, step)
            opt.step()
        twin = [lib.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
        opt2 = lib.optim.SGD(twin, lr=0.1, momentum=0.9)
        opt2.load_state_dict(opt.state_dict())
        for step in range(2, 5):
            for group, o in ((params, opt), (twin, opt2)):
                _grads(lib, group, step)
                o.step()
        runs[lib] = params, twin, opt, opt2
    (ours, our_twin, opt, opt2), (theirs, their_twin, topt, _) = runs[minigrad], runs[torch]
    _close(ours, theirs)
    _close(our_twin, their_twin)
    _buffers_close(opt, ours, topt, theirs)
    assert opt2.state[our_twin[0]]["momentum_buffer"] is opt.state[ours[0]]["momentum_buffer"]


def test_a_copied_optimizer_steps_on_its_own_buffers():
    ours, opt = _setup(minigrad)
    theirs, topt = _setup(torch)
    for step in range(2):
        for lib, params, o in ((minigrad, ours, opt), (torch, theirs, topt)):
            _grads(lib, params, step)
            o.step()
    twin = copy.deepcopy(opt)
    twin_params = twin.param_groups[0]["params"]
    before = [opt.state[p]["momentum_buffer"].numpy().copy() for p in ours]
    for step in range(2, 4):
        _grads(minigrad, twin_params, step)
        twin.step()
    for p, b in zip(ours, before):  # the original's buffers did not move
        np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].numpy(), b)
    for step in range(2, 4):
        for lib, params, o in ((minigrad, ours, opt), (torch, theirs, topt)):
            _grads(lib, params, step)
            o.step()
    _close(ours, theirs)
    _close(twin_params, theirs)


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float64")])
def test_mixed_or_float64_groups_as_pytorch(dtypes):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((3, 2)).astype(d) for d in dtypes]
    made = []
    for lib in (minigrad, torch):
        params = [lib.tensor(a, requires_grad=True) for a in arrays]
        made.append((params, lib.optim.SGD(params, lr=0.1, momentum=0.9)))
    for step in range(4):
        for lib, (params, opt) in zip((minigrad, torch), made):
            for p in params:
                dtype = str(p.dtype).split(".")[-1]
                p.grad = lib.tensor(np.full((3, 2), step + 1.5).astype(dtype))
            opt.step()
    _close(made[0][0], made[1][0])


def test_the_step_is_an_in_place_change_of_each_parameter_and_keeps_its_array():
    ours, opt = _setup(minigrad)
    arrays = [p.array for p in ours]
    for step in range(3):
        _grads(minigrad, ours, step)
        versions = [p._version for p in ours]
        opt.step()
        assert [p._version for p in ours] == [v + 1 for v in versions]
    assert all(p.array is a for p, a in zip(ours, arrays))
    grad = ours[0].grad
    held = grad.numpy().copy()
    opt.step()
    np.testing.assert_array_equal(grad.numpy(), held)  # the step never writes a gradient


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_the_flat_step_gives_the_loops_bits(dtype):
    # the flat layout's momentum and lr are 0-d arrays of the dtype and `scaled` is written by
    # position; the loop per parameter (`_step_each`) takes dtype scalars: the same numbers
    flat, opt = _setup(minigrad, dtype)
    loop, ref = _setup(minigrad, dtype)
    ref._flat[id(ref.param_groups[0]["params"])] = None  # no layout: the loop, every step
    for step in range(5):
        if step == 3:  # new values: the 0-d arrays are made again
            for o in (opt, ref):
                o.param_groups[0].update(lr=0.037, momentum=0.55)
        for params, o in ((flat, opt), (loop, ref)):
            _grads(minigrad, params, step)
            o.step()
        assert _flat(opt, flat)
        for p, q in zip(flat, loop):
            assert p.dtype == q.dtype
            np.testing.assert_array_equal(p.array, q.array, strict=True)
            buffers = opt.state[p]["momentum_buffer"], ref.state[q]["momentum_buffer"]
            np.testing.assert_array_equal(buffers[0].array, buffers[1].array, strict=True)
