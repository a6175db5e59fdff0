"""Property-based fuzzing of every reader of a file that a user or a download provides.

The readers (everything in minigrad and minigrad_course that parses bytes it did not write
in the same run):

- `minigrad.load` (torch.load's place; a path or a binary file object): a zip of a JSON
  header and .npy members. Documented: RuntimeError naming the file.
- `minigrad.static.load`: a zip of graph.json and .npy constants. Documented: ValueError
  naming the file.
- `minigrad.datasets.read_idx` (raw and .gz) and `load_mnist` (a folder of four of them).
  Documented: ValueError naming the file.
- `minigrad_course.notebook.read_notebook`: an .ipynb (a student's sheet for `check` and
  `progress`, a release for `grade --accept-release`). Documented: NotebookError naming
  the file.
- `minigrad_course.grade.load_submission` (the grader's own reading of a returned notebook,
  from bytes read once): it never raises, it flags the submission `corrupt`.

Not readers of user files: `datasets.load_digits` (scikit-learn's bundled copy),
`make_moons` / `make_spirals` (generated), `minigrad.data` / `utils.data` (in-memory
datasets only).

Each test writes a small valid file, applies a drawn list of mutations (byte edits, and
edits that know the format: JSON values, duplicate keys, .npy headers, zip entry names,
symlink entries, gzip members, IDX dims) and checks the property in `_guarded`: the reader
returns a valid result or raises its documented exception naming the file, within a time
limit, with a bounded peak of traced memory, without calling pickle, exec or eval and
without opening anything for writing. Hypothesis runs derandomized with a bounded number of
examples; the `slow` variants run many more (`pytest -m slow tests/test_fuzz_loaders.py`).
"""

from __future__ import annotations

import builtins
import gzip
import io
import json
import os
import pickle
import stat
import struct
import tempfile
import threading
import tokenize
import tracemalloc
import types
import warnings
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import static
from minigrad.datasets import load_mnist, read_idx
from minigrad.static.graph import Graph
from minigrad_course import grade
from minigrad_course import notebook as nbf

_QUICK = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=60, **_QUICK)  # the default run: about a second per loader
LONG = settings(max_examples=1500, **_QUICK)  # -m slow
TIME_LIMIT = 20.0  # seconds for one load; a valid one takes milliseconds
MEMORY_SLACK = 16 * 2**20  # imports, zlib state, read buffers: no reader needs more here


# -- the guard ------------------------------------------------------------------------------
class _Forbidden(BaseException):
    """Raised by a patched pickle/exec/eval/open-for-writing: the reader must never get here."""


def _forbid(name):
    def call(*args, **kwargs):
        raise _Forbidden(f"the reader called {name}")

    return call


def _writing(mode) -> bool:
    return isinstance(mode, str) and any(c in mode for c in "wax+")


def _guarded(load, path, errors, size=None, name=None, allow_exec=False):
    """load(path) under the fuzz properties; returns (result, None) or (None, exception).

    Fails the test when the reader blocks, raises anything but `errors` (or raises one
    without naming `name`, by default `path`), allocates more than 10x the file's size plus
    MEMORY_SLACK, reaches pickle, eval or (unless allow_exec) exec of anything but a module's
    code, or opens a file for writing.
    """
    if size is None:
        size = _size(path)
    real_open, real_os_open = builtins.open, os.open

    def open_read_only(file, mode="r", *args, **kwargs):
        if _writing(mode):
            raise _Forbidden(f"the reader opened {file!r} with mode {mode!r}")
        return real_open(file, mode, *args, **kwargs)

    def os_open_read_only(file, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
            raise _Forbidden(f"the reader opened {file!r} for writing")
        return real_os_open(file, flags, *args, **kwargs)

    real_exec = builtins.exec

    def exec_modules_only(code, *args, **kwargs):
        # an import's first use of a module (encodings.utf_8_sig) runs its code object
        if not allow_exec and not (
            isinstance(code, types.CodeType) and os.path.isfile(code.co_filename)
        ):
            raise _Forbidden(f"the reader called exec on {code!r:.80}")
        return real_exec(code, *args, **kwargs)

    patches = [
        (pickle, "load", _forbid("pickle.load")),
        (pickle, "loads", _forbid("pickle.loads")),
        (pickle, "Unpickler", _forbid("pickle.Unpickler")),
        (builtins, "exec", exec_modules_only),
        (builtins, "eval", _forbid("eval")),
        (builtins, "open", open_read_only),
        (io, "open", open_read_only),
        (os, "open", os_open_read_only),
    ]
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in patches]
    outcome = []

    def run():
        try:
            outcome.append((load(path), None))
        except BaseException as exc:  # judged below, in the test's thread
            outcome.append((None, exc))

    tracemalloc.start()
    for owner, attr, replacement in patches:
        setattr(owner, attr, replacement)
    try:
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(TIME_LIMIT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)
        tracemalloc.stop()
    assert outcome, f"{load.__name__}({path}) still runs after {TIME_LIMIT} s"
    result, exc = outcome[0]
    bound = 10 * size + MEMORY_SLACK
    assert peak <= bound, f"{load.__name__}: peak {peak} bytes for a {size}-byte file ({exc!r})"
    if isinstance(exc, _Forbidden):
        raise AssertionError(str(exc))
    _documented(load, exc, errors, str(path) if name is None else name)
    return result, exc


