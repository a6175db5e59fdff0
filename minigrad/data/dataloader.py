"""DataLoader: batches from a dataset, shuffled with a seeded generator, optionally prefetched.

With `num_workers > 0`, batches are assembled by background threads while the training step
runs, up to `prefetch_factor * num_workers` batches ahead: # NOTE: threads (not processes) are
enough because NumPy releases the GIL while it copies, so loading overlaps compute.
"""

from __future__ import annotations

import collections
import copy
import functools
import itertools
import numbers
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from minigrad.autograd.grad_mode import state
from minigrad.backend import cpu
from minigrad.creation import as_tensor, tensor
from minigrad.data.dataset import IterableDataset, Subset, TensorDataset
from minigrad.dtypes import float64, from_numpy_dtype, promote_types
from minigrad.ops.sampling import multinomial
from minigrad.random import integers_array, permutation_array
from minigrad.tensor import Tensor


# -- samplers ----------------------------------------------------------------------------------
class Sampler:
    """Yields dataset indices."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh permutation every epoch, drawn from `generator` (or the default one); with
    `num_samples`, that many indices (whole permutations, then part of one); with
    `replacement`, `num_samples` independent draws."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if num_samples is not None and (
            not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0
        ):
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if self.num_samples <= 0:  # an empty dataset: PyTorch refuses it here, not when drawing
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples} (the dataset is empty)"
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return iter(integers_array(0, n, (k,), cpu, self.generator).tolist())
        rounds = [permutation_array(n, cpu, self.generator) for _ in range(-(-k // n))]
        return iter(np.concatenate(rounds)[:k].tolist() if rounds else [])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order every epoch (a train/validation split of
    one dataset: one sampler per part)."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        order = permutation_array(len(self.indices), cpu, self.generator).tolist()
        return iter([self.indices[i] for i in order])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices in [0, len(weights)) drawn with probabilities proportional to
    `weights` (a fresh draw every epoch, from `generator` or the default one); without
    replacement, each index at most once."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        weights = as_tensor(weights, dtype=float64)
        if weights.ndim != 1:
            raise ValueError(
                "weights should be a 1d sequence but given "
                f"weights have shape {tuple(weights.shape)}"
            )
        self.weights, self.num_samples = weights, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self):
        drawn = multinomial(
            self.weights, self.num_samples, self.replacement, generator=self.generator
        )
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of batch_size (the last one shorter unless
    drop_last)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        # NOTE: a batch's indices taken by one islice, not appended one by one
        indices, size = iter(self.sampler), self.batch_size
        while batch := list(itertools.islice(indices, size)):
            if len(batch) < size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# -- collation ---------------------------------------------------------------------------------
def default_convert(data):
    """One sample as a loader without batching (batch_size=None) gives it: NumPy arrays and
    numbers of a numeric dtype become tensors (sharing memory), tuples become lists, lists and
    dicts are converted item by item, the rest is left as it is (PyTorch's rules)."""
    if isinstance(data, (np.ndarray, np.generic)):
        return Tensor._make(np.asarray(data)) if data.dtype.kind in "biuf" else data
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _like(data, [default_convert(d) for d in data])
    return data


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into tuples, lists and dicts.

    Tensors and NumPy arrays are stacked on a new first dim (samples of different dtypes in
    their promoted dtype, as `torch.stack`); Python floats become float64, ints (and bools)
    a tensor of the dtype `tensor(batch)` infers; strings stay the batch as given (inside a
    tuple or list sample, a tuple of them); a tuple sample (not a namedtuple) gives a list,
    another sequence keeps its type (PyTorch's rules).
    """
    from minigrad.ops.shape import check_tensors, stack

    elem = batch[0]
    if isinstance(elem, Tensor):
        dev = elem._device
        try:
            arrays = [t.array for t in batch if not t._requires_grad and t._device is dev]
        except AttributeError:  # not checked first: one pass over the batch, not two
            check_tensors("stack", batch)
            raise
        if state.tracer is not None or len(arrays) < len(batch):
            _check_equal_sizes(batch)
            return stack(batch)  # the op records the graph (or raises the device error)
        # NOTE: samples of data: one stack of their arrays, without stack()'s op per sample
        return Tensor._make(_stacked(dev.xp, arrays, batch))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":  # no tensor holds strings or objects
            raise TypeError(_COLLATE_TYPE_ERROR.format(elem.dtype))
        if all(isinstance(sample, np.ndarray) for sample in batch):
            return Tensor._make(_stacked(np, batch, batch))
        return default_collate([as_tensor(sample) for sample in batch])  # as PyTorch does
    if isinstance(elem, (np.bool_, np.number)):  # NumPy scalars keep their dtype, as PyTorch's
        array = np.asarray(batch)  # NOTE: 3x faster than as_tensor(), which mixed ones need
        return Tensor._make(array) if array.dtype == elem.dtype else as_tensor(batch)
    if isinstance(elem, float):
        try:  # NOTE: inferred first: float64 conversion reads None as nan and '2' as 2.0
            array = np.asarray(batch)
        except ValueError:  # a sequence among the floats
            array = None
        if array is None or array.dtype.kind not in "biuf":
            _check_real(batch)  # names what is not a number; else ints past int64 remain
            array = np.asarray(batch, dtype=np.float64)
        return Tensor._make(array.astype(np.float64, copy=False))
    if isinstance(elem, int):  # a bool too; [1, 2.5] is float32, not truncated, as PyTorch's
        array = np.asarray(batch)  # NOTE: tensor()'s inference is 4x slower; needed only
        if array.dtype == np.int64 or array.dtype == np.bool_:  # for floats among the ints
            return Tensor._make(array)
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:  # the sample's mapping type (an OrderedDict stays one), as PyTorch's
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return type(elem)(collated)
        except TypeError:  # a mapping that cannot be copied, updated or built from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        try:
            fields = list(zip(*batch, strict=True))
        except ValueError:
            raise RuntimeError("each element in list of batch should be of equal size") from None
        return _like(elem, [default_collate(s) for s in fields])
    raise TypeError(_COLLATE_TYPE_ERROR.format(type(elem)))


def _like(elem, items: list):
    """items in elem's sequence type, as PyTorch's collate and convert: a tuple gives a list,
    a mutable sequence (a list, a deque) a copy of elem refilled, another its type built
    from a list, or a list where that fails."""
    if isinstance(elem, tuple):
        return items
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, item in enumerate(items):  # a deque has no slice assignment
                clone[i] = item
            return clone
        return type(elem)(items)
    except TypeError:
        return items


_COLLATE_TYPE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _promoted(np_dtypes) -> np.dtype:
    """The NumPy dtype of the samples' dtypes promoted by PyTorch's rules (int32 with float32
    is float32 there; NumPy's float64)."""
    return functools.reduce(promote_types, map(from_numpy_dtype, np_dtypes)).np


def _stacked(xp, arrays: list, batch: list):
    """The arrays stacked on a new first dim; the samples' sizes named if they differ.

    # NOTE: NumPy's array() of a list of arrays of one shape is np.stack's result in a third
    # of the time (64 samples of 64 floats: 14 -> 5 us)"""
    try:
        stacked = np.array(arrays) if xp is np else xp.stack(arrays)
    except ValueError:
        _check_equal_sizes(batch)
        raise
    # NOTE: NumPy's promotion gives the first sample's dtype only where PyTorch's does too
    # (then no sample's dtype is above it); checked so, same-dtype batches pay no extra pass
    if stacked.dtype != arrays[0].dtype:
        stacked = stacked.astype(_promoted(a.dtype for a in arrays))
    return stacked


def _check_real(batch) -> None:
    """A batch of floats holds only real numbers (PyTorch's TypeError)."""
    for k, sample in enumerate(batch):
        if not isinstance(sample, numbers.Real):
            raise TypeError(
                f"default_collate: a batch of floats must hold real numbers, but element {k} "
                f"is {type(sample).__name__}"
            )


def _check_equal_sizes(batch) -> None:
    for k, sample in enumerate(batch):
        if tuple(sample.shape) != tuple(batch[0].shape):
            raise RuntimeError(
                "stack expects each tensor to be equal size, but got "
                f"{list(batch[0].shape)} at entry 0 and {list(sample.shape)} at entry {k}"
            )


class WorkerInfo:
    """What get_worker_info() returns inside a loader's worker: the worker's id, num_workers,
    its seed and the dataset (its own copy of an IterableDataset; threads share a map-style
    one)."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self) -> str:
        return (
            f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
            f"dataset={self.dataset!r})"
        )


_worker = threading.local()  # .info: the WorkerInfo of the loader's worker this thread runs


def get_worker_info():
    """None in the main process, as PyTorch's; the worker's WorkerInfo while a
    DataLoader(num_workers=n) runs its worker_init_fn, fetches a batch of a map-style dataset
    (batch k in worker k % n, as PyTorch deals them) or reads an IterableDataset (so a dataset
    can split its stream among the workers)."""
    return getattr(_worker, "info", None)


def _as_worker(info, fn, *args):
    """fn(*args) with get_worker_info() giving info in this thread."""
    _worker.info = info
    try:
        return fn(*args)
    finally:
        _worker.info = None


def _tensor_rows(dataset):
    """The tensors behind a TensorDataset (or a Subset of one) and the index map, else None.
    Exact types only: a subclass's own __getitem__ (an augmentation) must run; and no tensor
    that requires grad, whose batches are stacked by the op so that they keep their graph."""
    if type(dataset) is Subset and type(dataset.dataset) is TensorDataset:
        tensors, index_map = dataset.dataset.tensors, np.asarray(dataset.indices, np.int64)
    elif type(dataset) is TensorDataset:
        tensors, index_map = dataset.tensors, None
    else:
        return None
    if any(t.requires_grad for t in tensors):
        return None
    return tensors, index_map


def _check_iterable_options(shuffle, sampler, batch_sampler) -> None:
    """An IterableDataset has no indices: no shuffling or samplers (PyTorch's ValueError)."""
    for name, value in (
        ("shuffle", shuffle),
        ("sampler", sampler),
        ("batch_sampler", batch_sampler),
    ):
        if value is not None and value is not False:
            raise ValueError(
                f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                f"{name}={value}"
            )


# -- the loader --------------------------------------------------------------------------------
class DataLoader:
    """Iterate over a dataset in batches (PyTorch's `torch.utils.data.DataLoader`)."""

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing: let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None"
            )
        if num_workers == 0 and persistent_workers:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler or drop_last):
            raise ValueError(
                "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                "and drop_last"
            )
        if isinstance(dataset, IterableDataset):
            _check_iterable_options(shuffle, sampler, batch_sampler)
        self.dataset, self.num_workers = dataset, num_workers
        self.batch_size, self.drop_last, self.generator = batch_size, drop_last, generator
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        if sampler is None:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self._default_collate = collate_fn is None
        if collate_fn is None:  # without batching, PyTorch's loader only converts each sample
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.worker_init_fn, self.timeout = worker_init_fn, timeout
        # NOTE: kept for scripts that read them back; threads need no context, and every
        # iteration's pool is new (nothing to persist) and yields in order
        self.multiprocessing_context, self.persistent_workers = (
            multiprocessing_context,
            persistent_workers,
        )
        self.in_order = in_order
        # NOTE: NumPy memory cannot be page-locked: with a GPU the batches stay as they are
        self.pin_memory, self.pin_memory_device = pin_memory, pin_memory_device

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # TypeError when the stream has no length, as PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    def _fetch(self, indices):
        """One batch. # NOTE: a TensorDataset with the default collate is sliced with one
        fancy index per tensor instead of stacking samples one by one (same result)."""
        if self.batch_sampler is None:
            return self.collate_fn(self.dataset[indices])
        rows = _tensor_rows(self.dataset) if self._default_collate else None
        if rows is not None:
            tensors, index_map = rows
            idx = np.asarray(indices, dtype=np.int64)
            if index_map is not None:
                idx = index_map[idx]
            return [Tensor._make(t.array[t.device.xp.asarray(idx)]) for t in tensors]
        getitems = getattr(self.dataset, "__getitems__", None)  # a batch in one call, as PyTorch
        if getitems:
            return self.collate_fn(getitems(indices))
        return self.collate_fn([self.dataset[i] for i in indices])

    def _stream(self, dataset):
        """The batches of an IterableDataset: consecutive samples, batch_size at a time."""
        if self.batch_size is None:
            yield from map(self.collate_fn, dataset)
            return
        batch = []
        for sample in dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __iter__(self):
        if self.pin_memory:
            from minigrad import cuda

            if not cuda.is_available():
                warnings.warn(
                    "'pin_memory' argument is set as true but no accelerator is found, then "
                    "device pinned memory won't be used.",
                    stacklevel=2,
                )
        if isinstance(self.dataset, IterableDataset):
            if self.num_workers == 0:
                return self._stream(self.dataset)
            return self._workers_streams()
        batches = self.sampler if self.batch_sampler is None else self.batch_sampler
        # NOTE: drawn with or without workers, as PyTorch's iterator draws its base seed: the
        # order of a seeded shuffle does not depend on num_workers
        workers = self._workers_info()
        if self.num_workers == 0:
            return (self._fetch(indices) for indices in batches)
        return self._prefetching(iter(batches), workers)

    def _workers_streams(self):
        """PyTorch's worker processes on an IterableDataset, taken in turn in this thread:
        each worker batches its own copy of the dataset (every sample num_workers times
        unless the dataset splits itself by get_worker_info()), and the loader yields one
        batch of each worker in turn until all are done. # NOTE: the workers share minigrad's
        random generators (PyTorch seeds each process with its WorkerInfo.seed)."""
        workers = []
        for info in self._workers_info():
            info.dataset = copy.deepcopy(self.dataset)
            workers.append((info, self._stream(info.dataset)))
            if self.worker_init_fn is not None:
                _as_worker(info, self.worker_init_fn, info.id)
        done = object()
        while workers:
            for info, stream in list(workers):
                batch = _as_worker(info, next, stream, done)  # the body runs inside next()
                if batch is done:
                    workers.remove((info, stream))
                else:
                    yield batch

    def _workers_info(self) -> list:
        """One WorkerInfo per worker, their seeds consecutive from one drawn from the
        loader's generator, as PyTorch's."""
        base_seed = int(integers_array(0, 2**62, (), "cpu", self.generator))
        return [
            WorkerInfo(k, self.num_workers, base_seed + k, self.dataset)
            for k in range(self.num_workers)
        ]

    def _prefetching(self, batches, workers):
        """Yield batches in order while up to prefetch_factor * num_workers load in threads."""
        pool = ThreadPoolExecutor(self.num_workers, thread_name_prefix="minigrad-loader")
        if self.worker_init_fn is not None:
            for info in workers:
                pool.submit(_as_worker, info, self.worker_init_fn, info.id).result()
        pending = collections.deque()
        try:
            for k, indices in enumerate(batches):
                info = workers[k % self.num_workers]
                pending.append(pool.submit(_as_worker, info, self._fetch, indices))
                if len(pending) >= self.prefetch_factor * self.num_workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False)
