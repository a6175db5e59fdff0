"""What a graph node computes at replay: a plain function of arrays (no autograd bookkeeping).

A node whose op is a built-in Function replays that Function's own `forward`, the code eager
mode runs (there is no second copy of any formula here): the arguments are rebuilt from the
node's inputs and attributes, and the result's arrays (plus the values forward keeps for
backward, `Node.saves`) are the node's outputs.

The rest are graph-level ops, registered here with `graph_op`:
- `detach`: the identity, without gradient;
- `custom`: the identity on the results of a user's `autograd.Function` whose forward was
  traced into ordinary nodes; its gradient is that Function's own backward;
- `python`: a user's Function whose forward computes on raw arrays, called as it is (it
  compiles, but a saved file cannot hold its code);
- `fused`: a chain of elementwise ops (see `passes.fuse_elementwise`), from the ufunc names
  and CUDA expressions the Functions carry;
- `cond`, `while_loop` and their gradients (in `minigrad.static.control`).
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minigrad.autograd.function import OPS
from minigrad.ops._util import ufunc_of
from minigrad.static.graph import Graph, Node, Ref


@dataclass
class GraphOp:
    name: str
    kernel: Callable  # kernel(xp, **attrs) -> function of arrays
    vjp: Callable | None = None  # vjp(b, node, *gys) -> one gradient value per input
    multi: bool = False  # the kernel returns a tuple, even of one value


GRAPH_OPS: dict[str, GraphOp] = {}


def graph_op(name, vjp=None, multi=False):
    def wrap(kernel):
        GRAPH_OPS[name] = GraphOp(name, kernel, vjp, multi)
        return kernel

    return wrap


def is_known_op(name) -> bool:
    """An op a graph may hold: a built-in Function's name or a graph-level op."""
    return name in OPS or name in GRAPH_OPS


def returns_tuple(node: Node) -> bool:
    """Whether the node's kernel returns a tuple (to unpack into its outputs)."""
    op = GRAPH_OPS.get(node.op)
    return len(node.outputs) > 1 or (op is not None and op.multi)


def kernel_of(node: Node, xp, graph: Graph | None = None, fixed: bool = False) -> Callable:
    """The replay function of one node (`graph` holds its values' types). `fixed`: the node's
    input shapes and dtypes are guaranteed to be the graph's (a compiled plan's guards retrace
    on any other), so the op's form fixed to them may be used (`Function.fixed_kernel`)."""
    if node.op in GRAPH_OPS:
        return GRAPH_OPS[node.op].kernel(xp, **node.attrs)
    cls = node.attrs["function"] if node.op == "python" else OPS[node.op]
    fast = graph is not None and _ufunc_kernel(cls, node, graph, xp)
    # NOTE: a node that keeps values for backward takes the form only where they are the op's
    # `kept` (a loss's `on_arrays_kept`); the op's other nodes keep nothing
    saves = tuple(node.saves)
    if not fast and fixed and cls.fixed_kernel is not None and saves == getattr(cls, "kept", ()):
        fast = _fixed_kernel(cls, node, graph, xp)
    return fast or function_kernel(cls, node.attrs, len(node.inputs), node.saves)


def _fixed_kernel(cls, node: Node, graph: Graph, xp):
    """The op's own form for the node's input types, called as `on_arrays` would be (the
    arrays, then the attributes); None where the op has none for them."""
    tail = _attributes_tail(cls, node.attrs, len(node.inputs))
    if tail is None:
        return None
    info = graph.values
    inputs = [None if v is None else (info[v].shape, np.dtype(info[v].dtype)) for v in node.inputs]
    return cls.fixed_kernel(xp, inputs, *tail)


