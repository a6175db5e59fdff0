"""`Module`: the base class of layers and models, with PyTorch's registration rules.

Assigning a Parameter, a Module or a registered buffer to an attribute records it in
`_parameters`, `_modules` or `_buffers`; everything else is a plain attribute. Names compose
with dots (`0.weight`, `encoder.bn.running_mean`), as in PyTorch's state dicts.
"""

from __future__ import annotations

import collections.abc
import functools
import warnings
from collections import OrderedDict, namedtuple

from minigrad import dtypes, layout
from minigrad.autograd.engine import checked_hook_value
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import is_grad_enabled, no_grad
from minigrad.legacy import typename
from minigrad.nn.parameter import Buffer, Parameter, UninitializedBuffer, is_lazy
from minigrad.tensor import RemovableHandle, Size, Tensor, zero_grad_in_place

# Bumped by every change of a module's parameters, buffers or children, wherever it is made
# (an attribute, a container's edit, pruning's own dict edits): a compiled plan compares the
# modules it read with what they hold only when this moved (static/compile.py's guards)
REGISTRY_EDITS = [0]


class _Registry(dict):
    """A module's `_parameters`, `_buffers` or `_modules`: a dict whose edits count in
    REGISTRY_EDITS (reads are a dict's)."""

    __slots__ = ()

    def __setitem__(self, key, value):
        if self.get(key, self) is not value:  # NOTE: `bn.num_batches_tracked += 1` keeps it
            REGISTRY_EDITS[0] += 1
        super().__setitem__(key, value)

    def __delitem__(self, key):
        REGISTRY_EDITS[0] += 1
        super().__delitem__(key)

    def pop(self, *args):
        REGISTRY_EDITS[0] += 1
        return super().pop(*args)

    def popitem(self):
        REGISTRY_EDITS[0] += 1
        return super().popitem()

    def clear(self):
        REGISTRY_EDITS[0] += 1
        super().clear()

    def update(self, *args, **kwargs):
        REGISTRY_EDITS[0] += 1
        super().update(*args, **kwargs)

    def setdefault(self, key, default=None):
        REGISTRY_EDITS[0] += 1
        return super().setdefault(key, default)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


_MAX_KEY_CHARS = 120  # of one key shown in load_state_dict's error
_MAX_KEYS_SHOWN = 100  # keys listed; the IncompatibleKeys strict=False returns has them all


def _listed(keys: list) -> str:
    """The keys as PyTorch lists them ("a", "b"), except that a key from a file cannot
    write to the terminal: one that is not short printable ASCII is shown as ascii() shows it
    (escapes for controls, line breaks, bidi marks and look-alike letters) and cut short,
    and at most _MAX_KEYS_SHOWN keys are listed."""
    shown = []
    for key in keys[:_MAX_KEYS_SHOWN]:
        text = key if isinstance(key, str) else repr(key)
        if text.isascii() and text.isprintable() and len(text) <= _MAX_KEY_CHARS:
            shown.append(f'"{text}"')
        elif len(text) > _MAX_KEY_CHARS:
            shown.append(f"{ascii(text[:_MAX_KEY_CHARS])}... ({len(text)} characters)")
        else:
            shown.append(ascii(text))
    more = len(keys) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


# Hooks of every module (register_module_forward_pre_hook, register_module_forward_hook):
# each module runs them before its own
_global_forward_pre_hooks: dict = {}
_global_forward_hooks: dict = {}


def register_module_forward_pre_hook(hook) -> RemovableHandle:
    """Call `hook(module, args)` before the forward of every module, before its own
    pre-hooks; a non-None result replaces args (PyTorch's global hook, for debugging)."""
    return _register(_global_forward_pre_hooks, hook, False)


