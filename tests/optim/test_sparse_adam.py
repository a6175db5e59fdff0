"""SparseAdam as PyTorch's with the gradients minigrad has (dense ones): the same argument
checks, and step() refusing a dense gradient with PyTorch's RuntimeError after running the
closure. Sparse gradients do not exist in minigrad (docs/optim.md)."""

from __future__ import annotations

import pytest
import torch

import minigrad


def _params(lib):
    return [lib.nn.Parameter(lib.ones(3, 2))]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.0},
        {"lr": -1.0},
        {"eps": 0.0},
        {"betas": (1.0, 0.999)},
        {"betas": (0.9, -0.1)},
    ],
)
def test_arguments_refused_as_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        torch.optim.SparseAdam(_params(torch), **kwargs)
    with pytest.raises(ValueError) as ours:
        minigrad.optim.SparseAdam(_params(minigrad), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_dense_gradient_refused_after_the_closure():
    messages, calls = [], []
    for lib in (minigrad, torch):
        params = _params(lib)
        opt = lib.optim.SparseAdam(params, lr=0.1, maximize=True)
        assert opt.defaults == {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "maximize": True}
        assert opt.step() is None  # no gradient yet: nothing to refuse

        def closure(params=params, lib=lib):
            calls.append(lib.__name__)
            loss = (params[0] ** 2).sum()
            loss.backward()
            return loss

        with pytest.raises(RuntimeError) as info:
            opt.step(closure)
        messages.append(str(info.value))
        assert params[0].tolist() == [[1.0, 1.0]] * 3  # unchanged
    assert calls == ["minigrad", "torch"]
    assert messages[0].startswith(messages[1])


def test_sparse_embedding_is_not_there():
    """The layer SparseAdam is meant for: minigrad has no sparse gradients and says so."""
    with pytest.raises(NotImplementedError, match="sparse"):
        minigrad.nn.Embedding(5, 3, sparse=True)
