"""static.trace and static.compile: graphs that print, replays that equal eager."""

import copy

import numpy as np
import pytest

import minigrad
from minigrad import static
from minigrad.nn import functional as F
from minigrad.ops import matmul as M
from minigrad.ops import nn as N


def _mlp(seed=0, dtype=minigrad.float64):
    rng = np.random.default_rng(seed)

    def param(*shape):
        return minigrad.tensor(rng.normal(size=shape) * 0.3, dtype=dtype, requires_grad=True)

    params = dict(w1=param(8, 5), b1=param(8), w2=param(3, 8), b2=param(3))

    def loss(x, y):
        h = M.linear(x, params["w1"], params["b1"]).relu()
        return N.cross_entropy(M.linear(h, params["w2"], params["b2"]), y)

    return params, loss


def _batch(n=6, dtype=minigrad.float64, seed=1):
    rng = np.random.default_rng(seed)
    x = minigrad.tensor(rng.normal(size=(n, 5)), dtype=dtype)
    return x, minigrad.tensor(rng.integers(0, 3, size=n))


def _grads(params):
    return {k: p.grad.array.copy() for k, p in params.items()}


def test_trace_prints_ops_shapes_and_dtypes():
    params, loss = _mlp()
    g = static.trace(loss, *_batch())
    text = str(g)
    assert text.startswith("graph(%0 x0: f64[6, 5], %1 x1: i64[6]):")
    for piece in ("linear(", "relu(", "cross_entropy(", "# f64[6, 8]", "param", "return ("):
        assert piece in text
    assert [n.op for n in g.nodes] == ["linear", "relu", "linear", "cross_entropy"]
    assert g.values[g.outputs[0]].shape == ()


@pytest.mark.parametrize("dtype, tol", [(minigrad.float64, 1e-10), (minigrad.float32, 1e-5)])
def test_compiled_training_equals_eager(dtype, tol):
    params, loss = _mlp(dtype=dtype)
    x, y = _batch(dtype=dtype)
    expected = loss(x, y)
    expected.backward()
    eager = _grads(params)
    for p in params.values():
        p.grad = None
    step = static.compile(loss)
    got = step(x, y)
    got.backward()
    np.testing.assert_allclose(got.array, expected.array, rtol=tol, atol=tol)
    for k, g in _grads(params).items():
        np.testing.assert_allclose(g, eager[k], rtol=tol, atol=tol)


def test_replay_sees_in_place_weight_updates_and_retraces_on_new_shapes():
    params, loss = _mlp()
    step = static.compile(loss)
    x, y = _batch()
    step(x, y)
    with minigrad.no_grad():
        params["w1"].array -= 0.5  # what an optimizer does: same tensor, new values
    np.testing.assert_allclose(step(x, y).array, loss(x, y).array, rtol=1e-12)
    assert step.traces == 1
    x2, y2 = _batch(n=9, seed=3)
    np.testing.assert_allclose(step(x2, y2).array, loss(x2, y2).array, rtol=1e-12)
    assert step.traces == 2
    double = static.compile(lambda x: x * 2)
    double(minigrad.ones(2))
    assert double(minigrad.ones(2, dtype=minigrad.float64)).dtype == minigrad.float64
    assert double.traces == 2  # a new dtype retraces too


def test_gradients_flow_into_inputs_and_through_eager_code_around():
    a = minigrad.randn(3, 4, dtype=minigrad.float64, requires_grad=True)
    b = minigrad.randn(4, dtype=minigrad.float64, requires_grad=True)
    f = static.compile(lambda a, b: ((a * b).tanh() - a / (b * b + 1)).exp())
    (f(a, b) * 2).sum().backward()
    ga, gb = a.grad.array.copy(), b.grad.array.copy()
    a.grad = b.grad = None
    (((a * b).tanh() - a / (b * b + 1)).exp() * 2).sum().backward()
    np.testing.assert_allclose(ga, a.grad.array, rtol=1e-10)
    np.testing.assert_allclose(gb, b.grad.array, rtol=1e-10)