def _documented(load, exc, errors, name):
    """exc is None, or one of `errors` whose message names the file."""
    if exc is None:
        return
    # RuntimeErrors, but never a documented one
    odd = (RecursionError, NotImplementedError)
    if not isinstance(exc, errors) or isinstance(exc, odd):
        raise AssertionError(f"{load.__name__}: undocumented {exc!r}") from exc
    assert name in str(exc), f"{load.__name__}: {exc!r} does not name {name}"


def _size(path) -> int:
    if isinstance(path, io.BytesIO):
        return len(path.getvalue())
    try:
        return os.stat(path).st_size if stat.S_ISREG(os.stat(path).st_mode) else 0
    except OSError:
        return 0


# -- mutations of bytes ---------------------------------------------------------------------
# values that break length fields: 0, -1 (all ones), the sign bit, 2**31 - 1, small
FIELDS = [b"\0\0\0\0", b"\xff\xff\xff\xff", b"\0\0\0\x80", b"\x80\0\0\0", b"\xff\xff\xff\x7f"]
FIELDS += [b"\x7f\xff\xff\xff", b"\x01", b"\xff\xff", b"\0" * 8, b"\xff" * 8]

BYTE_EDIT = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 2**20), st.integers(0, 7)),
    st.tuples(st.just("cut"), st.integers(0, 2**20)),
    st.tuples(st.just("insert"), st.integers(0, 2**20), st.binary(min_size=1, max_size=24)),
    st.tuples(st.just("set"), st.integers(0, 2**20), st.sampled_from(FIELDS)),
    st.tuples(st.just("delete"), st.integers(0, 2**20), st.integers(1, 64)),
)
BYTE_EDITS = st.lists(BYTE_EDIT, min_size=1, max_size=4)


def _edit(data: bytes, edits) -> bytes:
    data = bytearray(data)
    for kind, at, *arg in edits:
        at %= len(data) + 1
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << arg[0]
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = arg[0]
        elif kind == "set":
            data[at : at + len(arg[0])] = arg[0]
        elif kind == "delete":
            del data[at : at + arg[0]]
    return bytes(data)


# -- mutations of JSON ----------------------------------------------------------------------
class Raw(str):
    """JSON text put in as it is (a number past the float range, deep nesting)."""


class Pairs(list):
    """A JSON object as its (key, value) pairs, so that a key can be there twice."""


def _parse(data: bytes):
    return json.loads(data, object_pairs_hook=Pairs)


def _dump(v) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, Pairs):
        return "{" + ",".join(f"{json.dumps(k)}:{_dump(x)}" for k, x in v) + "}"
    if isinstance(v, list):
        return "[" + ",".join(_dump(x) for x in v) + "]"
    return json.dumps(v)  # NaN and Infinity as Python writes them


DTYPE_STRINGS = ["O", "|O", "object", "V8", "|V4", "<U3", "U", "S1", "float32", ">f4", "<f4"]
DTYPE_STRINGS += ["<f8", "f16", "complex64", "M8[s]", "m8", "int64", "bool", "b1", "float128"]
DTYPE_STRINGS += ["[('a', '<f4')]", "", " ", "float32\0", "FLOAT32"]
ODD_NAMES = ["", "../x", "/etc/passwd", "a/../../b", "C:\\x", "\0", "é", "e\u0301", "\u202e"]
ODD_NAMES += ["\ud800", "\ufeffw", "w" * 300, "__class__", "tensors/0.npy", "arrays/0.npy"]
HOSTILE = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    -(2**63),
    2**64 + 1,
    10**30,
    0.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    -0.0,
    1e308,
    Raw("1e999"),
    Raw("-1e999"),
    Raw("1" * 5000),  # past int's default 4300-digit limit
    Raw("[" * 3000 + "]" * 3000),
    Raw('{"a":' * 1000 + "0" + "}" * 1000),
    Raw("[" + ",".join(["{}"] * 5000) + "]"),
    [],
    [[]],
    [-1],
    [0],
    [0, 0],
    [2**40, 2**40],
    [3, -4],
    [1] * 40,
    [2**31] * 3,
    Pairs(),
    Pairs([("dict", [])]),
    Pairs([("list", [])]),
    Pairs([("tuple", [Pairs([("tensor", 0)])])]),
    Pairs([("tensor", 0)]),
    Pairs([("tensor", -1)]),
    Pairs([("tensor", 10**6)]),
    Pairs([("dict", [[Pairs([("list", [])]), 1]])]),
    Pairs([("array", "arrays/0.npy")]),
    Pairs([("array", "../../etc/passwd")]),
    Pairs([("graph", Pairs())]),
    Pairs([("ref", [0, True])]),
    Pairs([("dtype", "O")]),
    Pairs([("slice", [None, 2**70, -1])]),
    *DTYPE_STRINGS,
    *ODD_NAMES,
]


def _paths(tree, at=()):
    """Every place in a parsed JSON tree: the tree itself, each member and each element."""
    yield at
    items = tree if isinstance(tree, Pairs) else enumerate(tree) if isinstance(tree, list) else []
    for key, v in list(items):
        yield from _paths(v, (*at, key))


def _get(tree, at):
    for key in at:
        tree = dict(tree)[key] if isinstance(tree, Pairs) else tree[key]
    return tree


def _put(tree, at, value):
    """tree with the value at `at` replaced (a copy along the way)."""
    if not at:
        return value
    key, rest = at[0], at[1:]
    if isinstance(tree, Pairs):
        return Pairs((k, _put(v, rest, value) if k == key else v) for k, v in tree)
    copy = list(tree)
    copy[key] = _put(copy[key], rest, value)
    return copy


