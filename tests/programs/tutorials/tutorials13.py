"""Programs as students copy them (round 13): custom autograd Functions that write in place
or use setup_context, grad modes as decorators, datasets, samplers and collate functions
written by hand, module hooks and surgery, checkpoints through torch.save/torch.load,
optimizers over named parameters and chains of schedulers, hand-written optimizers and
schedulers, torch.nn.init, pruning, parametrizations (orthogonal among them), masked,
sorting and clamping corners, and torch.distributions' shapes, densities and KL terms.
Each is a function of the library (`torch` is PyTorch or minigrad) and of `init` (see
tests/programs/conftest.py); data come from NumPy so that both libraries see the same
numbers, and what stays random is compared by its properties."""

from __future__ import annotations

import importlib
import io
import math

import numpy as np
from tutorials7 import _name, _randn, _shown
from tutorials9 import _raises


def custom_in_place_function_with_mark_dirty(torch, init):
    """The "Extending PyTorch" notes' in-place Function: forward clamps its input in place and
    calls ctx.mark_dirty(x), so the output is the input itself, its version is bumped, its
    grad_fn is the Function's node, and the gradient flows to the leaf it came from; on a
    leaf that requires grad the same call raises."""

    class ReluInPlace(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.clamp_(min=0)
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * (y > 0).to(grad.dtype)

    leaf = torch.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    h = leaf * 2
    before = h._version
    out = ReluInPlace.apply(h)
    (out * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    return {
        "same": out is h,
        "values": out.tolist(),
        "version_bumped": h._version > before,
        "grad_fn": out.grad_fn.name(),
        "grad": leaf.grad.tolist(),
        "on_leaf": _raises(lambda: ReluInPlace.apply(torch.ones(2, requires_grad=True))),
    }


def materialize_grads_false_with_two_outputs(torch, init):
    """The docs' set_materialize_grads example: a Function with two outputs where only one is
    used; with set_materialize_grads(False) the unused output's gradient arrives as None, with
    the default it arrives as zeros."""
    seen = []

    def make(materialize):
        class Two(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x.clone() * 2, x.clone() * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append([g1 is None, None if g2 is None else g2.tolist()])
                grad = torch.zeros(3)
                if g1 is not None:
                    grad = grad + g1 * 2
                if g2 is not None:
                    grad = grad + g2 * 3
                return grad

        return Two

    results = {}
    for materialize in (False, True):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a, _ = make(materialize).apply(x)
        a.sum().backward()
        results[str(materialize)] = x.grad.tolist()
    results["seen"] = seen
    return results


def function_with_setup_context_and_non_differentiable(torch, init):
    """The newer Function style: forward(x, k) without ctx, setup_context(ctx, inputs, output)
    saving what backward needs; the integer output marked non-differentiable does not require
    grad; torch.autograd.gradcheck passes in float64."""

    class TopkSum(torch.autograd.Function):
        @staticmethod
        def forward(x, k):
            values, indices = x.topk(k)
            return values.sum(), indices

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            _, indices = output
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            ctx.shape = x.shape

        @staticmethod
        def backward(ctx, grad, _):
            (indices,) = ctx.saved_tensors
            gx = torch.zeros(ctx.shape, dtype=grad.dtype)
            gx[indices] = grad
            return gx, None

    x = torch.tensor([0.5, 3.0, -1.0, 2.0, 7.0], requires_grad=True)
    total, indices = TopkSum.apply(x, 3)
    total.backward()
    x64 = torch.tensor([0.1, 0.9, 0.4, 0.7], dtype=torch.float64, requires_grad=True)
    return {
        "total": total.item(),
        "indices": [indices.tolist(), indices.requires_grad],
        "grad": x.grad.tolist(),
        "gradcheck": torch.autograd.gradcheck(lambda t: TopkSum.apply(t, 2)[0], (x64,)),
    }


def grad_modes_as_decorators(torch, init):
    """@torch.no_grad() on an evaluation function, @torch.enable_grad() on a helper called
    inside it, @torch.inference_mode() on a predict function (is_inference_mode_enabled
    inside), and torch.set_grad_enabled(False) used as a plain call and put back."""
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)

    @torch.enable_grad()
    def inner(x):
        return (w * x).sum()

    @torch.no_grad()
    def evaluate(x):
        outer = (w * x).sum()
        return outer, inner(x), torch.is_grad_enabled()

    @torch.inference_mode()
    def predict(x):
        return w * x, torch.is_inference_mode_enabled()

    x = torch.tensor([2.0, 1.0, 0.5])
    outer, helped, enabled = evaluate(x)
    predicted, inference = predict(x)
    torch.set_grad_enabled(False)
    off = [torch.is_grad_enabled(), (w * 2).requires_grad]
    torch.set_grad_enabled(True)
    helped.backward()
    return {
        "outer": [outer.item(), outer.requires_grad],
        "inner": [helped.item(), helped.requires_grad],
        "enabled_inside": enabled,
        "predict": [predicted.tolist(), predicted.requires_grad, inference],
        "off": off,
        "back_on": torch.is_grad_enabled(),
        "grad": w.grad.tolist(),
        "names": [evaluate.__name__, predict.__name__],
    }


def gradcheck_and_gradgradcheck_on_custom_ops(torch, init):
    """torch.autograd.gradcheck and gradgradcheck on float64 inputs of a composite function
    and of a custom Function with a correct backward; a wrong backward makes gradcheck raise
    (raise_exception=True) or return False (raise_exception=False)."""

    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    class WrongCube(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x**2

    x = torch.tensor([0.3, -0.7, 1.1], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[0.5, 0.2], [0.1, -0.4]], dtype=torch.float64, requires_grad=True)
    return {
        "composite": torch.autograd.gradcheck(lambda a, b: (a[:2] * b).logsumexp(0), (x, y)),
        "gradgrad": torch.autograd.gradgradcheck(lambda a: Cube.apply(a).sin(), (x,)),
        "custom": torch.autograd.gradcheck(Cube.apply, (x,)),
        "wrong_quiet": torch.autograd.gradcheck(WrongCube.apply, (x,), raise_exception=False),
        "wrong_raises": _raises(lambda: torch.autograd.gradcheck(WrongCube.apply, (x,))),
    }


def map_dataset_with_transform_and_subset(torch, init):
    """A map-style Dataset with a transform callable (the "Datasets & DataLoaders" tutorial's
    CustomImageDataset shape), wrapped in Subset and ConcatDataset, indexed by negative
    positions, and batched by a DataLoader into a dict of stacked tensors."""
    data_ = torch.utils.data  # `from torch.utils.data import ...` would import PyTorch's

    class Squares(data_.Dataset):
        def __init__(self, n, transform=None):
            self.n, self.transform = n, transform

        def __len__(self):
            return self.n

        def __getitem__(self, idx):
            x = torch.tensor([float(idx), float(idx) ** 2])
            if self.transform:
                x = self.transform(x)
            return {"x": x, "label": idx % 2}

    data = Squares(6, transform=lambda t: t / 10)
    sub = data_.Subset(data, [5, 0, 3])
    both = data_.ConcatDataset([sub, Squares(2)])
    batches = [
        {k: v.tolist() for k, v in batch.items()}
        for batch in data_.DataLoader(both, batch_size=2, shuffle=False)
    ]
    return {
        "len": [len(data), len(sub), len(both)],
        "last": both[-1]["x"].tolist(),
        "sub_first": sub[0]["x"].tolist(),
        "cumulative": list(both.cumulative_sizes),
        "batches": batches,
        "label_dtype": _name(next(iter(data_.DataLoader(both, batch_size=3)))["label"].dtype),
    }


def bucketing_batch_sampler_for_variable_lengths(torch, init):
    """A blog's "bucket by length" Sampler subclass that yields lists of indices of similar
    lengths, used as batch_sampler= with a collate_fn that pads with pad_sequence and returns
    lengths; len(loader) is the sampler's len."""
    pad_sequence = torch.nn.utils.rnn.pad_sequence
    DataLoader, Sampler = torch.utils.data.DataLoader, torch.utils.data.Sampler

    lengths = [5, 2, 4, 1, 3, 5, 2]
    data = [torch.arange(1, n + 1) * (i + 1) for i, n in enumerate(lengths)]

    class BucketSampler(Sampler):
        def __init__(self, lengths, batch_size):
            self.order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
            self.batch_size = batch_size

        def __iter__(self):
            for start in range(0, len(self.order), self.batch_size):
                yield self.order[start : start + self.batch_size]

        def __len__(self):
            return math.ceil(len(self.order) / self.batch_size)

    def collate(batch):
        return pad_sequence(batch, batch_first=True), torch.tensor([len(b) for b in batch])

    loader = DataLoader(data, batch_sampler=BucketSampler(lengths, 3), collate_fn=collate)
    out = [[padded.tolist(), lens.tolist()] for padded, lens in loader]
    return {"len": len(loader), "batches": out}


def iterable_dataset_chained_and_batched(torch, init):
    """An IterableDataset generator (the docs' MyIterableDataset over a range), two of them in
    a ChainDataset, batched with drop_last, and the same data with batch_size=None (no
    automatic batching: each sample as it is, converted by default_convert)."""
    data_ = torch.utils.data

    class Range(data_.IterableDataset):
        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            return iter(range(self.start, self.end))

    chained = data_.ChainDataset([Range(0, 4), Range(10, 13)])
    batched = [b.tolist() for b in data_.DataLoader(chained, batch_size=3, drop_last=True)]
    arrays = [np.array([i, i + 1]) for i in range(2)]
    unbatched = list(data_.DataLoader(arrays, batch_size=None))
    return {
        "chained": list(chained),
        "batched": batched,
        "unbatched": [[type(b).__name__, b.tolist(), _name(b.dtype)] for b in unbatched],
        "ints": [type(v).__name__ for v in data_.DataLoader(Range(0, 2), batch_size=None)],
    }


def default_collate_on_nested_samples(torch, init):
    """default_collate on what datasets return: tuples of (tensor, int, float, str), dicts of
    lists, NumPy arrays and nested tuples; each field stacked as the docs' table says
    (ints to int64, floats to float64, strings kept as a list)."""
    default_collate = torch.utils.data.default_collate

    samples = [
        (torch.tensor([1.0, 2.0]), 3, 0.5, "a", {"ids": [1, 2], "arr": np.array([1.5])}),
        (torch.tensor([3.0, 4.0]), 4, 1.5, "b", {"ids": [3, 4], "arr": np.array([2.5])}),
    ]
    x, ints, floats, names, extra = default_collate(samples)
    pairs = default_collate([((1, 2.0), True), ((3, 4.0), False)])
    return {
        "x": [x.tolist(), list(x.shape)],
        "ints": [ints.tolist(), _name(ints.dtype)],
        "floats": [floats.tolist(), _name(floats.dtype)],
        "names": names,
        "ids": [t.tolist() for t in extra["ids"]],
        "arr": [extra["arr"].tolist(), _name(extra["arr"].dtype)],
        "pairs": [[t.tolist() for t in pairs[0]], pairs[1].tolist(), _name(pairs[1].dtype)],
    }


def state_dict_round_trip_through_save_and_load(torch, init):
    """The save/load tutorial: a model's state_dict and its optimizer's through torch.save to a
    BytesIO and torch.load back into fresh objects; training continued from the checkpoint
    gives the same numbers as training without interruption."""
    nn = torch.nn
    X, y = _randn(torch, (8, 3), 1), _randn(torch, (8, 1), 2)

    def step(model, opt):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        return loss.item()

    model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = [step(model, opt) for _ in range(3)]
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, buffer)
    continued = [step(model, opt) for _ in range(2)]
    buffer.seek(0)
    checkpoint = torch.load(buffer)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    fresh.load_state_dict(checkpoint["model"])
    fresh_opt = torch.optim.Adam(fresh.parameters(), lr=0.05)
    fresh_opt.load_state_dict(checkpoint["opt"])
    resumed = [step(fresh, fresh_opt) for _ in range(2)]
    return {
        "losses": losses,
        "continued": continued,
        "resumed": resumed,
        "epoch": checkpoint["epoch"],
        "step": fresh_opt.state_dict()["state"][0]["step"].item(),
        "keys": sorted(checkpoint["opt"]["param_groups"][0]),
    }


def forward_hooks_for_activation_statistics(torch, init):
    """Forward hooks registered on every ReLU of a model by named_modules (the "visualising
    activations" blog recipe): each records the fraction of dead units; a global forward
    hook on nn.Module (register_module_forward_hook) counts calls; handles removed."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(),
                               nn.Linear(6, 2)))  # fmt: skip
    stats = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, nn.ReLU):
            handles.append(
                module.register_forward_hook(
                    lambda m, i, o, name=name: stats.setdefault(name, []).append(
                        round((o == 0).float().mean().item(), 5)
                    )
                )
            )
    calls = []
    global_handle = nn.modules.module.register_module_forward_hook(
        lambda m, i, o: calls.append(type(m).__name__)
    )
    model(_randn(torch, (5, 4), 1))
    global_handle.remove()
    model(_randn(torch, (5, 4), 2))
    for handle in handles:
        handle.remove()
    model(_randn(torch, (5, 4), 3))
    return {"stats": stats, "calls": calls}


def forward_hooks_prepend_and_always_call(torch, init):
    """register_forward_hook(prepend=True) running before hooks registered earlier,
    register_forward_pre_hook returning a modified input tuple, and on a module whose forward
    raises, a hook registered with always_call=True runs while an ordinary one does not."""
    nn = torch.nn
    layer = init(nn.Linear(2, 2))
    order = []
    layer.register_forward_hook(lambda m, i, o: order.append("first"))
    layer.register_forward_hook(lambda m, i, o: order.append("prepended"), prepend=True)
    layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    out = layer(torch.tensor([[1.0, -1.0]]))

    class Fails(nn.Module):
        def forward(self, x):
            raise ValueError("bad input")

    fails = Fails()
    fails.register_forward_hook(lambda m, i, o: order.append("always"), always_call=True)
    fails.register_forward_hook(lambda m, i, o: order.append("never"))
    error = _raises(lambda: fails(torch.ones(1)))
    return {"order": order, "out": out.tolist(), "error": error}


def module_surgery_add_delete_and_assign(torch, init):
    """Editing a model as fine-tuning blogs do: add_module and register_module, replacing a
    child by attribute assignment and by setattr through a dotted path, del of a submodule,
    load_state_dict(assign=True) keeping the loaded tensors, named_modules with a prefix and
    state_dict with a prefix."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    model.add_module("head", nn.Identity())
    model.register_module("extra", nn.Tanh())
    model[2] = nn.Linear(4, 5)
    del model.extra
    names = [n for n, _ in model.named_modules(prefix="net")]
    sd = {k: torch.ones_like(v) for k, v in model.state_dict().items()}
    target = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5), nn.Identity())
    result = target.load_state_dict({k.replace("head", "3"): v for k, v in sd.items()}, assign=True)
    return {
        "names": names,
        "keys": list(model.state_dict(prefix="model.")),
        "assigned": [
            target[0].weight.tolist(),
            type(target[0].weight).__name__,
            target[0].weight.requires_grad,
        ],
        "missing": [list(result.missing_keys), list(result.unexpected_keys)],
        "len": len(model),
        "shape": list(model(torch.ones(2, 3)).shape),
    }


