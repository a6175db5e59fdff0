"""minigrad.save / minigrad.load: tensors, state dicts, optimizer states; no pickle; clear
errors on corrupt or truncated files."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import minigrad
from minigrad import nn, optim


def test_round_trip_model_and_optimizer(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(minigrad.randn(5, 3)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    minigrad.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, path)
    ckpt = minigrad.load(path)
    assert ckpt["epoch"] == 3 and list(ckpt["model"]) == list(model.state_dict())
    assert ckpt["model"]["1.num_batches_tracked"].dtype == minigrad.int64
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    fresh.load_state_dict(ckpt["model"])
    for a, b in zip(fresh.state_dict().values(), model.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fresh_opt = optim.SGD(fresh.parameters(), lr=0.5)
    fresh_opt.load_state_dict(ckpt["opt"])
    assert fresh_opt.param_groups[0]["lr"] == 0.1 and 0 in ckpt["opt"]["state"]


def test_tensors_nested_structures_and_shared_tensors():
    t = minigrad.arange(6).reshape(2, 3)
    p = nn.Parameter(minigrad.ones(2, dtype=minigrad.float64))
    buffer = io.BytesIO()
    minigrad.save([t, (t, p), {"k": None, 1: 2.5, "s": "text"}], buffer)
    buffer.seek(0)
    a, (b, q), d = minigrad.load(buffer)
    assert a is b and a.tolist() == t.tolist() and a.dtype == minigrad.int64
    assert isinstance(q, nn.Parameter) and q.requires_grad and q.dtype == minigrad.float64
    assert d == {"k": None, 1: 2.5, "s": "text"}


def test_refuses_arbitrary_objects_and_has_no_pickle(tmp_path):
    with pytest.raises(TypeError, match="cannot save"):
        minigrad.save({"f": print}, tmp_path / "x")
    minigrad.save(minigrad.zeros(2), tmp_path / "ok")
    with zipfile.ZipFile(tmp_path / "ok") as archive:
        assert sorted(archive.namelist()) == ["minigrad.json", "tensors/0.npy"]


def test_corrupt_and_truncated_files_raise_clear_errors(tmp_path):
    path = tmp_path / "m.pt"
    minigrad.save(nn.Linear(20, 20).state_dict(), path)
    data = path.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint at all")
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    (tmp_path / "flip.pt").write_bytes(bytes(flipped))
    for name in ("cut.pt", "junk.pt", "flip.pt"):
        with pytest.raises(RuntimeError, match="not a valid minigrad file or is truncated"):
            minigrad.load(tmp_path / name)
