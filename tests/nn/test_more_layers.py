"""The activations, padding, normalisation and shuffle layers of the nn-more issue against
PyTorch: outputs and gradients of inputs and parameters (float64 and float32), state dict
keys, printing, and errors of PyTorch's type."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch
from test_new_layers import (
    _forward_backward,
    _model_and_input,
    _normal,
    check_against_torch,
    fake_cuda,  # noqa: F401 - a fixture
    simulate,  # noqa: F401 - a fixture that fake_cuda uses
)

import minigrad
from minigrad import nn

# inputs at every kink (-3, 0, 0.5, 3 and their negatives) and far out, so gradients there count
KINKS = np.array([-25.0, -3.0, -2.0, -0.5, -0.2, 0.0, 0.2, 0.5, 1.7, 3.0, 4.0, 25.0])


def _compare(call, arrays, dtype=np.float64, rtol=1e-10, atol=1e-12, grads=None):
    """call(lib, *tensors) in both libraries: equal values and gradients of the float
    arrays (of those at the indices `grads` when given; integer arrays stay integers)."""
    grads = [k for k, a in enumerate(arrays) if a.dtype.kind == "f"] if grads is None else grads
    results = []
    for lib in (minigrad, torch):
        xs = [
            lib.tensor(a.astype(dtype), requires_grad=k in grads)
            if a.dtype.kind == "f"
            else lib.tensor(a)
            for k, a in enumerate(arrays)
        ]
        out = call(lib, *xs)
        w = np.random.default_rng(7).standard_normal(tuple(out.shape)).astype(dtype)
        (out * lib.tensor(w)).sum().backward()
        results.append([out.detach().numpy()] + [xs[k].grad.numpy() for k in grads])
    for k, (ours, theirs) in enumerate(zip(*results)):
        assert ours.dtype == theirs.dtype, k
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=f"result {k}")


ACTIVATIONS = [
    ("hardswish", lambda F, x: F.hardswish(x)),
    ("hardswish_inplace", lambda F, x: F.hardswish(x * 1, inplace=True)),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x)),
    ("mish", lambda F, x: F.mish(x)),
    ("celu", lambda F, x: F.celu(x)),
    ("celu_alpha", lambda F, x: F.celu(x, 0.5)),
    ("hardshrink", lambda F, x: F.hardshrink(x)),
    ("hardshrink_lambd", lambda F, x: F.hardshrink(x, 3.0)),
    ("glu", lambda F, x: F.glu(x)),
    ("glu_dim0", lambda F, x: F.glu(x.reshape(4, 3), 0)),
    ("softshrink", lambda F, x: F.softshrink(x)),
    ("softshrink_lambd", lambda F, x: F.softshrink(x, 3.0)),
    ("tanhshrink", lambda F, x: F.tanhshrink(x)),
    ("threshold", lambda F, x: F.threshold(x, 0.5, -2.0)),
    ("threshold_inplace", lambda F, x: F.threshold(x * 1, -3.0, 7.0, inplace=True)),
    ("selu", lambda F, x: F.selu(x)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, call", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_functional_matches_pytorch(name, call, dtype):
    tol = 1e-12 if dtype == np.float64 else 1e-6
    if name == "hardsigmoid":  # NOTE: PyTorch's backward uses a float32 1/6 for float64 too
        tol = max(tol, 1e-7)
    _compare(lambda lib, x: call(lib.nn.functional, x), [KINKS], dtype, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "shape, weight",
    [((2, 3, 4), [0.25]), ((2, 3, 4), [0.1, -0.5, 2.0]), ((2, 3), [0.1, 0.2, 0.3]), ((5,), [0.3])],
)
def test_prelu_functional_matches_pytorch(shape, weight):
    x = np.random.default_rng(0).standard_normal(shape)
    x.reshape(-1)[0] = 0.0  # the kink
    _compare(lambda lib, x, w: lib.nn.functional.prelu(x, w), [x, np.array(weight)])


def test_prelu_of_a_scalar_keeps_its_shape():
    y = nn.functional.prelu(minigrad.tensor(-2.0), minigrad.tensor([0.5]))
    assert y.shape == () and y.item() == -1.0


LAYERS = [
    ("PReLU", lambda m: m.PReLU(), _normal(2, 3, 4)),
    ("PReLU_channels_init", lambda m: m.PReLU(3, init=0.1), _normal(2, 3, 4, 2)),
    ("Hardswish", lambda m: m.Hardswish(), _normal(3, 4)),
    ("Hardsigmoid", lambda m: m.Hardsigmoid(), _normal(3, 4)),
    ("Mish", lambda m: m.Mish(), _normal(3, 4)),
    ("GLU", lambda m: m.GLU(1), _normal(3, 4, 2)),
    ("CELU", lambda m: m.CELU(2.0), _normal(3, 4)),
    ("Hardshrink", lambda m: m.Hardshrink(0.3), _normal(3, 4)),
    ("ConstantPad1d", lambda m: m.ConstantPad1d((2, -1), 3.5), _normal(2, 3, 4)),
    ("ConstantPad2d", lambda m: m.ConstantPad2d(1, -1.0), _normal(2, 3, 4)),
    ("ConstantPad3d", lambda m: m.ConstantPad3d((1, 0, 2, 1, 0, 1), 2.0), _normal(2, 3, 4, 2)),
    ("ZeroPad1d", lambda m: m.ZeroPad1d((0, 2)), _normal(2, 3)),
    ("ZeroPad2d", lambda m: m.ZeroPad2d((1, 2, 0, 1)), _normal(1, 2, 3, 4)),
    ("ZeroPad3d", lambda m: m.ZeroPad3d(1), _normal(1, 2, 3, 4)),
    ("ReflectionPad1d", lambda m: m.ReflectionPad1d((3, 1)), _normal(2, 3, 4)),
    ("ReflectionPad1d_unbatched", lambda m: m.ReflectionPad1d(2), _normal(3, 4)),
    ("ReflectionPad2d", lambda m: m.ReflectionPad2d((1, 0, 2, 1)), _normal(2, 2, 3, 4)),
    ("ReflectionPad3d", lambda m: m.ReflectionPad3d(1), _normal(1, 2, 3, 3, 2)),
    ("ReplicationPad1d", lambda m: m.ReplicationPad1d((3, 1)), _normal(2, 3, 4)),
    ("ReplicationPad2d", lambda m: m.ReplicationPad2d(2), _normal(2, 3, 4)),
    ("ReplicationPad3d", lambda m: m.ReplicationPad3d((1, 2, 0, 1, 2, 0)), _normal(2, 3, 4, 2)),
    ("CircularPad1d", lambda m: m.CircularPad1d((2, 1)), _normal(2, 3, 4)),
    ("CircularPad2d", lambda m: m.CircularPad2d((1, 2, 0, 1)), _normal(2, 2, 3, 4)),
    ("CircularPad3d", lambda m: m.CircularPad3d(1), _normal(2, 2, 3, 4)),
    ("InstanceNorm1d", lambda m: m.InstanceNorm1d(3), _normal(2, 3, 5)),
    ("InstanceNorm1d_unbatched", lambda m: m.InstanceNorm1d(3, affine=True), _normal(3, 5)),
    ("InstanceNorm2d_affine", lambda m: m.InstanceNorm2d(3, affine=True), _normal(2, 3, 4, 5)),
    ("InstanceNorm3d", lambda m: m.InstanceNorm3d(2, eps=1e-3), _normal(2, 2, 3, 2, 2)),
    ("RMSNorm", lambda m: m.RMSNorm(4), _normal(2, 3, 4)),
    ("RMSNorm_2d_eps", lambda m: m.RMSNorm([3, 4], eps=1e-2), _normal(2, 3, 4)),
    ("RMSNorm_no_affine", lambda m: m.RMSNorm(4, elementwise_affine=False), _normal(3, 4)),
    ("LocalResponseNorm", lambda m: m.LocalResponseNorm(3), _normal(2, 5, 4)),
    (
        "LocalResponseNorm_even_4d",
        lambda m: m.LocalResponseNorm(4, alpha=0.5, beta=0.6, k=2.0),
        _normal(2, 5, 3, 2),
    ),
    ("LocalResponseNorm_5d", lambda m: m.LocalResponseNorm(2, alpha=0.1), _normal(1, 3, 2, 2, 2)),
    ("PixelShuffle", lambda m: m.PixelShuffle(2), _normal(2, 8, 3, 2)),
    ("PixelShuffle_5d", lambda m: m.PixelShuffle(3), _normal(2, 1, 9, 2, 2)),
    ("PixelUnshuffle", lambda m: m.PixelUnshuffle(2), _normal(2, 3, 4, 6)),
    ("PixelUnshuffle_unbatched", lambda m: m.PixelUnshuffle(3), _normal(2, 3, 6)),
    ("ChannelShuffle", lambda m: m.ChannelShuffle(3), _normal(2, 6, 2, 2)),
    ("ChannelShuffle_3d", lambda m: m.ChannelShuffle(2), _normal(2, 4, 3)),
    ("Softshrink", lambda m: m.Softshrink(0.3), _normal(3, 4)),
    ("Tanhshrink", lambda m: m.Tanhshrink(), _normal(3, 4)),
    ("Threshold", lambda m: m.Threshold(0.1, 20.0), _normal(3, 4)),
    ("SELU", lambda m: m.SELU(), _normal(3, 4)),
    ("Softmax2d", lambda m: m.Softmax2d(), _normal(2, 3, 2, 2)),
    ("Softmax2d_unbatched", lambda m: m.Softmax2d(), _normal(3, 2, 2)),
    ("UpsamplingNearest2d", lambda m: m.UpsamplingNearest2d(scale_factor=2), _normal(1, 2, 3, 3)),
    ("UpsamplingBilinear2d", lambda m: m.UpsamplingBilinear2d(size=(5, 4)), _normal(1, 2, 3, 3)),
]


@pytest.mark.parametrize("name, make, inputs", LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_matches_pytorch(name, make, inputs):
    # NOTE: PyTorch's hardsigmoid backward uses a float32 1/6 for float64 too
    check_against_torch(make, inputs, rtol=1e-7 if name == "Hardsigmoid" else 1e-10)


PRINTED = [
    lambda m: m.PReLU(),
    lambda m: m.PReLU(3, 0.1),
    lambda m: m.Hardswish(True),
    lambda m: m.Hardsigmoid(),
    lambda m: m.Mish(),
    lambda m: m.GLU(),
    lambda m: m.CELU(0.5, True),
    lambda m: m.CELU(),
    lambda m: m.Hardshrink(),
    lambda m: m.ConstantPad1d(2, 3.5),
    lambda m: m.ConstantPad2d((1, 2, 3, 4), 0.0),
    lambda m: m.ConstantPad3d(1, 1),
    lambda m: m.ZeroPad1d(1),
    lambda m: m.ZeroPad2d(2),
    lambda m: m.ZeroPad3d((1, 2, 3, 4, 5, 6)),
    lambda m: m.ReflectionPad2d((1, 0, 2, 1)),
    lambda m: m.ReplicationPad1d(2),
    lambda m: m.CircularPad2d(1),
    lambda m: m.InstanceNorm1d(3),
    lambda m: m.InstanceNorm2d(3, affine=True, track_running_stats=True),
    lambda m: m.InstanceNorm3d(4, 1e-3, None),
    lambda m: m.RMSNorm(4),
    lambda m: m.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False),
    lambda m: m.LocalResponseNorm(3),
    lambda m: m.PixelShuffle(2),
    lambda m: m.PixelUnshuffle(3),
    lambda m: m.ChannelShuffle(2),
    lambda m: m.Softshrink(0.3),
    lambda m: m.Tanhshrink(),
    lambda m: m.Threshold(0.1, 20.0),
    lambda m: m.Threshold(0.1, 20.0, inplace=True),
    lambda m: m.SELU(),
    lambda m: m.Softmax2d(),
    lambda m: m.UpsamplingNearest2d(scale_factor=2),
    lambda m: m.UpsamplingBilinear2d(size=(5, 4)),
    lambda m: m.SoftMarginLoss(),
    lambda m: m.TripletMarginLoss(margin=0.5, p=1.0, swap=True),
]


@pytest.mark.parametrize("make", PRINTED)
def test_repr_and_state_dict_as_pytorch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy())
        assert ours.state_dict()[key].dtype == getattr(minigrad, str(value.dtype)[6:])


@pytest.mark.parametrize("momentum", [0.1, None])
def test_instance_norm_running_stats_as_pytorch(momentum):
    """Training updates the running averages with the batch's mean instance statistics
    (unbiased variance); eval mode normalises with them; num_batches_tracked stays 0."""

    def call(lib, m, x):
        m.train()
        y = m(x)
        m.eval()
        return y, m(x * 2 + 1)

    check_against_torch(
        lambda m: m.InstanceNorm2d(3, momentum=momentum, affine=True, track_running_stats=True),
        _normal(2, 3, 4, 5),
        call,
        rtol=1e-10,
    )


def test_batch_norm_with_tracking_turned_off_after_construction_as_pytorch():
    """VAT's _disable_tracking_bn_stats flips track_running_stats on a built BatchNorm: its
    buffers stay as they are in training (num_batches_tracked too) and still normalise in eval
    mode, as PyTorch's (minigrad updated them and used the batch's statistics in eval)."""
    x = np.array([[1.0, 2.0, 3.0], [3.0, 5.0, 9.0], [0.0, -1.0, 2.0]])
    results = []
    for lib in (minigrad, torch):
        bn = lib.nn.BatchNorm1d(3, dtype=lib.float64)
        bn(lib.tensor(x))
        bn.track_running_stats = False
        y = bn(lib.tensor(x * 2))
        bn.eval()
        z = bn(lib.tensor(x))
        results.append([t.detach().numpy() for t in (y, z, bn.running_mean, bn.running_var)])
        results[-1].append(bn.num_batches_tracked.numpy())
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_instance_norm_functional_with_running_stats_matches_pytorch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6))
    stats = [rng.standard_normal(3), rng.random(3) + 0.5]
    results = []
    for lib in (minigrad, torch):
        mean, var = (lib.tensor(s) for s in stats)
        y = lib.nn.functional.instance_norm(lib.tensor(x), mean, var, momentum=0.3)
        z = lib.nn.functional.instance_norm(lib.tensor(x), mean, var, use_input_stats=False)
        results.append([t.numpy() for t in (y, z, mean, var)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_rms_norm_default_eps_follows_the_dtype():
    """eps=None is finfo(dtype).eps: a zero row gives 0 in float32 and float64."""
    for dtype in ("float32", "float64"):
        x = np.zeros((2, 3), dtype=dtype)
        x[1] = 1e-4
        ours = nn.functional.rms_norm(minigrad.tensor(x), (3,)).numpy()
        theirs = torch.nn.functional.rms_norm(torch.tensor(x), (3,)).numpy()
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_instance_norm_warns_when_num_features_is_unused():
    with pytest.warns(UserWarning, match="num_features"):
        nn.InstanceNorm1d(3)(minigrad.zeros(2, 4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(4)(minigrad.zeros(2, 4, 5))


def _z(lib, *shape):
    return lib.zeros(*shape)


ERRORS = [
    (lambda t: t.nn.functional.glu(_z(t, 2, 3)), RuntimeError, "Halving dimension"),
    (lambda t: t.nn.functional.glu(t.tensor(1.0)), RuntimeError, "scalars"),
    (lambda t: t.nn.functional.prelu(_z(t, 2, 3), _z(t, 2)), RuntimeError, "channel size"),
    (lambda t: t.nn.functional.prelu(_z(t, 2, 3), _z(t, 1, 3)), RuntimeError, "1D tensor"),
    (lambda t: t.nn.PReLU(3)(_z(t, 2, 4, 5)), RuntimeError, "channel size = 4"),
    (lambda t: t.nn.functional.pixel_shuffle(_z(t, 2, 5, 2, 2), 2), RuntimeError, "divisible"),
    (lambda t: t.nn.functional.pixel_shuffle(_z(t, 2, 2), 2), RuntimeError, "3 dimensions"),
    (lambda t: t.nn.functional.pixel_unshuffle(_z(t, 2, 4, 3, 2), 2), RuntimeError, "height"),
    (lambda t: t.nn.functional.pixel_unshuffle(_z(t, 2, 4, 2, 3), 2), RuntimeError, "width"),
    (lambda t: t.nn.functional.channel_shuffle(_z(t, 2, 5, 2), 2), RuntimeError, "divisible"),
    (lambda t: t.nn.ChannelShuffle(2)(_z(t, 3, 4)), RuntimeError, "> 2 dims"),
    (lambda t: t.nn.functional.local_response_norm(_z(t, 2, 3), 2), ValueError, "3D or higher"),
    (lambda t: t.nn.functional.rms_norm(_z(t, 2, 3), (2,)), RuntimeError, "normalized_shape"),
    (lambda t: t.nn.RMSNorm(4)(_z(t, 2, 3)), RuntimeError, "normalized_shape"),
    (lambda t: t.nn.InstanceNorm1d(3)(_z(t, 2, 3, 1)), ValueError, "spatial element"),
    (lambda t: t.nn.InstanceNorm1d(3)(_z(t, 2, 3, 4, 4)), ValueError, "2D or 3D input"),
    (lambda t: t.nn.InstanceNorm2d(3)(_z(t, 3, 4)), ValueError, "3D or 4D input"),
    (lambda t: t.nn.InstanceNorm1d(3, affine=True)(_z(t, 2, 4, 3)), ValueError, "num_features"),
    (lambda t: t.nn.ReflectionPad1d(2)(_z(t, 2, 3, 4, 4)), NotImplementedError, "size 2"),
    (lambda t: t.nn.ReflectionPad1d(4)(_z(t, 2, 3, 4)), RuntimeError, "dimension"),
    (lambda t: t.nn.ReplicationPad2d(2)(_z(t, 3, 4)), NotImplementedError, "size 4"),
    (lambda t: t.nn.CircularPad1d(2)(_z(t, 2, 3, 4, 4)), ValueError, "2D or 3D input"),
    (lambda t: t.nn.ConstantPad2d(2, 1.0)(_z(t, 3)), RuntimeError, "[Pp]adding length"),
    (lambda t: t.nn.functional.pad(_z(t, 3), (1,)), RuntimeError, "[Pp]adding length"),
]


@pytest.mark.parametrize("call, error, words", ERRORS)
def test_errors_as_pytorch(call, error, words):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=words):
        call(minigrad)


@pytest.mark.parametrize(
    "make, shape",
    [
        (
            lambda: nn.Sequential(nn.ReflectionPad2d(1), nn.InstanceNorm2d(3, affine=True)),
            (2, 3, 4, 4),
        ),
        (lambda: nn.Sequential(nn.PReLU(12), nn.PixelShuffle(2), nn.Hardswish()), (2, 12, 2, 3)),
        (lambda: nn.Sequential(nn.RMSNorm(6), nn.GLU(), nn.Mish()), (2, 4, 6)),
    ],
)
@pytest.mark.usefixtures("fake_cuda")
def test_compiles_and_runs_on_simulated_cuda(make, shape):
    from minigrad import static

    eager = _forward_backward(*_model_and_input(make, shape))
    model, x = _model_and_input(make, shape)
    compiled = static.compile(model)
    compiled(x)
    for a, b in zip(_forward_backward(model, x, compiled), eager):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    model, x = _model_and_input(make, shape, "cuda")
    for a, b in zip(_forward_backward(model, x), eager):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# -- Bilinear, ParameterDict, LazyLinear ------------------------------------------------------
BILINEAR = [
    ("batched", lambda m: m.Bilinear(3, 4, 5), [(2, 3), (2, 4)]),
    ("unbatched_nobias", lambda m: m.Bilinear(3, 2, 4, bias=False), [(3,), (2,)]),
    ("two_batch_dims", lambda m: m.Bilinear(2, 3, 1), [(2, 5, 2), (2, 5, 3)]),
]


@pytest.mark.parametrize("name, make, shapes", BILINEAR, ids=[row[0] for row in BILINEAR])
def test_bilinear_matches_pytorch(name, make, shapes):
    check_against_torch(make, lambda rng: [rng.standard_normal(s) for s in shapes], rtol=1e-10)


def test_bilinear_default_initialisation_and_repr_as_pytorch():
    layer, theirs = nn.Bilinear(20, 30, 40), torch.nn.Bilinear(20, 30, 40)
    assert repr(layer) == repr(theirs)
    assert list(layer.state_dict()) == list(theirs.state_dict())
    bound = 1 / np.sqrt(20)
    for p, tp in zip(layer.parameters(), theirs.parameters()):
        assert p.shape == tp.shape and p.dtype == minigrad.float32
        assert abs(p.detach().numpy()).max() <= bound
        np.testing.assert_allclose(p.detach().numpy().std(), tp.detach().numpy().std(), rtol=0.1)


@pytest.mark.parametrize(
    "shapes, words",
    [
        ([(2, 3), (2, 5)], "input2 size"),
        ([(2, 4), (2, 4)], "input1 size"),
        ([(2, 3), (3, 4)], "batch"),
    ],
)
def test_bilinear_shape_errors_as_pytorch(shapes, words):
    for lib in (torch, minigrad):
        x1, x2 = (lib.zeros(*s) for s in shapes)
        with pytest.raises(RuntimeError, match=words):
            lib.nn.functional.bilinear(x1, x2, lib.zeros(5, 3, 4))


class _Gains:
    """A module holding a ParameterDict, built from either library's nn."""

    @staticmethod
    def make(m):
        lib = minigrad if m is nn else torch

        class Gains(m.Module):
            def __init__(self):
                super().__init__()
                self.gains = m.ParameterDict({"scale": lib.ones(3) * 2})
                self.gains["shift"] = m.Parameter(lib.zeros(3) + 0.5)

            def forward(self, x):
                return x * self.gains["scale"] + self.gains["shift"]

        return Gains()


