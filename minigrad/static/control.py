"""Control flow in a static graph: `static.cond` and `static.while_loop`, with gradients.

In eager mode both are plain Python (an `if`, a `while`) and autograd records whatever ran.
Inside `static.trace`/`static.compile` each becomes ONE node that holds sub-graphs:

- `cond(pred, true_fn, false_fn, operands)`: both branches are traced (on the example
  values); at replay the node evaluates `pred` and runs one branch's graph.
- `while_loop(cond_fn, body_fn, init)`: `cond_fn` and `body_fn` are traced once over the
  loop state; at replay the node runs the body graph while the cond graph says so, however
  many times the data asks for.

A loop runs at most `max_iterations` times (MAX_ITERATIONS unless given), eagerly, traced or
loaded from a file, and then raises: a loaded graph is untrusted, and a condition that never
turns false would otherwise hang its caller. PyTorch's `torch.while_loop` has no bound.

Gradients: the forward node keeps what it needs to go back (the branch taken and its
inputs; for a loop, the state that entered each iteration, so the trip count is recorded).
The backward node then recomputes each region's forward from those inputs and runs the
region's backward graph (derived once, like the compiled function's own), iterations last
to first. Recomputing instead of keeping every intermediate is the trade XLA and JAX make
for loops too: one more forward per iteration, much less memory.
"""

from __future__ import annotations

from minigrad.autograd.grad_mode import state
from minigrad.static.autodiff import derive_backward
from minigrad.static.executor import Runner
from minigrad.static.graph import Graph, type_text
from minigrad.static.kernels import graph_op
from minigrad.static.trace import SubTracer, Tracer, TracingError
from minigrad.tensor import Tensor

# iterations of one while_loop unless it says otherwise: an RNN over a long text takes
# thousands; a loop that never ends stops here, after seconds (and the state of every
# iteration, kept for backward), instead of hanging
MAX_ITERATIONS = 1_000_000
# bytes of loop state a traced loop keeps for backward (the state entering each iteration):
# a loaded graph's loop over a 1 MB state would otherwise fill the memory long before its
# MAX_ITERATIONS; the state's shapes are fixed, so this bounds the iterations once per run
MAX_TRAIL_BYTES = 2**31
# bytes counted for each array of the trail besides its data: its array object and its place
# in the trail's tuple. Counting the data alone, a loaded loop over 32,768 empty arrays kept
# 188 MB in 200 iterations, and would have gone on to a million
_TRAIL_ARRAY_BYTES = 128
# element reads, as static.load counts them (~0.6 us of Python a node call of 1,024), that a
# loaded while_loop runs at most in one call unless the caller's static.load(path,
# max_iterations=n) bounds it: a file's loop of a million iterations of a few nodes fits
# load's budget of all reads (MAX_READS, a minute) and took 3-7 s of CPU. 2**32 stopped it
# after 1.75 s; the course's RNN over a sequence of 10,000 steps reads 2**29 (0.14 s)
LOADED_LOOP_READS = 2**32


# -- the user-facing functions ----------------------------------------------------------------
def cond(pred, true_fn, false_fn, operands=()):
    """`true_fn(*operands)` if `pred` else `false_fn(*operands)`, recordable in a static graph.

    Both functions take the operands and return a Tensor or a tuple of Tensors of the same
    shapes and dtypes. Gradients flow through the branch that ran.

    Example::

        >>> f = static.compile(lambda x: static.cond(x.sum() > 0, lambda x: x * 2,
        ...                                          lambda x: -x, (x,)))
        >>> f(minigrad.ones(3)), f(-minigrad.ones(3))     # one trace, both branches
    """
    operands = _tensors(operands, "cond")
    tracer = state.tracer
    if tracer is None or not isinstance(pred, Tensor):
        return true_fn(*operands) if bool(pred) else false_fn(*operands)
    true_g, true_caps = _region(tracer, true_fn, operands, "static.cond: true_fn")
    false_g, false_caps = _region(tracer, false_fn, operands, "static.cond: false_fn")
    _check_same_outputs(true_g, false_g)
    captures = list(dict.fromkeys(true_caps + false_caps))
    for g, caps in ((true_g, true_caps), (false_g, false_caps)):
        _align_captures(g, caps, captures, len(operands), tracer)
    pred_vid = tracer.value(pred)
    if pred.ndim != 0:
        raise ValueError(f"static.cond: pred must be a 0-d tensor, got shape {tuple(pred.shape)}")
    ins = [pred_vid, *(tracer.value(t) for t in operands), *captures]
    n_out = len(true_g.outputs)
    outs = tracer.b.emit("cond", *ins, n_out=n_out + 1, true=true_g, false=false_g)
    return _results(tracer, outs[:n_out], true_g.structure)


