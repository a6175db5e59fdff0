"""Fused neural-network ops: softmax, log_softmax and the losses.

Fusing matters twice: one node instead of five keeps Python overhead down, and # NOTE: the
log-sum-exp trick (subtract the row max before exp) keeps softmax finite for large logits.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import Function, listed_edge
from minigrad.autograd.grad_mode import state
from minigrad.backend import array_module
from minigrad.ops._util import (
    cast_to,
    deferred_loss,
    half_as_float32,
    max_array,
    max_rows_kernel,
    normalize_dim,
    quiet,
    require_floating,
    result_dtype,
    shared_arange,
    sum_2d_kernel,
    sum_array,
    zeros_of,
)
from minigrad.ops.activations import sigmoid, softplus
from minigrad.ops.nograd import ne
from minigrad.ops.reduce import sum as reduce_sum
from minigrad.ops.selection import cast, clamp, where
from minigrad.ops.shape import (
    broadcast_shapes,
    broadcast_tensors,
    movedim,
    reshape_if_needed,
    unsqueeze,
)
from minigrad.ops.unary import abs as abs_
from minigrad.ops.unary import exp, log
from minigrad.tensor import Tensor


def _exp_shifted(xp, array, dim):
    """(x - max x, its exp, the sum of that exp) along dim: the stable core that softmax,
    log_softmax and cross-entropy share. # NOTE: they pass float16 as float32 (PyTorch's
    kernels add the exps in float32: in float16 a sum over 4096 classes is 4% off)."""
    shifted = array - max_array(xp, array, dim, True)
    e = xp.exp(shifted)
    return shifted, e, sum_array(xp, e, (dim,), True)


# NOTE: while every row's max is within this of 0, exp(x) overflows nowhere and no row's exps
# all underflow, so softmax leaves out the shift by the row max (x - max x, a broadcast
# subtraction: on 512x512 float32 290 -> 230 us) and is the more accurate for it (the shift
# rounds x - max x: 19 ulp off float64's where exp(x) / sum exp(x) is 4). Exps below 1e-31 of
# their row's largest lose precision to subnormals, below 1e-38 flush to 0. Rows of nan or
# infinities take the shift, whose nan and 0 they give as PyTorch's. log_softmax keeps the
# shift: there x - log(sum exp x) would round log(sum exp x) at |max x|, losing the digits of
# a log-probability near 0
_UNSHIFTED_MAX = 16.0


class Softmax(Function):
    """y = exp(x) / sum(exp(x)) along dim; saves y; dx = y * (gy - sum(gy * y))."""

    op_name = "softmax"

    @staticmethod
    def forward(ctx, x, dim):
        xp = x.device.xp
        _require_floating_softmax("softmax", x, dim)
        with quiet():  # a row of -inf (a fully masked attention row) is nan, silently as PyTorch
            array = half_as_float32(x.array)
            peak = max_array(xp, array, dim, True)
            if bool((xp.abs(peak) <= _UNSHIFTED_MAX).all()):  # nan fails: the shift
                e = xp.exp(array)
            else:
                e = xp.exp(array - peak)
            e /= sum_array(xp, e, (dim,), True)  # in place: the exps are this op's own array
            y = Tensor._make(cast_to(e, x.array.dtype))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return SoftmaxGrad.apply(gy, y, ctx.dim), None


class SoftmaxGrad(Function):
    """g = y * (gy - sum(gy * y)) along dim: softmax's backward as one op, from its output y.
    (*), (*) -> (*)

    # NOTE: one buffer written in place, where four ops made four arrays: softmax's forward +
    backward on 512x512 float32 365-383 -> 354-368 us, on 64x128 62-65 -> 53-54 us."""

    op_name = "softmax_grad"

    @staticmethod
    def forward(ctx, gy, y, dim):
        ctx.save_for_backward(gy, y)
        ctx.dim = dim
        xp = y.device.xp
        g = gy.array * y.array
        total = sum_array(xp, g, (dim,), True)
        if _one_value(gy.array):  # gy - total is per row: y (gy - total) in one pass
            return xp.multiply(y.array, gy.array[(0,) * gy.ndim] - total, out=g)
        xp.subtract(gy.array, total, out=g)
        g *= y.array
        return g

    @staticmethod
    def backward(ctx, gg):
        # g_i = y_i (gy_i - s), s = sum_j gy_j y_j: by gy it is softmax's backward again, by y
        # gg_k (gy_k - s) - gy_k sum_i gg_i y_i
        gy, y = ctx.saved_tensors
        d = ctx.dim
        g_y = gg * (gy - reduce_sum(gy * y, d, keepdim=True))
        g_y = g_y - gy * reduce_sum(gg * y, d, keepdim=True)
        return SoftmaxGrad.apply(gg, y, d), g_y, None


class LogSoftmax(Function):
    """y = x - logsumexp(x) along dim; saves y; dx = gy - exp(y) * sum(gy)."""

    op_name = "log_softmax"

    @staticmethod
    def forward(ctx, x, dim):
        xp = x.device.xp
        _require_floating_softmax("log_softmax", x, dim)
        with quiet():  # as Softmax's
            shifted, _, total = _exp_shifted(xp, half_as_float32(x.array), dim)
            shifted -= xp.log(total)  # in place: x - max x is this op's own array
            y = Tensor._make(cast_to(shifted, x.array.dtype))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return LogSoftmaxGrad.apply(gy, y, ctx.dim), None


class LogSoftmaxGrad(Function):
    """g = gy - exp(y) sum(gy) along dim: log_softmax's backward as one op, from its output
    y. (*), (*) -> (*)"""

    op_name = "log_softmax_grad"

    @staticmethod
    def forward(ctx, gy, y, dim):
        ctx.save_for_backward(gy, y)
        ctx.dim = dim
        xp = y.device.xp
        if _one_value(gy.array):  # its rows are alike: one summed
            row = tuple(slice(None) if d == dim else slice(0, 1) for d in range(gy.ndim))
            total = sum_array(xp, gy.array[row], (dim,), True)
        else:
            total = sum_array(xp, gy.array, (dim,), True)
        g = xp.exp(y.array)
        g *= total
        if g.dtype != gy.array.dtype:
            return gy.array - g
        return xp.subtract(gy.array, g, out=g)

    @staticmethod
    def backward(ctx, gg):
        # by gy: gg - sum(gg exp(y)), broadcast along dim; by y: -gg exp(y) sum(gy)
        gy, y = ctx.saved_tensors
        d = ctx.dim
        p = exp(y)
        g_gy = gg - reduce_sum(gg * p, d, keepdim=True)
        return g_gy, -(gg * p) * reduce_sum(gy, d, keepdim=True), None


def _one_value(array) -> bool:
    """Whether array is one value broadcast (every stride 0): the gradient of a sum or a mean.

    # NOTE: NumPy sums such an array along a dim three times slower than a contiguous one
    # (512x512 float32: 57 us), and a gradient of one value per row takes one pass less"""
    return array.size > 1 and not any(array.strides)


def _require_floating_softmax(op: str, x: Tensor, dim: int) -> None:
    """PyTorch's error for an integer or bool input, naming its softmax kernel."""
    if x.array.dtype.kind != "f":  # NOTE: checked before the name is built: a hot path
        require_floating(f"{op}{'_lastdim' if dim == x.ndim - 1 else ''}_kernel_impl", x)


def _softmax_dim(x: Tensor, dim, op: str) -> int:
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    if dim is None:
        # PyTorch's legacy implicit choice, kept for old code; it warns, as PyTorch's
        warnings.warn(
            f"Implicit dimension choice for {op} has been deprecated. Change the call to "
            "include dim=X as an argument.",
            stacklevel=3,
        )
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return normalize_dim(dim, x.ndim, op)


