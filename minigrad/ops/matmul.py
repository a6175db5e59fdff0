"""Matrix products: matmul (batched, with NumPy's 1-D rules), mm, bmm, dot, linear."""

from __future__ import annotations

import math
import string

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import state
from minigrad.backend import array_module
from minigrad.ops._util import (
    cast_to,
    half_as_float32,
    needs_grads,
    require_tensors,
    sum_2d_kernel,
    sum_array,
    write_out,
)
from minigrad.ops.indexing import getitem
from minigrad.ops.shape import (
    broadcast_shapes,
    expand,
    reshape_if_needed,
    sum_to,
    unsqueeze,
)
from minigrad.tensor import Tensor


def _op_dtype(t: Tensor):
    """The dtype the product gets t in: float32 is cast to float16 inside an autocast block
    (minigrad.amp), so float32 and float16 operands mix there, as in PyTorch."""
    if state.autocast is not None and t.dtype == dtypes.float32:
        return state.autocast_dtype
    return t.dtype


def check_same_dtype(op: str, **tensors: Tensor) -> None:
    """PyTorch's products and solvers never promote: every tensor must have the first's dtype
    (float32 and float16 mix inside an autocast block)."""
    (first, a), *rest = tensors.items()
    for name, b in rest:
        if a.array.dtype != b.array.dtype and _op_dtype(a) != _op_dtype(b):
            raise RuntimeError(
                f"{op}: expected {first} and {name} to have the same dtype, but got {first} of "
                f"dtype {a.dtype} and {name} of dtype {b.dtype}; convert one with .to(dtype)"
            )


def _check_matmul(op: str, a: Tensor, b: Tensor) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{op}: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D"
        )
    if a.array.dtype != b.array.dtype and _op_dtype(a) != _op_dtype(b):
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

    op_name = ufunc = "matmul"
    saved_names = ("self", "mat2")

    def name(self):
        return _matmul_name(*(len(shape) for shape in self.shapes))

    @staticmethod
    def forward(ctx, a, b):
        # NOTE: ga needs only b, gb only a: as PyTorch, an operand is saved only for the other's
        # gradient, so `y[:, :2] = y[:, :2] @ rotation` can change it in place afterwards
        needs = needs_grads(ctx)
        ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        ctx.shapes = (a.shape, b.shape)
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
        sa, sb = ctx.shapes
        # NOTE: NumPy's 1-D rules: a vector a is a row (1, k), a vector b a column (k, 1); the
        # gradient is computed in that 2-D form and reshaped back.
        g = unsqueeze(gy, -1) if len(sb) == 1 else gy
        g = unsqueeze(g, -2) if len(sa) == 1 else g
        ga = gb = None
        if ctx.needs_input_grad[0]:
            b2 = unsqueeze(b, -1) if len(sb) == 1 else b
            ga = reshape_if_needed(sum_to(g @ b2.mT, (1, *sa) if len(sa) == 1 else sa), sa)
        if ctx.needs_input_grad[1]:
            a2 = unsqueeze(a, 0) if len(sa) == 1 else a
            gb = reshape_if_needed(sum_to(a2.mT @ g, (*sb, 1) if len(sb) == 1 else sb), sb)
        return ga, gb


def _matmul_name(a: int, b: int) -> str:
    """The name of the node PyTorch's matmul returns for operands of these ndims: its own
    kernel's (mm, mv, dot), or the last of its chain (a squeeze, a view) around one."""
    if (a, b) in _MATMUL_NODES:
        return _MATMUL_NODES[a, b]
    return "CloneBackward0" if a == 2 else "UnsafeViewBackward0"


_MATMUL_NODES = {
    (1, 1): "DotBackward0",
    (2, 1): "MvBackward0",
    (2, 2): "MmBackward0",
    (1, 2): "SqueezeBackward4",
}


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    require_tensors("matmul", input, other)
    _check_matmul("matmul", input, other)
    y = MatMul.apply(input, other)
    return y if out is None else write_out("matmul", y, out, same_dtype=True)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    require_tensors("mm", input, mat2, "mat2")
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input.ndim}D and {mat2.ndim}D")
    _check_matmul("mm", input, mat2)
    y = MatMul.apply(input, mat2)
    return y if out is None else write_out("mm", y, out, same_dtype=True)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    require_tensors("bmm", input, mat2, "mat2")
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {input.ndim}D and {mat2.ndim}D")
    if input.array.shape[0] != mat2.array.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {tuple(input.shape)} and {tuple(mat2.shape)}")
    _check_matmul("bmm", input, mat2)
    y = MatMul.apply(input, mat2)
    return y if out is None else write_out("bmm", y, out, same_dtype=True)


