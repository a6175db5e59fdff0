"""The reductions, elementwise functions, shape helpers, searches and factories that PyTorch
programs commonly use, where the op table cannot reach: integer and bool inputs, ties, nan,
return types, results without a gradient, and the errors PyTorch raises (same type)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import minigrad

RNG = np.random.default_rng(0)
FLOATS = RNG.uniform(-2, 2, (3, 5))
WITH_NAN = np.where(FLOATS > 1, np.nan, FLOATS)


def _both(fn, *arrays, dtype="float64"):
    """fn(lib, *tensors) with minigrad and with torch, on the same arrays."""
    out = []
    for lib in (minigrad, torch):
        xs = [lib.tensor(a, dtype=getattr(lib, dtype)) for a in arrays]
        out.append(fn(lib, *xs))
    return out


def _same(mine, theirs):
    if isinstance(theirs, (tuple, list)):
        assert type(mine).__name__ == type(theirs).__name__
        assert len(mine) == len(theirs)
        for m, t in zip(mine, theirs):
            _same(m, t)
        return
    if isinstance(theirs, torch.Tensor):
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert str(mine.dtype) == str(theirs.dtype).replace("torch", "minigrad")
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-9)
        return
    assert mine == theirs


def _raises_like(fn, *arrays, dtype="float64"):
    """Both libraries raise, with the same exception type."""
    caught = []
    for lib in (minigrad, torch):
        xs = [lib.tensor(a, dtype=getattr(lib, dtype)) for a in arrays]
        with pytest.raises(Exception) as info:
            fn(lib, *xs)
        caught.append(info.type)
    assert caught[0] is caught[1], caught


REDUCTIONS = {
    "median_ties": lambda t, x, f: t.median(t.tensor([[1.0, 3, 2, 5], [4, 4, 1, 2]]), 1),
    "median_nan_all": lambda t, x, f: t.median(x),
    "median_empty": lambda t, x, f: t.median(x[:0]),
    "median_0d": lambda t, x, f: t.median(x[0, 0], 0),
    "nanmedian_all_nan": lambda t, x, f: t.nanmedian(x * float("nan"), 1).values,
    "mode_ties": lambda t, x, f: t.mode(t.tensor([[1, 2, 2, 3, 3], [5, 5, 1, 1, 0]]), 1),
    "mode_1d": lambda t, x, f: t.mode(t.tensor([1.0, 2, 2, 1, 3])),
    "kthvalue_keepdim": lambda t, x, f: t.kthvalue(x, 3, 1, True),
    "nansum_int": lambda t, x, f: t.nansum(t.tensor([[1, 2], [3, 4]]), 0),
    "nansum_bool": lambda t, x, f: t.tensor([True, False, True]).nansum(),
    "nanmean_all_nan": lambda t, x, f: (x * float("nan")).nanmean(1),
    "quantile_nan_row": lambda t, x, f: t.quantile(x, 0.5, dim=1),
    "quantile_keepdim_all": lambda t, x, f: f.quantile(0.25, keepdim=True),
    "nanquantile_all_nan": lambda t, x, f: t.nanquantile(x[:1] * float("nan"), 0.5, dim=1),
    "aminmax_all_keepdim": lambda t, x, f: t.aminmax(f, keepdim=True),
    "var_mean_positional": lambda t, x, f: t.var_mean(f, 1, False, True),
    "std_mean_all": lambda t, x, f: t.std_mean(f),
    "logcumsumexp_extremes": lambda t, x, f: t.logcumsumexp(t.tensor([-1000.0, 0, 1000, -1e4]), 0),
    "logcumsumexp_0d": lambda t, x, f: f[0, 0].logcumsumexp(0),
    "count_nonzero_method": lambda t, x, f: (x > 0).count_nonzero(1),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_match_torch(name):
    _same(*_both(REDUCTIONS[name], WITH_NAN, FLOATS))


def test_return_types_print_as_torch():
    x = minigrad.tensor([3.0, 1.0, 2.0])
    text = repr(minigrad.aminmax(x))
    assert text.startswith("minigrad.return_types.aminmax(\nmin=tensor(1.)")
    assert minigrad.median(x, 0)._fields == ("values", "indices")


REDUCTION_ERRORS = {
    "kthvalue_k": lambda t, x, f: t.kthvalue(x, 6, 1),
    "median_empty_dim": lambda t, x, f: t.median(x[:, :0], 1),
    "mode_empty_dim": lambda t, x, f: t.mode(x[:, :0], 1),
    "quantile_q": lambda t, x, f: t.quantile(x, 1.5),
    "quantile_q_tensor": lambda t, x, f: t.quantile(x, t.tensor([0.5, -0.1], dtype=x.dtype)),
    "quantile_int": lambda t, x, f: t.quantile(x.long(), 0.5),
    "quantile_q_dtype": lambda t, x, f: t.quantile(x, t.tensor([0.5], dtype=t.float32)),
    "quantile_interpolation": lambda t, x, f: t.quantile(x, 0.5, interpolation="cubic"),
    "quantile_empty": lambda t, x, f: t.quantile(x[:0], 0.5),
    "nanmean_int": lambda t, x, f: t.nanmean(x.long()),
    "aminmax_empty": lambda t, x, f: t.aminmax(x[:0]),
    "logcumsumexp_int": lambda t, x, f: t.logcumsumexp(x.long(), 0),
}


@pytest.mark.parametrize("name", REDUCTION_ERRORS)
def test_reduction_errors_match_torch(name):
    _raises_like(REDUCTION_ERRORS[name], FLOATS, FLOATS)


ELEMENTWISE = {
    "acos_out_of_domain": lambda t, x, f: t.acos(x * 2),
    "acosh_int": lambda t, x, f: t.acosh(t.tensor([1, 2, 3])),
    "trig_int": lambda t, x, f: t.atan(t.tensor([0, 1])) + t.cosh(t.tensor([1])),
    "deg2rad_int": lambda t, x, f: t.deg2rad(t.tensor([180, 90])),
    "erfinv_edges": lambda t, x, f: t.erfinv(t.tensor([-1.0, 1.0, 1.5, 0.0, -0.999999])),
    "hypot_mixed": lambda t, x, f: t.hypot(f.float(), t.tensor(2)),
    "hypot_large": lambda t, x, f: t.hypot(f.float() * 1e30, f.float() * 1e30),
    "logaddexp_inf": lambda t, x, f: t.logaddexp(t.tensor([-t.inf, 1e4]), t.tensor([-t.inf, 1e4])),
    "copysign_negative_zero": lambda t, x, f: t.copysign(
        t.tensor([1.0, 2.0]), t.tensor([-0.0, 0.0])
    ),
    "copysign_int": lambda t, x, f: t.copysign(t.tensor([1, 2]), t.tensor([-1, 2])),
    "copysign_promotes": lambda t, x, f: t.copysign(f.float(), f),
    "xlogy_zeros": lambda t, x, f: t.xlogy(t.tensor([0.0, 0, 1]), t.tensor([0.0, t.nan, 0])),
    "xlogy_ints": lambda t, x, f: t.xlogy(t.tensor([0, 2]), t.tensor([0, 3])),
    "signbit": lambda t, x, f: t.signbit(t.tensor([-0.0, 0.0, -1.0, t.nan])),
    "signbit_int": lambda t, x, f: t.tensor([-3, 0, 2]).signbit(),
    "heaviside": lambda t, x, f: t.heaviside(t.tensor([-1.0, 0, 2]), t.tensor([0.5])),
    "nan_to_num_default": lambda t, x, f: t.nan_to_num(t.tensor([t.nan, t.inf, -t.inf, 1.0])),
    "nan_to_num_float32": lambda t, x, f: t.tensor([t.inf, -t.inf], dtype=t.float32).nan_to_num(),
    "nan_to_num_int": lambda t, x, f: t.nan_to_num(t.tensor([1, 2])),
    "nan_to_num_inplace": lambda t, x, f: t.nan_to_num_(x.clone(), nan=-1.0),
    "float_power_int": lambda t, x, f: t.float_power(t.tensor([2, 3]), 2),
    "remainder_method": lambda t, x, f: f.remainder(0.7) + t.tensor([5, -5]).remainder(3).sum(),
    "absolute_int": lambda t, x, f: t.tensor([-3, 2]).absolute(),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_matches_torch(name):
    _same(*_both(ELEMENTWISE[name], WITH_NAN, FLOATS))


ELEMENTWISE_ERRORS = {
    "hypot_int": lambda t, x, f: t.hypot(x.long(), x.long()),
    "logaddexp_int": lambda t, x, f: t.logaddexp(x.long(), x.long()),
    "logaddexp2_bool": lambda t, x, f: t.logaddexp2(x > 0, x > 1),
    "hypot_broadcast": lambda t, x, f: t.hypot(x, x[:, :2]),
    "heaviside_dtypes": lambda t, x, f: t.heaviside(x, x.float()),
}


@pytest.mark.parametrize("name", ELEMENTWISE_ERRORS)
def test_elementwise_errors_match_torch(name):
    _raises_like(ELEMENTWISE_ERRORS[name], FLOATS, FLOATS)


def test_erfinv_without_scipy_matches_torch(without_scipy):
    """The fallback (no SciPy): Winitzki's start and Newton steps, to float64 rounding
    (up to the conditioning of erfinv near +-1)."""
    from minigrad.ops.unary import _numpy_erfinv

    x = np.concatenate([np.linspace(-0.999999, 0.999999, 201), [-1.0, 1.0, 0.0, 1.5]])
    expected = torch.erfinv(torch.tensor(x)).numpy()
    # near +-1 erfinv is ill-conditioned: x's own rounding shows at about 1e-12
    np.testing.assert_allclose(_numpy_erfinv(x), expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_erf_erfc_erfinv_match_torch_with_and_without_scipy(dtype, scipy_or_not):
    """float64 (erf, erfc, erfinv) and float32 erfc take SciPy's kernel where SciPy is
    installed and math.erf, math.erfc or Newton's steps where it is not: PyTorch's values
    both ways, with their gradients."""
    tol = 1e-10 if dtype == torch.float64 else 2e-6
    points = {
        "erf": np.concatenate([np.linspace(-6, 6, 97), [0.0, 1e-30, np.inf, -np.inf]]),
        "erfc": np.concatenate([np.linspace(-6, 9, 97), [0.0, 27.0, np.inf, -np.inf]]),
        "erfinv": np.concatenate([np.linspace(-0.9999, 0.9999, 97), [0.0, -1.0, 1.0, 1.5]]),
    }
    for name, x in points.items():
        results = []
        for lib in (minigrad, torch):
            t = lib.tensor(x, dtype=getattr(lib, str(dtype).split(".")[1]), requires_grad=True)
            y = getattr(lib, name)(t)
            y.backward(lib.ones_like(y))
            results.append((y.detach().numpy(), t.grad.numpy()))
        (y, g), (ty, tg) = results
        np.testing.assert_allclose(y, ty, rtol=tol, atol=1e-30, err_msg=name)
        np.testing.assert_allclose(g, tg, rtol=tol, atol=1e-30, err_msg=f"{name} gradient")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(), (14,), (64, 128)])
@pytest.mark.parametrize("beta", [1.0, 2.0, -0.5])
@pytest.mark.parametrize("threshold", [20.0, 3.0, 100.0, 1000.0])
def test_softplus_matches_torch_where_exp_overflows_and_where_it_cannot(
    dtype, shape, beta, threshold
):
    """softplus enters np.errstate only where exp can overflow (a linear element, or a
    threshold above float32's log(max)): PyTorch's values and gradients, inf included, and
    no warning, with and without linear elements."""
    edges = [-200.0, -95.0, -1.0, 0.0, 5.0, 21.0, 50.0, 89.0, 95.0, 200.0, 800.0]
    edges += [math.inf, -math.inf, math.nan]
    for array in (np.resize(np.array(edges), shape), np.resize(np.linspace(-2, 2, 14), shape)):
        results = []
        for lib in (minigrad, torch):
            x = lib.tensor(array, dtype=getattr(lib, dtype), requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                y = lib.nn.functional.softplus(x, beta, threshold)
                y.backward(lib.ones_like(y))
            results.append((y.detach().numpy(), x.grad.numpy()))
        (y, g), (ty, tg) = results
        tol = 2e-6 if dtype == "float32" else 1e-13
        np.testing.assert_allclose(y, ty, rtol=tol, atol=1e-30)
        # NOTE: PyTorch's gradient is exp(z) / (exp(z) + 1), nan where exp(z) overflows below
        # the threshold (inf / inf); minigrad's is 1 there, the limit (not compared)
        compared = ~np.isnan(tg) | np.isnan(array)
        assert np.all(array[~compared] * beta > 88)
        np.testing.assert_allclose(g[compared], tg[compared], rtol=tol, atol=1e-30)


def test_any_by_argmax_agrees_with_any():
    from minigrad.ops.activations import _any

    rng = np.random.default_rng(0)
    masks = [np.array(True), np.array(False), np.zeros(0, bool), np.zeros((3, 0), bool)]
    for shape in [(1,), (100,), (64, 128), (7, 5, 3)]:
        for p in (0.0, 0.001, 0.5, 1.0):
            masks.append(rng.random(shape) < p)
    masks += [m.T for m in masks if m.ndim == 2] + [np.eye(9, dtype=bool)[:, ::-2]]
    masks.append(np.zeros(1000, bool))
    masks[-1][-1] = True  # the last element alone
    for mask in masks:
        assert _any(np, mask) is bool(mask.any())


def test_erf_erfc_erfinv_look_scipy_up_once(monkeypatch):
    """scipy.special is found once per process, not imported on every call (a failed import
    searches sys.path again: 27 us a call where SciPy is missing)."""
    import builtins

    x = minigrad.tensor([0.25, -0.5], dtype=minigrad.float64)
    calls = [minigrad.erf, minigrad.erfc, minigrad.erfinv, lambda t: minigrad.erfc(t.float())]
    for call in calls:
        call(x)  # the first call may look SciPy up
    imports, real_import = [], builtins.__import__

    def counting_import(name, *args, **kwargs):
        imports.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counting_import)
    for call in calls:
        call(x)
    assert not [name for name in imports if name.startswith("scipy")], imports


SHAPES = {
    "byte_char_short": lambda t, x, f: (f * 10).byte().char().short(),
    "tril_indices": lambda t, x, f: t.tril_indices(3, 4, 1),
    "triu_indices": lambda t, x, f: t.triu_indices(4, 3, -1, dtype=t.int32),
    "tril_indices_empty": lambda t, x, f: t.tril_indices(0, 3),
    "broadcast_shapes": lambda t, x, f: t.broadcast_shapes((3, 1), (4,), 1),
    "combinations_r0": lambda t, x, f: t.combinations(f[0], 0),
    "combinations_too_many": lambda t, x, f: t.combinations(f[0, :3], 4),
    "combinations_int": lambda t, x, f: t.combinations(t.tensor([1, 2, 3]), 2),
    "diff_bool": lambda t, x, f: t.diff(t.tensor([True, False, False, True])),
    "diff_int_n2": lambda t, x, f: t.tensor([1, 4, 9, 16]).diff(2),
    "diff_n0": lambda t, x, f: t.diff(f, 0),
    "diff_beyond_length": lambda t, x, f: t.diff(f, 7),
    "tensor_split_tensor": lambda t, x, f: t.tensor_split(f, t.tensor(2), 1),
    "tensor_split_tensor_indices": lambda t, x, f: f.tensor_split(t.tensor([1, 3]), 1),
    "tensor_split_unsorted": lambda t, x, f: t.tensor_split(f, [4, 1], 1),
    "hsplit_1d": lambda t, x, f: t.hsplit(f[0], [2]),
    "block_diag_ints": lambda t, x, f: t.block_diag(t.tensor([[1, 2]]), t.tensor(3)),
    "block_diag_promotes": lambda t, x, f: t.block_diag(f.float(), t.tensor([1, 2])),
    "cartesian_prod_one": lambda t, x, f: t.cartesian_prod(f[0]),
    "cartesian_prod_ints": lambda t, x, f: t.cartesian_prod(t.tensor([1, 2]), t.tensor([3])),
    "rot90_k0": lambda t, x, f: t.rot90(f, 4),
    "kron_ints": lambda t, x, f: t.kron(t.tensor([[1, 2]]), t.tensor([[1], [3]])),
    "inner_scalar": lambda t, x, f: t.inner(f, f[0, 0]),
    "tile_longer": lambda t, x, f: t.tile(f[0], (2, 1, 2)),
    "take_along_dim_negative_dim": lambda t, x, f: t.take_along_dim(f, f.argmax(-1, True), -1),
    "index_put_bool": lambda t, x, f: t.index_put(f, (f > 0,), t.tensor(0.5, dtype=t.float64)),
    "index_put_accumulate_scalar": lambda t, x, f: f.index_put(
        (t.tensor([0, 0]),), t.tensor(1.0, dtype=t.float64), accumulate=True
    ),
    "masked_scatter_none": lambda t, x, f: f.masked_scatter(f > 9, t.zeros(0, dtype=t.float64)),
    "cdist_p0": lambda t, x, f: t.cdist(t.tensor([[1.0, 2.0]]), t.tensor([[1.0, 3.0], [0, 0]]), 0),
    "cdist_same_points": lambda t, x, f: t.cdist(f, f),
    "H_of_ints": lambda t, x, f: t.tensor([[1, 2], [3, 4]]).H,
    "movedim_tuple": lambda t, x, f: t.movedim(f[None], (0, 2), (1, 0)),
}


@pytest.mark.parametrize("name", SHAPES)
def test_shapes_match_torch(name):
    _same(*_both(SHAPES[name], WITH_NAN, FLOATS))


SHAPE_ERRORS = {
    "hsplit_uneven": lambda t, x, f: t.hsplit(f, 2),
    "vsplit_1d": lambda t, x, f: t.vsplit(f[0], 1),
    "dsplit_2d": lambda t, x, f: t.dsplit(f, 1),
    "tensor_split_zero": lambda t, x, f: t.tensor_split(f, 0),
    "rot90_same_dims": lambda t, x, f: t.rot90(f, 1, (1, 1)),
    "rot90_1d": lambda t, x, f: t.rot90(f[0]),
    "rot90_three_dims": lambda t, x, f: t.rot90(f, 1, (0, 1, 1)),
    "fliplr_1d": lambda t, x, f: t.fliplr(f[0]),
    "flipud_0d": lambda t, x, f: t.flipud(f[0, 0]),
    "diff_negative_n": lambda t, x, f: t.diff(f, -1),
    "diff_0d": lambda t, x, f: t.diff(f[0, 0]),
    "inner_mismatch": lambda t, x, f: t.inner(f, f[:, :2]),
    "tile_int": lambda t, x, f: t.tile(f, 2),
    "broadcast_tensors": lambda t, x, f: t.broadcast_tensors(f, f[:2]),
    "block_diag_3d": lambda t, x, f: t.block_diag(f[None]),
    "cartesian_prod_2d": lambda t, x, f: t.cartesian_prod(f),
    "combinations_2d": lambda t, x, f: t.combinations(f),
    "take_along_dim_int32": lambda t, x, f: t.take_along_dim(f, t.zeros(3, 1, dtype=t.int32), 1),
    "take_along_dim_ndim": lambda t, x, f: t.take_along_dim(f, t.zeros(3, dtype=t.int64), 1),
    "H_1d": lambda t, x, f: f[0].H,
    "mH_1d": lambda t, x, f: f[0].mH,
    "index_copy_dtype": lambda t, x, f: t.index_copy(f, 0, t.tensor([1]), f[:1].float()),
    "index_copy_int_index": lambda t, x, f: t.index_copy(f, 0, t.tensor([1], dtype=t.int32), f[:1]),
    "index_copy_count": lambda t, x, f: t.index_copy(f, 0, t.tensor([1, 2]), f[:1]),
    "index_put_dtype": lambda t, x, f: f.index_put((t.tensor([0]),), f[0].float()),
    "masked_scatter_float_mask": lambda t, x, f: f.masked_scatter(f, f),
    "masked_scatter_short_source": lambda t, x, f: f.masked_scatter(f > -9, f[0]),
    "masked_scatter_dtype": lambda t, x, f: f.masked_scatter(f > 0, f.float()),
    "cdist_1d": lambda t, x, f: t.cdist(f[0], f),
    "cdist_columns": lambda t, x, f: t.cdist(f, f[:, :2]),
    "cdist_negative_p": lambda t, x, f: t.cdist(f, f, -1.0),
}


@pytest.mark.parametrize("name", SHAPE_ERRORS)
def test_shape_errors_match_torch(name):
    _raises_like(SHAPE_ERRORS[name], FLOATS, FLOATS)


SEARCH_AND_FACTORIES = {
    "searchsorted_1d": lambda t, x, f: t.searchsorted(
        t.tensor([1, 3, 5, 7]), t.tensor([[0, 3], [8, 5]])
    ),
    "searchsorted_right": lambda t, x, f: t.searchsorted(
        t.tensor([1.0, 3, 3, 7]), t.tensor([3.0, 7]), right=True
    ),
    "searchsorted_side": lambda t, x, f: t.searchsorted(
        t.tensor([[1, 3, 5], [2, 4, 6]]), t.tensor([[3, 6], [3, 6]]), side="right"
    ),
    "searchsorted_scalar": lambda t, x, f: t.searchsorted(t.tensor([1.0, 2, 3]), 2.5),
    "searchsorted_sorter": lambda t, x, f: t.searchsorted(
        t.tensor([3, 1, 2]), t.tensor([2]), sorter=t.tensor([1, 2, 0])
    ),
    "searchsorted_int32": lambda t, x, f: t.searchsorted(
        t.tensor([1, 2]), t.tensor([2]), out_int32=True
    ),
    "bucketize": lambda t, x, f: t.bucketize(f, t.tensor([-1.0, 0.0, 1.0])),
    "bucketize_right_scalar": lambda t, x, f: t.bucketize(3, t.tensor([1, 3, 5]), right=True),
    "histc": lambda t, x, f: t.histc(f, bins=4, min=-1, max=1),
    "histc_data_range": lambda t, x, f: f.histc(5),
    "histc_one_value": lambda t, x, f: t.histc(t.tensor([2.0, 2.0]), bins=2),
    "logspace": lambda t, x, f: t.logspace(-1, 2, 4),
    "logspace_base_int": lambda t, x, f: t.logspace(0, 3, 4, base=2, dtype=t.int64),
    "trapezoid_int": lambda t, x, f: t.trapezoid(t.tensor([1, 2, 3])),
    "trapezoid_empty": lambda t, x, f: t.trapezoid(t.zeros(2, 0)),
    "vander": lambda t, x, f: t.vander(f[0]),
    "vander_int": lambda t, x, f: t.vander(t.tensor([1, 2, 3]), 4, increasing=True),
    "vander_bool": lambda t, x, f: t.vander(t.tensor([True, False])),
    "vander_n0": lambda t, x, f: t.vander(f[0], 0),
    "vander_n1": lambda t, x, f: t.vander(f[0], 1),
}


@pytest.mark.parametrize("name", SEARCH_AND_FACTORIES)
def test_search_and_factories_match_torch(name):
    _same(*_both(SEARCH_AND_FACTORIES[name], WITH_NAN, FLOATS))


SEARCH_ERRORS = {
    "searchsorted_opposites": lambda t, x, f: t.searchsorted(f[0], f, right=True, side="left"),
    "searchsorted_side": lambda t, x, f: t.searchsorted(f[0], f, side="middle"),
    "searchsorted_shapes": lambda t, x, f: t.searchsorted(f, f[0]),
    "bucketize_2d": lambda t, x, f: t.bucketize(f, f),
    "histc_int": lambda t, x, f: t.histc(f.long(), 4),
    "histc_bins": lambda t, x, f: t.histc(f, 0),
    "histc_min_max": lambda t, x, f: t.histc(f, 3, 2, 1),
    "histc_nan_range": lambda t, x, f: t.histc(x, 3),
    "trapezoid_x_and_dx": lambda t, x, f: t.trapezoid(f, f, dx=1),
    "vander_2d": lambda t, x, f: t.vander(f),
    "vander_negative": lambda t, x, f: t.vander(f[0], -1),
    "bernoulli_int": lambda t, x, f: t.bernoulli(f.long()),
    "bernoulli_range": lambda t, x, f: t.bernoulli(f),
    "bernoulli_p_range": lambda t, x, f: t.bernoulli(f.abs() / 3, 2.0),
    "normal_negative_std": lambda t, x, f: t.normal(f, -f.abs() - 1),
    "normal_int_mean": lambda t, x, f: t.normal(f.long(), 1.0),
    "uniform_reversed": lambda t, x, f: f.clone().uniform_(1.0, 0.0),
}


@pytest.mark.parametrize("name", SEARCH_ERRORS)
def test_search_errors_match_torch(name):
    _raises_like(SEARCH_ERRORS[name], WITH_NAN, FLOATS)


def test_bernoulli_draws_with_the_given_probabilities():
    probs = minigrad.tensor([0.0, 0.2, 0.9, 1.0], dtype=minigrad.float64).expand(20000, 4)
    draws = minigrad.bernoulli(probs, generator=minigrad.Generator().manual_seed(1))
    assert draws.dtype == minigrad.float64 and draws.shape == (20000, 4)
    assert set(np.unique(draws.numpy()).tolist()) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(0).numpy(), [0.0, 0.2, 0.9, 1.0], atol=0.02)
    fixed_p = minigrad.zeros(20000).bernoulli(0.3)  # p= overrides the values
    assert abs(fixed_p.mean().item() - 0.3) < 0.02
    again = minigrad.bernoulli(probs, generator=minigrad.Generator().manual_seed(1))
    assert minigrad.equal(draws, again)  # the generator decides the draws
    assert not minigrad.bernoulli(probs.requires_grad_()).requires_grad


def test_normal_of_tensors_draws_one_per_element_of_mean_and_std_broadcast():
    mean = minigrad.tensor([[-5.0], [0.0], [5.0]], dtype=minigrad.float64)  # (3, 1)
    std = minigrad.tensor([0.0, 1.0, 2.0, 3.0], dtype=minigrad.float64).repeat(5000)  # (20000,)
    draws = minigrad.normal(mean, std, generator=minigrad.Generator().manual_seed(2))
    assert draws.shape == (3, 20000) and draws.dtype == minigrad.float64
    by_std = draws.numpy().reshape(3, 5000, 4)
    np.testing.assert_allclose(by_std.mean(1), np.repeat([[-5.0], [0.0], [5.0]], 4, 1), atol=0.1)
    np.testing.assert_allclose(by_std.std(1), np.tile([0.0, 1.0, 2.0, 3.0], (3, 1)), atol=0.1)
    assert minigrad.normal(mean, 2.0).shape == (3, 1)
    assert minigrad.normal(0.0, std[:4]).shape == (4,)  # a number mean, a tensor std
    assert not minigrad.normal(mean.requires_grad_(), 1.0).requires_grad
    with pytest.raises(TypeError, match="size"):
        minigrad.normal(0.0, 1.0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("size", [7, 10_000])  # relu and clamp take another kernel above 4096
def test_activations_at_extremes_match_torch(dtype, size):
    """sigmoid where exp(-x) overflows (no warning, 0 as PyTorch; float16 not flushed early),
    relu and clamp with nan and infinities, on small and large tensors."""
    edges = np.array([-1000, -100, -12, -0.0, 0.0, 12, 100, np.inf, -np.inf, np.nan])
    values = np.resize(np.concatenate([edges, FLOATS.ravel()]), size)
    for fn in (
        lambda t, x: t.sigmoid(x),
        lambda t, x: t.relu(x),
        lambda t, x: x.clamp(-1, 1),
        lambda t, x: x.clamp(min=0.5),
        lambda t, x: x.clamp(max=-0.5),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            mine, theirs = _both(fn, values, dtype=dtype)
        assert str(mine.dtype) == str(theirs.dtype).replace("torch", "minigrad")
        # NOTE: rtol of float32's last bit, no atol: a tiny sigmoid flushed to 0 fails
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=2e-7, atol=0)


def test_clamp_saves_its_input_as_torch():
    """clamp's backward reads its input (the mask is not made in forward), so changing the
    input in place before backward raises, in minigrad as in PyTorch."""
    for lib in (minigrad, torch):
        x = lib.tensor([-2.0, 0.5, 3.0], requires_grad=True)
        y = x * 1
        z = y.clamp(-1, 1)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            z.sum().backward()
    x = minigrad.tensor([-2.0, -1.0, 0.5, 1.0, 3.0], requires_grad=True)
    x.clamp(-1, 1).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]  # bounds included, as PyTorch


def _grad_of(fn, array):
    """fn(lib, x).sum().backward() in both libraries: (minigrad's x.grad, torch's)."""
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        fn(lib, x).sum().backward()
        grads.append(x.grad.numpy())
    return grads


@pytest.mark.parametrize(
    "fn",
    [
        lambda t, x: x.std(1),  # a constant row: std 0, gradient 0 (not nan) in PyTorch
        lambda t, x: x.std(),
        lambda t, x: x.var(1, correction=0),
        lambda t, x: x.std(0, keepdim=True),
        lambda t, x: t.std(x, 1, correction=3),  # no degrees of freedom: inf and nan
    ],
)
def test_var_and_std_gradients_match_torch_constant_rows_included(fn):
    array = np.array([[1.0, 1, 1], [0.5, -2, 3], [4, 4, 4.5]])
    mine, theirs = _grad_of(fn, array)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize(
    "values",
    [[2.0, 2, 1], [3.0, 1, 2, 1], [np.nan, 2, np.nan], [np.nan, 2, 2], [np.nan] * 2],
)
def test_median_of_all_elements_shares_its_gradient_between_ties_as_torch(name, values):
    """x.median() without dim: PyTorch's gradient is shared evenly between the elements equal
    to the median (all the nans when it is nan), not given to one of them."""
    mine, theirs = _grad_of(lambda t, x: getattr(x, name)(), np.array(values))
    np.testing.assert_array_equal(mine, theirs)
    x = minigrad.tensor(values, requires_grad=True)
    assert getattr(x, name)().grad_fn.name() == f"{name.capitalize()}Backward0"


@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
def test_xlogy_gradients_at_zero_and_infinity_match_torch(name):
    """PyTorch's gradients of xlogy(a, b): log(b) for a, also where a == 0 (0 where b <= 0, inf
    at b = inf), and a / b for b (nan at a == 0 == b: the entropy term xlogy(p, p) at p = 0);
    xlog1py the same with b + 1. One node, named as PyTorch's."""
    a_values = [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.5]
    b_values = [0.0, -1.0, 2.0, np.inf, 0.0, np.nan, 3.0]
    results = []
    for lib in (minigrad, torch):
        fn = lib.xlogy if name == "xlogy" else lib.special.xlog1py
        shift = 0.0 if name == "xlogy" else 1.0
        a = lib.tensor(a_values, requires_grad=True)
        b = lib.tensor(b_values, requires_grad=True)
        out = fn(a, b - shift)
        out.sum().backward()
        results.append([out.detach().numpy(), a.grad.numpy(), b.grad.numpy(), out.grad_fn.name()])
    for mine, theirs in zip(*results):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("p", [3, 0.5, 1.5, -1, 4])
