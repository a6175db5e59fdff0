"""Programs in the style of PyTorch's "Forward-mode Automatic Differentiation" tutorial and of
the examples in PyTorch's API docs a user copies into a notebook: attention with masks,
packed sequences, gradient clipping and accumulation, learning-rate schedules, nn.init,
samplers and datasets, activation checkpointing, torch.distributions, weight and spectral
norm, train and eval modes, EmbeddingBag, Unfold and Fold, masking and gathering,
parameter vectors, version counters and tensor printing. Each is a function of the library
(`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py). Random draws
differ between the libraries: `init` hands minigrad PyTorch's values, and what stays random
(initialisers, samplers, dropout) is compared by its properties."""

from __future__ import annotations

import importlib
import math

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
    TransformerEncoder with an output norm in eval mode; a loss, its gradients, one Adam step."""
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


PROGRAMS = [
    forward_mode_ad,
    attention_with_masks,
    transformer_with_padding,
    packed_sequences,
    gradient_clipping_and_accumulation,
    lr_schedulers,
]
