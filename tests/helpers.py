"""Helpers the test files share: what a call gives and raises in PyTorch and in minigrad, how
much memory a call takes, a saved graph file with its graph.json changed, and a fuzz run in a
child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
import warnings
import zipfile
from pathlib import Path

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


def _outcome_of(lib, code: str):
    try:
        return run_code(lib, code)
    except Exception as exc:  # noqa: BLE001 - the exception type is what is compared
        return exc


def _leaves(out) -> list:
    if isinstance(out, (tuple, list)) and type(out).__name__ != "Size":
        return [leaf for part in out for leaf in _leaves(part)]
    return [out]


def _torch_difference(mine, theirs) -> str | None:
    """How minigrad's outcome differs from PyTorch's, or None when they agree."""
    if isinstance(mine, Exception) or isinstance(theirs, Exception):
        if type(mine).__name__ == type(theirs).__name__:
            return None
        return f"minigrad: {mine!r:.200}; PyTorch: {theirs!r:.200}"
    mine, theirs = _leaves(mine), _leaves(theirs)
    if len(mine) != len(theirs):
        return f"{len(mine)} outputs, PyTorch {len(theirs)}"
    for i, (a, b) in enumerate(zip(mine, theirs)):
        if type(b).__name__ == "Tensor":
            if str(a.dtype).split(".")[-1] != str(b.dtype).split(".")[-1]:
                return f"output {i}: dtype {a.dtype}, PyTorch {b.dtype}"
            x, y = a.detach().cpu().numpy(), b.detach().numpy()
            if x.shape != y.shape:
                return f"output {i}: shape {x.shape}, PyTorch {y.shape}"
            if not np.allclose(x, y, rtol=1e-6, atol=1e-6, equal_nan=True):
                return f"output {i}: {x!r} != {y!r}"
        elif type(b).__name__ in ("Size", "dtype"):
            if str(a).split(".")[-1] != str(b).split(".")[-1] or (
                type(b).__name__ == "Size" and tuple(a) != tuple(b)
            ):
                return f"output {i}: {a} != {b}"
        elif isinstance(b, np.ndarray):
            if not np.array_equal(a, b):
                return f"output {i}: {a!r} != {b!r}"
        elif a != b and not (a != a and b != b):  # noqa: PLR0124 - nan equals nan here
            return f"output {i}: {a!r} != {b!r}"
    return None


def assert_same_as_torch(code: str) -> None:
    """`code` gives in minigrad what it gives in PyTorch: the same values, dtypes and shapes of
    its `out`, or the same exception type."""
    import torch

    import minigrad

    diff = _torch_difference(_outcome_of(minigrad, code), _outcome_of(torch, code))
    assert diff is None, f"{code}\n{diff}"


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


def json_places(tree, at=()):
    """Every place in a JSON tree (dicts and lists), as a tuple of keys and indices."""
    yield at
    items = (
        tree.items()
        if isinstance(tree, dict)
        else enumerate(tree)
        if isinstance(tree, list)
        else ()
    )
    for key, value in items:
        yield from json_places(value, (*at, key))


def fuzz_in_child(test_file: str, *args) -> dict:
    """A hostile-files test file's `fuzz(*args)`, run by that file as a script in a child
    process (its `__main__` block caps the child's address space first): the JSON it prints."""
    import minigrad

    command = [sys.executable, test_file, *map(str, args)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(minigrad.__file__).parents[1]), str(Path(test_file).parent)]
    )
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3000)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
