"""Tensor: creation, dtypes and promotion, attributes, conversions, in-place methods and repr,
each expression evaluated with `t = minigrad` and `t = torch` and compared."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad.testing import assert_close

# expressions whose result (values, dtype, shape) must match PyTorch's
SAME_AS_TORCH = [
    # creation and dtype inference
    "t.tensor([1, 2])",
    "t.tensor([1.0, 2])",
    "t.tensor(2)",
    "t.tensor(True)",
    "t.tensor([[1, 2], [3, 4]], dtype=t.float64)",
    "t.tensor(np.array([1, 2], dtype=np.int32))",
    "t.tensor(np.array([1.5], dtype=np.float64))",
    "t.as_tensor([1.5, 2.5])",
    "t.from_numpy(np.arange(3))",
    "t.zeros(2, 3)",
    "t.zeros((2, 3), dtype=t.int64)",
    "t.ones(2, dtype=t.bool)",
    "t.full((2,), 3)",
    "t.full((2,), 3.0)",
    "t.full((2,), True)",
    "t.arange(5)",
    "t.arange(1, 4)",
    "t.arange(0, 1, 0.25)",
    "t.arange(5.0)",
    "t.arange(0, 10, 3)",
    "t.arange(10, 0, -3)",
    "t.arange(5, 0)",
    "t.arange(0, 5, -1.5)",
    "t.arange(3, 3)",
    "t.arange(2, dtype=t.float64)",
    "t.linspace(0, 1, 5)",
    "t.eye(3)",
    "t.eye(2, 3)",
    "t.zeros_like(t.tensor([1, 2]))",
    "t.ones_like(t.tensor([1.0, 2.0]), dtype=t.float64)",
    "t.full_like(t.tensor([1, 2]), 7)",
    "t.empty(2, 3).shape",
    "t.ones(2, 3).new_zeros(2)",
    "t.ones(2, 3).new_tensor([1, 2])",
    "t.rand(2, 3).shape",
    "t.randn(4).dtype",
    "t.randint(0, 5, (3,)).dtype",
    "t.randperm(5).sum()",
    "t.Tensor([[1, 2]])",
    "t.Tensor().shape",
    "t.Tensor(2, 3).shape",
    "t.Tensor(t.Size([2, 3])).shape",
    "t.Tensor((2, 3))",
    # promotion
    "t.tensor([1, 2]) / 2",
    "t.tensor([1, 2]) * 2.5",
    "t.tensor([1, 2]) + t.tensor(2.5)",
    "t.tensor([1, 2], dtype=t.int32) + t.tensor([1, 2])",
    "t.tensor([1, 2], dtype=t.int32) + 1",
    "t.tensor([1.0], dtype=t.float64) + t.tensor(1.0)",
    "t.tensor([1.0]) + t.tensor(1.0, dtype=t.float64)",
    "t.tensor([1, 2], dtype=t.uint8) + t.tensor([1], dtype=t.int8)",
    "t.tensor([True]) + 1",
    "t.tensor([True]) + t.tensor([True])",
    "t.tensor([1, 2]) // 2",
    "t.tensor([-3, 3]) % 2",
    "t.tensor([-3.5, 3.5]) % 2",
    "t.tensor([1.5, 2.5]) // 1",
    "t.tensor([1.0, -2.0]) // 0",
    "t.tensor([7.0, -7.0]) % 0",
    "t.tensor([-7, 7]).div(2, rounding_mode='trunc')",
    "t.tensor([-7, 7]).div(2, rounding_mode='floor')",
    "t.tensor([1, 2]) ** 2",
    "t.tensor([1, 2]) ** 0.5",
    "2 ** t.tensor([1, 2])",
    "t.tensor(3) * t.tensor([1.5])",
    "t.tensor([1, 2]) == t.tensor([1.0, 3.0])",
    "t.tensor([1, 2]).clamp(0, 1.5)",
    "t.maximum(t.tensor([1, 2]), t.tensor([1.5, 0]))",
    "t.where(t.tensor([True, False]), 1, 0)",
    "t.where(t.tensor([True, False]), 1.0, 0)",
    "t.where(t.tensor([True, False]), t.tensor([1, 2]), 0.5)",
    "t.cat([t.tensor([1]), t.tensor([1.5])])",
    "t.promote_types(t.int32, t.float16)",
    "t.promote_types(t.uint8, t.int8)",
    # reductions and integer dtypes
    "t.tensor([1, 2]).sum()",
    "t.tensor([True, False]).sum()",
    "t.tensor([1, 2]).cumsum(0)",
    "t.tensor([1, 2]).prod()",
    "t.tensor([3, 1]).max()",
    "t.tensor([[1.0, 2], [3, 4]]).max(1).indices",
    "t.tensor([[1.0, 5], [3, 4]]).min(0)[0]",
    "t.tensor([[0.1, 0.9]]).argmax(dim=1)",
    "t.tensor([[0.1, 0.9], [2, 1]]).argmin()",
    "t.tensor([[0.1, 0.9], [2, 1]]).argmax(1, keepdim=True)",
    "t.tensor([1.0, 2.0]).mean(dtype=t.float64)",
    "t.tensor([[1, 2], [3, 4]]).sum(dim=0, keepdim=True)",
    "t.tensor([[1.0, 2.0]]).any()",
    "t.tensor([0.0, 2.0]).all()",
    "t.tensor([[0, 2], [1, 1]]).all(1)",
    "t.count_nonzero(t.tensor([0, 2, 3]))",
    "t.arange(6.0).reshape(2, 3).sum(axis=0)",
    "t.arange(6.0).reshape(2, 3).max(axis=1)",
    "t.arange(6.0).reshape(2, 3).std(axis=1, keepdim=True)",
    "t.arange(6.0).reshape(2, 3).softmax(axis=0)",
    "t.ones(2, 1).squeeze(axis=1).shape",
    "t.arange(6.0).reshape(2, 3).sum(axis=1, keepdims=True)",
    "t.sum(t.arange(6.0).reshape(2, 3), axis=0)",
    "t.mean(t.arange(6.0).reshape(2, 3), axis=1, keepdims=True)",
    "t.cumprod(t.arange(1.0, 7.0).reshape(2, 3), axis=0)",
    "t.arange(6.0).reshape(2, 3).cumsum(axis=1)",
    "t.cat([t.ones(2, 1), t.zeros(2, 2)], axis=1)",
    "t.stack([t.ones(2), t.zeros(2)], axis=1)",
    "t.max(t.tensor([[1.0, 5], [3, 4]]), axis=0)",
    "t.argmax(t.tensor([[1.0, 5], [3, 4]]), axis=1, keepdims=True)",
    "t.softmax(t.arange(6.0).reshape(2, 3), axis=1)",
    "t.tensor([[3.0, 1.0], [0.5, 2.0]]).sort(axis=0)",
    "t.gather(t.tensor([[1, 2], [3, 4]]), axis=1, index=t.tensor([[0], [1]]))",
    "t.arange(6).reshape(2, 3).index_select(axis=1, index=t.tensor([2, 0]))",
    "t.tensor([[4.0, 1.0, 3.0]]).topk(2, axis=1)",
    "t.tensor([3, 1, 2, 1]).sort()",
    "t.tensor([[3.0, 1.0], [0.5, 2.0]]).sort(0, descending=True)",
    "t.tensor([3, 1, 2, 1], dtype=t.uint8).sort(descending=True).indices",
    "t.tensor([True, False, True]).argsort(descending=True)",
    "t.tensor([[3, 1], [0, 5]]).topk(1, dim=0)",
    "t.tensor([4.0, 1.0, 3.0]).topk(2, largest=False)",
    "t.tensor([4.0, 1.0]).topk(3)",
    "t.tensor([1.0, float('nan'), 3.0, 0.0]).sort(descending=True)",  # nan first, as the largest
    "t.tensor([[1.0, float('nan'), 3.0], [2.0, 0.0, 5.0]]).topk(2)",
    "t.arange(60.0).reshape(3, 4, 5).sin().topk(2, dim=1)",
    "t.arange(60.0).reshape(3, 4, 5).cos().topk(3, dim=2, largest=False)",
    "t.argsort(t.tensor([[0.3, 0.1, 0.2]]), dim=1)",
    "t.tensor([1.0, 2.0, 4.0]).var(unbiased=False)",
    "t.tensor([[1.0, 2.0], [3, 5]]).std(0, keepdim=True)",
    "t.tensor([[1.0, 2.0], [3, 5]]).norm(dim=1, keepdim=True)",
    "t.tensor([[1.0, 2.0], [3, 5]]).logsumexp(0)",
    # unary and integer inputs
    "t.tensor([1, -2]).abs()",
    "t.tensor([1, 2]).exp()",
    "t.tensor([1, 2]).sqrt()",
    "t.tensor([1, 2]).sigmoid()",
    "t.tensor([1, -2]).relu()",
    "t.tensor([1, -2]).neg()",
    "t.sign(t.tensor([1, -2, 0]))",
    "t.tensor([-1.5, 0.5, 2.5]).round()",
    "t.tensor([1.0, float('nan')]).isnan()",
    "t.tensor([1.0, float('inf')]).isfinite()",
    "~t.tensor([True, False])",
    "t.tensor([True, False]) & t.tensor([True, True])",
    "t.tensor([True, False]) | t.tensor([False, False])",
    # shapes
    "t.ones(2, 3).size()",
    "t.ones(2, 3).size(1)",
    "t.ones(2, 3).shape",
    "t.ones(2, 3).dim()",
    "t.ones(2, 3).ndim",
    "t.ones(2, 3).numel()",
    "t.ones(2, 3).view(-1).shape",
    "t.ones(1, 2, 1).squeeze((0, 2)).shape",
    "t.tensor(5).reshape(1)",
    "t.tensor([1, 2, 3]).float().unsqueeze(0).repeat(2, 1)",
    "t.tensor([1, 2, 3]).flip(0)",
    "t.tensor([[1, 2], [3, 4]]).tril()",
    "t.tensor([[1, 2], [3, 4]]).triu(1)",
    "t.tensor([1.0, 2.0, 3.0, 4.0]).split(3)",
    "t.tensor([1.0, 2.0, 3.0, 4.0]).chunk(3)",
    "t.tensor([[1, 2], [3, 4]]).unbind(1)",
    "t.stack([t.tensor([1]), t.tensor([2])], 1)",
    "t.tensor([[1, 2]]) @ t.tensor([[1], [2]])",
    "t.tensor([[1, 2], [3, 4]])[t.tensor([True, False])]",
    "t.tensor([[1, 2], [3, 4]])[:, [1, 0, 1]]",
    "t.tensor([[1, 2], [3, 4]])[..., None].shape",
    "t.tensor([[1, 2], [3, 4]]).gather(0, t.tensor([[1, 0]]))",
    "t.tensor([0, 2, 1]).tolist()",
    "t.nonzero(t.tensor([[0, 1], [2, 0]]))",
    "t.tensor([0.0, 1.5, 0.0, 2.0]).nonzero(as_tuple=True)",
    "t.arange(12).reshape(3, 4).diagonal(-1)",
    "t.arange(12).reshape(3, 4).roll(1)",
    "t.arange(12).reshape(3, 4).narrow(0, 1, 2)",
    "t.trace(t.arange(9).reshape(3, 3))",
    "t.diag(t.tensor([1, 2]))",
    # conversions
    "t.tensor([1.7, -2.7]).long()",
    "t.tensor([1.7, 0]).bool()",
    "t.tensor([1, 2]).double()",
    "t.tensor([1.0]).type(t.int64)",
    "t.tensor([1.0, 2.0]).to(t.float64).dtype",
    "t.tensor([1.0, 2.0]).to('cpu', t.int64)",
    "t.tensor([1.0]).to(t.tensor([1], dtype=t.int32))",
    "t.tensor([1, 2]).float().is_floating_point()",
    "t.tensor(2.5).item()",
    "t.tensor([[1, 2]]).tolist()",
    "int(t.tensor(3.7))",
    "float(t.tensor([2]))",
    "len(t.ones(4, 2))",
    "[x.tolist() for x in t.tensor([[1, 2], [3, 4]])]",
    "format(t.tensor(1.23456), '.2f')",
    "t.ones(2, 2).fill_(3)",
    "t.ones(2, 2).zero_()",
    "t.ones(2, 2).copy_(t.tensor([1, 2]))",
    "t.full((2,), float('nan')).copy_(t.ones(2))",
    "t.zeros(2, dtype=t.int64).copy_(t.tensor([1.7, -2.2]))",
    "t.zeros(2, 3).copy_(t.ones(3, 2))",
    "t.tensor([1.0, 2.0]).masked_fill(t.tensor([True, False]), 0)",
    "t.ones(3).clone()",
    "t.tensor([1.0, 2.0]).requires_grad_().detach().requires_grad",
    "t.tensor([1.0], requires_grad=True).is_leaf",
    "t.is_tensor(t.ones(1))",
    "t.get_default_dtype()",
    "[t.inf, t.pi, t.e]",
    "[t.finfo(t.float32).eps, t.finfo().max, t.finfo(t.float64).tiny, t.finfo(t.float16).bits]",
    "[t.iinfo(t.int64).max, t.iinfo(t.uint8).min, t.iinfo(t.int32).bits]",
    "t.meshgrid(t.arange(3), t.arange(2), indexing='ij')",
    "t.meshgrid([t.arange(3), t.arange(2), t.arange(4)], indexing='xy')[2].shape",
    "t.linalg.norm(t.tensor([[3.0, 4.0]]), dim=1)",
    "t.linalg.norm(t.tensor([[3.0, 4.0]]), ord='fro')",
    # in-place arithmetic: values, dtype, and the errors of casts and broadcasts
    "t.arange(6.0).reshape(2, 3).add_(t.tensor([1.0, 2.0, 3.0]))",
    "t.arange(3.0).sub_(t.tensor(0.5))",
    "t.arange(3.0).mul_(2)",
    "t.arange(3, dtype=t.int32).add_(7)",
    "t.arange(3, dtype=t.int32).mul_(t.tensor([2, 3, 4], dtype=t.int32))",
    "t.ones(3, dtype=t.float16).mul_(1.7)",
    "t.ones(3).add_(t.tensor([1, 2, 3]))",
    "t.ones(3).add_(t.ones(3, dtype=t.float64) / 3)",
    "t.ones(3).add_(t.ones(3), alpha=2)",
    "t.arange(3).add_(2.5)",
    "t.arange(3).mul_(t.tensor([0.5, 1.0, 2.0]))",
    "t.ones(2, dtype=t.bool).add_(1)",
    "t.ones(3).add_(t.ones(2, 3))",
    "t.ones(3).mul_(t.ones(1, 3))",
    "(lambda x: (x.__iadd__(1), x.__isub__(0.5), x.__imul__(4))[-1])(t.ones(2))",
    "(lambda x: (x[1:].mul_(3), x)[1])(t.ones(3))",
    # PyTorch 0.3-era names (the lecture's code)
    "t.FloatTensor([1, 2])",
    "t.LongTensor([1.7, 2])",
    "t.ByteTensor(2, 3).shape",
    "isinstance(t.ones(1), t.FloatTensor)",
    "isinstance(t.ones(1), t.LongTensor)",
    "t.ones(2).type(t.DoubleTensor)",
    "t.ones(2).type()",
    "t.ones(2, dtype=t.int64).type()",
    "t.ones(2).type('torch.LongTensor')",
    "t.autograd.Variable(t.ones(2), requires_grad=True).requires_grad",
    "isinstance(t.ones(2), t.autograd.Variable)",
]


def _evaluate(lib, expr):
    try:
        return eval(expr, {"t": lib, "np": np})
    except Exception as exc:  # the same kind of failure counts as a match
        return type(exc).__name__


def _assert_same(mine, theirs, expr):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, minigrad.Tensor), f"{expr}: {mine!r}"
        assert str(mine.dtype) == str(theirs.dtype).replace("torch", "minigrad"), expr
        assert_close(mine, theirs, msg=expr)
    elif isinstance(theirs, (tuple, list)) and not isinstance(theirs, torch.Size):
        assert len(mine) == len(theirs), expr
        for m, p in zip(mine, theirs):
            _assert_same(m, p, expr)
    else:
        assert str(mine) == str(theirs).replace("torch", "minigrad"), expr


@pytest.mark.parametrize("expr", SAME_AS_TORCH)
def test_same_as_torch(expr):
    _assert_same(_evaluate(minigrad, expr), _evaluate(torch, expr), expr)


REPRS = [
    "t.tensor([1.5, 2.0])",
    "t.tensor([1, 2, 3])",
    "t.tensor(3.0)",
    "t.tensor(-0.5)",
    "t.tensor(True)",
    "t.tensor([True, False])",
    "t.tensor([[1.0, -2.0], [3.25, 4.0]])",
    "t.tensor([1e-5, 1.0])",
    "t.tensor([1e9, 1.0])",
    "t.tensor([1.123456789, 100.5])",
    "t.tensor([0.1, 0.2], dtype=t.float64)",
    "t.zeros(2, 3, dtype=t.int32)",
    "t.ones(2, dtype=t.float16)",
    "t.tensor([1.0, 2.0], requires_grad=True)",
    "t.arange(12.0).reshape(3, 4)",
    "t.tensor([])",
    "t.zeros(2, 0)",
    "t.tensor([float('nan'), float('inf'), 1.0])",
    "t.tensor([[1, 2], [3, 40000]])",
    "t.tensor([1.0, 2.0], requires_grad=True) * 2",
    "t.tensor([1.0, 2.0], requires_grad=True).sum()",
    "t.tensor([[1.0, 5], [3, 4]]).max(1)",
    "t.ones(2, 3).shape",
    "t.arange(30.0).reshape(3, 10) / 7 - 2",
    "t.arange(20.0).reshape(1, 20) / 3",
    "t.arange(2000)",
    "t.arange(2000.0) * 1.5",
    "t.arange(1600.0).reshape(40, 40) / 3",
    "t.arange(1331.0).reshape(11, 11, 11)",
    "(t.arange(60).reshape(4, 15) % 7) > 3",
    "t.arange(120).reshape(4, 30) * 1000 - 50000",
    "t.tensor([float('nan'), float('inf'), -float('inf'), 1.5])",
]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_as_torch(expr):
    assert repr(_evaluate(minigrad, expr)) == repr(_evaluate(torch, expr)).replace(
        "torch", "minigrad"
    )


FORMATTED = [
    "t.tensor(2.5, requires_grad=True) * 2",  # f"loss: {loss}": the number, no grad_fn
    "t.tensor(3)",
    "t.tensor(True)",
    "t.tensor(0.1, dtype=t.float16)",
    "t.ones(2)",
    "t.nn.Parameter(t.tensor(1.0))",  # not a plain Tensor: printed as str() prints it
]


@pytest.mark.parametrize("expr", FORMATTED)
@pytest.mark.parametrize("spec", ["", ".2f"])
def test_format_as_torch(expr, spec):
    def formatted(lib):
        try:
            return format(_evaluate(lib, expr), spec).replace(lib.__name__, "T")
        except TypeError as error:
            return str(error)

    assert formatted(minigrad) == formatted(torch)


def test_numpy_and_from_numpy_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = minigrad.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    t.numpy()[1] = 7
    assert a[1] == 7
    with pytest.raises(RuntimeError, match="detach"):
        minigrad.ones(2, requires_grad=True).numpy()


def test_tensor_copies_its_data():
    a = np.zeros(3)
    t = minigrad.tensor(a)
    a[0] = 1
    assert t[0].item() == 0


def test_data_is_a_detached_view():
    w = minigrad.ones(2, requires_grad=True)
    d = w.data
    assert not d.requires_grad and d.is_leaf
    d.mul_(3)
    assert w.tolist() == [3.0, 3.0]
    w.data = minigrad.zeros(2)
    assert w.tolist() == [0.0, 0.0] and w.requires_grad


def test_setitem_under_no_grad_and_errors():
    x = minigrad.zeros(2, 3)
    x[0, 1:] = 1.0
    x[1] = minigrad.tensor([4.0, 5.0, 6.0])
    x[x > 4] = -1.0
    assert x.tolist() == [[0, 1, 1], [4, -1, -1]]
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[5] = 1.0


def test_deepcopy_keeps_values_and_flags():
    w = minigrad.ones(2, requires_grad=True)
    c = copy.deepcopy(w)
    assert c.requires_grad and c.tolist() == [1.0, 1.0] and c.array is not w.array


def test_set_default_dtype():
    minigrad.set_default_dtype(minigrad.float64)
    try:
        assert minigrad.tensor([1.0]).dtype is minigrad.float64
        assert minigrad.ones(1).dtype is minigrad.float64
    finally:
        minigrad.set_default_dtype(minigrad.float32)
    with pytest.raises(TypeError):
        minigrad.set_default_dtype(minigrad.int64)


def test_manual_seed_repeats_random_numbers():
    minigrad.manual_seed(3)
    a = minigrad.randn(4)
    minigrad.manual_seed(3)
    assert minigrad.randn(4).tolist() == a.tolist()
    g = minigrad.Generator().manual_seed(1)
    assert minigrad.rand(2, generator=g).shape == (2,)


def test_pickle_keeps_values_dtype_and_requires_grad_as_torch():
    import pickle

    def program(lib):
        w = lib.tensor([1.5, -2.0], dtype=lib.float64, requires_grad=True)
        (w * 2).sum().backward()
        back, computed = pickle.loads(pickle.dumps((w, w * 2)))
        ints = pickle.loads(pickle.dumps(lib.arange(3)))
        return [
            back.tolist(),
            str(back.dtype),
            back.requires_grad,
            back.grad,
            back.is_leaf,
            computed.requires_grad,
            computed.is_leaf,
            ints.tolist(),
            str(ints.dtype),
        ]

    mine, theirs = program(minigrad), program(torch)
    assert mine == [str(v).replace("torch", "minigrad") if "torch" in str(v) else v for v in theirs]


def test_pickled_and_copied_devices_are_the_interned_objects():
    import copy
    import pickle

    cpu = minigrad.device("cpu")
    for dev in (cpu, minigrad.device("cuda:1")):
        assert pickle.loads(pickle.dumps(dev)) is dev
        assert copy.deepcopy(dev) is dev and copy.copy(dev) is dev
    assert (cpu.type, cpu.index, cpu.xp) == ("cpu", None, np)  # not overwritten by cuda:1
    assert pickle.loads(pickle.dumps(torch.device("cuda:1"))) == torch.device("cuda:1")


def test_a_device_equals_devices_and_never_its_name_as_pytorchs():
    """`if x.device == "cpu":` takes PyTorch's branch: a torch.device is never equal to a
    string, only to a device (the same one, however it was spelled)."""

    def program(lib):
        cpu = lib.device("cpu")
        cuda = lib.device("cuda", 0)
        return [
            cpu == "cpu",
            cpu != "cpu",
            "cpu" == cpu,  # noqa: SIM300 (the reflected comparison is tested)
            cuda == lib.device("cuda:0"),
            cuda == "cuda:0",
            cpu == cuda,
            cpu in ("cpu", None),
            cpu in {lib.device("cpu")},
            lib.ones(1).device == "cpu",
            str(lib.ones(1).device) == "cpu",
        ]

    assert program(minigrad) == program(torch)
    shared = np.zeros(2)
    for device in ("cpu", minigrad.device("cpu"), "cpu:0"):  # from_numpy's memory, as PyTorch
        minigrad.as_tensor(shared, device=device)[0] = 1.0
        assert shared[0] == 1.0
        shared[0] = 0.0


def test_unique_and_bincount_match_torch():
    def program(lib):
        x = lib.tensor([[3, 1, 3], [2, 1, 1]])
        values, inverse, counts = lib.unique(x, return_inverse=True, return_counts=True)
        w = lib.tensor([0.5, 1.0, 2.0, 0.25], dtype=lib.float32)
        n = lib.tensor([0, 3, 3, 1])
        out = [values, inverse, counts, x.unique(), lib.bincount(n), n.bincount(w, minlength=6)]
        return [(t.tolist(), str(t.dtype).split(".")[1]) for t in out]

    assert program(minigrad) == program(torch)
    with pytest.raises(RuntimeError, match="bincount"):
        minigrad.bincount(minigrad.tensor([1, -1]))


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.bincount(t.tensor([1.0, 2.0])),  # predictions as floats: a common slip
        lambda t: t.bincount(t.tensor([[1.0]], dtype=t.float64)),
        lambda t: t.bincount(t.tensor([True, False])),
        lambda t: t.tensor([1, 2]).mean(),
        lambda t: t.tensor([True]).mean(),
        lambda t: t.tensor([1], dtype=t.int32).mean(),
    ],
)
def test_bincount_and_mean_of_the_wrong_dtype_raise_pytorchs_error(make):
    """A float or bool input to bincount: NotImplementedError naming the kernel and dtype
    ('Float'), before the 1-D check, as PyTorch's; mean of ints names PyTorch's dtype
    ('Long', 'Bool', 'Int')."""
    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(type(theirs.value)) as ours:
        make(minigrad)
    assert str(ours.value) == str(theirs.value)


def test_multinomial_draws_follow_the_weights():
    p = minigrad.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 0.0, 2.0]])
    draws = minigrad.multinomial(p, 4000, replacement=True)
    assert draws.shape == (2, 4000) and draws.dtype == minigrad.int64
    freq = np.stack([np.bincount(row, minlength=4) / 4000 for row in draws.numpy()])
    np.testing.assert_allclose(freq, [[0.1, 0, 0.6, 0.3], [0.25, 0.25, 0, 0.5]], atol=0.03)
    once = p.multinomial(2)  # without replacement: distinct classes with weight
    (a, b), (c, d) = once.tolist()
    assert a != b and 1 not in (a, b) and c != d and 2 not in (c, d)
    first = minigrad.stack([p[0].multinomial(1) for _ in range(2000)]).numpy().ravel()
    np.testing.assert_allclose(
        np.bincount(first, minlength=4) / 2000, [0.1, 0, 0.6, 0.3], atol=0.03
    )
    g = minigrad.Generator().manual_seed(5)
    a = minigrad.multinomial(p, 3, generator=g)
    g.manual_seed(5)
    assert minigrad.multinomial(p, 3, generator=g).tolist() == a.tolist()


@pytest.mark.parametrize(
    "probs, n, replacement",
    [([0.2, 0.8], 3, False), ([0.2, -0.8], 1, False), ([0.0, 0.0], 1, True)],
)
def test_multinomial_errors_as_torch(probs, n, replacement):
    with pytest.raises(RuntimeError) as theirs:
        torch.multinomial(torch.tensor(probs), n, replacement)
    with pytest.raises(RuntimeError, match="multinomial") as mine:
        minigrad.multinomial(minigrad.tensor(probs), n, replacement)
    assert str(theirs.value).split("(")[0].strip() in str(mine.value)


def test_more_in_place_methods_match_torch():
    def program(lib):
        x = lib.tensor([[-1.5, 0.5], [2.0, 3.0]])
        x.abs_().log_()
        y = lib.tensor([0.5, -1.0]).sigmoid_().tanh_().clip_(0.1, 0.6)
        s = lib.zeros(2, 3).scatter_(1, lib.tensor([[2], [0]]), 7.0)
        s.scatter_add_(0, lib.tensor([[1, 1, 1]]), lib.ones(1, 3))
        s.index_add_(1, lib.tensor([0, 0]), lib.ones(2, 2), alpha=2)
        s.index_fill_(0, lib.tensor([1]), -1.0)
        v = lib.arange(6.0).reshape(2, 3)
        v.unsqueeze_(0).squeeze_(0).t_()
        out = [x, y, s, v, lib.tensor([1.0, 2.0]).lerp_(lib.tensor([3.0, 5.0]), 0.5)]
        return [(np.round(t.tolist(), 5).tolist(), tuple(t.shape)) for t in out]

    assert program(minigrad) == program(torch)


def test_shape_in_place_on_a_leaf_that_requires_grad_raises_as_torch():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            lib.ones(3, requires_grad=True).unsqueeze_(0)
    x = minigrad.ones(3, requires_grad=True)
    y = x * 2
    y.unsqueeze_(0).sum().backward()
    assert y.shape == (1, 3) and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_stride_ndimension_contains_as_torch():
    def program(lib):
        x = lib.zeros(2, 3, 4)
        t = lib.tensor([1.0, 2.0])
        return [x.stride(), x.stride(1), x.ndimension(), 2 in t, 3 in t, lib.tensor(1.0) in t]

    assert program(minigrad) == program(torch)
    with pytest.raises(RuntimeError, match="__contains__"):
        "a" in minigrad.ones(2)  # noqa: B015


@pytest.mark.parametrize(
    "call", ["x.size(2)", "x.size(-3)", "x.stride(2)", "s.size(0)", "s.stride(-1)"]
)
def test_size_and_stride_of_a_dim_out_of_range_raise_pytorchs_index_error(call):
    def message(lib):
        with pytest.raises(IndexError) as error:
            eval(call, {"x": lib.zeros(2, 3), "s": lib.tensor(1.0)})
        return str(error.value).split(": ", 1)[-1]  # after minigrad's op name

    assert message(minigrad) == message(torch)


def test_random_and_exponential_fill_in_place():
    x = minigrad.zeros(1000).random_(3, 7)
    assert set(x.tolist()) == {3.0, 4.0, 5.0, 6.0} and x.dtype == minigrad.float32
    assert set(minigrad.zeros(100, dtype=minigrad.int64).random_(2).tolist()) == {0, 1}
    assert 0 <= minigrad.zeros(100).random_().max().item() <= 2**24
    e = minigrad.empty(20000).exponential_(2.0)
    assert e.min().item() >= 0 and abs(e.mean().item() - 0.5) < 0.02


def test_top_level_aliases_and_dtype_rules_as_torch():
    import minigrad.testing

    assert minigrad.compile is minigrad.static.compile and minigrad.testing.assert_close
    x = minigrad.ones(2, requires_grad=True) * 2
    assert not minigrad.detach(x).requires_grad
    assert minigrad.broadcast_to(minigrad.ones(3), (2, 3)).shape == (2, 3)
    assert minigrad.reciprocal(minigrad.tensor([4])).tolist() == [0.25]
    for lib in (minigrad, torch):
        assert str(lib.result_type(lib.tensor([1]), 1.0)).endswith("float32")
        assert not lib.can_cast(lib.float32, lib.int32) and lib.can_cast(lib.int64, lib.float16)


@pytest.fixture
def default_printoptions():
    yield
    minigrad.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.parametrize(
    "options",
    [
        dict(precision=2),
        dict(sci_mode=True),
        dict(sci_mode=False),
        dict(threshold=5, edgeitems=1),
        dict(profile="short"),
        dict(linewidth=30),
        dict(profile="full"),
    ],
)
def test_set_printoptions_as_torch(options, default_printoptions):
    texts = []
    for lib in (minigrad, torch):
        lib.set_printoptions(**options)
        x = lib.tensor([[1.123456, 2.5, 1e-5], [3.0, 4.0, 5.0]])
        texts.append([repr(x), repr(lib.arange(30.0)), repr(lib.arange(2000.0))[:200]])
        # no finite nonzero value: `0.` and nan/inf as they are, whatever sci_mode says
        texts[-1] += [repr(lib.tensor(0.0)), repr(lib.tensor([0.0, float("nan"), float("inf")]))]
    assert texts[0] == [t.replace("torch", "minigrad") for t in texts[1]]


def test_mT_transposes_the_last_two_dims_and_refuses_vectors_as_pytorch():  # noqa: N802
    x = minigrad.arange(24.0).reshape(2, 3, 4)
    assert x.mT.shape == (2, 4, 3)
    assert x.mT.array[1, 2, 0] == x.array[1, 0, 2]
    assert x[0].mT.shape == (4, 3)
    with pytest.raises(RuntimeError, match="only supported on matrices"):
        minigrad.ones(3).mT  # noqa: B018


@pytest.mark.parametrize("method", ["addcmul_", "addcdiv_"])
def test_addcmul_and_addcdiv_in_place_record_the_gradient_of_t1_and_t2(method):
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0])
        t1 = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        t2 = lib.tensor([2.0, 4.0, -0.5], requires_grad=True)
        getattr(x, method)(t1, t2, value=0.5).sum().backward()
        grads.append((t1.grad.numpy(), t2.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0])
    np.testing.assert_allclose(grads[0][1], grads[1][1])


def test_in_place_arithmetic_is_recorded_inside_a_compiled_function():
    """add_, +=, mul_ write straight into memory only outside a trace: inside one they are ops,
    or a replay would keep the values of the trace."""

    def f(x):
        y = x * 1
        y.add_(1)
        y *= 2
        y.sub_(0.5)
        y.mul_(minigrad.full((3,), 2.0))
        return y

    compiled = minigrad.static.compile(f)
    np.testing.assert_allclose(compiled(minigrad.ones(3)).numpy(), [7.0, 7.0, 7.0])
    np.testing.assert_allclose(compiled(minigrad.zeros(3)).numpy(), [3.0, 3.0, 3.0])


@pytest.mark.parametrize("fill", ["normal_", "uniform_"])
def test_a_float64_tensor_is_filled_with_float64_draws(fill):
    # PyTorch draws in the tensor's dtype; float32 draws cast up would all sit on float32's grid
    x = getattr(minigrad.empty(1000, dtype=minigrad.float64), fill)().numpy()
    assert (x.astype(np.float32).astype(np.float64) != x).any()
    w = minigrad.nn.Linear(40, 40, dtype=minigrad.float64).weight.detach().numpy()
    assert (w.astype(np.float32).astype(np.float64) != w).any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linspace_rounds_every_value_as_torch(dtype):
    """Bit for bit: programs compare against PyTorch, and affine_grid's identity grid must sit
    exactly on PyTorch's pixel centres."""
    for start, end in [(-1, 1), (0, 1), (-math.pi, math.pi), (2.5, -3.7)]:
        for steps in [*range(0, 70), 1000, 4097, 100001]:
            ours = minigrad.linspace(start, end, steps, dtype=getattr(minigrad, dtype))
            theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"{steps}")
    with pytest.raises(RuntimeError, match="non-negative"):
        minigrad.linspace(0, 1, -1)


