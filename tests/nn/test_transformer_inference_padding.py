"""TransformerEncoder in inference with a padding mask, as PyTorch's: where its nested-tensor
path applies (eval, no gradient wanted, a batch_first post-norm layer with an even number of
heads, a left-aligned mask and no attention mask) the padded positions come out as zeros
(then through `norm`), elsewhere as computed; nn.Transformer's memory follows."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad


def _load(lib, module, seed=0):
    with lib.no_grad():
        for i, p in enumerate(module.parameters()):
            values = np.random.default_rng(seed + i).standard_normal(tuple(p.shape)) * 0.3
            p.copy_(lib.tensor(values.astype(np.float32)))
    return module


def _encode(lib, case):
    layer_options = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0}
    layer_options.update(batch_first=True)
    layer_options.update(case.get("layer", {}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch: "enable_nested_tensor is True, but ..."
        layer = lib.nn.TransformerEncoderLayer(**layer_options)
        norm = lib.nn.LayerNorm(layer_options["d_model"]) if case.get("norm") else None
        encoder = _load(lib, lib.nn.TransformerEncoder(layer, 2, norm=norm, **case.get("enc", {})))
    x = np.random.default_rng(9).standard_normal((3, 4, layer_options["d_model"]))
    if not layer_options["batch_first"]:
        x = x.transpose(1, 0, 2)
    padding = lib.tensor(case.get("padding", [[0, 0, 1, 1], [0, 0, 0, 0], [0, 1, 1, 1]])) == 1
    if case.get("float_mask"):
        padding = lib.zeros(padding.shape).masked_fill(padding, float("-inf"))
    if not case.get("train"):
        encoder.eval()
    kwargs = {"src_key_padding_mask": padding}
    if case.get("causal"):
        kwargs["mask"] = lib.nn.Transformer.generate_square_subsequent_mask(4)
    with lib.set_grad_enabled(bool(case.get("grad"))):
        out = encoder(lib.tensor(x.astype(np.float32)), **kwargs)
    return out.detach().numpy(), getattr(encoder, "use_nested_tensor", None)


CASES = {
    "zeros": {},
    "zeros_then_norm": {"norm": True},
    "float_mask": {"float_mask": True},
    "gelu": {"layer": {"activation": "gelu"}},
    "grad_enabled": {"grad": True},
    "training": {"train": True},
    "not_left_aligned": {"padding": [[0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]]},
    "with_attention_mask": {"causal": True},
    "odd_heads": {"layer": {"d_model": 9, "nhead": 3}},
    "norm_first": {"layer": {"norm_first": True}},
    "sequence_first": {"layer": {"batch_first": False}},
    "nested_disabled": {"enc": {"enable_nested_tensor": False}},
}


@pytest.mark.parametrize("case", CASES)
def test_padded_positions_as_pytorch(case):
    (ours, our_flag), (theirs, their_flag) = (
        _encode(lib, CASES[case]) for lib in (minigrad, torch)
    )
    assert our_flag == their_flag
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_a_transformers_memory_is_zero_at_the_padding_in_inference():
    def translate(lib):
        model = _load(
            lib,
            lib.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True),
        )
        model.eval()
        src = lib.tensor(np.random.default_rng(1).standard_normal((2, 5, 8)).astype(np.float32))
        tgt = lib.tensor(np.random.default_rng(2).standard_normal((2, 3, 8)).astype(np.float32))
        padding = lib.tensor([[False] * 3 + [True] * 2, [False] * 5])
        with lib.no_grad():
            return model(src, tgt, src_key_padding_mask=padding).numpy()

    np.testing.assert_allclose(translate(minigrad), translate(torch), rtol=1e-5, atol=1e-6)


def test_the_rule_compiles_without_a_branch_on_the_mask():
    """The left-alignment check is a tensor op, so one compiled graph serves both kinds of
    mask."""
    encoder = _load(minigrad, minigrad.nn.TransformerEncoder(
        minigrad.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2
    )).eval()  # fmt: skip
    compiled = minigrad.compile(lambda x, p: encoder(x, src_key_padding_mask=p))
    x = minigrad.tensor(np.random.default_rng(3).standard_normal((2, 4, 8)).astype(np.float32))
    for rows in ([[0, 0, 1, 1], [0, 0, 0, 0]], [[0, 1, 0, 1], [0, 0, 0, 0]]):
        padding = minigrad.tensor(rows) == 1
        with minigrad.no_grad():
            expected = encoder(x, src_key_padding_mask=padding)
            np.testing.assert_array_equal(compiled(x, padding).numpy(), expected.numpy())