def param_groups_with_chained_schedulers(torch, init):
    """An optimizer with two parameter groups (backbone at a tenth of the head's lr, weight
    decay on the head only), a LinearLR warm-up chained with ExponentialLR by
    ChainedScheduler, and a group added later (add_param_group) that the chain then also
    scales; the lrs per step and the final weights."""
    nn = torch.nn
    backbone, head = init(nn.Linear(3, 3)), init(nn.Linear(3, 1))
    extra = init(nn.Linear(3, 1))
    opt = torch.optim.SGD(
        [
            {"params": backbone.parameters(), "lr": 0.01},
            {"params": head.parameters(), "weight_decay": 0.1},
        ],
        lr=0.1,
        momentum=0.9,
    )
    sched = torch.optim.lr_scheduler.ChainedScheduler(
        [
            torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2),
            torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9),
        ]
    )
    X, y = _randn(torch, (6, 3), 1), _randn(torch, (6, 1), 2)
    lrs = []
    for _ in range(4):
        opt.zero_grad()
        loss = (head(backbone(X).relu()) - y).pow(2).mean() + extra(X).pow(2).mean()
        loss.backward()
        opt.step()
        sched.step()
        lrs.append([round(g["lr"], 8) for g in opt.param_groups])
    opt.add_param_group({"params": extra.parameters(), "lr": 0.05})
    groups = [sorted(k for k in g if k != "params") for g in opt.param_groups]
    return {
        "lrs": lrs,
        "last": [round(v, 8) for v in sched.get_last_lr()],
        "groups": groups,
        "decay": [g["weight_decay"] for g in opt.param_groups],
        "head": head.weight.tolist(),
        "backbone": backbone.weight.tolist(),
    }


