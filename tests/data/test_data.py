"""Datasets, samplers, DataLoader (shuffle, drop_last, collate, thread prefetching), datasets."""

from __future__ import annotations

import gzip
import threading
import time

import numpy as np
import pytest

import minigrad
from minigrad.datasets import load_digits, load_mnist, make_moons, make_spirals, read_idx
from minigrad.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def _data(n=10):
    return TensorDataset(minigrad.arange(n * 2).reshape(n, 2).float(), minigrad.arange(n))


def test_tensor_dataset_subset_and_random_split():
    ds = _data()
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3 and len(ds) == 10
    with pytest.raises(AssertionError, match="Size mismatch"):  # as PyTorch
        TensorDataset(minigrad.zeros(3), minigrad.zeros(4))
    a, b = random_split(ds, [0.7, 0.3], generator=minigrad.Generator().manual_seed(1))
    assert len(a) == 7 and len(b) == 3
    assert sorted(int(a[i][1]) for i in range(7)) + sorted(int(b[i][1]) for i in range(3)) != []
    assert {int(s[1]) for s in a} | {int(s[1]) for s in b} == set(range(10))
    assert Subset(ds, [4, 2])[1][1].item() == 2


def test_dataloader_batches_drop_last_and_seeded_shuffle():
    ds = _data()
    batches = list(DataLoader(ds, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert batches[0][1].tolist() == [0, 1, 2, 3] and batches[0][0].shape == (4, 2)
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    order = lambda seed: [  # noqa: E731
        y.tolist()
        for _, y in DataLoader(
            ds, 3, shuffle=True, generator=minigrad.Generator().manual_seed(seed)
        )
    ]
    assert order(5) == order(5) and order(5) != order(6)
    assert sorted(sum(order(5), [])) == list(range(10))


class Squares(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "y": i, "name": f"s{i}", "w": float(i)}


def test_default_collate_and_custom_collate():
    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["y"].dtype == minigrad.int64
    assert batch["w"].dtype == minigrad.float64 and batch["name"] == ["s0", "s1", "s2"]
    pairs = default_collate([(minigrad.ones(2), 1), (minigrad.zeros(2), 0)])
    assert pairs[0].shape == (2, 2) and pairs[1].tolist() == [1, 0]
    sizes = list(DataLoader(Squares(), batch_size=4, collate_fn=len))
    assert sizes == [4, 2]


@pytest.mark.parametrize("kind", ["float32", "float16", "int32", "uint8", "int16", "float64"])
def test_default_collate_of_numpy_scalars_keeps_their_dtype_as_pytorch(kind):
    """A Dataset returning `np.float32(label)`: PyTorch's batch is float32 (as_tensor of the
    scalars), not the float64 of Python floats; np.str_ stays a list of strings."""
    import torch

    batch = [getattr(np, kind)(v) for v in (1, 2, 3)]
    ours, theirs = default_collate(batch), torch.utils.data.default_collate(batch)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1] == kind
    assert ours.tolist() == theirs.tolist()
    assert default_collate([np.str_("a"), np.str_("b")]) == ["a", "b"]


def test_default_collate_of_tensors_matches_stack():
    rows = minigrad.arange(12.0).reshape(4, 3)
    samples = [rows[i] for i in (2, 0, 3)]
    batch = default_collate(samples)
    assert minigrad.equal(batch, minigrad.stack(samples)) and batch.dtype == minigrad.float32
    batch[0, 0] = -1.0  # a batch is a copy: the dataset's rows are untouched
    assert rows[2, 0].item() == 6.0 and not batch.requires_grad
    labels = default_collate([minigrad.tensor(5), minigrad.tensor(7)])
    assert labels.shape == (2,) and labels.dtype == minigrad.int64
    # samples that require grad are stacked by the op, so the gradient reaches them
    w = minigrad.ones(3, requires_grad=True)
    stacked = default_collate([w * 2, w * 3])
    stacked.sum().backward()
    assert stacked.grad_fn is not None and w.grad.tolist() == [5.0, 5.0, 5.0]


class Slow(Dataset):
    """Each sample takes 20 ms to load (like decoding an image), off the GIL; `most` is the
    most loads that were ever under way at once."""

    def __init__(self):
        self.lock, self.loading, self.most = threading.Lock(), 0, 0

    def __len__(self):
        return 8

    def __getitem__(self, i):
        with self.lock:
            self.loading += 1
            self.most = max(self.most, self.loading)
        time.sleep(0.02)
        with self.lock:
            self.loading -= 1
        return minigrad.tensor([float(i)]), threading.current_thread().name


def test_num_workers_prefetch_in_order_and_overlaps():
    """Loads overlap: counted, not timed (a busy machine stretches 8 loads of 20 ms well past
    the 160 ms of sequential loading)."""
    sequential = Slow()
    plain = [b[0].tolist() for b in DataLoader(sequential, batch_size=2)]
    assert sequential.most == 1
    workers = Slow()
    loaded = list(DataLoader(workers, batch_size=2, num_workers=4))
    assert [b[0].tolist() for b in loaded] == plain
    assert all(name.startswith("minigrad-loader") for b in loaded for name in b[1])
    assert workers.most > 1


def test_datasets_toy_and_digits():
    x, y = make_spirals(300, 3)
    assert x.shape == (300, 2) and set(y.tolist()) == {0, 1, 2}
    x, y = make_moons(100)
    assert x.shape == (100, 2) and y.dtype == minigrad.int64 and y.sum().item() == 50
    xtr, ytr, xte, yte = load_digits(split=True)
    assert xtr.shape[1] == 64 and len(xtr) + len(xte) == 1797 and float(xtr.max()) == 1.0


def _write_idx(path, array, code):
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(data)
    return data


def test_idx_reader_raw_gzip_truncated_and_missing(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = np.arange(5, dtype=np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, 0x08)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels, 0x08)
    x, y = load_mnist(tmp_path, train=False)
    assert x.shape == (5, 1, 28, 28) and y.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(x.numpy()[:, 0] * 255, images, atol=1e-3)
    floats = np.linspace(0, 1, 6).reshape(2, 3).astype(np.float32)
    raw = _write_idx(tmp_path / "f.idx", floats, 0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), floats)
    (tmp_path / "cut.idx").write_bytes(raw[:-3])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "cut.idx")
    with pytest.raises(FileNotFoundError, match="never downloads"):
        load_mnist(tmp_path, train=True)


