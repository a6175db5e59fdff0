"""`Optimizer`: parameter groups, per-parameter state, zero_grad and state dicts.

Subclasses implement `_update(group, p, g, state)` on raw arrays, or `_step_group(group)` for
a whole group in one pass (SGD): # NOTE: the update runs in place on `p.array` with no graph
(what PyTorch's foreach/fused paths do), so a step costs a few array operations per parameter
instead of dozens of recorded Tensor ops.
"""

from __future__ import annotations

import copy
import functools
import numbers
import warnings
from collections import defaultdict

import numpy as np

from minigrad.autograd.grad_mode import enable_grad, state
from minigrad.legacy import typename
from minigrad.tensor import RemovableHandle, Tensor, zero_grad_in_place


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


_global_optimizer_pre_hooks: dict = {}
_global_optimizer_post_hooks: dict = {}


def register_optimizer_step_pre_hook(hook) -> RemovableHandle:
    """Call `hook(optimizer, args, kwargs)` before every optimizer's step (args include the
    optimizer); a non-None result is (new_args, new_kwargs)."""
    Optimizer._step_hooked = True
    return RemovableHandle(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook) -> RemovableHandle:
    """Call `hook(optimizer, args, kwargs)` after every optimizer's step."""
    Optimizer._step_hooked = True
    return RemovableHandle(_global_optimizer_post_hooks, hook)


