"""Ready-made parametrizations (PyTorch's `torch.nn.utils.parametrizations`): orthogonal,
weight_norm and spectral_norm, registered with `nn.utils.parametrize`."""

from __future__ import annotations

import enum

from minigrad import creation, dtypes, linalg
from minigrad.autograd.grad_mode import no_grad
from minigrad.nn.functional import normalize
from minigrad.nn.modules.conv import ConvTranspose1d, ConvTranspose2d
from minigrad.nn.modules.module import Module
from minigrad.nn.utils import parametrize
from minigrad.nn.utils.weight_norm import _norm_except_dim, _weight_norm
from minigrad.ops.shape import cat
from minigrad.tensor import Tensor

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _OrthMaps(enum.Enum):
    matrix_exp = enum.auto()
    cayley = enum.auto()
    householder = enum.auto()


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A = QR (A tall) with diag(R) >= 0: the one orthogonal matrix QR determines."""
    Q, R = linalg.qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _is_orthogonal(Q: Tensor) -> bool:
    """Q^T Q = I up to a tolerance that grows with the number of rows."""
    eye = creation.eye(Q.shape[-1], dtype=Q.dtype, device=Q.device)
    return bool((Q.mT @ Q).allclose(eye, atol=10.0 * Q.shape[-2] * dtypes.finfo(Q.dtype).eps))


class _Orthogonal(Module):
    """An orthogonal matrix from an unconstrained one X (tall; a wide one is transposed): the
    matrix exponential or the Cayley transform of the skew-symmetric A = tril(X) - tril(X)^T
    (padded to square), or the Householder reflections of X's strictly lower triangle. With
    use_trivialization, the result is multiplied by the buffer `base`, the orthogonal matrix
    last assigned, so that the optimizer moves near it (X = -I gives `base` itself)."""

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, use_trivialization: bool):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        self.use_trivialization = use_trivialization
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        transposed = X.shape[-2] < X.shape[-1]
        if transposed:
            X = X.mT
        n, k = X.shape[-2], X.shape[-1]
        if self.orthogonal_map is _OrthMaps.householder:
            A = X.tril(-1)
            Q = linalg.householder_product(A, 2.0 / (1.0 + (A * A).sum(dim=-2)))
            # NOTE: X's diagonal holds the signs (+-1) of Q's columns; as PyTorch, the cast
            # keeps gradients and updates away from it
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        else:
            X = X.tril()
            if n != k:  # embed the tall matrix into a square one
                X = cat([X, X.new_zeros(*X.shape[:-1], n - k)], dim=-1)
            A = X - X.mT
            if self.orthogonal_map is _OrthMaps.matrix_exp:
                Q = linalg.matrix_exp(A)
            else:  # the Cayley map (I + A/2)(I - A/2)^-1
                eye = creation.eye(n, dtype=A.dtype, device=A.device)
                Q = linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            Q = Q[..., :k]
        if self.use_trivialization:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    @no_grad()
    def right_inverse(self, Q: Tensor) -> Tensor:
        """Assigning Q (orthogonal or not: it is made orthogonal by QR) stores it in `base`
        and returns the X that the forward maps to `base` itself: -I."""
        if Q.shape != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. "
                f"Got a tensor of shape {Q.shape}."
            )
        if not self.use_trivialization:
            # NOTE: as PyTorch, parametrize takes this error as "store Q itself": the
            # matrix_exp and cayley maps have no inverse to compute (orthogonal() refuses the
            # householder map here: its inverse starts from LAPACK's geqrf)
            raise NotImplementedError(
                "It is not possible to assign to the matrix exponential or the Cayley "
                "parametrizations when use_trivialization=False."
            )
        tall = Q.mT if Q.shape[-2] < Q.shape[-1] else Q
        n, k = tall.shape[-2], tall.shape[-1]
        if n != k:  # complete the columns with random ones, as PyTorch
            noise = creation.randn(*tall.shape[:-2], n, n - k, dtype=Q.dtype, device=Q.device)
            self.base = _make_orthogonal(cat([tall, noise], dim=-1))
        else:
            self.base = tall.clone() if _is_orthogonal(tall) else _make_orthogonal(tall)
        minus_eye = Q.new_zeros(*Q.shape)
        minus_eye.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return minus_eye


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Parametrize the matrix (or batch of matrices) module.<name> as an orthogonal one, kept
    orthogonal by any optimizer step. orthogonal_map: "matrix_exp" (the default for square
    matrices), "cayley" or "householder" (the default for the others)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square else "householder"
    orth_enum = _OrthMaps.__members__.get(orthogonal_map)
    if orth_enum is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    if orth_enum is _OrthMaps.householder and not use_trivialization:
        raise NotImplementedError(
            "orthogonal: the householder map with use_trivialization=False starts from "
            "LAPACK's geqrf of the weight, which minigrad does not have; use the default "
            "use_trivialization=True, or orthogonal_map='matrix_exp' or 'cayley'"
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    """w = g * v / ||v|| from (g, v); right_inverse splits a weight into its norms and itself."""

    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple:
        return _norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrize module.<name> as g * v / ||v||: the magnitude g (one value per slice along
    dim, one in all when dim is None) is `parametrizations.<name>.original0`, the direction v
    is `original1`. NOTE: PyTorch also loads state dicts saved with the legacy weight_norm's
    `<name>_g` / `<name>_v` keys into it; minigrad does not."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def weight_matrix(weight: Tensor, dim: int) -> Tensor:
    """weight as the matrix spectral norm takes the largest singular value of: dim first, the
    other dims flattened into columns."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.flatten(1)


class _SpectralNorm(Module):
    """W / sigma(W), sigma the largest singular value of W (as a matrix with rows along dim),
    estimated by power iteration; the vectors u and v are buffers, refined by
    n_power_iterations steps at each forward in training mode (15 at the start)."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = self._reshape_weight_to_matrix(weight)
            h, w = matrix.shape
            self.register_buffer("_u", normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=eps))
            self.register_buffer("_v", normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=eps))
            self._power_method(matrix, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        return weight_matrix(weight, self.dim)

    def _power_method(self, matrix: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(matrix.mv(self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(matrix.mH.mv(self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        matrix = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(matrix, self.n_power_iterations)
        # u and v are constants for autograd: clones, so later power steps do not change them
        u, v = self._u.clone(), self._v.clone()
        sigma = u.dot(matrix.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        # NOTE: assigning W stores W itself; its scale is not recoverable from W / sigma
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Parametrize module.<name> as W / sigma(W), its largest singular value estimated by
    power iteration (dim: the output dimension; 1 for transposed convolutions, else 0)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
