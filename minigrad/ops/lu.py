"""LU factorization with partial pivoting, A = P L U, of batches of matrices (*, m, n):
`linalg.lu_factor` (one op, `LuFactor`), and `linalg.lu`, `lu_unpack`, `linalg.lu_solve`
built on it with tensor ops (so their gradients come from LuFactor's and the ops').

LAPACK's layout, as PyTorch's: LU holds L below the diagonal (its unit diagonal left out) and
U on and above it; pivots (int32, 1-based) say that row i was swapped with row pivots[i] at
step i. NumPy has no LU, so `lu_arrays` eliminates column by column, vectorized over the
batch: O(min(m, n)) NumPy steps, each O(batch * m * n).
"""

from __future__ import annotations

import math

from minigrad import creation
from minigrad.autograd.function import Function
from minigrad.ops._util import expect_floating, kernel_type, write_all_out
from minigrad.ops.linalg import solve_triangular
from minigrad.ops.reduce import _return_type
from minigrad.ops.shape import cat, tril, triu
from minigrad.tensor import Tensor

RETURN_TYPES = {
    "linalg_lu_factor": _return_type("linalg_lu_factor", ("LU", "pivots")),
    "linalg_lu": _return_type("linalg_lu", ("P", "L", "U")),
    "lu_unpack": _return_type("lu_unpack", ("P", "L", "U")),
}


