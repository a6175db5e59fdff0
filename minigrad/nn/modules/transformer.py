"""MultiheadAttention and the Transformer layers, with PyTorch's parameter names, defaults,
initialisation and mask conventions.

Masks: for MultiheadAttention and the Transformer layers a bool mask is True where attention is
NOT allowed (a float mask is added to the scores); for F.scaled_dot_product_attention a bool
mask is True where attention IS allowed. Both are PyTorch's conventions.
"""

from __future__ import annotations

import copy
import math
import warnings

from minigrad.amp import is_autocast_enabled
from minigrad.autograd.grad_mode import is_grad_enabled
from minigrad.creation import empty, full, zeros
from minigrad.dtypes import bool_
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.attention import additive_mask
from minigrad.nn.modules.activation import GELU, ReLU
from minigrad.nn.modules.container import ModuleList
from minigrad.nn.modules.dropout import Dropout
from minigrad.nn.modules.linear import Linear, NonDynamicallyQuantizableLinear
from minigrad.nn.modules.module import Module
from minigrad.nn.modules.normalization import LayerNorm
from minigrad.nn.parameter import Parameter
from minigrad.ops.shape import cat


class MultiheadAttention(Module):
    """Attention with num_heads heads of embed_dim // num_heads. (L, N, E) queries, (S, N, E)
    keys and values (batch_first: N first; unbatched: no N) -> (output (L, N, E), weights
    (N, L, S) averaged over heads, or (N, heads, L, S), or None when need_weights=False).

    Parameters: in_proj_weight (3E, E) and in_proj_bias (3E,) (or q/k/v_proj_weight when kdim
    or vdim differ from E) and out_proj; in_proj_weight starts Xavier-uniform, biases at 0.
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        kw = {"device": device, "dtype": dtype}
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first, self.head_dim = batch_first, embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:  # one more key and value, learnt, that every query can attend to
            self.bias_k = Parameter(empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn  # one more key and value, both zero
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _project(self, query, key, value):
        """q, k, v = the input projections (one matmul when query, key and value are one)."""
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else b.chunk(3)
        if not self._qkv_same_embed_dim:
            return (
                _linear(query, self.q_proj_weight, bq),
                _linear(key, self.k_proj_weight, bk),
                _linear(value, self.v_proj_weight, bv),
            )
        if query is key and key is value:
            return _linear(query, self.in_proj_weight, b).chunk(3, -1)
        wq, wk, wv = self.in_proj_weight.chunk(3)
        return _linear(query, wq, bq), _linear(key, wk, bk), _linear(value, wv, bv)

    def _heads(self, x):
        """(T, N, E) -> (N, heads, T, head_dim)."""
        t, n = x.shape[:2]
        return x.reshape(t, n, self.num_heads, self.head_dim).permute(1, 2, 0, 3)

    def _extra_keys(self, k, v):
        """k, v (N, heads, S, head_dim) with bias_k/bias_v and a zero key/value appended as
        asked; and how many keys were added."""
        n = k.shape[0]
        extra = []
        if self.bias_k is not None:
            extra.append((self.bias_k, self.bias_v))
        if self.add_zero_attn:
            zero = zeros(1, 1, self.embed_dim, dtype=k.dtype, device=k.device)
            extra.append((zero, zero))
        for bias_k, bias_v in extra:
            k = cat([k, self._heads(bias_k.expand(1, n, self.embed_dim))], 2)
            v = cat([v, self._heads(bias_v.expand(1, n, self.embed_dim))], 2)
        return k, v, len(extra)

    def _check_masks(self, attn_mask, key_padding_mask, n, length, source) -> None:
        """PyTorch's checks of the masks' dtypes and shapes, with its exception types."""
        for name, mask in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
            if mask is not None and mask.dtype != bool_ and not mask.is_floating_point():
                raise AssertionError(f"only bool and floating types of {name} are supported")
        _warn_if_mismatched(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask")
        if key_padding_mask is not None:
            if key_padding_mask.ndim != 2:
                raise AssertionError(
                    "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D "
                    f"but found {key_padding_mask.ndim}-D tensor instead"
                )
            for dim, size in enumerate((n, source)):
                if key_padding_mask.shape[dim] != size:
                    raise AssertionError(
                        f"Expected key_padded_mask.shape[{dim}] to be {size}, but got "
                        f"{key_padding_mask.shape[dim]}"
                    )
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
            expected = (length, source) if attn_mask.ndim == 2 else (n * self.num_heads,)
            expected += (length, source) if attn_mask.ndim == 3 else ()
            if tuple(attn_mask.shape) != expected:
                raise RuntimeError(
                    f"The shape of the {attn_mask.ndim}D attn_mask is {attn_mask.shape}, but "
                    f"should be {expected}."
                )

    def _mask(self, attn_mask, key_padding_mask, like, n, length, source, extra):
        """One additive mask, broadcastable to (N, heads, L, S + extra), or None (the extra
        keys may always be attended to)."""
        mask = None
        if attn_mask is not None:
            mask = F.pad(additive_mask(attn_mask, like, allowed=False), (0, extra))
            if mask.ndim == 3:  # (N * heads, L, S)
                mask = mask.reshape(n, self.num_heads, length, source + extra)
        if key_padding_mask is not None:
            padding = F.pad(additive_mask(key_padding_mask, like, allowed=False), (0, extra))
            padding = padding.reshape(n, 1, 1, source + extra)
            mask = padding if mask is None else mask + padding
        return mask

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                "module method `generate_square_subsequent_mask` to create this mask."
            )
        batched = query.ndim == 3
        same = query is key, key is value
        if not batched:
            query, key, value = (x.unsqueeze(1) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        if all(same):  # keep the one-matmul projection for self-attention
            key = value = query
        length, n, width = query.shape
        if width != self.embed_dim:  # PyTorch's type and words
            raise AssertionError(
                f"was expecting embedding dimension of {self.embed_dim}, but got {width}"
            )
        if key.shape[:2] != value.shape[:2]:  # PyTorch's type
            raise AssertionError(
                f"MultiheadAttention: key shape {tuple(key.shape)} does not match value shape "
                f"{tuple(value.shape)} (sequence and batch sizes must agree)"
            )
        source = key.shape[0]
        self._check_masks(attn_mask, key_padding_mask, n, length, source)
        q, k, v = (self._heads(x) for x in self._project(query, key, value))
        k, v, extra = self._extra_keys(k, v)
        mask = self._mask(attn_mask, key_padding_mask, q, n, length, source, extra)
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            scores = (q * (1.0 / math.sqrt(self.head_dim))) @ k.mT
            weights = (scores if mask is None else scores + mask).softmax(-1)
            out = (F.dropout(weights, p) if p > 0 else weights) @ v
            if average_attn_weights:
                weights = weights.mean(1)
        else:
            out = F.scaled_dot_product_attention(q, k, v, mask, p)
        # NOTE: the output projection takes the parameters of out_proj, not its forward (as
        # PyTorch's multi_head_attention_forward: its hooks do not run)
        out = out.permute(2, 0, 1, 3).reshape(length, n, self.embed_dim)
        out = _linear(out, self.out_proj.weight, self.out_proj.bias)
        if not batched:
            return out.squeeze(1), None if weights is None else weights[0]
        return (out.transpose(0, 1) if self.batch_first else out), weights


def _linear(x, weight, bias):
    """F.linear of (T, N, E) tokens as one product of (T N, E) rows, as PyTorch's attention.

    # NOTE: NumPy runs a 3-D @ 2-D product as one small product per T (a (20, 32, 64)
    # projection: 120 us; as rows: 47 us, with the copy of a batch_first view)."""
    return F.linear(x.reshape(-1, x.shape[-1]), weight, bias).reshape(*x.shape[:-1], -1)


