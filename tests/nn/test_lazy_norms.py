"""LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d, LazyConvTranspose1d/2d/3d and
UninitializedBuffer against PyTorch: d2l's ResNet block built of LazyConv2d and LazyBatchNorm2d
trains as PyTorch's, and the printing, state dicts, `.to`, state-dict loading and errors before
and after the first call match."""

import numpy as np
import pytest
import torch

import minigrad
import minigrad.nn as nn


class _Residual:
    """d2l's ResNet block (chapter 8.6), built in either library: conv-bn-relu-conv-bn, a 1x1
    convolution on the shortcut, relu."""

    def __init__(self, lib, channels):
        self.lib, n = lib, lib.nn
        self.conv1 = n.LazyConv2d(channels, kernel_size=3, padding=1).double()
        self.conv2 = n.LazyConv2d(channels, kernel_size=3, padding=1).double()
        self.conv3 = n.LazyConv2d(channels, kernel_size=1).double()
        self.bn1, self.bn2 = n.LazyBatchNorm2d().double(), n.LazyBatchNorm2d().double()
        self.net = n.ModuleList([self.conv1, self.conv2, self.conv3, self.bn1, self.bn2])

    def __call__(self, x):
        F = self.lib.nn.functional
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.conv3(x))


def test_d2l_residual_block_of_lazy_layers_trains_as_pytorch():
    ours, theirs = _Residual(minigrad, 4), _Residual(torch, 4)
    assert repr(ours.net) == repr(theirs.net)
    assert list(ours.net.state_dict()) == list(theirs.net.state_dict())
    # optimizers built before the first call, as d2l's trainer does
    opt = minigrad.optim.SGD(ours.net.parameters(), lr=0.05, momentum=0.9)
    topt = torch.optim.SGD(theirs.net.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 6, 6))
    ours(minigrad.tensor(x)), theirs(torch.tensor(x))  # materialize
    assert type(ours.bn1) is nn.BatchNorm2d and repr(ours.net) == repr(theirs.net)
    saved = theirs.net.state_dict()
    ours.net.load_state_dict({k: v.numpy() for k, v in saved.items()})
    for _ in range(3):
        x = rng.standard_normal((4, 3, 6, 6))
        for lib, model, o in ((minigrad, ours, opt), (torch, theirs, topt)):
            o.zero_grad()
            (model(lib.tensor(x)) ** 2).mean().backward()
            o.step()
    ours.net.eval(), theirs.net.eval()
    x = rng.standard_normal((2, 3, 6, 6))
    np.testing.assert_allclose(
        ours(minigrad.tensor(x)).detach().numpy(),
        theirs(torch.tensor(x)).detach().numpy(),
        rtol=1e-10,
        atol=1e-12,
    )
    ours_state, theirs_state = ours.net.state_dict(), theirs.net.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key, value in theirs_state.items():
        np.testing.assert_allclose(ours_state[key].numpy(), value.numpy(), rtol=1e-10, atol=1e-12)
    assert int(ours.bn1.num_batches_tracked) == 4


def _state(module):
    """The state dict as text: names, shapes and the values of the known-size entries."""
    out = []
    for key, value in module.state_dict().items():
        shown = "uninitialized" if type(value).__name__.startswith("Uninit") else value.tolist()
        out.append((key, tuple(value.shape) if shown != "uninitialized" else "?", shown))
    return out


@pytest.mark.parametrize(
    "make",
    [
        lambda n: n.LazyBatchNorm1d(),
        lambda n: n.LazyBatchNorm2d(eps=1e-3, momentum=None),
        lambda n: n.LazyBatchNorm3d(affine=False),
        lambda n: n.LazyBatchNorm2d(track_running_stats=False),
        lambda n: n.LazyBatchNorm2d(affine=False, track_running_stats=False),
        lambda n: n.LazyBatchNorm1d(bias=False),
        lambda n: n.LazyInstanceNorm1d(),
        lambda n: n.LazyInstanceNorm2d(affine=False, momentum=0.5),
        lambda n: n.LazyInstanceNorm3d(track_running_stats=False),
    ],
)
def test_lazy_batch_norms_print_and_hold_state_as_pytorch(make):
    ours, theirs = make(nn).double(), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert [k for k, *_ in _state(ours)] == [k for k, *_ in _state(theirs)]
    # NOTE: minigrad's uninitialized tensors are empty; only num_batches_tracked has a value
    tracked = [(k, v) for k, _, v in _state(theirs) if v != "uninitialized"]
    assert [(k, v) for k, _, v in _state(ours) if k in dict(tracked)] == tracked
    for name in ("weight", "bias", "running_mean", "running_var"):
        assert type(getattr(ours, name)).__name__ == type(getattr(theirs, name)).__name__
    lazy = theirs.has_uninitialized_params()
    assert ours.has_uninitialized_params() == lazy
    dims = {"1d": 3, "2d": 4, "3d": 5}[type(theirs).__name__[-2:]]
    ours.train(), theirs.train()
    x = np.random.default_rng(1).standard_normal((4, 3, 2, 2, 2)[:dims])
    y, ty = ours(minigrad.tensor(x)), theirs(torch.tensor(x))
    # (PyTorch leaves num_features at 0 when nothing was lazy, and so does minigrad)
    assert type(ours).__name__ == type(theirs).__name__ and repr(ours) == repr(theirs)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-10)


