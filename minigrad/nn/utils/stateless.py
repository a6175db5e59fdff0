"""`torch.nn.utils.stateless.functional_call`: PyTorch's older name for
`torch.func.functional_call` (deprecated there since 2.0, with a FutureWarning)."""

from __future__ import annotations

import warnings

from minigrad import func

__all__ = ["functional_call"]


def functional_call(
    module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False
):
    """module(*args, **kwargs) with parameters_and_buffers in place (see func.functional_call)."""
    warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be "
        "removed in a future version of PyTorch. Please use `torch.func.functional_call` "
        "instead which is a drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )
    return func.functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
