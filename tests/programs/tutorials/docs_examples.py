"""Programs in the style of PyTorch's "Forward-mode Automatic Differentiation" tutorial and of
the examples in PyTorch's API docs a user copies into a notebook: attention with masks,
packed sequences, gradient clipping and accumulation, learning-rate schedules, nn.init,
samplers and datasets, activation checkpointing, torch.distributions, weight and spectral
norm, train and eval modes, EmbeddingBag, Unfold and Fold, masking and gathering,
parameter vectors, version counters, tensor printing, module hooks for feature extraction and
attention's corner cases. Each is a function of the library
(`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py). Random draws
differ between the libraries: `init` hands minigrad PyTorch's values, and what stays random
(initialisers, samplers, dropout) is compared by its properties."""

from __future__ import annotations

import importlib
import math
import warnings

import numpy as np


def _randn(torch, shape, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return torch.tensor((scale * rng.standard_normal(shape)).astype(np.float32))


def _grads(module) -> list:
    return [p.grad.tolist() for p in module.parameters() if p.grad is not None]


def forward_mode_ad(torch, init):
    """ "Forward-mode Automatic Differentiation (Beta)": a dual tensor and a plain tensor
    through fn(x, y) = x ** 2 + y ** 2, the tangent's identity and its end with the level; a
    module's parameters swapped for dual tensors, then the same through
    torch.func.functional_call; and torch.func.jvp for the same products."""
    fwAD = importlib.import_module(f"{torch.__name__}.autograd.forward_ad")  # noqa: N806
    nn = torch.nn
    results = {}
    primal, tangent = _randn(torch, (4, 4), 0), _randn(torch, (4, 4), 1)

    def fn(x, y):
        return x**2 + y**2

    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        results["same_tangent"] = fwAD.unpack_dual(dual_input).tangent is tangent
        plain_tensor = _randn(torch, (4, 4), 2)
        dual_output = fn(dual_input, plain_tensor)
        jvp = fwAD.unpack_dual(dual_output).tangent
        results["jvp"] = jvp.tolist()
        results["primal"] = fwAD.unpack_dual(dual_output).primal.tolist()
    results["tangent_after_level"] = fwAD.unpack_dual(dual_output).tangent is None

    model = init(nn.Linear(5, 5))
    inputs = _randn(torch, (16, 5), 3)
    params = {name: p for name, p in model.named_parameters()}
    tangents = {name: torch.ones_like(p) * 0.1 for name, p in params.items()}
    with fwAD.dual_level():
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, fwAD.make_dual(p, tangents[name]))
        out = model(inputs)
        results["module_jvp"] = fwAD.unpack_dual(out).tangent.detach().tolist()

    model = init(nn.Linear(5, 5))
    dual_params = {}
    with fwAD.dual_level():
        for name, p in params.items():
            dual_params[name] = fwAD.make_dual(p, tangents[name])
        out = torch.func.functional_call(model, dual_params, inputs)
        results["functional_jvp"] = fwAD.unpack_dual(out).tangent.detach().tolist()

    x, v = _randn(torch, (3,), 4), _randn(torch, (3,), 5)
    value, product = torch.func.jvp(lambda t: torch.sin(t).cumsum(0) * t, (x,), (v,))
    with fwAD.dual_level():
        out = torch.sin(fwAD.make_dual(x, v)).cumsum(0) * fwAD.make_dual(x, v)
        by_dual = fwAD.unpack_dual(out).tangent
    results["func_jvp"] = [value.tolist(), product.tolist(), by_dual.tolist()]
    return results


def attention_with_masks(torch, init):
    """F.scaled_dot_product_attention's doc examples: plain, with a boolean mask, an additive
    float mask, is_causal and a given scale, against the softmax written out; then
    nn.MultiheadAttention (batch_first and not) with key_padding_mask, attn_mask, per-head
    weights, kdim/vdim, and the gradients of a loss through it."""
    nn, F = torch.nn, torch.nn.functional
    results = {}
    q, k, v = (_randn(torch, (2, 3, 4, 8), s) for s in (10, 11, 12))
    q.requires_grad_()
    by_hand = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(8), dim=-1) @ v
    plain = F.scaled_dot_product_attention(q, k, v)
    results["plain"] = [plain.sum().item(), (plain - by_hand).abs().max().item() < 1e-5]
    keep = torch.tensor([[True, True, False, True]] * 4)
    results["bool_mask"] = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).tolist()
    bias = torch.zeros(4, 4).masked_fill(~keep, float("-inf"))
    results["float_mask"] = F.scaled_dot_product_attention(q, k, v, attn_mask=bias).tolist()
    causal = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.5)
    results["causal"] = causal.tolist()
    causal.pow(2).sum().backward()
    results["q_grad"] = q.grad.tolist()

    mha = init(nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True))
    x = _randn(torch, (2, 5, 8), 13)
    padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
    out, weights = mha(x, x, x, key_padding_mask=padding)
    results["mha"] = [out.tolist(), weights.tolist()]
    future = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    out, weights = mha(x, x, x, attn_mask=future, average_attn_weights=False)
    results["mha_causal"] = [out.tolist(), weights.shape == (2, 2, 5, 5), weights.sum(-1).tolist()]
    out.sum().backward()
    results["mha_grads"] = _grads(mha)
    out, weights = mha(x, x, x, need_weights=False)
    results["no_weights"] = weights is None

    cross = init(nn.MultiheadAttention(8, 4, kdim=6, vdim=3))  # (seq, batch, feature)
    query, key = _randn(torch, (5, 2, 8), 14), _randn(torch, (7, 2, 6), 15)
    value = _randn(torch, (7, 2, 3), 16)
    out, weights = cross(query, key, value)
    results["cross"] = [out.tolist(), weights.tolist()]
    return results


