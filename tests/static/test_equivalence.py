"""Compiled forward and backward equal eager, for every row of the op table and for random
programs that hypothesis builds from it (float64: 1e-10)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import CASES, F, make_inputs

import minigrad
from minigrad import static

# rows that break the graph, with why (a result of data-dependent shape, an in-place change
# through a view): fullgraph=True raises TracingError; by default they run eagerly, and say so
GRAPH_BREAKS = {"getitem_mask": "data-dependent", "mul_view": "in-place change through a view"}
# rows that draw random numbers: a replay draws new ones (see test_dropout_draws_per_call)
RANDOM = {"dropout"}
# rows that call autograd.grad inside the function: a traced function runs without a graph
DYNAMIC = {
    "max_pool2d_double",
    "lstm_cell_grads",
    "gru_cell_grads",
    "rnn_tanh_cell_grads",
    "lstm_layer_grads",
    "gru_layer_grads",
    "gelu_grads",
    "gelu_tanh_grads",
    "softmax_grads",
    "log_softmax_grads",
}


def _run(fn, arrays, compiled):
    xs = [minigrad.tensor(a, dtype=minigrad.float64, requires_grad=True) for a in arrays]
    # fullgraph: a row that falls back to eager without being listed in GRAPH_BREAKS fails
    f = static.compile(fn, fullgraph=True) if compiled else fn
    out = f(*xs)
    outs = out if isinstance(out, tuple) else (out,)
    terms = [(o * (k + 1.5)).sum() for k, o in enumerate(outs) if o.requires_grad]
    if terms:
        sum(terms[1:], terms[0]).backward()
    grads = [None if x.grad is None else x.grad.array for x in xs]
    return [o.array for o in outs], grads


def _assert_same(got, want, tol=1e-10):
    for a, b in zip(got[0], want[0]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    for a, b in zip(got[1], want[1]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.name not in RANDOM | DYNAMIC], ids=lambda c: c.name
)
def test_every_op_compiles_to_the_eager_result(case):
    def fn(*xs):
        return case.fn(minigrad, F, *xs)

    arrays = make_inputs(case)
    if case.name in GRAPH_BREAKS:
        # as torch.compile: fullgraph=True raises at the graph break; by default the function
        # runs eagerly, with a warning saying why
        why = GRAPH_BREAKS[case.name]
        xs = [minigrad.tensor(a, dtype=minigrad.float64, requires_grad=True) for a in arrays]
        with pytest.raises(static.TracingError, match=why):
            static.compile(fn, fullgraph=True)(*xs)
        with pytest.warns(UserWarning, match=f"runs eagerly.*{why}"):
            got = _run(static.compile(fn), arrays, compiled=False)
        _assert_same(got, _run(fn, arrays, False))
        return
    _assert_same(_run(fn, arrays, True), _run(fn, arrays, False))


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.name not in RANDOM | GRAPH_BREAKS.keys() | DYNAMIC],
    ids=lambda c: c.name,
)
def test_every_op_replays_on_new_values(case):
    """Traced on one draw, replayed on another: nothing computed from the traced values may
    be frozen into the graph (a mask, an index, what a backward keeps)."""

    def fn(*xs):
        return case.fn(minigrad, F, *xs)

    compiled = static.compile(fn, fullgraph=True)
    _run(compiled, make_inputs(case, seed=0), False)  # traces
    arrays = make_inputs(case, seed=1)
    _assert_same(_run(compiled, arrays, False), _run(fn, arrays, False))
    assert compiled.traces == 1


SAME_SHAPE = [
    c
    for c in CASES
    if c.shapes == ((3, 4),) and c.name not in GRAPH_BREAKS.keys() | RANDOM and c.grad
]


def _same_shape_out(case):
    return _run(lambda x: case.fn(minigrad, F, x), make_inputs(case), False)[0][0].shape == (3, 4)


CHAINABLE = [c for c in SAME_SHAPE if _same_shape_out(c)]


@settings(max_examples=25, deadline=None)
@given(
    names=st.lists(st.sampled_from([c.name for c in CHAINABLE]), min_size=1, max_size=5),
    seed=st.integers(0, 2**16),
)
def test_random_programs_from_the_op_table(names, seed):
    chain = [next(c for c in CHAINABLE if c.name == n) for n in names]

    def program(x, y):
        for case in chain:
            x = case.fn(minigrad, F, x * 0.5 + y * 0.25)  # keep values in the ops' domains
        return x

    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(0.5, 1.5, size=(3, 4)), rng.uniform(0.5, 1.5, size=(3, 4))]
    _assert_same(_run(program, arrays, True), _run(program, arrays, False))


def test_dropout_draws_a_new_mask_per_call():
    f = static.compile(lambda x: F.dropout(x, 0.5))
    x = minigrad.ones(1000)
    a, b = f(x).array, f(x).array
    assert f.traces == 1 and not np.array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 2.0}


def test_cumprod_keeps_a_nan_gradient_where_torch_does():
    """The chain hypothesis found (mul, cumprod, asin): asin's gradient is nan out of its
    domain; compiled, cumprod's general backward multiplied it by a 0 of its triangular mask
    and spread it to every position, where eager and PyTorch keep the later ones finite."""
    import torch

    a = np.array([[1.2, 1.1, 0.5, 0.4]])
    want = torch.tensor(a, requires_grad=True)
    with np.errstate(invalid="ignore"):
        (want.cumprod(1).asin() * 1.5).sum().backward()  # _run weighs an output by 1.5
        got = [_run(lambda x: x.cumprod(1).asin(), [a], compiled)[1][0] for compiled in (1, 0)]
    for g in got:
        np.testing.assert_allclose(g, want.grad.numpy(), rtol=1e-12)
    assert np.isfinite(got[0][0, 2:]).all()
