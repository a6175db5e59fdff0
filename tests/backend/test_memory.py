"""minigrad keeps freed CPU memory in the process (glibc's malloc tuned at import)."""

import platform
import resource
import sys

import numpy as np
import pytest

import minigrad  # noqa: F401 - the import is what tunes the allocator
from minigrad.backend import memory

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the tuning is glibc's mallopt",
)


def _minor_faults(make):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        make()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@glibc
def test_the_buffers_of_a_step_are_reused_without_faulting_their_pages_in_again():
    # buffers of a few hundred KiB to a few MiB, freed in another order than made, as a
    # training step's: without the tuning glibc unmaps and trims them, and the next step
    # faults their pages in anew (about 550 faults for these 20 steps)
    def step():
        a = np.ones(600_000, np.float32)
        b = np.ones(130_000, np.float32)
        c = a[:130_000] + b
        del a
        return c, np.ones(300_000, np.float32)

    step()
    assert _minor_faults(step) < 50


@glibc
def test_glibcs_own_settings_win(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert memory.keep_freed_memory() is False


def test_nothing_is_tuned_off_glibc(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory.keep_freed_memory() is False
