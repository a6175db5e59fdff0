"""More programs as PyTorch users write them: the doc examples of torch.autograd.functional,
a WGAN-GP gradient penalty, MAML's second-order inner step, a physics-informed network, the
torch.einsum doc examples, module containers and state_dict keys, reproducibility, freezing
layers and weight-decay groups, pieces of "The Annotated Transformer", sampling strategies, the
doc examples of less common losses, and more; each a function of the library (`torch` is
PyTorch or minigrad) and of `init` (see tests/programs/conftest.py). Random draws differ
between the libraries: `init` hands minigrad PyTorch's values, and what stays random is
compared by its properties."""

from __future__ import annotations

import math

import numpy as np


def _randn(torch, shape, seed, scale=1.0):
    """Data from NumPy, so that both libraries see the same numbers."""
    values = np.random.default_rng(seed).normal(0.0, scale, shape).astype(np.float32)
    return torch.from_numpy(values)


def autograd_functional_doc_examples(torch, init):
    """The examples of torch.autograd.functional's docs, as written there: jacobian of
    exp_reducer (create_graph too, and vectorize=True), of exp_adder (a tuple of inputs);
    hessian of pow_reducer and pow_adder_reducer;
    vjp, jvp, vhp and hvp with their `v`; and the strict=True error for an output that does not
    depend on the input (its message). (strategy="forward-mode" is left out: minigrad raises
    NotImplementedError, docs/autograd.md.)"""
    AF = torch.autograd.functional

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    def exp_adder(x, y):
        return 2 * x.exp() + 3 * y

    def pow_reducer(x):
        return x.pow(3).sum()

    def pow_adder_reducer(x, y):
        return (2 * x.pow(2) + 3 * y.pow(2)).sum()

    def adder(x, y):
        return 2 * x + 3 * y

    x = init(torch.rand(2, 2))
    jac = AF.jacobian(exp_reducer, x)
    jac_graph = AF.jacobian(exp_reducer, x, create_graph=True)
    inputs = (init(torch.rand(2)), init(torch.rand(2)))
    jac_tuple = AF.jacobian(exp_adder, inputs)
    jac_vec = AF.jacobian(exp_reducer, x, vectorize=True)
    hess = AF.hessian(pow_reducer, x)
    hess_tuple = AF.hessian(pow_adder_reducer, inputs)
    x4 = init(torch.rand(4, 4))
    v4 = torch.ones(4)
    out_vjp, vjp = AF.vjp(exp_reducer, x4, v4)
    out_jvp, jvp = AF.jvp(exp_reducer, x4, torch.ones(4, 4))
    out_jvp2, jvp2 = AF.jvp(adder, inputs, (torch.ones(2), torch.ones(2)))
    out_vhp, vhp = AF.vhp(pow_reducer, x, torch.ones(2, 2))
    out_hvp, hvp = AF.hvp(pow_adder_reducer, inputs, (torch.ones(2), torch.ones(2)))
    try:
        AF.jacobian(lambda t: torch.ones(3), x, strict=True)
        strict = "no error"
    except RuntimeError as error:
        strict = str(error)
    return {
        "jacobian": [list(jac.shape), jac.tolist(), jac_graph.grad_fn is not None],
        "tuple": [[list(j.shape) for j in jac_tuple], [j.tolist() for j in jac_tuple]],
        "vectorized": torch.allclose(jac, jac_vec),
        "hessian": [list(hess.shape), hess.tolist()],
        "hessian_tuple": [[h.tolist() for h in row] for row in hess_tuple],
        "vjp": [out_vjp.tolist(), vjp.tolist()],
        "jvp": [out_jvp.tolist(), jvp.tolist(), out_jvp2.tolist(), jvp2.tolist()],
        "vhp": [out_vhp.item(), vhp.tolist()],
        "hvp": [out_hvp.item(), [h.tolist() for h in hvp]],
        "strict": strict,
    }


