"""Programs as students copy them (round 14): torch.func transforms composed (batched
Jacobians and Hessians, DP-SGD per-sample clipping, ensembles over stacked weights, pytrees),
recurrent training loops (truncated BPTT, packed taggers, cells unrolled by hand), a
ConvTranspose2d autoencoder, BatchNorm's statistics options, optimizer option sweeps and
resumed checkpoints, scheduler combinations, samplers and collate functions, distributions
fitted by gradient descent, views and in-place semantics, dtype promotion, hooks, custom
Functions with once_differentiable, activation checkpointing, Transformer and attention
options, embedding bags, initialisers by their properties, masking, sorting and scattering.
Each is a function of the library (`torch` is PyTorch or minigrad) and of `init` (see
tests/programs/conftest.py); data come from NumPy so that both libraries see the same
numbers, and what stays random is compared by its properties."""

from __future__ import annotations

import io
import math

import numpy as np
from tutorials7 import _name, _randn
from tutorials9 import _raises


def batched_jacobians_and_hessians_with_vmap(torch, init):
    """torch.func's composition recipes: vmap(jacrev(f)) for one Jacobian per sample,
    hessian(f) as jacfwd(jacrev(f)), jacrev over two arguments (argnums=(0, 1)) and with
    has_aux=True returning an auxiliary value untouched."""
    func = torch.func
    W = _randn(torch, (3, 4), 1)

    def f(x):
        return torch.tanh(W @ x)

    def energy(x):
        return (x.sin() * x).sum() + x.prod()

    def two(x, b):
        return (W @ x + b).relu(), x.norm()

    xs = _randn(torch, (5, 4), 2)
    jac = func.vmap(func.jacrev(f))(xs)
    hess = func.hessian(energy)(xs[0])
    (jx, jb), aux = func.jacrev(two, argnums=(0, 1), has_aux=True)(xs[1], _randn(torch, 3, 3))
    return {
        "jac": [list(jac.shape), jac[2].tolist()],
        "same_as_loop": torch.allclose(jac[4], func.jacrev(f)(xs[4])),
        "hess": [hess.tolist(), torch.allclose(hess, hess.T)],
        "hess_fwd_rev": torch.allclose(hess, func.jacfwd(func.jacrev(energy))(xs[0])),
        "argnums": [jx.tolist(), jb.tolist()],
        "aux": aux.item(),
    }


def dp_sgd_per_sample_clipping(torch, init):
    """Differential-privacy SGD as the Opacus-style tutorials write it with torch.func:
    per-sample gradients by vmap(grad(loss)) over functional_call, each clipped to norm 1,
    summed and averaged, then an update by hand (no noise, to compare numbers)."""
    nn, func = torch.nn, torch.func
    model = init(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))
    X, y = _randn(torch, (6, 3), 1, scale=2.0), torch.tensor([0, 1, 1, 0, 1, 0])

    def loss_of(params, x, t):
        out = func.functional_call(model, params, (x.unsqueeze(0),))
        return nn.functional.cross_entropy(out, t.unsqueeze(0))

    per_sample = func.vmap(func.grad(loss_of), in_dims=(None, 0, 0))
    norms = []
    for _ in range(3):
        params = {k: v.detach() for k, v in model.named_parameters()}
        grads = per_sample(params, X, y)
        flat = torch.cat([g.reshape(len(X), -1) for g in grads.values()], dim=1)
        norm = flat.norm(dim=1)
        factor = (1.0 / (norm + 1e-6)).clamp(max=1.0)
        norms.append(norm.tolist())
        with torch.no_grad():
            for name, p in model.named_parameters():
                g = grads[name] * factor.view(-1, *([1] * (grads[name].dim() - 1)))
                p -= 0.5 * g.mean(0)
    return {
        "norms": norms,
        "keys": sorted(grads),
        "shape": list(grads["0.weight"].shape),
        "weights": model[2].weight.tolist(),
    }


def ensemble_over_stacked_weights_with_own_batches(torch, init):
    """The model-ensembling tutorial's second case: stack_module_state of three models and
    vmap over the weights and over a different minibatch per model (in_dims=(0, 0, 0)),
    checked against a loop; the gradient of the ensemble's loss reaches the stacked weights."""
    nn, func = torch.nn, torch.func
    models = [init(nn.Linear(4, 2)) for _ in range(3)]
    params, buffers = func.stack_module_state(models)
    base = models[0]

    def run(p, b, x):
        return func.functional_call(base, (p, b), (x,))

    batches = _randn(torch, (3, 5, 4), 1)
    out = func.vmap(run, in_dims=(0, 0, 0))(params, buffers, batches)
    loop = torch.stack([m(x) for m, x in zip(models, batches)])
    out.pow(2).mean().backward()
    return {
        "shape": list(out.shape),
        "matches_loop": torch.allclose(out, loop, atol=1e-6),
        "keys": sorted(params),
        "leaf": [params["weight"].is_leaf, params["weight"].requires_grad],
        "grad": params["bias"].grad.tolist(),
    }


def vmap_over_pytrees_and_out_dims(torch, init):
    """vmap on functions of dicts and tuples (pytrees), in_dims given per leaf of a dict,
    out_dims=1 and a tuple of out_dims, nested vmap for a pairwise distance matrix, and
    chunk_size giving the same numbers."""
    vmap = torch.func.vmap
    xs, ys = _randn(torch, (4, 3), 1), _randn(torch, (5, 3), 2)

    def affine(inputs):
        return inputs["x"] * inputs["scale"] + inputs["shift"]

    inputs = {"x": xs, "scale": torch.tensor([1.0, 2.0, 3.0, 4.0]), "shift": torch.ones(3)}
    by_dict = vmap(affine, in_dims=({"x": 0, "scale": 0, "shift": None},))(inputs)
    pairwise = vmap(vmap(lambda a, b: (a - b).norm(), (None, 0)), (0, None))(xs, ys)
    transposed = vmap(lambda a: a * 2, out_dims=1)(xs)
    both = vmap(lambda a: (a.sum(), a.cumsum(0)), out_dims=(0, 1))(xs)
    chunked = vmap(lambda a: a.softmax(0), chunk_size=3)(xs)
    return {
        "by_dict": by_dict.tolist(),
        "pairwise": [list(pairwise.shape), pairwise.tolist()],
        "cdist": torch.allclose(pairwise, torch.cdist(xs, ys), atol=1e-5),
        "transposed": list(transposed.shape),
        "both": [both[0].tolist(), list(both[1].shape)],
        "chunked": torch.allclose(chunked, xs.softmax(1)),
    }


def truncated_bptt_gru_language_model(torch, init):
    """The word-language-model example's training loop: a GRU over a long sequence cut into
    chunks of 4, the hidden state carried across chunks with detach() (truncated BPTT),
    clip_grad_norm_ before each SGD step; the losses and the final hidden state."""
    nn = torch.nn
    emb = init(nn.Embedding(7, 5))
    gru = init(nn.GRU(5, 6, num_layers=2))
    head = init(nn.Linear(6, 7))
    params = [*emb.parameters(), *gru.parameters(), *head.parameters()]
    opt = torch.optim.SGD(params, lr=0.5)
    stream = torch.tensor([i * 3 % 7 for i in range(17)])
    data = stream[:16].view(4, 4).t().contiguous()  # (seq, batch) as batchify makes it
    target = stream[1:17].view(4, 4).t().contiguous()
    hidden = torch.zeros(2, 4, 6)
    losses, norms = [], []
    for start in range(0, 4, 2):
        hidden = hidden.detach()
        out, hidden = gru(emb(data[start : start + 2]), hidden)
        loss = nn.functional.cross_entropy(
            head(out).view(-1, 7), target[start : start + 2].reshape(-1)
        )
        opt.zero_grad()
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(params, 0.25).item())
        opt.step()
        losses.append(loss.item())
    return {"losses": losses, "norms": norms, "hidden": hidden[-1].tolist()}