def transformer_with_padding(torch, init):
    """nn.Transformer as its docs call it, with every mask: a causal tgt_mask from
    generate_square_subsequent_mask, src/tgt/memory key-padding masks; then a pre-norm GELU
    TransformerEncoder with an output norm in eval mode; a loss, its gradients, one Adam step;
    a post-norm encoder classifier in inference, mean-pooled over the padding too."""
    nn, F = torch.nn, torch.nn.functional
    results = {}
    model = init(
        nn.Transformer(
            d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
            dim_feedforward=16, dropout=0.0, batch_first=True,
        )
    )  # fmt: skip
    src, tgt = _randn(torch, (2, 6, 8), 20), _randn(torch, (2, 4, 8), 21)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
    results["tgt_mask"] = tgt_mask.tolist()
    src_pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    tgt_pad = torch.tensor([[False] * 4, [False] * 3 + [True]])
    out = model(
        src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=src_pad,
        tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad,
    )  # fmt: skip
    results["out"] = out.tolist()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = F.mse_loss(out, tgt)
    loss.backward()
    results["grad_norm"] = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
    optimizer.step()
    results["after_step"] = F.mse_loss(model(src, tgt, tgt_mask=tgt_mask), tgt).item()

    layer = nn.TransformerEncoderLayer(
        d_model=8, nhead=4, dim_feedforward=32, activation="gelu", norm_first=True,
        batch_first=True,
    )  # fmt: skip
    encoder = init(nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8)))
    encoder.eval()
    with torch.no_grad():
        encoded = encoder(src, src_key_padding_mask=src_pad)
        square = nn.Transformer.generate_square_subsequent_mask(6)
        causal = encoder(src, mask=square, is_causal=True)
    results["encoder"] = [encoded[0].tolist(), encoded[1, :4].tolist(), causal.tolist()]

    # a post-norm classifier evaluated as the tutorials do: mean over every position, padding
    # included (PyTorch's inference path gives the padded positions zeros)
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    classifier = nn.ModuleDict(
        {"encoder": nn.TransformerEncoder(layer, num_layers=2), "head": nn.Linear(8, 3)}
    )
    init(classifier)
    classifier.eval()
    with torch.no_grad():
        features = classifier["encoder"](src, src_key_padding_mask=src_pad)
        logits = classifier["head"](features.mean(dim=1))
    results["eval_classifier"] = [features[1].tolist(), logits.tolist()]
    return results


def packed_sequences(torch, init):
    """torch.nn.utils.rnn as its docs show it: pad_sequence (batch_first, padding_value),
    pack_padded_sequence with enforce_sorted=False (data, batch_sizes, sorted_indices),
    pack_sequence, a bidirectional 2-layer GRU and an LSTM over the packed batch,
    pad_packed_sequence with total_length, unpad_sequence and unpack_sequence; the last
    hidden states and the gradients."""
    nn, rnn = torch.nn, torch.nn.utils.rnn
    results = {}
    seqs = [_randn(torch, (n, 3), 30 + n) for n in (3, 5, 2)]
    lengths = torch.tensor([3, 5, 2])
    padded = rnn.pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    results["padded"] = padded.tolist()
    results["time_major"] = list(rnn.pad_sequence(seqs).shape)
    packed = rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    results["packed"] = [
        packed.data.tolist(), packed.batch_sizes.tolist(), packed.sorted_indices.tolist(),
        packed.unsorted_indices.tolist(),
    ]  # fmt: skip

    gru = init(nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True))
    out, h = gru(packed)
    unpacked, out_lengths = rnn.pad_packed_sequence(out, batch_first=True, total_length=6)
    results["gru"] = [unpacked.tolist(), out_lengths.tolist(), h.tolist()]
    (unpacked.sum() + h[-1].pow(2).sum()).backward()
    results["gru_grads"] = _grads(gru)

    lstm = init(nn.LSTM(3, 4))
    ordered = rnn.pack_sequence(sorted(seqs, key=len, reverse=True))
    out, (h, c) = lstm(ordered)
    results["lstm"] = [h.tolist(), c.tolist(), out.data.tolist()]
    results["unpacked"] = [t.tolist() for t in rnn.unpack_sequence(out)]
    time_major = rnn.pad_sequence(seqs)
    results["unpadded"] = [t.tolist() for t in rnn.unpad_sequence(time_major, lengths)]
    return results


def gradient_clipping_and_accumulation(torch, init):
    """Clipping as the docs and training loops use it: clip_grad_norm_'s returned total norm
    for norm_type 2, 1 and inf, get_total_norm with clip_grads_with_norm_, clip_grad_value_;
    and gradient accumulation: four micro-batches with the loss divided by four give the full
    batch's gradients, then one clipped SGD step every two micro-batches."""
    nn, F = torch.nn, torch.nn.functional
    results = {}
    model = init(nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)))
    x, y = _randn(torch, (16, 4), 40), _randn(torch, (16, 2), 41)

    def fresh_grads(scale=10.0):
        model.zero_grad()
        (scale * F.mse_loss(model(x), y)).backward()

    for norm_type in (2.0, 1.0, float("inf")):
        fresh_grads()
        total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5, norm_type=norm_type)
        results[f"clip_{norm_type}"] = [total.item(), _grads(model)]
    fresh_grads()
    grads = [p.grad for p in model.parameters()]
    total = nn.utils.get_total_norm(grads, norm_type=2.0)
    nn.utils.clip_grads_with_norm_(model.parameters(), max_norm=0.3, total_norm=total)
    results["total_norm"] = [total.item(), _grads(model)]
    nn.utils.clip_grad_value_(model.parameters(), clip_value=0.05)
    results["clip_value"] = _grads(model)

    fresh_grads(1.0)
    full = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    for chunk_x, chunk_y in zip(x.chunk(4), y.chunk(4)):
        (F.mse_loss(model(chunk_x), chunk_y) / 4).backward()
    results["accumulated_matches"] = all(
        torch.allclose(p.grad, g, atol=1e-6) for p, g in zip(model.parameters(), full)
    )

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    losses = []
    for i, (chunk_x, chunk_y) in enumerate(zip(x.split(4), y.split(4))):
        loss = F.mse_loss(model(chunk_x), chunk_y) / 2
        loss.backward()
        losses.append(loss.item())
        if (i + 1) % 2 == 0:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.1)
            optimizer.step()
            optimizer.zero_grad()
    results["accumulation_steps"] = losses
    return results


