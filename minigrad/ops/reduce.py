"""Reductions: sum, mean, prod, max/min, var/std, norm, cumsum, logsumexp, argmax...

# NOTE: backward of a reduction puts the reduced dims back (keepdim) and expands the gradient
# over them: every input element that was summed gets the same upstream gradient.
"""

from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import state
from minigrad.ops._std_sort import mode_index
from minigrad.ops._util import (
    as_float_array,
    cast_to,
    expect_floating,
    half_as_float32,
    kernel_type,
    max_array,
    needs_grads,
    normalize_dim,
    normalize_dims,
    pick_last,
    quiet,
    sum_array,
    write_out,
)
from minigrad.ops.nograd import NoGrad, eq, isnan, logical_not
from minigrad.ops.selection import cast, maximum, minimum, where
from minigrad.ops.shape import _named, expand, movedim, reshape_if_needed, unsqueeze
from minigrad.ops.unary import _no_bool_kernel, exp, sign
from minigrad.ops.unary import abs as abs_
from minigrad.tensor import DIM_NOT_GIVEN, Tensor, _host


def _return_type(name: str, fields=("values", "indices")):
    """A (values, indices) named tuple that prints as PyTorch's `torch.return_types.max`."""
    base = namedtuple(name, fields)

    def __repr__(self) -> str:  # noqa: N807
        shown = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"minigrad.return_types.{name}(\n{shown})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


RETURN_TYPES = {
    name: _return_type(name)
    for name in (
        *("max", "min", "sort", "topk", "median", "nanmedian", "mode", "kthvalue", "cummax"),
        "cummin",
    )
}
RETURN_TYPES["aminmax"] = _return_type("aminmax", ("min", "max"))
RETURN_TYPES["frexp"] = _return_type("frexp", ("mantissa", "exponent"))
RETURN_TYPES["histogram"] = _return_type("histogram", ("hist", "bin_edges"))
RETURN_TYPES["histogramdd"] = _return_type("histogramdd", ("hist", "bin_edges"))


def _keep_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _drop_dims(shape, dims) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _expand_back(gy: Tensor, shape, dims) -> Tensor:
    """Reshape a reduced gradient to keepdim form and expand it to the input shape.
    # NOTE: reduced over leading dims only (all: a loss's sum or mean), it broadcasts to the
    shape as it is, without a reshape's node."""
    if dims == tuple(range(len(dims))):
        return expand(gy, shape)
    return expand(reshape_if_needed(gy, _keep_shape(shape, dims)), shape)


def _accumulated(array):
    """The array a sum or product runs over, and the dtype of its result, as PyTorch's:
    integers and bools give int64; float16 is added in float32 and rounded once."""
    if array.dtype.kind in "biu":
        return cast_to(array, dtypes.int64.np), dtypes.int64.np
    return half_as_float32(array), array.dtype


class Sum(Function):
    """y = sum of x over dims; dy/dx = 1. (*) -> (*) without dims"""

    op_name = "sum"

    def name(self):
        if "_name" in self.__dict__:  # a 1-norm's (see shape._named)
            return self._name
        return f"SumBackward{int(len(self.dims) < len(self.shape))}"  # 1: over some dims

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims = x.array.shape, dims
        array = x.array
        if dtype is None and array.dtype.kind in "biu":
            dtype = dtypes.int64.np  # PyTorch sums integers and bools as int64
        if dtype is None or dtype == array.dtype:
            work = half_as_float32(array)
            return cast_to(sum_array(x.device.xp, work, dims, keepdim), array.dtype)
        return array.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy, ctx.shape, ctx.dims), None, None, None


def _all_if_empty(dim):
    """PyTorch reduces over every dim when given none (`x.sum(dim=())`, what a per-sample sum
    over `tuple(range(1, x.ndim))` passes for a 1-D x); any and all reduce over none."""
    return None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim


def _one_dim_or_all(op: str, dim, keepdim):
    """The dim of an op that reduces over one int dim or, with none given, over all (PyTorch's
    prod, median): None for all; dim=None, a tuple or keepdim without a dim is its TypeError."""
    if dim is DIM_NOT_GIVEN:
        if keepdim:
            raise TypeError(f"{op}(): keepdim=True needs a dim (all dims reduced take none)")
        return None
    if dim is None or isinstance(dim, (tuple, list)):
        raise TypeError(
            f"{op}(): argument 'dim' must be int, not {type(dim).__name__}; {op} reduces over "
            "one dim, or over all of them when dim is left out"
        )
    return dim


def sum(input, dim=DIM_NOT_GIVEN, keepdim=False, *, dtype=None, out=None):
    if dim is DIM_NOT_GIVEN:
        if out is not None:
            raise TypeError(
                "sum(): out= needs a dim (PyTorch's sum without one takes no out=); pass "
                f"dim=None to sum all of the tensor of shape {tuple(input.shape)} into out"
            )
        dim = None
    dims = normalize_dims(_all_if_empty(dim), input.ndim, "sum")
    if dtype is None and isinstance(out, Tensor):
        dtype = out.dtype  # PyTorch sums in out's dtype
    np_dtype = None if dtype is None else dtypes.to_dtype(dtype).np
    y = Sum.apply(input, dims, keepdim, np_dtype)
    return y if out is None else write_out("sum", y, out)


class Mean(Function):
    """y = mean of x over dims; dy/dx = 1 / n. (*) -> (*) without dims"""

    op_name = "mean"

    def name(self):
        return f"MeanBackward{int(len(self.dims) < len(self.shape))}"  # 1: over some dims

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        array = x.array
        ctx.shape, ctx.dims = array.shape, dims
        ctx.count = builtins.max(1, _count(array.shape, dims))
        if array.size == 0:  # the mean of nothing is nan, silently, as in PyTorch
            shape = array.sum(axis=dims, keepdims=keepdim).shape
            return x.device.xp.full(shape, float("nan"), dtype=array.dtype)
        if array.dtype.char in "fd":  # NumPy's mean is Python code around a sum: 2x slower
            return sum_array(x.device.xp, array, dims, keepdim) / array.dtype.type(ctx.count)
        return cast_to(half_as_float32(array).mean(axis=dims, keepdims=keepdim), array.dtype)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy / ctx.count, ctx.shape, ctx.dims), None, None


def _count(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dtype is not None:
        input = input.to(dtype=dtype)
    # the dtype is checked before the dims, as PyTorch's (an int 0-d x.mean(-2) names the dtype)
    if input.array.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {kernel_type(input.array.dtype)[1:-1]}"
        )
    y = Mean.apply(input, normalize_dims(_all_if_empty(dim), input.ndim, "mean"), keepdim)
    return y if out is None else write_out("mean", y, out)