def test_idx_gzip_bomb_is_not_inflated_past_the_declared_size(tmp_path):
    """16 bytes declared, 64 MB of zeros behind them: the whole file was read into memory."""
    import tracemalloc

    path = tmp_path / "bomb-idx1-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, 1]) + (16).to_bytes(4, "big"))
        for _ in range(64):
            f.write(bytes(2**20))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more data than its header"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**22, f"read_idx held {peak} bytes"


@pytest.mark.parametrize(
    "header, problem",
    [
        # 2**64 elements: np.prod wrapped to 0 in int64, then reshape failed in NumPy's words
        (bytes([0, 0, 0x08, 4]) + (2**16).to_bytes(4, "big") * 4, "declares shape"),
        (bytes([0, 0, 0x08, 3]) + bytes(5), "header is truncated"),  # 3 dims, 5 bytes of them
        (bytes([0, 0, 0x0D, 1]) + (2**31).to_bytes(4, "big"), "declares shape"),  # 8 GB
    ],
    ids=["overflowing-shape", "truncated-header", "huge-shape"],
)
def test_idx_header_that_lies_fails_clearly_naming_the_file(tmp_path, header, problem):
    path = tmp_path / "x-idx-ubyte"
    path.write_bytes(header)
    with pytest.raises(ValueError, match=problem) as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "code, dtype",
    [(0x08, "u1"), (0x09, "i1"), (0x0B, "i2"), (0x0C, "i4"), (0x0D, "f4"), (0x0E, "f8")],
)
def test_idx_reads_every_type_big_endian_into_native_order(tmp_path, code, dtype):
    values = np.arange(-3, 9).reshape(2, 3, 2).astype(dtype)
    for name in ("v-idx3", "v-idx3.gz"):
        _write_idx(tmp_path / name, values, code)
        got = read_idx(tmp_path / name)
        assert got.dtype == np.dtype(dtype) and got.dtype.isnative
        np.testing.assert_array_equal(got, values)