def json_edits(tree):
    """Edits of one parsed JSON document: replace, delete, duplicate a key, add an odd key."""
    places = list(_paths(tree))
    objects = [p for p in places if isinstance(_get(tree, p), Pairs)]
    value = st.sampled_from(HOSTILE)
    edit = st.one_of(
        st.tuples(st.just("replace"), st.sampled_from(places), value),
        st.tuples(st.just("wrap"), st.sampled_from(places), st.sampled_from(["list", "dict"])),
        st.tuples(st.just("delete"), st.sampled_from(places[1:] or places), st.none()),
        st.tuples(st.just("twice"), st.sampled_from(objects), value),
        st.tuples(
            st.just("add"), st.sampled_from(objects), st.tuples(st.sampled_from(ODD_NAMES), value)
        ),
    )
    return st.lists(edit, min_size=1, max_size=3)


def _json_apply(tree, edits):
    for kind, at, arg in edits:
        try:
            old = _get(tree, at)
        except (KeyError, IndexError, TypeError):  # an earlier edit moved it
            continue
        if kind == "replace":
            tree = _put(tree, at, arg)
        elif kind == "wrap":
            tree = _put(tree, at, [old] if arg == "list" else Pairs([("dict", old)]))
        elif kind == "delete" and at:
            parent = _get(tree, at[:-1])
            if isinstance(parent, Pairs):
                kept = Pairs((k, v) for k, v in parent if k != at[-1])
            else:
                kept = [v for i, v in enumerate(parent) if i != at[-1]]
            tree = _put(tree, at[:-1], kept)
        elif kind == "twice" and isinstance(old, Pairs) and old:
            tree = _put(tree, at, Pairs([*old, (old[0][0], arg)]))
        elif kind == "add" and isinstance(old, Pairs):
            tree = _put(tree, at, Pairs([*old, arg]))
    return _dump(tree).encode("utf-8", "surrogatepass")


# -- mutations of .npy members --------------------------------------------------------------
NPY_SHAPES = [(), (0,), (-1,), (3, -4), (2**62, 2**62), (2**31,), (1,) * 64, (0, 2**63)]
NPY_SHAPES += ["(3, 4)", None, [3, 4], (3.0, 4), (True,)]
NPY_HEADERS = [
    "__import__('os').system('touch pwned')",
    "{}",
    "[1, 2]",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'extra': 1, }",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'shape': (9,), }",
    "{'descr': '<f8', " * 3000 + "}",
    "(" * 200 + ")" * 200,
    "{'descr': [('a', 'O')], 'fortran_order': False, 'shape': (1,), }",
]
NPY_EDIT = st.one_of(
    st.tuples(st.just("descr"), st.sampled_from(DTYPE_STRINGS)),
    st.tuples(st.just("shape"), st.sampled_from(NPY_SHAPES)),
    st.tuples(st.just("fortran_order"), st.sampled_from([True, "yes", None, 1])),
    st.tuples(st.just("version"), st.sampled_from([(2, 0), (3, 0), (9, 9), (0, 0), (1, 1)])),
    st.tuples(st.just("length"), st.sampled_from([0, 1, 0xFFFF, 2**32 - 1])),
    st.tuples(st.just("header"), st.sampled_from(NPY_HEADERS)),
    st.tuples(st.just("data"), BYTE_EDITS),
)
NPY_EDITS = st.lists(NPY_EDIT, min_size=1, max_size=3)


