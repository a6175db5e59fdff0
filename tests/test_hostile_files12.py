"""Sharing kept for view(dtype) and expanded tensors, and hostile files against every loader
of a file a student may download or be handed (minigrad.load, static.load, read_idx).

Section 1: minigrad.save kept sharing only between tensors of the owner's dtype whose
elements fit in it, so a view(dtype) of another tensor and an expand larger than its memory
were stored by value, unshared, where PyTorch keeps them sharing; PyTorch refuses tensors
that read one memory as different dtypes, which minigrad saved. Section 2: holes found by
the mutation fuzzer of section 3. Each test named `..._as_pytorch`, `..._is_refused...` or
`..._is_a_clear_error` failed on the code before its change (what happened is in its
docstring); the others pin what must keep working.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import minigrad
from minigrad import serialization


def _roundtrip(obj):
    buffer = io.BytesIO()
    minigrad.save(obj, buffer)
    buffer.seek(0)
    return minigrad.load(buffer)


def _torch_roundtrip(torch, obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer)


def _layout(loaded) -> list:
    """Each tensor's dtype, values, strides and storage offset, and which share memory."""
    ptr = [t.untyped_storage().data_ptr() for t in loaded]
    return [
        (str(t.dtype).split(".")[-1], t.tolist(), t.stride(), t.storage_offset(), ptr.count(p))
        for t, p in zip(loaded, ptr)
    ]


# -- 1. view(dtype) and expand -----------------------------------------------------------------
_PROGRAMS = {
    # views of one memory as one dtype that is not the owner's
    "int32 views": lambda lib, x: [x.view(lib.int32), x[3:].view(lib.int32)],
    "float64 views": lambda lib, x: [x.view(6, 2).view(lib.float64), x[2:].view(lib.float64)],
    "int16 views": lambda lib, x: [x[1:].view(lib.int16), x.view(lib.int16)[4::3]],
    # expands past the owner's element count
    "expand": lambda lib, x: [x[:2], x[:2].expand(5, 2), x.expand(3, 12)],
    "expand of one element": lambda lib, x: [x[0].expand(100, 100), x],
    "expand alone": lambda lib, x: [x.view(3, 4)[1:2].expand(5, 4)],
}


@pytest.mark.parametrize("program", sorted(_PROGRAMS))
def test_views_as_another_dtype_and_expands_keep_sharing_as_pytorch(program):
    """Each was stored by value: the loaded tensors shared nothing, and an expand came back
    with its repeated elements copied (strides (12, 1) for PyTorch's (0, 1))."""
    torch = pytest.importorskip("torch")
    ours = _roundtrip(_PROGRAMS[program](minigrad, minigrad.arange(12.0)))
    theirs = _torch_roundtrip(torch, _PROGRAMS[program](torch, torch.arange(12.0)))
    assert _layout(ours) == _layout(theirs)


def test_tensors_viewing_one_memory_as_different_dtypes_are_refused_as_pytorch():
    """PyTorch's save raises RuntimeError (a storage has one dtype in its files); minigrad's
    saved both, by value, unshared."""
    torch = pytest.importorskip("torch")
    for lib in (torch, minigrad):
        x = lib.arange(6.0)
        for obj in ([x, x.view(lib.int32)], {"a": x[1:].view(lib.int16), "b": x[2:]}):
            with pytest.raises(RuntimeError, match="view the same data as different types"):
                lib.save(obj, io.BytesIO())


def test_a_loaded_expand_refuses_the_writes_pytorchs_refuses():
    """Stored by value, a saved expand loaded as a tensor of distinct elements: mul_ wrote,
    where PyTorch's loaded expand refuses it, and the file held each repeat (40 kB for an
    expand of one float to 100 x 100, now under 1 kB)."""
    torch = pytest.importorskip("torch")
    got = []
    for lib in (minigrad, torch):
        buffer = io.BytesIO()
        lib.save(lib.arange(3.0)[1:2].expand(100, 100), buffer)
        assert len(buffer.getvalue()) < 2000
        buffer.seek(0)
        wide = lib.load(buffer)
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            wide.mul_(2)
        wide.fill_(7.0)
        got.append((wide.stride(), wide.sum().item()))
    assert got[0] == got[1] == ((0, 0), 70000.0)


def test_an_expand_past_what_its_member_may_unpack_to_is_stored_by_value():
    """An expand holds no more bytes than max_inflated of its base's member (the bound a
    tensor stored by value meets in load), so save stores a larger one by value: a file
    save writes always loads."""
    one = minigrad.ones(1, dtype=minigrad.int8)
    limit = serialization.max_inflated(one.numel())
    (small,) = _roundtrip([one.expand(limit // 2)])
    (large,) = _roundtrip([one.expand(limit + 1)])
    assert small.stride() == (0,) and large.stride() == (1,)
    assert small.sum().item() == limit // 2 and large.sum().item() == limit + 1


def _crafted(path, base: np.ndarray, entries: list, tree) -> str:
    """A version-2 file of a 1-D base stored by value and these tensor entries."""
    meta = {"dtype": str(base.dtype), "shape": [base.size], "requires_grad": False}
    header = {"format": "minigrad", "version": 2, "tensors": [meta, *entries], "object": tree}
    buffer = io.BytesIO()
    np.save(buffer, base, allow_pickle=False)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("minigrad.json", json.dumps(header))
        archive.writestr("tensors/0.npy", buffer.getvalue())
    return path


@pytest.mark.parametrize(
    "shape, strides, loads",
    [
        ([1000, 8], [0, 1], True),  # 32 kB from 8 floats: within 16 MiB
        ([2**21, 2], [0, 1], True),  # 16 MiB
        ([2**21 + 10**4, 2], [0, 1], False),  # past 16 MiB + 100 x the member's bytes
        ([3, 3], [1, 1], False),  # windows that overlap: 9 distinct places of 8
        ([2, 5], [0, 1], True),
        ([5, 2], [1, 0], True),
    ],
)
def test_crafted_expands_are_bounded_by_the_bytes_of_their_base(tmp_path, shape, strides, loads):
    entry = {"dtype": "float32", "shape": shape, "view": {"of": 0, "offset": 0, "strides": strides}}
    path = _crafted(tmp_path / "e.pt", np.arange(8, dtype=np.float32), [entry], {"tensor": 1})
    if loads:
        wide = minigrad.load(path)
        assert wide.shape == tuple(shape) and wide.stride() == tuple(strides)
        assert wide[-1, -1].item() == (shape[0] - 1) * strides[0] + (shape[1] - 1) * strides[1]
    else:
        with pytest.raises(RuntimeError, match="holds more elements than tensor 0's 8, or, exp"):
            minigrad.load(path)
