"""`set_num_threads` / `get_num_threads`: the CPU threads minigrad's matrix work uses.

minigrad's heavy CPU work (matmul, convolution as matmul) runs in NumPy's BLAS library, so
these set and read BLAS's thread count, through threadpoolctl.
"""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

_limits = None  # kept alive: the limit holds until the next call


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
