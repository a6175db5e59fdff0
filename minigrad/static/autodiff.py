"""The backward graph, derived once from the forward graph (reverse-mode, statically).

Walk the forward nodes from last to first and run each op's own `Function.backward` (the one
eager mode runs) under a tracer, with the ctx its forward filled in while tracing: the tensor
ops it calls become the nodes of a second Graph. No gradient formula exists twice. The
backward graph's inputs are the output gradients and the forward values that the backwards
read ("saved" values: a ctx's saved tensors and arrays); the forward graph gets those saved
values as extra outputs, so a training step runs forward once, keeps exactly what backward
needs, and runs backward once.
"""

from __future__ import annotations

import numpy as np

from minigrad import dtypes
from minigrad.autograd.grad_mode import no_grad, state
from minigrad.backend import array_module
from minigrad.ops.shape import sum_to
from minigrad.static.graph import Graph
from minigrad.static.kernels import GRAPH_OPS
from minigrad.static.trace import Tracer, TracingError
from minigrad.tensor import Tensor


class BackwardTracer(Tracer):
    """Traces backwards into a new Graph; a forward value they read becomes a saved input."""

    def __init__(self, fwd: Graph, needs: set, xp):
        super().__init__(xp)
        self.fwd, self.needs = fwd, needs
        self.fwd_of_array = {}  # id(forward example array) -> forward value id
        for v, array in fwd.examples.items():
            self.fwd_of_array.setdefault(id(array), v)
        self.mapped: dict[int, int] = {}  # forward value id -> backward value id
        self.saved: list[int] = []  # forward values the backward graph reads, in order

    def value(self, t: Tensor) -> int:
        vid = self.vid_of.get(id(t))
        if vid is not None:
            return vid
        v = self.fwd_of_array.get(id(t.array))
        if v is not None and id(t.array) not in self.vid_of_array:
            if v in self.fwd.constants:
                # NOTE: a tensor the forward read by reference (a parameter) is mapped, not
                # bound: binding makes it a _Traced for good (a compiled model's parameters
                # were no longer Parameters, and `p.data = ...` failed on them)
                self.vid_of[id(t)] = self.fwd_value(v)
                self.alive.append(t)
                return self.vid_of[id(t)]
            self.bind(t, self.fwd_value(v))
            return self.vid_of[id(t)]
        return super().value(t)

    def knows_array(self, array) -> bool:
        return id(array) in self.vid_of_array or id(array) in self.fwd_of_array

    def array_value(self, array) -> int:
        if id(array) not in self.vid_of_array and id(array) in self.fwd_of_array:
            return self.fwd_value(self.fwd_of_array[id(array)])
        return super().array_value(array)

    def fwd_value(self, v: int) -> int:
        """The backward graph's value for forward value v (a saved input, or the constant)."""
        if v not in self.mapped:
            info = self.fwd.values[v]
            if v in self.fwd.constants:
                self.mapped[v] = self.graph.add_const(self.fwd.constants[v], info.shape, info.dtype)
            else:
                self.mapped[v] = self.graph.add_input(info.shape, info.dtype, f"saved{v}")
                self.saved.append(v)
            self.graph.examples[self.mapped[v]] = self.fwd.examples[v]
        return self.mapped[v]

    def tensor(self, vid: int) -> Tensor:
        """A traced tensor for a backward value id."""
        return self.bind(Tensor._make(self.graph.examples[vid]), vid)

    # the builder view that graph-level ops' gradient rules use (control flow)
    def O(self, node, k):  # noqa: E743, N802 - the rules read best as O(node, k)
        return self.fwd_value(node.outputs[k])

    def wants(self, node, k) -> bool:
        return node.inputs[k] in self.needs

    def emit(self, op, *inputs, **attrs):
        return self.b.emit(op, *inputs, **attrs)

    def zeros(self, v: int) -> int:
        info = self.fwd.values[v]
        return self.b.const(self.b.xp.zeros(info.shape, info.dtype))


def values_needing_grad(graph: Graph, wanted) -> set:
    """Values on a path from a wanted input to an output, with a floating dtype."""
    needs = set(wanted)
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
    b = BackwardTracer(fwd, needs, _xp_of(fwd))
    grads: dict[int, Tensor] = {}
    grad_outputs = [k for k, v in enumerate(fwd.outputs) if v in needs]
    for k in grad_outputs:
        v = fwd.outputs[k]
        gy = b.graph.add_input(fwd.values[v].shape, fwd.values[v].dtype, f"grad{k}")
        b.graph.examples[gy] = b.b.xp.ones(fwd.values[v].shape, fwd.values[v].dtype)
        _accumulate(fwd, grads, v, b.tensor(gy))
    previous, state.tracer = state.tracer, b
    try:
        with no_grad():
            for node in reversed(fwd.nodes):
                gys = [grads.get(v) for v in node.outputs[: node.n_results]]
                if all(g is None for g in gys) or not any(v in needs for v in node.inputs):
                    continue
                for v, g in zip(node.inputs, _node_grads(b, fwd, node, gys)):
                    if g is not None and v in needs:
                        _accumulate(fwd, grads, v, g)
            b.graph.outputs = [b.value(grads[v]) if v in grads else None for v in wanted]
    finally:
        state.tracer = previous
    train = fwd.copy()
    train.outputs = fwd.outputs + b.saved
    train.examples = fwd.examples
    return train, b.graph, grad_outputs


def _node_grads(b: BackwardTracer, fwd: Graph, node, gys) -> list:
    """One gradient (a traced tensor or None) per input of `node`."""
    if node.op in GRAPH_OPS and node.op != "custom":
        rule = GRAPH_OPS[node.op].vjp
        if rule is None:
            raise NotImplementedError(f"static: op {node.op} has no gradient")
        vids = [None if g is None else b.value(g) for g in gys]
        return [None if g is None else b.tensor(g) for g in rule(b, node, *vids)]
    if node.outputs[0] not in fwd.contexts:
        raise TracingError(
            f"static: node {node.op} has no traced context (a loaded graph runs forward only)"
        )
    ctx, slots = fwd.contexts[node.outputs[0]]
    # NOTE: tracing marked every float tensor argument as needing a gradient; only the ones
    # on a path to a wanted value do, and a backward that gives several gradients from one
    # node (linear's) skips the others' work as it does eagerly
    ctx.needs_input_grad = tuple(
        need and slot is not None and node.inputs[slot] in b.needs
        for need, slot in zip(ctx.needs_input_grad, slots)
    )
    gys = [g if g is not None else b.tensor(b.zeros(v)) for g, v in zip(gys, node.outputs)]
    found = type(ctx).backward(ctx, *gys)
    found = found if type(found) is tuple else (found,)
    grads = [None] * len(node.inputs)
    for slot, g in zip(slots, found):
        if slot is not None and isinstance(g, Tensor):
            grads[slot] = g
    return grads


def _accumulate(fwd: Graph, grads: dict, v: int, g: Tensor) -> None:
    """Add g into the gradient of forward value v, at v's shape and dtype."""
    info = fwd.values[v]
    if tuple(g.shape) != info.shape:
        g = sum_to(g, info.shape)
    if g.array.dtype != np.dtype(info.dtype):
        g = g.to(dtype=dtypes.to_dtype(np.dtype(info.dtype)))
    grads[v] = g if v not in grads else grads[v] + g


def _xp_of(graph: Graph):
    """The array module of a traced graph, from its example arrays."""
    arrays = [a for a in graph.examples.values() if hasattr(a, "dtype")]
    return array_module(arrays[0]) if arrays else np