def lstm_tagger_on_packed_batches(torch, init):
    """A part-of-speech tagger trained on a batch of sentences of different lengths:
    pack_sequence(enforce_sorted=False), a bidirectional LSTM, pad_packed_sequence with
    padding_value=-1 in the tags, and cross_entropy(ignore_index=-1); two Adam steps."""
    nn = torch.nn
    rnn_utils = nn.utils.rnn
    emb = init(nn.Embedding(6, 4))
    lstm = init(nn.LSTM(4, 3, bidirectional=True))
    head = init(nn.Linear(6, 3))
    opt = torch.optim.Adam([*emb.parameters(), *lstm.parameters(), *head.parameters()], lr=0.05)
    sentences = [torch.tensor([1, 2, 3]), torch.tensor([4, 5]), torch.tensor([2, 1, 5, 4])]
    tags = [torch.tensor([0, 1, 2]), torch.tensor([2, 2]), torch.tensor([1, 0, 0, 1])]
    losses = []
    for _ in range(2):
        packed = rnn_utils.pack_sequence([emb(s) for s in sentences], enforce_sorted=False)
        out, (h, c) = lstm(packed)
        padded, lengths = rnn_utils.pad_packed_sequence(out)
        gold = rnn_utils.pad_sequence(tags, padding_value=-1)
        loss = nn.functional.cross_entropy(head(padded).view(-1, 3), gold.view(-1), ignore_index=-1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "lengths": lengths.tolist(),
        "padded_shape": list(padded.shape),
        "padding_zero": padded[3, 1].abs().sum().item(),
        "h": [list(h.shape), h[1].tolist()],
        "sorted_indices": packed.sorted_indices.tolist(),
    }


def conv_transpose_autoencoder_with_output_size(torch, init):
    """A convolutional autoencoder for 7x7 images: stride-2 Conv2d down to 4x4, and back up
    with ConvTranspose2d, once with output_padding and once with output_size= in the call
    (the docs' way to resolve the ambiguous size); three Adam steps on reconstruction."""
    nn = torch.nn
    enc = init(nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU()))
    dec = init(nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1))
    images = _randn(torch, (2, 1, 7, 7), 1)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=0.01)
    losses = []
    for _ in range(3):
        code = enc(images)
        recon = torch.sigmoid(dec(code, output_size=[7, 7]))
        loss = nn.functional.mse_loss(recon, images.sigmoid())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    padded = init(nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2))
    return {
        "code": list(code.shape),
        "losses": losses,
        "recon": recon[0, 0, 0].tolist(),
        "output_padding": list(padded(code).shape),
        "default_size": list(dec(code).shape),
        "bad_size": _raises(lambda: dec(code, output_size=[10, 10])),
    }


def batch_norm_cumulative_and_untracked_statistics(torch, init):
    """BatchNorm's statistics options: momentum=None (a cumulative moving average over the
    batches seen), track_running_stats=False (batch statistics in eval too, no buffers),
    affine=False, BatchNorm1d on (N, C, L) inputs, num_batches_tracked and
    reset_running_stats()."""
    nn = torch.nn
    cumulative = nn.BatchNorm1d(3, momentum=None)
    untracked = nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    batches = [_randn(torch, (4, 3, 5), seed, scale=seed) for seed in (1, 2, 3)]
    for x in batches:
        cumulative(x)
        untracked(x)
    mean_of_means = torch.stack([x.mean((0, 2)) for x in batches]).mean(0)
    cumulative.eval()
    untracked.eval()
    probe = _randn(torch, (2, 3, 5), 4)
    in_eval = untracked(probe)
    tracked = cumulative.num_batches_tracked.item()
    cumulative.reset_running_stats()
    return {
        "running_mean": torch.allclose(cumulative.running_mean, torch.zeros(3)),
        "mean_of_means": mean_of_means.tolist(),
        "tracked": tracked,
        "untracked_buffers": [untracked.running_mean is None, sorted(untracked.state_dict())],
        "untracked_eval": in_eval.mean((0, 2)).tolist(),
        "cumulative_eval": cumulative(probe)[0, :, 0].tolist(),
        "after_reset": [cumulative.running_var.tolist(), cumulative.num_batches_tracked.item()],
    }


def optimizer_option_sweep_on_a_quadratic(torch, init):
    """The same least-squares problem stepped five times by optimizers with their less common
    options: RMSprop(centered, momentum), Adagrad(lr_decay, initial_accumulator_value),
    AdamW(amsgrad), Adam(maximize on the negated loss), NAdam(decoupled_weight_decay),
    RAdam(decoupled_weight_decay), Adamax, Adadelta(weight_decay); the final weights."""
    A, b = _randn(torch, (6, 3), 1), _randn(torch, 6, 2)
    optimizers = {
        "rmsprop": lambda p: torch.optim.RMSprop(
            p, lr=0.01, centered=True, momentum=0.5, alpha=0.9
        ),
        "adagrad": lambda p: torch.optim.Adagrad(
            p, lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5
        ),
        "adamw": lambda p: torch.optim.AdamW(p, lr=0.05, amsgrad=True, weight_decay=0.1),
        "adam_max": lambda p: torch.optim.Adam(p, lr=0.05, maximize=True, betas=(0.8, 0.9)),
        "nadam": lambda p: torch.optim.NAdam(
            p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True
        ),
        "radam": lambda p: torch.optim.RAdam(
            p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True
        ),
        "adamax": lambda p: torch.optim.Adamax(p, lr=0.05, weight_decay=0.01),
        "adadelta": lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.8, weight_decay=0.01),
    }
    results = {}
    for name, make in optimizers.items():
        w = torch.zeros(3, requires_grad=True)
        opt = make([w])
        for _ in range(5):
            loss = ((A @ w - b) ** 2).mean()
            opt.zero_grad()
            (-loss if name == "adam_max" else loss).backward()
            opt.step()
        results[name] = w.tolist()
    return results


def training_resumed_from_a_bytesio_checkpoint(torch, init):
    """A checkpoint of model, optimizer (Adam with amsgrad) and scheduler (StepLR) written with
    torch.save to a BytesIO after two epochs and read back into fresh objects: two more epochs
    give the weights and lrs of four epochs without interruption."""
    nn = torch.nn
    X, y = _randn(torch, (8, 3), 1), _randn(torch, (8, 1), 2)

    def make():
        model = init(nn.Linear(3, 1))
        opt = torch.optim.Adam(model.parameters(), lr=0.1, amsgrad=True)
        return model, opt, torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

    def epoch(model, opt, sched):
        loss = nn.functional.mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()

    straight = make()
    for _ in range(4):
        epoch(*straight)
    model, opt, sched = make()
    for _ in range(2):
        epoch(model, opt, sched)
    buffer = io.BytesIO()
    torch.save(
        {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, buffer
    )
    buffer.seek(0)
    checkpoint = torch.load(buffer)
    resumed = make()
    resumed[0].load_state_dict(checkpoint["model"])
    resumed[1].load_state_dict(checkpoint["opt"])
    resumed[2].load_state_dict(checkpoint["sched"])
    for _ in range(2):
        epoch(*resumed)
    return {
        "same_weights": torch.equal(resumed[0].weight, straight[0].weight),
        "weights": resumed[0].weight.tolist(),
        "lr": [resumed[2].get_last_lr(), straight[2].get_last_lr()],
        "state_keys": sorted(checkpoint["opt"]["state"][0]),
        "step": float(checkpoint["opt"]["state"][0]["step"]),
        "sched_keys": sorted(checkpoint["sched"]),
    }


def sequential_of_three_and_chained_with_two_groups(torch, init):
    """SequentialLR with three schedulers and two milestones (LinearLR warmup, ConstantLR,
    CosineAnnealingLR) and a ChainedScheduler (ExponentialLR with MultiStepLR) over an
    optimizer with two param groups of different lrs; the lrs of each group per step."""
    sched_ = torch.optim.lr_scheduler

    def groups():
        return [
            {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1},
            {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.02},
        ]

    opt = torch.optim.SGD(groups(), lr=1.0)
    seq = sched_.SequentialLR(
        opt,
        [
            sched_.LinearLR(opt, start_factor=0.25, total_iters=3),
            sched_.ConstantLR(opt, factor=0.5, total_iters=2),
            sched_.CosineAnnealingLR(opt, T_max=4, eta_min=0.001),
        ],
        milestones=[3, 5],
    )
    opt2 = torch.optim.SGD(groups(), lr=1.0)
    chained = sched_.ChainedScheduler(
        [
            sched_.ExponentialLR(opt2, gamma=0.9),
            sched_.MultiStepLR(opt2, milestones=[2, 4], gamma=0.1),
        ]
    )
    seq_lrs, chained_lrs = [], []
    for _ in range(10):
        opt.step()
        opt2.step()
        seq.step()
        chained.step()
        seq_lrs.append([round(lr, 7) for lr in seq.get_last_lr()])
        chained_lrs.append([round(lr, 9) for lr in chained.get_last_lr()])
    return {"sequential": seq_lrs, "chained": chained_lrs}


def one_cycle_three_phase_cycling_adam_betas(torch, init):
    """OneCycleLR with three_phase=True, anneal_strategy='linear' and cycle_momentum on Adam,
    where the momentum that cycles is betas[0]; the lr and beta1 at each step, and the error
    of stepping past total_steps."""
    w = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.1, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=1.0,
        total_steps=8,
        pct_start=0.25,
        anneal_strategy="linear",
        three_phase=True,
        div_factor=10.0,
        final_div_factor=100.0,
        base_momentum=0.8,
        max_momentum=0.95,
    )
    curve = []
    for _ in range(7):
        curve.append(
            [round(opt.param_groups[0]["lr"], 7), round(opt.param_groups[0]["betas"][0], 7)]
        )
        (w**2).sum().backward()
        opt.step()
        sched.step()
    curve.append([round(opt.param_groups[0]["lr"], 7), round(opt.param_groups[0]["betas"][0], 7)])
    opt.step()
    return {
        "curve": curve,
        "initial_lr": opt.param_groups[0]["initial_lr"],
        "past_the_end": _raises(sched.step),
        "betas1": opt.param_groups[0]["betas"][1],
    }