def _npy_apply(data: bytes, edits) -> bytes:
    """An .npy file rebuilt from data's header and values with the edits made."""
    buf = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buf)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf)
    except (ValueError, SyntaxError, tokenize.TokenError):  # an earlier edit broke it
        return data
    fields = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": fortran}
    fields["shape"] = shape
    values, header, length = buf.read(), None, None
    for kind, arg in edits:
        if kind in fields:
            fields[kind] = arg
        elif kind == "version":
            version = arg
        elif kind == "length":
            length = arg
        elif kind == "header":
            header = arg
        elif kind == "data":
            values = _edit(values, arg)
    if header is None:
        header = "{" + "".join(f"{k!r}: {v!r}, " for k, v in fields.items()) + "}"
    text = header.encode("latin1", "replace")
    small = version[0] == 1
    pad = -(6 + 2 + (2 if small else 4) + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    if length is None:
        length = len(text)
    field = struct.pack("<H" if small else "<I", length & (0xFFFF if small else 0xFFFFFFFF))
    return b"\x93NUMPY" + bytes(version) + field + text + values


# -- mutations of zip archives --------------------------------------------------------------
SYMLINK = (stat.S_IFLNK | 0o777) << 16
ZIP_NAMES = ["../{}", "/{}", "{}/", "./{}", "{}\0", "{}\\..\\x", "../../../../tmp/{}"]
ZIP_NAMES += ["{}", "{} ", "é{}", "e\u0301{}", "tensors/../{}", "\u202e{}", "{}{}", "{}/{}"]
# a zip name is bytes: a lone surrogate cannot be one
ZIP_ODD_NAMES = [n for n in ODD_NAMES if "\ud800" not in n] + ["x/../../y"]


def zip_edits(members: dict[str, bytes], content_edits):
    """Edits of an archive: a member's content (`content_edits(name)`: a strategy for that
    member's edits), its name, its method, a symlink or a directory in its place, a copy,
    a member dropped or added, a bomb; and byte edits of the archive afterwards."""
    names = sorted(members)
    index = st.sampled_from(names)
    edit = st.one_of(
        index.flatmap(lambda n: st.tuples(st.just("content"), st.just(n), content_edits(n))),
        st.tuples(st.just("rename"), index, st.sampled_from(ZIP_NAMES)),
        st.tuples(st.just("method"), index, st.sampled_from([0, 8, 12, 14])),
        st.tuples(
            st.just("symlink"), index, st.sampled_from([b"/dev/zero", b"../../x", b"/etc/passwd"])
        ),
        st.tuples(st.just("twice"), index, st.none()),
        st.tuples(st.just("drop"), index, st.none()),
        st.tuples(st.just("add"), st.sampled_from(ZIP_ODD_NAMES), st.binary(max_size=32)),
        st.tuples(st.just("bomb"), index, st.sampled_from([2**20, 2**24 + 2**20])),
    )
    return st.tuples(st.lists(edit, min_size=1, max_size=3), st.one_of(st.just([]), BYTE_EDITS))


def _zip_apply(members: dict[str, bytes], plan, content_apply, method=zipfile.ZIP_STORED):
    """The archive's bytes after the plan (member edits, then byte edits of the whole)."""
    edits, byte_edits = plan
    entries = [[name, data, method, 0] for name, data in members.items()]
    for kind, name, arg in edits:
        hits = [e for e in entries if e[0] == name]
        if kind == "add":
            entries.append([name, arg, method, 0])
        if not hits:
            continue
        entry = hits[0]
        if kind == "content":
            entry[1] = content_apply(name, entry[1], arg)
        elif kind == "rename":
            entry[0] = arg.replace("{}", name)
        elif kind == "method":
            entry[2] = arg
        elif kind == "symlink":
            entry[1], entry[3] = arg, SYMLINK
        elif kind == "twice":
            entries.append(list(entry))
        elif kind == "drop":
            entries.remove(entry)
        elif kind == "bomb":
            entry[1], entry[2] = entry[1] + b" " * arg, zipfile.ZIP_DEFLATED
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as z:
        warnings.simplefilter("ignore")  # zipfile warns of a name written twice: the point
        for name, data, kind, attr in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr, info.create_system = kind, attr, 3
            z.writestr(info, data)
    return _edit(out.getvalue(), byte_edits) if byte_edits else out.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _fuzz(strategy, check):
    """A quick test (QUICK) and a long one (LONG, marked slow) of check over strategy."""

    def make(config):
        @config
        @given(strategy)
        def test(case):
            check(case)

        return test

    return make(QUICK), pytest.mark.slow(make(LONG))


# removed when the run ends: a run of the fuzzers made some 3,000 folders in /tmp, and kept them
_FOLDERS = tempfile.TemporaryDirectory(prefix="fuzz-")


def _tmp() -> Path:
    """A fresh folder (hypothesis runs a test many times within one tmp_path)."""
    return Path(tempfile.mkdtemp(dir=_FOLDERS.name))


def _listing(folder: Path) -> dict:
    return {p: p.lstat().st_mtime_ns for p in folder.rglob("*")}


# -- minigrad.load --------------------------------------------------------------------------
def _checkpoint() -> bytes:
    buf = io.BytesIO()
    w = minigrad.nn.Parameter(minigrad.arange(12.0).reshape(3, 4))
    state = {
        "w": w,
        "again": w,
        "steps": minigrad.tensor([1, 2], dtype=minigrad.int64),
        "opt": {0: {"momentum": minigrad.zeros(2)}, "lr": 0.5},
        "names": ("a", None, True),
    }
    minigrad.save(state, buf)
    return buf.getvalue()


CHECKPOINT = _checkpoint()
CHECKPOINT_MEMBERS = _members(CHECKPOINT)
CHECKPOINT_JSON = _parse(CHECKPOINT_MEMBERS["minigrad.json"])
LOAD_ERRORS = (RuntimeError, FileNotFoundError, IsADirectoryError)


def _content_edits(json_member, json_tree):
    def edits(name):
        if name == json_member:
            return json_edits(json_tree)
        if name.endswith(".npy"):
            return NPY_EDITS
        return BYTE_EDITS

    def apply(name, data, arg):
        if name == json_member:
            return _json_apply(json_tree, arg)
        if name.endswith(".npy"):
            return _npy_apply(data, arg)
        return _edit(data, arg)

    return edits, apply


CHECKPOINT_EDITS, CHECKPOINT_APPLY = _content_edits("minigrad.json", CHECKPOINT_JSON)


def _valid_tree(v, depth=0):
    """What minigrad.load may return: plain data and tensors of minigrad's dtypes."""
    assert depth < 1000
    if isinstance(v, minigrad.Tensor):
        assert isinstance(v.array, np.ndarray) and v.array.dtype.hasobject is False
        assert v.array.dtype in {d.np for d in minigrad.dtypes.ALL}, v.array.dtype
        return
    if isinstance(v, dict):
        for k, x in v.items():
            _valid_tree(k, depth + 1)
            _valid_tree(x, depth + 1)
    elif isinstance(v, (list, tuple)):
        for x in v:
            _valid_tree(x, depth + 1)
    else:
        assert v is None or type(v) in (bool, int, float, str), type(v)


def _load_file(data: bytes):
    folder = _tmp()
    path = folder / "model.pt"
    path.write_bytes(data)
    before = _listing(folder)
    result, _ = _guarded(minigrad.load, path, LOAD_ERRORS)
    if result is not None:
        _valid_tree(result)
    assert _listing(folder) == before
    # the same bytes from a file object: the same verdict, the message names "<file>"
    stream = io.BytesIO(data)
    stream_result, exc = _guarded(minigrad.load, stream, (RuntimeError,), name="<file>")
    assert (stream_result is None) == (result is None), exc


test_minigrad_load_bytes, test_minigrad_load_bytes_long = _fuzz(
    BYTE_EDITS, lambda edits: _load_file(_edit(CHECKPOINT, edits))
)
test_minigrad_load_structure, test_minigrad_load_structure_long = _fuzz(
    zip_edits(CHECKPOINT_MEMBERS, CHECKPOINT_EDITS),
    lambda plan: _load_file(_zip_apply(CHECKPOINT_MEMBERS, plan, CHECKPOINT_APPLY)),
)


# -- static.load ----------------------------------------------------------------------------
def _graph_file() -> bytes:
    folder = _tmp()
    w = minigrad.tensor(np.arange(12.0).reshape(3, 4))
    x = minigrad.ones(2, 3, dtype=minigrad.float64)
    static.trace(lambda x: (x @ w).relu().sum(dim=1), x).save(folder / "m.mgraph")
    return (folder / "m.mgraph").read_bytes()


GRAPH = _graph_file()
GRAPH_MEMBERS = _members(GRAPH)
GRAPH_JSON = _parse(GRAPH_MEMBERS["graph.json"])
GRAPH_EDITS, GRAPH_APPLY = _content_edits("graph.json", GRAPH_JSON)
STATIC_ERRORS = (ValueError, FileNotFoundError, IsADirectoryError)


def _static_file(data: bytes):
    folder = _tmp()
    path = folder / "m.mgraph"
    path.write_bytes(data)
    before = _listing(folder)
    result, _ = _guarded(static.load, path, STATIC_ERRORS)
    assert result is None or isinstance(result, Graph)
    assert _listing(folder) == before
    if result is not None:
        # it runs, or fails with the file's name ("the graph in <file> failed to run") or an
        # input check's TypeError/RuntimeError naming the input; the replay compiles its own
        # code (value ids and kernel numbers only), so exec is allowed here
        x = minigrad.ones(2, 3, dtype=minigrad.float64)
        errors = (RuntimeError, TypeError)
        _guarded(lambda g: g(x), result, errors, size=len(data), name="", allow_exec=True)


test_static_load_bytes, test_static_load_bytes_long = _fuzz(
    BYTE_EDITS, lambda edits: _static_file(_edit(GRAPH, edits))
)
test_static_load_structure, test_static_load_structure_long = _fuzz(
    zip_edits(GRAPH_MEMBERS, GRAPH_EDITS),
    lambda plan: _static_file(
        _zip_apply(GRAPH_MEMBERS, plan, GRAPH_APPLY, method=zipfile.ZIP_DEFLATED)
    ),
)


# -- what the fuzzing found, pinned -----------------------------------------------------------
def _cut_npy_header(data: bytes) -> bytes:
    """data's .npy with its header length field set to 1: the header is cut mid-literal."""
    return data[:8] + struct.pack("<H", 1) + data[10:]


@pytest.mark.parametrize("kind", ["checkpoint", "graph"])
def test_a_cut_npy_header_is_a_clear_error(tmp_path, kind):
    """NumPy parses an .npy header as a Python literal: a cut one raised tokenize.TokenError
    (not a ValueError) through minigrad.load and static.load."""
    members, load, error = (
        (CHECKPOINT_MEMBERS, minigrad.load, RuntimeError)
        if kind == "checkpoint"
        else (GRAPH_MEMBERS, static.load, ValueError)
    )
    npy = next(n for n in members if n.endswith(".npy"))
    path = tmp_path / "m"
    members = {**members, npy: _cut_npy_header(members[npy])}
    path.write_bytes(_zip_apply(members, ([], []), None))
    with pytest.raises(error, match=f"{path}.*{npy} is not a valid .npy array"):
        load(path)


def test_a_lying_compressed_size_allocates_nothing_big(tmp_path):
    """A stored member whose directory entry claims 1 GB of compressed data: ZipFile asked the
    file for limit + 1 bytes at once (64 MB for minigrad.json) for a file of 700 bytes. (It
    loaded, since a stored member stops at its size; it is refused now, as a member whose
    data runs into the next one, before anything is read.)"""
    data = bytearray(CHECKPOINT)
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(b"minigrad.json"))  # its directory entry
    assert data[at + 46 : at + 59] == b"minigrad.json"
    data[at + 20 : at + 24] = struct.pack("<I", 2**30)  # compressed size
    path = tmp_path / "m.pt"
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="1073741824 bytes of data, which run into"):
            minigrad.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, peak


