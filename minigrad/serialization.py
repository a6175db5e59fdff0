"""`minigrad.save(obj, f)` / `minigrad.load(f)`: tensors, state dicts and optimizer states in a
file that cannot run code when loaded (no pickle).

Format (version 1): a zip archive holding
- `minigrad.json`: {"format": "minigrad", "version": 1, "minigrad_version": ...,
  "tensors": [{"dtype", "shape", "requires_grad", "parameter"}, ...], "object": <tree>}
- `tensors/<i>.npy`: tensor i's values in NumPy's .npy format, read with allow_pickle=False.

The tree is JSON: numbers, strings, booleans and null as they are; a list as
{"list": [...]}, a tuple as {"tuple": [...]}, a dict as {"dict": [[key, value], ...]} (keys
keep their type: optimizer states use int keys) and a tensor as {"tensor": i}. A tensor
reached twice is stored once. Anything else (functions, arbitrary classes) is refused when
saving, so loading never has to construct unknown objects.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from minigrad.backend import cpu, get_device
from minigrad.tensor import Tensor

FORMAT, VERSION = "minigrad", 1
_HEADER = "minigrad.json"


def save(obj, f) -> None:
    """Write obj (tensors, numbers, strings, None, and lists/tuples/dicts of them) to f."""
    tensors: list = []
    tree = _encode(obj, tensors, {})
    from minigrad import __version__

    header = {
        "format": FORMAT,
        "version": VERSION,
        "minigrad_version": __version__,
        "tensors": [_tensor_meta(t) for t in tensors],
        "object": tree,
    }
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_HEADER, json.dumps(header))
        for i, t in enumerate(tensors):
            buffer = io.BytesIO()
            np.save(buffer, t.detach().cpu().array, allow_pickle=False)
            archive.writestr(f"tensors/{i}.npy", buffer.getvalue())


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
        return {
            "dict": [[_encode(k, tensors, seen), _encode(v, tensors, seen)] for k, v in obj.items()]
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


def load(f, map_location=None, weights_only: bool = True, **kwargs):
    """Read what `save` wrote; tensors go to map_location (a device; default cpu)."""
    device = cpu if map_location is None else get_device(map_location)
    name = getattr(f, "name", f)
    try:
        with zipfile.ZipFile(f) as archive:
            header = _read_header(archive, name)
            tensors = [
                _read_tensor(archive, i, meta, device) for i, meta in enumerate(header["tensors"])
            ]
            return _decode(header["object"], tensors)
    except (zipfile.BadZipFile, EOFError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise RuntimeError(
            f"minigrad.load: {name} is not a valid minigrad file or is truncated/corrupt ({exc})"
        ) from None


def _read_header(archive, name) -> dict:
    header = json.loads(archive.read(_HEADER))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("missing minigrad header")
    if header.get("version", 0) > VERSION:
        raise ValueError(
            f"written by a newer format (version {header['version']}; this minigrad reads up "
            f"to {VERSION}): upgrade minigrad"
        )
    return header


def _read_tensor(archive, i: int, meta: dict, device) -> Tensor:
    array = np.load(io.BytesIO(archive.read(f"tensors/{i}.npy")), allow_pickle=False)
    if str(array.dtype) != meta["dtype"] or list(array.shape) != meta["shape"]:
        raise ValueError(f"tensor {i} does not match its header ({array.dtype}, {array.shape})")
    t = Tensor._make(array if device is cpu else device.xp.asarray(array))
    if meta.get("parameter"):
        from minigrad.nn.parameter import Parameter

        return Parameter(t, meta["requires_grad"])
    t.requires_grad = meta["requires_grad"]
    return t


def _decode(tree, tensors: list):
    if not isinstance(tree, dict):
        return tree
    ((kind, value),) = tree.items()
    if kind == "tensor":
        return tensors[value]
    if kind == "dict":
        return {_decode(k, tensors): _decode(v, tensors) for k, v in value}
    if kind in ("list", "tuple"):
        items = [_decode(v, tensors) for v in value]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"unknown entry {kind!r}")
