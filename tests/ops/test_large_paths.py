"""The faster paths ops take on large arrays (benchmarks/bench_large.py) give the plain
formula's answers: each is compared, on the sizes the benchmark times, with the formula
written directly in NumPy (float64 as the reference)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.ops.conv import Col2Im, Geometry, Im2Col, _dense


def _normal(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "3-d"])
def test_norm_over_every_element_is_the_root_of_the_sum_of_squares(dtype, layout):
    array = _normal((512, 512), dtype)
    if layout == "transposed":
        array = array.T
    elif layout == "3-d":
        array = array.reshape(8, 64, 512)
    x = minigrad.tensor(array, requires_grad=True)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for keepdim in (False, True):
        y = x.norm(keepdim=keepdim)
        want = np.sqrt((array.astype(np.float64) ** 2).sum(keepdims=keepdim))
        assert y.shape == want.shape and y.dtype == x.dtype
        np.testing.assert_allclose(y.detach().numpy(), want, rtol=tol)
    x.norm().backward()
    want = array.astype(np.float64) / np.sqrt((array.astype(np.float64) ** 2).sum())
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=10 * tol)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, dim", [((512, 512), 1), ((512, 512), -1), ((8, 64, 512), (1, 2)), ((4, 0, 3), 2)]
)
@pytest.mark.parametrize("transposed", [False, True])
def test_norm_over_the_last_dims_is_each_rows_root_of_the_sum_of_squares(
    dtype, shape, dim, transposed
):
    array = _normal(shape, dtype)
    if transposed:  # a view whose rows are not contiguous
        array = array.swapaxes(0, -1)
    x = minigrad.tensor(array, requires_grad=True)
    axes = dim if isinstance(dim, tuple) else (dim,)
    want = np.sqrt((array.astype(np.float64) ** 2).sum(axis=axes, keepdims=True))
    tol = {np.float16: 1e-3, np.float32: 1e-6, np.float64: 1e-13}[dtype]
    for keepdim in (False, True):
        y = x.norm(dim=dim, keepdim=keepdim)
        expected = want if keepdim else want.reshape(y.shape)
        assert y.shape == expected.shape and y.dtype == x.dtype
        np.testing.assert_allclose(y.detach().numpy(), expected, rtol=tol)
    x.norm(dim=dim).sum().backward()
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(x.grad.numpy(), array / want, rtol=10 * tol, atol=tol)


def test_norm_gradient_is_zero_where_the_norm_is_zero_or_underflows():
    for value in (0.0, 1e-30):  # 1e-30 squared underflows in float32: the norm is 0
        x = minigrad.full((4, 5), value, requires_grad=True)
        x.norm().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros((4, 5), np.float32))
        x.grad = None
        x.norm(dim=1).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros((4, 5), np.float32))


@pytest.mark.parametrize(
    "images, kernels",
    [((4, 16, 12, 12), (8, 16, 3, 3)), ((2, 1, 8, 20), (4, 1, 3, 3))],  # windows, planes
)
def test_conv2d_gradients_from_a_broadcast_gradient_equal_the_dense_ones(images, kernels):
    # y.sum().backward() hands the convolution a stride-0 gradient, which it copies first
    x_array, w_array = _normal(images, np.float64), _normal(kernels, np.float64, seed=1)
    grads = []
    for broadcast in (True, False):
        x = minigrad.tensor(x_array, requires_grad=True)
        w = minigrad.tensor(w_array, requires_grad=True)
        y = F.conv2d(x, w, padding=1)
        if broadcast:
            y.sum().backward()
        else:
            y.backward(minigrad.tensor(np.ones(y.shape)))
        grads.append((x.grad.numpy(), w.grad.numpy()))
    for dense, from_broadcast in zip(*grads):
        np.testing.assert_allclose(from_broadcast, dense, rtol=1e-12)


def test_conv2d_backward_copies_only_a_broadcast_gradient():
    dense = minigrad.tensor(_normal((2, 3, 4, 4), np.float32))
    assert _dense(dense) is dense
    ones = minigrad.ones(()).expand(2, 3, 4, 4)
    assert 0 in ones.array.strides
    copied = _dense(ones)
    assert copied.array.flags.c_contiguous
    np.testing.assert_array_equal(copied.numpy(), np.ones((2, 3, 4, 4), np.float32))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (512, 512)])
def test_sigmoid_and_silu_in_place_chain_match_the_formula(dtype, shape):
    array = (_normal(shape, np.float64) * 12).astype(dtype)
    if array.size > 2:
        array.flat[:2] = [-200, 200]  # exp(200) overflows: sigmoid is 0 there, as PyTorch
    x = minigrad.tensor(array)
    with np.errstate(over="ignore"):
        want = 1 / (1 + np.exp(-array.astype(np.float64)))
    tol = {np.float16: 1e-3, np.float32: 1e-6, np.float64: 1e-14}[dtype]
    for got, expected in ((x.sigmoid(), want), (F.silu(x), array * want)):
        assert got.shape == shape and got.dtype == x.dtype
        # below the dtype's smallest normal number digits are lost to underflow, as PyTorch's
        np.testing.assert_allclose(got.numpy(), expected, rtol=tol, atol=np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, dim",
    [((512, 512), 1), ((512, 512), 0), ((16, 40, 300), 1), ((300, 1000), 1), ((256, 257), 1)],
)
def test_cumsum_by_blocks_matches_the_serial_sum(dtype, shape, dim):
    array = _normal(shape, dtype)
    x = minigrad.tensor(array, requires_grad=True)
    y = x.cumsum(dim)
    want = np.cumsum(array.astype(np.float64), axis=dim)
    assert y.shape == shape and y.dtype == x.dtype
    tol = {np.float16: 1e-2, np.float32: 1e-4, np.float64: 1e-12}[dtype]
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=tol, atol=tol)
    y.backward(minigrad.ones((), dtype=y.dtype).expand(shape))  # a broadcast, as y.sum()'s
    want = np.flip(np.cumsum(np.ones(shape), axis=dim), dim)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=tol)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
def test_cumsum_by_blocks_keeps_inf_and_nan_where_the_serial_sum_has_them():
    array = _normal((512, 512), np.float32)
    array[3, 100], array[7, 5], array[9, 0], array[9, 400] = np.inf, np.nan, np.inf, -np.inf
    for dim in (0, 1):
        np.testing.assert_array_equal(
            minigrad.tensor(array).cumsum(dim).numpy(), np.cumsum(array, axis=dim)
        )


@pytest.mark.parametrize(
    "shape, dims",
    [
        ((512, 512), (1, 0)),
        ((300, 250), (1, 0)),  # a last strip narrower than the others
        ((8, 64, 256), (0, 2, 1)),
        ((16, 8, 32, 32), (0, 2, 3, 1)),
        ((64, 32, 64), (2, 0, 1)),  # no strips: the last two axes are not swapped
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8])
def test_contiguous_copy_of_a_transpose_by_strips_holds_the_same_values(shape, dims, dtype):
    array = (_normal(shape, np.float64) * 50).astype(dtype)
    x = minigrad.tensor(array)
    for view, want in (
        (x.permute(*dims), array.transpose(dims)),
        (x.mT[..., ::3], array.swapaxes(-1, -2)[..., ::3]),
    ):
        assert not view.is_contiguous()
        y = view.contiguous()
        assert y.array.flags.c_contiguous and y.dtype == x.dtype
        np.testing.assert_array_equal(y.numpy(), want)
    x = minigrad.tensor(array.astype(np.float64), requires_grad=True)
    gy = minigrad.tensor(_normal(array.transpose(dims).shape, np.float64))
    x.permute(*dims).contiguous().backward(gy)
    np.testing.assert_array_equal(x.grad.numpy(), gy.numpy().transpose(np.argsort(dims)))


def test_contiguous_copy_of_a_strided_vector():
    x = minigrad.arange(200000.0)[::3]
    np.testing.assert_array_equal(x.contiguous().numpy(), np.arange(200000.0)[::3])


def _phi(array):
    """The normal CDF in float64, from math.erfc (exact to float64)."""
    return 0.5 * np.vectorize(math.erfc)(-array.astype(np.float64) / math.sqrt(2))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf * 0
@pytest.mark.parametrize("shape", [(), (9,), (64, 128), (512, 512)])
def test_gelu_float32_in_place_fit_matches_the_exact_formula(shape, scipy_or_not):
    array = _normal(shape, np.float32) * 4
    specials = [0.0, -0.0, 1e-30, -1e-30, 3e-39, -8.0, -12.0, 8.0, np.inf, np.nan]
    if array.size >= len(specials):
        array.flat[: len(specials)] = specials
    x = minigrad.tensor(array, requires_grad=True)
    y = F.gelu(x)
    phi = _phi(array)
    with np.errstate(invalid="ignore"):
        want = array * phi
    assert y.shape == shape and y.dtype == x.dtype
    # relative to each value, tails included (x Phi(x) keeps its digits down to x = -12)
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=3e-5, atol=1e-37)
    gy = _normal(shape, np.float32, seed=1)
    y.backward(minigrad.tensor(gy))
    with np.errstate(invalid="ignore"):
        slope = phi + array * np.exp(-0.5 * array.astype(np.float64) ** 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(x.grad.numpy(), gy * slope, rtol=3e-5, atol=1e-6)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_gelu_float32_cdf_fits_keep_float32_digits_on_both_sides_of_their_edge(
    layout, scipy_or_not
):
    """Phi for |x| <= 3 is the sigmoid of a fitted logit, beyond it the erfc fit: each within
    a few float32 roundings of the exact Phi (relative, so the lower tail keeps its digits),
    across the edge at |x| = 3, in any layout."""
    grid = np.linspace(-3.2, 3.2, 64001, dtype=np.float32)
    edge = np.nextafter(np.float32(3), np.float32([-1, 1])).astype(np.float32)
    array = np.concatenate([grid, edge, -edge, [3, -3, -15, 12]]).astype(np.float32)
    array = np.resize(array, (257, 250))
    if layout == "transposed":
        array = np.ascontiguousarray(array.T).T
    x = minigrad.tensor(array, requires_grad=True)
    y = F.gelu(x)
    phi = _phi(array)
    np.testing.assert_allclose(y.detach().numpy(), array * phi, rtol=2.5e-6, atol=1e-37)
    y.sum().backward()
    slope = phi + array * np.exp(-0.5 * array.astype(np.float64) ** 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=3e-6, atol=2e-7)


@pytest.mark.parametrize("shape", [(), (100,), (4095,)])
def test_small_float32_gelu_on_the_cpu_is_exact_where_scipy_is_installed(shape):
    """Below 4096 values gelu's Phi is SciPy's ndtr, rounded once: x Phi(x) within two
    float32 roundings of the exact product, where the erfc fit was 20 roundings away."""
    special = pytest.importorskip("scipy.special")
    array = np.asarray(_normal(shape, np.float32) * 4, dtype=np.float32)  # NumPy 1: else float64
    y = F.gelu(minigrad.tensor(array)).numpy()
    exact = array.astype(np.float64) * special.ndtr(array.astype(np.float64))
    assert y.dtype == np.float32 and y.shape == shape
    np.testing.assert_array_max_ulp(y, exact.astype(np.float32), maxulp=2)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf * 0
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (1023,), (1024,)])
def test_small_sigmoid_and_silu_with_and_without_scipy(dtype, shape, scipy_or_not):
    """SciPy's expit below 1024 values, NumPy's four passes from 1024 or without SciPy: the
    same formula, within a rounding or two of NumPy's, edges included."""
    array = _normal(shape, np.float32) * 8
    edges = [-1000.0, -100.0, -0.0, 0.0, 100.0, np.inf, -np.inf, np.nan]
    if array.size >= len(edges):
        array.flat[: len(edges)] = edges
    array = array.astype(dtype)
    x = minigrad.tensor(array, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp(-x) overflows silently, as PyTorch
        s, y = x.sigmoid(), F.silu(x)
    with np.errstate(over="ignore", invalid="ignore"):
        sw = 1 / (1 + np.exp(-array))  # 0 where exp(-x) overflows, as PyTorch
        want = {"sigmoid": sw, "silu": array * sw}
    rtol = 3e-7 if dtype == np.float32 else 1e-15
    for got, name in ((s, "sigmoid"), (y, "silu")):
        assert got.dtype == x.dtype and got.shape == shape
        np.testing.assert_allclose(got.detach().numpy(), want[name], rtol=rtol, atol=0)
    (s + y).sum().backward()
    x64 = array.astype(np.float64)
    s64 = sw.astype(np.float64)
    with np.errstate(invalid="ignore"):
        slope = s64 * (1 - s64) + s64 * (1 + x64 * (1 - s64))
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=10 * rtol, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (512, 512)])
def test_sigmoid_silu_and_tanh_gradient_ops_match_the_formula(dtype, shape):
    array, gy = _normal(shape, dtype) * 6, _normal(shape, dtype, seed=1)
    s = 1 / (1 + np.exp(-array.astype(np.float64)))
    t = np.tanh(array.astype(np.float64))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for op, slope in (
        (minigrad.sigmoid, s * (1 - s)),
        (F.silu, s * (1 + array * (1 - s))),
        (minigrad.tanh, 1 - t * t),
    ):
        x = minigrad.tensor(array, requires_grad=True)
        op(x).backward(minigrad.tensor(gy))
        assert x.grad.dtype == x.dtype and x.grad.shape == shape
        np.testing.assert_allclose(x.grad.numpy(), gy * slope, rtol=tol, atol=tol)
        x.grad = None
        op(x).sum().backward()  # a broadcast upstream gradient
        np.testing.assert_allclose(x.grad.numpy(), slope, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (512, 512)])
