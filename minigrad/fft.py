"""`minigrad.fft`, as `torch.fft`, for real tensors: minigrad has no complex dtypes.

What works as in PyTorch, with gradients:
- `irfft`, `irfft2`, `irfftn` of a real spectrum (PyTorch reads a real input as a complex one
  with zero imaginary parts), with `n`/`s`, `dim` and `norm`;
- `fftshift`, `ifftshift` (rolls), `fftfreq`, `rfftfreq` (sample frequencies).

`fft`, `ifft`, `rfft`, `fft2`, `ifft2`, `rfft2`, `fftn`, `ifftn` and `rfftn` return complex
tensors in PyTorch: here they raise NotImplementedError (a RuntimeError) naming the op, rather
than return something else. Their real part, for instance, is `numpy.fft.rfft(t.numpy()).real`.
"""

from __future__ import annotations

import numpy as np

from minigrad import creation, dtypes
from minigrad.backend import get_device
from minigrad.ops._util import normalize_dim, write_out
from minigrad.ops.fft import Irfftn
from minigrad.ops.indexing import narrow, roll
from minigrad.ops.shape import cat
from minigrad.tensor import Tensor

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

_NORMS = {None: "backward", "backward": "backward", "ortho": "ortho", "forward": "forward"}


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *, out=None):
    """The inverse of rfft: n real points (default 2 * (input.size(dim) - 1)) from the
    n // 2 + 1 bins of a Hermitian spectrum along dim (trimmed or zero-padded to that)."""
    return _irfftn("fft.irfft", input, None if n is None else (n,), (dim,), norm, out)


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm: str | None = None, *, out=None):
    """irfftn over two dims (the last two by default)."""
    return _irfftn("fft.irfft2", input, s, dim, norm, out)


def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None, *, out=None):
    """The inverse of rfftn over dims (all, or the last len(s)): an inverse FFT over all but
    the last of dims, then irfft over the last (s[-1] points, default 2 * (size - 1))."""
    return _irfftn("fft.irfftn", input, s, dim, norm, out)


