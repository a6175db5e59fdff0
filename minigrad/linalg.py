"""`minigrad.linalg`, as `torch.linalg`: norms, inverses, determinants, linear systems and
factorizations (Cholesky, QR, eigh, SVD, LU) of batches of matrices (*, m, n), with gradients.
The ops live in `minigrad.ops.linalg` and `minigrad.ops.lu` (`tensorinv` and `tensorsolve`
reshape to them); complex matrices, general eig (its results are complex) and the `*_ex`
variants are not here (see docs/nn.md)."""

from __future__ import annotations

import math

from minigrad import dtypes
from minigrad.ops import indexing as indexing_ops
from minigrad.ops import reduce as reduce_ops
from minigrad.ops._util import expect_floating, kernel_type
from minigrad.ops.linalg import (
    LinAlgError,
    cholesky,
    cross,
    det,
    eigh,
    eigvalsh,
    inv,
    lstsq,
    matrix_exp,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    qr,
    slogdet,
    solve,
    solve_triangular,
    svd,
    svdvals,
    vecdot,
)
from minigrad.ops.lu import lu, lu_factor, lu_solve
from minigrad.ops.matmul import matmul
from minigrad.tensor import Tensor

__all__ = [
    "LinAlgError",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "householder_product",
    "inv",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (all dims by default); ord may be inf."""
    if isinstance(ord, str):  # 'fro' and 'nuc' are matrix norms
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dtype is not None:
        expect_floating("linalg.vector_norm", x)
        dtype = dtypes.to_dtype(dtype)
        if dtypes.promote_types(x.dtype, dtype) is not dtype:  # as PyTorch: no narrowing
            given = kernel_type(x.array.dtype)[1:-1]
            raise RuntimeError(
                f"linalg.vector_norm: the dtype of the input ({given}) should be convertible "
                f"without narrowing to the specified dtype ({dtype})"
            )
        x = x.to(dtype=dtype)
    return reduce_ops.norm(x, ord, dim, keepdim)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector norm (1-D input, an int dim, or ord=None: the 2-norm of all elements), or a
    matrix norm (2-D input with an ord, or a 2-tuple dim), as `torch.linalg.norm`."""
    matrix = (dim is None and A.ndim == 2 and ord is not None) or (
        dim is not None and not isinstance(dim, int) and len(dim) == 2
    )
    if matrix:
        return matrix_norm(A, "fro" if ord is None else ord, dim or (-2, -1), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(
            f"linalg.norm: ord={ord!r} is a matrix norm, but the input has shape "
            f"{tuple(A.shape)} (give a 2-D input or a 2-tuple dim)"
        )
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A.ndim}D."
        )
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The increasing powers x^0, ..., x^(N - 1) of each element of the last dim, as PyTorch's
    (cumulative products: a zero has gradient 1 for its x^1): (*, n) -> (*, n, N)."""
    N = x.shape[-1] if N is None and x.ndim else N
    if N is None or N <= 1:
        raise RuntimeError("N must be greater than 1.")
    return reduce_ops.vander(x.reshape(-1), N, increasing=True).reshape(*x.shape, N)


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number of each matrix: the ratio of its largest to its smallest singular
    value (p None or 2; -2 the reverse, any shape), else ||A||_p ||A^-1||_p of square
    matrices ('fro', 'nuc', inf, -inf, 1, -1); inf for a singular one, as PyTorch's."""
    if p in (None, 2, -2):
        s = svdvals(A)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    if p not in ("fro", "nuc", 1, -1, float("inf"), float("-inf")):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        rows, cols = (A.shape[-2], A.shape[-1]) if A.ndim >= 2 else (A.shape[-1], 1)
        raise RuntimeError(
            f"linalg.cond(ord={p}): A must be batches of square matrices, but they are {rows} "
            f"by {cols} matrices"
        )
    try:
        inverse = inv(A)
    except LinAlgError:  # a singular matrix: an infinite condition number
        return Tensor._make(A.device.xp.full(tuple(A.shape[:-2]), float("inf"), A.array.dtype))
    return matrix_norm(A, p) * matrix_norm(inverse, p)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of A for tensordot over ind dims: A read as a square matrix with the first
    ind dims as rows, inverted, returned with shape A.shape[ind:] + A.shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(
            f"linalg.tensorinv: Expected a strictly positive integer for 'ind', but got {ind}"
        )
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(
            "linalg.tensorinv: Expected self to satisfy the requirement prod(self.shape[ind:]) "
            f"== prod(self.shape[:ind]), but got {cols} != {rows}"
        )
    return inv(A.reshape(rows, cols)).reshape(*A.shape[ind:], *A.shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) == B: the dims of A in dims are moved to the end first,
    then A is read as a square matrix (B's dims as rows) and the system solved."""
    if dims is not None:
        A = A.movedim(tuple(dims), tuple(range(A.ndim - len(dims), A.ndim)))
    shape = tuple(A.shape[B.ndim :])
    rows, cols = math.prod(A.shape[: B.ndim]), math.prod(shape)
    if rows != cols:
        raise RuntimeError(
            "linalg.tensorsolve: Expected self to satisfy the requirement "
            f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but got {cols} != "
            f"{rows}"
        )
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(shape)


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T, v_i column i of A with
    zeros above row i and 1 on it (what geqrf stores): (*, m, n), (*, k) -> (*, m, n).
    Built from differentiable ops, one reflection at a time (k is small in practice)."""
    op = "torch.linalg.householder_product"
    if A.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(
            f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal "
            f"to {tau.ndim} and input.ndim is equal to {A.ndim}"
        )
    m, n, k = A.shape[-2], A.shape[-1], tau.shape[-1]
    if m < n:
        raise RuntimeError(
            f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]"
        )
    if n < k:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(
            f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
            f"{list(tau.shape[:-1])}"
        )
    if A.array.dtype.kind != "f" or A.array.dtype.itemsize < 4:  # LAPACK's kernel has none
        raise NotImplementedError(f'"orgqr_cpu" not implemented for {kernel_type(A.array.dtype)}')
    if tau.dtype != A.dtype:
        raise RuntimeError(
            f"{op}: tau dtype {kernel_type(tau.array.dtype)[1:-1]} does not match input dtype "
            f"{kernel_type(A.array.dtype)[1:-1]}"
        )
    xp = A.device.xp
    rows = xp.arange(m)[:, None]
    Q = Tensor._make(xp.broadcast_to(xp.eye(m, dtype=A.array.dtype), (*A.shape[:-2], m, m)))
    for i in range(k):
        below = Tensor._make((rows > i).astype(A.array.dtype))  # (m, 1)
        v = A[..., i : i + 1] * below + Tensor._make((rows == i).astype(A.array.dtype))
        Q = Q - tau[..., i, None, None] * matmul(matmul(Q, v), v.mT)
    return Q[..., :n]


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of a batch of matrices (the last two dims by default), as a last dim."""
    return indexing_ops.diagonal(A, offset, dim1, dim2)