def dot(input: Tensor, other: Tensor) -> Tensor:
    require_tensors("dot", input, other, "tensor")
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D")
    _check_matmul("dot", input, other)
    return MatMul.apply(input, other)


class Linear(Function):
    """y = x @ w^T + b, fused; x (*, in), w (out, in), b (out,) -> (*, out)."""

    op_name = "linear"

    def name(self):
        ndim = self._input_ndim(0)
        if ndim == 1 and not self._tensor_args >> 2 & 1:  # no bias: PyTorch's unsqueeze, mm,
            return "SqueezeBackward4"  # squeeze
        if ndim != 2:  # PyTorch flattens other inputs to 2-D and views the result back
            return "LinearBackward0" if ndim is None else "ViewBackward0"
        # NOTE: a bias that needs no gradient has no edge, so it is named as no bias
        return "MmBackward0" if self._edges[2] is None else "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        return Linear.on_arrays(x.array, w.array, None if b is None else b.array)

    @staticmethod
    def on_arrays(a, w, b=None):
        if a.ndim > 2:
            # NOTE: one 2-D product over all rows; NumPy runs (32, 20, 64) @ (64, 100) as 32
            # small ones (121 us against 47)
            y = (_as_rows(a) @ w.T).reshape(a.shape[:-1] + (w.shape[0],))
        else:
            y = a @ w.T
        if b is not None:
            y += b
        return y

    @staticmethod
    def fixed_kernel(xp, inputs):
        """`on_arrays` for a 2-D input and a bias (a layer's usual call): no test of either."""
        if len(inputs) != 3 or inputs[2] is None or len(inputs[0][0]) != 2:
            return None

        def linear_2d(a, w, b):
            y = a @ w.T
            y += b
            return y

        return linear_2d

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grads = LinearGrad.apply(gy, x, w, needs)
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) == len(needs):  # NOTE: every input needs one (a layer's weight and bias)
            return grads
        grads = iter(grads)
        return tuple(next(grads) if need else None for need in needs)


def _as_rows(array):
    """(*, n) as (rows, n): the batch dims flattened (a view when it can be)."""
    if array.ndim == 2:
        return array
    return array.reshape(math.prod(array.shape[:-1]), array.shape[-1])


