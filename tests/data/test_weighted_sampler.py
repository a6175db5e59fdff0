"""WeightedRandomSampler: draws in proportion to the weights, from minigrad's generators, with
PyTorch's argument checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

WEIGHTS = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
CHI2_DF5_P001 = 20.515  # the 0.999 quantile of chi-square with 5 degrees of freedom


def _chi2(counts, weights):
    expected = np.asarray(weights) / np.sum(weights) * np.sum(counts)
    return float(((counts - expected) ** 2 / expected).sum())


def test_with_replacement_follows_the_weights():
    minigrad.manual_seed(0)
    sampler = WeightedRandomSampler(WEIGHTS, 20000)
    drawn = list(sampler)
    assert len(sampler) == len(drawn) == 20000
    assert all(type(i) is int for i in drawn[:10])
    counts = np.bincount(drawn, minlength=len(WEIGHTS))
    assert _chi2(counts, WEIGHTS) < CHI2_DF5_P001
    # a zero weight is never drawn
    minigrad.manual_seed(1)
    assert 0 not in set(WeightedRandomSampler([0.0, 1.0, 2.0], 1000))


def test_without_replacement_each_index_once_first_pick_by_weight():
    minigrad.manual_seed(0)
    weights = [0.9, 0.4, 0.05, 0.2, 0.3, 0.1]
    firsts = []
    for _ in range(3000):
        drawn = list(WeightedRandomSampler(weights, 4, replacement=False))
        assert len(set(drawn)) == 4
        firsts.append(drawn[0])
    counts = np.bincount(firsts, minlength=len(weights))
    assert _chi2(counts, weights) < CHI2_DF5_P001
    assert sorted(WeightedRandomSampler(weights, 6, replacement=False)) == list(range(6))


def test_generator_makes_epochs_reproducible_and_fresh():
    a = WeightedRandomSampler(WEIGHTS, 50, generator=minigrad.Generator().manual_seed(3))
    b = WeightedRandomSampler(WEIGHTS, 50, generator=minigrad.Generator().manual_seed(3))
    first = list(a)
    assert first == list(b)
    assert list(a) != first  # the next epoch is a new draw
    minigrad.manual_seed(5)
    x = list(WeightedRandomSampler(WEIGHTS, 50))
    minigrad.manual_seed(5)
    assert list(WeightedRandomSampler(WEIGHTS, 50)) == x


def test_in_a_dataloader():
    minigrad.manual_seed(0)
    data = TensorDataset(minigrad.arange(6))
    loader = DataLoader(data, batch_size=4, sampler=WeightedRandomSampler(WEIGHTS, 10))
    batches = [b[0].tolist() for b in loader]
    assert [len(b) for b in batches] == [4, 4, 2]


@pytest.mark.parametrize(
    "args",
    [
        ([1.0, 2.0], 0),
        ([1.0, 2.0], -1),
        ([1.0, 2.0], 2.0),
        ([1.0, 2.0], True),
        ([1.0, 2.0], 3, 1),
        ([[1.0, 2.0]], 3),
    ],
)
def test_errors_as_torch(args):
    with pytest.raises(ValueError) as expected:
        torch.utils.data.WeightedRandomSampler(*args)
    with pytest.raises(ValueError) as got:
        WeightedRandomSampler(*args)
    assert str(got.value) == str(expected.value)
