"""static.load on crafted files: nothing from a file runs as code, every size is bounded, and
each bad file is a ValueError that names the file and the problem (never a raw MemoryError,
RecursionError, NameError or AttributeError, and never a silent success)."""

import io
import json
import re
import zipfile

import numpy as np
import pytest

import minigrad
from minigrad import serialization, static
from minigrad.ops import matmul as M
from minigrad.static import serialize


def _saved(tmp_path):
    rng = np.random.default_rng(0)
    w = minigrad.tensor(rng.normal(size=(3, 4)))
    x = minigrad.tensor(rng.normal(size=(2, 4)))
    path = tmp_path / "m.mgraph"
    static.trace(lambda x: M.linear(x, w).relu() * 2.0, x).save(path)
    return path, x


def _members(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write(path, members: dict) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def _rewrite(path, change) -> None:
    members = _members(path)
    doc = json.loads(members["graph.json"])
    change(doc)
    members["graph.json"] = json.dumps(doc).encode()
    _write(path, members)


def _refused(path, problem):
    """static.load raises a ValueError naming the file and matching `problem`; a call of
    whatever it returned would be a silent success, so there must be none."""
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + problem):
        static.load(path)


def test_ids_are_never_pasted_into_generated_code(tmp_path):
    path, x = _saved(tmp_path)
    marker = tmp_path / "pwned"
    payload = f"0) or open({str(marker)!r}, 'w') or (0"
    _rewrite(path, lambda d: d["nodes"][0]["inputs"].__setitem__(0, payload))
    _refused(path, "is not a value id")
    assert not marker.exists()


def test_a_fused_program_from_a_file_runs_no_code(tmp_path):
    path, x = _saved(tmp_path)
    marker = tmp_path / "pwned"
    payload = f"0, open({str(marker)!r}, 'w')"

    def fuse(doc):
        relu, mul = doc["nodes"][1], doc["nodes"][2]
        program = {"tuple": [{"tuple": ["relu", {"tuple": [{"tuple": ["x", payload]}]}]}]}
        doc["nodes"][1:3] = [
            dict(
                op="fused",
                inputs=relu["inputs"],
                outputs=mul["outputs"],
                attrs={"program": program, "dtype": "float64"},
                saves=[],
            )
        ]

    _rewrite(path, fuse)
    _refused(path, "fused step 0 has a bad argument")
    assert not marker.exists()


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["nodes"][0]["inputs"].__setitem__(0, 10**6), "is not a value id"),
        (lambda d: d["nodes"][0]["inputs"].__setitem__(0, -1), "is not a value id"),
        (lambda d: d.update(outputs=[len(d["values"]) - 1, 10**9]), "is not a value id"),
        (lambda d: d["nodes"].reverse(), "read before it is defined"),
        (lambda d: d["nodes"][1].update(outputs=d["nodes"][0]["outputs"]), "defined twice"),
        (lambda d: d.update(constants=[]), "constants must be a dict"),
        (lambda d: d.update(nodes={"op": "relu"}), "nodes must be a list"),
        (lambda d: d["nodes"].__setitem__(0, [1, 2]), r"nodes\[0\] must be a dict"),
        (lambda d: d["nodes"][0].update(op="python"), "unknown op 'python'"),
        (lambda d: d["nodes"][1]["attrs"].update(__class__=1), "no attribute '__class__'"),
        (lambda d: d["nodes"][2]["attrs"].update(b={"ref": [7, False]}), "refers to an input"),
        (lambda d: d["nodes"][2]["attrs"].update(b={"pickle": "x"}), "unknown attribute"),
        (lambda d: d["nodes"][0].update(saves=["__dict__"]), "not a saved-value name"),
        (lambda d: d["values"].__setitem__(0, [[10**12], "float64"]), "elements"),
        (
            lambda d: d["values"].__setitem__(0, [[2, 4], "object"]),
            "input cannot have dtype object",
        ),
        (lambda d: d["values"].__setitem__(0, [[2, 4], "V8"]), "dtype 'V8'"),
        (lambda d: d["values"].__setitem__(0, [[-2, 4], "float64"]), "non-negative ints"),
        # a list for a dtype was looked up in a set: TypeError (unhashable), no file named
        (lambda d: d["values"].__setitem__(0, [[2, 4], ["float64"]]), "dtype \\['float64'\\]"),
    ],
)
def test_a_file_that_breaks_the_schema_is_refused(tmp_path, change, problem):
    path, _ = _saved(tmp_path)
    _rewrite(path, change)
    _refused(path, problem)