# -- read_idx and load_mnist ----------------------------------------------------------------
def _idx(array: np.ndarray, code: int) -> bytes:
    head = bytes([0, 0, code, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


IDX = _idx(np.arange(12, dtype=np.uint8).reshape(3, 4), 0x08)
IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IDX_EDIT = st.one_of(
    st.tuples(st.just("type"), st.sampled_from([*IDX_TYPES, 0x00, 0x0A, 0x0F, 0xFF])),
    st.tuples(st.just("ndim"), st.sampled_from([0, 1, 3, 32, 33, 255])),
    st.tuples(
        st.just("dim"), st.integers(0, 3), st.sampled_from([0, 1, 5, 2**16, 2**31, 2**32 - 1])
    ),
    st.tuples(st.just("magic"), st.sampled_from([b"\x00\x01", b"\x1f\x8b", b"PK", b"\xff\xff"])),
    st.tuples(st.just("bytes"), BYTE_EDITS),
)
GZIP_EDIT = st.one_of(
    st.tuples(st.just("members"), st.integers(0, 64)),  # split into two gzip members here
    st.tuples(st.just("append"), st.sampled_from([b"\0" * 16, b"junk", gzip.compress(b"x")])),
    st.tuples(st.just("bomb"), st.sampled_from([2**20, 2**24 + 2**20])),
    st.tuples(st.just("flags"), st.sampled_from([0x04, 0x08, 0x10, 0x02, 0xE0, 0x1E])),
    st.tuples(st.just("trailer"), st.sampled_from(FIELDS)),
    st.tuples(st.just("bytes"), BYTE_EDITS),
)


def _idx_apply(data: bytes, edits) -> bytes:
    data = bytearray(data)
    for kind, *arg in edits:
        if kind == "type" and len(data) > 2:
            data[2] = arg[0]
        elif kind == "ndim" and len(data) > 3:
            data[3] = arg[0]
        elif kind == "dim":
            at = 4 + 4 * arg[0]
            data[at : at + 4] = arg[1].to_bytes(4, "big")
        elif kind == "magic":
            data[:2] = arg[0]
        elif kind == "bytes":
            data = bytearray(_edit(bytes(data), arg[0]))
    return bytes(data)


def _gzip_apply(data: bytes, edits) -> bytes:
    packed = gzip.compress(data, mtime=0)
    for kind, arg in edits:
        if kind == "members":
            at = min(arg, len(data))
            packed = gzip.compress(data[:at], mtime=0) + gzip.compress(data[at:], mtime=0)
        elif kind == "append":
            packed += arg
        elif kind == "bomb":
            packed = gzip.compress(data + bytes(arg), mtime=0)
        elif kind == "flags" and len(packed) > 3:
            # FHCRC, FEXTRA (its length then runs into the data), FNAME/FCOMMENT (never
            # terminated), reserved bits
            packed = packed[:3] + bytes([packed[3] | arg]) + packed[4:]
        elif kind == "trailer":
            packed = packed[:-8] + (arg + bytes(8))[:8]
        elif kind == "bytes":
            packed = _edit(packed, arg)
    return packed


def _valid_idx(array):
    assert isinstance(array, np.ndarray) and array.dtype.isnative
    assert array.dtype.name in {"uint8", "int8", "int16", "int32", "float32", "float64"}


def _read_idx_file(data: bytes, name: str):
    folder = _tmp()
    path = folder / name
    path.write_bytes(data)
    before = _listing(folder)
    result, _ = _guarded(read_idx, path, (ValueError,))
    if result is not None:
        _valid_idx(result)
    assert _listing(folder) == before


test_read_idx, test_read_idx_long = _fuzz(
    st.lists(IDX_EDIT, min_size=1, max_size=4),
    lambda edits: _read_idx_file(_idx_apply(IDX, edits), "x-idx2-ubyte"),
)
test_read_idx_gzip, test_read_idx_gzip_long = _fuzz(
    st.tuples(st.lists(IDX_EDIT, max_size=3), st.lists(GZIP_EDIT, min_size=1, max_size=3)),
    lambda case: _read_idx_file(_gzip_apply(_idx_apply(IDX, case[0]), case[1]), "x-idx.gz"),
)

MNIST_FILES = {
    "train-images-idx3-ubyte": _idx(np.arange(18, dtype=np.uint8).reshape(2, 3, 3), 0x08),
    "train-labels-idx1-ubyte": _idx(np.array([3, 7], dtype=np.uint8), 0x08),
}
MNIST_EDIT = st.one_of(
    st.tuples(st.sampled_from(sorted(MNIST_FILES)), st.just("idx"), st.lists(IDX_EDIT, max_size=3)),
    st.tuples(
        st.sampled_from(sorted(MNIST_FILES)), st.just("gzip"), st.lists(GZIP_EDIT, max_size=2)
    ),
    st.tuples(
        st.sampled_from(sorted(MNIST_FILES)),
        st.sampled_from(["directory", "/dev/zero", "dangling", "loop", "missing", "fifo"]),
        st.none(),
    ),
)


def _load_mnist_folder(edits):
    root = _tmp()
    files = {name: (name, data) for name, data in MNIST_FILES.items()}
    odd = {}
    for name, kind, arg in edits:
        if kind == "idx":
            files[name] = (files[name][0], _idx_apply(files[name][1], arg))
        elif kind == "gzip":
            files[name] = (name + ".gz", _gzip_apply(files[name][1], arg))
        else:
            odd[name] = kind
    for name, (file, data) in files.items():
        path = root / file
        kind = odd.get(name)
        if kind == "directory":
            path.mkdir()
        elif kind == "/dev/zero":
            path.symlink_to("/dev/zero")
        elif kind == "dangling":
            path.symlink_to(root / "nowhere")
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind != "missing":
            path.write_bytes(data)
    before = _listing(root)
    errors = (ValueError, FileNotFoundError, IsADirectoryError)
    # the bound for a folder: its files are a few hundred bytes, so 10 kB is generous
    result, exc = _guarded(lambda r: load_mnist(r, train=True), root, errors, size=10**4)
    if result is not None:
        images, labels = result
        assert images.shape[0] == labels.shape[0] and images.ndim == 4
        assert images.dtype == minigrad.float32 and labels.dtype == minigrad.int64
        assert images.array.min(initial=0) >= 0 and images.array.max(initial=0) <= 1
    assert _listing(root) == before


test_load_mnist, test_load_mnist_long = _fuzz(
    st.lists(MNIST_EDIT, min_size=1, max_size=3), _load_mnist_folder
)


# -- notebooks: read_notebook and the grader's load_submission ------------------------------
def _notebook() -> bytes:
    import nbformat.v4 as v4

    nb = v4.new_notebook(metadata={"minigrad": {"chapter": "04_autograd"}})
    answer = v4.new_code_cell("# BEGIN SOLUTION\nx = 1\n# END SOLUTION", id="a1")
    answer.metadata["nbgrader"] = {
        "schema_version": 3,
        "grade": False,
        "grade_id": "answer",
        "locked": False,
        "points": 0,
        "solution": True,
    }
    test = v4.new_code_cell("assert x == 1", id="t1")
    test.metadata["nbgrader"] = {**answer.metadata["nbgrader"], "grade_id": "test"}
    test.metadata["nbgrader"].update(grade=True, points=2, solution=False, locked=True)
    nb.cells = [v4.new_markdown_cell("# Autograd", id="m1"), answer, test]
    return nbf.dumps_notebook(nb).encode()


NOTEBOOK = _notebook()
# nbformat compiles (exec) a validator from its own schema of each version when first used:
# code made from nbformat's files, not the notebook's; made here, outside the guard
for _minor in range(6):
    nbformat.validator.get_validator(version=4, version_minor=_minor)
nbformat.validator.get_validator(version=3, version_minor=0)
NOTEBOOK_JSON = _parse(NOTEBOOK)
TEXT_EDIT = st.one_of(
    st.tuples(st.just("bom"), st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])),
    st.tuples(st.just("encode"), st.sampled_from(["utf-16", "utf-32", "latin1"])),
    st.tuples(
        st.just("insert"),
        st.integers(0, 2**16),
        st.sampled_from(
            [b"\xed\xa0\x80", b"\xc3", b"\0", b"\\ud800", b"\xff", b'"', b"\\", b"\x1b[2J"]
        ),
    ),
)