def _softmax_like(cls, input: Tensor, dim, dtype, op: str) -> Tensor:
    """softmax or log_softmax (cls) of input along dim."""
    if dtype is not None:
        input = input.to(dtype=dtype)
    d = _softmax_dim(input, dim, op)
    if input.ndim == 0:  # NumPy has no axis 0 to normalise along: one element, as 1-d
        return reshape_if_needed(cls.apply(reshape_if_needed(input, (1,)), 0), ())
    if not input.array.size:  # nothing to normalise (NumPy's max of no elements fails)
        return input * 0
    return cls.apply(input, d)


def softmax(input: Tensor, dim=None, dtype=None) -> Tensor:
    return _softmax_like(Softmax, input, dim, dtype, "softmax")


def log_softmax(input: Tensor, dim=None, dtype=None) -> Tensor:
    return _softmax_like(LogSoftmax, input, dim, dtype, "log_softmax")


# -- losses ----------------------------------------------------------------------------------
def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """The reduction that PyTorch's deprecated size_average and reduce arguments ask for
    (a UserWarning says which reduction= to write instead); reduction as given without them."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{legacy}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return legacy


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    """A composed loss's reduction (losses made of tensor ops)."""
    _check_reduction(reduction, op)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _target_weights(xp, t, valid, weight, dtype):
    """The class index each row reads (ignored targets read class 0) and its weight: the
    class's weight (an array), 1 without weights, 0 where the target is ignored (`valid` from
    `_valid_targets`; None: nothing is ignored)."""
    safe = t if valid is None else xp.where(valid, t, 0)
    w = weight[safe] if weight is not None else xp.ones(t.shape, dtype)
    return safe, (w if valid is None else w * valid)


def _target_scale(xp, w, reduction: str):
    """Each target's weight in the loss: w / sum(w) for a mean, else w. When every target is
    ignored the mean is nan but the gradient is zero, as in PyTorch (w / 1, not 0 / 0)."""
    if reduction != "mean":
        return w
    total = w.sum()
    return w / xp.where(total == 0, total.dtype.type(1), total)


def _reduce_array(loss, reduction: str):
    """A fused loss's reduction, in its forward: the loss array, its sum or its mean.

    # NOTE: the forwards compute in place where they can: each large temporary is memory to
    # allocate, fault in and free (on (256, 1000), more than the arithmetic)."""
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def _upstream(gy: Tensor, reduction: str, n: int) -> Tensor:
    """A fused loss's upstream gradient per element (broadcasts against the loss's shape):
    gy / n for mean, gy for sum and none."""
    return gy / n if reduction == "mean" else gy


class NLLLoss(Function):
    """Negative log-likelihood of class indices: -w[t] * x[i, t], reduced. (N, C), (N,) -> ()"""

    op_name = "nll_loss"
    index_operands = (1, 2)  # the target and the class weights

    def name(self):
        return "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp = x.device.xp
        t = target.array
        valid = _valid_targets(t, x.array.shape[1], ignore_index, "nll_loss")
        class_weights = None if weight is None else weight.array
        safe, w = _target_weights(xp, t, valid, class_weights, x.array.dtype)
        rows = shared_arange(xp, t.shape[0])
        losses = -w * x.array[rows, safe]
        ctx.scale = _target_scale(xp, w, reduction)
        ctx.rows, ctx.cols, ctx.shape, ctx.reduction = rows, safe, x.array.shape, reduction
        if reduction == "none":
            return losses
        with quiet():  # no target left (all ignored, or none): the mean is nan, silently
            return losses.sum() / w.sum() if reduction == "mean" else losses.sum()

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.indexing import IndexAdd

        # -scale at each row's target class, zeros elsewhere (one place per row: no repeats,
        # so a plain assignment, not a scatter-add)
        picks = IndexAdd.apply(-Tensor._make(ctx.scale), ctx.shape, (ctx.rows, ctx.cols), False)
        g = unsqueeze(gy, 1) if ctx.reduction == "none" else gy
        return g * picks, None, None, None, None


class CrossEntropy(Function):
    """Cross-entropy of logits and class indices, fused: -w[t] * log_softmax(x)[i, t], reduced.

    dx = w[t] * (softmax(x) - onehot(t)) * scale. (N, C), (N,) -> () or (N,)
    """

    op_name = "cross_entropy"
    index_operands = (1, 2)  # the target and the class weights

    def name(self):
        return "NllLossBackward0"

    # NOTE: forward's work on arrays is `on_arrays_kept`, which a static replay calls directly
    # (no ctx, no Tensor wrappers: a loss runs in every compiled training step). It returns the
    # loss, then the values forward keeps on ctx for backward, named here in that order.
    kept = ("probs", "scale", "index")

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        ctx.save_for_backward(x)
        ctx.reduction = reduction
        w = None if weight is None else weight.array
        # NOTE: no node, no backward (no_grad, evaluation): the probabilities are not made
        loss, ctx.probs, ctx.scale, ctx.index = CrossEntropy.on_arrays_kept(
            x.array, target.array, w, ignore_index, reduction, ctx._records
        )
        return loss

    @staticmethod
    def on_arrays_kept(x, t, weight, ignore_index, reduction, keep=True):
        """(loss, probs or None without keep, scale, index) of logits x (N, C), targets t (N,)
        and class weights (C,) or None; index: each row's target in the flattened (N*C) logits."""
        parts, probs, scale, index = CrossEntropy.on_arrays_parts(
            x, t, weight, ignore_index, reduction, keep
        )
        return CrossEntropy.loss_of_parts(*parts), probs, scale, index

    @staticmethod
    def on_arrays_parts(x, t, weight, ignore_index, reduction, keep=True):
        """`on_arrays_kept` with the loss left as the parts `loss_of_parts` makes it from.

        # NOTE: the gradient does not read the loss: a compiled training step, whose loss is
        # mostly never read, makes it only when read (static/pending.py). The parts are arrays
        # of N values made here that no kernel writes into (each row's sum of exps, its target's
        # shifted logit, its weight), so a loss read after later steps gives its own step's.
        """
        xp, dtype = array_module(x), x.dtype
        n, classes = x.shape
        valid = _valid_targets(t, classes, ignore_index, "cross_entropy")  # (before: C may be 0)
        # NOTE: log p[t] = shifted[t] - log(sum(exp(shifted))): the log is taken per row, and
        # the probabilities backward needs come from the same exp
        shifted, e, total = _exp_shifted(xp, half_as_float32(x), 1)
        weighted = weight is not None or valid is not None or not t.size
        cols, w = _target_weights(xp, t, valid, weight, e.dtype) if weighted else (t, None)
        # NOTE: one flat index, not the pair (rows, targets): NumPy's gather and scatter with
        # one index array are three times faster on (64, 10) (forward's pick, backward's -=)
        index = cols + shared_arange(xp, n * classes, classes)
        picks = shifted.ravel()[index]
        if weighted:
            scale = _target_scale(xp, w, reduction)
        else:  # NOTE: the common case (no weights, nothing ignored): one scale for every row
            scale = xp.asarray(1 / (shifted.dtype.type(n) if reduction == "mean" else 1), e.dtype)
        probs = None
        if keep:
            e /= total  # in place: the exps are this op's own array, read by nothing else
            probs = e
        if e.dtype != dtype:  # float16, computed in float32: the results in float16
            scale = scale.astype(dtype)
            probs = None if probs is None else probs.astype(dtype)
        return (xp, total[:, 0], picks, w, reduction, dtype), probs, scale, index

    @staticmethod
    def fixed_parts(xp, inputs, *attributes):
        """`on_arrays_parts` for logits (N, C) and targets of one shape and dtype (a compiled
        loss's kernel: its plan is traced again for others), without class weights (a third
        input, or the attribute `weight`): its reductions' choices, row starts and scale made
        once. Targets that are not all classes (one is ignore_index) take `on_arrays_parts`;
        None where it is the only form."""
        if len(inputs) != 2 or attributes[0] is not None:
            return None
        (shape, dtype), _ = inputs
        _, ignore_index, reduction = attributes
        if xp is not np or len(shape) != 2 or dtype.char not in "fd":
            return None
        n, classes = shape
        if not n or not classes or 0 <= ignore_index < classes:
            return None
        row_max = max_rows_kernel(xp, shape, dtype)
        row_sums = sum_2d_kernel(xp, shape, dtype, 1, True)
        starts = shared_arange(xp, n * classes, classes)
        exp, general = xp.exp, CrossEntropy.on_arrays_parts
        # NOTE: read-only and shared by every step: only products read it
        scale = xp.asarray(1 / (dtype.type(n) if reduction == "mean" else 1), dtype)
        scale.flags.writeable = False

        def parts(x, t):
            if _valid_targets(t, classes, ignore_index, "cross_entropy") is not None:
                return general(x, t, None, ignore_index, reduction)
            shifted = x - row_max(x)
            e = exp(shifted)
            total = row_sums(e)
            index = t + starts
            e /= total
            return (
                (xp, total[:, 0], shifted.ravel()[index], None, reduction, dtype),
                e,
                scale,
                index,
            )

        return parts

    @staticmethod
    def fixed_kernel(xp, inputs, *attributes):
        """`on_arrays_kept` fixed to the traced types (a compiled graph's loss node that keeps
        `kept`): `fixed_parts`, then the loss made from its parts; None where it has none."""
        parts = CrossEntropy.fixed_parts(xp, inputs, *attributes)
        if parts is None:
            return None
        loss_of_parts = CrossEntropy.loss_of_parts

        def loss_kept(x, t):
            made, probs, scale, index = parts(x, t)
            return loss_of_parts(*made), probs, scale, index

        return loss_kept

    @staticmethod
    def loss_of_parts(xp, sums, picks, w, reduction, dtype):
        """The loss from `on_arrays_parts`'s parts: w * (log(sums) - picks), reduced, in dtype
        (w None: 1 for every row)."""
        if w is None:
            losses = xp.log(sums)
            losses -= picks  # in place: the logs are this function's own array
        else:
            losses = w * (xp.log(sums) - picks)
        if reduction == "none":
            loss = losses
        elif w is None:
            total = sum_array(xp, losses, (0,))
            # NOTE: no division by the int 1 for "sum": NumPy 1.26 turns float32 / int into
            # float64
            loss = total / losses.dtype.type(losses.shape[0]) if reduction == "mean" else total
        else:
            with quiet():  # no target left (all ignored, or none): the mean is nan, silently
                loss = losses.sum() / w.sum() if reduction == "mean" else losses.sum()
        return loss.astype(dtype) if picks.dtype != dtype else loss

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        # NOTE: with create_graph the softmax is recomputed as an op, so a second backward
        # sees its dependence on x; otherwise the probabilities from forward are reused.
        probs = Softmax.apply(x, 1) if state.enabled else Tensor._make(ctx.probs)
        grad = CrossEntropyGrad.apply(probs, Tensor._make(ctx.scale), gy, ctx.index, ctx.reduction)
        return grad, None, None, None, None


