"""minigrad.data (also importable as minigrad.utils.data, PyTorch's path): datasets, samplers
and the DataLoader."""

from minigrad.data.dataloader import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    default_collate,
)
from minigrad.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]
