"""minigrad.testing against hostile answers: plain_value, assert_close, gradcheck, the guard."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.testing import (
    assert_close,
    assert_untampered,
    gradcheck,
    guard,
    plain_value,
    seal,
)


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)

    def __array_ufunc__(self, *args, **kwargs):
        return np.True_


class LyingFloat(float):
    def __sub__(self, other):
        return 0.0

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return True


class LyingTensor(minigrad.Tensor):
    @property
    def array(self):
        return np.arange(3.0)

    @array.setter
    def array(self, value):
        minigrad.Tensor.__dict__["array"].__set__(self, value)

    def numpy(self, *args, **kwargs):
        return np.arange(3.0)


class LyingList(list):
    def __len__(self):
        return 3


def test_plain_value_keeps_exact_types_and_copies_arrays():
    a = np.arange(3.0)
    copied = plain_value(a)
    assert type(copied) is np.ndarray and copied is not a and (copied == a).all()
    assert plain_value(2.5) == 2.5 and plain_value(np.float32(1)) == 1
    assert plain_value("cpu") == "cpu" and plain_value(None) is None
    tensor = minigrad.tensor([1.0, 2.0])
    assert type(plain_value(tensor)) is np.ndarray
    assert type(plain_value(minigrad.nn.Parameter(tensor))) is np.ndarray
    nested = plain_value({"a": [np.float64(1), (2, tensor)]})
    assert type(nested["a"][1][1]) is np.ndarray


@pytest.mark.parametrize(
    "hostile",
    [
        AlwaysEqual(),
        LyingFloat(0.0),
        np.zeros(3).view(LyingArray),
        LyingTensor(np.zeros(3)),
        LyingList([1, 2]),
        {AlwaysEqual(): 1},
        [1.0, AlwaysEqual()],
        np.array([AlwaysEqual()], dtype=object),
    ],
    ids=["always-equal", "float", "ndarray", "tensor", "list", "dict-key", "item", "object"],
)
def test_hostile_values_are_refused_by_name(hostile):
    with pytest.raises(AssertionError, match="slope_at") as info:
        plain_value(hostile, "slope_at(2.0)")
    assert "object" in str(info.value) or "dtype object" in str(info.value)
    with pytest.raises(AssertionError):
        assert_close(hostile, np.arange(3.0))


def test_a_tensor_subclass_that_shadows_array_does_not_pass():
    # the old assert_close read `x.array`, which this subclass answers with the expected values
    with pytest.raises(AssertionError, match="LyingTensor"):
        assert_close(LyingTensor(np.zeros(3)), np.arange(3.0))


def test_assert_close_does_not_use_what_an_answer_can_replace(monkeypatch):
    monkeypatch.setattr(np, "isclose", lambda *a, **k: np.True_)
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(builtins, "abs", lambda x: 0)
    with pytest.raises(AssertionError, match="values are not close"):
        assert_close(np.zeros(3), np.ones(3))
    assert_close(np.ones(3), np.ones(3))


class LyingBackward(Function):
    """A backward returning a tensor whose data claims to be anything."""

    @staticmethod
    def forward(ctx, x):
        return x.array * 2

    @staticmethod
    def backward(ctx, gy):
        return LyingTensor(np.zeros(gy.shape))


def test_gradcheck_refuses_a_lying_gradient():
    x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
    with pytest.raises((AssertionError, minigrad.testing.GradcheckError)):
        gradcheck(LyingBackward.apply, (x,))


def _new_problems(patch) -> list[str]:
    before = set(guard.tampering(globals()))
    with pytest.MonkeyPatch.context() as mp:
        patch(mp)
        found = [p for p in guard.tampering(globals()) if p not in before]
    return found


@pytest.mark.parametrize(
    ("patch", "named"),
    [
        (lambda mp: mp.setattr(np, "allclose", lambda *a, **k: True), "numpy.allclose"),
        (lambda mp: mp.setattr(builtins, "isinstance", lambda *a: True), "builtins.isinstance"),
        (lambda mp: mp.setattr(minigrad.testing, "assert_close", print), "assert_close"),
        (lambda mp: mp.setattr(minigrad, "sigmoid", minigrad.tanh), "minigrad.sigmoid"),
        (lambda mp: mp.setattr(minigrad.optim.SGD, "step", print, raising=False), "SGD.step"),
        (
            lambda mp: mp.setattr(minigrad.Tensor.item, "__code__", (lambda self: 0).__code__),
            "Tensor.item",
        ),
        (lambda mp: mp.setitem(sys.modules, "numpy", sys), "sys.modules['numpy']"),
        (lambda mp: mp.setitem(globals(), "np", sys), "'np'"),
    ],
    ids=["np", "builtin", "helper", "reference", "method-added", "code-swapped", "module", "alias"],
)
def test_guard_names_what_was_replaced(patch, named):
    problems = _new_problems(patch)
    assert any(named in p for p in problems), problems


def test_guard_sees_a_trace_hook_and_a_redefined_locked_helper():
    namespace: dict = {}
    exec("def reference(x):\n    return x + 1\n", namespace)
    seal(namespace, "reference")
    exec("def reference(x):\n    return x + 1\n", namespace)  # the locked cell run again
    seal(namespace, "reference")
    assert not [p for p in guard.tampering(namespace) if "reference" in p]
    namespace["reference"] = lambda x: x
    assert any("reference" in p for p in guard.tampering(namespace))
    previous = sys.gettrace()
    sys.settrace(lambda *a: None)
    try:
        assert any("trace" in p for p in guard.tampering())
    finally:
        sys.settrace(previous)


def test_assert_untampered_raises_with_the_names():
    baseline = guard.tampering()
    if baseline:
        pytest.skip(f"this test session changed the library already: {baseline[:3]}")
    assert_untampered()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(np, "isclose", lambda *a, **k: True)
        with pytest.raises(AssertionError, match=r"numpy\.isclose"):
            assert_untampered()


class ZeroesItsInput(Function):
    """A wrong backward (zeros) that also zeroes the input, so that the numerical derivative
    of x * x computed afterwards is zero too."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array * x.array

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        x.array[...] = 0
        return minigrad.zeros_like(gy)


