"""Programs in the style of PyTorch's optimizer and scheduler recipes (torch.optim's docs:
LBFGS with a closure, chained and cyclic schedules), of its "Jacobians, Hessians, hvp, vhp"
material (torch.autograd.functional) and of its "Parametrizations" tutorial, each a function
of the library (`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py).
"""

from __future__ import annotations

import numpy as np


def _regression(torch, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2] * x[:, 2:3]).astype(np.float32)
    return torch.tensor(x), torch.tensor(y)


def optimizers_and_schedules(torch, init):
    """optim's docs: LBFGS with a closure and line_search_fn="strong_wolfe"; NAdam under a
    ChainedScheduler (LinearLR warm-up, ExponentialLR decay); RAdam with
    CosineAnnealingWarmRestarts; SGD with CyclicLR stepped after every batch; Adadelta,
    Adamax and ASGD for a few steps each; an optimizer state_dict saved and loaded."""
    nn, optim = torch.nn, torch.optim
    sched = optim.lr_scheduler
    x, y = _regression(torch, 64, 0)
    results = {}

    model = init(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)))
    optimizer = optim.LBFGS(model.parameters(), lr=1, max_iter=10, line_search_fn="strong_wolfe")
    loss_fn = nn.MSELoss()

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    results["lbfgs"] = [optimizer.step(closure).item() for _ in range(3)]
    results["lbfgs_evals"] = float(optimizer.state_dict()["state"][0]["func_evals"])

    def train(optimizer, scheduler, epochs, per_batch=False):
        losses, lrs = [], []
        for _ in range(epochs):
            for start in range(0, 64, 16):
                optimizer.zero_grad()
                loss = loss_fn(model(x[start : start + 16]), y[start : start + 16])
                loss.backward()
                optimizer.step()
                if per_batch:
                    scheduler.step()
            if not per_batch:
                scheduler.step()
            losses.append(loss.item())
            lrs.append(scheduler.get_last_lr()[0])
        return losses, lrs

    model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
    optimizer = optim.NAdam(model.parameters(), lr=0.01, weight_decay=1e-3)
    warmup = sched.LinearLR(optimizer, start_factor=0.1, total_iters=3)
    decay = sched.ExponentialLR(optimizer, gamma=0.9)
    results["nadam_chained"] = train(optimizer, sched.ChainedScheduler([warmup, decay]), 6)

    model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
    optimizer = optim.RAdam(model.parameters(), lr=0.02, decoupled_weight_decay=True)
    restarts = sched.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2, eta_min=1e-4)
    results["radam_restarts"] = train(optimizer, restarts, 7)

    model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    cyclic = sched.CyclicLR(optimizer, base_lr=0.001, max_lr=0.05, step_size_up=3)
    results["sgd_cyclic"] = train(optimizer, cyclic, 4, per_batch=True)
    results["momentum"] = optimizer.param_groups[0]["momentum"]

    for name, kwargs in [("Adadelta", {}), ("Adamax", {"lr": 0.01}), ("ASGD", {"t0": 5})]:
        model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
        optimizer = getattr(optim, name)(model.parameters(), **kwargs)
        half = sched.ConstantLR(optimizer, factor=0.5, total_iters=2)
        results[name] = train(optimizer, half, 3)

    saved = optimizer.state_dict()
    fresh = optim.ASGD(model.parameters(), t0=5)
    fresh.load_state_dict(saved)
    results["resumed_step"] = fresh.state_dict()["state"][0]["step"].item()
    return results


