"""Attention as PyTorch checks and extends it: MultiheadAttention's mask dtype and shape
checks and nn.Transformer's batch and feature checks (PyTorch's exception types and
words), and scaled_dot_product_attention's grouped-query attention (enable_gqa) with its
gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _mha(lib, x, **masks):
    return lib.nn.MultiheadAttention(4, 2, batch_first=True)(x, x, x, **masks)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda lib, x: _mha(lib, x, key_padding_mask=lib.zeros(2, 4, dtype=lib.bool)),
            AssertionError,
            r"Expected key_padded_mask.shape\[1\] to be 3, but got 4",
        ),
        (
            lambda lib, x: _mha(lib, x, key_padding_mask=lib.zeros(3, 3, dtype=lib.bool)),
            AssertionError,
            r"Expected key_padded_mask.shape\[0\] to be 2, but got 3",
        ),
        (
            lambda lib, x: _mha(lib, x, attn_mask=lib.zeros(2, 2, dtype=lib.bool)),
            RuntimeError,
            r"The shape of the 2D attn_mask is \w+.Size\(\[2, 2\]\), but should be \(3, 3\).",
        ),
        (
            lambda lib, x: _mha(lib, x, attn_mask=lib.zeros(2, 3, 3)),
            RuntimeError,
            r"The shape of the 3D attn_mask is \w+.Size\(\[2, 3, 3\]\), but should be \(4, 3, 3\)",
        ),
        (
            lambda lib, x: _mha(lib, x, attn_mask=lib.zeros(3, 3, dtype=lib.int64)),
            AssertionError,
            "only bool and floating types of attn_mask are supported",
        ),
        (
            lambda lib, x: _mha(lib, x, key_padding_mask=lib.zeros(2, 3, dtype=lib.int64)),
            AssertionError,
            "only bool and floating types of key_padding_mask are supported",
        ),
        (
            lambda lib, x: lib.nn.Transformer(4, 2, 1, 1, 8, batch_first=True)(x, x[:1]),
            RuntimeError,
            "the batch number of src and tgt must be equal",
        ),
        (
            lambda lib, x: lib.nn.Transformer(4, 2, 1, 1, 8)(x, lib.ones(2, 3, 5)),
            RuntimeError,
            "the feature number of src and tgt must be equal to d_model",
        ),
        (
            lambda lib, x: lib.nn.functional.scaled_dot_product_attention(
                lib.ones(1, 4, 3, 2), lib.ones(1, 3, 3, 2), lib.ones(1, 3, 3, 2), enable_gqa=True
            ),
            RuntimeError,
            "Number of heads in key and value must divide the number of heads in",
        ),
    ],
)
@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_misuse_raises_what_pytorch_raises(call, error, message, lib):
    with pytest.raises(error, match=message):
        call(lib, lib.ones(2, 3, 4))


def _gqa(lib, kv_heads, shape=(2, 4, 3, 5)):
    rng = np.random.default_rng(0)
    q = lib.tensor(rng.standard_normal(shape), requires_grad=True)
    kv_shape = (*shape[:-3], kv_heads[0], 6, shape[-1])
    k = lib.tensor(rng.standard_normal(kv_shape), requires_grad=True)
    v = lib.tensor(rng.standard_normal((*shape[:-3], kv_heads[1], 6, 2)), requires_grad=True)
    causal = lib.ones(3, 6, dtype=lib.bool).tril()
    out = lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=causal, enable_gqa=True)
    out.pow(2).sum().backward()
    return [t.detach().numpy() for t in (out, q.grad, k.grad, v.grad)]


@pytest.mark.parametrize("kv_heads, shape", [((2, 1), (2, 4, 3, 5)), ((4, 4), (2, 4, 3, 5)),
                                             ((1, 2), (4, 3, 5))])  # fmt: skip
def test_grouped_query_attention_matches_pytorch_with_gradients(kv_heads, shape):
    for ours, theirs in zip(_gqa(minigrad, kv_heads, shape), _gqa(torch, kv_heads, shape)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