def test_parameter_dict_matches_pytorch():
    check_against_torch(_Gains.make, _normal(2, 3))


def test_parameter_dict_behaves_like_a_dict_and_prints_as_pytorch():
    def build(lib):
        d = lib.nn.ParameterDict({"b": lib.zeros(2, 3)})
        d.update([("a", lib.nn.Parameter(lib.ones(1).double()))])
        d.setdefault("c", lib.zeros(4))
        return d

    ours, theirs = build(minigrad), build(torch)
    assert list(ours) == list(theirs) == ["b", "a", "c"]
    assert all(isinstance(p, nn.Parameter) for p in ours.values())
    assert "a" in ours and ours.get("z") is None and len(ours) == 3
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours).replace("minigrad.", "torch.") == repr(theirs)
    del ours["b"]
    assert list(ours.keys()) == ["a", "c"] and ours.pop("a").shape == (1,)


def test_parameter_list_prints_as_pytorch():
    for params in ([2], [2, 3]):
        ours = nn.ParameterList([minigrad.zeros(n) for n in params])
        theirs = torch.nn.ParameterList([torch.zeros(n) for n in params])
        assert repr(ours).replace("minigrad.", "torch.") == repr(theirs)


def test_lazy_linear_trains_as_pytorch_with_an_optimizer_built_before_the_first_call():
    torch.manual_seed(0)
    ours, theirs = nn.LazyLinear(3).double(), torch.nn.LazyLinear(3).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    opt = minigrad.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4))
    ours(minigrad.tensor(x)), theirs(torch.tensor(x))  # materialize
    assert type(ours) is nn.Linear and repr(ours) == repr(theirs)
    assert ours.weight.dtype == minigrad.float64 and ours.weight.shape == (3, 4)
    bound = 1 / np.sqrt(4)
    assert abs(ours.weight.detach().numpy()).max() <= bound
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for _ in range(3):
        x = rng.standard_normal((5, 4))
        for lib, model, o in ((minigrad, ours, opt), (torch, theirs, topt)):
            o.zero_grad()
            (model(lib.tensor(x)) ** 2).sum().backward()
            o.step()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12)