@pytest.mark.parametrize("beta, threshold", [(1.0, 20.0), (2.0, 3.0), (-1.5, 4.0)])
def test_softplus_in_place_chain_and_gradient_op_match_the_formula(dtype, shape, beta, threshold):
    array = (_normal(shape, np.float64) * 12).astype(dtype)
    if array.size > 7:  # exp overflows at 200 (threshold 20 takes x); inf and nan as PyTorch
        array.flat[:7] = [-200, 200, np.inf, -np.inf, np.nan, 0, threshold / beta]
    gy = _normal(shape, dtype, seed=1)
    x = minigrad.tensor(array, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning
        y = F.softplus(x, beta, threshold)
        y.backward(minigrad.tensor(gy))
    # beta x rounded in the dtype (float16 in float32), as PyTorch: exp(z) carries its rounding
    z = array.astype(np.promote_types(dtype, np.float32)) * beta
    linear, wide, z = z > threshold, array.astype(np.float64), z.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.where(linear, wide, np.log1p(np.exp(z)) / beta)
        slope = np.where(linear, 1.0, 1 / (1 + np.exp(-z)))
    tol = {np.float16: 1e-3, np.float32: 2e-6, np.float64: 1e-14}[dtype]
    assert y.shape == x.grad.shape == shape and y.dtype == x.grad.dtype == x.dtype
    # below the dtype's smallest normal number digits are lost to underflow, as PyTorch's
    tiny = np.finfo(dtype).tiny
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=tol, atol=tiny)
    np.testing.assert_allclose(x.grad.numpy(), gy * slope, rtol=tol, atol=tiny)


