"""nn.Module, optimizer, scheduler and state-dict semantics, differentially: each scenario
below is one function of the library (`L`, torch or minigrad) that builds, edits, saves,
loads, hooks or steps something and returns what a program could observe (values, keys,
reprs, types, the exception type raised, and where the text is a contract, its message).
The test runs it under both and compares the outcomes.

What still differs is in KNOWN with the reason (docs/nn.md says why); for those the test
asserts that the outcomes still differ, so that a fix shows up.
"""

from __future__ import annotations

import copy
import math
import re
import warnings

import pytest
import torch

import minigrad


def _text(value: str) -> str:
    """A text as either library would print it: the library's name made neutral."""
    return re.sub(r"\b(torch|minigrad)\b", "T", value)


def observe(value):
    """value as plain data both libraries' results can be compared by."""
    if isinstance(value, (torch.Tensor, minigrad.Tensor)):
        kind = "param" if isinstance(value, (torch.nn.Parameter, minigrad.nn.Parameter)) else ""
        return ("tensor", kind, _text(str(value.dtype)), observe(value.detach().tolist()))
    if isinstance(value, (torch.dtype, minigrad.dtype)):
        return _text(str(value))
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, (list, tuple)):
        return [observe(v) for v in value]
    if isinstance(value, dict):
        return {observe(k): observe(v) for k, v in value.items()}
    return value


def raised(fn, message: bool = False):
    """What fn() raises: its exception type (and, with message, its neutral text), or
    ("ok", what it returned)."""
    try:
        return ("ok", observe(fn()))
    except Exception as error:  # the outcome to compare
        return (type(error).__name__, _text(str(error))) if message else type(error).__name__


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def _net(L):
    """A small net with a nested Sequential, a buffer, a non-persistent buffer and a shared
    Linear (used twice)."""
    L.manual_seed(0)
    shared = L.nn.Linear(2, 2)
    net = L.nn.Sequential(
        L.nn.Linear(3, 2), L.nn.BatchNorm1d(2), L.nn.Sequential(shared, L.nn.ReLU(), shared)
    )
    net.register_buffer("scale", L.ones(2))
    net.register_buffer("cache", L.zeros(1), persistent=False)
    return net


# -- the known differences of the brief ----------------------------------------------------
@scenario
def lazy_linear_class_after_initialize_and_load(L):
    m = L.nn.LazyLinear(3)
    before = [type(m).__name__, m.has_uninitialized_params(), repr(m)]
    m.initialize_parameters(L.ones(2, 4))
    after_init = [type(m).__name__, m.has_uninitialized_params(), repr(m), list(m.weight.shape)]
    m(L.ones(2, 4))
    loaded = L.nn.LazyLinear(3)
    loaded.load_state_dict({"weight": L.ones(3, 5), "bias": L.zeros(3)})
    after_load = [type(loaded).__name__, repr(loaded), loaded.weight.sum().item()]
    loaded(L.ones(1, 5))
    return before, after_init, type(m).__name__, after_load, repr(loaded)


@scenario
def lazy_conv_and_norm_after_load(L):
    conv, norm = L.nn.LazyConv2d(4, 3), L.nn.LazyBatchNorm1d()
    conv.load_state_dict(L.nn.Conv2d(2, 4, 3).state_dict())
    norm.load_state_dict(L.nn.BatchNorm1d(3).state_dict())
    out = [type(conv).__name__, repr(conv), type(norm).__name__, repr(norm)]
    conv(L.ones(1, 2, 5, 5)), norm(L.ones(4, 3))
    free = L.nn.LazyBatchNorm1d(affine=False, track_running_stats=False)
    free(L.ones(4, 3))
    return out, repr(conv), repr(norm), type(free).__name__, repr(free)


@scenario
def lazy_uninitialized_parameter_use(L):
    p = L.nn.LazyLinear(3).weight
    uses = {
        "add": lambda: p + 1,
        "mul": lambda: L.mul(p, 2),
        "linear": lambda: L.nn.functional.linear(L.ones(2, 2), p),
        "sum": lambda: p.sum(),
        "detach": lambda: p.detach(),
        "zero_": lambda: p.zero_(),
        "tolist": lambda: p.tolist(),
        "shape": lambda: p.shape,
    }
    out = {k: raised(f) for k, f in uses.items()}
    out["add message"] = raised(uses["add"], message=True)[1][:47]
    out["shape message"] = raised(uses["shape"], message=True)
    allowed = [repr(p), str(p.dtype), str(p.device), list(p.size()), p.ndim, p.requires_grad]
    allowed += [p.is_floating_point(), p.grad, p.is_leaf, type(copy.deepcopy(p)).__name__]
    return out, allowed, observe(p.to(L.float64))[2:], observe(p.data)


