"""Each pass on its own: what it removes, what it keeps, and that results do not change."""

import numpy as np
import pytest

import minigrad
from minigrad import static
from minigrad.nn import functional as F
from minigrad.static import passes
from minigrad.static.executor import Runner


def _run(graph, *arrays):
    return Runner(graph, np)(*arrays)


def _x():
    return minigrad.tensor(np.linspace(-1, 1, 12).reshape(3, 4))


def test_dead_code_elimination_drops_unused_nodes():
    three = minigrad.tensor(3.0)

    def f(x):
        unused = (x * three).exp()  # noqa: F841 - dead on purpose
        return x + 1

    g = static.trace(f, _x())
    out = passes.eliminate_dead_code(g)
    assert [n.op for n in g.nodes] == ["mul", "exp", "add"]
    assert [n.op for n in out.nodes] == ["add"] and len(g.nodes) == 3  # input graph unchanged
    assert len(g.constants) == 1 and len(out.constants) == 0  # `three` only fed dead code
    np.testing.assert_allclose(_run(out, _x().array)[0], _x().array + 1)


def test_saved_values_nothing_reads_are_dropped():
    # the traced graph keeps what each op's backward would read; a graph that is not
    # differentiated again (a backward graph, an inference graph) reads none of it, and its
    # nodes then replay through the op's plain kernel
    w = minigrad.randn(3, 4, requires_grad=True)

    def loss(x, y):
        return F.cross_entropy(x @ w, y)

    x, y = minigrad.randn(5, 3), minigrad.tensor([0, 3, 1, 2, 0])
    compiled = static.compile(loss)
    compiled(x, y).backward()
    (grad,) = [n for n in compiled.backward_graph.nodes if n.op == "cross_entropy_grad"]
    assert grad.saves == () and len(grad.outputs) == 1
    (fwd,) = [n for n in compiled.graph.nodes if n.op == "cross_entropy"]
    assert fwd.saves  # the probabilities the backward graph reads stay
    want = w.grad.clone()
    w.grad = None
    loss(x, y).backward()
    np.testing.assert_allclose(want.array, w.grad.array, rtol=1e-6)
    with minigrad.no_grad():
        compiled(x, y)
    (inference,) = [n for n in compiled.graph.nodes if n.op == "cross_entropy"]
    assert inference.saves == ()


def test_common_subexpression_elimination_computes_once():
    g = static.trace(lambda x: (x * 2).tanh() + (x * 2).tanh(), _x())
    out = passes.eliminate_common_subexpressions(g)
    assert [n.op for n in out.nodes] == ["mul", "tanh", "add"]
    np.testing.assert_allclose(_run(out, _x().array)[0], _run(g, _x().array)[0])


def test_constant_folding_runs_literal_subgraphs_once():
    c = minigrad.tensor([1.0, 2.0, 3.0, 4.0])
    g = static.trace(lambda x: x + (c * 2).exp(), _x())
    kept = passes.fold_constants(g)  # c is captured by reference: it may change
    assert [n.op for n in kept.nodes] == ["mul", "exp", "add"]
    folded = passes.fold_constants(g, captured=True)  # inference: take it as fixed
    assert [n.op for n in folded.nodes] == ["add"]
    np.testing.assert_allclose(_run(folded, _x().array)[0], _x().array + np.exp(c.array * 2))


def test_elementwise_fusion_makes_one_node_per_chain():
    w = minigrad.randn(4, 4, dtype=minigrad.float64)
    g = static.trace(lambda x: ((x @ w) * 2 + 1).tanh().exp() - x, _x())
    out = passes.fuse_elementwise(g)
    assert [n.op for n in out.nodes] == ["matmul", "fused"]
    program = [step[0] for step in out.nodes[1].attrs["program"]]
    assert program == ["mul", "add", "tanh", "exp", "sub"]
    np.testing.assert_allclose(_run(out, _x().array)[0], _run(g, _x().array)[0], rtol=1e-6)


def test_fusion_keeps_values_used_twice_or_returned():
    g = static.trace(lambda x: (x.exp() + 1, x.exp() * 2), _x())
    out = passes.fuse_elementwise(passes.eliminate_common_subexpressions(g))
    assert [n.op for n in out.nodes] == ["exp", "add", "mul"]  # exp feeds two chains


def test_fused_cpu_kernel_writes_one_buffer(monkeypatch):
    from minigrad.static import kernels
    from minigrad.static.kernels import GRAPH_OPS

    program = (
        ("mul", (("x", 0), ("x", 1))),
        ("add", (("t", 0), ("c", 1.0))),
        ("relu", (("t", 1),)),
    )
    calls = []
    real = kernels.ufunc_of

    def spy(xp, name):  # relu's kernel: clip with both bounds
        found = real(xp, name)
        return (lambda *a, **kw: calls.append(kw) or found(*a, **kw)) if name == "clip" else found

    monkeypatch.setattr(kernels, "ufunc_of", spy)
    kernel = GRAPH_OPS["fused"].kernel(np, program=program, dtype="float64")
    a = np.array([-1.0, 2.0])
    np.testing.assert_allclose(kernel(a, a), np.maximum(a * a + 1, 0))
    assert "out" in calls[0]  # the last step writes into the first step's buffer
    np.testing.assert_array_equal(a, [-1.0, 2.0])  # inputs untouched


def test_optimize_reports_nodes_before_and_after():
    g = static.trace(lambda x: (x * 2).tanh() + (x * 2).tanh() + 0 * x.exp(), _x())
    out, summary = passes.optimize(g)
    assert "eliminate_common_subexpressions" in summary and "fuse_elementwise" in summary
    assert summary.splitlines()[0].split()[-2] == str(len(g.nodes))
    assert len(out.nodes) < len(g.nodes)
    np.testing.assert_allclose(_run(out, _x().array)[0], _run(g, _x().array)[0], rtol=1e-12)


