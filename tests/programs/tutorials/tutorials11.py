"""Programs as students copy them (round 11): the corners of pytorch.org's tensor, autograd,
nn, optim, data and save/load tutorials and of the docs' examples that earlier rounds left
out (in-place methods and their versions, out= arguments, the NumPy bridge's shared memory,
item/tolist per dtype, print options, backward(gradient=v) and torch.autograd.functional,
buffers, module walks and strict=False loading, container modules, chained schedules,
optimizer state round trips, samplers and collate functions, checkpoints, the everyday
idioms) and a few small models. Each is a function of the library (`torch` is PyTorch or
minigrad) and of `init` (see tests/programs/conftest.py); data come from NumPy so that both
libraries see the same numbers."""

from __future__ import annotations

import copy
import io
import math

import numpy as np
from tutorials7 import _name, _randn, _shown
from tutorials9 import _raises


def in_place_methods_and_versions(torch, init):
    """The tensor tutorial's "operations that have a _ suffix are in-place": add_, mul_,
    clamp_, t_, unsqueeze_, squeeze_, fill_diagonal_, index_fill_, lerp_, addcmul_ and
    addcdiv_ each return the tensor itself and change it, a view sees the change of its
    base, and an in-place op on a leaf that requires grad raises."""
    x = torch.arange(6, dtype=torch.float32).view(2, 3)
    row = x[1]
    results = {
        "add_": [x.add_(1) is x, x.tolist(), row.tolist()],
        "mul_": [x.mul_(torch.tensor([1.0, 2.0, 3.0])).tolist(), row.tolist()],
        "clamp_": x.clamp_(2, 10).tolist(),
        "sub_alpha": x.sub_(torch.ones(2, 3), alpha=2).tolist(),
    }
    m = torch.zeros(3, 3)
    m.fill_diagonal_(5.0)
    v = torch.ones(1, 4)
    v.squeeze_(0)
    v.unsqueeze_(1)
    w = torch.arange(6.0).view(2, 3)
    w.t_()
    a, b, c = torch.ones(3), torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 8.0])
    leaf = torch.ones(2, requires_grad=True)
    results.update(
        {
            "fill_diagonal_": m.tolist(),
            "squeeze_unsqueeze_": list(v.shape),
            "t_": [list(w.shape), w.tolist()],
            "index_fill_": torch.zeros(2, 4).index_fill_(1, torch.tensor([0, 2]), -1.0).tolist(),
            "lerp_": torch.zeros(3).lerp_(c, 0.25).tolist(),
            "addcmul_": a.clone().addcmul_(b, c, value=0.5).tolist(),
            "addcdiv_": a.clone().addcdiv_(b, c, value=2).tolist(),
            "zero_": [torch.ones(2).zero_().tolist(), torch.ones(2).fill_(3).tolist()],
            "leaf": _raises(lambda: leaf.add_(1)),
            "no_grad_leaf": _in_place_under_no_grad(torch, leaf),
        }
    )
    return results


def _in_place_under_no_grad(torch, leaf):
    with torch.no_grad():
        leaf.mul_(3)
    return [leaf.tolist(), leaf.requires_grad, leaf.is_leaf]


def cat_stack_and_friends_with_out(torch, init):
    """torch.cat, torch.stack, torch.add, torch.mul, torch.matmul and torch.sum written with
    out= as the docs show them (the result lands in the given tensor, which is also returned),
    an empty out tensor resized to the result, and hstack/vstack/dstack/column_stack/row_stack
    on vectors and matrices."""
    a, b = torch.arange(6.0).view(2, 3), torch.ones(2, 3)
    out_cat = torch.empty(4, 3)
    returned = torch.cat((a, b), dim=0, out=out_cat)
    out_stack = torch.zeros(2, 2, 3)
    torch.stack([a, b], out=out_stack)
    resized = torch.empty(0)
    torch.cat([a, b], 1, out=resized)
    out_add = torch.empty(2, 3)
    torch.add(a, b, alpha=10, out=out_add)
    out_mul, out_mm, out_sum = torch.empty(2, 3), torch.empty(2, 2), torch.empty(3)
    torch.mul(a, 2, out=out_mul)
    torch.matmul(a, b.T, out=out_mm)
    torch.sum(a, 0, out=out_sum)
    u, v = torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])
    return {
        "cat": [returned is out_cat, out_cat.tolist()],
        "stack": out_stack.tolist(),
        "resized": [list(resized.shape), resized.tolist()],
        "add_mul": [out_add.tolist(), out_mul.tolist()],
        "matmul_sum": [out_mm.tolist(), out_sum.tolist()],
        "stacks": [
            torch.hstack((u, v)).tolist(),
            torch.vstack((u, v)).tolist(),
            torch.dstack((u, v)).tolist(),
            torch.column_stack((u, v)).tolist(),
            torch.row_stack((u, v)).tolist(),
            torch.hstack([a, b]).shape == (2, 6),
        ],
        "cat_dtypes": _name(torch.cat([u, torch.tensor([0.5])]).dtype),
        "cat_mismatch": _raises(lambda: torch.cat([a, torch.ones(3, 2)])),
        "stack_mismatch": _raises(lambda: torch.stack([a, torch.ones(3, 2)])),
    }


def numpy_bridge_shares_memory(torch, init):
    """The tensor tutorial's "Bridge with NumPy": t.numpy() and torch.from_numpy share memory
    both ways (t.add_(1) shows in the array, np.add(n, 1, out=n) in the tensor),
    torch.as_tensor shares while torch.tensor copies, numpy() of a tensor that requires grad
    raises until detached, and the dtypes that come across."""
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    after_add = n.tolist()
    n2 = np.ones(5)
    t2 = torch.from_numpy(n2)
    np.add(n2, 1, out=n2)
    shared = np.arange(4, dtype=np.int32)
    as_t, copied = torch.as_tensor(shared), torch.tensor(shared)
    shared[0] = 9
    w = torch.ones(2, requires_grad=True)
    return {
        "numpy_sees_add_": [after_add, type(n).__name__, str(n.dtype)],
        "tensor_sees_np_add": [t2.tolist(), _name(t2.dtype)],
        "as_tensor_vs_tensor": [as_t.tolist(), copied.tolist(), _name(as_t.dtype)],
        "requires_grad": [
            _raises(lambda: w.numpy()),
            w.detach().numpy().tolist(),
            w.numpy(force=True).tolist() if hasattr(w, "numpy") else None,
        ],
        "dtypes": [
            _name(torch.from_numpy(np.zeros(1, dtype=d)).dtype)
            for d in (
                np.float16,
                np.float32,
                np.float64,
                np.int8,
                np.uint8,
                np.int16,
                np.int32,
                np.int64,
                np.bool_,
            )
        ],
        "back": [
            str(torch.zeros(1, dtype=d).numpy().dtype)
            for d in (torch.float16, torch.float64, torch.int16, torch.bool)
        ],
    }


def item_and_tolist_on_every_dtype(torch, init):
    """x.item() and x.tolist() on each dtype minigrad shares with PyTorch: the Python type
    that comes back (bool, int, float), nested lists of 0-, 1- and 2-d tensors, and the
    RuntimeError of item() on more than one element."""
    dtypes = [
        torch.bool,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.float16,
        torch.float32,
        torch.float64,
    ]
    rows = []
    for dtype in dtypes:
        x = torch.tensor([[1, 0], [3, 2]], dtype=dtype)
        scalar = x[1, 0]
        rows.append(
            [
                _name(dtype),
                type(scalar.item()).__name__,
                scalar.item(),
                x.tolist(),
                type(x.tolist()[0][0]).__name__,
                scalar.tolist(),
                x[0].tolist(),
            ]
        )
    half = torch.tensor(0.1, dtype=torch.float16)
    return {
        "rows": rows,
        "half": [half.item(), torch.tensor(0.1).item(), torch.tensor(0.1).double().item()],
        "item_many": _raises(lambda: torch.ones(2).item()),
        "item_one": [torch.ones(1, 1).item(), torch.tensor([7]).item()],
        "empty": [torch.empty(0).tolist(), torch.zeros(2, 0).tolist()],
        "int_float": [int(torch.tensor(3.7)), float(torch.tensor(2)), bool(torch.tensor(0.0))],
    }


