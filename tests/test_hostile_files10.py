"""Hostile files the sweeps of test_hostile_files.py to 9 left open: a saved while_loop whose
body's work and reads were counted once, though the body runs up to max_iterations times
(a (4096, 4096) matmul in a body loaded: years a million times over); no count for a node's
call or a graph's inputs and outputs themselves (a body of 2,000 nodes over empty values, or
one passed 32,768 of them, read nothing); a loop trail (the state kept for backward) that
counted empty arrays as 0 bytes; a while_grad that ran as many iterations as its residual
held, past its max_iterations; a graph of 2**17 nodes, which the executor compiled in 1.1
GB; and a .npy header whose descr is () or whose dict has a list for a key (IndexError and
TypeError out of minigrad.load and static.load). Then a fuzz of
checkpoints, graph files and IDX files, mutated, each loaded in a child process under a
memory cap. Each test named `..._is_refused...` or `..._is_a_clear_error` failed on the code
before its fix; what happened then is in its docstring. The others pin what must keep
working.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import math
import random
import resource
import signal
import sys
import traceback
import warnings
import zipfile
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np
import pytest
from helpers import edited_graph_file, fuzz_in_child, json_places

import minigrad
from minigrad import static
from minigrad.datasets import read_idx
from minigrad.static import control


def _graph_json(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("graph.json"))


def _saved_doc(tmp_path, doc: dict) -> Path:
    """A graph file holding doc as its graph.json (and no arrays)."""
    path = tmp_path / "doc.mgraph"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("graph.json", json.dumps(doc))
    return path


# -- 1. a loop's body counts max_iterations times ---------------------------------------------
def _squaring(n, x):
    return static.while_loop(lambda n, x: n > 0, lambda n, x: (n - 1, x @ x), (n, x))[1]


def _declared(doc: dict, shape: list) -> None:
    """Every float32 value of doc and its sub-graphs declared of this shape."""
    for entry in doc["values"]:
        if entry[1] == "float32":
            entry[0] = shape
    for node in doc["nodes"]:
        for attr in node["attrs"].values():
            if isinstance(attr, dict) and "graph" in attr:
                _declared(attr["graph"], shape)


def test_a_loop_body_of_a_large_matmul_is_refused(tmp_path):
    """A body's (4096, 4096) matmul is 2**36 multiply-adds, within MAX_WORK, and the file
    loaded: run a million times (the default bound, the file saying none), years. Now the
    body counts max_iterations times; the caller's smaller bound loads it."""
    graph = static.trace(_squaring, minigrad.tensor(2), minigrad.ones(2, 2))
    path = edited_graph_file(tmp_path, graph, lambda doc: _declared(doc, [4096, 4096]))
    with pytest.raises(ValueError, match=r"nodes\[0\]: its loop's sub-graphs, run max_iter"):
        static.load(path)
    assert static.load(path, max_iterations=10).nodes[0].attrs["max_iterations"] == 10


def test_nested_loops_multiply_their_bounds(tmp_path):
    """A loop of 1,000 iterations inside another: the inner body's (256, 256) matmul runs a
    million times, 2**44 multiply-adds, past MAX_WORK though each loop alone is within it."""

    def nested(n, x):
        def body(n, x):
            return n - 1, static.while_loop(
                lambda m, x: m > 0, lambda m, x: (m - 1, x @ x), (n, x), max_iterations=1000
            )[1]

        return static.while_loop(lambda n, x: n > 0, body, (n, x), max_iterations=1000)[1]

    for side, loads in ((256, False), (64, True)):
        path = tmp_path / f"nested{side}.mgraph"
        static.trace(nested, minigrad.tensor(1), minigrad.eye(side)).save(path)
        if loads:
            assert static.load(path)(minigrad.tensor(3), minigrad.eye(side)).shape == (side, side)
        else:
            with pytest.raises(ValueError, match="run max_iterations=1000 times"):
                static.load(path)


