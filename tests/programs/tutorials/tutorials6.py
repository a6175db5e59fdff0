"""More programs as PyTorch users write them (65): doc examples (torch.autograd.functional,
torch.einsum, module containers, the less common losses, Extending PyTorch's Functions,
IterableDataset), recipes and notes (reproducibility, freezing layers and weight-decay groups,
custom optimizers and schedulers, no_grad vs inference_mode, tensor views), tutorials and
pytorch/examples (The Annotated Transformer, MNIST, the word language model, ESPCN super
resolution, custom datasets and transforms), research code (WGAN-GP, MAML, PINNs, RealNVP,
PPO, DANN, DDPM, VQ-VAE, ViT, a LLaMA-style block, mixture of experts, TransE, Sinkhorn) and
homework (GCNs, NT-Xent, segmentation losses, metrics, NMS, Gaussian processes, Kalman filters,
backprop by hand, the errors students hit). Each is a function of the library (`torch` is
PyTorch or minigrad) and of `init` (see tests/programs/conftest.py). Random draws differ
between the libraries: `init` hands minigrad PyTorch's values, data come from NumPy, and what
stays random is compared by its properties."""

from __future__ import annotations

import copy
import io
import math

import numpy as np


def _randn(torch, shape, seed, scale=1.0):
    """Data from NumPy, so that both libraries see the same numbers."""
    values = np.random.default_rng(seed).normal(0.0, scale, shape).astype(np.float32)
    return torch.from_numpy(values)


def autograd_functional_doc_examples(torch, init):
    """The examples of torch.autograd.functional's docs, as written there: jacobian of
    exp_reducer (create_graph too, vectorize=True, and strategy="forward-mode"), of exp_adder
    (a tuple of inputs); hessian of pow_reducer and pow_adder_reducer; vjp, jvp, vhp and hvp
    with their `v`; and the strict=True error for an output that does not depend on the input
    (its message)."""
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
    jac_fwd = AF.jacobian(exp_reducer, x, vectorize=True, strategy="forward-mode")
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
        "vectorized": [torch.allclose(jac, jac_vec), torch.allclose(jac, jac_fwd)],
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
    net = init(
        nn.Sequential(nn.Linear(1, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(), nn.Linear(40, 1))
    )
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
        return (
            torch.from_numpy(xs[:10]),
            torch.from_numpy(ys[:10]),
            torch.from_numpy(xs[10:]),
            torch.from_numpy(ys[10:]),
        )

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
    model = init(
        nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1))
    )
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
    """torch.einsum's doc examples: trace and diagonal (with their gradients), outer product,
    batch matrix multiplication, the sublist format, batch permute with an ellipsis, equivalent
    to torch.nn.functional.bilinear written out; then attention scores 'bhqd,bhkd->bhqk', and
    the gradients of a sum of them."""
    a = init(torch.randn(4, 4)).requires_grad_()
    trace = torch.einsum("ii", a)
    diagonal = torch.einsum("ii->i", a)
    (trace * 2 + (diagonal * torch.arange(4.0)).sum()).backward()
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
        "trace": [trace.item(), a.grad.tolist()],
        "diagonal": diagonal.tolist(),
        "outer": outer.tolist(),
        "bmm": [list(bmm.shape), torch.allclose(bmm, As @ Bs, atol=1e-6)],
        "sublist": torch.allclose(sublist, bmm, atol=1e-6),
        "permute": [list(permuted.shape), torch.equal(permuted, A.transpose(-1, -2))],
        "bilinear": [
            bilinear.tolist(),
            torch.allclose(bilinear, torch.nn.functional.bilinear(l, r, W), atol=1e-5),
        ],
        "attention": [list(scores.shape), q.grad.tolist(), k.grad.tolist()],
    }


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
        "get": [
            type(net.get_submodule("0.inner")).__name__,
            list(net.get_parameter("0.inner.bias").shape),
        ],
        "print": str(net),
        "forward": net(torch.ones(2, 3)).tolist(),
    }


def reproducibility(torch, init):
    """The "Reproducibility" notes: torch.manual_seed before each run gives the same draws and
    the same initial weights, torch.initial_seed(), a torch.Generator seeded for one call
    (randint, randperm, DataLoader shuffling with seed_worker and worker_init_fn), the state of
    the default generator saved with get_rng_state and restored with set_rng_state, dropout
    masks repeated after reseeding, use_deterministic_algorithms and the cudnn flags. The draws
    themselves differ between the libraries; that they repeat does not."""
    import random

    nn = torch.nn
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True

    def seed_everything(seed):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)

    seed_everything(42)
    a = torch.rand(5)
    model_a = nn.Linear(4, 3)
    seed_everything(42)
    b = torch.rand(5)
    model_b = nn.Linear(4, 3)
    state = torch.get_rng_state()
    c = torch.randn(3, 3)
    torch.set_rng_state(state)
    d = torch.randn(3, 3)
    g = torch.Generator().manual_seed(2147483647)
    ints = torch.randint(0, 10, (6,), generator=g)
    g.manual_seed(2147483647)
    again = torch.randint(0, 10, (6,), generator=g)
    perm = torch.randperm(8, generator=torch.Generator().manual_seed(0))

    def seed_worker(worker_id):
        worker_seed = torch.initial_seed() % 2**32
        np.random.seed(worker_seed)
        random.seed(worker_seed)

    dataset = torch.utils.data.TensorDataset(torch.arange(10))

    def order(seed):
        g = torch.Generator()
        g.manual_seed(seed)
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=3, shuffle=True, worker_init_fn=seed_worker, generator=g
        )
        return [batch[0].tolist() for batch in loader]

    first, second = order(0), order(0)
    drop = nn.Dropout(0.5)
    torch.manual_seed(7)
    mask1 = drop(torch.ones(20)) == 0
    torch.manual_seed(7)
    mask2 = drop(torch.ones(20)) == 0
    torch.use_deterministic_algorithms(True)
    try:
        enabled = torch.are_deterministic_algorithms_enabled()
        out = torch.zeros(4).index_add_(0, torch.tensor([0, 1, 1, 3]), torch.ones(4))
    finally:
        torch.use_deterministic_algorithms(False)
    return {
        "same_draws": [torch.equal(a, b), torch.equal(c, d), torch.equal(ints, again)],
        "same_weights": torch.equal(model_a.weight, model_b.weight),
        "initial_seed": torch.initial_seed(),
        "ranges": [int(ints.min()) >= 0, int(ints.max()) < 10, sorted(perm.tolist())],
        "loader": [first == second, sorted(sum(first, [])), [len(x) for x in first]],
        "dropout": [torch.equal(mask1, mask2), 0 < int(mask1.sum()) < 20],
        "deterministic": [enabled, torch.are_deterministic_algorithms_enabled(), out.tolist()],
        "cudnn": [torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark],
    }


def freezing_layers_and_weight_decay_groups(torch, init):
    """Fine-tuning as forum answers write it: a backbone frozen with requires_grad_(False), an
    optimizer over `filter(lambda p: p.requires_grad, model.parameters())`, the trainable
    parameter count, BatchNorm kept in eval mode while training; then the backbone unfrozen
    with `optimizer.add_param_group({'params': ..., 'lr': ...})`; then nanoGPT's
    configure_optimizers: weight decay on the 2-D weights only, AdamW over two groups, and
    what optimizer.state_dict()['param_groups'] holds."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU())
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            return self.head(self.backbone(x))

    model = init(Net())
    x, y = _randn(torch, (12, 6), 1), torch.from_numpy(np.arange(12) % 3)
    model.backbone.requires_grad_(False)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.SGD(
        filter(lambda p: p.requires_grad, model.parameters()), lr=0.1, momentum=0.9
    )
    frozen_before = model.backbone[0].weight.clone()
    running_before = model.backbone[1].running_mean.clone()
    log = []
    for epoch in range(4):
        model.train()
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.eval()
        if epoch == 2:
            model.backbone.requires_grad_(True)
            optimizer.add_param_group({"params": model.backbone.parameters(), "lr": 0.01})
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        log.append(
            [
                loss.item(),
                [len(g["params"]) for g in optimizer.param_groups],
                [g["lr"] for g in optimizer.param_groups],
            ]
        )
        if epoch == 1:
            unchanged = torch.equal(model.backbone[0].weight, frozen_before)
    moved = not torch.equal(model.backbone[0].weight, frozen_before)
    stats_kept = torch.equal(model.backbone[1].running_mean, running_before)

    param_dict = {pn: p for pn, p in model.named_parameters() if p.requires_grad}
    decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
    nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
    optim_groups = [
        {"params": decay_params, "weight_decay": 0.1},
        {"params": nodecay_params, "weight_decay": 0.0},
    ]
    adamw = torch.optim.AdamW(optim_groups, lr=1e-2, betas=(0.9, 0.95))
    for _ in range(3):
        adamw.zero_grad()
        F.cross_entropy(model(x), y).backward()
        adamw.step()
    groups = adamw.state_dict()["param_groups"]
    return {
        "trainable": trainable,
        "log": log,
        "frozen": [unchanged, moved, stats_kept],
        "decay": [sum(p.numel() for p in decay_params), sum(p.numel() for p in nodecay_params)],
        "groups": [[g["params"], g["weight_decay"], g["lr"], list(g["betas"])] for g in groups],
        "weights": [p.tolist() for p in model.parameters()],
    }


def annotated_transformer_pieces(torch, init):
    """Pieces of "The Annotated Transformer": subsequent_mask from torch.triu, attention() with
    `scores.masked_fill(mask == 0, -1e9)`, MultiHeadedAttention with clones() by deepcopy and
    `view(nbatches, -1, h, d_k).transpose(1, 2)`, its LayerNorm with a_2/b_2 and std, the
    LabelSmoothing criterion (KLDivLoss(reduction="sum"), fill_, scatter_, index_fill_ on the
    padding rows), the rate() schedule through LambdaLR with Adam(betas=(0.9, 0.98), eps=1e-9),
    a small decoder trained to copy, and greedy decoding with `torch.cat` and `type_as`."""
    import copy

    nn = torch.nn

    def subsequent_mask(size):
        attn_shape = (1, size, size)
        mask = torch.triu(torch.ones(attn_shape), diagonal=1).type(torch.uint8)
        return mask == 0

    def attention(query, key, value, mask=None, dropout=None):
        d_k = query.size(-1)
        scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        p_attn = scores.softmax(dim=-1)
        if dropout is not None:
            p_attn = dropout(p_attn)
        return torch.matmul(p_attn, value), p_attn

    def clones(module, N):
        return nn.ModuleList([copy.deepcopy(module) for _ in range(N)])

    class MultiHeadedAttention(nn.Module):
        def __init__(self, h, d_model):
            super().__init__()
            self.d_k, self.h = d_model // h, h
            self.linears = clones(nn.Linear(d_model, d_model), 4)
            self.attn = None

        def forward(self, query, key, value, mask=None):
            if mask is not None:
                mask = mask.unsqueeze(1)
            nbatches = query.size(0)
            query, key, value = [
                lin(x).view(nbatches, -1, self.h, self.d_k).transpose(1, 2)
                for lin, x in zip(self.linears, (query, key, value))
            ]
            x, self.attn = attention(query, key, value, mask=mask)
            x = x.transpose(1, 2).contiguous().view(nbatches, -1, self.h * self.d_k)
            del query, key, value
            return self.linears[-1](x)

    class LayerNorm(nn.Module):
        def __init__(self, features, eps=1e-6):
            super().__init__()
            self.a_2 = nn.Parameter(torch.ones(features))
            self.b_2 = nn.Parameter(torch.zeros(features))
            self.eps = eps

        def forward(self, x):
            mean = x.mean(-1, keepdim=True)
            std = x.std(-1, keepdim=True)
            return self.a_2 * (x - mean) / (std + self.eps) + self.b_2

    class LabelSmoothing(nn.Module):
        def __init__(self, size, padding_idx, smoothing=0.0):
            super().__init__()
            self.criterion = nn.KLDivLoss(reduction="sum")
            self.padding_idx = padding_idx
            self.confidence = 1.0 - smoothing
            self.smoothing = smoothing
            self.size = size
            self.true_dist = None

        def forward(self, x, target):
            assert x.size(1) == self.size
            true_dist = x.data.clone()
            true_dist.fill_(self.smoothing / (self.size - 2))
            true_dist.scatter_(1, target.data.unsqueeze(1), self.confidence)
            true_dist[:, self.padding_idx] = 0
            mask = torch.nonzero(target.data == self.padding_idx)
            if mask.dim() > 0:
                true_dist.index_fill_(0, mask.squeeze(), 0.0)
            self.true_dist = true_dist
            return self.criterion(x, true_dist.clone().detach())

    def rate(step, model_size, factor, warmup):
        if step == 0:
            step = 1
        return factor * (model_size ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5)))

    V, d_model, T = 7, 16, 5

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(V, d_model)
            self.self_attn = MultiHeadedAttention(2, d_model)
            self.norm = LayerNorm(d_model)
            self.ff = nn.Sequential(nn.Linear(d_model, 32), nn.ReLU(), nn.Linear(32, d_model))
            self.proj = nn.Linear(d_model, V)

        def forward(self, x, mask):
            h = self.embed(x) * math.sqrt(d_model)
            h = h + self.self_attn(self.norm(h), self.norm(h), self.norm(h), mask)
            h = h + self.ff(self.norm(h))
            return self.proj(h).log_softmax(dim=-1)

    crit = LabelSmoothing(5, 0, 0.4)
    predict = torch.FloatTensor(
        [[0, 0.2, 0.7, 0.1, 0], [0, 0.2, 0.7, 0.1, 0], [0, 0.2, 0.7, 0.1, 0], [0, 0.2, 0.7, 0.1, 0]]
    )
    example = crit(predict.log(), torch.LongTensor([2, 1, 0, 3]))
    model = init(Decoder())
    criterion = LabelSmoothing(size=V, padding_idx=0, smoothing=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5, betas=(0.9, 0.98), eps=1e-9)
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer=optimizer, lr_lambda=lambda step: rate(step, d_model, factor=1.0, warmup=4)
    )
    data = torch.from_numpy(np.random.default_rng(3).integers(1, V, size=(8, T)))
    data[:, 0] = 1
    losses, lrs = [], []
    for _ in range(6):
        out = model(data[:, :-1], subsequent_mask(T - 1))
        loss = criterion(out.contiguous().view(-1, V), data[:, 1:].contiguous().view(-1)) / 8
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        lr_scheduler.step()
        losses.append(loss.item())
        lrs.append(optimizer.param_groups[0]["lr"])
    model.eval()
    src = data[:1]
    ys = torch.zeros(1, 1).fill_(1).type_as(src.data)
    for _ in range(T - 1):
        prob = model(ys, subsequent_mask(ys.size(1)).type_as(src.data))
        _, next_word = torch.max(prob[:, -1], dim=1)
        next_word = next_word.data[0]
        ys = torch.cat([ys, torch.zeros(1, 1).type_as(src.data).fill_(next_word)], dim=1)
    return {
        "mask": subsequent_mask(4).tolist(),
        "smoothing": [example.item(), crit.true_dist.tolist()],
        "losses": losses,
        "lrs": lrs,
        "attn": list(model.self_attn.attn.shape),
        "decoded": [ys.tolist(), ys.dtype == src.dtype],
    }


def sampling_strategies(torch, init):
    """Decoding as text-generation code writes it: temperature, top-k filtering with
    `torch.topk(logits, k)[0][..., -1, None]`, nucleus (top-p) filtering with sort, cumsum of
    softmax, the shift `sorted_indices_to_remove[..., 1:] = ...[..., :-1].clone()` and scatter
    back, torch.multinomial on the filtered distribution (the draw compared by its support),
    and beam search over a bigram model (a table per step, so no two paths tie) with `topk` of
    the flattened scores and `//` and `%` to recover beams and tokens."""
    F = torch.nn.functional
    logits = init(torch.randn(2, 10))

    def top_k_top_p_filtering(logits, top_k=0, top_p=1.0, filter_value=-float("Inf")):
        if top_k > 0:
            indices_to_remove = logits < torch.topk(logits, top_k)[0][..., -1, None]
            logits = logits.masked_fill(indices_to_remove, filter_value)
        if top_p < 1.0:
            sorted_logits, sorted_indices = torch.sort(logits, descending=True)
            cumulative_probs = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
            sorted_indices_to_remove = cumulative_probs > top_p
            sorted_indices_to_remove[..., 1:] = sorted_indices_to_remove[..., :-1].clone()
            sorted_indices_to_remove[..., 0] = 0
            indices_to_remove = sorted_indices_to_remove.scatter(
                1, sorted_indices, sorted_indices_to_remove
            )
            logits = logits.masked_fill(indices_to_remove, filter_value)
        return logits

    top_k = top_k_top_p_filtering(logits / 0.7, top_k=3)
    top_p = top_k_top_p_filtering(logits, top_p=0.8)
    both = top_k_top_p_filtering(logits, top_k=5, top_p=0.5)
    probs = F.softmax(top_p, dim=-1)
    draws = torch.multinomial(probs, num_samples=50, replacement=True)
    allowed = [set(torch.nonzero(probs[i] > 0).flatten().tolist()) for i in range(2)]
    in_support = all(set(draws[i].tolist()) <= allowed[i] for i in range(2))

    V, beam_width = 6, 3
    transitions = F.log_softmax(init(torch.randn(4, V, V)) * 2, dim=-1)  # one table a step
    beams = torch.tensor([[0]])
    scores = torch.zeros(1)
    for t in range(4):
        candidates = scores.unsqueeze(1) + transitions[t][beams[:, -1]]
        flat = candidates.view(-1)
        scores, idx = torch.topk(flat, beam_width)
        beam_idx = idx // V
        token = idx % V
        beams = torch.cat([beams[beam_idx], token.unsqueeze(1)], dim=1)
    greedy = [0]
    for t in range(4):
        greedy.append(int(transitions[t, greedy[-1]].argmax()))
    return {
        "top_k": [torch.isinf(top_k).sum(dim=1).tolist(), F.softmax(top_k, -1).tolist()],
        "top_p": [torch.isinf(top_p).sum(dim=1).tolist(), probs.tolist()],
        "both": torch.isinf(both).tolist(),
        "multinomial": [list(draws.shape), in_support, draws.dtype == torch.int64],
        "beam": [beams.tolist(), scores.tolist()],
        "greedy": greedy,
        "floor_div": torch.div(torch.tensor([7, -7]), 3, rounding_mode="floor").tolist(),
    }


def loss_function_doc_examples(torch, init):
    """The examples in the docs of the less common loss modules, values and input gradients:
    MarginRankingLoss, HingeEmbeddingLoss, TripletMarginLoss (p, swap), SoftMarginLoss,
    MultiLabelSoftMarginLoss, MultiMarginLoss (the doc's example), PoissonNLLLoss (log_input
    and not), GaussianNLLLoss (a variance per sample, full), HuberLoss with a delta,
    CosineEmbeddingLoss, CTCLoss with the doc's padded targets, and reduction="none"."""
    nn = torch.nn
    results = {}

    def record(name, loss, *inputs):
        loss.sum().backward() if loss.dim() else loss.backward()
        results[name] = [loss.tolist(), [x.grad.tolist() for x in inputs]]

    i1 = init(torch.randn(3)).requires_grad_()
    i2 = init(torch.randn(3)).requires_grad_()
    target = torch.tensor([1.0, -1.0, 1.0])
    record("margin_ranking", nn.MarginRankingLoss(margin=1.0)(i1, i2, target), i1, i2)

    x = init(torch.randn(4, 5)).requires_grad_()
    y = torch.tensor([[1.0, -1, 1, 1, -1]] * 4)
    record("hinge", nn.HingeEmbeddingLoss(margin=0.5, reduction="none")(x, y), x)

    anchor = init(torch.randn(6, 8)).requires_grad_()
    positive = init(torch.randn(6, 8)).requires_grad_()
    negative = init(torch.randn(6, 8)).requires_grad_()
    triplet = nn.TripletMarginLoss(margin=1.0, p=2, swap=True)
    record("triplet", triplet(anchor, positive, negative), anchor, positive, negative)
    a2 = anchor.detach().clone().requires_grad_()
    record(
        "triplet_fn",
        nn.functional.triplet_margin_loss(a2, positive.detach(), negative.detach(), p=1),
        a2,
    )

    s = init(torch.randn(3, 4)).requires_grad_()
    record("soft_margin", nn.SoftMarginLoss()(s, torch.tensor([[1.0, -1, 1, -1]] * 3)), s)
    m = init(torch.randn(3, 4)).requires_grad_()
    labels = torch.tensor([[0.0, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 0]])
    weight = torch.tensor([1.0, 2.0, 1.0, 0.5])
    record("multilabel_soft_margin", nn.MultiLabelSoftMarginLoss(weight=weight)(m, labels), m)

    doc = torch.tensor([[0.1, 0.2, 0.4, 0.8]], requires_grad=True)
    record("multi_margin_doc", nn.MultiMarginLoss()(doc, torch.tensor([3])), doc)
    mm = init(torch.randn(5, 4)).requires_grad_()
    record(
        "multi_margin", nn.MultiMarginLoss(p=2, margin=0.5)(mm, torch.tensor([0, 1, 3, 2, 1])), mm
    )

    log_input = init(torch.randn(5, 2)).requires_grad_()
    counts = torch.tensor([[0.0, 1], [2, 3], [1, 0], [4, 2], [0, 0]])
    record("poisson", nn.PoissonNLLLoss()(log_input, counts), log_input)
    rates = init(torch.rand(5, 2)).requires_grad_()
    record(
        "poisson_rate", nn.PoissonNLLLoss(log_input=False, full=True)(rates + 0.1, counts), rates
    )

    mean = init(torch.randn(5, 2)).requires_grad_()
    gtarget = init(torch.randn(5, 2))
    var = init(torch.rand(5, 1)).add(0.1).requires_grad_()
    var.retain_grad()
    record("gaussian", nn.GaussianNLLLoss(full=True)(mean, gtarget, var), mean, var)

    h = init(torch.randn(4, 3)).requires_grad_()
    record("huber", nn.HuberLoss(delta=0.5)(h, torch.zeros(4, 3)), h)
    c1 = init(torch.randn(4, 6)).requires_grad_()
    c2 = init(torch.randn(4, 6)).requires_grad_()
    cos = nn.CosineEmbeddingLoss(margin=0.2)(c1, c2, torch.tensor([1, -1, 1, -1]))
    record("cosine_embedding", cos, c1, c2)

    T, C, N, S = 12, 5, 3, 6
    ctc_input = init(torch.randn(T, N, C)).requires_grad_()
    log_probs = ctc_input.log_softmax(2)
    ctc_target = torch.from_numpy(np.random.default_rng(2).integers(1, C, size=(N, S)))
    input_lengths = torch.full(size=(N,), fill_value=T, dtype=torch.long)
    target_lengths = torch.tensor([6, 4, 3])
    ctc = nn.CTCLoss()(log_probs, ctc_target, input_lengths, target_lengths)
    record("ctc", ctc, ctc_input)
    return results


