"""Moving a tensor between devices, differentiably."""

from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.backend import get_device


class ToDevice(Function):
    """y = x copied to `device`; the gradient is copied back to x's device."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = x.device
        target = get_device(device)
        if target.type == "cpu":
            return x.array.get()  # from a CuPy array to host memory
        if x.device.type == "cpu":
            with target.xp.cuda.Device(target.index):
                return target.xp.asarray(x.array)
        with target.xp.cuda.Device(target.index):
            return x.array.copy()

    @staticmethod
    def backward(ctx, gy):
        return ToDevice.apply(gy, ctx.source), None
