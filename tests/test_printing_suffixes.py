"""Where print puts dtype=, grad_fn= and requires_grad=: after the last row while it fits in
the line width, else on a line of its own, as PyTorch's (the same text for each case, under
the default options and narrower or wider lines, counting the dtype's width as PyTorch's
"torch.float64")."""

import pytest
import torch

import minigrad

CASES = [
    "t.arange(30.) / 7 * t.ones(30, requires_grad=True)",
    "(t.arange(30.) / 7).requires_grad_()",
    "t.arange(12., dtype=t.float64).view(2, 6) / 7 * t.ones(6, dtype=t.float64).requires_grad_()",
    "t.arange(40.).reshape(2, 20) / 3",
    "t.arange(9, dtype=t.int32) * 1000",
    "t.tensor([1.5, 2.5], dtype=t.float16, requires_grad=True) * 2",
    "t.zeros(3, 0, 2, dtype=t.float64, requires_grad=True)",
]
OPTIONS = [{}, {"linewidth": 60}, {"linewidth": 120}, {"precision": 6, "sci_mode": True}]


@pytest.mark.parametrize("options", OPTIONS)
def test_suffixes_wrap_as_pytorch(options):
    try:
        for lib in (torch, minigrad):
            lib.set_printoptions(**options)
        for case in CASES:
            theirs = str(eval(case, {"t": torch})).replace("torch.", "T.")
            ours = str(eval(case, {"t": minigrad})).replace("minigrad.", "T.")
            assert ours == theirs, case
    finally:
        for lib in (torch, minigrad):
            lib.set_printoptions(profile="default")