def _loop_doc(n_state: int, body_nodes: int) -> dict:
    """A while_loop over (n, e_1, ..., e_k), e empty float32 arrays: the condition n > 0, the
    body n - 1 and e_1 through a chain of body_nodes negations."""
    k, empty = n_state, [[0], "float32"]
    values = [[[], "int64"]] + [empty] * k
    names = [f"x{i}" for i in range(k + 1)]

    def graph(values, nodes, outputs, structure=None):
        return dict(
            format="minigrad.static.graph", version=2, values=values, inputs=list(range(k + 1)),
            input_names=names, outputs=outputs, structure=structure, nodes=nodes, constants={},
        )  # fmt: skip

    def node(op, inputs, outputs, **attrs):
        return dict(op=op, inputs=inputs, outputs=outputs, attrs=attrs, saves=[])

    cond = graph(values + [[[], "bool"]], [node("gt", [0], [k + 1], b=0)], [k + 1])
    chain, last = [node("sub", [0], [k + 1], b=1)], 1
    for j in range(k + 2, k + 2 + body_nodes):
        chain.append(node("neg", [last], [j]))
        last = j
    outputs = [k + 1, last, *range(2, k + 1)]
    body = graph(values + [[[], "int64"]] + [empty] * body_nodes, chain, outputs, len(outputs))
    ends = list(range(k + 1, 2 * k + 3))  # the final state, and the residual for backward
    loop = node("while_loop", list(range(k + 1)), ends, cond={"graph": cond}, body={"graph": body})
    return graph(values + [[[], "int64"]] + [empty] * k + [[[], "object"]], [loop], [k + 2])


def test_a_loop_body_of_many_nodes_over_empty_values_is_refused(tmp_path):
    """2,000 negations of an empty array read no element, so the file loaded, and a million
    iterations of them would take some 20 minutes (0.6 us a node call). Now each call, and
    each input it is passed, counts as reads too; a hundred iterations load and run."""
    path = _saved_doc(tmp_path, _loop_doc(1, 2000))
    with pytest.raises(ValueError, match="run max_iterations=1000000 times, multiply more"):
        static.load(path)
    graph = static.load(path, max_iterations=100)
    assert graph(minigrad.tensor(100), minigrad.zeros(0)).shape == (0,)


def test_a_loop_over_many_empty_arrays_keeps_a_bounded_trail_or_is_refused(tmp_path, monkeypatch):
    """The trail (the state entering each iteration, kept for backward) counted only the
    arrays' data: 8,192 empty arrays a million times loaded (of 32,768, 200 iterations kept
    188 MB).
    Now such a file is refused (each passed value counts as reads), and the trail counts 128
    bytes for each array, so within a smaller bound the loop stops at MAX_TRAIL_BYTES."""
    with pytest.raises(ValueError, match="run max_iterations=1000000 times"):
        static.load(_saved_doc(tmp_path, _loop_doc(2**13, 0)))
    monkeypatch.setattr(control, "MAX_TRAIL_BYTES", 2**20)  # 7 times 1,025 arrays, 8 bytes
    graph = static.load(_saved_doc(tmp_path, _loop_doc(1024, 0)), max_iterations=1000)
    state = [minigrad.zeros(0)] * 1024
    assert graph(minigrad.tensor(7), *state).shape == (0,)
    with pytest.raises(RuntimeError, match="MemoryError: static.while_loop: after 7 iterations"):
        graph(minigrad.tensor(8), *state)  # before: kept all, up to max_iterations