def test_lazy_linear_materializes_from_a_state_dict():
    saved = nn.Linear(4, 3).state_dict()
    model = nn.Sequential(nn.LazyLinear(3, bias=True), nn.ReLU())
    model.load_state_dict(saved_keys := {f"0.{k}": v for k, v in saved.items()})
    # as PyTorch's: lazy, with in_features 0, until the next call, which sets it
    theirs = torch.nn.LazyLinear(3)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in saved.items()})
    assert type(model[0]) is nn.LazyLinear and repr(model[0]) == repr(theirs)
    for key, value in saved_keys.items():
        np.testing.assert_array_equal(model.state_dict()[key].numpy(), value.numpy())
    assert model(minigrad.zeros(2, 4)).shape == (2, 3)
    theirs(torch.zeros(2, 4))
    assert type(model[0]) is nn.Linear and repr(model[0]) == repr(theirs)


def test_lazy_linear_without_bias_and_uninitialized_parameter():
    layer = nn.LazyLinear(2, bias=False)
    assert isinstance(layer.weight, nn.UninitializedParameter) and layer.bias is None
    assert repr(layer.weight) == "<UninitializedParameter>"
    assert layer(minigrad.ones(3, 5)).shape == (3, 2)
    assert type(layer.weight) is nn.Parameter and layer.weight.shape == (2, 5)
    with pytest.raises(RuntimeError, match="Linear"):
        layer(minigrad.ones(3, 4))


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.LazyConv1d(4, 3, padding=1), (2, 3, 6)),
        (lambda m: m.LazyConv2d(4, 3, stride=2, groups=2, bias=False), (2, 6, 7, 7)),
        (lambda m: m.LazyConv2d(2, 3, padding="same", padding_mode="reflect"), (3, 5, 5)),
        (lambda m: m.LazyConv3d(2, 1), (1, 2, 2, 3, 3)),
        (lambda m: m.LazyConvTranspose1d(4, 3, stride=2, output_padding=1), (2, 3, 5)),
        (lambda m: m.LazyConvTranspose2d(6, 3, stride=2, groups=2, bias=False), (2, 4, 3, 3)),
        (lambda m: m.LazyConvTranspose3d(2, 2, dilation=2), (3, 2, 2, 2)),
    ],
)
def test_lazy_convs_become_their_conv_and_train_as_pytorch(make, shape):
    """d2l's CNNs are built of LazyConv2d, DCGAN-style decoders of LazyConvTranspose2d:
    in_channels from the first input, the printing and state dict keys before, the layer's
    class, weight layout, drawn bound and printing after, training with an optimizer built
    before the first call, and loading a saved layer's state dict."""
    ours, theirs = make(nn).double(), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    opt = minigrad.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x = np.random.default_rng(0).standard_normal(shape)
    ours(minigrad.tensor(x)), theirs(torch.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__ and repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    fan_in = np.prod(ours.weight.shape[1:])
    assert abs(ours.weight.detach().numpy()).max() <= 1 / np.sqrt(fan_in)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for _ in range(2):
        for lib, model, o in ((minigrad, ours, opt), (torch, theirs, topt)):
            o.zero_grad()
            (model(lib.tensor(x)) ** 2).sum().backward()
            o.step()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12)
    # loaded into a lazy layer: lazy until the next call, in_channels 0 then too (PyTorch's)
    loaded, their_loaded = make(nn).double(), make(torch.nn).double()
    loaded.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    their_loaded.load_state_dict(theirs.state_dict())
    assert repr(loaded) == repr(their_loaded)
    np.testing.assert_allclose(
        loaded(minigrad.tensor(x)).detach().numpy(), their_loaded(torch.tensor(x)).detach().numpy()
    )
    assert repr(loaded) == repr(their_loaded)