def test_inference_replays_without_a_graph():
    params, loss = _mlp()
    step = static.compile(loss)
    with minigrad.no_grad():
        out = step(*_batch())
    assert out.grad_fn is None and step.backward_graph is None
    assert "def run(" in step.code


def test_multiple_outputs_and_non_tensor_arguments():
    f = static.compile(lambda x, k: (x * k, x.sum(0) + k))
    x = minigrad.randn(2, 3)
    y, s = f(x, 3.0)
    np.testing.assert_allclose(y.array, x.array * 3, rtol=1e-6)
    np.testing.assert_allclose(s.array, x.array.sum(0) + 3, rtol=1e-6)


@pytest.mark.parametrize(
    "convert",
    [bool, float, int, lambda t: t.item(), lambda t: t.tolist(), lambda t: 1 if t > 0 else 0],
)
def test_python_control_flow_on_traced_values_points_to_cond(convert):
    def f(x):
        if convert(x.sum()):
            return x * 2
        return x

    with pytest.raises(static.TracingError, match=r"static\.cond.*static\.while_loop"):
        static.trace(f, minigrad.randn(3))


def test_shape_dependent_python_code_is_specialised_per_trace():
    f = static.compile(lambda x: x * 2 if x.shape[0] > 2 else x - 1)
    np.testing.assert_allclose(f(minigrad.ones(3)).array, 2.0)
    np.testing.assert_allclose(f(minigrad.ones(2)).array, 0.0)
    assert f.traces == 2


def test_comparisons_detach_and_where_are_recorded():
    def f(x):
        return minigrad.where(x > 0, x, x.detach() * 0.1) + (x >= 1)

    g = static.trace(f, minigrad.randn(5))
    assert {"gt", "ge", "detach", "where"} <= {n.op for n in g.nodes}
    f_c = static.compile(f)
    x = minigrad.randn(5)
    f_c(x)
    x2 = minigrad.randn(5)
    np.testing.assert_allclose(f_c(x2).array, f(x2).array, rtol=1e-6)


def test_every_op_is_a_node_named_by_its_function_with_its_own_backward():
    x = minigrad.randn(3, 4, dtype=minigrad.float64, requires_grad=True)
    f = static.compile(lambda x: x.cumsum(1).amax(1).sum())
    f(x).backward()
    g = x.grad.array.copy()
    x.grad = None
    x.cumsum(1).amax(1).sum().backward()
    np.testing.assert_allclose(g, x.grad.array, rtol=1e-10)
    assert [n.op for n in f.last.traced.nodes] == ["cumsum", "amax_amin", "sum"]
    assert f.last.traced.nodes[0].attrs == {"dim": 1}


def test_indexing_with_traced_indices_is_lifted_not_frozen():
    w = minigrad.randn(10, 3, dtype=minigrad.float64, requires_grad=True)
    f = static.compile(lambda idx: w[idx].sum(1))
    f(minigrad.tensor([1, 2]))
    idx = minigrad.tensor([7, 7])
    out = f(idx)
    np.testing.assert_allclose(out.array, w.array[[7, 7]].sum(1))
    out.sum().backward()
    assert w.grad.array[7].tolist() == [2.0, 2.0, 2.0]


def test_boolean_mask_indexing_explains_data_dependent_shapes():
    with pytest.raises(static.TracingError, match="data-dependent shape"):
        static.trace(lambda x: x[x > 0], minigrad.randn(4))


# -- nothing computed from a traced tensor is frozen into the graph --------------------------
def _labels(seed):
    return minigrad.tensor(np.random.default_rng(seed).integers(0, 4, size=6))


NO_GRAD_OPS = {
    "argmax": lambda x, y: minigrad.argmax(x, 1),
    "argmin_keepdim": lambda x, y: x.argmin(0, keepdim=True),
    "gt_module_level": lambda x, y: minigrad.gt(x, 0.1),
    "logic": lambda x, y: minigrad.logical_and(x > 0, ~(x > 1)),
    "all_any": lambda x, y: ((x > -1).all(1), (x > 1).any()),
    "count_nonzero": lambda x, y: minigrad.count_nonzero(x > 0, 1),
    "isclose": lambda x, y: minigrad.isclose(x, x * 0 + 0.5, atol=0.3),
    "floor_divide": lambda x, y: minigrad.floor_divide(x * 10, 3),
    "trunc": lambda x, y: minigrad.div(x * 10, 3, rounding_mode="trunc"),
    "where_byte_cond": lambda x, y: minigrad.where((x > 0).to(minigrad.uint8), x, -x),
    "one_hot": lambda x, y: F.one_hot(y, 4),
    "label_smoothing": lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2, ignore_index=2),
    "max_pool_indices": lambda x, y: F.max_pool2d(x.reshape(1, 1, 6, 4), 2, return_indices=True),
}