def print_options_in_turn(torch, init):
    """torch.set_printoptions as the docs show it: precision=2, sci_mode=False and True,
    threshold with edgeitems to summarise, linewidth to wrap, and profile='short' / 'full' /
    'default' to reset; each print compared as text."""
    x = torch.tensor([1.123456789, 22.5, 0.000123, -4.0])
    big = torch.arange(40.0)
    shown = {}
    try:
        torch.set_printoptions(precision=2)
        shown["precision"] = _shown(torch, x)
        torch.set_printoptions(sci_mode=True)
        shown["sci"] = [
            _shown(torch, x),
            _shown(torch, torch.zeros(2)),
            _shown(torch, torch.tensor(0.0)),
        ]
        torch.set_printoptions(sci_mode=False, precision=4)
        shown["no_sci"] = _shown(torch, torch.tensor([1e-8, 1.0, 12345.678]))
        torch.set_printoptions(threshold=10, edgeitems=2)
        shown["threshold"] = _shown(torch, big)
        shown["threshold_2d"] = _shown(torch, big.view(8, 5))
        torch.set_printoptions(profile="default")
        torch.set_printoptions(linewidth=30)
        shown["linewidth"] = _shown(torch, torch.arange(12.0) / 7)
        torch.set_printoptions(profile="short")
        shown["short"] = _shown(torch, x)
        torch.set_printoptions(profile="full")
        shown["full"] = _shown(torch, torch.arange(1001)).count(",")
    finally:
        torch.set_printoptions(profile="default")
    shown["default"] = _shown(torch, x)
    return shown


def requires_grad_detach_and_leaves(torch, init):
    """The autograd tutorial's bookkeeping: requires_grad_() on a tensor made without it,
    is_leaf and grad_fn along a chain, retain_grad() on an intermediate, detach() sharing
    storage (an in-place change shows in both) and detach_(), requires_grad on an integer
    tensor raising, and .grad of a non-leaf being None."""
    a = torch.tensor([2.0, 3.0])
    a.requires_grad_()
    b = a * a
    b.retain_grad()
    c = b.sum()
    e = (a * 2).detach_()
    c.backward()
    d = a.detach()
    d[0] = 10.0
    return {
        "flags": [a.requires_grad, a.is_leaf, b.is_leaf, c.is_leaf, d.requires_grad],
        "grad_fns": [b.grad_fn.name(), c.grad_fn.name(), a.grad_fn is None],
        "next_functions": _walk_next_functions(torch),
        "grads": [a.grad.tolist(), b.grad.tolist()],
        "detach_shares": [a.tolist(), d.tolist()],
        "detach_": [e.requires_grad, e.grad_fn is None, e.is_leaf],
        "int_grad": _raises(lambda: torch.tensor([1, 2]).requires_grad_()),
        "int_grad_ctor": _raises(lambda: torch.tensor([1, 2], requires_grad=True)),
        "float_ok": torch.tensor([1.0], dtype=torch.float64).requires_grad_().requires_grad,
        "off": a.requires_grad_(False).requires_grad,
    }


def _walk_next_functions(torch):
    """ "The Fundamentals of Autograd" walk: d = 2 * sin(a) + 1 down next_functions[0][0],
    each node's entries by name (AccumulateGrad's without PyTorch's C++ namespace)."""
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    d = 2 * torch.sin(a) + 1
    node, names = d.grad_fn, []
    while node is not None:
        names.append(
            [None if n is None else n.name().split("::")[-1] for n, _ in node.next_functions]
        )
        node = node.next_functions[0][0] if node.next_functions else None
    return names


def vector_jacobian_products_with_backward(torch, init):
    """The autograd tutorial's "Jacobian product" section: out = (inp + 1).pow(2).t() and
    out.backward(torch.ones_like(out), retain_graph=True) three times (the gradient
    accumulates), zeroed with inp.grad.zero_(); y = x * 2 grown by a loop and backward with
    v = [0.1, 1.0, 0.0001]; backward of a non-scalar without gradient raising; a second
    backward through a freed graph raising."""
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    second = inp.grad.clone()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 2
    steps = 0
    while y.data.norm() < 100:
        y = y * 2
        steps += 1
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    z = (x * x).sum()
    z.backward()
    return {
        "accumulated": [first.tolist(), second.tolist(), inp.grad.tolist()],
        "loop": [steps, y.tolist(), x.grad.tolist()],
        "non_scalar": _raises(lambda: (x * 3).backward()),
        "freed": _raises(lambda: z.backward()),
        "gradient_shape": _raises(lambda: (x * 3).backward(torch.ones(2))),
    }


def autograd_functional_api(torch, init):
    """torch.autograd.functional as its docs show it: jacobian of exp_reducer and of a
    two-input function (a tuple of tuples), vectorize=True, hessian of pow_reducer, vjp, jvp,
    hvp and vhp with their (output, product) pairs, and create_graph=True giving a result
    that can be differentiated again."""
    AF = torch.autograd.functional

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    def exp_adder(x, y):
        return 2 * x.exp() + 3 * y

    def pow_reducer(x):
        return x.pow(3).sum()

    def pow_adder_reducer(x, y):
        return (2 * x.pow(2) + 3 * y.pow(2)).sum()

    x = _randn(torch, (2, 2), 1).double()
    xs = (_randn(torch, (2,), 2).double(), _randn(torch, (2,), 3).double())
    v = torch.ones(2, dtype=torch.float64)
    jac = AF.jacobian(exp_reducer, x)
    jac_pair = AF.jacobian(exp_adder, xs)
    jac_vec = AF.jacobian(exp_reducer, x, vectorize=True)
    hess = AF.hessian(pow_reducer, x)
    hess_pair = AF.hessian(pow_adder_reducer, xs)
    out, vjp = AF.vjp(exp_reducer, x, v)
    out2, jvp = AF.jvp(exp_reducer, x, torch.ones(2, 2, dtype=torch.float64))
    out3, hvp = AF.hvp(pow_reducer, x, torch.ones(2, 2, dtype=torch.float64))
    out4, vhp = AF.vhp(pow_adder_reducer, xs, (v, v))
    xg = x.clone().requires_grad_()
    jac_graph = AF.jacobian(exp_reducer, xg, create_graph=True)
    jac_graph.sum().backward()
    return {
        "jacobian": [list(jac.shape), jac.tolist()],
        "jacobian_pair": [[list(j.shape) for j in jac_pair], [j.tolist() for j in jac_pair]],
        "vectorized": torch.allclose(jac, jac_vec),
        "hessian": [list(hess.shape), hess.tolist()],
        "hessian_pair": [[h.tolist() for h in row] for row in hess_pair],
        "vjp": [out.tolist(), vjp.tolist()],
        "jvp": [out2.tolist(), jvp.tolist()],
        "hvp": [out3.item(), hvp.tolist()],
        "vhp": [out4.item(), [t.tolist() for t in vhp]],
        "create_graph": [jac_graph.requires_grad, xg.grad.tolist()],
    }


