"""Mixed precision: GradScaler step for step against PyTorch's (skips, backoff, growth, state
dicts, errors), autocast's dtypes and values against PyTorch's CPU autocast (float16), and the
AMP tutorial's training loop with both libraries."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import minigrad


def _mlp(lib, seed=0):
    net = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 4))
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
    return net


def _scaler_run(lib, steps, inf_at, **kwargs):
    net = _mlp(lib)
    opt = lib.optim.SGD(net.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler("cpu", **kwargs)
    rng = np.random.default_rng(1)
    log = []
    for step in range(steps):
        x = lib.tensor(rng.standard_normal((5, 8)).astype(np.float32))
        loss = net(x).pow(2).mean()
        if step in inf_at:
            loss = loss * float("inf")
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        log.append((scaler.get_scale(), scaler._get_growth_tracker()))
    return log, [p.detach().numpy() for p in net.parameters()], scaler.state_dict()


# NOTE: the inf losses make inf * 0 = nan in backward, on purpose; NumPy warns about it
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_grad_scaler_follows_torch_step_for_step():
    kw = dict(init_scale=2.0**10, growth_factor=4.0, backoff_factor=0.25, growth_interval=3)
    got = _scaler_run(minigrad, 12, {2, 3, 9}, **kw)
    want = _scaler_run(torch, 12, {2, 3, 9}, **kw)
    assert got[0] == want[0]  # scales and growth trackers
    for g, w in zip(got[1], want[1]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    assert got[2] == want[2]


def test_skipped_step_leaves_parameters_unchanged():
    net = _mlp(minigrad)
    opt = minigrad.optim.SGD(net.parameters(), lr=0.1)
    scaler = minigrad.amp.GradScaler("cpu", init_scale=8.0)
    before = [p.detach().numpy().copy() for p in net.parameters()]
    scaler.scale(net(minigrad.ones(2, 8)).sum() * float("nan")).backward()
    assert scaler.step(opt) is None
    scaler.update()
    assert scaler.get_scale() == 4.0
    for b, p in zip(before, net.parameters()):
        np.testing.assert_array_equal(b, p.detach().numpy())


def test_unscale_then_clip_and_the_stage_errors_as_torch():
    for lib in (minigrad, torch):
        net = _mlp(lib)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=64.0)
        loss = net(lib.ones(2, 8)).sum()
        scaler.scale(loss).backward()
        g_scaled = net[0].weight.grad.clone()
        scaler.unscale_(opt)
        np.testing.assert_allclose(net[0].weight.grad.numpy(), g_scaled.numpy() / 64, rtol=1e-6)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            scaler.unscale_(opt)
        lib.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
            scaler.unscale_(opt)
        scaler.update()
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            scaler.step(opt, closure=lambda: None)
        opt.zero_grad()
        with pytest.raises(AssertionError, match="No inf checks were recorded for this optim"):
            scaler.step(opt)
        fresh = lib.amp.GradScaler("cpu")
        fresh.scale(lib.ones(1))
        with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
            fresh.update()


def test_state_dict_disabled_and_cuda_without_cuda_as_torch():
    for lib in (minigrad, torch):
        s = lib.amp.GradScaler("cpu", init_scale=32.0, growth_interval=5)
        t = lib.amp.GradScaler("cpu")
        t.load_state_dict(s.state_dict())
        assert t.state_dict() == s.state_dict() and t.get_scale() == 32.0
        off = lib.amp.GradScaler("cpu", enabled=False)
        x = lib.ones(2)
        assert off.scale(x) is x and off.get_scale() == 1.0 and off.state_dict() == {}
        with pytest.raises(RuntimeError, match="source state dict is empty"):
            s.load_state_dict({})
        with pytest.raises(AssertionError, match="growth factor must be > 1.0"):
            lib.amp.GradScaler("cpu", growth_factor=1.0)
        assert [y.dtype for y in s.scale([x, (x,)])[1]] == [x.dtype]
    if not minigrad.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
            assert not minigrad.amp.GradScaler("cuda").is_enabled()
    with pytest.warns(FutureWarning, match="torch.cuda.amp.GradScaler\\(args...\\)` is deprec"):
        from minigrad.cuda.amp import GradScaler

        GradScaler(enabled=False)


def test_autocast_dtypes_as_torch_cpu_float16():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 6, 6)).astype(np.float32)
    w_conv = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    w_lin = rng.standard_normal((5, 8)).astype(np.float32)
    results = []
    for lib in (minigrad, torch):
        conv = lib.nn.Conv2d(3, 2, 3)
        lin = lib.nn.Linear(8, 5)
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(w_conv))
            lin.weight.copy_(lib.tensor(w_lin))
            conv.bias.zero_()
            lin.bias.fill_(0.5)
        xt = lib.tensor(x)
        with lib.autocast("cpu", dtype=lib.float16):
            assert lib.is_autocast_enabled("cpu") and not lib.is_autocast_enabled()
            c = conv(xt)
            h = lin(c.reshape(4, -1)[:, :8])
            m = xt[0, 0] @ xt[0, 1]
            b = lib.bmm(xt[:, 0], xt[:, 1])
            s = h.softmax(1)
            ce = lib.nn.functional.cross_entropy(h, lib.tensor([0, 1, 2, 3]))
            mse = lib.nn.functional.mse_loss(h, lib.zeros(4, 5))
            with lib.autocast("cpu", enabled=False):
                off = xt[0, 0] @ xt[0, 1]
        assert not lib.is_autocast_enabled("cpu")
        outs = (c, h, m, b, s, ce, mse, off)
        results.append(outs)
    for g, w in zip(*results):
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
        np.testing.assert_allclose(
            g.detach().numpy().astype(np.float32),
            w.detach().numpy().astype(np.float32),
            rtol=2e-2,
            atol=2e-2,
        )
    assert str(results[0][0].dtype) == "minigrad.float16"


def test_autocast_gradients_reach_float32_parameters_and_decorator():
    lin = minigrad.nn.Linear(4, 3)

    @minigrad.autocast("cpu", dtype=minigrad.float16)
    def forward(x):
        return lin(x)

    y = forward(minigrad.ones(2, 4))
    assert y.dtype == minigrad.float16
    y.float().sum().backward()
    assert lin.weight.grad.dtype == minigrad.float32
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.full((3, 4), 2.0))
    assert lin(minigrad.ones(2, 4)).dtype == minigrad.float32  # outside the block


def test_autocast_errors_and_warnings():
    with pytest.raises(RuntimeError, match="minigrad has no bfloat16"):
        minigrad.autocast("cpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'xyz'"):
        minigrad.autocast("xyz")
    with pytest.warns(UserWarning, match="target dtype is not supported. Disabling autocast"):
        block = minigrad.autocast("cpu", dtype=minigrad.float64)
    with block:
        assert (minigrad.ones(2, 2) @ minigrad.ones(2, 2)).dtype == minigrad.float32
    if not minigrad.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            block = minigrad.autocast("cuda")
        with block:
            assert (minigrad.ones(2, 2) @ minigrad.ones(2, 2)).dtype == minigrad.float32
    with pytest.warns(FutureWarning, match="torch.cuda.amp.autocast\\(args...\\)` is deprecated"):
        minigrad.cuda.amp.autocast(enabled=False)


def _amp_tutorial(lib, steps=6):
    """PyTorch's "Automatic Mixed Precision" recipe, shrunk: autocast forward and loss, a
    scaled backward, scaler.step and scaler.update."""
    device = "cpu"
    net = lib.nn.Sequential(
        lib.nn.Linear(32, 64), lib.nn.ReLU(), lib.nn.Linear(64, 64), lib.nn.ReLU(),
        lib.nn.Linear(64, 8),
    )  # fmt: skip
    rng = np.random.default_rng(0)
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.15))
    data = [lib.tensor(rng.standard_normal((16, 32)).astype(np.float32)) for _ in range(steps)]
    targets = [lib.tensor(rng.standard_normal((16, 8)).astype(np.float32)) for _ in range(steps)]
    loss_fn = lib.nn.MSELoss()
    opt = lib.optim.SGD(net.parameters(), lr=0.01)
    scaler = lib.amp.GradScaler(device, init_scale=2.0**12, growth_interval=2)
    losses, dtypes = [], []
    for input, target in zip(data, targets):
        with lib.autocast(device_type=device, dtype=lib.float16):
            output = net(input)
            loss = loss_fn(output, target)
        dtypes.append((str(output.dtype).split(".")[-1], str(loss.dtype).split(".")[-1]))
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        losses.append(loss.item())
    return losses, dtypes, scaler.get_scale(), [p.detach().numpy() for p in net.parameters()]


def test_amp_tutorial_loop_matches_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning from either library in the recipe
        got = _amp_tutorial(minigrad)
        want = _amp_tutorial(torch)
    assert got[1] == want[1] == [("float16", "float32")] * 6
    np.testing.assert_allclose(got[0], want[0], rtol=1e-2)
    assert got[0][-1] < got[0][0]
    assert got[2] == want[2]
    for g, w in zip(got[3], want[3]):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-2, atol=2e-3)


def test_traces_and_compiled_functions_record_the_casts():
    from minigrad import static

    lin = minigrad.nn.Linear(3, 2)
    x = minigrad.randn(4, 3, requires_grad=True)
    compiled = minigrad.compile(lambda v: lin(v))
    assert compiled(x).dtype == minigrad.float32
    with minigrad.autocast("cpu", dtype=minigrad.float16):
        graph = static.trace(lambda v: lin(v).sum(), x)
        eager = lin(x)
        y = compiled(x)  # a specialisation of its own, with the casts
    assert "cast(" in str(graph) and y.dtype == minigrad.float16
    np.testing.assert_array_equal(y.detach().numpy(), eager.detach().numpy())
    assert graph(x).dtype == minigrad.float16  # the recorded casts replay outside the block
    y.float().sum().backward()
    assert lin.weight.grad.dtype == minigrad.float32
    assert compiled(x).dtype == minigrad.float32 and compiled.traces == 2
