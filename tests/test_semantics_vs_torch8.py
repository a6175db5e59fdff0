"""Differential checks against PyTorch, the eighth sweep: which gradients of F.linear's fused
backward need a gradient themselves under create_graph (and their double backward), fill
values of another dtype that the target cannot hold, the generator state as a uint8 tensor,
the distributions' param_shape and a ParameterDict's entries that are not tensors. Each case
runs the same code under both libraries (`t` is the library)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers import assert_same_as_torch

import minigrad

torch = pytest.importorskip("torch")


# -- F.linear's fused backward under create_graph ---------------------------------------------
def _linear_gradients(t, needs, gy_needs, flat):
    """The gradients of linear(x, w, b) for the inputs in `needs` (create_graph), then the
    gradients of their sum of squares: each first gradient's (requires_grad, grad_fn is
    None), and the second ones' values."""
    shape = (2, 3, 4) if flat else (3, 4)
    x = t.arange(24.0 if flat else 12.0, dtype=t.float64).reshape(shape) / 7
    w = t.arange(8.0, dtype=t.float64).reshape(2, 4) / 5 - 0.5
    b = t.tensor([0.5, -1.0], dtype=t.float64)
    for tensor, need in zip((x, w, b), needs):
        tensor.requires_grad_(need)
    gy = t.ones(shape[:-1] + (2,), dtype=t.float64, requires_grad=gy_needs) * 1.5
    y = t.nn.functional.linear(x, w, b)
    inputs = [a for a, need in zip((x, w, b), needs) if need]
    firsts = t.autograd.grad(y, inputs, gy, create_graph=True)
    flags = [(g.requires_grad, g.grad_fn is None) for g in firsts]
    differentiable = [g for g in firsts if g.requires_grad]
    seconds = []
    if differentiable:
        leaves = [a for a in (x, w, b, gy) if a.requires_grad]
        total = sum((g * g).sum() for g in differentiable)
        seconds = t.autograd.grad(total, leaves, allow_unused=True)
        seconds = [None if s is None else s.detach().numpy() for s in seconds]
    return flags, seconds


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("gy_needs", [False, True])
@pytest.mark.parametrize("needs", [n for n in itertools.product((False, True), repeat=3) if any(n)])
def test_linear_gradients_need_a_gradient_as_pytorch(needs, gy_needs, flat):
    mine, theirs = (_linear_gradients(t, needs, gy_needs, flat) for t in (minigrad, torch))
    assert mine[0] == theirs[0]
    assert len(mine[1]) == len(theirs[1])
    for a, b in zip(*(m[1] for m in (mine, theirs))):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12)


# -- fill values and clamp bounds the target dtype cannot hold ---------------------------------
MASK = "t.tensor([True, False])"
FILLS = [
    *(f"t.zeros(2, dtype=t.float16).masked_fill({MASK}, t.tensor(1e6))",),
    *(f"t.zeros(2, dtype=t.int8).masked_fill({MASK}, t.tensor(300))",),
    *(f"t.zeros(2).masked_fill({MASK}, t.tensor(1e300, dtype=t.float64))",),
    *(f"t.zeros(2, dtype=t.uint8).masked_fill({MASK}, t.tensor(-1.0))",),
    *(f"t.zeros(2, dtype=t.int8).masked_fill({MASK}, t.tensor(float('nan')))",),
    *(f"t.zeros(2, dtype=t.float16).masked_fill({MASK}, t.tensor(1e6, requires_grad=True))",),
    *(f"t.zeros(2, dtype=t.float16).masked_fill_({MASK}, t.tensor(1e6))",),
    *(f"t.zeros(2, dtype=t.int8).masked_fill({MASK}, t.tensor(3.5))",),
    *(f"t.zeros(2, dtype=t.bool).masked_fill({MASK}, t.tensor(5))",),
    *("t.zeros(2, dtype=t.float16).index_fill(0, t.tensor([1]), t.tensor(1e6))",),
    *("t.zeros(2, dtype=t.int8).index_fill_(0, t.tensor([1]), t.tensor(300))",),
    *("t.zeros(2, dtype=t.uint8).index_fill(0, t.tensor([1]), t.tensor(-1))",),
    *("t.zeros(2, dtype=t.float16).clamp(max=1e6)", "t.zeros(2, dtype=t.float16).clamp(-1e6)"),
    *("t.zeros(2).clamp(min=1e39)", "t.zeros(2).clamp(-1e39, 1e39)", "t.zeros(2).clip(max=1e39)"),
    *("t.zeros(2, dtype=t.float16).clamp_(max=1e6)", "t.zeros(2, dtype=t.float16).clamp_min(1e6)"),
    *("t.zeros(2, dtype=t.int8).clamp(max=1000)", "t.zeros(2, dtype=t.int64).clamp(max=10**19)"),
    *("t.zeros(2, dtype=t.int8).clamp(max=1000.5)", "t.zeros(2, dtype=t.int8).clamp(max=1e39)"),
    *("t.zeros(2, dtype=t.uint8).clamp(min=-1)", "t.zeros(2, dtype=t.uint8).clamp(min=-1000)"),
    *("t.zeros(2, dtype=t.float16).clamp(max=float('inf'))", "t.zeros(2).clamp(max=10**400)"),
    *(
        "t.zeros(2, dtype=t.float16).clamp(max=float('nan'))",
        "t.zeros(2).clamp(max=t.tensor(1e39))",
    ),
    *(
        "t.zeros(2, dtype=t.float16).clamp(1e6, t.tensor(0.0))",
        "t.zeros(2, dtype=t.bool).clamp(max=5)",
    ),
    *("x = t.zeros(2, dtype=t.int64)\nx[0] = 10**19", "x = t.zeros(2, dtype=t.int8)\nx[0] = 300"),
    *("x = t.zeros(2, dtype=t.int32)\nx[:] = 2**31", "x = t.zeros(2, dtype=t.uint8)\nx[0] = -1"),
]


