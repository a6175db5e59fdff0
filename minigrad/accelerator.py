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


def _require() -> None:
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index() -> int:
    """The index of the GPU that work runs on; without one, PyTorch's RuntimeError."""
    _require()
    return cuda.current_device()


def set_device_index(device) -> None:
    """Make `device` (an int, 'cuda:N' or a device) the GPU that new work runs on."""
    _require()
    cuda.set_device(device)


def synchronize(device=None) -> None:
    """Wait until the accelerator has finished the work queued so far."""
    cuda.synchronize(device)
