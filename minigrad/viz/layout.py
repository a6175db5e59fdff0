"""A layered layout in pure Python (no graphviz): rows by depth, order by barycenters.

The classic Sugiyama recipe, kept small: (1) each box goes one row below the deepest box
that feeds it, so data flows downwards; (2) boxes in a row are reordered a few times by the
mean position of their neighbours, which removes most crossings; (3) rows are centred.
"""

from __future__ import annotations

from dataclasses import dataclass

from minigrad.viz.model import Picture

CHAR_W, LINE_H, PAD, GAP_X, GAP_Y = 7.2, 15.0, 8.0, 24.0, 36.0


@dataclass
class Placed:
    x: float  # left
    y: float  # top
    w: float
    h: float


def box_size(title: str, lines: list[str]) -> tuple[float, float]:
    width = max(len(t) for t in [title, *lines]) * CHAR_W + 2 * PAD
    return max(width, 48.0), (1 + len(lines)) * LINE_H + 2 * PAD - 4


def rows_by_depth(n: int, arrows) -> list[int]:
    """Row of each box: 1 + the deepest feeder's row; boxes nothing feeds sit above a user."""
    feeders = [[] for _ in range(n)]
    for a, b in arrows:
        feeders[b].append(a)
    row = [-1] * n
    for start in range(n):
        stack = [start]
        while stack:  # iterative: a deep chain must not hit the recursion limit
            i = stack[-1]
            todo = [f for f in feeders[i] if row[f] < 0]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            row[i] = 1 + max((row[f] for f in feeders[i]), default=-1)
    # a box nothing feeds (a leaf: weights, inputs) sits just above its first user, so its
    # arrow is short instead of crossing every row from the top
    users = [[] for _ in range(n)]
    for a, b in arrows:
        users[a].append(b)
    for i in range(n):
        if not feeders[i] and users[i]:
            row[i] = max(0, min(row[u] for u in users[i]) - 1)
    return row


def order_rows(row: list[int], arrows, sweeps: int = 4) -> list[list[int]]:
    """Boxes per row, reordered by the barycenter of their neighbours in the row above/below."""
    rows = [[] for _ in range(max(row, default=-1) + 1)]
    for i, r in enumerate(row):
        rows[r].append(i)
    up = {i: [] for i in range(len(row))}
    down = {i: [] for i in range(len(row))}
    for a, b in arrows:
        down[a].append(b)
        up[b].append(a)
    pos = {b: k for r in rows for k, b in enumerate(r)}
    for sweep in range(sweeps):
        neighbours, sequence = (up, rows[1:]) if sweep % 2 == 0 else (down, rows[-2::-1])
        for boxes in sequence:
            boxes.sort(key=lambda b: _barycenter(b, neighbours, pos))
            pos.update((b, k) for k, b in enumerate(boxes))
    return rows


def _barycenter(box, neighbours, pos) -> float:
    near = neighbours[box]
    return sum(pos[n] for n in near) / len(near) if near else pos[box]


def layout(pic: Picture) -> tuple[list[Placed], float, float]:
    """Positions of every box, and the width and height of the whole drawing."""
    sizes = [box_size(b.title, b.lines) for b in pic.boxes]
    rows = order_rows(rows_by_depth(len(pic.boxes), pic.arrows), pic.arrows)
    widths = [sum(sizes[b][0] for b in r) + GAP_X * (len(r) - 1) for r in rows]
    total_w = max(widths, default=0.0) + 2 * GAP_X
    placed: list[Placed | None] = [None] * len(pic.boxes)
    y = GAP_X / 2
    for r, width in zip(rows, widths):
        x = (total_w - width) / 2
        height = max(sizes[b][1] for b in r)
        for b in r:
            w, h = sizes[b]
            placed[b] = Placed(x, y + (height - h) / 2, w, h)
            x += w + GAP_X
        y += height + GAP_Y
    return placed, total_w, y - GAP_Y + GAP_X / 2
