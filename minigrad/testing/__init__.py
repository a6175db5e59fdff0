"""Checks shared by the tests and the exercises: `gradcheck` and `assert_close`.

`minigrad.testing.simulated_gpu` (imported on its own) is a simulated CuPy device for machines
without a GPU: the backend tests and chapter 07's exercises run CUDA code paths on it.
"""

from minigrad.testing.close import assert_close
from minigrad.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "assert_close", "gradcheck", "gradgradcheck"]
