"""Linear algebra on batches of matrices (*, m, n): inv, det, slogdet, solve, cholesky, qr, eigh
and svd are one Function each, computed by the device's `xp.linalg` (NumPy or CuPy); the rest
(solve_triangular, pinv, matrix_norm, matrix_power, ...) is built from them and tensor ops.

# NOTE: every backward is written with tensor ops (matmul, the Functions of this file), so
# double backward and static graphs work. Eigenvector and singular vector gradients divide by
# differences of eigenvalues (singular values): they assume distinct ones, as PyTorch's do.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad import creation, dtypes
from minigrad._warn import warn_once
from minigrad.autograd.function import Function
from minigrad.ops._util import expect_floating, kernel_type, normalize_dim
from minigrad.ops.matmul import check_same_dtype, dot
from minigrad.ops.matmul import cross as _cross
from minigrad.ops.reduce import _return_type, amax, amin
from minigrad.ops.selection import where
from minigrad.ops.shape import cat, permute, squeeze, sum_to, tril, triu, unsqueeze
from minigrad.ops.unary import abs as abs_
from minigrad.tensor import Tensor


class LinAlgError(RuntimeError):
    """A matrix an op cannot invert or factor (singular, not positive-definite); a
    RuntimeError, as `torch.linalg.LinAlgError`."""


RETURN_TYPES = {
    "slogdet": _return_type("slogdet", ("sign", "logabsdet")),
    "linalg_slogdet": _return_type("linalg_slogdet", ("sign", "logabsdet")),
    "linalg_qr": _return_type("linalg_qr", ("Q", "R")),
    "linalg_eigh": _return_type("linalg_eigh", ("eigenvalues", "eigenvectors")),
    "linalg_svd": _return_type("linalg_svd", ("U", "S", "Vh")),
    "svd": _return_type("svd", ("U", "S", "V")),
    "linalg_lstsq": _return_type(
        "linalg_lstsq", ("solution", "residuals", "rank", "singular_values")
    ),
    "qr": _return_type("qr", ("Q", "R")),
}


# the ops whose float16 input PyTorch refuses in the LAPACK kernel (NotImplementedError)
# rather than in its own check (RuntimeError), and the kernel's name
_LAPACK_KERNELS = {
    "linalg.det": "lu_cpu",
    "linalg.solve": "lu_cpu",
    "linalg.cholesky": "cholesky_cpu",
    "linalg.solve_triangular": "triangular_solve_cpu",
    "linalg.qr": "geqrf_cpu",
    "linalg.eigh": "linalg_eigh_cpu",
    "linalg.svd": "linalg_svd_cpu",
    "linalg.svdvals": "linalg_svd_cpu",
}
_NO_INTEGER_CHECK = {"linalg.solve_triangular", "linalg.eigh"}  # integers reach the kernel too


def _check_matrices(op: str, A: Tensor, square: bool = True, dtypes_from="float32") -> None:
    """PyTorch's checks of a linalg input: at least 2-D, square where needed, and of a dtype
    from `dtypes_from` up: "float32" (LAPACK's ops), "float16" or None (any dtype: products)."""
    if A.ndim < 2:
        raise RuntimeError(
            f"{op}: The input tensor A must have at least 2 dimensions (got shape "
            f"{tuple(A.shape)})."
        )
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    if dtypes_from is None:
        return
    kind, size = A.array.dtype.kind, A.array.dtype.itemsize
    kernel = _LAPACK_KERNELS.get(op)
    if kernel and (size < 4 if kind == "f" else op in _NO_INTEGER_CHECK):
        # NOTE: PyTorch reaches LAPACK's kernel, which has no float16 (or integer) version
        raise NotImplementedError(
            f'{op}: "{kernel}" not implemented for {kernel_type(A.array.dtype)}'
        )
    expect_floating(op, A)
    if size < 4 and dtypes_from == "float32":
        name = dtypes.legacy_name(A.dtype)[: -len("Tensor")]
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {name}")


def _checked(op: str, problem: str, xp, fn, *arrays):
    """fn(*arrays), raising LinAlgError naming op when the matrix is singular (or not
    positive-definite). NumPy raises; CuPy returns nan instead, so a non-finite result of a
    finite input is reported the same way."""
    try:
        out = fn(*arrays)
    except np.linalg.LinAlgError:  # CuPy's linalg raises NumPy's class too
        raise LinAlgError(f"{op}: {problem}") from None
    if not bool(xp.isfinite(out).all()) and all(bool(xp.isfinite(a).all()) for a in arrays):
        raise LinAlgError(f"{op}: {problem}")
    return out


# -- inverse and determinants ---------------------------------------------------------------
class Inv(Function):
    """Y = A^-1; gA = -Y^T gY Y^T. (*, n, n) -> (*, n, n)"""

    op_name = "linalg_inv"

    @staticmethod
    def forward(ctx, A):
        xp = A.device.xp
        y = Tensor._make(_checked("linalg.inv", _SINGULAR_INV, xp, xp.linalg.inv, A.array))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        yt = y.mT
        return -(yt @ gy @ yt)


_SINGULAR_INV = "the inversion could not be completed because the input matrix is singular."


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix; LinAlgError when one is singular."""
    _check_matrices("linalg.inv", A)
    return Inv.apply(A)


class Det(Function):
    """d = det(A); gA = g d A^-T, and 0 where A is exactly singular (d == 0), as PyTorch's.
    (*, n, n) -> (*)"""

    op_name = "linalg_det"

    @staticmethod
    def forward(ctx, A):
        xp = A.device.xp
        d = Tensor._make(xp.asarray(xp.linalg.det(A.array)))  # NumPy: a scalar for one matrix
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx, gd):
        A, d = ctx.saved_tensors
        # NOTE: a singular matrix is swapped for the identity before inverting: its gradient
        # is scaled by d == 0 anyway, so only the inversion's error is kept out
        eye = creation.eye(A.shape[-1], dtype=A.dtype, device=A.device)
        safe = where(unsqueeze(unsqueeze(d == 0, -1), -1), eye, A)
        return unsqueeze(unsqueeze(gd * d, -1), -1) * inv(safe).mT


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix."""
    _check_matrices("linalg.det", A)
    return Det.apply(A)


class Slogdet(Function):
    """(sign, log|det A|); g_logabsdet gives gA = g A^-T; the sign has no gradient (real A)."""

    op_name = "linalg_slogdet"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        sign, logabs = A.device.xp.linalg.slogdet(A.array)
        return sign, logabs

    @staticmethod
    def backward(ctx, gsign, glogabs):
        (A,) = ctx.saved_tensors
        return unsqueeze(unsqueeze(glogabs, -1), -1) * inv(A).mT


def slogdet(A: Tensor):
    """(sign, logabsdet) of each square matrix: det = sign * exp(logabsdet), without overflow."""
    _check_matrices("linalg.slogdet", A)
    return RETURN_TYPES["linalg_slogdet"](*Slogdet.apply(A))


def torch_slogdet(A: Tensor):
    """`torch.slogdet` (the same values as linalg.slogdet, as `torch.return_types.slogdet`)."""
    _check_matrices("linalg.slogdet", A)
    return RETURN_TYPES["slogdet"](*Slogdet.apply(A))


def logdet(A: Tensor) -> Tensor:
    """log(det A): nan where the determinant is negative, -inf where it is 0 (torch.logdet)."""
    _check_matrices("logdet", A)
    sign, logabs = Slogdet.apply(A)
    return where(sign < 0, math.nan, logabs)


# -- linear systems -------------------------------------------------------------------------
class Solve(Function):
    """X = A^-1 B for matrices B, batch dims broadcast; gB = A^-T gX, gA = -gB X^T.
    (*, n, n), (*, n, k) -> (*, n, k)"""

    op_name = "linalg_solve"

    @staticmethod
    def forward(ctx, A, B):
        xp = A.device.xp
        # NOTE: both batches are broadcast here so that NumPy 1.x (which reads a B with one
        # dim less than A as a batch of vectors) and 2.x (always matrices) agree.
        batch = np.broadcast_shapes(A.array.shape[:-2], B.array.shape[:-2])
        a = xp.broadcast_to(A.array, batch + A.array.shape[-2:])
        b = xp.broadcast_to(B.array, batch + B.array.shape[-2:])
        x = Tensor._make(_checked("torch.linalg.solve", _SINGULAR_SOLVE, xp, xp.linalg.solve, a, b))
        ctx.save_for_backward(A, x)
        ctx.shapes = A.array.shape, B.array.shape
        return x

    @staticmethod
    def backward(ctx, gx):
        A, x = ctx.saved_tensors
        gb = Solve.apply(A.mT, gx)
        ga = -(gb @ x.mT) if ctx.needs_input_grad[0] else None
        return (
            None if ga is None else sum_to(ga, ctx.shapes[0]),
            sum_to(gb, ctx.shapes[1]) if ctx.needs_input_grad[1] else None,
        )


_SINGULAR_SOLVE = "The solver failed because the input matrix is singular."


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) when 1-D, or when its shape is A's
    without the last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (left=False: X A = B), batched; B may be a vector or a batch of them."""
    _check_matrices("linalg.solve", A)
    if A.array.dtype != B.array.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type {A.dtype} "
            f"and B of type {B.dtype} instead"
        )
    vector = _is_vector_rhs(A, B)
    b = unsqueeze(B, -1) if vector else B
    if not left:  # X A = B <=> A^T X^T = B^T
        b = unsqueeze(B, -2) if vector else B.mT
    n, rows = A.shape[-1], b.shape[-2]
    if rows != n:
        shown = f"{b.shape[-2]}x{b.shape[-1]}" if left else f"{b.shape[-1]}x{b.shape[-2]}"
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation {equation} "
            f"({n}x{n} and {shown})"
        )
    _check_batches("linalg.solve", A, b)
    x = Solve.apply(A if left else A.mT, b)
    if vector:
        return squeeze(x, -1)
    return x if left else x.mT


def _check_batches(op: str, A: Tensor, B: Tensor) -> None:
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise RuntimeError(
            f"{op}: the batch dimensions of A {tuple(A.shape)} and B {tuple(B.shape)} cannot be "
            "broadcast"
        ) from None


def solve_triangular(
    A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False
) -> Tensor:
    """X with T X = B (left=False: X T = B), T the upper or lower triangle of A (with ones on
    the diagonal if unitriangular); only that triangle of A gets a gradient."""
    _check_matrices("linalg.solve_triangular", A)
    if B.ndim < 2:
        raise RuntimeError(
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions (got "
            f"shape {tuple(B.shape)})."
        )
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(
            f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    _check_batches("linalg.solve_triangular", A, B)
    if unitriangular:
        eye = creation.eye(n, dtype=A.dtype, device=A.device)
        T = (triu(A, 1) if upper else tril(A, -1)) + eye
    else:
        T = triu(A) if upper else tril(A)
    if left:
        return Solve.apply(T, B)
    return Solve.apply(T.mT, B.mT).mT


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """X with A X = B, given A's Cholesky factor L (A = L L^T, or U^T U if upper)."""
    check_same_dtype("cholesky_solve", B=B, L=L)
    if upper:
        return solve_triangular(L, solve_triangular(L.mT, B, upper=False), upper=True)
    return solve_triangular(L.mT, solve_triangular(L, B, upper=False), upper=True)


