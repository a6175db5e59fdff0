"""Graph passes, each a function Graph -> Graph (the input graph is never changed).

- `eliminate_dead_code`: drop nodes (and constants) no output depends on.
- `eliminate_unread_saves`: drop the values nodes keep for a backward nothing runs.
- `eliminate_common_subexpressions`: compute `op(same inputs, same attributes)` once.
- `fold_constants`: run nodes whose inputs are all frozen constants now, at compile time.
- `fuse_elementwise`: a chain of elementwise ops becomes one `fused` node (one generated
  CUDA kernel on a GPU; on the CPU, one buffer written in place instead of a temporary
  per op).

`optimize(graph)` runs them in order and reports the node count after each.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import OPS
from minigrad.backend import array_module
from minigrad.static.graph import Const, Graph, Node
from minigrad.static.kernels import fusable_function, kernel_of, ufunc_operands

# never merged or folded: a user's Python code may draw random numbers; control-flow nodes
# hold sub-graphs that may too, and two of them are equal only if their graphs are
IMPURE = {"python", "cond", "cond_grad", "while_loop", "while_grad"}


def _impure(node: Node) -> bool:
    cls = OPS.get(node.op)
    return node.op in IMPURE or (cls is not None and cls.random)  # dropout draws at each run


def eliminate_dead_code(graph: Graph) -> Graph:
    live = {v for v in graph.outputs if v is not None}
    kept = []
    for node in reversed(graph.nodes):
        if any(v in live for v in node.outputs):
            kept.append(node)
            live.update(v for v in node.inputs if v is not None)
    out = graph.copy()
    out.nodes = _in_order(out, kept, graph)
    out.constants = {v: c for v, c in graph.constants.items() if v in live}
    return out


def eliminate_unread_saves(graph: Graph) -> Graph:
    """Drop the values a node keeps for backward that no node and no output reads.

    # NOTE: a backward graph's nodes save for a gradient of the gradient that is not taken,
    # an inference graph's for a backward that never runs: without saves a node replays
    # through the op's plain kernel (cross-entropy's gradient: 6.4 -> 2.7 us on (64, 10)),
    # and an elementwise one can join a fused chain."""
    read = {v for n in graph.nodes for v in n.inputs} | set(graph.outputs)
    out = graph.copy()
    for node in out.nodes:
        n = node.n_results
        kept = [(s, v) for s, v in zip(node.saves, node.outputs[n:]) if v in read]
        if len(kept) < len(node.saves):
            node.saves = tuple(s for s, _ in kept)
            node.outputs = node.outputs[:n] + [v for _, v in kept]
    return out


def _in_order(out, kept, graph):
    """The copies (in `out`) of the kept nodes of `graph`, in their original order."""
    keep = {id(n) for n in kept}
    return [copy for copy, orig in zip(out.nodes, graph.nodes) if id(orig) in keep]


def eliminate_common_subexpressions(graph: Graph) -> Graph:
    out = graph.copy()
    alias: dict = {}
    seen: dict = {}
    for vid, const in graph.constants.items():  # equal literals become one constant
        if const.frozen and const.array.ndim == 0:
            key = ("const", const.array.dtype.name, const.array.item())
            alias[vid] = seen.setdefault(key, vid)
    nodes = []
    for node in out.nodes:
        node.inputs = [alias.get(v, v) for v in node.inputs]
        key = None if _impure(node) else (node.op, tuple(node.inputs), _attrs_key(node.attrs))
        if key is not None and key in seen:
            for old, new in zip(node.outputs, seen[key]):
                alias[old] = new
            continue
        if key is not None:
            seen[key] = node.outputs
        nodes.append(node)
    out.nodes = nodes
    out.outputs = [alias.get(v, v) for v in out.outputs]
    return eliminate_dead_code(out)


def _attrs_key(attrs) -> str:
    return repr(sorted((k, id(v) if isinstance(v, np.ndarray) else v) for k, v in attrs.items()))