def _forged_while_grad(k: int, bound: int) -> dict:
    """A while_grad whose residual (what its loop kept: the trail and the captures) is a
    float input r of (2, k, 1) instead: r[0] a 'trail' of k iterations, r[1] k 'captures'.
    Its body passes its state through (no node: a loaded body with one has no traced
    context to differentiate) and takes the k captures."""
    one, names = [[1], "float32"], [f"x{i}" for i in range(k + 1)]

    def graph(values, inputs, nodes, outputs, structure=None):
        return dict(
            format="minigrad.static.graph", version=2, values=values, inputs=inputs,
            input_names=names[: len(inputs)], outputs=outputs, structure=structure,
            nodes=nodes, constants={},
        )  # fmt: skip

    body = graph([one] * (k + 1), list(range(k + 1)), [], [0], 1)
    gt = dict(op="gt", inputs=[0], outputs=[k + 1], attrs={"b": 0}, saves=[])
    cond = graph([one] * (k + 1) + [[[], "bool"]], list(range(k + 1)), [gt], [k + 1])
    attrs = {"cond": {"graph": cond}, "body": {"graph": body}, "max_iterations": bound}
    grad = dict(op="while_grad", inputs=[0, 1], outputs=list(range(2, k + 3)), attrs=attrs)
    return graph(
        [[[2, k, 1], "float32"], one] + [one] * (k + 1), [0, 1], [{**grad, "saves": []}], [2]
    )


def loop_with_gradient(doc: dict, bound: int) -> dict:
    """doc (of _loop_doc) with a while_grad of this max_iterations after its loop, reading
    the loop's residual and the gradients of its final state (the final state itself): the
    graph returns the gradient of the state's second value."""
    doc = copy.deepcopy(doc)
    loop, n = doc["nodes"][0], len(doc["values"])
    passed = loop["inputs"]
    doc["values"] += [doc["values"][v] for v in passed]
    attrs = {**copy.deepcopy(loop["attrs"]), "max_iterations": bound}
    outputs = list(range(n, n + len(passed)))
    *final, residual = loop["outputs"]
    grad = dict(op="while_grad", inputs=[residual, *final], outputs=outputs, attrs=attrs)
    doc["nodes"].append({**grad, "saves": []})
    doc["outputs"] = [n + 1]
    return doc


def test_a_loop_gradient_past_its_bound_is_refused(tmp_path):
    """A while_grad ran as many iterations as its residual held, whatever its
    max_iterations: a forged residual of 1,000 ran 1,000 with a bound of 10, each over its
    1,000 captures (4,000 of each took 24 s: the time grows as the square). Now the trail
    must fit the bound (and be its loop's: test_hostile_files14); within it, the gradient
    runs."""
    doc = _loop_doc(1, 0)
    doc["nodes"][0]["attrs"]["max_iterations"] = 100
    graph = static.load(_saved_doc(tmp_path, loop_with_gradient(doc, 10)))
    with pytest.raises(RuntimeError, match="backward of 50 iterations, more than its max_iter"):
        graph(minigrad.tensor(50), minigrad.zeros(0))
    assert graph(minigrad.tensor(10), minigrad.zeros(0)).shape == (0,)


def test_a_loop_body_passed_many_values_is_refused(tmp_path):
    """The same while_grad of 2**14 iterations over 2**14 captures loaded: its body runs no
    node, and its passed values counted nothing (some 7 minutes to run). Now each input and
    output of a graph counts as a call, and the body's count max_iterations times."""
    with pytest.raises(ValueError, match="run max_iterations=16384 times"):
        static.load(_saved_doc(tmp_path, _forged_while_grad(2**14, 2**14)))


def test_an_rnn_loop_still_loads_with_the_default_bound(tmp_path):
    """The course's RNN over a padded sequence (chapter 8): a handful of small nodes a step,
    far within the bounds a million times over; loaded, it runs as compiled."""
    w_x, w_h = minigrad.randn(3, 6) * 0.5, minigrad.randn(6, 6) * 0.5

    def rnn(xs, length):
        def body(t, h):
            return t + 1, minigrad.tanh(xs[t] @ w_x + h @ w_h)

        start = (minigrad.tensor(0), minigrad.zeros(6))
        return static.while_loop(lambda t, h: t < length, body, start)[1]

    xs, path = minigrad.randn(12, 3), tmp_path / "rnn.mgraph"
    static.trace(rnn, xs, minigrad.tensor(12)).save(path)
    loaded = static.load(path)
    for length in (0, 5, 12):
        expected = static.compile(rnn)(xs, minigrad.tensor(length))
        np.testing.assert_allclose(loaded(xs, minigrad.tensor(length)).numpy(), expected.numpy())