# -- factorizations ---------------------------------------------------------------------------
class Cholesky(Function):
    """L with A = L L^T (from A's lower triangle), or U = L^T if upper.
    gA = sym(L^-T Phi(L^T gL) L^-1), Phi: the lower triangle with the diagonal halved."""

    op_name = "linalg_cholesky"

    @staticmethod
    def forward(ctx, A, upper):
        xp = A.device.xp
        array = A.array
        low = _checked("linalg.cholesky", _NOT_PD, xp, xp.linalg.cholesky, array)
        n = array.shape[-1]
        ctx.phi = xp.tril(xp.ones((n, n), dtype=array.dtype)) - 0.5 * xp.eye(n, dtype=array.dtype)
        y = Tensor._make(xp.swapaxes(low, -1, -2) if upper else low)
        ctx.save_for_backward(y)
        ctx.upper = upper
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        low, g = (y.mT, gy.mT) if ctx.upper else (y, gy)
        low_inv = inv(low)
        phi = (low.mT @ g) * Tensor._make(ctx.phi)
        ga = low_inv.mT @ phi @ low_inv
        return 0.5 * (ga + ga.mT), None


_NOT_PD = "The factorization could not be completed because the input is not positive-definite."


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The lower-triangular L with A = L L^T (upper=True: U = L^T with A = U^T U), from A's
    lower triangle; LinAlgError when A is not positive-definite."""
    _check_matrices("linalg.cholesky", A)
    return Cholesky.apply(A, upper)


class Qr(Function):
    """A = Q R, Q (*, m, k) orthonormal columns, R (*, k, n) upper triangular, k = min(m, n)
    (mode 'reduced'). For m >= n: gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q; a wide
    A = [X | Y] is that for X, plus Y = Q R[:, m:]'s share."""

    op_name = "linalg_qr"

    @staticmethod
    def forward(ctx, A):
        q, r = A.device.xp.linalg.qr(A.array, mode="reduced")
        q, r = Tensor._make(q), Tensor._make(r)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        m, n = q.shape[-2], r.shape[-1]
        if m >= n:
            return _qr_backward(gq, gr, q, r)
        gv = gr[..., m:]
        gx = _qr_backward(gq + (q @ r[..., m:]) @ gv.mT, gr[..., :m], q, r[..., :m])
        return cat([gx, q @ gv], -1)


