"""Course tooling for minigrad: build exercises from solutions, check, grade, doctor.

The command line entry point is ``minigrad-course`` (see :mod:`minigrad_course.cli`).
Solutions follow nbgrader's format (schema 3); see ``docs/instructors.md``.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