def contrastive_nt_xent(torch, init):
    """SimCLR's NT-Xent loss as blog posts write it: two views of a batch through an encoder and
    a projection head, F.normalize, the 2N x 2N similarity matrix over a temperature, the
    diagonal masked out with `masked_fill(torch.eye(2 * N, dtype=torch.bool), -9e15)`, positive
    pairs as labels `torch.cat([torch.arange(N) + N, torch.arange(N)])` to F.cross_entropy;
    the same loss written with logsumexp; a few Adam steps; top-1 retrieval accuracy."""
    nn, F = torch.nn, torch.nn.functional
    N, temperature = 8, 0.5
    encoder = init(nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 8)))
    head = init(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4)))
    base = _randn(torch, (N, 10), 5)

    def nt_xent(z1, z2):
        z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
        sim = z @ z.T / temperature
        sim = sim.masked_fill(torch.eye(2 * N, dtype=torch.bool), -9e15)
        labels = torch.cat([torch.arange(N) + N, torch.arange(N)])
        return F.cross_entropy(sim, labels), sim, labels

    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(head.parameters()), lr=1e-2)
    losses = []
    for step in range(5):
        x1 = base + 0.1 * _randn(torch, (N, 10), 100 + step)
        x2 = base + 0.1 * _randn(torch, (N, 10), 200 + step)
        loss, sim, labels = nt_xent(head(encoder(x1)), head(encoder(x2)))
        by_hand = (-sim[torch.arange(2 * N), labels] + torch.logsumexp(sim, dim=1)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append([loss.item(), by_hand.item()])
    with torch.no_grad():
        z1 = F.normalize(encoder(base), dim=1)
        z2 = F.normalize(encoder(base + 0.1 * _randn(torch, (N, 10), 300)), dim=1)
        accuracy = (torch.argmax(z1 @ z2.T, dim=1) == torch.arange(N)).float().mean().item()
    return {"losses": losses, "accuracy": accuracy}


def segmentation_losses(torch, init):
    """Segmentation homework: a tiny fully convolutional net (Conv2d, MaxPool2d, then
    F.interpolate back with bilinear and align_corners=False), a soft Dice loss with
    `F.one_hot(target, C).permute(0, 3, 1, 2).float()` summed over dims (2, 3), a focal loss
    from `F.cross_entropy(..., reduction="none")` and `torch.exp(-ce)`, class weights, an
    ignore_index of 255 in the target, and per-class IoU by `torch.logical_and` / `logical_or`."""
    nn, F = torch.nn, torch.nn.functional
    C = 3

    class FCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.cls = nn.Conv2d(8, C, 1)

        def forward(self, x):
            h = self.cls(self.enc(x))
            return F.interpolate(h, size=x.shape[-2:], mode="bilinear", align_corners=False)

    rng = np.random.default_rng(7)
    images = rng.normal(size=(4, 1, 8, 8)).astype(np.float32)
    target = (images[:, 0] > 0.5).astype(np.int64) + (images[:, 0] > 1.2).astype(np.int64)
    x, target = torch.from_numpy(images), torch.from_numpy(target)
    target_ignore = target.clone()
    target_ignore[:, 0, :] = 255

    def dice_loss(logits, target, eps=1e-6):
        probs = F.softmax(logits, dim=1)
        one_hot = F.one_hot(target, C).permute(0, 3, 1, 2).float()
        inter = (probs * one_hot).sum(dim=(2, 3))
        union = probs.sum(dim=(2, 3)) + one_hot.sum(dim=(2, 3))
        return 1 - ((2 * inter + eps) / (union + eps)).mean()

    def focal_loss(logits, target, gamma=2.0, weight=None):
        ce = F.cross_entropy(logits, target, reduction="none", weight=weight, ignore_index=255)
        pt = torch.exp(-ce)
        return ((1 - pt) ** gamma * ce).mean()

    model = init(FCN())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    weight = torch.tensor([0.5, 1.0, 2.0])
    log = []
    for _ in range(5):
        logits = model(x)
        loss = dice_loss(logits, target) + focal_loss(logits, target_ignore, weight=weight)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append(loss.item())
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    ious = []
    for c in range(C):
        inter = torch.logical_and(pred == c, target == c).sum().item()
        union = torch.logical_or(pred == c, target == c).sum().item()
        ious.append(inter / union if union else float("nan"))
    return {
        "log": log,
        "shape": list(logits.shape),
        "ious": ious,
        "pixel_acc": (pred == target).float().mean().item(),
        "ignored": F.cross_entropy(logits, target_ignore, ignore_index=255).item(),
    }


def gcn_from_scratch(torch, init):
    """A graph convolutional network written by hand, as course notebooks do it: an edge list,
    a dense adjacency by index_put_, self-loops with torch.eye, symmetric normalisation
    D^-1/2 (A + I) D^-1/2 with `deg.pow(-0.5)` and torch.diag, two GCN layers, node
    classification trained on a mask of labelled nodes; then the same propagation as message
    passing with index_add_ and scatter_add_ over the edges."""
    nn, F = torch.nn, torch.nn.functional
    n = 10
    edges = [
        (0, 1),
        (1, 2),
        (2, 0),
        (2, 3),
        (3, 4),
        (4, 5),
        (5, 6),
        (6, 7),
        (7, 5),
        (7, 8),
        (8, 9),
        (9, 6),
    ]
    edge_index = torch.tensor(edges).t()
    edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    A = torch.zeros(n, n)
    A.index_put_((edge_index[0], edge_index[1]), torch.ones(edge_index.size(1)))
    A_hat = A + torch.eye(n)
    deg = A_hat.sum(dim=1)
    D_inv_sqrt = torch.diag(deg.pow(-0.5))
    A_norm = D_inv_sqrt @ A_hat @ D_inv_sqrt
    X = _randn(torch, (n, 5), 3)
    y = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[[0, 1, 5, 8]] = True

    class GCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin1 = nn.Linear(5, 8)
            self.lin2 = nn.Linear(8, 2)

        def forward(self, x, a):
            x = F.relu(a @ self.lin1(x))
            x = F.dropout(x, p=0.5, training=False)
            return a @ self.lin2(x)

    model = init(GCN())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05, weight_decay=5e-4)
    losses = []
    for _ in range(10):
        model.train()
        optimizer.zero_grad()
        out = model(X, A_norm)
        loss = F.cross_entropy(out[train_mask], y[train_mask])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    pred = model(X, A_norm).argmax(dim=1)

    loops = torch.arange(n).repeat(2, 1)
    src, dst = torch.cat([edge_index, loops], dim=1)
    norm = deg[src].pow(-0.5) * deg[dst].pow(-0.5)
    h = model.lin1(X)
    by_index_add = torch.zeros_like(h).index_add_(0, dst, h[src] * norm.unsqueeze(1))
    by_scatter = torch.zeros_like(h).scatter_add_(
        0, dst.unsqueeze(1).expand(-1, h.size(1)), h[src] * norm.view(-1, 1)
    )
    return {
        "A_norm": A_norm.tolist(),
        "losses": losses,
        "pred": pred.tolist(),
        "accuracy": (pred[~train_mask] == y[~train_mask]).float().mean().item(),
        "message_passing": [
            torch.allclose(by_index_add, A_norm @ h, atol=1e-5),
            torch.allclose(by_scatter, by_index_add, atol=1e-6),
        ],
    }


def normalization_layers_by_hand(torch, init):
    """Normalization layers written out and checked against the modules, as course exercises
    do: BatchNorm2d in training (biased variance over (N, H, W)) and its running statistics
    (unbiased variance, momentum 0.1), eval mode; LayerNorm over the last two dims; GroupNorm
    by a view into groups; InstanceNorm2d with affine and track_running_stats; RMSNorm; and the
    gradients of the modules' affine parameters."""
    nn = torch.nn
    x = init(torch.randn(4, 6, 3, 3)) * 2 + 1
    eps = 1e-5

    bn = init(nn.BatchNorm2d(6))
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    init(bn)
    out = bn(x)
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    by_hand = (x - mean) / torch.sqrt(var + eps) * bn.weight.view(1, -1, 1, 1) + bn.bias.view(
        1, -1, 1, 1
    )
    running_var = 0.9 * torch.ones(6) + 0.1 * x.var(dim=(0, 2, 3), unbiased=True)
    bn.eval()
    eval_hand = (x - bn.running_mean.view(1, -1, 1, 1)) / torch.sqrt(
        bn.running_var.view(1, -1, 1, 1) + eps
    ) * bn.weight.view(1, -1, 1, 1) + bn.bias.view(1, -1, 1, 1)

    ln = nn.LayerNorm([3, 3])
    ln_hand = (x - x.mean(dim=(-2, -1), keepdim=True)) / torch.sqrt(
        x.var(dim=(-2, -1), unbiased=False, keepdim=True) + eps
    )
    gn = nn.GroupNorm(num_groups=2, num_channels=6)
    g = x.view(4, 2, -1)
    gn_hand = (
        (g - g.mean(-1, keepdim=True)) / torch.sqrt(g.var(-1, unbiased=False, keepdim=True) + eps)
    ).view_as(x)
    inorm = nn.InstanceNorm2d(6, affine=True, track_running_stats=True)
    in_out = inorm(x)
    in_hand = (x - x.mean(dim=(2, 3), keepdim=True)) / torch.sqrt(
        x.var(dim=(2, 3), unbiased=False, keepdim=True) + eps
    )
    rms = nn.RMSNorm(3, eps=1e-6)
    rms_hand = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
    total = (bn(x) * x).sum() + (ln(x) * x).sum() + (gn(x) * x).sum() + (rms(x) * x).sum()
    total.backward()
    return {
        "bn": [
            torch.allclose(out, by_hand, atol=1e-5),
            bn.running_mean.tolist(),
            torch.allclose(bn.running_var, running_var, atol=1e-5),
            bn.num_batches_tracked.item(),
        ],
        "bn_eval": torch.allclose(bn(x), eval_hand, atol=1e-5),
        "ln": torch.allclose(ln(x), ln_hand, atol=1e-5),
        "gn": torch.allclose(gn(x), gn_hand, atol=1e-5),
        "in": [
            torch.allclose(in_out, in_hand, atol=1e-5),
            inorm.running_mean.tolist(),
            inorm.running_var.tolist(),
        ],
        "rms": torch.allclose(rms(x), rms_hand, atol=1e-5),
        "grads": [
            bn.weight.grad.tolist(),
            ln.weight.grad.tolist(),
            gn.bias.grad.tolist(),
            rms.weight.grad.tolist(),
        ],
    }


def rnn_cells_by_hand(torch, init):
    """The recurrent cells' equations written out with their modules' weights, as in courses:
    nn.RNNCell (tanh), nn.GRUCell with weight_ih.chunk(3) into r, z, n (the reset gate applied
    to the hidden part after its bias), nn.LSTMCell with i, f, g, o; the cells unrolled over a
    sequence against nn.LSTM(batch_first=True) sharing their weights; gradients through the
    unrolled loop."""
    nn = torch.nn
    B, I, H, T = 3, 4, 5, 6
    x = init(torch.randn(B, T, I))
    h0 = init(torch.randn(B, H))

    rnn_cell = init(nn.RNNCell(I, H))
    r_out = rnn_cell(x[:, 0], h0)
    r_hand = torch.tanh(
        x[:, 0] @ rnn_cell.weight_ih.T
        + rnn_cell.bias_ih
        + h0 @ rnn_cell.weight_hh.T
        + rnn_cell.bias_hh
    )

    gru = init(nn.GRUCell(I, H))
    g_out = gru(x[:, 0], h0)
    gi = x[:, 0] @ gru.weight_ih.T + gru.bias_ih
    gh = h0 @ gru.weight_hh.T + gru.bias_hh
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    g_hand = (1 - z) * n + z * h0

    cell = init(nn.LSTMCell(I, H))
    lstm = nn.LSTM(I, H, batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(cell.weight_ih)
        lstm.weight_hh_l0.copy_(cell.weight_hh)
        lstm.bias_ih_l0.copy_(cell.bias_ih)
        lstm.bias_hh_l0.copy_(cell.bias_hh)
    h, c = h0, torch.zeros(B, H)
    hand_h, hand_c = h0, torch.zeros(B, H)
    outputs = []
    for t in range(T):
        h, c = cell(x[:, t], (h, c))
        outputs.append(h)
        gates = x[:, t] @ cell.weight_ih.T + cell.bias_ih + hand_h @ cell.weight_hh.T + cell.bias_hh
        i, f, g, o = gates.chunk(4, 1)
        hand_c = torch.sigmoid(f) * hand_c + torch.sigmoid(i) * torch.tanh(g)
        hand_h = torch.sigmoid(o) * torch.tanh(hand_c)
    unrolled = torch.stack(outputs, dim=1)
    out, (hn, cn) = lstm(x, (h0.unsqueeze(0), torch.zeros(1, B, H)))
    unrolled.pow(2).sum().backward()
    return {
        "rnn": [torch.allclose(r_out, r_hand, atol=1e-6), r_out.tolist()],
        "gru": [torch.allclose(g_out, g_hand, atol=1e-6), g_out.tolist()],
        "lstm": [
            torch.allclose(hand_h, h, atol=1e-6),
            torch.allclose(hand_c, c, atol=1e-6),
            torch.allclose(out, unrolled, atol=1e-6),
            torch.allclose(cn[0], c, atol=1e-6),
        ],
        "grads": [cell.weight_hh.grad.tolist(), cell.bias_ih.grad.tolist()],
    }


def custom_optimizer_subclass(torch, init):
    """An optimizer written by subclassing torch.optim.Optimizer, as its docs and blog posts
    show: `defaults`, a check of lr in __init__, a `@torch.no_grad()` step with a closure run
    under enable_grad, per-parameter buffers in `state = self.state[p]` filled when
    `len(state) == 0` (PyTorch's state is a defaultdict(dict)); a checkpoint of the model and
    the optimizer saved to a BytesIO and loaded into fresh ones, which train on as the
    originals."""
    nn, F = torch.nn, torch.nn.functional

    class MomentumSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-2, momentum=0.9, weight_decay=0.0):
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay)
            super().__init__(params, defaults)

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    d_p = p.grad
                    if group["weight_decay"] != 0:
                        d_p = d_p.add(p, alpha=group["weight_decay"])
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        state["momentum_buffer"] = torch.clone(d_p).detach()
                    else:
                        state["momentum_buffer"].mul_(group["momentum"]).add_(d_p)
                    state["step"] += 1
                    p.add_(state["momentum_buffer"], alpha=-group["lr"])
            return loss

    try:
        MomentumSGD([torch.zeros(1, requires_grad=True)], lr=-1)
        error = None
    except ValueError as e:
        error = str(e)
    model = init(nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)))
    X, y = _randn(torch, (16, 3), 1), _randn(torch, (16, 1), 2)
    optimizer = MomentumSGD(model.parameters(), lr=0.1, weight_decay=1e-3)

    def closure():
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        return loss

    losses = [optimizer.step(closure).item() for _ in range(5)]
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer)
    copy_model = init(nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)))
    copy_model.load_state_dict(checkpoint["model"])
    copy_opt = MomentumSGD(copy_model.parameters(), lr=0.1)
    copy_opt.load_state_dict(checkpoint["optimizer"])
    for opt, net in ((optimizer, model), (copy_opt, copy_model)):
        for _ in range(3):
            opt.zero_grad()
            F.mse_loss(net(X), y).backward()
            opt.step()
    return {
        "error": error,
        "losses": losses,
        "defaults": optimizer.defaults,
        "state": [
            sorted(optimizer.state_dict()["state"][0].keys()),
            optimizer.state_dict()["state"][0]["step"],
        ],
        "resumed": [
            torch.allclose(a, b) for a, b in zip(model.parameters(), copy_model.parameters())
        ],
    }


def custom_lr_scheduler_subclass(torch, init):
    """A warm-up-then-cosine scheduler written by subclassing
    torch.optim.lr_scheduler.LRScheduler: get_lr() over self.base_lrs and self.last_epoch,
    two parameter groups with their own base rates, get_last_lr() each epoch, the
    optimizer's initial_lr, and the scheduler's state_dict loaded into a fresh one."""
    nn, F = torch.nn, torch.nn.functional

    class WarmupCosine(torch.optim.lr_scheduler.LRScheduler):
        def __init__(self, optimizer, warmup, total, last_epoch=-1):
            self.warmup, self.total = warmup, total
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            step = self.last_epoch
            if step < self.warmup:
                return [base_lr * (step + 1) / self.warmup for base_lr in self.base_lrs]
            progress = (step - self.warmup) / max(1, self.total - self.warmup)
            return [base_lr * 0.5 * (1 + math.cos(math.pi * progress)) for base_lr in self.base_lrs]

    model = init(nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)))
    X, y = _randn(torch, (16, 3), 1), _randn(torch, (16, 1), 2)
    optimizer = torch.optim.SGD(
        [{"params": model[0].parameters(), "lr": 0.01}, {"params": model[2].parameters()}],
        lr=0.1,
        momentum=0.9,
    )
    scheduler = WarmupCosine(optimizer, warmup=3, total=10)
    log = [scheduler.get_last_lr()]
    for _ in range(6):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        log.append([loss.item(), scheduler.get_last_lr()])
    fresh = torch.optim.SGD(
        [{"params": model[0].parameters(), "lr": 0.01}, {"params": model[2].parameters()}],
        lr=0.1,
    )
    resumed = WarmupCosine(fresh, warmup=3, total=10)
    resumed.load_state_dict(scheduler.state_dict())
    resumed.step()
    scheduler.step()
    return {
        "log": log,
        "initial_lr": [g["initial_lr"] for g in optimizer.param_groups],
        "resumed": [
            resumed.last_epoch,
            resumed.get_last_lr(),
            scheduler.get_last_lr(),
            resumed.base_lrs,
        ],
        "weights": [p.tolist() for p in model.parameters()],
    }


