"""`out=` as PyTorch's: the result is written into out and out is returned; a wrong shape is
resized (with PyTorch's warning when out had elements); out keeps its dtype, which the
result must cast to; no autograd through out=. Each call runs with both libraries."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad

# (call, inputs): the call writes into `o`; a, b are float32 inputs (2, 3), (3, 2)
CALLS = [
    "t.matmul(a, b, out=o)",
    "t.mm(a, b, out=o)",
    "t.bmm(a[None], b[None], out=o)",
    "t.mul(a, a, out=o)",
    "t.mul(a, 2, out=o)",
    "t.add(a, a, alpha=2, out=o)",
    "t.sub(a, 1.5, out=o)",
    "t.div(a, a + 1, out=o)",
    "t.div(a, 2, rounding_mode='floor', out=o)",
    "t.cat([a, a], 1, out=o)",
    "t.stack([a, a], out=o)",
    "t.sum(a, 1, out=o)",
    "t.sum(a, 0, keepdim=True, out=o)",
    "t.mean(a, 0, out=o)",
]
# the out tensors tried with each call: right shape, wrong shape, empty, other dtypes
OUTS = [
    "t.empty_like(REF)",
    "t.empty(0)",
    "t.empty(7)",
    "t.zeros(REF.shape, dtype=t.float64)",
    "t.zeros(REF.shape, dtype=t.int64)",
    "t.zeros(REF.shape, dtype=t.bool)",
]


def _inputs(lib):
    values = np.random.default_rng(0).uniform(-2, 2, size=(2, 3)).astype(np.float32)
    return lib.tensor(values), lib.tensor(values.T.copy())


def _outcome(lib, call, out):
    a, b = _inputs(lib)
    ref = eval(call.replace(", out=o", ""), {"t": lib, "a": a, "b": b})
    o = eval(out.replace("REF", "ref"), {"t": lib, "ref": ref})
    version = o._version
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = eval(call, {"t": lib, "a": a, "b": b, "o": o})
        except Exception as exc:  # noqa: BLE001 - the exception is the outcome compared
            return exc, None
    assert result is o, f"{call}: out is not returned"
    assert o._version > version and o.grad_fn is None
    resized = [str(w.message) for w in caught if "was resized" in str(w.message)]
    return o, resized


@pytest.mark.parametrize("out", OUTS)
@pytest.mark.parametrize("call", CALLS)
def test_out_as_pytorch(call, out):
    ours, our_warnings = _outcome(minigrad, call, out)
    theirs, their_warnings = _outcome(torch, call, out)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"{call} {out}: {ours!r} instead of {theirs!r}"
        return
    assert not isinstance(ours, Exception), f"{call} {out}: {ours!r}"
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert len(our_warnings) == len(their_warnings)
    for ours_said, theirs_said in zip(our_warnings, their_warnings):
        assert theirs_said.split(". ")[0] in ours_said


def test_the_tensors_tutorials_out_arguments():
    def run(t):
        tensor = t.ones(4, 4)
        tensor[:, 1] = 0
        y3, z3 = t.rand_like(tensor), t.rand_like(tensor)
        t.matmul(tensor, tensor.T, out=y3)
        t.mul(tensor, tensor, out=z3)
        return y3.tolist(), z3.tolist()

    assert run(minigrad) == run(torch)


@pytest.mark.parametrize("where", ["input", "out"])
@pytest.mark.parametrize(
    "call", ["t.add(a, 1, out=o)", "t.matmul(a, b, out=o)", "t.cat([a], out=o)"]
)
def test_no_autograd_through_out(call, where):
    """PyTorch refuses out= when an input or out requires grad, unless grad mode is off."""
    for lib in (minigrad, torch):
        a, b = _inputs(lib)
        o = lib.empty(0)
        (a if where == "input" else o).requires_grad_()
        with pytest.raises(RuntimeError) as error:
            eval(call, {"t": lib, "a": a, "b": b, "o": o})
        op = call.split("(")[0].removeprefix("t.")
        assert str(error.value) == (
            f"{op}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
        with lib.no_grad():
            assert eval(call, {"t": lib, "a": a, "b": b, "o": o}) is o


def test_out_may_be_an_input_or_a_view():
    for lib in (minigrad, torch):
        x = lib.ones(2, 3)
        assert lib.add(x, 1, out=x) is x and x.tolist() == [[2.0] * 3] * 2
        base = lib.zeros(4)
        lib.mul(lib.ones(2), 3, out=base[1:3])
        assert base.tolist() == [0.0, 3.0, 3.0, 0.0]


def test_out_must_be_a_tensor():
    for lib in (minigrad, torch):
        with pytest.raises(TypeError, match="out"):
            lib.add(lib.ones(2), 1, out=[0.0, 0.0])


def test_out_on_the_simulated_gpu():
    from minigrad.testing.simulated_gpu import simulated_gpu

    with simulated_gpu():
        a = minigrad.ones(2, 3, device="cuda")
        o = minigrad.empty(0, device="cuda")
        assert minigrad.matmul(a, a.T, out=o) is o and str(o.device) == "cuda:0"
        assert o.cpu().tolist() == [[3.0, 3.0], [3.0, 3.0]]
        with pytest.raises(RuntimeError, match=r"add\(\): out is on cpu.*cuda:0"):
            minigrad.add(a, 1, out=minigrad.empty(2, 3))


def test_out_cannot_be_compiled():
    """A static graph cannot record a write into out: a full-graph compile says so instead of
    replaying the traced values; a plain one runs the function eagerly and warns why."""
    from minigrad import static

    def fn(x):
        o = minigrad.empty(0)
        return minigrad.mul(x, 2, out=o)

    with pytest.raises(static.TracingError, match=r"mul\(out=\.\.\.\)"):
        static.compile(fn, fullgraph=True)(minigrad.ones(3))
    with pytest.warns(UserWarning, match=r"runs eagerly.*mul\(out=\.\.\.\)"):
        np.testing.assert_array_equal(static.compile(fn)(minigrad.ones(3)).numpy(), [2, 2, 2])
