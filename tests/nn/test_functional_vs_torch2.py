"""Differential checks of minigrad.nn.functional (and the layers around it) against PyTorch,
the way a PyTorch program calls them: each case runs the same code under both libraries (`t`
is the library, `F` its functional module, `nn` its nn) and compares values, dtypes, shapes
and the gradients of every leaf, or, for a wrong call, the exception's type, with the op's
name in minigrad's message.

Option combinations are the point here (weights with ignore_index and label smoothing, every
reduction, pos_weight with weight, negative pads in each mode, ceil_mode with padding and a
divisor, integer inputs, empty batches); tests/nn/test_losses.py, test_pool_ceil_and_lp.py and
tests/ops/test_dtype_semantics.py hold the single-option cases. Property tests draw pooling,
padding and resampling geometries with hypothesis and compare each drawn call the same way.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad

_rng = np.random.default_rng(0)
ARRAYS = {
    "A": _rng.standard_normal((4, 5)),
    "B": _rng.standard_normal((4, 5)),
    "P": _rng.uniform(0.05, 0.95, (4, 5)),  # probabilities
    "Y": (_rng.uniform(size=(4, 5)) > 0.5).astype(np.float64),  # binary targets
    "S": _rng.dirichlet(np.ones(5), 4),  # rows of class probabilities
    "V": _rng.uniform(0.1, 2.0, (4, 5)),  # positive values (variances, counts, weights)
    "W": np.array([0.5, 2.0, 1.0, 1.5, 0.7]),  # one weight per class
    "C": np.array([0, 4, 2, 1]),  # class indices
    "I1": _rng.standard_normal((2, 3, 9)),
    "I2": _rng.standard_normal((2, 3, 7, 6)),
    "I3": _rng.standard_normal((1, 2, 5, 6, 4)),
}


def _run(lib, code: str):
    """Run code (it sets `out`); then backward a fixed weighting of out's first tensor. ->
    (outputs, {name: grad} of the leaves that require a gradient)."""
    scope = {"t": lib, "F": lib.nn.functional, "nn": lib.nn, "np": np, **ARRAYS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, scope)
        out = scope["out"]
        outs = out if isinstance(out, tuple) else (out,)
        first = outs[0]
        if isinstance(first, lib.Tensor) and first.requires_grad:
            weights = np.linspace(0.5, 1.5, first.numel()).reshape(tuple(first.shape))
            (first * lib.tensor(weights, dtype=first.dtype)).sum().backward()
    leaves = {
        name: value.grad
        for name, value in scope.items()
        if isinstance(value, lib.Tensor) and value.requires_grad and value.is_leaf
    }
    return outs, leaves


def _outcome(lib, code: str):
    try:
        return _run(lib, code)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return exc


def _tensor_difference(mine, theirs, what: str) -> str | None:
    if theirs is None or mine is None:
        return None if mine is theirs else f"{what}: {mine!r:.80} where PyTorch has {theirs!r:.80}"
    if str(mine.dtype).split(".")[-1] != str(theirs.dtype).split(".")[-1]:
        return f"{what}: dtype {mine.dtype}, PyTorch {theirs.dtype}"
    x, y = mine.detach().numpy(), theirs.detach().numpy()
    if x.shape != y.shape:
        return f"{what}: shape {x.shape}, PyTorch {y.shape}"
    if not np.allclose(x, y, rtol=1e-6, atol=1e-7, equal_nan=True):
        return f"{what}: values differ by up to {np.nanmax(np.abs(x - y))}\n{x}\n{y}"
    return None


def _difference(code: str) -> str | None:
    """How minigrad's outcome of code differs from PyTorch's, or None when they agree."""
    mine, theirs = _outcome(minigrad, code), _outcome(torch, code)
    if isinstance(mine, Exception) or isinstance(theirs, Exception):
        if type(mine).__name__ == type(theirs).__name__:
            return None
        return f"minigrad: {mine!r:.300}\nPyTorch: {theirs!r:.300}"
    (outs, grads), (their_outs, their_grads) = mine, theirs
    if len(outs) != len(their_outs) or set(grads) != set(their_grads):
        mine_shown, theirs_shown = (len(outs), set(grads)), (len(their_outs), set(their_grads))
        return f"outputs and grads of: {mine_shown}, PyTorch {theirs_shown}"
    pairs = [(f"output {i}", a, b) for i, (a, b) in enumerate(zip(outs, their_outs))]
    pairs += [(f"grad of {name}", grads[name], their_grads[name]) for name in their_grads]
    for what, a, b in pairs:
        if isinstance(b, torch.Tensor) or b is None:
            found = _tensor_difference(a, b, what)
        else:
            found = None if a == b else f"{what}: {a!r} != {b!r}"
        if found:
            return found
    return None


def _assert_same(code: str) -> None:
    diff = _difference(code)
    assert diff is None, f"{code}\n{diff}"


# -- losses: every option combination, values and gradients ---------------------------------
X = "x = t.tensor(A, requires_grad=True)\n"
XP = "x = t.tensor(P, requires_grad=True)\n"
LOSSES = {
    "mse both grads": X
    + "y = t.tensor(B, requires_grad=True)\nout = F.mse_loss(x, y, reduction=R)",
    "l1 both grads": X + "y = t.tensor(B, requires_grad=True)\nout = F.l1_loss(x, y, reduction=R)",
    "smooth_l1 beta": X + "out = F.smooth_l1_loss(x, t.tensor(B), reduction=R, beta=0.7)",
    "smooth_l1 beta 0": X + "out = F.smooth_l1_loss(x, t.tensor(B), reduction=R, beta=0.0)",
    "huber delta": X + "out = F.huber_loss(x, t.tensor(B), reduction=R, delta=0.3)",
    "bce weight": XP + "out = F.binary_cross_entropy(x, t.tensor(Y), t.tensor(W), reduction=R)",
    "bce soft target grad": XP
    + "y = t.tensor(P[::-1].copy(), requires_grad=True)\n"
    + "out = F.binary_cross_entropy(x, y, reduction=R)",
    "bce_logits pos_weight": X
    + "out = F.binary_cross_entropy_with_logits(x, t.tensor(Y), pos_weight=t.tensor(W), "
    + "reduction=R)",
    "bce_logits weight and pos_weight": X
    + "y = t.tensor(P, requires_grad=True)\n"
    + "out = F.binary_cross_entropy_with_logits(x, y, weight=t.tensor(W), "
    + "pos_weight=t.tensor(V), reduction=R)",
    "nll weight": X + "out = F.nll_loss(x, t.tensor(C), weight=t.tensor(W), reduction=R)",
    "nll ignored -100": X + "out = F.nll_loss(x, t.tensor([0, 4, -100, 1]), reduction=R)",
    "nll ignore_index and weight": X
    + "out = F.nll_loss(x, t.tensor(C), ignore_index=2, weight=t.tensor(W), reduction=R)",
    "cross_entropy weight and smoothing": X
    + "out = F.cross_entropy(x, t.tensor(C), label_smoothing=0.2, weight=t.tensor(W), "
    + "reduction=R)",
    "cross_entropy ignore_index, smoothing, weight": X
    + "out = F.cross_entropy(x, t.tensor(C), ignore_index=2, label_smoothing=0.1, "
    + "weight=t.tensor(W), reduction=R)",
    "cross_entropy probabilities, smoothing, weight": X
    + "out = F.cross_entropy(x, t.tensor(S), label_smoothing=0.3, weight=t.tensor(W), "
    + "reduction=R)",
    "cross_entropy probabilities grad": X
    + "s = t.tensor(S, requires_grad=True)\nout = F.cross_entropy(x, s, reduction=R)",
    "cross_entropy spatial ignore_index": "x = t.tensor(I2, requires_grad=True)\n"
    + "out = F.cross_entropy(x, t.tensor(np.arange(84).reshape(2, 7, 6) % 3), reduction=R, "
    + "ignore_index=1, label_smoothing=0.05)",
    "nll spatial weight": "x = t.tensor(I2, requires_grad=True)\n"
    + "out = F.nll_loss(x, t.tensor(np.arange(84).reshape(2, 7, 6) % 3), reduction=R, "
    + "weight=t.tensor([1.0, 2.0, 3.0]))",
    "every target ignored, smoothing": X
    + "out = F.cross_entropy(x, t.tensor([-100] * 4), label_smoothing=0.2, reduction=R)",
    "every target ignored, weight": X
    + "out = F.nll_loss(x, t.tensor([-100] * 4), weight=t.tensor(W), reduction=R)",
    "kl_div log_target": X
    + "y = t.tensor(np.log(S), requires_grad=True)\n"
    + "out = F.kl_div(x.log_softmax(1), y, reduction=R, log_target=True)",
    "kl_div target grad": X
    + "y = t.tensor(S, requires_grad=True)\nout = F.kl_div(x.log_softmax(1), y, reduction=R)",
    "cosine_embedding margin": X
    + "y = t.tensor(B, requires_grad=True)\n"
    + "out = F.cosine_embedding_loss(x, y, t.tensor([1.0, -1.0, 1.0, -1.0]), margin=0.2, "
    + "reduction=R)",
    "margin_ranking": "a = t.tensor(A[0], requires_grad=True)\n"
    + "b = t.tensor(B[0], requires_grad=True)\n"
    + "out = F.margin_ranking_loss(a, b, t.tensor([1.0, -1.0, 1.0, -1.0, 1.0]), margin=0.1, "
    + "reduction=R)",
    "triplet swap p": X
    + "p = t.tensor(B, requires_grad=True)\nn = t.tensor(P, requires_grad=True)\n"
    + "out = F.triplet_margin_loss(x, p, n, margin=0.5, p=1.5, swap=True, reduction=R)",
    "poisson_nll log_input": X + "out = F.poisson_nll_loss(x, t.tensor(V), reduction=R)",
    "poisson_nll rates, full": "x = t.tensor(V, requires_grad=True)\n"
    + "out = F.poisson_nll_loss(x, t.tensor(P * 3), log_input=False, full=True, reduction=R)",
    "gaussian_nll full": X
    + "v = t.tensor(V, requires_grad=True)\n"
    + "out = F.gaussian_nll_loss(x, t.tensor(B), v, full=True, reduction=R)",
    "gaussian_nll shared variance": X
    + "v = t.tensor(V[:, :1].copy(), requires_grad=True)\n"
    + "out = F.gaussian_nll_loss(x, t.tensor(B), v, reduction=R)",
    "gaussian_nll variance without the last dim": X
    + "v = t.tensor(V[:, 0].copy(), requires_grad=True)\n"
    + "out = F.gaussian_nll_loss(x, t.tensor(B), v, reduction=R)",
    "multi_margin p=2 weight": X
    + "out = F.multi_margin_loss(x, t.tensor(C), p=2, margin=0.5, weight=t.tensor(W), "
    + "reduction=R)",
    "multilabel_soft_margin weight": X
    + "out = F.multilabel_soft_margin_loss(x, t.tensor(Y), weight=t.tensor(W), reduction=R)",
    "hinge_embedding margin": X
    + "out = F.hinge_embedding_loss(x, t.tensor(np.sign(B)), margin=0.5, reduction=R)",
    "ctc": "lp = t.tensor(np.log(np.random.default_rng(1).dirichlet(np.ones(4), (6, 2))), "
    + "requires_grad=True)\n"
    + "out = F.ctc_loss(lp, t.tensor([[1, 2, 2], [3, 1, 0]]), t.tensor([6, 5]), "
    + "t.tensor([3, 2]), reduction=R)",
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_loss_options_as_pytorch(name, reduction):
    _assert_same(f"R = {reduction!r}\n" + LOSSES[name])


@settings(max_examples=80, deadline=None)
@given(
    spatial=st.sampled_from([(), (3,), (2, 3)]),
    weighted=st.booleans(),
    ignore_index=st.sampled_from([-100, 0, 2]),
    smoothing=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    probabilities=st.booleans(),
    seed=st.integers(0, 3),
)
def test_drawn_cross_entropy_options_as_pytorch(
    spatial, weighted, ignore_index, smoothing, reduction, probabilities, seed
):
    """cross_entropy and nll_loss over (N, C, *spatial) with every option drawn together;
    targets drawn from 0..C-1 and ignore_index, so whole batches can be ignored."""
    shape = (3, 4, *spatial)
    rng = np.random.default_rng(seed)
    classes = rng.choice([0, 1, 2, 3, ignore_index], size=(3, *spatial)).tolist()
    probs = rng.dirichlet(np.ones(4), (3, *spatial)).transpose(0, -1, *range(1, len(spatial) + 1))
    target = f"t.tensor(np.array({probs.tolist()}))" if probabilities else f"t.tensor({classes})"
    weight = "t.tensor([0.5, 2.0, 1.0, 1.5])" if weighted else "None"
    logits = f"np.random.default_rng({seed}).standard_normal({shape})"
    data = f"x = t.tensor({logits}, requires_grad=True)\n"
    options = f"weight={weight}, reduction={reduction!r}"
    _assert_same(
        data
        + f"out = F.cross_entropy(x, {target}, {options}, label_smoothing={smoothing}"
        + ("" if probabilities else f", ignore_index={ignore_index}")
        + ")"
    )
    if not probabilities:
        _assert_same(
            data + f"out = F.nll_loss(x.log_softmax(1), {target}, {options}, "
            f"ignore_index={ignore_index})"
        )


ELEMENTWISE_LOSSES = {
    "mse_loss": "",
    "l1_loss": "",
    "smooth_l1_loss": "",
    "binary_cross_entropy": ", weight=t.ones(4, 1, dtype=WD) * 0.7",
    "binary_cross_entropy_with_logits": ", weight=t.ones(5, dtype=WD) * 0.7, "
    + "pos_weight=t.ones(1, 5, dtype=WD) * 1.5",
    "kl_div": "",
    "poisson_nll_loss": "",
    "soft_margin_loss": "",
    "multilabel_soft_margin_loss": ", weight=t.ones(5, dtype=WD) * 0.7",
}


@pytest.mark.parametrize("loss", ELEMENTWISE_LOSSES)
@pytest.mark.parametrize("input_dtype", ["float32", "float64"])
@pytest.mark.parametrize("target_dtype", ["float32", "float64"])
@pytest.mark.parametrize("weight_dtype", ["float32", "float64"])
def test_losses_of_two_float_dtypes_as_pytorch(loss, input_dtype, target_dtype, weight_dtype):
    """The result's dtype (promoted, or the input's where PyTorch computes in its buffer) and
    the gradient, for each mix of float32 and float64 input, target and weight. (huber_loss:
    docs/nn.md)"""
    options = ELEMENTWISE_LOSSES[loss].replace("WD", f"t.{weight_dtype}")
    _assert_same(
        f"x = t.tensor(P, dtype=t.{input_dtype}, requires_grad=True)\n"
        f"out = F.{loss}(x, t.tensor(Y, dtype=t.{target_dtype}){options})"
    )


OTHER_LOSS_CALLS = {
    "float32 logits, int32 classes": "x = t.tensor(A, dtype=t.float32, requires_grad=True)\n"
    + "out = F.cross_entropy(x, t.tensor(C, dtype=t.int32), label_smoothing=0.1)",
    "uint8 classes": "x = t.tensor(A, dtype=t.float32, requires_grad=True)\n"
    + "out = F.nll_loss(x, t.tensor(C, dtype=t.uint8))",
    "float32 target of a float64 input": X + "out = F.mse_loss(x, t.tensor(B).float())",
    "float64 target of a float32 input": "x = t.tensor(A, dtype=t.float32, requires_grad=True)\n"
    + "out = F.l1_loss(x, t.tensor(B))",
    "broadcast target, with a warning": X + "out = F.l1_loss(x, t.tensor(B[:1]), reduction='none')",
    "float32 probabilities and weight of float64 logits": X
    + "out = F.cross_entropy(x, t.tensor(S).float(), weight=t.tensor(W).float())",
    "float64 probabilities of float32 logits": "x = t.tensor(A, dtype=t.float32, "
    + "requires_grad=True)\nout = F.cross_entropy(x, t.tensor(S), label_smoothing=0.1)",
    "soft_margin float64 target of float32": "x = t.tensor(A, dtype=t.float32, "
    + "requires_grad=True)\nout = F.soft_margin_loss(x, t.tensor(np.sign(B)))",
    "unbatched class index": "x = t.tensor(A[0], requires_grad=True)\n"
    + "out = F.cross_entropy(x, t.tensor(3), label_smoothing=0.1)",
    "unbatched probabilities": "x = t.tensor(A[0], requires_grad=True)\n"
    + "out = F.cross_entropy(x, t.tensor(S[0]), label_smoothing=0.1)",
    "empty batch, mean": "x = t.zeros(0, 5, requires_grad=True)\n"
    + "out = F.cross_entropy(x, t.zeros(0, dtype=t.long))",
    "empty batch, sum": "x = t.zeros(0, 5, requires_grad=True)\n"
    + "out = F.cross_entropy(x, t.zeros(0, dtype=t.long), reduction='sum')",
    "empty mse": "x = t.zeros(0, 5, requires_grad=True)\nout = F.mse_loss(x, t.zeros(0, 5))",
    "empty bce_logits": "x = t.zeros(0, 5, requires_grad=True)\n"
    + "out = F.binary_cross_entropy_with_logits(x, t.zeros(0, 5))",
    "empty kl_div batchmean": "x = t.zeros(0, 5, requires_grad=True)\n"
    + "out = F.kl_div(x, t.zeros(0, 5), reduction='batchmean')",
    "kl_div batchmean": X + "out = F.kl_div(x, t.tensor(S), reduction='batchmean')",
    "ctc zero_infinity": "lp = t.tensor(np.log(np.random.default_rng(1).dirichlet(np.ones(4), "
    + "(6, 2))), requires_grad=True)\n"
    + "out = F.ctc_loss(lp, t.tensor([[1, 2, 2], [3, 1, 0]]), t.tensor([6, 1]), "
    + "t.tensor([3, 2]), zero_infinity=True)",
    "bce at 0 and 1": "x = t.tensor([0.0, 1.0, 0.5], requires_grad=True)\n"
    + "out = F.binary_cross_entropy(x, t.tensor([1.0, 0.0, 1.0]), reduction='none')",
    "smooth_l1 at the kink": "x = t.tensor([0.0, 1.0, 2.0, -1.0], requires_grad=True)\n"
    + "out = F.smooth_l1_loss(x, t.tensor([0.0, 0.0, 1.0, 0.0]))",
    "legacy size_average": X + "out = F.mse_loss(x, t.tensor(B), size_average=False)",
    "legacy reduce": X + "out = F.nll_loss(x, t.tensor(C), reduce=False)",
    "module with options": X
    + "out = nn.CrossEntropyLoss(weight=t.tensor(W), ignore_index=4, label_smoothing=0.3)"
    + "(x, t.tensor(C))",
    "bce_logits module": X
    + "out = nn.BCEWithLogitsLoss(pos_weight=t.tensor(W), reduction='sum')(x, t.tensor(Y))",
}


@pytest.mark.parametrize("name", OTHER_LOSS_CALLS)
def test_other_loss_calls_as_pytorch(name):
    _assert_same(OTHER_LOSS_CALLS[name])


# -- pooling ---------------------------------------------------------------------------------
X1, X2, X3 = (f"x = t.tensor({a}, requires_grad=True)\n" for a in ("I1", "I2", "I3"))
POOLING = {
    "max_pool2d dilation, ceil, indices": X2
    + "out = F.max_pool2d(x, 3, 2, 1, dilation=(2, 1), ceil_mode=True, return_indices=True)",
    "max_pool1d unbatched indices": X1 + "out = F.max_pool1d(x[0], 2, return_indices=True)",
    "max_pool3d unbatched indices": X3 + "out = F.max_pool3d(x[0], 2, return_indices=True)",
    "avg_pool3d unbatched": X3 + "out = F.avg_pool3d(x[0], 2)",
    "avg_pool2d stride []": X2 + "out = F.avg_pool2d(x, 2, stride=[])",
    "max_pool2d ties": "x = t.ones(1, 1, 4, 4, requires_grad=True)\n"
    + "out = F.max_pool2d(x, 2, 1, return_indices=True)",
    "max_pool1d nan": "x = t.tensor([[[1.0, float('nan'), 0.0, 2.0]]], requires_grad=True)\n"
    + "out = F.max_pool1d(x, 2, return_indices=True)",
    "max_pool1d -inf": "x = t.tensor([[[-float('inf'), -float('inf'), 0.0, 2.0]]], "
    + "requires_grad=True)\nout = F.max_pool1d(x, 2, return_indices=True)",
    "adaptive_avg_pool2d None": X2 + "out = F.adaptive_avg_pool2d(x, (None, 4))",
    "adaptive_avg_pool2d larger": X2 + "out = F.adaptive_avg_pool2d(x, (9, 8))",
    "adaptive_max_pool2d None": X2 + "out = F.adaptive_max_pool2d(x, (4, None))",
    "adaptive_max_pool2d unbatched indices": X2
    + "out = F.adaptive_max_pool2d(x[0], 4, return_indices=True)",
    "adaptive_max_pool1d larger, indices": X1
    + "out = F.adaptive_max_pool1d(x, 12, return_indices=True)",
    "adaptive_avg_pool1d unbatched": X1 + "out = F.adaptive_avg_pool1d(x[0], 5)",
    "adaptive float32": "x = t.tensor(I2, dtype=t.float32, requires_grad=True)\n"
    + "out = F.adaptive_avg_pool2d(x, 3)",
    "MaxPool2d module": X2 + "out = nn.MaxPool2d(3, 2, 1, ceil_mode=True, return_indices=True)(x)",
    "AvgPool2d module": X2
    + "out = nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False, "
    + "divisor_override=2)(x)",
    "AdaptiveMaxPool2d module": X2 + "out = nn.AdaptiveMaxPool2d((2, 3), return_indices=True)(x)",
    "max_unpool2d output_size": X2
    + "o, i = F.max_pool2d(x, 2, return_indices=True)\n"
    + "out = F.max_unpool2d(o, i, 2, output_size=(7, 6))",
    "max_unpool3d": X3
    + "o, i = F.max_pool3d(x, 2, return_indices=True)\n"
    + "out = F.max_unpool3d(o, i, 2, output_size=x.shape[2:])",
    "empty batch max_pool2d": "x = t.zeros(0, 3, 4, 4, requires_grad=True)\n"
    + "out = F.max_pool2d(x, 2)",
    "empty batch avg_pool1d": "x = t.zeros(0, 3, 4, requires_grad=True)\n"
    + "out = F.avg_pool1d(x, 2)",
    "empty batch adaptive_avg_pool2d": "x = t.zeros(0, 3, 4, 4, requires_grad=True)\n"
    + "out = F.adaptive_avg_pool2d(x, 2)",
}


@pytest.mark.parametrize("name", POOLING)
def test_pooling_calls_as_pytorch(name):
    _assert_same(POOLING[name])


def test_integer_adaptive_average_is_a_float_mean():
    """PyTorch has no integer kernel; minigrad averages integers into the default float dtype,
    as its avg_pool2d does (docs/nn.md): PyTorch's means of the values as floats (a matmul by
    1/k weights cast to int64 once gave zeros)."""
    ints = np.arange(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) % 11
    calls = {
        "adaptive_avg_pool2d": lambda F, x: F.adaptive_avg_pool2d(x, (3, 4)),
        "adaptive_avg_pool1d": lambda F, x: F.adaptive_avg_pool1d(x[0], 4),
        "area": lambda F, x: F.interpolate(x, size=(3, 4), mode="area"),
    }
    for name, call in calls.items():
        ours = call(minigrad.nn.functional, minigrad.tensor(ints))
        theirs = call(torch.nn.functional, torch.tensor(ints, dtype=torch.float32))
        assert ours.dtype == minigrad.float32, name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(
    dims=st.sampled_from([1, 2, 3]),
    kernel=st.integers(1, 4),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    ceil_mode=st.booleans(),
    count_include_pad=st.booleans(),
    divisor=st.sampled_from([None, 1, 3]),
    size=st.integers(4, 7),
)
def test_drawn_average_pools_as_pytorch(
    dims, kernel, stride, padding, ceil_mode, count_include_pad, divisor, size
):
    shape = (2, 2) + (size,) * dims
    options = f"{kernel}, {stride}, {min(padding, kernel // 2)}, {ceil_mode}, {count_include_pad}"
    if dims > 1:
        options += f", {divisor}"
    _assert_same(
        f"x = t.tensor(np.random.default_rng(3).standard_normal({shape}), requires_grad=True)\n"
        f"out = F.avg_pool{dims}d(x, {options})"
    )


@settings(max_examples=60, deadline=None)
@given(
    dims=st.sampled_from([1, 2, 3]),
    kernel=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 1),
    dilation=st.integers(1, 2),
    ceil_mode=st.booleans(),
    size=st.integers(5, 8),
)
def test_drawn_max_pools_with_indices_as_pytorch(
    dims, kernel, stride, padding, dilation, ceil_mode, size
):
    shape = (2, 2) + (size,) * dims
    _assert_same(
        f"x = t.tensor(np.random.default_rng(4).standard_normal({shape}), requires_grad=True)\n"
        f"out = F.max_pool{dims}d(x, {kernel}, {stride}, {min(padding, kernel // 2)}, "
        f"{dilation}, {ceil_mode}, True)"
    )


@settings(max_examples=40, deadline=None)
@given(dims=st.sampled_from([1, 2]), out=st.lists(st.integers(1, 10), min_size=2, max_size=2))
def test_drawn_adaptive_pools_as_pytorch(dims, out):
    shape, size = ((2, 3, 9), out[0]) if dims == 1 else ((2, 3, 7, 6), tuple(out))
    data = f"x = t.tensor(np.random.default_rng(5).standard_normal({shape}), requires_grad=True)\n"
    _assert_same(data + f"out = F.adaptive_avg_pool{dims}d(x, {size})")
    _assert_same(data + f"out = F.adaptive_max_pool{dims}d(x, {size}, return_indices=True)")


# -- padding ---------------------------------------------------------------------------------
def test_circular_padding_crops_before_it_wraps():
    """A negative amount crops first; the wrap goes around what is left (PyTorch's order): the
    source of (-1, 2) on 0..5 is 1 2 3 4 5 1 2, not 1 2 3 4 5 0 1."""
    for pads in [(-1, 2), (2, -1), (-3, 3), (3, -3), (-2, -1), (-2, 4)]:
        _assert_same(f"x = t.tensor(I1, requires_grad=True)\nout = F.pad(x, {pads}, 'circular')")
    ours = minigrad.nn.functional.pad(minigrad.arange(6.0).reshape(1, 1, 6), (-1, 2), "circular")
    assert ours.flatten().tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0]


@settings(max_examples=80, deadline=None)
@given(
    mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
    dims=st.sampled_from([1, 2, 3]),
    batched=st.booleans(),
    pads=st.lists(st.integers(-2, 3), min_size=6, max_size=6),
)
def test_drawn_padding_as_pytorch(mode, dims, batched, pads):
    """Every mode, negative (cropping) amounts included; wrong ones must fail as PyTorch's."""
    shape = ((2,) if batched else ()) + (3,) + (5, 4, 6)[:dims]
    _assert_same(
        f"x = t.tensor(np.random.default_rng(6).standard_normal({shape}), requires_grad=True)\n"
        f"out = F.pad(x, {tuple(pads[: 2 * dims])}, mode={mode!r})"
    )


PADDING = {
    "constant value": X2 + "out = F.pad(x, (1, 1), value=2.5)",
    "constant over every dim": X2 + "out = F.pad(x, (1, 1, 1, 1, 1, 1, 1, 1))",
    "no padding": X2 + "out = F.pad(x, [])",
    "integer constant": "x = t.arange(12).reshape(1, 3, 4)\nout = F.pad(x, (1, 1), value=2.7)",
    "integer reflect": "x = t.arange(12).reshape(1, 3, 4)\nout = F.pad(x, (1, 1), mode='reflect')",
    "reflect of an unbatched 3-D input": X2 + "out = F.pad(x, (1, 1, 1, 1, 1, 1), mode='reflect')",
    "ReflectionPad2d": X2 + "out = nn.ReflectionPad2d((1, 2, 0, 3))(x)",
    "ConstantPad1d": X1 + "out = nn.ConstantPad1d((2, 0), -1.0)(x)",
    "ReplicationPad3d": X3 + "out = nn.ReplicationPad3d(1)(x)",
    "CircularPad2d": X2 + "out = nn.CircularPad2d((1, 1, 2, 2))(x)",
}


@pytest.mark.parametrize("name", PADDING)
def test_padding_calls_as_pytorch(name):
    _assert_same(PADDING[name])


# -- interpolate, pixel shuffle, unfold, normalize, one_hot, embedding, dropout --------------
@settings(max_examples=80, deadline=None)
@given(
    mode=st.sampled_from(
        ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"]
    ),
    align_corners=st.sampled_from([None, False, True]),
    by_scale=st.booleans(),
    scale=st.sampled_from([0.45, 0.6, 1.0, 1.7, 2.0, 2.5]),
    size=st.integers(1, 9),
    recompute=st.sampled_from([None, True]),
)
def test_drawn_interpolation_as_pytorch(mode, align_corners, by_scale, scale, size, recompute):
    dims = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode, 1 + size % 2)
    if mode not in ("linear", "bilinear", "bicubic", "trilinear"):
        align_corners = None  # PyTorch refuses it (tested with the wrong calls)
    shape = (1, 2) + (7, 6, 5)[:dims]
    target = f"scale_factor={scale}" if by_scale else f"size={size}"
    _assert_same(
        f"x = t.tensor(np.random.default_rng(7).standard_normal({shape}), requires_grad=True)\n"
        f"out = F.interpolate(x, {target}, mode={mode!r}, align_corners={align_corners}, "
        f"recompute_scale_factor={recompute if by_scale else None})"
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(16, 20), (4, 11), (37, 91), (8, 13)])
def test_uint8_interpolation_is_pytorchs_but_for_rounding(mode, align_corners, size):
    """uint8 blends one dim at a time from the last, rounded and saturated after each pass, as
    PyTorch's kernel (its fixed-point weights leave a few pixels one or two apart, docs/nn.md); a
    uint8 blend once wrapped around (differences up to 227)."""
    images = np.random.default_rng(8).integers(0, 256, (2, 3, 9, 8), dtype=np.uint8)
    ours, theirs = (
        lib.nn.functional.interpolate(
            lib.tensor(images), size=size, mode=mode, align_corners=align_corners
        )
        for lib in (minigrad, torch)
    )
    assert ours.dtype == minigrad.uint8 and tuple(ours.shape) == tuple(theirs.shape)
    gap = np.abs(ours.numpy().astype(int) - theirs.numpy().astype(int))
    assert gap.max() <= 2 and gap.mean() < 0.2


