"""The simulated CuPy of the backend tests; it lives in minigrad.testing.simulated_gpu so that
the course's device-agnostic exercises can use it too."""

from minigrad.testing.simulated_gpu import FakeArray, make

__all__ = ["FakeArray", "make"]
