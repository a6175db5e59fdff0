"""Names of PyTorch's API that short programs call and the op table does not reach: Tensor
methods (in-place forms, legacy constructors and fills, storage), compared with PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def _both(fn):
    return fn(minigrad), fn(torch)


def _raises_like_torch(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(minigrad)
    return str(ours.value), str(theirs.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.zeros(3, 4).fill_diagonal_(2),
        lambda t: t.zeros(7, 3).fill_diagonal_(2),
        lambda t: t.zeros(7, 3).fill_diagonal_(2, wrap=True),
        lambda t: t.zeros(3, 3, 3).fill_diagonal_(5),
        lambda t: t.arange(6.0).resize_(2, 2),
        lambda t: t.arange(6.0).resize_(2, 3, 1),
        lambda t: t.arange(6.0).resize_as_(t.ones(3, 2)),
        lambda t: t.arange(6.0).reshape(2, 3).transpose_(0, 1),
        lambda t: t.ones(2, 3, 4).swapaxes_(0, 2),
        lambda t: t.ones(2, 3, 4).swapdims_(1, 2),
        lambda t: t.arange(4.0).apply_(lambda v: v * v - 1),
        lambda t: t.arange(6).reshape(2, 3).map_(t.tensor([1, 2, 3]), lambda a, b: a * 10 + b),
        lambda t: t.ones(3).new(2, 3).zero_(),
        lambda t: t.ones(3, dtype=t.float64).new([1, 2]),
        lambda t: t.ones(3).new(),
        lambda t: t.ones(3, dtype=t.float64).float_power_(2.5),
        lambda t: t.ones(2, 3).addbmm_(t.ones(4, 2, 5), t.ones(4, 5, 3), beta=0.5, alpha=2),
        lambda t: t.arange(12.0).reshape(3, 4).narrow_copy(1, 1, 2),
        lambda t: t.tensor([1, 2, 0, 3]).nonzero_static(size=2),
        lambda t: t.tensor([[1, 2], [0, 3]]).nonzero_static(size=5, fill_value=7),
        lambda t: t.tensor([[-1.0, 2.0], [3.0, -4.0]]).prelu(t.tensor([0.25, 0.5])),
        lambda t: t.stack(t.arange(12.0).unsafe_chunk(3)),
        lambda t: t.arange(10.0).unsafe_split(4)[2],
    ],
)
def test_tensor_methods_match_pytorch(call):
    _same(*_both(call))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.arange(6.0).reshape(shape=(2, 3)),  # MAE's patchify
        lambda t: t.arange(6.0).reshape(shape=[3, -1]),
        lambda t: t.arange(6.0).view(size=(3, 2)),
        lambda t: t.arange(6.0).view(dtype=t.int32),
        lambda t: t.arange(3.0).expand(size=(2, 3)),
        lambda t: t.arange(3.0).repeat(repeats=(2, 1)),
        lambda t: t.arange(3.0).tile(dims=(2,)),
        lambda t: t.arange(3.0).new_zeros(size=(2, 2)),
        lambda t: t.arange(3.0).new_ones(size=t.Size([2])),
        lambda t: t.arange(3.0).new_empty(size=(2,)).fill_(1.0),
    ],
)
def test_shape_methods_take_their_keyword_as_pytorch(call):
    _same(*_both(call))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.arange(6.0).reshape(shape=6),
        lambda t: t.arange(6.0).reshape((2, 3), shape=(2, 3)),
        lambda t: t.arange(6.0).expand(6, size=(6,)),
        lambda t: t.arange(6.0).repeat(repeats=2),
        lambda t: t.arange(6.0).tile(dims=2),
        lambda t: t.arange(6.0).permute(0, dims=(0,)),
        lambda t: t.arange(6.0).flip(dims=0),
        lambda t: t.arange(6.0).new_zeros(2, size=(2,)),
        lambda t: t.arange(6.0).new_zeros(),
        lambda t: t.arange(6.0).new_ones(),
    ],
)
def test_shape_methods_refuse_a_wrong_or_missing_shape_as_pytorch(call):
    ours, theirs = _raises_like_torch(call)
    assert ours == theirs


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.zeros(3).fill_diagonal_(1),
        lambda t: t.zeros(3, 4, 5).fill_diagonal_(1),
        lambda t: t.ones(3).float_power_(2),
        lambda t: t.ones(3, requires_grad=True).resize_(2),
        lambda t: t.ones(3, requires_grad=True).apply_(abs),
        lambda t: t.ones(3).geometric_(1.0),
        lambda t: t.ones(3).cauchy_(0, 0),
        lambda t: t.ones(3, dtype=t.int64).cauchy_(),
        lambda t: t.ones(3).log_normal_(1, -1),
        lambda t: t.ones(3, dtype=t.int64).log_normal_(),
    ],
)
def test_tensor_methods_refuse_as_pytorch(call):
    _raises_like_torch(call)


def test_resize_keeps_the_memory_when_shrinking_and_zeros_new_elements():
    x = minigrad.arange(6.0)
    before = x.data_ptr()
    x.resize_(2, 2)
    assert x.data_ptr() == before and x.tolist() == [[0, 1], [2, 3]]
    x.resize_(3, 2)  # PyTorch leaves the new elements uninitialised; minigrad zeros them
    assert x.tolist() == [[0, 1], [2, 3], [0, 0]]


def test_fill_diagonal_is_recorded_on_a_non_leaf():
    for t in (minigrad, torch):
        x = t.ones(3, 3, requires_grad=True)
        y = x * 2
        y.fill_diagonal_(0)
        y.sum().backward()
        assert x.grad.tolist() == [[0, 2, 2], [2, 0, 2], [2, 2, 0]]


def test_inference_meta_output_nr_and_storage():
    x = minigrad.ones(2, 3)
    assert not x.is_inference() and not x.is_meta and x.output_nr == 0
    for t in (minigrad, torch):  # a custom optimizer copied from PyTorch's asks grad.is_sparse
        assert t.ones(2).is_sparse is False and t.ones(2).is_quantized is False
    for t in (minigrad, torch):
        a, b = t.ones(2, requires_grad=True).mul(1).unbind()
        assert (a.output_nr, b.output_nr) == (0, 1)
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        s = x.storage()
    assert s.size() == len(s) == 6 and s.dtype is minigrad.float32 and s.element_size() == 4
    assert s.untyped() == x.untyped_storage() and s.data_ptr() == x.data_ptr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert x[1].storage() == s  # a view: the same storage


def test_pin_memory_without_a_gpu_raises_as_pytorch():
    if minigrad.cuda.is_available():
        pytest.skip("a GPU is here: pin_memory gives a copy")
    ours, theirs = _raises_like_torch(lambda t: t.ones(3).pin_memory())
    assert ours == theirs
    assert not minigrad.ones(3).is_pinned()


def test_random_fills_have_their_distributions():
    minigrad.manual_seed(0)
    n = 200_000
    c = minigrad.empty(n).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.05 and abs(np.percentile(c, 75) - 3.0) < 0.1
    ln = minigrad.empty(n, dtype=minigrad.float64).log_normal_(0.5, 0.25).numpy()
    assert ln.dtype == np.float64
    assert abs(np.log(ln).mean() - 0.5) < 0.01 and abs(np.log(ln).std() - 0.25) < 0.01
    g = minigrad.empty(n, dtype=minigrad.int64).geometric_(0.3).numpy()
    assert g.min() == 1 and abs(g.mean() - 1 / 0.3) < 0.05
    assert abs((g == 1).mean() - 0.3) < 0.01


# -- top-level functions ------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.range(0, 1, 0.25),
        lambda t: t.range(1, 4),
        lambda t: t.range(0, 1, 0.3),
        lambda t: t.range(5, 1, -1.5, dtype=t.float64),
        lambda t: t.range(1, 4, dtype=t.int64),
        lambda t: t.rsub(t.tensor([1.0, 2.0]), 3),
        lambda t: t.rsub(t.tensor([1.0, 2.0]), t.tensor([3.0, 5.0]), alpha=2),
        lambda t: t.fill(t.ones(2, 3), 4),
        lambda t: t.fill(t.ones(2, dtype=t.int64), t.tensor(2.5)),
        lambda t: t.negative_(t.tensor([1.0, -2.0])),
        lambda t: t.threshold(t.tensor([1.0, 2.0, 3.0]), 1.5, -1.0),
        lambda t: t.threshold_(t.tensor([1.0, 2.0, 3.0]), 2.5, 0.0),
        lambda t: t.asarray([1, 2, 3]),
        lambda t: t.asarray([[1.0, 2.0]], dtype=t.float64),
        lambda t: t.asarray(3.5),
        lambda t: t.asarray(np.arange(6.0)[::2]),
        lambda t: t.asarray(np.ones(2, dtype=np.int64), dtype=t.float32),
        lambda t: t.asarray(bytearray(b"\x01\x02\x03\x04"), dtype=t.int16),
        lambda t: t.frombuffer(b"\x01\x02\x03\x04", dtype=t.int16),
        lambda t: t.frombuffer(bytearray(12), dtype=t.float32, count=1, offset=4),
        lambda t: t.empty_strided((2, 3), (1, 2)).zero_(),
    ],
)
def test_top_level_functions_match_pytorch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(*_both(call))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.range(0, -1, 0.5),
        lambda t: t.rsub(3, t.ones(2)),
        lambda t: t.fill(t.ones(2), t.ones(2)),
        lambda t: t.asarray([1, 2], copy=False),
        lambda t: t.asarray(np.arange(3.0), dtype=t.float32, copy=False),
        lambda t: t.asarray(t.ones(2), dtype=t.float64, copy=False),
        lambda t: t.asarray([1, 2], requires_grad=True),
        lambda t: t.asarray(b"\x01\x02"),
        lambda t: t.frombuffer(bytearray(7), dtype=t.float32),
        lambda t: t.frombuffer(bytearray(8), dtype=t.float32, count=3),
        lambda t: t.frombuffer(bytearray(8), dtype=t.float32, offset=9),
        lambda t: t.frombuffer(bytearray(0), dtype=t.float32),
        lambda t: t.frombuffer([1, 2], dtype=t.float32),
        lambda t: t.set_num_interop_threads(0),
    ],
)
def test_top_level_functions_refuse_as_pytorch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_like_torch(call)


def test_asarray_shares_memory_and_keeps_the_graph_as_pytorch():
    a = np.arange(3.0)
    t = minigrad.asarray(a)
    a[0] = 9
    assert t.tolist() == [9, 1, 2] and t.dtype is minigrad.float64
    assert minigrad.asarray(a, copy=True).data_ptr() != t.data_ptr()
    for lib in (minigrad, torch):
        x = lib.ones(3)
        assert lib.asarray(x) is x and lib.asarray(x, copy=True).data_ptr() != x.data_ptr()
        assert lib.asarray(x, requires_grad=True) is x and x.requires_grad  # in place, as PyTorch
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.warns(UserWarning, match="unspecified requires_grad"):
            z = lib.asarray(y, dtype=lib.float64)
        assert z.requires_grad and z.grad_fn is not None
        detached = lib.asarray(y, requires_grad=False)
        assert not detached.requires_grad and detached.data_ptr() == y.data_ptr()
        assert lib.asarray(y, requires_grad=True, copy=True).grad_fn.name() == "CloneBackward0"


def test_frombuffer_shares_a_writable_buffer():
    buf = bytearray(8)
    t = minigrad.frombuffer(buf, dtype=minigrad.float32)
    t[0] = 1.0
    assert buf[:4] == np.float32(1).tobytes()


def test_typename_get_device_is_storage_is_inference():
    for lib in (minigrad, torch):
        assert lib.typename(lib.ones(2, dtype=lib.int64)).endswith(".LongTensor")
        assert lib.typename(3) == "int"
        assert lib.typename(lib.nn.Linear(1, 1)).endswith(".nn.modules.linear.Linear")
        assert lib.typename(lib.nn.Parameter).endswith(".nn.parameter.Parameter")
        assert lib.get_device(lib.ones(2)) == -1
        assert lib.is_storage(lib.ones(2).untyped_storage()) and not lib.is_storage(lib.ones(2))
        assert not lib.is_inference(lib.ones(2))


def test_set_default_tensor_type_as_pytorch():
    try:
        for lib in (minigrad, torch):
            with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
                lib.set_default_tensor_type(lib.DoubleTensor)
            assert lib.get_default_dtype() is lib.float64 and lib.ones(1).dtype is lib.float64
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lib.set_default_tensor_type("torch.FloatTensor")
                assert lib.get_default_dtype() is lib.float32
                for bad in ("torch.LongTensor", lib.float64):
                    with pytest.raises(TypeError, match="only floating-point types"):
                        lib.set_default_tensor_type(bad)
                if not minigrad.cuda.is_available():
                    with pytest.raises(TypeError, match="torch.cuda.FloatTensor not available"):
                        lib.set_default_tensor_type("torch.cuda.FloatTensor")
    finally:
        minigrad.set_default_dtype(minigrad.float32)
        torch.set_default_dtype(torch.float32)


def test_process_flags_as_pytorch():
    for lib in (minigrad, torch):
        assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        try:
            lib.set_anomaly_enabled(True, False)
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
            with lib.autograd.detect_anomaly():
                assert lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
            assert not lib.is_anomaly_check_nan_enabled()
        finally:
            lib.set_anomaly_enabled(False)
        assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        before = lib.is_warn_always_enabled()
        lib.set_warn_always(True)
        assert lib.is_warn_always_enabled()
        lib.set_warn_always(before)
        assert lib.get_num_interop_threads() >= 1
    assert minigrad.set_flush_denormal(True) is False  # NumPy cannot: PyTorch's "unsupported"


def test_anomaly_flag_turns_the_engines_check_on():
    x = minigrad.tensor([0.0], requires_grad=True)
    minigrad.set_anomaly_enabled(True)
    try:
        with pytest.raises(RuntimeError, match="nan"):
            minigrad.sqrt(x).sum().backward()  # d sqrt(x) at 0: inf * 0 = nan
    finally:
        minigrad.set_anomaly_enabled(False)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.select_scatter(t.zeros(2, 3), t.ones(3), 1, 0),
        lambda t: t.select_scatter(t.zeros(2, 3), t.ones(2), 1, 5),
        lambda t: t.slice_scatter(t.zeros(4, 3), t.ones(3, 3), 0, 1, 3),
        lambda t: t.diagonal_scatter(t.zeros(3, 3), t.ones(3), 1),
    ],
)
def test_scatter_ops_refuse_a_wrong_src_as_pytorch(call):
    ours, theirs = _raises_like_torch(call)
    assert ours == theirs or "out of bounds" in ours  # an index out of range: minigrad's words


_A = np.random.default_rng(1).standard_normal((2, 3, 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.qr(t.tensor(_A[0])).R.abs(),
        lambda t: t.qr(t.tensor(_A[0]), some=False).Q.abs(),
        lambda t: t.cholesky(t.tensor(_A[0] @ _A[0].T + np.eye(3)), upper=True),
        lambda t: t.cholesky(t.tensor(_A @ _A.transpose(0, 2, 1) + np.eye(3))),
        lambda t: t.nuclear_norm(t.tensor(_A[0])),
        lambda t: t.nuclear_norm(t.tensor(_A), dim=(1, 2), keepdim=True),
        lambda t: t.frobenius_norm(t.tensor(_A), (0, 2)),
        lambda t: t.chain_matmul(t.tensor(_A[0]), t.tensor(_A[1]), t.tensor(_A[0])),
        lambda t: t.chain_matmul(t.tensor(_A[0])),
        lambda t: t.linalg.matrix_rank(t.ones(3, 3)),
        lambda t: t.linalg.matrix_rank(t.tensor(_A)),
        lambda t: t.linalg.matrix_rank(t.eye(3) * 1e-3, atol=0.1),
        lambda t: t.linalg.matrix_rank(t.eye(3), tol=0.5),
        lambda t: t.linalg.matrix_rank(t.diag(t.tensor([1.0, 1e-3])), rtol=0.01),
        lambda t: t.adjoint(t.tensor(_A)),
        lambda t: t.frexp(t.tensor([1.5, -3.0, 0.0, 1e-30])).exponent,
        lambda t: t.frexp(t.tensor([1.5, -3.0], dtype=t.float64))[0],
        lambda t: t.ldexp(t.tensor([1, 2]), t.tensor([3, -1])),
        lambda t: t.ldexp(t.tensor([1.5], dtype=t.float64), t.tensor([200])),
        lambda t: t.nextafter(t.tensor([1.0]), t.tensor([0.0], dtype=t.float64)),
    ],
)
def test_linalg_and_float_functions_match_pytorch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(*_both(call))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda t: t.qr(t.eye(2)), "torch.qr is deprecated"),
        (lambda t: t.cholesky(t.eye(2)), "torch.cholesky is deprecated"),
        (lambda t: t.nuclear_norm(t.eye(2)), "nuclear_norm is deprecated"),
        (lambda t: t.frobenius_norm(t.eye(2), (0, 1)), "frobenius_norm is deprecated"),
        (lambda t: t.chain_matmul(t.eye(2), t.eye(2)), "chain_matmul is deprecated"),
    ],
)
def test_deprecated_names_warn_as_pytorch(call, match):
    # PyTorch warns once per process (its C++ TORCH_WARN_ONCE): only minigrad is checked here
    with pytest.warns(UserWarning, match=match):
        call(minigrad)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.frexp(t.tensor([1, 2])),
        lambda t: t.nextafter(t.tensor([1]), t.tensor([2])),
        lambda t: t.matrix_exp(t.tensor([1.0, 2.0])),
        lambda t: t.matrix_exp(t.ones(2, 3)),
    ],
)
def test_float_and_linalg_functions_refuse_as_pytorch(call):
    _raises_like_torch(call)


_X = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
_Y = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)


def _xy(t):
    return t.tensor(_X, requires_grad=True), t.tensor(_Y)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x, y: t.embedding(x, t.tensor([0, 2, 2]), 2),
        lambda t, x, y: t.batch_norm(x, t.ones(3), t.zeros(3), None, None, True, 0.1, 1e-5, False),
        lambda t, x, y: t.batch_norm(
            x, None, None, t.zeros(3), t.ones(3) * 2, False, 0.1, 1e-5, False
        ),
        lambda t, x, y: t.instance_norm(x[None], None, None, None, None, True, 0.1, 1e-5, False),
        lambda t, x, y: t.kl_div(x, y.exp()),
        lambda t, x, y: t.kl_div(x, y, 2, log_target=True),
        lambda t, x, y: t.binary_cross_entropy_with_logits(x, y.sigmoid()),
        lambda t, x, y: t.binary_cross_entropy_with_logits(x, y.sigmoid(), None, y.exp(), 1),
        lambda t, x, y: t.triplet_margin_loss(x, y, x.detach() + 1),
        lambda t, x, y: t.triplet_margin_loss(x, y, y + 1, 0.5, 1.0, 1e-6, True, 1),
        lambda t, x, y: t.cosine_embedding_loss(x, y, t.tensor([1, -1, 1, -1]), 0.1, 2),
        lambda t, x, y: t.margin_ranking_loss(x, y, y.sign()),
        lambda t, x, y: t.hinge_embedding_loss(x, y.sign(), 0.5, 1),
        lambda t, x, y: t.poisson_nll_loss(x, y.abs(), True, False, 1e-8, 1),
        lambda t, x, y: t.poisson_nll_loss(x.exp(), y.abs(), False, True, 1e-8, 0),
        lambda t, x, y: t.rms_norm(x, (3,)),
        lambda t, x, y: t.constant_pad_nd(x, (1, 2), 3.0),
        lambda t, x, y: t.adaptive_max_pool1d(x[None], 2)[0],
        lambda t, x, y: t.max_pool1d_with_indices(x[None], 2)[0],
        lambda t, x, y: t.alpha_dropout(x, 0.5, False),
        lambda t, x, y: t.feature_alpha_dropout(x, 0.5, False),
    ],
)
def test_aten_forms_match_pytorch_with_gradients(call):
    results = []
    for t in (minigrad, torch):
        x, y = _xy(t)
        out = call(t, x, y)
        out.sum().backward()
        results.append((out.detach(), x.grad))
    (ours, our_grad), (theirs, their_grad) = results
    _same(ours, theirs)
    np.testing.assert_allclose(our_grad.numpy(), their_grad.numpy(), rtol=1e-5, atol=1e-6)


def test_aten_forms_return_indices_and_check_reduction():
    for t in (minigrad, torch):
        x = t.tensor(_X)[None]
        values, indices = t.max_pool1d_with_indices(x, 3)
        assert indices.dtype == t.int64 and values.shape == (1, 4, 1)
        with pytest.raises(TypeError, match="reduction"):
            t.kl_div(x, x, "mean")
    ours, theirs = _both(lambda t: t.adaptive_max_pool1d(t.tensor(_X)[None], 2)[1])
    assert ours.tolist() == theirs.tolist()
    x = minigrad.ones(4)
    assert minigrad.dropout_(x, 0.5, False) is x


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.ones(3, 2).index_reduce(0, t.tensor([0, 0, 2]), t.ones(3, 2), "sum"),
        lambda t: t.renorm(t.tensor([1.0, 2.0]), 2, 0, 1),
        lambda t: t.histogram(t.tensor([1, 2])),
        lambda t: t.histogramdd(t.tensor([[1, 2]]), 2),
        lambda t: t.histogramdd(t.tensor([[1.0, 2]])),
        lambda t: t.gradient(t.tensor([4.0, 1.0]), edge_order=2),
        lambda t: t.gradient(t.tensor([4.0, 1.0, 2.0]), edge_order=3),
        lambda t: t.gradient(t.ones(3, 3), spacing=[1.0, 2.0, 3.0]),
    ],
)
def test_reductions_refuse_as_pytorch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _raises_like_torch(call)
    assert ours == theirs or "missing 1 required positional argument" in ours


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.unique_consecutive(t.tensor([1, 1, 2, 2, 3, 1, 1, 2]), return_counts=True)[1],
        lambda t: t.tensor([[1, 1], [1, 1], [2, 3]]).unique_consecutive(return_inverse=True)[1],
        lambda t: t.unique_consecutive(t.tensor([[1, 2, 2], [1, 3, 3]]), dim=1),
        lambda t: t.histogram(t.tensor([1.0, 2, 1, 4]), 5).bin_edges,
        lambda t: t.histogram(t.tensor([1.0, 2, 1, 4]), t.tensor([0.0, 1, 2, 5]), density=True)[0],
        lambda t: t.histogramdd(t.tensor([[0.0, 1], [1, 0], [2, 2]]), 2, range=[0.0, 1.0, 0, 2])[0],
        lambda t: t.gradient(t.tensor([4, 1, 1, 16]))[0],
        lambda t: t.gradient(t.tensor([[1.0, 2, 4], [2, 5, 9]]), spacing=[2.0, 3.0])[1],
    ],
)
def test_reductions_match_pytorch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(*_both(call))


def test_dataloader_pin_memory_without_a_gpu_warns_as_pytorch():
    if minigrad.cuda.is_available():
        pytest.skip("a GPU is here: nothing to warn about")
    for lib in (minigrad, torch):
        loader = lib.utils.data.DataLoader(
            lib.utils.data.TensorDataset(lib.arange(4.0)), batch_size=2, pin_memory=True
        )
        with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no acc"):
            batches = [b for (b,) in loader]
        assert [b.tolist() for b in batches] == [[0.0, 1.0], [2.0, 3.0]]
        assert not batches[0].is_pinned()


def test_dlpack_shares_memory_both_ways():
    a = np.arange(3.0)
    t = minigrad.from_dlpack(a)
    t[1] = 7.0
    assert a.tolist() == [0.0, 7.0, 2.0] and t.dtype is minigrad.float64
    theirs = torch.arange(3.0)
    ours = minigrad.from_dlpack(theirs)  # a PyTorch tensor's memory, as PyTorch's from_dlpack
    ours[0] = 5.0
    assert theirs.tolist() == [5.0, 1.0, 2.0]
    back = torch.from_dlpack(ours)  # and minigrad's to PyTorch
    back[2] = 9.0
    assert ours.tolist() == [5.0, 1.0, 9.0] and np.from_dlpack(ours).tolist() == [5.0, 1.0, 9.0]
    x = minigrad.ones(2)
    assert minigrad.from_dlpack(x) is x
    with pytest.raises(TypeError, match="__dlpack__"):
        minigrad.from_dlpack([1, 2])