def test_integer_linear_interpolation_rounds():
    """int64 has no PyTorch kernel; minigrad blends it as uint8 (round half to even after each
    pass), which is the rounded float result here, not its floor."""
    x = minigrad.arange(24).reshape(1, 2, 3, 4)
    ours = minigrad.nn.functional.interpolate(x, scale_factor=2, mode="bilinear")
    floats = torch.nn.functional.interpolate(
        torch.arange(24.0).reshape(1, 2, 3, 4), scale_factor=2, mode="bilinear"
    )
    assert ours.dtype == minigrad.int64
    np.testing.assert_array_equal(ours.numpy(), floats.round().numpy())


RESAMPLING = {
    "Upsample align_corners": X2
    + "out = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)(x)",
    "UpsamplingBilinear2d": X2 + "out = nn.UpsamplingBilinear2d(scale_factor=2)(x)",
    "UpsamplingNearest2d size": X2 + "out = nn.UpsamplingNearest2d(size=(10, 3))(x)",
    "bicubic float32": "x = t.tensor(I2, dtype=t.float32, requires_grad=True)\n"
    + "out = F.interpolate(x, scale_factor=2, mode='bicubic')",
    "pixel_shuffle two batch dims": "x = t.tensor(np.random.default_rng(9).standard_normal("
    + "(3, 2, 8, 3, 5)), requires_grad=True)\nout = F.pixel_shuffle(x, 2)",
    "pixel_unshuffle unbatched": "x = t.tensor(np.random.default_rng(9).standard_normal("
    + "(8, 6, 4)), requires_grad=True)\nout = F.pixel_unshuffle(x, 2)",
    "PixelShuffle module": "x = t.tensor(np.random.default_rng(9).standard_normal((8, 6, 4)), "
    + "requires_grad=True)\nout = nn.PixelShuffle(2)(x)",
    "unfold dilation, padding, stride": X2
    + "out = F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(2, 2))",
    "unfold unbatched": X2 + "out = F.unfold(x[0], 2)",
    "fold stride, padding": "x = t.tensor(np.random.default_rng(9).standard_normal((2, 12, 12)), "
    + "requires_grad=True)\nout = F.fold(x, (5, 6), (2, 2), stride=(2, 1), padding=(1, 0))",
    "fold unbatched": "x = t.tensor(np.random.default_rng(9).standard_normal((12, 12)), "
    + "requires_grad=True)\nout = F.fold(x, (5, 6), (2, 2), stride=(2, 1), padding=(1, 0))",
    "normalize p=1 last dim": X2 + "out = F.normalize(x, p=1, dim=-1)",
    "normalize inf with eps": X2 + "out = F.normalize(x, p=float('inf'), dim=2, eps=0.5)",
    "normalize zeros": "x = t.zeros(3, 4, requires_grad=True)\nout = F.normalize(x)",
    "normalize dim tuple": X2 + "out = F.normalize(x, p=0.5, dim=(1, 2))",
    "one_hot": "out = F.one_hot(t.tensor([[0, 3], [1, 2]]), 6)",
    "one_hot empty": "out = F.one_hot(t.tensor([], dtype=t.long), 4)",
    "one_hot 0-d": "out = F.one_hot(t.tensor(2), 4)",
    "embedding padding_idx": "w = t.tensor(A, requires_grad=True)\n"
    + "out = F.embedding(t.tensor([[0, 2], [3, 2]]), w, padding_idx=2)",
    "embedding negative padding_idx": "w = t.tensor(A, requires_grad=True)\n"
    + "out = F.embedding(t.tensor([[0, 2], [3, 2]]), w, padding_idx=-2)",
    "embedding max_norm renormalises in place": "w = t.tensor(A * 3)\n"
    + "F.embedding(t.tensor([[0, 2], [3, 2]]), w, max_norm=1.0)\nout = w",
    "embedding max_norm norm_type 1": "w = t.tensor(A * 3)\n"
    + "F.embedding(t.tensor([0, 2, 2]), w, max_norm=2.0, norm_type=1.0)\nout = w",
    "embedding int32 indices": "w = t.tensor(A, requires_grad=True)\n"
    + "out = F.embedding(t.tensor([1, 3], dtype=t.int32), w)",
    "Embedding padding row is zero": "out = nn.Embedding(4, 5, padding_idx=1).weight[1]",
    "Embedding.from_pretrained": "e = nn.Embedding.from_pretrained(t.tensor(A))\n"
    + "out = (e(t.tensor([0, 1])), e.weight.requires_grad)",
    "dropout eval": X2 + "out = F.dropout(x, 0.5, training=False)",
    "dropout p=1": X2 + "out = F.dropout(x, 1.0, training=True)",
    "dropout2d p=1": X2 + "out = F.dropout2d(x, 1.0, training=True)",
    "alpha_dropout p=1": X2 + "out = F.alpha_dropout(x, 1.0, training=True)",
    "Dropout module eval": X2 + "d = nn.Dropout(0.9)\nd.eval()\nout = d(x)",
    "dropout keeps shape and dtype": X2
    + "y = F.dropout(x)\nout = (tuple(y.shape), str(y.dtype).split('.')[1])",
    "dropout integers in eval": "out = F.dropout(t.arange(4), 0.5, training=False)",
    "empty batch fold": "x = t.zeros(0, 12, 9, requires_grad=True)\nout = F.fold(x, 4, 2)",
    "empty batch unfold": "x = t.zeros(0, 3, 4, 4, requires_grad=True)\nout = F.unfold(x, 2)",
    "empty batch bilinear": "x = t.zeros(0, 3, 4, 4, requires_grad=True)\n"
    + "out = F.interpolate(x, scale_factor=2, mode='bilinear')",
    "empty batch reflect pad": "x = t.zeros(0, 3, 4, 4, requires_grad=True)\n"
    + "out = F.pad(x, (1, 1), mode='reflect')",
    "empty batch grid_sample": "x = t.zeros(0, 3, 4, 4, requires_grad=True)\n"
    + "out = F.grid_sample(x, t.zeros(0, 2, 2, 2), align_corners=False)",
    "empty embedding lookup": "w = t.tensor(A, requires_grad=True)\n"
    + "out = F.embedding(t.zeros(0, dtype=t.long), w)",
    "affine_grid": "th = t.tensor(np.random.default_rng(10).standard_normal((2, 2, 3)), "
    + "requires_grad=True)\nout = F.affine_grid(th, (2, 3, 4, 5), align_corners=False)",
}