class Prod(Function):
    """y = product of x over dims; dy/dx_i = product of the other elements."""

    op_name = "prod"

    def name(self):
        return f"ProdBackward{int(len(self.dims) < len(self._edges[0][2]))}"  # 1: over some dims

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.dims = dims
        work, dtype = _accumulated(x.array)
        return cast_to(work.prod(axis=dims, keepdims=keepdim), dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        g = _expand_back(gy, x.shape, ctx.dims)
        return g * _product_of_others(x, ctx.dims), None, None


def _product_of_others(x: Tensor, dims: tuple) -> Tensor:
    """For each element, the product of the others over dims, with tensor ops: the product
    of everything before it times everything after it. # NOTE: not y / x, which is 0/0 where
    x has a zero."""
    from minigrad.ops.shape import cat, flip

    order = [d for d in range(x.ndim) if d not in dims] + list(dims)
    moved = x.permute(*order)
    flat = reshape_if_needed(moved, tuple(moved.shape[: x.ndim - len(dims)]) + (-1,))
    one = flat[..., :1] * 0 + 1
    left = cumprod(cat([one, flat[..., :-1]], -1), -1)
    right = flip(cumprod(cat([one, flip(flat, -1)[..., :-1]], -1), -1), -1)
    others = reshape_if_needed(left * right, tuple(moved.shape))
    inverse = [order.index(d) for d in range(x.ndim)]
    return others.permute(*inverse)


def _in_asked_dtype(y, dtype):
    """A product or cumulative sum, which accumulates integers in int64, back in the dtype= its
    caller asked for: PyTorch accumulates in that dtype (int8 products wrap)."""
    return y if dtype is None or y.dtype == dtypes.to_dtype(dtype) else y.to(dtype=dtype)


def prod(input, dim=DIM_NOT_GIVEN, keepdim=False, *, dtype=None):
    dim = _one_dim_or_all("prod", dim, keepdim)
    if dtype is not None:
        input = input.to(dtype=dtype)
    dims = normalize_dims(dim, input.ndim, "prod")
    return _in_asked_dtype(Prod.apply(input, dims, keepdim), dtype)


class MaxMin(Function):
    """amax/amin over dims; the gradient is shared evenly between tied extremes."""

    op_name = "amax_amin"

    def name(self):  # x.max(), aminmax and inf-norms rename theirs (see shape._named)
        return self.__dict__.get("_name") or ("AmaxBackward0" if self.largest else "AminBackward0")

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        array = x.array
        if len(dims) == 1:
            y = max_array(x.device.xp, array, dims[0], True, largest)
        else:
            y = (
                array.max(axis=dims, keepdims=True)
                if largest
                else array.min(axis=dims, keepdims=True)
            )
        # NOTE: the ties are found in backward, from x and y: a forward without grad skips it.
        # y is the output's memory, which may change in place before backward (out[0] = 0):
        # a copy keeps the extremes the ties are to be found against
        ctx.save_for_backward(x)
        extreme = y.copy() if needs_grads(ctx, 4)[0] else y
        ctx.extreme, ctx.shape, ctx.dims, ctx.largest = extreme, array.shape, dims, largest
        return y if keepdim else y.reshape(_drop_dims(array.shape, dims))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        hits = cast(eq(x, Tensor._make(ctx.extreme)), x.dtype)
        share = hits / sum(hits, ctx.dims, keepdim=True)
        return _expand_back(gy, ctx.shape, ctx.dims) * share, None, None, None


class MaxMinDim(Function):
    """max/min along one dim with indices; the gradient goes to the chosen index."""

    op_name = "max_min_dim"

    def name(self):
        return "MaxBackward0" if self.largest else "MinBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        xp = x.device.xp
        array = x.array
        # NOTE: the methods and a reshape: np.argmax's and np.expand_dims's Python wrappers
        # cost more than the search on a (64, 10) batch of logits
        idx = (array.argmax if largest else array.argmin)(axis=dim)
        idx_keep = idx.reshape(_keep_shape(array.shape, (dim,)))
        if dim == array.ndim - 1:
            values = pick_last(xp, array, idx_keep)
        else:
            values = xp.take_along_axis(array, idx_keep, axis=dim)
        ctx.shape, ctx.dim, ctx.idx, ctx.largest = array.shape, dim, idx_keep, largest
        if not keepdim:
            values = values.squeeze(dim)
        else:
            idx = idx_keep
        return values, idx.astype(dtypes.int64.np)  # a copy: ctx.idx is a view of idx

    @staticmethod
    def backward(ctx, gy, g_idx):
        from minigrad.ops.indexing import scatter_to

        g = reshape_if_needed(gy, _keep_shape(ctx.shape, (ctx.dim,)))
        return scatter_to(g, ctx.dim, ctx.idx, ctx.shape), None, None, None


def _nonempty(input, dims, op, all_dims=False) -> None:
    """A max or min over an empty dim has no value: PyTorch's IndexError (RuntimeError when
    no dim was given)."""
    if all_dims and input.array.size == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0")
    for d in dims:
        if input.array.shape[d] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {d} to have non-zero size (input of shape "
                f"{tuple(input.shape)})"
            )


def _max_min(input, dim, keepdim, largest, op):
    if isinstance(dim, Tensor):
        return (maximum if largest else minimum)(input, dim)
    if input.array.size == 0 and dim is None:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0")
    if input.ndim and dim is not None:
        _nonempty(input, (normalize_dim(dim, input.ndim, op),), op)
    if dim is None:
        y = MaxMin.apply(input, tuple(range(input.ndim)), False, largest)
        return _named(y, None, "MaxBackward1" if largest else "MinBackward1")
    d = normalize_dim(dim, input.ndim, op)
    if input.ndim == 0:
        return RETURN_TYPES[op](input, Tensor._make(input.device.xp.asarray(0)))
    return RETURN_TYPES[op](*MaxMinDim.apply(input, d, keepdim, largest))


def max(input, dim=None, keepdim=False):
    """max over all (a value), `max(x, dim)` (values, indices) or `max(a, b)` (elementwise)."""
    return _max_min(input, dim, keepdim, True, "max")


def min(input, dim=None, keepdim=False):
    return _max_min(input, dim, keepdim, False, "min")


def amax(input, dim=(), keepdim=False):
    return _amax_amin(input, dim, keepdim, True)


def amin(input, dim=(), keepdim=False):
    return _amax_amin(input, dim, keepdim, False)


def _amax_amin(input, dim, keepdim, largest):
    op = "amax" if largest else "amin"
    listed = _all_if_empty(dim)
    if input.array.size == 0 and listed is not None:  # PyTorch finds an empty dim before a repeat
        each = (listed,) if isinstance(listed, int) else listed
        _nonempty(input, [normalize_dim(d, input.ndim, op) for d in each], op)
    dims = normalize_dims(listed, input.ndim, op)
    _nonempty(input, dims, op, listed is None)
    return MaxMin.apply(input, dims, keepdim, largest)


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over dim (or all elements), as `torch.return_types.aminmax`."""
    dims = normalize_dims(dim, input.ndim, "aminmax")
    _nonempty(input, dims, "aminmax", dim is None)
    return RETURN_TYPES["aminmax"](
        _named(MaxMin.apply(input, dims, keepdim, False), None, "AminmaxBackward0"),
        _named(MaxMin.apply(input, dims, keepdim, True), None, "AminmaxBackward0"),
    )


class ArgMax(NoGrad):
    """The index of the largest (or smallest) element along dim, or in the flattened x."""

    op_name = "argmax"

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        xp, array = x.device.xp, x.array
        if dim is None:
            array = array.reshape(-1)
        out = (array.argmax if largest else array.argmin)(axis=-1 if dim is None else dim)
        if keepdim:
            out = out.reshape(
                (1,) * x.array.ndim if dim is None else _keep_shape(array.shape, (dim,))
            )
        return xp.asarray(out, dtype=dtypes.int64.np)


def _arg(input, dim, keepdim, largest):
    name = "argmax" if largest else "argmin"
    if input.array.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    d = None if dim is None else normalize_dim(dim, input.ndim, name)
    if input.array.size == 0 and (d is None or input.array.shape[d] == 0):
        raise IndexError(
            f"{name}(): Expected reduction dim to be specified (and of non-zero size) for an "
            f"input of shape {tuple(input.shape)} (numel() == 0)"
        )
    return ArgMax.apply(input, d, keepdim, largest)


def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, False)


def _correction(args, kwargs) -> tuple:
    """var/std accept (dim, unbiased, keepdim) or (dim, keepdim=, correction=) as PyTorch."""
    unbiased = kwargs.pop("unbiased", None)
    keepdim = kwargs.pop("keepdim", False)
    correction = kwargs.pop("correction", None)
    if args:
        if isinstance(args[0], bool) and len(args) <= 2:
            unbiased = args[0]
            keepdim = args[1] if len(args) > 1 else keepdim
        else:
            raise TypeError(f"var/std: unexpected positional arguments {args}")
    if kwargs:
        raise TypeError(f"var/std: unexpected keyword arguments {sorted(kwargs)}")
    if correction is not None and unbiased is not None:  # PyTorch has no call taking both
        raise TypeError(
            f"var/std: got both unbiased={unbiased} and correction={correction}; give only "
            f"correction (unbiased=False is correction=0)"
        )
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return correction, keepdim


class Var(Function):
    """y = sum((x - mean x)^2) / (n - correction) over dims, or its square root (std), as one
    node like PyTorch's; dy/dx = 2 (x - mean x) / (n - correction), times 1 / (2 y) for std.
    """

    op_name = "var_std"

    def name(self):
        return "StdBackward0" if self.root else "VarBackward0"

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, root):
        xp, array = x.device.xp, x.array
        n = _count(array.shape, dims)
        dof = builtins.max(0, n - correction)
        work = half_as_float32(array)  # float16's sum of squares overflows
        with quiet():  # no degrees of freedom left: inf or nan, silently (var() warned)
            centered = work - sum_array(xp, work, dims, True) / work.dtype.type(n)
            y = sum_array(xp, centered * centered, dims, keepdim) / work.dtype.type(dof)
            y = Tensor._make((xp.sqrt(y) if root else y).astype(array.dtype, copy=False))
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.keep, ctx.root, ctx.dof = dims, _keep_shape(array.shape, dims), root, dof
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        g = reshape_if_needed(gy, ctx.keep)
        if ctx.root:  # where std is 0 (constant rows) the gradient is 0, as PyTorch's
            y = reshape_if_needed(y, ctx.keep)
            g = where(eq(y, 0), 0, g / (2 * y))
        # NOTE: with no degrees of freedom the scale is inf and the gradient inf or nan,
        # silently, as PyTorch's
        scale = 2 / ctx.dof if ctx.dof else float("inf")
        with quiet():
            g = g * (x - mean(x, ctx.dims, keepdim=True)) * scale
        return g, None, None, None, None


def _var(input, dim, args, kwargs, root: bool):
    """var (root=False) or std with PyTorch's arguments; Bessel's correction by default."""
    name = "std" if root else "var"
    if isinstance(dim, bool):
        args, dim = (dim, *args), None
    correction, keepdim = _correction(args, kwargs)
    if input.array.dtype.kind != "f":
        raise RuntimeError(
            f"{name}(): std and var only support floating point and complex dtypes, got "
            f"{input.dtype}"
        )
    dims = normalize_dims(_all_if_empty(dim), input.ndim, name)
    n = _count(input.array.shape, dims)
    if n - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            f"reduction factor (here {n} elements per result, correction={correction})",
            UserWarning,
            stacklevel=3,
        )
    return Var.apply(input, dims, correction, keepdim, root)


def var(input, dim=None, *args, **kwargs):
    """Variance with Bessel's correction by default (correction=1), as PyTorch."""
    return _var(input, dim, args, kwargs, False)


def std(input, dim=None, *args, **kwargs):
    return _var(input, dim, args, kwargs, True)


def var_mean(input, dim=None, *args, **kwargs):
    """(var, mean) over dim, as a tuple; var takes var's arguments (correction=, keepdim=)."""
    keepdim = kwargs.get("keepdim", args[1] if len(args) > 1 else False)
    return var(input, dim, *args, **kwargs), mean(input, dim, keepdim)


def std_mean(input, dim=None, *args, **kwargs):
    keepdim = kwargs.get("keepdim", args[1] if len(args) > 1 else False)
    return std(input, dim, *args, **kwargs), mean(input, dim, keepdim)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the rows of a 2-D input (variables; the columns are the
    observations), a 1-D input being one variable, as torch.cov (a single variable gives a
    0-d tensor); fweights (integer counts) and aweights (weights) per observation as
    numpy.cov's. Built from tensor ops, so it is differentiable."""
    if input.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    if input.array.dtype.kind == "b":
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input if input.ndim == 2 else reshape_if_needed(input, (1, -1))
    if x.array.dtype.kind not in "fc":
        x = x.to(dtypes.get_default_dtype())
    for name, w, kinds in (("fweights", fweights, "iu"), ("aweights", aweights, "fc")):
        if w is not None:
            _check_cov_weights(name, w, kinds, x.shape[1])
    weights = fweights
    if aweights is not None:
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        total = x.shape[1]
        centered = x - mean(x, 1, keepdim=True)
        weighted = centered
    else:
        total = sum(weights)
        centered = x - sum(x * weights, 1, keepdim=True) / total
        weighted = centered * weights
    if aweights is None or correction == 0:
        dof = total - correction
    else:  # numpy.cov's effective number of observations
        dof = total - correction * sum(weights * aweights) / total
    # NOTE: a static graph cannot look at weights' values: it clamps without the warning
    if state.tracer is None and float(dof) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=2,
        )
    dof = dof.clamp_min(0) if isinstance(dof, Tensor) else builtins.max(dof, 0)
    with quiet():  # no degrees of freedom: inf or nan, as PyTorch's
        return ((weighted @ centered.mT) / dof).squeeze()


