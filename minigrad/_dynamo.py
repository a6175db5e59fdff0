"""`torch._dynamo.reset()`, which the torch.compile tutorial calls between its examples.

minigrad.compile does not use Dynamo (docs/static.md); each compiled function keeps its own
traced graphs, and `reset()` makes every one of them trace again at its next call, as
PyTorch's reset clears its compiled code.
"""

from __future__ import annotations

from minigrad.static.compile import _LIVE


def reset() -> None:
    for compiled in list(_LIVE):
        compiled.reset()


__all__ = ["reset"]
