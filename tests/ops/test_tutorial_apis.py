"""Functions PyTorch's tutorials and recipes call that the op table does not reach: in-place
forms (`x.sin_()`, `torch.sin_(x)`), `torch.svd`, cov/corrcoef, isin, cummax/cummin and
F.pdist at their edges, the device context manager; compared with PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad.tensor import INPLACE_FORMS

# the second operand of the binary forms, and inputs inside each op's domain
_BINARY = {
    "clamp_min",
    "clamp_max",
    "atan2",
    "arctan2",
    "fmod",
    "remainder",
    "hypot",
    "copysign",
    "xlogy",
    "true_divide",
    "floor_divide",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "multiply",
    "subtract",
    "divide",
    "logical_and",
    "logical_or",
    "logical_xor",
    *("greater", "greater_equal", "less", "less_equal", "not_equal", "gcd", "lcm", "heaviside"),
    *("ldexp", "nextafter"),
}
_INTEGER = {"bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm"}
_INTEGER |= {"bitwise_left_shift", "bitwise_right_shift"}
_NEAR_ZERO = {"asin", "acos", "atanh", "arcsin", "arccos", "arctanh", "erfinv"}


def _operands(lib, name):
    rng = np.random.default_rng(len(name))
    if name in _INTEGER:
        a, b = rng.integers(-8, 8, (2, 3, 4))
        return lib.tensor(a.tolist()), lib.tensor(b.tolist())
    a = rng.uniform(-0.9, 0.9, (3, 4)) if name in _NEAR_ZERO else rng.uniform(-3, 3, (3, 4))
    if name in ("acosh", "arccosh"):
        a = np.abs(a) + 1
    if name in ("log2", "log10", "log1p", "rsqrt"):
        a = np.abs(a) + 0.1
    b = rng.uniform(0.5, 3, (4,)) * np.sign(rng.uniform(-1, 1, (4,)))
    return lib.tensor(a, dtype=lib.float32), lib.tensor(b, dtype=lib.float32)


@pytest.mark.parametrize("name", INPLACE_FORMS)
def test_inplace_forms_write_pytorchs_values_into_the_tensor(name):
    results = []
    for lib in (torch, minigrad):
        a, b = _operands(lib, name)
        args = (b,) if name in _BINARY else (2,) if name in ("polygamma", "mvlgamma") else ()
        out = getattr(a, f"{name}_")(*args)
        assert out is a
        results.append((a.numpy(), str(a.dtype).split(".")[-1]))
    (theirs, their_dtype), (ours, our_dtype) = results
    assert our_dtype == their_dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_tensor_methods_under_pytorchs_other_names():
    a, b = _operands(minigrad, "multiply")
    ta, tb = _operands(torch, "multiply")
    for name in ("multiply", "subtract", "divide", "logical_and", "logical_or", "logical_xor"):
        np.testing.assert_allclose(getattr(a, name)(b).numpy(), getattr(ta, name)(tb).numpy())
    assert a.negative().tolist() == ta.negative().tolist()
    assert a.swapaxes(0, 1).tolist() == ta.swapaxes(0, 1).tolist()
    assert a.allclose(a + 1e-9) and a.equal(a.clone()) and not a.equal(b)
    assert a.isclose(a + 1e-3, atol=1e-2).all() and not a.isclose(a + 1).any()


def test_inplace_forms_record_the_op_and_refuse_what_pytorch_refuses():
    x = minigrad.tensor([0.5, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.sin_()  # the autograd tutorial's in-place error
    y = x * 1
    minigrad.sin_(y)  # torch.sin_(y), as the tensors tutorial writes it
    assert y.grad_fn.name() == "SinBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.5, 1.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="can't be cast"):
        minigrad.tensor([1, 2]).sin_()  # as PyTorch: a float result into an int64 tensor
    assert minigrad.tensor([1.25, -2.5]).round_(decimals=1).tolist() == [1.2000000476837158, -2.5]


def test_torch_svd_returns_v_and_zeros_without_uv():
    a = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
    for kwargs in ({}, {"some": False}, {"compute_uv": False}):
        ours = minigrad.svd(minigrad.tensor(a), **kwargs)
        theirs = torch.svd(torch.tensor(a), **kwargs)
        assert type(ours).__name__ == "svd" and ours._fields == ("U", "S", "V")
        for o, t in zip(ours, theirs):
            assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(ours.S.numpy(), theirs.S.numpy(), rtol=1e-5)
        if kwargs.get("compute_uv", True):
            k = 3
            rebuilt = ours.U[..., :k] @ (ours.S[..., None] * ours.V[..., :k].mT)
            np.testing.assert_allclose(rebuilt.numpy(), a, atol=1e-5)
        else:
            assert not ours.U.numpy().any() and not ours.V.numpy().any()
    assert minigrad.tensor(a[0]).svd().V.shape == (3, 3)


def _both(fn):
    return fn(minigrad), fn(torch)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.cov(t.tensor([1, 2, 4])),  # integers give the default float
        lambda t: t.cov(t.tensor([[1.0, 2, 4]])),  # one variable: a 0-d result
        lambda t: t.cov(t.tensor([[1.0, 2, 4], [0, 1, 1]]), correction=0),
        lambda t: t.cov(
            t.tensor([[1.0, 2, 4], [0, 1, 1]], dtype=t.float64),
            fweights=t.tensor([1, 2, 1]),
            aweights=t.tensor([0.5, 1, 2], dtype=t.float64),
        ),
        lambda t: t.cov(t.tensor([[1.0, 2, 4], [0, 1, 1]]), fweights=t.tensor([3, 0, 1])),
        lambda t: t.corrcoef(t.tensor([[1.0, 2, 4], [0, 1, 1], [5, -1, 2]])),
        lambda t: t.corrcoef(t.tensor([1.0, 2, 4])),  # one variable: 1
    ],
)
def test_cov_and_corrcoef_match_pytorch(call):
    ours, theirs = _both(call)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype)[9:] == str(theirs.dtype)[6:]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        lambda t: dict(fweights=t.ones(3)),
        lambda t: dict(fweights=t.ones(2, dtype=t.int64)),
        lambda t: dict(fweights=t.ones(1, 3, dtype=t.int64)),
        lambda t: dict(fweights=-t.ones(3, dtype=t.int64)),
        lambda t: dict(aweights=t.ones(3, dtype=t.int64)),
        lambda t: dict(aweights=-t.ones(3)),
    ],
)
def test_cov_refuses_weights_as_pytorch(kwargs):
    messages = []
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError) as error:
            lib.cov(lib.ones(2, 3), **kwargs(lib))
        messages.append(str(error.value).replace("minigrad.", "").replace("torch.", ""))
    ours, theirs = messages
    assert ours.split(" with ")[0] == theirs.split(" with ")[0]


def test_cov_errors_and_warnings_as_pytorch():
    with pytest.raises(RuntimeError, match="two or fewer dimensions but got an input with 3"):
        minigrad.cov(minigrad.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match=r"cov\(\): bool dtype is not supported for input"):
        minigrad.cov(minigrad.ones(3, dtype=minigrad.bool))
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        c = minigrad.cov(minigrad.tensor([[1.0, 2, 4]]), correction=3)
    assert c.item() == math.inf


def test_isin_matches_pytorch_with_numbers_on_either_side():
    cases = [
        lambda t: t.isin(t.tensor([[1, 2], [3, 4]]), t.tensor([2, 3])),
        lambda t: t.isin(3, t.tensor([2, 3])),
        lambda t: t.isin(t.tensor([1.0, 2.0]), 2),
        lambda t: t.isin(t.tensor([1, 2, 5]), t.tensor([2.0, 5.5]), invert=True),
    ]
    for call in cases:
        ours, theirs = _both(call)
        assert ours.dtype == minigrad.bool and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    "values",
    [
        [1, 3, 3, 2, 5, 5],
        [1.0, math.nan, 0.0, math.nan, 4.0],
        [[2.0, -1.0, 2.0], [0.0, 3.0, 3.0]],
        [True, False, True],
        7.0,
    ],
)
@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin_ties_nans_and_dtypes_as_pytorch(values, op):
    dims = (0, -1) if np.ndim(values) < 2 else (0, 1, -1)
    for dim in dims:
        ours, theirs = _both(lambda t, dim=dim: getattr(t, op)(t.tensor(values), dim))
        assert type(ours).__name__ == op and ours._fields == ("values", "indices")
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        assert ours.indices.tolist() == theirs.indices.tolist()
        assert ours.values.dtype.itemsize == theirs.values.dtype.itemsize


def test_cummax_gradient_goes_to_where_the_max_was_reached():
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 5.0, 3.0, 5.0, 2.0], requires_grad=True)
        x.cummax(0).values.backward(lib.arange(5.0))
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [0.0, 3.0, 0.0, 7.0, 0.0]


def test_pdist_edges_as_pytorch():
    F = minigrad.nn.functional
    for bad, message in [
        (minigrad.ones(3), "pdist only supports 2D tensors, got: 1D"),
        (minigrad.ones(2, 2, 2), "pdist only supports 2D tensors, got: 3D"),
        (minigrad.ones(3, 2, dtype=minigrad.int64), "pdist only supports floating-point"),
    ]:
        with pytest.raises(RuntimeError, match=message):
            F.pdist(bad)
    with pytest.raises(RuntimeError, match="non-negative p"):
        F.pdist(minigrad.ones(3, 2), p=-1)
    with pytest.raises(NotImplementedError, match="\"pdist\" not implemented for 'Half'"):
        F.pdist(minigrad.ones(3, 2, dtype=minigrad.float16))
    points = [[0.0, 1], [2, 5], [1, 1], [0, 1]]
    for p in (0, 1, 2, math.inf):
        ours, theirs = _both(lambda t, p=p: t.nn.functional.pdist(t.tensor(points), p))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert tuple(F.pdist(minigrad.ones(1, 2)).shape) == (0,)


def test_device_context_manager_sets_the_default_device_inside_the_block():
    """The "Changing default device" recipe's `with torch.device(...):`."""
    before = minigrad.get_default_device()
    with minigrad.device("cpu") as dev:
        assert dev == minigrad.device("cpu")
        assert minigrad.get_default_device() == dev
        assert minigrad.nn.Linear(2, 3).weight.device == dev
        with minigrad.device("cpu"):
            pass
        assert minigrad.get_default_device() == dev
    assert minigrad.get_default_device() is before


