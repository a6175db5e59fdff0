"""`assert_close`: compare tensors, arrays or numbers with dtype-aware tolerances."""

from __future__ import annotations

import numpy as np

# PyTorch's defaults (torch.testing.assert_close): (rtol, atol) by dtype
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}


def to_numpy(x) -> np.ndarray:
    """A NumPy array from a minigrad tensor (any device), a PyTorch tensor, an array or a list."""
    from minigrad.tensor import Tensor

    if isinstance(x, Tensor):
        array = x.array
        return array if isinstance(array, np.ndarray) else array.get()
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a PyTorch tensor
        return x.detach().cpu().numpy()
    if hasattr(x, "get") and not isinstance(x, (np.ndarray, dict)):  # a CuPy array
        return x.get()
    return np.asarray(x)


def assert_close(
    actual,
    expected,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = False,
    msg: str | None = None,
) -> None:
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| everywhere.

    Shapes must match exactly. Default tolerances depend on the dtype, as in PyTorch.
    """
    a, e = to_numpy(actual), to_numpy(expected)
    prefix = f"{msg}: " if msg else ""
    if a.shape != e.shape:
        raise AssertionError(f"{prefix}shapes differ: {a.shape} (actual) vs {e.shape} (expected)")
    if check_dtype and a.dtype != e.dtype:
        raise AssertionError(f"{prefix}dtypes differ: {a.dtype} (actual) vs {e.dtype} (expected)")
    default = _TOLERANCES.get(np.result_type(a, e), (0.0, 0.0))
    rtol = default[0] if rtol is None else rtol
    atol = default[1] if atol is None else atol
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    close = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    diff = np.abs(a64 - e64)
    diff[close] = 0
    worst = np.unravel_index(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)), diff.shape)
    bad = int((~close).sum())
    raise AssertionError(
        f"{prefix}values are not close: {bad} of {close.size} elements differ "
        f"({100 * bad / close.size:.1f}%); the largest difference is {diff[worst]:.3g} at index "
        f"{tuple(int(i) for i in worst)}: actual {float(a64[worst])!r}, expected "
        f"{float(e64[worst])!r} "
        f"(rtol={rtol:g}, atol={atol:g})"
    )
