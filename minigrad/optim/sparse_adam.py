"""SparseAdam, as PyTorch's: Adam for sparse gradients (nn.Embedding(sparse=True)).

NOTE: minigrad has no sparse tensors, so every gradient is dense, and PyTorch's SparseAdam
refuses dense gradients: `step()` raises its RuntimeError for a parameter that has a
gradient. The class is here so that programs fail as they do in PyTorch when they give it
dense gradients; `nn.Embedding(sparse=True)` raises NotImplementedError (docs/optim.md).
"""

from __future__ import annotations

from minigrad.optim.optimizer import Optimizer
from minigrad.tensor import Tensor


class SparseAdam(Optimizer):
    """PyTorch's SparseAdam: its arguments, checks and errors (no update can run: see above)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize: bool = False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not lr > 0.0:  # nan too, as PyTorch
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps > 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i in range(2):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _update(self, group, p, g, state) -> None:
        raise RuntimeError(
            "SparseAdam does not support dense gradients, please consider Adam instead "
            f"(a parameter of shape {tuple(p.shape)} has a dense gradient; minigrad has no "
            "sparse gradients)"
        )