def ufunc_operands(node: Node) -> list | None:
    """A ufunc op's operands in order, ("in", k) or ("c", number); None if the node is not a
    plain call of the op's `ufunc` (another op, or other attributes set: add's alpha)."""
    cls = OPS.get(node.op)
    if cls is None or cls.ufunc is None or node.saves:
        return None
    names = parameters(cls)[0]
    defaults = cls.forward.__defaults__ or ()
    arity = len(names) - len(defaults)
    # add's alpha: a plain add when left at 1; NoGrad's b=None: a second operand when given
    optional = dict(zip(names[arity:], defaults))
    operands, inputs = [], iter(range(len(node.inputs)))
    used = set()
    for k, name in enumerate(names):
        if k >= arity and optional[name] is not None:
            continue
        if name in node.attrs:
            value = node.attrs[name]
            if type(value) not in (int, float):
                return None
            operands.append(("c", value))
            used.add(name)
        else:
            k_in = next(inputs, None)
            if k_in is None:
                if k < arity:
                    return None
                break
            operands.append(("in", k_in))
    others = {k: v for k, v in node.attrs.items() if k not in used}
    if any(k not in optional or optional[k] != v for k, v in others.items()):
        return None
    return None if next(inputs, None) is not None else operands


def _ufunc_kernel(cls, node: Node, graph: Graph, xp):
    """The bare `xp.<ufunc>` for a node whose forward would compute just that: float operands
    whose NumPy result type is the node's dtype (a comparison: operands of one dtype).

    # NOTE: the replay skips the ctx and the Tensor wrappers, a few microseconds a node:
    the metadata the Function carries for fusion, used for a chain of one."""
    operands = ufunc_operands(node)
    no_grad = _NoGrad()
    if issubclass(cls, no_grad) and cls.forward is not no_grad.forward:
        return None  # more than the ufunc (integer division checks its divisor)
    if operands is None or len(node.outputs) != 1 or cls.quiet_domain:
        return None
    numbers = cls.ufunc_extra or any(kind == "c" for kind, _ in operands)
    if _VALUE_BASED_CASTS and numbers and not issubclass(cls, no_grad):
        return None  # NumPy 1.26: a 0-d float32 times 0.8 is float64; forward casts it back
    ins = [np.dtype(graph.values[node.inputs[k]].dtype) for kind, k in operands if kind == "in"]
    out = np.dtype(graph.values[node.outputs[0]].dtype)
    if not ins or "O" in {d.kind for d in ins}:
        return None
    if issubclass(cls, no_grad):
        if len(set(ins)) != 1:
            return None  # a comparison of mixed dtypes: PyTorch's promotion, left to forward
    elif out.kind != "f" or np.result_type(*ins) != out:
        return None  # integer arithmetic or mixed promotion: PyTorch's rules, left to forward
    extra = cls.ufunc_extra
    if not issubclass(cls, no_grad):
        operands = [(kind, _as_operand(v, out, xp) if kind == "c" else v) for kind, v in operands]
        extra = tuple(_as_operand(v, out, xp) for v in extra)
    ufunc = ufunc_of(xp, cls.ufunc)
    kinds = [kind for kind, _ in operands]
    n_in = kinds.count("in")
    if kinds[:n_in] == ["in"] * n_in:  # inputs, then numbers: relu's (x, 0), gt's (x, 0)
        tail = (*(v for _, v in operands[n_in:]), *extra)
        return with_constants(ufunc, tail) if tail else ufunc
    consts = [None if kind == "in" else v for kind, v in operands]

    def run(*arrays):
        it = iter(arrays)
        return ufunc(*(next(it) if c is None else c for c in consts), *extra)

    return run


def _as_operand(v, dtype, xp):
    """The number v of a float ufunc node whose result has `dtype`, as a read-only 0-d NumPy
    array of that dtype where it fits (a number past the dtype's largest stays as it is).

    # NOTE: NumPy makes an array of a Python number at every call (relu's `clip(x, 0, inf)` on
    (64, 128): 31k instructions a call, 25k with 0-d arrays); under NEP 50 it casts the number
    to the array's dtype anyway, so the results are the same bits."""
    if xp is not np or type(v) not in (int, float):
        return v
    if math.isfinite(v) and abs(v) > float(np.finfo(dtype).max):
        return v
    operand = np.array(v, dtype)
    operand.flags.writeable = False
    return operand


def _NoGrad():  # noqa: N802 - the class, imported late (ops import this package's users)
    from minigrad.ops.nograd import NoGrad

    return NoGrad


