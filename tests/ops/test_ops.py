"""Every op in the table (op_table.py), three ways: values and gradients against PyTorch CPU
(first and second order), float64 central differences (gradcheck), and hypothesis over
broadcast shapes and dtypes for the binary ops."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes
from op_table import CASES, Case, functional, make_inputs

import minigrad
import minigrad.ops
from minigrad.autograd import Function
from minigrad.testing import assert_close, gradcheck

DIFFERENTIABLE = [c for c in CASES if c.grad]
NUMERICAL = [c for c in DIFFERENTIABLE if c.numerical]
TORCH = [c for c in CASES if c.torch]
DOUBLE = [c for c in TORCH if c.grad and c.double]
BINARY = [c for c in TORCH if c.binary]


def _ids(cases):
    return [c.name for c in cases]


def _run(lib, case: Case, arrays, dtype="float64", device="cpu", requires_grad=True):
    dt = getattr(lib, dtype)
    kwargs = {"device": device} if lib is minigrad else {}
    xs = [lib.tensor(a, dtype=dt, requires_grad=requires_grad, **kwargs) for a in arrays]
    return xs, case.fn(lib, functional(lib), *xs)


def _upstream(out, seed=1):
    return np.random.default_rng(seed).standard_normal(tuple(out.shape))


def _grads(lib, out, xs, w, create_graph=False):
    gw = lib.tensor(w, dtype=out.dtype)
    if lib is minigrad:
        gw = gw.to(out.device)
    return lib.autograd.grad(out, xs, gw, create_graph=create_graph, allow_unused=True)


def _assert_grads_close(mine, theirs, rtol, what, atol=1e-8):
    for i, (g, h) in enumerate(zip(mine, theirs)):
        if h is None or h._is_zerotensor():  # PyTorch's known-zero gradients
            assert g is None or not np.any(g.detach().cpu().numpy()), f"{what} {i}: expected 0"
            continue
        if g is None:
            assert not np.any(h.detach().numpy()), f"{what} {i}: minigrad gives no gradient"
            continue
        assert_close(g, h, rtol=rtol, atol=atol, msg=f"{what} {i}")


@pytest.mark.parametrize("case", TORCH, ids=_ids(TORCH))
def test_matches_torch(case, device):
    arrays = make_inputs(case)
    xs, out = _run(minigrad, case, arrays, device=device, requires_grad=case.grad)
    txs, tout = _run(torch, case, arrays, requires_grad=case.grad)
    assert tuple(out.shape) == tuple(tout.shape)
    assert str(out.dtype) == str(tout.dtype).replace("torch", "minigrad")
    assert_close(out, tout, rtol=case.rtol, atol=1e-8, msg=f"{case.name} forward")
    if case.grad:
        w = _upstream(tout)
        _assert_grads_close(
            _grads(minigrad, out, xs, w),
            _grads(torch, tout, txs, w),
            case.rtol,
            f"{case.name}: gradient of input",
        )


@pytest.mark.parametrize("case", DOUBLE, ids=_ids(DOUBLE))
def test_double_backward_matches_torch(case, device):
    arrays = make_inputs(case)
    results = []
    for lib in (minigrad, torch):
        xs, out = _run(lib, case, arrays, device=device)
        grads = _grads(lib, out, xs, _upstream(out), create_graph=True)
        rng = np.random.default_rng(2)
        terms = [
            (g * lib.tensor(rng.standard_normal(tuple(g.shape)), device=g.device)).sum()
            for g in grads
            if g is not None and g.requires_grad
        ]
        if not terms:
            results.append([None] * len(xs))
            continue
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        results.append(lib.autograd.grad(total, xs, allow_unused=True))
    _assert_grads_close(*results, case.rtol, f"{case.name}: second derivative of input")


# NOTE: CPU only: central differences change one element at a time and sum on the host, and
# minigrad.testing.gradcheck works on NumPy arrays; the GPU's gradients are compared with
# PyTorch's (first and second order) above.
@pytest.mark.parametrize("case", NUMERICAL, ids=_ids(NUMERICAL))
def test_gradcheck(case):
    xs, _ = _run(minigrad, case, make_inputs(case, seed=3))
    assert gradcheck(lambda *a: case.fn(minigrad, functional(minigrad), *a), xs)


@pytest.mark.parametrize("case", TORCH, ids=_ids(TORCH))
def test_float32_stays_float32(case, device):
    arrays = make_inputs(case, seed=4)
    _, out = _run(minigrad, case, arrays, dtype="float32", device=device, requires_grad=False)
    _, tout = _run(torch, case, arrays, dtype="float32", requires_grad=False)
    assert str(out.dtype) == str(tout.dtype).replace("torch", "minigrad")
    assert_close(out, tout, rtol=1e-4, atol=1e-5, msg=f"{case.name} float32 forward")


DTYPES = ["float32", "float64", "int64", "bool"]


@pytest.mark.parametrize("case", BINARY, ids=_ids(BINARY))
@settings(max_examples=15, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    dtypes=st.tuples(st.sampled_from(DTYPES), st.sampled_from(DTYPES)),
    seed=st.integers(0, 2**16),
)
def test_binary_broadcast_and_promotion(case, shapes, dtypes, seed):
    arrays = make_inputs(case, seed=seed, shapes=shapes.input_shapes)
    floating = all(d.startswith("float") for d in dtypes)
    results = []
    for lib in (minigrad, torch):
        xs = [
            lib.tensor(a, dtype=getattr(lib, d), requires_grad=floating)
            for a, d in zip(arrays, dtypes)
        ]
        try:
            out = case.fn(lib, functional(lib), *xs)
        except NotImplementedError:  # PyTorch has no kernel for these dtypes (bool ** bool)
            return
        except RuntimeError as exc:  # e.g. integer ** negative, bool - bool
            results.append(type(exc))
            continue
        grads = _grads(lib, out, xs, _upstream(out)) if floating else ()
        results.append((out, grads))
    if not isinstance(results[0], tuple) or not isinstance(results[1], tuple):
        assert results[0] == results[1], f"{case.name} {dtypes}: {results}"
        return
    (out, grads), (tout, tgrads) = results
    assert str(out.dtype) == str(tout.dtype).replace("torch", "minigrad"), dtypes
    assert_close(out, tout, rtol=1e-4, atol=1e-5, msg=f"{case.name} {dtypes}")
    # NOTE: a broadcast input's gradient sums terms that may cancel: in float32 the two
    # libraries' summation orders then leave different roundoff (-6e-8 against 0)
    atol = 1e-6 if "float32" in dtypes else 1e-8
    _assert_grads_close(grads, tgrads, 1e-4, f"{case.name} {dtypes}: gradient of input", atol)


def _functions_in(module):
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Function) and cls.__module__ == module.__name__ and cls.op_name
    ]


def test_every_op_is_in_the_table():
    """Each Function in the engine's op files is run by some row of the table."""
    from minigrad.autograd.grad_mode import state
    from minigrad.ops import (
        activations,
        arithmetic,
        conv,
        conv3d,
        fft,
        indexing,
        linalg,
        lu,
        matmul,
        nn,
        nograd,
        norm,
        reduce,
        rnn,
        selection,
        shape,
        special,
        unary,
    )

    used = set()
    for case in CASES:
        state.tape = tape = []
        try:
            xs, out = _run(minigrad, case, make_inputs(case))
            if case.grad:
                # backward runs ops too (IndexAdd, SumTo): record those with create_graph, and
                # with a plain backward the gradient ops that create_graph replaces by
                # differentiable ones (NormalizeGrad, LstmSequenceGrad)
                gy = minigrad.tensor(_upstream(out), dtype=out.dtype, requires_grad=True)
                minigrad.autograd.grad(out, xs, gy, retain_graph=True, allow_unused=True)
                minigrad.autograd.grad(out, xs, gy, create_graph=True, allow_unused=True)
        finally:
            state.tape = None
        used.update(cls for cls, _ in tape)
    modules = (
        arithmetic,
        unary,
        activations,
        selection,
        nograd,
        reduce,
        shape,
        indexing,
        matmul,
        linalg,
        nn,
        conv,
        conv3d,
        norm,
        rnn,
        special,
        fft,
        lu,
    )
    missing = [c.__name__ for m in modules for c in _functions_in(m) if c not in used]
    assert not missing, f"no row of tests/ops/op_table.py runs these ops: {missing}"