def module_with_buffers_and_walks(torch, init):
    """A custom Module as the nn tutorial writes one: register_buffer (persistent and not),
    buffers in state_dict but not in parameters, named_modules / named_children /
    named_buffers / named_parameters with prefixes, get_submodule and get_parameter, and
    apply(init_fn) re-initialising every Linear with constants."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.register_buffer("running", torch.zeros(3))
            self.register_buffer("scratch", torch.ones(2), persistent=False)

        def forward(self, x):
            self.running.add_(x.mean(0))
            return self.fc(x) + self.scratch.sum()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = nn.Sequential(nn.ReLU(), nn.Linear(3, 1))

        def forward(self, x):
            return self.head(self.block(x))

    model = Net()

    def init_fn(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.1)
            nn.init.zeros_(m.bias)

    returned = model.apply(init_fn)
    out = model(torch.arange(6.0).view(2, 3))
    return {
        "apply": [returned is model, out.tolist()],
        "buffers": [[n, b.tolist()] for n, b in model.named_buffers()],
        "state_dict": list(model.state_dict().keys()),
        "parameters": [n for n, _ in model.named_parameters()],
        "parameters_prefix": [n for n, _ in model.block.named_parameters(prefix="blk")],
        "modules": [[n, type(m).__name__] for n, m in model.named_modules()],
        "children": [n for n, _ in model.named_children()],
        "submodule": [
            type(model.get_submodule("head.1")).__name__,
            list(model.get_parameter("head.1.weight").shape),
            _shown(torch, model.get_buffer("block.running")),
        ],
        "missing": _raises(lambda: model.get_submodule("head.7")),
        "counts": [
            len(list(model.modules())),
            len(list(model.buffers())),
            sum(p.numel() for p in model.parameters()),
        ],
    }


def load_state_dict_strict_false(torch, init):
    """Loading a checkpoint into a changed model: load_state_dict(strict=False) returns its
    missing_keys and unexpected_keys (a named tuple, printed), strict=True raises
    RuntimeError naming them, a size mismatch raises even with strict=False, and a full
    match prints <All keys matched successfully>."""
    nn = torch.nn
    old = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    new = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Linear(2, 2))
    state = old.state_dict()
    state["extra.weight"] = torch.zeros(1)
    result = new.load_state_dict(state, strict=False)
    same = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    matched = same.load_state_dict(old.state_dict())
    bad = {k: v for k, v in old.state_dict().items()}
    bad["0.weight"] = torch.zeros(4, 5)
    try:
        new.load_state_dict(state)
        strict_message = ""
    except RuntimeError as error:
        strict_message = str(error)
    return {
        "missing": result.missing_keys,
        "unexpected": result.unexpected_keys,
        "named_tuple": [_shown(torch, result), result[0] == result.missing_keys, len(result)],
        "loaded": torch.equal(new[0].weight, old[0].weight),
        "matched": [str(matched), matched.missing_keys, bool(matched)],
        "strict": [
            "Missing key(s)" in strict_message,
            "Unexpected key(s)" in strict_message,
            '"3.weight"' in strict_message,
        ],
        "size_mismatch": _raises(lambda: same.load_state_dict(bad, strict=False)),
    }


def container_modules_list_and_dicts(torch, init):
    """nn.ModuleList (append, extend, insert, slicing, negative index, len), nn.ModuleDict
    (keys, items, update, pop, in), nn.ParameterList and nn.ParameterDict holding the
    parameters a forward loops over; what the optimizer sees and what print shows."""
    nn = torch.nn
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    layers.append(nn.ReLU())
    layers.extend([nn.Linear(2, 2), nn.Tanh()])
    layers.insert(1, nn.Identity())
    acts = nn.ModuleDict({"relu": nn.ReLU(), "tanh": nn.Tanh()})
    acts.update({"sigmoid": nn.Sigmoid()})
    popped = acts.pop("tanh")
    plist = nn.ParameterList([nn.Parameter(torch.ones(2) * i) for i in range(3)])
    plist.append(nn.Parameter(torch.full((2,), 5.0)))
    pdict = nn.ParameterDict({"scale": nn.Parameter(torch.tensor(2.0))})
    pdict["shift"] = nn.Parameter(torch.tensor(-1.0))

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers, self.acts, self.plist, self.pdict = layers, acts, plist, pdict

    holder = init(Holder())
    x = torch.tensor([[1.0, -2.0]])
    for layer in holder.layers:
        x = layer(x)
    for p in holder.plist:
        x = x + p
    x = holder.acts["sigmoid"](x * holder.pdict["scale"] + holder.pdict["shift"])
    return {
        "list": [
            len(layers),
            [type(m).__name__ for m in layers],
            type(layers[-1]).__name__,
            [type(m).__name__ for m in layers[1:3]],
            type(layers[1:3]).__name__,
        ],
        "dict": [
            list(acts.keys()),
            type(popped).__name__,
            "relu" in acts,
            [k for k, _ in acts.items()],
        ],
        "params": [len(plist), list(pdict.keys()), [n for n, _ in holder.named_parameters()]],
        "out": x.tolist(),
        "repr": [_shown(torch, acts), _shown(torch, plist), _shown(torch, pdict)],
        "plus": _shown(torch, layers[:2] + [nn.Sigmoid()]),
    }


def chained_schedulers_step_by_step(torch, init):
    """The lr_scheduler docs' examples run for a few epochs each, the learning rates read with
    get_last_lr(): LambdaLR with two lambdas for two groups, MultiplicativeLR, ChainedScheduler
    of ConstantLR and ExponentialLR, SequentialLR of LinearLR warm-up then StepLR, and
    OneCycleLR with three_phase and linear annealing, its momentum cycled."""
    nn = torch.nn
    model = nn.Linear(2, 1)

    def run(optimizer, scheduler, steps):
        lrs = []
        for _ in range(steps):
            optimizer.step()
            scheduler.step()
            lrs.append([round(lr, 10) for lr in scheduler.get_last_lr()])
        return lrs

    sched = torch.optim.lr_scheduler
    opt = torch.optim.SGD([{"params": [model.weight]}, {"params": [model.bias]}], lr=0.1)
    lambdas = [lambda epoch: epoch // 2, lambda epoch: 0.9**epoch]
    lambda_lr = run(opt, sched.LambdaLR(opt, lr_lambda=lambdas), 5)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    mult = run(opt, sched.MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.95), 4)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    chained = sched.ChainedScheduler(
        [
            sched.ConstantLR(opt, factor=0.1, total_iters=2),
            sched.ExponentialLR(opt, gamma=0.9),
        ]
    )
    chain = run(opt, chained, 5)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    warm = sched.LinearLR(opt, start_factor=0.1, total_iters=2)
    decay = sched.StepLR(opt, step_size=2, gamma=0.5)
    sequential = run(opt, sched.SequentialLR(opt, [warm, decay], milestones=[2]), 7)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    one_cycle = sched.OneCycleLR(
        opt, max_lr=1.0, total_steps=8, three_phase=True, anneal_strategy="linear"
    )
    momenta = []
    for _ in range(7):
        opt.step()
        one_cycle.step()
        momenta.append(round(opt.param_groups[0]["momentum"], 10))
    return {
        "lambda": lambda_lr,
        "multiplicative": mult,
        "chained": chain,
        "sequential": sequential,
        "one_cycle": [one_cycle.get_last_lr(), momenta, opt.param_groups[0]["initial_lr"]],
    }


def reduce_on_plateau_modes(torch, init):
    """ReduceLROnPlateau fed a made-up validation curve: mode='min' with patience and
    cooldown, mode='max' with threshold_mode='abs', min_lr floors per group, eps ignoring
    tiny reductions, and the scheduler's state_dict round trip into a fresh one."""
    nn = torch.nn
    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="min", factor=0.5, patience=1, cooldown=1
    )
    losses = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.91, 0.91, 0.5, 0.6, 0.7]
    lrs = []
    for loss in losses:
        sched.step(loss)
        lrs.append(opt.param_groups[0]["lr"])
    opt2 = torch.optim.SGD(
        [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.1}], lr=1.0
    )
    acc = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt2,
        mode="max",
        factor=0.1,
        patience=0,
        threshold=0.05,
        threshold_mode="abs",
        min_lr=[0.01, 0.005],
        eps=1e-3,
    )
    acc_lrs = []
    for accuracy in [0.5, 0.6, 0.62, 0.64, 0.7, 0.71, 0.72, 0.73]:
        acc.step(accuracy)
        acc_lrs.append([g["lr"] for g in opt2.param_groups])
    state = sched.state_dict()
    fresh = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min")
    fresh.load_state_dict(state)
    return {
        "min": lrs,
        "max_abs": acc_lrs,
        "state": [
            state["best"],
            state["num_bad_epochs"],
            state["cooldown_counter"],
            fresh.patience,
            fresh.factor,
            fresh.get_last_lr(),
        ],
        "bad_mode": _raises(lambda: torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="up")),
        "bad_factor": _raises(lambda: torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=2)),
    }


