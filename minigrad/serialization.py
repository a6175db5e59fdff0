"""`minigrad.save(obj, f)` / `minigrad.load(f)`: tensors, state dicts and optimizer states in a
file that cannot run code when loaded (no pickle).

Format (version 1): a zip archive holding
- `minigrad.json`: {"format": "minigrad", "version": 1, "minigrad_version": ...,
  "tensors": [{"dtype", "shape", "requires_grad", "parameter"}, ...], "object": <tree>}
- `tensors/<i>.npy`: tensor i's values in NumPy's .npy format, read with allow_pickle=False.

The tree is JSON: numbers, strings, booleans and null as they are; a list as
{"list": [...]}, a tuple as {"tuple": [...]}, a dict as {"dict": [[key, value], ...]} (keys
keep their type: optimizer states use int keys), an OrderedDict (a module's state_dict) as
{"odict": [[key, value], ...]} and a tensor as {"tensor": i}. A tensor
reached twice is stored once. Anything else (functions, arbitrary classes) is refused when
saving, so loading never has to construct unknown objects.

Version 2 adds views: tensors saved together that share host memory (a tensor and its
slices, the entries of a state_dict whose module is used twice, or a tensor expanded to
repeat its elements: a stride of 0) keep sharing it, as in PyTorch. Their memory is stored
once as one more 1-D tensor, `b`, of their dtype (for views made with view(dtype), the
owner's bytes read as it; PyTorch's save refuses tensors that read one memory as different
dtypes, and so does this one), that the tree never names, and each of them is an entry
{"dtype", "shape", "requires_grad", "parameter", "view": {"of": b, "offset": o, "strides":
[...]}} (in elements, as Tensor.as_strided takes them) with no .npy member of its own. A
file without views is written as version 1, and a version-1 file with views is refused (an
older reader would look for their members).
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import reprlib
import stat
import struct
import tokenize
import zipfile
import zlib
from collections import Counter, OrderedDict

import numpy as np

from minigrad import dtypes, layout
from minigrad.backend import cpu, get_device
from minigrad.backend import device as device_type
from minigrad.ops._util import strided_view
from minigrad.tensor import Tensor, _overlaps

FORMAT, VERSION = "minigrad", 2
_HEADER = "minigrad.json"


def save(obj, f) -> None:
    """Write obj (tensors, numbers, strings, None, and lists/tuples/dicts of them) to f."""
    tensors: list = []
    tree = _encode(obj, tensors, {})
    from minigrad import __version__

    metas = [_tensor_meta(t) for t in tensors]
    bases = _shared_memory(tensors, metas)
    header = {
        "format": FORMAT,
        "version": 2 if bases else 1,  # a file without views stays readable by version 1
        "minigrad_version": __version__,
        "tensors": metas + [_tensor_meta(Tensor._make(base)) for base in bases],
        "object": tree,
    }
    if isinstance(f, (str, os.PathLike)):
        parent = os.path.dirname(os.path.abspath(os.fspath(f)))
        if not os.path.isdir(parent):  # PyTorch's RuntimeError, not open()'s FileNotFoundError
            raise RuntimeError(f"minigrad.save: Parent directory {parent} does not exist.")
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_HEADER, json.dumps(header))
        arrays = [t.detach().cpu().array for t in tensors] + bases
        for i, (meta, array) in enumerate(zip(header["tensors"], arrays)):
            if "view" not in meta:
                buffer = io.BytesIO()
                np.save(buffer, array, allow_pickle=False)
                archive.writestr(f"tensors/{i}.npy", buffer.getvalue())


def _shared_memory(tensors: list, metas: list) -> list:
    """The host arrays that two or more of the tensors view, or one expands (a stride of 0),
    each as a 1-D array of the dtype of its tensors, with a "view" entry added to the metas
    of those tensors. Tensors that view one array as different dtypes raise RuntimeError, as
    PyTorch's save. A tensor whose layout is not a plain view of its base (a negative stride,
    an offset or stride that is not a whole number of its elements, more elements than the
    base outside an expand, or an expand past the bound load keeps) is stored by itself, its
    values only."""
    groups: dict = {}
    for i, t in enumerate(tensors):
        array = t.array
        if not isinstance(array, np.ndarray):  # on a GPU: stored by value
            continue
        base = layout.memory_owner(array)  # NOTE: an expand's view can be as_strided's
        groups.setdefault(id(base), (base, []))[1].append(i)
    bases: list = []
    for base, members in groups.values():
        kinds = {tensors[i].array.dtype for i in members}
        if len(kinds) > 1:  # PyTorch's words: its storages have one dtype in a file
            raise RuntimeError(
                "minigrad.save: Cannot save multiple tensors or storages that view the same "
                f"data as different types ({', '.join(sorted(map(str, kinds)))}): save a "
                ".clone() of all but one"
            )
        shared = len(members) > 1 or _overlaps(tensors[members[0]].array)
        # an owner's memory is one block, in C or Fortran order (from_numpy keeps either)
        if not shared or not (base.flags.c_contiguous or base.flags.f_contiguous):
            continue
        flat = _reinterpreted(base, kinds.pop())
        views = {i: view for i in members if (view := _view_of(tensors[i].array, flat))}
        if not views or (len(views) < 2 and not _overlaps(tensors[next(iter(views))].array)):
            continue
        for i, view in views.items():
            metas[i]["view"] = {"of": len(tensors) + len(bases), **view}
        bases.append(flat)
    return bases


def _reinterpreted(base: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The owner's memory as a 1-D array of dtype (its tensors' view(dtype)), in memory order
    (offsets count from its start), without the bytes too few for a last element."""
    flat = base.ravel(order="K")
    if flat.dtype == dtype:
        return flat
    whole = flat.nbytes // dtype.itemsize * dtype.itemsize
    return flat.view(np.uint8)[:whole].view(dtype)