def test_deeply_nested_json_is_refused_before_parsing(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    deep = b"[" * 200_000 + b"]" * 200_000
    members["graph.json"] = members["graph.json"].replace(b'"attrs": {}', b'"attrs": ' + deep, 1)
    _write(path, members)
    _refused(path, "nested more than")


def test_a_zip_bomb_array_is_refused_before_unpacking(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    bomb = io.BytesIO()
    np.save(bomb, np.zeros(8 * 2**20))  # 64 MiB of zeros: well under a MiB compressed
    members["arrays/0.npy"] = bomb.getvalue()
    _write(path, members)
    _refused(path, r"its members would inflate \d+ bytes to \d+ \(a zip bomb")


def test_graph_json_is_bounded(tmp_path, monkeypatch):
    path, _ = _saved(tmp_path)
    monkeypatch.setattr(serialize, "MAX_JSON_BYTES", 100)
    _refused(path, "graph.json unpacks to")


def test_an_array_header_declaring_a_huge_shape_allocates_nothing(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    members["arrays/0.npy"] = b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + b"\0" * 64
    _write(path, members)
    _refused(path, r"holds float64\[1000000000000\]")


def test_a_missing_array_or_json_is_named(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    del members["arrays/0.npy"]
    _write(path, members)
    _refused(path, "no arrays/0.npy")
    _write(path, {"other.txt": b"x"})
    _refused(path, "no graph.json")


def test_a_well_formed_file_that_fails_to_run_names_the_file(tmp_path):
    path, x = _saved(tmp_path)
    _rewrite(path, lambda d: d["nodes"][2]["attrs"].update(b="not a number"))
    graph = static.load(path)  # the schema holds: b is mul's parameter, and text is data
    with pytest.raises(RuntimeError, match=re.escape(str(path)) + ".*failed to run"):
        graph(x)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(outputs=[]),  # IndexError from the call itself
        lambda d: d["nodes"][1]["inputs"].__setitem__(0, None),  # TypeError while compiling
    ],
    ids=["no-outputs", "missing-input"],
)
def test_a_graph_that_fails_before_running_names_the_file(tmp_path, change):
    path, x = _saved(tmp_path)
    _rewrite(path, change)
    graph = static.load(path)
    with pytest.raises(RuntimeError, match=re.escape(str(path)) + ".*failed to run"):
        graph(x)


def test_duplicate_keys_and_members_are_refused(tmp_path):
    """Which of two copies counts depends on the reader: json and zipfile take the last."""
    path, _ = _saved(tmp_path)
    members = _members(path)
    text = members["graph.json"].decode()
    _write(path, {**members, "graph.json": text[:-1] + ', "outputs": []}'})
    _refused(path, "key 'outputs' twice")
    with zipfile.ZipFile(path, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        for name, data in [*members.items(), ("graph.json", b"{}")]:
            z.writestr(name, data)
    _refused(path, "holds 'graph.json' more than once")


def test_a_loaded_graph_checks_its_inputs(tmp_path):
    path, x = _saved(tmp_path)
    graph = static.load(path)
    with pytest.raises(TypeError, match=r"expected 1 inputs \(x0: f64\[2, 4\]\), got 2"):
        graph(x, x)
    with pytest.raises(RuntimeError, match=r"input x0 must be f64\[2, 4\], got f32\[2, 4\]"):
        graph(x.float())


def test_an_honest_file_still_loads_and_runs(tmp_path):
    path, x = _saved(tmp_path)
    y = static.load(path)(x)
    assert y.shape == (2, 3)


def test_a_zip_bomb_array_that_matches_its_declared_shape_is_refused(tmp_path):
    """The declared shape grown to fit the bomb: 32 MiB of zeros deflate to ~32 kB, which
    passed every size check and was inflated (a 4 MB file could ask for 4 GB)."""
    path, _ = _saved(tmp_path)
    members = _members(path)
    doc = json.loads(members["graph.json"])
    (vid,) = (int(k) for k in doc["constants"])
    doc["values"][vid] = [[2**22], "float64"]
    bomb = io.BytesIO()
    np.save(bomb, np.zeros(2**22))
    members.update({"graph.json": json.dumps(doc).encode(), "arrays/0.npy": bomb.getvalue()})
    _write(path, members)
    _refused(path, r"its members would inflate \d+ bytes to \d+ \(a zip bomb")


def test_a_corrupt_deflate_stream_is_a_clear_error(tmp_path):
    """zlib.error escaped with no file name."""
    path, _ = _saved(tmp_path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("graph.json")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 16] = b"\xff" * 16  # a reserved block type
    path.write_bytes(bytes(data))
    _refused(path, "invalid block type")


def test_graph_json_with_too_many_objects_and_lists_is_refused(tmp_path, monkeypatch):
    path, _ = _saved(tmp_path)
    monkeypatch.setattr(serialization, "MAX_JSON_CONTAINERS", 10)
    _refused(path, r"graph.json holds \d+ objects and lists \(at most 10\)")


class _Marker:
    """Unpickling this creates a file: evidence that pickle ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickled_object_array_is_never_unpickled(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    payload = np.full((3, 4), None, dtype=object)
    payload[0, 0] = _Marker(tmp_path / "pwned")
    buffer = io.BytesIO()
    np.save(buffer, payload, allow_pickle=True)
    members["arrays/0.npy"] = buffer.getvalue()
    _write(path, members)
    _refused(path, r"arrays/0.npy holds object\[3, 4\], but the file declares float64")
    assert not (tmp_path / "pwned").exists()


def test_a_fortran_ordered_array_loads_with_its_values(tmp_path):
    path, x = _saved(tmp_path)
    expected = static.load(path)(x).tolist()
    members = _members(path)
    weights = np.load(io.BytesIO(members["arrays/0.npy"]))
    buffer = io.BytesIO()
    np.save(buffer, np.asfortranarray(weights))
    assert b"'fortran_order': True" in buffer.getvalue()[:128]
    members["arrays/0.npy"] = buffer.getvalue()
    _write(path, members)
    assert static.load(path)(x).tolist() == expected


def test_an_array_used_by_two_constants_is_refused(tmp_path):
    """Each use made a copy: one 16 MB bomb named by 250 constants asked for 4 GB."""
    path, _ = _saved(tmp_path)

    def share(doc):  # a second constant, a new value, naming the same array
        (key,) = doc["constants"]
        doc["constants"][str(len(doc["values"]))] = dict(doc["constants"][key])
        doc["values"].append(doc["values"][int(key)])

    _rewrite(path, share)
    _refused(path, "arrays/0.npy is used more than once")


def test_an_op_asked_for_a_value_of_another_shape_stops_before_it_is_read(tmp_path):
    # expand makes a view of 2**40 rows at no cost; the sum after it would read them for
    # hours. The file declares the honest shape, so the replay's check stops at the view.
    path = tmp_path / "expand.mgraph"
    static.trace(lambda x: x.expand(4, 3).sum(0), minigrad.ones(1, 3)).save(path)
    _rewrite(path, lambda d: d["nodes"][0]["attrs"].update(shape={"tuple": [2**40, 3]}))
    graph = static.load(path)
    with pytest.raises(RuntimeError, match=re.escape(str(path)) + ".*declares"):
        graph(minigrad.ones(1, 3))