def _check_cov_weights(name: str, w, kinds: str, observations: int) -> None:
    """PyTorch's checks of cov's weights: 1-D, one per observation, integers (fweights) or
    floats (aweights), none negative (not checked in a static graph: it cannot read them)."""
    if w.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
            f"{w.ndim} dimensions"
        )
    if w.numel() != observations:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the "
            f"input but got {w.numel()} != {observations}"
        )
    if w.array.dtype.kind not in kinds:
        wanted = "integral" if kinds == "iu" else "floating point"
        raise RuntimeError(
            f"cov(): expected {name} to have {wanted} dtype but got {name} with {w.dtype} dtype"
        )
    if state.tracer is None and bool((w.array < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def corrcoef(input):
    """Pearson's correlation coefficients of the rows of input (see cov), clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    with quiet():
        return (c / stddev[:, None] / stddev[None, :]).clamp(-1, 1)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum with nan counted as zero; nan elements get no gradient."""
    return sum(where(isnan(input), 0, input), dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not nan (nan where all are); input must be floating,
    whatever dtype= says (as PyTorch)."""
    if input.array.dtype.kind != "f":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{kernel_type(input.array.dtype)[1:-1]}"
        )
    if dtype is not None:
        input = input.to(dtype=dtype)
        if input.array.dtype.kind != "f":
            raise RuntimeError(
                "nanmean(): could not infer output dtype. Optional dtype must be either a "
                f"floating point or complex dtype. Got: {kernel_type(input.array.dtype)[1:-1]}"
            )
    count = sum(logical_not(isnan(input)), dim, keepdim)
    return nansum(input, dim, keepdim) / count


class Norm2(Function):
    """y = sqrt(sum x^2) over dims; dy/dx = x / y (0 where y == 0, as PyTorch)."""

    op_name = "norm2"

    def name(self):
        return "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp, work = x.device.xp, half_as_float32(x.array)  # float16's squares overflow
        if len(dims) == work.ndim:
            # NOTE: over every element, one BLAS dot product: on (512, 512) float32 9 us, where
            # squaring and summing took 54 (PyTorch 23)
            flat = work.reshape(-1)
            squares = xp.asarray(xp.dot(flat, flat)).reshape(_keep_shape(work.shape, dims))
        elif work.size and dims == tuple(range(work.ndim - len(dims), work.ndim)):
            # NOTE: over the last dims (a row's norm: normalize, clip_grad_norm), one batched
            # BLAS dot product a row: on (512, 512) float32 dim=1 65 -> 21-28 us (PyTorch 20);
            # not for an empty array, whose count of rows reshape(-1, ...) cannot tell
            rows = work.reshape(-1, 1, math.prod(work.shape[work.ndim - len(dims) :]))
            squares = (rows @ rows.swapaxes(1, 2)).reshape(_keep_shape(work.shape, dims))
        else:
            squares = (work * work).sum(axis=dims, keepdims=True)
        y = xp.sqrt(squares).astype(x.array.dtype, copy=False)
        ctx.save_for_backward(x)
        ctx.dims = dims
        if keepdim:
            return y
        return y.reshape(_drop_dims(x.array.shape, dims))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        y = Norm2.apply(x, ctx.dims, True)  # recomputed, so a second backward sees y(x)
        safe = where(y == 0, 1.0, y)
        # NOTE: the scale gy / y is taken on the reduced shape, so x meets one product (on
        # (512, 512): 4 full-size ops -> 1)
        scale = where(y == 0, 0.0, reshape_if_needed(gy, y.shape) / safe)
        return x * scale, None, None


class NormP(Function):
    """y = (sum |x|^p)^(1/p) over dims, for p other than 1, 2 and inf (p = 0: the count of
    nonzeros, no gradient, as PyTorch's); PyTorch's gradient: sgn(x) |x|^(p-1) gy / y^(p-1),
    0 where y == 0 (p < 1: sgn(x) |x|^(p-1) gy y^(1-p), 0 where x == 0), so a zero vector
    gets 0, not nan."""

    op_name = "norm_p"

    def name(self):
        return "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        work = half_as_float32(x.array)
        if p == 0:
            y = (work != 0).sum(axis=dims, keepdims=True)
        else:
            with quiet():  # a negative p meets 0 ** p = inf, as PyTorch's gives
                y = (abs(work) ** p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        ctx.save_for_backward(x)
        ctx.p, ctx.dims = p, dims
        y = y.astype(x.array.dtype, copy=False)
        if keepdim:
            return y
        return y.reshape(_drop_dims(x.array.shape, dims))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:  # a count: x.grad stays None, as PyTorch's
            return None, None, None, None
        y = NormP.apply(x, p, ctx.dims, True)  # recomputed, so a second backward sees y(x)
        g = reshape_if_needed(gy, y.shape)
        if p < 1:
            safe = where(x == 0, 1.0, abs_(x))  # 0 ** (p - 1) is inf: kept out of the product
            scaled = where(x == 0, 0.0, sign(x) * safe ** (p - 1))
            return scaled * g * y ** (1 - p), None, None, None
        scale = where(y == 0, 0.0, g / where(y == 0, 1.0, y) ** (p - 1))
        return sign(x) * abs_(x) ** (p - 1) * scale, None, None, None


def norm(input, p="fro", dim=None, keepdim=False, *, dtype=None):
    """torch.norm: a vector norm over dim (all dims by default); p='nuc' the nuclear norm of
    the matrices in two dims (linalg.matrix_norm's)."""
    if isinstance(p, (tuple, list)):  # norm(x, (0, 1)) means dim=(0, 1)
        raise TypeError(f"norm(): argument 'p' must be a number or a str, not {type(p).__name__}")
    op = "linalg.matrix_norm" if p == "nuc" else "linalg.vector_norm"
    expect_floating(op, input)
    if dtype is not None:
        if not dtype.is_floating_point:
            name = dtypes.legacy_name(dtype)[: -len("Tensor")]
            raise RuntimeError(f"{op}: dtype should be floating point or complex, but got {name}")
        if dtypes.promote_types(input.dtype, dtype) != dtype:
            names = (dtypes.legacy_name(d)[: -len("Tensor")] for d in (input.dtype, dtype))
            raise RuntimeError(
                "{}: the dtype of the input ({}) should be convertible without narrowing to the "
                "specified dtype ({})".format(op, *names)
            )
        input = input.to(dtype=dtype)
    if p == "nuc":
        from minigrad.ops.linalg import matrix_norm

        if input.ndim < 2:
            raise RuntimeError(
                "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."
            )
        dims = tuple(range(input.ndim)) if dim is None else dim
        if isinstance(dims, int) or len(dims) != 2:
            shown = dims if isinstance(dims, int) else " ".join(map(str, dims))
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {shown}")
        return matrix_norm(input, "nuc", tuple(dims), keepdim)
    dims = normalize_dims(_all_if_empty(dim), input.ndim, "norm")
    _no_identity_on_empty(input, p, dims, dim)
    if p in ("fro", 2, 2.0):
        return Norm2.apply(input, dims, keepdim)
    if p in (1, 1.0):
        return _named(sum(abs_(input), dims, keepdim), None, "LinalgVectorNormBackward0")
    if p in (float("inf"), "inf"):
        return _named(amax(abs_(input), dims, keepdim), None, "LinalgVectorNormBackward0")
    if p in (float("-inf"), "-inf"):  # the smallest |x| (the power form gives 1)
        return _named(amin(abs_(input), dims, keepdim), None, "LinalgVectorNormBackward0")
    if isinstance(p, str):
        raise RuntimeError(f"norm: order {p!r} is not supported (input of shape {input.shape})")
    return NormP.apply(input, float(p), dims, keepdim)


def _no_identity_on_empty(input, p, dims, dim) -> None:
    """PyTorch's RuntimeError for a norm whose reduction has no value over no elements: the
    inf norm (a max) and the negative ones (a power of an infinite sum)."""
    if isinstance(p, str) or not (p < 0 or p == float("inf")):
        return
    shape = input.array.shape
    if _all_if_empty(dim) is None:  # all dims
        if input.array.size == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because the "
                "operation does not have an identity"
            )
        return
    for d in dims:
        if shape[d] == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {p} norm on the dimension {d} because "
                "this dimension is empty and the operation does not have an identity"
            )


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), as torch.dist."""
    return norm(input - other, p)


def _running_dtype(op: str, input, dtype):
    """The dtype= of cumsum or cumprod: PyTorch has no running sum or product in bool (its
    kernel is not reached for a 0-d or an empty input, which are only cast)."""
    dtype = dtypes.to_dtype(dtype)
    if dtype is dtypes.bool_ and input.ndim > 0 and input.array.size > 0:
        raise NotImplementedError(f"{op}: \"{op}_out_cpu\" not implemented for 'Bool'")
    return dtype


class Cumsum(Function):
    """y_i = x_0 + ... + x_i along dim; backward is the reversed cumulative sum."""

    op_name = "cumsum"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        array = x.array
        work, dtype = _accumulated(array)
        return cast_to(_cumsum_array(x.device.xp, work, dim), dtype)

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.shape import flip

        return flip(cumsum(flip(gy, ctx.dim), ctx.dim), ctx.dim), None


# NOTE: below this many elements NumPy's own cumsum is as fast as the blocks' setup
_CUMSUM_BLOCKS_MIN_SIZE = 65536


def _cumsum_array(xp, work, dim: int):
    """The cumulative sum of an array along dim: NumPy's, or on a large float array, by blocks.

    # NOTE: NumPy's cumsum is one serial add after another: along the last axis of (512, 512)
    float32 750 us (PyTorch 200), along axis 0 2.7 ms. By blocks of b ~ 32 values: a matmul
    with a triangle of ones sums within each block (b multiply-adds a value, on BLAS), then
    each block adds the running total of the blocks before it: 750 -> 230 us, no less
    accurate (the error of the serial sum grows with its length). 0 * inf is nan in the
    product, so an array whose total is not finite takes NumPy's cumsum. CuPy's is a parallel
    scan already.
    """
    n = work.shape[dim]
    block = None
    if work.size >= _CUMSUM_BLOCKS_MIN_SIZE and xp is np and work.dtype.char in "fd":
        divisors = [b for b in range(16, 65) if n % b == 0]
        block = builtins.min(divisors, key=lambda b: abs(b - 32), default=None)
    if block is None:
        return xp.cumsum(work, axis=dim)
    outer, inner = math.prod(work.shape[:dim]), math.prod(work.shape[dim + 1 :])
    rows = xp.ascontiguousarray(work)  # a broadcast gradient has stride 0: BLAS refuses it
    ones = xp.ones((block, block), work.dtype)
    with quiet():  # an inf gives nan here: NumPy's cumsum answers then, with its warnings
        if inner == 1:  # along the last axis: each row of blocks times an upper triangle
            y = rows.reshape(-1, block) @ xp.triu(ones)
        else:  # a lower triangle times each block of rows
            y = xp.tril(ones) @ rows.reshape(-1, block, inner)
    y = y.reshape(outer, n // block, block, inner)
    totals = xp.cumsum(y[:, :, -1], axis=1)  # (outer, blocks, inner): short
    if not xp.isfinite(totals[:, -1]).all():
        return xp.cumsum(work, axis=dim)
    y[:, 1:] += totals[:, :-1, None]
    return y.reshape(work.shape)


def cumsum(input, dim, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype=_running_dtype("cumsum", input, dtype))
    d = normalize_dim(dim, input.ndim, "cumsum")
    if input.ndim == 0:  # NumPy has no axis 0 to accumulate along: one element, as 1-d
        y = reshape_if_needed(Cumsum.apply(reshape_if_needed(input, (1,)), 0), ())
    else:
        y = Cumsum.apply(input, d)
    return _in_asked_dtype(y, dtype)


class Cumprod(Function):
    """y_i = x_0 * ... * x_i along dim; saves x and y; dy_j/dx_i = y_j / x_i for j >= i, so
    gx = reversed cumsum(gy * y) / x."""

    op_name = "cumprod"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        array = x.array
        work, dtype = _accumulated(array)
        y = Tensor._make(cast_to(x.device.xp.cumprod(work, axis=dim), dtype))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.shape import flip

        x, y = ctx.saved_tensors
        d = ctx.dim
        # NOTE: a static graph cannot look at the values, so it always takes the general form
        if state.tracer is None and not bool((x.array == 0).any()):
            return flip(cumsum(flip(gy * y, d), d), d) / x, None
        # with zeros, y / x is 0/0: each dy_j/dx_i is the cumulative product with x_i set to
        # 1 (n^2 numbers per row), with tensor ops
        moved, g = movedim(x, d, -1), movedim(gy, d, -1)
        n = moved.shape[-1]
        eye = Tensor._make(x.device.xp.eye(n, dtype=bool))
        others = cumprod(where(eye, 1.0, unsqueeze(moved, -2)), -1)  # [..., i, j]
        # NOTE: where, not a product with a 0/1 mask: a nan gradient at j < i must not reach i
        upper = Tensor._make(x.device.xp.triu(x.device.xp.ones((n, n), dtype=bool)))
        gx = where(upper, others * unsqueeze(g, -2), 0.0).sum(-1)  # j >= i
        return movedim(gx, -1, d), None


def cumprod(input, dim, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype=_running_dtype("cumprod", input, dtype))
    d = normalize_dim(dim, input.ndim, "cumprod")
    if input.ndim == 0:  # NumPy has no axis 0 to accumulate along: one element, as 1-d
        y = reshape_if_needed(Cumprod.apply(reshape_if_needed(input, (1,)), 0), ())
    else:
        y = Cumprod.apply(input, d)
    return _in_asked_dtype(y, dtype)


class CumExtremeIndex(NoGrad):
    """Where the running max (min) along dim was reached, as PyTorch's cummax (cummin)
    indices: a tie takes the later index, and a nan holds from where it appears (each later
    nan takes its own index)."""

    op_name = "cummax"

    @staticmethod
    def forward(ctx, x, dim, largest):
        xp, array = x.device.xp, x.array
        running = (xp.maximum if largest else xp.minimum).accumulate(array, axis=dim)
        reached = array == running
        if array.dtype.kind in "fc":
            reached |= xp.isnan(array)
        place = xp.arange(array.shape[dim]).reshape([-1] + [1] * (array.ndim - dim - 1))
        return xp.maximum.accumulate(xp.where(reached, place, 0), axis=dim)


def _cum_extreme(input, dim, largest: bool, name: str):
    from minigrad.ops.indexing import gather

    if input.ndim == 0:  # as a vector of one element (dim 0 or -1)
        values, indices = _cum_extreme(reshape_if_needed(input, (1,)), dim, largest, name)
        return RETURN_TYPES[name](reshape_if_needed(values, ()), reshape_if_needed(indices, ()))
    d = normalize_dim(dim, input.ndim, name)
    indices = CumExtremeIndex.apply(input, d, largest)
    return RETURN_TYPES[name](gather(input, d, indices), indices)


def cummax(input, dim):
    """(values, indices): the running maximum along dim and where it was reached, as PyTorch's
    (the values are a gather of input, so the gradient goes to those places)."""
    return _cum_extreme(input, dim, True, "cummax")


def cummin(input, dim):
    return _cum_extreme(input, dim, False, "cummin")


class LogSumExp(Function):
    """y = log(sum(exp(x))) over dims, computed stably; dy/dx = exp(x - y) (the softmax)."""

    op_name = "logsumexp"

    def name(self):
        return "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = x.device.xp
        floats = as_float_array(x)  # integers give the default float, as PyTorch's
        dtype, array = floats.dtype, half_as_float32(floats)
        # NOTE: the log-sum-exp trick: subtract the max so exp cannot overflow.
        if array.size == 0:  # no max to shift by: a sum of no terms is 0, its log -inf
            m = xp.zeros(_keep_shape(array.shape, dims), array.dtype)
        elif len(dims) == 1:
            m = max_array(xp, array, dims[0], True)
        else:
            m = array.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        with quiet():  # a slice of all -inf (a fully masked row) is -inf, silently as PyTorch's
            y = xp.log(sum_array(xp, xp.exp(array - m), dims, True)) + m
        ctx.save_for_backward(x)
        ctx.dims = dims
        if not keepdim:
            y = y.reshape(_drop_dims(array.shape, dims))
        return cast_to(y, dtype)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        y = LogSumExp.apply(x, ctx.dims, True)  # recomputed, so a second backward sees y(x)
        return _expand_back(gy, x.shape, ctx.dims) * exp(x - y), None, None


def logsumexp(input, dim, keepdim=False):
    if dim is None:  # PyTorch's logsumexp names its dims (all of them: dim=())
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    dims = normalize_dims(_all_if_empty(dim), input.ndim, "logsumexp")
    return LogSumExp.apply(input, dims, keepdim)


class LogCumSumExp(Function):
    """y_j = log(exp(x_0) + ... + exp(x_j)) along dim, each step a stable logaddexp;
    dy_j/dx_i = exp(x_i - y_j) for i <= j."""

    op_name = "logcumsumexp"

    @staticmethod
    def forward(ctx, x, dim):
        xp, array = x.device.xp, x.array
        if array.dtype.kind != "f":
            raise NotImplementedError(f"logcumsumexp: not implemented for {x.dtype}")
        # NOTE: float16 accumulates in float32 and is rounded once, as PyTorch's (step by step in
        # float16 a running sum of 4096 terms drifts by 18%)
        total = _log_add_exp_accumulate(half_as_float32(array), dim, xp)
        y = Tensor._make(cast_to(total, array.dtype))
        ctx.save_for_backward(x, y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.shape import flip
        from minigrad.ops.unary import log

        # NOTE: gx_i = sum_{j >= i} gy_j exp(x_i - y_j), summed in log space (a reversed
        # logcumsumexp) so nothing overflows; gy's signs are summed apart, as PyTorch does.
        x, y = ctx.saved_tensors
        d = ctx.dim
        tiny = dtypes.finfo(x.dtype).min / 4  # log(0), far from overflowing when shifted

        def part(g):
            logs = where(g > 0, log(where(g > 0, g, 1)), tiny) - y
            return exp(flip(logcumsumexp(flip(logs, d), d), d) + x)

        return part(gy) - part(-gy), None


def _log_add_exp_accumulate(array, dim, xp):
    """logaddexp accumulated along dim. # NOTE: NumPy's ufunc does it in one call; on other
    devices it is one vectorised logaddexp per step along dim."""
    with quiet():  # nan and inf come silently, as in PyTorch
        if xp is np:
            return np.logaddexp.accumulate(array, axis=dim)
        out = xp.moveaxis(array.copy(), dim, 0)
        for i in range(1, out.shape[0]):
            out[i] = xp.logaddexp(out[i - 1], out[i])
        return xp.moveaxis(out, 0, dim)


def logcumsumexp(input, dim):
    d = normalize_dim(dim, input.ndim, "logcumsumexp")
    if input.ndim == 0:
        return LogCumSumExp.apply(reshape_if_needed(input, (1,)), 0).reshape(())
    return LogCumSumExp.apply(input, d)


class All(NoGrad):
    """True where every element over dims is nonzero."""

    op_name = "all"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        return _truth(x, x.array.all(axis=dims, keepdims=keepdim))


def _truth(x: Tensor, y):
    """all's or any's answer: bool, but uint8 for a uint8 input (PyTorch keeps that dtype)."""
    return x.device.xp.asarray(y, dtype=x.array.dtype if x.array.dtype == np.uint8 else bool)


class Any(NoGrad):
    """True where some element over dims is nonzero."""

    op_name = "any"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        return _truth(x, x.array.any(axis=dims, keepdims=keepdim))


class CountNonzero(NoGrad):
    """How many elements over dims are nonzero (int64)."""

    op_name = "count_nonzero"

    @staticmethod
    def forward(ctx, x, dims):
        return x.device.xp.asarray((x.array != 0).sum(axis=dims), dtype=dtypes.int64.np)


def all(input, dim=None, keepdim=False):
    return All.apply(input, normalize_dims(dim, input.ndim, "all"), keepdim)


def any(input, dim=None, keepdim=False):
    return Any.apply(input, normalize_dims(dim, input.ndim, "any"), keepdim)


def count_nonzero(input, dim=None):
    dims = normalize_dims(_all_if_empty(dim), input.ndim, "count_nonzero")
    return CountNonzero.apply(input, dims)


# -- sorting: values are gathered from the input, so their gradient flows back to it ----------
class ArgSort(NoGrad):
    """The indices that sort x along dim (stable: equal values keep their order), int64."""

    op_name = "argsort"

    @staticmethod
    def forward(ctx, x, dim, descending):
        return _sorting_indices(x.device.xp, x.array, dim, descending)


def _sorting_indices(xp, key, dim, descending):
    """The int64 indices of a stable sort of key along dim; nan sorts as the largest value
    (last ascending, first descending), as PyTorch."""
    if not descending:
        indices = xp.argsort(key, axis=dim, kind="stable")
    elif key.dtype.kind == "f" and bool(xp.isnan(key).any()):
        # NOTE: negated, nan would still sort last
        indices = xp.lexsort((-key, ~xp.isnan(key)), axis=dim)
    else:
        indices = xp.argsort(_descending_key(key), axis=dim, kind="stable")
    return indices.astype(dtypes.int64.np, copy=False)


def _descending_key(key):
    """A key whose stable ascending sort is key's descending sort: floats negated; integers
    and bools bit-flipped (~x = -x - 1 reverses their order and, unlike -x, never overflows:
    -(-128) is -128 in int8)."""
    return -key if key.dtype.kind == "f" else ~key


class TopKIndices(NoGrad):
    """The indices of the k largest (or smallest) values along the last dim, in sorted order,
    ties in index order: the first k of a stable sort, int64.

    # NOTE: a partition finds the k-th value in linear time and only the k picked are sorted:
    the top 5 of 512 rows of 512 took 8.8 ms with a full sort (PyTorch 0.4 ms).
    """

    op_name = "topk_indices"

    @staticmethod
    def forward(ctx, x, k, largest):
        xp, key = x.device.xp, x.array
        n = key.shape[-1]
        # NOTE: a stable sort of short rows is the fastest way to their top k (64x10, k = 5:
        # 4 us; the partition or argmax rounds below take 11 and more)
        if xp is not np or n <= 32 or (key.dtype.kind == "f" and bool(np.isnan(key).any())):
            return _sorting_indices(xp, key, -1, largest)[..., :k]
        if key.dtype.kind == "f" and k <= _TOPK_BY_EXTREMES_MAX_K:
            picked = _topk_by_extremes(key, k, largest)
            if picked is not None:
                return picked
        place = n - k if largest else k - 1
        ends = xp.argpartition(key, place, axis=-1)
        picked = xp.sort(ends[..., place:] if largest else ends[..., :k], axis=-1)
        kth = xp.take_along_axis(key, ends[..., place : place + 1], -1)
        values = xp.take_along_axis(key, picked, -1)
        # NOTE: the partition's own k are the answer unless a value tied with the k-th was
        # left out (the first ties are wanted): one count of the ties decides. Picking by
        # masks every time (bool sums per row, nonzero) took 520 of 1110 us on the top 5 of
        # 512 rows of 512
        if int(xp.count_nonzero(key == kth)) != int(xp.count_nonzero(values == kth)):
            better = key > kth if largest else key < kth
            tied = key == kth
            short = k - better.sum(-1, keepdims=True)
            tied &= xp.cumsum(tied, axis=-1) <= short  # keep the first ties only
            picked = xp.nonzero((better | tied).reshape(-1, n))[1].reshape(key.shape[:-1] + (k,))
            values = xp.take_along_axis(key, picked, -1)
        order = xp.argsort(_descending_key(values) if largest else values, axis=-1, kind="stable")
        return xp.take_along_axis(picked, order, -1).astype(dtypes.int64.np, copy=False)


# NOTE: NumPy's argpartition takes 770 us on 512 rows of 512 (PyTorch's whole topk 400); k
# passes of the vectorised argmax take 20-30 us each (the top 5: 826 -> 113 us; 64x128, 5:
# 41 -> 11 us; the top 16 of 512x512: 947 -> 519 us)
_TOPK_BY_EXTREMES_MAX_K = 16


def _topk_by_extremes(key, k: int, largest: bool):
    """The indices of the k largest (or smallest) values along the last axis of a float array
    without nan, in sorted order, ties in index order: k rounds of argmax (argmin), each
    masking the picked value with -inf (inf) in a copy. argmax takes the first of equal
    values, as a stable sort orders them. None where a picked value equals the mask (an
    infinite value in the data could then be confused with a masked one)."""
    n = key.shape[-1]
    rows = key.reshape(-1, n)
    work = rows.copy()
    starts = np.arange(0, work.size, n)
    mask = -np.inf if largest else np.inf
    find = work.argmax if largest else work.argmin
    picked = np.empty((rows.shape[0], k), dtypes.int64.np)
    for j in range(k):
        column = find(axis=-1)
        picked[:, j] = column
        work.reshape(-1)[column + starts] = mask
    if bool((rows.reshape(-1)[picked + starts[:, None]] == mask).any()):
        return None
    return picked.reshape(key.shape[:-1] + (k,))


def sort(input, *positional, dim=-1, descending=False, stable=None):
    """(values, indices) along dim, as PyTorch; equal values keep their order (stable)."""
    from minigrad.ops.indexing import gather

    dim, descending = _sort_options("sort", positional, dim, descending, stable)
    d = normalize_dim(dim, input.ndim, "sort")
    if input.ndim == 0:
        return RETURN_TYPES["sort"](input, Tensor._make(input.device.xp.asarray(0)))
    index = ArgSort.apply(input, d, descending)
    return RETURN_TYPES["sort"](gather(input, d, index), index)


def argsort(input, *positional, dim=-1, descending=False, stable=None):
    dim, descending = _sort_options("argsort", positional, dim, descending, stable)
    return sort(input, dim=dim, descending=descending, stable=stable).indices


def _sort_options(op: str, positional: tuple, dim, descending, stable):
    """dim and descending of PyTorch's two overloads of sort and argsort: both by position
    or keyword, or with stable= both by keyword only (its TypeError otherwise)."""
    if len(positional) > 2 or (positional and stable is not None):
        raise TypeError(
            f"{op}(): got {len(positional)} positional arguments after the input; with "
            "stable= PyTorch takes dim and descending by keyword only (dim=, descending=)"
        )
    given = dict(zip(("dim", "descending"), positional))
    return given.get("dim", dim), given.get("descending", descending)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along dim and their indices, as PyTorch."""
    if input.array.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = normalize_dim(dim, input.ndim, "topk")
    size = input.array.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(
            f"topk: selected index k={k} out of range for dimension {d} of size {size} (tensor "
            f"of shape {tuple(input.shape)})"
        )
    if input.ndim == 0:  # one element, as 1-d; PyTorch gives the results back 0-d
        # NOTE: a 0-d result cannot be empty: k=0 gives the element too, as PyTorch's
        values, indices = topk(reshape_if_needed(input, (1,)), 1, 0, largest, sorted)
        return RETURN_TYPES["topk"](reshape_if_needed(values, ()), reshape_if_needed(indices, ()))
    if 0 < k < size:
        from minigrad.ops.indexing import gather

        moved = movedim(input, d, -1) if d != input.ndim - 1 else input
        indices = TopKIndices.apply(moved, k, largest)
        if moved is not input:
            indices = movedim(indices, -1, d)
        return RETURN_TYPES["topk"](gather(input, d, indices), indices)
    values, indices = sort(input, d, descending=largest)
    first_k = (slice(None),) * d + (slice(0, k),)
    return RETURN_TYPES["topk"](values[first_k], indices[first_k])


def _order_statistic(input, dim, keepdim, name, rank):
    """(values, indices) of the element at place `rank(sorted values, dim)` (an int64 tensor,
    keepdim shape) in each sorted row along dim. Sorting puts nan last, as PyTorch; ties
    take the first of the equal elements (PyTorch does not say which)."""
    from minigrad.ops.indexing import gather

    d = normalize_dim(dim, input.ndim, name)
    if input.ndim and input.array.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    _no_bool_kernel("median_out", input)
    if input.ndim == 0:
        return RETURN_TYPES[name](input, Tensor._make(input.device.xp.asarray(0)))
    values, indices = sort(input, d)
    k = rank(values, d)
    picked, where_from = gather(values, d, k), gather(indices, d, k)
    if not keepdim:
        picked, where_from = picked.squeeze(d), where_from.squeeze(d)
    return RETURN_TYPES[name](picked, where_from)


class MedianAll(Function):
    """median (or nanmedian, ignore_nan) of all elements: the lower middle of the sorted
    values, nan when median meets one; dy/dx is shared evenly between the elements equal to
    y (all the nans when y is nan), as PyTorch's gradient of a median without dim.
    (*) -> ()"""

    op_name = "median_all"

    def name(self):
        return "NanmedianBackward0" if self.ignore_nan else "MedianBackward0"

    @staticmethod
    def forward(ctx, x, ignore_nan):
        xp = x.device.xp
        flat = xp.sort(x.array, axis=None)  # nan sorts last
        n, nans = flat.size, int(xp.isnan(flat).sum()) if flat.dtype.kind == "f" else 0
        if ignore_nan:
            k = builtins.max(n - nans - 1, 0) // 2
        else:
            k = n - nans if nans else (n - 1) // 2  # the first nan, or the middle
        y = flat[k : k + 1].reshape(())
        ctx.save_for_backward(x)
        ctx.value, ctx.ignore_nan = y, ignore_nan
        return y

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        nan = bool(x.device.xp.isnan(ctx.value))
        hits = cast(isnan(x) if nan else eq(x, Tensor._make(ctx.value)), gy.dtype)
        return gy * hits / sum(hits), None


def _nan_count(values, d):
    return sum(isnan(values), d, keepdim=True)


def median(input, dim=DIM_NOT_GIVEN, keepdim=False):
    """The lower median (the smaller middle element for an even count), as PyTorch: of all
    elements (a value), or along dim (values, indices). A row with nan gives nan."""

    def rank(values, d):
        n, nans = values.shape[d], _nan_count(values, d)
        return where(nans > 0, n - nans, (n - 1) // 2)  # the first nan, or the middle

    return _median("median", input, dim, keepdim, rank)


def nanmedian(input, dim=DIM_NOT_GIVEN, keepdim=False):
    """median ignoring nan: the lower median of the other elements (nan if all are nan)."""

    def rank(values, d):
        count = values.shape[d] - _nan_count(values, d)
        return where(count > 0, (count - 1) // 2, 0)

    return _median("nanmedian", input, dim, keepdim, rank)


def _median(name: str, input, dim, keepdim, rank):
    """median or nanmedian: of all elements, or (values, indices) along dim; checked in
    PyTorch's order (the dim, an empty dim, then bools, which have no kernel)."""
    dim = _one_dim_or_all(name, dim, keepdim)
    if dim is not None:
        return _order_statistic(input, dim, keepdim, name, rank)
    if input.array.size == 0:
        # NOTE: nan in the input's dtype, cast as PyTorch's CPU casts it (on x86: the lowest
        # int32 or int64, 0 for narrower integers, True for a bool)
        with quiet():
            nan = input.device.xp.asarray(float("nan")).astype(input.array.dtype)
        return Tensor._make(nan)
    _no_bool_kernel("median_cpu", input)
    return MedianAll.apply(input, name == "nanmedian")


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element along dim (k counts from 1) and its index."""
    d = normalize_dim(dim, input.ndim, "kthvalue")
    size = input.array.shape[d] if input.ndim else 1
    if size == 0:  # PyTorch's checks of the dim and of an empty dim come first
        raise IndexError(f"kthvalue(): Expected reduction dim {dim} to have non-zero size.")
    if not 1 <= k <= size:  # checked before the dtype, as PyTorch's
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, size {size})"
        )
    if input.ndim:  # a 0-d tensor is its own k-th value, a bool one too
        _no_bool_kernel("kthvalue_cpu", input)

    from minigrad.ops.indexing import gather

    if input.ndim == 0:
        return RETURN_TYPES["kthvalue"](input, Tensor._make(input.device.xp.asarray(0)))
    index = KthValueIndex.apply(input, k, d)
    values = gather(input, d, index)
    if not keepdim:
        values, index = values.squeeze(d), index.squeeze(d)
    return RETURN_TYPES["kthvalue"](values, index)


class KthValueIndex(NoGrad):
    """Where PyTorch's CPU kthvalue finds the k-th smallest element of each row along dim,
    int64 in keepdim form. A k-th value that occurs once in its row has one index; among tied
    ones PyTorch returns the one its quickselect leaves at place k, so those rows run the
    same quickselect (in Python: about 3n steps for a row of n)."""

    op_name = "kthvalue_index"

    @staticmethod
    def forward(ctx, x, k, dim):
        xp = x.device.xp
        rows = xp.moveaxis(x.array, dim, -1)
        value = xp.sort(rows, axis=-1)[..., k - 1 : k]  # nan sorts last, as PyTorch's
        # NOTE: nan is the one value not equal to itself: equal here means both nan, too
        same = (rows == value) | ((rows != rows) & (value != value))
        index = xp.asarray(xp.argmax(same, axis=-1))  # an array even for one row, to write
        flat_index, flat_rows = index.reshape(-1), rows.reshape(-1, rows.shape[-1])
        for r in np.flatnonzero(_host(same.sum(-1).reshape(-1) > 1)):
            flat_index[r] = _quickselect(_host(flat_rows[r]).tolist(), k - 1)
        return xp.moveaxis(index[..., None], -1, dim).astype(dtypes.int64.np)


def _quickselect(values: list, k: int) -> int:
    """The original index of the element that PyTorch's CPU quickselect (median-of-three
    pivot, nan largest) leaves at place k of values."""
    order = list(range(len(values)))

    def greater(a, b):
        return a > b or (a != a and b == b)

    def swap(i, j):
        values[i], values[j] = values[j], values[i]
        order[i], order[j] = order[j], order[i]

    low, high = 0, len(values) - 1
    while high > low + 1:
        mid = low + (high - low) // 2
        swap(mid, low + 1)  # the median of values[low], [low + 1], [high] to low, as pivot
        if greater(values[low + 1], values[high]):
            swap(low + 1, high)
        if greater(values[low], values[high]):
            swap(low, high)
        if greater(values[low + 1], values[low]):
            swap(low + 1, low)
        i, j, pivot = low + 1, high, values[low]
        while True:
            i += 1
            while greater(pivot, values[i]):
                i += 1
            j -= 1
            while greater(values[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(low, j)
        if j <= k:
            low = i
        if j >= k:
            high = j - 1
    if high == low + 1 and greater(values[low], values[high]):
        swap(low, high)
    return order[k]


class ModeIndex(NoGrad):
    """Where PyTorch's CPU mode finds the most frequent value of each row along dim (the
    smallest such value on ties), int64 in keepdim form: its last occurrence, or, in a row
    whose sort order decides, the place std::sort leaves last (ops/_std_sort.py)."""

    op_name = "mode_index"

    @staticmethod
    def forward(ctx, x, dim):
        xp = x.device.xp
        rows = xp.moveaxis(x.array, dim, -1)
        value, best = _most_frequent(xp, rows)
        n = rows.shape[-1]
        last = xp.asarray(n - 1 - xp.argmax((rows == value)[..., ::-1], axis=-1))
        # the sort PyTorch runs keeps equal values in order only up to 16 of them, and with
        # nan it is no sort: there only its own steps give its index
        decided_by_sort = (rows != rows).any(-1)
        if n > 16:
            decided_by_sort |= best[..., 0] > 1
        # NOTE: those steps run in Python (1-3 us an element): past a budget, the
        # last occurrence stands (still an index of the mode; docs/nn.md)
        if decided_by_sort.any() and int(decided_by_sort.sum()) * n <= MODE_SORT_BUDGET:
            picked = [mode_index(row) for row in _host(rows[decided_by_sort]).tolist()]
            last[decided_by_sort] = xp.asarray(picked, dtype=last.dtype)
        return xp.moveaxis(last[..., None], -1, dim).astype(dtypes.int64.np)


MODE_SORT_BUDGET = 1 << 18  # elements of a mode's rows that std::sort's steps may order


def _most_frequent(xp, rows):
    """Each row's most frequent value (the smallest on ties; keepdim form) and its count
    (nan: no value equals it), from the runs of equal values in the sorted rows."""
    ordered = xp.sort(rows, axis=-1)
    n = ordered.shape[-1]
    starts = xp.ones(ordered.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    # every run's id, unique over the whole array: its row's offset plus its place in the row
    offsets = xp.arange(0, ordered.size, n).reshape(*ordered.shape[:-1], 1)
    runs = xp.cumsum(starts, axis=-1) - 1 + offsets
    lengths = xp.bincount(runs.ravel(), minlength=ordered.size)[runs]
    lengths[ordered != ordered] = 0  # a nan is no run: as in `==`, it equals nothing
    best = lengths.max(-1, keepdims=True)
    first = xp.argmax(lengths == best, axis=-1)[..., None]
    return xp.take_along_axis(ordered, first, axis=-1), best


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim and the index where it last occurs."""
    from minigrad.ops.indexing import gather

    d = normalize_dim(dim, input.ndim, "mode")
    if input.ndim == 0:
        return RETURN_TYPES["mode"](input, Tensor._make(input.device.xp.asarray(0)))
    if input.array.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    index = ModeIndex.apply(input, d)
    values = gather(input, d, index)
    if not keepdim:
        values, index = values.squeeze(d), index.squeeze(d)
    return RETURN_TYPES["mode"](values, index)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, name, ignore_nan):
    """PyTorch's quantile: sort, a fractional rank q * (n - 1) in each row, then the
    interpolation between the elements below and above it. quantile gives nan for a row with
    nan; nanquantile ranks among the other elements."""
    from minigrad.ops.indexing import gather
    from minigrad.ops.unary import ceil, floor, round

    xp = input.device.xp
    if input.array.dtype.char not in "fd":
        raise RuntimeError(
            f"{name}() input tensor must be either float or double dtype, got {input.dtype}"
        )
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation}"
        )
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError(
                f"{name}() q tensor must be same dtype as the input tensor ({q.dtype} and "
                f"{input.dtype})"
            )
        if q._device is not input._device:
            raise RuntimeError(f"{name}() q tensor must be on the same device as the input tensor")
        qs = q.array
    else:
        qs = xp.asarray(q, dtype=input.array.dtype)
    if qs.size and bool(((qs < 0) | (qs > 1)).any()):
        got = f" but got {float(qs)}" if qs.ndim == 0 else ""
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]{got}")
    if input.array.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    scalar_q = qs.ndim == 0
    if dim is not None:
        normalize_dim(dim, input.ndim, name)
    flat = dim is None or input.ndim == 0  # a 0-d input along dim 0 is its one element
    x = reshape_if_needed(input, (-1,)) if flat else movedim(input, dim, -1)
    values = sort(x, -1).values  # (..., n), nan last
    n = values.shape[-1]
    q_row = Tensor._make(qs.reshape(-1))  # (Q,)
    nans = _nan_count(values, -1)  # (..., 1)
    if ignore_nan:
        ranks = q_row * (n - nans - 1)
        ranks = where(ranks < 0, 0, ranks)  # all nan: rank 0, a nan
    else:
        ranks = where(nans > 0, float(n - 1), q_row * (n - 1))  # with nan: the last, a nan
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": floor, "higher": ceil, "nearest": round}[interpolation](ranks)
    below = floor(ranks).long()
    out = gather(values, -1, below)
    if interpolation in ("linear", "midpoint"):
        weight = ranks - below if interpolation == "linear" else 0.5
        out = out + weight * (gather(values, -1, ceil(ranks).long()) - out)
    out = movedim(out, -1, 0)  # (Q, ...)
    if keepdim:
        kept = _keep_shape(input.shape, normalize_dims(dim, input.ndim, name))
        out = reshape_if_needed(out, (out.shape[0],) + kept)
    return out.squeeze(0) if scalar_q else out


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, "quantile", False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile", True)


