"""The faster formulas of leaky_relu, elu, celu and maximum/minimum give PyTorch's values and
gradients where their shortcuts could differ: slopes above 1 and below 0, ties, zeros,
infinities and nan, float32 and float64, a 0-d input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
import minigrad.nn.functional as F

_EDGES = [-np.inf, -30.0, -1.5, -1e-30, -0.0, 0.0, 1e-30, 0.5, 2.0, 30.0, np.inf, np.nan]


def _both(fn_minigrad, fn_torch, *arrays):
    """Values and gradients (upstream 1.5) of the same program in minigrad and PyTorch."""
    results = []
    for lib, fn in ((minigrad, fn_minigrad), (torch, fn_torch)):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = fn(*xs)
        (y * 1.5).sum().backward()
        results.append([y.detach().numpy()] + [x.grad.numpy() for x in xs])
    return results


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.01, 0.0, 1.0, -0.5, 3.0])
def test_leaky_relu_matches_pytorch_for_any_slope(dtype, slope):
    x = np.array(_EDGES, dtype)
    got, want = _both(
        lambda t: F.leaky_relu(t, slope), lambda t: torch.nn.functional.leaky_relu(t, slope), x
    )
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 40_000])
def test_relu_keeps_the_sign_of_zero_eagerly_and_compiled_as_pytorch(dtype, size):
    # -0.0 stays -0.0 in PyTorch; NumPy's maximum against zeros made it +0.0 for small arrays
    x = np.resize(np.array(_EDGES, dtype), size * len(_EDGES))
    want = torch.relu(torch.from_numpy(x)).numpy()
    compiled = minigrad.compile(lambda t: minigrad.relu(t))
    for got in (minigrad.relu(minigrad.tensor(x)), compiled(minigrad.tensor(x))):
        assert got.dtype == minigrad.tensor(x).dtype
        np.testing.assert_array_equal(got.numpy(), want)
        np.testing.assert_array_equal(np.signbit(got.numpy()), np.signbit(want))


def test_leaky_relu_of_a_0d_tensor_and_its_double_backward():
    x = minigrad.tensor(-2.0, requires_grad=True)
    y = F.leaky_relu(x, 0.2)
    assert y.shape == () and y.item() == pytest.approx(-0.4)
    (g,) = minigrad.autograd.grad(y, x, create_graph=True)
    assert g.item() == pytest.approx(0.2)
    assert g.requires_grad  # the gradient is an op too (a constant mask: its gradient is 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["elu", "celu", "selu"])
def test_elu_family_matches_pytorch_at_zero_infinities_and_nan(dtype, name):
    x = np.array(_EDGES + list(np.linspace(-4, 4, 41)), dtype)
    args = {"elu": (0.7,), "celu": (0.5,), "selu": ()}[name]
    got, want = _both(
        lambda t: getattr(F, name)(t, *args),
        lambda t: getattr(torch.nn.functional, name)(t, *args),
        x,
    )
    tol = 1e-6 if dtype == np.float32 else 1e-14
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("ties", [True, False])
def test_maximum_splits_the_gradient_at_ties_only(op, ties):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 64)).astype(np.float32)
    b = rng.standard_normal((64,)).astype(np.float32)
    if ties:
        a[::3, :] = b  # a third of the rows tie everywhere
    got, want = _both(getattr(minigrad, op), getattr(torch, op), a, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_gradient_compares_with_a_zero_of_its_dtype_as_with_the_number_0(dtype):
    # relu's gradient masks with a 0-d zero of y's dtype (no conversion of 0 at every call):
    # the mask, and so the gradient's bits, must be those of `y > 0` for every edge value
    from minigrad.ops.activations import ReluGrad

    y = np.array(_EDGES * 3, dtype).reshape(3, -1)
    gy = np.array([1.5, -2.0, np.inf, np.nan] * 9, dtype).reshape(3, -1)
    with np.errstate(invalid="ignore"):  # inf times a mask of 0: nan, as eager mode gives
        got = ReluGrad.on_arrays(gy, y)
        want = gy * (y > 0)
    assert got.dtype == want.dtype == dtype
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    assert (got.view(np.uint8) != 0).any()  # the comparison is not vacuous