@pytest.mark.parametrize("fn", NO_GRAD_OPS.values(), ids=NO_GRAD_OPS.keys())
def test_ops_without_gradient_are_recorded_not_frozen(fn):
    f = static.compile(fn)
    f(minigrad.randn(6, 4, dtype=minigrad.float64), _labels(0))
    x, y = minigrad.randn(6, 4, dtype=minigrad.float64), _labels(1)
    got, want = f(x, y), fn(x, y)
    for a, b in zip(
        got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)
    ):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-12)
    assert f.traces == 1


def test_batch_statistics_follow_each_batch():
    bn = minigrad.nn.BatchNorm1d(4, track_running_stats=False, dtype=minigrad.float64)
    f = static.compile(bn)
    f(minigrad.randn(6, 4, dtype=minigrad.float64))
    x = minigrad.randn(6, 4, dtype=minigrad.float64) * 3 + 1
    np.testing.assert_allclose(f(x).array, bn(x).array, rtol=1e-10)


def test_updating_running_statistics_in_a_graph_is_refused_and_undone():
    bn = minigrad.nn.BatchNorm1d(4)
    for f in (bn, lambda x: bn(x).relu()):
        with pytest.raises(static.TracingError, match=r"running_mean.*in place.*eval\(\)"):
            static.compile(f, fullgraph=True)(minigrad.randn(6, 4))
    assert bn.running_mean.tolist() == [0.0] * 4 and bn.num_batches_tracked.item() == 0
    bn.eval()
    x = minigrad.randn(6, 4)
    np.testing.assert_allclose(static.compile(bn)(x).array, bn(x).array, rtol=1e-6)


def test_a_module_updating_its_statistics_runs_eagerly_and_updates_them_once():
    # torch.compile of a model with BatchNorm in training mode works; minigrad runs it eagerly
    # (with a warning), and the statistics the failed trace wrote are undone first, also
    # when the trace stops later, at a data-dependent branch
    x = minigrad.randn(6, 4)
    bn, twin = minigrad.nn.BatchNorm1d(4), minigrad.nn.BatchNorm1d(4)

    def branchy(x):
        y = bn(x)
        return y if y.sum() > -1e9 else -y

    for f in (bn, branchy):
        compiled = static.compile(f)
        with pytest.warns(UserWarning, match="runs eagerly"):
            out = compiled(x)
        want = twin(x)
        np.testing.assert_allclose(out.array, want.array, rtol=1e-6)
        np.testing.assert_allclose(bn.running_mean.array, twin.running_mean.array, rtol=1e-6)
        assert bn.num_batches_tracked.item() == twin.num_batches_tracked.item()


def test_fill_inside_a_compiled_function_is_replayed():
    def f(x):
        y = x * 2
        y.fill_(3.0)
        return y + x

    compiled = static.compile(f)
    compiled(minigrad.ones(3))
    out = compiled(minigrad.full((3,), 5.0))
    np.testing.assert_allclose(out.numpy(), [8.0, 8.0, 8.0])


def test_random_fill_cannot_be_traced():
    def f(x):
        noise = x * 0
        noise.normal_()
        return x + noise

    with pytest.raises(static.TracingError, match="random fill"):
        static.trace(f, minigrad.ones(3))


def test_second_backward_through_a_compiled_region_says_the_graph_was_freed():
    w = minigrad.randn(3, requires_grad=True)
    compiled = static.compile(lambda x: (x * w).tanh().sum())
    loss = compiled(minigrad.ones(3))
    loss.backward(retain_graph=True)
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


