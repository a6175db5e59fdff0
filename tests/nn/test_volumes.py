"""The volumetric layers and resampling of the features13 issue against PyTorch: transposed 3-D
convolution, 3-D adaptive pooling, 5-D affine_grid and grid_sample, and antialiased
interpolate; outputs and gradients (float64 and float32), the layers trained a few steps from
PyTorch's weights, errors of PyTorch's type, compiled and on the simulated GPU."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch
from test_more_layers import _compare
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

TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}


# -- conv_transpose3d ---------------------------------------------------------------------------
CONV_TRANSPOSE = [
    ("groups_stride_output_padding", (2, 4, 3, 2, 3), (4, 3, 2, 3, 2), True, (2, 1, 1, 2, 1)),
    # output_padding at or past the stride, which a larger dilation allows
    (
        "dilation_output_padding",
        (1, 2, 3, 3, 2),
        (2, 3, 2, 2, 2),
        False,
        ((1, 2, 1), (2, 0, 1), (2, 1, 0), 1, (3, 1, 2)),
    ),
    ("unbatched_padding", (2, 3, 4, 2), (2, 1, 3, 3, 2), True, (1, (1, 1, 0), 0, 1, 1)),
    ("empty_batch", (0, 2, 3, 3, 3), (2, 3, 2, 2, 2), False, (2, 0, 0, 1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "name, x_shape, w_shape, bias, args", CONV_TRANSPOSE, ids=[c[0] for c in CONV_TRANSPOSE]
)
def test_conv_transpose3d_matches_pytorch(name, x_shape, w_shape, bias, args, dtype):
    stride, padding, output_padding, groups, dilation = args
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)]
    if bias:
        arrays.append(rng.standard_normal(w_shape[1] * groups))
    _compare(
        lambda lib, *xs: lib.nn.functional.conv_transpose3d(
            *xs,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            dilation=dilation,
        ),
        arrays,
        dtype,
        rtol=TOLERANCE[dtype],
        atol=TOLERANCE[dtype],
    )


def test_conv_transpose3d_float16_rounds_once_as_pytorch():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 3, 3, 4, 3)), rng.standard_normal((3, 2, 3, 3, 3))
    ours = minigrad.nn.functional.conv_transpose3d(
        minigrad.tensor(x).half(), minigrad.tensor(w).half(), stride=2
    )
    theirs = torch.nn.functional.conv_transpose3d(
        torch.tensor(x).half(), torch.tensor(w).half(), stride=2
    )
    assert ours.dtype == minigrad.float16
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


CONV_TRANSPOSE_ERRORS = [
    (
        "output_padding",
        lambda t: t.randn(1, 2, 3, 3, 3),
        (2, 3, 2, 2, 2),
        dict(stride=2, output_padding=2),
    ),
    ("too_small", lambda t: t.randn(1, 2, 3, 3, 3), (2, 3, 2, 2, 2), dict(padding=3)),
    ("channels", lambda t: t.randn(1, 3, 3, 3, 3), (2, 3, 2, 2, 2), {}),
    ("groups", lambda t: t.randn(1, 2, 3, 3, 3), (2, 3, 2, 2, 2), dict(groups=3)),
    ("input_dims", lambda t: t.randn(2, 3, 3), (2, 3, 2, 2, 2), {}),
]


@pytest.mark.parametrize(
    "name, make_input, w_shape, kwargs",
    CONV_TRANSPOSE_ERRORS,
    ids=[e[0] for e in CONV_TRANSPOSE_ERRORS],
)
def test_conv_transpose3d_errors_as_pytorch(name, make_input, w_shape, kwargs):
    for lib in (torch, minigrad):
        with pytest.raises(RuntimeError):
            lib.nn.functional.conv_transpose3d(make_input(lib), lib.randn(*w_shape), **kwargs)


LAYERS = [
    (
        "ConvTranspose3d",
        lambda m: m.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        _normal(2, 4, 3, 2, 3),
    ),
    (
        "ConvTranspose3d_nobias_unbatched",
        lambda m: m.ConvTranspose3d(2, 3, (2, 1, 3), bias=False),
        _normal(2, 3, 2, 4),
    ),
    ("AdaptiveAvgPool3d", lambda m: m.AdaptiveAvgPool3d((3, None, 2)), _normal(2, 3, 7, 4, 5)),
    (
        "AdaptiveMaxPool3d",
        lambda m: m.AdaptiveMaxPool3d(2, return_indices=True),
        _normal(3, 5, 4, 6),
    ),
]


@pytest.mark.parametrize("name, make, make_inputs", LAYERS, ids=[layer[0] for layer in LAYERS])
def test_layer_matches_pytorch(name, make, make_inputs):
    check_against_torch(make, make_inputs)
    assert repr(make(nn)) == repr(make(torch.nn))


def test_conv_transpose3d_output_size_as_pytorch():
    """forward(input, output_size) picks the output_padding, from the last three sizes; one
    out of reach is PyTorch's ValueError."""
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose3d(2, 3, 3, stride=(2, 3, 2), padding=1).double()
    ours = nn.ConvTranspose3d(2, 3, 3, stride=(2, 3, 2), padding=1).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4, 3))
    for size in [(6, 10, 6), (1, 3, 5, 12, 5)]:
        expected = theirs(torch.tensor(x), output_size=size).detach().numpy()
        got = ours(minigrad.tensor(x), output_size=size).detach().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for model, lib in ((theirs, torch), (ours, minigrad)):
        with pytest.raises(ValueError):
            model(lib.tensor(x), output_size=(7, 10, 6))


