"""The margin, embedding and likelihood losses of `torch.nn.functional` as compositions of
elementwise ops, `where`, `clamp` and reductions (so they need no backward of their own).
Where a PyTorch kernel's gradient at a kink differs from the composition's, the choice of
`where` or `clamp` follows the kernel (noted at each loss)."""

from __future__ import annotations

import math

from minigrad.creation import full_like, tensor
from minigrad.dtypes import float32, float64, int64
from minigrad.ops._util import kernel_type
from minigrad.ops.activations import softplus
from minigrad.ops.indexing import gather, one_hot
from minigrad.ops.nn import (
    CtcLoss,
    _check_reduction,
    _reduce,
    broadcast_shape_for,
    legacy_reduction,
)
from minigrad.ops.selection import where
from minigrad.tensor import Tensor


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean") -> Tensor:
    """0.5 (log var + (input - target)^2 / var) [+ 0.5 log(2 pi) when full]. var has the
    input's shape, or one dim of size 1 (or the last dim missing): one variance shared.
    NOTE: as PyTorch, var is clamped to eps for the value only: the gradient reaches var as
    if unclamped."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = full_like(input, var)
    elif (var.array < 0).any():  # NOTE: the raw values: checked when traced, as one_hot does
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (
            input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1
        ):
            raise ValueError(
                f"gaussian_nll_loss: var is of incorrect size: {tuple(var.shape)} for an input "
                f"of shape {tuple(input.shape)}"
            )
    _check_reduction(reduction, "gaussian_nll_loss")
    var = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")


def margin_ranking_loss(
    input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """max(0, -target (input1 - input2) + margin); target is 1 (input1 should rank higher)
    or -1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {tuple(input1.shape)}, input2: {tuple(input2.shape)}, target: "
            f"{tuple(target.shape)}"
        )
    broadcast_shape_for("margin_ranking_loss", input1, input2, target)
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduce(loss, reduction, "margin_ranking_loss")


