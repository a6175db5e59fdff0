"""The norms' and softmax's fast paths on shapes that take them (the op table's tensors are too
small): weights along the trailing dims broadcast through tiled rows, a batch norm's and group
norm's invstd folded into the weight (x - mean saved), x's gradient written over a gradient the
op copied, and a softmax gradient of one value (of a sum or a mean). Each against PyTorch, and
checks that the paths are taken, so that a shape change that drops them is seen."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.ops import norm

F = mg.nn.functional
TF = torch.nn.functional
RNG = np.random.default_rng(7)

TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _pair(shape, dtype, scale=1.0, shift=0.0):
    a = (RNG.standard_normal(shape) * scale + shift).astype(dtype)
    return mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check(fn_mg, fn_t, shapes, dtype, upstream):
    """Values and every input's gradient against PyTorch, for a random upstream gradient
    ("random") or that of `.sum()` (one value broadcast: "sum")."""
    pairs = [_pair(s, dtype, 2.0, 0.5) if s else (None, None) for s in shapes]
    ms, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    ym, yt = fn_mg(*ms), fn_t(*ts)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), **TOL[dtype])
    if upstream == "sum":
        ym.sum().backward()
        yt.sum().backward()
    else:
        gy = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
        (ym * mg.tensor(gy)).sum().backward()
        (yt * torch.tensor(gy)).sum().backward()
    # NOTE: x's gradient of a sum of a norm is 0 up to rounding (both libraries give noise
    # of 1e-4 in float32 there): an absolute bound for it
    tol = (
        dict(TOL[dtype], atol=2e-3 if dtype == np.float32 else 1e-9)
        if upstream == "sum"
        else TOL[dtype]
    )
    for m, t in zip(ms, ts):
        if m is not None:
            scale = 1 + np.abs(t.grad.numpy()).max()
            np.testing.assert_allclose(m.grad.numpy() / scale, t.grad.numpy() / scale, **tol)


CASES = {
    "layer_norm rows of 512": (
        lambda x, w, b: F.layer_norm(x, (512,), w, b),
        lambda x, w, b: TF.layer_norm(x, (512,), w, b),
        [(512, 512), (512,), (512,)],
    ),
    "layer_norm over two dims": (
        lambda x, w, b: F.layer_norm(x, (16, 64), w, b, eps=0.1),
        lambda x, w, b: TF.layer_norm(x, (16, 64), w, b, eps=0.1),
        [(48, 16, 64), (16, 64), (16, 64)],
    ),
    "layer_norm, rows that tile in no way": (
        lambda x, w, b: F.layer_norm(x, (513,), w, b),
        lambda x, w, b: TF.layer_norm(x, (513,), w, b),
        [(101, 513), (513,), (513,)],
    ),
    "layer_norm, weight only": (
        lambda x, w: F.layer_norm(x, (256,), w),
        lambda x, w: TF.layer_norm(x, (256,), w),
        [(256, 256), (256,)],
    ),
    "layer_norm, bias only": (
        lambda x, b: F.layer_norm(x, (256,), None, b),
        lambda x, b: TF.layer_norm(x, (256,), None, b),
        [(256, 256), (256,)],
    ),
    "layer_norm, the course's (64, 128)": (
        lambda x, w, b: F.layer_norm(x, (128,), w, b),
        lambda x, w, b: TF.layer_norm(x, (128,), w, b),
        [(64, 128), (128,), (128,)],
    ),
    "layer_norm, no affine, odd rows": (
        lambda x: F.layer_norm(x, (7, 3), eps=1e-3),
        lambda x: TF.layer_norm(x, (7, 3), eps=1e-3),
        [(5, 11, 7, 3)],
    ),
    "layer_norm, rows too long for products": (
        lambda x, w, b: F.layer_norm(x, (4100,), w, b),
        lambda x, w, b: TF.layer_norm(x, (4100,), w, b),
        [(3, 4100), (4100,), (4100,)],
    ),
    "layer_norm over the whole input": (
        lambda x, w, b: F.layer_norm(x, (6, 50), w, b),
        lambda x, w, b: TF.layer_norm(x, (6, 50), w, b),
        [(6, 50), (6, 50), (6, 50)],
    ),
    "batch_norm (N, C)": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        [(512, 128), (128,), (128,)],
    ),
    "batch_norm (N, C, H, W)": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=0.5),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True, eps=0.5),
        [(8, 16, 16, 16), (16,), (16,)],
    ),
    "batch_norm (N, C, L), no bias": (
        lambda x, w: F.batch_norm(x, None, None, w, None, training=True),
        lambda x, w: TF.batch_norm(x, None, None, w, None, training=True),
        [(8, 24, 200), (24,)],
    ),
    "group_norm": (
        lambda x, w, b: F.group_norm(x, 4, w, b),
        lambda x, w, b: TF.group_norm(x, 4, w, b),
        [(4, 16, 32, 32), (16,), (16,)],
    ),
    "group_norm, no affine": (
        lambda x: F.group_norm(x, 4),
        lambda x: TF.group_norm(x, 4),
        [(4, 16, 32, 32)],
    ),
    "instance_norm": (
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        lambda x, w, b: TF.instance_norm(x, weight=w, bias=b),
        [(4, 8, 32, 32), (8,), (8,)],
    ),
}


@pytest.mark.parametrize("upstream", ["random", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", CASES)
def test_large_norms_match_pytorch(name, dtype, upstream):
    fn_mg, fn_t, shapes = CASES[name]
    _check(fn_mg, fn_t, shapes, dtype, upstream)


def test_a_non_contiguous_input_normalises_as_its_copy():
    x, tx = _pair((512, 256), np.float32)
    w, tw = _pair((512,), np.float32)
    y = F.layer_norm(x.T, (512,), w)
    ty = TF.layer_norm(tx.T, (512,), tw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **TOL[np.float32])
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-3, atol=1e-3)


def test_a_row_of_nan_or_inf_stays_in_its_row():
    a = RNG.standard_normal((256, 512)).astype(np.float32)
    a[3] = np.nan
    a[7, 5] = np.inf
    w = RNG.standard_normal(512).astype(np.float32)
    y = F.layer_norm(mg.tensor(a), (512,), mg.tensor(w), mg.tensor(w)).numpy()
    ty = TF.layer_norm(torch.tensor(a), (512,), torch.tensor(w), torch.tensor(w)).numpy()
    assert np.isnan(y[3]).all() and np.isnan(y[7]).all()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ty))
    finite = ~np.isnan(ty)
    np.testing.assert_allclose(y[finite], ty[finite], rtol=2e-4, atol=2e-5)


def test_float16_inputs_keep_their_path_and_dtype():
    for shape, normalised in (((256, 512), (512,)), ((64, 8, 128), (8, 128))):
        a = RNG.standard_normal(shape).astype(np.float16)
        w = RNG.standard_normal(normalised).astype(np.float16)
        y = F.layer_norm(mg.tensor(a), normalised, mg.tensor(w), mg.tensor(w))
        ty = TF.layer_norm(torch.tensor(a), normalised, torch.tensor(w), torch.tensor(w))
        assert y.dtype is mg.float16
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-2, atol=1e-2)


def test_the_fast_paths_are_taken_on_these_shapes():
    rows = np.zeros((512, 512), np.float32)
    assert norm._tiles(np, rows, np.ones(512, np.float32)) is not None
    assert norm._tiles(np, np.zeros((101, 513), np.float32), np.ones(513, np.float32)) is None
    assert norm._tiles(np, rows, np.ones((512, 1), np.float32)) is None  # a column: not rows
    x = mg.tensor(np.ones((8, 16, 4, 4), np.float32), requires_grad=True)
    w = mg.ones(16, requires_grad=True)
    assert F.batch_norm(x, None, None, w, None, training=True).grad_fn.centred
    assert F.group_norm(x, 4, w).grad_fn.next_functions[0][0].centred  # (under a reshape)
    assert not F.layer_norm(x, (4, 4)).grad_fn.centred
    # a layer norm's rows (not a batch norm's or a group norm's, nor rows past 4096 values)
    a = x.detach().numpy()
    assert norm._rows(np, a, (2, 3), (4, 4)).shape == (128, 16)
    assert norm._rows(np, a, (0, 1, 2, 3), (8, 16, 4, 4)).shape == (1, 2048)
    assert norm._rows(np, a, (0, 2, 3), (1, 16, 1, 1)) is None
    assert norm._rows(np, a.reshape(8, 4, 4, 16), (2, 3), (1, 4, 4, 1)) is None
    assert norm._rows(np, np.ones((2, 4097), np.float32), (1,), (4097,)) is None
    assert norm._rows(np, a.transpose(1, 0, 2, 3), (2, 3), (4, 4)) is None


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(9,), (5000,), (3, 7)])
def test_a_layer_norm_over_its_whole_input_has_gradients(dtype, shape):
    """An unbatched input normalised over all its dims (LayerNorm(9) of a (9,) input): the
    weight's and bias's gradients are summed over no dims (NormalizeGrad raised an
    IndexError), on the rows path and off it (float16, rows past 4096 values)."""
    a = RNG.standard_normal(shape).astype(dtype)
    gy = RNG.standard_normal(shape).astype(dtype)
    grads = []
    for lib in (mg, torch):
        x = lib.tensor(a, requires_grad=True)
        layer = lib.nn.LayerNorm(shape, dtype=getattr(lib, np.dtype(dtype).name))
        layer(x).backward(lib.tensor(gy))
        grads.append([p.grad.numpy() for p in (x, layer.weight, layer.bias)])
    tol = TOL.get(dtype, dict(rtol=2e-2, atol=2e-2))
    for m, t in zip(*grads):
        assert m.dtype == dtype
        np.testing.assert_allclose(m, t, **tol)


def test_long_runs_of_a_broadcast_go_unbuffered_and_the_buffer_size_comes_back():
    a = RNG.standard_normal((8, 16, 16, 16)).astype(np.float32)
    v = RNG.standard_normal((1, 16, 1, 1)).astype(np.float32)
    assert norm._unbuffered(np, a, v)  # runs of 256 positions
    assert norm._unbuffered(np, a, v[0])  # (16, 1, 1): the same runs
    assert not norm._unbuffered(np, a.reshape(32, 16, 8, 8), v)  # runs of 64: buffers are faster
    assert not norm._unbuffered(np, a, v.reshape(1, 1, 1, 16))  # a row: no runs
    before = np.getbufsize()
    np.testing.assert_array_equal(norm._broadcast_op(np, np.multiply, a, v), a * v)
    assert np.getbufsize() == before
    with pytest.raises(ValueError):
        norm._broadcast_op(np, np.multiply, a, v, out=np.empty(3, np.float32))
    assert np.getbufsize() == before


def test_batch_norm_eval_is_the_same_with_and_without_a_graph():
    x, tx = _pair((8, 16, 16, 16), np.float32)
    mean, var = RNG.standard_normal(16).astype(np.float32), RNG.random(16).astype(np.float32)
    w, tw = _pair((16,), np.float32)
    b, tb = _pair((16,), np.float32)

    def run(L, x, w, b):
        return L.nn.functional.batch_norm(x, L.tensor(mean), L.tensor(var), w, b, False)

    with mg.no_grad():
        plain = run(mg, x, w, b).numpy()
    y = run(mg, x, w, b)
    np.testing.assert_array_equal(plain, y.detach().numpy())
    ty = run(torch, tx, tw, tb)
    np.testing.assert_allclose(plain, ty.detach().numpy(), **TOL[np.float32])
    y.sum().backward()
    ty.sum().backward()
    for m, t in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=2e-4, atol=1e-3)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_softmax_gradient_of_one_value_equals_the_full_formula(op, dim, reduce):
    """The gradient of y.sum() or y.mean() is one value broadcast; its shortcut gives the
    general formula's values (bit for bit for ones: their row sums are exact either way; a
    mean's 1 / n values are summed by BLAS in the general formula, in another order), and
    PyTorch's within tolerance."""
    a = RNG.standard_normal((300, 200)).astype(np.float32) * 3
    x1, x2 = mg.tensor(a, requires_grad=True), mg.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    getattr(getattr(x1, op)(dim), reduce)().backward()
    # the same upstream values, as a contiguous array: the general formula
    y2 = getattr(x2, op)(dim)
    y2.backward(mg.tensor(np.full(y2.shape, 1.0 if reduce == "sum" else 1 / a.size, np.float32)))
    if reduce == "sum":
        np.testing.assert_array_equal(x1.grad.numpy(), x2.grad.numpy())
    else:
        np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-6, atol=1e-10)
    getattr(getattr(tx, op)(dim), reduce)().backward()
    np.testing.assert_allclose(x1.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["layer_norm rows of 512", "batch_norm (N, C)", "group_norm"])
def test_the_upstream_gradient_is_not_written_over(name):
    """x's gradient is written over g only where the op copied g itself; a gradient passed
    in, contiguous, stays as it was."""
    fn_mg, _, shapes = CASES[name]
    inputs = [
        mg.tensor(RNG.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes
    ]
    y = fn_mg(*inputs)
    given = RNG.standard_normal(y.shape).astype(np.float32)
    g = mg.tensor(given.copy())
    y.backward(g)
    np.testing.assert_array_equal(g.numpy(), given)
    assert np.isfinite(inputs[0].grad.numpy()).all()
