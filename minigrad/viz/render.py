"""Text out: SVG (drawn from the pure-Python layout) and DOT (for those with graphviz)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from minigrad.viz.layout import LINE_H, PAD, layout
from minigrad.viz.model import Picture

FILL = {
    "op": "#e8f0fe",
    "input": "#fff4d6",
    "param": "#e3f5e1",
    "const": "#f1f1f1",
    "output": "#fde2e1",
}


def to_svg(pic: Picture) -> str:
    placed, width, height = layout(pic)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        "</defs>",
    ]
    for a, b in pic.arrows:
        parts.append(_arrow(placed[a], placed[b]))
    for box, p in zip(pic.boxes, placed):
        parts.append(_box(box, p))
    parts.append("</svg>")
    return "\n".join(parts)


def _arrow(src, dst) -> str:
    x1, y1 = src.x + src.w / 2, src.y + src.h
    x2, y2 = dst.x + dst.w / 2, dst.y
    bend = max(12.0, (y2 - y1) / 2)
    return (
        f'<path d="M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} '
        f'{x2:.1f},{y2:.1f}" fill="none" stroke="#555" marker-end="url(#arrow)"/>'
    )


def _box(box, p) -> str:
    cx = p.x + p.w / 2
    out = [
        f'<g><rect x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" height="{p.h:.1f}" rx="6" '
        f'fill="{FILL.get(box.kind, FILL["op"])}" stroke="#333"/>',
        f'<text x="{cx:.1f}" y="{p.y + PAD + 10:.1f}" text-anchor="middle" '
        f'font-weight="bold">{escape(box.title)}</text>',
    ]
    for k, line in enumerate(box.lines, 1):
        y = p.y + PAD + 10 + k * LINE_H
        out.append(
            f'<text x="{cx:.1f}" y="{y:.1f}" text-anchor="middle" fill="#333">{escape(line)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def to_dot(pic: Picture) -> str:
    """Graphviz DOT text: `dot -Tsvg graph.dot > graph.svg`."""
    lines = [
        "digraph minigrad {",
        '  node [shape=box, style="rounded,filled", fontname=monospace];',
    ]
    for i, box in enumerate(pic.boxes):
        label = "\\n".join(_dot_escape(t) for t in [box.title, *box.lines])
        lines.append(f'  n{i} [label="{label}", fillcolor="{FILL.get(box.kind, FILL["op"])}"];')
    for a, b in pic.arrows:
        lines.append(f"  n{a} -> n{b};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