def _activation(activation):
    if callable(activation):
        return activation
    if activation in ("relu", "gelu"):
        return getattr(F, activation)
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual connection and
    LayerNorm (after, or before with norm_first). (S, N, E) or batch_first (N, S, E) -> same."""

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw
        )
        _add_feed_forward(self, d_model, dim_feedforward, dropout, bias, kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        src_key_padding_mask, src_mask = _matched_masks(
            src_key_padding_mask, "src_key_padding_mask", src_mask, "src_mask", src
        )
        x = src
        masks = (src_mask, src_key_padding_mask, is_causal)
        if self.norm_first:
            x = x + _attend(self.self_attn, self.norm1(x), None, *masks, self.dropout1)
            return x + _feed_forward(self, self.norm2(x), self.dropout2)
        x = self.norm1(x + _attend(self.self_attn, x, None, *masks, self.dropout1))
        return self.norm2(x + _feed_forward(self, x, self.dropout2))


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's memory, then feed-forward;
    each with dropout, a residual and LayerNorm. (T, N, E), memory (S, N, E) -> (T, N, E)."""

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw
        )
        _add_feed_forward(self, d_model, dim_feedforward, dropout, bias, kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
        memory_is_causal=False,
    ):
        x = tgt
        self_masks = (tgt_mask, tgt_key_padding_mask, tgt_is_causal)
        memory_masks = (memory_mask, memory_key_padding_mask, memory_is_causal)
        if self.norm_first:
            x = x + _attend(self.self_attn, self.norm1(x), None, *self_masks, self.dropout1)
            x = x + _attend(
                self.multihead_attn, self.norm2(x), memory, *memory_masks, self.dropout2
            )
            return x + _feed_forward(self, self.norm3(x), self.dropout3)
        x = self.norm1(x + _attend(self.self_attn, x, None, *self_masks, self.dropout1))
        x = self.norm2(x + _attend(self.multihead_attn, x, memory, *memory_masks, self.dropout2))
        return self.norm3(x + _feed_forward(self, x, self.dropout3))


