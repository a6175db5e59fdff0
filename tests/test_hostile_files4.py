"""A seeded fuzzer over the two zip formats minigrad writes (minigrad.save's checkpoints and
static.save's graph files), and the holes it and the hand-made files below found.

The fuzzer takes a small valid file, cuts it at every length and flips random bits in it
(a fixed seed: the same few hundred files on every run), and loads each under the guard of
test_fuzz_loaders (a time limit, a memory bound, no pickle/eval/exec, nothing opened for
writing, only the documented exceptions naming the file). Unlike the hypothesis fuzzers
there, it also checks what a load returns: a file that loads holds what was saved (the
zip CRCs cover every byte that matters), never something else that happens to parse.
"""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile

import numpy as np
import pytest
from test_fuzz_loaders import LOAD_ERRORS, STATIC_ERRORS, _guarded, _members

import minigrad
from minigrad import static
from minigrad.datasets import read_idx

ATTEMPT_SECONDS = 5.0  # a load of a 2 kB file takes milliseconds (the guard stops at 20 s)


# -- the files and what they hold -----------------------------------------------------------
def _state() -> dict:
    w = minigrad.nn.Parameter(minigrad.arange(12.0).reshape(3, 4))
    return {
        "w": w,
        "again": w,
        "steps": minigrad.tensor([1, 2], dtype=minigrad.int64),
        "mask": minigrad.tensor([True, False]),
        "opt": {0: {"momentum": minigrad.zeros(2, requires_grad=True)}, "lr": 0.5},
        "names": ("a", None, True, -3),
    }


def _checkpoint() -> bytes:
    buffer = io.BytesIO()
    minigrad.save(_state(), buffer)
    return buffer.getvalue()


W = minigrad.tensor(np.arange(12.0).reshape(3, 4))
X = minigrad.ones(2, 3, dtype=minigrad.float64)


def _graph_file() -> bytes:
    buffer = io.BytesIO()
    static.trace(lambda x: (x @ W).relu().sum(dim=1), X).save(buffer)
    return buffer.getvalue()


CHECKPOINT, GRAPH = _checkpoint(), _graph_file()
EXPECTED_OUTPUT = ((X @ W).relu().sum(dim=1)).tolist()


def _same(a, b) -> None:
    """a and b are equal trees: same types, tensors with the same dtype, values and flags."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, minigrad.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.requires_grad == b.requires_grad
        assert np.array_equal(a.array, b.array)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


def _check_checkpoint(loaded) -> None:
    _same(loaded, _state())
    assert loaded["w"] is loaded["again"]  # one tensor saved once stays one


def _check_graph(loaded) -> None:
    assert loaded(X).tolist() == EXPECTED_OUTPUT
    (constant,) = loaded.constants.values()
    assert np.array_equal(constant.value(), W.array)


# (load, a valid file's bytes, its name, the documented exceptions, what a load must return)
FORMATS = {
    "minigrad.load": (minigrad.load, CHECKPOINT, "m.pt", LOAD_ERRORS, _check_checkpoint),
    "static.load": (static.load, GRAPH, "m.mgraph", STATIC_ERRORS, _check_graph),
}


def _attempt(fmt: str, data: bytes, folder) -> BaseException | None:
    """Load data as a file of format fmt under the guard; check a success's content."""
    load, _, name, errors, check = FORMATS[fmt]
    path = folder / name
    path.write_bytes(data)
    start = time.perf_counter()
    result, exc = _guarded(load, path, errors)
    assert time.perf_counter() - start < ATTEMPT_SECONDS, f"{len(data)} bytes: {exc!r}"
    if exc is None:
        check(result)
    return exc


def _flipped(data: bytes, rng: np.random.Generator) -> bytes:
    """data with one to three random bits flipped (or, one time in four, a byte set to 0 or
    0xFF: a length field's worst values)."""
    out = bytearray(data)
    for at in rng.integers(0, len(out), int(rng.integers(1, 4))):
        if rng.random() < 0.25:
            out[at] = int(rng.choice([0, 0xFF]))
        else:
            out[at] ^= 1 << int(rng.integers(0, 8))
    return bytes(out)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_cut_file_is_refused_at_every_length(fmt, tmp_path):
    _, data, *_ = FORMATS[fmt]
    assert _attempt(fmt, data, tmp_path) is None
    for n in range(len(data)):
        assert _attempt(fmt, data[:n], tmp_path) is not None, f"{n} of {len(data)} bytes loaded"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_flipped_bits_load_the_saved_content_or_are_refused(fmt, tmp_path):
    _, data, *_ = FORMATS[fmt]
    rng = np.random.default_rng(8)
    outcomes = [_attempt(fmt, _flipped(data, rng), tmp_path) for _ in range(300)]
    loaded = sum(exc is None for exc in outcomes)
    # most bytes of a small zip are names, sizes, offsets and CRC-checked data; some are not
    # read (times, attributes), so some files load, and their content was checked
    assert 0 < loaded < len(outcomes) // 2, loaded


