"""Hostile files the first red teams (test_hostile_files.py, test_fuzz_loaders.py) did not
try: zip members that share one payload, and the other holes each test below names. Every
file is small, written into tmp_path; each test fails without the fix it pins."""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import threading
import time
import zipfile
import zlib

import numpy as np
import pytest
from helpers import peak_bytes

import minigrad
from minigrad import static
from minigrad.datasets import read_idx

# -- zip members that share one payload ------------------------------------------------------
_LOCAL = struct.Struct("<4s5H3L2H")  # a zip local file header, before its name
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # a central directory entry, before its name
_END = struct.Struct("<4s4H2LH")


def _shared_zip(plain: dict[str, bytes], shared: list[str], payload: bytes) -> bytes:
    """A stored zip: the `plain` members as usual, then the `shared` members, whose local
    headers are stacked so that each one's extra field holds the headers after it: all of
    them start their data at the same byte, one copy of payload. ZipFile checks a local
    header's name, not whether members overlap (before Python 3.12)."""
    out, entries = bytearray(), []

    def local(name: bytes, data: bytes, extra: int) -> bytes:
        crc = zlib.crc32(data)
        return _LOCAL.pack(
            b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), extra
        )

    for name, data in plain.items():
        entries.append((name.encode(), data, len(out)))
        out += local(name.encode(), data, 0) + name.encode() + data
    names = [n.encode() for n in shared]
    for k in reversed(range(len(names))):  # the last name first: its extra field is longest
        entries.append((names[k], payload, len(out)))
        out += local(names[k], payload, sum(_LOCAL.size + len(n) for n in names[:k])) + names[k]
    out += payload
    start, directory = len(out), bytearray()
    for name, data, offset in entries:
        crc = zlib.crc32(data)
        directory += _CENTRAL.pack(
            b"PK\x01\x02",
            20,
            20,
            0,
            0,
            0,
            0,
            crc,
            len(data),
            len(data),
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += name
    n = len(entries)
    return bytes(out + directory + _END.pack(b"PK\x05\x06", 0, 0, n, n, len(directory), start, 0))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_checkpoint_members_sharing_one_payload_are_refused(tmp_path):
    """200 tensor members over one 4 MB payload loaded 800 MB of tensors from a 4 MB file
    (Python 3.11's ZipFile does not check that members overlap); now refused before any
    member is read."""
    n, payload = 40, _npy(np.zeros(2**14, dtype=np.float32))
    meta = {"dtype": "float32", "shape": [2**14], "requires_grad": False, "parameter": False}
    header = {
        "format": "minigrad",
        "version": 1,
        "tensors": [meta] * n,
        "object": {"list": [{"tensor": i} for i in range(n)]},
    }
    names = [f"tensors/{i}.npy" for i in range(n)]
    path = tmp_path / "shared.pt"
    path.write_bytes(_shared_zip({"minigrad.json": json.dumps(header).encode()}, names, payload))
    assert path.stat().st_size < 2 * len(payload)  # 40 tensors claimed, 1 stored
    with zipfile.ZipFile(path) as z:  # what ZipFile itself makes of it: 40 good members
        assert all(z.read(name) == payload for name in names)

    def load():
        with pytest.raises(RuntimeError, match=f"{path}: its member 'tensors/.*' claims"):
            minigrad.load(path)

    assert peak_bytes(load) < 2**20
    with pytest.raises(RuntimeError, match="<file>: its member .* a zip bomb"):
        minigrad.load(io.BytesIO(path.read_bytes()))


def test_graph_arrays_sharing_one_payload_are_refused(tmp_path):
    """static.load reads each array member once, but three names over one payload passed."""
    ws = [minigrad.ones(64, 64, dtype=minigrad.float64) for _ in range(3)]
    honest = tmp_path / "honest.mgraph"
    static.trace(
        lambda x: x @ ws[0] @ ws[1] @ ws[2], minigrad.ones(2, 64, dtype=minigrad.float64)
    ).save(honest)
    with zipfile.ZipFile(honest) as z:
        members = {name: z.read(name) for name in z.namelist()}
    arrays = sorted(n for n in members if n.startswith("arrays/"))
    assert len(arrays) == 3 and len({members[n] for n in arrays}) == 1
    path = tmp_path / "shared.mgraph"
    plain = {n: d for n, d in members.items() if n not in arrays}
    path.write_bytes(_shared_zip(plain, arrays, members[arrays[0]]))
    with pytest.raises(ValueError, match=f"{path} .* its member 'arrays/.*' claims .* zip bomb"):
        static.load(path)
    assert (
        static.load(honest)(minigrad.ones(2, 64, dtype=minigrad.float64)).tolist()
        == [[64.0**3] * 64] * 2
    )


# -- a fused program that reads a temporary twice ---------------------------------------------
def _fused_graph(path):
    from minigrad.static import passes

    x = minigrad.ones(2, 3)
    graph = passes.fuse_elementwise(static.trace(lambda x: ((x.exp() + 1).sin() * 2).tanh(), x))
    assert [n.op for n in graph.nodes] == ["fused"]
    graph.save(path)
    return x


def test_a_fused_program_reading_a_temporary_twice_is_refused(tmp_path):
    """Fusion gives each temporary one reader. A program whose 40 steps each add the step
    before to itself loaded; its CUDA kernel inlines each read (a source of 2**40
    characters), and the CPU kernel writes each result into the buffer it read."""
    honest = tmp_path / "honest.mgraph"
    x = _fused_graph(honest)
    assert static.load(honest)(x).allclose(((x.exp() + 1).sin() * 2).tanh())
    with zipfile.ZipFile(honest) as z:
        members = {name: z.read(name) for name in z.namelist()}
    doc = json.loads(members["graph.json"])
    step = lambda j: {"tuple": ["add", {"tuple": [{"tuple": ["t", j]}, {"tuple": ["t", j]}]}]}  # noqa: E731
    program = doc["nodes"][0]["attrs"]["program"]["tuple"]
    program[1:] = [step(j) for j in range(40)]
    path = tmp_path / "doubling.mgraph"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, json.dumps(doc) if name == "graph.json" else data)
    with pytest.raises(
        ValueError, match=f"{path} .*nodes\\[0\\]: fused step 1 reads step 0's result again"
    ):
        static.load(path)