@scenario
def lazy_module_state_dict_to_and_optimizer(L):
    m = L.nn.LazyLinear(2).double()
    saved = m.state_dict()
    listed = [(k, repr(v)) for k, v in saved.items()]
    opt = L.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    opt.step(), opt.zero_grad()  # nothing to step yet
    lazy = L.nn.LazyLinear(2)
    lazy.load_state_dict(saved)  # lazy into lazy: stays lazy
    m(L.ones(1, 3, dtype=L.float64))
    return (
        listed,
        str(m.weight.dtype),
        type(lazy).__name__,
        lazy.has_uninitialized_params(),
        raised(lambda: L.nn.Linear(3, 2).load_state_dict(saved), message=True)[0],
    )


@scenario
def sgd_momentum_buffer_after_load_state_dict(L):
    ps = [L.nn.Parameter(L.ones(3)), L.nn.Parameter(L.ones(2, 2))]
    opt = L.optim.SGD(ps, lr=0.1, momentum=0.9)
    for p in ps:
        p.grad = L.ones(p.shape)
    opt.step()
    saved = opt.state_dict()
    again = L.optim.SGD(ps, lr=0.1, momentum=0.9)
    again.load_state_dict(saved)
    again.step()
    shared = [
        again.state[p]["momentum_buffer"] is saved["state"][i]["momentum_buffer"]
        for i, p in enumerate(ps)
    ]
    cast = L.optim.SGD([q := L.nn.Parameter(L.ones(3, dtype=L.float64))], lr=0.1, momentum=0.9)
    group = {**saved["param_groups"][0], "params": [0]}
    cast.load_state_dict({"state": {0: {"momentum_buffer": L.ones(3)}}, "param_groups": [group]})
    return shared, saved["state"][0]["momentum_buffer"], str(cast.state[q]["momentum_buffer"].dtype)


@scenario
def expand_strides(L):
    shapes = [((), (1,)), ((), (2, 1)), ((1,), (4, 1)), ((3,), (1, 1, 3)), ((1, 1, 3), (2, 1, 3))]
    shapes += [((2, 1), (1, 2, 1)), ((2, 1), (1, 2, 5)), ((2,), (1, 3, 2))]
    strides = [L.zeros(a).expand(b).stride() for a, b in shapes]
    sliced = L.zeros(4, 4)[:, :1].expand(2, 4, 1).stride()
    x = L.zeros(3)
    x.expand(1, 1, 3).add_(1)  # repeats no element: writable, through to x
    y = L.zeros(1, 3)
    return strides, sliced, x, raised(lambda: y.expand(2, 1, 3).add_(1))


# -- state dicts -------------------------------------------------------------------------
@scenario
def state_dict_keys_buffers_and_prefix(L):
    net = _net(L)
    keys = list(net.state_dict())
    prefixed = list(net.state_dict(prefix="model."))
    kept = {k: type(v).__name__ for k, v in net.state_dict(keep_vars=True).items()}
    detached = [v.requires_grad for v in net.state_dict().values()]
    return keys, prefixed, kept, detached, [n for n, _ in net.named_buffers()]


@scenario
def load_state_dict_strict_messages(L):
    net = L.nn.Linear(2, 2)
    good = net.state_dict()
    missing = {"weight": good["weight"]}
    extra = {**good, "other": L.zeros(1)}
    wrong = {"weight": L.zeros(3, 2), "bias": good["bias"]}
    return (
        repr(net.load_state_dict(good)),
        raised(lambda: net.load_state_dict(missing), message=True),
        raised(lambda: net.load_state_dict(extra), message=True),
        raised(lambda: net.load_state_dict(wrong), message=True),
        repr(net.load_state_dict(extra, strict=False)),
        tuple(net.load_state_dict(missing, strict=False)),
        raised(lambda: net.load_state_dict(wrong, strict=False), message=True),
    )


@scenario
def load_state_dict_all_errors_at_once_and_metadata(L):
    net = L.nn.Sequential(L.nn.Linear(2, 2), L.nn.BatchNorm1d(2))
    bad = net.state_dict()
    bad["0.weight"] = L.zeros(1, 1)
    del bad["1.running_var"]
    bad["2.extra"] = L.zeros(1)
    metadata = {k: dict(v) for k, v in net.state_dict()._metadata.items()}
    return (
        raised(lambda: net.load_state_dict(bad), message=True),
        raised(lambda: net.load_state_dict([("0.weight", L.zeros(2, 2))]), message=True),
        metadata,
    )