def register_module_forward_hook(
    hook, *, with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    """Call `hook(module, args, output)` after the forward of every module, before its own
    forward hooks; a non-None result replaces output (with_kwargs and always_call as in
    Module.register_forward_hook)."""
    if with_kwargs or always_call:
        hook = _WithKwargs(hook, with_kwargs, always_call)
    return _register(_global_forward_hooks, hook, False)


class Module:
    """Base class for all neural-network modules; subclasses define `forward`.

    Example::

        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = nn.Linear(4, 2)
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> [name for name, _ in Net().named_parameters()]
        ['fc.weight', 'fc.bias']
    """

    training: bool
    call_super_init: bool = False  # True: __init__ passes its arguments on (mixins)
    dump_patches: bool = False  # PyTorch's flag for its pickled-module patches (none here)
    # the version of this class's state dict layout, saved in state_dict()._metadata: a module
    # whose layout changes raises it and reads old ones in _load_from_state_dict
    _version: int = 1

    def __init__(self, *args, **kwargs) -> None:
        if not self.call_super_init and kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                f"'{next(iter(kwargs))}'"
            )
        if not self.call_super_init and args:
            raise TypeError(
                f"{type(self).__name__}.__init__() takes 1 positional argument but "
                f"{len(args) + 1} were given"
            )
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", _Registry())
        setattr_(self, "_buffers", _Registry())
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", _Registry())
        setattr_(self, "_forward_hooks", {})
        setattr_(self, "_forward_pre_hooks", {})
        setattr_(self, "_backward_hooks", {})
        setattr_(self, "_backward_pre_hooks", {})
        setattr_(self, "_is_full_backward_hook", None)  # False: the legacy hooks are in use
        setattr_(self, "_state_dict_pre_hooks", {})
        setattr_(self, "_state_dict_hooks", {})
        setattr_(self, "_load_state_dict_pre_hooks", {})
        setattr_(self, "_load_state_dict_post_hooks", {})
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if not (
            self._forward_hooks
            or self._forward_pre_hooks
            or self._backward_hooks
            or self._backward_pre_hooks
            or _global_forward_hooks
            or _global_forward_pre_hooks
        ):
            return self.forward(*args, **kwargs)
        result, called = None, set()  # called: the always_call hooks that already ran
        try:
            for hook in [*_global_forward_pre_hooks.values(), *self._forward_pre_hooks.values()]:
                if type(hook) is _WithKwargs:
                    new_args = hook.hook(self, args, kwargs)
                    args, kwargs = _pre_hook_with_kwargs(new_args, args, kwargs)
                    continue
                new_args = hook(self, args)
                if new_args is not None:
                    args = new_args if isinstance(new_args, tuple) else (new_args,)
            backward_hook = None
            legacy = self._is_full_backward_hook is False and list(self._backward_hooks.values())
            if self._backward_pre_hooks or (self._backward_hooks and not legacy):
                backward_hook = _BackwardHook(self)
                args = backward_hook.wrap_inputs(args)
            result = self.forward(*args, **kwargs)
            for hook in [*_global_forward_hooks.values(), *self._forward_hooks.values()]:
                if type(hook) is _WithKwargs:
                    if hook.always_call:  # before the call: one that raises is not run again
                        called.add(hook)
                    new_result = hook(self, args, kwargs, result)
                else:
                    new_result = hook(self, args, result)
                if new_result is not None:
                    result = new_result
        except Exception:
            _run_always_call_hooks(self, args, kwargs, result, called)
            raise
        if backward_hook is not None:
            result = backward_hook.wrap_outputs(result)
        if legacy:
            _add_legacy_backward_hooks(self, legacy, args, result)
        return result

    # -- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            params[name] = value
        elif params is not None and name in params:  # (a module or buffer too, as PyTorch)
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as parameter '{name}' "
                    "(minigrad.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            d["_modules"][name] = value
        elif isinstance(value, Buffer):
            self.register_buffer(name, Tensor._make(value.array), value.persistent)
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as child module '{name}' "
                    "(minigrad.nn.Module or None expected)"
                )
            d["_modules"][name] = None
        elif params is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{typename(value)}' as buffer '{name}' "
                    "(minigrad.nn.Buffer, minigrad.Tensor or None expected)"
                )
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Drop `name` from every registry but `keep`, so it lives in exactly one; in `keep` a
        new value replaces the old one in its place (PyTorch's order of parameters, buffers
        and state_dict keys)."""
        d = self.__dict__
        d.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                d[registry].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name: str):
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            found = d.get(registry)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in d[registry]:
                del d[registry][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        extra = [*self._parameters, *self._buffers, *self._modules]
        return sorted(set(super().__dir__()) | set(extra))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        _check_name(self, name, "parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{typename(param)}' object to parameter '{name}' "
                "(minigrad.nn.Parameter or None required)"
            )
        self._forget(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        _check_name(self, name, "buffer", "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                "(minigrad Tensor or None required)"
            )
        self._forget(name, keep="_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{typename(module)} is not a Module subclass")
        _check_name(self, name, "module", "_modules")
        self._forget(name, keep="_modules")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        module = self
        for part in target.split(".") if target else ():
            if not hasattr(module, part):
                raise AttributeError(f"{module._get_name()} has no attribute `{part}`")
            module = getattr(module, part)
            if not isinstance(module, Module):
                raise AttributeError(f"`{part}` is not an nn.Module")
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put `module` at the dotted path `target` (replacing what is there; strict: only
        replacing an existing submodule)."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        owner, name = _owner_of(self, target)
        if not isinstance(getattr(owner, name), Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return getattr(owner, name)

    def get_buffer(self, target: str) -> Tensor:
        owner, name = _owner_of(self, target)
        if name not in owner._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return owner._buffers[name]

    # -- iteration ---------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        memo = set() if memo is None else memo
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                sub = f"{prefix}.{name}" if prefix else name
                yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate=True):
        seen = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # -- modes and gradients -----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            if param._grad is None:
                continue
            if set_to_none:
                param._grad = None
            else:
                zero_grad_in_place(param._grad)

    def apply(self, fn) -> Module:
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- hooks -------------------------------------------------------------------------------
    def register_forward_hook(
        self, hook, *, prepend: bool = False, with_kwargs: bool = False, always_call=False
    ) -> RemovableHandle:
        """Call `hook(module, args, output)` after forward (`hook(module, args, kwargs,
        output)` with_kwargs); a non-None result replaces output. prepend: before the hooks
        already there; always_call: also (with output None) when forward raises."""
        if with_kwargs or always_call:
            hook = _WithKwargs(hook, with_kwargs, always_call)
        return _register(self._forward_hooks, hook, prepend)

    def register_forward_pre_hook(
        self, hook, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call `hook(module, args)` before forward; a non-None result replaces args. With
        with_kwargs, `hook(module, args, kwargs)` returns None or (new_args, new_kwargs).
        prepend: before the hooks already there."""
        if with_kwargs:
            hook = _WithKwargs(hook, True, False)
        return _register(self._forward_pre_hooks, hook, prepend)

    def register_backward_hook(self, hook) -> RemovableHandle:
        """The legacy (deprecated) backward hook: `hook(module, grad_input, grad_output)` runs
        on the node of the module's output, so grad_input holds the gradients of the inputs of
        the module's *last op* (minigrad's ops, not PyTorch's: `Linear` is one op of (input,
        weight, bias)); PyTorch's FutureWarnings say when that differs from the module's
        inputs. Use register_full_backward_hook."""
        if self._is_full_backward_hook is True:
            raise RuntimeError(
                "Cannot use both regular backward hooks and full backward hooks on a single "
                "Module. Please use only one of them."
            )
        object.__setattr__(self, "_is_full_backward_hook", False)
        return _register(self._backward_hooks, hook, False)

    def register_full_backward_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` once the gradients with respect to the
        module's positional tensor inputs are computed (None for arguments that are not
        tensors, zeros for tensors that need no gradient, as PyTorch); a non-None result (a
        tuple as long as grad_input) replaces grad_input. When no input needs a gradient, it
        runs (with a warning) as soon as grad_output is known, with grad_input all None.
        Works through `module(...)`, not `module.forward(...)`."""
        if self._is_full_backward_hook is False:
            raise RuntimeError(
                "Cannot use both regular backward hooks and full backward hooks on a single "
                "Module. Please use only one of them."
            )
        object.__setattr__(self, "_is_full_backward_hook", True)
        return _register(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_output)` when the gradients with respect to the module's
        outputs arrive, before they flow into the module; a non-None result replaces them."""
        return _register(self._backward_pre_hooks, hook, prepend)

    def register_state_dict_pre_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, prefix, keep_vars)` before state_dict() saves this module."""
        return _register(self._state_dict_pre_hooks, hook, False)

    def register_state_dict_post_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, state_dict, prefix, local_metadata)` once this module and its
        children are in the state dict; it may change the dict in place (and returns None)."""
        return _register(self._state_dict_hooks, hook, False)

    def _register_state_dict_hook(self, hook) -> RemovableHandle:
        """PyTorch's older, private form of register_state_dict_post_hook, which libraries
        still call: the hook may also return a new dict, which state_dict() returns when this
        module is the one it was called on (a child's is dropped, as PyTorch's)."""
        return _register(self._state_dict_hooks, _ReturningHook(hook), False)

    def register_load_state_dict_pre_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)` before load_state_dict() loads: it may rename keys of
        an old checkpoint in the (copied) state dict."""
        return _register(self._load_state_dict_pre_hooks, hook, False)

    def register_load_state_dict_post_hook(self, hook) -> RemovableHandle:
        """Call `hook(module, incompatible_keys)` after loading; changing its missing_keys or
        unexpected_keys lists in place changes what strict loading refuses."""
        return _register(self._load_state_dict_post_hooks, hook, False)

    # -- devices and dtypes ------------------------------------------------------------------
    def _apply(self, fn) -> Module:
        """Convert every parameter (in place, so optimizers keep them) and buffer with fn."""
        with no_grad():
            for module in self.modules():
                for param in module._parameters.values():
                    if param is None:
                        continue
                    param.data = fn(param)
                    if param._grad is not None:
                        param._grad = fn(param._grad)
                for name, buffer in module._buffers.items():
                    if isinstance(buffer, UninitializedBuffer):  # a lazy module's: kept lazy
                        buffer.data = fn(buffer)
                    elif buffer is not None:
                        module._buffers[name] = fn(buffer)
        return self

    def to(self, *args, **kwargs) -> Module:
        """`to(device)`, `to(dtype)` (floating-point tensors only), or both, as PyTorch;
        `memory_format=` applies to the 4-d and 5-d tensors (conv weights), as PyTorch's."""
        memory_format = kwargs.pop("memory_format", None)
        if memory_format is not None:
            layout.check_format(memory_format, "to")
        wanted = [kwargs.get("dtype"), *(a.dtype if isinstance(a, Tensor) else a for a in args)]
        for d in wanted:
            if _is_dtype(d) and not dtypes.to_dtype(d).is_floating_point:
                raise TypeError(
                    "nn.Module.to only accepts floating point or complex dtypes, but got "
                    f"desired dtype={dtypes.to_dtype(d)}"
                )

        def convert(t: Tensor) -> Tensor:
            if memory_format is not None and t.ndim in (4, 5):
                t = t.to(memory_format=memory_format)
            if t.is_floating_point():
                return t.to(*args, **kwargs)
            dev = [a for a in args if not _is_dtype(a)]
            return t.to(*dev, device=kwargs.get("device")) if dev or "device" in kwargs else t

        return self._apply(convert)

    def cuda(self, device=None) -> Module:
        return self._apply(lambda t: t.cuda(device))

    def to_empty(self, *, device, recurse: bool = True) -> Module:
        """Parameters and buffers on `device` without their values (PyTorch leaves them
        uninitialised; here they are zeros): initialise them afterwards."""
        from minigrad.creation import empty_like

        if not recurse:
            raise NotImplementedError("to_empty(recurse=False) is not supported by minigrad")
        return self._apply(lambda t: empty_like(t, device=device).zero_())

    def share_memory(self) -> Module:
        """Move parameters and buffers into shared memory (`Tensor.share_memory_`), so that
        processes forked afterwards (Hogwild training) update the same values."""
        return self._apply(lambda t: t.share_memory_())

    def compile(self, *args, **kwargs) -> None:
        """Compile this module's forward in place (`model.compile()`, PyTorch 2): calls of
        `model(...)` then replay traced graphs, one set for training and one for eval mode.
        Arguments are those of `minigrad.compile`; hooks run around the compiled forward."""
        from minigrad.static.compile import compile as compile_fn

        forward = type(self).forward.__get__(self)
        graphs = {mode: compile_fn(forward, *args, **kwargs) for mode in (True, False)}
        object.__setattr__(self, "forward", _CompiledForward(self, graphs))

    def cpu(self) -> Module:
        return self._apply(lambda t: t.cpu())

    def type(self, dst_type) -> Module:
        return self._apply(lambda t: t.to(dtype=dst_type))

    def float(self) -> Module:
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> Module:
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> Module:
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    # -- state dicts -------------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """Parameters, persistent buffers and extra state by dotted name, detached unless
        keep_vars; the state-dict hooks run as PyTorch's (pre before, post after a module)."""
        if args:
            destination, prefix, keep_vars = (list(args) + [prefix, keep_vars])[:3]
        if destination is None:
            out = OrderedDict()
            out._metadata = OrderedDict()  # each module's version, by its prefix
        else:
            out = destination
        return self._save_into(out, prefix, keep_vars)

    def _save_into(self, out, prefix: str, keep_vars: bool):
        # NOTE: a module used at two places is saved under both names, as PyTorch's
        local_metadata = {"version": self._version}
        if hasattr(out, "_metadata"):
            out._metadata[prefix[:-1]] = local_metadata
        for hook in list(self._state_dict_pre_hooks.values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(out, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child._save_into(out, f"{prefix}{name}.", keep_vars)
        for hook in list(self._state_dict_hooks.values()):
            result = hook(self, out, prefix, local_metadata)
            if result is not None and isinstance(hook, _ReturningHook):
                out = result
            elif result is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return out

    def _save_to_state_dict(self, destination, prefix: str, keep_vars: bool) -> None:
        """This module's own entries (parameters, persistent buffers, extra state), not its
        children's: PyTorch's step, which a module may override to save its state its way."""
        entries = list(self._parameters.items()) + [
            (n, b) for n, b in self._buffers.items() if n not in self._non_persistent_buffers_set
        ]
        for name, value in entries:
            if value is not None:
                # an UninitializedParameter is saved as it is (its detach would raise)
                keep = keep_vars or is_lazy(value)
                destination[prefix + name] = value if keep else value.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def get_extra_state(self):
        """What a module that overrides this method adds to its state dict (any object, under
        the key `_extra_state`); set_extra_state gets it back from load_state_dict."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called: "
            "override get_extra_state and set_extra_state together."
        )

    def set_extra_state(self, state) -> None:
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called: "
            "override get_extra_state and set_extra_state together."
        )

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values into this module's tensors (with assign, put the checkpoint's tensors in
        their place) and extra state; list missing/unexpected keys and size mismatches in one
        RuntimeError (only mismatches when strict=False).
        Each module loads its part of a copy of the dict in turn, as PyTorch's: its
        load-state-dict pre-hooks first (they may rename keys of an old checkpoint), its
        post-hooks once its children are loaded."""
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None) or {}
        self._load_from(OrderedDict(state_dict), "", metadata, missing, unexpected, errors, assign)
        if strict and unexpected:  # inserted in turn: PyTorch lists missing keys first
            errors.insert(0, f"Unexpected key(s) in state_dict: {_listed(unexpected)}. ")
        if strict and missing:
            errors.insert(0, f"Missing key(s) in state_dict: {_listed(missing)}. ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    def _load_from(
        self, sd, prefix: str, metadata, missing, unexpected, errors, assign: bool
    ) -> None:
        local = {**metadata.get(prefix[:-1], {}), "assign_to_params_buffers": assign}
        self._load_from_state_dict(sd, prefix, local, True, missing, unexpected, errors)
        for name, child in self._modules.items():
            if child is not None:
                child_prefix = f"{prefix}{name}."
                part = {k: v for k, v in sd.items() if k.startswith(child_prefix)}
                child._load_from(part, child_prefix, metadata, missing, unexpected, errors, assign)
        keys = _IncompatibleKeys(missing, unexpected)
        for hook in list(self._load_state_dict_post_hooks.values()):
            if hook(self, keys) is not None:
                raise AssertionError(
                    "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                    "expected to return new values, if incompatible_keys need to be modified, "
                    "it should be done inplace."
                )

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        """Load this module's own entries (not its children's) from state_dict, adding to the
        three lists: PyTorch's step, with its signature, which a module may override (to
        rename or convert an old checkpoint's keys before calling this one)."""
        for hook in list(self._load_state_dict_pre_hooks.values()):
            hook(
                self,
                state_dict,
                prefix,
                local_metadata,
                strict,
                missing_keys,
                unexpected_keys,
                error_msgs,
            )
        lazy_hook = getattr(self, "_load_state_dict_hook", None)
        if lazy_hook is not None:  # a lazy module takes its shapes from the state dict
            lazy_hook(state_dict, prefix)
        assign = local_metadata.get("assign_to_params_buffers", False)
        local = {n: p for n, p in self._parameters.items() if p is not None}
        local.update(
            (n, b)
            for n, b in self._buffers.items()
            if b is not None and n not in self._non_persistent_buffers_set
        )
        for name in local:
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
            elif error := _load_state(self, name, state_dict[key], key, assign):
                error_msgs.append(error)
        extra_key = prefix + "_extra_state"
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_key:
                    head, *rest = key[len(prefix) :].split(".", 1)
                    if head not in (self._modules if rest else local):
                        unexpected_keys.append(key)

    # -- printing ----------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [line for line in self.extra_repr().split("\n") if line]
        one_liner = len(lines) <= 1 and not self._modules
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if one_liner:
            return f"{self._get_name()}({''.join(lines)})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class _HookIdentity(Function):
    """The identity on the tensors that pass a module's boundary; its backward hands their
    gradients to `on_grads` (the module's backward hooks) and passes on what it returns.
    Tensors that need no gradient pass as non-differentiable outputs."""

    @staticmethod
    def forward(ctx, on_grads, materialize, *tensors):
        ctx.on_grads = on_grads
        # NOTE: PyTorch's hooks see zeros for the inputs that got no gradient, but None for
        # the outputs that got none (an unused output), and pass that None on.
        ctx.set_materialize_grads(materialize)
        arrays = tuple(t.array for t in tensors)
        ctx.mark_non_differentiable(*(a for a, t in zip(arrays, tensors) if not t.requires_grad))
        return arrays

    @staticmethod
    def backward(ctx, *grads):
        return (None, None, *ctx.on_grads(grads))


class _BackwardHook:
    """One call's link between the gradients at a module's outputs and at its inputs:
    `wrap_outputs` catches grad_output (and runs the pre-hooks), `wrap_inputs` catches
    grad_input and runs the full backward hooks with both."""

    def __init__(self, module: Module):
        self.module = module
        self.grad_outputs = None
        # the legacy hooks of register_backward_hook run elsewhere (on the output's node)
        legacy = module._is_full_backward_hook is False
        self.full_hooks = {} if legacy else module._backward_hooks

    @staticmethod
    def _wrap(values: tuple, on_grads, materialize: bool):
        """Values with their tensors passed through a _HookIdentity, and the tensors'
        positions (None when none needs a gradient: then nothing is wrapped)."""
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        if not (any(values[i].requires_grad for i in index) and is_grad_enabled()):
            return values, None
        passed = _HookIdentity.apply(on_grads, materialize, *(values[i] for i in index))
        values = list(values)
        for i, t in zip(index, passed):
            values[i] = t
        return tuple(values), index

    @staticmethod
    def _pack(index, values, size) -> tuple:
        packed = [None] * size
        for i, v in zip(index, values):
            packed[i] = v
        return tuple(packed)

    def wrap_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        args, self.input_index = self._wrap(args, self._on_grad_inputs, True)
        return args

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        self.n_outputs = len(outputs)
        outputs, self.output_index = self._wrap(outputs, self._on_grad_outputs, False)
        return outputs[0] if single else outputs

    def _on_grad_outputs(self, grads: tuple) -> tuple:
        grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for hook in list(self.module._backward_pre_hooks.values()):
            new = hook(self.module, grad_outputs)
            if new is None:
                continue
            new = new if isinstance(new, tuple) else (new,)
            if len(new) != len(grad_outputs):
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, "
                    f"got {len(new)}, but expected {len(grad_outputs)}"
                )
            grad_outputs = _checked_hook_values(hook, grad_outputs, new)
        if self.input_index is None:
            # no input needs a gradient: the hooks fire now, with grad_input all None
            if self.full_hooks:
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to "
                    "module outputs since no inputs require gradients.",
                    stacklevel=2,
                )
            grad_inputs = (None,) * self.n_inputs
            for hook in list(self.full_hooks.values()):
                new = hook(self.module, grad_inputs, grad_outputs)
                if new is not None and not all(g is None for g in new):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
        else:
            self.grad_outputs = grad_outputs
        return tuple(grad_outputs[i] for i in self.output_index)

    def _on_grad_inputs(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:  # a gradient that reached the inputs without the outputs
            return grads
        grad_inputs = self._pack(self.input_index, grads, self.n_inputs)
        for hook in list(self.full_hooks.values()):
            new = hook(self.module, grad_inputs, self.grad_outputs)
            if new is None:
                continue
            new = new if isinstance(new, tuple) else (new,)
            if len(new) != len(grad_inputs):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, "
                    f"got {len(new)}, but expected {len(grad_inputs)}"
                )
            grad_inputs = _checked_hook_values(hook, grad_inputs, new)
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_index)