def lr_schedulers(torch, init):
    """The torch.optim.lr_scheduler doc examples, each reporting get_last_lr() per step:
    OneCycleLR (cosine and linear, three phases, momentum and betas cycled), LambdaLR with a
    lambda per parameter group, MultiplicativeLR, StepLR, MultiStepLR, PolynomialLR,
    SequentialLR (warm-up then cosine), ReduceLROnPlateau (mode max, absolute threshold,
    cooldown, min_lr) and a scheduler's state_dict reloaded."""
    nn, optim = torch.nn, torch.optim
    sched = optim.lr_scheduler
    results = {}

    def params():
        return nn.Linear(2, 1).parameters()

    def run(scheduler, optimizer, steps, extra=None):
        lrs = []
        for _ in range(steps):
            optimizer.step()
            scheduler.step()
            lrs.append([round(lr, 10) for lr in scheduler.get_last_lr()])
            if extra:
                lrs[-1].append(extra(optimizer))
        return lrs

    optimizer = optim.SGD(params(), lr=0.1, momentum=0.9)
    one_cycle = sched.OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
    results["one_cycle"] = run(one_cycle, optimizer, 9, lambda o: o.param_groups[0]["momentum"])
    optimizer = optim.Adam(params(), lr=0.1)
    one_cycle = sched.OneCycleLR(
        optimizer, max_lr=0.05, epochs=2, steps_per_epoch=5, anneal_strategy="linear",
        three_phase=True, div_factor=10, final_div_factor=100,
    )  # fmt: skip
    beta1 = lambda o: o.param_groups[0]["betas"][0]  # noqa: E731
    results["one_cycle_linear"] = run(one_cycle, optimizer, 9, beta1)

    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    optimizer = optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.5}], lr=0.1
    )
    lambdas = [lambda epoch: epoch // 2, lambda epoch: 0.95**epoch]
    results["lambda"] = run(sched.LambdaLR(optimizer, lr_lambda=lambdas), optimizer, 5)
    optimizer = optim.SGD(params(), lr=0.1)
    multiplicative = sched.MultiplicativeLR(optimizer, lr_lambda=lambda epoch: 0.9)
    results["multiplicative"] = run(multiplicative, optimizer, 4)
    optimizer = optim.SGD(params(), lr=0.05)
    results["step"] = run(sched.StepLR(optimizer, step_size=2, gamma=0.1), optimizer, 5)
    optimizer = optim.SGD(params(), lr=0.05)
    multi = sched.MultiStepLR(optimizer, milestones=[2, 4], gamma=0.5)
    results["multistep"] = run(multi, optimizer, 5)
    optimizer = optim.SGD(params(), lr=0.05)
    results["poly"] = run(sched.PolynomialLR(optimizer, total_iters=4, power=2.0), optimizer, 6)

    optimizer = optim.SGD(params(), lr=0.1)
    warmup = sched.LinearLR(optimizer, start_factor=0.25, total_iters=2)
    cosine = sched.CosineAnnealingLR(optimizer, T_max=4, eta_min=0.01)
    sequential = sched.SequentialLR(optimizer, schedulers=[warmup, cosine], milestones=[2])
    results["sequential"] = run(sequential, optimizer, 7)

    optimizer = optim.SGD(params(), lr=0.1)
    plateau = sched.ReduceLROnPlateau(
        optimizer, mode="max", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs",
        cooldown=1, min_lr=0.02,
    )  # fmt: skip
    accuracies = [0.5, 0.6, 0.605, 0.6, 0.59, 0.7, 0.69, 0.69, 0.69, 0.69, 0.69]
    lrs = []
    for accuracy in accuracies:
        optimizer.step()
        plateau.step(accuracy)
        lrs.append([plateau.get_last_lr()[0], plateau.num_bad_epochs])
    results["plateau"] = lrs

    optimizer = optim.SGD(params(), lr=0.1)
    step = sched.StepLR(optimizer, step_size=3, gamma=0.5)
    run(step, optimizer, 4)
    saved = step.state_dict()
    fresh_optimizer = optim.SGD(params(), lr=0.1)
    resumed = sched.StepLR(fresh_optimizer, step_size=3, gamma=0.5)
    resumed.load_state_dict(saved)
    results["state"] = [saved["last_epoch"], saved["_last_lr"], resumed.last_epoch]
    return results


def nn_init_statistics(torch, init):
    """torch.nn.init as its docs show it, under a seed: calculate_gain, the deterministic
    fillers (constant_, ones_, zeros_, eye_, dirac_ and sparse_'s zeros per column), and the
    random ones compared by what they promise (bounds of uniform_, kaiming_uniform_,
    xavier_uniform_ and trunc_normal_; the standard deviation of kaiming_normal_ and
    xavier_normal_ on 256 x 512 weights; orthogonal_'s Q^T Q = gain^2 I); then the
    `model.apply(weights_init)` pattern."""
    nn, I = torch.nn, torch.nn.init  # noqa: E741, N806
    results = {}
    results["gains"] = [
        I.calculate_gain(name, *param)
        for name, *param in [
            ("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
            ("leaky_relu", 0.2), ("selu",),
        ]
    ]  # fmt: skip
    w = torch.empty(3, 5)
    results["constant"] = [I.constant_(w, 0.3).tolist(), I.ones_(w).sum().item()]
    results["zeros_eye"] = [I.zeros_(w).abs().sum().item(), I.eye_(w).tolist()]
    results["dirac"] = I.dirac_(torch.empty(4, 2, 3, 3), groups=2).nonzero().tolist()
    sparse = I.sparse_(torch.empty(10, 6), sparsity=0.3)
    results["sparse_zeros_per_column"] = (sparse == 0).sum(0).tolist()

    def within(t, bound):
        return bool((t.abs() <= bound + 1e-6).all()) and t.abs().max().item() > 0.9 * bound

    big = torch.empty(256, 512)
    fan_in, fan_out = 512, 256
    results["uniform"] = within(I.uniform_(big, -0.2, 0.2), 0.2)
    bound = math.sqrt(2.0) * math.sqrt(3 / fan_in)  # gain(relu) * sqrt(3 / fan_in)
    results["kaiming_uniform"] = within(I.kaiming_uniform_(big, nonlinearity="relu"), bound)
    bound = math.sqrt(2.0) * math.sqrt(6 / (fan_in + fan_out))
    results["xavier_uniform"] = within(I.xavier_uniform_(big, gain=math.sqrt(2.0)), bound)
    results["trunc_normal"] = within(I.trunc_normal_(big, std=0.02, a=-0.04, b=0.04), 0.04)

    def std_near(t, expected):
        return abs(t.std().item() / expected - 1) < 0.02

    normal = I.kaiming_normal_(big, mode="fan_out", nonlinearity="relu")
    results["kaiming_normal"] = std_near(normal, math.sqrt(2 / fan_out))
    results["xavier_normal"] = std_near(I.xavier_normal_(big), math.sqrt(2 / (fan_in + fan_out)))
    results["normal"] = std_near(I.normal_(big, mean=1.0, std=0.5), 0.5)
    q = I.orthogonal_(torch.empty(4, 6), gain=2.0)
    results["orthogonal"] = torch.allclose(q @ q.T, 4 * torch.eye(4), atol=1e-5)

    def weights_init(m):
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)

    model = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.Flatten(), nn.Linear(8, 4))
    model.apply(weights_init)
    results["apply"] = [
        abs(model[0].weight.std().item() / 0.02 - 1) < 0.1,
        abs(model[1].weight.mean().item() - 1) < 0.01,
        model[1].bias.abs().sum().item(),
        model[3].bias.tolist(),
        within(model[3].weight, math.sqrt(6 / 12)),
    ]
    return results