def test_numpy_of_a_tensor_that_requires_grad_only_while_not_recording_as_torch():
    """PyTorch refuses x.numpy() for a tensor that requires grad only in grad mode: under
    no_grad, and in an autograd.Function's forward (NumPy code there), it gives the array."""
    for lib in (minigrad, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="requires grad"):
            x.numpy()
        with lib.no_grad():
            assert x.numpy().tolist() == [1.0, 1.0]


@pytest.mark.parametrize("value", [np.zeros(3), [0.0, 0.0, 0.0], 3.0])
def test_assigning_a_grad_that_is_not_a_tensor_raises_as_torch(value):
    # NOTE: an object with only a `shape` was accepted, and read back as a gradient by whatever
    # looked at .grad next (an exercise's test too)
    x, tx = minigrad.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    with pytest.raises(TypeError) as expected:
        tx.grad = value
    with pytest.raises(TypeError) as got:
        x.grad = value
    assert str(got.value) == str(expected.value)
    assert x.grad is None


def test_pytorch_operator_semantics_on_odd_operands():
    """What PyTorch does with operands that are not numbers or tensors, and keyword forms."""
    x = minigrad.ones(2, 3)
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (x == "a") is False and (x != "a") is True
    # a list or a tuple is an object to ==, as in PyTorch: `if pred == [1, 2]` is False
    v = minigrad.tensor([1, 2])
    assert (v == [1, 2]) is False and (v != (1, 2)) is True
    assert ([1, 2] == v) is False  # noqa: SIM300 (the reflected ==)
    assert (v == 2).tolist() == [False, True]
    assert x.flip(0, 1).shape == x.flip(dims=(1,)).shape == x.flip([0]).shape == (2, 3)
    assert x.permute(dims=(1, 0)).shape == x.permute(1, 0).shape == (3, 2)
    a = minigrad.tensor([7, -7])
    assert a.div_(2, rounding_mode="floor").tolist() == [3, -4]
    b = minigrad.tensor([7.0, -7.0])
    assert b.div_(2, rounding_mode="trunc").tolist() == [3.0, -3.0]
    assert (minigrad.ones(2) @ np.ones(2, np.float32)).item() == 2.0
    c = minigrad.tensor([1, 2])
    c <<= 3
    c >>= 1
    assert c.tolist() == [4, 8]