@scenario
def extra_state_and_non_persistent_buffers(L):
    class Counter(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.count = 0
            self.register_buffer("tmp", L.zeros(1), persistent=False)

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"] + 1

    m = Counter()
    saved = m.state_dict()
    result = m.load_state_dict({**saved, "tmp": L.ones(1)}, strict=False)
    missing = raised(lambda: m.load_state_dict({}), message=True)
    m.keep = L.nn.Buffer(L.ones(2), persistent=False)
    return saved, m.count, result.unexpected_keys, missing, list(m.state_dict()), m.tmp


@scenario
def optimizer_construction_errors(L):
    a = L.nn.Parameter(L.ones(1))
    return (
        raised(lambda: repr(L.optim.SGD({a}, lr=0.1)), message=True),
        raised(lambda: L.optim.SGD(a, lr=0.1), message=True),
        raised(lambda: L.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)),
        raised(lambda: L.optim.SGD([{"lr": 0.1}], lr=0.1)),
        raised(lambda: L.optim.SGD([a], lr=0.1, momentum=-1.0), message=True),
        raised(lambda: L.optim.SGD([a], lr=0.1, nesterov=True), message=True),
        raised(lambda: L.optim.Adam([a], eps=-1.0), message=True),
        raised(lambda: L.optim.Adam([a], weight_decay=-1.0), message=True),
        raised(lambda: repr(L.optim.SGD([L.ones(1)], lr=0.1))),
        len(L.optim.SGD(iter([a]), lr=0.1).param_groups[0]["params"]),
    )


@scenario
def deepcopy_keeps_hooks_and_sharing(L):
    net = _net(L)
    calls = []
    net.register_forward_hook(lambda m, a, o: calls.append("hook"))
    twin = copy.deepcopy(net)
    twin.eval()
    twin(L.ones(2, 3))
    shared = twin[2][0] is twin[2][2]
    opt = L.optim.Adam(net.parameters())
    for p in net.parameters():
        p.grad = L.ones(p.shape)
    opt.step()
    opt_twin = copy.deepcopy(opt)
    return calls, shared, list(twin.state_dict()) == list(net.state_dict()), len(opt_twin.state)


@scenario
def load_state_dict_nested_missing_unexpected(L):
    net = _net(L)
    saved = net.state_dict()
    del saved["0.bias"]
    saved["2.9.weight"] = L.zeros(1)
    result = net.load_state_dict(saved, strict=False)
    return result.missing_keys, result.unexpected_keys, type(result).__name__


@scenario
def state_dict_hooks(L):
    net = L.nn.Linear(2, 1)
    seen = []
    handles = [
        net.register_state_dict_pre_hook(lambda m, prefix, keep_vars: seen.append(("pre", prefix))),
        net._register_state_dict_hook(
            lambda m, sd, prefix, meta: seen.append(("post", sorted(sd)))
        ),
        net.register_load_state_dict_pre_hook(
            lambda m, sd, prefix, *rest: seen.append(("load pre", prefix, sorted(sd)))
        ),
        net.register_load_state_dict_post_hook(
            lambda m, keys: seen.append(("load post", keys.missing_keys, keys.unexpected_keys))
        ),
    ]
    net.load_state_dict(net.state_dict())
    for handle in handles:
        handle.remove()
    net.load_state_dict(net.state_dict())
    return seen


@scenario
def state_dict_private_hook_returns_a_dict(L):
    net = L.nn.Sequential(L.nn.Linear(2, 1))
    net[0]._register_state_dict_hook(lambda m, sd, prefix, meta: {"child": 1})  # dropped
    root = net._register_state_dict_hook(lambda m, sd, prefix, meta: {"new": sorted(sd)})
    replaced = net.state_dict()
    root.remove()
    net.register_state_dict_post_hook(lambda m, sd, prefix, meta: {"refused": 1})
    return replaced, raised(net.state_dict, message=True)


@scenario
def load_state_dict_post_hook_clears_keys(L):
    net = L.nn.Linear(2, 1)

    def forgive(module, keys):
        keys.missing_keys.clear()

    net.register_load_state_dict_post_hook(forgive)
    return repr(net.load_state_dict({"weight": L.zeros(1, 2)}))


@scenario
def load_state_dict_assign(L):
    net = L.nn.Linear(2, 1)
    new = {"weight": L.ones(1, 2), "bias": L.zeros(1)}
    net.load_state_dict(new, assign=True)
    return (
        type(net.weight).__name__,
        net.weight.requires_grad,
        net.weight.data_ptr() == new["weight"].data_ptr(),
    )


