"""Shared fixtures: the `device` fixture runs a test on the CPU and, when there is one, on CUDA."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import settings

import minigrad
from minigrad import _warn
from minigrad.backend import cuda as cuda_backend

# NOTE: property tests draw the same examples on every run (and keep no database of past
# failures), so `make test` passes or fails the same way on every machine; the "explore"
# profile (HYPOTHESIS_PROFILE=explore) draws new examples each run, to look for more bugs.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

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
    """Every test starts from the same random state, so failures reproduce: PyTorch's too, where
    a test module imported it (its layers' initial weights otherwise depend on test order)."""
    minigrad.manual_seed(0)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _fresh_warn_once():
    """Every test sees PyTorch's once-per-process warnings as a fresh program would: whether
    one fires must not depend on which tests ran before in this process."""
    _warn._given.clear()
    yield


@pytest.fixture(autouse=True)
def _private_progress_cache(tmp_path_factory, monkeypatch):
    """`check` records results for `progress` in a per-user cache: tests keep theirs apart."""
    monkeypatch.setenv("MINIGRAD_COURSE_CACHE", str(tmp_path_factory.mktemp("progress-cache")))
