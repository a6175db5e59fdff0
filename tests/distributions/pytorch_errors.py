"""What the distribution tests share: the check that a call fails in minigrad as in PyTorch."""

from __future__ import annotations

import pytest
import torch

import minigrad


def _raised(call, lib) -> tuple[type, str]:
    with pytest.raises(Exception) as error:
        call(lib)
    return type(error.value), str(error.value)


def assert_fails_as_pytorch(call) -> None:
    """call(torch) and call(minigrad) raise the same exception type with the same message
    (minigrad's module names read as torch's)."""
    their_type, their_message = _raised(call, torch)
    our_type, our_message = _raised(call, minigrad)
    assert our_type is their_type, f"{our_type.__name__} where PyTorch raises {their_type.__name__}"
    our_message = our_message.replace("minigrad.", "torch.")
    assert our_message == their_message, f"{our_message!r} != PyTorch's {their_message!r}"