def _qr_backward(gq, gr, q, r):
    """The gradient of A = Q R for a tall (or square) A."""
    m = r @ gr.mT - gq.mT @ q
    b = gq + q @ (tril(m) + tril(m, -1).mT)
    return Solve.apply(r, b.mT).mT


def qr(A: Tensor, mode: str = "reduced"):
    """(Q, R) with A = Q R; mode 'reduced' only (Q has min(m, n) columns)."""
    _check_matrices("linalg.qr", A, square=False)
    if mode != "reduced":
        raise NotImplementedError(
            f"linalg.qr: mode={mode!r} is not supported by minigrad (only 'reduced')"
        )
    return RETURN_TYPES["linalg_qr"](*Qr.apply(A))


class Eigh(Function):
    """Eigenvalues L (ascending) and eigenvectors V of a symmetric A (from one triangle):
    gA = V (diag(gL) + skew(V^T gV) / 2E) V^T, E_ij = L_j - L_i (distinct eigenvalues)."""

    op_name = "linalg_eigh"

    @staticmethod
    def forward(ctx, A, UPLO):
        xp = A.device.xp
        dtype = A.array.dtype
        w, v = xp.linalg.eigh(A.array, UPLO=UPLO)
        ctx.eye = xp.eye(A.array.shape[-1], dtype=dtype)
        w, v = Tensor._make(w), Tensor._make(v)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        eye = Tensor._make(ctx.eye)
        gaps = unsqueeze(w, -2) - unsqueeze(w, -1) + eye
        vgv = v.mT @ gv
        inner = (vgv - vgv.mT) * 0.5 / gaps + unsqueeze(gw, -1) * eye
        return v @ inner @ v.mT, None