def while_loop(cond_fn, body_fn, init, *, max_iterations: int | None = None):
    """Run `state = body_fn(*state)` while `cond_fn(*state)`; return the final state.

    `init` is a tuple of Tensors; `body_fn` returns a tuple of the same shapes and dtypes
    (the loop state cannot change shape: the graph is built once), `cond_fn` a 0-d bool.
    The trip count is decided by the data at each run; gradients flow through every
    iteration that ran. A loop whose condition still holds after `max_iterations` runs of
    the body (default MAX_ITERATIONS, a million) raises RuntimeError, in a traced or loaded
    graph too (minigrad's bound; PyTorch's while_loop has none).

    Example::

        >>> def count_down(n, x):
        ...     return static.while_loop(lambda n, x: n > 0, lambda n, x: (n - 1, x * 2), (n, x))
    """
    init = _tensors(init, "while_loop")
    limit = iteration_bound(max_iterations, "static.while_loop")
    tracer = state.tracer
    if tracer is None:
        values, count = tuple(init), 0
        while bool(cond_fn(*values)):
            if count == limit:
                raise _endless(limit)
            count += 1
            values = _tensors(body_fn(*values), "while_loop: body_fn")
            _check_state(init, values)
        return values
    cond_g, cond_caps = _region(tracer, cond_fn, init, "static.while_loop: cond_fn")
    body_g, body_caps = _region(tracer, body_fn, init, "static.while_loop: body_fn")
    _check_predicate(cond_g)
    _check_state_graph(body_g)
    captures = list(dict.fromkeys(cond_caps + body_caps))
    for g, caps in ((cond_g, cond_caps), (body_g, body_caps)):
        _align_captures(g, caps, captures, len(init), tracer)
    ins = [*(tracer.value(t) for t in init), *captures]
    bound = {} if max_iterations is None else {"max_iterations": limit}  # files stay as before
    outs = tracer.b.emit("while_loop", *ins, n_out=len(init) + 1, cond=cond_g, body=body_g, **bound)
    return tuple(_results(tracer, outs[: len(init)], len(init)))


def iteration_bound(max_iterations, what: str) -> int:
    """max_iterations checked (a positive int), or MAX_ITERATIONS for None."""
    if max_iterations is None:
        return MAX_ITERATIONS
    if type(max_iterations) is not int or max_iterations < 1:
        raise ValueError(f"{what}: max_iterations must be a positive int, got {max_iterations!r}")
    return max_iterations


def _endless(limit: int) -> RuntimeError:
    return RuntimeError(
        f"static.while_loop: cond_fn still holds after {limit} iterations (max_iterations="
        f"{limit}): a loop that never ends? Pass while_loop(..., max_iterations=n) for a longer "
        "one (static.load(path, max_iterations=n) for a loaded graph)"
    )


def _past_loaded_budget(most: int, reads: int) -> RuntimeError:
    return RuntimeError(
        f"static.while_loop: a loaded loop goes on after {most} iterations of {reads} element "
        f"reads each, past static.control.LOADED_LOOP_READS = {LOADED_LOOP_READS} in one call "
        "(a file's loop that never ends?). static.load(path, max_iterations=n) runs its loops "
        "up to n iterations instead"
    )


