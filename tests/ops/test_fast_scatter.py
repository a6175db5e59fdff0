"""gather, scatter, scatter_add and scatter_reduce through flat positions (NumPy's fast 1-D
ufunc.at and take): PyTorch's values bit for bit, its order of adds included (each place
adds its values one at a time onto self's value), for repeated places, indices smaller than
self, non-contiguous and broadcast operands, every dim, float16/32/64 and ints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

SHAPES = [((64, 48), (64, 40)), ((6, 40, 9), (5, 37, 8))]  # (self, index): index smaller


def _arrays(shape, index_shape, dim, dtype, seed=0):
    rng = np.random.default_rng(seed)
    # NOTE: a few places get many values of mixed magnitudes: float32 sums round differently
    # in another order or in float64
    # (float16: PyTorch adds halves in float32, rounding once; those compare within 0.05)
    spread = 2 if dtype == np.float16 else 10
    index = rng.integers(0, min(3, shape[dim]), index_shape)
    x = rng.standard_normal(shape) * spread ** rng.integers(-3, 4, shape).astype(float)
    src = rng.standard_normal(index_shape) * spread ** rng.integers(-3, 4, index_shape).astype(
        float
    )
    return x.astype(dtype), index, src.astype(dtype)


def _run(lib, f, x, index, src, grad=True):
    floating = np.dtype(x.dtype).kind == "f"
    tx = lib.tensor(x, requires_grad=grad and floating)
    ts = lib.tensor(src, requires_grad=grad and floating)
    y = f(tx, lib.tensor(index), ts)
    if not (grad and floating):
        return (y.numpy(),)
    y.sum().backward()  # a broadcast upstream gradient, as `.sum()` gives
    return y.detach().numpy(), tx.grad.numpy(), None if ts.grad is None else ts.grad.numpy()


def _equal(f, x, index, src, grad=True):
    mine, theirs = _run(minigrad, f, x, index, src, grad), _run(torch, f, x, index, src, grad)
    for a, b in zip(mine, theirs):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert a.dtype == b.dtype
        if a.dtype == np.float16:
            np.testing.assert_allclose(a, b, rtol=5e-2, atol=5e-2)
        else:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize("shape, index_shape", SHAPES)
def test_scatter_add_adds_in_pytorchs_order(shape, index_shape, dtype):
    for dim in range(len(shape)):
        x, index, src = _arrays(shape, index_shape, dim, dtype)
        _equal(lambda x, i, s, d=dim: x.scatter_add(d, i, s), x, index, src)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape, index_shape", SHAPES)
def test_gathers_gradient_adds_in_pytorchs_order(shape, index_shape, dtype):
    for dim in range(len(shape)):
        x, index, _ = _arrays(shape, index_shape, dim, dtype)
        up = _arrays(index_shape, index_shape, dim, dtype, seed=1)[0]
        grads = []
        for lib in (minigrad, torch):
            tx = lib.tensor(x, requires_grad=True)
            tx.gather(dim, lib.tensor(index)).backward(lib.tensor(up))
            grads.append(tx.grad.numpy())
        if dtype == np.float16:
            np.testing.assert_allclose(*grads, rtol=5e-2, atol=5e-2)
        else:
            np.testing.assert_array_equal(*grads)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_pytorch(reduce, include_self):
    for dtype in (np.float32, np.int64):
        for dim in (0, 1):
            x, index, src = _arrays((64, 48), (64, 40), dim, dtype)
            if reduce == "prod":  # keep the products finite
                x = (np.sign(x) + (x == 0)).astype(dtype)
                src = ((np.sign(src) + (src == 0)) * (1.25 if dtype == np.float32 else 1)).astype(
                    dtype
                )

            def f(x, i, s, d=dim):
                return x.scatter_reduce(d, i, s, reduce, include_self=include_self)

            # mean's and the others' gradients: tests/ops/test_scatter_reduce.py
            _equal(f, x, index, src, grad=reduce == "sum")


def test_scatter_keeps_the_last_of_repeated_values_and_zeros_their_gradient():
    x, index, src = _arrays((64, 48), (64, 40), 1, np.float32)
    _equal(lambda x, i, s: x.scatter(1, i, s), x, index, src)
    _equal(lambda x, i, s: x.scatter(0, i, 2.5), x, index, src)
    _equal(lambda x, i, s: x.scatter(1, i, 7), x.astype(np.int64), index, src, grad=False)


def test_non_contiguous_operands():
    """A transposed self and src, and a gather from a broadcast tensor (`.sum()`'s gradient,
    which scatter's backward gathers from)."""
    x, index, src = _arrays((48, 64), (40, 64), 0, np.float32)
    x, src, index = x.T, src.T, np.ascontiguousarray(index.T)
    _equal(lambda x, i, s: x.scatter_add(1, i, s), x, index, src)
    _equal(lambda x, i, s: x.scatter(1, i, s), x, index, src)
    _equal(lambda x, i, s: x.gather(1, i), x, index, src)
    row = np.arange(48, dtype=np.float32)
    picked = minigrad.tensor(row).expand(64, 48).gather(1, minigrad.tensor(index))
    np.testing.assert_array_equal(picked.numpy(), row[index])


@pytest.mark.parametrize(
    "program, name",
    [
        ("x.scatter_add(1, i, s)", "ScatterAddBackward0"),
        ("x.scatter(1, i, s)", "ScatterBackward0"),
        ("x.scatter(1, i, 2.0)", "ScatterBackward1"),
    ],
)
def test_grad_fn_names_are_pytorchs(program, name):
    for lib in (minigrad, torch):
        x = lib.ones(3, 4, requires_grad=True)
        s = lib.ones(3, 2, requires_grad=True)
        i = lib.tensor([[0, 0], [3, 1], [2, 2]])
        assert eval(program, {"x": x, "s": s, "i": i}).grad_fn.name() == name


@pytest.mark.parametrize("value", [300, -1])
@pytest.mark.parametrize(
    "op",
    [
        lambda x, i: x.gather(1, i),
        lambda x, i: x.scatter_add(1, i, x),
        lambda x, i: x.scatter(1, i, x),
        lambda x, i: x.scatter_reduce(1, i, x, "amax"),
    ],
)
def test_an_out_of_range_index_is_refused_before_the_flat_positions(op, value):
    """Flat positions of an index past a row's end would land in the next row."""
    index = minigrad.zeros(4, 300, dtype=minigrad.int64)
    index[0, 5] = value
    with pytest.raises(RuntimeError, match=f"index {value} is out of bounds"):
        op(minigrad.zeros(4, 300), index)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize(
    "shape, count", [((40, 16), 300), ((40, 3, 5), 30), ((50,), 400), ((600, 64), 500)]
)
def test_index_add_along_dim_0_adds_in_pytorchs_order(shape, count, dtype):
    """Rows repeated a few times (a round per repeat) and very often (flat positions), 1-D
    self (flat positions)."""
    x, _, _ = _arrays(shape, shape, 0, dtype)
    rng = np.random.default_rng(4)
    rows = rng.integers(-shape[0], shape[0], count)  # repeats, negatives refused below
    rows = np.where(rows < 0, rows + shape[0], rows)
    src = _arrays((count, *shape[1:]), (count, *shape[1:]), 0, dtype, seed=5)[0]
    _equal(lambda x, i, s: x.index_add(0, i, s), x, rows, src)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize(
    "shape, count, alpha", [((40, 16), 300, 1), ((512, 64), 512, 0.5), ((50,), 400, 1)]
)
def test_index_add_in_place_adds_into_self_in_pytorchs_order(shape, count, alpha, dtype):
    """x.index_add_ with nothing recorded adds into x's own memory (a view of x sees it, the
    version goes up once): PyTorch's bits, as the functional op's."""
    alpha = 2 if alpha != 1 and np.dtype(dtype).kind != "f" else alpha
    x, _, _ = _arrays(shape, shape, 0, dtype)
    rows = np.random.default_rng(4).integers(0, shape[0], count)
    src = _arrays((count, *shape[1:]), (count, *shape[1:]), 0, dtype, seed=5)[0]
    mine, theirs = minigrad.tensor(x), torch.tensor(x)
    view, before = mine[1:], mine._version
    assert mine.index_add_(0, minigrad.tensor(rows), minigrad.tensor(src), alpha=alpha) is mine
    theirs.index_add_(0, torch.tensor(rows), torch.tensor(src), alpha=alpha)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    np.testing.assert_array_equal(view.numpy(), theirs.numpy()[1:])
    assert mine._version == before + 1
    functional = minigrad.tensor(x).index_add(
        0, minigrad.tensor(rows), minigrad.tensor(src), alpha=alpha
    )
    np.testing.assert_array_equal(functional.numpy(), theirs.numpy())


def test_index_add_in_place_of_itself_and_of_a_permuted_tensor_as_pytorch():
    """Where the rows cannot be added into self's memory as they are (source is self, self is
    not row-major: a reshape would copy it), the functional op's result is copied in:
    PyTorch's values."""
    x = np.random.default_rng(8).standard_normal((512, 512)).astype(np.float32)
    rows = np.random.default_rng(9).integers(0, 512, 512)  # repeats: several rounds
    for lib in (minigrad, torch):
        a, b = lib.tensor(x), lib.tensor(x.reshape(512, 16, 32)).permute(0, 2, 1)
        a.index_add_(0, lib.tensor(rows), a.clone() if lib is torch else a)
        b.index_add_(0, lib.tensor(rows), lib.tensor(x.reshape(512, 32, 16)))
        if lib is minigrad:
            mine = a.numpy(), b.numpy()
    np.testing.assert_array_equal(mine[0], a.numpy())
    np.testing.assert_array_equal(mine[1], b.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_index_put_accumulate_adds_in_pytorchs_order(dtype):
    """An index a dim (flat positions; negative ones wrap), rows, and a mask (add.at)."""
    x, _, _ = _arrays((30, 20), (30, 20), 0, dtype)
    rng = np.random.default_rng(6)
    i, j = rng.integers(-30, 3, 900), rng.integers(-20, 2, (1, 900))
    values = _arrays((1, 900), (1, 900), 0, dtype, seed=7)[0]
    rows, row_values = rng.integers(-30, 30, 200), _arrays((200, 20), (200, 20), 0, dtype)[0]
    for lib_index, v in (
        (lambda lib: (lib.tensor(i), lib.tensor(j)), values),
        (lambda lib: (lib.tensor(rows),), row_values),
        (lambda lib: (lib.tensor(i), lib.tensor(3)), values[0]),  # a 0-d index broadcast
        (lambda lib: (lib.tensor(x > 0),), np.asarray(2, dtype)),
    ):
        out = []
        for lib in (minigrad, torch):
            floating = np.dtype(dtype).kind == "f"
            tx, tv = lib.tensor(x, requires_grad=floating), lib.tensor(v, requires_grad=floating)
            y = tx.index_put(lib_index(lib), tv, accumulate=True)
            out.append([y.detach().numpy()])
            if floating:
                y.backward(lib.tensor(np.arange(600, dtype=dtype).reshape(30, 20)))
                out[-1] += [tx.grad.numpy(), tv.grad.numpy()]
        for a, b in zip(*out):
            np.testing.assert_array_equal(a, b)


def test_index_put_accumulate_refuses_an_index_out_of_range():
    x = minigrad.zeros(3, 4)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x.index_put_((minigrad.tensor([0, 1]), minigrad.tensor([1, 4])), minigrad.ones(2), True)