def _checked_hook_values(hook, old: tuple, new: tuple) -> tuple:
    """A backward hook's gradients, each checked against the one it replaces."""
    return tuple(
        n if n is None or o is None else checked_hook_value(hook, o, n) for o, n in zip(old, new)
    )


class _CompiledForward:
    """Module.compile's forward: the compiled function of the module's own forward for its
    current mode (a graph traced in training mode has dropout and batch statistics in it)."""

    def __init__(self, module: Module, graphs: dict):
        self.module, self.graphs = module, graphs

    def __call__(self, *args):
        return self.graphs[self.module.training](*args)


def _add_legacy_backward_hooks(module: Module, hooks: list, args: tuple, result) -> None:
    """register_backward_hook's hooks, on the node that made the module's (first) output,
    with PyTorch's FutureWarnings where its grad_input or grad_output differs from the
    module's own."""
    var = result
    while not isinstance(var, Tensor):
        var = (
            next(v for v in var.values() if isinstance(v, Tensor))
            if isinstance(var, dict)
            else var[0]
        )
    grad_fn = var.grad_fn
    if grad_fn is None:
        return
    for hook in hooks:
        grad_fn.register_hook(functools.partial(hook, module))
    outputs = (result,) if isinstance(result, Tensor) else result
    if not (isinstance(outputs, tuple) and all(isinstance(r, Tensor) for r in outputs)):
        _legacy_warning("that does not return a single Tensor or a tuple of Tensors", "output")
        return
    if not all(isinstance(a, Tensor) for a in args):
        _legacy_warning(
            "that does not take as input a single Tensor or a tuple of Tensors", "input"
        )
        return
    out_nodes = {r.grad_fn for r in outputs if r.grad_fn is not None}
    if len(out_nodes) > 1:
        _legacy_warning("", "output", "when outputs are generated by different autograd Nodes")
    elif {a.grad_fn for a in args if a.grad_fn is not None} != {
        n for n, _ in grad_fn.next_functions
    }:
        _legacy_warning("", "input", "when the forward contains multiple autograd Nodes")


