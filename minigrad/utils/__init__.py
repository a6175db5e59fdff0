"""minigrad.utils: `minigrad.utils.data` is minigrad.data under PyTorch's import path;
`minigrad.utils.checkpoint` is activation checkpointing."""

from minigrad.utils import checkpoint, data