def cyclic_and_warm_restarts_schedules(torch, init):
    """CyclicLR in its triangular2 and exp_range modes (with momentum cycling on SGD) and
    CosineAnnealingWarmRestarts stepped with fractional epochs, as the docs' example
    `scheduler.step(epoch + i / iters)` does; the lrs and momenta they give."""
    sched = torch.optim.lr_scheduler
    p = [torch.nn.Parameter(torch.zeros(1))]
    opt = torch.optim.SGD(p, lr=0.1, momentum=0.9)
    tri = sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="triangular2")
    tri_lrs = []
    for _ in range(9):
        opt.step()
        tri.step()
        tri_lrs.append([round(opt.param_groups[0]["lr"], 8), opt.param_groups[0]["momentum"]])
    opt2 = torch.optim.SGD(p, lr=0.1, momentum=0.9)
    exp = sched.CyclicLR(opt2, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9,
                         cycle_momentum=False)  # fmt: skip
    exp_lrs = []
    for _ in range(7):
        opt2.step()
        exp.step()
        exp_lrs.append(round(exp.get_last_lr()[0], 8))
    opt3 = torch.optim.SGD(p, lr=0.1)
    warm = sched.CosineAnnealingWarmRestarts(opt3, T_0=2, T_mult=2, eta_min=0.001)
    warm_lrs = []
    iters = 3
    for epoch in range(4):
        for i in range(iters):
            opt3.step()
            warm.step(epoch + i / iters)
            warm_lrs.append(round(opt3.param_groups[0]["lr"], 8))
    return {"triangular2": tri_lrs, "exp_range": exp_lrs, "warm": warm_lrs}


def scheduler_state_dict_round_trip(torch, init):
    """A StepLR and a OneCycleLR stopped half-way, their state_dicts saved with torch.save and
    loaded into new schedulers over a new optimizer: the lrs go on as if nothing happened."""
    p = [torch.nn.Parameter(torch.zeros(2))]

    def make():
        opt = torch.optim.Adam(p, lr=0.1)
        return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    opt, step_lr = make()
    for _ in range(3):
        opt.step()
        step_lr.step()
    buffer = io.BytesIO()
    torch.save({"opt": opt.state_dict(), "sched": step_lr.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)
    opt2, step2 = make()
    opt2.load_state_dict(saved["opt"])
    step2.load_state_dict(saved["sched"])
    after = []
    for _ in range(3):
        opt2.step()
        step2.step()
        after.append(step2.get_last_lr())
    opt3 = torch.optim.SGD(p, lr=0.1, momentum=0.9)
    cycle = torch.optim.lr_scheduler.OneCycleLR(opt3, max_lr=1.0, total_steps=8)
    for _ in range(4):
        opt3.step()
        cycle.step()
    state = cycle.state_dict()
    opt4 = torch.optim.SGD(p, lr=0.1, momentum=0.9)
    cycle2 = torch.optim.lr_scheduler.OneCycleLR(opt4, max_lr=1.0, total_steps=8)
    cycle2.load_state_dict(state)
    opt4.load_state_dict(opt3.state_dict())
    rest = []
    for _ in range(3):
        opt4.step()
        cycle2.step()
        rest.append([round(cycle2.get_last_lr()[0], 8), round(opt4.param_groups[0]["momentum"], 8)])
    return {
        "saved_last_epoch": saved["sched"]["last_epoch"],
        "after": after,
        "one_cycle": rest,
        "state_keys": sorted(k for k in state if not k.startswith("_")),
    }


def schedulers_lr_curves_from_the_docs(torch, init):
    """The docs' schedules over 10 epochs: MultiStepLR(milestones=[3, 6]), ConstantLR,
    LinearLR(start 1/3 -> end 1), PolynomialLR(power=2), CosineAnnealingLR past T_max (the
    recursive form rises again), MultiplicativeLR and StepLR, each with get_last_lr()."""
    S = torch.optim.lr_scheduler
    makers = {
        "multistep": lambda o: S.MultiStepLR(o, milestones=[3, 6], gamma=0.1),
        "constant": lambda o: S.ConstantLR(o, factor=0.5, total_iters=4),
        "linear": lambda o: S.LinearLR(o, start_factor=1 / 3, end_factor=1.0, total_iters=4),
        "poly": lambda o: S.PolynomialLR(o, total_iters=6, power=2.0),
        "cosine": lambda o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
        "mult": lambda o: S.MultiplicativeLR(o, lr_lambda=lambda e: 0.9),
        "step": lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    }
    out = {}
    for name, make in makers.items():
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = make(opt)
        lrs = [round(sched.get_last_lr()[0], 8)]
        for _ in range(10):
            opt.step()
            sched.step()
            lrs.append(round(sched.get_last_lr()[0], 8))
        out[name] = lrs
    return out


def writing_a_custom_optimizer(torch, init):
    """A blog's hand-written optimizer: a torch.optim.Optimizer subclass with defaults, a
    per-parameter state dict (momentum buffer), @torch.no_grad() on step(closure=None), and
    its state_dict/load_state_dict round trip; the trained weights and the saved state."""
    nn = torch.nn

    class SignSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=0.01, beta=0.9):
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, dict(lr=lr, beta=beta))

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
                    state = self.state[p]
                    if len(state) == 0:
                        state["momentum"] = torch.zeros_like(p)
                    m = state["momentum"]
                    m.mul_(group["beta"]).add_(p.grad, alpha=1 - group["beta"])
                    p.add_(m.sign(), alpha=-group["lr"])
            return loss

    model = init(nn.Linear(3, 1))
    opt = SignSGD(model.parameters(), lr=0.05)
    X, y = _randn(torch, (8, 3), 1), _randn(torch, (8, 1), 2)

    def closure():
        opt.zero_grad()
        loss = (model(X) - y).pow(2).mean()
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(4)]
    state = opt.state_dict()
    opt2 = SignSGD(model.parameters(), lr=0.05)
    opt2.load_state_dict(state)
    return {
        "losses": losses,
        "weight": model.weight.tolist(),
        "state_keys": [sorted(state), sorted(state["state"][0]), state["param_groups"][0]["beta"]],
        "loaded": opt2.state[model.weight]["momentum"].tolist(),
        "bad": _raises(lambda: SignSGD(model.parameters(), lr=-1)),
        "repr": _shown(torch, opt).splitlines()[0],
    }


