"""minigrad.linalg where the op table cannot reach: the errors PyTorch raises (same type, the
op named), which right-hand sides are vectors, NumPy 1.x's and CuPy's ways of solving and
failing, return types, and hypothesis over batch shapes, sizes and dtypes against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.testing import assert_close

SINGULAR = [[1.0, 2.0], [2.0, 4.0]]


def _raises_like_torch(fn, *arrays, match, dtypes=None):
    """fn(lib, *tensors) raises in both libraries; minigrad's error is PyTorch's type (or a
    subclass of it when PyTorch's is its private LinAlgError class) and names the op."""
    errors = []
    for lib in (minigrad, torch):
        dts = dtypes or ["float64"] * len(arrays)
        xs = [lib.tensor(a, dtype=getattr(lib, d)) for a, d in zip(arrays, dts)]
        with pytest.raises(Exception) as info:
            fn(lib, *xs)
        errors.append(info.value)
    mine, theirs = errors
    assert isinstance(mine, RuntimeError) == isinstance(theirs, RuntimeError)
    linalg_error = isinstance(theirs, torch.linalg.LinAlgError)
    assert isinstance(mine, minigrad.linalg.LinAlgError) == linalg_error, (mine, theirs)
    assert type(mine).__mro__[1:] == type(theirs).__mro__[1:] or not linalg_error
    assert match in str(mine), str(mine)
    return mine


@pytest.mark.parametrize(
    "name, fn, match",
    [
        ("inv", lambda t, a: t.linalg.inv(a), "linalg.inv: "),
        ("inverse", lambda t, a: t.inverse(a), "linalg.inv: "),
        ("solve", lambda t, a: t.linalg.solve(a, t.ones(2, dtype=a.dtype)), "linalg.solve: "),
        ("cholesky", lambda t, a: t.linalg.cholesky(a), "linalg.cholesky: "),
        ("matrix_power", lambda t, a: t.linalg.matrix_power(a, -1), "linalg.inv: "),
    ],
)
def test_singular_matrix_raises_linalg_error(name, fn, match):
    error = _raises_like_torch(fn, SINGULAR, match=match)
    assert "singular" in str(error) or "positive-definite" in str(error)


def test_a_singular_matrix_in_a_batch_raises():
    batch = np.stack([np.eye(2), SINGULAR])
    _raises_like_torch(lambda t, a: t.linalg.inv(a), batch, match="linalg.inv: ")
    with pytest.raises(RuntimeError):  # LinAlgError is a RuntimeError, as in PyTorch
        minigrad.linalg.cholesky(minigrad.tensor(-np.eye(3)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_det_of_a_singular_matrix_has_pytorchs_zero_gradient(dtype):
    """det's gradient at an exactly singular matrix (a batch with an invertible one): 0, as
    PyTorch gives, where inverting the matrix in backward raised LinAlgError."""
    batch = np.stack([SINGULAR, np.zeros((2, 2)), [[2.0, 1.0], [1.0, 3.0]]])
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor(batch, dtype=getattr(lib, dtype), requires_grad=True)
        lib.linalg.det(x).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    assert not grads[0][:2].any()


def test_linalg_error_is_exposed_like_torchs():
    assert issubclass(minigrad.linalg.LinAlgError, RuntimeError)
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize(
    "op",
    ["inv", "det", "slogdet", "cholesky", "eigh", "matrix_power", "solve"],
)
def test_non_square_input_raises_runtime_error(op):
    args = {"matrix_power": (2,), "solve": None}

    def fn(t, a):
        if op == "solve":
            return t.linalg.solve(a, t.ones(3, dtype=a.dtype))
        return getattr(t.linalg, op)(a, *args.get(op, ()))

    _raises_like_torch(fn, np.ones((3, 4)), match=f"linalg.{op}: A must be batches of square")


@pytest.mark.parametrize(
    "fn, array, dtype, match",
    [
        (lambda t, a: t.linalg.inv(a), np.ones(3), "float64", "at least 2 dimensions"),
        (lambda t, a: t.linalg.det(a), np.ones((2, 2)), "int64", "Got Long"),
        (lambda t, a: t.linalg.inv(a), np.eye(2), "float16", "Low precision dtypes"),
        (lambda t, a: t.linalg.matrix_norm(a), np.ones(3), "float64", "at least 2 dimensions"),
        (lambda t, a: t.linalg.multi_dot([a]), np.ones((2, 2)), "float64", "at least 2 tensors"),
        (lambda t, a: t.linalg.cross(a, a[0]), np.ones((2, 3)), "float64", "same number of dim"),
    ],
)
def test_bad_inputs_raise_like_torch(fn, array, dtype, match):
    _raises_like_torch(fn, array, match=match, dtypes=[dtype])


@pytest.mark.parametrize(
    "a_shape, b_shape, left",
    [
        ((3, 3), (3,), True),  # a vector
        ((2, 3, 3), (2, 3), True),  # a batch of vectors: B's shape is A's without the last dim
        ((2, 3, 3), (3,), True),  # one vector for the whole batch
        ((2, 3, 3), (3, 2), True),  # one matrix for the whole batch
        ((2, 3, 3), (3, 1), True),  # NumPy 1.x would read this B as 3 vectors of length 1
        ((4, 1, 3, 3), (2, 3, 5), True),  # batches broadcast
        ((2, 3, 3), (1, 3), True),  # a 1 x 3 matrix: the wrong shape
        ((4, 2, 3, 3), (2, 3), True),  # a 2 x 3 matrix, not vectors (A's batch is (4, 2))
        ((3, 3), (2, 3), False),  # X A = B
        ((3, 3), (3, 2), False),
        ((3, 3), (3,), False),
        ((3, 3), (4,), True),
    ],
)
def test_solve_reads_vectors_and_matrices_as_torch(a_shape, b_shape, left):
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, a_shape) + 4 * np.eye(a_shape[-1])
    b = rng.standard_normal(b_shape)
    results = []
    for lib in (minigrad, torch):
        try:
            results.append(lib.linalg.solve(lib.tensor(a), lib.tensor(b), left=left))
        except RuntimeError as exc:
            results.append(type(exc))
    mine, theirs = results
    if isinstance(theirs, type):
        assert mine is theirs, (a_shape, b_shape)
        return
    assert_close(mine, theirs, rtol=1e-10)


def _numpy1_solve(solve):
    """np.linalg.solve as NumPy 1.x reads b: a batch of vectors when b has one dim less."""

    def numpy1(a, b):
        if b.ndim == a.ndim - 1:
            return solve(a, b[..., None])[..., 0]
        return solve(a, b)

    return numpy1


def test_solve_gives_the_same_answers_under_numpy_1_rules(monkeypatch):
    monkeypatch.setattr(np.linalg, "solve", _numpy1_solve(np.linalg.solve))
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (2, 3, 3)) + 4 * np.eye(3)
    for b_shape in [(3, 1), (3,), (2, 3), (3, 2)]:
        b = rng.standard_normal(b_shape)
        mine = minigrad.linalg.solve(minigrad.tensor(a), minigrad.tensor(b))
        theirs = torch.linalg.solve(torch.tensor(a), torch.tensor(b))
        assert_close(mine, theirs, rtol=1e-10, msg=str(b_shape))


@pytest.mark.parametrize(
    "name, fn",
    [
        ("inv", lambda: minigrad.linalg.inv(minigrad.tensor(SINGULAR))),
        ("solve", lambda: minigrad.linalg.solve(minigrad.tensor(SINGULAR), minigrad.ones(2, 1))),
        ("cholesky", lambda: minigrad.linalg.cholesky(minigrad.tensor(SINGULAR) - 3)),
    ],
)
def test_nan_from_a_non_raising_backend_is_reported(monkeypatch, name, fn):
    """CuPy does not raise for a singular matrix: it returns nan. minigrad reports it."""
    monkeypatch.setattr(np.linalg, name, lambda *a, **k: np.full(np.shape(a[-1]), np.nan))
    with pytest.raises(minigrad.linalg.LinAlgError, match=f"linalg.{name}: "):
        fn()


def test_nan_input_is_not_reported_as_singular():
    out = minigrad.linalg.solve(minigrad.tensor([[np.nan, 0.0], [0.0, 1.0]]), minigrad.ones(2))
    assert np.isnan(out.numpy()[0])


def test_return_types_are_named_as_torch():
    a = np.random.default_rng(2).standard_normal((3, 3)) + 4 * np.eye(3)
    for name, fn in [
        ("linalg_slogdet", lambda t, x: t.linalg.slogdet(x)),
        ("slogdet", lambda t, x: t.slogdet(x)),
        ("slogdet", lambda t, x: x.slogdet()),
        ("linalg_qr", lambda t, x: t.linalg.qr(x)),
        ("linalg_eigh", lambda t, x: t.linalg.eigh(x + x.mT)),
        ("linalg_svd", lambda t, x: t.linalg.svd(x)),
    ]:
        mine, theirs = fn(minigrad, minigrad.tensor(a)), fn(torch, torch.tensor(a))
        assert type(mine).__name__ == type(theirs).__name__ == name
        assert mine._fields == tuple(type(theirs).__match_args__)


def test_svd_full_matrices_shapes_and_values():
    a = np.random.default_rng(3).standard_normal((2, 5, 3))
    u, s, vh = minigrad.linalg.svd(minigrad.tensor(a))
    assert (tuple(u.shape), tuple(s.shape), tuple(vh.shape)) == ((2, 5, 5), (2, 3), (2, 3, 3))
    assert_close(u[..., :3] * s.unsqueeze(-2) @ vh, torch.tensor(a), rtol=1e-10)
    assert_close(u.mT @ u, torch.eye(5, dtype=torch.float64).expand(2, 5, 5), atol=1e-12)


def test_matrix_power_zero_is_the_identity():
    a = minigrad.randn(2, 3, 3, requires_grad=True)
    y = minigrad.linalg.matrix_power(a, 0)
    assert_close(y, torch.eye(3).expand(2, 3, 3), rtol=0)
    assert minigrad.matrix_power(a, 1) is not a


def test_qr_complete_mode_is_not_supported():
    with pytest.raises(NotImplementedError, match="linalg.qr: mode='complete'"):
        minigrad.linalg.qr(minigrad.randn(3, 2), mode="complete")


def test_norm_picks_vector_or_matrix_norms_as_torch():
    a = np.random.default_rng(4).standard_normal((2, 3, 4))
    for kwargs in [
        {},
        {"ord": "nuc", "dim": (1, 2)},
        {"ord": 2, "dim": (-1, -2), "keepdim": True},
        {"ord": 3, "dim": 1},
        {"dim": (0, 2)},
    ]:
        mine = minigrad.linalg.norm(minigrad.tensor(a), **kwargs)
        assert_close(mine, torch.linalg.norm(torch.tensor(a), **kwargs), rtol=1e-10)
    assert_close(
        minigrad.linalg.norm(minigrad.tensor(a[0]), 1), torch.linalg.norm(torch.tensor(a[0]), 1)
    )
    with pytest.raises(RuntimeError, match="linalg.norm: If dim is not specified"):
        minigrad.linalg.norm(minigrad.tensor(a), 2)


def test_linalg_is_reachable_the_torch_way():
    import minigrad as t

    x = t.randn(3, 3, dtype=t.float64) + 4 * t.eye(3, dtype=t.float64)
    assert_close(t.inverse(x) @ x, torch.eye(3, dtype=torch.float64), atol=1e-12)
    assert_close(x.det(), t.linalg.det(x), rtol=0)
    assert_close(x.logdet(), t.slogdet(x).logabsdet, rtol=0)
    assert_close(t.cross(x, x, dim=0), torch.zeros(3, 3, dtype=torch.float64), atol=0)
    b = np.random.default_rng(5).standard_normal((2, 3, 4))
    for fn in (
        lambda lib, b: lib.linalg.diagonal(b, offset=1),
        lambda lib, b: lib.linalg.matmul(b, b.mT),
    ):
        assert_close(fn(t, t.tensor(b)), fn(torch, torch.tensor(b)), rtol=1e-12)


def _spd(lib, a):
    n = a.shape[-1]
    return a @ a.mT + n * lib.eye(n, dtype=a.dtype)


# each: a function of one well-conditioned input that is defined whatever the sign
# conventions of eigenvectors and singular vectors
HYPOTHESIS_OPS = {
    "inv": lambda t, a: t.linalg.inv(_spd(t, a)),
    "det": lambda t, a: t.linalg.det(_spd(t, a)),
    "slogdet": lambda t, a: t.linalg.slogdet(_spd(t, a)).logabsdet,
    "solve": lambda t, a: t.linalg.solve(_spd(t, a), a),
    "cholesky": lambda t, a: t.linalg.cholesky(_spd(t, a)),
    "eigvalsh": lambda t, a: t.linalg.eigvalsh(_spd(t, a)),
    "svdvals": lambda t, a: t.linalg.svdvals(_spd(t, a)),
    "qr_r_abs": lambda t, a: t.linalg.qr(_spd(t, a)).R.abs(),
    "pinv": lambda t, a: t.linalg.pinv(_spd(t, a)),
    "matrix_power": lambda t, a: t.linalg.matrix_power(a, 3),
}


@pytest.mark.parametrize("name", sorted(HYPOTHESIS_OPS))
@settings(max_examples=10, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
    n=st.integers(1, 4),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 2**16),
)
def test_over_batch_shapes_sizes_and_dtypes(name, batch, n, dtype, seed):
    fn = HYPOTHESIS_OPS[name]
    array = np.random.default_rng(seed).uniform(-1, 1, batch + (n, n))
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, dtype=getattr(lib, dtype), requires_grad=True)
        out = fn(lib, x)
        w = np.random.default_rng(1).standard_normal(tuple(out.shape))
        (g,) = lib.autograd.grad(out, x, lib.tensor(w, dtype=out.dtype))
        results.append((out, g))
    (out, g), (tout, tg) = results
    assert str(out.dtype) == str(tout.dtype).replace("torch", "minigrad")
    tol = 1e-3 if dtype == "float32" else 1e-8
    assert_close(out, tout, rtol=tol, atol=tol, msg=f"{name} {batch} {n}")
    assert_close(g, tg, rtol=tol, atol=tol, msg=f"{name} {batch} {n}: gradient")


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((5, 3), (5, 2)), ((2, 5, 3), (2, 5, 2)), ((3, 5), (3, 2)), ((5, 3), (5,))],
    ids=["tall", "batched", "wide", "vector"],
)
def test_lstsq_reports_what_each_driver_reports(driver, a_shape, b_shape):
    """linalg.lstsq's four fields as PyTorch's CPU drivers give them: the solution, the squared
    residuals (tall full-rank A, not gelsy), the rank (not gels), the singular values (gelsd
    and gelss); empty tensors elsewhere; then a rank-deficient A."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    theirs = torch.linalg.lstsq(torch.from_numpy(a), torch.from_numpy(b), driver=driver)
    mine = minigrad.linalg.lstsq(minigrad.from_numpy(a), minigrad.from_numpy(b), driver=driver)
    assert type(mine).__name__ == "linalg_lstsq"
    for field in ("solution", "residuals", "rank", "singular_values"):
        assert_close(getattr(mine, field), getattr(theirs, field), atol=1e-10, rtol=1e-10)
    deficient = [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]
    ones = [[1.0], [1.0], [1.0]]
    theirs = torch.linalg.lstsq(torch.tensor(deficient), torch.tensor(ones), driver="gelsd")
    mine = minigrad.linalg.lstsq(minigrad.tensor(deficient), minigrad.tensor(ones), driver="gelsd")
    assert_close(mine.solution, theirs.solution, atol=1e-5, rtol=1e-5)
    assert mine.rank.item() == theirs.rank.item() == 1
    assert mine.residuals.shape == theirs.residuals.shape == (0,)


def test_lstsq_refuses_an_unknown_driver_and_mismatched_rows_as_pytorch():
    _raises_like_torch(
        lambda t, a, b: t.linalg.lstsq(a, b, driver="qr"),
        np.ones((3, 2)),
        np.ones((3, 1)),
        match="driver",
    )
    _raises_like_torch(
        lambda t, a, b: t.linalg.lstsq(a, b), np.ones((3, 2)), np.ones((4, 1)), match="lstsq"
    )