# unary rows whose lambda works for any shape (elementwise, and reductions over all dims)
ANY_SHAPE = [
    c
    for c in TORCH
    if len(c.shapes) == 1
    and c.name
    in {
        "add_scalar",
        "rsub_scalar",
        "mul_scalar",
        "rdiv_scalar",
        "pow_scalar",
        "rpow_scalar",
        "neg",
        "square",
        "exp",
        "log",
        "sqrt",
        "abs",
        "sin",
        "tanh",
        "sigmoid",
        "relu",
        "leaky_relu",
        "gelu",
        "softplus",
        "silu",
        "clamp",
        "clone",
        "sum",
        "mean",
        "max",
        "var",
        "norm",
        "erf",
        *("lgamma", "digamma", "polygamma", "mvlgamma", "i0", "special_i0e", "special_i1"),
        *("special_i1e", "special_zeta", "special_log_ndtr", "special_ndtri"),
    }
]


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # var of 1
@pytest.mark.parametrize("case", ANY_SHAPE, ids=_ids(ANY_SHAPE))
@settings(max_examples=10, deadline=None)
@given(
    shape=st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 2**16),
)
def test_unary_any_shape_and_dtype(case, shape, dtype, seed):
    arrays = make_inputs(case, seed=seed, shapes=[shape])
    results = []
    for lib in (minigrad, torch):
        try:
            xs, out = _run(lib, case, arrays, dtype=dtype)
        except RuntimeError as exc:  # max() of an empty tensor
            results.append(type(exc))
            continue
        results.append((out, _grads(lib, out, xs, _upstream(out))))
    if not isinstance(results[0], tuple) or not isinstance(results[1], tuple):
        assert results[0] == results[1], f"{case.name} {shape}: {results}"
        return
    (out, grads), (tout, tgrads) = results
    assert str(out.dtype) == str(tout.dtype).replace("torch", "minigrad")
    assert_close(out, tout, rtol=1e-4, atol=1e-5, msg=f"{case.name} {shape} {dtype}")
    _assert_grads_close(grads, tgrads, 1e-4, f"{case.name} {shape} {dtype}: gradient")


