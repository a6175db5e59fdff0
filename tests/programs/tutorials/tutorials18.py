"""Programs in the style of PyTorch's official tutorials and recipes (round 18): "What is
torch.nn really?" with its Lambda layer and wrapped loader, torch.autograd.grad with
create_graph and its options, custom autograd.Functions with setup_context, forward-mode jvp,
once_differentiable and non-differentiable outputs, the hooks recipes (tensor hooks, forward
pre-hooks with kwargs, full backward hooks and pre-hooks), checkpoints with an optimizer and a
scheduler read back with weights_only, torch.utils.data recipes (samplers, batch samplers,
StackDataset, ChainDataset, ConcatDataset of Subsets, WeightedRandomSampler), the
lr_scheduler recipes, gradient clipping utilities, nn.init inside Module.apply, and small
models from the tutorials (Bahdanau seq2seq, char-RNN generation, a word language model with
tied weights, a causal Transformer encoder, a VAE on digits, REINFORCE with a baseline, a GRU
forecaster, a tabular model with embeddings, knowledge distillation with a cosine hidden loss,
a custom pruning method, SWA with an EMA, LBFGS with a line search, functional_call in a MAML
inner loop). Each is a function of the library (`torch` is PyTorch or minigrad) and of `init`
(see tests/programs/conftest.py); data come from NumPy so that both libraries see the same
numbers; random draws of the libraries are compared by their properties only."""

from __future__ import annotations

import io
import math

import numpy as np
from tutorials7 import _randn


def nn_really_cnn_with_lambda_and_wrapped_loader(torch, init):
    """ "What is torch.nn really?", its last steps: a Lambda module reshaping flat images
    inside nn.Sequential, a WrappedDataLoader applying preprocess to each batch, get_data
    returning a training loader and a validation loader of twice the batch size, loss_batch
    returning (loss, len(xb)), and fit() averaging validation losses weighted by batch
    sizes with np.sum(np.multiply(losses, nums)) / np.sum(nums)."""
    nn, F = torch.nn, torch.nn.functional
    from_data = torch.utils.data
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((40, 64), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 10, 40))
    train_ds = from_data.TensorDataset(x[:30], y[:30])
    valid_ds = from_data.TensorDataset(x[30:], y[30:])

    def get_data(train_ds, valid_ds, bs):
        return (
            from_data.DataLoader(train_ds, batch_size=bs, shuffle=False),
            from_data.DataLoader(valid_ds, batch_size=bs * 2),
        )

    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    def preprocess(x, y):
        return x.view(-1, 1, 8, 8), y

    class WrappedDataLoader:
        def __init__(self, dl, func):
            self.dl = dl
            self.func = func

        def __len__(self):
            return len(self.dl)

        def __iter__(self):
            for b in self.dl:
                yield self.func(*b)

    model = init(
        nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(4, 10, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            Lambda(lambda x: x.view(x.size(0), -1)),
        )
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    train_dl, valid_dl = get_data(train_ds, valid_ds, 8)
    train_dl = WrappedDataLoader(train_dl, preprocess)
    valid_dl = WrappedDataLoader(valid_dl, preprocess)
    history = []
    for _ in range(3):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, F.cross_entropy, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, F.cross_entropy, xb, yb) for xb, yb in valid_dl])
        history.append(float(np.sum(np.multiply(losses, nums)) / np.sum(nums)))
    return {"history": history, "lengths": [len(train_dl), len(valid_dl)], "nums": list(nums)}


def autograd_grad_with_create_graph_and_its_options(torch, init):
    """torch.autograd.grad as the recipes use it: a gradient penalty built with
    create_graph=True and then differentiated, grad_outputs of ones, allow_unused with
    materialize_grads=True giving zeros, is_grads_batched for rows of a Jacobian, and a
    Hessian-vector product by differentiating the gradient's dot product with v."""
    x = _randn(torch, (4, 3), 0).requires_grad_()
    w = _randn(torch, (3, 2), 1).requires_grad_()
    unused = torch.ones(2, requires_grad=True)
    y = torch.tanh(x @ w)
    (gx,) = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), create_graph=True)
    penalty = ((gx.norm(2, dim=1) - 1) ** 2).mean()
    penalty.backward()
    y = torch.tanh(x @ w)  # penalty.backward() freed the first graph
    gw, gu = torch.autograd.grad(
        (y**2).sum(), [w, unused], allow_unused=True, materialize_grads=True
    )
    v = torch.tensor([1.0, -2.0])
    z = torch.tensor([0.5, 1.5], requires_grad=True)
    f = (z**3).sum() + z.prod()
    (g,) = torch.autograd.grad(f, z, create_graph=True)
    (hvp,) = torch.autograd.grad(g, z, grad_outputs=v)
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = a**2
    (jac,) = torch.autograd.grad(out, a, grad_outputs=torch.eye(3), is_grads_batched=True)
    return {
        "gx": gx.tolist(),
        "gx requires grad": gx.requires_grad,
        "penalty": penalty.item(),
        "x.grad": x.grad.tolist(),
        "w.grad": w.grad.tolist(),
        "gw": gw.tolist(),
        "gu": gu.tolist(),
        "hvp": hvp.tolist(),
        "jac": jac.tolist(),
    }


def custom_function_setup_context_with_jvp_forward_ad(torch, init):
    """The extending-autograd recipe's newer style: forward without ctx, setup_context saving
    the inputs and save_for_forward for a jvp, ctx.needs_input_grad deciding which gradients
    backward computes, and forward-mode AD through torch.autograd.forward_ad's dual numbers
    agreeing with the backward-mode Jacobian-vector product."""
    fwAD = torch.autograd.forward_ad
    seen = []

    class ScaledSin(torch.autograd.Function):
        @staticmethod
        def forward(x, scale):
            return torch.sin(x) * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, scale = inputs
            ctx.save_for_backward(x, scale)
            ctx.save_for_forward(x, scale)

        @staticmethod
        def backward(ctx, grad_out):
            x, scale = ctx.saved_tensors
            seen.append(tuple(ctx.needs_input_grad))
            gx = grad_out * torch.cos(x) * scale if ctx.needs_input_grad[0] else None
            gs = (grad_out * torch.sin(x)).sum() if ctx.needs_input_grad[1] else None
            return gx, gs

        @staticmethod
        def jvp(ctx, x_t, scale_t):
            x, scale = ctx.saved_tensors
            out = x_t * torch.cos(x) * scale
            if scale_t is not None:
                out = out + torch.sin(x) * scale_t
            return out

    x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
    scale = torch.tensor(2.0, requires_grad=True)
    ScaledSin.apply(x, scale).sum().backward()
    fixed = torch.tensor(3.0)
    x2 = torch.linspace(0.0, 2.0, 4, requires_grad=True)
    ScaledSin.apply(x2, fixed).pow(2).sum().backward()
    needs = [list(s) for s in seen]  # minigrad's dual numbers run backward (docs/autograd.md)
    tangent = torch.tensor([1.0, 0.0, -1.0, 2.0])
    with fwAD.dual_level():
        dual = fwAD.make_dual(x2.detach(), tangent)
        out = ScaledSin.apply(dual, fixed)
        primal, jvp = fwAD.unpack_dual(out)
    return {
        "x.grad": x.grad.tolist(),
        "scale.grad": scale.grad.item(),
        "x2.grad": x2.grad.tolist(),
        "needs": needs,
        "primal": primal.tolist(),
        "jvp": jvp.tolist(),
        "reference": (torch.cos(x2.detach()) * 3.0 * tangent).tolist(),
    }


def custom_function_sort_with_non_differentiable_indices(torch, init):
    """A custom sort whose indices are marked non-differentiable, whose backward is
    once_differentiable (scattering grad_output back by the saved indices), with
    set_materialize_grads(False) so an unused values output arrives as None, and used
    twice: once through its values, once only through a function of its indices."""
    from torch.autograd.function import once_differentiable

    calls = []

    class Sort(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, indices = torch.sort(x, dim=-1)
            ctx.mark_non_differentiable(indices)
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(indices)
            return values, indices

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_values, grad_indices):
            calls.append((grad_values is None, grad_indices is None))
            (indices,) = ctx.saved_tensors
            if grad_values is None:
                return None
            grad = torch.zeros_like(grad_values)
            return grad.scatter(-1, indices, grad_values)

    x = torch.tensor([[3.0, 1.0, 2.0], [0.5, -1.0, 4.0]], requires_grad=True)
    values, indices = Sort.apply(x)
    weights = torch.tensor([1.0, 10.0, 100.0])
    (values * weights).sum().backward()
    first = x.grad.clone()
    x.grad = None
    y = torch.tensor([[2.0, 5.0, 1.0]], requires_grad=True)
    v2, i2 = Sort.apply(y)
    loss = (y * i2.float()).sum() + 0 * v2.sum()
    loss.backward()
    return {
        "values": values.tolist(),
        "indices": indices.tolist(),
        "indices requires grad": indices.requires_grad,
        "values grad_fn": values.grad_fn is not None,
        "first": first.tolist(),
        "y.grad": y.grad.tolist(),
        "calls": [list(c) for c in calls],
    }


def tensor_hooks_changing_gradients_and_retain_grad(torch, init):
    """The hooks recipe on tensors: a hook on a leaf doubling its gradient, a hook on an
    intermediate that only records, retain_grad on the intermediate registered before and after
    a hook that changes the gradient (retains_grad sees the changed one either way in PyTorch 2),
    removing a handle, and hooks firing on each of two backward passes with retain_graph."""
    log = []
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h_leaf = a.register_hook(lambda g: g * 2)
    b = a * a
    b.retain_grad()
    b.register_hook(lambda g: g + 1)
    c = b.sin()
    c.register_hook(lambda g: log.append(("c", g.tolist())))
    c.retain_grad()
    loss = c.sum()
    loss.backward(retain_graph=True)
    first = {"a": a.grad.tolist(), "b": b.grad.tolist(), "c": c.grad.tolist()}
    h_leaf.remove()
    a.grad.zero_()
    loss.backward()
    return {
        "first": first,
        "second a": a.grad.tolist(),
        "second b": b.grad.tolist(),
        "log": [[name, g] for name, g in log],
        "retains": [b.retains_grad, c.retains_grad, a.retains_grad],
    }


