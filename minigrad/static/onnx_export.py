"""`static.export_onnx(fn_or_module, example_inputs, path)`: a traced graph as an ONNX model.

The production path the lecture points to: the same graph, in a format other runtimes run
(onnxruntime, TensorRT, browsers). Each IR op becomes one or a few ONNX nodes (opset 18);
weights and literals become initializers; the model is checked with `onnx.checker`.
Needs the `export` extra (`pip install -e ".[export]"` in the course folder): onnx is imported
on call.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import OPS
from minigrad.ops.shape import sum_to_axes
from minigrad.static.graph import Graph
from minigrad.static.kernels import call_plan
from minigrad.static.passes import eliminate_common_subexpressions, eliminate_dead_code, optimize
from minigrad.static.trace import trace
from minigrad.tensor import Tensor

OPSET = 18
SIMPLE = {  # IR op -> ONNX op with the same inputs and no attributes
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "neg": "Neg",
    "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "abs": "Abs", "tanh": "Tanh",
    "sigmoid": "Sigmoid", "relu": "Relu", "sin": "Sin", "cos": "Cos", "sign": "Sign",
    "eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual",
    "logical_and": "And", "logical_or": "Or", "logical_xor": "Xor", "logical_not": "Not",
    "where": "Where", "matmul": "MatMul", "detach": "Identity", "floor": "Floor",
    "ceil": "Ceil", "isnan": "IsNaN",
}  # fmt: skip
REDUCE = {"sum": "ReduceSum", "mean": "ReduceMean"}


def export_onnx(fn_or_module, example_inputs, path, opset: int = OPSET):
    """Trace `fn_or_module(*example_inputs)`, write it to `path` as ONNX, return the model.

    Example::

        >>> model.eval()
        >>> static.export_onnx(model, (x,), "model.onnx")
        >>> onnxruntime.InferenceSession("model.onnx").run(None, {"x0": x.numpy()})
    """
    import onnx

    inputs = (example_inputs,) if isinstance(example_inputs, Tensor) else tuple(example_inputs)
    named = getattr(fn_or_module, "named_parameters", None)
    graph = trace(fn_or_module, *inputs, names=dict(named()) if callable(named) else None)
    graph, _ = optimize(graph, (eliminate_dead_code, eliminate_common_subexpressions))
    model = to_onnx(graph, opset)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return model


def to_onnx(graph: Graph, opset: int = OPSET):
    """The ONNX ModelProto of a Graph (no file, no check)."""
    from onnx import helper

    out = _Emitter(graph)
    for node in graph.nodes:
        out.node(node)
    inputs = [out.info(v, n) for v, n in zip(graph.inputs, graph.input_names)]
    outputs = [out.info(v, out.name(v)) for v in graph.outputs]
    body = helper.make_graph(out.nodes, "minigrad", inputs, outputs, out.initializers)
    return helper.make_model(
        body, opset_imports=[helper.make_opsetid("", opset)], producer_name="minigrad"
    )


class _Emitter:
    """Collects ONNX nodes and initializers; names values `v<id>` (inputs by their names)."""

    def __init__(self, graph: Graph):
        self.graph, self.nodes, self.initializers = graph, [], []
        self.names = dict(zip(graph.inputs, graph.input_names))
        for vid, const in graph.constants.items():
            self.names[vid] = const.name.replace(".", "_") or f"c{vid}"
            self.constant(np.asarray(_host(const.value())), self.names[vid])
        self.fresh = 0

    def name(self, vid) -> str:
        return self.names.get(vid, f"v{vid}")

    def info(self, vid, name):
        from onnx import helper

        v = self.graph.values[vid]
        return helper.make_tensor_value_info(name, _onnx_dtype(v.dtype), list(v.shape))

    def constant(self, array, name=None) -> str:
        from onnx import numpy_helper

        name = name or self.temp()
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def temp(self) -> str:
        self.fresh += 1
        return f"t{self.fresh}"

    def emit(self, op, inputs, output=None, **attrs) -> str:
        from onnx import helper

        output = output or self.temp()
        self.nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def node(self, node) -> None:
        ins = [self.name(v) for v in node.inputs if v is not None]
        out = self.name(node.outputs[0])
        rule = RULES.get(node.op)
        if node.op in SIMPLE:
            self.emit(SIMPLE[node.op], self.operands(node), out)
        elif rule is not None:
            rule(self, node, ins, out)
        else:
            what = node.attrs["function"].__name__ if node.op == "python" else node.op
            raise NotImplementedError(
                f"export_onnx: op {what} has no ONNX mapping (supported: "
                f"{', '.join(sorted([*SIMPLE, *RULES]))}). For dropout or batch norm in "
                "training mode, call model.eval() first."
            )

    def operands(self, node) -> list[str]:
        """The op's operands in order: inputs by name, numbers as constants of the node's
        dtype (of its tensor operand for a comparison). Add's and sub's alpha, if not 1,
        scales the second operand first."""
        plan = call_plan(OPS[node.op], node.attrs, len(node.inputs))
        like = next(self.graph.values[node.inputs[k]].dtype for kind, k in plan if kind == "in")
        names = []
        for kind, v in plan:
            if kind == "in":
                names.append(self.name(node.inputs[v]))
            elif v is not None and len(names) < 2:
                names.append(self.constant(np.asarray(v, dtype=like)))
        alpha = node.attrs.get("alpha", 1)
        if alpha != 1:
            names[1] = self.emit("Mul", [names[1], self.constant(np.asarray(alpha, like))])
        return names


def _host(array):
    return array if isinstance(array, np.ndarray) else array.get()


def _onnx_dtype(name: str) -> int:
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(name))


def _ints(e: _Emitter, values) -> str:
    return e.constant(np.asarray(values, dtype=np.int64))


# -- ops that need attributes or a few nodes ----------------------------------------------------
def _linear(e, node, ins, out):
    if len(e.graph.values[node.inputs[0]].shape) == 2:
        e.emit("Gemm", ins, out, transB=1)
        return
    y = e.emit("MatMul", [ins[0], e.emit("Transpose", [ins[1]], perm=[1, 0])])
    e.emit("Add", [y, ins[2]], out) if len(ins) == 3 else e.emit("Identity", [y], out)


def _reduce(e, node, ins, out):
    dims, keep = node.attrs["dims"], int(node.attrs["keepdim"])
    x = ins[0]
    if node.attrs.get("dtype") is not None:
        x = e.emit("Cast", [x], to=_onnx_dtype(node.attrs["dtype"].np.name))
    e.emit(REDUCE[node.op], [x, _ints(e, dims)], out, keepdims=keep)


def _sum_to(e, node, ins, out):
    axes = sum_to_axes(e.graph.values[node.inputs[0]].shape, node.attrs["shape"])
    kept = e.emit("ReduceSum", [ins[0], _ints(e, axes)], keepdims=1)
    e.emit("Reshape", [kept, _ints(e, node.attrs["shape"])], out)


def _argmax(e, node, ins, out):
    dim, keep = node.attrs["dim"], int(node.attrs["keepdim"])
    op = "ArgMax" if node.attrs.get("largest", True) else "ArgMin"
    if dim is not None:
        e.emit(op, ins, out, axis=dim, keepdims=keep)
        return
    flat = e.emit(op, [e.emit("Reshape", [ins[0], _ints(e, [-1])])], keepdims=0)
    e.emit("Reshape", [flat, _ints(e, e.graph.values[node.outputs[0]].shape)], out)


def _var_std(e, node, ins, out):
    """var and std as ONNX's reductions: sum((x - mean x)^2) / (n - correction), sqrt for std."""
    x = e.graph.values[node.inputs[0]]
    dims, keep = node.attrs["dims"], int(node.attrs["keepdim"])
    axes = _ints(e, dims)
    centered = e.emit("Sub", [ins[0], e.emit("ReduceMean", [ins[0], axes], keepdims=1)])
    squares = e.emit("ReduceSum", [e.emit("Mul", [centered, centered]), axes], keepdims=keep)
    dof = max(0, math.prod(x.shape[d] for d in dims) - node.attrs["correction"])
    with np.errstate(divide="ignore"):  # no degrees of freedom: inf, as minigrad's op
        scale = e.constant(np.asarray(1 / dof if dof else np.inf, x.dtype))
    if node.attrs["root"]:
        e.emit("Sqrt", [e.emit("Mul", [squares, scale])], out)
    else:
        e.emit("Mul", [squares, scale], out)