def _legacy_warning(on_module: str, missing: str, when: str = "") -> None:
    what = f"on a Module {on_module}" if on_module else when
    warnings.warn(
        f"Using a non-full backward hook {what} is deprecated and will be removed in future "
        f"versions. This hook will be missing some grad_{missing}. Please use "
        "register_full_backward_hook to get the documented behavior.",
        FutureWarning,
        stacklevel=3,
    )


class _Registered:
    """A class attribute that reads the parameter of its name (or the buffer or submodule, as
    `Module.__getattr__` does): a layer declares so the parameters its forward reads on every
    call (Linear's weight and bias).

    # NOTE: `self.weight` otherwise reaches `Module.__getattr__` only after Python's own lookup
    # has failed, and on Python 3.11 that failure makes and drops an AttributeError: 0.5-0.8 us
    # a read, four reads per step of a two-layer MLP. What is read is the same: an attribute of
    # the instance itself still comes first (pruning sets one), a parametrization's property
    # on the class replaces this one, and a name in no registry raises the same AttributeError.
    """

    __slots__ = ("name",)

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, module, owner=None):
        if module is None:  # read on the class: no such attribute there, as in PyTorch
            raise AttributeError(f"type object '{owner.__name__}' has no attribute '{self.name}'")
        params = module.__dict__.get("_parameters", ())  # () before Module.__init__
        return params[self.name] if self.name in params else module.__getattr__(self.name)