# -- files of other formats say what they are ---------------------------------------------------
def _torch_zip(path):
    import torch

    torch.save({"w": torch.ones(2)}, path)


def _torch_legacy(path):
    import torch

    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)


def _pickle(path):
    import pickle

    path.write_bytes(pickle.dumps({"w": [1.0, 2.0]}))


@pytest.mark.parametrize(
    "write, said",
    [
        (
            _torch_zip,
            r"it was written by torch.save \(it holds a pickle, data.pkl\): minigrad never",
        ),
        (_torch_legacy, r"it is a pickle \(torch.save's old format, or pickle.dump\)"),
        (_pickle, r"it is a pickle .* never unpickles .* weights_only=True"),
        (lambda p: np.save(p, np.ones(3)), r"it is a NumPy .npy file.*numpy.load\(path\)"),
        (lambda p: np.savez(p, a=np.ones(3)), r"it is a NumPy .npz archive.*from_numpy"),
    ],
    ids=["torch.save", "torch.save-legacy", "pickle", "npy", "npz"],
)
def test_a_file_of_another_format_says_what_it_is(tmp_path, write, said, monkeypatch):
    """A student loading a torch.save checkpoint, a pickle or a NumPy file read 'the archive
    has no minigrad.json (truncated, or not a minigrad file)' or 'File is not a zip file';
    the message now names the format and the way out, and nothing is unpickled."""
    import pickle

    path = tmp_path / "weights"
    write(path)
    path = next(tmp_path.iterdir())  # np.save and np.savez add their suffix
    monkeypatch.setattr(pickle, "Unpickler", None)  # any unpickling would fail loudly
    monkeypatch.setattr(pickle, "loads", None)
    with pytest.raises(RuntimeError, match=f"minigrad.load: {path}: {said}"):
        minigrad.load(path)
    with pytest.raises(RuntimeError, match=f"<file>: {said}"):
        minigrad.load(io.BytesIO(path.read_bytes()))


