"""torch.utils.data run side by side with minigrad.utils.data on the same inputs: the same
batches (container types, dtypes, shapes, values) and the same exception types."""

from __future__ import annotations

import collections
import itertools

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
        # a batch of mixed kinds: NumPy samples are converted one by one, as PyTorch does
        lambda L: [np.int64(1), 2],
        lambda L: [np.float32(1), 2.5],
        lambda L: [np.ones(2), [1.0, 2.0]],
        lambda L: [np.ones(2, np.float32), L.ones(2)],
        lambda L: [L.ones(2), np.ones(2)],
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
        lambda L: [1.5, None],  # NumPy's float64 reads None as nan and "2" as 2.0
        lambda L: [1.5, "2"],
        lambda L: [1.5, [1.0]],
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


class _Stream:
    """An IterableDataset of range(n) for either library."""

    def __new__(cls, lib, n):
        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(n))

            def __len__(self):
                return n

        return Stream()


@pytest.mark.parametrize(
    "make",
    [
        lambda L: list(L.utils.data.ChainDataset([_Stream(L, 2), _Stream(L, 3)])),
        lambda L: len(L.utils.data.ChainDataset([_Stream(L, 2), _Stream(L, 3)])),
        # a map-style part is refused when iterated or measured, not when chained
        lambda L: list(L.utils.data.ChainDataset([_Stream(L, 2), range(3)])),
        lambda L: len(L.utils.data.ChainDataset([range(3)])),
        lambda L: type(L.utils.data.ChainDataset([range(3)])).__name__,
    ],
)
def test_chain_dataset_as_torch(make):
    ours, theirs = _both(make)
    assert ours == theirs


def _loader_settings(lib):
    loader = lib.utils.data.DataLoader(
        lib.utils.data.TensorDataset(lib.arange(6)),
        batch_size=2,
        shuffle=True,
        num_workers=2,
        persistent_workers=True,
        pin_memory=False,
        timeout=5,
        prefetch_factor=3,
    )
    names = ("batch_size", "drop_last", "num_workers", "persistent_workers", "timeout")
    names += ("prefetch_factor", "pin_memory", "in_order", "multiprocessing_context")
    return {name: getattr(loader, name) for name in names}


def test_dataloader_keeps_its_settings_as_torch():
    ours, theirs = _both(_loader_settings)
    assert ours == theirs


@pytest.mark.parametrize("dataset", ["map", "iterable"])
def test_worker_init_fn_sees_its_worker_info(dataset):
    """PyTorch's worker_init_fn runs in the worker, where get_worker_info() names it (the
    usual way to seed each worker): for minigrad's thread workers of a map-style dataset too."""
    data = minigrad.utils.data
    seen = []

    def init(worker_id):
        info = data.get_worker_info()
        seen.append((worker_id, info.id, info.num_workers, info.seed))

    source = data.TensorDataset(minigrad.arange(4)) if dataset == "map" else _Stream(minigrad, 4)
    loader = data.DataLoader(source, batch_size=2, num_workers=2, worker_init_fn=init)
    assert len(list(loader)) == (2 if dataset == "map" else 4)
    assert [s[:3] for s in seen] == [(0, 0, 2), (1, 1, 2)]
    assert seen[1][3] == seen[0][3] + 1  # consecutive seeds from one base seed, as PyTorch's
    assert data.get_worker_info() is None


def _augmented(lib):
    """A TensorDataset subclass whose __getitem__ changes the sample (an augmentation)."""

    class Scaled(lib.utils.data.TensorDataset):
        def __getitem__(self, index):
            return tuple(t * 100 for t in super().__getitem__(index))

    return Scaled(lib.arange(4))


