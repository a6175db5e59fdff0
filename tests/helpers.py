"""Helpers the test files share: what a call raises in PyTorch and in minigrad, how much
memory a call takes, and a saved graph file with its graph.json changed."""

from __future__ import annotations

import json
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest


def run_code(lib, code: str):
    """Run `code` with `t` bound to the library (minigrad or torch) and `np` to NumPy; return
    the `out` it sets (None if it sets none). Warnings are silenced: only results and errors
    are compared."""
    scope = {"t": lib, "np": np}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, scope)
    return scope.get("out")


def raised_by(lib, code: str) -> BaseException:
    """The exception `run_code(lib, code)` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as info:
        run_code(lib, code)
    return info.value


def assert_raises_as_pytorch(code: str, fragments=()) -> None:
    """`code` raises in minigrad what it raises in PyTorch (the same type, or a subclass), with
    each of `fragments` in minigrad's message."""
    import torch

    import minigrad

    mine, theirs = raised_by(minigrad, code), raised_by(torch, code)
    assert isinstance(mine, type(theirs)), f"{type(mine).__name__} (PyTorch: {theirs!r})"
    for fragment in fragments:
        assert fragment in str(mine), f"{fragment!r} not in {str(mine)!r}"


def peak_bytes(call) -> int:
    """Peak bytes traced while call() runs (its exception, if any, propagates)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def edited_graph_file(tmp_path, graph, edit) -> str:
    """graph saved, and its graph.json changed by edit(doc): the path of the changed file."""
    good, bad = tmp_path / "good.mgraph", tmp_path / "bad.mgraph"
    graph.save(good)
    with zipfile.ZipFile(good) as z:
        doc = json.loads(z.read("graph.json"))
        members = {n: z.read(n) for n in z.namelist() if n != "graph.json"}
    edit(doc)
    with zipfile.ZipFile(bad, "w") as z:  # stored: a long name would pass for a JSON bomb
        z.writestr("graph.json", json.dumps(doc, ensure_ascii=False).encode())
        for member, data in members.items():
            z.writestr(member, data)
    return str(bad)