@pytest.mark.parametrize("op", ["prod", "cumprod"])
def test_a_gradient_traced_without_zeros_is_right_with_zeros(op):
    def f(x):
        return x.prod(1).sum() if op == "prod" else x.cumprod(1).sum()

    compiled = static.compile(f)
    x = minigrad.tensor(np.full((2, 3), 2.0), requires_grad=True)
    compiled(x).backward()  # traced where no element is zero
    z = minigrad.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0]], requires_grad=True)
    compiled(z).backward()
    want = minigrad.tensor(z.array, requires_grad=True)
    f(want).backward()
    np.testing.assert_allclose(z.grad.array, want.grad.array)


def test_a_compiled_region_frees_its_saved_values_after_backward():
    w = minigrad.randn(4, 3, dtype=minigrad.float64, requires_grad=True)
    f = static.compile(lambda x: (x @ w).tanh().sum())
    loss = f(minigrad.randn(2, 4, dtype=minigrad.float64))
    node = loss.grad_fn
    assert _arrays_held(node)  # the values backward reads: tanh's output, x...
    loss.backward()
    assert _arrays_held(node) == []
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def _arrays_held(node) -> list:
    """The arrays a graph node keeps, directly or in lists, tuples and tensors (not its plan)."""
    found, todo = [], [v for k, v in vars(node).items() if k != "plan"]
    while todo:
        v = todo.pop()
        if isinstance(v, np.ndarray):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            todo += v
        elif isinstance(v, minigrad.Tensor):
            todo.append(v.array)
    return found


def test_a_comparison_with_a_number_replays_as_the_bare_ufunc(monkeypatch):
    # gt(x, 0): NoGrad's optional second operand, recorded as an attribute, is still a plain
    # np.greater call at replay (no Tensor wrappers, no ctx)
    from minigrad.static.kernels import kernel_of
    from minigrad.tensor import Tensor

    x = minigrad.tensor([[-1.0, 0.0, 2.0]])
    graph = static.trace(lambda x: x > 0, x)
    (gt,) = [n for n in graph.nodes if n.op == "gt"]
    wrapped = []
    make = Tensor._make
    monkeypatch.setattr(Tensor, "_make", staticmethod(lambda *a: wrapped.append(1) or make(*a)))
    kernel = kernel_of(gt, np, graph)
    np.testing.assert_array_equal(kernel(x.array), [[False, False, True]])
    assert wrapped == []
    monkeypatch.undo()
    step = static.compile(lambda x: (x > 0, x.isnan()))
    step(x)
    a, b = step(minigrad.tensor([[3.0, -2.0, float("nan")]]))
    np.testing.assert_array_equal(a.numpy(), [[True, False, False]])
    np.testing.assert_array_equal(b.numpy(), [[False, False, True]])


def test_ops_with_an_array_form_replay_it_without_wrappers(monkeypatch):
    # linear, linear_grad and relu_grad declare `on_arrays`, the computation their forward
    # calls: a replay calls it on the arrays (no Tensor, no ctx) and gives eager's values
    from minigrad.static.kernels import kernel_of
    from minigrad.tensor import Tensor

    nn = minigrad.nn
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = minigrad.randn(5, 4, requires_grad=True)
    step = static.compile(model)
    step(x).sum().backward()
    graphs = [step.graph, step.backward_graph]
    nodes = [(g, n) for g in graphs for n in g.nodes if n.op in ("linear", "linear_grad")]
    nodes += [(g, n) for g in graphs for n in g.nodes if n.op == "relu_grad"]
    assert {n.op for _, n in nodes} == {"linear", "linear_grad", "relu_grad"}
    kernels = [(kernel_of(n, np, g), n) for g, n in nodes]
    made = []
    make = Tensor._make
    monkeypatch.setattr(Tensor, "_make", staticmethod(lambda *a: made.append(1) or make(*a)))
    w, b = model[0].weight.array, model[0].bias.array
    np.testing.assert_allclose(kernels[0][0](x.array, w, b), x.array @ w.T + b, rtol=1e-6)
    gy = np.ones((5, 8), np.float32)
    gx, gw, gb = kernels[2][0](gy, x.array, w)  # a linear_grad giving all three
    np.testing.assert_allclose(gw, gy.T @ x.array, rtol=1e-6)
    np.testing.assert_allclose(kernels[-1][0](gy, np.array([1.0, -1.0] * 4)), [[1, 0] * 4] * 5)
    assert made == []
    monkeypatch.undo()
    step(x).sum().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]
    for t in [*model.parameters(), x]:
        t.grad = None
    model(x).sum().backward()
    eager = [p.grad.numpy() for p in model.parameters()] + [x.grad.numpy()]
    for got, want in zip(grads, eager):
        np.testing.assert_allclose(got, 2 * want, rtol=1e-6)  # two backwards accumulated