def samplers_and_datasets(torch, init):
    """torch.utils.data's doc examples: TensorDataset, ConcatDataset (lengths, cumulative
    sizes, an index across the boundary), Subset, random_split by lengths and by fractions
    under a seeded Generator (sizes, disjoint, complete), WeightedRandomSampler (with and
    without replacement, compared by its properties), SubsetRandomSampler, BatchSampler over
    a SequentialSampler, drop_last, default_collate of dicts, and a custom collate_fn that
    pads variable-length sequences."""
    data = torch.utils.data
    results = {}
    x = torch.arange(20.0).reshape(10, 2)
    y = torch.arange(10)
    first, second = data.TensorDataset(x, y), data.TensorDataset(x[:4] * -1, y[:4])
    both = data.ConcatDataset([first, second])
    results["concat"] = [len(both), both.cumulative_sizes, [t.tolist() for t in both[11]]]
    subset = data.Subset(first, [1, 3, 5])
    results["subset"] = [len(subset), subset[2][0].tolist()]

    generator = torch.Generator().manual_seed(42)
    parts = data.random_split(range(10), [3, 7], generator=generator)
    fractions = data.random_split(range(11), [0.5, 0.3, 0.2], generator=generator)
    indices = [sorted(p.indices) for p in fractions]
    results["split"] = [
        [len(p) for p in parts], [len(p) for p in fractions],
        sorted(list(parts[0]) + list(parts[1])) == list(range(10)),
        sorted(i for p in indices for i in p) == list(range(11)),
    ]  # fmt: skip

    weights = [0.0, 1.0, 3.0, 0.0]
    sampler = data.WeightedRandomSampler(weights, num_samples=400, replacement=True)
    drawn = list(sampler)
    counts = [drawn.count(i) for i in range(4)]
    results["weighted"] = [len(sampler), counts[0] + counts[3], 0.65 < counts[2] / 400 < 0.85]
    unique = list(data.WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 4, replacement=False))
    results["without_replacement"] = sorted(unique)
    some = list(data.SubsetRandomSampler([2, 4, 6, 8]))
    results["subset_random"] = sorted(some)
    batches = data.BatchSampler(data.SequentialSampler(range(10)), batch_size=3, drop_last=False)
    dropped = data.BatchSampler(data.SequentialSampler(range(10)), batch_size=3, drop_last=True)
    results["batches"] = [list(batches), len(batches), len(dropped)]

    loader = data.DataLoader(first, batch_size=4, drop_last=True)
    results["drop_last"] = [len(loader), [b[1].tolist() for b in loader]]
    collated = data.default_collate([{"x": torch.ones(2), "n": 1}, {"x": torch.zeros(2), "n": 2}])
    results["default_collate"] = [collated["x"].tolist(), collated["n"].tolist()]

    sequences = [torch.arange(n) + 1 for n in (3, 1, 4, 2)]
    labels = [0, 1, 1, 0]

    def collate_batch(batch):
        seqs, targets = zip(*batch)
        lengths = torch.tensor([len(s) for s in seqs])
        padded = torch.nn.utils.rnn.pad_sequence(list(seqs), batch_first=True)
        return padded, lengths, torch.tensor(targets)

    pairs = list(zip(sequences, labels))
    loader = data.DataLoader(pairs, batch_size=2, collate_fn=collate_batch)
    results["collate_fn"] = [[t.tolist() for t in batch] for batch in loader]
    return results


def activation_checkpointing(torch, init):
    """torch.utils.checkpoint as its docs use it: checkpoint(fn, *args, use_reentrant=False)
    of a block with several inputs and a keyword, checkpoint_sequential over segments of a
    Sequential; the outputs and gradients equal the plain run's, and one training step."""
    nn, F = torch.nn, torch.nn.functional
    checkpoint = torch.utils.checkpoint
    results = {}
    block = init(nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Linear(16, 6)))
    x = _randn(torch, (4, 6), 50).requires_grad_()
    bias = _randn(torch, (6,), 51).requires_grad_()

    def run(inputs, shift, scale=1.0):
        return F.layer_norm(block(inputs) + shift, (6,)) * scale

    plain = run(x, bias, scale=2.0)
    plain.pow(2).sum().backward()
    expected = [x.grad.clone(), bias.grad.clone(), block[0].weight.grad.clone()]
    x.grad = bias.grad = None
    block.zero_grad()
    out = checkpoint.checkpoint(run, x, bias, use_reentrant=False, scale=2.0)
    out.pow(2).sum().backward()
    got = [x.grad, bias.grad, block[0].weight.grad]
    results["checkpoint"] = [out.tolist(), [g.tolist() for g in got]]
    results["same"] = [torch.allclose(a, b, atol=1e-6) for a, b in zip(got, expected)]

    model = init(nn.Sequential(*[nn.Sequential(nn.Linear(6, 6), nn.Tanh()) for _ in range(4)]))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, target = _randn(torch, (8, 6), 52), _randn(torch, (8, 6), 53)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        out = checkpoint.checkpoint_sequential(model, 2, inputs, use_reentrant=False)
        loss = F.mse_loss(out, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    results["sequential"] = [losses, _grads(model)]
    return results


def distributions_tour(torch, init):
    """torch.distributions as its docs show it: Normal (log_prob, cdf, icdf, entropy, mean and
    stddev, rsample's reparameterised gradient), Categorical from logits and from probs
    (probs, log_prob, entropy, sample shapes), Bernoulli, Uniform, Independent over a Normal
    (batch and event shapes), MultivariateNormal with a scale_tril, Exponential and Laplace,
    and kl_divergence between pairs of each; samples compared by shape and by the mean of
    many draws."""
    D = torch.distributions  # noqa: N806
    results = {}
    loc = torch.tensor([0.0, 1.0, -2.0], requires_grad=True)
    scale = torch.tensor([1.0, 0.5, 2.0], requires_grad=True)
    normal = D.Normal(loc, scale)
    value = torch.tensor([0.5, 1.0, 0.0])
    results["normal"] = [
        normal.log_prob(value).tolist(), normal.cdf(value).tolist(),
        normal.icdf(torch.tensor([0.1, 0.5, 0.9])).tolist(), normal.entropy().tolist(),
        normal.mean.tolist(), normal.stddev.tolist(), normal.variance.tolist(),
        list(normal.batch_shape), list(normal.event_shape),
    ]  # fmt: skip
    samples = normal.rsample((4000,))
    results["rsample"] = [list(samples.shape), samples.requires_grad]
    samples.mean(0).sum().backward()
    results["reparameterised_grads"] = [loc.grad.tolist(), scale.grad.abs().max().item() < 0.1]
    results["sample_mean"] = (samples.mean(0) - loc).abs().max().item() < 0.15

    logits = torch.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]])
    categorical = D.Categorical(logits=logits)
    action = torch.tensor([1, 2])
    results["categorical"] = [
        categorical.probs.tolist(), categorical.log_prob(action).tolist(),
        categorical.entropy().tolist(), list(categorical.sample().shape),
        list(categorical.sample((5,)).shape), list(categorical.batch_shape),
    ]  # fmt: skip
    by_probs = D.Categorical(probs=torch.tensor([0.2, 0.3, 0.5]))
    draws = by_probs.sample((5000,))
    results["categorical_draws"] = [
        by_probs.logits.tolist(),
        abs((draws == 2).float().mean().item() - 0.5) < 0.05,
    ]
    bernoulli = D.Bernoulli(logits=torch.tensor([0.0, 2.0]))
    results["bernoulli"] = [
        bernoulli.probs.tolist(), bernoulli.log_prob(torch.tensor([1.0, 0.0])).tolist(),
        bernoulli.entropy().tolist(),
    ]  # fmt: skip
    uniform = D.Uniform(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 5.0]))
    value = torch.tensor([1.0, 2.0])
    results["uniform"] = [uniform.log_prob(value).tolist(), uniform.icdf(value / 5).tolist()]

    diagonal = D.Independent(D.Normal(torch.zeros(3, 2), torch.ones(3, 2)), 1)
    results["independent"] = [
        list(diagonal.batch_shape), list(diagonal.event_shape),
        diagonal.log_prob(torch.ones(3, 2)).tolist(),
    ]  # fmt: skip
    tril = torch.tensor([[1.0, 0.0], [0.5, 2.0]])
    mvn = D.MultivariateNormal(torch.tensor([1.0, -1.0]), scale_tril=tril)
    results["mvn"] = [
        mvn.log_prob(torch.tensor([0.0, 0.0])).item(), mvn.entropy().item(),
        mvn.covariance_matrix.tolist(),
    ]  # fmt: skip
    waiting = D.Exponential(torch.tensor([0.5, 2.0]))
    noise = D.Laplace(torch.tensor(0.0), torch.tensor(2.0))
    results["exponential_laplace"] = [
        waiting.log_prob(torch.tensor([1.0, 1.0])).tolist(),
        waiting.cdf(torch.tensor(1.0)).tolist(),
        waiting.icdf(torch.tensor(0.5)).tolist(), waiting.mean.tolist(),
        noise.log_prob(torch.tensor([-1.0, 3.0])).tolist(), noise.entropy().item(),
        D.kl_divergence(waiting, D.Exponential(torch.tensor(1.0))).tolist(),
        D.kl_divergence(noise, D.Laplace(1.0, 1.0)).item(),
    ]  # fmt: skip
    other = D.MultivariateNormal(torch.zeros(2), covariance_matrix=torch.eye(2) * 2)
    results["kl"] = [
        D.kl_divergence(normal, D.Normal(torch.zeros(3), torch.ones(3))).tolist(),
        D.kl_divergence(categorical, D.Categorical(logits=torch.zeros(2, 3))).tolist(),
        D.kl_divergence(bernoulli, D.Bernoulli(probs=torch.tensor([0.5, 0.5]))).tolist(),
        D.kl_divergence(mvn, other).item(),
    ]  # fmt: skip
    return results