def _batched(lib):
    """A dataset with __getitems__: PyTorch's loader fetches each batch with one call."""

    class Batched(lib.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return -1

        def __getitems__(self, indices):
            return [index * 10 for index in indices]

    return Batched()


@pytest.mark.parametrize(
    "make",
    [
        lambda L: list(L.utils.data.DataLoader(_augmented(L), batch_size=2)),
        lambda L: list(L.utils.data.DataLoader(L.utils.data.Subset(_augmented(L), [3, 1]))),
        lambda L: list(L.utils.data.DataLoader(_batched(L), batch_size=2)),
        lambda L: list(L.utils.data.DataLoader(L.utils.data.Subset(_batched(L), [4, 0, 2]))),
        lambda L: L.utils.data.Subset(list("abcde"), [4, 3]).__getitems__([1, 0]),
    ],
)
def test_loader_fetches_through_the_datasets_own_methods_as_torch(make):
    ours, theirs = _both(make)
    assert ours == theirs


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_random_split_warns_for_an_empty_split(lib):
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        parts = lib.utils.data.random_split(range(3), [0.95, 0.05])
    assert [len(p) for p in parts] == [3, 0]  # the remainder goes to index 0 first


def test_batches_of_tensors_that_require_grad_keep_the_graph_as_torch():
    ours, theirs = _both(
        lambda L: [
            batch.requires_grad
            for (batch,) in L.utils.data.DataLoader(
                L.utils.data.TensorDataset(L.arange(4.0).requires_grad_()), batch_size=2
            )
        ]
    )
    assert ours == theirs == ("list", [("bool", True), ("bool", True)])


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_a_sampler_without_iter_raises_not_implemented(lib):
    with pytest.raises(NotImplementedError):
        iter(lib.utils.data.Sampler())


@pytest.mark.parametrize(
    "sample",
    [
        lambda L: collections.deque([np.ones(1), 2]),
        lambda L: (np.int32(3), [np.ones(2)], "s"),
        lambda L: Pair(np.ones(1), {"k": np.float32(2)}),
    ],
)
def test_default_convert_as_torch(sample):
    ours, theirs = _both(lambda L: L.utils.data.default_convert(sample(L)))
    assert ours == theirs


def _worker_ids(lib):
    """Each sample as the id of the worker that fetched it (-1 in the main process)."""

    class WhoLoads(lib.utils.data.Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, index):
            info = lib.utils.data.get_worker_info()
            return -1 if info is None else info.id

    return [
        batch.tolist()
        for workers in (0, 2)
        for batch in lib.utils.data.DataLoader(WhoLoads(), batch_size=2, num_workers=workers)
    ]


def test_a_map_style_dataset_sees_the_worker_pytorch_deals_its_batch_to():
    ours, theirs = _both(_worker_ids)
    assert ours == theirs
    main, workers = [[-1, -1]] * 3 + [[-1]], [[0, 0], [1, 1], [0, 0], [1]]
    assert _worker_ids(minigrad) == main + workers


def test_samples_of_any_three_dtypes_stack_in_torchs_dtype():
    """Every dtype triple: NumPy samples, and minigrad tensors against torch tensors."""
    dtypes = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
    for combo in itertools.product(dtypes, repeat=3):
        arrays = [np.ones(2, dtype) for dtype in combo]
        expected = torch.stack([torch.from_numpy(a) for a in arrays]).numpy().dtype
        from_numpy = minigrad.utils.data.default_collate(arrays)
        from_tensors = minigrad.utils.data.default_collate([minigrad.tensor(a) for a in arrays])
        assert from_numpy.numpy().dtype == from_tensors.numpy().dtype == expected, combo


def _seeded_epoch(lib, workers):
    """A seeded shuffle's batches with `workers` workers, then the generator's next draw."""
    generator = lib.Generator().manual_seed(0)
    loader = lib.utils.data.DataLoader(
        list(range(20)), batch_size=5, shuffle=True, generator=generator, num_workers=workers
    )
    batches = [batch.tolist() for batch in loader]
    return batches, lib.randint(0, 2**30, (1,), generator=generator).item()


def test_num_workers_never_changes_a_seeded_shuffle():
    # PyTorch's iterator draws its workers' base seed from the generator with or without
    # workers; minigrad drew it only with workers, so chapter 10's num_workers=4 shuffled
    # other batches than num_workers=0 from the same seed
    for lib in (minigrad, torch):
        assert _seeded_epoch(lib, 0) == _seeded_epoch(lib, 2), lib.__name__