class _WithKwargs:
    """A forward (pre-)hook registered with with_kwargs or always_call; calling it passes the
    keyword arguments only if it asked for them."""

    __slots__ = ("hook", "with_kwargs", "always_call")

    def __init__(self, hook, with_kwargs: bool, always_call: bool):
        self.hook, self.with_kwargs, self.always_call = hook, with_kwargs, always_call

    def __call__(self, module, args, kwargs, output):
        if self.with_kwargs:
            return self.hook(module, args, kwargs, output)
        return self.hook(module, args, output)


def _run_always_call_hooks(module, args, kwargs, result, called: set) -> None:
    """A pre-hook, forward or a forward hook raised: the always_call forward hooks that have
    not run yet run now, on the result so far (None before forward returned), as PyTorch's.
    An error of theirs only warns, so that the first error is the one raised."""
    hooks = [("global module", h) for h in _global_forward_hooks.values()]
    hooks += [("module", h) for h in module._forward_hooks.values()]
    for kind, hook in hooks:
        if type(hook) is not _WithKwargs or not hook.always_call or hook in called:
            continue
        try:
            new_result = hook(module, args, kwargs, result)
        except Exception as error:
            warnings.warn(
                f"{kind} forward hook with ``always_call=True`` raised an exception that was "
                f"silenced as another error was raised in forward: {error}",
                stacklevel=3,
            )
            continue
        if new_result is not None:
            result = new_result