def forward_pre_hooks_with_kwargs_rewriting_calls(torch, init):
    """The module hooks recipe with keyword arguments: a forward pre-hook with with_kwargs=True
    returning new (args, kwargs), a forward hook with with_kwargs=True seeing them and
    replacing the output, prepend=True running a hook first, and handles removed to restore
    the plain forward."""
    nn = torch.nn
    order = []

    class Scaler(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x, scale=1.0, shift=None):
            out = self.linear(x) * scale
            return out if shift is None else out + shift

    model = init(Scaler())

    def pre(module, args, kwargs):
        order.append("pre")
        kwargs = dict(kwargs)
        kwargs["scale"] = kwargs.get("scale", 1.0) * 10
        return (args[0] + 1,), kwargs

    def first(module, args, kwargs):
        order.append("first")
        return None

    def post(module, args, kwargs, output):
        order.append(("post", sorted(kwargs), kwargs["scale"]))
        return output - kwargs["scale"]

    x = _randn(torch, (2, 3), 0)
    plain = model(x, scale=0.5)
    handles = [
        model.register_forward_pre_hook(pre, with_kwargs=True),
        model.register_forward_pre_hook(first, with_kwargs=True, prepend=True),
        model.register_forward_hook(post, with_kwargs=True),
    ]
    hooked = model(x, scale=0.5, shift=torch.ones(2))
    for handle in handles:
        handle.remove()
    again = model(x, scale=0.5)
    return {
        "plain": plain.tolist(),
        "hooked": hooked.tolist(),
        "again": torch.equal(plain, again),
        "order": [list(o) if isinstance(o, tuple) else o for o in order],
    }


