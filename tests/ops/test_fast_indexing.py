"""The fast paths of index_select's gradient along a later dim (a one-hot product, or a sort
and row adds), of nearest interpolation by an integer factor (repeat_interleave) and of the
linear modes (a small interpolation matrix a dim) give PyTorch's answers: duplicate and
negative indices, empty ones, float16/32/64, non-contiguous inputs, inf and nan."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
import minigrad.nn.functional as F
from minigrad.ops.indexing import BlendAlong, RepeatSlices

TOL = {np.float16: 5e-2, np.float32: 2e-5, np.float64: 1e-12}  # sums of up to 20 values


def _normal(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _both(array, f, g=None):
    """f's result and input gradient (for upstream g, random by default) in minigrad and
    PyTorch."""
    out = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        y = f(lib, x)
        up = _normal(tuple(y.shape), array.dtype, seed=1) if g is None else g
        y.backward(lib.tensor(up))
        out.append((y.detach().numpy(), x.grad.numpy()))
    return out


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, dim, index",
    [
        ((8, 40, 16), 1, [0, 3, 3, -1, 39, 2] * 20),  # one-hot product, repeats, negatives
        ((8, 300, 4), 1, list(np.random.default_rng(2).integers(-300, 300, 900))),  # row adds
        ((4, 6, 64), 2, np.arange(128) // 2),  # interpolate's last dim
        ((4, 6, 64), 2, np.arange(63, -1, -1)),  # unique
        ((40, 30), 1, []),
    ],
)
def test_selecting_along_a_later_dim_matches_pytorch(dtype, shape, dim, index):
    array = _normal(shape, dtype)
    index = np.asarray(index, dtype=np.int64)
    before = (slice(None),) * dim

    def f(lib, x):
        return x[(*before, lib.tensor(index))]

    (y, gx), (want_y, want_gx) = _both(array, f)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(gx, want_gx, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_index_select_of_a_transposed_input_matches_pytorch(dim):
    array = _normal((64, 48, 32), np.float32).transpose(2, 0, 1)  # not contiguous
    index = np.array([5, 0, 5, 31, 2] * 40) % array.shape[dim]
    (y, gx), (want_y, want_gx) = _both(array, lambda lib, x: x.index_select(dim, lib.tensor(index)))
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(gx, want_gx, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_an_inf_or_nan_gradient_reaches_only_the_picked_places(bad):
    """The one-hot product would spread it over the whole line (0 * inf)."""
    array = _normal((4, 8, 64), np.float32)
    index = np.arange(128) // 2
    up = _normal((4, 8, 128), np.float32, seed=3)
    up[1, 7, 9] = bad
    (_, gx), (_, want) = _both(array, lambda lib, x: x[:, :, lib.tensor(index)], up)
    np.testing.assert_array_equal(np.isnan(gx), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(gx[~finite], want[~finite])
    np.testing.assert_allclose(gx[finite], want[finite], rtol=1e-6, atol=1e-6)


MODES = [
    ("nearest", None),
    ("nearest-exact", None),
    ("bilinear", False),
    ("bilinear", True),
    ("bicubic", False),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode, align_corners", MODES)
@pytest.mark.parametrize("scale", [2, 3, 1.5, 0.5, 2.3, (2, 3)])
def test_interpolate_2d_matches_pytorch(dtype, mode, align_corners, scale):
    array = _normal((2, 3, 9, 7), dtype)[:, :, :, ::-1]  # a negative stride
    kwargs = {} if align_corners is None else {"align_corners": align_corners}

    def f(lib, x):
        return lib.nn.functional.interpolate(x, scale_factor=scale, mode=mode, **kwargs)

    (y, gx), (want_y, want_gx) = _both(array.copy(), f)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, want_y, rtol=tol, atol=tol)
    np.testing.assert_allclose(gx, want_gx, rtol=tol, atol=tol)


@pytest.mark.parametrize("mode", ["nearest", "linear", "trilinear"])
@pytest.mark.parametrize("scale", [2, 3])
def test_interpolate_1d_and_3d_by_an_integer_factor_match_pytorch(mode, scale):
    shape = (2, 3, 5, 4, 6) if mode in ("trilinear", "nearest") else (2, 3, 11)
    array = _normal(shape, np.float64)

    def f(lib, x):
        return lib.nn.functional.interpolate(x, scale_factor=scale, mode=mode)

    (y, gx), (want_y, want_gx) = _both(array, f)
    np.testing.assert_allclose(y, want_y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx, want_gx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear_keeps_inf_and_nan_where_pytorch_has_them(align_corners):
    """A product with the interpolation matrix adds 0 * inf = nan far from an inf."""
    array = _normal((1, 2, 6, 5), np.float32)
    array[0, 0, 2, 3] = np.inf
    array[0, 1, 4, 0] = np.nan
    up = _normal((1, 2, 12, 10), np.float32, seed=4)
    up[0, 1, 0, 0] = -np.inf

    def f(lib, x):
        return lib.nn.functional.interpolate(
            x, scale_factor=2, mode="bilinear", align_corners=align_corners
        )

    for got, want in zip(*_both(array, f, up)):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        finite = np.isfinite(want)
        np.testing.assert_array_equal(got[~finite], want[~finite])
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5, atol=1e-5)


def test_integer_upsampling_repeats_and_blends_without_a_scatter_add():
    """Nearest x2 repeats each element (its gradient sums blocks of strided views) and the
    linear modes apply a small matrix a dim (its gradient, the transpose): neither gradient
    is index_select's scatter-add, one element at a time (benchmarks/bench_large.py)."""
    x = minigrad.tensor(_normal((2, 3, 8, 8), np.float32), requires_grad=True)
    near = F.interpolate(x, scale_factor=2)
    assert type(near.grad_fn) is RepeatSlices
    assert type(near.grad_fn.next_functions[0][0]) is RepeatSlices
    blend = F.interpolate(x, scale_factor=2, mode="bilinear")
    assert type(blend.grad_fn) is BlendAlong
    assert type(blend.grad_fn.next_functions[0][0]) is BlendAlong


