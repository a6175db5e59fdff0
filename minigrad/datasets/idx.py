"""MNIST / Fashion-MNIST IDX files (raw or gzip), read with NumPy; nothing is downloaded.

IDX format: 2 zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dims, then each dim as a big-endian uint32, then
the data, big-endian, row-major.
"""

from __future__ import annotations

import math
import os
import zlib

import numpy as np

from minigrad.serialization import MAX_NDIM, Gunzip, numpy_size, open_regular
from minigrad.tensor import Tensor

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_BYTES = 2**31  # of data in one file; the largest IDX sets (EMNIST) are under 1 GB
# the most a .gz may inflate to, over its size (plus 16 MiB): MNIST's images inflate 4.7
# times, Fashion-MNIST's 1.8; load_mnist holds 5 bytes for each inflated one, so the shared
# bound of 100 gave 1 GB for 2 MB of .gz (and 10 GB for 21 MB)
_GZIP_RATIO = 20
_CHUNK = 2**20  # read(n) allocates n bytes at once: steps keep memory near the data
_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path) -> np.ndarray:
    """The array stored in one IDX file (gzip-compressed if the name ends in .gz).

    The header is checked before the data is read, and no more data is read (or inflated)
    than it declares: a lying header, a gzip bomb or a corrupt file fails with a ValueError
    naming the file. The path must be a regular file (a symlink to one is followed).
    """
    try:
        with open_regular(path, lambda problem: ValueError(f"read_idx: {problem}")) as raw:
            packed = os.fstat(raw.fileno()).st_size
            if os.fsdecode(path).endswith(".gz"):  # str(b"x.gz") ends with a quote
                limit = min(MAX_BYTES, _GZIP_RATIO * packed + 2**24)
                return _read(Gunzip(raw), path, limit=limit)
            return _read(raw, path, limit=min(MAX_BYTES, packed))
    except (zlib.error, EOFError) as exc:
        raise ValueError(f"read_idx: {path} is not a valid gzip file ({exc})") from None


def _read(f, path, limit: int) -> np.ndarray:
    """The header, then exactly the data it declares, which must be at most `limit` bytes."""
    magic = f.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _TYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (bad magic number)")
    ndim = magic[3]
    if ndim > MAX_NDIM:
        raise ValueError(
            f"read_idx: {path}: its header declares {ndim} dimensions (at most {MAX_NDIM})"
        )
    dims = f.read(4 * ndim)
    if len(dims) != 4 * ndim:
        raise ValueError(
            f"read_idx: {path}: the header is truncated (it declares {ndim} dimensions "
            f"but holds {len(dims) // 4})"
        )
    shape = tuple(int.from_bytes(dims[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    dtype = np.dtype(_TYPES[magic[2]])
    expected = math.prod(shape) * dtype.itemsize
    if numpy_size(shape) * dtype.itemsize > MAX_BYTES:  # (0, 2**32 - 1, 2**32 - 1) too
        raise ValueError(
            f"read_idx: {path}: its header declares shape {shape}: even empty, an array of "
            f"more than {MAX_BYTES} bytes (a size of 0 counts as 1, as NumPy counts it)"
        )
    if expected > limit:
        raise ValueError(
            f"read_idx: {path}: its header declares shape {shape} ({expected} bytes of "
            f"{dtype.name}), more than the {limit} this file can hold: a corrupt file "
            f"(or a gzip bomb; a .gz may inflate {_GZIP_RATIO} times: unpack one that packs "
            "tighter with gunzip and read the raw file)"
        )
    data = bytearray()
    while len(data) <= expected:  # in steps: memory follows the data, not the header
        chunk = f.read(min(_CHUNK, expected + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    if len(data) > expected:
        raise ValueError(
            f"read_idx: {path} holds more data than its header {shape} declares "
            f"({expected} bytes): the file is corrupt"
        )
    if len(data) < expected:
        raise ValueError(
            f"read_idx: {path} holds {len(data)} data bytes but its header {shape} "
            f"needs {expected}: the file is truncated or corrupt"
        )
    return (
        np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=False)
    )


def _find(root, name: str) -> str:
    for candidate in (name, name + ".gz"):
        path = os.path.join(root, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(
        f"load_mnist: {name}(.gz) not found in {os.path.abspath(root)}. minigrad never "
        "downloads: put the four MNIST or Fashion-MNIST IDX files (train-images-idx3-ubyte, "
        "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz) "
        "in that folder"
    )


def load_mnist(root, train: bool = True) -> tuple:
    """(images (N, 1, 28, 28) float32 in [0, 1], labels (N,) int64) from IDX files in root."""
    images_name, labels_name = _FILES[bool(train)]
    images_path, labels_path = _find(root, images_name), _find(root, labels_name)
    images, labels = read_idx(images_path), read_idx(labels_path)
    for path, array, ndim in ((images_path, images, 3), (labels_path, labels, 1)):
        # NOTE: the scaling by 255 and the labels' values hold for unsigned bytes only
        if array.ndim != ndim or array.dtype != np.uint8:
            raise ValueError(
                f"load_mnist: {path} holds {array.dtype.name} {array.shape}; MNIST's "
                f"{'images are (N, H, W)' if ndim == 3 else 'labels are (N,)'} unsigned bytes"
            )
    if len(images) != len(labels):
        raise ValueError(
            f"load_mnist: {images_path} holds {len(images)} images but {labels_path} "
            f"{len(labels)} labels"
        )
    # one float32 array, no temporary: 2 GB of bytes (what a 21 MB .gz may hold) took 18 GB
    x = np.divide(images, np.float32(255), dtype=np.float32)[:, None]
    return Tensor._make(x), Tensor._make(labels.astype(np.int64))
