"""minigrad.utils: `minigrad.utils.data` is minigrad.data under PyTorch's import path;
`minigrad.utils.checkpoint` is activation checkpointing; `minigrad.utils.benchmark` times
statements as `torch.utils.benchmark` does."""

from minigrad.utils import benchmark, checkpoint, data