# -- the holes, each on a file made by hand ---------------------------------------------------
def _zip(members: dict[str, bytes], method=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _npy_header(shape) -> bytes:
    """The magic and version 1.0 header of a float64 .npy of this shape (no values)."""
    text = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    text += " " * (-(10 + len(text) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def _checkpoint_of(shape, values: bytes = b"") -> bytes:
    """A checkpoint of one float64 tensor declared with this shape, and these values."""
    meta = {"dtype": "float64", "shape": list(shape), "requires_grad": False, "parameter": False}
    header = {"format": "minigrad", "version": 1, "tensors": [meta], "object": {"tensor": 0}}
    npy = _npy_header(shape) + values
    return _zip({"minigrad.json": json.dumps(header).encode(), "tensors/0.npy": npy})


def _graph_with(change, arrays: dict[str, bytes] | None = None) -> bytes:
    """GRAPH with change(doc) made to its graph.json, and these array members put in."""
    members = _members(GRAPH)
    doc = json.loads(members["graph.json"])
    change(doc)
    members["graph.json"] = json.dumps(doc).encode()
    members.update(arrays or {})
    return _zip(members, zipfile.ZIP_DEFLATED)


def _constant_shape(shape):
    def change(doc):
        (key,) = doc["constants"]
        doc["values"][int(key)][0] = list(shape)

    return change


@pytest.mark.parametrize("shape", [[0, 2**64], [0, 10**30]])
def test_a_checkpoint_shape_past_numpys_range_beside_a_zero_is_refused(tmp_path, shape):
    """A zero size makes the tensor empty, so its bytes (0) passed the size check, and NumPy
    raised OverflowError on the other sizes: a raw error, not minigrad.load's RuntimeError."""
    path = tmp_path / "m.pt"
    path.write_bytes(_checkpoint_of(shape))
    with pytest.raises(RuntimeError, match=f"{path}: tensor 0: shape .* larger than an array"):
        minigrad.load(path)


@pytest.mark.parametrize(
    "change, arrays",
    [  # OverflowError from NumPy; a ValueError naming no file (str() of a 6,000-digit count)
        (_constant_shape([0, 2**64]), {"arrays/0.npy": _npy_header([0, 2**64])}),
        (lambda doc: doc["values"][2].__setitem__(0, [10**3000, 10**3000]), None),
    ],
    ids=["zero-beside-2**64", "3000-digit-sizes"],
)
def test_a_graph_value_shape_past_the_bound_is_refused_naming_the_file(tmp_path, change, arrays):
    path = tmp_path / "m.mgraph"
    path.write_bytes(_graph_with(change, arrays))
    with pytest.raises(ValueError, match=f"{path} is not a valid .* a shape of more than"):
        static.load(path)


def test_an_idx_shape_past_numpys_range_beside_a_zero_names_the_file(tmp_path):
    """NumPy's 'array is too big' ValueError came through without the file's name."""
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3]) + b"\0\0\0\0" + b"\xff\xff\xff\xff" * 2)
    with pytest.raises(ValueError, match=f"read_idx: {path}: its header declares shape"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 8, 3]) + b"\0\0\0\0" + b"\0\0\0\x1c" * 2)  # still read
    assert read_idx(path).shape == (0, 28, 28)


@pytest.mark.parametrize("digit", ["\u00b2", "\u0661"])  # superscript two, Arabic-Indic one
def test_a_constant_id_in_other_digits_is_refused(tmp_path, digit):
    """str.isdigit() took both: int('²') raised a ValueError naming no file, and '١' was
    read as constant 1."""

    def change(doc):
        (key,) = doc["constants"]
        doc["constants"] = {digit: doc["constants"][key]}

    path = tmp_path / "m.mgraph"
    path.write_bytes(_graph_with(change))
    with pytest.raises(ValueError, match=f"{path} .* constants: '{digit}' is not a value id"):
        static.load(path)


def test_bytes_hidden_after_an_arrays_values_are_refused(tmp_path):
    """NumPy reads the values its header declares and ignores what follows: a checkpoint
    carried 60 kB more than it declared and a graph file 4 kB (about what their readers allow
    for a header), and both loaded."""
    path = tmp_path / "m.pt"
    path.write_bytes(_checkpoint_of([2], np.ones(2).tobytes() + bytes(60_000)))
    with pytest.raises(RuntimeError, match=f"{path}: .* 60016 bytes of values; .* needs 16"):
        minigrad.load(path)
    array = _members(GRAPH)["arrays/0.npy"]
    path = tmp_path / "m.mgraph"
    path.write_bytes(_graph_with(lambda doc: None, {"arrays/0.npy": array + bytes(3900)}))
    with pytest.raises(ValueError, match=f"{path} .* 3996 bytes of values; .* needs 96"):
        static.load(path)


def test_each_npy_header_is_parsed_once(tmp_path, monkeypatch):
    """NumPy parses an .npy header as a Python literal, most of the cost of a small array,
    and np.load parsed each header a second time after the check: a checkpoint of 100,000
    empty tensors (33 MB) took 10 s of CPU. The values are now read after the one parse."""
    import ast

    parsed = []
    literal_eval = ast.literal_eval
    monkeypatch.setattr(ast, "literal_eval", lambda text: parsed.append(text) or literal_eval(text))
    path = tmp_path / "m.pt"
    minigrad.save([minigrad.zeros(0), minigrad.ones(2, 3).t(), minigrad.tensor(2.5)], path)
    empty, transposed, scalar = minigrad.load(path)
    assert len(parsed) == 3
    assert transposed.tolist() == [[1.0, 1.0]] * 3 and scalar.item() == 2.5
    assert empty.shape == (0,) and transposed.array.flags.writeable


def test_a_dtype_attribute_that_is_a_list_is_refused(tmp_path):
    """{"dtype": [...]} was looked up in the set of dtype names: TypeError, unhashable list."""
    buffer = io.BytesIO()
    static.trace(lambda x: x.float(), X).save(buffer)
    members = _members(buffer.getvalue())
    doc = json.loads(members["graph.json"])
    (node,) = doc["nodes"]
    node["attrs"]["dtype"] = {"dtype": ["float32"]}
    members["graph.json"] = json.dumps(doc).encode()
    path = tmp_path / "m.mgraph"
    path.write_bytes(_zip(members))
    with pytest.raises(ValueError, match=f"{path} .* unknown attribute encoding 'dtype'"):
        static.load(path)
