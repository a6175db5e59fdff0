"""torch.set_float32_matmul_precision, use_deterministic_algorithms and the cudnn flags:
validation as PyTorch's, settings read back, and float32 matmuls unchanged by them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad


@pytest.fixture(autouse=True)
def _restore():
    yield
    minigrad.set_float32_matmul_precision("highest")
    minigrad.use_deterministic_algorithms(False)
    torch.set_float32_matmul_precision("highest")
    torch.use_deterministic_algorithms(False)


def test_matmul_precision_validation_and_setting_as_torch():
    assert minigrad.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    for lib in (minigrad, torch):
        lib.set_float32_matmul_precision("medium")
        assert lib.get_float32_matmul_precision() == "medium"
        with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
            lib.set_float32_matmul_precision("HIGH")
        assert lib.get_float32_matmul_precision() == "medium"
        with pytest.raises(RuntimeError, match="expects a str, but got int"):
            lib.set_float32_matmul_precision(5)


def test_float32_matmul_is_full_precision_whatever_the_setting():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((64, 64), np.float32), rng.standard_normal((64, 64), np.float32)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    minigrad.set_float32_matmul_precision("medium")
    got = (minigrad.tensor(a) @ minigrad.tensor(b)).numpy()
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() < 1e-4  # bfloat16 inside would be off by about 1e-1


def test_deterministic_flag_validation_and_reading_as_torch():
    for lib in (minigrad, torch):
        assert lib.are_deterministic_algorithms_enabled() is False
        lib.use_deterministic_algorithms(True, warn_only=True)
        assert lib.are_deterministic_algorithms_enabled() is True
        assert lib.is_deterministic_algorithms_warn_only_enabled() is True
        lib.use_deterministic_algorithms(False)
        assert lib.is_deterministic_algorithms_warn_only_enabled() is False
        with pytest.raises(TypeError, match="'mode'.* must be bool, not int"):
            lib.use_deterministic_algorithms(1)
        with pytest.raises(TypeError, match="'warn_only' must be bool, not int"):
            lib.use_deterministic_algorithms(True, warn_only=1)


def test_cudnn_flags_are_settable():
    cudnn = minigrad.backends.cudnn
    before = (cudnn.benchmark, cudnn.deterministic)
    assert before == (torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic)
    cudnn.benchmark, cudnn.deterministic = True, True
    assert (cudnn.benchmark, cudnn.deterministic) == (True, True)
    cudnn.benchmark, cudnn.deterministic = before