def length_sorted_sampler_and_padding_collate(torch, init):
    """A Sampler subclass that sorts by length inside shuffled chunks (seeded by a NumPy
    generator so both libraries agree), used as sampler= with batch_size=2, and a collate_fn
    returning padded inputs, a mask and targets; len(loader) with and without drop_last."""
    data_ = torch.utils.data
    pad_sequence = torch.nn.utils.rnn.pad_sequence

    class Words(data_.Dataset):
        def __init__(self):
            self.items = [(list(range(1, n + 1)), n % 2) for n in (3, 1, 4, 2, 5, 2, 1)]

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            tokens, label = self.items[i]
            return torch.tensor(tokens), label

    class ChunkSortedSampler(data_.Sampler):
        def __init__(self, dataset, chunk):
            self.dataset, self.chunk = dataset, chunk

        def __iter__(self):
            order = np.random.default_rng(0).permutation(len(self.dataset)).tolist()
            for s in range(0, len(order), self.chunk):
                part = order[s : s + self.chunk]
                yield from sorted(part, key=lambda i: len(self.dataset.items[i][0]))

        def __len__(self):
            return len(self.dataset)

    def collate(batch):
        tokens = pad_sequence([t for t, _ in batch], batch_first=True)
        return tokens, tokens != 0, torch.tensor([label for _, label in batch])

    dataset = Words()
    loader = data_.DataLoader(
        dataset, batch_size=2, sampler=ChunkSortedSampler(dataset, 3), collate_fn=collate
    )
    batches = [[t.tolist(), m.sum(1).tolist(), y.tolist()] for t, m, y in loader]
    dropped = data_.DataLoader(
        dataset, batch_size=2, sampler=ChunkSortedSampler(dataset, 3), drop_last=True
    )
    return {
        "batches": batches,
        "lens": [len(loader), len(dropped)],
        "mask_dtype": _name(next(iter(loader))[1].dtype),
    }


def normal_and_categorical_fitted_by_maximum_likelihood(torch, init):
    """Distributions as losses: a Normal's loc and log-scale fitted by Adam on -log_prob of
    data; a Categorical(logits=) whose -log_prob equals cross_entropy, and a Bernoulli(logits=)
    whose -log_prob equals binary_cross_entropy_with_logits."""
    D, F = torch.distributions, torch.nn.functional
    data = _randn(torch, 50, 1, scale=2.0) + 3.0
    loc = torch.zeros(1, requires_grad=True)
    log_scale = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([loc, log_scale], lr=0.1)
    nll = []
    for _ in range(20):
        loss = -D.Normal(loc, log_scale.exp()).log_prob(data).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        nll.append(round(loss.item(), 5))
    logits = _randn(torch, (4, 3), 2)
    labels = torch.tensor([0, 2, 1, 2])
    cat = D.Categorical(logits=logits)
    ber_logits = _randn(torch, 4, 3)
    targets = torch.tensor([1.0, 0.0, 0.0, 1.0])
    return {
        "nll": nll[::5],
        "fit": [loc.item(), log_scale.exp().item()],
        "categorical": torch.allclose(
            -cat.log_prob(labels).mean(), F.cross_entropy(logits, labels)
        ),
        "cat_probs": cat.probs.sum(-1).tolist(),
        "bernoulli": torch.allclose(
            -D.Bernoulli(logits=ber_logits).log_prob(targets),
            F.binary_cross_entropy_with_logits(ber_logits, targets, reduction="none"),
        ),
    }


def multivariate_normal_head_with_cholesky_factor(torch, init):
    """A regression head that predicts a mean and a Cholesky factor (tril of an output with a
    softplus diagonal) for MultivariateNormal(scale_tril=), trained by -log_prob; the same
    density as Independent(Normal) when the factor is diagonal; batch and event shapes."""
    nn, D = torch.nn, torch.distributions
    net = init(nn.Linear(2, 2 + 4))
    X, Y = _randn(torch, (6, 2), 1), _randn(torch, (6, 2), 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        out = net(X)
        mean, raw = out[:, :2], out[:, 2:].view(-1, 2, 2)
        diag = nn.functional.softplus(torch.diagonal(raw, dim1=-2, dim2=-1)) + 1e-3
        tril = torch.tril(raw, diagonal=-1) + torch.diag_embed(diag)
        dist = D.MultivariateNormal(mean, scale_tril=tril)
        loss = -dist.log_prob(Y).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    sigma = torch.tensor([[0.5, 2.0], [1.0, 1.5]])
    mvn = D.MultivariateNormal(torch.zeros(2, 2), scale_tril=torch.diag_embed(sigma))
    ind = D.Independent(D.Normal(torch.zeros(2, 2), sigma), 1)
    return {
        "losses": losses,
        "shapes": [list(dist.batch_shape), list(dist.event_shape)],
        "diag_same": torch.allclose(mvn.log_prob(Y[:2]), ind.log_prob(Y[:2])),
        "entropy": [mvn.entropy().tolist(), ind.entropy().tolist()],
        "covariance": dist.covariance_matrix[0].tolist(),
    }


def tensordot_kron_and_combinatorics(torch, init):
    """Tensor products and index helpers from the docs: tensordot with an int and with lists
    of dims, kron, block_diag, cartesian_prod, combinations (with and without replacement),
    tril_indices/triu_indices with an offset, and meshgrid with indexing='xy'."""
    a = torch.arange(24.0).view(2, 3, 4)
    b = torch.arange(12.0).view(4, 3)
    return {
        "tensordot1": torch.tensordot(a, b, dims=1).tolist(),
        "tensordot_lists": torch.tensordot(a, b, dims=([1, 2], [1, 0])).tolist(),
        "kron": torch.kron(
            torch.tensor([[1, 2], [3, 4]]), torch.eye(2, dtype=torch.int64)
        ).tolist(),
        "block_diag": torch.block_diag(torch.ones(1, 2), torch.tensor([[5.0], [6.0]])).tolist(),
        "cartesian": torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4, 5])).tolist(),
        "combinations": torch.combinations(torch.tensor([1, 2, 3]), r=2).tolist(),
        "with_replacement": torch.combinations(
            torch.tensor([7, 8]), with_replacement=True
        ).tolist(),
        "tril": torch.tril_indices(3, 4, offset=1).tolist(),
        "triu": torch.triu_indices(4, 3, offset=-1).tolist(),
        "meshgrid_xy": [
            g.tolist() for g in torch.meshgrid(torch.arange(2), torch.arange(3), indexing="xy")
        ],
    }


def views_write_through_and_contiguity(torch, init):
    """The "Tensor Views" notes: a slice, a transpose, an unfold and a diagonal are views, so
    writes through them reach the base; view() of a transposed tensor raises and reshape()
    copies instead; expand()ed tensors refuse in-place writes; strides, offsets and
    is_contiguous along the way."""
    base = torch.arange(12.0).view(3, 4)
    sliced = base[1:, ::2]
    sliced.mul_(10)
    t = base.t()
    windows = base[0].unfold(0, 2, 1)
    windows[0, 1] = -1.0
    base.diagonal().fill_(7.0)
    expanded = torch.ones(3, 1).expand(3, 4)
    reshaped = t.reshape(12)
    reshaped[0] = 100.0
    return {
        "base": base.tolist(),
        "sliced": [sliced.stride(), sliced.storage_offset(), sliced.is_contiguous()],
        "t": [t.stride(), t.is_contiguous(), t.contiguous().stride()],
        "view_of_t": _raises(lambda: t.view(12)),
        "reshape_copied": base[0, 0].item() != 100.0,
        "windows": [windows.shape[0], windows.stride()],
        "expanded": [expanded.stride(), _raises(lambda: expanded.add_(1))],
        "base_of_view": sliced._base is base,
    }