@pytest.mark.parametrize("name", RESAMPLING)
def test_resampling_and_lookup_calls_as_pytorch(name):
    _assert_same(RESAMPLING[name])


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_as_pytorch(padding_mode, align_corners):
    grid = "g = t.tensor(np.random.default_rng(11).uniform(-1.3, 1.3, (2, 4, 5, 2)), "
    _assert_same(
        X2 + grid + "requires_grad=True)\n"
        f"out = F.grid_sample(x, g, 'bilinear', {padding_mode!r}, {align_corners})"
    )
    # nearest: the grid gets no gradient in minigrad (None; PyTorch's is zeros, docs/nn.md)
    _assert_same(
        X2 + grid + "requires_grad=False)\n"
        f"out = F.grid_sample(x, g, 'nearest', {padding_mode!r}, {align_corners})"
    )


# -- activations and their keyword arguments ------------------------------------------------
COPY = "x0 = t.tensor(A, requires_grad=True)\nx = x0 * 1.0\n"
ACTIVATIONS = {
    "relu": "F.relu(x, inplace=IP)",
    "leaky_relu slope": "F.leaky_relu(x, negative_slope=0.2, inplace=IP)",
    "elu alpha": "F.elu(x, alpha=0.7, inplace=IP)",
    "celu alpha": "F.celu(x, alpha=1.7, inplace=IP)",
    "selu": "F.selu(x, inplace=IP)",
    "hardtanh bounds": "F.hardtanh(x, -0.5, 0.3, inplace=IP)",
    "relu6": "F.relu6(x * 4, inplace=IP)",
    "hardswish": "F.hardswish(x * 3, inplace=IP)",
    "hardsigmoid": "F.hardsigmoid(x * 3, inplace=IP)",
    "silu": "F.silu(x, inplace=IP)",
    "mish": "F.mish(x, inplace=IP)",
    "threshold": "F.threshold(x, 0.1, -2.0, inplace=IP)",
    "rrelu eval": "F.rrelu(x, training=False, inplace=IP)",
}


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_keywords_and_inplace_as_pytorch(name, inplace):
    call = ACTIVATIONS[name].replace("IP", str(inplace))
    _assert_same(COPY + f"out = {call}")
    # in place: the result is the input tensor, which now holds it
    _assert_same(COPY + f"y = {call}\nout = (y is x, x)")