class LinearGrad(Function):
    """Linear's gradients as one op: gx = gy w, gw = gy^T x and gb = the sum of gy's rows
    (batch dims flattened into rows), the ones `needs` asks for, in that order (one alone:
    not in a tuple). gy (*, out), x (*, in), w (out, in) -> gx (*, in), gw (out, in), gb (out,)

    # NOTE: one node instead of four (two matmuls, a transpose, a sum) for each linear layer
    # in every backward, as PyTorch's AddmmBackward0 does the three in one; its own backward
    # below keeps double backward working.
    """

    op_name = "linear_grad"
    _materialize = False  # backward takes None for a gradient no one used (set_materialize_grads)

    @staticmethod
    def forward(ctx, gy, x, w, needs):
        ctx.save_for_backward(gy, x, w)
        ctx.needs = needs
        out = LinearGrad.on_arrays(gy.array, x.array, w.array, needs)
        from_gy, from_x, from_w = ctx.needs_input_grad[:3]
        if not from_gy and (from_x or from_w):
            # NOTE: recorded (create_graph) with a gy that needs no gradient: as in PyTorch,
            # gx = gy w needs one only through w, gw = gy^T x only through x, gb never
            differentiable = (d for d, need in zip((from_w, from_x, False), needs) if need)
            outs = out if type(out) is tuple else (out,)
            fixed = [o for o, d in zip(outs, differentiable) if not d]
            if fixed and type(out) is not tuple:
                # NOTE: as a Tensor: Function.apply's path for one array (every op's) reads
                # no marks
                out = fixed[0] = Tensor._make(out)
            ctx.mark_non_differentiable(*fixed)
        return out

    @staticmethod
    def on_arrays(g, x, w, needs):
        need_x, need_w, need_b = needs
        # NOTE: a layer's usual 2-D gradient is its own rows: no helper call (every step)
        flat = g.ndim != 2
        rows = _as_rows(g) if flat else g
        out = []
        if need_x:
            gx = rows @ w
            out.append(gx.reshape(g.shape[:-1] + (w.shape[1],)) if flat else gx)
        if need_w:
            out.append(rows.T @ (_as_rows(x) if flat else x))
        if need_b:
            xp = np if type(g) is np.ndarray else array_module(g)  # NOTE: no call: every step
            out.append(sum_array(xp, rows, (0,)))
        return tuple(out) if len(out) > 1 else out[0]

    @staticmethod
    def fixed_kernel(xp, inputs, needs):
        """`on_arrays` for a 2-D gy of one shape and dtype, as a layer's gradients in every
        training step: the products alone, the bias's sum with its ones found once."""
        shape, dtype = inputs[0]
        if len(shape) != 2 or not needs[2]:
            return None
        sum_rows = sum_2d_kernel(xp, shape, dtype, 0)
        if needs == (True, True, True):

            def input_weight_bias(g, x, w):
                return g @ w, g.T @ x, sum_rows(g)

            return input_weight_bias
        if needs == (False, True, True):  # the first layer: its input needs none

            def weight_bias(g, x, w):
                return g.T @ x, sum_rows(g)

            return weight_bias
        return None

    @staticmethod
    def backward(ctx, *grads):
        gy, x, w = ctx.saved_tensors
        grads = iter(grads)
        a, b, c = (next(grads) if need else None for need in ctx.needs)  # of gx, gw, gb
        rows, x_rows = (
            reshape_if_needed(gy, (-1, gy.shape[-1])),
            reshape_if_needed(x, (-1, x.shape[-1])),
        )
        d_gy = d_x = d_w = None
        if ctx.needs_input_grad[0]:
            terms = [a @ w.mT] if a is not None else []
            if b is not None:
                terms.append(reshape_if_needed(x_rows @ b.mT, gy.shape))
            if c is not None:
                terms.append(expand(c, gy.shape))
            d_gy = sum(terms[1:], terms[0]) if terms else None
        if ctx.needs_input_grad[1] and b is not None:
            d_x = reshape_if_needed(rows @ b, x.shape)
        if ctx.needs_input_grad[2] and a is not None:
            d_w = rows.mT @ reshape_if_needed(a, (-1, a.shape[-1]))
        return d_gy, d_x, d_w, None


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight^T + bias, as `torch.nn.functional.linear`."""
    if input.ndim == 0 or input.array.shape[-1] != weight.array.shape[-1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} does not match weight of shape "
            f"{tuple(weight.shape)}: expected the last dim of the input to be "
            f"{weight.array.shape[-1]}"
        )
    if input.array.dtype != weight.array.dtype and _op_dtype(input) != _op_dtype(weight):
        a, b = (dtypes.legacy_name(t.dtype)[: -len("Tensor")] for t in (input, weight))
        raise RuntimeError(
            f"linear: mat1 and mat2 must have the same dtype, but got {a} and {b} (input is "
            f"{input.dtype} but weight is {weight.dtype}; convert one with .to(dtype))"
        )
    if bias is not None:
        if bias.array.dtype != weight.array.dtype:  # checked only then: linear is hot
            check_same_dtype("linear", weight=weight, bias=bias)
        if bias.array.shape != weight.array.shape[:1]:
            _check_bias(input, weight, bias)
    if weight.ndim == 1:
        y = matmul(input, weight)
        return y if bias is None else y + bias
    return Linear.apply(input, weight, bias)


def _check_bias(input: Tensor, weight: Tensor, bias: Tensor) -> None:
    """A bias that is not (out_features,) must broadcast to the output: PyTorch's error."""
    out = (*input.array.shape[:-1], *weight.array.shape[:-1])
    try:
        fits = np.broadcast_shapes(bias.array.shape, out) == out
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"linear: the bias of shape {tuple(bias.shape)} does not broadcast to the output "
            f"of shape {out} (the expanded size of the tensor must match the existing size)"
        )


