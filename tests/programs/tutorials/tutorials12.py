"""Programs as students copy them (round 12): the autograd notes' saved tensors and graph
walks, module and state_dict hooks, the sliding-window and cumulative tensor methods, the
sampling, scheduling and data-loading corners of the docs, and small models from blog posts
that mix them. Each is a function of the library (`torch` is PyTorch or minigrad) and of
`init` (see tests/programs/conftest.py); data come from NumPy so that both libraries see the
same numbers, and what stays random is compared by its properties."""

from __future__ import annotations

import io

import numpy as np
from tutorials7 import _name, _randn, _shown
from tutorials9 import _raises


def saved_tensors_of_the_autograd_notes(torch, init):
    """The autograd notes' "Saved tensors": y = x.pow(2) saves x itself
    (`y.grad_fn._saved_self is x`), y = x.exp() saves its result as another tensor object
    (`_saved_result` equals y, is not y), mul saves both operands, and after backward the
    saved values are freed: reading one raises."""
    x = _randn(torch, (5,), 1).requires_grad_()
    y = x.pow(2)
    e = x.exp()
    a, b = _randn(torch, (3,), 2).requires_grad_(), _randn(torch, (3,), 3).requires_grad_()
    p = a * b
    t = x.tanh()
    results = {
        "pow_self": [x.equal(y.grad_fn._saved_self), x is y.grad_fn._saved_self],
        "exp_result": [e.equal(e.grad_fn._saved_result), e is e.grad_fn._saved_result],
        "mul": [p.grad_fn._saved_self is a, p.grad_fn._saved_other is b],
        "tanh": t.grad_fn._saved_result.tolist(),
        "sin": x.sin().grad_fn._saved_self is x,
    }
    y.sum().backward()
    results["freed"] = _raises(lambda: y.grad_fn._saved_self)
    results["grad"] = x.grad.tolist()
    return results


def reshape_and_view_of_the_same_shape(torch, init):
    """x.reshape(x.shape) and x.view(x.shape) give a new tensor that shares x's memory (its
    _base is x, a write through it shows in x), with a ViewBackward0 node when x requires
    grad; x.contiguous() of a contiguous x and x.detach() of a leaf are what the docs say."""
    x = torch.arange(6.0).view(2, 3)
    r = x.reshape(x.shape)
    v = x.view(2, 3)
    r[0, 0] = 10.0
    w = _randn(torch, (2, 3), 1).requires_grad_()
    same = w.reshape(2, 3)
    (same * torch.arange(6.0).view(2, 3)).sum().backward()
    return {
        "reshape": [r is x, r._base is x, r.data_ptr() == x.data_ptr(), x[0, 0].item()],
        "view": [v is x, v._base is x],
        "grad_fn": [same.grad_fn.name(), same is w, w.grad.tolist()],
        "reshape_as": x.reshape_as(x) is x,
        "contiguous": x.contiguous() is x,
        "detach": [x.detach() is x, x.detach()._base is None],
        "t_reshape": [x.t().reshape(3, 2).is_contiguous(), x.t().reshape(6)._base is None],
    }


def next_functions_skip_indices_and_masks(torch, init):
    """Walking grad_fn.next_functions as the autograd tutorials do, through ops that take an
    index, a mask, a condition or a target: PyTorch lists an edge only for the inputs it
    differentiates, so the walk reaches the weights' AccumulateGrad in the same places."""
    F = torch.nn.functional
    w = _randn(torch, (4, 3), 1).requires_grad_()
    idx, target = torch.tensor([0, 3, 1]), torch.tensor([2, 0, 1])
    logits = F.embedding(idx, w)
    masked = logits.masked_fill(logits < 0, 0.0)
    chosen = torch.where(masked > 0.5, masked, masked * 2)
    loss = F.nll_loss(chosen.log_softmax(1), target)

    def walk(node):
        names = []
        while node is not None:
            # docs/nn.md: minigrad's leaf node is AccumulateGrad, without the C++ namespace
            names.append(node.name().removeprefix("torch::autograd::"))
            listed = [n for n, _ in node.next_functions if n is not None]
            node = listed[0] if listed else None
        return names

    return {
        "lens": [
            len(F.embedding(idx, w).grad_fn.next_functions),
            len(masked.grad_fn.next_functions),
            len(chosen.grad_fn.next_functions),
            len(F.nll_loss(w, torch.tensor([0, 1, 2, 0])).grad_fn.next_functions),
            len(F.cross_entropy(w, torch.tensor([0, 1, 2, 0])).grad_fn.next_functions),
        ],
        "walk_embedding": walk(F.embedding(idx, w).grad_fn),
        "walk_masked": walk(masked.grad_fn),
        "where_first": chosen.grad_fn.next_functions[0][0].name(),
        "loss": loss.item(),
    }


def forward_pre_hooks_with_kwargs(torch, init):
    """register_forward_pre_hook(with_kwargs=True) that rewrites a keyword argument,
    register_forward_hook(with_kwargs=True) that sees it, a hook returning a new output, and
    handles removed one by one, as the nn.Module docs describe."""
    nn = torch.nn

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x, scale=1.0):
            return self.linear(x) * scale

    model = init(Scaled())
    x = _randn(torch, (2, 3), 1)
    seen = []

    def pre(module, args, kwargs):
        kwargs = dict(kwargs)
        kwargs["scale"] = kwargs.get("scale", 1.0) * 10
        return args, kwargs

    def post(module, args, kwargs, output):
        seen.append([len(args), sorted(kwargs), kwargs["scale"]])
        return output + 1

    h1 = model.register_forward_pre_hook(pre, with_kwargs=True)
    h2 = model.register_forward_hook(post, with_kwargs=True)
    hooked = model(x, scale=0.5)
    h1.remove()
    only_post = model(x, scale=0.5)
    h2.remove()
    plain = model(x, scale=0.5)
    return {
        "hooked": hooked.tolist(),
        "only_post": only_post.tolist(),
        "plain": plain.tolist(),
        "seen": seen,
    }