def test_lazy_conv_materializes_from_a_state_dict_and_refuses_as_pytorch():
    saved = nn.Conv2d(4, 6, 3, groups=2).state_dict()
    layer = nn.LazyConv2d(6, 3, groups=2)
    layer.load_state_dict(saved)
    assert type(layer) is nn.LazyConv2d and layer.in_channels == 0  # as PyTorch's
    assert layer(minigrad.zeros(1, 4, 5, 5)).shape == (1, 6, 3, 3)
    assert type(layer) is nn.Conv2d and layer.in_channels == 0
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(minigrad.ones(1, 3, 5, 5))
    message = "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d, but got input of size"
    with pytest.raises(RuntimeError, match=re.escape(message)):
        nn.LazyConv2d(4, 3)(minigrad.ones(3, 5))


# -- losses -----------------------------------------------------------------------------------
def _signs(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _gaussian(rng):
    var = rng.random((4, 3)) + 0.1
    var[0, :2] = (1e-9, 0.0)  # below eps: clamped for the value, the gradient passes
    return [rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), var]


def _multi_margin(rng):
    x = rng.integers(-2, 3, (5, 4)).astype(float)  # integers: some margins are exactly 0
    return [x, rng.integers(0, 4, 5)]


def _multilabel_margin(rng):
    x = rng.integers(-2, 3, (5, 4)).astype(float)  # integers: some margins are exactly 0
    labels = np.array([rng.permutation(4) for _ in range(5)])
    ends = rng.integers(0, 5, 5)  # a -1 at each row's end (none where it is 4)
    for row, end in zip(labels, ends):
        row[end : end + 1] = -1
    return [x, labels]


def _poisson(rng, positive=False):
    x = rng.random((3, 4)) + 0.1 if positive else rng.standard_normal((3, 4))
    return [x, rng.poisson(1.5, (3, 4)).astype(float)]