# -- JSON whose items, not its containers, are the bomb -----------------------------------------
def test_json_with_too_many_values_is_refused_before_parsing(tmp_path, monkeypatch):
    """64 MB of `1.5,` in minigrad.json (or 640 kB deflated 100-fold) parsed into 16 million
    floats: 640 MB and 15 s. Commas outside strings are counted with the nesting; commas in
    strings are not."""
    from minigrad import serialization

    monkeypatch.setattr(serialization, "MAX_JSON_VALUES", 1000)
    path = tmp_path / "floats.pt"
    minigrad.save([1.5] * 1200, path)
    with pytest.raises(RuntimeError, match=f"{path}: minigrad.json holds more than 1000 values"):
        minigrad.load(path)
    minigrad.save({"names": ",".join(["a"] * 5000), "losses": [1.5] * 900}, path)
    assert minigrad.load(path)["losses"] == [1.5] * 900


# -- the gradebook's roster and grades CSVs ---------------------------------------------------
GRADES = "student,total,max,status\nalice,3,6,ok\n"
ROSTER = "folder,id,name,email\nalice,1001,Alice,alice@uni.example\n"


@pytest.mark.parametrize(
    "roster, said",
    [
        (ROSTER.replace("Alice", "Alic\xe9").encode("latin1"), r"line 2: not UTF-8 \(byte 0xe9\)"),
        (ROSTER.encode("utf-16"), r"line 1: not UTF-8 \(byte 0xff\); save the roster as CSV"),
        (ROSTER.replace("Alice", "A" * 200_000).encode(), "line 2: field larger than field limit"),
        (
            ROSTER.replace("Alice", "\x1b]0;owned\x07Al").encode(),
            "line 2: 'name' holds the control .*001B",
        ),
        (
            ROSTER.replace("Alice", "\x9b2J").encode(),
            "line 2: 'name' holds the control character U\\+009B",
        ),
        (
            ROSTER.replace("alice,", "al\0ice,").encode(),
            "line 2: 'folder' holds the control .*U\\+0000",
        ),
    ],
    ids=["latin1", "utf16", "long-field", "escape", "c1-csi", "nul"],
)
def test_a_hostile_roster_is_a_gradebook_error(tmp_path, roster, said):
    """An LMS export holds what students typed. A file that is not UTF-8 and a field past
    csv's limit raised UnicodeDecodeError and csv.Error (a traceback from the CLI); a
    terminal escape in a name was printed as it is by `gradebook`'s list of unmatched
    students."""
    from minigrad_course.gradebook import GradebookError, export

    (tmp_path / "grades.csv").write_text(GRADES)
    path = tmp_path / "roster.csv"
    path.write_bytes(roster)
    with pytest.raises(GradebookError, match=f"{path}, {said}"):
        export(tmp_path / "grades.csv", path, canvas=tmp_path / "canvas.csv")
    assert not (tmp_path / "canvas.csv").exists()


@pytest.mark.parametrize("total", ["three", "nan", "inf", ""])
def test_a_grades_file_with_a_total_that_is_no_number_is_a_gradebook_error(tmp_path, total):
    """float('three') raised a bare ValueError from `gradebook`; 'nan' reached the LMS file."""
    from minigrad_course.gradebook import GradebookError, export

    grades = tmp_path / "grades.csv"
    grades.write_text(GRADES.replace(",3,", f",{total},"))
    (tmp_path / "roster.csv").write_text(ROSTER)
    with pytest.raises(GradebookError, match=f"{grades}, line 2: total '{total}' is not a number"):
        export(grades, tmp_path / "roster.csv", canvas=tmp_path / "canvas.csv")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_roster_that_is_a_fifo_or_a_device_is_refused_without_blocking(tmp_path):
    """The size check passed both (st_size 0), then open() blocked on the FIFO and reading
    /dev/zero looked for a newline without end."""
    from minigrad_course.gradebook import GradebookError, export

    (tmp_path / "grades.csv").write_text(GRADES)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    for name, kind in (("fifo", "a FIFO"), ("zero", "a device or socket")):
        path = tmp_path / name
        raised = _raised_within(10, export, tmp_path / "grades.csv", path)
        assert isinstance(raised, GradebookError), repr(raised)
        assert f"{path} is not a regular file ({kind})" in str(raised)


def _raised_within(seconds, call, *args):
    """What call(*args) raised (None if nothing), run in a thread; fails if it blocks."""
    done = []

    def run():
        try:
            call(*args)
            done.append(None)
        except BaseException as exc:  # judged by the caller
            done.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, f"still blocked after {seconds} s"
    return done[0]


# -- gzip headers and members that cost time, not memory -----------------------------------------
def _idx_gz_members(*parts: bytes) -> bytes:
    return b"".join(gzip.compress(p, mtime=0) for p in parts)


