"""The executor: a Graph becomes one generated Python function over array kernels.

    def run(v0, v1):
        v2 = C2.array
        v4 = k0(v0, v1, v2)
        v5 = k1(v4, a1_0, a1_1)
        return (v5,)

No autograd bookkeeping at replay: each step is one call of a precomputed kernel (see
`kernels.py`: a Function's own forward, or a graph-level op). `Runner.code` shows the
generated source. A kernel's constant arguments (`a1_0`: kernel 1's first) are passed by
name. # NOTE: the source is made of value ids, kernel numbers and argument positions only,
each an int, so nothing from a loaded file can ever reach it as code.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.static.graph import Graph
from minigrad.static.kernels import kernel_of, returns_tuple


class Runner:
    def __init__(self, graph: Graph, xp, fixed: bool = False):
        self.graph = graph
        self.code, env = _generate(graph, xp, fixed)
        exec(compile(self.code, "<minigrad.static graph>", "exec"), env)
        self.run = env["run"]

    def __call__(self, *arrays) -> tuple:
        return self.run(*arrays)


def _name(v) -> str:
    if v is None:
        return "None"
    if type(v) is not int:
        raise TypeError(f"static: a value id must be an int, got {type(v).__name__}")
    return f"v{v}"


def _generate(graph: Graph, xp, fixed: bool = False) -> tuple[str, dict]:
    """The source of `run` and its globals; `fixed`: see `kernel_of`."""
    env: dict = {}
    args = ", ".join(_name(v) for v in graph.inputs)
    lines = [f"def run({args}):"]
    used = {v for n in graph.nodes for v in n.inputs} | set(graph.outputs)
    for vid, const in graph.constants.items():
        if vid not in used:
            continue
        if const.frozen:
            env[_name(vid)] = const.array  # a global: frozen arrays never change
        else:
            env[f"C{int(vid)}"] = const.tensor  # read at each run: in-place updates are seen
            lines.append(f"    {_name(vid)} = C{int(vid)}.array")
    if graph.from_file:
        env["type_of"] = _type_check(graph)
    for k, node in enumerate(graph.nodes):
        kernel = kernel_of(node, xp, graph, fixed)
        if graph.from_file and node.op in _SIZE_IN_VALUES:
            kernel = _size_checked(kernel, node, graph)
        if graph.from_file and node.op == "getitem":
            # NOTE: imported here: serialize imports control, which imports this module
            from minigrad.static.serialize import masks_checked

            kernel = masks_checked(kernel, node, graph)
        names = [_name(v) for v in node.inputs]
        calls = getattr(kernel, "calls", None)
        if calls is not None:  # fn(*arrays, *constants): fn called with its constants here
            kernel, constants = calls
            for j, constant in enumerate(constants):
                env[f"a{k}_{j}"] = constant
                names.append(f"a{k}_{j}")
        env[f"k{k}"] = kernel
        ins = ", ".join(names)
        outs = ", ".join(_name(v) for v in node.outputs)
        if returns_tuple(node):
            outs += ","
        lines.append(f"    {outs} = k{k}({ins})")
        if graph.from_file:
            lines += [f"    type_of({_name(v)}, {v})" for v in node.outputs if v is not None]
    rets = "".join(_name(v) + ", " for v in graph.outputs)
    lines.append(f"    return ({rets})")
    return "\n".join(lines) + "\n", env


def _type_check(graph: Graph):
    """A check that a value has the shape and dtype its graph declares (see
    `Graph.from_file`).

    # NOTE: a file could otherwise ask an op for a view of 2**40 rows (`expand`), which the
    next op would read for hours; every declared shape is within the file's size limits. The
    byte budgets of `load` count declared dtypes: a value declared bool that its op makes
    float64 would take 8 times the bytes counted."""
    declared = [(info.shape, np.dtype(info.dtype)) for info in graph.values]

    def type_of(array, vid: int) -> None:
        shape = getattr(array, "shape", None)
        if shape is None:
            return
        want_shape, want_dtype = declared[vid]
        if tuple(shape) != want_shape:
            raise ValueError(
                f"value {vid} has shape {tuple(shape)}, but the graph declares {want_shape}"
            )
        if array.dtype != want_dtype:
            raise ValueError(
                f"value {vid} has dtype {array.dtype}, but the graph declares {want_dtype}"
            )

    return type_of


# ops whose result's size is in their first input's values, as a float (a sum of int64
# counts can wrap around): bincount's is its largest value + 1, repeat_index's their sum,
# nonzero's a row of indices per nonzero element (np.count_nonzero counts a CuPy array too)
_SIZE_IN_VALUES = {
    "bincount": lambda x: float(x.max()) + 1 if x.size else 0.0,
    "repeat_index": lambda counts: float(counts.sum(dtype="float64")),
    "nonzero": lambda x: float(np.count_nonzero(x)) * max(1, x.ndim),
}


def _size_checked(kernel, node, graph: Graph):
    """kernel, first checking that the result its input's values ask for fits the shape
    its graph declares: a loaded graph's constant counts of 10**8 made repeat_index fill
    2.3 GB in 7 s before the check after the node refused it."""
    size, vid = _SIZE_IN_VALUES[node.op], node.outputs[0]
    declared = graph.values[vid].shape
    most = math.prod(declared)

    def checked(first, *rest):
        if size(first) > most:
            raise ValueError(
                f"value {vid} would have {size(first):.0f} elements (from its input's values), "
                f"but the graph declares {declared}"
            )
        return kernel(first, *rest)

    return checked
