"""Semantics that differed from PyTorch 2.13 (CPU), run with `t = torch` and `t = minigrad`
on the same values: a device with an index on the CPU ("cpu:0"), reading a mapped value
inside vmap, and which index kthvalue and mode return among tied values."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import minigrad


@pytest.fixture(params=[torch, minigrad], ids=["torch", "minigrad"])
def t(request):
    return request.param


# -- "cpu:0": a device of its own, while tensors stay on the plain cpu ------------------------
def test_cpu_with_an_index_is_a_device_of_its_own(t):
    d = t.device("cpu:0")
    assert (repr(d), str(d), d.type, d.index) == ("device(type='cpu', index=0)", "cpu:0", "cpu", 0)
    assert d == t.device("cpu", 0) and hash(d) == hash(t.device("cpu", 0))
    assert d != t.device("cpu") and t.device("cpu").index is None
    assert repr(pickle.loads(pickle.dumps(d))) == repr(copy.deepcopy(d)) == repr(d)


@pytest.mark.parametrize("spec", ["cpu:0", ("cpu", 0)])
def test_tensors_made_on_cpu_0_are_on_the_plain_cpu(t, spec):
    d = t.device(*spec) if isinstance(spec, tuple) else spec
    for x in (t.zeros(2, device=d), t.randn(2, device=d), t.tensor([1.0], device=d)):
        assert repr(x.device) == "device(type='cpu')" and x.device == t.device("cpu")
    assert repr(t.Generator(device=d).device) == "device(type='cpu')"
    assert t.randn(2, device=d, generator=t.Generator()).shape == (2,)


def test_to_cpu_0_copies_as_pytorch(t):
    """PyTorch's to() compares devices with their index, so "cpu:0" is another device and
    the tensor is copied (a ToCopyBackward0 node, the strides kept), "cpu" is not."""
    x = t.ones(2, 3, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x
    y = x.t().to("cpu:0")
    assert repr(y.device) == "device(type='cpu')"
    assert y.grad_fn.name() == "ToCopyBackward0" and y.stride() == (1, 3)
    y.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2
    z = x.detach()
    w = z.to(t.device("cpu", 0))
    w[0, 0] = 5.0
    assert z[0, 0].item() == 1.0


def test_to_with_copy_is_named_to_copy_as_pytorch(t):
    x = t.ones(2, requires_grad=True)
    assert x.to("cpu", copy=True).grad_fn.name() == "ToCopyBackward0"
    assert x.to(x.dtype, copy=True).grad_fn.name() == "ToCopyBackward0"


def test_default_device_keeps_its_index_as_pytorch(t):
    try:
        t.set_default_device("cpu:0")
        assert repr(t.get_default_device()) == "device(type='cpu', index=0)"
        assert repr(t.zeros(1).device) == "device(type='cpu')"
    finally:
        t.set_default_device(None)
    with t.device("cpu:0"):
        assert repr(t.get_default_device()) == "device(type='cpu', index=0)"
        assert repr(t.ones(1).device) == "device(type='cpu')"
    assert repr(t.get_default_device()) == "device(type='cpu')"


def test_module_to_cpu_0_keeps_its_parameters(t):
    m = t.nn.Linear(2, 2)
    weight = m.weight
    m.to("cpu:0")
    assert m.weight is weight and repr(m.weight.device) == "device(type='cpu')"


@pytest.mark.parametrize("spec", ["cpu:-1", "cpu:01", "cpu:x"])
def test_malformed_cpu_index_raises_as_pytorch(t, spec):
    with pytest.raises(RuntimeError, match="Invalid device string"):
        t.device(spec)


# -- reading a mapped value as a Python value inside vmap -------------------------------------
def _vmapped(t, fn):
    return t.func.vmap(fn)(t.ones(3, 2))


ITEM_INSIDE_VMAP = [
    "t_.sum().item()",
    "float(t_.sum())",
    "int(t_[0])",
    "t_[0].item()",
    "t_.detach().sum().item()",
    "(t_.sum() + t.tensor(1.0)).item()",
    "t.stack([t_, c.expand(2)]).sum().item()",
    "t.func.grad(lambda w: (w * w).sum())(t_).sum().item()",
    "t.func.vmap(lambda u: u * u.item())(t_).sum()",
]


@pytest.mark.parametrize("expression", ITEM_INSIDE_VMAP)
def test_item_of_a_mapped_value_raises_as_pytorch(t, expression):
    c = t.tensor(2.0)
    with pytest.raises(RuntimeError, match=r"vmap: It looks like you're calling \.item\(\)"):
        _vmapped(t, lambda t_: t_ * eval(expression, {"t": t, "t_": t_, "c": c}))


def test_a_mapped_value_in_control_flow_or_as_a_list_raises_as_pytorch(t):
    with pytest.raises(RuntimeError, match="vmap: It looks like you're attempting to use a Tensor"):
        _vmapped(t, lambda t_: t_ * (1 if t_.sum() > 0 else 0))
    with pytest.raises(RuntimeError, match="Cannot access data pointer of Tensor"):
        _vmapped(t, lambda t_: t_ * t_.tolist()[0])


def test_item_of_a_value_vmap_does_not_map_reads_as_pytorch(t):
    """A tensor that does not depend on the mapped inputs is an ordinary tensor inside vmap."""
    c = t.tensor(2.0)
    y = _vmapped(t, lambda t_: t_ * c.item() + t.tensor(1.0).item() + (c * 3).item() + bool(c))
    assert y.tolist() == [[10.0, 10.0]] * 3
    z = t.func.vmap(lambda t_, u: t_ * u.item(), in_dims=(0, None))(t.ones(3, 2), c)
    assert z.tolist() == [[2.0, 2.0]] * 3
    assert t.func.vmap(lambda t_: t_.sum())(t.ones(3, 2)).sum().item() == 6.0  # after vmap


# -- kthvalue and mode among tied values -------------------------------------------------------
def _pick(t, op, x, *args):
    """op's values and indices, and the gradient they send back, in library t."""
    a = t.tensor(x, requires_grad=True)
    values, indices = getattr(t, op)(a, *args)
    values.sum().backward()
    return values.detach().numpy(), indices.numpy(), a.grad.numpy()


@pytest.mark.parametrize("seed", range(6))
def test_kthvalue_picks_pytorchs_index_among_ties(seed):
    """PyTorch's quickselect decides which of the tied elements is returned (and gets the
    gradient): rows of repeated small integers and nans, every k, along every dim."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (4, 6, 23)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = np.nan
    for dim in (0, 1, 2, -1):
        for k in range(1, x.shape[dim] + 1, 3):
            mine, theirs = (
                _pick(minigrad, "kthvalue", x, k, dim),
                _pick(torch, "kthvalue", x, k, dim),
            )
            for a, b in zip(mine, theirs):
                np.testing.assert_array_equal(a, b, err_msg=f"k={k}, dim={dim}")


def test_mode_picks_pytorchs_index_among_ties_in_short_rows():
    """The smallest of the most frequent values, at its last occurrence (rows of up to 16
    elements: past that PyTorch's index is its C++ sort's, see docs/nn.md)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (5, 7, 16)).astype(np.float32)
    for dim in (0, 1, 2):
        for a, b in zip(_pick(minigrad, "mode", x, dim), _pick(torch, "mode", x, dim)):
            np.testing.assert_array_equal(a, b, err_msg=f"dim={dim}")