IDX_3x4 = bytes([0, 0, 0x08, 2, 0, 0, 0, 3, 0, 0, 0, 4]) + bytes(range(12))


def test_a_gzip_name_that_never_ends_is_refused_quickly(tmp_path):
    """GzipFile reads a member's file name (FNAME) one byte at a time in Python: 16 MB of a
    name without its terminating zero took 2.2 s to refuse (a 1 GB one, minutes)."""
    path = tmp_path / "x-idx2-ubyte.gz"
    path.write_bytes(b"\x1f\x8b\x08\x08" + bytes(6) + b"n" * 2**24)
    started = time.process_time()  # CPU time: a busy machine stretches wall time, not work
    with pytest.raises(ValueError, match=f"{path} is not a valid gzip file .*ended before"):
        read_idx(path)
    assert time.process_time() - started < 1.0


def test_many_empty_gzip_members_are_refused(tmp_path):
    """Each gzip member costs a header and an inflater: 10 MB of empty ones took 1.6 s (and
    3.9 s through GzipFile) before the data; more than 64 are refused at once."""
    path = tmp_path / "x-idx2-ubyte.gz"
    path.write_bytes(_idx_gz_members(*[b""] * 100_000, IDX_3x4))
    with pytest.raises(ValueError, match=f"{path} is not a valid gzip file .*64 empty gzip"):
        read_idx(path)


@pytest.mark.parametrize(
    "packed",
    [
        _idx_gz_members(IDX_3x4),
        _idx_gz_members(IDX_3x4[:5], IDX_3x4[5:13], IDX_3x4[13:]),  # pigz, cat a.gz b.gz
        _idx_gz_members(IDX_3x4) + bytes(512),  # padded to a block (tape, some tools)
        _idx_gz_members(IDX_3x4[:9], b"", IDX_3x4[9:]) + bytes(3),
        gzip.compress(IDX_3x4, mtime=0)[:3]
        + b"\x18"
        + gzip.compress(IDX_3x4, mtime=0)[4:10]
        + b"name.idx\0a comment\0"
        + gzip.compress(IDX_3x4, mtime=0)[10:],  # FNAME, FCOMMENT
    ],
    ids=["one", "three-members", "zero-padding", "empty-member", "name-and-comment"],
)
def test_honest_gzip_layouts_still_load(tmp_path, packed):
    path = tmp_path / "x-idx2-ubyte.gz"
    path.write_bytes(packed)
    assert gzip.decompress(packed) == IDX_3x4  # what GzipFile reads, too
    assert read_idx(path).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


@pytest.mark.parametrize(
    "packed, said",
    [
        (_idx_gz_members(IDX_3x4) + b"junk", "not a gzipped file: a member starts with b'ju'"),
        (bytes(10) + _idx_gz_members(IDX_3x4), r"not a gzipped file: .* b'\\x00\\x00'"),
        (_idx_gz_members(IDX_3x4)[:-4], "ended before the end-of-stream marker"),
        (_idx_gz_members(IDX_3x4)[:-1] + b"\x01", "incorrect length check"),
    ],
    ids=["trailing-junk", "leading-zeros", "cut-trailer", "wrong-length"],
)
def test_broken_gzip_layouts_are_refused_as_gzipfile_refuses_them(tmp_path, packed, said):
    path = tmp_path / "x-idx2-ubyte.gz"
    path.write_bytes(packed)
    with pytest.raises(Exception):  # noqa: B017, PT011 - GzipFile refuses it, in some way
        gzip.decompress(packed)
    with pytest.raises(ValueError, match=f"read_idx: {path} is not a valid gzip file .*{said}"):
        read_idx(path)