# -- modules, parameters, buffers --------------------------------------------------------
@scenario
def named_modules_and_parameters_remove_duplicate(L):
    net = _net(L)
    return (
        [n for n, _ in net.named_modules()],
        [n for n, _ in net.named_modules(remove_duplicate=False)],
        [n for n, _ in net.named_parameters()],
        [n for n, _ in net.named_parameters(remove_duplicate=False)],
        [n for n, _ in net.named_parameters(prefix="m", recurse=False)],
        len(list(net.parameters())),
        [n for n, _ in net.named_children()],
        [n for n, _ in net.named_buffers(remove_duplicate=False)],
    )


@scenario
def apply_train_eval_requires_grad(L):
    net = _net(L)
    visited = []
    returned = net.apply(lambda m: visited.append(type(m).__name__))
    net.eval()
    modes = [m.training for m in net.modules()]
    net[2].train()
    mixed = [m.training for m in net.modules()]
    net.requires_grad_(False)
    flags = [p.requires_grad for p in net.parameters()]
    return visited, returned is net, net.train() is net, modes, mixed, flags


@scenario
def zero_grad_module_and_optimizer(L):
    net = L.nn.Linear(2, 1)
    opt = L.optim.SGD(net.parameters(), lr=0.1)
    out = []
    for clear in (lambda: net.zero_grad(), lambda: net.zero_grad(set_to_none=False),
                  lambda: opt.zero_grad(), lambda: opt.zero_grad(set_to_none=False)):  # fmt: skip
        net(L.ones(1, 2)).sum().backward()
        clear()
        out.append([p.grad for p in net.parameters()])
    return out


@scenario
def module_to_dtype_half_double(L):
    net = L.nn.Sequential(L.nn.Linear(2, 2), L.nn.BatchNorm1d(2))
    out = []
    for convert in (lambda m: m.double(), lambda m: m.half(), lambda m: m.to(L.float64),
                    lambda m: m.float(), lambda m: m.to(dtype=L.float32)):  # fmt: skip
        convert(net)
        out.append([str(t.dtype) for t in net.state_dict().values()])
    return out, raised(lambda: net.to(L.int64), message=True)


@scenario
def module_repr_nested_containers(L):
    class Block(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = L.nn.Linear(2, 2)

        def extra_repr(self):
            return "first line\nsecond line"

    net = L.nn.Sequential(
        L.nn.ModuleList([L.nn.Linear(2, 2) for _ in range(3)] + [L.nn.ReLU()]),
        L.nn.ModuleDict({"x": L.nn.Linear(1, 1), "y": L.nn.Sequential(L.nn.Tanh())}),
        Block(),
        L.nn.Sequential(),
        L.nn.ModuleList(),
    )
    return repr(net), repr(L.nn.Identity()), repr(Block())


@scenario
def parameter_list_and_dict(L):
    plist = L.nn.ParameterList([L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.zeros(1, 3))])
    plist.append(L.nn.Parameter(L.ones(1)))
    plist.extend([L.nn.Parameter(L.ones(2, 2))])
    pdict = L.nn.ParameterDict({"b": L.nn.Parameter(L.ones(1)), "a": L.nn.Parameter(L.zeros(2))})
    pdict["c"] = L.nn.Parameter(L.ones(3, dtype=L.float64))
    holder = L.nn.Module()
    holder.plist, holder.pdict = plist, pdict
    return (
        repr(plist), repr(pdict), len(plist), list(pdict.keys()), list(holder.state_dict()),
        type(plist[0]).__name__, raised(lambda: pdict["zz"]), raised(lambda: pdict.pop("zz")),
        pdict.setdefault("none"), repr(plist.append(None)), list(holder.state_dict()),
    )  # fmt: skip


@scenario
def register_buffer_none_and_errors(L):
    m = L.nn.Module()
    m.register_buffer("empty", None)
    m.register_parameter("nothing", None)
    m.weight = L.nn.Parameter(L.ones(1))
    return (
        list(m.state_dict()), [n for n, _ in m.named_buffers()], m.empty, m.nothing,
        [n for n, _ in m.named_parameters()],
        raised(lambda: m.register_buffer("a.b", L.ones(1))),
        raised(lambda: m.register_buffer("", L.ones(1))),
        raised(lambda: m.register_buffer("weight", L.ones(1))),
        raised(lambda: m.register_buffer(3, L.ones(1))),
        raised(lambda: m.register_buffer("x", [1.0])),
        raised(lambda: m.register_parameter("p", L.ones(1))),
        raised(lambda: m.register_parameter("a.b", L.nn.Parameter(L.ones(1)))),
    )  # fmt: skip


