"""nn.Embedding(scale_grad_by_freq=True) and F.embedding's: each looked-up row's gradient is
divided by how often the batch looks it up, as PyTorch's; sparse gradients refuse clearly."""

import numpy as np
import pytest
import torch

import minigrad


def _grad(lib, module: bool):
    weight = lib.tensor(np.arange(18.0, dtype=np.float32).reshape(6, 3) / 7)
    idx = lib.tensor([[0, 2, 2], [5, 2, 1], [1, 1, 4]])
    upstream = lib.arange(27.0).view(3, 3, 3)
    if module:
        emb = lib.nn.Embedding.from_pretrained(
            weight, freeze=False, padding_idx=1, scale_grad_by_freq=True
        )
        (emb(idx) * upstream).sum().backward()
        return emb.weight.grad.numpy(), repr(emb)
    weight.requires_grad_()
    out = lib.nn.functional.embedding(idx, weight, scale_grad_by_freq=True)
    (out * upstream).sum().backward()
    return weight.grad.numpy(), None


@pytest.mark.parametrize("module", [True, False])
def test_gradients_scaled_by_frequency_as_pytorch(module):
    (ours, our_repr), (theirs, their_repr) = _grad(minigrad, module), _grad(torch, module)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert our_repr == their_repr


def test_sparse_gradients_are_refused():
    with pytest.raises(NotImplementedError, match="sparse"):
        minigrad.nn.Embedding(4, 2, sparse=True)
    with pytest.raises(NotImplementedError, match="embedding: sparse gradients"):
        minigrad.nn.functional.embedding(minigrad.tensor([0]), minigrad.ones(2, 2), sparse=True)
