"""Fixtures that simulate CUDA setups at the backend boundary (`minigrad.backend.cuda`)."""

from __future__ import annotations

import sys

import fake_cupy
import pytest

import minigrad
from minigrad import backend
from minigrad.backend import cuda as cuda_backend


def forget_cuda() -> None:
    """Drop what detection found and the CUDA generators made from it."""
    backend.forget_cuda()
    minigrad.random._cuda_generators.clear()


@pytest.fixture
def simulate(monkeypatch):
    """simulate(cupy=..., wheels=[...]): the next probe sees this CuPy and these wheels.

    `cupy` is a module object, or an exception that importing CuPy raises. Detection is
    forgotten before and after, so no simulated result leaks into other tests.
    """

    def setup(cupy=None, wheels=("cupy-cuda12x",), modules=None):
        def import_cupy():
            if isinstance(cupy, BaseException):
                raise cupy
            return cupy

        monkeypatch.setattr(cuda_backend, "_import_cupy", import_cupy)
        monkeypatch.setattr(cuda_backend, "_cupy_wheels", lambda: list(wheels))
        for name, module in (modules or {}).items():
            monkeypatch.setitem(sys.modules, name, module)
        forget_cuda()
        return cuda_backend.probe()

    forget_cuda()
    yield setup
    monkeypatch.undo()
    forget_cuda()


@pytest.fixture
def fake_cuda(simulate):
    """A working (simulated, NumPy-backed) GPU: see fake_cupy.py for what it can show."""
    cupy, modules = fake_cupy.make()
    found = simulate(cupy=cupy, modules=modules)
    assert found.kind == "ok", found.reason
    return cupy