@scenario
def add_module_name_errors(L):
    m = L.nn.Module()
    m.weight = L.nn.Parameter(L.ones(1))
    return (
        raised(lambda: m.add_module("a.b", L.nn.ReLU()), message=True),
        raised(lambda: m.add_module("", L.nn.ReLU()), message=True),
        raised(lambda: m.add_module(1, L.nn.ReLU())),
        raised(lambda: m.add_module("weight", L.nn.ReLU())),
        raised(lambda: m.add_module("ok", "not a module")),
        raised(lambda: m.add_module("none", None)),
        raised(lambda: m.register_module("r", L.nn.ReLU())),
        [n for n, _ in m.named_children()],
    )


@scenario
def setattr_over_parameters_and_buffers(L):
    m = L.nn.Linear(2, 1)
    m.register_buffer("buf", L.ones(1))
    out = [
        raised(lambda: setattr(m, "weight", L.ones(1, 2)), message=True),
        raised(lambda: setattr(m, "buf", L.nn.ReLU())),
        raised(lambda: setattr(m, "weight", L.nn.ReLU())),
    ]
    m.buf = L.nn.Parameter(L.ones(1))  # a Parameter over a buffer: becomes a parameter
    out.append([[n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()]])
    m.weight = None
    m.buf2 = L.zeros(1)  # a plain tensor: a plain attribute, not a buffer
    out.append([list(m.state_dict()), m.weight])
    del m.bias
    out.append([n for n, _ in m.named_parameters()])
    out.append(raised(lambda: m.nothing_here))
    return out


@scenario
def submodule_lookups_and_errors(L):
    net = _net(L)
    return (
        type(net.get_submodule("2.0")).__name__,
        net.get_parameter("2.0.bias").shape == (2,),
        list(net.get_buffer("1.running_mean").shape),
        raised(lambda: net.get_submodule("2.7")),
        raised(lambda: net.get_submodule("0.weight")),
        raised(lambda: net.get_parameter("0.nothing")),
        raised(lambda: net.get_parameter("1.running_mean")),
        raised(lambda: net.get_buffer("0.weight")),
        raised(lambda: net.train("yes")),
        net.get_submodule("") is net,
    )


@scenario
def sequential_and_module_list_edits(L):
    seq = L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh(), L.nn.Sigmoid())
    out = [repr(seq[1:]), repr(seq[-1]), raised(lambda: seq[3]), raised(lambda: seq["a"])]
    del seq[0]
    seq.append(L.nn.ELU())
    seq.insert(0, L.nn.GELU())
    out += [repr(seq), [n for n, _ in seq.named_children()], repr(seq.pop(1))]
    mlist = L.nn.ModuleList([L.nn.ReLU()])
    mlist += [L.nn.Tanh()]
    mlist.insert(1, L.nn.ELU())
    out += [repr(mlist), raised(lambda: mlist[5]), repr(mlist[::-1])]
    mdict = L.nn.ModuleDict({"b": L.nn.ReLU(), "a": L.nn.Tanh()})
    mdict.update([("c", L.nn.ELU())])
    out += [list(mdict), raised(lambda: mdict["zz"]), repr(mdict.pop("b")), "a" in mdict]
    return out


@scenario
def optimizer_state_dict_after_add_param_group_and_zero_grad(L):
    a, b = L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.ones(1))
    opt = L.optim.Adam([a], lr=0.1)
    a.grad = L.ones(2)
    opt.step()
    opt.add_param_group({"params": [b], "lr": 0.01})
    b.grad = L.ones(1)
    opt.step()
    saved = opt.state_dict()
    opt.zero_grad()
    grads = [a.grad, b.grad]
    a.grad = L.ones(2)
    opt.zero_grad(set_to_none=False)
    return [g["params"] for g in saved["param_groups"]], sorted(saved["state"]), grads, a.grad


@scenario
def scheduler_chain_and_last_lr(L):
    opt = L.optim.SGD([L.nn.Parameter(L.ones(1))], lr=1.0)
    first = L.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    second = L.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    lrs = []
    for _ in range(3):
        opt.step()
        first.step()
        second.step()
        lrs.append([first.get_last_lr(), second.get_last_lr(), opt.param_groups[0]["lr"]])
    return lrs, sorted(opt.param_groups[0]), first.last_epoch


@scenario
def register_over_existing_names_and_delattr(L):
    m = L.nn.Linear(2, 1)
    m.register_buffer("buf", L.ones(1))
    m.child = L.nn.ReLU()
    out = [
        raised(lambda: m.register_parameter("buf", L.nn.Parameter(L.ones(1)))),
        raised(lambda: m.register_buffer("child", L.ones(1))),
        raised(lambda: m.register_parameter("child", L.nn.Parameter(L.ones(1)))),
    ]
    del m.buf, m.child, m.weight
    out.append([list(m.state_dict()), [n for n, _ in m.named_children()]])
    out.append(raised(lambda: m.weight))
    return out