def full_backward_hooks_and_pre_hooks_on_layers(torch, init):
    """register_full_backward_pre_hook scaling grad_output before a layer's backward, and
    register_full_backward_hook seeing grad_input and grad_output and replacing grad_input
    (clipping it), on the layers of a small Sequential; the parameters' gradients and the
    input's gradient with and without the hooks."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)))
    x = _randn(torch, (5, 4), 2).requires_grad_()
    seen = []

    def pre(module, grad_output):
        seen.append(("pre", type(module).__name__, list(grad_output[0].shape)))
        return (grad_output[0] * 0.5,)

    def clip(module, grad_input, grad_output):
        seen.append(("full", type(module).__name__, [g is None for g in grad_input]))
        return tuple(None if g is None else g.clamp(-0.1, 0.1) for g in grad_input)

    handles = [
        model[2].register_full_backward_pre_hook(pre),
        model[1].register_full_backward_hook(clip),
    ]
    model(x).pow(2).sum().backward()
    hooked = [x.grad.tolist()] + [p.grad.tolist() for p in model.parameters()]
    for handle in handles:
        handle.remove()
    model.zero_grad()
    x.grad = None
    model(x).pow(2).sum().backward()
    plain = [x.grad.tolist()] + [p.grad.tolist() for p in model.parameters()]
    return {"hooked": hooked, "plain": plain, "seen": [list(s) for s in seen]}


def checkpoint_with_optimizer_scheduler_and_weights_only(torch, init):
    """The saving-and-loading recipe's general checkpoint: epoch, model, optimizer (Adam with
    state) and scheduler state dicts and the loss in one dict, saved to a BytesIO and loaded
    with weights_only=True and map_location='cpu' into fresh objects; training resumes and
    gives the same numbers as training straight through."""
    nn = torch.nn
    x = _randn(torch, (16, 3), 3)
    y = _randn(torch, (16, 1), 4)

    def make():
        model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)))
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        return model, opt, sched

    def step(model, opt, sched):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    model, opt, sched = make()
    straight = [step(model, opt, sched) for _ in range(6)]
    model, opt, sched = make()
    first = [step(model, opt, sched) for _ in range(3)]
    buffer = io.BytesIO()
    torch.save(
        {
            "epoch": 3,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
            "scheduler_state_dict": sched.state_dict(),
            "loss": first[-1],
        },
        buffer,
    )
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True, map_location="cpu")
    model2, opt2, sched2 = make()
    model2.load_state_dict(checkpoint["model_state_dict"])
    opt2.load_state_dict(checkpoint["optimizer_state_dict"])
    sched2.load_state_dict(checkpoint["scheduler_state_dict"])
    resumed = [step(model2, opt2, sched2) for _ in range(3)]
    return {
        "straight": straight,
        "resumed": first + resumed,
        "epoch": checkpoint["epoch"],
        "keys": sorted(checkpoint),
        "lr": sched2.get_last_lr(),
        "state steps": [s["step"].item() for s in opt2.state_dict()["state"].values()],
    }


def custom_sampler_batch_sampler_and_dict_collate(torch, init):
    """torch.utils.data with hand-written pieces: a Sampler subclass yielding the even indices
    then the odd ones, a batch_sampler that groups indices by a label (DataLoader given
    batch_sampler= and no batch_size), a collate_fn returning a dict of stacked tensors and
    a list of strings, and a DataLoader over a generator-seeded shuffle compared by the
    multiset of indices it yields."""
    data = torch.utils.data

    class Samples(data.Dataset):
        def __init__(self):
            self.x = torch.arange(20.0).reshape(10, 2)
            self.label = [i % 3 for i in range(10)]

        def __len__(self):
            return len(self.label)

        def __getitem__(self, i):
            return {"x": self.x[i], "label": self.label[i], "name": f"s{i}"}

    class EvenThenOdd(data.Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            yield from range(0, self.n, 2)
            yield from range(1, self.n, 2)

        def __len__(self):
            return self.n

    class ByLabel(data.Sampler):
        def __init__(self, labels):
            self.labels = labels

        def __iter__(self):
            for label in sorted(set(self.labels)):
                yield [i for i, lab in enumerate(self.labels) if lab == label]

        def __len__(self):
            return len(set(self.labels))

    def collate(batch):
        return {
            "x": torch.stack([b["x"] for b in batch]),
            "label": torch.tensor([b["label"] for b in batch]),
            "names": [b["name"] for b in batch],
        }

    ds = Samples()
    ordered = data.DataLoader(ds, batch_size=4, sampler=EvenThenOdd(len(ds)), collate_fn=collate)
    grouped = data.DataLoader(ds, batch_sampler=ByLabel(ds.label), collate_fn=collate)
    default = next(iter(data.DataLoader(ds, batch_size=3)))
    generator = torch.Generator().manual_seed(7)
    shuffled = data.DataLoader(ds, batch_size=4, shuffle=True, generator=generator, drop_last=True)
    seen = [b["label"].tolist() for b in shuffled]
    return {
        "ordered": [[b["x"].tolist(), b["names"]] for b in ordered],
        "grouped": [[b["label"].tolist(), b["names"]] for b in grouped],
        "lengths": [len(ordered), len(grouped), len(shuffled)],
        "default": [default["x"].tolist(), default["label"].tolist(), default["name"]],
        "shuffled": [len(seen), [len(b) for b in seen]],
    }


def stack_chain_and_concat_of_subsets(torch, init):
    """Dataset composition recipes: StackDataset pairing an image set with a target set
    (as a tuple and by keywords), ChainDataset of two IterableDatasets, ConcatDataset of
    Subsets (its cumulative_sizes and an index across the boundary, a negative index),
    random_split by lengths under a generator (sizes, disjoint and complete) and a
    Subset of a Subset."""
    data = torch.utils.data

    class Counter(data.IterableDataset):
        def __init__(self, start, stop):
            self.start, self.stop = start, stop

        def __iter__(self):
            return iter(torch.arange(self.start, self.stop) * 10)

    images = data.TensorDataset(torch.arange(12.0).reshape(6, 2))
    targets = torch.arange(6) % 2
    by_tuple = data.StackDataset(images, targets)
    by_name = data.StackDataset(image=images, target=targets)
    chained = data.ChainDataset([Counter(0, 3), Counter(5, 7)])
    first = data.Subset(images, [0, 2, 4])
    second = data.Subset(images, [5, 1])
    both = data.ConcatDataset([first, second])
    nested = data.Subset(first, [2, 0])
    parts = data.random_split(images, [4, 2], generator=torch.Generator().manual_seed(1))
    ids = sorted(i for p in parts for i in p.indices)
    return {
        "by tuple": [len(by_tuple), by_tuple[3][0][0].tolist(), by_tuple[3][1].item()],
        "by name": [sorted(by_name[1]), by_name[1]["target"].item()],
        "chained": [t.item() for t in chained],
        "concat": [len(both), both.cumulative_sizes, both[3][0].tolist(), both[-1][0].tolist()],
        "nested": [nested[0][0].tolist(), len(nested)],
        "split": [[len(p) for p in parts], ids],
        "loader": [b.tolist() for b in data.DataLoader(chained, batch_size=2)],
    }


def weighted_sampler_for_an_imbalanced_dataset(torch, init):
    """The imbalanced-classes recipe: class counts by bincount, per-sample weights
    1 / count[label], a WeightedRandomSampler with replacement and a seeded generator feeding a
    DataLoader; the classes it draws are about balanced (compared by properties), and a
    class-weighted CrossEntropyLoss gives its numbers on a fixed batch."""
    data = torch.utils.data
    labels = torch.tensor([0] * 40 + [1] * 8 + [2] * 2)
    counts = torch.bincount(labels)
    weights = 1.0 / counts.float()
    sample_weights = weights[labels]
    sampler = data.WeightedRandomSampler(
        sample_weights,
        num_samples=3000,
        replacement=True,
        generator=torch.Generator().manual_seed(3),
    )
    loader = data.DataLoader(data.TensorDataset(labels), batch_size=500, sampler=sampler)
    drawn = torch.cat([b[0] for b in loader])
    fractions = torch.bincount(drawn, minlength=3).float() / len(drawn)
    logits = _randn(torch, (6, 3), 5)
    target = torch.tensor([0, 1, 2, 2, 1, 0])
    loss = torch.nn.CrossEntropyLoss(weight=weights / weights.sum())(logits, target)
    return {
        "counts": counts.tolist(),
        "weights": weights.tolist(),
        "sample weights dtype": str(sample_weights.dtype).split(".")[-1],
        "batches": len(loader),
        "balanced": bool(((fractions - 1 / 3).abs() < 0.05).all()),
        "loss": loss.item(),
    }


def step_multistep_and_lambda_schedulers_per_group(torch, init):
    """The lr_scheduler recipe's basics in a training loop: StepLR, MultiStepLR and a LambdaLR
    with one lambda per parameter group (warmup for one, decay for the other), each stepped
    after optimizer.step(); the learning rates read from get_last_lr() and param_groups each
    epoch, and the state dict of the LambdaLR (lr_lambdas are not saved)."""
    nn = torch.nn
    model = init(nn.Linear(2, 1))
    x, y = _randn(torch, (8, 2), 6), _randn(torch, (8, 1), 7)

    def run(make_sched, groups):
        opt = torch.optim.SGD(groups(), lr=0.1, momentum=0.9)
        sched = make_sched(opt)
        lrs, losses = [], []
        for _ in range(7):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
            losses.append(loss.item())
        return lrs, losses, sched

    one_group = model.parameters
    two_groups = lambda: [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.01}]  # noqa: E731
    step_lrs, step_losses, _ = run(
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.1), one_group
    )
    multi_lrs, _, _ = run(
        lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5], gamma=0.5), one_group
    )
    lambdas = [lambda epoch: min(1.0, (epoch + 1) / 3), lambda epoch: 0.8**epoch]
    lambda_lrs, lambda_losses, lambda_sched = run(
        lambda o: torch.optim.lr_scheduler.LambdaLR(o, lr_lambda=lambdas), two_groups
    )
    state = lambda_sched.state_dict()
    return {
        "step": step_lrs,
        "step losses": step_losses,
        "multi": multi_lrs,
        "lambda": lambda_lrs,
        "lambda losses": lambda_losses,
        "state": [state["base_lrs"], state["last_epoch"], state["lr_lambdas"]],
        "groups": [g["lr"] for g in lambda_sched.optimizer.param_groups],
    }


def one_cycle_linear_and_cyclic_triangular2(torch, init):
    """OneCycleLR with anneal_strategy='linear', div factors and pct_start, cycling SGD's
    momentum, stepped per batch; CyclicLR in 'triangular2' and 'exp_range' modes with
    step_size_up and step_size_down; PolynomialLR with power 2: the learning rates and
    momenta of each step."""
    sched_mod = torch.optim.lr_scheduler
    w = torch.zeros(3, requires_grad=True)

    def trace(make, steps, key="lr"):
        opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
        sched = make(opt)
        out = []
        for _ in range(steps):
            opt.step()
            sched.step()
            out.append(round(opt.param_groups[0][key], 10))
        return out

    def one_cycle(o):
        return sched_mod.OneCycleLR(
            o, max_lr=1.0, total_steps=10, pct_start=0.4, anneal_strategy="linear",
            div_factor=10.0, final_div_factor=100.0,
        )  # fmt: skip

    tri2 = lambda o: sched_mod.CyclicLR(  # noqa: E731
        o, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3, mode="triangular2"
    )
    exp_range = lambda o: sched_mod.CyclicLR(  # noqa: E731
        o, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range", gamma=0.9
    )
    poly = lambda o: sched_mod.PolynomialLR(o, total_iters=4, power=2.0)  # noqa: E731
    return {
        "one cycle lr": trace(one_cycle, 9),
        "one cycle momentum": trace(one_cycle, 9, "momentum"),
        "triangular2": trace(tri2, 12),
        "triangular2 momentum": trace(tri2, 6, "momentum"),
        "exp range": trace(exp_range, 8),
        "polynomial": trace(poly, 6),
    }


def warm_restarts_plateau_and_sequential_in_training(torch, init):
    """Three schedulers in training loops: CosineAnnealingWarmRestarts with T_mult=2 and
    eta_min stepped with fractional epochs (epoch + i / iters), ReduceLROnPlateau in 'max' mode
    on a validation accuracy with threshold_mode='abs', patience, cooldown and min_lr, and
    SequentialLR of ConstantLR then ExponentialLR at a milestone."""
    sched_mod = torch.optim.lr_scheduler
    model = init(torch.nn.Linear(3, 2))
    x = _randn(torch, (12, 3), 8)
    y = torch.from_numpy(np.random.default_rng(9).integers(0, 2, 12))

    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    warm = sched_mod.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.01)
    warm_lrs, iters = [], 3
    for epoch in range(5):
        for i in range(iters):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            warm.step(epoch + i / iters)
            warm_lrs.append(round(warm.get_last_lr()[0], 10))

    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    plateau = sched_mod.ReduceLROnPlateau(
        opt, mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs",
        cooldown=1, min_lr=0.02,
    )  # fmt: skip
    accuracies = [0.5, 0.52, 0.53, 0.6, 0.6, 0.61, 0.6, 0.6, 0.6, 0.6]
    plateau_lrs = []
    for acc in accuracies:
        plateau.step(acc)
        plateau_lrs.append(opt.param_groups[0]["lr"])

    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    seq = sched_mod.SequentialLR(
        opt,
        schedulers=[
            sched_mod.ConstantLR(opt, factor=0.25, total_iters=2),
            sched_mod.ExponentialLR(opt, gamma=0.5),
        ],
        milestones=[3],
    )
    seq_lrs = []
    for _ in range(7):
        opt.step()
        seq.step()
        seq_lrs.append(seq.get_last_lr()[0])
    return {
        "warm": warm_lrs,
        "plateau": plateau_lrs,
        "plateau best": plateau.best,
        "sequential": seq_lrs,
        "weights": model.weight.tolist(),
    }


def gradient_clipping_utilities_with_total_norms(torch, init):
    """Gradient clipping recipes: clip_grad_norm_ returning the total norm (2, 1 and inf
    norms), get_total_norm and clip_grads_with_norm_ as the two halves of it, clip_grad_value_,
    foreach=False, error_if_nonfinite raising on an inf gradient, and a training step with
    clipping between backward and step."""
    nn = torch.nn
    utils = nn.utils
    model = init(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1)))
    x, y = _randn(torch, (6, 4), 10), _randn(torch, (6, 1), 11)

    def fresh_grads():
        model.zero_grad()
        (nn.functional.mse_loss(model(x), y) * 50).backward()
        return [p for p in model.parameters()]

    totals = {}
    for norm_type in (2.0, 1.0, "inf"):
        params = fresh_grads()
        totals[str(norm_type)] = utils.clip_grad_norm_(
            params, max_norm=0.5, norm_type=norm_type
        ).item()
    clipped_inf = [p.grad.tolist() for p in model.parameters()]
    params = fresh_grads()
    grads = [p.grad for p in params]
    total = utils.get_total_norm(grads, norm_type=2.0)
    utils.clip_grads_with_norm_(params, max_norm=1.0, total_norm=total)
    halves = [p.grad.tolist() for p in params]
    params = fresh_grads()
    utils.clip_grad_value_(params, clip_value=0.05, foreach=False)
    by_value = [p.grad.tolist() for p in params]
    model[2].bias.grad.fill_(float("inf"))
    try:
        utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
        raised = None
    except RuntimeError:
        raised = "RuntimeError"
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        utils.clip_grad_norm_(model.parameters(), max_norm=0.1)
        opt.step()
        losses.append(loss.item())
    return {
        "totals": totals,
        "clipped inf": clipped_inf,
        "total": total.item(),
        "halves": halves,
        "by value": by_value,
        "raised": raised,
        "losses": losses,
    }


def init_inside_module_apply_by_layer_type(torch, init):
    """nn.init in a weights_init passed to Module.apply, by isinstance: xavier_uniform_ with a
    gain from calculate_gain('tanh'), kaiming_normal_ with mode='fan_out' for convolutions,
    constant_ biases, ones_ and zeros_ for BatchNorm, orthogonal_ for a GRU's hidden weights;
    compared by properties (bounds, standard deviations, orthogonality), and the gains of
    calculate_gain for each nonlinearity."""
    nn = torch.nn
    gains = {
        name: nn.init.calculate_gain(name)
        for name in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu")
    }
    gains["leaky_relu 0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)
    model = nn.Sequential(
        nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.Flatten(), nn.Linear(200, 300)
    )
    gru = nn.GRU(4, 16)

    def weights_init(m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(m.bias, 0.1)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("tanh"))
            nn.init.zeros_(m.bias)

    model.apply(weights_init)
    for name, param in gru.named_parameters():
        if "weight_hh" in name:
            for chunk in param.data.chunk(3, 0):
                nn.init.orthogonal_(chunk)
    conv_std = model[0].weight.std().item()
    bound = 5 / 3 * math.sqrt(6 / (200 + 300))
    linear = model[3].weight
    chunk = gru.weight_hh_l0[:16]
    return {
        "gains": gains,
        "conv std": abs(conv_std - math.sqrt(2 / (64 * 9))) < 0.01,
        "conv bias": model[0].bias.unique().tolist(),
        "bn": [model[1].weight.sum().item(), model[1].bias.abs().sum().item()],
        "linear bound": [
            linear.abs().max().item() <= bound,
            linear.abs().max().item() > 0.9 * bound,
        ],
        "orthogonal": torch.allclose(chunk @ chunk.T, torch.eye(16), atol=1e-5),
        "fans": list(nn.init._calculate_fan_in_and_fan_out(model[0].weight)),
    }


def seq2seq_bahdanau_attention_decoder(torch, init):
    """The NLP-from-scratch translation tutorial (2.x version): an EncoderRNN (Embedding,
    dropout, batch_first GRU), BahdanauAttention with Wa, Ua and Va scoring
    Va(tanh(Wa(query) + Ua(keys))), an AttnDecoderRNN that feeds back topk(1) of its own
    output or the target (teacher forcing), log_softmax outputs and NLLLoss over the
    flattened sequence, trained a few steps with two Adam optimizers."""
    nn, F = torch.nn, torch.nn.functional
    SOS, vocab_in, vocab_out, hidden, max_len = 0, 9, 8, 12, 5
    rng = np.random.default_rng(12)
    src = torch.from_numpy(rng.integers(1, vocab_in, (4, max_len)))
    tgt = torch.from_numpy(rng.integers(1, vocab_out, (4, max_len)))

    class EncoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab_in, hidden)
            self.gru = nn.GRU(hidden, hidden, batch_first=True)
            self.dropout = nn.Dropout(0.0)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            return self.gru(embedded)

    class BahdanauAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.Wa = nn.Linear(hidden, hidden)
            self.Ua = nn.Linear(hidden, hidden)
            self.Va = nn.Linear(hidden, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            return torch.bmm(weights, keys), weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab_out, hidden)
            self.attention = BahdanauAttention()
            self.gru = nn.GRU(2 * hidden, hidden, batch_first=True)
            self.out = nn.Linear(hidden, vocab_out)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS)
            decoder_hidden = encoder_hidden
            outputs, attentions = [], []
            for i in range(max_len):
                embedded = self.embedding(decoder_input)
                query = decoder_hidden.permute(1, 0, 2)
                context, attn = self.attention(query, encoder_outputs)
                output, decoder_hidden = self.gru(
                    torch.cat((embedded, context), dim=2), decoder_hidden
                )
                outputs.append(self.out(output))
                attentions.append(attn)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)
                else:
                    _, topi = outputs[-1].topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            outputs = F.log_softmax(torch.cat(outputs, dim=1), dim=-1)
            return outputs, decoder_hidden, torch.cat(attentions, dim=1)

    encoder, decoder = init(EncoderRNN()), init(AttnDecoderRNN())
    enc_opt = torch.optim.Adam(encoder.parameters(), lr=0.01)
    dec_opt = torch.optim.Adam(decoder.parameters(), lr=0.01)
    criterion = nn.NLLLoss()
    losses = []
    for _ in range(4):
        enc_opt.zero_grad()
        dec_opt.zero_grad()
        enc_out, enc_hidden = encoder(src)
        dec_out, _, _ = decoder(enc_out, enc_hidden, tgt)
        loss = criterion(dec_out.view(-1, dec_out.size(-1)), tgt.view(-1))
        loss.backward()
        enc_opt.step()
        dec_opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        enc_out, enc_hidden = encoder(src)
        dec_out, _, attn = decoder(enc_out, enc_hidden)
        _, decoded = dec_out.topk(1)
    return {
        "losses": losses,
        "decoded": decoded.squeeze(-1).tolist(),
        "attention": attn[0].tolist(),
        "attention sums": attn.sum(-1).tolist(),
    }


def char_rnn_generation_with_category_and_manual_sgd(torch, init):
    """The char-RNN name generation tutorial: an RNN cell concatenating a one-hot category,
    the input letter and the hidden state (i2h, i2o, o2o on the concatenation of the first
    two outputs, LogSoftmax), trained letter by letter with the loss summed over a name and
    parameters updated by hand with p.data.add_(p.grad.data, alpha=-lr); then sampling by
    argmax (topk) from a start letter until EOS."""
    nn = torch.nn
    letters = "abcdeno"
    n_letters = len(letters) + 1  # EOS
    categories = ["en", "de"]
    names = {"en": ["anne", "ben"], "de": ["bode", "dean"]}

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            n_cat = len(categories)
            self.i2h = nn.Linear(n_cat + input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(n_cat + input_size + hidden_size, output_size)
            self.o2o = nn.Linear(hidden_size + output_size, output_size)
            self.dropout = nn.Dropout(0.1)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, category, input, hidden):
            input_combined = torch.cat((category, input, hidden), 1)
            hidden = self.i2h(input_combined)
            output = self.i2o(input_combined)
            output = self.o2o(torch.cat((hidden, output), 1))
            return self.softmax(self.dropout(output)), hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    def category_tensor(category):
        tensor = torch.zeros(1, len(categories))
        tensor[0][categories.index(category)] = 1
        return tensor

    def input_tensor(line):
        tensor = torch.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][letters.find(letter)] = 1
        return tensor

    def target_tensor(line):
        letter_indexes = [letters.find(line[li]) for li in range(1, len(line))]
        letter_indexes.append(n_letters - 1)
        return torch.LongTensor(letter_indexes)

    rnn = init(RNN(n_letters, 10, n_letters))
    rnn.dropout.p = 0.0  # the tutorial's dropout draws random numbers: off for comparison
    criterion = nn.NLLLoss()
    learning_rate = 0.05
    losses = []
    for step in range(8):
        category = categories[step % 2]
        line = names[category][(step // 2) % 2]
        cat_t, in_t, target = category_tensor(category), input_tensor(line), target_tensor(line)
        target.unsqueeze_(-1)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        loss = torch.Tensor([0])
        for i in range(in_t.size(0)):
            output, hidden = rnn(cat_t, in_t[i], hidden)
            loss += criterion(output, target[i])
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        losses.append(loss.item() / in_t.size(0))

    def sample(category, start_letter, max_length=6):
        with torch.no_grad():
            cat_t, inp, hidden = (
                category_tensor(category),
                input_tensor(start_letter),
                rnn.initHidden(),
            )
            output_name = start_letter
            for _ in range(max_length):
                output, hidden = rnn(cat_t, inp[0], hidden)
                topv, topi = output.topk(1)
                topi = topi[0][0]
                if topi == n_letters - 1:
                    break
                output_name += letters[topi]
                inp = input_tensor(letters[topi])
            return output_name

    return {
        "losses": losses,
        "samples": [sample("en", "a"), sample("de", "b")],
    }


def word_language_model_gru_tied_with_repackaged_hidden(torch, init):
    """The examples' word_language_model with a GRU: an encoder Embedding whose weight the
    decoder shares (tie_weights), init_weights with uniform_(-0.1, 0.1) and zeros_, batchify
    into columns, get_batch with bptt slices, repackage_hidden detaching the state between
    batches, clip_grad_norm_(0.25) and the by-hand update p.data.add_(p.grad, alpha=-lr);
    evaluation perplexity under eval() and no_grad."""
    nn = torch.nn
    ntoken, ninp, bptt = 11, 8, 4
    corpus = torch.from_numpy(np.random.default_rng(13).integers(0, ntoken, 58))

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.0)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.GRU(ninp, ninp, 2, dropout=0.0)
            self.decoder = nn.Linear(ninp, ntoken)
            self.decoder.weight = self.encoder.weight
            self.init_weights()

        def init_weights(self):
            nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
            nn.init.zeros_(self.decoder.bias)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            decoded = self.decoder(self.drop(output)).view(-1, ntoken)
            return nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return weight.new_zeros(2, bsz, ninp)

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

    train_data = batchify(corpus[:48], 3)
    val_data = batchify(corpus[48:], 2)
    model = init(RNNModel())
    criterion = nn.NLLLoss()
    lr = 5.0
    losses = []
    for _ in range(2):
        model.train()
        hidden = model.init_hidden(3)
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
            losses.append(loss.item())
    model.eval()
    total, hidden = 0.0, model.init_hidden(2)
    with torch.no_grad():
        for i in range(0, val_data.size(0) - 1, bptt):
            data, targets = get_batch(val_data, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total += len(data) * criterion(output, targets).item()
    val_loss = total / (len(val_data) - 1)
    return {
        "losses": losses,
        "shapes": [list(train_data.shape), list(val_data.shape)],
        "tied": model.decoder.weight is model.encoder.weight,
        "n params": sum(p.numel() for p in model.parameters()),
        "val ppl": math.exp(val_loss),
    }


def transformer_encoder_causal_with_positional_buffer(torch, init):
    """The language-modeling-with-nn.Transformer tutorial: a PositionalEncoding module whose
    sin/cos table is a registered buffer (seq-first, shape [max_len, 1, d_model]), an
    Embedding scaled by sqrt(d_model), a TransformerEncoder given the mask of
    nn.Transformer.generate_square_subsequent_mask and is_causal=True, trained a few steps
    with SGD, clip_grad_norm_(0.5) and StepLR; the mask itself, and evaluation losses."""
    nn = torch.nn
    ntokens, d_model, nhead, seq_len, batch = 13, 8, 2, 6, 3

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.0, max_len=50):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            return self.dropout(x + self.pe[: x.size(0)])

    class TransformerModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.pos_encoder = PositionalEncoding(d_model)
            layer = nn.TransformerEncoderLayer(d_model, nhead, 16, dropout=0.0)
            self.transformer_encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.embedding = nn.Embedding(ntokens, d_model)
            self.linear = nn.Linear(d_model, ntokens)

        def forward(self, src, src_mask=None):
            src = self.pos_encoder(self.embedding(src) * math.sqrt(d_model))
            output = self.transformer_encoder(src, src_mask, is_causal=src_mask is not None)
            return self.linear(output)

    rng = np.random.default_rng(14)
    data = torch.from_numpy(rng.integers(0, ntokens, (seq_len + 1, batch)))
    model = init(TransformerModel())
    mask = nn.Transformer.generate_square_subsequent_mask(seq_len)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, 1.0, gamma=0.95)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for _ in range(4):
        model.train()
        output = model(data[:-1], mask)
        loss = criterion(output.view(-1, ntokens), data[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        full = model(data[:-1], mask)
        prefix = model(data[:3], nn.Transformer.generate_square_subsequent_mask(3))
    return {
        "mask": mask.tolist(),
        "losses": losses,
        "pe shape": list(model.pos_encoder.pe.shape),
        "buffers": [name for name, _ in model.named_buffers()],
        "causal prefix": torch.allclose(full[:3], prefix, atol=1e-5),
        "eval": full[-1].tolist(),
        "lr": sched.get_last_lr(),
    }


def vae_on_digits_with_summed_bce(torch, init):
    """The examples' VAE on sklearn's digits scaled to [0, 1]: fc1 -> (fc21, fc22) for mu
    and logvar, reparameterize with eps given from NumPy (torch.randn_like in the example),
    a sigmoid decoder, the loss F.binary_cross_entropy(recon, x.view(-1, 64),
    reduction='sum') plus the KL term -0.5 * sum(1 + logvar - mu^2 - exp(logvar)),
    trained with Adam; the per-epoch average loss and a sample decoded from fixed z."""
    from sklearn.datasets import load_digits

    nn, F = torch.nn, torch.nn.functional
    images = load_digits().images[:48].astype(np.float32) / 16.0
    x_all = torch.from_numpy(images).unsqueeze(1)
    rng = np.random.default_rng(15)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 32)
            self.fc21 = nn.Linear(32, 4)
            self.fc22 = nn.Linear(32, 4)
            self.fc3 = nn.Linear(4, 32)
            self.fc4 = nn.Linear(32, 64)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar, eps):
            std = torch.exp(0.5 * logvar)
            return mu + eps * std

        def decode(self, z):
            return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

        def forward(self, x, eps):
            mu, logvar = self.encode(x.view(-1, 64))
            return self.decode(self.reparameterize(mu, logvar, eps)), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld

    model = init(VAE())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_all), batch_size=16)
    averages = []
    for _ in range(3):
        model.train()
        train_loss = 0.0
        for (data,) in loader:
            eps = torch.from_numpy(rng.normal(size=(data.size(0), 4)).astype(np.float32))
            optimizer.zero_grad()
            recon, mu, logvar = model(data, eps)
            loss = loss_function(recon, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        averages.append(train_loss / len(loader.dataset))
    with torch.no_grad():
        sample = model.decode(_randn(torch, (2, 4), 16)).view(2, 1, 8, 8)
    return {"averages": averages, "sample": sample.tolist()}


def reinforce_with_baseline_on_a_chain_env(torch, init):
    """The REINFORCE example on a small environment written in code (a five-state chain,
    reward at the right end): a policy network with affine, dropout(0) and softmax heads
    plus a value head (actor-critic), actions drawn from NumPy with the policy's
    probabilities and scored by Categorical.log_prob, discounted returns normalised with
    eps = np.finfo(np.float32).eps.item(), the policy loss -log_prob * advantage and the
    value loss F.smooth_l1_loss summed with torch.stack(...).sum()."""
    nn, F = torch.nn, torch.nn.functional
    Categorical = torch.distributions.Categorical
    rng = np.random.default_rng(17)
    gamma, eps = 0.9, np.finfo(np.float32).eps.item()

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(5, 16)
            self.dropout = nn.Dropout(p=0.0)
            self.action_head = nn.Linear(16, 2)
            self.value_head = nn.Linear(16, 1)
            self.saved_actions, self.rewards = [], []

        def forward(self, x):
            x = F.relu(self.dropout(self.affine1(x)))
            return F.softmax(self.action_head(x), dim=-1), self.value_head(x)

    def one_hot_state(s):
        return F.one_hot(torch.tensor(s), 5).float()

    policy = init(Policy())
    optimizer = torch.optim.Adam(policy.parameters(), lr=3e-2)
    episode_lengths, losses = [], []
    for _ in range(6):
        state = 0
        for _ in range(11):
            probs, value = policy(one_hot_state(state))
            p = probs.detach().numpy().astype(np.float64)
            action = int(rng.choice(2, p=p / p.sum()))
            m = Categorical(probs)
            policy.saved_actions.append((m.log_prob(torch.tensor(action)), value))
            state = max(0, state - 1) if action == 0 else state + 1
            done = state == 4
            policy.rewards.append(1.0 if done else -0.05)
            if done:
                break
        episode_lengths.append(len(policy.rewards))
        R, returns = 0.0, []
        for r in policy.rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_losses, value_losses = [], []
        for (log_prob, value), R in zip(policy.saved_actions, returns):
            advantage = R - value.item()
            policy_losses.append(-log_prob * advantage)
            value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
        optimizer.zero_grad()
        loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        del policy.rewards[:]
        del policy.saved_actions[:]
    return {"lengths": episode_lengths, "losses": losses}


def gru_forecaster_with_sliding_windows_and_rollout(torch, init):
    """Time-series forecasting with a GRU: a noisy seasonal series from NumPy, min-max
    scaled, cut into sliding windows with unfold, a two-layer batch_first GRU with dropout 0
    reading each window and a Linear head on out[:, -1, :], trained with Adam and MSELoss
    over shuffled-by-NumPy mini-batches; then an autoregressive rollout feeding each
    prediction back with torch.cat, and the loss on held-out windows."""
    nn = torch.nn
    rng = np.random.default_rng(18)
    t = np.arange(80, dtype=np.float32)
    series = (
        np.sin(2 * np.pi * t / 12) + 0.1 * t / 80 + 0.05 * rng.normal(size=80).astype(np.float32)
    )
    lo, hi = series.min(), series.max()
    scaled = torch.from_numpy(((series - lo) / (hi - lo)).astype(np.float32))
    window = 10
    windows = scaled.unfold(0, window + 1, 1)
    x, y = windows[:, :-1].unsqueeze(-1), windows[:, -1:]
    x_train, y_train, x_test, y_test = x[:60], y[:60], x[60:], y[60:]

    class Forecaster(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(1, 12, num_layers=2, batch_first=True, dropout=0.0)
            self.head = nn.Linear(12, 1)

        def forward(self, x, h0=None):
            out, hn = self.gru(x, h0)
            return self.head(out[:, -1, :]), hn

    model = init(Forecaster())
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    criterion = nn.MSELoss()
    losses = []
    for _ in range(3):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 20):
            idx = torch.from_numpy(order[start : start + 20])
            pred, _ = model(x_train[idx])
            loss = criterion(pred, y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        test_loss = criterion(model(x_test)[0], y_test).item()
        context = x_test[:1]
        rollout = []
        for _ in range(5):
            nxt, _ = model(context)
            rollout.append(nxt.item())
            context = torch.cat([context[:, 1:, :], nxt.view(1, 1, 1)], dim=1)
    return {
        "shapes": [list(windows.shape), list(x.shape)],
        "losses": losses,
        "test": test_loss,
        "rollout": [r * (hi - lo) + lo for r in rollout],
    }


def tabular_model_with_embeddings_and_batchnorm(torch, init):
    """A tabular-data model as the fastai-style tutorials write it: one Embedding per
    categorical column (sizes min(50, (n + 1) // 2)) in a ModuleList, the embeddings
    concatenated with BatchNorm1d'd continuous columns, an MLP with BatchNorm1d and dropout(0),
    trained with AdamW on CrossEntropyLoss; then eval() accuracy and the running statistics."""
    nn = torch.nn
    rng = np.random.default_rng(19)
    cardinalities = [4, 7, 3]
    cats = torch.from_numpy(np.stack([rng.integers(0, n, 64) for n in cardinalities], 1))
    conts = torch.from_numpy(rng.normal(2.0, 3.0, (64, 2)).astype(np.float32))
    y = ((cats[:, 0] + (conts[:, 0] > 2).long()) % 2).long()
    emb_sizes = [(n, min(50, (n + 1) // 2)) for n in cardinalities]

    class TabularModel(nn.Module):
        def __init__(self, emb_sizes, n_cont, out_sz, layers):
            super().__init__()
            self.embeds = nn.ModuleList([nn.Embedding(ni, nf) for ni, nf in emb_sizes])
            self.emb_drop = nn.Dropout(0.0)
            self.bn_cont = nn.BatchNorm1d(n_cont)
            n_in = sum(nf for _, nf in emb_sizes) + n_cont
            layerlist = []
            for i in layers:
                layerlist += [
                    nn.Linear(n_in, i),
                    nn.ReLU(inplace=True),
                    nn.BatchNorm1d(i),
                    nn.Dropout(0.0),
                ]
                n_in = i
            layerlist.append(nn.Linear(layers[-1], out_sz))
            self.layers = nn.Sequential(*layerlist)

        def forward(self, x_cat, x_cont):
            embeddings = [e(x_cat[:, i]) for i, e in enumerate(self.embeds)]
            x = self.emb_drop(torch.cat(embeddings, 1))
            x = torch.cat([x, self.bn_cont(x_cont)], 1)
            return self.layers(x)

    model = init(TabularModel(emb_sizes, 2, 2, [16, 8]))
    opt = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.01)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for _ in range(5):
        model.train()
        for start in range(0, 64, 16):
            out = model(cats[start : start + 16], conts[start : start + 16])
            loss = criterion(out, y[start : start + 16])
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        accuracy = (model(cats, conts).argmax(1) == y).float().mean().item()
    return {
        "emb sizes": emb_sizes,
        "losses": losses,
        "accuracy": accuracy,
        "running": [model.bn_cont.running_mean.tolist(), model.bn_cont.running_var.tolist()],
        "tracked": model.bn_cont.num_batches_tracked.item(),
    }


def knowledge_distillation_cosine_and_regressor_losses(torch, init):
    """The knowledge distillation tutorial's later sections: the teacher's flattened
    hidden representation avg_pool1d'ed down to the student's size and matched with
    CosineEmbeddingLoss against a target of ones, then a regressor (a Conv2d) turning the
    student's feature map into the teacher's shape matched with MSELoss; the soft-target
    loss with temperature T ** 2; the teacher in eval() under no_grad."""
    nn, F = torch.nn, torch.nn.functional
    x = _randn(torch, (6, 3, 8, 8), 20)
    labels = torch.tensor([0, 1, 2, 0, 1, 2])

    class Teacher(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Linear(8 * 4 * 4, 3)

        def forward(self, x):
            f = self.features(x)
            flat = torch.flatten(f, 1)
            return self.classifier(flat), flat, f

    class Student(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Linear(4 * 4 * 4, 3)
            self.regressor = nn.Conv2d(4, 8, kernel_size=3, padding=1)

        def forward(self, x):
            f = self.features(x)
            flat = torch.flatten(f, 1)
            return self.classifier(flat), flat, self.regressor(f)

    teacher, student = init(Teacher()), init(Student())
    opt = torch.optim.Adam(student.parameters(), lr=0.01)
    cosine = nn.CosineEmbeddingLoss()
    mse, ce = nn.MSELoss(), nn.CrossEntropyLoss()
    T, results = 2.0, []
    teacher.eval()
    for _ in range(3):
        with torch.no_grad():
            t_logits, t_hidden, t_map = teacher(x)
        s_logits, s_hidden, s_map = student(x)
        t_hidden = F.avg_pool1d(t_hidden, 2)
        hidden_loss = cosine(s_hidden, t_hidden, target=torch.ones(x.size(0)))
        map_loss = mse(s_map, t_map)
        soft = nn.functional.softmax(t_logits / T, dim=-1)
        soft_prob = nn.functional.log_softmax(s_logits / T, dim=-1)
        soft_loss = torch.sum(soft * (soft.log() - soft_prob)) / soft_prob.size()[0] * (T**2)
        loss = 0.25 * hidden_loss + 0.25 * map_loss + 0.25 * soft_loss + 0.25 * ce(s_logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        results.append([hidden_loss.item(), map_loss.item(), soft_loss.item(), loss.item()])
    return {"results": results, "pooled": list(t_hidden.shape)}


def custom_pruning_method_and_pruning_hooks(torch, init):
    """The pruning tutorial's last section: a BasePruningMethod subclass (PRUNING_TYPE =
    'unstructured') whose compute_mask removes every other entry, applied through a function
    calling FooBarPruningMethod.apply(module, name); then ln_structured on rows by the L2
    norm of a Conv2d, the weight_orig parameter and weight_mask buffer, the forward
    pre-hooks, pruning composed twice (a PruningContainer), and prune.remove making it
    permanent."""
    import importlib

    nn = torch.nn
    prune = importlib.import_module(f"{torch.__name__}.nn.utils.prune")  # as `import ... as`

    class FooBarPruningMethod(prune.BasePruningMethod):
        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    def foobar_unstructured(module, name):
        FooBarPruningMethod.apply(module, name)
        return module

    linear = init(nn.Linear(3, 4))
    foobar_unstructured(linear, name="bias")
    conv = init(nn.Conv2d(2, 4, 2))
    prune.ln_structured(conv, name="weight", amount=0.5, n=2, dim=0)
    first_mask = conv.weight_mask.clone()
    prune.l1_unstructured(conv, name="weight", amount=3)
    hook = next(iter(conv._forward_pre_hooks.values()))
    x = _randn(torch, (1, 2, 3, 3), 21)
    out = conv(x)
    prune.remove(conv, "weight")
    return {
        "bias mask": linear.bias_mask.tolist(),
        "bias": linear.bias.tolist(),
        "params": sorted(n for n, _ in linear.named_parameters()),
        "buffers": sorted(n for n, _ in linear.named_buffers()),
        "rows kept": first_mask.flatten(1).sum(1).tolist(),
        "container": type(hook).__name__,
        "methods": [type(m).__name__ for m in hook._pruning_methods],
        "zeros": int((conv.weight == 0).sum()),
        "out": out.tolist(),
        "after remove": [
            sorted(n for n, _ in conv.named_parameters()),
            len(conv._forward_pre_hooks),
        ],
    }


def swa_with_ema_averaged_model_and_update_bn(torch, init):
    """The SWA recipe with an exponential moving average: AveragedModel with
    multi_avg_fn=get_ema_multi_avg_fn(0.9) updated each step, an
    AveragedModel with the default equal average updated from an SWA start epoch with
    SWALR's cosine annealing, and update_bn recomputing the BatchNorm statistics of the
    averaged model over a loader."""
    nn = torch.nn
    swa_utils = torch.optim.swa_utils
    model = init(nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1)))
    x, y = _randn(torch, (24, 3), 22), _randn(torch, (24, 1), 23)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
    # NOTE: PyTorch's EMA with use_buffers=True fails on BatchNorm's integer counter
    ema = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.9))
    swa = swa_utils.AveragedModel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    swa_sched = swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=2, anneal_strategy="cos")
    lrs = []
    for epoch in range(5):
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
            ema.update_parameters(model)
        if epoch >= 2:
            swa.update_parameters(model)
            swa_sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    swa_utils.update_bn(loader, swa)
    swa.eval()
    ema.eval()
    with torch.no_grad():
        return {
            "lrs": lrs,
            "n averaged": [swa.n_averaged.item(), ema.n_averaged.item()],
            "swa weight": swa.module[0].weight.tolist(),
            "ema weight": ema.module[3].weight.tolist(),
            "ema running mean": ema.module[1].running_mean.tolist(),
            "swa running var": swa.module[1].running_var.tolist(),
            "swa out": swa(x[:4]).tolist(),
        }


def lbfgs_with_strong_wolfe_on_logistic_regression(torch, init):
    """L-BFGS as the optimizer recipes use it: a closure that zeroes gradients, computes
    binary_cross_entropy_with_logits plus an L2 term and calls backward; line_search_fn=
    'strong_wolfe' with history_size and max_iter; the loss returned by each step, the
    optimizer's func_evals and n_iter state, and the final weights."""
    nn = torch.nn
    rng = np.random.default_rng(24)
    x = torch.from_numpy(rng.normal(size=(40, 3)).astype(np.float32))
    true_w = torch.tensor([1.5, -2.0, 0.5])
    y = (x @ true_w + 0.3 > 0).float()
    model = init(nn.Linear(3, 1))
    opt = torch.optim.LBFGS(
        model.parameters(), lr=1, max_iter=4, history_size=3, line_search_fn="strong_wolfe"
    )

    def closure():
        opt.zero_grad()
        logits = model(x).squeeze(1)
        loss = (
            nn.functional.binary_cross_entropy_with_logits(logits, y)
            + 0.01 * model.weight.pow(2).sum()
        )
        loss.backward()
        return loss

    # NOTE: two steps, away from the minimum, where the line search's choices hang on the
    # last bits of float32 losses
    losses = [opt.step(closure).item() for _ in range(2)]
    state = opt.state[opt._params[0]]
    return {
        "losses": losses,
        "evals": [state["func_evals"], state["n_iter"]],
        "weight": model.weight.tolist(),
        "bias": model.bias.tolist(),
    }


def maml_inner_loop_with_functional_call(torch, init):
    """MAML as the torch.func recipes write it: torch.func.functional_call of a module with a
    dict of adapted parameters, an inner step computed with torch.autograd.grad(create_graph=
    True) so the outer loss differentiates through it, the outer loss averaged over two tasks
    and stepped with Adam; the module's own parameters stay untouched by the inner loop."""
    nn = torch.nn
    functional_call = torch.func.functional_call
    model = init(nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1)))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(25)
    tasks = []
    for amplitude, phase in ((1.0, 0.0), (2.0, 1.0)):
        xs = rng.uniform(-3, 3, (10, 1)).astype(np.float32)
        tasks.append((torch.from_numpy(xs), torch.from_numpy(amplitude * np.sin(xs + phase))))
    outer_losses, inner_losses = [], []
    for _ in range(3):
        opt.zero_grad()
        total = 0.0
        for xs, ys in tasks:
            params = dict(model.named_parameters())
            support = nn.functional.mse_loss(functional_call(model, params, (xs[:5],)), ys[:5])
            grads = torch.autograd.grad(support, list(params.values()), create_graph=True)
            adapted = {name: p - 0.1 * g for (name, p), g in zip(params.items(), grads)}
            query = nn.functional.mse_loss(functional_call(model, adapted, (xs[5:],)), ys[5:])
            total = total + query / len(tasks)
            inner_losses.append(support.item())
        total.backward()
        opt.step()
        outer_losses.append(total.item())
    return {
        "outer": outer_losses,
        "inner": inner_losses,
        "grad of first weight": model[0].weight.grad.tolist(),
        "adapted requires grad": [v.requires_grad for v in adapted.values()],
    }