REDUCTIONS = ["sum", "mean", "amax", "amin", "prod", "logsumexp", "var", "std", "norm", "softmax"]


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # var over 1
@pytest.mark.parametrize("name", REDUCTIONS)
@settings(max_examples=10, deadline=None)
@given(
    shape=st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple),
    data=st.data(),
)
def test_reductions_over_any_dim(name, shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    array = np.random.default_rng(0).uniform(0.5, 2.0, size=shape)
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        if name == "softmax":
            out = x.softmax(dim)
        elif name == "norm":
            out = x.norm(dim=dim, keepdim=keepdim)
        else:
            out = getattr(x, name)(dim, keepdim=keepdim)
        results.append((out, _grads(lib, out, [x], _upstream(out))))
    (out, grads), (tout, tgrads) = results
    assert_close(out, tout, rtol=1e-6, msg=f"{name} {shape} dim={dim} keepdim={keepdim}")
    _assert_grads_close(grads, tgrads, 1e-6, f"{name} {shape} dim={dim}: gradient")


def test_erf_without_scipy_is_exact(without_scipy):
    import math

    from minigrad.ops.unary import _numpy_erf

    x = np.array([[-3.0, -0.5, 0.0], [1e-8, 0.7, 6.0]])
    assert _numpy_erf(x).tolist() == [[math.erf(v) for v in row] for row in x.tolist()]
    assert _numpy_erf(np.full((), 0.5, dtype=np.float32)).dtype == np.float32


@settings(max_examples=25, deadline=None)
@given(
    batch=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
    vectors=st.sampled_from([(False, False), (True, False), (False, True), (True, True)]),
)
def test_matmul_over_batch_broadcasting_and_vectors(batch, sizes, vectors):
    n, k, m = sizes
    shape_a = (k,) if vectors[0] else batch.input_shapes[0] + (n, k)
    shape_b = (k,) if vectors[1] else batch.input_shapes[1] + (k, m)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape_a), rng.standard_normal(shape_b)]
    results = []
    for lib in (minigrad, torch):
        a, b = (lib.tensor(x, requires_grad=True) for x in arrays)
        out = a @ b
        results.append((out, _grads(lib, out, [a, b], _upstream(out))))
    (out, grads), (tout, tgrads) = results
    assert_close(out, tout, rtol=1e-10, msg=f"{shape_a} @ {shape_b}")
    _assert_grads_close(grads, tgrads, 1e-10, f"{shape_a} @ {shape_b}: gradient")


@st.composite
def _indices(draw, shape):
    """An index for `shape`: ints, positive-step slices, lists (repeats allowed), None, ..."""
    parts, lists = [], 0
    for size in shape:
        kind = draw(
            st.sampled_from(["int", "slice", "list", "all"] if lists < 2 else ["int", "all"])
        )
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start, stop = draw(st.integers(-size, size)), draw(st.integers(-size, size))
            parts.append(slice(start, stop, draw(st.integers(1, 3))))
        elif kind == "list":
            lists += 1
            parts.append(draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=4)))
        else:
            parts.append(slice(None))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    if draw(st.booleans()) and parts:
        parts = [Ellipsis] + parts[draw(st.integers(1, len(parts))) :]
    return tuple(parts)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
