"""The same training code on the CPU and on the SIMULATED GPU (fake_cupy.py) gives the same
parameters, and everything it makes (outputs, gradients, buffers, optimizer state) stays on
the model's device. A simulation: it checks minigrad's CUDA code paths, not CuPy's kernels."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import minigrad

nn = pytest.importorskip("minigrad.nn")
optim = pytest.importorskip("minigrad.optim")


def _model():
    minigrad.manual_seed(0)
    return nn.Sequential(
        # NOTE: no bias before BatchNorm: its gradient is zero but for rounding, which Adam
        # turns into full steps, so one ulp of gelu between the devices moved it 0.01
        nn.Conv2d(1, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.0),
        nn.Linear(4 * 4 * 4, 16),
        nn.LayerNorm(16),
        nn.GELU(),
        nn.Linear(16, 3),
    )


def _train(model, device, make_optimizer, steps=3):
    model = model.to(device)
    opt = make_optimizer(model.parameters())
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = minigrad.tensor(rng.standard_normal((6, 1, 8, 8)), dtype=minigrad.float32)
        y = minigrad.tensor(rng.integers(0, 3, size=6))
        x, y = x.to(device), y.to(device)  # batches are moved by the user, as in PyTorch
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt, loss


OPTIMIZERS = {
    "sgd_momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-4),
    "adam": lambda ps: optim.Adam(ps, lr=0.01),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_on_simulated_cuda_matches_cpu(fake_cuda, name):
    model = _model()
    on_gpu = copy.deepcopy(model)
    cpu_model, _, cpu_loss = _train(model, "cpu", OPTIMIZERS[name])
    gpu_model, opt, gpu_loss = _train(on_gpu, "cuda", OPTIMIZERS[name])
    assert str(gpu_loss.device) == "cuda:0"
    np.testing.assert_allclose(gpu_loss.item(), cpu_loss.item(), rtol=1e-5)
    for (key, p), (_, q) in zip(cpu_model.state_dict().items(), gpu_model.state_dict().items()):
        assert str(q.device) == "cuda:0", key
        np.testing.assert_allclose(q.cpu().numpy(), p.numpy(), rtol=1e-4, atol=1e-6)
    for p in gpu_model.parameters():
        assert str(p.grad.device) == "cuda:0"
        for key, value in opt.state[p].items():
            # the step count is a CPU scalar tensor, as in PyTorch; moments follow the params
            if isinstance(value, minigrad.Tensor) and key != "step":
                assert str(value.device) == "cuda:0", key


def test_module_moves_back_and_forth(fake_cuda):
    model = _model()
    assert model.cuda() is model
    assert {p.device for p in model.parameters()} == {minigrad.device("cuda:0")}
    model.cpu()
    assert {p.device for p in model.parameters()} == {minigrad.device("cpu")}
    with pytest.raises(RuntimeError, match="cpu.*cuda:0|cuda:0.*cpu"):
        model(minigrad.randn(2, 1, 8, 8, device="cuda"))


def test_a_compiled_step_on_simulated_cuda_matches_cpu(fake_cuda):
    """The pending result and the loss joining the compiled region (minigrad/static/pending.py)
    on the GPU's arrays: the same numbers, and everything on the device."""
    from minigrad.static.pending import PendingLoss

    def train(device):
        minigrad.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)).to(device)
        compiled = minigrad.compile(model)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        rng = np.random.default_rng(1)
        for _ in range(3):
            x = minigrad.tensor(rng.standard_normal((6, 8)), dtype=minigrad.float32).to(device)
            y = minigrad.tensor(rng.integers(0, 3, size=6)).to(device)
            opt.zero_grad()
            loss = nn.functional.cross_entropy(compiled(x), y)
            assert type(loss) is PendingLoss
            loss.backward()
            opt.step()
        return model, loss

    cpu_model, cpu_loss = train("cpu")
    gpu_model, gpu_loss = train("cuda")
    assert str(gpu_loss.device) == "cuda:0"
    np.testing.assert_allclose(gpu_loss.item(), cpu_loss.item(), rtol=1e-5)
    for p, q in zip(cpu_model.parameters(), gpu_model.parameters()):
        assert str(q.device) == "cuda:0" and str(q.grad.device) == "cuda:0"
        np.testing.assert_allclose(q.cpu().detach().numpy(), p.detach().numpy(), rtol=1e-5)
