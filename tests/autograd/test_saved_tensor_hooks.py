"""autograd.graph (PyTorch's torch.autograd.graph): saved_tensors_hooks, save_on_cpu and
disable_saved_tensors_hooks against PyTorch: what is packed, that backward computes with what
unpack returns, nesting, custom Functions, and nothing packed when nothing is recorded."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _run(lib, make, pack=None, unpack=None):
    """make(lib, a, b) inside the hooks, then backward: (packed values, unpacked count, grads)."""
    packed, unpacked = [], []

    def default_pack(x):
        packed.append(sorted(x.detach().reshape(-1).tolist()))
        return x

    def default_unpack(x):
        unpacked.append(1)
        return x

    a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = lib.tensor([0.5, -1.0, 4.0], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack or default_pack, unpack or default_unpack):
        out = make(lib, a, b)
    out.sum().backward()
    return sorted(packed), len(unpacked), a.grad.tolist(), b.grad.tolist()


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, a, b: a * b,
        lambda lib, a, b: a / b,
        lambda lib, a, b: (a @ b).reshape(1),
        lambda lib, a, b: a.exp() + b.sigmoid(),
        lambda lib, a, b: lib.relu(a * b),
    ],
)
def test_saved_tensors_go_through_the_hooks_as_pytorch(make):
    ours, theirs = _run(minigrad, make), _run(torch, make)
    assert len(ours[0]) == len(theirs[0]) and ours[1] == theirs[1]
    for a, b in zip([*ours[0], *ours[2:]], [*theirs[0], *theirs[2:]]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_backward_computes_with_what_unpack_returns_and_the_innermost_hooks_apply():
    def make(lib, a, b):
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda t: t * 10):
            return a * b

    results = []
    for lib in (minigrad, torch):
        results.append(_run(lib, make, lambda t: t, lambda t: -t)[2:])
        results.append(_run(lib, lambda lib, a, b: a * b, lambda t: t, lambda t: -t)[2:])
    assert results[0:2] == results[2:4]
    np.testing.assert_allclose(results[0][0], [5.0, -10.0, 40.0])


def test_custom_functions_and_save_on_cpu():
    def run(lib):
        calls = []

        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**3

            @staticmethod
            def backward(ctx, gy):
                (x,) = ctx.saved_tensors
                (x_again,) = ctx.saved_tensors  # each access unpacks again
                return gy * 3 * x * x_again

        x = lib.tensor([1.0, -2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(
            lambda t: calls.append("pack") or t.clone(), lambda t: calls.append("unpack") or t
        ):
            y = Cube.apply(x)
        y.sum().backward()
        with lib.autograd.graph.save_on_cpu(pin_memory=False):
            z = (x * x).tanh().sum()
        z.backward()
        with (
            lib.no_grad(),
            lib.autograd.graph.saved_tensors_hooks(
                lambda t: calls.append("never") or t, lambda t: t
            ),
        ):
            (x * x).sum()
        return calls, x.grad.tolist()

    ours, theirs = run(minigrad), run(torch)
    assert ours[0] == theirs[0] == ["pack", "unpack", "unpack"]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


def test_disable_saved_tensors_hooks_refuses_them_inside_its_block():
    graph = minigrad.autograd.graph
    with (
        graph.disable_saved_tensors_hooks("this code cannot take saved tensor hooks"),
        pytest.raises(RuntimeError, match="cannot take saved tensor hooks"),
        graph.saved_tensors_hooks(lambda t: t, lambda t: t),
    ):
        pass
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again after the block
        pass
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = minigrad.ones(2, 2, requires_grad=True) @ minigrad.ones(2, 2)
    assert y.grad_fn.name() == "MmBackward0"  # a node's name still reads its saved tensors


def test_a_product_packs_and_unpacks_in_pytorchs_order():
    """The tutorial's first example prints each pack and unpack: other, then self."""
    logs = []
    for lib in (minigrad, torch):
        log = []
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2, requires_grad=True) * 2
        with lib.autograd.graph.saved_tensors_hooks(
            lambda x, log=log: log.append(("pack", x.tolist())) or x,
            lambda x, log=log: log.append(("unpack", x.tolist())) or x,
        ):
            y = a * b / (a + 1)
        y.sum().backward()
        logs.append(log)
    assert logs[0] == logs[1]
