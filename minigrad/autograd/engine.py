"""The backward engine: walk the graph from the outputs to the leaves, once, in order.

# NOTE: the walk is iterative (an explicit stack, no recursion), so a graph as deep as a
# 100,000-step chain or an RNN over a long sequence does not hit Python's recursion limit.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from minigrad.autograd.function import AccumulateGrad
from minigrad.autograd.grad_mode import state
from minigrad.dtypes import legacy_name
from minigrad.tensor import Tensor


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs=None,
) -> None:
    """Add d(tensors)/d(leaf) into each leaf's `.grad` (PyTorch's `torch.autograd.backward`)."""
    # NOTE: IPython and pytest fold frames that set this: a student's failing backward is
    # shown under their own call, not under five frames of the engine
    __tracebackhide__ = True
    tensors = _as_list(tensors)
    grads = _root_grads(tensors, grad_tensors, "backward")
    retain_graph = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        _execute(tensors, grads, retain_graph, create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError(
            "backward: the `inputs` argument cannot be empty (pass None for all leaves)"
        )
    found = _execute(tensors, grads, retain_graph, create_graph, capture=inputs)
    for t, g in zip(inputs, found):
        # a non-leaf that retains its grad got it from its retain hook already (PyTorch: once)
        if g is not None and not (t.grad_fn is not None and t._retains_grad):
            _accumulate_into(t, g, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned (not accumulated).

    Like `torch.autograd.grad`: no `.grad` is touched; `create_graph=True` makes the result
    differentiable again, for higher-order gradients. `only_inputs` is accepted and ignored,
    as in PyTorch (which deprecated it). `is_grads_batched=True` takes each grad_output with a
    leading batch dimension and runs one backward pass per entry (PyTorch vectorizes them).
    """
    __tracebackhide__ = True  # see backward()
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use "
            "minigrad.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise RuntimeError(
                f"all inputs have to be Tensors or GradientEdges, but got {type(t).__name__} "
                f"(input {i})"
            )
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    retain_graph = create_graph if retain_graph is None else retain_graph
    if is_grads_batched:
        return _batched_grad(
            outputs,
            inputs,
            grad_outputs,
            retain_graph,
            create_graph,
            allow_unused,
            materialize_grads,
        )
    grads = _root_grads(outputs, grad_outputs, "grad")
    found = _execute(outputs, grads, retain_graph, create_graph, capture=inputs)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None:
            if materialize_grads:
                g = Tensor._make(t._device.xp.zeros_like(t.array))
            elif not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute the "
                    "outputs. Pass allow_unused=True if that is expected."
                )
        result.append(g)
    return tuple(result)


def _batched_grad(
    outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads
) -> tuple:
    """grad() once per entry of the grad_outputs' leading (batch) dimension, stacked."""
    from minigrad.ops.shape import stack

    batched = _as_list(grad_outputs) if grad_outputs is not None else []
    if len(batched) != len(outputs) or any(g is None or g.dim() == 0 for g in batched):
        raise ValueError(
            "grad: is_grads_batched=True needs one grad_output per output, each with a leading "
            "batch dimension"
        )
    for i, (g, out) in enumerate(zip(batched, outputs)):
        if tuple(g.shape[1:]) != tuple(out.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each "
                "grad_output as the batch dimension. The sizes of the remaining dimensions are "
                "expected to match the shape of corresponding output, but a mismatch was "
                f"detected: grad_output[{i}] has a shape of {tuple(g.shape)} and output[{i}] "
                f"has a shape of {tuple(out.shape)}."
            )
    sizes = [g.shape[0] for g in batched]
    if len(set(sizes)) != 1:
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {sizes} for the mapped dimension"
        )
    rows = []
    for b in range(sizes[0]):
        keep = retain_graph or b < sizes[0] - 1  # the graph is needed by the next rows
        row = grad(
            outputs,
            inputs,
            [g[b] for g in batched],
            retain_graph=keep,
            create_graph=create_graph,
            allow_unused=allow_unused,
            materialize_grads=materialize_grads,
        )
        rows.append(row)
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))