# -- tracing helpers ----------------------------------------------------------------------
def _tensors(values, what) -> tuple:
    values = (values,) if isinstance(values, Tensor) else tuple(values)
    if not all(isinstance(v, Tensor) for v in values):
        kinds = ", ".join(type(v).__name__ for v in values)
        raise TypeError(f"static.{what}: expected a tuple of Tensors, got ({kinds})")
    return values


def _region(tracer: Tracer, fn, operands, what) -> tuple[Graph, list]:
    sub = SubTracer(tracer)
    return sub.run(fn, operands, what), sub.captures


def _align_captures(graph: Graph, own: list, captures: list, n_operands: int, tracer):
    """Give a region one input per capture of the whole node, in the node's order."""
    mine = dict(zip(own, graph.inputs[n_operands:]))
    inputs = graph.inputs[:n_operands]
    for outer in captures:
        if outer not in mine:  # read by the other region only: an unused input here
            info = tracer.graph.values[outer]
            mine[outer] = graph.new_value(info.shape, info.dtype)
        inputs.append(mine[outer])
    graph.inputs = inputs
    graph.input_names = [f"x{k}" for k in range(n_operands)] + [
        f"c{k}" for k in range(len(captures))
    ]


def _signature(graph: Graph, vids) -> list[str]:
    return [type_text(graph.values[v]) for v in vids]


def _check_same_outputs(a: Graph, b: Graph) -> None:
    sa, sb = _signature(a, a.outputs), _signature(b, b.outputs)
    if sa != sb or a.structure != b.structure:
        raise TracingError(
            f"static.cond: both branches must return the same shapes and dtypes (a static graph "
            f"has one type per value), but true_fn returns ({', '.join(sa)}) and false_fn "
            f"returns ({', '.join(sb)})"
        )


def _check_predicate(graph: Graph) -> None:
    sig = _signature(graph, graph.outputs)
    if sig != ["b[]"]:
        raise TracingError(
            f"static.while_loop: cond_fn must return one 0-d bool tensor, got ({', '.join(sig)})"
        )


def _check_state_graph(graph: Graph) -> None:
    n = len(graph.outputs)
    before = _signature(graph, graph.inputs[:n])
    after = _signature(graph, graph.outputs)
    if len(graph.inputs) < n or before != after:
        raise TracingError(
            "static.while_loop: body_fn must return the loop state with the same shapes and "
            f"dtypes as it receives (the graph is built once): ({', '.join(before)}) -> "
            f"({', '.join(after)})"
        )


def _check_state(init, values) -> None:
    before = [(tuple(t.shape), t.dtype) for t in init]
    after = [(tuple(t.shape), t.dtype) for t in values]
    if before != after:
        raise TypeError(
            f"static.while_loop: body_fn must keep the state's shapes and dtypes: {before} -> "
            f"{after}"
        )


def _results(tracer: Tracer, vids, structure):
    outs = []
    for vid in vids:
        t = Tensor._make(tracer.graph.examples[vid])
        outs.append(tracer.bind(t, vid))
    return outs[0] if structure is None else tuple(outs)


# -- the region: a sub-graph, its runner, and its gradient (derived on first use) -------------
class Region:
    """One sub-graph of a control-flow node, ready to run forward and backward."""

    def __init__(self, graph: Graph, xp):
        self.graph, self.xp = graph, xp
        self.run = Runner(graph, xp)
        self._grad = None

    def vjp(self, inputs, gys) -> list:
        """Gradients for every input (zeros where none) given the outputs' gradients."""
        if self._grad is None:
            self._grad = self._derive()
        train, backward, grad_outputs, slots = self._grad
        saved = train(*inputs)[len(self.graph.outputs) :]
        found = backward(*(gys[k] for k in grad_outputs), *saved)
        grads = [self.xp.zeros_like(x) for x in inputs]
        for slot, g in zip(slots, found):
            if g is not None:
                grads[slot] = g
        return grads

    def _derive(self):
        floats = [v for v in self.graph.inputs if self.graph.values[v].dtype.startswith("float")]
        train, backward, grad_outputs = derive_backward(self.graph, floats)
        slots = [self.graph.inputs.index(v) for v in floats]
        return Runner(train, self.xp), Runner(backward, self.xp), grad_outputs, slots


