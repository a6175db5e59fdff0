"""LU (minigrad/ops/lu.py) against PyTorch over drawn shapes: lu_factor's LU and pivots, lu's
P, L and U, their gradients, lu_solve in its four forms with broadcast batches, and
PyTorch's errors. The op table (tests/ops/op_table.py, LU) runs gradcheck and second
derivatives on fixed rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.testing import assert_close, gradcheck

_shapes = st.tuples(
    st.lists(st.integers(1, 3), max_size=2), st.integers(1, 5), st.integers(1, 5)
).map(lambda t: (*t[0], t[1], t[2]))


def _pair(a):
    return minigrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@settings(max_examples=30, deadline=None)
@given(shape=_shapes, seed=st.integers(0, 2**16))
def test_lu_factor_and_lu_match_torch_with_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    x, t = _pair(a)
    lu, pivots = minigrad.linalg.lu_factor(x)
    tlu, tpivots = torch.linalg.lu_factor(t)
    assert pivots.dtype == minigrad.int32
    np.testing.assert_array_equal(pivots.numpy(), tpivots.numpy())
    assert_close(lu, tlu, rtol=1e-7, atol=1e-10)
    g = rng.standard_normal(shape)
    lu.backward(minigrad.tensor(g))
    tlu.backward(torch.tensor(g))
    assert_close(x.grad, t.grad, rtol=1e-6, atol=1e-8)

    x, t = _pair(a)
    ours, theirs = minigrad.linalg.lu(x), torch.linalg.lu(t)
    weights = [rng.standard_normal(tuple(r.shape)) for r in theirs]
    for mine, other in zip(ours, theirs):
        assert_close(mine, other, rtol=1e-7, atol=1e-10)
    sum((r * minigrad.tensor(w)).sum() for r, w in zip(ours[1:], weights[1:])).backward()
    sum((r * torch.tensor(w)).sum() for r, w in zip(theirs[1:], weights[1:])).backward()
    assert_close(x.grad, t.grad, rtol=1e-6, atol=1e-8)
    assert_close(ours.P @ ours.L @ ours.U, x, rtol=1e-10, atol=1e-10)


@settings(max_examples=10, deadline=None)
@given(shape=_shapes, seed=st.integers(0, 2**16))
def test_lu_gradcheck(shape, seed):
    a = np.random.default_rng(seed).uniform(-1, 1, shape) + 3 * np.eye(*shape[-2:])
    x = minigrad.tensor(a, requires_grad=True)
    assert gradcheck(lambda v: minigrad.linalg.lu(v)[1:], (x,))


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    k=st.integers(1, 3),
    batches=st.tuples(
        st.lists(st.integers(1, 3), max_size=2), st.lists(st.integers(1, 3), max_size=2)
    ),
    left=st.booleans(),
    adjoint=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_lu_solve_matches_torch(n, k, batches, left, adjoint, seed):
    a_batch, b_batch = batches
    if len(a_batch) == len(b_batch):  # make them broadcast: ones where they differ
        b_batch = [s if s == r else 1 for s, r in zip(b_batch, a_batch)]
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((*a_batch, n, n)) + 3 * np.eye(n)
    b = rng.standard_normal((*b_batch, n, k) if left else (*b_batch, k, n))
    results = []
    for lib in (minigrad, torch):
        lu, pivots = lib.linalg.lu_factor(lib.tensor(a))
        lu.requires_grad_()
        rhs = lib.tensor(b, requires_grad=True)
        out = lib.linalg.lu_solve(lu, pivots, rhs, left=left, adjoint=adjoint)
        out.backward(lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape))))
        results.append((out, lu.grad, rhs.grad))
    for mine, theirs in zip(*results):
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert_close(mine, theirs, rtol=1e-7, atol=1e-10)


def test_lu_unpack_flags_and_out():
    lu, pivots = minigrad.linalg.lu_factor(minigrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]))
    P, L, U = minigrad.lu_unpack(lu, pivots, unpack_data=False)
    assert P.shape == (3, 3) and L.shape == (0,) and U.shape == (0,)
    P, L, U = minigrad.lu_unpack(lu, pivots, unpack_pivots=False)
    assert P.shape == (0,) and L.shape == (3, 2) and U.shape == (2, 2)
    out = (minigrad.empty(0), minigrad.empty(0, dtype=minigrad.int32))
    result = minigrad.linalg.lu_factor(minigrad.eye(3) * 2, out=out)
    assert result.LU is out[0] and result.pivots is out[1]


def test_singular_matrices():
    """lu_factor refuses one, naming the zero of U (1-based) and the batch element, as
    PyTorch; lu factors it."""
    a = [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]]
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match=r"\(Batch element 1\): U\[2,2\] is zero"):
            lib.linalg.lu_factor(lib.tensor(a))
    P, L, U = minigrad.linalg.lu(minigrad.tensor(a))
    for mine, theirs in zip((P, L, U), torch.linalg.lu(torch.tensor(a))):
        assert_close(mine, theirs, rtol=0, atol=0)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.linalg.lu_factor(t.ones(3)),
        lambda t: t.linalg.lu_factor(t.ones(3, 3, dtype=t.int64)),
        lambda t: t.linalg.lu_factor(t.ones(3, 3).half()),
        lambda t: t.linalg.lu_factor(t.eye(3), pivot=False),
        lambda t: t.linalg.lu(t.eye(3), pivot=False),
        lambda t: t.linalg.lu(t.ones(3, 3, dtype=t.int64)),
        lambda t: t.lu_unpack(*t.linalg.lu_factor(t.eye(3)))[0] @ t.ones(4),
        lambda t: t.lu_unpack(t.linalg.lu_factor(t.eye(3))[0], t.ones(3, dtype=t.int64)),
        lambda t: t.lu_unpack(t.linalg.lu_factor(t.eye(3))[0], t.full((3,), 5, dtype=t.int32)),
        lambda t: t.linalg.lu_solve(*t.linalg.lu_factor(t.eye(3)), t.ones(3)),
        lambda t: t.linalg.lu_solve(*t.linalg.lu_factor(t.eye(3)), t.ones(4, 2)),
        lambda t: t.linalg.lu_solve(*t.linalg.lu_factor(t.eye(3)), t.ones(2, 4), left=False),
        lambda t: t.linalg.lu_solve(t.ones(4, 3), t.ones(3, dtype=t.int32), t.ones(4, 2)),
        lambda t: t.linalg.lu_solve(*t.linalg.lu_factor(t.eye(3)), t.ones(3, 2).double()),
        lambda t: t.linalg.lu_solve(
            t.linalg.lu_factor(t.eye(3))[0], t.ones(3, dtype=t.int64), t.ones(3, 2)
        ),
        lambda t: t.linalg.lu_solve(t.eye(3), t.ones(2, dtype=t.int32), t.ones(3, 2)),
        lambda t: t.linalg.lu_solve(
            t.eye(3, dtype=t.int32), t.ones(3, dtype=t.int32), t.ones(3, 2, dtype=t.int32)
        ),
    ],
)
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(minigrad)


def test_empty_matrices_as_torch():
    for shape in [(0, 0), (2, 0, 3), (3, 0)]:
        lu, pivots = minigrad.linalg.lu_factor(minigrad.ones(shape))
        tlu, tpivots = torch.linalg.lu_factor(torch.ones(shape))
        assert tuple(lu.shape) == tuple(tlu.shape)
        assert tuple(pivots.shape) == tuple(tpivots.shape)