def _as_list(x) -> list:
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _root_grads(tensors, grad_tensors, caller) -> list:
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors)
    else:
        grad_tensors = _as_list(grad_tensors)
    if len(grad_tensors) < len(tensors):  # PyTorch lets extra gradients pass
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    grads = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t._requires_grad:
            raise RuntimeError(
                f"{caller}: element {i} of tensors does not require grad and does not have a "
                "grad_fn. Did you create it under no_grad, detach it, or forget "
                "requires_grad=True on the inputs?"
            )
        if g is None:
            if t.array.size != 1:
                raise RuntimeError(
                    f"{caller}: grad can be implicitly created only for scalar outputs, but "
                    f"this output has shape {tuple(t.shape)}. Pass gradient= (a tensor of "
                    "that shape), or reduce it first, e.g. y.sum().backward()."
                )
            # NOTE: empty + fill, not xp.ones: NumPy's ones is a Python wrapper that costs
            # three times as much, once per backward
            ones = t._device.xp.empty(t.array.shape, t.array.dtype)
            ones.fill(1)
            g = Tensor._make(ones)
        elif tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                f"output[{i}] has a shape of {tuple(t.shape)} ({caller})."
            )
        grads.append(g)
    return grads


def _root_edge(t: Tensor):
    return (t.grad_fn, t._output_nr) if t.grad_fn is not None else (t._accumulator(), 0)


def _topological_order(roots) -> list:
    """Nodes so that every node comes after all the nodes that send it gradients."""
    visited, post = set(), []
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root._edges))]
        while stack:
            node, edges = stack[-1]
            for edge in edges:
                if edge is not None and edge[0] not in visited:
                    child = edge[0]
                    visited.add(child)
                    if not child._edges:  # a leaf's node: done at once, no stack entry
                        post.append(child)
                        continue
                    stack.append((child, iter(child._edges)))
                    break
            else:
                stack.pop()
                post.append(node)
    post.reverse()
    return post


def _chain(node) -> list | None:
    """The nodes to run, in order, when the graph is a chain: each node (without hooks, one
    output) sends gradients to leaves without hooks and to at most one other node. A training
    step's graph often is one (an MLP's loss, linear, relu, linear; a compiled loss). None
    for any other graph: `_execute` orders it."""
    if state.anomaly:
        return None
    chain = []
    while node is not None:
        if (
            type(node) is AccumulateGrad
            or node._n_outputs != 1
            or node._pre_hooks
            or node._node_pre_hooks
            or node._node_post_hooks
        ):
            return None
        chain.append(node)
        after = None
        for edge in node._edges:
            if edge is None:
                continue
            target = edge[0]
            if type(target) is AccumulateGrad:
                leaf = target._variable()
                if target._post_hooks or (leaf is not None and leaf._hooks):
                    return None
            elif after is None:
                after = target
            else:
                return None  # two paths: they may meet again
        node = after
    return chain


def _run_chain(chain: list, buffer: list, retain_graph) -> None:
    """`_execute` for a graph `_chain` accepts: each node in turn, its leaves' `.grad` as it
    goes (a leaf reached twice adds twice: no hook sees the sum)."""
    __tracebackhide__ = True  # see backward()
    prev, state.enabled = state.enabled, False
    prev_capturing, state.capturing = state.capturing, False
    try:
        for node in chain:
            grads = _node_grads(node, buffer, retain_graph)
            buffer = None
            for i, edge in enumerate(node._edges):
                g = grads[i]
                if g is None:
                    continue
                target = edge[0]
                if type(target) is AccumulateGrad:
                    grads[i] = None  # NOTE: so that `_only_engine_holds` can take g as .grad
                    leaf = target._variable()
                    if leaf is not None:
                        _accumulate_into(leaf, g, False)
                else:
                    buffer = [g]
            if buffer is None:
                return  # nothing reaches the next node (its gradient is None)
    finally:
        state.enabled, state.capturing = prev, prev_capturing


def _needed(order, targets) -> set:
    """The nodes from which a target node can be reached (the rest need not run)."""
    needed = set()
    for node in reversed(order):
        if node in targets or any(e is not None and e[0] in needed for e in node._edges):
            needed.add(node)
    return needed


