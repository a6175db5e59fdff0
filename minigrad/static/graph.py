"""The graph IR: values (shape, dtype), nodes (op, inputs, attributes), constants, I/O.

A node's op is the `op_name` of a built-in `Function` (`minigrad.autograd.function.OPS`:
"add", "linear", ...) or one of the few graph-level ops of `minigrad.static.kernels`
(detach, custom, fused, cond, while_loop). Its attributes are the Function's non-tensor
arguments, by parameter name, as plain data (numbers, strings, tuples, slices, dtypes);
an array inside an argument (an index) is one more input, marked `Ref(k)` in place.
Constants are tensors captured by reference (so an optimizer's in-place update of a weight
is seen on the next replay) or frozen arrays (literals, folded values, loaded weights).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ValueInfo:
    shape: tuple
    dtype: str  # a NumPy dtype name ("float32"), or "object" for an op's saved context


@dataclass(frozen=True)
class Ref:
    """In an attribute: the node's input `index`, passed to forward as an array (or, with
    tensor=True, as a Tensor) where the argument held one (an index array, a tensor in a tuple)."""

    index: int
    tensor: bool = False

    def __repr__(self) -> str:
        return f"in{self.index}"


@dataclass
class Node:
    op: str
    inputs: list  # value ids (None for an absent optional input, e.g. linear without bias)
    outputs: list
    attrs: dict = field(default_factory=dict)
    # the values forward keeps for backward beyond its results (extra outputs, after the
    # results): a ctx attribute name, or k for the k-th tensor given to save_for_backward
    saves: tuple = ()

    @property
    def n_results(self) -> int:
        return len(self.outputs) - len(self.saves)


@dataclass
class Const:
    """A constant: a captured tensor (read at each run) or a frozen array."""

    tensor: object = None
    array: object = None
    name: str = ""
    requires_grad: bool = False

    @property
    def frozen(self) -> bool:
        return self.tensor is None

    def value(self):
        return self.array if self.tensor is None else self.tensor.array


@dataclass
class Graph:
    values: list = field(default_factory=list)  # ValueInfo per value id
    inputs: list = field(default_factory=list)
    input_names: list = field(default_factory=list)
    constants: dict = field(default_factory=dict)  # value id -> Const
    nodes: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    # how the traced function returned its outputs: None for one tensor, else a tuple length
    structure: int | None = None
    examples: dict = field(default_factory=dict, repr=False)  # value id -> array (tracing)
    # output value id of a traced node -> (its ctx after forward, argument slot -> input
    # index): what static autodiff runs each Function's backward with (tracing only)
    contexts: dict = field(default_factory=dict, repr=False)
    source: str | None = field(default=None, repr=False)  # the file static.load read
    # read from a file: its replay checks each value's shape and dtype against the declared
    # ones (each within the file's limits), so no op's attributes can make a value of another
    # size, nor of more bytes than load counted
    from_file: bool = field(default=False, repr=False)
    # a loaded while_loop's body: the reads static.load counted for one iteration of it (its
    # condition's too), which bound the iterations a call runs (control.LOADED_LOOP_READS);
    # None where the caller's own max_iterations bounds them
    iteration_reads: int | None = field(default=None, repr=False)

    def new_value(self, shape, dtype) -> int:
        self.values.append(ValueInfo(tuple(int(s) for s in shape), np.dtype(dtype).name))
        return len(self.values) - 1

    def add_input(self, shape, dtype, name: str) -> int:
        vid = self.new_value(shape, dtype)
        self.inputs.append(vid)
        self.input_names.append(name)
        return vid

    def add_const(self, const: Const, shape, dtype) -> int:
        vid = self.new_value(shape, dtype)
        self.constants[vid] = const
        return vid

    def producers(self) -> dict:
        """value id -> the node that computes it."""
        return {v: n for n in self.nodes for v in n.outputs}

    def users(self) -> dict:
        """value id -> the nodes that read it (graph outputs are not nodes: see `outputs`)."""
        found: dict = {}
        for n in self.nodes:
            for v in n.inputs:
                if v is not None:
                    found.setdefault(v, []).append(n)
        return found

    def copy(self) -> Graph:
        return Graph(
            list(self.values),
            list(self.inputs),
            list(self.input_names),
            dict(self.constants),
            [
                Node(n.op, list(n.inputs), list(n.outputs), dict(n.attrs), n.saves)
                for n in self.nodes
            ],
            list(self.outputs),
            self.structure,
            from_file=self.from_file,
            iteration_reads=self.iteration_reads,
        )

    def save(self, path) -> None:
        """Write this graph and its constants (the weights) to `path`; see `static.load`."""
        from minigrad.static.serialize import save

        save(self, path)

    def __call__(self, *tensors):
        """Run the graph on tensors (a loaded model: `static.load(path)(x)`)."""
        from minigrad.static.executor import Runner
        from minigrad.tensor import Tensor

        self._check_inputs(tensors)
        try:  # a loaded graph that holds to the schema can still be wrong: say which file
            if "_runner" not in self.__dict__:
                xp = tensors[0].device.xp if tensors else np
                self.__dict__["_runner"] = Runner(self, xp)
            arrays = self._runner(*(t.array for t in tensors))
            outs = tuple(Tensor._make(a) for a in arrays)
            return outs if self.structure is not None else outs[0]
        except Exception as exc:
            if self.source is None:
                raise
            raise RuntimeError(
                f"static.load: the graph in {self.source} failed to run: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _check_inputs(self, tensors) -> None:
        """The call's tensors have the graph's input types (a graph is specialised to them)."""
        expected = ", ".join(
            f"{n}: {type_text(self.values[v])}" for v, n in zip(self.inputs, self.input_names)
        )
        if len(tensors) != len(self.inputs):
            raise TypeError(
                f"graph: expected {len(self.inputs)} inputs ({expected}), got {len(tensors)}"
            )
        for t, v, name in zip(tensors, self.inputs, self.input_names):
            info = self.values[v]
            if tuple(t.array.shape) != info.shape or t.array.dtype.name != info.dtype:
                got = type_text(ValueInfo(tuple(t.array.shape), t.array.dtype.name))
                raise RuntimeError(f"graph: input {name} must be {type_text(info)}, got {got}")

    def __len__(self) -> int:
        return len(self.nodes)

    def __str__(self) -> str:
        return format_graph(self)

    def __repr__(self) -> str:
        return f"<Graph: {len(self.inputs)} inputs, {len(self.nodes)} nodes>"


_SHORT = {"float32": "f32", "float64": "f64", "float16": "f16", "int64": "i64", "bool": "b"}


def type_text(info: ValueInfo) -> str:
    return f"{_SHORT.get(info.dtype, info.dtype)}[{', '.join(map(str, info.shape))}]"


def format_graph(graph: Graph) -> str:
    """The graph as text, one node a line: `%4 = relu(%3)    f32[64, 128]`."""
    args = ", ".join(
        f"%{v} {n}: {type_text(graph.values[v])}" for v, n in zip(graph.inputs, graph.input_names)
    )
    lines = [f"graph({args}):"]
    for vid, const in graph.constants.items():
        kind = "param" if const.requires_grad else "const"
        label = const.name
        if const.frozen and const.array.ndim == 0:
            label = f"{const.array.item():.6g}"
        lines.append(f"  %{vid} = {kind} {label}".rstrip() + _pad(graph, [vid]))
    for node in graph.nodes:
        ins = ", ".join("None" if v is None else f"%{v}" for v in node.inputs)
        attrs = "".join(f", {k}={_attr_text(a)}" for k, a in node.attrs.items())
        outs = ", ".join(f"%{v}" for v in node.outputs)
        kept = node.outputs[node.n_results :]
        note = f"  (saved for backward: {', '.join(f'%{v}' for v in kept)})" if kept else ""
        lines.append(f"  {outs} = {node.op}({ins}{attrs})" + _pad(graph, node.outputs) + note)
        for name, sub in node.attrs.items():  # a control-flow node's regions, indented
            if isinstance(sub, Graph):
                text = format_graph(sub).replace("\n", "\n      ")
                lines.append(f"    {name}: {text}")
    outs = ", ".join("None" if v is None else f"%{v}" for v in graph.outputs)
    lines.append(f"  return ({outs})")
    return "\n".join(lines)


def _pad(graph, vids) -> str:
    return "    # " + ", ".join(type_text(graph.values[v]) for v in vids)


def _attr_text(a) -> str:
    if isinstance(a, Graph):
        return f"<{len(a.inputs)} inputs, {len(a.nodes)} nodes>"
    if isinstance(a, np.ndarray):
        return f"array{list(a.shape)}"
    if isinstance(a, tuple) and a and isinstance(a[0], tuple) and isinstance(a[0][0], str):
        return "[" + " > ".join(step[0] for step in a) + "]"  # a fused program
    text = repr(a)
    return text if len(text) <= 40 else text[:37] + "..."
