"""The picture's content: boxes and arrows, taken from a tensor's autograd graph or a Graph.

Both sources become the same small description (`Picture`), so layout and rendering never
need to know where a graph came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from minigrad.tensor import Tensor


@dataclass
class Box:
    """One node of the drawing: a title (the op), detail lines (shape, grad) and a kind."""

    title: str
    lines: list[str] = field(default_factory=list)
    kind: str = "op"  # "op", "input", "param", "const", "output"


@dataclass
class Picture:
    boxes: list[Box] = field(default_factory=list)
    arrows: list[tuple[int, int]] = field(default_factory=list)  # (from, to), data flow

    def add(self, box: Box) -> int:
        self.boxes.append(box)
        return len(self.boxes) - 1


def shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def grad_text(grad) -> str:
    """A gradient in one line: its values when small, else its norm."""
    array = grad.array if isinstance(grad, Tensor) else grad
    array = np.asarray(array if isinstance(array, np.ndarray) else array.get())
    if array.size <= 4:
        return "grad " + np.array2string(array.reshape(-1), precision=3, separator=", ")
    return f"grad |g|={float(np.sqrt((array.astype(np.float64) ** 2).sum())):.4g}"


def _tensor_lines(t: Tensor) -> list[str]:
    lines = [f"{shape_text(t.array.shape)} {t.dtype.name}"]
    if t._grad is not None:
        lines.append(grad_text(t._grad))
    return lines


def from_tensor(root: Tensor, names: dict | None = None) -> Picture:
    """The autograd graph that produced `root`: leaves, the ops (grad_fn nodes), the output.

    Arrows follow the data (leaf -> op -> result). `names` maps tensors to labels (e.g. the
    parameters of a module) so a leaf reads `w1` rather than `leaf`.
    """
    names = {id(t): n for t, n in (names or {}).items()}
    pic = Picture()
    out = pic.add(Box(names.get(id(root), "output"), _tensor_lines(root), "output"))
    if root.grad_fn is None:
        pic.boxes[out].kind = "input"
        return pic
    seen: dict[int, int] = {}
    stack = [(root.grad_fn, out, root.array.shape)]
    while stack:
        node, consumer, shape = stack.pop()
        key = id(node)
        if key not in seen:
            seen[key] = pic.add(_box_for_node(node, shape, names))
            for edge in node._edges:
                if edge is not None:
                    stack.append((edge[0], seen[key], edge[2]))
        pic.arrows.append((seen[key], consumer))
    pic.arrows = list(dict.fromkeys(pic.arrows))
    return pic


def _box_for_node(node, shape, names) -> Box:
    """A grad_fn node as its op and output shape (edges into a node carry that shape)."""
    variable = getattr(node, "variable", None)
    if variable is not None:  # AccumulateGrad: draw the leaf tensor itself
        kind = "param" if id(variable) in names else "input"
        return Box(names.get(id(variable), "leaf"), _tensor_lines(variable), kind)
    meta = getattr(node, "_out_meta", None)
    shapes = [s for s, _ in meta] if meta else [shape]
    return Box(type(node).__name__, [" ".join(shape_text(s) for s in shapes)])


def from_graph(graph) -> Picture:
    """A static Graph (minigrad.static): inputs, constants, nodes and outputs."""
    pic = Picture()
    where: dict[int, int] = {}
    for i, vid in enumerate(graph.inputs):
        info = graph.values[vid]
        where[vid] = pic.add(
            Box(graph.input_names[i], [f"{shape_text(info.shape)} {info.dtype}"], "input")
        )
    for node in graph.nodes:
        infos = [graph.values[v] for v in node.outputs]
        lines = [" ".join(f"{shape_text(v.shape)} {v.dtype}" for v in infos)]
        lines += [f"{k}={_short(v)}" for k, v in node.attrs.items() if _shown(v)]
        box = pic.add(Box(node.op, lines))
        for vid in node.inputs:
            if vid is None:
                continue
            if vid not in where:
                where[vid] = pic.add(_const_box(graph, vid))
            pic.arrows.append((where[vid], box))
        for vid in node.outputs:
            where[vid] = box
    for i, vid in enumerate(graph.outputs):
        if vid not in where:
            where[vid] = pic.add(_const_box(graph, vid))
        info = graph.values[vid]
        out = pic.add(Box(f"output {i}", [f"{shape_text(info.shape)} {info.dtype}"], "output"))
        pic.arrows.append((where[vid], out))
    return pic


def _const_box(graph, vid) -> Box:
    const = graph.constants[vid]
    info = graph.values[vid]
    kind = "param" if const.requires_grad else "const"
    title = const.name or ("param" if const.requires_grad else "const")
    lines = [f"{shape_text(info.shape)} {info.dtype}"]
    if info.shape == () and const.frozen:
        lines = [f"{const.value().item():.4g}"]
    return Box(title, lines, kind)


def _shown(value) -> bool:
    return not isinstance(value, np.ndarray) and len(_short(value)) <= 24


def _short(value) -> str:
    return repr(value).replace("np.float", "float")