def test_tensor_of_a_tensor_warns_as_pytorch_and_copies():
    """`torch.tensor(t)` copies (detached) and warns to use t.detach().clone(), as PyTorch's;
    a list of tensors and as_tensor do not warn."""
    for lib in (minigrad, torch):
        source = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.warns(UserWarning, match=r"sourceTensor\.detach\(\)\.clone\(\)"):
            copy = lib.tensor(source)
        assert not copy.requires_grad and copy.tolist() == [1.0, 2.0]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.tensor([lib.tensor(1.0), lib.tensor(2.0)])
            lib.as_tensor(source.detach())


@pytest.mark.parametrize(
    "data",
    [
        [np.float64(1.5), 2.0],  # a list of NumPy means: float64, as PyTorch's
        [[np.float64(1.0)], [np.float64(2.0)]],
        [np.float32(1.0), np.float64(2.0)],
        [np.array([1.5])],
        [np.int32(1), 2.5],  # int32 with a Python float: the default float
        [np.int32(1), 2],  # int32 with a Python int: int64
        [np.int32(1), np.int32(2)],
        [True, np.float64(2.0)],
        [np.float16(1.0), 2],
        [np.uint8(1), np.int8(2)],
        [(np.float64(1.0),), (2.0,)],
        [1.5, 2.5],
        [1, 2],
    ],
)
def test_tensor_of_a_list_holding_numpy_scalars_takes_pytorchs_dtype(data):
    """The items' types promoted together, a Python number counting as its default type."""
    ours, theirs = minigrad.tensor(data), torch.tensor(data)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert ours.tolist() == theirs.tolist()