def grad_modes_on_generators_and_nested_contexts(torch, init):
    """Grad modes as the autograd notes describe them: torch.no_grad() decorating a generator
    function (each step up to a yield runs without grad, the loop body with it), and
    enable_grad() decorating one, set_grad_enabled(False) as a decorator, inference_mode(False)
    as a context that records, enable_grad inside no_grad, and is_inference_mode_enabled. (An
    inference tensor's own refusals are not here: minigrad has none, docs/nn.md.)"""
    w = torch.tensor([1.0, 2.0], requires_grad=True)

    @torch.no_grad()
    def batches():
        for k in range(3):
            received = yield w * k
            if received is not None:
                yield [received, torch.is_grad_enabled()]
        return "done"

    @torch.enable_grad()
    def recording():
        yield (w * 2).requires_grad
        yield torch.is_grad_enabled()

    @torch.set_grad_enabled(False)
    def frozen(x):
        return x * w

    @torch.inference_mode()
    def infer(x):
        return (x * w).sum(), torch.is_inference_mode_enabled()

    yielded = []
    for b in batches():
        yielded.append(
            [b.requires_grad, b.tolist(), torch.is_grad_enabled(), (w * 1).requires_grad]
        )
    gen = batches()
    sent = [next(gen).tolist(), gen.send("hello"), next(gen).tolist()]
    with torch.no_grad():
        inside = list(recording())
    out = frozen(torch.ones(2))
    with torch.no_grad():
        with torch.enable_grad():
            inner = w * 2
        outer = w * 2
    with torch.inference_mode(False):
        not_inference = w * 3
    inferred, mode = infer(torch.ones(2))
    (w * w).sum().backward()
    return {
        "yielded": yielded,
        "sent": sent,
        "inside": inside,
        "frozen": [out.requires_grad, torch.is_grad_enabled()],
        "nested": [inner.requires_grad, outer.requires_grad, not_inference.requires_grad],
        "inferred": [
            inferred.item(),
            inferred.requires_grad,
            mode,
            torch.is_inference_mode_enabled(),
        ],
        "w.grad": w.grad.tolist(),
    }