def gan_spectral_and_weight_norm(torch, init):
    """A discriminator of the GAN tutorials with the legacy torch.nn.utils.spectral_norm on
    each layer and a generator with the legacy weight_norm (which warns): the state-dict keys,
    a few alternating training steps, the largest singular value of the normalised weights,
    eval mode (no power step), and both removed again."""
    nn, F = torch.nn, torch.nn.functional
    SN, WN = nn.utils.spectral_norm, nn.utils.weight_norm  # noqa: N806
    results = {}
    discriminator = nn.Sequential(
        SN(nn.Linear(4, 16)), nn.LeakyReLU(0.2), SN(nn.Linear(16, 1), n_power_iterations=3)
    )
    init(discriminator)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generator = nn.Sequential(WN(nn.Linear(2, 8)), nn.ReLU(), WN(nn.Linear(8, 4), dim=None))
    results["warned"] = [w.category.__name__ for w in caught]
    init(generator)
    results["keys"] = [list(discriminator.state_dict()), list(generator.state_dict())]

    d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-2, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(generator.parameters(), lr=1e-2, betas=(0.5, 0.999))
    real, noise = _randn(torch, (16, 4), 60) + 2, _randn(torch, (16, 2), 61)
    ones, zeros = torch.ones(16, 1), torch.zeros(16, 1)
    losses = []
    for _ in range(3):
        d_opt.zero_grad()
        fake = generator(noise)
        d_loss = F.binary_cross_entropy_with_logits(discriminator(real), ones)
        d_loss = d_loss + F.binary_cross_entropy_with_logits(discriminator(fake.detach()), zeros)
        d_loss.backward()
        d_opt.step()
        g_opt.zero_grad()
        g_loss = F.binary_cross_entropy_with_logits(discriminator(fake), ones)
        g_loss.backward()
        g_opt.step()
        losses.append([d_loss.item(), g_loss.item()])
    results["losses"] = losses
    sigma = torch.linalg.matrix_norm(discriminator[0].weight.detach(), ord=2).item()
    results["sigma"] = [round(sigma, 3), discriminator[0].weight_u.tolist()]
    discriminator.eval()
    u = discriminator[2].weight_u.clone()
    results["eval"] = [discriminator(real).sum().item(), torch.equal(u, discriminator[2].weight_u)]
    for layer in (discriminator[0], discriminator[2]):
        nn.utils.remove_spectral_norm(layer)
    nn.utils.remove_weight_norm(generator[0])
    results["removed"] = [
        [n for n, _ in discriminator.named_parameters()],
        [n for n, _ in generator.named_parameters()],
        discriminator(real).sum().item(),
    ]  # fmt: skip
    return results


