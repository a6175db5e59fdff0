"""Pooling with ceil_mode=True (PyTorch's output size: the last window starts inside the input
or its left padding; avg_pool's divisor for windows that run past the padded input) and
power-average pooling (F.lp_pool1d/2d/3d, nn.LPPool1d/2d/3d), against PyTorch: values,
indices and input gradients."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import minigrad


def _run(lib, fn, x):
    """fn(lib, X) and the gradient of a weighted sum of it (weights cos(0), cos(1), ...)."""
    X = lib.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 * inf of lp_pool's zero windows
        y = fn(lib, X)
        weights = lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))
        (y * weights).sum().backward()
    return y.detach().numpy(), X.grad.numpy()


def _same_as_pytorch(fn, x):
    (ours, our_grad), (theirs, their_grad) = (_run(lib, fn, x) for lib in (minigrad, torch))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-10, atol=1e-12)


# (kernel, stride, padding): the last window runs past the padded input (5 + 2 -> 3 windows of
# 3 at stride 2 start at -1, 1, 3), is dropped because it would start in the right padding
# (5, k 2, s 2, p 1: ceil gives 4 windows, the 4th starts at 5), or ceil changes nothing
GEOMETRIES = [(3, 2, 0), (3, 2, 1), (2, 2, 1), (2, 3, 0), (4, 3, 2), (3, 1, 1)]
SIZES = {1: (2, 3, 5), 2: (2, 2, 5, 6), 3: (1, 2, 5, 6, 7)}


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("kernel, stride, padding", GEOMETRIES)
@pytest.mark.parametrize("dilation", [1, 2])
def test_max_pool_ceil_mode_matches_pytorch(dims, kernel, stride, padding, dilation):
    if dilation * (kernel - 1) + 1 > 5 + 2 * padding:
        pytest.skip("the dilated window is wider than the padded input: both libraries refuse")
    x = np.random.default_rng(dims).standard_normal(SIZES[dims])
    _same_as_pytorch(
        lambda lib, X: getattr(lib.nn.functional, f"max_pool{dims}d")(
            X, kernel, stride, padding, dilation, ceil_mode=True
        ),
        x,
    )
    _same_as_pytorch(
        lambda lib, X: getattr(lib.nn, f"MaxPool{dims}d")(
            kernel, stride, padding, dilation, ceil_mode=True
        )(X),
        x,
    )


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("kernel, stride, padding", GEOMETRIES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_ceil_mode_matches_pytorch(dims, kernel, stride, padding, count_include_pad):
    x = np.random.default_rng(dims).standard_normal(SIZES[dims])
    _same_as_pytorch(
        lambda lib, X: getattr(lib.nn.functional, f"avg_pool{dims}d")(
            X, kernel, stride, padding, True, count_include_pad
        ),
        x,
    )
    _same_as_pytorch(
        lambda lib, X: getattr(lib.nn, f"AvgPool{dims}d")(
            kernel, stride, padding, ceil_mode=True, count_include_pad=count_include_pad
        )(X),
        x,
    )


def test_ceil_mode_output_sizes_and_divisors_as_pytorch_computes_them():
    F = minigrad.nn.functional
    x = minigrad.arange(6.0, dtype=minigrad.float64).reshape(1, 1, 6)
    # no padding: 0..1, 2..3, 4..5 and no 4th window (it would start at 6, past the input)
    assert F.avg_pool1d(x, 2, ceil_mode=True).tolist() == [[[0.5, 2.5, 4.5]]]
    # kernel 3, stride 2, padding 1: windows start at -1, 1, 3 and (ceil) 5; the last reads 5,
    # the right padding 6 and 7 beyond it: divided by 2 with the padding counted, else by 1
    y = F.avg_pool1d(x, 3, 2, 1, ceil_mode=True)
    np.testing.assert_allclose(y.numpy(), [[[1 / 3, 2.0, 4.0, 2.5]]])
    y = F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
    np.testing.assert_allclose(y.numpy(), [[[0.5, 2.0, 4.0, 5.0]]])
    # 5 wide, kernel 2, stride 2, padding 1: a 4th window would start at 5, in the right
    # padding: dropped, so ceil_mode keeps the floor's 3 windows (-1, 1, 3)
    assert F.max_pool1d(x[..., :5], 2, 2, 1, ceil_mode=True).tolist() == [[[0.0, 2.0, 4.0]]]
    assert F.max_pool1d(x[..., :5], 2, ceil_mode=True).tolist() == [[[1.0, 3.0, 4.0]]]


def test_max_pool_ceil_mode_indices_match_pytorch():
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 8))
    for lib_args in [((3, 2, 1), "max_pool2d", x), ((2,), "max_pool1d", x[0])]:
        args, name, data = lib_args
        ours, theirs = (
            getattr(lib.nn.functional, name)(
                lib.tensor(data), *args, ceil_mode=True, return_indices=True
            )[1].numpy()
            for lib in (minigrad, torch)
        )
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("norm_type", [1, 2, 3, 1.5, math.inf, -math.inf])
@pytest.mark.parametrize(
    "kernel, stride, ceil_mode", [(2, None, False), (3, 2, True), (2, 3, True)]
)
def test_lp_pool_matches_pytorch_with_zero_windows(dims, norm_type, kernel, stride, ceil_mode):
    x = np.random.default_rng(dims).standard_normal(SIZES[dims])
    if norm_type == 1.5:
        x = np.abs(x)  # a fractional power of a negative number is nan in both
    x[..., :3] = 0  # windows whose sum is 0: gradient 0 (PyTorch's sign * relu), not nan
    _same_as_pytorch(
        lambda lib, X: getattr(lib.nn.functional, f"lp_pool{dims}d")(
            X, norm_type, kernel, stride, ceil_mode
        ),
        x,
    )
    _same_as_pytorch(
        lambda lib, X: getattr(lib.nn, f"LPPool{dims}d")(norm_type, kernel, stride, ceil_mode)(X),
        x,
    )


def test_lp_pool_gradient_is_zero_on_zero_windows_and_nan_on_negative_odd_sums():
    x = minigrad.tensor([[[0.0, 0.0, 1.0, -2.0]]], dtype=minigrad.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = minigrad.nn.functional.lp_pool1d(x, 3, 2)
        y.sum().backward()
    assert y[0, 0, 0].item() == 0.0 and math.isnan(y[0, 0, 1].item())  # (1 - 8)^(1/3): nan
    assert x.grad[0, 0, :2].tolist() == [0.0, 0.0]


def test_lp_pool_layers_print_as_pytorch():
    for dims, args in [(1, (2, 3)), (2, (1.5, (2, 3), 2, True)), (3, (3, 2))]:
        ours, theirs = (repr(getattr(lib.nn, f"LPPool{dims}d")(*args)) for lib in (minigrad, torch))
        assert ours == theirs


def test_relu_gradient_at_zero_under_an_infinite_upstream_gradient_is_a_known_difference():
    # PyTorch's threshold_backward chooses (0 at x = 0 whatever flows in); minigrad's relu
    # multiplies by its mask, twice as fast, so inf * 0 = nan there (docs/autograd.md). lp_pool,
    # whose zero windows send such a gradient, chooses with where (the tests above).
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([0.0, 1.0, -1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            (lib.nn.functional.relu(x) * lib.tensor([math.inf, 2.0, 3.0])).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[1] == [0.0, 2.0, 0.0]
    assert math.isnan(grads[0][0]) and grads[0][1:] == [2.0, 0.0]


def test_ceil_mode_and_lp_pooling_trace_save_and_load(tmp_path):
    """ceil_mode's right extension (a constant) and lp_pool's ops replay in a static graph."""
    F = minigrad.nn.functional

    def pools(x):
        return (
            F.max_pool2d(x, 2, ceil_mode=True)
            + F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
            + F.lp_pool2d(x.abs(), 2, 2, ceil_mode=True)
        )

    rng = np.random.default_rng(5)
    x, other = (minigrad.tensor(rng.standard_normal((1, 2, 5, 7))) for _ in range(2))
    minigrad.static.trace(pools, x).save(tmp_path / "pools.mgraph")
    loaded = minigrad.static.load(tmp_path / "pools.mgraph")
    np.testing.assert_allclose(loaded(other).numpy(), pools(other).numpy())