def autocast_float16_regions_in_a_training_step(torch, init):
    """The AMP recipe on the CPU with float16 (minigrad has no bfloat16): inside
    torch.autocast('cpu', dtype=torch.float16), Linear gives float16 and cross_entropy float32;
    a nested autocast(enabled=False) region runs in float32; the parameters and their
    gradients stay float32; values compared at float16's precision."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)))
    x = _randn(torch, (5, 4), 26)
    target = torch.tensor([0, 1, 2, 1, 0])
    with torch.autocast(device_type="cpu", dtype=torch.float16):
        hidden = model[1](model[0](x))
        logits = model[2](hidden)
        loss = nn.functional.cross_entropy(logits, target)
        with torch.autocast(device_type="cpu", enabled=False):
            plain = model[0](x)
        enabled = torch.is_autocast_enabled("cpu")
    loss.backward()
    reference = model(x)
    dtype = lambda t: str(t.dtype).split(".")[-1]  # noqa: E731
    return {
        "dtypes": [dtype(hidden), dtype(logits), dtype(loss), dtype(plain)],
        "grad dtypes": [dtype(p.grad) for p in model.parameters()],
        "enabled": [enabled, torch.is_autocast_enabled("cpu")],
        "close": torch.allclose(logits.float(), reference, atol=1e-2, rtol=1e-2),
        "loss": round(loss.item(), 2),
    }


def dataset_getitems_and_unbatched_loading(torch, init):
    """torch.utils.data's newer and older corners: a Dataset defining __getitems__ (the
    DataLoader fetches a whole batch with one call and collates what it returns), a
    DataLoader with batch_size=None (no automatic batching: default_convert turns NumPy
    arrays into tensors), a sampler of explicit indices, default_collate of NumPy arrays and
    namedtuples, and get_worker_info() in the main process."""
    import collections

    data = torch.utils.data
    Point = collections.namedtuple("Point", ["xy", "label"])
    calls = []

    class Batched(data.Dataset):
        def __init__(self):
            self.values = np.arange(12, dtype=np.float32).reshape(6, 2)

        def __len__(self):
            return len(self.values)

        def __getitem__(self, i):
            calls.append(("one", i))
            return self.values[i], i

        def __getitems__(self, indices):
            calls.append(("many", list(indices)))
            return [(self.values[i] * 10, i) for i in indices]

    batched = list(data.DataLoader(Batched(), batch_size=4))
    unbatched = list(data.DataLoader(Batched(), batch_size=None, sampler=[5, 0]))
    points = data.default_collate([Point(np.array([1.0, 2.0]), 0), Point(np.array([3.0, 4.0]), 1)])
    converted = data.default_convert({"a": np.array([1, 2]), "b": [np.float32(3.5)]})
    return {
        "batched": [[b[0].tolist(), b[1].tolist()] for b in batched],
        "unbatched": [[type(x).__name__, x.tolist(), i] for x, i in unbatched],
        "calls": [list(c) for c in calls],
        "points": [type(points).__name__, points.xy.tolist(), points.label.tolist()],
        "points dtype": str(points.xy.dtype).split(".")[-1],
        "converted": [converted["a"].tolist(), type(converted["b"][0]).__name__],
        "worker info": data.get_worker_info() is None,
    }


def backward_with_inputs_and_autograd_mechanics_notes(torch, init):
    """The "Autograd mechanics" notes in code: requires_grad flowing to outputs, freezing a
    pretrained part with requires_grad_(False) (eval() alone does not stop gradients),
    backward(inputs=[...]) accumulating only into the listed leaves, torch.autograd.backward
    with grad_tensors for two outputs, gradients accumulating across calls until zeroed,
    and the in-place correctness check's RuntimeError when a saved tensor is modified."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.0), nn.Linear(4, 2)))
    model[0].requires_grad_(False)
    model.eval()
    x = _randn(torch, (5, 3), 27)
    out = model(x)
    out.sum().backward()
    frozen = [model[0].weight.grad is None, model[2].weight.grad.tolist()]
    model[0].requires_grad_(True)
    model.zero_grad()
    loss = model(x).pow(2).sum()
    loss.backward(inputs=[model[2].bias], retain_graph=True)
    only = [p.grad is None for p in model.parameters()]
    loss.backward(inputs=[model[2].bias, model[0].bias])
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = a * 3, (a**2).sum()
    torch.autograd.backward([y1, y2], grad_tensors=[torch.tensor([1.0, -1.0]), torch.tensor(0.5)])
    first = a.grad.clone()
    (a * a).sum().backward()
    b = torch.tensor([0.5, 1.0], requires_grad=True)
    e = b.exp()
    f = e * 2
    e.add_(1)
    try:
        f.sum().backward()
        ok = True
    except RuntimeError:
        ok = False
    g = b.sigmoid()
    h = g * 1.0
    g.mul_(2)  # sigmoid saved its output: backward through it must now fail
    try:
        h.sum().backward()
        sigmoid_error = None
    except RuntimeError:
        sigmoid_error = "RuntimeError"
    return {
        "out requires grad": out.requires_grad,
        "frozen": frozen,
        "only": only,
        "biases": [model[2].bias.grad.tolist(), model[0].bias.grad.tolist()],
        "weight untouched": model[0].weight.grad is None,
        "first": first.tolist(),
        "accumulated": a.grad.tolist(),
        "exp then add": ok,
        "sigmoid": sigmoid_error,
    }


