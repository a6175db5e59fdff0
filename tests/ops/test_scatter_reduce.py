"""scatter_reduce against PyTorch: values of every reduce with and without include_self, the
gradients where the op table's random inputs never go (ties of amax and amin, zeros of prod),
integer and bool dtypes, the in-place form, and PyTorch's errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import minigrad

REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def _grads(lib, reduce, include_self, x, src, index, dim=0, upstream=None):
    x = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    src = lib.tensor(src, dtype=lib.float64, requires_grad=True)
    y = x.scatter_reduce(dim, lib.tensor(index), src, reduce, include_self=include_self)
    w = lib.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)), dtype=lib.float64)
    gx, gsrc = lib.autograd.grad(y, (x, src), w if upstream is None else upstream)
    return y.detach().numpy(), gx.numpy(), gsrc.numpy(), y.grad_fn.name()


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize(
    "x, src, index",
    [
        # ties: self equals the maximum, two srcs equal it too; a place nothing is written to
        ([5.0, 1.0, 2.0], [5.0, 3.0, 5.0, 1.0], [0, 0, 0, 1]),
        ([3.0, 3.0], [3.0, 3.0, 3.0], [0, 1, 1]),
        # zeros: in self, a single zero in src, two zeros at one place
        ([0.0, 2.0, 4.0], [3.0, 4.0, 5.0, 6.0], [0, 0, 1, 1]),
        ([2.0, 2.0, 4.0], [0.0, 4.0, 0.0, 0.0], [0, 0, 1, 1]),
        ([0.0, 2.0, 4.0], [0.0, 4.0, 5.0, 0.0], [0, 0, 1, 2]),
    ],
)
def test_values_and_gradients_as_pytorch(reduce, include_self, x, src, index):
    ours = _grads(minigrad, reduce, include_self, x, src, index)
    theirs = _grads(torch, reduce, include_self, x, src, index)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert ours[3] == theirs[3] == "ScatterReduceBackward0"


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_along_a_middle_dim_with_a_smaller_index(reduce, include_self):
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (2, 5, 3)).astype(float)  # small integers: ties and zeros
    src = rng.integers(-3, 4, (2, 6, 3)).astype(float)
    index = rng.integers(0, 5, (2, 6, 2))  # narrower than self and src in the last dim
    src = src[..., :2]  # PyTorch's backward wants src of index's shape
    ours = _grads(minigrad, reduce, include_self, x, src, index, dim=1)
    theirs = _grads(torch, reduce, include_self, x, src, index, dim=1)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float16", "bool"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES + ["max", "min"])
def test_dtypes_as_pytorch(reduce, include_self, dtype):
    """An integer mean rounds down (-9 / 4 is -3); a bool sum is `or`, its mean an error."""
    x = np.array([5, 1, 2, 0]) if dtype != "bool" else np.array([1, 0, 0, 1])
    src = np.array([-4, 3, 6, 1, 2]) if dtype != "bool" else np.array([0, 1, 1, 0, 0])
    if dtype == "uint8":
        src = np.abs(src)
    index = [0, 0, 1, 1, 0]

    def run(lib):
        t = getattr(lib, dtype)
        a, b = lib.tensor(x.tolist(), dtype=t), lib.tensor(src.tolist(), dtype=t)
        try:
            return a.scatter_reduce(0, lib.tensor(index), b, reduce, include_self=include_self)
        except Exception as exc:  # noqa: BLE001 - the exception is the result compared
            return exc

    ours, theirs = run(minigrad), run(torch)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs)
        return
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_nan_wins_amax_and_amin_silently():
    for reduce in ("amax", "amin"):
        for include_self in (True, False):
            values = []
            for lib in (minigrad, torch):
                x = lib.tensor([1.0, 2.0])
                src = lib.tensor([float("nan"), 5.0, 0.0])
                out = x.scatter_reduce(
                    0, lib.tensor([0, 0, 1]), src, reduce, include_self=include_self
                )
                values.append(out.numpy())
            np.testing.assert_array_equal(*values)


def test_in_place_and_the_function_form():
    def run(lib):
        x = lib.tensor([[1.0, 4.0], [2.0, 0.5]], requires_grad=True)
        src = lib.tensor([[3.0, 4.0], [5.0, 1.0]], requires_grad=True)
        y = x * 1
        view = y[0]
        out = y.scatter_reduce_(1, lib.tensor([[1, 1], [0, 0]]), src, "amax", include_self=False)
        z = lib.scatter_reduce(x, 0, lib.tensor([[1, 0]]), src[:1], reduce="prod")
        (out.sum() + (z * z).sum()).backward()
        return out is y, view.tolist(), y.tolist(), z.tolist(), x.grad.tolist(), src.grad.tolist()

    assert run(minigrad) == run(torch)


def test_an_empty_index_changes_nothing():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0])
        out = x.scatter_reduce(0, lib.tensor([], dtype=lib.int64), lib.ones(3), "amax")
        assert out.tolist() == [1.0, 2.0]


ERRORS = [
    "x.scatter_reduce(0, i, s, 'foo')",
    "x.scatter_reduce(0, i, s, 'add')",
    "x.scatter_reduce(0, i, 2.0, 'sum')",
    "x.scatter_reduce(0, i, s.double(), 'sum')",
    "x.scatter_reduce(0, i.float(), s, 'sum')",
    "x.scatter_reduce(1, i, s, 'sum')",
    "x.scatter_reduce(0, i + 3, s, 'amax')",
    "x.scatter_reduce(0, i - 4, s, 'amax')",
    "t.zeros(2, 3).scatter_reduce(1, t.tensor([[0], [1], [2]]), t.ones(3, 1), 'sum')",
    "t.zeros(2, 3).scatter_reduce(1, t.tensor([0, 1]), t.ones(2), 'mean')",
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_as_pytorch(call):
    def outcome(lib):
        env = {
            "t": lib,
            "x": lib.tensor([5.0, 1.0, 2.0]),
            "s": lib.tensor([5.0, 3.0, 5.0, 1.0]),
            "i": lib.tensor([0, 0, 0, 1]),
        }
        try:
            eval(call, env)
        except Exception as exc:  # noqa: BLE001 - the exception is the result compared
            return exc
        raise AssertionError(f"{call} did not raise")

    ours, theirs = outcome(minigrad), outcome(torch)
    assert type(ours) is type(theirs), f"{call}: {ours!r} instead of {theirs!r}"
    if isinstance(theirs, RuntimeError):
        words = re.sub(r"^\w+\(\): ", "", str(theirs).splitlines()[0])
        assert words in str(ours), f"{call}: {ours} does not say {words!r}"