class Unique(NoGrad):
    """Part `part` of np.unique(x): 0 the sorted values, 1 the inverse (x's shape), 2 counts."""

    op_name = "unique"
    data_dependent = True  # the result's shape depends on the values

    @staticmethod
    def forward(ctx, x, part):
        a = x.array
        # PyTorch keeps each nan apart (nan != nan); NumPy would make them one value
        nans = {"equal_nan": False} if a.dtype.kind == "f" else {}
        found = x.device.xp.unique(a.reshape(-1), return_inverse=True, return_counts=True, **nans)
        return found[part].reshape(a.shape) if part == 1 else found[part]


class Bincount(NoGrad):
    """How often each value 0..max occurs in x (or the sum of its weights)."""

    op_name = "bincount"
    data_dependent = True  # the result's shape depends on the values

    @staticmethod
    def forward(ctx, x, minlength, weights=None):
        xp = x.device.xp
        if weights is None:
            return xp.bincount(x.array, minlength=minlength)
        w = weights.array
        # PyTorch sums float32 weights in float32 and any others as float64
        dtype = w.dtype if w.dtype == np.float32 else np.float64
        return xp.bincount(x.array, weights=w, minlength=minlength).astype(dtype)


class UniqueDim(NoGrad):
    """Part `part` of the distinct slices of x along dim, in lexicographic order: 0 the
    slices (stacked along dim), 1 each slice's place among them, 2 how often each occurs.

    # NOTE: by lexsort and adjacent comparison rather than np.unique(axis=), which CuPy lacks.
    """

    op_name = "unique_dim"
    data_dependent = True  # the result's shape depends on the values

    @staticmethod
    def forward(ctx, x, part, dim):
        xp = x.device.xp
        moved = xp.moveaxis(x.array, dim, 0)
        n = moved.shape[0]
        rows = moved.reshape(n, math.prod(moved.shape[1:]))
        order = xp.lexsort(rows.T[::-1]) if n else xp.zeros(0, dtype=np.int64)
        ranked = rows[order]
        first = xp.ones(n, dtype=bool)
        first[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
        if part == 0:
            return xp.moveaxis(moved[order][first], 0, dim)
        group = xp.cumsum(first) - 1
        if part == 2:
            return xp.bincount(group, minlength=0) if n else xp.zeros(0, dtype=np.int64)
        inverse = xp.empty(n, dtype=np.int64)
        inverse[order] = group
        return inverse


def _unique_dim(op: str, input, dim: int) -> int:
    """dim normalised, or PyTorch's error: a 0-d input has no dim to take slices along, and
    slices with no elements cannot be told apart."""
    if input.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    dim = normalize_dim(dim, input.ndim, op)
    if 0 in input.shape[:dim] + input.shape[dim + 1 :]:
        raise RuntimeError(
            "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied"
        )
    return dim


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values, sorted (always, as PyTorch on the CPU); with return_inverse, each
    element's place among them (input's shape); with return_counts, how often each occurs.
    With dim, the distinct slices along dim (sorted lexicographically), the place of each
    slice and the counts, as PyTorch's."""
    if dim is not None:
        dim = _unique_dim("unique", input, dim)

    def part(k):
        return Unique.apply(input, k) if dim is None else UniqueDim.apply(input, k, dim)

    extra = [part(k) for k, wanted in ((1, return_inverse), (2, return_counts)) if wanted]
    return (part(0), *extra) if extra else part(0)