# -- adaptive pooling -----------------------------------------------------------------------------
ADAPTIVE = [
    ("uneven", (2, 3, 7, 5, 6), (3, 2, 4)),
    ("keep_a_size_unbatched", (3, 7, 5, 6), (3, None, 4)),
    ("equal_windows", (2, 3, 8, 6, 4), (4, 2, 2)),
    ("global", (1, 2, 5, 5, 5), 1),
    ("larger_output", (1, 2, 3, 4, 5), (5, 6, 7)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pool", ["adaptive_avg_pool3d", "adaptive_max_pool3d"])
@pytest.mark.parametrize("name, shape, size", ADAPTIVE, ids=[a[0] for a in ADAPTIVE])
def test_adaptive_pool3d_matches_pytorch(name, shape, size, pool, dtype):
    x = np.random.default_rng(0).standard_normal(shape)
    tol = TOLERANCE[dtype]
    _compare(lambda lib, x: getattr(lib.nn.functional, pool)(x, size), [x], dtype, tol, tol)


def test_adaptive_max_pool3d_indices_and_nan_as_pytorch():
    """The flat D * H * W index of each window's pick: the first maximum, or the last nan."""
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 4, 6))
    x[0, 0, 0, 0, :2] = np.nan
    x[1, 1, 2:4, 1:3, 3] = 10.0  # ties
    ours = nn.functional.adaptive_max_pool3d(minigrad.tensor(x), (3, 2, 4), return_indices=True)
    theirs = torch.nn.functional.adaptive_max_pool3d(torch.tensor(x), (3, 2, 4), True)
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_adaptive_avg_pool_keeps_a_nan_in_its_own_windows(dims):
    """A nan reaches only the windows that hold it, as PyTorch's sums; the averaging matrix
    product that pooled uneven windows before spread it to every window of its column."""
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 7, 6)[: dims + 2])
    x[(0, 0) + (0,) * dims] = np.nan
    size = (2, 3, 4)[:dims]
    pool = f"adaptive_avg_pool{dims}d"
    ours = getattr(nn.functional, pool)(minigrad.tensor(x), size).numpy()
    theirs = getattr(torch.nn.functional, pool)(torch.tensor(x), size).numpy()
    assert np.isnan(ours).sum() == np.isnan(theirs).sum() == 1
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("pool", ["adaptive_avg_pool3d", "adaptive_max_pool3d"])
def test_adaptive_pool3d_errors_as_pytorch(pool):
    for lib in (torch, minigrad):
        f = getattr(lib.nn.functional, pool)
        for shape in [(2, 3, 4), (1, 2, 0, 3, 4)]:  # too few dims; an empty volume
            with pytest.raises(RuntimeError):
                f(lib.ones(*shape), 2)
    empty = getattr(nn.functional, pool)(minigrad.ones(1, 2, 3, 3, 4), (0, 2, 2))
    assert tuple(empty.shape) == (1, 2, 0, 2, 2)


