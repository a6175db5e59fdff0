"""Short programs in the style of PyTorch's docs and course notebooks that use torch.fft's
real paths, the LU factorization, fractional max pooling and CatTransform / StackTransform,
run with PyTorch and with `import minigrad as torch`."""

from __future__ import annotations

import numpy as np
from tutorials7 import _randn


def fit_a_signal_from_its_spectrum(torch, init):
    """A real spectrum fitted by gradient descent so that its inverse real FFT matches a
    target signal (a real spectrum holds cosines only: the sine part, half the loss, stays);
    the frequency axis from rfftfreq, and a centred fftfreq grid. (SGD, not
    Adam: Adam's first steps blow float32 noise in the near-zero gradients up to +-lr.)"""
    n = 16
    t = torch.arange(n) / n
    target = torch.sin(2 * torch.pi * 3 * t) + 0.5 * torch.cos(2 * torch.pi * 5 * t)
    spectrum = torch.zeros(n // 2 + 1, requires_grad=True)
    opt = torch.optim.SGD([spectrum], lr=0.2)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = ((torch.fft.irfft(spectrum, n=n, norm="forward") - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    freqs = torch.fft.rfftfreq(n, d=1 / n)
    return {
        "losses": losses[::10],
        "peak": freqs[spectrum.detach().abs().argmax()].item(),
        "spectrum": spectrum.detach().tolist(),
        "centred": torch.fft.fftshift(torch.fft.fftfreq(7, d=0.5)).tolist(),
        "image": torch.fft.irfft2(_randn(torch, (4, 3), 1), s=(4, 4), norm="ortho").tolist(),
    }


def lu_factor_once_solve_many(torch, init):
    """Factor A once with lu_factor and solve for several right-hand sides (and A^T), as the
    linalg docs suggest; P, L, U from lu; the gradient of a solution through the factors."""
    A = _randn(torch, (4, 4), 2)
    A.requires_grad_()
    LU, pivots = torch.linalg.lu_factor(A)
    B = _randn(torch, (4, 3), 3)
    X = torch.linalg.lu_solve(LU, pivots, B)
    Xt = torch.linalg.lu_solve(LU, pivots, B, adjoint=True)
    (X.sum() + Xt.pow(2).sum()).backward()
    P, L, U = torch.linalg.lu(A.detach())
    return {
        "X": X.tolist(),
        "residual": (A @ X - B).abs().max().item() < 1e-4,
        "pivots": pivots.tolist(),
        "P": P.tolist(),
        "L": L.tolist(),
        "U": U.tolist(),
        "grad": A.grad.tolist(),
        "unpacked": torch.lu_unpack(LU, pivots)[1].tolist(),
    }


def fractional_pooling_classifier(torch, init):
    """A small CNN with FractionalMaxPool2d (fixed samples, so both libraries pick the same
    windows) trained a few steps."""
    nn = torch.nn
    samples = torch.from_numpy(np.random.default_rng(4).random((8, 4, 2)).astype(np.float32))
    model = init(
        nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.ReLU(),
            nn.FractionalMaxPool2d(2, output_ratio=(0.7, 0.7), _random_samples=samples),
            nn.Flatten(),
            nn.Linear(4 * 7 * 7, 3),
        )
    )
    x = _randn(torch, (8, 1, 10, 10), 5)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {"losses": losses}


def constrained_parameters_with_cat_and_stack(torch, init):
    """Unconstrained parameters mapped into a region made of pieces (positive scales next to
    free locations, stacked columns in (0, 1)) with biject_to, and the log|det J| term."""
    C = torch.distributions.constraints
    region = C.cat([C.positive, C.real], dim=-1, lengths=[2, 3])
    columns = C.stack([C.unit_interval, C.positive], dim=-1)
    u = _randn(torch, (4, 5), 6).requires_grad_()
    v = _randn(torch, (4, 2), 7).requires_grad_()
    to_region, to_columns = (torch.distributions.biject_to(c) for c in (region, columns))
    x, z = to_region(u), to_columns(v)
    ladj = to_region.log_abs_det_jacobian(u, x).sum(-1) + to_columns.log_abs_det_jacobian(v, z).sum(
        -1
    )
    (x.pow(2).sum() + ladj.sum()).backward()
    return {
        "x": x.tolist(),
        "z": z.tolist(),
        "ladj": ladj.tolist(),
        "grads": [u.grad.tolist(), v.grad.tolist()],
        "inside": bool(region.check(x).all()) and bool(columns.check(z).all()),
    }


PROGRAMS = [
    fit_a_signal_from_its_spectrum,
    lu_factor_once_solve_many,
    fractional_pooling_classifier,
    constrained_parameters_with_cat_and_stack,
]