@scenario
def zero_grad_of_a_grad_with_history(L):
    net = L.nn.Linear(2, 1)
    net.weight.grad = L.ones(1, 2, requires_grad=True) * 2.0
    before = [net.weight.grad.requires_grad, net.weight.grad.grad_fn is None]
    net.zero_grad(set_to_none=False)
    return before, net.weight.grad, net.weight.grad.requires_grad, net.weight.grad.grad_fn is None


@scenario
def forward_pre_hook_with_kwargs_replaces_both(L):
    class Scale(L.nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: out + kwargs["factor"], with_kwargs=True)
    return m(L.ones(2), factor=2.0)


@scenario
def optimizer_hooks_and_duplicate_parameters(L):
    import warnings

    a = L.nn.Parameter(L.ones(1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        L.optim.SGD([a, a], lr=0.1)
    opt = L.optim.SGD([a], lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    a.grad = L.ones(1)
    opt.step()
    pre.remove()
    opt.step()
    return [type(w.message).__name__ for w in caught], calls, a


@scenario
def parameters_themselves(L):
    p = L.nn.Parameter(L.ones(2), requires_grad=False)
    twin = copy.deepcopy(p)
    return (
        repr(p), repr(L.nn.Parameter(L.ones(1))), type(twin).__name__, twin.requires_grad,
        raised(lambda: L.nn.Parameter(L.ones(2, dtype=L.int64))),
        repr(L.nn.Parameter(L.ones(2, dtype=L.int64), requires_grad=False)),
        type(L.nn.Parameter()).__name__, list(L.nn.Parameter().shape),
        type(p * 2).__name__, type(p.detach()).__name__, type(p.data).__name__,
        type(p.clone()).__name__,
    )  # fmt: skip


@scenario
def parameter_of_a_list(L):
    return raised(lambda: L.nn.Parameter([1.0]))


@scenario
def module_list_insert_at_a_negative_index(L):
    mlist = L.nn.ModuleList([L.nn.ReLU(), L.nn.Tanh()])
    return raised(lambda: mlist.insert(-1, L.nn.ELU())), repr(mlist)


@scenario
def module_with_none_children_and_dir(L):
    m = L.nn.Sequential(L.nn.ReLU())
    m.add_module("gap", None)
    m.register_module("tail", L.nn.Tanh())
    names = dir(m)
    return repr(m), len(m), [n for n, _ in m.named_children()], "gap" in names, "0" in names


@scenario
def module_type_conversions_keep_ints(L):
    m = L.nn.BatchNorm1d(2)
    m.register_buffer("index", L.arange(3))
    m.double()
    kinds = [str(t.dtype) for t in m.state_dict().values()]
    m.float()
    grads = m.weight.grad
    m.weight.grad = L.ones(2)
    m.double()
    return kinds, grads, str(m.weight.grad.dtype), str(m.index.dtype)


# -- hooks --------------------------------------------------------------------------------
@scenario
def forward_hooks_kwargs_prepend_always_call(L):
    net = L.nn.Linear(2, 1)
    calls = []
    handles = [
        net.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 2,)),
        net.register_forward_pre_hook(
            lambda m, args, kwargs: calls.append(("pre kw", sorted(kwargs))) or None,
            with_kwargs=True,
            prepend=True,
        ),
        net.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1),
        net.register_forward_hook(
            lambda m, args, kwargs, out: calls.append(("post kw", len(args))), with_kwargs=True
        ),
    ]
    with torch.no_grad() if L is torch else minigrad.no_grad():
        net.weight.fill_(1.0), net.bias.fill_(0.0)
    first = net(L.ones(1, 2))
    for h in handles:
        h.remove()
    second = net(L.ones(1, 2))
    return calls, first, second


@scenario
def forward_hook_always_call_on_error(L):
    net = L.nn.Linear(2, 1)
    calls = []
    net.register_forward_hook(lambda m, a, o: calls.append("always"), always_call=True)
    net.register_forward_hook(lambda m, a, o: calls.append("normal"))
    return raised(lambda: net(L.ones(1, 3))), calls


@scenario
def backward_hooks(L):
    net = L.nn.Linear(2, 1)
    calls = []
    net.register_full_backward_pre_hook(lambda m, gout: calls.append(("pre", len(gout))))
    net.register_full_backward_hook(
        lambda m, gin, gout: calls.append(("full", [g is None for g in gin], len(gout)))
    )
    with torch.no_grad() if L is torch else minigrad.no_grad():
        net.weight.fill_(2.0), net.bias.fill_(0.0)
    x = L.ones(1, 2, requires_grad=True)
    net(x).sum().backward()
    net(L.ones(1, 2)).sum().backward()  # an input without grad: its gradient None
    return calls, x.grad


