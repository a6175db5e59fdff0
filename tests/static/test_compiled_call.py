"""The compiled call as one autograd node (`_CompiledCall`): its edges, output and backward
behave as any Function's node, in every case a compiled call meets."""

import numpy as np
import pytest

import minigrad
from minigrad import nn, static


def _model(seed=0):
    minigrad.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3))


def _x(seed=1, requires_grad=False):
    rng = np.random.default_rng(seed)
    return minigrad.tensor(rng.normal(size=(6, 5)), dtype=minigrad.float32).requires_grad_(
        requires_grad
    )


def _grads(model) -> list:
    return [None if p.grad is None else p.grad.array.copy() for p in model.parameters()]


def _eager_and_compiled(x_requires_grad=False):
    eager, model = _model(), _model()
    compiled = static.compile(model)
    results = []
    for fn, m in ((eager, eager), (compiled, model)):
        x = _x(requires_grad=x_requires_grad)
        (fn(x) ** 2).sum().backward()
        results.append((_grads(m), x.grad))
    return results


def test_gradients_reach_parameters_and_input_as_eager():
    (eager, ex), (compiled, cx) = _eager_and_compiled(x_requires_grad=True)
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c, e, rtol=1e-6)
    np.testing.assert_allclose(cx.array, ex.array, rtol=1e-6)


def test_a_parameter_frozen_after_compiling_gets_no_gradient():
    model = _model()
    compiled = static.compile(model)
    compiled(_x()).sum().backward()  # traced with every parameter trainable
    model.zero_grad()
    model[2].bias.requires_grad_(False)
    compiled(_x()).sum().backward()
    assert model[2].bias.grad is None
    assert compiled.traces == 2  # the guard on requires_grad traced again
    eager = _model()
    eager[2].bias.requires_grad_(False)
    eager(_x()).sum().backward()
    for c, e in zip(_grads(model), _grads(eager)):
        assert (c is None) == (e is None)
        if c is not None:
            np.testing.assert_allclose(c, e, rtol=1e-6)


def test_every_parameter_frozen_after_compiling_gives_a_plain_tensor():
    model = _model()
    compiled = static.compile(model)
    compiled(_x())
    for p in model.parameters():
        p.requires_grad_(False)
    out = compiled(_x())
    assert not out.requires_grad and out.grad_fn is None
    np.testing.assert_allclose(out.array, model(_x()).array, rtol=1e-6)


def test_a_node_hook_on_the_compiled_region_can_replace_the_gradients():
    model = _model()
    compiled = static.compile(model)
    compiled(_x())
    out = compiled(_x())
    seen = []

    def double(grad_inputs, grad_outputs):
        seen.append(len(grad_inputs))
        return tuple(None if g is None else g * 2 for g in grad_inputs)

    out.grad_fn.register_hook(double)
    out.sum().backward()
    assert seen == [5]  # the input and the four parameters (the plan is no Tensor)
    want = _model()
    want(_x()).sum().backward()
    for c, e in zip(_grads(model), _grads(want)):
        np.testing.assert_allclose(c, 2 * e, rtol=1e-6)


def test_anomaly_mode_names_the_compiled_region_for_a_nan_gradient():
    w = minigrad.tensor([1.0, -1.0], requires_grad=True)
    f = static.compile(lambda x: (x * w).sqrt().sum())
    f(minigrad.ones(2))
    with minigrad.autograd.detect_anomaly():
        loss = f(minigrad.ones(2))
        assert loss.grad_fn._stack  # where the forward was called, as any node keeps it
        with pytest.raises(RuntimeError, match="CompiledFunctionBackward.*nan"):
            loss.backward()


def test_an_output_that_is_a_view_and_a_0d_loss_keep_their_gradients():
    w = minigrad.randn(3, 4, dtype=minigrad.float64, requires_grad=True)
    view = static.compile(lambda x: (x @ w).t())  # the replay returns a transposed view
    loss = static.compile(lambda x: (x @ w).sum())  # NumPy reduces it to a scalar
    x = minigrad.randn(2, 3, dtype=minigrad.float64)
    for f in (view, loss):
        f(x)
        out = f(x)
        assert out.requires_grad and out.grad_fn.name() == "CompiledFunctionBackward"
        w.grad = None
        out.sum().backward()
        np.testing.assert_allclose(w.grad.array, np.repeat(x.array.sum(0)[:, None], 4, 1))
    assert loss(x).shape == ()