class CrossEntropyGrad(Function):
    """Cross-entropy's gradient as one op: g = (probs - onehot(t)) * scale * gy, per row.

    # NOTE: one node instead of five (scatter, unsqueeze, mul, sub, mul) in every training
    # step's backward, as PyTorch fuses its loss backwards; its own backward below keeps double
    # backward working. probs (N, C), scale (N,) or (), gy () or (N,), index (N,) (each row's
    # target in the flattened probs) -> (N, C)
    """

    op_name = "cross_entropy_grad"

    @staticmethod
    def forward(ctx, probs, scale, gy, index, reduction):
        ctx.save_for_backward(probs, scale, gy)
        ctx.index, ctx.reduction = index, reduction
        return CrossEntropyGrad.on_arrays(probs.array, scale.array, gy.array, index)

    @staticmethod
    def on_arrays(probs, scale, gy, index, reduction=None):  # (a replay calls it directly)
        row_scale = scale * gy
        g = probs * (row_scale[:, None] if row_scale.ndim else row_scale)
        if not g.flags.c_contiguous:  # logits of another layout: ravel must give g's memory
            g = g.copy(order="C")
        g.ravel()[index] -= row_scale  # one target per row: no repeated index
        return g

    @staticmethod
    def backward(ctx, gg):
        from minigrad.ops.indexing import GetItem

        probs, scale, gy = ctx.saved_tensors
        row_scale = scale * gy
        g_probs = None
        if ctx.needs_input_grad[0]:
            g_probs = gg * (unsqueeze(row_scale, 1) if row_scale.ndim else row_scale)
        g_gy = None
        if ctx.needs_input_grad[2]:
            at_targets = GetItem.apply(reshape_if_needed(gg, (-1,)), (ctx.index,), True)
            g_gy = (reduce_sum(gg * probs, 1) - at_targets) * scale
            if ctx.reduction != "none":
                g_gy = reduce_sum(g_gy, 0)
        return g_probs, None, g_gy, None, None, None


def _classes_last(input: Tensor, target: Tensor, op: str):
    """(N, C, d1, ...) logits and (N, d1, ...) targets as (N*d1*..., C) and (N*d1*...,)."""
    if input.ndim == 1:
        return unsqueeze(input, 0), reshape_if_needed(target, (1,))
    if input.ndim == 2:
        return input, target
    c = input.shape[1]
    return reshape_if_needed(movedim(input, 1, -1), (-1, c)), reshape_if_needed(target, (-1,))


def _check_class_weight(weight, input: Tensor, op: str, probabilities: bool = False):
    """A weight per class, returned as a vector; of the input's dtype for class-index targets
    (PyTorch's kernel), any dtype for class probabilities (PyTorch's composition promotes it).
    A vector, except for class indices with K dims: PyTorch's kernel for those checks only the
    number of weights."""
    if weight is None:
        return None
    if not probabilities and weight.dtype is not input.dtype:
        expected, found = (dtypes.legacy_name(t.dtype)[: -len("Tensor")] for t in (input, weight))
        raise RuntimeError(f"{op}: expected scalar type {expected} but found {found}")
    classes = input.array.shape[1 if input.ndim > 1 else 0] if input.ndim else 1
    vector_only = probabilities or input.ndim <= 2
    if weight.array.size != classes or (vector_only and weight.ndim != 1):
        raise RuntimeError(
            f"{op}: weight tensor should be defined either for all {classes} classes or no "
            f"classes but got weight tensor of shape: {list(weight.shape)}"
        )
    return reshape_if_needed(weight, (classes,))