@pytest.mark.parametrize("view", ["y[1:3]", "y.T"])
@pytest.mark.parametrize(
    "call",
    ["F.relu_(v)", "F.elu_(v, 0.5)", "F.hardtanh_(v)", "F.leaky_relu_(v, 0.3)", "F.silu(v, True)"],
)
def test_inplace_activation_of_a_view_reaches_its_base_as_pytorch(call, view):
    """Writing through a view changes the base, and the base's gradient flows through it."""
    _assert_same(
        f"x0 = t.tensor(A, requires_grad=True)\ny = x0 * 1.0\nv = {view}\n{call}\nout = (y * 2, v)"
    )


ACTIVATION_CALLS = {
    "softplus beta threshold": X + "out = F.softplus(x, beta=2.0, threshold=1.0)",
    "softplus linear region": X + "out = F.softplus(x * 30, beta=0.5, threshold=5)",
    "softplus negative beta": X + "out = F.softplus(x, beta=-1.0)",
    "Softplus module": X + "out = nn.Softplus(beta=3, threshold=2)(x)",
    "gelu tanh": X + "out = F.gelu(x, approximate='tanh')",
    "GELU module tanh": X + "out = nn.GELU('tanh')(x)",
    "gelu tanh float32": "x = t.tensor([-1.0, 0.0, 1.0], requires_grad=True)\n"
    + "out = F.gelu(x, approximate='tanh')",
    "logsigmoid large": X + "out = F.logsigmoid(x * 40)",
    "hardshrink": X + "out = F.hardshrink(x, 0.3)",
    "softshrink": X + "out = F.softshrink(x, lambd=0.3)",
    "glu dim 0": X + "out = F.glu(x.T.contiguous(), 0)",
    "prelu one slope": X + "out = F.prelu(x, t.tensor([0.25], dtype=t.float64))",
    "prelu per channel": X2
    + "w = t.tensor([0.1, 0.2, 0.3], dtype=t.float64, requires_grad=True)\nout = F.prelu(x, w)",
    "softmax dtype": X + "out = F.softmax(x, dim=0, dtype=t.float32)",
    "softmin": X + "out = F.softmin(x, 1)",
    "hardtanh equal bounds": X + "out = F.hardtanh(x, min_val=0.5, max_val=0.5)",
    "kinks": "x = t.tensor([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0], requires_grad=True)\n"
    + "out = t.stack([F.relu6(x), F.hardswish(x), F.hardsigmoid(x), F.hardtanh(x), "
    + "F.leaky_relu(x), F.elu(x), F.celu(x, 2.0)])",
    "shrink kinks": "x = t.tensor([-0.5, 0.5, 1.0], requires_grad=True)\n"
    + "out = t.stack([F.hardshrink(x, 0.5), F.softshrink(x, 0.5), F.threshold(x, 0.5, 9.0)])",
    "softplus at the threshold": "x = t.tensor([1.0, 2.0], requires_grad=True)\n"
    + "out = F.softplus(x, beta=2, threshold=2)",
    "integer relu": "out = F.relu(t.tensor([-1, 2]))",
    "integer hardtanh": "out = F.hardtanh(t.tensor([-1, 2, 9]), -1, 3)",
    "integer threshold": "out = F.threshold(t.tensor([-1, 2]), 0, 5)",
    "integer sigmoid": "out = F.sigmoid(t.tensor([1, 2]))",
    "bool relu": "out = F.relu(t.tensor([True, False]))",
}