def writing_a_custom_lr_scheduler(torch, init):
    """A warm-up then inverse-square-root schedule (the Transformer paper's) written as a
    torch.optim.lr_scheduler.LRScheduler subclass with get_lr() reading self.last_epoch and
    self.base_lrs, next to the same schedule by LambdaLR; and optimizer step hooks
    (register_step_pre_hook / register_step_post_hook) counting steps."""
    p = [torch.nn.Parameter(torch.zeros(1))]

    class NoamLR(torch.optim.lr_scheduler.LRScheduler):
        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            step = max(self.last_epoch, 1)
            scale = min(step**-0.5, step * self.warmup**-1.5)
            return [base * scale for base in self.base_lrs]

    opt = torch.optim.Adam(p, lr=1.0)
    noam = NoamLR(opt, warmup=3)
    opt2 = torch.optim.Adam(p, lr=1.0)
    lam = torch.optim.lr_scheduler.LambdaLR(
        opt2, lambda s: min(max(s, 1) ** -0.5, max(s, 1) * 3**-1.5)
    )
    counts = []
    opt.register_step_pre_hook(lambda o, args, kwargs: counts.append("pre"))
    handle = opt.register_step_post_hook(lambda o, args, kwargs: counts.append("post"))
    lrs = []
    for i in range(6):
        opt.step()
        opt2.step()
        noam.step()
        lam.step()
        if i == 1:
            handle.remove()
        lrs.append([round(noam.get_last_lr()[0], 8), round(lam.get_last_lr()[0], 8)])
    return {
        "lrs": lrs,
        "counts": counts,
        "base": noam.base_lrs,
        "initial": opt.param_groups[0]["initial_lr"],
    }


