"""How tensors print: PyTorch's layout and element formats, and `set_printoptions`."""

from __future__ import annotations

import builtins

import numpy as np

from minigrad import dtypes
from minigrad.backend import cpu
from minigrad.tensor import _host


def format_tensor(t) -> str:
    """PyTorch-like text: tensor([[1.0000, 2.5000]], requires_grad=True)."""
    array = _host(t.array)
    prefix = "tensor("
    body = _format_array(array, len(prefix))
    extras = []
    if t._device is not cpu:
        extras.append(f"device='{t._device}'")
    if array.size == 0 and array.shape != (0,):
        extras.append(f"size={tuple(array.shape)}")
    default = {dtypes.get_default_dtype().np}
    if array.size:  # an empty tensor shows even int64 and bool, as PyTorch's
        default |= {np.dtype(np.int64), np.dtype(np.bool_)}
    if array.dtype not in default:
        extras.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return _add_suffixes(prefix + body, extras, len(prefix))


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """PyTorch's placement of dtype=, grad_fn=...: a suffix that would pass the line width
    goes on a line of its own, under the first element. Widths are counted as PyTorch's text
    ("torch.float64"), so that the lines break where PyTorch's do."""
    parts = [text]
    last = len(text) - text.rfind("\n") + 1  # PyTorch's count: 2 more than the last line
    for suffix in suffixes:
        width = len(suffix.replace("minigrad.", "torch."))
        if last + width + 2 > _PRINT["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + width
        else:
            parts.append(", " + suffix)
            last += width + 2
    return "".join(parts) + ")"


_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80),
}
_PRINT = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
) -> None:
    """How tensors print, as `torch.set_printoptions`: digits after the point, the element
    count above which a print is summarized, the items kept at each end of a summarized dim,
    the characters per line, a profile ('default', 'short', 'full') to start from, and
    sci_mode (True: always scientific, False: never, None: chosen from the values)."""
    if profile is not None:
        _PRINT.update(_PROFILES[profile])
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems)
    given["linewidth"] = linewidth
    _PRINT.update({k: v for k, v in given.items() if v is not None}, sci_mode=sci_mode)


def _format_array(array: np.ndarray, indent: int) -> str:
    """PyTorch's layout: elements right-aligned to one width, as many per line as fit in 80
    columns, and `...` in the middle of long dims when there are over 1000 elements."""
    if array.size == 0:
        return "[]"
    summarize = array.size > _PRINT["threshold"]
    fmt, width = _element_format(_summarized(array) if summarize else array)
    return _nested(array, indent, lambda v: fmt(v).rjust(width), width, summarize)


def _nested(array: np.ndarray, indent: int, cell, width: int, summarize: bool) -> str:
    if array.ndim == 0:
        return cell(array.item())
    n = array.shape[0]
    edge = _PRINT["edgeitems"]
    rows = [*range(edge), None, *range(n - edge, n)] if summarize and n > 2 * edge else range(n)
    if array.ndim == 1:
        items = [" ..." if i is None else cell(array[i].item()) for i in rows]
        per_line = builtins.max(1, (_PRINT["linewidth"] - indent) // (width + 2))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = [
        "..." if i is None else _nested(array[i], indent + 1, cell, width, summarize) for i in rows
    ]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _summarized(array: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows (the first and last 3 along each dim)."""
    edge = _PRINT["edgeitems"]
    if array.shape[0] > 2 * edge:
        array = np.concatenate([array[:edge], array[-edge:]])
    return np.stack([_summarized(a) for a in array]) if array.ndim > 1 else array


# PyTorch's switch to scientific notation: nonzero magnitudes spanning more than 1000x, or any
# above 1e8, or (for non-integral values) any below 1e-4
_SCI_SPREAD, _SCI_ABOVE, _SCI_BELOW = 1000.0, 1e8, 1e-4


def _element_format(array: np.ndarray):
    """PyTorch's choice of element format, and the width of the widest finite nonzero value.

    Integers in a float tensor print as `2.`; otherwise `precision` (4) decimals, or scientific
    notation when the nonzero magnitudes span more than 1000x, exceed 1e8 or go below 1e-4
    (or as `set_printoptions(sci_mode=...)` says).
    """
    if array.dtype.kind == "b":
        return (lambda v: "True" if v else "False"), 5 if not array.all() else 4
    if array.dtype.kind != "f":
        return str, builtins.max(len(str(v)) for v in array.reshape(-1).tolist())
    values = array.astype(np.float64)
    finite = values[np.isfinite(values)]
    signed = finite[finite != 0]
    nonzero = np.abs(signed)
    big, small = (nonzero.max(), nonzero.min()) if nonzero.size else (0.0, 0.0)
    spread = builtins.bool(nonzero.size and (big / small > _SCI_SPREAD or big > _SCI_ABOVE))
    integral = np.all(finite == np.ceil(finite))
    p, sci = _PRINT["precision"], _PRINT["sci_mode"]
    # NOTE: no finite nonzero value (zeros, nan, inf): PyTorch keeps `0.` even with sci_mode
    if nonzero.size and (
        sci if sci is not None else spread or (not integral and small < _SCI_BELOW)
    ):
        fmt = lambda v: f"{v:.{p}e}"  # noqa: E731
    elif integral:
        fmt = lambda v: f"{v:.0f}."  # noqa: E731
    else:
        fmt = lambda v: f"{v:.{p}f}"  # noqa: E731
    shown = np.concatenate([signed[:1000], [0.0]])
    width = builtins.max(len(fmt(v)) for v in shown)
    return (lambda v: fmt(v) if np.isfinite(v) else str(v)), width