def eigh(A: Tensor, UPLO: str = "L"):
    """(eigenvalues, eigenvectors) of each symmetric matrix, reading its lower (UPLO='L') or
    upper triangle; eigenvalues ascending."""
    _check_matrices("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return RETURN_TYPES["linalg_eigh"](*Eigh.apply(A, UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    return eigh(A, UPLO).eigenvalues


class Svd(Function):
    """A = U diag(S) Vh, S descending. The gradient (distinct, nonzero singular values) is
    PyTorch's: gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh, E_jk = S_k^2 -
    S_j^2, plus the parts of gU (gV) outside U's (V's) columns for a tall (wide) A. With
    full_matrices, only the first min(m, n) singular vectors get a gradient, as in PyTorch."""

    op_name = "linalg_svd"

    @staticmethod
    def forward(ctx, A, full_matrices):
        xp = A.device.xp
        dtype = A.array.dtype
        u, s, vh = xp.linalg.svd(A.array, full_matrices=full_matrices)
        ctx.eye = xp.eye(s.shape[-1], dtype=dtype)
        out = tuple(Tensor._make(a) for a in (u, s, vh))
        ctx.save_for_backward(*out)
        return out

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        k, m, n = s.shape[-1], u.shape[-2], vh.shape[-1]
        if u.shape[-1] != k:  # full_matrices: the singular vectors beyond k are not unique
            u, gu = u[..., :k], gu[..., :k]
        if vh.shape[-2] != k:
            vh, gvh = vh[..., :k, :], gvh[..., :k, :]
        eye = Tensor._make(ctx.eye)
        s_row, s_col = unsqueeze(s, -2), unsqueeze(s, -1)
        ugu, vgv = u.mT @ gu, vh @ gvh.mT
        gaps = s_row * s_row - s_col * s_col + eye
        inner = ((ugu - ugu.mT) * s_row + s_col * (vgv - vgv.mT)) / gaps
        inner = inner + unsqueeze(gs, -1) * eye
        if m > n:
            gu_s = gu / s_row
            return (u @ inner + gu_s - u @ (u.mT @ gu_s)) @ vh, None
        if m < n:
            s_gvh = gvh / s_col
            return u @ (inner @ vh + s_gvh - (s_gvh @ vh.mT) @ vh), None
        return u @ inner @ vh, None


def svd(A: Tensor, full_matrices: bool = True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending; U (*, m, m) and Vh (*, n, n) with
    full_matrices, else (*, m, k) and (*, k, n), k = min(m, n)."""
    _check_matrices("linalg.svd", A, square=False)
    return RETURN_TYPES["linalg_svd"](*Svd.apply(A, full_matrices))


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """`torch.svd` (PyTorch's older form of linalg.svd): (U, S, V) with input = U diag(S) V^T,
    V not transposed; some=False gives the full U and V; compute_uv=False gives U and V
    filled with zeros, as PyTorch's."""
    _check_matrices("linalg.svd", input, square=False)  # PyTorch's torch.svd is linalg.svd's
    u, s, vh = Svd.apply(input, not some)
    if not compute_uv:  # (m, m) and (n, n) zeros, whatever `some` says
        *batch, m, n = input.shape
        u, vh = (creation.zeros(*batch, k, k, dtype=s.dtype, device=s.device) for k in (m, n))
    return RETURN_TYPES["svd"](u, s, vh.mT)


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """The singular values, descending; gradient U diag(gS) Vh."""
    _check_matrices("linalg.svdvals", A, square=False)
    return Svd.apply(A, False)[1]


class MatrixExp(Function):
    """exp(A) = I + A + A^2/2! + ... of square matrices, by scaling and squaring: A / 2^s with
    norm at most 1/2, a Taylor polynomial of degree 18 (below float64's rounding there), then
    s squarings. Gradient: the upper-right block of exp([[A^T, G], [0, A^T]]) (the Fréchet
    derivative), computed by this op, so it differentiates again."""

    op_name = "matrix_exp"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        xp, dtype = A.device.xp, A.array.dtype
        a = A.array.astype(np.float32) if dtype.itemsize < 4 else A.array  # float16 in float32
        norm = float(xp.abs(a).sum(-2).max()) if a.size else 0.0
        s = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0.5 else 0
        a = a / 2.0**s
        eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
        result, term = eye.copy(), eye
        for k in range(1, 19):
            term = xp.matmul(term, a) / k
            result = result + term
        for _ in range(s):
            result = xp.matmul(result, result)
        result = result.astype(dtype, copy=False)
        return result

    @staticmethod
    def backward(ctx, gy):
        (A,) = ctx.saved_tensors
        n = A.shape[-1]
        at = A.mT
        block = cat([cat([at, gy], -1), cat([creation.zeros_like(at), at], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of square matrices (*, n, n) (torch.linalg.matrix_exp)."""
    if A.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_exp: The input tensor A must have at least 2 dimensions (got shape "
            f"{tuple(A.shape)})."
        )
    _check_matrices("linalg.matrix_exp", A, dtypes_from="float16")
    return MatrixExp.apply(A)


# -- built from the above -----------------------------------------------------------------------
def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, tol=None):
    """The number of singular values above max(atol, rtol * S_max) (int64, no gradient);
    rtol defaults to eps * max(m, n), or 0 when only a positive atol is given; `tol` is
    PyTorch's older name of atol."""
    from minigrad.autograd.grad_mode import no_grad

    _check_matrices("linalg.matrix_rank", A, square=False)
    atol = tol if atol is None else atol
    m, n = A.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(A.array.dtype).eps * max(m, n)
    with no_grad():
        s = Svd.apply(A, False)[1]
        tol_ = amax(s, -1, keepdim=True) * rtol if s.shape[-1] else s
        if atol is not None:
            tol_ = where(tol_ > atol, tol_, float(atol))
        return (s > tol_).sum(-1)


def torch_qr(input: Tensor, some: bool = True):
    """torch.qr (deprecated, with PyTorch's warning): linalg.qr with some=True 'reduced',
    False 'complete'."""
    warn_once(  # PyTorch warns once per process
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
        "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string "
        "parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = "
        "torch.linalg.qr(A, 'reduced' if some else 'complete')",
        UserWarning,
        stacklevel=2,
    )
    complete = not some and input.shape[-2] > input.shape[-1]  # else the same as reduced
    return RETURN_TYPES["qr"](*qr(input, "complete" if complete else "reduced"))


def torch_cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated, with PyTorch's warning): L, or L^T when upper."""
    warn_once(  # PyTorch warns once per process
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in "
        "a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
        "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be "
        "replaced with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent "
        "results for all valid (symmetric positive definite) inputs.",
        UserWarning,
        stacklevel=2,
    )
    return cholesky(input, upper=upper)


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The sum of the singular values (deprecated: linalg.matrix_norm(A, 'nuc'))."""
    warn_once(  # PyTorch warns once per process
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    if dim is None and input.ndim != 2:
        raise RuntimeError(
            f"nuclear_norm: Expected a 2-D tensor, but got a {input.ndim}-D tensor; pass dim="
        )
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """The 2-norm over dims `dim` (deprecated: linalg.vector_norm(A, 2, dim, keepdim))."""
    from minigrad.linalg import vector_norm

    warn_once(  # PyTorch warns once per process
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will "
        "be removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    return vector_norm(input, 2, dim, keepdim)


def chain_matmul(*matrices) -> Tensor:
    """matrices[0] @ matrices[1] @ ... (deprecated: linalg.multi_dot)."""
    warn_once(  # PyTorch warns once per process
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather "
        "than multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    if len(matrices) == 1:
        if matrices[0].ndim != 2:
            raise RuntimeError(f"chain_matmul(): Tensor 0 must be 2D but got {matrices[0].ndim}D")
        return matrices[0].clone()
    return multi_dot(matrices)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse V diag(1/S) U^T, singular values at or below
    max(atol, rtol * S_max) treated as 0 (rtol defaults to eps * max(m, n), or 0 when only a
    positive atol is given). hermitian=True is accepted and computed by the SVD too."""
    _check_matrices("linalg.pinv", A, square=False)
    m, n = A.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(A.array.dtype).eps * max(m, n)
    u, s, vh = Svd.apply(A, False)
    tol = amax(s, -1, keepdim=True) * rtol
    if atol is not None:
        tol = where(tol > atol, tol, float(atol))
    keep = s > tol
    s_inv = where(keep, 1 / where(keep, s, 1.0), 0.0)
    return (vh.mT * unsqueeze(s_inv, -2)) @ u.mT


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """(solution, residuals, rank, singular_values): X minimising ||A X - B|| (the one of
    least norm when A is wide or rank-deficient), by the pseudo-inverse, with gradients
    through it. As PyTorch's drivers report them: rank for all but 'gels', singular values for
    'gelsd' and 'gelss', squared residuals per column for all but 'gelsy' when A is tall and of
    full rank; what a driver does not report is an empty tensor. The default driver is
    'gelsy' ('gels' on a GPU, the only one there)."""
    _check_matrices("linalg.lstsq", A, square=False)
    gpu = A.device.type == "cuda"
    if driver is None:
        driver = "gels" if gpu else "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(
            "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
        )
    if gpu and driver != "gels":
        raise RuntimeError(
            "torch.linalg.lstsq: `driver` other than `gels` is not supported on CUDA"
        )
    vector = B.ndim == A.ndim - 1
    if vector:
        B = unsqueeze(B, -1)
    if B.shape[-2] != A.shape[-2]:
        raise RuntimeError(
            f"torch.linalg.lstsq: input.size(-2) should match other.size(-2); got "
            f"{A.shape[-2]} and {B.shape[-2]} (shapes {tuple(A.shape)} and {tuple(B.shape)})"
        )
    m, n = A.shape[-2:]
    if rcond is None:
        rcond = np.finfo(A.array.dtype).eps * max(m, n)
    solution = pinv(A, rtol=rcond) @ B
    s = svdvals(A.detach())
    rank = (s > amax(s, -1, keepdim=True) * rcond).sum(-1)
    empty = creation.zeros(0, dtype=A.dtype, device=A.device)
    residuals = empty
    if driver != "gelsy" and m > n and bool((rank == n).all()):
        residuals = ((A @ solution - B) ** 2).sum(-2)  # (*, 1) for a vector B, as PyTorch
    return RETURN_TYPES["linalg_lstsq"](
        squeeze(solution, -1) if vector else solution,
        residuals,
        creation.zeros(0, dtype=dtypes.int64, device=A.device) if driver == "gels" else rank,
        s if driver in ("gelsd", "gelss") else empty,
    )


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    return pinv(input, rtol=rcond)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    """'fro', 'nuc', 2 / -2 (largest / smallest singular value), 1 / -1 (largest / smallest
    absolute column sum), inf / -inf (rows) of the matrices in dims `dim`."""
    # NOTE: PyTorch computes the norms made of sums for float16 (in float32, rounded once);
    # those from singular values need LAPACK
    low = "float32" if ord in ("nuc", 2, -2) else "float16"
    _check_matrices("linalg.matrix_norm", A, square=False, dtypes_from=low)
    if dtype is not None:
        A = A.to(dtype=dtype)
    if A.array.dtype.itemsize < 4:
        return matrix_norm(A.float(), ord, dim, keepdim).to(A.dtype)
    d0, d1 = (normalize_dim(d, A.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    x = permute(A, [d for d in range(A.ndim) if d not in (d0, d1)] + [d0, d1])
    inf = math.inf
    if ord == "fro":
        y = (x * x).sum((-2, -1)).sqrt()
    elif ord == "nuc":
        y = svdvals(x).sum(-1)
    elif ord in (2, -2):
        y = (amax if ord == 2 else amin)(svdvals(x), -1)
    elif ord in (1, -1):
        y = (amax if ord == 1 else amin)(abs_(x).sum(-2), -1)
    elif ord in (inf, -inf):
        y = (amax if ord == inf else amin)(abs_(x).sum(-1), -1)
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if keepdim:
        y = unsqueeze(unsqueeze(y, min(d0, d1)), max(d0, d1))
    return y


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A @ A @ ... (n times) by repeated squaring; A^0 = I; a negative n powers inv(A)."""
    _check_matrices("linalg.matrix_power", A, dtypes_from=None)  # products: any dtype
    if n == 0:
        eye = creation.eye(A.shape[-1], dtype=A.dtype, device=A.device)
        return eye.expand(A.shape).clone()
    base, n = (inv(A), -n) if n < 0 else (A, n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result.clone() if result is A else result  # a new tensor, as PyTorch's


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum(x * y) along dim, the inputs broadcast (real tensors: no conjugate)."""
    expect_floating("linalg.vecdot", x)
    check_same_dtype("linalg.vecdot", x=x, y=y)
    return (x * y).sum(dim)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors (conjugating the first: nothing to do for real
    ones), as torch.vdot."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return dot(input, other)


def multi_dot(tensors) -> Tensor:
    """A @ B @ C ...: the first may be a vector (a row), the last a vector (a column), all
    others 2-D. # NOTE: left to right; PyTorch picks the cheapest order, equal up to rounding."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        ends = t.ndim in (1, 2) if i in (0, len(tensors) - 1) else t.ndim == 2
        if not ends:
            which = "first and last" if i in (0, len(tensors) - 1) else "middle"
            raise RuntimeError(
                f"multi_dot(): tensor {i} must be 2D{' or 1D' if which != 'middle' else ''} "
                f"but got {t.ndim}D"
            )
    result = tensors[0]
    for t in tensors[1:]:
        result = result @ t
    return result


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product along dim (default the last), inputs broadcast, as torch.linalg.cross."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    return _cross(input, other, dim)
