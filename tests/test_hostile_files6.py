"""Hostile files the sweeps of test_hostile_files.py to 5 and test_fuzz_loaders.py left open:
graph files whose view attributes read memory outside an array (as_strided, diagonal and
unfold replay their Function's forward, past the checks of the public function) or whose
conv geometry loops without bound, JSON in UTF-16 or UTF-32 (json.loads takes it, but its
code units fool the pre-scan's count of strings, nesting and values), arrays in the other
byte order, a .gz path given as bytes and a checkpoint open in text mode. Each test below
failed on the code before its fix; what happened then is in its docstring. Every file is
small, written into tmp_path.
"""

from __future__ import annotations

import gzip
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import static
from minigrad.datasets import read_idx
from minigrad_course.notebook import NotebookError, read_notebook


def _graph_file(tmp_path, fn, example, edit) -> str:
    """A graph traced from fn, saved, and its graph.json changed by edit(doc)."""
    good, bad = tmp_path / "good.mgraph", tmp_path / "bad.mgraph"
    static.trace(fn, example).save(good)
    with zipfile.ZipFile(good) as z:
        doc = json.loads(z.read("graph.json"))
        members = {n: z.read(n) for n in z.namelist() if n != "graph.json"}
    edit(doc)
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("graph.json", json.dumps(doc))
        for name, data in members.items():
            z.writestr(name, data)
    return str(bad)


def _declare(doc, shape, *values):
    for v in values:
        doc["values"][v][0] = list(shape)


def _as_strided_past_the_end(doc):
    doc["nodes"][0]["attrs"]["stride"] = {"tuple": [2]}  # elements 0, 2, 4, 6 of 4


def _diagonal_of_one_dim(doc):
    doc["nodes"][0]["attrs"]["dim2"] = 0  # the public function refuses dim1 == dim2
    _declare(doc, [4, 4], 1, 2)


def _unfold_along_a_negative_dim(doc):
    doc["nodes"][0]["attrs"]["dim"] = -1  # shape[:-1] + (count,) + shape[0:]: a dim twice
    _declare(doc, [4, 2, 4, 4, 2], 1, 2)


VIEWS = [
    pytest.param(
        lambda x: x.as_strided((4,), (1,)) * 2, (4,), _as_strided_past_the_end, id="as_strided"
    ),
    pytest.param(lambda x: x.diagonal(0, 0, 1) * 2, (4, 4), _diagonal_of_one_dim, id="diagonal"),
    pytest.param(
        lambda x: x.unfold(1, 2, 2) * 2, (4, 4), _unfold_along_a_negative_dim, id="unfold"
    ),
]


@pytest.mark.parametrize("fn, shape, edit", VIEWS)
def test_a_graph_view_that_reads_outside_its_array_is_refused(tmp_path, fn, shape, edit):
    """A loaded graph replays each Function's forward with the file's attributes; the views
    of as_strided, diagonal and unfold took them as they were: the values came from memory
    after the input's (a stride of 10**6 over 2,000 elements crashed Python with SIGSEGV)."""
    path = _graph_file(tmp_path, fn, minigrad.ones(*shape), edit)
    graph = static.load(path)
    with pytest.raises(RuntimeError, match="outside") as caught:
        graph(minigrad.ones(*shape))
    assert path in str(caught.value)


@pytest.mark.parametrize("fn, shape, edit", VIEWS)
def test_honest_views_still_load_and_run(tmp_path, fn, shape, edit):
    """What held: the saved graph, unchanged, gives what the function gives."""
    x = minigrad.arange(float(np.prod(shape))).reshape(shape)
    path = tmp_path / "g.mgraph"
    static.trace(fn, x).save(path)
    assert static.load(path)(x).tolist() == fn(x).tolist()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.lists(st.integers(0, 6), min_size=1, max_size=3),
    stride=st.lists(st.integers(-3, 8), min_size=3, max_size=3),
    offset=st.integers(-6, 6),
)
def test_fuzz_as_strided_attributes_never_read_outside(size, stride, offset):
    """Any size, stride and offset a file may give as_strided's forward: a view of the input's
    own elements, or a clear error; never a read of other memory."""
    from minigrad.ops.shape import AsStrided
    from minigrad.static.kernels import function_kernel

    x = np.arange(1.5, 13.5).reshape(3, 4)  # no 0.0: memory past an array is often zeros
    attrs = {"size": tuple(size), "stride": tuple(stride[: len(size)]), "offset": offset}
    kernel = function_kernel(AsStrided, attrs, 1, ("places",))
    try:
        view = kernel(x)[0]
    except (RuntimeError, ValueError):
        return
    assert np.isin(view, x).all()  # every value read is one of x's, not another's memory


def _zip(path, member: str, text: str, encoding: str) -> str:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, text.encode(encoding))
    return str(path)


DEEP = '["\u0122", ' + "[" * 50_000 + "]" * 50_000 + "]"  # U+0122: a quote byte in UTF-16


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16", "utf-32"])
def test_json_in_utf16_or_utf32_is_refused_before_parsing(tmp_path, encoding):
    """json.loads reads bytes in UTF-16 and UTF-32 too, whose code units hold the bytes of
    '"' and '[' anywhere (U+0122 is 22 01): the pre-scan, counting ASCII text, took a string
    for the rest of the file. 50,000 '[' deep raised RecursionError out of static.load and
    read_notebook, and a minigrad.json of 7 million values (past MAX_JSON_VALUES) loaded, in
    18 s and 330 MB. JSON is read as UTF-8 only, as minigrad and nbformat write it."""
    graph = _zip(tmp_path / "g.mgraph", "graph.json", DEEP, encoding)
    with pytest.raises(ValueError, match=f"{graph}.*UTF-8"):
        static.load(graph)
    notebook = tmp_path / "n.ipynb"
    notebook.write_bytes(DEEP.encode(encoding))
    with pytest.raises(NotebookError, match=f"{notebook}.*UTF-8"):
        read_notebook(notebook)
    header = {"format": "minigrad", "version": 1, "tensors": [], "object": {"list": [1.5] * 9}}
    checkpoint = _zip(tmp_path / "c.pt", "minigrad.json", json.dumps(header), encoding)
    with pytest.raises(RuntimeError, match=f"{checkpoint}.*UTF-8"):
        minigrad.load(checkpoint)


