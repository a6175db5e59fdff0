"""nn.RReLU and F.rrelu: PyTorch's eval-mode values and gradients, and in training a slope
drawn per element from U(lower, upper) (the draws are minigrad's, so only their range and
spread are compared)."""

import numpy as np
import torch

import minigrad


def test_eval_mode_is_a_leaky_relu_with_the_mean_slope():
    for lib in (torch, minigrad):
        x = lib.tensor([-2.0, -0.5, 0.0, 3.0], requires_grad=True)
        layer = lib.nn.RReLU(0.1, 0.3).eval()
        y = layer(x)
        y.sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), [-0.4, -0.1, 0.0, 3.0], rtol=1e-6)
        np.testing.assert_allclose(x.grad.numpy(), [0.2, 0.2, 0.2, 1.0], rtol=1e-6)
        assert y.grad_fn.name() == "RreluWithNoiseBackward0"
        assert repr(layer) == "RReLU(lower=0.1, upper=0.3)"
        out = lib.nn.functional.rrelu_(lib.tensor([-3.0, 1.0]))
        np.testing.assert_allclose(out.numpy(), [-3.0 * (1 / 8 + 1 / 3) / 2, 1.0], rtol=1e-6)


def test_training_draws_one_slope_per_negative_element_in_range():
    minigrad.manual_seed(0)
    x = minigrad.full((2000,), -1.0, requires_grad=True)
    y = minigrad.nn.RReLU(0.1, 0.3)(x)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.05
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-6)  # the drawn slope
    positive = minigrad.nn.functional.rrelu(minigrad.tensor([2.0, 0.0]), training=True)
    assert positive.tolist() == [2.0, 0.0]
