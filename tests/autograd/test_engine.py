"""The backward engine: order, accumulation, freed graphs, in-place checks, hooks, grad modes,
higher-order gradients, anomaly mode; side by side with PyTorch where it has the feature."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad
from minigrad.testing import assert_close


def test_deep_chain_does_not_recurse():
    x = minigrad.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_diamond_graph_accumulates_like_torch():
    def program(lib):
        x = lib.tensor([0.5, -1.5, 2.0], requires_grad=True)
        a = x.exp()
        b = a * x + a.sin()  # a used twice, x used twice
        (b * b).sum().backward()
        return x.grad

    assert_close(program(minigrad), program(torch), rtol=1e-6)


def test_grad_accumulates_over_backward_calls_until_zeroed():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad.zero_()
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_the_gradient_of_a_leaf_is_not_shared_with_the_graph():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = minigrad.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()  # add passes one gradient array to both inputs
    x.grad.add_(1.0)
    assert y.grad.tolist() == [1.0, 1.0]


def test_a_gradient_something_else_holds_is_copied_into_grad():
    kept = []
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(kept.append)  # the hook keeps the gradient tensor
    (x * 3.0).sum().backward()
    assert not np.shares_memory(x.grad.array, kept[0].array)

    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([3.0, 4.0], requires_grad=True)
    ((a + b) * 2.0).sum().backward()  # add sends one fresh gradient tensor to both leaves
    assert not np.shares_memory(a.grad.array, b.grad.array)

    class Passthrough(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a.array.copy()

        @staticmethod
        def backward(ctx, gy):
            (b,) = ctx.saved_tensors
            return minigrad.Tensor._make(b.array), None  # another tensor's array

    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([5.0, 6.0])
    Passthrough.apply(w, b).sum().backward()
    assert not np.shares_memory(w.grad.array, b.array)


def test_a_fresh_gradient_becomes_grad_without_a_copy():
    # like PyTorch's AccumulateGrad: an array that only the engine holds is not copied
    ids = []
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: ids.append(id(g.array)))  # the id only: the hook keeps no ref
    (x * 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert ids == [id(x.grad.array)]


def test_a_fresh_gradient_tensor_becomes_grad_itself():
    # nothing but the engine holds the Tensor either: it is the .grad, no wrapper is made
    ids = []
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: ids.append(id(g)))
    (x * 3.0).sum().backward()
    assert ids == [id(x.grad)]


def test_a_gradient_that_requires_grad_becomes_a_plain_detached_grad():
    # a user's backward may return a Parameter (a Tensor that requires grad): PyTorch's
    # AccumulateGrad stores new_grad.detach(), a plain tensor outside any graph
    class ParameterGrad(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.array * 2.0

        @staticmethod
        def backward(ctx, gy):
            return minigrad.nn.Parameter(gy * 2.0)

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    ParameterGrad.apply(x).sum().backward()
    assert type(x.grad) is minigrad.Tensor
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    assert x.grad.tolist() == [2.0, 2.0]


def test_backward_twice_through_a_freed_graph_says_what_to_do():
    x = minigrad.randn(3, requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, 2 * np.exp([1.0, 2.0]))


def test_in_place_change_of_a_saved_tensor_is_detected():
    a = minigrad.randn(3, requires_grad=True)
    b = a.exp()
    c = (b * b).sum()
    with minigrad.no_grad():
        b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*clone"):
        c.backward()


def test_in_place_on_a_leaf_that_requires_grad_is_refused():
    w = minigrad.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*no_grad"):
        w += 1


def test_in_place_on_a_non_leaf_is_recorded():
    def program(lib):
        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = x * 2
        y *= x
        y[0] = 7.0
        y.sum().backward()
        return y.detach(), x.grad

    for mine, theirs in zip(program(minigrad), program(torch)):
        assert_close(mine, theirs)


def test_writing_graph_values_into_a_plain_buffer_joins_the_graph():
    def program(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        buf = lib.zeros(3)
        buf[1:] = w * 2
        buf[0] = w[0] ** 2
        acc = lib.zeros(2)
        acc += w
        ((buf * lib.tensor([1.0, 2.0, 3.0])).sum() + (acc * acc).sum()).backward()
        return buf.requires_grad, buf.is_leaf, acc.is_leaf, w.grad.tolist()

    assert program(minigrad) == program(torch)


def test_weight_update_under_no_grad_keeps_a_leaf():
    w = minigrad.randn(3, 2, requires_grad=True)
    (w * w).sum().backward()
    with minigrad.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert not w.grad.any()


def test_non_scalar_backward_needs_a_gradient():
    x = minigrad.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        (x * 2).backward()
    (x * 2).backward(minigrad.ones(2, 3))
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_backward_of_a_tensor_without_history_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        minigrad.ones(2).sum().backward()


def test_autograd_grad_returns_without_touching_grad():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    unused = minigrad.tensor([1.0], requires_grad=True)
    (g,) = minigrad.autograd.grad((x**2).sum(), x)
    assert g.tolist() == [2.0, 4.0] and x.grad is None
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        minigrad.autograd.grad((x**2).sum(), [x, unused])
    g, none = minigrad.autograd.grad((x**2).sum(), [x, unused], allow_unused=True)
    assert none is None
    _, zeros = minigrad.autograd.grad((x**2).sum(), [x, unused], materialize_grads=True)
    assert zeros.tolist() == [0.0]


def test_gradients_are_distinct_and_writable():
    for create_graph in (False, True):
        x = minigrad.ones(2, requires_grad=True)
        y = minigrad.ones(2, requires_grad=True)
        z = x + y
        z.retain_grad()
        z.sum().backward(create_graph=create_graph)
        assert x.grad is not y.grad
        with minigrad.no_grad():
            x.grad.zero_()
            z.grad.mul_(3)
        assert y.grad.tolist() == [1.0, 1.0] and z.grad.tolist() == [3.0, 3.0]


def test_grad_of_a_non_leaf_input():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (gy,) = minigrad.autograd.grad((y * y).sum(), y)
    assert gy.tolist() == [6.0, 12.0]


def test_backward_inputs_limits_accumulation():
    x = minigrad.tensor([1.0], requires_grad=True)
    y = minigrad.tensor([2.0], requires_grad=True)
    (x * y).sum().backward(inputs=[x])
    assert x.grad.tolist() == [2.0] and y.grad is None


def test_higher_order_gradients_match_torch():
    def program(lib):
        x = lib.tensor([0.3, -0.7, 1.1], dtype=lib.float64, requires_grad=True)
        y = (x.tanh() * x.exp()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x, create_graph=True)
        (k,) = lib.autograd.grad((h * h).sum(), x)
        return g, h, k

    for mine, theirs in zip(program(minigrad), program(torch)):
        assert_close(mine, theirs, rtol=1e-10)


def test_create_graph_backward_makes_grad_differentiable():
    x = minigrad.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = minigrad.autograd.grad(x.grad, x)
    assert g2.item() == 12.0


def test_hooks_change_the_gradient_and_can_be_removed():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seen = []
    handle = x.register_hook(lambda g: g * 10)
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 20.0] and seen == [[1.0, 1.0]]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    y.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]
    z = x * 2
    with pytest.warns(UserWarning, match="not a leaf"):
        assert z.grad is None


def test_grad_modes():
    x = minigrad.ones(2, requires_grad=True)
    with minigrad.no_grad():
        assert not (x * 2).requires_grad
        with minigrad.enable_grad():
            assert (x * 2).requires_grad
    with minigrad.inference_mode():
        assert not (x * 2).requires_grad
    with minigrad.set_grad_enabled(False):
        assert not minigrad.is_grad_enabled()
    assert minigrad.is_grad_enabled()

    @minigrad.no_grad()
    def double(t):
        return t * 2

    @minigrad.no_grad
    def triple(t):
        return t * 3

    assert not double(x).requires_grad and not triple(x).requires_grad
    minigrad.set_grad_enabled(False)
    assert not minigrad.is_grad_enabled()
    minigrad.set_grad_enabled(True)


def test_grad_mode_decorators_match_torch():
    def program(lib):
        x = lib.ones(2, requires_grad=True)

        @lib.inference_mode
        def bare():
            return (x * 2).requires_grad

        @lib.set_grad_enabled(False)
        def switched_off():
            return (x * 2).requires_grad

        @lib.inference_mode(False)
        def recording():
            return (x * 2).requires_grad

        results = [bare(), switched_off(), lib.is_grad_enabled()]
        with lib.no_grad():
            results.append(recording())
            with lib.inference_mode(False):
                results.append((x * 2).requires_grad)
        return results

    assert program(minigrad) == program(torch)


def test_grad_mode_decorators_on_generator_functions_match_torch():
    """A decorated generator function runs each of its steps in the decorator's mode and the
    caller's loop body in the caller's mode (PyTorch wraps generators, not the call that makes
    one); send, throw, close and the return value pass through."""

    def program(lib):
        x = lib.ones(2, requires_grad=True)

        def steps():
            got = yield (x * 2).requires_grad, lib.is_inference_mode_enabled()
            yield got, lib.is_grad_enabled()
            try:
                yield "waiting"
            except KeyError as error:
                yield f"caught {error}", lib.is_grad_enabled()
            return "finished"

        results = []
        callers = (lib.enable_grad, lib.no_grad, lib.enable_grad)  # the opposite mode
        # NOTE: made in the loop: set_grad_enabled(False) switches grad off until it decorates
        decorators = (lib.no_grad, lib.enable_grad, lambda: lib.set_grad_enabled(False))
        for decorator, caller in zip(decorators, callers):
            with caller():
                gen = decorator()(steps)()
                results += [next(gen), lib.is_grad_enabled(), gen.send("sent"), next(gen)]
                results += [gen.throw(KeyError("k")), (x * 1).requires_grad]
                try:
                    next(gen)
                except StopIteration as stop:
                    results.append(stop.value)
        for decorator in (lib.inference_mode(), lib.inference_mode(False)):
            gen = decorator(steps)()
            results += [next(gen), lib.is_inference_mode_enabled(), (x * 1).requires_grad]
            gen.close()
        with lib.no_grad():
            results.append([(x * k).requires_grad for k in lib.enable_grad()(lambda: iter([1]))()])
        return results + [lib.is_grad_enabled(), lib.is_inference_mode_enabled()]

    assert program(minigrad) == program(torch)


def test_is_inference_mode_enabled_matches_torch():
    """Only inference_mode turns it on (no_grad does not); an inner inference_mode(False)
    turns it off and records; the decorator too; each block restores the mode it found."""

    def program(lib):
        results = [lib.is_inference_mode_enabled()]
        with lib.no_grad():
            results.append(lib.is_inference_mode_enabled())
        with lib.inference_mode():
            results += [lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
            with lib.no_grad(), lib.enable_grad():
                results.append(lib.is_inference_mode_enabled())
            with lib.inference_mode(False):
                results += [lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
            results.append(lib.is_inference_mode_enabled())

        @lib.inference_mode()
        def decorated():
            return lib.is_inference_mode_enabled(), lib.is_grad_enabled()

        @lib.inference_mode
        def bare():
            return lib.is_inference_mode_enabled()

        results += [decorated(), bare(), lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
        return results

    assert program(minigrad) == program(torch)


def test_detach_and_requires_grad_flags():
    x = minigrad.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    assert d.array is y.array  # shared memory
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="floating point"):
        minigrad.ones(2, dtype=minigrad.int64).requires_grad_()


def test_anomaly_mode_names_the_op_and_the_forward_line():
    x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    with minigrad.autograd.detect_anomaly():
        y = x.sqrt()  # d sqrt / dx is inf at 0
        with pytest.raises(RuntimeError, match=r"(?s)SqrtBackward.*inf.*y = x.sqrt\(\)"):
            y.sum().backward()
    assert not minigrad.autograd.is_anomaly_enabled()


def test_grad_fn_and_next_functions_mirror_torch():
    x = minigrad.ones(2, requires_grad=True)
    y = (x * 2).sum()
    assert y.grad_fn.name() == "SumBackward0"
    mul, _ = y.grad_fn.next_functions[0]
    assert mul.name() == "MulBackward0"
    assert mul.next_functions[0][0].name() == "AccumulateGrad"
    assert mul.next_functions[0][0].variable is x


def test_a_graph_is_freed_by_reference_counting_alone():
    import gc
    import weakref

    w = minigrad.randn(4, 4, requires_grad=True)
    gc.disable()
    try:
        h = (minigrad.randn(2, 4) @ w).relu().exp()
        alive = weakref.ref(h.grad_fn)
        h.sum().backward()
        del h
        assert alive() is None, "a reference cycle keeps the graph alive until gc runs"
    finally:
        gc.enable()
    assert w._accumulator() is w._accumulator()  # one node per leaf, kept


def test_post_accumulate_grad_hooks_run_after_each_accumulation_as_torch():
    """hook(leaf) after backward adds into leaf.grad (not for autograd.grad, which adds
    nothing); removable; leaves only; a hook that returns a value is refused."""
    results = []
    for lib in (minigrad, torch):
        x = lib.ones(2, requires_grad=True)
        seen = []
        handle = x.register_post_accumulate_grad_hook(
            lambda t, seen=seen: seen.append(t.grad.tolist())
        )
        (x * 3).sum().backward()
        (x * x).sum().backward(create_graph=True)
        lib.autograd.grad((x * 2).sum(), x)
        handle.remove()
        (x * 3).sum().backward()
        handle = x.register_post_accumulate_grad_hook(lambda t: 1)
        with pytest.raises(TypeError, match="expected Variable, but hook returned 'int'"):
            (x * 1).sum().backward()
        handle.remove()
        x.register_post_accumulate_grad_hook(lambda t: t.grad * 10)  # a Tensor: RuntimeError
        with pytest.raises(RuntimeError, match="post accumulate grad hooks should return None"):
            (x * 1).sum().backward()
        with pytest.raises(RuntimeError, match="non-leaf"):
            (x * 2).register_post_accumulate_grad_hook(lambda t: None)
        results.append([seen, x.grad.tolist()])
    assert results[0] == results[1]


def _setup_context_style(lib):
    class MyCube(lib.autograd.Function):
        @staticmethod
        def forward(x):
            return x**3, 3 * x**2

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            _, dx = output
            ctx.save_for_backward(x, dx)
            ctx.flags = ctx.needs_input_grad

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x

    class Sort(lib.autograd.Function):
        @staticmethod
        def forward(x):
            return x.sort()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_non_differentiable(output[1])
            ctx.save_for_backward(output[1])
            ctx.size = inputs[0].shape[0]

        @staticmethod
        def backward(ctx, grad_values, grad_indices):
            (indices,) = ctx.saved_tensors
            return lib.zeros(ctx.size, dtype=grad_values.dtype).scatter(0, indices, grad_values)

    x = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
    y, dy = MyCube.apply(x)
    (first,) = lib.autograd.grad((y + dy).sum(), x, create_graph=True)
    first.sum().backward()
    values, indices = Sort.apply(x * 1)
    (values * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
    checks = [
        lib.autograd.gradcheck(lambda t: MyCube.apply(t)[0], (x,)),
        lib.autograd.gradgradcheck(lambda t: MyCube.apply(t)[0], (x,)),
    ]
    return [y.tolist(), first.tolist(), x.grad.tolist(), indices.requires_grad, checks]


def test_functions_with_setup_context_as_torch():
    """PyTorch 2's style: forward(*args) without ctx, setup_context(ctx, inputs, output)
    saving from both; double backward, non-differentiable outputs, gradcheck."""
    assert _setup_context_style(minigrad) == _setup_context_style(torch)


def _node_hooks(lib):
    calls = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    c = lib.tensor([3.0, 4.0])  # needs no gradient: its grad_input is None
    y = x * c
    y.register_hook(lambda g: calls.append(("tensor", g.tolist())))
    pre = y.grad_fn.register_prehook(
        lambda go: calls.append(("pre", go[0].tolist())) or (go[0] * 2,)
    )
    y.grad_fn.register_hook(
        lambda gi, go: calls.append(("post", gi[0].tolist(), gi[1], go[0].tolist()))
    )
    z = y.sum()
    z.grad_fn.register_hook(lambda gi, go: (gi[0] + 1,))
    z.backward(retain_graph=True)
    first = x.grad.tolist()
    pre.remove()
    (grad,) = lib.autograd.grad(z, x)
    return [calls, first, grad.tolist()]


def test_node_hooks_as_torch():
    """grad_fn.register_prehook (after the output tensor's hooks) and grad_fn.register_hook
    (grad_inputs with None where an input needs no gradient) change the gradients; removable;
    they run for autograd.grad too."""
    assert _node_hooks(minigrad) == _node_hooks(torch)
    x = minigrad.ones(2, requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (go[0], go[0]))
    with pytest.raises(
        RuntimeError, match=r"MulBackward0: a pre-hook must return None or a tuple of 1"
    ):
        y.sum().backward()


@pytest.mark.parametrize("op", ["relu", "exp", "sigmoid"])
def test_in_place_change_of_an_output_saved_alone_is_caught_by_its_node(op):
    x = minigrad.randn(4, requires_grad=True)
    y = getattr(x, op)()
    with minigrad.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=f"modified by an inplace.*saved by {y.grad_fn.name()}"):
        y.sum().backward()


def test_a_functions_tuple_of_arrays_keeps_version_sharing_and_zeros_for_an_unused_output():
    class Pair(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.array, x.array * 2  # the input's own array, and a new one

        @staticmethod
        def backward(ctx, g_same, g_double):
            return g_same + 2 * g_double

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    same, double = Pair.apply(y)
    assert same.grad_fn is double.grad_fn and (same.output_nr, double.output_nr) == (0, 1)
    with minigrad.no_grad():
        y.add_(1)
    assert same._version == y._version == 1 and double._version == 0
    double.sum().backward()  # the unused output's gradient comes in as zeros
    assert_close(x.grad, [2.0, 2.0])