def test_a_node_without_saves_replays_without_a_ctx_that_keeps_anything():
    # a Function without array code of its own (logical_not) replays through its forward with
    # the ctx whose save_for_backward keeps nothing; cross-entropy's gradient, whose target
    # index is an index array among its arguments, through its array code, as does a Function
    # whose index arrays come out of order
    from minigrad.autograd.function import OPS, Function
    from minigrad.static.graph import Ref
    from minigrad.static.kernels import function_kernel

    assert OPS["logical_not"].on_arrays is None
    plain = function_kernel(OPS["logical_not"], {}, 1)
    assert plain.__name__ == "run_one"
    np.testing.assert_array_equal(plain(np.array([True, False])), [False, True])
    grad = function_kernel(OPS["cross_entropy_grad"], {"index": Ref(3), "reduction": "mean"}, 4)
    # its arrays in order, then an attribute: no picking, and the replay calls on_arrays itself
    assert grad.calls == (OPS["cross_entropy_grad"].on_arrays, ("mean",))
    probs = np.full((2, 3), 1 / 3)
    got = grad(probs, np.array(0.5), np.array(1.0), np.array([0, 5]))  # rows 0 and 1: 0 and 2
    np.testing.assert_allclose(got, (probs - np.eye(3)[[0, 2]]) * 0.5)

    class Pick(Function):
        @staticmethod
        def forward(ctx, x, rows, cols):
            return Pick.on_arrays(x.array, rows, cols)

        @staticmethod
        def on_arrays(x, rows, cols):
            return x[rows, cols]

    picked = function_kernel(Pick, {"rows": Ref(2), "cols": Ref(1)}, 3)
    assert picked.__name__ == "run_picked"  # index arrays out of order: read by position
    table = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(picked(table, np.array([0, 2]), np.arange(2)), [0.0, 5.0])


@pytest.mark.parametrize("exponent", [2, 3, -1, -2, 0.5, -0.5, 4])
def test_a_fused_pow_by_a_number_gives_eagers_values_bit_for_bit(exponent):
    # (NumPy's power rounds x ** 3 once where the op, as PyTorch's, computes (x * x) * x, and
    # runs pow() per element: a fused polynomial was 37x slower than eager)
    x = minigrad.tensor(np.random.default_rng(0).uniform(0.1, 3, (64, 32)).astype(np.float32))
    x.array[0, :4] = (-1.5, -0.0, 0.0, 2.0)
    compiled = static.compile(lambda t: 1 + 2 * t + 3 * t**exponent)
    got = compiled(x)
    assert [n.op for n in compiled.graph.nodes] == ["fused"]
    np.testing.assert_array_equal(got.numpy(), (1 + 2 * x + 3 * x**exponent).numpy())


def test_a_loss_replays_its_array_form_giving_the_saved_values_its_graph_asks_for():
    # cross_entropy's forward is on_arrays_kept (loss, then what ctx keeps); a replay calls it
    # directly and hands on the saved values a node lists, in the node's order
    from minigrad.autograd.function import OPS
    from minigrad.static.kernels import function_kernel

    ce = OPS["cross_entropy"]
    attrs = {"weight": None, "ignore_index": -100, "reduction": "mean"}
    logits, targets = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]]), np.array([1, 2])
    full = function_kernel(ce, attrs, 2, ce.kept)
    assert full.calls == (ce.on_arrays_kept, (None, -100, "mean"))
    loss, probs, scale, index = full(logits, targets)
    want = minigrad.nn.functional.cross_entropy(minigrad.tensor(logits), minigrad.tensor(targets))
    assert loss == want.item() and scale == 0.5
    np.testing.assert_array_equal(index, [1, 5])  # row 0's class 1, row 1's class 2 of 3
    np.testing.assert_allclose(probs.sum(1), [1.0, 1.0])
    some = function_kernel(ce, attrs, 2, ("index", "probs"))
    got = some(logits, targets)
    assert len(got) == 3 and got[0] == loss
    np.testing.assert_array_equal(got[1], index)
    np.testing.assert_array_equal(got[2], probs)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.relu(),
        lambda t: t * 0.1,
        lambda t: t + (2**40 + 1),
        lambda t: t - 1e30,  # past float16's largest: stays a Python number there
        lambda t: t.clamp(-0.0, float("inf")),
        lambda t: t / -3,
        lambda t: 2.5 - t,
    ],
)
def test_a_ufunc_node_takes_its_numbers_as_0d_arrays_giving_eagers_bits(fn, dtype):
    # NumPy makes an array of a Python number at every ufunc call; under NEP 50 it casts the
    # number to the array's dtype anyway, so a replay holds it as a 0-d array of that dtype
    from minigrad.static.kernels import _VALUE_BASED_CASTS

    x = minigrad.tensor(np.random.default_rng(0).normal(0, 100, (16, 8)).astype(dtype))
    x.array[0, :4] = (np.nan, -0.0, np.inf, -np.inf)
    compiled = static.compile(fn, passes=())
    with np.errstate(all="ignore"):
        got, want = compiled(x), fn(x)
        np.testing.assert_array_equal(got.numpy(), want.numpy(), strict=True)
    numbers = {k: v for k, v in compiled.last.forward.run.__globals__.items() if k[0] == "a"}
    if _VALUE_BASED_CASTS or not numbers:
        return  # NumPy 1.26: such nodes replay their forward, which casts itself
    for value in numbers.values():
        if type(value) in (int, float):  # a number past the dtype's range
            assert dtype == "float16" and abs(value) > 65504
            continue
        assert value.shape == () and value.dtype == dtype and not value.flags.writeable
