"""Helpers shared by the distributions: parameters broadcast to one shape, probabilities and
logits converted into each other, lazily computed parameters."""

from __future__ import annotations

import numbers

import numpy as np

import minigrad
from minigrad.ops._util import broadcast_error
from minigrad.tensor import Tensor

euler_constant = 0.57721566490153286061  # Euler-Mascheroni


def broadcast_all(*values) -> tuple[Tensor, ...]:
    """Numbers and tensors broadcast to one shape (views, so gradients flow back). Numbers
    take the first tensor's dtype and device, or the default dtype when all are numbers."""
    for value in values:
        if not isinstance(value, (Tensor, numbers.Number)):
            raise ValueError(
                "Input arguments must all be instances of Number or Tensor, got "
                f"{type(value).__name__}"
            )
    first = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = minigrad.get_default_dtype() if first is None else first.dtype
    device = None if first is None else first.device
    tensors = [
        v if isinstance(v, Tensor) else minigrad.tensor(v, dtype=dtype, device=device)
        for v in values
    ]
    shape = broadcast_shape(*tensors)
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


def broadcast_shape(*tensors: Tensor) -> minigrad.Size:
    """The shape the tensors broadcast to; RuntimeError as PyTorch when they do not."""
    try:
        return minigrad.Size(np.broadcast_shapes(*(tuple(t.shape) for t in tensors)))
    except ValueError:
        pairs = ((a, b) for i, a in enumerate(tensors) for b in tensors[i + 1 :])
        a, b = next((a, b) for a, b in pairs if not _broadcastable(a.shape, b.shape))
        raise broadcast_error("distributions", a, b) from None


def _broadcastable(a, b) -> bool:
    return all(x == y or 1 in (x, y) for x, y in zip(reversed(a), reversed(b)))


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped to [eps, 1 - eps] so that their logs stay finite."""
    eps = minigrad.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log(p) for categorical probabilities; log(p) - log(1 - p) for a binary one."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) for a binary distribution, softmax over the last dim otherwise."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """value summed over its `dim` rightmost dims (value itself when dim is 0)."""
    if dim == 0:
        return value
    return value.reshape(*value.shape[: value.ndim - dim], -1).sum(-1)


def show(value) -> str:
    """How PyTorch formats a parameter in a message: a 0-d tensor as its number."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return str(value.item())
    return str(value)


class lazy_property:
    """A parameter computed from another on first use and then kept on the instance (as
    PyTorch's: Categorical(logits=...) computes its probs only when asked).

    # NOTE: computed with grad enabled even under no_grad (sample() runs under no_grad): the
    # kept value is reused later, and entropy() must still reach the logits through it.
    """

    def __init__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with minigrad.enable_grad():
            value = self.fn(instance)
        instance.__dict__[self.fn.__name__] = value
        return value
