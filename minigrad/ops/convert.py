"""Moving a tensor between devices, differentiably: the only place minigrad copies across."""

from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_device, use


class ToDevice(Function):
    """y = x copied to `device`; the gradient is copied back to x's device. (*) -> (*)"""

    op_name = "to_device"

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = x.device
        target = get_device(device)
        if target.type == "cpu":
            return x.array.get()  # CuPy copies device -> host (and waits for the GPU)
        # NOTE: CuPy allocates on the current GPU; making the target current puts the copy
        # there, whether the source is host memory or another GPU.
        with use(target):
            return target.xp.array(x.array, copy=True)

    @staticmethod
    def backward(ctx, gy):
        return ToDevice.apply(gy, ctx.source), None
