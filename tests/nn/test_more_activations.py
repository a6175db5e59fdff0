"""Hardtanh, ReLU6, ELU, LogSigmoid, Softmin and Softsign layers against PyTorch: values,
gradients (also exactly at the ends of hardtanh's range), printing and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

LAYERS = [
    lambda nn: nn.Hardtanh(),
    lambda nn: nn.Hardtanh(-2, 0.5, inplace=True),
    lambda nn: nn.ReLU6(),
    lambda nn: nn.ReLU6(True),
    lambda nn: nn.ELU(),
    lambda nn: nn.ELU(0.5, inplace=True),
    lambda nn: nn.LogSigmoid(),
    lambda nn: nn.Softmin(dim=1),
    lambda nn: nn.Softsign(),
]


@pytest.mark.parametrize("k", range(len(LAYERS)))
def test_activation_layer_as_pytorch(k):
    # the ends of every range (-2, -1, 0, 0.5, 1, 6) are among the inputs: gradients there too
    x = np.array([[-3.0, -2.0, -1.0, -0.3, 0.0], [0.5, 1.0, 2.5, 6.0, 7.5]])
    results = []
    for lib in (torch, minigrad):
        layer = LAYERS[k](lib.nn)
        xt = lib.tensor(x, requires_grad=True)
        out = layer(xt * 1)  # not the leaf: the inplace layers of PyTorch refuse leaves
        out.backward(lib.tensor(np.arange(10.0).reshape(2, 5)))
        results.append((repr(layer), out.detach().numpy(), xt.grad.numpy()))
    (ours_repr, ours, ours_grad), (their_repr, theirs, their_grad) = results
    assert ours_repr == their_repr
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_grad, their_grad, rtol=1e-12, atol=1e-12)


def test_hardtanh_range_error_as_pytorch():
    for lib in (torch, minigrad):
        with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
            lib.nn.functional.hardtanh(lib.zeros(2), 1.0, -1.0)


INPLACE = [
    ("relu", ()),
    ("leaky_relu", (0.2,)),
    ("hardtanh", (-0.5, 0.5)),
    ("elu", (1.0,)),
    ("celu", (0.5,)),  # PyTorch's celu_ rounds alpha to float32 (0.7: 2e-8 off)
    ("selu", ()),
    ("threshold", (0.1, -2.0)),
]


@pytest.mark.parametrize(("name", "args"), INPLACE, ids=[n for n, _ in INPLACE])
def test_in_place_activations_write_into_their_input_as_pytorch(name, args):
    """F.relu_(x) and F.relu(x, inplace=True) return x itself, changed, and the gradient
    still reaches what x was computed from."""
    results = []
    for lib in (torch, minigrad):
        for call in ("function_", "inplace=True"):
            w = lib.tensor(np.linspace(-2, 2, 8), requires_grad=True)
            x = w * 1.5
            if call == "function_":
                y = getattr(lib.nn.functional, name + "_")(x, *args)
            else:
                y = getattr(lib.nn.functional, name)(x, *args, inplace=True)
            assert y is x
            (y * lib.arange(8)).sum().backward()
            results.append((x.detach().numpy(), w.grad.numpy()))
    for ours, theirs in zip(results[2:], results[:2]):
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_in_place_relu_on_a_saved_output_is_caught_as_in_pytorch():
    for lib in (torch, minigrad):
        s = lib.tensor([1.0, -2.0], requires_grad=True).sigmoid()  # sigmoid saves its output
        lib.nn.ReLU(inplace=True)(s)
        with pytest.raises(RuntimeError, match="modified by an in"):
            s.sum().backward()
        with pytest.raises(RuntimeError, match="leaf Variable"):
            lib.nn.functional.relu(lib.ones(2, requires_grad=True), inplace=True)
