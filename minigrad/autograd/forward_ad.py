"""Dual tensors (PyTorch's `torch.autograd.forward_ad`): inside `with dual_level():`,
`make_dual(x, t)` pairs a tensor with a tangent, and `unpack_dual(f(...)).tangent` is J t, the
Jacobian of f times the tangents of the dual tensors f was computed from.

NOTE: minigrad has no forward-mode rules. A dual tensor is recorded in the (reverse-mode)
graph, and unpack_dual computes J t from it with the double-backward trick, as func.jvp does:
the same numbers, two backward passes per unpack. So the computation between make_dual and
unpack_dual must run with gradients enabled (unpack_dual under no_grad of a tensor without a
graph raises RuntimeError rather than answer None), a dual tensor made from a tensor that
does not require grad reports requires_grad=True, a custom Function's `jvp` staticmethod is
not called (its backward is), and a dual tensor prints without its tangent.
"""

from __future__ import annotations

from collections import namedtuple

from minigrad.autograd import engine
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled
from minigrad.tensor import Tensor

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

# The open level's dual tensors: id(dual) -> (dual, primal, tangent). One level at most, as in
# PyTorch; None when no level is open.
_duals: dict | None = None


def enter_dual_level() -> int:
    """Open the forward AD level (what `with dual_level():` does); returns its index, 0."""
    global _duals
    if _duals is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _duals = {}
    return 0


def exit_dual_level(*, level=None) -> None:
    """Close the level: its dual tensors lose their tangents."""
    global _duals
    if _duals is None or level not in (None, 0):
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. "
            "This is not supported."
        )
    _duals = None


class dual_level:  # noqa: N801 - PyTorch's name
    """Context manager of a forward AD level: dual tensors made inside it have tangents there,
    and none after it."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def make_dual(tensor, tangent, *, level=None):
    """A tensor with tensor's values that carries `tangent` in the open level. Gradients
    through it flow to `tensor` (backward differentiable, as in PyTorch)."""
    if _duals is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    for name, t in (("primal", tensor), ("tangent", tangent)):
        if not t.is_floating_point():
            raise ValueError(f"Expected {name} to be floating point or complex, but got: {t.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}."
        )
    if tangent.stride() != tensor.stride():
        tangent = tangent.contiguous()  # PyTorch copies it into the primal's layout
    with enable_grad():
        dual = tensor.view_as(tensor) if tensor.requires_grad else tensor.detach()
    if not dual.requires_grad:
        dual.requires_grad_()  # a leaf of its own: the graph from it is what J t walks
    _duals[id(dual)] = (dual, tensor, tangent)
    return dual


def unpack_dual(tensor, *, level=None) -> UnpackedDualTensor:
    """(primal, tangent) of tensor: tangent is J t over the open level's dual tensors, or None
    when tensor does not depend on any of them (or no level is open)."""
    if _duals is None or not isinstance(tensor, Tensor):
        return UnpackedDualTensor(tensor, None)
    if id(tensor) in _duals and _duals[id(tensor)][0] is tensor:
        _, primal, tangent = _duals[id(tensor)]
        return UnpackedDualTensor(primal, tangent)
    if not _duals:
        return UnpackedDualTensor(tensor, None)
    if not tensor.requires_grad and not is_grad_enabled():
        raise RuntimeError(
            "unpack_dual: minigrad finds tangents through the recorded graph, which no_grad "
            "turns off: compute from dual tensors with gradients enabled (a tensor that does "
            "not depend on them gives tangent None there)"
        )
    if not tensor.requires_grad:
        return UnpackedDualTensor(tensor, None)
    duals, primals, tangents = zip(*_duals.values())
    # as in PyTorch, the tangent is differentiable when the primals or tangents are
    differentiable = any(t.requires_grad for t in primals + tangents)
    with enable_grad():
        dummy = tensor.detach().new_zeros(tensor.shape).requires_grad_()
        try:
            transposed = engine.grad(
                tensor, duals, dummy, retain_graph=True, create_graph=True, allow_unused=True
            )  # J^T u for each dual tensor, linear in u
        except NotImplementedError as error:
            raise NotImplementedError(
                "unpack_dual: minigrad computes tangents in reverse mode, so every op between "
                "make_dual and unpack_dual needs a backward (a custom Function's jvp is not "
                f"used): {error}"
            ) from error
        used = [(g, t) for g, t in zip(transposed, tangents) if g is not None]
        if not used:
            return UnpackedDualTensor(tensor, None)
        (product,) = engine.grad(
            [g for g, _ in used],
            dummy,
            [t for _, t in used],
            create_graph=differentiable,
            allow_unused=True,
        )
    if product is None:  # J^T u does not depend on u: J is zero
        product = tensor.detach().new_zeros(tensor.shape)
    return UnpackedDualTensor(tensor, product)
