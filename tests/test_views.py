"""Views, strides and version counters follow PyTorch (these once gave wrong numbers silently)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad


def both(array):
    return minigrad.tensor(array), torch.tensor(array)


def test_contiguous_of_a_transpose_is_a_copy():
    x = minigrad.arange(6.0).reshape(2, 3)
    y = x.t().contiguous()
    y[0, 0] = 100.0
    assert x[0, 0].item() == 0.0, "contiguous() of a transposed tensor must not alias it"
    assert y.is_contiguous()


def test_contiguous_of_a_contiguous_tensor_is_itself():
    x = minigrad.ones(2, 3)
    assert x.contiguous() is x


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, a: a.t(),
        lambda lib, a: a[:, ::2],
        lambda lib, a: a.unsqueeze(1).expand(3, 2, 4),
        lambda lib, a: a.reshape(2, 6).transpose(0, 1),
        lambda lib, a: a[1:],
        lambda lib, a: a.reshape(3, 1, 4),
    ],
)
def test_strides_and_contiguity_match_pytorch(make):
    m, t = both(np.arange(12.0, dtype=np.float32).reshape(3, 4))
    mv, tv = make(minigrad, m), make(torch, t)
    assert mv.stride() == tv.stride()
    assert mv.is_contiguous() == tv.is_contiguous()
    assert mv.stride(0) == tv.stride(0)


def test_view_of_a_non_contiguous_tensor_raises_as_pytorch():
    x = minigrad.randn(3, 4)
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*Use \.reshape"):
        x.t().view(12)
    y = x.t().reshape(12)  # reshape copies instead
    np.testing.assert_array_equal(y.numpy(), x.numpy().T.reshape(12))


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    data=st.data(),
)
def test_view_allowed_exactly_where_pytorch_allows_it(shape, data):
    perm = data.draw(st.permutations(range(len(shape))))
    n = int(np.prod(shape))
    factors = [d for d in range(1, n + 1) if n % d == 0]
    first = data.draw(st.sampled_from(factors))
    target = (first, -1)
    m = minigrad.tensor(np.arange(n, dtype=np.float32).reshape(shape)).permute(*perm)
    t = torch.arange(n, dtype=torch.float32).reshape(shape).permute(*perm)
    try:
        expected = t.view(target)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            m.view(target)
        return
    np.testing.assert_array_equal(m.view(target).numpy(), expected.numpy())


def test_change_through_a_slice_of_a_saved_tensor_is_caught():
    x = minigrad.randn(4, requires_grad=True)
    y = x.exp()  # exp saves its output
    with minigrad.no_grad():
        y[:2].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_change_through_detach_of_a_saved_tensor_is_caught():
    w = minigrad.randn(3, requires_grad=True)
    x = minigrad.randn(3)
    loss = (w * x).sum()  # mul saves x
    x.detach().zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_change_through_data_is_not_tracked_as_pytorch():
    w = minigrad.randn(3, requires_grad=True)
    x = minigrad.randn(3)
    loss = (w * x).sum()
    x.data.zero_()  # .data has its own version counter: autograd does not see this
    loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(3, dtype=np.float32))


def test_a_view_and_its_base_count_versions_together():
    x = minigrad.zeros(4)
    v = x[1:3]
    before = x._version
    v.add_(1.0)
    assert x._version == v._version == before + 1


def test_a_single_element_is_a_view_as_in_torch():
    """x[i] of a vector and x[i, j] of a matrix are 0-d views (NumPy alone gives copies)."""
    for lib in (minigrad, torch):
        x = lib.zeros(2, 3)
        x[1, 2].add_(5.0)
        element = x[0][1]
        element += 2.0
        assert x.tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 5.0]], lib.__name__
        assert element._version == x._version == 2
        w = lib.ones(3, requires_grad=True)
        y = w * 1
        z = y * y  # saves y
        y[0].mul_(3.0)
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            z.sum().backward()


def test_retain_grad_sees_the_gradient_after_the_other_hooks():
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        y.sum().backward()
        return y.grad.numpy(), x.grad.numpy()

    for got, expected in zip(run(minigrad), run(torch)):
        np.testing.assert_array_equal(got, expected)


def test_unbind_of_a_vector_gives_views_as_in_torch():
    """Iterating a 1-d NumPy array gives scalars (copies); PyTorch's unbind gives 0-d views."""
    for lib in (minigrad, torch):
        x = lib.zeros(3)
        first, second, _ = x.unbind()
        second += 2.0
        first.add_(1.0)
        assert x.tolist() == [1.0, 2.0, 0.0], lib.__name__
        assert second._base is x and second._version == x._version == 2, lib.__name__


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("transpose_", (0, 1)),
        ("t_", ()),
        ("squeeze_", ()),
        ("unsqueeze_", (0,)),
        ("swapdims_", (0, 1)),
    ],
)
def test_a_shape_changing_in_place_op_on_a_view_of_a_leaf_raises_as_pytorch(name, args):
    """`x.view(2, 2).transpose_(0, 1)` with x a leaf that requires grad: PyTorch refuses it
    as any in-place op on such a view (minigrad let it through); on a non-leaf's view it is
    recorded, and the gradients are PyTorch's."""
    for lib in (minigrad, torch):
        x = lib.ones(2, 2, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
            getattr(x.view(2, 2), name)(*args)
    grads = []
    for lib in (minigrad, torch):
        x = lib.arange(4.0, requires_grad=True)
        y = (x * 2).view(2, 2)
        getattr(y, name)(*args)
        (y * lib.arange(4.0).view(y.shape)).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x.squeeze(),
        lambda x: x.squeeze(0),
        lambda x: x.squeeze((0, 1)),
        lambda x: x.expand(2, 3),
        lambda x: x.expand(-1, 3),
        lambda x: x.expand_as(x),
        lambda x: x.broadcast_to((2, 3)),
        lambda x: x.unflatten(1, (3,)),
    ],
)
def test_a_shape_op_that_changes_nothing_is_a_new_view_as_pytorchs(op):
    """`out.squeeze(-1)` where out has no such dim, `x.expand_as(x)`: PyTorch returns a new
    view with its own node, not x; minigrad once returned x itself, so the result was a leaf,
    and retain_grad, requires_grad_ and in-place ops on it acted on x."""

    def program(lib):
        leaf = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = op(leaf)
        y.retain_grad()
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        plain = lib.zeros(2, 3)
        view = op(plain)
        view[1, 2] = 7.0  # writes through
        return [
            y is leaf,
            y.is_leaf,
            y.grad_fn.name(),
            y.grad.tolist(),
            leaf.grad.tolist(),
            view is plain,
            plain.tolist(),
            plain._version,
        ]

    assert program(minigrad) == program(torch)


@pytest.mark.parametrize("shifts, dims", [(0, 0), (3, 1), ((2, 3), (0, 1)), (0, None), (6, None)])
def test_a_roll_by_nothing_or_by_whole_turns_is_a_copy_as_pytorchs(shifts, dims):
    """x.roll(0, 0) was x itself, so a write to the result changed x; PyTorch's is a copy."""

    def program(lib):
        x = lib.arange(6.0).reshape(2, 3)
        y = x.roll(shifts, dims)
        y[0, 0] = 100.0
        return [y is x, x.tolist(), y.tolist(), x._version]

    assert program(minigrad) == program(torch)