def full_backward_hooks_on_a_small_net(torch, init):
    """register_full_backward_hook on each layer of an MLP records grad_output norms (the
    "debugging vanishing gradients" blog recipe), register_full_backward_pre_hook scales the
    gradient reaching the last layer, and a Tensor hook on the input sees the final grad."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                               nn.Linear(8, 1)))  # fmt: skip
    norms = []
    for name, layer in model.named_children():
        if isinstance(layer, nn.Linear):
            layer.register_full_backward_hook(
                lambda m, gin, gout, name=name: norms.append(
                    [name, round(gout[0].norm().item(), 5), gin[0] is None]
                )
            )
    model[4].register_full_backward_pre_hook(lambda m, gout: (gout[0] * 0.5,))
    x = _randn(torch, (5, 4), 1).requires_grad_()
    input_grads = []
    x.register_hook(lambda g: input_grads.append(g.sum().item()))
    model(x).pow(2).mean().backward()
    return {
        "norms": norms,
        "input_grad": input_grads,
        "weight_grad": model[0].weight.grad.tolist(),
    }


def state_dict_hooks_rename_keys(torch, init):
    """A model refactored from `fc` to `head`: a load_state_dict pre-hook
    (register_load_state_dict_pre_hook) renames old keys as checkpoints in the wild do, a
    state_dict post hook adds nothing, strict=False reports missing and unexpected keys, and
    the loaded weights are the old ones."""
    nn = torch.nn

    class Old(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(3, 3)
            self.fc = nn.Linear(3, 2)

    class New(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(3, 3)
            self.head = nn.Linear(3, 2)
            self.register_buffer("calls", torch.zeros(()))

    old = init(Old())
    checkpoint = old.state_dict()
    strict_off = New().load_state_dict(checkpoint, strict=False)
    new = New()

    def rename(module, state_dict, prefix, *args):
        for key in list(state_dict):
            if key.startswith(prefix + "fc."):
                state_dict[prefix + "head." + key[len(prefix) + 3 :]] = state_dict.pop(key)

    new.register_load_state_dict_pre_hook(rename)
    result = new.load_state_dict({**checkpoint, "calls": torch.tensor(2.0)})
    return {
        "missing": sorted(strict_off.missing_keys),
        "unexpected": sorted(strict_off.unexpected_keys),
        "after_hook": [sorted(result.missing_keys), sorted(result.unexpected_keys)],
        "head": torch.equal(new.head.weight, old.fc.weight),
        "calls": new.calls.item(),
        "keys": list(new.state_dict()),
        "strict": _raises(lambda: New().load_state_dict(checkpoint)),
    }


def sliding_windows_with_unfold(torch, init):
    """Tensor.unfold(dim, size, step) for moving averages and 2-D patches (the "unfold for
    convolution from scratch" blog post): windows of a series, patches of an image by two
    unfolds, their mean compared with avg_pool2d, and the gradient through overlapping
    windows (each element counted once per window that holds it)."""
    F = torch.nn.functional
    series = torch.arange(10.0, requires_grad=True)
    windows = series.unfold(0, 4, 2)
    moving = windows.mean(1)
    moving.sum().backward()
    image = _randn(torch, (1, 1, 6, 6), 1)
    patches = image.unfold(2, 2, 2).unfold(3, 2, 2)
    return {
        "windows": [list(windows.shape), windows.tolist()],
        "moving": moving.tolist(),
        "grad": series.grad.tolist(),
        "patches": list(patches.shape),
        "pool": torch.allclose(patches.mean((-1, -2)), F.avg_pool2d(image, 2)),
        "stride": list(windows.stride()),
        "too_big": _raises(lambda: series.unfold(0, 11, 1)),
    }


def cumulative_ops_with_gradients(torch, init):
    """cumsum, cumprod, cummax and cummin (values and indices), logcumsumexp as a stable
    log of cumulative sums, and their gradients: the running-maximum "drawdown" of a price
    series as in finance blog posts."""
    prices = torch.tensor([3.0, 5.0, 4.0, 6.0, 2.0, 7.0], requires_grad=True)
    peak, where_peak = prices.cummax(0)
    drawdown = (prices - peak) / peak
    drawdown.min().backward()
    x = _randn(torch, (2, 4), 1).requires_grad_()
    lse = x.logcumsumexp(1)
    prod = x.cumprod(1)
    (lse.sum() + prod.sum()).backward()
    low, where_low = torch.cummin(torch.tensor([4, 2, 3, 1, 1]), 0)
    return {
        "peak": [peak.tolist(), where_peak.tolist()],
        "drawdown": drawdown.tolist(),
        "grad": prices.grad.tolist(),
        "lse": [lse.tolist(), torch.allclose(lse, x.exp().cumsum(1).log())],
        "x_grad": x.grad.tolist(),
        "cummin": [low.tolist(), where_low.tolist()],
        "cumsum_dtype": [_name(torch.tensor([1, 2]).cumsum(0).dtype),
                         torch.tensor([1, 2]).cumsum(0, dtype=torch.float32).tolist()],
    }  # fmt: skip


def sort_stable_topk_and_argsort(torch, init):
    """sort(stable=True) keeps ties in order (sorting records by a key, the docs' example),
    descending sorts, topk with largest=False and sorted results, argsort, msort, and
    gradients through sort and topk reaching the chosen entries."""
    keys = torch.tensor([2, 1, 2, 0, 1, 2])
    stable = torch.sort(keys, stable=True)
    descending = torch.sort(keys, descending=True, stable=True)
    x = torch.tensor([[0.3, -1.2, 2.5, 0.7], [1.1, 0.0, -0.4, 3.3]], requires_grad=True)
    values, indices = x.topk(2, dim=1, largest=False)
    s, _ = x.sort(dim=1, descending=True)
    (values.sum() + s[:, 0].sum() * 2).backward()
    return {
        "stable": [stable.values.tolist(), stable.indices.tolist()],
        "descending": descending.indices.tolist(),
        "topk": [values.tolist(), indices.tolist()],
        "grad": x.grad.tolist(),
        "argsort": torch.argsort(keys, stable=True).tolist(),
        "msort": torch.msort(x.detach()).tolist(),
        "k_too_big": _raises(lambda: x.topk(5)),
    }


def unique_counts_and_bincount_histogram(torch, init):
    """A label histogram three ways: torch.unique(return_counts, return_inverse),
    bincount with minlength and weights, and histc over a float range; then the inverse
    indices rebuild the input (the "count classes in a dataset" snippet)."""
    labels = torch.tensor([3, 1, 3, 0, 1, 3, 5])
    values, inverse, counts = torch.unique(labels, return_inverse=True, return_counts=True)
    weights = torch.tensor([0.5, 1.0, 0.5, 2.0, 1.0, 0.5, 1.5])
    scores = torch.tensor([0.1, 0.4, 0.35, 0.8, 0.95, 0.5])
    unsorted_values = torch.unique(labels, sorted=False)
    return {
        "unique": [values.tolist(), inverse.tolist(), counts.tolist()],
        "rebuilt": torch.equal(values[inverse], labels),
        "bincount": torch.bincount(labels, minlength=7).tolist(),
        "weighted": torch.bincount(labels, weights=weights).tolist(),
        "histc": torch.histc(scores, bins=4, min=0, max=1).tolist(),
        "unsorted": sorted(unsorted_values.tolist()),
        "dim": [t.tolist() for t in torch.unique(torch.tensor([[1, 2], [1, 2], [0, 1]]),
                                                 dim=0, return_counts=True)],
        "negative": _raises(lambda: torch.bincount(torch.tensor([-1, 2]))),
    }  # fmt: skip


def searchsorted_and_bucketize_binning(torch, init):
    """Binning ages into groups with torch.bucketize (right=False/True) and the same with
    searchsorted (side='left'/'right', a sorter), batched searchsorted over rows, and
    out_int32 (the "feature engineering in PyTorch" blog post)."""
    boundaries = torch.tensor([18.0, 30.0, 45.0, 65.0])
    ages = torch.tensor([[5.0, 18.0, 29.9], [30.0, 70.0, 45.0]])
    unsorted = torch.tensor([45.0, 18.0, 65.0, 30.0])
    rows = torch.tensor([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    return {
        "bucketize": torch.bucketize(ages, boundaries).tolist(),
        "right": torch.bucketize(ages, boundaries, right=True).tolist(),
        "side": [
            torch.searchsorted(boundaries, ages, side="left").tolist(),
            torch.searchsorted(boundaries, ages, side="right").tolist(),
        ],
        "sorter": torch.searchsorted(unsorted, torch.tensor([20.0, 50.0]),
                                     sorter=torch.argsort(unsorted)).tolist(),
        "batched": torch.searchsorted(rows, torch.tensor([[3.0], [3.0]])).tolist(),
        "int32": _name(torch.bucketize(ages, boundaries, out_int32=True).dtype),
        "scalar": torch.searchsorted(boundaries, 40.0).tolist(),
    }  # fmt: skip


def triangles_rolls_and_flips(torch, init):
    """tril/triu with diagonals (a causal mask and its complement), roll over one and two
    dims, flip/fliplr/flipud, rot90, and tril_indices/triu_indices that fill a symmetric
    matrix from its packed upper triangle (a Cholesky-parameter trick from VAE posts)."""
    x = torch.arange(1.0, 17.0).view(4, 4)
    packed = torch.arange(1.0, 7.0)
    rows, cols = torch.triu_indices(3, 3)
    sym = torch.zeros(3, 3)
    sym[rows, cols] = packed
    sym = sym + sym.triu(1).T
    lower = torch.tril_indices(3, 3, offset=-1)
    return {
        "tril": [x.tril().tolist(), x.tril(-1).tolist(), x.triu(2).tolist()],
        "roll": [x.roll(1, 0)[0].tolist(), x.roll((1, -1), (0, 1))[0].tolist(),
                 x.roll(3).view(-1)[:4].tolist()],
        "flip": [x.flip(0)[0].tolist(), x.fliplr()[0].tolist(), x.flipud()[:, 0].tolist()],
        "rot90": [x.rot90()[0].tolist(), x.rot90(2, (0, 1))[0].tolist()],
        "sym": sym.tolist(),
        "lower": lower.tolist(),
        "causal": torch.ones(3, 3, dtype=torch.bool).tril().logical_not().tolist(),
    }  # fmt: skip


def python_scalars_and_dtype_promotion(torch, init):
    """How Python numbers combine with tensors (the type-promotion doc's table): an int
    tensor with a float scalar is float32, a float16 tensor with a float scalar stays
    float16, a bool tensor with an int is int64, true division of ints is float, floor
    division keeps ints, and in-place ops that would need a wider type raise."""
    i = torch.tensor([1, 2, 3])
    h = torch.tensor([1.0, 2.0], dtype=torch.float16)
    b = torch.tensor([True, False])
    i8 = torch.tensor([100], dtype=torch.int8)
    results = {
        "int_float": [_name((i * 1.5).dtype), (i * 1.5).tolist()],
        "half_float": _name((h * 2.5).dtype),
        "half_int_tensor": _name((h + i[:2]).dtype),
        "bool_int": [_name((b + 1).dtype), (b + 1).tolist()],
        "bool_bool": _name((b & b).dtype),
        "truediv": [_name((i / 2).dtype), (i / 2).tolist()],
        "floordiv": [_name((i // 2).dtype), (i // 2).tolist()],
        "int8_wrap": [_name((i8 + 100).dtype), (i8 + 100).tolist()],
        "int8_int64": _name((i8 + i[:1]).dtype),
        "result_type": [_name(torch.result_type(i, 1.0)), _name(torch.result_type(h, 1.0))],
        "promote": _name(torch.promote_types(torch.int32, torch.float16)),
        "inplace": _raises(lambda: i.add_(0.5)),
        "float_zero_dim": _name((i + torch.tensor(1.5)).dtype),
        "double_zero_dim": _name((h + torch.tensor(1.5, dtype=torch.float64)).dtype),
    }
    return results


def advanced_indexing_and_index_put(torch, init):
    """Tensor indexing the docs way: index arrays broadcast together, a slice between two
    index arrays moves the indexed dims first, boolean masks, index_put_ with accumulate
    (a scatter of per-token losses to their sentences), and the gradients of gathers."""
    x = torch.arange(24.0).view(2, 3, 4)
    rows, cols = torch.tensor([[0], [1]]), torch.tensor([0, 2, 3])
    sentences = torch.tensor([0, 0, 1, 2, 2, 2])
    losses = torch.tensor([0.5, 1.0, 0.2, 0.3, 0.3, 0.4])
    totals = torch.zeros(3).index_put_((sentences,), losses, accumulate=True)
    w = _randn(torch, (4, 3), 1).requires_grad_()
    picked = w[torch.tensor([0, 0, 3]), torch.tensor([1, 1, 2])]
    picked.sum().backward()
    return {
        "broadcast": [list(x[0][rows, cols].shape), x[0][rows, cols].tolist()],
        "split_dims": list(x[torch.tensor([0, 1]), :, torch.tensor([1, 2])].shape),
        "adjacent": list(x[:, torch.tensor([0, 2]), torch.tensor([1, 3])].shape),
        "mask": x[x % 5 == 0].tolist(),
        "mask_dim": list(x[:, torch.tensor([True, False, True])].shape),
        "totals": totals.tolist(),
        "last_wins": torch.zeros(2).index_put_((torch.tensor([1, 1]),),
                                               torch.tensor([3.0, 4.0])).tolist(),
        "grad": w.grad.tolist(),
        "out_of_range": _raises(lambda: x[torch.tensor([2])]),
    }  # fmt: skip


def masked_fill_and_where_broadcasting(torch, init):
    """masked_fill with a mask that broadcasts over heads (a (B, 1, 1, T) padding mask on
    (B, H, T, T) scores), torch.where with a scalar on either side, and the softmax after,
    whose gradient is zero at the masked keys."""
    scores = _randn(torch, (2, 2, 3, 3), 1).requires_grad_()
    lengths = torch.tensor([3, 2])
    pad = (torch.arange(3)[None, :] >= lengths[:, None])[:, None, None, :]
    masked = scores.masked_fill(pad, float("-inf"))
    attn = masked.softmax(-1)
    (attn * torch.arange(3.0)).sum().backward()
    clipped = torch.where(scores > 0, scores, 0.1 * scores)
    return {
        "pad_shape": list(pad.shape),
        "attn": attn[1, 0].tolist(),
        "grad_masked": scores.grad[1, :, :, 2].tolist(),
        "leaky": clipped[0, 0].tolist(),
        "where_scalars": torch.where(lengths > 2, 1.0, 0.0).tolist(),
        "where_dtype": _name(torch.where(lengths > 2, lengths, 0.5).dtype),
        "bad_mask": _raises(lambda: scores.masked_fill(torch.ones(4, dtype=torch.bool), 0)),
    }


def no_grad_inference_mode_and_enable_grad(torch, init):
    """torch.no_grad and torch.inference_mode as context managers and decorators, enable_grad
    inside no_grad, set_grad_enabled(False), is_inference_mode_enabled, and requires_grad of
    what comes out of each (the "autograd mechanics: locally disabling" notes). minigrad has
    no inference tensors (docs/nn.md): Tensor.is_inference() is left out."""
    w = _randn(torch, (3,), 1).requires_grad_()

    @torch.no_grad()
    def predict(x):
        return w * x

    @torch.inference_mode()
    def fast(x):
        return w * x

    with torch.no_grad():
        a = w * 2
        with torch.enable_grad():
            b = w * 2
    with torch.inference_mode():
        c = w * 2
        inside = torch.is_inference_mode_enabled()
    with torch.set_grad_enabled(False):
        d = w * 2
    torch.set_grad_enabled(True)
    return {
        "requires_grad": [a.requires_grad, b.requires_grad, c.requires_grad, d.requires_grad],
        "inference": [inside, torch.is_inference_mode_enabled(), c.requires_grad],
        "decorated": [predict(2.0).requires_grad, fast(2.0).requires_grad],
        "grad_enabled": torch.is_grad_enabled(),
        "values": (a + d).tolist(),
    }  # fmt: skip


def manual_seed_reproducibility(torch, init):
    """torch.manual_seed makes a run repeat itself: the same seed twice gives equal rand,
    randn, randint, randperm, dropout masks and nn.Linear init; a torch.Generator seeded
    the same gives the same stream too; initial_seed reports the seed (compared within a
    library, as the two libraries draw different numbers)."""
    nn = torch.nn

    def draw(seed):
        torch.manual_seed(seed)
        return [
            torch.rand(3),
            torch.randn(2, 2),
            torch.randint(0, 10, (4,)),
            torch.randperm(5),
            nn.functional.dropout(torch.ones(8), 0.5),
            nn.Linear(3, 2).weight,
        ]

    first, second, other = draw(7), draw(7), draw(8)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    torch.manual_seed(42)
    return {
        "same": [torch.equal(a, b) for a, b in zip(first, second)],
        "differs": not torch.equal(first[1], other[1]),
        "generator": torch.equal(torch.rand(4, generator=g1), torch.rand(4, generator=g2)),
        "initial_seed": [torch.initial_seed(), g1.initial_seed()],
        "perm": sorted(first[3].tolist()),
        "dropout_values": sorted(set(first[4].tolist()) - {0.0}),
    }


def dataloader_drop_last_and_worker_init(torch, init):
    """A DataLoader over a TensorDataset with batch_size=4 and drop_last on and off (len and
    the last batch), a generator-seeded shuffle that repeats, a SubsetRandomSampler, a
    BatchSampler of a SequentialSampler, and worker_init_fn with num_workers=0 (never
    called)."""
    data = torch.utils.data
    ds = data.TensorDataset(torch.arange(10.0).view(10, 1), torch.arange(10))
    kept = data.DataLoader(ds, batch_size=4)
    dropped = data.DataLoader(ds, batch_size=4, drop_last=True)
    calls = []
    seeded = [
        [y.tolist() for _, y in data.DataLoader(ds, batch_size=5, shuffle=True,
                                                generator=torch.Generator().manual_seed(1),
                                                worker_init_fn=calls.append)]
        for _ in range(2)
    ]  # fmt: skip
    subset = data.DataLoader(ds, batch_size=3, sampler=data.SubsetRandomSampler([1, 4, 7]))
    batches = list(data.BatchSampler(data.SequentialSampler(range(7)), 3, drop_last=False))
    return {
        "len": [len(kept), len(dropped)],
        "last": [next(reversed(list(kept)))[1].tolist(), [b[1].tolist() for b in dropped]],
        "repeat": [seeded[0] == seeded[1], sorted(sum(seeded[0], []))],
        "subset": sorted(next(iter(subset))[1].tolist()),
        "batch_sampler": batches,
        "worker_init_calls": calls,
        "x_dtype": _name(next(iter(kept))[0].dtype),
    }


def collate_fn_for_dicts_and_named_tuples(torch, init):
    """default_collate on dicts, tuples of mixed tensors and numbers, strings and nested
    lists (what a DataLoader batches from a Dataset that returns dicts), and a collate_fn
    that sorts by length for pack_padded_sequence."""
    from collections import namedtuple

    data = torch.utils.data
    Sample = namedtuple("Sample", ["x", "label"])
    dicts = [{"x": torch.tensor([1.0, 2.0]), "y": 1, "name": "a"},
             {"x": torch.tensor([3.0, 4.0]), "y": 0, "name": "b"}]  # fmt: skip
    batch = data.default_collate(dicts)
    named = data.default_collate([Sample(torch.ones(2), 1), Sample(torch.zeros(2), 2)])
    floats = data.default_collate([1.5, 2.5])

    def by_length(samples):
        samples = sorted(samples, key=len, reverse=True)
        lengths = torch.tensor([len(s) for s in samples])
        padded = torch.nn.utils.rnn.pad_sequence(samples, batch_first=True)
        return padded, lengths

    seqs = [torch.tensor([1.0]), torch.tensor([2.0, 3.0, 4.0]), torch.tensor([5.0, 6.0])]
    padded, lengths = next(iter(data.DataLoader(seqs, batch_size=3, collate_fn=by_length)))
    packed = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True)
    return {
        "dict": [batch["x"].tolist(), batch["y"].tolist(), batch["name"]],
        "named": [type(named).__name__, named.x.tolist(), named.label.tolist()],
        "floats": [floats.tolist(), _name(floats.dtype)],
        "nested": [[t.tolist() for t in pair] for pair in
                   data.default_collate([[1, 2], [3, 4]])],
        "padded": padded.tolist(),
        "packed": [packed.data.tolist(), packed.batch_sizes.tolist()],
    }  # fmt: skip


def sequential_lr_warmup_then_cosine(torch, init):
    """SequentialLR of LinearLR warmup and CosineAnnealingLR with milestones (the recipe in
    the lr_scheduler docs), the learning rates read each step with get_last_lr, and a
    ChainedScheduler of ConstantLR and ExponentialLR applied together."""
    optim = torch.optim
    model = init(torch.nn.Linear(2, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    warm = optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3)
    cosine = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.01)
    sched = optim.lr_scheduler.SequentialLR(opt, [warm, cosine], milestones=[3])
    lrs = []
    for _ in range(8):
        opt.step()
        sched.step()
        lrs.append(round(sched.get_last_lr()[0], 6))
    opt2 = optim.SGD(model.parameters(), lr=1.0)
    chained = optim.lr_scheduler.ChainedScheduler(
        [optim.lr_scheduler.ConstantLR(opt2, factor=0.5, total_iters=2),
         optim.lr_scheduler.ExponentialLR(opt2, gamma=0.9)]
    )  # fmt: skip
    chain_lrs = []
    for _ in range(4):
        opt2.step()
        chained.step()
        chain_lrs.append(round(opt2.param_groups[0]["lr"], 6))
    return {"sequential": lrs, "chained": chain_lrs, "state": sorted(sched.state_dict())}


def one_cycle_and_plateau_in_a_loop(torch, init):
    """OneCycleLR stepped per batch (lr and momentum follow the cycle, cycle_momentum with
    SGD), and ReduceLROnPlateau stepped per epoch on a validation loss that stalls (patience,
    cooldown, min_lr), as in the "training loop with schedulers" posts."""
    optim = torch.optim
    model = init(torch.nn.Linear(2, 1))
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    cycle = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=0.3)
    trace = []
    for _ in range(10):
        opt.step()
        trace.append([round(opt.param_groups[0]["lr"], 6),
                      round(opt.param_groups[0]["momentum"], 6)])  # fmt: skip
        cycle.step()
    opt2 = optim.Adam(model.parameters(), lr=1.0)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt2, factor=0.5, patience=1, cooldown=1,
                                                   min_lr=0.2)  # fmt: skip
    val = [1.0, 0.9, 0.95, 0.93, 0.94, 0.96, 0.97, 0.99, 1.0, 1.1]
    plateau_lrs = []
    for loss in val:
        plateau.step(loss)
        plateau_lrs.append(opt2.param_groups[0]["lr"])
    return {"one_cycle": trace, "plateau": plateau_lrs, "best": plateau.best}


def gradient_clipping_by_norm_and_value(torch, init):
    """clip_grad_norm_ returns the total norm before clipping (2-norm and inf-norm),
    clip_grad_value_ clamps each entry, error_if_nonfinite raises on an inf gradient, and
    a loop logs the norm before each step (the "exploding gradients in RNNs" post)."""
    nn = torch.nn
    model = init(nn.RNN(3, 4, batch_first=True))
    head = init(nn.Linear(4, 1))
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.5)
    x, y = _randn(torch, (2, 5, 3), 1, 3.0), _randn(torch, (2, 1), 2)
    norms = []
    for _ in range(3):
        opt.zero_grad()
        out, _ = model(x)
        nn.functional.mse_loss(head(out[:, -1]), y).backward()
        norms.append(round(nn.utils.clip_grad_norm_(params, max_norm=0.5).item(), 5))
        opt.step()
    total_inf = nn.utils.clip_grad_norm_(params, max_norm=1.0, norm_type="inf")
    nn.utils.clip_grad_value_(params, clip_value=0.01)
    bad = torch.ones(2, requires_grad=True)
    bad.grad = torch.tensor([float("inf"), 1.0])
    return {
        "norms": norms,
        "after": round(torch.cat([p.grad.flatten() for p in params]).norm().item(), 5),
        "inf": round(total_inf.item(), 6),
        "max_abs": max(p.grad.abs().max().item() for p in params),
        "nonfinite": _raises(lambda: nn.utils.clip_grad_norm_([bad], 1.0,
                                                              error_if_nonfinite=True)),
        "weights": head.weight.tolist(),
    }  # fmt: skip


def save_and_load_dicts_of_tensors(torch, init):
    """torch.save of a dict holding tensors of several dtypes, a nested list and numbers into
    a BytesIO, torch.load back (weights_only), views saved with their base, and a
    map_location of "cpu"; the loaded tensors are equal and independent of the originals."""
    base = torch.arange(6.0)
    payload = {
        "floats": _randn(torch, (2, 3), 1),
        "ints": torch.tensor([1, 2, 3]),
        "mask": torch.tensor([True, False]),
        "half": torch.tensor([0.5, 1.5], dtype=torch.float16),
        "view": base[2:5],
        "nested": [torch.ones(2), {"epoch": 3, "lr": 0.01}],
        "step": 7,
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, map_location="cpu", weights_only=True)
    loaded["floats"][0, 0] = 100.0
    return {
        "keys": sorted(loaded),
        "equal": [torch.equal(loaded[k], payload[k]) for k in ("ints", "mask", "half", "view")],
        "dtypes": [_name(loaded[k].dtype) for k in ("floats", "ints", "mask", "half")],
        "independent": payload["floats"][0, 0].item() != 100.0,
        "nested": [loaded["nested"][0].tolist(), loaded["nested"][1]],
        "view": [loaded["view"].tolist(), list(loaded["view"].shape)],
        "step": loaded["step"],
    }


def distributions_sample_rsample_log_prob(torch, init):
    """Normal.rsample keeps the graph (the reparameterisation trick) where sample does not,
    log_prob and entropy of Normal, Categorical and Bernoulli(logits=...), kl_divergence of
    two Normals, Independent turning batch dims into event dims, and sample shapes."""
    D = torch.distributions
    mu = torch.tensor([0.5, -1.0], requires_grad=True)
    sigma = torch.tensor([1.0, 2.0], requires_grad=True)
    normal = D.Normal(mu, sigma)
    z = normal.rsample((3,))
    kl = D.kl_divergence(normal, D.Normal(torch.zeros(2), torch.ones(2))).sum()
    (z.pow(2).mean() * 0 + kl).backward()
    value = torch.tensor([0.0, 1.0])
    cat = D.Categorical(logits=torch.tensor([1.0, 2.0, 0.5]))
    bern = D.Bernoulli(logits=torch.tensor([0.0, 2.0]))
    ind = D.Independent(D.Normal(torch.zeros(3, 2), torch.ones(3, 2)), 1)
    return {
        "grad_flags": [z.requires_grad, normal.sample().requires_grad],
        "shapes": [list(z.shape), list(ind.sample((4,)).shape),
                   [list(ind.batch_shape), list(ind.event_shape)]],
        "log_prob": normal.log_prob(value).tolist(),
        "entropy": normal.entropy().tolist(),
        "kl": kl.item(),
        "grads": [mu.grad.tolist(), sigma.grad.tolist()],
        "categorical": [cat.log_prob(torch.tensor(1)).item(), cat.entropy().item(),
                        cat.probs.tolist()],
        "bernoulli": [bern.log_prob(torch.tensor([1.0, 0.0])).tolist(), bern.mean.tolist()],
        "independent": ind.log_prob(torch.zeros(3, 2)).tolist(),
    }  # fmt: skip


def einsum_patterns_from_blog_posts(torch, init):
    """The "einsum is all you need" patterns: trace, diagonal, outer product, batched
    bilinear form, attention scores with ellipsis, a sum over all but one axis, and the
    gradient of a bilinear form reaching both vectors and the matrix."""
    a = _randn(torch, (3, 3), 1)
    u, v = _randn(torch, (3,), 2).requires_grad_(), _randn(torch, (3,), 3).requires_grad_()
    m = a.clone().requires_grad_()
    q, k = _randn(torch, (2, 2, 4, 3), 4), _randn(torch, (2, 2, 5, 3), 5)
    xb, wb = _randn(torch, (4, 3), 6), _randn(torch, (2, 3, 3), 7)
    form = torch.einsum("i,ij,j->", u, m, v)
    form.backward()
    return {
        "trace": [torch.einsum("ii", a).item(), torch.einsum("ii->i", a).tolist()],
        "outer": torch.einsum("i,j->ij", u.detach(), v.detach()).tolist(),
        "bilinear": torch.einsum("bi,kij,bj->bk", xb, wb, xb).tolist(),
        "attention": list(torch.einsum("...qd,...kd->...qk", q, k).shape),
        "keep_axis": torch.einsum("bhqd->h", q).tolist(),
        "form": form.item(),
        "grads": [u.grad.tolist(), v.grad.tolist(), m.grad.tolist()],
        "bad": _raises(lambda: torch.einsum("ij,jk->ik", a, torch.ones(2, 2))),
    }


def module_repr_and_extra_repr(torch, init):
    """print(model) of a custom module that defines extra_repr, nested Sequential and
    ModuleDict entries, a ParameterList, and the counts of parameters (total and trainable)
    that every training script prints."""
    nn = torch.nn

    class Scale(nn.Module):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def extra_repr(self):
            return f"factor={self.factor}"

        def forward(self, x):
            return x * self.factor

    model = nn.Sequential(
        nn.Linear(4, 8), nn.ReLU(inplace=True), Scale(0.5),
        nn.ModuleDict({"drop": nn.Dropout(0.1), "norm": nn.LayerNorm(8)}),
    )  # fmt: skip
    params = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.zeros(3))])
    model[0].bias.requires_grad_(False)
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {
        "model": _shown(torch, model),
        "params": _shown(torch, params),
        "counts": [total, trainable],
        "scale": _shown(torch, Scale(2)),
    }


def tensor_printing_corners(torch, init):
    """What print shows for tensors students print: integers, bools, a 0-d tensor, an empty
    tensor, float16 and float64 with their dtype shown, requires_grad and grad_fn, large
    values in scientific notation and a long vector summarised with ..."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    return {
        "ints": _shown(torch, torch.tensor([[1, 2], [3, 4]])),
        "bools": _shown(torch, torch.tensor([True, False])),
        "zero_dim": _shown(torch, torch.tensor(3.5)),
        "empty": _shown(torch, torch.zeros(0, 3)),
        "half": _shown(torch, torch.tensor([0.1, 2.0], dtype=torch.float16)),
        "double": _shown(torch, torch.tensor([1.0, 2.5], dtype=torch.float64)),
        "grad": [_shown(torch, w), _shown(torch, w * 2)],
        "sci": _shown(torch, torch.tensor([1e-5, 1.0, 1e6])),
        "long": _shown(torch, torch.arange(2000.0)),
        "int_dtype": _shown(torch, torch.tensor([1, 2], dtype=torch.int32)),
    }


def jacobian_hessian_vjp_jvp(torch, init):
    """torch.autograd.functional on a small function of two inputs: jacobian (a tuple of
    tuples), hessian of a scalar function, vjp and jvp with given vectors, hvp and vhp (equal
    for a symmetric Hessian), and create_graph=True keeping the result differentiable."""
    AF = torch.autograd.functional

    def f(x, y):
        return torch.stack([x[0] * y[0], x[1].sin() + y[1] ** 2])

    def energy(x):
        return (x**3).sum() + x[0] * x[1]

    x, y = torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])
    jx, jy = AF.jacobian(f, (x, y))
    out, vjp = AF.vjp(f, (x, y), torch.tensor([1.0, -1.0]))
    _, jvp = AF.jvp(f, (x, y), (torch.ones(2), torch.zeros(2)))
    point = torch.tensor([0.5, -0.5])
    _, hvp = AF.hvp(energy, point, torch.tensor([1.0, 0.0]))
    _, vhp = AF.vhp(energy, point, torch.tensor([1.0, 0.0]))
    x_req = torch.tensor([1.0, 2.0], requires_grad=True)
    h = AF.hessian(energy, x_req, create_graph=True)
    h.trace().backward()
    return {
        "jacobian": [jx.tolist(), jy.tolist()],
        "vjp": [out.tolist(), [t.tolist() for t in vjp]],
        "jvp": jvp.tolist(),
        "hessian": AF.hessian(energy, point).tolist(),
        "hvp_vhp": [hvp.tolist(), vhp.tolist()],
        "create_graph": [h.requires_grad, x_req.grad.tolist()],
    }


