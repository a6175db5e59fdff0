"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. for large vocabularies. The
frequent classes (the shortlist) and one logit per rare cluster share a head; each cluster's
classes get their own smaller projection, run only for the rows whose target falls in it."""

from __future__ import annotations

from collections import namedtuple

from minigrad.creation import zeros
from minigrad.nn import functional as F
from minigrad.nn.modules.container import ModuleList, Sequential
from minigrad.nn.modules.linear import Linear
from minigrad.nn.modules.module import Module
from minigrad.ops.reduce import argmax
from minigrad.ops.shape import cat

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """cutoffs split the classes (sorted by frequency) into the shortlist [0, cutoffs[0]) and
    the clusters [cutoffs[i], cutoffs[i + 1]); cluster i is projected through a hidden size of
    in_features // div_value ** (i + 1). forward(input, target) returns (output, loss): each
    row's log-probability of its target and the mean negative of them."""

    def __init__(
        self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None,
        dtype=None,
    ):  # fmt: skip
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an "
                "increasing order, where each value is between 1 and n_classes-1"
            )
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kw = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, **kw),
                    Linear(hidden, size, bias=False, **kw),
                )
            )

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input, target) -> _ASMoutput:
        if target.ndim == 1:
            if input.shape[0] != target.shape[0]:
                raise RuntimeError(
                    "AdaptiveLogSoftmaxWithLoss: Input and target should have the same size in "
                    f"the batch dimension, got {tuple(input.shape)} and {tuple(target.shape)}."
                )
            if input.ndim != 2:
                raise RuntimeError(
                    "AdaptiveLogSoftmaxWithLoss: 1D target tensor expects 2D input tensors, but "
                    f"found inputs with size {tuple(input.shape)}"
                )
        elif target.ndim == 0:
            if input.ndim != 1:
                raise RuntimeError(
                    "AdaptiveLogSoftmaxWithLoss: 0D target tensor expects 1D input tensors, but "
                    f"found inputs with size {tuple(input.shape)}"
                )
        else:
            raise RuntimeError(
                "AdaptiveLogSoftmaxWithLoss: 0D or 1D target tensor expected, multi-target not "
                "supported"
            )
        batched = target.ndim > 0
        x = input if batched else input.unsqueeze(0)
        t = target if batched else target.unsqueeze(0)
        output = zeros(t.shape[0], dtype=x.dtype, device=x.device)
        head_target = t.clone()  # a row's class in the shortlist, or its cluster's head logit
        used = 0
        bounds = [0] + self.cutoffs
        for i, (low, high) in enumerate(zip(bounds, bounds[1:])):
            in_range = (t >= low) & (t < high)
            rows = in_range.nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            used += rows.numel()
            if i == 0:
                continue
            head_target = head_target.index_fill(0, rows, self.shortlist_size + i - 1)
            cluster = F.log_softmax(self.tail[i - 1](x.index_select(0, rows)), dim=1)
            local = cluster.gather(1, (t[in_range] - low).unsqueeze(1)).squeeze(1)
            output = output.index_copy(0, rows, local)
        if used != t.shape[0]:
            raise RuntimeError(
                f"AdaptiveLogSoftmaxWithLoss: Target values should be in [0, "
                f"{self.n_classes - 1}], but values in range [{t.min().item()}, "
                f"{t.max().item()}] were found."
            )
        head = F.log_softmax(self.head(x), dim=1)
        output = output + head.gather(1, head_target.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, x, head_output):
        """(N, n_classes): the shortlist's log-probabilities, then each cluster's plus its
        head log-probability."""
        head = F.log_softmax(head_output, dim=1)
        parts = [head[:, : self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster = F.log_softmax(projection(x), dim=1)
            parts.append(cluster + head[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input):
        """Every class's log-probability, (N, n_classes), of a batch (N, in_features)."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most likely class of each row of a batch: the head's answer when it is in the
        shortlist, else the argmax of the full log-probabilities (computed for those rows)."""
        head_output = self.head(input)
        output = argmax(head_output, dim=1)
        rare = output >= self.shortlist_size
        if rare.any():
            output[rare] = argmax(self._full_log_prob(input[rare], head_output[rare]), dim=1)
        return output