def train_and_eval_modes(torch, init):
    """What model.train() and model.eval() change, as the docs of Dropout and BatchNorm say:
    Dropout zeroes about p of the elements and scales the rest by 1/(1-p) in training and is
    the identity in eval, AlphaDropout after SELU keeps zero mean and unit variance;
    BatchNorm1d's running statistics with momentum 0.1 and with momentum=None (a cumulative
    average), num_batches_tracked, eval using the running statistics,
    track_running_stats=False and affine=False; the `training` flags of submodules; no_grad
    in eval for inference."""
    nn = torch.nn
    results = {}
    dropout = nn.Dropout(p=0.25)
    x = torch.ones(100, 100)
    out = dropout(x)
    kept = out[out != 0]
    results["dropout_train"] = [
        abs((out == 0).float().mean().item() - 0.25) < 0.02,
        torch.allclose(kept, torch.full_like(kept, 1 / 0.75)),
    ]
    dropout.eval()
    results["dropout_eval"] = torch.equal(dropout(x), x)
    channels = nn.Dropout2d(p=0.5)(torch.ones(4, 8, 3, 3))
    per_channel = channels.sum((2, 3))
    results["dropout2d"] = bool(((per_channel == 0) | (per_channel == 18)).all())
    selu_net = nn.Sequential(nn.SELU(), nn.AlphaDropout(p=0.2))
    activations = selu_net(_randn(torch, (100_000,), 69))  # SELU keeps N(0, 1) so
    results["alpha_dropout_train"] = [
        abs(activations.mean().item()) < 0.02,
        abs(activations.std().item() - 1) < 0.02,
    ]
    selu_net.eval()
    z = _randn(torch, (5,), 68)
    results["alpha_dropout_eval"] = selu_net(z).tolist()

    data = [_randn(torch, (8, 3), 70 + i, scale=2.0) + i for i in range(3)]
    bn = init(nn.BatchNorm1d(3))
    cumulative = nn.BatchNorm1d(3, momentum=None)
    for batch in data:
        train_out = bn(batch)
        cumulative(batch)
    results["running"] = [
        bn.running_mean.tolist(), bn.running_var.tolist(), bn.num_batches_tracked.item(),
        cumulative.running_mean.tolist(), cumulative.running_var.tolist(),
    ]  # fmt: skip
    results["train_out"] = train_out.tolist()
    model = nn.Sequential(nn.Linear(3, 3), bn, nn.Dropout(0.5))
    model.eval()
    results["flags"] = [m.training for m in model.modules()]
    with torch.no_grad():
        results["eval_out"] = bn(data[0]).tolist()
        results["eval_is_running"] = torch.allclose(
            bn(data[0]),
            (data[0] - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias,
            atol=1e-5,
        )
    model.train()
    results["flags_train"] = [m.training for m in model.modules()]
    stateless = nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    stateless.eval()
    results["no_running"] = [
        stateless.running_mean is None, stateless(data[1]).mean(0).abs().max().item() < 1e-5,
        [n for n, _ in stateless.named_parameters()],
    ]  # fmt: skip
    return results


def embedding_bag_modes(torch, init):
    """nn.EmbeddingBag's doc examples: mode "sum", "mean" and "max" over bags given by offsets
    (include_last_offset too), a 2-D input of fixed-size bags, per_sample_weights, padding_idx
    left out of the reductions and of the gradient; F.embedding_bag with a given weight;
    Embedding.from_pretrained frozen and not, and max_norm renormalising looked-up rows."""
    nn, F = torch.nn, torch.nn.functional
    results = {}
    words = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = torch.tensor([0, 4])
    for mode in ("sum", "mean", "max"):
        bag = init(nn.EmbeddingBag(10, 3, mode=mode))
        out = bag(words, offsets)
        out.pow(2).sum().backward()
        results[mode] = [out.tolist(), bag.weight.grad.tolist()]
    bag = init(nn.EmbeddingBag(10, 3, mode="sum", include_last_offset=True))
    results["last_offset"] = bag(words, torch.tensor([0, 3, 8])).tolist()
    results["fixed_bags"] = bag(torch.tensor([[1, 2], [4, 5], [9, 0]])).tolist()
    weights = torch.tensor([0.5, 1.0, 2.0, 0.0, 1.0, -1.0, 1.0, 0.25])
    ends = torch.tensor([0, 4, 8])
    results["per_sample_weights"] = bag(words, ends, per_sample_weights=weights).tolist()
    padded = init(nn.EmbeddingBag(10, 3, mode="mean", padding_idx=2))
    out = padded(words, offsets)
    out.sum().backward()
    results["padding_idx"] = [out.tolist(), padded.weight.grad[2].tolist()]
    weight = torch.arange(30.0).reshape(10, 3) / 10
    results["functional"] = F.embedding_bag(words, weight, offsets, mode="max").tolist()

    pretrained = torch.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    frozen = nn.Embedding.from_pretrained(pretrained)
    tuned = nn.Embedding.from_pretrained(pretrained, freeze=False)
    results["pretrained"] = [
        frozen(torch.tensor([1])).tolist(), frozen.weight.requires_grad, tuned.weight.requires_grad,
    ]  # fmt: skip
    limited = init(nn.Embedding(5, 4, max_norm=1.0))
    looked_up = limited(torch.tensor([0, 2, 2]))
    results["max_norm"] = [
        looked_up.norm(dim=1).tolist(), limited.weight.norm(dim=1).tolist(),
    ]  # fmt: skip
    return results


def unfold_and_fold(torch, init):
    """nn.Unfold and nn.Fold as their docs show them: the (N, C*k*k, L) patches, a convolution
    written as unfold + matmul + view (stride, padding, dilation) equal to F.conv2d, Fold
    summing overlaps (fold(unfold(ones)) counts each pixel's patches), Fold as unfold's
    adjoint, Tensor.unfold's sliding windows, and the gradients through them."""
    nn, F = torch.nn, torch.nn.functional
    results = {}
    unfold = nn.Unfold(kernel_size=(2, 3))
    inp = _randn(torch, (2, 5, 3, 4), 80)
    output = unfold(inp)
    results["unfold_shape"] = list(output.size())

    inp = _randn(torch, (1, 3, 10, 12), 81).requires_grad_()
    w = _randn(torch, (2, 3, 4, 5), 82).requires_grad_()
    inp_unf = F.unfold(inp, (4, 5), stride=2, padding=1, dilation=1)
    out_unf = inp_unf.transpose(1, 2).matmul(w.view(w.size(0), -1).t()).transpose(1, 2)
    out = out_unf.view(1, 2, 5, 5)
    conv = F.conv2d(inp, w, stride=2, padding=1)
    results["conv_by_unfold"] = [(out - conv).abs().max().item() < 1e-4, out.sum().item()]
    out.pow(2).sum().backward()
    results["grads"] = [inp.grad.sum().item(), w.grad.tolist()]
    dilated = F.unfold(inp, 3, dilation=2, padding=2, stride=3)
    results["dilated"] = [list(dilated.shape), dilated.sum().item()]

    fold = nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
    patches = _randn(torch, (1, 3 * 2 * 2, 12), 83)
    results["fold"] = fold(patches).tolist()
    ones = torch.ones(1, 1, 4, 5)
    counts = F.fold(F.unfold(ones, 2), (4, 5), 2)
    results["overlap_counts"] = counts.tolist()
    x, y = _randn(torch, (1, 2, 4, 5), 84), _randn(torch, (1, 8, 12), 85)
    lhs = (F.unfold(x, 2) * y).sum()
    rhs = (x * F.fold(y, (4, 5), 2)).sum()
    results["adjoint"] = abs(lhs.item() - rhs.item()) < 1e-4

    series = torch.arange(1.0, 8.0)
    results["windows"] = [series.unfold(0, 3, 2).tolist(), series.unfold(0, 2, 1).sum(1).tolist()]
    image = torch.arange(16.0).reshape(1, 4, 4)
    patches = image.unfold(1, 2, 2).unfold(2, 2, 2)
    results["patches"] = [list(patches.shape), patches.reshape(-1, 4).tolist()]
    return results


def masking_and_gathering(torch, init):
    """Losses written with masks and indices, as tutorials write them: masked_fill with -inf
    before a softmax, a Huber loss by torch.where, NLL by gather equal to F.nll_loss with
    ignore_index, a masked mean over padded time steps, take_along_dim, masked_select,
    nonzero, index_select, topk; the gradients of each."""
    F = torch.nn.functional
    results = {}
    scores = _randn(torch, (2, 4), 90).requires_grad_()
    mask = torch.tensor([[True, True, False, False], [True, True, True, False]])
    attn = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    (attn * torch.arange(4.0)).sum().backward()
    results["masked_softmax"] = [attn.tolist(), scores.grad.tolist()]

    pred, target = _randn(torch, (6,), 91, 2.0).requires_grad_(), _randn(torch, (6,), 92)
    diff = pred - target
    huber = torch.where(diff.abs() < 1.0, 0.5 * diff**2, diff.abs() - 0.5).mean()
    huber.backward()
    results["huber"] = [
        huber.item(), F.huber_loss(pred, target).item(), F.smooth_l1_loss(pred, target).item(),
        pred.grad.tolist(),
    ]  # fmt: skip

    logits = _randn(torch, (5, 3), 93).requires_grad_()
    labels = torch.tensor([0, 2, -100, 1, 2])
    log_probs = F.log_softmax(logits, dim=1)
    valid = labels != -100
    picked = log_probs.gather(1, labels.clamp(min=0).unsqueeze(1)).squeeze(1)
    nll = -(picked * valid).sum() / valid.sum()
    nll.backward()
    results["nll_by_gather"] = [
        nll.item(), F.nll_loss(log_probs, labels, ignore_index=-100).item(),
        logits.grad.tolist(),
    ]  # fmt: skip

    outputs, targets = _randn(torch, (2, 5), 94).requires_grad_(), _randn(torch, (2, 5), 95)
    lengths = torch.tensor([3, 5])
    steps = torch.arange(5).unsqueeze(0) < lengths.unsqueeze(1)
    loss = ((outputs - targets) ** 2 * steps).sum() / steps.sum()
    loss.backward()
    results["masked_mean"] = [loss.item(), outputs.grad.tolist()]

    values = _randn(torch, (3, 4), 96)
    order = values.argsort(dim=1, descending=True)
    results["take_along_dim"] = torch.take_along_dim(values, order, dim=1).tolist()
    results["masked_select"] = values.masked_select(values > 0).tolist()
    columns = torch.nonzero(values > 0.5, as_tuple=True)[1]
    results["nonzero"] = [(values > 0).nonzero().tolist(), columns.tolist()]
    results["index_select"] = values.index_select(1, torch.tensor([3, 0])).tolist()
    top = values.topk(2, dim=1)
    results["topk"] = [top.values.tolist(), top.indices.tolist()]
    return results


def flat_parameter_vectors(torch, init):
    """torch.nn.utils.parameters_to_vector and vector_to_parameters as optimisation code uses
    them: the parameter count, the flat gradient by torch.cat, a gradient step and a
    finite-difference directional derivative done on the flat vector, and one model's weights
    copied into another through a vector."""
    nn, F = torch.nn, torch.nn.functional
    utils = nn.utils
    results = {}
    model = init(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))
    x, y = _randn(torch, (8, 3), 100), _randn(torch, (8, 2), 101)
    vector = utils.parameters_to_vector(model.parameters())
    results["count"] = [vector.numel(), sum(p.numel() for p in model.parameters())]
    loss = F.mse_loss(model(x), y)
    loss.backward()
    flat_grad = torch.cat([p.grad.view(-1) for p in model.parameters()])
    results["flat_grad"] = flat_grad.tolist()

    with torch.no_grad():
        direction = flat_grad / flat_grad.norm()
        eps = 1e-2
        utils.vector_to_parameters(vector + eps * direction, model.parameters())
        ahead = F.mse_loss(model(x), y).item()
        utils.vector_to_parameters(vector - eps * direction, model.parameters())
        behind = F.mse_loss(model(x), y).item()
        utils.vector_to_parameters(vector - 0.5 * flat_grad, model.parameters())
    results["directional"] = [(ahead - behind) / (2 * eps), flat_grad.norm().item()]
    results["after_step"] = F.mse_loss(model(x), y).item()

    twin = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    utils.vector_to_parameters(utils.parameters_to_vector(model.parameters()), twin.parameters())
    results["twin"] = torch.equal(twin(x), model(x))
    results["twin_grad"] = twin[0].weight.grad is None
    return results