def _execute(outputs, grads, retain_graph, create_graph, capture=None):
    __tracebackhide__ = True  # see backward()
    roots = [_root_edge(t) for t in outputs]
    if capture is None and len(roots) == 1 and not create_graph:
        chain = _chain(roots[0][0])
        if chain is not None:
            _run_chain(chain, grads, retain_graph)
            return []
    order = _topological_order([node for node, _ in roots])
    buffers: dict = {}
    for (node, nr), g in zip(roots, grads):
        _add_to_buffer(buffers, node, nr, g)
    targets = {}
    if capture is not None:
        targets = {_root_edge(t): i for i, t in enumerate(capture)}
        needed = _needed(order, {node for node, _ in targets})
    found = [None] * (len(capture) if capture is not None else 0)
    prev, state.enabled = state.enabled, create_graph
    # autograd.grad (capture) touches no .grad: a node whose backward runs the engine itself
    # (a checkpoint) must not either
    prev_capturing, state.capturing = state.capturing, capture is not None
    prev_task = state.graph_task
    state.graph_task = GraphTask(needed if capture is not None else order)
    try:
        for node in order:
            buffer = buffers.pop(node, None)
            if buffer is None:
                continue
            if capture is not None and node not in needed:
                continue  # as PyTorch: neither its backward nor the hooks of its tensors run
            if type(node) is AccumulateGrad:
                leaf = node._variable()
                if leaf is not None and leaf._hooks:
                    buffer[0] = _call_hooks(leaf._hooks.values(), buffer[0])
                if capture is None:
                    if leaf is not None:
                        _accumulate_into(leaf, buffer[0], create_graph)
                    continue
            else:
                if node._pre_hooks:
                    _run_pre_hooks(node, buffer)
                if node._node_pre_hooks:
                    buffer = _run_node_pre_hooks(node, buffer)
            if capture is not None:
                for nr, g in enumerate(buffer):
                    if (node, nr) in targets:
                        found[targets[(node, nr)]] = g
                if isinstance(node, AccumulateGrad):
                    continue
            _run_node(node, buffer, buffers, retain_graph)
    finally:
        state.enabled, state.capturing = prev, prev_capturing
        state.graph_task = prev_task
    return found


class GraphTask:
    """One backward pass as its hooks see it (PyTorch's graph task): the nodes it runs.

    # NOTE: only passes that walk the graph node by node make one: a chain's quick walk
    # (`_run_chain`) and a compiled step run no tensor hook, so nothing can ask them."""

    __slots__ = ("nodes", "__weakref__")

    def __init__(self, nodes):
        self.nodes = nodes  # a list (every node of a backward) or a set (autograd.grad's)

    def will_execute(self, node) -> bool:
        """Whether this pass runs `node` (PyTorch's `_will_engine_execute_node`)."""
        if type(self.nodes) is list:
            self.nodes = set(self.nodes)
        return node in self.nodes


def _add_to_buffer(buffers, node, nr, g):
    buffer = buffers.get(node)
    if buffer is None:
        if node._n_outputs == 1:  # NOTE: most nodes: the first gradient is the buffer
            buffers[node] = [g]
            return
        buffer = buffers[node] = [None] * node._n_outputs
    buffer[nr] = g if buffer[nr] is None else buffer[nr] + g


def _run_pre_hooks(node, buffer):
    for nr, hooks in node._pre_hooks.items():
        if buffer[nr] is not None:
            buffer[nr] = _call_hooks(list(hooks.values()), buffer[nr])


def _run_node_pre_hooks(node, buffer) -> list:
    for hook in list(node._node_pre_hooks.values()):
        new = hook(tuple(buffer))
        if new is not None:
            buffer = _checked_hook_result(node, new, len(buffer), "pre-hook", "grad_outputs")
    return buffer


def _run_node_post_hooks(node, grads: tuple, buffer) -> tuple:
    """The hooks see and may replace the gradients of the Tensor inputs only (as PyTorch's)."""
    positions = node._listed_inputs()
    full = list(grads[: len(node._edges)]) + [None] * (len(node._edges) - len(grads))
    grad_inputs = tuple(full[i] for i in positions)
    for hook in list(node._node_post_hooks.values()):
        new = hook(grad_inputs, tuple(buffer))
        if new is not None:
            grad_inputs = tuple(
                _checked_hook_result(node, new, len(positions), "hook", "grad_inputs")
            )
    for i, g in zip(positions, grad_inputs):
        full[i] = g
    return tuple(full)


def _checked_hook_result(node, new, n: int, kind: str, what: str) -> list:
    if not isinstance(new, (tuple, list)) or len(new) != n:
        raise RuntimeError(
            f"{node.name()}: a {kind} must return None or a tuple of {n} gradients (one per "
            f"entry of {what}), got {type(new).__name__}"
            + (f" of length {len(new)}" if isinstance(new, (tuple, list)) else "")
        )
    return list(new)