def extending_autograd_doc_examples(torch, init):
    """ "Extending PyTorch" as its docs write it: LinearFunction with ctx.needs_input_grad and an
    optional bias (checked by gradcheck in float64), MulConstant taking a Python number (its
    gradient None), a function that modifies its input in place with ctx.mark_dirty (its
    values and gradients: minigrad's output is another object than the input, and the
    input's version counter counts one change, not two), one with
    @once_differentiable (double backward raises), ctx.set_materialize_grads(False) seeing None
    for an unused output's gradient, and the LinearFunction wrapped in an nn.Module."""
    once_differentiable = torch.autograd.function.once_differentiable

    class LinearFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(torch.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class AddOneInPlace(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x**2

    class SplitHalves(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x[:2].clone(), x[2:].clone()

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append([g1 is None, g2 is None])
            grad = torch.zeros(4, dtype=g1.dtype if g1 is not None else g2.dtype)
            if g1 is not None:
                grad[:2] = g1
            if g2 is not None:
                grad[2:] = g2
            return grad

    class Linear(torch.nn.Module):
        def __init__(self, input_features, output_features, bias=True):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.empty(output_features, input_features))
            self.bias = torch.nn.Parameter(torch.empty(output_features)) if bias else None
            torch.nn.init.uniform_(self.weight, -0.1, 0.1)
            if self.bias is not None:
                torch.nn.init.uniform_(self.bias, -0.1, 0.1)

        def forward(self, input):
            return LinearFunction.apply(input, self.weight, self.bias)

        def extra_repr(self):
            return f"input_features={self.weight.size(1)}, output_features={self.weight.size(0)}"

    inputs = (
        init(torch.randn(5, 4, dtype=torch.double)).requires_grad_(),
        init(torch.randn(3, 4, dtype=torch.double)).requires_grad_(),
    )
    check = torch.autograd.gradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-4)
    x = init(torch.randn(2, 3)).requires_grad_()
    w = init(torch.randn(4, 3))
    out = LinearFunction.apply(x, w)
    out.sum().backward()
    needs_w = w.grad is None

    a = init(torch.randn(3)).requires_grad_()
    MulConstant.apply(a, 2.5).sum().backward()
    b = init(torch.randn(3)).requires_grad_()
    c = b.clone()
    d = AddOneInPlace.apply(c)
    (d * d).sum().backward()

    e = init(torch.randn(3)).requires_grad_()
    (g,) = torch.autograd.grad(Cube.apply(e).sum(), e, create_graph=True)
    try:
        g.sum().backward()
        twice = "no error"
    except RuntimeError:
        twice = "raised"

    seen = []
    f = init(torch.randn(4)).requires_grad_()
    first, _ = SplitHalves.apply(f)
    (first * 2).sum().backward()
    module = init(Linear(4, 2))
    y = module(init(torch.randn(3, 4)))
    y.pow(2).sum().backward()
    return {
        "gradcheck": check,
        "linear": [x.grad.tolist(), needs_w, out.grad_fn is not None],
        "mul_constant": a.grad.tolist(),
        "mark_dirty": [d.tolist(), b.grad.tolist()],
        "once_differentiable": [g.tolist(), twice],
        "materialize": [seen, f.grad.tolist()],
        "module": [str(module), y.tolist(), module.weight.grad.tolist(), module.bias.grad.tolist()],
    }


def grad_options_and_higher_order(torch, init):
    """torch.autograd.grad and backward's options as forum answers use them: a second and third
    derivative of x**3 by grad(create_graph=True), allow_unused (None for an unused input) and
    materialize_grads=True (zeros), retain_graph (the second backward without it raises),
    backward(inputs=[...]) accumulating into some leaves only, grad of a non-scalar with
    grad_outputs, and torch.autograd.backward of several tensors with their grad_tensors.
    (is_grads_batched=True is left out: minigrad raises NotImplementedError.)"""
    x = init(torch.randn(4)).requires_grad_()
    y = x**3
    (dy,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (d2y,) = torch.autograd.grad(dy.sum(), x, create_graph=True)
    (d3y,) = torch.autograd.grad(d2y.sum(), x)
    unused = init(torch.randn(4)).requires_grad_()
    g_none = torch.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    g_zero = torch.autograd.grad(
        (x * 2).sum(), [x, unused], allow_unused=True, materialize_grads=True
    )
    try:
        torch.autograd.grad((x * 2).sum(), [x, unused])
        unused_error = "no error"
    except RuntimeError as error:
        unused_error = "allow_unused=True" in str(error)

    w = init(torch.randn(3, 4)).requires_grad_()
    b = init(torch.randn(3)).requires_grad_()
    loss = (w @ x + b).tanh().sum()
    loss.backward(retain_graph=True)
    first = [w.grad.clone(), b.grad.clone()]
    w.grad, b.grad, x.grad = None, None, None
    loss.backward(inputs=[b])
    try:
        loss.backward()
        retain_error = "no error"
    except RuntimeError as error:
        retain_error = "retain_graph=True" in str(error)

    z = x.exp()
    (vjp,) = torch.autograd.grad(z, x, grad_outputs=torch.arange(4.0))
    p = init(torch.randn(2)).requires_grad_()
    q = init(torch.randn(2)).requires_grad_()
    torch.autograd.backward([p * q, p.sum() * 3], grad_tensors=[torch.ones(2), torch.tensor(2.0)])
    return {
        "derivatives": [dy.tolist(), d2y.tolist(), d3y.tolist()],
        "unused": [g_none[1] is None, g_zero[1].tolist(), unused_error],
        "inputs_only": [first[1].tolist(), b.grad.tolist(), w.grad is None, x.grad is None],
        "retain": retain_error,
        "vjp": vjp.tolist(),
        "several": [p.grad.tolist(), q.grad.tolist()],
    }


def no_grad_vs_inference_mode(torch, init):
    """torch.no_grad against torch.inference_mode, as the autograd docs contrast them: outputs
    that do not require grad in both, the same values, a tensor made in inference mode cloned
    and used in training; inference_mode as a decorator and with mode=False;
    set_grad_enabled(False) as a function and as a context; no_grad inside enable_grad;
    torch.is_grad_enabled and is_inference_mode_enabled. (Inference tensors themselves,
    `is_inference()` and the error for saving one for backward, are left out: minigrad has
    none, docs/nn.md.)"""
    model = init(torch.nn.Linear(3, 2))
    x = init(torch.randn(4, 3))
    with torch.no_grad():
        a = model(x)
    with torch.inference_mode():
        b = model(x)
        x_inf = x * 1
        inside = torch.is_inference_mode_enabled()

    @torch.inference_mode()
    def predict(inp):
        return model(inp).argmax(1)

    @torch.inference_mode(mode=False)
    def still_recording(inp):
        return model(inp)

    usable = model(x_inf.clone()).sum()
    usable.backward()
    torch.set_grad_enabled(False)
    off = torch.is_grad_enabled()
    c = model(x)
    torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        d = model(x)
    with torch.no_grad(), torch.enable_grad():
        e = model(x)
    return {
        "requires_grad": [
            a.requires_grad,
            b.requires_grad,
            c.requires_grad,
            d.requires_grad,
            e.requires_grad,
            still_recording(x).requires_grad,
        ],
        "flags": [inside, torch.is_inference_mode_enabled(), off, torch.is_grad_enabled()],
        "values": [torch.equal(a, b), predict(x).tolist()],
        "grad": model.weight.grad.tolist(),
    }


def box_iou_and_nms(torch, init):
    """Detection post-processing written by hand: box areas, pairwise IoU by broadcasting
    `torch.max(boxes1[:, None, :2], boxes2[:, :2])` and `.clamp(min=0)`, greedy non-maximum
    suppression with `scores.argsort(descending=True)` and a while loop over a keep mask,
    per-class NMS by offsetting the boxes by class, box conversion cxcywh <-> xyxy with
    unbind/stack, and a GIoU loss with its gradients."""
    rng = np.random.default_rng(11)
    centers = rng.uniform(0, 8, size=(12, 2))
    sizes = rng.uniform(2, 6, size=(12, 2))
    boxes_np = np.concatenate([centers - sizes / 2, centers + sizes / 2], 1).astype(np.float32)
    boxes = torch.from_numpy(boxes_np)
    scores = torch.from_numpy(rng.uniform(size=12).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 2, size=12))

    def box_area(b):
        return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])

    def box_iou(boxes1, boxes2):
        area1, area2 = box_area(boxes1), box_area(boxes2)
        lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
        rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
        wh = (rb - lt).clamp(min=0)
        inter = wh[:, :, 0] * wh[:, :, 1]
        union = area1[:, None] + area2 - inter
        return inter / union, union

    def nms(boxes, scores, iou_threshold):
        order = scores.argsort(descending=True)
        keep = []
        while order.numel() > 0:
            i = order[0]
            keep.append(i.item())
            if order.numel() == 1:
                break
            ious = box_iou(boxes[i].unsqueeze(0), boxes[order[1:]])[0].squeeze(0)
            order = order[1:][ious <= iou_threshold]
        return torch.tensor(keep, dtype=torch.long)

    def batched_nms(boxes, scores, idxs, iou_threshold):
        offsets = idxs.to(boxes) * (boxes.max() + 1)
        return nms(boxes + offsets[:, None], scores, iou_threshold)

    def box_cxcywh_to_xyxy(x):
        x_c, y_c, w, h = x.unbind(-1)
        return torch.stack([x_c - 0.5 * w, y_c - 0.5 * h, x_c + 0.5 * w, y_c + 0.5 * h], dim=-1)

    def box_xyxy_to_cxcywh(x):
        x0, y0, x1, y1 = x.unbind(-1)
        return torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], dim=-1)

    def generalized_box_iou(boxes1, boxes2):
        iou, union = box_iou(boxes1, boxes2)
        lt = torch.min(boxes1[:, None, :2], boxes2[:, :2])
        rb = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
        wh = (rb - lt).clamp(min=0)
        area = wh[:, :, 0] * wh[:, :, 1]
        return iou - (area - union) / area

    iou, _ = box_iou(boxes, boxes)
    pred = box_xyxy_to_cxcywh(boxes[:4]).clone().requires_grad_()
    giou = torch.diag(generalized_box_iou(box_cxcywh_to_xyxy(pred), boxes[4:8]))
    loss = (1 - giou).mean()
    loss.backward()
    return {
        "iou": iou.tolist(),
        "nms": nms(boxes, scores, 0.3).tolist(),
        "batched": batched_nms(boxes, scores, labels, 0.3).tolist(),
        "roundtrip": torch.allclose(box_cxcywh_to_xyxy(box_xyxy_to_cxcywh(boxes)), boxes),
        "giou": [giou.tolist(), loss.item(), pred.grad.tolist()],
    }


def gaussian_process_regression(torch, init):
    """Exact GP regression as tutorials write it with torch.linalg: an RBF kernel from
    torch.cdist, `L = torch.linalg.cholesky(K + noise * I)`, alpha by torch.cholesky_solve,
    the predictive mean and variance with torch.linalg.solve_triangular, the log marginal
    likelihood with `torch.log(torch.diagonal(L)).sum()`, its hyperparameters (log
    lengthscale, log noise) fitted by Adam through the Cholesky factor; then closed-form ridge
    regression by torch.linalg.solve, the pseudo-inverse and torch.linalg.lstsq."""
    rng = np.random.default_rng(5)
    X_np = np.sort(rng.uniform(-3, 3, size=(15, 1)), axis=0)
    X = torch.from_numpy(X_np.astype(np.float64))
    y = torch.sin(X).squeeze(1) + 0.1 * torch.from_numpy(rng.normal(size=15))
    Xs = torch.linspace(-3, 3, 7, dtype=torch.float64).unsqueeze(1)
    log_ls = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    log_noise = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)

    def rbf(a, b):
        return torch.exp(-0.5 * torch.cdist(a, b).pow(2) / log_ls.exp().pow(2))

    def nll():
        K = rbf(X, X) + log_noise.exp() * torch.eye(15, dtype=torch.float64)
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        return (
            0.5 * y @ alpha.squeeze(1)
            + torch.log(torch.diagonal(L)).sum()
            + 0.5 * 15 * math.log(2 * math.pi)
        )

    optimizer = torch.optim.Adam([log_ls, log_noise], lr=0.1)
    history = []
    for _ in range(10):
        optimizer.zero_grad()
        loss = nll()
        loss.backward()
        optimizer.step()
        history.append([loss.item(), log_ls.item(), log_noise.item()])
    with torch.no_grad():
        K = rbf(X, X) + log_noise.exp() * torch.eye(15, dtype=torch.float64)
        L = torch.linalg.cholesky(K)
        Ks = rbf(X, Xs)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        mean = (Ks.T @ alpha).squeeze(1)
        v = torch.linalg.solve_triangular(L, Ks, upper=False)
        var = 1.0 - v.pow(2).sum(0)
    Phi = torch.cat([torch.ones_like(X), X, X**2], dim=1)
    lam = 0.1
    w_solve = torch.linalg.solve(Phi.T @ Phi + lam * torch.eye(3, dtype=torch.float64), Phi.T @ y)
    w_pinv = torch.linalg.pinv(Phi) @ y
    w_normal = torch.linalg.inv(Phi.T @ Phi) @ Phi.T @ y
    fit = torch.linalg.lstsq(Phi, y.unsqueeze(1))
    return {
        "history": history,
        "mean": mean.tolist(),
        "var": var.tolist(),
        "ridge": w_solve.tolist(),
        "least_squares": [
            w_pinv.tolist(),
            torch.allclose(w_pinv, w_normal),
            fit.solution.squeeze(1).tolist(),
            fit.rank.item(),
        ],
        "logdet": [torch.logdet(K).item(), 2 * torch.log(torch.diagonal(L)).sum().item()],
    }


def lora_and_straight_through(torch, init):
    """Parameter-efficient fine-tuning and quantisation-aware tricks from blog posts: a LoRA
    wrapper around a frozen nn.Linear (A by kaiming_uniform_ with a=sqrt(5), B zeros, scale
    alpha / r), only A and B trainable and counted, the adapter merged into the weight
    afterwards (the same outputs); fake quantisation with the straight-through estimator
    `x + (q - x).detach()` and its identity gradient; F.gumbel_softmax with hard=True (one-hot
    rows whose gradients flow through the soft sample), compared by its properties."""
    nn, F = torch.nn, torch.nn.functional

    class LoRALinear(nn.Module):
        def __init__(self, base, r=2, alpha=4):
            super().__init__()
            self.base = base
            self.base.weight.requires_grad_(False)
            self.base.bias.requires_grad_(False)
            self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            self.scaling = alpha / r

        def forward(self, x):
            return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling

    model = init(nn.Sequential(LoRALinear(nn.Linear(6, 4)), nn.ReLU(), nn.Linear(4, 2)))
    model[2].requires_grad_(False)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    X, y = _randn(torch, (10, 6), 1), torch.from_numpy(np.arange(10) % 2)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.05)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    before = model(X)
    lora = model[0]
    with torch.no_grad():
        lora.base.weight += (lora.lora_B @ lora.lora_A) * lora.scaling
    merged = model[2](F.relu(lora.base(X)))

    def fake_quant(x, scale=0.1):
        q = torch.clamp(torch.round(x / scale), -8, 7) * scale
        return x + (q - x).detach()

    w = init(torch.randn(5)).requires_grad_()
    fq = fake_quant(w)
    (fq * torch.arange(5.0)).sum().backward()
    logits = init(torch.randn(6, 4)).requires_grad_()
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    (hard * torch.arange(4.0)).sum().backward()
    soft = F.gumbel_softmax(logits, tau=1.0)
    return {
        "trainable": trainable,
        "counts": [
            sum(p.numel() for p in model.parameters() if p.requires_grad),
            sum(p.numel() for p in model.parameters()),
        ],
        "losses": losses,
        "merged": torch.allclose(before, merged, atol=1e-5),
        "fake_quant": [fq.tolist(), w.grad.tolist()],
        "gumbel": [
            hard.sum(1).tolist(),
            sorted(set(hard.flatten().tolist())),
            torch.allclose(soft.sum(1), torch.ones(6)),
            logits.grad is not None,
            torch.allclose(logits.grad.sum(1), torch.zeros(6), atol=1e-5),
        ],
    }


def matrix_factorization_recommender(torch, init):
    """A recommender as course homework writes it: user and item nn.Embedding tables and bias
    embeddings, the rating `(u * v).sum(1) + b_u + b_i + global mean`, MSE with weight decay in
    Adam, RMSE on held-out ratings under no_grad, and top-k recommendations with the items a
    user has seen masked to -inf by `scores[user, seen] = float('-inf')`."""
    nn, F = torch.nn, torch.nn.functional
    n_users, n_items, k = 6, 12, 3
    rng = np.random.default_rng(9)
    users = rng.integers(0, n_users, size=40)
    items = rng.integers(0, n_items, size=40)
    ratings = (1 + (users * 3 + items * 5) % 5 + rng.normal(0, 0.3, size=40)).astype(np.float32)
    u_t, i_t, r_t = torch.from_numpy(users), torch.from_numpy(items), torch.from_numpy(ratings)
    train, test = slice(0, 32), slice(32, 40)

    class MF(nn.Module):
        def __init__(self):
            super().__init__()
            self.user_factors = nn.Embedding(n_users, k)
            self.item_factors = nn.Embedding(n_items, k)
            self.user_bias = nn.Embedding(n_users, 1)
            self.item_bias = nn.Embedding(n_items, 1)
            nn.init.normal_(self.user_factors.weight, std=0.1)
            nn.init.normal_(self.item_factors.weight, std=0.1)
            nn.init.zeros_(self.user_bias.weight)
            nn.init.zeros_(self.item_bias.weight)
            self.register_buffer("mean", torch.tensor(0.0))

        def forward(self, user, item):
            dot = (self.user_factors(user) * self.item_factors(item)).sum(1)
            return (
                dot + self.user_bias(user).squeeze(1) + self.item_bias(item).squeeze(1) + self.mean
            )

    model = init(MF())
    model.mean.fill_(r_t[train].mean())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1, weight_decay=1e-4)
    history = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = F.mse_loss(model(u_t[train], i_t[train]), r_t[train])
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            rmse = torch.sqrt(F.mse_loss(model(u_t[test], i_t[test]), r_t[test]))
        history.append([loss.item(), rmse.item()])
    with torch.no_grad():
        scores = model.user_factors.weight @ model.item_factors.weight.T
        scores = scores + model.item_bias.weight.T + model.user_bias.weight
        for user, item in zip(users[:32].tolist(), items[:32].tolist()):
            scores[user, item] = float("-inf")
        top = torch.topk(scores, 2, dim=1)
    return {
        "history": history,
        "top_items": top.indices.tolist(),
        "top_scores": top.values.tolist(),
        "seen": torch.isinf(scores).sum(1).tolist(),
    }


