"""The CPU side: NumPy arrays in memory that glibc's allocator keeps between steps.

# NOTE: glibc hands every freed block over 128 KiB back to the operating system and maps a
# fresh one for the next allocation, so each im2col buffer, activation and gradient of a
# training step page-faults its memory in anew: a small CNN's step ran 1.9x slower in a fresh
# process (4.5 ms instead of 2.3 ms). PyTorch keeps freed CPU memory in its own allocator;
# here glibc is asked to keep blocks up to 32 MiB in the process instead.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
_MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks up to this size come from the heap
_TRIM_THRESHOLD = 256 << 20  # free memory at the heap's top kept before it is returned


def keep_freed_memory() -> bool:
    """Tune glibc's malloc as the note above says; True if it was done. Nothing happens off
    glibc (macOS, Windows, musl) or when the user set glibc's own MALLOC_*_THRESHOLD_."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) and mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    )