LOSSES = [
    ("gaussian", lambda m: m.GaussianNLLLoss(), _gaussian, None),
    (
        "gaussian_full_sum_shared_var",
        lambda m: m.GaussianNLLLoss(full=True, reduction="sum"),
        lambda rng: [*_gaussian(rng)[:2], rng.random(4) + 0.5],
        None,
    ),
    (
        "gaussian_none_var_dim_of_1",
        lambda m: m.GaussianNLLLoss(eps=0.2, reduction="none"),
        lambda rng: [*_gaussian(rng)[:2], rng.random((4, 1)) + 0.1],
        None,
    ),
    (
        "margin_ranking",
        lambda m: m.MarginRankingLoss(),
        lambda rng: [np.array([1.0, 2, 0.5, -1]), np.array([1.0, 1, 0.5, 2]), _signs(rng, 4)],
        [0, 1],
    ),
    (
        "margin_ranking_none",
        lambda m: m.MarginRankingLoss(0.5, reduction="none"),
        lambda rng: [rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), _signs(rng, (2, 3))],
        [0, 1],
    ),
    (
        "hinge_embedding",
        lambda m: m.HingeEmbeddingLoss(),
        lambda rng: [np.array([[0.5, 1.0, 2.0], [1.0, -0.3, 3.0]]), _signs(rng, (2, 3))],
        [0],
    ),
    (
        "hinge_embedding_sum",
        lambda m: m.HingeEmbeddingLoss(margin=2.0, reduction="sum"),
        lambda rng: [rng.standard_normal((3, 4)) + 1, _signs(rng, (3, 4))],
        [0],
    ),
    (
        "cosine_embedding",
        lambda m: m.CosineEmbeddingLoss(),
        lambda rng: [rng.standard_normal((6, 5)), rng.standard_normal((6, 5)), _signs(rng, 6)],
        [0, 1],
    ),
    (
        "cosine_embedding_unbatched_none",
        lambda m: m.CosineEmbeddingLoss(margin=-0.5, reduction="none"),
        lambda rng: [rng.standard_normal(5), rng.standard_normal(5), np.array(-1.0)],
        [0, 1],
    ),
    ("multi_margin", lambda m: m.MultiMarginLoss(), _multi_margin, None),
    (
        "multi_margin_p2_weight_none",
        lambda m: m.MultiMarginLoss(
            p=2,
            margin=0.5,
            weight=(minigrad if m is nn else torch).tensor([1.0, 2.0, 0.5, 3.0]),
            reduction="none",
        ),
        _multi_margin,
        None,
    ),
    (
        "multi_margin_unbatched",
        lambda m: m.MultiMarginLoss(reduction="none"),
        lambda rng: [rng.standard_normal(4), np.array(2)],
        None,
    ),
    (
        "multilabel_soft_margin",
        lambda m: m.MultiLabelSoftMarginLoss(),
        lambda rng: [rng.standard_normal((4, 5)) * 10, (rng.random((4, 5)) < 0.5).astype(float)],
        None,
    ),
    (
        "multilabel_soft_margin_weight_none",
        lambda m: m.MultiLabelSoftMarginLoss(
            weight=(minigrad if m is nn else torch).tensor([1.0, 0.0, 2.0]), reduction="none"
        ),
        lambda rng: [rng.standard_normal((2, 3)), rng.random((2, 3))],
        None,
    ),
    (
        "soft_margin",
        lambda m: m.SoftMarginLoss(),
        lambda rng: [rng.standard_normal((4, 5)) * 3, _signs(rng, (4, 5))],
        [0],
    ),
    (
        "soft_margin_none",
        lambda m: m.SoftMarginLoss(reduction="none"),
        lambda rng: [rng.standard_normal(5), _signs(rng, 5)],
        [0],
    ),
    (
        "triplet_margin",
        lambda m: m.TripletMarginLoss(),
        lambda rng: [rng.standard_normal((6, 4)) for _ in range(3)],
        [0, 1, 2],
    ),
    (
        "triplet_margin_p1_swap_none",
        lambda m: m.TripletMarginLoss(margin=2.0, p=1.0, swap=True, reduction="none"),
        lambda rng: [rng.standard_normal((6, 4)) for _ in range(3)],
        [0, 1, 2],
    ),
    (
        "triplet_margin_unbatched_sum",
        lambda m: m.TripletMarginLoss(margin=3.0, reduction="sum"),
        lambda rng: [rng.standard_normal(4) for _ in range(3)],
        [0, 1, 2],
    ),
    ("multilabel_margin", lambda m: m.MultiLabelMarginLoss(), _multilabel_margin, None),
    (
        "multilabel_margin_sum_repeated_label",
        lambda m: m.MultiLabelMarginLoss(reduction="sum"),
        lambda rng: [rng.standard_normal((2, 4)), np.array([[2, 2, 0, -1], [1, -1, 3, 0]])],
        None,
    ),
    (
        "multilabel_margin_unbatched_none",
        lambda m: m.MultiLabelMarginLoss(reduction="none"),
        lambda rng: [rng.standard_normal(4), np.array([3, 0, -1, 1])],
        None,
    ),
    ("poisson", lambda m: m.PoissonNLLLoss(), _poisson, None),
    # NOTE: only the input's gradient with full=True: PyTorch's target gradient is nan at 0
    ("poisson_full_sum", lambda m: m.PoissonNLLLoss(full=True, reduction="sum"), _poisson, [0]),
    (
        "poisson_rates_full_none",
        lambda m: m.PoissonNLLLoss(log_input=False, full=True, eps=1e-3, reduction="none"),
        lambda rng: _poisson(rng, positive=True),
        [0],
    ),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, inputs, grads", LOSSES, ids=[row[0] for row in LOSSES])
def test_loss_matches_pytorch(name, make, inputs, grads, dtype):
    tol = 1e-10 if dtype == np.float64 else 2e-6
    arrays = inputs(np.random.default_rng(0))

    def call(lib, *xs):
        return make(lib.nn).to(xs[0].dtype)(*xs)  # a weight in the inputs' dtype

    _compare(call, arrays, dtype, rtol=tol, atol=tol, grads=grads)


def test_gaussian_nll_loss_takes_a_float_variance():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    _compare(lambda lib, x, y: lib.nn.functional.gaussian_nll_loss(x, y, 0.25, full=True), [x, y])


LOSS_MODULES = [
    lambda m: m.GaussianNLLLoss(full=True, eps=1e-3, reduction="sum"),
    lambda m: m.MarginRankingLoss(0.5),
    lambda m: m.HingeEmbeddingLoss(2.0),
    lambda m: m.CosineEmbeddingLoss(0.1, reduction="none"),
    lambda m: m.MultiMarginLoss(2, 0.5, (minigrad if m is nn else torch).ones(3)),
    lambda m: m.MultiLabelSoftMarginLoss((minigrad if m is nn else torch).ones(3)),
    lambda m: m.MultiLabelMarginLoss(reduction="sum"),
    lambda m: m.PoissonNLLLoss(False, True, eps=1e-4),
]


@pytest.mark.parametrize("make", LOSS_MODULES)
def test_loss_module_prints_and_saves_as_pytorch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name in ("reduction", "margin", "p", "full", "eps", "log_input"):
        assert getattr(ours, name, None) == getattr(theirs, name, None), name


def test_loss_defaults_as_pytorch():
    import inspect

    for name in (
        "GaussianNLLLoss",
        "MarginRankingLoss",
        "HingeEmbeddingLoss",
        "CosineEmbeddingLoss",
        "MultiMarginLoss",
        "MultiLabelSoftMarginLoss",
        "MultiLabelMarginLoss",
        "PoissonNLLLoss",
    ):
        ours = inspect.signature(getattr(nn, name))
        theirs = inspect.signature(getattr(torch.nn, name))
        assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == [
            (p.name, p.default, p.kind) for p in theirs.parameters.values()
        ], name


LOSS_ERRORS = [
    (
        lambda t: t.nn.functional.multi_margin_loss(_z(t, 2, 4), t.tensor([1, 4])),
        RuntimeError,
        "out of range",
    ),
    (
        lambda t: t.nn.functional.multi_margin_loss(_z(t, 2, 4), t.tensor([1, 2, 3])),
        RuntimeError,
        "target",
    ),
    (
        lambda t: t.nn.functional.multi_margin_loss(_z(t, 2, 4, 2), t.tensor([1, 2])),
        RuntimeError,
        "vector or matrix",
    ),
    (
        lambda t: t.nn.functional.multi_margin_loss(_z(t, 2, 4), t.tensor([1, 2]), p=3),
        ValueError,
        "p == 1",
    ),
    (lambda t: t.nn.MultiMarginLoss(p=3), ValueError, "p == 1"),
    (
        lambda t: t.nn.functional.multilabel_margin_loss(
            _z(t, 2, 4), t.tensor([[5, 0, -1, 0]] * 2)
        ),
        RuntimeError,
        "out of range",
    ),
    (
        lambda t: t.nn.functional.multilabel_margin_loss(_z(t, 2, 4), t.tensor([[0, 1, 2]])),
        RuntimeError,
        "inconsistent target size",
    ),
    (
        lambda t: t.nn.functional.multilabel_margin_loss(_z(t, 2, 4), _z(t, 2, 4)),
        RuntimeError,
        "Long",
    ),
    (
        lambda t: t.nn.functional.multilabel_margin_loss(_z(t, 2, 1, 4), t.zeros(2, 1, 4).long()),
        RuntimeError,
        "vector or matrix",
    ),
    (
        lambda t: t.nn.functional.cosine_embedding_loss(_z(t, 2, 4), _z(t, 2, 4), _z(t, 2, 1)),
        RuntimeError,
        "multi-target",
    ),
    (
        lambda t: t.nn.functional.cosine_embedding_loss(_z(t, 4), _z(t, 4), _z(t, 2)),
        RuntimeError,
        "2D input",
    ),
    (
        lambda t: t.nn.functional.margin_ranking_loss(_z(t, 3), _z(t, 3), _z(t, 3, 1)),
        RuntimeError,
        "same dimension",
    ),
    (
        lambda t: t.nn.functional.gaussian_nll_loss(_z(t, 3, 2), _z(t, 3, 2), t.ones(2)),
        ValueError,
        "incorrect size",
    ),
    (
        lambda t: t.nn.functional.gaussian_nll_loss(_z(t, 3, 2), _z(t, 3, 2), -t.ones(3, 2)),
        ValueError,
        "negative",
    ),
    (
        lambda t: t.nn.functional.gaussian_nll_loss(_z(t, 3, 2), _z(t, 3, 2), -1.0),
        ValueError,
        "negative",
    ),
    (
        lambda t: t.nn.functional.poisson_nll_loss(_z(t, 3), _z(t, 3), reduction="x"),
        ValueError,
        "reduction",
    ),
    (lambda t: t.nn.PoissonNLLLoss(reduction="x")(_z(t, 3), _z(t, 3)), ValueError, "reduction"),
]


