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


def test_workers_on_a_stream_give_pytorchs_batches():
    """num_workers=2 on an IterableDataset: each worker reads its own copy (a stream that
    ignores get_worker_info() comes twice), a dataset that splits itself by
    get_worker_info() comes once, and the workers' batches come in turn, as PyTorch's
    worker processes give them; worker_init_fn sees the worker's info (in PyTorch it runs in
    the worker process, so only minigrad's record of it can be read here)."""

    def loaded(lib):
        data = lib.utils.data

        class Split(data.IterableDataset):
            def __iter__(self):
                info = data.get_worker_info()
                per = -(-10 // info.num_workers)
                return iter(range(info.id * per, min(10, (info.id + 1) * per)))

        seen = []

        def init(worker_id):
            info = data.get_worker_info()
            seen.append((worker_id, info.id, info.num_workers, type(info.dataset).__name__))

        split = data.DataLoader(Split(), batch_size=2, num_workers=2, worker_init_fn=init)
        whole = data.DataLoader(_stream(lib, 3), batch_size=2, num_workers=2)
        unbatched = data.DataLoader(Split(), batch_size=None, num_workers=3)
        return (
            [b.tolist() for b in split],
            [b.tolist() for b in whole],
            [int(x) for x in unbatched],
            data.get_worker_info(),
        ), seen

    (ours, seen), (theirs, _) = loaded(minigrad), loaded(torch)
    assert ours == theirs
    assert ours[0] == [[0, 1], [5, 6], [2, 3], [7, 8], [4], [9]]
    assert sorted(seen) == [(0, 0, 2, "Split"), (1, 1, 2, "Split")]


def test_the_docs_range_dataset_that_splits_by_worker_info_reads_it_whole_without_workers():
    """torch.utils.data's IterableDataset example: get_worker_info() is None in the main
    process, so the dataset yields its whole range."""

    def loaded(lib):
        class MyIterableDataset(lib.utils.data.IterableDataset):
            def __init__(self, start, end):
                super().__init__()
                self.start, self.end = start, end

            def __iter__(self):
                worker_info = lib.utils.data.get_worker_info()
                if worker_info is None:
                    return iter(range(self.start, self.end))
                per_worker = -(-(self.end - self.start) // worker_info.num_workers)
                start = self.start + worker_info.id * per_worker
                return iter(range(start, min(start + per_worker, self.end)))

        return [t.tolist() for t in lib.utils.data.DataLoader(MyIterableDataset(3, 7))]

    assert loaded(minigrad) == loaded(torch) == [[3], [4], [5], [6]]


def test_stack_dataset_as_pytorch():
    def stacked(lib):
        images, labels = lib.arange(12.0).reshape(4, 3), lib.tensor([0, 1, 0, 1])
        data = lib.utils.data
        by_position = data.StackDataset(data.TensorDataset(images), labels)
        by_name = data.StackDataset(image=images, label=labels)
        errors = []
        for args, kwargs in [((images,), {"label": labels}), ((), {}), ((images, labels[:3]), {})]:
            with pytest.raises(ValueError) as error:
                data.StackDataset(*args, **kwargs)
            errors.append(str(error.value))
        batch = next(iter(data.DataLoader(by_name, batch_size=3)))
        return [
            len(by_position), [by_position[2][0][0].tolist(), by_position[2][1].item()],
            sorted(by_name[1]), {k: v.tolist() for k, v in batch.items()}, errors,
        ]  # fmt: skip

    assert stacked(minigrad) == stacked(torch)