def _text_apply(data: bytes, edits) -> bytes:
    for kind, *arg in edits:
        if kind == "bom":
            data = arg[0] + data
        elif kind == "encode":
            data = data.decode("utf-8", "replace").encode(arg[0], "replace")
        elif kind == "insert":
            at = arg[0] % (len(data) + 1)
            data = data[:at] + arg[1] + data[at:]
    return data


NOTEBOOK_EDITS = st.one_of(
    st.tuples(st.just("json"), json_edits(NOTEBOOK_JSON)),
    st.tuples(st.just("text"), st.lists(TEXT_EDIT, min_size=1, max_size=2)),
    st.tuples(st.just("bytes"), BYTE_EDITS),
)


def _notebook_bytes(case) -> bytes:
    kind, edits = case
    if kind == "json":
        return _json_apply(NOTEBOOK_JSON, edits)
    return _text_apply(NOTEBOOK, edits) if kind == "text" else _edit(NOTEBOOK, edits)


def _valid_notebook(nb):
    assert nb.nbformat == 4 and isinstance(nb.cells, list)
    for cell in nb.cells:
        assert cell.cell_type in ("code", "markdown", "raw") and isinstance(cell.source, str)
        assert isinstance(cell.metadata, dict)


def _read_notebook_file(data: bytes):
    folder = _tmp()
    path = folder / "04_autograd.ipynb"
    path.write_bytes(data)
    before = _listing(folder)
    errors = (nbf.NotebookError, FileNotFoundError, IsADirectoryError)
    result, _ = _guarded(nbf.read_notebook, path, errors)
    if result is not None:
        _valid_notebook(result)
    assert _listing(folder) == before