def test_p_norm_gradient_at_zero_is_zero_as_torch(p):
    """vector_norm with an ord other than 0, 1, 2, inf: PyTorch's gradient is 0 where the norm
    is 0 (and, for p < 1, at the zero elements), where the power form gave nan."""
    array = np.array([[0.0, 0.0], [0.0, 1.0], [-2.0, 1.0]])
    mine, theirs = _grad_of(lambda t, x: t.linalg.vector_norm(x, ord=p, dim=1), array)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    x = minigrad.tensor(array, requires_grad=True)
    assert x.norm(p=p, dim=1).grad_fn.name() == "LinalgVectorNormBackward0"


def test_zero_norm_counts_nonzeros_without_a_gradient_as_torch():
    """vector_norm(ord=0) counts the nonzero elements; PyTorch's backward gives nothing, so
    x.grad stays None (a sum with another norm gets only that one's gradient)."""
    for lib in (minigrad, torch):
        x = lib.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]], requires_grad=True)
        count = lib.linalg.vector_norm(x, ord=0)
        count.backward()
        assert count.item() == 3.0 and x.grad is None
        assert x.norm(p=0, dim=1).tolist() == [2.0, 1.0]
        assert count.grad_fn.name() == "LinalgVectorNormBackward0"


@pytest.mark.parametrize(
    "fn",
    [
        lambda t, x: t.logit(x),
        lambda t, x: t.logit(x, eps=0.1),
        lambda t, x: t.special.entr(x),
    ],
)
def test_logit_and_entr_at_the_ends_of_their_domain_match_torch(fn):
    """PyTorch's gradients where the composite forms gave nan or 0: logit's 1 / (x (1 - x)) is
    inf at 0 and 1 and nan outside [0, 1] (0 outside [eps, 1 - eps] with eps); entr's
    -(1 + log x) is inf at 0 and nan below. Values and node names too, without warnings."""
    array = np.array([0.0, 1.0, 0.5, 0.05, 2.0, -1.0, np.inf, np.nan])
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = fn(lib, x)
            y.backward(lib.ones(len(array)))
        results.append([y.detach().numpy(), x.grad.numpy(), y.grad_fn.name()])
    for mine, theirs in zip(*results):
        np.testing.assert_array_equal(mine, theirs)


