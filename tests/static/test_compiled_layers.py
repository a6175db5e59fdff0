"""Every nn layer, compiled: forward and backward (input and parameter gradients) equal eager
(float64: 1e-10, float32: 1e-5)."""

import numpy as np
import pytest

import minigrad
from minigrad import nn, static

LAYERS = {  # name -> (make the layer, input shape); integer inputs for Embedding
    "linear": (lambda: nn.Linear(5, 4), (3, 5)),
    "conv2d": (lambda: nn.Conv2d(2, 3, 3, padding=1, stride=2), (2, 2, 7, 7)),
    "max_pool2d": (lambda: nn.MaxPool2d(2), (2, 3, 6, 6)),
    "avg_pool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 7)),
    "batch_norm1d_eval": (lambda: nn.BatchNorm1d(4).eval(), (5, 4)),
    "batch_norm2d_eval": (lambda: nn.BatchNorm2d(3).eval(), (2, 3, 4, 4)),
    "batch_norm_batch_stats": (lambda: nn.BatchNorm1d(4, track_running_stats=False), (5, 4)),
    "layer_norm": (lambda: nn.LayerNorm(6), (3, 6)),
    "relu": (lambda: nn.ReLU(), (3, 5)),
    "tanh": (lambda: nn.Tanh(), (3, 5)),
    "sigmoid": (lambda: nn.Sigmoid(), (3, 5)),
    "gelu": (lambda: nn.GELU(), (3, 5)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.1), (3, 5)),
    "softmax": (lambda: nn.Softmax(dim=1), (3, 5)),
    "embedding": (lambda: nn.Embedding(10, 4), (3, 5)),
    "mlp": (
        lambda: nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                              nn.Linear(16, 3)),
        (8, 6),
    ),
    "cnn": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3),
            nn.BatchNorm2d(8).eval(), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 2 * 2, 5),
        ),
        (2, 1, 8, 8),
    ),
}  # fmt: skip


def _input(name, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if name == "embedding":
        return minigrad.tensor(rng.integers(0, 10, size=shape))
    return minigrad.tensor(rng.normal(size=shape), dtype=dtype, requires_grad=True)


def _step(f, layer, x):
    for p in layer.parameters():
        p.grad = None
    x.grad = None
    y = f(x)
    (y * minigrad.linspace(0.5, 1.5, y.shape[-1], dtype=y.dtype)).sum().backward()
    grads = [p.grad.array.copy() for p in layer.parameters()]
    return [y.array] + grads + ([x.grad.array] if x.requires_grad else [])


@pytest.mark.parametrize("dtype, tol", [(minigrad.float64, 1e-10), (minigrad.float32, 1e-5)])
@pytest.mark.parametrize("name", LAYERS)
def test_compiled_layer_equals_eager(name, dtype, tol):
    make, shape = LAYERS[name]
    minigrad.manual_seed(0)
    layer = make().to(dtype)
    compiled = static.compile(layer)
    _step(compiled, layer, _input(name, shape, dtype, 0))  # traced on one batch
    x = _input(name, shape, dtype, 1)  # replayed on another
    got, want = _step(compiled, layer, x), _step(layer, layer, x)
    assert compiled.traces == 1 and len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