def region(graph: Graph, xp) -> Region:
    """The Region of a sub-graph, made once (kernels are rebuilt by passes and executors)."""
    key = ("_region", id(xp))
    if key not in graph.__dict__:
        graph.__dict__[key] = Region(graph, xp)
    return graph.__dict__[key]


# -- the IR ops: forward kernels keep a residual (an object value) for their gradient --------
def _zeros_for_missing(b, node, gys):
    n = len(node.outputs) - 1
    return [g if g is not None else b.zeros(node.outputs[k]) for k, g in enumerate(gys[:n])]


def _vjp_cond(b, node, *gys):
    residual = b.O(node, len(node.outputs) - 1)
    n_in = len(node.inputs) - 1
    grads = b.emit(
        "cond_grad", residual, *_zeros_for_missing(b, node, gys), n_out=n_in, **node.attrs
    )
    return [None] + [grads[k] if b.wants(node, k + 1) else None for k in range(n_in)]


@graph_op("cond", vjp=_vjp_cond, multi=True)
def _cond(xp, true, false):
    branches = (region(false, xp), region(true, xp))

    def run(pred, *inputs):
        taken = bool(pred)
        return (*branches[taken].run(*inputs), (taken, inputs))

    return run


@graph_op("cond_grad", multi=True)
def _cond_grad(xp, true, false):
    branches = (region(false, xp), region(true, xp))

    def run(residual, *gys):
        taken, inputs = residual
        return tuple(branches[taken].vjp(inputs, gys))

    return run


def _vjp_while(b, node, *gys):
    residual = b.O(node, len(node.outputs) - 1)
    n_in = len(node.inputs)
    grads = b.emit(
        "while_grad", residual, *_zeros_for_missing(b, node, gys), n_out=n_in, **node.attrs
    )
    return [grads[k] if b.wants(node, k) else None for k in range(n_in)]


@graph_op("while_loop", vjp=_vjp_while, multi=True)
def _while_loop(xp, cond, body, max_iterations=None):
    test, step = region(cond, xp), region(body, xp)
    n = len(body.outputs)
    limit = iteration_bound(max_iterations, "static.while_loop")
    reads = body.iteration_reads
    loaded_most = limit if reads is None else max(1, LOADED_LOOP_READS // reads)

    def run(*inputs):
        values, captures = inputs[:n], inputs[n:]
        trail = []  # the state entering each iteration: what backward needs
        per_iteration = sum(v.nbytes + _TRAIL_ARRAY_BYTES for v in values)
        most = min(limit, MAX_TRAIL_BYTES // max(per_iteration, 1), loaded_most)
        while bool(test.run(*values, *captures)[0]):
            if len(trail) == most:
                if most == limit:
                    raise _endless(limit)
                if most == loaded_most:
                    raise _past_loaded_budget(most, body.iteration_reads)
                raise MemoryError(
                    f"static.while_loop: after {most} iterations the loop keeps "
                    f"{most * per_iteration} bytes of its state for backward (at most "
                    f"static.control.MAX_TRAIL_BYTES = {MAX_TRAIL_BYTES}) and goes on"
                )
            trail.append(values)
            values = step.run(*values, *captures)
        return (*values, (trail, captures))

    return run


@graph_op("while_grad", multi=True)
def _while_grad(xp, cond, body, max_iterations=None):
    step = region(body, xp)
    n = len(body.outputs)
    limit = iteration_bound(max_iterations, "static.while_loop")

    def run(residual, *gys):
        trail, captures = residual
        if len(trail) > limit:  # a loaded file's residual may be an array of its own
            raise ValueError(
                f"static.while_loop: backward of {len(trail)} iterations, more than its "
                f"max_iterations={limit}"
            )
        g_state, g_captures = list(gys), [xp.zeros_like(c) for c in captures]
        for values in reversed(trail):  # last iteration first, as the chain rule goes
            grads = step.vjp((*values, *captures), g_state)
            g_state = grads[:n]
            g_captures = [a + g for a, g in zip(g_captures, grads[n:])]
        return (*g_state, *g_captures)

    return run