@pytest.mark.parametrize("call, error, words", LOSS_ERRORS)
def test_loss_errors_as_pytorch(call, error, words):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=words):
        call(minigrad)


# -- ConvTranspose1d, Fold, Unfold ------------------------------------------------------------
CONV_LAYERS = [
    ("ConvTranspose1d", lambda m: m.ConvTranspose1d(3, 4, 3), _normal(2, 3, 5)),
    (
        "ConvTranspose1d_stride_outpad_groups",
        lambda m: m.ConvTranspose1d(4, 6, 4, stride=3, padding=1, output_padding=2, groups=2),
        _normal(2, 4, 5),
    ),
    (
        "ConvTranspose1d_dilation_unbatched_nobias",
        lambda m: m.ConvTranspose1d(2, 3, 3, dilation=2, bias=False),
        _normal(2, 4),
    ),
    ("Unfold", lambda m: m.Unfold((2, 3), padding=1, stride=(2, 1)), _normal(2, 3, 5, 6)),
    ("Unfold_dilation_unbatched", lambda m: m.Unfold(2, dilation=2), _normal(2, 5, 5)),
    ("Fold", lambda m: m.Fold((4, 5), 2), _normal(2, 12, 12)),
    (
        "Fold_overlap_stride_padding",
        lambda m: m.Fold((5, 6), (2, 3), padding=1, stride=(2, 1)),
        _normal(2, 18, 18),
    ),
    ("Fold_dilation_unbatched", lambda m: m.Fold(5, 2, dilation=2), _normal(8, 9)),
]


@pytest.mark.parametrize("name, make, inputs", CONV_LAYERS, ids=[row[0] for row in CONV_LAYERS])
def test_conv_layer_matches_pytorch(name, make, inputs):
    check_against_torch(make, inputs, rtol=1e-10)


def test_conv_transpose1d_output_size_and_init_as_pytorch():
    check_against_torch(
        lambda m: m.ConvTranspose1d(3, 2, 3, stride=3),
        _normal(2, 3, 4),
        lambda lib, m, x: m(x, output_size=[13]),
        rtol=1e-10,
    )
    ours, theirs = (
        nn.ConvTranspose1d(16, 32, 5, groups=2),
        torch.nn.ConvTranspose1d(16, 32, 5, groups=2),
    )
    assert repr(ours) == repr(theirs)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        assert p.shape == tp.shape
        assert abs(p.detach().numpy()).max() <= abs(tp.detach().numpy()).max() * 1.1


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Fold((4, 5), 2),
        lambda m: m.Fold(output_size=3, kernel_size=(1, 2), dilation=2, padding=1, stride=2),
        lambda m: m.Unfold(2, padding=1),
        lambda m: m.ConvTranspose1d(3, 4, 3, 2, 1, 1, bias=False, dilation=2),
    ],
)
def test_conv_layer_prints_as_pytorch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_fold_is_the_adjoint_of_unfold():
    """<unfold(x), y> == <x, fold(y)> for any x, y."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3 * 6, 8))
    args = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2)
    unfolded = nn.functional.unfold(minigrad.tensor(x), **args).numpy()
    folded = nn.functional.fold(minigrad.tensor(y), (6, 5), **args).numpy()
    np.testing.assert_allclose((unfolded * y).sum(), (x * folded).sum(), rtol=1e-12)


CONV_ERRORS = [
    (lambda t: t.nn.functional.fold(_z(t, 1, 5, 9), (4, 4), 2), RuntimeError, "divisible"),
    (lambda t: t.nn.functional.fold(_z(t, 1, 8, 8), (4, 4), 2), RuntimeError, "sliding blocks"),
    (lambda t: t.nn.functional.fold(_z(t, 2, 3, 4, 5), (4, 4), 2), RuntimeError, "2D or 3D"),
    (lambda t: t.nn.functional.unfold(_z(t, 1, 1, 2, 2), 3), RuntimeError, "at least one"),
    (lambda t: t.nn.ConvTranspose1d(3, 4, 3)(_z(t, 2, 5, 4)), RuntimeError, "ConvTranspose1d"),
    (
        lambda t: t.nn.functional.conv_transpose1d(
            _z(t, 1, 2, 3), _z(t, 2, 1, 3), stride=2, output_padding=2
        ),
        RuntimeError,
        "output_padding",
    ),
]


@pytest.mark.parametrize("call, error, words", CONV_ERRORS)
def test_conv_errors_as_pytorch(call, error, words):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=words):
        call(minigrad)


@pytest.mark.usefixtures("fake_cuda")
def test_fold_unfold_compile_and_run_on_simulated_cuda():
    from minigrad import static

    def make():
        return nn.Sequential(
            nn.ConvTranspose1d(4, 6, 3, stride=2),
            nn.Unflatten(2, (3, 5)),
            nn.Unfold(2),
            nn.Fold((3, 5), 2),
        )

    eager = _forward_backward(*_model_and_input(make, (2, 4, 7)))
    model, x = _model_and_input(make, (2, 4, 7))
    compiled = static.compile(model)
    compiled(x)
    for a, b in zip(_forward_backward(model, x, compiled), eager):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    model, x = _model_and_input(make, (2, 4, 7), "cuda")
    for a, b in zip(_forward_backward(model, x), eager):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# -- affine_grid and grid_sample ---------------------------------------------------------------
def _sample(lib, x, theta, size, mode, align_corners):
    grid = lib.nn.functional.affine_grid(theta, size, align_corners=align_corners)
    return lib.nn.functional.grid_sample(x, grid, mode=mode, align_corners=align_corners)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize(
    "mode, size",
    [("bilinear", (2, 3, 4, 7)), ("bilinear", (2, 3, 1, 5)), ("nearest", (2, 3, 6, 4))],
)
def test_spatial_transformer_matches_pytorch(mode, size, align_corners, dtype):
    """Values and the gradients of the input and of theta (through the grid); the maps move
    points outside the image too (zeros padding)."""
    rng = np.random.default_rng(0)
    theta = rng.standard_normal((2, 2, 3)) * 0.8
    tol = 1e-10 if dtype == np.float64 else 1e-5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _compare(
            lambda lib, x, t: _sample(lib, x, t, size, mode, align_corners),
            [rng.standard_normal((2, 3, 5, 6)), theta],
            dtype,
            rtol=tol,
            atol=tol,
            grads=[0, 1] if mode == "bilinear" else [0],
        )
    # both libraries warn that a grid of size 1 sits at 0 even when corners are aligned
    unit = align_corners and min(size[2:]) == 1
    assert sum("1.3.0" in str(w.message) for w in caught) == (2 if unit else 0)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("flip", [1.0, -1.0])
def test_identity_theta_takes_pytorchs_side_of_each_kink(flip, align_corners):
    """The spatial transformer tutorial starts at theta = identity: every float32 grid point
    sits on a pixel centre, where bilinear sampling has a kink. The grid's coordinates and the
    rounding of their pixel index follow PyTorch's to the bit, so the gradient of theta takes
    the same one-sided slopes (a one-ulp difference flips a neighbour and changes it by 100%)."""
    rng = np.random.default_rng(2)
    theta = np.array([[[flip, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2)
    for h, w in [(10, 11), (18, 19), (28, 28), (19, 30)]:
        _compare(
            lambda lib, x, t, h=h, w=w: _sample(lib, x, t, (2, 3, h, w), "bilinear", align_corners),
            [rng.standard_normal((2, 3, h, w)), theta],
            np.float32,
            rtol=1e-5,
            atol=1e-3,  # NOTE: theta's gradient sums hundreds of float32 terms
        )


@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_on_pixel_centres_and_edges_as_pytorch(align_corners):
    """Grid points exactly on pixels, on the border and beyond it."""
    points = np.array([-1.2, -1.0, -0.75, -0.5, 0.0, 0.25, 0.5, 1.0, 1.1])
    grid = np.stack(np.meshgrid(points, points[::-1]), -1)[None]
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4))
    _compare(
        lambda lib, x, g: lib.nn.functional.grid_sample(x, g, align_corners=align_corners),
        [x, grid],
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
def test_grid_sample_border_and_reflection_as_pytorch(padding_mode, mode, align_corners, dtype):
    """Points inside, on the edges and centres, and far outside (several reflections); the
    gradient of the grid is 0 on the ends themselves, as PyTorch's CPU kernel gives it."""
    points = np.array([-2.5, -1.7, -1.2, -1.0, -0.75, -0.5, 0.0, 0.3, 0.75, 1.0, 1.1, 2.2, 3.1])
    grid = np.stack(np.meshgrid(points, points[::-1] + 0.013), -1)[None]
    x = np.random.default_rng(3).standard_normal((1, 2, 4, 5))
    tol = 1e-10 if dtype == np.float64 else 1e-5
    _compare(
        lambda lib, x, g: lib.nn.functional.grid_sample(
            x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners
        ),
        [x, grid],
        dtype,
        rtol=tol,
        atol=tol,
        grads=[0, 1] if mode == "bilinear" else [0],
    )


