"""`set_num_threads` / `get_num_threads`: the CPU threads minigrad's matrix work uses.

minigrad's heavy CPU work (matmul, convolution as matmul) runs in NumPy's BLAS library, so
these set and read BLAS's thread count, through threadpoolctl.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_info, threadpool_limits

_limits = None  # kept alive: the limit holds until the next call
_interop = [os.cpu_count() or 1]


def set_num_threads(n: int) -> None:
    """Use `n` threads for BLAS work in this process (PyTorch's intra-op threads)."""
    global _limits
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}")
    _limits = threadpool_limits(limits=int(n), user_api="blas")


def get_num_threads() -> int:
    """The threads BLAS uses now (1 where NumPy has no threaded BLAS)."""
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(blas, default=1)


def set_num_interop_threads(n: int) -> None:
    """Store PyTorch's inter-op thread count. minigrad runs ops one after another in the
    calling thread (there is no inter-op pool), so the number changes nothing."""
    if int(n) < 1:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _interop[0] = int(n)


def get_num_interop_threads() -> int:
    return _interop[0]