def test_var_and_std_are_one_node_and_refuse_integers_as_torch():
    x = minigrad.tensor([[1.0, 2], [3, 5]], requires_grad=True)
    assert x.var(0).grad_fn.name() == "VarBackward0"
    assert x.std().grad_fn.name() == "StdBackward0"
    _raises_like(lambda t, a: a.var(), np.array([1, 2, 3]), dtype="int64")


@pytest.mark.parametrize(
    "fn",
    [
        lambda t, x: (x.var(), x.std(0, keepdim=True)),
        lambda t, x: (x.norm(), x.reshape(50, 200).norm(dim=1)),
        lambda t, x: t.nn.functional.layer_norm(x.reshape(50, 200), (200,)),
    ],
)
def test_float16_statistics_are_computed_in_float32_as_torch(fn):
    # the sums of squares (about 90,000 and 10^8) overflow float16; the results do not
    a = (np.random.default_rng(0).standard_normal(10000) * 3 + 100).astype(np.float16)
    mine, theirs = _both(fn, a, dtype="float16")
    pairs = zip(mine, theirs) if isinstance(mine, tuple) else [(mine, theirs)]
    for m, t in pairs:
        assert m.dtype == minigrad.float16 and np.isfinite(m.numpy()).all()
        # one rounding to float16 each, in kernels that add in different orders: 1 ulp
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8"])
def test_topk_of_ties_is_the_first_k_of_a_stable_sort(largest, dtype):
    """topk finds the k-th value by partition and sorts only the k picked; among equal values
    it keeps the first ones, as the stable sort it replaces (PyTorch leaves ties unspecified),
    and its values and gradient are PyTorch's."""
    a = np.random.default_rng(1).integers(0, 4, (6, 40)).astype(dtype)
    x = minigrad.tensor(a)
    for k, dim in [(1, 1), (5, 1), (39, 1), (3, 0)]:
        got = x.topk(k, dim, largest)
        order = torch.tensor(a).sort(dim=dim, descending=largest, stable=True)
        assert np.array_equal(got.indices.numpy(), order.indices.numpy().take(range(k), dim))
        assert np.array_equal(got.values.numpy(), order.values.numpy().take(range(k), dim))
    w = minigrad.tensor(a.astype("float64"), requires_grad=True)
    (w.topk(5, 1, largest).values * minigrad.arange(5.0)).sum().backward()
    v = torch.tensor(a.astype("float64"), requires_grad=True)
    (v.topk(5, 1, largest).values * torch.arange(5.0)).sum().backward()
    assert np.array_equal(w.grad.numpy().sum(1), v.grad.numpy().sum(1))