def test_affine_grid_and_grid_sample_warn_without_align_corners_as_pytorch():
    theta = minigrad.tensor([[[1.0, 0, 0], [0, 1, 0]]])
    with pytest.warns(UserWarning, match="align_corners"):
        grid = nn.functional.affine_grid(theta, (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="align_corners"):
        nn.functional.grid_sample(minigrad.ones(1, 1, 2, 2), grid)


SAMPLING_ERRORS = [
    (
        lambda t: t.nn.functional.affine_grid(_z(t, 2, 3, 3), (2, 1, 4, 4), False),
        ValueError,
        "Nx2x3",
    ),
    (
        lambda t: t.nn.functional.affine_grid(t.zeros(1, 2, 3).long(), (1, 1, 4, 4), False),
        ValueError,
        "floating point",
    ),
    (
        lambda t: t.nn.functional.affine_grid(_z(t, 1, 2, 3), (1, 4, 4), False),
        NotImplementedError,
        "4D and 5D",
    ),
    (
        lambda t: t.nn.functional.affine_grid(_z(t, 1, 2, 3), (1, 1, 0, 4), False),
        ValueError,
        "positive",
    ),
    (
        lambda t: t.nn.functional.grid_sample(_z(t, 1, 1, 2, 2), _z(t, 1, 2, 2, 2), mode="x"),
        ValueError,
        "mode",
    ),
    (
        lambda t: t.nn.functional.grid_sample(
            _z(t, 1, 1, 2, 2), _z(t, 1, 2, 2, 2), padding_mode="x"
        ),
        ValueError,
        "padding_mode",
    ),
    (
        lambda t: t.nn.functional.grid_sample(
            _z(t, 1, 1, 2, 2), _z(t, 1, 2, 2, 3), align_corners=False
        ),
        RuntimeError,
        "grid",
    ),
]


@pytest.mark.parametrize("call, error, words", SAMPLING_ERRORS)
def test_sampling_errors_as_pytorch(call, error, words):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=words):
        call(minigrad)


@pytest.mark.usefixtures("fake_cuda")
def test_spatial_transformer_compiles_and_runs_on_simulated_cuda():
    from minigrad import static

    class STN(nn.Module):
        def __init__(self):
            super().__init__()
            self.loc = nn.Linear(3 * 5 * 6, 6)

        def forward(self, x):
            theta = self.loc(x.flatten(1)).reshape(-1, 2, 3)
            grid = nn.functional.affine_grid(theta, x.shape, align_corners=False)
            return nn.functional.grid_sample(x, grid, align_corners=False)

    eager = _forward_backward(*_model_and_input(STN, (2, 3, 5, 6)))
    model, x = _model_and_input(STN, (2, 3, 5, 6))
    compiled = static.compile(model)
    compiled(x)
    for a, b in zip(_forward_backward(model, x, compiled), eager):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    model, x = _model_and_input(STN, (2, 3, 5, 6), "cuda")
    for a, b in zip(_forward_backward(model, x), eager):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# -- max unpooling ----------------------------------------------------------------------------
def _pooled(shape, pool, *args):
    """A pooled input and its indices from PyTorch's max pool (overlapping windows repeat
    indices)."""
    x = torch.tensor(np.random.default_rng(0).standard_normal(shape))
    y, index = getattr(torch.nn.functional, pool)(x, *args, return_indices=True)
    return [y.numpy(), index.numpy()]


UNPOOLS = [
    ("2d", lambda m: m.MaxUnpool2d(2), _pooled((2, 3, 4, 6), "max_pool2d", 2), None),
    (
        "2d_overlap_padding_size",
        lambda m: m.MaxUnpool2d(3, 2, 1),
        _pooled((2, 3, 5, 4), "max_pool2d", 3, 2, 1),
        (6, 4),
    ),
    (
        "2d_unbatched",
        lambda m: m.MaxUnpool2d((2, 1)),
        _pooled((3, 4, 5), "max_pool2d", (2, 1)),
        None,
    ),
    ("1d", lambda m: m.MaxUnpool1d(2), _pooled((2, 3, 7), "max_pool1d", 2), [2, 3, 7]),
    ("1d_overlap", lambda m: m.MaxUnpool1d(3, 2), _pooled((2, 3, 9), "max_pool1d", 3, 2), None),
    ("3d", lambda m: m.MaxUnpool3d(2), _pooled((2, 3, 4, 6, 4), "max_pool3d", 2), None),
    (
        "3d_overlap_padding_size_unbatched",
        lambda m: m.MaxUnpool3d(3, (2, 1, 2), 1),
        _pooled((3, 5, 4, 6), "max_pool3d", 3, (2, 1, 2), 1),
        (5, 4, 6),
    ),
]


@pytest.mark.parametrize("name, make, arrays, size", UNPOOLS, ids=[row[0] for row in UNPOOLS])
def test_max_unpool_matches_pytorch(name, make, arrays, size):
    _compare(lambda lib, y, i: make(lib.nn)(y, i, output_size=size), arrays)


def test_max_unpool_undoes_minigrads_own_max_pool():
    x = minigrad.tensor(np.random.default_rng(1).random((2, 3, 4, 4)) + 0.1)  # above the zeros
    y, index = nn.functional.max_pool2d(x, 2, return_indices=True)
    back = nn.MaxUnpool2d(2)(y, index)
    again, _ = nn.functional.max_pool2d(back, 2, return_indices=True)
    np.testing.assert_array_equal(again.numpy(), y.numpy())
    assert (back.numpy() != 0).sum() == y.numel()