def test_a_list_of_one_element_tensors_reads_as_pytorchs():
    """torch.tensor([t1, t2]) takes each one-element tensor as its number: shape-(1,) outputs
    collected in a list give a 1-D tensor (minigrad gave (2, 1)), dtypes promote as PyTorch's,
    and a tensor of more elements raises PyTorch's ValueError, pointing to stack()."""
    for build in (
        lambda L: L.tensor([L.tensor([1.5]), L.tensor([2.0])]),
        lambda L: L.tensor([L.tensor(1.0, dtype=L.float64), L.tensor(2.0)]),
        lambda L: L.tensor([L.tensor(1, dtype=L.int32), L.tensor(2, dtype=L.int32)]),
        lambda L: L.tensor([L.tensor(1), 2.5]),
        lambda L: L.tensor([L.ones(1, 1), L.zeros(1, 1, 1)]),
    ):
        ours, theirs = build(minigrad), build(torch)
        assert list(ours.shape) == list(theirs.shape)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.tolist() == theirs.tolist()
    with pytest.raises(ValueError, match="only one element tensors.*use stack"):
        minigrad.tensor([minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])])


def _warnings_of(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [
        f"{w.category.__name__}: {str(w.message).split(' (Triggered internally')[0]}"
        for w in caught
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.ones(2, 3).T,
        lambda t: t.meshgrid(t.ones(2), t.ones(3), indexing="xy"),
        lambda t: t.nn.LSTM(2, 3, dropout=0.5),
        lambda t: t.nn.GRU(2, 3, dropout=1),
        lambda t: t.nn.RNN(2, 3, num_layers=2, dropout=0.5),
    ],
    ids=["T_2d", "meshgrid_xy", "lstm", "gru", "rnn_2_layers"],
)
def test_deprecation_and_misuse_warnings_as_pytorch(call):
    """PyTorch's UserWarnings that students see in tutorials: dropout on a one-layer recurrent
    layer, the same words, and none where PyTorch gives none. (.T of a tensor that is not a
    matrix, a vector included, and meshgrid without indexing= warn once per process in
    PyTorch: in-process their outcome would depend on which test ran first, so
    tests/test_warnings_vs_torch.py compares them in fresh processes.)"""
    assert _warnings_of(lambda: call(minigrad)) == _warnings_of(lambda: call(torch))