def test_gradcheck_sees_a_backward_that_overwrites_its_input():
    x = minigrad.randn(4, dtype=minigrad.float64, requires_grad=True)
    with pytest.raises(minigrad.testing.GradcheckError, match="changed input 0 in place"):
        gradcheck(ZeroesItsInput.apply, (x,))


class EqualsFloat(type):
    """A metaclass whose classes are == float and hash like it: `cls in {float, ...}` said yes,
    and plain_value handed the object back as a number."""

    def __eq__(cls, other):
        return other is float

    def __ne__(cls, other):
        return other is not float

    def __hash__(cls):
        return hash(float)


class ClaimsFloat(LyingFloat, metaclass=EqualsFloat):
    def __array__(self, dtype=None, copy=None):
        return np.arange(3.0)


class EqualsList(type):
    def __eq__(cls, other):
        return other is list

    def __ne__(cls, other):
        return other is not list

    def __hash__(cls):
        return hash(list)


class ClaimsList(metaclass=EqualsList):
    """Taken for a list, plain_value rebuilt it as `type(x)(items)`: whatever __new__ returns."""

    def __new__(cls, *items):
        return [0.0, 1.0, 2.0] if items else object.__new__(cls)

    def __iter__(self):
        return iter(())


class Converts:
    """An element of an object array: a check that converts the array calls its __float__."""

    def __float__(self):
        return 1.0


def object_tensor() -> minigrad.Tensor:
    t = minigrad.zeros(3)
    minigrad.Tensor.__dict__["array"].__set__(t, np.array([Converts()] * 3, dtype=object))
    return t


class ClaimsTensor:
    """isinstance(x, minigrad.Tensor) reads x.__class__, which this answers with Tensor."""

    @property
    def __class__(self):
        return minigrad.Tensor

    array = np.arange(3.0)


@pytest.mark.parametrize(
    "hostile",
    [ClaimsFloat(0.0), ClaimsList(), [ClaimsFloat(0.0)], object_tensor(), ClaimsTensor()],
    ids=["metaclass-float", "metaclass-list", "metaclass-item", "object-tensor", "class-attr"],
)
def test_types_are_matched_by_identity_and_tensors_must_hold_numbers(hostile):
    with pytest.raises(AssertionError, match="slope_at"):
        plain_value(hostile, "slope_at(2.0)")
    with pytest.raises(AssertionError):
        assert_close(hostile, np.arange(3.0) if type(hostile) is not list else [1.0])


def test_an_infinite_expected_value_is_close_only_to_itself():
    # |0 - inf| <= atol + rtol * inf held: any finite value, or the other infinity, passed
    for actual in (0.0, -np.inf, np.nan):
        with pytest.raises(AssertionError, match="not close"):
            assert_close(np.array([actual]), np.array([np.inf]))
    assert_close(np.array([np.inf, -np.inf, 1.0]), np.array([np.inf, -np.inf, 1.0]))


def test_the_tables_of_the_checks_are_watched():
    """Rebinding a table the checks read (the scalar types they accept) is tampering; the
    tolerances are a tuple, so they cannot be widened in place."""
    close = sys.modules["minigrad.testing.close"]
    problems = _new_problems(
        lambda mp: mp.setattr(close, "_SCALAR_IDS", close._SCALAR_IDS | {id(AlwaysEqual)})
    )
    assert any("close._SCALAR_IDS" in p for p in problems), problems
    assert type(close._TOLERANCES) is tuple


def _steal_expected():
    """What the assert_close converting us was asked to expect, read from its frame."""
    frame = sys._getframe(1)
    while "expected" not in frame.f_locals:
        frame = frame.f_back
    return np.array(plain_value(frame.f_locals["expected"]), dtype=float)