def super_resolution_and_augmentations(torch, init):
    """PyTorch's super-resolution example (ESPCN): convolutions to `upscale_factor ** 2`
    channels and nn.PixelShuffle, orthogonal_ init with calculate_gain('relu'), a low-resolution
    input made by F.interpolate(mode="bicubic"), MSE and PSNR `10 * log10(1 / mse)`; then the
    tensor augmentations written by hand: flip, rot90, roll, F.pad with reflect and replicate
    modes, a random-crop-style slice, PixelUnshuffle undoing PixelShuffle, and
    F.interpolate with scale_factor and nearest mode."""
    nn, F = torch.nn, torch.nn.functional
    upscale_factor = 2

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(16, upscale_factor**2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            self._initialize_weights()

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            return self.pixel_shuffle(self.conv3(x))

        def _initialize_weights(self):
            nn.init.orthogonal_(self.conv1.weight, nn.init.calculate_gain("relu"))
            nn.init.orthogonal_(self.conv2.weight, nn.init.calculate_gain("relu"))
            nn.init.orthogonal_(self.conv3.weight)

    yy, xx = np.meshgrid(np.linspace(0, 1, 16), np.linspace(0, 1, 16), indexing="ij")
    hr = np.stack([np.sin(6 * xx + k) * np.cos(4 * yy) * 0.5 + 0.5 for k in range(3)])
    target = torch.from_numpy(hr[:, None].astype(np.float32))
    lr_input = F.interpolate(target, scale_factor=0.5, mode="bicubic", align_corners=False)
    model = init(Net())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    psnrs = []
    for _ in range(4):
        optimizer.zero_grad()
        mse = F.mse_loss(model(lr_input), target)
        mse.backward()
        optimizer.step()
        psnrs.append(10 * math.log10(1 / mse.item()))

    img = target[0]
    crop = F.pad(img, (2, 2, 2, 2), mode="reflect")[:, 3:19, 1:17]
    original = init(torch.randn(1, 8, 3, 3))
    shuffled = nn.PixelShuffle(2)(original)
    return {
        "shapes": [list(lr_input.shape), list(model(lr_input).shape)],
        "lr_input": lr_input[0, 0, :2].tolist(),
        "psnr": psnrs,
        "flip": torch.flip(img, dims=[2])[0, 0, :4].tolist(),
        "rot90": torch.rot90(img, 1, dims=(1, 2))[0, :2, :3].tolist(),
        "roll": torch.roll(img, shifts=(1, -2), dims=(1, 2))[0, :2, :3].tolist(),
        "reflect": crop[0, :2, :3].tolist(),
        "replicate": F.pad(img.unsqueeze(0), (1, 1, 1, 1), mode="replicate")[0, 0, :2, :3].tolist(),
        "unshuffle": [list(shuffled.shape), torch.equal(nn.PixelUnshuffle(2)(shuffled), original)],
        "nearest": F.interpolate(img.unsqueeze(0), scale_factor=2, mode="nearest")[
            0, 0, :2, :4
        ].tolist(),
    }


def mobilenet_and_squeeze_excitation(torch, init):
    """Building blocks of MobileNet and SENet as model-zoo code writes them: a depthwise
    convolution (groups=in_channels) and a pointwise one, padding="same", an inverted residual
    with expansion and nn.ReLU6, a squeeze-and-excitation block (AdaptiveAvgPool2d(1), two
    1x1 convolutions, Hardsigmoid), Hardswish, a channel shuffle by view/transpose, kaiming
    init by iterating model.modules(); parameter counts, output shapes, one training step."""
    nn, F = torch.nn, torch.nn.functional

    class SqueezeExcitation(nn.Module):
        def __init__(self, channels, squeeze):
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Conv2d(channels, squeeze, 1)
            self.fc2 = nn.Conv2d(squeeze, channels, 1)
            self.activation = nn.ReLU()
            self.scale_activation = nn.Hardsigmoid()

        def forward(self, x):
            scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
            return x * self.scale_activation(scale)

    class InvertedResidual(nn.Module):
        def __init__(self, inp, oup, expand_ratio):
            super().__init__()
            hidden = inp * expand_ratio
            self.use_res_connect = inp == oup
            self.conv = nn.Sequential(
                nn.Conv2d(inp, hidden, 1, bias=False),
                nn.BatchNorm2d(hidden),
                nn.ReLU6(inplace=True),
                nn.Conv2d(hidden, hidden, 3, padding="same", groups=hidden, bias=False),
                nn.BatchNorm2d(hidden),
                nn.Hardswish(),
                SqueezeExcitation(hidden, 4),
                nn.Conv2d(hidden, oup, 1, bias=False),
                nn.BatchNorm2d(oup),
            )

        def forward(self, x):
            return x + self.conv(x) if self.use_res_connect else self.conv(x)

    def channel_shuffle(x, groups):
        b, c, h, w = x.size()
        x = x.view(b, groups, c // groups, h, w)
        x = torch.transpose(x, 1, 2).contiguous()
        return x.view(b, -1, h, w)

    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.Hardswish(),
        InvertedResidual(8, 8, 2),
        InvertedResidual(8, 12, 3),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(12, 4),
    )
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    init(model)
    x = init(torch.randn(2, 3, 10, 10))
    model.eval()
    features = model[:5](x)
    logits = model(x)
    model.train()
    model[7].p = 0.0  # no random dropout mask in the training step
    loss = F.cross_entropy(model(x), torch.tensor([1, 3]))
    loss.backward()
    dw = model[3].conv[3]
    shuffled = channel_shuffle(torch.arange(12.0).view(1, 12, 1, 1), 3)
    return {
        "params": [sum(p.numel() for p in model.parameters()), list(dw.weight.shape)],
        "features": [list(features.shape), features[0, :2, 0, :3].tolist()],
        "logits": logits.tolist(),
        "loss": loss.item(),
        "grads": [dw.weight.grad[:2].tolist(), model[8].weight.grad.tolist()],
        "shuffle": shuffled.flatten().tolist(),
        "running": model[1].running_mean.tolist(),
    }


def mixture_density_network(torch, init):
    """A mixture density network as blog posts write it: a hidden layer into pi (log_softmax),
    sigma (exp of a linear layer) and mu for K Gaussians, the negative log-likelihood with
    torch.logsumexp over the components (Normal(mu, sigma).log_prob of the target expanded),
    Adam, and the mixture mean `(pi * mu).sum(1)` on a grid; the same NLL written out with
    math.log(2 * pi) against torch.distributions."""
    nn, F = torch.nn, torch.nn.functional
    K = 3
    rng = np.random.default_rng(4)
    y_np = rng.uniform(-1, 1, size=(60, 1)).astype(np.float32)
    x_np = (np.sin(3 * y_np) + 0.3 * y_np + rng.normal(0, 0.05, size=(60, 1))).astype(np.float32)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    class MDN(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Sequential(nn.Linear(1, 16), nn.Tanh())
            self.pi = nn.Linear(16, K)
            self.sigma = nn.Linear(16, K)
            self.mu = nn.Linear(16, K)

        def forward(self, x):
            h = self.hidden(x)
            return F.log_softmax(self.pi(h), dim=1), torch.exp(self.sigma(h)), self.mu(h)

    def mdn_loss(log_pi, sigma, mu, y):
        dist = torch.distributions.Normal(mu, sigma)
        log_prob = dist.log_prob(y.expand_as(mu))
        return -torch.logsumexp(log_pi + log_prob, dim=1).mean()

    def mdn_loss_by_hand(log_pi, sigma, mu, y):
        z = (y - mu) / sigma
        log_prob = -0.5 * z**2 - torch.log(sigma) - 0.5 * math.log(2 * math.pi)
        return -torch.logsumexp(log_pi + log_prob, dim=1).mean()

    model = init(MDN())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(10):
        optimizer.zero_grad()
        log_pi, sigma, mu = model(x)
        loss = mdn_loss(log_pi, sigma, mu, y)
        loss.backward()
        optimizer.step()
        losses.append([loss.item(), mdn_loss_by_hand(log_pi, sigma, mu, y).item()])
    with torch.no_grad():
        grid = torch.linspace(-1, 1, 5).unsqueeze(1)
        log_pi, sigma, mu = model(grid)
        mean = (log_pi.exp() * mu).sum(1)
        best = torch.gather(mu, 1, log_pi.argmax(1, keepdim=True)).squeeze(1)
    return {"losses": losses, "mean": mean.tolist(), "best": best.tolist(), "sigma": sigma.tolist()}


def iterable_dataset_doc_examples(torch, init):
    """torch.utils.data's IterableDataset doc example (MyIterableDataset splitting its range
    with get_worker_info(), which is None in the main process, and the worker_init_fn
    variant), a generator-backed stream batched by a DataLoader, ChainDataset of two streams,
    StackDataset pairing two datasets by index (tuple and dict forms), and a DataLoader of
    dicts. (The doc's num_workers=2 runs are in tutorials10.iterable_dataset_with_worker_info
    and tests/data/test_iterable_dataset.py.)"""
    data = torch.utils.data

    class MyIterableDataset(data.IterableDataset):
        def __init__(self, start, end):
            super().__init__()
            assert end > start, "this example code only works with end >= start"
            self.start = start
            self.end = end

        def __iter__(self):
            worker_info = data.get_worker_info()
            if worker_info is None:
                iter_start, iter_end = self.start, self.end
            else:
                per_worker = int(
                    math.ceil((self.end - self.start) / float(worker_info.num_workers))
                )
                worker_id = worker_info.id
                iter_start = self.start + worker_id * per_worker
                iter_end = min(iter_start + per_worker, self.end)
            return iter(range(iter_start, iter_end))

    ds = MyIterableDataset(start=3, end=7)
    single = list(data.DataLoader(ds, num_workers=0))
    batched = list(data.DataLoader(ds, batch_size=3))

    class Stream(data.IterableDataset):
        def __init__(self, seed, n):
            self.seed, self.n = seed, n

        def __iter__(self):
            rng = np.random.default_rng(self.seed)
            for _ in range(self.n):
                x = rng.normal(size=2).astype(np.float32)
                yield torch.from_numpy(x), int(x.sum() > 0)

    chained = data.ChainDataset([Stream(1, 3), Stream(2, 4)])
    batches = [(xb.tolist(), yb.tolist()) for xb, yb in data.DataLoader(chained, batch_size=3)]
    images = data.TensorDataset(torch.arange(8.0).view(4, 2))
    labels = data.TensorDataset(torch.tensor([0, 1, 0, 1]))
    stacked = data.StackDataset(images, labels)
    named = data.StackDataset(image=images, label=labels)
    loader = data.DataLoader(named, batch_size=2)
    first = next(iter(loader))
    return {
        "single": [t.tolist() for t in single],
        "batched": [t.tolist() for t in batched],
        "chained": batches,
        "stacked": [
            len(stacked),
            [t.tolist() for t in stacked[1][0]],
            [t.tolist() for t in stacked[1][1]],
        ],
        "named": [sorted(first.keys()), first["image"][0].tolist(), first["label"][0].tolist()],
    }


def tensor_exercises(torch, init):
    """The "tensor puzzles"/exercise-sheet functions: bucketize and searchsorted (right=True),
    histc, unique with return_inverse and return_counts, tril_indices, combinations and
    cartesian_prod, meshgrid with indexing="ij", kron, block_diag, diff, trapezoid, cumprod,
    nan_to_num, nanmean, quantile (linear and nearest), kthvalue, mode, median, count_nonzero,
    aminmax, repeat_interleave, and the gradients of a few of them."""
    x = torch.tensor([1.0, 3.0, 2.0, 7.0, 5.0, 3.0, 3.0, 9.0])
    boundaries = torch.tensor([2.0, 4.0, 6.0])
    unique, inverse, counts = torch.unique(x, return_inverse=True, return_counts=True)
    gi, gj = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="ij")
    with_nan = torch.tensor([1.0, float("nan"), 3.0, float("inf"), -float("inf")])
    m = torch.tensor([[4.0, 1.0, 3.0], [2.0, 8.0, 6.0]])
    kth = torch.kthvalue(m, 2, dim=1)
    mode = torch.mode(torch.tensor([[1, 2, 2, 3], [4, 4, 1, 1]]), dim=1)
    median = torch.median(m, dim=1)
    amin, amax = torch.aminmax(m)
    w = init(torch.randn(5)).requires_grad_()
    y = torch.cumprod(w, dim=0).sum() + torch.trapezoid(w**2) + torch.diff(w).abs().sum()
    y = y + torch.quantile(w, 0.3) + torch.kron(w[:2], w[2:4]).sum()
    y.backward()
    return {
        "bucketize": [
            torch.bucketize(x, boundaries).tolist(),
            torch.bucketize(x, boundaries, right=True).tolist(),
            torch.searchsorted(boundaries, x).tolist(),
            torch.searchsorted(boundaries, x, right=True).tolist(),
        ],
        "histc": torch.histc(x, bins=4, min=0, max=10).tolist(),
        "unique": [unique.tolist(), inverse.tolist(), counts.tolist()],
        "tril_indices": torch.tril_indices(3, 3).tolist(),
        "combinations": torch.combinations(torch.arange(4), r=2).tolist(),
        "cartesian": torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4])).tolist(),
        "meshgrid": [gi.tolist(), gj.tolist()],
        "kron": torch.kron(torch.eye(2), torch.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist(),
        "block_diag": torch.block_diag(torch.ones(2, 2), torch.tensor([[5.0]])).tolist(),
        "diff": [torch.diff(x).tolist(), torch.diff(m, dim=1).tolist()],
        "trapezoid": [torch.trapezoid(x).item(), torch.trapezoid(x, dx=0.5).item()],
        "cumprod": torch.cumprod(m, dim=1).tolist(),
        "nan_to_num": [
            torch.nan_to_num(with_nan).tolist()[:3],
            torch.nan_to_num(with_nan, nan=0.0, posinf=1e3, neginf=-1e3).tolist(),
            torch.nanmean(torch.tensor([1.0, float("nan"), 3.0])).item(),
        ],
        "quantile": [
            torch.quantile(x, torch.tensor([0.25, 0.5, 0.9])).tolist(),
            torch.quantile(m, 0.5, dim=1, keepdim=True).tolist(),
            torch.quantile(x, 0.3, interpolation="nearest").item(),
        ],
        "kthvalue": [kth.values.tolist(), kth.indices.tolist()],
        "mode": [mode.values.tolist(), mode.indices.tolist()],
        "median": [median.values.tolist(), median.indices.tolist(), torch.median(x).item()],
        "count_nonzero": [
            torch.count_nonzero(m > 3).item(),
            torch.count_nonzero(m > 3, dim=0).tolist(),
        ],
        "aminmax": [amin.item(), amax.item()],
        "repeat_interleave": [
            torch.repeat_interleave(torch.tensor([1, 2]), 2).tolist(),
            torch.repeat_interleave(
                torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0
            ).tolist(),
        ],
        "grad": w.grad.tolist(),
    }


def classification_metrics_by_hand(torch, init):
    """Evaluation code written with tensor ops: accuracy by argmax, top-k accuracy by
    `topk(...).indices.eq(target.view(-1, 1)).any(1)`, a confusion matrix by bincount,
    per-class precision/recall/F1 with clamp(min=1e-12) against division by zero, macro and
    weighted F1, balanced accuracy, a multi-label F1 from `sigmoid > 0.5`, ROC AUC by sorting
    scores and cumsum of the labels (the trapezoid rule), and a threshold sweep with
    torch.where."""
    C = 4
    logits = init(torch.randn(20, C))
    target = torch.from_numpy(np.random.default_rng(3).integers(0, C, size=20))
    pred = logits.argmax(dim=1)
    acc = (pred == target).float().mean().item()
    top2 = logits.topk(2, dim=1).indices.eq(target.view(-1, 1)).any(dim=1).float().mean().item()
    cm = torch.bincount(target * C + pred, minlength=C * C).reshape(C, C)
    tp = cm.diag().float()
    precision = tp / cm.sum(0).float().clamp(min=1e-12)
    recall = tp / cm.sum(1).float().clamp(min=1e-12)
    f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-12)
    support = cm.sum(1).float()
    weighted = (f1 * support).sum() / support.sum()

    ml_logits = init(torch.randn(10, 3))
    ml_target = torch.from_numpy((np.random.default_rng(4).uniform(size=(10, 3)) > 0.5) * 1.0)
    ml_target = ml_target.float()
    ml_pred = (torch.sigmoid(ml_logits) > 0.5).float()
    ml_tp = (ml_pred * ml_target).sum(0)
    ml_f1 = 2 * ml_tp / (ml_pred.sum(0) + ml_target.sum(0)).clamp(min=1e-12)

    scores = torch.sigmoid(ml_logits[:, 0])
    labels = ml_target[:, 0]
    order = torch.argsort(scores, descending=True)
    tps = torch.cumsum(labels[order], 0)
    fps = torch.cumsum(1 - labels[order], 0)
    tpr = torch.cat([torch.zeros(1), tps / labels.sum()])
    fpr = torch.cat([torch.zeros(1), fps / (1 - labels).sum()])
    auc = torch.trapezoid(tpr, fpr)
    sweep = []
    for threshold in (0.3, 0.5, 0.7):
        hard = torch.where(scores > threshold, torch.ones_like(scores), torch.zeros_like(scores))
        sweep.append([hard.sum().item(), (hard == labels).float().mean().item()])
    return {
        "accuracy": [acc, top2],
        "confusion": cm.tolist(),
        "prf": [precision.tolist(), recall.tolist(), f1.tolist()],
        "averages": [f1.mean().item(), weighted.item(), recall.mean().item()],
        "multilabel": [ml_f1.tolist(), ml_pred.sum().item()],
        "auc": auc.item(),
        "sweep": sweep,
    }


def vision_transformer_patches(torch, init):
    """A ViT as blog posts build it: patch embedding by a Conv2d with kernel and stride equal
    to the patch size, `flatten(2).transpose(1, 2)`, a class token `nn.Parameter(torch.zeros(1,
    1, D))` expanded over the batch, a learned position embedding with trunc_normal_(std=.02),
    nn.TransformerEncoder of pre-norm GELU layers with batch_first=True, the head on the class
    token; then the position embedding resized to a larger image with F.interpolate(mode=
    "bicubic") as when fine-tuning at a higher resolution."""
    nn, F = torch.nn, torch.nn.functional
    img, patch, D, classes = 8, 4, 16, 3
    n_patches = (img // patch) ** 2

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed = nn.Conv2d(3, D, kernel_size=patch, stride=patch)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
            self.pos_embed = nn.Parameter(torch.zeros(1, n_patches + 1, D))
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
            layer = nn.TransformerEncoderLayer(
                D,
                nhead=2,
                dim_feedforward=32,
                dropout=0.0,
                activation="gelu",
                batch_first=True,
                norm_first=True,
            )
            self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(D)
            self.head = nn.Linear(D, classes)

        def forward(self, x):
            x = self.patch_embed(x).flatten(2).transpose(1, 2)
            cls = self.cls_token.expand(x.shape[0], -1, -1)
            x = torch.cat((cls, x), dim=1) + self.pos_embed
            x = self.norm(self.encoder(x))
            return self.head(x[:, 0])

    model = init(ViT())
    x = init(torch.randn(4, 3, img, img))
    y = torch.tensor([0, 1, 2, 1])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        grid = model.pos_embed[:, 1:].reshape(1, 2, 2, D).permute(0, 3, 1, 2)
        resized = F.interpolate(grid, size=(3, 3), mode="bicubic", align_corners=False)
        new_pos = torch.cat(
            [model.pos_embed[:, :1], resized.permute(0, 2, 3, 1).reshape(1, 9, D)], dim=1
        )
    return {
        "tokens": list(model.patch_embed(x).flatten(2).transpose(1, 2).shape),
        "losses": losses,
        "cls_grad": model.cls_token.grad.flatten().tolist(),
        "pos_embed": [list(new_pos.shape), new_pos[0, :3, :4].tolist()],
    }


def realnvp_coupling_flow(torch, init):
    """A RealNVP-style normalizing flow on 2-D data, as the flow tutorials write it: affine
    coupling layers with a checkerboard mask registered as a buffer, scale through tanh, the
    log-determinant as the sum of the log-scales, a standard normal base from
    torch.distributions.MultivariateNormal, the negative log-likelihood trained with Adam, and
    sampling by inverting the layers in reverse order (the inverse undoes the forward)."""
    nn = torch.nn
    D = 2

    class Coupling(nn.Module):
        def __init__(self, mask):
            super().__init__()
            self.register_buffer("mask", mask)
            self.s = nn.Sequential(nn.Linear(D, 16), nn.ReLU(), nn.Linear(16, D), nn.Tanh())
            self.t = nn.Sequential(nn.Linear(D, 16), nn.ReLU(), nn.Linear(16, D))

        def forward(self, x):
            x_masked = x * self.mask
            s = self.s(x_masked) * (1 - self.mask)
            t = self.t(x_masked) * (1 - self.mask)
            y = x_masked + (1 - self.mask) * (x * torch.exp(s) + t)
            return y, s.sum(dim=1)

        def inverse(self, y):
            y_masked = y * self.mask
            s = self.s(y_masked) * (1 - self.mask)
            t = self.t(y_masked) * (1 - self.mask)
            return y_masked + (1 - self.mask) * (y - t) * torch.exp(-s)

    class Flow(nn.Module):
        def __init__(self):
            super().__init__()
            masks = [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])] * 2
            self.layers = nn.ModuleList([Coupling(m) for m in masks])
            self.base = torch.distributions.MultivariateNormal(torch.zeros(D), torch.eye(D))

        def forward(self, x):
            log_det = torch.zeros(x.shape[0])
            for layer in self.layers:
                x, ld = layer(x)
                log_det = log_det + ld
            return x, log_det

        def log_prob(self, x):
            z, log_det = self(x)
            return self.base.log_prob(z) + log_det

        def inverse(self, z):
            for layer in reversed(self.layers):
                z = layer.inverse(z)
            return z

    rng = np.random.default_rng(8)
    t = rng.uniform(0, np.pi, 64)
    data = np.stack([np.cos(t), np.sin(t)], 1) + rng.normal(0, 0.1, (64, 2))
    x = torch.from_numpy(data.astype(np.float32))
    flow = init(Flow())
    optimizer = torch.optim.Adam(flow.parameters(), lr=1e-2)
    losses = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = -flow.log_prob(x).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        z, _ = flow(x[:5])
        back = flow.inverse(z)
        samples = flow.inverse(_randn(torch, (4, 2), 21))
    return {
        "losses": losses,
        "buffers": [name for name, _ in flow.named_buffers()],
        "inverse": torch.allclose(back, x[:5], atol=1e-5),
        "z": z.tolist(),
        "samples": samples.tolist(),
    }