def _check_targets(input: Tensor, target: Tensor, op: str) -> None:
    if target.array.dtype.kind not in "iu":
        raise RuntimeError(
            f"{op}: expected target of class indices (int64), got {target.dtype}; for class "
            "probabilities pass a float target of the same shape as the input"
        )
    if target.array.dtype.char not in "lqB":  # int64 (either C name) or uint8, as PyTorch's
        name = dtypes.legacy_name(target.dtype)[: -len("Tensor")]
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got {name}")
    batch = input.array.shape[:1] + input.array.shape[2:] if input.ndim > 1 else ()
    if target.array.shape != batch:
        # PyTorch's types: ValueError when the batch sizes differ, else RuntimeError
        n = target.array.shape[0] if target.ndim else None
        other_batch = input.ndim > 1 and batch[0] != n
        raise (ValueError if other_batch else RuntimeError)(
            f"{op}: expected target of shape {tuple(batch)} for input of shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
            + (f" (input batch_size {batch[0]}, target batch_size {n})" if other_batch else "")
        )


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _valid_targets(t, classes: int, ignore_index: int, op: str):
    """None when every target is a class (the common case); otherwise the mask of targets that
    are not ignore_index, once those are checked to be classes. Run by the loss's forward, so a
    compiled step checks each new batch too."""
    if t.size == 0:
        return None
    # NOTE: seen as unsigned, a negative target is huge: one reduction checks both ends (an
    # argmax: NumPy's max is several times slower)
    unsigned = (t if t.ndim == 1 else t.reshape(-1)).view(_UNSIGNED[t.dtype.itemsize])
    if int(unsigned[unsigned.argmax()]) < classes and not 0 <= ignore_index < classes:
        return None
    valid = t != ignore_index
    bad = t[valid & ((t < 0) | (t >= classes))]
    if bad.size:
        raise IndexError(
            f"{op}: target {int(bad[0])} is out of bounds for {classes} classes (valid: 0 to "
            f"{classes - 1}, or ignore_index)"
        )
    return valid


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits against class indices or class probabilities, as PyTorch."""
    if type(input) is not Tensor:  # a compiled module's pending result: the loss may join it
        options = (weight, size_average, ignore_index, reduce, reduction, label_smoothing)
        loss = deferred_loss(cross_entropy, input, (target,), options)
        if loss is not None:
            return loss
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    probabilities = target.array.dtype.kind == "f" or target.array.shape == input.array.shape
    weight = _check_class_weight(weight, input, "cross_entropy", probabilities)
    if label_smoothing > 1.0:
        raise RuntimeError(
            f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
        )
    if probabilities:  # as PyTorch: a float target, or one of the input's shape
        if ignore_index != -100:
            raise RuntimeError(
                "cross_entropy: ignore_index is not supported for floating point target (class "
                "probabilities)"
            )
        if target.array.dtype.kind != "f":
            raise RuntimeError(
                "cross_entropy: Expected floating point type for target with class "
                f"probabilities, got {dtypes.legacy_name(target.dtype)[: -len('Tensor')]}"
            )
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    _check_targets(input, target, "cross_entropy")
    _require_floating_softmax("log_softmax", input, 1 if input.ndim > 1 else 0)
    x, t = _classes_last(input, target, "cross_entropy")
    if x.shape[1]:
        loss = CrossEntropy.apply(x, t, weight, ignore_index, reduction)
    else:
        loss = _loss_without_classes(x, t, ignore_index, reduction, "cross_entropy")
    if reduction == "none":
        loss = reshape_if_needed(loss, target.shape)
    if label_smoothing > 0:
        # NOTE: PyTorch scales the reduced sum by label_smoothing / C, after masking and
        # reducing: with no class that is inf, and the loss nan (0 * inf)
        c = x.shape[1]
        scale = label_smoothing / c if c else math.inf
        smooth = _smooth_term(x, t, weight, ignore_index, reduction, target.shape)
        loss = (1 - label_smoothing) * loss + smooth * scale
    return loss


def _loss_without_classes(x: Tensor, t: Tensor, ignore_index: int, reduction: str, op: str):
    """The class-index loss of logits with no class, (N, 0): every target must be ignore_index
    (PyTorch's IndexError otherwise), so each row adds 0, and their mean is 0 / 0 = nan."""
    _valid_targets(t.array, 0, ignore_index, op)
    loss = reduce_sum(x, 1)  # N zeros, joined to x's graph (its gradient has no element)
    if reduction == "none":
        return loss
    return loss.sum() * math.nan if reduction == "mean" else loss.sum()


def _smooth_term(x, t, weight, ignore_index, reduction, target_shape):
    """The uniform part of label smoothing before its scale by 1 / C: -sum_c w_c log p_c,
    reduced as PyTorch does."""
    logp = log_softmax(x, 1)
    if weight is not None:
        logp = logp * weight
    smooth = -reduce_sum(logp, 1)
    # NOTE: the mask and the denominator are tensor ops (not raw arrays), so a static graph
    # recomputes them for each batch instead of freezing the traced batch's values
    valid = cast(ne(t, ignore_index), x.dtype)
    # NOTE: where, not a product: when every target is ignored the mean divides by zero, and
    # where's gradient stays 0 at an ignored row (as PyTorch's masked_fill) where inf * 0 is nan
    smooth = where(valid > 0, smooth, 0.0)
    if reduction == "none":
        return reshape_if_needed(smooth, target_shape)
    if reduction == "sum":
        return smooth.sum()
    if weight is not None:
        valid = weight[where(valid > 0, t, 0)] * valid
    return smooth.sum() / valid.sum()


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing):
    if target.shape != input.shape:
        other_batch = input.ndim > 1 and target.ndim > 0 and target.shape[0] != input.shape[0]
        raise (ValueError if other_batch else RuntimeError)(  # PyTorch's types
            f"cross_entropy: class-probability target of shape {tuple(target.shape)} must have "
            f"the input's shape {tuple(input.shape)}"
        )
    dim = 1 if input.ndim > 1 else 0
    c = input.shape[dim]
    if label_smoothing > 0 and c:  # (no classes: nothing to smooth, and no 1 / c)
        target = target * (1 - label_smoothing) + label_smoothing / c
    logp = log_softmax(input, dim)
    if weight is not None:
        shape = [1] * input.ndim
        shape[dim] = c
        logp = logp * reshape_if_needed(weight, shape)
    loss = -reduce_sum(logp * target, dim)
    if reduction == "mean":  # over the positions: 0 / 0 = nan for none, as PyTorch
        with quiet():
            return loss.sum() / (input.array.size // c if c else 0)
    return _reduce(loss, reduction, "cross_entropy")


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices, for log-probabilities (after log_softmax)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    if input.ndim == 0:
        raise ValueError("nll_loss: Expected 1 or more dimensions (got 0)")
    require_floating("nll_loss_out_frame", input)
    weight = _check_class_weight(weight, input, "nll_loss")
    _check_targets(input, target, "nll_loss")
    x, t = _classes_last(input, target, "nll_loss")
    if x.shape[1]:
        loss = NLLLoss.apply(x, t, weight, ignore_index, reduction)
    else:
        loss = _loss_without_classes(x, t, ignore_index, reduction, "nll_loss")
    return reshape_if_needed(loss, target.shape) if reduction == "none" else loss


def _check_same_shape(input, target, op):
    if input.shape != target.shape:
        raise ValueError(
            f"{op}: target size {tuple(target.shape)} is different from the input size "
            f"{tuple(input.shape)}; reshape one of them (broadcasting here is usually a bug)"
        )


def _warn_if_broadcast(input, target, op, stacklevel=3):
    """PyTorch's regression losses broadcast a target of another shape, with a warning."""
    if input.shape != target.shape:
        warnings.warn(
            f"{op}: using a target size {tuple(target.shape)} that is different from the input "
            f"size {tuple(input.shape)}. This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=stacklevel,
        )


def _loss_dtype(x, target, op, of_input=False):
    """The dtype of a regression loss of x and target, as PyTorch's kernels: the promoted
    dtype, or (huber_loss: of_input) the input's, which the promoted one must cast to."""
    dtype = result_dtype(x, target)
    if of_input:
        if not np.can_cast(dtype, x.array.dtype, "same_kind"):
            raise RuntimeError(f"{op}: result type {dtype} can't be cast to the input's {x.dtype}")
        dtype = x.array.dtype
    if dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {x.dtype} and {target.dtype}")
    return dtype


class MseLoss(Function):
    """Squared error, fused: (x - t)^2, reduced; dx = 2 (x - t) gy (/ n for mean), dt = -dx.

    (*), (*) of one shape (the caller broadcasts, as PyTorch) -> () or (*)"""

    op_name = "mse_loss"

    @staticmethod
    def forward(ctx, x, target, reduction):
        dtype = _loss_dtype(x, target, "mse_loss")
        diff = cast_to(x.array, dtype) - cast_to(target.array, dtype)
        diff *= diff  # in place: see _reduce_array
        ctx.save_for_backward(x, target)
        ctx.reduction = reduction
        return _reduce_array(diff, reduction)

    @staticmethod
    def backward(ctx, gy):
        x, target = ctx.saved_tensors
        g = (x - target) * (_upstream(gy, ctx.reduction, x.numel()) * 2)
        return g, (-g if ctx.needs_input_grad[1] else None), None


def mse_loss(
    input, target, size_average=None, reduce=None, reduction="mean", weight=None
) -> Tensor:
    """Mean squared error: (input - target)^2, reduced; a weight: see _weighted_mean."""
    if weight is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
        shape = input.shape
        input, target = _broadcast_pair(input, target, "mse_loss")
        return _weighted_mean((input - target) ** 2, weight, shape, reduction, "mse_loss")
    if type(input) is not Tensor:  # a compiled module's pending result: the loss may join it
        loss = deferred_loss(mse_loss, input, (target,), (size_average, reduce, reduction))
        if loss is not None:
            return loss
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    input, target = _broadcast_pair(input, target, "mse_loss")
    return MseLoss.apply(input, target, reduction)


class HuberLoss(Function):
    """Huber's loss of d = x - t, fused: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5
    delta), reduced; dx = clamp(d, -delta, delta) gy (/ n for mean), dt = -dx.
    (*), (*) of one shape -> () or (*)"""

    op_name = "huber_loss"
    per_delta = False  # SmoothL1Loss: the same, divided by delta (its beta)

    @staticmethod
    def forward(ctx, x, target, reduction, delta):
        xp, dtype = x.device.xp, _loss_dtype(x, target, type(ctx).op_name, not ctx.per_delta)
        # NOTE: asarray: NumPy gives 0-d operands a scalar result, which out= cannot take
        loss = xp.asarray(cast_to(x.array, dtype) - cast_to(target.array, dtype))
        xp.abs(loss, out=loss)
        # NOTE: with m = min(|d|, delta) both pieces are m (|d| - m / 2): no `where`; delta
        # as an array (see zeros_of: NumPy's minimum with a number takes a slow loop)
        m = xp.minimum(loss, xp.full(loss.shape, delta, dtype))
        loss -= m * dtype.type(0.5)
        loss *= m
        if ctx.per_delta:
            loss /= dtype.type(delta)
        ctx.save_for_backward(x, target)
        ctx.reduction, ctx.delta = reduction, delta
        return _reduce_array(loss, reduction)

    @staticmethod
    def backward(ctx, gy):
        x, target = ctx.saved_tensors
        scale = _upstream(gy, ctx.reduction, x.numel())
        scale = scale / ctx.delta if ctx.per_delta else scale
        g = clamp(x - target, -ctx.delta, ctx.delta) * scale
        return g, (-g if ctx.needs_input_grad[1] else None), None, None


class SmoothL1Loss(HuberLoss):
    """Huber's loss divided by beta (= delta): 0.5 d^2 / beta where |d| < beta, else
    |d| - 0.5 beta. (*), (*) of one shape -> () or (*)"""

    op_name = "smooth_l1_loss"
    per_delta = True


def broadcast_shape_for(op: str, *tensors) -> tuple:
    """The shape an op's tensors broadcast to; the RuntimeError when they do not names op."""
    try:
        return tuple(broadcast_shapes(*(t.shape for t in tensors)))
    except RuntimeError as exc:
        raise RuntimeError(f"{op}: {exc}") from None


def _broadcast_pair(input, target, op):
    """A regression loss's operands, broadcast to one shape with PyTorch's warning."""
    _warn_if_broadcast(input, target, op, stacklevel=4)
    if input.shape != target.shape:
        try:
            return broadcast_tensors(input, target)  # PyTorch expands both too
        except RuntimeError as exc:
            raise RuntimeError(f"{op}: {exc}") from None
    return input, target


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta=0: L1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:  # PyTorch's l1_loss then, composed
        return l1_loss(input, target, reduction=reduction)
    input, target = _broadcast_pair(input, target, "smooth_l1_loss")
    return SmoothL1Loss.apply(input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target); a weight
    (of the input's shape) multiplies the unreduced loss, as PyTorch."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _broadcast_pair(input, target, "huber_loss")
    if weight is None:
        return HuberLoss.apply(input, target, reduction, delta)
    if weight.shape != input.shape:
        raise ValueError(
            f"huber_loss: weight of shape {tuple(weight.shape)} must have the input's shape "
            f"{tuple(input.shape)}"
        )
    return _reduce(HuberLoss.apply(input, target, "none", delta) * weight, reduction, "huber_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None) -> Tensor:
    """Mean absolute error: |input - target|, reduced (composed of ops, as PyTorch's); a
    weight: see _weighted_mean."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast_pair(input, target, "l1_loss")
    if weight is not None:
        return _weighted_mean(abs_(input - target), weight, input.shape, reduction, "l1_loss")
    return _reduce(abs_(input - target), reduction, "l1_loss")


def _weighted_mean(loss, weight, shape, reduction: str, op: str) -> Tensor:
    """mse_loss's and l1_loss's weight (of the input's shape) times the loss; 'mean' divides by
    the sum of the weights, not the count (as PyTorch's, where huber_loss's takes the mean)."""
    if weight.shape != shape:
        raise ValueError(
            f"{op}: Weights and input must have the same size, got a weight of shape "
            f"{tuple(weight.shape)} for an input of shape {tuple(shape)}."
        )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"{op}: Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'."
        )
    loss = loss * weight
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / weight.sum()


_BCE_LOG_MIN = -100  # PyTorch clamps each log here, so that p = 0 or 1 gives a finite loss
_BCE_EPS = 1e-12  # PyTorch's floor of p (1 - p) in the gradient (p = 0 or 1 stays finite)


def _weighted(loss, weight):
    return loss if weight is None else loss * weight.array


class BinaryCrossEntropy(Function):
    """-w (t log p + (1 - t) log(1 - p)) for probabilities p, each log clamped at -100, reduced.

    dp = w (p - t) / max(p (1 - p), 1e-12), dt = w (log(1 - p) - log p), times gy (/ n for
    mean), as PyTorch's. (*), (*), weight broadcast to (*) -> () or (*)"""

    op_name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx, p, target, weight, reduction):
        xp, array = p.device.xp, p.array
        # NOTE: checked here, so a compiled step checks every batch; min and max also
        # refuse nan, as PyTorch
        hint = " (pass logits to binary_cross_entropy_with_logits instead)"
        for name, values, why in (("input", array, hint), ("target", target.array, "")):
            if values.size and not (values.min() >= 0 and values.max() <= 1):
                raise RuntimeError(
                    f"binary_cross_entropy: all elements of {name} should be between 0 and 1{why}"
                )
        with quiet():  # log(0) = -inf, clamped
            log_p, log_not_p = xp.asarray(xp.log(array)), xp.asarray(xp.log1p(-array))
        # NOTE: an array of -100 to clip against (see zeros_of: NumPy's maximum with a number
        # takes a slow loop)
        floor = xp.full(array.shape, _BCE_LOG_MIN, array.dtype)
        xp.maximum(log_p, floor, out=log_p)
        xp.maximum(log_not_p, floor, out=log_not_p)
        t = target.array
        loss = t - 1  # (t - 1) log(1 - p) - t log p, as PyTorch's, in place
        loss *= log_not_p
        log_p *= t
        loss -= log_p
        loss = _weighted(loss, weight)
        ctx.save_for_backward(p, target, weight)
        ctx.reduction = reduction
        return _reduce_array(cast_to(loss, array.dtype), reduction)

    @staticmethod
    def backward(ctx, gy):
        p, target, weight = ctx.saved_tensors
        scale = _upstream(gy, ctx.reduction, p.numel())
        scale = scale if weight is None else weight * scale
        gp = gt = None
        if ctx.needs_input_grad[0]:
            gp = (p - target) / clamp(p * (1 - p), min=_BCE_EPS) * scale
        if ctx.needs_input_grad[1]:
            gt = (log(1 - p) - log(p)) * scale
        return gp, gt, None, None


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p; logs clamped at -100 as PyTorch."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    require_floating("binary_cross_entropy", input)
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"binary_cross_entropy: Found dtype {target.dtype} but expected {input.dtype}"
        )
    _check_same_shape(input, target, "binary_cross_entropy")
    _check_weight(weight, input, "binary_cross_entropy", "weight")
    return BinaryCrossEntropy.apply(input, target, weight, reduction)


class BinaryCrossEntropyWithLogits(Function):
    """BCE of logits x, fused and stable: (1 - t) x + lw softplus(-x), lw = 1 + (pw - 1) t
    (lw = 1 without pos_weight pw), times w, reduced; softplus(-x) = max(-x, 0) +
    log(1 + exp(-|x|)) never overflows.

    dx = w (lw sigmoid(x) - pw t), dt = w ((pw - 1) softplus(-x) - x), times gy (/ n for
    mean). (*), (*), weights broadcast to (*) -> () or (*)"""

    op_name = "binary_cross_entropy_with_logits"

    @staticmethod
    def forward(ctx, x, target, weight, pos_weight, reduction):
        xp, array, t = x.device.xp, x.array, target.array
        softplus_neg = xp.asarray(xp.abs(array))  # max(-x, 0) + log(1 + exp(-|x|)), in place
        xp.negative(softplus_neg, out=softplus_neg)
        xp.exp(softplus_neg, out=softplus_neg)
        xp.log1p(softplus_neg, out=softplus_neg)
        softplus_neg += xp.maximum(-array, zeros_of(xp, array))
        if pos_weight is not None:
            softplus_neg *= (pos_weight.array - 1) * t + 1
        loss = 1 - t
        loss *= array
        loss += softplus_neg
        ctx.save_for_backward(x, target, weight, pos_weight)
        ctx.reduction = reduction
        return _reduce_array(cast_to(_weighted(loss, weight), array.dtype), reduction)

    @staticmethod
    def backward(ctx, gy):
        x, target, weight, pos_weight = ctx.saved_tensors
        scale = _upstream(gy, ctx.reduction, x.numel())
        scale = scale if weight is None else weight * scale
        gx = gt = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                gx = (sigmoid(x) - target) * scale
            else:
                lw = (pos_weight - 1) * target + 1
                gx = (lw * sigmoid(x) - pos_weight * target) * scale
        if ctx.needs_input_grad[1]:
            gt = -x if pos_weight is None else (pos_weight - 1) * softplus(-x) - x
            gt = gt * scale
        return gx, gt, None, None, None


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
) -> Tensor:
    """BCE on logits, computed stably: max(x, 0) - x t + log(1 + exp(-|x|))."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    require_floating("log_sigmoid_cpu", input)
    _check_same_shape(input, target, op)
    _check_weight(weight, input, op, "weight")
    _check_weight(pos_weight, input, op, "pos_weight")
    if target.dtype is not input.dtype:  # PyTorch computes in the target's dtype
        if not target.dtype.is_floating_point:
            raise RuntimeError(
                f"{op}: result type {input.dtype.name} can't be cast to the desired output type "
                f"{target.dtype.name}"
            )
        input = input.to(target.dtype)
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def _check_weight(weight, input, op, name):
    """A BCE loss's weight broadcasts to the input's shape, and gets no gradient (PyTorch's
    neither): refuse one of a larger shape, or one that wants a gradient."""
    if weight is None:
        return
    if broadcast_shape_for(op, input, weight) != tuple(input.shape):
        raise RuntimeError(
            f"{op}: {name} of shape {tuple(weight.shape)} does not broadcast to the input's "
            f"shape {tuple(input.shape)}"
        )
    if weight.requires_grad and state.enabled:
        raise RuntimeError(
            f"{op}: not differentiable with respect to argument '{name}'; pass "
            f"{name}.detach() (it cannot have requires_grad=True)"
        )


# -- dropout and embedding -------------------------------------------------------------------
class Dropout(Function):
    """y = x * mask / (1 - p), mask ~ Bernoulli(1 - p); dx = gy * mask / (1 - p). (*) -> (*)"""

    op_name = "dropout"
    random = True

    def name(self):
        return "MulBackward0"  # PyTorch's dropout on the CPU is x * mask

    @staticmethod
    def forward(ctx, x, p, generator):
        from minigrad.random import uniform_array

        keep = uniform_array(x.array.shape, x.device, generator=generator, dtype=x.dtype) >= p
        ctx.scale = keep.astype(x.array.dtype) * (1.0 / (1.0 - p))
        return x.array * ctx.scale

    @staticmethod
    def backward(ctx, gy):
        return gy * Tensor._make(ctx.scale), None, None


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training only)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    check_dropout_dtype(input)
    return Dropout.apply(input, p, None)


def check_dropout_dtype(input: Tensor) -> None:
    """PyTorch's dropouts scale by a float mask in the input's dtype: integers and bools are
    refused with its RuntimeError (before a mask is drawn)."""
    if not input.is_floating_point():
        name = dtypes.legacy_name(input.dtype)[: -len("Tensor")]
        raise RuntimeError(
            f"dropout: result type Float can't be cast to the desired output type {name}"
        )


class Embedding(Function):
    """y = weight[index]; the gradient rows are added back (none for padding_idx). -> (*, D)"""

    op_name = "embedding"
    index_operands = (1,)

    @staticmethod
    def forward(ctx, weight, index, padding_idx, scale_grad_by_freq=False):
        ctx.shape, ctx.index, ctx.padding_idx = weight.array.shape, index.array, padding_idx
        ctx.by_freq = scale_grad_by_freq
        return weight.array[index.array]

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.indexing import IndexAdd

        if ctx.padding_idx is not None:
            gy = gy * unsqueeze(Tensor._make(ctx.index) != ctx.padding_idx, -1)
        if ctx.by_freq:  # each row's gradient divided by how often the batch looks it up
            xp = gy.device.xp
            _, where_, counts = xp.unique(ctx.index, return_inverse=True, return_counts=True)
            per_index = counts[where_.reshape(ctx.index.shape)].astype(gy.array.dtype)
            gy = gy / unsqueeze(Tensor._make(per_index), -1)
        return IndexAdd.apply(gy, ctx.shape, (ctx.index,), True), None, None, None


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx=None,
    max_norm=None,
    norm_type=2.0,
    scale_grad_by_freq=False,
    sparse=False,
):
    """Look up rows of weight (V, D) by integer indices (*) -> (*, D). With max_norm, the rows
    looked up are first scaled in place to that norm where theirs is larger (PyTorch's
    embedding_renorm_). scale_grad_by_freq divides each row's gradient by its count in input."""
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported by minigrad")
    if weight.ndim < 2:  # minigrad also looks up rows of an N-D weight (PyTorch: 2-D only)
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {tuple(weight.shape)}")
    if padding_idx is not None and not -weight.shape[0] <= padding_idx < weight.shape[0]:
        raise AssertionError(
            f"embedding: padding_idx must be within num_embeddings, got padding_idx="
            f"{padding_idx} for a weight of shape {tuple(weight.shape)}"
        )
    _check_indices(input, weight, "embedding")
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return Embedding.apply(weight, input, padding_idx, bool(scale_grad_by_freq))


def _renorm_rows(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the rows of weight that input looks up and whose norm_type-norm is above max_norm
    by max_norm / (norm + 1e-7), in place and outside autograd, as PyTorch does."""
    xp = weight.device.xp
    rows = xp.unique(input.array.reshape(-1))
    norms = xp.linalg.norm(weight.array[rows].astype(xp.float64), ord=norm_type, axis=1)
    large = norms > max_norm
    scale = (max_norm / (norms[large] + 1e-7)).astype(weight.array.dtype)
    weight.array[rows[large]] *= scale[:, None]
    weight._version += 1


def _check_indices(input: Tensor, weight: Tensor, op: str) -> None:
    if input.array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected indices of an integer dtype (int64), got {input.dtype}")
    rows = weight.shape[0]
    if input.array.size and (int(input.array.max()) >= rows or int(input.array.min()) < 0):
        # PyTorch's types: embedding's IndexError, embedding_bag's RuntimeError
        raise (IndexError if op == "embedding" else RuntimeError)(
            f"{op}: index out of range: indices must be in [0, {rows}) for a weight of "
            f"shape {tuple(weight.shape)}"
        )


class EmbeddingBag(Function):
    """Bag b of rows weight[index[i]], offsets[b] <= i < offsets[b + 1], reduced by sum (each
    row scaled by its per-sample weight), mean or max; padding_idx rows are left out and an
    empty bag gives zeros. index (n,) cut at offsets (B,), or (B + 1,) whose last one ends the
    last bag (include_last_offset); or index (B, N) and no offsets. -> (B, D)
    max: each column's gradient goes to the first row holding its maximum (as PyTorch)."""

    op_name = "embedding_bag"
    index_operands = (1, 2)  # the indices and the offsets

    @property
    def next_functions(self) -> tuple:
        # PyTorch's node lists the weight and per_sample_weights, given or not
        return listed_edge(self._edges[0]), listed_edge(self._edges[3])

    @staticmethod
    def forward(ctx, weight, index, offsets, per_sample_weights, include_last_offset, mode, pad):
        xp, w, idx = weight.device.xp, weight.array, index.array.reshape(-1)
        n, dim = idx.shape[0], w.shape[1]
        if offsets is None:  # B bags of N indices
            bounds = xp.arange(index.shape[0] + 1) * index.shape[1]
        elif include_last_offset:
            bounds = offsets.array
        else:
            bounds = xp.concatenate([offsets.array, xp.full(1, n, dtype=offsets.array.dtype)])
        bags = bounds.shape[0] - 1
        bag = xp.searchsorted(bounds, xp.arange(n), side="right") - 1
        keep = idx != pad if pad is not None else xp.ones(n, dtype=bool)
        (kept,) = xp.nonzero(keep)
        ctx.kept, ctx.rows, ctx.bag = kept, idx[kept], bag[kept]
        ctx.shape, ctx.mode = w.shape, mode
        rows = w[ctx.rows]
        if mode == "max":
            out = xp.full((bags, dim), -xp.inf, dtype=w.dtype)
            xp.maximum.at(out, ctx.bag, rows)
            last = max(kept.shape[0] - 1, 0)
            position = xp.arange(kept.shape[0])[:, None]
            first = xp.full((bags, dim), last + 1, dtype=position.dtype)  # stays so if empty
            xp.minimum.at(first, ctx.bag, xp.where(rows == out[ctx.bag], position, last + 1))
            found = first <= last
            ctx.found = found.astype(w.dtype)
            row = ctx.rows[xp.minimum(first, last)] if kept.shape[0] else first * 0
            ctx.argmax_row = xp.where(found, row, 0)
            ctx.argmax_column = xp.broadcast_to(xp.arange(dim), (bags, dim))
            return xp.where(found, out, 0).astype(w.dtype)
        ctx.save_for_backward(weight, per_sample_weights)
        if per_sample_weights is not None:
            rows = rows * per_sample_weights.array.reshape(-1)[kept][:, None]
        rows = half_as_float32(rows)  # float16 bags are added in float32, as PyTorch's
        out = xp.zeros((bags, dim), dtype=rows.dtype)
        xp.add.at(out, ctx.bag, rows)
        if mode == "mean":
            scale = (1.0 / xp.maximum(xp.bincount(ctx.bag, minlength=bags), 1)).astype(rows.dtype)
            out *= scale[:, None]
            ctx.scale = cast_to(scale, w.dtype)
        return cast_to(out, w.dtype)

    @staticmethod
    def backward(ctx, gy):
        from minigrad.ops.indexing import IndexAdd

        if ctx.mode == "max":
            at = (ctx.argmax_row, ctx.argmax_column)
            gw = IndexAdd.apply(gy * Tensor._make(ctx.found), ctx.shape, at, True)
            return gw, None, None, None, None, None, None
        weight, per_sample_weights = ctx.saved_tensors
        if ctx.mode == "mean":
            gy = gy * unsqueeze(Tensor._make(ctx.scale), -1)
        g_rows = Embedding.apply(gy, Tensor._make(ctx.bag), None)  # each row gets its bag's
        g_psw = None
        if per_sample_weights is not None:
            flat = reshape_if_needed(per_sample_weights, (-1,))
            if ctx.needs_input_grad[3]:
                dots = reduce_sum(
                    g_rows * Embedding.apply(weight, Tensor._make(ctx.rows), None), -1
                )
                g_psw = IndexAdd.apply(dots, flat.shape, (ctx.kept,), True)
                g_psw = reshape_if_needed(g_psw, per_sample_weights.shape)
            g_rows = g_rows * unsqueeze(Embedding.apply(flat, Tensor._make(ctx.kept), None), -1)
        gw = (
            IndexAdd.apply(g_rows, ctx.shape, (ctx.rows,), True)
            if ctx.needs_input_grad[0]
            else None
        )
        return gw, None, None, g_psw, None, None, None


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets=None,
    max_norm=None,
    norm_type=2,
    scale_grad_by_freq=False,
    mode="mean",
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    """Sums, means or maxima of bags of rows of weight (V, D), without a (n, D) tensor of the
    rows: input (B, N) is B bags of N indices; input (n,) is cut into bags at `offsets` (B,), or
    (B + 1,) with include_last_offset (the last offset ends the last bag). -> (B, D)"""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "embedding_bag: scale_grad_by_freq and sparse are not supported by minigrad"
        )
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if weight.ndim != 2:
        raise ValueError(
            "embedding_bag: weight has to be a 2D Tensor, but got Tensor of dimension "
            f"{weight.ndim} (shape {tuple(weight.shape)})"
        )
    if weight.array.dtype.kind != "f":
        raise RuntimeError(
            "embedding_bag: Expected tensor for argument #1 'weight' to have one of the following "
            f"scalar types: Half, Float, Double; but got {weight.dtype} instead"
        )
    if input.ndim == 2 and offsets is not None:
        raise ValueError(
            "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
            f"fixed length sequences. However, found offsets of type {type(offsets)}"
        )
    if input.ndim == 1:
        _check_offsets(input, offsets, include_last_offset)
    elif input.ndim != 2:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got {input.ndim}D")
    _check_indices(input, weight, "embedding_bag")
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    if per_sample_weights is not None:
        _check_per_sample_weights(input, weight, per_sample_weights, mode)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return EmbeddingBag.apply(
        weight, input, offsets, per_sample_weights, include_last_offset, mode, padding_idx
    )


def _check_offsets(input: Tensor, offsets, include_last_offset: bool) -> None:
    if not isinstance(offsets, Tensor) or offsets.ndim != 1:
        got = offsets if offsets is None else f"{offsets.ndim}D"
        raise ValueError(f"offsets has to be a 1D Tensor but got {got}")
    if offsets.array.dtype.kind not in "iu":
        raise RuntimeError(
            f"embedding_bag: expected offsets of an integer dtype, got {offsets.dtype}"
        )
    values = offsets.array
    if values.shape[0] == 0:
        if include_last_offset:
            raise RuntimeError("include_last_offset: number of offset should be at least 1")
        return
    if int(values[0]) != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
            f"position 0. However, got {int(values[0])}"
        )
    if int(values[-1]) > input.shape[0]:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {input.shape[0]} but got "
            f"offsets[-1] of {int(values[-1])}"
        )
    if include_last_offset and int(values[-1]) != input.shape[0]:
        # NOTE: PyTorch does not check this; its modes then disagree on which indices count
        raise RuntimeError(
            f"embedding_bag: with include_last_offset, the last offset ends the last bag and "
            f"must be the input's length {input.shape[0]}, got {int(values[-1])}"
        )
    if values.shape[0] > 1 and bool((values[1:] < values[:-1]).any()):
        raise RuntimeError(f"embedding_bag: offsets must not decrease, got {values.tolist()}")