def in_place_and_autograd_errors_and_versions(torch, init):
    """What the autograd notes warn about: an in-place op on a leaf that requires grad raises;
    changing a tensor saved for backward makes backward raise; in-place on a view of a
    non-leaf is fine and the gradient flows; the manual SGD update under no_grad; .data
    writes are not tracked and bump no version."""
    leaf = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    results = {"leaf_inplace": _raises(lambda: leaf.add_(1))}
    h = leaf * 2
    y = h.exp()
    before = y._version
    y.add_(1)  # exp saved its output: backward must refuse
    results["saved_changed"] = [y._version - before, _raises(lambda: y.sum().backward())]
    h2 = leaf * 3
    h2[1:].mul_(2)
    h2.sum().backward()
    results["view_grad"] = leaf.grad.tolist()
    results["grad_fn"] = h2.grad_fn.name().rsplit("::", 1)[-1]  # PyTorch: torch::autograd::...
    with torch.no_grad():
        leaf -= 0.1 * leaf.grad
    results["after_sgd"] = [leaf.tolist(), leaf.requires_grad, leaf.is_leaf]
    v = leaf._version
    leaf.data.mul_(2)
    results["data_write"] = [leaf.tolist(), leaf._version == v]
    return results


def dtype_promotion_in_arithmetic_corners(torch, init):
    """Promotion corners a training script meets: int / int is float, // and % of negative
    ints follow Python's floor, uint8 wraps around, bool sums to int64, an int tensor times a
    float scalar is float32, a 0-dim float64 tensor does not upcast a float32 one, in-place
    int += float raises, and result_type / promote_types / can_cast."""
    i = torch.tensor([7, -7, 5])
    j = torch.tensor([2, 2, -3])
    u = torch.tensor([250, 3], dtype=torch.uint8)
    f32 = torch.tensor([1.5, 2.5])
    zero_dim = torch.tensor(2.0, dtype=torch.float64)
    return {
        "true_div": [(i / j).tolist(), _name((i / j).dtype)],
        "floor_div": (i // j).tolist(),
        "remainder": (i % j).tolist(),
        "fmod": torch.fmod(i, j).tolist(),
        "uint8": [(u + 10).tolist(), (u - 5).tolist(), _name((u + 10).dtype)],
        "bool_sum": [
            torch.tensor([True, True, False]).sum().item(),
            _name(torch.tensor([True]).sum().dtype),
        ],
        "int_times_float": _name((i * 0.5).dtype),
        "zero_dim": _name((f32 * zero_dim).dtype),
        "int_plus_float_tensor": _name((i + f32[0]).dtype),
        "inplace": _raises(lambda: i.add_(1.5)),
        "result_type": [_name(torch.result_type(i, 1.0)), _name(torch.result_type(u, i))],
        "promote": [
            _name(torch.promote_types(torch.uint8, torch.int8)),
            _name(torch.promote_types(torch.int32, torch.float16)),
        ],
        "can_cast": [
            torch.can_cast(torch.float32, torch.int32),
            torch.can_cast(torch.int32, torch.float32),
        ],
    }


def gradient_hooks_on_intermediates_and_leaves(torch, init):
    """Tensor.register_hook as the autograd tutorials use it: a hook that scales an
    intermediate's gradient, one that only records (returns None), two hooks in registration
    order, a hook removed by its handle, retain_grad seeing the hooked gradient, and a hook
    on a leaf seen before accumulation into .grad."""
    seen = []
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    h.register_hook(lambda g: g * 10)
    h.register_hook(lambda g: seen.append(["second", g.tolist()]))
    handle = h.register_hook(lambda g: g * 1000)
    handle.remove()
    x.register_hook(lambda g: seen.append(["leaf", g.tolist()]))
    (h * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    first = x.grad.clone()
    x.register_hook(lambda g: g.clamp(max=5.0))
    (x * 4).sum().backward()
    return {
        "seen": seen,
        "h_grad": h.grad.tolist(),
        "x_grad": first.tolist(),
        "accumulated": x.grad.tolist(),
    }


def once_differentiable_and_needs_input_grad(torch, init):
    """A custom Function whose backward is decorated with @once_differentiable (it runs on
    plain values): first-order gradients work, double backward raises; needs_input_grad
    skips the gradient of an input that does not require it; a non-tensor argument gets None."""

    class ScaledExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, scale):
            y = torch.exp(x * scale) * w
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            return y

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * ctx.scale * torch.exp(x * ctx.scale) * w if ctx.needs_input_grad[0] else None
            gw = g * torch.exp(x * ctx.scale) if ctx.needs_input_grad[1] else None
            return gx, gw, None

    x = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    w = torch.tensor([1.0, 2.0, 3.0])
    y = ScaledExp.apply(x, w, 2.0)
    (gx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    x2 = torch.tensor([0.5], requires_grad=True)
    (g2,) = torch.autograd.grad(
        ScaledExp.apply(x2, torch.ones(1), 1.0).sum(), x2, create_graph=True
    )
    return {
        "y": y.tolist(),
        "gx": [gx.tolist(), gx.requires_grad],
        "needs": [x.requires_grad, w.requires_grad],
        "double": _raises(lambda: g2.sum().backward()),
    }


def activation_checkpointing_non_reentrant(torch, init):
    """torch.utils.checkpoint as the docs now recommend it (use_reentrant=False): a block of
    two arguments and a keyword checkpointed inside a model gives the plain run's output and
    gradients, and checkpoint_sequential over four layers in two segments does too."""
    nn = torch.nn
    from_checkpoint = torch.utils.checkpoint
    block = init(nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 4)))
    seq = init(nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 4), nn.Sigmoid()))
    x = _randn(torch, (3, 4), 1).requires_grad_()
    skip = _randn(torch, (3, 4), 2)

    def run(a, b, scale=1.0):
        return block(a) * scale + b

    results = {}
    for name, fn in {
        "plain": lambda: run(x, skip, scale=0.5),
        "checkpoint": lambda: from_checkpoint.checkpoint(
            run, x, skip, use_reentrant=False, scale=0.5
        ),
    }.items():
        x.grad = None
        block.zero_grad()
        out = fn()
        out.pow(2).sum().backward()
        results[name] = [out.tolist(), x.grad.tolist(), block[0].weight.grad[0].tolist()]
    x.grad = None
    out = from_checkpoint.checkpoint_sequential(seq, 2, x, use_reentrant=False)
    out.sum().backward()
    plain_grad = torch.autograd.grad(seq(x).sum(), x)[0]
    results["sequential"] = [out.tolist(), torch.allclose(x.grad, plain_grad)]
    return results


def transformer_decoder_norm_first_with_masks(torch, init):
    """nn.TransformerDecoder of two pre-norm layers (norm_first=True, dropout=0, GELU,
    batch_first) with a causal tgt_mask from generate_square_subsequent_mask, a boolean
    memory_key_padding_mask and a final LayerNorm; outputs and a gradient."""
    nn = torch.nn
    layer = nn.TransformerDecoderLayer(
        8, 2, dim_feedforward=16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    )
    decoder = init(nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(8)))
    tgt = _randn(torch, (2, 3, 8), 1).requires_grad_()
    memory = _randn(torch, (2, 4, 8), 2)
    causal = nn.Transformer.generate_square_subsequent_mask(3)
    padding = torch.tensor([[False, False, False, True], [False, False, True, True]])
    out = decoder(tgt, memory, tgt_mask=causal, memory_key_padding_mask=padding)
    out[:, 0].sum().backward()
    return {
        "mask": causal.tolist(),
        "out": out[1].tolist(),
        "first_step_ignores_later": tgt.grad[:, 1:].abs().max().item() == 0.0,
        "grad": tgt.grad[0, 0].tolist(),
        "keys": len(decoder.state_dict()),
    }


