"""Anomaly mode: find the op whose backward first produced nan or inf."""

from __future__ import annotations

from minigrad.autograd.grad_mode import state


class detect_anomaly:  # noqa: N801 - PyTorch's spelling
    """Inside this block each node remembers where its forward was called, and backward
    raises RuntimeError naming the first node whose gradient has a nan or inf, with that
    place. Slow: for debugging only."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = state.anomaly
        state.anomaly = self.check_nan

    def __exit__(self, *exc):
        state.anomaly = self._prev
        return False


def set_detect_anomaly(mode: bool) -> None:
    state.anomaly = bool(mode)


def is_anomaly_enabled() -> bool:
    return state.anomaly
