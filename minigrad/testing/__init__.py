"""Checks shared by the tests and the exercises: `gradcheck` and `assert_close`."""

from minigrad.testing.close import assert_close
from minigrad.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "assert_close", "gradcheck", "gradgradcheck"]