def test_interpolate_area_of_a_volume_as_pytorch():
    x = np.random.default_rng(3).standard_normal((1, 2, 5, 6, 4))
    _compare(lambda lib, x: lib.nn.functional.interpolate(x, size=(2, 3, 3), mode="area"), [x])


# -- affine_grid and grid_sample of volumes --------------------------------------------------------
def _sample(lib, x, theta, size, mode, padding_mode, align_corners):
    grid = lib.nn.functional.affine_grid(theta, size, align_corners=align_corners)
    return lib.nn.functional.grid_sample(
        x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "mode, padding_mode, align_corners",
    list(
        itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True])
    ),
)
def test_volume_transformer_matches_pytorch(mode, padding_mode, align_corners, dtype):
    """Values and the gradients of the input and of theta (through the grid); the maps move
    points outside the volume too, and one output has a depth of 1."""
    rng = np.random.default_rng(0)
    tol = TOLERANCE[dtype]
    for size in [(2, 3, 4, 5, 3), (2, 3, 1, 4, 2)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the size-1 grid's warning, tested below
            _compare(
                lambda lib, x, t, size=size: _sample(
                    lib, x, t, size, mode, padding_mode, align_corners
                ),
                [rng.standard_normal((2, 3, 3, 4, 5)), rng.standard_normal((2, 3, 4)) * 0.9],
                dtype,
                rtol=tol,
                atol=tol,
                grads=[0, 1] if mode == "bilinear" else [0],
            )


@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_volume_transform_takes_pytorchs_side_of_each_kink(align_corners):
    """An identity theta puts every float32 grid point on a voxel centre, where trilinear
    sampling has a kink: the index is rounded as PyTorch's 3-D kernel rounds it."""
    theta = np.array([[[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]] * 2)
    x = np.random.default_rng(4).standard_normal((2, 2, 5, 6, 7))
    _compare(
        lambda lib, x, t: _sample(lib, x, t, (2, 2, 5, 6, 7), "bilinear", "zeros", align_corners),
        [x, theta],
        np.float32,
        rtol=1e-5,
        atol=1e-4,  # NOTE: theta's gradient sums hundreds of float32 terms
    )


def test_affine_grid_of_volumes_checks_and_warns_as_pytorch():
    for lib in (torch, minigrad):
        with pytest.raises(ValueError, match="Nx3x4"):
            lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 2, 3, 4), align_corners=False)
        with pytest.raises(ValueError, match="positive"):
            lib.nn.functional.affine_grid(lib.zeros(1, 3, 4), (1, 1, 0, 3, 4), align_corners=False)
        with pytest.warns(UserWarning, match="1.3.0"):
            lib.nn.functional.affine_grid(lib.zeros(1, 3, 4), (1, 1, 1, 3, 4), align_corners=True)
    with pytest.raises(RuntimeError, match="grid"):  # a 2-D grid for a volume
        nn.functional.grid_sample(
            minigrad.zeros(1, 1, 2, 2, 2), minigrad.zeros(1, 2, 2, 2), align_corners=False
        )


