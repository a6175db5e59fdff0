"""The NumPy workarounds behind reductions (`ops/_util.py`) give NumPy's own answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigrad.ops._util import (
    _shared_ones,
    max_array,
    max_rows_kernel,
    sum_2d_kernel,
    sum_array,
)

_floats = st.floats(allow_nan=True, allow_infinity=True, width=32)


@settings(max_examples=200, deadline=None)
@given(
    array=hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=12),
        elements=_floats,
    ),
    largest=st.booleans(),
    keepdims=st.booleans(),
)
def test_max_array_is_numpys_max_nan_included(array, largest, keepdims):
    for axis in range(array.ndim):
        want = array.max(axis, keepdims=keepdims) if largest else array.min(axis, keepdims=keepdims)
        got = max_array(np, array, axis, keepdims, largest)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_max_array_reads_a_strided_view_and_a_row_with_nan():
    array = np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]
    np.testing.assert_array_equal(max_array(np, array, 1), [4, 10, 16, 22])
    rows = np.array([[1, np.nan, 3], [np.inf, -np.inf, 0]], np.float32)
    np.testing.assert_array_equal(max_array(np, rows, 1), [np.nan, np.inf])
    np.testing.assert_array_equal(max_array(np, rows, 1, largest=False), [np.nan, -np.inf])


@pytest.mark.parametrize(
    "shape",
    [(15, 17), (16, 16), (64, 10), (64, 128), (1024, 10), (4096, 32), (8, 3000), (3, 64, 128)]
    + [(1000, 1000)],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_array_matches_numpy_on_both_sides_of_its_bounds(shape, dtype):
    array = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for axes in [(0,), (array.ndim - 1,), tuple(range(array.ndim - 1)), tuple(range(array.ndim))]:
        want = array.sum(axis=axes, keepdims=True)
        got = sum_array(np, array, axes, True)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * shape[-1])


@pytest.mark.parametrize("shape", [(16, 16), (64, 128), (4096, 32), (8, 3000), (1000, 1000)])
def test_sum_array_of_one_kept_axis_is_a_fresh_array(shape):
    # a result that views another array sends Function.apply through a memory-overlap check
    array = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for axis in (0, 1):
        got = sum_array(np, array, (axis,))
        assert got.base is None
        np.testing.assert_allclose(got, array.sum(axis=axis), rtol=1e-5, atol=1e-5 * shape[-1])


def test_sum_array_ones_are_made_once_read_only_and_bounded():
    # a (64, 128) bias gradient's product needs ones of length 64 every step: made once
    ones = _shared_ones(64, np.dtype(np.float32))
    assert ones is _shared_ones(64, np.dtype(np.float32))
    assert ones.dtype == np.float32 and not ones.flags.writeable
    np.testing.assert_array_equal(ones, 1)
    with pytest.raises(ValueError):
        ones[0] = 2  # shared: no caller may write into them
    assert _shared_ones(64, np.dtype(np.float64)).dtype == np.float64
    huge = _shared_ones(65537, np.dtype(np.float32))  # not kept: made for the call
    assert huge is not _shared_ones(65537, np.dtype(np.float32)) and huge.flags.writeable


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_array_looks_up_the_shared_ones_and_makes_them_on_a_miss(dtype):
    # sum_array reads the shared ones itself and calls `_shared_ones` only when they are
    # missing: the same sums with the cache empty (made) and filled (looked up)
    from minigrad.ops import _util

    array = np.random.default_rng(1).standard_normal((48, 40)).astype(dtype)
    for axes in [(0,), (1,)]:
        _util._ONES.clear()
        made = sum_array(np, array, axes)
        length = array.shape[axes[0]]
        assert (length, np.dtype(dtype)) in _util._ONES
        looked_up = sum_array(np, array, axes)
        np.testing.assert_array_equal(made, looked_up)
        ones = _shared_ones(length, np.dtype(dtype))
        np.testing.assert_array_equal(made, ones @ array if axes == (0,) else array @ ones)


def _layouts(shape, dtype):
    """An array of `shape` (nan and infinities included) as C-ordered, F-ordered and strided."""
    rng = np.random.default_rng(0)
    c_order = rng.normal(size=shape).astype(dtype)
    if c_order.size and c_order.dtype.kind == "f":
        c_order.flat[:3] = [np.nan, np.inf, -np.inf]
    return c_order, np.asfortranarray(c_order), np.repeat(c_order, 2, axis=1)[:, ::2]


_SHAPES_2D = [(64, 128), (64, 10), (3, 5), (0, 300), (300, 0), (2, 5000)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("shape", _SHAPES_2D)
@pytest.mark.parametrize(("axis", "keepdims"), [(0, False), (1, True), (0, True), (1, False)])
def test_the_fixed_sums_give_sum_arrays_bits_in_every_layout(shape, dtype, axis, keepdims):
    # a compiled plan's sums, their ones chosen once, are eager mode's sum_array
    fixed = sum_2d_kernel(np, shape, np.dtype(dtype), axis, keepdims)
    for array in _layouts(shape, dtype):
        want = sum_array(np, array, (axis,), keepdims)
        got = fixed(array)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("shape", [s for s in _SHAPES_2D if s[1]])
def test_the_fixed_row_max_gives_max_arrays_bits_in_every_layout(shape, dtype):
    fixed = max_rows_kernel(np, shape, np.dtype(dtype))
    for array in _layouts(shape, dtype):
        want = max_array(np, array, 1, True)
        got = fixed(array)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