UNPOOL_ERRORS = [
    (
        lambda t, y, i: t.nn.functional.max_unpool2d(y, i, 2, output_size=(7, 7)),
        ValueError,
        "output_size",
    ),
    (
        lambda t, y, i: t.nn.functional.max_unpool2d(y, i + 100, 2),
        RuntimeError,
        "invalid max index",
    ),
    (lambda t, y, i: t.nn.functional.max_unpool2d(y, i[0], 2), RuntimeError, "shape of indices"),
]


@pytest.mark.parametrize("call, error, words", UNPOOL_ERRORS)
def test_max_unpool_errors_as_pytorch(call, error, words):
    y, index = _pooled((1, 1, 4, 4), "max_pool2d", 2)
    with pytest.raises(error):
        call(torch, torch.tensor(y), torch.tensor(index))
    with pytest.raises(error, match=words):
        call(minigrad, minigrad.tensor(y), minigrad.tensor(index))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.MaxUnpool2d(2),
        lambda m: m.MaxUnpool2d((2, 3), 1),
        lambda m: m.MaxUnpool1d(3, 2, 1),
    ],
)
def test_max_unpool_prints_as_pytorch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


# -- first and second derivatives by central differences ---------------------------------------
def _away_from_kinks(rng, *shape):
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, x + 0.3, x)


GRADCHECKS = [
    ("prelu", lambda F, x, w: F.prelu(x, w), lambda r: [_away_from_kinks(r, 2, 3, 2), r.random(3)]),
    ("mish", lambda F, x: F.mish(x), lambda r: [r.standard_normal((3, 4))]),
    ("glu", lambda F, x: F.glu(x, 1), lambda r: [r.standard_normal((3, 4))]),
    ("celu", lambda F, x: F.celu(x, 0.7), lambda r: [_away_from_kinks(r, 3, 4)]),
    ("hardswish", lambda F, x: F.hardswish(x), lambda r: [_away_from_kinks(r, 3, 4)]),
    (
        "rms_norm",
        lambda F, x, w: F.rms_norm(x, (4,), w, 1e-3),
        lambda r: [r.standard_normal((3, 4)), r.standard_normal(4)],
    ),
    (
        "instance_norm",
        lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b),
        lambda r: [r.standard_normal((2, 3, 5)), r.standard_normal(3), r.standard_normal(3)],
    ),
    (
        "local_response_norm",
        lambda F, x: F.local_response_norm(x, 3, alpha=0.5),
        lambda r: [r.standard_normal((2, 4, 3))],
    ),
    (
        "bilinear",
        lambda F, a, b, w: F.bilinear(a, b, w),
        lambda r: [
            r.standard_normal((2, 3)),
            r.standard_normal((2, 2)),
            r.standard_normal((4, 3, 2)),
        ],
    ),
    (
        "pixel_shuffle",
        lambda F, x: F.pixel_shuffle(x, 2) ** 2,
        lambda r: [r.standard_normal((1, 4, 2, 3))],
    ),
    (
        "fold",
        lambda F, x: F.fold(x, (3, 4), 2) ** 2,
        lambda r: [r.standard_normal((1, 8, 6))],
    ),
    (
        "grid_sample",
        lambda F, x, g: F.grid_sample(x, g, align_corners=False),
        lambda r: [r.standard_normal((1, 2, 3, 4)), r.uniform(-0.9, 0.9, (1, 2, 3, 2))],
    ),
    (
        "gaussian_nll_loss",
        lambda F, x, y, v: F.gaussian_nll_loss(x, y, v),
        lambda r: [r.standard_normal((3, 2)), r.standard_normal((3, 2)), r.random((3, 2)) + 0.5],
    ),
    (
        "cosine_embedding_loss",
        lambda F, a, b: F.cosine_embedding_loss(a, b, minigrad.tensor([1.0, -1.0]), margin=-1.0),
        lambda r: [r.standard_normal((2, 3)), r.standard_normal((2, 3))],
    ),
    (
        "poisson_nll_loss",
        lambda F, x: F.poisson_nll_loss(x, minigrad.tensor([[0.0, 1.0, 3.0]]), full=True),
        lambda r: [r.standard_normal((1, 3))],
    ),
    (
        "multilabel_soft_margin_loss",
        lambda F, x: F.multilabel_soft_margin_loss(x, minigrad.tensor([[0.0, 1.0, 0.3]])),
        lambda r: [r.standard_normal((1, 3))],
    ),
]


@pytest.mark.parametrize("name, func, inputs", GRADCHECKS, ids=[row[0] for row in GRADCHECKS])
def test_first_and_second_derivatives_by_central_differences(name, func, inputs):
    from minigrad.testing.gradcheck import gradcheck, gradgradcheck

    xs = [minigrad.tensor(a, requires_grad=True) for a in inputs(np.random.default_rng(3))]
    assert gradcheck(lambda *t: func(nn.functional, *t), xs)
    assert gradgradcheck(lambda *t: func(nn.functional, *t), xs)


# -- compiled graphs replay on new values ------------------------------------------------------
def _labels(rng, shape, classes):
    return minigrad.tensor(rng.integers(0, classes, shape))


REPLAYS = [
    (
        "grid_sample",
        lambda x, g: nn.functional.grid_sample(x, g, align_corners=False),
        lambda r: [
            minigrad.tensor(r.standard_normal((1, 2, 3, 4))),
            minigrad.tensor(r.uniform(-1.2, 1.2, (1, 2, 3, 2))),
        ],
    ),
    (
        "multi_margin_loss",
        lambda x, y: nn.functional.multi_margin_loss(x, y, p=2),
        lambda r: [minigrad.tensor(r.standard_normal((4, 3))), _labels(r, 4, 3)],
    ),
    (
        "max_unpool2d",
        lambda x: nn.functional.max_unpool2d(
            *nn.functional.max_pool2d(x, 2, return_indices=True), 2
        ),
        lambda r: [minigrad.tensor(r.standard_normal((1, 2, 4, 4)))],
    ),
    (
        "instance_norm_lrn",
        lambda x: nn.functional.local_response_norm(nn.functional.instance_norm(x), 3),
        lambda r: [minigrad.tensor(r.standard_normal((2, 3, 5)))],
    ),
    (
        "gaussian_nll_loss",
        lambda x, v: nn.functional.gaussian_nll_loss(x, x * 0.5, v, reduction="none"),
        lambda r: [minigrad.tensor(r.standard_normal((3, 2))), minigrad.tensor(r.random((3, 2)))],
    ),
]


@pytest.mark.parametrize("name, func, inputs", REPLAYS, ids=[row[0] for row in REPLAYS])
def test_compiled_graph_replays_on_new_values(name, func, inputs):
    """The indices these compositions compute from their inputs are part of the graph: a
    replay with new values gives what eager mode gives for them."""
    from minigrad import static

    compiled = static.compile(func)
    compiled(*inputs(np.random.default_rng(0)))
    xs = inputs(np.random.default_rng(1))
    np.testing.assert_allclose(compiled(*xs).numpy(), func(*xs).numpy(), rtol=1e-12)
    assert compiled.traces == 1


def test_new_activation_and_loss_errors_as_pytorch():
    for lib, match in ((torch, None), (minigrad, "margin")):
        with pytest.raises(ValueError, match=match):
            lib.nn.TripletMarginLoss(margin=-1.0)
    for lib, match in ((torch, None), (minigrad, "3D or 4D")):
        with pytest.raises(ValueError, match=match):
            lib.nn.Softmax2d()(lib.ones(2, 2))
    for lib, match in ((torch, None), (minigrad, "1-D or all 2-D")):
        with pytest.raises(RuntimeError, match=match):
            lib.nn.functional.triplet_margin_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(3))