def _irfftn(op: str, input: Tensor, s, dim, norm, out) -> Tensor:
    if input.array.dtype == np.float16:
        raise RuntimeError(f"{op}: Unsupported dtype Half")
    if input.array.dtype.kind != "f":  # PyTorch promotes to the default complex dtype
        input = input.to(dtypes.get_default_dtype())
    norm = _check_norm(op, norm)
    s, dims = _shape_and_dims(op, input, s, dim)
    if not dims:
        raise RuntimeError(f"{op}: irfftn must transform at least one axis")
    last = input.shape[dims[-1]]
    sizes = [input.shape[d] if n == -1 else n for d, n in zip(dims, s)]
    n = 2 * (last - 1) if s[-1] == -1 else s[-1]
    for size in (*sizes[:-1], n):
        if size < 1:
            raise RuntimeError(f"{op}: Invalid number of data points ({size}) specified")
    x = input
    for d, size in zip(dims, (*sizes[:-1], n // 2 + 1)):
        x = _resized(x, d, size)
    y = Irfftn.apply(x, n, dims, norm)
    return y if out is None else write_out(op, y, out)


def _check_norm(op: str, norm) -> str:
    if norm not in _NORMS:
        raise RuntimeError(f'{op}: Invalid normalization mode: "{norm}"')
    return _NORMS[norm]


def _shape_and_dims(op: str, input: Tensor, s, dim) -> tuple:
    """PyTorch's reading of s and dim: s (-1: the default size) for each of dims, in order."""
    ndim = input.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dims = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op}: FFT dims must be unique (got dim={tuple(dim)})")
        if s is not None and len(s) != len(dims):
            raise RuntimeError(
                f"{op}: When given, dim and shape arguments must have the same length (got "
                f"s={tuple(s)} and dim={tuple(dim)})"
            )
    elif s is not None:
        if len(s) > ndim:
            raise RuntimeError(
                f"{op}: Got shape with {len(s)} values but input tensor only has {ndim} dimensions."
            )
        dims = tuple(range(ndim - len(s), ndim))
    else:
        dims = tuple(range(ndim))
    return (tuple(s) if s is not None else (-1,) * len(dims)), dims


def _resized(x: Tensor, dim: int, size: int) -> Tensor:
    """x trimmed or zero-padded at the end of dim to `size` entries."""
    have = x.shape[dim]
    if have >= size:
        return x if have == size else narrow(x, dim, 0, size)
    shape = list(x.shape)
    shape[dim] = size - have
    return cat([x, creation.zeros(shape, dtype=x.dtype, device=x.device)], dim)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """Roll each of dims (all by default) by half its size: the zero frequency to the middle."""
    return _shift("fft.fftshift", input, dim, lambda size: size // 2)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of fftshift: the zero frequency from the middle back to the start."""
    return _shift("fft.ifftshift", input, dim, lambda size: (size + 1) // 2)


def _shift(op: str, input: Tensor, dim, shift) -> Tensor:
    if dim is None:
        dim = tuple(range(input.ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        raise RuntimeError(f"{op}: `shifts` required (the input has no dims to shift)")
    dims = tuple(normalize_dim(d, input.ndim, op) for d in dims)
    return roll(input, tuple(shift(input.shape[d]) for d in dims), dims)


def fftfreq(
    n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """The sample frequencies of an n-point FFT, spacing d: [0, 1, ..., -(n // 2), ..., -1]
    / (n * d)."""
    _check_count("fftfreq", n)
    steps = np.concatenate([np.arange((n + 1) // 2), np.arange(-(n // 2), 0)])
    return _frequencies("fftfreq", n, d, steps, out, dtype, device, requires_grad)


def rfftfreq(
    n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """The sample frequencies of rfft's n // 2 + 1 bins, spacing d: [0, 1, ..., n // 2] /
    (n * d)."""
    bins = (n // 2 if n >= 0 else -(-n // 2)) + 1  # C's division, as PyTorch: n = -1 gives [-0.]
    _check_count("rfftfreq", bins)
    return _frequencies("rfftfreq", n, d, np.arange(bins), out, dtype, device, requires_grad)


def _check_count(op: str, count: int) -> None:
    if count < 0:
        raise RuntimeError(
            f"{op}: Trying to create tensor with negative dimension {count}: [{count}]"
        )


def _frequencies(op, n, d, steps, out, dtype, device, requires_grad) -> Tensor:
    if dtype is None:  # as PyTorch: out's dtype, else the default one
        dtype = out.dtype if isinstance(out, Tensor) else dtypes.get_default_dtype()
    dt = dtypes.to_dtype(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{op} requires a floating point or complex dtype (got {dt})")
    with np.errstate(divide="ignore", invalid="ignore"):
        # NOTE: as PyTorch: the steps times the reciprocal (a float32 one for float32 steps);
        # d = 0 gives inf (and nan at 0), as in C
        scale = np.float64(1.0) / np.float64(n * d)
        values = np.asarray(steps, dtype=dt.np) * np.dtype(dt.np).type(scale)
    result = Tensor._make(get_device(device).xp.asarray(values))
    if out is not None:
        return write_out(op, result, out)
    if requires_grad:
        result.requires_grad = True
    return result


def _complex_result(name: str):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"fft.{name}: the result is a complex tensor, and minigrad has no complex dtypes; "
            f"minigrad.fft has the real-to-real transforms (irfft, irfft2, irfftn), or use "
            f"numpy.fft.{name}(t.numpy()) (docs/nn.md)"
        )

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"torch.fft.{name}: not in minigrad (its result is complex)."
    return refuse


fft = _complex_result("fft")
ifft = _complex_result("ifft")
rfft = _complex_result("rfft")
fft2 = _complex_result("fft2")
ifft2 = _complex_result("ifft2")
rfft2 = _complex_result("rfft2")
fftn = _complex_result("fftn")
ifftn = _complex_result("ifftn")
rfftn = _complex_result("rfftn")
