"""parameters_to_vector / vector_to_parameters: all parameters as one flat vector and back."""

from __future__ import annotations

from minigrad.ops.shape import cat, reshape_if_needed
from minigrad.tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """One 1-D tensor holding every parameter, flattened, in order."""
    return cat([reshape_if_needed(p, (-1,)) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of vec back into the parameters, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    offset = 0
    for p in parameters:
        n = p.numel()
        left = max(vec.numel() - offset, 0)
        if n > left:  # PyTorch views the rest of vec as the parameter: its error
            raise RuntimeError(
                f"vector_to_parameters: shape '{list(p.shape)}' is invalid for input of size "
                f"{left} (a vector of {vec.numel()} values for more parameters)"
            )
        p.array[...] = vec.array[offset : offset + n].reshape(p.array.shape)
        p._version += 1
        offset += n