def _view_of(array: np.ndarray, flat: np.ndarray) -> dict | None:
    """{"offset", "strides"} of array in flat's elements, or None if array cannot be a view
    entry of flat: an offset or a stride that is not a whole number of elements, a negative
    stride, more distinct elements than flat holds, or an expand larger than load takes."""
    itemsize = flat.dtype.itemsize
    offset = array.__array_interface__["data"][0] - flat.__array_interface__["data"][0]
    if offset % itemsize or any(s < 0 or s % itemsize for s in array.strides):
        return None
    strides = [s // itemsize for s in array.strides]
    if not _view_fits(array.shape, strides, flat.size, flat.nbytes, itemsize):
        return None
    return {"offset": offset // itemsize, "strides": strides}


def _view_fits(shape, strides, base_size: int, base_bytes: int, itemsize: int) -> bool:
    """Whether a view of this shape and strides may come from a base of base_size elements
    whose member in the file holds base_bytes: it holds no more distinct elements than the
    base (dims of stride 0 repeat one), and it holds no more elements than the base or,
    expanded, no more bytes than max_inflated(base_bytes), the most a member of that size may
    unpack to (a tensor stored by value meets the same bound)."""
    distinct = math.prod(n for n, s in zip(shape, strides) if s)
    size = math.prod(shape)
    return distinct <= base_size and (
        size <= base_size or size * itemsize <= max_inflated(base_bytes)
    )


def _tensor_meta(t: Tensor) -> dict:
    from minigrad.nn.parameter import Parameter

    return {
        "dtype": str(t.array.dtype),
        "shape": list(t.array.shape),
        "requires_grad": t.requires_grad,
        "parameter": isinstance(t, Parameter),
    }


def _encode(obj, tensors: list, seen: dict):
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, Tensor):
        if id(obj) not in seen:
            seen[id(obj)] = len(tensors)
            tensors.append(obj)
        return {"tensor": seen[id(obj)]}
    if isinstance(obj, np.ndarray):
        return _encode(Tensor._make(obj), tensors, seen)
    if isinstance(obj, dict):
        # an OrderedDict comes back one, as PyTorch's (print of a loaded state_dict)
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        return {
            kind: [[_encode(k, tensors, seen), _encode(v, tensors, seen)] for k, v in obj.items()]
        }
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_encode(v, tensors, seen) for v in obj]}
    raise TypeError(_cannot_save(obj))


def _cannot_save(obj) -> str:
    """Why obj is refused, and what to save instead (a model or optimizer: its state_dict)."""
    from minigrad.nn.modules.module import Module
    from minigrad.optim.optimizer import Optimizer

    kind = type(obj).__name__
    if isinstance(obj, Module):
        return (
            f"minigrad.save: cannot save a whole model ({kind}): minigrad never pickles, since "
            "loading a pickle can run any code. Save its weights instead: "
            "torch.save(model.state_dict(), path); to load, build the model from its class "
            "again and call model.load_state_dict(torch.load(path))"
        )
    if isinstance(obj, Optimizer):
        return (
            f"minigrad.save: cannot save an optimizer object ({kind}): minigrad never pickles. "
            "Save optimizer.state_dict() and restore it with optimizer.load_state_dict(...)"
        )
    return (
        f"minigrad.save: cannot save an object of type {kind}: minigrad never pickles; it saves "
        "tensors, numbers, strings, None and dicts/lists/tuples of them (for a model or an "
        "optimizer: its state_dict())"
    )


MAX_HEADER_BYTES = 64 * 2**20  # the JSON tree; a state dict of thousands of tensors is ~1 MB
MAX_JSON_CONTAINERS = 2**21  # objects and lists in one JSON document: ~70 bytes each parsed
MAX_JSON_VALUES = 2**22  # items of those lists and objects: a float parsed takes 32 bytes
MAX_DEPTH = 200  # nesting of lists/tuples/dicts in the saved object
MAX_NDIM = 32  # NumPy 1.x's limit; minigrad's files and MNIST's use at most 4
MAX_MEMBERS = 100_000  # entries in a zip archive
# keys of one dict with the same hash: each one inserted is compared with all the others, and
# ints are hashed modulo 2**61 - 1 in every process (str hashes are salted), so 20,000 keys
# k * (2**61 - 1), a 0.6 MB file, took 2.1 s and a 60 MB header's 2 million would take days
_MAX_SHARED_HASH = 64
_CHUNK = 2**20  # bytes read from a zip member at a time
_SCAN_CHUNK = 2**22  # bytes of JSON counted at a time (some 20 MB of NumPy temporaries)
_PACKED = 2**12  # gzip bytes read at a time: each member ends with a copy of the rest
_MAX_GZIP_MEMBERS = 2**16  # one for gzip; bgzip writes one per 64 kB: 4 GB of data
_MAX_EMPTY_MEMBERS = 64  # gzip members holding nothing: 10 MB of them took 1.6 s to read
_NPY_HEADER_BYTES = 2**16  # .npy magic + header; NumPy writes ~128 bytes
_MAX_RATIO = 100  # of inflated to compressed size; weights and images compress a few times
_DTYPES = {d.np.name: d.np for d in dtypes.ALL}  # native byte order, as save writes them
_MAX_INTP = int(np.iinfo(np.intp).max)  # the most bytes NumPy lets an array span