def versions_and_inplace(torch, init):
    """In-place operations and autograd, as the autograd docs explain them: the version
    counter (shared by views and by detach()), the error for an in-place op on a leaf that
    requires grad, the same op under no_grad, the error when a tensor saved for backward was
    changed (sigmoid's output), the fixes (an out-of-place op, a clone), and in-place ops
    that are safe (on an output that mul did not save)."""
    results = {}
    a = torch.ones(3)
    versions = [a._version]
    a.add_(1)
    versions.append(a._version)
    view = a[1:]
    view.mul_(2)
    versions.append([a._version, view._version])
    detached = a.detach()
    detached.zero_()
    versions.append([a._version, detached._version, a.tolist()])
    a[0] = 5
    versions.append(a._version)
    results["versions"] = versions

    w = torch.ones(2, requires_grad=True)
    try:
        w.add_(1)
    except RuntimeError as error:
        results["leaf"] = str(error).startswith(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    with torch.no_grad():
        w.mul_(3)
    results["no_grad"] = [w._version, w.tolist(), w.requires_grad, w.is_leaf]

    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = torch.sigmoid(x)
    y.mul_(2)
    try:
        y.sum().backward()
        results["modified"] = "no error"
    except RuntimeError as error:
        message = str(error)  # NOTE: PyTorch's words differ, its version numbers do not
        results["modified"] = [
            type(error).__name__,
            "is at version 1; expected version 0" in message,
        ]
    y = torch.sigmoid(x)
    y = y * 2
    y.sum().backward()
    results["out_of_place"] = x.grad.tolist()
    x.grad = None
    y = torch.sigmoid(x).clone()
    y.mul_(2)
    y.sum().backward()
    results["clone"] = x.grad.tolist()
    x.grad = None
    y = x * 3
    y.add_(1)
    y.pow(2).sum().backward()
    results["safe"] = [y.tolist(), x.grad.tolist(), y._version]
    return results


def tensor_printing(torch, init):
    """What print(tensor) shows in the tutorials: floats to four decimals, integers, bools,
    0-d tensors, scientific notation when the range is wide, dtypes other than the defaults,
    requires_grad and grad_fn, empty tensors, a summarised 2000-element tensor, and
    set_printoptions(precision, sci_mode, threshold, edgeitems) then the defaults again.
    Only the module's name in dtypes differs (torch.float64 / minigrad.float64)."""
    results = {}

    def shown(t):
        return str(t).replace(f"{torch.__name__}.", "torch.")

    x = torch.tensor([[1.0, -2.5, 3.25], [0.125, 100.0, 7.0]])
    cases = [
        x, torch.tensor([1, 2, 3]), torch.tensor([True, False]), torch.tensor(3.5),
        torch.tensor([1e-5, 1.0, 2.0]), torch.tensor([1e10, 1.0]),
        torch.tensor([0.1, 0.25], dtype=torch.float64),
        torch.tensor([1, 2], dtype=torch.int32), torch.zeros(0), torch.zeros(2, 0),
        torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True) * 2,
        torch.tensor([float("nan"), float("inf"), -1.5]), torch.arange(2000.0),
        torch.arange(12).reshape(2, 3, 2), torch.linspace(0, 1, 5).mean(),
    ]  # fmt: skip
    results["default"] = [shown(t) for t in cases]
    results["repr_equals_str"] = all(repr(t) == str(t) for t in cases)
    results["size_and_dtype"] = [shown(x.shape), shown(x.dtype), shown(x.size(1))]
    try:
        torch.set_printoptions(precision=2)
        results["precision"] = shown(x / 3)
        torch.set_printoptions(sci_mode=True)
        results["sci"] = shown(torch.tensor([1.5, 20.0]))
        torch.set_printoptions(threshold=5, edgeitems=2)  # sci_mode back to None, as PyTorch
        results["threshold"] = shown(torch.arange(10.0))
    finally:  # the options are global: later tests print with the defaults
        torch.set_printoptions(profile="default")
    results["restored"] = [shown(x / 3), shown(torch.arange(10.0))]
    return results


