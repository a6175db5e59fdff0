"""static.cond and static.while_loop: eager and compiled agree, values and gradients, and a
compiled function follows the data (the branch, the trip count) without retracing."""

import numpy as np
import pytest

import minigrad
from minigrad import static

TOL = dict(rtol=1e-10, atol=1e-10)


def _leaf(array):
    return minigrad.tensor(array, dtype=minigrad.float64, requires_grad=True)


def _values_and_grads(fn, arrays, params):
    xs = [_leaf(a) if a.dtype.kind == "f" else minigrad.tensor(a) for a in arrays]
    for p in params:
        p.grad = None
    out = fn(*xs)
    out.backward()
    grads = [x.grad for x in xs if x.requires_grad] + [p.grad for p in params]
    return out.array, [None if g is None else g.array for g in grads]


def _assert_same(got, want):
    np.testing.assert_allclose(got[0], want[0], **TOL)
    for a, b in zip(got[1], want[1]):
        if b is None:  # eager never touched it (a loop that ran zero times): compiled says 0
            assert a is None or not np.any(a)
        else:
            np.testing.assert_allclose(a, b, **TOL)


W = _leaf(np.array([0.5, -1.0, 2.0]))


def branchy(x):
    return static.cond(
        x.sum() > 0,
        lambda x: (x * W).tanh() + x,
        lambda x: x * x - W.exp(),
        (x,),
    ).sum()


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_cond_compiled_takes_either_branch_without_retracing(sign):
    f = static.compile(branchy)
    f(_leaf(np.ones(3)))  # traced once, with the true branch
    x = np.array([0.3, 1.2, 0.7]) * sign
    _assert_same(_values_and_grads(f, [x], [W]), _values_and_grads(branchy, [x], [W]))
    assert f.traces == 1


def test_cond_records_one_node_with_both_branches():
    g = static.trace(branchy, minigrad.randn(3, dtype=minigrad.float64))
    node = next(n for n in g.nodes if n.op == "cond")
    assert {"tanh", "mul"} <= {n.op for n in node.attrs["true"].nodes}
    assert "exp" in {n.op for n in node.attrs["false"].nodes}
    assert "true: graph(" in str(g) and "false: graph(" in str(g)


def test_cond_branches_must_agree_on_shapes():
    def f(x):
        return static.cond(x.sum() > 0, lambda x: x, lambda x: x.sum(), (x,))

    with pytest.raises(static.TracingError, match=r"same shapes and dtypes.*f32\[3\].*f32\[\]"):
        static.trace(f, minigrad.randn(3))


def power_loop(n, x):
    """x -> sin(x * W) + x, n times: the trip count is data."""
    _, y = static.while_loop(lambda n, x: n > 0, lambda n, x: (n - 1, (x * W).sin() + x), (n, x))
    return y.sum()


def test_while_loop_trip_count_follows_the_data():
    f = static.compile(power_loop)
    x = np.array([0.1, -0.4, 0.9])
    for trips in (3, 7, 0, 1):
        n = np.array(trips)
        _assert_same(_values_and_grads(f, [n, x], [W]), _values_and_grads(power_loop, [n, x], [W]))
    assert f.traces == 1


def test_while_loop_body_must_keep_the_state_shape():
    def f(x):
        return static.while_loop(lambda x: x.sum() < 10, lambda x: (x.sum(),), (x,))

    with pytest.raises(static.TracingError, match="same shapes and dtypes"):
        static.trace(f, minigrad.ones(3))


def test_while_loop_predicate_must_be_a_bool_scalar():
    def f(x):
        return static.while_loop(lambda x: x > 0, lambda x: (x - 1,), (x,))

    with pytest.raises(static.TracingError, match="one 0-d bool"):
        static.trace(f, minigrad.ones(3))


def test_cond_inside_a_loop_body():
    def f(n, x):
        def body(n, x):
            return n - 1, static.cond(x.sum() > 1, lambda x: x * 0.5, lambda x: x * W + 1, (x,))

        return static.while_loop(lambda n, x: n > 0, body, (n, x))[1].sum()

    c = static.compile(f)
    for trips in (2, 5):
        args = [np.array(trips), np.array([0.2, 0.3, 0.1])]
        _assert_same(_values_and_grads(c, args, [W]), _values_and_grads(f, args, [W]))
    assert c.traces == 1


# -- the lecture's example: an RNN over variable-length sequences, dynamic and static -------
def _rnn_params(seed=0, d_in=4, d_h=5):
    rng = np.random.default_rng(seed)
    return [_leaf(rng.normal(size=s) * 0.5) for s in ((d_in, d_h), (d_h, d_h), (d_h,))]


def rnn_dynamic(xs, length, w_x, w_h, b):
    """Eager: a Python loop; the graph is built anew for each sequence length."""
    h = minigrad.zeros(w_h.shape[0], dtype=xs.dtype)
    for t in range(length):
        h = (xs[t] @ w_x + h @ w_h + b).tanh()
    return h


def rnn_static(xs, length, w_x, w_h, b):
    """Static: one graph for every length (xs padded to the longest); the loop is a node."""

    def body(t, h):
        return t + 1, (xs[t] @ w_x + h @ w_h + b).tanh()

    h0 = minigrad.zeros(w_h.shape[0], dtype=xs.dtype)
    _, h = static.while_loop(lambda t, h: t < length, body, (minigrad.tensor(0), h0))
    return h


def test_rnn_static_while_loop_equals_dynamic_over_variable_lengths():
    params = _rnn_params()
    step = static.compile(lambda xs, n: rnn_static(xs, n, *params).sum())
    rng = np.random.default_rng(1)
    padded = np.zeros((9, 4))
    for length in (3, 9, 1, 6):
        padded[:] = 0
        padded[:length] = rng.normal(size=(length, 4))
        got = _values_and_grads(step, [padded, np.array(length)], params)
        want = _values_and_grads(
            lambda xs, n=length: rnn_dynamic(xs, n, *params).sum(), [padded], params
        )
        _assert_same(got, want)
    assert step.traces == 1  # one static graph, four lengths


def test_eager_mode_runs_plain_python():
    x = _leaf(np.array([1.0, 2.0]))
    y = static.cond(minigrad.tensor(False), lambda x: x * 2, lambda x: x * 3, (x,))
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    start = (minigrad.tensor(0), x)
    n, v = static.while_loop(lambda n, v: n < 4, lambda n, v: (n + 1, v * 2), start)
    assert n.item() == 4 and v.tolist() == [16.0, 32.0]