def test_the_meta_device_is_refused_with_what_to_do_instead():
    """The "Reasoning about Shapes" recipe builds on device="meta"; minigrad has none."""
    for make in (
        lambda: minigrad.rand(2, 3, 10, 10, device="meta"),
        lambda: minigrad.nn.Conv2d(3, 5, 2, device="meta"),
        lambda: minigrad.device("meta"),
    ):
        with pytest.raises(RuntimeError, match="minigrad has no 'meta' device.*small CPU input"):
            make()


def test_factories_write_into_out_as_pytorch():
    """The tensors tutorial's `torch.rand(2, 2, out=c)`: the same object, out's dtype."""
    for lib in (minigrad, torch):
        c = lib.zeros(2, 2, dtype=lib.float64)
        assert lib.rand(2, 2, out=c) is c and c.dtype == lib.float64
        assert ((c >= 0) & (c < 1)).all()
        assert lib.randn(2, 2, out=c) is c
        assert lib.ones(2, 2, out=c) is c and c.tolist() == [[1.0, 1.0], [1.0, 1.0]]
        assert lib.zeros(2, out=lib.empty(0, dtype=lib.int64)).tolist() == [0, 0]
        grows = lib.zeros(2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a factory resizes out silently, as PyTorch's
            lib.ones(3, out=grows)
        assert grows.tolist() == [1.0, 1.0, 1.0]
        assert lib.zeros(2, out=lib.ones(2), requires_grad=True).requires_grad


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("jit", "export_onnx"),
        ("onnx", "export_onnx"),
        ("export", "static.trace"),
        ("fx", "static.trace"),
        ("profiler", "benchmark.Timer"),
        ("hub", "downloads nothing"),
        ("distributed", "one process"),
    ],
)
def test_absent_subsystems_say_what_to_do_instead(name, hint):
    """`torch.jit.script(model)` (the save/load tutorial), `torch.profiler`, `torch.hub`...:
    an AttributeError naming the subsystem and the way to go instead."""
    with pytest.raises(AttributeError, match=f"has no attribute '{name}': .*{hint}"):
        getattr(minigrad, name)
    assert not hasattr(minigrad, name)
    with pytest.raises(AttributeError, match=r"^module 'minigrad' has no attribute 'nope'$"):
        minigrad.nope  # noqa: B018


