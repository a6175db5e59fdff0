"""A user's autograd.Function, compiled: its forward's tensor ops become ordinary nodes, its
own backward gives the gradient, and a graph that used it runs where the class is unknown."""

import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import static
from minigrad.autograd import Function

CALLS = []


class StraightThroughSign(Function):
    """y = sign(x); the gradient passes straight through where |x| <= 1 (a binarised net)."""

    @staticmethod
    def forward(ctx, x):
        CALLS.append("forward")
        ctx.save_for_backward(x)
        return x.sign()

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (x.abs() <= 1)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 3 * x * x * gy


def _grad(fn, x):
    x = minigrad.tensor(x, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.array


def test_a_straight_through_estimator_keeps_its_gradient_compiled():
    def f(x):
        return StraightThroughSign.apply(x) * 2.0

    compiled = static.compile(f)
    a = np.array([-2.0, -0.5, 0.3, 1.5])
    _grad(compiled, a)  # traces
    b = np.array([0.5, -3.0, 0.9, -0.2])  # replayed on other values
    np.testing.assert_array_equal(_grad(compiled, b), [2.0, 0.0, 2.0, 2.0])
    np.testing.assert_array_equal(_grad(compiled, b), _grad(f, b))  # sign's own would be 0
    ops = [n.op for n in compiled.last.traced.nodes]
    assert ops[:2] == ["sign", "custom"] and "python" not in ops


def test_forward_runs_once_when_traced():
    CALLS.clear()
    static.trace(lambda x: StraightThroughSign.apply(x), minigrad.randn(3))
    assert CALLS == ["forward"]


def test_a_graph_with_a_user_function_loads_where_the_class_does_not_exist(tmp_path):
    x = minigrad.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    graph = static.trace(lambda x: Cube.apply(x).tanh(), x)
    graph.save(tmp_path / "cube.mgraph")
    np.save(tmp_path / "x.npy", x.array)
    code = (
        "import sys, numpy as np, minigrad; from minigrad import static; "
        f"g = static.load({str(tmp_path / 'cube.mgraph')!r}); "
        f"y = g(minigrad.tensor(np.load({str(tmp_path / 'x.npy')!r}))); "
        "np.save(sys.argv[1], y.array); "
        "assert 'test_custom_function' not in sys.modules and not hasattr(minigrad, 'Cube')"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "y.npy")], check=True)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), np.tanh(x.array**3), rtol=1e-12)


def test_a_user_function_compiles_with_its_own_backward():
    compiled = static.compile(lambda x: Cube.apply(x))
    a = np.array([1.0, -2.0, 0.5])
    _grad(compiled, a)
    np.testing.assert_allclose(_grad(compiled, a * 2), 3 * (a * 2) ** 2)


class SetupContextSquare(Function):
    """PyTorch 2's style: forward without ctx, setup_context saves."""

    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 2 * x * gy


def test_a_setup_context_function_runs_eagerly_and_tracing_it_says_what_to_do():
    np.testing.assert_array_equal(_grad(SetupContextSquare.apply, np.array([1.0, -3.0])), [2, -6])
    with pytest.raises(static.TracingError, match="setup_context.*forward\\(ctx"):
        static.trace(lambda x: SetupContextSquare.apply(x), minigrad.randn(3))


def test_tracing_inside_saved_tensor_hooks_says_so():
    with (
        minigrad.autograd.graph.save_on_cpu(),
        pytest.raises(static.TracingError, match="saved_tensors_hooks"),
    ):
        static.trace(lambda x: (x * x).sum(), minigrad.randn(3, requires_grad=True))
