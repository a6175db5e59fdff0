"""Checks shared by the tests and the exercises: `gradcheck`, `assert_close`, `plain_value`
(an answer as a value of an exact built-in or NumPy type) and `assert_untampered` (the library
the tests compare with is still what was imported; see guard.py) and `assert_not_used` (an
answer's source does not call what the question asks the student to write; see source.py).

`minigrad.testing.simulated_gpu` (imported on its own) is a simulated CuPy device for machines
without a GPU: the backend tests and chapter 07's exercises run CUDA code paths on it.
"""

from minigrad.testing.close import assert_close, plain_value
from minigrad.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigrad.testing.guard import assert_untampered, seal, snapshot
from minigrad.testing.source import assert_not_used

__all__ = [
    "GradcheckError",
    "assert_close",
    "assert_not_used",
    "assert_untampered",
    "gradcheck",
    "gradgradcheck",
    "plain_value",
    "seal",
]

snapshot()  # NOTE: the chapter's locked setup cell imports this before any answer runs