def module_hooks_for_features(torch, init):
    """Module hooks as the nn.Module docs describe them: a forward pre-hook and a forward hook
    with_kwargs, prepend=True putting a hook first, always_call, a full backward pre-hook
    seeing grad_output, handles removed; then feature extraction: a forward hook on every
    named submodule filling a dict of activations, and a pre-hook that rescales the input."""
    nn = torch.nn
    results = {}
    model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    x = _randn(torch, (2, 3), 110)
    log = []
    handles = [
        model[0].register_forward_pre_hook(
            lambda module, args, kwargs: log.append(["pre", sorted(kwargs)]), with_kwargs=True
        ),
        model[0].register_forward_hook(
            lambda module, args, kwargs, output: log.append(["kw", list(output.shape)]),
            with_kwargs=True,
        ),
        model[2].register_forward_hook(lambda module, args, output: log.append("second")),
        model[2].register_forward_hook(
            lambda module, args, output: log.append("first"), prepend=True
        ),
        model[2].register_full_backward_pre_hook(
            lambda module, grad_output: log.append(["backward_pre", grad_output[0].tolist()])
        ),
        model.register_forward_hook(
            lambda module, args, output: log.append("outer"), always_call=True
        ),
    ]  # fmt: skip
    out = model(x)
    (out * torch.tensor([1.0, -2.0])).sum().backward()
    results["order"] = list(log)
    for handle in handles:
        handle.remove()
    log.clear()
    model(x).sum().backward()
    results["removed"] = log

    features = {}

    def get_features(name):
        def hook(module, args, output):
            features[name] = output.detach()

        return hook

    for name, module in model.named_modules():
        if name:
            module.register_forward_hook(get_features(name))
    model[0].register_forward_pre_hook(lambda module, args: (args[0] * 2,))
    out = model(x)
    results["features"] = {name: value.tolist() for name, value in features.items()}
    results["out"] = out.tolist()
    return results


def attention_edge_cases(torch, init):
    """Attention calls from the docs' corners: scaled_dot_product_attention with a row that
    masks every key (zeros, as PyTorch 2.13's CPU kernel gives) and a (B, 1, L, S) mask; is_causal
    with more keys than queries; MultiheadAttention with bias=False, add_bias_kv and
    add_zero_attn, a float key_padding_mask, a (B * heads, L, S) boolean attn_mask, an
    unbatched call, and eval mode under no_grad; a pre-norm TransformerDecoderLayer with
    tgt_is_causal."""
    nn, F = torch.nn, torch.nn.functional
    results = {}
    q, k, v = (
        _randn(torch, (2, 2, 3, 4), 120),
        _randn(torch, (2, 2, 5, 4), 121),
        _randn(torch, (2, 2, 5, 4), 122),
    )
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[1] = False
    results["all_masked_row"] = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).tolist()
    per_batch = _randn(torch, (2, 1, 3, 5), 123) > 0
    per_batch[..., 0] = True
    results["per_batch_mask"] = F.scaled_dot_product_attention(
        q, k, v, attn_mask=per_batch
    ).tolist()
    results["causal_rectangular"] = F.scaled_dot_product_attention(q, k, v, is_causal=True).tolist()

    x = _randn(torch, (2, 3, 4), 124)
    extra = init(
        nn.MultiheadAttention(
            4, 2, batch_first=True, bias=False, add_bias_kv=True, add_zero_attn=True
        )
    )
    out, weights = extra(x, x, x)
    results["bias_kv_zero_attn"] = [
        out.tolist(),
        weights.tolist(),
        [n for n, _ in extra.named_parameters()],
    ]
    mha = init(nn.MultiheadAttention(4, 2, batch_first=True))
    soft_padding = torch.tensor([[0.0, 0.0, float("-inf")], [0.0, -1.0, 0.0]])
    out, weights = mha(x, x, x, key_padding_mask=soft_padding)
    results["float_padding"] = [out.tolist(), weights.tolist()]
    per_head = _randn(torch, (4, 3, 3), 125) > -0.5
    per_head[..., 0] = False
    out, weights = mha(x, x, x, attn_mask=per_head)
    results["per_head_mask"] = [out.tolist(), weights.tolist()]
    out, weights = mha(x[0], x[0], x[0])
    results["unbatched"] = [out.tolist(), weights.tolist()]
    mha.eval()
    padding = torch.tensor([[False, False, True], [False, False, False]])
    with torch.no_grad():
        out, weights = mha(x, x, x, key_padding_mask=padding)
    results["eval"] = [out[0, :2].tolist(), out[1].tolist(), weights.tolist()]

    decoder = init(
        nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, batch_first=True, norm_first=True)
    )
    memory = _randn(torch, (2, 5, 4), 126)
    causal = nn.Transformer.generate_square_subsequent_mask(3)
    out = decoder(x, memory, tgt_mask=causal, tgt_is_causal=True)
    out.sum().backward()
    results["decoder"] = [out.tolist(), _grads(decoder)]
    return results


PROGRAMS = [
    forward_mode_ad,
    attention_with_masks,
    transformer_with_padding,
    packed_sequences,
    gradient_clipping_and_accumulation,
    lr_schedulers,
    nn_init_statistics,
    samplers_and_datasets,
    activation_checkpointing,
    distributions_tour,
    gan_spectral_and_weight_norm,
    train_and_eval_modes,
    embedding_bag_modes,
    unfold_and_fold,
    masking_and_gathering,
    flat_parameter_vectors,
    versions_and_inplace,
    tensor_printing,
    module_hooks_for_features,
    attention_edge_cases,
]