class UniqueConsecutive(NoGrad):
    """Part `part` of the runs of equal values (along dim, or of the flattened x): 0 one value
    (slice) per run, 1 each element's run number, 2 each run's length."""

    op_name = "unique_consecutive"
    data_dependent = True  # the result's shape depends on the values

    @staticmethod
    def forward(ctx, x, part, dim=None):
        xp, a = x.device.xp, x.array
        if dim is None:
            rows = a.reshape(-1, 1)
        else:  # (the size of a slice spelled out: -1 cannot be inferred when no slice is left)
            rows = xp.moveaxis(a, dim, 0).reshape(a.shape[dim], a.size // (a.shape[dim] or 1))
        n = rows.shape[0]
        starts = xp.ones(n, dtype=bool)
        if n > 1 and rows.shape[1]:
            starts[1:] = (rows[1:] != rows[:-1]).any(1)
        first = xp.nonzero(starts)[0]
        if part == 1:
            inverse = xp.cumsum(starts) - 1
            return inverse.reshape(a.shape) if dim is None else inverse
        if part == 2:
            return xp.diff(xp.concatenate([first, xp.asarray([n])]))
        if dim is None:
            return a.reshape(-1)[first]
        return xp.take(a, first, axis=dim)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """One value per run of equal consecutive values (of the flattened input, or one slice
    per run along dim); with return_inverse each element's run, with return_counts each
    run's length (int64)."""
    d = None if dim is None else _unique_dim("unique_consecutive", input, dim)

    def part(k):
        return UniqueConsecutive.apply(input, k, d)

    extra = [part(k) for k, wanted in ((1, return_inverse), (2, return_counts)) if wanted]
    return (part(0), *extra) if extra else part(0)


class Histogram(NoGrad):
    """Part `part` (0 counts, 1.. the edges of each dim) of NumPy's histogramdd of the rows of
    x (*, D): the bins and range as numbers of bins or edge tensors, weights, density."""

    op_name = "histogram"

    @staticmethod
    def forward(ctx, x, part, bins, range=None, weight=None, density=False):
        xp = x.device.xp
        samples = x.array.reshape(-1, x.array.shape[-1])
        if isinstance(bins, (tuple, list)) and bins and isinstance(bins[0], Tensor):
            bins = [b.array for b in bins]
        w = None if weight is None else weight.array.reshape(-1)
        try:
            hist, edges = xp.histogramdd(samples, bins, range, density=density, weights=w)
        except ValueError as exc:  # a range not finite, bins < 1, weights of another length
            raise RuntimeError(f"torch.histogramdd: {exc}") from None
        dt = x.array.dtype
        return hist.astype(dt) if part == 0 else edges[part - 1].astype(dt)


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """The histogram of the rows of input (*, D) as points in D dims: (hist, bin_edges), a
    tuple of D edge tensors. bins: a number for all dims, one per dim, or the edge tensors;
    range: (min0, max0, min1, max1, ...); weight: one per point; density divides by the total
    weight and the bins' volumes."""
    if input.array.dtype not in (np.float32, np.float64):
        raise NotImplementedError(
            f'"histogramdd" not implemented for {kernel_type(input.array.dtype)}'
        )
    return _histogramdd(input, bins, range, weight, density)


def _histogramdd(input, bins, range, weight, density):
    n_dims = input.array.shape[-1]
    if weight is not None and weight.numel() != input.array.size // (n_dims or 1):
        # (checked here: NumPy does not for no points)
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided it should have the same shape as "
            "the input tensor excluding its innermost dimension, but got input with shape "
            f"{list(input.shape)} and weight with shape {list(weight.shape)}"
        )
    if isinstance(bins, int):
        bins = [bins] * n_dims
    pairs = (
        None if range is None else [tuple(range[2 * i : 2 * i + 2]) for i in builtins.range(n_dims)]
    )
    args = (tuple(bins), pairs, weight, density)
    hist = Histogram.apply(input, 0, *args)
    edges = tuple(Histogram.apply(input, k + 1, *args) for k in builtins.range(n_dims))
    return RETURN_TYPES["histogramdd"](hist, edges)


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """The histogram of input's values: (hist, bin_edges); bins a number of equal bins over
    range (default: the values' min and max) or a tensor of edges."""
    if input.array.dtype.kind != "f":
        raise NotImplementedError(
            f'"histogramdd" not implemented for {kernel_type(input.array.dtype)}'
        )
    points = input.reshape(-1, 1)
    hist, (edges,) = _histogramdd(
        points, [bins] if isinstance(bins, Tensor) else bins, range, weight, density
    )
    return RETURN_TYPES["histogram"](hist, edges)