def multihead_attention_kdim_vdim_per_head_weights(torch, init):
    """nn.MultiheadAttention with kdim and vdim different from embed_dim (separate projection
    weights), batch_first, a float additive attn_mask and a boolean key_padding_mask,
    average_attn_weights=False (one map per head); the parameter names and the outputs."""
    nn = torch.nn
    mha = init(nn.MultiheadAttention(6, 3, kdim=4, vdim=5, batch_first=True))
    q = _randn(torch, (2, 3, 6), 1)
    k = _randn(torch, (2, 4, 4), 2)
    v = _randn(torch, (2, 4, 5), 3)
    bias = torch.tensor([[0.0, -1.0, 0.0, 0.5]]).expand(3, 4)
    padding = torch.tensor([[False, False, False, True], [False, True, False, False]])
    out, weights = mha(
        q, k, v, attn_mask=bias, key_padding_mask=padding, average_attn_weights=False
    )
    _, averaged = mha(q, k, v, key_padding_mask=padding)
    return {
        "names": sorted(name for name, _ in mha.named_parameters()),
        "out": out[0].tolist(),
        "weights": [list(weights.shape), weights[1, 2].tolist()],
        "averaged": averaged[0].tolist(),
        "masked_zero": weights[0, :, :, 3].abs().max().item(),
    }


