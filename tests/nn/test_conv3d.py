"""nn.Conv3d, nn.MaxPool3d, nn.AvgPool3d and their functions against PyTorch: outputs and
gradients with the same weights (groups too), unbatched inputs, printing, the argument checks
all convolutions and pools share, max_pool3d's indices and max_unpool3d (the op table checks
the functions' gradients, double gradients, static graphs and the simulated GPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad

RNG = np.random.default_rng(0)


def _same_conv(kwargs, channels=(3, 4)):
    ours = minigrad.nn.Conv3d(*channels, **kwargs).double()
    theirs = torch.nn.Conv3d(*channels, **kwargs).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        if theirs.bias is not None:
            theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    return ours, theirs


@pytest.mark.parametrize(
    "kwargs, channels",
    [
        ({"kernel_size": 3}, (3, 4)),
        ({"kernel_size": (1, 3, 2), "stride": 2, "padding": (0, 1, 1), "bias": False}, (3, 4)),
        ({"kernel_size": 3, "padding": "same", "dilation": (2, 1, 1)}, (3, 4)),
        ({"kernel_size": (2, 3, 2), "padding": 1, "groups": 2}, (4, 6)),
        ({"kernel_size": 3, "stride": (1, 2, 1), "groups": 3, "bias": False}, (3, 6)),  # depthwise
    ],
)
def test_conv3d_module_equals_torch(kwargs, channels):
    ours, theirs = _same_conv(kwargs, channels)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((2, channels[0], 5, 6, 6))
    a, b = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    ya.square().sum().backward()
    yb.square().sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-12
    )
    unbatched = ours(minigrad.tensor(x[0])).detach().numpy()
    np.testing.assert_allclose(unbatched, yb[0].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_conv3d_input_gradient_of_windows_larger_than_the_cache_equals_torch():
    # 2 * 8 * 10^3 windows of 27 float64 values: 3.5 MB, folded back through a transpose done
    # a chunk of windows at a time (16,000 windows, 1,213 a chunk: the last one shorter)
    ours, theirs = _same_conv({"kernel_size": 3, "padding": 1}, (8, 4))
    x = RNG.standard_normal((2, 8, 10, 10, 10))
    a, b = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = RNG.standard_normal((2, 4, 10, 10, 10))
    (ours(a) * minigrad.tensor(g)).sum().backward()
    (theirs(b) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("MaxPool3d", {"kernel_size": 2}),
        ("MaxPool3d", {"kernel_size": 3, "stride": (1, 2, 2), "padding": 1, "dilation": 1}),
        ("AvgPool3d", {"kernel_size": 2, "stride": 1}),
        ("AvgPool3d", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ],
)
def test_pool3d_modules_equal_torch(name, kwargs):
    ours, theirs = getattr(minigrad.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((2, 3, 5, 6, 7))
    for shaped in (x, x[0]):  # batched and unbatched
        a, b = minigrad.tensor(shaped, requires_grad=True), torch.tensor(shaped, requires_grad=True)
        ya, yb = ours(a), theirs(b)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12)
        w = RNG.standard_normal(tuple(yb.shape))
        (ya * minigrad.tensor(w)).sum().backward()
        (yb * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda F, x: F.max_pool3d(x, 2, padding=2), RuntimeError, "at most half"),
        (lambda F, x: F.conv3d(x, x.new_zeros(2, 3, 2, 2, 2)[:, :2]), RuntimeError, "channels"),
        (lambda F, x: F.conv3d(x[0, 0], x.new_zeros(2, 3, 2, 2, 2)), RuntimeError, "4-D"),
        # groups: the channels must divide, and the weight holds C / groups of them
        (lambda F, x: F.conv3d(x, x.new_zeros(4, 1, 2, 2, 2), groups=2), RuntimeError, "groups"),
        (lambda F, x: F.conv3d(x, x.new_zeros(3, 2, 2, 2, 2), groups=3), RuntimeError, "expects 6"),
        # PyTorch's limit on pooling's padding is half the kernel, whatever the dilation
        (lambda F, x: F.max_pool3d(x, 3, padding=2, dilation=2), RuntimeError, "at most half"),
        (lambda F, x: F.avg_pool3d(x, 2, divisor_override=0), RuntimeError, "not zero"),
        (lambda F, x: F.avg_pool2d(x[0], 2, divisor_override=0), RuntimeError, "not zero"),
        (lambda F, x: F.max_pool3d(x, 2, stride=(1.5, 1, 1)), TypeError, "stride"),
    ],
)
def test_errors_as_torch(call, error, message):
    x = minigrad.zeros(1, 3, 4, 4, 4)
    with pytest.raises(error, match=message):
        call(minigrad.nn.functional, x)
    with pytest.raises(error):
        call(torch.nn.functional, torch.zeros(1, 3, 4, 4, 4))


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.conv2d(x, x.new_ones(2, 3, 3, 3), stride=(2,), dilation=[1]),
        lambda F, x: F.conv3d(x.unsqueeze(2), x.new_ones(2, 3, 1, 3, 3), padding=(1,)),
        lambda F, x: F.max_pool2d(x, (3,), stride=(2,), padding=(1,)),
        lambda F, x: F.avg_pool3d(x.unsqueeze(2), (1,), stride=(1, 2, 2)),
    ],
)
def test_a_single_value_stands_for_every_dim_as_in_torch(call):
    x = RNG.standard_normal((2, 3, 6, 7))
    ours = call(minigrad.nn.functional, minigrad.tensor(x)).numpy()
    np.testing.assert_allclose(ours, call(torch.nn.functional, torch.tensor(x)).numpy())


def test_a_compiled_conv3d_saves_and_loads(tmp_path):
    """The 3-D geometry (three ints a field) survives graph.save and static.load."""
    x, w = (minigrad.tensor(RNG.standard_normal(s)) for s in ((1, 4, 4, 5, 5), (2, 2, 3, 3, 3)))
    graph = minigrad.static.trace(
        lambda x: minigrad.nn.functional.conv3d(x, w, stride=(1, 2, 1), groups=2), x
    )
    graph.save(tmp_path / "conv3d.mgraph")
    loaded = minigrad.static.load(tmp_path / "conv3d.mgraph")
    expected = minigrad.nn.functional.conv3d(x, w, stride=(1, 2, 1), groups=2)
    np.testing.assert_array_equal(loaded(x).numpy(), expected.numpy())


def _with_edges(kind):
    """A (2, 3, 5, 6, 7) volume: random, rounded (ties), a corner of -inf, or 10% nan."""
    a = np.random.default_rng(2).standard_normal((2, 3, 5, 6, 7)).astype(np.float32)
    if kind == "ties":
        a = np.round(a)
    elif kind == "-inf":
        a[:, :, :3, :3, :3] = -np.inf  # windows that hold nothing above the padding
    elif kind == "nan":
        a[np.random.default_rng(3).random(a.shape) < 0.1] = np.nan
    return a


@pytest.mark.parametrize("kind", ["random", "ties", "-inf", "nan"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": (2, 3, 2), "stride": (1, 2, 1), "padding": (1, 1, 0), "ceil_mode": True},
        {"kernel_size": 2, "dilation": 2, "padding": 1},
    ],
)
def test_max_pool3d_indices_are_pytorchs(kwargs, kind):
    a = _with_edges(kind)
    for x in (a, a[0]):  # batched and unbatched
        y, index = minigrad.nn.functional.max_pool3d(
            minigrad.tensor(x), return_indices=True, **kwargs
        )
        ty, tindex = torch.nn.functional.max_pool3d(torch.tensor(x), return_indices=True, **kwargs)
        assert index.dtype == minigrad.int64 and index.shape == tuple(tindex.shape)
        np.testing.assert_array_equal(index.numpy(), tindex.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_max_pool3d_layer_returns_indices_that_max_unpool3d_undoes():
    x = minigrad.tensor(RNG.random((2, 3, 4, 6, 4)) + 0.1, requires_grad=True)  # above 0
    y, index = minigrad.nn.MaxPool3d(2, return_indices=True)(x)
    assert not index.requires_grad
    back = minigrad.nn.MaxUnpool3d(2)(y, index)
    again, _ = minigrad.nn.functional.max_pool3d(back, 2, return_indices=True)
    np.testing.assert_array_equal(again.detach().numpy(), y.detach().numpy())
    assert (back.detach().numpy() != 0).sum() == y.numel()
    back.sum().backward()  # the gradient reaches each window's max once
    assert x.grad.numpy().sum() == y.numel()


def test_max_pool3d_indices_replay_in_a_compiled_function():
    def pool(x):
        return minigrad.nn.functional.max_pool3d(x, 2, return_indices=True)[1]

    compiled = minigrad.static.compile(pool, fullgraph=True)
    for seed in (0, 1):  # traced on the first, replayed on the second
        x = np.random.default_rng(seed).standard_normal((1, 2, 4, 4, 4)).astype(np.float32)
        want = torch.nn.functional.max_pool3d(torch.tensor(x), 2, return_indices=True)[1]
        np.testing.assert_array_equal(compiled(minigrad.tensor(x)).numpy(), want.numpy())