def load(
    f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args
):
    """Read what `save` wrote; tensors go to map_location (a device; default cpu).

    Every size is checked before anything is allocated: a declared shape must match the bytes
    actually in the file, so a crafted file fails with a RuntimeError naming it and the problem.
    A missing path or a directory raises FileNotFoundError or IsADirectoryError, as in PyTorch.
    PyTorch's other arguments change nothing here, since nothing is ever unpickled, whatever
    weights_only says: pickle_module, mmap (a path is read whole; as in PyTorch, a file object
    with mmap=True raises ValueError) and the unpickler's encoding, errors and fix_imports;
    any other keyword raises TypeError, as PyTorch's unpickler does.
    """
    unknown = sorted(set(pickle_load_args) - {"encoding", "errors", "fix_imports"})
    if unknown:
        raise TypeError(f"minigrad.load() got an unexpected keyword argument {unknown[0]!r}")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("minigrad.load: f must be a file path in order to use the mmap argument")
    device = _placement(map_location)
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        with open_regular(f, lambda problem: RuntimeError(f"minigrad.load: {problem}")) as handle:
            return _load(handle, name, device)
    try:  # as torch.load: a stream (a socket, a pipe, bytes) says what to do instead
        f.seek(f.tell())
    except (io.UnsupportedOperation, AttributeError) as exc:
        raise type(exc)(
            f"minigrad.load reads a path or a seekable binary file, not {type(f).__name__} "
            f"({exc}): pre-load the data into a buffer such as io.BytesIO"
        ) from None
    name = getattr(f, "name", "<file>")
    if isinstance(f.read(0), str):  # its bytes would be decoded: a valid file reads corrupt
        raise TypeError(
            f"minigrad.load: {name} is open in text mode; open it in binary mode: open(path, 'rb')"
        )
    position = f.tell()
    if position and f.seek(0, os.SEEK_END) == position:  # as torch.load's EOFError
        raise EOFError(
            f"minigrad.load: nothing left to read in {name} (it is at its end, position "
            f"{position}): after saving into a buffer, call buffer.seek(0) before loading"
        )
    return _load(f, name, device)


def _placement(map_location):
    """Where loaded tensors go, from map_location as torch.load takes it: None, a device or
    its name, a dict of saved location to device, or a function called as fn(tensor,
    'cpu') for each tensor (PyTorch passes a storage and its location tag) that returns the
    tensor to use, or None to keep it. minigrad's files hold host arrays: the location of
    each is 'cpu'."""
    if callable(map_location) and not isinstance(map_location, (str, device_type)):
        return map_location
    if isinstance(map_location, dict):
        map_location = map_location.get("cpu")
    return cpu if map_location is None else get_device(map_location)


