"""data_ptr(), untyped_storage() and storage_offset() give PyTorch's answers to the tutorials'
"do these tensors share memory?" checks: a view's data_ptr is its first element's address
inside the viewed tensor's memory, views share one storage, copies have their own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

# tensors made from x = arange(12.0) and m = x.view(3, 4): views and copies, in both libraries
MADE = [
    "x",
    "x[3:]",
    "m",
    "m.t()",
    "m.T",
    "m[1:, 2:]",
    "m[:, 1]",
    "m[0]",
    "m.select(1, 3)",
    "m.narrow(1, 1, 2)",
    "m.permute(1, 0)[2:]",
    "m.split(2, 1)[1]",
    "m.chunk(3)[2]",
    "m.unbind(0)[1]",
    "x.view(2, 6)[1]",
    "x.detach()",
    "x.unsqueeze(0)",
    "m.reshape(12)",
    "m.flatten()",
    "m.squeeze()",
    "m.expand(2, 3, 4)",
    "m.contiguous()",
    "x.float()",
    "x.clone()",
    "x * 1",
    "m.t().contiguous()",
    "x.double()",
]


def _facts(lib, made):
    x = lib.arange(12.0)
    m = x.view(3, 4)
    t = eval(made, {"x": x, "m": m})
    storage = t.untyped_storage()
    shared = storage == x.untyped_storage()
    return {
        "same first element": t.data_ptr() == x.data_ptr(),
        "offset in elements": (t.data_ptr() - x.data_ptr()) // 4 if shared else None,
        "same storage address": storage.data_ptr() == x.untyped_storage().data_ptr(),
        "storage equal": shared,
        "storage bytes": (storage.nbytes(), storage.size(), len(storage)),
        "storage_offset": t.storage_offset(),
        "element_size": storage.element_size(),
    }


@pytest.mark.parametrize("made", MADE)
def test_memory_facts_as_pytorch(made):
    assert _facts(minigrad, made) == _facts(torch, made)


def test_from_numpy_and_numpy_share_the_address():
    a = np.arange(6.0)
    for lib in (torch, minigrad):
        t = lib.from_numpy(a)
        assert t.data_ptr() == a.__array_interface__["data"][0]
        assert t[2:].storage_offset() == 2 and t[2:].untyped_storage().nbytes() == 48
        assert t.numpy().__array_interface__["data"][0] == t.data_ptr()


def test_empty_tensors_and_scalars():
    for lib in (torch, minigrad):
        empty = lib.empty(0)
        assert empty.data_ptr() == 0
        assert empty.untyped_storage().nbytes() == 0 and empty.untyped_storage().data_ptr() == 0
        scalar = lib.tensor(3.0)
        assert scalar.data_ptr() != 0 and scalar.storage_offset() == 0
        assert scalar.untyped_storage().nbytes() == 4


def test_storage_device_and_repr():
    storage = minigrad.arange(3.0).untyped_storage()
    assert isinstance(storage, minigrad.UntypedStorage)
    assert storage.device == minigrad.device("cpu")
    assert repr(storage) == "minigrad.UntypedStorage(device=cpu) of size 12"
    assert len({storage, minigrad.arange(3.0).untyped_storage(), storage}) == 2


def test_an_in_place_change_through_a_view_shows_in_the_tensor_with_that_storage():
    """The tutorial's reason to compare addresses: writes through a view reach the base."""
    x = minigrad.zeros(2, 3)
    row = x[1]
    assert row.untyped_storage() == x.untyped_storage() and row.storage_offset() == 3
    row.fill_(1.0)
    assert x.tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    y = x.clone()
    assert y.untyped_storage() != x.untyped_storage() and y.data_ptr() != x.data_ptr()