@pytest.mark.parametrize("name", ACTIVATION_CALLS)
def test_activation_calls_as_pytorch(name):
    _assert_same(ACTIVATION_CALLS[name])


# -- normalisation, functional forms ---------------------------------------------------------
RUNNING = "rm = t.zeros(3, dtype=t.float64)\nrv = t.ones(3, dtype=t.float64)\n"
AFFINE = (
    "w = t.tensor([1.0, 2.0, 3.0], dtype=t.float64, requires_grad=True)\n"
    "b = t.tensor([0.0, 1.0, -1.0], dtype=t.float64, requires_grad=True)\n"
)
NORMS = {
    "batch_norm training": X2
    + RUNNING
    + AFFINE
    + "out = (F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3, eps=1e-3), rm, rv)",
    "batch_norm eval": X2 + RUNNING + "out = (F.batch_norm(x, rm, rv, training=False), rm, rv)",
    "batch_norm no running stats": X2 + "out = F.batch_norm(x, None, None, training=True)",
    "batch_norm cumulative momentum": X2
    + RUNNING
    + "out = (F.batch_norm(x[:, :, 0], rm, rv, training=True, momentum=None), rm, rv)",
    "batch_norm empty batch": "x = t.zeros(0, 3, 4, requires_grad=True)\n"
    + "rm = t.zeros(3)\nrv = t.ones(3)\n"
    + "out = (F.batch_norm(x, rm, rv, training=True), rm, rv)",
    "layer_norm weight without bias": X2
    + "w = t.tensor(np.linspace(0.5, 2, 42).reshape(7, 6), requires_grad=True)\n"
    + "out = F.layer_norm(x, (7, 6), w, None, eps=1e-2)",
    "layer_norm bias only": X2
    + "b = t.tensor(np.linspace(0.5, 2, 6), requires_grad=True)\n"
    + "out = F.layer_norm(x, (6,), bias=b)",
    "layer_norm empty": "x = t.zeros(0, 3, 4, requires_grad=True)\nout = F.layer_norm(x, (4,))",
    "group_norm affine": "x = t.tensor(np.random.default_rng(12).standard_normal((2, 6, 5)), "
    + "requires_grad=True)\nw = t.tensor(np.linspace(0.5, 2, 6), requires_grad=True)\n"
    + "b = t.tensor(np.linspace(-1, 1, 6), requires_grad=True)\n"
    + "out = F.group_norm(x, 3, w, b, eps=1e-3)",
    "group_norm one per channel": X2 + "out = F.group_norm(x, 3)",
    "group_norm 2-D": "x = t.tensor(A[:, :4], requires_grad=True)\nout = F.group_norm(x, 2)",
    "group_norm empty": "x = t.zeros(0, 3, 4, requires_grad=True)\nout = F.group_norm(x, 3)",
    "instance_norm affine": X2 + AFFINE + "out = F.instance_norm(x, weight=w, bias=b, eps=1e-3)",
    "instance_norm running stats": X2
    + RUNNING
    + "out = (F.instance_norm(x, rm, rv, use_input_stats=True, momentum=0.2), rm, rv)",
    "instance_norm from running stats": X2
    + "rm = t.tensor([0.1, 0.2, 0.3], dtype=t.float64)\n"
    + "rv = t.tensor([1.0, 2.0, 3.0], dtype=t.float64)\n"
    + "out = F.instance_norm(x, rm, rv, use_input_stats=False)",
    "instance_norm 1-D and 3-D": X1 + X3.replace("x =", "z =") + "out = (F.instance_norm(x), "
    "F.instance_norm(z))",
    "InstanceNorm2d tracking": X2
    + "m = nn.InstanceNorm2d(3, affine=True, track_running_stats=True).double()\n"
    + "y = m(x)\nout = (y, m.running_mean, m.running_var)",
    "InstanceNorm1d unbatched": "x = t.tensor(I1[0], requires_grad=True)\n"
    + "out = nn.InstanceNorm1d(3)(x.float()).double()",
    "BatchNorm2d cumulative": X2
    + "m = nn.BatchNorm2d(3, affine=False, momentum=None).double()\nm(x)\ny = m(x * 2)\n"
    + "out = (y, m.running_mean, m.running_var, m.num_batches_tracked)",
    "local_response_norm": X2 + "out = F.local_response_norm(x, 3, alpha=0.1, beta=0.5, k=2.0)",
    "rms_norm weight eps": X2
    + "w = t.tensor(np.linspace(0.5, 2, 6), requires_grad=True)\n"
    + "out = F.rms_norm(x, (6,), w, eps=0.1)",
}


