"""skip_init (PyTorch's `torch.nn.utils.skip_init`): a module whose parameters the caller is
about to fill in (the "Skipping Module Parameter Initialization" recipe).

NOTE: PyTorch builds the module on its meta device and allocates it uninitialised; minigrad has
no meta device, so the module is built as usual: its values are its default initialisation
(PyTorch promises nothing about them), and no time is saved."""

from __future__ import annotations

import inspect

from minigrad.nn.modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """module_cls(*args, **kwargs), for a Module class that takes a `device` argument."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)
