"""Pruning (PyTorch's `torch.nn.utils.prune`): zero some entries of a module's tensor through a
mask, as the "Pruning Tutorial" does.

`l1_unstructured(module, "weight", amount=0.3)` moves the parameter to `weight_orig`, stores a
0/1 buffer `weight_mask`, and makes `module.weight` the plain tensor `weight_orig * weight_mask`,
recomputed by a forward pre-hook (the pruning method itself) before every call. Pruning the
same tensor again combines the methods in a `PruningContainer` whose new mask only prunes
what is still unpruned. `remove(module, "weight")` makes the pruning permanent: `weight` is a
parameter again, holding the pruned values. `amount` is a count (int) or a fraction (float in
[0, 1], rounded to a count) of the entries (unstructured) or channels (structured) to prune.
"""

from __future__ import annotations

import abc
import numbers
from collections.abc import Iterable

from minigrad import dtypes
from minigrad.creation import ones_like, rand, rand_like, zeros, zeros_like
from minigrad.nn.utils.convert_parameters import parameters_to_vector
from minigrad.tensor import Tensor

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]


class BasePruningMethod(abc.ABC):
    """A way of choosing a mask. Subclasses set PRUNING_TYPE ("unstructured", "structured" or
    "global") and define compute_mask(t, default_mask), which returns the new 0/1 mask (the
    shape of t) that keeps every zero of default_mask."""

    PRUNING_TYPE: str | None = None
    _tensor_name: str | None = None

    def __call__(self, module, inputs):
        """The forward pre-hook: recompute the pruned tensor from the current original."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abc.abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor: ...

    def apply_mask(self, module) -> Tensor:
        """module.<name>_orig * module.<name>_mask (differentiable in the original)."""
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name: str, *args, importance_scores=None, **kwargs):
        """Prune module.<name> with cls(*args, **kwargs), on top of any earlier pruning of it;
        importance_scores (the tensor's shape) rank the entries instead of the tensor itself."""
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None and importance_scores.shape != orig.shape:
            raise AssertionError(  # PyTorch's type
                f"prune: importance_scores should have the same shape as parameter {name} of "
                f"{type(module).__name__}, got {tuple(importance_scores.shape)} vs "
                f"{tuple(orig.shape)}"
            )
        first = not isinstance(method, PruningContainer)
        if first:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            scores = orig if importance_scores is None else importance_scores
            module.register_buffer(name + "_mask", method.compute_mask(scores, default_mask))
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first:  # leave the module as it was
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
            raise
        return method

    def prune(self, t: Tensor, default_mask=None, importance_scores=None) -> Tensor:
        """t times the mask this method computes for it (no module involved)."""
        scores = t if importance_scores is None else importance_scores
        mask = ones_like(t) if default_mask is None else default_mask
        return t * self.compute_mask(scores, default_mask=mask)

    def remove(self, module) -> None:
        """Make the pruning permanent: <name> becomes a parameter holding orig * mask again;
        <name>_orig and <name>_mask go away."""
        name = self._tensor_name
        weight = self.apply_mask(module)
        if name in module.__dict__:
            delattr(module, name)
        orig = module._parameters.pop(name + "_orig")
        orig.data = weight.data
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


def _composite_method(cls, module, name: str, *args, **kwargs) -> BasePruningMethod:
    """The new method, or the module's earlier pruning of `name` (its hook taken off) with the
    new method added in a PruningContainer."""
    earlier = [
        key
        for key, hook in module._forward_pre_hooks.items()
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name
    ]
    if len(earlier) > 1:
        raise AssertionError(  # PyTorch's type
            f"prune: {len(earlier)} pruning hooks act on the same tensor {name!r} of "
            f"{type(module).__name__}; combine them in one PruningContainer"
        )
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if not earlier:
        return method
    old = module._forward_pre_hooks.pop(earlier[0])
    if not isinstance(old, PruningContainer):
        old = PruningContainer(old)
    old.add_pruning_method(method)
    return old


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after another to one tensor; its mask is the latest
    method's, computed only on what the earlier ones left (unpruned entries, or channels that
    are not all zero)."""

    def __init__(self, *methods):
        self._pruning_methods: tuple = ()
        if len(methods) == 1:
            self._tensor_name = methods[0]._tensor_name
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method) -> None:
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                f"Can only add pruning methods acting on the parameter named "
                f"'{self._tensor_name}' to PruningContainer {self}. Found "
                f"'{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, index):
        return self._pruning_methods[index]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        method = self._pruning_methods[-1]
        mask = default_mask.to(dtype=t.dtype)
        where = _still_unpruned(method, default_mask)
        mask[where] = method.compute_mask(t[where], default_mask=default_mask[where]).to(
            dtype=mask.dtype
        )
        return mask


def _still_unpruned(method: BasePruningMethod, mask: Tensor):
    """The index of the part of a tensor that `method` may still prune, given the mask so far."""
    if method.PRUNING_TYPE == "unstructured":
        return mask == 1
    if method.PRUNING_TYPE == "global":
        return (slice(None),) * mask.ndim
    if method.PRUNING_TYPE != "structured":
        raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
    if not hasattr(method, "dim"):
        raise AttributeError(
            'Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.'
        )
    dim = method.dim + mask.ndim if method.dim < 0 else method.dim
    if dim < 0:
        raise IndexError(f"Index is out of bounds for tensor with dimensions {mask.ndim}")
    others = [d for d in range(mask.ndim) if d != dim]
    index = [slice(None)] * mask.ndim
    index[dim] = mask.sum(dim=others) != 0
    return tuple(index)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask of ones (so that the tensor is reparametrized)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes `amount` entries chosen at random."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _zero_top(default_mask, rand_like(t), self.amount, largest=True)

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes the `amount` entries of smallest absolute value."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _zero_top(default_mask, t.abs(), self.amount, largest=False)

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes `amount` whole channels along `dim`, chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _check_amount(amount)
        self.amount, self.dim = amount, dim

    def compute_mask(self, t, default_mask):
        size = _channels(t, self.dim)
        count = _count_to_prune(self.amount, size)
        if not count:
            return default_mask
        scores = rand(size, device=t.device)
        keep = scores > scores.kthvalue(count).values
        return _channel_mask(t, self.dim, keep) * default_mask.to(dtype=t.dtype)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the `amount` channels along `dim` of smallest L`n` norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _check_amount(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t, default_mask):
        size = _channels(t, self.dim)
        count = _count_to_prune(self.amount, size)
        if not count:
            return default_mask
        dim = self.dim % t.ndim
        norms = t.norm(p=self.n, dim=[d for d in range(t.ndim) if d != dim])
        keep = zeros(size, dtype=dtypes.bool_, device=t.device)
        keep[norms.topk(size - count).indices] = True
        return _channel_mask(t, dim, keep) * default_mask.to(dtype=t.dtype)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(
            module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores
        )


class CustomFromMask(BasePruningMethod):
    """Prunes where a given mask is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if default_mask.shape != self.mask.shape:
            raise AssertionError(  # PyTorch's type
                f"prune: the mask's shape {tuple(self.mask.shape)} is not the tensor's "
                f"{tuple(default_mask.shape)}"
            )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


