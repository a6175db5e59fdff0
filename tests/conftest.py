"""Shared fixtures: the `device` fixture runs a test on the CPU and, when there is one, on CUDA."""

from __future__ import annotations

import pytest

import minigrad
from minigrad.backend import cuda as cuda_backend

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    """'cpu', or 'cuda' (skipped with the reason when CUDA is not usable here)."""
    if request.param == "cuda":
        found = cuda_backend.probe()
        if found.cupy is None:
            pytest.skip(f"no CUDA device: {found.reason}")
    return request.param


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state, so failures reproduce."""
    minigrad.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _private_progress_cache(tmp_path_factory, monkeypatch):
    """`check` records results for `progress` in a per-user cache: tests keep theirs apart."""
    monkeypatch.setenv("MINIGRAD_COURSE_CACHE", str(tmp_path_factory.mktemp("progress-cache")))
