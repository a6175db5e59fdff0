"""Every reader of a file a user may have downloaded (minigrad.load, static.load, read_idx,
and read_notebook for a student's or a released notebook) against paths that are not ordinary
files, truncated files and random corruption: each fails fast with its loader's exception
type, naming the file; none blocks, reads an endless device or lets a raw zipfile/zlib/gzip
error through."""

from __future__ import annotations

import gzip
import json
import os
import threading

import numpy as np
import pytest
from nbformat import NotebookNode

import minigrad
from minigrad import static
from minigrad.datasets import read_idx
from minigrad_course.notebook import NotebookError, dumps_notebook, read_notebook


def _write_checkpoint(path):
    minigrad.save({"w": minigrad.arange(12.0).reshape(3, 4), "step": 3}, path)


def _write_graph(path):
    w = minigrad.tensor(np.arange(12.0).reshape(3, 4))
    static.trace(lambda x: (x @ w).relu(), minigrad.ones(2, 3, dtype=minigrad.float64)).save(path)


def _write_idx(path):
    data = bytes([0, 0, 0x08, 2, 0, 0, 0, 3, 0, 0, 0, 4]) + bytes(range(12))
    path.write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)


def _write_notebook(path):
    import nbformat.v4

    cell = nbformat.v4.new_code_cell("x = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]", id="c")
    path.write_text(dumps_notebook(nbformat.v4.new_notebook(cells=[cell])), encoding="utf-8")


# (reader, the exception a bad file raises, a writer of a valid file, a file name)
LOADERS = [
    pytest.param(minigrad.load, RuntimeError, _write_checkpoint, "m.pt", id="minigrad.load"),
    pytest.param(static.load, ValueError, _write_graph, "m.mgraph", id="static.load"),
    pytest.param(read_idx, ValueError, _write_idx, "x-idx2-ubyte", id="read_idx"),
    pytest.param(read_idx, ValueError, _write_idx, "x-idx2-ubyte.gz", id="read_idx-gz"),
    pytest.param(read_notebook, NotebookError, _write_notebook, "04.ipynb", id="read_notebook"),
]


def _finishes(call, seconds=20.0):
    """call() run in a thread: (the exception it raised or None); fails if it blocks."""
    outcome = []

    def run():
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still blocked after {seconds} s"
    return outcome[0]


def _values(loaded) -> list:
    if isinstance(loaded, NotebookNode):
        return json.loads(loaded.cells[0].source.removeprefix("x = "))
    if isinstance(loaded, dict):
        return loaded["w"].tolist()
    if isinstance(loaded, np.ndarray):
        return loaded.tolist()
    return loaded(minigrad.ones(2, 3, dtype=minigrad.float64)).tolist()


@pytest.mark.parametrize("load, error, write, name", LOADERS)
def test_a_valid_file_loads_also_through_a_symlink(tmp_path, load, error, write, name):
    """Symlinks are followed (a dataset folder linked from a shared disk is common)."""
    write(tmp_path / name)
    link = tmp_path / ("link.gz" if name.endswith(".gz") else "link")
    link.symlink_to(tmp_path / name)
    expected = _values(load(tmp_path / name))
    assert expected in (
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]],
        [[12.0, 15.0, 18.0, 21.0]] * 2,
    )
    assert _values(load(link)) == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("load, error, write, name", LOADERS)
def test_a_fifo_is_refused_without_blocking(tmp_path, load, error, write, name):
    """Opening a FIFO that no one writes to blocked forever; so did a symlink to one."""
    fifo = tmp_path / name
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    for path in (fifo, tmp_path / "link"):
        exc = _finishes(lambda p=path: load(p))
        assert isinstance(exc, error), repr(exc)
        assert str(path) in str(exc) and "not a regular file (a FIFO)" in str(exc)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("load, error, write, name", LOADERS)
def test_an_endless_device_is_refused_before_reading(device, load, error, write, name):
    """zipfile.ZipFile('/dev/zero') allocated gigabytes (MemoryError at a 4 GB cap)."""
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    with pytest.raises(error, match=f"{device} is not a regular file"):
        load(device)


@pytest.mark.parametrize("load, error, write, name", LOADERS)
def test_missing_paths_and_directories_raise_what_open_raises(tmp_path, load, error, write, name):
    """As torch.load and np.load: FileNotFoundError and IsADirectoryError, not 'corrupt'."""
    with pytest.raises(FileNotFoundError, match="missing"):
        load(tmp_path / "missing")
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        load(tmp_path)


@pytest.mark.parametrize("load, error, write, name", LOADERS)
def test_every_truncation_and_corruption_is_a_clear_error(tmp_path, load, error, write, name):
    """Empty, cut at many lengths, and bytes flipped at random (a seeded fuzz): each load
    succeeds or raises the loader's exception naming the file, never zlib.error,
    NotImplementedError, struct.error, KeyError or a MemoryError."""
    good = tmp_path / name
    write(good)
    data = good.read_bytes()
    bad = tmp_path / ("bad.gz" if name.endswith(".gz") else "bad")
    rng = np.random.default_rng(0)
    cuts = [bytes(data[:n]) for n in range(0, len(data), max(1, len(data) // 60))]
    flips = []
    for _ in range(150):
        damaged = bytearray(data)
        for at in rng.integers(0, len(data), rng.integers(1, 4)):
            damaged[at] = int(rng.integers(0, 256))
        flips.append(bytes(damaged))
    refused = 0
    for content in cuts + flips:
        bad.write_bytes(content)
        try:
            load(bad)
        except error as exc:
            assert str(bad) in str(exc), str(exc)
            refused += 1
    assert refused >= len(cuts)  # a cut file is never read as a valid one


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_minigrad_load_refuses_an_open_device_file():
    """torch.load also takes file objects: ZipFile read an open /dev/zero without end."""
    with open("/dev/zero", "rb") as f, pytest.raises(RuntimeError, match="not a regular file"):
        minigrad.load(f)