def _call_hooks(hooks, g):
    for hook in sorted(hooks, key=_runs_last):
        new = hook(g)
        if new is not None:
            g = checked_hook_value(hook, g, new)
    return g


def checked_hook_value(hook, old: Tensor, new) -> Tensor:
    """A gradient a hook returned in place of `old`: PyTorch's errors when it is not a Tensor
    of old's shape, dtype and device (the engine would otherwise add it to the wrong thing)."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(new, Tensor):
        raise TypeError(
            f"expected Variable, but hook returned '{type(new).__name__}' (hook '{name}' must "
            "return a Tensor of the gradient's shape, or None)"
        )
    if new.array.shape != old.array.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value (was {tuple(old.shape)}, got "
            f"{tuple(new.shape)})"
        )
    if new.array.dtype != old.array.dtype or new._device != old._device:
        was, got = (_type_name(t) for t in (old, new))
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {was} got {got})")
    return new


def _type_name(t: Tensor) -> str:
    """PyTorch's old type name, as its hook errors print it: FloatTensor, cuda.FloatTensor."""
    return ("cuda." if t._device.type == "cuda" else "") + legacy_name(t.dtype)


def _runs_last(hook) -> bool:
    return getattr(hook, "runs_last", False)


def _run_node(node, buffer, buffers, retain_graph):
    __tracebackhide__ = True  # see backward()
    edges = node._edges
    for i, g in enumerate(_node_grads(node, buffer, retain_graph)):
        if g is not None:
            _add_to_buffer(buffers, edges[i][0], edges[i][1], g)


def _node_grads(node, buffer, retain_graph) -> list:
    """Run node's backward on its gradient buffer: one checked gradient (or None) per edge."""
    __tracebackhide__ = True  # see backward()
    if node._n_outputs > 1 and node._materialize and any(g is None for g in buffer):
        buffer = [
            Tensor._make(node._device.xp.zeros(shape, dtype)) if g is None else g
            for g, (shape, dtype) in zip(buffer, node._out_meta)
        ]
    cls = type(node)
    # NOTE: a built-in op's backward is called here directly (it runs for every node of every
    # step); a user's goes through _call_backward, which names it in an error it raises
    if cls.__module__.startswith("minigrad."):
        grads = cls.backward(node, *buffer)
    else:
        grads = _call_backward(node, buffer)
    if not retain_graph:
        node._saved = None
    if type(grads) is not tuple:
        grads = (grads,)
    edges = node._edges
    if node._node_post_hooks:
        grads = _run_node_post_hooks(node, grads, buffer)
    n = len(edges)
    if len(grads) != n and (len(grads) < n or any(g is not None for g in grads[n:])):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {n}, got {len(grads)})"
        )
    anomaly = state.anomaly
    out = [None] * n
    for i, edge in enumerate(edges):
        g = grads[i] if edge is not None else None
        if g is None:
            continue
        # NOTE: the usual gradient (a Tensor of its input's shape and dtype) skips _validate
        _, _, shape, dtype = edge
        if anomaly or type(g) is not Tensor or g.array.shape != shape or g.array.dtype is not dtype:
            g = _validate(node, i, edge, g)
        out[i] = g
    return out


def _call_backward(node, buffer):
    """Run a user's Function's backward; an error raised inside it names that backward."""
    __tracebackhide__ = True  # see backward()
    cls = type(node)
    try:
        return cls.backward(node, *buffer)
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        if type(exc) not in (RuntimeError, ValueError, TypeError, IndexError):
            raise  # a subclass may take other arguments: left as it is
        code = cls.backward.__code__
        shapes = ", ".join(str(tuple(g.shape)) for g in buffer if g is not None)
        raise type(exc)(
            f"{exc}\n(raised in {cls.__name__}.backward, {code.co_filename}:"
            f"{code.co_firstlineno}, called with gradient(s) of shape {shapes}: check the "
            "formulas there, e.g. the order and transposes of a matmul)"
        ) from exc


def _validate(node, i, edge, g):
    """Check one gradient from backward against its input: type, shape, dtype, values."""
    if not isinstance(g, Tensor):
        raise TypeError(
            f"function {node.name()} returned a {type(g).__name__} as gradient {i}; "
            "backward must return Tensors (or None)"
        )
    _, _, shape, dtype = edge
    if g.array.shape != shape:
        if not _sums_to(g.array.shape, shape):
            raise RuntimeError(
                f"function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g.array.shape)} but expected shape compatible with {list(shape)}"
            )
        from minigrad.ops.shape import sum_to

        g = sum_to(g, shape)
    if g.array.dtype != dtype:
        g = g.to(dtype=dtype)
    if state.anomaly:
        _check_finite(node, i, g)
    return g