def module_state_dict_options_and_extra_state(torch, init):
    """Module state recipes: register_buffer(persistent=False) left out of state_dict,
    state_dict(prefix=..., keep_vars=True) giving Parameters, get_extra_state and
    set_extra_state carrying a config dict through save and load, load_state_dict(strict=False)
    reporting missing and unexpected keys, and assign=True keeping the loaded tensors'
    identity; parameters_to_vector and vector_to_parameters round trip."""
    nn = torch.nn

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)
            self.register_buffer("scale", torch.tensor([2.0, 3.0]))
            self.register_buffer("cache", torch.zeros(2), persistent=False)
            self.config = {"mode": "plain"}

        def get_extra_state(self):
            return {"config": self.config}

        def set_extra_state(self, state):
            self.config = state["config"]

        def forward(self, x):
            return self.linear(x) * self.scale

    model = Scaled()
    init(model.linear)  # the harness's init copies tensors, not the extra state's dict
    model.config = {"mode": "scaled", "k": 3}
    keys = list(model.state_dict().keys())
    prefixed = list(model.state_dict(prefix="net.").keys())
    kept = model.state_dict(keep_vars=True)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    other = Scaled()
    other.load_state_dict(loaded)
    partial = dict(loaded)
    partial.pop("scale")
    partial["extra.weight"] = torch.ones(1)
    result = other.load_state_dict(partial, strict=False)
    fresh = {k: v.clone() for k, v in loaded.items() if k != "_extra_state"}
    fresh["_extra_state"] = loaded["_extra_state"]
    third = Scaled()
    third.load_state_dict(fresh, assign=True)
    vector = nn.utils.parameters_to_vector(model.parameters())
    nn.utils.vector_to_parameters(vector * 2, other.parameters())
    x = _randn(torch, (3, 2), 28)
    return {
        "keys": keys,
        "prefixed": prefixed,
        "kept types": [type(kept["linear.weight"]).__name__, kept["scale"].requires_grad],
        "config": other.config,
        "missing": result.missing_keys,
        "unexpected": result.unexpected_keys,
        "assigned": third.linear.weight is fresh["linear.weight"],
        "assigned is parameter": isinstance(third.linear.weight, nn.Parameter),
        "vector": vector.tolist(),
        "doubled": other(x).tolist(),
        "model": model(x).tolist(),
    }