def param_groups_edited_in_place(torch, init):
    """The optimizer docs' per-parameter options: a base group and a head group with its own
    lr and weight_decay, the lr of every group set by hand mid-training, a group added with
    add_param_group (its defaults filled in), a parameter in two groups raising, and the
    keys each group holds."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    extra = init(nn.Linear(2, 2))
    opt = torch.optim.SGD(
        [
            {"params": model[0].parameters()},
            {"params": model[2].parameters(), "lr": 0.05, "weight_decay": 0.1},
        ],
        lr=0.01,
        momentum=0.9,
    )
    x, y = _randn(torch, (6, 3), 1), _randn(torch, (6, 2), 2)
    losses = []
    for step in range(4):
        opt.zero_grad()
        loss = nn.functional.mse_loss(extra(model(x)), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step == 1:
            for group in opt.param_groups:
                group["lr"] *= 0.5
            opt.add_param_group({"params": extra.parameters(), "momentum": 0.0})
    return {
        "losses": losses,
        "groups": [
            [g["lr"], g["momentum"], g["weight_decay"], len(g["params"])] for g in opt.param_groups
        ],
        "keys": sorted(opt.param_groups[2].keys()),
        "weights": extra.weight.tolist(),
        "twice": _raises(lambda: opt.add_param_group({"params": [model[0].weight]})),
        "defaults": [opt.defaults["lr"], opt.defaults["momentum"], opt.defaults["nesterov"]],
    }


def optimizer_state_dict_resume(torch, init):
    """Resuming training: Adam's state_dict (state keyed by parameter index with step,
    exp_avg and exp_avg_sq; param_groups holding 'params' as indices) loaded into a fresh
    Adam gives the same next steps as the unbroken run; the step counts and key layout."""
    nn = torch.nn
    x, y = _randn(torch, (8, 3), 1), _randn(torch, (8, 1), 2)

    def train(model, opt, steps):
        out = []
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            out.append(loss.item())
        return out

    model = init(nn.Linear(3, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.05, betas=(0.8, 0.9), amsgrad=True)
    first = train(model, opt, 3)
    state = copy.deepcopy(opt.state_dict())  # state_dict() holds the live tensors
    saved_step = float(state["state"][0]["step"])
    snapshot = {k: v.clone() for k, v in model.state_dict().items()}
    unbroken = train(model, opt, 3)
    resumed_model = nn.Linear(3, 1)
    resumed_model.load_state_dict(snapshot)
    resumed_opt = torch.optim.Adam(resumed_model.parameters(), lr=0.05)
    resumed_opt.load_state_dict(state)
    resumed = train(resumed_model, resumed_opt, 3)
    return {
        "first": first,
        "unbroken": unbroken,
        "resumed": resumed,
        "layout": [
            sorted(state.keys()),
            sorted(state["state"].keys()),
            sorted(state["state"][0].keys()),
            state["param_groups"][0]["params"],
            saved_step,
            state["param_groups"][0]["betas"],
            resumed_opt.param_groups[0]["amsgrad"],
        ],
        "wrong_size": _raises(
            lambda: torch.optim.Adam([nn.Parameter(torch.ones(1))]).load_state_dict(state)
        ),
    }


def custom_dataset_sampler_and_batch_sampler(torch, init):
    """The data tutorial's custom Dataset (__len__, __getitem__ returning a dict), a custom
    Sampler yielding indices longest first, BatchSampler with and without drop_last, a
    DataLoader given batch_sampler=, and one given sampler= with batch_size; default_collate
    stacking the dict's tensors and numbers."""
    data = torch.utils.data
    lengths = [3, 1, 4, 1, 5, 9, 2]

    class Sequences(data.Dataset):
        def __len__(self):
            return len(lengths)

        def __getitem__(self, idx):
            return {"x": torch.full((2,), float(idx)), "length": lengths[idx], "name": f"s{idx}"}

    class LongestFirst(data.Sampler):
        def __init__(self, source):
            self.source = source

        def __iter__(self):
            return iter(sorted(range(len(self.source)), key=lambda i: -lengths[i]))

        def __len__(self):
            return len(self.source)

    ds = Sequences()
    sampler = LongestFirst(ds)
    batches = list(data.BatchSampler(sampler, batch_size=3, drop_last=False))
    dropped = list(data.BatchSampler(data.SequentialSampler(ds), batch_size=3, drop_last=True))
    by_batch_sampler = data.DataLoader(ds, batch_sampler=data.BatchSampler(sampler, 2, False))
    by_sampler = data.DataLoader(ds, sampler=sampler, batch_size=4)
    first = next(iter(by_batch_sampler))
    return {
        "batches": [batches, dropped, len(data.BatchSampler(sampler, 3, True))],
        "first": [
            sorted(first.keys()),
            first["x"].tolist(),
            first["length"].tolist(),
            first["name"],
            _name(first["length"].dtype),
        ],
        "by_batch_sampler": [b["length"].tolist() for b in by_batch_sampler],
        "by_sampler": [[len(by_sampler)], [b["name"] for b in by_sampler]],
        "both": _raises(lambda: data.DataLoader(ds, batch_sampler=batches, batch_size=2)),
        "shuffle_and_sampler": _raises(lambda: data.DataLoader(ds, sampler=sampler, shuffle=True)),
    }


def collate_fn_padding_variable_lengths(torch, init):
    """A collate_fn that pads variable-length sequences with nn.utils.rnn.pad_sequence
    (batch_first, padding_value), returns lengths and labels, and the batches fed to an
    nn.GRU through pack_padded_sequence; default_collate on tuples of numpy arrays, floats
    and ints for comparison."""
    nn, data = torch.nn, torch.utils.data
    rng = np.random.default_rng(4)
    seqs = [rng.normal(size=(n, 3)).astype(np.float32) for n in (4, 2, 5, 3, 1, 2)]
    labels = [0, 1, 1, 0, 1, 0]
    items = [(torch.from_numpy(s), label) for s, label in zip(seqs, labels)]

    def collate(batch):
        xs, ys = zip(*batch)
        lengths = torch.tensor([len(x) for x in xs])
        padded = nn.utils.rnn.pad_sequence(list(xs), batch_first=True, padding_value=-1.0)
        return padded, lengths, torch.tensor(ys)

    loader = data.DataLoader(items, batch_size=3, collate_fn=collate)
    gru = init(nn.GRU(3, 4, batch_first=True))
    outs = []
    for padded, lengths, ys in loader:
        packed = nn.utils.rnn.pack_padded_sequence(
            padded, lengths, batch_first=True, enforce_sorted=False
        )
        _, h = gru(packed)
        outs.append(
            [
                list(padded.shape),
                padded[:, -1, 0].tolist(),
                lengths.tolist(),
                ys.tolist(),
                h[0].tolist(),
            ]
        )
    plain = data.default_collate([(np.ones(2), 1.5, 3), (np.zeros(2), 2.5, 4)])
    return {
        "batches": outs,
        "default_collate": [
            [p.tolist() for p in plain],
            [_name(p.dtype) for p in plain],
        ],
    }


def random_split_and_weighted_sampling(torch, init):
    """random_split with lengths and with fractions (0.7, 0.2, 0.1) and a seeded generator:
    the sizes, disjoint covering indices, and the same split for the same seed;
    WeightedRandomSampler with replacement drawing mostly the heavy class, and without
    replacement drawing each index once; SubsetRandomSampler covering its subset."""
    data = torch.utils.data
    ds = data.TensorDataset(torch.arange(20.0), torch.arange(20) % 2)
    a, b, c = data.random_split(ds, [0.7, 0.2, 0.1], generator=torch.Generator().manual_seed(42))
    again = data.random_split(ds, [14, 4, 2], generator=torch.Generator().manual_seed(42))
    covered = sorted(a.indices + b.indices + c.indices)
    weights = [0.9 if i % 2 else 0.1 for i in range(20)]
    heavy = list(
        data.WeightedRandomSampler(
            weights, num_samples=200, replacement=True, generator=torch.Generator().manual_seed(0)
        )
    )
    once = list(data.WeightedRandomSampler(weights, num_samples=20, replacement=False))
    subset = list(data.SubsetRandomSampler([3, 5, 7, 9]))
    x, y = a[0]
    return {
        "sizes": [len(a), len(b), len(c), [len(s) for s in again]],
        "covered": covered == list(range(20)),
        "same_seed": a.indices == again[0].indices,
        "item": [type(a).__name__, _name(x.dtype), _name(y.dtype)],
        "heavy": [len(heavy), sum(i % 2 for i in heavy) > 150, type(heavy[0]).__name__],
        "once": sorted(once) == list(range(20)),
        "subset": sorted(subset),
        "bad_sum": _raises(lambda: data.random_split(ds, [10, 5])),
        "bad_weights": _raises(lambda: data.WeightedRandomSampler([0.5], num_samples=0)),
    }


