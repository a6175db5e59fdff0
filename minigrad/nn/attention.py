"""Scaled dot-product attention, composed of matmul, where and softmax (as PyTorch's "math"
reference path), and the mask conventions of PyTorch's two attention APIs; `sdpa_kernel` and
`SDPBackend` (PyTorch's `torch.nn.attention`) to choose among PyTorch's kernels."""

from __future__ import annotations

import contextlib
import enum
import math

from minigrad import dtypes
from minigrad.creation import ones, zeros
from minigrad.ops.nn import dropout
from minigrad.ops.selection import where
from minigrad.tensor import Tensor


class SDPBackend(enum.Enum):
    """PyTorch's attention kernels (`torch.nn.attention.SDPBackend`)."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_ALL_BACKENDS = frozenset(SDPBackend) - {SDPBackend.ERROR}
_allowed_backends = _ALL_BACKENDS
# NOTE: the kernels PyTorch has for each device; minigrad computes the math path whichever is
# chosen (the same numbers, up to rounding), and refuses where PyTorch would find no kernel
_AVAILABLE = {
    "cpu": {SDPBackend.MATH, SDPBackend.FLASH_ATTENTION},
    "cuda": {
        SDPBackend.MATH,
        SDPBackend.FLASH_ATTENTION,
        SDPBackend.EFFICIENT_ATTENTION,
        SDPBackend.CUDNN_ATTENTION,
    },
}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Within the block, scaled_dot_product_attention may use only these backends (one or a
    list). minigrad always computes the math path; a choice PyTorch has no kernel for on the
    inputs' device raises RuntimeError, as PyTorch does."""
    global _allowed_backends
    chosen = [backends] if isinstance(backends, SDPBackend) else list(backends)
    for backend in chosen:
        if not isinstance(backend, SDPBackend):
            raise AssertionError("Backend must be an instance of SDPBackend")
    previous, _allowed_backends = _allowed_backends, frozenset(chosen)
    try:
        yield
    finally:
        _allowed_backends = previous


def _check_backend(device) -> None:
    if not _allowed_backends & _AVAILABLE.get(device.type, {SDPBackend.MATH}):
        raise RuntimeError(
            "No viable backend for scaled_dot_product_attention was found. This is likely due "
            "to turning off both the math kernel and the fused kernels."
        )


def causal_mask(rows: int, cols: int, device) -> Tensor:
    """bool (rows, cols): True where query i may see key j (j <= i), PyTorch's is_causal."""
    return ones(rows, cols, dtype=dtypes.bool_, device=device).tril()


def additive_mask(mask: Tensor, like: Tensor, allowed: bool) -> Tensor:
    """A float mask to add to attention scores: bool masks become 0 / -inf (`allowed` says
    whether True means "may attend", as in SDPA, or "may not", as in MultiheadAttention)."""
    if mask.dtype != dtypes.bool_:
        return mask.to(like.dtype)
    blocked = ~mask if allowed else mask
    return zeros(tuple(mask.shape), dtype=like.dtype, device=like.device).masked_fill(
        blocked, -math.inf
    )


def scaled_dot_product_attention(
    query,
    key,
    value,
    attn_mask=None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale=None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(Q K^T * scale + mask) V, scale = 1 / sqrt(E) by default. (..., L, E), (..., S, E),
    (..., S, Ev) -> (..., L, Ev). A bool attn_mask is True where a query MAY attend; a float
    one is added to the scores. A query that may attend nowhere gets zeros (PyTorch's rule).
    enable_gqa: key and value may have fewer heads (dim -3), each shared by a group of query
    heads."""
    if _allowed_backends is not _ALL_BACKENDS:
        _check_backend(query.device)
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key and value to be at least 2-D, "
            f"got {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    if (
        attn_mask is not None
        and attn_mask.dtype is not dtypes.bool_
        and not (attn_mask.is_floating_point() or attn_mask.dtype is query.dtype)
    ):
        raise RuntimeError(
            "scaled_dot_product_attention: expected attn_mask dtype to be bool or float or to "
            f"match query dtype, got attn_mask {attn_mask.dtype} and query {query.dtype}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(
            "scaled_dot_product_attention: dropout probability has to be between 0 and 1, but "
            f"got {dropout_p}"
        )
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "scaled_dot_product_attention: _scaled_dot_product_attention: Explicit attn_mask "
            "should not be set when is_causal=True"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query {tuple(query.shape)}, key {tuple(key.shape)} "
            f"and value {tuple(value.shape)} do not fit: (..., L, E), (..., S, E), (..., S, Ev)"
        )
    if enable_gqa and query.ndim >= 3:  # grouped-query attention: each key head serves a group
        heads = query.shape[-3]
        if heads % key.shape[-3] or heads % value.shape[-3]:
            raise RuntimeError(
                "Number of heads in key and value must divide the number of heads in query "
                f"(scaled_dot_product_attention: {heads} query heads, {key.shape[-3]} key "
                f"heads, {value.shape[-3]} value heads)"
            )
        key = key.repeat_interleave(heads // key.shape[-3], -3)
        value = value.repeat_interleave(heads // value.shape[-3], -3)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.mT) * scale
    if is_causal:
        # NOTE: every causal row sees at least its first key, so no row is dead: one fill
        # instead of an added 0 / -inf mask and masked_softmax's two wheres over the scores
        blocked = ~causal_mask(query.shape[-2], key.shape[-2], query.device)
        weights = scores.masked_fill(blocked, -math.inf).softmax(-1)
    elif attn_mask is not None:
        weights = masked_softmax(scores + additive_mask(attn_mask, scores, allowed=True))
    else:
        weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value


def masked_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, with zeros for rows that are -inf throughout.

    # NOTE: such rows are first set to 0, so neither the softmax nor its gradient sees a nan.
    """
    dead = (scores == -math.inf).all(-1, keepdim=True)
    weights = where(dead, 0.0, scores).softmax(-1)
    return where(dead, 0.0, weights)
