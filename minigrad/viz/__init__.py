"""Draw computational graphs: `minigrad.viz.draw(tensor_or_graph)` shows SVG inline in Jupyter.

    y = (x * w).sum()
    minigrad.viz.draw(y)            # the autograd graph that made y (ops and shapes)
    y.backward()
    minigrad.viz.draw(y)            # the same, with the leaves' gradients
    minigrad.viz.draw(static.trace(f, x)).save("f.svg")

The layout is computed in pure Python, so no system graphviz is needed; `to_dot()` gives
graphviz text for those who have it.
"""

from __future__ import annotations

from pathlib import Path

from minigrad.tensor import Tensor
from minigrad.viz.model import Picture, from_graph, from_tensor
from minigrad.viz.render import to_dot as _picture_dot
from minigrad.viz.render import to_svg


class Drawing:
    """A drawn graph: shows itself in Jupyter (`_repr_svg_`), `.save(path)`, `.to_dot()`."""

    def __init__(self, picture: Picture):
        self.picture = picture
        self.svg = to_svg(picture)

    def _repr_svg_(self) -> str:
        return self.svg

    def to_dot(self) -> str:
        return _picture_dot(self.picture)

    def save(self, path) -> Path:
        """Write SVG (or DOT text when the name ends in .dot or .gv)."""
        path = Path(path)
        text = self.to_dot() if path.suffix in (".dot", ".gv") else self.svg
        path.write_text(text, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"<Drawing: {len(self.picture.boxes)} boxes, {len(self.picture.arrows)} arrows>"


def _picture(obj, names) -> Picture:
    if isinstance(obj, Tensor):
        return from_tensor(obj, names)
    if hasattr(obj, "nodes") and hasattr(obj, "values"):
        return from_graph(obj)
    raise TypeError(f"draw: expected a Tensor or a minigrad.static Graph, got {type(obj).__name__}")


def draw(tensor_or_graph, names: dict | None = None) -> Drawing:
    """Draw the graph behind a tensor (its grad_fn history) or a static Graph.

    `names` optionally labels leaf tensors, e.g. `dict(model.named_parameters())` inverted:
    `{w: "w", b: "b"}`. After `backward()`, leaves show their gradients.
    """
    if isinstance(names, dict) and names and all(isinstance(k, str) for k in names):
        names = {t: n for n, t in names.items()}  # accept {name: tensor} as well
    return Drawing(_picture(tensor_or_graph, names))


def to_dot(tensor_or_graph, names: dict | None = None) -> str:
    """Graphviz DOT text for a tensor's graph or a static Graph."""
    return draw(tensor_or_graph, names).to_dot()


__all__ = ["Drawing", "draw", "to_dot"]