def sdpa_and_multihead_attention_mask_forms(torch, init):
    """Attention as the Transformer tutorials call it: scaled_dot_product_attention with
    is_causal=True, a boolean attn_mask, a float additive mask, a custom scale and
    enable_gqa for grouped heads; MultiheadAttention with a 3-D float mask of shape
    (batch * heads, L, S), need_weights=False, average_attn_weights=False, and a
    key_padding_mask; values and the gradients of the query."""
    nn, F = torch.nn, torch.nn.functional
    q = _randn(torch, (2, 4, 5, 3), 29).requires_grad_()
    k = _randn(torch, (2, 4, 6, 3), 30)
    v = _randn(torch, (2, 4, 6, 3), 31)
    causal = F.scaled_dot_product_attention(q[:, :, :, :], q, q, is_causal=True)
    keep = torch.ones(5, 6, dtype=torch.bool).tril(diagonal=1)
    boolean = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    additive = F.scaled_dot_product_attention(
        q, k, v, attn_mask=torch.zeros(5, 6).masked_fill(~keep, -1e9), scale=0.3
    )
    kv_heads = _randn(torch, (2, 2, 6, 3), 32)
    grouped = F.scaled_dot_product_attention(q, kv_heads, kv_heads, enable_gqa=True)
    (causal.sum() + boolean.pow(2).sum() + additive.sum() + grouped.sum()).backward()
    mha = init(nn.MultiheadAttention(6, 2, batch_first=True))
    x = _randn(torch, (2, 4, 6), 33)
    mask3d = torch.zeros(2 * 2, 4, 4)
    mask3d[:, :, -1] = float("-inf")
    mask3d[:, -1, -1] = 0.0
    out, none = mha(x, x, x, attn_mask=mask3d, need_weights=False)
    padding = torch.tensor([[False, False, False, True], [False, False, False, False]])
    out2, per_head = mha(x, x, x, key_padding_mask=padding, average_attn_weights=False)
    return {
        "causal": causal.tolist(),
        "boolean": boolean.tolist(),
        "additive": additive.tolist(),
        "grouped": grouped.tolist(),
        "q.grad": q.grad.tolist(),
        "mha": out.tolist(),
        "none": none is None,
        "per head": [list(per_head.shape), per_head.tolist()],
        "mha padded": out2.tolist(),
    }


def full_transformer_with_tgt_mask_and_memory_padding(torch, init):
    """nn.Transformer as the translation tutorial calls it (seq-first): src and tgt
    embeddings with a positional table, tgt_mask from generate_square_subsequent_mask,
    src/tgt key padding masks and memory_key_padding_mask, a generator Linear, CrossEntropyLoss
    with ignore_index for the pad token, a few Adam steps with betas=(0.9, 0.98) and eps=1e-9,
    then greedy decoding with the encoder's memory reused."""
    nn = torch.nn
    PAD, BOS, vocab, d_model = 0, 1, 10, 8
    rng = np.random.default_rng(34)
    src = torch.from_numpy(rng.integers(2, vocab, (5, 3)))
    src[4, 0] = PAD
    tgt = torch.from_numpy(rng.integers(2, vocab, (4, 3)))
    tgt[0] = BOS
    tgt[3, 1] = PAD

    class Seq2SeqTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.Transformer(
                d_model=d_model, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                dim_feedforward=16, dropout=0.0,
            )  # fmt: skip
            self.generator = nn.Linear(d_model, vocab)
            self.src_tok_emb = nn.Embedding(vocab, d_model)
            self.tgt_tok_emb = nn.Embedding(vocab, d_model)
            self.register_buffer(
                "pos", torch.sin(torch.arange(20.0).unsqueeze(1) / (1 + torch.arange(d_model)))
            )

        def embed(self, emb, tokens):
            return emb(tokens) * math.sqrt(d_model) + self.pos[: tokens.size(0)].unsqueeze(1)

        def forward(self, src, trg, tgt_mask, src_padding_mask, tgt_padding_mask):
            outs = self.transformer(
                self.embed(self.src_tok_emb, src), self.embed(self.tgt_tok_emb, trg),
                None, tgt_mask, None, src_padding_mask, tgt_padding_mask, src_padding_mask,
            )  # fmt: skip
            return self.generator(outs)

    model = init(Seq2SeqTransformer())
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.98), eps=1e-9)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    tgt_input, tgt_out = tgt[:-1], tgt[1:]
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt_input.size(0))
    src_padding_mask, tgt_padding_mask = (
        (src == PAD).transpose(0, 1),
        (tgt_input == PAD).transpose(0, 1),
    )
    losses = []
    for _ in range(4):
        logits = model(src, tgt_input, tgt_mask, src_padding_mask, tgt_padding_mask)
        opt.zero_grad()
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        memory = model.transformer.encoder(model.embed(model.src_tok_emb, src[:, :1]))
        ys = torch.ones(1, 1).fill_(BOS).type(torch.long)
        for _ in range(3):
            mask = nn.Transformer.generate_square_subsequent_mask(ys.size(0)).type(torch.bool)
            out = model.transformer.decoder(model.embed(model.tgt_tok_emb, ys), memory, mask)
            prob = model.generator(out[-1])
            _, next_word = torch.max(prob, dim=1)
            ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word.item())], dim=0)
    return {"losses": losses, "decoded": ys.flatten().tolist(), "prob": prob.tolist()}


def rnn_name_classifier_with_packed_padded_batches(torch, init):
    """Char-RNN name classification with batches: names as one-hot sequences of different
    lengths padded by pad_sequence, packed with pack_padded_sequence(enforce_sorted=False),
    an nn.RNN whose last hidden state feeds a Linear and LogSoftmax, NLLLoss, SGD steps;
    then the top-2 predictions per name by topk, and the unpacked output's lengths."""
    nn = torch.nn
    rnn_utils = nn.utils.rnn
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = ["anna", "bo", "carlos", "di", "elena", "fu"]
    labels = torch.tensor([0, 1, 2, 1, 0, 1])

    def line_to_tensor(line):
        return nn.functional.one_hot(torch.tensor([letters.index(c) for c in line]), 26).float()

    class CharRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(26, 12)
            self.h2o = nn.Linear(12, 3)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, packed):
            out, hidden = self.rnn(packed)
            return self.softmax(self.h2o(hidden[0])), out

    seqs = [line_to_tensor(n) for n in names]
    lengths = torch.tensor([len(n) for n in names])
    padded = rnn_utils.pad_sequence(seqs)
    model = init(CharRNN())
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    criterion = nn.NLLLoss()
    losses = []
    for _ in range(5):
        packed = rnn_utils.pack_padded_sequence(padded, lengths, enforce_sorted=False)
        output, _ = model(packed)
        loss = criterion(output, labels)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 3)
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        packed = rnn_utils.pack_padded_sequence(padded, lengths, enforce_sorted=False)
        output, out = model(packed)
        top_v, top_i = output.topk(2)
        unpacked, out_lengths = rnn_utils.pad_packed_sequence(out, batch_first=True)
    return {
        "padded": list(padded.shape),
        "sorted indices": packed.sorted_indices.tolist(),
        "batch sizes": packed.batch_sizes.tolist(),
        "losses": losses,
        "top": [top_v.tolist(), top_i.tolist()],
        "unpacked": [
            list(unpacked.shape),
            out_lengths.tolist(),
            unpacked[1, 2:].abs().sum().item(),
        ],
    }


def dcgan_small_with_classname_weights_init(torch, init):
    """The DCGAN tutorial shrunk to 8x8 images: weights_init applied with Module.apply and
    m.__class__.__name__.find('Conv') / find('BatchNorm') (normal_ draws, then the recorded
    weights loaded), a generator of ConvTranspose2d, BatchNorm2d and ReLU ending in Tanh, a
    discriminator of Conv2d, LeakyReLU(0.2) and Sigmoid, BCELoss with real and fake labels,
    D and G Adam steps with betas (0.5, 0.999) and fake.detach() for D."""
    nn = torch.nn
    nz, ngf, ndf = 4, 8, 8

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    netG = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
        nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    netD = nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, 1, 4, 1, 0, bias=False),
        nn.Sigmoid(),
    )
    netG.apply(weights_init)
    netD.apply(weights_init)
    netG, netD = init(netG), init(netD)
    criterion = nn.BCELoss()
    optD = torch.optim.Adam(netD.parameters(), lr=0.0002 * 10, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=0.0002 * 10, betas=(0.5, 0.999))
    real = torch.tanh(_randn(torch, (6, 1, 8, 8), 35))
    history = []
    for step in range(3):
        noise = _randn(torch, (6, nz, 1, 1), 36 + step)
        netD.zero_grad()
        label = torch.full((6,), 1.0, dtype=torch.float)
        errD_real = criterion(netD(real).view(-1), label)
        errD_real.backward()
        fake = netG(noise)
        label.fill_(0.0)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        optD.step()
        netG.zero_grad()
        label.fill_(1.0)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optG.step()
        history.append([(errD_real + errD_fake).item(), errG.item(), D_G_z2])
    return {
        "history": history,
        "fake shape": list(fake.shape),
        "running mean": netG[1].running_mean.tolist(),
    }


