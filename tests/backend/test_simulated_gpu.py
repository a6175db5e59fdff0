"""minigrad.testing.simulated_gpu: the simulated GPU that chapter 07's exercises grade on."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minigrad
from minigrad.testing.simulated_gpu import SIMULATED_NAME, FakeArray, simulated_gpu


def test_inside_the_block_minigrad_sees_a_simulated_gpu():
    with simulated_gpu():
        assert minigrad.cuda.is_available()
        assert "simulated" in minigrad.cuda.get_device_name(0)
        x = minigrad.ones(2, 3, device="cuda")
        assert isinstance(x.array, FakeArray) and x.device.type == "cuda"
        assert x.device.xp is not np
        assert np.allclose((x * 2).sum().cpu().numpy(), 12.0)
        with pytest.raises(RuntimeError, match="cuda"):
            x + minigrad.ones(2, 3)  # mixing devices is still an error


@pytest.mark.skipif(minigrad.cuda.is_available(), reason="needs a machine without a GPU")
def test_detection_and_modules_are_restored_after_the_block():
    reason = minigrad.cuda.unavailable_reason()
    had_cupy = "cupy" in sys.modules
    with simulated_gpu():
        assert sys.modules["cupy"].cuda.runtime.getDeviceCount() == 1
    assert not minigrad.cuda.is_available()
    assert minigrad.cuda.unavailable_reason() == reason
    assert ("cupy" in sys.modules) == had_cupy
    assert SIMULATED_NAME.endswith("(simulated)")


def test_detection_is_restored_after_an_error_inside():
    before = minigrad.cuda.is_available()
    with pytest.raises(ValueError), simulated_gpu():
        raise ValueError("a failing test inside the block")
    assert minigrad.cuda.is_available() == before


def test_tensor_of_a_device_array_stays_on_its_device():
    with simulated_gpu() as cupy:
        data = cupy.arange(3, dtype="float64")
        for made in (minigrad.tensor(data), minigrad.as_tensor(data)):
            assert made.device.type == "cuda", "the data was copied to the CPU silently"
            assert made.dtype == minigrad.float64  # a device array keeps its dtype, as NumPy's
        on_gpu = minigrad.ones(2, device="cuda")
        assert minigrad.tensor(on_gpu).device == on_gpu.device
        assert minigrad.tensor(on_gpu, device="cpu").device.type == "cpu"  # asked for: copied


def test_set_default_device_moves_factories_not_numpy_views():
    with simulated_gpu():
        minigrad.set_default_device("cuda")
        try:
            assert minigrad.get_default_device().type == "cuda"
            assert minigrad.zeros(2).device.type == "cuda"
            assert minigrad.tensor([1.0, 2.0]).device.type == "cuda"
            assert minigrad.from_numpy(np.ones(2)).device.type == "cpu"  # shares NumPy memory
        finally:
            minigrad.set_default_device(None)
    assert minigrad.zeros(1).device.type == "cpu"


def test_accelerator_answers_through_cuda():
    if not minigrad.cuda.is_available():
        assert minigrad.accelerator.is_available() is False
        assert minigrad.accelerator.current_accelerator() is None
        for ask in (
            minigrad.accelerator.current_device_index,
            lambda: minigrad.accelerator.set_device_index(0),
        ):  # PyTorch's error, without an accelerator
            with pytest.raises(RuntimeError, match="^Cannot access accelerator device when none"):
                ask()
    with simulated_gpu():
        assert minigrad.accelerator.is_available()
        assert minigrad.accelerator.current_accelerator().type == "cuda"
        assert minigrad.accelerator.device_count() == 1
        minigrad.accelerator.set_device_index("cuda:0")
        assert minigrad.accelerator.current_device_index() == 0
