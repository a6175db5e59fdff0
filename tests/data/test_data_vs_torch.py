"""torch.utils.data run side by side with minigrad.utils.data on the same inputs: the same
batches (container types, dtypes, shapes, values) and the same exception types."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch

import minigrad

Pair = collections.namedtuple("Pair", "x y")


def _plain(value):
    """A batch as comparable Python data: each tensor as (dtype, shape, values)."""
    if isinstance(value, (torch.Tensor, minigrad.Tensor)):
        array = value.numpy()
        return "tensor", str(array.dtype), array.shape, array.tolist()
    if isinstance(value, collections.abc.Mapping):
        return type(value).__name__, {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, collections.deque)):
        return type(value).__name__, [_plain(v) for v in value]
    return type(value).__name__, value


def _both(make):
    """make(lib) for minigrad and torch: each result as plain data or (exception type, None)."""
    results = []
    for lib in (minigrad, torch):
        try:
            results.append(_plain(make(lib)))
        except Exception as error:  # noqa: BLE001 - the type is what is compared
            results.append((type(error), None))
    return results


def _collate(batch):
    return lambda lib: lib.utils.data.default_collate(batch(lib))


@pytest.mark.parametrize(
    "batch",
    [
        # ints collate by tensor()'s inference: a float among them is not truncated
        lambda L: [1, 2.5],
        lambda L: [True, 2],
        lambda L: [True, False],
        lambda L: [2**40, -1],
        lambda L: [1.0, 2],
        # samples of different dtypes stack in PyTorch's promoted dtype, not NumPy's
        lambda L: [L.ones(2, dtype=L.int32), L.ones(2, dtype=L.float32)],
        lambda L: [np.ones(2, np.int32), np.ones(2, np.float32)],
        lambda L: [np.ones(2, np.int64), np.ones(2, np.float16)],
        lambda L: [np.int32(1), np.float32(2.5)],
        lambda L: [np.float32(1), np.float64(2)],
        lambda L: [np.bool_(True), np.bool_(False)],
        lambda L: [np.array(1.5), np.array(2.5)],
        # containers
        lambda L: [{"a": 1, "b": (2.0, "s")}, {"a": 3, "b": (4.0, "t")}],
        lambda L: [Pair(1, np.ones(2)), Pair(2, np.zeros(2))],
        lambda L: [(1, 2.0, True, "s", L.ones(2)), (3, 4.0, False, "t", L.zeros(2))],
        lambda L: [[1, 2, 3], [4, 5, 6]],  # a batch of lists is transposed
        lambda L: [collections.deque([1, 2]), collections.deque([3, 4])],
        lambda L: [np.str_("a"), np.str_("b")],
        # errors: strings and objects in arrays, unknown types, ragged samples
        lambda L: [np.array(["a"]), np.array(["b"])],
        lambda L: [np.array([1], dtype=object), np.array([2], dtype=object)],
        lambda L: [None, None],
        lambda L: [1j, 2j],
        lambda L: [[1, 2, 3], [4, 5]],
        lambda L: [L.ones(2, 3), L.ones(2, 3), L.ones(3, 3)],
    ],
)
def test_default_collate_as_torch(batch):
    ours, theirs = _both(_collate(batch))
    assert ours == theirs


@pytest.mark.parametrize(
    "batch, found",
    [(lambda L: [np.array(["a"])], "found <U1"), (lambda L: [None], "found <class 'NoneType'>")],
)
@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_default_collate_type_error_names_what_it_found(batch, found, lib):
    with pytest.raises(TypeError, match=f"default_collate: batch must contain .*; {found}$"):
        lib.utils.data.default_collate(batch(lib))
