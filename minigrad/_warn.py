"""warn_once: PyTorch's TORCH_WARN_ONCE, a warning given once per process."""

from __future__ import annotations

import warnings

# The messages already given. PyTorch's C++ emits each such warning once, whatever the Python
# filters say ("always" included), and counts it as given even when a filter ignores it.
_given: set[str] = set()


def warn_once(message: str, category: type[Warning] = UserWarning, stacklevel: int = 2) -> None:
    """warnings.warn(message, category, stacklevel) the first time this message comes, never
    again in this process (stacklevel counts as warnings.warn's from the caller)."""
    if message in _given:
        return
    _given.add(message)
    warnings.warn(message, category, stacklevel=stacklevel + 1)
