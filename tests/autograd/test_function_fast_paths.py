"""Function.apply's and save_for_backward's common cases are spelled out first (a Tensor saved
with no saved_tensors_hooks; a forward's Tensor when nothing is recorded): the other cases
still take the general path, with the same results."""

from __future__ import annotations

import pytest

import minigrad
from minigrad.autograd import Function


class SaveAll(Function):
    """y = x * w; saves whatever it is given (Tensors, None, a Parameter) and checks them."""

    @staticmethod
    def forward(ctx, x, w, *saved):
        ctx.save_for_backward(*saved)
        ctx.count = len(saved)
        return x.array * w.array

    @staticmethod
    def backward(ctx, gy):
        got = ctx.saved_tensors
        assert len(got) == ctx.count
        x, w = got[0], got[2]
        return gy * w, gy * x, *(None,) * ctx.count


def _inputs():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = minigrad.nn.Parameter(minigrad.tensor([4.0, 5.0, 6.0]))
    return x, w


def test_tensors_none_and_parameters_saved_in_order():
    x, w = _inputs()
    y = SaveAll.apply(x, w, x, None, w, x)
    assert y.grad_fn.saved_tensors[1] is None
    assert [t is s for t, s in zip(y.grad_fn.saved_tensors, (x, None, w, x))] == [True] * 4
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 5.0, 6.0] and w.grad.tolist() == [1.0, 2.0, 3.0]


def test_a_saved_tensor_changed_in_place_is_caught_after_the_fast_save():
    x, w = _inputs()
    y = SaveAll.apply(x, w, x, None, w)
    with minigrad.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_saved_tensors_hooks_still_pack_every_tensor_but_none():
    x, w = _inputs()
    packed = []

    def pack(t):
        packed.append(t)
        return t.detach() * 1  # unpacked as a copy: the gradient reads the copy's values

    with minigrad.autograd.graph.saved_tensors_hooks(pack, lambda t: t * 10):
        y = SaveAll.apply(x, w, x, None, w)
    assert len(packed) == 2 and packed[0] is x and packed[1] is w
    y.sum().backward()
    assert x.grad.tolist() == [40.0, 50.0, 60.0]  # w unpacked times 10


def test_a_non_tensor_saved_raises_naming_its_argument():
    x, w = _inputs()
    with pytest.raises(TypeError, match="argument 2 is a builtins.float"):
        SaveAll.apply(x, w, x, None, 3.0)


class Same(Function):
    """Returns its input itself, or a new Tensor made in forward."""

    @staticmethod
    def forward(ctx, x, new):
        return minigrad.tensor(x.array * 2) if new else x

    @staticmethod
    def backward(ctx, gy):
        return gy, None


@pytest.mark.parametrize("grad", ["no_grad", "no input requires grad"])
def test_a_forward_tensor_is_the_result_when_nothing_is_recorded(grad):
    x = minigrad.tensor([1.0, 2.0], requires_grad=grad == "no_grad")
    with minigrad.set_grad_enabled(grad != "no_grad"):
        same, new = Same.apply(x, False), Same.apply(x, True)
    assert same is x  # as the general path (_wrap) gives it
    assert new.grad_fn is None and not new.requires_grad and new.tolist() == [2.0, 4.0]
    # recorded, an input returned as it is becomes a new Tensor with this node
    y = Same.apply(minigrad.tensor([1.0], requires_grad=True), False)
    assert y.grad_fn is not None and type(y.grad_fn) is Same
