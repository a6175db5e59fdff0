"""Matrix products: matmul (batched, with NumPy's 1-D rules), mm, bmm, dot, linear."""

from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.ops.shape import reshape, sum_to, unsqueeze
from minigrad.tensor import Tensor


def _check_matmul(op: str, a: Tensor, b: Tensor) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{op}: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D"
        )
    if a.array.dtype != b.array.dtype:
        raise RuntimeError(
            f"{op}: expected both tensors to have the same dtype, but got {a.dtype} and {b.dtype}"
        )
    k_a = a.array.shape[-1]
    k_b = b.array.shape[-2] if b.ndim > 1 else b.array.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
            f"({k_a} != {k_b})"
        )


class MatMul(Function):
    """y = a @ b; ga = gy @ b^T, gb = a^T @ gy, summed over broadcast batch dims."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return a.array @ b.array
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                "broadcast"
            ) from None

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        # NOTE: NumPy's 1-D rules: a vector a is a row (1, k), a vector b a column (k, 1); the
        # gradient is computed in that 2-D form and reshaped back.
        a2 = unsqueeze(a, 0) if a.ndim == 1 else a
        b2 = unsqueeze(b, -1) if b.ndim == 1 else b
        g = unsqueeze(gy, -1) if b.ndim == 1 else gy
        g = unsqueeze(g, -2) if a.ndim == 1 else g
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = reshape(sum_to(g @ b2.mT, a2.shape), a.shape)
        if ctx.needs_input_grad[1]:
            gb = reshape(sum_to(a2.mT @ g, b2.shape), b.shape)
        return ga, gb


def matmul(input: Tensor, other: Tensor) -> Tensor:
    _check_matmul("matmul", input, other)
    return MatMul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input.ndim}D and {mat2.ndim}D")
    _check_matmul("mm", input, mat2)
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {input.ndim}D and {mat2.ndim}D")
    if input.array.shape[0] != mat2.array.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {tuple(input.shape)} and {tuple(mat2.shape)}")
    _check_matmul("bmm", input, mat2)
    return MatMul.apply(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D")
    _check_matmul("dot", input, other)
    return MatMul.apply(input, other)


class Linear(Function):
    """y = x @ w^T + b, fused; x (*, in), w (out, in), b (out,) -> (*, out)."""

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        y = x.array @ w.array.T
        if b is not None:
            y += b.array
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = gy @ w
        if ctx.needs_input_grad[1]:
            # flatten batch dims: gw = sum over rows of gy^T x
            g2 = reshape(gy, (-1, gy.shape[-1]))
            gw = g2.mT @ reshape(x, (-1, x.shape[-1]))
        if ctx.needs_input_grad[2]:
            gb = reshape(gy, (-1, gy.shape[-1])).sum(0)
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight^T + bias, as `torch.nn.functional.linear`."""
    if input.ndim == 0 or input.array.shape[-1] != weight.array.shape[-1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} does not match weight of shape "
            f"{tuple(weight.shape)}: expected the last dim of the input to be "
            f"{weight.array.shape[-1]}"
        )
    if input.array.dtype != weight.array.dtype:
        raise RuntimeError(
            f"linear: input is {input.dtype} but weight is {weight.dtype}; convert one with "
            ".to(dtype)"
        )
    if weight.ndim == 1:
        y = matmul(input, weight)
        return y if bias is None else y + bias
    return Linear.apply(input, weight, bias)