def ppo_clipped_objective(torch, init):
    """PPO's update as RL course code writes it: generalized advantage estimation in a
    reversed loop over rewards, values and done flags, advantages normalised, an actor-critic
    with a shared body, `Categorical(logits=...)`, the ratio `exp(new_log_prob -
    old_log_prob)`, the clipped surrogate `-torch.min(ratio * adv, torch.clamp(ratio, 1 - eps,
    1 + eps) * adv).mean()`, the value loss, the entropy bonus, clip_grad_norm_, and several
    epochs over shuffled minibatches (the order from NumPy), with the clip fraction."""
    nn, F = torch.nn, torch.nn.functional
    Categorical = torch.distributions.Categorical
    T, obs_dim, n_actions, gamma, lam, clip_eps = 16, 4, 3, 0.99, 0.95, 0.2

    class ActorCritic(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(obs_dim, 32), nn.Tanh())
            self.pi = nn.Linear(32, n_actions)
            self.v = nn.Linear(32, 1)

        def forward(self, obs):
            h = self.body(obs)
            return self.pi(h), self.v(h).squeeze(-1)

    rng = np.random.default_rng(6)
    obs = torch.from_numpy(rng.normal(size=(T, obs_dim)).astype(np.float32))
    actions = torch.from_numpy(rng.integers(0, n_actions, size=T))
    rewards = torch.from_numpy(rng.uniform(size=T).astype(np.float32))
    dones = torch.from_numpy((rng.uniform(size=T) < 0.15).astype(np.float32))
    model = init(ActorCritic())
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, eps=1e-5)
    with torch.no_grad():
        logits, values = model(obs)
        old_log_probs = Categorical(logits=logits).log_prob(actions)
        next_value = torch.tensor(0.0)
    advantages = torch.zeros(T)
    last_gae = 0.0
    for t in reversed(range(T)):
        next_v = next_value if t == T - 1 else values[t + 1]
        non_terminal = 1.0 - dones[t]
        delta = rewards[t] + gamma * next_v * non_terminal - values[t]
        last_gae = delta + gamma * lam * non_terminal * last_gae
        advantages[t] = last_gae
    returns = advantages + values
    log = []
    for epoch in range(3):
        perm = torch.from_numpy(np.random.default_rng(epoch).permutation(T))
        for start in range(0, T, 8):
            idx = perm[start : start + 8]
            logits, v = model(obs[idx])
            dist = Categorical(logits=logits)
            new_log_probs = dist.log_prob(actions[idx])
            adv = advantages[idx]
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            ratio = torch.exp(new_log_probs - old_log_probs[idx])
            surr1 = ratio * adv
            surr2 = torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * adv
            policy_loss = -torch.min(surr1, surr2).mean()
            value_loss = F.mse_loss(v, returns[idx])
            entropy = dist.entropy().mean()
            loss = policy_loss + 0.5 * value_loss - 0.01 * entropy
            optimizer.zero_grad()
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            clip_frac = ((ratio - 1).abs() > clip_eps).float().mean()
            log.append(
                [
                    policy_loss.item(),
                    value_loss.item(),
                    entropy.item(),
                    norm.item(),
                    clip_frac.item(),
                ]
            )
    return {"advantages": advantages.tolist(), "returns": returns.tolist(), "log": log}


def gradient_reversal_domain_adaptation(torch, init):
    """DANN's gradient reversal layer as it is usually written: an autograd.Function whose
    forward is `x.view_as(x)` and whose backward returns `grad_output.neg() * ctx.alpha, None`;
    a feature extractor shared by a label classifier and a domain classifier, the alpha
    schedule `2 / (1 + exp(-10 p)) - 1`, and SGD steps on the sum of both losses; the feature
    gradients from the domain loss come out reversed."""
    nn, F = torch.nn, torch.nn.functional

    class GradReverse(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, alpha):
            ctx.alpha = alpha
            return x.view_as(x)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output.neg() * ctx.alpha, None

    features = init(nn.Sequential(nn.Linear(5, 8), nn.ReLU()))
    label_clf = init(nn.Linear(8, 2))
    domain_clf = init(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1)))
    params = [*features.parameters(), *label_clf.parameters(), *domain_clf.parameters()]
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.9)
    source = _randn(torch, (12, 5), 1)
    target = _randn(torch, (12, 5), 2) + 0.5
    labels = torch.from_numpy(np.arange(12) % 2)
    domains = torch.cat([torch.zeros(12), torch.ones(12)]).unsqueeze(1)
    h = init(torch.randn(3, 8)).requires_grad_()
    GradReverse.apply(h, 0.5).sum().backward()
    log = []
    steps = 5
    for step in range(steps):
        p = step / steps
        alpha = 2.0 / (1.0 + math.exp(-10 * p)) - 1
        f_s, f_t = features(source), features(target)
        class_loss = F.cross_entropy(label_clf(f_s), labels)
        reversed_features = GradReverse.apply(torch.cat([f_s, f_t]), alpha)
        domain_loss = F.binary_cross_entropy_with_logits(domain_clf(reversed_features), domains)
        optimizer.zero_grad()
        (class_loss + domain_loss).backward()
        optimizer.step()
        log.append([alpha, class_loss.item(), domain_loss.item()])
    return {"reversed": h.grad.tolist(), "log": log, "weights": features[0].weight.tolist()}


def time_series_windows_and_causal_conv(torch, init):
    """Forecasting as homework writes it: a series cut into (input, target) windows with
    Tensor.unfold, a Dataset over them, a causal 1-D convolution (left padding with F.pad, a
    dilation) stacked as a small temporal ConvNet, a GRU forecaster with the last hidden
    state, MSE, and a recursive multi-step forecast feeding predictions back with torch.cat."""
    nn, F = torch.nn, torch.nn.functional
    t = np.arange(80, dtype=np.float32)
    series = torch.from_numpy(np.sin(0.3 * t) + 0.1 * np.cos(1.7 * t))
    window = 12
    windows = series.unfold(0, window + 1, 1)
    inputs, targets = windows[:, :-1], windows[:, -1]

    class WindowDataset(torch.utils.data.Dataset):
        def __len__(self):
            return inputs.shape[0]

        def __getitem__(self, i):
            return inputs[i].unsqueeze(-1), targets[i]

    class CausalConv1d(nn.Module):
        def __init__(self, cin, cout, k, dilation):
            super().__init__()
            self.left = (k - 1) * dilation
            self.conv = nn.Conv1d(cin, cout, k, dilation=dilation)

        def forward(self, x):
            return self.conv(F.pad(x, (self.left, 0)))

    tcn = init(
        nn.Sequential(
            CausalConv1d(1, 8, 3, 1),
            nn.ReLU(),
            CausalConv1d(8, 8, 3, 2),
            nn.ReLU(),
            CausalConv1d(8, 1, 1, 1),
        )
    )

    class GRUForecaster(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(1, 16, batch_first=True)
            self.fc = nn.Linear(16, 1)

        def forward(self, x):
            _, h = self.gru(x)
            return self.fc(h[-1]).squeeze(-1)

    model = init(GRUForecaster())
    loader = torch.utils.data.DataLoader(WindowDataset(), batch_size=16, shuffle=False)
    params = list(model.parameters()) + list(tcn.parameters())
    optimizer = torch.optim.Adam(params, lr=0.01)
    losses = []
    for xb, yb in loader:
        pred = model(xb)
        tcn_pred = tcn(xb.transpose(1, 2))[:, 0, -1]
        loss = F.mse_loss(pred, yb) + F.mse_loss(tcn_pred, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        history = inputs[-1].clone()
        forecast = []
        for _ in range(5):
            nxt = model(history[-window:].view(1, window, 1))
            forecast.append(nxt.item())
            history = torch.cat([history, nxt])
    causal = tcn(torch.cat([torch.zeros(1, 1, 5), torch.ones(1, 1, 5)], dim=2))
    return {
        "windows": [list(windows.shape), windows[0, :3].tolist()],
        "losses": losses,
        "forecast": forecast,
        "causal": causal[0, 0, :5].tolist(),
    }


def pytorch_examples_mnist(torch, init):
    """pytorch/examples' mnist/main.py, small: the Net (conv 1->32->64, max_pool2d, Dropout,
    flatten, fc1, fc2, log_softmax), train() with `batch_idx % log_interval` logging through
    `loss.item()`, test() with `F.nll_loss(output, target, reduction='sum').item()` and
    `pred.eq(target.view_as(pred)).sum().item()`, Adadelta(lr=1.0) under StepLR(step_size=1,
    gamma=0.7), on random 28x28 images; dropout is off (p=0) so that both runs agree."""
    nn, F = torch.nn, torch.nn.functional
    optim = torch.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.0)
            self.dropout2 = nn.Dropout(0.0)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    rng = np.random.default_rng(1)
    images = torch.from_numpy(rng.uniform(size=(12, 1, 28, 28)).astype(np.float32))
    images = (images - 0.1307) / 0.3081
    labels = torch.from_numpy(rng.integers(0, 10, size=12))
    dataset = torch.utils.data.TensorDataset(images, labels)
    train_loader = torch.utils.data.DataLoader(dataset, batch_size=4)
    test_loader = torch.utils.data.DataLoader(dataset, batch_size=6)
    logged = []

    def train(model, train_loader, optimizer, epoch, log_interval=2):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            if batch_idx % log_interval == 0:
                logged.append(
                    [
                        epoch,
                        batch_idx * len(data),
                        len(train_loader.dataset),
                        100.0 * batch_idx / len(train_loader),
                        loss.item(),
                    ]
                )

    def test(model, test_loader):
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for data, target in test_loader:
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        return [test_loss / len(test_loader.dataset), correct]

    model = init(Net())
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    results = []
    for epoch in range(1, 3):
        train(model, train_loader, optimizer, epoch)
        results.append(test(model, test_loader) + scheduler.get_last_lr())
        scheduler.step()
    return {"logged": logged, "results": results}


def saliency_gradcam_integrated_gradients(torch, init):
    """Explaining a CNN's prediction as interpretability tutorials do: a vanilla saliency map
    (`x.requires_grad_()`, `scores[0, target].backward()`, `x.grad.abs().max(dim=1)[0]`),
    Grad-CAM from a forward hook keeping the activations and a tensor hook on them keeping
    their gradient (channel weights by mean over H and W, ReLU, F.interpolate to the input
    size, min-max normalised), and integrated gradients along a straight path from a black
    baseline (torch.linspace of alphas, a batch of scaled inputs, autograd.grad, the
    trapezoid-free Riemann mean), whose sum approaches the score difference."""
    nn, F = torch.nn, torch.nn.functional
    model = init(nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3,
                               padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                               nn.Linear(8, 4)))  # fmt: skip
    model.eval()
    image = init(torch.rand(1, 3, 8, 8))
    x = image.clone().requires_grad_()
    scores = model(x)
    target = scores.argmax(dim=1).item()
    scores[0, target].backward()
    saliency, _ = torch.max(x.grad.data.abs(), dim=1)

    store = {}

    def forward_hook(module, inputs, output):
        store["activations"] = output
        output.register_hook(lambda grad: store.__setitem__("gradients", grad))

    handle = model[3].register_forward_hook(forward_hook)
    model.zero_grad()
    out = model(image)
    out[0, target].backward()
    handle.remove()
    acts, grads = store["activations"], store["gradients"]
    weights = grads.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * acts).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=image.shape[-2:], mode="bilinear", align_corners=False)
    cam = (cam - cam.min()) / (cam.max() - cam.min() + 1e-8)

    baseline = torch.zeros_like(image)
    steps = 16
    alphas = torch.linspace(0, 1, steps + 1)[1:].view(-1, 1, 1, 1)
    path = (baseline + alphas * (image - baseline)).requires_grad_()
    path_scores = model(path)[:, target]
    (path_grads,) = torch.autograd.grad(path_scores.sum(), path)
    attributions = (image - baseline) * path_grads.mean(dim=0, keepdim=True)
    with torch.no_grad():
        delta = model(image)[0, target] - model(baseline)[0, target]
    return {
        "target": target,
        "saliency": saliency[0, :3, :3].tolist(),
        "cam": [list(cam.shape), cam[0, 0, ::3, ::3].tolist()],
        "ig": [attributions.sum().item(), delta.item(), attributions[0, 0, :2, :2].tolist()],
        "hooks_cleared": len(model[3]._forward_hooks),
    }


def masked_convolution_pixelcnn(torch, init):
    """PixelCNN's masked convolution as it is usually written: a subclass of nn.Conv2d with a
    mask registered as a buffer (type 'A' hides the centre pixel, 'B' keeps it), applied in
    forward by `self.weight.data *= self.mask` before `super().forward(x)`; a few layers
    trained with cross-entropy over 4 intensity levels per pixel, and the autoregressive
    property checked: the output at a pixel does not depend on later pixels (its gradient
    there is zero)."""
    nn, F = torch.nn, torch.nn.functional

    class MaskedConv2d(nn.Conv2d):
        def __init__(self, mask_type, *args, **kwargs):
            super().__init__(*args, **kwargs)
            assert mask_type in {"A", "B"}
            self.register_buffer("mask", self.weight.data.clone())
            _, _, kH, kW = self.weight.size()
            self.mask.fill_(1)
            self.mask[:, :, kH // 2, kW // 2 + (mask_type == "B") :] = 0
            self.mask[:, :, kH // 2 + 1 :] = 0

        def forward(self, x):
            self.weight.data *= self.mask
            return super().forward(x)

    levels = 4
    net = init(nn.Sequential(
        MaskedConv2d("A", 1, 8, 5, 1, 2, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
        MaskedConv2d("B", 8, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
        nn.Conv2d(8, levels, 1),
    ))  # fmt: skip
    rng = np.random.default_rng(12)
    pixels = rng.integers(0, levels, size=(6, 1, 6, 6))
    target = torch.from_numpy(pixels[:, 0])
    x = torch.from_numpy((pixels / (levels - 1)).astype(np.float32))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    net.eval()
    probe = x[:1].clone().requires_grad_()
    net(probe)[0, :, 3, 3].sum().backward()
    g = probe.grad[0, 0].abs()
    return {
        "mask_A": net[0].mask[0, 0].tolist(),
        "mask_B": net[3].mask[0, 0].tolist(),
        "losses": losses,
        "causal": [
            g[3, 3].item() == 0.0,
            g[3, 4:].sum().item() == 0.0,
            g[4:].sum().item() == 0.0,
            g[:3].sum().item() > 0,
        ],
        "weights_masked": bool((net[0].weight * (1 - net[0].mask)).abs().sum() == 0),
    }


def llama_style_block(torch, init):
    """A LLaMA-style decoder block as from-scratch posts write it: RMSNorm with `x *
    torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)`, rotary embeddings from cos/sin tables
    of `torch.outer(t, inv_freq)` with rotate_half (`torch.cat((-x2, x1), dim=-1)`),
    grouped-query attention whose key/value heads are shared by repeat_interleave, SwiGLU
    (`F.silu(w1(x)) * w3(x)`), F.scaled_dot_product_attention with is_causal=True; then
    generation with a key/value cache grown by torch.cat, which gives the same logits as
    running the whole sequence."""
    nn, F = torch.nn, torch.nn.functional
    V, D, n_heads, n_kv, T = 13, 16, 4, 2, 6
    hd = D // n_heads

    class RMSNorm(nn.Module):
        def __init__(self, dim, eps=1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(dim))

        def forward(self, x):
            return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    inv_freq = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
    freqs = torch.outer(torch.arange(32).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos_cached, sin_cached = emb.cos(), emb.sin()

    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
        return torch.cat((-x2, x1), dim=-1)

    def apply_rotary(q, k, start):
        cos = cos_cached[start : start + q.shape[-2]]
        sin = sin_cached[start : start + q.shape[-2]]
        return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(V, D)
            self.attn_norm, self.ffn_norm, self.out_norm = RMSNorm(D), RMSNorm(D), RMSNorm(D)
            self.wq = nn.Linear(D, n_heads * hd, bias=False)
            self.wk = nn.Linear(D, n_kv * hd, bias=False)
            self.wv = nn.Linear(D, n_kv * hd, bias=False)
            self.wo = nn.Linear(D, D, bias=False)
            self.w1 = nn.Linear(D, 24, bias=False)
            self.w3 = nn.Linear(D, 24, bias=False)
            self.w2 = nn.Linear(24, D, bias=False)
            self.lm_head = nn.Linear(D, V, bias=False)

        def forward(self, tokens, cache=None, start=0):
            B, L = tokens.shape
            x = self.embed(tokens)
            h = self.attn_norm(x)
            q = self.wq(h).view(B, L, n_heads, hd).transpose(1, 2)
            k = self.wk(h).view(B, L, n_kv, hd).transpose(1, 2)
            v = self.wv(h).view(B, L, n_kv, hd).transpose(1, 2)
            q, k = apply_rotary(q, k, start)
            if cache is not None:
                if "k" in cache:
                    k = torch.cat([cache["k"], k], dim=2)
                    v = torch.cat([cache["v"], v], dim=2)
                cache["k"], cache["v"] = k, v
            k = k.repeat_interleave(n_heads // n_kv, dim=1)
            v = v.repeat_interleave(n_heads // n_kv, dim=1)
            att = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None)
            x = x + self.wo(att.transpose(1, 2).contiguous().view(B, L, D))
            h = self.ffn_norm(x)
            x = x + self.w2(F.silu(self.w1(h)) * self.w3(h))
            return self.lm_head(self.out_norm(x))

    model = init(Block())
    tokens = torch.from_numpy(np.random.default_rng(2).integers(0, V, size=(2, T)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(3):
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, V), tokens[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        full = model(tokens[:1])
        cache = {}
        steps = [model(tokens[:1, i : i + 1], cache=cache, start=i) for i in range(T)]
        cached = torch.cat(steps, dim=1)
        generated = tokens[:1, :2]
        logits = model(generated)
        for _ in range(4):
            next_token = logits[:, -1].argmax(dim=-1, keepdim=True)
            generated = torch.cat([generated, next_token], dim=1)
            logits = model(generated)
    return {
        "losses": losses,
        "cache": [
            torch.allclose(full, cached, atol=1e-5),
            list(cache["k"].shape),
            full[0, -1].tolist(),
        ],
        "generated": generated.tolist(),
        "rope_norm": torch.allclose(
            apply_rotary(torch.ones(1, 1, 3, hd), torch.ones(1, 1, 3, hd), 2)[0].norm(dim=-1),
            torch.full((1, 1, 3), 2.0),
        ),
    }


def mixture_of_experts_routing(torch, init):
    """A sparse mixture-of-experts layer as tutorials write it: router logits, `torch.topk`
    over experts, softmax over the chosen ones, each expert run on the tokens routed to it
    (`torch.where(indices == e)`), outputs combined with index_add_ weighted by the gate, the
    Switch-style load-balancing loss (fraction of tokens times mean probability per expert),
    and the gradients reaching the router and the experts that were used."""
    nn, F = torch.nn, torch.nn.functional
    D, E, k, N = 6, 4, 2, 10

    class MoE(nn.Module):
        def __init__(self):
            super().__init__()
            self.router = nn.Linear(D, E, bias=False)
            self.experts = nn.ModuleList(
                [nn.Sequential(nn.Linear(D, 12), nn.GELU(), nn.Linear(12, D)) for _ in range(E)]
            )

        def forward(self, x):
            logits = self.router(x)
            probs = F.softmax(logits, dim=-1)
            top_vals, top_idx = torch.topk(logits, k, dim=-1)
            gates = F.softmax(top_vals, dim=-1)
            out = torch.zeros_like(x)
            counts = []
            for e, expert in enumerate(self.experts):
                token_idx, slot = torch.where(top_idx == e)
                counts.append(token_idx.numel())
                if token_idx.numel() == 0:
                    continue
                y = expert(x[token_idx]) * gates[token_idx, slot].unsqueeze(-1)
                out = out.index_add(0, token_idx, y)
            mask = F.one_hot(top_idx[:, 0], E).float()
            aux = E * (mask.mean(0) * probs.mean(0)).sum()
            return out, aux, counts

    moe = init(MoE())
    x = init(torch.randn(N, D))
    out, aux, counts = moe(x)
    (out.pow(2).mean() + 0.01 * aux).backward()
    used = [moe.experts[e][0].weight.grad is not None for e in range(E)]
    return {
        "out": out.tolist(),
        "aux": aux.item(),
        "counts": counts,
        "router_grad": moe.router.weight.grad.tolist(),
        "used": used,
    }


def elastic_weight_consolidation(torch, init):
    """Continual learning homework: train on task A, estimate the diagonal Fisher information
    from squared gradients of the log-likelihood per sample, keep `{n: p.clone().detach()}` of
    the parameters, then train on task B with the EWC penalty `(fisher[n] * (p -
    star[n]) ** 2).sum()` summed over named_parameters; compare how far the important weights
    moved with and without the penalty, and the task-A loss afterwards."""
    nn, F = torch.nn, torch.nn.functional

    def task(seed, shift):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(24, 4)).astype(np.float32)
        y = ((X[:, 0] + shift * X[:, 1]) > 0).astype(np.int64)
        return torch.from_numpy(X), torch.from_numpy(y)

    xa, ya = task(1, 0.5)
    xb, yb = task(2, -2.0)
    base = init(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)))
    optimizer = torch.optim.SGD(base.parameters(), lr=0.5)
    for _ in range(15):
        optimizer.zero_grad()
        F.cross_entropy(base(xa), ya).backward()
        optimizer.step()
    fisher = {n: torch.zeros_like(p) for n, p in base.named_parameters()}
    for i in range(xa.shape[0]):
        base.zero_grad()
        log_probs = F.log_softmax(base(xa[i : i + 1]), dim=1)
        log_probs[0, ya[i]].backward()
        for n, p in base.named_parameters():
            fisher[n] += p.grad.detach() ** 2 / xa.shape[0]
    star = {n: p.clone().detach() for n, p in base.named_parameters()}
    state = {k: v.clone() for k, v in base.state_dict().items()}
    results = {}
    for lam in (0.0, 50.0):
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
        model.load_state_dict(state)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
        for _ in range(15):
            optimizer.zero_grad()
            penalty = sum(
                (fisher[n] * (p - star[n]) ** 2).sum() for n, p in model.named_parameters()
            )
            loss = F.cross_entropy(model(xb), yb) + lam / 2 * penalty
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            moved = sum(
                (fisher[n] * (p - star[n]) ** 2).sum().item() for n, p in model.named_parameters()
            )
            results[str(lam)] = [
                F.cross_entropy(model(xa), ya).item(),
                F.cross_entropy(model(xb), yb).item(),
                moved,
            ]
    return {
        "fisher": {n: f.sum().item() for n, f in fisher.items()},
        "results": results,
        "less_moved": results["50.0"][2] < results["0.0"][2],
    }


def word_language_model_rnn(torch, init):
    """pytorch/examples' word_language_model, small: RNNModel with an encoder Embedding, an
    LSTM, a decoder Linear tied to the encoder's weight (`self.decoder.weight =
    self.encoder.weight`), init_weights by uniform_, init_hidden with `weight.new_zeros`,
    batchify, get_batch with bptt, repackage_hidden detaching the state between batches,
    clip_grad_norm_ and the manual update `p.data.add_(p.grad, alpha=-lr)`, evaluation loss
    and perplexity by math.exp, and the learning rate divided by 4 when validation stalls."""
    nn = torch.nn
    ntoken, ninp, nhid, bptt = 12, 8, 8, 5

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.0)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, nhid, 1, dropout=0.0)
            self.decoder = nn.Linear(nhid, ntoken)
            self.decoder.weight = self.encoder.weight
            self.init_weights()

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output).view(-1, ntoken)
            return nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(1, bsz, nhid), weight.new_zeros(1, bsz, nhid))

    def batchify(data, bsz):
        nbatch = data.size(0) // bsz
        data = data.narrow(0, 0, nbatch * bsz)
        return data.view(bsz, -1).t().contiguous()

    def repackage_hidden(h):
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        return source[i : i + seq_len], source[i + 1 : i + 1 + seq_len].view(-1)

    corpus = torch.from_numpy(np.tile(np.array([1, 2, 3, 4, 5, 3, 2, 6, 7, 8, 9, 10, 11, 0]), 5))
    train_data = batchify(corpus[:56], 4)
    val_data = batchify(corpus[56:], 2)
    model = init(RNNModel())
    criterion = nn.NLLLoss()
    lr, best_val_loss, log = 5.0, None, []

    def evaluate(data_source):
        model.eval()
        total_loss = 0.0
        hidden = model.init_hidden(2)
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, bptt):
                data, targets = get_batch(data_source, i)
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    for _epoch in range(3):
        model.train()
        hidden = model.init_hidden(4)
        for i in range(0, train_data.size(0) - 1, bptt):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
        val_loss = evaluate(val_data)
        if not best_val_loss or val_loss < best_val_loss:
            best_val_loss = val_loss
        else:
            lr /= 4.0
        log.append([loss.item(), val_loss, math.exp(val_loss), lr])
    return {
        "shapes": [list(train_data.shape), list(val_data.shape)],
        "tied": model.decoder.weight is model.encoder.weight,
        "n_params": sum(p.numel() for p in model.parameters()),
        "log": log,
    }


