"""`import minigrad.utils.data` (PyTorch's `torch.utils.data`): the names of minigrad.data."""

from minigrad.data import *  # noqa: F403
from minigrad.data import __all__  # noqa: F401