class Einsum(Function):
    """y = einsum(equation, *operands); each operand's gradient is an einsum of gy with the
    others, written back to the operand's letters (equation in explicit 'ij,jk->ik' form)."""

    op_name = "einsum"
    is_view = True  # one operand's diagonal or transpose ('ii->i', 'ij->ji') reads its memory

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.save_for_backward(*operands)
        ctx.equation = equation
        xp, arrays = operands[0].device.xp, [x.array for x in operands]
        inputs, output = equation.split("->")
        if len(arrays) == 1 and arrays[0].dtype.kind in "biu" and set(inputs) - set(output):
            # NOTE: PyTorch sums one operand's letters with sum(): integers and bools -> int64
            return xp.einsum(equation, arrays[0], dtype=dtypes.int64.np)
        # NOTE: float16 is multiplied and added in float32 and rounded once, as PyTorch's
        # (NumPy's einsum adds in float16: 87 off on sums near 1000)
        dtype = np.result_type(*(a.dtype for a in arrays))
        work = [half_as_float32(a) for a in arrays]
        return cast_to(xp.einsum(equation, *work, optimize=_worth_a_path(inputs, arrays)), dtype)

    @staticmethod
    def backward(ctx, gy):
        inputs, output = ctx.equation.split("->")
        subs, operands = inputs.split(","), ctx.saved_tensors
        grads = [None]
        for i, (sub, x) in enumerate(zip(subs, operands)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [j for j in range(len(subs)) if j != i]
            sub, eyes = _undiagonal(sub, x, ctx.equation)
            known = set(output).union(*(subs[j] for j in others), *(e for e, _ in eyes))
            kept = "".join(c for c in sub if c in known)
            g = Einsum.apply(
                ",".join([output] + [subs[j] for j in others] + [e for e, _ in eyes]) + "->" + kept,
                gy,
                *(operands[j] for j in others),
                *(eye for _, eye in eyes),
            )
            # NOTE: a letter summed inside this operand alone: the gradient is equal along it;
            # a size-1 dim that broadcast: the gradient is summed over it
            sizes = dict(zip(kept, g.shape))
            shape = tuple(sizes.get(c, 1) for c in sub)
            full = tuple(max(a, b) for a, b in zip(shape, x.shape))
            grads.append(sum_to(expand(reshape_if_needed(g, shape), full), x.shape))
        return tuple(grads)


def _undiagonal(sub: str, x: Tensor, equation: str):
    """'ii' -> ('ia', [('ia', eye)]): a letter repeated within one operand (a diagonal or a
    trace) gets a fresh letter at each further place, tied to the first by an identity
    matrix, so that the gradient einsum writes zeros off the diagonal."""
    fresh = (c for c in string.ascii_letters if c not in equation)
    letters, eyes = [], []
    for c, n in zip(sub, x.shape):
        if c in letters:
            f = next(fresh)
            eye = Tensor._make(x.device.xp.eye(n, dtype=x.array.dtype))
            letters.append(f)
            eyes.append((c + f, eye))
        else:
            letters.append(c)
    return "".join(letters), eyes


# NOTE: NumPy's einsum loops in C without BLAS unless asked to plan a contraction path (about
# 6 us): 'ij,jk->ik' on 512x512 took 12 ms instead of 1.1; the plan pays off from about this
# many multiply-adds
_PLAN_FROM = 32_768


def _worth_a_path(inputs: str, arrays) -> bool:
    if len(arrays) < 2:
        return False
    sizes = {}
    for sub, a in zip(inputs.split(","), arrays):
        sizes.update(zip(sub, a.shape))
    return math.prod(sizes.values()) >= _PLAN_FROM


def _explicit(equation: str, operands) -> str:
    """'ij,jk' -> 'ij,jk->ik', and '...' spelled out with unused letters, as NumPy reads it."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    subs = inputs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(
            f"einsum(): {len(subs)} operands in the equation {equation!r} but {len(operands)} "
            "tensors given"
        )
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation]
    longest = max(x.ndim - len(s.replace("...", "")) for s, x in zip(subs, operands))
    dots = "".join(free[:longest])
    subs = [_spell_dots(s, x.ndim, dots) for s, x in zip(subs, operands)]
    if not arrow:
        letters = "".join(subs)
        output = dots + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in dots)
        )
    return ",".join(subs) + "->" + output.replace("...", dots)


def _spell_dots(sub: str, ndim: int, dots: str) -> str:
    """'...ij' of a 4-D operand -> 'BCij': the last letters of `dots`, one per elided dim."""
    if "..." not in sub:
        return sub
    elided = ndim - (len(sub) - 3)
    return sub.replace("...", dots[len(dots) - elided :])


def _sublist_equation(args) -> tuple[str, tuple]:
    """einsum(a, [0, 1], b, [1, 2], [0, 2]) -> ('ab,bc->ac', (a, b)): PyTorch's sublist
    format, dims named by integers 0 to 51 (a-z, then A-Z) and Ellipsis for '...'."""

    def spell(sublist) -> str:
        letters = []
        for d in sublist:
            if d is Ellipsis:
                letters.append("...")
            elif isinstance(d, int) and 0 <= d < 52:
                letters.append(chr(ord("a") + d) if d < 26 else chr(ord("A") + d - 26))
            else:
                raise ValueError(
                    f"einsum(): expected subscripts to be in the range [0, 52) or Ellipsis, "
                    f"got {d!r}"
                )
        return "".join(letters)

    pairs = args[: len(args) // 2 * 2]
    equation = ",".join(spell(s) for s in pairs[1::2])
    if len(args) % 2:  # a last sublist: the output's
        equation += "->" + spell(args[-1])
    return equation, tuple(pairs[0::2])


def einsum(equation: str, *operands) -> Tensor:
    """Sums of products over named dims, as `torch.einsum('ij,jk->ik', a, b)` or in the
    sublist format `torch.einsum(a, [0, 1], b, [1, 2], [0, 2])`."""
    if isinstance(equation, Tensor):
        equation, operands = _sublist_equation((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = _explicit(equation, operands)
    if all(isinstance(x, Tensor) for x in operands):
        check_same_dtype("einsum", **{f"operand {i}": x for i, x in enumerate(operands)})
    try:
        return Einsum.apply(equation, *operands)
    except ValueError as exc:
        shapes = ", ".join(str(tuple(x.shape)) for x in operands)
        raise RuntimeError(f"einsum(): {exc} (equation {equation!r}, shapes {shapes})") from None


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """y[i, j] = input[i] * vec2[j]. (n,), (m,) -> (n, m)"""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"outer: expected 1-D arguments, got shapes {tuple(input.shape)} and "
            f"{tuple(vec2.shape)}"
        )
    return unsqueeze(input, 1) * vec2


def mv(input: Tensor, vec: Tensor) -> Tensor:
    require_tensors("mv", input, vec, "vec")
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"mv: expected a 2-D matrix and a 1-D vector, got {input.ndim}D and {vec.ndim}D"
        )
    _check_matmul("mv", input, vec)
    return MatMul.apply(input, vec)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), as `torch.addmm`."""
    check_same_dtype("addmm", input=input, mat1=mat1, mat2=mat2)
    product = mm(mat1, mat2)
    beta, alpha = _integral_scales(product, beta, alpha)
    product = product if alpha == 1 else product * alpha
    return product + (input if beta == 1 else input * beta)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec), as `torch.addmv`."""
    check_same_dtype("addmv", input=input, mat=mat, vec=vec)
    return _add_scaled("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2), as `torch.addr`."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"addr: expected 1-D vectors, but got {vec1.ndim}-D and {vec2.ndim}-D tensors"
        )
    return _add_scaled("addr", input, outer(vec1, vec2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2) batch by batch, as `torch.baddbmm`; input
    broadcasts to (b, n, p), and beta=0 ignores it (nan or inf in it do not spread)."""
    check_same_dtype("baddbmm", input=input, batch1=batch1, batch2=batch2)
    return _add_scaled("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i], as `torch.addbmm`.
    (n, p), (b, n, m), (b, m, p) -> (n, p)"""
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t.ndim != 3:
            raise RuntimeError(f"addbmm: {name} must be a 3D tensor, got {t.ndim}D")
    check_same_dtype("addbmm", input=input, batch1=batch1, batch2=batch2)
    products = bmm(batch1, batch2)
    total = products.sum(0).to(products.dtype)  # integers stay in their dtype, as PyTorch's
    return _add_scaled("addbmm", input, total, beta, alpha)


def _integral_scales(product: Tensor, beta, alpha) -> tuple:
    """beta and alpha as PyTorch uses them: truncated to ints for an integer product, which
    stays integer (addmm of int64 matrices with beta=0.5 ignores the input); for a bool one,
    their truth (addr of bools is bool: alpha=3 keeps the product)."""
    if product.array.dtype.kind == "b":
        return bool(beta), bool(alpha)
    if product.array.dtype.kind in "iu":
        return int(beta), int(alpha)
    return beta, alpha


def _add_scaled(name: str, input: Tensor, product: Tensor, beta, alpha) -> Tensor:
    try:
        shape = broadcast_shapes(input.shape, product.shape)
    except RuntimeError:
        shape = None
    if shape != product.shape:
        raise RuntimeError(
            f"{name}: input of shape {tuple(input.shape)} cannot be broadcast to the "
            f"product's shape {tuple(product.shape)}"
        )
    beta, alpha = _integral_scales(product, beta, alpha)
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum over a's last `dims` dims against b's first ones, or over the pairs of dim lists
    `dims=([a dims], [b dims])`, as an einsum. (*, k...), (k..., *) -> (*, *)"""
    check_same_dtype("tensordot", a=a, b=b)
    if isinstance(dims, Tensor):  # a 0-d tensor (a number of dims) or the two dim lists
        dims = int(dims.item()) if dims.ndim == 0 else dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims = (list(range(a.ndim - dims, a.ndim)), list(range(dims)))
    da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dim lists should have the same length: {dims}")
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j % max(b.ndim, 1)] = sa[i % max(a.ndim, 1)]
    out = [s for s in sa if s not in sb] + [s for s in sb if s not in sa]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    """The cross product of 3-vectors along dim (default: the first dim of size 3, as
    torch.cross). (*, 3, *), (*, 3, *) -> (*, 3, *)"""
    if input.array.dtype.kind == "b":
        raise NotImplementedError("cross: \"cross\" not implemented for 'Bool'")
    check_same_dtype("cross", input=input, other=other)
    if dim is None:
        dim = next((d for d, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {input.shape}")
    d = dim % max(input.ndim, 1)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} "
            f"and {other.shape[d]}"
        )

    def parts(x, order):
        return getitem(x, (slice(None),) * d + (list(order),))

    a1, b1 = parts(input, (1, 2, 0)), parts(other, (2, 0, 1))
    a2, b2 = parts(input, (2, 0, 1)), parts(other, (1, 2, 0))
    return a1 * b1 - a2 * b2