# -- a Function's forward as a kernel ----------------------------------------------------------
@functools.cache
def parameters(cls) -> tuple[tuple, str | None]:
    """(names of forward's positional parameters after ctx, name of its *args or None)."""
    params = list(inspect.signature(cls.forward).parameters.values())[1:]
    positional = tuple(p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD)
    star = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), None)
    return positional, star


def call_plan(cls, attrs: dict, n_inputs: int) -> list:
    """How to rebuild forward's arguments: ("in", k) for input k as a Tensor, ("attr", v) for
    an attribute, ("refs", v) for an attribute holding Refs. Inverse of the tracer's split."""
    n_refs = sum(_count_refs(v) for v in attrs.values())
    top = iter(range(n_inputs - n_refs))
    positional, star = parameters(cls)
    plan = []
    for name in positional:
        if name in attrs:
            value = attrs[name]
            plan.append(("refs", value) if _count_refs(value) else ("attr", value))
            continue
        k = next(top, None)
        if k is None:
            break  # not given: forward's default
        plan.append(("in", k))
    if star is not None:
        plan += [("in", k) for k in top]
    return plan


def _is_array_arg(entry) -> bool:
    """An argument a kernel of arrays can take as it is: an input, an attribute, or an attribute
    that is one input's array."""
    kind, value = entry
    return kind != "refs" or (isinstance(value, Ref) and not value.tensor)


def _count_refs(value) -> int:
    if isinstance(value, Ref):
        return 1
    if isinstance(value, (tuple, list)):
        return sum(_count_refs(v) for v in value)
    return 0


def fill_refs(value, arrays, make):
    """`value` with each Ref replaced by its input (an array, or a Tensor for tensor=True)."""
    if isinstance(value, Ref):
        return make(arrays[value.index]) if value.tensor else arrays[value.index]
    if isinstance(value, (tuple, list)):
        return type(value)(fill_refs(v, arrays, make) for v in value)
    return value


def function_kernel(cls, attrs: dict, n_inputs: int, saves: tuple = ()) -> Callable:
    from minigrad.tensor import Tensor

    make = Tensor._make
    forward = cls.forward
    plan = call_plan(cls, {k: v for k, v in attrs.items() if k != "function"}, n_inputs)
    simple = all(kind != "refs" for kind, _ in plan)
    tail = _attributes_tail(cls, attrs, n_inputs, plan)

    on_arrays = cls.on_arrays
    if tail is not None and not saves:  # the common case: tensors, then attributes; 1 result
        if on_arrays is not None:  # the op's own computation, called on the arrays directly
            return with_constants(on_arrays, tail) if tail else on_arrays
        ctx_class = _replay_class(cls)
        new = ctx_class.__new__
        if n_inputs == 1:  # NOTE: spelled out: most nodes have one input (no map, no star)

            def run_one(array):
                out = forward(new(ctx_class), make(array), *tail)
                return out.array if type(out) is Tensor else _results(out)

            return run_one

        def run_plain(*arrays):
            out = forward(new(ctx_class), *map(make, arrays), *tail)
            return out.array if type(out) is Tensor else _results(out)

        return run_plain

    if on_arrays is not None and not saves and all(map(_is_array_arg, plan)):
        # index arrays among the arguments (cross-entropy's gradient's rows and columns): each
        # argument read from its input or given as it is, still without a ctx or wrappers
        picks = [
            (True, v.index if kind == "refs" else v) if kind != "attr" else (False, v)
            for kind, v in plan
        ]
        n = sum(read for read, _ in picks)
        consts = tuple(v for _, v in picks[n:])
        if picks[:n] == [(True, k) for k in range(n)]:
            # the arrays in order, then attributes: no picking
            return with_constants(on_arrays, consts) if consts else on_arrays

        def run_picked(*arrays):
            return on_arrays(*[arrays[v] if read else v for read, v in picks])

        return run_picked

    # NOTE: saves that are all ctx attributes (no saved tensors) need no save_for_backward
    attributes = all(type(s) is str for s in saves)
    kept = getattr(cls, "kept", ())
    on_arrays_kept = getattr(cls, "on_arrays_kept", None)
    if tail is not None and saves and attributes and on_arrays_kept and set(saves) <= set(kept):
        # a loss's forward on the arrays (see CrossEntropy): its result, then the saved values
        if tuple(saves) == kept:  # NOTE: the usual case: its results as they are
            return with_constants(on_arrays_kept, tail)
        picks = [1 + kept.index(s) for s in saves]

        def run_kept(*arrays):
            out = on_arrays_kept(*arrays, *tail)
            return (out[0], *[out[k] for k in picks])

        return run_kept

    ctx_class = _replay_class(cls) if attributes else cls
    if tail is not None and saves and attributes:  # a loss's forward: one result, ctx values
        new, read = ctx_class.__new__, operator.attrgetter(*saves)
        several = len(saves) > 1

        def run_saving(*arrays):
            ctx = new(ctx_class)
            out = forward(ctx, *map(make, arrays), *tail)
            saved = read(ctx) if several else (read(ctx),)
            if type(out) is not tuple:
                return (out.array if isinstance(out, Tensor) else out, *saved)
            return (*[o.array if isinstance(o, Tensor) else o for o in out], *saved)

        return run_saving

    def run(*arrays):
        ctx = ctx_class.__new__(ctx_class)
        if tail is not None:  # tensors first, then plain attributes
            out = forward(ctx, *map(make, arrays), *tail)
        elif simple:
            out = forward(ctx, *[make(arrays[v]) if kind == "in" else v for kind, v in plan])
        else:
            out = forward(ctx, *[_arg(kind, v, arrays, make) for kind, v in plan])
        if type(out) is not tuple:
            if not saves:
                return out.array if isinstance(out, Tensor) else out
            out = (out,)
        results = [o.array if isinstance(o, Tensor) else o for o in out]
        for s in saves:
            results.append(getattr(ctx, s) if type(s) is str else ctx._saved[s][0].array)
        return results[0] if len(results) == 1 else tuple(results)

    return run