def _pre_hook_with_kwargs(result, args: tuple, kwargs: dict) -> tuple:
    if result is None:
        return args, kwargs
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(
            "forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got "
            f"{result}."
        )
    return result


def _register(hooks: dict, hook, prepend: bool) -> RemovableHandle:
    handle = RemovableHandle(hooks, hook)
    if prepend:  # NOTE: dicts keep insertion order: move the new entry to the front
        rest = {k: v for k, v in hooks.items() if k != handle.id}
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(rest)
    return handle


def _owner_of(module: Module, target: str) -> tuple:
    """The submodule holding the attribute at the dotted path `target`, and its name; the
    AttributeError names the module that lacks it, as PyTorch's."""
    prefix, _, name = target.rpartition(".")
    owner = module.get_submodule(prefix)
    if not hasattr(owner, name):
        raise AttributeError(f"{owner._get_name()} has no attribute `{name}`")
    return owner, name


def _check_name(module: Module, name: str, kind: str, registry: str) -> None:
    """PyTorch's checks, in its order, of a name given to register_parameter, register_buffer
    or add_module: it may replace only an entry of its own registry. (PyTorch's text for a
    name taken elsewhere names no call: ours starts with the call's name.)"""
    if "_parameters" not in module.__dict__:
        raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if hasattr(module, name) and name not in module.__dict__[registry]:
        op = "add_module" if kind == "module" else f"register_{kind}"
        raise KeyError(f"{op}: attribute '{name}' already exists")