@pytest.mark.parametrize(
    "make", [minigrad.tensor, minigrad.as_tensor, minigrad.asarray, minigrad.from_numpy]
)
def test_an_array_in_the_other_byte_order_is_a_value_error_as_in_pytorch(tmp_path, make):
    """np.fromfile(path, '>f4') of a big-endian file (IDX, old binary formats) gives an array
    that minigrad does not take: TypeError 'not supported', where PyTorch raises ValueError
    for the byte order (and TypeError for a type it does not have, as minigrad still does)."""
    path = tmp_path / "big-endian.bin"
    path.write_bytes(np.arange(3, dtype=">f4").tobytes())
    with pytest.raises(ValueError, match="byte order"):
        make(np.fromfile(path, ">f4"))
    with pytest.raises(TypeError, match="not supported"):
        make(np.fromfile(path, "S4"))
    assert make(np.fromfile(path, ">f4").astype("=f4")).tolist() == [0.0, 1.0, 2.0]


def test_read_idx_takes_a_gz_path_given_as_bytes(tmp_path):
    """A name that is not UTF-8 comes as bytes from os.listdir(bytes): read_idx looked for
    '.gz' at the end of str(path), "b'...x.gz'", and read the gzip as a raw IDX file ('bad
    magic number'). Such a name, as bytes or as the str os.fsdecode makes, now reads."""
    data = bytes([0, 0, 0x08, 2, 0, 0, 0, 3, 0, 0, 0, 4]) + bytes(range(12))
    path = bytes(tmp_path) + b"/t\xe9l\xe9charg\xe9-idx2-ubyte.gz"  # Latin-1, not UTF-8
    with open(path, "wb") as f:
        f.write(gzip.compress(data))
    for name in (path, os.fsdecode(path)):
        assert read_idx(name).tolist() == [list(range(4)), list(range(4, 8)), list(range(8, 12))]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=_JSON, encoding=st.sampled_from(["utf-16-le", "utf-16-be", "utf-32", "utf-16"]))
def test_fuzz_json_reads_as_utf8_and_only_so(value, encoding):
    """Any JSON value, any text in it (quotes, brackets, escapes, non-ASCII) written as UTF-8
    reads back as it was; written in UTF-16 or UTF-32 it is refused naming the member."""
    from minigrad.serialization import loads_json

    class Refused(ValueError):
        pass

    text = json.dumps(value, ensure_ascii=False)
    read = loads_json(text.encode("utf-8"), "m.json", Refused, max_depth=64)
    assert json.dumps(read, ensure_ascii=False) == text
    with pytest.raises(Refused, match="m.json.*UTF-8"):
        loads_json(text.encode(encoding), "m.json", Refused, max_depth=64)


def test_a_file_open_in_text_mode_says_so(tmp_path):
    """A checkpoint opened with open(path) (text mode) read as 'not a valid minigrad file or
    is truncated/corrupt' (its bytes decoded as UTF-8), and a text file raised TypeError
    'must be str, not bytes' naming nothing (PyTorch: AssertionError 'Expected bytes')."""
    good, text = tmp_path / "ok.pt", tmp_path / "notes.txt"
    minigrad.save({"w": minigrad.ones(2)}, good)
    text.write_text('{"a": 1}\n')
    for path in (good, text):
        with open(path) as f, pytest.raises(TypeError, match=f"{path} is open in text mode"):
            minigrad.load(f)
    with open(good, "rb") as f:
        assert minigrad.load(f)["w"].tolist() == [1.0, 1.0]


def _conv(x):
    return minigrad.nn.functional.conv2d(x, minigrad.ones(1, 1, 3, 3), padding=1)


@pytest.mark.parametrize(
    "geometry, said",
    [
        ([[1024, 1024], [1, 1], [0, 0], [0, 0]], "dilation at least 1"),
        ([[1024, 1024], [1, 1], [512, 512], [1, 1]], "more than 65536 offsets"),
        ([[3, 3], [0, 1], [1, 1], [1, 1]], "stride"),
        ([[0, 3], [1, 1], [1, 1], [1, 1]], "kernel"),
    ],
    ids=["dilation-0", "huge-kernel", "stride-0", "kernel-0"],
)
def test_a_conv_geometry_past_what_make_allows_is_refused(tmp_path, geometry, said):
    """The schema took any size from 0 to 2**20: im2planes loops over the kernel's offsets in
    Python before the replay checks its result's shape, and a 1024 x 1024 kernel at dilation
    0 over a 4 x 4 input loaded and ran for 2 s (the square of the side: 2**14 took minutes).
    A stride of 0 divided by zero. Geometry.make's minimums now hold, and a bound on the
    offsets; an honest conv still loads and runs."""

    def edit(doc):
        doc["nodes"][0]["attrs"]["geom"] = {"geometry": geometry}

    x = minigrad.ones(1, 1, 4, 4)
    path = _graph_file(tmp_path, _conv, x, edit)
    with pytest.raises(ValueError, match=f"{path}.*geom.*{said}"):
        static.load(path)
    assert static.load(tmp_path / "good.mgraph")(x).tolist() == _conv(x).tolist()