def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sum of products over the last dims (a product when either is 0-d).
    (*a, k), (*b, k) -> (*a, *b)"""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    check_same_dtype("inner", input=input, other=other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return tensordot(input, other, dims=([input.ndim - 1], [other.ndim - 1]))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: each element of input times the whole of other, as blocks.
    The smaller number of dims is padded with leading 1s."""
    if not isinstance(other, Tensor):
        raise TypeError(f"kron(): other must be a Tensor, got {type(other).__name__}")
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...): block (i, j) is a[i] * b
    a = reshape_if_needed(input, tuple(s for d in sa for s in (d, 1)))
    b = reshape_if_needed(other, tuple(s for d in sb for s in (1, d)))
    return reshape_if_needed(a * b, tuple(x * y for x, y in zip(sa, sb)))


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """The p-norm distance between each row of x1 and each row of x2, batched.
    (*, P, M), (*, R, M) -> (*, P, R). # NOTE: it forms every difference (P * R * M
    numbers); PyTorch uses a matrix product for large p=2 inputs, which is faster and less
    exact."""
    from minigrad.ops.reduce import norm
    from minigrad.ops.reduce import sum as reduce_sum

    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
        if t.array.dtype.kind != "f":
            kind = dtypes.legacy_name(t.dtype)[: -len("Tensor")]
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {kind}")
        if t.array.dtype.itemsize < 4:
            raise NotImplementedError("\"cdist\" not implemented for 'Half'")
    check_same_dtype("cdist", x1=x1, x2=x2)
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)  # (*, P, R, M)
    if p == 0:  # how many coordinates differ; no gradient, as PyTorch
        return reduce_sum((diff != 0).to(dtype=diff.dtype), -1)
    return norm(diff, p, dim=-1)
