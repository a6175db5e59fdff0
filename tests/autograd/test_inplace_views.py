"""In-place ops on views, against PyTorch: the same small programs run under `import minigrad
as torch` and under torch, with the same values, gradients, `_base`s and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad


def leaves(lib, shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) + 0.5 for shape in shapes]
    return [lib.tensor(a, requires_grad=True) for a in arrays]


def run(program, lib, shapes, seed=0):
    """program(lib, *leaves) -> a tensor; returns its values and the leaves' gradients of
    (out * w).sum() for a fixed random w."""
    xs = leaves(lib, shapes, seed)
    out = program(lib, *xs)
    w = lib.tensor(np.random.default_rng(seed + 1).standard_normal(tuple(out.shape)))
    (out * w).sum().backward()
    return out.detach().numpy(), [None if x.grad is None else x.grad.numpy() for x in xs]


def assert_same(program, shapes):
    ours, theirs = run(program, minigrad, shapes), run(program, torch, shapes)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    for got, expected in zip(ours[1], theirs[1]):
        assert (got is None) == (expected is None)
        if got is not None:
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def _slice_then_mul(lib, x):  # the example
    y = x * 2
    y[:2].mul_(3)
    return y


def _sibling_view_sees_the_change(lib, x):
    y = x + 1
    v, w = y[1:3], y[2:]
    v.mul_(2)
    return w * w + y[:2].sum()


def _view_of_a_view(lib, x):
    y = (x * 1).view(2, 3)
    y[:, 1:].t()[0].mul_(4)
    return y


def _diagonal(lib, x):
    y = x * 1
    y.diagonal().mul_(2)
    y.t().diagonal(1).add_(1)
    return y


def _operand_requires_grad(lib, x, z):
    y = x * 1
    y.view(2, 3)[1].add_(z)
    return y


def _narrow_select_squeeze(lib, x):
    y = x.sin()
    y = y * 1
    y.narrow(0, 1, 2).sub_(1)
    y.select(1, 0).mul_(5)
    y.unsqueeze(0)[0, 0].div_(2)
    y.t().reshape(3, 2)[1:].exp_()
    return y


def _as_strided_and_unfold(lib, x):
    y = x * 1
    y.as_strided((2, 2), (3, 1), 1).mul_(3)
    y.unfold(0, 2, 2).add_(y.detach().clone().view(3, 2))
    return y


def _setitem_on_a_view(lib, x, z):
    y = x * 1
    y[0][1:] = z[:2]
    y.t()[2] = 5.0
    y[1, 1:][0] = z[2]
    return y


def _fill_a_buffer(lib, x):
    buf = lib.zeros(4, 3, dtype=lib.float64)
    buf[:2].copy_(x[:2] * 2)
    buf[2:].t().copy_(x[2:].t() ** 2)
    buf.t()[1].fill_(7.0)
    return buf


def _base_changed_after_the_view(lib, x):
    y = x * 1
    v = y[:2]
    y.mul_(3)
    return v * v


def _two_changes_that_overlap(lib, x):
    y = x * x
    y[1:3].mul_(2)
    y[3:].add_(y[:2])  # a sibling view as the operand
    v = y[1:]
    v += 1
    return y + v.sum()


def _activations_in_place(lib, x):
    y = x * 1
    y.t()[1].clamp_(-0.2, 0.4)
    y[1:].t().relu_()  # relu saves its result: the last change to y
    return y


def _no_grad_change_is_not_recorded(lib, x):
    y = x * 2
    with lib.no_grad():
        y[:2].mul_(3)
    return y


def _split_outputs_read_only(lib, x):
    a, b = (x * 1).split(2)
    c, d = (x * 2).unbind(1)[:2]
    return lib.cat([(a * b).flatten(), c + d])


def _permuted_write_then_other_order(lib, x):
    y = x * 1
    y.permute(2, 0, 1)[0].mul_(3)
    return y.transpose(0, 1)[1] * 2


def _unsafe_split_is_not_a_view(lib, x):
    y = x * 1
    y.unsafe_split(2)[0].mul_(2)  # changes y's values, not its history (as PyTorch)
    y.unsafe_chunk(2)[1].add_(1)
    return y


def _views_of_a_number(lib, x):
    y = (x * x).sum()  # 0-d
    y.view(1).mul_(2)
    y[...].add_(x[0])
    y.unsqueeze(0).unsqueeze(1)[0].div_(3)
    return y


PROGRAMS = {
    "slice then mul_": (_slice_then_mul, [(4,)]),
    "a sibling view sees the change": (_sibling_view_sees_the_change, [(4,)]),
    "a view of a view": (_view_of_a_view, [(6,)]),
    "diagonal": (_diagonal, [(3, 3)]),
    "an operand that requires grad": (_operand_requires_grad, [(6,), (3,)]),
    "narrow, select, unsqueeze, reshape": (_narrow_select_squeeze, [(3, 2)]),
    "as_strided and unfold": (_as_strided_and_unfold, [(6,)]),
    "setitem on a view": (_setitem_on_a_view, [(3, 3), (3,)]),
    "fill a buffer that needs no grad": (_fill_a_buffer, [(4, 3)]),
    "the base changed after the view": (_base_changed_after_the_view, [(4,)]),
    "two changes that overlap": (_two_changes_that_overlap, [(5,)]),
    "activations in place": (_activations_in_place, [(4, 3)]),
    "a change under no_grad is not recorded": (_no_grad_change_is_not_recorded, [(4,)]),
    "split and unbind outputs, read only": (_split_outputs_read_only, [(4, 2)]),
    "permuted write, other order": (_permuted_write_then_other_order, [(2, 3, 4)]),
    "unsafe_split and unsafe_chunk": (_unsafe_split_is_not_a_view, [(4,)]),
    "views of a 0-d tensor": (_views_of_a_number, [(3,)]),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_same_values_and_gradients_as_pytorch(name):
    program, shapes = PROGRAMS[name]
    assert_same(program, shapes)


@pytest.mark.parametrize(
    "name", ["slice then mul_", "a view of a view", "diagonal", "two changes that overlap"]
)
def test_gradcheck_in_float64(name):
    program, shapes = PROGRAMS[name]
    xs = leaves(minigrad, shapes)
    assert minigrad.autograd.gradcheck(lambda *xs: program(minigrad, *xs), xs)


@pytest.mark.parametrize("name", ["a view of a view", "diagonal", "setitem on a view"])
def test_gradgradcheck_in_float64(name):
    program, shapes = PROGRAMS[name]
    xs = leaves(minigrad, shapes)
    assert minigrad.autograd.gradgradcheck(lambda *xs: program(minigrad, *xs) ** 2, xs)


def test_double_backward_through_a_change_on_a_view():
    def second(lib):
        (x,) = leaves(lib, [(4,)])
        y = x * x
        y[1:].mul_(x[:-1])
        (g,) = lib.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        (g * g).sum().backward()
        return g.detach().numpy(), x.grad.numpy()

    for got, expected in zip(second(minigrad), second(torch)):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_history_nodes_as_pytorch():
    x = minigrad.randn(4, requires_grad=True)
    y = x * 2
    v = y[:2]
    assert v._base is y and v._is_view() and y._base is None and not y._is_view()
    v.mul_(3)
    assert y.grad_fn.name() == "CopySlices"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    assert v.grad_fn.next_functions[0][0] is y.grad_fn  # the view is read from y's new history
    assert v._version == y._version == 1 and v.requires_grad and not v.is_leaf


VIEWS = {
    "slice": lambda t: t[1:],
    "element": lambda t: t[1, 2],
    "t": lambda t: t.t(),
    "T": lambda t: t.T,
    "mT": lambda t: t.mT,
    "transpose": lambda t: t.transpose(0, 1),
    "permute": lambda t: t.permute(1, 0),
    "view": lambda t: t.view(4, 3),
    "view to the same shape": lambda t: t.view(3, 4),
    "reshape": lambda t: t.reshape(12),
    "flatten": lambda t: t.flatten(),
    "unflatten": lambda t: t.unflatten(1, (2, 2)),
    "expand": lambda t: t.unsqueeze(0).expand(2, 3, 4),
    "narrow": lambda t: t.narrow(1, 1, 2),
    "select": lambda t: t.select(0, 1),
    "squeeze": lambda t: t[:1].squeeze(0),
    "unsqueeze": lambda t: t.unsqueeze(1),
    "diagonal": lambda t: t.diagonal(),
    "as_strided": lambda t: t.as_strided((2, 2), (1, 2)),
    "unfold": lambda t: t.unfold(1, 2, 1),
    "movedim": lambda t: t.movedim(0, 1),
    "split": lambda t: t.split(2, 1)[1],
    "chunk": lambda t: t.chunk(3)[0],
    "unbind": lambda t: t.unbind(1)[2],
    "tensor_split": lambda t: t.tensor_split(2, 1)[0],
    "hsplit": lambda t: t.hsplit(2)[1],
    "swapaxes": lambda t: t.swapaxes(0, 1),
    "view_as": lambda t: t.view_as(t.view(2, 6)),
    "expand_as": lambda t: t[:1].expand_as(t),
    "view of a view": lambda t: t[1:].t()[0],
    "einsum transpose": lambda t: _lib(t).einsum("ij->ji", t),
    # not views: copies, or tensors of their own
    "advanced index": lambda t: t[[0, 2]],
    "mask": lambda t: t[t > 0],
    "clone": lambda t: t.clone(),
    "contiguous of t": lambda t: t.t().contiguous(),
    "reshape of t": lambda t: t.t().reshape(12),
    "flip": lambda t: t.flip(0),
    "detach": lambda t: t.detach(),
    "data": lambda t: t.data,
    "sum": lambda t: t.sum(0),
    "unsafe_split": lambda t: t.unsafe_split(2)[0],
    "unsafe_chunk": lambda t: t.unsafe_chunk(3)[0],
    "einsum product": lambda t: _lib(t).einsum("ij,ij->ij", t, t),
}


def _lib(t):
    return torch if isinstance(t, torch.Tensor) else minigrad


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("grad", [True, False])
def test_base_and_is_view_as_pytorch(name, grad):
    for lib in (minigrad, torch):
        x = lib.randn(3, 4, requires_grad=grad)
        y = x * 1
        with lib.set_grad_enabled(grad):
            v = VIEWS[name](y)
        expected = VIEWS[name](torch.randn(3, 4) * 1)
        is_view = expected._is_view()
        assert v._is_view() == is_view, lib.__name__
        assert (v._base is y) == is_view, lib.__name__


def test_diagonal_is_a_view_as_pytorch():
    for lib in (minigrad, torch):
        x = lib.zeros(2, 3, 3)
        x.diagonal(dim1=1, dim2=2).add_(1)
        x[0].diagonal(-1).fill_(5)
        assert x.sum().item() == 16 and x[0, 1, 0].item() == 5, lib.__name__


def raises_the_same(program, *shapes):
    """program raises in both, the same type; returns the two messages."""
    messages = []
    for lib in (minigrad, torch):
        with pytest.raises(Exception) as info:
            program(lib, *leaves(lib, shapes))
        messages.append((type(info.value), str(info.value)))
    assert messages[0][0] is messages[1][0] is RuntimeError, messages
    return messages[0][1], messages[1][1]


MULTIPLE_VIEWS = "This view is the output of a function that returns multiple views"


@pytest.mark.parametrize(
    "change",
    [
        lambda y: y.split(2)[0].mul_(2),
        lambda y: y.chunk(2)[1].add_(1),
        lambda y: y.unbind()[1].zero_(),
        lambda y: y.split(2)[0][0].mul_(2),  # a view of one of them too
    ],
)
def test_outputs_of_split_chunk_unbind_are_not_changed_in_place(change):
    ours, theirs = raises_the_same(lambda lib, x: change(x * 1), (4,))
    for message in (ours, theirs):
        assert "is a view and is being modified inplace" in message
        assert MULTIPLE_VIEWS in message


def test_a_split_output_after_its_base_changed():
    def program(lib, x):
        y = x * 1
        a, b = y.split(2)
        y.mul_(2)
        return a * 1

    for message in raises_the_same(program, (4,)):
        assert "its base or another view of its base has been modified inplace" in message
        assert MULTIPLE_VIEWS in message


def test_split_outputs_change_in_place_under_no_grad_as_pytorch():
    for lib in (minigrad, torch):
        (x,) = leaves(lib, [(4,)])
        y = x * 1
        a, _ = y.split(2)
        with lib.no_grad():
            a.mul_(0)
        assert y[:2].abs().sum().item() == 0, lib.__name__


def test_a_view_made_under_no_grad_is_not_changed_with_grad_on():
    def changed(lib, x):
        y = x * 2
        with lib.no_grad():
            v = y[:2]
        v.mul_(3)

    def base_changed(lib, x):
        y = x * 2
        with lib.no_grad():
            v = y[:2]
        y.mul_(3)
        return v.grad_fn

    def buffer(lib, x):
        y = lib.zeros(4, dtype=lib.float64)
        with lib.no_grad():
            v = y[:2]
        v.copy_(x[:2])

    for program in (changed, buffer):
        for message in raises_the_same(program, (4,)):
            assert message.startswith(
                "A view was created in no_grad mode and is being modified inplace with grad "
                "mode enabled"
            )
    for message in raises_the_same(base_changed, (4,)):
        assert "A view was created in no_grad mode and its base or another view" in message


@pytest.mark.parametrize(
    "change",
    [
        lambda x: x[:2].mul_(2),
        lambda x: x.t().add_(1),
        lambda x: x.diagonal().zero_(),
        lambda x: x.view(-1)[0].fill_(1.0),
        lambda x: _lib(x).einsum("ii->i", x).mul_(2),
    ],
)
def test_a_view_of_a_leaf_that_requires_grad_is_not_changed_in_place(change):
    ours, theirs = raises_the_same(lambda lib, x: change(x), (2, 2))
    for message in (ours, theirs):
        assert "a view of a leaf Variable that requires grad" in message


def test_a_saved_view_changed_through_another_view_is_caught():
    def program(lib, x):
        y = x * 1
        z = y[:2] * y[2:]  # mul saves both views of y
        y.t()[1].mul_(2)
        z.sum().backward()

    for message in raises_the_same(program, (4,)):
        assert "modified by an inplace operation" in message


# -- random programs: a chain of view ops, an in-place op on the result, a loss on the base ----
VIEW_STEPS = {
    "slice": lambda t: t[1:] if t.dim() and t.shape[0] > 1 else t,
    "step": lambda t: t[::2] if t.dim() else t,
    "t": lambda t: t.t() if t.dim() == 2 else t,
    "select": lambda t: t.select(0, t.shape[0] - 1) if t.dim() > 1 else t,
    "unsqueeze": lambda t: t.unsqueeze(-1),
    "squeeze": lambda t: t.squeeze(),
    "flatten": lambda t: t.flatten() if t.is_contiguous() else t,
    "transpose": lambda t: t.transpose(0, -1) if t.dim() else t,
    "diagonal": lambda t: t.diagonal() if t.dim() >= 2 else t,
}
CHANGES = {
    "mul_": lambda v, o: v.mul_(o),
    "add_": lambda v, o: v.add_(o, alpha=0.5),
    "copy_": lambda v, o: v.copy_(o * o),
    "div_": lambda v, o: v.div_(o.abs() + 1),
    "iadd": lambda v, o: v.__iadd__(o),
    "addcmul_": lambda v, o: v.addcmul_(o, o, value=2),
}


@settings(max_examples=80, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), max_size=3),
    steps=st.lists(st.sampled_from(sorted(VIEW_STEPS)), min_size=1, max_size=4),
    sibling=st.lists(st.sampled_from(sorted(VIEW_STEPS)), max_size=3),
    change=st.sampled_from(sorted(CHANGES)),
    seed=st.integers(0, 2**16),
)
def test_random_changes_through_views_match_pytorch(shape, steps, sibling, change, seed):
    """A chain of view ops, an in-place op on the result, then a loss on the base, on the
    changed view, and on another view of the base taken before the change."""

    def chain(t, names):
        for name in names:
            t = VIEW_STEPS[name](t)
        return t

    def program(lib, x, other):
        y = x * 1
        w = chain(y, sibling)
        v = chain(y, steps)
        o = other.flatten()[: v.numel()].reshape(v.shape) if v.numel() else other[:0]
        CHANGES[change](v, o)
        return y * y + v.sum() + (w * w).sum()

    n = int(np.prod(shape))
    ours = run(program, minigrad, [tuple(shape), (n,)], seed)
    theirs = run(program, torch, [tuple(shape), (n,)], seed)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    for got, expected in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_a_sibling_view_of_a_buffer_takes_the_buffers_new_history():
    for lib in (minigrad, torch):
        buf = lib.zeros(4, dtype=lib.float64)
        a, b = buf[:2], buf[2:]
        assert not b.requires_grad
        (x,) = leaves(lib, [(2,)])
        a.copy_(x)  # buf now has a history, and b is read from it
        assert b.requires_grad and not b.is_leaf, lib.__name__
        (b * 1).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0], lib.__name__


def test_a_view_is_not_detached_in_place():
    for message in raises_the_same(lambda lib, x: (x * 1)[:2].detach_(), (4,)):
        assert message.startswith("Can't detach views in-place. Use detach() instead.")


@pytest.mark.parametrize(
    "fill",
    [
        lambda y: y[:2].normal_(),
        lambda y: y.uniform_(),
        lambda y: y.view(2, 2).t()[0].bernoulli_(0.5),
        lambda y: y[1:].exponential_(),
    ],
)
def test_a_random_fill_cuts_the_gradient_as_pytorch(fill):
    """The values drawn differ; the elements drawn over lose their gradient in both."""
    grads = []
    for lib in (minigrad, torch):
        (x,) = leaves(lib, [(4,)])
        y = x * 2
        fill(y)
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_retain_grad_follows_the_latest_value_as_pytorch():
    def grads(lib):
        (x,) = leaves(lib, [(4,)])
        weights = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)
        y, z = x * 2, x * 3
        y.retain_grad()
        z.retain_grad()
        v = y[:2]
        v.retain_grad()
        v.mul_(3)  # y changes through its view
        z.mul_(2)  # z changes itself
        (y * weights + z * weights).sum().backward()
        return y.grad.tolist(), v.grad, z.grad.tolist(), x.grad.tolist()

    ours, theirs = grads(minigrad), grads(torch)
    assert ours[1] is None and theirs[1] is None  # v's latest value is not used
    assert ours[::2] == theirs[::2] and ours[3] == theirs[3]


ROW_UPDATES = {  # y[0] = f(y[0]): fine where the product saves only what the other side needs
    "times 2": lambda t, v: v * 2,
    "2 times": lambda t, v: 2 * v,
    "by 2": lambda t, v: v / 2,
    "times a constant": lambda t, v: v * t.tensor([2.0, 3.0]),
    "by a constant": lambda t, v: v / t.tensor([2.0, 3.0]),
    "rotated": lambda t, v: v @ t.tensor([[0.0, -1.0], [1.0, 0.0]]),
    "rotated from the left": lambda t, v: t.tensor([[0.0, -1.0], [1.0, 0.0]]) @ v,
    "squared": lambda t, v: v * v,  # saved for itself: both raise
    "a constant by it": lambda t, v: t.tensor([2.0, 3.0]) / v,
}


@pytest.mark.parametrize("update", ROW_UPDATES, ids=list(ROW_UPDATES))
def test_a_row_replaced_by_a_product_of_itself_as_pytorch(update):
    """`y[0] = y[0] * 2` on a clone: PyTorch's mul, div and matmul save an operand only for the
    other operand's gradient, so writing the result back into the row they read is no
    in-place error where that operand needs no gradient; where it does, both raise."""

    def program(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x.clone()
        y[0] = ROW_UPDATES[update](lib, y[0])
        try:
            (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        except RuntimeError as error:
            return "modified by an inplace operation" in str(error)
        return x.grad.tolist()

    assert program(minigrad) == program(torch)


def test_products_save_what_pytorchs_save():
    """What saved_tensors_hooks see and what `_saved_self` / `_saved_other` give: an operand
    is saved only when the other operand needs a gradient, as PyTorch's mul, div and mm."""

    def program(lib):
        x = lib.ones(2, 2, requires_grad=True)
        c = lib.full((2, 2), 3.0)
        shapes = []
        pack, unpack = (lambda a: shapes.append(list(a.shape)) or a), (lambda a: a)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            nodes = [(x * c).grad_fn, (c * x).grad_fn, (x / c).grad_fn, (c / x).grad_fn]
            nodes += [(x * x).grad_fn, (x @ c).grad_fn, (c @ x).grad_fn]
            x * 2  # saves no tensor (PyTorch's _saved_other is the number, minigrad's None)
        saved = [
            [getattr(n, f"_saved_{name}", "none") is None for name in ("self", "other", "mat2")]
            for n in nodes
        ]
        return shapes, saved

    assert program(minigrad) == program(torch)


EXTREMES = {
    "amax": lambda x: x.amax(-1),
    "amin": lambda x: x.amin(-1),
    "max": lambda x: x.max().reshape(1),
    "inf-norm": lambda x: x.norm(p=float("inf"), dim=-1),
}


@pytest.mark.parametrize("extreme", EXTREMES, ids=list(EXTREMES))
def test_an_extreme_changed_in_place_keeps_its_gradient(extreme):
    """amax and friends find their ties in backward against the extremes forward computed:
    an in-place change of the result before backward (PyTorch refuses it: its node saves the
    result) must not move the gradient. minigrad's matches PyTorch's on a clone."""

    def program(lib, clone):
        x = lib.tensor([[1.0, 3.0, 3.0, -4.0], [2.0, 0.5, 2.0, -1.0]], requires_grad=True)
        out = EXTREMES[extreme](x)
        out = out.clone() if clone else out
        out[0] = 10.0
        (out * out).sum().backward()
        return x.grad.tolist()

    assert program(minigrad, clone=False) == program(torch, clone=True)
