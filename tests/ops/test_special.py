"""minigrad.special against torch.special: values and gradients in float64, gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minigrad
import minigrad.special as special
from minigrad.autograd import gradcheck

X = np.array([-3.0, -1.2, -0.3, 0.4, 0.9, 2.5, 6.0])
P = np.array([1e-9, 0.02, 0.3, 0.5, 0.77, 0.999])

CASES = [
    ("expit", X, ()),
    ("erf", X, ()),
    ("erfc", X, ()),
    ("erfinv", P * 1.9 - 0.95, ()),
    ("exp2", X, ()),
    ("expm1", X, ()),
    ("log1p", P, ()),
    ("logit", P, ()),
    ("logit", np.array([0.0, 1e-4, 0.3, 0.9999, 1.0]), (1e-3,)),
    ("ndtr", np.array([-5.0, -2.0, 0.0, 1.5, 8.0]), ()),
    ("entr", np.array([1e-6, 0.2, 0.5, 1.0, 3.0]), ()),
    ("sinc", np.array([-2.5, -1.0, -0.2, 0.3, 1.0, 4.2]), ()),
    ("round", X, ()),
]


@pytest.mark.parametrize("name, x, args", CASES, ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_values_and_gradients_equal_torch(name, x, args):
    a = minigrad.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya, yb = getattr(special, name)(a, *args), getattr(torch.special, name)(b, *args)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=0)
    up = np.linspace(0.5, 1.5, x.size)
    (ya * minigrad.tensor(up)).sum().backward()
    (yb * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-300)


def test_ndtr_keeps_the_lower_tail():
    # PyTorch's CPU kernel gives 0 below about -8.3; minigrad keeps erfc's digits there
    x = np.array([-9.0, -30.0])
    want = [0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    np.testing.assert_allclose(special.ndtr(minigrad.tensor(x)).numpy(), want, rtol=1e-12)
    assert want[0] > 1e-19


def test_special_points_as_torch():
    x = np.array([0.0, -1.0, 0.0])
    for name in ("entr", "sinc"):
        a = minigrad.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        ya, yb = getattr(special, name)(a), getattr(torch.special, name)(b)
        np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
        if name == "sinc":  # entr's gradient at 0 is infinite in both
            ya.sum().backward()
            yb.sum().backward()
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["logit", "ndtr", "entr", "sinc", "erfc"])
def test_gradcheck(name):
    x = minigrad.tensor([0.15, 0.35, 0.6, 0.85], dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(getattr(special, name), (x,))


def test_reductions_and_softmaxes_with_torch_signatures():
    x = np.random.default_rng(0).standard_normal((3, 4))
    a, b = minigrad.tensor(x), torch.tensor(x)
    for name, kw in [
        ("softmax", {"dim": 1}),
        ("log_softmax", {"dim": 0}),
        ("softmax", {"dim": -1, "dtype": torch.float32}),
        ("logsumexp", {"dim": 1, "keepdim": True}),
    ]:
        kw_m = {
            k: getattr(minigrad, str(v).split(".")[-1]) if k == "dtype" else v
            for k, v in kw.items()
        }
        got, want = getattr(special, name)(a, **kw_m), getattr(torch.special, name)(b, **kw)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    y = np.array([0.0, 2.0, 3.0])
    np.testing.assert_allclose(
        special.xlogy(minigrad.tensor([0.0, 1.5, -2.0]), minigrad.tensor(y)).numpy(),
        torch.special.xlogy(torch.tensor([0.0, 1.5, -2.0]), torch.tensor(y)).numpy(),
    )
    assert minigrad.special is special