@pytest.mark.parametrize(
    "op, values, slopes",
    [  # PyTorch 2.13's values and gradients at -inf, inf, nan, -100 (float32)
        (F.silu, [math.nan, math.inf, math.nan, -0.0], [math.nan, math.nan, math.nan, -0.0]),
        (minigrad.sigmoid, [0.0, 1.0, math.nan, 0.0], [0.0, 0.0, math.nan, 0.0]),
        (minigrad.tanh, [-1.0, 1.0, math.nan, -1.0], [0.0, 0.0, math.nan, 0.0]),
    ],
)
def test_activations_at_infinities_and_nan_are_pytorchs_without_warnings(op, values, slopes):
    x = minigrad.tensor([-math.inf, math.inf, math.nan, -100.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = op(x)
        y.backward(minigrad.ones(4))
    np.testing.assert_array_equal(y.detach().numpy(), np.float32(values))
    np.testing.assert_array_equal(x.grad.numpy(), np.float32(slopes))
    numbers = ~np.isnan(values)  # -0.0 where PyTorch's is
    assert np.array_equal(np.signbit(y.detach().numpy()[numbers]), np.signbit(values)[numbers])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 3, 16])
@pytest.mark.parametrize("stride, dilation", [(1, 1), (2, 1), (1, 2)])
def test_col2im_of_rows_copies_whole_runs_to_the_blocks_layout(dtype, channels, stride, dilation):
    # conv_transpose2d's columns come as rows (N Ho Wo, kh kw C): moved to blocks by runs of C
    shape = (2, channels, 9, 11)
    geom = Geometry.make("test", (3, 2), stride, 1, dilation)
    ho, wo = geom.out_size(*shape[2:])
    rows = _normal((shape[0] * ho * wo, 3 * 2 * channels), dtype)
    blocks = np.ascontiguousarray(rows.reshape(2, ho * wo, 6, channels).transpose(0, 2, 1, 3))
    got = Col2Im.apply(minigrad.tensor(rows), shape, geom).numpy()
    want = Col2Im.apply(minigrad.tensor(blocks), shape, geom, True).numpy()
    assert got.dtype == dtype and got.shape == shape
    np.testing.assert_array_equal(got, want)
    # the adjoint of im2col: <im2col(x), cols> = <x, col2im(cols)>
    x = _normal(shape, np.float64, seed=2)
    cols = Im2Col.apply(minigrad.tensor(x), geom).numpy()
    wide = rows.astype(np.float64)
    np.testing.assert_allclose(
        (cols * wide).sum(), (x * Col2Im.apply(minigrad.tensor(wide), shape, geom).numpy()).sum()
    )