def hinge_embedding_loss(
    input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1 (input: a distance)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    hinge = where(target != 1, (margin - input).clamp_min(0), 0.0)
    loss = hinge + where(target != -1, input, 0.0)
    return _reduce(loss, reduction, "hinge_embedding_loss")


def cosine_embedding_loss(
    input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where target is -1.
    (N, D), (N, D), (N,) or (D,), (D,), ()."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if target.ndim > 1:
        raise RuntimeError(
            "cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported"
        )
    if input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise RuntimeError(
            f"cosine_embedding_loss: {target.ndim}D target tensor expects {target.ndim + 1}D "
            f"input tensors, but found inputs with sizes {tuple(input1.shape)} and "
            f"{tuple(input2.shape)}."
        )
    broadcast_shape_for("cosine_embedding_loss", input1, input2, target.unsqueeze(-1))
    dim = target.ndim
    # NOTE: PyTorch's kernel: 1e-12 added to each squared norm
    squares = ((input1 * input1).sum(dim) + 1e-12) * ((input2 * input2).sum(dim) + 1e-12)
    cos = (input1 * input2).sum(dim) / squares.sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(loss, reduction, "cosine_embedding_loss")


def multi_margin_loss(
    input,
    target,
    p=1,
    margin=1.0,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
) -> Tensor:
    """sum over classes i != y of w[y] max(0, margin - x[y] + x[i])^p, divided by C (the
    multi-class hinge loss). (N, C), (N,) or (C,), ()."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("multi_margin_loss: only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("multi_margin_loss: weight must be one-dimensional")
    if input.ndim not in (1, 2) or input.numel() == 0:
        raise RuntimeError(
            "multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch "
            f"size, but got: {list(input.shape)}"
        )
    classes = input.shape[-1]
    x = input.reshape(-1, classes)
    if target.ndim > 1 or target.numel() != x.shape[0]:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{x.shape[0]}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    t = target.reshape(-1)
    labels = target.array  # NOTE: the raw values: checked when traced, as one_hot does
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise RuntimeError(f"multi_margin_loss: target out of range (classes: {classes})")
    z = margin - gather(x, 1, t.unsqueeze(1)) + x
    # NOTE: PyTorch's kernel counts z > 0 only: no gradient where z is exactly 0
    z = where((z > 0) & (one_hot(t, classes) == 0), z, 0.0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    loss = (z.sum(1) / classes).reshape(target.shape)
    return _reduce(loss, reduction, "multi_margin_loss")


def multilabel_margin_loss(
    input, target, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """sum over the target classes j and the other classes i of max(0, 1 - (x[j] - x[i])),
    divided by C. A row of target lists class indices and ends at its first -1 (the rest is
    ignored). (N, C), (N, C) or (C,), (C,)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input.ndim not in (1, 2) or (input.ndim == 1 and input.numel() == 0):
        raise RuntimeError(
            "multilabel_margin_loss: Expected non-empty vector or matrix with optional 0-dim "
            f"batch size, but got: {list(input.shape)}"
        )
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"multilabel_margin_loss: inconsistent target size: {list(target.shape)} for input "
            f"of size: {list(input.shape)}"
        )
    if target.dtype != int64:
        raise RuntimeError(
            f"multilabel_margin_loss: expected scalar type Long but found {target.dtype}"
        )
    classes = input.shape[-1]
    labels = target.array  # NOTE: the raw values: checked when traced, as one_hot does
    if labels.size and (int(labels.min()) < -1 or int(labels.max()) >= classes):
        raise RuntimeError(f"multilabel_margin_loss: target out of range (classes: {classes})")
    x = input.reshape(-1, classes)
    t = target.reshape(-1, classes)
    listed = (t < 0).cumsum(1) == 0  # the entries before a row's first -1
    picked = t.clamp(min=0)
    is_target = (one_hot(picked, classes) * listed.unsqueeze(2)).sum(1) > 0
    # z[n, j, i]: the margin of listed class t[n, j] over class i
    z = 1 - gather(x, 1, picked).unsqueeze(2) + x.unsqueeze(1)
    # NOTE: PyTorch's kernel counts z > 0 only: no gradient where z is exactly 0
    counted = listed.unsqueeze(2) & ~is_target.unsqueeze(1) & (z > 0)
    loss = (where(counted, z, 0.0).sum((1, 2)) / classes).reshape(input.shape[:-1])
    return _reduce(loss, reduction, "multilabel_margin_loss")


def multilabel_soft_margin_loss(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """The mean over classes of the binary cross-entropy of each logit with its 0/1 target
    (an independent yes/no per class). (N, C) -> (N,) before the reduction."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    # -(t log sigmoid(x) + (1 - t) log sigmoid(-x)), with log sigmoid(x) = -softplus(-x)
    loss = target * softplus(-input) + (1 - target) * softplus(input)
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _reduce(loss, reduction, "multilabel_soft_margin_loss")


def poisson_nll_loss(
    input,
    target,
    log_input=True,
    full=False,
    size_average=None,
    eps=1e-8,
    reduce=None,
    reduction="mean",
) -> Tensor:
    """exp(input) - target input (log_input) or input - target log(input + eps); full adds
    Stirling's approximation of log(target!) where target > 1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "poisson_nll_loss")
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        big = target > 1
        t = where(big, target, 1.0)  # keeps log(0) out of the value and the gradient
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction, "poisson_nll_loss")


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean") -> Tensor:
    """log(1 + exp(-y x)), the two-class logistic loss for targets y of +-1, reduced."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    # PyTorch computes it in a buffer of the input's shape and dtype: refused, as there, are a
    # target that would widen it and an integer input
    shape = broadcast_shape_for("soft_margin_loss", input, target)
    if shape != tuple(input.shape):
        raise RuntimeError(
            f"soft_margin_loss: output with shape {list(input.shape)} doesn't match the broadcast "
            f"shape {list(shape)} (target of shape {tuple(target.shape)})"
        )
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"soft_margin_loss: result type float32 can't be cast to the desired output type "
            f"{input.dtype.name}"
        )
    margins = (-target * input).to(input.dtype)  # (that buffer: a float64 target rounds)
    return _reduce(softplus(margins), reduction, "soft_margin_loss")


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin=1.0,
    p=2,
    eps=1e-6,
    swap=False,
    size_average=None,
    reduce=None,
    reduction="mean",
) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with d the p-norm distance of pairwise_distance;
    swap: d(a, n) is replaced by d(p, n) where that is smaller. (N, D) x 3 -> reduced."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not (anchor.ndim == positive.ndim == negative.ndim) or anchor.ndim not in (1, 2):
        raise RuntimeError(
            "triplet_margin_loss: the anchor, positive and negative must all be 1-D or all 2-D, "
            f"got shapes {tuple(anchor.shape)}, {tuple(positive.shape)} and "
            f"{tuple(negative.shape)}"
        )
    broadcast_shape_for("triplet_margin_loss", anchor, positive, negative)
    d_pos = (anchor - positive + eps).norm(p=p, dim=-1)
    d_neg = (anchor - negative + eps).norm(p=p, dim=-1)
    if swap:
        d_neg = d_neg.minimum((positive - negative + eps).norm(p=p, dim=-1))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction, "triplet_margin_loss")


def ctc_loss(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification: -log of the probability, summed over every
    alignment, of each target under log_probs (T, N, C) or (T, C), log-softmaxed over C.
    targets: (N, S) padded, or the targets concatenated (1-d); lengths: tensors or tuples.
    'mean' divides each loss by its target length (at least 1), then averages; zero_infinity
    makes an impossible target's loss (inf) and gradient 0."""
    _check_reduction(reduction, "ctc_loss")
    batched = log_probs.ndim == 3
    if not batched:  # one item: as a batch of one, the loss a 0-d tensor
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if targets.ndim == 1 else targets
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):
        raise TypeError(
            "ctc_loss(): input_lengths and target_lengths must be both tensors or both tuples "
            f"of ints, not {type(input_lengths).__name__} and {type(target_lengths).__name__}"
        )
    il = _ctc_lengths(input_lengths, "input_lengths", log_probs)
    tl = _ctc_lengths(target_lengths, "target_lengths", log_probs)
    targets = targets.to(log_probs.device).long()  # PyTorch reads float and bool labels too
    _check_ctc(log_probs, targets, il, tl, blank)
    loss = CtcLoss.apply(log_probs, targets, il, tl, blank, bool(zero_infinity))
    if zero_infinity:
        loss = where(loss == math.inf, 0.0, loss)
    if reduction == "mean":
        return (loss / tl.clamp_min(1).to(loss.dtype)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.squeeze(0)


def _ctc_lengths(lengths, name: str, log_probs) -> Tensor:
    """input_lengths or target_lengths as an int64 tensor of one length per item."""
    if isinstance(lengths, Tensor):
        if lengths.array.dtype.kind not in "iu":
            raise RuntimeError(f"ctc_loss: {name} must be integral")
        lengths = lengths.reshape(-1).long().to(log_probs.device)
    elif isinstance(lengths, (tuple, list)) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in lengths
    ):
        lengths = tensor(list(lengths), dtype=int64, device=log_probs.device)
    else:
        raise TypeError(
            f"ctc_loss(): {name} must be a tensor or a tuple of ints, not {type(lengths).__name__}"
        )
    if lengths.shape[0] != log_probs.shape[1]:
        raise RuntimeError(
            f"ctc_loss: {name} must be of size batch_size ({tuple(lengths.shape)} for a batch "
            f"of {log_probs.shape[1]})"
        )
    return lengths