class Optimizer:
    """Base class: holds `param_groups` (dicts with 'params' and hyper-parameters) and `state`."""

    # None until an lr scheduler watches this optimizer; then whether step() has run since
    _opt_called = None
    # NOTE: step()'s one check for hooks: set on the instance by register_step_*_hook, on the
    # class by the global registrations (it stays set once hooks were registered)
    _step_hooked = False
    # the state entries load_state_dict checks (a checkpoint is hostile input): `_buffers` are
    # Tensors shaped like their parameter (None too where `_none_buffer_ok`), `_scalars` hold
    # one number each (a plain number is made a 0-d float32 Tensor, as PyTorch's __setstate__)
    _buffers: tuple = ()
    _none_buffer_ok = False
    _scalars: tuple = ()

    def __init_subclass__(cls, **kwargs):
        """A subclass's own step() (LBFGS, a user's optimizer) runs the step hooks too."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_runs_hooks", False):

            @functools.wraps(step)
            def hooked(self, *args, **kwargs):
                __tracebackhide__ = True  # a student's failing step() shows its own frame
                if state.tracer is not None:
                    raise _untraced("step")
                if self._step_hooked:
                    return _step_with_hooks(self, step, args, kwargs)
                return step(self, *args, **kwargs)

            hooked._runs_hooks = True
            cls.step = hooked

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        # NOTE: a defaultdict, as PyTorch's: a custom optimizer's step reads self.state[p]
        # for a parameter seen for the first time
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {typename(params)}"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        # model.named_parameters() gives (name, tensor) pairs: the names are kept in the group
        # (and its state_dict) as "param_names", as PyTorch does
        named = [p for p in params if isinstance(p, tuple)]
        group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if named:
            if len(named) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            group["param_names"] = [name for name, _ in named]
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required option {name}"
                )
            group.setdefault(name, default)
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            # NOTE: as PyTorch, a warning (not yet an error): such a parameter steps twice
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                kind = "with names" if "param_names" in group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. cannot add param "
                    f"group {kind} to the optimizer"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        if state.tracer is not None:  # NOTE: harmless to repeat: it runs, the trace is refused
            state.tracer.refuse(_untraced("zero_grad"))
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None
                elif p._grad is not None:
                    zero_grad_in_place(p._grad)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure's loss if given."""
        if state.tracer is not None:
            raise _untraced("step")
        if self._step_hooked:  # NOTE: a closure given by keyword reaches them positionally
            args = () if closure is None else (closure,)
            return _step_with_hooks(self, Optimizer.step, args, {})
        if self._opt_called is False:
            self._opt_called = True
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            if isinstance(group.get("lr"), Tensor):  # lr=torch.tensor(0.01): its value now
                group = {**group, "lr": group["lr"].item()}
            self._step_group(group)
        return loss

    def _step_group(self, group: dict) -> None:
        """Update the group's parameters that have a gradient: `_update` for each (SGD
        overrides this with one pass over the group, PyTorch's foreach style)."""
        states, update = self.state, self._update
        self._prepare_group(group)
        maximize = group.get("maximize")
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            state = states.get(p)
            if state is None:
                state = states[p] = {}
            update(group, p, -g.array if maximize else g.array, state)
            p._version_counter[0] += 1  # NOTE: the counter itself: no property calls

    def _prepare_group(self, group: dict) -> None:
        """Per-group work done once per step (none by default)."""

    def _update(self, group: dict, p: Tensor, g, state: dict) -> None:
        raise NotImplementedError

    # -- hooks -------------------------------------------------------------------------------
    def _hooks(self, kind: str) -> dict:
        return self.__dict__.setdefault(f"_optimizer_{kind}_hooks", {})

    def _add_hook(self, kind: str, hook, prepend: bool = False) -> RemovableHandle:
        hooks = self._hooks(kind)
        handle = RemovableHandle(hooks, hook)
        if prepend:  # dicts keep insertion order: the new entry moves to the front
            rest = {k: v for k, v in hooks.items() if k != handle.id}
            hooks.clear()
            hooks[handle.id] = hook
            hooks.update(rest)
        return handle

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """Call `hook(optimizer, args, kwargs)` before each step (args include the
        optimizer); a non-None result is (new_args, new_kwargs)."""
        self._step_hooked = True
        return self._add_hook("step_pre", hook)

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """Call `hook(optimizer, args, kwargs)` after each step."""
        self._step_hooked = True
        return self._add_hook("step_post", hook)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call `hook(optimizer)` before state_dict() builds the dict."""
        return self._add_hook("state_dict_pre", hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call `hook(optimizer, state_dict)` on the built dict; a non-None result replaces
        it."""
        return self._add_hook("state_dict_post", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call `hook(optimizer, state_dict)` before loading; a non-None result is loaded
        instead."""
        return self._add_hook("load_state_dict_pre", hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call `hook(optimizer)` after loading."""
        return self._add_hook("load_state_dict_post", hook, prepend)

    # -- state dicts -------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [indices]}]},
        parameters numbered in group order, as PyTorch does."""
        for hook in list(self._hooks("state_dict_pre").values()):
            hook(self)
        index, groups = {}, []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if not isinstance(p, Tensor):  # loaded under an id no group lists: as it was
                state[p] = s
            elif id(p) in index:
                state[index[id(p)]] = dict(s)
        out = {"state": state, "param_groups": groups}
        for hook in list(self._hooks("state_dict_post").values()):
            result = hook(self, out)
            out = out if result is None else result
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state_dict(): the groups' hyper-parameters and each parameter's state, its
        Tensors kept, not copied, as PyTorch. A checkpoint is hostile input: what PyTorch
        refuses raises its error here; what PyTorch accepts and then fails on at step() (a
        buffer of another shape, a string for a Tensor) raises here, naming the parameter."""
        # NOTE: a shallow copy first, as PyTorch's: a pre hook that pops a key its state_dict
        # post hook added (an epoch) leaves the caller's checkpoint whole for a second load
        if isinstance(state_dict, dict):
            state_dict = state_dict.copy()
        for hook in list(self._hooks("load_state_dict_pre").values()):
            result = hook(self, state_dict)
            state_dict = state_dict if result is None else result
        groups = state_dict["param_groups"]
        if not isinstance(groups, (list, tuple)):
            raise TypeError(
                f"loaded state dict's param_groups is a {type(groups).__name__}, not a list of "
                "dicts"
            )
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups ({len(groups)}; "
                f"this optimizer has {len(self.param_groups)})"
            )
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            _check_group(i, saved, len(group["params"]))
        # NOTE: ids match as they are, as PyTorch: state under an id no group lists is kept
        # as it is (PyTorch's backward compatibility), and the parameter starts afresh
        params = [p for group in self.param_groups for p in group["params"]]
        ids = [key for saved in groups for key in saved["params"]]
        position = dict(zip(ids, range(len(params))))  # a repeated id: its last place
        loaded = defaultdict(dict)
        for key, values in state_dict["state"].items():
            n = position.get(key)
            if n is None:
                loaded[key] = values
            else:
                loaded[params[n]] = self._load_state(key, n, params[n], values)
        for saved, group in zip(groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = copy.deepcopy(value)
        self.state = loaded
        for hook in list(self._hooks("load_state_dict_post").values()):
            hook(self)

    def _load_state(self, key, n: int, p: Tensor, values) -> dict:
        """The loaded state of p, this optimizer's parameter n (saved under id `key`), on its
        device, checked."""
        where = (
            f"{type(self).__name__}.load_state_dict: the state saved under id {key!r} (for "
            f"parameter {n}, of shape {tuple(p.shape)})"
        )
        if not isinstance(values, dict):
            raise TypeError(f"{where} is a {type(values).__name__}, not a dict")
        if values and self._scalars and "step" not in values:  # PyTorch's KeyError at load
            raise KeyError(f"{where} has no 'step' (its keys: {sorted(map(str, values))[:8]})")
        state = {}
        for name, value in values.items():
            if name in self._buffers and not (value is None and self._none_buffer_ok):
                _check_buffer(f"{where}: {name!r}", value, p)
            elif name in self._scalars:
                value = _check_scalar(f"{where}: {name!r}", value)
            state[name] = _to_param(value, p, name)
        return state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines += ["", f"Parameter Group {i}"] if i else [f"Parameter Group {i}"]
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _untraced(method: str):
    """The TracingError for an optimizer's step or zero_grad inside a function that
    minigrad.compile traces: compile then runs the function as it is. A step raises it before
    changing anything; zero_grad runs (doing it twice changes nothing) and refuses the trace
    once the function returns, so a backward() later in a training step explains first.

    # NOTE: both change tensors in place, outside any graph: a replay of the traced graph
    # would silently skip them (the parameters would move once, at the trace). torch.compile
    # compiles a step into fused kernels; minigrad's step is already one pass of in-place
    # array operations per parameter, so running it as it is costs nothing more.
    """
    from minigrad.static.trace import TracingError

    error = TracingError(
        f"optimizer.{method}() inside a compiled function: it changes the parameters (or their "
        "gradients) in place, outside any graph, so a replay of the graph would skip it. "
        "minigrad.compile runs such a function as it is: an optimizer step is already a few "
        "in-place array operations per parameter, with nothing left for a graph to save."
    )
    error.graph_break = False  # torch.compile compiles it: no graph break in PyTorch
    return error


def _step_with_hooks(opt: Optimizer, step, args: tuple, kwargs: dict):
    """step(opt, *args, **kwargs) between the step hooks, as PyTorch runs them: the global
    pre-hooks and this optimizer's (which may replace the arguments), then its post-hooks
    and the global ones."""
    args = (opt, *args)
    for hook in [*_global_optimizer_pre_hooks.values(), *opt._hooks("step_pre").values()]:
        result = hook(opt, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(
                    f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                    f"{result}."
                )
            args, kwargs = result
    hooked = opt.__dict__.get("_step_hooked")
    opt._step_hooked = False  # the step below runs its body, not the hooks again
    try:
        out = step(*args, **kwargs)
    finally:
        if hooked is None:
            del opt._step_hooked
        else:
            opt._step_hooked = hooked
    for hook in [*opt._hooks("step_post").values(), *_global_optimizer_post_hooks.values()]:
        hook(opt, args, kwargs)
    return out


def _scalar(value: float = 0.0) -> Tensor:
    """A 0-d float32 state entry ('step', NAdam's mu_product, ASGD's eta), as PyTorch keeps
    them: in float32 on the CPU, whatever the parameter's dtype and device."""
    return Tensor._make(np.array(value, dtype=np.float32))


def _zeros_like(p: Tensor) -> Tensor:
    """A state buffer of zeros shaped, typed and placed like parameter p."""
    return Tensor._make(p.device.xp.zeros_like(p.array))


def _count(state: dict) -> float:
    """Advance the step counter; the new step number as a float."""
    state["step"].array += 1
    return float(state["step"].array)


def _lerp(xp, m, g, weight: float):
    """m += weight (g - m) in place (the lerp PyTorch uses); returns the temporary, free for
    the caller to reuse (an array: NumPy gives 0-d results as scalars)."""
    step = xp.asarray(g - m)
    step *= weight
    m += step
    return step


def _weight_decay(group: dict, p: Tensor, g):
    """L2 weight decay: decoupled (p *= 1 - lr wd) or added to the gradient (g + wd p)."""
    wd = group["weight_decay"]
    if not wd:
        return g
    if group.get("decoupled_weight_decay"):
        p.array *= 1 - group["lr"] * wd
        return g
    return g + wd * p.array


def _check_group(i: int, saved, size: int) -> None:
    """Loaded parameter group i is a dict whose 'params' are `size` hashable ids, its lr a
    number (PyTorch fails at step() on a string lr)."""
    if not isinstance(saved, dict):
        raise TypeError(
            f"loaded state dict's parameter group {i} is a {type(saved).__name__}, not a dict"
        )
    ids = saved["params"]
    if not isinstance(ids, (list, tuple)):
        raise TypeError(
            f"loaded state dict's parameter group {i} has params of type {type(ids).__name__}, "
            "not a list of parameter ids"
        )
    if len(ids) != size:
        raise ValueError(
            "loaded state dict contains a parameter group that doesn't match the size of "
            f"optimizer's group (group {i}: {len(ids)} saved ids, {size} parameters)"
        )
    for pid in ids:
        try:
            hash(pid)
        except TypeError:
            raise TypeError(
                f"loaded state dict's parameter group {i} has a parameter id of type "
                f"{type(pid).__name__} (unhashable type: {type(pid).__name__!r})"
            ) from None
    lr = saved.get("lr", 0.0)
    if not isinstance(lr, (numbers.Real, Tensor)):
        raise TypeError(
            f"loaded state dict's parameter group {i} has lr of type {type(lr).__name__}, not "
            "a number"
        )


def _check_buffer(where: str, value, p: Tensor) -> None:
    """A loaded state buffer is a Tensor shaped like its parameter p.

    # NOTE: PyTorch loads any value and fails at step() deep inside an update (a broadcast
    # error, "'str' object has no attribute 'mul_'"); here the load says which entry.
    """
    if not isinstance(value, Tensor):
        raise TypeError(f"{where} is a {type(value).__name__}, not a Tensor")
    if value.shape != p.shape:
        raise RuntimeError(
            f"{where} has shape {tuple(value.shape)}, but the parameter has shape {tuple(p.shape)}"
        )


def _check_scalar(where: str, value) -> Tensor:
    """A loaded scalar entry ('step'): a one-element Tensor, or a number made a 0-d float32
    Tensor (float() raises on a string or an int too large, as in PyTorch)."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(
                f"{where} has shape {tuple(value.shape)}; a Tensor with {value.numel()} "
                "elements cannot be converted to Scalar"
            )
        return value
    if isinstance(value, str):  # PyTorch's float() of it: a ValueError
        raise ValueError(f"{where} is the string {value[:40]!r}, not a number")
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{where} is a {type(value).__name__}, not a number")
    return _scalar(float(value))


def _to_param(value, p: Tensor, name: str):
    """A loaded state value on the parameter's device, in its dtype when it is a float ('step'
    as it is); lists of them (LBFGS's history) value by value.

    # NOTE: no copy, as PyTorch: a value already on that device and of that dtype is the
    # loaded tensor itself, so the steps that follow update the loaded dict's tensors too.
    """
    if isinstance(value, (list, tuple)):
        return type(value)(_to_param(v, p, name) for v in value)
    if not isinstance(value, Tensor) or name == "step":
        return value
    if p.is_floating_point():
        return value.to(p.device, p.dtype)
    return value.to(p.device)