def yolo_style_boxes_decoded_in_place_with_gradients(torch, init):
    """Detection heads decode their raw outputs by writing slices of a clone in place, with
    gradients on: y[..., 0:2] = (y[..., 0:2] * 2 - 0.5 + grid) * stride and
    y[..., 2:4] = (y[..., 2:4] * 2) ** 2 * anchor_grid on a clone of the sigmoid (YOLOv5's
    Detect, with gradients),
    boxes rescaled by boxes[:, [0, 2]] = boxes[:, [0, 2]] * scale_x, corners rotated with
    corners[:, :2] = corners[:, :2] @ rotation; an L1 loss on the decoded boxes trains the
    1x1 convolution head a few SGD steps."""
    nn = torch.nn
    na, no, ny, nx, stride = 2, 5, 3, 3, 8.0
    head = init(nn.Conv2d(4, na * no, 1))
    feature = _randn(torch, (1, 4, ny, nx), 37)
    anchors = torch.tensor([[10.0, 13.0], [16.0, 30.0]])
    yv, xv = torch.meshgrid(torch.arange(ny), torch.arange(nx), indexing="ij")
    grid = torch.stack((xv, yv), 2).expand(1, na, ny, nx, 2).float()
    anchor_grid = anchors.view(1, na, 1, 1, 2).expand(1, na, ny, nx, 2)
    target = torch.from_numpy(
        np.random.default_rng(38).uniform(0, 24, (1, na, ny, nx, 4)).astype(np.float32)
    )
    rotation = torch.tensor([[0.0, -1.0], [1.0, 0.0]])
    opt = torch.optim.SGD(head.parameters(), lr=1e-4)
    losses = []
    for _ in range(3):
        p = head(feature).view(1, na, no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
        y = p.sigmoid().clone()  # sigmoid saves its output: Detect writes into y under no_grad
        y[..., 0:2] = (y[..., 0:2] * 2 - 0.5 + grid) * stride
        y[..., 2:4] = (y[..., 2:4] * 2) ** 2 * anchor_grid
        boxes = y[..., :4].reshape(-1, 4).clone()
        boxes[:, [0, 2]] = boxes[:, [0, 2]] * 0.5
        corners = boxes.clone()
        corners[:, :2] = corners[:, :2] @ rotation
        loss = nn.functional.l1_loss(boxes, target.view(-1, 4)) + 1e-3 * corners.abs().sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {
        "losses": losses,
        "boxes": boxes[:4].tolist(),
        "corners": corners[:4].tolist(),
        "bias grad": head.bias.grad.tolist(),
    }


def feature_normalisation_written_into_columns(torch, init):
    """Rescaling written the way scripts do it, on features that need gradients (the output of
    a learned first layer): columns replaced by h[:, k] = h[:, k] / scales[k], a row by
    h[0] = h[0] * 2, two columns rotated by h[:, :2] = h[:, :2] @ rotation, all on a clone;
    both layers trained through it with Adam, and the first layer's gradients."""
    nn = torch.nn
    raw = _randn(torch, (10, 3), 39, scale=4.0)
    y = _randn(torch, (10, 1), 40)
    first, second = init(nn.Linear(3, 3)), init(nn.Linear(3, 1))
    opt = torch.optim.Adam([*first.parameters(), *second.parameters()], lr=0.05)
    scales = [4.0, 2.0, 8.0]
    rotation = torch.tensor([[0.6, -0.8], [0.8, 0.6]])
    losses = []
    for _ in range(4):
        h = first(raw).clone()
        for k in range(3):
            h[:, k] = h[:, k] / scales[k]
        h[0] = h[0] * 2
        h[:, :2] = h[:, :2] @ rotation
        loss = nn.functional.mse_loss(second(h), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {"losses": losses, "h": h.tolist(), "grad": first.weight.grad.tolist()}


def timing_hooks_with_always_call_around_failing_layers(torch, init):
    """A profiling recipe with module hooks: a forward pre-hook opens a record for each layer
    and an always_call forward hook closes it, so a layer whose forward raises (a shape
    check) or whose pre-hook rejects its input (a NaN guard) still gets its record closed;
    the model is called on good and bad inputs and the records are compared."""
    nn = torch.nn
    records = []

    class Checked(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x):
            if x.shape[-1] != 3:
                raise ValueError(f"expected 3 features, got {x.shape[-1]}")
            return self.linear(x)

    model = init(nn.Sequential(Checked(), nn.ReLU()))

    def opened(module, args):
        records.append(["open", type(module).__name__, list(args[0].shape)])

    def nan_guard(module, args):
        if torch.isnan(args[0]).any():
            raise ValueError("nan input")

    def closed(module, args, output):
        shape = None if output is None else list(output.shape)
        records.append(["close", type(module).__name__, shape])

    for layer in model:
        layer.register_forward_pre_hook(opened)
        layer.register_forward_pre_hook(nan_guard)
        layer.register_forward_hook(closed, always_call=True)
    outputs = []
    for x in (_randn(torch, (2, 3), 41), torch.ones(2, 4), torch.full((2, 3), float("nan"))):
        try:
            outputs.append(model(x).tolist())
        except ValueError as error:
            outputs.append(str(error))
    return {"records": records, "outputs": outputs}


def ema_of_weights_by_state_dict_loop(torch, init):
    """timm's ModelEmaV2 written out: a deepcopy of the model in eval() with requires_grad_
    False, updated under no_grad by ema_v.copy_(ema_v * decay + (1 - decay) * model_v) over
    zip(ema.state_dict().values(), model.state_dict().values()) (BatchNorm's counters too:
    integer tensors are copied as they are), and the EMA model evaluated after training."""
    import copy

    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1)))
    ema = copy.deepcopy(model)
    ema.eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    x, y = _randn(torch, (16, 3), 42), _randn(torch, (16, 1), 43)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    decay = 0.8
    for _ in range(4):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
        with torch.no_grad():
            for ema_v, model_v in zip(ema.state_dict().values(), model.state_dict().values()):
                if ema_v.dtype.is_floating_point:
                    ema_v.copy_(ema_v * decay + (1.0 - decay) * model_v)
                else:
                    ema_v.copy_(model_v)
    with torch.no_grad():
        out = ema(x[:4])
    return {
        "ema out": out.tolist(),
        "ema bn": [ema[1].running_mean.tolist(), ema[1].num_batches_tracked.item()],
        "requires grad": [p.requires_grad for p in ema.parameters()],
        "ema weight": ema[3].weight.tolist(),
    }


def parametrized_discriminator_with_spectral_and_weight_norm(torch, init):
    """The parametrizations recipe in a GAN discriminator: parametrizations.spectral_norm on
    the convolutions (its u and v buffers come with the state dict, so both libraries start
    from the same vectors), parametrizations.weight_norm on the head (original0 / original1),
    trained a few steps with the hinge loss; then parametrize.cached() for an evaluation pass,
    the state dict's keys, and remove_parametrizations leaving plain weights."""
    import importlib

    nn = torch.nn
    P = nn.utils.parametrizations
    parametrize = importlib.import_module(f"{torch.__name__}.nn.utils.parametrize")
    model = nn.Sequential(
        P.spectral_norm(nn.Conv2d(1, 4, 3, stride=2, padding=1)),
        nn.LeakyReLU(0.1),
        P.spectral_norm(nn.Conv2d(4, 8, 3, stride=2, padding=1)),
        nn.LeakyReLU(0.1),
        nn.Flatten(),
        P.weight_norm(nn.Linear(8 * 2 * 2, 1)),
    )
    model = init(model)
    real = _randn(torch, (6, 1, 8, 8), 44)
    fake = _randn(torch, (6, 1, 8, 8), 45, scale=2.0)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.0, 0.9))
    losses = []
    for _ in range(3):
        loss = (
            nn.functional.relu(1 - model(real)).mean() + nn.functional.relu(1 + model(fake)).mean()
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad(), parametrize.cached():
        scores = model(real)
        sigma = torch.linalg.matrix_norm(model[0].weight.flatten(1), ord=2).item()
    keys = list(model.state_dict().keys())
    parametrize.remove_parametrizations(model[5], "weight")
    parametrize.remove_parametrizations(model[0], "weight")
    return {
        "losses": losses,
        "scores": scores.tolist(),
        "sigma": sigma,
        "keys": keys,
        "after remove": [
            type(model[0]).__name__,
            parametrize.is_parametrized(model[2]),
            sorted(n for n, _ in model[5].named_parameters()),
        ],
    }


PROGRAMS = [
    nn_really_cnn_with_lambda_and_wrapped_loader,
    autograd_grad_with_create_graph_and_its_options,
    custom_function_setup_context_with_jvp_forward_ad,
    custom_function_sort_with_non_differentiable_indices,
    tensor_hooks_changing_gradients_and_retain_grad,
    forward_pre_hooks_with_kwargs_rewriting_calls,
    full_backward_hooks_and_pre_hooks_on_layers,
    checkpoint_with_optimizer_scheduler_and_weights_only,
    custom_sampler_batch_sampler_and_dict_collate,
    stack_chain_and_concat_of_subsets,
    weighted_sampler_for_an_imbalanced_dataset,
    step_multistep_and_lambda_schedulers_per_group,
    one_cycle_linear_and_cyclic_triangular2,
    warm_restarts_plateau_and_sequential_in_training,
    gradient_clipping_utilities_with_total_norms,
    init_inside_module_apply_by_layer_type,
    seq2seq_bahdanau_attention_decoder,
    char_rnn_generation_with_category_and_manual_sgd,
    word_language_model_gru_tied_with_repackaged_hidden,
    transformer_encoder_causal_with_positional_buffer,
    vae_on_digits_with_summed_bce,
    reinforce_with_baseline_on_a_chain_env,
    gru_forecaster_with_sliding_windows_and_rollout,
    tabular_model_with_embeddings_and_batchnorm,
    knowledge_distillation_cosine_and_regressor_losses,
    custom_pruning_method_and_pruning_hooks,
    swa_with_ema_averaged_model_and_update_bn,
    lbfgs_with_strong_wolfe_on_logistic_regression,
    maml_inner_loop_with_functional_call,
    grad_modes_on_generators_and_nested_contexts,
    autocast_float16_regions_in_a_training_step,
    dataset_getitems_and_unbatched_loading,
    backward_with_inputs_and_autograd_mechanics_notes,
    module_state_dict_options_and_extra_state,
    sdpa_and_multihead_attention_mask_forms,
    full_transformer_with_tgt_mask_and_memory_padding,
    rnn_name_classifier_with_packed_padded_batches,
    dcgan_small_with_classname_weights_init,
    yolo_style_boxes_decoded_in_place_with_gradients,
    feature_normalisation_written_into_columns,
    timing_hooks_with_always_call_around_failing_layers,
    ema_of_weights_by_state_dict_loop,
    parametrized_discriminator_with_spectral_and_weight_norm,
]