def graph_batching_and_pooling(torch, init):
    """Mini-batching graphs as graph-learning code does: node features of several graphs
    concatenated, edge indices offset by the cumulative node counts (`torch.cumsum` of the
    sizes, shifted), a `batch` vector from repeat_interleave, message passing with
    scatter_reduce (sum and amax, include_self=False) over the edges, global mean and max
    pooling per graph with scatter_reduce and index_add_ / bincount, and a graph classifier
    trained on the pooled features."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(13)
    sizes = [4, 3, 5]
    xs = [torch.from_numpy(rng.normal(size=(n, 3)).astype(np.float32)) for n in sizes]
    edges = [
        torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]]),
        torch.tensor([[0, 1], [1, 2]]),
        torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 0]]),
    ]
    x = torch.cat(xs, dim=0)
    counts = torch.tensor(sizes)
    offsets = torch.cumsum(counts, 0) - counts
    edge_index = torch.cat([e + off for e, off in zip(edges, offsets)], dim=1)
    edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), counts)
    labels = torch.tensor([0, 1, 0])

    class GraphNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin_self = nn.Linear(3, 8)
            self.lin_nb = nn.Linear(3, 8)
            self.head = nn.Linear(16, 2)

        def forward(self, x, edge_index, batch):
            src, dst = edge_index
            msg = self.lin_nb(x)[src]
            agg = torch.zeros(x.shape[0], 8).scatter_reduce(
                0, dst.unsqueeze(1).expand(-1, 8), msg, reduce="sum", include_self=False
            )
            h = F.relu(self.lin_self(x) + agg)
            n_graphs = int(batch.max()) + 1
            mean = torch.zeros(n_graphs, 8).index_add_(0, batch, h) / torch.bincount(
                batch
            ).unsqueeze(1)
            mx = torch.zeros(n_graphs, 8).scatter_reduce(
                0, batch.unsqueeze(1).expand(-1, 8), h, reduce="amax", include_self=False
            )
            return self.head(torch.cat([mean, mx], dim=1))

    model = init(GraphNet())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(6):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x, edge_index, batch), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    neighbour_max = torch.full((x.shape[0], 3), -1e9).scatter_reduce(
        0, edge_index[1].unsqueeze(1).expand(-1, 3), x[edge_index[0]], reduce="amax",
        include_self=False,
    )  # fmt: skip
    return {
        "offsets": offsets.tolist(),
        "batch": batch.tolist(),
        "edge_index": edge_index.tolist(),
        "losses": losses,
        "neighbour_max": neighbour_max.tolist(),
        "grad": model.lin_nb.weight.grad.tolist(),
    }


def transe_knowledge_graph(torch, init):
    """TransE as knowledge-graph tutorials write it: entity and relation nn.Embedding tables,
    relations normalised once and entities renormalised every batch through
    `self.entities.weight.data = F.normalize(..., p=2, dim=1)`, the distance `||h + r - t||_1`
    by torch.norm(p=1), corrupted triples (heads or tails replaced, the choice from NumPy), the
    MarginRankingLoss with target -1, SGD, and the filtered rank of each test triple."""
    nn, F = torch.nn, torch.nn.functional
    n_ent, n_rel, dim = 8, 2, 5

    class TransE(nn.Module):
        def __init__(self):
            super().__init__()
            self.entities = nn.Embedding(n_ent, dim)
            self.relations = nn.Embedding(n_rel, dim)
            bound = 6 / math.sqrt(dim)
            nn.init.uniform_(self.entities.weight, -bound, bound)
            nn.init.uniform_(self.relations.weight, -bound, bound)
            self.relations.weight.data = F.normalize(self.relations.weight.data, p=2, dim=1)

        def distance(self, triples):
            h = self.entities(triples[:, 0])
            r = self.relations(triples[:, 1])
            t = self.entities(triples[:, 2])
            return torch.norm(h + r - t, p=1, dim=1)

        def forward(self, positive, negative):
            self.entities.weight.data = F.normalize(self.entities.weight.data, p=2, dim=1)
            return self.distance(positive), self.distance(negative)

    triples = torch.tensor([[0, 0, 1], [1, 0, 2], [2, 0, 3], [4, 1, 5], [5, 1, 6], [6, 1, 7]])
    model = init(TransE())
    criterion = nn.MarginRankingLoss(margin=1.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    rng = np.random.default_rng(3)
    losses = []
    for _ in range(8):
        corrupt = torch.from_numpy(rng.integers(0, n_ent, size=len(triples)))
        replace_head = torch.from_numpy(rng.uniform(size=len(triples)) < 0.5)
        negative = triples.clone()
        negative[:, 0] = torch.where(replace_head, corrupt, triples[:, 0])
        negative[:, 2] = torch.where(replace_head, triples[:, 2], corrupt)
        pos, neg = model(triples, negative)
        loss = criterion(pos, neg, torch.tensor([-1.0]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        ranks = []
        for h, r, t in triples.tolist():
            candidates = torch.tensor([[h, r, e] for e in range(n_ent)])
            d = model.distance(candidates)
            ranks.append(int((d < d[t]).sum()) + 1)
    return {"losses": losses, "ranks": ranks, "norms": model.entities.weight.norm(dim=1).tolist()}


def crnn_ctc_greedy_decoding(torch, init):
    """Text recognition homework: a CRNN (Conv2d and pooling down to height 1, `squeeze(2)` and
    `permute(2, 0, 1)` into (T, N, C) features, a bidirectional LSTM, a Linear to classes with
    blank 0), `log_softmax(2)` into nn.CTCLoss(blank=0, zero_infinity=True) with
    concatenated 1-D targets and per-sample target lengths, Adam, then greedy CTC decoding
    (argmax, collapse repeats with torch.unique_consecutive-free code, drop blanks)."""
    nn, F = torch.nn, torch.nn.functional
    n_classes = 5

    class CRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.cnn = nn.Sequential(
                nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d((2, 1)),
                nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d((4, 1)),
            )  # fmt: skip
            self.rnn = nn.LSTM(8, 8, bidirectional=True)
            self.fc = nn.Linear(16, n_classes)

        def forward(self, x):
            f = self.cnn(x)
            f = f.squeeze(2).permute(2, 0, 1)
            out, _ = self.rnn(f)
            return self.fc(out)

    rng = np.random.default_rng(14)
    images = torch.from_numpy(rng.uniform(size=(3, 1, 8, 12)).astype(np.float32))
    targets = [[1, 2, 3], [4, 4], [2, 1, 3, 1]]
    flat_targets = torch.tensor([c for t in targets for c in t])
    target_lengths = torch.tensor([len(t) for t in targets])
    model = init(CRNN())
    criterion = nn.CTCLoss(blank=0, zero_infinity=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(5):
        log_probs = F.log_softmax(model(images), dim=2)
        input_lengths = torch.full((images.size(0),), log_probs.size(0), dtype=torch.long)
        loss = criterion(log_probs, flat_targets, input_lengths, target_lengths)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        best = model(images).argmax(dim=2).t()
    decoded = []
    for seq in best.tolist():
        out, prev = [], None
        for c in seq:
            if c != prev and c != 0:
                out.append(c)
            prev = c
        decoded.append(out)
    return {
        "shape": list(log_probs.shape),
        "losses": losses,
        "best": best.tolist(),
        "decoded": decoded,
    }


def pgd_adversarial_training(torch, init):
    """Projected gradient descent attacks and adversarial training as course code writes
    them: a random start in the L-infinity ball (the noise from NumPy), steps of `alpha *
    grad.sign()`, projection by `torch.min(torch.max(x_adv, x - eps), x + eps)` and
    clamp(0, 1), `x_adv.detach().requires_grad_(True)` each step, the model in eval mode
    during the attack and train mode for the update on the adversarial batch; clean and
    robust accuracy before and after."""
    nn, F = torch.nn, torch.nn.functional
    model = init(nn.Sequential(nn.Flatten(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)))
    rng = np.random.default_rng(15)
    x = torch.from_numpy(rng.uniform(size=(12, 1, 4, 4)).astype(np.float32))
    y = torch.from_numpy(np.arange(12) % 3)
    eps, alpha, steps = 0.1, 0.03, 4

    def pgd(model, x, y, seed):
        start = torch.from_numpy(
            np.random.default_rng(seed).uniform(-eps, eps, size=x.shape).astype(np.float32)
        )
        x_adv = torch.clamp(x + start, 0, 1).detach()
        for _ in range(steps):
            x_adv.requires_grad_(True)
            loss = F.cross_entropy(model(x_adv), y)
            (grad,) = torch.autograd.grad(loss, [x_adv])
            x_adv = x_adv.detach() + alpha * grad.sign()
            x_adv = torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0, 1)
        return x_adv.detach()

    def accuracy(inputs):
        with torch.no_grad():
            return (model(inputs).argmax(1) == y).float().mean().item()

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.eval()
    before = [accuracy(x), accuracy(pgd(model, x, y, 0))]
    log = []
    for epoch in range(4):
        model.eval()
        x_adv = pgd(model, x, y, epoch + 1)
        model.train()
        loss = F.cross_entropy(model(x_adv), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append([loss.item(), (x_adv - x).abs().max().item() <= eps + 1e-6])
    model.eval()
    after = [accuracy(x), accuracy(pgd(model, x, y, 9))]
    return {"before": before, "log": log, "after": after}


def ddpm_training_step(torch, init):
    """A denoising diffusion (DDPM) training and sampling step as the annotated diffusion
    posts write it: a linear beta schedule, `alphas_cumprod = torch.cumprod(alphas, axis=0)`,
    `F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)`, extract() by `a.gather(-1, t)` reshaped to
    broadcast, q_sample, a sinusoidal time embedding, a small noise-predicting network, the MSE
    to the noise, and one reverse step p_sample with the posterior variance; the noise comes
    from NumPy so that both runs draw the same."""
    nn, F = torch.nn, torch.nn.functional
    T = 50
    betas = torch.linspace(1e-4, 0.02, T)
    alphas = 1.0 - betas
    alphas_cumprod = torch.cumprod(alphas, axis=0)
    alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
    sqrt_recip_alphas = torch.sqrt(1.0 / alphas)
    sqrt_alphas_cumprod = torch.sqrt(alphas_cumprod)
    sqrt_one_minus_alphas_cumprod = torch.sqrt(1.0 - alphas_cumprod)
    posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)

    def extract(a, t, x_shape):
        batch_size = t.shape[0]
        out = a.gather(-1, t.cpu())
        return out.reshape(batch_size, *((1,) * (len(x_shape) - 1))).to(t.device)

    def q_sample(x_start, t, noise):
        return (
            extract(sqrt_alphas_cumprod, t, x_start.shape) * x_start
            + extract(sqrt_one_minus_alphas_cumprod, t, x_start.shape) * noise
        )

    class SinusoidalPositionEmbeddings(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.dim = dim

        def forward(self, time):
            half_dim = self.dim // 2
            embeddings = math.log(10000) / (half_dim - 1)
            embeddings = torch.exp(torch.arange(half_dim) * -embeddings)
            embeddings = time[:, None] * embeddings[None, :]
            return torch.cat((embeddings.sin(), embeddings.cos()), dim=-1)

    class Denoiser(nn.Module):
        def __init__(self):
            super().__init__()
            self.time_mlp = nn.Sequential(
                SinusoidalPositionEmbeddings(8), nn.Linear(8, 16), nn.GELU()
            )
            self.inp = nn.Linear(4, 16)
            self.out = nn.Sequential(nn.SiLU(), nn.Linear(16, 4))

        def forward(self, x, t):
            return self.out(self.inp(x) + self.time_mlp(t))

    model = init(Denoiser())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(16)
    x_start = torch.from_numpy(rng.normal(size=(8, 4)).astype(np.float32))
    losses = []
    for _ in range(5):
        t = torch.from_numpy(rng.integers(0, T, size=8))
        noise = torch.from_numpy(rng.normal(size=(8, 4)).astype(np.float32))
        x_noisy = q_sample(x_start, t, noise)
        loss = F.mse_loss(noise, model(x_noisy, t))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    @torch.no_grad()
    def p_sample(x, t, t_index, noise):
        betas_t = extract(betas, t, x.shape)
        sqrt_one_minus_t = extract(sqrt_one_minus_alphas_cumprod, t, x.shape)
        sqrt_recip_alphas_t = extract(sqrt_recip_alphas, t, x.shape)
        model_mean = sqrt_recip_alphas_t * (x - betas_t * model(x, t) / sqrt_one_minus_t)
        if t_index == 0:
            return model_mean
        posterior_variance_t = extract(posterior_variance, t, x.shape)
        return model_mean + torch.sqrt(posterior_variance_t) * noise

    x = torch.from_numpy(rng.normal(size=(2, 4)).astype(np.float32))
    for i in reversed(range(0, 3)):
        noise = torch.from_numpy(rng.normal(size=(2, 4)).astype(np.float32))
        x = p_sample(x, torch.full((2,), i, dtype=torch.long), i, noise)
    return {
        "schedule": [
            alphas_cumprod[[0, 10, 49]].tolist(),
            alphas_cumprod_prev[:3].tolist(),
            posterior_variance[:3].tolist(),
        ],
        "extract": list(extract(betas, torch.tensor([1, 2]), (2, 3, 4, 4)).shape),
        "losses": losses,
        "sample": x.tolist(),
    }


def vq_vae_quantizer(torch, init):
    """The vector-quantisation layer of VQ-VAE as its PyTorch ports write it: inputs permuted
    to channels-last and flattened, distances to the codebook as `sum(x**2) + sum(e**2) - 2 x
    e^T` with torch.matmul, `torch.argmin`, one-hot encodings by scatter_, quantised vectors by
    matmul with the codebook, the codebook and commitment losses with detach(), the
    straight-through `inputs + (quantized - inputs).detach()`, and the perplexity of the code
    usage; a few Adam steps of an encoder/decoder around it."""
    nn, F = torch.nn, torch.nn.functional
    K, D = 6, 3

    class VectorQuantizer(nn.Module):
        def __init__(self, num_embeddings, embedding_dim, commitment_cost):
            super().__init__()
            self._embedding_dim = embedding_dim
            self._num_embeddings = num_embeddings
            self._embedding = nn.Embedding(num_embeddings, embedding_dim)
            self._embedding.weight.data.uniform_(-1 / num_embeddings, 1 / num_embeddings)
            self._commitment_cost = commitment_cost

        def forward(self, inputs):
            inputs = inputs.permute(0, 2, 3, 1).contiguous()
            input_shape = inputs.shape
            flat_input = inputs.view(-1, self._embedding_dim)
            distances = (
                torch.sum(flat_input**2, dim=1, keepdim=True)
                + torch.sum(self._embedding.weight**2, dim=1)
                - 2 * torch.matmul(flat_input, self._embedding.weight.t())
            )
            encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
            encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings)
            encodings.scatter_(1, encoding_indices, 1)
            quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
            e_latent_loss = F.mse_loss(quantized.detach(), inputs)
            q_latent_loss = F.mse_loss(quantized, inputs.detach())
            loss = q_latent_loss + self._commitment_cost * e_latent_loss
            quantized = inputs + (quantized - inputs).detach()
            avg_probs = torch.mean(encodings, dim=0)
            perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
            return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings

    encoder = init(nn.Conv2d(1, D, 2, stride=2))
    vq = init(VectorQuantizer(K, D, 0.25))
    decoder = init(nn.ConvTranspose2d(D, 1, 2, stride=2))
    params = [*encoder.parameters(), *vq.parameters(), *decoder.parameters()]
    optimizer = torch.optim.Adam(params, lr=1e-2)
    x = torch.from_numpy(np.random.default_rng(17).uniform(size=(4, 1, 6, 6)).astype(np.float32))
    log = []
    for _ in range(5):
        vq_loss, quantized, perplexity, encodings = vq(encoder(x))
        recon = decoder(quantized)
        loss = F.mse_loss(recon, x) + vq_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append([loss.item(), vq_loss.item(), perplexity.item(), encodings.argmax(1).tolist()])
    return {
        "log": log,
        "codebook_grad": vq._embedding.weight.grad.tolist(),
        "encoder_grad": encoder.weight.grad.flatten().tolist(),
    }


def sklearn_interop_digits(torch, init):
    """scikit-learn and PyTorch side by side, as course notebooks mix them: load_digits,
    train_test_split with a random_state and stratify, StandardScaler fitted on the training
    part, `torch.tensor(X_train, dtype=torch.float32)` and `torch.from_numpy(y).long()`, an
    MLP trained by minibatches of a shuffled DataLoader (its order from a seeded Generator is
    not compared: full-batch steps here), predictions back to NumPy with `.detach().numpy()`
    for sklearn's accuracy_score, confusion_matrix and classification report numbers."""
    from sklearn.datasets import load_digits
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    nn, F = torch.nn, torch.nn.functional
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X[:400], y[:400], test_size=0.25, random_state=0, stratify=y[:400]
    )
    scaler = StandardScaler().fit(X_train)
    X_train_t = torch.tensor(scaler.transform(X_train), dtype=torch.float32)
    X_test_t = torch.tensor(scaler.transform(X_test), dtype=torch.float32)
    y_train_t = torch.from_numpy(y_train).long()
    model = init(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X_train_t), y_train_t)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        proba = F.softmax(model(X_test_t), dim=1).detach().numpy()
    pred = proba.argmax(axis=1)
    return {
        "shapes": [
            list(X_train_t.shape),
            str(X_train_t.dtype).split(".")[-1],
            str(y_train_t.dtype).split(".")[-1],
        ],
        "losses": losses,
        "accuracy": float(accuracy_score(y_test, pred)),
        "f1": float(f1_score(y_test, pred, average="macro")),
        "confusion": confusion_matrix(y_test, pred).tolist(),
        "proba_type": [type(proba).__name__, str(proba.dtype)],
    }