def test_idx_gzip_bomb_with_an_honest_header_is_refused_before_inflating(tmp_path):
    """64 MiB declared and present, as zeros in a 64 kB .gz: it was inflated in full."""
    import tracemalloc

    path = tmp_path / "bomb-idx1-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, 1]) + (64 * 2**20).to_bytes(4, "big"))
        for _ in range(64):
            f.write(bytes(2**20))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"more than the \d+ this file can hold.*gzip bomb"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"read_idx held {peak} bytes"


def test_idx_broken_gzip_is_a_value_error_naming_the_file(tmp_path):
    """BadGzipFile, EOFError and zlib.error escaped without the file's name."""
    packed = gzip.compress(bytes([0, 0, 0x08, 1, 0, 0, 0, 4]) + bytes(range(4)))
    crc = bytearray(packed)
    crc[-8] ^= 0xFF  # the stored CRC-32
    stream = bytearray(packed)
    stream[10:14] = b"\xff" * 4  # a reserved deflate block type
    cases = {
        "plain.gz": bytes([0, 0, 0x08, 1, 0, 0, 0, 4]) + bytes(4),
        "cut.gz": packed[:-5],
        "crc.gz": bytes(crc),
        "stream.gz": bytes(stream),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match="is not a valid gzip file") as info:
            read_idx(path)
        assert str(path) in str(info.value)


def test_idx_too_many_dimensions_and_short_data_are_refused_before_reading(tmp_path):
    path = tmp_path / "dims-idx"
    path.write_bytes(bytes([0, 0, 0x08, 255]) + (1).to_bytes(4, "big") * 255 + b"x")
    with pytest.raises(ValueError, match=f"{path}: its header declares 255 dimensions"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 0x0E, 1]) + (10**6).to_bytes(4, "big") + bytes(16))
    with pytest.raises(ValueError, match=r"8000000 bytes of float64\), more than the 24"):
        read_idx(path)


def test_load_mnist_refuses_files_that_are_not_mnist_bytes(tmp_path):
    """Float images were divided by 255 and float labels (NaN, 1e300) cast to int64 silently."""
    images = np.zeros((3, 4, 4), np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images, 0x08)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([np.nan, 1e300, 2]), 0x0E)
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte holds float64 \\(3,\\)"):
        load_mnist(tmp_path, train=False)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(2, dtype=np.uint8), 0x08)
    with pytest.raises(ValueError, match="holds 3 images but .*t10k-labels-idx1-ubyte 2 labels"):
        load_mnist(tmp_path, train=False)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images.astype(np.float32), 0x0D)
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte holds float32"):
        load_mnist(tmp_path, train=False)


def test_without_batching_each_sample_is_converted_as_pytorch():
    """batch_size=None: NumPy values become tensors, tuples lists; strings and ints stay."""
    import torch

    def sample(i):
        return {"x": np.full(2, i, np.float32), "y": i, "s": "a"}, (np.float64(i), "n")

    got = []
    for lib in (minigrad, torch):

        class Samples(lib.utils.data.Dataset):
            def __len__(self):
                return 3

            def __getitem__(self, i):
                return sample(i)

        got.append([repr(b) for b in lib.utils.data.DataLoader(Samples(), batch_size=None)])
        assert repr(lib.utils.data.default_convert((np.ones(1), 2))).startswith("[tensor([1.]")
    assert [r.replace("minigrad", "torch") for r in got[0]] == got[1]