def embedding_bag_with_per_sample_weights_trained(torch, init):
    """A bag-of-words classifier on EmbeddingBag(mode='sum') fed flat token ids with offsets
    and per_sample_weights (tf-idf style), padding_idx skipped, trained by SGD; then
    include_last_offset=True and mode='max' on the same bags."""
    nn = torch.nn
    bag = init(nn.EmbeddingBag(8, 3, mode="sum", padding_idx=0))
    head = init(nn.Linear(3, 2))
    opt = torch.optim.SGD([*bag.parameters(), *head.parameters()], lr=0.3)
    tokens = torch.tensor([1, 2, 0, 4, 5, 5, 7, 3])
    offsets = torch.tensor([0, 3, 6])
    weights = torch.tensor([0.5, 1.0, 2.0, 1.0, 0.25, 0.25, 1.5, 1.0])
    labels = torch.tensor([0, 1, 1])
    losses = []
    for _ in range(3):
        loss = nn.functional.cross_entropy(
            head(bag(tokens, offsets, per_sample_weights=weights)), labels
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    last = nn.EmbeddingBag.from_pretrained(
        bag.weight.detach(), mode="max", include_last_offset=True
    )
    return {
        "losses": losses,
        "padding_row": bag.weight[0].tolist(),
        "pad_grad": bag.weight.grad[0].tolist(),
        "max_bags": last(tokens, torch.tensor([0, 3, 6, 8])).tolist(),
        "mean_2d": nn.EmbeddingBag.from_pretrained(bag.weight.detach())(
            tokens[:6].view(2, 3)
        ).tolist(),
    }


def lstm_and_gru_cells_unrolled_for_forecasting(torch, init):
    """The "time sequence prediction" model with cells unrolled by hand: an LSTMCell feeding
    a GRUCell, hidden states started at zeros, then a few future steps fed back its own
    predictions; two LBFGS-free Adam steps on a sine wave."""
    nn = torch.nn
    lstm = init(nn.LSTMCell(1, 6))
    gru = init(nn.GRUCell(6, 4))
    head = init(nn.Linear(4, 1))
    params = [*lstm.parameters(), *gru.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=0.02)
    t = torch.arange(12.0)
    wave = torch.sin(t / 2).view(2, 6).t().unsqueeze(-1)  # (steps, batch=2, 1)

    def forward(seq, future):
        h, c, g = torch.zeros(2, 6), torch.zeros(2, 6), torch.zeros(2, 4)
        outs = []
        for x in seq:
            h, c = lstm(x, (h, c))
            g = gru(h, g)
            outs.append(head(g))
        for _ in range(future):
            h, c = lstm(outs[-1], (h, c))
            g = gru(h, g)
            outs.append(head(g))
        return torch.stack(outs)

    losses = []
    for _ in range(2):
        pred = forward(wave[:-1], 0)
        loss = nn.functional.mse_loss(pred, wave[1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        future = forward(wave, 3)[-3:]
    return {"losses": losses, "future": future.squeeze(-1).tolist()}


def weight_norm_trained_then_removed(torch, init):
    """The old nn.utils.weight_norm on a Linear (dim=0) and on a Conv1d with dim=None (one
    scalar g), trained for two steps; the g and v gradients, and remove_weight_norm leaving a
    plain weight equal to g * v / ||v||."""
    nn = torch.nn
    lin = init(nn.utils.weight_norm(nn.Linear(3, 2)))
    conv = init(nn.utils.weight_norm(nn.Conv1d(2, 2, 2), dim=None))
    opt = torch.optim.SGD([*lin.parameters(), *conv.parameters()], lr=0.1)
    x = _randn(torch, (4, 3), 1)
    seq = _randn(torch, (1, 2, 5), 2)
    for _ in range(2):
        loss = lin(x).pow(2).mean() + conv(seq).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    shapes = [list(lin.weight_g.shape), list(conv.weight_g.shape)]
    grads = [lin.weight_g.grad.flatten().tolist(), conv.weight_v.grad[0].tolist()]
    expected = lin.weight_g * lin.weight_v / lin.weight_v.norm(dim=1, keepdim=True)
    nn.utils.remove_weight_norm(lin)
    return {
        "shapes": shapes,
        "grads": grads,
        "removed": [
            sorted(name for name, _ in lin.named_parameters()),
            torch.allclose(lin.weight, expected),
        ],
        "weight": lin.weight.tolist(),
    }


def spectral_norm_discriminator_steps(torch, init):
    """A GAN discriminator with parametrizations.spectral_norm on both Linear layers (the
    power-iteration vectors are buffers, loaded by init), two training steps, then eval mode
    (no more power iterations): the weights' largest singular values are close to 1."""
    nn = torch.nn
    sn = nn.utils.parametrizations.spectral_norm
    disc = init(nn.Sequential(sn(nn.Linear(3, 5)), nn.LeakyReLU(0.2), sn(nn.Linear(5, 1))))
    opt = torch.optim.Adam(disc.parameters(), lr=0.01, betas=(0.5, 0.999))
    real, fake = _randn(torch, (4, 3), 1), _randn(torch, (4, 3), 2, scale=3.0)
    bce = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(2):
        loss = bce(disc(real), torch.ones(4, 1)) + bce(disc(fake), torch.zeros(4, 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    disc.eval()
    with torch.no_grad():
        sigma = torch.linalg.matrix_norm(disc[0].weight, ord=2).item()
        out = disc(real)
    return {
        "losses": losses,
        "sigma_near_one": abs(sigma - 1.0) < 0.05,
        "out": out.flatten().tolist(),
        "keys": sorted(disc.state_dict()),
    }


def nn_init_functions_by_their_properties(torch, init):
    """Random initialisers under torch.manual_seed, compared by what they promise rather than
    by their draws: orthogonal_ rows, sparse_ zeros per column, trunc_normal_ bounds,
    kaiming_uniform_(mode='fan_out', a=...) bounds, uniform_ and normal_ ranges; and the
    deterministic eye_, dirac_(groups=2), constant_ and calculate_gain values."""
    nn = torch.nn
    torch.manual_seed(0)
    q = nn.init.orthogonal_(torch.empty(3, 5), gain=2.0)
    s = nn.init.sparse_(torch.empty(10, 4), sparsity=0.3)
    t = nn.init.trunc_normal_(torch.empty(500), mean=1.0, std=2.0, a=-1.0, b=2.5)
    k = nn.init.kaiming_uniform_(
        torch.empty(6, 4, 3), a=0.5, mode="fan_out", nonlinearity="leaky_relu"
    )
    bound = math.sqrt(6 / ((1 + 0.5**2) * 18))
    u = nn.init.uniform_(torch.empty(200), -0.5, 0.25)
    n = nn.init.normal_(torch.empty(4000), mean=3.0, std=0.5)
    dirac = nn.init.dirac_(torch.empty(4, 2, 3), groups=2)
    return {
        "orthogonal": torch.allclose(q @ q.T, 4 * torch.eye(3), atol=1e-5),
        "sparse": (s == 0).sum(0).tolist(),
        "trunc": [t.min().item() >= -1.0, t.max().item() <= 2.5],
        "kaiming": [k.abs().max().item() <= bound, k.abs().max().item() > bound * 0.8],
        "uniform": [u.min().item() >= -0.5, u.max().item() < 0.25],
        "normal": [abs(n.mean().item() - 3.0) < 0.05, abs(n.std().item() - 0.5) < 0.05],
        "eye": nn.init.eye_(torch.empty(2, 3)).tolist(),
        "dirac": dirac.tolist(),
        "constant": nn.init.constant_(torch.empty(2), 0.3).tolist(),
        "gains": [nn.init.calculate_gain(g) for g in ("linear", "tanh", "relu", "selu")]
        + [nn.init.calculate_gain("leaky_relu", 0.2)],
    }


def safe_where_and_masked_losses(torch, init):
    """The where-NaN gradient trap and its fix: where(x > 0, log(x), 0) gives NaN gradients
    at x <= 0, the double-where trick does not; a masked mean over padded positions; a fully
    masked softmax row is NaN, and nan_to_num repairs it."""
    x = torch.tensor([2.0, 0.0, -1.0], requires_grad=True)
    torch.where(x > 0, torch.log(x), torch.zeros(())).sum().backward()
    naive = x.grad.clone()
    x.grad = None
    safe_x = torch.where(x > 0, x, torch.ones(()))
    torch.where(x > 0, torch.log(safe_x), torch.zeros(())).sum().backward()
    values = _randn(torch, (2, 4), 1).requires_grad_()
    mask = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0]], dtype=torch.bool)
    masked_mean = (values * mask).sum() / mask.sum()
    masked_mean.backward()
    scores = torch.tensor([[1.0, 2.0], [0.0, 0.0]]).masked_fill(
        torch.tensor([[False, True], [True, True]]), float("-inf")
    )
    probs = scores.softmax(-1)
    return {
        "naive": naive.tolist(),
        "safe": x.grad.tolist(),
        "masked_mean": [masked_mean.item(), values.grad.tolist()],
        "probs": probs.tolist(),
        "repaired": torch.nan_to_num(probs, nan=0.0).tolist(),
        "nan_to_num": torch.nan_to_num(
            torch.tensor([float("nan"), float("inf"), -float("inf")]), posinf=9.0
        ).tolist(),
    }


def vocabulary_building_with_unique_and_counts(torch, init):
    """Building a vocabulary from token ids: unique(sorted, return_inverse, return_counts),
    ids ordered by frequency with a stable descending argsort, topk of counts, bincount with
    minlength, and run-length encoding with unique_consecutive and repeat_interleave back."""
    tokens = torch.tensor([5, 3, 5, 9, 3, 5, 1, 9, 9, 9, 2])
    values, inverse, counts = torch.unique(
        tokens, sorted=True, return_inverse=True, return_counts=True
    )
    order = torch.argsort(counts, descending=True, stable=True)
    top = counts.topk(2)
    runs, run_lengths = torch.unique_consecutive(
        torch.tensor([1, 1, 2, 2, 2, 3, 1, 1]), return_counts=True
    )
    rows, row_inverse = torch.unique(
        torch.tensor([[1, 2], [3, 4], [1, 2], [0, 9]]), dim=0, return_inverse=True
    )
    return {
        "values": values.tolist(),
        "inverse": [inverse.tolist(), torch.equal(values[inverse], tokens)],
        "counts": counts.tolist(),
        "by_frequency": values[order].tolist(),
        "top": [top.values.tolist(), top.indices.tolist()],
        "bincount": torch.bincount(tokens, minlength=12).tolist(),
        "weighted": torch.bincount(
            torch.tensor([0, 2, 2]), weights=torch.tensor([0.5, 1.0, 2.0])
        ).tolist(),
        "runs": [
            runs.tolist(),
            run_lengths.tolist(),
            torch.repeat_interleave(runs, run_lengths).tolist(),
        ],
        "rows": [rows.tolist(), row_inverse.tolist()],
    }


def scatter_reduce_for_graph_pooling_with_grads(torch, init):
    """Message passing by hand: node features pooled into graphs with scatter_reduce ('sum',
    'mean', 'amax', 'amin', 'prod', include_self=False), index_add_ with alpha, index_copy and
    index_fill; the gradient of amax (shared equally between tied maxima)."""
    feats = torch.tensor(
        [[1.0, 5.0], [3.0, 5.0], [2.0, -1.0], [4.0, 0.5], [3.0, 2.0]], requires_grad=True
    )
    graph = torch.tensor([0, 0, 1, 1, 1])
    index = graph.unsqueeze(1).expand(-1, 2)
    pooled = {}
    for reduce in ("sum", "mean", "amax", "amin", "prod"):
        pooled[reduce] = torch.zeros(2, 2).scatter_reduce(
            0, index, feats, reduce=reduce, include_self=False
        )
    pooled["amax"].sum().backward()
    added = torch.ones(3, 2).index_add_(
        0, torch.tensor([0, 2, 0]), torch.arange(6.0).view(3, 2), alpha=2.0
    )
    with_self = torch.full((2, 2), 4.0).scatter_reduce(0, index, feats.detach(), reduce="mean")
    return {
        "pooled": {k: v.tolist() for k, v in pooled.items()},
        "amax_grad": feats.grad.tolist(),
        "with_self_mean": with_self.tolist(),
        "index_add": added.tolist(),
        "index_copy": torch.zeros(4)
        .index_copy(0, torch.tensor([3, 0]), torch.tensor([7.0, 8.0]))
        .tolist(),
        "index_fill": torch.ones(2, 3).index_fill(1, torch.tensor([0, 2]), -1.0).tolist(),
    }


def boolean_masks_select_and_assign(torch, init):
    """Boolean-mask idioms: x[mask] = values (row-major order), masked_scatter, nonzero with
    as_tuple=True used to index, argwhere, count_nonzero over a dim, any/all over a dim with
    keepdim, and logical_and/xor/not on masks."""
    x = torch.arange(12.0).view(3, 4)
    mask = (x % 3) == 0
    y = x.clone()
    y[mask] = torch.tensor([-1.0, -2.0, -3.0, -4.0])
    rows, cols = torch.nonzero(mask, as_tuple=True)
    scattered = torch.zeros(3, 4).masked_scatter(mask, torch.arange(10.0, 20.0))
    other = x > 5
    return {
        "assigned": y.tolist(),
        "rows_cols": [rows.tolist(), cols.tolist(), x[rows, cols].tolist()],
        "argwhere": torch.argwhere(mask).tolist(),
        "masked_scatter": scattered.tolist(),
        "count": [torch.count_nonzero(mask, dim=1).tolist(), torch.count_nonzero(mask).item()],
        "any_all": [mask.any(dim=1, keepdim=True).tolist(), other.all(dim=0).tolist()],
        "logic": [
            torch.logical_and(mask, other).sum().item(),
            torch.logical_xor(mask, other).sum().item(),
            torch.logical_not(mask).sum().item(),
        ],
        "select": [x.masked_select(mask).tolist(), x[mask.any(1)].shape[0]],
    }


def splitting_and_moving_dims(torch, init):
    """Ways to cut and reorder a tensor: tensor_split by sections and by indices, chunk into
    uneven parts, split by sizes, hsplit/vsplit/dsplit, movedim with lists, swapdims, narrow,
    unbind, rot90 with k=-1 and roll over two dims; a gradient through split pieces."""
    x = torch.arange(24.0).view(2, 3, 4).requires_grad_()
    pieces = x.split([1, 3], dim=2)
    (pieces[0].sum() * 2 + pieces[1].sum()).backward()
    y = x.detach()
    return {
        "tensor_split": [t.shape[2] for t in torch.tensor_split(y, 3, dim=2)],
        "by_indices": [t.tolist() for t in torch.tensor_split(torch.arange(7), [1, 4])],
        "chunk": [t.shape[0] for t in torch.arange(5).chunk(3)],
        "hsplit": [list(t.shape) for t in torch.hsplit(y, [1])],
        "vsplit": [list(t.shape) for t in torch.vsplit(y[0], 3)],
        "dsplit": [list(t.shape) for t in torch.dsplit(y, 2)],
        "movedim": list(torch.movedim(y, [0, 1], [2, 0]).shape),
        "swapdims": torch.swapdims(y, 0, 2)[3, 2].tolist(),
        "narrow": y.narrow(2, 1, 2)[1].tolist(),
        "unbind": [t.sum().item() for t in y.unbind(1)],
        "rot90": torch.rot90(y[0], k=-1, dims=(0, 1)).tolist(),
        "roll": torch.roll(y[0], shifts=(1, -1), dims=(0, 1)).tolist(),
        "grad": x.grad[0].tolist(),
    }


def cross_entropy_options_combined(torch, init):
    """cross_entropy with class weights, ignore_index and label_smoothing together (the
    weighted mean divides by the weights of the kept targets), with probability targets and
    smoothing, on (N, C, d) inputs, and nll_loss with reduction='none'; gradients too."""
    F = torch.nn.functional
    logits = _randn(torch, (5, 3), 1).requires_grad_()
    target = torch.tensor([0, 2, -100, 1, 2])
    weight = torch.tensor([1.0, 2.0, 0.5])
    combined = F.cross_entropy(logits, target, weight=weight, label_smoothing=0.2)
    combined.backward()
    probs = torch.tensor([[0.7, 0.2, 0.1]]).expand(5, 3)
    seq_logits = _randn(torch, (2, 3, 4), 2)
    seq_target = torch.tensor([[0, 1, 2, 1], [2, 2, 0, -100]])
    return {
        "combined": combined.item(),
        "grad": logits.grad.tolist(),
        "probs_smoothed": F.cross_entropy(logits, probs, weight=weight, label_smoothing=0.1).item(),
        "sequence": F.cross_entropy(
            seq_logits, seq_target, label_smoothing=0.1, reduction="sum"
        ).item(),
        "nll_none": F.nll_loss(F.log_softmax(logits, 1), target, reduction="none").tolist(),
        "bad_target": _raises(lambda: F.cross_entropy(logits, torch.tensor([0, 1, 2, 3, 0]))),
    }


def state_dict_assign_strictness_and_buffers(torch, init):
    """load_state_dict corners: non-persistent buffers are not saved, strict loading of a
    dict missing a key or with an extra one raises, strict=False reports them, a wrong shape
    raises even with strict=False, and assign=True keeps Parameters that require grad."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.register_buffer("scale", torch.tensor(2.0))
            self.register_buffer("cache", torch.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale

    net = init(Net())
    state = net.state_dict()
    missing = {k: v for k, v in state.items() if k != "scale"}
    extra = {**state, "other": torch.ones(1)}
    report = net.load_state_dict(extra, strict=False)
    wrong = {**state, "fc.bias": torch.zeros(3)}
    fresh = Net()
    fresh.load_state_dict({k: v.clone() * 2 for k, v in state.items()}, assign=True)
    return {
        "keys": list(state),
        "buffers": sorted(name for name, _ in net.named_buffers()),
        "missing": _raises(lambda: net.load_state_dict(missing)),
        "extra": _raises(lambda: net.load_state_dict(extra)),
        "report": [report.missing_keys, report.unexpected_keys],
        "wrong_shape": _raises(lambda: net.load_state_dict(wrong, strict=False)),
        "assigned": [
            isinstance(fresh.fc.weight, nn.Parameter),
            fresh.fc.weight.requires_grad,
            fresh.scale.item(),
            fresh(torch.ones(1, 2)).tolist(),
        ],
    }


def relu_rnn_with_value_clipping(torch, init):
    """nn.RNN with nonlinearity='relu', two layers, no bias, batch_first, trained with
    clip_grad_value_ (exploding ReLU RNNs are why it exists); parameter names, losses and the
    final state."""
    nn = torch.nn
    rnn = init(nn.RNN(3, 4, num_layers=2, nonlinearity="relu", bias=False, batch_first=True))
    head = init(nn.Linear(4, 1))
    opt = torch.optim.SGD([*rnn.parameters(), *head.parameters()], lr=0.05, momentum=0.9)
    x = _randn(torch, (2, 6, 3), 1)
    y = x.sum(dim=(1, 2)).unsqueeze(1)
    losses = []
    for _ in range(3):
        out, h = rnn(x)
        loss = nn.functional.mse_loss(head(out[:, -1]), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_value_(rnn.parameters(), 0.1)
        opt.step()
        losses.append(loss.item())
    return {
        "names": [name for name, _ in rnn.named_parameters()],
        "losses": losses,
        "h": h.tolist(),
        "clipped": rnn.weight_hh_l0.grad.abs().max().item() <= 0.1,
    }


def vae_with_distribution_objects(torch, init):
    """A VAE whose loss is written with torch.distributions: the encoder gives Normal(mu,
    sigma), the sample is mu + sigma * eps with fixed eps (rsample's formula, data from NumPy),
    the KL term is kl_divergence(q, Normal(0, 1)) and the decoder's Bernoulli(logits=) log_prob
    is the reconstruction term; three Adam steps."""
    nn, D = torch.nn, torch.distributions
    enc = init(nn.Linear(6, 4))
    dec = init(nn.Linear(2, 6))
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=0.01)
    x = (_randn(torch, (5, 6), 1) > 0).float()
    eps = _randn(torch, (5, 2), 2)
    prior = D.Normal(torch.zeros(2), torch.ones(2))
    history = []
    for _ in range(3):
        mu, log_var = enc(x).chunk(2, dim=1)
        q = D.Normal(mu, (0.5 * log_var).exp())
        z = q.loc + q.scale * eps
        recon = D.Bernoulli(logits=dec(z)).log_prob(x).sum(-1)
        kl = D.kl_divergence(q, prior).sum(-1)
        loss = (kl - recon).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append([loss.item(), kl.mean().item()])
    closed_form = -0.5 * (1 + log_var - mu**2 - log_var.exp()).sum(-1)
    return {"history": history, "closed_form": torch.allclose(kl, closed_form, atol=1e-5)}


def einsum_attention_against_sdpa(torch, init):
    """Attention written with einsum ('bhqd,bhkd->bhqk' and back) and a causal mask from
    triu, checked against F.scaled_dot_product_attention(is_causal=True) and with a boolean
    attn_mask; an einsum bilinear form against nn.Bilinear; the gradients agree."""
    nn, F = torch.nn, torch.nn.functional
    q, k, v = (_randn(torch, (2, 2, 4, 3), s).requires_grad_() for s in (1, 2, 3))
    scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(3)
    causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    by_hand = torch.einsum(
        "bhqk,bhkd->bhqd", scores.masked_fill(causal, float("-inf")).softmax(-1), v
    )
    fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    (g_hand,) = torch.autograd.grad(by_hand.sum(), q)
    (g_fused,) = torch.autograd.grad(fused.sum(), q)
    with_mask = F.scaled_dot_product_attention(q, k, v, attn_mask=~causal, scale=0.5)
    bil = init(nn.Bilinear(3, 2, 4))
    a, b = _randn(torch, (5, 3), 4), _randn(torch, (5, 2), 5)
    by_einsum = torch.einsum("ni,oij,nj->no", a, bil.weight, b) + bil.bias
    return {
        "same": torch.allclose(by_hand, fused, atol=1e-6),
        "grads": torch.allclose(g_hand, g_fused, atol=1e-5),
        "with_mask": with_mask[1, 0].tolist(),
        "bilinear": torch.allclose(by_einsum, bil(a, b), atol=1e-6),
        "out": fused[0, 1].tolist(),
    }


def transformer_encoder_with_padding_in_train_and_eval(torch, init):
    """nn.TransformerEncoder (enable_nested_tensor=False) with src_key_padding_mask and a
    mean over the real positions for a sentence classifier; one SGD step in train mode
    (dropout 0), then eval under no_grad gives the same logits as train mode does."""
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(6, 2, dim_feedforward=12, dropout=0.0, batch_first=True)
    encoder = init(nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False))
    head = init(nn.Linear(6, 2))
    opt = torch.optim.SGD([*encoder.parameters(), *head.parameters()], lr=0.1)
    x = _randn(torch, (3, 5, 6), 1)
    pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])
    keep = (~pad).unsqueeze(-1).float()

    def classify(inputs):
        h = encoder(inputs, src_key_padding_mask=pad)
        return head((h * keep).sum(1) / keep.sum(1))

    loss = nn.functional.cross_entropy(classify(x), torch.tensor([0, 1, 1]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    train_logits = classify(x)
    encoder.eval()
    with torch.no_grad():
        eval_logits = classify(x)
    return {
        "loss": loss.item(),
        "train": train_logits.tolist(),
        "same_in_eval": torch.allclose(train_logits, eval_logits, atol=1e-5),
    }


def robust_losses_with_median_and_quantiles(torch, init):
    """Robust regression pieces: residuals scaled by the median absolute deviation (median()
    of all elements: its gradient is shared between tied elements), a median-of-losses
    objective with ties, nanmedian over a batch with missing values, and the pinball loss
    at two quantiles; values and gradients."""
    pred = torch.tensor([1.0, 2.0, 2.0, 5.0, 3.0, 2.0], requires_grad=True)
    target = torch.tensor([1.5, 2.0, 1.0, 1.0, 3.5, 1.0])
    residual = pred - target
    mad = (residual - residual.median()).abs().median()
    scaled = residual / (1.4826 * mad)
    scaled.pow(2).mean().backward()
    mad_grad = pred.grad.clone()
    pred.grad = None
    per_sample = (pred - target).abs()
    per_sample.median().backward()
    missing = torch.tensor([[1.0, float("nan"), 3.0, 3.0], [float("nan")] * 4], requires_grad=True)
    missing.nanmedian().backward()
    q = torch.tensor([0.1, 0.9]).view(2, 1)
    err = (target - pred.detach()).unsqueeze(0)
    pinball = torch.maximum(q * err, (q - 1) * err).mean(1)
    return {
        "mad": mad.item(),
        "mad_grad": mad_grad.tolist(),
        "median_grad": pred.grad.tolist(),
        "nanmedian_grad": missing.grad.tolist(),
        "pinball": pinball.tolist(),
        "quantiles": torch.quantile(per_sample.detach(), torch.tensor([0.25, 0.5])).tolist(),
    }


def entropy_terms_with_xlogy_and_printed_priors(torch, init):
    """Entropy and KL terms written with xlogy (0 * log 0 = 0 in the values): the gradient of
    -xlogy(p, p) is nan at p = 0 in PyTorch, that of Categorical(probs=p).entropy() too,
    xlogy(p, q) for the KL term with q fixed stays finite; and print() of the priors a
    Bayesian model declares (LogNormal and HalfNormal show no parameters in PyTorch)."""
    D = torch.distributions
    p = torch.tensor([0.5, 0.5, 0.0], requires_grad=True)
    entropy = -torch.xlogy(p, p).sum()
    entropy.backward()
    entropy_grad = p.grad.clone()
    p.grad = None
    q = torch.tensor([0.2, 0.3, 0.5])
    kl = (torch.xlogy(p, p) - torch.xlogy(p, q)).sum()
    kl.backward()
    logits = torch.tensor([1.0, 2.0, 0.5], requires_grad=True)
    probs = logits.softmax(0)
    (torch.xlogy(probs, probs).sum() + torch.special.xlog1py(probs, -probs).sum()).backward()
    priors = [
        D.LogNormal(0.0, 1.0),
        D.HalfNormal(torch.ones(2)),
        D.Normal(0.0, 1.0),
        D.HalfCauchy(1.0),
    ]
    return {
        "entropy": [entropy.item(), entropy_grad.tolist()],
        "kl": [kl.item(), p.grad.tolist()],
        "grad_fn": kl.grad_fn.next_functions[0][0].name(),
        "logits_grad": logits.grad.tolist(),
        "ints": torch.xlogy(torch.tensor([0, 2]), torch.tensor([0, 3])).tolist(),
        "priors": [str(d) for d in priors],
    }


def optimizer_state_shared_after_load_state_dict(torch, init):
    """The checkpoint gotcha PyTorch's load_state_dict has: the loaded state tensors are used
    as they are, so the checkpoint dict (and an optimizer it came from) keep changing as
    training goes on; copy.deepcopy of the dict keeps a checkpoint fixed."""
    import copy

    nn = torch.nn
    X, y = _randn(torch, (6, 2), 1), _randn(torch, (6, 1), 2)
    model = init(nn.Linear(2, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(m, o):
        loss = nn.functional.mse_loss(m(X), y)
        o.zero_grad()
        loss.backward()
        o.step()
        return loss.item()

    step(model, opt)
    checkpoint = opt.state_dict()
    frozen = copy.deepcopy(checkpoint)
    before = checkpoint["state"][0]["momentum_buffer"].clone()
    twin = init(nn.Linear(2, 1))
    twin.load_state_dict(model.state_dict())
    twin_opt = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    twin_opt.load_state_dict(checkpoint)
    losses = [step(twin, twin_opt) for _ in range(2)]
    return {
        "losses": losses,
        "checkpoint_moved": not torch.equal(checkpoint["state"][0]["momentum_buffer"], before),
        "frozen_kept": torch.equal(frozen["state"][0]["momentum_buffer"], before),
        "shared_with_first": opt.state[model.weight]["momentum_buffer"]
        is twin_opt.state[twin.weight]["momentum_buffer"],
        "buffer": opt.state[model.weight]["momentum_buffer"].tolist(),
    }


def regularisers_and_geometry_at_degenerate_inputs(torch, init):
    """Where training code meets the edge of a formula: a p = 3 norm penalty over embedding
    rows, one of them the all-zero padding row (gradient 0 there), logit of predicted
    probabilities that hit 0 and 1 (with and without eps), entr of a distribution with a zero,
    and the area of a degenerate triangle from det (gradient 0 at a singular matrix)."""
    emb = torch.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [0.0, 3.0, 0.0]], requires_grad=True)
    penalty = torch.linalg.vector_norm(emb, ord=3, dim=1).sum() + emb.norm(p=1.5)
    penalty.backward()
    probs = torch.tensor([0.0, 0.25, 1.0], requires_grad=True)
    torch.logit(probs).sum().backward()
    raw_grad = probs.grad.clone()
    probs.grad = None
    (torch.logit(probs, eps=1e-3) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    p = torch.tensor([0.0, 0.3, 0.7], requires_grad=True)
    entropy = torch.special.entr(p).sum()
    entropy.backward()
    corners = torch.tensor([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [2.0, 2.0, 1.0]], requires_grad=True)
    area = 0.5 * torch.linalg.det(corners).abs()
    area.backward()
    return {
        "penalty": [penalty.item(), emb.grad.tolist()],
        "logit": [torch.logit(probs.detach()).tolist(), raw_grad.tolist()],
        "logit_eps": probs.grad.tolist(),
        "entr": [entropy.item(), p.grad.tolist()],
        "area": [area.item(), corners.grad.tolist()],
    }


PROGRAMS = [
    batched_jacobians_and_hessians_with_vmap,
    dp_sgd_per_sample_clipping,
    ensemble_over_stacked_weights_with_own_batches,
    vmap_over_pytrees_and_out_dims,
    truncated_bptt_gru_language_model,
    lstm_tagger_on_packed_batches,
    conv_transpose_autoencoder_with_output_size,
    batch_norm_cumulative_and_untracked_statistics,
    optimizer_option_sweep_on_a_quadratic,
    training_resumed_from_a_bytesio_checkpoint,
    sequential_of_three_and_chained_with_two_groups,
    one_cycle_three_phase_cycling_adam_betas,
    length_sorted_sampler_and_padding_collate,
    normal_and_categorical_fitted_by_maximum_likelihood,
    multivariate_normal_head_with_cholesky_factor,
    tensordot_kron_and_combinatorics,
    views_write_through_and_contiguity,
    in_place_and_autograd_errors_and_versions,
    dtype_promotion_in_arithmetic_corners,
    gradient_hooks_on_intermediates_and_leaves,
    once_differentiable_and_needs_input_grad,
    activation_checkpointing_non_reentrant,
    transformer_decoder_norm_first_with_masks,
    multihead_attention_kdim_vdim_per_head_weights,
    embedding_bag_with_per_sample_weights_trained,
    lstm_and_gru_cells_unrolled_for_forecasting,
    weight_norm_trained_then_removed,
    spectral_norm_discriminator_steps,
    nn_init_functions_by_their_properties,
    safe_where_and_masked_losses,
    vocabulary_building_with_unique_and_counts,
    scatter_reduce_for_graph_pooling_with_grads,
    boolean_masks_select_and_assign,
    splitting_and_moving_dims,
    cross_entropy_options_combined,
    state_dict_assign_strictness_and_buffers,
    relu_rnn_with_value_clipping,
    vae_with_distribution_objects,
    einsum_attention_against_sdpa,
    transformer_encoder_with_padding_in_train_and_eval,
    robust_losses_with_median_and_quantiles,
    entropy_terms_with_xlogy_and_printed_priors,
    optimizer_state_shared_after_load_state_dict,
    regularisers_and_geometry_at_degenerate_inputs,
]
