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
        self._prev = (_mode["enabled"], _mode["check_nan"])
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(*self._prev)
        return False


# PyTorch's two flags; the engine reads one, state.anomaly: its anomaly checks (the forward's
# place kept on each node, nan and inf in each gradient) run when both are on
_mode = {"enabled": False, "check_nan": True}


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    _mode["enabled"], _mode["check_nan"] = bool(enabled), bool(check_nan)
    state.anomaly = _mode["enabled"] and _mode["check_nan"]


class set_detect_anomaly:  # noqa: N801 - PyTorch's spelling
    """Turn anomaly mode on or off at the call, as a function; used as a context manager
    (`with set_detect_anomaly(True):`), the previous mode comes back at the block's end."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (_mode["enabled"], _mode["check_nan"])
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        set_anomaly_enabled(*self._prev)
        return False


def is_anomaly_enabled() -> bool:
    return _mode["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    return _mode["check_nan"]