def _check_per_sample_weights(input, weight, per_sample_weights, mode) -> None:
    if mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}')"
        )
    if tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not "
            f"None, then it must have the same shape as the input ({tuple(input.shape)})"
        )
    if per_sample_weights.dtype != weight.dtype:
        raise RuntimeError(
            f"embedding_bag: expected per_sample_weights of the weight's dtype {weight.dtype}, "
            f"got {per_sample_weights.dtype}"
        )


# -- CTC: the alpha-beta recursion over the blank-separated labels, all batch items at once ---
def _ctc_lattice(xp, log_probs, targets, input_lengths, target_lengths, blank: int):
    """The extended label sequences (blank, l1, blank, l2, ..., blank), padded to the longest:
    their classes (N, L), each step's log-probability of them (T, N, L; -inf past an item's
    end), and where a path may skip a blank (N, L: a label that differs from the one two
    places back)."""
    n = log_probs.shape[1]
    s = int(target_lengths.max())  # there is an item: log_probs is not empty
    if targets.ndim == 1:  # concatenated: item i's labels follow items 0..i-1's
        starts = xp.cumsum(target_lengths) - target_lengths
        at = starts[:, None] + xp.arange(s)
        at = xp.where(at < targets.shape[0], at, 0)
        labels = targets[at]
    else:
        labels = targets[:, :s]
    labels = xp.where(xp.arange(s) < target_lengths[:, None], labels, blank)
    ext = xp.full((n, 2 * s + 1), blank, dtype=np.int64)
    ext[:, 1::2] = labels
    inside = xp.arange(2 * s + 1) < 2 * target_lengths[:, None] + 1
    lpe = xp.take_along_axis(log_probs, xp.broadcast_to(ext, (log_probs.shape[0], *ext.shape)), 2)
    lpe = xp.where(inside, lpe, -xp.inf)
    skip = xp.zeros(ext.shape, dtype=bool)
    skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]  # a label (even one equal to blank)
    return ext, lpe, skip