def _chain_doc(n: int) -> dict:
    """A graph of n negations, one after another, of a float32 scalar."""
    nodes = [dict(op="neg", inputs=[k], outputs=[k + 1], attrs={}, saves=[]) for k in range(n)]
    return dict(
        format="minigrad.static.graph", version=2, values=[[[], "float32"]] * (n + 1),
        inputs=[0], input_names=["x"], outputs=[n], structure=None, nodes=nodes, constants={},
    )  # fmt: skip


def test_a_graph_of_a_hundred_thousand_nodes_is_refused(tmp_path):
    """The executor compiles a graph into one Python function of a line per node, ~6 KB
    each in CPython's compiler: a chain of 131,071 nodes (a 0.7 MB file deflated) loaded,
    and loading and running it once took 1.1 GB (2**18 nodes, 2.1 GB). Now a file holds at
    most 2**16 values; a chain of 1,000 loads and runs."""
    path = tmp_path / "chain.mgraph"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("graph.json", json.dumps(_chain_doc(2**17 - 1)))
    with pytest.raises(ValueError, match="its graphs hold more than 65536 values"):
        static.load(path)
    assert static.load(_saved_doc(tmp_path, _chain_doc(1000)))(minigrad.tensor(2.0)).item() == 2.0


# -- 2. a .npy header NumPy parses into an exception that is no ValueError ---------------------
def _npy(header: str, values: bytes = b"") -> bytes:
    """A .npy file (version 1.0) of this header text, padded as NumPy pads it, and values."""
    text = header.encode("latin1")
    head = text + b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + values


BAD_HEADERS = [
    "{'descr': (), 'fortran_order': False, 'shape': (2,), }",  # NumPy: IndexError
    "{'descr': ('<f4',), 'fortran_order': False, 'shape': (2,), }",  # IndexError
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), [1]: 0}",  # TypeError
]


def _replaced(path, name: str, data: bytes) -> None:
    """Member `name` of the zip at path replaced by data (the others kept, in order)."""
    with zipfile.ZipFile(path) as z:
        members = [(n, data if n == name else z.read(n)) for n in z.namelist()]
    with zipfile.ZipFile(path, "w") as z:
        for n, d in members:
            z.writestr(n, d)


@pytest.mark.parametrize("header", BAD_HEADERS)
def test_a_npy_header_numpy_cannot_parse_is_a_clear_error(tmp_path, header):
    """A descr NumPy indexes, or a dict key it cannot hash, raised IndexError or TypeError
    out of minigrad.load and static.load; now their RuntimeError and ValueError, naming the
    member."""
    checkpoint, graph = tmp_path / "w.pt", tmp_path / "g.mgraph"
    minigrad.save({"w": minigrad.ones(2)}, checkpoint)
    _replaced(checkpoint, "tensors/0.npy", _npy(header, bytes(8)))
    with pytest.raises(RuntimeError, match=r"tensors/0.npy is not a valid .npy array"):
        minigrad.load(checkpoint)
    static.trace(lambda x: x + minigrad.ones(2), minigrad.ones(2)).save(graph)
    _replaced(graph, "arrays/0.npy", _npy(header, bytes(8)))
    with pytest.raises(ValueError, match=r"arrays/0.npy is not a valid .npy array"):
        static.load(graph)