def wgan_gp_gradient_penalty(torch, init):
    """WGAN-GP as the improved-training code writes it: interpolates between real and fake
    samples with a per-sample alpha, `autograd.grad(outputs=d_interpolates,
    inputs=interpolates, grad_outputs=ones, create_graph=True, retain_graph=True,
    only_inputs=True)[0]`, the penalty `((gradients.norm(2, dim=1) - 1) ** 2).mean() *
    LAMBDA`, n_critic critic steps with Adam(betas=(0.5, 0.9)) per generator step."""
    nn, autograd = torch.nn, torch.autograd
    LAMBDA, n_critic, B, nz = 10, 3, 16, 4

    netD = init(nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1)))
    netG = init(nn.Sequential(nn.Linear(nz, 32), nn.ReLU(), nn.Linear(32, 2)))
    optD = torch.optim.Adam(netD.parameters(), lr=1e-3, betas=(0.5, 0.9))
    optG = torch.optim.Adam(netG.parameters(), lr=1e-3, betas=(0.5, 0.9))

    def calc_gradient_penalty(netD, real_data, fake_data, alpha):
        alpha = alpha.expand(real_data.size())
        interpolates = alpha * real_data + ((1 - alpha) * fake_data)
        interpolates = autograd.Variable(interpolates, requires_grad=True)
        disc_interpolates = netD(interpolates)
        gradients = autograd.grad(
            outputs=disc_interpolates,
            inputs=interpolates,
            grad_outputs=torch.ones(disc_interpolates.size()),
            create_graph=True,
            retain_graph=True,
            only_inputs=True,
        )[0]
        return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * LAMBDA

    log = []
    for it in range(4):
        for p in netD.parameters():
            p.requires_grad = True
        for k in range(n_critic):
            real = _randn(torch, (B, 2), 10 * it + k) + torch.tensor([2.0, -1.0])
            noise = _randn(torch, (B, nz), 100 + 10 * it + k)
            alpha = torch.from_numpy(
                np.random.default_rng(it * 7 + k).uniform(size=(B, 1)).astype(np.float32)
            )
            netD.zero_grad()
            D_real = netD(real).mean()
            with torch.no_grad():
                fake = netG(noise)
            D_fake = netD(fake).mean()
            gradient_penalty = calc_gradient_penalty(netD, real, fake, alpha)
            D_cost = D_fake - D_real + gradient_penalty
            D_cost.backward()
            optD.step()
        for p in netD.parameters():
            p.requires_grad = False
        netG.zero_grad()
        noise = _randn(torch, (B, nz), 999 + it)
        G_cost = -netD(netG(noise)).mean()
        G_cost.backward()
        optG.step()
        grads_d = [p.grad is None for p in netD.parameters()]
        log.append([D_cost.item(), gradient_penalty.item(), G_cost.item(), grads_d])
    return {"log": log, "G": [p.tolist() for p in netG.parameters()]}