def test_repeat_interleave_by_a_number_gradient_sums_the_copies():
    array = _normal((3, 4, 5), np.float64)
    for dim in (0, 1, 2, -1):
        (y, gx), (want_y, want_gx) = _both(
            array, lambda lib, x, dim=dim: x.repeat_interleave(3, dim)
        )
        np.testing.assert_array_equal(y, want_y)
        np.testing.assert_allclose(gx, want_gx, rtol=1e-12)
    (y, gx), (want_y, want_gx) = _both(array, lambda lib, x: x.repeat_interleave(lib.tensor([2])))
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(gx, want_gx, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_take_and_picks_from_a_vector_match_pytorch(dtype):
    """Their gradient counts the picks of each place (bincount), repeats and negatives too."""
    array = _normal((6, 50), dtype)
    index = np.random.default_rng(5).integers(-300, 300, (64, 40))
    (y, gx), (want_y, want_gx) = _both(array, lambda lib, x: lib.take(x, lib.tensor(index)))
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(gx, want_gx, rtol=TOL[dtype], atol=TOL[dtype])
    flat = array.reshape(-1)
    (y, gx), (want_y, want_gx) = _both(flat, lambda lib, x: x[lib.tensor(index)])
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(gx, want_gx, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, index",
    [
        ((512, 64), np.random.default_rng(6).integers(-512, 512, 128)),  # the course's x[idx]
        ((5, 3, 100), [[0, -1, 4, 4], [2, 2, 2, -5]]),  # a 2-D index, repeats, negatives
        ((30, 40), np.random.default_rng(7).integers(0, 30, 255)),  # the last count unsorted
        ((30, 40), np.arange(30).repeat(9)),  # sorted, from _MANY_ROWS on
    ],
)
def test_rows_picked_by_one_index_add_up_as_add_at_and_pytorch(dtype, shape, index):
    """x[rows]'s gradient: fewer than _MANY_ROWS rows add through flat positions, as add.at
    (the same bits), more sort the rows first; PyTorch's values both ways."""
    array = _normal(shape, dtype)
    index = np.asarray(index, dtype=np.int64)
    up = _normal(index.shape + shape[1:], dtype, seed=3)
    (y, gx), (want_y, want_gx) = _both(array, lambda lib, x: x[lib.tensor(index)], up)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_allclose(gx, want_gx, rtol=TOL[dtype], atol=TOL[dtype])
    if index.size < 256:
        added = np.zeros(shape, dtype)
        np.add.at(added, (index,), up)
        np.testing.assert_array_equal(gx, added)
