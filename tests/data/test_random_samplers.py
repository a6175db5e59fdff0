"""RandomSampler with num_samples and replacement, and SubsetRandomSampler (a train/validation
split of one dataset), as PyTorch's: what they yield, their lengths and their argument checks."""

from __future__ import annotations

import pytest
import torch

import minigrad


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_subset_random_sampler_yields_its_indices_in_a_new_order_each_epoch(lib):
    data = lib.utils.data
    dataset = data.TensorDataset(lib.arange(20.0))
    train = data.SubsetRandomSampler(
        list(range(0, 20, 2)), generator=lib.Generator().manual_seed(0)
    )
    orders = [list(train) for _ in range(5)]
    assert all(sorted(order) == list(range(0, 20, 2)) for order in orders) and len(train) == 10
    assert len({tuple(order) for order in orders}) > 1
    loader = data.DataLoader(dataset, batch_size=4, sampler=train)
    seen = [int(v) for (batch,) in loader for v in batch.tolist()]
    assert sorted(seen) == list(range(0, 20, 2)) and len(loader) == 3


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_random_sampler_with_num_samples_and_replacement(lib):
    data = lib.utils.data
    dataset = data.TensorDataset(lib.arange(10.0))
    drawn = list(data.RandomSampler(dataset, replacement=True, num_samples=25))
    assert len(drawn) == 25 and all(0 <= i < 10 for i in drawn)
    longer = list(data.RandomSampler(dataset, num_samples=25))  # whole permutations first
    assert len(longer) == 25
    assert sorted(longer[:10]) == list(range(10)) and sorted(longer[10:20]) == list(range(10))
    assert len(set(longer[20:])) == 5
    assert len(data.RandomSampler(dataset, num_samples=7)) == 7
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        data.RandomSampler(dataset, num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        data.RandomSampler(dataset, replacement=1)