def checkpoint_dict_with_weights_only(torch, init):
    """The save/load tutorial's general checkpoint: a dict with the epoch, the model's and
    the optimizer's state_dict and the loss, saved to a BytesIO and loaded with
    weights_only=True and with map_location='cpu'; training resumed from it matches the
    unbroken run; what the loaded dict holds."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = _randn(torch, (10, 4), 1), _randn(torch, (10, 1), 2)

    def step(m, o):
        o.zero_grad()
        loss = nn.functional.mse_loss(m(x), y)
        loss.backward()
        o.step()
        return loss

    for _ in range(2):
        loss = step(model, opt)
    buffer = io.BytesIO()
    torch.save(
        {
            "epoch": 2,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
            "loss": loss,
        },
        buffer,
    )
    unbroken = [step(model, opt).item() for _ in range(2)]
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    buffer.seek(0)
    mapped = torch.load(buffer, map_location="cpu")
    model2 = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    opt2 = torch.optim.SGD(model2.parameters(), lr=0.5)
    model2.load_state_dict(checkpoint["model_state_dict"])
    opt2.load_state_dict(checkpoint["optimizer_state_dict"])
    model2.train()
    resumed = [step(model2, opt2).item() for _ in range(2)]
    return {
        "unbroken": unbroken,
        "resumed": resumed,
        "checkpoint": [
            sorted(checkpoint.keys()),
            checkpoint["epoch"],
            _shown(torch, checkpoint["loss"]),
            opt2.param_groups[0]["lr"],
            list(checkpoint["model_state_dict"].keys()),
        ],
        "mapped": [str(mapped["loss"].device), mapped["loss"].requires_grad],
    }


def evaluation_loop_idioms(torch, init):
    """The everyday evaluation loop: torch.manual_seed, model.eval() under torch.no_grad(),
    argmax and topk for top-1 and top-3 accuracy, torch.where for confident predictions,
    masked_fill for padded logits, clamp of probabilities before log, einsum for a
    class-similarity matrix, and a train step with clip_grad_norm_'s returned total norm."""
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(0)
    model = init(nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 5)))
    x, y = _randn(torch, (12, 6), 1), torch.tensor([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model.train()
    model[2].p = 0.0  # dropout off for the comparison, still in train mode
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(x)
        top1 = logits.argmax(dim=1)
        _, top3 = logits.topk(3, dim=1)
        probs = logits.softmax(-1)
        confident = torch.where(probs.max(1).values > 0.3, top1, torch.full_like(top1, -1))
        padded = logits.masked_fill(torch.arange(5) >= 4, float("-inf"))
        nll = -probs.clamp(min=1e-6).log().gather(1, y[:, None]).mean()
        sim = torch.einsum("nc,nd->cd", probs, F.one_hot(y, 5).float())
    return {
        "train": [loss.item(), total.item(), _name(total.dtype)],
        "log": f"correct: {(top1 == y).sum()} of {y.numel()}, scale {torch.tensor(0.5) * 3}",
        "flags": [model.training, model[2].training, logits.requires_grad],
        "top1": [top1.tolist(), (top1 == y).float().mean().item()],
        "top3": (top3 == y[:, None]).any(dim=1).sum().item(),
        "confident": confident.tolist(),
        "padded": [padded[0].tolist(), padded.softmax(-1)[:, 4].sum().item()],
        "nll": nll.item(),
        "sim": sim.tolist(),
    }


def char_level_cells_step_by_step(torch, init):
    """A char-level model written with cells, as the RNN tutorials unroll them: an
    Embedding, nn.LSTMCell stepped over a word with (h, c) carried, nn.GRUCell and
    nn.RNNCell beside it, the loss summed over steps, one Adam step; then the same LSTM
    weights in nn.LSTM over the whole sequence give the same hidden states; greedy
    generation by argmax from a start letter."""
    nn, F = torch.nn, torch.nn.functional
    letters = "^helo$"
    word = [letters.index(ch) for ch in "^hello$"]

    class CharCells(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(len(letters), 4)
            self.lstm = nn.LSTMCell(4, 8)
            self.gru = nn.GRUCell(4, 8)
            self.rnn = nn.RNNCell(4, 8, nonlinearity="relu")
            self.out = nn.Linear(24, len(letters))

        def forward(self, idx, states):
            (h, c), g, r = states
            e = self.embed(idx)
            h, c = self.lstm(e, (h, c))
            g = self.gru(e, g)
            r = self.rnn(e, r)
            return self.out(torch.cat([h, g, r], dim=1)), ((h, c), g, r)

        def zero_states(self):
            z = torch.zeros(1, 8)
            return (z, z.clone()), z.clone(), z.clone()

    model = init(CharCells())
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    states = model.zero_states()
    loss = 0.0
    for a, b in zip(word[:-1], word[1:]):
        logits, states = model(torch.tensor([a]), states)
        loss = loss + F.cross_entropy(logits, torch.tensor([b]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    lstm = nn.LSTM(4, 8)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lstm, name + "_l0").copy_(getattr(model.lstm, name))
        first, _ = model.lstm(model.embed(torch.tensor(word[:1])))  # hx=None: zeros
        seq_out, (h_n, _) = lstm(model.embed(torch.tensor(word[:-1])).unsqueeze(1))
        states, idx, generated = model.zero_states(), torch.tensor([0]), []
        for _ in range(6):
            logits, states = model(idx, states)
            idx = logits.argmax(dim=1)
            generated.append(letters[idx.item()])
    return {
        "loss": loss.item(),
        "grad_norms": [p.grad.norm().item() for p in model.parameters()],
        "first_hidden": torch.allclose(first, seq_out[0], atol=1e-6),
        "seq": [list(seq_out.shape), h_n.tolist()],
        "generated": "".join(generated),
        "cells": [_shown(torch, model.lstm), _shown(torch, model.gru), _shown(torch, model.rnn)],
        "one_state": _raises(lambda: model.lstm(torch.ones(1, 4), torch.zeros(1, 8))),
    }


def tiny_transformer_encoder_layer(torch, init):
    """nn.TransformerEncoderLayer as the docs build it (d_model=8, nhead=2, batch_first,
    norm_first, activation='gelu', dropout=0) in nn.TransformerEncoder with a final
    LayerNorm: a causal mask from nn.Transformer.generate_square_subsequent_mask and a
    src_key_padding_mask together; outputs, a gradient step, and the printed layer."""
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(
        d_model=8,
        nhead=2,
        dim_feedforward=16,
        dropout=0.0,
        activation="gelu",
        batch_first=True,
        norm_first=True,
    )
    encoder = init(
        nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
    )
    x = _randn(torch, (2, 5, 8), 1)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
    out = encoder(x, mask=causal.isinf(), src_key_padding_mask=padding)  # both masks bool
    loss = out[~padding].pow(2).mean()
    loss.backward()
    grad = encoder.layers[0].self_attn.in_proj_weight.grad
    relu_layer = init(nn.TransformerEncoderLayer(8, 2, 16, 0.0))
    single = relu_layer(x.transpose(0, 1))
    return {
        "mask": causal.tolist(),
        "out": [list(out.shape), out[0].tolist(), out[1, :3].tolist()],
        "loss": loss.item(),
        "grad": [list(grad.shape), grad[:2].tolist()],
        "names": [n for n, _ in encoder.named_parameters()][:8],
        "single": [list(single.shape), single[0].tolist()],
        "repr": _shown(torch, layer),
        "bad_heads": _raises(lambda: nn.TransformerEncoderLayer(8, 3)),
    }


def embeddings_with_padding_idx(torch, init):
    """nn.Embedding's padding_idx (its row starts at zero and gets no gradient, even when
    looked up), a negative padding_idx, from_pretrained with freeze=True and False,
    max_norm renormalising the looked-up rows in place, nn.EmbeddingBag with offsets and
    mode='mean', per_sample_weights with mode='sum', and the errors for an index out of
    range and a float index."""
    nn = torch.nn
    emb = init(nn.Embedding(6, 3, padding_idx=0))
    batch = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0]])
    out = emb(batch)
    (out * torch.arange(12.0).view(1, 4, 3)).sum().backward()
    neg = nn.Embedding(5, 2, padding_idx=-2)
    weights = torch.arange(8.0).view(4, 2)
    frozen = nn.Embedding.from_pretrained(weights)
    trainable = nn.Embedding.from_pretrained(weights, freeze=False, padding_idx=3)
    capped = nn.Embedding.from_pretrained(weights.clone(), max_norm=2.0)
    looked = capped(torch.tensor([1, 3]))
    bag = nn.EmbeddingBag.from_pretrained(weights, mode="mean")
    bag_sum = nn.EmbeddingBag.from_pretrained(weights, mode="sum")
    flat, offsets = torch.tensor([0, 1, 2, 3, 3]), torch.tensor([0, 2])
    return {
        "out": [list(out.shape), out[0, 2].tolist(), emb.weight[0].tolist()],
        "grad": [
            emb.weight.grad[0].tolist(),
            emb.weight.grad[1].tolist(),
            emb.weight.grad[3].tolist(),
        ],
        "negative": [neg.padding_idx, neg.weight[3].tolist()],
        "pretrained": [
            frozen.weight.requires_grad,
            trainable.weight.requires_grad,
            trainable.padding_idx,
            _shown(torch, trainable),
        ],
        "max_norm": [looked.tolist(), capped.weight.tolist()],
        "bag": [
            bag(flat, offsets).tolist(),
            bag_sum(flat, offsets, per_sample_weights=torch.tensor([1.0, 2, 0.5, 1, -1])).tolist(),
            bag(torch.tensor([[0, 1], [2, 3]])).tolist(),
        ],
        "out_of_range": _raises(lambda: emb(torch.tensor([6]))),
        "float_index": _raises(lambda: emb(torch.tensor([1.0]))),
    }


def autograd_hooks_and_higher_order(torch, init):
    """Tensor hooks from the autograd docs: register_hook doubling a leaf's gradient and one
    on an intermediate printing (recording) what passes, handle.remove(); gradients
    accumulating over two backward calls with retain_graph; torch.autograd.grad with
    create_graph for the second and third derivatives of tanh; a Module's
    register_full_backward_hook seeing grad_input and grad_output shapes."""
    nn = torch.nn
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: g * 2)
    y = x.pow(2)
    y.register_hook(lambda g: seen.append(g.tolist()))
    z = (y * torch.tensor([1.0, 2.0, 3.0])).sum()
    z.backward(retain_graph=True)
    first = x.grad.clone()
    handle.remove()
    z.backward()
    t = torch.tensor([0.3, -0.7], requires_grad=True)
    (d1,) = torch.autograd.grad(torch.tanh(t).sum(), t, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), t, create_graph=True)
    (d3,) = torch.autograd.grad(d2.sum(), t)
    shapes = []
    layer = init(nn.Linear(3, 2))
    layer.register_full_backward_hook(
        lambda m, gin, gout: shapes.append(
            [[list(g.shape) for g in gin if g is not None], [list(g.shape) for g in gout]]
        )
    )
    inp = _randn(torch, (4, 3), 2).requires_grad_()
    layer(inp).sum().backward()
    return {
        "seen": seen,
        "grads": [first.tolist(), x.grad.tolist()],
        "tanh": [d1.tolist(), d2.tolist(), d3.tolist()],
        "module_hook": shapes,
        "inp_grad": inp.grad.tolist(),
    }


