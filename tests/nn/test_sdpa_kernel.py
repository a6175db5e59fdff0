"""nn.attention.sdpa_kernel and SDPBackend as PyTorch's on the CPU: which choices find a
kernel (minigrad computes the math path for all of them: the same numbers)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


def _attend(lib, backends):
    q = lib.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 8)).astype(np.float32))
    with lib.nn.attention.sdpa_kernel(backends):
        return lib.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)


@pytest.mark.parametrize(
    "names",
    [
        ["MATH"],
        ["FLASH_ATTENTION"],
        ["EFFICIENT_ATTENTION", "MATH"],
        ["EFFICIENT_ATTENTION"],
        ["CUDNN_ATTENTION"],
        ["ERROR"],
    ],
)
def test_sdpa_kernel_choices_as_pytorch_on_the_cpu(names):
    results = []
    for lib in (minigrad, torch):
        backends = [getattr(lib.nn.attention.SDPBackend, n) for n in names]
        try:
            results.append(_attend(lib, backends if len(backends) > 1 else backends[0]).tolist())
        except RuntimeError as error:
            assert "No viable backend" in str(error)
            results.append(None)
    assert (results[0] is None) == (results[1] is None)
    if results[1] is not None:
        np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
    q = minigrad.ones(1, 1, 2, 2)  # the choice ends with the block
    assert minigrad.nn.functional.scaled_dot_product_attention(q, q, q).shape == (1, 1, 2, 2)
