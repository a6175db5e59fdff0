"""default_collate's one-call stacking and BatchSampler's sliced batches give PyTorch's
batches: dtypes promoted alike, the same errors, the same index lists."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _samples(lib, kind):
    rng = np.random.default_rng(0)
    if kind == "tensor_int_pairs":
        return [(lib.tensor(rng.standard_normal(5).astype(np.float32)), i) for i in range(7)]
    if kind == "mixed_arrays":  # NumPy samples of different dtypes: promoted as one stack
        return [np.arange(3, dtype=np.int32), np.ones(3, np.int16), np.zeros(3, np.int64)]
    if kind == "images":
        return [(rng.standard_normal((1, 4, 4)), float(i), i % 2 == 0) for i in range(5)]
    if kind == "bool_arrays":
        return [np.array([True, False]), np.array([False, False])]
    raise AssertionError(kind)


def _numpy(batch):
    if isinstance(batch, (list, tuple)):
        return [_numpy(b) for b in batch]
    return batch.numpy()


@pytest.mark.parametrize("kind", ["tensor_int_pairs", "mixed_arrays", "images", "bool_arrays"])
def test_default_collate_matches_pytorch(kind):
    ours = _numpy(minigrad.utils.data.default_collate(_samples(minigrad, kind)))
    theirs = _numpy(torch.utils.data.default_collate(_samples(torch, kind)))
    if not isinstance(ours, list):
        ours, theirs = [ours], [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_collate_errors_match_pytorch(lib):
    collate = lib.utils.data.default_collate
    with pytest.raises(RuntimeError, match=r"equal size, but got \[2\] at entry 0 and \[1, 2\]"):
        collate([lib.ones(2), lib.ones(1, 2)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        collate([(lib.ones(2), 1), (lib.ones(2),)])


@pytest.mark.parametrize("n, size", [(10, 3), (9, 3), (2, 5), (0, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_batches_match_pytorch(n, size, drop_last):
    ours = list(minigrad.utils.data.BatchSampler(range(n), size, drop_last))
    assert ours == list(torch.utils.data.BatchSampler(range(n), size, drop_last))
    assert len(ours) == len(minigrad.utils.data.BatchSampler(range(n), size, drop_last))


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_collate_keeps_the_containers_pytorch_keeps(lib):
    """Strings stay the batch given at the top and a tuple of them inside a sample (a text
    DataLoader's names batch), and a mapping keeps its type (an OrderedDict stays one)."""
    from collections import OrderedDict

    collate = lib.utils.data.default_collate
    assert collate(["a", "b"]) == ["a", "b"]
    texts, labels = collate([("good", 1), ("bad", 0)])
    assert texts == ("good", "bad") and labels.tolist() == [1, 0]
    batch = collate([OrderedDict(x=1.0, name="a"), OrderedDict(x=2.0, name="b")])
    assert type(batch) is OrderedDict and list(batch) == ["x", "name"]
    assert batch["name"] == ["a", "b"] and batch["x"].tolist() == [1.0, 2.0]
