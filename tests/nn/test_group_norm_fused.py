"""group_norm as one Normalize node over (N, groups, C / groups, positions): values, gradients,
second gradients, the node's name and the errors, against PyTorch CPU. minigrad's node sits
under the view back to the input's shape."""

import numpy as np
import pytest
import torch

import minigrad

SHAPES = [(2, 4), (3, 6, 5), (2, 8, 3, 3), (2, 4, 2, 3, 2), (0, 4, 3)]


def _run(lib, x, w, b, groups, dtype, create_graph=False):
    tensors = [
        None if a is None else lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True)
        for a in (x, w, b)
    ]
    y = lib.nn.functional.group_norm(tensors[0], groups, tensors[1], tensors[2], eps=1e-5)
    g = lib.tensor(np.random.default_rng(3).standard_normal(y.shape), dtype=getattr(lib, dtype))
    wanted = [t for t in tensors if t is not None]
    grads = lib.autograd.grad(y, wanted, g, create_graph=create_graph)
    out = [y, *grads]
    if create_graph:  # a second gradient: of the gradients' weighted sum
        total = sum((gr * gr).sum() for gr in grads)
        out += list(lib.autograd.grad(total, wanted[:2]))  # the bias's is not used: none
    node = y.grad_fn if lib is torch else y.grad_fn.next_functions[0][0]  # under the view
    return node.name(), [o.detach().numpy() for o in out]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_pytorch_float64(shape, affine):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w, b = (rng.standard_normal(shape[1]), rng.standard_normal(shape[1])) if affine else (None,) * 2
    name, ours = _run(minigrad, x, w, b, 2, "float64")
    t_name, theirs = _run(torch, x, w, b, 2, "float64")
    assert name == t_name == "NativeGroupNormBackward0"
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-10, atol=1e-12)


def test_group_norm_second_gradients_match_pytorch():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 6, 4)), rng.standard_normal(6), rng.standard_normal(6)
    _, ours = _run(minigrad, x, w, b, 3, "float64", create_graph=True)
    _, theirs = _run(torch, x, w, b, 3, "float64", create_graph=True)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-4), ("float16", 1e-2)])
def test_group_norm_in_low_precision_matches_pytorch(dtype, rtol):
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((4, 16, 8, 8)), rng.standard_normal(16), rng.standard_normal(16)
    _, ours = _run(minigrad, x, w, b, 4, dtype)
    _, theirs = _run(torch, x, w, b, 4, dtype)
    for a, t in zip(ours, theirs):
        assert a.dtype == t.dtype
        np.testing.assert_allclose(a, t, rtol=rtol, atol=rtol)


def test_group_norm_errors_match_pytorch():
    for lib in (minigrad, torch):
        F = lib.nn.functional
        with pytest.raises(NotImplementedError, match="GroupNormKernelImpl"):
            F.group_norm(lib.ones(2, 4, 3, dtype=lib.int64), 2)
        with pytest.raises(RuntimeError, match=r"weight of shape \[3\] and input of shape"):
            F.group_norm(lib.ones(2, 4, 3), 2, lib.ones(3))
        with pytest.raises(RuntimeError, match=r"Expected bias to be a vector"):
            F.group_norm(lib.ones(2, 4, 3), 2, None, lib.ones(2, 2))