def _logaddexp3(xp, a, b, c):
    top = xp.maximum(xp.maximum(a, b), c)
    top = xp.where(top == -xp.inf, 0, top)  # every term -inf: log(0) = -inf, not nan
    return top + xp.log(xp.exp(a - top) + xp.exp(b - top) + xp.exp(c - top))


def _shifted(xp, a, k: int):
    """a moved k places right along the last dim (k < 0: left), -inf coming in."""
    out = xp.full(a.shape, -xp.inf, dtype=a.dtype)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


def _ctc_ends(xp, target_lengths):
    """Each item's last two places in the extended labels (the same place twice without labels)."""
    last = 2 * target_lengths
    return last, xp.maximum(last - 1, 0)


class CtcLoss(Function):
    """Each item's -log p(target | log_probs), summed over the alignments by the forward (alpha)
    recursion in log space. (T, N, C), targets (N, S) or concatenated -> (N,)

    Its gradient is PyTorch's: exp(log_probs) - the posterior of each class at each step, the
    gradient with respect to the logits when log_probs = log_softmax(logits) (through
    log_softmax it is the exact one); 0 past an item's input length."""

    op_name = "ctc_loss"
    quiet_domain = True

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        ctx.blank, ctx.zero_infinity = blank, zero_infinity
        xp = log_probs.device.xp
        il, tl = input_lengths.array, target_lengths.array
        _, lpe, skip = _ctc_lattice(xp, log_probs.array, targets.array, il, tl, blank)
        alpha = xp.full(lpe.shape, -xp.inf, dtype=lpe.dtype)
        alpha[0, :, :2] = lpe[0, :, :2]
        with quiet():
            for t in range(1, lpe.shape[0]):
                prev = alpha[t - 1]
                two_back = xp.where(skip, _shifted(xp, prev, 2), -xp.inf)
                alpha[t] = _logaddexp3(xp, prev, _shifted(xp, prev, 1), two_back) + lpe[t]
            last, before = _ctc_ends(xp, tl)
            items = xp.arange(alpha.shape[1])
            at_end = alpha[xp.maximum(il - 1, 0), items]  # (N, L): each item's last step
            both = xp.logaddexp(
                at_end[items, last], xp.where(tl > 0, at_end[items, before], -xp.inf)
            )
            # no steps: the empty labelling has probability 1, any other 0
            nll = xp.where(il > 0, -both, xp.where(tl > 0, xp.inf, -0.0)).astype(lpe.dtype)
        ctx.alpha = alpha
        ctx.save_for_backward(log_probs, targets, input_lengths, target_lengths)
        ctx.nll = nll
        return nll

    @staticmethod
    def backward(ctx, gy):
        log_probs, targets, input_lengths, target_lengths = ctx.saved_tensors
        g = CtcLossGrad.apply(
            gy,
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            Tensor._make(ctx.alpha),
            Tensor._make(ctx.nll),
            ctx.blank,
            ctx.zero_infinity,
        )
        return g, None, None, None, None, None


