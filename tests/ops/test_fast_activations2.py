"""The in-place kernels of hardtanh (relu6), hardswish, hardsigmoid, and the rewritten sigmoid,
silu, gelu and norms give PyTorch's values and gradients at the edges: the kinks, zeros of
both signs, tiny and huge values, infinities (nan for the values), float16, float32, float64,
and a 0-d input; first and second derivatives pass central differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops import special

_EDGES = [-np.inf, -1e30, -6.0, -4.0, -3.0, -1.5, -1.0, -1e-30, -0.0, 0.0, 1e-30, 0.5, 1.0]
_EDGES += [3.0, 4.0, 6.0, 7.0, 1e30, np.inf]


def _edges(dtype):
    """The edges, the floats next to +-3 and a grid (an array long enough for PyTorch's
    vectorised kernels and their scalar tail alike)."""
    with np.errstate(over="ignore"):  # 1e30 is inf in float16
        x = np.array(_EDGES + list(np.linspace(-8, 8, 161)), dtype)
    three = dtype(3)
    near = [np.nextafter(three, 0), np.nextafter(three, 9), -np.nextafter(three, 0)]
    return np.concatenate([x, np.array(near + [-np.nextafter(three, 9)], dtype)])


def _values_and_grads(call, x, lib):
    gy = np.random.default_rng(1).standard_normal(x.shape).astype(x.dtype)
    t = lib.tensor(x, requires_grad=True)
    y = call(lib, t)
    y.backward(lib.tensor(gy))
    return y.detach().numpy(), t.grad.numpy()


def _assert_same(got, want, ulp=0):
    """Equal values (as many float units apart as `ulp`), dtypes and signs of zero."""
    assert got.dtype == want.dtype
    if ulp == 0:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_array_max_ulp(got, want, maxulp=ulp)
    zeros = want == 0
    np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))


HARD = {
    "relu6": lambda lib, t: lib.nn.functional.relu6(t),
    "hardtanh": lambda lib, t: lib.nn.functional.hardtanh(t, -0.5, 1.2),
    "hardswish": lambda lib, t: lib.nn.functional.hardswish(t),
    "hardsigmoid": lambda lib, t: lib.nn.functional.hardsigmoid(t),
    "Hardswish": lambda lib, t: lib.nn.Hardswish()(t),
}


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", HARD)
def test_hard_activations_match_pytorch_exactly(name, dtype):
    x = _edges(dtype)
    y, g = _values_and_grads(HARD[name], x, minigrad)
    y_want, g_want = _values_and_grads(HARD[name], x, torch)
    _assert_same(y, y_want)
    # (PyTorch's gradient at a nan x differs between its vectorised loop and its scalar tail)
    assert g.dtype == g_want.dtype
    np.testing.assert_array_equal(g, g_want)


@pytest.mark.parametrize("name", HARD)
def test_hard_activations_at_nan_and_of_a_0d_input(name):
    x = np.array([np.nan], np.float32)
    y, _ = _values_and_grads(HARD[name], x, minigrad)
    assert np.isnan(y).all()
    y0 = HARD[name](minigrad, minigrad.tensor(-1.25))
    want = HARD[name](torch, torch.tensor(-1.25)).item()
    assert y0.shape == () and y0.item() == pytest.approx(want)


@pytest.mark.parametrize("name", ["relu6", "hardtanh", "hardswish", "hardsigmoid"])
def test_hard_activations_pass_gradcheck_and_gradgradcheck(name):
    x = np.random.default_rng(0).uniform(-5, 8, (5, 7))
    x = np.where(np.abs(np.abs(x) - 3) < 0.05, x + 0.2, x)  # away from the kinks
    x = np.where(np.abs(x - 6) < 0.05, x + 0.2, x)
    x = np.where((np.abs(x + 0.5) < 0.05) | (np.abs(x - 1.2) < 0.05), x + 0.2, x)
    t = minigrad.tensor(x, requires_grad=True)
    assert gradcheck(lambda a: HARD[name](minigrad, a), (t,))
    assert gradgradcheck(lambda a: HARD[name](minigrad, a), (t,))


def test_integer_inputs_as_pytorch():
    ints = [-5, 1, 2, 7]
    y = minigrad.nn.functional.relu6(minigrad.tensor(ints))
    assert y.dtype == minigrad.int64 and y.tolist() == [0, 1, 2, 6]
    for name in ("hardswish", "hardsigmoid"):
        with pytest.raises(NotImplementedError, match=f"{name}_cpu"):
            getattr(minigrad.nn.functional, name)(minigrad.tensor(ints))


# -- the gamma family's float32 kernels (minigrad/ops/special.py, *_short) --------------------
def _gamma_inputs():
    """Edges, the floats next to lgamma's zeros (1, 2, -2.457...) and digamma's (1.4616...), and
    values from 1e-35 to 3e38 of both signs."""
    rng = np.random.default_rng(0)
    x = [-np.inf, -1e30, -1e10, -3.5, -2.0, -1.0, -0.5, -1e-30, -0.0, 0.0, 1e-30, 0.5, 1.0, 2.0]
    x += [3.0, 1e5, 3e38, np.inf]
    for centre in (1.0, 2.0, 1.4616321, -2.457024, 0.5, -0.5):
        below = above = np.float32(centre)
        for _ in range(20):
            x += [below, above]
            below, above = np.nextafter(below, -np.inf), np.nextafter(above, np.inf)
    far = np.exp(rng.uniform(-80, 88, 4000)) * rng.choice([-1, 1], 4000)
    x = np.concatenate([x, rng.uniform(-30, 30, 4000), far])
    return x.astype(np.float32)


_SHORT = {
    "lgamma": (special.lgamma_short, special.lgamma_array),
    "digamma": (special.digamma_short, special.digamma_array),
    "trigamma": (
        special.trigamma_short,
        lambda xp, x: special.polygamma_array(xp, 1, np.float64, x),
    ),
}


@pytest.mark.parametrize("name", _SHORT)
def test_float32_gamma_kernels_are_the_float64_kernels_rounded(name):
    x = _gamma_inputs()
    short, exact = _SHORT[name]
    with np.errstate(all="ignore"):
        got = short(np, x.astype(np.float64)).astype(np.float32)
        want = exact(np, x.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    np.testing.assert_array_max_ulp(got[finite], want[finite], maxulp=1)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_lgamma_and_digamma_of_float32_and_float16_as_pytorch_at_the_edges(dtype):
    x = np.array([-np.inf, -3.0, -1.0, -0.0, 0.0, 1.0, 2.0, 0.5, -2.5, 1e-4, np.inf, np.nan], dtype)
    for name in ("lgamma", "digamma"):
        got = getattr(minigrad, name)(minigrad.tensor(x)).numpy()
        want = getattr(torch, name)(torch.tensor(x)).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=2e-3 if dtype == np.float16 else 1e-6)
    assert minigrad.lgamma(minigrad.tensor(np.float32(1.0))).item() == 0.0  # exactly, 0-d
    assert minigrad.lgamma(minigrad.tensor([2.0])).item() == 0.0


def test_float32_gradients_of_lgamma_and_digamma_are_the_float64_ones_rounded():
    x = np.random.default_rng(1).uniform(-4, 6, 500).astype(np.float32)  # (exact in both)
    grads = []
    for dtype in (np.float32, np.float64):
        t = minigrad.tensor(x.astype(dtype), requires_grad=True)
        (minigrad.lgamma(t) + minigrad.digamma(t)).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1].astype(np.float32), rtol=1e-6, atol=1e-6)