def _load_submission(data: bytes):
    """The grader's reader never raises: a notebook, or None flagged empty or corrupt."""
    folder = _tmp()
    path = folder / "04_autograd.ipynb"
    sub = grade.Submission("student", folder, path, [], raw=data)
    (nb, flags, note), _ = _guarded(lambda s: grade.load_submission(s), sub, (), size=len(data))
    if nb is None:
        assert flags in (["empty"], ["corrupt"]) and note
    else:
        assert flags == [] and isinstance(nb.cells, list)


test_read_notebook, test_read_notebook_long = _fuzz(
    NOTEBOOK_EDITS, lambda case: _read_notebook_file(_notebook_bytes(case))
)
test_load_submission, test_load_submission_long = _fuzz(
    NOTEBOOK_EDITS, lambda case: _load_submission(_notebook_bytes(case))
)


@pytest.mark.parametrize("kind", ["checkpoint", "graph"])
def test_a_json_bomb_is_refused_before_parsing(tmp_path, kind):
    """16 MB of `{"a":0},` deflate to 24 kB and parse into 2 million dicts: within the 16 MiB
    that any archive may inflate to, so minigrad.load took 400 MB and 7 s to refuse it."""
    name, load, error = (
        ("minigrad.json", minigrad.load, RuntimeError)
        if kind == "checkpoint"
        else ("graph.json", static.load, ValueError)
    )
    text = '{"format": "minigrad", "version": 1, "tensors": [], "object": [' + '{"a":0},' * (
        2**21 - 8
    )
    path = tmp_path / "m"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, text[:-1] + "]}")
    assert path.stat().st_size < 2**15
    tracemalloc.start()
    try:
        with pytest.raises(error, match=f"{path}.*{name} would inflate .* JSON bomb"):
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20, peak


