"""A class of students for grading tests: correct, partial, and broken in every way we know.

Each entry maps a student folder name to a function that writes that student's submission
into the folder, starting from the released exercise notebook.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import nbformat
from conftest import CHAPTER, code
from nbformat import NotebookNode

GOOD = {
    "relu": "def relu(x):\n    return np.maximum(x, 0)",
    "square": "def square(x):\n    return x * x",
    "mean": "data = np.arange(10.0)\nmu = data.mean()",
}


def cell_of(nb: NotebookNode, grade_id: str) -> NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def answered(exercise: NotebookNode, **overrides: str) -> NotebookNode:
    """The exercise with GOOD answers, except the ones given (None keeps the stub)."""
    nb = copy.deepcopy(exercise)
    for gid, source in {**GOOD, **overrides}.items():
        if source is not None:
            cell_of(nb, gid).source = source
    return nb


def save(nb: NotebookNode, folder: Path, name: str = f"{CHAPTER}.ipynb") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))


def deleted(exercise: NotebookNode) -> NotebookNode:
    nb = answered(exercise)
    nb.cells = [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") not in ("square", "mean_test")
    ]
    return nb


def reordered(exercise: NotebookNode) -> NotebookNode:
    nb = answered(exercise)
    nb.cells = list(reversed(nb.cells))
    return nb


def tampered(exercise: NotebookNode) -> NotebookNode:
    nb = answered(exercise, relu="def relu(x):\n    return x")
    cell_of(nb, "relu_test").source = "assert True  # trust me"
    return nb


def with_helper(exercise: NotebookNode) -> NotebookNode:
    nb = answered(exercise, relu="def relu(x):\n    return clip_low(x)")
    position = nb.cells.index(cell_of(nb, "relu"))
    nb.cells.insert(position, code("def clip_low(x):\n    return np.where(x > 0, x, 0.0)"))
    return nb


def other_chapter(exercise: NotebookNode) -> NotebookNode:
    nb = copy.deepcopy(exercise)
    nb.metadata["minigrad"] = {"chapter": "09_other", "format": 1}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta:
            meta["grade_id"] = "other_" + meta["grade_id"]
    return nb


FORK_BOMB = """\
import os, time
for _ in range(10):  # at most 2**10 processes, each gone after 20 s: bounded on purpose
    try:
        os.fork()
    except OSError:
        pass
time.sleep(20)
def square(x):
    return x * x"""

MEMORY_BOMB = """\
blocks = []
while True:
    blocks.append(bytearray(64 * 2**20))"""

Writer = Callable[[NotebookNode, Path], None]

CLASS: dict[str, tuple[Writer, float, str]] = {
    # name: (writer, expected total, expected status flags, ";"-joined, sorted)
    "perfect": (lambda ex, d: save(answered(ex), d), 6, "ok"),
    "partial": (
        lambda ex, d: save(answered(ex, square="def square(x):\n    return x + x", mean=None), d),
        2,
        "ok",
    ),
    "hidden_fail": (
        lambda ex, d: save(
            answered(ex, relu="def relu(x):\n    return np.where(x > -2, np.maximum(x, 0), x)"), d
        ),
        4,
        "ok",
    ),
    "unattempted": (lambda ex, d: save(ex, d), 0, "unattempted"),
    "syntax": (lambda ex, d: save(answered(ex, relu="def relu(x) return x"), d), 4, "syntax-error"),
    "infinite_loop": (
        lambda ex, d: save(answered(ex, square="while True:\n    pass"), d),
        5,
        "timeout",
    ),
    "os_exit": (
        lambda ex, d: save(answered(ex, square="import os\nos._exit(1)"), d),
        2,
        "kernel-died",
    ),
    "sys_exit": (
        lambda ex, d: save(answered(ex, square="import sys\nsys.exit(3)"), d),
        5,
        "exit-called",
    ),
    "memory_bomb": (lambda ex, d: save(answered(ex, mean=MEMORY_BOMB), d), 3, "memory-limit"),
    "fork_bomb": (lambda ex, d: save(answered(ex, square=FORK_BOMB), d), 2, "process-limit"),
    "big_output": (
        lambda ex, d: save(
            answered(ex, relu="for _ in range(2000):\n    print('x' * 1_000_000)\n" + GOOD["relu"]),
            d,
        ),
        6,
        "output-limit",
    ),
    "deleted": (lambda ex, d: save(deleted(ex), d), 5, "cells-deleted"),
    "reordered": (lambda ex, d: save(reordered(ex), d), 6, "cells-reordered"),
    "tampered": (lambda ex, d: save(tampered(ex), d), 4, "tampered"),
    "helper_cell": (lambda ex, d: save(with_helper(ex), d), 6, "ok"),
    "renamed": (lambda ex, d: save(answered(ex), d, "my homework.ipynb"), 6, "renamed"),
    "missing": (lambda ex, d: d.mkdir(parents=True), 0, "missing"),
    "corrupt": (
        lambda ex, d: (d.mkdir(parents=True), (d / f"{CHAPTER}.ipynb").write_text('{"cells": [')),
        0,
        "corrupt",
    ),
    "empty": (
        lambda ex, d: (d.mkdir(parents=True), (d / f"{CHAPTER}.ipynb").write_bytes(b"")),
        0,
        "empty",
    ),
    "wrong_chapter": (lambda ex, d: save(other_chapter(ex), d), 0, "wrong-chapter"),
}
