"""`minigrad.accelerator`: PyTorch 2.x's device-neutral questions about the accelerator.

minigrad's one kind of accelerator is an NVIDIA GPU through CuPy, so these answer through
`minigrad.cuda`. Tutorials start with
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available()
    else "cpu"
"""

from __future__ import annotations

from minigrad import cuda
from minigrad.backend import device


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator's device type as a device ("cuda"), or None where there is none."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def synchronize(device=None) -> None:
    """Wait until the accelerator has finished the work queued so far."""
    cuda.synchronize(device)