def test_uninitialized_buffer_materializes_in_place_and_to_keeps_it_lazy():
    ours, theirs = nn.LazyBatchNorm2d().to(minigrad.float64), torch.nn.LazyBatchNorm2d()
    theirs = theirs.to(torch.float64)
    buffer = ours.running_mean
    assert type(buffer) is nn.UninitializedBuffer and repr(buffer) == repr(theirs.running_mean)
    assert buffer.dtype == minigrad.float64 and not buffer.requires_grad
    assert ours.weight.dtype == minigrad.float64
    ours(minigrad.ones(2, 3, 2, 2, dtype=minigrad.float64))
    assert ours.running_mean is buffer and type(buffer) is minigrad.Tensor
    assert buffer.shape == (3,) and buffer.dtype == minigrad.float64
    standalone = nn.UninitializedBuffer()
    assert standalone.dtype == minigrad.float32 and not standalone.requires_grad
    standalone.materialize((2, 5))
    assert type(standalone) is minigrad.Tensor and standalone.shape == (2, 5)


def test_lazy_batch_norm_loads_a_state_dict_and_initialize_parameters():
    saved = torch.nn.BatchNorm2d(5)
    saved(torch.randn(4, 5, 3, 3))
    ours = nn.Sequential(nn.LazyConv2d(5, 1), nn.LazyBatchNorm2d())
    ours.load_state_dict(
        {
            **{f"0.{k}": v.numpy() for k, v in torch.nn.Conv2d(2, 5, 1).state_dict().items()},
            **{f"1.{k}": v.numpy() for k, v in saved.state_dict().items()},
        }
    )
    # as PyTorch's: lazy until the next call, with num_features still 0 (and then too)
    assert type(ours[1]) is nn.LazyBatchNorm2d and ours[1].num_features == 0
    assert not ours[1].has_uninitialized_params()
    for key, value in saved.state_dict().items():
        np.testing.assert_allclose(ours[1].state_dict()[key].numpy(), value.numpy(), rtol=1e-6)
    # a lazy state dict (PyTorch's loads into a lazy module and leaves it lazy)
    lazy = nn.LazyBatchNorm2d()
    lazy.load_state_dict(nn.LazyBatchNorm2d().state_dict())
    assert type(lazy) is nn.LazyBatchNorm2d and lazy.has_uninitialized_params()
    layer = nn.LazyBatchNorm1d(affine=False)
    layer.initialize_parameters(minigrad.ones(2, 7))
    assert layer.num_features == 7 and layer.running_var.tolist() == [1.0] * 7
    assert type(layer) is nn.LazyBatchNorm1d  # until its next call, as PyTorch's
    layer(minigrad.ones(2, 7))
    assert type(layer) is nn.BatchNorm1d and layer.num_features == 7


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda n: n.LazyBatchNorm2d(), (2, 3)),
        (lambda n: n.LazyBatchNorm1d(), (2, 3, 4, 5)),
        (lambda n: n.LazyBatchNorm3d(), (2, 3, 4, 5)),
        (lambda n: n.LazyInstanceNorm2d(), (2, 3)),
    ],
)
def test_lazy_batch_norm_errors_as_pytorch(make, shape):
    """The wrong number of dims: PyTorch's ValueError, after the layer took dim 1's size; no dim
    1: PyTorch's IndexError."""
    ours, theirs = make(nn), make(torch.nn)
    with pytest.raises(ValueError) as error:
        ours(minigrad.ones(*shape))
    with pytest.raises(ValueError):
        theirs(torch.ones(*shape))
    assert type(theirs).__name__ in str(error.value) and str(len(shape)) in str(error.value)
    assert repr(ours) == repr(theirs) and type(ours).__name__ == type(theirs).__name__
    with pytest.raises(IndexError):  # PyTorch's: its lazy norms index dim 1
        make(torch.nn)(torch.ones(3))
    with pytest.raises(IndexError, match=r"expected an input with channels at dim 1, got shape"):
        make(nn)(minigrad.ones(3))


def test_batch_norm_3d_matches_pytorch():
    ours = nn.BatchNorm3d(2, momentum=0.3).double()
    theirs = torch.nn.BatchNorm3d(2, momentum=0.3).double()
    x = np.random.default_rng(2).standard_normal((3, 2, 2, 3, 2))
    for train in (True, True, False):
        ours.train(train), theirs.train(train)
        y, ty = ours(minigrad.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    assert repr(ours) == repr(theirs)