def test_getitem_matches_torch(data, shape):
    index = data.draw(_indices(shape), label="index")
    # lists of the same length broadcast; different lengths are an error in both libraries
    array = np.random.default_rng(0).standard_normal(shape)
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        try:
            out = x[index] * 1.0
        except (IndexError, RuntimeError, ValueError) as exc:
            results.append(type(exc).__name__)
            continue
        results.append((out, _grads(lib, out, [x], _upstream(out))))
    if isinstance(results[1], str) or isinstance(results[0], str):
        assert isinstance(results[0], str) and isinstance(results[1], str), (index, results)
        return
    (out, grads), (tout, tgrads) = results
    assert_close(out, tout, rtol=1e-12, msg=f"x{list(shape)}[{index}]")
    _assert_grads_close(grads, tgrads, 1e-12, f"x{list(shape)}[{index}]: gradient")


WINDOW_OPS = ["conv2d", "max_pool2d", "avg_pool2d"]


def _check_window_op(name, kernel, x, w, geometry):
    """A convolution (of x by w) or a pooling (of x) with these keyword arguments: values and
    gradients match PyTorch, and the gradient passes central differences."""
    conv = name.startswith("conv")

    def run(lib, *xs):
        f = getattr(functional(lib), name)
        return f(xs[0], xs[1], **geometry) if conv else f(xs[0], kernel, **geometry)

    arrays = [x, w] if conv else [x]
    results = []
    for lib in (minigrad, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = run(lib, *xs)
        results.append((out, _grads(lib, out, xs, _upstream(out))))
    (out, grads), (tout, tgrads) = results
    what = f"{name} kernel={kernel} {geometry}"
    assert_close(out, tout, rtol=1e-6, msg=what)
    _assert_grads_close(grads, tgrads, 1e-6, f"{what}: gradient")
    xs = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: run(minigrad, *xs), xs)


@pytest.mark.parametrize("name", WINDOW_OPS)
@settings(max_examples=12, deadline=None)
@given(
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.integers(1, 2),
    extra=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    data=st.data(),
)
def test_window_ops_over_any_geometry(name, kernel, stride, dilation, extra, data):
    """conv2d and pooling for kernel, stride, padding and dilation drawn by hypothesis:
    values and gradients match PyTorch, and the gradient passes central differences."""
    # pooling's limit (PyTorch's too): padding at most half the kernel
    padding = tuple(data.draw(st.integers(0, k // 2), label="padding") for k in kernel)
    if name == "avg_pool2d":
        dilation = 1  # avg_pool2d has none
    size = [dilation * (k - 1) + 1 + e for k, e in zip(kernel, extra)]
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(2, 2, *size))
    w = rng.uniform(-1, 1, size=(3, 2, *kernel))
    geometry = dict(stride=stride, padding=padding)
    if name != "avg_pool2d":
        geometry["dilation"] = dilation
    _check_window_op(name, kernel, x, w, _pool_modes(name, geometry, data))


def _pool_modes(name, geometry, data):
    """A pooling's geometry with ceil_mode (and avg pooling's count_include_pad) drawn too."""
    if "pool" in name:
        geometry["ceil_mode"] = data.draw(st.booleans(), label="ceil_mode")
    if "avg" in name:
        geometry["count_include_pad"] = data.draw(st.booleans(), label="count_include_pad")
    return geometry


@pytest.mark.parametrize("name", ["conv3d", "max_pool3d", "avg_pool3d"])
@settings(max_examples=8, deadline=None)
@given(
    kernel=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 2)),
    stride=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)),
    extra=st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
    groups=st.sampled_from([1, 2]),
    data=st.data(),
)
def test_3d_window_ops_over_any_geometry(name, kernel, stride, dilation, extra, groups, data):
    """The 3-D forms through the same geometry and checks as the 2-D ones, groups too: values
    and gradients match PyTorch, and the gradient passes central differences."""
    padding = tuple(data.draw(st.integers(0, k // 2), label="padding") for k in kernel)
    if name == "avg_pool3d":
        dilation = (1, 1, 1)  # avg_pool3d has none
    size = [d * (k - 1) + 1 + e for k, d, e in zip(kernel, dilation, extra)]
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(2, 2, *size))
    w = rng.uniform(-1, 1, size=(4, 2 // groups, *kernel))
    geometry = dict(stride=stride, padding=padding)
    if name != "avg_pool3d":
        geometry["dilation"] = dilation
    if name == "conv3d":
        geometry["groups"] = groups
    _check_window_op(name, kernel, x, w, _pool_modes(name, geometry, data))