def torch_func_grad_jacrev_vmap_basics(torch, init):
    """torch.func.grad with argnums and has_aux, jacrev and jacfwd agreeing, hessian as
    jacfwd(jacrev), vmap over a batch with in_dims, and vjp/jvp of torch.func (the
    "torch.func whirlwind tour")."""
    func = torch.func

    def loss(w, x):
        return (x @ w).tanh().pow(2).sum()

    def with_aux(w, x):
        out = x @ w
        return out.sum(), out.detach()

    w, x = _randn(torch, (3,), 1), _randn(torch, (4, 3), 2)
    gw, gx = func.grad(loss, argnums=(0, 1))(w, x)
    g_aux, aux = func.grad(with_aux, has_aux=True)(w, x)
    per_row = func.vmap(func.grad(loss), in_dims=(None, 0))(w, x[:, None, :])
    _, vjp_fn = func.vjp(lambda v: v.sin() * 2, w)
    _, tangent = func.jvp(lambda v: v.sin() * 2, (w,), (torch.ones(3),))
    return {
        "grad": [gw.tolist(), gx.tolist()],
        "aux": [g_aux.tolist(), aux.tolist()],
        "jac_agree": torch.allclose(func.jacrev(loss)(w, x), func.jacfwd(loss)(w, x)),
        "hessian": func.jacfwd(func.jacrev(loss))(w, x).tolist(),
        "per_row": [list(per_row.shape), torch.allclose(per_row.sum(0), gw)],
        "vjp": vjp_fn(torch.ones(3))[0].tolist(),
        "jvp": tangent.tolist(),
    }