def tabular_embeddings_model(torch, init):
    """A tabular model in the fastai style written in plain PyTorch: one nn.Embedding per
    categorical column with `min(50, (n + 1) // 2)` dimensions, embeddings concatenated with
    the batch-normalised continuous columns, Linear-ReLU-BatchNorm1d-Dropout blocks, a
    regression target scaled into a range by sigmoid, a DataLoader over a TensorDataset of
    (categorical, continuous, target), and eval-mode predictions."""
    nn, F = torch.nn, torch.nn.functional
    cardinalities = [4, 7, 3]
    emb_szs = [(n, min(50, (n + 1) // 2)) for n in cardinalities]
    rng = np.random.default_rng(18)
    N = 32
    cats = np.stack([rng.integers(0, n, size=N) for n in cardinalities], axis=1)
    conts = rng.normal(size=(N, 2)).astype(np.float32)
    target = (2 + cats[:, 0] * 0.5 - cats[:, 2] + conts[:, 0]).astype(np.float32)[:, None]

    class TabularModel(nn.Module):
        def __init__(self, emb_szs, n_cont, out_sz, layers, y_range):
            super().__init__()
            self.embeds = nn.ModuleList([nn.Embedding(ni, nf) for ni, nf in emb_szs])
            self.emb_drop = nn.Dropout(0.0)
            self.bn_cont = nn.BatchNorm1d(n_cont)
            n_emb = sum(e.embedding_dim for e in self.embeds)
            sizes = [n_emb + n_cont] + layers
            blocks = []
            for a, b in zip(sizes[:-1], sizes[1:]):
                blocks += [
                    nn.Linear(a, b),
                    nn.ReLU(inplace=True),
                    nn.BatchNorm1d(b),
                    nn.Dropout(0.0),
                ]
            self.layers = nn.Sequential(*blocks, nn.Linear(sizes[-1], out_sz))
            self.y_range = y_range

        def forward(self, x_cat, x_cont):
            x = [e(x_cat[:, i]) for i, e in enumerate(self.embeds)]
            x = self.emb_drop(torch.cat(x, 1))
            x = torch.cat([x, self.bn_cont(x_cont)], 1)
            x = self.layers(x)
            lo, hi = self.y_range
            return torch.sigmoid(x) * (hi - lo) + lo

    model = init(TabularModel(emb_szs, 2, 1, [16, 8], (-2.0, 6.0)))
    ds = torch.utils.data.TensorDataset(
        torch.from_numpy(cats), torch.from_numpy(conts), torch.from_numpy(target)
    )
    loader = torch.utils.data.DataLoader(ds, batch_size=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    losses = []
    for _ in range(2):
        model.train()
        for xc, xn, yb in loader:
            loss = F.mse_loss(model(xc, xn), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        preds = model(torch.from_numpy(cats[:4]), torch.from_numpy(conts[:4]))
    return {
        "emb_szs": emb_szs,
        "losses": losses,
        "preds": preds.flatten().tolist(),
        "running_var": model.bn_cont.running_var.tolist(),
    }


def model_surgery(torch, init):
    """Changing a built model as forum answers do: replacing the head (`model.fc =
    nn.Linear(...)`) and turning a layer into nn.Identity to expose features, swapping every
    ReLU for a GELU by walking named_children recursively with setattr, inserting a layer
    into a Sequential by rebuilding it from list(model.children()), slicing a Sequential,
    weight sharing (the same module used twice is counted once by parameters()), deleting a
    submodule with del, and `model.apply(fn)` re-initialising the linear layers."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU())
            self.fc = nn.Linear(8, 3)

        def forward(self, x):
            return self.fc(self.features(x))

    model = init(Net())
    x = init(torch.randn(5, 4))
    before = model(x)
    model.fc = nn.Identity()
    features = model(x)

    def replace_relu(module):
        for name, child in module.named_children():
            if isinstance(child, nn.ReLU):
                setattr(module, name, nn.GELU())
            else:
                replace_relu(child)

    replace_relu(model)
    model.fc = nn.Linear(8, 2)
    init(model)
    gelu_out = model(x)
    layers = list(model.features.children())
    layers.insert(2, nn.LayerNorm(8))
    model.features = nn.Sequential(*layers)
    init(model)
    inserted = model(x)
    first_two = model.features[:2]
    shared = nn.Linear(3, 3)
    tied = nn.Sequential(shared, nn.Tanh(), shared)
    n_unique = sum(p.numel() for p in tied.parameters())
    del model.features[2]

    def reinit(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.1)
            nn.init.zeros_(m.bias)

    model.apply(reinit)
    return {
        "before": before.tolist(),
        "features": [list(features.shape), features.tolist()],
        "structure": [type(m).__name__ for m in model.modules()],
        "gelu": gelu_out.tolist(),
        "inserted": inserted.tolist(),
        "slice": [type(first_two).__name__, len(first_two)],
        "tied": [n_unique, len(list(tied.parameters())), len(tied.state_dict())],
        "reinit": model(x).tolist(),
        "keys": list(model.state_dict().keys()),
    }


def multitask_uncertainty_weighting(torch, init):
    """Multi-task learning as papers' code writes it: a shared trunk with a classification head
    and a regression head, the homoscedastic-uncertainty weighting with learnable log
    variances (`torch.exp(-log_vars[i]) * loss_i + log_vars[i]`), the log_vars in their own
    parameter group without weight decay, and per-task gradient norms at the shared layer
    from torch.autograd.grad with retain_graph=True (GradNorm's first step)."""
    nn, F = torch.nn, torch.nn.functional

    class MultiTask(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.Sequential(nn.Linear(5, 16), nn.ReLU())
            self.cls_head = nn.Linear(16, 3)
            self.reg_head = nn.Linear(16, 1)
            self.log_vars = nn.Parameter(torch.zeros(2))

        def forward(self, x):
            h = self.trunk(x)
            return self.cls_head(h), self.reg_head(h).squeeze(-1)

    model = init(MultiTask())
    X = _randn(torch, (20, 5), 19)
    y_cls = torch.from_numpy(np.arange(20) % 3)
    y_reg = X[:, 0] * 2 - X[:, 1]
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in model.named_parameters() if n != "log_vars"],
         "weight_decay": 0.01},
        {"params": [model.log_vars], "weight_decay": 0.0},
    ], lr=0.02)  # fmt: skip
    shared = model.trunk[0].weight
    log = []
    for _ in range(6):
        logits, reg = model(X)
        losses = [F.cross_entropy(logits, y_cls), F.mse_loss(reg, y_reg)]
        norms = [torch.autograd.grad(l, shared, retain_graph=True)[0].norm().item() for l in losses]  # noqa: E741
        total = sum(
            torch.exp(-model.log_vars[i]) * l + model.log_vars[i] for i, l in enumerate(losses)
        )
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        log.append([total.item(), [l.item() for l in losses], norms])  # noqa: E741
    return {
        "log": log,
        "log_vars": model.log_vars.tolist(),
        "groups": [g["weight_decay"] for g in optimizer.param_groups],
    }


def siamese_contrastive(torch, init):
    """A Siamese network with the contrastive loss as tutorials write it: one embedding net
    applied to both inputs, F.pairwise_distance, `(1 - label) * d**2 + label *
    torch.clamp(margin - d, min=0.0) ** 2` averaged, pairs built from NumPy indices (same
    class or not), Adam; then the distances of similar and dissimilar pairs, and the
    threshold accuracy."""
    nn, F = torch.nn, torch.nn.functional

    class SiameseNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Sequential(nn.Linear(6, 16), nn.ReLU(inplace=True), nn.Linear(16, 4))

        def forward_once(self, x):
            return self.fc(x)

        def forward(self, input1, input2):
            return self.forward_once(input1), self.forward_once(input2)

    class ContrastiveLoss(nn.Module):
        def __init__(self, margin=2.0):
            super().__init__()
            self.margin = margin

        def forward(self, output1, output2, label):
            euclidean_distance = F.pairwise_distance(output1, output2, keepdim=True)
            return torch.mean(
                (1 - label) * torch.pow(euclidean_distance, 2)
                + label * torch.pow(torch.clamp(self.margin - euclidean_distance, min=0.0), 2)
            )

    rng = np.random.default_rng(20)
    centers = rng.normal(size=(3, 6)) * 2
    classes = rng.integers(0, 3, size=30)
    points = (centers[classes] + rng.normal(size=(30, 6)) * 0.5).astype(np.float32)
    i1, i2 = rng.integers(0, 30, size=40), rng.integers(0, 30, size=40)
    x1, x2 = torch.from_numpy(points[i1]), torch.from_numpy(points[i2])
    label = torch.from_numpy((classes[i1] != classes[i2]).astype(np.float32)).unsqueeze(1)
    net = init(SiameseNetwork())
    criterion = ContrastiveLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=5e-3)
    losses = []
    for _ in range(8):
        optimizer.zero_grad()
        out1, out2 = net(x1, x2)
        loss = criterion(out1, out2, label)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        d = F.pairwise_distance(*net(x1, x2))
        same = d[label.squeeze(1) == 0].mean().item()
        different = d[label.squeeze(1) == 1].mean().item()
        acc = ((d > 1.0).float() == label.squeeze(1)).float().mean().item()
    return {"losses": losses, "distances": [same, different], "accuracy": acc}


def regularization_tricks(torch, init):
    """Regularisation as homework writes it: an L1 penalty `sum(p.abs().sum() for name, p in
    model.named_parameters() if "weight" in name)`, an explicit L2 term against Adam's
    weight_decay (the same step) and AdamW's decoupled decay (another), a max-norm constraint
    on the rows of a weight by `w.data.renorm_(2, 0, max_norm)` after each step, and the
    gradient-flow numbers plot_grad_flow collects (mean and max of |grad| per weight)."""
    nn, F = torch.nn, torch.nn.functional
    X, y = _randn(torch, (16, 4), 22), torch.from_numpy(np.arange(16) % 2)

    def make():
        return init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))

    def train(model, optimizer, l1=0.0, l2=0.0, max_norm=None, steps=4):
        for _ in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X), y)
            if l1:
                loss = loss + l1 * sum(
                    p.abs().sum() for name, p in model.named_parameters() if "weight" in name
                )
            if l2:
                loss = loss + l2 / 2 * sum((p**2).sum() for p in model.parameters())
            loss.backward()
            optimizer.step()
            if max_norm is not None:
                with torch.no_grad():
                    model[0].weight.data.renorm_(2, 0, max_norm)
        return model

    l1_model = make()
    train(l1_model, torch.optim.SGD(l1_model.parameters(), lr=0.1), l1=0.01)
    explicit = make()
    decay, decoupled = copy.deepcopy(explicit), copy.deepcopy(explicit)
    train(explicit, torch.optim.Adam(explicit.parameters(), lr=0.01), l2=0.1)
    train(decay, torch.optim.Adam(decay.parameters(), lr=0.01, weight_decay=0.1))
    train(decoupled, torch.optim.AdamW(decoupled.parameters(), lr=0.01, weight_decay=0.1))
    capped = make()
    train(capped, torch.optim.SGD(capped.parameters(), lr=1.0), max_norm=0.5)
    capped.zero_grad()
    F.cross_entropy(capped(X), y).backward()
    flow = [
        [n, p.grad.abs().mean().item(), p.grad.abs().max().item()]
        for n, p in capped.named_parameters()
        if p.requires_grad and "bias" not in n
    ]
    return {
        "l1": l1_model[0].weight.tolist(),
        "l2_equals_weight_decay": all(
            torch.allclose(p, q, atol=1e-6)
            for p, q in zip(explicit.parameters(), decay.parameters())
        ),
        "adamw_differs": not torch.allclose(decay[0].weight, decoupled[0].weight),
        "decoupled": decoupled[0].weight.tolist(),
        "row_norms": capped[0].weight.norm(dim=1).tolist(),
        "flow": flow,
    }


def custom_dataset_and_transforms(torch, init):
    """ "Writing Custom Datasets, DataLoaders and Transforms": a Dataset returning a dict
    sample {'image', 'landmarks'}, callable transform classes Rescale (by index arithmetic
    on NumPy), RandomCrop (offsets from a seeded NumPy generator) and ToTensor (HWC to CHW
    by `image.transpose((2, 0, 1))` and torch.from_numpy), composed by a small Compose class;
    a DataLoader batching the dicts with the default collate (`sample_batched['image'].size()`),
    and the landmarks shifted by the crop."""
    rng = np.random.default_rng(23)
    images = rng.uniform(size=(5, 12, 10, 3)).astype(np.float32)
    landmarks = rng.uniform(0, 10, size=(5, 4, 2)).astype(np.float32)

    class FaceLandmarksDataset(torch.utils.data.Dataset):
        def __init__(self, transform=None):
            self.transform = transform

        def __len__(self):
            return len(images)

        def __getitem__(self, idx):
            if torch.is_tensor(idx):
                idx = idx.tolist()
            sample = {"image": images[idx], "landmarks": landmarks[idx]}
            if self.transform:
                sample = self.transform(sample)
            return sample

    class Rescale:
        def __init__(self, output_size):
            self.output_size = output_size

        def __call__(self, sample):
            image, marks = sample["image"], sample["landmarks"]
            h, w = image.shape[:2]
            new_h, new_w = self.output_size
            rows = (np.arange(new_h) * h // new_h).astype(int)
            cols = (np.arange(new_w) * w // new_w).astype(int)
            img = image[rows][:, cols]
            return {"image": img, "landmarks": marks * [new_w / w, new_h / h]}

    class RandomCrop:
        def __init__(self, output_size, seed):
            self.output_size = output_size
            self.rng = np.random.default_rng(seed)

        def __call__(self, sample):
            image, marks = sample["image"], sample["landmarks"]
            h, w = image.shape[:2]
            new_h, new_w = self.output_size
            top = self.rng.integers(0, h - new_h + 1)
            left = self.rng.integers(0, w - new_w + 1)
            image = image[top : top + new_h, left : left + new_w]
            return {"image": image, "landmarks": marks - [left, top]}

    class ToTensor:
        def __call__(self, sample):
            image, marks = sample["image"], sample["landmarks"]
            image = image.transpose((2, 0, 1))
            return {
                "image": torch.from_numpy(np.ascontiguousarray(image)),
                "landmarks": torch.from_numpy(marks.astype(np.float32)),
            }

    class Compose:
        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, sample):
            for t in self.transforms:
                sample = t(sample)
            return sample

    dataset = FaceLandmarksDataset(
        transform=Compose([Rescale((8, 8)), RandomCrop((6, 6), 0), ToTensor()])
    )
    sample = dataset[torch.tensor(1)]
    loader = torch.utils.data.DataLoader(dataset, batch_size=2, shuffle=False, num_workers=0)
    batches = []
    for i_batch, sample_batched in enumerate(loader):
        batches.append(
            [
                i_batch,
                list(sample_batched["image"].size()),
                list(sample_batched["landmarks"].size()),
                sample_batched["landmarks"][0, 0].tolist(),
            ]
        )
    return {
        "sample": [
            sorted(sample.keys()),
            list(sample["image"].shape),
            sample["image"][0, :2, :2].tolist(),
            sample["landmarks"].tolist(),
        ],
        "batches": batches,
    }


def common_errors_students_hit(torch, init):
    """The errors beginners meet, caught as they catch them: which exception type each
    raises (matmul of mismatched shapes in nn.Linear, `.numpy()` of a tensor that requires
    grad, a second backward through a freed graph, `.item()` of several elements, `.view` of a
    transposed tensor, cross_entropy with float class indices, torch.cat of mismatched sizes,
    an index out of range, float times double in matmul), and the fixes that work
    (detach().numpy(), retain_graph, reshape/contiguous, .long(), .float())."""
    nn, F = torch.nn, torch.nn.functional
    layer = init(nn.Linear(3, 2))
    x = init(torch.randn(4, 3))
    cases = {}

    def attempt(name, fn):
        try:
            fn()
            cases[name] = "no error"
        except Exception as error:  # noqa: BLE001 - the exception's type is what is compared
            cases[name] = type(error).__name__

    attempt("linear_shapes", lambda: layer(torch.randn(4, 5)))
    w = torch.ones(2, requires_grad=True)
    attempt("numpy_requires_grad", lambda: w.numpy())
    loss = (w * 2).sum()
    loss.backward()
    attempt("backward_twice", lambda: loss.backward())
    attempt("item_of_many", lambda: x.sum(0).item())
    attempt("view_of_transpose", lambda: x.t().view(-1))
    attempt("float_targets", lambda: F.cross_entropy(x, torch.tensor([0.0, 1.0, 1.0, 0.0])))
    attempt("cat_sizes", lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)], dim=0))
    attempt("index_range", lambda: x[4])
    attempt("float_times_double", lambda: x @ torch.ones(3, 2, dtype=torch.float64))
    loss2 = (w * 3).sum()
    loss2.backward(retain_graph=True)
    loss2.backward()
    return {
        "errors": cases,
        "fixes": [
            w.detach().numpy().tolist(),
            w.grad.tolist(),
            x.t().reshape(-1).tolist()[:4],
            x.t().contiguous().view(-1).tolist()[:4],
            F.cross_entropy(x[:, :2], torch.tensor([0.0, 1.0, 1.0, 0.0]).long()).item(),
            (x @ torch.ones(3, 2, dtype=torch.float64).float()).tolist(),
        ],
    }


