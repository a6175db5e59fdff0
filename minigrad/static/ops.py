"""The op registry: what each IR op computes on arrays, and its gradient as more IR ops.

Each entry has
- `kernel(xp, **attrs)`: returns a plain function of arrays (the executor's step; no Tensor,
  no Function, no autograd bookkeeping);
- `vjp(b, node, gys)`: emits the backward nodes into builder `b` and returns one gradient
  value per input (None where there is none) — the static twin of `Function.backward`;
- for elementwise ops, `ufunc` (the xp function, for CPU fusion with `out=` buffers) and
  `cuda` (a C expression, for one generated `cupy.ElementwiseKernel` per fused chain).

Only ops named here may appear in a saved file (`static.load` refuses the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class OpDef:
    name: str
    kernel: Callable
    vjp: Callable | None = None
    ufunc: str | None = None  # elementwise: y = xp.<ufunc>(*inputs, *extra)
    extra: tuple = ()
    cuda: str | None = None  # elementwise: C expression in a, b, c and T (the value type)


OPS: dict[str, OpDef] = {}
# kernels that return a tuple (cross_entropy: the loss and the log-probabilities it saves)
MULTI_OUTPUT = {"split", "eager", "eager_backward", "cross_entropy"}


def register(name, vjp=None, ufunc=None, extra=(), cuda=None):
    def wrap(kernel):
        OPS[name] = OpDef(name, kernel, vjp, ufunc, extra, cuda)
        return kernel

    return wrap


def elementwise(name, ufunc, cuda, vjp=None, extra=()):
    register(name, vjp, ufunc, extra, cuda)(lambda xp: _bind(getattr(xp, ufunc), extra))


def _bind(fn, extra):
    if not extra:
        return fn
    return lambda *arrays: fn(*arrays, *extra)


# -- gradient rules (b: the backward builder; I(k)/O(k): forward input/output k) -------------
def _vjp_add(b, node, gy):
    return [b.sum_to(gy, b.fwd_shape(v)) if v is not None else None for v in node.inputs]


def _vjp_sub(b, node, gy):
    sa, sb = (b.fwd_shape(v) for v in node.inputs)
    return [b.sum_to(gy, sa), b.sum_to(b.emit("neg", gy), sb)]


def _vjp_mul(b, node, gy):
    x, z = b.I(node, 0), b.I(node, 1)
    return [
        b.sum_to(b.emit("mul", gy, z), b.shape(x)) if b.wants(node, 0) else None,
        b.sum_to(b.emit("mul", gy, x), b.shape(z)) if b.wants(node, 1) else None,
    ]


def _vjp_div(b, node, gy):
    x, z = b.I(node, 0), b.I(node, 1)
    ga = b.sum_to(b.emit("div", gy, z), b.shape(x)) if b.wants(node, 0) else None
    gb = None
    if b.wants(node, 1):
        gb = b.emit("neg", b.emit("div", b.emit("mul", gy, b.O(node, 0)), z))
        gb = b.sum_to(gb, b.shape(z))
    return [ga, gb]


def _vjp_pow(b, node, gy):
    x, z = b.I(node, 0), b.I(node, 1)
    ga = gb = None
    if b.wants(node, 0):
        lower = b.emit("pow", x, b.emit("sub", z, b.scalar(1, z)))
        ga = b.sum_to(b.emit("mul", b.emit("mul", gy, z), lower), b.shape(x))
    if b.wants(node, 1):
        gb = b.sum_to(b.emit("pow_exponent_grad", gy, x, b.O(node, 0)), b.shape(z))
    return [ga, gb]


def _unary(grad_op, use_output):
    def vjp(b, node, gy):
        saved = b.O(node, 0) if use_output else b.I(node, 0)
        return [b.emit(grad_op, gy, saved)]

    return vjp


elementwise("add", "add", "{a} + {b}", _vjp_add)
elementwise("sub", "subtract", "{a} - {b}", _vjp_sub)
elementwise("mul", "multiply", "{a} * {b}", _vjp_mul)
elementwise("div", "divide", "{a} / {b}", _vjp_div)
elementwise("pow", "power", "pow({a}, {b})", _vjp_pow)
elementwise("neg", "negative", "-{a}", lambda b, node, gy: [b.emit("neg", gy)])
elementwise("exp", "exp", "exp({a})", lambda b, n, gy: [b.emit("mul", gy, b.O(n, 0))])
elementwise("log", "log", "log({a})", lambda b, n, gy: [b.emit("div", gy, b.I(n, 0))])
elementwise("sqrt", "sqrt", "sqrt({a})", _unary("sqrt_grad", True))
elementwise("tanh", "tanh", "tanh({a})", _unary("tanh_grad", True))
elementwise("relu", "maximum", "max({a}, ({T})0)", _unary("relu_grad", True), extra=(0,))
elementwise("abs", "abs", "abs({a})", _unary("abs_grad", False))
elementwise("sin", "sin", "sin({a})", _unary("sin_grad", False))
elementwise("cos", "cos", "cos({a})", _unary("cos_grad", False))
elementwise("sign", "sign", None, lambda b, n, gy: [None])
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    _uf = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal"}
    _uf.update(gt="greater", ge="greater_equal")
    elementwise(_name, _uf[_name], None, lambda b, n, gy: [None, None])
for _name in ("logical_and", "logical_or", "logical_xor"):
    elementwise(_name, _name, None, lambda b, n, gy: [None, None])
for _name in ("logical_not", "isnan", "isinf", "isfinite", "floor", "ceil", "round"):
    elementwise(_name, _name, None, lambda b, n, gy: [None])
elementwise("floor_divide", "floor_divide", None, lambda b, n, gy: [None, None])
elementwise("remainder", "remainder", None, lambda b, n, gy: [None, None])


@register("sigmoid", vjp=_unary("sigmoid_grad", True))
def _sigmoid(xp):
    def sigmoid(x):
        # NOTE: exp of a large positive number overflows; only exponentiate -|x|.
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    return sigmoid


# -- backward helpers: one node each instead of three, so the backward replay stays short --
register("relu_grad")(lambda xp: lambda gy, y: gy * (y > 0))
register("tanh_grad")(lambda xp: lambda gy, y: gy * (1 - y * y))
register("sigmoid_grad")(lambda xp: lambda gy, y: gy * y * (1 - y))
register("sqrt_grad")(lambda xp: lambda gy, y: gy / (2 * y))
register("abs_grad")(lambda xp: lambda gy, x: gy * xp.sign(x))
register("sin_grad")(lambda xp: lambda gy, x: gy * xp.cos(x))
register("cos_grad")(lambda xp: lambda gy, x: -gy * xp.sin(x))


@register("pow_exponent_grad")
def _pow_exponent_grad(xp):
    def grad(gy, a, y):
        # NOTE: d(a^b)/db = a^b log a; at a == 0 the limit is 0 (for b > 0), not nan.
        safe = xp.where(a == 0, 1, a)
        return xp.where(a == 0, 0, gy * y * xp.log(safe)).astype(y.dtype, copy=False)

    return grad


@register("zeros_like")
def _zeros_like(xp):
    return xp.zeros_like


@register("detach", vjp=lambda b, n, gy: [None])
def _detach(xp):
    return lambda x: x


@register("cast", vjp=lambda b, n, gy: [b.emit("cast", gy, dtype=b.fwd_dtype(n.inputs[0]))])
def _cast(xp, dtype):
    return lambda x: x.astype(dtype)


@register("where")
def _where(xp):
    return xp.where


def _vjp_where(b, node, gy):
    cond = b.I(node, 0)
    zero = b.scalar(0, gy)
    ga = b.emit("where", cond, gy, zero) if b.wants(node, 1) else None
    gb = b.emit("where", cond, zero, gy) if b.wants(node, 2) else None
    return [
        None,
        ga and b.sum_to(ga, b.fwd_shape(node.inputs[1])),
        gb and b.sum_to(gb, b.fwd_shape(node.inputs[2])),
    ]


OPS["where"].vjp = _vjp_where


# -- matrix products -------------------------------------------------------------------------
def _swap_last(b, v):
    n = len(b.shape(v))
    return b.emit("permute", v, dims=tuple(range(n - 2)) + (n - 1, n - 2))


def _vjp_matmul(b, node, gy):
    x, z = b.I(node, 0), b.I(node, 1)
    ga = b.sum_to(b.emit("matmul", gy, _swap_last(b, z)), b.shape(x)) if b.wants(node, 0) else None
    gb = b.sum_to(b.emit("matmul", _swap_last(b, x), gy), b.shape(z)) if b.wants(node, 1) else None
    return [ga, gb]


@register("matmul", vjp=_vjp_matmul)
def _matmul(xp):
    return xp.matmul


def _vjp_linear(b, node, gy):
    x, w = b.I(node, 0), b.I(node, 1)
    gx = gw = gb = None
    flat_gy = b.reshape(gy, (-1, b.shape(gy)[-1]))
    if b.wants(node, 0):
        gx = b.emit("matmul", gy, w)
    if b.wants(node, 1):
        gw = b.emit("matmul", _swap_last(b, flat_gy), b.reshape(x, (-1, b.shape(x)[-1])))
    if node.inputs[2] is not None and b.wants(node, 2):
        gb = b.emit("sum", flat_gy, dims=(0,), keepdim=False)
    return [gx, gw, gb]


@register("linear", vjp=_vjp_linear)
def _linear(xp):
    def linear(x, w, bias=None):
        y = x @ w.T
        if bias is not None:
            y += bias
        return y

    return linear


# -- reductions and shapes -------------------------------------------------------------------
def _keep_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(b, gy, shape, dims):
    return b.emit("expand", b.reshape(gy, _keep_shape(shape, dims)), shape=tuple(shape))


def _vjp_sum(b, node, gy):
    return [_expand_back(b, gy, b.fwd_shape(node.inputs[0]), node.attrs["dims"])]


def _vjp_mean(b, node, gy):
    shape = b.fwd_shape(node.inputs[0])
    count = max(1, int(np.prod([shape[d] for d in node.attrs["dims"]])))
    scaled = b.emit("mul", gy, b.scalar(1.0 / count, gy))
    return [_expand_back(b, scaled, shape, node.attrs["dims"])]


@register("sum", vjp=_vjp_sum)
def _sum(xp, dims, keepdim, dtype=None):
    return lambda x: xp.asarray(x.sum(axis=dims, keepdims=keepdim, dtype=dtype))


@register("mean", vjp=_vjp_mean)
def _mean(xp, dims, keepdim):
    return lambda x: xp.asarray(x.mean(axis=dims, keepdims=keepdim))


@register("reshape", vjp=lambda b, n, gy: [b.reshape(gy, b.fwd_shape(n.inputs[0]))])
def _reshape(xp, shape):
    return lambda x: x.reshape(shape)


def _vjp_permute(b, node, gy):
    dims = node.attrs["dims"]
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return [b.emit("permute", gy, dims=tuple(inverse))]


@register("permute", vjp=_vjp_permute)
def _permute(xp, dims):
    return lambda x: x.transpose(dims)  # the method: xp.transpose's Python wrapper costs more


@register("expand", vjp=lambda b, n, gy: [b.sum_to(gy, b.fwd_shape(n.inputs[0]))])
def _expand(xp, shape):
    return lambda x: xp.broadcast_to(x, shape)


def sum_to_axes(shape, target) -> tuple:
    lead = len(shape) - len(target)
    return tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(target) if s == 1 and shape[lead + i] != 1
    )


@register(
    "sum_to",
    vjp=lambda b, n, gy: [b.emit("expand", gy, shape=b.fwd_shape(n.inputs[0]))],
)
def _sum_to(xp, shape, axes):
    return lambda x: x.sum(axis=axes, keepdims=True).reshape(shape)


# -- softmax and the loss --------------------------------------------------------------------
def _log_softmax_array(xp, x, dim):
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))


@register("softmax", vjp=lambda b, n, gy: [b.emit("softmax_grad", gy, b.O(n, 0), **n.attrs)])
def _softmax(xp, dim):
    def softmax(x):
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        return e / e.sum(axis=dim, keepdims=True)

    return softmax


register("softmax_grad")(
    lambda xp, dim: lambda gy, y: y * (gy - (gy * y).sum(axis=dim, keepdims=True))
)


@register(
    "log_softmax", vjp=lambda b, n, gy: [b.emit("log_softmax_grad", gy, b.O(n, 0), **n.attrs)]
)
def _log_softmax(xp, dim):
    return lambda x: _log_softmax_array(xp, x, dim)


register("log_softmax_grad")(
    lambda xp, dim: lambda gy, y: gy - xp.exp(y) * gy.sum(axis=dim, keepdims=True)
)


def _ce_parts(xp, x, t, weight, ignore_index, reduction):
    """(targets safe to index with, per-row weights or None for all ones, the mean's divisor)."""
    valid = t != ignore_index
    if weight is None and bool(valid.all()):
        # NOTE: the common case (no weights, nothing ignored) needs no weight arrays
        return t, None, t.shape[0] if reduction == "mean" else 1
    safe = xp.where(valid, t, 0)
    w = (weight[safe] if weight is not None else xp.ones(t.shape, x.dtype)) * valid
    denom = w.sum() if reduction == "mean" else 1
    return safe, w, denom


@register(
    "cross_entropy",
    # the log-probabilities are never a traced function's value, so they get no gradient
    vjp=lambda b, n, gy, _: [
        b.emit(
            "cross_entropy_grad", gy, b.O(n, 1), b.I(n, 1), n.inputs[2] and b.I(n, 2), **n.attrs
        ),
        None,
        None,
    ],
)
def _cross_entropy(xp, ignore_index, reduction):
    """(loss, log-probabilities): backward reads the softmax from the second, not from x."""

    def cross_entropy(x, t, weight=None):
        logp = _log_softmax_array(xp, x, 1)
        safe, w, denom = _ce_parts(xp, x, t, weight, ignore_index, reduction)
        picked = logp[xp.arange(t.shape[0]), safe]
        if w is not None:
            picked = w * picked
        if reduction == "none":
            return -picked, logp
        total = -picked.sum()  # negate the sum, not each loss: one temporary fewer
        return xp.asarray(total / denom if reduction == "mean" else total), logp

    return cross_entropy


@register("cross_entropy_grad")
def _cross_entropy_grad(xp, ignore_index, reduction):
    def grad(gy, logp, t, weight=None):
        safe, w, denom = _ce_parts(xp, logp, t, weight, ignore_index, reduction)
        g = xp.exp(logp)  # the softmax, from the forward's log-probabilities: a fresh array
        g[xp.arange(t.shape[0]), safe] -= 1
        scale = 1 / denom if w is None else (w / denom)[:, None]
        g *= scale * (gy[:, None] if reduction == "none" else gy)
        return g

    return grad


# -- indexing, joining, splitting ------------------------------------------------------------
@register("getitem")
def _getitem(xp, index, lifted=(), advanced=True):
    def getitem(x, *index_arrays):
        return x[_fill_index(index, lifted, index_arrays)]

    return getitem


def _fill_index(index, lifted, arrays):
    """The index with the parts that come from graph values put back in."""
    if not lifted:
        return index
    parts = list(index)
    for pos, a in zip(lifted, arrays):
        parts[pos] = a
    return tuple(parts)


def _vjp_getitem(b, node, gy):
    shape = b.fwd_shape(node.inputs[0])
    arrays = [b.I(node, k) for k in range(1, len(node.inputs))]
    g = b.emit("index_add", gy, *arrays, shape=shape, **node.attrs)
    return [g] + [None] * len(arrays)


OPS["getitem"].vjp = _vjp_getitem


@register("index_add")
def _index_add(xp, shape, index, lifted=(), advanced=True):
    def index_add(g, *index_arrays):
        out = xp.zeros(shape, dtype=g.dtype)
        idx = _fill_index(index, lifted, index_arrays)
        if advanced:
            xp.add.at(out, idx, g)
        else:
            out[idx] = g
        return out

    return index_add


def _vjp_cat(b, node, gy):
    dim, start, grads = node.attrs["dim"], 0, []
    for v in node.inputs:
        size = b.fwd_shape(v)[dim]
        index = (slice(None),) * dim + (slice(start, start + size),)
        grads.append(b.emit("getitem", gy, index=index, advanced=False))
        start += size
    return grads


@register("cat", vjp=_vjp_cat)
def _cat(xp, dim):
    return lambda *arrays: xp.concatenate(arrays, axis=dim)


def _vjp_split(b, node, *gys):
    parts = [g if g is not None else b.emit("zeros_like", b.O(node, k)) for k, g in enumerate(gys)]
    return [b.emit("cat", *parts, dim=node.attrs["dim"])]


@register("split", vjp=_vjp_split)
def _split(xp, sizes, dim):
    bounds = list(np.cumsum(sizes[:-1]))
    return lambda x: tuple(xp.split(x, bounds, axis=dim))


def _vjp_index_put(b, node, gy):
    index_arrays = [b.I(node, k) for k in range(2, len(node.inputs))]
    gx = b.emit("index_put", gy, None, *index_arrays, **node.attrs) if b.wants(node, 0) else None
    gv = None
    if node.inputs[1] is not None and b.wants(node, 1):
        picked = b.emit("getitem", gy, *index_arrays, **node.attrs)
        gv = b.sum_to(picked, b.fwd_shape(node.inputs[1]))
    return [gx, gv] + [None] * len(index_arrays)


@register("index_put", vjp=_vjp_index_put)
def _index_put(xp, index, lifted=(), advanced=True):
    def index_put(x, value, *index_arrays):
        y = x.copy()
        y[_fill_index(index, lifted, index_arrays)] = 0 if value is None else value
        return y

    return index_put


@register("argmax")
def _argmax(xp, dim, keepdim, largest=True):
    def argmax(x):
        fn = xp.argmax if largest else xp.argmin
        if dim is None:
            out = xp.asarray(fn(x.reshape(-1)))
            return out.reshape((1,) * x.ndim) if keepdim else out
        out = fn(x, axis=dim)
        return (xp.expand_dims(out, dim) if keepdim else out).astype(np.int64)

    return argmax


@register("all")
def _all(xp, dims, keepdim):
    return lambda x: xp.asarray(x.all(axis=dims, keepdims=keepdim))


@register("any")
def _any(xp, dims, keepdim):
    return lambda x: xp.asarray(x.any(axis=dims, keepdims=keepdim))


@register("one_hot")
def _one_hot(xp, num_classes):
    return lambda t: (t[..., None] == xp.arange(num_classes)).astype(np.int64)


# -- ops with no static rule: run the eager Function, keep its ctx for backward --------------
@register("eager")
def _eager(xp, function, template):
    from minigrad.autograd.grad_mode import no_grad
    from minigrad.tensor import Tensor

    def run(*arrays):
        ctx = function.__new__(function)
        tensors = [Tensor._make(a) for a in arrays]
        ctx.needs_input_grad = tuple(isinstance(t, int) for t in template)
        with no_grad():
            out = function.forward(ctx, *_fill(template, tensors))
        outs = out if type(out) is tuple else (out,)
        return (*(o.array if isinstance(o, Tensor) else xp.asarray(o) for o in outs), ctx)

    return run


def _fill(template, tensors):
    """The forward's arguments: tensor slots (ints) filled in, the rest as recorded."""
    return [tensors[a] if isinstance(a, int) else a.value for a in template]


@dataclass(frozen=True)
class Literal:
    """A non-tensor argument of an eager op, kept as it was (ints mark tensor slots)."""

    value: object


def _vjp_eager(b, node, *gys):
    n_out = len(node.outputs) - 1
    ctx = b.O(node, n_out)
    grads = [
        g if g is not None else b.emit("zeros_like", b.O(node, k))
        for k, g in enumerate(gys[:n_out])
    ]
    shapes = tuple(b.fwd_shape(v) for v in node.inputs)
    outs = b.emit(
        "eager_backward", ctx, *grads, n_out=len(node.inputs), shapes=shapes, **node.attrs
    )
    return [outs[k] if b.wants(node, k) else None for k in range(len(node.inputs))]


OPS["eager"].vjp = _vjp_eager


@register("eager_backward")
def _eager_backward(xp, function, template, shapes):
    from minigrad.autograd.grad_mode import no_grad
    from minigrad.tensor import Tensor

    slots = [k for k, a in enumerate(template) if isinstance(a, int)]

    def run(ctx, *gys):
        with no_grad():
            grads = function.backward(ctx, *(Tensor._make(g) for g in gys))
        grads = grads if type(grads) is tuple else (grads,)
        out = []
        for slot, shape in zip(slots, shapes):
            g = grads[slot] if slot < len(grads) else None
            g = xp.zeros(shape, gys[0].dtype) if g is None else g.array
            if g.shape != shape:
                g = g.sum(axis=sum_to_axes(g.shape, shape), keepdims=True).reshape(shape)
            out.append(g)
        return tuple(out)

    return run


# -- fused elementwise chains (made by passes.fuse_elementwise) ------------------------------
@register("fused")
def _fused(xp, program, dtype):
    if xp is np:
        return _fused_cpu(program)
    return _fused_cuda(xp, program, dtype)


def _fused_cpu(program):
    """Generated NumPy code: the first result allocates `buf`, later steps write into it.

    Each temporary has exactly one consumer (fusion's rule), so a step that reads the value
    in `buf` may overwrite it: a chain of n ops allocates once instead of n times.
    """
    n_inputs = 1 + max((k for _, args in program for kind, k in args if kind == "x"), default=-1)
    lines = [f"def fused({', '.join(f'x{k}' for k in range(n_inputs))}):"]
    where: dict[int, str] = {}
    env: dict = {}
    for j, (op, args) in enumerate(program):
        spec = OPS[op]
        env[spec.ufunc] = getattr(np, spec.ufunc)
        names = [f"x{k}" if kind == "x" else where[k] for kind, k in args]
        names += [repr(e) for e in spec.extra]
        call = f"{spec.ufunc}({', '.join(names)}"
        if any(kind == "t" and where[k] == "buf" for kind, k in args):
            lines.append(f"    {call}, out=buf)")
            where[j] = "buf"
        else:
            where[j] = "buf" if "buf" not in where.values() else f"t{j}"
            lines.append(f"    {where[j]} = {call})")
    lines.append(f"    return {where[len(program) - 1]}")
    exec("\n".join(lines), env)
    env["fused"].code = "\n".join(lines)
    return env["fused"]


_C_TYPES = {"float32": "float", "float64": "double", "float16": "float16"}


def _fused_cuda(xp, program, dtype):
    """One generated `cupy.ElementwiseKernel` for the whole chain."""
    exprs: list[str] = []
    for op, args in program:
        names = [f"x{k}" if kind == "x" else f"({exprs[k]})" for kind, k in args]
        exprs.append(OPS[op].cuda.format(**dict(zip("abc", names)), T=_C_TYPES[dtype]))
    n_inputs = 1 + max((k for _, args in program for kind, k in args if kind == "x"), default=-1)
    params = ", ".join(f"T{k} x{k}" for k in range(n_inputs))
    kernel = xp.ElementwiseKernel(params, f"{dtype} y", f"y = {exprs[-1]}", "minigrad_fused")
    return lambda *arrays: kernel(*arrays)