def _sums_to(grad_shape: Sequence[int], shape: Sequence[int]) -> bool:
    if len(grad_shape) < len(shape):
        return False
    tail = grad_shape[len(grad_shape) - len(shape) :]
    return all(s == g or s == 1 for g, s in zip(tail, shape))


def _check_finite(node, i, g):
    xp = g._device.xp
    if not bool(xp.isfinite(g.array).all()):
        where = "".join(node._stack or ["  (forward trace not recorded)\n"])
        kind = "nan" if bool(xp.isnan(g.array).any()) else "inf"
        raise RuntimeError(
            f"Function '{node.name()}' returned {kind} values in its {i}th output.\n"
            f"The forward call that created this node:\n{where}"
        )


def _accumulate_into(t: Tensor, g: Tensor, create_graph: bool) -> None:
    # NOTE: a gradient's array can be shared (add passes its gradient to both inputs) or a
    # read-only broadcast view (sum's backward), and .grad is later changed in place by
    # accumulation and zero_(): the first gradient is copied (cloned, keeping its graph),
    # unless nothing but the engine can reach it (see `_only_engine_holds`): then its array
    # is taken, and g itself when it is a plain Tensor outside any graph (the usual case).
    if create_graph:
        t._grad = g.clone() if t._grad is None else t._grad + g
    elif t._grad is None:
        if not _only_engine_holds(g):
            t._grad = Tensor._make(g.array.copy())
        elif type(g) is Tensor and not g._requires_grad:
            t._grad = g
        else:
            t._grad = Tensor._make(g.array)
    else:
        t._grad.array += g.array
        t._grad._version_counter[0] += 1
    acc = t._accum
    if acc is not None and acc._post_hooks and t.grad_fn is None:
        for hook in list(acc._post_hooks.values()):
            result = hook(t)
            if isinstance(result, Tensor):  # PyTorch's types: RuntimeError for a Tensor
                raise RuntimeError(
                    "Tensor post accumulate grad hooks should return None (this one returned "
                    "a Tensor: change p.grad in place instead)"
                )
            if result is not None:
                raise TypeError(
                    f"expected Variable, but hook returned '{type(result).__name__}': post "
                    "accumulate grad hooks must return None"
                )


def _only_engine_holds(g: Tensor) -> bool:
    """Whether g's array can become a .grad as it is: PyTorch's AccumulateGrad steal rule.

    # NOTE: g's expected references are the engine's buffer, the arguments of
    # `_accumulate_into` and of this function, and getrefcount's own (4); its array's are
    # g.array, `array` here and getrefcount's (3). One more means that a hook, a saved tensor
    # or another edge holds g, or a view or another Tensor holds its array: then it is copied.
    """
    array = g.array
    others = sys.getrefcount(array) - 3
    return sys.getrefcount(g) <= 4 and _owned(array, others)


def _owned(array, others: int) -> bool:
    """Whether an array that `others` references beyond the expected ones reach can become a
    .grad as it is: no one else holds it, it is no view, and it can be written."""
    return others <= 0 and array.base is None and getattr(array.flags, "writeable", False)


def _accumulate_arrays(leaves, grads) -> None:
    """`_accumulate_into` for gradients given as arrays (a compiled backward's results, None
    where there is none), one per leaf, into leaves without hooks, outside create_graph.

    # NOTE: one loop, no call per leaf: this runs in every compiled training step. A gradient
    # array's expected references are the caller's tuple of results, `array` here and
    # getrefcount's own (3); one more means another holds it (see `_owned`).
    """
    for k, t in enumerate(leaves):  # NOTE: by index: a zip's tuple would hold the array too
        array = grads[k]
        if array is None:
            continue
        grad = t._grad
        if grad is None:
            # NOTE: `_owned`'s test spelled out: this runs for every parameter in every step
            owned = sys.getrefcount(array) <= 3 and array.base is None
            if not (owned and getattr(array.flags, "writeable", False)):
                array = array.copy()
            t._grad = _make(array)
        else:
            grad.array += array
            grad._version_counter[0] += 1


_make = Tensor._make


__all__ = ["backward", "grad"]