def _is_dtype(arg) -> bool:
    return isinstance(arg, dtypes.dtype) or arg in (float, int, bool)


class _ReturningHook:
    """A state-dict post hook registered with `_register_state_dict_hook`, whose result
    replaces the state dict."""

    def __init__(self, hook):
        self.hook = hook

    def __call__(self, *args):
        return self.hook(*args)


def _load_state(module: Module, name: str, value, key: str, assign: bool) -> str | None:
    """Copy `value` (a Tensor or a NumPy array) into the tensor `name` of module in place, or
    with assign put it there (as a Parameter where one was, keeping its requires_grad), as
    PyTorch's load_state_dict; an error text or None."""
    target = getattr(module, name)
    if is_lazy(target):  # still lazy after the lazy hook: so is the saved one, nothing to copy
        return None
    if not hasattr(value, "shape"):
        return (
            f'While copying the parameter named "{key}", expected minigrad.Tensor or '
            f"Tensor-like object from checkpoint but received {type(value)}"
        )
    # PyTorch's rule for its old checkpoints: a 0-d tensor saved as one of shape (1,); any
    # other 1-d shape (an empty one too) is a size mismatch, not an IndexError
    if target.ndim == 0 and tuple(value.shape) == (1,):
        value = value[0]
    if tuple(value.shape) != tuple(target.shape):
        return (
            f"size mismatch for {key}: copying a param with shape {Size(value.shape)!r} from "
            f"checkpoint, the shape in current model is {target.shape!r}."
        )
    if assign:
        if not isinstance(value, Tensor):
            value = Tensor._make(target._device.xp.asarray(value))
        if isinstance(target, Parameter):
            if not isinstance(value, Parameter):
                value = Parameter(value, requires_grad=target.requires_grad)
            value.requires_grad_(target.requires_grad)
        setattr(module, name, value)
        return None
    if isinstance(value, Tensor):
        array = value.to(target._device).array
    else:
        array = target._device.xp.asarray(value)
    target.array[...] = array
    target._version += 1
    return None