# -- text from a graph file that print(graph) and error messages show --------------------------
@pytest.mark.parametrize(
    "place, text",
    [
        ("input_names", "\x1b[2J\x1b[1;1Hx"),  # clears the student's terminal
        ("constant", "w\nreal graph: nothing to see"),  # forges lines of print(graph)
        ("constant", "w\u202e"),  # a right-to-left override
        ("input_names", "x\x00"),
    ],
)
def test_names_with_control_characters_in_a_graph_file_are_refused(tmp_path, place, text):
    """Input and constant names went from the file, as they were, into print(graph) and into
    the message of a call with a wrong input ('graph: input <name> must be ...')."""
    honest = tmp_path / "honest.mgraph"
    w = minigrad.ones(3, 2, dtype=minigrad.float64)
    static.trace(lambda x: x @ w, minigrad.ones(2, 3, dtype=minigrad.float64)).save(honest)
    with zipfile.ZipFile(honest) as z:
        members = {name: z.read(name) for name in z.namelist()}
    doc = json.loads(members["graph.json"])
    if place == "input_names":
        doc["input_names"] = [text]
    else:
        next(iter(doc["constants"].values()))["name"] = text
    path = tmp_path / "named.mgraph"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, json.dumps(doc) if name == "graph.json" else data)
    with pytest.raises(ValueError, match=f"{path} .* holds the character U\\+"):
        static.load(path)
    assert "graph(%0 x0: f64[2, 3])" in str(static.load(honest))


# -- the release scanner's archives ------------------------------------------------------------
SECRET = 'assert square(-2) == 4, "hidden: square(-2) should be 4"'


def test_the_release_scan_refuses_zip_members_that_share_their_data(tmp_path):
    """`verify` reads every member of every archive in a release: 40 names over one payload
    were 40 reads (in a bigger archive, a read of terabytes); now one 'could not be scanned'."""
    from minigrad_course.release import scan

    names = [f"notes/{i}.txt" for i in range(40)]
    (tmp_path / "extras.zip").write_bytes(_shared_zip({}, names, SECRET.encode()))
    found = scan(tmp_path, {SECRET: "hidden-test line"})
    assert found == [
        f"extras.zip: hidden-test line: {SECRET!r}",  # stored: in the file's own bytes
        "extras.zip (unreadable archive: its member 'notes/39.txt' claims 56 bytes of data, "
        "which run into the next member: a corrupt file, or a zip bomb (members that share "
        "their data)): could not be scanned",
    ]


def test_the_release_scan_bounds_what_a_gz_inflates_to(tmp_path, monkeypatch):
    """gzip.decompress inflated a .gz whole (a 200 kB bomb: 200 MB); it now stops past
    MAX_SCANNED_BYTES and reports the file, as it does a zip member that big. Every gzip
    member is still read."""
    from minigrad_course import release

    monkeypatch.setattr(release, "MAX_SCANNED_BYTES", 10_000)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(bytes(10_001)))
    (tmp_path / "two.gz").write_bytes(gzip.compress(b"x" * 100) + gzip.compress(SECRET.encode()))
    assert release.scan(tmp_path, {SECRET: "hidden-test line"}) == [
        "bomb.gz! (too big): could not be scanned",
        f"two.gz!: hidden-test line: {SECRET!r}",
    ]


# -- a notebook of very many cells ---------------------------------------------------------------
def test_a_notebook_of_too_many_cells_is_refused_before_its_schema_check(tmp_path, monkeypatch):
    """nbformat's schema check takes ~20 us a cell: 64 MB of 600,000 empty cells took 10 s
    (50 s on a loaded machine). read_notebook now counts cells as the grader does."""
    import nbformat.v4

    from minigrad_course import notebook as nbf

    monkeypatch.setattr(nbf, "MAX_NOTEBOOK_CELLS", 10)

    def write(n, path):
        cells = [nbformat.v4.new_code_cell("x = 1", id=f"c{i}") for i in range(n)]
        for cell in cells:  # nbgrader metadata may name the cell type again
            cell.metadata["nbgrader"] = {"cell_type": "code", "grade": False}
        path.write_text(nbf.dumps_notebook(nbformat.v4.new_notebook(cells=cells)))
        return path

    path = write(11, tmp_path / "many.ipynb")
    with pytest.raises(nbf.NotebookError, match=f"{path} has more than 10 cells"):
        nbf.read_notebook(path)
    assert len(nbf.read_notebook(write(10, tmp_path / "ten.ipynb")).cells) == 10


