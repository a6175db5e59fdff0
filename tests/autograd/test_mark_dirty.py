"""`ctx.mark_dirty`: a Function that changes an input in place returns that input itself, its
version bumped and its history the Function's node, as in PyTorch (its docs' example)."""

import numpy as np
import pytest
import torch

import minigrad


def _inplace(lib, save=False):
    class AddOneInplace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            if save:
                ctx.save_for_backward(x)  # saved before the change: read as it is after it
            x.numpy()[...] += 1  # the array x shares
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, gy):
            if save:
                (x,) = ctx.saved_tensors
                return gy * x
            return gy * 2

    return AddOneInplace


@pytest.mark.parametrize("save", [False, True])
def test_the_input_becomes_the_output_with_pytorchs_gradients(save):
    results = []
    for lib in (minigrad, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        x = a * 3
        version = x._version
        y = _inplace(lib, save).apply(x)
        assert y is x and x._version == version + 1 and y.grad_fn is not None
        (y * y).sum().backward()
        results.append((y.detach().numpy().copy(), a.grad.numpy().copy()))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want)


def test_a_leaf_that_requires_grad_cannot_be_changed_in_place():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            _inplace(lib).apply(lib.ones(2, requires_grad=True))


def test_without_grad_the_input_is_returned_changed_and_its_version_bumped():
    for lib in (minigrad, torch):
        x = lib.zeros(2)
        with lib.no_grad():
            y = _inplace(lib).apply(x)
        assert y is x and x._version == 1 and x.tolist() == [1.0, 1.0]


def test_a_dirty_input_must_be_returned():
    for lib in (minigrad, torch):

        class Forgets(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(x)
                return x.clone()

            @staticmethod
            def backward(ctx, gy):
                return gy

        with pytest.raises(RuntimeError, match="marked as dirty .* not returned as output"):
            Forgets.apply(lib.ones(2, requires_grad=True) * 1)