def optimizer_over_named_parameters(torch, init):
    """PyTorch 2.6's named parameters in optimizers: AdamW(model.named_parameters()) and groups
    of named_parameters() (no weight decay on biases and norms, the nanoGPT recipe): the
    names are kept as "param_names" in each group and in the state_dict, a training step
    updates the tensors, and the state_dict loads into an optimizer built the same way."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 1)))
    decay = [(n, p) for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [(n, p) for n, p in model.named_parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=0.01)
    X, y = _randn(torch, (6, 3), 1), _randn(torch, (6, 1), 2)
    for _ in range(2):
        opt.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        opt.step()
    state = opt.state_dict()
    again = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    )
    again.load_state_dict(state)
    plain = torch.optim.SGD(model.named_parameters(), lr=0.1)
    return {
        "names": [g["param_names"] for g in state["param_groups"]],
        "keys": [list(g) for g in state["param_groups"]],
        "loaded": [again.param_groups[1]["param_names"], again.param_groups[0]["lr"]],
        "plain": plain.param_groups[0]["param_names"],
        "weight": model[0].weight.tolist(),
        "exp_avg": state["state"][2]["exp_avg"].tolist(),
        "mixed": _raises(lambda: torch.optim.SGD(decay + [model[0].bias], lr=0.1)),
    }


def optimizer_in_backward_with_post_accumulate_hooks(torch, init):
    """The "fuse the optimizer step into backward" tutorial: one optimizer per parameter,
    stepped from register_post_accumulate_grad_hook as each gradient is ready; the final
    weights equal those of an ordinary loop."""
    nn = torch.nn
    X, y = _randn(torch, (6, 3), 1), _randn(torch, (6, 1), 2)
    model = init(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)))
    reference = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    reference.load_state_dict(model.state_dict())
    optimizers = {p: torch.optim.Adam([p], lr=0.01) for p in model.parameters()}
    order = []

    def hook(p):
        order.append(list(p.shape))
        optimizers[p].step()
        optimizers[p].zero_grad()

    for p in model.parameters():
        p.register_post_accumulate_grad_hook(hook)
    ref_opt = torch.optim.Adam(reference.parameters(), lr=0.01)
    for _ in range(3):
        (model(X) - y).pow(2).mean().backward()
        ref_opt.zero_grad()
        (reference(X) - y).pow(2).mean().backward()
        ref_opt.step()
    return {
        "order": order[:4],
        "grads_none": [p.grad is None for p in model.parameters()],
        "same": [
            torch.allclose(a, b, atol=1e-6)
            for a, b in zip(model.parameters(), reference.parameters())
        ],
        "weights": [p.tolist() for p in model.parameters()],
    }


def nn_init_deterministic_initialisers(torch, init):
    """torch.nn.init's deterministic initialisers and helpers from the docs: calculate_gain per
    nonlinearity, constant_/ones_/zeros_/eye_/dirac_ (groups=2), the fans of a conv weight,
    and the statistics of the random ones (xavier_uniform_'s bound, kaiming_normal_'s std,
    trunc_normal_'s range, orthogonal_'s Q^T Q = I) within their tolerances."""
    nn = torch.nn
    init_ = nn.init
    gains = [
        round(init_.calculate_gain(n), 6)
        for n in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu")
    ] + [round(init_.calculate_gain("leaky_relu", 0.2), 6)]
    w = torch.empty(3, 5)
    eye = init_.eye_(torch.empty(3, 5))
    dirac = init_.dirac_(torch.empty(4, 2, 3), groups=2)
    conv = torch.empty(8, 4, 3, 3)
    fans = nn.init._calculate_fan_in_and_fan_out(conv)
    big = torch.empty(200, 300)
    init_.xavier_uniform_(big, gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / 500)
    kaiming = init_.kaiming_normal_(torch.empty(400, 200), mode="fan_out", nonlinearity="relu")
    trunc = init_.trunc_normal_(torch.empty(1000), mean=0.0, std=1.0, a=-0.5, b=0.5)
    q = init_.orthogonal_(torch.empty(6, 4))
    return {
        "gains": gains,
        "constant": init_.constant_(w, 0.3).tolist(),
        "ones_zeros": [init_.ones_(torch.empty(2)).tolist(), init_.zeros_(torch.empty(2)).tolist()],
        "eye": eye.tolist(),
        "dirac": dirac.tolist(),
        "fans": list(fans),
        "xavier": [
            big.abs().max().item() <= bound,
            abs(big.std().item() - bound / math.sqrt(3)) < 0.02,
        ],
        "kaiming": abs(kaiming.std().item() - math.sqrt(2.0 / 400)) < 0.005,
        "trunc": [trunc.min().item() >= -0.5, trunc.max().item() <= 0.5],
        "orthogonal": torch.allclose(q.T @ q, torch.eye(4), atol=1e-5),
        "no_grad": [big.requires_grad, big.grad_fn is None],
    }


def clip_grad_norm_variants(torch, init):
    """clip_grad_norm_ with norm_type=inf and 1, with max_norm above the total (no change),
    error_if_nonfinite=True on a NaN gradient (raises), a single tensor instead of a list,
    and clip_grad_value_; the total norms returned and the clipped gradients."""
    nn = torch.nn
    a = nn.Parameter(torch.zeros(3))
    b = nn.Parameter(torch.zeros(2, 2))

    def fill():
        a.grad = torch.tensor([3.0, -4.0, 1.0])
        b.grad = torch.tensor([[2.0, -1.0], [0.5, 6.0]])

    results = {}
    for norm_type in (2.0, float("inf"), 1.0):
        fill()
        total = nn.utils.clip_grad_norm_([a, b], max_norm=2.0, norm_type=norm_type)
        results[str(norm_type)] = [round(total.item(), 5), a.grad.tolist(), b.grad.tolist()]
    fill()
    results["above"] = [nn.utils.clip_grad_norm_([a, b], 100.0).item(), a.grad.tolist()]
    fill()
    results["single"] = [nn.utils.clip_grad_norm_(a, 1.0).item(), a.grad.tolist()]
    a.grad = torch.tensor([float("nan"), 1.0, 1.0])
    results["nan"] = _raises(lambda: nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True))
    fill()
    nn.utils.clip_grad_value_([a, b], clip_value=1.5)
    results["value"] = [a.grad.tolist(), b.grad.tolist()]
    return results


def pruning_tutorial_l1_and_global(torch, init):
    """The pruning tutorial: l1_unstructured on a Linear's weight (weight_orig parameter,
    weight_mask buffer, a forward pre-hook), then again by a count (the masks combine),
    ln_structured on rows, global_unstructured with L1Unstructured over the biases of two
    layers, and prune.remove making the pruning permanent."""
    nn = torch.nn
    prune = importlib.import_module(f"{torch.__name__}.nn.utils.prune")  # as `import ... as`
    model = init(nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3)))
    prune.l1_unstructured(model[0], name="weight", amount=0.3)
    names = [
        sorted(n for n, _ in model[0].named_parameters()),
        sorted(n for n, _ in model[0].named_buffers()),
    ]
    hooks = len(model[0]._forward_pre_hooks)
    prune.l1_unstructured(model[0], name="weight", amount=2)
    mask_count = int(model[0].weight_mask.sum().item())
    prune.ln_structured(model[2], name="weight", amount=1, n=2, dim=0)
    rows = model[2].weight_mask.sum(1).tolist()
    prune.global_unstructured(
        [(model[0], "bias"), (model[2], "bias")],
        pruning_method=prune.L1Unstructured,
        amount=0.25,
    )
    bias_masks = [model[0].bias_mask.tolist(), model[2].bias_mask.tolist()]
    out = model(_randn(torch, (2, 6), 1))
    prune.remove(model[0], "weight")
    after = [
        sorted(n for n, _ in model[0].named_parameters()),
        sorted(n for n, _ in model[0].named_buffers()),
        prune.is_pruned(model[0]),
    ]
    return {
        "names": names,
        "hooks": hooks,
        "mask_count": mask_count,
        "rows": rows,
        "bias_masks": bias_masks,
        "out": out.tolist(),
        "after": after,
        "weight": model[0].weight.tolist(),
    }


def parametrize_cached_and_original_tuple(torch, init):
    """register_parametrization with a right_inverse that returns two tensors (the original is
    stored as original0/original1), parametrize.cached() reusing one computed weight across
    calls, is_parametrized, and remove_parametrizations(leave_parametrized=True) keeping the
    computed weight as a plain Parameter."""
    nn, P = torch.nn, torch.nn.utils.parametrize
    calls = []

    class LowRank(nn.Module):
        def forward(self, A, B):
            calls.append(1)
            return A @ B

        def right_inverse(self, W):
            return W[:, :2].clone(), torch.eye(2, W.shape[1])

    layer = init(nn.Linear(3, 4))
    P.register_parametrization(layer, "weight", LowRank())
    names = sorted(n for n, _ in layer.named_parameters())
    x = _randn(torch, (2, 3), 1)
    calls.clear()
    with P.cached():
        y1 = layer(x)
        y2 = layer(x)
    cached_calls = len(calls)
    calls.clear()
    layer(x)
    layer(x)
    uncached_calls = len(calls)
    weight = layer.weight.detach().clone()
    original0 = layer.parametrizations.weight.original0.detach().clone()
    P.remove_parametrizations(layer, "weight", leave_parametrized=True)
    return {
        "names": names,
        "shapes": [list(original0.shape), list(weight.shape)],
        "equal": torch.equal(y1, y2),
        "calls": [cached_calls, uncached_calls],
        "removed": [
            P.is_parametrized(layer),
            torch.equal(layer.weight, weight),
            type(layer.weight).__name__,
        ],
        "weight": weight.tolist(),
    }


def orthogonal_parametrization_and_register_parameter(torch, init):
    """nn.utils.parametrizations.orthogonal on a square Linear (the weight stays orthogonal
    after optimizer steps), register_parameter / register_buffer by name and their errors
    (a name with a dot, an existing attribute), and nn.LazyLinear inferring in_features."""
    nn = torch.nn
    layer = nn.utils.parametrizations.orthogonal(nn.Linear(4, 4))
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    x = _randn(torch, (5, 4), 1)
    for _ in range(3):
        opt.zero_grad()
        layer(x).pow(3).sum().backward()
        opt.step()
    W = layer.weight
    m = nn.Module()
    m.register_parameter("scale", nn.Parameter(torch.ones(2)))
    m.register_parameter("nothing", None)
    lazy = nn.LazyLinear(3)
    before = type(lazy.weight).__name__
    y = lazy(torch.ones(2, 5))
    return {
        "orthogonal": torch.allclose(W @ W.T, torch.eye(4), atol=1e-5),
        "names": sorted(n for n, _ in layer.named_parameters()),
        "registered": [n for n, _ in m.named_parameters()],
        "nothing": m.nothing is None,
        "dot": _raises(lambda: m.register_parameter("a.b", nn.Parameter(torch.ones(1)))),
        "exists": _raises(lambda: m.register_buffer("scale", torch.ones(1))),
        "not_param": _raises(lambda: m.register_parameter("w", torch.ones(1))),
        "lazy": [before, list(lazy.weight.shape), lazy.in_features, list(y.shape)],
    }


def embedding_max_norm_renormalises_in_place(torch, init):
    """nn.Embedding(max_norm=1.0): rows looked up are renormalised in place in the weight (the
    docs' note), rows not looked up stay; the output and the gradient of the weight."""
    nn = torch.nn
    emb = init(nn.Embedding(5, 3, max_norm=1.0))
    with torch.no_grad():
        emb.weight.mul_(3)
    before = emb.weight.detach().clone()
    out = emb(torch.tensor([[0, 2], [2, 4]]))
    out.pow(2).sum().backward()
    return {
        "out": out.tolist(),
        "weight": emb.weight.tolist(),
        "untouched": [torch.equal(emb.weight[i], before[i]) for i in range(5)],
        "norms": emb.weight.norm(dim=1).tolist(),
        "grad": emb.weight.grad.tolist(),
    }


def rnn_utilities_pack_and_unpad(torch, init):
    """torch.nn.utils.rnn: pack_sequence(enforce_sorted=False), unpack_sequence back to the
    list, pad_sequence with padding_value and padding_side='left', unpad_sequence with
    lengths, and a GRU run over the packed batch (last hidden per sequence)."""
    R = torch.nn.utils.rnn
    seqs = [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0]), torch.tensor([5.0, 6.0])]
    packed = R.pack_sequence(seqs, enforce_sorted=False)
    back = R.unpack_sequence(packed)
    left = R.pad_sequence(seqs, batch_first=True, padding_value=-1.0, padding_side="left")
    right = R.pad_sequence(seqs, batch_first=True)
    unpadded = R.unpad_sequence(right, torch.tensor([3, 1, 2]), batch_first=True)
    gru = init(torch.nn.GRU(1, 2, batch_first=True))
    feats = R.pack_sequence([s.unsqueeze(1) for s in seqs], enforce_sorted=False)
    _, h = gru(feats)
    return {
        "data": packed.data.tolist(),
        "batch_sizes": packed.batch_sizes.tolist(),
        "sorted": packed.sorted_indices.tolist(),
        "unsorted": packed.unsorted_indices.tolist(),
        "back": [t.tolist() for t in back],
        "left": left.tolist(),
        "unpadded": [t.tolist() for t in unpadded],
        "h": h.tolist(),
    }