# -- load_mnist's memory -------------------------------------------------------------------------
def test_load_mnist_scales_the_images_without_a_temporary(tmp_path):
    """astype(float32) / 255 made two float32 copies: 9 times the bytes read at the peak
    (2 GB of bytes, what a 21 MB .gz may hold, took 18 GB); one copy now, values the same."""
    from minigrad.datasets import load_mnist

    images = np.random.default_rng(0).integers(0, 256, (4000, 28, 28), dtype=np.uint8)
    labels = np.arange(4000, dtype=np.uint8) % 10
    for name, array in (
        ("train-images-idx3-ubyte", images),
        ("train-labels-idx1-ubyte", labels),
    ):
        head = bytes([0, 0, 0x08, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
        (tmp_path / name).write_bytes(head + array.tobytes())
    loaded = []
    peak = peak_bytes(lambda: loaded.append(load_mnist(tmp_path, train=True)))
    x, y = loaded[0]
    assert x.shape == (4000, 1, 28, 28) and y.tolist() == labels.astype(np.int64).tolist()
    assert np.array_equal(x.array[:, 0], images.astype(np.float32) / 255.0)
    assert peak < 6 * images.nbytes, peak / images.nbytes  # bytes read, then 4 for float32


# -- progress's cache file -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["deep", "fifo", "device"])
def test_a_progress_cache_that_is_not_ours_starts_afresh(tmp_path, monkeypatch, kind):
    """A cache nested 100,000 deep raised RecursionError out of `progress` (it caught OSError
    and ValueError); a FIFO in its place blocked it."""
    from minigrad_course import progress

    monkeypatch.setenv("MINIGRAD_COURSE_CACHE", str(tmp_path))
    path = progress.cache_file()
    if kind == "deep":
        path.write_text("[" * 100_000)
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    assert _raised_within(10, progress.milestones_run) is None
    assert progress.milestones_run() == {}
    if kind == "deep":  # and it is written afresh
        progress.record_milestone("xor")
        assert list(progress.milestones_run()) == ["xor"]


def _tar(members: dict[str, bytes], mode: str) -> bytes:
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_the_release_scan_bounds_what_a_tarball_inflates_to(tmp_path, monkeypatch):
    """tarfile inflated a .tar.gz (and a .tar that is bz2 or xz inside) as far as its member
    headers go: members of under MAX_SCANNED_BYTES each, read one by one, terabytes in all.
    A .tar.gz is now inflated within MAX_SCANNED_BYTES (reported 'too big' past it), and a
    .tar is read as a plain tar; an honest tarball is scanned as before."""
    from minigrad_course import release

    monkeypatch.setattr(release, "MAX_SCANNED_BYTES", 100_000)
    members = {f"part{i}.bin": bytes(60_000) for i in range(3)}  # each one under the limit
    (tmp_path / "bomb.tar.gz").write_bytes(gzip.compress(_tar(members, "w")))
    (tmp_path / "hidden.tar").write_bytes(_tar(members, "w:bz2"))
    (tmp_path / "honest.tgz").write_bytes(
        gzip.compress(_tar({"a/notes.txt": SECRET.encode()}, "w"))
    )
    found = release.scan(tmp_path, {SECRET: "hidden-test line"})
    assert found[0] == "bomb.tar.gz (too big): could not be scanned"
    assert found[1].startswith("hidden.tar (unreadable archive: ")
    assert found[2:] == [f"honest.tgz!a/notes.txt: hidden-test line: {SECRET!r}"]


# -- map_location as torch.load takes it ---------------------------------------------------------
@pytest.mark.parametrize(
    "where",
    [lambda storage, location: storage, lambda s, loc: None, {"cuda:0": "cpu"}, {"cpu": "cpu"}],
    ids=["function", "function-None", "dict-other", "dict-cpu"],
)
def test_map_location_as_a_function_or_a_dict_loads_as_torch_does(tmp_path, where):
    """`torch.load(path, map_location=lambda storage, loc: storage)` (the old tutorials'
    way to load on a CPU) raised 'device: expected a string such as cpu' from minigrad."""
    import torch

    for lib in (torch, minigrad):
        path = tmp_path / f"{lib.__name__}.pt"
        lib.save({"w": lib.nn.Parameter(lib.ones(2)), "n": lib.arange(3)}, path)
        loaded = lib.load(path, map_location=where)
        assert type(loaded["w"]).__name__ == "Parameter" and loaded["w"].requires_grad
        assert loaded["n"].tolist() == [0, 1, 2] and str(loaded["n"].device) == "cpu"


def test_map_location_returning_something_else_is_a_type_error(tmp_path):
    minigrad.save({"w": minigrad.ones(2)}, tmp_path / "m.pt")
    with pytest.raises(TypeError, match="map_location returned int for tensors/0.npy"):
        minigrad.load(tmp_path / "m.pt", map_location=lambda storage, location: 5)