@pytest.mark.parametrize("name", NORMS)
def test_normalisation_calls_as_pytorch(name):
    _assert_same(NORMS[name])


# -- wrong calls: PyTorch's exception type, and minigrad's message names the op --------------
WRONG = {
    # (code, what minigrad's message names)
    "l1_loss shapes": (X + "out = F.l1_loss(x, t.tensor(B[:3]))", "l1_loss"),
    "kl_div shapes": (X + "out = F.kl_div(x, t.tensor(S[:3]))", "kl_div"),
    "cosine_embedding target length": (
        X + "out = F.cosine_embedding_loss(x, t.tensor(B), t.ones(3))",
        "cosine_embedding_loss",
    ),
    "triplet shapes": (X + "out = F.triplet_margin_loss(x, x, t.tensor(B[:3]))", "triplet"),
    "margin_ranking shapes": (
        X + "out = F.margin_ranking_loss(x, t.tensor(B[:3]), t.ones(4, 5))",
        "margin_ranking_loss",
    ),
    "bce weight shape": (
        XP + "out = F.binary_cross_entropy(x, t.tensor(Y), weight=t.tensor(W[:3]))",
        "binary_cross_entropy",
    ),
    "bce_logits pos_weight shape": (
        X + "out = F.binary_cross_entropy_with_logits(x, t.tensor(Y), pos_weight=t.tensor(W[:3]))",
        "binary_cross_entropy_with_logits",
    ),
    "gaussian_nll bogus reduction": (
        X + "out = F.gaussian_nll_loss(x, t.tensor(B), t.tensor(V), reduction='bogus')",
        "gaussian_nll_loss",
    ),
    "poisson_nll bogus reduction": (
        X + "out = F.poisson_nll_loss(x, t.tensor(V), reduction='bogus')",
        "poisson_nll_loss",
    ),
    "kl_div bogus reduction": (X + "out = F.kl_div(x, t.tensor(S), reduction='bogus')", "kl_div"),
    "nll of a 0-d input": ("out = F.nll_loss(t.tensor(A)[0, 0], t.tensor(0))", "nll_loss"),
    "nll float target": (X + "out = F.nll_loss(x, t.tensor(C, dtype=t.float64))", "nll_loss"),
    "cross_entropy probabilities of another shape": (
        X + "out = F.cross_entropy(x, t.tensor(S[:, :4]))",
        "cross_entropy",
    ),
    "cross_entropy smoothing above 1": (
        X + "out = F.cross_entropy(x, t.tensor(C), label_smoothing=1.5)",
        "label_smoothing",
    ),
    "bce integer target": (
        XP + "out = F.binary_cross_entropy(x, t.tensor(Y).long())",
        "binary_cross_entropy",
    ),
    "bce_logits integer target": (
        X + "out = F.binary_cross_entropy_with_logits(x, t.tensor(Y).long())",
        "binary_cross_entropy_with_logits",
    ),
    "mse integers": ("x = t.tensor(A).long()\nout = F.mse_loss(x, x)", "mse_loss"),
    "gaussian_nll negative variance": (
        X + "out = F.gaussian_nll_loss(x, t.tensor(B), t.tensor(-V))",
        "gaussian_nll_loss",
    ),
    "max_pool2d padding over half the kernel": (X2 + "out = F.max_pool2d(x, 2, padding=2)", "pool"),
    "avg_pool3d divisor 0": (X3 + "out = F.avg_pool3d(x, 2, divisor_override=0)", "avg_pool3d"),
    "max_pool1d of a 1-D input": (X1 + "out = F.max_pool1d(x[0, 0], 2)", "max_pool1d"),
    "max_pool2d float kernel": (X2 + "out = F.max_pool2d(x, 2.5)", "max_pool2d"),
    "max_pool2d of no channels": ("out = F.max_pool2d(t.zeros(2, 0, 4, 4), 2)", "max_pool2d"),
    "avg_pool3d of no channels": ("out = F.avg_pool3d(t.zeros(0, 4, 4, 4), 2)", "avg_pool3d"),
    "avg_pool1d of an empty length": ("out = F.avg_pool1d(t.zeros(2, 3, 0), 1)", "avg_pool"),
    "adaptive_avg_pool2d 3 sizes": (
        X2 + "out = F.adaptive_avg_pool2d(x, (2, 2, 2))",
        "adaptive_avg_pool2d",
    ),
    "adaptive_avg_pool2d empty plane": (
        "x = t.zeros(2, 3, 0, 4)\nout = F.adaptive_avg_pool2d(x, 2)",
        "adaptive_avg_pool2d",
    ),
    "pad odd length": (X2 + "out = F.pad(x, (1, 2, 3))", "pad"),
    "pad bogus mode": (X2 + "out = F.pad(x, (1, 1), mode='bogus')", "pad"),
    "reflect pad too wide": (X1 + "out = F.pad(x, (9, 0), mode='reflect')", "pad"),
    "circular pad wraps twice": (X1 + "out = F.pad(x, (0, 10), mode='circular')", "pad"),
    "circular pad wraps twice around the cropped size": (
        "x = t.arange(9.0).reshape(1, 1, 9)\nout = F.pad(x, (-4, 6), mode='circular')",
        "pad",
    ),
    "interpolate size and scale": (
        X2 + "out = F.interpolate(x, size=(2, 2), scale_factor=2)",
        "interpolate",
    ),
    "interpolate bilinear of 3-D": (
        X1 + "out = F.interpolate(x, scale_factor=2, mode='bilinear')",
        "interpolate",
    ),
    "interpolate size 0": (X2 + "out = F.interpolate(x, size=0)", "interpolate"),
    "pixel_shuffle channels": (X2 + "out = F.pixel_shuffle(x, 2)", "pixel_shuffle"),
    "pixel_unshuffle height": (X2 + "out = F.pixel_unshuffle(x, 2)", "pixel_unshuffle"),
    "fold blocks": ("x = t.zeros(2, 12, 10)\nout = F.fold(x, (5, 6), (2, 2))", "fold"),
    "unfold too small": (X2 + "out = F.unfold(x, 8)", "unfold"),
    "one_hot too few classes": ("out = F.one_hot(t.tensor([0, 3, 1]), 3)", "one_hot"),
    "one_hot of floats": ("out = F.one_hot(t.tensor([0.0, 1.0]))", "one_hot"),
    "embedding index out of range": (
        "out = F.embedding(t.tensor([0, 4]), t.tensor(A))",
        "embedding",
    ),
    "embedding float indices": (
        "out = F.embedding(t.tensor([0.0, 1.0]), t.tensor(A))",
        "embedding",
    ),
    "embedding padding_idx out of range": (
        "out = F.embedding(t.tensor([0, 1]), t.tensor(A), padding_idx=4)",
        "padding_idx",
    ),
    "dropout p above 1": (X2 + "out = F.dropout(x, 1.5)", "dropout"),
    "dropout of integers": ("out = F.dropout(t.arange(4), 0.5)", "dropout"),
    "dropout2d of bools": ("out = F.dropout2d(t.ones(2, 3, 4, 4).bool(), 0.5)", "dropout"),
    "alpha_dropout of integers": (
        "out = F.alpha_dropout(t.arange(4), 0.5, training=True)",
        "dropout",
    ),
    "affine_grid batch": ("out = F.affine_grid(t.zeros(2, 2, 3), (3, 3, 4, 5))", "affine_grid"),
    "affine_grid matrices": ("out = F.affine_grid(t.zeros(2, 3, 3), (2, 3, 4, 5))", "affine_grid"),
    "grid_sample grid dtype": (
        X2 + "out = F.grid_sample(x, t.zeros(2, 4, 5, 2, dtype=t.float32))",
        "grid_sample",
    ),
    "grid_sample bogus mode": (
        X2 + "out = F.grid_sample(x, t.zeros(2, 4, 5, 2), mode='bogus')",
        "grid_sample",
    ),
    "softmax dim tuple": (X + "out = F.softmax(x, dim=(0, 1))", "softmax"),
    "glu dim out of range": (X + "out = F.glu(x[:, :4], 2)", "glu"),
    "gelu bogus approximate": (X + "out = F.gelu(x, approximate='bogus')", "gelu"),
    "glu odd": (X + "out = F.glu(x, 1)", "glu"),
    "prelu slopes": (X + "out = F.prelu(x, t.tensor([0.25, 0.1]))", "prelu"),
    "prelu dtype": (X + "out = F.prelu(x, t.tensor([0.25]))", "prelu"),
    "hardtanh bounds": (X + "out = F.hardtanh(x, 1.0, -1.0)", "hardtanh"),
    "hardtanh of bools": ("out = F.hardtanh(t.tensor([True]))", "hardtanh"),
    "hardshrink of integers": ("out = F.hardshrink(t.tensor([-1, 2]))", "hardshrink"),
    "softshrink of integers": ("out = F.softshrink(t.tensor([-1, 2]))", "softshrink"),
    "gelu of integers": ("out = F.gelu(t.tensor([1, 2]))", "Gelu"),
    "softplus of integers": ("out = F.softplus(t.tensor([1, 2]))", "softplus"),
    "elu in place of integers": ("x = t.arange(4)\nout = F.elu(x, inplace=True)", "elu"),
    "batch_norm running_mean size": (
        "out = F.batch_norm(t.tensor(I2), t.zeros(4), t.ones(4))",
        "batch_norm",
    ),
    "batch_norm eval without running stats": (
        "out = F.batch_norm(t.tensor(I2), None, None, training=False)",
        "batch_norm",
    ),
    "batch_norm one value per channel": (
        "out = F.batch_norm(t.tensor(I2)[:1, :, :1, :1], None, None, training=True)",
        "batch_norm",
    ),
    "batch_norm parameter dtype": (
        "out = F.batch_norm(t.tensor(I2), t.zeros(3), t.ones(3, dtype=t.float64), t.ones(3))",
        "batch_norm",
    ),
    "layer_norm shape": ("out = F.layer_norm(t.tensor(I2), (7,))", "layer_norm"),
    "layer_norm weight dtype": (
        "out = F.layer_norm(t.tensor(I2), (6,), t.ones(6))",
        "layer_norm",
    ),
    "group_norm groups": ("out = F.group_norm(t.tensor(I2), 2)", "group_norm"),
    "group_norm weight": ("out = F.group_norm(t.tensor(I2), 3, t.ones(4))", "group_norm"),
    "instance_norm one value": (
        "out = F.instance_norm(t.tensor(I2)[:, :, :1, :1])",
        "instance_norm",
    ),
    "instance_norm running_mean": (
        "out = F.instance_norm(t.tensor(I2), t.zeros(4), t.ones(4))",
        "instance_norm",
    ),
    "BatchNorm2d of 3-D": ("out = nn.BatchNorm2d(3)(t.tensor(I2)[0])", "BatchNorm2d"),
    "InstanceNorm1d of 4-D": ("out = nn.InstanceNorm1d(3)(t.tensor(I2))", "InstanceNorm1d"),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_calls_raise_as_pytorch_naming_the_op(name):
    code, op = WRONG[name]
    mine, theirs = _outcome(minigrad, code), _outcome(torch, code)
    assert isinstance(theirs, Exception), f"PyTorch accepts {code}"
    assert type(mine).__name__ == type(theirs).__name__, f"{code}\n{mine!r}\n{theirs!r}"
    assert op in str(mine), f"{code}\nthe message does not name {op}: {mine}"


@pytest.mark.parametrize(
    "loss",
    [
        "mse_loss(x, y",
        "l1_loss(x, y",
        "smooth_l1_loss(x, y",
        "huber_loss(x, y",
        "binary_cross_entropy(x.sigmoid(), y",
        "binary_cross_entropy_with_logits(x, y",
        "nll_loss(x, c",
        "cross_entropy(x, c",
        "kl_div(x, y",
        "poisson_nll_loss(x, y",
        "soft_margin_loss(x, y",
        "multilabel_soft_margin_loss(x, y",
        "hinge_embedding_loss(x, y",
        "multi_margin_loss(x, c",
        "cosine_embedding_loss(x, y, c.float()",
        "margin_ranking_loss(x[0], y[0], y[0]",
        "triplet_margin_loss(x, y, y",
    ],
)
def test_a_bogus_reduction_is_refused_naming_the_loss(loss):
    code = f"x = t.tensor(A)\ny = t.tensor(Y)\nc = t.tensor(C)\nout = F.{loss}, reduction='bogus')"
    mine, theirs = _outcome(minigrad, code), _outcome(torch, code)
    assert type(mine) is type(theirs) is ValueError, f"{mine!r} {theirs!r}"
    assert loss.split("(")[0] in str(mine)


@pytest.mark.parametrize(
    "size",
    [np.int64(2), (np.int64(2), 2), "tensor", (), 2.0, (2, 2.5), (2, 2, 2)],
    ids=["np.int64", "tuple of np.int64", "0-d tensor", "empty", "float", "float in tuple", "3"],
)
def test_geometry_arguments_take_what_has_index_as_pytorch(size):
    """kernel_size and stride accept NumPy ints and 0-d integer tensors (anything with
    __index__), and an empty stride means the kernel size; floats are a TypeError."""

    def call(lib):
        k = lib.tensor(2) if isinstance(size, str) else size
        x = lib.arange(32.0).reshape(1, 2, 4, 4)
        f = lib.nn.functional
        if isinstance(k, tuple) and not k:
            return f.max_pool2d(x, 2, stride=k), f.max_pool1d(x[0], 2, stride=k)
        return (
            f.max_pool2d(x, k),
            f.avg_pool2d(x, 2, stride=k),
            f.conv2d(x, lib.ones(1, 2, 1, 1), stride=k),
        )

    if isinstance(size, float) or (isinstance(size, tuple) and 2.5 in size):
        with pytest.raises(TypeError):
            call(torch)
        with pytest.raises(TypeError, match="max_pool2d: kernel_size"):
            call(minigrad)
        return
    if isinstance(size, tuple) and len(size) == 3:
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError, match="max_pool2d: kernel_size"):
            call(minigrad)
        return
    for a, b in zip(call(minigrad), call(torch), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