def _load(f, name: str, device):
    try:
        f.seek(0)
        _refuse_other_formats(f.read(len(_NPY_MAGIC)), ())
        with open_zip(f, _Corrupt) as archive:
            _refuse_other_formats(b"", archive.namelist())
            header = _read_header(archive)
            metas = header["tensors"]
            # a view needs no member, so the archive's own limit does not bound views
            if len(metas) > MAX_MEMBERS:
                raise _Corrupt(f"header lists {len(metas)} tensors (at most {MAX_MEMBERS})")
            tensors = [
                None if isinstance(meta, dict) and "view" in meta
                else _read_tensor(archive, i, meta, device)
                for i, meta in enumerate(metas)
            ]  # fmt: skip
            for i in range(len(metas)):
                if tensors[i] is None:
                    tensors[i] = _read_view(archive, header["version"], i, tensors, metas)
            return _decode(header["object"], tensors)
    except _Corrupt as exc:
        raise RuntimeError(f"minigrad.load: {name}: {exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RecursionError) as exc:
        raise RuntimeError(
            f"minigrad.load: {name} is not a valid minigrad file or is truncated/corrupt ({exc})"
        ) from None


class _Corrupt(ValueError):
    """A file that opens but does not follow the format; the message says where."""


_NPY_MAGIC = b"\x93NUMPY"
_NEVER_UNPICKLED = (
    "minigrad never unpickles (loading a pickle can run any code). Where PyTorch is installed, "
    "convert the weights once: sd = torch.load(path, weights_only=True); "
    "minigrad.save({k: minigrad.tensor(v.numpy()) for k, v in sd.items()}, new_path)"
)


def _refuse_other_formats(start: bytes, names) -> None:
    """A file of another format (given its first bytes, or its zip member names) is refused
    saying what it is and what to do, rather than 'not a minigrad file'."""
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise _Corrupt(
            f"it is a pickle (torch.save's old format, or pickle.dump), not a minigrad file: "
            f"{_NEVER_UNPICKLED}"
        )
    if start == _NPY_MAGIC:
        raise _Corrupt(
            "it is a NumPy .npy file, not a minigrad file: read it with numpy.load(path) "
            "(allow_pickle left False) and minigrad.from_numpy"
        )
    if _HEADER in names or not names:
        return
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        raise _Corrupt(
            f"it was written by torch.save (it holds a pickle, data.pkl): {_NEVER_UNPICKLED}"
        )
    if all(n.endswith(".npy") for n in names):
        raise _Corrupt(
            "it is a NumPy .npz archive, not a minigrad file: read it with numpy.load(path) "
            "(allow_pickle left False) and minigrad.from_numpy"
        )


def open_regular(path, refuse):
    """`path` opened for binary reading; it must be a regular file (a symlink is followed).

    A FIFO, a device (/dev/zero, /dev/urandom: endless) or a socket is refused with
    `refuse(message)` before anything is read; it is opened non-blocking, so a FIFO with no
    writer cannot hang. A missing path or a directory raises FileNotFoundError or
    IsADirectoryError, as open() and PyTorch do. Shared by every reader of downloaded files.
    """
    # O_NONBLOCK changes nothing for a regular file (Windows has neither it nor FIFOs)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
            raise refuse(f"{os.fspath(path)} is not a regular file ({kind})")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# zip flags of a plain member: deflate options (2, 4), data descriptor (8), UTF-8 name (0x800)
_PLAIN_FLAGS = 0x80E
_EOCD = struct.Struct("<4s4H2LH")  # a zip's end of central directory record
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # its zip64 form, right before a 20-byte locator


def open_zip(f, refuse) -> zipfile.ZipFile:
    """A ZipFile reading the binary file object f, whose central directory is bounded
    before ZipFile parses it (it keeps ~1 kB per entry: 100 MB of 46-byte entries would take
    2 GB): at most 128 bytes for each of MAX_MEMBERS entries. More entries than that, an
    entry twice (which copy counts depends on the reader), members that would inflate to more
    than max_inflated of their compressed size together, or a file object on a device or FIFO
    (ZipFile reads /dev/zero without end) are refused with `refuse(message)`.
    """
    try:
        mode = os.fstat(f.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # no descriptor: in memory, as io.BytesIO
        mode = stat.S_IFREG
    if not stat.S_ISREG(mode):
        raise refuse("it is not a regular file (a device, FIFO or socket)")
    declared = _declared_entries(f, refuse)
    f.seek(0)
    try:
        archive = zipfile.ZipFile(f)
    except NotImplementedError as exc:  # a zip feature newer than zipfile reads
        raise refuse(f"its zip directory asks for {exc}") from None
    except ValueError as exc:  # a name flagged UTF-8 that is not: UnicodeDecodeError
        raise refuse(f"its zip directory cannot be read ({exc})") from None
    try:
        names = archive.namelist()
        if len(names) > MAX_MEMBERS:
            raise refuse(f"the archive holds {len(names)} entries (at most {MAX_MEMBERS})")
        if declared is not None and declared[0] != len(names) % declared[1]:
            raise refuse(
                f"its zip end record declares {declared[0]} entries, but its directory holds "
                f"{len(names)} (a corrupt or crafted file)"
            )
        seen = set()
        for name in names:
            if name in seen:
                raise refuse(f"the archive holds {name!r} more than once")
            seen.add(name)
        _refuse_overlaps(archive, refuse)
        packed = [i for i in archive.infolist() if i.compress_type != zipfile.ZIP_STORED]
        compressed = sum(i.compress_size for i in packed)
        inflated = sum(i.file_size for i in packed)  # zipfile reads no more than these
        if inflated > max_inflated(compressed):  # in all: 100,000 members of 16 MB each
            raise refuse(
                f"its members would inflate {compressed} bytes to {inflated} (a zip bomb?)"
            )
    except BaseException:
        archive.close()
        raise
    return archive


def _declared_entries(f, refuse) -> tuple[int, int] | None:
    """The entry count of the zip f's end record (zip64's where ZipFile takes that one),
    and the modulus it is kept in (2**16, or 2**64 in zip64), checked before ZipFile parses
    the directory: its size (at most 128 bytes for each of MAX_MEMBERS entries), the count
    it declares, and the entries its bytes can hold (their signatures counted, since the
    count can lie: ZipFile parses the directory's bytes, whatever the count says).
    None when there is no end record (ZipFile then says the file is not a zip)."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    # ZipFile looks for the end record in the last 64 kB (+ its 22 bytes); 76 more cover
    # the zip64 record and locator before it
    start = max(0, size - _EOCD.size - 2**16 - _EOCD64.size - 20)
    f.seek(start)
    tail = f.read(size - start)
    # as ZipFile: the end record is the file's last 22 bytes if they are one without a
    # comment, else the last one in the tail
    at = len(tail) - _EOCD.size
    if at < 0 or tail[at : at + 4] != b"PK\x05\x06" or tail[-2:] != b"\0\0":
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    entries, directory = _EOCD.unpack_from(tail, at)[4:6]
    modulus, location = 2**16, start + at
    if at >= _EOCD64.size + 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        record = _EOCD64.unpack_from(tail, at - 20 - _EOCD64.size)
        if record[0] == b"PK\x06\x06":  # ZipFile then takes the zip64 count and size
            entries, directory, modulus = record[7], record[8], 2**64
            location -= _EOCD64.size + 20
    if directory > 128 * MAX_MEMBERS:
        raise refuse(f"its zip directory holds {directory} bytes (too many entries)")
    if entries > MAX_MEMBERS:
        raise refuse(
            f"the archive holds {entries} entries (at most {MAX_MEMBERS}), as its zip end "
            "record declares"
        )
    f.seek(max(0, location - directory))  # where ZipFile reads it (after any prefix)
    found = f.read(directory).count(b"PK\x01\x02")  # names can hold it too: a bound
    if found > MAX_MEMBERS:
        raise refuse(
            f"its zip directory holds up to {found} entries (at most {MAX_MEMBERS}), though "
            f"its end record declares {entries}"
        )
    return entries, modulus


def _refuse_overlaps(archive: zipfile.ZipFile, refuse) -> None:
    """Each member's local header (30 bytes and its name) and data must end before the next
    member's header, the last before the central directory: else members share their data
    (a local header's extra field can hold the next headers), and 200 names for one 4 MB
    payload loaded 800 MB of tensors from a 4 MB file. Python 3.12 checks this too; 3.10 and
    3.11 do not. With no overlap, all members together hold at most the file's bytes."""
    infos = sorted(archive.infolist(), key=lambda i: i.header_offset)
    ends = [i.header_offset for i in infos[1:]] + [archive.start_dir]
    for info, end in zip(infos, ends):
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"  # as the directory has it
        name_bytes = len(info.orig_filename.encode(encoding, "surrogateescape"))
        if info.header_offset + 30 + name_bytes + info.compress_size > end:
            into = "the zip directory" if end == archive.start_dir else "the next member"
            raise refuse(
                f"its member {info.filename!r} claims {info.compress_size} bytes of data, "
                f"which run into {into}: a corrupt file, or a zip bomb (members that share "
                "their data)"
            )


class Gunzip:
    """The inflated bytes of a gzip file's members, one after another, as GzipFile reads
    them (zero bytes after a member are padding), with `read(n)` returning at most n.

    zlib parses each member's header and checks its trailer in C: GzipFile reads a header's
    file name one byte at a time in Python, so a 10 MB .gz whose name never ends took 1.4 s
    to refuse (and a 1 GB one minutes). A broken file raises zlib.error or EOFError. Shared
    by the readers of .gz files.
    """

    def __init__(self, raw):
        # a bytearray: bytes += bytes copies all of it, and 200,000 one-byte members took 7 s
        self.raw, self.packed, self.out = raw, b"", bytearray()
        self.member = None  # the inflater of the member being read; None between members
        self.members = self.empty = 0  # members begun, and those that held no data
        self.held = 0  # bytes the current member inflated to so far

    def read(self, n: int) -> bytes:
        while len(self.out) < n and self._inflate(n - len(self.out)):
            pass
        with memoryview(self.out) as view:  # one copy (self.out[:n] would be another)
            data = bytes(view[:n])
        del self.out[:n]  # from the front of a bytearray: no copy of the rest
        return data

    def _inflate(self, n: int) -> bool:
        """Up to n more inflated bytes into self.out; False after the last member."""
        if self.member is None:
            padding = b"\0" if self.members else b""  # none before the first member
            self.packed = self.packed.lstrip(padding)
            while not self.packed:
                more = self.raw.read(_PACKED)
                if not more:
                    return False
                self.packed = more.lstrip(padding)
            if len(self.packed) < 2:
                self.packed += self.raw.read(1)
            if self.packed[:2] != b"\x1f\x8b":
                raise zlib.error(f"not a gzipped file: a member starts with {self.packed[:2]!r}")
            self.member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self.members += 1
            if self.members > _MAX_GZIP_MEMBERS:  # ~3 us each: 64 MB of 21-byte ones took 10 s
                raise zlib.error(f"more than {_MAX_GZIP_MEMBERS} gzip members")
        if not self.packed:
            self.packed = self.raw.read(_PACKED)
            if not self.packed:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        data = self.member.decompress(self.packed, n)
        self.out += data
        self.held += len(data)
        self.packed = self.member.unconsumed_tail
        if self.member.eof:
            self.packed, self.member = self.member.unused_data, None
            self.empty += not self.held
            self.held = 0
            if self.empty > _MAX_EMPTY_MEMBERS:  # each costs a header and an inflater
                raise zlib.error(f"more than {_MAX_EMPTY_MEMBERS} empty gzip members")
        return True


def numpy_size(shape) -> int:
    """The elements NumPy counts when it checks a shape: an empty array too must have its
    other sizes fit NumPy's index range, and np.empty((0, 2**64)) raises OverflowError, not
    the ValueError a reader owes. Shared by the readers of declared shapes."""
    return math.prod(max(n, 1) for n in shape)


def max_inflated(compressed: int) -> int:
    """The most bytes `compressed` bytes of gzip/deflate data may unpack to here: real data
    (weights, images) shrinks a few times; a bomb (zeros) a thousandfold."""
    return _MAX_RATIO * compressed + 2**24


def read_member(archive: zipfile.ZipFile, name: str, limit: int, refuse) -> bytes:
    """Member `name`'s bytes; more than `limit` bytes is refused with `refuse(message)`
    before inflating (open_zip bounds what all members inflate to together). Shared by the
    zip readers."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise refuse(f"the archive has no {name} (truncated, or not a minigrad file)") from None
    if info.flag_bits & ~_PLAIN_FLAGS:
        raise refuse(f"{name} is encrypted or patched (zip flags {info.flag_bits:#x})")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise refuse(f"{name} uses compression method {info.compress_type} (minigrad writes 0, 8)")
    if info.file_size > limit:
        raise refuse(f"{name} unpacks to {info.file_size} bytes, more than the {limit} expected")
    chunks, size = [], 0
    with archive.open(info) as member:
        # the sizes in the directory can lie: read at most limit + 1 bytes, in steps, since
        # ZipFile asks the file for the whole amount at once (a 64 MB buffer for a 400-byte file)
        while size <= limit and (chunk := member.read(min(_CHUNK, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        raise refuse(f"{name} unpacks to more than the {limit} bytes expected (a zip bomb?)")
    return data


def read_npy(data: bytes, name: str, shape: tuple, dtype: np.dtype, refuse) -> np.ndarray:
    """The array in member `name`'s .npy bytes, which must declare exactly this shape and
    dtype and hold exactly its values; anything else is refused with `refuse(message)` before
    the values are read (so an object array is never unpickled). Shared by the zip readers."""
    buffer = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buffer)
        if version not in _NPY_READERS:
            raise ValueError(f"unsupported .npy version {version}")
        found_shape, fortran, found_dtype = _NPY_READERS[version](buffer)
        # NOTE: NumPy parses the header as a Python literal: a cut one raises SyntaxError or
        # tokenize.TokenError, which are not ValueErrors; a dict key that is a list raises
        # TypeError (unhashable), and a descr of () or ('<f4',) IndexError
    except (ValueError, SyntaxError, tokenize.TokenError, TypeError, IndexError) as exc:
        raise refuse(f"{name} is not a valid .npy array ({exc})") from None
    if tuple(found_shape) != tuple(shape) or found_dtype != dtype:
        raise refuse(
            f"{name} holds {found_dtype}{list(found_shape)}, but the file declares "
            f"{np.dtype(dtype)}{list(shape)}"
        )
    # NumPy reads what the header declares and ignores the rest: bytes hidden after it
    stored, needed = len(data) - buffer.tell(), math.prod(shape) * np.dtype(dtype).itemsize
    if stored != needed:
        raise refuse(
            f"{name} holds {stored} bytes of values; its header {list(shape)} needs {needed}"
        )
    # the values as np.load reads them, without its second parse of the header: that took
    # half the time of a small array (100,000 of them, a 33 MB checkpoint, took 60 s)
    values = np.frombuffer(data, found_dtype, math.prod(shape), offset=buffer.tell())
    return values.reshape(shape, order="F" if fortran else "C").copy(order="K")


_NPY_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def read_json(archive: zipfile.ZipFile, name: str, limit: int, refuse, max_depth: int):
    """Member `name` parsed as JSON (read_member, then loads_json). Parsed JSON takes up to
    ~25 times its text (a dict per 8 bytes of `{"a":0},`), so a compressed member may inflate
    to at most _MAX_RATIO times its compressed size plus 1 MiB, not the 16 MiB max_inflated
    grants: 16 MB of small dicts in 24 kB took 400 MB and 17 s to parse. minigrad.save stores
    its header; graph files' JSON shrinks ~18-fold. Shared by the zip readers."""
    try:
        info = archive.getinfo(name)
    except KeyError:  # read_member says so
        info = None
    if info is not None and info.compress_type != zipfile.ZIP_STORED:
        most = _MAX_RATIO * info.compress_size + 2**20
        if info.file_size > most:
            raise refuse(
                f"{name} would inflate {info.compress_size} bytes to {info.file_size} "
                f"(more than {_MAX_RATIO} times: a JSON bomb?)"
            )
        limit = min(limit, most)  # zipfile stops at the declared size, which holds this
    return loads_json(read_member(archive, name, limit, refuse), name, refuse, max_depth)


def loads_json(
    data: bytes,
    name: str,
    refuse,
    max_depth: int,
    max_containers: int | None = None,
    max_values: int | None = None,
):
    """json.loads of member `name`, refusing with `refuse(message)` an object that has a key
    twice (readers disagree on which wins) and, before parsing, more than max_containers
    objects and lists (default MAX_JSON_CONTAINERS: 64 MB of `{},` made 22 million dicts,
    1.6 GB), more than max_values items in them (default MAX_JSON_VALUES: 64 MB of `1.5,`
    made 16 million floats, 640 MB in 15 s), nesting deeper than max_depth, or text that is
    not UTF-8. Shared by
    minigrad.load, static graph files and notebooks (whose reader, nbformat, spends far more
    than json.loads on each container: they pass lower bounds)."""
    containers = data.count(b"{") + data.count(b"[")  # with brackets in strings: a bound
    if containers > MAX_JSON_CONTAINERS:
        raise refuse(f"{name} holds {containers} objects and lists (at most {MAX_JSON_CONTAINERS})")
    max_containers = MAX_JSON_CONTAINERS if max_containers is None else max_containers
    max_values = MAX_JSON_VALUES if max_values is None else max_values
    # NOTE: json.loads takes bytes in UTF-16 and UTF-32 too, whose code units hold the bytes
    # of '"' and '[' anywhere (U+0122 is 22 01): the scan counts ASCII text, which UTF-8 is
    # outside its multi-byte characters. So only UTF-8 is read, as minigrad and nbformat
    # write JSON (UTF-16 of ASCII decodes, with NULs, which no JSON text holds).
    if b"\0" in data:
        raise refuse(f"{name} holds a NUL byte: JSON in UTF-16 or UTF-32? Only UTF-8 is read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"{name} is not UTF-8 text ({exc})") from None
    _scan_json(data, name, refuse, max_depth, max_containers, max_values)

    def unique(pairs: list) -> dict:
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise refuse(f"{name} has the key {key!r} twice in one object")
            seen.add(key)
        return dict(pairs)

    return json.loads(text, object_pairs_hook=unique)


def _scan_json(
    data: bytes, name: str, refuse, max_depth: int, max_containers: int, max_values: int
) -> None:
    """Refuse JSON nested deeper than max_depth, with more than max_containers lists and
    objects, or with max_values items or more in them, counting only brackets and commas
    outside strings. NumPy does the counting a few MB at a time: a loop over the bytes in
    Python took 7.7 s for 20 MB. On JSON that json.loads accepts up to some byte, this counts
    what the same loop did up to there (json.loads stops at the first byte it rejects)."""
    # a run of backslashes escapes in pairs from its left: drop the pairs, then the escaped
    # quotes; what is left of a string's escapes (\n, \u...) holds no quote
    text = np.frombuffer(data.replace(b"\\\\", b"").replace(b'\\"', b""), np.uint8)
    quotes = depth = separators = containers = 0  # carried from one chunk to the next
    for start in range(0, len(text), _SCAN_CHUNK):
        chunk = text[start : start + _SCAN_CHUNK]
        parity = np.cumsum(chunk == 0x22, dtype=np.uint8)  # wraps around: the parity holds
        parity += quotes
        parity &= 1
        quotes = int(parity[-1])
        outside = parity == 0
        opens = ((chunk == 0x5B) | (chunk == 0x7B)) & outside  # [ {
        closes = ((chunk == 0x5D) | (chunk == 0x7D)) & outside
        steps = (opens.astype(np.int8) - closes)[opens | closes]
        if len(steps):
            levels = np.cumsum(steps, dtype=np.int32)
            if depth + int(levels.max()) > max_depth:
                raise refuse(f"{name} is nested more than {max_depth} deep")
            depth += int(levels[-1])
        containers += int(np.count_nonzero(opens))
        if containers > max_containers:
            raise refuse(f"{name} holds more than {max_containers} objects and lists")
        separators += int(np.count_nonzero((chunk == 0x2C) & outside))  # comma: one more item
        if separators >= max_values:
            raise refuse(f"{name} holds more than {max_values} values in its lists and objects")


def _read_header(archive) -> dict:
    header = read_json(archive, _HEADER, MAX_HEADER_BYTES, _Corrupt, 3 * MAX_DEPTH + 8)  # 3:
    # {"dict": [[k, v]]}
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _Corrupt("missing minigrad header (not a file written by minigrad.save)")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _Corrupt(f"header has an invalid version {reprlib.repr(version)}")
    if version > VERSION:
        raise _Corrupt(
            f"written by a newer format (version {version}; this minigrad reads up to "
            f"{VERSION}): upgrade minigrad"
        )
    if not isinstance(header.get("tensors"), list) or "object" not in header:
        raise _Corrupt("header needs a 'tensors' list and an 'object'")
    return header


def _tensor_meta_checked(i: int, meta) -> tuple[np.dtype, tuple[int, ...]]:
    """(dtype, shape) of tensor i's header entry, validated."""
    if not isinstance(meta, dict):
        raise _Corrupt(f"tensor {i}: header entry is a {type(meta).__name__}, not an object")
    dtype = _DTYPES.get(meta.get("dtype")) if isinstance(meta.get("dtype"), str) else None
    if dtype is None:  # object, void, str, structured, big-endian...: never parsed by NumPy
        raise _Corrupt(
            f"tensor {i}: dtype {reprlib.repr(meta.get('dtype'))} is not one of minigrad's "
            f"({', '.join(_DTYPES)})"
        )
    shape = meta.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_NDIM  # before math.prod: 10**4000 ** 5000 would take hours
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise _Corrupt(f"tensor {i}: invalid shape {reprlib.repr(shape)}")
    if numpy_size(shape) * dtype.itemsize > _MAX_INTP:
        raise _Corrupt(f"tensor {i}: shape {reprlib.repr(shape)} is larger than an array can be")
    for key in ("requires_grad", "parameter"):
        if not isinstance(meta.get(key, False), bool):
            raise _Corrupt(f"tensor {i}: {key!r} must be true or false")
    wants_grad = meta.get("requires_grad", meta.get("parameter", False))
    if wants_grad and dtype.kind != "f":
        raise _Corrupt(f"tensor {i}: dtype {dtype} cannot require gradients")
    return dtype, tuple(shape)


def _read_tensor(archive, i: int, meta, device) -> Tensor:
    dtype, shape = _tensor_meta_checked(i, meta)
    nbytes = math.prod(shape) * dtype.itemsize
    entry = f"tensors/{i}.npy"
    try:
        stored = archive.getinfo(entry).file_size
    except KeyError:
        stored = 0
    if nbytes > stored:  # the data must be in the file: refuse 10**12 declared elements
        raise _Corrupt(
            f"tensor {i} declares shape {shape} ({nbytes} bytes of {dtype}) but {entry} "
            f"holds {stored} bytes"
        )
    data = read_member(archive, entry, nbytes + _NPY_HEADER_BYTES, _Corrupt)
    array = read_npy(data, entry, shape, dtype, _Corrupt)
    if callable(device):  # map_location as a function
        t = _mapped(device, Tensor._make(array), entry)
    else:
        t = Tensor._make(array if device is cpu else device.xp.asarray(array))
    return _flagged(t, meta)


def _flagged(t: Tensor, meta: dict) -> Tensor:
    """t as its entry says: a Parameter, or a tensor that requires grad or not."""
    if meta.get("parameter"):
        from minigrad.nn.parameter import Parameter

        return Parameter(t, meta.get("requires_grad", True))
    t.requires_grad = meta.get("requires_grad", False)
    return t


def _read_view(archive, version: int, i: int, tensors: list, metas: list) -> Tensor:
    """Tensor i, a view of the 1-D tensor its entry names (one stored by value), checked to
    lie inside it and to hold no more elements than it or, expanded (a stride of 0), no more
    bytes than its member may unpack to: it adds no memory to what the file holds, and no
    more elements than a tensor stored by value could. Its array is made here, in time
    independent of its size: as_strided (an op) would record each element's place, 8 bytes
    per element for every view of the base. As PyTorch's loaded tensors, it shares memory
    with the base but not a version counter."""
    meta = metas[i]
    dtype, shape = _tensor_meta_checked(i, meta)
    if version < 2:  # save writes views as version 2: an older reader would miss the values
        raise _Corrupt(f"tensor {i} is a view, which a version {version} file cannot hold")
    try:  # two sources of its values, which readers could pick differently
        archive.getinfo(f"tensors/{i}.npy")
    except KeyError:
        pass
    else:
        raise _Corrupt(f"tensor {i} is a view and has values of its own, tensors/{i}.npy")
    view = meta["view"]
    if not isinstance(view, dict) or set(view) != {"of", "offset", "strides"}:
        raise _Corrupt(f"tensor {i}: 'view' needs exactly 'of', 'offset' and 'strides'")
    of, offset, strides = view["of"], view["offset"], view["strides"]
    numbers = [of, offset, *strides] if isinstance(strides, list) else None
    if numbers is None or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise _Corrupt(f"tensor {i}: 'view' holds {reprlib.repr(view)}, not integers")
    base = tensors[of] if 0 <= of < len(tensors) and "view" not in metas[of] else None
    if base is None or base.ndim != 1 or base.dtype.np != dtype:
        raise _Corrupt(f"tensor {i}: 'view' names tensor {of}, which is not a 1-D {dtype} tensor")
    last = offset + sum((n - 1) * s for n, s in zip(shape, strides))
    if (
        len(strides) != len(shape)
        or min(strides, default=0) < 0
        # NumPy keeps strides in bytes as intp, even in a dim of 0 or 1 elements
        or max(strides, default=0) > _MAX_INTP // dtype.itemsize
        or not 0 <= offset <= base.numel()
        or (math.prod(shape) and last >= base.numel())
    ):
        raise _Corrupt(
            f"tensor {i}: a view of shape {list(shape)}, strides {reprlib.repr(strides)} and "
            f"offset {offset} does not lie inside tensor {of}'s {base.numel()} elements"
        )
    stored = archive.getinfo(f"tensors/{of}.npy").compress_size
    if not _view_fits(shape, strides, base.numel(), stored, dtype.itemsize):
        raise _Corrupt(
            f"tensor {i}: a view of shape {list(shape)} and strides {reprlib.repr(strides)} "
            f"holds more elements than tensor {of}'s {base.numel()}, or, expanded, more than "
            f"the {max_inflated(stored)} bytes its {stored}-byte member may unpack to"
        )
    flat = base.array
    if not flat.flags.c_contiguous:  # the strides count the base's own elements
        raise TypeError(
            f"minigrad.load: map_location returned a non-contiguous tensor for "
            f"tensors/{of}.npy, which views share; return a contiguous one"
        )
    steps = tuple(s * dtype.itemsize for s in strides)
    # a dim of stride 0 is an expand, made as minigrad's (a broadcast): in-place ops refuse to
    # write through it and fill_ or `x[i] = v` write, as with PyTorch's loaded expand
    kept = [1 if s == 0 and n > 1 else n for n, s in zip(shape, strides)]
    array = strided_view(base.device.xp, flat[offset:], kept, steps, "minigrad.load")
    if kept != list(shape):
        array = base.device.xp.broadcast_to(array, shape)
    return _flagged(Tensor._make(array), meta)


def _mapped(function, t: Tensor, entry: str) -> Tensor:
    moved = function(t, "cpu")
    if moved is None:
        return t
    if not isinstance(moved, Tensor) or moved.shape != t.shape or moved.dtype != t.dtype:
        raise TypeError(
            f"minigrad.load: map_location returned {type(moved).__name__} for {entry}; it "
            "must return the tensor it was given (on any device) or None"
        )
    return moved.detach()


def _decode(tree, tensors: list, depth: int = 0):
    if not isinstance(tree, dict):
        if isinstance(tree, list):
            raise _Corrupt("a list where an entry object ({'list': [...]}) belongs")
        return tree
    if depth > MAX_DEPTH:
        raise _Corrupt(f"the object is nested deeper than {MAX_DEPTH} levels")
    if len(tree) != 1:
        raise _Corrupt(f"an entry has keys {sorted(tree)[:4]}; expected exactly one")
    ((kind, value),) = tree.items()
    if kind == "tensor":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(tensors):
            raise _Corrupt(f"tensor index {value!r} is out of range (the file has {len(tensors)})")
        return tensors[value]
    if not isinstance(value, list):
        raise _Corrupt(f"{kind!r} holds a {type(value).__name__}, not a list")
    if kind in ("dict", "odict"):
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in value):
            raise _Corrupt("a dict entry is not a [key, value] pair")
        items = [(_decode(k, tensors, depth + 1), _decode(v, tensors, depth + 1)) for k, v in value]
        if not all(isinstance(k, (str, int, float, bool, type(None), tuple)) for k, _ in items):
            raise _Corrupt("a dict key is not a number, string or tuple")
        try:
            shared = max(Counter(hash(k) for k, _ in items).values(), default=0)
        except TypeError:  # a tuple key holding a list
            raise _Corrupt("a dict key is a tuple holding a list or dict") from None
        if shared > _MAX_SHARED_HASH:
            raise _Corrupt(
                f"a dict has {shared} keys of one hash (at most {_MAX_SHARED_HASH}): keys made "
                "to collide, which would take a time quadratic in their number to insert"
            )
        decoded = (OrderedDict if kind == "odict" else dict)(items)
        if len(decoded) != len(items):
            raise _Corrupt("a dict has the same key twice")
        return decoded
    if kind in ("list", "tuple"):
        items = [_decode(v, tensors, depth + 1) for v in value]
        return tuple(items) if kind == "tuple" else items
    raise _Corrupt(f"unknown entry {kind!r}")