def test_backward_graph_computes_only_the_gradients_asked_for():
    """A first layer's input needs no gradient: its linear_grad node gives the weight's and the
    bias's, not the input's (one node gives all three, so dead-code removal cannot drop it)."""
    nn = minigrad.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    step = static.compile(model)
    step(minigrad.randn(5, 4))
    grads = [n for n in step.backward_graph.nodes if n.op == "linear_grad"]
    assert [n.attrs["needs"] for n in grads] == [(True, True, True), (False, True, True)]
    assert [len(n.outputs) for n in grads] == [3, 2]


def test_dynamo_reset_makes_compiled_functions_trace_again():
    """The torch.compile tutorial calls torch._dynamo.reset() between its examples."""
    import minigrad as torch

    f = torch.compile(lambda x: x.sin() + x.cos())
    x = torch.randn(3)
    f(x)
    f(x)
    assert f.traces == 1
    torch._dynamo.reset()
    np.testing.assert_allclose(f(x).numpy(), (x.sin() + x.cos()).numpy())
    assert f.traces == 2


def test_a_whole_training_step_under_compile_runs_eagerly():
    """The torch.compile tutorial compiles a whole `train(x, y)` step; PyTorch breaks the graph
    at backward(). minigrad runs the step eagerly (warning once why: backward() inside), so
    the step trains as the eager one; fullgraph=True raises, saying to call backward outside."""
    minigrad.manual_seed(0)
    model = minigrad.nn.Linear(3, 1)
    twin = copy.deepcopy(model)
    opt = minigrad.optim.SGD(model.parameters(), lr=0.1)
    twin_opt = minigrad.optim.SGD(twin.parameters(), lr=0.1)

    def train(model, opt, x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    compiled = minigrad.compile(train)
    x, y = minigrad.randn(4, 3), minigrad.zeros(4, 1)
    with pytest.warns(UserWarning, match=r"runs eagerly.*backward\(\) inside"):
        losses = [compiled(model, opt, x, y).item()]
    losses += [compiled(model, opt, x, y).item() for _ in range(2)]
    want = [train(twin, twin_opt, x, y).item() for _ in range(3)]
    np.testing.assert_allclose(losses, want, rtol=1e-6)
    np.testing.assert_allclose(model.weight.detach().numpy(), twin.weight.detach().numpy())
    strict = minigrad.compile(train, fullgraph=True)
    with pytest.raises(
        static.TracingError, match=r"backward\(\) inside a compiled function.*outside"
    ):
        strict(model, opt, x, y)


def test_torch_compile_arguments_and_decorator_forms_are_accepted():
    """torch.compile's keywords change nothing here (one backend); @compile and
    @compile(mode=...) decorate; disable=True gives the function back."""
    layer = minigrad.nn.Linear(2, 3)
    x = minigrad.ones(4, 2)
    fast = minigrad.compile(
        layer, mode="reduce-overhead", backend="inductor", fullgraph=True, dynamic=False
    )
    assert minigrad.equal(fast(x), layer(x)) and fast.traces == 1

    @minigrad.compile
    def double(t):
        return t * 2

    @minigrad.compile(mode="max-autotune")
    def inc(t):
        return t + 1

    assert double(x).tolist() == (x * 2).tolist() and double.traces == 1
    assert inc(x).tolist() == (x + 1).tolist() and inc.traces == 1
    assert minigrad.compile(layer, disable=True) is layer