@scenario
def hook_handle_remove_twice_and_context(L):
    net = L.nn.ReLU()
    calls = []
    handle = net.register_forward_hook(lambda *a: calls.append(1))
    net(L.ones(1))
    handle.remove()
    handle.remove()
    with net.register_forward_hook(lambda *a: calls.append(2)):
        net(L.ones(1))
    net(L.ones(1))
    return calls


# -- optimizers and schedulers ------------------------------------------------------------
def _stepped(L, make):
    L.manual_seed(0)
    params = [L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.ones(1))]
    opt = make(L, params)
    for p in params:
        p.grad = L.ones(p.shape)
    opt.step()
    return opt


OPTIMIZERS = {
    "SGD": lambda L, ps: L.optim.SGD(ps, lr=0.1, momentum=0.9),
    "Adam": lambda L, ps: L.optim.Adam(ps, lr=0.1),
    "AdamW": lambda L, ps: L.optim.AdamW(ps, lr=0.1, amsgrad=True),
    "RMSprop": lambda L, ps: L.optim.RMSprop(ps, lr=0.1, momentum=0.5, centered=True),
    "Adagrad": lambda L, ps: L.optim.Adagrad(ps, lr=0.1),
    "Adadelta": lambda L, ps: L.optim.Adadelta(ps),
    "SGD_plain": lambda L, ps: L.optim.SGD(ps, lr=0.1),
    "Adam_plain": lambda L, ps: L.optim.Adam(ps, weight_decay=0.1, maximize=True),
    "RMSprop_plain": lambda L, ps: L.optim.RMSprop(ps),
    "Adagrad_decay": lambda L, ps: L.optim.Adagrad(ps, lr_decay=0.1, initial_accumulator_value=1.0),
}


def _optimizer_state_dict(name):
    def run(L):
        fresh = OPTIMIZERS[name](L, [L.nn.Parameter(L.ones(1))]).state_dict()
        opt = _stepped(L, OPTIMIZERS[name])
        saved = opt.state_dict()
        state = {
            k: {n: (type(v).__name__, observe(v)) for n, v in s.items()}
            for k, s in saved["state"].items()
        }
        return list(saved), state, saved["param_groups"], observe(fresh), repr(opt)

    run.__name__ = f"optimizer_state_dict_{name}"
    return run


for _name in OPTIMIZERS:
    scenario(_optimizer_state_dict(_name))


@scenario
def optimizer_param_groups_and_errors(L):
    a, b = L.nn.Parameter(L.ones(1)), L.nn.Parameter(L.ones(1))
    opt = L.optim.SGD([{"params": [a]}], lr=0.1)
    out = [raised(lambda: opt.add_param_group({"params": [a]}), message=True)]
    opt.add_param_group({"params": b, "lr": 0.5})
    out.append([sorted(g) for g in opt.param_groups])
    out.append([g["lr"] for g in opt.param_groups])
    out.append(raised(lambda: repr(L.optim.SGD([a]))))  # PyTorch's default lr
    out.append(raised(lambda: L.optim.SGD([], lr=0.1), message=True))
    out.append(raised(lambda: L.optim.SGD(a, lr=0.1)))
    out.append(
        raised(lambda: L.optim.SGD([L.ones(1, requires_grad=True) * 2], lr=0.1), message=True)
    )
    out.append(raised(lambda: L.optim.SGD([a], lr=-1.0), message=True))
    out.append(
        raised(
            lambda: opt.add_param_group({"params": [L.nn.Parameter(L.ones(1))], "lr": 0.1, "x": 1})
        )
    )
    out.append(raised(lambda: L.optim.Adam([a], betas=(1.0, 0.9)), message=True))
    return out


@scenario
def optimizer_load_state_dict_errors(L):
    a = L.nn.Parameter(L.ones(1))
    opt = L.optim.SGD([a], lr=0.1)
    two = L.optim.SGD([{"params": [a]}, {"params": [L.nn.Parameter(L.ones(1))]}], lr=0.1)
    bigger = L.optim.SGD([a, L.nn.Parameter(L.ones(1))], lr=0.1)
    # (minigrad's messages add the counts to PyTorch's words)
    return (
        raised(lambda: opt.load_state_dict(two.state_dict())),
        raised(lambda: opt.load_state_dict(bigger.state_dict())),
        raised(lambda: opt.load_state_dict({"state": {}})),
        raised(lambda: opt.load_state_dict({"param_groups": [{"params": [0], "lr": 1.0}]})),
    )