def _warn_if_mismatched(padding, padding_name, mask, mask_name) -> bool:
    """PyTorch's deprecation of a padding mask and an attention mask of different dtypes (a
    bool and a float one, or two float dtypes). -> whether they differ."""
    if padding is None or mask is None or padding.dtype == mask.dtype:
        return False
    warnings.warn(
        f"Support for mismatched {padding_name} and {mask_name} is deprecated. Use same type for "
        "both instead.",
        UserWarning,
        stacklevel=3,  # the forward that was given them, as PyTorch's
    )
    return True


def _matched_masks(padding, padding_name, mask, mask_name, like):
    """An encoder (layer)'s two masks, warned about when mismatched; then, as PyTorch does,
    each bool one becomes an additive float mask of like's dtype, so that the attention below
    gets a matched pair and does not warn again."""
    if not _warn_if_mismatched(padding, padding_name, mask, mask_name):
        return padding, mask
    # (a mask of another dtype is left as it is: the attention raises PyTorch's error)
    return tuple(
        additive_mask(m, like, allowed=False) if m.dtype == bool_ else m for m in (padding, mask)
    )


def _attend(attention, x, memory, attn_mask, key_padding_mask, is_causal, dropout):
    """An encoder or decoder layer's attention block: self-attention (memory None) or
    attention to the encoder's memory, then dropout."""
    source = x if memory is None else memory
    out = attention(
        x,
        source,
        source,
        attn_mask=attn_mask,
        key_padding_mask=key_padding_mask,
        is_causal=is_causal,
        need_weights=False,
    )[0]
    return dropout(out)


def _add_feed_forward(layer, d_model, dim_feedforward, dropout, bias, kw):
    """A layer's feed-forward parts, registered in PyTorch's order (its state_dict keys)."""
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
    layer.dropout = Dropout(dropout)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)


def _feed_forward(layer, x, dropout):
    return dropout(layer.linear2(layer.dropout(layer.activation(layer.linear1(x)))))