def fold_constants(graph: Graph, captured: bool = False) -> Graph:
    """Evaluate nodes whose inputs are all constants. Only frozen (literal) constants count,
    unless `captured=True`: then non-parameter tensors read by reference are taken as fixed
    too (right for inference, when buffers no longer change)."""
    out = graph.copy()
    nodes = []
    for node in out.nodes:
        ins = [out.constants.get(v) for v in node.inputs if v is not None]
        if (
            _impure(node)
            or len(node.outputs) > 1
            or not all(
                c is not None and not c.requires_grad and (c.frozen or captured) for c in ins
            )
        ):
            nodes.append(node)
            continue
        xp = array_module(ins[0].value()) if ins else np
        kernel = kernel_of(node, xp, out)
        value = kernel(*(None if v is None else out.constants[v].value() for v in node.inputs))
        out.constants[node.outputs[0]] = Const(array=xp.asarray(value))
    out.nodes = nodes
    return eliminate_dead_code(out)


def _fusable(graph: Graph, node: Node) -> bool:
    info = graph.values[node.outputs[0]]
    # NOTE: 0-d results are left alone: NumPy returns scalars for them, not writable buffers
    if len(node.outputs) != 1 or not info.dtype.startswith("float") or info.shape == ():
        return False
    operands = ufunc_operands(node)
    if fusable_function(node.op) is None or operands is None:
        return False
    # NOTE: a fused step is NumPy's ufunc, so NumPy's promotion of its inputs must give the
    # traced dtype: an int32 input times a float made float64 where eager made float32
    ins = [graph.values[node.inputs[k]].dtype for kind, k in operands if kind == "in"]
    return not ins or np.result_type(*ins) == np.dtype(info.dtype)


def fuse_elementwise(graph: Graph) -> Graph:
    """Merge each elementwise op into its only consumer when that is elementwise too and
    both have the same shape and dtype; each group becomes one `fused` node."""
    out = graph.copy()
    producer = out.producers()
    users = out.users()
    outputs = set(out.outputs)
    group_of: dict[int, list] = {}  # id(root node) -> its group, producers first
    absorbed: set = set()
    for node in reversed(out.nodes):
        if id(node) in absorbed or not _fusable(out, node):
            continue
        group, frontier = [node], [node]
        info = out.values[node.outputs[0]]
        while frontier:
            for v in frontier.pop().inputs:
                p = producer.get(v)
                if (
                    p is not None
                    and _fusable(out, p)
                    and len(users.get(v, [])) == 1
                    and v not in outputs
                    and out.values[v] == info
                    and id(p) not in absorbed
                ):
                    absorbed.add(id(p))
                    group.append(p)
                    frontier.append(p)
        if len(group) > 1:
            group_of[id(node)] = group
    nodes = []
    for node in out.nodes:
        if id(node) in absorbed:
            continue
        group = group_of.get(id(node))
        nodes.append(node if group is None else _fused_node(out, group))
    out.nodes = nodes
    return out


def _fused_node(graph: Graph, group: list) -> Node:
    """One node for a group: its program lists (op, args) with args ("x", k) or ("t", j)."""
    order = [n for n in graph.nodes if any(n is g for g in group)]
    temp = {n.outputs[0]: j for j, n in enumerate(order)}
    inputs, program = [], []
    for n in order:
        args = []
        for kind, k in ufunc_operands(n):
            v = n.inputs[k] if kind == "in" else None
            if kind == "c":
                args.append(("c", k))
            elif v in temp:
                args.append(("t", temp[v]))
            else:
                if v not in inputs:
                    inputs.append(v)
                args.append(("x", inputs.index(v)))
        program.append((n.op, tuple(args)))
    info = graph.values[order[-1].outputs[0]]
    attrs = dict(program=tuple(program), dtype=info.dtype)
    return Node("fused", inputs, [order[-1].outputs[0]], attrs)


DEFAULT_PASSES = (
    eliminate_dead_code,
    eliminate_unread_saves,
    eliminate_common_subexpressions,
    fold_constants,
    fuse_elementwise,
)


def optimize(graph: Graph, passes=DEFAULT_PASSES) -> tuple[Graph, str]:
    """Run `passes` in order; return the new graph and a summary of nodes before/after."""
    lines = [f"  {'traced':<34}{len(graph.nodes):>4} nodes"]
    for p in passes:
        before = len(graph.nodes)
        graph = p(graph)
        lines.append(f"  {p.__name__:<34}{before:>4} -> {len(graph.nodes):>3}")
    return graph, "\n".join(lines)