SCHEDULERS = {
    "StepLR": lambda L, o: L.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    "CosineAnnealingLR": lambda L, o: L.optim.lr_scheduler.CosineAnnealingLR(o, T_max=4),
    "LambdaLR": lambda L, o: L.optim.lr_scheduler.LambdaLR(o, lambda e: 0.5**e),
    "ExponentialLR": lambda L, o: L.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "OneCycleLR": lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=5),
    "ReduceLROnPlateau": lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0),
    "MultiStepLR": lambda L, o: L.optim.lr_scheduler.MultiStepLR(o, milestones=[1, 1, 3]),
    "LinearLR": lambda L, o: L.optim.lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=3),
    "ConstantLR": lambda L, o: L.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=1),
    "PolynomialLR": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, total_iters=4, power=2.0),
    "CosineAnnealingWarmRestarts": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=2, T_mult=2
    ),
    "CyclicLR": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2),
    "SequentialLR": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o,
        [L.optim.lr_scheduler.ConstantLR(o, 0.5, 1), L.optim.lr_scheduler.ExponentialLR(o, 0.9)],
        milestones=[1],
    ),
}


def _scheduler_state_dict(name):
    def run(L):
        opt = L.optim.SGD([L.nn.Parameter(L.ones(1))], lr=0.1, momentum=0.9)
        sched = SCHEDULERS[name](L, opt)
        for _ in range(2):
            opt.step()
            sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
        saved = sched.state_dict()
        saved = {k: v for k, v in saved.items() if k != "_scale_fn_ref"}  # (a weak method)
        keys = sorted(sched.state_dict())
        return (
            keys,
            {k: observe(v) for k, v in saved.items() if not callable(v)},
            opt.param_groups[0]["lr"],
        )

    run.__name__ = f"scheduler_state_dict_{name}"
    return run


for _name in SCHEDULERS:
    scenario(_scheduler_state_dict(_name))


@scenario
def scheduler_misuse(L):
    opt = L.optim.SGD([L.nn.Parameter(L.ones(1))], lr=0.1)
    early = L.optim.lr_scheduler.StepLR(opt, step_size=1)
    early.step()  # before optimizer.step(): PyTorch warns
    outside = early.get_lr()  # outside step(): PyTorch warns
    cycle = L.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    steps = [raised(cycle.step) for _ in range(3)]
    return outside, steps[:2], raised(lambda: cycle.step(), message=True)


@scenario
def backward_hook_replaces_grad_input(L):
    net = L.nn.Linear(2, 1)
    net.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 10,))
    x = L.ones(1, 2, requires_grad=True)
    with torch.no_grad() if L is torch else minigrad.no_grad():
        net.weight.fill_(1.0)
    net(x).sum().backward()
    return x.grad


# -- gradient clipping --------------------------------------------------------------------
@scenario
def clip_grad_norm_and_value(L):
    def params(*grads):
        ps = [L.nn.Parameter(L.zeros(len(g))) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = L.tensor(g)
        return ps

    ps = params([3.0, 4.0], [0.0])
    norm = L.nn.utils.clip_grad_norm_(ps, max_norm=1.0)
    inf_norm = L.nn.utils.clip_grad_norm_(params([3.0, -4.0]), 10.0, norm_type="inf")
    value = L.nn.utils.clip_grad_value_(qs := params([3.0, -4.0]), 1.0)
    unchecked = L.nn.utils.clip_grad_norm_(params([float("nan"), 1.0]), 1.0)
    clip = L.nn.utils.clip_grad_norm_
    return (
        norm, [p.grad for p in ps], inf_norm, value, [q.grad for q in qs], unchecked,
        raised(lambda: clip(params([float("inf")]), 1.0, error_if_nonfinite=True)),
        clip([], 1.0), clip(L.nn.Parameter(L.ones(1)), 1.0),
    )  # fmt: skip


KNOWN = {
    "parameter_of_a_list": "PyTorch fails inside with AttributeError ('list' object has no "
    "attribute 'detach'); minigrad's TypeError says that a Tensor was expected",
    "module_list_insert_at_a_negative_index": "PyTorch's insert(-1, m) raises KeyError('-1') "
    "on its own index arithmetic; minigrad inserts before the last module, as list.insert",
}


def outcome(name: str, L):
    """What the scenario gives under L, and the categories of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = raised(lambda: SCENARIOS[name](L))
    return result, [w.category.__name__ for w in caught]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_as_pytorch(name):
    ours, theirs = outcome(name, minigrad), outcome(name, torch)
    assert theirs[0][0] == "ok", f"the scenario fails under PyTorch: {theirs}"
    if name in KNOWN:
        assert ours != theirs, f"{name} is listed in KNOWN ({KNOWN[name]}) but now as PyTorch"
    else:
        assert ours == theirs