def _check_ctc(log_probs, targets, il: Tensor, tl: Tensor, blank: int) -> None:
    """PyTorch's checks of ctc_loss's arguments, and one more: the labels it reads are classes
    (PyTorch reads past the end of log_probs for a label >= C)."""
    steps, items, classes = log_probs.shape
    if log_probs.numel() == 0:
        raise RuntimeError("ctc_loss: log_probs tensor must not be empty")
    if log_probs.dtype not in (float32, float64):
        raise NotImplementedError(
            f'"ctc_loss_cpu" not implemented for {kernel_type(log_probs.array.dtype)}'
        )
    if not 0 <= blank < classes:
        raise RuntimeError(
            f"ctc_loss: blank must be in label range (blank {blank}, {classes} classes)"
        )
    if targets.ndim not in (1, 2):
        raise RuntimeError(
            f"ctc_loss: Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor "
            "for argument #2 'targets'"
        )
    for lengths, name, most in ((il, "input_lengths", steps), (tl, "target_lengths", None)):
        values = lengths.array
        if values.size and int(values.min()) < 0:
            raise RuntimeError(
                f"ctc_loss: Expected {name} to have value at least 0, but got value "
                f"{int(values.min())}"
            )
        if most is not None and values.size and int(values.max()) > most:
            raise RuntimeError(
                f"ctc_loss: Expected {name} to have value at most {most}, but got value "
                f"{int(values.max())}"
            )
    lengths = tl.array
    longest = int(lengths.max())
    if targets.ndim == 2 and targets.shape[0] != items:
        raise RuntimeError(
            f"ctc_loss: Expected tensor to have size {items} at dimension 0, but got size "
            f"{targets.shape[0]} for argument #2 'targets'"
        )
    if targets.ndim == 2 and targets.shape[1] < longest:
        raise RuntimeError(
            f"ctc_loss: Expected tensor to have size at least {longest} at dimension 1, but got "
            f"size {targets.shape[1]} for argument #2 'targets'"
        )
    if targets.ndim == 1 and targets.shape[0] != int(lengths.sum()):
        raise RuntimeError(
            f"ctc_loss: Expected tensor to have size {int(lengths.sum())} at dimension 0, but "
            f"got size {targets.shape[0]} for argument #2 'targets'"
        )
    xp = log_probs.device.xp
    labels = targets.array
    if targets.ndim == 2:
        labels = labels[:, :longest][xp.arange(longest) < lengths[:, None]]
    if labels.size and not (int(labels.min()) >= 0 and int(labels.max()) < classes):
        raise RuntimeError(
            f"ctc_loss: a target label is outside 0..{classes - 1} (log_probs has {classes} "
            "classes)"
        )
