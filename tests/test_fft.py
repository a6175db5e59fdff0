"""minigrad.fft against torch.fft: the real-to-real transforms over drawn shapes, dims, sizes
and norms (values and gradients), the shifts, the sample frequencies, PyTorch's errors, and
the complex-result functions refusing by name. The op table (tests/ops/op_table.py, FFT)
runs gradcheck and second derivatives on fixed rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.testing import assert_close, gradcheck

NORMS = [None, "backward", "ortho", "forward"]


@st.composite
def _irfftn_call(draw):
    """(shape, kwargs) of an irfftn call: dims given in any order, or the last len(s)."""
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    k = draw(st.integers(1, len(shape)))
    kwargs = {"norm": draw(st.sampled_from(NORMS))}
    if draw(st.booleans()):
        dims = draw(st.permutations(range(len(shape))))[:k]
        kwargs["dim"] = tuple(dims)
    else:
        dims = list(range(len(shape) - k, len(shape)))
    sizes = draw(st.lists(st.sampled_from([-1, 1, 2, 3, 4, 6]), min_size=k, max_size=k))
    if shape[dims[-1]] == 1 and sizes[-1] == -1:
        sizes[-1] = 3  # the default, 2 * (1 - 1) points, is none
    if draw(st.booleans()) or "dim" not in kwargs or shape[dims[-1]] == 1:
        kwargs["s"] = tuple(sizes)
    return tuple(shape), kwargs


@settings(max_examples=40, deadline=None)
@given(call=_irfftn_call(), seed=st.integers(0, 2**16))
def test_irfftn_matches_torch_with_gradients(call, seed):
    shape, kwargs = call
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    x = minigrad.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = minigrad.fft.irfftn(x, **kwargs), torch.fft.irfftn(t, **kwargs)
    assert tuple(y.shape) == tuple(ty.shape)
    assert_close(y, ty, rtol=1e-7, atol=1e-12)
    g = rng.standard_normal(tuple(ty.shape))
    y.backward(minigrad.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(x.grad, t.grad, rtol=1e-7, atol=1e-12)
    assert gradcheck(lambda v: minigrad.fft.irfftn(v, **kwargs), (x.detach().requires_grad_(),))


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_irfft_dtypes_as_torch(dtype):
    """float32 stays float32; integers and bools become the default float, as in PyTorch."""
    a = np.arange(1, 6) % 3
    y = minigrad.fft.irfft(minigrad.tensor(a, dtype=getattr(minigrad, dtype)))
    ty = torch.fft.irfft(torch.tensor(a, dtype=getattr(torch, dtype)))
    assert str(y.dtype) == str(ty.dtype).replace("torch", "minigrad")
    assert_close(y, ty, rtol=1e-6, atol=1e-6)


def test_irfft2_out_and_1d_irfft_second_derivative_is_zero():
    a = np.random.default_rng(1).standard_normal((3, 4))
    out = minigrad.empty(0, dtype=minigrad.float64)
    result = minigrad.fft.irfft2(minigrad.tensor(a), s=(3, 5), out=out)
    assert result is out
    assert_close(out, torch.fft.irfft2(torch.tensor(a), s=(3, 5)), rtol=1e-7, atol=1e-12)
    x = minigrad.tensor(a, requires_grad=True)
    (gx,) = minigrad.autograd.grad(minigrad.fft.irfft(x).pow(2).sum(), x, create_graph=True)
    (hx,) = minigrad.autograd.grad(gx.sum(), x)
    tx = torch.tensor(a, requires_grad=True)
    (tgx,) = torch.autograd.grad(torch.fft.irfft(tx).pow(2).sum(), tx, create_graph=True)
    assert_close(hx, torch.autograd.grad(tgx.sum(), tx)[0], rtol=1e-7, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    data=st.data(),
)
def test_shifts_match_torch_and_undo_each_other(shape, data):
    dim = data.draw(
        st.one_of(
            st.none(),
            st.integers(-len(shape), len(shape) - 1),
            st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=3),
        )
    )
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    for name in ("fftshift", "ifftshift"):
        x = minigrad.tensor(a, requires_grad=True)
        y = getattr(minigrad.fft, name)(x, dim=dim)
        ty = getattr(torch.fft, name)(torch.tensor(a), dim=dim)
        assert_close(y, ty, rtol=0, atol=0)
        y.backward(minigrad.tensor(a))  # a permutation: the gradient is the inverse one
        assert_close(
            x.grad,
            getattr(torch.fft, "ifftshift" if name == "fftshift" else "fftshift")(
                torch.tensor(a), dim=dim
            ),
            rtol=0,
            atol=0,
        )
    x = minigrad.tensor(a)
    assert_close(minigrad.fft.ifftshift(minigrad.fft.fftshift(x, dim), dim), x, rtol=0, atol=0)


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("dtype", [None, "float64", "float16"])
def test_sample_frequencies_match_torch(name, dtype):
    for n in range(-3, 10):  # rfftfreq(-1) is [-0.], rfftfreq(-3) empty, as PyTorch
        if n < 0 and name == "fftfreq":
            continue
        for d in (1.0, 0.5, 3.0, 0.1, 0.0):
            kwargs = {"dtype": getattr(minigrad, dtype)} if dtype else {}
            y = getattr(minigrad.fft, name)(n, d, **kwargs)
            kwargs = {"dtype": getattr(torch, dtype)} if dtype else {}
            ty = getattr(torch.fft, name)(n, d, **kwargs)
            assert str(y.dtype) == str(ty.dtype).replace("torch", "minigrad")
            np.testing.assert_array_equal(y.numpy(), ty.numpy(), err_msg=f"{name}({n}, {d})")


def test_sample_frequencies_keywords():
    y = minigrad.fft.fftfreq(4, requires_grad=True, device="cpu")
    assert y.requires_grad and y.is_leaf
    out = minigrad.empty(0, dtype=minigrad.float64)  # the result is computed in out's dtype
    assert minigrad.fft.rfftfreq(6, 0.1, out=out) is out
    np.testing.assert_array_equal(out.numpy(), torch.fft.rfftfreq(6, 0.1, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="floating point"):
        minigrad.fft.fftfreq(6, out=minigrad.empty(0, dtype=minigrad.int64))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.fft.irfft(t.ones(3), n=0),
        lambda t: t.fft.irfft(t.ones(1)),
        lambda t: t.fft.irfft(t.ones(3), norm="bad"),
        lambda t: t.fft.irfft(t.ones(3), dim=3),
        lambda t: t.fft.irfft(t.ones(3).half()),
        lambda t: t.fft.irfftn(t.ones(2, 3), dim=(0, 0)),
        lambda t: t.fft.irfftn(t.ones(2, 3), s=(4,), dim=(0, 1)),
        lambda t: t.fft.irfftn(t.ones(2, 3), s=(4, 5, 6)),
        lambda t: t.fft.irfftn(t.ones(2, 3), dim=()),
        lambda t: t.fft.irfftn(t.ones(0, 3)),
        lambda t: t.fft.irfft2(t.ones(3)),
        lambda t: t.fft.fftfreq(4, dtype=t.int64),
        lambda t: t.fft.fftfreq(-1),
        lambda t: t.fft.rfftfreq(-4),
        lambda t: t.fft.fftshift(t.ones(3), dim=2),
        lambda t: t.fft.fftshift(t.tensor(3.0)),
    ],
)
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(minigrad)


@pytest.mark.parametrize(
    "name", ["fft", "ifft", "rfft", "fft2", "ifft2", "rfft2", "fftn", "ifftn", "rfftn"]
)
def test_complex_results_refuse_by_name(name):
    """PyTorch returns a complex tensor: minigrad has none, so it says so (a RuntimeError)."""
    assert getattr(torch.fft, name)(torch.ones(2, 4)).is_complex()
    with pytest.raises(NotImplementedError, match=rf"^fft\.{name}: .*complex") as info:
        getattr(minigrad.fft, name)(minigrad.ones(2, 4))
    assert isinstance(info.value, RuntimeError)