def bincount(input, weights=None, minlength=0):
    """How often each value 0..max occurs in a 1-D int tensor (or the sum of its weights)."""
    if input.array.dtype.kind not in "iu":  # PyTorch's kernel has no float or bool version
        raise NotImplementedError(
            f'"bincount_cpu" not implemented for {kernel_type(input.array.dtype)}'
        )
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if input.ndim != 1:
        raise RuntimeError(
            f"bincount only supports 1-d non-negative integral inputs, got {input.ndim}-d "
            f"{input.dtype}"
        )
    if not input.array.size:  # as PyTorch: zeros of int64, whatever the weights
        return Bincount.apply(input, minlength)
    if int(input.array.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError(
            f"bincount: weights should be 1-d and have the same length as input, got weights "
            f"of shape {tuple(weights.shape)} for an input of shape {tuple(input.shape)}"
        )
    return Bincount.apply(input, minlength, weights)


# -- searching sorted sequences and counting into bins (no gradient: the results are places) --
class SearchSorted(NoGrad):
    """For each value, how many elements of its sorted row come before it: those smaller
    (side 'left') or not larger ('right'). A 1-D sequence serves every value; otherwise row
    by row (leading dims match).

    # NOTE: PyTorch's binary search steps right unless `row[mid] >= value` (> for 'right'),
    so it steps right past nan, wherever nan sits; NumPy's searchsorted orders nan last.
    Rows with nan, and N-D sequences, run PyTorch's steps, every value at once."""

    op_name = "searchsorted"

    @staticmethod
    def forward(ctx, seq, values, right, dtype):
        xp, a, v = seq.device.xp, seq.array, values.array
        if a.ndim == 1 and not (a.dtype.kind == "f" and xp.isnan(a).any()):
            found = xp.searchsorted(a, v, side="right" if right else "left")
            return xp.asarray(found).astype(dtype.np)
        n = a.shape[-1]
        rows = a.reshape(math.prod(a.shape[:-1]), n)
        wanted = v.reshape(1 if a.ndim == 1 else rows.shape[0], -1 if v.size else 0)
        start = xp.zeros(wanted.shape, dtype=np.int64)
        end = xp.full(wanted.shape, n, dtype=np.int64)
        while (active := start < end).any():
            mid = (start + end) // 2
            at_mid = xp.take_along_axis(rows, xp.minimum(mid, n - 1), axis=1)
            right_of_mid = ~(at_mid > wanted) if right else ~(at_mid >= wanted)
            start = xp.where(active & right_of_mid, mid + 1, start)
            end = xp.where(active & ~right_of_mid, mid, end)
        return start.reshape(v.shape).astype(dtype.np)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of input would go in sorted_sequence (its last dim) to keep it sorted,
    as PyTorch: the first such place, or with right=True (side='right') the last."""
    from minigrad.ops.indexing import gather

    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True"
            )
        right = side == "right"
    if not isinstance(input, Tensor):
        input = Tensor._make(sorted_sequence.device.xp.asarray(input))
    seq_shape, value_shape = tuple(sorted_sequence.shape), tuple(input.shape)
    if not seq_shape:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
            "dimension"
        )
    if len(seq_shape) != 1 and (
        len(seq_shape) != len(value_shape) or seq_shape[:-1] != value_shape[:-1]
    ):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq_shape)} and input value tensor {list(value_shape)}"
        )
    if sorter is not None:
        sorted_sequence = gather(sorted_sequence, -1, sorter)
    dtype = dtypes.int32 if out_int32 else dtypes.int64
    return SearchSorted.apply(sorted_sequence, input, right, dtype)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value: i with boundaries[i-1] < x <= boundaries[i] (right=False),
    or boundaries[i-1] <= x < boundaries[i] (right=True)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


class Histc(NoGrad):
    """Counts in `bins` equal-width bins over [lo, hi] (the data's range when lo == hi),
    PyTorch's rule: bin = floor((x - lo) * bins / (hi - lo)), hi itself in the last bin,
    values outside (and nan) not counted; in x's dtype."""

    op_name = "histc"

    @staticmethod
    def forward(ctx, x, bins, lo, hi):
        xp, a = x.device.xp, x.array
        if lo == hi and a.size:
            lo, hi = float(a.min()), float(a.max())
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
        inside = a[(a >= lo) & (a <= hi)]
        where_ = ((inside - lo) * bins / (hi - lo)).astype(dtypes.int64.np)
        where_ = xp.minimum(where_, bins - 1)
        return xp.bincount(where_, minlength=bins).astype(a.dtype)


def histc(input, bins=100, min=0, max=0):
    # the bins and the range are checked before the dtype, in PyTorch's order
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for bins")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for {input.dtype}')
    return Histc.apply(input, bins, float(min), float(max))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along dim: spacing dx (default 1), or the sample points x."""
    from minigrad.ops.indexing import narrow, select
    from minigrad.ops.shape import diff

    if x is not None and dx is not None:
        raise TypeError("trapezoid() received both x and dx; pass one of them")
    d = normalize_dim(dim, y.ndim, "trapezoid")
    n = y.array.shape[d]
    if n == 0:  # PyTorch's zeros of y's dtype, before its check of bools
        return y.new_zeros(y.shape[:d] + y.shape[d + 1 :])
    if y.array.dtype == np.bool_ or (x is not None and x.array.dtype == np.bool_):
        raise RuntimeError(
            "trapezoid: received a bool input for `x` or `y`, but bool is not supported"
        )
    if x is None:
        # NOTE: PyTorch's formula, the sum less half of each end: an inf end gives its nan
        ends = select(y, d, 0) + select(y, d, -1)
        return (sum(y, d) - ends * 0.5) * (1 if dx is None else dx)
    pairs = narrow(y, d, 0, n - 1) + narrow(y, d, 1, n - 1)
    if x.ndim == 1:  # spacing along dim, shared by the other dims
        steps = reshape_if_needed(diff(x), (-1,) + (1,) * (y.ndim - d - 1))
    else:
        steps = diff(x, dim=dim)
    return sum(steps * pairs, d) / 2


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along dim (one value fewer than y along it)."""
    from minigrad.ops.indexing import narrow
    from minigrad.ops.shape import diff

    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid() received both x and dx; pass one of them")
    if y.array.dtype == np.bool_:
        raise RuntimeError(
            "cumulative_trapezoid: received a bool input for `y`, but bool is not supported"
        )
    d = normalize_dim(dim, y.ndim, "cumulative_trapezoid")
    n = y.array.shape[d]
    if n == 0:
        return narrow(y, d, 0, 0) * 1.0
    pairs = narrow(y, d, 0, n - 1) + narrow(y, d, 1, n - 1)
    if x is None:
        return cumsum(pairs * ((1 if dx is None else dx) / 2), d)
    if x.ndim == 1:
        steps = reshape_if_needed(diff(x), (-1,) + (1,) * (y.ndim - d - 1))
    else:
        steps = diff(x, dim=dim)
    return cumsum(steps * pairs / 2, d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The derivative along each dim by central differences (second-order accurate inside,
    first or second order at the ends): one tensor per dim. spacing: one step for all dims,
    one per dim, or each dim's sample coordinates (1-D tensors)."""
    from minigrad.ops.shape import cat

    dims = builtins.range(input.ndim) if dim is None else [dim] if isinstance(dim, int) else dim
    dims = [normalize_dim(d, input.ndim, "gradient") for d in dims]
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    steps = [spacing] * len(dims) if isinstance(spacing, (int, float)) else list(spacing)
    if len(steps) == 1 and len(dims) > 1 and not isinstance(steps[0], Tensor):
        steps = steps * len(dims)
    if len(steps) != len(dims):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            f"equal to 'self.dim() = {input.ndim}', since dim argument was not given, but got "
            f"a list of length {len(steps)}"
        )
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if builtins.any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError(
            "torch.gradient expected each dimension size to be at least edge_order+1"
        )
    kind = input.array.dtype.kind
    if kind == "u" or (kind == "b" and not builtins.all(isinstance(s, Tensor) for s in steps)):
        # as PyTorch: no uint8; bools fail in the subtraction of uniform steps
        raise RuntimeError(f"torch.gradient does not support {input.dtype} input.")
    if input.array.dtype.kind != "f":
        input = input.to(dtypes.get_default_dtype())
    return tuple(
        cat(_gradient_parts(input, d, step, edge_order), d) for d, step in zip(dims, steps)
    )


def _gradient_parts(f, d: int, step, edge_order: int) -> list:
    """[first, interior, last] of the derivative along d (NumPy's formulas)."""
    from minigrad.ops.indexing import narrow
    from minigrad.ops.shape import diff

    n = f.shape[d]

    def at(a, b):  # f[a:b] along d
        start, stop = (a + n if a < 0 else a), (b + n if b < 0 else b)
        return narrow(f, d, start, stop - start)

    if not isinstance(step, Tensor):
        h = float(step)
        inside = (at(2, n) - at(0, n - 2)) / (2 * h)
        if edge_order == 1:
            return [(at(1, 2) - at(0, 1)) / h, inside, (at(-1, n) - at(-2, -1)) / h]
        first = (at(0, 1) * -1.5 + at(1, 2) * 2 - at(2, 3) * 0.5) / h
        last = (at(-3, -2) * 0.5 - at(-2, -1) * 2 + at(-1, n) * 1.5) / h
        return [first, inside, last]
    dx = reshape_if_needed(diff(step), (-1,) + (1,) * (f.ndim - d - 1))
    d1, d2 = dx[:-1], dx[1:]
    inside = (
        at(0, n - 2) * (-d2 / (d1 * (d1 + d2)))
        + at(1, n - 1) * ((d2 - d1) / (d1 * d2))
        + at(2, n) * (d1 / (d2 * (d1 + d2)))
    )
    if edge_order == 1:
        return [(at(1, 2) - at(0, 1)) / dx[:1], inside, (at(-1, n) - at(-2, -1)) / dx[-1:]]
    a1, a2 = dx[:1], dx[1:2]
    first = (
        at(0, 1) * (-(2 * a1 + a2) / (a1 * (a1 + a2)))
        + at(1, 2) * ((a1 + a2) / (a1 * a2))
        + at(2, 3) * (-a1 / (a2 * (a1 + a2)))
    )
    b1, b2 = dx[-2:-1], dx[-1:]
    last = (
        at(-3, -2) * (b2 / (b1 * (b1 + b2)))
        + at(-2, -1) * (-(b1 + b2) / (b1 * b2))
        + at(-1, n) * ((2 * b2 + b1) / (b2 * (b1 + b2)))
    )
    return [first, inside, last]


def renorm(input, p, dim, maxnorm):
    """Each slice along dim (input.select(dim, i)) whose p-norm exceeds maxnorm scaled down to
    norm maxnorm (by maxnorm / (norm + 1e-7), as PyTorch); the others kept."""
    from minigrad.ops.selection import where

    if input.ndim < 2:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions"
        )
    if not p > 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = normalize_dim(dim, input.ndim, "renorm")
    others = tuple(i for i in builtins.range(input.ndim) if i != d)
    norms = norm(input, p, others, keepdim=True)
    return input * where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


def vander(x, N=None, increasing=False):
    """Columns x^(N-1), ..., x, 1 (or the reverse with increasing), as cumulative products.
    (n,) -> (n, N); integers give int64."""
    from minigrad.ops.shape import cat, expand, flip

    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.array.shape[0]
    N = n if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if x.array.dtype.kind in "biu":
        x = x.to(dtype=dtypes.int64)
    ones = Tensor._make(x.device.xp.ones((n, 1), dtype=x.array.dtype))
    if N <= 1:
        return ones[:, :N]
    powers = cumprod(cat([ones, expand(unsqueeze(x, 1), (n, N - 1))], 1), 1)
    return powers if increasing else flip(powers, (1,))