class CtcLossGrad(Function):
    """ctc_loss's gradient from alpha and the backward (beta) recursion: gy times
    exp(log_probs) - sum over the places s of class c of exp(alpha + beta - log_probs + nll).
    Not differentiable again (PyTorch's is not either)."""

    op_name = "ctc_loss_grad"
    quiet_domain = True

    @staticmethod
    def forward(
        ctx, gy, log_probs, targets, input_lengths, target_lengths, alpha, nll, blank, zero_infinity
    ):
        xp = log_probs.device.xp
        lp, il, tl = log_probs.array, input_lengths.array, target_lengths.array
        ext, lpe, skip = _ctc_lattice(xp, lp, targets.array, il, tl, blank)
        steps, items = lpe.shape[0], xp.arange(lpe.shape[1])
        last, before = _ctc_ends(xp, tl)
        ends = xp.zeros(ext.shape, dtype=bool)
        ends[items, last] = True
        ends[items, before] |= tl > 0
        skip_ahead = _shifted(xp, skip.astype(lpe.dtype), -2) > 0  # s may go on to s + 2
        beta = xp.full(lpe.shape, -xp.inf, dtype=lpe.dtype)
        nxt = beta[0]
        with quiet():
            for t in range(steps - 1, -1, -1):
                two_ahead = xp.where(skip_ahead, _shifted(xp, nxt, -2), -xp.inf)
                step = _logaddexp3(xp, nxt, _shifted(xp, nxt, -1), two_ahead) + lpe[t]
                start = xp.where(ends, lpe[t], -xp.inf)  # the item's last step
                beta[t] = xp.where(
                    (t == il - 1)[:, None], start, xp.where((t < il - 1)[:, None], step, -xp.inf)
                )
                nxt = beta[t]
            nll_a = nll.array
            posterior = xp.exp(alpha.array + beta - lpe + nll_a[:, None])
            posterior = xp.where(xp.isfinite(lpe), posterior, 0)
        taken = xp.zeros(lp.shape, dtype=lp.dtype)
        t_at = xp.arange(steps)[:, None, None]
        xp.add.at(taken, (t_at, items[:, None], ext[None]), posterior)
        # an impossible target (nll inf): nan at every class, as PyTorch's 0 * inf
        grad = xp.where(xp.isinf(nll_a)[:, None], xp.nan, xp.exp(lp) - taken)
        keep = xp.arange(steps)[:, None] < il  # (T, N): steps inside each item's input
        if zero_infinity:
            keep = keep & ~xp.isinf(nll_a)
        return xp.where(keep[:, :, None], grad, 0) * gy.array[None, :, None]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("ctc_loss's gradient is not differentiable (PyTorch's is not either)")