# -- antialiased interpolate ---------------------------------------------------------------------
ANTIALIAS = [
    ("size", (2, 3, 13, 17), dict(size=(5, 4))),
    ("scale_factor", (1, 2, 9, 10), dict(scale_factor=0.35)),
    ("down_and_up", (1, 2, 9, 10), dict(scale_factor=(0.5, 1.7))),
    ("recompute", (1, 2, 9, 10), dict(scale_factor=0.35, recompute_scale_factor=True)),
    ("far_down", (1, 1, 40, 30), dict(size=(3, 7))),
    ("up", (1, 1, 4, 5), dict(size=(11, 5))),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("name, shape, kwargs", ANTIALIAS, ids=[a[0] for a in ANTIALIAS])
def test_antialiased_interpolate_matches_pytorch(name, shape, kwargs, mode, align_corners, dtype):
    x = np.random.default_rng(5).standard_normal(shape)
    tol = TOLERANCE[dtype]
    _compare(
        lambda lib, x: lib.nn.functional.interpolate(
            x, mode=mode, align_corners=align_corners, antialias=True, **kwargs
        ),
        [x],
        dtype,
        rtol=tol,
        atol=tol,
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialiased_interpolate_of_bytes_is_pytorchs_within_one(mode):
    """uint8 images: blended in float, rounded and saturated (PyTorch's fixed-point weights
    leave a few pixels one apart, as without antialias)."""
    x = np.random.default_rng(6).integers(0, 256, (1, 3, 20, 23)).astype(np.uint8)
    ours = nn.functional.interpolate(minigrad.tensor(x), (7, 9), mode=mode, antialias=True)
    theirs = torch.nn.functional.interpolate(torch.tensor(x), (7, 9), mode=mode, antialias=True)
    assert ours.dtype == minigrad.uint8
    assert np.abs(ours.numpy().astype(int) - theirs.numpy().astype(int)).max() <= 1


def test_antialias_is_refused_where_pytorch_refuses_it():
    for lib in (torch, minigrad):
        for shape, mode in [((1, 1, 8), "linear"), ((1, 1, 8, 8), "nearest")]:
            with pytest.raises(ValueError, match="Anti-alias"):
                lib.nn.functional.interpolate(lib.ones(*shape), 4, mode=mode, antialias=True)


# -- compiled and on the simulated GPU ---------------------------------------------------------
class VolumeNet(nn.Module):
    """Every new op in one model: a transposed convolution, both adaptive pools, a learned 3-D
    warp and an antialiased resize of one slice."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose3d(2, 3, 2, stride=2)
        self.avg = nn.AdaptiveAvgPool3d((3, 2, 5))
        self.max = nn.AdaptiveMaxPool3d((2, 3, 2))
        self.loc = nn.Linear(3 * 2 * 3 * 2, 12)

    def forward(self, x):
        y = self.up(x)
        theta = self.loc(self.max(y).flatten(1)).reshape(-1, 3, 4)
        grid = nn.functional.affine_grid(theta, y.shape, align_corners=False)
        warped = nn.functional.grid_sample(y, grid, align_corners=False)
        small = nn.functional.interpolate(
            warped[:, :, 0], size=(3, 2), mode="bilinear", antialias=True
        )
        return self.avg(warped).flatten(1).sum(1) + small.flatten(1).sum(1)


@pytest.mark.usefixtures("fake_cuda")
def test_volume_model_compiles_and_runs_on_simulated_cuda():
    from minigrad import static

    eager = _forward_backward(*_model_and_input(VolumeNet, (2, 2, 3, 4, 5)))
    model, x = _model_and_input(VolumeNet, (2, 2, 3, 4, 5))
    compiled = static.compile(model)
    compiled(x)
    for a, b in zip(_forward_backward(model, x, compiled), eager):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    model, x = _model_and_input(VolumeNet, (2, 2, 3, 4, 5), "cuda")
    for a, b in zip(_forward_backward(model, x), eager):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