@pytest.mark.parametrize("call", FILLS)
def test_fill_values_and_bounds_a_dtype_cannot_hold_as_pytorch(call):
    code = call if "\n" in call else f"out = {call}"
    assert_same_as_torch(code + ("\nout = x" if "\n" in call else ""))


# -- the generator state: a uint8 tensor --------------------------------------------------------
@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
def test_generator_state_is_a_uint8_tensor_that_restores_the_stream_and_seed(lib):
    g = lib.Generator().manual_seed(5)
    lib.rand(3, generator=g)
    state = g.get_state()
    assert isinstance(state, lib.Tensor) and state.dtype == lib.uint8 and state.ndim == 1
    after = lib.rand(4, generator=g)
    g.manual_seed(9).set_state(state.clone())
    assert g.initial_seed() == 5
    assert lib.equal(lib.rand(4, generator=g), after)
    lib.manual_seed(3)
    saved = lib.get_rng_state()
    assert isinstance(saved, lib.Tensor) and saved.dtype == lib.uint8
    drawn = lib.randn(5)
    lib.set_rng_state(saved)
    assert lib.equal(lib.randn(5), drawn)


BAD_STATES = [
    ("t.zeros(10, dtype=t.uint8)", RuntimeError),
    ("state.float()", TypeError),
    ("state.tolist()", TypeError),
    ("state.clone().fill_(255)", RuntimeError),
    ("state.clone().fill_(0)", RuntimeError),
]


@pytest.mark.parametrize("lib", [minigrad, torch], ids=["minigrad", "torch"])
@pytest.mark.parametrize(("code", "error"), BAD_STATES)
def test_a_bad_generator_state_is_refused_as_pytorch(lib, code, error):
    g = lib.Generator()
    state = g.get_state()
    with pytest.raises(error):
        g.set_state(eval(code, {"t": lib, "state": state}))
    with pytest.raises(error):
        lib.set_rng_state(eval(code, {"t": lib, "state": state}))


def test_a_state_of_hostile_bytes_is_refused_and_leaves_the_generator_as_it_was():
    g = minigrad.Generator().manual_seed(11)
    state = g.get_state()
    rng = np.random.default_rng(0)
    for _ in range(50):
        hostile = minigrad.tensor(rng.integers(0, 256, state.numel(), dtype=np.uint8))
        with pytest.raises(RuntimeError, match="Invalid PCG64 state"):
            g.set_state(hostile)
    assert g.initial_seed() == 11 and minigrad.equal(g.get_state(), state)


@pytest.mark.parametrize("seed", [-1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1])
def test_manual_seed_range_as_pytorch(seed):
    outcomes = []
    for lib in (minigrad, torch):
        try:
            outcomes.append(lib.Generator().manual_seed(seed).initial_seed())
        except ValueError:
            outcomes.append(ValueError)
    assert outcomes[0] == outcomes[1]