def _attributes_tail(cls, attrs: dict, n_inputs: int, plan: list | None = None) -> list | None:
    """The attributes forward takes after its tensors, in order, when it takes its tensors
    first and in order and no attribute holds a Ref (the common case); otherwise None."""
    if plan is None:
        plan = call_plan(cls, {k: v for k, v in attrs.items() if k != "function"}, n_inputs)
    simple = all(kind != "refs" for kind, _ in plan)
    in_order = [v for kind, v in plan if kind == "in"] == list(range(n_inputs)) and all(
        kind == "in" for kind, _ in plan[:n_inputs]
    )
    return [v for _, v in plan[n_inputs:]] if simple and in_order else None


def with_constants(fn, constants) -> Callable:
    """The kernel fn(*arrays, *constants). # NOTE: its `calls` attribute, (fn, constants), lets
    the executor's generated code call fn with the constants itself (see `executor._generate`):
    no Python frame in between, in every replay of the node."""
    constants = tuple(constants)

    def run(*arrays):
        return fn(*arrays, *constants)

    run.calls = (fn, constants)
    return run


@functools.cache
def _replay_class(cls):
    """`cls` with a `save_for_backward` that keeps nothing: the ctx of a replay whose node
    saves nothing (no backward reads it), so forward skips the checks and the replay's ctx
    holds no inputs."""
    return type(cls.__name__, (cls,), {"save_for_backward": _keep_nothing})


def _keep_nothing(ctx, *tensors):
    pass


def _results(out):
    """A forward's result as arrays (a tuple of them for several results)."""
    from minigrad.tensor import Tensor

    if type(out) is not tuple:
        return out.array if isinstance(out, Tensor) else out
    results = tuple(o.array if isinstance(o, Tensor) else o for o in out)
    return results[0] if len(results) == 1 else results


def _arg(kind, value, arrays, make):
    if kind == "in":
        return make(arrays[value])
    return fill_refs(value, arrays, make) if kind == "refs" else value


# -- graph-level ops -----------------------------------------------------------------------------
@graph_op("detach", vjp=lambda b, node, gy: [None])
def _detach(xp):
    return lambda x: x


