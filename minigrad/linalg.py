"""`minigrad.linalg`: vector norms and the Frobenius norm, as in `torch.linalg`."""

from __future__ import annotations

from minigrad.ops import reduce as reduce_ops
from minigrad.tensor import Tensor


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (all dims by default); ord may be inf."""
    if dtype is not None:
        x = x.to(dtype=dtype)
    return reduce_ops.norm(x, ord, dim, keepdim)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector's norm, or a matrix's Frobenius norm (the default); other matrix norms
    (nuclear, spectral) need a singular value decomposition, which minigrad does not have."""
    vector = A.ndim == 1 or isinstance(dim, int)
    if ord is None or ord == "fro" or vector:
        return vector_norm(A, 2 if ord in (None, "fro") else ord, dim, keepdim, dtype=dtype)
    raise NotImplementedError(
        f"linalg.norm: the matrix norm ord={ord!r} is not supported by minigrad (only 'fro', or "
        "vector norms of 1-D tensors or along one dim)"
    )