# -- 3. the fuzz: valid files mutated, each loaded in a child under a memory cap ----------------
HOSTILE = [
    *(None, True, False, -1, 0, 1, 2, 7, 2**31, 2**63, 2**64, -(2**63), 10**400, 1e308, -0.0),
    *(math.nan, math.inf, "", "float32", "object", "<f4", ">f4", "|b1", "int64", "\ud800"),
    *("\x1b[2J", "x" * 70_000, "tensors/0.npy", "arrays/0.npy", "../0.npy", [], [1], [-1]),
    *([2**31, 2**31], [0, 2**62], [3, 2], [2**16] * 3, {}, {"tensor": 0}, {"tensor": 10**9}),
    *({"list": []}, {"tuple": [1]}, {"dict": [[1, 2]]}, {"ref": [0, True]}, {"graph": {}}),
    *({"odict": [[{"tuple": [1, {"list": []}]}, 2]]}, {"array": "arrays/0.npy"}),
    *({"slice": [None, None, 0]}, {"dtype": "float32"}),
    {"geometry": [[3, 3], [1, 1], [0, 0], [1, 1]]},
]
MEMBER_NAMES = [
    *("../tensors/0.npy", "/tensors/0.npy", "tensors//0.npy", "tensors/0.npy/", "tensors\\0.npy"),
    *("TENSORS/0.npy", "tensors/\uff10.npy", "tensors/00.npy", "tensors/+0.npy", "arrays/0.npy"),
    *("../arrays/0.npy", "/arrays/0.npy", "arrays/00.npy", "graph.json", "minigrad.json"),
    *("a/../graph.json", "./minigrad.json"),
]
NPY_FIELDS = [
    *((), (0,), (2**31, 2**31), (-1,), (10**30,), (1,) * 40, (2,), (3, 2), (2, 3), True, 1.5),
    *("<f4", ">f4", "|O", "<U3", "<V8", "<M8[s]", "<c8", "<f2", "|u1", "<i8", "|b1", ()),
    *([("a", "<f4")], [("a", "<f4", (2**20,))]),
]
BYTES = [0, 0xFF, 0x7F, 0x80, 1]


def _mutated_json(doc, rng) -> bytes:
    """doc with one to three places changed: set to a hostile value, to a copy of another
    part of it, an entry doubled, an int moved by one or 2**31, or a key renamed."""
    doc = json.loads(json.dumps(doc))
    for _ in range(rng.randint(1, 3)):
        places = [p for p in json_places(doc) if p]
        *at, key = rng.choice(places)
        parent = doc
        for step in at:
            parent = parent[step]
        roll, value = rng.random(), parent[key]
        if roll < 0.15:
            *elsewhere, other = rng.choice(places)
            source = doc
            for step in elsewhere:
                source = source[step]
            parent[key] = copy.deepcopy(source[other])
        elif roll < 0.25 and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(value))
        elif roll < 0.35 and type(value) is int:
            parent[key] = value + rng.choice([-1, 1, 2**31, -(2**31)])
        elif roll < 0.4 and isinstance(parent, dict):
            parent[key + "x"] = parent.pop(key)
        else:
            parent[key] = copy.deepcopy(rng.choice(HOSTILE))
    return json.dumps(doc).encode()


def _flipped(data: bytes, rng, most: int = 4) -> bytearray:
    data = bytearray(data)
    for _ in range(rng.randint(1, most) if data else 0):
        data[rng.randrange(len(data))] = rng.choice([*BYTES, rng.randrange(256)])
    return data


def _mutated_npy(data: bytes, rng) -> bytes:
    """A .npy member with one header field changed (its text perhaps cut, its values perhaps
    cut), or bytes changed and perhaps cut."""
    if rng.random() < 0.5:
        buffer = io.BytesIO(data)
        np.lib.format.read_magic(buffer)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(buffer)
        values = data[buffer.tell() :]
        fields = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": fortran}
        fields["shape"] = shape
        fields[rng.choice(list(fields))] = rng.choice(NPY_FIELDS)
        text = repr(fields)[: None if rng.random() < 0.9 else -rng.randint(1, 10)]
        return _npy(text, values[: None if rng.random() < 0.8 else rng.randint(0, len(values))])
    data = _flipped(data, rng)
    return bytes(data[: None if rng.random() < 0.6 else rng.randint(0, len(data))])


