"""The gamma family, Bessel and normal-distribution functions of minigrad/ops/special.py against
PyTorch over wide ranges (negative arguments, poles, tails) and against mpmath (exact to the
last digit) where PyTorch's own kernel is less accurate (trigamma, polygamma's underflow).
The op table checks their gradients, double gradients, static graphs and the simulated GPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
import minigrad.special as special

RNG = np.random.default_rng(0)
# negative non-integers, (0, 3) where lgamma has its zeros, tiny and huge, far negative
WIDE = np.concatenate(
    [
        RNG.uniform(-30, 30, 400),
        RNG.uniform(0, 3, 400),
        10.0 ** RNG.uniform(-300, 300, 100),
        0.37 - RNG.uniform(0, 1e6, 50),
        [0.5, 1.0, 2.0, 10.0, 1e-8, 2.5, 1.4616321449683622],
    ]
)
SPECIAL = np.array([0.0, -0.0, -1.0, -2.0, -7.0, np.inf, -np.inf, np.nan, -1e300])


def _both(name, x, *args):
    """minigrad's and torch's name(x, *args) in float64, as NumPy arrays."""
    lib_m = minigrad.special if hasattr(torch.special, name) else minigrad
    lib_t = torch.special if hasattr(torch.special, name) else torch
    a = getattr(lib_m, name)(minigrad.tensor(x), *args).numpy()
    b = getattr(lib_t, name)(torch.tensor(x), *args).numpy()
    return a, b


@pytest.mark.parametrize("name", ["gammaln", "digamma"])
def test_lgamma_and_digamma_equal_torch_on_wide_ranges(name):
    a, b = _both(name, WIDE)
    # atol: near the functions' zeros both lose the same few digits of cancellation
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", ["gammaln", "digamma", "i0e", "i1", "log_ndtr"])
def test_poles_and_infinities_as_torch(name):
    a, b = _both(name, SPECIAL)
    np.testing.assert_allclose(a, b, rtol=1e-13)  # inf and nan where PyTorch has them
    signed = ~np.isnan(b)
    np.testing.assert_array_equal(np.signbit(a[signed]), np.signbit(b[signed]))


def test_lgamma_keeps_its_digits_near_its_zeros():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([1 + 1e-9, 1 - 3e-7, 2 + 2e-8, 2 - 1e-6, 0.9999, 2.0001])
    want = [float(mpmath.loggamma(mpmath.mpf(v))) for v in x]
    np.testing.assert_allclose(special.gammaln(minigrad.tensor(x)).numpy(), want, rtol=1e-14)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_to_the_last_digits(n):
    """Against mpmath: PyTorch's trigamma is accurate to about 1e-9 only, and its polygamma
    underflows to 0 for x above about 1e100; minigrad keeps both."""
    mpmath = pytest.importorskip("mpmath")
    x = np.concatenate([RNG.uniform(-12, 12, 60), 10.0 ** RNG.uniform(-5, 150, 20)])
    want = np.array([float(mpmath.polygamma(n, mpmath.mpf(v))) for v in x])
    got = minigrad.polygamma(n, minigrad.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=0)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_equals_torch(n):
    x = np.concatenate([RNG.uniform(-12, 12, 200), RNG.uniform(0, 40, 200)])
    a = minigrad.polygamma(n, minigrad.tensor(x)).numpy()
    b = torch.polygamma(n, torch.tensor(x)).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-8 if n == 1 else 1e-11)


def test_polygamma_poles():
    x = np.array([0.0, -1.0, -3.0, np.inf])
    for n, pole in [(1, np.inf), (2, -np.inf), (3, np.inf)]:
        got = minigrad.polygamma(n, minigrad.tensor(x)).numpy()
        np.testing.assert_array_equal(got, [pole, pole, pole, 0.0])
    # PyTorch: the same poles for n >= 2 and at 0; its trigamma gives ~1e32 at the negative
    # integers (sin(pi x) is not exactly 0 there) and its polygamma(n >= 2, inf) is nan
    np.testing.assert_array_equal(torch.polygamma(2, torch.tensor(x[:3])).numpy(), -np.inf)


def test_polygamma_zero_is_digamma_and_negative_n_is_refused():
    x = minigrad.tensor([0.3, 2.0])
    np.testing.assert_array_equal(minigrad.polygamma(0, x).numpy(), minigrad.digamma(x).numpy())
    with pytest.raises(RuntimeError, match="does not support negative n"):
        minigrad.polygamma(-1, x)


def test_mvlgamma_equals_torch_and_checks_p():
    x = np.array([0.2, 1.0, 1.7, 3.2, 9.5])
    for p in (1, 2, 3, 5):
        a = minigrad.mvlgamma(minigrad.tensor(x), p).numpy()
        np.testing.assert_allclose(a, torch.mvlgamma(torch.tensor(x), p).numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        minigrad.mvlgamma(minigrad.tensor(x), 0)


def test_zeta_equals_torch():
    s = np.array([2.0, 2.0, 3.0, 1.0, 0.5, 2.5, 2.0, 4.0, 1.5, 30.0, 2.0])
    q = np.array([1.0, -2.5, -2.0, 1.0, 1.0, -2.5, 0.0, -11.25, 0.01, 3.0, 1e100])
    a = special.zeta(minigrad.tensor(s), minigrad.tensor(q)).numpy()
    b = torch.special.zeta(torch.tensor(s), torch.tensor(q)).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-13)
    grid_s, grid_q = RNG.uniform(1.01, 20, 300), RNG.uniform(0.01, 50, 300)
    a = special.zeta(minigrad.tensor(grid_s), minigrad.tensor(grid_q)).numpy()
    b = torch.special.zeta(torch.tensor(grid_s), torch.tensor(grid_q)).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-13)
    # PyTorch's underflows to 0 for q above about 1e150; zeta(2, q) is about 1 / q there
    np.testing.assert_allclose(
        special.zeta(2.0, minigrad.tensor([1e200], dtype=minigrad.float64)).numpy(), 1e-200
    )
    # a number as either argument, as PyTorch
    np.testing.assert_allclose(special.zeta(2.0, minigrad.tensor([1.0])).numpy(), np.pi**2 / 6)


def test_zeta_has_no_gradient_for_its_exponent():
    s = minigrad.tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for 'zeta' is not implemented"):
        special.zeta(s, minigrad.tensor([1.0, 2.0])).sum().backward()


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e"])
def test_bessel_functions_equal_torch(name):
    x = np.concatenate([RNG.uniform(-40, 40, 400), RNG.uniform(-705, 705, 100), [0.0, 20.0]])
    a, b = _both(name, x)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-300)
    # inputs that all stop the power series early (the largest decides), and none beyond 20
    for most in (1e-3, 1.0, 4.0, 19.99):
        a, b = _both(name, np.concatenate([RNG.uniform(-most, most, 200), [most, np.nan]]))
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-300)
    big = np.array([-800.0, 800.0])
    a, b = _both(name, big)
    np.testing.assert_allclose(a, b, rtol=1e-13)


def test_i0_is_finite_as_far_as_it_can_be():
    """PyTorch's i0 and i1 overflow above x = 709.78 (where e^x does); the functions
    themselves only about 4 further, which minigrad keeps."""
    mpmath = pytest.importorskip("mpmath")
    x = np.array([711.0, 712.5])
    want = [float(mpmath.besseli(0, v)) for v in x]
    np.testing.assert_allclose(minigrad.i0(minigrad.tensor(x)).numpy(), want, rtol=1e-13)


@pytest.mark.parametrize("kernel", ["scipy", "own"])
def test_log_ndtr_and_ndtri_equal_torch_in_their_tails(kernel, monkeypatch):
    # ndtri takes SciPy's kernel on the CPU where SciPy is installed; "own" hides SciPy
    if kernel == "own":
        monkeypatch.setattr("minigrad.ops.special._scipy_special", lambda: None)
    else:
        pytest.importorskip("scipy")
    x = np.concatenate([RNG.uniform(-40, 40, 400), -(10.0 ** RNG.uniform(0, 150, 50))])
    a, b = _both("log_ndtr", x)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)
    p = np.concatenate(
        [
            RNG.uniform(0, 1, 400),
            10.0 ** RNG.uniform(-300, 0, 100),
            0.5 + RNG.uniform(-1e-9, 1e-9, 20),
            1 - 10.0 ** RNG.uniform(-16, -1, 50),
            [0.0, 1.0, 0.5, -0.1, 1.1, np.nan],
        ]
    )
    a, b = _both("ndtri", p)
    np.testing.assert_allclose(a, b, rtol=1e-13)


def test_xlog1py_equals_torch_with_its_zeros():
    x = np.array([0.0, 0.0, 0.0, 1.5, -2.0])
    y = np.array([np.nan, -1.0, 3.0, -1.0, 0.5])
    a = special.xlog1py(minigrad.tensor(x), minigrad.tensor(y)).numpy()
    b = torch.special.xlog1py(torch.tensor(x), torch.tensor(y)).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(special.xlog1py(2.0, minigrad.tensor([1.0])).numpy(), 2 * np.log(2))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64"])
def test_dtypes_as_torch(dtype):
    x = np.array([1.0, 2.0, 3.5])
    for name in ("lgamma", "digamma", "i0"):
        a = getattr(minigrad, name)(minigrad.tensor(x, dtype=getattr(minigrad, dtype)))
        b = getattr(torch, name)(torch.tensor(x, dtype=getattr(torch, dtype)))
        assert str(a.dtype)[len("minigrad") :] == str(b.dtype)[len("torch") :]
        np.testing.assert_allclose(a.float().numpy(), b.float().numpy(), rtol=1e-3)


def test_tensor_methods_and_in_place_forms():
    x = np.array([0.7, 1.3, 4.0])
    for method, args in [
        ("lgamma", ()),
        ("digamma", ()),
        ("polygamma", (2,)),
        ("mvlgamma", (2,)),
        ("i0", ()),
    ]:
        a, b = minigrad.tensor(x), torch.tensor(x)
        want = getattr(b, method)(*args).numpy()
        np.testing.assert_allclose(getattr(a, method)(*args).numpy(), want, rtol=1e-10)
        assert getattr(a, method + "_")(*args) is a
        getattr(b, method + "_")(*args)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)


def test_special_names():
    x = minigrad.tensor([0.4, 2.2])
    assert special.psi is special.digamma
    np.testing.assert_array_equal(special.gammaln(x).numpy(), minigrad.lgamma(x).numpy())
    np.testing.assert_array_equal(
        special.multigammaln(x + 1, 2).numpy(), minigrad.mvlgamma(x + 1, 2).numpy()
    )
    np.testing.assert_array_equal(special.polygamma(1, x).numpy(), minigrad.polygamma(1, x).numpy())
