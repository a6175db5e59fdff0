"""scatter, scatter_add and gather follow PyTorch's rules for index and src shapes: a 0-d
tensor counts as 1-d with one element (the datasets tutorial's `zeros(10).scatter_(0,
tensor(y), value=1)`), index may be smaller than self and src, and bad shapes, dtypes and
out-of-range indices raise PyTorch's errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import minigrad

# what both libraries compute, or refuse with the same exception type and message
CALLS = [
    "t.zeros(5).scatter_(0, t.tensor(2), 1.0)",
    "t.zeros(5).scatter_(0, t.tensor(2), value=1)",
    "t.zeros(5).scatter(0, t.tensor(2), t.tensor(7.0))",
    "t.zeros(5).scatter(0, t.tensor(2), t.tensor([7.0, 8.0]))",
    "t.zeros(5).scatter(0, t.tensor([2]), t.tensor(7.0))",
    "t.zeros(5).scatter(-1, t.tensor(2), 1.0)",
    "t.zeros(5).scatter(0, t.tensor([2, 3]), value=t.tensor(3.0))",
    "t.zeros(5).scatter_add(0, t.tensor(2), t.tensor(7.0))",
    "t.zeros(5).scatter_add(0, t.tensor(2), t.tensor([7.0, 8.0]))",
    "t.zeros(()).scatter(0, t.tensor(0), 1.0)",
    "t.zeros(()).scatter(0, t.tensor([0]), t.tensor([3.0]))",
    "t.zeros(()).scatter(0, t.tensor(0), t.tensor(3.0))",
    "t.zeros(2, 3).scatter(1, t.tensor([[2, 0, 1, 1]]), 1.0)",
    "t.zeros(2, 3).scatter(0, t.tensor([[1], [0], [1]]), 1.0)",
    "t.zeros(2, 3).scatter(1, t.tensor([[0], [1]], dtype=t.int32), 1.0)",
    "t.zeros(2, 3, dtype=t.int64).scatter(1, t.tensor([[0], [1]]), 2.5)",
    "t.zeros(2, 3).scatter(1, t.empty(0, dtype=t.int64), 1.0)",
    "t.zeros(2, 3).scatter(1, t.empty(0), t.ones(3, 3, 3))",
    "t.zeros(2, 3).scatter_add(1, t.tensor([[3, 0], [1, 1]]), t.arange(9.0).reshape(3, 3))",
    "t.arange(5.0).gather(0, t.tensor(2))",
    "t.arange(6.0).reshape(2, 3).gather(1, t.tensor([[0, 1, 2, 0]]))",
    # errors
    "t.zeros(2, 3).scatter(0, t.tensor(1), 1.0)",
    "t.zeros(5).scatter(0, t.tensor([[2]]), 1.0)",
    "t.zeros(5).scatter(0, t.tensor(2), t.ones(2, 2))",
    "t.zeros(5).scatter(0, t.tensor([2, 3]), t.tensor(3.0))",
    "t.zeros(2, 3).scatter(1, t.tensor([[0], [1]]), t.ones(1, 1))",
    "t.zeros(2, 3).scatter(1, t.tensor([[0], [1], [1]]), t.ones(3, 1))",
    "t.zeros(2, 3).scatter(1, t.tensor([[0], [1]]), t.tensor(2.0))",
    "t.zeros(2, 3).scatter(1, t.tensor([[0], [3]]), 1.0)",
    "t.zeros(2, 3).scatter(1, t.tensor([[0], [-1]]), 1.0)",
    "t.zeros(5).scatter(0, t.tensor(7), 1.0)",
    "t.zeros(()).scatter(0, t.tensor(1), 1.0)",
    "t.zeros(2, 3).scatter(2, t.tensor([[0], [1]]), 1.0)",
    "t.zeros(2, 3).scatter(1, t.tensor([[0.0], [1]]), 1.0)",
    "t.zeros(5).scatter(0, t.tensor(True), 1.0)",
    "t.zeros(2, 3).scatter(1, t.tensor([[0], [1]]), t.ones(2, 1, dtype=t.float64))",
    "t.zeros(5).scatter_(0, t.tensor(2), t.tensor(3.0, dtype=t.float64))",
    "t.zeros(2, 3).scatter_add(1, t.tensor([[0], [1]]), t.ones(2, 1, dtype=t.float64))",
    "t.zeros(2, 3).scatter_add(1, t.tensor([[0], [3]]), t.ones(2, 1))",
    "t.zeros(2, 3).scatter_add(0, t.tensor(1), t.ones(2, 1))",
    "t.zeros(2, 3).scatter_add(1, t.tensor([[0], [1]]), 1.0)",
    "t.zeros(5).scatter(0, t.tensor(2))",
    "t.zeros(5).scatter(0, t.tensor(2), 1.0, value=2.0)",
    "t.zeros(5).scatter(0, t.tensor(2), [1.0])",
    "t.zeros(2, 3).gather(0, t.tensor(1))",
    "t.zeros(2, 3).gather(1, t.tensor([[0], [1], [1]]))",
    "t.zeros(2, 3).gather(1, t.tensor([[0], [3]]))",
    "t.zeros(5).gather(0, t.tensor(-1))",
    "t.zeros(2, 3).gather(1, t.tensor([[0.0], [1]]))",
]


def _outcome(lib, call):
    try:
        return eval(call, {"t": lib})
    except Exception as exc:  # noqa: BLE001 - the exception is the result compared
        return exc


@pytest.mark.parametrize("call", CALLS)
def test_scatter_and_gather_as_pytorch(call):
    ours, theirs = _outcome(minigrad, call), _outcome(torch, call)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"{call}: {ours!r} instead of {theirs!r}"
        if isinstance(theirs, RuntimeError | IndexError):
            # PyTorch's words, after minigrad's `op:` or PyTorch's `op():` prefix
            words = re.sub(r"^\w+\(\): ", "", str(theirs).splitlines()[0])
            assert words in str(ours), f"{call}: {ours} does not say {words!r}"
        return
    assert not isinstance(ours, Exception), f"{call}: {ours!r}"
    assert ours.dtype == getattr(minigrad, str(theirs.dtype).split(".")[1])
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_one_hot_by_scatter_as_the_datasets_tutorial():
    def one_hot(lib, y):
        return lib.zeros(10, dtype=lib.float).scatter_(0, lib.tensor(y), value=1)

    for y in (0, 3, 9):
        np.testing.assert_array_equal(one_hot(minigrad, y).numpy(), one_hot(torch, y).numpy())


def test_scatter_into_a_tensor_records_src_and_keeps_its_version_count():
    def run(lib):
        src = lib.tensor(2.0, requires_grad=True)
        x = lib.zeros(5)
        view = x[1:]
        x.scatter_(0, lib.tensor(2), src)  # x needs no grad, src does: the write is recorded
        (x * lib.arange(5.0)).sum().backward()
        return x.requires_grad, x._version, view._version, src.grad.item(), x.tolist()

    assert run(minigrad) == run(torch)


def test_index_add_into_a_tensor_records_source():
    def run(lib):
        source = lib.ones(2, requires_grad=True)
        x = lib.zeros(3)
        x.index_add_(0, lib.tensor([0, 2]), source, alpha=2)
        (x * lib.arange(3.0)).sum().backward()
        return x.requires_grad, source.grad.tolist(), x.tolist()

    assert run(minigrad) == run(torch)


def test_value_is_a_number_even_as_a_tensor():
    """PyTorch takes `value=` as a number: a tensor there is read, not differentiated."""
    value = minigrad.tensor(3.0, requires_grad=True)
    out = minigrad.zeros(4).scatter(0, minigrad.tensor([1, 2]), value=value)
    assert out.tolist() == [0.0, 3.0, 3.0, 0.0] and not out.requires_grad


@pytest.mark.parametrize(
    "index, shape, exact",
    [
        (np.arange(-500, 100), (500, 64), True),  # rows -500..-1 and 0..99: 0 twice, etc.
        (np.random.default_rng(2).integers(-500, 500, (20, 30)), (500, 16, 4), True),
        (np.ones(300, np.int64), (4, 8), False),  # one row 300 times: sorted groups instead
    ],
)
def test_the_gradient_of_many_rows_adds_as_np_add_at(index, shape, exact):
    """x[idx] and embedding add many gradient rows back in rounds (one vectorised += per
    occurrence), the sums of np.add.at bit for bit, negative indices included; a row repeated
    too often for rounds is summed by groups, to float rounding."""
    g = np.random.default_rng(0).standard_normal(index.shape + shape[1:]).astype(np.float32)
    expected = np.zeros(shape, np.float32)
    np.add.at(expected, (index,), g)
    x = minigrad.zeros(shape, requires_grad=True)
    x[minigrad.tensor(index)].backward(minigrad.tensor(g))
    w = minigrad.zeros(shape, requires_grad=True)
    idx = minigrad.tensor(np.where(index < 0, index + shape[0], index))
    minigrad.nn.functional.embedding(idx, w).backward(minigrad.tensor(g))
    for got in (x.grad.numpy(), w.grad.numpy()):
        if exact:
            assert np.array_equal(got, expected)
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "program",
    [
        "F.embedding(idx, w)",
        "w[idx]",
        "w[idx - 50]",  # negative rows: -1 and 49 are one row
        "w[idx.reshape(20, 30)]",
    ],
)
def test_gradients_of_many_picked_rows_add_the_repeats(program, dtype):
    """600 rows picked from 50 (a language model's embedding gradient): each row's gradient is
    the sum of its picks' (minigrad adds them after a stable sort, not one by one)."""
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((50, 7)).astype(dtype)
    index = rng.integers(0, 50, 600)
    grads = []
    for t in (torch, minigrad):
        w = t.tensor(weight, requires_grad=True)
        out = eval(program, {"F": t.nn.functional, "w": w, "idx": t.tensor(index)})
        upstream = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(t.tensor(upstream))
        grads.append(w.grad.numpy())
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(grads[1], grads[0], rtol=tol, atol=tol)