def test_gelu_in_float32_keeps_the_digits_of_its_normal_cdf():
    """float32 gelu computes Phi(x) from a vectorised erfc fit: relative error near float32's
    own for every x, including very negative x where 1 + erf(x / sqrt 2) rounds to 0 (the
    erf form gave exactly -0.0 below x = -5.5)."""
    special = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-9, 9, 20001), [-1e-3, 1e-3, 0.0]]).astype(np.float32)
    got = minigrad.nn.functional.gelu(minigrad.tensor(x)).numpy()
    exact = x.astype(np.float64) * special.ndtr(x.astype(np.float64))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, exact, rtol=2e-5, atol=1e-30)  # exp(-x^2 / 2) in float32
    # and the gradient, from the same Phi: Phi(x) + x phi(x)
    t = minigrad.tensor(x, requires_grad=True)
    minigrad.nn.functional.gelu(t).sum().backward()
    xd = x.astype(np.float64)
    slope = special.ndtr(xd) + xd * np.exp(-xd * xd / 2) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(t.grad.numpy(), slope, rtol=1e-5, atol=1e-7)


SMALL_APIS = {
    "fmax_nan": lambda t, x, f: (t.fmax(x, x.flip(1)), t.fmin(x, x.flip(1))),
    "isposinf": lambda t, x, f: (t.isposinf(x / 0), t.isneginf(x / 0), t.isposinf(x.long())),
    "gcd_lcm": lambda t, x, f: (t.gcd(f.long() * 6, f.long() * 4), t.lcm(f.long(), f.long() + 3)),
    "sum_to_size": lambda t, x, f: (f.sum_to_size(5), f.sum_to_size(3, 1), f.sum_to_size(1, 5)),
    "split_with_sizes": lambda t, x, f: f.split_with_sizes([2, 3], 1),
    "cumsum_cumprod_": lambda t, x, f: (f.clone().cumsum_(1), f.clone().cumprod_(0)),
    "sinc": lambda t, x, f: (t.sinc(f), f.clone().sinc_(), t.sinc(f * 0)),
    "hardshrink": lambda t, x, f: (f.hardshrink(), f.hardshrink(1.5)),
    "windows": lambda t, x, f: tuple(
        getattr(t, name)(n, periodic, dtype=t.float64)  # float32: roundoff near 0 differs
        for name in ("hann_window", "hamming_window", "blackman_window", "bartlett_window")
        for n in (0, 1, 2, 7)
        for periodic in (True, False)
    ),
    "kaiser_window": lambda t, x, f: (t.kaiser_window(9), t.kaiser_window(6, False, 5.0)),
    "sizes": lambda t, x, f: (f.itemsize, f.nbytes, f.is_cpu, f.get_device(), f.is_signed()),
    "is_same_size": lambda t, x, f: (t.is_same_size(f, f[0]), f.is_same_size(f * 2)),
}


@pytest.mark.parametrize("name", SMALL_APIS)
def test_small_apis_match_torch(name):
    _same(*_both(SMALL_APIS[name], WITH_NAN, FLOATS))


def test_sum_to_size_refuses_a_size_it_cannot_reach_as_pytorch():
    _raises_like(lambda t, x, f: f.sum_to_size(4), WITH_NAN, FLOATS)