RULES = {
    "linear": _linear,
    "var_std": _var_std,
    "sum": _reduce,
    "mean": _reduce,
    "sum_to": _sum_to,
    "argmax": _argmax,
    "reshape": lambda e, n, ins, out: e.emit("Reshape", [ins[0], _ints(e, n.attrs["shape"])], out),
    "permute": lambda e, n, ins, out: e.emit("Transpose", ins, out, perm=list(n.attrs["dims"])),
    "expand": lambda e, n, ins, out: e.emit("Expand", [ins[0], _ints(e, n.attrs["shape"])], out),
    "softmax": lambda e, n, ins, out: e.emit("Softmax", ins, out, axis=n.attrs["dim"]),
    "log_softmax": lambda e, n, ins, out: e.emit("LogSoftmax", ins, out, axis=n.attrs["dim"]),
    "silu": lambda e, n, ins, out: e.emit("Mul", [ins[0], e.emit("Sigmoid", ins)], out),
    "exp2": lambda e, n, ins, out: e.emit(
        "Pow", [e.constant(np.asarray(2, e.graph.values[n.outputs[0]].dtype)), ins[0]], out
    ),
    "cat": lambda e, n, ins, out: e.emit("Concat", ins, out, axis=n.attrs["dim"]),
    "stack": lambda e, n, ins, out: e.emit(
        "Concat",
        [e.emit("Unsqueeze", [i, _ints(e, [n.attrs["dim"]])]) for i in ins],
        out,
        axis=n.attrs["dim"],
    ),
    "cast": lambda e, n, ins, out: e.emit(
        "Cast", ins, out, to=_onnx_dtype(n.attrs["dtype"].np.name)
    ),
    "ne": lambda e, n, ins, out: e.emit("Not", [e.emit("Equal", e.operands(n))], out),
}
