"""nn.init.orthogonal_ and sparse_: PyTorch's algorithms, checked on the same normal draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import minigrad
from minigrad.nn import init


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (4, 2, 3), (2, 3, 2, 2)])
def test_orthogonal_equals_torch_on_the_same_draw(shape):
    gain = 1.7
    w = minigrad.empty(*shape)
    init.orthogonal_(w, gain=gain, generator=minigrad.Generator().manual_seed(0))
    rows = shape[0]
    cols = math.prod(shape) // rows
    draw = minigrad.empty(rows, cols).normal_(generator=minigrad.Generator().manual_seed(0))
    # PyTorch's steps, on that draw
    flat = torch.tensor(draw.numpy())
    if rows < cols:
        flat = flat.t()
    q, r = torch.linalg.qr(flat)
    q = q * torch.diag(r, 0).sign()
    if rows < cols:
        q = q.t()
    np.testing.assert_allclose(w.numpy(), (q * gain).reshape(shape).numpy(), atol=1e-5)
    m = w.reshape(rows, cols).numpy() / gain
    small = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(small, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_returns_the_tensor_without_a_graph():
    w = minigrad.empty(6, 4, requires_grad=True)
    out = init.orthogonal_(w)
    assert out is w and w.requires_grad and w.grad_fn is None
    np.testing.assert_allclose(w.detach().numpy().T @ w.detach().numpy(), np.eye(4), atol=1e-5)


def test_orthogonal_and_sparse_errors_as_torch():
    for fn, args in [(init.orthogonal_, ()), (init.sparse_, (0.1,))]:
        with pytest.raises(ValueError) as expected:
            getattr(torch.nn.init, fn.__name__)(torch.empty(3), *args)
        with pytest.raises(ValueError) as got:
            fn(minigrad.empty(3), *args)
        assert str(got.value) == str(expected.value)
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(minigrad.empty(2, 3, 4), 0.1)
    assert init.orthogonal_(minigrad.empty(0, 3)).shape == (0, 3)


def test_sparse_zeros_per_column_and_std():
    minigrad.manual_seed(0)
    w = init.sparse_(minigrad.empty(200, 30), sparsity=0.3, std=0.5)
    a = w.numpy()
    assert ((a == 0).sum(0) == math.ceil(0.3 * 200)).all()
    assert abs(a[a != 0].std() - 0.5) < 0.02
    g1, g2 = minigrad.Generator().manual_seed(1), minigrad.Generator().manual_seed(1)
    x1 = init.sparse_(minigrad.empty(5, 4), 0.4, generator=g1)
    x2 = init.sparse_(minigrad.empty(5, 4), 0.4, generator=g2)
    assert minigrad.equal(x1, x2)


@pytest.mark.parametrize("shape, groups", [((4, 2, 3, 3), 2), ((3, 5, 4), 1), ((2, 2, 3, 2, 5), 1)])
def test_dirac_is_pytorchs_identity_kernel(shape, groups):
    ours = init.dirac_(minigrad.empty(*shape, requires_grad=True), groups=groups)
    theirs = torch.nn.init.dirac_(torch.empty(*shape), groups=groups)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())
    assert ours.grad_fn is None
    x = np.random.default_rng(0).standard_normal((1, shape[1] * groups, 5, 5)).astype(np.float32)
    if len(shape) == 4:  # a convolution with it passes its input through (padding 1)
        out = minigrad.nn.functional.conv2d(minigrad.tensor(x), ours, padding=1, groups=groups)
        np.testing.assert_allclose(out.detach().numpy(), x, atol=1e-6)


def test_dirac_refuses_what_pytorch_refuses():
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(minigrad.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(minigrad.empty(3, 3, 3), groups=2)


@pytest.mark.parametrize(
    "args",
    [("linear",), ("conv_transpose2d",), ("conv3d",), ("sigmoid",), ("tanh",), ("relu",),
     ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu",)],
)  # fmt: skip
def test_calculate_gain_is_pytorchs_value_and_type(args):
    ours, theirs = init.calculate_gain(*args), torch.nn.init.calculate_gain(*args)
    assert ours == theirs and type(ours) is type(theirs)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda I, lib: I.calculate_gain("swish"), "Unsupported nonlinearity swish"),
        (lambda I, lib: I.calculate_gain("leaky_relu", True), "negative_slope True not a valid"),
        (lambda I, lib: I.calculate_gain("leaky_relu", "x"), "negative_slope x not a valid"),
        (
            lambda I, lib: I.kaiming_uniform_(lib.empty(2, 2), mode="fan_avg"),
            r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]",
        ),
    ],
)
@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_init_errors_are_pytorchs(call, message, lib):
    with pytest.raises(ValueError, match=message):
        call(lib.nn.init, lib)