def jacobians_and_hessians(torch, init):
    """torch.autograd.functional: the Jacobian of a small network with respect to its input
    and (as a tuple) its weights, vjp and jvp, the Hessian of a loss in a weight vector, and
    one Newton step from hvp-based conjugate gradients."""
    F = torch.autograd.functional
    x, y = _regression(torch, 8, 1)
    model = init(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)))
    results = {}

    jac = F.jacobian(lambda inp: model(inp).sum(0), x[:2])
    results["input_jacobian"] = jac.tolist()
    w, b = model[0].weight.detach(), model[0].bias.detach()

    def layer(w, b):
        return torch.tanh(x[:3] @ w.T + b)

    jw, jb = F.jacobian(layer, (w, b))
    results["weight_jacobian"] = [jw.sum().item(), tuple(jw.shape), jb.sum(0).tolist()]
    out, vjp = F.vjp(layer, (w, b), v=torch.ones(3, 3))
    _, jvp = F.jvp(layer, (w, b), v=(torch.ones_like(w), torch.zeros_like(b)))
    results["products"] = [out.sum().item(), vjp[0].tolist(), jvp.tolist()]

    theta = torch.zeros(4)

    def loss(theta):
        return (
            torch.nn.functional.softplus(x @ theta - y.squeeze(1)).mean() + 0.1 * (theta**2).sum()
        )

    hessian = F.hessian(loss, theta)
    results["hessian"] = hessian.tolist()
    _, grad = F.vjp(loss, theta)
    # conjugate gradients on H d = -g, each H p an hvp (the Hessian never formed)
    d, r = torch.zeros(4), -grad
    p = r.clone()
    for _ in range(4):
        _, hp = F.hvp(loss, theta, p)
        alpha = (r @ r) / (p @ hp)
        d = d + alpha * p
        r_new = r - alpha * hp
        p = r_new + (r_new @ r_new) / (r @ r) * p
        r = r_new
    results["newton_step"] = d.tolist()
    results["loss_after"] = loss(theta + d).item()
    _, vhp = F.vhp(loss, theta, torch.ones(4))
    results["vhp"] = vhp.tolist()
    return results


def parametrizations(torch, init):
    """The "Parametrizations" tutorial: a Symmetric and a SkewSymmetric weight, training
    through them, right_inverse for assignment, caching, chained parametrizations and their
    removal; then weight_norm and spectral_norm from nn.utils.parametrizations."""
    nn, P = torch.nn, torch.nn.utils.parametrize
    results = {}

    class Symmetric(nn.Module):
        def forward(self, X):  # noqa: N803 - the tutorial's names
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):  # noqa: N803
            return A.triu()

    class SkewSymmetric(nn.Module):
        def forward(self, X):  # noqa: N803
            A = X.triu(1)
            return A - A.transpose(-1, -2)

    layer = nn.Linear(3, 3)
    P.register_parametrization(layer, "weight", Symmetric())
    init(layer)
    A = layer.weight
    results["symmetric"] = bool((A == A.T).all())
    layer = nn.Linear(3, 3)
    P.register_parametrization(layer, "weight", SkewSymmetric())
    init(layer)
    A = layer.weight
    results["skew"] = bool((A == -A.T).all())
    results["names"] = [name for name, _ in layer.named_parameters()]
    results["class"] = type(layer).__name__

    x, y = _regression(torch, 16, 2)
    model = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
    P.register_parametrization(model[0], "weight", Symmetric())
    init(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        with P.cached():
            loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    results["training"] = losses
    results["still_symmetric"] = bool((model[0].weight == model[0].weight.T).all())

    X = torch.tensor([[1.0, 2.0, 3.0], [2.0, 5.0, 6.0], [3.0, 6.0, 9.0]])
    model[0].weight = torch.eye(4)
    layer = nn.Linear(3, 3)
    P.register_parametrization(layer, "weight", Symmetric())
    layer.weight = X
    results["assigned"] = layer.parametrizations.weight.original.tolist()

    class Scale(nn.Module):
        def forward(self, X):  # noqa: N803
            return 0.5 * X

        def right_inverse(self, X):  # noqa: N803
            return 2 * X

    P.register_parametrization(layer, "weight", Scale())
    results["chained"] = layer.weight.tolist()
    P.remove_parametrizations(layer, "weight", leave_parametrized=False)
    results["removed"] = [layer.weight.tolist(), type(layer).__name__, P.is_parametrized(layer)]

    conv = nn.utils.parametrizations.weight_norm(nn.Conv2d(1, 2, 3))
    init(conv)
    image = torch.tensor(np.random.default_rng(4).standard_normal((1, 1, 5, 5)).astype(np.float32))
    out = conv(image)
    out.sum().backward()
    g = conv.parametrizations.weight.original0
    results["weight_norm"] = [out.sum().item(), g.flatten().tolist(), g.grad.flatten().tolist()]
    critic = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
    init(critic)  # u and v too: they start random in each library
    outs = [critic(x[:2]).sum().item() for _ in range(3)]
    critic.eval()
    outs.append(critic(x[:2]).sum().item())
    results["spectral_norm"] = outs
    return results


PROGRAMS = [optimizers_and_schedules, jacobians_and_hessians, parametrizations]
