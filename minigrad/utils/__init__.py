"""minigrad.utils: `minigrad.utils.data` is minigrad.data under PyTorch's import path."""

from minigrad.utils import data