def custom_function_non_differentiable_outputs(torch, init):
    """A custom autograd.Function that returns a sorted tensor and its indices, marking the
    indices non-differentiable; set_materialize_grads(False) so backward gets None for an
    unused output; needs_input_grad checked before computing; once_differentiable on the
    backward (the "Extending PyTorch" notes)."""
    from torch.autograd.function import once_differentiable

    class SortWithIndices(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            values, indices = x.sort()
            ctx.mark_non_differentiable(indices)
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(indices)
            ctx.scale = scale
            return values * scale, indices

        @staticmethod
        @once_differentiable
        def backward(ctx, g_values, g_indices):
            (indices,) = ctx.saved_tensors
            calls.append([g_values is None, g_indices is None, list(ctx.needs_input_grad)])
            if g_values is None or not ctx.needs_input_grad[0]:
                return None, None
            grad = torch.zeros_like(g_values)
            grad[indices] = g_values * ctx.scale
            return grad, None

    calls = []
    x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = SortWithIndices.apply(x, 2.0)
    (values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
    y = torch.tensor([2.0, 1.0], requires_grad=True)
    v2, i2 = SortWithIndices.apply(y, 1.0)
    only_indices = _raises(lambda: i2.sum().backward())
    return {
        "values": values.tolist(),
        "indices": [indices.tolist(), indices.requires_grad, _name(indices.dtype)],
        "grad": x.grad.tolist(),
        "calls": calls,
        "only_indices": only_indices,
        "name": values.grad_fn.name(),
    }


def parametrizations_symmetric_and_positive(torch, init):
    """torch.nn.utils.parametrize.register_parametrization with a Symmetric module (the
    parametrizations tutorial), a second one chained on the same tensor, right_inverse used
    when assigning the weight, original parameters in the state_dict, and remove_parametrizations
    keeping the current value."""
    nn, P = torch.nn, torch.nn.utils.parametrize

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(0, 1)

    class Positive(nn.Module):
        def forward(self, X):
            return X.exp()

        def right_inverse(self, Y):
            return Y.log()

    layer = init(nn.Linear(3, 3))
    P.register_parametrization(layer, "weight", Symmetric())
    w = layer.weight
    layer2 = init(nn.Linear(2, 2))
    P.register_parametrization(layer2, "bias", Positive())
    layer2.bias = torch.tensor([1.0, 2.0])
    out = layer(torch.ones(1, 3)).sum() + layer2(torch.ones(1, 2)).sum()
    out.backward()
    keys = sorted(layer.state_dict())
    P.remove_parametrizations(layer, "weight", leave_parametrized=True)
    return {
        "symmetric": torch.equal(w, w.T),
        "is_parametrized": [P.is_parametrized(layer2), P.is_parametrized(layer2, "weight")],
        "bias": [layer2.bias.tolist(), layer2.parametrizations.bias.original.tolist()],
        "keys": keys,
        "grad": layer2.parametrizations.bias.original.grad.tolist(),
        "removed": [P.is_parametrized(layer), torch.equal(layer.weight, w)],
        "param_names": sorted(n for n, _ in layer.named_parameters()),
    }


def weight_norm_and_spectral_norm_parametrizations(torch, init):
    """torch.nn.utils.parametrizations.weight_norm (original0 = g, original1 = v) and its
    norm per output row, spectral_norm bringing the largest singular value near 1 after a
    few power iterations in training mode, and the state_dict keys each adds."""
    nn = torch.nn
    PZ = nn.utils.parametrizations
    layer = init(nn.Linear(4, 3))
    wn = PZ.weight_norm(layer)
    g = wn.parametrizations.weight.original0
    v = wn.parametrizations.weight.original1
    sn = PZ.spectral_norm(nn.Linear(4, 4))
    for _ in range(20):
        sn(torch.ones(1, 4))
    sigma = torch.linalg.matrix_norm(sn.weight.detach(), ord=2).item()
    return {
        "wn_keys": sorted(wn.state_dict()),
        "g_shape": list(g.shape),
        "g_is_norm": torch.allclose(g.flatten(), v.norm(dim=1)),
        "weight_same": torch.allclose(wn.weight, v),
        "sn_keys": sorted(sn.state_dict()),
        "sigma_near_one": abs(sigma - 1.0) < 1e-2,
    }


def packed_lstm_sentiment_classifier(torch, init):
    """A sentiment LSTM over variable-length reviews (the "packed sequences in PyTorch" blog
    post): pad_sequence, pack_padded_sequence(enforce_sorted=False), the last hidden state
    of each review in the original order, pad_packed_sequence with total_length, and a
    training step whose gradients ignore the padding."""
    nn, rnn = torch.nn, torch.nn.utils.rnn
    emb = init(nn.Embedding(10, 4, padding_idx=0))
    lstm = init(nn.LSTM(4, 3, batch_first=True))
    head = init(nn.Linear(3, 1))
    reviews = [torch.tensor([4, 2]), torch.tensor([1, 5, 7, 3]), torch.tensor([9, 8, 6])]
    lengths = torch.tensor([len(r) for r in reviews])
    padded = rnn.pad_sequence(reviews, batch_first=True)
    packed = rnn.pack_padded_sequence(emb(padded), lengths, batch_first=True,
                                      enforce_sorted=False)  # fmt: skip
    out, (h, c) = lstm(packed)
    unpacked, out_lengths = rnn.pad_packed_sequence(out, batch_first=True, total_length=5)
    logits = head(h[-1]).squeeze(1)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([1.0, 0.0, 1.0]))
    loss.backward()
    return {
        "padded": padded.tolist(),
        "sorted_indices": packed.sorted_indices.tolist(),
        "batch_sizes": packed.batch_sizes.tolist(),
        "unpacked": [list(unpacked.shape), out_lengths.tolist(), unpacked[0, 2:].tolist()],
        "last_is_h": torch.allclose(unpacked[1, 3], h[-1, 1]),
        "logits": logits.tolist(),
        "emb_grad_pad": emb.weight.grad[0].tolist(),
        "lstm_grad": lstm.weight_hh_l0.grad.sum().item(),
    }


def dtype_conversions_and_rounding(torch, init):
    """Casting the way beginners do: float to int truncates toward zero, .long() of
    negatives, .bool() of floats, .to(other tensor), .type(torch.float64) and .type() as a
    string, .half() rounding, torch.round to even and with decimals, and a cast keeping or
    dropping the graph."""
    x = torch.tensor([-2.7, -0.5, 0.5, 1.5, 2.5, 3.49])
    ref = torch.zeros(1, dtype=torch.float64)
    w = torch.tensor([1.25, 2.5], requires_grad=True)
    doubled = w.double()
    (doubled * 2).sum().backward()
    return {
        "int": [x.int().tolist(), x.long().tolist(), _name(x.int().dtype)],
        "bool": torch.tensor([0.0, -0.1, 2.0]).bool().tolist(),
        "to_tensor": _name(x.to(ref).dtype),
        "type": [_name(x.type(torch.float64).dtype), _shown(torch, x.type()),
                 _shown(torch, x.long().type())],
        "half": torch.tensor([0.1, 1 / 3]).half().float().tolist(),
        "round": [x.round().tolist(), torch.round(torch.tensor([1.2345, -2.5678]),
                                                  decimals=2).tolist()],
        "graph": [doubled.grad_fn.name(), _name(w.grad.dtype), w.grad.tolist()],
        "int_grad": _raises(lambda: torch.tensor([1, 2]).requires_grad_()),
        "same": x.float() is x,
    }  # fmt: skip


def module_apply_and_submodule_lookup(torch, init):
    """model.apply(init_fn) visiting children before the parent, named_modules with prefixes,
    get_submodule/get_parameter by dotted path, modules() counting Linear layers, and
    requires_grad_(False) on a submodule freezing only it."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.act = nn.GELU()

        def forward(self, x):
            return self.act(self.fc(x))

    model = nn.Sequential()
    model.add_module("encoder", Block())
    model.add_module("decoder", nn.Sequential(nn.Linear(3, 2), nn.Sigmoid()))
    visited = []

    def init_fn(m):
        visited.append(type(m).__name__)
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.1)
            nn.init.zeros_(m.bias)

    model.apply(init_fn)
    model.get_submodule("encoder").requires_grad_(False)
    out = model(torch.ones(1, 3))
    return {
        "visited": visited,
        "names": [name for name, _ in model.named_modules()],
        "submodule": type(model.get_submodule("decoder.1")).__name__,
        "parameter": model.get_parameter("decoder.0.bias").tolist(),
        "linears": sum(isinstance(m, nn.Linear) for m in model.modules()),
        "frozen": [p.requires_grad for p in model.parameters()],
        "out": out.tolist(),
        "missing": _raises(lambda: model.get_submodule("decoder.5")),
    }


def embedding_from_pretrained_and_frozen(torch, init):
    """nn.Embedding.from_pretrained with freeze=True (no gradient) and freeze=False,
    padding_idx, max_norm renormalising looked-up rows in place, and
    nn.EmbeddingBag.from_pretrained with mode='mean' (the GloVe-loading posts)."""
    nn = torch.nn
    vectors = torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0], [-2.0, 0.5]])
    frozen = nn.Embedding.from_pretrained(vectors)
    tuned = nn.Embedding.from_pretrained(vectors.clone(), freeze=False, padding_idx=0)
    ids = torch.tensor([[1, 0, 2], [3, 3, 0]])
    tuned(ids).sum().backward()
    capped = nn.Embedding.from_pretrained(vectors.clone(), max_norm=1.0)
    looked = capped(torch.tensor([1]))
    bag = nn.EmbeddingBag.from_pretrained(vectors, mode="mean")
    return {
        "frozen": [frozen.weight.requires_grad, frozen(ids).requires_grad],
        "tuned_grad": tuned.weight.grad.tolist(),
        "max_norm": [looked.tolist(), capped.weight[1].tolist(), capped.weight[2].tolist()],
        "bag": bag(torch.tensor([[1, 2], [0, 3]])).tolist(),
        "repr": _shown(torch, tuned),
    }


def gradients_at_ties_and_kinks(torch, init):
    """What autograd gives where math has no unique derivative (the autograd notes' "gradients
    for non-differentiable functions"): relu, abs and clamp at their kinks, max/amax over
    ties (amax splits evenly, max(dim) picks one), sqrt at 0, and norm at 0."""
    x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    grads = {}
    for name, fn in {
        "relu": lambda t: t.relu(),
        "abs": lambda t: t.abs(),
        "clamp": lambda t: t.clamp(0.0, 1.0),
        "hardtanh": lambda t: torch.nn.functional.hardtanh(t),
    }.items():
        (g,) = torch.autograd.grad(fn(x).sum(), x)
        grads[name] = g.tolist()
    ties = torch.tensor([2.0, 5.0, 5.0, 1.0], requires_grad=True)
    (amax_grad,) = torch.autograd.grad(ties.amax(), ties)
    (max_grad,) = torch.autograd.grad(ties.max(), ties)
    (maxdim_grad,) = torch.autograd.grad(ties.max(0).values, ties)
    zero = torch.zeros(2, requires_grad=True)
    (sqrt_grad,) = torch.autograd.grad(zero.sqrt().sum(), zero)
    (norm_grad,) = torch.autograd.grad(zero.norm(), zero)
    grads.update({
        "amax": amax_grad.tolist(),
        "max": max_grad.tolist(),
        "max_dim_total": maxdim_grad.sum().item(),
        "sqrt": sqrt_grad.tolist(),
        "norm": norm_grad.tolist(),
    })  # fmt: skip
    return grads


def least_squares_three_ways(torch, init):
    """Fitting y = X w the ways a linear-regression post compares: torch.linalg.lstsq, the
    normal equations with linalg.solve, the pseudo-inverse, and 300 steps of gradient
    descent, all reaching the same weights."""
    rng = np.random.default_rng(0)
    X = torch.from_numpy(np.c_[np.ones(20), rng.normal(size=(20, 2))].astype(np.float32))
    true_w = torch.tensor([[0.5], [2.0], [-1.0]])
    y = X @ true_w + 0.01 * torch.from_numpy(rng.normal(size=(20, 1)).astype(np.float32))
    lstsq = torch.linalg.lstsq(X, y).solution
    normal = torch.linalg.solve(X.T @ X, X.T @ y)
    pinv = torch.linalg.pinv(X) @ y
    w = torch.zeros(3, 1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        ((X @ w - y) ** 2).mean().backward()
        opt.step()
    return {
        "lstsq": lstsq.flatten().tolist(),
        "agree": [torch.allclose(lstsq, normal, atol=1e-4), torch.allclose(lstsq, pinv,
                                                                           atol=1e-4)],
        "gd": w.detach().flatten().tolist(),
        "gd_close": torch.allclose(w.detach(), lstsq, atol=1e-3),
        "residual": round(((X @ lstsq - y) ** 2).mean().item(), 8),
    }  # fmt: skip


def segment_means_with_scatter_reduce(torch, init):
    """Graph readout by segment (the "GNNs from scratch" posts): scatter_reduce with 'mean',
    'amax' and include_self=False, index_add for sums, index_reduce 'prod', and the gradient
    of a segment mean reaching each node as 1 / segment size."""
    nodes = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 9.0], [0.5, -1.0]],
                         requires_grad=True)  # fmt: skip
    graph = torch.tensor([0, 0, 1, 1, 1])
    index = graph[:, None].expand(-1, 2)
    means = torch.zeros(2, 2).scatter_reduce(0, index, nodes, "mean", include_self=False)
    maxes = torch.zeros(2, 2).scatter_reduce(0, index, nodes, "amax", include_self=False)
    sums = torch.zeros(2, 2).index_add(0, graph, nodes)
    prods = torch.ones(2, 2).index_reduce(0, graph, nodes.detach(), "prod")
    (means.sum() + maxes.sum()).backward()
    return {
        "means": means.tolist(),
        "maxes": maxes.tolist(),
        "sums": sums.tolist(),
        "prods": prods.tolist(),
        "grad": nodes.grad.tolist(),
        "counts": torch.bincount(graph).tolist(),
        "include_self": torch.ones(2, 2).scatter_reduce(0, index, nodes.detach(), "mean").tolist(),
    }


def tensor_new_methods_and_like_factories(torch, init):
    """x.new_zeros/new_ones/new_full/new_empty/new_tensor inheriting dtype (and device) from
    x, zeros_like/ones_like/full_like/rand_like with and without dtype=, empty_like's
    shape, and torch.tensor of a tensor warning-free via clone().detach() (the docs' advice)."""
    x = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)
    f = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    return {
        "new_zeros": [x.new_zeros(3).tolist(), _name(x.new_zeros(3).dtype)],
        "new_ones": _name(f.new_ones((2,)).dtype),
        "new_full": [x.new_full((2,), 7).tolist(), _name(x.new_full((2,), 7).dtype)],
        "new_tensor": [_name(f.new_tensor([1, 2]).dtype), f.new_tensor([1, 2]).requires_grad],
        "new_empty": list(x.new_empty(2, 5).shape),
        "new_dtype": _name(x.new_zeros(2, dtype=torch.float16).dtype),
        "likes": [_name(torch.zeros_like(x).dtype), torch.ones_like(f).requires_grad,
                  _name(torch.full_like(x, 2.7).dtype), torch.full_like(x, 2.7).tolist(),
                  _name(torch.rand_like(f, dtype=torch.float32).dtype),
                  list(torch.empty_like(f).shape)],
        "clone_detach": [f.clone().detach().requires_grad, _name(f.clone().detach().dtype)],
        "rand_like_int": _raises(lambda: torch.rand_like(x)),
    }  # fmt: skip


def interpreting_training_curves_with_eval_mode(torch, init):
    """A classifier trained a few epochs with Dropout and BatchNorm1d, evaluated each epoch
    under model.eval() and torch.no_grad() (accuracy and loss), the best state_dict kept with
    copy.deepcopy, and train/eval outputs differing only in training mode."""
    import copy

    nn = torch.nn
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(size=(40, 4)).astype(np.float32))
    y = (X[:, 0] + X[:, 1] > 0).long()
    # NOTE: no bias before BatchNorm: its gradient is rounding noise, which Adam's
    # normalised step turns into full-size steps of either sign
    model = init(nn.Sequential(nn.Linear(4, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(),
                               nn.Linear(8, 2)))  # fmt: skip
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    history, best, best_acc = [], None, -1.0
    for _ in range(5):
        model.train()
        for i in range(0, 40, 10):
            opt.zero_grad()
            nn.functional.cross_entropy(model(X[i : i + 10]), y[i : i + 10]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = model(X)
            acc = (logits.argmax(1) == y).float().mean().item()
            history.append([round(nn.functional.cross_entropy(logits, y).item(), 5), acc])
        if acc > best_acc:
            best_acc, best = acc, copy.deepcopy(model.state_dict())
    return {
        "history": history,
        "best": best_acc,
        "best_keys": list(best),
        "tracked": best["1.num_batches_tracked"].item(),
        "running_mean": model[1].running_mean.tolist(),
    }


PROGRAMS = [
    saved_tensors_of_the_autograd_notes,
    reshape_and_view_of_the_same_shape,
    next_functions_skip_indices_and_masks,
    forward_pre_hooks_with_kwargs,
    full_backward_hooks_on_a_small_net,
    state_dict_hooks_rename_keys,
    sliding_windows_with_unfold,
    cumulative_ops_with_gradients,
    sort_stable_topk_and_argsort,
    unique_counts_and_bincount_histogram,
    searchsorted_and_bucketize_binning,
    triangles_rolls_and_flips,
    python_scalars_and_dtype_promotion,
    advanced_indexing_and_index_put,
    masked_fill_and_where_broadcasting,
    no_grad_inference_mode_and_enable_grad,
    manual_seed_reproducibility,
    dataloader_drop_last_and_worker_init,
    collate_fn_for_dicts_and_named_tuples,
    sequential_lr_warmup_then_cosine,
    one_cycle_and_plateau_in_a_loop,
    gradient_clipping_by_norm_and_value,
    save_and_load_dicts_of_tensors,
    distributions_sample_rsample_log_prob,
    einsum_patterns_from_blog_posts,
    module_repr_and_extra_repr,
    tensor_printing_corners,
    jacobian_hessian_vjp_jvp,
    torch_func_grad_jacrev_vmap_basics,
    custom_function_non_differentiable_outputs,
    parametrizations_symmetric_and_positive,
    weight_norm_and_spectral_norm_parametrizations,
    packed_lstm_sentiment_classifier,
    dtype_conversions_and_rounding,
    module_apply_and_submodule_lookup,
    embedding_from_pretrained_and_frozen,
    gradients_at_ties_and_kinks,
    least_squares_three_ways,
    segment_means_with_scatter_reduce,
    tensor_new_methods_and_like_factories,
    interpreting_training_curves_with_eval_mode,
]