class TransformerEncoder(Module):
    """num_layers copies of an encoder layer (`layers.0`, `layers.1`, ...), then `norm`.

    As PyTorch's, in inference (eval mode, no gradient wanted) with a src_key_padding_mask
    that pads at the end only, and a layer PyTorch's nested-tensor path takes
    (`use_nested_tensor`), the padded positions come out as zeros (before `norm`): PyTorch
    drops them from the batch there. NOTE: minigrad computes them and sets them to zero. When
    enable_nested_tensor cannot be used, it warns why, as PyTorch does."""

    def __init__(
        self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True
    ):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(
                "enable_nested_tensor is True, but self.use_nested_tensor is False because "
                f"{why_not}",
                UserWarning,
                stacklevel=2,
            )
        self.use_nested_tensor = enable_nested_tensor and not why_not
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        src_key_padding_mask, mask = _matched_masks(
            src_key_padding_mask, "src_key_padding_mask", mask, "mask", src
        )
        padded = self._dropped_positions(src, mask, src_key_padding_mask)
        x = src
        for layer in self.layers:
            x = layer(
                x,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        if padded is not None:
            x = x.masked_fill(padded.unsqueeze(-1), 0.0)
        return x if self.norm is None else self.norm(x)

    def _dropped_positions(self, src, mask, padding):
        """The (N, S) positions PyTorch's nested-tensor path leaves out, or None when it would
        not take that path (its conditions, in its order)."""
        first = self.layers[0]
        if not self.use_nested_tensor or first.training or src.ndim != 3 or padding is None:
            return None
        if mask is not None or is_autocast_enabled():
            return None
        weights = [src, *first.parameters()]
        if is_grad_enabled() and any(t.requires_grad for t in weights):
            return None
        padded = padding if padding.dtype == bool_ else padding != 0  # PyTorch: logical_not
        kept = ~padded
        # a mask that is not left-aligned (a kept position after a padded one) keeps PyTorch
        # off the path; a tensor, not an `if`, so that static graphs can trace it
        left_aligned = ~(kept[:, 1:] & ~kept[:, :-1]).any()
        return padded & left_aligned


def _why_not_nested(layer) -> str:
    """Why PyTorch's TransformerEncoder cannot run this layer on nested tensors, in its words
    and its order of checks; "" when it can."""
    if not isinstance(layer, TransformerEncoderLayer):
        return "encoder_layer was not TransformerEncoderLayer"
    if layer.norm_first:
        return "encoder_layer.norm_first was True"
    attn = layer.self_attn
    if not attn.batch_first:
        return (
            "encoder_layer.self_attn.batch_first was not True(use batch_first for better "
            "inference performance)"
        )
    if not attn._qkv_same_embed_dim:
        return "encoder_layer.self_attn._qkv_same_embed_dim was not True"
    if attn.in_proj_bias is None:
        return "encoder_layer.self_attn was passed bias=False"
    act = layer.activation
    if not (act in (F.relu, F.gelu) or isinstance(act, (ReLU, GELU))):
        return "encoder_layer.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return "encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps"
    if attn.num_heads % 2 == 1:
        return "encoder_layer.self_attn.num_heads is odd"
    return ""


class TransformerDecoder(Module):
    """num_layers copies of a decoder layer (`layers.0`, ...), then `norm`."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        x = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask,
                memory_mask,
                tgt_key_padding_mask,
                memory_key_padding_mask,
                bool(tgt_is_causal),
                memory_is_causal,
            )
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need": an encoder and a decoder
    stack, each ending in LayerNorm; weights with 2+ dims start Xavier-uniform."""

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        options = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first)
        if custom_encoder is None:
            layer = TransformerEncoderLayer(d_model, nhead, *options, bias=bias, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            custom_encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is None:
            layer = TransformerDecoderLayer(d_model, nhead, *options, bias=bias, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            custom_decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self.encoder, self.decoder = custom_encoder, custom_decoder
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch] != tgt.shape[batch]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask,
            memory_mask,
            tgt_key_padding_mask,
            memory_key_padding_mask,
            tgt_is_causal,
            memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask: 0 where j <= i, -inf above the diagonal (a causal mask)."""
        return full((sz, sz), -math.inf, dtype=dtype, device=device).triu(1)