def test_a_large_compressed_graph_still_loads(tmp_path):
    """Real graph JSON shrinks about 18-fold, well inside the JSON bound."""
    layers = [minigrad.nn.Linear(4, 4) for _ in range(300)]
    x = minigrad.ones(2, 4)

    def model(x):
        for layer in layers:
            x = layer(x).relu()
        return x

    path = tmp_path / "deep.mgraph"
    static.trace(model, x).save(path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("graph.json")
    assert info.file_size > 10 * info.compress_size
    assert static.load(path)(x).tolist() == model(x).tolist()


# -- every truncation, and paths that are not files ------------------------------------------
# (reader, a valid file's bytes, its name, the reader's documented exceptions)
READERS = {
    "minigrad.load": (minigrad.load, CHECKPOINT, "m.pt", LOAD_ERRORS),
    "static.load": (static.load, GRAPH, "m.mgraph", STATIC_ERRORS),
    "read_idx": (read_idx, IDX, "x-idx2-ubyte", (ValueError,)),
    "read_idx-gz": (read_idx, gzip.compress(IDX, mtime=0), "x-idx2-ubyte.gz", (ValueError,)),
    "read_notebook": (nbf.read_notebook, NOTEBOOK, "04.ipynb", (nbf.NotebookError,)),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_truncation_is_a_clear_error(reader):
    """Cut at every length (not a sample): each is refused by the documented exception; only
    the notebook's final newline may go. (Called directly: the guard's thread and memory
    tracing for each of 3,000 cuts would take seconds; the fuzz tests cut under it.)"""
    load, data, name, errors = READERS[reader]
    path = _tmp() / name
    for n in range(len(data)):
        path.write_bytes(data[:n])
        try:
            load(path)
        except BaseException as exc:  # judged: documented, naming the file
            _documented(load, exc, errors, str(path))
        else:
            assert not data[n:].strip(), f"{n} of {len(data)} bytes loaded"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("kind", ["directory", "/dev/zero", "dangling", "loop", "fifo"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_symlink_to_what_is_not_a_file(reader, kind):
    """A download replaced by a link to a directory, an endless device, nothing, itself or a
    FIFO: the error open() would raise (it names the path), or the reader's own for a
    device or FIFO; never a hang or an endless read."""
    load, _, name, errors = READERS[reader]
    folder = _tmp()
    path, target = folder / name, folder / "target"
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "/dev/zero":
        target = Path("/dev/zero")
    path.symlink_to(path if kind == "loop" else target)
    result, exc = _guarded(load, path, (*errors, OSError))
    assert result is None
    if kind in ("/dev/zero", "fifo"):
        assert "not a regular file" in str(exc) and not isinstance(exc, OSError)


def test_minigrad_load_of_a_stream_says_what_to_do():
    """As torch.load: bytes or a stream that cannot seek raise AttributeError or
    io.UnsupportedOperation with the way out, not a raw error or a 'corrupt file'."""

    class Pipe(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            return 0

    with pytest.raises(AttributeError, match="not bytes .* io.BytesIO"):
        minigrad.load(CHECKPOINT)
    with pytest.raises(io.UnsupportedOperation, match="seekable binary file, not Pipe"):
        minigrad.load(Pipe())
    assert minigrad.load(io.BytesIO(CHECKPOINT))["steps"].tolist() == [1, 2]


def test_minigrad_load_of_a_buffer_left_at_its_end_raises_eof_error_as_torch():
    """`torch.save(obj, buffer); torch.load(buffer)` without `buffer.seek(0)`: PyTorch reads
    from where the buffer is and raises EOFError; so does minigrad, saying to seek(0)."""
    import torch

    for lib in (torch, minigrad):
        buffer = io.BytesIO()
        lib.save({"w": lib.ones(2)}, buffer)
        with pytest.raises(EOFError, match="seek\\(0\\)" if lib is minigrad else None):
            lib.load(buffer)
        buffer.seek(0)
        assert lib.load(buffer)["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "change, raised",
    [
        (lambda nb: nb.pop("nbformat"), "UnboundLocalError"),  # read as version 1
        (lambda nb: nb.update(nbformat_minor=None), "AssertionError"),
        (lambda nb: nb.update(nbformat="4"), "NBFormatError"),
        (lambda nb: nb.pop("cells"), "jsonschema's ValidationError"),
        (lambda nb: nb["cells"][0].pop("cell_type"), "nothing: a cell without a type"),
        (lambda nb: nb.update(cells={}), "nothing: cells that are not a list"),
    ],
)
def test_a_notebook_nbformat_cannot_read_is_a_notebook_error(tmp_path, change, raised):
    """What read_notebook raised for these (or returned, so that `minigrad-course check`
    failed later with an AttributeError) is a NotebookError naming the file."""
    nb = json.loads(NOTEBOOK)
    change(nb)
    path = tmp_path / "04.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(nbf.NotebookError, match=f"{path} is not a valid notebook"):
        nbf.read_notebook(path)


def test_a_schema_error_says_where(tmp_path):
    nb = json.loads(NOTEBOOK)
    nb["cells"][1]["source"] = 5
    path = tmp_path / "04.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(nbf.NotebookError, match=r"not valid under .* \(at cells/1/source\)"):
        nbf.read_notebook(path)


def test_read_idx_memory_follows_the_data_not_the_header(tmp_path):
    """A 60-byte .gz whose header declares 8 MB (within what a gzip may inflate to): reading
    in 16 MB steps made GzipFile allocate the 8 MB before finding 17 bytes."""
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1]) + (2**23).to_bytes(4, "big") + bytes(17)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="holds 17 data bytes but its header"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20, peak