_X = [[0.5, -1.0, 0.0], [2.0, 0.25, -3.0]]


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.greater(t.tensor(_X), 0.2),
        lambda t: t.tensor(_X).greater_equal(0.25),
        lambda t: t.less(t.tensor(_X), t.tensor([0.5, 0.0, 0.0])),
        lambda t: t.tensor(_X).less_equal(0.0),
        lambda t: t.not_equal(t.tensor(_X), 0.0),
        lambda t: t.swapdims(t.tensor(_X), 0, 1),
        lambda t: t.tensor(_X).swapdims(1, 0),
        lambda t: t.sgn(t.tensor(_X)),
        lambda t: t.positive(t.tensor(_X)),
        lambda t: t.logit(t.tensor(_X).sigmoid()),
        lambda t: t.tensor(_X).sigmoid().logit(eps=0.3),
        lambda t: t.ravel(t.tensor(_X).T),
        lambda t: t.argwhere(t.tensor(_X)),
        lambda t: t.tensor(_X).msort(),
        lambda t: t.diagflat(t.tensor([1.0, 2.0]), 1),
        lambda t: t.tensor(_X).diagflat(),
        lambda t: t.vdot(t.tensor([1.0, 2.0]), t.tensor([3.0, -4.0])),
        lambda t: t.dist(t.tensor(_X), t.tensor([1.0, 1.0, 1.0]), 3),
        lambda t: t.dist(t.tensor(_X), t.zeros(3), 0),
        lambda t: t.tensor(_X).norm(0),
        lambda t: t.addcmul(t.tensor(_X), t.tensor([1.0, 2.0, 3.0]), t.tensor(_X), value=-0.5),
        lambda t: t.addcdiv(
            t.tensor([1, 2], dtype=t.uint8),
            t.tensor([200, 3], dtype=t.uint8),
            t.tensor([2.0, 4.0]),
            value=-2,
        ),  # fmt: skip
        lambda t: t.column_stack([t.tensor([1.0, 2.0]), t.tensor([[3.0], [4.0]])]),
        lambda t: t.dstack([t.tensor([1.0, 2.0]), t.tensor([3.0, 4.0])]),
        lambda t: t.stack(t.atleast_3d(t.tensor(1.0), t.tensor([2.0]))[0:1]),
        lambda t: t.atleast_2d(t.tensor([1.0, 2.0])),
        lambda t: t.atleast_1d(t.tensor(3.0)),
        lambda t: t.stack(t.unravel_index(t.tensor([4, -1, 0]), (2, 3))),
        lambda t: t.stack(t.unravel_index(t.tensor(5), 6)),
        lambda t: t.scalar_tensor(3),
        lambda t: t.scalar_tensor(3, dtype=t.int64),
        lambda t: t.pdist(t.tensor(_X)),
        lambda t: t.pairwise_distance(t.tensor(_X), t.zeros(3)),
        lambda t: t.cosine_similarity(t.tensor(_X), t.ones(3)),
        lambda t: t.vmap(lambda row: row.sum())(t.tensor(_X)),
    ],
)
def test_more_of_pytorchs_functions_and_methods(call):
    ours, theirs = _both(call)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_predicates_rng_state_and_refusals_as_pytorch():
    for lib in (minigrad, torch):
        x = lib.tensor([1.5])
        assert lib.is_floating_point(x) and not lib.is_complex(x) and lib.is_nonzero(x)
        assert not lib.is_nonzero(lib.tensor([0])) and not x.is_complex()
        with pytest.raises(RuntimeError, match="ambiguous"):
            lib.is_nonzero(lib.tensor([1.0, 2.0]))
        with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D"):
            lib.vdot(lib.ones(2, 2), lib.ones(2))
        with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer"):
            lib.addcdiv(lib.ones(2), lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64))
        with pytest.raises(TypeError, match="expected 'indices' to be integer dtype"):
            lib.unravel_index(lib.tensor([1.5]), (2, 3))
        state = lib.get_rng_state()
        first = lib.rand(3)
        lib.set_rng_state(state)
        assert lib.equal(lib.rand(3), first)


def test_renorm_in_place_caps_the_rows_as_pytorch():
    """A max-norm constraint as training loops write it, `w.data.renorm_(2, 0, max_norm)` under
    no_grad: rows above the norm scaled down, the others kept, the same values as PyTorch."""
    rows = [[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]
    results = []
    for lib in (torch, minigrad):
        w = lib.tensor(rows, requires_grad=True)
        with lib.no_grad():
            out = w.renorm_(2, 0, 1.0)
        assert out is w
        results.append(w.detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)
    with pytest.raises(RuntimeError, match="maxnorm"):
        minigrad.renorm(minigrad.ones(2, 2), 2, 0, -1.0)


def test_casting_inf_and_nan_to_integers_is_silent_as_pytorch():
    """T5's relative-position buckets take `torch.log(n.float() / k).to(torch.long)` where n
    can be 0 (a -inf later masked by torch.where): PyTorch casts it without a warning, and so
    must minigrad (NumPy's cast warns 'invalid value encountered in cast')."""
    import warnings

    x = minigrad.tensor([float("-inf"), float("nan"), 2.7])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.to(minigrad.long)
    assert y.dtype == minigrad.int64 and y[2].item() == 2