def test_a_gradient_through_one_of_several_outputs():
    w = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
    f = static.compile(lambda x: ((x * w).sum(), (x * w).tanh()))
    x = minigrad.randn(3, dtype=minigrad.float64)
    f(x)
    total, act = f(x)
    act.sum().backward()  # the first output gets no gradient: zeros stand in for it
    np.testing.assert_allclose(w.grad.array, x.array * (1 - np.tanh(x.array * w.array) ** 2))


def test_an_output_viewing_a_parameter_shares_its_version_counter():
    # as eager (and PyTorch): a later in-place change of the parameter is caught where the
    # view was saved, not silently used by backward
    w = minigrad.randn(3, 2, requires_grad=True)
    v = minigrad.randn(2, 3, requires_grad=True)
    f = static.compile(lambda x: w.t())
    f(minigrad.randn(2))
    out = f(minigrad.randn(2))
    z = (out * v).sum()  # saves out for v's gradient
    with minigrad.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


# -- an optimizer step under minigrad.compile (PyTorch's compiled-optimizer idioms) -----------
def _train(step_of, zero_grad_of=None, steps=3):
    """Train a fresh model with `step_of(opt)()` as its optimizer step; the final weights."""
    model = _model()
    opt = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    step = step_of(opt)
    zero_grad = (zero_grad_of or (lambda opt: opt.zero_grad))(opt)
    for k in range(steps):
        zero_grad()
        (model(_x(seed=k)) ** 2).mean().backward()
        step()
    return [p.array.copy() for p in model.parameters()]


def _compiled_body(opt):
    @minigrad.compile(fullgraph=False)  # as PyTorch's tutorial on compiling the optimizer
    def fn():
        opt.step()

    return fn


@pytest.mark.parametrize(
    "step_of", [lambda opt: minigrad.compile(opt.step), _compiled_body], ids=["method", "body"]
)
def test_a_compiled_optimizer_step_trains_as_the_step(step_of):
    want = _train(lambda opt: opt.step)
    with pytest.warns(UserWarning, match=r"runs eagerly.*optimizer\.step\(\)") as caught:
        got = _train(step_of)
    assert len(caught) == 1  # once, not at every step
    assert "break the graph" not in str(caught[0].message)  # torch.compile compiles a step
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_a_compiled_optimizer_step_with_fullgraph_raises_before_any_update():
    model = _model()
    opt = minigrad.optim.SGD(model.parameters(), lr=0.1)
    model(_x()).sum().backward()
    before = [p.array.copy() for p in model.parameters()]
    with pytest.raises(static.TracingError, match=r"optimizer\.step\(\) inside"):
        minigrad.compile(opt.step, fullgraph=True)()
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.array, b)


def test_zero_grad_inside_a_compiled_function_runs_at_every_call():
    # a replay of the traced forward alone would leave the gradients of later steps to add up
    def zero_grad_of(opt):
        model = opt.param_groups[0]["params"]

        @minigrad.compile
        def zero_grad():
            opt.zero_grad()
            return model[0] * 1

        return zero_grad

    want = _train(lambda opt: opt.step)
    with pytest.warns(UserWarning, match=r"runs eagerly.*optimizer\.zero_grad\(\)"):
        got = _train(lambda opt: opt.step, zero_grad_of)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


# -- guards on what the graphs read by reference (parameters, buffers) ------------------------
def test_a_layer_unfrozen_after_compiling_gets_its_gradient():
    # fine-tuning: train the head, then unfreeze the body (a replay of the first graph gave
    # the body no gradient, silently)
    model, eager = _model(), _model()
    for m in (model, eager):
        m[0].requires_grad_(False)
    compiled = static.compile(model)
    compiled(_x()).sum().backward()
    for m in (model, eager):
        m[0].requires_grad_(True)
        m.zero_grad()
    compiled(_x()).sum().backward()
    eager(_x()).sum().backward()
    assert model[0].weight.grad is not None
    for c, e in zip(_grads(model), _grads(eager)):
        np.testing.assert_allclose(c, e, rtol=1e-6)