def identity(module, name):
    """Reparametrize module.<name> with a mask of ones (prunes nothing)."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune `amount` random entries of module.<name>."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the `amount` entries of module.<name> of smallest absolute value."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    """Prune `amount` random channels of module.<name> along dim."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the `amount` channels of module.<name> along dim of smallest L`n` norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    """Prune module.<name> where mask is 0."""
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the (module, name) pairs of `parameters` together: pruning_method(**kwargs) (an
    unstructured one) ranks all their entries at once, so a layer may lose more than another."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = {} if importance_scores is None else importance_scores
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
            f"{pruning_method} of type {method.PRUNING_TYPE}"
        )
    tensors = [getattr(module, name) for module, name in parameters]
    scores = parameters_to_vector(
        [importance_scores.get(pair, t) for pair, t in zip(parameters, tensors)]
    )
    default_mask = parameters_to_vector(
        [
            getattr(module, name + "_mask", ones_like(t))
            for (module, name), t in zip(parameters, tensors)
        ]
    )
    method._tensor_name = "temp"
    container = PruningContainer(method)
    mask = container.compute_mask(scores, default_mask)
    start = 0
    for (module, name), t in zip(parameters, tensors):
        custom_from_mask(module, name, mask=mask[start : start + t.numel()].view_as(t))
        start += t.numel()


def remove(module, name):
    """Make the pruning of module.<name> permanent (see BasePruningMethod.remove)."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(
        f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed"
    )


def is_pruned(module) -> bool:
    """Whether any submodule of module has a pruning hook."""
    return any(
        isinstance(hook, BasePruningMethod)
        for submodule in module.modules()
        for hook in submodule._forward_pre_hooks.values()
    )


def _check_amount(amount) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    integral = isinstance(amount, numbers.Integral)
    if (integral and amount < 0) or (not integral and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(
            f"amount={amount} should either be a float in the range [0, 1] or a non-negative "
            "integer"
        )


def _zero_top(default_mask, scores, amount, largest: bool):
    """A copy of default_mask with 0 at the `amount` entries of largest (or smallest) score."""
    count = _count_to_prune(amount, scores.numel())
    mask = default_mask.clone()
    if count:
        mask.view(-1)[scores.view(-1).topk(count, largest=largest).indices] = 0
    return mask


def _count_to_prune(amount, size: int) -> int:
    """amount itself (an int) or round(amount * size) (a fraction)."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(
                f"amount={amount} should be smaller than the number of parameters to prune={size}"
            )
        return amount
    return round(amount * size)


def _channels(t: Tensor, dim: int) -> int:
    """The number of channels along dim of a tensor that structured pruning can prune."""
    if t.ndim <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. Found tensor "
            f"of shape {tuple(t.shape)} with {t.ndim} dims"
        )
    if dim >= t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {tuple(t.shape)}")
    return t.shape[dim]


def _channel_mask(t: Tensor, dim: int, keep: Tensor) -> Tensor:
    """Ones in the channels along dim where keep is True, zeros elsewhere (t's shape)."""
    mask = zeros_like(t)
    index = [slice(None)] * t.ndim
    index[dim] = keep
    mask[tuple(index)] = 1
    return mask