def test_conv2d_output_copied_to_nchw_by_strips_matches_the_windows_sum():
    # (N, Ho Wo, O) -> NCHW of 131,072 values: a transpose the strips copy
    x_array, w_array = _normal((4, 16, 32, 32), np.float64), _normal((32, 16, 3, 3), np.float64)
    b_array = _normal((32,), np.float64, seed=2)
    padded = np.pad(x_array, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    want = np.einsum("nchwij,ocij->nohw", windows, w_array) + b_array[:, None, None]
    for dtype, tol in ((np.float32, 1e-4), (np.float64, 1e-12)):
        y = F.conv2d(
            *(minigrad.tensor(a.astype(dtype)) for a in (x_array, w_array, b_array)), padding=1
        )
        assert y.shape == want.shape and y.array.flags.c_contiguous
        np.testing.assert_allclose(y.numpy(), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("largest", [True, False])
def test_topk_from_the_partition_is_the_first_k_of_a_stable_sort(dtype, ties, largest):
    array = _normal((512, 512), np.float64) * (3 if ties else 1000)
    array = np.round(array).astype(dtype) if ties or dtype == np.int64 else array.astype(dtype)
    k = 5
    got = minigrad.tensor(array).topk(k, 1, largest=largest)
    key = -array.astype(np.float64) if largest else array
    want = np.argsort(key, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(got.indices.numpy(), want)
    np.testing.assert_array_equal(got.values.numpy(), np.take_along_axis(array, want, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("shape", "index_shape", "dim"),
    [((512, 512), (512, 64), 1), ((512, 512), (100, 512), 0), ((6, 64, 40), (5, 30, 40), 1)],
)
def test_gather_and_scatter_add_through_flat_positions_match_add_at(dtype, shape, index_shape, dim):
    """Large gathers read flat positions; their gradients and scatter_add add in index order:
    the values of NumPy's take_along_axis and add.at (float64 bit for bit), on contiguous and
    transposed inputs."""
    rng = np.random.default_rng(0)
    array = _normal(shape, dtype)
    index = rng.integers(0, shape[dim], index_shape)
    gy = _normal(index_shape, dtype, seed=1)
    grid = np.ix_(*(np.arange(n) for n in index_shape))
    full = tuple(index if k == dim else g for k, g in enumerate(grid))
    added = np.zeros(shape, dtype)
    np.add.at(added, full, gy)
    tol = {"rtol": 1e-6, "atol": 1e-6} if dtype == np.float32 else {"rtol": 0, "atol": 0}
    flip = tuple(reversed(range(len(shape))))
    for dims in (tuple(range(len(shape))), flip):  # as given, and a view with reversed strides
        leaf = minigrad.tensor(np.ascontiguousarray(array.transpose(dims)), requires_grad=True)
        y = leaf.permute(*dims).gather(dim, minigrad.tensor(index))
        np.testing.assert_array_equal(y.detach().numpy(), array[full])
        y.backward(minigrad.tensor(gy))
        np.testing.assert_allclose(leaf.grad.numpy(), added.transpose(dims), **tol)
    # NOTE: scatter_add adds each value onto self in index order, as PyTorch's CPU kernel
    # (not self plus the values' sum): add.at onto a copy of self
    onto_self = array.copy()
    np.add.at(onto_self, full, gy)
    out = minigrad.tensor(array).scatter_add(dim, minigrad.tensor(index), minigrad.tensor(gy))
    np.testing.assert_allclose(out.numpy(), onto_self, **tol)


@pytest.mark.parametrize("largest", [True, False])
def test_topk_by_rounds_of_argmax_is_the_first_k_of_a_stable_sort(largest):
    """Small k is found by k rounds of argmax (argmin) with the picked values masked by -inf
    (inf): ties come in index order, and rows holding infinities (which a mask could be
    confused with) still give the stable sort's first k."""
    rng = np.random.default_rng(0)
    array = rng.integers(-3, 4, (512, 512)).astype(np.float32)
    array[0, :510] = -np.inf  # fewer finite values than k
    array[1, :510] = np.inf
    array[2, 7] = np.nan if not largest else array[2, 7]
    for k in (1, 5, 16):
        got = minigrad.tensor(array).topk(k, 1, largest)
        order = _stable_sort(array, largest)
        np.testing.assert_array_equal(got.indices.numpy(), order.indices.numpy()[:, :k])
        np.testing.assert_array_equal(got.values.numpy(), order.values.numpy()[:, :k])


def _stable_sort(array, largest):
    """PyTorch's stable sort of the rows, descending for the largest."""
    torch = pytest.importorskip("torch")
    return torch.tensor(array).sort(dim=1, descending=largest, stable=True)


def test_float32_erf_is_within_a_few_ulps_of_erf_everywhere():
    # NOTE: float32 takes a fit (ops/unary.py), float64 SciPy's or math.erf
    xs = np.concatenate(
        [
            np.linspace(-6, 6, 100001),
            np.geomspace(1e-45, 10, 2000),
            -np.geomspace(1e-45, 10, 2000),
            [0.0, -0.0, np.inf, -np.inf, np.nan, 3.9, 4.0, 4.1],
        ]
    ).astype(np.float32)
    got = minigrad.erf(minigrad.tensor(xs)).numpy()
    want = np.array([math.erf(v) for v in xs.astype(np.float64)])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(got), np.isnan(xs))
    np.testing.assert_array_equal(np.signbit(got), np.signbit(xs))  # -0.0 stays -0.0
    assert np.abs(got[~np.isnan(xs)]).max() <= 1
    finite = np.isfinite(want) & (want != 0)
    ulps = np.abs(got[finite] - want[finite]) / np.spacing(np.abs(want[finite]).astype(np.float32))
    assert ulps.max() <= 5 and ulps.mean() <= 1
    assert minigrad.erf(minigrad.tensor(np.float32(0.5))).item() == pytest.approx(math.erf(0.5))


def test_float32_erfinv_is_within_a_few_ulps_of_erfinv_everywhere():
    # NOTE: float32 takes two fits (ops/unary.py), float64 SciPy's or Newton's steps
    tiny = np.geomspace(1e-38, 1, 2000)
    ys = np.concatenate(
        [np.linspace(-1, 1, 100001), tiny, -tiny, 1 - tiny[tiny < 0.01], [0.0, -0.0]]
    ).astype(np.float32)
    ys = ys[np.abs(ys) < 1]
    got = minigrad.erfinv(minigrad.tensor(ys)).numpy()
    want = minigrad.erfinv(minigrad.tensor(ys.astype(np.float64))).numpy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(np.signbit(got), np.signbit(ys))  # -0.0 stays -0.0
    nonzero = want != 0
    ulps = np.abs(got[nonzero] - want[nonzero]) / np.spacing(
        np.abs(want[nonzero]).astype(np.float32)
    )
    assert ulps.max() <= 5 and ulps.mean() <= 1
    edges = np.array([1.0, -1.0, 1.5, -2.0, np.nan, np.inf, 0.3], np.float32)
    got = minigrad.erfinv(minigrad.tensor(edges)).numpy()
    np.testing.assert_array_equal(got[:6], [np.inf, -np.inf, np.nan, np.nan, np.nan, np.nan])
    assert got[6] == pytest.approx(0.2724627147267544, rel=1e-6)
    assert minigrad.erfinv(minigrad.tensor(np.float32(0.3))).shape == ()
