"""The backward graph, derived once from the forward graph (reverse-mode, statically).

Walk the forward nodes from last to first; each op's `vjp` rule (see `ops.py`) emits the
nodes of its gradient into a second Graph. The backward graph's inputs are the output
gradients and the forward values that the rules read ("saved" values); the forward graph
gets those saved values as extra outputs, so a training step runs forward once, keeps
exactly what backward needs, and runs backward once.
"""

from __future__ import annotations

import numpy as np

from minigrad.static.builder import Builder, array_module
from minigrad.static.graph import Graph
from minigrad.static.ops import OPS


class BackwardBuilder(Builder):
    """A Builder for the backward graph that can read forward values (and saves them)."""

    def __init__(self, fwd: Graph, needs: set, xp):
        super().__init__(Graph(), {}, xp)
        self.fwd, self.needs = fwd, needs
        self.mapped: dict[int, int] = {}  # forward value id -> backward value id
        self.saved: list[int] = []  # forward values the backward graph reads, in order

    def fwd_value(self, v: int) -> int:
        if v not in self.mapped:
            info = self.fwd.values[v]
            if v in self.fwd.constants:
                self.mapped[v] = self.graph.add_const(self.fwd.constants[v], info.shape, info.dtype)
            else:
                self.mapped[v] = self.graph.add_input(info.shape, info.dtype, f"saved{v}")
                self.saved.append(v)
            self.examples[self.mapped[v]] = self.fwd.examples[v]
        return self.mapped[v]

    def I(self, node, k):  # noqa: E743, N802 - the rules read best as I(node, k), O(node, k)
        return self.fwd_value(node.inputs[k])

    def O(self, node, k):  # noqa: E743, N802
        return self.fwd_value(node.outputs[k])

    def fwd_shape(self, v) -> tuple:
        return self.fwd.values[v].shape

    def fwd_dtype(self, v) -> str:
        return self.fwd.values[v].dtype

    def wants(self, node, k) -> bool:
        return node.inputs[k] in self.needs


def values_needing_grad(graph: Graph, wanted) -> set:
    """Values on a path from a wanted input to an output, with a floating dtype."""
    needs = {v for v in wanted}
    for node in graph.nodes:
        if any(v in needs for v in node.inputs if v is not None):
            needs.update(v for v in node.outputs if graph.values[v].dtype.startswith("float"))
    return needs


def derive_backward(fwd: Graph, wanted: list) -> tuple[Graph, Graph, list]:
    """(forward graph with saved outputs, backward graph, output indices that take a grad).

    The backward graph takes (grad of each differentiable output, *saved values) and returns
    one gradient per value in `wanted` (None where the output does not depend on it).
    """
    needs = values_needing_grad(fwd, wanted)
    b = BackwardBuilder(fwd, needs, _xp_of(fwd))
    grads: dict[int, int] = {}
    grad_outputs = [k for k, v in enumerate(fwd.outputs) if v in needs]
    for k in grad_outputs:
        v = fwd.outputs[k]
        gy = b.graph.add_input(fwd.values[v].shape, fwd.values[v].dtype, f"grad{k}")
        b.examples[gy] = b.xp.ones(fwd.values[v].shape, fwd.values[v].dtype)
        _accumulate(b, grads, v, gy)
    for node in reversed(fwd.nodes):
        gys = [grads.get(v) for v in node.outputs]
        if all(g is None for g in gys) or not any(v in needs for v in node.inputs):
            continue
        rule = OPS[node.op].vjp
        if rule is None:
            raise NotImplementedError(f"static: op {node.op} has no gradient rule")
        for v, g in zip(node.inputs, rule(b, node, *gys)):
            if g is not None and v in needs:
                _accumulate(b, grads, v, g)
    b.graph.outputs = [grads.get(v) for v in wanted]
    train = fwd.copy()
    train.outputs = fwd.outputs + b.saved
    train.examples = fwd.examples
    return train, b.graph, grad_outputs


def _accumulate(b, grads, v, g):
    """Add g into the gradient of forward value v, at v's shape and dtype."""
    g = b.sum_to(g, b.fwd_shape(v))
    if b.dtype(g) != b.fwd_dtype(v):
        g = b.emit("cast", g, dtype=b.fwd_dtype(v))
    grads[v] = g if v not in grads else b.emit("add", grads[v], g)


def _xp_of(graph: Graph):
    """The array module of a traced graph, from its example arrays."""
    arrays = [a for a in graph.examples.values() if hasattr(a, "dtype")]
    return array_module(arrays[0]) if arrays else np