def lu_arrays(xp, a):
    """(LU, pivots) of the arrays a (*, m, n), by Gaussian elimination with partial pivoting:
    at step j the row with the largest |value| in column j (the first such) becomes row j."""
    *batch, m, n = a.shape
    k, items = min(m, n), math.prod(batch)
    lu = a.reshape(items, m, n).copy()
    pivots = xp.empty((items, k), dtype=xp.int32)
    items = xp.arange(items)
    for j in range(k):
        p = j + xp.argmax(xp.abs(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        row_j = lu[items, j].copy()
        lu[items, j] = lu[items, p]
        lu[items, p] = row_j
        pivot = lu[:, j, j]
        # NOTE: a zero pivot has a zero column below it (it is the largest): LAPACK leaves it
        # undivided, and so does dividing by 1
        lu[:, j + 1 :, j] /= xp.where(pivot == 0, 1, pivot)[:, None]
        lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j, None] * lu[:, j, None, j + 1 :]
    return lu.reshape(a.shape), pivots.reshape((*batch, k))


def permutation_arrays(xp, pivots, m: int, dtype):
    """The permutation matrices P (*, m, m) of LAPACK's pivots (*, k): P[perm[i], i] = 1."""
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    flat = pivots.reshape(math.prod(batch), k).astype(xp.int64) - 1
    items = xp.arange(flat.shape[0])
    perm = xp.broadcast_to(xp.arange(m), (flat.shape[0], m)).copy()
    for i in range(k):
        swap = flat[:, i]
        row_i = perm[:, i].copy()
        perm[:, i] = perm[items, swap]
        perm[items, swap] = row_i
    P = xp.zeros((flat.shape[0], m, m), dtype=dtype)
    P[items[:, None], perm, xp.arange(m)] = 1
    return P.reshape((*batch, m, m))


class LuFactor(Function):
    """(LU, pivots) with A = P L U. In P^T coordinates, for a square A, gA = P L^-T Phi U^-T,
    Phi = tril(L^T gL, -1) + triu(gU U^T); a wide or tall A adds the columns of U (rows of L)
    beyond the square part (`_lu_backward`)."""

    op_name = "linalg_lu_factor"

    @staticmethod
    def forward(ctx, A):
        lu, pivots = lu_arrays(A.device.xp, A.array)
        out = Tensor._make(lu), Tensor._make(pivots)
        ctx.save_for_backward(*out)
        return out

    @staticmethod
    def backward(ctx, glu, gpivots):
        lu, pivots = ctx.saved_tensors
        L, U = _unpacked(lu)
        gL, gU = _unpacked(glu, unit=False)
        return LuPermutation.apply(pivots, lu.shape[-2], lu.dtype) @ _lu_backward(L, U, gL, gU)


class LuPermutation(Function):
    """P (*, m, m) of LAPACK's pivots (*, k), in `dtype`; no gradient (the pivots are ints).
    An op, so that a static graph recomputes P from each replay's pivots."""

    op_name = "lu_permutation"

    @staticmethod
    def forward(ctx, pivots, m, dtype):
        return permutation_arrays(pivots.device.xp, pivots.array, m, dtype.np)


def _unpacked(lu: Tensor, unit: bool = True) -> tuple:
    """L (*, m, k) (unit lower triangular, or strictly lower if not unit) and U (*, k, n)."""
    m, n = lu.shape[-2], lu.shape[-1]
    k = min(m, n)
    L = tril(lu, -1)[..., :, :k]
    if unit:
        L = L + creation.eye(m, k, dtype=lu.dtype, device=lu.device)
    return L, triu(lu)[..., :k, :]


def _lu_backward(L: Tensor, U: Tensor, gL: Tensor, gU: Tensor) -> Tensor:
    """P^T gA for A = P L U (see LuFactor)."""
    m, k, n = L.shape[-2], L.shape[-1], U.shape[-1]
    L1, U1 = L[..., :k, :], U[..., :, :k]
    phi = tril(L1.mT @ gL[..., :k, :], -1) + triu(gU[..., :, :k] @ U1.mT)
    if n > k:  # wide: A2 = P L U2, so U2's gradient reaches A2 and L's
        gU2 = gU[..., :, k:]
        phi = phi - tril(gU2 @ U[..., :, k:].mT, -1)
    if m > k:  # tall: A2 = P L2 U, so L2's gradient reaches A2 and U's
        gL2 = gL[..., k:, :]
        phi = phi - triu(L[..., k:, :].mT @ gL2)
    g = solve_triangular(L1.mT, phi, upper=True, unitriangular=True)
    g = solve_triangular(U1.mT, g, upper=False, left=False)
    if n > k:
        g = cat([g, solve_triangular(L1.mT, gU2, upper=True, unitriangular=True)], -1)
    if m > k:
        g = cat([g, solve_triangular(U1.mT, gL2, upper=False, left=False)], -2)
    return g


def _check_lu_input(op: str, A: Tensor, pivot: bool) -> None:
    if A.ndim < 2:
        raise RuntimeError(
            f"{op}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead"
        )
    dtype = A.array.dtype
    if dtype.kind != "f" or dtype.itemsize < 4:  # PyTorch's LAPACK kernel has no such type
        raise NotImplementedError(f'{op}: "lu_cpu" not implemented for {kernel_type(dtype)}')
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """(LU, pivots) of each matrix (*, m, n): L and U packed in one matrix, and LAPACK's
    1-based int32 row swaps; RuntimeError if a matrix is singular (as PyTorch's, naming the
    zero diagonal entry of U). `lu` factors singular matrices too."""
    _check_lu_input("linalg.lu_factor", A, pivot)
    lu, pivots = LuFactor.apply(A)
    k = min(A.shape[-2], A.shape[-1])
    diagonal = lu.array[..., range(k), range(k)].reshape(math.prod(A.shape[:-2]), k)
    zeros = (diagonal == 0).nonzero()
    if len(zeros[0]):
        item, i = int(zeros[0][0]), int(zeros[1][0])
        where = f"(Batch element {item}): " if A.ndim > 2 else ""
        raise RuntimeError(  # PyTorch's type here, not its LinAlgError
            f"torch.linalg.lu_factor: {where}U[{i + 1},{i + 1}] is zero and using it on lu_solve "
            "would result in a division by zero. If you still want to perform the "
            "factorization, consider calling linalg.lu(A, pivot)"
        )
    result = RETURN_TYPES["linalg_lu_factor"](lu, pivots)
    return result if out is None else write_all_out("linalg.lu_factor", result, out)


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """(P, L, U) with A = P L U: P (*, m, m) a permutation (A's dtype), L (*, m, k) unit lower
    triangular, U (*, k, n) upper triangular, k = min(m, n); singular matrices too."""
    _check_lu_input("linalg.lu", A, pivot)
    result = RETURN_TYPES["linalg_lu"](*lu_unpack(*LuFactor.apply(A)))
    return result if out is None else write_all_out("linalg.lu", result, out)


def lu_unpack(
    LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True
):
    """(P, L, U) from lu_factor's (LU, pivots); L and U (or P) are empty tensors when
    unpack_data (unpack_pivots) is False."""
    pivots = LU_pivots.array
    if pivots.dtype.name != "int32":
        raise RuntimeError(
            "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 "
            f"dtype (got {LU_pivots.dtype}). Note: this function is intended to be used with "
            "the output produced by torch.linalg.lu_factor"
        )
    m = LU_data.shape[-2]
    if pivots.size and (int(pivots.min()) < 1 or int(pivots.max()) > m):
        raise RuntimeError(
            f"lu_unpack: pivots passed to lu_unpack must be between 1 and LU.size(-2) = {m} "
            "inclusive. Did you properly pass the result of lu_factor?"
        )
    empty = creation.empty(0, dtype=LU_data.dtype, device=LU_data.device)
    L, U = _unpacked(LU_data) if unpack_data else (empty, empty)
    P = LuPermutation.apply(LU_pivots, m, LU_data.dtype) if unpack_pivots else empty
    return RETURN_TYPES["lu_unpack"](P, L, U)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False):
    """X with A X = B (left=False: X A = B; adjoint: A^T in place of A), A = P L U given as
    lu_factor's (LU, pivots); batches broadcast."""
    op = "linalg.lu_solve"
    if B.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    if LU.ndim < 2 or LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(
            f"torch.{op}: A must be batches of square matrices, but they are "
            f"{LU.shape[-2]} by {LU.shape[-1]} matrices"
        )
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    expect_floating(f"torch.{op}", LU)
    if pivots.array.dtype.name != "int32":
        raise RuntimeError(
            f"{op}: pivots should be a Tensor of scalar type torch.int32 (got {pivots.dtype})"
        )
    if pivots.ndim < 1 or pivots.shape[-1] != n:
        raise RuntimeError(
            f"{op}: Number of pivots per batch should be same as the dimension of the matrix "
            f"(pivots {tuple(pivots.shape)}, LU {tuple(LU.shape)})"
        )
    if LU.dtype != B.dtype:
        raise RuntimeError(
            f"{op}: Expected LU and B to have the same dtype, but found LU of type "
            f"{_type_word(LU)} and B of type {_type_word(B)} instead"
        )
    P, L, U = lu_unpack(LU, pivots)
    if not left:  # X A = B is A^T X^T = B^T
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    if adjoint:  # A^T X = B: X = P L^-T U^-T B
        Y = solve_triangular(U.mT, B, upper=False)
        return P @ solve_triangular(L.mT, Y, upper=True, unitriangular=True)
    Y = solve_triangular(L, P.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


def _type_word(t: Tensor) -> str:
    """PyTorch's word for a dtype in these messages: Float, Double."""
    return kernel_type(t.array.dtype)[1:-1]
