"""`torch.autograd.graph.Node`: the nodes of a graph are instances (ops' and custom Functions'
nodes, leaves' AccumulateGrad), the class is abstract, and it works as a type hint, as in
PyTorch."""

from __future__ import annotations

import pytest
import torch

import minigrad


def _walk(lib, fn):
    x = lib.ones(2, requires_grad=True)
    y = fn(lib, x)
    node, seen = y.grad_fn, []
    while node is not None:
        # docs/nn.md: minigrad's leaf node is named AccumulateGrad, without the C++ namespace
        name = node.name().removeprefix("torch::autograd::")
        seen.append((name, isinstance(node, lib.autograd.graph.Node)))
        node = node.next_functions[0][0] if node.next_functions else None
    return seen


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: (x * 2).exp().sum(),
        lambda lib, x: lib.nn.functional.relu(x - 1).mean(),
    ],
)
def test_graph_nodes_are_nodes_as_in_torch(fn):
    assert _walk(minigrad, fn) == _walk(torch, fn)


def test_custom_function_node_and_non_nodes():
    class Double(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    Node = minigrad.autograd.graph.Node
    y = Double.apply(minigrad.ones(2, requires_grad=True))
    assert isinstance(y.grad_fn, Node)
    assert not isinstance(minigrad.ones(2), Node)
    assert not isinstance(y.grad_fn.name, Node)
    with pytest.raises(TypeError, match="abstract"):
        Node()


def test_node_as_a_type_hint_in_a_hook():
    seen = []

    def hook(node: minigrad.autograd.graph.Node, grad_outputs):
        seen.append(node.name())

    x = minigrad.ones(2, requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda grad_outputs: hook(y.grad_fn, grad_outputs))
    y.sum().backward()
    assert seen == ["MulBackward0"]