def test_a_patched_torch_tensor_answer_is_refused_not_converted(monkeypatch):
    """Its conversion called torch.Tensor.detach, which an answer can patch: the patch returned
    the expected value, read from the check's frame."""
    torch = pytest.importorskip("torch")

    class Host:
        def cpu(self):
            return self

        def numpy(self):
            return _steal_expected()

    monkeypatch.setattr(torch.Tensor, "detach", lambda self: Host())
    with pytest.raises(AssertionError, match="torch.Tensor object"):
        assert_close(torch.zeros(3), np.arange(3.0))
    with pytest.raises(AssertionError, match="torch.Tensor object"):
        plain_value(torch.zeros(3))
    monkeypatch.undo()
    assert_close(minigrad.arange(3.0), torch.arange(3.0))  # the test suite's references


def test_a_cupy_array_of_a_module_in_sys_modules_is_not_trusted(monkeypatch):
    """A `cupy` module of the answer's own (a cupy.py in the working folder): its ndarray's get()
    ran inside the check and returned the expected value."""
    import types

    class ndarray:  # noqa: N801
        def get(self):
            return _steal_expected()

    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(ndarray=ndarray))
    t = minigrad.zeros(3)
    minigrad.Tensor.__dict__["array"].__set__(t, ndarray())
    with pytest.raises(AssertionError, match="the array inside .* is a .*ndarray object"):
        assert_close(t, np.arange(3.0))
    with pytest.raises(AssertionError, match="ndarray object"):
        assert_close(ndarray(), np.arange(3.0))


def test_the_simulated_gpu_is_still_read():
    from minigrad.testing.simulated_gpu import simulated_gpu

    with simulated_gpu():
        x = minigrad.arange(3.0, device="cuda")
        assert_close(x, np.arange(3.0))
        assert_close(plain_value([x])[0], np.arange(3.0))


@pytest.mark.skipif(not hasattr(np, "set_numeric_ops"), reason="NumPy 2 has no set_numeric_ops")
def test_replaced_numeric_ops_neither_pass_a_comparison_nor_go_unseen():
    """NumPy 1.x: np.set_numeric_ops(less_equal=...) changes `<=` of every array; an `<=` that
    always says True passed every assert_close."""
    ops, before = np.set_numeric_ops(), guard.tampering()  # (torch's import changes inspect)
    replaced = "numpy's numeric ops were replaced (np.set_numeric_ops)"
    try:
        np.set_numeric_ops(less_equal=lambda a, b, *args, **kwargs: np.ones(np.shape(a), bool))
        with pytest.raises(AssertionError, match="values are not close"):
            assert_close(np.zeros(3), np.arange(3.0) + 1)
        assert replaced in guard.tampering()
    finally:
        np.set_numeric_ops(**{k: v for k, v in ops.items() if not k.startswith("_")})
    assert guard.tampering() == before


def test_a_list_that_holds_itself_many_times_is_refused_quickly():
    """The same list twice, 31 levels deep: 2**31 items to convert, hours of the test's time."""
    import time

    shared = [1.0]
    for _ in range(31):
        shared = [shared, shared]
    started = time.process_time()  # CPU time: a busy machine stretches wall time
    with pytest.raises(AssertionError, match="more than 1,000,000 items"):
        plain_value(shared, "the answer")
    with pytest.raises(AssertionError, match="more than 1,000,000 items"):
        assert_close([0.0] * 2_000_000, np.zeros(2_000_000))
    assert time.process_time() - started < 30  # about 2 s (the budget is spent on the first half)
    assert plain_value([[1.0] * 1000] * 999)[-1][-1] == 1.0  # 1000 * 999 items: fine


def test_importing_torch_is_not_tampering(monkeypatch):
    """torch.package replaces inspect.getfile with a wrapper of the original when torch is
    imported: an honest `import torch` in a notebook failed every later test."""
    pytest.importorskip("torch")
    import inspect

    assert not [p for p in guard.tampering() if "inspect.getfile" in p]
    monkeypatch.setattr(inspect, "getfile", lambda obj: "elsewhere.py")
    assert any("inspect.getfile" in p for p in guard.tampering())


def test_a_simulated_gpu_array_holding_an_object_of_the_answer_is_refused():
    """FakeArray.get() called copy() of whatever its slot held: answer code, inside the check."""
    from minigrad.testing.simulated_gpu import FakeArray

    class Host:
        def copy(self):
            return _steal_expected()

    fake = FakeArray(np.zeros(3))
    FakeArray.__dict__["_a"].__set__(fake, Host())
    t = minigrad.zeros(3)
    minigrad.Tensor.__dict__["array"].__set__(t, fake)
    with pytest.raises(AssertionError, match="FakeArray object"):
        assert_close(t, np.arange(3.0))