def bucket_sampler_and_batch_sampler(torch, init):
    """Batching variable-length sequences by length as NLP code does: a custom
    torch.utils.data.Sampler yielding indices sorted by length in buckets (the shuffle of the
    buckets from a seeded NumPy generator), a batch_sampler that yields lists of indices, a
    collate_fn padding with pad_sequence and returning lengths, a DataLoader with
    batch_sampler=..., and the padding saved compared with random batching."""
    pad_sequence = torch.nn.utils.rnn.pad_sequence
    rng = np.random.default_rng(24)
    lengths = rng.integers(1, 12, size=20)
    sequences = [torch.arange(1, n + 1) for n in lengths]

    class SeqDataset(torch.utils.data.Dataset):
        def __len__(self):
            return len(sequences)

        def __getitem__(self, i):
            return sequences[i]

    class BucketBatchSampler(torch.utils.data.Sampler):
        def __init__(self, lengths, batch_size, seed):
            self.lengths, self.batch_size, self.seed = lengths, batch_size, seed

        def __iter__(self):
            order = np.argsort(self.lengths, kind="stable")
            batches = [
                order[i : i + self.batch_size].tolist()
                for i in range(0, len(order), self.batch_size)
            ]
            np.random.default_rng(self.seed).shuffle(batches)
            yield from batches

        def __len__(self):
            return (len(self.lengths) + self.batch_size - 1) // self.batch_size

    def collate(batch):
        lens = torch.tensor([len(s) for s in batch])
        return pad_sequence(batch, batch_first=True, padding_value=0), lens

    loader = torch.utils.data.DataLoader(SeqDataset(), batch_sampler=BucketBatchSampler(
        lengths, 4, seed=1), collate_fn=collate)  # fmt: skip
    padded = [(b.shape[1] * b.shape[0] - int(n.sum())) for b, n in loader]
    plain = torch.utils.data.DataLoader(SeqDataset(), batch_size=4, collate_fn=collate)
    plain_padding = [(b.shape[1] * b.shape[0] - int(n.sum())) for b, n in plain]
    first_batch, first_lens = next(iter(loader))
    return {
        "len": len(loader),
        "padding": [sum(padded), sum(plain_padding)],
        "first": [first_batch.tolist(), first_lens.tolist()],
        "shapes": [list(b.shape) for b, _ in loader],
    }


def tensor_views_and_strides(torch, init):
    """The "Tensor Views" doc page as code: view, transpose, narrow, expand and unfold share
    the base's storage (an in-place write through a view shows in the base), their strides
    (expand's 0), is_contiguous after transpose, contiguous() and clone() copying,
    reshape of a non-contiguous tensor copying, storage_offset of a slice, and
    `untyped_storage().data_ptr()` telling shared from copied."""
    base = torch.arange(12.0).view(3, 4)
    t = base.t()
    narrow = base.narrow(1, 1, 2)
    expanded = torch.ones(3, 1).expand(3, 4)
    windows = torch.arange(6.0).unfold(0, 3, 1)
    narrow[0, 0] = 100.0
    t[3, 2] = -1.0

    def shares(a, b):
        return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()

    copied = t.contiguous()
    reshaped = t.reshape(-1)
    return {
        "strides": [
            base.stride(),
            t.stride(),
            narrow.stride(),
            expanded.stride(),
            windows.stride(),
        ],
        "contiguous": [
            base.is_contiguous(),
            t.is_contiguous(),
            copied.is_contiguous(),
            narrow.is_contiguous(),
        ],
        "shared": [
            shares(base, t),
            shares(base, narrow),
            shares(base, copied),
            shares(base, base.clone()),
            shares(base, base.view(-1)),
        ],
        "offsets": [
            base[1:].storage_offset(),
            narrow.storage_offset(),
            base[2, 1:].storage_offset(),
        ],
        "writes": base.tolist(),
        "reshape": [reshaped.tolist(), reshaped.is_contiguous()],
        "windows": windows.tolist(),
    }


def manual_backprop_two_layer_mlp(torch, init):
    """Gradients by hand, the lecture's exercise: a two-layer ReLU network with softmax
    cross-entropy written with tensor ops, the backward pass derived by hand (`dlogits =
    (probs - onehot) / N`, `dW2 = h.t() @ dlogits`, the ReLU mask, `dW1 = x.t() @ dh`), checked
    against autograd's gradients of the same loss; then a few steps of gradient descent with
    the hand-made gradients only (under no_grad), and the loss going down."""
    F = torch.nn.functional
    N, D, H, C = 8, 5, 6, 3
    x = _randn(torch, (N, D), 25)
    y = torch.from_numpy(np.arange(N) % C)
    W1 = init(torch.randn(D, H)) * 0.5
    b1 = torch.zeros(H)
    W2 = init(torch.randn(H, C)) * 0.5
    b2 = torch.zeros(C)

    def forward(W1, b1, W2, b2):
        z = x @ W1 + b1
        h = z.clamp(min=0)
        logits = h @ W2 + b2
        probs = torch.softmax(logits, dim=1)
        loss = -torch.log(probs[torch.arange(N), y]).mean()
        return z, h, probs, loss

    def backward(z, h, probs, W2):
        onehot = F.one_hot(y, C).float()
        dlogits = (probs - onehot) / N
        dW2 = h.t() @ dlogits
        db2 = dlogits.sum(0)
        dh = dlogits @ W2.t()
        dz = dh * (z > 0).float()
        return x.t() @ dz, dz.sum(0), dW2, db2

    params = [p.clone().requires_grad_() for p in (W1, b1, W2, b2)]
    _, _, _, loss = forward(*params)
    loss.backward()
    z, h, probs, _ = forward(W1, b1, W2, b2)
    by_hand = backward(z, h, probs, W2)
    agree = [torch.allclose(g, p.grad, atol=1e-6) for g, p in zip(by_hand, params)]
    losses = []
    with torch.no_grad():
        for _ in range(10):
            z, h, probs, loss = forward(W1, b1, W2, b2)
            dW1, db1, dW2, db2 = backward(z, h, probs, W2)
            W1 -= 0.5 * dW1
            b1 -= 0.5 * db1
            W2 -= 0.5 * dW2
            b2 -= 0.5 * db2
            losses.append(loss.item())
    return {"agree": agree, "grads": [g.tolist() for g in by_hand], "losses": losses}


def t5_relative_position_buckets(torch, init):
    """T5's relative position bias as its PyTorch implementation writes it: the bucket of each
    (query, key) distance (`n = -relative_position`, half the buckets exact, the rest
    logarithmic by `torch.log(n.float() / max_exact) / math.log(max_distance / max_exact)`,
    `.to(torch.long)`, `torch.min(..., torch.full_like(...))`, bidirectional with
    `(n < 0).to(torch.long) * num_buckets`), an nn.Embedding of biases per head added to the
    attention scores; then generation's repetition penalty on logits by gather, torch.where
    and scatter_."""
    nn, F = torch.nn, torch.nn.functional

    def relative_position_bucket(
        relative_position, bidirectional=True, num_buckets=32, max_distance=128
    ):
        ret = 0
        n = -relative_position
        if bidirectional:
            num_buckets //= 2
            ret += (n < 0).to(torch.long) * num_buckets
            n = torch.abs(n)
        else:
            n = torch.max(n, torch.zeros_like(n))
        max_exact = num_buckets // 2
        is_small = n < max_exact
        val_if_large = max_exact + (
            torch.log(n.float() / max_exact)
            / math.log(max_distance / max_exact)
            * (num_buckets - max_exact)
        ).to(torch.long)
        val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))
        ret += torch.where(is_small, n, val_if_large)
        return ret

    qlen = klen = 40
    context_position = torch.arange(qlen, dtype=torch.long)[:, None]
    memory_position = torch.arange(klen, dtype=torch.long)[None, :]
    relative_position = memory_position - context_position
    buckets = relative_position_bucket(relative_position, num_buckets=16, max_distance=32)
    causal = relative_position_bucket(
        relative_position, bidirectional=False, num_buckets=16, max_distance=32
    )
    bias = init(nn.Embedding(16, 2))
    values = bias(buckets).permute([2, 0, 1]).unsqueeze(0)
    scores = init(torch.randn(1, 2, qlen, klen))
    attn = F.softmax(scores + values, dim=-1)
    (attn[..., 0].sum()).backward()

    logits = init(torch.randn(2, 7))
    input_ids = torch.tensor([[1, 3, 3], [0, 6, 2]])
    penalty = 1.3
    score = torch.gather(logits, 1, input_ids)
    score = torch.where(score < 0, score * penalty, score / penalty)
    penalized = logits.clone().scatter_(1, input_ids, score)
    return {
        "buckets": [buckets[0].tolist(), buckets[:, 0].tolist(), buckets.dtype == torch.long],
        "causal": causal[-1].tolist(),
        "bias_grad": bias.weight.grad.tolist(),
        "penalized": penalized.tolist(),
    }


def sinkhorn_optimal_transport(torch, init):
    """Entropic optimal transport as differentiable-OT tutorials write it: a squared
    Euclidean cost from torch.cdist, log-domain Sinkhorn iterations with torch.logsumexp on
    the dual potentials, the transport plan `exp((f[:, None] + g[None, :] - C) / eps)`, its
    marginals, the Sinkhorn cost, and its gradient with respect to the source points (moving
    them towards the targets with a few gradient steps)."""
    rng = np.random.default_rng(26)
    x = torch.from_numpy(rng.normal(size=(6, 2)).astype(np.float64)).requires_grad_()
    y = torch.from_numpy((rng.normal(size=(5, 2)) + 2.0).astype(np.float64))
    a = torch.full((6,), 1 / 6, dtype=torch.float64)
    b = torch.full((5,), 1 / 5, dtype=torch.float64)
    eps = 0.1

    def sinkhorn(x, y, iters=50):
        C = torch.cdist(x, y) ** 2
        f = torch.zeros(6, dtype=torch.float64)
        g = torch.zeros(5, dtype=torch.float64)
        for _ in range(iters):
            f = -eps * torch.logsumexp((g[None, :] - C) / eps + torch.log(b)[None, :], dim=1)
            g = -eps * torch.logsumexp((f[:, None] - C) / eps + torch.log(a)[:, None], dim=0)
        P = a[:, None] * b[None, :] * torch.exp((f[:, None] + g[None, :] - C) / eps)
        return (P * C).sum(), P

    cost, P = sinkhorn(x, y)
    cost.backward()
    first_grad = x.grad.clone()
    costs = [cost.item()]
    optimizer = torch.optim.SGD([x], lr=1.0)
    for _ in range(3):
        optimizer.zero_grad()
        cost, _ = sinkhorn(x, y)
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
    return {
        "marginals": [P.sum(1).tolist(), P.sum(0).tolist()],
        "plan": P.tolist(),
        "grad": first_grad.tolist(),
        "costs": costs,
    }


def kalman_filter_tracking(torch, init):
    """A constant-velocity Kalman filter in torch, as robotics course code writes it: state
    transition F and observation H matrices, predict (`x = F @ x`, `P = F @ P @ F.T + Q`) and
    update with the Kalman gain by torch.linalg.inv and by torch.linalg.solve (the same),
    the innovation, `(torch.eye(4) - K @ H) @ P`, over noisy 2-D positions from NumPy; then the
    RMSE of the filtered track against the truth and the final covariance's diagonal."""
    dt = 1.0
    Fm = torch.tensor(
        [[1, 0, dt, 0], [0, 1, 0, dt], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=torch.float64
    )
    H = torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0]], dtype=torch.float64)
    Q = 0.01 * torch.eye(4, dtype=torch.float64)
    R = 0.5 * torch.eye(2, dtype=torch.float64)
    rng = np.random.default_rng(27)
    truth = np.stack([np.arange(12) * 1.0, np.arange(12) * 0.5], axis=1)
    measurements = torch.from_numpy(truth + rng.normal(0, 0.7, size=truth.shape))
    x = torch.zeros(4, 1, dtype=torch.float64)
    P = torch.eye(4, dtype=torch.float64) * 10
    track, gains_agree = [], []
    for z in measurements:
        x = Fm @ x
        P = Fm @ P @ Fm.T + Q
        S = H @ P @ H.T + R
        K = P @ H.T @ torch.linalg.inv(S)
        K_solve = torch.linalg.solve(S, H @ P).T
        gains_agree.append(torch.allclose(K, K_solve))
        innovation = z.view(2, 1) - H @ x
        x = x + K @ innovation
        P = (torch.eye(4, dtype=torch.float64) - K @ H) @ P
        track.append(x[:2, 0].clone())
    track = torch.stack(track)
    truth_t = torch.from_numpy(truth)
    return {
        "gains_agree": all(gains_agree),
        "track": track.tolist(),
        "rmse": [
            torch.sqrt(((track - truth_t) ** 2).mean()).item(),
            torch.sqrt(((measurements - truth_t) ** 2).mean()).item(),
        ],
        "P_diag": torch.diagonal(P).tolist(),
        "velocity": x[2:, 0].tolist(),
    }


def moco_momentum_encoder_queue(torch, init):
    """MoCo's training step as its reference code writes it: a key encoder copied from the
    query encoder with requires_grad = False, the momentum update `param_k.data =
    param_k.data * m + param_q.data * (1.0 - m)` under no_grad, a queue of negative keys and
    its pointer registered as buffers (F.normalize along dim 0, `self.queue[:, ptr:ptr +
    batch_size] = keys.T`, `self.queue_ptr[0] = ptr`), logits from torch.einsum('nc,nc->n')
    and ('nc,ck->nk'), cat of positives and negatives over a temperature, labels of zeros
    (torch.long), and cross-entropy."""
    nn, F = torch.nn, torch.nn.functional
    dim, K, m, T = 4, 8, 0.9, 0.07

    class MoCo(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder_q = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, dim))
            self.encoder_k = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, dim))
            for param_q, param_k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
                param_k.data.copy_(param_q.data)
                param_k.requires_grad = False
            self.register_buffer("queue", torch.randn(dim, K))
            self.queue = F.normalize(self.queue, dim=0)
            self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

        @torch.no_grad()
        def _momentum_update_key_encoder(self):
            for param_q, param_k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
                param_k.data = param_k.data * m + param_q.data * (1.0 - m)

        @torch.no_grad()
        def _dequeue_and_enqueue(self, keys):
            batch_size = keys.shape[0]
            ptr = int(self.queue_ptr)
            assert K % batch_size == 0
            self.queue[:, ptr : ptr + batch_size] = keys.T
            ptr = (ptr + batch_size) % K
            self.queue_ptr[0] = ptr

        def forward(self, im_q, im_k):
            q = F.normalize(self.encoder_q(im_q), dim=1)
            with torch.no_grad():
                self._momentum_update_key_encoder()
                k = F.normalize(self.encoder_k(im_k), dim=1)
            l_pos = torch.einsum("nc,nc->n", [q, k]).unsqueeze(-1)
            l_neg = torch.einsum("nc,ck->nk", [q, self.queue.clone().detach()])
            logits = torch.cat([l_pos, l_neg], dim=1) / T
            labels = torch.zeros(logits.shape[0], dtype=torch.long)
            self._dequeue_and_enqueue(k)
            return logits, labels

    model = init(MoCo())
    optimizer = torch.optim.SGD(
        filter(lambda p: p.requires_grad, model.parameters()),
        lr=0.03,
        momentum=0.9,
        weight_decay=1e-4,
    )
    log = []
    for step in range(4):
        base = _randn(torch, (4, 6), 30 + step)
        im_q = base + 0.05 * _randn(torch, (4, 6), 40 + step)
        im_k = base + 0.05 * _randn(torch, (4, 6), 50 + step)
        logits, labels = model(im_q, im_k)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append([loss.item(), int(model.queue_ptr), list(logits.shape)])
    return {
        "log": log,
        "queue": model.queue.tolist(),
        "key_weight": model.encoder_k[0].weight.tolist(),
        "key_grads": [p.grad is None for p in model.encoder_k.parameters()],
        "buffers": [name for name, _ in model.named_buffers()],
    }


def dtypes_and_precision(torch, init):
    """Precision as users switch it: model.double() with double inputs (a dtype mismatch
    error first), torch.set_default_dtype(torch.float64) for new tensors and layers (and back),
    get_default_dtype, `.to(torch.float16)` of a tensor and `torch.finfo` of each float type,
    integer division and true division of long tensors, type promotion of int + float and
    of float32 + float64, and torch.result_type."""
    nn = torch.nn
    model = init(nn.Linear(3, 2))
    x64 = torch.ones(2, 3, dtype=torch.float64)
    try:
        model(x64)
        mismatch = "no error"
    except RuntimeError:
        mismatch = "RuntimeError"
    model.double()
    out64 = model(x64)
    torch.set_default_dtype(torch.float64)
    try:
        made = [
            str(torch.get_default_dtype()).split(".")[-1],
            str(torch.zeros(1).dtype).split(".")[-1],
            str(nn.Linear(2, 2).weight.dtype).split(".")[-1],
            str(torch.tensor([1.5]).dtype).split(".")[-1],
        ]
    finally:
        torch.set_default_dtype(torch.float32)
    half = torch.tensor([1.0 / 3, 1000.1]).to(torch.float16)
    a, b = torch.tensor([7, -7]), torch.tensor([2, 2])
    return {
        "mismatch": mismatch,
        "double": [str(out64.dtype).split(".")[-1], out64.tolist()],
        "default": made,
        "back": str(torch.zeros(1).dtype).split(".")[-1],
        "half": [half.tolist(), str(half.dtype).split(".")[-1]],
        "finfo": [
            [torch.finfo(d).eps, torch.finfo(d).max, torch.finfo(d).tiny]
            for d in (torch.float16, torch.float32, torch.float64)
        ],
        "division": [
            (a // b).tolist(),
            (a / b).tolist(),
            torch.div(a, b, rounding_mode="trunc").tolist(),
            str((a / b).dtype).split(".")[-1],
        ],
        "promotion": [
            str((a + 0.5).dtype).split(".")[-1],
            str((torch.ones(1) + torch.ones(1, dtype=torch.float64)).dtype).split(".")[-1],
            str(torch.result_type(a, 2.0)).split(".")[-1],
        ],
    }


PROGRAMS = [
    autograd_functional_doc_examples,
    wgan_gp_gradient_penalty,
    maml_sine_regression,
    physics_informed_ode,
    einsum_doc_examples,
    module_containers_and_state_dict_keys,
    reproducibility,
    freezing_layers_and_weight_decay_groups,
    annotated_transformer_pieces,
    sampling_strategies,
    loss_function_doc_examples,
    contrastive_nt_xent,
    segmentation_losses,
    gcn_from_scratch,
    normalization_layers_by_hand,
    rnn_cells_by_hand,
    custom_optimizer_subclass,
    custom_lr_scheduler_subclass,
    extending_autograd_doc_examples,
    grad_options_and_higher_order,
    no_grad_vs_inference_mode,
    box_iou_and_nms,
    gaussian_process_regression,
    lora_and_straight_through,
    matrix_factorization_recommender,
    super_resolution_and_augmentations,
    mobilenet_and_squeeze_excitation,
    mixture_density_network,
    iterable_dataset_doc_examples,
    tensor_exercises,
    classification_metrics_by_hand,
    vision_transformer_patches,
    realnvp_coupling_flow,
    ppo_clipped_objective,
    gradient_reversal_domain_adaptation,
    time_series_windows_and_causal_conv,
    pytorch_examples_mnist,
    saliency_gradcam_integrated_gradients,
    masked_convolution_pixelcnn,
    llama_style_block,
    mixture_of_experts_routing,
    elastic_weight_consolidation,
    word_language_model_rnn,
    graph_batching_and_pooling,
    transe_knowledge_graph,
    crnn_ctc_greedy_decoding,
    pgd_adversarial_training,
    ddpm_training_step,
    vq_vae_quantizer,
    sklearn_interop_digits,
    tabular_embeddings_model,
    model_surgery,
    multitask_uncertainty_weighting,
    siamese_contrastive,
    regularization_tricks,
    custom_dataset_and_transforms,
    common_errors_students_hit,
    bucket_sampler_and_batch_sampler,
    tensor_views_and_strides,
    manual_backprop_two_layer_mlp,
    t5_relative_position_buckets,
    sinkhorn_optimal_transport,
    kalman_filter_tracking,
    moco_momentum_encoder_queue,
    dtypes_and_precision,
]