def test_a_model_changed_after_compiling_traces_again():
    model = _model()
    compiled = static.compile(model)
    compiled(_x())
    model.double()  # the float32 graph no longer fits: the new trace fails as eager does
    with pytest.raises(RuntimeError, match="must have the same dtype"):
        compiled(_x())
    with pytest.raises(RuntimeError, match="must have the same dtype"):
        model(_x())
    out = compiled(_x().double())
    assert out.dtype == minigrad.float64
    np.testing.assert_allclose(out.array, model(_x().double()).array)


def test_new_arrays_of_the_same_shape_replay_without_a_trace():
    model, other = _model(), _model(seed=5)
    compiled = static.compile(model)
    compiled(_x())
    model.load_state_dict(other.state_dict())
    model[0].weight.data = other[0].weight.detach().clone()  # a new array, same shape
    np.testing.assert_allclose(compiled(_x()).array, other(_x()).array, rtol=1e-6)
    assert compiled.traces == 1


def test_compiling_a_model_leaves_its_parameters_parameters():
    # the backward trace bound the parameters it read, turning them into traced tensors for
    # good: `p.data = ...` (model.double(), model.to()) then failed
    model = _model()
    compiled = static.compile(model)
    compiled(_x(requires_grad=True)).sum().backward()
    assert all(type(p) is nn.Parameter for p in model.parameters())


def test_a_model_switched_to_eval_after_compiling_drops_its_dropout():
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 4), nn.Dropout(0.5))
    compiled = static.compile(lambda x: model(x) * 2)  # the module read from a closure
    compiled(_x())
    model.eval()  # a replay of the training graph would keep dropping half the values
    np.testing.assert_allclose(compiled(_x()).array, model(_x()).array * 2, rtol=1e-6)
    model[1].train()  # one submodule's mode is guarded too
    assert (compiled(_x()).array == 0).any()
    assert compiled.traces == 3


def test_a_parameter_replaced_after_compiling_is_the_one_trained():
    # the plan replayed the parameter it traced: the new one got no gradient and the output
    # ignored it (torch.compile's guards retrace)
    model = _model()
    compiled = static.compile(model)
    compiled(_x())
    model[2].weight = nn.Parameter(minigrad.ones(3, 4))
    out = compiled(_x())
    np.testing.assert_allclose(out.array, model(_x()).array, rtol=1e-6)
    out.sum().backward()
    assert model[2].weight.grad is not None
    assert compiled.traces == 2


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.__setitem__(2, nn.Linear(4, 3, bias=False)),  # a layer replaced
        lambda m: m[2].register_parameter("bias", None),
        lambda m: m.__delitem__(1),  # a layer removed
        lambda m: nn.utils.prune.l1_unstructured(m[0], "weight", amount=0.5),
    ],
    ids=["layer", "register_parameter", "del", "prune"],
)
def test_every_kind_of_member_edit_retraces(edit):
    model = _model()
    compiled = static.compile(model)
    compiled(_x())
    edit(model)
    np.testing.assert_allclose(compiled(_x()).array, model(_x()).array, rtol=1e-6)
    assert compiled.traces == 2


def test_a_buffer_replaced_after_compiling_is_read():
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4)).eval()
    compiled = static.compile(model)
    compiled(_x())
    model[1].running_mean = minigrad.full((4,), 3.0)  # a new tensor, same shape and dtype
    np.testing.assert_allclose(compiled(_x()).array, model(_x()).array, rtol=1e-6)


def test_edits_to_other_modules_keep_the_plan():
    model = _model()
    compiled = static.compile(model)
    compiled(_x())
    for _ in range(3):
        nn.Linear(5, 5)  # building a new layer edits only its own members
        compiled(_x())
    assert compiled.traces == 1


def test_a_buffer_updated_in_place_counts_as_no_edit():
    from minigrad.nn.modules.module import REGISTRY_EDITS

    bn = nn.BatchNorm1d(4)
    before = REGISTRY_EDITS[0]
    bn(minigrad.randn(8, 4))  # num_batches_tracked += 1 assigns the same tensor back
    assert REGISTRY_EDITS[0] == before
    bn.running_mean = minigrad.zeros(4)
    assert REGISTRY_EDITS[0] == before + 1