def maml_sine_regression(torch, init):
    """MAML on sine waves, as the paper's PyTorch ports write it: a functional forward with
    F.linear over a list of weights, the inner step `fast = [w - lr * g for w, g in
    zip(weights, torch.autograd.grad(loss, weights, create_graph=True))]`, the meta-loss on the
    query set through the fast weights, and Adam on the meta-parameters (second-order);
    then the first-order variant (create_graph=False) for comparison."""
    nn, F = torch.nn, torch.nn.functional
    net = init(nn.Sequential(nn.Linear(1, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(),
                             nn.Linear(40, 1)))  # fmt: skip
    weights = list(net.parameters())

    def forward(x, w):
        x = F.relu(F.linear(x, w[0], w[1]))
        x = F.relu(F.linear(x, w[2], w[3]))
        return F.linear(x, w[4], w[5])

    def task(seed):
        rng = np.random.default_rng(seed)
        amp, phase = rng.uniform(0.1, 5.0), rng.uniform(0, np.pi)
        xs = rng.uniform(-5, 5, size=(20, 1)).astype(np.float32)
        ys = (amp * np.sin(xs - phase)).astype(np.float32)
        return torch.from_numpy(xs[:10]), torch.from_numpy(ys[:10]), \
            torch.from_numpy(xs[10:]), torch.from_numpy(ys[10:])  # fmt: skip

    meta_opt = torch.optim.Adam(weights, lr=1e-3)
    inner_lr, log = 0.01, []
    for step in range(4):
        meta_opt.zero_grad()
        meta_loss = 0.0
        for t in range(3):
            xs, ys, xq, yq = task(10 * step + t)
            loss = F.mse_loss(forward(xs, weights), ys)
            grads = torch.autograd.grad(loss, weights, create_graph=step % 2 == 0)
            fast = [w - inner_lr * g for w, g in zip(weights, grads)]
            meta_loss = meta_loss + F.mse_loss(forward(xq, fast), yq)
        meta_loss = meta_loss / 3
        meta_loss.backward()
        log.append([meta_loss.item(), weights[0].grad.norm().item(), grads[0].requires_grad])
        meta_opt.step()
    return {"log": log, "last": weights[4].tolist()}


def physics_informed_ode(torch, init):
    """A physics-informed network for u'' + u = 0 on [0, 2], u(0) = 0, u'(0) = 1 (so u = sin):
    collocation points with requires_grad_(True), du/dx and d2u/dx2 by `torch.autograd.grad(u,
    x, grad_outputs=torch.ones_like(u), create_graph=True)`, a residual plus boundary loss,
    Adam; then the error against sin(x)."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(),
                               nn.Linear(20, 1)))  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    x = torch.linspace(0, 2, 25).view(-1, 1).requires_grad_(True)
    x0 = torch.zeros(1, 1, requires_grad=True)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        u = model(x)
        du = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True)[0]
        d2u = torch.autograd.grad(du, x, grad_outputs=torch.ones_like(du), create_graph=True)[0]
        residual = (d2u + u).pow(2).mean()
        u0 = model(x0)
        du0 = torch.autograd.grad(u0.sum(), x0, create_graph=True)[0]
        loss = residual + u0.pow(2).sum() + (du0 - 1).pow(2).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        xt = torch.linspace(0, 2, 5).view(-1, 1)
        error = (model(xt) - torch.sin(xt)).abs().max().item()
    return {"losses": losses, "error": error, "x_grad": x.grad is not None}


def einsum_doc_examples(torch, init):
    """torch.einsum's doc examples: trace, diagonal, outer product, batch matrix multiplication,
    the sublist format, batch permute with an ellipsis, equivalent to torch.nn.functional.bilinear
    written out; then attention scores 'bhqd,bhkd->bhqk', and the gradients of a sum of them."""
    a = init(torch.randn(4, 4))
    trace = torch.einsum("ii", a)
    diagonal = torch.einsum("ii->i", a)
    x, y = init(torch.randn(5)), init(torch.randn(4))
    outer = torch.einsum("i,j->ij", x, y)
    As, Bs = init(torch.randn(3, 2, 5)), init(torch.randn(3, 5, 4))
    bmm = torch.einsum("bij,bjk->bik", As, Bs)
    sublist = torch.einsum(As, [..., 0, 1], Bs, [..., 1, 2], [..., 0, 2])
    A = init(torch.randn(2, 3, 4, 5))
    permuted = torch.einsum("...ij->...ji", A)
    l, r = init(torch.randn(2, 5)), init(torch.randn(2, 4))
    W = init(torch.randn(3, 5, 4))
    bilinear = torch.einsum("bn,anm,bm->ba", l, W, r)
    q = init(torch.randn(2, 2, 3, 4)).requires_grad_()
    k = init(torch.randn(2, 2, 5, 4)).requires_grad_()
    scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(4)
    (scores.softmax(-1) * torch.arange(5.0)).sum().backward()
    return {
        "trace": trace.item(),
        "diagonal": diagonal.tolist(),
        "outer": outer.tolist(),
        "bmm": [list(bmm.shape), torch.allclose(bmm, As @ Bs, atol=1e-6)],
        "sublist": torch.allclose(sublist, bmm, atol=1e-6),
        "permute": [list(permuted.shape), torch.equal(permuted, A.transpose(-1, -2))],
        "bilinear": [bilinear.tolist(),
                     torch.allclose(bilinear, torch.nn.functional.bilinear(l, r, W), atol=1e-5)],
        "attention": [list(scores.shape), q.grad.tolist(), k.grad.tolist()],
    }  # fmt: skip


def module_containers_and_state_dict_keys(torch, init):
    """nn.ModuleDict, nn.ParameterList and nn.ParameterDict as their docs write them (choices
    and activations picked by key, a ParameterList iterated with enumerate, a ParameterDict
    indexed by a choice), then what a module registers and in which order: state_dict keys
    (parameters before buffers within a module, submodules in definition order), a
    non-persistent buffer, named_modules/named_children/named_buffers, get_submodule and
    get_parameter, parameters(recurse=False), extra_repr in print(model), add_module."""
    nn = torch.nn

    class MyModule(nn.Module):
        def __init__(self):
            super().__init__()
            self.choices = nn.ModuleDict({"conv": nn.Conv2d(3, 4, 3), "pool": nn.MaxPool2d(3)})
            self.activations = nn.ModuleDict([["lrelu", nn.LeakyReLU()], ["prelu", nn.PReLU()]])
            self.params = nn.ParameterList([nn.Parameter(torch.ones(3, 3)) for i in range(3)])
            self.pdict = nn.ParameterDict(
                {
                    "left": nn.Parameter(torch.ones(3, 3)),
                    "right": nn.Parameter(2 * torch.ones(3, 3)),
                }
            )

        def forward(self, x, choice, act, side):
            x = self.choices[choice](x)
            x = self.activations[act](x)
            m = torch.ones(3, 3)
            for i, p in enumerate(self.params):
                m = self.params[i // 2].mm(m) + p.mm(m)
            return x.sum() * (m * self.pdict[side]).sum()

    class Scaled(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n
            self.register_buffer("running", torch.zeros(n))
            self.weight = nn.Parameter(torch.ones(n))
            self.register_buffer("scratch", torch.ones(n), persistent=False)
            self.inner = nn.Linear(n, n)

        def extra_repr(self):
            return f"n={self.n}"

        def forward(self, x):
            return self.inner(x) * self.weight + self.running + self.scratch

    m = init(MyModule())
    x = init(torch.randn(1, 3, 8, 8))
    out = [m(x, "conv", "prelu", "left").item(), m(x, "pool", "lrelu", "right").item()]
    net = nn.Sequential(Scaled(3), nn.ReLU())
    net.add_module("head", nn.Linear(3, 1))
    init(net)
    sd = net.state_dict()
    return {
        "outputs": out,
        "mymodule_keys": list(m.state_dict().keys()),
        "counts": [len(m.params), len(m.pdict), list(m.pdict.keys()), len(list(m.parameters()))],
        "keys": list(sd.keys()),
        "named_modules": [name for name, _ in net.named_modules()],
        "named_children": [name for name, _ in net.named_children()],
        "named_buffers": [name for name, _ in net.named_buffers()],
        "not_recursive": [list(p.shape) for p in net[0].parameters(recurse=False)],
        "get": [type(net.get_submodule("0.inner")).__name__,
                list(net.get_parameter("0.inner.bias").shape)],
        "print": str(net),
        "forward": net(torch.ones(2, 3)).tolist(),
    }  # fmt: skip


PROGRAMS = [
    autograd_functional_doc_examples,
    wgan_gp_gradient_penalty,
    maml_sine_regression,
    physics_informed_ode,
    einsum_doc_examples,
    module_containers_and_state_dict_keys,
]
