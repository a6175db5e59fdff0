"""Embedding: a lookup table of num_embeddings vectors of size embedding_dim; EmbeddingBag: the
sums, means or maxima of bags of them."""

from __future__ import annotations

from minigrad.creation import empty
from minigrad.nn import init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops.nn import embedding, embedding_bag


class _Table(Module):
    """The weight (num_embeddings, embedding_dim), N(0, 1) with a zero padding_idx row."""

    def __init__(
        self, num_embeddings, embedding_dim, padding_idx, unsupported, _weight, _freeze, kw
    ):
        super().__init__()
        if unsupported:  # the name of an option minigrad lacks, or None
            raise NotImplementedError(
                f"{type(self).__name__}: {unsupported} is not supported by minigrad"
            )
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        name = type(self).__name__
        # AssertionError: PyTorch's type for these two (it checks them with assert)
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise AssertionError(
                f"{name}: padding_idx must be within num_embeddings, got padding_idx="
                f"{padding_idx} for num_embeddings={num_embeddings}"
            )
        if _weight is not None and tuple(_weight.shape) != (num_embeddings, embedding_dim):
            raise AssertionError(
                f"{name}: shape of weight {tuple(_weight.shape)} does not match "
                f"(num_embeddings, embedding_dim) = ({num_embeddings}, {embedding_dim})"
            )
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            weight = empty(num_embeddings, embedding_dim, **kw)
            self.weight = Parameter(weight, requires_grad=not _freeze)
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def _padding_repr(self) -> str:
        return f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""

    def _norm_repr(self) -> str:
        text = f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        return text + (f", norm_type={self.norm_type}" if self.norm_type != 2 else "")


class Embedding(_Table):
    """y = weight[indices]. (*) int64 -> (*, embedding_dim); weight starts as N(0, 1)."""

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
        _weight=None,
        _freeze=False,
        device=None,
        dtype=None,
    ):
        kw = {"device": device, "dtype": dtype}
        unsupported = "sparse" if sparse else None
        super().__init__(
            num_embeddings, embedding_dim, padding_idx, unsupported, _weight, _freeze, kw
        )
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, **kwargs):
        if embeddings.ndim != 2:
            raise AssertionError(
                f"{cls.__name__}.from_pretrained: embeddings are expected to be 2-D, got "
                f"shape {tuple(embeddings.shape)}"
            )
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, _weight=embeddings, _freeze=freeze, **kwargs)

    def forward(self, input):
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}" + self._padding_repr()
        by_freq = ", scale_grad_by_freq=True" if self.scale_grad_by_freq else ""
        return text + self._norm_repr() + by_freq


class EmbeddingBag(_Table):
    """Bags of embeddings reduced by mode ('mean', 'sum' or 'max'), without the (n, D) rows as a
    tensor: input (B, N) of indices, or (n,) cut at offsets (B,). -> (B, embedding_dim)"""

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        mode="mean",
        sparse=False,
        _weight=None,
        include_last_offset=False,
        padding_idx=None,
        device=None,
        dtype=None,
    ):
        kw = {"device": device, "dtype": dtype}
        unsupported = "scale_grad_by_freq" if scale_grad_by_freq else "sparse" if sparse else None
        super().__init__(
            num_embeddings, embedding_dim, padding_idx, unsupported, _weight, False, kw
        )
        self.max_norm, self.norm_type = max_norm, norm_type
        self.mode, self.include_last_offset = mode, include_last_offset

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, **kwargs):
        if embeddings.ndim != 2:
            raise AssertionError(
                f"{cls.__name__}.from_pretrained: embeddings are expected to be 2-D, got "
                f"shape {tuple(embeddings.shape)}"
            )
        rows, dim = embeddings.shape
        bag = cls(rows, dim, padding_idx=padding_idx, _weight=embeddings, **kwargs)
        bag.weight.requires_grad = not freeze
        return bag

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(
            input,
            self.weight,
            offsets,
            max_norm=self.max_norm,
            norm_type=self.norm_type,
            mode=self.mode,
            per_sample_weights=per_sample_weights,
            include_last_offset=self.include_last_offset,
            padding_idx=self.padding_idx,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}{self._norm_repr()}"
        return text + f", mode='{self.mode}'" + self._padding_repr()