def custom_function_with_options(torch, init):
    """An autograd.Function taking a tensor and Python options (a clamp with a straight-
    through gradient): None returned for the options, ctx.needs_input_grad read,
    ctx.mark_non_differentiable on an integer side output, ctx.set_materialize_grads(False)
    with backward seeing None for an unused output; gradcheck passing on float64 and
    raising GradcheckError (a RuntimeError) on a wrong backward."""

    class StraightClamp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, low, high):
            ctx.set_materialize_grads(False)
            out = x.clamp(low, high)
            count = ((x < low) | (x > high)).sum()
            ctx.mark_non_differentiable(count)
            ctx.flags = list(ctx.needs_input_grad)
            return out, count

        @staticmethod
        def backward(ctx, grad_out, grad_count):
            return (None if grad_out is None else grad_out), None, None

    class WrongSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # missing the 2

    x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    out, count = StraightClamp.apply(x, -1.0, 1.0)
    (out * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    x64 = torch.tensor([0.2, -0.4], dtype=torch.float64, requires_grad=True)
    ok = torch.autograd.gradcheck(lambda a: StraightClamp.apply(a, -1.0, 1.0)[0], (x64,))
    try:
        torch.autograd.gradcheck(WrongSquare.apply, (x64,))
        wrong = ""
    except RuntimeError as error:
        wrong = type(error).__name__
    quiet = torch.autograd.gradcheck(WrongSquare.apply, (x64,), raise_exception=False)
    return {
        "out": [out.tolist(), count.item(), count.requires_grad, out.grad_fn.name()],
        "grad": x.grad.tolist(),
        "gradcheck": [ok, wrong, quiet],
    }


def tensor_creation_corners(torch, init):
    """The creation ops' corners from the docs: dtype inference (ints, floats, bools, mixed,
    NumPy scalars), *_like with dtype=, full's dtype from its fill value, arange with a
    float step, linspace/logspace, eye(n, m), torch.tensor of a list of 0-d tensors,
    as_tensor with dtype, empty shapes, and the errors of a ragged list."""
    return {
        "infer": [
            _name(torch.tensor(v).dtype)
            for v in (3, 3.0, True, [1, 2.5], [True, 1], np.float64(1.5), np.int32(2), [[1], [2]])
        ],
        "like": [
            _name(torch.zeros_like(torch.ones(2), dtype=torch.int64).dtype),
            torch.full_like(torch.ones(2, dtype=torch.int32), 7.9).tolist(),
            list(torch.empty_like(torch.ones(2, 3)).shape),
            torch.ones_like(torch.tensor([True, False])).tolist(),
            torch.rand_like(torch.ones(3)).shape == (3,),
        ],
        "full": [
            _name(torch.full((2,), 7).dtype),
            _name(torch.full((2,), True).dtype),
            _name(torch.full((2,), 1.5).dtype),
        ],
        "ranges": [
            len(torch.arange(0, 1, 0.1)),
            torch.arange(1, 2.5, 0.5).tolist(),
            _name(torch.arange(5).dtype),
            torch.linspace(-1, 1, steps=5).tolist(),
            torch.logspace(0, 2, steps=3).tolist(),
            torch.logspace(0, 3, steps=4, base=2).tolist(),
        ],
        "eye": [torch.eye(2, 3).tolist(), _name(torch.eye(2, dtype=torch.int64).dtype)],
        "from_scalars": [
            torch.tensor([torch.tensor(1.5), torch.tensor(2.0)]).tolist(),
            torch.stack([torch.tensor(1), torch.tensor(2)]).tolist(),
        ],
        "as_tensor": [
            torch.as_tensor([1, 2], dtype=torch.float32).tolist(),
            _name(torch.as_tensor(np.array([1, 2], dtype=np.int16)).dtype),
        ],
        "empty": [
            list(torch.zeros(0, 3).shape),
            torch.ones(2, 0).sum(1).tolist(),
            torch.tensor([]).dtype == torch.float32,
        ],
        "ragged": _raises(lambda: torch.tensor([[1, 2], [3]])),
        "negative": _raises(lambda: torch.zeros(-1)),
    }


def indexing_and_assignment_corners(torch, init):
    """Indexing from the tensor tutorial and the docs: boolean masks (reading and writing),
    lists of indices, None and Ellipsis, x[mask] = 0 in place, index_put_ with and without
    accumulate (repeated indices), x[idx] += 1 keeping one increment per repeated index,
    a slice's fill_ reaching the base, negative steps raising ValueError, and an index
    out of range raising IndexError."""
    x = torch.arange(12.0).view(3, 4)
    picked = [
        x[x > 6].tolist(),
        x[[0, 2]].tolist(),
        x[[0, 1], [3, 2]].tolist(),
        list(x[:, None].shape),
        x[..., 1].tolist(),
        list(x[None, ..., None].shape),
        x[torch.tensor(1)].tolist(),
        x[1:, torch.tensor([0, 3])].tolist(),
    ]
    y = x.clone()
    y[y > 6] = 0
    y[:, 1] = torch.tensor([-1.0, -2.0, -3.0])
    z = torch.zeros(5)
    z.index_put_((torch.tensor([0, 2, 2]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    w = torch.zeros(5)
    idx = torch.tensor([1, 1, 4])
    w[idx] += 1
    base = torch.zeros(2, 4)
    base[:, 1:3].fill_(7)
    row = base[1]
    row += 1
    return {
        "picked": picked,
        "assigned": y.tolist(),
        "accumulate": z.tolist(),
        "repeated": w.tolist(),
        "base": base.tolist(),
        "negative_step": _raises(lambda: x[::-1]),
        "out_of_range": _raises(lambda: x[3]),
        "too_many": _raises(lambda: x[0, 0, 0]),
        "bool_shape": _raises(lambda: x[torch.tensor([True, False])]),
    }


def type_promotion_in_practice(torch, init):
    """The type promotion rules the docs table shows, as programs meet them: int tensor with
    a float scalar, int32 with int64, uint8 overflow wrapping, bool arithmetic, int
    division giving floats, float16 with float32, comparisons giving bool, torch.result_type
    and promote_types, and the RuntimeError of an in-place op that would need a wider type."""
    i32 = torch.tensor([1, 2], dtype=torch.int32)
    u8 = torch.tensor([250, 5], dtype=torch.uint8)
    return {
        "mixed": [
            _name((torch.tensor([1, 2]) * 1.5).dtype),
            _name((i32 + torch.tensor([1])).dtype),
            _name((i32 + 1).dtype),
            _name((i32 * 2.0).dtype),
            _name((torch.tensor([1.0], dtype=torch.float16) + torch.tensor([1.0])).dtype),
            _name((torch.tensor([1.0], dtype=torch.float16) + 1.0).dtype),
            _name((torch.tensor([1.0], dtype=torch.float64) + torch.tensor(1.0)).dtype),
            _name((torch.tensor([1]) + torch.tensor(1.0)).dtype),
        ],
        "wrap": [(u8 + 10).tolist(), (u8 - 6).tolist(), _name((u8 + 10).dtype)],
        "bool": [
            (torch.tensor([True, False]) + torch.tensor([True, True])).tolist(),
            (torch.tensor([True, False]) * 3).tolist(),
            torch.tensor([True, True]).sum().item(),
        ],
        "division": [
            (torch.tensor([3, 4]) / 2).tolist(),
            (torch.tensor([3, 4]) // 2).tolist(),
            _name((torch.tensor([3]) / torch.tensor([2])).dtype),
        ],
        "compare": [
            _name((i32 > 1).dtype),
            (torch.tensor([1, 2]) == torch.tensor([1.0, 2.5])).tolist(),
        ],
        "rules": [
            _name(torch.result_type(i32, 2.5)),
            _name(torch.promote_types(torch.int8, torch.uint8)),
            torch.can_cast(torch.float64, torch.int32),
            torch.can_cast(torch.int32, torch.float32),
        ],
        "in_place": [
            _raises(lambda: torch.tensor([1, 2]).add_(0.5)),
            torch.tensor([1.0, 2.0]).add_(torch.tensor([1, 1])).tolist(),
        ],
    }


def batch_norm_running_statistics(torch, init):
    """BatchNorm as the docs describe its statistics: running_mean/var updated with
    momentum in train mode, used in eval mode, momentum=None giving the cumulative average,
    num_batches_tracked counting batches and saved in state_dict, a checkpoint without it
    loading with strict=True, track_running_stats=False using batch statistics in eval,
    and the ValueError of one value per channel in training."""
    nn = torch.nn
    x1 = _randn(torch, (6, 3), 1) * 2 + 1
    x2 = _randn(torch, (6, 3), 2) - 0.5
    bn = init(nn.BatchNorm1d(3))
    cumulative = nn.BatchNorm1d(3, momentum=None)
    no_stats = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    train_out = [bn(x1), bn(x2), cumulative(x1), cumulative(x2)]
    bn.eval()
    no_stats.eval()
    eval_out = bn(x1[:2])
    old = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    fresh = nn.BatchNorm1d(3)
    loaded = fresh.load_state_dict(old)
    bn2d = nn.BatchNorm2d(2)
    image = _randn(torch, (2, 2, 3, 3), 3)
    bn2d(image)
    return {
        "train": [t.tolist() for t in train_out],
        "running": [
            bn.running_mean.tolist(),
            bn.running_var.tolist(),
            bn.num_batches_tracked.item(),
            _name(bn.num_batches_tracked.dtype),
        ],
        "cumulative": [cumulative.running_mean.tolist(), cumulative.running_var.tolist()],
        "eval": eval_out.tolist(),
        "state": [list(bn.state_dict().keys()), str(loaded), fresh.num_batches_tracked.item()],
        "no_stats": [no_stats(x1[:3]).tolist(), no_stats.running_mean is None],
        "bn2d": [bn2d.running_mean.tolist(), bn2d.running_var.tolist()],
        "one_value": _raises(lambda: nn.BatchNorm1d(3)(torch.ones(1, 3))),
        "repr": [_shown(torch, cumulative), _shown(torch, no_stats)],
    }


def datasets_composed_and_collated(torch, init):
    """The data API's building blocks together: TensorDataset slicing, ConcatDataset (its
    cumulative_sizes, a negative index), Subset, StackDataset, a DataLoader with
    drop_last (its len), batch_size=None (no batching), an IterableDataset batched by the
    loader, and default_collate of dicts, namedtuples, strings and nested lists."""
    from collections import namedtuple

    data = torch.utils.data
    numbers = data.TensorDataset(torch.arange(6.0), torch.arange(6) % 3)
    more = data.TensorDataset(torch.arange(10.0, 13.0), torch.tensor([0, 1, 2]))
    both = data.ConcatDataset([numbers, more])
    picked = data.Subset(both, [8, 0, 5])
    stacked = data.StackDataset(numbers=numbers, doubled=torch.arange(6) * 2)
    loader = data.DataLoader(both, batch_size=4, drop_last=True)

    class Countdown(data.IterableDataset):
        def __iter__(self):
            return iter(range(7, 0, -1))

    Point = namedtuple("Point", "x y")
    items = [
        {"name": "a", "pos": Point(1, 2.0), "tags": [1, 2]},
        {"name": "b", "pos": Point(3, 4.0), "tags": [3, 4]},
    ]
    batch = data.default_collate(items)
    return {
        "slice": [[t.tolist() for t in numbers[1:3]], len(numbers)],
        "concat": [
            len(both),
            both.cumulative_sizes,
            [t.tolist() for t in both[-1]],
            [t.tolist() for t in both[7]],
        ],
        "subset": [len(picked), [[t.tolist() for t in picked[i]] for i in range(3)]],
        "stacked": [
            len(stacked),
            [t.item() for t in stacked[2]["numbers"]],
            stacked[2]["doubled"].item(),
        ],
        "loader": [len(loader), [[t.tolist() for t in b] for b in loader]],
        "unbatched": [t.tolist() for t in data.DataLoader(torch.arange(3), batch_size=None)],
        "iterable": [b.tolist() for b in data.DataLoader(Countdown(), batch_size=3)],
        "collate": [
            batch["name"],
            type(batch["pos"]).__name__,
            batch["pos"].x.tolist(),
            batch["pos"].y.tolist(),
            [t.tolist() for t in batch["tags"]],
        ],
    }


def loss_functions_with_reductions(torch, init):
    """The loss modules of the docs each with reduction='none', 'sum' and 'mean' and their
    options (CrossEntropyLoss with class weights, ignore_index and label_smoothing,
    NLLLoss on a (N, C, H, W) map, BCEWithLogitsLoss with pos_weight, KLDivLoss with
    'batchmean' and log_target, SmoothL1Loss with beta, HuberLoss with delta,
    MarginRankingLoss, CosineEmbeddingLoss, TripletMarginLoss), and each input's gradient."""
    nn = torch.nn
    logits = _randn(torch, (4, 3), 1).requires_grad_()
    target = torch.tensor([0, 2, 1, -1])
    seg = _randn(torch, (2, 3, 2, 2), 2).requires_grad_()
    seg_target = torch.tensor([[[0, 1], [2, 2]], [[1, 0], [1, 2]]])
    a, b = _randn(torch, (4, 3), 3).requires_grad_(), _randn(torch, (4, 3), 4)
    sign = torch.tensor([1.0, -1.0, 1.0, -1.0])
    cases = {
        "cross_entropy": lambda r: nn.CrossEntropyLoss(
            weight=torch.tensor([1.0, 2.0, 0.5]), ignore_index=-1, label_smoothing=0.1, reduction=r
        )(logits, target),
        "nll_2d": lambda r: nn.NLLLoss(reduction=r)(seg.log_softmax(1), seg_target),
        "bce_logits": lambda r: nn.BCEWithLogitsLoss(
            pos_weight=torch.tensor([2.0, 1.0, 0.5]), reduction=r
        )(a, b.sigmoid()),
        "kl_batchmean": lambda r: nn.KLDivLoss(
            reduction="batchmean" if r == "mean" else r, log_target=True
        )(a.log_softmax(1), b.log_softmax(1)),
        "smooth_l1": lambda r: nn.SmoothL1Loss(reduction=r, beta=0.5)(a, b),
        "huber": lambda r: nn.HuberLoss(reduction=r, delta=0.7)(a, b),
        "ranking": lambda r: nn.MarginRankingLoss(margin=0.2, reduction=r)(a[:, 0], b[:, 0], sign),
        "cosine": lambda r: nn.CosineEmbeddingLoss(margin=0.1, reduction=r)(a, b, sign),
        "triplet": lambda r: nn.TripletMarginLoss(margin=1.0, reduction=r)(a, b, b.flip(0)),
    }
    results = {}
    for name, make in cases.items():
        values = []
        for reduction in ("none", "sum", "mean"):
            loss = make(reduction)
            values.append([list(loss.shape), loss.tolist()])
        for t in (logits, seg, a):
            t.grad = None
        make("mean").backward()
        grads = [None if t.grad is None else t.grad.tolist() for t in (logits, seg, a)]
        results[name] = [values, grads]
    return results


def nn_utils_vectors_fusion_and_weight_norm(torch, init):
    """torch.nn.utils beyond clipping: parameters_to_vector and vector_to_parameters (a
    round trip and an edit), clip_grad_value_, fuse_conv_bn_eval giving the eval-mode
    Conv2d + BatchNorm2d output from one conv, and parametrizations.weight_norm's
    original0/original1 (g and v) with the forward unchanged."""
    nn = torch.nn
    model = init(nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)))
    vec = nn.utils.parameters_to_vector(model.parameters())
    nn.utils.vector_to_parameters(vec * 2, model.parameters())
    model(torch.ones(1, 3)).sum().backward()
    nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    conv, bn = init(nn.Conv2d(2, 3, 3, padding=1)), init(nn.BatchNorm2d(3))
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor([0.1, -0.2, 0.3]))
        bn.running_var.copy_(torch.tensor([0.5, 2.0, 1.5]))
    conv.eval()
    bn.eval()
    fused = nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
    image = _randn(torch, (1, 2, 4, 4), 1)
    with torch.no_grad():
        separate, together = bn(conv(image)), fused(image)
    linear = init(nn.Linear(3, 2))
    before = linear(torch.ones(1, 3))
    normed = nn.utils.parametrizations.weight_norm(linear)
    after = normed(torch.ones(1, 3))
    original = normed.parametrizations.weight
    return {
        "vector": [list(vec.shape), vec.tolist(), model[0].weight.tolist()],
        "clipped": [p.grad.tolist() for p in model.parameters()],
        "fused": [
            type(fused).__name__,
            torch.allclose(separate, together, atol=1e-5),
            fused.weight.shape == conv.weight.shape,
            fused.bias.tolist(),
        ],
        "weight_norm": [
            [n for n, _ in normed.named_parameters()],
            original.original0.tolist(),
            torch.allclose(before, after, atol=1e-6),
        ],
        "short_vector": _raises(
            lambda: nn.utils.vector_to_parameters(torch.zeros(3), linear.parameters())
        ),
    }


def printing_modules_optimizers_and_parameters(torch, init):
    """What print shows for the objects around a model: a Parameter ("Parameter
    containing:"), one without grad, a nested model with a custom extra_repr and a
    ModuleList of repeated blocks (collapsed as "(0-2): 3 x"), an SGD and an Adam optimizer
    with two parameter groups, torch.Size, dtypes and devices."""
    nn = torch.nn

    class Scale(nn.Module):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def extra_repr(self):
            return f"factor={self.factor}"

        def forward(self, x):
            return x * self.factor

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList(
                [nn.Sequential(nn.Linear(4, 4), nn.GELU()) for _ in range(3)]
            )
            self.scale = Scale(0.5)
            self.head = nn.Linear(4, 2, bias=False)

    net = Net()
    param = nn.Parameter(torch.tensor([1.0, -2.0]))
    sgd = torch.optim.SGD(
        [{"params": net.blocks.parameters()}, {"params": net.head.parameters(), "lr": 0.01}],
        lr=0.1,
        momentum=0.9,
        nesterov=True,
    )
    adam = torch.optim.Adam(net.parameters(), lr=3e-4, weight_decay=1e-2)
    return {
        "param": [
            _shown(torch, param),
            _shown(torch, nn.Parameter(torch.ones(2), requires_grad=False)),
        ],
        "net": _shown(torch, net),
        "sgd": _shown(torch, sgd),
        "adam": _shown(torch, adam),
        "misc": [
            _shown(torch, torch.Size([2, 3])),
            _shown(torch, torch.float64),
            _shown(torch, torch.device("cpu")),
            repr(torch.device("cpu")),
            _shown(torch, torch.ones(2, dtype=torch.int32).dtype),
        ],
    }


def torch_func_transforms_with_options(torch, init):
    """torch.func's options as its docs use them: grad with argnums and has_aux, vmap with
    in_dims including None and out_dims, chunk_size, per-sample gradients from
    functional_call + vmap(grad) equal to a loop of backward calls, jacrev and jacfwd
    agreeing, and hessian of a small function."""
    nn, F = torch.nn, torch.nn.functional
    func = torch.func
    model = init(nn.Linear(3, 2))
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = _randn(torch, (5, 3), 1), torch.tensor([0, 1, 1, 0, 1])

    def loss_fn(p, xi, yi):
        out = func.functional_call(model, p, (xi.unsqueeze(0),))
        return F.cross_entropy(out, yi.unsqueeze(0))

    per_sample = func.vmap(func.grad(loss_fn), in_dims=(None, 0, 0))(params, x, y)
    loop = []
    for i in range(5):
        model.zero_grad()
        F.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
        loop.append(model.weight.grad.clone())

    def f(a, b):
        return (a * b).sum() ** 2, a.sum()

    ga, aux = func.grad(f, argnums=0, has_aux=True)(
        torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    )
    gab = func.grad(lambda a, b: (a * b).sum() ** 2, argnums=(0, 1))(
        torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    )
    batched = func.vmap(lambda a, b: a * b + 1, in_dims=(0, None), out_dims=1, chunk_size=2)(
        torch.arange(6.0).view(3, 2), torch.tensor([10.0, 20.0])
    )

    def g(v):
        return torch.stack([v[0] ** 2 * v[1], v[1].sin()])

    v = torch.tensor([0.5, 1.5])
    return {
        "per_sample": [
            list(per_sample["weight"].shape),
            torch.allclose(per_sample["weight"], torch.stack(loop), atol=1e-6),
            per_sample["bias"].tolist(),
        ],
        "grad": [ga.tolist(), aux.item(), [t.tolist() for t in gab]],
        "vmap": [list(batched.shape), batched.tolist()],
        "jac": [func.jacrev(g)(v).tolist(), torch.allclose(func.jacrev(g)(v), func.jacfwd(g)(v))],
        "hessian": func.hessian(lambda v: (v**3).sum() + v[0] * v[1])(v).tolist(),
    }


def convolutions_with_same_padding_and_modes(torch, init):
    """nn.Conv1d / Conv2d with padding='same' as the docs allow it for any kernel: an even
    kernel (PyTorch pads the odd one on the right), dilation, and the padding modes
    ('circular' for a periodic signal, 'reflect', 'replicate') with 'same' and 'valid';
    output shapes, values, gradients, and what print shows."""
    nn = torch.nn
    signal = torch.sin(torch.arange(8.0) * math.pi / 4).view(1, 1, 8).requires_grad_()
    layers = [
        nn.Conv1d(1, 2, 4, padding="same"),
        nn.Conv1d(1, 2, 4, padding="same", padding_mode="circular"),
        nn.Conv1d(1, 2, 3, padding="same", dilation=3, padding_mode="reflect"),
        nn.Conv1d(1, 2, 2, padding="valid", padding_mode="replicate"),
    ]
    outs = []
    for layer in layers:
        init(layer)
        out = layer(signal)
        (out * out).sum().backward()
        outs.append([list(out.shape), out.tolist(), signal.grad.tolist()])
        signal.grad = None
    conv2d = init(nn.Conv2d(2, 3, (2, 3), padding="same", dilation=(1, 2), bias=False))
    image = _randn(torch, (1, 2, 5, 6), 1)
    return {
        "conv1d": outs,
        "conv2d": [list(conv2d(image).shape), conv2d(image)[0, 0].tolist()],
        "functional": torch.nn.functional.conv1d(
            signal.detach(), torch.ones(1, 1, 2), padding="same"
        ).tolist(),
        "repr": [_shown(torch, layer) for layer in layers],
        "strided": _raises(lambda: nn.Conv1d(1, 1, 2, stride=2, padding="same")),
    }


PROGRAMS = [
    in_place_methods_and_versions,
    cat_stack_and_friends_with_out,
    numpy_bridge_shares_memory,
    item_and_tolist_on_every_dtype,
    print_options_in_turn,
    requires_grad_detach_and_leaves,
    vector_jacobian_products_with_backward,
    autograd_functional_api,
    module_with_buffers_and_walks,
    load_state_dict_strict_false,
    container_modules_list_and_dicts,
    chained_schedulers_step_by_step,
    reduce_on_plateau_modes,
    param_groups_edited_in_place,
    optimizer_state_dict_resume,
    custom_dataset_sampler_and_batch_sampler,
    collate_fn_padding_variable_lengths,
    random_split_and_weighted_sampling,
    checkpoint_dict_with_weights_only,
    evaluation_loop_idioms,
    char_level_cells_step_by_step,
    tiny_transformer_encoder_layer,
    embeddings_with_padding_idx,
    autograd_hooks_and_higher_order,
    custom_function_with_options,
    tensor_creation_corners,
    indexing_and_assignment_corners,
    type_promotion_in_practice,
    batch_norm_running_statistics,
    datasets_composed_and_collated,
    loss_functions_with_reductions,
    nn_utils_vectors_fusion_and_weight_norm,
    printing_modules_optimizers_and_parameters,
    torch_func_transforms_with_options,
    convolutions_with_same_padding_and_modes,
]
