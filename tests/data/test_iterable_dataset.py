"""IterableDataset and ChainDataset through the DataLoader, as PyTorch: batches of consecutive
samples, len() only when the stream has one, and the options a stream cannot take."""

from __future__ import annotations

import pytest
import torch

import minigrad


def _stream(lib, n, with_len=False):
    class Stream(lib.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

    if with_len:
        Stream.__len__ = lambda self: n
    return Stream()


@pytest.mark.parametrize(
    "options", [{"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}]
)
def test_batches_as_pytorch(options):
    def batches(lib):  # batch_size=None yields the samples themselves (ints here)
        loader = lib.utils.data.DataLoader(_stream(lib, 7), **options)
        return [b if isinstance(b, int) else b.tolist() for b in loader]

    assert batches(minigrad) == batches(torch)


def test_len_chain_and_errors_as_pytorch():
    for lib in (torch, minigrad):
        data = lib.utils.data
        assert len(data.DataLoader(_stream(lib, 7, True), batch_size=3)) == 3
        assert len(data.DataLoader(_stream(lib, 7, True), batch_size=3, drop_last=True)) == 2
        with pytest.raises(TypeError, match="has no len"):
            len(data.DataLoader(_stream(lib, 7), batch_size=3))
        for option in ({"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0]]}):
            with pytest.raises(ValueError, match="IterableDataset: expected unspecified"):
                data.DataLoader(_stream(lib, 7), **option)
        chained = _stream(lib, 2) + _stream(lib, 3)
        assert type(chained).__name__ == "ChainDataset" and list(chained) == [0, 1, 0, 1, 2]
        assert issubclass(data.dataset.IterableDataset, data.Dataset)


def test_worker_threads_on_a_stream_say_it_is_not_supported():
    with pytest.raises(NotImplementedError, match="num_workers > 0 with an IterableDataset"):
        minigrad.utils.data.DataLoader(_stream(minigrad, 7), num_workers=2)
