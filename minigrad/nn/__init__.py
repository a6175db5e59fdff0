"""minigrad.nn: Module, Parameter, layers, losses, `functional`, `init` and `utils`,
with PyTorch's names and behaviour (`import minigrad as torch; torch.nn.Linear(4, 2)`);
`grad`: the input and weight gradients of convolutions."""

from minigrad.nn import functional, grad, init, utils
from minigrad.nn.modules import *  # noqa: F403
from minigrad.nn.parameter import (
    Buffer,
    Parameter,
    UninitializedBuffer,
    UninitializedParameter,
)

# nn names minigrad leaves out on purpose (as minigrad._LEFT_OUT): the AttributeError says why
_LEFT_OUT = {
    "SyncBatchNorm": "minigrad trains in one process: there is no distributed training; use "
    "BatchNorm1d/2d/3d",
    "DataParallel": "minigrad runs a model on one device: call the model itself",
    "parallel": "minigrad trains in one process on one device: there is no DataParallel or "
    "DistributedDataParallel; call the model itself",
    "quantized": "there is no quantization",
    "qat": "there is no quantization",
}


def __getattr__(name: str):
    why = _LEFT_OUT.get(name)
    if why is None:
        raise AttributeError(f"module 'minigrad.nn' has no attribute {name!r}")
    raise AttributeError(
        f"module 'minigrad.nn' has no attribute {name!r}: {why} (docs/nn.md lists what "
        "minigrad leaves out)"
    )