@graph_op("custom")
def _custom(xp, function, n_results):
    """The results of a user's Function (computed by the nodes before this one), unchanged."""

    def run(*inputs):
        return inputs[0] if n_results == 1 else inputs[:n_results]

    return run


# -- fused elementwise chains (made by passes.fuse_elementwise) ------------------------------
@graph_op("fused")
def _fused(xp, program, dtype):
    if xp is np:
        return _fused_cpu(program, dtype)
    return _fused_cuda(xp, program, dtype)


def fusable_function(op: str):
    """The Function of an elementwise op that can join a fused chain, or None."""
    cls = OPS.get(op)
    return cls if cls is not None and cls.ufunc is not None and cls.cuda is not None else None


def _fused_cpu(program, dtype):
    """The chain as a list of ufunc calls: the first result allocates a buffer, and each later
    step that reads the buffer writes into it (each temporary has exactly one consumer:
    fusion's rule), so a chain of n ops allocates once instead of n times."""
    steps = []
    for op, args in program:
        cls = OPS[op]
        reuse = next((v for kind, v in args if kind == "t"), None)  # the temporary it reads
        if cls.fused_cpu is not None:  # its own function: it makes its own buffer
            steps.append((cls.fused_cpu, tuple(args), (), None))
            continue
        args = tuple(_weak_number(kind, v, dtype) for kind, v in args)
        steps.append((ufunc_of(np, cls.ufunc), args, cls.ufunc_extra, reuse))

    def fused(*xs):
        temps = []
        # NOTE: inf and nan come silently, as the ops' own forwards give them (`quiet()`)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            _run_steps(steps, xs, temps)
        return temps[-1]

    return fused


# NOTE: NumPy 2 takes a Python number as "weak": a float32 array times 1e308 or -2**63 stays
# float32, as in PyTorch. NumPy 1.26 casts by value (float64; an object array past int64), so
# there a chain's numbers are made scalars of its dtype first, as the ops' own forwards cast
_VALUE_BASED_CASTS = np.lib.NumpyVersion(np.__version__) < "2.0.0"


def _weak_number(kind, v, dtype):
    if _VALUE_BASED_CASTS and kind == "c" and type(v) in (int, float):
        with np.errstate(over="ignore"):
            return kind, np.dtype(dtype).type(v)
    return kind, v


def _run_steps(steps, xs, temps):
    # NOTE: the operands are picked inline (no helper call per operand): this loop is the
    # whole cost of a short chain on small arrays
    for ufunc, args, extra, reuse in steps:
        values = [xs[v] if kind == "x" else temps[v] if kind == "t" else v for kind, v in args]
        out = None if reuse is None else temps[reuse]
        if out is not None and out.ndim:
            temps.append(ufunc(*values, *extra, out=out))
        else:
            temps.append(ufunc(*values, *extra))


_C_TYPES = {"float32": "float", "float64": "double", "float16": "float16"}


def _fused_cuda(xp, program, dtype):
    """One generated `cupy.ElementwiseKernel` for the whole chain."""
    exprs: list[str] = []
    for op, args in program:
        names = [_cuda_operand(kind, v, exprs, dtype) for kind, v in args]
        cls = OPS[op]
        exprs.append(cls.cuda.format(**dict(zip("abc", names)), T=_C_TYPES[dtype]))
    n_inputs = 1 + max((k for _, args in program for kind, k in args if kind == "x"), default=-1)
    params = ", ".join(f"T{k} x{k}" for k in range(n_inputs))
    kernel = xp.ElementwiseKernel(params, f"{dtype} y", f"y = {exprs[-1]}", "minigrad_fused")
    return lambda *arrays: kernel(*arrays)


def _cuda_operand(kind, v, exprs, dtype):
    if kind == "x":
        return f"x{int(v)}"
    if kind == "t":
        return f"({exprs[int(v)]})"
    # NOTE: a constant is written as its IEEE-754 bits: every double comes back exactly, nan
    # and inf too (repr wrote them as `nan` and `inf`, names C does not have), and nothing
    # but hex digits can reach the source
    bits = struct.unpack("<Q", struct.pack("<d", float(v)))[0]
    return f"(({_C_TYPES[dtype]})__longlong_as_double(0x{bits:016x}ULL))"