def _mutated_zip(data: bytes, header: str, rng) -> bytes:
    """A zip (a checkpoint or graph file) with its JSON header or a .npy member mutated, a
    member renamed, doubled, dropped or the members shuffled; members deflated at random;
    else the archive's bytes changed, and perhaps cut."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(n, z.read(n)) for n in z.namelist()]
    roll, k = rng.random(), rng.randrange(len(members))
    if roll < 0.45:
        members = [(n, _mutated_json(json.loads(d), rng) if n == header else d) for n, d in members]
    elif roll < 0.65 and members[k][0] != header:
        members[k] = (members[k][0], _mutated_npy(members[k][1], rng))
    elif roll < 0.72:
        members[k] = (rng.choice(MEMBER_NAMES), members[k][1])
    elif roll < 0.78:
        members.insert(rng.randrange(len(members) + 1), members[k])
    elif roll < 0.82:
        members.pop(k)
    elif roll < 0.86:
        rng.shuffle(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a doubled name warns
        for name, member in members:
            method = zipfile.ZIP_DEFLATED if rng.random() < 0.3 else zipfile.ZIP_STORED
            z.writestr(zipfile.ZipInfo(name), member, method)
    if roll < 0.86:
        return buffer.getvalue()
    out = _flipped(buffer.getvalue(), rng)
    return bytes(out[: None if rng.random() < 0.7 else rng.randint(0, len(out))])


def _mutated_idx(data: bytes, rng) -> tuple[bytes, bool]:
    """An IDX file with a header byte or a dim changed, cut or extended; gzipped one time in
    two (the gzip then perhaps damaged, followed by empty members, or cut). (data, gzipped)"""
    data, roll = bytearray(data), rng.random()
    if roll < 0.4:
        data[rng.choice(range(2, 16))] = rng.choice([*BYTES, 8, 9, 0x0B, 0x0C, 0x0D, 0x0E])
    elif roll < 0.6:
        at = 4 + 4 * rng.randrange(3)
        size = rng.choice([0, 1, 2**16, 2**31, 2**32 - 1, rng.randrange(2**32)])
        data[at : at + 4] = size.to_bytes(4, "big")
    elif roll < 0.8:
        data = data[: rng.randint(0, len(data))]
    else:
        data += bytes(rng.randrange(1, 64))
    if rng.random() < 0.5:
        return bytes(data), False
    packed = gzip.compress(bytes(data))
    packed = bytes(_flipped(packed, rng, 1)) if rng.random() < 0.3 else packed
    packed += gzip.compress(b"") * (rng.randint(1, 100) if rng.random() < 0.2 else 0)
    return packed[: None if rng.random() < 0.8 else rng.randint(0, len(packed))], True


def _count_down(n, x):
    return static.while_loop(lambda n, x: n > 0, lambda n, x: (n - 1, x * 0.5 + 1), (n, x))[1]


def _model(n, x, w):
    """An MLP layer, a cond and a while_loop: the graph file the fuzz mutates."""
    y = minigrad.relu(x @ w).sum(dim=1)
    z = static.cond(y.sum() > 0, lambda y: y * 2, lambda y: y - 1, (y,))
    return _count_down(n, z)[1:] + x[0, :2].sum()


def _valid_files(folder: Path) -> dict:
    """The three kinds of file the fuzz mutates, as bytes."""
    w = minigrad.nn.Parameter(minigrad.randn(3, 2))
    model = OrderedDict(w=w, b=minigrad.arange(4), m=minigrad.ones(2, 2, dtype=minigrad.bool))
    minigrad.save(
        {
            "model": model,
            "optimizer": {0: {"step": 3, "exp": (w, [1.5, None, "s"])}},
            "fortran": minigrad.randn(2, 3).t(),
            "half": minigrad.zeros(2, dtype=minigrad.float16),
        },
        folder / "valid.pt",
    )
    examples = (minigrad.tensor(2), minigrad.randn(4, 3), minigrad.randn(3, 3))
    static.trace(_model, *examples).save(folder / "valid.mgraph")
    dims = b"".join(n.to_bytes(4, "big") for n in (3, 4, 5))
    return {
        "checkpoint": (folder / "valid.pt").read_bytes(),
        "graph": (folder / "valid.mgraph").read_bytes(),
        "idx": b"\0\0\x08\x03" + dims + bytes(range(60)),
    }


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout


def _causes(exc):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def _run(graph) -> str:
    """A loaded graph called on ones of its inputs' declared types ("ran"), unless they are
    large ("skipped"); a failure must be the RuntimeError naming the file ("run refused")."""
    inputs = []
    for v in graph.inputs:
        info = graph.values[v]
        if math.prod(info.shape) > 2**16:
            return "skipped"
        inputs.append(minigrad.from_numpy(np.ones(info.shape, info.dtype)))
    try:
        graph(*inputs)
    except RuntimeError as exc:
        return (
            "run MemoryError"
            if any(isinstance(e, MemoryError) for e in _causes(exc))
            else "run refused"
        )
    return "ran"


def fuzz(kind: str, seed: int, cases: int, folder: Path) -> dict:
    """Outcomes of `cases` mutations of a valid file of this kind, loaded (graphs then run):
    counts by outcome, and the traceback of each that raised anything but the loader's
    error, ran out of memory or ran past 20 s (its file kept in folder)."""
    rng, valid = random.Random(seed), _valid_files(folder)
    loaders = {
        "checkpoint": ("case.pt", RuntimeError, minigrad.load),
        "graph": ("case.mgraph", ValueError, static.load),
        "idx": ("case", ValueError, read_idx),
    }
    name, error, load = loaders[kind]
    outcomes, bad = Counter(), []
    signal.signal(signal.SIGALRM, _on_alarm)
    for i in range(cases):
        if kind == "idx":
            data, packed = _mutated_idx(valid["idx"], rng)
            name = "case.gz" if packed else "case"
        else:
            data = _mutated_zip(
                valid[kind], {"graph": "graph.json"}.get(kind, "minigrad.json"), rng
            )
        path = folder / name
        path.write_bytes(data)
        signal.alarm(20)
        try:
            loaded = load(path)
            outcome = _run(loaded) if kind == "graph" else "loaded"
        except error as exc:
            outcome = "refused"
            if any(isinstance(e, MemoryError) for e in _causes(exc)):
                outcome = "MemoryError (bad)"
        except BaseException as exc:  # noqa: BLE001 - every other outcome is reported
            outcome = f"{type(exc).__name__} (bad)"
            (folder / f"bad-{kind}-{seed}-{i}").write_bytes(data)
            bad.append(f"case {i}: " + "".join(traceback.format_exception(exc))[-2000:])
        finally:
            signal.alarm(0)
        outcomes[outcome] += 1
    return {"outcomes": dict(outcomes), "bad": bad}


MEMORY_CAP = 2 * 2**30  # address space of the child: NumPy and minigrad take ~150 MB


@pytest.mark.parametrize("kind", ["checkpoint", "graph", "idx"])
def test_fuzz_loaders(tmp_path, kind):
    result = fuzz_in_child(__file__, kind, 0, 150, tmp_path)
    assert not result["bad"], "\n".join(result["bad"])
    assert sum(result["outcomes"].values()) == 150
    assert result["outcomes"].get("refused", 0) > 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["checkpoint", "graph", "idx"])
def test_fuzz_loaders_long(tmp_path, kind):
    result = fuzz_in_child(__file__, kind, 1, 3000, tmp_path)
    assert not result["bad"], "\n".join(result["bad"])


if __name__ == "__main__":  # the child of helpers.fuzz_in_child: kind seed cases folder
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    kind, seed, cases, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    print(json.dumps(fuzz(kind, seed, cases, Path(folder))))