def masked_ops_from_the_docs(torch, init):
    """masked_select, masked_scatter and masked_fill with broadcast masks, torch.where with one
    argument (a tuple of index tensors like nonzero(as_tuple=True)), count_nonzero by dim,
    and the gradients of masked_select and masked_scatter."""
    x = _randn(torch, (3, 4), 1).requires_grad_()
    mask = x > 0
    row_mask = torch.tensor([True, False, True, False])
    source = torch.arange(12.0).view(3, 4).requires_grad_()
    selected = x.masked_select(row_mask)
    scattered = x.masked_scatter(mask, source)
    (selected.sum() * 2 + (scattered * scattered).sum()).backward()
    rows, cols = torch.where(mask)
    return {
        "selected": selected.tolist(),
        "scattered": scattered.tolist(),
        "filled": x.masked_fill(row_mask, -1.0).tolist(),
        "where1": [rows.tolist(), cols.tolist()],
        "nonzero": [t.tolist() for t in mask.nonzero(as_tuple=True)],
        "count": [mask.count_nonzero().item(), torch.count_nonzero(mask, dim=0).tolist()],
        "x_grad": x.grad.tolist(),
        "source_grad": source.grad.tolist(),
    }


def topk_sort_and_unique_variants(torch, init):
    """topk with largest=False and dim=0, sort descending with stable=True on ties, argsort of
    a 2-D tensor along dim 0, msort, kthvalue and median with keepdim, mode, unique along
    dim=0 with inverse and counts, and unique(sorted=True). The docs leave the index of a
    tie unspecified except for a stable sort: the other ops get distinct values."""
    y = torch.tensor([[3.0, 1.0, 2.0], [1.5, 3.0, 2.5], [0.5, 4.0, 0.0], [0.0, 5.0, 6.0]])
    x = torch.tensor([[3.0, 1.0, 2.0], [1.0, 3.0, 2.5], [3.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    small = y.topk(2, dim=0, largest=False)
    sorted_desc = torch.sort(torch.tensor([2, 1, 2, 0, 1]), descending=True, stable=True)
    kth = y.kthvalue(2, dim=1, keepdim=True)
    med = y.median(dim=0)
    mode = torch.tensor([1, 2, 2, 3, 3, 0]).mode()
    rows, inverse, counts = torch.unique(x, dim=0, return_inverse=True, return_counts=True)
    return {
        "topk": [small.values.tolist(), small.indices.tolist()],
        "sort": [sorted_desc.values.tolist(), sorted_desc.indices.tolist()],
        "argsort": y.argsort(dim=0).tolist(),
        "msort": torch.msort(x).tolist(),
        "kth": [kth.values.tolist(), kth.indices.tolist()],
        "median": [med.values.tolist(), med.indices.tolist(), y.median().item()],
        "mode": mode.values.item(),
        "unique_rows": [rows.tolist(), inverse.tolist(), counts.tolist()],
        "unique_flat": torch.unique(x, sorted=True).tolist(),
    }


def clamp_and_where_variants(torch, init):
    """clamp with tensor bounds (broadcast), with only max, clip as its alias, clamp_min and
    clamp_max, min > max (everything becomes max, as the docs say), torch.where with Python
    scalars on both sides (dtype of the result) and the gradients of a tensor-bounded clamp."""
    x = _randn(torch, (2, 4), 1).requires_grad_()
    lo = torch.tensor([-0.5, -1.0, 0.0, -2.0])
    hi = torch.tensor([0.5, 0.0, 1.0, 2.0])
    clamped = x.clamp(min=lo, max=hi)
    clamped.sum().backward()
    d = x.detach()
    w_float = torch.where(d > 0, 1.0, 0.0)
    w_int = torch.where(d > 0, 1, 0)
    return {
        "clamped": clamped.tolist(),
        "grad": x.grad.tolist(),
        "only_max": d.clamp(max=0.2).tolist(),
        "clip": torch.clip(d, -0.1, 0.1).tolist(),
        "min_max": [d.clamp_min(0.3).tolist(), d.clamp_max(-0.3).tolist()],
        "crossed": d.clamp(min=1.0, max=0.0).tolist(),
        "where": [w_float.tolist(), _name(w_float.dtype), w_int.tolist(), _name(w_int.dtype)],
        "where_tensor_scalar": torch.where(d > 0, d, 0.0).tolist(),
        "int_clamp": [
            torch.arange(6).clamp(1, 4).tolist(),
            _name(torch.arange(6).clamp(1, 4).dtype),
        ],
    }


def einsum_sublist_and_ellipsis_forms(torch, init):
    """torch.einsum's other forms from its docs: the sublist format (operand, [0, 1], ...),
    ellipsis for batch dimensions, an implicit output (alphabetical), a repeated index on one
    operand (diagonal), a list of operands, and the gradients of a bilinear form."""
    a = _randn(torch, (2, 3, 4), 1).requires_grad_()
    b = _randn(torch, (2, 4, 5), 2)
    m = _randn(torch, (3, 3), 3)
    W = _randn(torch, (3, 4, 5), 4).requires_grad_()
    x, y = _randn(torch, (2, 4), 5), _randn(torch, (2, 5), 6)
    sub = torch.einsum(a, [0, 1, 2], b, [0, 2, 3], [0, 1, 3])
    bilinear = torch.einsum("bn,anm,bm->ba", x, W, y)
    (sub.sum() + bilinear.pow(2).sum()).backward()
    return {
        "sublist": sub.tolist(),
        "ellipsis": torch.einsum("...ij,...jk->...ik", a.detach(), b).tolist(),
        "implicit": torch.einsum("ji", m).tolist(),
        "diagonal": torch.einsum("ii->i", m).tolist(),
        "trace": torch.einsum("ii", m).item(),
        "list": torch.einsum("ij,jk", [m, m]).tolist(),
        "bilinear": bilinear.tolist(),
        "a_grad": a.grad.tolist(),
        "W_grad": W.grad.tolist(),
    }


def torch_size_and_shape_arithmetic(torch, init):
    """torch.Size as the tensor tutorial uses it: a tuple subclass (indexing, slicing gives a
    Size, + concatenation, numel()), compared with tuples and lists, unpacking, printed form,
    and tensors made from a Size."""
    x = torch.zeros(2, 3, 4)
    s = x.shape
    return {
        "type": [type(s).__name__, type(s[1:]).__name__, type(s + (5,)).__name__],
        "numel": s.numel(),
        "eq": [s == (2, 3, 4), s == [2, 3, 4], s[-1]],
        "str": _shown(torch, s),
        "size": [x.size(1), x.size(-1), _shown(torch, x.size())],
        "new": list(torch.ones(s[1:]).shape),
        "view": list(x.view(s[0], -1).shape),
        "bad_dim": _raises(lambda: x.size(3)),
    }


def sampling_reproducibility_with_generators(torch, init):
    """torch.manual_seed twice gives the same draws; a torch.Generator with its own seed does
    not disturb the global stream; get_rng_state/set_rng_state replays; fork_rng restores the
    state on exit; randperm, randint and multinomial with a generator repeat (within each
    library; their values differ between libraries)."""
    torch.manual_seed(7)
    a = torch.rand(3)
    torch.manual_seed(7)
    b = torch.rand(3)
    g = torch.Generator().manual_seed(11)
    first = torch.randn(4, generator=g)
    torch.manual_seed(7)
    torch.rand(1)
    g.manual_seed(11)
    second = torch.randn(4, generator=g)
    after_global = torch.rand(2)
    torch.manual_seed(7)
    torch.rand(1)
    expected = torch.rand(2)
    state = torch.get_rng_state()
    c = torch.randint(0, 10, (5,))
    torch.set_rng_state(state)
    d = torch.randint(0, 10, (5,))
    with torch.random.fork_rng():
        torch.rand(10)
    e = torch.rand(2)
    torch.set_rng_state(state)
    torch.randint(0, 10, (5,))
    f = torch.rand(2)
    g.manual_seed(1)
    perm = torch.randperm(6, generator=g)
    multi = torch.multinomial(torch.tensor([0.1, 0.0, 0.9]), 5, replacement=True, generator=g)
    return {
        "same": torch.equal(a, b),
        "generator": torch.equal(first, second),
        "isolated": torch.equal(after_global, expected),
        "state": torch.equal(c, d),
        "fork": torch.equal(e, f),
        "perm": sorted(perm.tolist()),
        "multi": [1 not in multi.tolist(), list(multi.shape), _name(multi.dtype)],
        "initial_seed": g.initial_seed(),
    }


def distributions_shapes_and_densities(torch, init):
    """torch.distributions' shapes (batch_shape, event_shape, sample((n,)) shapes) for Normal,
    Categorical, MultivariateNormal and Independent(Normal, 1); their log_prob, entropy, mean
    and variance, Categorical.enumerate_support, cdf/icdf of a Normal, and kl_divergence."""
    D = torch.distributions
    loc = torch.tensor([[0.0, 1.0], [2.0, -1.0]])
    scale = torch.tensor([[1.0, 0.5], [2.0, 1.5]])
    normal = D.Normal(loc, scale)
    indep = D.Independent(normal, 1)
    cat = D.Categorical(probs=torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))
    cov = torch.tensor([[2.0, 0.3], [0.3, 1.0]])
    mvn = D.MultivariateNormal(torch.tensor([1.0, -1.0]), covariance_matrix=cov)
    value = torch.tensor([[0.5, 0.5], [1.0, 0.0]])
    shapes = {
        name: [list(d.batch_shape), list(d.event_shape), list(d.sample((3,)).shape)]
        for name, d in (("normal", normal), ("indep", indep), ("cat", cat), ("mvn", mvn))
    }
    return {
        "shapes": shapes,
        "normal": [normal.log_prob(value).tolist(), normal.entropy().tolist()],
        "indep": [indep.log_prob(value).tolist(), indep.entropy().tolist()],
        "cat": [cat.log_prob(torch.tensor([2, 0])).tolist(), cat.entropy().tolist()],
        "support": cat.enumerate_support().tolist(),
        "mvn": [mvn.log_prob(value).tolist(), mvn.entropy().item(), mvn.scale_tril.tolist()],
        "moments": [normal.mean.tolist(), normal.variance.tolist()],
        "cdf": [normal.cdf(value).tolist(), normal.icdf(torch.tensor(0.975)).tolist()],
        "kl": D.kl_divergence(normal, D.Normal(torch.zeros(2), torch.ones(2))).tolist(),
    }


def transformed_distributions_and_rsample_gradients(torch, init):
    """A TransformedDistribution of a Normal through ExpTransform (compared with LogNormal),
    through AffineTransform then SigmoidTransform (a logit-normal), its log_prob, and
    rsample's reparameterised gradient checked through a sample made with a fixed seed:
    d(sample)/d(loc) = 1, d(sample)/d(scale) = the noise."""
    D, T = torch.distributions, torch.distributions.transforms
    base = D.Normal(torch.tensor([0.0, 0.5]), torch.tensor([1.0, 0.3]))
    lognormal = D.TransformedDistribution(base, [T.ExpTransform()])
    logit_normal = D.TransformedDistribution(
        base, [T.AffineTransform(loc=1.0, scale=2.0), T.SigmoidTransform()]
    )
    value = torch.tensor([0.7, 1.9])
    loc = torch.tensor([0.2, -0.1], requires_grad=True)
    scale = torch.tensor([1.5, 0.5], requires_grad=True)
    torch.manual_seed(3)
    sample = D.Normal(loc, scale).rsample()
    sample.sum().backward()
    noise = (sample.detach() - loc.detach()) / scale.detach()
    return {
        "lognormal": [
            lognormal.log_prob(value).tolist(),
            D.LogNormal(base.loc, base.scale).log_prob(value).tolist(),
        ],
        "logit_normal": logit_normal.log_prob(torch.tensor([0.6, 0.9])).tolist(),
        "support": [str(lognormal.support).split("(")[0], lognormal.has_rsample],
        "loc_grad": loc.grad.tolist(),
        "scale_grad_is_noise": torch.allclose(scale.grad, noise, atol=1e-6),
    }


def distributions_for_policy_gradients(torch, init):
    """The RL tutorials' distributions: Categorical(logits=...) log_prob of sampled actions
    (the shape of a batch), entropy bonus, Bernoulli(logits=...) log_prob and its gradient,
    Normal with a learned log_std and tanh squashing (the SAC correction), and
    OneHotCategorical's sample shape; the log_prob gradients are compared."""
    D = torch.distributions
    logits = _randn(torch, (4, 3), 1).requires_grad_()
    dist = D.Categorical(logits=logits)
    actions = torch.tensor([0, 2, 1, 2])
    advantages = torch.tensor([1.0, -0.5, 2.0, 0.3])
    loss = -(dist.log_prob(actions) * advantages).mean() - 0.01 * dist.entropy().mean()
    mu = _randn(torch, (2,), 2).requires_grad_()
    log_std = torch.tensor([-0.5, 0.2], requires_grad=True)
    normal = D.Normal(mu, log_std.exp())
    raw = torch.tensor([0.3, -1.2])
    action = torch.tanh(raw)
    sac_logp = normal.log_prob(raw).sum() - torch.log(1 - action.pow(2) + 1e-6).sum()
    bern = D.Bernoulli(logits=logits[:, 0])
    bern_lp = bern.log_prob(torch.tensor([1.0, 0.0, 1.0, 1.0])).sum()
    (loss + sac_logp + bern_lp).backward()
    onehot = D.OneHotCategorical(probs=torch.tensor([0.2, 0.8]))
    return {
        "loss": loss.item(),
        "sac_logp": sac_logp.item(),
        "bern": [bern_lp.item(), bern.probs.tolist()],
        "logits_grad": logits.grad.tolist(),
        "mu_grad": mu.grad.tolist(),
        "log_std_grad": log_std.grad.tolist(),
        "onehot": [list(onehot.sample((5,)).shape), onehot.sample().sum().item()],
        "probs": dist.probs.tolist(),
    }


def distribution_families_log_prob_and_entropy(torch, init):
    """log_prob, entropy, mean and variance of the families blog posts fit: Gamma, Beta,
    Dirichlet, Poisson, Binomial, Exponential, Uniform, Laplace, StudentT and LowRankMVN,
    with gradients of a log_prob sum with respect to the parameters."""
    D = torch.distributions
    a = torch.tensor([2.0, 0.5], requires_grad=True)
    b = torch.tensor([1.5, 3.0], requires_grad=True)
    x = torch.tensor([0.3, 0.7])
    dists = {
        "gamma": (D.Gamma(a, b), torch.tensor([1.2, 0.4])),
        "beta": (D.Beta(a, b), x),
        "dirichlet": (D.Dirichlet(torch.stack([a, b], 1)), torch.tensor([[0.3, 0.7], [0.6, 0.4]])),
        "poisson": (D.Poisson(a), torch.tensor([1.0, 3.0])),
        "binomial": (D.Binomial(5, probs=x), torch.tensor([2.0, 4.0])),
        "exponential": (D.Exponential(b), x),
        "uniform": (D.Uniform(torch.zeros(2), a + 1), x),
        "laplace": (D.Laplace(a, b), x),
        "studentt": (D.StudentT(a + 2, b, torch.ones(2)), x),
        "lowrank": (
            D.LowRankMultivariateNormal(torch.zeros(2), torch.tensor([[1.0], [0.5]]), b),
            x,
        ),
    }
    out = {}
    for name, (d, v) in dists.items():
        lp = d.log_prob(v)
        ent = d.entropy() if name not in ("poisson", "binomial") else torch.zeros(1)
        out[name] = [lp.tolist(), ent.tolist(), d.mean.tolist(), d.variance.tolist()]
    total = sum(d.log_prob(v).sum() for d, v in dists.values())
    total.backward()
    out["grads"] = [a.grad.tolist(), b.grad.tolist()]
    return out


def gaussian_mixture_with_mixture_same_family(torch, init):
    """The GMM blog post: MixtureSameFamily(Categorical(logits), Independent(Normal, 1)) fitted
    for a few Adam steps by maximising log_prob of NumPy data; the log-likelihoods, the
    mixture's mean and variance, and the learned parameters."""
    D = torch.distributions
    data = torch.from_numpy(np.random.default_rng(0).normal(0, 1, (50, 2)).astype(np.float32))
    logits = torch.zeros(3, requires_grad=True)
    means = _randn(torch, (3, 2), 1).requires_grad_()
    log_scales = torch.zeros(3, 2, requires_grad=True)
    opt = torch.optim.Adam([logits, means, log_scales], lr=0.05)
    history = []
    for _ in range(5):
        gmm = D.MixtureSameFamily(
            D.Categorical(logits=logits), D.Independent(D.Normal(means, log_scales.exp()), 1)
        )
        nll = -gmm.log_prob(data).mean()
        opt.zero_grad()
        nll.backward()
        opt.step()
        history.append(nll.item())
    return {
        "history": history,
        "shapes": [list(gmm.batch_shape), list(gmm.event_shape), list(gmm.sample((4,)).shape)],
        "mean": gmm.mean.tolist(),
        "variance": gmm.variance.tolist(),
        "means": means.tolist(),
        "cdf_missing": _raises(
            lambda: D.MixtureSameFamily(
                D.Categorical(logits=logits), D.Normal(means[:, 0], 1.0)
            ).cdf(torch.zeros(1))
        ),
    }


def distributions_kl_and_custom_registration(torch, init):
    """kl_divergence between Categoricals, MultivariateNormals, Bernoullis and Normals of
    broadcast batch shapes; register_kl for a new pair (a subclass) taking precedence; the
    perplexity exp(entropy) of a Categorical; and a NotImplementedError for a pair with no
    formula."""
    D = torch.distributions
    p = D.Categorical(probs=torch.tensor([0.2, 0.3, 0.5]))
    q = D.Categorical(logits=torch.tensor([0.0, 1.0, -1.0]))
    m1 = D.MultivariateNormal(torch.zeros(2), torch.tensor([[2.0, 0.5], [0.5, 1.0]]))
    m2 = D.MultivariateNormal(torch.ones(2), scale_tril=torch.tensor([[1.0, 0.0], [0.3, 0.7]]))

    class MyNormal(D.Normal):
        pass

    @D.kl.register_kl(MyNormal, MyNormal)
    def _kl(a, b):
        return torch.zeros_like(a.loc) + 42.0

    return {
        "cat": D.kl_divergence(p, q).item(),
        "mvn": D.kl_divergence(m1, m2).item(),
        "bern": D.kl_divergence(
            D.Bernoulli(torch.tensor([0.3, 0.6])), D.Bernoulli(torch.tensor(0.5))
        ).tolist(),
        "normal": D.kl_divergence(
            D.Normal(torch.zeros(2, 1), 1.0), D.Normal(torch.tensor([0.0, 1.0, 2.0]), 2.0)
        ).tolist(),
        "custom": D.kl_divergence(MyNormal(0.0, 1.0), MyNormal(1.0, 1.0)).item(),
        "perplexity": p.entropy().exp().item(),
        "missing": _raises(lambda: D.kl_divergence(D.Beta(1.0, 2.0), D.Poisson(1.0))),
    }


PROGRAMS = [
    custom_in_place_function_with_mark_dirty,
    materialize_grads_false_with_two_outputs,
    function_with_setup_context_and_non_differentiable,
    grad_modes_as_decorators,
    gradcheck_and_gradgradcheck_on_custom_ops,
    map_dataset_with_transform_and_subset,
    bucketing_batch_sampler_for_variable_lengths,
    iterable_dataset_chained_and_batched,
    default_collate_on_nested_samples,
    state_dict_round_trip_through_save_and_load,
    forward_hooks_for_activation_statistics,
    forward_hooks_prepend_and_always_call,
    module_surgery_add_delete_and_assign,
    param_groups_with_chained_schedulers,
    cyclic_and_warm_restarts_schedules,
    scheduler_state_dict_round_trip,
    schedulers_lr_curves_from_the_docs,
    writing_a_custom_optimizer,
    writing_a_custom_lr_scheduler,
    optimizer_over_named_parameters,
    optimizer_in_backward_with_post_accumulate_hooks,
    nn_init_deterministic_initialisers,
    clip_grad_norm_variants,
    pruning_tutorial_l1_and_global,
    parametrize_cached_and_original_tuple,
    orthogonal_parametrization_and_register_parameter,
    embedding_max_norm_renormalises_in_place,
    rnn_utilities_pack_and_unpad,
    masked_ops_from_the_docs,
    topk_sort_and_unique_variants,
    clamp_and_where_variants,
    einsum_sublist_and_ellipsis_forms,
    torch_size_and_shape_arithmetic,
    sampling_reproducibility_with_generators,
    distributions_shapes_and_densities,
    transformed_distributions_and_rsample_gradients,
    distributions_for_policy_gradients,
    distribution_families_log_prob_and_entropy,
    gaussian_mixture_with_mixture_same_family,
    distributions_kl_and_custom_registration,
]
